"""The Debian package: built from a clean clone of HEAD, checked by lintian, installed into a scratch root.

A fresh `git clone` of the committed HEAD (never the working tree, var/ or the devstack's build
products) is built with `dpkg-buildpackage -us -uc -b` (DEB_BUILD_OPTIONS=nocheck: the unit tests
run in `make check` already). lintian must report no error. The package is then installed with
`dpkg --root` into an empty directory with its maintainer scripts run chrootless (DPKG_ROOT set, as
debhelper's and our own snippets support), and the files must land where README says: handlers in
/usr/libexec/stocktake/, the commands in /usr/sbin/, templates, migrations and nginx snippets in
/usr/share/stocktake/, units in /lib/systemd/system/ (that is /usr/lib/systemd/system/ on merged-/usr
Debian) and none enabled, the man pages, /etc/stocktake/stocktake.conf as a conffile, the stocktake
user created and a JWT key generated (/etc/stocktake/keys/initial: readable by the stocktake group, or
by root only when the units hand it over with LoadCredential=). Purging removes the key. About three minutes on 2 cores.
"""
import glob
import gzip
import os
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = ["dpkg-buildpackage", "dh", "dh_autoreconf", "lintian", "fakeroot"]


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def version():
    text = open(os.path.join(ROOT, "configure.ac")).read()
    return re.search(r"AC_INIT\(\[stocktake\], \[([^]]+)\]", text).group(1)


def handler_groups():
    """The handler executables: the cgi-bin/ programs Makefile.am installs in pkglibexecdir."""
    text = open(os.path.join(ROOT, "Makefile.am")).read()
    lines = re.findall(r"^pkglibexec_PROGRAMS \+?= (.*)$", text, re.M)
    return [w.split("/", 1)[1] for line in lines for w in line.split() if w.startswith("cgi-bin/")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The .changes and .deb of a build of HEAD in a fresh clone; removed afterwards."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    assert not missing, ("Debian build tools missing: %s (./devstack test installs debhelper, "
                         "dh-autoreconf, lintian, fakeroot, dpkg-dev)" % " ".join(missing))
    work = tmp_path_factory.mktemp("deb")
    src = str(work / "stocktake")
    head = run(["git", "-C", ROOT, "rev-parse", "HEAD"], check=True).stdout.strip()
    run(["git", "clone", "-q", "--no-checkout", ROOT, src], check=True)
    run(["git", "-C", src, "checkout", "-q", head], check=True)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
    build = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env, timeout=900)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    deb = str(work / ("stocktake_%s_%s.deb" % (version(), run(["dpkg", "--print-architecture"]).stdout.strip())))
    assert os.path.exists(deb), os.listdir(work)
    yield {"changes": glob.glob(str(work / "stocktake_*.changes"))[0], "deb": deb, "work": work}
    # The clone, its build tree and the scratch root: some 100 MB per run.
    shutil.rmtree(str(work), ignore_errors=True)


@pytest.fixture(scope="module")
def root(built):
    """An empty directory with a dpkg database, the package installed into it."""
    r = tempfile.mkdtemp(prefix="stocktake-root-", dir=str(built["work"]))
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc", "tmp"):
        os.makedirs(os.path.join(r, d))
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        open(os.path.join(r, f), "w").close()
    with open(os.path.join(r, "etc/group"), "w") as f:
        f.write("root:x:0:\n")
    with open(os.path.join(r, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    # The dependencies are the host's (its libraries run the installed handlers below).
    inst = run(["dpkg", "--root=" + r, "--force-script-chrootless", "--force-depends", "--log=/dev/null",
                "-i", built["deb"]], timeout=120)
    assert inst.returncode == 0, inst.stdout + inst.stderr
    return r


def test_lintian_reports_no_error(built):
    out = run(["lintian", "--pedantic", "-I", built["changes"]], timeout=300)
    tags = [l for l in out.stdout.splitlines() if re.match(r"^[EWIPNX]: ", l)]
    print("\n".join(tags))
    errors = [l for l in tags if l.startswith("E: ")]
    assert not errors, "\n".join(errors)
    assert out.returncode == 0, out.stdout + out.stderr


def test_control_and_conffile(built):
    info = run(["dpkg-deb", "-I", built["deb"]], check=True).stdout
    assert re.search(r"^ Package: stocktake$", info, re.M)
    assert re.search(r"^ Version: %s$" % re.escape(version()), info, re.M)
    depends = re.search(r"^ Depends: (.*)$", info, re.M).group(1)
    for lib in ("libfcgi0ldbl", "libjson-c5", "libmariadb3", "libjwt0", "mariadb-client"):
        assert lib in depends, depends
    assert re.search(r"^ Recommends: .*mariadb-server", info, re.M)
    assert re.search(r"^ Suggests: .*nginx", info, re.M)
    conffiles = run(["dpkg-deb", "-I", built["deb"], "conffiles"], check=True).stdout.split()
    assert conffiles == ["/etc/stocktake/stocktake.conf"]


def test_files_land_where_readme_says(root):
    v = version()
    assert len(handler_groups()) >= 5, handler_groups()
    for g in handler_groups():
        exe = os.path.join(root, "usr/libexec/stocktake", g)
        assert os.access(exe, os.X_OK), exe
        out = run([exe, "--version"])
        assert (out.returncode, out.stdout) == (0, "%s (stocktake) %s\n" % (g, v))
    for cmd in ("stocktake-admin", "stocktake-migrate"):
        assert os.access(os.path.join(root, "usr/sbin", cmd), os.X_OK), cmd
    out = run([os.path.join(root, "usr/sbin/stocktake-admin"), "--version"])
    assert out.stdout == "stocktake-admin (stocktake) %s\n" % v
    share = os.path.join(root, "usr/share/stocktake")
    for f in ("templates/layout_top.html", "templates/style.css", "migrations/001_foundation.sql",
              "migrations/demo.sql", "nginx/stocktake.conf", "openapi.json", "stocktake.conf.example",
              "apache/stocktake.conf"):
        assert os.path.isfile(os.path.join(share, f)), f
    # The nginx snippets and units carry the installed paths, never the build tree's.
    snippets = "".join(open(p).read() for p in glob.glob(os.path.join(share, "nginx/*.conf")))
    assert "/run/stocktake/" in snippets and "/tmp/" not in snippets and "var/run" not in snippets
    for f in ("NEWS.gz", "README.md.gz", "copyright", "changelog.gz"):
        assert os.path.isfile(os.path.join(root, "usr/share/doc/stocktake", f)), f
    assert "License: Expat" in open(os.path.join(root, "usr/share/doc/stocktake/copyright")).read()
    assert os.path.isfile(os.path.join(root, "usr/lib/sysusers.d/stocktake.conf"))


def test_units_installed_not_enabled(root):
    units = sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "lib/systemd/system/stocktake*")))
    assert any(u.endswith(".socket") for u in units) and any(u.endswith(".service") for u in units), units
    text = "".join(open(os.path.join(root, "lib/systemd/system", u)).read() for u in units)
    assert "/usr/libexec/stocktake/" in text and "/etc/stocktake/stocktake.conf" in text
    # Nothing starts without a database and a config: no unit is enabled by the package.
    assert not glob.glob(os.path.join(root, "etc/systemd/system/*/stocktake*")), "a unit was enabled"


def test_manual_pages(root):
    pages = {"man8/stocktake-handler.8.gz", "man5/stocktake.conf.5.gz"}
    # Every installed command has its page (stocktake-backup and -restore too, once merged).
    pages |= {"man8/%s.8.gz" % c for c in os.listdir(os.path.join(root, "usr/sbin"))}
    assert len(pages) >= 4, pages
    installed = {os.path.relpath(p, os.path.join(root, "usr/share/man"))
                 for p in glob.glob(os.path.join(root, "usr/share/man/man*/*"))}
    assert pages <= installed, pages - installed
    for page in installed:
        path = os.path.join(root, "usr/share/man", page)
        src = gzip.open(path, "rt").read()
        assert not re.search(r"@[A-Za-z_]+@", src), page + " has an unfilled @VAR@"
        check = run(["groff", "-ww", "-z", "-man"], input=src)
        assert check.returncode == 0 and not check.stderr, page + ": " + check.stderr


def units_load_key(root):
    """True when the installed units hand the keys to the handlers (LoadCredential=jwt:...)."""
    return any("\nLoadCredential=jwt:" in open(p).read()
               for p in glob.glob(os.path.join(root, "lib/systemd/system/stocktake*.service")))


def test_user_config_and_key(root):
    group = dict((l.split(":")[0], l.split(":")) for l in open(os.path.join(root, "etc/group")))
    passwd = dict((l.split(":")[0], l.split(":")) for l in open(os.path.join(root, "etc/passwd")))
    assert "stocktake" in group and "stocktake" in passwd
    gid = int(group["stocktake"][2])
    etc = os.path.join(root, "etc/stocktake")
    conf = open(os.path.join(etc, "stocktake.conf")).read()
    assert re.search(r"^db_socket = /run/mysqld/mysqld.sock$", conf, re.M)
    if units_load_key(root):
        # systemd reads the key (root only on disk) and hands it over as credential jwt_initial.
        assert re.search(r"^jwt_signing_key = initial:jwt_initial$", conf, re.M), conf
        key_owner, key_mode, dir_mode = (0, 0), 0o600, 0o700
    else:
        assert re.search(r"^jwt_secret_file = /etc/stocktake/keys/initial$", conf, re.M), conf
        key_owner, key_mode, dir_mode = (0, gid), 0o640, 0o750
    for name, owner, mode in (("", (0, gid), 0o750), ("stocktake.conf", (0, gid), 0o640),
                              ("keys", key_owner, dir_mode), ("keys/initial", key_owner, key_mode)):
        st = os.stat(os.path.join(etc, name))
        assert ((st.st_uid, st.st_gid), st.st_mode & 0o7777) == (owner, mode), (name, oct(st.st_mode))
    key = open(os.path.join(etc, "keys/initial")).read()
    assert re.fullmatch(r"[0-9a-f]{128}\n", key), "the key is 64 random bytes in hex"


def test_reinstall_keeps_key_purge_removes_it(built, root):
    key = os.path.join(root, "etc/stocktake/keys/initial")
    before = open(key).read()
    again = run(["dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends", "--log=/dev/null",
                 "-i", built["deb"]], timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert open(key).read() == before, "an upgrade must keep the key (tokens stay valid)"
    purge = run(["dpkg", "--root=" + root, "--force-script-chrootless", "--log=/dev/null", "--purge",
                 "stocktake"], timeout=120)
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert not os.path.exists(key)
    assert not os.path.exists(os.path.join(root, "etc/stocktake/stocktake.conf"))
    assert not os.path.exists(os.path.join(root, "usr/libexec/stocktake"))
