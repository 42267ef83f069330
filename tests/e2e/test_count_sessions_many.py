"""E2E tests of count sessions with many assignments: every row stored as given, the refusals of a
bad user or key in the middle of a long list the same as they were when each row went in by itself,
and the same few statements per create whatever the number of assignments (all users, assignments
and targets of a create as one JSON parameter each, lib/db/db_batch.c), up to the largest body."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import auth_headers, db_query, unique
from test_count_sessions import cs, create, err, get, ok

USERS = 70  # more than one batch of 64
BINS = 80


@pytest.fixture(scope="module")
def crowd():
    """A tenant of its own with USERS counters and a warehouse of BINS bins (rows inserted directly:
    the API has no bulk create), and an admin (password "demo-viewer") who plans count sessions."""
    tid = str(uuid.uuid4())
    wh = str(uuid.uuid4())
    admin = unique("crowd-admin")
    users = [(str(uuid.uuid4()), unique("crowd-%02d" % i)) for i in range(USERS)]
    bins = sorted(str(uuid.uuid4()) for _ in range(BINS))
    db_query("INSERT INTO tenants (id, name) VALUES (?, ?)", tid, unique("Crowd"))
    db_query("INSERT INTO users (id, tenant_id, username, password_hash, scopes) SELECT ?, ?, ?, password_hash,"
             " 'inventory:count:create view:tenant' FROM users WHERE username = 'demo-viewer'",
             str(uuid.uuid4()), tid, admin)
    db_query("INSERT INTO users (id, tenant_id, username, password_hash) VALUES "
             + ", ".join(["(?, ?, ?, 'x')"] * USERS), *[v for uid, name in users for v in (uid, tid, name)])
    db_query("INSERT INTO warehouses (id, tenant_id, name, code) VALUES (?, ?, 'Crowd', 'CROWD')", wh, tid)
    db_query("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES "
             + ", ".join(["(?, ?, ?, ?)"] * BINS),
             *[v for i, b in enumerate(bins) for v in (b, tid, wh, "B-%03d" % i)])
    return {"h": auth_headers(admin, password="demo-viewer"), "users": users, "bins": bins}


def many(crowd, n=USERS):
    """n assignments: user i by name (every third by id, every fifth with its name in capitals), with
    targets [[bin i], [bin i+1, bin i+2]] (every seventh key in capitals)."""
    users, bins = crowd["users"], crowd["bins"]
    out = []
    for i in range(n):
        uid, name = users[i]
        key = uid if i % 3 == 0 else "user/" + (name.upper() if i % 5 == 0 else name)
        keys = [bins[(i + k) % BINS] for k in range(3)]
        keys = [k.upper() if (3 * i + j) % 7 == 0 else k for j, k in enumerate(keys)]
        out.append({"user_key": key, "target_keys": [keys[:1], keys[1:]]})
    return out


def body(assignments, description=None):
    return {"count_session": {"type": "position", "description": description or unique("crowd")},
            "assignments": assignments}


def stored(key):
    """(position, user id, [(target_no, key_no, key_id)]) of the session's assignments, by position."""
    rows = db_query("SELECT a.position, a.user_id, a.id, t.target_no, t.key_no, t.key_id FROM count_assignments a"
                    " JOIN count_targets t ON t.assignment_id = a.id AND t.session_id = a.session_id"
                    " WHERE a.session_id = ? ORDER BY a.position, t.target_no, t.key_no", key)
    out = {}
    for pos, user, aid, t, k, key_id in rows:
        out.setdefault(int(pos), (user, aid, []))[2].append((int(t), int(k), key_id))
    return [(pos, out[pos][0], out[pos][2]) for pos in sorted(out)]


def expected(crowd, assignments):
    by_name = {name.lower(): uid for uid, name in crowd["users"]}
    rows = []
    for i, a in enumerate(assignments):
        k = a["user_key"]
        user = by_name[k[5:].lower()] if k.startswith("user/") else k
        rows.append((i, user, [(t, n, key.lower()) for t, keys in enumerate(a["target_keys"])
                               for n, key in enumerate(keys)]))
    return rows


def test_create_with_many_assignments_stores_every_row(crowd):
    h, assignments = crowd["h"], many(crowd)
    key = create(h, body(assignments))
    resp = get(h, key)
    assert resp["count_session"]["status"] == "planned" and resp["count_session"]["type"] == "position"
    assert stored(key) == expected(crowd, assignments)
    assert db_query("SELECT COUNT(*) FROM count_targets WHERE session_id = ?", key) == [[str(3 * USERS)]]
    # GET answers with the users' names and the stored (lower-case) keys, in the body's order.
    names = {uid: name for uid, name in crowd["users"]}
    got = resp["assignments"]
    assert [a["user_key"] for a in got] == ["user/" + names[u] for _, u, _ in expected(crowd, assignments)]
    assert [a["target_keys"] for a in got] == [[[k.lower() for k in t] for t in a["target_keys"]]
                                               for a in assignments]
    assert resp["progress"]["targets_total"] == 2 * USERS


def test_put_replaces_many_assignments(crowd):
    h = crowd["h"]
    key = create(h, body(many(crowd, 3)))
    rev = get(h, key)["count_session"]["_rev"]
    # Another list, longer than a batch, in another order.
    assignments = many(crowd)[::-1][:USERS - 1]
    ok(cs("PUT", "/" + key, h, {"count_session": {"_rev": rev}, "assignments": assignments}),
       "Count session updated successfully", key)
    assert stored(key) == expected(crowd, assignments)


def _bad(crowd, changes):
    """many(crowd) with changes applied: {index: user_key str, or target_keys list}."""
    assignments = many(crowd)
    for i, change in changes.items():
        assignments[i]["user_key" if isinstance(change, str) else "target_keys"] = change
    return assignments


MISSING_LOW = "00000000-0000-4000-8000-00000000a001"
MISSING_HIGH = "ffffffff-0000-4000-8000-00000000a002"


@pytest.mark.parametrize("changes, status, message, detail", [
    # A user of no tenant, of another tenant, or by an id nobody has: in the second batch.
    ({66: "user/nobody-crowd"}, 404, "User not found",
     "assignments[66].user_key: user/nobody-crowd is not a user of this tenant"),
    ({40: "user/demo-admin"}, 404, "User not found",
     "assignments[40].user_key: user/demo-admin is not a user of this tenant"),
    ({40: "20000000-0000-4000-8000-000000000001"}, 404, "User not found",
     "assignments[40].user_key: 20000000-0000-4000-8000-000000000001 is not a user of this tenant"),
    # The first assignment in the body's order that fails is the one named.
    ({30: [["not-a-bin"]], 66: "user/nobody-crowd"}, 404, "Bin not found",
     "assignments[30].target_keys[0][0]: not-a-bin"),
    ({30: "user/nobody-crowd", 66: [["not-a-bin"]]}, 404, "User not found",
     "assignments[30].user_key: user/nobody-crowd is not a user of this tenant"),
    # Keys that are ids but no bins of the tenant: after the other checks, the lowest key named.
    ({10: [[MISSING_HIGH]], 66: [["x"], [MISSING_LOW]]}, 404, "Bin not found",
     "assignments[66].target_keys[0][0]: x"),
    ({10: [[MISSING_HIGH]], 66: [[MISSING_LOW]]}, 404, "Bin not found",
     "target key %s is not a bin of this tenant" % MISSING_LOW),
    ({10: [[MISSING_HIGH]], 50: [[MISSING_LOW.upper()]]}, 404, "Bin not found",
     "target key %s is not a bin of this tenant" % MISSING_LOW),
])
def test_bad_assignment_in_a_long_list(crowd, changes, status, message, detail):
    description = unique("crowd-bad")
    resp = err(cs("POST", "", crowd["h"], body(_bad(crowd, changes), description)), status, message)
    assert resp["detail"] == detail
    assert db_query("SELECT COUNT(*) FROM count_sessions WHERE description = ?", description) == [["0"]]


def test_user_twice_in_a_long_list(crowd):
    """The same user twice, by name in other capitals, by name and by id, is refused where it comes again."""
    users = crowd["users"]
    for changes, index in (({65: "user/" + users[1][1].upper()}, 65),
                           ({67: users[2][0], 68: "user/nobody-crowd"}, 67),
                           ({69: "user/" + users[0][1]}, 69)):
        assignments = _bad(crowd, changes)
        description = unique("crowd-twice")
        resp = err(cs("POST", "", crowd["h"], body(assignments, description)), 400, "Duplicate assignment")
        assert resp["detail"] == "assignments[%d].user_key: %s is assigned twice" % (
            index, assignments[index]["user_key"])
        assert db_query("SELECT COUNT(*) FROM count_sessions WHERE description = ?", description) == [["0"]]
    # A repeated user comes before a key that is no bin: the keys are checked last.
    assignments = _bad(crowd, {5: [[MISSING_LOW]], 66: "user/" + users[4][1]})
    resp = err(cs("POST", "", crowd["h"], body(assignments)), 400, "Duplicate assignment")
    assert resp["detail"] == "assignments[66].user_key: user/%s is assigned twice" % users[4][1]


# ---- statements per create: the same few whatever the number of assignments (issue 18) ----------

BODY_MAX = 1048576  # the handlers' body_max and nginx's client_max_body_size
STATEMENTS_MAX = 10
# BEGIN, the read, the session, its assignments, its targets, CALL count_code_take (the counter
# and the code, migration 012), COMMIT and the answer's read-back; without the CALL for a code given.
STATEMENTS = 8
STATEMENTS_CODE_GIVEN = 7


def compact(b):
    return json.dumps(b, separators=(",", ":")).encode()


def round_trips():
    """Statements the server has answered: executions and transaction control (BEGIN, COMMIT,
    ROLLBACK), what the access log's db= counts; a worker's one-time PREPAREs are not among them."""
    rows = db_query("SHOW GLOBAL STATUS WHERE Variable_name IN"
                    " ('Com_stmt_execute', 'Com_begin', 'Com_commit', 'Com_rollback')")
    return sum(int(v) for _, v in rows)


def statements_of(h, make_body, tries=3):
    """The least number of statements of tries creates (anything else running at the same moment
    only adds), each body made afresh, and the last session's key; every create succeeds."""
    seen = []
    for _ in range(tries):
        raw = compact(make_body())
        assert len(raw) <= BODY_MAX
        before = round_trips()
        resp = ok(cs("POST", "", h, raw=raw), "Count session created successfully")
        seen.append(round_trips() - before)
    return min(seen), resp["detail"]


@pytest.fixture(scope="module")
def multitude(crowd):
    """A tenant with as many counters as assignments fit in the largest body (one bin each, users by
    id, the longest key form), made with the SEQUENCE engine; its admin plans with crowd's password."""
    tid = str(uuid.uuid4())
    admin = unique("multitude-admin")
    prefix = unique("multitude") + "-"
    one = {"user_key": str(uuid.uuid4()), "target_keys": [[crowd["bins"][0]]]}
    n = (BODY_MAX - len(compact(body([], "m" * 60)))) // (len(compact(one)) + 1)
    db_query("INSERT INTO tenants (id, name) VALUES (?, ?)", tid, unique("Multitude"))
    db_query("INSERT INTO users (id, tenant_id, username, password_hash, scopes) SELECT ?, ?, ?, password_hash,"
             " 'inventory:count:create view:tenant' FROM users WHERE username = 'demo-viewer'",
             str(uuid.uuid4()), tid, admin)
    db_query("INSERT INTO users (id, tenant_id, username, password_hash) SELECT UUID(), ?, CONCAT(?, seq), 'x'"
             " FROM seq_1_to_%d" % n, tid, prefix)
    ids = [r[0] for r in db_query("SELECT id FROM users WHERE tenant_id = ? AND username LIKE ? ORDER BY id",
                                  tid, prefix + "%")]
    wh, bin_id = str(uuid.uuid4()), str(uuid.uuid4())
    db_query("INSERT INTO warehouses (id, tenant_id, name, code) VALUES (?, ?, 'Multitude', 'MULTI')", wh, tid)
    db_query("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES (?, ?, ?, 'M-1')", bin_id, tid, wh)
    assert len(ids) == n
    return {"h": auth_headers(admin, password="demo-viewer"), "ids": ids, "bin": bin_id}


def last_code_number(tenant_id):
    """The highest n of the tenant's CNT-<year>-<n> codes: the crowd's are all generated, gapless,
    so every number up to it is taken."""
    return int(db_query("SELECT COALESCE(MAX(CAST(SUBSTRING_INDEX(code, '-', -1) AS UNSIGNED)), 0)"
                        " FROM count_sessions WHERE tenant_id = ? AND code LIKE 'CNT-%'", tenant_id)[0][0])


def test_statements_per_create_whatever_the_number_of_assignments(crowd):
    """1 and 50 assignments (and 70, more than the 64 rows the earlier batches took): the same
    statements, 8 (a read, three inserts, one CALL for the code counter and the code, BEGIN,
    COMMIT and the answer's read-back), at most 10."""
    h = crowd["h"]
    create(h, body(many(crowd, 1)))  # prepares this worker's statements
    counts = {n: statements_of(h, lambda n=n: body(many(crowd, n)))[0] for n in (1, 50, USERS)}
    assert max(counts.values()) <= STATEMENTS_MAX, counts
    assert set(counts.values()) == {STATEMENTS}, counts


def test_statements_of_the_first_code_of_a_year_and_of_a_given_code(crowd):
    """The counter's first row (no counter: the first code of a year) and numbers explicit codes
    took are inside the one CALL; a code given needs no CALL."""
    h = crowd["h"]
    tid = db_query("SELECT tenant_id FROM users WHERE id = ?", crowd["users"][0][0])[0][0]
    create(h, body(many(crowd, 1)))  # prepares this worker's statements
    # Without its counter row the tenant starts again from 1: every code it has is skipped.
    taken = last_code_number(tid)
    db_query("DELETE FROM count_code_counters WHERE tenant_id = ?", tid)
    count, key = statements_of(h, lambda: body(many(crowd, 2)), tries=1)
    assert count == STATEMENTS
    code = db_query("SELECT code FROM count_sessions WHERE id = ?", key)[0][0]
    year = int(code.split("-")[1])
    assert code == "CNT-%d-%03d" % (year, taken + 1)
    given = lambda: dict(body(many(crowd, 2)), count_session={"type": "position", "code": unique("CROWD")})
    assert statements_of(h, given)[0] == STATEMENTS_CODE_GIVEN


def test_concurrent_first_codes_of_a_year_are_gapless(crowd):
    """Creates racing for a counter row that is not there yet (the first code of a year, as on
    1 January): the row is made once (a create that deadlocks on it runs again), and the codes
    follow on from the ones the tenant has, none twice, none left out."""
    h = crowd["h"]
    tid = db_query("SELECT tenant_id FROM users WHERE id = ?", crowd["users"][0][0])[0][0]
    taken = last_code_number(tid)
    db_query("DELETE FROM count_code_counters WHERE tenant_id = ?", tid)
    bodies = [compact(body(many(crowd, 3))) for _ in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        resps = list(pool.map(lambda raw: cs("POST", "", h, raw=raw), bodies))
    codes = [ok(r, "Count session created successfully")["count_session"]["code"] for r in resps]
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(taken + 1, taken + 13))
    assert db_query("SELECT COUNT(*) FROM count_code_counters WHERE tenant_id = ?", tid) == [["1"]]


def test_statements_of_the_largest_create(multitude):
    """As many assignments as the largest body holds: every row stored, the same statements."""
    h, ids = multitude["h"], multitude["ids"]
    assignments = [{"user_key": uid, "target_keys": [[multitude["bin"]]]} for uid in ids]

    create(h, body(assignments[:1]))  # prepares this worker's statements
    count, key = statements_of(h, lambda: body(assignments, unique("m" * 49)), tries=2)
    assert count == STATEMENTS
    assert db_query("SELECT COUNT(*), COUNT(DISTINCT user_id), MIN(position), MAX(position)"
                    " FROM count_assignments WHERE session_id = ?", key) == [
        [str(len(ids)), str(len(ids)), "0", str(len(ids) - 1)]]
    assert db_query("SELECT COUNT(*) FROM count_targets WHERE session_id = ?", key) == [[str(len(ids))]]
