"""The cross-cutting parts of docs/openapi.json, added by docs/openapi.py to every operation at once.

openapi.py describes each operation by itself; finish() then gives every operation its operationId,
the error statuses the stack really sends (nginx's own included; 409/422 where openapi.py lists an
Idempotency-Key parameter, 412 where it lists If-Match), the headers every response or a kind of
response carries (as references to components/headers), and the example bodies. Kept apart so that an operation added or changed
in openapi.py gets all of this without a line here (a missing operationId is derived, see op_id).
"""
import copy
import json
import re

import openapi_examples

# Stable, readable names for generated clients; a renamed id is a breaking change for them.
OPERATION_IDS = {
    ("get", "/api/openapi.json"): "getOpenApiDocument",
    ("post", "/api/auth"): "login",
    ("get", "/api/auth/me"): "getCurrentUser",
    ("get", "/api/users"): "listUsers",
    ("post", "/api/users"): "createUser",
    ("get", "/api/users/{id}"): "getUser",
    ("patch", "/api/users/{id}"): "updateUser",
    ("delete", "/api/users/{id}"): "disableUser",
    ("get", "/warehousing/inventory-transactions"): "listInventoryTransactions",
    ("post", "/warehousing/inventory-transactions"): "createInventoryTransaction",
    ("get", "/warehousing/inventory-transactions/ledger-check"): "checkLedger",
    ("get", "/warehousing/inventory-transactions/{id}"): "getInventoryTransaction",
    ("patch", "/warehousing/inventory-transactions/{id}"): "updateInventoryTransactionNotes",
    ("get", "/inventory/count-session"): "listCountSessions",
    ("post", "/inventory/count-session"): "createCountSession",
    ("get", "/inventory/count-session/{key}"): "getCountSession",
    ("put", "/inventory/count-session/{key}"): "updateCountSession",
    ("delete", "/inventory/count-session/{key}"): "deleteCountSession",
    ("post", "/inventory/count-session/{key}/start"): "startCountSession",
    ("post", "/inventory/count-session/{key}/complete"): "completeCountSession",
    ("post", "/inventory/count-session/{key}/cancel"): "cancelCountSession",
    ("post", "/inventory/count-session/{key}/apply"): "applyCountSession",
    ("get", "/inventory/count-session/{key}/records"): "listCountRecords",
    ("post", "/inventory/count-session/{key}/records"): "recordCount",
    ("post", "/inventory/count-session/{key}/records/resolve"): "resolveCountConflict",
    ("post", "/inventory/count-session/{key}/records/import"): "importCountRecords",
    ("get", "/inventory/count-session/{key}/variances"): "getCountVariances",
}
for _plural, _one in [("warehouses", "Warehouse"), ("bins", "Bin"), ("items", "Item"), ("stocks", "Stock")]:
    _base = "/warehousing/" + _plural
    OPERATION_IDS.update({
        ("get", _base): "list" + _one + "s", ("post", _base): "create" + _one,
        ("get", _base + "/{id}"): "get" + _one, ("patch", _base + "/{id}"): "update" + _one,
        ("delete", _base + "/{id}"): "delete" + _one})

# The POST whose 200 (the 000 document's body) is a create all the same: it carries Location.
CREATE_200 = {("post", "/inventory/count-session")}


HEADERS = {
    "X-Request-Id": {"description": "The request's id, also written to the server's log with the request; "
                                    "quote it when reporting a problem.", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before sending the request again.",
                    "schema": {"type": "integer", "minimum": 0}},
    "Idempotent-Replayed": {"description": "true when this is the stored answer to an earlier request with the "
                                           "same Idempotency-Key (nothing was written again); absent otherwise.",
                            "schema": {"type": "string", "enum": ["true"]}},
    "ETag": {"description": "The record's current version; send it back in If-Match to change the record only "
                            "if nobody changed it meanwhile. For a count session it is its _rev, quoted.",
             "schema": {"type": "string"}},
    "Location": {"description": "The path of the created record (or of the session a count was recorded in).",
                 "schema": {"type": "string", "format": "uri-reference"}},
    "WWW-Authenticate": {"description": "RFC 6750: Bearer realm=\"stocktake\"; on a 401 with error=\"invalid_token\" "
                                        "and error_description when a token was sent but refused; on a 403 for want "
                                        "of a scope error=\"insufficient_scope\" and scope (the route's scopes, any "
                                        "one is enough)", "schema": {"type": "string"}},
    "Allow": {"description": "The methods the path has.", "schema": {"type": "string"}},
    "Content-Disposition": {"description": "attachment; filename=\"<name>.csv\"", "schema": {"type": "string"}},
}


def header_ref(name):
    return {"$ref": "#/components/headers/" + name}


# Every error the stack sends, per envelope: (component name, description, extra headers).
# Idempotent-Replayed: a keyed POST stores and replays its refusals below 500 too (only there).
ERRORS = {
    400: ("BadRequest", "Bad request: the message says which parameter, field or value is wrong (also nginx's "
                        "answer to a request it cannot parse)", ["Idempotent-Replayed"]),
    401: ("Unauthorized", "Authentication required: no bearer token, or one that is invalid, expired or of a "
                          "disabled user", ["WWW-Authenticate"]),
    403: ("Forbidden", "Insufficient permissions: the token lacks the scopes (then with WWW-Authenticate), or "
                       "tenant_id names another tenant", ["WWW-Authenticate", "Idempotent-Replayed"]),
    404: ("NotFound", "Not found: no such record in the caller's tenant (also every unknown path)",
                       ["Idempotent-Replayed"]),
    405: ("MethodNotAllowed", "Method not allowed: the path exists but not with this method (every path answers "
                              "this to a method not listed for it); Allow lists the ones it has", ["Allow"]),
    409: ("Conflict", "Conflict: the record's state or a unique value refuses the change, or a request with the "
                      "same Idempotency-Key is still running (then with Retry-After)",
          ["Retry-After", "Idempotent-Replayed"]),
    412: ("PreconditionFailed", "Precondition failed: If-Match does not name the record's current ETag",
                                ["Idempotent-Replayed"]),
    413: ("PayloadTooLarge", "Request body too large: over 1 MiB (from nginx or the handler, in the same "
                            "envelope)", []),
    415: ("UnsupportedMediaType", "Unsupported media type: the body is not of a media type the operation "
                                  "takes", []),
    422: ("IdempotencyKeyReused", "Idempotency-Key already used with a different request", []),
    429: ("TooManyRequests", "Too many requests: nginx's rate limit; retry after Retry-After seconds",
          ["Retry-After"]),
    500: ("InternalServerError", "Internal server error", []),
    503: ("ServiceUnavailable", "Service temporarily unavailable: the database is restarting, or the handler pool "
                                "is down or did not answer within 30 s (nginx answers its own 502 and 504 as this "
                                "503, in the same envelope); retry after Retry-After seconds", ["Retry-After"]),
}
DEFAULT_ERROR = ("OtherError", "Other errors nginx answers itself, in the same envelope: 408 request timeout, "
                               "414 request URI too long, 501 not implemented")

# The two envelopes: the ledger and master data (ONDI, 004 document) and the rest (status, 000 document).
ENVELOPES = {"Ondi": "OndiError", "Status": "StatusEnvelope"}


def envelope_of(path):
    """Which envelope a path's errors come in: nginx's own for /api/openapi.json is ONDI too."""
    if path.startswith("/warehousing/") or path == "/api/openapi.json":
        return "Ondi"
    return "Status"


def error_ref(envelope, status):
    name = DEFAULT_ERROR[0] if status == "default" else ERRORS[int(status)][0]
    return {"$ref": "#/components/responses/" + envelope + name}


def error_components():
    out = {}
    for envelope, schema in ENVELOPES.items():
        for name, description, headers in list(ERRORS.values()) + [DEFAULT_ERROR + ([],)]:
            hs = {"X-Request-Id": header_ref("X-Request-Id")}
            hs.update({h: header_ref(h) for h in headers})
            out[envelope + name] = {"description": description, "headers": hs, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/" + schema}}}}
    return out


def op_id(method, path):
    """The operationId: from the table, else derived (getWarehousingBinsById) so none is ever missing."""
    if (method, path) in OPERATION_IDS:
        return OPERATION_IDS[(method, path)]
    words = [w for w in re.split(r"[/\-_]", path) if w]
    words = ["By" + w[1:-1].capitalize() if w.startswith("{") else w.capitalize() for w in words]
    return method + "".join(words)


def json_only_body(op):
    content = op.get("requestBody", {}).get("content", {})
    return list(content) == ["application/json"]


def header_params(op):
    """The names (lower case) of the operation's header parameters: Idempotency-Key, If-Match."""
    return {p["name"].lower() for p in op.get("parameters", []) if p.get("in") == "header"}


def wanted_errors(path, method, op):
    """The error statuses the stack can send for one operation."""
    if path == "/api/openapi.json":
        return {405, 500}
    codes = {400, 405, 500, 503}
    if op.get("security"):
        codes.add(401)
        if op["security"][0].get("OAuth2PasswordBearer"):
            codes.add(403)
    if "{" in path:
        codes.add(404)
    if "requestBody" in op:
        codes.add(413)
    if json_only_body(op):
        codes.add(415)
    if "idempotency-key" in header_params(op):
        codes.update({409, 422})
    if "if-match" in header_params(op):
        codes.add(412)
    if path == "/api/auth":
        codes.add(429)
    return codes


def is_plain_error(response, schemas_ref):
    """A response openapi.py wrote as the bare envelope (ondi_errors / status_errors): it becomes a $ref."""
    return response == {"description": "Error", "content": {"application/json": {"schema": schemas_ref}}}


def finish_responses(path, method, op):
    envelope = envelope_of(path)
    plain = {"$ref": "#/components/schemas/" + ENVELOPES[envelope]}
    responses = op["responses"]
    for status in list(responses):
        if is_plain_error(responses[status], plain):
            responses[status] = error_ref(envelope, status)
    for code in sorted(wanted_errors(path, method, op)):
        responses.setdefault(str(code), error_ref(envelope, code))
    responses.setdefault("default", error_ref(envelope, "default"))
    # Sorted by status, default last: the order readers and generators list them in.
    op["responses"] = dict(sorted(responses.items(), key=lambda kv: (kv[0] == "default", kv[0])))
    keyed = "idempotency-key" in header_params(op)
    for status, response in op["responses"].items():
        if "$ref" in response:
            continue
        headers = response.setdefault("headers", {})
        # A header openapi.py describes in place (ETag, Retry-After, ...) becomes the shared one.
        for name in list(headers):
            if name in HEADERS:
                headers[name] = header_ref(name)
        headers.setdefault("X-Request-Id", header_ref("X-Request-Id"))
        if not status.startswith("2"):
            continue
        if status == "201" or (method, path) in CREATE_200:
            headers.setdefault("Location", header_ref("Location"))
        if keyed:
            headers.setdefault("Idempotent-Replayed", header_ref("Idempotent-Replayed"))
        if "text/csv" in response.get("content", {}):
            headers.setdefault("Content-Disposition", header_ref("Content-Disposition"))
            response["content"] = json_first(response["content"])


def json_first(content):
    """A response that is JSON or, with format=csv, a CSV download lists application/json first.

    One path and method is one operation, so the CSV cannot have an operation of its own; it is a
    second media type of the same 200, with a schema of its own (type string). Generated clients
    then keep the JSON answer typed as it is: openapi-generator types an answer by its first media
    type; openapi-typescript-codegen and hey-api prefer application/json; openapi-typescript gives
    both, and openapi-fetch's createClient<paths, "application/json">() keeps only the JSON one (its
    Media type parameter), so JSON callers narrow nothing and CSV callers read the body as text."""
    return dict(sorted(content.items(), key=lambda kv: kv[0] != "application/json"))


def finish(doc):
    """Adds the cross-cutting parts to doc (built by openapi.py) and returns it."""
    doc = copy.deepcopy(doc)  # openapi.py shares response objects between operations
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            op.setdefault("operationId", op_id(method, path))
            finish_responses(path, method, op)
    components = doc["components"]
    components["headers"] = dict(HEADERS)
    components["responses"] = error_components()
    openapi_examples.add(doc)
    drop_unused_responses(doc)
    return doc


def drop_unused_responses(doc):
    """Leaves out the error components no operation refers to (e.g. ONDI 429: only logins are limited)."""
    text = json.dumps(doc["paths"])
    responses = doc["components"]["responses"]
    for name in list(responses):
        if '"#/components/responses/%s"' % name not in text:
            del responses[name]
