"""Example bodies of docs/openapi.json, per operationId: the API documents' own (/work/shared/seeds,
with their {{placeholders}} and placeholder ids) where they have one, else written from demo data.

The documents' placeholders stand where the schema says format uuid, and linters (redocly's
no-invalid-media-type-examples) rightly refuse "{{stock_id}}" or "stock-uuid" there: each is written
as a UUID of its own, the same one wherever it recurs, and the example's description names the
placeholders. tests/e2e/test_openapi.py validates every example against the schema beside it.
"""
import copy
import re
import uuid

# The 004 document's move: the ledger entry and stock record of its answers (openapi.py has its request).
MOVE = {
    "id": "transaction-uuid", "tenant_id": "tenant-uuid", "warehouse_id": "warehouse-uuid", "item_id": "item-uuid",
    "stock_id": "stock-uuid", "transaction_type": "move", "quantity": 10, "from_bin_id": "bin-uuid-1",
    "to_bin_id": "bin-uuid-2", "reference_id": "order-uuid", "reference_type": "order",
    "notes": "Stock moved to fulfill order", "performed_by": "user-uuid", "timestamp": "2023-06-15T10:30:00Z"}
MOVE_DETAIL = dict(MOVE, **{
    "warehouse": {"id": "warehouse-uuid", "name": "Main Warehouse", "code": "WH001"},
    "item": {"id": "item-uuid", "sku": "ITEM-001", "name": "Test Product", "category": "Electronics"},
    "stock": {"id": "stock-uuid", "quantity": 40, "unit_of_measure": "ea", "status": "available"},
    "from_bin": {"id": "bin-uuid-1", "code": "A-01-01", "location_type": "bin"},
    "to_bin": {"id": "bin-uuid-2", "code": "B-01-01", "location_type": "bin"},
    "user": {"id": "user-uuid", "first_name": "John", "last_name": "Doe", "email": "john.doe@example.com"}})

TX_TYPES = ["initial_stock", "receive", "pick", "move", "stock_adjustment", "return", "count"]
REF_TYPES = ["order", "shipment", "audit", "return", "transfer"]

# The 000 document's Create Counting Session body, as it stands.
COUNT_SESSION_CREATE = {
    "count_session": {
        "_id": "string", "_key": "string", "_rev": "string", "code": "CNT-2026-001",
        "description": "Annual full-warehouse count Q2 2026", "type": "position", "status": "planned",
        "blind_quantities": True, "blind_serials": True, "coverage_percentage": 100,
        "scheduled_start": "2026-05-20T08:00:00Z", "scheduled_end": "2026-05-20T18:00:00Z",
        "created": "2026-05-15T10:00:00Z", "created_by": "user/operator-01", "started": "2026-05-20T08:05:00Z",
        "completed": "2026-05-20T17:45:00Z", "baseline_snapshot_key": "snap-001",
        "post_count_snapshot_key": "snap-002", "post_adjustment_snapshot_key": "snap-003",
        "adjustment_list_key": "mvtlist-001", "notes": "Verify all rows in zone A before zone B",
        "extra": "string"},
    "assignments": [{"user_key": "user/operator-01", "target_keys": [["12345", "67890"]]}]}


PLACEHOLDER = re.compile(r"^(\{\{[a-z_]+\}\}|[a-z]+-uuid(-[0-9]+)?)$")


def as_uuids(value, seen):
    """value with every placeholder id replaced by its UUID; seen collects the placeholders."""
    if isinstance(value, dict):
        return {k: as_uuids(v, seen) for k, v in value.items()}
    if isinstance(value, list):
        return [as_uuids(v, seen) for v in value]
    if isinstance(value, str) and PLACEHOLDER.match(value):
        seen.append(value)
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "https://stocktake.invalid/example/" + value))
    return value


def ex(summary, value):
    seen = []
    out = {"summary": summary, "value": as_uuids(value, seen)}
    if seen:
        out["description"] = ("The ids are placeholders written as UUIDs: " +
                              ", ".join(sorted(set(seen))) + ".")
    return out


# The code and field the service adds to each example's message (lib/web/error_code.c;
# tests/source/test_error_codes.py checks these against it).
ERROR_CODES = {
    "Warehouse not found": ("warehouse_not_found", None),
    "Insufficient permissions": ("insufficient_permissions", None),
    "Field required: transaction_type": ("field_required", "transaction_type"),
    "Invalid transaction type": ("invalid_field", "transaction_type"),
    "Move requires from and to bins": ("field_required", "to_bin_id"),
    "From bin must match stock bin": ("bin_mismatch", "from_bin_id"),
    "Reference type required when reference ID provided": ("field_required", "reference_type"),
    "Invalid reference type": ("invalid_field", "reference_type"),
    "Item ID mismatch": ("item_mismatch", "item_id"),
    "Stock not found": ("stock_not_found", None),
    "To bin not found": ("bin_not_found", "to_bin_id"),
    "Performed by user not found": ("user_not_found", "performed_by"),
    "Insufficient stock": ("insufficient_stock", None),
    "Transaction not found": ("transaction_not_found", None),
    "Incorrect username or password": ("invalid_credentials", None),
}


def ondi(message):
    code, field = ERROR_CODES[message]
    out = {"success": False, "message": message, "code": code}
    if field:
        out["field"] = field
    return out


DOC004 = "the 004 document's example"
DOC000 = "the 000 document's example"

# operationId -> {"request": {name: example}, "<status>": {name: example}}
EXAMPLES = {
    "login": {
        "request": {"form": ex("Form fields (application/x-www-form-urlencoded)",
                               {"grant_type": "password", "username": "demo-admin", "password": "demo-admin"})},
        "200": {"token": ex("A bearer token", {"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig",
                                               "token_type": "bearer", "expires_in": 3600,
                                               "scope": "view:tenant manage:operations:tenant"})},
        "401": {"wrong": ex("Wrong username or password", {
            "status": 401, "message": "Incorrect username or password",
            "detail": "The username or password is incorrect, or the account is disabled", "error": "invalid_grant",
            "code": "invalid_credentials"})}},
    "listInventoryTransactions": {
        "200": {"page": ex(DOC004 + ", with the type lists the service adds", {
            "success": True, "message": "Inventory transactions retrieved successfully",
            "inventory_transactions": [MOVE_DETAIL],
            "stats": {"total": 1, "initial_stock": 0, "stock_adjustment": 0, "move": 1},
            "transaction_types": TX_TYPES, "reference_types": REF_TYPES, "page": 1, "limit": 20, "total": 1})},
        "200 text/csv": {"csv": ex("format=csv: every matching row", (
            "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,from_bin_code,"
            "to_bin_code,reference_type,reference_id,performed_by,notes\r\n"
            "5b0e6f0c-3c1a-4d7e-9a51-2f4b8c9d0e11,2023-06-15T10:30:00Z,move,WH001,ITEM-001,Test Product,"
            "0c8f1f7e-6a2b-4c3d-8e9f-1a2b3c4d5e6f,10,A-01-01,B-01-01,order,ORD-1001,"
            "20000000-0000-4000-8000-000000000001,"
            "Stock moved to fulfill order\r\n"))},
        "404": {"warehouse": ex(DOC004, ondi("Warehouse not found"))},
        "403": {"scope": ex(DOC004, ondi("Insufficient permissions"))}},
    "createInventoryTransaction": {
        "201": {"move": ex(DOC004, {
            "success": True, "message": "Inventory transaction created successfully", "inventory_transaction": MOVE,
            "updated_stock": {"id": "stock-uuid", "tenant_id": "tenant-uuid", "warehouse_id": "warehouse-uuid",
                              "item_id": "item-uuid", "bin_id": "bin-uuid-2", "quantity": 40,
                              "status": "available", "updated_at": "2023-06-15T10:30:00Z"}})},
        "400": {m.split(":")[0].lower().replace(" ", "_"): ex(DOC004, ondi(m)) for m in [
            "Field required: transaction_type", "Invalid transaction type", "Move requires from and to bins",
            "From bin must match stock bin", "Reference type required when reference ID provided",
            "Invalid reference type", "Item ID mismatch"]},
        "404": {m.split()[0].lower(): ex(DOC004, ondi(m)) for m in [
            "Warehouse not found", "Stock not found", "To bin not found", "Performed by user not found"]},
        "409": {"stock": ex(DOC004, ondi("Insufficient stock"))}},
    "getInventoryTransaction": {
        "200": {"move": ex(DOC004, {"success": True, "message": "Transaction retrieved successfully",
                                    "inventory_transaction": MOVE_DETAIL})},
        "404": {"missing": ex(DOC004, ondi("Transaction not found"))}},
    "createCountSession": {
        "request": {"document": ex(DOC000, COUNT_SESSION_CREATE),
                    "minimal": ex("Only what is required: the code is generated", {
                        "count_session": {"type": "position", "description": "Zone A"},
                        "assignments": [{"user_key": "user/demo-operator", "target_keys": [["{{bin_id}}"]]}]})},
        "200": {"document": ex(DOC000, {"status": 200, "message": "string", "detail": "string"})}},
    "recordCount": {
        "request": {"by_code": ex("Bin code and SKU instead of ids", {
            "bin_id": "A-01-01", "item_id": "ITEM-001", "counted_qt": 12})}},
    "createWarehouse": {
        "request": {"warehouse": ex("A warehouse", {"name": "Main Warehouse", "code": "WH001",
                                                    "address": "1 Dock Road"})}},
    "createBin": {
        "request": {"bin": ex("A bin", {"warehouse_id": "{{warehouse_id}}", "code": "A-01-01",
                                        "location_type": "bin", "capacity": 100})}},
    "createItem": {
        "request": {"item": ex("An item", {"sku": "ITEM-001", "name": "Test Product", "category": "Electronics",
                                           "unit_of_measure": "ea"})}},
    "createStock": {
        "request": {"stock": ex("A stock record with 40 units (writes an initial_stock transaction)", {
            "warehouse_id": "{{warehouse_id}}", "item_id": "{{item_id}}", "bin_id": "{{bin_id}}",
            "quantity": 40, "unit_of_measure": "ea"})}},
}


def operations(doc):
    for ops in doc["paths"].values():
        for op in ops.values():
            yield op


def response_object(doc, op, status):
    """The operation's response for status, made its own (inline) when it was a shared component."""
    response = op["responses"][status]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[1]
        response = op["responses"][status] = copy.deepcopy(doc["components"]["responses"][name])
    return response


def add(doc):
    """Puts EXAMPLES into doc's request bodies and responses: "<status>" or "request" names the first
    media type, "<status> <media type>" another one."""
    for op in operations(doc):
        for where, examples in EXAMPLES.get(op["operationId"], {}).items():
            where, _, media_type = where.partition(" ")
            if where == "request":
                target = op["requestBody"]["content"]
            else:
                target = response_object(doc, op, where)["content"]
            media = target[media_type] if media_type else next(iter(target.values()))
            # Examples openapi.py gives in place (the ledger's create requests) are kept as they are.
            for name, example in examples.items():
                media.setdefault("examples", {}).setdefault(name, copy.deepcopy(example))
