"""Attack surface: who may reach the handler sockets, headers on every answer, no version strings, slow clients."""
import json
import os
import re
import socket
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import ROOT, login, url
from hostile import GROUPS, VAR

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}
LEAKS = re.compile(r"nginx/\d|MariaDB|mysql|libfcgi|json-c|libjwt|PHP|Apache/\d|Debian|Ubuntu|stack trace|"
                   r"SQL syntax|at line \d", re.I)
PORT = int(os.environ.get("PORT", "8080"))


def nginx_conf():
    # The server-wide defaults (timeouts, limits) live in their own snippet.
    with open(os.path.join(VAR, "nginx", "stocktake-server.conf")) as f:
        return f.read()


def seconds(conf, directive):
    m = re.search(r"^\s*%s\s+(\d+)s?;" % directive, conf, re.M)
    assert m, "%s not set" % directive
    return int(m.group(1))


# ---- sockets ------------------------------------------------------------------------------------------

def nginx_worker_gid():
    with open(os.path.join(VAR, "run", "nginx.pid")) as f:
        master = f.read().split()[0]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/status" % pid) as f:
                status = f.read()
        except OSError:
            continue
        if re.search(r"^PPid:\s+%s$" % master, status, re.M) and "nginx" in open("/proc/%s/cmdline" % pid).read():
            return int(re.search(r"^Gid:\s+(\d+)", status, re.M).group(1))
    pytest.fail("no nginx worker found")


@pytest.mark.parametrize("group", GROUPS)
def test_handler_socket_reachable_only_by_nginx(group):
    st = os.stat(os.path.join(VAR, "run", group + ".sock"))
    assert stat.S_ISSOCK(st.st_mode)
    mode = stat.S_IMODE(st.st_mode)
    assert mode in (0o660, 0o600), oct(mode)
    # Owner (the handlers) and the group of nginx's workers; nobody else.
    assert st.st_gid == nginx_worker_gid(), (st.st_gid, nginx_worker_gid())


def test_deployment_units_restrict_the_sockets():
    with open(os.path.join(ROOT, "systemd", "stocktake-handler@.socket.in")) as f:
        unit = f.read()
    assert re.search(r"^SocketMode=0?6[06]0$", unit, re.M), unit
    assert re.search(r"^SocketGroup=www-data$", unit, re.M), unit
    with open(os.path.join(ROOT, "systemd", "stocktake-handler@.service.in")) as f:
        service = f.read()
    assert re.search(r"^User=(?!root)\S+$", service, re.M)


# ---- headers on every answer -------------------------------------------------------------------------

def raw(data, timeout=10):
    """Sends raw bytes; returns (status, lower-cased headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", PORT), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body.decode("utf-8", "replace")


def check_answer(status, headers, body):
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (status, name, headers)
    assert "default-src" in headers.get("content-security-policy", ""), (status, headers)
    server = headers.get("server", "")
    assert not re.search(r"\d", server) and "/" not in server, server
    assert "x-powered-by" not in headers, headers
    assert not LEAKS.search(body), (status, body[:300])
    for v in headers.values():
        assert not LEAKS.search(v), (status, headers)


RAW_CASES = {
    "unparsable request line": (b"GARBAGE\r\n\r\n", 400),
    "NUL in path": (b"GET /warehousing/items%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "path above the root": (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "no Host": (b"GET /warehousing/items HTTP/1.1\r\n\r\n", 400),
    "header too large": (b"GET /warehousing/items HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n", 400),
    "URI too long": (b"GET /warehousing/items?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "unknown transfer coding": (b"POST /warehousing/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n", 501),
    "HTTP/2 over plain HTTP/1 framing": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 501),
    "TRACE": (b"TRACE /warehousing/items HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    "length and chunked": (b"POST /warehousing/items HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "bad Content-Length": (b"POST /warehousing/items HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_nginx_own_errors_are_json_with_headers(case):
    data, want = RAW_CASES[case]
    status, headers, body = raw(data)
    assert status == want, (status, body[:300])
    check_answer(status, headers, body)
    assert headers.get("content-type", "").startswith("application/json"), headers
    parsed = json.loads(body)
    assert parsed["success"] is False and parsed["message"], parsed


def http_cases():
    """(name, method, path, kwargs, expected status): answers of nginx and of every handler, errors and not."""
    tok = login("demo-admin")
    bearer = {"Authorization": "Bearer " + tok}
    json_h = dict(bearer, **{"Content-Type": "application/json"})
    return [
        ("nginx 404", "GET", "/no/such/thing", {}, 404),
        ("nginx 413", "POST", "/warehousing/items", {"data": b"x" * (2 * 1024 * 1024), "headers": json_h}, 413),
        ("nginx 413 auth", "POST", "/api/auth", {"data": b"x" * (2 * 1024 * 1024)}, 413),
        ("nginx 413 count", "POST", "/inventory/count-session", {"data": b"x" * (2 * 1024 * 1024)}, 413),
        ("nginx 413 pages", "POST", "/admin/login", {"data": b"x" * (2 * 1024 * 1024)}, 413),
        ("openapi", "GET", "/api/openapi.json", {}, 200),
        ("internal error page URI", "GET", "/.stocktake/500", {}, 404),
        ("auth 401", "GET", "/api/auth/me", {}, 401),
        ("auth 400", "POST", "/api/auth", {"data": {"username": "x"}}, 400),
        ("auth 405", "DELETE", "/api/auth", {}, 405),
        ("users 200", "GET", "/api/users", {"headers": bearer}, 200),
        ("users 404", "GET", "/api/users/00000000-0000-4000-8000-000000000000", {"headers": bearer}, 404),
        ("master 200", "GET", "/warehousing/items", {"headers": bearer}, 200),
        ("master 400", "POST", "/warehousing/items", {"data": b"{bad", "headers": json_h}, 400),
        ("master 403", "GET", "/warehousing/items", {"headers": bearer, "params": {
            "tenant_id": "10000000-0000-4000-8000-000000000002"}}, 403),
        ("master 405", "PUT", "/warehousing/items", {"headers": bearer}, 405),
        ("itx 200 csv", "GET", "/warehousing/inventory-transactions", {"headers": bearer,
                                                                       "params": {"format": "csv"}}, 200),
        ("itx 404", "GET", "/warehousing/inventory-transactions/00000000-0000-4000-8000-000000000000",
         {"headers": bearer}, 404),
        ("count 200", "GET", "/inventory/count-session", {"headers": bearer}, 200),
        ("count 404", "GET", "/inventory/count-session/nope", {"headers": bearer}, 404),
        ("pages 200", "GET", "/admin/transactions", {"cookies": {"stocktake_token": tok}}, 200),
        ("pages 303", "GET", "/admin/transactions", {}, 303),
        ("pages 404", "GET", "/admin/no-such-page", {"cookies": {"stocktake_token": tok}}, 404),
        ("pages css", "GET", "/admin/style.css", {}, 200),
        ("HEAD", "HEAD", "/warehousing/items", {"headers": bearer}, 200),
        ("OPTIONS", "OPTIONS", "/warehousing/items", {"headers": bearer}, 405),
    ]


CASE_NAMES = ["nginx 404", "nginx 413", "nginx 413 auth", "nginx 413 count", "nginx 413 pages", "openapi",
              "internal error page URI", "auth 401", "auth 400", "auth 405", "users 200", "users 404", "master 200",
              "master 400", "master 403", "master 405", "itx 200 csv", "itx 404", "count 200", "count 404",
              "pages 200", "pages 303", "pages 404", "pages css", "HEAD", "OPTIONS"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_answer_has_security_headers_and_no_versions(name):
    cases = {c[0]: c[1:] for c in http_cases()}
    assert sorted(cases) == sorted(CASE_NAMES)
    method, path, kw, want = cases[name]
    r = requests.request(method, url(path), allow_redirects=False, timeout=60, **kw)
    assert r.status_code == want, (r.status_code, r.text[:300])
    check_answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.text)


# ---- slow clients ------------------------------------------------------------------------------------

def deployment_timeouts_are_sane():
    with open(os.path.join(ROOT, "nginx", "stocktake-server.conf.in")) as f:
        conf = f.read()
    for d in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout"):
        assert 1 <= seconds(conf, d) <= 60, d


def slow_headers(limit):
    """Headers sent one byte every half second, never finished: returns seconds until nginx hangs up."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
        request = b"GET /warehousing/items HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
        for byte in request:
            try:
                s.sendall(bytes([byte]))
                s.settimeout(0.5)
                if s.recv(1024) == b"":
                    break
            except socket.timeout:
                pass
            except OSError:
                break
            if time.monotonic() - t0 > limit:
                break
    return time.monotonic() - t0


def stalled_body(limit):
    """A body announced but never completed: returns (seconds until nginx answers or hangs up, answer)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", PORT), timeout=limit) as s:
        s.sendall(b"POST /warehousing/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"sku\":")
        try:
            answer = s.recv(4096)
        except socket.timeout:
            answer = None
    return time.monotonic() - t0, answer


def test_slow_clients_are_cut_off():
    """Slowloris: trickled headers and a stalled body are cut off at the configured timeouts (run in parallel)."""
    deployment_timeouts_are_sane()
    conf = nginx_conf()
    header_t, body_t = seconds(conf, "client_header_timeout"), seconds(conf, "client_body_timeout")
    with ThreadPoolExecutor(2) as pool:
        headers = pool.submit(slow_headers, header_t + 10)
        body = pool.submit(stalled_body, body_t + 10)
        # Meanwhile the service answers everyone else.
        assert requests.get(url("/api/openapi.json"), timeout=10).status_code == 200
        took = headers.result()
        body_took, answer = body.result()
    assert header_t - 1 <= took <= header_t + 3, (took, header_t)
    assert answer is not None, "a stalled body was not cut off within %d s" % (body_t + 10)
    assert body_t - 1 <= body_took <= body_t + 3, (body_took, body_t)
    if answer:
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
