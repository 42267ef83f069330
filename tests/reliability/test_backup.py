"""The backup and point-in-time restore drill of docs/OPERATIONS.md, under a write load.

Writer threads post receives and picks with Idempotency-Keys and book every acknowledged write (its
transaction id, key and time). Meanwhile tools/stocktake-backup takes a backup; the writers go on;
then they pause, the point in time is taken inside the pause (no write is in flight and the clock
crosses a whole second, the binary log's resolution, before they resume), and they write again.
tools/stocktake-restore restores the backup into a fresh data directory under var/, served by a
second mariadbd on its own unix socket, and rolls the binary log forward to the point. Then: every
write acknowledged before the point is there exactly once (transaction and idempotency key), none
after it, each table has the row count the live database had at the point, and the ledger check of
lib/stock/ledger.c (the same query) finds no stock whose quantity differs from its ledger sum.
"""
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests

from conftest import ROOT, db_query, unique, url
from ondi import new_bin, new_item, new_stock, new_warehouse

VAR = os.path.join(ROOT, "var")
WORK = os.path.join(VAR, "restore-drill")
DATADIR = os.path.join(WORK, "db")
SOCKET = os.path.join(VAR, "run", "restore-drill.sock")
BACKUP = os.path.join(WORK, "backup")
WRITERS = 4
PHASE = 40  # acknowledged writes per phase (before the backup, during it, before and after the point)
INITIAL = 100000
TX = "/warehousing/inventory-transactions"


def tool(name):
    path = os.path.join(ROOT, "tools", name)
    assert os.access(path, os.X_OK), "%s is not built (make)" % path
    return path


def run(*args, timeout=300):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, "%s: %s%s" % (args[0], out.stdout, out.stderr)
    return out.stdout


def restored_query(sql):
    """Rows of sql on the restored server, as lists of str/None."""
    out = run("mariadb", "--socket=" + SOCKET, "-uroot", "--batch", "--skip-column-names", "--raw",
              "stocktake", "-e", sql)
    return [[None if c == "NULL" else c for c in line.split("\t")] for line in out.splitlines()]


def lit(v):
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def ledger_check(query):
    """Per tenant, the stocks whose quantity differs from their ledger sum, through query (live or
    restored): check_sql of lib/stock/ledger.c, the query behind GET .../ledger-check, as the C
    source has it."""
    with open(os.path.join(ROOT, "lib", "stock", "ledger.c")) as f:
        src = f.read()
    body = re.search(r"static const char check_sql\[\] =(.*?);", src, re.S).group(1)
    sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))
    return {tenant: query(sql.replace("?", lit(tenant), 3).replace("?", "100"))
            for (tenant,) in query("SELECT id FROM tenants ORDER BY id")}


class Writers:
    """Threads posting receives and picks, each with its own Idempotency-Key; pause() returns once
    no request is in flight, and no new one starts before resume()."""

    def __init__(self, headers, wh, stocks):
        self.h, self.wh, self.stocks = headers, wh, stocks
        self.cond = threading.Condition()
        self.open = True
        self.stopped = False
        self.in_flight = 0
        self.acked = []     # (time acknowledged, key, transaction id, stock id, delta)
        self.failures = []  # answers other than 201, and lost ones
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(WRITERS)]

    def start(self):
        for t in self.threads:
            t.start()

    def _enter(self):
        with self.cond:
            self.cond.wait_for(lambda: self.open or self.stopped)
            if self.stopped:
                return False
            self.in_flight += 1
            return True

    def _leave(self, record=None, failure=None):
        with self.cond:
            self.in_flight -= 1
            if record:
                self.acked.append(record)
            if failure:
                self.failures.append(failure)
            self.cond.notify_all()

    def _loop(self, n):
        s = requests.Session()
        stock = self.stocks[n % len(self.stocks)]
        i = 0
        while self._enter():
            i += 1
            kind, qty = ("receive", 3) if i % 2 else ("pick", 1)
            key = unique("drill")
            body = {"warehouse_id": self.wh["id"], "item_id": stock["item_id"], "stock_id": stock["id"],
                    "transaction_type": kind, "quantity": qty, "reference_type": "order", "reference_id": key}
            if kind == "pick":
                body["from_bin_id"] = stock["bin_id"]
            try:
                r = s.post(url(TX), json=body, headers=dict(self.h, **{"Idempotency-Key": key}), timeout=30)
            except requests.RequestException as e:
                self._leave(failure=(key, repr(e)))
                continue
            if r.status_code != 201:
                self._leave(failure=(key, r.status_code, r.text[:300]))
                continue
            tx = r.json()["inventory_transaction"]
            self._leave(record=(time.time(), key, tx["id"], stock["id"], tx["delta"]))

    def wait_acked(self, count, timeout=120):
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.acked) >= count or self.failures, timeout), \
                "%d of %d writes acknowledged after %d s" % (len(self.acked), count, timeout)
            assert not self.failures, self.failures[:5]

    def pause(self):
        with self.cond:
            self.open = False
            assert self.cond.wait_for(lambda: self.in_flight == 0, 60), "writes still in flight"
            return len(self.acked)

    def resume(self):
        with self.cond:
            self.open = True
            self.cond.notify_all()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        for t in self.threads:
            t.join(60)


def table_counts(query):
    """Exact row count of every table of the stocktake schema, through query (live or restored)."""
    tables = [r[0] for r in query("SELECT table_name FROM information_schema.tables"
                                  " WHERE table_schema = 'stocktake' AND table_type = 'BASE TABLE'"
                                  " ORDER BY table_name")]
    sql = " UNION ALL ".join("SELECT %s, COUNT(*) FROM `%s`" % (lit(t), t) for t in tables)
    return {t: int(c) for t, c in query(sql)}


def wait_until(epoch):
    """Polls the clock until it reaches epoch (the point's second boundary)."""
    while time.time() < epoch:
        time.sleep(min(0.05, max(0.0, epoch - time.time())))


def stop_restored_server():
    pid_file = os.path.join(DATADIR, "stocktake-restore.pid")
    try:
        with open(pid_file) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    subprocess.run(["mariadb-admin", "--socket=" + SOCKET, "-uroot", "shutdown"], capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                break
        time.sleep(0.05)


class Point:
    """What the database held at the point: the restore must hold exactly that."""

    def __init__(self, wh, stocks, before, after, counts, checks, tenant_id):
        self.wh, self.stocks, self.before, self.after = wh, stocks, before, after
        self.counts, self.checks, self.tenant_id = counts, checks, tenant_id

    def assert_restored(self, how):
        txs = restored_query("SELECT id, reference_id, transaction_type FROM inventory_transactions"
                             " WHERE tenant_id = %s AND warehouse_id = %s" % (lit(self.tenant_id), lit(self.wh["id"])))
        drill = sorted([i, k] for i, k, kind in txs if kind != "initial_stock")
        assert drill == sorted([i, k] for _, k, i, *_ in self.before), \
            "%s: %d transactions, %d acknowledged before the point" % (how, len(drill), len(self.before))
        assert len(txs) - len(drill) == len(self.stocks)  # each stock's initial_stock row
        keys = ", ".join(lit(k) for _, k, *_ in self.before + self.after)
        rows = restored_query("SELECT idem_key, status FROM idempotency_keys WHERE tenant_id = %s"
                              " AND idem_key IN (%s)" % (lit(self.tenant_id), keys))
        assert sorted(rows) == sorted([k, "201"] for _, k, *_ in self.before), how
        for st in self.stocks:
            want = INITIAL + sum(d for _, _, _, sid, d in self.before if sid == st["id"])
            assert restored_query("SELECT quantity FROM stocks WHERE id = %s" % lit(st["id"])) == [[str(want)]], how
        assert table_counts(restored_query) == self.counts, how
        # Clean for the drill's tenant; for every tenant what it was at the point (an e2e test
        # breaks a scratch tenant's stock on purpose to see ledger-check report it).
        checks = ledger_check(restored_query)
        assert checks[self.tenant_id] == [], how
        assert checks == self.checks, how


@pytest.fixture
def drill_dir():
    """A fresh var/restore-drill; the restored server is stopped and the directory removed at the end."""
    stop_restored_server()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    try:
        yield WORK
    finally:
        stop_restored_server()
        shutil.rmtree(WORK, ignore_errors=True)
        if os.path.exists(SOCKET):
            os.remove(SOCKET)


def test_tools_answer_help_and_version():
    for name in ("stocktake-backup", "stocktake-restore"):
        assert re.fullmatch(r"%s \(stocktake\) \d+\.\d+\.\d+\n" % name, run(tool(name), "--version"))
        assert "docs/OPERATIONS.md" in run(tool(name), "--help")
        assert subprocess.run([tool(name), "--no-such-option"], capture_output=True).returncode == 2


def test_restore_refuses_an_unprepared_or_missing_backup(drill_dir):
    out = subprocess.run([tool("stocktake-restore"), "--from", drill_dir, "--datadir", DATADIR, "--user", "root"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "is not a stocktake-backup directory" in out.stderr, out.stderr
    assert not os.path.exists(DATADIR)


def test_point_in_time_restore_under_load(admin, demo_tenant_id, drill_dir):
    assert db_query("SELECT @@log_bin, @@binlog_format, @@sync_binlog")[0] == ["1", "ROW", "1"], \
        "the devstack MariaDB writes no durable row-based binary log: run ./devstack up"
    binlog_index = db_query("SELECT @@log_bin_index")[0][0]
    wh = new_warehouse(admin)
    bins = [new_bin(admin, wh["id"]) for _ in range(WRITERS)]
    stocks = [new_stock(admin, wh["id"], new_item(admin)["id"], b["id"], quantity=INITIAL) for b in bins]
    writers = Writers(admin, wh, stocks)
    writers.start()
    try:
        writers.wait_acked(PHASE)
        before_backup = len(writers.acked)
        run(tool("stocktake-backup"), "--target", BACKUP, "--socket", os.path.join(VAR, "run", "mysqld.sock"))
        during_backup = len(writers.acked) - before_backup
        # A new binary log file while they write, so the roll-forward reads more than one (as after
        # a restart, or max_binlog_size) and must carry a transaction across them.
        db_query("FLUSH BINARY LOGS")
        writers.wait_acked(len(writers.acked) + PHASE)

        acked_before = writers.pause()
        counts_at_point = table_counts(db_query)
        checks_at_point = ledger_check(db_query)
        point = int(time.time()) + 1  # every acknowledged write's binlog events are stamped < point
        binlog_at_point = db_query("SHOW MASTER STATUS")[0][:2]
        wait_until(point + 1)         # and every later one >= point
        writers.resume()
        writers.wait_acked(acked_before + PHASE)
    finally:
        writers.stop()
    assert not writers.failures, writers.failures[:5]
    before, after = writers.acked[:acked_before], writers.acked[acked_before:]
    assert all(t < point for t, *_ in before) and all(t >= point for t, *_ in after)
    assert during_backup > 0, "no write was acknowledged while the backup ran"
    with open(os.path.join(BACKUP, "stocktake-backup.info")) as f:
        assert "binlog_file = %s\n" % binlog_at_point[0] not in f.read(), "the roll-forward reads one file only"

    until = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(point))
    restore = [tool("stocktake-restore"), "--from", BACKUP, "--datadir", DATADIR, "--binlog-index", binlog_index,
               "--user", "root", "--socket", SOCKET, "--keep-running"]
    at_point = Point(wh, stocks, before, after, counts_at_point, checks_at_point, demo_tenant_id)
    # The operator's way: a time, in UTC.
    run(*restore, "--until", until)
    at_point.assert_restored("restored to %s UTC" % until)
    # The exact way: the binary log position read at the point.
    stop_restored_server()
    shutil.rmtree(DATADIR)
    run(*restore, "--until-position", "%s:%s" % tuple(binlog_at_point))
    at_point.assert_restored("restored to position %s:%s" % tuple(binlog_at_point))
    # A point the backup has already passed is refused, not silently replaced by the backup's moment.
    early = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(point - 3600))
    out = subprocess.run([tool("stocktake-restore"), "--from", BACKUP, "--datadir", DATADIR + "-early",
                          "--binlog-index", binlog_index, "--until", early, "--user", "root"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "is before this backup was taken" in out.stderr, out.stderr
    assert not os.path.exists(DATADIR + "-early")
    # The live database went on: the writes after the point are there, only not in the restore.
    assert len(db_query("SELECT id FROM inventory_transactions WHERE warehouse_id = ?", wh["id"])) == \
        len(writers.acked) + len(stocks)
