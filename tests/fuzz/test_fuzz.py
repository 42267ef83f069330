"""Fuzz suite: builds the libFuzzer drivers, replays their corpora, and fuzzes each for a while.

Quick form (./devstack test): every input of tests/fuzz/corpus/<driver>/ is replayed (one test
per driver), then each driver fuzzes for FUZZ_SECONDS (10) on a copy of its corpus. Long form
(STOCKTAKE_LONG=1, ./devstack test --long): each driver fuzzes for 600 s. Two drivers run at a
time (the machine has two cores). New inputs go to var/fuzz/runs/<driver>/, never into the
committed corpus. A test fails on any crash, leak, timeout or out-of-memory artifact, or a
non-zero exit. Each run's figures (executions, coverage, corpus size) are written to
var/fuzz/runs/<driver>/summary.txt.
"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "var", "fuzz")
LONG = os.environ.get("STOCKTAKE_LONG") == "1"
SECONDS = int(os.environ.get("FUZZ_SECONDS", "600" if LONG else "10"))
DRIVERS = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(HERE, "fuzz_*.c")))
# What libFuzzer writes for a finding (crash-, leak-, timeout-, oom-, slow-unit- files).
ARTIFACT_RE = re.compile(r"^(crash|leak|timeout|oom|slow-unit|death)-")
# Keeps one slow input from hanging the suite: libFuzzer's -timeout is per input.
COMMON = ["-timeout=10", "-rss_limit_mb=2048", "-max_len=8192", "-print_final_stats=1"]


def build():
    r = subprocess.run([os.path.join(HERE, "build")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, "tests/fuzz/build failed:\n" + r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def built():
    build()


def corpus_files(driver):
    d = os.path.join(HERE, "corpus", driver)
    return sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []


def artifacts(d):
    return sorted(f for f in os.listdir(d) if ARTIFACT_RE.match(f)) if os.path.isdir(d) else []


def replay(binary, files, workdir):
    """Runs binary once on each file (no fuzzing, nothing written): (ok, output)."""
    os.makedirs(workdir, exist_ok=True)
    for f in artifacts(workdir):
        os.unlink(os.path.join(workdir, f))
    r = subprocess.run([binary, "-runs=1", "-artifact_prefix=" + workdir + "/"] + COMMON + files,
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    found = artifacts(workdir)
    ran = len(re.findall(r"^Executed .* in \d+ ms$", r.stderr, re.M))
    ok = r.returncode == 0 and not found and ran == len(files)
    return ok, "exit %d, %d of %d inputs ran, artifacts %s\n%s" % (
        r.returncode, ran, len(files), found, r.stderr[-4000:])


def fuzz(driver, seconds):
    """Fuzzes a copy of the corpus for seconds: (rc, artifacts, figures, log tail)."""
    work = os.path.join(OUT, "runs", driver)
    shutil.rmtree(work, ignore_errors=True)
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus)
    for f in corpus_files(driver):
        shutil.copy(f, corpus)
    args = [os.path.join(OUT, driver), corpus, "-max_total_time=%d" % seconds,
            "-artifact_prefix=" + work + "/"] + COMMON
    d = os.path.join(HERE, driver + ".dict")
    if os.path.exists(d):
        args.append("-dict=" + d)
    with open(os.path.join(work, "log"), "w") as log:
        r = subprocess.run(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                           timeout=seconds + 300)
    text = open(os.path.join(work, "log"), errors="replace").read()
    figures = {}
    done = re.findall(r"^#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", text, re.M)
    if done:
        figures = dict(zip(("execs", "cov", "ft", "corpus", "corpus_bytes"), done[-1]))
    with open(os.path.join(work, "summary.txt"), "w") as s:
        s.write("%s: %d s, exit %d, %s, artifacts %s\n" % (
            driver, seconds, r.returncode, figures, artifacts(work)))
    return r.returncode, artifacts(work), figures, text[-4000:]


@pytest.fixture(scope="module")
def runs(built):
    """Every driver's fuzz run, two at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {d: pool.submit(fuzz, d, SECONDS) for d in DRIVERS}
        return {d: f.result() for d, f in futures.items()}


def test_drivers_and_corpora():
    assert DRIVERS == ["fuzz_csv", "fuzz_json", "fuzz_jwt", "fuzz_multipart", "fuzz_query",
                       "fuzz_tpl"]
    for d in DRIVERS:
        n = len(corpus_files(d))
        assert 5 <= n <= 500, "%s: %d corpus files" % (d, n)


@pytest.mark.parametrize("driver", DRIVERS)
def test_replay_corpus(built, driver):
    ok, out = replay(os.path.join(OUT, driver), corpus_files(driver),
                     os.path.join(OUT, "replay", driver))
    assert ok, out


@pytest.mark.parametrize("driver", DRIVERS)
def test_fuzz_run(runs, driver):
    rc, found, figures, tail = runs[driver]
    print("%s: %s" % (driver, figures))
    assert not found, "%s found %s (var/fuzz/runs/%s/):\n%s" % (driver, found, driver, tail)
    assert rc == 0, "%s exited %d:\n%s" % (driver, rc, tail)
    assert figures, "%s: no final DONE line:\n%s" % (driver, tail)


# The checks above must be able to fail: a driver that crashes on one input and
# leaks on another, replayed the same way.
CRASHER = r"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static void *keep;
	if (n == 4 && memcmp(d, "boom", 4) == 0)
		abort();
	if (n == 4 && memcmp(d, "leak", 4) == 0) {
		keep = malloc(64);
		keep = NULL;
	}
	if (n == 4 && memcmp(d, "oobr", 4) == 0) {
		char *p = malloc(4);
		volatile char c = p[4];
		(void)c;
		free(p);
	}
	return 0;
}
"""


def test_replay_catches_crash_and_leak(built):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "crasher.c")
        open(src, "w").write(CRASHER)
        binary = os.path.join(tmp, "crasher")
        subprocess.run(["clang", "-g", "-fsanitize=fuzzer,address,undefined", src, "-o", binary],
                       check=True)
        files = {}
        for name in ("fine", "boom", "leak", "oobr"):
            files[name] = os.path.join(tmp, name)
            open(files[name], "w").write(name if name != "fine" else "ok")
        ok, out = replay(binary, [files["fine"]], os.path.join(tmp, "w"))
        assert ok, out
        for bad in ("boom", "leak", "oobr"):
            ok, out = replay(binary, [files["fine"], files[bad]], os.path.join(tmp, "w"))
            assert not ok, "replay of %s passed:\n%s" % (bad, out)
