"""Limits: oversized, deep, malformed and out-of-range input gets a clear 4xx envelope, writes nothing, crashes nothing.

Every body case is sent to every JSON create endpoint of every group (tenant Acme); every number case to
each endpoint's quantity-like field. A positive control per endpoint proves the base body is accepted, so
a refusal is the mutation's doing. The last test checks that no handler process died and that no log
reports a crash or a sanitizer error.
"""
import json

import pytest
import requests

from conftest import login, unique, url
from hostile import (GROUPS, assert_error_envelope, crash_reports, db_snapshot, log_sizes, pool_pids, route_lines, routes,
                     snapshot_diff, worker_pids)
from ondi import new_bin, new_item, new_stock, new_warehouse

MIB = 1024 * 1024
LIST_CAP = 100


@pytest.fixture(scope="module", autouse=True)
def health_before():
    """Pools and log sizes at the start, compared by test_zz_no_crash."""
    masters = pool_pids()
    return {"masters": masters, "workers": {g: worker_pids(p) for g, p in masters.items()}, "logs": log_sizes()}


@pytest.fixture(scope="module")
def acme_h():
    return {"Authorization": "Bearer " + login("acme-admin")}


@pytest.fixture(scope="module")
def place(acme_h):
    wh = new_warehouse(acme_h)
    b = new_bin(acme_h, wh["id"])
    item = new_item(acme_h)
    stock = new_stock(acme_h, wh["id"], item["id"], b["id"], quantity=10)
    body = {"count_session": {"type": "position", "description": unique("limits")},
            "assignments": [{"user_key": "user/acme-admin", "target_keys": [[b["id"]]]}]}
    r = requests.post(url("/inventory/count-session"), json=body, headers=acme_h, timeout=30)
    assert r.status_code == 200, r.text
    key = r.json()["detail"]
    assert requests.post(url("/inventory/count-session/%s/start" % key), headers=acme_h, timeout=30).ok
    return {"wh": wh["id"], "bin": b["id"], "item": item["id"], "stock": stock["id"], "session": key}


# name -> (path, base body, success status, numeric field, whether 0 is a valid value of it, a text field)
def endpoints(p):
    return {
        "items": ("/warehousing/items", {"sku": unique("LIM"), "name": "Limits item"}, 201, None, False, "name"),
        "warehouses": ("/warehousing/warehouses", {"name": unique("Lim"), "code": unique("L")}, 201, None, False,
                       "name"),
        "bins": ("/warehousing/bins", {"warehouse_id": p["wh"], "code": unique("B"), "capacity": 5}, 201,
                 "capacity", True, "code"),
        "stocks": ("/warehousing/stocks", {"warehouse_id": p["wh"], "item_id": new_item_id(p), "bin_id": p["bin"],
                                           "quantity": 3, "lot_number": "L1"}, 201, "quantity", True,
                   "lot_number"),
        "transactions": ("/warehousing/inventory-transactions", {
            "warehouse_id": p["wh"], "item_id": p["item"], "stock_id": p["stock"], "transaction_type": "receive",
            "quantity": 2, "reference_type": "order", "reference_id": "SO-1"}, 201, "quantity", False,
            "reference_id"),
        "count-session": ("/inventory/count-session", {
            "count_session": {"type": "position", "description": unique("lim"), "coverage_percentage": 50},
            "assignments": [{"user_key": "user/acme-admin", "target_keys": [[p["bin"]]]}]}, 200, None, True,
            "assignments"),
        "count-records": ("/inventory/count-session/%s/records" % p["session"], {
            "bin_id": p["bin"], "item_id": p["item"], "counted_qt": 4, "lot_number": "L1"}, 200, "counted_qt", True,
            "lot_number"),
        "users": ("/api/users", {"username": unique("lim"), "password": "limits-pass-1",
                                 "scopes": ["view:tenant"]}, 201, None, False, "first_name"),
    }


ENDPOINTS = ["items", "warehouses", "bins", "stocks", "transactions", "count-session", "count-records", "users"]


def new_item_id(p):
    return new_item({"Authorization": "Bearer " + login("acme-admin")})["id"]


def post(path, data, h, ctype="application/json"):
    return requests.post(url(path), data=data, headers=dict(h, **{"Content-Type": ctype}), timeout=60)


def dumps(body):
    return json.dumps(body).encode()


def text_field(body, field, raw_value):
    """The body's JSON text with raw bytes as the value of its text field (inside count_session for sessions)."""
    if field == "assignments":
        inner = text_field(body["count_session"], "description", raw_value)
        return ('{"count_session": %s, "assignments": %s}' % (inner.decode("latin-1"), json.dumps(
            body["assignments"]))).encode("latin-1")
    marker = "@@HOSTILE@@"
    text = json.dumps(dict(body, **{field: marker})).encode()
    return text.replace(b'"%s"' % marker.encode(), raw_value)


# name -> (bytes of the request body from the base body, expected status)
BODY_CASES = {
    "over-cap-2MiB": (lambda b, f: b'{"a": "' + b"x" * (2 * MIB) + b'"}', 413),
    "over-cap-by-one": (lambda b, f: b'{"a": "' + b"x" * (MIB - 8) + b'"}', 413),
    "million-element-array": (lambda b, f: text_field(b, f, b"[" + b"0," * (10 ** 6 - 1) + b"0]"), 413),
    "400k-element-array": (lambda b, f: text_field(b, f, b"[" + b"0," * 399999 + b"0]"), 400),
    "nested-arrays-33": (lambda b, f: text_field(b, f, b"[" * 33 + b"]" * 33), 400),
    "nested-objects-10000": (lambda b, f: text_field(b, f, b'{"a":' * 10000 + b"1" + b"}" * 10000), 400),
    "nested-arrays-100000": (lambda b, f: text_field(b, f, b"[" * 100000 + b"]" * 100000), 400),
    "invalid-utf8-ff": (lambda b, f: text_field(b, f, b'"\xff\xfe"'), 400),
    "invalid-utf8-overlong": (lambda b, f: text_field(b, f, b'"\xc0\xaf"'), 400),
    "invalid-utf8-surrogate": (lambda b, f: text_field(b, f, b'"\xed\xa0\x80"'), 400),
    "invalid-utf8-beyond-10ffff": (lambda b, f: text_field(b, f, b'"\xf4\x90\x80\x80"'), 400),
    "invalid-utf8-truncated": (lambda b, f: text_field(b, f, b'"\xe2\x82"'), 400),
    "trailing-garbage": (lambda b, f: dumps(b) + b" garbage", 400),
    "second-document": (lambda b, f: dumps(b) + b"{}", 400),
    "nul-byte-raw": (lambda b, f: dumps(b)[:-1] + b"\x00}", 400),
    "nul-escaped-in-value": (lambda b, f: text_field(b, f, b'"a\\u0000b"'), 400),
    "nul-escaped-in-key": (lambda b, f: dumps(b)[:-1] + b', "x\\u0000y": 1}', 400),
    "empty": (lambda b, f: b"", 400),
    "null": (lambda b, f: b"null", 400),
    "array": (lambda b, f: b"[" + dumps(b) + b"]", 400),
    "escaped-lone-surrogate": (lambda b, f: text_field(b, f, b'"\\ud800"'), 400),
    "single-quotes": (lambda b, f: b"{'a': 1}", 400),
    "comment": (lambda b, f: dumps(b)[:-1] + b" /* x */}", 400),
}


BODY_CASES["string-10kB"] = (lambda b, f: text_field(b, f, json.dumps("x" * 10240).encode()), 400)

NUMBERS = {
    "negative": b"-1", "zero": b"0", "fraction": b"1.5", "exponent": b"1e3", "huge-double": b"1e400",
    "minus-huge-double": b"-1e400", "int64-max-plus-1": b"9223372036854775808", "uint64-max": b"18446744073709551615",
    "beyond-uint64": b"99999999999999999999999999", "int64-min-minus-1": b"-9223372036854775809",
    "int64-max": b"9223372036854775807", "nan-string": b'"NaN"', "infinity-string": b'"Infinity"',
    "number-string-with-junk": b'"12abc"', "true": b"true", "null": b"null", "array": b"[1]", "object": b'{"n": 1}',
    "minus-zero": b"-0", "empty-string": b'""', "bare-nan": b"NaN", "bare-infinity": b"Infinity",
    "bare-minus-infinity": b"-Infinity",
}
# Values a field may take (null: unset; 1e3 is the whole number 1000, as JSON Schema counts it); they must
# still never be a 5xx.
MAY_PASS = {"int64-max", "null", "exponent"}


def with_raw(body, field, raw):
    marker = "@@HOSTILE@@"
    text = json.dumps(dict(body, **{field: marker}))
    return text.replace('"%s"' % marker, raw.decode()).encode()


def control_body(name, place):
    path, body, ok, field, zero_ok, text = endpoints(place)[name]
    return path, body, ok, text


@pytest.mark.parametrize("name", ENDPOINTS)
def test_positive_control(name, place, acme_h):
    path, body, ok, text = control_body(name, place)
    before = db_snapshot()
    r = post(path, dumps(body), acme_h)
    assert r.status_code == ok, r.text
    assert snapshot_diff(before, db_snapshot())


def refused(r, path, status, before):
    assert_error_envelope(r, status, path=path)
    changed = snapshot_diff(before, db_snapshot())
    assert not changed, "refused request wrote %s" % changed


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_hostile_body(case, name, place, acme_h):
    path, body, ok, text = control_body(name, place)
    build, status = BODY_CASES[case]
    data = build(body, text)
    assert data is not None
    before = db_snapshot()
    refused(post(path, data, acme_h), path, status, before)


NUMERIC = [n for n in ENDPOINTS if n in ("bins", "stocks", "transactions", "count-records")]


@pytest.mark.parametrize("name", NUMERIC + ["count-session"])
@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_number_out_of_range(case, name, place, acme_h):
    path, body, ok, field, zero_ok, text = endpoints(place)[name]
    if name == "count-session":
        # coverage_percentage, inside the session document: 0..100.
        raw = NUMBERS[case]
        if case in ("zero", "minus-zero"):
            pytest.skip("0 is a valid coverage")
        cs = with_raw(body["count_session"], "coverage_percentage", raw).decode()
        data = ('{"count_session": %s, "assignments": %s}' % (cs, json.dumps(body["assignments"]))).encode()
    else:
        if case in ("zero", "minus-zero") and zero_ok:
            pytest.skip("0 is a valid %s" % field)
        data = with_raw(body, field, NUMBERS[case])
    before = db_snapshot()
    r = post(path, data, acme_h)
    if case in MAY_PASS and r.status_code in (200, 201):
        return
    # 409: a valid number the ledger cannot take (a stock beyond the largest quantity).
    refused(r, path, 409 if r.status_code == 409 else 400, before)


def list_routes():
    """GET routes of the JSON groups without an id that answer with a list: those that take a
    limit (the probes /api/health, /api/ready and /api/metrics take no query at all)."""
    return sorted(p for g, m, p, s, q in route_lines()
                  if m == "GET" and ":" not in p and g != "admin" and "limit" in q)


@pytest.mark.parametrize("path", list_routes())
def test_limit_above_the_maximum_is_refused(path, acme_h):
    """A limit above the list's maximum is refused with the range, never lowered silently;
    the maximum itself answers at most that many rows."""
    r = requests.get(url(path), params={"limit": 1000000}, headers=acme_h, timeout=60)
    body = assert_error_envelope(r, 400, path=path)
    assert body["message"] == "Invalid limit" and "whole number from 1 to" in body["detail"], body
    cap = int(body["detail"].rsplit(" ", 1)[1])
    r = requests.get(url(path), params={"limit": cap}, headers=acme_h, timeout=60)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body.get("limit") == cap, {k: v for k, v in body.items() if not isinstance(v, list)}
    lists = [v for v in body.values() if isinstance(v, list)]
    assert lists and all(len(v) <= cap for v in lists)


QUERY_CASES = {
    "limit-zero": {"limit": "0"}, "limit-negative": {"limit": "-1"}, "limit-text": {"limit": "ten"},
    "limit-huge": {"limit": "99999999999999999999999"}, "page-huge": {"page": "9223372036854775807"},
    "page-zero": {"page": "0"}, "offset-negative": {"offset": "-5"}, "search-4kB": {"search": "x" * 4096},
    "search-non-ascii": {"search": "\u00e9\u20ac\U0001F4E6"}, "search-like-wildcards": {"search": "%_!\\'"},
}


@pytest.mark.parametrize("path", list_routes())
@pytest.mark.parametrize("case", sorted(QUERY_CASES))
def test_hostile_query(case, path, acme_h):
    r = requests.get(url(path), params=QUERY_CASES[case], headers=acme_h, timeout=60)
    if r.status_code != 200:
        assert_error_envelope(r, 400, path=path)


def test_query_beyond_nginx_buffers_is_json_414(acme_h):
    r = requests.get(url("/warehousing/items"), params={"search": "x" * 10240}, headers=acme_h, timeout=30)
    assert_error_envelope(r, 414, kind="ondi")


PAGE_LISTS = ["/admin/transactions", "/admin/stocks", "/admin/warehouses", "/admin/bins", "/admin/items",
              "/admin/count-sessions"]


@pytest.mark.parametrize("path", PAGE_LISTS)
@pytest.mark.parametrize("case", sorted(QUERY_CASES))
def test_hostile_query_pages(case, path):
    r = requests.get(url(path), params=QUERY_CASES[case], cookies={"stocktake_token": login("acme-admin")},
                     timeout=60, allow_redirects=False)
    assert r.status_code in (200, 400), (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("raw", ["%00", "%zz", "%", "a=%ff%fe", "search=%ff%fe", "limit=1&limit=1000000"])
def test_hostile_query_encoding(raw, acme_h):
    r = requests.get(url("/warehousing/items?" + raw), headers=acme_h, timeout=30)
    if r.status_code != 200:
        assert_error_envelope(r, 400, path="/warehousing/items")
    else:
        assert r.json()["limit"] <= LIST_CAP


def test_zz_no_crash(health_before):
    """Every pool still runs with the same master and workers; no log reports a crash or sanitizer error."""
    masters = pool_pids()
    assert masters == health_before["masters"]
    for g in GROUPS:
        assert worker_pids(masters[g]) == health_before["workers"][g], "a %s worker was replaced" % g
    assert crash_reports(health_before["logs"]) == []
