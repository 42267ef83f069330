"""Headless Chromium test of counting with a phone or a handheld scanner: a whole count at phone width by
keyboard alone (a scanner types a code and Enter), the pages checked and photographed with pagecheck.look,
the records checked in the database; a blind session's screen without system quantities."""
import random

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import WIDTH, auth_headers, db_query, sign_in, unique, url, wait_replaced
from pagecheck import PHONE, look

# Quantities no page of a blind session may contain.
SYSTEM_QTS = (8317, 6143, 5209)


def api(method, path, headers, body):
    r = requests.request(method, url(path), json=body, headers=headers, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


def shop(admin):
    """A warehouse with three bins, each holding one item with a barcode and an odd quantity."""
    wh = api("POST", "/warehousing/warehouses", admin, {"name": "Scanner test", "code": unique("SCN")})["warehouse"]
    lines = []
    for qty in SYSTEM_QTS:
        bn = api("POST", "/warehousing/bins", admin, {"warehouse_id": wh["id"], "code": unique("S")})["bin"]
        code = "21" + "".join(random.choice("0123456789") for _ in range(11))
        it = api("POST", "/warehousing/items", admin,
                 {"sku": unique("SCN-SKU"), "name": "Scanned widget", "barcode": code})["item"]
        api("POST", "/warehousing/stocks", admin,
            {"warehouse_id": wh["id"], "item_id": it["id"], "bin_id": bn["id"], "quantity": qty})
        lines.append((bn, it))
    return lines


def started_session(admin, lines, blind):
    body = {"count_session": {"type": "position", "description": unique("Scanner count"),
                              "blind_quantities": blind},
            "assignments": [{"user_key": "user/demo-operator",
                             "target_keys": [[bn["id"]] for bn, _ in lines]}]}
    key = api("POST", "/inventory/count-session", admin, body)["detail"]
    api("POST", "/inventory/count-session/%s/start" % key, admin, {})
    return key


@pytest.fixture(scope="module")
def counting():
    admin = auth_headers("demo-admin")
    lines = shop(admin)
    return {"lines": lines, "key": started_session(admin, lines, blind=True)}


def active_id(driver):
    return driver.switch_to.active_element.get_attribute("id")


def wait_focus(driver, field_id):
    WebDriverWait(driver, 20).until(lambda d: active_id(d) == field_id)


def scan(driver, text):
    """What a scanner does: types the code into the focused field and presses Enter."""
    driver.switch_to.active_element.send_keys(text + Keys.ENTER)


def no_sideways_scroll(driver):
    width = driver.execute_script("return document.documentElement.clientWidth")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width


def post_answer(driver):
    """The HTML the server answers to the screen's form as it stands (for a page shown after a POST)."""
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1], f = document.querySelector('form.scan-form');"
        "fetch(f.action, {method: 'POST', credentials: 'same-origin',"
        " body: new URLSearchParams(new FormData(f))})"
        ".then(function (r) { return r.text(); }).then(done)"
        ".catch(function (e) { done('fetch failed: ' + e); });")


def test_whole_count_by_keyboard_at_phone_width(browser, counting):
    b = sign_in(browser, "demo-operator")
    key, lines = counting["key"], counting["lines"]
    screen = url("/admin/count-sessions/%s/count" % key)
    b.set_window_size(PHONE, 900)
    try:
        b.get(url("/admin/counting"))
        look(b, "counting-your-counts")
        b.get(url("/admin/"))
        assert b.find_element(By.ID, "your-counts-title").text == "Your counts"
        look(b, "counting-overview")
        b.get(screen)
        look(b, "counting-screen-empty")
        no_sideways_scroll(b)
        assert "0 of 3" in b.find_element(By.ID, "progress-title").text
        wait_focus(b, "scan-bin")
        # A wrong barcode first: the message beside the item field, the form as typed.
        bn, it = lines[0]
        scan(b, bn["code"])
        wait_focus(b, "scan-item")
        scan(b, "9999999999999")
        wait_focus(b, "scan-qty")
        old = b.find_element(By.TAG_NAME, "html")
        scan(b, "1")
        wait_replaced(b, old)
        err = b.find_element(By.CSS_SELECTOR, ".field-error")
        assert err.text == "Item not found: 9999999999999"
        assert active_id(b) == "scan-item"
        look(b, "counting-screen-error", html=post_answer(b))
        # Select what was scanned and delete it, as a person at the keyboard does.
        b.switch_to.active_element.send_keys(Keys.CONTROL, "a")
        b.switch_to.active_element.send_keys(Keys.BACKSPACE)
        # Every bin: its label, the product's barcode, the quantity; Enter after each.
        for n, (bn, it) in enumerate(lines):
            bin_field = b.find_element(By.ID, "scan-bin")
            if bin_field.get_attribute("value") != bn["code"]:
                bin_field.send_keys(Keys.CONTROL, "a")
                bin_field.send_keys(Keys.BACKSPACE)
                wait_focus(b, "scan-bin")
                scan(b, bn["code"])
            wait_focus(b, "scan-item")
            scan(b, it["barcode"])
            wait_focus(b, "scan-qty")
            old = b.find_element(By.TAG_NAME, "html")
            scan(b, str(10 + n))
            wait_replaced(b, old)
            notice = b.find_element(By.CSS_SELECTOR, ".scan-notice").text
            assert notice == "Recorded %d × %s in %s." % (10 + n, it["sku"], bn["code"])
            assert "%d of 3" % (n + 1) in b.find_element(By.ID, "progress-title").text
            assert active_id(b) == "scan-item"
            assert b.find_element(By.ID, "scan-bin").get_attribute("value") == bn["code"]
            if n == 0:
                look(b, "counting-screen-after-line")
        assert "All done" in b.find_element(By.CSS_SELECTOR, ".scan-progress").text
        no_sideways_scroll(b)
        look(b, "counting-screen-blind")
        source = b.execute_script("return document.documentElement.outerHTML")
        for qty in SYSTEM_QTS:
            assert str(qty) not in source
    finally:
        b.set_window_size(WIDTH, 900)
    rows = db_query("SELECT b.code, i.barcode, r.counted_qt, r.lot_number FROM count_records r"
                    " JOIN bins b ON b.id = r.bin_id JOIN items i ON i.id = r.item_id"
                    " JOIN users u ON u.id = r.user_id WHERE r.session_id = ? AND u.username = 'demo-operator'"
                    " ORDER BY r.counted_qt", key)
    assert rows == [[bn["code"], it["barcode"], str(10 + n), ""] for n, (bn, it) in enumerate(lines)]


def test_not_blind_screen_shows_system_quantity(browser, counting):
    """The same screen for a session that is not blind, after one line (for the screenshot)."""
    admin = auth_headers("demo-admin")
    key = started_session(admin, counting["lines"], blind=False)
    b = sign_in(browser, "demo-operator")
    b.get(url("/admin/count-sessions/%s/count" % key))
    bn, it = counting["lines"][0]
    scan(b, bn["code"])
    wait_focus(b, "scan-item")
    scan(b, it["sku"])
    wait_focus(b, "scan-qty")
    old = b.find_element(By.TAG_NAME, "html")
    scan(b, "7")
    wait_replaced(b, old)
    assert str(SYSTEM_QTS[0]) in b.find_element(By.CSS_SELECTOR, "table.data").text
    look(b, "counting-screen-open")
