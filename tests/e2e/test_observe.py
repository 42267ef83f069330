"""Seeing a running installation: /api/health, /api/ready, the access log line, /api/metrics.

The probes answer through nginx without a token. /api/ready compares the database's newest
schema_version row with the build's (the highest db/migrations number) and answers 503 with the
reason when they differ, which the pool logs once. Every request leaves one access line in its
pool's log (var/log/GROUP.log). /api/metrics is checked with a small parser of the Prometheus text
format; its caller check is exercised by running the auth executable as a CGI program with a
REMOTE_ADDR other than loopback, which nginx on 127.0.0.1 cannot produce.
"""
import glob
import os
import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import ROOT, auth_headers, db_query, url

VAR = os.path.join(ROOT, "var")
LOG = os.path.join(VAR, "log")
VERSIONS = sorted(int(os.path.basename(p)[:3]) for p in glob.glob(os.path.join(ROOT, "db", "migrations", "[0-9]*_*.sql")))
EXPECTED = VERSIONS[-1]
# What the schema stands at without the newest migration (numbers may skip one: a branch's).
PREVIOUS = VERSIONS[-2]
# The cluster stack (./devstack test --cluster) has two handler hosts, each with its own logs and
# counters (Prometheus scrapes each host): what these tests read is the single-node stack's.
single_node = pytest.mark.skipif(os.environ.get("STOCKTAKE_CLUSTER") == "1",
                                 reason="reads the single-node stack's logs, config or counters")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_metrics(text):
    """Prometheus text format 0.0.4 -> {(name, frozenset(labels)): value}; asserts its shape."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            assert line.startswith("# HELP ") or not line, line
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.groups()
        pairs, rest = [], labels or ""
        while rest:
            lm = LABEL.match(rest)
            assert lm, "bad labels in %r" % line
            pairs.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, "sample before its # TYPE: %r" % line
        key = (name, frozenset(pairs))
        assert key not in samples, "duplicate series %r" % line
        samples[key] = float(value)
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def get_metrics():
    r = requests.get(url("/api/metrics"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse_metrics(r.text)


def log_size(group):
    return os.path.getsize(os.path.join(LOG, group + ".log"))


def access_lines(group, since, timeout=5.0, want=1, prefix=""):
    """The access lines written to var/log/GROUP.log after offset since whose id starts with prefix,
    once there are want of them (they are written just after the answer)."""
    deadline = time.time() + timeout
    while True:
        with open(os.path.join(LOG, group + ".log"), errors="replace") as f:
            f.seek(since)
            lines = [ln.rstrip("\n") for ln in f if " access " in ln and " id=" + prefix in ln]
        if len(lines) >= want or time.time() > deadline:
            return lines
        time.sleep(0.05)


def access_line(group, request_id, since=0):
    """The one access line of request_id in var/log/GROUP.log (from offset since)."""
    lines = [ln for ln in access_lines(group, since, prefix=request_id) if "id=%s " % request_id in ln]
    assert len(lines) == 1, "%d access lines for %s in %s.log" % (len(lines), request_id, group)
    return lines[0]


# ---- health and readiness -----------------------------------------------------------------

def test_health_answers_without_token():
    r = requests.get(url("/api/health"), headers={"X-Request-Id": "probe-1"}, timeout=10)
    assert r.status_code == 200
    assert r.json() == {"status": 200, "message": "Service is running", "detail": ""}
    assert r.headers["X-Request-Id"] == "probe-1"


def test_ready_reports_the_schema_versions():
    r = requests.get(url("/api/ready"), timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"] == "Service is ready"
    assert body["schema"] == {"expected": EXPECTED, "applied": EXPECTED}


def test_probes_are_not_rate_limited_like_the_login():
    """Monitoring polling the probes never meets the login zone's 429 (10 r/s, burst 40)."""
    with ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(lambda _: requests.get(url("/api/health"), timeout=10).status_code, range(80)))
    assert set(codes) == {200}


@pytest.fixture
def newest_migration_hidden():
    """Takes this build's newest schema_version row away (as if a migration were missing), then puts it back."""
    row = db_query("SELECT version, name, applied_at FROM schema_version WHERE version = ?", EXPECTED)
    assert row, "the devstack database is not migrated to %d" % EXPECTED
    db_query("DELETE FROM schema_version WHERE version = ?", EXPECTED)
    try:
        yield
    finally:
        db_query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", *row[0])
    assert requests.get(url("/api/ready"), timeout=10).status_code == 200


@single_node
def test_ready_is_503_while_the_schema_is_behind_and_says_what_to_do(newest_migration_hidden):
    size = os.path.getsize(os.path.join(LOG, "auth.log"))
    for _ in range(3):
        r = requests.get(url("/api/ready"), timeout=10)
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "5"
        body = r.json()
        assert body["message"] == "Service temporarily unavailable"
        assert body["detail"] == ("schema version %d is behind this build's %d: run stocktake-migrate"
                                  % (PREVIOUS, EXPECTED))
        assert body["schema"] == {"expected": EXPECTED, "applied": PREVIOUS}
    with open(os.path.join(LOG, "auth.log"), errors="replace") as f:
        f.seek(size)
        warned = [line for line in f if "not ready: schema version" in line]
    # Once for the pool, not once per request or worker; at error priority for journald.
    assert len(warned) == 1, warned
    assert warned[0].startswith("<3>auth[")
    assert "run stocktake-migrate" in warned[0]


@single_node
def test_a_pool_started_on_a_behind_schema_logs_it_once(newest_migration_hidden, tmp_path):
    """A pool's workers each check the schema when they start; the pool says it once."""
    sock = os.path.join(VAR, "run", "observe-test-%s.sock" % uuid.uuid4().hex[:8])
    env = dict(os.environ, STOCKTAKE_METRICS_DIR=str(tmp_path))
    proc = subprocess.Popen([os.path.join(ROOT, "cgi-bin", "auth"), "--config", os.path.join(VAR, "stocktake.conf"),
                             "--listen", sock, "--workers", "4"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.time() + 10
        while not os.path.exists(os.path.join(str(tmp_path), "auth.metrics")) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the four workers connect and check
    finally:
        proc.terminate()
        err = proc.communicate(timeout=40)[1].decode(errors="replace")
    warned = [line for line in err.splitlines() if "not ready:" in line]
    assert len(warned) == 1, err
    assert "schema version %d is behind this build's %d: run stocktake-migrate" % (PREVIOUS, EXPECTED) in warned[0]
    assert not os.path.exists(os.path.join(str(tmp_path), "auth.metrics"))  # removed when the pool stopped


# ---- the access log line --------------------------------------------------------------------

@single_node
def test_one_access_line_per_request_with_the_route_pattern(demo_tenant_id):
    rid = "obs-" + uuid.uuid4().hex
    since = log_size("master_data")
    wid = db_query("SELECT id FROM warehouses WHERE tenant_id = ? ORDER BY code LIMIT 1", demo_tenant_id)[0][0]
    user = db_query("SELECT id FROM users WHERE username = 'demo-admin'")[0][0]
    r = requests.get(url("/warehousing/warehouses/" + wid), headers=dict(auth_headers("demo-admin"), **{"X-Request-Id": rid}),
                     timeout=10)
    assert r.status_code == 200
    line = access_line("master_data", rid, since)
    assert line.startswith("<6>master_data[")
    fields = dict(kv.split("=", 1) for kv in line.split(" access ", 1)[1].split())
    assert fields["id"] == rid
    assert fields["tenant"] == demo_tenant_id and fields["user"] == user
    assert fields["method"] == "GET" and fields["route"] == "/warehousing/warehouses/:id"  # the pattern, no id
    assert fields["status"] == "200"
    assert re.fullmatch(r"\d+\.\d", fields["ms"])
    assert int(fields["db"]) >= 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields["time"])


@single_node
def test_access_line_of_an_anonymous_refusal_and_an_unknown_path():
    rid = "obs-" + uuid.uuid4().hex
    since = log_size("auth")
    assert requests.get(url("/api/users"), headers={"X-Request-Id": rid}, timeout=10).status_code == 401
    line = access_line("auth", rid, since)
    assert " tenant=- user=- method=GET route=/api/users status=401 " in line
    rid = "obs-" + uuid.uuid4().hex
    assert requests.get(url("/api/users/x/y"), headers={"X-Request-Id": rid}, timeout=10).status_code == 404
    assert " route=- status=404 " in access_line("auth", rid, since)


@single_node
def test_nginx_access_log_has_no_query_string():
    rid = "obs-" + uuid.uuid4().hex
    requests.get(url("/api/ready?access_token=eyJsecret.query.token"), headers={"X-Request-Id": rid}, timeout=10)
    deadline = time.time() + 5
    while True:
        with open(os.path.join(LOG, "nginx-access.log"), errors="replace") as f:
            lines = [ln for ln in f if "id=" + rid in ln]
        if lines or time.time() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == 1
    assert '"GET /api/ready HTTP/1.1"' in lines[0] and "eyJ" not in lines[0]


# ---- metrics ----------------------------------------------------------------------------------

def test_metrics_format_and_families():
    samples = get_metrics()
    names = {name for name, _ in samples}
    for family in ("stocktake_requests_total", "stocktake_request_duration_seconds_bucket",
                   "stocktake_request_duration_seconds_sum", "stocktake_request_duration_seconds_count",
                   "stocktake_db_statements_total", "stocktake_db_retries_total",
                   "stocktake_idempotent_replays_total", "stocktake_worker_restarts_total", "stocktake_workers_up"):
        assert family in names, family
    groups = {dict(labels).get("group") for name, labels in samples if name == "stocktake_workers_up"}
    assert groups == {"auth", "master_data", "inventory_transactions", "count_sessions", "admin"}
    for g in groups:
        assert metric(samples, "stocktake_workers_up", group=g) >= 1
        assert (metric(samples, "stocktake_request_duration_seconds_bucket", group=g, le="+Inf")
                == metric(samples, "stocktake_request_duration_seconds_count", group=g))


@single_node
def test_counters_of_all_workers_add_up():
    n = 60
    run = "obs-sum-" + uuid.uuid4().hex[:8]
    since = log_size("master_data")
    before = get_metrics()
    with ThreadPoolExecutor(6) as ex:
        codes = list(ex.map(lambda i: requests.get(url("/warehousing/bins?limit=1"), timeout=10, headers=dict(
            auth_headers("demo-admin"), **{"X-Request-Id": "%s-%d" % (run, i)})).status_code, range(n)))
    assert set(codes) == {200}
    after = get_metrics()
    # Several workers served them (each line names its process), and the pool's sum counts them all.
    lines = access_lines("master_data", since, want=n, prefix=run + "-")
    assert len(lines) == n
    pids = {re.match(r"<6>master_data\[(\d+)\]", ln).group(1) for ln in lines}
    assert len(pids) >= 2, pids
    labels = dict(group="master_data", method="GET", route="/warehousing/bins", status="200")
    assert metric(after, "stocktake_requests_total", **labels) - metric(before, "stocktake_requests_total", **labels) == n
    grew = (metric(after, "stocktake_db_statements_total", group="master_data")
            - metric(before, "stocktake_db_statements_total", group="master_data"))
    assert grew >= n


@single_node
def test_idempotent_replays_are_counted():
    before = get_metrics()
    key = str(uuid.uuid4())
    body = {"code": "OBS-" + uuid.uuid4().hex[:8], "name": "Observed"}
    hdrs = dict(auth_headers("demo-admin"), **{"Idempotency-Key": key})
    first = requests.post(url("/warehousing/warehouses"), json=body, headers=hdrs, timeout=10)
    again = requests.post(url("/warehousing/warehouses"), json=body, headers=hdrs, timeout=10)
    assert first.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true", again.text
    after = get_metrics()
    assert (metric(after, "stocktake_idempotent_replays_total", group="master_data")
            - metric(before, "stocktake_idempotent_replays_total", group="master_data")) == 1


def cgi_metrics(remote_addr, token=None, metrics_dir=None):
    """GET /api/metrics from the auth executable run as CGI with the devstack config."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "STOCKTAKE_CONFIG": os.path.join(VAR, "stocktake.conf"),
           "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/metrics",
           "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": remote_addr}
    if token:
        env["HTTP_AUTHORIZATION"] = "Bearer " + token
    if metrics_dir:
        env["STOCKTAKE_METRICS_DIR"] = metrics_dir
    out = subprocess.run([os.path.join(ROOT, "cgi-bin", "auth")], input=b"", env=env, capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    head, _, text = out.stdout.partition(b"\r\n\r\n")
    status = int(re.search(rb"^Status: (\d+)", head, re.M).group(1)) if b"Status:" in head else 200
    return status, head.decode(), text.decode()


@single_node
def test_metrics_refused_from_elsewhere_without_the_scope():
    status, head, text = cgi_metrics("192.0.2.7")
    assert status == 401 and '"Authentication required"' in text
    assert "WWW-Authenticate: Bearer" in head
    status, head, text = cgi_metrics("192.0.2.7", token=requests.post(
        url("/api/auth"), data={"username": "demo-admin", "password": "demo-admin"}, timeout=10).json()["access_token"])
    assert status == 403 and '"Insufficient permissions"' in text
    assert 'scope="metrics"' in head


@single_node
def test_metrics_served_to_loopback_and_to_the_scope(tmp_path):
    name = "obs-metrics-" + uuid.uuid4().hex[:8]
    password = "obs-pass-" + uuid.uuid4().hex
    r = requests.post(url("/api/users"), headers=auth_headers("demo-admin"), timeout=10,
                      json={"username": name, "password": password, "scopes": ["metrics"],
                            "first_name": "Metrics", "last_name": "Reader", "email": name + "@example.com"})
    assert r.status_code == 201, r.text
    try:
        token = requests.post(url("/api/auth"), data={"username": name, "password": password}, timeout=10).json()["access_token"]
        status, head, text = cgi_metrics("192.0.2.7", token=token, metrics_dir=os.path.join(VAR, "run"))
        assert status == 200 and "Content-Type: text/plain; version=0.0.4" in head
        samples = parse_metrics(text)
        assert metric(samples, "stocktake_workers_up", group="master_data") >= 1
        # Plain CGI keeps no counters of its own: without metrics_dir there is nothing to show.
        status, _, text = cgi_metrics("::1", metrics_dir=str(tmp_path))
        assert status == 200 and not any(name == "stocktake_workers_up" for name, _ in parse_metrics(text))
    finally:
        requests.delete(url("/api/users/" + r.json()["user"]["id"]), headers=auth_headers("demo-admin"), timeout=10)
