"""--version and --help of every built program (the handlers through lib/web/app.c, stocktake-admin).

Each answers --version with the one line "NAME (stocktake) X.Y.Z" (the version of configure.ac) and
exit 0, without reading a config or touching the database; --help prints the usage on standard
output, --version among the options, and exits 0.
"""
import os
import re
import subprocess

import pytest

from conftest import ROOT

VERSION = re.search(r"AC_INIT\(\[stocktake\], \[([^]]+)\]",
                    open(os.path.join(ROOT, "configure.ac")).read()).group(1)
# The cgi-bin/ programs Makefile.am installs in pkglibexecdir.
HANDLERS = [w.split("/", 1)[1]
            for line in re.findall(r"^pkglibexec_PROGRAMS \+?= (.*)$", open(os.path.join(ROOT, "Makefile.am")).read(),
                                   re.M)
            for w in line.split() if w.startswith("cgi-bin/")]
# The handlers' names are the groups; stocktake-admin names itself.
PROGRAMS = [(os.path.join("cgi-bin", g), g) for g in HANDLERS] + [
    (os.path.join("tools", "stocktake-admin"), "stocktake-admin")]


def run(path, *args):
    # A config that cannot be read shows the options do not reach it.
    env = dict(os.environ, STOCKTAKE_CONFIG="/nonexistent/stocktake.conf")
    env.pop("REQUEST_METHOD", None)
    return subprocess.run([os.path.join(ROOT, path), *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=10)


@pytest.mark.parametrize("path,name", PROGRAMS)
def test_version(path, name):
    out = run(path, "--version")
    assert (out.returncode, out.stdout, out.stderr) == (0, "%s (stocktake) %s\n" % (name, VERSION), "")


@pytest.mark.parametrize("path,name", PROGRAMS)
def test_help(path, name):
    out = run(path, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: %s " % name)
    assert "--version" in out.stdout
