"""Shared fixtures for end-to-end tests against the running devstack (nginx + handlers + MariaDB)."""
import os
import subprocess
import time
import uuid

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASE_URL = os.environ.get("STOCKTAKE_URL", "http://127.0.0.1:%s" % os.environ.get("PORT", "8080"))
DB_SOCKET = os.environ.get("STOCKTAKE_DB_SOCKET", os.path.join(ROOT, "var", "run", "mysqld.sock"))
DB_NAME = os.environ.get("STOCKTAKE_DB_NAME", "stocktake")

_token_cache = {}


def url(path):
    return BASE_URL + path


# Tokens live jwt_ttl (3600 s in devstack); the long reliability run lasts longer than that.
TOKEN_REUSE_S = 1800


def login(username, password=None, scope=None, fresh=False):
    """Returns a bearer token for a demo user (password defaults to the username), cached per run
    for TOKEN_REUSE_S; fresh=True logs in again (a token that must outlive a long test)."""
    key = (username, password, scope)
    cached = _token_cache.get(key)
    if fresh or not cached or time.time() - cached[1] > TOKEN_REUSE_S:
        data = {"username": username, "password": password or username}
        if scope is not None:
            data["scope"] = scope
        r = requests.post(url("/api/auth"), data=data, timeout=10)
        assert r.status_code == 200, r.text
        _token_cache[key] = cached = (r.json()["access_token"], time.time())
    return cached[0]


def auth_headers(username, **kw):
    return {"Authorization": "Bearer " + login(username, **kw)}


def db_query(sql, *params):
    """Runs sql on the devstack database as root over the unix socket; returns rows as lists of str/None.

    params are substituted as SQL string literals (test data only, escaped)."""
    def lit(v):
        if v is None:
            return "NULL"
        if isinstance(v, int):
            return str(v)
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, "placeholder count"
    text = parts[0] + "".join(lit(p) + rest for p, rest in zip(params, parts[1:]))
    out = subprocess.run(
        ["mariadb", "--socket=" + DB_SOCKET, "-uroot", "--batch", "--skip-column-names", "--raw", DB_NAME, "-e", text],
        check=True, capture_output=True, text=True)
    rows = []
    for line in out.stdout.splitlines():
        rows.append([None if c == "NULL" else c for c in line.split("\t")])
    return rows


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


@pytest.fixture(scope="session")
def admin():
    return auth_headers("demo-admin")


@pytest.fixture(scope="session")
def operator():
    return auth_headers("demo-operator")


@pytest.fixture(scope="session")
def viewer():
    return auth_headers("demo-viewer")


@pytest.fixture(scope="session")
def acme():
    return auth_headers("acme-admin")


@pytest.fixture(scope="session")
def demo_tenant_id():
    return db_query("SELECT id FROM tenants WHERE name = 'Demo'")[0][0]


@pytest.fixture(scope="session")
def acme_tenant_id():
    return db_query("SELECT id FROM tenants WHERE name = 'Acme'")[0][0]
