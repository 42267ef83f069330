"""tests/check-layers, the rule that lib/'s layers include only downwards, and that it can fail.

The check runs on the tree as it is (it must pass) and on copies of lib/ with one include put
where the rule forbids it (it must fail and name the file, the line and the layers).
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(ROOT, "tests", "check-layers")


def run_check(root):
    return subprocess.run([CHECK, root], capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path):
    """A copy of lib/ (sources and headers only) in a scratch root."""
    dst = tmp_path / "root"
    shutil.copytree(os.path.join(ROOT, "lib"), dst / "lib",
                    ignore=lambda d, names: [n for n in names
                                             if os.path.isfile(os.path.join(d, n)) and not n.endswith((".c", ".h"))])
    return dst


def add_include(root, rel, line):
    """Puts line after the first #include of lib/rel; returns its line number."""
    path = root / "lib" / rel
    lines = path.read_text().split("\n")
    at = next(i for i, l in enumerate(lines) if l.startswith("#include")) + 1
    lines.insert(at, line)
    path.write_text("\n".join(lines))
    return at + 1


def test_the_tree_keeps_the_layers():
    r = run_check(ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_the_copy_keeps_the_layers(tree):
    assert run_check(str(tree)).returncode == 0


@pytest.mark.parametrize("rel, include, why", [
    # The domain never sees the request or the envelopes.
    ("stock/ledger.c", '#include "web/req.h"', 'stock includes "web/req.h" from web, a layer above it'),
    ("count/count.c", '#include "web/envelope.h"', 'count includes "web/envelope.h" from web'),
    ("db/db.c", '#include "stock/ledger.h"', 'db includes "stock/ledger.h" from stock'),
    ("base/buf.c", '#include "db/db.h"', 'base includes "db/db.h" from db'),
    ("web/req.h", '#include "html/page.h"', 'web includes "html/page.h" from html'),
    ("stock/itx.c", '#include "count/count.h"', 'stock includes "count/count.h" from count'),
    # The users' rules sit under the domain of stock: they never see the request or the ledger.
    ("account/user.c", '#include "web/auth.h"', 'account includes "web/auth.h" from web'),
    ("account/user.c", '#include "stock/ledger.h"', 'account includes "stock/ledger.h" from stock'),
    ("db/db.c", '#include "account/user.h"', 'db includes "account/user.h" from account'),
    # An include that names no folder could be anything (json.h was json-c's or ours).
    ("stock/itx.c", '#include "arena.h"', '"arena.h" names no layer folder'),
    ("web/app.c", '#include "tests/fuzz.h"', 'is not in a layer folder'),
    # MariaDB's and libfcgi's headers each belong to one layer.
    ("stock/itx.c", "#include <mysql.h>", "<mysql.h> belongs to lib/db only"),
    ("html/page.c", "#include <fcgiapp.h>", "<fcgiapp.h> belongs to lib/web only"),
])
def test_a_wrong_include_fails(tree, rel, include, why):
    line = add_include(tree, rel, include)
    r = run_check(str(tree))
    assert r.returncode == 1
    assert "lib/%s:%d: " % (rel, line) in r.stderr
    assert why in r.stderr
    # Only the planted include is reported.
    assert sum(l.startswith("lib/") for l in r.stderr.splitlines()) == 1, r.stderr


@pytest.mark.parametrize("rel, include", [
    ("html/page.c", '#include "web/req.h"'),
    ("html/page.c", '#include "stock/ledger.h"'),
    ("count/count.c", '#include "stock/ledger.h"'),
    ("stock/itx.c", '#include "db/sql.h"'),
    ("db/sql.c", '#include "base/arena.h"'),
    ("web/auth.c", '#include "account/user.h"'),
    ("stock/itx.c", '#include "account/scope.h"'),
    ("account/user.c", '#include "db/sql.h"'),
    ("web/app.c", '#include "web/req.h"'),
    ("db/db_nodes.c", "#include <mysql.h>"),
])
def test_downward_and_same_layer_includes_pass(tree, rel, include):
    add_include(tree, rel, include)
    r = run_check(str(tree))
    assert r.returncode == 0, r.stderr


def test_a_folder_that_is_no_layer_fails(tree):
    (tree / "lib" / "misc").mkdir()
    (tree / "lib" / "misc" / "x.c").write_text('/* x */\n#include "base/arena.h"\n')
    r = run_check(str(tree))
    assert r.returncode == 1
    assert "lib/misc: not a layer" in r.stderr
