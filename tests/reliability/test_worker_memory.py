"""The auth pool's workers give back what password hashing takes: after logins through nginx, spread
over every worker, each stays under 10 MiB resident (issue 18, docs/PERFORMANCE.md).

A yescrypt hash ($y$j9T$, libxcrypt) works in a 16 MiB region of its own; a worker that kept it, or
kept it in its heap, would stand at 22 MiB or more. The peak (VmHWM) shows that a hash ran in a
worker, the resident size (VmRSS) that its memory went back. The logins and the workers' figures
are the benchmark's own (tests/bench/run.py, the memory step).
"""
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import stack
from conftest import e2e

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import run as bench  # noqa: E402

LOGINS = 120
HASH_REGION_KIB = 16 * 1024


def test_auth_workers_stay_small_after_logins():
    workers = stack.worker_pids("auth")
    assert workers, "the auth pool is not running"
    ok, peak = bench.login_workload(LOGINS, "demo-viewer", "demo-viewer", clients=8)
    assert ok == LOGINS, "%d of %d logins answered 200" % (ok, LOGINS)
    assert stack.worker_pids("auth") == workers, "auth workers were restarted during the logins"
    assert peak >= HASH_REGION_KIB, "no auth worker hashed a password (VmHWM %d KiB)" % peak
    rss = bench.pool_workers("auth")
    over = {pid: kib for pid, kib in rss.items() if kib >= bench.RSS_LIMIT_KIB}
    assert not over, "auth workers over 10 MiB after %d logins (KiB): %s" % (LOGINS, over)


# A body just under nginx's and the handlers' limit (body_max, 1 MiB), made of many small JSON
# objects: parsing it grows a worker's heap by some 25 MiB of json-c objects, freed under blocks
# that stay in use, which glibc's trim threshold alone never gave back (31 MiB resident after).
BIG_BODY = json.dumps({"username": "x", "password": "y",
                       "pad": [{"k%d" % i: "v"} for i in range(30000)]})
BIG_POSTS = 24  # three per worker of an 8-worker pool, on average


def big_posts(path, headers, expect):
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: requests.post(
            e2e.url(path), data=BIG_BODY, timeout=30,
            headers=dict(headers, **{"Content-Type": "application/json"})).status_code,
            range(BIG_POSTS)))
    assert set(statuses) == {expect}, statuses


@pytest.mark.parametrize("group,path,expect,who", [
    ("auth", "/api/auth", 401, None),
    ("inventory_transactions", "/warehousing/inventory-transactions", 400, "admin"),
])
def test_workers_give_back_what_a_large_body_took(group, path, expect, who, admin):
    assert len(BIG_BODY) > 400 * 1024
    big_posts(path, admin if who else {}, expect)
    rss = bench.pool_workers(group)
    assert rss, "the %s pool is not running" % group
    over = {pid: kib for pid, kib in rss.items() if kib >= bench.RSS_LIMIT_KIB}
    assert not over, "%s workers over 10 MiB after %d large bodies (KiB): %s" % (group, BIG_POSTS, over)
