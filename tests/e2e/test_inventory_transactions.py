"""E2E tests of the inventory transactions group (the stock ledger): every rule and message, stock effects,
list filters and paging, CSV export, notes, idempotency, permissions, tenant isolation, the ledger check."""
import csv
import io
import json
import re
import uuid

import pytest

from conftest import auth_headers, db_query, unique
from ondi import call, err, new_bin, new_item, new_stock, new_warehouse, ok

TX = "inventory-transactions"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TYPES = ["initial_stock", "receive", "pick", "move", "stock_adjustment", "return", "count"]
REF_TYPES = ["order", "shipment", "audit", "return", "transfer"]
FLAT_KEYS = {"id", "tenant_id", "warehouse_id", "item_id", "stock_id", "transaction_type", "quantity",
             "from_bin_id", "to_bin_id", "reference_id", "reference_type", "notes", "performed_by", "timestamp",
             "delta", "to_stock_id", "to_delta"}
NESTED_KEYS = {"warehouse", "item", "stock", "from_bin", "to_bin", "user"}
STOCK_KEYS = {"id", "tenant_id", "warehouse_id", "item_id", "bin_id", "quantity", "unit_of_measure", "status",
              "lot_number", "serial_number", "last_counted_at", "updated_at"}


# ---- helpers (also used by test_ledger_concurrency.py) -------------------------

def new_place(h, quantity=50):
    """A fresh warehouse with bins A and B, an item, and a stock of quantity at bin A."""
    wh = new_warehouse(h)
    a, b = new_bin(h, wh["id"]), new_bin(h, wh["id"])
    item = new_item(h, category="Ledger")
    stock = new_stock(h, wh["id"], item["id"], a["id"], quantity=quantity)
    return {"wh": wh, "a": a, "b": b, "item": item, "stock": stock}


def tx_body(place, ttype, quantity, **fields):
    body = {"warehouse_id": place["wh"]["id"], "item_id": place["item"]["id"], "stock_id": place["stock"]["id"],
            "transaction_type": ttype, "quantity": quantity}
    body.update(fields)
    return body


def post_tx(h, body, extra=None, session=None, raw=None):
    return call("POST", TX, h, body, extra=extra, session=session, raw=raw)


def create(h, body, extra=None):
    """POSTs a transaction that must succeed; returns the whole body."""
    return ok(post_tx(h, body, extra), 201, "Inventory transaction created successfully")


def stock_qty(stock_id):
    return int(db_query("SELECT quantity FROM stocks WHERE id = ?", stock_id)[0][0])


def stock_bin(stock_id):
    return db_query("SELECT bin_id FROM stocks WHERE id = ?", stock_id)[0][0]


def ledger_sum(stock_id):
    rows = db_query("SELECT COALESCE(SUM(delta), 0) FROM inventory_transactions WHERE stock_id = ?", stock_id)
    to_rows = db_query("SELECT COALESCE(SUM(to_delta), 0) FROM inventory_transactions WHERE to_stock_id = ?",
                       stock_id)
    return int(rows[0][0]) + int(to_rows[0][0])


def ledger_check(h):
    return call("GET", TX + "/ledger-check", h)


def assert_ledger_consistent(h):
    body = ok(ledger_check(h), 200, "Ledger consistent")
    assert body["mismatches"] == [], body
    assert body["stocks_checked"] > 0
    return body


def user_id(username):
    return db_query("SELECT id FROM users WHERE username = ?", username)[0][0]


def ids(rows):
    return [r["id"] for r in rows]


def listing(h, **params):
    return ok(call("GET", TX, h, params=params), 200, "Inventory transactions retrieved successfully")


@pytest.fixture
def place(admin):
    return new_place(admin)


# ---- create: the document's example and the response shapes -----------------------

def test_create_move_like_the_document(admin, place, demo_tenant_id):
    me = user_id("demo-admin")
    ref = str(uuid.uuid4())
    body = create(admin, tx_body(place, "move", 10, from_bin_id=place["a"]["id"], to_bin_id=place["b"]["id"],
                                 reference_id=ref, reference_type="order", notes="Stock moved to fulfill order",
                                 performed_by=me, timestamp="2023-06-15T10:30:00Z"))
    assert set(body) == {"success", "message", "inventory_transaction", "updated_stock", "destination_stock"}
    t = body["inventory_transaction"]
    assert set(t) == FLAT_KEYS
    assert (t["tenant_id"], t["warehouse_id"], t["item_id"], t["stock_id"]) == \
        (demo_tenant_id, place["wh"]["id"], place["item"]["id"], place["stock"]["id"])
    assert (t["transaction_type"], t["quantity"], t["from_bin_id"], t["to_bin_id"]) == \
        ("move", 10, place["a"]["id"], place["b"]["id"])
    assert (t["reference_id"], t["reference_type"], t["notes"], t["performed_by"], t["timestamp"]) == \
        (ref, "order", "Stock moved to fulfill order", me, "2023-06-15T10:30:00Z")
    # The source gave 10 units to a new record at bin B.
    assert (t["delta"], t["to_delta"]) == (-10, 10)
    # updated_stock is the client's own record, as the document shows it; the destination is beside it.
    s = body["updated_stock"]
    assert set(s) == STOCK_KEYS
    assert (s["id"], s["bin_id"], s["quantity"], s["status"]) == (place["stock"]["id"], place["a"]["id"], 40,
                                                                 "available")
    assert (s["tenant_id"], s["warehouse_id"], s["item_id"]) == (demo_tenant_id, place["wh"]["id"], place["item"]["id"])
    assert ISO.match(s["updated_at"])
    d = body["destination_stock"]
    assert set(d) == STOCK_KEYS
    assert (d["id"], d["bin_id"], d["quantity"], d["status"]) == (t["to_stock_id"], place["b"]["id"], 10, "available")
    assert d["id"] != s["id"]
    assert stock_qty(place["stock"]["id"]) == 40

    got = ok(call("GET", TX + "/" + t["id"], admin), 200, "Transaction retrieved successfully")
    g = got["inventory_transaction"]
    assert set(g) == FLAT_KEYS | NESTED_KEYS
    assert {k: g[k] for k in FLAT_KEYS} == t
    assert g["warehouse"] == {"id": place["wh"]["id"], "name": place["wh"]["name"], "code": place["wh"]["code"]}
    assert g["item"] == {"id": place["item"]["id"], "sku": place["item"]["sku"], "name": place["item"]["name"],
                         "category": "Ledger"}
    assert g["stock"] == {"id": place["stock"]["id"], "quantity": 40, "unit_of_measure": "ea", "status": "available"}
    assert g["from_bin"] == {"id": place["a"]["id"], "code": place["a"]["code"], "location_type": "bin"}
    assert g["to_bin"] == {"id": place["b"]["id"], "code": place["b"]["code"], "location_type": "bin"}
    assert set(g["user"]) == {"id", "first_name", "last_name", "email"} and g["user"]["id"] == me


def test_nested_bins_are_null_when_absent(admin, place):
    t = create(admin, tx_body(place, "receive", 1))["inventory_transaction"]
    g = ok(call("GET", TX + "/" + t["id"], admin), 200, "Transaction retrieved successfully")["inventory_transaction"]
    assert g["from_bin"] is None and g["to_bin"] is None
    assert (g["from_bin_id"], g["to_bin_id"], g["reference_id"], g["reference_type"], g["notes"]) == \
        (None, None, None, None, None)


def test_defaults_performer_and_time(operator, place):
    t = create(operator, tx_body(place, "receive", 3))["inventory_transaction"]
    assert t["performed_by"] == user_id("demo-operator")
    assert ISO.match(t["timestamp"])
    row = db_query("SELECT TIMESTAMPDIFF(SECOND, timestamp, UTC_TIMESTAMP()) FROM inventory_transactions"
                   " WHERE id = ?", t["id"])
    assert abs(int(row[0][0])) < 60


def test_ids_in_upper_case_are_accepted(admin, place):
    body = tx_body(place, "pick", 1, from_bin_id=place["a"]["id"].upper())
    body["warehouse_id"] = body["warehouse_id"].upper()
    body["item_id"] = body["item_id"].upper()
    body["stock_id"] = body["stock_id"].upper()
    t = create(admin, body)["inventory_transaction"]
    assert t["stock_id"] == place["stock"]["id"] and t["from_bin_id"] == place["a"]["id"]
    got = ok(call("GET", TX + "/" + t["id"].upper(), admin), 200, "Transaction retrieved successfully")
    assert got["inventory_transaction"]["id"] == t["id"]


def test_timestamp_with_offset_is_stored_in_utc(admin, place):
    t = create(admin, tx_body(place, "receive", 1, timestamp="2023-06-15T12:30:00+02:00"))["inventory_transaction"]
    assert t["timestamp"] == "2023-06-15T10:30:00Z"


# ---- stock effects --------------------------------------------------------------

def test_receive_return_initial_stock_add(admin, place):
    sid = place["stock"]["id"]
    assert create(admin, tx_body(place, "receive", 5))["updated_stock"]["quantity"] == 55
    assert create(admin, tx_body(place, "return", 2, to_bin_id=place["a"]["id"]))["updated_stock"]["quantity"] == 57
    t = create(admin, tx_body(place, "initial_stock", 3))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (3, 60)
    assert stock_qty(sid) == 60 == ledger_sum(sid)


def test_receive_to_other_bin_refused(admin, place):
    err(post_tx(admin, tx_body(place, "receive", 5, to_bin_id=place["b"]["id"])), 400, "To bin must match stock bin")
    err(post_tx(admin, tx_body(place, "return", 5, to_bin_id=str(uuid.uuid4()))), 400, "To bin must match stock bin")
    assert stock_qty(place["stock"]["id"]) == 50


def test_pick(admin, place):
    sid, a = place["stock"]["id"], place["a"]["id"]
    err(post_tx(admin, tx_body(place, "pick", 1)), 400, "Pick requires from bin")
    err(post_tx(admin, tx_body(place, "pick", 1, from_bin_id=place["b"]["id"])), 400, "From bin must match stock bin")
    err(post_tx(admin, tx_body(place, "pick", 51, from_bin_id=a)), 409, "Insufficient stock")
    t = create(admin, tx_body(place, "pick", 20, from_bin_id=a))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (-20, 30)
    create(admin, tx_body(place, "pick", 30, from_bin_id=a))
    err(post_tx(admin, tx_body(place, "pick", 1, from_bin_id=a)), 409, "Insufficient stock")
    assert stock_qty(sid) == 0 == ledger_sum(sid)


def test_from_bin_checked_for_every_type(admin, place):
    err(post_tx(admin, tx_body(place, "receive", 1, from_bin_id=place["b"]["id"])), 400,
        "From bin must match stock bin")
    err(post_tx(admin, tx_body(place, "count", 1, from_bin_id="nope")), 400, "From bin must match stock bin")


def test_count_sets_quantity(admin, place):
    sid = place["stock"]["id"]
    t = create(admin, tx_body(place, "count", 47, timestamp="2024-01-02T03:04:05Z"))
    assert (t["inventory_transaction"]["quantity"], t["inventory_transaction"]["delta"]) == (47, -3)
    assert (t["updated_stock"]["quantity"], t["updated_stock"]["last_counted_at"]) == (47, "2024-01-02T03:04:05Z")
    t = create(admin, tx_body(place, "count", 52))
    assert t["inventory_transaction"]["delta"] == 5
    assert t["updated_stock"]["last_counted_at"] == t["inventory_transaction"]["timestamp"]
    # An older count does not move last_counted_at back.
    t = create(admin, tx_body(place, "count", 52, timestamp="2020-01-01T00:00:00Z"))
    assert t["inventory_transaction"]["delta"] == 0
    assert t["updated_stock"]["last_counted_at"] != "2020-01-01T00:00:00Z"
    # Counting nothing is a result; negative counts are not.
    t = create(admin, tx_body(place, "count", 0))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (-52, 0)
    err(post_tx(admin, tx_body(place, "count", -1)), 400, "Quantity must not be negative")
    assert stock_qty(sid) == 0 == ledger_sum(sid)


def test_stock_adjustment(admin, place):
    sid = place["stock"]["id"]
    # The direction stays required, and the message names its values: a missing one never moves stock.
    err(post_tx(admin, tx_body(place, "stock_adjustment", 5)), 400,
        "Field required: adjustment_direction (increase or decrease)")
    err(post_tx(admin, tx_body(place, "adjust", 5)), 400, "Field required: adjustment_direction (increase or decrease)")
    err(post_tx(admin, tx_body(place, "stock_adjustment", 5, adjustment_direction="")), 400,
        "Field required: adjustment_direction (increase or decrease)")
    err(post_tx(admin, tx_body(place, "stock_adjustment", 5, adjustment_direction="up")), 400,
        "Invalid adjustment direction (increase or decrease)")
    err(post_tx(admin, tx_body(place, "stock_adjustment", 5, adjustment_direction=1)), 400,
        "Invalid adjustment direction (increase or decrease)")
    # A signed quantity is no direction: still "Quantity must be positive".
    err(post_tx(admin, tx_body(place, "stock_adjustment", -5)), 400, "Quantity must be positive")
    assert stock_qty(sid) == 50
    t = create(admin, tx_body(place, "stock_adjustment", 5, adjustment_direction="increase"))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (5, 55)
    t = create(admin, tx_body(place, "stock_adjustment", 15, adjustment_direction="decrease"))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (-15, 40)
    err(post_tx(admin, tx_body(place, "stock_adjustment", 41, adjustment_direction="decrease")), 409,
        "Insufficient stock")
    assert stock_qty(sid) == 40 == ledger_sum(sid)


def test_legacy_adjust_is_stored_as_stock_adjustment(admin, place):
    t = create(admin, tx_body(place, "adjust", 2, adjustment_direction="decrease"))["inventory_transaction"]
    assert t["transaction_type"] == "stock_adjustment"
    assert db_query("SELECT transaction_type FROM inventory_transactions WHERE id = ?", t["id"]) == \
        [["stock_adjustment"]]
    got = ok(call("GET", TX + "/" + t["id"], admin), 200, "Transaction retrieved successfully")
    assert got["inventory_transaction"]["transaction_type"] == "stock_adjustment"


def test_move_rules(admin, place, acme):
    a, b = place["a"]["id"], place["b"]["id"]
    for fields in ({}, {"from_bin_id": a}, {"to_bin_id": b}, {"from_bin_id": "", "to_bin_id": b}):
        err(post_tx(admin, tx_body(place, "move", 1, **fields)), 400, "Move requires from and to bins")
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id=a.upper())), 400,
        "From and to bins must differ")
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=b, to_bin_id=a)), 400, "From bin must match stock bin")
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id=str(uuid.uuid4()))), 404, "To bin not found")
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id="B-01-01")), 404, "To bin not found")
    other_wh = new_warehouse(admin)
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id=new_bin(admin, other_wh["id"])["id"])),
        404, "To bin not found")
    acme_bin = new_bin(acme, new_warehouse(acme)["id"])
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id=acme_bin["id"])), 404, "To bin not found")
    inactive = new_bin(admin, place["wh"]["id"])
    ok(call("DELETE", "bins/" + inactive["id"], admin), 200, "Bin deleted successfully")
    err(post_tx(admin, tx_body(place, "move", 1, from_bin_id=a, to_bin_id=inactive["id"])), 404, "To bin not found")
    err(post_tx(admin, tx_body(place, "move", 51, from_bin_id=a, to_bin_id=b)), 409, "Insufficient stock")
    assert stock_qty(place["stock"]["id"]) == 50
    assert db_query("SELECT COUNT(*) FROM stocks WHERE bin_id = ?", b) == [["0"]]


def test_move_partial_then_into_existing_record(admin, place):
    sid, a, b = place["stock"]["id"], place["a"]["id"], place["b"]["id"]
    first = create(admin, tx_body(place, "move", 10, from_bin_id=a, to_bin_id=b))
    assert (first["updated_stock"]["id"], first["updated_stock"]["quantity"]) == (sid, 40)
    dest = first["destination_stock"]["id"]
    assert dest != sid
    second = create(admin, tx_body(place, "move", 15, from_bin_id=a, to_bin_id=b))
    assert (second["updated_stock"]["id"], second["updated_stock"]["quantity"]) == (sid, 25)
    assert second["destination_stock"]["id"] == dest and second["destination_stock"]["quantity"] == 25
    assert second["inventory_transaction"]["to_stock_id"] == dest
    # Moving the rest into an existing record leaves the source at 0 where it was.
    third = create(admin, tx_body(place, "move", 25, from_bin_id=a, to_bin_id=b))
    assert (third["updated_stock"]["id"], third["updated_stock"]["quantity"]) == (sid, 0)
    assert third["destination_stock"]["quantity"] == 50
    assert (stock_qty(sid), stock_bin(sid), stock_qty(dest)) == (0, a, 50)
    assert ledger_sum(sid) == 0 and ledger_sum(dest) == 50
    # And back: the old record at A is the destination again.
    back = create(admin, {**tx_body(place, "move", 5, from_bin_id=b, to_bin_id=a), "stock_id": dest})
    assert (back["updated_stock"]["id"], back["updated_stock"]["quantity"]) == (dest, 45)
    assert back["destination_stock"]["id"] == sid and back["destination_stock"]["quantity"] == 5


def test_move_whole_record_changes_its_bin(admin, place):
    sid, a, b = place["stock"]["id"], place["a"]["id"], place["b"]["id"]
    t = create(admin, tx_body(place, "move", 50, from_bin_id=a, to_bin_id=b))
    tx, s = t["inventory_transaction"], t["updated_stock"]
    assert (s["id"], s["bin_id"], s["quantity"]) == (sid, b, 50)
    # The record is its own destination: destination_stock is the same record.
    assert t["destination_stock"] == s
    assert (tx["delta"], tx["to_stock_id"], tx["to_delta"]) == (0, sid, 0)
    assert db_query("SELECT COUNT(*) FROM stocks WHERE item_id = ?", place["item"]["id"]) == [["1"]]
    assert ledger_sum(sid) == 50
    # The record is at B now: A is no longer its bin.
    err(post_tx(admin, tx_body(place, "pick", 1, from_bin_id=a)), 400, "From bin must match stock bin")
    create(admin, tx_body(place, "pick", 1, from_bin_id=b))


def test_move_keeps_lots_apart(admin):
    wh = new_warehouse(admin)
    a, b = new_bin(admin, wh["id"]), new_bin(admin, wh["id"])
    item = new_item(admin)
    lot1 = new_stock(admin, wh["id"], item["id"], a["id"], quantity=10, lot_number="L1")
    other_lot = new_stock(admin, wh["id"], item["id"], b["id"], quantity=4, lot_number="L2")
    place = {"wh": wh, "item": item, "stock": lot1}
    t = create(admin, tx_body(place, "move", 3, from_bin_id=a["id"], to_bin_id=b["id"]))
    assert (t["updated_stock"]["id"], t["updated_stock"]["quantity"]) == (lot1["id"], 7)
    dest = t["destination_stock"]
    assert dest["id"] != other_lot["id"] and (dest["lot_number"], dest["quantity"]) == ("L1", 3)
    assert stock_qty(other_lot["id"]) == 4


# ---- create: validation and references --------------------------------------------

@pytest.mark.parametrize("missing", ["warehouse_id", "item_id", "stock_id", "transaction_type", "quantity"])
def test_field_required(admin, place, missing):
    body = tx_body(place, "receive", 1)
    del body[missing]
    err(post_tx(admin, body), 400, "Field required: " + missing)
    body[missing] = None
    err(post_tx(admin, body), 400, "Field required: " + missing)
    if missing != "quantity":
        body[missing] = ""
        err(post_tx(admin, body), 400, "Field required: " + missing)


@pytest.mark.parametrize("written", ["10", "10.0", "1e1", "1.0E+1", "100e-1", "10.000"])
def test_quantity_whole_number_however_written(admin, place, written):
    """JSON Schema counts a number by its value: 10.0 and 1e1 are the integer 10 (doubles in clients send them)."""
    sid = place["stock"]["id"]
    raw = json.dumps(tx_body(place, "receive", 0)).replace('"quantity": 0', '"quantity": ' + written)
    body = ok(post_tx(admin, None, extra=None, raw=raw), 201, "Inventory transaction created successfully")
    assert body["inventory_transaction"]["quantity"] == 10 and body["updated_stock"]["quantity"] == 60
    assert stock_qty(sid) == 60 == ledger_sum(sid)
    assert db_query("SELECT quantity, delta FROM inventory_transactions WHERE id = ?",
                    body["inventory_transaction"]["id"]) == [["10", "10"]]


@pytest.mark.parametrize("written", ["10.5", "1e-1", "10.000000000000001", '"10"', "true", "null"])
def test_quantity_not_whole_refused(admin, place, written):
    raw = json.dumps(tx_body(place, "receive", 0)).replace('"quantity": 0', '"quantity": ' + written)
    message = "Field required: quantity" if written == "null" else "quantity must be a whole number"
    err(post_tx(admin, None, raw=raw), 400, message)
    assert stock_qty(place["stock"]["id"]) == 50


def test_fields_required_in_document_order(admin):
    err(post_tx(admin, {}), 400, "Field required: warehouse_id")
    err(post_tx(admin, {"warehouse_id": "x", "item_id": "y"}), 400, "Field required: stock_id")


@pytest.mark.parametrize("fields,status,message", [
    ({"transaction_type": "teleport"}, 400, "Invalid transaction type"),
    ({"transaction_type": "RECEIVE"}, 400, "Invalid transaction type"),
    ({"transaction_type": 3}, 400, "Invalid transaction type"),
    ({"reference_type": ["order"]}, 400, "Invalid reference type"),
    ({"timestamp": 1686825000}, 400, "Invalid timestamp"),
    ({"from_bin_id": 7}, 400, "Invalid from_bin_id"),
    ({"quantity": 0}, 400, "Quantity must be positive"),
    ({"quantity": -5}, 400, "Quantity must be positive"),
    ({"quantity": 1.5}, 400, "quantity must be a whole number"),
    ({"quantity": "ten"}, 400, "quantity must be a whole number"),
    ({"quantity": "10"}, 400, "quantity must be a whole number"),
    ({"quantity": True}, 400, "quantity must be a whole number"),
    ({"quantity": [1]}, 400, "quantity must be a whole number"),
    ({"quantity": 10 ** 13}, 400, "Quantity too large"),
    ({"quantity": 1e13}, 400, "Quantity too large"),
    ({"quantity": 10 ** 20}, 400, "Quantity too large"),
    ({"quantity": 1e300}, 400, "Quantity too large"),
    ({"quantity": -1e300}, 400, "Quantity must be positive"),
    ({"quantity": 0.0}, 400, "Quantity must be positive"),
    ({"quantity": -0.0}, 400, "Quantity must be positive"),
    ({"reference_id": "PO-1"}, 400, "Reference type required when reference ID provided"),
    ({"reference_id": "PO-1", "reference_type": "invoice"}, 400, "Invalid reference type"),
    ({"reference_type": "invoice"}, 400, "Invalid reference type"),
    ({"reference_id": "x" * 101, "reference_type": "order"}, 400, "Field too long: reference_id"),
    ({"notes": "n" * 16001}, 400, "Field too long: notes"),
    ({"notes": 5}, 400, "Invalid notes"),
    ({"timestamp": "yesterday"}, 400, "Invalid timestamp"),
    ({"timestamp": "2023-02-30T10:00:00Z"}, 400, "Invalid timestamp"),
    ({"colour": "red"}, 400, "Unknown field: colour"),
])
def test_create_validation(admin, place, fields, status, message):
    err(post_tx(admin, {**tx_body(place, "receive", 1), **fields}), status, message)
    assert stock_qty(place["stock"]["id"]) == 50


@pytest.mark.parametrize("raw", ["{", "[1]", "not json", "", '{"a": 1} x'])
def test_invalid_json(admin, raw):
    err(call("POST", TX, admin, raw=raw), 400, "Invalid JSON body")


def test_reference_accepted(admin, place):
    for rt in REF_TYPES:
        t = create(admin, tx_body(place, "receive", 1, reference_id="R-" + rt, reference_type=rt))
        assert t["inventory_transaction"]["reference_type"] == rt
    t = create(admin, tx_body(place, "receive", 1, reference_type="audit"))
    assert t["inventory_transaction"]["reference_id"] is None


def test_references_must_exist(admin, place, acme):
    other = new_place(admin, quantity=5)
    acme_wh = new_warehouse(acme)
    cases = [
        ({"warehouse_id": str(uuid.uuid4())}, 404, "Warehouse not found"),
        ({"warehouse_id": "WH001"}, 404, "Warehouse not found"),
        ({"warehouse_id": acme_wh["id"]}, 404, "Warehouse not found"),
        ({"stock_id": str(uuid.uuid4())}, 404, "Stock not found"),
        ({"stock_id": other["stock"]["id"]}, 404, "Stock not found"),  # in another warehouse
        ({"item_id": other["item"]["id"]}, 400, "Item ID mismatch"),
        ({"item_id": "not-an-id"}, 400, "Item ID mismatch"),
        ({"performed_by": str(uuid.uuid4())}, 404, "Performed by user not found"),
        ({"performed_by": user_id("acme-admin")}, 404, "Performed by user not found"),
    ]
    for fields, status, message in cases:
        err(post_tx(admin, {**tx_body(place, "receive", 1), **fields}), status, message)
    # A performer of the tenant other than the caller is fine.
    t = create(admin, tx_body(place, "receive", 1, performed_by=user_id("demo-viewer")))
    assert t["inventory_transaction"]["performed_by"] == user_id("demo-viewer")
    assert stock_qty(place["stock"]["id"]) == 51


def test_deactivated_records_take_no_transactions(admin):
    p = new_place(admin, quantity=0)
    ok(call("DELETE", "stocks/" + p["stock"]["id"], admin), 200, "Stock deleted successfully")
    err(post_tx(admin, tx_body(p, "receive", 1)), 404, "Stock not found")
    other = new_stock(admin, p["wh"]["id"], p["item"]["id"], p["a"]["id"], quantity=0)
    ok(call("DELETE", "stocks/" + other["id"], admin), 200, "Stock deleted successfully")
    ok(call("DELETE", "warehouses/" + p["wh"]["id"], admin), 200, "Warehouse deleted successfully")
    err(post_tx(admin, {**tx_body(p, "receive", 1), "stock_id": other["id"]}), 404, "Warehouse not found")
    # Their history stays readable.
    assert listing(admin, warehouse_id=p["wh"]["id"])["total"] == 0
    assert stock_qty(p["stock"]["id"]) == 0


def test_stock_of_another_tenant_is_not_found(admin, acme, place):
    acme_place = new_place(acme, quantity=5)
    # Demo's warehouse with Acme's stock, and Acme's records from Demo.
    err(post_tx(admin, {**tx_body(place, "receive", 1), "stock_id": acme_place["stock"]["id"]}), 404,
        "Stock not found")
    err(post_tx(admin, tx_body(acme_place, "receive", 1)), 404, "Warehouse not found")
    assert stock_qty(acme_place["stock"]["id"]) == 5


def test_tenant_id_in_body_or_query(admin, place, demo_tenant_id, acme_tenant_id):
    create(admin, tx_body(place, "receive", 1, tenant_id=demo_tenant_id))
    err(post_tx(admin, tx_body(place, "receive", 1, tenant_id=acme_tenant_id)), 403, "Insufficient permissions")
    r = call("POST", TX, admin, tx_body(place, "receive", 1), params={"tenant_id": demo_tenant_id})
    ok(r, 201, "Inventory transaction created successfully")
    err(call("POST", TX, admin, tx_body(place, "receive", 1), params={"tenant_id": acme_tenant_id}), 403,
        "Insufficient permissions")


# ---- permissions and tenancy -------------------------------------------------------

def test_permissions(admin, viewer, operator, place):
    t = create(operator, tx_body(place, "receive", 1))["inventory_transaction"]
    err(post_tx(viewer, tx_body(place, "receive", 1)), 403, "Insufficient permissions")
    ok(call("GET", TX + "/" + t["id"], viewer), 200, "Transaction retrieved successfully")
    listing(viewer, stock_id=place["stock"]["id"])
    err(call("PATCH", TX + "/" + t["id"], viewer, {"notes": "x"}), 403, "Insufficient permissions")
    err(ledger_check(viewer), 403, "Insufficient permissions")
    ok(ledger_check(operator), 200, "Ledger consistent")
    for method, path in [("GET", TX), ("POST", TX), ("GET", TX + "/" + t["id"]), ("PATCH", TX + "/" + t["id"]),
                         ("GET", TX + "/ledger-check")]:
        r = call(method, path, {}, {"notes": "x"} if method != "GET" else None)
        assert r.status_code == 401 and r.json()["success"] is False
    # A token whose scope lacks both read scopes.
    narrow = auth_headers("demo-admin", scope="production")
    err(call("GET", TX, narrow), 403, "Insufficient permissions")
    err(call("DELETE", TX + "/" + t["id"], admin), 405, "Method not allowed")


def test_tenant_isolation(admin, acme, place, demo_tenant_id):
    t = create(admin, tx_body(place, "receive", 1))["inventory_transaction"]
    err(call("GET", TX + "/" + t["id"], acme), 404, "Transaction not found")
    err(call("PATCH", TX + "/" + t["id"], acme, {"notes": "mine"}), 404, "Transaction not found")
    assert db_query("SELECT notes FROM inventory_transactions WHERE id = ?", t["id"]) == [[None]]
    err(call("GET", TX, acme, params={"tenant_id": demo_tenant_id}), 403, "Insufficient permissions")
    err(call("GET", TX, acme, params={"warehouse_id": place["wh"]["id"]}), 404, "Warehouse not found")
    theirs = listing(acme, stock_id=place["stock"]["id"])
    assert theirs["inventory_transactions"] == [] and theirs["total"] == 0
    found = listing(acme, search=place["item"]["sku"])
    assert found["total"] == 0


# ---- get and notes -------------------------------------------------------------------

def test_get_errors(admin):
    err(call("GET", TX + "/:id", admin), 400, "Transaction ID required")
    err(call("GET", TX + "/%20", admin), 400, "Transaction ID required")
    err(call("GET", TX + "/" + str(uuid.uuid4()), admin), 404, "Transaction not found")
    err(call("GET", TX + "/not-a-uuid", admin), 404, "Transaction not found")
    err(call("GET", TX + "/1' OR '1'='1", admin), 404, "Transaction not found")


def test_notes_only_change(admin, place):
    t = create(admin, tx_body(place, "receive", 4, notes="first"))["inventory_transaction"]
    path = TX + "/" + t["id"]
    got = ok(call("PATCH", path, admin, {"notes": "corrected"}), 200, "Transaction updated successfully")
    g = got["inventory_transaction"]
    assert g["notes"] == "corrected" and set(g) == FLAT_KEYS | NESTED_KEYS
    assert {k: g[k] for k in FLAT_KEYS if k != "notes"} == {k: t[k] for k in FLAT_KEYS if k != "notes"}
    ok(call("PATCH", path, admin, {"notes": None}), 200, "Transaction updated successfully")
    assert db_query("SELECT notes FROM inventory_transactions WHERE id = ?", t["id"]) == [[None]]
    ok(call("PATCH", path, admin, {"notes": "again"}), 200, "Transaction updated successfully")
    got = ok(call("PATCH", path, admin, {"notes": ""}), 200, "Transaction updated successfully")
    assert got["inventory_transaction"]["notes"] is None
    for body in ({"quantity": 5}, {"notes": "x", "quantity": 5}, {"transaction_type": "pick"}, {"delta": 0}):
        err(call("PATCH", path, admin, body), 400, "Only notes can be changed")
    err(call("PATCH", path, admin, {}), 400, "Field required: notes")
    err(call("PATCH", path, admin, {"notes": 7}), 400, "Invalid notes")
    err(call("PATCH", path, admin, raw="{"), 400, "Invalid JSON body")
    err(call("PATCH", TX + "/" + str(uuid.uuid4()), admin, {"notes": "x"}), 404, "Transaction not found")
    err(call("PATCH", TX + "/:id", admin, {"notes": "x"}), 400, "Transaction ID required")
    assert db_query("SELECT quantity, delta FROM inventory_transactions WHERE id = ?", t["id"]) == [["4", "4"]]
    assert stock_qty(place["stock"]["id"]) == 54


# ---- list ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history():
    """A warehouse with a known history: 1 initial_stock (from master data) then 7 transactions."""
    h = auth_headers("demo-admin")
    p = new_place(h, quantity=100)
    a, b = p["a"]["id"], p["b"]["id"]
    specs = [
        ("receive", 10, {"reference_id": "PO-" + p["item"]["sku"], "reference_type": "order",
                         "timestamp": "2021-03-01T10:00:00Z"}),
        ("pick", 5, {"from_bin_id": a, "reference_type": "shipment", "timestamp": "2021-03-02T12:00:00Z"}),
        ("move", 20, {"from_bin_id": a, "to_bin_id": b, "reference_type": "transfer",
                      "timestamp": "2021-03-03T08:00:00Z"}),
        ("stock_adjustment", 1, {"adjustment_direction": "decrease", "notes": "broken glass",
                                 "timestamp": "2021-03-04T00:00:00Z"}),
        ("count", 80, {"reference_type": "audit", "timestamp": "2021-03-05T23:59:59Z"}),
        ("return", 2, {"reference_id": "RMA-7", "reference_type": "return", "timestamp": "2021-03-06T09:00:00Z"}),
        ("receive", 3, {"timestamp": "2021-03-07T09:00:00Z"}),
    ]
    txs = [create(h, tx_body(p, t, q, **f))["inventory_transaction"] for t, q, f in specs]
    p["txs"] = txs
    p["dest"] = txs[2]["to_stock_id"]
    p["initial"] = db_query("SELECT id FROM inventory_transactions WHERE stock_id = ? AND transaction_type ="
                            " 'initial_stock'", p["stock"]["id"])[0][0]
    return p


def wh_list(h, history, **params):
    return listing(h, warehouse_id=history["wh"]["id"], **params)


def test_list_shape(admin, history):
    body = wh_list(admin, history)
    assert set(body) == {"success", "message", "inventory_transactions", "stats", "transaction_types",
                         "reference_types", "page", "limit", "total", "next"}
    assert (body["page"], body["limit"], body["total"]) == (1, 20, 8)
    assert body["transaction_types"] == TYPES and body["reference_types"] == REF_TYPES
    assert body["stats"] == {"total": 8, "initial_stock": 1, "receive": 2, "pick": 1, "move": 1,
                             "stock_adjustment": 1, "return": 1, "count": 1}
    rows = body["inventory_transactions"]
    # Newest first: the initial stock row was written now, the others in 2021.
    assert ids(rows) == [history["initial"]] + [t["id"] for t in reversed(history["txs"])]
    for row in rows:
        assert set(row) == FLAT_KEYS | NESTED_KEYS
        assert row["warehouse"]["id"] == history["wh"]["id"]
        assert row["item"]["sku"] == history["item"]["sku"]
    move = next(r for r in rows if r["transaction_type"] == "move")
    assert move["from_bin"]["code"] == history["a"]["code"] and move["to_bin"]["code"] == history["b"]["code"]
    assert move["user"]["id"] == user_id("demo-admin")


@pytest.mark.parametrize("ttype", [None] + TYPES)
def test_list_stats_on_the_page_equal_the_counted(admin, history, ttype):
    """A warehouse (+ type) page reads its stats in its own statement from the counter table
    (issue 18); with a time range that covers everything they are counted from the index in a
    statement of their own, and past the last page from the counter table on their own: the
    same stats, the same rows, the same body."""
    params = {"limit": 3} if ttype is None else {"transaction_type": ttype, "limit": 3}
    page = wh_list(admin, history, **params)
    counted = wh_list(admin, history, timestamp_range_start="2000-01-01", **params)
    past = wh_list(admin, history, page=99, **params)
    assert page["stats"] == counted["stats"] == past["stats"]
    assert page["stats"]["total"] == (8 if ttype is None else 2 if ttype == "receive" else 1)
    assert {k: v for k, v in page.items() if k != "next"} == {k: v for k, v in counted.items() if k != "next"}


def test_list_with_the_documents_empty_parameters(admin, history, demo_tenant_id):
    params = {"tenant_id": demo_tenant_id, "warehouse_id": history["wh"]["id"], "item_id": "", "stock_id": "",
              "search": "", "transaction_type": "", "reference_type": "", "timestamp_range_start": "",
              "timestamp_range_end": "", "page": "1", "limit": "20"}
    assert listing(admin, **params)["total"] == 8
    # Without a warehouse the list covers the whole tenant.
    everything = listing(admin, warehouse_id="", tenant_id=demo_tenant_id)
    assert everything["total"] >= 8


def test_list_filters(admin, history):
    sid, dest = history["stock"]["id"], history["dest"]
    txs = history["txs"]
    assert wh_list(admin, history, item_id=history["item"]["id"])["total"] == 8
    assert wh_list(admin, history, item_id=str(uuid.uuid4()))["total"] == 0
    # A stock's history includes the moves into it.
    assert ids(wh_list(admin, history, stock_id=dest)["inventory_transactions"]) == [txs[2]["id"]]
    assert wh_list(admin, history, stock_id=sid)["total"] == 8
    assert wh_list(admin, history, stock_id=sid.upper())["total"] == 8
    assert ids(wh_list(admin, history, transaction_type="pick")["inventory_transactions"]) == [txs[1]["id"]]
    adj = wh_list(admin, history, transaction_type="adjust")
    assert ids(adj["inventory_transactions"]) == [txs[3]["id"]]
    assert adj["stats"] == {"total": 1, "initial_stock": 0, "receive": 0, "pick": 0, "move": 0,
                            "stock_adjustment": 1, "return": 0, "count": 0}
    assert ids(wh_list(admin, history, reference_type="audit")["inventory_transactions"]) == [txs[4]["id"]]
    assert ids(wh_list(admin, history, reference_type="return")["inventory_transactions"]) == [txs[5]["id"]]
    both = wh_list(admin, history, transaction_type="receive", reference_type="order")
    assert ids(both["inventory_transactions"]) == [txs[0]["id"]]


@pytest.mark.parametrize("params,message", [
    ({"transaction_type": "teleport"}, "Invalid transaction type"),
    ({"reference_type": "invoice"}, "Invalid reference type"),
    ({"timestamp_range_start": "soon"}, "Invalid timestamp"),
    ({"timestamp_range_end": "2021-13-01"}, "Invalid timestamp"),
    ({"limit": "0"}, "Invalid limit"),
    ({"limit": "-1"}, "Invalid limit"),
    ({"limit": "ten"}, "Invalid limit"),
    ({"page": "0"}, "Invalid page"),
    ({"page": "-2"}, "Invalid page"),
    ({"page": "x"}, "Invalid page"),
    ({"format": "xml"}, "Invalid format"),
])
def test_list_validation(admin, params, message):
    resp = call("GET", TX, admin, params=params)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    # page and limit also say the allowed range (an extra key); the message is the same.
    assert {k: v for k, v in body.items() if k not in ("detail", "code", "field")} == \
        {"success": False, "message": message}
    assert body["code"], body
    assert set(body) - {"success", "message", "code", "field"} == \
        ({"detail"} if "page" in params or "limit" in params else set())


def test_list_unknown_warehouse(admin):
    err(call("GET", TX, admin, params={"warehouse_id": str(uuid.uuid4())}), 404, "Warehouse not found")
    err(call("GET", TX, admin, params={"warehouse_id": "WH001"}), 404, "Warehouse not found")


def test_list_search(admin, history):
    txs = history["txs"]
    # Transaction type and reference type, as documented ...
    assert ids(wh_list(admin, history, search="adjust")["inventory_transactions"]) == [txs[3]["id"]]
    assert ids(wh_list(admin, history, search="shipm")["inventory_transactions"]) == [txs[1]["id"]]
    assert ids(wh_list(admin, history, search="transfer")["inventory_transactions"]) == [txs[2]["id"]]
    # ... and item SKU and name, reference id and notes.
    assert wh_list(admin, history, search=history["item"]["sku"])["total"] == 8
    assert wh_list(admin, history, search=history["item"]["name"].upper())["total"] == 8
    assert ids(wh_list(admin, history, search="RMA-7")["inventory_transactions"]) == [txs[5]["id"]]
    assert ids(wh_list(admin, history, search="broken")["inventory_transactions"]) == [txs[3]["id"]]
    assert wh_list(admin, history, search="%")["total"] == 0
    assert wh_list(admin, history, search="stoc_")["total"] == 0  # "_" is no wildcard
    assert wh_list(admin, history, search="zzz-nothing")["stats"]["total"] == 0


def test_list_time_range(admin, history):
    txs = history["txs"]
    r = wh_list(admin, history, timestamp_range_start="2021-03-02T12:00:00Z", timestamp_range_end="2021-03-04T00:00:00Z")
    assert ids(r["inventory_transactions"]) == [txs[3]["id"], txs[2]["id"], txs[1]["id"]]
    # A bare date as the end covers that whole day.
    r = wh_list(admin, history, timestamp_range_start="2021-03-05", timestamp_range_end="2021-03-05")
    assert ids(r["inventory_transactions"]) == [txs[4]["id"]]
    r = wh_list(admin, history, timestamp_range_end="2021-03-01T10:00:00Z")
    assert ids(r["inventory_transactions"]) == [txs[0]["id"]]
    r = wh_list(admin, history, timestamp_range_start="2021-03-07T10:00:00+02:00", timestamp_range_end="2021-12-31")
    assert ids(r["inventory_transactions"]) == [txs[6]["id"]]
    assert r["stats"]["total"] == 1 and r["total"] == 1
    assert wh_list(admin, history, timestamp_range_start="2021-04-01", timestamp_range_end="2021-03-01")["total"] == 0


def test_list_paging(admin, history):
    all_ids = ids(wh_list(admin, history)["inventory_transactions"])
    p1 = wh_list(admin, history, limit=3)
    p2 = wh_list(admin, history, limit=3, page=2)
    p3 = wh_list(admin, history, limit=3, page=3)
    assert (p1["page"], p1["limit"], p1["total"]) == (1, 3, 8)
    assert ids(p1["inventory_transactions"]) + ids(p2["inventory_transactions"]) + \
        ids(p3["inventory_transactions"]) == all_ids
    assert len(p3["inventory_transactions"]) == 2
    past = wh_list(admin, history, limit=3, page=4)
    assert past["inventory_transactions"] == [] and past["total"] == 8 and past["page"] == 4
    assert past["stats"]["total"] == 8
    far = wh_list(admin, history, page=999999999)
    assert far["inventory_transactions"] == [] and far["total"] == 8
    big = wh_list(admin, history, limit=100)
    assert big["limit"] == 100 and len(big["inventory_transactions"]) == 8
    assert wh_list(admin, history, limit=1)["inventory_transactions"][0]["id"] == all_ids[0]


def test_list_limit_above_100_is_refused(admin):
    resp = call("GET", TX, admin, params={"limit": 1000})
    assert resp.status_code == 400
    assert resp.json() == {"success": False, "message": "Invalid limit", "detail": "limit must be a whole number from 1 to 100",
                           "code": "invalid_field", "field": "limit"}
    body = listing(admin, limit=100)
    assert body["limit"] == 100
    assert len(body["inventory_transactions"]) == min(100, body["total"])


# ---- CSV export -------------------------------------------------------------------------

CSV_COLUMNS = ["id", "timestamp", "transaction_type", "warehouse_code", "item_sku", "item_name", "stock_id",
               "quantity", "from_bin_code", "to_bin_code", "reference_type", "reference_id", "performed_by", "notes"]


def get_csv(h, **params):
    r = call("GET", TX, h, params=dict(params, format="csv"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="inventory-transactions.csv"'
    return r


def test_csv_export(admin, history):
    r = get_csv(admin, warehouse_id=history["wh"]["id"])
    text = r.content.decode("utf-8")
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == CSV_COLUMNS
    body = rows[1:]
    assert [row[0] for row in body] == ids(wh_list(admin, history)["inventory_transactions"])
    move = next(row for row in body if row[2] == "move")
    assert move[1] == "2021-03-03T08:00:00Z"
    assert move[3:6] == [history["wh"]["code"], history["item"]["sku"], history["item"]["name"]]
    assert move[6:10] == [history["stock"]["id"], "20", history["a"]["code"], history["b"]["code"]]
    assert move[10:13] == ["transfer", "", user_id("demo-admin")]
    # Filters apply; page and limit do not.
    r = get_csv(admin, warehouse_id=history["wh"]["id"], transaction_type="receive", limit=1, page=5)
    assert len(list(csv.reader(io.StringIO(r.text, newline="")))) == 3


def test_csv_quoting_and_formula_guard(admin, place):
    nasty = ['=HYPERLINK("http://x","y")', "+1", "-2 broken", "@SUM(A1)", 'comma, "quote"\nnew line', "plain"]
    for n in nasty:
        create(admin, tx_body(place, "receive", 1, notes=n))
    r = get_csv(admin, stock_id=place["stock"]["id"], transaction_type="receive")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    notes = [row[13] for row in rows[1:]]
    assert sorted(notes) == sorted(["'" + nasty[0], "'+1", "'-2 broken", "'@SUM(A1)", nasty[4], "plain"])
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in r.text


def test_csv_exports_every_page(admin):
    p = new_place(admin, quantity=0)
    for i in range(130):
        post = post_tx(admin, tx_body(p, "receive", 1, notes="n%d" % i))
        assert post.status_code == 201
    r = get_csv(admin, stock_id=p["stock"]["id"])
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert len(rows) == 131 and len({row[0] for row in rows[1:]}) == 130


def test_csv_keyset_across_batches_with_equal_timestamps(admin):
    """2,500 rows (more than one export batch) sharing three timestamps: the id breaks ties."""
    p = new_place(admin, quantity=0)
    db_query("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id, transaction_type,"
             " quantity, delta, performed_by, timestamp)"
             " SELECT UUID(), s.tenant_id, s.warehouse_id, s.item_id, s.id, 'count', 0, 0, ?,"
             " '2022-01-01 00:00:00' + INTERVAL (seq % 3) * 500000 MICROSECOND"
             " FROM seq_1_to_2500 JOIN stocks s ON s.id = ?", user_id("demo-admin"), p["stock"]["id"])
    r = get_csv(admin, stock_id=p["stock"]["id"])
    rows = list(csv.reader(io.StringIO(r.text, newline="")))[1:]
    expected = db_query("SELECT id FROM inventory_transactions WHERE stock_id = ? ORDER BY timestamp DESC, id DESC",
                        p["stock"]["id"])
    assert [row[0] for row in rows] == [e[0] for e in expected]
    assert len(rows) == 2500
    assert wh_list(admin, {"wh": p["wh"]}, stock_id=p["stock"]["id"])["stats"]["count"] == 2500


def test_csv_needs_read_scope(acme, history):
    err(call("GET", TX, acme, params={"format": "csv", "warehouse_id": history["wh"]["id"]}), 404,
        "Warehouse not found")
    r = call("GET", TX, {}, params={"format": "csv"})
    assert r.status_code == 401


# ---- idempotency ---------------------------------------------------------------------------

def test_idempotent_replay(admin, place):
    key = {"Idempotency-Key": unique("key")}
    body = tx_body(place, "pick", 7, from_bin_id=place["a"]["id"])
    first = post_tx(admin, body, extra=key)
    assert first.status_code == 201
    again = post_tx(admin, body, extra=key)
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers.get("Idempotent-Replayed") == "true"
    tid = first.json()["inventory_transaction"]["id"]
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ? AND transaction_type = 'pick'",
                    place["stock"]["id"]) == [["1"]]
    assert stock_qty(place["stock"]["id"]) == 43
    # Another body under the same key is refused and changes nothing.
    err(post_tx(admin, {**body, "quantity": 8}, extra=key), 422, "Idempotency key reused with a different request")
    assert stock_qty(place["stock"]["id"]) == 43
    # A new key is a new transaction.
    other = post_tx(admin, body, extra={"Idempotency-Key": unique("key")})
    assert other.status_code == 201 and other.json()["inventory_transaction"]["id"] != tid
    assert stock_qty(place["stock"]["id"]) == 36


def test_idempotency_keys_are_per_tenant(admin, acme, place):
    key = {"Idempotency-Key": unique("shared")}
    create(admin, tx_body(place, "receive", 1), extra=key)
    acme_place = new_place(acme, quantity=1)
    r = post_tx(acme, tx_body(acme_place, "receive", 1), extra=key)
    assert r.status_code == 201 and r.json()["updated_stock"]["quantity"] == 2


def test_a_refusal_is_replayed_too(admin, place):
    """Every answer below 500 is kept with its key (docs/ledger.md): a retry of a refused request
    gets the same refusal, even after the cause went away; a new key runs it again."""
    key = {"Idempotency-Key": unique("key")}
    body = tx_body(place, "pick", 60, from_bin_id=place["a"]["id"])
    first = post_tx(admin, body, extra=key)
    err(first, 409, "Insufficient stock")
    create(admin, tx_body(place, "receive", 10))
    again = post_tx(admin, body, extra=key)
    assert (again.status_code, again.content) == (409, first.content)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert stock_qty(place["stock"]["id"]) == 60
    assert post_tx(admin, body, extra={"Idempotency-Key": unique("key")}).status_code == 201
    assert stock_qty(place["stock"]["id"]) == 0


def test_invalid_idempotency_key(admin, place):
    err(post_tx(admin, tx_body(place, "receive", 1), extra={"Idempotency-Key": "k" * 256}), 400,
        "Invalid idempotency key")
    assert stock_qty(place["stock"]["id"]) == 50


def test_expired_key_starts_afresh(admin, place):
    key = unique("old")
    body = tx_body(place, "receive", 1)
    assert post_tx(admin, body, extra={"Idempotency-Key": key}).status_code == 201
    db_query("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(6) - INTERVAL 25 HOUR WHERE idem_key = ?", key)
    again = post_tx(admin, body, extra={"Idempotency-Key": key})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert stock_qty(place["stock"]["id"]) == 52


# ---- ledger check -------------------------------------------------------------------------

def test_ledger_check_shape(admin):
    body = assert_ledger_consistent(admin)
    assert set(body) == {"success", "message", "stocks_checked", "mismatches"}
    assert isinstance(body["stocks_checked"], int)


@pytest.fixture
def scratch_tenant():
    """A tenant of its own (with an admin whose password is "demo-viewer"), so a test may break its ledger."""
    tid = str(uuid.uuid4())
    username = unique("ledger-admin")
    db_query("INSERT INTO tenants (id, name) VALUES (?, ?)", tid, unique("Scratch"))
    db_query("INSERT INTO users (id, tenant_id, username, password_hash, scopes) SELECT ?, ?, ?, password_hash,"
             " 'admin view:tenant manage:operations:tenant' FROM users WHERE username = 'demo-viewer'",
             str(uuid.uuid4()), tid, username)
    return auth_headers(username, password="demo-viewer")


def test_ledger_check_finds_mismatches(scratch_tenant):
    h = scratch_tenant
    p = new_place(h, quantity=10)
    create(h, tx_body(p, "move", 4, from_bin_id=p["a"]["id"], to_bin_id=p["b"]["id"]))
    body = ok(ledger_check(h), 200, "Ledger consistent")
    assert (body["stocks_checked"], body["mismatches"]) == (2, [])
    # A quantity changed behind the ledger's back is reported.
    db_query("UPDATE stocks SET quantity = quantity + 3 WHERE id = ?", p["stock"]["id"])
    body = ok(ledger_check(h), 200, "Ledger mismatches found")
    assert body["mismatches"] == [{"stock_id": p["stock"]["id"], "quantity": 9, "ledger_sum": 6}]
    assert body["stocks_checked"] == 2


def test_demo_ledger_consistent_at_the_end(admin):
    assert_ledger_consistent(admin)


# ---- a create of one stock record: two CALLs, the first opening the transaction, and COMMIT -----

COUNTED = ("Com_stmt_execute", "Com_begin", "Com_commit", "Questions")


def server_counts():
    """The server's statement counters (global): prepared executions, BEGINs (the ones inside a
    procedure too), COMMITs, and the statements clients sent (Questions: round trips)."""
    rows = db_query("SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ", ".join("'%s'" % k for k in COUNTED))
    return {name: int(value) for name, value in rows}


def counted(before, after, idle):
    """after - before per counter, less what reading them costs (idle: the same over no request)."""
    return tuple(after[k] - before[k] - idle[k] for k in COUNTED)


@pytest.mark.parametrize("ttype, fields", [
    ("pick", {"quantity": 1, "from_bin": True}),
    ("receive", {"quantity": 2}),
    ("stock_adjustment", {"quantity": 1, "adjustment_direction": "decrease"}),
    ("return", {"quantity": 1}),
    ("count", {"quantity": 40}),
])
def test_single_stock_create_is_three_round_trips(admin, place, ttype, fields):
    """The locks and reads as a CALL that opens the transaction (itx_single_lock_begin), the
    writes with the read-back (CALL ledger_post_single), COMMIT: 3 round trips where 9 were, then
    4 (docs/PERFORMANCE.md, issue 18). One BEGIN all the same, run by the procedure. The least of
    three tries, in case anything else ran at the same moment."""
    fields = dict(fields)
    if fields.pop("from_bin", False):
        fields["from_bin_id"] = place["a"]["id"]
    body = tx_body(place, ttype, **fields)
    create(admin, body)  # prepares the statements of whichever worker answers
    seen = []
    for _ in range(3):
        first = server_counts()
        before = server_counts()
        create(admin, body)
        after = server_counts()
        idle = {k: before[k] - first[k] for k in COUNTED}
        seen.append(counted(before, after, idle))
    assert min(seen) == (2, 1, 1, 3), seen
    assert_ledger_consistent(admin)


def test_a_refused_create_leaves_no_transaction_open(admin, place):
    """A refusal after the first CALL opened the transaction rolls it back: the stock row it
    locked FOR UPDATE is free at once (NOWAIT), on every worker that answered."""
    a = place["a"]["id"]
    for _ in range(12):  # several, so that whichever workers answer have each refused one
        err(post_tx(admin, tx_body(place, "pick", 10 ** 6, from_bin_id=a)), 409, "Insufficient stock")
    assert db_query("SELECT quantity FROM stocks WHERE id = ? FOR UPDATE NOWAIT",
                    place["stock"]["id"]) == [["50"]]
    create(admin, tx_body(place, "pick", 1, from_bin_id=a))
    assert_ledger_consistent(admin)


def test_created_body_equals_the_records_read_back(admin, place):
    """The 201 body, read back by the write's own CALL, is the transaction and the stock record
    as GET shows them."""
    for body in (tx_body(place, "pick", 3, from_bin_id=place["a"]["id"], notes="n\u00e9 \"x\"",
                         reference_type="order", reference_id="SO-\u00e9-1"),
                 tx_body(place, "count", 9, timestamp="2024-01-02T03:04:05Z")):
        t = create(admin, body)
        got = ok(call("GET", TX + "/" + t["inventory_transaction"]["id"], admin), 200,
                 "Transaction retrieved successfully")["inventory_transaction"]
        assert t["inventory_transaction"] == {k: got[k] for k in FLAT_KEYS}
        stock = ok(call("GET", "stocks/" + place["stock"]["id"], admin), 200, "Stock retrieved successfully")["stock"]
        assert t["updated_stock"] == {k: stock[k] for k in STOCK_KEYS}
