"""Reliability suite: shares the end-to-end suite's helpers and fixtures.

Runs in its own pytest process (tests/run-all), so the e2e conftest is loaded
here under another module name. STOCKTAKE_LONG=1 (./devstack test --long)
selects the long form of the load and fault tests.
"""
import importlib.util
import os
import sys

_E2E = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e")
sys.path.insert(0, _E2E)

_spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(_E2E, "conftest.py"))
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)
sys.modules["e2e_conftest"] = e2e

# Re-export helpers and fixtures (pytest finds fixtures among a conftest's attributes).
globals().update({k: v for k, v in vars(e2e).items() if not k.startswith("__")})

LONG = os.environ.get("STOCKTAKE_LONG") == "1"


# The long form runs for over an hour, longer than a token lives: these hand out headers with a
# token at most TOKEN_REUSE_S old for each test module, instead of one fixed for the whole session.
@e2e.pytest.fixture(scope="module")
def admin():
    return e2e.auth_headers("demo-admin")


@e2e.pytest.fixture(scope="module")
def operator():
    return e2e.auth_headers("demo-operator")


@e2e.pytest.fixture(scope="module")
def viewer():
    return e2e.auth_headers("demo-viewer")


@e2e.pytest.fixture(scope="module")
def acme():
    return e2e.auth_headers("acme-admin")
