"""Shared helpers of the admin page tests: signed-in sessions, form tokens, forms, HTML checks."""
import html
import re
import subprocess

import requests

from conftest import BASE_URL

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
TOKEN_COOKIE = "stocktake_token"
LOGIN_COOKIE = "stocktake_login"


def form_token(page):
    """The csrf field of the first form of an HTML page."""
    m = CSRF.search(page)
    assert m, "no csrf field in the page"
    return html.unescape(m.group(1))


def sign_in(username, password=None, base=BASE_URL, headers=None):
    """A requests session signed in through the login form (as a browser does it)."""
    s = requests.Session()
    s.headers.update(headers or {})
    r = s.get(base + "/admin/login", timeout=10)
    assert r.status_code == 200, r.text
    r = s.post(base + "/admin/login", allow_redirects=False, timeout=30,
               data={"csrf": form_token(r.text), "username": username, "password": password or username,
                     "next": "/admin/"})
    assert r.status_code == 303, r.text
    assert s.cookies.get(TOKEN_COOKIE), r.headers
    return s


def page(session, path, base=BASE_URL, status=200, **kw):
    """GETs a page and checks its status and that it is HTML; returns the response."""
    r = session.get(base + path, allow_redirects=False, timeout=30, **kw)
    assert r.status_code == status, (path, r.status_code, r.text[:2000])
    if status != 303:
        assert r.headers["Content-Type"].startswith("text/html"), r.headers
    return r


def post(session, path, data, base=BASE_URL, token=None):
    """POSTs a form with the session's form token (taken from the start page unless given)."""
    if token is None:
        token = form_token(page(session, "/admin/", base=base).text)
    return session.post(base + path, data=dict(data, csrf=token), allow_redirects=False, timeout=30)


def tidy_problems(text):
    """What `tidy -q -e` reports for an HTML document (errors and warnings), as lines."""
    out = subprocess.run(["tidy", "-q", "-e", "--show-warnings", "yes"], input=text.encode(),
                         capture_output=True)
    return [line for line in out.stderr.decode(errors="replace").splitlines() if line.strip()]
