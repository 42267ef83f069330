"""A small client as an outside team writes it from documents 004 and 000 alone, with the standard library only
(urllib.request and json): it signs in, sends every integer field as a float (json.dumps(10.0) is "10.0", as
Python, JavaScript, .NET decimal and Java double clients send whole numbers), and sends the documents' own example
bodies. Checked: statuses, envelopes, what the database stored, and the ledger invariant."""
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import BASE_URL, db_query, unique

CS = "/inventory/count-session"
WH = "/warehousing"


class Client:
    """What a client team writes: sign in once, then JSON in and JSON out with the bearer token."""

    def __init__(self, base, username, password):
        self.base = base
        form = urllib.parse.urlencode({"username": username, "password": password}).encode()
        status, body = self._send("POST", "/api/auth", form, "application/x-www-form-urlencoded")
        assert status == 200, body
        self.token = body["access_token"]

    def _send(self, method, path, data, content_type, token=None):
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def call(self, method, path, body=None):
        """(status, decoded JSON answer); body goes out through json.dumps, so floats stay floats."""
        data = json.dumps(body).encode() if body is not None else None
        return self._send(method, path, data, "application/json" if data else None, self.token)


@pytest.fixture(scope="module")
def client():
    return Client(BASE_URL, "demo-admin", "demo-admin")


@pytest.fixture(scope="module")
def counter():
    return Client(BASE_URL, "demo-operator", "demo-operator")


def ondi(answer, status, message):
    """The ONDI envelope of document 004 with the expected status; the body."""
    code, body = answer
    assert code == status, body
    assert body["success"] is (status < 400) and body["message"] == message, body
    return body


def status_envelope(answer, status, message):
    """The status envelope of document 000; the body."""
    code, body = answer
    assert code == status, body
    assert body["status"] == status and body["message"] == message and isinstance(body["detail"], str), body
    return body


def stored(sql, *params):
    return db_query(sql, *params)[0][0]


def ledger_consistent(client):
    body = ondi(client.call("GET", WH + "/inventory-transactions/ledger-check"), 200, "Ledger consistent")
    assert body["mismatches"] == []


def ledger_sum(stock_id):
    return int(stored("SELECT COALESCE(SUM(delta), 0) FROM inventory_transactions WHERE stock_id = ?", stock_id)) + \
        int(stored("SELECT COALESCE(SUM(to_delta), 0) FROM inventory_transactions WHERE to_stock_id = ?", stock_id))


def qty(stock_id):
    return int(stored("SELECT quantity FROM stocks WHERE id = ?", stock_id))


@pytest.fixture(scope="module")
def place(client):
    """A warehouse with bins A (capacity 40.0) and B, an item and 10.0 units of it at A: master data with floats."""
    wh = ondi(client.call("POST", WH + "/warehouses", {"name": unique("Client WH"), "code": unique("CWH")}),
              201, "Warehouse created successfully")["warehouse"]
    bins = [ondi(client.call("POST", WH + "/bins", {"warehouse_id": wh["id"], "code": unique("CB"),
                                                   "capacity": 40.0}), 201, "Bin created successfully")["bin"]
            for _ in range(2)]
    item = ondi(client.call("POST", WH + "/items", {"sku": unique("CSKU"), "name": unique("Client item")}),
                201, "Item created successfully")["item"]
    stock = ondi(client.call("POST", WH + "/stocks", {"warehouse_id": wh["id"], "item_id": item["id"],
                                                      "bin_id": bins[0]["id"], "quantity": 10.0}),
                 201, "Stock created successfully")["stock"]
    return {"wh": wh, "a": bins[0], "b": bins[1], "item": item, "stock": stock}


def tx(place, ttype, quantity, **fields):
    body = {"warehouse_id": place["wh"]["id"], "item_id": place["item"]["id"], "stock_id": place["stock"]["id"],
            "transaction_type": ttype, "quantity": quantity}
    body.update(fields)
    return body


def created(client, body):
    return ondi(client.call("POST", WH + "/inventory-transactions", body), 201,
                "Inventory transaction created successfully")


# ---- master data: integer fields sent as floats ----------------------------------------------------------

def test_master_data_takes_floats(client, place):
    assert place["a"]["capacity"] == 40 and isinstance(place["a"]["capacity"], int)
    assert stored("SELECT capacity FROM bins WHERE id = ?", place["a"]["id"]) == "40"
    assert place["stock"]["quantity"] == 10 and qty(place["stock"]["id"]) == 10
    # The stock's quantity is explained by its initial_stock ledger row.
    assert ledger_sum(place["stock"]["id"]) == 10
    b = ondi(client.call("PATCH", WH + "/bins/" + place["b"]["id"], {"capacity": 25.0}), 200,
             "Bin updated successfully")["bin"]
    assert b["capacity"] == 25 and stored("SELECT capacity FROM bins WHERE id = ?", place["b"]["id"]) == "25"
    # Fractions and numbers in strings are refused, saying what is expected; nothing changes.
    ondi(client.call("PATCH", WH + "/bins/" + place["b"]["id"], {"capacity": 25.5}), 400,
         "capacity must be a whole number")
    ondi(client.call("PATCH", WH + "/bins/" + place["b"]["id"], {"capacity": "25"}), 400,
         "capacity must be a whole number")
    assert stored("SELECT capacity FROM bins WHERE id = ?", place["b"]["id"]) == "25"
    ondi(client.call("POST", WH + "/stocks", {"warehouse_id": place["wh"]["id"], "item_id": place["item"]["id"],
                                              "quantity": 2.5}), 400, "quantity must be a whole number")


def test_stock_patch_with_a_float(client, place):
    other = ondi(client.call("POST", WH + "/stocks", {"warehouse_id": place["wh"]["id"], "item_id": place["item"]["id"],
                                                      "quantity": 0.0, "lot_number": unique("LOT")}),
                 201, "Stock created successfully")["stock"]
    assert other["quantity"] == 0
    # Quantity changes only through the ledger; the message is the same whether it is written 5 or 5.0.
    ondi(client.call("PATCH", WH + "/stocks/" + other["id"], {"quantity": 5.0}), 400,
         "Quantity changes only through inventory transactions")
    ondi(client.call("PATCH", WH + "/stocks/" + other["id"], {"quantity": 5}), 400,
         "Quantity changes only through inventory transactions")
    s = ondi(client.call("PATCH", WH + "/stocks/" + other["id"], {"unit_of_measure": "box"}), 200,
             "Stock updated successfully")["stock"]
    assert (s["quantity"], s["unit_of_measure"]) == (0, "box")


# ---- inventory transactions: every type with float quantities ------------------------------------------

def test_transactions_take_floats(client, place):
    sid, a, b = place["stock"]["id"], place["a"]["id"], place["b"]["id"]
    t = created(client, tx(place, "receive", 5.0))
    assert (t["inventory_transaction"]["quantity"], t["updated_stock"]["quantity"]) == (5, 15)
    t = created(client, tx(place, "pick", 2.0, from_bin_id=a))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (-2, 13)
    t = created(client, tx(place, "stock_adjustment", 3.0, adjustment_direction="increase"))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (3, 16)
    t = created(client, tx(place, "adjust", 1.0, adjustment_direction="decrease"))
    assert t["inventory_transaction"]["transaction_type"] == "stock_adjustment"
    assert t["updated_stock"]["quantity"] == 15
    # A partial move: updated_stock is the record the client named, destination_stock where the units went.
    t = created(client, tx(place, "move", 4.0, from_bin_id=a, to_bin_id=b))
    assert (t["updated_stock"]["id"], t["updated_stock"]["bin_id"], t["updated_stock"]["quantity"]) == (sid, a, 11)
    dest = t["destination_stock"]
    assert (dest["bin_id"], dest["quantity"]) == (b, 4) and dest["id"] == t["inventory_transaction"]["to_stock_id"]
    t = created(client, tx(place, "count", 11.0))
    assert (t["inventory_transaction"]["delta"], t["updated_stock"]["quantity"]) == (0, 11)
    assert (qty(sid), qty(dest["id"])) == (11, 4)
    assert (ledger_sum(sid), ledger_sum(dest["id"])) == (11, 4)
    ledger_consistent(client)


def test_transactions_refuse_what_is_not_whole(client, place):
    sid = place["stock"]["id"]
    before = qty(sid)
    for q in (1.5, "1", True):
        ondi(client.call("POST", WH + "/inventory-transactions", tx(place, "receive", q)), 400,
             "quantity must be a whole number")
    # The direction is required, and its message names the values: a document-only client learns them.
    ondi(client.call("POST", WH + "/inventory-transactions", tx(place, "stock_adjustment", 1.0)), 400,
         "Field required: adjustment_direction (increase or decrease)")
    ondi(client.call("POST", WH + "/inventory-transactions",
                     tx(place, "stock_adjustment", 1.0, adjustment_direction="down")), 400,
         "Invalid adjustment direction (increase or decrease)")
    assert qty(sid) == before == ledger_sum(sid)


def test_document_004_move_example(client):
    """Document 004's create body as printed, its {{placeholders}} filled with real ids."""
    wh = ondi(client.call("POST", WH + "/warehouses", {"name": unique("Main Warehouse"), "code": unique("WH")}),
              201, "Warehouse created successfully")["warehouse"]
    from_bin, to_bin = [ondi(client.call("POST", WH + "/bins", {"warehouse_id": wh["id"], "code": unique("B")}),
                             201, "Bin created successfully")["bin"] for _ in range(2)]
    item = ondi(client.call("POST", WH + "/items", {"sku": unique("ITEM"), "name": "Test Product"}), 201,
                "Item created successfully")["item"]
    stock = ondi(client.call("POST", WH + "/stocks", {"warehouse_id": wh["id"], "item_id": item["id"],
                                                      "bin_id": from_bin["id"], "quantity": 50}),
                 201, "Stock created successfully")["stock"]
    user_id = stored("SELECT id FROM users WHERE username = 'demo-admin'")
    reference_id = unique("order")
    example = """{
  "warehouse_id": "{{warehouse_id}}",
  "item_id": "{{item_id}}",
  "stock_id": "{{stock_id}}",
  "transaction_type": "move",
  "quantity": 10,
  "from_bin_id": "{{from_bin_id}}",
  "to_bin_id": "{{to_bin_id}}",
  "reference_id": "{{reference_id}}",
  "reference_type": "order",
  "notes": "Stock moved to fulfill order",
  "performed_by": "{{user_id}}",
  "timestamp": "2023-06-15T10:30:00Z"
}"""
    for name, value in {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
                        "from_bin_id": from_bin["id"], "to_bin_id": to_bin["id"], "reference_id": reference_id,
                        "user_id": user_id}.items():
        example = example.replace("{{%s}}" % name, value)
    body = created(client, json.loads(example))
    t, s = body["inventory_transaction"], body["updated_stock"]
    # The document's response shape: the transaction, and updated_stock is the stock_id record.
    assert (t["transaction_type"], t["quantity"], t["from_bin_id"], t["to_bin_id"]) == \
        ("move", 10, from_bin["id"], to_bin["id"])
    assert (t["reference_id"], t["reference_type"], t["notes"], t["performed_by"], t["timestamp"]) == \
        (reference_id, "order", "Stock moved to fulfill order", user_id, "2023-06-15T10:30:00Z")
    assert (s["id"], s["bin_id"], s["quantity"], s["status"]) == (stock["id"], from_bin["id"], 40, "available")
    assert (body["destination_stock"]["bin_id"], body["destination_stock"]["quantity"]) == (to_bin["id"], 10)
    assert qty(stock["id"]) == 40 == ledger_sum(stock["id"])
    assert qty(body["destination_stock"]["id"]) == 10 == ledger_sum(body["destination_stock"]["id"])
    ledger_consistent(client)


# ---- count sessions: document 000's example and float quantities ------------------------------------------

DOCUMENT_000_EXAMPLE = """{
  "count_session": {
    "_id": "string",
    "_key": "string",
    "_rev": "string",
    "code": "CNT-2026-001",
    "description": "Annual full-warehouse count Q2 2026",
    "type": "position",
    "status": "planned",
    "blind_quantities": true,
    "blind_serials": true,
    "coverage_percentage": 100,
    "scheduled_start": "2026-05-20T08:00:00Z",
    "scheduled_end": "2026-05-20T18:00:00Z",
    "created": "2026-05-15T10:00:00Z",
    "created_by": "user/operator-01",
    "started": "2026-05-20T08:05:00Z",
    "completed": "2026-05-20T17:45:00Z",
    "baseline_snapshot_key": "snap-001",
    "post_count_snapshot_key": "snap-002",
    "post_adjustment_snapshot_key": "snap-003",
    "adjustment_list_key": "mvtlist-001",
    "notes": "Verify all rows in zone A before zone B",
    "extra": "string"
  },
  "assignments": [
    {
      "user_key": "user/operator-01",
      "target_keys": [
        [
          "12345",
          "67890"
        ]
      ]
    }
  ]
}"""


def drop_planned_session(client, tenant_id, code):
    """A planned session left by an earlier run holds the document's code: delete it as a client would."""
    for (key,) in db_query("SELECT id FROM count_sessions WHERE tenant_id = ? AND code = ? AND status = 'planned'",
                           tenant_id, code):
        status_envelope(client.call("DELETE", CS + "/" + key), 200, "Count session deleted successfully")
    # One past planning (the tenant's code counter may have handed out the same code) cannot be deleted: it
    # gives its code up, as test data, so the suite can run again on the same stack.
    db_query("UPDATE count_sessions SET code = CONCAT(code, '-', LEFT(id, 8)) WHERE tenant_id = ? AND code = ?",
             tenant_id, code)


def test_document_000_create_example(client, place, demo_tenant_id):
    """Document 000's body as printed (read-only keys and all); only the user and target keys are real ones."""
    drop_planned_session(client, demo_tenant_id, "CNT-2026-001")
    example = DOCUMENT_000_EXAMPLE.replace('"user/operator-01",\n      "target_keys"',
                                           '"user/demo-operator",\n      "target_keys"')
    example = example.replace('"12345"', '"%s"' % place["a"]["id"]).replace('"67890"', '"%s"' % place["b"]["id"])
    body = json.loads(example)
    assert body["assignments"][0]["user_key"] == "user/demo-operator"
    answer = status_envelope(client.call("POST", CS, body), 200, "Count session created successfully")
    key = answer["detail"]
    doc = answer["count_session"]
    try:
        assert (doc["code"], doc["status"], doc["coverage_percentage"]) == ("CNT-2026-001", "planned", 100)
        assert doc["_key"] == key and doc["created_by"] == "user/demo-admin" and doc["started"] is None
        assert stored("SELECT coverage_percentage FROM count_sessions WHERE id = ?", key) == "100"
        assert [r[0] for r in db_query("SELECT key_id FROM count_targets WHERE session_id = ? ORDER BY key_no",
                                       key)] == [place["a"]["id"], place["b"]["id"]]
    finally:
        status_envelope(client.call("DELETE", CS + "/" + key), 200, "Count session deleted successfully")


def test_count_session_and_records_take_floats(client, counter, place):
    body = {"count_session": {"type": "position", "description": unique("floats"), "coverage_percentage": 50.0},
            "assignments": [{"user_key": "user/demo-operator", "target_keys": [[place["a"]["id"]]]}]}
    answer = status_envelope(client.call("POST", CS, body), 200, "Count session created successfully")
    key = answer["detail"]
    assert answer["count_session"]["coverage_percentage"] == 50
    assert stored("SELECT coverage_percentage FROM count_sessions WHERE id = ?", key) == "50"
    status_envelope(client.call("POST", CS, dict(body, count_session=dict(body["count_session"],
                                                                          coverage_percentage=50.5))),
                    400, "coverage_percentage must be a whole number")
    status_envelope(client.call("POST", CS + "/%s/start" % key), 200, "Count session started successfully")
    entry = {"bin_id": place["a"]["id"], "item_id": place["item"]["id"], "counted_qt": 7.0}
    rec = status_envelope(counter.call("POST", CS + "/%s/records" % key, entry), 200,
                          "Count recorded successfully")["count_record"]
    assert rec["counted_qt"] == 7
    assert db_query("SELECT counted_qt FROM count_records WHERE session_id = ?", key) == [["7"]]
    status_envelope(counter.call("POST", CS + "/%s/records" % key, dict(entry, counted_qt=7.5)), 400,
                    "counted_qt must be a whole number")
    status_envelope(counter.call("POST", CS + "/%s/records" % key, dict(entry, counted_qt="7")), 400,
                    "counted_qt must be a whole number")
    assert db_query("SELECT counted_qt FROM count_records WHERE session_id = ?", key) == [["7"]]
    status_envelope(client.call("POST", CS + "/%s/cancel" % key), 200, "Count session canceled successfully")
    ledger_consistent(client)
