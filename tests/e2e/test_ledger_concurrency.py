"""Concurrency invariants of the stock ledger: stock never negative, totals kept across crossed moves,
one transaction per Idempotency-Key, no 5xx under contention, and the ledger check consistent afterwards."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import db_query, unique
from test_inventory_transactions import (assert_ledger_consistent, ledger_sum, new_bin, new_item, new_place,
                                         new_stock, new_warehouse, post_tx, stock_bin, stock_qty, tx_body)

_local = threading.local()


def session():
    """One requests.Session per thread (Sessions are not thread-safe)."""
    if not hasattr(_local, "s"):
        _local.s = requests.Session()
    return _local.s


def run_all(fn, args, workers=20):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, args))


def statuses(responses):
    return sorted(r.status_code for r in responses)


def no_server_errors(responses):
    bad = [(r.status_code, r.text) for r in responses if r.status_code >= 500]
    assert bad == [], bad


@pytest.fixture(autouse=True)
def ledger_checked_after(admin):
    yield
    assert_ledger_consistent(admin)


def test_concurrent_picks_never_oversell(admin):
    p = new_place(admin, quantity=20)
    body = tx_body(p, "pick", 1, from_bin_id=p["a"]["id"])
    responses = run_all(lambda _: post_tx(admin, body, session=session()), range(40))
    no_server_errors(responses)
    assert statuses(responses) == [201] * 20 + [409] * 20
    for r in responses:
        if r.status_code == 409:
            assert r.json() == {"success": False, "message": "Insufficient stock"}
    assert stock_qty(p["stock"]["id"]) == 0 == ledger_sum(p["stock"]["id"])
    picks = db_query("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ? AND transaction_type = 'pick'",
                     p["stock"]["id"])
    assert picks == [["20"]]
    # Every success saw a distinct remaining quantity, 19 down to 0.
    left = sorted(r.json()["updated_stock"]["quantity"] for r in responses if r.status_code == 201)
    assert left == list(range(20))


def test_crossed_moves_keep_the_total(admin):
    wh = new_warehouse(admin)
    a, b = new_bin(admin, wh["id"]), new_bin(admin, wh["id"])
    item = new_item(admin)
    sa = new_stock(admin, wh["id"], item["id"], a["id"], quantity=50)
    sb = new_stock(admin, wh["id"], item["id"], b["id"], quantity=50)
    rnd = random.Random(7)
    jobs = []
    for i in range(60):
        src, frm, to = (sa, a, b) if i % 2 == 0 else (sb, b, a)
        jobs.append({"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": src["id"],
                     "transaction_type": "move", "quantity": rnd.randint(1, 9), "from_bin_id": frm["id"],
                     "to_bin_id": to["id"]})
    responses = run_all(lambda body: post_tx(admin, body, session=session()), jobs)
    no_server_errors(responses)
    assert set(statuses(responses)) <= {201, 409}
    assert statuses(responses).count(201) > 0
    # Each bin's record stays the destination of the other: no third record, same total.
    assert db_query("SELECT COUNT(*) FROM stocks WHERE item_id = ?", item["id"]) == [["2"]]
    qa, qb = stock_qty(sa["id"]), stock_qty(sb["id"])
    assert qa + qb == 100 and qa >= 0 and qb >= 0
    assert (ledger_sum(sa["id"]), ledger_sum(sb["id"])) == (qa, qb)
    assert (stock_bin(sa["id"]), stock_bin(sb["id"])) == (a["id"], b["id"])


def test_whole_record_moves_race_with_picks_and_moves(admin):
    """Whole-record moves (the record changes bin) racing picks and crossed moves on the same bins."""
    wh = new_warehouse(admin)
    bins = [new_bin(admin, wh["id"]) for _ in range(3)]
    item = new_item(admin)
    stocks = [new_stock(admin, wh["id"], item["id"], bins[0]["id"], quantity=5, lot_number=unique("L"))
              for _ in range(6)]

    def job(i):
        s = stocks[i % len(stocks)]
        # Where the record is right now (it may have moved since): callers must name its bin.
        here = stock_bin(s["id"])
        others = [b["id"] for b in bins if b["id"] != here]
        base = {"warehouse_id": wh["id"], "item_id": item["id"], "stock_id": s["id"], "from_bin_id": here}
        if i % 3 == 0:
            body = dict(base, transaction_type="pick", quantity=1)
        elif i % 3 == 1:
            body = dict(base, transaction_type="move", quantity=stock_qty(s["id"]) or 1, to_bin_id=others[0])
        else:
            body = dict(base, transaction_type="move", quantity=1, to_bin_id=others[1])
        return post_tx(admin, body, session=session())

    responses = run_all(job, range(60))
    no_server_errors(responses)
    for r in responses:
        assert r.status_code in (201, 400, 409), r.text
        if r.status_code == 400:
            assert r.json()["message"] == "From bin must match stock bin"
    rows = db_query("SELECT id, quantity FROM stocks WHERE item_id = ?", item["id"])
    picked = int(db_query("SELECT COUNT(*) FROM inventory_transactions t JOIN stocks s ON s.id = t.stock_id"
                          " WHERE s.item_id = ? AND t.transaction_type = 'pick'", item["id"])[0][0])
    assert sum(int(q) for _, q in rows) == 30 - picked
    for sid, q in rows:
        assert ledger_sum(sid) == int(q)


def test_fifty_retries_of_one_key_make_one_transaction(admin):
    p = new_place(admin, quantity=100)
    key = unique("concurrent")
    body = tx_body(p, "pick", 3, from_bin_id=p["a"]["id"], reference_id=key, reference_type="order")
    responses = run_all(lambda _: post_tx(admin, body, extra={"Idempotency-Key": key}, session=session()),
                        range(50), workers=50)
    no_server_errors(responses)
    # A retry that comes while the first is still running is told so at once (409, Retry-After).
    busy = [r for r in responses if r.status_code == 409]
    for r in busy:
        assert r.json()["message"] == "A request with this Idempotency-Key is still being processed"
        assert r.headers.get("Retry-After") == "1"
    done = [r for r in responses if r.status_code != 409]
    assert done and statuses(done) == [201] * len(done)
    assert len({r.content for r in done}) == 1
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE reference_id = ?", key) == [["1"]]
    assert stock_qty(p["stock"]["id"]) == 97
    assert db_query("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = ?", key) == [["1"]]


def test_one_key_with_different_bodies_concurrently(admin):
    p = new_place(admin, quantity=100)
    key = unique("conflict")
    bodies = [tx_body(p, "receive", 1 + (i % 2), reference_id=key, reference_type="order") for i in range(20)]
    responses = run_all(lambda b: post_tx(admin, b, extra={"Idempotency-Key": key}, session=session()), bodies)
    no_server_errors(responses)
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE reference_id = ?", key) == [["1"]]
    winner = db_query("SELECT quantity FROM inventory_transactions WHERE reference_id = ?", key)[0][0]
    for b, r in zip(bodies, responses):
        if r.status_code == 409:
            assert r.json()["message"] == "A request with this Idempotency-Key is still being processed"
        elif b["quantity"] == int(winner):
            assert r.status_code == 201
        else:
            assert r.status_code == 422
            assert r.json()["message"] == "Idempotency key reused with a different request"
    assert stock_qty(p["stock"]["id"]) == 100 + int(winner)


def test_mixed_traffic_on_one_stock(admin):
    p = new_place(admin, quantity=30)
    a = p["a"]["id"]
    kinds = [("receive", {}), ("pick", {"from_bin_id": a}), ("return", {}),
             ("stock_adjustment", {"adjustment_direction": "decrease"}),
             ("stock_adjustment", {"adjustment_direction": "increase"}), ("count", {})]
    rnd = random.Random(11)
    jobs = []
    for i in range(60):
        t, extra = kinds[i % len(kinds)]
        jobs.append(tx_body(p, t, rnd.randint(0 if t == "count" else 1, 12), **extra))
    responses = run_all(lambda body: post_tx(admin, body, session=session()), jobs)
    no_server_errors(responses)
    assert set(statuses(responses)) <= {201, 409}
    q = stock_qty(p["stock"]["id"])
    assert q >= 0 and q == ledger_sum(p["stock"]["id"])
