"""A real install's first steps, from an EMPTY database to an administrator at work.

A fresh database is created on the devstack MariaDB with db/migrate and no demo data, with a
database user of its own as README's "Deploying for real" says. The built tools/stocktake-admin,
given a config file naming that database, creates the first tenant in the time zone it is given
and its administrator (the password on standard input). That administrator then signs in to the
pages, sees the setup steps of an empty overview and creates a warehouse through the page form,
against the same handler executables run as plain CGI programs (stdin is a pipe, not a FastCGI
socket: lib/web/app.c serves one CGI request) with the same config file. The database and its
user are dropped at the end.
"""
import os
import re
import subprocess
import uuid

import pytest

from conftest import DB_SOCKET, ROOT

ADMIN_TOOL = os.path.join(ROOT, "tools", "stocktake-admin")
PASSWORD = "first admin pw"


def root_sql(sql, database=None):
    cmd = ["mariadb", "--socket=" + DB_SOCKET, "-uroot", "--batch", "--skip-column-names", "-e", sql]
    if database:
        cmd.insert(1, database)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """An empty, migrated database with a database user of its own, and a config file naming it."""
    suffix = uuid.uuid4().hex[:10]
    name, user, pw = "stocktake_fresh_" + suffix, "fresh_" + suffix, uuid.uuid4().hex
    migrate = subprocess.run([os.path.join(ROOT, "db", "migrate"), "--socket", DB_SOCKET, "--user", "root",
                              "--database", name], capture_output=True, text=True, timeout=120)
    try:
        assert migrate.returncode == 0, migrate.stderr
        root_sql("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s';"
                 " GRANT ALL PRIVILEGES ON %s.* TO '%s'@'localhost';" % (user, pw, name, user))
        conf = tmp_path_factory.mktemp("fresh") / "stocktake.conf"
        conf.write_text("\n".join([
            "db_socket = " + DB_SOCKET, "db_user = " + user, "db_password = " + pw, "db_name = " + name,
            "jwt_secret_file = " + os.path.join(ROOT, "var", "jwt_secret"),
            "templates_dir = " + os.path.join(ROOT, "templates"), "log_level = warn", ""]))
        yield {"db": name, "conf": str(conf)}
    finally:
        root_sql("DROP DATABASE IF EXISTS %s; DROP USER IF EXISTS '%s'@'localhost';" % (name, user))


def tool(fresh, *args, stdin=""):
    return subprocess.run([ADMIN_TOOL, "--config", fresh["conf"]] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=60)


def cgi(fresh, program, method, path, body=b"", content_type=None, cookies=None, headers=None):
    """One request to a handler executable run as a CGI program: (status, headers, body text)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "STOCKTAKE_CONFIG": fresh["conf"],
           "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method, "REQUEST_URI": path,
           "QUERY_STRING": path.partition("?")[2], "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)) if body else ""}
    if content_type:
        env["CONTENT_TYPE"] = content_type
    if cookies:
        env["HTTP_COOKIE"] = "; ".join("%s=%s" % kv for kv in cookies.items())
    for k, v in (headers or {}).items():
        env["HTTP_" + k.upper().replace("-", "_")] = v
    out = subprocess.run([os.path.join(ROOT, "cgi-bin", program)], input=body, env=env,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    head, _, text = out.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdrs = [tuple(x.strip() for x in line.split(":", 1)) for line in lines if ":" in line]
    status = next((int(v.split()[0]) for k, v in hdrs if k.lower() == "status"), 200)
    return status, hdrs, text.decode()


def set_cookies(hdrs):
    return dict(v.split(";")[0].split("=", 1) for k, v in hdrs if k.lower() == "set-cookie")


def form(fields):
    from urllib.parse import urlencode
    return urlencode(fields, doseq=True).encode()


def test_from_an_empty_database_to_an_administrator_at_work(fresh):
    assert root_sql("SELECT COUNT(*) FROM tenants", fresh["db"]).strip() == "0"
    assert root_sql("SELECT COUNT(*) FROM users", fresh["db"]).strip() == "0"

    # An empty installation: nobody can sign in.
    status, hdrs, text = cgi(fresh, "admin", "GET", "/admin/login")
    login_cookie = set_cookies(hdrs)
    nonce = re.search(r'name="csrf" value="([^"]*)"', text).group(1)
    status, _, _ = cgi(fresh, "admin", "POST", "/admin/login", cookies=login_cookie,
                       content_type="application/x-www-form-urlencoded",
                       body=form({"csrf": nonce, "username": "boss", "password": PASSWORD, "next": "/admin/"}))
    assert status == 401

    # The first tenant and its administrator; a weak password is refused with the API's message.
    r = tool(fresh, "create-tenant", "Fresh Warehouse Ltd", "--admin", "boss", stdin="short\n")
    assert r.returncode == 1
    assert "Invalid password: password must be 8 to 512 characters" in r.stderr
    assert root_sql("SELECT COUNT(*) FROM tenants", fresh["db"]).strip() == "0"  # rolled back
    # A time zone that tzdata does not know is refused before the password is read.
    r = tool(fresh, "create-tenant", "Fresh Warehouse Ltd", "--admin", "boss", "--time-zone", "Mars/Olympus",
             stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "Invalid time zone: Mars/Olympus" in r.stderr
    assert root_sql("SELECT COUNT(*) FROM tenants", fresh["db"]).strip() == "0"
    r = tool(fresh, "create-tenant", "Fresh Warehouse Ltd", "--admin", "boss", "--time-zone", "Europe/Berlin",
             stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "Created tenant Fresh Warehouse Ltd" in r.stdout and "Created administrator boss" in r.stdout
    assert "in time zone Europe/Berlin" in r.stdout
    assert PASSWORD not in r.stdout + r.stderr
    assert root_sql("SELECT time_zone FROM tenants", fresh["db"]).strip() == "Europe/Berlin"
    r = tool(fresh, "list-tenants")
    assert r.returncode == 0 and "TIME ZONE" in r.stdout.splitlines()[0]
    line = next(x for x in r.stdout.splitlines() if x.endswith("Fresh Warehouse Ltd"))
    assert line.split()[1:4] == ["active", "1", "Europe/Berlin"]
    scopes = root_sql("SELECT scopes FROM users WHERE username = 'boss'", fresh["db"]).split()
    assert "admin" in scopes and "manage:operations:tenant" in scopes and len(scopes) == 9
    r = tool(fresh, "create-tenant", "Fresh Warehouse Ltd", "--admin", "boss2", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "Tenant already exists" in r.stderr
    r = tool(fresh, "create-user", "--tenant", "No Such Ltd", "clerk", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "Tenant not found" in r.stderr
    r = tool(fresh, "create-user", "--tenant", "Fresh Warehouse Ltd", "boss", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "Username already exists: username boss is taken" in r.stderr

    # The administrator signs in to the pages.
    status, hdrs, text = cgi(fresh, "admin", "GET", "/admin/login")
    login_cookie = set_cookies(hdrs)
    nonce = re.search(r'name="csrf" value="([^"]*)"', text).group(1)
    status, hdrs, _ = cgi(fresh, "admin", "POST", "/admin/login", cookies=login_cookie,
                          content_type="application/x-www-form-urlencoded",
                          body=form({"csrf": nonce, "username": "boss", "password": PASSWORD, "next": "/admin/"}))
    assert status == 303, hdrs
    session = {"stocktake_token": set_cookies(hdrs)["stocktake_token"]}
    status, _, text = cgi(fresh, "admin", "GET", "/admin/", cookies=session)
    assert status == 200 and "boss" in text and 'href="/admin/users"' in text
    assert "Getting started" in text and "times in Europe/Berlin" in text
    status, _, text = cgi(fresh, "admin", "GET", "/admin/users", cookies=session)
    assert status == 200 and "boss" in text

    # ... and creates a warehouse through the page form: the form, then a POST with its token, a 303
    # to the new record, which says so.
    status, _, text = cgi(fresh, "admin", "GET", "/admin/warehouses", cookies=session)
    assert status == 200 and "No warehouses yet" in text and 'href="/admin/warehouses/new"' in text
    status, _, text = cgi(fresh, "admin", "GET", "/admin/warehouses/new", cookies=session)
    assert status == 200 and 'action="/admin/warehouses"' in text, text
    nonce = re.search(r'name="csrf" value="([^"]*)"', text).group(1)
    status, hdrs, text = cgi(fresh, "admin", "POST", "/admin/warehouses", cookies=session,
                             content_type="application/x-www-form-urlencoded",
                             body=form({"csrf": nonce, "name": "Main warehouse", "code": "MAIN"}))
    assert status == 303, text
    location = next(v for k, v in hdrs if k.lower() == "location")
    warehouse_id = re.fullmatch(r"/admin/warehouses/([0-9a-f-]{36})\?saved=created", location).group(1)
    assert root_sql("SELECT code, name, status FROM warehouses WHERE id = '%s'" % warehouse_id,
                    fresh["db"]).split("\t") == ["MAIN", "Main warehouse", "active\n"]
    assert root_sql("SELECT COUNT(*) FROM warehouses", fresh["db"]).strip() == "1"
    status, _, text = cgi(fresh, "admin", "GET", location, cookies=session)
    assert status == 200 and "Warehouse created." in text and "MAIN" in text
    status, _, text = cgi(fresh, "admin", "GET", "/admin/warehouses", cookies=session)
    assert status == 200 and "MAIN" in text and "Main warehouse" in text and "No warehouses yet" not in text

    # reset-password: the old password stops working, the new one works.
    r = tool(fresh, "reset-password", "boss", stdin="second admin pw\n")
    assert r.returncode == 0, r.stderr
    status, _, _ = cgi(fresh, "auth", "POST", "/api/auth", content_type="application/x-www-form-urlencoded",
                       body=form({"username": "boss", "password": PASSWORD}))
    assert status == 401
    status, _, _ = cgi(fresh, "auth", "POST", "/api/auth", content_type="application/x-www-form-urlencoded",
                       body=form({"username": "boss", "password": "second admin pw"}))
    assert status == 200


def test_usage_errors_exit_2_and_help_exits_0(fresh):
    r = subprocess.run([ADMIN_TOOL, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "create-tenant NAME --admin USERNAME [--time-zone ZONE]" in r.stdout
    version = re.search(r"AC_INIT\(\[stocktake\], \[([^]]+)\]", open(os.path.join(ROOT, "configure.ac")).read())
    r = subprocess.run([ADMIN_TOOL, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "stocktake-admin (stocktake) %s\n" % version.group(1)
    r = tool(fresh, "create-user", "--tenant", "X", "clerk", "--time-zone", "UTC")
    assert r.returncode == 2 and "--time-zone belongs to create-tenant" in r.stderr
    r = tool(fresh, "create-tenant", "X")
    assert r.returncode == 2 and "create-tenant needs --admin USERNAME" in r.stderr
    r = tool(fresh, "reset-password", "boss", "--password", "x")
    assert r.returncode == 2 and "unknown option" in r.stderr


def on_terminal(fresh, args, typed):
    """Runs stocktake-admin on a pseudo-terminal, typing each line of typed at its prompts;
    returns (exit status, everything the terminal showed)."""
    import pty
    import select
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ADMIN_TOOL, [ADMIN_TOOL, "--config", fresh["conf"]] + args)
    shown, lines = b"", list(typed)
    prompts = [b"New password for", b"The same password again:"]
    while True:
        ready, _, _ = select.select([fd], [], [], 20)
        assert ready, shown
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        # Each line is typed once its prompt shows, as a person would.
        if lines and prompts and prompts[0] in shown:
            prompts.pop(0)
            os.write(fd, lines.pop(0).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_password_prompts_on_a_terminal_do_not_echo(fresh):
    tool(fresh, "create-tenant", "Terminal Ltd", "--admin", "tty-boss", stdin=PASSWORD + "\n")
    rc, shown = on_terminal(fresh, ["reset-password", "tty-boss"], ["typed on tty 1", "typed on tty 2"])
    assert rc == 1 and "the two passwords differ" in shown
    rc, shown = on_terminal(fresh, ["reset-password", "tty-boss"], ["typed on tty 1", "typed on tty 1"])
    assert rc == 0, shown
    assert "New password for tty-boss:" in shown and "The same password again:" in shown
    assert "typed on tty" not in shown  # echo was off
    status, _, _ = cgi(fresh, "auth", "POST", "/api/auth", content_type="application/x-www-form-urlencoded",
                       body=form({"username": "tty-boss", "password": "typed on tty 1"}))
    assert status == 200
