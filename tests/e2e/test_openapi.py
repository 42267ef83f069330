"""The OpenAPI document and the handlers' route tables describe the same endpoints."""
import json
import os
import re
import subprocess

import requests

from conftest import ROOT, auth_headers, unique, url

GROUPS = ["auth", "master_data", "inventory_transactions", "count_sessions", "admin"]
# Routes that nginx serves itself, not a handler.
NGINX_ROUTES = {("GET", "/api/openapi.json")}
# HTML pages are not part of the JSON API document.
UNDOCUMENTED_PREFIXES = ("/admin",)


def load_document():
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        return json.load(f)


def documented_routes():
    """(METHOD, /path/{param}, the rest of the line's words) for every route of every built handler
    that the document covers, read from `<handler> --routes`."""
    found = 0
    for group in GROUPS:
        exe = os.path.join(ROOT, "cgi-bin", group)
        if not os.path.exists(exe):
            continue
        found += 1
        out = subprocess.run([exe, "--routes"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if not parts or parts[1].startswith(UNDOCUMENTED_PREFIXES):
                continue
            yield parts[0], re.sub(r":([A-Za-z_]+)", r"{\1}", parts[1]), parts[2:]
    assert found >= 2, "expected built handlers under cgi-bin/"


def route_table_entries():
    """(METHOD, /path/{param}) for every route of every built handler."""
    return {(method, pattern) for method, pattern, _ in documented_routes()}


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
    for method, pattern, rest in documented_routes():
        # A last "?a&b" word lists the query parameters (test_route_query_parameters_match_document).
        scopes = [p for p in rest if not p.startswith("?")]
        documented = doc["paths"][pattern][method.lower()].get("security", [])
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
    for method, pattern, rest in documented_routes():
        query = [p for p in rest if p.startswith("?")]
        assert query, "JSON route without a query parameter list: %s %s" % (method, pattern)
        accepted = {n for n in query[0][1:].split("&") if n}
        operation = doc["paths"][pattern][method.lower()]
        documented = {p["name"] for p in operation.get("parameters", [])
                      if p.get("in") == "query" and p["name"] != "tenant_id"}
        assert accepted == documented, (method, pattern, sorted(accepted ^ documented))
        checked += 1
    assert checked > 30


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_operation_has_a_unique_operation_id():
    doc = load_document()
    ids = [op.get("operationId") for _, _, op in operations(doc)]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    by_route = {(m, p): op["operationId"] for p, m, op in operations(doc)}
    assert by_route[("get", "/warehousing/inventory-transactions")] == "listInventoryTransactions"
    assert by_route[("post", "/warehousing/inventory-transactions")] == "createInventoryTransaction"
    assert by_route[("get", "/warehousing/bins/{id}")] == "getBin"
    assert by_route[("post", "/inventory/count-session/{key}/start")] == "startCountSession"


def media_examples(doc):
    """(where, schema, value) of every example of a request body or response media type."""
    for path, method, op in operations(doc):
        bodies = [("request", op.get("requestBody", {}))] + list(op["responses"].items())
        for status, body in bodies:
            for media, m in body.get("content", {}).items():
                for name, e in m.get("examples", {}).items():
                    yield "%s %s %s %s %s" % (method, path, status, media, name), m["schema"], e["value"]


def test_every_example_is_valid_against_its_schema():
    """The examples (the API documents' own among them) are what the schemas describe."""
    import jsonschema
    doc = load_document()
    resolver = jsonschema.RefResolver.from_schema(doc)
    checked = 0
    for where, schema, value in media_examples(doc):
        errors = list(jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(value))
        assert errors == [], (where, [e.message for e in errors])
        checked += 1
    ops = {op["operationId"]: op for _, _, op in operations(doc)}
    create = ops["createInventoryTransaction"]
    assert create["requestBody"]["content"]["application/json"]["examples"]["move"]["value"]["quantity"] == 10
    assert "examples" in create["responses"]["201"]["content"]["application/json"]
    assert "examples" in ops["createCountSession"]["requestBody"]["content"]["application/json"]
    assert checked >= 20


def test_every_response_has_the_statuses_and_headers_the_stack_sends():
    doc = load_document()
    resolve = lambda r: doc["components"]["responses"][r["$ref"].rsplit("/", 1)[1]] if "$ref" in r else r
    for path, method, op in operations(doc):
        responses = {k: resolve(v) for k, v in op["responses"].items()}
        where = (method, path)
        assert {"405", "500", "default"} <= set(responses), where
        for status, r in responses.items():
            assert "X-Request-Id" in r.get("headers", {}), (where, status)
        if path == "/api/openapi.json":
            continue
        assert "503" in responses and "Retry-After" in responses["503"]["headers"], where
        assert "Allow" in responses["405"]["headers"], where
        if op.get("security"):
            assert "WWW-Authenticate" in responses["401"]["headers"], where
        if list(op.get("requestBody", {}).get("content", {})) == ["application/json"]:
            assert {"413", "415"} <= set(responses), where
        headers_in = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if "If-Match" in headers_in:
            assert "412" in responses, where
        ok = responses[min(k for k in responses if k.startswith("2"))]
        if "201" in responses or op["operationId"] == "createCountSession":
            assert "Location" in ok["headers"], where
        if op["operationId"].startswith(("create", "record", "import")):
            assert "Idempotency-Key" in headers_in, where
        if "Idempotency-Key" in headers_in:
            assert "Idempotent-Replayed" in ok["headers"], where
            assert "Retry-After" in responses["409"]["headers"] and "422" in responses, where
        for name, header in ok.get("headers", {}).items():
            assert header == {"$ref": "#/components/headers/" + name}, (where, name)
    tagged = [(m, p) for p, m, op in operations(doc)
              if any("ETag" in r.get("headers", {}) for s, r in op["responses"].items() if s.startswith("2"))]
    assert ("get", "/warehousing/bins/{id}") in tagged and ("get", "/inventory/count-session/{key}") in tagged
    login = doc["paths"]["/api/auth"]["post"]["responses"]
    assert "Retry-After" in resolve(login["429"])["headers"]


def test_csv_downloads_are_their_own_media_type_after_json():
    """Generated clients type an answer by its first media type (openapi-generator) or by
    application/json: the CSV is a second media type with a string schema (docs/openapi_finish.py)."""
    doc = load_document()
    csv = [(p, m) for p, m, op in operations(doc) if "text/csv" in op["responses"].get("200", {}).get("content", {})]
    assert sorted(csv) == [("/inventory/count-session/{key}/variances", "get"),
                           ("/warehousing/inventory-transactions", "get")]
    for path, method in csv:
        ok = doc["paths"][path][method]["responses"]["200"]
        assert list(ok["content"]) == ["application/json", "text/csv"]
        assert ok["content"]["text/csv"]["schema"]["type"] == "string"
        assert "Content-Disposition" in ok["headers"]


def redocly():
    """tests/openapi's @redocly/cli, installed from its package-lock.json when missing (as ./devstack test
    does), so the lint runs wherever the e2e suite runs."""
    tools = os.path.join(ROOT, "tests", "openapi")
    exe = os.path.join(tools, "node_modules", ".bin", "redocly")
    if not os.path.exists(exe):
        subprocess.run(["npm", "ci", "--prefix", tools, "--no-audit", "--no-fund", "--loglevel=error"],
                       check=True, timeout=600)
    return exe


def test_redocly_lint_has_no_errors_and_no_warnings():
    tools = os.path.join(ROOT, "tests", "openapi")
    out = subprocess.run([redocly(), "lint", "--config", os.path.join(tools, "redocly.yaml"), "--format=json",
                          os.path.join(ROOT, "docs", "openapi.json")], capture_output=True, text=True, timeout=300)
    report = json.loads(out.stdout)
    problems = ["%s %s: %s" % (p["severity"], p["ruleId"], p["message"]) for p in report["problems"]]
    assert report["totals"]["errors"] == 0 and report["totals"]["warnings"] == 0, problems
    assert out.returncode == 0, out.stderr


def test_response_check_refuses_what_the_document_does_not_describe():
    """The e2e suite's response check (openapi_check.py, run after every e2e test by conftest.py)."""
    import openapi_check
    d = openapi_check.Document()
    ok = '{"success": true, "message": "Bins retrieved successfully", "bins": [], "page": 1, "limit": 20, ' \
         '"total": 0}'
    assert d.check("GET", url("/warehousing/bins"), 200, "application/json", ok) is None
    assert "does not match the schema at (the body)" in d.check("GET", url("/warehousing/bins"), 200,
                                                                "application/json", '{"success": true}')
    assert "page" in d.check("GET", url("/warehousing/bins"), 200, "application/json", ok.replace("1,", '"1",'))
    assert "status 302 is not documented" in d.check("GET", url("/warehousing/bins"), 302, "text/html", "")
    assert "Content-Type 'text/html'" in d.check("GET", url("/warehousing/bins"), 400, "text/html", "<html>")
    err = '{"success": false, "message": "Not found", "code": "not_found"}'
    assert d.check("GET", url("/warehousing/bins/ledger"), 404, "application/json", err) is None
    assert d.check("GET", url("/no/such/path"), 404, "application/json", err) is None
    assert "not an error" in d.check("GET", url("/no/such/path"), 200, "application/json", err)
    assert d.check("DELETE", url("/warehousing/bins"), 405, "application/json",
                   '{"success": false, "message": "Method not allowed", "code": "method_not_allowed"}') is None
    assert "not 405" in d.check("DELETE", url("/warehousing/bins"), 200, "application/json", ok)
    # The status envelope of the count sessions, not the ONDI one.
    assert d.check("GET", url("/inventory/count-session/x"), 404, "application/json", err) is not None
    assert d.check("GET", url("/admin/anything"), 200, "text/html", "<html>") is None


def test_response_check_compares_headers_both_ways():
    import openapi_check
    from requests.structures import CaseInsensitiveDict as H
    d = openapi_check.Document()
    ok = '{"success": true, "message": "Bins retrieved successfully", "bins": [], "page": 1, "limit": 20, ' \
         '"total": 0}'
    rid = {"X-Request-Id": "r1"}
    assert d.check("GET", url("/warehousing/bins"), 200, "application/json", ok, H(rid)) is None
    # Listed for every answer, so missing is drift; a shared header the document does not list here, too.
    assert "x-request-id" in d.check("GET", url("/warehousing/bins"), 200, "application/json", ok, H())
    assert "etag" in d.check("GET", url("/warehousing/bins"), 200, "application/json", ok, H(rid, ETag='"1"'))
    err = '{"success": false, "message": "Authentication required", "code": "unauthorized"}'
    assert "www-authenticate" in d.check("GET", url("/warehousing/bins"), 401, "application/json", err, H(rid))
    # A created record's answer names it; a replay of that answer does not have to.
    made = requests.post(url("/warehousing/warehouses"), headers=auth_headers("demo-admin"),
                         json={"name": unique("Header check"), "code": unique("HC")})
    assert made.status_code == 201, made.text
    sent = H(made.headers)
    assert d.check("POST", made.url, 201, "application/json", made.text, sent) is None
    del sent["Location"]
    assert "location" in d.check("POST", made.url, 201, "application/json", made.text, sent)
    sent["Idempotent-Replayed"] = "true"
    assert d.check("POST", made.url, 201, "application/json", made.text, sent) is None
