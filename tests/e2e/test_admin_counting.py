"""E2E tests of counting with a phone or a handheld scanner: item barcodes in the master data API and in
count lines, the counter's screen (/admin/count-sessions/{id}/count) step by step without JavaScript, its
messages, scopes and tenant isolation, recounts, blind sessions, and "Your counts"."""
import html
import random
import re

import pytest

from admin_web import form_token, page, post, sign_in, tidy_problems
from conftest import db_query, unique
from ondi import call, err as api_err, new_bin, new_item, new_stock, new_warehouse, ok as api_ok
from test_count_sessions import OPERATOR_KEY, acted, create, cs, err, ok, simple_body

AUTOFOCUS = re.compile(r'<(?:input|textarea)[^>]*\bname="([a-z]+)"[^>]*\bautofocus\b')
FIELD_ERROR = re.compile(r'<p class="field-error"[^>]*>([^<]*)</p>')


def barcode():
    """A fresh EAN-13 looking number (13 digits; unique enough for a test run)."""
    return "20" + "".join(random.choice("0123456789") for _ in range(11))


def shop(h, quantities=(9137, 4271)):
    """A fresh warehouse with bins A and B, items X (at A) and Y (at B) with barcodes and odd quantities."""
    wh = new_warehouse(h)
    bins = {n: new_bin(h, wh["id"]) for n in "AB"}
    items = {n: new_item(h, barcode=barcode()) for n in "XY"}
    new_stock(h, wh["id"], items["X"]["id"], bins["A"]["id"], quantity=quantities[0])
    new_stock(h, wh["id"], items["Y"]["id"], bins["B"]["id"], quantity=quantities[1])
    return {"wh": wh, "bins": bins, "items": items}


def started(h, s, blind=False, user_key=OPERATOR_KEY, names="AB", **fields):
    """A started position session of user_key over the bins named; returns (key, code)."""
    body = simple_body(None, assignments=[{"user_key": user_key,
                                           "target_keys": [[s["bins"][n]["id"]] for n in names]}],
                       blind_quantities=blind, **fields)
    key = create(h, body)
    return key, acted(h, key, "start", "started")["code"]


def screen_path(key):
    return "/admin/count-sessions/%s/count" % key


def step(browser, key, **fields):
    """POSTs the counter's form with the given fields (as a browser without JavaScript does on Enter)."""
    token = form_token(page(browser, screen_path(key)).text)
    return browser.post(page_url(screen_path(key)), data=dict(fields, csrf=token), allow_redirects=False,
                        timeout=30)


def page_url(path):
    from conftest import BASE_URL
    return BASE_URL + path


def focus(text):
    found = AUTOFOCUS.findall(text)
    assert len(found) == 1, found
    return found[0]


def field_errors(text):
    return [html.unescape(m) for m in FIELD_ERROR.findall(text)]


def value_of(text, name):
    m = re.search(r'<input[^>]*\bname="%s"[^>]*\bvalue="([^"]*)"' % name, text)
    return html.unescape(m.group(1)) if m else None


def my_records(key, username="demo-operator"):
    return db_query("SELECT b.code, i.sku, r.lot_number, r.counted_qt FROM count_records r"
                    " JOIN bins b ON b.id = r.bin_id JOIN items i ON i.id = r.item_id"
                    " JOIN users u ON u.id = r.user_id WHERE r.session_id = ? AND u.username = ?"
                    " ORDER BY b.code, i.sku", key, username)


@pytest.fixture(scope="module")
def counter():
    return sign_in("demo-operator")


@pytest.fixture
def s(admin):
    return shop(admin)


# ---- barcodes in the master data API ------------------------------------------------------------

def test_item_barcode_crud_and_validation(admin, acme):
    code = barcode()
    it = new_item(admin, barcode=code)
    assert it["barcode"] == code
    assert api_ok(call("GET", "items/" + it["id"], admin), 200, "Item retrieved successfully")["item"]["barcode"] == code
    listed = api_ok(call("GET", "items", admin, params={"barcode": code}), 200, "Items retrieved successfully")
    assert [i["id"] for i in listed["items"]] == [it["id"]]
    listed = api_ok(call("GET", "items", admin, params={"search": code}), 200, "Items retrieved successfully")
    assert [i["id"] for i in listed["items"]] == [it["id"]]
    # Unique per tenant, like the SKU; another tenant may use the same barcode.
    api_err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "barcode": code}), 409,
            "Barcode already exists")
    other = new_item(admin)
    api_err(call("PATCH", "items/" + other["id"], admin, {"barcode": code}), 409, "Barcode already exists")
    assert new_item(acme, barcode=code)["barcode"] == code
    # None is allowed many times: absent, null and blank all store NULL.
    assert other["barcode"] is None and new_item(admin, barcode=None)["barcode"] is None
    assert new_item(admin, barcode="  ")["barcode"] is None
    api_err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "barcode": "400 638"}), 400,
            "Invalid barcode")
    api_err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "barcode": 4006381333931}), 400,
            "Invalid barcode")
    api_err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "barcode": "9" * 65}), 400,
            "Field too long: barcode")
    p = api_ok(call("PATCH", "items/" + it["id"], admin, {"barcode": ""}), 200, "Item updated successfully")
    assert p["item"]["barcode"] is None
    assert db_query("SELECT barcode FROM items WHERE id = ?", it["id"]) == [[None]]


def test_items_page_shows_barcodes(counter):
    admin_web = sign_in("demo-admin")
    text = page(admin_web, "/admin/items?search=ITEM-001").text
    assert "<th" in text and "Barcode" in text and "4006381333931" in text


def test_records_and_import_take_codes_and_barcodes(admin, operator, s):
    key, _ = started(admin, s)
    x, a = s["items"]["X"], s["bins"]["A"]
    body = {"bin_id": a["code"], "item_id": x["barcode"], "counted_qt": 3}
    rec = ok(cs("POST", "/%s/records" % key, operator, body), "Count recorded successfully")["count_record"]
    assert (rec["bin_id"], rec["item_id"], rec["counted_qt"]) == (a["id"], x["id"], 3)
    body["item_id"] = x["sku"]
    body["counted_qt"] = 4
    again = ok(cs("POST", "/%s/records" % key, operator, body), "Count recorded successfully")["count_record"]
    assert again["_key"] == rec["_key"] and again["counted_qt"] == 4
    err(cs("POST", "/%s/records" % key, operator, dict(body, item_id="NO-SUCH-CODE")), 404, "Item not found")
    err(cs("POST", "/%s/records" % key, operator, dict(body, bin_id="NO-SUCH-BIN")), 404, "Bin not found")
    y, b = s["items"]["Y"], s["bins"]["B"]
    resp = cs("POST", "/%s/records/import" % key, operator, csv="bin,sku,counted_qt\n%s,%s,8\n" % (b["code"], y["barcode"]))
    assert ok(resp, "Count records imported successfully")["imported"] == 1
    assert sorted(my_records(key)) == sorted([[a["code"], x["sku"], "", "4"], [b["code"], y["sku"], "", "8"]])


# ---- the counter's screen, step by step ------------------------------------------------------------

def test_steps_without_javascript(admin, counter, s):
    key, code = started(admin, s)
    a, x = s["bins"]["A"], s["items"]["X"]
    text = page(counter, screen_path(key)).text
    assert focus(text) == "bin" and "Bins counted: 0 of 2" in text
    assert 'action="%s"' % screen_path(key) in text and not field_errors(text)
    # Enter after the bin: the bin is checked and kept, the cursor goes to the item.
    r = step(counter, key, bin=a["code"])
    assert r.status_code == 200 and focus(r.text) == "item" and value_of(r.text, "bin") == a["code"]
    assert not field_errors(r.text)
    # Enter after the item (its barcode): both kept, the cursor in quantity.
    r = step(counter, key, bin=a["code"], item=x["barcode"])
    assert r.status_code == 200 and focus(r.text) == "qty"
    assert (value_of(r.text, "bin"), value_of(r.text, "item")) == (a["code"], x["barcode"])
    assert my_records(key) == []
    # Enter after the quantity: recorded, and back to the screen ready for the next item of the bin.
    r = step(counter, key, bin=a["code"], item=x["barcode"], qty="12")
    assert r.status_code == 303
    assert r.headers["Location"].startswith(screen_path(key) + "?bin=")
    text = page(counter, r.headers["Location"]).text
    assert "Recorded 12 × %s in %s." % (x["sku"], a["code"]) in html.unescape(text)
    assert "earlier count" not in text
    assert focus(text) == "item" and value_of(text, "bin") == a["code"] and value_of(text, "item") == ""
    assert "Bins counted: 1 of 2" in text
    assert my_records(key) == [[a["code"], x["sku"], "", "12"]]


def test_recount_shows_the_earlier_count(admin, counter, s):
    key, _ = started(admin, s)
    a, x = s["bins"]["A"], s["items"]["X"]
    assert step(counter, key, bin=a["code"], item=x["sku"], qty="10").status_code == 303
    r = step(counter, key, bin=a["code"].lower(), item=x["sku"], qty="11")
    assert r.status_code == 303 and "was=10" in r.headers["Location"]
    text = html.unescape(page(counter, r.headers["Location"]).text)
    assert "Recorded 11 × %s in %s. Recount: your earlier count was 10." % (x["sku"], a["code"]) in text
    assert my_records(key) == [[a["code"], x["sku"], "", "11"]]


def test_messages_beside_their_fields_keep_what_was_typed(admin, counter, s):
    key, _ = started(admin, s, names="A")
    a, b, x = s["bins"]["A"], s["bins"]["B"], s["items"]["X"]
    r = step(counter, key, bin="")
    assert r.status_code == 400 and field_errors(r.text) == ["Field required: bin_id"] and focus(r.text) == "bin"
    r = step(counter, key, bin="NO-SUCH-BIN")
    assert r.status_code == 404 and field_errors(r.text) == ["Bin not found: NO-SUCH-BIN"]
    assert focus(r.text) == "bin" and value_of(r.text, "bin") == "NO-SUCH-BIN"
    assert 'aria-invalid="true"' in r.text
    r = step(counter, key, bin=b["code"])
    assert r.status_code == 400 and field_errors(r.text) == ["Bin is not among your count targets: %s" % b["code"]]
    r = step(counter, key, bin=a["code"], item="NOPE-42")
    assert r.status_code == 404 and field_errors(r.text) == ["Item not found: NOPE-42"] and focus(r.text) == "item"
    assert value_of(r.text, "bin") == a["code"] and value_of(r.text, "item") == "NOPE-42"
    r = step(counter, key, bin=a["code"], item=x["sku"], qty="-1", lot="L-9")
    assert r.status_code == 400 and focus(r.text) == "qty"
    assert field_errors(r.text) == ["Invalid counted_qt: counted_qt must be a whole number of units, 0 or more"]
    assert (value_of(r.text, "qty"), value_of(r.text, "lot")) == ("-1", "L-9")
    r = step(counter, key, bin=a["code"], item=x["sku"], qty="2", lot="L" * 101)
    assert r.status_code == 400 and field_errors(r.text) == ["Field too long: lot_number: lot_number takes at most 100 characters"]
    assert my_records(key) == []
    for text in (r.text, step(counter, key, bin="NO-SUCH-BIN").text):
        assert tidy_problems(text) == []


def test_serials_where_the_session_tracks_them(admin, counter):
    wh = new_warehouse(admin)
    bn = new_bin(admin, wh["id"])
    it = new_item(admin, barcode=barcode())
    for sn in ("SN-1", "SN-2"):
        new_stock(admin, wh["id"], it["id"], bn["id"], quantity=1, serial_number=sn)
    key, _ = started(admin, {"bins": {"A": bn}}, names="A")
    text = page(counter, screen_path(key)).text
    assert 'name="serials"' in text
    r = step(counter, key, bin=bn["code"], item=it["barcode"], qty="2", serials="SN-1\n")
    assert r.status_code == 400 and focus(r.text) == "qty"
    assert field_errors(r.text) == ["Invalid serials: 1 serial(s) given for counted_qt 2: give one per unit"]
    assert "SN-1" in r.text  # the textarea keeps what was typed
    r = step(counter, key, bin=bn["code"], item=it["barcode"], qty="2", serials="SN-2\r\n SN-1 \r\n\r\n")
    assert r.status_code == 303
    assert db_query("SELECT serials FROM count_records WHERE session_id = ?", key) == [['["SN-1","SN-2"]']]
    # A session without serials has no such field.
    s2 = shop(admin)
    key2, _ = started(admin, s2)
    assert 'name="serials"' not in page(counter, screen_path(key2)).text


def test_product_session_checks_the_item(admin, counter, s):
    x, y, a = s["items"]["X"], s["items"]["Y"], s["bins"]["A"]
    body = {"count_session": {"type": "product", "description": unique("count")},
            "assignments": [{"user_key": OPERATOR_KEY, "target_keys": [[x["id"]]]}]}
    key = create(admin, body)
    acted(admin, key, "start", "started")
    text = page(counter, screen_path(key)).text
    assert "Items counted: 0 of 1" in text and x["sku"] in text
    r = step(counter, key, bin=a["code"], item=y["barcode"])
    assert r.status_code == 400 and field_errors(r.text) == ["Item is not among your count targets: %s" % y["barcode"]]
    r = step(counter, key, bin=a["code"], item=x["barcode"], qty="5")
    assert r.status_code == 303
    assert "Items counted: 1 of 1" in page(counter, r.headers["Location"]).text


# ---- scopes, tenants, lifecycle ------------------------------------------------------------------

def test_scopes_assignment_and_tenants(admin, counter, s):
    key, _ = started(admin, s)
    a, x = s["bins"]["A"], s["items"]["X"]
    token = form_token(page(counter, screen_path(key)).text)
    data = {"bin": a["code"], "item": x["sku"], "qty": "1"}
    # A viewer has no record scope: neither the screen nor the post.
    viewer = sign_in("demo-viewer")
    page(viewer, screen_path(key), status=403)
    page(viewer, "/admin/counting", status=403)
    assert post(viewer, screen_path(key), data).status_code == 403
    # A user with the scope but not assigned: the API's 403.
    boss = sign_in("demo-admin")
    r = page(boss, screen_path(key), status=403)
    assert "You are not assigned to this count session" in r.text
    assert post(boss, screen_path(key), data).status_code == 403
    # Another tenant's session is a 404 page, like a missing one.
    acme = sign_in("acme-admin")
    assert "Count session not found" in page(acme, screen_path(key), status=404).text
    assert post(acme, screen_path(key), data).status_code == 404
    page(counter, screen_path("00000000-0000-4000-8000-000000000000"), status=404)
    page(counter, screen_path("not-an-id"), status=404)
    # No form token, a wrong one: refused before anything happens.
    r = counter.post(page_url(screen_path(key)), data=data, allow_redirects=False, timeout=30)
    assert r.status_code == 403
    r = counter.post(page_url(screen_path(key)), data=dict(data, csrf=token + "x"), allow_redirects=False,
                     timeout=30)
    assert r.status_code == 403
    assert my_records(key) == [] and my_records(key, "demo-admin") == []


def test_a_session_no_longer_started(admin, counter, s):
    key, code = started(admin, s)
    acted(admin, key, "complete", "completed")
    text = page(counter, screen_path(key)).text
    assert "This count session is completed" in text and 'name="bin"' not in text
    r = step(counter, key, bin=s["bins"]["A"]["code"], item=s["items"]["X"]["sku"], qty="1")
    assert r.status_code == 409 and "Count session is completed" in r.text
    assert my_records(key) == []


# ---- blind sessions ------------------------------------------------------------------------------

def test_blind_session_never_shows_system_quantities_in_the_source(admin, counter):
    s = shop(admin, quantities=(7351, 6829))
    key, code = started(admin, s, blind=True)
    a, x = s["bins"]["A"], s["items"]["X"]
    pages = [page(counter, screen_path(key)).text,
             step(counter, key, bin=a["code"]).text,
             step(counter, key, bin=a["code"], item=x["barcode"]).text,
             step(counter, key, bin=a["code"], item=x["barcode"], qty="x").text,
             step(counter, key, bin="NOPE").text]
    r = step(counter, key, bin=a["code"], item=x["barcode"], qty="3")
    pages.append(page(counter, r.headers["Location"]).text)
    pages.append(page(counter, "/admin/counting").text)
    # (The overview also lists the latest transactions to those who may read the ledger.)
    # A supervisor counting in a blind session is blind on this screen too.
    boss_key, _ = started(admin, s, blind=True, user_key="user/demo-admin")
    boss = sign_in("demo-admin")
    pages.append(page(boss, screen_path(boss_key)).text)
    # As whole numbers: ids and barcodes on the pages may contain the digits by chance.
    shown = re.compile(r"(?<![\w-])(7351|6829)(?![\w-])")
    for text in pages:
        assert not shown.search(text), shown.search(text)
        assert "System" not in text
    # Not blind: the counter's screen shows the system quantity of a counted line.
    key2, _ = started(admin, s)
    r = step(counter, key2, bin=a["code"], item=x["sku"], qty="3")
    assert "7351" in page(counter, r.headers["Location"]).text


# ---- your counts ---------------------------------------------------------------------------------

def test_your_counts(admin, counter, s):
    key, code = started(admin, s)
    planned = create(admin, simple_body([s["bins"]["A"]["id"]]))
    for path in ("/admin/counting", "/admin/"):
        text = page(counter, path).text
        assert "Your counts" in text and code in text
        assert 'href="%s"' % screen_path(key) in text and screen_path(planned) not in text
        assert tidy_problems(text) == []
    step(counter, key, bin=s["bins"]["A"]["code"], item=s["items"]["X"]["sku"], qty="1")
    text = page(counter, "/admin/counting").text
    m = re.search(r"<strong>%s</strong>.*?(\d+) of (\d+) counted" % re.escape(code), text, re.S)
    assert m and m.groups() == ("1", "2")
    # The overview shows the first five, and a link to all of them when there are more.
    for _ in range(6):
        started(admin, s, names="A")
    home = page(counter, "/admin/").text
    assert home.count('class="button primary count-go"') == 5
    n = int(re.search(r"All (\d+) of your counts", home).group(1))
    assert n >= 7 and page(counter, "/admin/counting").text.count('class="button primary count-go"') == n
    acted(admin, key, "cancel", "canceled")
    assert screen_path(key) not in page(counter, "/admin/counting").text
    # Without the record scope there is no such page, and the overview shows no such panel.
    assert "Your counts" not in page(sign_in("demo-viewer"), "/admin/").text


def test_script_is_served_same_origin(counter):
    r = counter.get(page_url("/admin/counting.js"), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/javascript")
    assert "addEventListener" in r.text
    text = page(counter, "/admin/counting").text
    assert "counting.js" not in text  # only the screen uses it
    # The page's other scripts (the pickers') are same-origin files too: never inline.
    assert [re.sub(r"\?v=[0-9a-f]{12}", "", t) for t in re.findall(r"<script[^>]*>", text)] == [
        '<script src="/admin/picker.js" defer>']
