"""nginx in front of the handlers: security headers, JSON error envelopes, body limit, login rate limit, pool outage."""
import os
import signal
import subprocess
import time

import requests

from conftest import ROOT, url

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_json_error(r, status, message, envelope="ondi"):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()
    if envelope == "ondi":
        assert {k: v for k, v in body.items() if k != "code"} == {"success": False, "message": message}
        assert body["code"], body
    else:
        assert body["status"] == status and body["message"] == message, body


def assert_security_headers(r):
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (name, r.headers)
    assert "default-src" in r.headers.get("Content-Security-Policy", ""), r.headers


def test_security_headers_on_api_responses():
    # 401 straight from each handler, and the JSON document nginx serves itself.
    for path in ("/warehousing/warehouses", "/api/auth/me", "/api/openapi.json"):
        r = requests.get(url(path), timeout=10)
        assert r.status_code in (200, 401), (path, r.status_code, r.text)
        assert_security_headers(r)


def test_security_headers_on_authenticated_response(admin):
    r = requests.get(url("/warehousing/warehouses"), headers=admin, timeout=10)
    assert r.status_code == 200, r.text
    assert_security_headers(r)


def test_server_header_has_no_version():
    r = requests.get(url("/api/auth/me"), timeout=10)
    server = r.headers.get("Server", "")
    assert "/" not in server and not any(c.isdigit() for c in server), server
    assert "X-Powered-By" not in r.headers


def test_unknown_path_is_json_404():
    for path in ("/no/such/path", "/", "/warehousing/nothing-here", "/api/authx"):
        r = requests.get(url(path), timeout=10)
        assert_json_error(r, 404, "Not found")
        assert_security_headers(r)


def test_oversized_body_is_json_413():
    body = b"a" * (2 * 1024 * 1024)
    r = requests.post(url("/api/auth"), data=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert_json_error(r, 413, "Request body too large", envelope="status")
    r = requests.post(url("/warehousing/items"), data=body,
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert_json_error(r, 413, "Request body too large")


def test_openapi_is_served_as_json():
    r = requests.get(url("/api/openapi.json"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert "openapi" in r.json()


def _pool_pid(group):
    with open(os.path.join(ROOT, "var", "run", group + ".pid")) as f:
        return int(f.read().split()[0])


def _group_alive(pgid):
    out = subprocess.run(["ps", "-e", "-o", "pgid=", "-o", "stat="], capture_output=True, text=True).stdout
    return any(line.split()[0] == str(pgid) and not line.split()[1].startswith("Z")
               for line in out.splitlines() if line.strip())


def _wait(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _pool_connections(group):
    """Connected sockets at the pool's socket path (/proc/net/unix lists an accepted connection
    under the path of the socket it was accepted on; state 03 is connected)."""
    path = os.path.join(ROOT, "var", "run", group + ".sock")
    with open("/proc/net/unix") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return sum(1 for r in rows if len(r) >= 8 and r[7] == path and r[5] == "03")


def test_no_fastcgi_connection_stays_open_after_a_request(admin):
    # fastcgi_keep_conn off: nginx closes each FastCGI connection after its answer, so no worker
    # stays pinned to an idle kept-alive connection while new ones wait in the listen queue
    # (docs/PERFORMANCE.md, "Issue 18: pools"). With it on, nginx keeps idle connections.
    paths = {"auth": "/api/auth/me", "master_data": "/warehousing/warehouses?limit=1",
             "inventory_transactions": "/warehousing/inventory-transactions?limit=1",
             "count_sessions": "/inventory/count-session?limit=1", "admin": "/admin/"}
    with requests.Session() as s:
        for group, path in paths.items():
            for _ in range(4):
                r = s.get(url(path), headers=admin, timeout=10, allow_redirects=False)
                assert r.status_code in (200, 302), (path, r.status_code, r.text[:200])
    for group in paths:
        assert _wait(lambda: _pool_connections(group) == 0, 5), (group, _pool_connections(group))


def test_handler_down_is_json_503():
    """With the master_data pool stopped nginx answers 503 in the ONDI envelope; devstack brings it back."""
    pgid = _pool_pid("master_data")
    try:
        # devstack runs each pool in its own process group.
        os.killpg(pgid, signal.SIGTERM)
        if not _wait(lambda: not _group_alive(pgid), 10):
            os.killpg(pgid, signal.SIGKILL)
            assert _wait(lambda: not _group_alive(pgid), 5)
        r = requests.get(url("/warehousing/warehouses"), timeout=10)
        assert_json_error(r, 503, "Service temporarily unavailable")
        assert_security_headers(r)
        # The auth group answers outages in its own envelope.
        r = requests.get(url("/api/auth/me"), timeout=10)
        assert r.status_code == 401, r.text
    finally:
        subprocess.run([os.path.join(ROOT, "devstack"), "start-handlers"], check=True,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert _wait(lambda: requests.get(url("/warehousing/warehouses"), timeout=10).status_code != 503, 10)


def test_zz_login_rate_limit():
    """Hammering POST /api/auth gets 429 in the auth envelope. Runs last in this file and waits
    for the bucket to drain (burst 40 at 10 r/s) so later logins are not refused."""
    got = None
    with requests.Session() as s:
        # GET is refused by the handler without hashing anything, so requests come fast
        # enough to exceed 10 r/s; the limit counts every request to /api/auth.
        for _ in range(300):
            r = s.get(url("/api/auth"), timeout=10)
            if r.status_code == 429:
                got = r
                break
    try:
        assert got is not None, "no 429 after 300 requests"
        assert_json_error(got, 429, "Too many requests", envelope="status")
        assert_security_headers(got)
    finally:
        time.sleep(5)
    r = requests.post(url("/api/auth"), data={"username": "demo-viewer", "password": "wrong"}, timeout=10)
    assert r.status_code != 429
