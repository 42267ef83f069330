"""The transaction reads that check their caller's user row inside their own query (route flag
user_in_query, lib/auth.c auth_settle_probe) answer exactly as if the row were read first:
a disabled, deleted or re-passworded user or a revoked scope is refused on every path of those
routes (a row found, none found, a bad id, an unknown warehouse, the CSV stream), and the probe
column never reaches a client."""
import time

import pytest
import requests

from conftest import db_query, unique, url

PREFIX = "e2e-inq"
ITX = "/warehousing/inventory-transactions"


def api(method, path, tok, **kw):
    return requests.request(method, url(path), headers={"Authorization": "Bearer " + tok},
                            timeout=10, **kw)


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
    assert body == {"success": False, "message": message}
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


def test_one_statement_per_get_and_two_per_list_page(admin, demo_rows):
    """The round trips these routes save (docs/PERFORMANCE.md): a get is one statement, a
    warehouse + type list page two (stats and page). Counted on the server; the least of three
    tries, in case anything else ran at the same moment."""
    _, tok = new_user(admin)
    get = "%s/%s" % (ITX, demo_rows["tx"])
    page = "%s?warehouse_id=%s&limit=5" % (ITX, demo_rows["warehouse"])
    for path, want in ((get, 1), (page, 2)):
        api("GET", path, tok)  # prepares the statements of whichever worker answers
        seen = []
        for _ in range(3):
            before = executes()
            assert api("GET", path, tok).status_code == 200
            seen.append(executes() - before)
        assert min(seen) == want, (path, seen)
