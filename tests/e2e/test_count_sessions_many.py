"""E2E tests of count sessions with many assignments: more than one batch of users, assignments and
targets (64 rows a statement, lib/db/db_batch.c), every row stored as given, and the refusals of a bad
user or key in the middle of a long list the same as they were when each row went in by itself."""
import uuid

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
