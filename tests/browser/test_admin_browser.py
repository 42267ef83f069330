"""Headless Chromium tests of the admin pages: sign-in, filtering and paging, CSV download, the count session
form, escaping of stored text, phone width; a screenshot of each main page goes to tests/browser/out/."""
import csv
import glob
import os
import time

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import WIDTH, auth_headers, db_query, screenshot, sign_in, unique, url, wait_replaced
from pagecheck import look

DEMO_WAREHOUSE = "30000000-0000-4000-8000-000000000001"
DEMO_STOCK = "60000000-0000-4000-8000-000000000001"
PHONE = 390


def api(method, path, headers, body):
    r = requests.request(method, url(path), json=body, headers=headers, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def place():
    """A fresh warehouse with two bins, an item, a stock record and 25 picks with one reference prefix."""
    admin = auth_headers("demo-admin")
    wh = api("POST", "/warehousing/warehouses", admin, {"name": "Browser test", "code": unique("BRW")})["warehouse"]
    bins = [api("POST", "/warehousing/bins", admin, {"warehouse_id": wh["id"], "code": unique("B")})["bin"]
            for _ in range(2)]
    item = api("POST", "/warehousing/items", admin, {"sku": unique("BRW-SKU"), "name": "Browser widget"})["item"]
    stock = api("POST", "/warehousing/stocks", admin, {"warehouse_id": wh["id"], "item_id": item["id"],
                                                       "bin_id": bins[0]["id"], "quantity": 500})["stock"]
    ref = unique("PICKS")
    for n in range(25):
        api("POST", "/warehousing/inventory-transactions", admin, {
            "warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"], "transaction_type": "pick",
            "quantity": n + 1, "from_bin_id": bins[0]["id"], "reference_type": "order",
            "reference_id": "%s-%02d" % (ref, n)})
    return {"warehouse": wh, "bins": bins, "item": item, "stock": stock, "ref": ref}


def click(driver, element):
    """Clicks something that loads a new page and waits until it has."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_replaced(driver, old)


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr")


def text_of(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def test_sign_in(browser, out_dir):
    browser.delete_all_cookies()
    browser.get(url("/admin/transactions"))
    assert "/admin/login" in browser.current_url
    assert "Please sign in to continue." in browser.page_source
    look(browser, "login")
    browser.refresh()  # look() fetched the page again, which set a new form cookie
    browser.find_element(By.ID, "username").send_keys("demo-admin")
    browser.find_element(By.ID, "password").send_keys("wrong")
    click(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert "Incorrect username or password." in browser.page_source
    browser.find_element(By.ID, "password").send_keys("demo-admin")
    click(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    # Back where the user wanted to go, with the session cookie out of JavaScript's reach.
    assert browser.current_url.endswith("/admin/transactions")
    assert "stocktake_token" not in browser.execute_script("return document.cookie")
    cookie = browser.get_cookie("stocktake_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"


def test_filter_and_page_transactions(admin_browser, place, out_dir):
    b = admin_browser
    b.get(url("/admin/transactions"))
    b.find_element(By.NAME, "search").send_keys(place["ref"])
    Select(b.find_element(By.NAME, "transaction_type")).select_by_value("pick")
    click(b, b.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "transaction_type=pick" in b.current_url and "search=" in b.current_url
    assert text_of(b, "p.summary") == "Showing 1–20 of 25"
    assert len(rows(b)) == 20
    assert {r.find_elements(By.TAG_NAME, "td")[1].text for r in rows(b)} == {"Pick"}
    # At desktop width the listing is a table: each cell under its header, the first row below
    # the header row (the overview's grid of cards once laid them side by side).
    assert b.execute_script("return getComputedStyle(document.querySelector('table.data')).display") == "table"
    head = b.find_element(By.CSS_SELECTOR, "table.data thead th")
    cell = rows(b)[0].find_elements(By.TAG_NAME, "td")[0]
    assert cell.location["x"] == head.location["x"]
    assert cell.location["y"] >= head.location["y"] + head.size["height"]
    look(b, "transactions-filtered")
    # Numbers sort largest first on the first click, the other way round on the next.
    click(b, b.find_element(By.LINK_TEXT, "Quantity"))
    assert "dir=desc" in b.current_url
    click(b, b.find_element(By.LINK_TEXT, "Quantity"))
    assert rows(b)[0].find_elements(By.TAG_NAME, "td")[6].text == "1"
    click(b, b.find_element(By.LINK_TEXT, "Quantity"))
    # Then page on: filters and order stay.
    assert rows(b)[0].find_elements(By.TAG_NAME, "td")[6].text == "25"
    click(b, b.find_element(By.CSS_SELECTOR, "nav.pager a[rel=next]"))
    assert text_of(b, "p.summary") == "Showing 21–25 of 25"
    assert [r.find_elements(By.TAG_NAME, "td")[6].text for r in rows(b)] == ["5", "4", "3", "2", "1"]
    assert text_of(b, "nav.pager span.current") == "2"
    click(b, b.find_element(By.CSS_SELECTOR, "nav.pager a[rel=prev]"))
    assert text_of(b, "p.summary") == "Showing 1–20 of 25"


def test_download_csv_of_the_filter(admin_browser, place, downloads):
    b = admin_browser
    for old in glob.glob(os.path.join(downloads, "*")):
        os.remove(old)
    b.get(url("/admin/transactions?transaction_type=pick&search=" + place["ref"]))
    b.find_element(By.LINK_TEXT, "Download CSV").click()
    path = os.path.join(downloads, "inventory-transactions.csv")
    for _ in range(100):
        if os.path.exists(path) and not glob.glob(os.path.join(downloads, "*.crdownload")):
            break
        time.sleep(0.1)
    with open(path, newline="", encoding="utf-8") as f:
        data = list(csv.reader(f))
    assert data[0] == ["id", "timestamp", "transaction_type", "warehouse_code", "item_sku", "item_name",
                       "stock_id", "quantity", "from_bin_code", "to_bin_code", "reference_type", "reference_id",
                       "performed_by", "notes"]
    assert len(data) == 26
    assert sorted(row[11] for row in data[1:]) == ["%s-%02d" % (place["ref"], n) for n in range(25)]
    assert {row[2] for row in data[1:]} == {"pick"}
    assert {row[3] for row in data[1:]} == {place["warehouse"]["code"]}
    assert sorted(int(row[7]) for row in data[1:]) == list(range(1, 26))


def test_create_count_session_through_the_form(admin_browser, place, out_dir):
    b = admin_browser
    b.get(url("/admin/count-sessions"))
    click(b, b.find_element(By.LINK_TEXT, "New count session"))
    look(b, "count-session-new")
    b.get(url("/admin/count-sessions/new"))
    description = unique("Browser count")
    b.find_element(By.ID, "description").send_keys(description)
    b.find_element(By.NAME, "blind_quantities").click()
    Select(b.find_element(By.ID, "user_1")).select_by_visible_text("demo-operator (Demo Operator)")
    # The bins are typed, one code a line, looked up in the chosen warehouse.
    Select(b.find_element(By.ID, "warehouse_id")).select_by_value(place["warehouse"]["id"])
    b.find_element(By.ID, "targets_1").send_keys("\n".join(bin_["code"] for bin_ in place["bins"]))
    b.find_element(By.ID, "notes").send_keys("<script>alert(1)</script>")
    click(b, b.find_element(By.XPATH, "//button[text()='Create count session']"))
    assert "Count session created." in b.page_source
    assert text_of(b, "p.sub").startswith(description)
    assert "planned" in text_of(b, "h1 .badge")
    assert text_of(b, "p.notes") == "<script>alert(1)</script>"
    key = b.current_url.split("/admin/count-sessions/")[1].split("?")[0]
    assert db_query("SELECT blind_quantities, status FROM count_sessions WHERE id = ?", key)[0] == ["1", "planned"]
    assert {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows(b)} == {"demo-operator"}
    click(b, b.find_element(By.XPATH, "//button[text()='Start count']"))
    assert "Count session started." in b.page_source
    assert "started" in text_of(b, "h1 .badge")
    # The counter records a count; the supervisor's page then shows lines, records and variances.
    operator = auth_headers("demo-operator")
    api("POST", "/inventory/count-session/%s/records" % key, operator,
        {"bin_id": place["bins"][0]["id"], "item_id": place["item"]["id"], "counted_qt": 170})
    b.refresh()
    assert "Variances" in b.page_source and "170" in b.page_source
    look(b, "count-session")


def test_stored_script_is_shown_as_text(admin_browser, place, out_dir):
    b = admin_browser
    admin = auth_headers("demo-admin")
    evil = "<script>alert(1)</script>"
    tx = api("POST", "/warehousing/inventory-transactions", admin, {
        "warehouse_id": place["warehouse"]["id"], "item_id": place["item"]["id"], "stock_id": place["stock"]["id"],
        "transaction_type": "receive", "quantity": 3, "reference_type": "order",
        "reference_id": "<img src=x onerror=alert(2)>", "notes": evil})["inventory_transaction"]
    b.get(url("/admin/transactions/" + tx["id"]))
    with pytest.raises(NoAlertPresentException):
        b.switch_to.alert.text
    assert text_of(b, "p.notes") == evil
    assert "<img src=x onerror=alert(2)>" in b.find_element(By.TAG_NAME, "main").text
    assert not b.find_elements(By.CSS_SELECTOR, "main script, main img")
    look(b, "transaction")
    b.get(url("/admin/transactions?search=" + place["ref"][:5] + "&reference_type=order"))
    with pytest.raises(NoAlertPresentException):
        b.switch_to.alert.text


def test_new_transaction_form(admin_browser, place, out_dir):
    b = admin_browser
    b.get(url("/admin/stocks/" + place["stock"]["id"]))
    click(b, b.find_element(By.LINK_TEXT, "New transaction"))
    Select(b.find_element(By.ID, "transaction_type")).select_by_value("move")
    b.find_element(By.ID, "quantity").send_keys("7")
    # The move target is a search picker: its suggestion, chosen by keyboard.
    to_bin = b.find_element(By.ID, "to_bin")
    to_bin.send_keys(place["bins"][1]["code"])
    WebDriverWait(b, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.picker-list:not([hidden]) li"))
    to_bin.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert to_bin.get_attribute("value") == "%s / %s" % (place["warehouse"]["code"], place["bins"][1]["code"])
    look(b, "transaction-new")
    click(b, b.find_element(By.XPATH, "//button[text()='Create transaction']"))
    assert "Transaction created." in b.page_source
    assert text_of(b, "h1").startswith("Move of 7")
    # Too much: the form again, with the reason.
    b.get(url("/admin/transactions/new?stock_id=" + place["stock"]["id"]))
    Select(b.find_element(By.ID, "transaction_type")).select_by_value("pick")
    b.find_element(By.ID, "quantity").send_keys("100000")
    click(b, b.find_element(By.XPATH, "//button[text()='Create transaction']"))
    assert text_of(b, ".notice.error") == "Insufficient stock"
    assert b.find_element(By.ID, "quantity").get_attribute("value") == "100000"


MAIN_PAGES = [
    ("overview", "/admin/"),
    ("transactions", "/admin/transactions?warehouse_id=" + DEMO_WAREHOUSE),
    ("stock", "/admin/stocks?warehouse_id=" + DEMO_WAREHOUSE),
    ("stock-record", "/admin/stocks/" + DEMO_STOCK),
    ("count-sessions", "/admin/count-sessions"),
    ("warehouses", "/admin/warehouses?search=Warehouse&sort=name"),
    ("bins", "/admin/bins?warehouse_id=" + DEMO_WAREHOUSE),
    ("items", "/admin/items?search=ITEM-0"),
    ("not-found", "/admin/stocks/00000000-0000-4000-8000-000000000000"),
]


@pytest.mark.parametrize("name,path", MAIN_PAGES)
def test_main_pages(admin_browser, out_dir, name, path):
    b = admin_browser
    b.get(url(path))
    assert b.find_element(By.CSS_SELECTOR, "header.topbar")
    assert "Internal server error" not in b.page_source
    look(b, name)


@pytest.mark.parametrize("name,path", [
    ("phone-transactions", "/admin/transactions?warehouse_id=" + DEMO_WAREHOUSE),
    ("phone-stock-record", "/admin/stocks/" + DEMO_STOCK),
    ("phone-count-sessions", "/admin/count-sessions"),
])
def test_phone_width(admin_browser, out_dir, name, path):
    """At phone width the page does not scroll sideways: wide tables scroll inside their own box."""
    b = admin_browser
    b.set_window_size(PHONE, 800)
    try:
        b.get(url(path))
        width = b.execute_script("return document.documentElement.clientWidth")
        assert b.execute_script("return document.documentElement.scrollWidth") <= width
        screenshot(b, out_dir, name, width=PHONE)
    finally:
        b.set_window_size(WIDTH, 900)


def test_counter_sees_no_system_quantities(browser, place, out_dir):
    admin, operator = auth_headers("demo-admin"), auth_headers("demo-operator")
    body = {"count_session": {"type": "position", "description": "Blind browser count", "blind_quantities": True},
            "assignments": [{"user_key": "user/demo-operator", "target_keys": [[place["bins"][0]["id"]]]}]}
    key = api("POST", "/inventory/count-session", admin, body)["count_session"]["_key"]
    api("POST", "/inventory/count-session/%s/start" % key, admin, {})
    api("POST", "/inventory/count-session/%s/records" % key, operator,
        {"bin_id": place["bins"][0]["id"], "item_id": place["item"]["id"], "counted_qt": 4})
    b = sign_in(browser, "demo-operator")
    b.get(url("/admin/count-sessions/" + key))
    headers = [th.text for th in b.find_elements(By.CSS_SELECTOR, "th")]
    assert "System quantity" not in headers and "System" not in headers
    assert "Variances" not in b.page_source
    # Sign-out is the only button besides the CSV upload a counter may use (the import's scope).
    assert not b.find_elements(By.CSS_SELECTOR, "form:not(.upload-form) button")[1:]
    look(b, "count-session-counter")
