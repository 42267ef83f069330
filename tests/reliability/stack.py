"""The devstack's processes for the fault tests: handler pools and workers, MariaDB, readiness probes.

Everything is found through devstack's pid files under var/run, so only this checkout's stack is
touched. Starting what a test stopped goes through `./devstack up` (idempotent: it starts only what
is not running), with the suite's PORT.
"""
import os
import signal
import subprocess
import time

import requests

from conftest import ROOT, auth_headers, url

VAR = os.path.join(ROOT, "var")
RUN = os.path.join(VAR, "run")
GROUPS = ("auth", "master_data", "inventory_transactions", "count_sessions", "admin")
# A path of each group that needs the handler and the database: 200 when both answer.
PROBES = {
    "auth": "/api/auth/me",
    "master_data": "/warehousing/warehouses?limit=1",
    "inventory_transactions": "/warehousing/inventory-transactions?limit=1",
    "count_sessions": "/inventory/count-session?limit=1",
    "admin": "/admin/",
}


def _read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    """True for a live process (a zombie counts as dead)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def age(pid):
    """Seconds since the process started."""
    with open("/proc/%d/stat" % pid) as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def master_pid(group):
    """The pool's supervisor (prefork master) of a handler group."""
    pid = _read_pid(os.path.join(RUN, group + ".pid"))
    return pid if pid and alive(pid) else None


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            out.append(int(d))
    return sorted(out)


def worker_pids(group):
    pid = master_pid(group)
    return children(pid) if pid else []


def wait_workers(group, count, exclude=(), timeout=5.0):
    """Waits until the pool has count live workers, none of them in exclude; returns the seconds taken."""
    start = time.monotonic()
    while True:
        pids = [p for p in worker_pids(group) if p not in exclude]
        if len(pids) >= count:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError("%s: %d of %d workers after %.1f s" % (group, len(pids), count, timeout))
        time.sleep(0.01)


def kill(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_gone(pid, timeout=30.0):
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError("pid %d still alive after %.0f s" % (pid, timeout))
        time.sleep(0.02)


def mariadb_pid():
    pid = _read_pid(os.path.join(RUN, "mysqld.pid"))
    return pid if pid and alive(pid) else None


def stop_mariadb(crash=False):
    """Stops MariaDB: SIGKILL when crash (no shutdown at all), else SIGTERM (a clean shutdown)."""
    pid = mariadb_pid()
    assert pid, "MariaDB is not running"
    kill(pid, signal.SIGKILL if crash else signal.SIGTERM)
    wait_gone(pid, 60)


def devstack_up():
    """Starts whatever is not running (MariaDB, handler pools, nginx) and waits for readiness."""
    env = dict(os.environ, PORT=os.environ.get("PORT", "8080"))
    out = subprocess.run([os.path.join(ROOT, "devstack"), "up"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr


def wait_healthy(timeout=60.0):
    """Waits until every group answers 200 through nginx on a path that reads the database."""
    deadline = time.monotonic() + timeout
    pending = dict(PROBES)
    while pending:
        for group, path in list(pending.items()):
            try:
                headers = auth_headers("demo-admin") if group != "admin" else {}
                r = requests.get(url(path), headers=headers, timeout=5, allow_redirects=False)
                if r.status_code in (200, 302, 303):
                    del pending[group]
            except requests.RequestException:
                pass
        if pending and time.monotonic() > deadline:
            raise AssertionError("groups not healthy after %.0f s: %s" % (timeout, sorted(pending)))
        if pending:
            time.sleep(0.1)


def restore():
    """Brings the whole stack back (after a test killed something), however the test ended."""
    devstack_up()
    wait_healthy()
    for g in GROUPS:
        if os.access(os.path.join(ROOT, "cgi-bin", g), os.X_OK):
            wait_workers(g, workers_per_pool(), timeout=10)


def workers_per_pool():
    """The pool size devstack wrote into var/stocktake.conf."""
    with open(os.path.join(VAR, "stocktake.conf")) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "workers":
                return int(value)
    return 8
