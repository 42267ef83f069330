#!/usr/bin/python3
"""Writes docs/openapi.json: the OpenAPI 3.1 document of every endpoint.

The JSON file is committed and served by nginx; tests/e2e/test_openapi.py checks
it against the handlers' route tables, so an endpoint added in C without a line
here (or the other way round) fails the tests. Run: /usr/bin/python3 docs/openapi.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import openapi_finish  # noqa: E402  (operationIds, common errors and headers, examples)

READ = ["view:tenant", "manage:operations:tenant"]
WRITE = ["manage:operations:tenant"]


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def s(t, **kw):
    d = {"type": t}
    d.update(kw)
    return d


NULLSTR = {"type": ["string", "null"]}
UUID = s("string", format="uuid")
TIME = {"type": ["string", "null"], "format": "date-time"}

ONDI_ERROR = {"description": "Error", "content": {"application/json": {"schema": ref("OndiError")}}}
STATUS_ERROR = {"description": "Error", "content": {"application/json": {"schema": ref("StatusEnvelope")}}}


def scopes_note(scopes):
    if scopes is None:
        return "Public."
    if not scopes:
        return "Any authenticated caller."
    return "Requires one of the scopes: " + ", ".join(scopes) + "."


def security(scopes):
    if scopes is None:
        return []
    return [{"OAuth2PasswordBearer": scopes}]


def qparam(name, desc, schema=None):
    return {"name": name, "in": "query", "required": False, "description": desc,
            "schema": schema or s("string")}


ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": UUID}
TENANT_PARAM = qparam("tenant_id", "Optional; when given it must be the caller's own tenant (else 403 Insufficient permissions).", UUID)
PAGING = [qparam("page", "Page number, default 1", s("integer", minimum=1)),
          qparam("limit", "Rows per page, default 20, at most 100 (more: 400 Invalid limit)",
                 s("integer", minimum=1, maximum=100)),
          qparam("search", "Case-insensitive substring search")]


def ondi_errors(*codes):
    return {str(c): ONDI_ERROR for c in codes}


def status_errors(*codes):
    return {str(c): STATUS_ERROR for c in codes}


def ondi_one(key, schema, message):
    return {"description": message, "content": {"application/json": {"schema": {
        "type": "object", "required": ["success", "message", key],
        "properties": {"success": s("boolean", const=True), "message": s("string", examples=[message]), key: ref(schema)}}}}}


def ondi_list(key, schema, message):
    return {"description": message, "content": {"application/json": {"schema": {
        "type": "object", "required": ["success", "message", key, "page", "limit", "total"],
        "properties": {"success": s("boolean", const=True), "message": s("string", examples=[message]),
                       key: s("array", items=ref(schema)), "page": s("integer"), "limit": s("integer"),
                       "total": s("integer")}}}}}


def json_body(schema):
    return {"application/json": {"schema": schema}}


# Safe retries and concurrent edits (docs/ledger.md "Idempotency-Key", "ETag and If-Match").
IDEM_PARAM = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": s("string", maxLength=255),
              "description": "1-255 printable ASCII characters, per tenant, kept 24 hours. A retry with the same "
                             "key and the same request (method, path, query string, body) gets the first answer "
                             "again, whatever its status below 500, byte for byte with the header "
                             "Idempotent-Replayed: true, and writes nothing; the same key with another request is "
                             "422; while the first request is still running a retry is 409 at once with "
                             "Retry-After: 1. Malformed: 400 Invalid idempotency key."}
IF_MATCH_PARAM = {"name": "If-Match", "in": "header", "required": False, "schema": s("string"),
                  "description": "The ETag the client read; when it is no longer the record's, the write is "
                                 "refused with 412 and nothing is written. * or no header: no check."}
REPLAYED_HEADER = {"description": "true on an answer replayed for a repeated Idempotency-Key",
                   "schema": s("string", enum=["true"])}
ETAG_HEADER = {"description": "Strong entity tag of the record (for If-Match)", "schema": s("string")}
RETRY_AFTER_HEADER = {"description": "Seconds to wait before retrying", "schema": s("integer")}


def keyed_answer(resp):
    """A success answer of a POST that takes an Idempotency-Key."""
    return dict(resp, headers={"Idempotent-Replayed": REPLAYED_HEADER})


def tagged_answer(resp, keyed=False):
    """A success answer carrying the record's ETag."""
    headers = {"ETag": ETAG_HEADER}
    if keyed:
        headers["Idempotent-Replayed"] = REPLAYED_HEADER
    return dict(resp, headers=headers)


def keyed_errors(errors, error):
    """The error answers a keyed POST adds: 409 while the key's first request runs, 422 key reused."""
    return dict(errors, **{"409": dict(error, description="Error (also: a request with this Idempotency-Key is "
                                                          "still being processed, with Retry-After)",
                                       headers={"Retry-After": RETRY_AFTER_HEADER,
                                                "Idempotent-Replayed": REPLAYED_HEADER}), "422": error})


def master_resource(paths, base, entity, key, keys, schema, filters, write_scopes, create_schema, patch_schema):
    list_params = [TENANT_PARAM] + PAGING + [qparam(f, "Filter by " + f) for f in filters] + [
        qparam("updated_since", "Only rows changed (or created) at or after this ISO 8601 time, to the second "
               "(malformed: 400 Invalid updated_since)", s("string", format="date-time"))]
    paths[base] = {
        "get": {"summary": "List " + keys, "tags": ["master data"], "description": scopes_note(READ),
                "security": security(READ), "parameters": list_params,
                "responses": dict({"200": ondi_list(keys, schema, entity + "s retrieved successfully")},
                                  **ondi_errors(400, 401, 403))},
        "post": {"summary": "Create a " + key, "tags": ["master data"], "description": scopes_note(write_scopes),
                 "security": security(write_scopes), "parameters": [TENANT_PARAM, IDEM_PARAM],
                 "requestBody": {"required": True, "content": json_body(ref(create_schema))},
                 "responses": keyed_errors(dict({"201": tagged_answer(ondi_one(key, schema, entity +
                                                                               " created successfully"), True)},
                                                **ondi_errors(400, 401, 403, 404)), ONDI_ERROR)},
    }
    paths[base + "/{id}"] = {
        "get": {"summary": "Get a " + key, "tags": ["master data"], "description": scopes_note(READ),
                "security": security(READ), "parameters": [ID_PARAM, TENANT_PARAM],
                "responses": dict({"200": tagged_answer(ondi_one(key, schema, entity + " retrieved successfully"))},
                                  **ondi_errors(401, 403, 404))},
        "patch": {"summary": "Update a " + key, "tags": ["master data"], "description": scopes_note(write_scopes),
                  "security": security(write_scopes), "parameters": [ID_PARAM, TENANT_PARAM, IF_MATCH_PARAM],
                  "requestBody": {"required": True, "content": json_body(ref(patch_schema))},
                  "responses": dict({"200": tagged_answer(ondi_one(key, schema, entity + " updated successfully"))},
                                    **ondi_errors(400, 401, 403, 404, 409, 412))},
        "delete": {"summary": "Deactivate a " + key + " (soft delete: status inactive; refused while stock remains)",
                   "tags": ["master data"], "description": scopes_note(write_scopes),
                   "security": security(write_scopes), "parameters": [ID_PARAM, TENANT_PARAM],
                   "responses": dict({"200": tagged_answer(ondi_one(key, schema, entity + " deleted successfully"))},
                                     **ondi_errors(401, 403, 404, 409))},
    }


# ---- inventory transactions (the stock ledger) -----------------------------------------

TX_TYPES = ["initial_stock", "receive", "pick", "move", "stock_adjustment", "return", "count"]
REF_TYPES = ["order", "shipment", "audit", "return", "transfer"]


def tx_create_examples():
    """Request examples of POST /warehousing/inventory-transactions: the document's move, and a stock adjustment."""
    common = {"warehouse_id": "5b0c6a3e-1f5e-4c1e-9a51-3f1c1c0b7a01", "item_id": "9f0d2b6e-8a44-4f3b-b1c2-2e8c4d6f7a02",
              "stock_id": "0e6f1a7c-3b2d-4e5f-8a9b-1c2d3e4f5a03"}
    return {
        "move": {"summary": "Move 10 units to another bin (document 004's example)", "value": dict(
            common, transaction_type="move", quantity=10, from_bin_id="7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c04",
            to_bin_id="8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d05", reference_id="PO-2023-0615", reference_type="order",
            notes="Stock moved to fulfill order", performed_by="6c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e06",
            timestamp="2023-06-15T10:30:00Z")},
        "stock_adjustment": {"summary": "Take 3 broken units off the stock (the direction is required)",
                             "value": dict(common, transaction_type="stock_adjustment", quantity=3,
                                           adjustment_direction="decrease", reference_id="AUD-2023-07",
                                           reference_type="audit", notes="Broken in handling")}}


def inventory_transactions(paths, schemas):
    """The inventory transactions group: list (JSON or CSV), create, get, notes, ledger check."""
    base = "/warehousing/inventory-transactions"
    tag = ["inventory transactions"]
    check_scopes = ["admin", "manage:operations:tenant"]
    NULLID = {"type": ["string", "null"], "format": "uuid"}
    ref_obj = lambda props: {"type": ["object", "null"], "properties": props}
    flat = {
        "id": UUID, "tenant_id": UUID, "warehouse_id": UUID, "item_id": UUID,
        "stock_id": s("string", format="uuid", description="The stock record the transaction names (a move's source)"),
        "transaction_type": s("string", enum=TX_TYPES),
        "quantity": s("integer", minimum=0, description="The amount given: units received, picked, moved, "
                      "adjusted, or the counted quantity of a count"),
        "from_bin_id": NULLID, "to_bin_id": NULLID,
        "reference_id": NULLSTR, "reference_type": {"type": ["string", "null"], "enum": REF_TYPES + [None]},
        "notes": NULLSTR, "performed_by": UUID, "timestamp": s("string", format="date-time"),
        "delta": s("integer", description="Signed change of stock_id's quantity"),
        "to_stock_id": dict(NULLID, description="A move's destination record (the source itself when the "
                                                "whole record changed bin)"),
        "to_delta": s("integer", description="Signed change of to_stock_id's quantity (0 without one)"),
    }
    schemas["InventoryTransaction"] = {"type": "object", "description": "A ledger entry as stored (create response)",
                                       "properties": flat}
    schemas["InventoryTransactionDetail"] = {"type": "object", "description": "A ledger entry with its related records",
                                             "properties": dict(flat, **{
        "warehouse": ref_obj({"id": UUID, "name": s("string"), "code": s("string")}),
        "item": ref_obj({"id": UUID, "sku": s("string"), "name": s("string"), "category": NULLSTR}),
        "stock": ref_obj({"id": UUID, "quantity": s("integer"), "unit_of_measure": s("string"),
                          "status": s("string")}),
        "from_bin": ref_obj({"id": UUID, "code": s("string"), "location_type": s("string")}),
        "to_bin": ref_obj({"id": UUID, "code": s("string"), "location_type": s("string")}),
        "user": ref_obj({"id": UUID, "first_name": NULLSTR, "last_name": NULLSTR, "email": NULLSTR})})}
    schemas["InventoryTransactionCreate"] = {
        "type": "object", "required": ["warehouse_id", "item_id", "stock_id", "transaction_type", "quantity"],
        "properties": {
            "tenant_id": dict(UUID, description="Optional; must be the caller's tenant"),
            "warehouse_id": UUID, "item_id": dict(UUID, description="Must be the stock's item"),
            "stock_id": dict(UUID, description="A stock record of the warehouse"),
            "transaction_type": s("string", enum=TX_TYPES + ["adjust"],
                                  description="adjust (legacy) is stored as stock_adjustment"),
            "quantity": s("integer", minimum=0, maximum=1000000000000,
                          description="> 0; a count may be 0 (the counted quantity). A whole number however "
                                      "written (10, 10.0 and 1e1 are 10); 10.5 and \"10\" are 400 \"quantity "
                                      "must be a whole number\""),
            "adjustment_direction": s("string", enum=["increase", "decrease"],
                                      description="Required for stock_adjustment (and legacy adjust): "
                                                  "quantity is always positive, the direction says which "
                                                  "way it goes. Missing: 400 \"Field required: "
                                                  "adjustment_direction (increase or decrease)\"; another "
                                                  "value: 400 \"Invalid adjustment direction (increase or "
                                                  "decrease)\""),
            "from_bin_id": dict(UUID, description="Required for pick and move; must be the stock's bin"),
            "to_bin_id": dict(UUID, description="Required for move (an active bin of the warehouse, not "
                                                "from_bin_id); for other types it must be the stock's bin"),
            "reference_id": s("string", maxLength=100, description="Needs reference_type"),
            "reference_type": s("string", enum=REF_TYPES),
            "notes": s("string", maxLength=16000),
            "performed_by": dict(UUID, description="A user of the tenant; default the caller"),
            "timestamp": s("string", format="date-time", description="ISO 8601; default now")}}
    schemas["InventoryTransactionPatch"] = {"type": "object", "required": ["notes"], "additionalProperties": False,
                                            "properties": {"notes": NULLSTR}}
    stats = {"type": "object", "properties": dict({"total": s("integer")}, **{t: s("integer") for t in TX_TYPES})}
    list_ok = {"description": "Inventory transactions retrieved successfully", "content": {
        "application/json": {"schema": {
            "type": "object",
            "required": ["success", "message", "inventory_transactions", "stats", "transaction_types",
                         "reference_types", "page", "limit", "total"],
            "properties": {
                "success": s("boolean", const=True),
                "message": s("string", examples=["Inventory transactions retrieved successfully"]),
                "inventory_transactions": s("array", items=ref("InventoryTransactionDetail")),
                "stats": stats,
                "transaction_types": s("array", items=s("string", enum=TX_TYPES)),
                "reference_types": s("array", items=s("string", enum=REF_TYPES)),
                "page": s("integer", description="1 when following with after"),
                "limit": s("integer"), "total": s("integer"),
                "next": {"type": ["string", "null"], "description": (
                    "Path and query of the following rows: the next page (null on the last one), or with "
                    "after the cursor to go on from (always present; an empty answer repeats it: poll it later)")}}}},
        "text/csv": {"schema": s("string", description=(
            "With format=csv: every matching row (page and limit ignored), RFC 4180 with CRLF, header "
            "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,from_bin_code,"
            "to_bin_code,reference_type,reference_id,performed_by,notes; cells starting with = + - @ TAB or CR "
            "get a leading single quote (formula injection)"))}}}
    create_ok = {"description": "Inventory transaction created successfully", "content": {"application/json": {
        "schema": {"type": "object", "required": ["success", "message", "inventory_transaction", "updated_stock"],
                   "properties": {"success": s("boolean", const=True),
                                  "message": s("string", examples=["Inventory transaction created successfully"]),
                                  "inventory_transaction": ref("InventoryTransaction"),
                                  "updated_stock": dict(ref("Stock"), description="The stock record the "
                                                        "request named (stock_id), as it is after the "
                                                        "transaction (a move's source)"),
                                  "destination_stock": dict(ref("Stock"), description="Moves only: the record "
                                                            "the units are in now (to_stock_id): the matching "
                                                            "record at to_bin_id, or the stock_id record itself "
                                                            "when the whole record changed bin")}}}}}
    list_params = [TENANT_PARAM,
                   qparam("warehouse_id", "Only this warehouse (unknown: 404 Warehouse not found)", UUID),
                   qparam("item_id", "Only this item", UUID),
                   qparam("stock_id", "Only transactions that changed this stock record (moves into it too)", UUID),
                   qparam("search", "Case-insensitive substring of the transaction type, reference type, item SKU "
                                    "or name, reference id or notes"),
                   qparam("transaction_type", "One of the types (adjust means stock_adjustment)",
                          s("string", enum=TX_TYPES + ["adjust"])),
                   qparam("reference_type", "One of the reference types", s("string", enum=REF_TYPES)),
                   qparam("timestamp_range_start", "From this time on (ISO 8601, inclusive)",
                          s("string", format="date-time")),
                   qparam("timestamp_range_end", "Up to this time (inclusive; a bare date covers that whole day)",
                          s("string", format="date-time")),
                   qparam("page", "Page number, default 1 (not with after)", s("integer", minimum=1)),
                   qparam("limit", "Rows per page, default 20, at most 100 (more: 400 Invalid limit)",
                          s("integer", minimum=1, maximum=100)),
                   qparam("format", "json (default) or csv (every matching row as a download)",
                          s("string", enum=["json", "csv"])),
                   qparam("after", "Follow the ledger: `start`, or the cursor of a `next` link. The rows written "
                          "after the cursor, oldest first (by the server's write time, not `timestamp`), once they "
                          "are 30 seconds old, so a follower sees every row exactly once while others write. "
                          "Not with page or format=csv (400).", s("string", pattern="^(start|[0-9]{20}\\.[0-9a-fA-F-]{36})$"))]
    tx_id = {"name": "id", "in": "path", "required": True, "schema": UUID}
    paths[base] = {
        "get": {"summary": "List inventory transactions (newest first) with per-type stats, or export them as CSV",
                "tags": tag, "description": scopes_note(READ), "security": security(READ),
                "parameters": list_params,
                "responses": dict({"200": list_ok}, **ondi_errors(400, 401, 403, 404))},
        "post": {"summary": "Record an inventory transaction and apply it to stock",
                 "tags": tag, "description": scopes_note(WRITE) + " One database transaction; the stock rows are "
                 "locked, so stock never goes negative. Insufficient stock is 409.",
                 "security": security(WRITE), "parameters": [TENANT_PARAM, IDEM_PARAM],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": ref("InventoryTransactionCreate"), "examples": tx_create_examples()}}},
                 "responses": keyed_errors(dict({"201": keyed_answer(create_ok)}, **ondi_errors(400, 401, 403, 404)),
                                           ONDI_ERROR)},
    }
    paths[base + "/ledger-check"] = {"get": {
        "summary": "Recompute the ledger: per stock, SUM(delta) + SUM(to_delta) must equal its quantity",
        "tags": tag, "description": scopes_note(check_scopes), "security": security(check_scopes),
        "parameters": [TENANT_PARAM],
        "responses": dict({"200": {"description": "Ledger consistent / Ledger mismatches found", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "success": s("boolean", const=True),
                "message": s("string", enum=["Ledger consistent", "Ledger mismatches found"]),
                "stocks_checked": s("integer"),
                "mismatches": s("array", items={"type": "object", "properties": {
                    "stock_id": UUID, "quantity": s("integer"), "ledger_sum": s("integer")}})}}}}}},
            **ondi_errors(401, 403))}}
    paths[base + "/{id}"] = {
        "get": {"summary": "Get an inventory transaction with its related records", "tags": tag,
                "description": scopes_note(READ), "security": security(READ), "parameters": [tx_id, TENANT_PARAM],
                "responses": dict({"200": tagged_answer(ondi_one("inventory_transaction", "InventoryTransactionDetail",
                                                                 "Transaction retrieved successfully"))},
                                  **ondi_errors(400, 401, 403, 404))},
        "patch": {"summary": "Correct the notes of a transaction (nothing else changes: corrections of stock are "
                             "new transactions)", "tags": tag, "description": scopes_note(WRITE),
                  "security": security(WRITE), "parameters": [tx_id, TENANT_PARAM, IF_MATCH_PARAM],
                  "requestBody": {"required": True, "content": json_body(ref("InventoryTransactionPatch"))},
                  "responses": dict({"200": tagged_answer(ondi_one("inventory_transaction",
                                                                   "InventoryTransactionDetail",
                                                                   "Transaction updated successfully"))},
                                    **ondi_errors(400, 401, 403, 404, 412))},
    }


COUNT_STATUSES = ["planned", "started", "completed", "applied", "canceled"]


def count_sessions(paths, schemas, status_ok):
    """The count sessions group (000 document style): plan, start, count, complete, apply; records, imports,
    variances. status_ok(props, message) is build()'s success envelope schema."""
    base = "/inventory/count-session"
    tag = ["count sessions"]
    create_scopes = ["inventory:count:create"]
    apply_scopes = ["inventory:count:apply"]
    record_scopes = ["inventory:count:record"]
    read_scopes = ["view:tenant", "inventory:count:create", "inventory:count:record", "inventory:count:apply"]
    variance_scopes = ["inventory:count:create", "inventory:count:apply"]
    key_param = {"name": "key", "in": "path", "required": True, "schema": UUID,
                 "description": "The session's _key"}
    blind_note = (" Blind sessions: callers without inventory:count:create or inventory:count:apply get no "
                  "system_qt (blind_quantities) and no system_serials (blind_serials): the fields are left out.")
    server = ("Set by the server; accepted in a body (clients send back what they read, or the document's "
              "example) and ignored")
    planned_only = " Changes only while the session is planned."
    keys_doc = {"_key": s("string", description="The session id (UUID)"),
                "_id": s("string", description="count_session/<_key>"),
                "_rev": s("string", description="Changes with every update of the session; PUT must send the "
                                                "current one (stale: 409)")}
    times = {f: dict(TIME, description=server) for f in ("created", "started", "completed", "applied", "canceled")}
    snap_keys = {f: dict(NULLSTR, description=server) for f in (
        "baseline_snapshot_key", "post_count_snapshot_key", "post_adjustment_snapshot_key", "adjustment_list_key")}
    fields = {
        "code": s("string", maxLength=50, description="Unique in the tenant (409 when taken). Omitted: generated "
                  "from a per-tenant counter as CNT-<year>-<n>, n with at least 3 digits." + planned_only),
        "description": {"type": ["string", "null"], "maxLength": 500},
        "type": s("string", enum=["position", "product"], description="position: target keys are bin ids; "
                  "product: item ids." + planned_only),
        "blind_quantities": s("boolean", description="Counters see no system quantities." + planned_only),
        "blind_serials": s("boolean", description="Counters see no system serials." + planned_only),
        "lock_positions": s("boolean", description="While started, picks and moves out of the counted bins are "
                            "refused." + planned_only),
        "coverage_percentage": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "scheduled_start": dict(TIME, description="ISO 8601." + planned_only),
        "scheduled_end": dict(TIME, description="ISO 8601, not before scheduled_start"),
        "notes": {"type": ["string", "null"], "maxLength": 16000},
        "extra": {"type": ["string", "null"], "maxLength": 16000},
    }
    session_props = dict(keys_doc, **fields)
    session_props.update(times)
    session_props.update(snap_keys)
    session_props["status"] = s("string", enum=COUNT_STATUSES, description="Changes through start, complete, "
                                "apply and cancel only (ignored in bodies)")
    session_props["created_by"] = s("string", description="user/<username>; " + server)
    schemas["CountSession"] = {"type": "object", "properties": session_props}
    schemas["CountSessionInput"] = {
        "type": "object", "description": "The count_session document. Unknown fields are refused (400); "
        "_id, _key, _rev (except for PUT), status, created, created_by, started, completed, applied, canceled "
        "and the snapshot and adjustment list keys are ignored.", "properties": session_props}
    target_keys = s("array", minItems=1, items=s("array", minItems=1, items=s("string")),
                    description="Targets, each an array of one or more keys: bin ids (position session) or item "
                                "ids (product session) of the tenant")
    schemas["CountAssignmentInput"] = {"type": "object", "required": ["user_key", "target_keys"], "properties": {
        "user_key": s("string", description="user/<username> or the bare user id; a user of the tenant"),
        "target_keys": target_keys}}
    progress = {"type": "object", "properties": {"targets_counted": s("integer"), "targets_total": s("integer")}}
    schemas["CountAssignment"] = {"type": "object", "properties": {
        "_key": UUID, "user_key": s("string"), "target_keys": target_keys,
        "progress": dict(progress, description="A target is counted once its user recorded in every key")}}
    schemas["CountSessionCreate"] = {"type": "object", "required": ["count_session", "assignments"], "properties": {
        "count_session": ref("CountSessionInput"),
        "assignments": s("array", minItems=1, items=ref("CountAssignmentInput"))}}
    schemas["CountSessionUpdate"] = {"type": "object", "description": (
        "{count_session: {..., _rev}, assignments?} or the count_session document itself. Given fields change; "
        "assignments replace the old ones (planned sessions only)."), "properties": {
        "count_session": ref("CountSessionInput"), "assignments": s("array", items=ref("CountAssignmentInput"))}}
    line = {"bin_id": UUID, "bin_code": s("string"), "item_id": UUID, "sku": s("string"), "item_name": s("string"),
            "lot_number": NULLSTR}
    serials = {"type": ["array", "null"], "items": s("string")}
    system = {"system_qt": s("integer", description="Baseline quantity (left out for blind counters)"),
              "system_serials": dict(serials, description="Baseline serials (left out for blind counters)")}
    schemas["CountLine"] = {"type": "object", "properties": dict(line, **system)}
    schemas["CountRecordInput"] = {"type": "object", "required": ["bin_id", "item_id", "counted_qt"], "properties": {
        "bin_id": s("string", description="The bin's id; records also take its code (extension: a code used in "
                    "several warehouses is the one among the caller's targets)"),
        "item_id": s("string", description="The item's id; records also take its SKU or barcode (extension)"),
        "counted_qt": s("integer", minimum=0),
        "lot_number": s("string", maxLength=100),
        "serials": s("array", items=s("string", maxLength=100), description="As many distinct serials as "
                     "counted_qt")}}
    schemas["CountResolution"] = {"type": "object", "description": "The resolved line and the supervisor's "
                                  "quantity", "properties": {
        "bin_id": UUID, "item_id": UUID, "lot_number": NULLSTR, "counted_qt": s("integer"), "serials": serials}}
    schemas["CountRecord"] = {"type": "object", "properties": dict(line, **dict(system, **{
        "_key": UUID, "counted_qt": s("integer"), "serials": serials, "user_key": s("string"),
        "source": s("string", enum=["api", "import"]), "recorded_at": TIME, "updated_at": TIME,
        "conflict": s("boolean", description="Users counted this line differently and nobody resolved it")}))}
    schemas["CountVariance"] = {"type": "object", "properties": dict(line, **dict(system, **{
        "warehouse_id": UUID, "counted_qt": {"type": ["integer", "null"], "description": "null while in conflict"},
        "counted_serials": serials, "difference": {"type": ["integer", "null"], "description": "counted - system"},
        "conflict": s("boolean"), "resolved": s("boolean")}))}
    one = lambda message, extra=None: status_ok(dict({"count_session": ref("CountSession")}, **(extra or {})),
                                                message)
    errors = lambda *codes: status_errors(401, 403, 404, *codes)
    import_errors = s("array", items={"type": "object", "properties": {
        "line": s("integer"), "message": s("string"), "detail": s("string")}})
    paths[base] = {
        "get": {"summary": "List count sessions (newest first)", "tags": tag, "description": scopes_note(read_scopes),
                "security": security(read_scopes),
                "parameters": [TENANT_PARAM, qparam("status", "Filter", s("string", enum=COUNT_STATUSES)),
                               qparam("type", "Filter", s("string", enum=["position", "product"])),
                               qparam("search", "Substring of code, description or notes"),
                               qparam("limit", "Default 20, at most 100 (more: 400 Invalid limit)",
                                      s("integer", minimum=1, maximum=100)),
                               qparam("offset", "Default 0 (not with page)", s("integer", minimum=0)),
                               qparam("page", "From 1: page N of limit rows is offset (N - 1) * limit; not with "
                                      "offset (400 Invalid page)", s("integer", minimum=1))],
                "responses": dict({"200": status_ok({"count_sessions": s("array", items=ref("CountSession")),
                                                     "total": s("integer"), "limit": s("integer"),
                                                     "offset": s("integer"),
                                                     "page": s("integer", description="When page was given")},
                                                    "Count sessions retrieved successfully")},
                                  **status_errors(400, 401, 403))},
        "post": {"summary": "Create Counting Session: the session and all its assignments in one transaction",
                 "tags": tag, "description": scopes_note(create_scopes) + " detail is the new session's _key. Any "
                 "invalid assignment (unknown user, key not a bin/item of the tenant, no target) inserts nothing.",
                 "security": security(create_scopes), "parameters": [TENANT_PARAM, IDEM_PARAM],
                 "requestBody": {"required": True, "content": json_body(ref("CountSessionCreate"))},
                 "responses": keyed_errors(dict({"200": tagged_answer(one("Count session created successfully"),
                                                                      True)}, **errors(400)), STATUS_ERROR)},
    }
    paths[base + "/{key}"] = {
        "get": {"summary": "A count session with its assignments, progress and (once started) the lines to count",
                "tags": tag, "description": scopes_note(read_scopes) + " Counters see the lines of their own "
                "targets." + blind_note, "security": security(read_scopes), "parameters": [key_param, TENANT_PARAM],
                "responses": dict({"200": tagged_answer(one("Count session retrieved successfully", {
                    "assignments": s("array", items=ref("CountAssignment")),
                    "progress": {"type": "object", "properties": dict(progress["properties"], records=s("integer"),
                                                                      conflicts=s("integer"))},
                    "lines": s("array", items=ref("CountLine"))}))}, **errors())},
        "put": {"summary": "Update a count session (optimistic: the current _rev is required)", "tags": tag,
                "description": scopes_note(create_scopes) + " The ETag is the _rev quoted; If-Match, when given "
                "(not *), must name the body's _rev, and a stale one is 412 instead of 409.",
                "security": security(create_scopes), "parameters": [key_param, TENANT_PARAM, IF_MATCH_PARAM],
                "requestBody": {"required": True, "content": json_body(ref("CountSessionUpdate"))},
                "responses": dict({"200": tagged_answer(one("Count session updated successfully"))},
                                  **errors(400, 409, 412))},
        "delete": {"summary": "Delete a planned count session and its assignments", "tags": tag,
                   "description": scopes_note(create_scopes), "security": security(create_scopes),
                   "parameters": [key_param, TENANT_PARAM],
                   "responses": dict({"200": status_ok({}, "Count session deleted successfully")}, **errors(409))},
    }
    actions = [
        ("start", "started", create_scopes, "Start: takes the baseline snapshot of the stock in the targets (needs planned)"),
        ("complete", "completed", create_scopes, "Complete: refused while a conflict is open; takes the post-count snapshot "
                                    "(needs started)"),
        ("cancel", "canceled", create_scopes, "Cancel (needs planned or started)"),
        ("apply", "applied", apply_scopes, "Apply: one `count` inventory transaction (reference audit / code) per variance, "
                                "delta = counted - baseline added to the current stock (movements during the count "
                                "stay); 409 when stock would go negative (needs completed)"),
    ]
    for action, done, scopes, summary in actions:
        paths[base + "/{key}/" + action] = {"post": {
            "summary": summary, "tags": tag, "description": scopes_note(scopes) + " Other statuses: 409 naming the "
            "current one.", "security": security(scopes), "parameters": [key_param, TENANT_PARAM, IDEM_PARAM],
            "responses": keyed_errors(dict({"200": tagged_answer(one("Count session %s successfully" % done), True)},
                                           **errors()), STATUS_ERROR)}}
    paths[base + "/{key}/records"] = {
        "get": {"summary": "Count records (supervisors: all; counters: their own)", "tags": tag,
                "description": scopes_note(read_scopes) + blind_note, "security": security(read_scopes),
                "parameters": [key_param, TENANT_PARAM, qparam("limit", "Default 100, at most 1000 (more: 400)",
                                                               s("integer", minimum=1, maximum=1000)),
                               qparam("offset", "Default 0", s("integer", minimum=0))],
                "responses": dict({"200": status_ok({"count_records": s("array", items=ref("CountRecord")),
                                                     "total": s("integer"), "limit": s("integer"),
                                                     "offset": s("integer")}, "Count records retrieved successfully")},
                                  **errors(400))},
        "post": {"summary": "Record a count (an assigned user, within their targets, while started); a recount by "
                            "the same user replaces their record", "tags": tag,
                 "description": scopes_note(record_scopes) + blind_note, "security": security(record_scopes),
                 "parameters": [key_param, TENANT_PARAM, IDEM_PARAM],
                 "requestBody": {"required": True, "content": json_body(ref("CountRecordInput"))},
                 "responses": keyed_errors(dict({"200": keyed_answer(status_ok({"count_record": ref("CountRecord")},
                                                                               "Count recorded successfully"))},
                                                **errors(400)), STATUS_ERROR)},
    }
    paths[base + "/{key}/records/resolve"] = {"post": {
        "summary": "Resolve a line whose counts disagree with the supervisor's quantity (while started)",
        "tags": tag, "description": scopes_note(apply_scopes) + " A later record of the line drops the resolution.",
        "security": security(apply_scopes), "parameters": [key_param, TENANT_PARAM, IDEM_PARAM],
        "requestBody": {"required": True, "content": json_body(ref("CountRecordInput"))},
        "responses": keyed_errors(dict({"200": keyed_answer(status_ok({"resolution": ref("CountResolution")},
                                                                      "Count conflict resolved successfully"))},
                                       **errors(400)), STATUS_ERROR)}}
    paths[base + "/{key}/records/import"] = {"post": {
        "summary": "Import counts from CSV rows: bin code (or id), sku (or barcode), counted_qt, lot (header optional)",
        "tags": tag, "description": scopes_note(record_scopes) + " dry_run=true reports every bad row with its line "
        "number and imports nothing; otherwise a file with any bad row is refused (400 with all errors) and a good "
        "one imported in one transaction. At most 5000 rows.", "security": security(record_scopes),
        "parameters": [key_param, TENANT_PARAM, qparam("dry_run", "true or 1: check only",
                                                       s("string", enum=["true", "false", "1", "0"])), IDEM_PARAM],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": s("string")}}},
        "responses": keyed_errors(dict({"200": keyed_answer(status_ok({"valid": s("boolean"), "rows": s("integer"), "imported": s("integer"),
                                             "errors": import_errors}, "Count records imported successfully"))},
                          **errors(400)), STATUS_ERROR)}}
    paths[base + "/{key}/variances"] = {"get": {
        "summary": "Variances per bin, item and lot: system quantity at baseline, counted, difference",
        "tags": tag, "description": scopes_note(variance_scopes) + " Lines: every counted (bin, item, lot), and the "
        "baseline lines inside a counted bin (position) or item (product), counted as 0.",
        "security": security(variance_scopes),
        "parameters": [key_param, TENANT_PARAM, qparam("format", "json (default) or csv",
                                                       s("string", enum=["json", "csv"]))],
        "responses": dict({"200": {"description": "Count variances retrieved successfully", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "status": s("integer", const=200), "message": s("string"), "detail": s("string"),
                "variances": s("array", items=ref("CountVariance")),
                "summary": {"type": "object", "properties": {"lines": s("integer"), "variances": s("integer"),
                                                             "conflicts": s("integer")}}}}},
            "text/csv": {"schema": s("string", description="bin_code,sku,item_name,lot_number,system_qt,counted_qt,"
                                                           "difference,conflict")}}}}, **errors(400, 409))}}


def unknown_query_refused(paths):
    """Every handler's operation answers 400 to a query parameter it does not declare
    ("Unknown query parameter: a, b"), in its group's envelope."""
    for path, ops in paths.items():
        if path == "/api/openapi.json":
            continue
        error = STATUS_ERROR if path.startswith(("/api/", "/inventory/")) else ONDI_ERROR
        for op in ops.values():
            op["responses"].setdefault("400", error)
# ---- errors: codes, fields and the headers of error answers (docs/errors.md) ------------

ERROR_CODE = s("string", description="Stable machine-readable kind of error (docs/errors.md): e.g. insufficient_stock, "
               "field_required, invalid_field, unknown_parameter, <entity>_not_found, already_exists, unauthorized, "
               "invalid_token, insufficient_permissions, unsupported_media_type, rate_limited, internal_error, "
               "unavailable. Messages may be reworded; codes stay.", examples=["field_required"])
ERROR_FIELD = s("string", description="On errors about one field of the body or query: its name",
                examples=["transaction_type"])
def probes(paths, status_ok):
    """/api/health, /api/ready and /api/metrics: served by the auth pool, no token needed (metrics: loopback)."""
    schema = {"type": "object", "required": ["expected", "applied"], "properties": {
        "expected": s("integer", description="The schema version this build expects (its newest migration)"),
        "applied": {"type": ["integer", "null"],
                    "description": "The newest migration recorded in schema_version; null when it could not be read"}}}
    not_ready = {"description": "Not ready: the detail says why (database unreachable, read-only, Galera node not "
                                "ready, schema behind or ahead of the build: run stocktake-migrate). Retry-After: 5.",
                 "headers": {"Retry-After": {}},
                 "content": {"application/json": {"schema": {"allOf": [ref("StatusEnvelope"), {
                     "type": "object", "required": ["schema"], "properties": {"schema": schema}}]}}}}
    paths["/api/health"] = {"get": {
        "summary": "Liveness: the handler process answers (no database access)", "tags": ["meta"],
        "description": "Public.", "security": [],
        "responses": {"200": status_ok({}, "Service is running")}}}
    paths["/api/ready"] = {"get": {
        "summary": "Readiness: the database is reachable and writable and its schema is this build's",
        "tags": ["meta"], "security": [],
        "description": "Public. 200 when the database answers, is not read_only (on Galera: wsrep_ready ON) and "
                       "its newest applied migration equals the one this build expects; else 503.",
        "responses": {"200": status_ok({"schema": schema}, "Service is ready"), "503": not_ready}}}
    paths["/api/metrics"] = {"get": {
        "summary": "Metrics of every handler pool in the Prometheus text format (version 0.0.4)",
        "tags": ["meta"], "security": [],
        "description": "Callers from loopback (REMOTE_ADDR 127.0.0.0/8 or ::1) need no token; anyone else needs "
                       "a bearer token with the scope metrics (401 without a valid token, 403 without the "
                       "scope). Counters of all workers of a pool add up and survive a worker's restart; "
                       "see docs/OPERATIONS.md.",
        "responses": dict({"200": {"description": "Prometheus text exposition format", "content": {
            "text/plain": {"schema": s("string", examples=[
                'stocktake_requests_total{group="auth",method="GET",route="/api/ready",status="200"} 3\n'])}}}},
            **status_errors(401, 403))}}


def build():
    schemas = {
        "OndiError": {"type": "object", "required": ["success", "message", "code"],
                      "properties": {"success": s("boolean", const=False), "message": s("string"),
                                     "code": ERROR_CODE, "field": ERROR_FIELD,
                                     "detail": s("string", description="What is allowed (some 400s: limit, page, "
                                                 "after, updated_since)")}},
        "StatusEnvelope": {"type": "object", "required": ["status", "message", "detail"],
                           "properties": {"status": s("integer"), "message": s("string"), "detail": s("string"),
                                          "error": s("string", description="OAuth2 error code on /api/auth errors"),
                                          "code": dict(ERROR_CODE, description="On errors (status 400 and above): "
                                                       + ERROR_CODE["description"]),
                                          "field": ERROR_FIELD}},
        "Token": {"type": "object", "required": ["access_token", "token_type", "expires_in"],
                  "properties": {"access_token": s("string"), "token_type": s("string", const="bearer"),
                                 "expires_in": s("integer"), "scope": s("string")}},
        "TokenRequest": {"type": "object", "required": ["username", "password"],
                         "properties": {"grant_type": s("string", const="password"), "username": s("string"),
                                        "password": s("string", format="password"),
                                        "scope": s("string", description="Space-separated subset of the user's scopes")}},
        "User": {"type": "object", "properties": {
            "id": UUID, "tenant_id": UUID, "username": s("string"), "first_name": NULLSTR, "last_name": NULLSTR,
            "email": NULLSTR, "scopes": s("array", items=s("string")), "status": s("string", enum=["active", "disabled"]),
            "created_at": TIME, "updated_at": TIME}},
        "UserCreate": {"type": "object", "required": ["username", "password"], "properties": {
            "username": s("string"), "password": s("string", minLength=8), "first_name": s("string"),
            "last_name": s("string"), "email": s("string"),
            "scopes": {"oneOf": [s("array", items=s("string")), s("string")]}}},
        "UserPatch": {"type": "object", "properties": {
            "password": s("string", minLength=8), "first_name": s("string"), "last_name": s("string"),
            "email": s("string"), "scopes": {"oneOf": [s("array", items=s("string")), s("string")]},
            "status": s("string", enum=["active", "disabled"])}},
        "Warehouse": {"type": "object", "properties": {
            "id": UUID, "tenant_id": UUID, "name": s("string"), "code": s("string"), "address": NULLSTR,
            "status": s("string", enum=["active", "inactive"]), "created_at": TIME, "updated_at": TIME}},
        "WarehouseCreate": {"type": "object", "required": ["name", "code"], "properties": {
            "name": s("string"), "code": s("string"), "address": s("string"),
            "status": s("string", enum=["active", "inactive"])}},
        "WarehousePatch": {"type": "object", "properties": {
            "name": s("string"), "code": s("string"), "address": s("string"),
            "status": s("string", enum=["active", "inactive"])}},
        "Bin": {"type": "object", "properties": {
            "id": UUID, "tenant_id": UUID, "warehouse_id": UUID, "code": s("string"),
            "location_type": s("string", enum=["shelf", "bin", "rack", "zone", "aisle"]),
            "capacity": {"type": ["integer", "null"]}, "security_level": NULLSTR,
            "status": s("string", enum=["active", "inactive"]), "created_at": TIME, "updated_at": TIME}},
        "BinCreate": {"type": "object", "required": ["warehouse_id", "code"], "properties": {
            "warehouse_id": UUID, "code": s("string"),
            "location_type": s("string", enum=["shelf", "bin", "rack", "zone", "aisle"]),
            "capacity": s("integer", minimum=0), "security_level": s("string"),
            "status": s("string", enum=["active", "inactive"])}},
        "BinPatch": {"type": "object", "properties": {
            "code": s("string"), "location_type": s("string", enum=["shelf", "bin", "rack", "zone", "aisle"]),
            "capacity": s("integer", minimum=0), "security_level": s("string"),
            "status": s("string", enum=["active", "inactive"])}},
        "Item": {"type": "object", "properties": {
            "id": UUID, "tenant_id": UUID, "sku": s("string"),
            "barcode": {"type": ["string", "null"], "maxLength": 64,
                        "description": "Extension: what a scanner reads off the product; null when none"},
            "name": s("string"), "category": NULLSTR, "description": NULLSTR, "unit_of_measure": s("string"),
            "status": s("string", enum=["active", "inactive"]), "created_at": TIME, "updated_at": TIME}},
        "ItemCreate": {"type": "object", "required": ["sku", "name"], "properties": {
            "sku": s("string"), "barcode": s("string", maxLength=64, description="Optional; unique per tenant; printable characters without "
                       "spaces (extension: what a scanner reads; count lines take it where they take the SKU)"), "name": s("string"), "category": s("string"), "description": s("string"),
            "unit_of_measure": s("string"), "status": s("string", enum=["active", "inactive"])}},
        "ItemPatch": {"type": "object", "properties": {
            "sku": s("string"), "barcode": s("string", maxLength=64, description="Optional; unique per tenant; printable characters without "
                       "spaces (extension: what a scanner reads; count lines take it where they take the SKU)"), "name": s("string"), "category": s("string"), "description": s("string"),
            "unit_of_measure": s("string"), "status": s("string", enum=["active", "inactive"])}},
        "Stock": {"type": "object", "properties": {
            "id": UUID, "tenant_id": UUID, "warehouse_id": UUID, "item_id": UUID, "bin_id": {"type": ["string", "null"]},
            "quantity": s("integer", minimum=0, description="Whole units of unit_of_measure"),
            "unit_of_measure": s("string"),
            "status": s("string", enum=["available", "reserved", "damaged", "quarantine", "inactive"],
                        description="inactive after DELETE (soft delete)"),
            "lot_number": NULLSTR, "serial_number": NULLSTR, "last_counted_at": TIME, "created_at": TIME,
            "updated_at": TIME,
            "warehouse": {"type": "object", "properties": {"id": UUID, "name": s("string"), "code": s("string")}},
            "item": {"type": "object", "properties": {"id": UUID, "sku": s("string"), "name": s("string"),
                                                      "category": NULLSTR}},
            "bin": {"type": ["object", "null"], "properties": {"id": UUID, "code": s("string"),
                                                              "location_type": s("string")}}}},
        "StockCreate": {"type": "object", "required": ["warehouse_id", "item_id"], "properties": {
            "warehouse_id": UUID, "item_id": UUID, "bin_id": UUID,
            "quantity": s("integer", minimum=0, description="> 0 writes an initial_stock ledger transaction"),
            "unit_of_measure": s("string"),
            "status": s("string", enum=["available", "reserved", "damaged", "quarantine"]),
            "lot_number": s("string"), "serial_number": s("string")}},
        "StockPatch": {"type": "object", "description": "quantity, warehouse, item and bin change only through inventory transactions",
                       "properties": {"unit_of_measure": s("string"),
                                      "status": s("string", enum=["available", "reserved", "damaged", "quarantine"]),
                                      "lot_number": s("string"), "serial_number": s("string")}},
    }

    def status_ok(extra_props, message, code=200):
        props = {"status": s("integer", const=code), "message": s("string", examples=[message]), "detail": s("string")}
        props.update(extra_props)
        return {"description": message, "content": {"application/json": {"schema": {
            "type": "object", "required": ["status", "message", "detail"], "properties": props}}}}

    paths = {}
    paths["/api/openapi.json"] = {"get": {"summary": "This document", "tags": ["meta"], "security": [],
                                          "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {
                                              "application/json": {"schema": s("object")}}}}}}
    paths["/api/auth"] = {"post": {
        "summary": "OAuth2 password flow: exchange username and password for a bearer token",
        "tags": ["auth"], "description": "Public. Rate-limited by nginx.", "security": [],
        "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": ref("TokenRequest")},
            "application/json": {"schema": ref("TokenRequest")}}},
        "responses": dict({"200": {"description": "Token", "content": {"application/json": {"schema": ref("Token")}}}},
                          **status_errors(400, 401, 429))}}
    paths["/api/auth/me"] = {"get": {
        "summary": "The caller", "tags": ["auth"], "description": scopes_note([]), "security": security([]),
        "responses": dict({"200": status_ok({"user": ref("User")}, "Current user retrieved successfully")},
                          **status_errors(401))}}
    probes(paths, status_ok)
    admin = ["admin"]
    paths["/api/users"] = {
        "get": {"summary": "List the tenant's users", "tags": ["users"], "description": scopes_note(admin),
                "security": security(admin),
                "parameters": [TENANT_PARAM] + PAGING + [qparam("status", "active or disabled")],
                "responses": dict({"200": status_ok({"users": s("array", items=ref("User")), "total": s("integer"),
                                                     "page": s("integer"), "limit": s("integer")},
                                                    "Users retrieved successfully")},
                                  **status_errors(400, 401, 403))},
        "post": {"summary": "Create a user in the caller's tenant", "tags": ["users"],
                 "description": scopes_note(admin), "security": security(admin),
                 "parameters": [TENANT_PARAM, IDEM_PARAM],
                 "requestBody": {"required": True, "content": json_body(ref("UserCreate"))},
                 "responses": keyed_errors(dict({"201": tagged_answer(status_ok({"user": ref("User")},
                                                                                "User created successfully", 201),
                                                                      True)},
                                                **status_errors(400, 401, 403)), STATUS_ERROR)}}
    paths["/api/users/{id}"] = {
        "get": {"summary": "Get a user", "tags": ["users"], "description": scopes_note(admin),
                "security": security(admin), "parameters": [ID_PARAM, TENANT_PARAM],
                "responses": dict({"200": tagged_answer(status_ok({"user": ref("User")},
                                                                  "User retrieved successfully"))},
                                  **status_errors(401, 403, 404))},
        "patch": {"summary": "Update a user", "tags": ["users"], "description": scopes_note(admin),
                  "security": security(admin), "parameters": [ID_PARAM, TENANT_PARAM, IF_MATCH_PARAM],
                  "requestBody": {"required": True, "content": json_body(ref("UserPatch"))},
                  "responses": dict({"200": tagged_answer(status_ok({"user": ref("User")}, "User updated successfully"))},
                                    **status_errors(400, 401, 403, 404, 409))},
        "delete": {"summary": "Disable a user (their tokens stop working at once)", "tags": ["users"],
                   "description": scopes_note(admin), "security": security(admin),
                   "parameters": [ID_PARAM, TENANT_PARAM],
                   "responses": dict({"200": tagged_answer(status_ok({"user": ref("User")}, "User disabled successfully"))},
                                     **status_errors(401, 403, 404, 409))}}

    master_resource(paths, "/warehousing/warehouses", "Warehouse", "warehouse", "warehouses", "Warehouse",
                    ["code", "status"], WRITE, "WarehouseCreate", "WarehousePatch")
    master_resource(paths, "/warehousing/bins", "Bin", "bin", "bins", "Bin",
                    ["warehouse_id", "code", "location_type", "status"], WRITE, "BinCreate", "BinPatch")
    master_resource(paths, "/warehousing/items", "Item", "item", "items", "Item",
                    ["sku", "barcode", "category", "status"], WRITE + ["library"], "ItemCreate", "ItemPatch")
    master_resource(paths, "/warehousing/stocks", "Stock", "stock", "stocks", "Stock",
                    ["warehouse_id", "item_id", "bin_id", "status", "lot_number"], WRITE, "StockCreate", "StockPatch")
    inventory_transactions(paths, schemas)
    count_sessions(paths, schemas, status_ok)
    unknown_query_refused(paths)

    return openapi_finish.finish({
        "openapi": "3.1.0",
        "info": {"title": "stocktake", "version": "0.1.0",
                 "description": "Multi-tenant warehouse inventory service: stock ledger and cycle counts. "
                                "Every request carries a JWT bearer token (HS256) naming the tenant and the scopes. "
                                "Error bodies carry a stable `code` and, about one field, `field`; every answer carries "
                                "X-Request-Id (the request's own when it is 1-64 of [A-Za-z0-9._-], else a new one)."},
        "servers": [{"url": "/"}],
        "tags": [{"name": "auth", "description": "Log in (OAuth2 password flow) and who the caller is"},
                 {"name": "users", "description": "The tenant's users and their scopes"},
                 {"name": "master data", "description": "Warehouses, bins, items and stock records (ONDI envelope)"},
                 {"name": "inventory transactions",
                  "description": "The stock ledger: every change of stock is a transaction (ONDI envelope)"},
                 {"name": "count sessions",
                  "description": "Cycle counts: plan, start, count, complete, apply (status envelope)"},
                 {"name": "meta", "description": "This document, health, readiness and metrics"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {
                "tokenUrl": "/api/auth", "scopes": {
                    "admin": "User can access and edit users and system settings",
                    "library": "User can access and edit products",
                    "production": "User can access and edit production plans",
                    "operator": "User can access the operator panel and make production declarations",
                    "view:tenant": "Read the tenant's inventory data",
                    "manage:operations:tenant": "Change the tenant's inventory data",
                    "inventory:count:create": "Plan count sessions",
                    "inventory:count:record": "Record counts in sessions one is assigned to",
                    "inventory:count:apply": "Apply a completed count session's variances to stock",
                    "metrics": "Read /api/metrics from outside the host (loopback callers need no token)"}}}}}},
    })


if __name__ == "__main__":
    with open(os.path.join(HERE, "openapi.json"), "w") as f:
        json.dump(build(), f, indent=1, sort_keys=False)
        f.write("\n")
