"""No secret in any log line: run late (after the e2e, browser and other reliability suites).

Every log the stack wrote under var/ (the handler pools' var/log/GROUP.log, nginx's access and
error logs, MariaDB's error log, Apache's when its test ran) is read whole, and must not hold a
JWT (anything starting "eyJ" that looks like one), a password the suites log in with in any
key=value or JSON form, a request body with a "password" field, the JWT signing key or the
database password of var/stocktake.conf. nginx's access log format must not log the query string,
the Referer, the Authorization header or cookies.
"""
import glob
import os
import re

from conftest import ROOT

VAR = os.path.join(ROOT, "var")
# The suites' passwords: the demo users' (equal to their usernames, so only password contexts
# count), and the ones tests give the users they create.
PASSWORDS = ["demo-admin", "demo-operator", "demo-viewer", "acme-admin", "s3cret-pass", "first admin pw"]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")
PASSWORD_CONTEXT = re.compile(
    r"""(?:password|passwd|pw)["']?\s*(?:[:=]|%3[dD])\s*["']?(""" + "|".join(re.escape(p) for p in PASSWORDS) + ")",
    re.IGNORECASE)
BODY_FIELD = re.compile(r"""["']password["']\s*:""")


def log_files():
    files = set(glob.glob(os.path.join(VAR, "log", "*.log")))
    files |= set(glob.glob(os.path.join(VAR, "**", "logs", "*.log"), recursive=True))
    files |= set(glob.glob(os.path.join(VAR, "**", "*error*.log"), recursive=True))
    return sorted(f for f in files if os.path.isfile(f))


def config_value(key):
    with open(os.path.join(VAR, "stocktake.conf")) as f:
        for line in f:
            k, sep, v = line.partition("=")
            if sep and k.strip() == key:
                return v.strip()
    return None


def secrets():
    found = []
    with open(os.path.join(VAR, "jwt_secret"), "rb") as f:
        key = f.read().strip()
    if len(key) >= 8:
        found.append(("the JWT key", key))
    pw = config_value("db_password")
    if pw and len(pw) >= 8:
        found.append(("the database password", pw.encode()))
    return found


def test_no_secret_in_any_log():
    files = log_files()
    assert any(f.endswith("auth.log") for f in files) and any(f.endswith("nginx-access.log") for f in files)
    keys = secrets()
    assert keys, "no JWT key found to look for"
    problems = []
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        for what, value in keys:
            if value in data:
                problems.append("%s: %s" % (path, what))
        text = data.decode(errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            for pattern, what in ((JWT, "a token"), (PASSWORD_CONTEXT, "a password"), (BODY_FIELD, "a request body")):
                m = pattern.search(line)
                if m:
                    problems.append("%s:%d: %s: %s" % (path, n, what, line[max(0, m.start() - 40):m.end() + 20]))
    assert not problems, "\n".join(problems[:20])


def test_nginx_access_log_format_leaves_credentials_out():
    with open(os.path.join(VAR, "nginx", "stocktake-upstreams.conf")) as f:
        upstreams = f.read()
    fmt = re.search(r"log_format\s+stocktake\s+(.*?);", upstreams, re.S)
    assert fmt, "no log_format stocktake"
    variables = set(re.findall(r"\$([a-z_0-9]+)", fmt.group(1)))
    assert not variables & {"request", "request_uri", "args", "query_string", "http_authorization",
                            "http_cookie", "http_referer", "request_body"}, variables
    assert not any(v.startswith(("arg_", "cookie_")) for v in variables), variables
    with open(os.path.join(VAR, "nginx", "nginx.conf")) as f:
        main = f.read()
    for line in re.findall(r"^\s*access_log\s+([^;]*);", main, re.M):
        assert line.split()[-1] == "stocktake" or line.strip() == "off", line
