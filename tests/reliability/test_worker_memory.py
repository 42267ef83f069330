"""The auth pool's workers give back what password hashing takes: after logins through nginx, spread
over every worker, each stays under 10 MiB resident (issue 18, docs/PERFORMANCE.md).

A yescrypt hash ($y$j9T$, libxcrypt) works in a 16 MiB region of its own; a worker that kept it, or
kept it in its heap, would stand at 22 MiB or more. The peak (VmHWM) shows that a hash ran in a
worker, the resident size (VmRSS) that its memory went back. The logins and the workers' figures
are the benchmark's own (tests/bench/run.py, the memory step).
"""
import os
import sys

import stack

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
