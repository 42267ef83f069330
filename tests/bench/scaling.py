#!/usr/bin/python3
"""How cost grows with the ledger: 10,000, 100,000, 1,000,000 and 10,000,000 transactions.

Started by `./devstack bench --scaling` (stack up, baseline running). For each size it reloads
the bench data set (tests/bench/generate.py --force), runs B0, S1, S2 and S3 of
tests/bench/run.py, from 1,000,000 rows on also S4 (durable picks; 32 connections is the one
compared) and its floor F4, and at the end prints one table: per size, the load time,
requests/s, p50 and p99 of each scenario and its ratio to B0 of the same step, and the goals
(p50 of S1, S2, S3 within 1.5x of the first step's, S4 at the last step within 0.8x of 1,000,000's).

The read tenant (Bench 01) holds 10,000, 100,000, 100,000 and 1,000,000 of the rows: lists are per
tenant, so the first two steps grow the tenant's own index ranges, the third the table around
it, the last both. Flat latency across the steps is what the indexes must give.

Environment: BENCH_SCALING_MAX (10000000: the last size to run; 1000000 makes the quick form of
about ten minutes), BENCH_SCALING_MIN (0: the first size to run), BENCH_LOAD_JOBS (2: tenants
loaded at the same time), BENCH_IDS (v7: transaction ids as the service writes them, see generate.py;
v4 or seq), BENCH_LOAD_POOL (6G: innodb_buffer_pool_size while 10,000,000 rows load, then the
stack's own again). The bench data set stays at the last size; `./devstack bench` reloads the
standard one by itself.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import generate
from run import db

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
STEPS = [(1, 10000), (1, 100000), (10, 100000), (10, 1000000)]  # (tenants, transactions per tenant)
SCENARIOS = ("S1", "S2", "S3")
WRITES = ("S4", "F4")  # from WRITES_FROM rows on: the write tenant (Bench 02) exists from 10 tenants on
WRITES_FROM = 1000000
MIN = int(os.environ.get("BENCH_SCALING_MIN", "0"))
MAX = int(os.environ.get("BENCH_SCALING_MAX", "10000000"))
JOBS = os.environ.get("BENCH_LOAD_JOBS", "2")
IDS = os.environ.get("BENCH_IDS", "v7")
LOAD_POOL = os.environ.get("BENCH_LOAD_POOL", "6G")


def sql_value(sql):
    return int(db(sql)[0][0])


def bench_transactions():
    """The bench tenants' transactions, from the per-type counts of migration 005 (a count of
    10,000,000 rows would take a while)."""
    return sql_value("SELECT COALESCE(SUM(n), 0) FROM inventory_transaction_counts"
                     " WHERE tenant_id LIKE 'b1__0000-0000-4000-8000-%'")


def wait_for_purge(limit_s=180):
    """Deleting a data set leaves InnoDB up to a million rows to purge in the background; a step
    measured while that runs measures the purge. Waits until the history list is short."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if sql_value("SELECT count FROM information_schema.INNODB_METRICS"
                     " WHERE name = 'trx_rseg_history_len'") < 1000:
            break
        time.sleep(2)
    print("scaling: purge waited %.0f s" % (time.time() - t0), flush=True)


def wait_for_flush(limit_s=600):
    """A large load leaves gigabytes of dirty pages that InnoDB writes in the background; picks
    measured meanwhile measure that: generate.py's flush_pages has them written now."""
    generate.flush_pages(db, limit_s)


def step(tenants, rows):
    """Loads the data set (returns its load time, s) and runs the step's scenarios."""
    t0 = time.time()
    gen = [PY, os.path.join(HERE, "generate.py"), "--force", "--tenants", str(tenants), "--rows", str(rows),
           "--ids", IDS, "--jobs", JOBS]
    if tenants * rows > WRITES_FROM:
        gen += ["--buffer-pool", LOAD_POOL]
    subprocess.run(gen, check=True)
    loaded = time.time() - t0
    have = bench_transactions()
    if have != tenants * rows:
        sys.exit("scaling: the bench tenants hold %d transactions, not %d" % (have, tenants * rows))
    wait_for_purge()
    wait_for_flush()
    names = ("B0",) + SCENARIOS + (WRITES if tenants * rows >= WRITES_FROM else ())
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, BENCH_ONLY=",".join(names), BENCH_JSON=out.name)
        subprocess.run([PY, os.path.join(HERE, "run.py")], check=True, env=env)
        return loaded, json.load(open(out.name))


def fmt_ms(v):
    return "-" if v is None else ("%.2fms" % v if v < 10 else "%.1fms" % v)


def cpu_db(r):
    """mariadbd's CPU time per request of the run (run.py's "CPU us db" column)."""
    return "%.0f" % r["cpu"][0] if r.get("cpu") else "-"


def goals(results):
    """The issue's goals, as lines: p50 of the reads at the last step against the first, picks
    at the last step against 1,000,000 rows."""
    first, last = results[0], results[-1]
    lines = []
    for name in SCENARIOS:
        a, b = first[2].get(name, {}).get("p50"), last[2].get(name, {}).get("p50")
        if a and b:
            lines.append("goal: %s p50 %s at %s rows, %s at %s: x%.2f (within 1.5x: %s)" % (
                name, fmt_ms(b), "{:,}".format(last[0]), fmt_ms(a), "{:,}".format(first[0]), b / a,
                "pass" if b <= 1.5 * a else "FAIL"))
    mid = [r for r in results if r[0] == WRITES_FROM]
    if mid and last[0] > WRITES_FROM:
        a, b = mid[0][2].get("S4", {}).get("rps"), last[2].get("S4", {}).get("rps")
        if a and b:
            lines.append("goal: S4 %.0f picks/s at %s rows, %.0f at %s: x%.2f (at least 0.8x: %s)" % (
                b, "{:,}".format(last[0]), a, "{:,}".format(WRITES_FROM), b / a, "pass" if b >= 0.8 * a else "FAIL"))
    return lines


def main():
    results = []
    for tenants, rows in STEPS:
        total = tenants * rows
        if total > MAX:
            break
        if total < MIN:
            continue
        print("=== scaling: %d transactions (%d tenant%s x %d, %s ids)" % (
            total, tenants, "s" * (tenants > 1), rows, IDS), flush=True)
        loaded, rows_out = step(tenants, rows)
        results.append((total, loaded, {r["name"]: r for r in rows_out}))
    head = "%-10s %-4s %7s %8s %8s %6s %8s" % ("ledger", "", "req/s", "p50", "p99", "ratio", "CPU db")
    lines = ["", "scaling: scenarios by ledger size (one run, %s ids; ratio to B0 of the same step, F4 beside S4;"
             " CPU db: mariadbd us per request)" % IDS, head, "-" * len(head)]
    for total, loaded, rows in results:
        lines.append("%-10s load %.0f s" % ("{:,}".format(total), loaded))
        base = rows.get("B0", {}).get("rps")
        for name in SCENARIOS + WRITES + tuple("S4/%d" % c for c in (1, 8)):
            r = rows.get(name)
            if name not in rows and (name in WRITES or "/" in name):
                continue
            if not r or r.get("skipped"):
                lines.append("%-10s %-4s %s" % ("{:,}".format(total), name, r.get("skipped") if r else "not run"))
                continue
            lines.append("%-10s %-4s %7.0f %8s %8s %6s %8s" % (
                "{:,}".format(total), name, r["rps"], fmt_ms(r["p50"]), fmt_ms(r["p99"]),
                "%.2f" % (r["rps"] / base) if base else "-", cpu_db(r)))
    lines += goals(results)
    print("\n".join(lines))
    failed = [n for _, _, rows in results for n in SCENARIOS
              if not rows.get(n) or rows[n].get("skipped") or rows[n].get("errors")]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
