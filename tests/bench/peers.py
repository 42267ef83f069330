#!/usr/bin/python3
"""Runs S1, S2 and S4 against stocktake and the same work written for its peers, interleaved, and
prints one table: req/s, p50, p99, CPU per request, stocktake's req/s over each peer's, and
whether stocktake's p99 is no worse than each peer's.

Started by `./devstack bench --peers` (after up, the data generator, and the peers started behind
the same nginx under /peer/php/, /peer/fastapi/, /peer/node/: tests/bench/peers/). Environment as
tests/bench/run.py (PORT, BENCH_DURATION, BENCH_CONNECTIONS, BENCH_ONLY=S1,S2,S4), and
BENCH_PEERS (php,fastapi,node).

Before the runs, one request of each scenario to each system: the status and the key fields of its
answer must match stocktake's, and the statements MariaDB's general log shows for it must be
stocktake's (values aside). Then, for each scenario, every system runs BENCH_DURATION seconds
after BENCH_WARMUP (5) seconds of warm-up, in the order stocktake, php, fastapi, node and again
in the reverse order: each figure is the mean of its two runs, taken in the same minutes as the
others'.
CPU us db/app/ng counts the process trees of this stack's MariaDB, of the system's own processes
and of nginx, from /proc, so other load on a shared machine stays out of it.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the wrk runner, logins and data set helpers of run.py)

ROOT, VAR, ITX = bench.ROOT, bench.VAR, bench.ITX
PEERS = [p for p in os.environ.get("BENCH_PEERS", "php,fastapi,node").split(",") if p]
SYSTEMS = ["stocktake"] + PEERS
PREFIX = {"stocktake": "", "php": "/peer/php", "fastapi": "/peer/fastapi", "node": "/peer/node"}
SCENARIOS = [s for s in ("S1", "S2", "S4") if not bench.ONLY or s in bench.ONLY]
GENERAL_LOG = os.path.join(VAR, "log", "peers-general.log")
# Seconds of load before each measured run: Node's JIT needs about 3 s of this load to settle
# (its CPU per request halves from the first 3 s to the next 10), the others less.
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))


# --- CPU of this stack's process trees (run.py's stack_cpu) ----------------------------------

APP_PID = {"stocktake": "inventory_transactions.pid", "php": "peer_php.pid",
           "fastapi": "peer_fastapi.pid", "node": "peer_node.pid"}


def cpu_sample(system):
    """Ticks so far of this stack's mariadbd, the system's processes and nginx."""
    return bench.stack_cpu(APP_PID[system])


# --- the scenarios --------------------------------------------------------------------------

def scenario_inputs():
    """Per scenario: (method, token kind, lines of paths or bodies) as run.py makes them."""
    t, w = bench.READ_TENANT, bench.WRITE_TENANT
    rows = int(bench.db("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '%s'"
                        % bench.ident(1, t, t))[0][0])
    ids = bench.spread_ids(bench.db, t, rows, 1000)  # every id form of generate.py --ids
    filters = [(bench.ident(3, t, wh), ty) for wh in range(5) for ty in ("pick", "receive", "move")]
    stocks = bench.db("SELECT id, warehouse_id, item_id, bin_id FROM stocks WHERE tenant_id = '%s'"
                      " AND quantity > 1000 ORDER BY id" % bench.ident(1, w, w))
    bodies = [json.dumps({"warehouse_id": s[1], "item_id": s[2], "stock_id": s[0],
                          "transaction_type": "pick", "quantity": 1, "from_bin_id": s[3],
                          "reference_type": "order", "reference_id": "BENCH-PICK"},
                         separators=(",", ":")) for s in stocks]
    return {
        "S1": ("GET", "read", ["%s/%s" % (ITX, i) for i in ids]),
        "S2": ("GET", "read", ["%s?warehouse_id=%s&transaction_type=%s&limit=20" % (ITX, wh, ty)
                               for wh, ty in filters]),
        "S4": ("POST", "write", bodies),
    }


def one(system, scenario, inputs, tokens, n=0):
    """(status, parsed body) of one request of the scenario to the system."""
    method, kind, lines = inputs[scenario]
    if method == "GET":
        status, _, text = bench.http("GET", PREFIX[system] + lines[n], tokens[kind])
    else:
        status, _, text = bench.http("POST", PREFIX[system] + ITX, tokens[kind], lines[n])
    try:
        return status, json.loads(text)
    except ValueError:
        return status, {"unparsed": text[:200]}


def shape(v):
    """The keys of a JSON value, nested (values left out)."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return None


def compare(scenario, ref, got):
    """What differs between stocktake's answer and a peer's, by the scenario's key fields."""
    if scenario == "S1":
        a, b = ref.get("inventory_transaction"), got.get("inventory_transaction")
        return None if a == b else "inventory_transaction differs: %s / %s" % (
            json.dumps(a)[:300], json.dumps(b)[:300])
    if scenario == "S2":
        keys = ("stats", "total", "page", "limit", "next", "transaction_types", "reference_types")
        for k in keys:
            if ref.get(k) != got.get(k):
                return "%s differs: %s / %s" % (k, ref.get(k), got.get(k))
        if ref.get("inventory_transactions") != got.get("inventory_transactions"):
            return "the rows differ"
        return None
    for k in ("success", "message"):
        if ref.get(k) != got.get(k):
            return "%s differs: %s / %s" % (k, ref.get(k), got.get(k))
    if shape(ref) != shape(got):
        return "fields differ: %s / %s" % (shape(ref), shape(got))
    return None


def general_log(on):
    if on:
        bench.db("SET GLOBAL general_log_file = '%s'; SET GLOBAL general_log = 1" % GENERAL_LOG)
    else:
        bench.db("SET GLOBAL general_log = 0")


LOG_LINE = re.compile(r"^(?:\d{6} [\d:]{7,8})?\s+(\d+) (\w+(?: \w+)?)\t(.*)$")


def statements_between(first, last):
    """The Query and Execute texts logged between two marker queries, values made '?'."""
    out, on = [], False
    for line in open(GENERAL_LOG, errors="replace"):
        m = LOG_LINE.match(line.rstrip("\n"))
        if not m:
            if on and out:
                out[-1] += " " + line.strip()
            continue
        if first in m.group(3):
            on = True
        elif last in m.group(3):
            break
        elif on and m.group(2) in ("Query", "Execute"):
            out.append(m.group(3))
    norm = []
    for s in out:
        s = re.sub(r"'(?:[^'\\]|\\.|'')*'", "?", s)
        s = re.sub(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", "?", s)
        # MariaDB logs an Execute of a statement prepared before the log went on with its ?s: a NULL
        # argument and a ? compare equal.
        s = re.sub(r"(?:(?<=\()|(?<=, ))NULL(?=,|\))", "?", s)
        norm.append(" ".join(s.split()))
    return norm


def sql_traces(inputs, tokens):
    """Per (system, scenario): the statements one request sent, from the general log."""
    traces = {}
    open(GENERAL_LOG, "w").close()
    general_log(True)
    try:
        for scenario in SCENARIOS:
            for system in SYSTEMS:
                mark = "peers-mark-%s-%s" % (system, scenario)
                bench.db("SELECT '%s-begin'" % mark)
                one(system, scenario, inputs, tokens, 1)
                bench.db("SELECT '%s-end'" % mark)
                traces[system, scenario] = mark
    finally:
        general_log(False)
    return {k: statements_between(m + "-begin", m + "-end") for k, m in traces.items()}


def precheck(inputs, tokens):
    """Lines saying whether each peer answers and queries as stocktake does; exits when one fails."""
    lines, failed = [], False
    want = {"S1": 200, "S2": 200, "S4": 201}
    for scenario in SCENARIOS:
        ref_status, ref = one("stocktake", scenario, inputs, tokens)
        if ref_status != want[scenario]:
            sys.exit("peers: stocktake answers %s with %d: %s" % (scenario, ref_status, ref))
        for system in PEERS:
            status, got = one(system, scenario, inputs, tokens)
            why = ("status %d: %s" % (status, json.dumps(got)[:200]) if status != want[scenario]
                   else compare(scenario, ref, got))
            failed |= why is not None
            lines.append("check: %s %s answers as stocktake does: %s" % (system, scenario, why or "yes"))
    for system in PEERS:
        status, _, got = bench.http("GET", PREFIX[system] + inputs["S1"][2][0], "x.y.z")
        ok = status == 401 and json.loads(got or "{}").get("message") == "Invalid token"
        failed |= not ok
        lines.append("check: %s refuses a forged token (401 Invalid token): %s" % (
            system, "yes" if ok else "NO (%d %s)" % (status, got[:100])))
    traces = sql_traces(inputs, tokens)
    for scenario in SCENARIOS:
        ref = traces["stocktake", scenario]
        for system in PEERS:
            got = traces[system, scenario]
            diff = next((i for i, (a, b) in enumerate(zip(ref, got)) if a != b), None)
            if diff is None and len(ref) == len(got):
                lines.append("sql: %s %s sends stocktake's %d statements, in its order" % (
                    system, scenario, len(ref)))
                continue
            at = diff if diff is not None else min(len(ref), len(got))
            lines.append("sql: %s %s DIFFERS from stocktake (%d / %d statements) at #%d: %s / %s" % (
                system, scenario, len(ref), len(got), at + 1,
                ref[at][:100] if at < len(ref) else "-", got[at][:100] if at < len(got) else "-"))
    print("\n".join(lines), flush=True)
    if failed:
        sys.exit("peers: a peer does not answer as stocktake does (above)")
    return lines


def measure(system, scenario, inputs, tokens, files):
    method, kind, _ = inputs[scenario]
    path = PREFIX[system] + ITX
    auth = dict(method=method, token=tokens[kind], file=files[system, scenario])
    bench.wrk(path, duration=WARMUP, **auth)
    before = cpu_sample(system)
    res = bench.wrk(path, **auth)
    res["cpu"] = bench.cpu_per_request(before, cpu_sample(system), res["requests"])
    return res


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def main():
    tokens = {"read": bench.login("bench-%02d" % bench.READ_TENANT),
              "write": bench.login("bench-%02d" % bench.WRITE_TENANT)}
    inputs = scenario_inputs()
    checks = precheck(inputs, tokens)
    files = {}
    for scenario in SCENARIOS:
        method, _, lines = inputs[scenario]
        for system in SYSTEMS:
            rows = [PREFIX[system] + line for line in lines] if method == "GET" else lines
            files[system, scenario] = bench.write_lines("peers_%s_%s.txt" % (system, scenario), rows)
    runs = {}
    for scenario in SCENARIOS:
        for order in (SYSTEMS, SYSTEMS[::-1]):
            for system in order:
                res = measure(system, scenario, inputs, tokens, files)
                runs.setdefault((system, scenario), []).append(res)
                print("%s %-9s %7.0f req/s  p99 %s" % (scenario, system, res["rps"], bench.fmt_ms(res["p99"])),
                      flush=True)
    report(runs, checks)


def report(runs, checks):
    head = "%-4s %-10s %5s %8s %8s %8s %16s %7s  %s" % (
        "", "system", "conns", "req/s", "p50", "p99", "CPU us db/app/ng", "errors", "stocktake")
    lines = [head, "-" * len(head)]
    summary = []
    for scenario in SCENARIOS:
        agg = {}
        for system in SYSTEMS:
            rs = runs[system, scenario]
            agg[system] = dict(rps=mean([r["rps"] for r in rs]), p50=mean([r["p50"] for r in rs]),
                               p99=mean([r["p99"] for r in rs]),
                               cpu=[mean([r["cpu"][i] for r in rs]) for i in range(3)],
                               errors=sum(r["errors"] + r.get("socket_errors", 0) for r in rs))
        st = agg["stocktake"]
        for system in SYSTEMS:
            a = agg[system]
            if system == "stocktake":
                versus = "-"
            else:
                versus = "x%.2f req/s, p99 %s" % (
                    st["rps"] / a["rps"] if a["rps"] else 0,
                    "no worse" if st["p99"] is not None and a["p99"] is not None and st["p99"] <= a["p99"]
                    else "WORSE")
            lines.append("%-4s %-10s %5d %8.0f %8s %8s %16s %7d  %s" % (
                scenario, system, bench.CONNS, a["rps"], bench.fmt_ms(a["p50"]), bench.fmt_ms(a["p99"]),
                "%.0f/%.0f/%.0f" % tuple(a["cpu"]), a["errors"], versus))
        ratios = [st["rps"] / agg[p]["rps"] for p in PEERS if agg[p]["rps"]]
        tails = all(st["p99"] <= agg[p]["p99"] for p in PEERS
                    if st["p99"] is not None and agg[p]["p99"] is not None)
        if ratios:
            summary.append("%s: stocktake x%.2f-x%.2f the req/s of its peers; p99 %s" % (
                scenario, min(ratios), max(ratios), "no worse than any peer's" if tails else "WORSE than a peer's"))
    lines += summary
    lines.append("each figure: the mean of 2 runs of %d s at %d connections, interleaved (%s, then the"
                 " reverse order); CPU us: per request, this stack's mariadbd / the system's processes /"
                 " nginx" % (bench.DURATION, bench.CONNS, ", ".join(SYSTEMS)))
    text = "\n".join(checks + [""] + lines)
    print("\n".join([""] + lines))
    out_dir = os.path.join(ROOT, "tests", "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(out_dir, "peers-%s.txt" % stamp), "w") as f:
        f.write(text + "\n\n")
        for (system, scenario), rs in sorted(runs.items()):
            for n, r in enumerate(rs):
                f.write("### %s %s run %d\n%s\n" % (scenario, system, n + 1, r["raw"]))
    print("(raw wrk output: tests/bench/results/peers-%s.txt)" % stamp)


if __name__ == "__main__":
    main()
