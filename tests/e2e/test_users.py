"""E2E tests of /api/users (tenant user administration) and of how user changes reach existing tokens."""
import time

import pytest
import requests

from conftest import db_query, unique, url

PREFIX = "e2e-users"


def post_login(username, password, scope=None):
    # nginx limits /api/auth to about 10 r/s: keep well below it.
    time.sleep(0.12)
    data = {"username": username, "password": password}
    if scope is not None:
        data["scope"] = scope
    return requests.post(url("/api/auth"), data=data, timeout=10)


def token_of(username, password, scope=None):
    r = post_login(username, password, scope)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


def api(method, path, headers, **kw):
    return requests.request(method, url(path), headers=headers, timeout=10, **kw)


def assert_status_body(r, status, message):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == status
    assert body["message"] == message
    assert "detail" in body
    return body


def create_user(admin, **fields):
    body = {"username": unique(PREFIX), "password": "s3cret-pass", "first_name": "Test",
            "last_name": "User", "email": "test.user@example.com", "scopes": ["view:tenant"]}
    body.update(fields)
    r = api("POST", "/api/users", admin, json=body)
    assert r.status_code == 201, r.text
    return r.json()["user"], body["password"]


@pytest.fixture(scope="module", autouse=True)
def cleanup():
    yield
    db_query("DELETE FROM users WHERE username LIKE ?", PREFIX + "-%")


USER_KEYS = {"id", "tenant_id", "username", "first_name", "last_name", "email", "scopes", "status",
             "created_at", "updated_at"}


# ---- create ------------------------------------------------------------------

def test_create_user(admin, demo_tenant_id):
    name = unique(PREFIX)
    r = api("POST", "/api/users", admin, json={
        "username": name, "password": "password-123", "first_name": "Ada", "last_name": "Lovelace",
        "email": "ada@example.com", "scopes": ["view:tenant", "operator"]})
    body = assert_status_body(r, 201, "User created successfully")
    u = body["user"]
    assert set(u) == USER_KEYS
    assert body["detail"] == u["id"]
    assert u["username"] == name
    assert u["tenant_id"] == demo_tenant_id
    assert u["first_name"] == "Ada" and u["last_name"] == "Lovelace" and u["email"] == "ada@example.com"
    assert u["scopes"] == ["view:tenant", "operator"]
    assert u["status"] == "active"
    assert u["created_at"].endswith("Z") and u["updated_at"].endswith("Z")
    assert "password" not in r.text and "password_hash" not in r.text
    row = db_query("SELECT tenant_id, scopes, status, password_hash FROM users WHERE id = ?", u["id"])[0]
    assert row[0] == demo_tenant_id
    assert row[1] == "view:tenant operator"
    assert row[2] == "active"
    assert row[3].startswith("$y$") and "password-123" not in row[3]
    # The new user can log in with exactly those scopes.
    r = post_login(name, "password-123")
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "view:tenant operator"


def test_create_scopes_as_string_and_minimal(admin):
    name = unique(PREFIX)
    r = api("POST", "/api/users", admin, json={"username": name, "password": "password-123",
                                               "scopes": "view:tenant  manage:operations:tenant view:tenant"})
    assert r.status_code == 201, r.text
    u = r.json()["user"]
    assert u["scopes"] == ["view:tenant", "manage:operations:tenant"]
    assert u["first_name"] is None and u["last_name"] is None and u["email"] is None
    # Without scopes the user has none.
    r = api("POST", "/api/users", admin, json={"username": unique(PREFIX), "password": "password-123"})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["scopes"] == []


def test_create_ignores_tenant_in_body(admin, demo_tenant_id, acme_tenant_id):
    r = api("POST", "/api/users", admin, json={"username": unique(PREFIX), "password": "password-123",
                                               "tenant_id": acme_tenant_id})
    assert r.status_code == 201, r.text
    uid = r.json()["user"]["id"]
    assert r.json()["user"]["tenant_id"] == demo_tenant_id
    assert db_query("SELECT tenant_id FROM users WHERE id = ?", uid)[0][0] == demo_tenant_id


def test_create_duplicate_username(admin, acme):
    user, _ = create_user(admin)
    r = api("POST", "/api/users", admin, json={"username": user["username"], "password": "password-123"})
    assert_status_body(r, 409, "Username already exists")
    # Usernames are global (the login form names no tenant), so another tenant cannot take it either.
    r = api("POST", "/api/users", acme, json={"username": user["username"], "password": "password-123"})
    assert_status_body(r, 409, "Username already exists")
    r = api("POST", "/api/users", admin, json={"username": "acme-admin", "password": "password-123"})
    assert_status_body(r, 409, "Username already exists")
    assert db_query("SELECT COUNT(*) FROM users WHERE username = ?", user["username"])[0][0] == "1"


@pytest.mark.parametrize("body,message", [
    ({"password": "password-123"}, "Field required: username"),
    ({"username": "", "password": "password-123"}, "Field required: username"),
    ({"username": "NAME"}, "Field required: password"),
    ({"username": "NAME", "password": ""}, "Field required: password"),
    ({"username": "ab", "password": "password-123"}, "Invalid username"),
    ({"username": "x" * 101, "password": "password-123"}, "Invalid username"),
    ({"username": "bad name", "password": "password-123"}, "Invalid username"),
    ({"username": "bad/name", "password": "password-123"}, "Invalid username"),
    ({"username": "b\u00e4d-name", "password": "password-123"}, "Invalid username"),
    ({"username": 12345, "password": "password-123"}, "Invalid username"),
    ({"username": "NAME", "password": "short"}, "Invalid password"),
    ({"username": "NAME", "password": "1234567"}, "Invalid password"),
    ({"username": "NAME", "password": 12345678}, "Invalid password"),
    ({"username": "NAME", "password": "password-123", "email": "not-an-email"}, "Invalid email"),
    ({"username": "NAME", "password": "password-123", "email": "a@b"}, "Invalid email"),
    ({"username": "NAME", "password": "password-123", "email": 5}, "Invalid email"),
    ({"username": "NAME", "password": "password-123", "first_name": ""}, "Invalid first_name"),
    ({"username": "NAME", "password": "password-123", "first_name": "x" * 101}, "Invalid first_name"),
    ({"username": "NAME", "password": "password-123", "last_name": ["x"]}, "Invalid last_name"),
    ({"username": "NAME", "password": "password-123", "scopes": ["superuser"]}, "Invalid scope"),
    ({"username": "NAME", "password": "password-123", "scopes": "admin root"}, "Invalid scope"),
    ({"username": "NAME", "password": "password-123", "scopes": [1]}, "Invalid scopes"),
    ({"username": "NAME", "password": "password-123", "scopes": {"a": 1}}, "Invalid scopes"),
    ({"username": "NAME", "password": "password-123", "status": "deleted"}, "Invalid status"),
])
def test_create_validation(admin, body, message):
    name = unique(PREFIX)
    body = {k: (name if v == "NAME" else v) for k, v in body.items()}
    r = api("POST", "/api/users", admin, json=body)
    assert_status_body(r, 400, message)
    assert db_query("SELECT COUNT(*) FROM users WHERE username = ?", name)[0][0] == "0"


def test_create_invalid_json(admin):
    r = api("POST", "/api/users", dict(admin, **{"Content-Type": "application/json"}), data="{oops")
    assert_status_body(r, 400, "Invalid JSON body")
    r = api("POST", "/api/users", dict(admin, **{"Content-Type": "application/json"}), data="[1, 2]")
    assert r.status_code == 400


def test_username_charset_accepted(admin):
    name = unique(PREFIX) + ".a_b@c-d"
    r = api("POST", "/api/users", admin, json={"username": name, "password": "password-123"})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["username"] == name


# ---- read / list -------------------------------------------------------------------

def test_get_user(admin):
    user, _ = create_user(admin)
    r = api("GET", "/api/users/" + user["id"], admin)
    body = assert_status_body(r, 200, "User retrieved successfully")
    assert body["detail"] == user["id"]
    assert body["user"] == user
    assert "password_hash" not in r.text


def test_get_user_not_found(admin):
    assert_status_body(api("GET", "/api/users/00000000-0000-4000-8000-000000000000", admin), 404, "User not found")
    assert_status_body(api("GET", "/api/users/not-a-uuid", admin), 404, "User not found")


def test_other_tenant_user_is_not_found(admin, acme):
    acme_id = db_query("SELECT id FROM users WHERE username = 'acme-admin'")[0][0]
    assert_status_body(api("GET", "/api/users/" + acme_id, admin), 404, "User not found")
    assert_status_body(api("PATCH", "/api/users/" + acme_id, admin, json={"first_name": "Hacked"}), 404,
                       "User not found")
    assert_status_body(api("DELETE", "/api/users/" + acme_id, admin), 404, "User not found")
    row = db_query("SELECT status, COALESCE(first_name, '') FROM users WHERE id = ?", acme_id)[0]
    assert row[0] == "active" and row[1] != "Hacked"
    # And the other way round.
    user, _ = create_user(admin)
    assert_status_body(api("GET", "/api/users/" + user["id"], acme), 404, "User not found")


def test_list_users(admin, demo_tenant_id):
    r = api("GET", "/api/users", admin)
    body = assert_status_body(r, 200, "Users retrieved successfully")
    assert body["detail"] == ""
    assert body["page"] == 1 and body["limit"] == 20
    names = [u["username"] for u in body["users"]]
    assert "demo-admin" in names or body["total"] > 20
    assert "acme-admin" not in names
    assert all(u["tenant_id"] == demo_tenant_id for u in body["users"])
    assert all(set(u) == USER_KEYS for u in body["users"])
    assert "password_hash" not in r.text
    count = db_query("SELECT COUNT(*) FROM users WHERE tenant_id = ?", demo_tenant_id)[0][0]
    assert body["total"] == int(count)


def test_list_search_status_pagination(admin):
    tag = unique(PREFIX)
    ids = []
    for i, (first, status) in enumerate([("Zebedee", "active"), ("Zelda", "active"), ("Zorro", "disabled")]):
        r = api("POST", "/api/users", admin, json={
            "username": "%s-%d" % (tag, i), "password": "password-123", "first_name": first,
            "email": "%s%d@example.org" % (tag, i), "status": status})
        assert r.status_code == 201, r.text
        ids.append(r.json()["user"]["id"])

    body = api("GET", "/api/users", admin, params={"search": tag}).json()
    assert body["total"] == 3
    assert [u["username"] for u in body["users"]] == ["%s-%d" % (tag, i) for i in range(3)]

    body = api("GET", "/api/users", admin, params={"search": tag, "status": "active"}).json()
    assert body["total"] == 2
    body = api("GET", "/api/users", admin, params={"search": tag, "status": "disabled"}).json()
    assert body["total"] == 1 and body["users"][0]["id"] == ids[2]

    # Search covers first name and e-mail, case-insensitively.
    body = api("GET", "/api/users", admin, params={"search": "zelda"}).json()
    assert ids[1] in [u["id"] for u in body["users"]]
    body = api("GET", "/api/users", admin, params={"search": "%s2@example" % tag}).json()
    assert [u["id"] for u in body["users"]] == [ids[2]]

    # Pagination.
    body = api("GET", "/api/users", admin, params={"search": tag, "limit": 2, "page": 2}).json()
    assert body["total"] == 3 and body["page"] == 2 and body["limit"] == 2
    assert [u["id"] for u in body["users"]] == [ids[2]]
    body = api("GET", "/api/users", admin, params={"search": tag, "limit": 2, "page": 9}).json()
    assert body["total"] == 3 and body["users"] == []


def test_list_search_wildcards_are_literal(admin):
    body = api("GET", "/api/users", admin, params={"search": "%"}).json()
    assert body["total"] == 0
    body = api("GET", "/api/users", admin, params={"search": "_"}).json()
    assert all("_" in (u["username"] + (u["first_name"] or "") + (u["last_name"] or "") + (u["email"] or ""))
               for u in body["users"])


def test_list_limit_above_100_is_refused(admin):
    assert api("GET", "/api/users", admin, params={"limit": 1000}).json() == {
        "status": 400, "message": "Invalid limit", "detail": "limit must be a whole number from 1 to 100"}
    body = api("GET", "/api/users", admin, params={"limit": 100}).json()
    assert body["limit"] == 100
    assert len(body["users"]) <= 100


@pytest.mark.parametrize("params,message", [
    ({"page": 0}, "Invalid page"),
    ({"page": -1}, "Invalid page"),
    ({"page": "x"}, "Invalid page"),
    ({"limit": 0}, "Invalid limit"),
    ({"limit": "1e3"}, "Invalid limit"),
    ({"status": "gone"}, "Invalid status"),
])
def test_list_bad_params(admin, params, message):
    assert_status_body(api("GET", "/api/users", admin, params=params), 400, message)


# ---- access -----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["viewer", "operator"])
def test_non_admin_forbidden(request, who, admin):
    headers = request.getfixturevalue(who)
    user, _ = create_user(admin)
    for method, path, kw in [("GET", "/api/users", {}),
                             ("POST", "/api/users", {"json": {"username": unique(PREFIX), "password": "password-123"}}),
                             ("GET", "/api/users/" + user["id"], {}),
                             ("PATCH", "/api/users/" + user["id"], {"json": {"first_name": "X"}}),
                             ("DELETE", "/api/users/" + user["id"], {})]:
        assert_status_body(api(method, path, headers, **kw), 403, "Insufficient permissions")
    assert db_query("SELECT status, first_name FROM users WHERE id = ?", user["id"])[0] == ["active", "Test"]


def test_users_require_token():
    assert_status_body(api("GET", "/api/users", {}), 401, "Authentication required")
    assert_status_body(api("POST", "/api/users", {}, json={}), 401, "Authentication required")


def test_method_not_allowed(admin):
    assert_status_body(api("PUT", "/api/users", admin, json={}), 405, "Method not allowed")


# ---- update -----------------------------------------------------------------------

def test_update_user(admin):
    user, _ = create_user(admin)
    time.sleep(0.01)
    r = api("PATCH", "/api/users/" + user["id"], admin, json={
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
        "scopes": "operator view:tenant"})
    body = assert_status_body(r, 200, "User updated successfully")
    u = body["user"]
    assert body["detail"] == user["id"]
    assert (u["first_name"], u["last_name"], u["email"]) == ("Grace", "Hopper", "grace@example.com")
    assert u["scopes"] == ["operator", "view:tenant"]
    assert u["username"] == user["username"] and u["created_at"] == user["created_at"]
    assert u["updated_at"] >= user["updated_at"]
    row = db_query("SELECT first_name, scopes FROM users WHERE id = ?", user["id"])[0]
    assert row == ["Grace", "operator view:tenant"]
    # Nullable fields can be cleared; username cannot be changed here.
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"email": None, "username": "renamed-x"})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["email"] is None
    assert r.json()["user"]["username"] == user["username"]


@pytest.mark.parametrize("body,message", [
    ({}, "No fields to update"),
    ({"unknown": 1}, "No fields to update"),
    ({"email": "nope"}, "Invalid email"),
    ({"first_name": "   "}, "Invalid first_name"),
    ({"password": "short"}, "Invalid password"),
    ({"password": None}, "Invalid password"),
    ({"scopes": ["admin", "god"]}, "Invalid scope"),
    ({"scopes": None}, "Invalid scopes"),
    ({"status": "deleted"}, "Invalid status"),
    ({"status": None}, "Invalid status"),
])
def test_update_validation(admin, body, message):
    user, _ = create_user(admin)
    assert_status_body(api("PATCH", "/api/users/" + user["id"], admin, json=body), 400, message)
    row = db_query("SELECT first_name, email, scopes, status FROM users WHERE id = ?", user["id"])[0]
    assert row == ["Test", "test.user@example.com", "view:tenant", "active"]


def test_update_not_found(admin):
    r = api("PATCH", "/api/users/00000000-0000-4000-8000-000000000000", admin, json={"first_name": "x"})
    assert_status_body(r, 404, "User not found")


def test_update_password(admin):
    user, old = create_user(admin)
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"password": "brand-new-pass"})
    assert r.status_code == 200, r.text
    assert post_login(user["username"], old).status_code == 401
    assert post_login(user["username"], "brand-new-pass").status_code == 200


def test_password_change_ends_older_tokens(admin):
    """Tokens issued before a password change stop working; tokens issued after it work."""
    user, old = create_user(admin)
    before = token_of(user["username"], old)
    assert api("GET", "/api/auth/me", bearer(before)).status_code == 200
    time.sleep(1.1)  # iat has one-second resolution
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"password": "another-new-pass"})
    assert r.status_code == 200, r.text
    assert int(db_query("SELECT tokens_valid_after FROM users WHERE id = ?", user["id"])[0][0]) > 0
    assert_status_body(api("GET", "/api/auth/me", bearer(before)), 401, "Invalid token")
    after = token_of(user["username"], "another-new-pass")
    assert api("GET", "/api/auth/me", bearer(after)).status_code == 200
    # Other edits leave tokens alone.
    assert api("PATCH", "/api/users/" + user["id"], admin, json={"first_name": "Renamed"}).status_code == 200
    assert api("GET", "/api/auth/me", bearer(after)).status_code == 200


# ---- disable / enable and existing tokens ------------------------------------------

def test_disable_user_blocks_login_and_token(admin):
    user, pw = create_user(admin)
    tok = token_of(user["username"], pw)
    assert api("GET", "/api/auth/me", bearer(tok)).status_code == 200

    r = api("DELETE", "/api/users/" + user["id"], admin)
    body = assert_status_body(r, 200, "User disabled successfully")
    assert body["user"]["status"] == "disabled"
    assert db_query("SELECT status FROM users WHERE id = ?", user["id"])[0][0] == "disabled"

    # The old token stops working at once, and a new login is refused like a bad password.
    assert_status_body(api("GET", "/api/auth/me", bearer(tok)), 401, "User disabled")
    r = post_login(user["username"], pw)
    assert_status_body(r, 401, "Incorrect username or password")
    assert r.json()["error"] == "invalid_grant"
    wrong = post_login(user["username"], "definitely-wrong")
    assert wrong.text == r.text

    # Disabling again is harmless; the user still shows in the list with status disabled.
    assert api("DELETE", "/api/users/" + user["id"], admin).status_code == 200
    body = api("GET", "/api/users", admin, params={"search": user["username"], "status": "disabled"}).json()
    assert [u["id"] for u in body["users"]] == [user["id"]]

    # Re-enabled: the old token and logins work again.
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"status": "active"})
    assert r.status_code == 200 and r.json()["user"]["status"] == "active"
    assert api("GET", "/api/auth/me", bearer(tok)).status_code == 200
    assert post_login(user["username"], pw).status_code == 200


def test_disable_via_patch(admin):
    user, pw = create_user(admin)
    tok = token_of(user["username"], pw)
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"status": "disabled"})
    assert r.status_code == 200 and r.json()["user"]["status"] == "disabled"
    assert_status_body(api("GET", "/api/auth/me", bearer(tok)), 401, "User disabled")


def test_admin_cannot_disable_self(admin):
    me = api("GET", "/api/auth/me", admin).json()["user"]
    r = api("DELETE", "/api/users/" + me["id"], admin)
    assert r.status_code == 409, r.text
    assert r.json()["status"] == 409
    r = api("PATCH", "/api/users/" + me["id"], admin, json={"status": "disabled"})
    assert r.status_code == 409, r.text
    assert db_query("SELECT status FROM users WHERE id = ?", me["id"])[0][0] == "active"
    assert api("GET", "/api/auth/me", admin).status_code == 200


def test_created_admin_manages_users_and_loses_it_when_revoked(admin):
    """A revoked scope stops working with a token issued before the change."""
    user, pw = create_user(admin, scopes=["admin", "view:tenant"])
    tok = token_of(user["username"], pw)
    assert api("GET", "/api/users", bearer(tok)).status_code == 200
    me = api("GET", "/api/auth/me", bearer(tok)).json()["user"]
    assert sorted(me["scopes"]) == ["admin", "view:tenant"]

    r = api("PATCH", "/api/users/" + user["id"], admin, json={"scopes": ["view:tenant"]})
    assert r.status_code == 200, r.text
    assert_status_body(api("GET", "/api/users", bearer(tok)), 403, "Insufficient permissions")
    assert api("GET", "/api/auth/me", bearer(tok)).json()["user"]["scopes"] == ["view:tenant"]
    # A fresh login cannot ask for it either.
    r = post_login(user["username"], pw, scope="admin")
    assert_status_body(r, 400, "Invalid scope")

    # Given back: the old token (which still names admin) works again.
    api("PATCH", "/api/users/" + user["id"], admin, json={"scopes": ["admin", "view:tenant"]})
    assert api("GET", "/api/users", bearer(tok)).status_code == 200


def test_disabled_tenant_refused(admin):
    """A user of a disabled tenant can neither log in nor use a token."""
    tenant = db_query("SELECT UUID()")[0][0]
    db_query("INSERT INTO tenants (id, name) VALUES (?, ?)", tenant, unique(PREFIX))
    user, pw = create_user(admin)
    try:
        db_query("UPDATE users SET tenant_id = ? WHERE id = ?", tenant, user["id"])
        tok = token_of(user["username"], pw)
        assert api("GET", "/api/auth/me", bearer(tok)).status_code == 200
        db_query("UPDATE tenants SET status = 'disabled' WHERE id = ?", tenant)
        assert_status_body(api("GET", "/api/auth/me", bearer(tok)), 401, "User disabled")
        assert_status_body(post_login(user["username"], pw), 401, "Incorrect username or password")
    finally:
        db_query("DELETE FROM users WHERE id = ?", user["id"])
        db_query("DELETE FROM tenants WHERE id = ?", tenant)


def test_admin_cannot_disable_self_even_with_upper_case_id(admin):
    """The path id is normalised before the self check, so an upper-cased own id is still refused."""
    me = api("GET", "/api/auth/me", admin).json()["user"]["id"]
    for method, kw in (("DELETE", {}), ("PATCH", {"json": {"status": "disabled"}})):
        r = api(method, "/api/users/" + me.upper(), admin, **kw)
        assert_status_body(r, 409, "Cannot disable your own account")
    assert db_query("SELECT status FROM users WHERE id = ?", me)[0][0] == "active"


def test_names_are_limited_in_characters_not_bytes(admin):
    user, _ = create_user(admin)
    name = "Ж" * 100  # 100 characters, 200 bytes
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"first_name": name, "last_name": name})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["first_name"] == name
    r = api("PATCH", "/api/users/" + user["id"], admin, json={"first_name": name + "Ж"})
    assert_status_body(r, 400, "Invalid first_name")
