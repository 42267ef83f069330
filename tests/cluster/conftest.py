"""Cluster suite: the e2e helpers and fixtures against the cluster stack of `./devstack up --cluster`.

Runs in its own pytest process (tests/run-all --cluster) with STOCKTAKE_URL pointing at the cluster's
nginx and STOCKTAKE_DB_SOCKET at node 1; it shares the e2e helpers and fixtures as tests/reliability
does (tests/e2e/reuse.py). STOCKTAKE_LONG=1 selects the long form of the load tests.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from reuse import export_e2e_conftest  # noqa: E402

e2e = export_e2e_conftest(globals())

LONG = os.environ.get("STOCKTAKE_LONG") == "1"
CLUSTER_DIR = os.environ.get("STOCKTAKE_CLUSTER_DIR", os.path.join(e2e.ROOT, "var", "cluster"))
NODES = (1, 2, 3)


def node_dir(n):
    return os.path.join(CLUSTER_DIR, "node%d" % n)


def node_sock(n):
    return os.path.join(node_dir(n), "mysqld.sock")


def node_sql(n, sql, sync=True, timeout=30):
    """Rows of sql on node n as root; sync waits until the node has applied every earlier write set."""
    text = ("SET SESSION wsrep_sync_wait = 15; " if sync else "") + sql
    out = subprocess.run(["mariadb", "--socket=" + node_sock(n), "-uroot", "--batch", "--skip-column-names",
                          "--raw", "stocktake", "-e", text], check=True, capture_output=True, text=True,
                         timeout=timeout)
    return [line.split("\t") for line in out.stdout.splitlines()]


def node_status(n, name):
    """A wsrep status value of node n, or None when the node does not answer."""
    try:
        rows = node_sql(n, "SHOW GLOBAL STATUS LIKE '%s'" % name, sync=False, timeout=10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    return rows[0][1] if rows else None


def node_pid(n):
    try:
        pid = int(open(os.path.join(node_dir(n), "mysqld.pid")).read().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def writable(n):
    return (node_status(n, "wsrep_ready") == "ON" and node_status(n, "wsrep_local_state") == "4"
            and node_status(n, "wsrep_cluster_status") == "Primary")


def recorded_writer():
    """The writer recorded in cluster_writer (migration 010), read on the first writable node; None if none is."""
    for n in NODES:
        if writable(n):
            return int(node_sql(n, "SELECT node FROM cluster_writer WHERE id = 1")[0][0])
    return None


def writer():
    """The node the handlers write to: the recorded writer, when it is writable (lib/db/db_nodes.h)."""
    n = recorded_writer()
    return n if n is not None and writable(n) else None


# lib/db/db_nodes.h DB_NODES_CHECK_SECONDS: how soon every process follows a changed record.
CHECK_SECONDS = 1


def switch_writer(n):
    """The planned switchover of docs/SCALING.md: record node n as the writer; every handler process follows
    within DB_NODES_CHECK_SECONDS of its next statement."""
    node_sql(n, "UPDATE cluster_writer SET node = %d, node_name = @@wsrep_node_name, epoch = epoch + 1,"
                " changed_at = UTC_TIMESTAMP(6) WHERE id = 1" % n)
    time.sleep(CHECK_SECONDS + 1)


def local_commits():
    """wsrep_local_commits of every node: the transactions each node took from a client (its writers)."""
    return {n: int(node_status(n, "wsrep_local_commits") or -1) for n in NODES}


def use_node_for_helpers(n):
    """Points the e2e helpers' db_query (stock_qty, ledger_sum, ...) at node n."""
    e2e.DB_SOCKET = node_sock(n)


def wait_for(cond, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.5)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


def devstack_up_cluster():
    """./devstack up --cluster: idempotent; restarts what is not running (a killed node rejoins)."""
    env = dict(os.environ)
    out = subprocess.run([os.path.join(e2e.ROOT, "devstack"), "up", "--cluster"], env=env, capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout + out.stderr
