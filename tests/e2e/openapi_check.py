"""Checks responses the end-to-end tests receive against docs/openapi.json, so the document and the
service cannot drift: conftest.py records every response that comes through requests while a test
runs, and fails the test on the first one the document does not describe.

A response to an API path is checked for: a documented path template and method, a documented status
(or the operation's default), a documented media type, and a JSON body valid against that media
type's schema (Draft 2020-12, $refs resolved within the document). Paths the document does not have
(tests send garbage on purpose) must get an error in one of the two envelopes; a documented path
with a method it does not list must get 405 (or an error documented for the path, such as the login
rate limit's 429, which nginx applies to any method) in the path's error envelope.

Headers, both ways: a header of the document's shared set (components/headers) that the answer
carries must be listed for that response, and one listed must be there unless it is sent only
sometimes (SOMETIMES: e.g. Retry-After on a 409 only when an Idempotency-Key is busy) or the answer
is a replay (Idempotent-Replayed: only the stored status and body come back).
"""
import json
import os
import re
from urllib.parse import urlsplit

import jsonschema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Not part of the JSON API: the HTML pages, and the document itself (checked by test_openapi.py).
SKIPPED_PREFIXES = ("/admin", "/api/openapi.json")
# (status, header) pairs the document lists for answers that carry the header only in some cases.
SOMETIMES = {("409", "retry-after"), ("403", "www-authenticate")}
# Replays only; CSV downloads only (the same 200 as the JSON answer).
SOMETIMES_ANY_STATUS = {"idempotent-replayed", "content-disposition"}
# Headers a replay does not repeat (docs/ledger.md "Idempotency-Key").
NOT_REPLAYED = {"location", "etag"}
ANY_ERROR = {"anyOf": [{"$ref": "#/components/schemas/OndiError"},
                       {"$ref": "#/components/schemas/StatusEnvelope"}]}


class Document:
    """docs/openapi.json with its path templates compiled and one validator per schema, built once."""

    def __init__(self, path=os.path.join(ROOT, "docs", "openapi.json")):
        with open(path) as f:
            self.doc = json.load(f)
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)
        self.validators = {}
        # Literal segments before parameters: /inventory-transactions/ledger-check before /{id}.
        self.templates = sorted(self.doc["paths"], key=lambda p: (p.count("{"), p))
        self.patterns = {p: re.compile("^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(p)) + "$")
                         for p in self.templates}

    def template(self, path):
        for t in self.templates:
            if self.patterns[t].match(path):
                return t
        return None

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            self.validators[key] = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        return self.validators[key]

    def resolve(self, obj):
        while "$ref" in obj:
            obj = self.resolver.resolve(obj["$ref"])[1]
        return obj

    def check(self, method, url, status, content_type, body, headers=None):
        """None when the document describes this response, else what is wrong. headers (a
        case-insensitive mapping) are checked too when given."""
        problem = self.check_response(method, url, status, content_type, body)
        if problem or headers is None or self.response_of(method, url, status) is None:
            return problem
        return self.check_headers(self.response_of(method, url, status), str(status), headers)

    def response_of(self, method, url, status):
        """The document's response object for this answer on a documented operation, or None."""
        template = self.template(urlsplit(url).path)
        if template is None or urlsplit(url).path.startswith(SKIPPED_PREFIXES):
            return None
        op = self.doc["paths"][template].get("get" if method == "HEAD" else method.lower())
        if op is None:
            return None
        response = op["responses"].get(str(status)) or (op["responses"].get("default") if status >= 400 else None)
        return self.resolve(response) if response else None

    def check_headers(self, response, status, headers):
        listed = {name.lower() for name in response.get("headers", {})}
        shared = {name.lower() for name in self.doc["components"].get("headers", {})}
        for name in sorted(shared):
            if name in headers and name not in listed:
                return "the answer carries %s, which the document does not list for status %s" % (name, status)
        replayed = headers.get("Idempotent-Replayed") == "true"
        for name in sorted(listed & shared):
            if name in headers or (status, name) in SOMETIMES or name in SOMETIMES_ANY_STATUS:
                continue
            if replayed and name in NOT_REPLAYED:
                continue
            return "the document lists the header %s for status %s, but the answer has none" % (name, status)
        return None

    def check_response(self, method, url, status, content_type, body):
        path = urlsplit(url).path
        if path.startswith(SKIPPED_PREFIXES):
            return None
        template = self.template(path)
        if template is None:
            return self.check_error_body(status, content_type, body, ANY_ERROR, "an undocumented path")
        ops = self.doc["paths"][template]
        op = ops.get("get" if method == "HEAD" else method.lower())
        if op is None:
            # 405, or an error nginx gives the whole path before the handler sees the method (the
            # login rate limit's 429 on any method of /api/auth): as documented for the path.
            documented = [o["responses"][str(status)] for o in ops.values() if str(status) in o["responses"]]
            if status < 400 or not documented:
                return "%s is not documented on %s and was answered %d, not 405" % (method, template, status)
            return self.check_against(self.resolve(documented[0]), method, template, status, content_type, body)
        # default describes the other errors (nginx's 408, 414, 501), never a success or a redirect.
        response = op["responses"].get(str(status)) or (op["responses"].get("default") if status >= 400 else None)
        if response is None:
            return "status %d is not documented for %s %s" % (status, method, template)
        return self.check_against(self.resolve(response), method, template, status, content_type,
                                  None if method == "HEAD" else body)

    def check_error_body(self, status, content_type, body, schema, what):
        if status < 400:
            return "%s was answered %d, not an error" % (what, status)
        if media_type(content_type) != "application/json":
            return "%s was answered with %r, not an application/json error envelope" % (what, content_type)
        return self.check_json(schema, body)

    def check_against(self, response, method, template, status, content_type, body):
        content = response.get("content")
        if not content:
            return None if not body else "%s %s %d has a body but the document describes none" % (
                method, template, status)
        media = media_type(content_type)
        if media not in content:
            return "%s %s %d: Content-Type %r is not one of %s" % (method, template, status, content_type,
                                                                 sorted(content))
        if body is None or media != "application/json":
            return None
        return self.check_json(content[media].get("schema", {}), body)

    def check_json(self, schema, body):
        try:
            value = json.loads(body)
        except ValueError as e:
            return "the body is not JSON (%s): %r" % (e, body[:200])
        error = jsonschema.exceptions.best_match(self.validator(schema).iter_errors(value))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(the body)"
        return "the body does not match the schema at %s: %s" % (where, error.message[:500])


def media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower()
