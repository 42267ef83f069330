"""E2E tests of the master data group: warehouses, bins, items and stocks (CRUD, validation, paging, tenancy, guards)."""
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import auth_headers, db_query, unique
from ondi import call, err, new_bin, new_item, new_stock, new_warehouse, ok

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# ---- helpers ----------------------------------------------------------------

def user_id(username):
    return db_query("SELECT id FROM users WHERE username = ?", username)[0][0]


def ids(rows):
    return [r["id"] for r in rows]


@pytest.fixture
def place(admin):
    """A fresh warehouse with one bin, and an item."""
    wh = new_warehouse(admin)
    return {"wh": wh, "bin": new_bin(admin, wh["id"]), "item": new_item(admin)}


@pytest.fixture(scope="module")
def acme_place():
    """Records of the Acme tenant, for cross-tenant references."""
    h = auth_headers("acme-admin")
    wh = new_warehouse(h)
    return {"wh": wh, "bin": new_bin(h, wh["id"]), "item": new_item(h)}


# ---- warehouses -------------------------------------------------------------

def test_warehouse_crud(admin, demo_tenant_id):
    code = unique("WH")
    created = new_warehouse(admin, code=code, name="North", address="1 Dock Road")
    assert set(created) == {"id", "tenant_id", "name", "code", "address", "status", "created_at", "updated_at"}
    assert created["tenant_id"] == demo_tenant_id
    assert (created["name"], created["code"], created["address"], created["status"]) == \
        ("North", code, "1 Dock Road", "active")
    assert ISO.match(created["created_at"]) and ISO.match(created["updated_at"])
    assert db_query("SELECT tenant_id, name, code, status FROM warehouses WHERE id = ?", created["id"]) == \
        [[demo_tenant_id, "North", code, "active"]]

    got = ok(call("GET", "warehouses/" + created["id"], admin), 200, "Warehouse retrieved successfully")
    assert got["warehouse"] == created

    patched = ok(call("PATCH", "warehouses/" + created["id"], admin, {"name": "South", "address": None}),
                 200, "Warehouse updated successfully")["warehouse"]
    assert (patched["name"], patched["address"], patched["code"]) == ("South", None, code)
    assert db_query("SELECT name, address FROM warehouses WHERE id = ?", created["id"]) == [["South", None]]

    deleted = ok(call("DELETE", "warehouses/" + created["id"], admin), 200, "Warehouse deleted successfully")
    assert deleted["warehouse"]["status"] == "inactive"
    assert db_query("SELECT status FROM warehouses WHERE id = ?", created["id"]) == [["inactive"]]
    # Soft-deleted: still readable by id.
    again = ok(call("GET", "warehouses/" + created["id"], admin), 200, "Warehouse retrieved successfully")
    assert again["warehouse"]["status"] == "inactive"


def test_warehouse_id_uppercase_is_found(admin):
    wh = new_warehouse(admin)
    got = ok(call("GET", "warehouses/" + wh["id"].upper(), admin), 200, "Warehouse retrieved successfully")
    assert got["warehouse"]["id"] == wh["id"]


def test_warehouse_duplicate_code(admin, acme):
    first = new_warehouse(admin)
    err(call("POST", "warehouses", admin, {"name": "X", "code": first["code"]}), 409, "Warehouse code already exists")
    other = new_warehouse(admin)
    err(call("PATCH", "warehouses/" + other["id"], admin, {"code": first["code"]}), 409,
        "Warehouse code already exists")
    assert db_query("SELECT code FROM warehouses WHERE id = ?", other["id"]) == [[other["code"]]]
    # Codes are unique per tenant only.
    new_warehouse(acme, code=first["code"])


@pytest.mark.parametrize("body,message", [
    ({"code": "C1"}, "Field required: name"),
    ({"name": "N"}, "Field required: code"),
    ({"name": "  ", "code": "C1"}, "Field required: name"),
    ({"name": 5, "code": "C1"}, "Invalid name"),
    ({"name": "N", "code": "C1", "status": "closed"}, "Invalid status"),
    ({"name": "N", "code": "C" * 51}, "Field too long: code"),
    ({"name": "N", "code": "C1", "colour": "red"}, "Unknown field: colour"),
    ({"name": "N", "code": "C1", "id": str(uuid.uuid4())}, "Field is read-only: id"),
])
def test_warehouse_create_validation(admin, body, message):
    err(call("POST", "warehouses", admin, body), 400, message)


@pytest.mark.parametrize("raw", ["{", "[1, 2]", "not json", '{"name": "a"} trailing', ""])
def test_invalid_json(admin, raw):
    err(call("POST", "warehouses", admin, raw=raw), 400, "Invalid JSON body")


def test_warehouse_patch_validation(admin):
    wh = new_warehouse(admin)
    path = "warehouses/" + wh["id"]
    err(call("PATCH", path, admin, {"foo": 1}), 400, "Unknown field: foo")
    err(call("PATCH", path, admin, {"name": ["x"]}), 400, "Invalid name")
    err(call("PATCH", path, admin, {"name": None}), 400, "Field required: name")
    err(call("PATCH", path, admin, {"status": "gone"}), 400, "Invalid status")
    err(call("PATCH", path, admin, {"created_at": "2020-01-01T00:00:00Z"}), 400, "Field is read-only: created_at")
    err(call("PATCH", path, admin, {}), 400, "No fields to update")
    err(call("PATCH", path, admin, raw="{bad"), 400, "Invalid JSON body")
    assert db_query("SELECT name FROM warehouses WHERE id = ?", wh["id"]) == [[wh["name"]]]


@pytest.mark.parametrize("kind,entity,patch", [
    ("warehouses", "Warehouse", {"status": "active"}), ("bins", "Bin", {"status": "active"}),
    ("items", "Item", {"status": "active"}), ("stocks", "Stock", {"status": "available"})])
def test_not_found(admin, kind, entity, patch):
    for bad in ("not-a-uuid", str(uuid.uuid4()), "1' OR '1'='1"):
        err(call("GET", kind + "/" + bad, admin), 404, entity + " not found")
        err(call("PATCH", kind + "/" + bad, admin, patch), 404, entity + " not found")
        err(call("DELETE", kind + "/" + bad, admin), 404, entity + " not found")


def test_warehouse_list_shape_and_filters(admin):
    tag = unique("list")
    a = new_warehouse(admin, name=tag + " A")
    b = new_warehouse(admin, name=tag + " B", address="Pier " + tag)
    ok(call("DELETE", "warehouses/" + a["id"], admin), 200, "Warehouse deleted successfully")
    body = ok(call("GET", "warehouses", admin, params={"search": tag}), 200, "Warehouses retrieved successfully")
    assert set(body) == {"success", "message", "warehouses", "page", "limit", "total"}
    assert (body["page"], body["limit"], body["total"]) == (1, 20, 2)
    assert ids(body["warehouses"]) == [b["id"], a["id"]]  # newest first
    assert body["warehouses"][0] == b

    active = ok(call("GET", "warehouses", admin, params={"search": tag, "status": "active"}), 200,
                "Warehouses retrieved successfully")
    assert ids(active["warehouses"]) == [b["id"]] and active["total"] == 1
    inactive = ok(call("GET", "warehouses", admin, params={"search": tag, "status": "inactive"}), 200,
                  "Warehouses retrieved successfully")
    assert ids(inactive["warehouses"]) == [a["id"]]
    by_code = ok(call("GET", "warehouses", admin, params={"code": b["code"]}), 200, "Warehouses retrieved successfully")
    assert ids(by_code["warehouses"]) == [b["id"]]
    # Empty parameters count as absent (the ONDI examples send them so).
    empty = ok(call("GET", "warehouses", admin, params={"search": tag, "status": "", "code": "", "page": "",
                                                     "limit": ""}), 200, "Warehouses retrieved successfully")
    assert empty["total"] == 2
    err(call("GET", "warehouses", admin, params={"status": "closed"}), 400, "Invalid status")


def test_search_is_case_insensitive_and_escapes_wildcards(admin):
    tag = unique("pct")
    pct = new_warehouse(admin, name=tag + " 100% sure")
    under = new_warehouse(admin, name=tag + " a_b")
    plain = new_warehouse(admin, name=tag + " aXb 100 percent")
    found = call("GET", "warehouses", admin, params={"search": tag.upper() + " 100%"}).json()
    assert ids(found["warehouses"]) == [pct["id"]]
    found = call("GET", "warehouses", admin, params={"search": "a_b", "limit": 100}).json()
    assert under["id"] in ids(found["warehouses"]) and plain["id"] not in ids(found["warehouses"])
    for w in found["warehouses"]:
        assert "a_b" in (w["name"] + w["code"] + (w["address"] or "")).lower()
    found = call("GET", "warehouses", admin, params={"search": "%", "limit": 100}).json()
    assert plain["id"] not in ids(found["warehouses"])
    for w in found["warehouses"]:
        assert "%" in w["name"] + w["code"] + (w["address"] or "")


def test_pagination(admin):
    tag = unique("page")
    made = [new_warehouse(admin, name="%s %d" % (tag, i)) for i in range(3)]
    newest_first = ids(reversed(made))
    p1 = ok(call("GET", "warehouses", admin, params={"search": tag, "limit": 2}), 200, "Warehouses retrieved successfully")
    assert (p1["page"], p1["limit"], p1["total"]) == (1, 2, 3)
    p2 = call("GET", "warehouses", admin, params={"search": tag, "limit": 2, "page": 2}).json()
    assert (p2["page"], p2["total"]) == (2, 3)
    assert ids(p1["warehouses"]) + ids(p2["warehouses"]) == newest_first
    past = ok(call("GET", "warehouses", admin, params={"search": tag, "limit": 2, "page": 9}), 200,
              "Warehouses retrieved successfully")
    assert (past["warehouses"], past["page"], past["total"]) == ([], 9, 3)


def test_limit_and_page_checks(admin):
    for bad in ("0", "-1", "abc", "1.5", "101", "1000"):
        resp = call("GET", "warehouses", admin, params={"limit": bad})
        assert (resp.status_code, resp.json()) == (400, {"success": False, "message": "Invalid limit", "detail": "limit must be a whole number from 1 to 100"})
    for bad in ("0", "-3", "x"):
        resp = call("GET", "warehouses", admin, params={"page": bad})
        assert (resp.status_code, resp.json()) == (400, {
            "success": False, "message": "Invalid page", "detail": "page must be a whole number from 1 to 1000000000"})
    full = ok(call("GET", "items", admin, params={"limit": 100}), 200, "Items retrieved successfully")
    assert full["limit"] == 100
    assert len(full["items"]) <= 100


# ---- bins -------------------------------------------------------------------

def test_bin_crud(admin, demo_tenant_id):
    wh = new_warehouse(admin)
    code = unique("A-01")
    b = new_bin(admin, wh["id"], code=code, capacity=50, security_level="high")
    assert set(b) == {"id", "tenant_id", "warehouse_id", "code", "location_type", "capacity", "security_level",
                      "status", "created_at", "updated_at"}
    assert (b["warehouse_id"], b["code"], b["location_type"], b["capacity"], b["security_level"], b["status"]) == \
        (wh["id"], code, "bin", 50, "high", "active")
    assert b["tenant_id"] == demo_tenant_id
    assert ok(call("GET", "bins/" + b["id"], admin), 200, "Bin retrieved successfully")["bin"] == b

    p = ok(call("PATCH", "bins/" + b["id"], admin, {"location_type": "shelf", "capacity": None, "code": code + "x"}),
           200, "Bin updated successfully")["bin"]
    assert (p["location_type"], p["capacity"], p["code"]) == ("shelf", None, code + "x")
    assert db_query("SELECT location_type, capacity FROM bins WHERE id = ?", b["id"]) == [["shelf", None]]

    d = ok(call("DELETE", "bins/" + b["id"], admin), 200, "Bin deleted successfully")["bin"]
    assert d["status"] == "inactive"
    assert db_query("SELECT status FROM bins WHERE id = ?", b["id"]) == [["inactive"]]


def test_bin_code_unique_per_warehouse(admin):
    wh1, wh2 = new_warehouse(admin), new_warehouse(admin)
    b = new_bin(admin, wh1["id"])
    err(call("POST", "bins", admin, {"warehouse_id": wh1["id"], "code": b["code"]}), 409,
        "Bin code already exists in this warehouse")
    new_bin(admin, wh2["id"], code=b["code"])
    other = new_bin(admin, wh1["id"])
    err(call("PATCH", "bins/" + other["id"], admin, {"code": b["code"]}), 409, "Bin code already exists in this warehouse")


def test_bin_validation(admin, acme_place):
    wh = new_warehouse(admin)
    w = wh["id"]
    cases = [
        ({"code": "X"}, 400, "Field required: warehouse_id"),
        ({"warehouse_id": w}, 400, "Field required: code"),
        ({"warehouse_id": "nope", "code": "X"}, 400, "Invalid warehouse_id"),
        ({"warehouse_id": str(uuid.uuid4()), "code": "X"}, 404, "Warehouse not found"),
        ({"warehouse_id": acme_place["wh"]["id"], "code": "X"}, 404, "Warehouse not found"),
        ({"warehouse_id": w, "code": "X", "location_type": "box"}, 400, "Invalid location_type"),
        ({"warehouse_id": w, "code": "X", "capacity": -1}, 400, "Invalid capacity"),
        ({"warehouse_id": w, "code": "X", "capacity": "ten"}, 400, "capacity must be a whole number"),
        ({"warehouse_id": w, "code": "X", "capacity": "10"}, 400, "capacity must be a whole number"),
        ({"warehouse_id": w, "code": "X", "capacity": 2.5}, 400, "capacity must be a whole number"),
        ({"warehouse_id": w, "code": "X", "capacity": True}, 400, "capacity must be a whole number"),
        ({"warehouse_id": w, "code": "X", "capacity": -1.0}, 400, "Invalid capacity"),
    ]
    for body, status, message in cases:
        err(call("POST", "bins", admin, body), status, message)
    assert db_query("SELECT COUNT(*) FROM bins WHERE warehouse_id = ?", w) == [["0"]]
    b = new_bin(admin, w)
    err(call("PATCH", "bins/" + b["id"], admin, {"warehouse_id": new_warehouse(admin)["id"]}), 400,
        "Field cannot be changed: warehouse_id")


def test_bin_in_inactive_warehouse(admin):
    wh = new_warehouse(admin, status="inactive")
    err(call("POST", "bins", admin, {"warehouse_id": wh["id"], "code": "X"}), 400, "Warehouse is inactive")


def test_bin_filters(admin):
    wh = new_warehouse(admin)
    shelf = new_bin(admin, wh["id"], location_type="shelf")
    rack = new_bin(admin, wh["id"], location_type="rack", status="inactive")
    all_ = ok(call("GET", "bins", admin, params={"warehouse_id": wh["id"]}), 200, "Bins retrieved successfully")
    assert ids(all_["bins"]) == [rack["id"], shelf["id"]] and all_["total"] == 2
    only = call("GET", "bins", admin, params={"warehouse_id": wh["id"], "location_type": "shelf"}).json()
    assert ids(only["bins"]) == [shelf["id"]]
    only = call("GET", "bins", admin, params={"warehouse_id": wh["id"], "status": "inactive"}).json()
    assert ids(only["bins"]) == [rack["id"]]
    only = call("GET", "bins", admin, params={"search": shelf["code"]}).json()
    assert ids(only["bins"]) == [shelf["id"]]
    err(call("GET", "bins", admin, params={"warehouse_id": "x"}), 400, "Invalid warehouse_id")
    err(call("GET", "bins", admin, params={"location_type": "box"}), 400, "Invalid location_type")


# ---- items ------------------------------------------------------------------

def test_item_crud(admin, demo_tenant_id):
    sku = unique("SKU")
    it = new_item(admin, sku=sku, name="Widget", category="Tools", description="A widget")
    assert set(it) == {"id", "tenant_id", "sku", "barcode", "name", "category", "description", "unit_of_measure",
                       "status", "created_at", "updated_at"}
    assert (it["sku"], it["name"], it["category"], it["description"], it["unit_of_measure"], it["status"]) == \
        (sku, "Widget", "Tools", "A widget", "ea", "active")
    assert it["tenant_id"] == demo_tenant_id
    assert ok(call("GET", "items/" + it["id"], admin), 200, "Item retrieved successfully")["item"] == it
    p = ok(call("PATCH", "items/" + it["id"], admin, {"unit_of_measure": "box", "category": ""}), 200,
           "Item updated successfully")["item"]
    assert (p["unit_of_measure"], p["category"]) == ("box", None)
    d = ok(call("DELETE", "items/" + it["id"], admin), 200, "Item deleted successfully")["item"]
    assert d["status"] == "inactive"
    assert db_query("SELECT status, unit_of_measure FROM items WHERE id = ?", it["id"]) == [["inactive", "box"]]


def test_item_validation(admin):
    it = new_item(admin)
    err(call("POST", "items", admin, {"sku": it["sku"], "name": "Again"}), 409, "SKU already exists")
    err(call("POST", "items", admin, {"name": "N"}), 400, "Field required: sku")
    err(call("POST", "items", admin, {"sku": unique("S")}), 400, "Field required: name")
    err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "unit_of_measure": ""}), 400,
        "Invalid unit_of_measure")
    err(call("POST", "items", admin, {"sku": unique("S"), "name": "N", "price": 3}), 400, "Unknown field: price")
    err(call("PATCH", "items/" + it["id"], admin, {"sku": new_item(admin)["sku"]}), 409, "SKU already exists")


def test_item_filters_and_search(admin):
    cat = unique("Cat")
    a = new_item(admin, category=cat, name="Blue hammer")
    b = new_item(admin, category=cat, name="Red saw", status="inactive")
    by_cat = ok(call("GET", "items", admin, params={"category": cat}), 200, "Items retrieved successfully")
    assert ids(by_cat["items"]) == [b["id"], a["id"]]
    assert ids(call("GET", "items", admin, params={"category": cat, "status": "active"}).json()["items"]) == [a["id"]]
    assert ids(call("GET", "items", admin, params={"category": cat, "search": "hammer"}).json()["items"]) == [a["id"]]
    assert ids(call("GET", "items", admin, params={"search": b["sku"]}).json()["items"]) == [b["id"]]


def test_library_scope_writes_items_only(admin):
    lib = auth_headers("demo-admin", scope="library")
    it = new_item(lib)
    ok(call("PATCH", "items/" + it["id"], lib, {"name": "Renamed"}), 200, "Item updated successfully")
    err(call("POST", "warehouses", lib, {"name": "N", "code": unique("C")}), 403, "Insufficient permissions")
    # Reads need view:tenant or manage:operations:tenant.
    err(call("GET", "items", lib), 403, "Insufficient permissions")


# ---- stocks -----------------------------------------------------------------

def ledger(stock_id):
    return db_query("SELECT transaction_type, quantity, delta, to_bin_id, from_bin_id, performed_by, reference_type,"
                    " warehouse_id, item_id, tenant_id, TIMESTAMPDIFF(SECOND, timestamp, UTC_TIMESTAMP()) < 60"
                    " FROM inventory_transactions WHERE stock_id = ?", stock_id)


def test_stock_create_writes_initial_stock(admin, place, demo_tenant_id):
    wh, b = place["wh"], place["bin"]
    it = new_item(admin, unit_of_measure="kg", category="Bulk")
    s = new_stock(admin, wh["id"], it["id"], b["id"], quantity=7, lot_number="L1", serial_number="S1")
    assert set(s) == {"id", "tenant_id", "warehouse_id", "item_id", "bin_id", "quantity", "unit_of_measure", "status",
                      "lot_number", "serial_number", "last_counted_at", "created_at", "updated_at",
                      "warehouse", "item", "bin"}
    assert (s["quantity"], s["unit_of_measure"], s["status"], s["lot_number"], s["serial_number"]) == \
        (7, "kg", "available", "L1", "S1")
    assert s["last_counted_at"] is None and s["tenant_id"] == demo_tenant_id
    assert s["warehouse"] == {"id": wh["id"], "name": wh["name"], "code": wh["code"]}
    assert s["item"] == {"id": it["id"], "sku": it["sku"], "name": it["name"], "category": "Bulk"}
    assert s["bin"] == {"id": b["id"], "code": b["code"], "location_type": "bin"}
    assert ledger(s["id"]) == [["initial_stock", "7", "7", b["id"], None, user_id("demo-admin"), None,
                                wh["id"], it["id"], demo_tenant_id, "1"]]
    assert db_query("SELECT SUM(delta) FROM inventory_transactions WHERE stock_id = ?", s["id"]) == [["7"]]
    assert db_query("SELECT quantity FROM stocks WHERE id = ?", s["id"]) == [["7"]]
    got = ok(call("GET", "stocks/" + s["id"], admin), 200, "Stock retrieved successfully")["stock"]
    assert got == s


def test_stock_defaults_and_zero_quantity(operator, admin, place):
    s = new_stock(operator, place["wh"]["id"], place["item"]["id"])
    assert (s["quantity"], s["unit_of_measure"], s["status"], s["bin_id"], s["bin"]) == (0, "ea", "available", None, None)
    assert ledger(s["id"]) == []
    s2 = new_stock(operator, place["wh"]["id"], place["item"]["id"], place["bin"]["id"], quantity=0,
                   unit_of_measure="box", status="quarantine")
    assert (s2["unit_of_measure"], s2["status"]) == ("box", "quarantine")
    assert ledger(s2["id"]) == []


def test_stock_validation(admin, place, acme_place):
    w, i, b = place["wh"]["id"], place["item"]["id"], place["bin"]["id"]
    other_bin = new_bin(admin, new_warehouse(admin)["id"])
    cases = [
        ({"item_id": i}, 400, "Field required: warehouse_id"),
        ({"warehouse_id": w}, 400, "Field required: item_id"),
        ({"warehouse_id": w, "item_id": i, "quantity": -1}, 400, "Quantity must be a non-negative integer"),
        ({"warehouse_id": w, "item_id": i, "quantity": -1.0}, 400, "Quantity must be a non-negative integer"),
        ({"warehouse_id": w, "item_id": i, "quantity": 1.5}, 400, "quantity must be a whole number"),
        ({"warehouse_id": w, "item_id": i, "quantity": "5"}, 400, "quantity must be a whole number"),
        ({"warehouse_id": w, "item_id": i, "quantity": False}, 400, "quantity must be a whole number"),
        ({"warehouse_id": w, "item_id": i, "quantity": 10 ** 13}, 400, "Field too large: quantity"),
        ({"warehouse_id": w, "item_id": i, "quantity": 1e13}, 400, "Field too large: quantity"),
        ({"warehouse_id": w, "item_id": i, "quantity": 10 ** 20}, 400, "Field too large: quantity"),
        ({"warehouse_id": w, "item_id": i, "status": "lost"}, 400, "Invalid status"),
        ({"warehouse_id": w, "item_id": i, "status": "inactive"}, 400, "Invalid status"),
        ({"warehouse_id": w, "item_id": "x"}, 400, "Invalid item_id"),
        ({"warehouse_id": w, "item_id": i, "last_counted_at": "2023-01-01T00:00:00Z"}, 400,
         "Field is read-only: last_counted_at"),
        ({"warehouse_id": w, "item_id": str(uuid.uuid4())}, 404, "Item not found"),
        ({"warehouse_id": w, "item_id": acme_place["item"]["id"]}, 404, "Item not found"),
        ({"warehouse_id": w, "item_id": i, "bin_id": acme_place["bin"]["id"]}, 404, "Bin not found"),
        ({"warehouse_id": acme_place["wh"]["id"], "item_id": i}, 404, "Warehouse not found"),
        ({"warehouse_id": w, "item_id": i, "bin_id": other_bin["id"], "quantity": 3}, 400,
         "Bin does not belong to warehouse"),
    ]
    for body, status, message in cases:
        err(call("POST", "stocks", admin, body), status, message)
    assert db_query("SELECT COUNT(*) FROM stocks WHERE warehouse_id = ?", w) == [["0"]]
    assert db_query("SELECT COUNT(*) FROM inventory_transactions WHERE warehouse_id = ?", w) == [["0"]]


def test_stock_inactive_references(admin, place):
    w, i, b = place["wh"]["id"], place["item"]["id"], place["bin"]["id"]
    dead_item = new_item(admin, status="inactive")
    err(call("POST", "stocks", admin, {"warehouse_id": w, "item_id": dead_item["id"]}), 400, "Item is inactive")
    dead_bin = new_bin(admin, w, status="inactive")
    err(call("POST", "stocks", admin, {"warehouse_id": w, "item_id": i, "bin_id": dead_bin["id"]}), 400,
        "Bin is inactive")
    ok(call("DELETE", "warehouses/" + w, admin), 200, "Warehouse deleted successfully")
    err(call("POST", "stocks", admin, {"warehouse_id": w, "item_id": i, "bin_id": b}), 400, "Warehouse is inactive")


def test_stock_patch(admin, place):
    s = new_stock(admin, place["wh"]["id"], place["item"]["id"], place["bin"]["id"], quantity=4)
    path = "stocks/" + s["id"]
    err(call("PATCH", path, admin, {"quantity": 10}), 400, "Quantity changes only through inventory transactions")
    err(call("PATCH", path, admin, {"status": "damaged", "quantity": 0}), 400,
        "Quantity changes only through inventory transactions")
    err(call("PATCH", path, admin, {"bin_id": new_bin(admin, place["wh"]["id"])["id"]}), 400,
        "Bin changes only through inventory transactions")
    err(call("PATCH", path, admin, {"warehouse_id": new_warehouse(admin)["id"]}), 400,
        "Field cannot be changed: warehouse_id")
    err(call("PATCH", path, admin, {"item_id": new_item(admin)["id"]}), 400, "Field cannot be changed: item_id")
    assert db_query("SELECT quantity, status FROM stocks WHERE id = ?", s["id"]) == [["4", "available"]]

    p = ok(call("PATCH", path, admin, {"status": "damaged", "lot_number": "LOT-9", "serial_number": None,
                                        "unit_of_measure": "pack"}), 200, "Stock updated successfully")["stock"]
    assert (p["status"], p["lot_number"], p["serial_number"], p["unit_of_measure"], p["quantity"]) == \
        ("damaged", "LOT-9", None, "pack", 4)
    assert p["item"]["id"] == place["item"]["id"]
    assert db_query("SELECT status, lot_number FROM stocks WHERE id = ?", s["id"]) == [["damaged", "LOT-9"]]
    assert db_query("SELECT SUM(delta) FROM inventory_transactions WHERE stock_id = ?", s["id"]) == [["4"]]


def test_stock_filters_and_search(admin, place):
    w, i, b = place["wh"]["id"], place["item"]["id"], place["bin"]["id"]
    lot = unique("LOT")
    s1 = new_stock(admin, w, i, b, quantity=1, lot_number=lot)
    s2 = new_stock(admin, w, i, None, status="reserved")
    item2 = new_item(admin)
    s3 = new_stock(admin, w, item2["id"], b)

    def listed(**params):
        body = ok(call("GET", "stocks", admin, params=params), 200, "Stocks retrieved successfully")
        assert body["total"] == len(body["stocks"])
        return ids(body["stocks"])

    assert listed(warehouse_id=w) == [s3["id"], s2["id"], s1["id"]]
    assert listed(warehouse_id=w, item_id=i) == [s2["id"], s1["id"]]
    assert listed(bin_id=b) == [s3["id"], s1["id"]]
    assert listed(warehouse_id=w, status="reserved") == [s2["id"]]
    assert listed(lot_number=lot) == [s1["id"]]
    assert listed(search=lot) == [s1["id"]]
    assert listed(search=item2["sku"]) == [s3["id"]]
    assert listed(warehouse_id=w, search=place["item"]["name"]) == [s2["id"], s1["id"]]
    rows = call("GET", "stocks", admin, params={"warehouse_id": w}).json()["stocks"]
    assert rows[0]["item"]["sku"] == item2["sku"] and rows[0]["bin"]["code"] == place["bin"]["code"]
    assert rows[1]["bin"] is None
    err(call("GET", "stocks", admin, params={"item_id": "bad"}), 400, "Invalid item_id")
    err(call("GET", "stocks", admin, params={"status": "lost"}), 400, "Invalid status")


# ---- delete guards ------------------------------------------------------------

def test_delete_guards(admin, place):
    w, i, b = place["wh"]["id"], place["item"]["id"], place["bin"]["id"]
    s = new_stock(admin, w, i, b, quantity=3)
    err(call("DELETE", "stocks/" + s["id"], admin), 409, "Cannot delete stock while quantity remains")
    err(call("DELETE", "warehouses/" + w, admin), 409, "Cannot delete warehouse while stock remains")
    err(call("DELETE", "bins/" + b, admin), 409, "Cannot delete bin while stock remains")
    err(call("DELETE", "items/" + i, admin), 409, "Cannot delete item while stock remains")
    # A PATCH to inactive is a delete and meets the same guard.
    err(call("PATCH", "warehouses/" + w, admin, {"status": "inactive"}), 409, "Cannot delete warehouse while stock remains")
    err(call("PATCH", "items/" + i, admin, {"status": "inactive"}), 409, "Cannot delete item while stock remains")
    for table, rid in (("stocks", s["id"]), ("warehouses", w), ("bins", b), ("items", i)):
        assert db_query("SELECT status FROM " + table + " WHERE id = ?", rid)[0][0] != "inactive"

    # Once the quantity is gone, everything can go. Picked by hand here, ledger row included, so
    # SUM(delta) still equals the quantity for anyone checking the ledger.
    db_query("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id, transaction_type,"
             " quantity, delta, from_bin_id, performed_by, timestamp)"
             " SELECT UUID(), tenant_id, warehouse_id, item_id, id, 'pick', 3, -3, bin_id, ?, UTC_TIMESTAMP(6)"
             " FROM stocks WHERE id = ?", user_id("demo-admin"), s["id"])
    db_query("UPDATE stocks SET quantity = 0 WHERE id = ?", s["id"])
    d = ok(call("DELETE", "stocks/" + s["id"], admin), 200, "Stock deleted successfully")["stock"]
    assert d["status"] == "inactive"
    ok(call("DELETE", "bins/" + b, admin), 200, "Bin deleted successfully")
    ok(call("DELETE", "items/" + i, admin), 200, "Item deleted successfully")
    ok(call("DELETE", "warehouses/" + w, admin), 200, "Warehouse deleted successfully")
    for table, rid in (("stocks", s["id"]), ("warehouses", w), ("bins", b), ("items", i)):
        assert db_query("SELECT status FROM " + table + " WHERE id = ?", rid) == [["inactive"]]
    listed = call("GET", "stocks", admin, params={"warehouse_id": w, "status": "inactive"}).json()
    assert ids(listed["stocks"]) == [s["id"]]


def test_concurrent_duplicate_codes(admin):
    """Racing creates of one bin code: exactly one wins, the rest get the 409, none a 500."""
    wh = new_warehouse(admin)
    code = unique("RACE")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: call("POST", "bins", admin, {"warehouse_id": wh["id"], "code": code}),
                                range(8)))
    assert sorted(r.status_code for r in results) == [201] + [409] * 7
    for r in results:
        if r.status_code == 409:
            assert r.json()["message"] == "Bin code already exists in this warehouse"
    assert db_query("SELECT COUNT(*) FROM bins WHERE warehouse_id = ?", wh["id"]) == [["1"]]


def test_concurrent_stock_and_delete(admin, place):
    """A warehouse delete racing stock creates never leaves stock on hand in an inactive warehouse."""
    w, i, b = place["wh"]["id"], place["item"]["id"], place["bin"]["id"]

    def work(n):
        if n == 1:
            return call("DELETE", "warehouses/" + w, admin)
        return call("POST", "stocks", admin, {"warehouse_id": w, "item_id": i, "bin_id": b, "quantity": 1})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    creates = results[:1] + results[2:]
    assert all(r.status_code in (201, 400) for r in creates), [r.text for r in creates]
    for r in creates:
        if r.status_code == 400:
            assert r.json()["message"] == "Warehouse is inactive"
    status = db_query("SELECT status FROM warehouses WHERE id = ?", w)[0][0]
    on_hand = db_query("SELECT COALESCE(SUM(quantity), 0) FROM stocks WHERE warehouse_id = ?", w)[0][0]
    assert status == "active" or on_hand == "0"
    assert results[1].status_code == (200 if status == "inactive" else 409)
    assert db_query("SELECT COALESCE(SUM(delta), 0) FROM inventory_transactions WHERE warehouse_id = ?", w) == \
        [[on_hand]]


def test_zero_stock_does_not_block(admin, place):
    new_stock(admin, place["wh"]["id"], place["item"]["id"], place["bin"]["id"], quantity=0)
    ok(call("DELETE", "bins/" + place["bin"]["id"], admin), 200, "Bin deleted successfully")
    ok(call("DELETE", "warehouses/" + place["wh"]["id"], admin), 200, "Warehouse deleted successfully")


# ---- tenancy and access ---------------------------------------------------------

def test_tenant_isolation(admin, acme, place, acme_tenant_id):
    s = new_stock(admin, place["wh"]["id"], place["item"]["id"], place["bin"]["id"], quantity=2)
    records = {"warehouses": (place["wh"], "Warehouse", {"name": "Hijack"}),
               "bins": (place["bin"], "Bin", {"code": "HIJACK"}),
               "items": (place["item"], "Item", {"name": "Hijack"}),
               "stocks": (s, "Stock", {"status": "damaged"})}
    for kind, (rec, entity, patch) in records.items():
        err(call("GET", kind + "/" + rec["id"], acme), 404, entity + " not found")
        err(call("PATCH", kind + "/" + rec["id"], acme, patch), 404, entity + " not found")
        err(call("DELETE", kind + "/" + rec["id"], acme), 404, entity + " not found")
        assert db_query("SELECT status FROM " + kind + " WHERE id = ?", rec["id"])[0][0] != "inactive"
        listed = call("GET", kind, acme, params={"limit": 100}).json()[kind]
        assert rec["id"] not in ids(listed)
        assert all(r["tenant_id"] == acme_tenant_id for r in listed)
    assert db_query("SELECT name FROM warehouses WHERE id = ?", place["wh"]["id"]) == [[place["wh"]["name"]]]
    for kind, (rec, _, _) in records.items():
        search = rec.get("code") or rec.get("sku") or rec.get("lot_number") or ""
        if search:
            assert call("GET", kind, acme, params={"search": search}).json()["total"] == 0
    for kind, filt in (("bins", "warehouse_id"), ("stocks", "warehouse_id"), ("stocks", "item_id")):
        value = place["wh"]["id"] if filt == "warehouse_id" else place["item"]["id"]
        assert call("GET", kind, acme, params={filt: value}).json()["total"] == 0


def test_foreign_tenant_id_parameter(admin, acme_tenant_id, demo_tenant_id):
    for kind in ("warehouses", "bins", "items", "stocks"):
        err(call("GET", kind, admin, params={"tenant_id": acme_tenant_id}), 403, "Insufficient permissions")
        ok(call("GET", kind, admin, params={"tenant_id": demo_tenant_id}), 200,
           kind.capitalize() + " retrieved successfully")
    err(call("POST", "warehouses", admin, {"name": "N", "code": unique("C")}, params={"tenant_id": acme_tenant_id}),
        403, "Insufficient permissions")
    # tenant_id in the body may only name the caller's tenant.
    err(call("POST", "warehouses", admin, {"name": "N", "code": unique("C"), "tenant_id": acme_tenant_id}),
        403, "Insufficient permissions")
    w = new_warehouse(admin, tenant_id=demo_tenant_id)
    assert w["tenant_id"] == demo_tenant_id


def test_viewer_reads_but_cannot_write(viewer, admin, place):
    w = place["wh"]["id"]
    ok(call("GET", "warehouses/" + w, viewer), 200, "Warehouse retrieved successfully")
    for kind in ("warehouses", "bins", "items", "stocks"):
        ok(call("GET", kind, viewer), 200, kind.capitalize() + " retrieved successfully")
    err(call("POST", "warehouses", viewer, {"name": "N", "code": unique("C")}), 403, "Insufficient permissions")
    err(call("POST", "items", viewer, {"name": "N", "sku": unique("C")}), 403, "Insufficient permissions")
    err(call("POST", "bins", viewer, {"warehouse_id": w, "code": "V"}), 403, "Insufficient permissions")
    err(call("POST", "stocks", viewer, {"warehouse_id": w, "item_id": place["item"]["id"]}), 403,
        "Insufficient permissions")
    err(call("PATCH", "warehouses/" + w, viewer, {"name": "V"}), 403, "Insufficient permissions")
    err(call("DELETE", "warehouses/" + w, viewer), 403, "Insufficient permissions")
    assert db_query("SELECT name, status FROM warehouses WHERE id = ?", w) == [[place["wh"]["name"], "active"]]


def test_operator_writes(operator):
    wh = new_warehouse(operator)
    ok(call("PATCH", "warehouses/" + wh["id"], operator, {"address": "Somewhere"}), 200, "Warehouse updated successfully")


def test_unauthenticated_and_method(admin):
    err(call("GET", "warehouses", None), 401, "Authentication required")
    err(call("POST", "items", None, {"name": "N", "sku": "S"}), 401, "Authentication required")
    err(call("PUT", "warehouses", admin, {"name": "N"}), 405, "Method not allowed")


def test_demo_data_visible(admin):
    body = call("GET", "warehouses", admin, params={"code": "WH001"}).json()
    assert [w["name"] for w in body["warehouses"]] == ["Main Warehouse"]
    items = call("GET", "items", admin, params={"sku": "ITEM-001"}).json()["items"]
    assert [(i["name"], i["category"]) for i in items] == [("Test Product", "Electronics")]
