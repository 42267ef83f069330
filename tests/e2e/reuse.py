"""For the suites that reuse the end-to-end suite's helpers and fixtures (tests/reliability,
tests/cluster): each runs in its own pytest process, where this loads tests/e2e/conftest.py under
another module name and copies its helpers and fixtures into the caller's conftest (pytest finds
fixtures among a conftest's attributes)."""
import importlib.util
import os
import sys

E2E = os.path.dirname(os.path.abspath(__file__))


def export_e2e_conftest(namespace):
    """Loads the e2e conftest once, copies its public names into namespace, returns the module."""
    e2e = sys.modules.get("e2e_conftest")
    if e2e is None:
        spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(E2E, "conftest.py"))
        e2e = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(e2e)
        sys.modules["e2e_conftest"] = e2e
    namespace.update({k: v for k, v in vars(e2e).items() if not k.startswith("__")})
    return e2e
