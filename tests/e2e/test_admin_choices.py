"""The warehouse select of the admin transactions page comes from each worker's copy of the choices
while the fingerprint its page query reads along is the copy's (lib/html/choices.h): every page,
from whichever worker, shows the warehouses as the database holds them at that moment, through a
new warehouse, a rename, a new code (the order) and a delete."""
import html
import re

import requests

from conftest import db_query, unique, url
from ondi import call

PREFIX = "e2e-choice"
# More tries than a pool has workers (8 in devstack): every worker answers at least once.
TRIES = 16


def page_options(path, tok):
    r = requests.get(url(path), cookies={"stocktake_token": tok}, allow_redirects=False, timeout=10)
    assert r.status_code == 200, r.text[:300]
    select = re.search(r'<select name="warehouse_id">(.*?)</select>', r.text, re.S)
    assert select, "the page has a warehouse select"
    return [(html.unescape(v), html.unescape(label))
            for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))][1:]


def truth(tenant_id, chosen):
    """The first 300 warehouses in code order; a chosen one beyond them takes the last place
    (lib/html/listing.c, read_choices), as on a database that many e2e runs have filled."""
    label = "SELECT id, CONCAT(code, ' · ', name) FROM warehouses WHERE tenant_id = ?"
    rows = [(r[0], r[1]) for r in db_query(label + " ORDER BY code LIMIT 300", tenant_id)]
    if len(rows) == 300 and chosen not in [r[0] for r in rows]:
        rows[-1] = tuple(db_query(label + " AND id = ?", tenant_id, chosen)[0])
    return rows


def write(method, path, admin, body=None):
    r = call(method, path, admin, body)
    assert r.status_code in (200, 201), r.text
    return r.json().get("warehouse", {})


def test_every_page_shows_the_warehouses_of_the_moment(admin, demo_tenant_id):
    tok = admin["Authorization"].split(" ", 1)[1]
    held = db_query("SELECT warehouse_id FROM inventory_transactions WHERE tenant_id = ?"
                    " AND warehouse_id IS NOT NULL ORDER BY timestamp DESC LIMIT 1", demo_tenant_id)
    assert held, "the demo data holds transactions"
    # A page with rows: the fingerprint comes with them.
    path = "/admin/transactions?warehouse_id=%s" % held[0][0]
    code = unique(PREFIX).upper()
    steps = [
        ("before", lambda: None),
        ("created", lambda: created.update(write("POST", "warehouses", admin, {"name": "Choice", "code": code}))),
        ("renamed", lambda: write("PATCH", "warehouses/" + created["id"], admin, {"name": "Choice <renamed>"})),
        ("recoded", lambda: write("PATCH", "warehouses/" + created["id"], admin, {"code": "A" + code})),
        ("deleted", lambda: write("DELETE", "warehouses/" + created["id"], admin)),
    ]
    created = {}
    for name, change in steps:
        change()
        want = truth(demo_tenant_id, held[0][0])
        for _ in range(TRIES):
            assert page_options(path, tok) == want, name
    db_query("DELETE FROM warehouses WHERE code LIKE ?", "%" + PREFIX.upper() + "-%")
