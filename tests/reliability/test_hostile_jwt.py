"""Hostile JWTs against reads and writes of every endpoint group: all refused, nothing read, nothing written.

Each case (a forged, foreign, expired or otherwise bad token) is sent to every target below: reads and
writes of the four JSON groups with a bearer token and of the admin pages with the session cookie (and a
form token that would be valid for that cookie). A refusal must carry only the error envelope (401/403;
the pages redirect to the login form), and no table may change. The positive controls send the same
requests with a good token and must succeed and (for writes) change the database, so every refusal
below is the token's doing.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import db_query, login, unique, url
from hostile import assert_error_envelope, db_snapshot, snapshot_diff
from ondi import new_bin, new_item, new_stock, new_warehouse
from test_auth import AUD, ISS, b64url, secret

ALL_SCOPES = ("admin library production operator view:tenant manage:operations:tenant "
              "inventory:count:create inventory:count:record inventory:count:apply")
TOKEN_COOKIE = "stocktake_token"


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


def hs(signing_input, key=None, digest=hashlib.sha256):
    return b64url(hmac.new(key if key is not None else secret(), signing_input.encode(), digest).digest())


def jwt(claims, header=None, sign="HS256", key=None):
    """A token built by hand; sign is HS256/HS384/HS512, 'RS256' (a fresh RSA key), or None (no signature)."""
    hdr = header if header is not None else {"alg": sign or "none", "typ": "JWT"}
    signing_input = b64url(compact(hdr)) + "." + b64url(compact(claims))
    if sign is None:
        return signing_input + "."
    if sign == "RS256":
        return signing_input + "." + rs256(signing_input)
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[sign]
    return signing_input + "." + hs(signing_input, key, digest)


def rs256(signing_input):
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "key.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                             check=True, capture_output=True).stdout
    return b64url(sig)


def csrf_for(token):
    """The admin pages' form token for a session token (lib/web/csrf.c: HS256 of {"csrf": signature})."""
    parts = token.split(".")
    sig = parts[2] if len(parts) == 3 else ""
    signing_input = b64url(compact({"alg": "HS256", "typ": "JWT"})) + "." + b64url(compact({"csrf": sig}))
    return hs(signing_input, b"stocktake-csrf:" + secret())


def user_row(username):
    r = db_query("SELECT id, tenant_id FROM users WHERE username = ?", username)[0]
    return {"id": r[0], "tenant_id": r[1]}


def claims(user, **over):
    now = int(time.time())
    c = {"sub": user["id"], "tenant_id": user["tenant_id"], "scope": ALL_SCOPES, "iss": ISS,
         "aud": AUD, "iat": now - 5, "exp": now + 600}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


# ---- the cases: name -> (token builder, expected refusal status) ---------------------------------

def _real():
    return login("demo-admin")


def _with_sig(token, sig):
    return token.rsplit(".", 1)[0] + "." + sig


def _tampered(field, value):
    def build(ctx):
        head, payload, sig = _real().split(".")
        p = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        p[field] = value(ctx) if callable(value) else value
        return head + "." + b64url(compact(p)) + "." + sig
    return build


def _alg_none(alg, signed):
    def build(ctx):
        tok = jwt(claims(ctx["admin"]), header={"alg": alg, "typ": "JWT"}, sign=None)
        if signed == "hs256":
            return tok + hs(tok[:-1])
        if signed == "copied":
            return tok + _real().split(".")[2]
        return tok
    return build


def _disabled_user_token(ctx):
    return ctx["disabled_token"]


NOW = int(time.time())
CASES = {
    "alg-none-unsigned": (_alg_none("none", None), 401),
    "alg-None-unsigned": (_alg_none("None", None), 401),
    "alg-NONE-unsigned": (_alg_none("NONE", None), 401),
    "alg-none-with-hs256-signature": (_alg_none("none", "hs256"), 401),
    "alg-None-with-hs256-signature": (_alg_none("None", "hs256"), 401),
    "alg-NONE-with-copied-signature": (_alg_none("NONE", "copied"), 401),
    "alg-missing": (lambda c: jwt(claims(c["admin"]), header={"typ": "JWT"}), 401),
    "alg-hs256-lowercase": (lambda c: jwt(claims(c["admin"]), header={"alg": "hs256", "typ": "JWT"}), 401),
    "alg-twice-last-none": (lambda c: b64url('{"alg":"HS256","alg":"none"}') + "." +
                            b64url(compact(claims(c["admin"]))) + ".", 401),
    "hs256-other-key": (lambda c: jwt(claims(c["admin"]), key=b"attacker-key-" * 5), 401),
    "hs256-empty-key": (lambda c: jwt(claims(c["admin"]), key=b""), 401),
    "hs384-same-secret": (lambda c: jwt(claims(c["admin"]), sign="HS384"), 401),
    "hs512-same-secret": (lambda c: jwt(claims(c["admin"]), sign="HS512"), 401),
    "rs256-own-key": (lambda c: jwt(claims(c["admin"]), sign="RS256"), 401),
    "rs256-header-hmac-with-secret": (lambda c: jwt(claims(c["admin"]), header={"alg": "RS256", "typ": "JWT"}),
                                      401),
    "tampered-payload-scope": (_tampered("scope", ALL_SCOPES + " superuser"), 401),
    "tampered-payload-sub": (_tampered("sub", lambda c: c["viewer"]["id"]), 401),
    "tampered-payload-tenant": (_tampered("tenant_id", lambda c: c["acme"]["tenant_id"]), 401),
    "tampered-payload-exp": (_tampered("exp", NOW + 10 ** 8), 401),
    "signature-truncated": (lambda c: _real()[:-6], 401),
    "signature-one-char-changed": (lambda c: _real()[:-2] + ("A" if _real()[-2] != "A" else "B") +
                                   _real()[-1], 401),
    "signature-stripped": (lambda c: _with_sig(_real(), ""), 401),
    "signature-and-dot-stripped": (lambda c: _real().rsplit(".", 1)[0], 401),
    "four-parts": (lambda c: _real() + "." + _real().split(".")[2], 401),
    "expired": (lambda c: jwt(claims(c["admin"], iat=NOW - 7200, exp=NOW - 3600)), 401),
    "expired-one-second": (lambda c: jwt(claims(c["admin"], exp=int(time.time()) - 1)), 401),
    "nbf-in-future": (lambda c: jwt(claims(c["admin"], nbf=NOW + 3600)), 401),
    "nbf-non-numeric": (lambda c: jwt(claims(c["admin"], nbf="0")), 401),
    "iat-in-future": (lambda c: jwt(claims(c["admin"], iat=NOW + 3600, exp=NOW + 7200)), 401),
    "exp-missing": (lambda c: jwt(claims(c["admin"], exp=None)), 401),
    "exp-string": (lambda c: jwt(claims(c["admin"], exp=str(NOW + 600))), 401),
    "exp-float": (lambda c: jwt(claims(c["admin"], exp=NOW + 600.5)), 401),
    "exp-null": (lambda c: jwt(dict(claims(c["admin"]), exp=None)), 401),
    "exp-bool": (lambda c: jwt(claims(c["admin"], exp=True)), 401),
    "iss-wrong": (lambda c: jwt(claims(c["admin"], iss="evil")), 401),
    "iss-missing": (lambda c: jwt(claims(c["admin"], iss=None)), 401),
    "aud-wrong": (lambda c: jwt(claims(c["admin"], aud="other-api")), 401),
    "aud-missing": (lambda c: jwt(claims(c["admin"], aud=None)), 401),
    "aud-list-without-ours": (lambda c: jwt(claims(c["admin"], aud=["a", "b"])), 401),
    "sub-unknown": (lambda c: jwt(claims(c["admin"], sub="00000000-0000-4000-8000-000000000000")), 401),
    "sub-missing": (lambda c: jwt(claims(c["admin"], sub=None)), 401),
    "sub-number": (lambda c: jwt(claims(c["admin"], sub=1)), 401),
    "tenant-missing": (lambda c: jwt(claims(c["admin"], tenant_id=None)), 401),
    "tenant-a-user-with-tenant-b-claim": (lambda c: jwt(claims(c["admin"], tenant_id=c["acme"]["tenant_id"])), 401),
    "tenant-b-user-with-tenant-a-claim": (lambda c: jwt(claims(c["acme"], tenant_id=c["admin"]["tenant_id"])), 401),
    "disabled-user": (_disabled_user_token, 401),
    "garbage": (lambda c: "not-a-token", 401),
    "oversized": (lambda c: _real() + "A" * 5000, 401),
}
# A good token of tenant Acme that names tenant Demo in the query: the tenant guard refuses it.
FOREIGN_TENANT_QUERY = "tenant-b-token-with-tenant-a-query"


# ---- the targets: what each case is sent to ---------------------------------------------------

def _place(h):
    wh = new_warehouse(h)
    b = new_bin(h, wh["id"])
    item = new_item(h)
    return wh, b, item, new_stock(h, wh["id"], item["id"], b["id"], quantity=10)


def _receive(place):
    wh, b, item, stock = place
    return {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
            "transaction_type": "receive", "quantity": 1}


def _count_session(h):
    wh, b, item, stock = _place(h)
    body = {"count_session": {"type": "position", "description": unique("jwt")},
            "assignments": [{"user_key": "user/demo-operator", "target_keys": [[b["id"]]]}]}
    r = requests.post(url("/inventory/count-session"), json=body, headers=h, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["detail"]


def _transaction(h):
    r = requests.post(url("/warehousing/inventory-transactions"), json=_receive(_place(h)), headers=h, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["inventory_transaction"]["id"]


def _user(h):
    body = {"username": unique("jwt"), "password": "jwt-pass-123", "scopes": ["view:tenant"]}
    r = requests.post(url("/api/users"), json=body, headers=h, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"]


# name -> (method, path, request kwargs, success status) built with demo-admin's headers h.
TARGETS = {
    "auth GET /api/auth/me": lambda h: ("GET", "/api/auth/me", {}, 200),
    "auth GET /api/users": lambda h: ("GET", "/api/users", {}, 200),
    "auth POST /api/users": lambda h: ("POST", "/api/users", {"json": {
        "username": unique("jwt"), "password": "jwt-pass-123", "scopes": ["view:tenant"]}}, 201),
    "auth PATCH /api/users/:id": lambda h: ("PATCH", "/api/users/" + _user(h), {"json": {"first_name": "M"}}, 200),
    "master GET /warehousing/stocks": lambda h: ("GET", "/warehousing/stocks", {}, 200),
    "master GET /warehousing/items/:id": lambda h: ("GET", "/warehousing/items/" + new_item(h)["id"], {}, 200),
    "master POST /warehousing/items": lambda h: ("POST", "/warehousing/items", {"json": {
        "sku": unique("JWT"), "name": "jwt"}}, 201),
    "master DELETE /warehousing/warehouses/:id": lambda h: (
        "DELETE", "/warehousing/warehouses/" + new_warehouse(h)["id"], {}, 200),
    "itx GET /warehousing/inventory-transactions": lambda h: ("GET", "/warehousing/inventory-transactions", {}, 200),
    "itx GET /warehousing/inventory-transactions/:id": lambda h: (
        "GET", "/warehousing/inventory-transactions/" + _transaction(h), {}, 200),
    "itx POST /warehousing/inventory-transactions": lambda h: (
        "POST", "/warehousing/inventory-transactions", {"json": _receive(_place(h))}, 201),
    "itx PATCH /warehousing/inventory-transactions/:id": lambda h: (
        "PATCH", "/warehousing/inventory-transactions/" + _transaction(h), {"json": {"notes": "M"}}, 200),
    "count GET /inventory/count-session": lambda h: ("GET", "/inventory/count-session", {}, 200),
    "count GET /inventory/count-session/:key": lambda h: ("GET", "/inventory/count-session/" + _count_session(h),
                                                          {}, 200),
    "count POST /inventory/count-session": lambda h: ("POST", "/inventory/count-session", {"json": {
        "count_session": {"type": "position", "description": unique("jwt")},
        "assignments": [{"user_key": "user/demo-operator", "target_keys": [[_place(h)[1]["id"]]]}]}}, 200),
    "count POST /inventory/count-session/:key/cancel": lambda h: (
        "POST", "/inventory/count-session/%s/cancel" % _count_session(h), {}, 200),
    "admin GET /admin/transactions": lambda h: ("GET", "/admin/transactions", {}, 200),
    "admin GET /admin/count-sessions/:id": lambda h: ("GET", "/admin/count-sessions/" + _count_session(h), {}, 200),
    "admin POST /admin/count-sessions/:id/cancel": lambda h: (
        "POST", "/admin/count-sessions/%s/cancel" % _count_session(h), {"data": {}}, 303),
}


def send(method, path, kw, token, query=None):
    """The request with token as bearer (JSON groups) or as session cookie plus its form token (pages)."""
    kw = dict(kw)
    if path.startswith("/admin"):
        kw["cookies"] = {TOKEN_COOKIE: token}
        if "data" in kw:
            kw["data"] = dict(kw["data"], csrf=csrf_for(token))
    else:
        kw["headers"] = {"Authorization": "Bearer " + token}
    return requests.request(method, url(path), params=query, allow_redirects=False, timeout=30, **kw)


@pytest.fixture(scope="module")
def ctx():
    admin = user_row("demo-admin")
    h = {"Authorization": "Bearer " + login("demo-admin")}
    # A user with every scope, signed in, then disabled: the token is genuine but must stop working.
    name = unique("jwt-disabled")
    r = requests.post(url("/api/users"), headers=h, timeout=30, json={
        "username": name, "password": "disabled-pass-1", "scopes": ALL_SCOPES.split()})
    assert r.status_code == 201, r.text
    uid = r.json()["user"]["id"]
    token = login(name, "disabled-pass-1")
    assert requests.get(url("/api/auth/me"), headers={"Authorization": "Bearer " + token}, timeout=10).ok
    r = requests.patch(url("/api/users/" + uid), headers=h, json={"status": "disabled"}, timeout=30)
    assert r.status_code == 200, r.text
    return {"admin": admin, "viewer": user_row("demo-viewer"), "acme": user_row("acme-admin"),
            "disabled_token": token, "h": h}


def test_csrf_replica_matches_the_pages():
    """The form token computed here is the one the pages issue, so refused admin POSTs are the token's doing."""
    token = login("demo-admin")
    r = requests.get(url("/admin/"), cookies={TOKEN_COOKIE: token}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    assert 'name="csrf" value="%s"' % csrf_for(token) in r.text


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_positive_control_good_token_is_accepted(ctx, target):
    method, path, kw, ok_status = TARGETS[target](ctx["h"])
    before = db_snapshot()
    r = send(method, path, kw, login("demo-admin"))
    assert r.status_code == ok_status, r.text[:500]
    if method != "GET":
        assert snapshot_diff(before, db_snapshot()), "the control write changed nothing: the check would be blind"


def assert_refused(r, path, status):
    if path.startswith("/admin") and status == 401:
        # The pages answer a bad session by sending the browser to the login form, with no content.
        assert r.status_code == 303, (r.status_code, r.text[:300])
        assert r.headers["Location"].startswith("/admin/login"), r.headers
        assert r.text == ""
        return
    assert_error_envelope(r, status, path=path)


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("case", sorted(CASES) + [FOREIGN_TENANT_QUERY])
def test_hostile_token_is_refused(ctx, case, target):
    method, path, kw, ok_status = TARGETS[target](ctx["h"])
    if case == FOREIGN_TENANT_QUERY:
        token, status, query = login("acme-admin"), 403, {"tenant_id": ctx["admin"]["tenant_id"]}
    else:
        build, status = CASES[case]
        token, query = build(ctx), None
    before = db_snapshot()
    r = send(method, path, kw, token, query)
    assert_refused(r, path, status)
    assert not snapshot_diff(before, db_snapshot()), "written despite the refusal"
