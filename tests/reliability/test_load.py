"""Load and invariants: a pick race against the last units, a randomised ledger mix from 32 clients
(60 s; 10 minutes with STOCKTAKE_LONG=1), and 50 concurrent POSTs under one Idempotency-Key."""
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import LONG, ROOT, db_query, unique, url
from test_inventory_transactions import assert_ledger_consistent, ledger_sum, new_place, stock_qty, tx_body
from workload import TX, Mix

MIX_SECONDS = int(os.environ.get("STOCKTAKE_MIX_SECONDS", 600 if LONG else 60))


def report(name, figures):
    """Prints the figures and keeps them in var/log/reliability-<name>.json for the report."""
    print("\n%s: %s" % (name, json.dumps(figures)))
    with open(os.path.join(ROOT, "var", "log", "reliability-%s.json" % name), "w") as f:
        json.dump(figures, f, indent=1)


def concurrently(n, fn):
    """Runs fn(i) for i < n on n threads released together; returns the results in order."""
    gate = threading.Barrier(n)

    def run(i):
        s = requests.Session()
        gate.wait()
        return fn(s, i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


class Sampler(threading.Thread):
    """Samples a stock record's quantity in the database until stopped."""

    def __init__(self, stock_id):
        super().__init__(daemon=True)
        self.stock_id, self.samples, self.halt = stock_id, [], threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.samples.append(stock_qty(self.stock_id))
            self.halt.wait(0.01)

    def stop(self):
        self.halt.set()
        self.join()
        return self.samples


def test_200_picks_of_one_against_stock_100(admin):
    p = new_place(admin, quantity=100)
    body = tx_body(p, "pick", 1, from_bin_id=p["a"]["id"], reference_type="order", reference_id=unique("race"))
    sampler = Sampler(p["stock"]["id"])
    sampler.start()
    try:
        responses = concurrently(200, lambda s, i: s.post(url(TX), json=body, headers=admin, timeout=60))
    finally:
        samples = sampler.stop()
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 100 + [409] * 100, [(r.status_code, r.text) for r in responses if r.status_code >= 500]
    for r in responses:
        if r.status_code == 409:
            assert r.json() == {"success": False, "message": "Insufficient stock",
                                "code": "insufficient_stock"}
    left = sorted(r.json()["updated_stock"]["quantity"] for r in responses if r.status_code == 201)
    assert left == list(range(100))  # every success saw its own remaining quantity
    assert stock_qty(p["stock"]["id"]) == 0 == ledger_sum(p["stock"]["id"])
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE reference_id = ?",
                    body["reference_id"]) == [["100"]]
    assert samples and min(samples) >= 0 and samples == sorted(samples, reverse=True), samples
    report("pick-race", {"requests": 200, "succeeded": 100, "refused": 100, "samples": len(samples),
                         "min_sampled": min(samples)})


def test_fifty_concurrent_posts_with_one_key(admin):
    p = new_place(admin, quantity=100)
    key = unique("idem")
    body = tx_body(p, "pick", 3, from_bin_id=p["a"]["id"], reference_type="order", reference_id=key)
    headers = dict(admin, **{"Idempotency-Key": key})
    responses = concurrently(50, lambda s, i: s.post(url(TX), json=body, timeout=60, headers=headers))
    # A retry that arrives while the first request runs is told so at once (409, Retry-After);
    # retried as told, it gets the first's answer like the others.
    busy = [r for r in responses if r.status_code == 409]
    for r in busy:
        assert r.json()["code"] == "idempotency_key_in_use" and r.headers["Retry-After"] == "1", r.text
    answers = [r for r in responses if r.status_code != 409]
    assert [r.status_code for r in answers] == [201] * len(answers), [r.text for r in answers if r.status_code != 201]
    for _ in busy:
        answers.append(requests.post(url(TX), json=body, timeout=60, headers=headers))
    assert [r.status_code for r in answers] == [201] * 50
    assert len({r.content for r in answers}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 49
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE reference_id = ?", key) == [["1"]]
    assert stock_qty(p["stock"]["id"]) == 97


def test_randomised_mix_keeps_every_invariant(admin, operator):
    mix = Mix(admin, operator, clients=32)
    mix.run(MIX_SECONDS)
    assert mix.server_errors == [], mix.server_errors[:10]
    assert mix.unexpected == [], mix.unexpected[:10]
    figures = mix.check()
    assert_ledger_consistent(admin)
    report("mix", figures)
