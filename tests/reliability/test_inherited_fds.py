"""Daemons keep none of their caller's descriptors: a lock file held by `flock FILE ./devstack ...`
is free again as soon as the command ends, although the MariaDB, nginx and the handler pools it
started go on running; a pool started directly closes what it inherits, except systemd's LISTEN_FDS.
"""
import os
import shutil
import signal
import subprocess
import time

import stack
from conftest import ROOT

VAR = os.path.join(ROOT, "var")
ENV = dict(os.environ, PORT=os.environ.get("PORT", "8080"))


def fd_targets(pid):
    """The paths (readlink) of every descriptor of pid."""
    out = {}
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            out[int(fd)] = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            pass
    return out


def daemon_pids():
    """MariaDB, nginx's master and workers, every pool's supervisor and workers."""
    pids = {"mariadb": [stack.mariadb_pid()]}
    with open(os.path.join(VAR, "run", "nginx.pid")) as f:
        nginx = int(f.read().split()[0])
    pids["nginx"] = [nginx] + stack.children(nginx)
    for g in stack.GROUPS:
        master = stack.master_pid(g)
        if master:
            pids[g] = [master] + stack.children(master)
    return pids


def holders(path, pids):
    return ["%s[%d] fd %d" % (name, pid, fd) for name, group in pids.items() for pid in group
            for fd, target in fd_targets(pid).items() if target == path]


def flock_free(path):
    return subprocess.run(["flock", "-n", path, "true"]).returncode == 0


def test_devstack_daemons_do_not_keep_the_callers_lock():
    lock = os.path.join(VAR, "inherited-fds-test.lock")
    try:
        # Down and up again under the caller's lock: MariaDB, nginx and the pools all start
        # from a shell that holds it.
        out = subprocess.run(["flock", lock, "sh", "-c", "./devstack down && ./devstack up"],
                             cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
        assert out.returncode == 0, out.stdout + out.stderr
        assert flock_free(lock)
        pids = daemon_pids()
        assert pids["mariadb"][0] and len(pids["nginx"]) > 1 and "auth" in pids
        assert holders(os.path.realpath(lock), pids) == []
    finally:
        stack.restore()
        os.unlink(lock)


def test_pool_closes_inherited_descriptors_but_listen_fds():
    # A directory of its own: a pool keeps its metrics file beside its socket, and must not
    # replace (and at its end remove) the running auth pool's in var/run.
    work = os.path.join(VAR, "inherited-fds-test")
    os.makedirs(work, exist_ok=True)
    kept = os.path.join(work, "kept")
    leaked = os.path.join(work, "leaked")
    sock = os.path.join(work, "pool.sock")
    for p in (kept, leaked):
        open(p, "w").close()
    # As systemd hands over a socket: LISTEN_PID names the program, LISTEN_FDS=1 is fd 3.
    cmd = ('export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" --config "$1" --listen "$2" --workers 2 '
           '3<"$3" 4<"$4" 7<"$4"')
    pool = subprocess.Popen(["sh", "-c", cmd, os.path.join(ROOT, "cgi-bin", "auth"),
                             os.path.join(VAR, "stocktake.conf"), sock, kept, leaked],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(stack.children(pool.pid)) < 2 or not os.path.exists(sock):
            assert pool.poll() is None and time.monotonic() < deadline, "the pool did not start"
            time.sleep(0.05)
        for pid in [pool.pid] + stack.children(pool.pid):
            targets = fd_targets(pid)
            assert targets.get(3) == kept, (pid, targets)
            assert leaked not in targets.values(), (pid, targets)
    finally:
        os.killpg(pool.pid, signal.SIGTERM)
        pool.wait(30)
        shutil.rmtree(work, ignore_errors=True)
