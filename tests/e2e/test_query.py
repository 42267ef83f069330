"""Query parameters: unknown ones refused, limits above the maximum refused, page on count sessions,
updated_since on master-data lists, and following the ledger with after= while others write."""
import threading
import time
import urllib.parse

import requests

from admin_web import sign_in
from conftest import db_query, url
from ondi import call, new_item, new_warehouse, ok
from test_inventory_transactions import TX, new_place, post_tx, tx_body

# The documents' own list URL sends every filter empty (document 004's curl example).
DOCUMENT_QUERY = ("warehouse_id=&item_id=&stock_id=&search=&transaction_type=&reference_type="
                  "&timestamp_range_start=&timestamp_range_end=&page=1&limit=20")
SETTLE_S = 30  # ITX_FOLLOW_SETTLE_SECONDS


def get(path, h, **params):
    return requests.get(url(path), headers=h, params=params, timeout=30)


# ---- unknown query parameters ----------------------------------------------------------------

def test_misspelt_filter_is_refused_naming_it(admin):
    r = get("/warehousing/inventory-transactions", admin, transaction_typ="pick", limit="5", pgae="2")
    assert r.status_code == 400
    assert r.json() == {"success": False, "message": "Unknown query parameter: transaction_typ, pgae"}


def test_unknown_parameter_in_each_envelope(admin):
    r = get("/inventory/count-session", admin, sort="code")
    assert r.status_code == 400
    assert r.json()["message"] == "Unknown query parameter: sort" and r.json()["status"] == 400
    r = get("/warehousing/items", admin, colour="red")
    assert (r.status_code, r.json()["message"]) == (400, "Unknown query parameter: colour")
    r = get("/api/users", admin, role="x")
    assert (r.status_code, r.json()["message"]) == (400, "Unknown query parameter: role")
    r = requests.post(url("/warehousing/items?dry_run=1"), headers=admin, json={}, timeout=10)
    assert (r.status_code, r.json()["message"]) == (400, "Unknown query parameter: dry_run")


def test_documents_own_empty_parameters_still_work(admin, demo_tenant_id):
    r = requests.get(url("/warehousing/inventory-transactions?tenant_id=%s&%s" % (demo_tenant_id, DOCUMENT_QUERY)),
                     headers=admin, timeout=30)
    body = ok(r, 200, "Inventory transactions retrieved successfully")
    assert body["page"] == 1 and body["limit"] == 20


def test_anonymous_caller_gets_401_not_400():
    r = requests.get(url("/warehousing/items?colour=red"), timeout=10)
    assert r.status_code == 401


def test_admin_pages_tolerate_extra_parameters():
    """The pages keep their cap on limit and ignore parameters they do not know."""
    s = sign_in("demo-admin")
    r = s.get(url("/admin/transactions?utm_source=mail&limit=500"), timeout=30)
    assert r.status_code == 200


# ---- limit above the maximum ---------------------------------------------------------------

def test_limit_above_maximum_is_refused_with_the_range(admin):
    for path in ("/warehousing/inventory-transactions", "/warehousing/stocks"):
        r = get(path, admin, limit="500")
        assert r.status_code == 400
        assert r.json() == {"success": False, "message": "Invalid limit",
                            "detail": "limit must be a whole number from 1 to 100"}
        assert get(path, admin, limit="100").status_code == 200
    r = get("/inventory/count-session", admin, limit="101")
    assert r.status_code == 400
    assert r.json() == {"status": 400, "message": "Invalid limit",
                        "detail": "limit must be a whole number from 1 to 100"}
    r = get("/api/users", admin, limit="101")
    assert (r.status_code, r.json()["message"]) == (400, "Invalid limit")


# ---- page on count sessions ------------------------------------------------------------------

def test_count_session_page_is_offset(admin):
    """page=3 with limit=1 is offset=2; page and offset together are refused."""
    import test_count_sessions as cs
    where = cs.place(admin, (1,))
    for _ in range(3):
        cs.create(admin, cs.simple_body([where["bins"][0]["id"]]))
    by_offset = get("/inventory/count-session", admin, limit="1", offset="2").json()
    by_page = get("/inventory/count-session", admin, limit="1", page="3").json()
    assert by_page["status"] == 200
    assert [c["_key"] for c in by_page["count_sessions"]] == [c["_key"] for c in by_offset["count_sessions"]]
    assert by_page["offset"] == 2 and by_page["page"] == 3
    first = get("/inventory/count-session", admin, limit="1", page="1").json()
    assert first["count_sessions"] != by_page["count_sessions"]
    r = get("/inventory/count-session", admin, page="2", offset="1")
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid page" and "not both" in r.json()["detail"]
    assert get("/inventory/count-session", admin, page="0").status_code == 400


# ---- updated_since on master-data lists -----------------------------------------------------

def test_updated_since_lists_what_changed(admin):
    wh = new_warehouse(admin)
    item = new_item(admin)
    db_query("UPDATE items SET updated_at = '2020-01-01 00:00:00' WHERE id = ?", item["id"])
    db_query("UPDATE warehouses SET updated_at = '2020-01-01 00:00:00' WHERE id = ?", wh["id"])
    since = db_query("SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 1 SECOND, '%Y-%m-%dT%H:%i:%sZ')")[0][0]
    ids = lambda body, key: [x["id"] for x in body[key]]
    body = ok(get("/warehousing/items", admin, updated_since=since, sku=item["sku"]), 200,
              "Items retrieved successfully")
    assert ids(body, "items") == []
    ok(call("PATCH", "items/" + item["id"], admin, {"name": "renamed"}), 200, "Item updated successfully")
    body = ok(get("/warehousing/items", admin, updated_since=since, sku=item["sku"]), 200,
              "Items retrieved successfully")
    assert ids(body, "items") == [item["id"]] and body["total"] == 1
    # The ledger's writes to a stock record count as changes of it.
    place = new_place(admin, quantity=5)
    db_query("UPDATE stocks SET updated_at = '2020-01-01 00:00:00' WHERE id = ?", place["stock"]["id"])
    assert get("/warehousing/stocks", admin, updated_since=since, item_id=place["item"]["id"]).json()["total"] == 0
    assert post_tx(admin, tx_body(place, "receive", 2)).status_code == 201
    body = get("/warehousing/stocks", admin, updated_since=since, item_id=place["item"]["id"]).json()
    assert ids(body, "stocks") == [place["stock"]["id"]]
    r = get("/warehousing/warehouses", admin, updated_since="yesterday")
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid updated_since" and "ISO 8601" in r.json()["detail"]


# ---- following the ledger ----------------------------------------------------------------------

def follow_page(h, link):
    r = requests.get(url(link), headers=h, timeout=30)
    body = ok(r, 200, "Inventory transactions retrieved successfully")
    return body


def test_cursor_refusals(admin):
    r = get("/warehousing/inventory-transactions", admin, after="nonsense")
    assert r.status_code == 400 and r.json()["message"] == "Invalid after"
    r = get("/warehousing/inventory-transactions", admin, after="start", page="2")
    assert r.status_code == 400 and r.json()["message"] == "Invalid page"
    r = get("/warehousing/inventory-transactions", admin, after="start", format="csv")
    assert r.status_code == 400 and r.json()["message"] == "Invalid format"


def test_page_list_has_next_link(admin):
    place = new_place(admin, quantity=5)
    for _ in range(2):
        assert post_tx(admin, tx_body(place, "receive", 1)).status_code == 201
    body = get("/warehousing/inventory-transactions", admin, warehouse_id=place["wh"]["id"], limit="2",
               search="").json()
    assert body["total"] == 3
    assert body["next"] == "/warehousing/inventory-transactions?warehouse_id=%s&limit=2&page=2" % place["wh"]["id"]
    last = follow_page(admin, body["next"])
    assert len(last["inventory_transactions"]) == 1 and last["next"] is None


def test_follower_sees_every_row_once_while_others_write(admin):
    """Writers post (some with past timestamps) while a follower pages with after=; once the rows
    have settled the follower has seen every committed transaction exactly once, in written order."""
    place = new_place(admin, quantity=0)
    wh = place["wh"]["id"]
    committed, lock, stop = [], threading.Lock(), threading.Event()

    def writer(n):
        s = requests.Session()
        i = 0
        while not stop.is_set():
            extra = {"timestamp": "2020-01-0%dT00:00:00Z" % (1 + i % 9)} if (i + n) % 3 == 0 else {}
            r = post_tx(admin, tx_body(place, "receive", 1, **extra), session=s)
            assert r.status_code == 201, r.text
            with lock:
                committed.append(r.json()["inventory_transaction"]["id"])
            i += 1

    seen = []
    link = "/warehousing/inventory-transactions?warehouse_id=%s&limit=7&after=start" % wh
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    started = time.time()
    try:
        while time.time() - started < 4:
            body = follow_page(admin, link)
            seen += [t["id"] for t in body["inventory_transactions"]]
            link = body["next"]
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Nothing written in the last moments is shown yet: rows settle first.
    assert set(seen) < set(committed) or not committed
    deadline = time.time() + SETTLE_S + 30
    while set(seen) != set(committed) and time.time() < deadline:
        body = follow_page(admin, link)
        seen += [t["id"] for t in body["inventory_transactions"]]
        assert urllib.parse.urlsplit(body["next"]).path == "/warehousing/inventory-transactions"
        if body["inventory_transactions"]:
            link = body["next"]
        else:
            assert body["next"] == link  # nothing new: the same cursor, to poll again
            time.sleep(1)
    assert len(committed) > 20
    assert len(seen) == len(set(seen)), "a row was listed twice"
    assert set(seen) == set(committed), "rows missed"
    order = db_query("SELECT id FROM inventory_transactions WHERE warehouse_id = ? ORDER BY created_at, id", wh)
    assert seen == [r[0] for r in order if r[0] in set(committed)]
