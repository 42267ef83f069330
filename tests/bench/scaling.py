#!/usr/bin/python3
"""How the cost of reads grows with the ledger: 10,000, 100,000 and 1,000,000 transactions.

Started by `./devstack bench --scaling` (stack up, baseline running). For each size it reloads
the bench data set (tests/bench/generate.py --force), runs B0, S1, S2 and S3 of
tests/bench/run.py, and at the end prints one table: per size, requests/s, p50 and p99 of each
read scenario and its ratio to B0 of the same step. The last step is the standard data set
(10 tenants x 100,000), so `./devstack bench` afterwards needs no reload.

The read tenant (Bench 01) holds 10,000, 100,000 and 100,000 of the rows: lists are per tenant,
so the first two steps grow the tenant's own index ranges, the last one grows the table around
it. Flat latency across the steps is what the indexes must give.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from run import db

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
STEPS = [(1, 10000), (1, 100000), (10, 100000)]  # (tenants, transactions per tenant)
SCENARIOS = ("S1", "S2", "S3")


def sql_value(sql):
    return int(db(sql)[0][0])


def bench_transactions():
    return sql_value("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id LIKE 'b1__0000-0000-4000-8000-%'")


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


def step(tenants, rows):
    subprocess.run([PY, os.path.join(HERE, "generate.py"), "--force", "--tenants", str(tenants),
                    "--rows", str(rows)], check=True)
    have = bench_transactions()
    if have != tenants * rows:
        sys.exit("scaling: the bench tenants hold %d transactions, not %d" % (have, tenants * rows))
    wait_for_purge()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, BENCH_ONLY="B0," + ",".join(SCENARIOS), BENCH_JSON=out.name)
        subprocess.run([PY, os.path.join(HERE, "run.py")], check=True, env=env)
        return json.load(open(out.name))


def fmt_ms(v):
    return "-" if v is None else ("%.2fms" % v if v < 10 else "%.1fms" % v)


def main():
    results = []
    for tenants, rows in STEPS:
        total = tenants * rows
        print("=== scaling: %d transactions (%d tenant%s x %d)" % (total, tenants, "s" * (tenants > 1), rows),
              flush=True)
        results.append((total, {r["name"]: r for r in step(tenants, rows)}))
    head = "%-10s %-4s %7s %8s %8s %6s" % ("ledger", "", "req/s", "p50", "p99", "ratio")
    lines = ["", "scaling: read scenarios by ledger size (one run; ratio to B0 of the same step)", head,
             "-" * len(head)]
    for total, rows in results:
        base = rows.get("B0", {}).get("rps")
        for name in SCENARIOS:
            r = rows.get(name)
            if not r or r.get("skipped"):
                lines.append("%-10s %-4s %s" % ("{:,}".format(total), name, r.get("skipped") if r else "not run"))
                continue
            lines.append("%-10s %-4s %7.0f %8s %8s %6s" % (
                "{:,}".format(total), name, r["rps"], fmt_ms(r["p50"]), fmt_ms(r["p99"]),
                "%.2f" % (r["rps"] / base) if base else "-"))
    print("\n".join(lines))
    failed = [n for _, rows in results for n in SCENARIOS
              if not rows.get(n) or rows[n].get("skipped") or rows[n].get("errors")]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
