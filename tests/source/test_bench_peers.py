"""The peers of `./devstack bench --peers` (tests/bench/peers/) run stocktake's own statements: every
statement they name is in statements.json, and those that lib/ writes as one string literal are
lib/'s text exactly, and those lib/ puts together from macros hold the macros' text (the bench's
pre-check compares them whole with the general log of a real run)."""
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PEERS = os.path.join(ROOT, "tests", "bench", "peers")
# The statements lib/ writes whole (the others are put together from macros or pieces).
LITERAL = ("user_row", "warehouse_check", "pick_lock", "pick_post")
# Statements lib/ puts together, and the pieces (written as in C: literals and lib/'s macros) that
# each must contain, in this order.
PIECES = {
    "list_page": ('", " USER_PROBE_COLUMN', '", " TX_STATS_BEGIN TX_STATS_WAREHOUSE TX_STATS_END'),
    "get": ("TX_FLAT_COLUMNS", '", " USER_PROBE_COLUMN'),
}
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


def c_macros():
    """name -> body of every object-like #define of lib/ (continuation lines joined)."""
    out = {}
    for top, _dirs, files in os.walk(os.path.join(ROOT, "lib")):
        for name in files:
            if name.endswith(".h"):
                with open(os.path.join(top, name), errors="replace") as f:
                    text = f.read().replace("\\\n", " ")
                for m in re.finditer(r"^#define (\w+)[ \t]+(.*)$", text, re.M):
                    out[m.group(1)] = m.group(2)
    return out


def expand(text, macros):
    """The string a sequence of C string literals and macro names stands for."""
    out = []
    for lit, name in re.findall(r'"((?:[^"\\]|\\.)*)"|(\w+)', text):
        out.append(expand(macros[name], macros) if name else lit)
    return "".join(out)


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


def test_statements_hold_libs_macros():
    known, macros = statements(), c_macros()
    for name, pieces in PIECES.items():
        at = 0
        for piece in pieces:
            text = expand(piece, macros)
            found = known[name].find(text, at)
            assert found >= 0, "statements.json %s lacks lib/'s %s: %s" % (name, piece, text)
            at = found + len(text)
