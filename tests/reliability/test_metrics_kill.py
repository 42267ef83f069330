"""The pools' metrics outlive a worker killed with SIGKILL.

The counters live in a file each pool's supervisor maps before forking (lib/web/metrics.c), so
what a worker counted stays when it is killed, and the worker that replaces it adds to the same
counters; the supervisor counts the restart.
"""
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import stack  # noqa: E402
from conftest import url  # noqa: E402
from test_observe import get_metrics, metric  # noqa: E402

GROUP = "master_data"
ROUTE = dict(group=GROUP, method="GET", route="/warehousing/bins", status="200")


def test_counters_survive_a_killed_worker(admin):
    n = 40
    try:
        before = get_metrics()
        for _ in range(n):
            assert requests.get(url("/warehousing/bins?limit=1"), headers=admin, timeout=10).status_code == 200
        victims = stack.worker_pids(GROUP)[:2]
        for pid in victims:
            stack.kill(pid)
        for pid in victims:
            stack.wait_gone(pid, 10)
        stack.wait_workers(GROUP, stack.workers_per_pool(), exclude=victims, timeout=10)
        for _ in range(n):
            assert requests.get(url("/warehousing/bins?limit=1"), headers=admin, timeout=10).status_code == 200
        after = get_metrics()
        assert metric(after, "stocktake_requests_total", **ROUTE) - metric(before, "stocktake_requests_total", **ROUTE) == 2 * n
        assert (metric(after, "stocktake_worker_restarts_total", group=GROUP)
                - metric(before, "stocktake_worker_restarts_total", group=GROUP)) == len(victims)
        assert metric(after, "stocktake_workers_up", group=GROUP) == stack.workers_per_pool()
    finally:
        stack.restore()
