"""Headless Chromium tests of the users pages: an administrator creates a user through the form, the
user signs in and changes their password; pagecheck.look checks and screenshots each page (the list,
the new and edit forms, with an error too, and the account page)."""
import re

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import WIDTH, db_query, sign_in, unique, url, wait_replaced
from pagecheck import PHONE, look

PASSWORD = "browser pw 1"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def submit(driver, form_css):
    """Submits a form of the page and waits for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]").click()
    wait_replaced(driver, old)


def fill(driver, values):
    for name, value in values.items():
        field = driver.find_element(By.ID, name)
        field.clear()
        field.send_keys(value)


def posted_html(driver, get_path, post_path, data):
    """The HTML of the answer to a POST (what the browser shows after submitting), fetched again
    with the browser's cookies so that tidy sees the bytes the server sends."""
    s = requests.Session()
    for c in driver.get_cookies():
        s.cookies.set(c["name"], c["value"], path=c.get("path", "/"))
    token = CSRF.search(s.get(url(get_path), timeout=30).text).group(1)
    return s.post(url(post_path), data=dict(data, csrf=token), allow_redirects=False, timeout=30).text


def no_sideways_scroll(driver):
    driver.set_window_size(PHONE, 900)
    try:
        assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE
    finally:
        driver.set_window_size(WIDTH, 900)


def test_user_created_in_the_page_signs_in(admin_browser):
    b = admin_browser
    name = unique("br-user")
    b.get(url("/admin/users"))
    assert "demo-operator" in b.page_source
    look(b, "users-list")
    no_sideways_scroll(b)

    b.get(url("/admin/users/new"))
    assert len(b.find_elements(By.CSS_SELECTOR, "input[name=scopes]")) == 10  # the nine of a tenant, and metrics
    look(b, "user-new")
    no_sideways_scroll(b)
    fill(b, {"username": name, "first_name": "Brenda", "last_name": "Browser",
             "email": "brenda@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
    b.find_element(By.CSS_SELECTOR, "input[value='view:tenant']").click()
    submit(b, "form.panel")
    assert "User created" in b.page_source
    assert db_query("SELECT scopes, status FROM users WHERE username = ?", name) == [["view:tenant", "active"]]
    look(b, "user-edit")
    no_sideways_scroll(b)

    # The same username again: 409, the message beside the field, the typed values kept.
    b.get(url("/admin/users/new"))
    fill(b, {"username": name, "first_name": "Second", "password": PASSWORD, "password_confirm": PASSWORD})
    submit(b, "form.panel")
    err = b.find_element(By.ID, "username-error").text
    assert err == "Username already exists: username %s is taken" % name
    assert b.find_element(By.ID, "first_name").get_attribute("value") == "Second"
    look(b, "user-new-error", html=posted_html(b, "/admin/users/new", "/admin/users", {
        "username": name, "first_name": "Second", "password": PASSWORD, "password_confirm": PASSWORD}))

    # An edit with a bad e-mail: 400 and the message beside it.
    uid = db_query("SELECT id FROM users WHERE username = ?", name)[0][0]
    b.get(url("/admin/users/" + uid))
    fill(b, {"email": "not-an-address"})
    # type=email would stop the browser itself; the server's check is what is tested here.
    b.execute_script("document.getElementById('email').type = 'text'")
    submit(b, "form.panel.form")
    assert b.find_element(By.ID, "email-error").text.startswith("Invalid email")
    look(b, "user-edit-error", html=posted_html(b, "/admin/users/" + uid, "/admin/users/" + uid,
                                                {"first_name": "Brenda", "email": "not-an-address"}))

    # The new user signs in, sees stock but not the users, and changes their password.
    sign_in(b, name, PASSWORD)
    assert "/admin/login" not in b.current_url
    assert not b.find_elements(By.CSS_SELECTOR, "nav a[href='/admin/users']")
    b.find_element(By.CSS_SELECTOR, "a.account-link").click()
    assert b.current_url.endswith("/admin/account")
    look(b, "account")
    no_sideways_scroll(b)
    fill(b, {"current_password": "not my password", "password": "browser pw 2",
             "password_confirm": "browser pw 2"})
    submit(b, "form.account-form")
    assert b.find_element(By.ID, "current_password-error").text.startswith("Incorrect current password")
    look(b, "account-error", html=posted_html(b, "/admin/account", "/admin/account/password", {
        "current_password": "not my password", "password": "browser pw 2", "password_confirm": "browser pw 2"}))
    fill(b, {"current_password": PASSWORD, "password": "browser pw 2", "password_confirm": "browser pw 2"})
    submit(b, "form.account-form")
    assert "Password changed" in b.page_source
    b.get(url("/admin/stocks"))
    assert "/admin/login" not in b.current_url  # the session went on
    sign_in(b, name, "browser pw 2")
    assert "/admin/login" not in b.current_url
