"""E2E tests of the count sessions group: create (the 000 document), codes, validation, reads, PUT/DELETE,
the lifecycle and its refusals, scopes and tenant isolation. Counting, blind mode and apply are in
test_count_sessions_counting.py, which uses the helpers below."""
import datetime
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import db_query, unique, url
from ondi import new_bin, new_item, new_stock, new_warehouse

CS = "/inventory/count-session"
OPERATOR_KEY = "user/demo-operator"
ACME_BIN = "40000000-0000-4000-8000-000000000007"
ACME_USER = "20000000-0000-4000-8000-000000000004"
DOCUMENT_FIELDS = {"_id", "_key", "_rev", "code", "description", "type", "status", "blind_quantities",
                   "blind_serials", "coverage_percentage", "scheduled_start", "scheduled_end", "created",
                   "created_by", "started", "completed", "baseline_snapshot_key", "post_count_snapshot_key",
                   "post_adjustment_snapshot_key", "adjustment_list_key", "notes", "extra"}
OUR_FIELDS = {"lock_positions", "applied", "canceled"}


# ---- helpers (also used by test_count_sessions_counting.py) ------------------------------

def cs(method, path, headers, body=None, params=None, csv=None, raw=None):
    """A request to /inventory/count-session<path>."""
    kw = {"headers": dict(headers or {}), "params": params, "timeout": 60}
    if csv is not None:
        kw["headers"]["Content-Type"] = "text/csv"
        kw["data"] = csv.encode()
    elif raw is not None:
        kw["headers"]["Content-Type"] = "application/json"
        kw["data"] = raw
    elif body is not None:
        kw["json"] = body
    return requests.request(method, url(CS + path), **kw)


def ok(resp, message, detail=None):
    """Asserts a 200 status envelope and returns the body."""
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == 200 and body["message"] == message, body
    if detail is not None:
        assert body["detail"] == detail, body
    return body


def err(resp, status, message):
    """Asserts an error status envelope and returns the body."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["status"] == status and body["message"] == message, body
    assert isinstance(body["detail"], str)
    return body


def place(h, quantities=(10,)):
    """A fresh warehouse with one bin per quantity, each holding a fresh item with that stock."""
    wh = new_warehouse(h)
    bins, items, stocks = [], [], []
    for q in quantities:
        b = new_bin(h, wh["id"])
        it = new_item(h, category="Count")
        bins.append(b)
        items.append(it)
        stocks.append(new_stock(h, wh["id"], it["id"], b["id"], quantity=q))
    return {"wh": wh, "bins": bins, "items": items, "stocks": stocks}


def example_body(target_keys, user_key=OPERATOR_KEY, **fields):
    """The 000 document's example body with real keys (and a code nobody has used)."""
    session = {
        "_id": "string", "_key": "string", "_rev": "string",
        "code": unique("CNT"),
        "description": "Annual full-warehouse count Q2 2026",
        "type": "position", "status": "planned",
        "blind_quantities": True, "blind_serials": True, "coverage_percentage": 100,
        "scheduled_start": "2026-05-20T08:00:00Z", "scheduled_end": "2026-05-20T18:00:00Z",
        "created": "2026-05-15T10:00:00Z", "created_by": "user/operator-01",
        "started": "2026-05-20T08:05:00Z", "completed": "2026-05-20T17:45:00Z",
        "baseline_snapshot_key": "snap-001", "post_count_snapshot_key": "snap-002",
        "post_adjustment_snapshot_key": "snap-003", "adjustment_list_key": "mvtlist-001",
        "notes": "Verify all rows in zone A before zone B", "extra": "string",
    }
    session.update(fields)
    return {"count_session": session, "assignments": [{"user_key": user_key, "target_keys": [target_keys]}]}


def simple_body(target_keys, assignments=None, **fields):
    """A minimal create body: no code (generated), not blind."""
    session = {"type": "position", "description": unique("count")}
    session.update(fields)
    return {"count_session": session,
            "assignments": assignments or [{"user_key": OPERATOR_KEY, "target_keys": [target_keys]}]}


def create(h, body):
    """Creates a session that must succeed; returns its key."""
    resp = ok(cs("POST", "", h, body), "Count session created successfully")
    assert resp["detail"] == resp["count_session"]["_key"]
    return resp["detail"]


def get(h, key):
    return ok(cs("GET", "/" + key, h), "Count session retrieved successfully", key)


def act(h, key, action):
    return cs("POST", "/%s/%s" % (key, action), h)


def acted(h, key, action, done):
    return ok(act(h, key, action), "Count session %s successfully" % done, key)["count_session"]


def sessions_with(description):
    return int(db_query("SELECT COUNT(*) FROM count_sessions WHERE description = ?", description)[0][0])


@pytest.fixture
def bins(admin):
    return place(admin, (10, 20))


# ---- create --------------------------------------------------------------------------------

def test_create_document_example(admin, bins):
    keys = [b["id"] for b in bins["bins"]]
    body = example_body(keys)
    resp = ok(cs("POST", "", admin, body), "Count session created successfully")
    key = resp["detail"]
    doc = resp["count_session"]
    assert set(doc) == DOCUMENT_FIELDS | OUR_FIELDS
    assert doc["_key"] == key and doc["_id"] == "count_session/" + key and doc["_rev"]
    assert doc["code"] == body["count_session"]["code"]
    assert doc["description"] == "Annual full-warehouse count Q2 2026"
    assert doc["type"] == "position"
    assert doc["blind_quantities"] is True and doc["blind_serials"] is True and doc["lock_positions"] is False
    assert doc["coverage_percentage"] == 100
    assert doc["scheduled_start"] == "2026-05-20T08:00:00Z" and doc["scheduled_end"] == "2026-05-20T18:00:00Z"
    assert doc["notes"] == "Verify all rows in zone A before zone B" and doc["extra"] == "string"
    # Server-controlled fields of the example are ignored.
    assert doc["status"] == "planned"
    assert doc["created_by"] == "user/demo-admin"
    assert doc["created"] != "2026-05-15T10:00:00Z" and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", doc["created"])
    for f in ("started", "completed", "applied", "canceled", "baseline_snapshot_key", "post_count_snapshot_key",
              "post_adjustment_snapshot_key", "adjustment_list_key"):
        assert doc[f] is None, f
    assert db_query("SELECT COUNT(*) FROM count_assignments WHERE session_id = ?", key) == [["1"]]
    targets = db_query("SELECT key_id FROM count_targets WHERE session_id = ? ORDER BY key_no", key)
    assert [t[0] for t in targets] == keys


def test_create_generates_codes(admin, bins):
    year = datetime.datetime.now(datetime.timezone.utc).year
    codes = []
    for _ in range(2):
        key = create(admin, simple_body([bins["bins"][0]["id"]]))
        codes.append(get(admin, key)["count_session"]["code"])
    for c in codes:
        assert re.match(r"^CNT-%d-\d{3,}$" % year, c), c
    assert int(codes[1].rsplit("-", 1)[1]) > int(codes[0].rsplit("-", 1)[1])


def test_generated_code_skips_the_codes_given_explicitly(admin, bins):
    """The counter's next numbers, taken by explicit codes, are skipped, without gaps otherwise; the
    new code is the session's from the first answer on."""
    year = datetime.datetime.now(datetime.timezone.utc).year
    target = [bins["bins"][0]["id"]]
    first = create(admin, simple_body(target))
    n = int(get(admin, first)["count_session"]["code"].rsplit("-", 1)[1])
    for k in (1, 2):
        create(admin, simple_body(target, code="CNT-%d-%03d" % (year, n + k)))
    resp = ok(cs("POST", "", admin, simple_body(target)), "Count session created successfully")
    assert resp["count_session"]["code"] == "CNT-%d-%03d" % (year, n + 3)
    assert get(admin, resp["detail"])["count_session"]["code"] == resp["count_session"]["code"]
    nxt = create(admin, simple_body(target))
    assert get(admin, nxt)["count_session"]["code"] == "CNT-%d-%03d" % (year, n + 4)


def test_concurrent_creations_get_distinct_codes(admin, bins):
    body = simple_body([bins["bins"][0]["id"]])

    def one(_):
        return cs("POST", "", admin, body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        resps = list(pool.map(one, range(20)))
    for r in resps:
        assert r.status_code == 200, r.text
    codes = [r.json()["count_session"]["code"] for r in resps]
    assert len(set(codes)) == 20, codes
    assert sessions_with(body["count_session"]["description"]) == 20


def test_concurrent_creations_keep_codes_gapless(admin, bins):
    """Generated codes (one CALL of count_code_take each, migration 012) racing explicit codes of the
    next numbers: every number after the last one before the race is used once, none left out (a
    generated code skips a number an explicit one took; an explicit one a generated code took first is
    refused)."""
    year = datetime.datetime.now(datetime.timezone.utc).year
    target = [bins["bins"][0]["id"]]
    n = int(get(admin, create(admin, simple_body(target)))["count_session"]["code"].rsplit("-", 1)[1])
    explicit = ["CNT-%d-%03d" % (year, n + k) for k in (1, 4, 9, 15)]
    bodies = [simple_body(target) for _ in range(16)]
    for i, code in enumerate(explicit):
        bodies.insert(4 * i + 1, simple_body(target, code=code))

    with ThreadPoolExecutor(max_workers=10) as pool:
        resps = list(pool.map(lambda b: cs("POST", "", admin, b), bodies))
    generated = []
    for b, r in zip(bodies, resps):
        if "code" in b["count_session"]:
            assert r.status_code in (200, 409), r.text
        else:
            assert r.status_code == 200, r.text
            generated.append(r.json()["count_session"]["code"])
    tenant = db_query("SELECT tenant_id FROM users WHERE username = 'demo-admin'")[0][0]
    prefix = "CNT-%d-" % year
    numbers = sorted(int(c[len(prefix):]) for c, in db_query(
        "SELECT code FROM count_sessions WHERE tenant_id = ? AND code LIKE ?", tenant, prefix + "%")
        if c[len(prefix):].isdigit() and int(c[len(prefix):]) > n)
    assert numbers == list(range(n + 1, n + 1 + len(numbers))), numbers
    assert len(numbers) == sum(r.status_code == 200 for r in resps)
    assert set(int(c[len(prefix):]) for c in generated) <= set(numbers)


def test_explicit_code_already_used_is_refused(admin, bins):
    body = simple_body([bins["bins"][0]["id"]], code=unique("CNT"))
    create(admin, body)
    again = simple_body([bins["bins"][0]["id"]], code=body["count_session"]["code"])
    err(cs("POST", "", admin, again), 409, "Count session code already exists")
    assert sessions_with(again["count_session"]["description"]) == 0


def test_user_key_may_be_a_bare_user_id(admin, bins):
    op_id = db_query("SELECT id FROM users WHERE username = 'demo-operator'")[0][0]
    body = simple_body(None, assignments=[{"user_key": op_id.upper(), "target_keys": [[bins["bins"][0]["id"]]]}])
    key = create(admin, body)
    assert get(admin, key)["assignments"][0]["user_key"] == OPERATOR_KEY


def test_product_session_targets_items(admin, bins):
    body = simple_body([bins["items"][0]["id"], bins["items"][1]["id"]], type="product")
    key = create(admin, body)
    assert get(admin, key)["assignments"][0]["target_keys"] == [[bins["items"][0]["id"], bins["items"][1]["id"]]]


def _invalid_cases(b, item, acme_bin):
    """(body fields changer, status, message): each makes a create invalid."""
    def session(**f):
        return lambda body: body["count_session"].update(f)

    def assignments(value):
        return lambda body: body.update({"assignments": value})

    good = {"user_key": OPERATOR_KEY, "target_keys": [[b]]}
    return [
        (lambda body: body.pop("count_session"), 400, "Field required: count_session"),
        (lambda body: body.update({"count_session": "x"}), 400, "Invalid count_session"),
        (lambda body: body["count_session"].pop("type"), 400, "Field required: type"),
        (session(type="shelf"), 400, "Invalid type"),
        (session(colour="red"), 400, "Unknown field: colour"),
        (session(coverage_percentage=101), 400, "Invalid coverage_percentage"),
        (session(coverage_percentage=-1), 400, "Invalid coverage_percentage"),
        (session(blind_quantities="yes"), 400, "Invalid blind_quantities"),
        (session(scheduled_start="next monday"), 400, "Invalid scheduled_start"),
        (session(scheduled_start="2026-05-20T18:00:00Z", scheduled_end="2026-05-20T08:00:00Z"), 400,
         "Invalid scheduled_end"),
        (session(code="C" * 51), 400, "Field too long: code"),
        (session(code=""), 400, "Invalid code"),
        (session(extra={"a": 1}), 400, "Invalid extra"),
        (lambda body: body.pop("assignments"), 400, "Field required: assignments"),
        (assignments([]), 400, "Invalid assignments"),
        (assignments({"user_key": OPERATOR_KEY}), 400, "Invalid assignments"),
        (assignments([{"target_keys": [[b]]}]), 400, "Field required: assignments[0].user_key"),
        (assignments([{"user_key": OPERATOR_KEY}]), 400, "Field required: assignments[0].target_keys"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": []}]), 400, "Invalid assignments[0].target_keys"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": [b]}]), 400,
         "Invalid assignments[0].target_keys[0]"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": [[]]}]), 400,
         "Invalid assignments[0].target_keys[0]"),
        (assignments([{"user_key": "operator-01", "target_keys": [[b]]}]), 400, "Invalid assignments[0].user_key"),
        (assignments([good, {"user_key": "user/nobody-" + uuid.uuid4().hex[:6], "target_keys": [[b]]}]), 404,
         "User not found"),
        (assignments([good, {"user_key": "user/acme-admin", "target_keys": [[b]]}]), 404, "User not found"),
        (assignments([good, {"user_key": ACME_USER, "target_keys": [[b]]}]), 404, "User not found"),
        (assignments([good, {"user_key": OPERATOR_KEY, "target_keys": [[b]]}]), 400, "Duplicate assignment"),
        (assignments([good, {"user_key": "user/demo-admin", "target_keys": [[b], [str(uuid.uuid4())]]}]), 404,
         "Bin not found"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": [[b, "12345"]]}]), 404, "Bin not found"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": [[b, acme_bin]]}]), 404, "Bin not found"),
        (assignments([{"user_key": OPERATOR_KEY, "target_keys": [[item]]}]), 404, "Bin not found"),
        (lambda body: body["count_session"].update(type="product"), 404, "Item not found"),
    ]


def test_every_validation_refusal_inserts_nothing(admin, bins):
    b, item = bins["bins"][0]["id"], bins["items"][0]["id"]
    orphans = "SELECT COUNT(*) FROM count_assignments a LEFT JOIN count_sessions s ON s.id = a.session_id" \
              " WHERE s.id IS NULL"
    for change, status, message in _invalid_cases(b, item, ACME_BIN):
        body = simple_body([b])
        description = body["count_session"]["description"]
        change(body)
        err(cs("POST", "", admin, body), status, message)
        assert sessions_with(description) == 0, message
    assert db_query(orphans) == [["0"]]
    for raw in ("{", "[]", '{"count_session": {"type": "position"}} x'):
        err(cs("POST", "", admin, raw=raw), 400, "Invalid JSON body")


# ---- reads ----------------------------------------------------------------------------------

def test_get_shows_assignments_and_progress(admin, bins):
    keys = [b["id"] for b in bins["bins"]]
    body = simple_body(None, assignments=[
        {"user_key": OPERATOR_KEY, "target_keys": [[keys[0]], [keys[1]]]},
        {"user_key": "user/demo-admin", "target_keys": [keys]}])
    key = create(admin, body)
    resp = get(admin, key)
    assert resp["count_session"]["_key"] == key
    a = resp["assignments"]
    assert [x["user_key"] for x in a] == [OPERATOR_KEY, "user/demo-admin"]
    assert a[0]["target_keys"] == [[keys[0]], [keys[1]]] and a[1]["target_keys"] == [keys]
    assert a[0]["progress"] == {"targets_counted": 0, "targets_total": 2}
    assert resp["progress"] == {"targets_counted": 0, "targets_total": 3, "records": 0, "conflicts": 0}
    assert "lines" not in resp  # nothing to count before the baseline


def test_list_filters_and_paging(admin, viewer, bins):
    marker = unique("marker")
    keys = []
    for t in ("position", "position", "product"):
        target = bins["bins"][0]["id"] if t == "position" else bins["items"][0]["id"]
        keys.append(create(admin, simple_body([target], type=t, notes=marker)))
    acted(admin, keys[0], "start", "started")
    resp = ok(cs("GET", "", viewer, params={"search": marker}), "Count sessions retrieved successfully")
    assert resp["total"] == 3 and [s["_key"] for s in resp["count_sessions"]] == keys[::-1]
    assert resp["limit"] == 20 and resp["offset"] == 0
    resp = ok(cs("GET", "", admin, params={"search": marker, "status": "started"}), "Count sessions retrieved successfully")
    assert [s["_key"] for s in resp["count_sessions"]] == [keys[0]]
    resp = ok(cs("GET", "", admin, params={"search": marker, "type": "product"}), "Count sessions retrieved successfully")
    assert [s["_key"] for s in resp["count_sessions"]] == [keys[2]]
    resp = ok(cs("GET", "", admin, params={"search": marker, "limit": 1, "offset": 1}),
              "Count sessions retrieved successfully")
    assert resp["total"] == 3 and [s["_key"] for s in resp["count_sessions"]] == [keys[1]]
    assert set(resp["count_sessions"][0]) == DOCUMENT_FIELDS | OUR_FIELDS
    err(cs("GET", "", admin, params={"status": "done"}), 400, "Invalid status")
    err(cs("GET", "", admin, params={"type": "zone"}), 400, "Invalid type")
    err(cs("GET", "", admin, params={"limit": "0"}), 400, "Invalid limit")
    err(cs("GET", "", admin, params={"offset": "-1"}), 400, "Invalid offset")


def test_unknown_session_is_404(admin):
    for key in (str(uuid.uuid4()), "not-a-key"):
        err(cs("GET", "/" + key, admin), 404, "Count session not found")
        err(act(admin, key, "start"), 404, "Count session not found")
        err(cs("DELETE", "/" + key, admin), 404, "Count session not found")
        err(cs("GET", "/%s/records" % key, admin), 404, "Count session not found")


# ---- PUT and DELETE ------------------------------------------------------------------------

def test_put_needs_the_current_rev(admin, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    doc = get(admin, key)["count_session"]
    err(cs("PUT", "/" + key, admin, {"count_session": {"notes": "x"}}), 400, "Field required: _rev")
    resp = ok(cs("PUT", "/" + key, admin, {"count_session": {"_rev": doc["_rev"], "notes": "first"}}),
              "Count session updated successfully", key)
    assert resp["count_session"]["notes"] == "first" and resp["count_session"]["_rev"] != doc["_rev"]
    # The rev read before that update is stale now.
    err(cs("PUT", "/" + key, admin, {"count_session": {"_rev": doc["_rev"], "notes": "second"}}), 409,
        "Count session was changed meanwhile")
    assert get(admin, key)["count_session"]["notes"] == "first"


def test_put_while_planned_changes_everything(admin, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    doc = get(admin, key)["count_session"]
    doc.update(code=unique("CNT"), type="product", blind_quantities=True, lock_positions=True,
               scheduled_start="2026-06-01T08:00:00Z", scheduled_end="2026-06-01T09:00:00Z", coverage_percentage=50)
    # Changing the type re-checks the targets: bins are no items.
    err(cs("PUT", "/" + key, admin, {"count_session": doc}), 404, "Item not found")
    body = {"count_session": doc, "assignments": [{"user_key": OPERATOR_KEY, "target_keys": [[bins["items"][1]["id"]]]}]}
    new = ok(cs("PUT", "/" + key, admin, body), "Count session updated successfully")["count_session"]
    for f in ("code", "type", "blind_quantities", "lock_positions", "scheduled_start", "coverage_percentage"):
        assert new[f] == doc[f], f
    assert get(admin, key)["assignments"][0]["target_keys"] == [[bins["items"][1]["id"]]]
    # The flat form (the document itself) works as well; server fields are ignored.
    new["notes"] = "flat"
    new["status"] = "applied"
    flat = ok(cs("PUT", "/" + key, admin, new), "Count session updated successfully")["count_session"]
    assert flat["notes"] == "flat" and flat["status"] == "planned"
    flat["scheduled_end"] = "2026-05-01T00:00:00Z"
    err(cs("PUT", "/" + key, admin, flat), 400, "Invalid scheduled_end")


def test_put_after_start_keeps_planning_fields(admin, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    doc = acted(admin, key, "start", "started")
    # Sending back what was read (same code, type, flags) is fine; notes may change.
    doc["notes"] = "counting now"
    doc = ok(cs("PUT", "/" + key, admin, {"count_session": doc}), "Count session updated successfully")["count_session"]
    assert doc["notes"] == "counting now"
    for field, value in (("code", unique("CNT")), ("type", "product"), ("blind_quantities", True),
                         ("blind_serials", True), ("lock_positions", True), ("scheduled_start", "2030-01-01T00:00:00Z")):
        changed = dict(doc, **{field: value})
        err(cs("PUT", "/" + key, admin, {"count_session": changed}), 409,
            "Cannot change %s: count session is started" % field)
    body = {"count_session": doc, "assignments": [{"user_key": OPERATOR_KEY, "target_keys": [[bins["bins"][1]["id"]]]}]}
    err(cs("PUT", "/" + key, admin, body), 409, "Cannot change assignments: count session is started")


def test_put_code_taken(admin, bins):
    other = create(admin, simple_body([bins["bins"][0]["id"]]))
    taken = get(admin, other)["count_session"]["code"]
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    doc = get(admin, key)["count_session"]
    err(cs("PUT", "/" + key, admin, {"count_session": {"_rev": doc["_rev"], "code": taken}}), 409,
        "Count session code already exists")


def test_delete_only_while_planned(admin, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    ok(cs("DELETE", "/" + key, admin), "Count session deleted successfully", key)
    for table, col in (("count_sessions", "id"), ("count_assignments", "session_id"), ("count_targets", "session_id")):
        assert db_query("SELECT COUNT(*) FROM %s WHERE %s = ?" % (table, col), key) == [["0"]], table
    err(cs("GET", "/" + key, admin), 404, "Count session not found")
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    acted(admin, key, "start", "started")
    err(cs("DELETE", "/" + key, admin), 409, "Count session is started")


# ---- lifecycle ------------------------------------------------------------------------------

def test_every_transition_and_refusal(admin, bins):
    b = bins["bins"][0]["id"]
    key = create(admin, simple_body([b]))
    for action, message in (("complete", "Count session is planned"), ("apply", "Count session is planned")):
        body = err(act(admin, key, action), 409, message)
        assert "planned" in body["detail"]
    doc = acted(admin, key, "start", "started")
    assert doc["status"] == "started" and doc["started"] and doc["baseline_snapshot_key"]
    for action in ("start", "apply"):
        err(act(admin, key, action), 409, "Count session is started")
    doc = acted(admin, key, "complete", "completed")
    assert doc["status"] == "completed" and doc["completed"] and doc["post_count_snapshot_key"]
    for action in ("start", "complete", "cancel"):
        err(act(admin, key, action), 409, "Count session is completed")
    doc = acted(admin, key, "apply", "applied")
    assert doc["status"] == "applied" and doc["applied"] and doc["adjustment_list_key"]
    assert doc["post_adjustment_snapshot_key"]
    for action in ("start", "complete", "apply", "cancel"):
        err(act(admin, key, action), 409, "Count session is applied")
    # Cancel from planned and from started; nothing after.
    for started in (False, True):
        key = create(admin, simple_body([b]))
        if started:
            acted(admin, key, "start", "started")
        doc = acted(admin, key, "cancel", "canceled")
        assert doc["status"] == "canceled" and doc["canceled"]
        for action in ("start", "complete", "apply", "cancel"):
            err(act(admin, key, action), 409, "Count session is canceled")


def test_every_write_bumps_the_rev(admin, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    revs = [get(admin, key)["count_session"]["_rev"]]
    for action, done in (("start", "started"), ("complete", "completed"), ("apply", "applied")):
        revs.append(acted(admin, key, action, done)["_rev"])
    assert len(set(revs)) == 4


def test_scopes(admin, operator, viewer, bins):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    body = simple_body([bins["bins"][0]["id"]])
    err(cs("POST", "", operator, body), 403, "Insufficient permissions")
    err(cs("POST", "", viewer, body), 403, "Insufficient permissions")
    ok(cs("GET", "", viewer), "Count sessions retrieved successfully")
    get(viewer, key)
    get(operator, key)
    for h in (operator, viewer):
        for action in ("start", "complete", "cancel", "apply"):
            err(act(h, key, action), 403, "Insufficient permissions")
        err(cs("PUT", "/" + key, h, {"count_session": {"_rev": "1"}}), 403, "Insufficient permissions")
        err(cs("DELETE", "/" + key, h), 403, "Insufficient permissions")
        err(cs("GET", "/%s/variances" % key, h), 403, "Insufficient permissions")
        err(cs("POST", "/%s/records/resolve" % key, h, {}), 403, "Insufficient permissions")
    err(cs("POST", "/%s/records" % key, viewer, {}), 403, "Insufficient permissions")
    err(cs("GET", "", {}), 401, "Authentication required")
    err(cs("GET", "", {"Authorization": "Bearer nope"}), 401, "Invalid token")
    assert get(admin, key)["count_session"]["status"] == "planned"


def test_tenant_isolation(admin, acme, bins, demo_tenant_id, acme_tenant_id):
    key = create(admin, simple_body([bins["bins"][0]["id"]]))
    code = get(admin, key)["count_session"]["code"]
    err(cs("GET", "/" + key, acme), 404, "Count session not found")
    err(cs("GET", "/%s/records" % key, acme), 404, "Count session not found")
    err(cs("GET", "/%s/variances" % key, acme), 404, "Count session not found")
    err(cs("PUT", "/" + key, acme, {"count_session": {"_rev": "1", "notes": "x"}}), 404, "Count session not found")
    for action in ("start", "cancel"):
        err(act(acme, key, action), 404, "Count session not found")
    err(cs("DELETE", "/" + key, acme), 404, "Count session not found")
    # Codes are numbered per tenant, so Acme may hold its own session with this code; never Demo's.
    listed = ok(cs("GET", "", acme, params={"search": code, "limit": 100}),
                "Count sessions retrieved successfully")
    assert listed["total"] == len(listed["count_sessions"]) <= 1
    assert key not in [s["_key"] for s in listed["count_sessions"]]
    # Acme cannot assign Demo's bins or users either.
    err(cs("POST", "", acme, simple_body([bins["bins"][0]["id"]],
                                        assignments=[{"user_key": "user/acme-admin",
                                                      "target_keys": [[bins["bins"][0]["id"]]]}])),
        404, "Bin not found")
    err(cs("POST", "", acme, simple_body([ACME_BIN])), 404, "User not found")
    # Naming another tenant is refused.
    err(cs("GET", "", admin, params={"tenant_id": acme_tenant_id}), 403, "Insufficient permissions")
    err(cs("GET", "/" + key, admin, params={"tenant_id": acme_tenant_id}), 403, "Insufficient permissions")
    err(cs("POST", "/%s/start" % key, admin, params={"tenant_id": acme_tenant_id}), 403, "Insufficient permissions")
    get(admin, key)
    ok(cs("GET", "/" + key, admin, params={"tenant_id": demo_tenant_id}), "Count session retrieved successfully")
    assert get(admin, key)["count_session"]["status"] == "planned"
