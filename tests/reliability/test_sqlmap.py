"""SQL injection: sqlmap (Debian package) with a valid token against the list endpoints' query parameters and the
create endpoints' JSON fields, as documented in docs/openapi.json. Fails when sqlmap reports an injectable parameter.

Quick form: sqlmap --level 1 --risk 1 on a subset (every list endpoint's free-text `search` and one id filter,
two JSON fields of every create). Long form (STOCKTAKE_LONG=1): every documented parameter and every JSON field
of the base bodies, --level 3 --risk 2. Requests run as acme-admin, so the rows sqlmap creates land in tenant Acme.
"""
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BASE_URL, ROOT, login, unique, url
from hostile import VAR
from ondi import new_bin, new_item, new_stock, new_warehouse

LONG = os.environ.get("STOCKTAKE_LONG") == "1"
LEVEL, RISK = (3, 2) if LONG else (1, 1)
# sqlmap's verdicts, not its heuristics: "appears to be ... injectable" is a guess it goes on to
# confirm or drop ("false positive or unexploitable"); a create whose answer changes with the data
# (stock running out under a stream of picks) makes it guess.
VULNERABLE = re.compile(r"is vulnerable|identified the following injection point", re.I)
TESTED = re.compile(r"do(es)? not (seem|appear) to be injectable", re.I)
QUICK_PARAMS = {"search", "warehouse_id"}

pytestmark = pytest.mark.skipif(shutil.which("sqlmap") is None, reason="sqlmap is not installed (devstack installs it)")


def document():
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def acme():
    # A new token: the long form's sqlmap runs take a good part of a token's hour.
    token = login("acme-admin", fresh=True)
    h = {"Authorization": "Bearer " + token}
    wh = new_warehouse(h)
    b = new_bin(h, wh["id"])
    item = new_item(h)
    stock = new_stock(h, wh["id"], item["id"], b["id"], quantity=10)
    tenant = requests.get(url("/api/auth/me"), headers=h, timeout=10).json()["user"]["tenant_id"]
    return {"h": h, "token": token, "tenant": tenant, "wh": wh["id"], "bin": b["id"],
            "item": item["id"], "stock": stock["id"]}


def query_value(name, a):
    values = {"search": "abc", "page": "1", "limit": "5", "offset": "0", "tenant_id": a["tenant"],
              "warehouse_id": a["wh"], "item_id": a["item"], "stock_id": a["stock"], "bin_id": a["bin"],
              "code": "WH", "sku": "SKU", "barcode": "4006381333931", "category": "c", "status": "active", "location_type": "bin",
              "lot_number": "L1", "transaction_type": "receive", "reference_type": "order",
              "timestamp_range_start": "2026-01-01T00:00:00Z", "timestamp_range_end": "2030-01-01T00:00:00Z",
              "format": "json", "type": "position", "updated_since": "2026-01-01T00:00:00Z",
              "after": "start", "dry_run": "true"}
    assert name in values, "no base value for query parameter %r: add one to test_sqlmap.query_value" % name
    return values[name]


def create_body(path, a):
    bodies = {
        "/api/users": {"username": unique("sqlmap"), "password": "sqlmap-pass-1", "first_name": "Sql",
                       "last_name": "Map", "email": "sql@example.com", "scopes": ["view:tenant"]},
        "/warehousing/warehouses": {"name": "SqlMap", "code": unique("SQ"), "address": "Street 1"},
        "/warehousing/bins": {"warehouse_id": a["wh"], "code": unique("SQ"), "location_type": "bin",
                              "security_level": "low"},
        "/warehousing/items": {"sku": unique("SQ"), "name": "SqlMap", "category": "c", "description": "d",
                               "unit_of_measure": "ea"},
        "/warehousing/stocks": {"warehouse_id": a["wh"], "item_id": a["item"], "bin_id": a["bin"], "quantity": 1,
                                "lot_number": unique("L"), "serial_number": "S1"},
        "/warehousing/inventory-transactions": {
            "warehouse_id": a["wh"], "item_id": a["item"], "stock_id": a["stock"], "transaction_type": "receive",
            "quantity": 1, "reference_id": "SO-1", "reference_type": "order", "notes": "n"},
        "/inventory/count-session": {"count_session": {"type": "position", "description": "sqlmap", "notes": "n"},
                                     "assignments": [{"user_key": "user/acme-admin", "target_keys": [[a["bin"]]]}]},
    }
    assert path in bodies, "no base body for POST %s: add one to test_sqlmap.create_body" % path
    return bodies[path]


def marked(body, key_path):
    """The body as JSON text with sqlmap's injection marker after the string value at key_path."""
    b = json.loads(json.dumps(body))
    target = b
    for k in key_path[:-1]:
        target = target[k]
    target[key_path[-1]] = "%s*" % target[key_path[-1]]
    return json.dumps(b)


def string_fields(body, prefix=()):
    for k, v in body.items():
        if isinstance(v, str):
            yield prefix + (k,)
        elif isinstance(v, dict):
            yield from string_fields(v, prefix + (k,))


def targets(a):
    """(id, sqlmap arguments) for every parameter under test."""
    doc, out = document(), []
    for path, ops in sorted(doc["paths"].items()):
        if "{" in path or path.startswith("/api/auth") or path.endswith(("ledger-check", "openapi.json")):
            continue
        if "get" in ops:
            names = [p["name"] for p in ops["get"].get("parameters", []) if p.get("in") == "query"]
            chosen = [n for n in names if LONG or n in QUICK_PARAMS]
            for n in chosen:
                query = "&".join("%s=%s" % (m, query_value(m, a)) for m in names if m != "tenant_id" or m == n)
                out.append(("GET %s ?%s" % (path, n), ["-u", BASE_URL + path + "?" + query, "-p", n]))
        if "post" in ops:
            body = create_body(path, a)
            fields = list(string_fields(body))
            for f in fields if LONG else fields[:2]:
                out.append(("POST %s %s" % (path, ".".join(f)),
                            ["-u", BASE_URL + path, "--data", marked(body, f), "--method", "POST"]))
    return out


def run_sqlmap(name, args, headers):
    """sqlmap on one injection point; returns (name, exit status, everything it printed)."""
    outdir = os.path.join(VAR, "sqlmap", re.sub(r"[^A-Za-z0-9]+", "_", name))
    cmd = ["sqlmap", "--batch", "--flush-session", "--disable-coloring", "--level", str(LEVEL), "--risk", str(RISK),
           "--time-sec", "2", "--output-dir", outdir, "--headers", "\n".join(headers)] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    return name, p.returncode, p.stdout + p.stderr


def verdicts(results):
    """(findings, runs that did not complete) from sqlmap's output."""
    findings, untested = [], []
    for name, rc, out in results:
        if VULNERABLE.search(out):
            findings.append("%s:\n%s" % (name, "\n".join(l for l in out.splitlines() if VULNERABLE.search(l))))
        elif not TESTED.search(out) or "401 (Unauthorized)" in out:
            untested.append("%s (exit %d):\n%s" % (name, rc, out[-1500:]))
    return findings, untested


VULNERABLE_APP = """
import sqlite3, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse
db = sqlite3.connect(":memory:", check_same_thread=False)
db.executescript("CREATE TABLE t (id INTEGER, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');")
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        q = parse_qs(urlparse(self.path).query).get("id", ["1"])[0]
        try:
            rows = db.execute("SELECT name FROM t WHERE id = " + q).fetchall()  # the injection
            body, code = repr(rows).encode(), 200
        except Exception:
            body, code = b"error", 500
        self.send_response(code); self.end_headers(); self.wfile.write(body)
s = HTTPServer(("127.0.0.1", 0), H); print(s.server_port, flush=True); s.serve_forever()
"""


def test_sqlmap_positive_control_finds_a_real_injection():
    """The same sqlmap call and verdict parsing report a deliberately injectable toy server."""
    app = subprocess.Popen(["/usr/bin/python3", "-c", VULNERABLE_APP], stdout=subprocess.PIPE, text=True)
    try:
        port = int(app.stdout.readline())
        result = run_sqlmap("control", ["-u", "http://127.0.0.1:%d/?id=1" % port, "-p", "id"], ["X-Control: 1"])
    finally:
        app.kill()
        app.wait()
    findings, untested = verdicts([result])
    assert findings, result[2][-2000:]


def test_sqlmap_finds_nothing(acme):
    runs = targets(acme)
    assert len(runs) >= (60 if LONG else 15), [r[0] for r in runs]
    headers = ["Authorization: Bearer " + acme["token"], "Content-Type: application/json"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda r: run_sqlmap(r[0], r[1], headers), runs))
    findings, untested = verdicts(results)
    print("sqlmap level %d risk %d: %d parameters tested, %d findings" % (LEVEL, RISK, len(runs), len(findings)))
    assert not findings, "\n\n".join(findings)
    assert not untested, "sqlmap did not complete:\n\n" + "\n\n".join(untested)
    # The stack is still whole afterwards.
    assert requests.get(url("/warehousing/items"), headers=acme["h"], timeout=10).status_code == 200
