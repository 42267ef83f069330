"""The transaction routes (and the count-session create) that check their caller's user row inside their own query (route flag
user_in_query, lib/db/user_probe.h, auth_probe in lib/web/auth.c) answer exactly as if the row were read first:
a disabled, deleted or re-passworded user or a revoked scope is refused on every path of those
routes (a row found, none found, a bad id, an unknown warehouse, the CSV stream, a pick with and
without an Idempotency-Key) and nothing is written for them; the probe column never reaches a
client."""
import time

import pytest
import requests

from conftest import db_query, unique, url

PREFIX = "e2e-inq"
ITX = "/warehousing/inventory-transactions"


def api(method, path, tok, headers=None, **kw):
    return requests.request(method, url(path), timeout=10,
                            headers=dict(headers or {}, Authorization="Bearer " + tok), **kw)


def new_user(admin, scopes=("view:tenant",)):
    name = unique(PREFIX)
    r = requests.post(url("/api/users"), headers=admin, timeout=10, json={
        "username": name, "password": "s3cret-pass", "scopes": list(scopes)})
    assert r.status_code == 201, r.text
    time.sleep(0.12)  # nginx limits /api/auth to about 10 r/s
    r = requests.post(url("/api/auth"), data={"username": name, "password": "s3cret-pass"}, timeout=10)
    assert r.status_code == 200, r.text
    return db_query("SELECT id FROM users WHERE username = ?", name)[0][0], r.json()["access_token"]


@pytest.fixture(scope="module", autouse=True)
def cleanup():
    yield
    # The count sessions these users created (and their rows) first: they name their creator.
    mine = " JOIN count_sessions s ON s.id = x.session_id JOIN users u ON u.id = s.created_by WHERE u.username LIKE ?"
    for table in ("count_targets", "count_assignments"):
        db_query("DELETE x FROM %s x%s" % (table, mine), PREFIX + "-%")
    db_query("DELETE s FROM count_sessions s JOIN users u ON u.id = s.created_by WHERE u.username LIKE ?", PREFIX + "-%")
    db_query("DELETE FROM users WHERE username LIKE ?", PREFIX + "-%")


@pytest.fixture(scope="module")
def demo_rows(demo_tenant_id):
    """A transaction of the Demo tenant and its warehouse."""
    rows = db_query("SELECT id, warehouse_id FROM inventory_transactions WHERE tenant_id = ?"
                    " ORDER BY timestamp DESC LIMIT 1", demo_tenant_id)
    assert rows, "the demo data holds transactions"
    return {"tx": rows[0][0], "warehouse": rows[0][1]}


def paths(d):
    """Every path shape of the two routes: (name, path, status for an admitted caller)."""
    return [
        ("get", "%s/%s" % (ITX, d["tx"]), 200),
        ("get missing", "%s/%s" % (ITX, "00000000-0000-4000-8000-00000000dead"), 404),
        ("get bad id", "%s/%s" % (ITX, "not-a-uuid"), 404),
        ("get placeholder", "%s/:id" % ITX, 400),
        ("list", "%s?warehouse_id=%s&limit=5" % (ITX, d["warehouse"]), 200),
        ("list empty", "%s?search=%s" % (ITX, "no-such-thing-" + PREFIX), 200),
        ("list unknown warehouse", "%s?warehouse_id=%s" % (ITX, "00000000-0000-4000-8000-00000000dead"), 404),
        ("list bad filter", "%s?transaction_type=nonsense" % ITX, 400),
        ("csv", "%s?format=csv&warehouse_id=%s" % (ITX, d["warehouse"]), 200),
        ("csv unknown warehouse", "%s?format=csv&warehouse_id=%s" % (ITX, "00000000-0000-4000-8000-00000000dead"), 404),
    ]


def assert_ondi(r, status, message):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert {k: v for k, v in body.items() if k not in ("code", "field")} == \
        {"success": False, "message": message}
    assert body["code"], body
    return body


def test_admitted_caller_gets_every_answer(admin, demo_rows):
    _, tok = new_user(admin)
    for name, path, status in paths(demo_rows):
        r = api("GET", path, tok)
        assert r.status_code == status, (name, r.text[:300])
        assert "_caller" not in r.text, name
        assert "\x1f" not in r.text, name


@pytest.mark.parametrize("change, status, message", [
    ("disable", 401, "User disabled"),
    ("disable tenant", 401, "User disabled"),
    ("delete", 401, "Invalid token"),
    ("password", 401, "Invalid token"),
    ("scope", 403, "Insufficient permissions"),
])
def test_refused_on_every_path(admin, demo_rows, demo_tenant_id, change, status, message):
    uid, tok = new_user(admin)
    if change == "disable":
        db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    elif change == "delete":
        db_query("DELETE FROM users WHERE id = ?", uid)
    elif change == "password":
        db_query("UPDATE users SET tokens_valid_after = UNIX_TIMESTAMP() + 5 WHERE id = ?", uid)
    elif change == "scope":
        db_query("UPDATE users SET scopes = 'inventory:count:record' WHERE id = ?", uid)
    try:
        if change == "disable tenant":
            db_query("UPDATE tenants SET status = 'disabled' WHERE id = ?", demo_tenant_id)
        for name, path, _ in paths(demo_rows):
            assert_ondi(api("GET", path, tok), status, message)
    finally:
        if change == "disable tenant":
            db_query("UPDATE tenants SET status = 'active' WHERE id = ?", demo_tenant_id)


def test_head_is_refused_too(admin, demo_rows):
    uid, tok = new_user(admin)
    db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    r = requests.head(url("%s/%s" % (ITX, demo_rows["tx"])), timeout=10,
                      headers={"Authorization": "Bearer " + tok})
    assert r.status_code == 401


def test_token_scope_checked_before_the_row(admin, demo_rows):
    """A token that never had a read scope is refused up front; its user row still decides first."""
    uid, _ = new_user(admin, scopes=("view:tenant", "inventory:count:record"))
    username = db_query("SELECT username FROM users WHERE id = ?", uid)[0][0]
    time.sleep(0.12)
    r = requests.post(url("/api/auth"), timeout=10, data={
        "username": username, "password": "s3cret-pass", "scope": "inventory:count:record"})
    assert r.status_code == 200, r.text
    narrow = r.json()["access_token"]
    assert_ondi(api("GET", "%s/%s" % (ITX, demo_rows["tx"]), narrow), 403, "Insufficient permissions")
    db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    assert_ondi(api("GET", "%s/%s" % (ITX, demo_rows["tx"]), narrow), 401, "User disabled")


def test_other_tenant_named_is_refused_after_the_row(admin, demo_rows, acme_tenant_id):
    uid, tok = new_user(admin)
    path = "%s?tenant_id=%s" % (ITX, acme_tenant_id)
    assert_ondi(api("GET", path, tok), 403, "Insufficient permissions")
    db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    assert_ondi(api("GET", path, tok), 401, "User disabled")


def test_get_body_equals_the_unprobed_read(admin, operator, demo_rows):
    """GET (probed) and PATCH notes (read back without the probe) give the same transaction."""
    notes = db_query("SELECT notes FROM inventory_transactions WHERE id = ?", demo_rows["tx"])[0][0]
    r = requests.patch(url("%s/%s" % (ITX, demo_rows["tx"])), headers=operator, timeout=10,
                       json={"notes": notes})
    assert r.status_code == 200, r.text
    patched = r.json()["inventory_transaction"]
    got = requests.get(url("%s/%s" % (ITX, demo_rows["tx"])), headers=operator, timeout=10).json()
    assert got["inventory_transaction"] == patched


def executes():
    rows = db_query("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")
    return int(rows[0][1])


def statements_per_request(send, status, tries):
    """The statements the server executed for each of tries requests made by send(), each
    answering status: a list, so that a caller can take the least (anything else that ran at the
    same moment only adds)."""
    seen = []
    for _ in range(tries):
        before = executes()
        assert send().status_code == status
        seen.append(executes() - before)
    return seen


def test_one_statement_per_get_and_per_list_page(admin, demo_rows):
    """The round trips these routes save (docs/PERFORMANCE.md): a get is one statement, and so is
    a warehouse + type list page (its stats ride on the page query, issue 18); a warehouse list
    of every type reads its per-type stats on their own (2, as before). A page past the
    end proves nothing: the warehouse's look-up (which carries the user row the empty page could
    not) and the stats are read on their own (3; 4 before the second round of issue 18); a
    warehouse that is not the tenant's is refused after the page and the look-up, and the user
    row (3: the look-up finds no row to carry it). Counted on the server; the least of three
    tries, in case anything else ran at the same moment."""
    _, tok = new_user(admin)
    get = "%s/%s" % (ITX, demo_rows["tx"])
    page = "%s?warehouse_id=%s&limit=5" % (ITX, demo_rows["warehouse"])
    kind = db_query("SELECT transaction_type FROM inventory_transactions WHERE id = ?", demo_rows["tx"])[0][0]
    typed = page + "&transaction_type=" + kind
    past = page + "&page=10000"
    unknown = "%s?warehouse_id=00000000-0000-4000-8000-00000000dead&transaction_type=pick" % ITX
    for path, status, want in ((get, 200, 1), (page, 200, 2), (typed, 200, 1), (past, 200, 3),
                               (unknown, 404, 3)):
        api("GET", path, tok)  # prepares the statements of whichever worker answers
        seen = statements_per_request(lambda: api("GET", path, tok), status, 3)
        assert min(seen) == want, (path, seen)


# ---- the pick: the caller's row is read by the create's first read, before any write ----------

@pytest.fixture(scope="module")
def demo_stock(demo_tenant_id):
    rows = db_query("SELECT id, warehouse_id, item_id, bin_id FROM stocks WHERE tenant_id = ?"
                    " AND status = 'available' AND bin_id IS NOT NULL AND quantity >= 50"
                    " ORDER BY quantity DESC LIMIT 1", demo_tenant_id)
    assert rows, "the demo data holds a stock record to pick from"
    s = rows[0]
    return {"warehouse_id": s[1], "item_id": s[2], "stock_id": s[0], "transaction_type": "pick",
            "quantity": 1, "from_bin_id": s[3]}


def stock_quantity(stock_id):
    return int(db_query("SELECT quantity FROM stocks WHERE id = ?", stock_id)[0][0])


def written_by(uid):
    return int(db_query("SELECT COUNT(*) FROM inventory_transactions WHERE performed_by = ?", uid)[0][0])


def test_pick_by_admitted_caller(admin, demo_stock):
    uid, tok = new_user(admin, scopes=("manage:operations:tenant",))
    before = stock_quantity(demo_stock["stock_id"])
    api("POST", ITX, tok, json=dict(demo_stock, quantity=1))  # prepares this worker's statements
    seen = []
    for _ in range(3):
        n = executes()
        r = api("POST", ITX, tok, json=demo_stock)
        seen.append(executes() - n)
        assert r.status_code == 201, r.text
        assert r.json()["inventory_transaction"]["performed_by"] == uid
    assert stock_quantity(demo_stock["stock_id"]) == before - 4
    assert written_by(uid) == 4
    # No statement of its own for the user, nor for the performer (the caller), nor for the
    # warehouse: all are read by the first CALL (migration 011), the writes are the second.
    assert min(seen) == 2, seen


# What makes a writer's token fail: (change, status, message).
WRITER_REFUSALS = [
    ("disable", 401, "User disabled"),
    ("password", 401, "Invalid token"),
    ("scope", 403, "Insufficient permissions"),
]


def refuse_writer(uid, change):
    """Disables the user, changes their password (older tokens die) or leaves them only view:tenant."""
    if change == "disable":
        db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    elif change == "password":
        db_query("UPDATE users SET tokens_valid_after = UNIX_TIMESTAMP() + 5 WHERE id = ?", uid)
    else:
        db_query("UPDATE users SET scopes = 'view:tenant' WHERE id = ?", uid)


@pytest.mark.parametrize("change, status, message", WRITER_REFUSALS)
@pytest.mark.parametrize("keyed", [False, True])
def test_pick_refused_before_any_write(admin, demo_stock, change, status, message, keyed):
    uid, tok = new_user(admin, scopes=("manage:operations:tenant",))
    key = unique("inq-key")
    headers = {"Idempotency-Key": key} if keyed else {}
    if keyed:
        # A stored answer is not replayed to a refused caller either.
        r = api("POST", ITX, tok, json=demo_stock, headers=headers)
        assert r.status_code == 201, r.text
    refuse_writer(uid, change)
    before, count = stock_quantity(demo_stock["stock_id"]), written_by(uid)
    assert_ondi(api("POST", ITX, tok, json=demo_stock, headers=headers), status, message)
    # Bad input from a refused caller is refused as the caller, not as the input.
    assert_ondi(api("POST", ITX, tok, json=dict(demo_stock, quantity=-1)), status, message)
    assert_ondi(api("POST", ITX, tok, json=dict(demo_stock, stock_id="00000000-0000-4000-8000-00000000dead")),
                status, message)
    assert stock_quantity(demo_stock["stock_id"]) == before
    assert written_by(uid) == count


# ---- the count-session create: the caller's row comes with the create's first read -------------

CS = "/inventory/count-session"


@pytest.fixture(scope="module")
def demo_bin(demo_tenant_id):
    rows = db_query("SELECT id FROM bins WHERE tenant_id = ? ORDER BY code LIMIT 1", demo_tenant_id)
    assert rows, "the demo data holds bins"
    return rows[0][0]


def count_body(bin_id, **fields):
    session = dict({"type": "position", "description": unique("inq-count")}, **fields)
    return {"count_session": session,
            "assignments": [{"user_key": "user/demo-operator", "target_keys": [[bin_id]]}]}


def created_by(uid):
    return int(db_query("SELECT COUNT(*) FROM count_sessions WHERE created_by = ?", uid)[0][0])


def assert_status_error(r, status, message):
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert body["status"] == status and body["message"] == message, body
    assert "count_session" not in body and "_caller" not in r.text
    return body


def test_count_session_create_by_admitted_caller(admin, demo_bin):
    uid, tok = new_user(admin, scopes=("inventory:count:create", "view:tenant"))
    r = api("POST", CS, tok, json=count_body(demo_bin))
    assert r.status_code == 200, r.text
    assert r.json()["count_session"]["created_by"].startswith("user/" + PREFIX)
    assert "_caller" not in r.text and "\x1f" not in r.text
    assert created_by(uid) == 1


@pytest.mark.parametrize("change, status, message", WRITER_REFUSALS)
@pytest.mark.parametrize("keyed", [False, True])
def test_count_session_create_refused_before_any_write(admin, demo_bin, change, status, message, keyed):
    uid, tok = new_user(admin, scopes=("inventory:count:create", "view:tenant"))
    headers = {"Idempotency-Key": unique("inq-key")} if keyed else {}
    body = count_body(demo_bin)
    if keyed:
        # A stored answer is not replayed to a refused caller either.
        assert api("POST", CS, tok, json=body, headers=headers).status_code == 200
    refuse_writer(uid, change)
    count = created_by(uid)
    assert_status_error(api("POST", CS, tok, json=body, headers=headers), status, message)
    # Bad input from a refused caller is refused as the caller, not as the input: a body that
    # never reaches the database, an unknown user, a taken code.
    assert_status_error(api("POST", CS, tok, json={"assignments": []}), status, message)
    bad_user = count_body(demo_bin)
    bad_user["assignments"][0]["user_key"] = "user/nobody-" + PREFIX
    assert_status_error(api("POST", CS, tok, json=bad_user), status, message)
    taken = db_query("SELECT code FROM count_sessions LIMIT 1")[0][0]
    assert_status_error(api("POST", CS, tok, json=count_body(demo_bin, code=taken)), status, message)
    assert created_by(uid) == count


# ---- the admin pages: the transactions list and a transaction -------------------------------

def admin_get(path, tok):
    return requests.get(url(path), cookies={"stocktake_token": tok}, allow_redirects=False, timeout=10)


def admin_paths(d):
    return [
        "/admin/transactions",
        "/admin/transactions?warehouse_id=%s" % d["warehouse"],
        "/admin/transactions?search=no-such-thing-%s" % PREFIX,
        "/admin/transactions?warehouse_id=00000000-0000-4000-8000-00000000dead",
        "/admin/transactions?transaction_type=nonsense",
        "/admin/transactions?format=csv",
        "/admin/transactions/%s" % d["tx"],
        "/admin/transactions/00000000-0000-4000-8000-00000000dead",
    ]


def test_admin_pages_admitted(admin, demo_rows):
    uid, tok = new_user(admin)
    username = db_query("SELECT username FROM users WHERE id = ?", uid)[0][0]
    for path, status in zip(admin_paths(demo_rows), (200, 200, 200, 404, 400, 200, 200, 404)):
        r = admin_get(path, tok)
        assert r.status_code == status, (path, r.status_code)
        assert "_caller" not in r.text and "\x1f" not in r.text, path
        if r.headers["Content-Type"].startswith("text/html"):
            # The frame shows the settled caller, whether the page found rows or not.
            assert username in r.text, path


@pytest.mark.parametrize("change", ["disable", "scope"])
def test_admin_pages_refused_like_other_pages(admin, demo_rows, change):
    """Each flagged page answers a refused caller exactly as an unflagged page (/admin/stocks) does."""
    uid, tok = new_user(admin)
    username = db_query("SELECT username FROM users WHERE id = ?", uid)[0][0]
    r = admin_get("/admin/transactions?search=no-such-thing-%s" % PREFIX, tok)
    assert r.status_code == 200 and username in r.text
    if change == "disable":
        db_query("UPDATE users SET status = 'disabled' WHERE id = ?", uid)
    else:
        db_query("UPDATE users SET scopes = 'inventory:count:record' WHERE id = ?", uid)
    reference = admin_get("/admin/stocks", tok)
    assert reference.status_code == (303 if change == "disable" else 403)
    for path in admin_paths(demo_rows):
        r = admin_get(path, tok)
        assert r.status_code == reference.status_code, (path, r.status_code)
        assert r.headers.get("Content-Type") == reference.headers.get("Content-Type"), path
        assert r.headers.get("Set-Cookie") == reference.headers.get("Set-Cookie"), path
        if change == "disable":
            assert r.headers["Location"].startswith("/admin/login?next="), path
            assert r.content == b""
        else:
            assert "Insufficient permissions" in r.text, path


def test_admin_list_statements(admin, demo_tenant_id):
    """The admin list with a warehouse and a type: one statement, the page (the user row comes
    with it, and so do the stats, as on the API's list, and the fingerprint of the warehouse
    filter's choices, which a worker that has read them keeps: html/choices.h; items are a search
    picker, which costs nothing until an item is chosen). A warehouse beyond the select's first
    300 in code order (e2e runs pile warehouses up in Demo) costs a look-up of its own. The
    warehouse is one with picks, whatever other suites left in Demo before this one. Each worker
    reads the choices once (8 workers): the least of 16 tries is a worker's second page. A page
    past the end carries nothing: the page, the choices (no fingerprint to trust a kept copy
    with), the stats and the user row, which brings the time column's zone along (4; 5 before
    the second round of issue 18, when the zone was read on its own)."""
    _, tok = new_user(admin)
    listed = [r[0] for r in db_query("SELECT id FROM warehouses WHERE tenant_id = ? ORDER BY code LIMIT 300",
                                     demo_tenant_id)]
    picked = db_query("SELECT warehouse_id FROM inventory_transactions WHERE tenant_id = ?"
                      " AND transaction_type = 'pick' ORDER BY timestamp DESC LIMIT 1", demo_tenant_id)
    assert picked, "the demo data holds picks"
    warehouse = picked[0][0]
    path = "/admin/transactions?warehouse_id=%s&transaction_type=pick" % warehouse
    assert admin_get(path, tok).status_code == 200
    seen = statements_per_request(lambda: admin_get(path, tok), 200, 16)
    assert min(seen) == (1 if warehouse in listed else 2), seen
    assert max(seen) <= (2 if warehouse in listed else 3), seen
    past = path + "&page=100000"
    assert admin_get(past, tok).status_code == 200
    seen = statements_per_request(lambda: admin_get(past, tok), 200, 3)
    assert min(seen) == (4 if warehouse in listed else 5), seen
