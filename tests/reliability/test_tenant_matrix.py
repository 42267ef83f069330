"""Tenant isolation: every route with an id, called by tenant Acme on tenant Demo's objects, is 404 and writes nothing.

The matrix is generated from the handlers' route tables (`<handler> --routes`), so a new route with an id
is covered as soon as it is built; a route whose id kind has no factory below fails with a clear message.
"""
import re

import pytest
import requests

from admin_web import form_token, page, sign_in
from conftest import unique, url
from hostile import assert_error_envelope, db_snapshot, routes, snapshot_diff
from ondi import new_bin, new_item, new_stock, new_warehouse

PLACEHOLDER = re.compile(r"/:([A-Za-z_]+)")


def _ok(r, status):
    assert r.status_code == status, (r.request.method, r.url, r.text[:500])
    return r.json()


def _user(h):
    body = {"username": unique("matrix"), "password": "matrix-pass-1", "scopes": ["view:tenant"]}
    return _ok(requests.post(url("/api/users"), json=body, headers=h, timeout=30), 201)["user"]["id"]


def _place(h):
    wh = new_warehouse(h)
    b = new_bin(h, wh["id"])
    item = new_item(h)
    stock = new_stock(h, wh["id"], item["id"], b["id"], quantity=20)
    return wh, b, item, stock


def _transaction(h):
    wh, b, item, stock = _place(h)
    body = {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
            "transaction_type": "receive", "quantity": 5}
    r = requests.post(url("/warehousing/inventory-transactions"), json=body, headers=h, timeout=30)
    return _ok(r, 201)["inventory_transaction"]["id"]


def _count_session(h):
    wh, b, item, stock = _place(h)
    body = {"count_session": {"type": "position", "description": unique("matrix")},
            "assignments": [{"user_key": "user/demo-operator", "target_keys": [[b["id"]]]}]}
    key = _ok(requests.post(url("/inventory/count-session"), json=body, headers=h, timeout=30), 200)["detail"]
    # Started, so that every action route (records, complete, apply...) reaches its lookup.
    _ok(requests.post(url("/inventory/count-session/%s/start" % key), headers=h, timeout=30), 200)
    return key


# The kind of id a placeholder stands for is named by the path segment before it.
FACTORIES = {
    "users": _user,
    "warehouses": lambda h: new_warehouse(h)["id"],
    "bins": lambda h: _place(h)[1]["id"],
    "items": lambda h: new_item(h)["id"],
    "stocks": lambda h: _place(h)[3]["id"],
    "inventory-transactions": _transaction,
    "transactions": _transaction,
    "count-session": _count_session,
    "count-sessions": _count_session,
}


def id_routes():
    """(group, method, pattern, kind) of every route whose path carries an id."""
    out = []
    for group, method, pattern, scopes in routes():
        m = PLACEHOLDER.search(pattern)
        if m:
            kind = pattern[:m.start()].rsplit("/", 1)[-1]
            out.append((group, method, pattern, kind))
    return out


ID_ROUTES = id_routes()


# A valid change of each kind of object, so that only the foreign id can refuse the write.
UPDATES = {
    "users": lambda path, h: {"first_name": "Mallory"},
    "warehouses": lambda path, h: {"name": unique("Mallory")},
    "bins": lambda path, h: {"code": unique("M")},
    "items": lambda path, h: {"name": unique("Mallory")},
    "stocks": lambda path, h: {"lot_number": "MALLORY"},
    "inventory-transactions": lambda path, h: {"notes": "Mallory"},
    "count-session": lambda path, h: {"count_session": {
        "notes": "Mallory", "_rev": _ok(requests.get(url(path), headers=h, timeout=30), 200)["count_session"]["_rev"]}},
}


def body_for(pattern, method, kind, path, demo, admin):
    """A well-formed body for the route, naming Demo's own objects, so that only the foreign id can refuse it."""
    if method in ("PATCH", "PUT"):
        assert kind in UPDATES, "no update body for %s %s: add one to UPDATES" % (method, pattern)
        return {"json": UPDATES[kind](path, admin)}
    if pattern.endswith("/records/import"):
        return {"data": "bin_code,item_sku,counted_qt\nA-01-01,ITEM-001,1\n", "headers": {"Content-Type": "text/csv"}}
    if pattern.endswith(("/records", "/records/resolve")):
        return {"json": {"bin_id": demo["bin"], "item_id": demo["item"], "counted_qt": 1}}
    if method == "POST":
        return {"json": {}}
    return {}


@pytest.fixture(scope="module")
def demo_refs(admin):
    wh, b, item, stock = _place(admin)
    return {"bin": b["id"], "item": item["id"]}


@pytest.fixture(scope="module")
def acme_web():
    s = sign_in("acme-admin")
    s.csrf = form_token(page(s, "/admin/").text)
    return s


def test_every_id_route_is_in_the_matrix():
    """Each id placeholder's kind has a factory: a new kind of id must be added here, not skipped."""
    assert len(ID_ROUTES) >= 30, ID_ROUTES
    missing = sorted({(p, k) for g, m, p, k in ID_ROUTES if k not in FACTORIES})
    assert not missing, "routes with an id of a kind the tenant matrix cannot create: %s" % missing


@pytest.mark.parametrize("group,method,pattern,kind", ID_ROUTES,
                         ids=["%s %s" % (m, p) for g, m, p, k in ID_ROUTES])
def test_foreign_tenant_gets_404_and_changes_nothing(group, method, pattern, kind, admin, acme, acme_web, demo_refs):
    assert kind in FACTORIES, "no way to create a Demo id of kind %r for %s %s" % (kind, method, pattern)
    demo_id = FACTORIES[kind](admin)
    path = PLACEHOLDER.sub("/" + demo_id, pattern, count=1)
    assert not PLACEHOLDER.search(path), "route with two ids: extend the matrix for %s" % pattern
    kw = body_for(pattern, method, kind, path, demo_refs, admin)
    if group == "admin":
        # Pages: tenant Acme's signed-in browser session, with its own valid form token.
        if method == "POST":
            kw = {"data": {"csrf": acme_web.csrf}}
        send = lambda: acme_web.request(method, url(path), allow_redirects=False, timeout=30, **kw)
    else:
        headers = dict(acme, **kw.pop("headers", {}))
        send = lambda: requests.request(method, url(path), headers=headers, timeout=30, **kw)
    before = db_snapshot()
    r = send()
    changed = snapshot_diff(before, db_snapshot())
    assert_error_envelope(r, 404)
    assert not changed, "tables written by Acme's %s %s: %s" % (method, path, changed)
    # Positive control: the id is real, Demo itself can read it.
    if method == "GET" and group != "admin":
        assert requests.get(url(path), headers=admin, timeout=30).status_code == 200, path
