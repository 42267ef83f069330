"""The OpenAPI document and the handlers' route tables describe the same endpoints."""
import json
import os
import re
import subprocess

import requests

from conftest import ROOT, url

GROUPS = ["auth", "master_data", "inventory_transactions", "count_sessions", "admin"]
# Routes that nginx serves itself, not a handler.
NGINX_ROUTES = {("GET", "/api/openapi.json")}
# HTML pages are not part of the JSON API document.
UNDOCUMENTED_PREFIXES = ("/admin",)


def load_document():
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        return json.load(f)


def route_table_entries():
    """(METHOD, /path/{param}) for every route of every built handler, via `<handler> --routes`."""
    entries = set()
    found = 0
    for group in GROUPS:
        exe = os.path.join(ROOT, "cgi-bin", group)
        if not os.path.exists(exe):
            continue
        found += 1
        out = subprocess.run([exe, "--routes"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if not line.strip():
                continue
            method, pattern = line.split()[:2]
            if pattern.startswith(UNDOCUMENTED_PREFIXES):
                continue
            entries.add((method, re.sub(r":([A-Za-z_]+)", r"{\1}", pattern)))
    assert found >= 2, "expected built handlers under cgi-bin/"
    return entries


def document_entries(doc):
    return {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}


def test_every_route_is_documented_and_every_documented_route_exists():
    doc = load_document()
    routes = route_table_entries() | NGINX_ROUTES
    documented = document_entries(doc)
    assert sorted(routes - documented) == [], "routes missing from docs/openapi.json"
    assert sorted(documented - routes) == [], "documented operations with no route"


def test_document_is_openapi_31_with_security_scheme():
    doc = load_document()
    assert doc["openapi"].startswith("3.1")
    flows = doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/auth"
    for scope in ["admin", "library", "production", "operator", "view:tenant", "manage:operations:tenant",
                  "inventory:count:create", "inventory:count:record", "inventory:count:apply"]:
        assert scope in flows["password"]["scopes"]


def test_route_scopes_match_document():
    """Each route's scopes (from --routes) equal the scopes the document lists for it."""
    doc = load_document()
    for group in GROUPS:
        exe = os.path.join(ROOT, "cgi-bin", group)
        if not os.path.exists(exe):
            continue
        out = subprocess.run([exe, "--routes"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if not parts or parts[1].startswith(UNDOCUMENTED_PREFIXES):
                continue
            # A last "?a&b" word lists the query parameters (test_route_query_parameters_match_document).
            method, pattern = parts[0], re.sub(r":([A-Za-z_]+)", r"{\1}", parts[1])
            scopes = [p for p in parts[2:] if not p.startswith("?")]
            operation = doc["paths"][pattern][method.lower()]
            documented = operation.get("security", [])
            if scopes == ["-"]:
                assert documented == [], (method, pattern)
            elif scopes == ["*"]:
                assert documented == [{"OAuth2PasswordBearer": []}], (method, pattern)
            else:
                assert documented == [{"OAuth2PasswordBearer": scopes}], (method, pattern)


def test_document_is_served_by_nginx():
    r = requests.get(url("/api/openapi.json"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == load_document()


def test_generator_output_is_committed():
    """docs/openapi.json is exactly what docs/openapi.py writes."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("openapi_gen", os.path.join(ROOT, "docs", "openapi.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.build() == load_document()


def test_route_query_parameters_match_document():
    """Each JSON route's accepted query parameters (the "?a&b" word of --routes, which the handler
    enforces: any other is 400) equal the query parameters its operation declares; tenant_id is
    accepted everywhere and need not be declared."""
    doc = load_document()
    checked = 0
    for group in GROUPS:
        exe = os.path.join(ROOT, "cgi-bin", group)
        if not os.path.exists(exe):
            continue
        out = subprocess.run([exe, "--routes"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if not parts or parts[1].startswith(UNDOCUMENTED_PREFIXES):
                continue
            query = [p for p in parts[2:] if p.startswith("?")]
            assert query, "JSON route without a query parameter list: %s" % line
            accepted = {n for n in query[0][1:].split("&") if n}
            pattern = re.sub(r":([A-Za-z_]+)", r"{\1}", parts[1])
            operation = doc["paths"][pattern][parts[0].lower()]
            documented = {p["name"] for p in operation.get("parameters", [])
                          if p.get("in") == "query" and p["name"] != "tenant_id"}
            assert accepted == documented, (parts[0], pattern, sorted(accepted ^ documented))
            checked += 1
    assert checked > 30
