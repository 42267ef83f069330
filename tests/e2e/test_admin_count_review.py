"""E2E tests of reviewing a count session in the admin pages: open conflicts and their resolution,
the CSV upload with its dry run and the import, variances sorted with bars, the apply confirmation;
each with its refusals (scopes, other tenants, malformed uploads, bad rows) and the database after."""
import html
import re

import pytest

from admin_web import form_token, page, post, sign_in, tidy_problems
from conftest import BASE_URL, db_query
from test_count_sessions import OPERATOR_KEY, acted, create, simple_body
from test_count_sessions_counting import ADMIN_KEY, pick, recorded, shop, targets

PAGES = "/admin/count-sessions/"


@pytest.fixture(scope="module")
def web():
    return sign_in("demo-admin")


@pytest.fixture(scope="module")
def viewer_web():
    return sign_in("demo-viewer")


@pytest.fixture(scope="module")
def counter_web():
    return sign_in("demo-operator")


@pytest.fixture(scope="module")
def acme_web():
    return sign_in("acme-admin")


@pytest.fixture
def s(admin):
    return shop(admin)


def started(admin, s, **fields):
    """A started session where demo-operator and demo-admin both count bins A and B."""
    key = create(admin, simple_body(None, assignments=[
        {"user_key": OPERATOR_KEY, "target_keys": targets(s, "A", "B")},
        {"user_key": ADMIN_KEY, "target_keys": targets(s, "A", "B")}], **fields))
    acted(admin, key, "start", "started")
    return key


def conflicted(admin, operator, s):
    """A started session whose line A/X the two counters counted differently (8 and 9)."""
    key = started(admin, s)
    recorded(operator, key, s, "A", "X", 8)
    recorded(admin, key, s, "A", "X", 9)
    return key


def resolve_form(s, qty, **extra):
    data = {"bin_id": s["bins"]["A"]["id"], "item_id": s["items"]["X"]["id"], "lot_number": "",
            "counted_qt": qty}
    data.update(extra)
    return data


def resolutions(key):
    return [int(r[0]) for r in db_query("SELECT counted_qt FROM count_resolutions WHERE session_id = ?", key)]


def text(r):
    """The page's text with tags dropped and entities decoded, blanks collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r.text)))


def clean(r):
    assert tidy_problems(r.text) == [], tidy_problems(r.text)
    return r


# ---- conflicts ---------------------------------------------------------------------------------

def test_conflicts_are_shown_and_resolved(web, admin, operator, s):
    key = conflicted(admin, operator, s)
    r = clean(page(web, PAGES + key))
    t = text(r)
    assert "Open conflicts 1" in t
    assert s["bins"]["A"]["code"] in t and s["items"]["X"]["sku"] in t
    assert "demo-operator 8" in t and "demo-admin 9" in t
    assert "System quantity at the start: 10" in t
    assert "Count as 8" in t and "Count as 9" in t and "Recounted quantity" in t

    # The API's checks and messages: a wrong quantity is shown beside the conflict, nothing stored.
    r = post(web, PAGES + key + "/resolve", resolve_form(s, "lots"))
    assert r.status_code == 400, r.text
    clean(r)
    assert re.search(r'id="resolve-error-1">counted_qt must be a whole number', r.text), r.text
    assert 'value="lots"' in r.text
    assert resolutions(key) == []
    r = post(web, PAGES + key + "/resolve", resolve_form(s, "2", serials="S1\nS1"))
    assert r.status_code == 400 and "Invalid serials" in text(r)

    r = post(web, PAGES + key + "/resolve", resolve_form(s, "8"))
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == PAGES + key + "?done=resolved"
    assert resolutions(key) == [8]
    t = text(page(web, r.headers["Location"]))
    assert "Conflict resolved" in t and "No open conflicts" in t
    # The variance now counts the resolution: 8 against 10.
    assert re.search(r"agreed|resolved", t) and "-2" in t


def test_resolve_refusals(web, viewer_web, counter_web, acme_web, admin, operator, s):
    key = conflicted(admin, operator, s)
    # Another tenant's session is not found; callers without the API's scope are refused.
    r = post(acme_web, PAGES + key + "/resolve", resolve_form(s, "8"))
    assert r.status_code == 404 and "Count session not found" in r.text
    for who in (viewer_web, counter_web):
        r = post(who, PAGES + key + "/resolve", resolve_form(s, "8"))
        assert r.status_code == 403, r.text
    # A form without its token.
    r = web.post(BASE_URL + PAGES + key + "/resolve", data=resolve_form(s, "8"), allow_redirects=False)
    assert r.status_code == 403
    # A line nobody counted: the API's 404 message beside the form.
    other = resolve_form(s, "1", item_id=s["items"]["Y"]["id"])
    r = post(web, PAGES + key + "/resolve", other)
    assert r.status_code == 404 and "The conflict was not resolved" in text(r)
    assert resolutions(key) == []
    # Counters see no conflicts section and no resolve form.
    r = page(counter_web, PAGES + key)
    assert 'id="conflicts"' not in r.text and "/resolve" not in r.text
    # Once canceled, conflicts are no longer resolved: 409 with the API's message.
    acted(admin, key, "cancel", "canceled")
    r = post(web, PAGES + key + "/resolve", resolve_form(s, "8"))
    assert r.status_code == 409 and "conflicts are resolved while a count session is started" in text(r)
    assert resolutions(key) == []


# ---- the CSV upload ---------------------------------------------------------------------------

def upload(session, key, body, name="count.csv", token=None, fields=None):
    if token is None:
        token = form_token(page(session, "/admin/").text)
    data = {"csrf": token}
    data.update(fields or {})
    return session.post(BASE_URL + PAGES + key + "/upload", data=data,
                        files={"file": (name, body, "text/csv")}, allow_redirects=False, timeout=30)


def import_rows(session, key, csv_text, token=None, filename="count.csv"):
    """Posts the dry run's import form (multipart, as the page sends it)."""
    if token is None:
        token = form_token(page(session, "/admin/").text)
    return session.post(BASE_URL + PAGES + key + "/import", allow_redirects=False, timeout=30,
                        files={"csrf": (None, token), "filename": (None, filename), "csv": (None, csv_text)})


def imported(key, user="demo-admin"):
    return [tuple(row) for row in db_query(
        "SELECT b.code, i.sku, r.lot_number, r.counted_qt, r.source FROM count_records r"
        " JOIN bins b ON b.id = r.bin_id JOIN items i ON i.id = r.item_id"
        " JOIN users u ON u.id = r.user_id WHERE r.session_id = ? AND u.username = ?"
        " ORDER BY b.code, i.sku", key, user)]


def test_upload_dry_run_then_import(web, admin, s):
    key = started(admin, s)
    a, b = s["bins"]["A"]["code"], s["bins"]["B"]["code"]
    x, z = s["items"]["X"]["sku"], s["items"]["Z"]["sku"]
    csv_text = "bin,sku,counted_qt,lot\r\n%s,%s,4\r\n%s,%s,6,L1\r\n" % (a, x, b, z)
    r = upload(web, key, csv_text)
    assert r.status_code == 200, r.text
    clean(r)
    t = text(r)
    assert "Checked count.csv: 2 rows. Nothing has been stored yet." in t
    assert "2 OK %s %s – 4" % (a, x) in t and "3 OK %s %s L1 6" % (b, z) in t
    assert "Import 2 rows" in t
    assert imported(key) == []

    hidden = html.unescape(re.search(r'name="csv" value="([^"]*)"', r.text).group(1))
    assert hidden.replace("\r\n", "\n") == csv_text.replace("\r\n", "\n")
    assert 'action="%s%s/import" enctype="multipart/form-data"' % (PAGES, key) in r.text
    r = import_rows(web, key, hidden, token=form_token(r.text))
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == PAGES + key + "?done=imported&rows=2"
    assert sorted(imported(key)) == sorted([(a, x, "", "4", "import"), (b, z, "L1", "6", "import")])
    assert "2 count records imported from the CSV file." in text(page(web, r.headers["Location"]))


def test_upload_with_bad_rows_stores_nothing(web, admin, s):
    key = started(admin, s)
    a, x = s["bins"]["A"]["code"], s["items"]["X"]["sku"]
    csv_text = "%s,%s,3\n%s,NOPE-SKU,1\n%s,%s,many\n%s,%s,5\n" % (a, x, a, a, x, a, x)
    r = upload(web, key, csv_text)
    assert r.status_code == 422, r.text
    clean(r)
    t = text(r)
    assert "3 of 4 rows cannot be imported" in t
    assert "2 Unknown sku: NOPE-SKU %s NOPE-SKU – 1" % a in t
    assert "3 Invalid counted_qt: many %s %s – many" % (a, x) in t
    assert "Duplicate line: the same bin, sku and lot are on line 1" in t
    assert "1 OK %s %s – 3" % (a, x) in t
    assert "/import" not in r.text and "Import 4 rows" not in t
    assert imported(key) == []
    # Posting the import of those rows anyway: the API refuses them all again.
    r = import_rows(web, key, csv_text)
    assert r.status_code == 400, r.text
    assert "Import refused: invalid rows: 3 of 4 row(s) invalid; nothing was imported" in text(r)
    assert imported(key) == []


def test_upload_refusals(web, viewer_web, counter_web, acme_web, admin, s):
    key = started(admin, s)
    good = "%s,%s,1\n" % (s["bins"]["A"]["code"], s["items"]["X"]["sku"])
    token = form_token(page(web, "/admin/").text)
    url = BASE_URL + PAGES + key + "/upload"
    # Not multipart at all, no closing boundary, a part without a name: 400 pages saying why.
    r = web.post(url, data={"csrf": token}, allow_redirects=False)
    assert r.status_code == 400 and "The upload could not be read: the form must be sent as" in text(r)
    ct = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    body = '--XyZ\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n%s\r\n' % token
    r = web.post(url, data=body, headers=ct, allow_redirects=False)
    assert r.status_code == 400 and "the body ends before the closing boundary" in text(r)
    r = web.post(url, data="--XyZ\r\nContent-Type: text/csv\r\n\r\nx\r\n--XyZ--\r\n", headers=ct,
                 allow_redirects=False)
    assert r.status_code == 400 and "a part has no name" in text(r)
    clean(r)
    # Without its token: 403; no file chosen: 400 beside the file input.
    r = upload(web, key, good, token="forged")
    assert r.status_code == 403
    r = web.post(url, data={"csrf": token}, files={"file": ("", b"", "application/octet-stream")},
                 allow_redirects=False)
    assert r.status_code == 400 and 'id="upload-error">Choose a CSV file to upload.' in r.text
    # The API's refusals of the file: not CSV, no rows.
    r = upload(web, key, 'A,"open\n', token=token)
    assert r.status_code == 400 and "Invalid CSV: line 1:" in text(r)
    r = upload(web, key, "bin,sku,counted_qt\n", token=token)
    assert r.status_code == 400 and "No rows to import" in text(r)
    # The import form checks its token and its parts like the upload.
    r = web.post(BASE_URL + PAGES + key + "/import", data={"csrf": token, "csv": good}, allow_redirects=False)
    assert r.status_code == 400 and "must be sent as multipart/form-data" in text(r)
    r = import_rows(web, key, good, token="forged")
    assert r.status_code == 403
    r = web.post(BASE_URL + PAGES + key + "/import", files={"csrf": (None, token)}, allow_redirects=False)
    assert r.status_code == 400 and "Choose a CSV file to upload." in text(r)
    # Scopes and tenants: the import's scope (a viewer has none), another tenant's session.
    r = upload(viewer_web, key, good)
    assert r.status_code == 403
    r = upload(acme_web, key, good)
    assert r.status_code == 404 and "Count session not found" in text(r)
    # A counter with the scope who is not assigned: the API's 403 message beside the form.
    other = create(admin, simple_body(None, assignments=[
        {"user_key": ADMIN_KEY, "target_keys": targets(s, "A")}]))
    acted(admin, other, "start", "started")
    r = upload(counter_web, other, good)
    assert r.status_code == 403 and "You are not assigned to this count session" in text(r)
    # Not started: 409.
    acted(admin, key, "complete", "completed")
    r = upload(web, key, good, token=token)
    assert r.status_code == 409, r.text
    assert imported(key) == [] and imported(other, "demo-operator") == []


def test_upload_form_only_for_assigned_callers_with_the_import_scope(web, viewer_web, counter_web, admin, s):
    key = started(admin, s)
    assert 'enctype="multipart/form-data"' in page(web, PAGES + key).text
    assert 'enctype="multipart/form-data"' not in page(viewer_web, PAGES + key).text
    other = create(admin, simple_body(None, assignments=[{"user_key": ADMIN_KEY, "target_keys": targets(s, "A")}]))
    acted(admin, other, "start", "started")
    assert 'enctype="multipart/form-data"' not in page(counter_web, PAGES + other).text


# ---- variances ----------------------------------------------------------------------------------

def test_variances_sorted_with_bars(web, counter_web, admin, operator, s):
    key = started(admin, s)
    for who in (admin, operator):
        recorded(who, key, s, "A", "X", 11)     # +1
        recorded(who, key, s, "A", "Y", 0)      # -5
        recorded(who, key, s, "B", "Z", 10, lot_number="L1")  # +3
    r = clean(page(web, PAGES + key))
    table = r.text[r.text.index('id="variances"'):]
    order = [s["items"][n]["sku"] for n in "YZX"]
    positions = [table.index(sku) for sku in order]
    assert positions == sorted(positions), positions
    bars = re.findall(r'<rect class="(gain|loss)" x="(\d+)" y="1" width="(\d+)"', table)
    # The largest difference takes the whole half; the others in proportion, on their side.
    assert bars == [("loss", "2", "98"), ("gain", "100", "59"), ("gain", "100", "20")], bars
    assert 'aria-hidden="true"' in table and "-5" in text(r) and "+3" in text(r)
    # The API shows variances to supervisors only; so does the page.
    assert 'id="variances"' not in page(counter_web, PAGES + key).text


# ---- applying -----------------------------------------------------------------------------------

def completed(admin, operator, s):
    key = started(admin, s)
    for who in (admin, operator):
        recorded(who, key, s, "A", "X", 7)      # -3
        recorded(who, key, s, "A", "Y", 5)      # none
        recorded(who, key, s, "B", "Z", 9, lot_number="L1")  # +2
    acted(admin, key, "complete", "completed")
    return key


def count_transactions(key):
    code = db_query("SELECT code FROM count_sessions WHERE id = ?", key)[0][0]
    return [int(r[0]) for r in db_query(
        "SELECT delta FROM inventory_transactions WHERE reference_id = ? ORDER BY delta + 0", code)]


def test_apply_asks_first(web, admin, operator, s):
    key = completed(admin, operator, s)
    r = page(web, PAGES + key)
    assert 'href="%s%s/apply"' % (PAGES, key) in r.text
    r = clean(page(web, PAGES + key + "/apply"))
    t = text(r)
    assert "Applying will post 2 ledger transactions" in t
    assert "for the 2 of 3 counted lines" in t
    assert "Post 2 adjustments" in t
    assert "%s %s" % (s["bins"]["A"]["code"], s["items"]["X"]["sku"]) in t and "-3" in t and "+2" in t
    assert count_transactions(key) == []
    r = post(web, PAGES + key + "/apply", {}, token=form_token(r.text))
    assert r.status_code == 303 and r.headers["Location"] == PAGES + key + "?done=applied"
    assert count_transactions(key) == [-3, 2]
    assert db_query("SELECT status FROM count_sessions WHERE id = ?", key)[0][0] == "applied"
    # Applied: the confirmation says why there is nothing to post.
    r = page(web, PAGES + key + "/apply", status=409)
    assert "Only a completed count session can be applied; this one is applied." in text(r)
    assert "/apply\"" not in r.text.split("<main", 1)[1].split("Back to the session")[1]


def test_apply_confirmation_refusals(web, counter_web, acme_web, admin, operator, s):
    key = conflicted(admin, operator, s)
    page(counter_web, PAGES + key + "/apply", status=403)
    page(acme_web, PAGES + key + "/apply", status=404)
    page(web, PAGES + "00000000-0000-4000-8000-000000000000/apply", status=404)
    r = clean(page(web, PAGES + key + "/apply", status=409))
    assert "Only a completed count session can be applied; this one is started." in text(r)
    assert "Post " not in text(r)
    # Stock taken during the count that the count's loss would drive below zero: the apply's
    # own refusal, before anything is posted.
    key = completed(admin, operator, s)
    assert pick(admin, s, "X", "A", 9).status_code in (200, 201)
    r = clean(page(web, PAGES + key + "/apply", status=409))
    assert "Stock would become negative" in text(r) and "Post " not in text(r)
    assert count_transactions(key) == []


def test_apply_with_nothing_to_post(web, admin, operator, s):
    key = started(admin, s)
    for who in (admin, operator):
        recorded(who, key, s, "A", "X", 10)
        recorded(who, key, s, "A", "Y", 5)
    acted(admin, key, "complete", "completed")
    t = text(page(web, PAGES + key + "/apply"))
    assert "Applying will post 0 ledger transactions" in t and "Apply without adjustments" in t
