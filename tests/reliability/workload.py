"""The randomised ledger workload of the load and fault tests.

Clients receive, pick, move, adjust and count (single count transactions, and one client running
whole count sessions: plan, start, record, complete, apply) in one fresh warehouse, read stock and
transaction lists, and keep their own books from the answers they get: which transactions were
acknowledged (2xx) and what each did to each item's total by the client's reckoning (a count's
change is only known from its answer). check() then compares those books with the database.

Every transaction carries a unique reference_id, so the database shows whether a request was applied
once, twice or not at all whatever the client saw. In fault mode (retry=True) a client resends a
POST that got a 503 or no answer with the same Idempotency-Key until it gets a real answer (half the
POSTs carry a key; one without a key is never resent: its outcome stays unknown to the client).
"""
import collections
import random
import subprocess
import threading
import time

import requests

from conftest import db_query, unique, url
from ondi import new_bin, new_item, new_stock, new_warehouse

TX = "/warehousing/inventory-transactions"
INITIAL = 200  # units per item at the start, all in the first bin
# Answers a POST may get besides 201, by message: all are the caller's problem, none a server fault.
REFUSALS = {409: {"Insufficient stock"}, 400: {"From bin must match stock bin"}}
WEIGHTS = [("receive", 18), ("return", 4), ("pick", 20), ("move", 18), ("adjust", 12), ("count", 5),
           ("list_tx", 8), ("get_tx", 5), ("stocks", 10)]


def _session():
    s = requests.Session()
    s.headers["Connection"] = "keep-alive"
    return s


class Mix:
    def __init__(self, admin, operator, clients=32, items=3, bins=4, retry=False, seed=None):
        self.h, self.op = admin, operator
        self.clients, self.retry = clients, retry
        self.rnd = random.Random(seed)
        self.wh = new_warehouse(admin)
        self.bins = [new_bin(admin, self.wh["id"]) for _ in range(bins)]
        self.items = [new_item(admin, category="Reliability") for _ in range(items)]
        for it in self.items:
            new_stock(admin, self.wh["id"], it["id"], self.bins[0]["id"], quantity=INITIAL)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.change = collections.Counter()      # item id -> units added by acknowledged requests
        self.acked = {}                          # reference_id -> transaction id (2xx answers)
        self.unknown = set()                     # reference_ids sent that got no real answer
        self.statuses = collections.Counter()    # (kind, status) -> count
        self.unexpected = []                     # answers no request of this mix may get
        self.server_errors = []                  # 5xx answers (and what they said)
        self.retries = 0
        self.requests = 0
        self.sessions_applied = []               # count session codes whose apply was acknowledged
        self.sessions_unknown = 0                # applies that got no real answer
        self.min_quantity = None

    # --- one client ---------------------------------------------------------------------------

    def _send(self, s, method, path, headers, body=None, key=None, params=None):
        """One request (resent after a 503 or a lost answer in retry mode, only when idempotent: a GET
        or a keyed POST). Returns the response, or None when no real answer came."""
        hdrs = dict(headers)
        if key:
            hdrs["Idempotency-Key"] = key
        deadline = time.monotonic() + 60
        while True:
            with self.lock:
                self.requests += 1
            try:
                r = s.request(method, url(path), headers=hdrs, json=body, params=params, timeout=30)
            except requests.RequestException as e:
                r, failure = None, repr(e)
            else:
                failure = None
                if r.status_code >= 500:
                    self._server_error(method, path, r)
                    if r.status_code != 503:
                        return r
            resendable = method == "GET" or key is not None
            if r is not None and r.status_code < 500:
                return r
            if r is None and not self.retry:
                with self.lock:
                    self.unexpected.append((method, path, failure))
                return r
            # As a client should: wait as told (also before giving up, so no client spins).
            wait = 0.2
            if r is not None:
                try:
                    wait = min(float(r.headers.get("Retry-After", "0.2")), 2.0)
                except ValueError:
                    pass
            time.sleep(wait)
            if not (self.retry and resendable) or time.monotonic() > deadline:
                return r
            with self.lock:
                self.retries += 1

    def _server_error(self, method, path, r):
        with self.lock:
            self.server_errors.append((time.monotonic(), method, path, r.status_code, r.headers.get("Retry-After"),
                                       r.headers.get("Content-Type"), r.text[:300]))

    def _expect(self, kind, r, ok):
        status = r.status_code if r is not None else None
        with self.lock:
            self.statuses[(kind, status)] += 1
        if r is None or status >= 500:
            return False
        if status in ok:
            return True
        message = None
        try:
            message = r.json().get("message")
        except ValueError:
            pass
        if message not in REFUSALS.get(status, ()):
            with self.lock:
                self.unexpected.append((kind, status, r.text[:300]))
        return False

    def _stocks(self, s, item):
        r = self._send(s, "GET", "/warehousing/stocks", self.h,
                       params={"warehouse_id": self.wh["id"], "item_id": item["id"], "limit": 100})
        if not self._expect("stocks", r, {200}):
            return []
        return r.json()["stocks"]

    def _post_tx(self, s, kind, stock, qty, client_delta, **fields):
        ref = unique("mix")
        body = {"warehouse_id": self.wh["id"], "item_id": stock["item_id"], "stock_id": stock["id"],
                "transaction_type": kind, "quantity": qty, "reference_type": "order", "reference_id": ref}
        body.update(fields)
        key = ref if self.rnd.random() < 0.5 or not self.retry else None
        r = self._send(s, "POST", TX, self.h, body, key=key)
        if r is None or r.status_code >= 500:
            with self.lock:
                self.unknown.add(ref)
            self._expect(kind, r, {201})
            return
        if not self._expect(kind, r, {201}):
            return
        tx = r.json()["inventory_transaction"]
        delta = tx["delta"] + (tx["to_delta"] or 0)
        if kind == "count":
            client_delta = tx["delta"]
            if r.json()["updated_stock"]["quantity"] != qty:
                with self.lock:
                    self.unexpected.append(("count", "updated_stock", r.text[:300]))
        elif delta != client_delta:
            with self.lock:
                self.unexpected.append((kind, "delta %r, expected %r" % (delta, client_delta), r.text[:300]))
        with self.lock:
            self.acked[ref] = tx["id"]
            self.change[stock["item_id"]] += client_delta

    def _step(self, s, rnd):
        kind = rnd.choices([k for k, _ in WEIGHTS], [w for _, w in WEIGHTS])[0]
        if kind == "list_tx":
            r = self._send(s, "GET", TX, self.h, params={"warehouse_id": self.wh["id"], "limit": 20})
            self._expect(kind, r, {200})
            return
        if kind == "get_tx":
            with self.lock:
                ids = list(self.acked.values())[-50:]
            if ids:
                r = self._send(s, "GET", TX + "/" + rnd.choice(ids), self.h)
                self._expect(kind, r, {200})
            return
        item = rnd.choice(self.items)
        stocks = self._stocks(s, item)
        if kind == "stocks" or not stocks:
            return
        st = rnd.choice(stocks)
        q = rnd.randint(1, 6)
        if kind in ("receive", "return"):
            self._post_tx(s, kind, st, q, q)
        elif kind == "pick":
            self._post_tx(s, kind, st, q, -q, from_bin_id=st["bin_id"])
        elif kind == "adjust":
            up = rnd.random() < 0.5
            self._post_tx(s, "stock_adjustment", st, q, q if up else -q, from_bin_id=st["bin_id"],
                          adjustment_direction="increase" if up else "decrease")
        elif kind == "count":
            self._post_tx(s, kind, st, max(0, st["quantity"] + rnd.randint(-3, 3)), None)
        else:
            to = rnd.choice([b for b in self.bins if b["id"] != st["bin_id"]])
            qty = st["quantity"] if rnd.random() < 0.2 and st["quantity"] > 0 else q
            self._post_tx(s, "move", st, qty, 0, from_bin_id=st["bin_id"], to_bin_id=to["id"])

    def _client(self, n):
        s = _session()
        rnd = random.Random(self.rnd.random() + n)
        while not self.stop.is_set():
            self._step(s, rnd)

    # --- count sessions -----------------------------------------------------------------------

    def _count_session(self, s, rnd):
        """Plans, starts, counts (as demo-operator), completes and applies a count of one bin."""
        b = rnd.choice(self.bins)
        code = unique("MIX")
        body = {"count_session": {"code": code, "description": "reliability mix", "type": "position"},
                "assignments": [{"user_key": "user/demo-operator", "target_keys": [[b["id"]]]}]}
        base = "/inventory/count-session"
        r = self._send(s, "POST", base, self.h, body)
        if not self._expect("session", r, {200, 201}):
            return
        key = r.json()["detail"]
        if not self._expect("session", self._send(s, "POST", "%s/%s/start" % (base, key), self.h), {200}):
            return
        for item in self.items:
            rec = {"bin_id": b["id"], "item_id": item["id"], "counted_qt": rnd.randint(0, 20)}
            r = self._send(s, "POST", "%s/%s/records" % (base, key), self.op, rec)
            if not self._expect("session", r, {200, 201}):
                return
        if not self._expect("session", self._send(s, "POST", "%s/%s/complete" % (base, key), self.h), {200}):
            return
        r = self._send(s, "POST", "%s/%s/apply" % (base, key), self.h)
        if r is None or r.status_code >= 500:
            with self.lock:
                self.sessions_unknown += 1
        if r is not None and r.status_code == 409 and r.json().get("message") == "Stock would become negative":
            return  # the bin lost stock since the start: refused, nothing changed
        if self._expect("session", r, {200}):
            with self.lock:
                self.sessions_applied.append(code)

    def _counter(self):
        s = _session()
        rnd = random.Random(self.rnd.random())
        while not self.stop.is_set():
            self._count_session(s, rnd)

    def _sampler(self):
        while not self.stop.is_set():
            try:
                q = db_query("SELECT MIN(quantity) FROM stocks WHERE warehouse_id = ?", self.wh["id"])[0][0]
            except subprocess.CalledProcessError:
                time.sleep(0.2)  # MariaDB is down (a fault test)
                continue
            with self.lock:
                self.min_quantity = int(q) if self.min_quantity is None else min(self.min_quantity, int(q))
            time.sleep(0.2)

    # --- running and checking -------------------------------------------------------------------

    def start(self):
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                        for n in range(self.clients - 1)]
        self.threads.append(threading.Thread(target=self._counter, daemon=True))
        self.threads.append(threading.Thread(target=self._sampler, daemon=True))
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(120)
        assert not any(t.is_alive() for t in self.threads), "a client hangs"
        self.seconds = time.monotonic() - self.started

    def run(self, seconds):
        self.start()
        try:
            self.stop.wait(seconds)
        finally:
            self.finish()

    def check(self):
        """The books against the database; returns the figures."""
        wh = self.wh["id"]
        rows = db_query("SELECT reference_id, COUNT(*), MIN(id) FROM inventory_transactions"
                        " WHERE warehouse_id = ? AND reference_type = 'order' GROUP BY reference_id", wh)
        in_db = {ref: (int(n), tid) for ref, n, tid in rows}
        twice = {ref: n for ref, (n, _) in in_db.items() if n != 1}
        assert twice == {}, "applied more than once: %r" % twice
        missing = [ref for ref in self.acked if ref not in in_db]
        assert missing == [], "acknowledged but not in the database: %r" % missing[:20]
        wrong = [ref for ref, tid in self.acked.items() if in_db[ref][1] != tid]
        assert wrong == [], "acknowledged with another id: %r" % wrong[:20]
        # Applied without the client knowing (its answer was lost): only requests that got no answer.
        silent = set(in_db) - set(self.acked)
        assert silent <= self.unknown, "applied but refused: %r" % sorted(silent - self.unknown)[:20]
        # Per item: the stock the database holds is what the acknowledged requests did, by the clients'
        # own reckoning (plus sessions' count adjustments and requests applied without an answer).
        expected = collections.Counter({it["id"]: INITIAL for it in self.items})
        expected.update(self.change)
        for item_id, d in db_query("SELECT item_id, SUM(delta) FROM inventory_transactions WHERE warehouse_id = ?"
                                   " AND reference_type = 'audit' GROUP BY item_id", wh):
            expected[item_id] += int(d)
        for ref in silent:
            item_id, d, td = db_query("SELECT item_id, delta, COALESCE(to_delta, 0) FROM inventory_transactions"
                                      " WHERE reference_id = ?", ref)[0]
            expected[item_id] += int(d) + int(td)
        held = {i: int(q) for i, q in db_query("SELECT item_id, SUM(quantity) FROM stocks WHERE warehouse_id = ?"
                                               " GROUP BY item_id", wh)}
        assert held == dict(expected), (held, dict(expected))
        applied = db_query("SELECT COUNT(DISTINCT reference_id) FROM inventory_transactions"
                           " WHERE warehouse_id = ? AND reference_type = 'audit'", wh)[0][0]
        assert len(self.sessions_applied) <= int(applied) <= len(self.sessions_applied) + self.sessions_unknown
        negative = db_query("SELECT COUNT(*) FROM stocks WHERE warehouse_id = ? AND quantity < 0", wh)[0][0]
        assert negative == "0" and (self.min_quantity is None or self.min_quantity >= 0)
        return {"seconds": round(self.seconds, 1), "requests": self.requests, "retries": self.retries,
                "acknowledged_writes": len(self.acked), "applied_without_answer": len(silent),
                "unknown_outcome": len(self.unknown), "sessions_applied": len(self.sessions_applied),
                "server_errors": len(self.server_errors),
                "statuses": {"%s %s" % k: n for k, n in sorted(self.statuses.items(), key=str)}}
