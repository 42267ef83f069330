"""How nginx delivers what the handlers send: gzip, CSV downloads streamed without temporary
files, the versioned stylesheet URL, and the split of the snippets (locations vs server-wide)."""
import gzip
import json
import os
import re
import socket
import time

import requests

from conftest import BASE_URL, ROOT, db_query, url

NGINX_DIR = os.path.join(ROOT, "nginx")
NGINX_ERROR_LOG = os.path.join(ROOT, "var", "log", "nginx-error.log")
FASTCGI_TEMP = os.path.join(ROOT, "var", "nginx", "tmp", "fastcgi")
TX = "/warehousing/inventory-transactions"

# demo data (db/demo.sql): demo-admin's tenant, a warehouse, item and stock record of it
TENANT = "10000000-0000-4000-8000-000000000001"
WAREHOUSE = "30000000-0000-4000-8000-000000000001"
ITEM = "50000000-0000-4000-8000-000000000001"
STOCK = "60000000-0000-4000-8000-000000000001"
DEMO_ADMIN = "20000000-0000-4000-8000-000000000001"


# ---- gzip -------------------------------------------------------------------------------

def test_json_is_gzipped_with_vary(admin):
    r = requests.get(url("/api/openapi.json"), headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw = r.raw.read(decode_content=False)
    assert r.status_code == 200 and r.headers.get("Content-Encoding") == "gzip", r.headers
    assert "Accept-Encoding" in r.headers.get("Vary", "")
    assert json.loads(gzip.decompress(raw))["openapi"]
    r = requests.get(url("/warehousing/items"), headers=dict(admin, **{"Accept-Encoding": "gzip"}), timeout=10)
    assert r.status_code == 200 and r.headers.get("Content-Encoding") == "gzip", r.headers


def test_csv_is_gzipped(admin):
    r = requests.get(url(TX), params={"format": "csv"}, headers=dict(admin, **{"Accept-Encoding": "gzip"}),
                     timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    if len(r.content) >= 1024:  # below gzip_min_length nothing is compressed
        assert r.headers.get("Content-Encoding") == "gzip", r.headers


def test_small_bodies_and_clients_without_gzip_are_not_compressed(admin):
    r = requests.get(url("/warehousing/items"), headers=dict(admin, **{"Accept-Encoding": "identity"}), timeout=10)
    assert r.status_code == 200 and "Content-Encoding" not in r.headers
    r = requests.get(url("/no/such/path"), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert r.status_code == 404 and "Content-Encoding" not in r.headers


def test_auth_group_bodies_are_never_compressed(admin):
    # The login's and refresh's bodies carry tokens: compressing them would open them to BREACH,
    # so the auth group's locations turn gzip off for all its answers (the user list is > 1 KiB).
    r = requests.post(url("/api/auth"), data={"username": "demo-admin", "password": "demo-admin"},
                      headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert r.status_code == 200 and r.json()["access_token"]
    assert "Content-Encoding" not in r.headers, r.headers
    users = requests.get(url("/api/users"), headers=dict(admin, **{"Accept-Encoding": "gzip"}), timeout=10)
    assert users.status_code == 200 and len(users.content) > 1024
    assert "Content-Encoding" not in users.headers, users.headers


def test_single_records_keep_their_strong_etag(admin):
    """nginx's gzip turns a strong ETag weak (W/"..."), which If-Match never matches: records are
    sent uncompressed, lists compressed."""
    gz = dict(admin, **{"Accept-Encoding": "gzip"})
    lst = requests.get(url("/inventory/count-session"), headers=gz, params={"limit": 100}, timeout=10)
    assert lst.status_code == 200
    sessions = [s for s in lst.json()["count_sessions"]]
    assert sessions
    for path in ["/inventory/count-session/" + sessions[0]["_key"], "/warehousing/items/" + ITEM]:
        r = requests.get(url(path), headers=gz, timeout=10)
        assert r.status_code == 200 and r.headers["ETag"].startswith('"'), (path, r.headers)
        assert "Content-Encoding" not in r.headers


# ---- CSV streamed, not spooled ----------------------------------------------------------

def _slow_download(path, token, pause=3.0):
    """GET path over a socket with a tiny receive buffer, read nothing for `pause` seconds (a slow
    client: nginx would spool to disk what it cannot pass on), then everything. (headers, size)."""
    host, port = BASE_URL.split("://", 1)[1].rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(60)
    s.connect((host, int(port)))
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
               % (path, token)).encode())
    time.sleep(pause)
    data = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    return head.decode("latin-1"), len(body)


def test_large_csv_download_is_streamed_without_temporary_files(admin):
    """30 000 extra ledger rows (quantity and delta 0, so no stock figure changes) make a ~7 MB
    CSV, far more than nginx's FastCGI buffers (272 KiB) and the socket buffers. Before the
    handlers sent X-Accel-Buffering: no, nginx wrote it to var/nginx/tmp/fastcgi and logged
    "an upstream response is buffered to a temporary file"."""
    note = "test_nginx_delivery %d" % os.getpid()
    db_query("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id, "
             "transaction_type, quantity, delta, performed_by, timestamp, notes) "
             "SELECT UUID(), ?, ?, ?, ?, 'adjustment', 0, 0, ?, '2001-01-01', "
             "CONCAT(?, ' row ', seq) FROM seq_1_to_30000", TENANT, WAREHOUSE, ITEM, STOCK, DEMO_ADMIN, note)
    try:
        log_start = os.path.getsize(NGINX_ERROR_LOG)
        before = set(os.listdir(FASTCGI_TEMP)) if os.path.isdir(FASTCGI_TEMP) else set()
        head, size = _slow_download(TX + "?format=csv", admin["Authorization"].split()[1])
        assert head.startswith("HTTP/1.1 200"), head
        assert "text/csv" in head and "x-accel-buffering" not in head.lower(), head
        assert size > 4_000_000, size
        with open(NGINX_ERROR_LOG, errors="replace") as f:
            f.seek(log_start)
            assert "temporary file" not in f.read()
        after = set(os.listdir(FASTCGI_TEMP)) if os.path.isdir(FASTCGI_TEMP) else set()
        assert after <= before, after - before
    finally:
        db_query("DELETE FROM inventory_transactions WHERE tenant_id = ? AND notes LIKE ?", TENANT, note + " row %")
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE notes LIKE ?", note + "%") == [["0"]]


# ---- the stylesheet's versioned URL -----------------------------------------------------

def _asset_links(html):
    return re.findall(r'(?:href|src)="(/admin/[a-z]+\.(?:css|js))\?v=([0-9a-f]{12})"', html)


def test_pages_link_versioned_assets_cached_for_a_year():
    page = requests.get(url("/admin/login"), timeout=10)
    links = dict(_asset_links(page.text))
    assert set(links) == {"/admin/style.css", "/admin/picker.js"}, page.text[:600]
    for path, version in links.items():
        r = requests.get(url(path), params={"v": version}, timeout=10)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The version is the content's: the same file gets the same one from every worker and host.
    css = requests.get(url("/admin/style.css"), timeout=10)
    assert css.headers["Cache-Control"] == "public, max-age=3600" and ".topbar" in css.text
    again = dict(_asset_links(requests.get(url("/admin/login"), timeout=10).text))
    assert again == links


def test_another_version_is_not_kept():
    # A page of another release (an upgrade under way across hosts) may get this body but must
    # not pin it for a year under a URL that names other contents.
    r = requests.get(url("/admin/style.css"), params={"v": "000000000000"}, timeout=10)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"


# ---- the snippets -----------------------------------------------------------------------

def _top_level(path):
    """The directives at brace depth 0 of an nginx file: their first words."""
    words, depth, start = [], 0, True
    with open(path) as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    for tok in re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", text):
        if tok == "{":
            depth += 1
            start = True
        elif tok == "}":
            depth -= 1
            start = True
        elif tok == ";":
            start = True
        else:
            if start and depth == 0:
                words.append(tok)
            start = False
    return words


def test_locations_snippet_holds_only_locations():
    words = _top_level(os.path.join(NGINX_DIR, "stocktake.conf.in"))
    assert words and set(words) == {"location"}, set(words)


def test_server_snippet_holds_the_server_wide_defaults():
    words = _top_level(os.path.join(NGINX_DIR, "stocktake-server.conf.in"))
    assert "location" not in words
    for d in ("server_tokens", "client_max_body_size", "fastcgi_read_timeout", "add_header", "error_page",
              "gzip", "gzip_types", "gzip_vary", "gzip_min_length"):
        assert d in words, d
    nginx_conf = open(os.path.join(NGINX_DIR, "nginx.conf.in")).read()
    assert nginx_conf.index("stocktake-server.conf") < nginx_conf.index("/stocktake.conf;")
