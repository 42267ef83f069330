"""Browser tests of planning a count session by typing bin codes (no list of bins), and of a counter finding
their screen from the count sessions list and the session page."""
import os

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import auth_headers, db_query, sign_in, unique, url, wait_replaced
from pagecheck import look


def api(method, path, headers, body):
    r = requests.request(method, url(path), headers=headers, json=body, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def place():
    """A warehouse with bins <P>-01-01 .. <P>-01-03 and <P>-02-01 (P unique to the run)."""
    admin = auth_headers("demo-admin")
    pre = unique("PL").upper()
    wh = api("POST", "/warehousing/warehouses", admin, {"name": "Planning", "code": unique("PLW")})["warehouse"]
    bins = {c: api("POST", "/warehousing/bins", admin, {"warehouse_id": wh["id"], "code": pre + c})["bin"]
            for c in ("-01-01", "-01-02", "-01-03", "-02-01")}
    return {"warehouse": wh, "bins": bins, "pre": pre}


def submit(driver):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.XPATH, "//button[text()='Create count session']").click()
    wait_replaced(driver, old)


def test_plan_a_session_by_typing_bin_codes(admin_browser, place, out_dir):
    b, pre = admin_browser, place["pre"]
    b.get(url("/admin/count-sessions/new"))
    assert not b.find_elements(By.CSS_SELECTOR, "select[multiple]")
    look(b, "count-plan-new")
    description = unique("Typed plan")
    b.find_element(By.ID, "description").send_keys(description)
    Select(b.find_element(By.ID, "warehouse_id")).select_by_value(place["warehouse"]["id"])
    Select(b.find_element(By.ID, "user_1")).select_by_visible_text("demo-operator (Demo Operator)")
    b.find_element(By.ID, "targets_1").send_keys(pre + "-01-*")
    Select(b.find_element(By.ID, "user_2")).select_by_visible_text("demo-viewer (Demo Viewer)")
    b.find_element(By.ID, "targets_2").send_keys(pre + "-02-01\n" + pre + "-09-09")
    submit(b)
    # The unknown code is said beside counter 2's field; everything typed is kept.
    error = b.find_element(By.ID, "targets_2-error")
    assert error.text == 'Line 2: No bin matches "%s-09-09".' % pre
    assert b.find_element(By.ID, "targets_2").get_attribute("aria-invalid") == "true"
    assert b.find_element(By.ID, "targets_1").get_attribute("value") == pre + "-01-*"
    assert b.find_element(By.ID, "description").get_attribute("value") == description
    assert Select(b.find_element(By.ID, "warehouse_id")).first_selected_option.get_attribute("value") == \
        place["warehouse"]["id"]
    look(b, "count-plan-error", html="<!DOCTYPE html>\n" + b.page_source)
    field = b.find_element(By.ID, "targets_2")
    field.clear()
    field.send_keys(pre + "-02-01")
    submit(b)
    assert "Count session created." in b.page_source
    key = b.current_url.split("/admin/count-sessions/")[1].split("?")[0]
    got = db_query("SELECT u.username, b.code FROM count_targets t JOIN count_assignments g ON g.id = t.assignment_id"
                   " JOIN users u ON u.id = g.user_id JOIN bins b ON b.id = t.key_id WHERE t.session_id = ?"
                   " ORDER BY u.username, b.code", key)
    assert got == [["demo-operator", pre + "-01-01"], ["demo-operator", pre + "-01-02"],
                   ["demo-operator", pre + "-01-03"], ["demo-viewer", pre + "-02-01"]]
    old = b.find_element(By.TAG_NAME, "html")
    b.find_element(By.XPATH, "//button[text()='Start count']").click()
    wait_replaced(b, old)
    place["session"] = (key, description)


def test_counter_finds_the_count_button(browser, place, out_dir):
    key, description = place["session"]
    sign_in(browser, "demo-operator")
    browser.get(url("/admin/count-sessions"))
    panel = browser.find_element(By.CSS_SELECTOR, "section.your-counts")
    assert description in panel.text
    look(browser, "count-plan-your-counts")
    browser.get(url("/admin/count-sessions/" + key))
    button = browser.find_element(By.LINK_TEXT, "Count")
    assert button.get_attribute("href").endswith("/admin/count-sessions/%s/count" % key)
    look(browser, "count-plan-session-counter")
    old = browser.find_element(By.TAG_NAME, "html")
    button.click()
    wait_replaced(browser, old)
    assert browser.current_url.endswith("/admin/count-sessions/%s/count" % key)
    api("POST", "/inventory/count-session/%s/cancel" % key, auth_headers("demo-admin"), {})


def test_suggestions_fill_the_line_being_typed(admin_browser, place, out_dir):
    b, pre = admin_browser, place["pre"]
    b.get(url("/admin/count-sessions/new"))
    Select(b.find_element(By.ID, "warehouse_id")).select_by_value(place["warehouse"]["id"])
    field = b.find_element(By.ID, "targets_1")
    field.send_keys(pre + "-01-01", Keys.ENTER, pre + "-02")
    options = WebDriverWait(b, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "ul.picker-list:not([hidden]) li[role=option]"))
    assert [o.text.split(" · ")[0] for o in options] == ["%s / %s-02-01" % (place["warehouse"]["code"], pre)]
    b.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    b.save_screenshot(os.path.join(out_dir, "count-plan-suggestions.png"))  # for people to look at
    field.send_keys(Keys.ARROW_DOWN, Keys.ENTER)  # chooses: replaces the line, adds none
    assert field.get_attribute("value") == "%s-01-01\n%s / %s-02-01" % (pre, place["warehouse"]["code"], pre)
    # Enter without a suggestion chosen is a new line, as a scanner sends it.
    field.send_keys(Keys.ENTER, pre + "-01-*")
    assert field.get_attribute("value").endswith("-02-01\n%s-01-*" % pre)
    assert "/admin/count-sessions/new" in b.current_url
