"""JWT key rotation under load: a new signing key and the removal of the old one by `./devstack reload`
(SIGHUP to the pools), with no failed request but the refusals of tokens whose key was removed.

The test edits var/stocktake.conf (keys under var/keys-rotation-test/) and puts the file back, with
its modification time, at the end, so that start-handlers does not restart pools for it.
"""
import base64
import json
import os
import secrets
import shutil
import subprocess
import threading
import time

import pytest
import requests

from conftest import ROOT, url

VAR = os.path.join(ROOT, "var")
CONF = os.path.join(VAR, "stocktake.conf")
KEYS = os.path.join(VAR, "keys-rotation-test")
THREADS = 6
PATHS = ("/api/auth/me", "/warehousing/warehouses?limit=1", "/warehousing/items?limit=1")


def devstack_reload():
    env = dict(os.environ, PORT=os.environ.get("PORT", "8080"))
    return subprocess.run([os.path.join(ROOT, "devstack"), "reload"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def reload_ok():
    out = devstack_reload()
    assert out.returncode == 0, out.stdout + out.stderr


def write_conf(original, extra):
    """The original configuration with the key lines of extra appended (later lines win)."""
    with open(CONF + ".tmp", "w") as f:
        f.write(original + "".join(line + "\n" for line in extra))
    os.chmod(CONF + ".tmp", 0o600)
    os.replace(CONF + ".tmp", CONF)


def kid_of(token):
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def login():
    r = requests.post(url("/api/auth"), data={"username": "demo-admin", "password": "demo-admin"},
                      timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


class Load:
    """Threads sending authenticated GETs with the tokens of the current key set, and logins.

    Every request is recorded as (key, start, end, status, body) so that the test can say which
    answers each phase allows."""

    def __init__(self, tokens):
        self.tokens = dict(tokens)  # key name -> token
        self.records = []
        self.logins = []          # (start, end, status, kid)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(THREADS)]
        self.threads.append(threading.Thread(target=self.run_logins))

    def run(self, n):
        session = requests.Session()
        i = n
        while not self.stop.is_set():
            with self.lock:
                names = sorted(self.tokens)
            name = names[i % len(names)]
            token = self.tokens[name]
            path = PATHS[i % len(PATHS)]
            i += 1
            start = time.monotonic()
            try:
                r = session.get(url(path), headers={"Authorization": "Bearer " + token}, timeout=15)
                status, body = r.status_code, r.text
            except requests.RequestException as e:
                status, body = 0, repr(e)
            with self.lock:
                self.records.append((name, start, time.monotonic(), status, body))

    def run_logins(self):
        while not self.stop.is_set():
            start = time.monotonic()
            r = requests.post(url("/api/auth"),
                              data={"username": "demo-admin", "password": "demo-admin"}, timeout=15)
            kid = kid_of(r.json()["access_token"]) if r.status_code == 200 else None
            with self.lock:
                self.logins.append((start, time.monotonic(), r.status_code, kid))
            time.sleep(0.05)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def wait_requests(self, n):
        """Waits until n more requests have been answered."""
        with self.lock:
            goal = len(self.records) + n
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.records) >= goal:
                    return
            time.sleep(0.05)
        raise AssertionError("the load stalled")


@pytest.fixture
def keyring():
    """Two fresh keys A and B; the stack's configuration as it was, put back afterwards."""
    with open(CONF) as f:
        original = f.read()
    st = os.stat(CONF)
    os.makedirs(KEYS, mode=0o700, exist_ok=True)
    paths = {}
    for name in ("a", "b"):
        paths[name] = os.path.join(KEYS, name + ".key")
        with open(paths[name], "w") as f:
            f.write(secrets.token_hex(48) + "\n")
    try:
        yield original, paths
    finally:
        with open(CONF, "w") as f:
            f.write(original)
        os.utime(CONF, ns=(st.st_atime_ns, st.st_mtime_ns))
        devstack_reload()
        os.utime(CONF, ns=(st.st_atime_ns, st.st_mtime_ns))
        shutil.rmtree(KEYS, ignore_errors=True)


def test_rotation_under_load(keyring):
    original, keys = keyring
    # Key A signs: the load runs with A's tokens.
    write_conf(original, ["jwt_signing_key = a:" + keys["a"]])
    reload_ok()
    token_a = login()
    assert kid_of(token_a) == "a"

    with Load({"a": token_a}) as load:
        load.wait_requests(200)

        # B signs, A verifies only.
        t1_start = time.monotonic()
        write_conf(original, ["jwt_signing_key = b:" + keys["b"], "jwt_verify_keys = a:" + keys["a"]])
        reload_ok()
        t1 = time.monotonic()
        token_b = login()
        assert kid_of(token_b) == "b"
        with load.lock:
            load.tokens["b"] = token_b
        load.wait_requests(300)

        # A reload that does not load keeps the running keys: B signs on, A still verifies.
        write_conf(original, ["jwt_signing_key = b:" + os.path.join(KEYS, "missing.key")])
        out = devstack_reload()
        assert out.returncode != 0
        assert "keeps its previous configuration" in out.stderr
        with open(os.path.join(VAR, "log", "auth.log")) as f:
            assert "reload: the configuration does not load" in f.read()
        assert kid_of(login()) == "b"
        load.wait_requests(100)

        # A removed.
        t2_start = time.monotonic()
        write_conf(original, ["jwt_signing_key = b:" + keys["b"]])
        reload_ok()
        t2 = time.monotonic()
        load.wait_requests(300)

    refused_a = 0
    failures = []
    for name, start, end, status, body in load.records:
        if name == "a" and start > t2:
            ok = status == 401 and json.loads(body)["message"] == "Invalid token"
            refused_a += ok
        elif name == "a" and end > t2_start:
            ok = status in (200, 401)       # in flight while A was being removed
        else:
            ok = status == 200
        if not ok:
            failures.append((name, status, body[:200]))
    assert failures == [], "%d failed requests, first: %r" % (len(failures), failures[:5])
    assert refused_a > 0
    assert sum(1 for r in load.records if r[0] == "b" and r[1] > t2) > 0

    # Every login answered; after the first reload each one is signed with B.
    assert all(status == 200 for _, _, status, _ in load.logins)
    assert all(kid == "b" for start, _, _, kid in load.logins if start > t1)
    assert any(kid == "a" for _, end, _, kid in load.logins if end < t1_start)

    # A token of A is refused by every worker now, whichever cached it.
    for path in PATHS * 8:
        r = requests.get(url(path), headers={"Authorization": "Bearer " + token_a}, timeout=10)
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        r = requests.get(url(path), headers={"Authorization": "Bearer " + token_b}, timeout=10)
        assert r.status_code == 200
