"""Shared fixtures for end-to-end tests against the running devstack (nginx + handlers + MariaDB)."""
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests

# The browser and reliability suites load this file from elsewhere: its neighbour must be found too.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402

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


# --- every response of an e2e test checked against docs/openapi.json (openapi_check.py) ----------

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
_recording = None  # the list responses are appended to while an e2e test runs, else None
_document = None
_send = requests.Session.send


def _recording_send(self, request, **kw):
    response = _send(self, request, **kw)
    if _recording is not None and request.url.startswith(BASE_URL + "/"):
        _recording.append(response)
    return response


requests.Session.send = _recording_send


def _problems(responses):
    global _document
    if _document is None:
        _document = openapi_check.Document()
    for r in responses:
        # A streamed body the test did not read is not read here either (status and type still are).
        body = r._content.decode("utf-8", "replace") if isinstance(r._content, bytes) else None
        problem = _document.check(r.request.method, r.request.url, r.status_code,
                                  r.headers.get("Content-Type"), body or None, r.headers)
        if problem:
            yield "%s %s -> %d: %s" % (r.request.method, r.request.path_url, r.status_code, problem)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Records the test's responses; a passing test whose responses the document does not describe fails.
    Only for tests under tests/e2e (tests/reliability and tests/cluster copy this conftest's names)."""
    global _recording
    if not str(item.fspath).startswith(E2E_DIR + os.sep):
        yield
        return
    _recording = responses = []
    try:
        outcome = yield
    finally:
        _recording = None
    if outcome.excinfo is None:
        problems = list(_problems(responses))
        if problems:
            pytest.fail("responses not described by docs/openapi.json:\n" + "\n".join(problems[:20]),
                        pytrace=False)
