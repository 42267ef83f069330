"""Helpers of the hostile-input tests: route tables, envelopes per group, DB snapshots, handler health."""
import glob
import os
import re
import subprocess

import requests

from conftest import ROOT, db_query, url
from stack import GROUPS, VAR, children, master_pid
# What a crash, a sanitizer or a worker death leaves in a handler log.
CRASH_PATTERNS = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|"
                            r"killed by signal|Segmentation fault|stack-overflow|double free|"
                            r"heap-buffer-overflow|exited with status")


def route_lines():
    """(group, METHOD, pattern, scopes, query parameters) of every built handler, read from
    `<handler> --routes`."""
    out = []
    for group in GROUPS:
        exe = os.path.join(ROOT, "cgi-bin", group)
        assert os.path.exists(exe), "handler %s is not built" % group
        text = subprocess.run([exe, "--routes"], check=True, capture_output=True, text=True).stdout
        for line in text.splitlines():
            parts = line.split()
            if parts:
                # A last "?a&b" word lists the route's query parameters.
                query = [p[1:].split("&") for p in parts[2:] if p.startswith("?")]
                params = [q for q in (query[0] if query else []) if q]
                out.append((group, parts[0], parts[1], [p for p in parts[2:] if not p.startswith("?")],
                            params))
    assert len(out) > 20, out
    return out


def routes():
    """(group, METHOD, pattern, scopes) of every built handler, read from `<handler> --routes`."""
    return [line[:4] for line in route_lines()]


def envelope(path):
    """The error envelope of the group serving path: 'status' (auth, count sessions), 'ondi' or 'html'."""
    if path.startswith("/admin"):
        return "html"
    if path.startswith(("/api/", "/inventory/")):
        return "status"
    return "ondi"


def assert_error_envelope(r, status, kind=None, path=None):
    """An error answer that carries nothing but the group's error envelope."""
    kind = kind or envelope(path or requests.utils.urlparse(r.url).path)
    assert r.status_code == status, (r.request.method, r.url, r.status_code, r.text[:500])
    ctype = r.headers.get("Content-Type", "")
    if kind == "html":
        assert ctype.startswith("text/html"), ctype
        return r.text
    assert ctype.startswith("application/json"), (ctype, r.text[:200])
    body = r.json()
    # code always, field on errors about one field (docs/errors.md)
    assert isinstance(body.get("code"), str) and re.fullmatch(r"[a-z_]+", body["code"]), body
    assert isinstance(body.get("field", ""), str) and len(body.get("field", "")) < 64, body
    if kind == "ondi":
        # detail: what is allowed, on some 400s (limit, page, after, updated_since).
        assert set(body) - {"detail", "field"} == {"success", "message", "code"} and body["success"] is False, body
        assert isinstance(body.get("detail", ""), str) and len(body.get("detail", "")) < 200, body
    else:
        assert set(body) - {"error", "field"} == {"status", "message", "detail", "code"}, body
        assert body["status"] == status, body
        assert isinstance(body["detail"], str) and len(body["detail"]) < 200, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


def db_snapshot():
    """The server's row write counters: equal snapshots mean no row of any table, of any
    tenant, was inserted, updated or deleted in between (nothing else writes while the
    suite runs; temporary tables count apart, as Handler_tmp_*). Counters, not table
    checksums: a long-lived devstack holds the bench data set and every earlier run's rows,
    and checksumming them took seconds per snapshot."""
    return {r[0]: r[1] for r in db_query("SHOW GLOBAL STATUS WHERE Variable_name IN"
                                         " ('Handler_write', 'Handler_update', 'Handler_delete')")}


def snapshot_diff(before, after):
    return sorted(t for t in before if before[t] != after.get(t))


def pool_pids():
    """The master pid of every handler pool devstack started."""
    return {g: master_pid(g) for g in GROUPS}


worker_pids = children  # the live workers of a master pid


def log_sizes():
    return {p: os.path.getsize(p) for p in glob.glob(os.path.join(VAR, "log", "*.log"))}


def crash_reports(since):
    """Lines of the handler and nginx logs written after the `since` sizes that report a crash."""
    found = []
    for path, size in log_sizes().items():
        with open(path, "rb") as f:
            f.seek(since.get(path, 0))
            for line in f.read().decode(errors="replace").splitlines():
                if CRASH_PATTERNS.search(line):
                    found.append("%s: %s" % (os.path.basename(path), line))
    return found


def get(path, headers=None, **kw):
    return requests.get(url(path), headers=headers, timeout=30, **kw)
