"""README's "Deploying for real", run as far as one machine allows.

A clean copy of the checkout (its tracked and new files, not its build) is configured with the
README's ./configure line and installed with `make install DESTDIR=<root>`; the build is kept
under var/deploy-test/ and reused while the sources (all but tests/ and *.md) are unchanged, so
only the first run after a change pays for it (about 2 minutes on 2 cores). Then:
every installed path the section names exists under <root>; its config and key commands (steps 3
and 4) run inside <root>; the installed systemd units pass `systemd-analyze verify --root`, and
the target wants one socket per installed handler; its nginx site, written into an nginx.conf
on a loopback port with the installed snippets (the upstreams' socket directory pointed at
devstack's handlers), passes `nginx -t` and serves a login, /api/auth/me and a JSON 404.
Not run: systemd as PID 1, MariaDB's package setup, TLS.
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import ROOT

WORK = os.path.join(ROOT, "var", "deploy-test")
README = os.path.join(ROOT, "README.md")
CONFIGURE = ["./configure", "--prefix=/usr", "--sysconfdir=/etc", "--localstatedir=/var"]
UNIT_DIR = "/usr/lib/systemd/system"


def section():
    text = open(README).read()
    start = text.index("## Deploying for real\n")
    return text[start:text.index("\n## ", start + 1)]


def code_blocks(lang):
    return re.findall(r"```%s\n(.*?)```" % lang, section(), re.S)


def dedent(block):
    return "\n".join(line[3:] if line.startswith("   ") else line for line in block.splitlines())


def sources():
    """The checkout's files as a clean clone plus its uncommitted work would have them."""
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True)
    if r.returncode != 0:
        pytest.skip("not a git checkout (a release tarball): no clean copy to build")
    out = r.stdout
    return sorted(p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(ROOT, p)))


def source_key(files):
    h = hashlib.sha256()
    for p in files:
        if p.startswith("tests/") or p.endswith(".md"):
            continue
        h.update(p.encode() + b"\0")
        with open(os.path.join(ROOT, p), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def run(cmd, cwd, timeout=600, **kw):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)
    assert r.returncode == 0, (cmd, r.stdout[-2000:], r.stderr[-3000:])
    return r


@pytest.fixture(scope="module")
def root():
    """<root>: `make install DESTDIR=<root>` of a clean copy, built once per source state."""
    files = sources()
    key = source_key(files)
    base = os.path.join(WORK, key)
    dest = os.path.join(base, "root")
    if not os.path.exists(os.path.join(base, "installed")):
        shutil.rmtree(WORK, ignore_errors=True)
        src = os.path.join(base, "src")
        os.makedirs(src)
        listing = "\0".join(files).encode()
        tar = subprocess.run(["tar", "-C", ROOT, "--null", "-T", "-", "-cf", "-"], input=listing,
                             capture_output=True, check=True).stdout
        subprocess.run(["tar", "-C", src, "-xf", "-"], input=tar, check=True)
        run(["autoreconf", "-fi"], src)
        # -O0: the same programs, compiled faster; nothing here measures their speed.
        run(CONFIGURE, src, env=dict(os.environ, CFLAGS="-O0"))
        run(["make", "-j2"], src, timeout=900)
        run(["make", "install", "DESTDIR=" + dest], src)
        open(os.path.join(base, "installed"), "w").close()
    return dest


def inside(root, path):
    return os.path.join(root, path.lstrip("/"))


def installed_handlers(root):
    return sorted(os.listdir(inside(root, "/usr/libexec/stocktake")))


def test_every_installed_path_the_readme_names_exists(root):
    paths = set(re.findall(r"(/usr/[A-Za-z0-9_./@-]+)", section()))
    assert "/usr/libexec/stocktake/" in paths and UNIT_DIR + "/" in paths
    for p in sorted(paths):
        assert os.path.exists(inside(root, p.rstrip("."))), p
    # The lists in step 1 are complete: the handlers, the snippets and the units it names.
    text = section()
    assert installed_handlers(root) == ["admin", "auth", "count_sessions", "inventory_transactions", "master_data"]
    for name in installed_handlers(root) + os.listdir(inside(root, UNIT_DIR)):
        assert "`%s`" % name in text, name
    sbin = sorted(os.listdir(inside(root, "/usr/sbin")))
    assert sbin == ["stocktake-admin", "stocktake-backup", "stocktake-migrate", "stocktake-restore"]
    for name in sbin:
        assert "`%s`" % name in text, name


def test_config_and_key_steps(root, tmp_path):
    """Steps 3 and 4 in <root>: a config readable by the service's group only, a key readable by
    root only, and the config naming the key by its credential name."""
    blocks = [dedent(b) for b in code_blocks("sh") if "install -d" in b and "/etc/stocktake" in b]
    assert len(blocks) == 2, blocks
    etc = tmp_path / "etc"
    group = subprocess.run(["id", "-gn"], capture_output=True, text=True, check=True).stdout.strip()
    script = "set -euo pipefail\n" + "\n".join(blocks)
    # The same commands, under the scratch root (no stocktake group on this machine: ours).
    script = script.replace("/usr/share/", inside(root, "/usr/share/")).replace("/etc/", str(etc) + "/")
    script = script.replace("-g stocktake", "-g " + group)
    subprocess.run(["bash", "-c", script], check=True, timeout=30)
    conf, keys = etc / "stocktake" / "stocktake.conf", etc / "stocktake" / "keys"
    assert oct(conf.stat().st_mode & 0o777) == "0o640"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    key_files = list(keys.iterdir())
    assert len(key_files) == 1 and oct(key_files[0].stat().st_mode & 0o777) == "0o600"
    assert len(key_files[0].read_text().strip()) == 128
    kid = key_files[0].name
    assert "\njwt_signing_key = %s:jwt_%s\n" % (kid, kid) in conf.read_text()
    # The unit hands that directory over as the credentials jwt_<file name>.
    unit = open(inside(root, UNIT_DIR + "/stocktake-handler@.service")).read()
    assert "\nLoadCredential=jwt:/etc/stocktake/keys\n" in unit


@pytest.fixture(scope="module")
def verify_root(root, tmp_path_factory):
    """<root> plus what systemd-analyze looks up there: the machine's own units and kill."""
    vroot = str(tmp_path_factory.mktemp("verify") / "root")
    subprocess.run(["cp", "-al", root, vroot], check=True)
    os.makedirs(os.path.join(vroot, "lib", "systemd"), exist_ok=True)
    shutil.copytree("/lib/systemd/system", os.path.join(vroot, "lib", "systemd", "system"), symlinks=True,
                    dirs_exist_ok=True)
    os.makedirs(os.path.join(vroot, "bin"), exist_ok=True)
    shutil.copy2("/bin/kill", os.path.join(vroot, "bin", "kill"))
    return vroot


def test_installed_units_verify(root, verify_root):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    units = ["stocktake.target"]
    for g in installed_handlers(root):
        units += ["stocktake-handler@%s.socket" % g, "stocktake-handler@%s.service" % g]
    r = subprocess.run(["systemd-analyze", "verify", "--root=" + verify_root] + units,
                       capture_output=True, text=True, timeout=120)
    # Unknown keys and the like are only warnings: nothing may be printed at all.
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr
    assert sorted(os.listdir(inside(root, UNIT_DIR))) == [
        "stocktake-handler@.service", "stocktake-handler@.socket", "stocktake.target"]


def test_target_wants_one_socket_per_handler(root):
    target = open(inside(root, UNIT_DIR + "/stocktake.target")).read()
    wants = " ".join(re.findall(r"^Wants=(.*)$", target, re.M)).split()
    assert sorted(wants) == ["stocktake-handler@%s.socket" % g for g in installed_handlers(root)]
    assert re.search(r"^WantedBy=multi-user.target$", target, re.M)
    sock = open(inside(root, UNIT_DIR + "/stocktake-handler@.socket")).read()
    assert "\nListenStream=/run/stocktake/%i.sock\n" in sock and "\nWantedBy=stocktake.target\n" in sock
    svc = open(inside(root, UNIT_DIR + "/stocktake-handler@.service")).read()
    assert "\nExecStart=/usr/libexec/stocktake/%i --config /etc/stocktake/stocktake.conf\n" in svc
    assert "\nExecReload=/bin/kill -HUP $MAINPID\n" in svc
    for hardening in ("NoNewPrivileges=yes", "ProtectSystem=strict", "User=stocktake", "SystemCallFilter=@system-service"):
        assert "\n%s\n" % hardening in svc, hardening
    assert "systemctl enable --now stocktake.target" in section()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def nginx_site(root, tmp, port):
    """README's nginx block with the installed snippets, on 127.0.0.1:port without TLS, the
    upstreams' sockets in devstack's var/run."""
    blocks = [b for b in code_blocks("nginx")]
    assert len(blocks) == 1, blocks
    site = dedent(blocks[0])
    named = re.findall(r"include (/usr/share/stocktake/nginx/[^;]+);", site)
    assert sorted(os.path.basename(p) for p in named) == sorted(
        os.listdir(inside(root, "/usr/share/stocktake/nginx"))), named
    upstreams = open(inside(root, "/usr/share/stocktake/nginx/stocktake-upstreams.conf")).read()
    assert "unix:/run/stocktake/auth.sock" in upstreams
    # A FastCGI connection per request: no upstream keepalive pins a handler worker to an idle
    # connection (docs/SCALING.md, "Handler workers").
    server = open(inside(root, "/usr/share/stocktake/nginx/stocktake-server.conf")).read()
    assert re.search(r"^fastcgi_keep_conn off;", server, re.M), "fastcgi_keep_conn"
    assert not re.search(r"^\s*keepalive\s", upstreams, re.M), "an upstream keepalive"
    (tmp / "upstreams.conf").write_text(upstreams.replace("unix:/run/stocktake/",
                                                          "unix:%s/" % os.path.join(ROOT, "var", "run")))
    site = site.replace("/usr/share/stocktake/nginx/stocktake-upstreams.conf", str(tmp / "upstreams.conf"))
    site = site.replace("/usr/share/", inside(root, "/usr/share/"))
    site = site.replace("listen 443 ssl;", "listen 127.0.0.1:%d;" % port)
    return "\n".join(line for line in site.splitlines() if "ssl_certificate" not in line)


def nginx_user():
    m = re.search(r"^user (\S+);", open(os.path.join(ROOT, "var", "nginx", "nginx.conf")).read(), re.M)
    return m.group(1) if m else "root"


@pytest.mark.skipif(os.environ.get("STOCKTAKE_CLUSTER") == "1",
                    reason="points the site at the single-node stack's handler sockets")
def test_nginx_site_of_the_readme_serves_the_stack(root, tmp_path):
    port = free_port()
    tmp = tmp_path
    for d in ("logs", "tmp"):
        (tmp / d).mkdir()
    os.chmod(tmp, 0o755)
    shutil.copy("/etc/nginx/fastcgi_params", tmp / "fastcgi_params")  # the snippets' relative include
    conf = tmp / "nginx.conf"
    conf.write_text("""user %s;
worker_processes 1;
pid %s/nginx.pid;
error_log %s/logs/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log %s/logs/access.log;
    client_body_temp_path %s/tmp/body;
    fastcgi_temp_path %s/tmp/fastcgi;
    proxy_temp_path %s/tmp/proxy;
    scgi_temp_path %s/tmp/scgi;
    uwsgi_temp_path %s/tmp/uwsgi;
%s
}
""" % ((nginx_user(),) + (tmp,) * 8 + (nginx_site(root, tmp, port),)))
    cmd = ["nginx", "-c", str(conf), "-p", str(tmp) + "/", "-e", str(tmp / "logs" / "error.log")]
    # The API document is served from the installed path (/usr/share, not under <root> here).
    snippet = open(inside(root, "/usr/share/stocktake/nginx/stocktake.conf")).read()
    alias = re.search(r"alias (\S+);", snippet).group(1)
    assert alias == "/usr/share/stocktake/openapi.json" and os.path.isfile(inside(root, alias))
    t = subprocess.run(cmd + ["-t"], capture_output=True, text=True, timeout=30)
    assert t.returncode == 0, t.stderr
    subprocess.run(cmd, check=True, timeout=30, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   pass_fds=())
    pid = None
    try:
        for _ in range(50):
            if (tmp / "nginx.pid").exists() and (tmp / "nginx.pid").read_text().strip():
                pid = int((tmp / "nginx.pid").read_text())
                break
            time.sleep(0.1)
        assert pid, "nginx did not start"
        base = "http://127.0.0.1:%d" % port
        login = requests.post(base + "/api/auth", data={"username": "demo-admin", "password": "demo-admin"},
                              timeout=10)
        assert login.status_code == 200, login.text
        me = requests.get(base + "/api/auth/me", headers={"Authorization": "Bearer " + login.json()["access_token"]},
                          timeout=10)
        assert me.status_code == 200 and me.headers["X-Frame-Options"] == "DENY", me.text
        missing = requests.get(base + "/no/such/path", timeout=10)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    finally:
        if pid:
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
