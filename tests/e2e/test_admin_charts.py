"""E2E tests of the tenant time zone (settings page, converted times on the pages) and the charts: the
stock record's quantity chart and running balance, the overview's transactions per day and count
progress, all checked against the database."""
import contextlib
import datetime
import html
import re
import zoneinfo

import pytest
import requests

from admin_web import form_token, page, post, sign_in, tidy_problems
from conftest import auth_headers, db_query, unique, url
from ondi import call, new_bin, new_item, new_stock, new_warehouse, ok

COUNT_API = "/inventory/count-session"
DEMO_TX = "70000000-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def admin_web():
    return sign_in("demo-admin")


@pytest.fixture(scope="module")
def acme_web():
    return sign_in("acme-admin")


def tenant_of(username):
    return db_query("SELECT tenant_id FROM users WHERE username = ?", username)[0][0]


def zone_of(tenant_id):
    return db_query("SELECT time_zone FROM tenants WHERE id = ?", tenant_id)[0][0]


@contextlib.contextmanager
def tenant_zone(tenant_id, zone):
    """The tenant in zone for the block, then back in the zone it had."""
    before = zone_of(tenant_id)
    db_query("UPDATE tenants SET time_zone = ? WHERE id = ?", zone, tenant_id)
    try:
        yield
    finally:
        db_query("UPDATE tenants SET time_zone = ? WHERE id = ?", before, tenant_id)


def local(db_time, zone):
    """A UTC DATETIME of the database as the pages show it in zone."""
    t = datetime.datetime.strptime(db_time[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# ---- the settings page ------------------------------------------------------------------------

def test_settings_page_sets_a_valid_zone(acme_web):
    tenant = tenant_of("acme-admin")
    with tenant_zone(tenant, "UTC"):
        r = page(acme_web, "/admin/settings")
        assert "Tenant settings" in r.text and "Acme" in r.text
        assert '<optgroup label="Europe">' in r.text and '<option value="Europe/Berlin">Berlin</option>' in r.text
        assert '<option value="UTC" selected>UTC</option>' in r.text
        assert not tidy_problems(r.text)
        r = post(acme_web, "/admin/settings", {"time_zone": "America/Argentina/Buenos_Aires"},
                 token=form_token(r.text))
        assert r.status_code == 303 and r.headers["Location"] == "/admin/settings?saved=1"
        assert zone_of(tenant) == "America/Argentina/Buenos_Aires"
        r = page(acme_web, "/admin/settings?saved=1")
        assert "Times are now shown in America/Argentina/Buenos_Aires" in r.text
        assert '<option value="America/Argentina/Buenos_Aires" selected>Argentina/Buenos Aires</option>' in r.text
        assert "times in America/Argentina/Buenos_Aires" in r.text  # the footer of every page
        assert "times in America/Argentina/Buenos_Aires" in page(acme_web, "/admin/").text
        # Another tenant's pages are not touched.
        assert zone_of(tenant_of("demo-admin")) != "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize("zone,status,message", [
    ("Mars/Olympus_Mons", 422, "Unknown time zone"),
    ("../../etc/passwd", 422, "Unknown time zone"),
    ("europe/berlin", 422, "Unknown time zone"),
    ("Europe", 422, "Unknown time zone"),
    ("zone.tab", 422, "Unknown time zone"),
    ("", 400, "Field required: time_zone"),
])
def test_settings_page_refuses_other_names(acme_web, zone, status, message):
    tenant = tenant_of("acme-admin")
    with tenant_zone(tenant, "Asia/Tokyo"):
        r = post(acme_web, "/admin/settings", {"time_zone": zone})
        assert r.status_code == status, r.text[:500]
        assert r.headers["Content-Type"].startswith("text/html")
        # The message stands beside the field, which the form shows again.
        assert re.search(r'<p class="field-error" id="time_zone_error" role="alert">[^<]*%s' % message, r.text)
        assert 'aria-invalid="true"' in r.text and 'action="/admin/settings"' in r.text
        if zone:
            assert html.escape(zone) in r.text  # what was sent, shown back
        assert zone_of(tenant) == "Asia/Tokyo"
        assert not tidy_problems(r.text)


def test_settings_need_the_admin_scope_and_the_form_token(acme_web):
    tenant = tenant_of("demo-admin")
    before = zone_of(tenant)
    for user in ("demo-viewer", "demo-operator"):
        web = sign_in(user)
        r = page(web, "/admin/settings", status=403)
        assert "Insufficient permissions" in r.text
        assert 'href="/admin/settings"' not in page(web, "/admin/").text  # not offered
        r = post(web, "/admin/settings", {"time_zone": "Europe/Berlin"})
        assert r.status_code == 403
    admin = sign_in("demo-admin")
    assert 'href="/admin/settings"' in page(admin, "/admin/").text
    r = admin.post(url("/admin/settings"), data={"time_zone": "Europe/Berlin", "csrf": "x"},
                   allow_redirects=False, timeout=30)
    assert r.status_code == 403
    assert zone_of(tenant) == before


# ---- times in the tenant's zone ---------------------------------------------------------------

@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "America/Los_Angeles"])
def test_pages_show_times_in_the_tenant_zone(admin_web, zone):
    stamp = db_query("SELECT timestamp FROM inventory_transactions WHERE id = ?", DEMO_TX)[0][0]
    utc_text = stamp[:19]
    shown = local(stamp, zone)
    assert shown != utc_text
    with tenant_zone(tenant_of("demo-admin"), zone):
        detail = page(admin_web, "/admin/transactions/" + DEMO_TX).text
        assert "<dt>Time (%s)</dt><dd>%s</dd>" % (zone, shown) in detail
        assert utc_text not in detail
        assert "times in %s" % zone in detail
        stock = db_query("SELECT stock_id FROM inventory_transactions WHERE id = ?", DEMO_TX)[0][0]
        listing = page(admin_web, "/admin/transactions?stock_id=" + stock).text
        assert "Time (%s)" % zone in listing and "Time (UTC)" not in listing
        assert '<a href="/admin/transactions/%s">%s</a>' % (DEMO_TX, shown) in listing
        # Every listing's time column names the zone; the CSV of a listing too.
        assert "Created (%s)" % zone in page(admin_web, "/admin/warehouses").text
        csv_text = admin_web.get(url("/admin/warehouses?format=csv"), timeout=30).text
        assert csv_text.splitlines()[0].endswith("Created (%s)" % zone)
    assert "Time (UTC)" in page(admin_web, "/admin/transactions/" + DEMO_TX).text


# ---- the stock record: running balance and chart ----------------------------------------------

def place(admin, quantity):
    wh = new_warehouse(admin)
    a, b = new_bin(admin, wh["id"]), new_bin(admin, wh["id"])
    item = new_item(admin)
    stock = new_stock(admin, wh["id"], item["id"], a["id"], quantity=quantity)
    return {"warehouse": wh, "bin": a, "bin2": b, "item": item, "stock": stock}


def api_tx(admin, p, **fields):
    body = {"warehouse_id": p["warehouse"]["id"], "item_id": p["item"]["id"], "stock_id": p["stock"]["id"],
            "transaction_type": "receive", "quantity": 1}
    body.update(fields)
    return ok(call("POST", "inventory-transactions", admin, body), 201,
              "Inventory transaction created successfully")["inventory_transaction"]


def db_balances(stock_id):
    """id -> the record's quantity after the transaction, from the ledger (time, then id order)."""
    rows = db_query(
        "SELECT id, (IF(stock_id = ?, delta, 0) + IF(to_stock_id <=> ?, to_delta, 0))"
        " FROM inventory_transactions WHERE stock_id = ? OR to_stock_id = ? ORDER BY timestamp, id",
        stock_id, stock_id, stock_id, stock_id)
    out, running = {}, 0
    for tx_id, change in rows:
        running += int(change)
        out[tx_id] = running
    return out


def ledger_rows(page_text):
    """(transaction id, balance cell) of each row of the stock page's ledger table."""
    section = page_text.split("<h2>Ledger history</h2>", 1)[1]
    heads = [text(h) for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", section, re.S)]
    at = heads.index("Balance")
    assert heads[at - 1] == "Change"  # beside the change it follows from
    rows = []
    for tr in re.findall(r"<tr>\s*(.*?)</tr>", section, re.S):
        m = re.search(r'href="/admin/transactions/([0-9a-f-]{36})"', tr)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if m:
            rows.append((m.group(1), text(cells[at])))
    return rows


def test_stock_page_balance_column_equals_the_ledger(admin_web):
    admin = auth_headers("demo-admin")
    p = place(admin, 40)
    api_tx(admin, p, quantity=25)
    api_tx(admin, p, transaction_type="pick", quantity=12, from_bin_id=p["bin"]["id"])
    api_tx(admin, p, transaction_type="stock_adjustment", quantity=3, adjustment_direction="decrease")
    api_tx(admin, p, transaction_type="move", quantity=5, from_bin_id=p["bin"]["id"], to_bin_id=p["bin2"]["id"])
    api_tx(admin, p, quantity=7)
    sid = p["stock"]["id"]
    r = page(admin_web, "/admin/stocks/" + sid)
    quantity = int(db_query("SELECT quantity FROM stocks WHERE id = ?", sid)[0][0])
    expected = db_balances(sid)
    rows = ledger_rows(r.text)
    assert len(rows) == len(expected) >= 6
    assert '<th scope="col" class="num">Balance</th>' in r.text
    for tx_id, balance in rows:
        assert int(balance) == expected[tx_id], (tx_id, balance, expected)
    # Newest first: the top row's balance is the record's quantity now.
    assert int(rows[0][1]) == quantity
    assert not tidy_problems(r.text)


def test_stock_page_chart_and_its_text_alternative(admin_web):
    admin = auth_headers("demo-admin")
    p = place(admin, 10)
    api_tx(admin, p, quantity=90)
    api_tx(admin, p, transaction_type="pick", quantity=60, from_bin_id=p["bin"]["id"])
    sid = p["stock"]["id"]
    r = page(admin_web, "/admin/stocks/" + sid).text
    svgs = re.findall(r"<svg class=\"chart chart-w\d+\"[^>]*>.*?</svg>", r, re.S)
    # One chart drawn for wide screens and for phones; the stylesheet shows one of them.
    assert [re.search(r'viewBox="([^"]+)"', s).group(1) for s in svgs] == ["0 0 800 220", "0 0 400 220"]
    svg = svgs[1]
    assert r.count('id="stock-chart-desc"') == 1
    assert 'role="img"' in svg and 'aria-labelledby="stock-chart-heading"' in svg
    assert 'aria-describedby="stock-chart-desc"' in svg and "<title>Quantity over time</title>" in svg
    assert '<h2 id="stock-chart-heading">Quantity over time</h2>' in r
    desc = re.search(r'<p class="chart-caption" id="stock-chart-desc">(.*?)</p>', r).group(1)
    assert "3 transactions" in desc and "40 ea now" in desc and "highest 100" in desc
    # No inline script: the page's one script is the pickers' same-origin file.
    # (its URL carries the file's version, ?v=<hash>)
    assert re.findall(r"<script[^>]*>", r) == [re.search(r'<script src="/admin/picker\.js\?v=[0-9a-f]{12}" defer>',
                                                         r).group(0)] and "http" not in svg
    # A step per transaction (the first from the opening 0).
    for s in svgs:
        path = re.search(r'class="chart-line" d="([^"]+)"', s).group(1)
        assert path.startswith("M") and path.count("V") == 3
    # The text alternative: every transaction with the quantity after it, as in the database.
    details = r.split('<details class="chart-data">', 1)[1].split("</details>", 1)[0]
    body_rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td></tr>", details)
    expected = sorted(db_balances(sid).values(), reverse=False)
    assert [int(after) for _, _, after in body_rows] == [40, 100, 10]
    assert [change for _, change, _ in body_rows] == ["-60", "+90", "+10"]
    assert sorted(int(a) for _, _, a in body_rows) == expected


def test_stock_page_of_a_record_without_transactions(admin_web):
    admin = auth_headers("demo-admin")
    wh = new_warehouse(admin)
    item = new_item(admin)
    sid = new_stock(admin, wh["id"], item["id"], new_bin(admin, wh["id"])["id"], quantity=0)["id"]
    if db_query("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ?", sid)[0][0] != "0":
        pytest.skip("stock creation writes a transaction")
    r = page(admin_web, "/admin/stocks/" + sid).text
    assert "No transactions yet" in r and "<svg" not in r
    assert not tidy_problems(r)


def test_stock_chart_of_another_tenant_is_a_404(acme_web):
    admin = auth_headers("demo-admin")
    p = place(admin, 4)
    api_tx(admin, p, quantity=1)
    r = page(acme_web, "/admin/stocks/" + p["stock"]["id"], status=404)
    assert "<svg" not in r.text


# ---- the overview -----------------------------------------------------------------------------

def overview_days(page_text):
    """{date: {type label: count}} and the type labels of the overview's data table."""
    details = page_text.split('aria-labelledby="days-chart-heading"', 1)[1].split("</details>", 1)[0]
    head = re.search(r"<thead>(.*?)</thead>", details, re.S).group(1)
    labels = [text(h) for h in re.findall(r'<th scope="col" class="num">(.*?)</th>', head)][:-1]
    out = {}
    for day, cells in re.findall(r'<tr><th scope="row">\w{3} (\d{4}-\d\d-\d\d)</th>(.*?)</tr>', details):
        counts = [int(text(c)) for c in re.findall(r"<td class=\"num\">(.*?)</td>", cells)]
        out[day] = dict(zip(labels, counts[:-1]))
        assert sum(counts[:-1]) == counts[-1]
    return out, labels


def db_days(tenant_id, zone, days):
    tz = zoneinfo.ZoneInfo(zone)
    rows = db_query("SELECT timestamp, transaction_type FROM inventory_transactions WHERE tenant_id = ?"
                    " AND timestamp >= UTC_TIMESTAMP() - INTERVAL 32 DAY", tenant_id)
    out = {d: {} for d in days}
    for stamp, kind in rows:
        t = datetime.datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        day = t.astimezone(tz).strftime("%Y-%m-%d")
        label = kind.replace("_", " ").capitalize()
        if day in out:
            out[day][label] = out[day].get(label, 0) + 1
    return out


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Anchorage"])
def test_overview_transactions_per_day_equal_the_database(admin_web, zone):
    admin = auth_headers("demo-admin")
    p = place(admin, 30)
    api_tx(admin, p, quantity=2)
    api_tx(admin, p, transaction_type="pick", quantity=1, from_bin_id=p["bin"]["id"])
    tenant = tenant_of("demo-admin")
    with tenant_zone(tenant, zone):
        r = page(admin_web, "/admin/").text
        shown, labels = overview_days(r)
        expected = db_days(tenant, zone, shown.keys())
    today = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    assert sorted(shown) == [str(today - datetime.timedelta(days=i)) for i in range(29, -1, -1)]
    for day in shown:
        for label in set(labels) | set(expected[day]):
            assert shown[day].get(label, 0) == expected[day].get(label, 0), (day, label, shown[day], expected[day])
    assert shown[str(today)]["Receive"] >= 1 and shown[str(today)]["Pick"] >= 1
    # The card counts the same day.
    card = re.search(r'<span class="figure">(\d+)</span> <span class="label">Transactions today</span>', r)
    assert int(card.group(1)) == sum(expected[str(today)].values())
    svg = re.search(r'<svg class="chart"[^>]*aria-labelledby="days-chart-heading" aria-describedby="days-chart-desc">.*?</svg>',
                    r, re.S)
    assert svg and "<title>Transactions per day, last 30 days</title>" in svg.group(0)
    assert re.search(r'<p class="chart-caption" id="days-chart-desc">[^<]*days in %s' % zone, r)
    assert not tidy_problems(r)


def test_overview_count_progress_per_session_and_assignment(admin_web):
    admin = auth_headers("demo-admin")
    operator = auth_headers("demo-operator")
    p = place(admin, 6)
    body = {"count_session": {"type": "position", "description": unique("overview progress")},
            "assignments": [{"user_key": "user/demo-operator",
                             "target_keys": [[p["bin"]["id"]], [p["bin2"]["id"]]]}]}
    r = requests.post(url(COUNT_API), json=body, headers=admin, timeout=30)
    assert r.status_code == 200, r.text
    key = r.json()["count_session"]["_key"]
    code = db_query("SELECT code FROM count_sessions WHERE id = ?", key)[0][0]
    assert requests.post(url(COUNT_API + "/%s/start" % key), headers=admin, timeout=30).status_code == 200
    r = requests.post(url(COUNT_API + "/%s/records" % key), headers=operator, timeout=30,
                      json={"bin_id": p["bin"]["id"], "item_id": p["item"]["id"], "counted_qt": 6})
    assert r.status_code == 200, r.text
    home = page(admin_web, "/admin/").text
    m = re.search(r'<a href="/admin/count-sessions/%s">%s</a>.*?</li>' % (key, re.escape(code)), home, re.S)
    assert m, "session not on the overview"
    item = m.group(0)
    assert '<span class="badge started">started</span>' in item
    rows = re.findall(r'<span class="progress-who">(.*?)</span>.*?aria-label="([^"]+)".*?'
                      r'<span class="progress-text">(.*?)</span>', item, re.S)
    # One assignment: its bar is the session's (no "All targets" bar repeating it).
    assert [(who, label) for who, label, _ in rows] == [("demo-operator", "1 of 2 (50%)")]
    assert text(rows[0][2]) == "1 / 2 · 50%"
    # The database: 2 targets of the assignment, 1 with a record of its user.
    assert db_query("SELECT COUNT(DISTINCT target_no) FROM count_targets WHERE session_id = ?", key)[0][0] == "2"
    # A counter and a viewer see it too (the count sessions' read scopes).
    for user in ("demo-operator", "demo-viewer"):
        assert '<a href="/admin/count-sessions/%s">' % key in page(sign_in(user), "/admin/").text
    # Completed sessions leave the overview.
    requests.post(url(COUNT_API + "/%s/cancel" % key), headers=admin, timeout=30)
    assert key not in page(admin_web, "/admin/").text


def test_count_session_form_reads_times_in_the_tenant_zone(admin_web):
    admin = auth_headers("demo-admin")
    p = place(admin, 3)
    operator_id = db_query("SELECT id FROM users WHERE username = 'demo-operator'")[0][0]
    with tenant_zone(tenant_of("demo-admin"), "Europe/Berlin"):
        form = page(admin_web, "/admin/count-sessions/new?warehouse_id=" + p["warehouse"]["id"]).text
        assert '<label for="scheduled_start">Scheduled start (Europe/Berlin)</label>' in form
        r = post(admin_web, "/admin/count-sessions",
                 {"type": "position", "description": unique("zone form"), "scheduled_start": "2026-06-01T09:00",
                  "scheduled_end": "2026-12-10T18:30", "user_1": operator_id, "targets_1": p["bin"]["code"],
                  "warehouse_id": p["warehouse"]["id"]},
                 token=form_token(form))
        assert r.status_code == 303, r.text[:1000]
        key = re.search(r"/admin/count-sessions/([0-9a-f-]{36})", r.headers["Location"]).group(1)
        start, end = db_query("SELECT scheduled_start, scheduled_end FROM count_sessions WHERE id = ?", key)[0]
        assert start.startswith("2026-06-01 07:00:00")  # summer time, UTC+2
        assert end.startswith("2026-12-10 17:30:00")  # winter time, UTC+1
        shown = page(admin_web, "/admin/count-sessions/" + key).text
        assert "<dt>Scheduled (Europe/Berlin)</dt><dd>2026-06-01 09:00:00" in shown
