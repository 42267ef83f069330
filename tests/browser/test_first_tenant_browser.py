"""Headless Chromium test of a new tenant's first steps on the running stack.

The built tools/stocktake-admin, with the stack's own handler config (var/stocktake.conf, which
devstack writes and starts every handler with), creates a tenant of a unique name and its
administrator (the password on standard input). That administrator signs in, sees an empty
overview with the steps that set the account up (and nothing of the demo tenants), finds every
listing empty with a word on what to do next, creates a warehouse through the form (first with a
field left out, whose message shows beside it), then a user, signs out; the user signs in and
sees the warehouse. pagecheck.look checks and screenshots the empty overview and listings. The
tenant is made inactive at the end (nobody can sign in to it); its rows stay, as no other suite
reads them.
"""
import os
import subprocess

import pytest
from selenium.webdriver.common.by import By

from conftest import db_query, e2e, sign_in, unique, url, wait_replaced
from pagecheck import look
from test_admin_users_browser import fill, no_sideways_scroll, posted_html, submit

ADMIN_TOOL = os.path.join(e2e.ROOT, "tools", "stocktake-admin")
CONFIG = os.path.join(e2e.ROOT, "var", "stocktake.conf")
ADMIN_PW = "first tenant admin pw"
USER_PW = "first tenant user pw"
ZONE = "Europe/Lisbon"

# The listings of a new tenant: path, the empty state's heading, its button (for the administrator).
EMPTY_LISTINGS = [
    ("/admin/warehouses", "No warehouses yet", "Create the first warehouse"),
    ("/admin/bins", "No bins yet", "Create the first bin"),
    ("/admin/items", "No items yet", "Create the first item"),
    ("/admin/stocks", "No stock records yet", "Create the first stock record"),
    ("/admin/transactions", "No transactions yet", "Record the first transaction"),
    ("/admin/count-sessions", "No count sessions yet", "Plan the first count session"),
]


def run_tool(*args, stdin=""):
    return subprocess.run([ADMIN_TOOL, "--config", CONFIG] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture()
def tenant():
    """A new tenant and its administrator, made by stocktake-admin; made inactive afterwards."""
    if not os.access(ADMIN_TOOL, os.X_OK):
        pytest.skip("tools/stocktake-admin is not built")
    name, admin = unique("First Tenant"), unique("ft-admin")
    r = run_tool("create-tenant", name, "--admin", admin, "--time-zone", ZONE, stdin=ADMIN_PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "in time zone %s" % ZONE in r.stdout and ADMIN_PW not in r.stdout + r.stderr
    rows = db_query("SELECT id, time_zone, status FROM tenants WHERE name = ?", name)
    assert len(rows) == 1 and rows[0][1:] == [ZONE, "active"]
    listed = [line for line in run_tool("list-tenants").stdout.splitlines() if line.endswith(name)]
    assert len(listed) == 1 and rows[0][0] in listed[0] and ZONE in listed[0]
    yield {"id": rows[0][0], "name": name, "admin": admin}
    db_query("UPDATE tenants SET status = 'inactive' WHERE id = ?", rows[0][0])


def click_and_wait(driver, css):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait_replaced(driver, old)


def other_tenants_codes():
    """Codes and SKUs of the other tenants' records, which a new tenant's pages must not show."""
    rows = db_query("SELECT code FROM warehouses UNION SELECT code FROM bins UNION SELECT sku FROM items")
    return [r[0] for r in rows if r[0] and len(r[0]) >= 4]


def test_first_tenant_from_stocktake_admin_to_a_user_at_work(browser, tenant):
    b = sign_in(browser, tenant["admin"], ADMIN_PW)
    assert "/admin/login" not in b.current_url

    # The empty overview: the first steps, nothing of another tenant, no empty charts.
    b.get(url("/admin/"))
    start = b.find_element(By.CSS_SELECTOR, "section.getting-started")
    steps = [li.text for li in start.find_elements(By.CSS_SELECTOR, "ol.start-steps > li")]
    assert len(steps) == 5 and "Create a warehouse" in steps[0] and "Add your team" in steps[4]
    assert start.find_element(By.LINK_TEXT, "Create a warehouse").get_attribute("href") == url(
        "/admin/warehouses/new")
    figures = [e.text for e in b.find_elements(By.CSS_SELECTOR, ".cards .figure")]
    assert figures and set(figures) == {"0"}
    assert not b.find_elements(By.CSS_SELECTOR, ".overview-grid") and "Latest transactions" not in b.page_source
    source = b.page_source
    leaked = [code for code in other_tenants_codes() if ">%s<" % code in source]
    assert leaked == []
    look(b, "first-tenant-overview")
    no_sideways_scroll(b)

    # Every listing is empty, says so and says what to do next.
    for path, title, action in EMPTY_LISTINGS:
        b.get(url(path))
        state = b.find_element(By.CSS_SELECTOR, "section.empty-state")
        assert state.find_element(By.TAG_NAME, "h2").text == title
        assert state.find_element(By.CSS_SELECTOR, "a.button.primary").text == action
        assert not b.find_elements(By.CSS_SELECTOR, "table.data, p.summary, a[download]")
        look(b, "first-tenant" + path.replace("/admin", "").replace("/", "-"))
    no_sideways_scroll(b)
    # A filter that finds nothing is not an empty state: the filters stay to change it.
    b.get(url("/admin/warehouses?code=NOPE"))
    assert not b.find_elements(By.CSS_SELECTOR, "section.empty-state")
    assert "Nothing matches." in b.find_element(By.CSS_SELECTOR, "p.summary").text

    # A warehouse through the form: first without a code, refused beside the field.
    b.get(url("/admin/warehouses"))
    click_and_wait(b, "section.empty-state a.button.primary")
    assert b.current_url == url("/admin/warehouses/new")
    fill(b, {"name": "Lisbon main"})
    submit(b, "form.master-form")
    assert b.find_element(By.ID, "code-error").text == "Field required: code"
    assert b.find_element(By.ID, "code").get_attribute("aria-invalid") == "true"
    assert b.find_element(By.ID, "name").get_attribute("value") == "Lisbon main"
    assert db_query("SELECT COUNT(*) FROM warehouses WHERE tenant_id = ?", tenant["id"]) == [["0"]]
    look(b, "first-tenant-warehouse-error", html=posted_html(
        b, "/admin/warehouses/new", "/admin/warehouses", {"name": "Lisbon main", "code": ""}))
    fill(b, {"code": "LIS1"})
    submit(b, "form.master-form")
    assert "Warehouse created." in b.page_source
    assert db_query("SELECT code, name, status FROM warehouses WHERE tenant_id = ?", tenant["id"]) == [
        ["LIS1", "Lisbon main", "active"]]
    b.get(url("/admin/warehouses"))
    assert not b.find_elements(By.CSS_SELECTOR, "section.empty-state")
    assert "LIS1" in b.find_element(By.CSS_SELECTOR, "table.data").text
    b.get(url("/admin/"))
    done = b.find_elements(By.CSS_SELECTOR, "ol.start-steps > li.done")
    assert len(done) == 1 and "Create a warehouse" in done[0].text

    # A user through the users page, who may look but not change.
    user = unique("ft-user")
    b.get(url("/admin/users/new"))
    fill(b, {"username": user, "first_name": "Fiona", "last_name": "First",
             "password": USER_PW, "password_confirm": USER_PW})
    b.find_element(By.CSS_SELECTOR, "input[value='view:tenant']").click()
    submit(b, "form.panel")
    assert "User created" in b.page_source
    assert db_query("SELECT tenant_id, scopes, status FROM users WHERE username = ?", user) == [
        [tenant["id"], "view:tenant", "active"]]

    # Sign out, and the user signs in.
    click_and_wait(b, "form.signout button[type=submit]")
    assert "/admin/login" in b.current_url
    b.get(url("/admin/warehouses"))
    assert "/admin/login" in b.current_url  # the session ended
    b.find_element(By.ID, "username").send_keys(user)
    b.find_element(By.ID, "password").send_keys(USER_PW)
    click_and_wait(b, "form button[type=submit]")
    assert b.find_element(By.CSS_SELECTOR, ".who").text == user
    b.get(url("/admin/warehouses"))
    assert "LIS1" in b.find_element(By.CSS_SELECTOR, "table.data").text
    # A reader's empty listing names no button, only who adds the records.
    b.get(url("/admin/bins"))
    state = b.find_element(By.CSS_SELECTOR, "section.empty-state")
    assert not state.find_elements(By.CSS_SELECTOR, "a.button")
    assert "once someone allowed to add them" in state.text
    look(b, "first-tenant-bins-reader")
    b.get(url("/admin/"))
    assert "An administrator sets up the account" in b.find_element(By.CSS_SELECTOR, "section.getting-started").text
    assert not b.find_elements(By.CSS_SELECTOR, "ol.start-steps a")
    look(b, "first-tenant-overview-reader")
