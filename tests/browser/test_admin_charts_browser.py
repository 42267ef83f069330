"""Headless Chromium tests of the charts and the time zone setting: the overview (transactions per day,
count progress), a stock record's quantity chart and the settings page, each checked by pagecheck.look
(tidy, axe-core, screenshots at desktop and phone width) and for legible labels and no sideways scrolling
at phone width."""
import datetime

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import auth_headers, db_query, unique, url, wait_replaced
from pagecheck import PHONE, look


def api(method, path, headers, body):
    r = requests.request(method, url(path), json=body, headers=headers, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def history():
    """A stock record with a month of transactions (a few a day, oldest first) and a started count
    session with two assignments, one half counted."""
    admin = auth_headers("demo-admin")
    wh = api("POST", "/warehousing/warehouses", admin, {"name": "Chart test", "code": unique("CHT")})["warehouse"]
    bins = [api("POST", "/warehousing/bins", admin, {"warehouse_id": wh["id"], "code": unique("C")})["bin"]
            for _ in range(4)]
    item = api("POST", "/warehousing/items", admin, {"sku": unique("CHT-SKU"), "name": "Chart widget"})["item"]
    stock = api("POST", "/warehousing/stocks", admin, {"warehouse_id": wh["id"], "item_id": item["id"],
                                                       "bin_id": bins[0]["id"], "quantity": 0})["stock"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    plan = [("receive", 40), ("pick", 15), ("pick", 8), ("stock_adjustment", 3), ("receive", 25),
            ("pick", 30), ("return", 4), ("pick", 12)]
    api("POST", "/warehousing/inventory-transactions", admin, {
        "warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"], "transaction_type": "receive",
        "quantity": 120, "timestamp": (now - datetime.timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    for day in range(27, -1, -1):
        for n in range(day % 3 + 1):
            kind, qty = plan[(day + n) % len(plan)]
            body = {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"],
                    "transaction_type": kind, "quantity": qty,
                    "timestamp": (now - datetime.timedelta(days=day, hours=5 - n)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            if kind == "pick":
                body["from_bin_id"] = bins[0]["id"]
            if kind == "stock_adjustment":
                body["adjustment_direction"] = "decrease"
            api("POST", "/warehousing/inventory-transactions", admin, body)
    session = api("POST", "/inventory/count-session", admin, {
        "count_session": {"type": "position", "description": "Month-end count, aisle C"},
        "assignments": [{"user_key": "user/demo-operator", "target_keys": [[b["id"]] for b in bins[:2]]},
                        {"user_key": "user/demo-admin", "target_keys": [[b["id"]] for b in bins[2:]]}]})
    key = session["count_session"]["_key"]
    api("POST", "/inventory/count-session/%s/start" % key, admin, None)
    api("POST", "/inventory/count-session/%s/records" % key, auth_headers("demo-operator"),
        {"bin_id": bins[0]["id"], "item_id": item["id"], "counted_qt": 100})
    return {"stock": stock, "session": key}


def no_sideways_scroll(driver):
    driver.set_window_size(PHONE, 900)
    try:
        return driver.execute_script("return document.documentElement.scrollWidth") <= PHONE
    finally:
        driver.set_window_size(1366, 900)


def smallest_label_px(driver):
    """The height in CSS pixels of the smallest axis label of the page's charts, at phone width."""
    driver.set_window_size(PHONE, 900)
    try:
        return driver.execute_script(
            "return Math.min.apply(null, Array.from(document.querySelectorAll('svg.chart text'))"
            ".filter(function (t) { return t.getBoundingClientRect().height > 0; })"
            ".map(function (t) { return t.getBoundingClientRect().height; }))")
    finally:
        driver.set_window_size(1366, 900)


def test_overview_charts(admin_browser, history):
    d = admin_browser
    d.get(url("/admin/"))
    chart = d.find_element(By.CSS_SELECTOR, "svg.chart[aria-labelledby='days-chart-heading']")
    assert chart.get_attribute("role") == "img"
    assert len(d.find_elements(By.CSS_SELECTOR, "svg.chart rect")) >= 28  # a bar (or more) per busy day
    sessions = d.find_element(By.CSS_SELECTOR, ".sessions-panel").text
    assert "Month-end count, aisle C" in sessions and "All targets" in sessions  # two assignments
    look(d, "charts-overview")
    assert no_sideways_scroll(d)
    assert smallest_label_px(d) >= 10
    # The text alternative opens without JavaScript.
    d.find_element(By.CSS_SELECTOR, ".chart-data summary").click()
    assert d.find_element(By.CSS_SELECTOR, ".chart-data table").is_displayed()


def test_stock_chart(admin_browser, history):
    d = admin_browser
    d.get(url("/admin/stocks/" + history["stock"]["id"]))
    chart = d.find_element(By.CSS_SELECTOR, "svg.chart-w800[aria-labelledby='stock-chart-heading']")
    box = chart.rect
    assert box["width"] > 1000 and box["height"] > 250  # the wide drawing fills the panel
    assert not d.find_element(By.CSS_SELECTOR, "svg.chart-w400").is_displayed()
    look(d, "charts-stock")
    assert no_sideways_scroll(d)
    assert smallest_label_px(d) >= 10
    d.find_element(By.CSS_SELECTOR, ".chart-data summary").click()
    rows = d.find_elements(By.CSS_SELECTOR, ".chart-data tbody tr")
    quantity = db_query("SELECT quantity FROM stocks WHERE id = ?", history["stock"]["id"])[0][0]
    assert rows[0].find_elements(By.TAG_NAME, "td")[2].text == quantity


def test_settings_page(admin_browser):
    d = admin_browser
    tenant = db_query("SELECT tenant_id FROM users WHERE username = 'demo-admin'")[0][0]
    before = db_query("SELECT time_zone FROM tenants WHERE id = ?", tenant)[0][0]
    try:
        d.get(url("/admin/settings"))
        look(d, "charts-settings")
        assert no_sideways_scroll(d)
        Select(d.find_element(By.ID, "time_zone")).select_by_value("Asia/Kolkata")
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait_replaced(d, old)
        assert "Times are now shown in Asia/Kolkata" in d.find_element(By.CSS_SELECTOR, ".notice.ok").text
        assert "times in Asia/Kolkata" in d.find_element(By.CSS_SELECTOR, "footer").text
        assert db_query("SELECT time_zone FROM tenants WHERE id = ?", tenant)[0][0] == "Asia/Kolkata"
        look(d, "charts-settings-saved")
        # The refusal: a name that is no zone (sent as a browser without the list would send it).
        d.execute_script("document.getElementById('time_zone').options[0].value = 'Mars/Base';"
                         "document.getElementById('time_zone').selectedIndex = 0;")
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait_replaced(d, old)
        error = d.find_element(By.ID, "time_zone_error")
        assert "Unknown time zone" in error.text and "Mars/Base" in error.text
        look(d, "charts-settings-refused", html="<!DOCTYPE html>\n" + d.page_source)
    finally:
        db_query("UPDATE tenants SET time_zone = ? WHERE id = ?", before, tenant)
