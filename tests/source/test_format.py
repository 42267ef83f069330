"""The C sources are formatted with the project's .clang-format (clang-format --dry-run -Werror).

Every .c and .h that git tracks is checked, so new files are held to it from their first commit.
Format a file with `clang-format -i FILE`.
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def c_sources():
    out = subprocess.run(["git", "ls-files", "*.c", "*.h"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    return [f for f in out if os.path.exists(os.path.join(ROOT, f))]


def test_clang_format_is_installed():
    assert shutil.which("clang-format"), "clang-format is missing (apt-get install clang-format)"


def test_every_c_source_is_formatted():
    files = c_sources()
    assert len(files) > 50, "git ls-files found too few sources: %r" % files[:5]
    r = subprocess.run(["clang-format", "--dry-run", "-Werror"] + files, cwd=ROOT,
                       capture_output=True, text=True)
    unformatted = sorted({line.split(":", 1)[0] for line in r.stderr.splitlines()
                          if ": error: code should be clang-formatted" in line})
    assert r.returncode == 0 and not unformatted, \
        "not formatted (clang-format -i FILE): %s\n%s" % (", ".join(unformatted), r.stderr[-2000:])


def test_the_check_can_fail(tmp_path):
    """A file formatted otherwise is caught, with the project's own style file."""
    shutil.copy(os.path.join(ROOT, ".clang-format"), tmp_path / ".clang-format")
    bad = tmp_path / "bad.c"
    bad.write_text("int  main( void ){return 0;}\n")
    r = subprocess.run(["clang-format", "--dry-run", "-Werror", str(bad)], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "code should be clang-formatted" in r.stderr
