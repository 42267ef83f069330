"""E2E tests of login (POST /api/auth), /api/auth/me and token checking: forged, expired and foreign tokens."""
import base64
import hashlib
import hmac
import json
import os
import time

import pytest
import requests

from conftest import ROOT, db_query, login, url

ALL_SCOPES = ("admin library production operator view:tenant manage:operations:tenant "
              "inventory:count:create inventory:count:record inventory:count:apply").split()


def _config():
    """jwt_issuer / jwt_audience from the devstack config (defaults of lib/base/env.h otherwise)."""
    conf = {"jwt_issuer": "stocktake", "jwt_audience": "stocktake-api"}
    try:
        with open(os.path.join(ROOT, "var", "stocktake.conf")) as f:
            for line in f:
                line = line.split("#", 1)[0]
                if "=" in line:
                    k, v = line.split("=", 1)
                    conf[k.strip()] = v.strip()
    except OSError:
        pass
    return conf


CONF = _config()
ISS = CONF["jwt_issuer"]
AUD = CONF["jwt_audience"]


def secret():
    with open(os.path.join(ROOT, "var", "jwt_secret"), "rb") as f:
        return f.read().rstrip()


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_token(claims, alg="HS256", key=None, header=None):
    """A JWT built by hand: HS256/HS384/HS512 signed with key (default: the devstack secret), 'none' unsigned."""
    hdr = header if header is not None else {"alg": alg, "typ": "JWT"}
    signing_input = b64url(json.dumps(hdr, separators=(",", ":"))) + "." + b64url(json.dumps(claims, separators=(",", ":")))
    digests = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    if alg in digests:
        sig = hmac.new(key if key is not None else secret(), signing_input.encode(), digests[alg]).digest()
        return signing_input + "." + b64url(sig)
    return signing_input + "."


def payload_of(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def bearer(token):
    return {"Authorization": "Bearer " + token}


def me(token):
    return requests.get(url("/api/auth/me"), headers=bearer(token), timeout=10)


def post_login(data=None, json_body=None, **kw):
    # nginx limits /api/auth to about 10 r/s: keep well below it.
    time.sleep(0.12)
    return requests.post(url("/api/auth"), data=data, json=json_body, timeout=10, **kw)


@pytest.fixture(scope="module")
def demo_admin_row():
    row = db_query("SELECT id, tenant_id FROM users WHERE username = 'demo-admin'")[0]
    return {"id": row[0], "tenant_id": row[1]}


def claims_for(user, **over):
    now = int(time.time())
    c = {"sub": user["id"], "tenant_id": user["tenant_id"], "scope": " ".join(ALL_SCOPES),
         "iss": ISS, "aud": AUD, "iat": now, "exp": now + 300}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def assert_status_body(r, status, message):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == status
    assert body["message"] == message
    assert "detail" in body
    return body


# ---- login ------------------------------------------------------------------

def test_login_form(demo_admin_row):
    r = post_login(data={"username": "demo-admin", "password": "demo-admin"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "no-store" in r.headers.get("Cache-Control", "")
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == int(CONF.get("jwt_ttl", 3600))
    assert sorted(body["scope"].split()) == sorted(ALL_SCOPES)
    tok = body["access_token"]
    assert json.loads(b64url_decode(tok.split(".")[0]))["alg"] == "HS256"
    p = payload_of(tok)
    assert p["sub"] == demo_admin_row["id"]
    assert p["tenant_id"] == demo_admin_row["tenant_id"]
    assert p["iss"] == ISS and p["aud"] == AUD
    assert p["exp"] - p["iat"] == body["expires_in"]
    assert abs(p["iat"] - time.time()) < 120
    assert me(tok).status_code == 200


def test_login_json_body():
    r = post_login(json_body={"username": "demo-viewer", "password": "demo-viewer"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "view:tenant"
    assert me(body["access_token"]).json()["user"]["username"] == "demo-viewer"


def test_login_grant_type():
    r = post_login(data={"grant_type": "password", "username": "demo-viewer", "password": "demo-viewer"})
    assert r.status_code == 200, r.text
    r = post_login(data={"grant_type": "client_credentials", "username": "demo-viewer", "password": "demo-viewer"})
    body = assert_status_body(r, 400, "Unsupported grant type")
    assert body["error"] == "unsupported_grant_type"
    assert "access_token" not in body


def test_bad_password_and_unknown_user_identical():
    bad_pw = post_login(data={"username": "demo-admin", "password": "wrong-password"})
    unknown = post_login(data={"username": "no-such-user-xyz", "password": "wrong-password"})
    for r in (bad_pw, unknown):
        body = assert_status_body(r, 401, "Incorrect username or password")
        assert body["error"] == "invalid_grant"
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
        assert "access_token" not in body
    assert bad_pw.text == unknown.text
    assert bad_pw.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_unknown_user_spends_hashing_time():
    """An unknown user costs about as much as a wrong password (the hash is still computed)."""
    def timed(username):
        t = time.monotonic()
        r = post_login(data={"username": username, "password": "wrong-password"})
        assert r.status_code == 401
        return time.monotonic() - t
    known = min(timed("demo-admin") for _ in range(3))
    unknown = min(timed("nobody-" + str(time.time())) for _ in range(3))
    # The yescrypt check takes several ms; a skipped hash would make unknown users far faster.
    assert unknown > known * 0.4, (known, unknown)


@pytest.mark.parametrize("data,field", [
    ({"password": "demo-admin"}, "username"),
    ({"username": "", "password": "demo-admin"}, "username"),
    ({"username": "demo-admin"}, "password"),
    ({"username": "demo-admin", "password": ""}, "password"),
    ({}, "username"),
])
def test_login_missing_fields(data, field):
    r = post_login(data=data)
    body = assert_status_body(r, 400, "Field required: " + field)
    assert body["error"] == "invalid_request"


def test_login_missing_fields_json():
    r = post_login(json_body={"username": "demo-admin"})
    body = assert_status_body(r, 400, "Field required: password")
    assert body["error"] == "invalid_request"
    r = post_login(json_body={"username": 5, "password": "x"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_login_invalid_json():
    r = post_login(data="{not json", headers={"Content-Type": "application/json"})
    body = assert_status_body(r, 400, "Invalid JSON body")
    assert body["error"] == "invalid_request"


def test_login_wrong_method():
    r = requests.get(url("/api/auth"), timeout=10)
    assert_status_body(r, 405, "Method not allowed")


def test_login_scope_narrowing():
    r = post_login(data={"username": "demo-admin", "password": "demo-admin", "scope": "view:tenant operator"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"] == "view:tenant operator"
    tok = body["access_token"]
    assert payload_of(tok)["scope"] == "view:tenant operator"
    m = me(tok).json()
    assert m["user"]["scopes"] == ["view:tenant", "operator"]
    # The narrowed token lacks "admin".
    r = requests.get(url("/api/users"), headers=bearer(tok), timeout=10)
    assert_status_body(r, 403, "Insufficient permissions")


def test_login_scope_empty_means_all():
    r = post_login(data={"username": "demo-operator", "password": "demo-operator", "scope": ""})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["scope"].split()) == sorted(
        "operator view:tenant manage:operations:tenant inventory:count:record".split())


@pytest.mark.parametrize("scope", ["admin", "view:tenant admin", "superuser", "view:tenant,admin"])
def test_login_scope_refused(scope):
    r = post_login(data={"username": "demo-viewer", "password": "demo-viewer", "scope": scope})
    body = assert_status_body(r, 400, "Invalid scope")
    assert body["error"] == "invalid_scope"
    assert "access_token" not in body


# ---- /api/auth/me -----------------------------------------------------------------

def test_me(admin, demo_admin_row):
    r = requests.get(url("/api/auth/me"), headers=admin, timeout=10)
    body = assert_status_body(r, 200, "Current user retrieved successfully")
    assert body["detail"] == demo_admin_row["id"]
    u = body["user"]
    assert u["id"] == demo_admin_row["id"]
    assert u["tenant_id"] == demo_admin_row["tenant_id"]
    assert u["username"] == "demo-admin"
    assert sorted(u["scopes"]) == sorted(ALL_SCOPES)
    for k in ("first_name", "last_name", "email"):
        assert k in u
    assert "password_hash" not in u


def test_me_viewer(viewer):
    r = requests.get(url("/api/auth/me"), headers=viewer, timeout=10)
    assert r.status_code == 200
    assert r.json()["user"]["scopes"] == ["view:tenant"]


def test_me_requires_token():
    r = requests.get(url("/api/auth/me"), timeout=10)
    assert_status_body(r, 401, "Authentication required")
    r = requests.get(url("/api/auth/me"), headers={"Authorization": "Basic ZGVtby1hZG1pbjpkZW1vLWFkbWlu"}, timeout=10)
    assert_status_body(r, 401, "Authentication required")


def test_me_garbage_token():
    for tok in ("garbage", "a.b.c", "Zm9v.YmFy.YmF6", "x" * 5000):
        assert_status_body(me(tok), 401, "Invalid token")


def test_bearer_case_insensitive_and_cookie():
    tok = login("demo-viewer")
    r = requests.get(url("/api/auth/me"), headers={"Authorization": "bearer " + tok}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.get(url("/api/auth/me"), headers={"Authorization": "BEARER " + tok}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.get(url("/api/auth/me"), cookies={"stocktake_token": tok}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["username"] == "demo-viewer"


# ---- crafted tokens ------------------------------------------------------------

def test_handmade_token_with_secret_accepted(demo_admin_row):
    """Positive control: the hand-built HS256 token is accepted, so the refusals below are meaningful."""
    r = me(make_token(claims_for(demo_admin_row)))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["username"] == "demo-admin"


def test_expired_token(demo_admin_row):
    now = int(time.time())
    tok = make_token(claims_for(demo_admin_row, iat=now - 7200, exp=now - 3600))
    assert_status_body(me(tok), 401, "Token expired")
    tok = make_token(claims_for(demo_admin_row, iat=now - 7200, exp=now - 1))
    assert_status_body(me(tok), 401, "Token expired")


def test_exp_missing(demo_admin_row):
    assert_status_body(me(make_token(claims_for(demo_admin_row, exp=None))), 401, "Invalid token")


def test_nbf_in_future(demo_admin_row):
    tok = make_token(claims_for(demo_admin_row, nbf=int(time.time()) + 600))
    assert_status_body(me(tok), 401, "Invalid token")


def test_iat_in_future(demo_admin_row):
    now = int(time.time())
    tok = make_token(claims_for(demo_admin_row, iat=now + 600, exp=now + 900))
    assert_status_body(me(tok), 401, "Invalid token")


def test_tampered_signature():
    tok = login("demo-viewer")
    head, payload, sig = tok.split(".")
    mid = len(sig) // 2
    bad = sig[:mid] + ("A" if sig[mid] != "A" else "B") + sig[mid + 1:]
    assert_status_body(me(head + "." + payload + "." + bad), 401, "Invalid token")
    assert_status_body(me(head + "." + payload + "."), 401, "Invalid token")


def test_tampered_payload():
    tok = login("demo-viewer")
    head, payload, sig = tok.split(".")
    p = payload_of(tok)
    p["scope"] = " ".join(ALL_SCOPES)
    forged = head + "." + b64url(json.dumps(p)) + "." + sig
    assert_status_body(me(forged), 401, "Invalid token")
    r = requests.get(url("/api/users"), headers=bearer(forged), timeout=10)
    assert_status_body(r, 401, "Invalid token")


def test_alg_none(demo_admin_row):
    tok = make_token(claims_for(demo_admin_row), alg="none")
    assert tok.endswith(".")
    assert_status_body(me(tok), 401, "Invalid token")
    tok = make_token(claims_for(demo_admin_row), alg="none", header={"alg": "none"})
    assert_status_body(me(tok), 401, "Invalid token")
    tok = make_token(claims_for(demo_admin_row), alg="none", header={"alg": "NONE", "typ": "JWT"})
    assert_status_body(me(tok), 401, "Invalid token")


def test_hs512_with_same_secret(demo_admin_row):
    assert_status_body(me(make_token(claims_for(demo_admin_row), alg="HS512")), 401, "Invalid token")
    assert_status_body(me(make_token(claims_for(demo_admin_row), alg="HS384")), 401, "Invalid token")


def test_other_alg_headers(demo_admin_row):
    good = make_token(claims_for(demo_admin_row))
    rest = good.split(".", 1)[1]
    for hdr in ({"alg": "RS256", "typ": "JWT"}, {"alg": "ES256"}, {"alg": "hs256"}, {"typ": "JWT"}):
        tok = b64url(json.dumps(hdr)) + "." + rest
        assert_status_body(me(tok), 401, "Invalid token")


def test_wrong_key(demo_admin_row):
    tok = make_token(claims_for(demo_admin_row), key=b"not-the-secret-" * 4)
    assert_status_body(me(tok), 401, "Invalid token")


def test_key_id(demo_admin_row):
    """Tokens name their key ("kid"); devstack's jwt_secret_file is the key "default". A token
    without kid is checked with "default"; one naming a key the ring lacks is refused like any
    other bad token, even when its signature is right under some key."""
    token = login("demo-admin", fresh=True)
    assert json.loads(b64url_decode(token.split(".")[0]))["kid"] == "default"
    claims = claims_for(demo_admin_row)
    assert me(make_token(claims, header={"alg": "HS256", "typ": "JWT", "kid": "default"})).status_code == 200
    assert me(make_token(claims)).status_code == 200
    r = me(make_token(claims, header={"alg": "HS256", "typ": "JWT", "kid": "2027-01"}))
    assert_status_body(r, 401, "Invalid token")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    for kid in (7, None, ["default"]):
        r = me(make_token(claims, header={"alg": "HS256", "typ": "JWT", "kid": kid}))
        assert_status_body(r, 401, "Invalid token")


def test_wrong_audience_and_issuer(demo_admin_row):
    assert_status_body(me(make_token(claims_for(demo_admin_row, aud="other-api"))), 401, "Invalid token")
    assert_status_body(me(make_token(claims_for(demo_admin_row, aud=None))), 401, "Invalid token")
    assert_status_body(me(make_token(claims_for(demo_admin_row, iss="evil"))), 401, "Invalid token")
    assert_status_body(me(make_token(claims_for(demo_admin_row, iss=None))), 401, "Invalid token")
    # aud as a list that contains ours is standard and accepted.
    assert me(make_token(claims_for(demo_admin_row, aud=["x", AUD]))).status_code == 200


def test_missing_subject(demo_admin_row):
    assert_status_body(me(make_token(claims_for(demo_admin_row, sub=None))), 401, "Invalid token")
    assert_status_body(me(make_token(claims_for(demo_admin_row, tenant_id=None))), 401, "Invalid token")


def test_unknown_user_or_wrong_tenant_in_token(demo_admin_row, acme_tenant_id):
    tok = make_token(claims_for(demo_admin_row, sub="00000000-0000-4000-8000-000000000000"))
    assert_status_body(me(tok), 401, "Invalid token")
    tok = make_token(claims_for(demo_admin_row, tenant_id=acme_tenant_id))
    assert_status_body(me(tok), 401, "Invalid token")


def test_token_scope_beyond_user_is_cut(demo_admin_row):
    """Scopes in a token count only while the user has them: a viewer's token claiming admin gets nothing more."""
    row = db_query("SELECT id, tenant_id FROM users WHERE username = 'demo-viewer'")[0]
    tok = make_token(claims_for({"id": row[0], "tenant_id": row[1]}, scope="admin view:tenant"))
    assert me(tok).json()["user"]["scopes"] == ["view:tenant"]
    r = requests.get(url("/api/users"), headers=bearer(tok), timeout=10)
    assert_status_body(r, 403, "Insufficient permissions")


# ---- tenant guard ------------------------------------------------------------

def test_foreign_tenant_id_query(admin, acme_tenant_id, demo_tenant_id):
    r = requests.get(url("/api/users"), params={"tenant_id": acme_tenant_id}, headers=admin, timeout=10)
    assert_status_body(r, 403, "Insufficient permissions")
    r = requests.get(url("/api/auth/me"), params={"tenant_id": acme_tenant_id}, headers=admin, timeout=10)
    assert_status_body(r, 403, "Insufficient permissions")
    r = requests.get(url("/api/users"), params={"tenant_id": demo_tenant_id}, headers=admin, timeout=10)
    assert r.status_code == 200, r.text


def test_acme_admin_sees_own_tenant(acme, acme_tenant_id, demo_tenant_id):
    r = requests.get(url("/api/auth/me"), headers=acme, timeout=10)
    assert r.json()["user"]["tenant_id"] == acme_tenant_id
    r = requests.get(url("/api/users"), params={"tenant_id": demo_tenant_id}, headers=acme, timeout=10)
    assert_status_body(r, 403, "Insufficient permissions")
