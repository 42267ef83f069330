"""The same executables as plain CGI under Apache httpd (mod_cgid), configured by apache/stocktake.conf.in:
a login, the transactions listing and a count session create through the admin pages, and the JSON API."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from admin_web import form_token, page, post, sign_in
from conftest import ROOT, db_query, unique

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
PORT = int(os.environ.get("STOCKTAKE_APACHE_PORT", "8095"))
BASE = "http://127.0.0.1:%d" % PORT
VAR = os.path.join(ROOT, "var", "apache")
DEMO_WAREHOUSE = "30000000-0000-4000-8000-000000000001"


def _port_open():
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=0.2):
            return True
    except OSError:
        return False


# The stack's own configuration: var/stocktake.conf, or a cluster host's (tests/run-all --cluster),
# so that the CGI programs use the database the stack under test uses.
STACK_CONF = os.environ.get("STOCKTAKE_CONFIG", os.path.join(ROOT, "var", "stocktake.conf"))


def _readable_config(etc):
    """The stack's configuration and var/jwt_secret copied where Apache's user (www-data) may read them."""
    os.makedirs(os.path.join(etc, "stocktake"), exist_ok=True)
    secret = os.path.join(etc, "stocktake", "jwt_secret")
    shutil.copyfile(os.path.join(ROOT, "var", "jwt_secret"), secret)
    with open(STACK_CONF) as f:
        conf = re.sub(r"(?m)^jwt_secret_file\s*=.*$", "jwt_secret_file = " + secret, f.read())
    path = os.path.join(etc, "stocktake", "stocktake.conf")
    with open(path, "w") as f:
        f.write(conf)
    for p in (secret, path):
        shutil.chown(p, "root", "www-data")
        os.chmod(p, 0o640)
    shutil.chown(os.path.join(etc, "stocktake"), "root", "www-data")
    os.chmod(os.path.join(etc, "stocktake"), 0o750)


def _render_site(etc):
    """apache/stocktake.conf.in with the checkout's paths, as `make` fills it in with installed ones."""
    with open(os.path.join(ROOT, "apache", "stocktake.conf.in")) as f:
        text = f.read()
    for key, value in (("pkglibexecdir", os.path.join(ROOT, "cgi-bin")), ("sysconfdir", etc),
                       ("pkgdatadir", os.path.join(ROOT, "docs"))):
        text = text.replace("@%s@" % key, value)
    path = os.path.join(VAR, "stocktake.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def _httpd_conf(site):
    modules = ["mpm_event", "authz_core", "mime", "alias", "env", "headers", "cgid"]
    lines = ['ServerRoot "%s"' % VAR, "Listen 127.0.0.1:%d" % PORT, "ServerName 127.0.0.1",
             # Apache refuses to serve as root: the CGI programs run as www-data, as on a real host.
             "User www-data", "Group www-data",
             'PidFile "%s/run/httpd.pid"' % VAR, 'ErrorLog "%s/logs/error.log"' % VAR, "LogLevel warn",
             'ScriptSock "%s/run/cgid.sock"' % VAR, "TypesConfig /etc/mime.types",
             'LogFormat "%h %t \\"%r\\" %>s %b %D" short', 'CustomLog "%s/logs/access.log" short' % VAR,
             "<Directory />", "    Require all denied", "</Directory>",
             'Include "%s"' % site]
    lines[1:1] = ["LoadModule %s_module %s/mod_%s.so" % (m, MODULES, m) for m in modules]
    path = os.path.join(VAR, "httpd.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _passable_to_apache():
    """Lets Apache's user (www-data) pass through the directories above the checkout, as it must to
    reach cgi-bin/ and var/: a checkout in `mktemp -d` (mode 0700) would otherwise give 403.
    Only the search bit for others is added, where it is missing; returns what to restore."""
    changed, d = [], ROOT
    while True:
        mode = os.stat(d).st_mode & 0o7777
        if not mode & 0o001:
            os.chmod(d, mode | 0o001)
            changed.append((d, mode))
        if d == "/":
            return changed
        d = os.path.dirname(d)


@pytest.fixture(scope="module")
def apache():
    if not os.path.exists(APACHE) or not os.path.exists(MODULES + "/mod_cgid.so"):
        pytest.skip("apache2 is not installed")
    if os.geteuid() != 0:
        pytest.skip("starting Apache with User www-data needs root")
    if _port_open():
        pytest.fail("127.0.0.1:%d is taken (STOCKTAKE_APACHE_PORT picks another port)" % PORT)
    restore = _passable_to_apache()
    try:
        yield from _run_apache()
    finally:
        for d, mode in restore:
            os.chmod(d, mode)


def _run_apache():
    for d in ("run", "logs"):
        os.makedirs(os.path.join(VAR, d), exist_ok=True)
    etc = os.path.join(VAR, "etc")
    _readable_config(etc)
    conf = _httpd_conf(_render_site(etc))
    check = subprocess.run([APACHE, "-f", conf, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([APACHE, "-f", conf, "-DFOREGROUND"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    for _ in range(100):
        if _port_open() or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert proc.poll() is None, proc.stderr.read().decode()
    yield BASE
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_login_listing_and_count_session_through_apache(apache):
    web = sign_in("demo-admin", base=apache)
    listing = page(web, "/admin/transactions?warehouse_id=" + DEMO_WAREHOUSE, base=apache)
    assert "Inventory transactions" in listing.text and "ITEM-001 · Test Product" in listing.text
    assert listing.headers["X-Frame-Options"] == "DENY"
    assert "form-action 'self'" in listing.headers["Content-Security-Policy"]
    css = requests.get(apache + "/admin/style.css", timeout=30)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    operator_id = db_query("SELECT id FROM users WHERE username = 'demo-operator'")[0][0]
    bins = db_query("SELECT id FROM bins WHERE warehouse_id = ? ORDER BY code LIMIT 2", DEMO_WAREHOUSE)
    form = page(web, "/admin/count-sessions/new?warehouse_id=" + DEMO_WAREHOUSE, base=apache).text
    description = unique("apache count")
    r = post(web, "/admin/count-sessions", {"type": "position", "description": description, "user_1": operator_id,
                                            "targets_1": "\n".join(b[0] for b in bins)}, base=apache, token=form_token(form))
    assert r.status_code == 303, r.text[:2000]
    key = re.search(r"/admin/count-sessions/([0-9a-f-]{36})\?done=created", r.headers["Location"]).group(1)
    session = page(web, r.headers["Location"], base=apache).text
    assert "Count session created." in session and description in session
    assert db_query("SELECT status FROM count_sessions WHERE id = ?", key)[0][0] == "planned"
    # Without the cookie the pages send the browser to the login form, as under nginx.
    r = requests.get(apache + "/admin/count-sessions/" + key, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login?next=")


def test_json_api_through_apache(apache):
    r = requests.post(apache + "/api/auth", data={"username": "demo-viewer", "password": "demo-viewer"}, timeout=30)
    assert r.status_code == 200, r.text
    bearer = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = requests.get(apache + "/warehousing/inventory-transactions?limit=2", headers=bearer, timeout=30)
    assert r.status_code == 200 and r.json()["success"] is True and len(r.json()["inventory_transactions"]) == 2
    r = requests.get(apache + "/inventory/count-session?limit=1", headers=bearer, timeout=30)
    assert r.status_code == 200 and r.json()["status"] == 200
    r = requests.get(apache + "/warehousing/warehouses", timeout=30)
    assert r.status_code == 401 and r.json() == {"success": False, "message": "Authentication required",
                                                 "code": "unauthorized"}
    r = requests.get(apache + "/api/openapi.json", timeout=30)
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.1")
