"""Errors clients can act on (issue 16, point 5): a stable code and the field in both envelopes,
WWW-Authenticate on 401, 415 for bodies that are not JSON, Retry-After on 429, 201 with Location
on creates, and X-Request-Id on every answer."""
import re
import time
import uuid

import pytest
import requests

from conftest import auth_headers, url, unique
from ondi import call, new_bin, new_item, new_stock, new_warehouse

TX = "/warehousing/inventory-transactions"
COUNT = "/inventory/count-session"


def post(path, headers, **kw):
    return requests.post(url(path), headers=headers, timeout=30, **kw)


# ---- code and field ---------------------------------------------------------------------

def test_ondi_error_carries_code_and_field(admin):
    r = post(TX, admin, json={"warehouse_id": str(uuid.uuid4()), "item_id": str(uuid.uuid4()),
                              "stock_id": str(uuid.uuid4())})
    assert r.status_code == 400
    assert r.json() == {"success": False, "message": "Field required: transaction_type",
                        "code": "field_required", "field": "transaction_type"}


def test_ondi_domain_error_has_its_own_code(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    it = new_item(admin)
    st = new_stock(admin, wh["id"], it["id"], b["id"])
    r = post(TX, admin, json={"warehouse_id": wh["id"], "item_id": it["id"], "stock_id": st["id"],
                              "transaction_type": "pick", "quantity": 5, "from_bin_id": b["id"]})
    assert r.status_code == 409, r.text
    assert r.json() == {"success": False, "message": "Insufficient stock",
                        "code": "insufficient_stock"}


def test_not_found_code(admin):
    r = requests.get(url(TX + "/" + str(uuid.uuid4())), headers=admin, timeout=30)
    assert r.status_code == 404
    assert r.json() == {"success": False, "message": "Transaction not found",
                        "code": "transaction_not_found"}


def test_status_envelope_carries_code_and_field(admin):
    r = post(COUNT, admin, json={"count_session": {"type": "position"}, "assignments": []})
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["message"] == "Invalid assignments"
    assert body["code"] == "invalid_field" and body["field"] == "assignments"


def test_permission_code(viewer):
    r = post(TX, viewer, json={})
    assert r.status_code == 403
    assert r.json() == {"success": False, "message": "Insufficient permissions",
                        "code": "insufficient_permissions"}
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="stocktake", error="insufficient_scope"')


def test_oauth_errors_carry_code():
    r = post("/api/auth", {}, data={"username": "demo-admin", "password": "wrong"})
    assert r.status_code == 401
    body = r.json()
    assert body["message"] == "Incorrect username or password"
    assert body["error"] == "invalid_grant" and body["code"] == "invalid_credentials"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="stocktake"'


def test_nginx_errors_carry_code():
    r = requests.get(url("/nowhere"), timeout=30)
    assert r.status_code == 404
    assert r.json() == {"success": False, "message": "Not found", "code": "not_found"}
    r = requests.post(url("/warehousing/items"), data=b"x" * (1024 * 1024 + 10),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert r.json() == {"success": False, "message": "Request body too large",
                        "code": "payload_too_large"}


# ---- WWW-Authenticate -----------------------------------------------------------------------

def test_401_without_token_has_challenge():
    r = requests.get(url("/warehousing/items"), timeout=30)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="stocktake"'
    assert r.json() == {"success": False, "message": "Authentication required",
                        "code": "unauthorized"}


@pytest.mark.parametrize("path", ["/warehousing/items", TX, COUNT, "/api/auth/me", "/api/users"])
def test_401_bad_token_has_invalid_token_challenge(path):
    r = requests.get(url(path), headers={"Authorization": "Bearer nonsense"}, timeout=30)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == (
        'Bearer realm="stocktake", error="invalid_token", error_description="Invalid token"')
    assert r.json()["code"] == "invalid_token"


def test_admin_pages_keep_their_redirect():
    r = requests.get(url("/admin/"), allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303)
    assert "WWW-Authenticate" not in r.headers


# ---- 415 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("POST", "/warehousing/warehouses"), ("POST", TX),
                                         ("POST", COUNT), ("POST", "/api/users")])
def test_415_for_a_body_that_is_not_json(admin, method, path):
    r = requests.request(method, url(path), headers=dict(admin, **{"Content-Type": "text/plain"}),
                         data='{"name": "x"}', timeout=30)
    assert r.status_code == 415, r.text
    assert r.json()["message"] == "Unsupported media type"
    assert r.json()["code"] == "unsupported_media_type"


def test_415_on_patch_of_a_form(admin):
    wh = new_warehouse(admin)
    r = requests.patch(url("/warehousing/warehouses/" + wh["id"]), headers=admin,
                       data={"name": "x"}, timeout=30)
    assert r.status_code == 415
    assert r.json() == {"success": False, "message": "Unsupported media type",
                        "code": "unsupported_media_type"}


def test_json_types_accepted(admin):
    for ct in ("application/json; charset=utf-8", "application/merge-patch+json", None):
        headers = dict(admin)
        if ct:
            headers["Content-Type"] = ct
        r = post("/warehousing/warehouses", headers,
                 data='{"name": "%s", "code": "%s"}' % (unique("W"), unique("WH")))
        assert r.status_code == 201, (ct, r.text)


def test_login_form_and_empty_action_bodies_accepted(admin):
    r = post("/api/auth", {}, data={"username": "demo-admin", "password": "demo-admin"})
    assert r.status_code == 200
    # an action without a body, whatever its Content-Type, is not refused as a media type
    r = post(COUNT + "/" + str(uuid.uuid4()) + "/start", dict(admin, **{"Content-Type": "text/plain"}))
    assert r.status_code == 404


# ---- Retry-After on 429 ------------------------------------------------------------------------

def test_429_carries_retry_after():
    seen = None
    with requests.Session() as s:
        # GET is refused without hashing a password, fast enough to pass 10 r/s.
        for _ in range(300):
            r = s.get(url("/api/auth"), timeout=10)
            if r.status_code == 429:
                seen = r
                break
    time.sleep(5)  # the zone's burst refills, for the logins of the tests that follow
    assert seen is not None, "the login rate limit never answered 429"
    assert seen.headers["Retry-After"] == "1"
    assert seen.json()["code"] == "rate_limited"


# ---- 201 + Location -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["warehouses", "items"])
def test_master_data_create_has_location(admin, kind):
    body = {"name": unique("N"), "code": unique("C")} if kind == "warehouses" else \
        {"sku": unique("S"), "name": unique("N")}
    r = post("/warehousing/" + kind, admin, json=body)
    assert r.status_code == 201
    rec = r.json()[kind[:-1]]
    assert r.headers["Location"] == "/warehousing/%s/%s" % (kind, rec["id"])
    assert requests.get(url(r.headers["Location"]), headers=admin, timeout=30).status_code == 200


def test_transaction_create_has_location(admin):
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    it = new_item(admin)
    st = new_stock(admin, wh["id"], it["id"], b["id"])
    body = {"warehouse_id": wh["id"], "item_id": it["id"], "stock_id": st["id"],
            "transaction_type": "initial_stock", "quantity": 5, "to_bin_id": b["id"]}
    h = dict(admin, **{"Idempotency-Key": unique("k")})
    r = post(TX, h, json=body)
    assert r.status_code == 201, r.text
    loc = TX + "/" + r.json()["inventory_transaction"]["id"]
    assert r.headers["Location"] == loc
    # a keyed replay is the stored body (the id is in it), without the header
    again = post(TX, h, json=body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert TX + "/" + again.json()["inventory_transaction"]["id"] == loc


def test_user_create_has_location(admin):
    r = post("/api/users", admin, json={"username": unique("u"), "password": "a-long-password-1",
                                        "scopes": ["view:tenant"]})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/users/" + r.json()["user"]["id"]


# ---- X-Request-Id ---------------------------------------------------------------------------------

def test_request_id_generated_and_kept(admin):
    r = requests.get(url("/warehousing/items"), headers=admin, timeout=30)
    rid = r.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    mine = "client-" + uuid.uuid4().hex
    r = requests.get(url("/warehousing/items"), headers=dict(admin, **{"X-Request-Id": mine}),
                     timeout=30)
    assert r.headers["X-Request-Id"] == mine
    r = requests.get(url("/warehousing/items"),
                     headers=dict(admin, **{"X-Request-Id": "bad id with spaces"}), timeout=30)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])


def test_request_id_on_nginx_errors():
    r = requests.get(url("/nowhere"), headers={"X-Request-Id": "abc.def-1"}, timeout=30)
    assert r.status_code == 404 and r.headers["X-Request-Id"] == "abc.def-1"
