#!/usr/bin/python3
"""Runs the load benchmarks (wrk) against the running devstack and prints one table, ratios to B0.

Started by `./devstack bench` (after `./devstack up` and the data generator). Environment:
  PORT (8080), WORKERS (the handler pools' worker count, also the baseline's),
  BENCH_DURATION (seconds per scenario, 10), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
  BENCH_MEMORY_REQUESTS (200000), BENCH_MEMORY_LOGINS (400, the auth pool's workload before its
  memory is read), BENCH_ONLY (comma-separated scenario names, e.g. "B0,S1"),
  BENCH_JSON (also write the rows of the table to this file, for tests/bench/scaling.py),
  BENCH_DB_SOCKET (var/run/mysqld.sock; a cluster node's socket to measure the cluster stack).

Every figure is a ratio to B0, a trivial libfcgi responder (tests/bench/fcgi_baseline.c) behind
the same nginx with the same socket type, worker count and keepalive, measured in the same run:
absolute figures drift on shared machines, the ratio much less. The table also goes to
tests/bench/results/<time>.txt.

The floors (B1, F1, F1r, F2, F2t, F2s, F3, F4, F4p, F5) are the same responder running a scenario's own
statements and nothing else (no token, no JSON): a scenario does at least that work, so its ratio
stays under its floor's. The goals (GOALS, issue 18) are each scenario's share of its own floor in
the same run; the "share" column and the "share:" lines give them.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection

from generate import spread_ids

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VAR = os.path.join(ROOT, "var")
DATA = os.path.join(VAR, "bench")
PORT = os.environ.get("PORT", "8080")
BASE = "http://127.0.0.1:%s" % PORT
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "200000"))
MEMORY_LOGINS = int(os.environ.get("BENCH_MEMORY_LOGINS", "400"))
DB_SOCKET = os.environ.get("BENCH_DB_SOCKET", os.path.join(VAR, "run", "mysqld.sock"))
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
LUA = os.path.join(ROOT, "tests", "bench", "request.lua")
PASSWORD = "stocktake-bench"
READ_TENANT, WRITE_TENANT = 1, 2
ITX = "/warehousing/inventory-transactions"
RSS_LIMIT_KIB = 10 * 1024


def ident(kind, tenant, n):
    """Bench ids, as tests/bench/generate.py makes them."""
    return "b%d%02d0000-0000-4000-8000-%012d" % (kind, tenant, n)


def db(sql):
    out = subprocess.run(["mariadb", "--socket=" + DB_SOCKET, "-uroot",
                          "--batch", "--skip-column-names", "--raw", "stocktake", "-e", sql],
                         check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines()]


def http(method, path, token=None, body=None, cookie=False):
    """(status, content type, body text) of one request."""
    headers = {}
    if token and cookie:
        headers["Cookie"] = "stocktake_token=" + token
    elif token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else body
        headers["Content-Type"] = ("application/json" if isinstance(body, str)
                                   else "application/x-www-form-urlencoded")
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode(errors="replace")


def login(username):
    status, _, text = http("POST", "/api/auth", body=("username=%s&password=%s" % (username, PASSWORD)).encode())
    if status != 200:
        sys.exit("bench: login of %s failed (%d): %s" % (username, status, text[:200]))
    return json.loads(text)["access_token"]


def write_lines(name, lines):
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def parse_duration_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    v = float(m.group(1))
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def wrk(path, method="GET", auth="bearer", token="", file=None, conns=CONNS, threads=THREADS,
        duration=DURATION):
    """Runs wrk; returns dict(rps, p50, p99 (ms), requests, errors, raw)."""
    threads = min(threads, conns)
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration, "--latency", "--timeout", "10s",
           "-s", LUA, BASE + path, "--", method, auth, token or "-"]
    if file:
        cmd.append(file)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    res = {"raw": out, "rps": 0.0, "p50": None, "p99": None, "requests": 0, "errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+(\S+)" % pct, out, re.M)
        if m:
            res[key] = parse_duration_ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["errors"] += int(m.group(1))
    # Timeouts are failures; a read error is nginx closing a client connection after
    # keepalive_requests (1000) while wrk had the next request on it: counted, and tolerated
    # up to 1 in 1000 requests.
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] += int(m.group(1)) + int(m.group(4))
        res["socket_errors"] = int(m.group(2)) + int(m.group(3))
    return res


# --- CPU per request ----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def pid_from(name):
    """The pid in var/run/<name>, None when there is none."""
    try:
        return int(open(os.path.join(VAR, "run", name)).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def proc_table():
    """pid -> (ppid, clock ticks used so far: user + system)."""
    out = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(pid)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def tree_ticks(table, root):
    """Ticks of root and every descendant."""
    if root is None:
        return 0
    total, todo = 0, [root]
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += table.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return total


def stack_cpu(app_pid_file):
    """Ticks so far of this stack's own process trees, found by their pid files under var/run:
    its MariaDB, the responding program (var/run/<app_pid_file>) and its nginx (master and
    workers). Other stacks on a shared machine, whose processes have the same names, stay out."""
    table = proc_table()
    return [tree_ticks(table, pid_from(name)) for name in ("mysqld.pid", app_pid_file, "nginx.pid")]


def cpu_per_request(before, after, requests):
    """Microseconds of CPU per request of each of stack_cpu's trees (a process that ends during
    the run is missed: none of these do)."""
    return tuple(max(0, b - a) / TICK * 1e6 / requests if requests else 0 for a, b in zip(before, after))


# --- handler worker memory ----------------------------------------------------------------

def pool_workers(group):
    """pid -> RSS (KiB) of the pool's worker processes (children of the pool's master)."""
    try:
        master = open(os.path.join(VAR, "run", group + ".pid")).read().split()[0]
    except OSError:
        return {}
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
            if ppid != master:
                continue
            with open("/proc/%s/status" % pid) as f:
                m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
            if m:
                out[int(pid)] = int(m.group(1))
        except (OSError, IndexError):
            continue
    return out


def peak_kib(pids):
    """The largest VmHWM (KiB) of pids: how much a worker held at its peak (a password hash)."""
    peak = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
            peak = max(peak, int(m.group(1)) if m else 0)
        except OSError:
            continue
    return peak


def login_from(i, username, password=PASSWORD):
    """One login through nginx from loopback address number i: the login rate limit (10/s, bursts
    of 40, per client address) counts each address apart, so hundreds of logins run at once."""
    source = ("127.0.%d.%d" % (10 + i // 200, 2 + i % 200), 0)
    conn = HTTPConnection("127.0.0.1", int(PORT), timeout=60, source_address=source)
    try:
        conn.request("POST", "/api/auth", body=urllib.parse.urlencode(
            {"username": username, "password": password}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def login_workload(n, username, password=PASSWORD, clients=16):
    """n logins (a yescrypt hash each) over the auth pool's workers: (logins that answered 200,
    the largest worker's VmHWM in KiB). Also tests/reliability/test_worker_memory.py's."""
    with ThreadPoolExecutor(clients) as pool:
        ok = sum(1 for s in pool.map(lambda i: login_from(i, username, password), range(n)) if s == 200)
    return ok, peak_kib(pool_workers("auth"))


# --- scenarios ----------------------------------------------------------------------------

class Bench:
    def __init__(self):
        self.rows = []
        self.notes = []
        self.served = {}  # requests sent to each pool during the run
        self.memory_runs = []

    def want(self, name):
        return not ONLY or name in ONLY

    def check(self, label, method, path, token, body=None, cookie=False, expect=(200,), ctype=None):
        """One request before a run: the scenario must answer what it should, or its row says why not."""
        status, got_type, text = http(method, path, token, body, cookie)
        if status not in expect or (ctype and not got_type.startswith(ctype)):
            return "answers %d %s: %s" % (status, got_type, " ".join(text.split())[:120])
        return None

    def run(self, name, label, group, path, method="GET", auth="bearer", token="", file=None,
            conns=CONNS):
        wrk(path, method, auth, token, file, conns=conns, duration=2)  # warm-up: caches, statements
        app = (group or "bench_baseline") + ".pid"
        before = stack_cpu(app)
        res = wrk(path, method, auth, token, file, conns=conns)
        res["cpu"] = cpu_per_request(before, stack_cpu(app), res["requests"])
        if group:
            self.served[group] = self.served.get(group, 0) + res["requests"]
        self.rows.append(dict(name=name, label=label, conns=conns, **res))
        return res

    def floor(self, name, scenario, label, paths):
        """A floor: the scenario's own statements run by the trivial responder, nothing else
        (tests/bench/fcgi_baseline.c); the report gives each scenario's share of it (GOALS)."""
        if not self.want(name):
            return
        why = self.check(name, "GET", paths[0], None)
        if why:
            self.skip(name, label, why)
        else:
            self.run(name, label, None, paths[0], auth="none", file=write_lines(name + "_paths.txt", paths))
        self.rows[-1]["floor_of"] = scenario

    def skip(self, name, label, why):
        self.rows.append(dict(name=name, label=label, conns=None, skipped=why))


def find_admin_page():
    """The admin HTML listing of transactions, read from the route tables of cgi-bin/admin*.c.

    Routes are written as "/admin/..." or with a macro (PAGE_ROOT "/transactions"); macros are
    resolved from #defines in cgi-bin/ and lib/."""
    defines = {}
    sources = [os.path.join(ROOT, "cgi-bin", f) for f in sorted(os.listdir(os.path.join(ROOT, "cgi-bin")))]
    for top, _dirs, files in sorted(os.walk(os.path.join(ROOT, "lib"))):
        sources += [os.path.join(top, f) for f in sorted(files)]
    for path in sources:
        if path.endswith((".c", ".h")):
            text = open(path, errors="replace").read()
            for m in re.finditer(r'^#define\s+(\w+)\s+"([^"]*)"\s*$', text, re.M):
                defines.setdefault(m.group(1), m.group(2))
    for f in sorted(os.listdir(os.path.join(ROOT, "cgi-bin"))):
        if not (f.startswith("admin") and f.endswith(".c")):
            continue
        text = open(os.path.join(ROOT, "cgi-bin", f), errors="replace").read()
        for m in re.finditer(r'\{\s*"GET"\s*,\s*((?:\w+\s*)?"[^"]*")', text):
            parts = re.match(r'(?:(\w+)\s*)?"([^"]*)"', m.group(1))
            path = defines.get(parts.group(1), "") + parts.group(2) if parts.group(1) else parts.group(2)
            if path.startswith("/admin/") and path.rstrip("/").endswith("transactions"):
                return path
    return None


def main():
    b = Bench()
    os.makedirs(DATA, exist_ok=True)
    read_token = login("bench-%02d" % READ_TENANT)
    # The write tenant is needed by the write scenarios only (the scaling runs load one tenant).
    write_token = login("bench-%02d" % WRITE_TENANT) if any(b.want(n) for n in ("S4", "S5", "M")) else None
    for group in ("inventory_transactions", "count_sessions", "admin"):
        b.served[group] = 0
    rss_start = pool_workers("inventory_transactions")

    # B0: the FastCGI ceiling.
    if b.want("B0"):
        b.run("B0", "baseline: libfcgi, 60-byte JSON", None, "/bench/baseline", auth="none")
    # B1: B0 plus one prepared SELECT 1 per request: the floor of any request that reads the
    # database, no goal (it shows what a round trip costs against B0).
    if b.want("B1"):
        why = b.check("B1", "GET", "/bench/floor", None)
        if why:
            b.skip("B1", "floor: B0 + one SELECT 1 round trip", why)
        else:
            b.run("B1", "floor: B0 + one SELECT 1 round trip", None, "/bench/floor", auth="none")

    # S1: one transaction by id, rotating over 1,000 ids of the read tenant.
    t = READ_TENANT
    rows = int(db("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '%s'" % ident(1, t, t))[0][0])
    ids = spread_ids(db, t, rows, 1000)
    s1 = write_lines("s1_paths.txt", ["%s/%s" % (ITX, i) for i in ids])
    if b.want("S1"):
        why = b.check("S1", "GET", "%s/%s" % (ITX, ids[0]), read_token)
        if why:
            b.skip("S1", "GET transaction by id, JWT", why)
        else:
            b.run("S1", "GET transaction by id, JWT", "inventory_transactions", ITX, token=read_token,
                  file=s1)
    b.floor("F1", "S1", "floor of S1: its statement alone",
            ["/bench/floor/get/%s/%s" % (ident(1, t, t), i) for i in ids])
    b.floor("F1r", "S1", "floor of S1: the ledger row alone",
            ["/bench/floor/row/%s/%s" % (ident(1, t, t), i) for i in ids])

    # S2: a 20-row page filtered by warehouse and type (5 warehouses x 3 types).
    filters = [(ident(3, t, w), ty) for w in range(5) for ty in ("pick", "receive", "move")]
    s2_paths = ["%s?warehouse_id=%s&transaction_type=%s&limit=20" % (ITX, w, ty) for w, ty in filters]
    s2 = write_lines("s2_paths.txt", s2_paths)
    if b.want("S2"):
        why = b.check("S2", "GET", s2_paths[0], read_token)
        if why:
            b.skip("S2", "list 20 rows, warehouse + type", why)
        else:
            b.run("S2", "list 20 rows, warehouse + type", "inventory_transactions", ITX,
                  token=read_token, file=s2)
    b.floor("F2", "S2", "floor of S2: the page query alone",
            ["/bench/floor/list/%s/%s/%s" % (ident(1, t, t), w, ty) for w, ty in filters])
    # Issue 18: S2's two statements before (stats, then the page) and its one statement now.
    b.floor("F2t", "S2", "floor of S2 before: stats, then page",
            ["/bench/floor/list2/%s/%s/%s" % (ident(1, t, t), w, ty) for w, ty in filters])
    b.floor("F2s", "S2", "floor of S2: page + stats, one statement",
            ["/bench/floor/list1/%s/%s/%s" % (ident(1, t, t), w, ty) for w, ty in filters])

    # S3: the same page as HTML under /admin/, authenticated by the cookie.
    if b.want("S3"):
        page = find_admin_page() if os.access(os.path.join(ROOT, "cgi-bin", "admin"), os.X_OK) else None
        if not page:
            b.skip("S3", "admin HTML list, cookie", "not built")
        else:
            s3_paths = [p.replace(ITX, page, 1) for p in s2_paths]
            s3 = write_lines("s3_paths.txt", s3_paths)
            why = b.check("S3", "GET", s3_paths[0], read_token, cookie=True, ctype="text/html")
            if why:
                b.skip("S3", "admin HTML list, cookie", "not built (%s %s)" % (page, why))
            else:
                b.run("S3", "admin %s, cookie" % page, "admin", page, auth="cookie",
                      token=read_token, file=s3)
    b.floor("F3", "S3", "floor of S3: the page query alone",
            ["/bench/floor/listing/%s/%s/%s" % (ident(1, t, t), w, ty) for w, ty in filters])

    # S4: durable picks of 1 unit, round the write tenant's 1,000 stock records.
    w = WRITE_TENANT
    stocks = db("SELECT id, warehouse_id, item_id, bin_id FROM stocks WHERE tenant_id = '%s'"
                " AND quantity > 1000 ORDER BY id" % ident(1, w, w))
    bodies = [json.dumps({"warehouse_id": s[1], "item_id": s[2], "stock_id": s[0], "transaction_type": "pick",
                          "quantity": 1, "from_bin_id": s[3], "reference_type": "order",
                          "reference_id": "BENCH-PICK"}, separators=(",", ":")) for s in stocks]
    s4 = write_lines("s4_bodies.txt", bodies)
    if b.want("S4"):
        why = b.check("S4", "POST", ITX, write_token, bodies[0], expect=(201,))
        if why:
            b.skip("S4", "POST pick, durable", why)
        else:
            for c in (1, 8, CONNS):
                b.run("S4" if c == CONNS else "S4/%d" % c, "POST pick, durable, %d conn%s" % (c, "s" * (c > 1)),
                      "inventory_transactions", ITX, method="POST", token=write_token, file=s4, conns=c)
    b.floor("F4", "S4", "floor of S4: its 2 writes, durable", ["/bench/floor/pick/%d" % n for n in range(1000)])
    b.floor("F4p", "S4", "floor of S4: its 2 writes in 1 CALL", ["/bench/floor/pickp/%d" % n for n in range(1000)])

    # S5: a count session with 50 assignments (50 counters, one bin each).
    if b.want("S5"):
        if not os.access(os.path.join(ROOT, "cgi-bin", "count_sessions"), os.X_OK):
            b.skip("S5", "POST count session, 50 assignments", "not built")
        else:
            bodies = []
            for n in range(200):
                assignments = [{"user_key": "user/bench-%02d-u%02d" % (w, u + 1),
                                "target_keys": [[ident(4, w, (n + u) % 200)]]} for u in range(50)]
                bodies.append(json.dumps({"count_session": {"type": "position",
                                                            "description": "bench session %d" % n},
                                          "assignments": assignments}, separators=(",", ":")))
            s5 = write_lines("s5_bodies.txt", bodies)
            why = b.check("S5", "POST", "/inventory/count-session", write_token, bodies[0], expect=(200, 201))
            if why:
                b.skip("S5", "POST count session, 50 assignments", why)
            else:
                b.run("S5", "POST count session, 50 assignments", "count_sessions",
                      "/inventory/count-session", method="POST", token=write_token, file=s5)
    b.floor("F5", "S5", "floor of S5: its rows, durable",
            ["/bench/floor/count/%d/%d" % (WRITE_TENANT, n) for n in range(200)])

    # Memory: RSS of the inventory_transactions workers once warm (after the scenarios), then
    # after MEMORY_REQUESTS more requests (reads by id, list pages and picks, in turns).
    if b.want("M") and rss_start:
        mix = [dict(token=read_token, file=s1), dict(token=read_token, file=s2),
               dict(method="POST", token=write_token, file=s4)]
        # Every worker through every path once more (first use prepares statements, sizes
        # buffers), so what follows measures growth, not warm-up.
        for m in mix:
            wrk(ITX, duration=3, **m)
        rss_warm = pool_workers("inventory_transactions")
        done = 0
        while done < MEMORY_REQUESTS:
            res = wrk(ITX, duration=DURATION, **mix[len(b.memory_runs) % 3])
            b.memory_runs.append(res["requests"])
            if res["requests"] == 0:
                break
            done += res["requests"]
        rss_end = pool_workers("inventory_transactions")
        b.memory = (rss_start, rss_warm, rss_end, done)
        # The auth pool after its workload: password hashes, before the per-pool line.
        b.logins = login_workload(MEMORY_LOGINS, "bench-%02d" % READ_TENANT)
    report(b)
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump([{k: v for k, v in r.items() if k != "raw"} for r in b.rows], f)


def fmt_ms(v):
    return "-" if v is None else ("%.2fms" % v if v < 10 else "%.1fms" % v)


# Issue 18's goals: each scenario's requests/s as a share of its own floor's, measured in the same
# run (the floor named first; the others are printed beside it). The earlier targets, ratios to B0,
# were replaced by these: no database-backed request can come near a trivial responder here.
GOALS = {"S1": (("F1", "F1r"), 0.90), "S2": (("F2", "F2s", "F2t"), 0.85), "S3": (("F3",), 0.80),
         "S4": (("F4", "F4p"), 0.80), "S5": (("F5",), None)}


def shares(b, name):
    """The scenario's requests/s over each of its floors' in this run: [(floor, share)]."""
    got = {r["name"]: r["rps"] for r in b.rows if not r.get("skipped") and r.get("rps")}
    if name not in got or name not in GOALS:
        return []
    return [(f, got[name] / got[f]) for f in GOALS[name][0] if f in got]


def share_lines(b):
    """Per scenario: its share of each floor against the goal, and the verdict on the goal's floor."""
    lines = []
    for name, (floors, goal) in GOALS.items():
        got = shares(b, name)
        if not got:
            continue
        text = ", ".join("%.2f of %s" % (share, f) for f, share in got)
        if goal is None:
            verdict = "reported"
        elif got[0][0] != floors[0]:
            verdict = "no %s in this run" % floors[0]
        else:
            verdict = "pass" if got[0][1] >= goal else "FAIL"
        lines.append("share: %s reaches %s (goal >=%s of %s): %s" % (
            name, text, "-" if goal is None else "%.2f" % goal, floors[0], verdict))
    return lines


def report(b):
    base = next((r for r in b.rows if r["name"] == "B0" and not r.get("skipped")), None)
    lines = []
    head = "%-5s %-36s %5s %7s %8s %8s %5s %6s %15s  %s" % (
        "", "scenario", "conns", "req/s", "p50", "p99", "ratio", "share", "CPU us db/app/ng", "result")
    lines += [head, "-" * len(head)]
    for r in b.rows:
        goal = GOALS.get(r["name"], (None, None))[1]
        tgt = "-" if goal is None else ">=%.2f" % goal
        if r.get("skipped"):
            lines.append("%-5s %-36s %5s %7s %8s %8s %5s %6s %15s  %s" % (
                r["name"], r["label"][:36], "-", "-", "-", "-", "-", tgt, "-", r["skipped"]))
            continue
        ratio = r["rps"] / base["rps"] if base and base["rps"] else None
        got = shares(b, r["name"])
        share = got[0][1] if got and got[0][0] == GOALS[r["name"]][0][0] else None
        soft = r.get("socket_errors", 0)
        if r["errors"] or soft > r["requests"] / 1000:
            result = "FAIL (%d errors)" % (r["errors"] + soft)
        elif goal is not None:
            result = "no floor" if share is None else ("pass" if share >= goal else "FAIL")
            result += " (goal %s)" % tgt
        elif r["name"] in GOALS:
            result = "reported"
        else:
            result = "-"
        if soft and not result.startswith("FAIL"):
            result += " (%d read errors)" % soft
        cpu = "%.0f/%.0f/%.0f" % r["cpu"] if r.get("cpu") else "-"
        lines.append("%-5s %-36s %5d %7.0f %8s %8s %5s %6s %15s  %s" % (
            r["name"], r["label"][:36], r["conns"], r["rps"], fmt_ms(r["p50"]), fmt_ms(r["p99"]),
            "-" if ratio is None else "%.2f" % ratio, "-" if share is None else "%.2f" % share, cpu, result))
    floor = next((r for r in b.rows if r["name"] == "B1" and not r.get("skipped")), None)
    if floor and base and base["rps"]:
        lines.append("floor: B0 plus one SELECT 1 round trip to MariaDB (B1) reaches %.2f of B0; every S"
                     " scenario needs at least one such round trip" % (floor["rps"] / base["rps"]))
    lines += share_lines(b)
    s4 = {r["name"]: r["rps"] for r in b.rows if r["name"].startswith("S4") and not r.get("skipped")}
    if "S4/1" in s4 and "S4" in s4 and s4["S4/1"]:
        grows = s4["S4"] / s4["S4/1"]
        lines.append("group commit: POST pick %.0f req/s at 1 connection, %.0f at 8, %.0f at %d (x%.1f): %s" % (
            s4["S4/1"], s4.get("S4/8", 0), s4["S4"], CONNS, grows, "grows" if grows > 1.5 else "DOES NOT GROW"))
    if getattr(b, "memory", None):
        start, warm, end, served = b.memory
        pids = sorted(set(warm) | set(end))
        worst = max(end.values()) if end else 0
        growth = max((end.get(p, 0) - warm.get(p, 0) for p in pids), default=0)
        same = set(start) == set(end)
        ok = worst < RSS_LIMIT_KIB and growth <= 256 and same and served >= MEMORY_REQUESTS
        lines.append("memory: inventory_transactions workers (%d), RSS KiB at start / warm (after the scenarios)"
                     " / after %d more requests: %s" % (len(end), served, ", ".join(
                         "%s/%s/%s" % (start.get(p, "-"), warm.get(p, "-"), end.get(p, "-")) for p in pids)))
        lines.append("memory: max %.1f MiB (limit 10 MiB), growth after warm-up at most %d KiB, workers %s: %s" % (
            worst / 1024.0, growth, "unchanged" if same else "RESTARTED", "pass" if ok else "FAIL"))
    if getattr(b, "logins", None):
        ok, peak = b.logins
        lines.append("memory: auth pool after %d of %d logins through nginx (a yescrypt hash each, peak %.1f MiB"
                     " in a worker while hashing): %s" % (ok, MEMORY_LOGINS, peak / 1024.0,
                                                         "done" if ok == MEMORY_LOGINS else "FAIL"))
    pools, over = [], []
    for group in ("auth", "master_data", "inventory_transactions", "count_sessions", "admin"):
        rss = pool_workers(group)
        if rss:
            pools.append("%s %.1f" % (group, max(rss.values()) / 1024.0))
            if max(rss.values()) >= RSS_LIMIT_KIB:
                over.append(group)
    if pools:
        # Whatever ran on the stack before (tests, other pages) counts too: every worker, every pool.
        lines.append("memory: largest worker RSS per pool at the end (MiB): %s: %s" % (
            ", ".join(pools), "FAIL (over 10 MiB: %s)" % ", ".join(over) if over else "all under 10 MiB"))
    lines.append("CPU us db/app/ng: CPU time per request of this stack's mariadbd, responding program (handler"
                 " pool or baseline) and nginx, their process trees from var/run's pid files and /proc;"
                 " wrk and other stacks' processes are not in it")
    text = "\n".join(lines)
    print(text)
    out_dir = os.path.join(ROOT, "tests", "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(out_dir, stamp + ".txt"), "w") as f:
        f.write(text + "\n\n")
        for r in b.rows:
            if r.get("raw"):
                f.write("### %s %s\n%s\n" % (r["name"], r["label"], r["raw"]))
    print("(raw wrk output: tests/bench/results/%s.txt)" % stamp)


if __name__ == "__main__":
    main()
