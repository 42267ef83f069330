"""Faults under load: handler workers and pool masters killed with SIGKILL, MariaDB restarted and
crashed. Each test runs the randomised ledger mix (workload.Mix) in retry mode meanwhile, then checks
that every acknowledged write is in the database once, nothing was applied twice, every 5xx was a
503 envelope with Retry-After, and the ledger is consistent. Each test leaves the whole stack up and
answering (stack.restore), however it ends."""
import json
import random
import time

import pytest
import requests

from conftest import LONG, auth_headers, db_query, url
from test_inventory_transactions import assert_ledger_consistent
from test_load import report
import stack
from workload import Mix

# Groups the mix sends requests to (auth and admin workers serve nobody in it).
MIX_GROUPS = ("master_data", "inventory_transactions", "count_sessions")
KILLS = 60 if LONG else 16
OUTAGE_SECONDS = 3


@pytest.fixture(autouse=True)
def leave_the_stack_up():
    try:
        yield
    finally:
        stack.restore()


def assert_503s(errors):
    """Every 5xx a client saw is a 503 in its group's envelope, with Retry-After."""
    for _, method, path, status, retry_after, ctype, text in errors:
        assert status == 503, (method, path, status, text)
        assert retry_after and retry_after.isdigit(), (method, path, retry_after)
        assert_envelope(path, ctype, text)


def assert_envelope(path, ctype, text):
    if path.startswith("/admin"):
        assert ctype.startswith("text/html") and "503" in text, text
    elif path.startswith(("/api/", "/inventory/")):
        body = json.loads(text)
        assert body["status"] == 503 and body["message"] == "Service temporarily unavailable", text
    else:
        assert json.loads(text) == {"success": False,
                                                           "message": "Service temporarily unavailable",
                                                           "code": "unavailable"}, text


def probe_every_group():
    """One request per group (a POST login, GETs elsewhere); returns [(path, response)]."""
    h = auth_headers("demo-admin")
    out = [("/api/auth", requests.post(url("/api/auth"), data={"username": "demo-admin", "password": "demo-admin"},
                                       timeout=10))]
    for group, path in stack.PROBES.items():
        cookies = {"stocktake_token": h["Authorization"][7:]} if group == "admin" else None
        out.append((path, requests.get(url(path), headers=h if group != "admin" else {}, cookies=cookies,
                                       timeout=10, allow_redirects=False)))
    return out


def finish_and_check(mix, admin):
    mix.finish()
    assert mix.unexpected == [], mix.unexpected[:10]
    assert_503s(mix.server_errors)
    figures = mix.check()
    assert_ledger_consistent(admin)
    return figures


def test_killed_workers_are_replaced_within_a_second(admin, operator):
    """SIGKILL to random workers of the pools the mix uses: each is replaced within 1 s, GETs never see
    the kill (nginx sends them to another worker), and no POST is applied twice."""
    n = stack.workers_per_pool()
    rnd = random.Random()
    mix = Mix(admin, operator, clients=16, retry=True)
    respawn = []
    mix.start()
    try:
        time.sleep(1)
        for _ in range(KILLS):
            group = rnd.choice(MIX_GROUPS)
            # A worker that dies within 1 s of its start is replaced after 1 s (crash-loop guard).
            victims = [p for p in stack.worker_pids(group) if stack.age(p) > 1.2]
            victim = rnd.choice(victims)
            stack.kill(victim)
            respawn.append(stack.wait_workers(group, n, exclude=[victim], timeout=5))
            time.sleep(0.5)
    finally:
        figures = finish_and_check(mix, admin)
    assert max(respawn) < 1.0, respawn
    gets = [e for e in mix.server_errors if e[1] == "GET"]
    assert gets == [], gets
    figures.update(kills=len(respawn), respawn_max_s=round(max(respawn), 3),
                   respawn_mean_s=round(sum(respawn) / len(respawn), 3))
    report("kill-workers", figures)


def test_killed_pool_master_takes_its_workers_and_comes_back(admin):
    """SIGKILL to a pool's master: its workers stop (no orphans keep the socket), nginx answers 503 with
    Retry-After in the group's envelope, and the pool's supervisor (systemd's Restart=on-failure in
    deployments, `./devstack up` here) starts it again."""
    for group, path in (("master_data", "/warehousing/warehouses?limit=1"),
                        ("count_sessions", "/inventory/count-session?limit=1")):
        master, workers = stack.master_pid(group), stack.worker_pids(group)
        stack.kill(master)
        for pid in workers:
            stack.wait_gone(pid, 35)
        r = requests.get(url(path), headers=admin, timeout=10)
        assert r.status_code == 503 and r.headers.get("Retry-After") == "1", r.text
        assert_envelope(path, r.headers["Content-Type"], r.text)
        stack.restore()
        assert requests.get(url(path), headers=admin, timeout=10).status_code == 200


def outage_under_load(admin, operator, crash):
    """Stops MariaDB (SIGKILL when crash) while the mix runs, probes every group during the outage,
    starts it again and lets the mix run on; returns the mix and the figures of the outage."""
    mix = Mix(admin, operator, clients=16, retry=True)
    mix.start()
    probes = []
    try:
        time.sleep(3)
        t0 = time.monotonic()
        stack.stop_mariadb(crash=crash)
        down = time.monotonic()
        while time.monotonic() - down < OUTAGE_SECONDS:
            probes.extend(probe_every_group())
            time.sleep(0.5)
        stack.devstack_up()
        stack.wait_healthy()
        back = time.monotonic()
        time.sleep(5)
    finally:
        figures = finish_and_check(mix, admin)
    for path, r in probes:
        assert r.status_code == 503, (path, r.status_code, r.text)
        assert r.headers.get("Retry-After") == "1", (path, r.headers)
        assert_envelope(path, r.headers.get("Content-Type", ""), r.text)
    late = [e for e in mix.server_errors if e[0] > back + 1]
    assert late == [], late  # every worker reconnected
    during = [e for e in mix.server_errors if t0 <= e[0] <= back + 1]
    figures.update(outage_s=round(back - down, 1), outage_503s=len(during) + len(probes), probes=len(probes))
    return mix, figures


def test_mariadb_restart_under_load(admin, operator):
    mix, figures = outage_under_load(admin, operator, crash=False)
    report("mariadb-restart", figures)


def test_mariadb_crash_keeps_every_acknowledged_write(admin, operator):
    """kill -9 of mariadbd: every write acknowledged before the crash is there after crash recovery."""
    mix, figures = outage_under_load(admin, operator, crash=True)
    settings = db_query("SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog")
    assert settings == [["1", "1"]]
    report("mariadb-crash", figures)
