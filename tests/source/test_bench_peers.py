"""The peers of `./devstack bench --peers` (tests/bench/peers/) run stocktake's own statements: every
statement they name is in statements.json, and those that lib/ writes as one string literal are
lib/'s text exactly (the bench's pre-check compares the rest with the general log of a real run)."""
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PEERS = os.path.join(ROOT, "tests", "bench", "peers")
# The statements lib/ writes whole (the others are put together from macros or pieces).
LITERAL = ("user_row", "warehouse_check", "pick_bin_frozen", "pick_bin_share", "pick_lock_stock",
           "pick_update_stock", "pick_insert")
# How each peer names a statement of statements.json.
NAMED = {"node/server.js": r"SQL\.(\w+)", "fastapi/app.py": r"run\(cur, \"(\w+)\"",
         "php/index.php": r"run\(\$db, '(\w+)'"}


def statements():
    with open(os.path.join(PEERS, "statements.json")) as f:
        return json.load(f)


def c_literals():
    """Every string literal of lib/, adjacent literals joined as the compiler joins them."""
    out = set()
    for top, _dirs, files in os.walk(os.path.join(ROOT, "lib")):
        for name in files:
            if name.endswith((".c", ".h")):
                with open(os.path.join(top, name), errors="replace") as f:
                    text = re.sub(r'"(?:\s|\\\n)*"', "", f.read())
                out.update(re.findall(r'"((?:[^"\\\n]|\\.)*)"', text))
    return out


def test_every_statement_a_peer_names_is_there():
    known = statements()
    for path, pattern in NAMED.items():
        with open(os.path.join(PEERS, path)) as f:
            names = set(re.findall(pattern, f.read()))
        assert names, path
        assert names <= set(known), "%s names %s" % (path, sorted(names - set(known)))


def test_literal_statements_are_libs():
    known, literals = statements(), c_literals()
    for name in LITERAL:
        assert known[name] in literals, "statements.json %s is not lib/'s text" % name
