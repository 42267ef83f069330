"""The auth pool's workers give back what password hashing takes: after hundreds of logins through
nginx, spread over every worker, each stays under 10 MiB resident (issue 18, docs/PERFORMANCE.md).

A yescrypt hash ($y$j9T$, libxcrypt) works in a 16 MiB region of its own; a worker that kept it, or
kept it in its heap, would stand at 22 MiB or more. The peak (VmHWM) shows the hashing happened in
that worker, the resident size (VmRSS) that its memory went back.
"""
import http.client
import os
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import stack

PORT = int(os.environ.get("PORT", "8080"))
LOGINS = 120
CLIENTS = 8
RSS_LIMIT_KIB = 10 * 1024
HASH_REGION_KIB = 16 * 1024


def login_from(i):
    """One login from its own loopback address: the login rate limit (10/s, bursts of 40 per
    address, nginx/stocktake-upstreams.conf.in) counts each address apart."""
    source = ("127.0.%d.%d" % (10 + i // 200, 2 + i % 200), 0)
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30, source_address=source)
    try:
        conn.request("POST", "/api/auth", body=urllib.parse.urlencode(
            {"username": "demo-viewer", "password": "demo-viewer"}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def test_auth_workers_stay_small_after_logins():
    workers = stack.worker_pids("auth")
    assert workers, "the auth pool is not running"
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(login_from, range(LOGINS)))
    assert statuses.count(200) == LOGINS, {s: statuses.count(s) for s in set(statuses)}
    assert stack.worker_pids("auth") == workers, "auth workers were restarted during the logins"
    rss = {pid: status_kib(pid, "VmRSS") for pid in workers}
    peak = {pid: status_kib(pid, "VmHWM") for pid in workers}
    assert max(peak.values()) >= HASH_REGION_KIB, "no worker hashed a password: %s" % peak
    over = {pid: kib for pid, kib in rss.items() if kib >= RSS_LIMIT_KIB}
    assert not over, "auth workers over 10 MiB after %d logins (KiB): %s" % (LOGINS, over)
