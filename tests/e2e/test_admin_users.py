"""The users pages (/admin/users) and every user's own password page (/admin/account).

Each flow goes through the forms as a browser would (CSRF token, 303 and the page after it) and
checks what the database holds and what the user can do afterwards (sign in or not, which pages).
"""
import html
import re
import time

import pytest
import requests

from admin_web import TOKEN_COOKIE, form_token, page, post, sign_in, tidy_problems
from conftest import BASE_URL, db_query, unique

PASSWORD = "long enough pw"


def user_row(username):
    rows = db_query("SELECT id, tenant_id, scopes, status, first_name, email, tokens_valid_after"
                    " FROM users WHERE username = ?", username)
    return rows[0] if rows else None


def create(session, username, scopes=(), password=PASSWORD, **fields):
    data = {"username": username, "password": password, "password_confirm": password,
            "first_name": fields.get("first_name", "Test"), "last_name": fields.get("last_name", "User"),
            "email": fields.get("email", "")}
    token = form_token(page(session, "/admin/users/new").text)
    r = session.post(BASE_URL + "/admin/users", data=dict(data, csrf=token, scopes=list(scopes)),
                     allow_redirects=False, timeout=30)
    return r


def can_sign_in(username, password):
    s = requests.Session()
    r = s.get(BASE_URL + "/admin/login", timeout=10)
    r = s.post(BASE_URL + "/admin/login", allow_redirects=False, timeout=30,
               data={"csrf": form_token(r.text), "username": username, "password": password, "next": "/admin/"})
    return r.status_code == 303


def message_beside(text, field):
    m = re.search(r'<p class="field-error" id="%s-error">([^<]*)</p>' % field, text)
    return html.unescape(m.group(1)) if m else None


@pytest.fixture
def admin_s():
    return sign_in("demo-admin")


@pytest.fixture
def made(admin_s):
    """A fresh user of the demo tenant with view:tenant, created through the page."""
    name = unique("pg-user")
    r = create(admin_s, name, scopes=["view:tenant"])
    assert r.status_code == 303, r.text
    return name, user_row(name)[0]


def test_listing_shows_users_with_search_and_paging(admin_s, made):
    name, _ = made
    r = page(admin_s, "/admin/users?search=" + name)
    assert name in r.text
    assert "demo-operator" not in r.text
    assert 'href="/admin/users/new"' in r.text
    r = page(admin_s, "/admin/users?limit=1")
    assert 'class="pager"' in r.text
    csv = admin_s.get(BASE_URL + "/admin/users?format=csv&search=" + name, timeout=30)
    assert csv.status_code == 200 and name in csv.text and "$y$" not in csv.text
    assert tidy_problems(page(admin_s, "/admin/users").text) == []
    # The nav shows Users to admins only.
    assert 'href="/admin/users"' in page(admin_s, "/admin/").text
    assert 'href="/admin/users"' not in page(sign_in("demo-viewer"), "/admin/").text


def test_created_user_signs_in_with_scopes(admin_s, made):
    name, uid = made
    r = page(admin_s, "/admin/users/%s?done=created" % uid)
    assert "User created" in r.text and name in r.text
    assert tidy_problems(r.text) == []
    row = user_row(name)
    assert row[2] == "view:tenant" and row[3] == "active" and row[4] == "Test"
    s = sign_in(name, PASSWORD)
    page(s, "/admin/stocks")
    page(s, "/admin/users", status=403)


def test_create_errors_keep_values_and_show_message_beside_field(admin_s, made):
    name, _ = made
    # Duplicate username: 409 and the API's message beside the username.
    r = create(admin_s, name, scopes=["admin"], first_name="Kept", email="kept@example.com")
    assert r.status_code == 409
    assert message_beside(r.text, "username") == "Username already exists: username %s is taken" % name
    assert 'value="Kept"' in r.text and 'value="kept@example.com"' in r.text
    assert re.search(r'value="admin" checked', r.text)
    assert tidy_problems(r.text) == []
    # Short password, bad username, bad e-mail: 400 with the API's messages.
    bad = unique("pg-bad")
    r = create(admin_s, bad, password="short")
    assert r.status_code == 400
    assert message_beside(r.text, "password") == "Invalid password: password must be 8 to 512 characters"
    r = create(admin_s, "a b", password=PASSWORD)
    assert r.status_code == 400
    assert message_beside(r.text, "username").startswith("Invalid username: username must be 3-100")
    r = create(admin_s, bad, email="not an address")
    assert r.status_code == 400
    assert message_beside(r.text, "email") == "Invalid email: email must be a valid e-mail address"
    # Passwords that differ.
    token = form_token(page(admin_s, "/admin/users/new").text)
    r = admin_s.post(BASE_URL + "/admin/users", allow_redirects=False, timeout=30,
                     data={"csrf": token, "username": bad, "password": PASSWORD, "password_confirm": "other one!"})
    assert r.status_code == 400 and message_beside(r.text, "password_confirm")
    assert user_row(bad) is None
    # Without the form token nothing happens.
    r = admin_s.post(BASE_URL + "/admin/users", allow_redirects=False, timeout=30,
                     data={"username": bad, "password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 403 and user_row(bad) is None


def test_edit_scopes_takes_effect(admin_s, made):
    name, uid = made
    s = sign_in(name, PASSWORD)
    page(s, "/admin/count-sessions/new", status=403)
    edit = page(admin_s, "/admin/users/" + uid).text
    assert tidy_problems(edit) == []
    r = post(admin_s, "/admin/users/" + uid, {"first_name": "Renamed", "last_name": "", "email": "",
                                               "scopes": ["view:tenant", "inventory:count:create"]},
             token=form_token(edit))
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=updated")
    row = user_row(name)
    assert row[2] == "view:tenant inventory:count:create" and row[4] == "Renamed"
    # A new scope comes with the next sign-in (a token carries the scopes granted when issued) ...
    page(s, "/admin/count-sessions/new", status=403)
    s2 = sign_in(name, PASSWORD)
    page(s2, "/admin/count-sessions/new")
    # ... and a scope taken away goes at once, from open sessions too (they read the user row).
    # Removing every scope leaves a user who can only sign in.
    r = post(admin_s, "/admin/users/" + uid, {"first_name": "Renamed"}, token=form_token(edit))
    assert r.status_code == 303 and user_row(name)[2] == ""
    page(s2, "/admin/stocks", status=403)


def test_edit_error_shows_message_beside_field(admin_s, made):
    _, uid = made
    edit = page(admin_s, "/admin/users/" + uid).text
    r = post(admin_s, "/admin/users/" + uid, {"first_name": "Typed", "email": "nope"}, token=form_token(edit))
    assert r.status_code == 400
    assert message_beside(r.text, "email") == "Invalid email: email must be a valid e-mail address"
    assert 'value="Typed"' in r.text
    assert tidy_problems(r.text) == []


def test_disable_blocks_sign_in_and_enable_restores(admin_s, made):
    name, uid = made
    s = sign_in(name, PASSWORD)
    edit = page(admin_s, "/admin/users/" + uid).text
    r = post(admin_s, "/admin/users/%s/disable" % uid, {}, token=form_token(edit))
    assert r.status_code == 303 and user_row(name)[3] == "disabled"
    assert not can_sign_in(name, PASSWORD)
    # The open session ends too.
    page(s, "/admin/stocks", status=303)
    assert "is disabled" in page(admin_s, "/admin/users/" + uid).text
    r = post(admin_s, "/admin/users/%s/enable" % uid, {}, token=form_token(edit))
    assert r.status_code == 303 and user_row(name)[3] == "active"
    assert can_sign_in(name, PASSWORD)


def test_admin_cannot_disable_self(admin_s):
    uid = user_row("demo-admin")[0]
    edit = page(admin_s, "/admin/users/" + uid).text
    assert "You cannot disable your own account" in edit
    r = post(admin_s, "/admin/users/%s/disable" % uid, {}, token=form_token(edit))
    assert r.status_code == 409 and "Cannot disable your own account" in r.text
    assert user_row("demo-admin")[3] == "active"


def test_reset_password(admin_s, made):
    name, uid = made
    s = sign_in(name, PASSWORD)
    # Tokens carry whole seconds: one issued in the second of the change still counts.
    time.sleep(1.1)
    edit = page(admin_s, "/admin/users/" + uid).text
    r = post(admin_s, "/admin/users/%s/password" % uid, {"password": "short", "password_confirm": "short"},
             token=form_token(edit))
    assert r.status_code == 400
    assert message_beside(r.text, "password") == "Invalid password: password must be 8 to 512 characters"
    r = post(admin_s, "/admin/users/%s/password" % uid, {"password": "a new one!", "password_confirm": "a new one!"},
             token=form_token(edit))
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=password")
    assert not can_sign_in(name, PASSWORD)
    assert can_sign_in(name, "a new one!")
    assert int(user_row(name)[6]) > 0
    # The session signed in with the old password has ended.
    page(s, "/admin/", status=303)


def test_change_own_password(admin_s, made):
    name, _ = made
    s = sign_in(name, PASSWORD)
    other = sign_in(name, PASSWORD)
    time.sleep(1.1)  # tokens carry whole seconds, as in test_reset_password
    acc = page(s, "/admin/account").text
    assert tidy_problems(acc) == []
    assert 'href="/admin/account"' in page(s, "/admin/").text
    token = form_token(acc)
    r = post(s, "/admin/account/password", {"current_password": "wrong one", "password": "changed pw",
                                             "password_confirm": "changed pw"}, token=token)
    assert r.status_code == 400
    assert message_beside(r.text, "current_password").startswith("Incorrect current password")
    assert tidy_problems(r.text) == []
    r = post(s, "/admin/account/password", {"current_password": PASSWORD, "password": "short",
                                             "password_confirm": "short"}, token=token)
    assert r.status_code == 400 and message_beside(r.text, "password").startswith("Invalid password")
    r = post(s, "/admin/account/password", {"current_password": PASSWORD, "password": "changed pw",
                                             "password_confirm": "changed pw"}, token=token)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/account?done=password"
    assert "Password changed" in page(s, "/admin/account?done=password").text
    # This session goes on with its new cookie; the other one has ended.
    page(s, "/admin/stocks")
    page(other, "/admin/stocks", status=303)
    assert can_sign_in(name, "changed pw") and not can_sign_in(name, PASSWORD)


def test_non_admin_gets_403(made):
    _, uid = made
    s = sign_in("demo-operator")
    page(s, "/admin/users", status=403)
    page(s, "/admin/users/new", status=403)
    page(s, "/admin/users/" + uid, status=403)
    r = post(s, "/admin/users/%s/disable" % uid, {})
    assert r.status_code == 403
    # Everyone has their own account page.
    page(s, "/admin/account")


def test_other_tenants_user_is_404(made):
    name, uid = made
    acme = sign_in("acme-admin")
    r = page(acme, "/admin/users/" + uid, status=404)
    assert "User not found" in r.text
    token = form_token(page(acme, "/admin/").text)
    for path, data in [("", {"first_name": "x"}), ("/disable", {}), ("/enable", {}),
                       ("/password", {"password": "a new one!", "password_confirm": "a new one!"})]:
        r = post(acme, "/admin/users/" + uid + path, data, token=token)
        assert r.status_code == 404, path
    assert user_row(name)[3] == "active" and user_row(name)[4] == "Test"
    assert "/admin/users/" + uid not in page(acme, "/admin/users?search=" + name).text
    page(acme, "/admin/users/not-a-uuid", status=404)


def test_edit_page_shows_creation_time_to_the_second(admin_s, made):
    _, uid = made
    text = page(admin_s, "/admin/users/" + uid).text
    assert re.search(r"Created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text), text[:3000]
