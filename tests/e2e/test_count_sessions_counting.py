"""E2E tests of counting in count sessions: records and recounts, conflicts and resolutions, blind mode,
variances (JSON and CSV), apply through the stock ledger, CSV imports, position locks."""
import csv
import io

import pytest

from conftest import db_query, unique
from ondi import call, new_bin, new_item, new_stock, new_warehouse
from test_count_sessions import OPERATOR_KEY, ACME_BIN, act, acted, create, cs, err, get, ok, simple_body

ADMIN_KEY = "user/demo-admin"
# Field names that carry what the system holds; a blind counter must never see them.
SYSTEM_FIELDS = ('"system_qt"', '"system_serials"', '"difference"', '"quantity"', '"system_quantity"')


def shop(h):
    """Bins A, B and C of a fresh warehouse; items X, Y at A (10 and 5), Z at B (7, lot L1), W nowhere."""
    wh = new_warehouse(h)
    bins = {n: new_bin(h, wh["id"]) for n in "ABC"}
    items = {n: new_item(h, category="Count") for n in "XYZW"}
    stocks = {
        "X": new_stock(h, wh["id"], items["X"]["id"], bins["A"]["id"], quantity=10),
        "Y": new_stock(h, wh["id"], items["Y"]["id"], bins["A"]["id"], quantity=5),
        "Z": new_stock(h, wh["id"], items["Z"]["id"], bins["B"]["id"], quantity=7, lot_number="L1"),
    }
    return {"wh": wh, "bins": bins, "items": items, "stocks": stocks}


def targets(s, *names):
    return [[s["bins"][n]["id"]] for n in names]


def session(h, s, assignments, **fields):
    """Creates and starts a position session; returns (key, code)."""
    key = create(h, simple_body(None, assignments=assignments, **fields))
    doc = acted(h, key, "start", "started")
    return key, doc["code"]


def record(h, key, s, bin_name, item_name, qty, **fields):
    body = {"bin_id": s["bins"][bin_name]["id"], "item_id": s["items"][item_name]["id"], "counted_qt": qty}
    body.update(fields)
    return cs("POST", "/%s/records" % key, h, body)


def recorded(h, key, s, bin_name, item_name, qty, **fields):
    return ok(record(h, key, s, bin_name, item_name, qty, **fields), "Count recorded successfully")["count_record"]


def records(h, key):
    return ok(cs("GET", "/%s/records" % key, h), "Count records retrieved successfully")


def variances(h, key):
    return ok(cs("GET", "/%s/variances" % key, h), "Count variances retrieved successfully", key)


def pick(h, s, item_name, bin_name, qty):
    st = s["stocks"][item_name]
    body = {"warehouse_id": s["wh"]["id"], "item_id": s["items"][item_name]["id"], "stock_id": st["id"],
            "transaction_type": "pick", "quantity": qty, "from_bin_id": s["bins"][bin_name]["id"]}
    return call("POST", "inventory-transactions", h, body)


def stock_row(bin_id, item_id):
    return db_query("SELECT id, quantity, last_counted_at FROM stocks WHERE bin_id = ? AND item_id = ?",
                    bin_id, item_id)


def count_transactions(code):
    return db_query("SELECT stock_id, quantity, delta, reference_type, performed_by, transaction_type, to_bin_id"
                    " FROM inventory_transactions WHERE reference_id = ? ORDER BY delta", code)


def assert_ledger_consistent(admin, stock_ids):
    resp = call("GET", "inventory-transactions/ledger-check", admin)
    assert resp.status_code == 200, resp.text
    bad = {m["stock_id"] for m in resp.json()["mismatches"]}
    assert not bad & set(stock_ids), resp.text
    for sid in stock_ids:
        row = db_query("SELECT s.quantity, (SELECT COALESCE(SUM(delta), 0) FROM inventory_transactions"
                       " WHERE stock_id = s.id) + (SELECT COALESCE(SUM(to_delta), 0) FROM inventory_transactions"
                       " WHERE to_stock_id = s.id) FROM stocks s WHERE s.id = ?", sid)[0]
        assert row[0] == row[1], (sid, row)


@pytest.fixture
def s(admin):
    return shop(admin)


# ---- records ---------------------------------------------------------------------------------

def test_record_rules(admin, operator, acme, s):
    key = create(admin, simple_body(None, assignments=[{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}]))
    err(record(operator, key, s, "A", "X", 1), 409, "Count session is planned")
    acted(admin, key, "start", "started")
    err(record(admin, key, s, "A", "X", 1), 403, "You are not assigned to this count session")
    err(record(operator, key, s, "B", "Z", 1), 400, "Bin is not among your count targets")
    err(cs("POST", "/%s/records" % key, operator, {"bin_id": ACME_BIN, "item_id": s["items"]["X"]["id"],
                                                   "counted_qt": 1}), 404, "Bin not found")
    err(cs("POST", "/%s/records" % key, operator, {"bin_id": s["bins"]["A"]["id"], "item_id": "nope",
                                                   "counted_qt": 1}), 404, "Item not found")
    err(cs("POST", "/%s/records" % key, operator, {"item_id": s["items"]["X"]["id"], "counted_qt": 1}), 400,
        "Field required: bin_id")
    err(record(operator, key, s, "A", "X", -1), 400, "Invalid counted_qt")
    err(record(operator, key, s, "A", "X", "many"), 400, "counted_qt must be a whole number")
    err(record(operator, key, s, "A", "X", "1"), 400, "counted_qt must be a whole number")
    err(record(operator, key, s, "A", "X", 1.5), 400, "counted_qt must be a whole number")
    err(record(operator, key, s, "A", "X", 2, serials=["S1"]), 400, "Invalid serials")
    err(record(operator, key, s, "A", "X", 2, serials=["S1", "S1"]), 400, "Invalid serials")
    err(record(operator, key, s, "A", "X", 1, colour="red"), 400, "Unknown field: colour")
    err(cs("POST", "/%s/records" % key, operator, raw="[1]"), 400, "Invalid JSON body")
    err(record(acme, key, s, "A", "X", 1), 404, "Count session not found")
    assert records(admin, key)["total"] == 0

    first = recorded(operator, key, s, "A", "X", 2, serials=["S2", "S1"])
    assert first["serials"] == ["S1", "S2"] and first["counted_qt"] == 2 and first["user_key"] == OPERATOR_KEY
    assert first["source"] == "api" and first["conflict"] is False and first["lot_number"] is None
    # A recount by the same user replaces the earlier record.
    again = recorded(operator, key, s, "A", "X", 9)
    assert again["_key"] == first["_key"] and again["counted_qt"] == 9 and again["serials"] is None
    lot = recorded(operator, key, s, "A", "X", 1, lot_number="LOT-9")
    assert lot["_key"] != first["_key"] and lot["lot_number"] == "LOT-9"
    assert records(admin, key)["total"] == 2
    acted(admin, key, "complete", "completed")
    err(record(operator, key, s, "A", "X", 1), 409, "Count session is completed")


def test_progress_counts_targets(admin, operator, s):
    key, _ = session(admin, s, [{"user_key": OPERATOR_KEY,
                                 "target_keys": [[s["bins"]["A"]["id"], s["bins"]["B"]["id"]], [s["bins"]["C"]["id"]]]}])
    assert get(admin, key)["progress"]["targets_counted"] == 0
    recorded(operator, key, s, "A", "X", 10)
    assert get(admin, key)["progress"]["targets_counted"] == 0  # B of the first target still open
    recorded(operator, key, s, "B", "Z", 7, lot_number="L1")
    recorded(operator, key, s, "C", "W", 0)
    resp = get(operator, key)
    assert resp["progress"] == {"targets_counted": 2, "targets_total": 2, "records": 3, "conflicts": 0}
    assert resp["assignments"][0]["progress"] == {"targets_counted": 2, "targets_total": 2}


# ---- conflicts -------------------------------------------------------------------------------

def test_conflicts_recounts_and_resolution(admin, operator, s):
    both = [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")},
            {"user_key": ADMIN_KEY, "target_keys": targets(s, "A")}]
    key, code = session(admin, s, both)
    recorded(operator, key, s, "A", "X", 9)
    assert recorded(admin, key, s, "A", "X", 10)["conflict"] is True
    assert all(r["conflict"] for r in records(admin, key)["count_records"])
    assert get(admin, key)["progress"]["conflicts"] == 1
    err(act(admin, key, "complete"), 409, "Count session has unresolved conflicts")
    # The operator sees only their own records.
    mine = records(operator, key)
    assert mine["total"] == 1 and mine["count_records"][0]["user_key"] == OPERATOR_KEY
    # A recount that agrees ends the conflict.
    assert recorded(operator, key, s, "A", "X", 10)["conflict"] is False
    assert records(admin, key)["total"] == 2
    recorded(admin, key, s, "A", "X", 11)
    line = {"bin_id": s["bins"]["A"]["id"], "item_id": s["items"]["X"]["id"], "counted_qt": 11}
    err(cs("POST", "/%s/records/resolve" % key, operator, line), 403, "Insufficient permissions")
    err(cs("POST", "/%s/records/resolve" % key, admin, dict(line, item_id=s["items"]["W"]["id"])), 404,
        "No count records for this line")
    resp = ok(cs("POST", "/%s/records/resolve" % key, admin, line), "Count conflict resolved successfully", key)
    assert resp["resolution"]["counted_qt"] == 11
    v = variances(admin, key)["variances"]
    x = [l for l in v if l["item_id"] == s["items"]["X"]["id"]][0]
    assert x["resolved"] is True and x["conflict"] is False and x["counted_qt"] == 11 and x["difference"] == 1
    # A new count reopens the line; resolving again settles it.
    recorded(operator, key, s, "A", "X", 12)
    err(act(admin, key, "complete"), 409, "Count session has unresolved conflicts")
    ok(cs("POST", "/%s/records/resolve" % key, admin, line), "Count conflict resolved successfully")
    acted(admin, key, "complete", "completed")
    err(cs("POST", "/%s/records/resolve" % key, admin, line), 409, "Count session is completed")
    acted(admin, key, "apply", "applied")
    assert stock_row(s["bins"]["A"]["id"], s["items"]["X"]["id"])[0][1] == "11"
    assert stock_row(s["bins"]["A"]["id"], s["items"]["Y"]["id"])[0][1] == "0"


# ---- blind counting ----------------------------------------------------------------------------

def test_blind_counter_sees_no_system_quantities(admin, operator, s):
    wh, a = s["wh"], s["bins"]["A"]
    new_stock(admin, wh["id"], s["items"]["W"]["id"], a["id"], quantity=1, serial_number="SN-BLIND-1")
    key, code = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}],
                        blind_quantities=True, blind_serials=True, code=unique("CNT"))
    texts = []

    def seen(resp):
        texts.append(resp.text)
        return resp

    ok(seen(cs("GET", "", operator)), "Count sessions retrieved successfully")
    ok(seen(cs("GET", "", operator, params={"search": code})), "Count sessions retrieved successfully")
    doc = ok(seen(cs("GET", "/" + key, operator)), "Count session retrieved successfully")
    assert doc["lines"] and all("system_qt" not in l for l in doc["lines"])
    ok(seen(record(operator, key, s, "A", "X", 4)), "Count recorded successfully")
    ok(seen(record(operator, key, s, "A", "W", 1, serials=["SN-BLIND-1"])), "Count recorded successfully")
    ok(seen(cs("GET", "/%s/records" % key, operator)), "Count records retrieved successfully")
    err(seen(record(operator, key, s, "B", "Z", 1)), 400, "Bin is not among your count targets")
    err(seen(record(operator, key, s, "A", "X", 2, serials=["a"])), 400, "Invalid serials")
    bins_csv = "bin,sku,counted_qt,lot\n%s,%s,5,\n" % (a["code"], s["items"]["Y"]["sku"])
    ok(seen(cs("POST", "/%s/records/import" % key, operator, csv=bins_csv, params={"dry_run": "true"})),
       "Import checked")
    ok(seen(cs("POST", "/%s/records/import" % key, operator, csv=bins_csv)), "Count records imported successfully")
    err(seen(cs("POST", "/%s/records/import" % key, operator, csv="nope,%s,x\n" % s["items"]["Y"]["sku"])), 400,
        "Import refused: invalid rows")
    err(seen(cs("GET", "/%s/variances" % key, operator)), 403, "Insufficient permissions")
    err(seen(cs("GET", "/%s/variances" % key, operator, params={"format": "csv"})), 403, "Insufficient permissions")
    err(seen(act(operator, key, "complete")), 403, "Insufficient permissions")
    for text in texts:
        for field in SYSTEM_FIELDS:
            assert field not in text, (field, text)
        assert "SN-BLIND-1" not in text or '"serials":["SN-BLIND-1"]' in text  # only the counter's own serials
    # A supervisor sees the system side of the same session.
    lines = get(admin, key)["lines"]
    w = [l for l in lines if l["item_id"] == s["items"]["W"]["id"]][0]
    assert w["system_qt"] == 1 and w["system_serials"] == ["SN-BLIND-1"]
    assert all("system_qt" in r for r in records(admin, key)["count_records"])


def test_not_blind_counter_sees_system_quantities_but_blind_serials_stay_hidden(admin, operator, s):
    new_stock(admin, s["wh"]["id"], s["items"]["W"]["id"], s["bins"]["A"]["id"], quantity=1, serial_number="SN-7")
    key, _ = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}],
                     blind_quantities=False, blind_serials=True)
    lines = get(operator, key)["lines"]
    assert {l["item_id"]: l["system_qt"] for l in lines} == {
        s["items"]["X"]["id"]: 10, s["items"]["Y"]["id"]: 5, s["items"]["W"]["id"]: 1}
    assert all("system_serials" not in l for l in lines)
    rec = recorded(operator, key, s, "A", "X", 8)
    assert rec["system_qt"] == 10 and "system_serials" not in rec
    # Lines outside the counter's targets are not listed to them; a supervisor sees all of them.
    key2, _ = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")},
                                 {"user_key": ADMIN_KEY, "target_keys": targets(s, "B")}])
    assert {l["bin_id"] for l in get(operator, key2)["lines"]} == {s["bins"]["A"]["id"]}
    assert {l["bin_id"] for l in get(admin, key2)["lines"]} == {s["bins"]["A"]["id"], s["bins"]["B"]["id"]}


# ---- variances and apply ---------------------------------------------------------------------------

def test_apply_posts_exactly_the_variances_and_keeps_movements(admin, operator, s):
    key, code = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A", "B")}])
    # A pick during the count: the stock is 7 now, the baseline said 10.
    assert pick(admin, s, "X", "A", 3).status_code == 201
    recorded(operator, key, s, "A", "X", 9)                   # -1 against the baseline
    recorded(operator, key, s, "B", "Z", 7, lot_number="L1")  # no variance
    recorded(operator, key, s, "B", "W", 4)                   # found where the system had nothing: +4
    # Y at A was not recorded although A was counted: counted as 0 (-5).
    err(act(admin, key, "apply"), 409, "Count session is started")
    doc = acted(admin, key, "complete", "completed")
    assert doc["post_count_snapshot_key"]
    v = variances(admin, key)
    assert v["summary"] == {"lines": 4, "variances": 3, "conflicts": 0}
    by_item = {l["item_id"]: l for l in v["variances"]}
    assert {k: (l["system_qt"], l["counted_qt"], l["difference"]) for k, l in by_item.items()} == {
        s["items"]["X"]["id"]: (10, 9, -1), s["items"]["Y"]["id"]: (5, 0, -5),
        s["items"]["Z"]["id"]: (7, 7, 0), s["items"]["W"]["id"]: (0, 4, 4)}
    assert by_item[s["items"]["Z"]["id"]]["lot_number"] == "L1"
    assert count_transactions(code) == []

    doc = acted(admin, key, "apply", "applied")
    assert doc["adjustment_list_key"] and doc["post_adjustment_snapshot_key"] and doc["applied"]
    a, b = s["bins"]["A"]["id"], s["bins"]["B"]["id"]
    x, y = stock_row(a, s["items"]["X"]["id"]), stock_row(a, s["items"]["Y"]["id"])
    z, w = stock_row(b, s["items"]["Z"]["id"]), stock_row(b, s["items"]["W"]["id"])
    assert [r[0][1] for r in (x, y, z, w)] == ["6", "0", "7", "4"]  # 7 - 1: the pick is kept
    assert all(r[0][2] for r in (x, y, z, w))  # last_counted_at
    admin_id = db_query("SELECT id FROM users WHERE username = 'demo-admin'")[0][0]
    txs = count_transactions(code)
    assert [(t[0], t[1], t[2]) for t in txs] == [(y[0][0], "0", "-5"), (x[0][0], "6", "-1"), (w[0][0], "4", "4")]
    assert all(t[3] == "audit" and t[4] == admin_id and t[5] == "count" for t in txs)
    adjustments = db_query("SELECT COUNT(*) FROM count_adjustments WHERE list_id = ?", doc["adjustment_list_key"])
    assert adjustments == [["3"]]
    snap = db_query("SELECT COUNT(*) FROM count_snapshot_lines WHERE snapshot_id = ?", doc["post_adjustment_snapshot_key"])
    assert snap == [["4"]]
    assert_ledger_consistent(admin, [x[0][0], y[0][0], z[0][0], w[0][0]])
    # A second apply changes nothing.
    err(act(admin, key, "apply"), 409, "Count session is applied")
    assert len(count_transactions(code)) == 3
    assert stock_row(a, s["items"]["X"]["id"])[0][1] == "6"


def test_apply_refuses_negative_stock(admin, operator, s):
    key, code = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}])
    assert pick(admin, s, "X", "A", 8).status_code == 201  # 2 left
    recorded(operator, key, s, "A", "X", 5)                # baseline 10: -5 would leave -3
    recorded(operator, key, s, "A", "Y", 5)
    acted(admin, key, "complete", "completed")
    body = err(act(admin, key, "apply"), 409, "Stock would become negative")
    assert s["items"]["X"]["sku"] in body["detail"]
    assert get(admin, key)["count_session"]["status"] == "completed"
    assert count_transactions(code) == []
    assert stock_row(s["bins"]["A"]["id"], s["items"]["X"]["id"])[0][1] == "2"


def test_product_session(admin, operator, s):
    extra = new_stock(admin, s["wh"]["id"], s["items"]["X"]["id"], s["bins"]["B"]["id"], quantity=4)
    key = create(admin, simple_body([s["items"]["X"]["id"]], type="product"))
    doc = acted(admin, key, "start", "started")
    err(record(operator, key, s, "A", "Y", 5), 400, "Item is not among your count targets")
    recorded(operator, key, s, "A", "X", 10)
    recorded(operator, key, s, "B", "X", 3)
    recorded(operator, key, s, "C", "X", 2)
    acted(admin, key, "complete", "completed")
    v = variances(admin, key)
    assert v["summary"] == {"lines": 3, "variances": 2, "conflicts": 0}
    acted(admin, key, "apply", "applied")
    assert stock_row(s["bins"]["B"]["id"], s["items"]["X"]["id"])[0][1] == "3"
    assert stock_row(s["bins"]["C"]["id"], s["items"]["X"]["id"])[0][1] == "2"
    assert stock_row(s["bins"]["A"]["id"], s["items"]["Y"]["id"])[0][1] == "5"  # not a target: untouched
    assert len(count_transactions(doc["code"])) == 2
    assert_ledger_consistent(admin, [extra["id"], stock_row(s["bins"]["C"]["id"], s["items"]["X"]["id"])[0][0]])


def test_variances_csv(admin, operator, s):
    key, _ = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}])
    err(cs("GET", "/%s/variances" % key, admin, params={"format": "xml"}), 400, "Invalid format")
    recorded(operator, key, s, "A", "X", 12)
    resp = cs("GET", "/%s/variances" % key, admin, params={"format": "csv"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == ["bin_code", "sku", "item_name", "lot_number", "system_qt", "counted_qt", "difference",
                       "conflict"]
    by_sku = {r[1]: r for r in rows[1:]}
    assert by_sku[s["items"]["X"]["sku"]][4:] == ["10", "12", "2", "false"]
    assert by_sku[s["items"]["Y"]["sku"]][4:] == ["5", "0", "-5", "false"]
    planned = create(admin, simple_body(targets(s, "A")[0]))
    err(cs("GET", "/%s/variances" % planned, admin), 409, "Count session is planned")


# ---- import -------------------------------------------------------------------------------------

def test_import_reports_every_bad_row_and_imports_all_or_nothing(admin, operator, s):
    key, _ = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A", "B")}])
    A, B, C = (s["bins"][n]["code"] for n in "ABC")
    X, Y, Z = (s["items"][n]["sku"] for n in "XYZ")
    bad = "\n".join([
        "bin,sku,counted_qt,lot",
        "%s,%s,9," % (A, X),
        "%s,%s,abc" % (A, Y),
        "NOPE-%s,%s,1" % (A, X),
        "%s,NOSKU,1" % B,
        "%s,%s,1" % (C, X),
        "%s,%s,8" % (A, X),
        "%s,%s" % (A, X),
        '"%s",%s,7,L1' % (B, Z),
    ]) + "\n"
    resp = ok(cs("POST", "/%s/records/import" % key, operator, csv=bad, params={"dry_run": "true"}), "Import checked")
    assert resp["valid"] is False and resp["rows"] == 8
    assert [(e["line"], e["message"]) for e in resp["errors"]] == [
        (3, "Invalid counted_qt: abc"), (4, "Unknown bin: NOPE-%s" % A), (5, "Unknown sku: NOSKU"),
        (6, "Bin is not among your count targets"), (7, "Duplicate line: the same bin, sku and lot are on line 2"),
        (8, "Expected 3 or 4 fields (bin, sku, counted_qt, lot), got 2")]
    assert records(admin, key)["total"] == 0
    body = err(cs("POST", "/%s/records/import" % key, operator, csv=bad), 400, "Import refused: invalid rows")
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6, 7, 8]
    assert records(admin, key)["total"] == 0

    good = "%s,%s,9\r\n%s,%s,7,L1\r\n" % (A, X, B, Z)
    resp = ok(cs("POST", "/%s/records/import" % key, operator, csv=good, params={"dry_run": "1"}), "Import checked")
    assert resp["valid"] is True and resp["errors"] == [] and records(admin, key)["total"] == 0
    resp = ok(cs("POST", "/%s/records/import" % key, operator, csv=good), "Count records imported successfully")
    assert resp["imported"] == 2
    got = records(admin, key)["count_records"]
    assert sorted((r["sku"], r["counted_qt"], r["lot_number"], r["source"]) for r in got) == sorted(
        [(X, 9, None, "import"), (Z, 7, "L1", "import")])


def test_import_refusals(admin, operator, s):
    key = create(admin, simple_body(None, assignments=[{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}]))
    row = "%s,%s,1\n" % (s["bins"]["A"]["code"], s["items"]["X"]["sku"])
    err(cs("POST", "/%s/records/import" % key, operator, csv=row), 409, "Count session is planned")
    acted(admin, key, "start", "started")
    err(cs("POST", "/%s/records/import" % key, admin, csv=row), 403, "You are not assigned to this count session")
    err(cs("POST", "/%s/records/import" % key, operator, csv=row, params={"dry_run": "maybe"}), 400,
        "Invalid dry_run")
    err(cs("POST", "/%s/records/import" % key, operator, csv='a,"b\n'), 400, "Invalid CSV")
    err(cs("POST", "/%s/records/import" % key, operator, csv="bin,sku,counted_qt\n"), 400, "No rows to import")
    err(cs("POST", "/%s/records/import" % key, operator, csv=row * 5001), 400, "Too many rows")


def test_import_bin_code_used_in_two_warehouses(admin, operator, s):
    other = new_bin(admin, new_warehouse(admin)["id"], code=s["bins"]["A"]["code"])
    key, _ = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}])
    row = "%s,%s,4\n" % (s["bins"]["A"]["code"], s["items"]["X"]["sku"])
    ok(cs("POST", "/%s/records/import" % key, operator, csv=row), "Count records imported successfully")
    assert records(admin, key)["count_records"][0]["bin_id"] == s["bins"]["A"]["id"]
    product = create(admin, simple_body([s["items"]["X"]["id"]], type="product"))
    acted(admin, product, "start", "started")
    resp = ok(cs("POST", "/%s/records/import" % product, operator, csv=row, params={"dry_run": "true"}), "Import checked")
    assert resp["errors"][0]["message"].startswith("Ambiguous bin code")
    by_id = "%s,%s,4\n" % (other["id"], s["items"]["X"]["sku"])
    assert ok(cs("POST", "/%s/records/import" % product, operator, csv=by_id, params={"dry_run": "true"}),
              "Import checked")["valid"] is True


# ---- position locks -----------------------------------------------------------------------------

def test_lock_positions_refuses_picks_and_moves_out_of_counted_bins(admin, s):
    key, code = session(admin, s, [{"user_key": OPERATOR_KEY, "target_keys": targets(s, "A")}], lock_positions=True)
    resp = pick(admin, s, "X", "A", 1)
    assert resp.status_code == 409, resp.text
    assert resp.json()["message"] == "Bin is locked by count session %s" % code
    st = s["stocks"]["X"]
    move = {"warehouse_id": s["wh"]["id"], "item_id": s["items"]["X"]["id"], "stock_id": st["id"],
            "transaction_type": "move", "quantity": 1, "from_bin_id": s["bins"]["A"]["id"],
            "to_bin_id": s["bins"]["C"]["id"]}
    assert call("POST", "inventory-transactions", admin, move).status_code == 409
    assert pick(admin, s, "Z", "B", 1).status_code == 201  # B is not counted
    acted(admin, key, "cancel", "canceled")
    assert pick(admin, s, "X", "A", 1).status_code == 201
