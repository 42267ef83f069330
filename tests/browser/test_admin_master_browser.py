"""Headless Chromium tests of the master data forms and the search pickers: each entity created after a
validation error shown beside its field, a stock record with opening stock and its ledger row, the picker
used by keyboard; pagecheck.look on every new page (empty, with errors, edit, confirmation, find)."""
import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import auth_headers, db_query, unique, url, wait_replaced
from pagecheck import look


def api(method, path, body):
    r = requests.request(method, url(path), json=body, headers=auth_headers("demo-admin"), timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def web():
    """A requests session signed in as demo-admin, to fetch the HTML a POST answers with for tidy."""
    s = requests.Session()
    r = s.get(url("/admin/login"), timeout=10)
    token = re.search(r'name="csrf" value="([^"]*)"', r.text).group(1)
    r = s.post(url("/admin/login"), data={"csrf": token, "username": "demo-admin", "password": "demo-admin",
                                          "next": "/admin/"}, allow_redirects=False, timeout=30)
    assert r.status_code == 303
    return s


def served_post(web, path, data):
    token = re.search(r'name="csrf" value="([^"]*)"', web.get(url("/admin/"), timeout=10).text).group(1)
    return web.post(url(path), data=dict(data, csrf=token), allow_redirects=False, timeout=30).text


def submit(driver):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit].primary, main form button.danger").click()
    wait_replaced(driver, old)


def error_beside(driver, name):
    field = driver.find_element(By.ID, name)
    assert field.get_attribute("aria-invalid") == "true"
    msg = driver.find_element(By.ID, name + "-error")
    assert name + "-error" in field.get_attribute("aria-describedby").split()
    return msg.text


def fill(driver, name, text):
    f = driver.find_element(By.ID, name)
    f.clear()
    f.send_keys(text)


def test_item_created_after_a_validation_error(admin_browser, web):
    b = admin_browser
    b.get(url("/admin/items"))
    old = b.find_element(By.TAG_NAME, "html")
    b.find_element(By.LINK_TEXT, "New item").click()
    wait_replaced(b, old)
    look(b, "item-new")
    sku = unique("BRI")
    fill(b, "sku", sku)
    fill(b, "category", "c" * 101)
    submit(b)
    assert error_beside(b, "name") == "Field required: name"
    assert error_beside(b, "category") == "Field too long: category"
    assert b.find_element(By.ID, "sku").get_attribute("value") == sku
    look(b, "item-new-errors", html=served_post(web, "/admin/items", {"sku": sku, "category": "c" * 101}))
    fill(b, "name", "Browser item")
    fill(b, "category", "Tools")
    submit(b)
    assert "Item created." in b.page_source and sku in b.find_element(By.TAG_NAME, "h1").text
    look(b, "item-record")
    old = b.find_element(By.TAG_NAME, "html")
    b.find_element(By.LINK_TEXT, "Edit").click()
    wait_replaced(b, old)
    look(b, "item-edit")
    old = b.find_element(By.TAG_NAME, "html")
    b.find_element(By.LINK_TEXT, "Deactivate").click()
    wait_replaced(b, old)
    look(b, "item-deactivate")
    submit(b)
    assert "Item deactivated." in b.page_source
    assert db_query("SELECT status FROM items WHERE sku = ?", sku) == [["inactive"]]


def test_warehouse_created_after_a_duplicate_code(admin_browser, web):
    b = admin_browser
    taken = api("POST", "/warehousing/warehouses", {"name": "Taken", "code": unique("BWH")})["warehouse"]
    b.get(url("/admin/warehouses/new"))
    look(b, "warehouse-new")
    fill(b, "name", "Browser warehouse")
    fill(b, "code", taken["code"])
    submit(b)
    assert error_beside(b, "code") == "Warehouse code already exists"
    assert b.find_element(By.ID, "name").get_attribute("value") == "Browser warehouse"
    look(b, "warehouse-new-errors", html=served_post(web, "/admin/warehouses",
                                                     {"name": "x", "code": taken["code"]}))
    code = unique("BWH")
    fill(b, "code", code)
    submit(b)
    assert "Warehouse created." in b.page_source
    b.get(url("/admin/warehouses/" + taken["id"]))
    look(b, "warehouse-edit")


def test_bin_created_after_an_invalid_capacity(admin_browser, web):
    b = admin_browser
    wh = api("POST", "/warehousing/warehouses", {"name": "Bins", "code": unique("BBW")})["warehouse"]
    b.get(url("/admin/bins/new"))
    look(b, "bin-new")
    Select(b.find_element(By.ID, "warehouse_id")).select_by_value(wh["id"])
    code = unique("BB")
    fill(b, "code", code)
    fill(b, "capacity", "forty")
    submit(b)
    assert error_beside(b, "capacity") == "capacity must be a whole number"
    assert Select(b.find_element(By.ID, "warehouse_id")).first_selected_option.get_attribute("value") == wh["id"]
    look(b, "bin-new-errors", html=served_post(web, "/admin/bins",
                                               {"warehouse_id": wh["id"], "code": code, "capacity": "forty"}))
    fill(b, "capacity", "40")
    submit(b)
    assert "Bin created." in b.page_source
    bin_id = db_query("SELECT id FROM bins WHERE code = ?", code)[0][0]
    b.get(url("/admin/bins/" + bin_id))
    look(b, "bin-edit")


def suggestions(driver):
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "ul.picker-list:not([hidden]) li[role=option]"))
    return driver.find_elements(By.CSS_SELECTOR, "ul.picker-list:not([hidden]) li[role=option]")


def test_stock_record_with_opening_stock_picked_by_keyboard(admin_browser, web):
    b = admin_browser
    wh = api("POST", "/warehousing/warehouses", {"name": "Stock", "code": unique("BSW")})["warehouse"]
    bin_ = api("POST", "/warehousing/bins", {"warehouse_id": wh["id"], "code": unique("BSB")})["bin"]
    stem = unique("KBD")
    items = [api("POST", "/warehousing/items", {"sku": "%s-%d" % (stem, n), "name": "Keyboard %d" % n})["item"]
             for n in range(3)]
    b.get(url("/admin/stocks/new"))
    look(b, "stock-new")
    Select(b.find_element(By.ID, "warehouse_id")).select_by_value(wh["id"])
    field = b.find_element(By.ID, "item_id")
    field.send_keys(stem)
    options = suggestions(b)
    assert [o.text for o in options] == ["%s-%d · Keyboard %d" % (stem, n, n) for n in range(3)]
    assert field.get_attribute("aria-expanded") == "true"
    field.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert field.get_attribute("aria-activedescendant") == options[1].get_attribute("id")
    field.send_keys(Keys.ENTER)  # chooses; does not send the form
    assert field.get_attribute("value") == items[1]["sku"]
    assert "/admin/stocks/new" in b.current_url
    bin_field = b.find_element(By.ID, "bin_id")
    bin_field.send_keys(bin_["code"][:6])
    suggestions(b)
    bin_field.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert bin_field.get_attribute("value") == "%s / %s" % (wh["code"], bin_["code"])
    fill(b, "quantity", "-5")
    submit(b)
    assert error_beside(b, "quantity") == "Quantity must be a non-negative integer"
    assert b.find_element(By.ID, "item_id").get_attribute("value") == items[1]["sku"]
    look(b, "stock-new-errors", html=served_post(web, "/admin/stocks", {
        "warehouse_id": wh["id"], "item_id": stem, "bin_id": bin_["code"], "quantity": "-5"}))
    fill(b, "quantity", "25")
    submit(b)
    assert "Stock record created." in b.page_source
    # The ledger table (the chart's data table before it is folded away in <details>).
    history = " ".join(t.text for t in b.find_elements(By.CSS_SELECTOR, "table.data tbody") if t.is_displayed())
    assert "Initial stock" in history and "+25" in history
    stock_id = b.current_url.split("/admin/stocks/")[1].split("?")[0]
    assert db_query("SELECT transaction_type, delta FROM inventory_transactions WHERE stock_id = ?",
                    stock_id) == [["initial_stock", "25"]]
    b.get(url("/admin/stocks/%s/edit" % stock_id))
    look(b, "stock-edit")
    b.get(url("/admin/stocks/%s/deactivate" % stock_id))
    look(b, "stock-deactivate")


def test_find_page_and_transaction_chooser(admin_browser):
    b = admin_browser
    b.get(url("/admin/find/items?q=ITEM"))
    assert "ITEM-001" in b.find_element(By.CSS_SELECTOR, "table.data").text
    look(b, "find-items")
    b.get(url("/admin/transactions/new"))
    look(b, "transaction-choose")
    field = b.find_element(By.ID, "stock")
    field.send_keys("ITEM-00")
    suggestions(b)
    field.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert field.get_attribute("value").endswith("ITEM-001")
    submit(b)
    assert b.find_element(By.CSS_SELECTOR, "input[name=stock_id]").get_attribute("value")
    b.get(url("/admin/transactions/new?stock=ITEM"))
    look(b, "transaction-choose-matches")
