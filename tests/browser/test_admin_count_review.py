"""Headless Chromium tests of reviewing a count session: a conflict made through the API resolved on
the page, a CSV chosen in the file input, checked as a dry run and imported, the variances with their
bars, and the apply confirmation; every page through pagecheck.look (tidy, axe-core, screenshots)."""
import os
import tempfile

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import auth_headers, db_query, unique, url, wait_replaced
from pagecheck import look


def api(method, path, headers, body=None):
    r = requests.request(method, url(path), json=body, headers=headers, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


def shown_html(driver):
    """The page the browser shows, for a page that answered a POST (it cannot be fetched again)."""
    return driver.execute_script("return '<!DOCTYPE html>\\n' + document.documentElement.outerHTML")


def click(driver, element):
    """Clicks something that loads a new page and waits until it has."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_replaced(driver, old)


@pytest.fixture()
def shop():
    """A warehouse with bins A and B, items X (10 at A), Y (4 at A) and Z (6 at B, lot L1), and a
    started session where demo-operator and demo-admin both count A and B."""
    admin = auth_headers("demo-admin")
    wh = api("POST", "/warehousing/warehouses", admin, {"name": "Review test", "code": unique("REV")})["warehouse"]
    bins = {n: api("POST", "/warehousing/bins", admin, {"warehouse_id": wh["id"], "code": unique("R" + n)})["bin"]
            for n in "AB"}
    items = {n: api("POST", "/warehousing/items", admin, {"sku": unique("RSKU" + n), "name": "Review item " + n})["item"]
             for n in "XYZ"}
    for n, b, q, lot in (("X", "A", 10, None), ("Y", "A", 4, None), ("Z", "B", 6, "L1")):
        body = {"warehouse_id": wh["id"], "item_id": items[n]["id"], "bin_id": bins[b]["id"], "quantity": q}
        if lot:
            body["lot_number"] = lot
        api("POST", "/warehousing/stocks", admin, body)
    keys = [[bins["A"]["id"]], [bins["B"]["id"]]]
    body = {"count_session": {"type": "position", "description": unique("Review count")},
            "assignments": [{"user_key": "user/demo-operator", "target_keys": keys},
                            {"user_key": "user/demo-admin", "target_keys": keys}]}
    key = api("POST", "/inventory/count-session", admin, body)["count_session"]["_key"]
    api("POST", "/inventory/count-session/%s/start" % key, admin)
    return {"key": key, "bins": bins, "items": items, "admin": admin, "operator": auth_headers("demo-operator")}


def record(s, who, bin_name, item_name, qty, **extra):
    body = {"bin_id": s["bins"][bin_name]["id"], "item_id": s["items"][item_name]["id"], "counted_qt": qty}
    body.update(extra)
    api("POST", "/inventory/count-session/%s/records" % s["key"], s[who], body)


def session_url(s, tail=""):
    return url("/admin/count-sessions/%s%s" % (s["key"], tail))


def test_conflict_resolved_on_the_page(admin_browser, shop):
    b, s = admin_browser, shop
    # Two counters count line A/X differently (the API's own way of making a conflict).
    record(s, "operator", "A", "X", 8)
    record(s, "admin", "A", "X", 9)
    b.get(session_url(s))
    card = b.find_element(By.CSS_SELECTOR, "#conflicts .conflict-card")
    assert s["bins"]["A"]["code"] in card.text and "demo-operator" in card.text and "demo-admin" in card.text
    look(b, "count-review-conflicts")

    # A recount typed in the form resolves it.
    b.find_element(By.ID, "qt-1").send_keys("8")
    click(b, card.find_element(By.XPATH, ".//button[text()='Resolve']"))
    assert "?done=resolved" in b.current_url
    assert "Conflict resolved" in b.find_element(By.CSS_SELECTOR, ".notice.ok").text
    assert "No open conflicts" in b.find_element(By.ID, "conflicts").text
    rows = db_query("SELECT counted_qt FROM count_resolutions WHERE session_id = ?", s["key"])
    assert [int(r[0]) for r in rows] == [8]


def write_csv(text):
    fd, path = tempfile.mkstemp(prefix="count-", suffix=".csv")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def test_csv_upload_dry_run_then_import(admin_browser, shop):
    b, s = admin_browser, shop
    a, bb = s["bins"]["A"]["code"], s["bins"]["B"]["code"]
    x, y, z = (s["items"][n]["sku"] for n in "XYZ")
    bad = write_csv("bin,sku,counted_qt,lot\n%s,%s,7\n%s,NO-SUCH-SKU,2\n%s,%s,-1\n" % (a, x, a, bb, z))
    good = write_csv("bin,sku,counted_qt,lot\n%s,%s,7\n%s,%s,4\n%s,%s,9,L1\n" % (a, x, a, y, bb, z))
    try:
        b.get(session_url(s))
        # First a file with bad rows: every row shown, the bad ones with the reason, no import button.
        b.find_element(By.ID, "file").send_keys(bad)
        click(b, b.find_element(By.XPATH, "//button[text()='Check file']"))
        table = b.find_element(By.CSS_SELECTOR, "table.import-rows").text
        assert "Unknown sku: NO-SUCH-SKU" in table and "Invalid counted_qt: -1" in table
        assert not b.find_elements(By.XPATH, "//button[starts-with(text(), 'Import ')]")
        look(b, "count-review-dry-run-errors", html=shown_html(b))
        # The corrected file, chosen on the same page.
        b.find_element(By.ID, "file").send_keys(good)
        click(b, b.find_element(By.XPATH, "//button[text()='Check file']"))
        rows = b.find_elements(By.CSS_SELECTOR, "table.import-rows tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == ["2", "3", "4"]
        assert all(r.find_elements(By.TAG_NAME, "td")[1].text == "OK" for r in rows)
        look(b, "count-review-dry-run", html=shown_html(b))
        assert db_query("SELECT COUNT(*) FROM count_records WHERE session_id = ?", s["key"])[0][0] == "0"
        click(b, b.find_element(By.XPATH, "//button[text()='Import 3 rows']"))
        assert "3 count records imported" in b.find_element(By.CSS_SELECTOR, ".notice.ok").text
        got = db_query("SELECT i.sku, r.counted_qt, r.source FROM count_records r JOIN items i"
                       " ON i.id = r.item_id WHERE r.session_id = ? ORDER BY i.sku", s["key"])
        assert sorted(map(tuple, got)) == sorted([(x, "7", "import"), (y, "4", "import"), (z, "9", "import")])
    finally:
        os.unlink(bad)
        os.unlink(good)


def test_variances_and_apply_confirmed(admin_browser, shop):
    b, s = admin_browser, shop
    for who in ("operator", "admin"):
        record(s, who, "A", "X", 7)               # -3
        record(s, who, "A", "Y", 4)               # none
        record(s, who, "B", "Z", 11, lot_number="L1")  # +5
    b.get(session_url(s))
    variances = b.find_element(By.ID, "variances")
    first = variances.find_elements(By.CSS_SELECTOR, "tbody tr")[0]
    assert s["items"]["Z"]["sku"] in first.text and "+5" in first.text
    assert len(variances.find_elements(By.CSS_SELECTOR, "svg.vbar")) == 2
    click(b, b.find_element(By.XPATH, "//button[text()='Complete count']"))
    look(b, "count-review-variances")

    click(b, b.find_element(By.LINK_TEXT, "Apply variances to stock…"))
    assert "Applying will post 2 ledger transactions" in b.find_element(By.CSS_SELECTOR, ".confirm").text
    look(b, "count-review-apply")
    code = db_query("SELECT code FROM count_sessions WHERE id = ?", s["key"])[0][0]
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE reference_id = ?", code)[0][0] == "0"
    click(b, b.find_element(By.XPATH, "//button[text()='Post 2 adjustments']"))
    assert "Count session applied" in b.find_element(By.CSS_SELECTOR, ".notice.ok").text
    deltas = db_query("SELECT delta FROM inventory_transactions WHERE reference_id = ? ORDER BY delta + 0", code)
    assert [int(d[0]) for d in deltas] == [-3, 5]
