"""/api/ready while MariaDB is down: 503 with the reason, while /api/health still answers 200.

A load balancer polling /api/ready takes the host out while the database is gone and back in when
it returns; /api/health says only that the handler process is there.
"""
import os
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stack  # noqa: E402
from conftest import url  # noqa: E402


def test_ready_follows_the_database():
    try:
        stack.stop_mariadb(crash=True)
        r = requests.get(url("/api/ready"), timeout=10)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["message"] == "Service temporarily unavailable"
        assert body["detail"] == "the database cannot be reached"
        assert body["schema"]["applied"] is None and body["schema"]["expected"] >= 1
        assert r.headers["Retry-After"] == "5"
        h = requests.get(url("/api/health"), timeout=10)
        assert h.status_code == 200 and h.json()["message"] == "Service is running"
    finally:
        stack.restore()
    deadline = time.monotonic() + 30
    while requests.get(url("/api/ready"), timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "not ready 30 s after MariaDB came back"
        time.sleep(0.2)
