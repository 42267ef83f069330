"""Shared helpers of the /warehousing/* end-to-end tests: requests, ONDI envelope assertions, fixtures factories."""
import requests

from conftest import unique, url

BASE = "/warehousing/"


def call(method, path, headers, body=None, params=None, raw=None, extra=None, session=None):
    kw = {"headers": dict(headers or {}), "params": params, "timeout": 30}
    kw["headers"].update(extra or {})
    if raw is not None:
        kw["headers"]["Content-Type"] = "application/json"
        kw["data"] = raw
    elif body is not None:
        kw["json"] = body
    return (session or requests).request(method, url(BASE + path), **kw)


def ok(resp, status, message):
    """Asserts a success envelope and returns the body."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["success"] is True, body
    assert body["message"] == message, body
    return body


def err(resp, status, message, code=None, field=None):
    """Asserts an ONDI error: the message word for word, and a code (the given one, if any) and
    the field (when given; none otherwise) beside it."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert {k: v for k, v in body.items() if k not in ("code", "field")} == \
        {"success": False, "message": message}, body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body


def new_warehouse(h, **fields):
    body = {"name": unique("Warehouse"), "code": unique("WH")}
    body.update(fields)
    return ok(call("POST", "warehouses", h, body), 201, "Warehouse created successfully")["warehouse"]


def new_bin(h, warehouse_id, **fields):
    body = {"warehouse_id": warehouse_id, "code": unique("BIN")}
    body.update(fields)
    return ok(call("POST", "bins", h, body), 201, "Bin created successfully")["bin"]


def new_item(h, **fields):
    body = {"sku": unique("SKU"), "name": unique("Item")}
    body.update(fields)
    return ok(call("POST", "items", h, body), 201, "Item created successfully")["item"]


def new_stock(h, warehouse_id, item_id, bin_id=None, **fields):
    body = {"warehouse_id": warehouse_id, "item_id": item_id}
    if bin_id:
        body["bin_id"] = bin_id
    body.update(fields)
    return ok(call("POST", "stocks", h, body), 201, "Stock created successfully")["stock"]
