"""A writer node that hangs (SIGSTOP, not killed) under load: the handlers time out on it, move to the next
node within the stated bound, and stay there when it comes back healthy (docs/SCALING.md, "Failover").
Runs against `./devstack up --cluster` (tests/run-all --cluster); restores node 1 as the writer at the end."""
import os
import re
import signal
import threading
import time
import uuid

import pytest
import requests

from conftest import (CLUSTER_DIR, NODES, node_pid, node_sql, node_status, recorded_writer,
                      switch_writer, unique, use_node_for_helpers, wait_for, writable)
from test_inventory_transactions import assert_ledger_consistent, ledger_sum, new_place, post_tx, stock_qty, tx_body

# The defaults of db_read_timeout and db_connect_timeout (lib/base/env.c); the cluster hosts use them.
READ_TIMEOUT, CONNECT_TIMEOUT = 10, 2
# docs/SCALING.md, "The bound": a handler process on the hung writer moves to the next node within BOUND
# (so the handlers write there within it), and a request spends at most BOUND in one handler.
BOUND = READ_TIMEOUT + CONNECT_TIMEOUT + 1
# Every process notices on its own, and requests queue in a pool while its workers wait: a client may meet
# one more read timeout before its answer.
CLIENT_BOUND = BOUND + READ_TIMEOUT
MARGIN = 4  # a shared 2-core machine: scheduling, nginx, the client itself

_local = threading.local()


def session():
    if not hasattr(_local, "s"):
        _local.s = requests.Session()
    return _local.s


class Writer(threading.Thread):
    """Posts receives of 1, each with an Idempotency-Key; a 503 is retried with the same key after its
    Retry-After, so every operation ends acknowledged exactly once. Records every attempt."""

    def __init__(self, admin, places, stop, prefix):
        super().__init__(daemon=True)
        self.admin, self.places, self.stop, self.prefix = admin, places, stop, prefix
        self.attempts = []  # (start, end, status or exception name, Retry-After, request id)
        self.acked = {}     # key -> transaction id

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            p = self.places[i % len(self.places)]
            key = self.prefix + uuid.uuid4().hex
            body = tx_body(p, "receive", 1, reference_type="order", reference_id=key)
            while True:
                start = time.time()
                rid = "failover-" + uuid.uuid4().hex[:16]  # X-Request-Id: finds the attempt in the handler logs
                try:
                    r = post_tx(self.admin, body, extra={"Idempotency-Key": key, "X-Request-Id": rid},
                                session=session())
                except requests.RequestException as e:
                    self.attempts.append((start, time.time(), type(e).__name__, None, rid))
                    time.sleep(0.5)
                    continue
                self.attempts.append((start, time.time(), r.status_code, r.headers.get("Retry-After"), rid))
                if r.status_code == 201:
                    self.acked[key] = r.json()["inventory_transaction"]["id"]
                    break
                assert r.status_code == 503, r.text
                time.sleep(float(r.headers.get("Retry-After", "1")))


def host_logs():
    return [os.path.join(CLUSTER_DIR, h, "log", f) for h in ("hostA", "hostB")
            for f in os.listdir(os.path.join(CLUSTER_DIR, h, "log")) if f.endswith(".log")]


def log_sizes():
    return {f: os.path.getsize(f) for f in host_logs()}


def log_since(sizes):
    out = []
    for f in host_logs():
        with open(f, errors="replace") as fh:
            fh.seek(sizes.get(f, 0))
            out.append(fh.read())
    return "".join(out)


def record_on(n):
    """The recorded writer as node n has it now (no causality wait: usable while another node hangs)."""
    try:
        return int(node_sql(n, "SELECT node FROM cluster_writer WHERE id = 1", sync=False, timeout=5)[0][0])
    except Exception:  # noqa: BLE001 - a node that does not answer has no say
        return None


def commits_on(nodes):
    """wsrep_local_commits of the given nodes (those known to answer)."""
    return {n: int(node_sql(n, "SHOW GLOBAL STATUS LIKE 'wsrep_local_commits'", sync=False, timeout=5)[0][1])
            for n in nodes}


def rejoined():
    """Node 1 is back in the component, as node 2 sees it (right after SIGCONT node 1 still believes in its
    old view for a moment), and every node is writable."""
    return node_status(2, "wsrep_cluster_size") == "3" and all(writable(n) for n in NODES)


@pytest.fixture
def node1_writer():
    """Starts from node 1 as the recorded writer of 3 synced nodes; ends there, node 1 running, whatever
    happened."""
    assert all(writable(n) for n in NODES)
    if recorded_writer() != 1:
        switch_writer(1)
    use_node_for_helpers(1)
    yield
    pid = node_pid(1)
    if pid:
        os.kill(pid, signal.SIGCONT)
    wait_for(rejoined, 180, "3 writable nodes")
    if recorded_writer() != 1:
        switch_writer(1)
    use_node_for_helpers(1)


def run_load(admin, places, prefix, clients=12):
    stop = threading.Event()
    writers = [Writer(admin, places, stop, prefix) for _ in range(clients)]
    for w in writers:
        w.start()
    return stop, writers


def stop_load(stop, writers):
    stop.set()
    for w in writers:
        w.join(CLIENT_BOUND + MARGIN + 30)
        assert not w.is_alive(), "a client still waits for an answer"


def check_exactly_once(writers, prefix, node):
    acked = {}
    for w in writers:
        acked.update(w.acked)
    rows = node_sql(node, "SELECT reference_id, id FROM inventory_transactions WHERE reference_id LIKE '%s%%'"
                    % prefix)
    by_key = {}
    for key, tx_id in rows:
        by_key.setdefault(key, []).append(tx_id)
    assert {k: v for k, v in by_key.items() if len(v) > 1} == {}
    assert set(by_key) == set(acked)
    assert all(by_key[k] == [acked[k]] for k in acked)
    return len(acked)


def test_sigstop_writer_under_load(admin, node1_writer):
    """SIGSTOP of node 1's mariadbd while 12 clients write: no request waits longer than the bound, the
    handlers write to node 2 within it, and after SIGCONT node 1 rejoins while they stay on node 2."""
    places = [new_place(admin, quantity=10) for _ in range(4)]
    prefix = unique("sigstop") + "-"
    stop, writers = run_load(admin, places, prefix)
    # Every busy process is on node 1 after a second of load (idle ones follow a switchover lazily).
    time.sleep(4)
    marks = log_sizes()
    pid = node_pid(1)
    assert pid
    os.kill(pid, signal.SIGSTOP)
    stopped_at = time.time()
    try:
        # Node 2 becomes the recorded writer, and answers come back, within the bound.
        wait_for(lambda: record_on(2) == 2, BOUND + MARGIN, "node 2 recorded as the writer")
        recorded_after = time.time() - stopped_at
        time.sleep(8)
        # Writes go to node 2 while node 1 is stopped; node 3 takes none.
        commits = commits_on((2, 3))
        time.sleep(2)
        later = commits_on((2, 3))
        assert later[2] > commits[2] and later[3] == commits[3]
    finally:
        os.kill(pid, signal.SIGCONT)
    # Node 1 comes back: it rejoins (IST) and is writable again, but nobody moves back to it.
    wait_for(rejoined, 180, "node 1 to rejoin")
    time.sleep(3)
    before = commits_on(NODES)
    time.sleep(8)
    after = commits_on(NODES)
    stop_load(stop, writers)
    assert after[1] == before[1], "a handler wrote to node 1 after it came back"
    assert after[2] > before[2]
    assert recorded_writer() == 2

    attempts = [a for w in writers for a in w.attempts]
    # Service is back: the first write acknowledged among those sent after the stop.
    first_ok = min(end for start, end, status, *_ in attempts if status == 201 and start > stopped_at) - stopped_at
    # When each client was served again after the stop; the slowest one is when the failover was complete.
    per_client = [min(end for start, end, status, *_ in w.attempts if status == 201 and end > stopped_at)
                  - stopped_at for w in writers]
    failed = [a for a in attempts if a[2] != 201 and a[1] > stopped_at]
    longest = max(end - start for start, end, *_ in attempts)
    print("SIGSTOP failover: node 2 recorded after %.1f s, first write sent after the stop served after %.1f s, every client "
          "served after %.1f s (%s); %d failed attempts (%s), longest request %.1f s, bounds %d/%d s"
          % (recorded_after, first_ok, max(per_client), " ".join("%.1f" % t for t in sorted(per_client)),
             len(failed), sorted({str(a[2]) for a in failed}), longest, BOUND, CLIENT_BOUND))
    slow = [(round(a[0] - stopped_at, 1), round(a[1] - stopped_at, 1), a[2], a[4]) for a in attempts
            if a[1] - a[0] > BOUND + MARGIN]
    assert recorded_after <= BOUND + MARGIN and first_ok <= BOUND + MARGIN
    assert max(per_client) <= CLIENT_BOUND + MARGIN, slow
    assert longest <= CLIENT_BOUND + MARGIN, slow
    assert all(a[2] == 503 and a[3] == "1" for a in failed), failed
    logs = log_since(marks)
    assert re.search(r"node 1 is unusable: recorded node 2 as the writer", logs), logs[-3000:]
    assert not re.search(r"writer is node 1\b", logs), logs[-3000:]
    use_node_for_helpers(2)
    print("acknowledged %d writes" % check_exactly_once(writers, prefix, 2))
    for p in places:
        assert stock_qty(p["stock"]["id"]) == ledger_sum(p["stock"]["id"])
    assert_ledger_consistent(admin)


def restart_workers(host):
    """Kills every worker of host's inventory_transactions pool; its supervisor starts new ones."""
    sup = int(open(os.path.join(CLUSTER_DIR, host, "run", "inventory_transactions.pid")).read().split()[0])
    kids = [int(p) for p in open("/proc/%d/task/%d/children" % (sup, sup)).read().split()]
    assert kids
    for k in kids:
        os.kill(k, signal.SIGKILL)
    return kids


def test_no_move_back_after_return(admin, node1_writer):
    """Node 1 hangs, the handlers move to node 2, node 1 returns healthy: processes that were on node 2, and
    new processes started afterwards (which walk the list from node 1), all write to node 2."""
    place = new_place(admin, quantity=10)
    pid = node_pid(1)
    os.kill(pid, signal.SIGSTOP)
    try:
        # A few writes: the first ones time out on node 1, and every process moves to node 2.
        stop, writers = run_load(admin, [place], unique("moveback") + "-", clients=4)
        wait_for(lambda: record_on(2) == 2, BOUND + MARGIN, "node 2 recorded as the writer")
        stop_load(stop, writers)
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(rejoined, 180, "node 1 to rejoin")
    marks = log_sizes()
    # Longer than the old 5 s "go back" interval, and new worker processes on one host.
    time.sleep(6)
    restart_workers("hostA")
    time.sleep(2)
    before = commits_on(NODES)
    prefix = unique("stay") + "-"
    stop, writers = run_load(admin, [place], prefix, clients=8)
    time.sleep(8)
    stop_load(stop, writers)
    after = commits_on(NODES)
    assert after[1] == before[1], "a handler wrote to node 1 after it came back"
    assert after[2] > before[2]
    assert recorded_writer() == 2
    logs = log_since(marks)
    assert re.search(r"writer is node 2 \(.*\), as recorded", logs), logs[-3000:]
    assert not re.search(r"writer is node 1\b", logs), logs[-3000:]
    assert all(a[2] == 201 for w in writers for a in w.attempts)
    use_node_for_helpers(2)
    check_exactly_once(writers, prefix, 2)
    assert stock_qty(place["stock"]["id"]) == ledger_sum(place["stock"]["id"])
    assert_ledger_consistent(admin)
