"""Reliability suite: shares the end-to-end suite's helpers and fixtures (tests/e2e/reuse.py).

STOCKTAKE_LONG=1 (./devstack test --long) selects the long form of the load and fault tests.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from reuse import export_e2e_conftest  # noqa: E402

e2e = export_e2e_conftest(globals())

LONG = os.environ.get("STOCKTAKE_LONG") == "1"


def _headers_per_module(username):
    """The long form runs for over an hour, longer than a token lives: headers with a token at most
    TOKEN_REUSE_S old for each test module, instead of one fixed for the whole session."""
    @pytest.fixture(scope="module")
    def headers():
        return e2e.auth_headers(username)
    return headers


admin = _headers_per_module("demo-admin")
operator = _headers_per_module("demo-operator")
viewer = _headers_per_module("demo-viewer")
acme = _headers_per_module("acme-admin")
