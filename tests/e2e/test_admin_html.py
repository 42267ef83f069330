"""Every admin page is valid HTML: `tidy -q -e` (Debian's tidy) reports neither errors nor warnings."""
import re

import pytest
import requests

from admin_web import form_token, page, post, sign_in, tidy_problems
from conftest import auth_headers, db_query, url
from ondi import new_bin, new_item, new_stock, new_warehouse

COUNT_API = "/inventory/count-session"


@pytest.fixture(scope="module")
def pages():
    """(name, status, html) of every kind of page, with demo data and a session in each status."""
    admin, operator = auth_headers("demo-admin"), auth_headers("demo-operator")
    web, viewer, counter = sign_in("demo-admin"), sign_in("demo-viewer"), sign_in("demo-operator")
    wh = new_warehouse(admin)
    b = new_bin(admin, wh["id"])
    item = new_item(admin)
    stock = new_stock(admin, wh["id"], item["id"], b["id"], quantity=12)
    tx = requests.post(url("/warehousing/inventory-transactions"), headers=admin, timeout=30, json={
        "warehouse_id": wh["id"], "item_id": item["id"], "stock_id": stock["id"], "transaction_type": "pick",
        "quantity": 2, "from_bin_id": b["id"], "reference_type": "order", "reference_id": "SO-<1>",
        "notes": "two lines\nand <b>markup</b> & \u00e9\u00e8 \u2603"}).json()["inventory_transaction"]

    def session(status):
        body = {"count_session": {"type": "position", "description": "tidy " + status, "blind_quantities": True,
                                  "notes": "<i>n</i>"},
                "assignments": [{"user_key": "user/demo-operator", "target_keys": [[b["id"]]]}]}
        key = requests.post(url(COUNT_API), json=body, headers=admin, timeout=30).json()["count_session"]["_key"]
        if status != "planned":
            requests.post(url(COUNT_API + "/%s/start" % key), headers=admin, timeout=30)
            requests.post(url(COUNT_API + "/%s/records" % key), headers=operator, timeout=30,
                          json={"bin_id": b["id"], "item_id": item["id"], "counted_qt": 11})
        for action in {"completed": ["complete"], "applied": ["complete", "apply"],
                       "canceled": ["cancel"]}.get(status, []):
            requests.post(url(COUNT_API + "/%s/%s" % (key, action)), headers=admin, timeout=30)
        assert db_query("SELECT status FROM count_sessions WHERE id = ?", key)[0][0] == status
        return key

    keys = {s: session(s) for s in ("planned", "started", "completed", "applied", "canceled")}
    got = []

    def add(name, session, path, status=200):
        got.append((name, status, page(session, path, status=status).text))

    for path in ("/admin/", "/admin/transactions", "/admin/stocks", "/admin/warehouses", "/admin/bins",
                 "/admin/items", "/admin/count-sessions"):
        add(path, web, path)
        add(path + " page 2 sorted", web, path + "?page=2&limit=5&sort=status&dir=desc")
        add(path + " past the end", web, path + "?page=100000")
    add("filtered transactions", web, "/admin/transactions?transaction_type=pick&reference_type=order"
        "&warehouse_id=%s&item_id=%s&timestamp_range_start=2020-01-01&timestamp_range_end=2030-12-31"
        "&search=SO" % (wh["id"], item["id"]))
    add("filtered stock", web, "/admin/stocks?warehouse_id=%s&bin_id=%s&status=inactive&lot_number=L1"
        % (wh["id"], b["id"]))
    add("transaction", web, "/admin/transactions/" + tx["id"])
    add("transaction created", web, "/admin/transactions/%s?created=1" % tx["id"])
    add("stock", web, "/admin/stocks/" + stock["id"])
    add("new transaction", web, "/admin/transactions/new")
    add("new transaction for a stock", web, "/admin/transactions/new?stock_id=" + stock["id"])
    add("new count session", web, "/admin/count-sessions/new")
    add("new product count session", web, "/admin/count-sessions/new?type=product&item_search=SKU")
    add("new count session of a warehouse", web, "/admin/count-sessions/new?warehouse_id=" + wh["id"])
    for status, key in keys.items():
        add("count session " + status, web, "/admin/count-sessions/%s?done=created" % key)
        add("count session %s, counter" % status, counter, "/admin/count-sessions/" + key)
        add("count session %s, viewer" % status, viewer, "/admin/count-sessions/" + key)
    add("viewer start page", viewer, "/admin/")
    add("403", viewer, "/admin/transactions/new", 403)
    add("404", web, "/admin/nothing", 404)
    add("404 record", web, "/admin/stocks/00000000-0000-4000-8000-000000000000", 404)
    add("400 filter", web, "/admin/items?status=bogus", 400)
    anonymous = requests.Session()
    add("login", anonymous, "/admin/login")
    add("login, signed out", anonymous, "/admin/login?signed_out=1")
    add("login, next", anonymous, "/admin/login?next=/admin/items")
    r = anonymous.post(url("/admin/login"), timeout=30, data={
        "csrf": form_token(page(anonymous, "/admin/login").text), "username": "x", "password": "y"})
    got.append(("login refused", r.status_code, r.text))
    for name, data in (("transaction form error", {"stock_id": stock["id"], "transaction_type": "pick",
                                                  "quantity": "999"}),
                       ("count form error", {"type": "product", "description": "<x>"})):
        r = post(web, "/admin/count-sessions" if "count" in name else "/admin/transactions", data)
        got.append((name, r.status_code, r.text))
    r = post(web, "/admin/count-sessions/%s/apply" % keys["planned"], {})
    got.append(("transition refused", r.status_code, r.text))
    return got


def test_every_page_passes_tidy(pages):
    problems = {name: tidy_problems(text) for name, status, text in pages}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(pages) >= 50


def test_every_page_is_a_whole_document(pages):
    for name, status, text in pages:
        assert text.startswith("<!DOCTYPE html>"), name
        assert re.search(r"<title>[^<]+ · Stocktake</title>", text), name
        assert text.rstrip().endswith("</html>"), name


def test_every_page_links_the_versioned_stylesheet(pages):
    # The page frame gives every page the URLs with the files' versions (lib/html/page.c).
    versions = set()
    for name, status, text in pages:
        links = re.findall(r'<link rel="stylesheet" href="([^"]*)">', text)
        assert len(links) == 1 and re.fullmatch(r"/admin/style\.css\?v=[0-9a-f]{12}", links[0]), (name, links)
        versions.add(links[0])
        for src in re.findall(r'<script src="([^"]*)"', text):
            assert re.fullmatch(r"/admin/(picker|counting)\.js\?v=[0-9a-f]{12}", src), (name, src)
    assert len(versions) == 1
