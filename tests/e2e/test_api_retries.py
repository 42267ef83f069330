"""E2E tests of safe retries and concurrent edits: Idempotency-Key on every creating POST (replay of any
answer below 500, 422 for another request, 409 at once while the first is still running) and ETag /
If-Match on master data and count sessions."""
import subprocess
import threading
import time

import requests

from conftest import DB_NAME, DB_SOCKET, db_query, unique, url
from ondi import new_bin, new_item, new_stock, new_warehouse
from test_count_sessions import OPERATOR_KEY, create, get, simple_body

BUSY = "A request with this Idempotency-Key is still being processed"
STALE = "Precondition failed: the record changed since you read it"


def send(method, path, h, key=None, json=None, csv=None, params=None, headers=None):
    hd = dict(h)
    hd.update(headers or {})
    if key:
        hd["Idempotency-Key"] = key
    kw = {"headers": hd, "params": params, "timeout": 30}
    if csv is not None:
        hd["Content-Type"] = "text/csv"
        kw["data"] = csv.encode()
    elif json is not None:
        kw["json"] = json
    return requests.request(method, url(path), **kw)


def twice(method, path, h, **kw):
    """The same keyed request sent twice: asserts the second is the first's answer replayed."""
    key = unique("idem")
    first = send(method, path, h, key=key, **kw)
    again = send(method, path, h, key=key, **kw)
    assert first.status_code < 500, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers.get("Idempotent-Replayed") == "true"
    return first, key


def count(sql, *params):
    return int(db_query(sql, *params)[0][0])


# ---- Idempotency-Key on every create -----------------------------------------------------------

def test_master_data_creates_replay(admin):
    code = unique("WH")
    first, key = twice("POST", "/warehousing/warehouses", admin, json={"name": "Retry", "code": code})
    assert first.status_code == 201
    assert count("SELECT COUNT(*) FROM warehouses WHERE code = ?", code) == 1
    wh = first.json()["warehouse"]
    sku = unique("SKU")
    assert twice("POST", "/warehousing/items", admin, json={"sku": sku, "name": "x"})[0].status_code == 201
    assert count("SELECT COUNT(*) FROM items WHERE sku = ?", sku) == 1
    bcode = unique("BIN")
    b = twice("POST", "/warehousing/bins", admin, json={"warehouse_id": wh["id"], "code": bcode})[0]
    assert b.status_code == 201 and count("SELECT COUNT(*) FROM bins WHERE code = ?", bcode) == 1
    item = new_item(admin)
    s = twice("POST", "/warehousing/stocks", admin,
              json={"warehouse_id": wh["id"], "item_id": item["id"], "quantity": 5})[0]
    assert s.status_code == 201
    assert count("SELECT COUNT(*) FROM stocks WHERE item_id = ?", item["id"]) == 1
    # One initial_stock transaction: the replay wrote nothing.
    assert count("SELECT COUNT(*) FROM inventory_transactions WHERE item_id = ?", item["id"]) == 1
    # The same key with another body is refused and writes nothing.
    other = send("POST", "/warehousing/warehouses", admin, key=key, json={"name": "Retry", "code": unique("WH")})
    assert other.status_code == 422
    assert other.json() == {"success": False, "message": "Idempotency key reused with a different request",
                            "code": "idempotency_key_reused"}


def test_user_create_replays(admin):
    name = unique("retry-user")
    first, key = twice("POST", "/api/users", admin,
                       json={"username": name, "password": "password-123", "first_name": "R"})
    assert first.status_code == 201, first.text
    assert count("SELECT COUNT(*) FROM users WHERE username = ?", name) == 1
    r = send("POST", "/api/users", admin, key=key, json={"username": name + "x", "password": "password-123"})
    assert r.status_code == 422 and r.json()["message"] == "Idempotency key reused with a different request"


def test_count_session_create_and_actions_replay(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    body = simple_body([b["id"]])
    first, key = twice("POST", "/inventory/count-session", admin, json=body)
    assert first.status_code == 200 and first.json()["message"] == "Count session created successfully"
    assert count("SELECT COUNT(*) FROM count_sessions WHERE description = ?",
                 body["count_session"]["description"]) == 1
    skey = first.json()["detail"]
    # A retried start gets its first answer, not 409 "Count session is started".
    started, _ = twice("POST", "/inventory/count-session/%s/start" % skey, admin)
    assert started.status_code == 200 and started.json()["message"] == "Count session started successfully"
    # A stored refusal is replayed too: starting again under a new key is 409, and so is its retry.
    refused, _ = twice("POST", "/inventory/count-session/%s/start" % skey, admin)
    assert refused.status_code == 409
    # The same key on another path is another request.
    r = send("POST", "/inventory/count-session/%s/complete" % skey, admin, key=key)
    assert r.status_code == 422


def test_count_records_and_imports_replay(admin, operator):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    item = new_item(admin, category="Count")
    new_stock(admin, wh["id"], item["id"], b["id"], quantity=3)
    skey = create(admin, simple_body([b["id"]], assignments=[{"user_key": OPERATOR_KEY, "target_keys": [[b["id"]]]}]))
    send("POST", "/inventory/count-session/%s/start" % skey, admin)
    rec, _ = twice("POST", "/inventory/count-session/%s/records" % skey, operator,
                   json={"bin_id": b["id"], "item_id": item["id"], "counted_qt": 2})
    assert rec.status_code == 200, rec.text
    sid = db_query("SELECT id FROM count_sessions WHERE id = ? OR code = ?", skey, skey)[0][0]
    assert count("SELECT COUNT(*) FROM count_records WHERE session_id = ?", sid) == 1
    csv = "bin,sku,counted_qt,lot\n%s,%s,4,\n" % (b["code"], item["sku"])
    path = "/inventory/count-session/%s/records/import" % skey
    dry, key = twice("POST", path, operator, csv=csv, params={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["message"] == "Import checked"
    # The query string is part of the request: the real import under the dry run's key is refused.
    assert send("POST", path, operator, key=key, csv=csv).status_code == 422
    real, _ = twice("POST", path, operator, csv=csv)
    assert real.status_code == 200 and real.json()["message"] == "Count records imported successfully"
    # The import replaced the operator's own count of that position, once.
    assert db_query("SELECT counted_qt, source FROM count_records WHERE session_id = ?", sid) == [["4", "import"]]


def test_a_stored_409_is_replayed(admin):
    code = unique("WH")
    new_warehouse(admin, code=code)
    first, _ = twice("POST", "/warehousing/warehouses", admin, json={"name": "dup", "code": code})
    assert first.status_code == 409


def wait_for(sql, timeout=5.0):
    """Polls sql (a COUNT) until it is not 0."""
    end = time.monotonic() + timeout
    while count(sql) == 0:
        assert time.monotonic() < end, "timed out waiting for: " + sql
        time.sleep(0.05)


def test_a_retry_while_the_first_runs_gets_409_at_once(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    item = new_item(admin)
    stock = new_stock(admin, wh["id"], item["id"], b["id"], quantity=10)
    body = {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"], "transaction_type": "pick",
            "quantity": 1, "from_bin_id": b["id"]}
    key = unique("slow")
    # A second database session holds the stock row, so the first request waits inside its transaction.
    holder = subprocess.Popen(
        ["mariadb", "--socket=" + DB_SOCKET, "-uroot", DB_NAME, "-e",
         "START TRANSACTION; SELECT quantity FROM stocks WHERE id = '%s' FOR UPDATE; SELECT SLEEP(60); COMMIT;"
         % stock["id"]], stdout=subprocess.DEVNULL)
    # Waits for each step instead of guessing how long it takes on a busy machine; the lock is held
    # until the retry has its answer, then let go by ending the holder's session.
    wait_for("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(60)'")
    out = {}
    first = threading.Thread(target=lambda: out.update(
        first=send("POST", "/warehousing/inventory-transactions", admin, key=key, json=body)))
    first.start()
    wait_for("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'")
    t0 = time.monotonic()
    retry = send("POST", "/warehousing/inventory-transactions", admin, key=key, json=body)
    took = time.monotonic() - t0
    for (conn,) in db_query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(60)'"):
        db_query("KILL " + conn)
    first.join()
    holder.wait()
    assert retry.status_code == 409, retry.text
    assert retry.json() == {"success": False, "message": BUSY, "code": "idempotency_key_in_use"}
    assert retry.headers.get("Retry-After") == "1"
    assert took < 2.0  # not the 60 s the lock is held: at once (with room for a busy machine)
    assert out["first"].status_code == 201
    # Once the first is done, a retry gets its answer.
    again = send("POST", "/warehousing/inventory-transactions", admin, key=key, json=body)
    assert (again.status_code, again.content) == (201, out["first"].content)
    assert count("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ? AND transaction_type = 'pick'",
                 stock["id"]) == 1


# ---- ETag and If-Match ----------------------------------------------------------------------------

def test_master_data_etag_and_if_match(admin):
    wh = new_warehouse(admin, name="before")
    path = "/warehousing/warehouses/" + wh["id"]
    got = send("GET", path, admin)
    tag = got.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2
    assert send("GET", path, admin).headers["ETag"] == tag
    changed = send("PATCH", path, admin, json={"name": "after"}, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    new_tag = changed.headers["ETag"]
    assert new_tag != tag and send("GET", path, admin).headers["ETag"] == new_tag
    # The tag read before that change is stale: 412, nothing written.
    stale = send("PATCH", path, admin, json={"name": "lost"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.json() == {"success": False, "message": STALE, "code": "precondition_failed"}
    assert db_query("SELECT name FROM warehouses WHERE id = ?", wh["id"]) == [["after"]]
    # "*" and no If-Match keep the plain PATCH.
    assert send("PATCH", path, admin, json={"name": "star"}, headers={"If-Match": "*"}).status_code == 200
    assert send("PATCH", path, admin, json={"name": "plain"}).status_code == 200


def test_stock_etag_changes_with_the_ledger(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    item = new_item(admin)
    stock = new_stock(admin, wh["id"], item["id"], b["id"], quantity=10)
    path = "/warehousing/stocks/" + stock["id"]
    tag = send("GET", path, admin).headers["ETag"]
    r = send("POST", "/warehousing/inventory-transactions", admin,
             json={"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
                   "transaction_type": "receive", "quantity": 1})
    assert r.status_code == 201
    assert send("GET", path, admin).headers["ETag"] != tag
    assert send("PATCH", path, admin, json={"lot_number": "L9"}, headers={"If-Match": tag}).status_code == 412


def test_count_session_etag_is_its_rev(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    skey = create(admin, simple_body([b["id"]]))
    path = "/inventory/count-session/" + skey
    got = send("GET", path, admin)
    rev = got.json()["count_session"]["_rev"]
    assert got.headers["ETag"] == '"%s"' % rev
    # If-Match must name the body's _rev.
    mixed = send("PUT", path, admin, json={"count_session": {"_rev": rev, "notes": "x"}},
                 headers={"If-Match": '"%s"' % (int(rev) + 7)})
    assert mixed.status_code == 412 and mixed.json()["message"] == STALE
    done = send("PUT", path, admin, json={"count_session": {"_rev": rev, "notes": "first"}},
                headers={"If-Match": '"%s"' % rev})
    assert done.status_code == 200, done.text
    new_rev = done.json()["count_session"]["_rev"]
    assert done.headers["ETag"] == '"%s"' % new_rev != '"%s"' % rev
    # The rev read before is stale: with If-Match the answer is 412 (without it, 409 as before).
    stale = send("PUT", path, admin, json={"count_session": {"_rev": rev, "notes": "second"}},
                 headers={"If-Match": '"%s"' % rev})
    assert stale.status_code == 412 and stale.json()["message"] == STALE
    assert send("PUT", path, admin, json={"count_session": {"_rev": rev, "notes": "third"}}).status_code == 409
    assert get(admin, skey)["count_session"]["notes"] == "first"


def test_transaction_notes_etag_and_if_match(admin):
    wh = new_warehouse(admin)
    item = new_item(admin)
    stock = new_stock(admin, wh["id"], item["id"], new_bin(admin, wh["id"])["id"], quantity=5)
    r = send("POST", "/warehousing/inventory-transactions", admin,
             json={"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
                   "transaction_type": "receive", "quantity": 1, "notes": "first"})
    assert r.status_code == 201, r.text
    path = "/warehousing/inventory-transactions/" + r.json()["inventory_transaction"]["id"]
    tag = send("GET", path, admin).headers["ETag"]
    assert tag.startswith('"') and send("GET", path, admin).headers["ETag"] == tag
    changed = send("PATCH", path, admin, json={"notes": "second"}, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] not in (None, tag)
    assert changed.headers["ETag"] == send("GET", path, admin).headers["ETag"]
    # Someone else's correction came between: the tag read before it is stale.
    stale = send("PATCH", path, admin, json={"notes": "lost"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.json() == {"success": False, "message": STALE, "code": "precondition_failed"}
    tid = path.rsplit("/", 1)[1]
    assert db_query("SELECT notes FROM inventory_transactions WHERE id = ?", tid) == [["second"]]
    assert send("PATCH", path, admin, json={"notes": "star"}, headers={"If-Match": "*"}).status_code == 200
    # A stale tag on a transaction that does not exist is still 404.
    gone = send("PATCH", "/warehousing/inventory-transactions/00000000-0000-4000-8000-000000000000", admin,
                json={"notes": "x"}, headers={"If-Match": tag})
    assert gone.status_code == 404


def test_user_etag_and_if_match(admin):
    name = unique("etag-user")
    created = send("POST", "/api/users", admin, json={"username": name, "password": "password-123"})
    assert created.status_code == 201, created.text
    path = "/api/users/" + created.json()["user"]["id"]
    tag = send("GET", path, admin).headers["ETag"]
    assert created.headers["ETag"] == tag
    changed = send("PATCH", path, admin, json={"first_name": "Ada"}, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] != tag
    stale = send("PATCH", path, admin, json={"first_name": "Lost"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    body = stale.json()
    assert (body["status"], body["message"], body["code"]) == (412, STALE, "precondition_failed")
    assert db_query("SELECT first_name FROM users WHERE username = ?", name) == [["Ada"]]
    assert send("PATCH", path, admin, json={"first_name": "Plain"}).status_code == 200
