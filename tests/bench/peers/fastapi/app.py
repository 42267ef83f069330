"""The FastAPI peer of `./devstack bench --peers`: stocktake's S1, S2 and S4 with uvicorn and aiomysql.

The same work as the C handler: the bearer JWT (HS256, the devstack's key, the same claims checks),
the caller's user row read along with the first statement, the statements of ../statements.json in
the C handler's order (the pick's first CALL opens its transaction, COMMIT ends it, its locks in the
same order), and the same JSON envelope. Only the success paths the bench takes and their refusals; a pick only.

PEER_CONFIG (var/stocktake.conf), PEER_DB_CONNECTIONS (connections per uvicorn worker process).
aiomysql (Debian's async driver) fills the parameters in on the client: one round trip per
statement, as stocktake's cached prepared statements take.
"""
import json
import os
import re
import time
import uuid
from urllib.parse import urlencode

import aiomysql
import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

HERE = os.path.dirname(os.path.abspath(__file__))
# aiomysql's placeholders are %s (the statements have no % of their own).
SQL = {k: v.replace("%", "%%").replace("?", "%s")
       for k, v in json.load(open(os.path.join(HERE, "..", "statements.json"))).items()}
CONFIG = dict(m.groups() for m in (re.match(r"\s*(\w+)\s*=\s*(.*?)\s*$", line)
                                   for line in open(os.environ["PEER_CONFIG"])) if m)
KEY = open(CONFIG["jwt_secret_file"]).read().rstrip()
READ_SCOPES = ("view:tenant", "manage:operations:tenant")
WRITE_SCOPES = ("manage:operations:tenant",)
TYPES = ["initial_stock", "receive", "pick", "move", "stock_adjustment", "return", "count"]
REFERENCE_TYPES = ["order", "shipment", "audit", "return", "transfer"]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
BASE = "/warehousing/inventory-transactions"
PICK_FIELDS = {"warehouse_id", "item_id", "stock_id", "transaction_type", "quantity", "from_bin_id",
               "reference_id", "reference_type", "notes"}

app = FastAPI()
pool = None


class Refusal(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@app.exception_handler(Refusal)
async def refused(_request, e):
    return JSONResponse({"success": False, "message": e.message}, status_code=e.status)


@app.on_event("startup")
async def connect():
    global pool
    pool = await aiomysql.create_pool(
        unix_socket=CONFIG["db_socket"], user=CONFIG["db_user"], password=CONFIG["db_password"],
        db=CONFIG["db_name"], autocommit=True, minsize=1,
        maxsize=int(os.environ.get("PEER_DB_CONNECTIONS", "4")))


def caller(request):
    """The verified claims of the request's bearer token, or a 401 refusal."""
    m = re.match(r"^\s*Bearer[ \t]+(\S+)\s*$", request.headers.get("authorization", ""), re.I)
    if not m:
        raise Refusal(401, "Authentication required")
    try:
        c = jwt.decode(m.group(1), KEY, algorithms=["HS256"], audience=CONFIG["jwt_audience"],
                       issuer=CONFIG["jwt_issuer"], options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.ExpiredSignatureError:
        raise Refusal(401, "Token expired")
    except jwt.InvalidTokenError:
        raise Refusal(401, "Invalid token")
    if (not isinstance(c.get("sub"), str) or not c["sub"] or not isinstance(c.get("tenant_id"), str)
            or not c["tenant_id"] or not isinstance(c.get("scope", ""), str)
            or c.get("iat", 0) > time.time() + 60):
        raise Refusal(401, "Invalid token")
    return c


def admit(c, text, route_scopes):
    """Admits the user row read with a statement (None: no such user) for the route's scopes."""
    if text is None:
        raise Refusal(401, "Invalid token")
    status, tenant_status, valid_after, scopes = text.split("\x1f")[:4]
    if status != "active" or tenant_status != "active":
        raise Refusal(401, "User disabled")
    if c.get("iat", 0) < int(valid_after or 0):
        raise Refusal(401, "Invalid token")
    have = set(scopes.split())
    if not any(s in have and s in c.get("scope", "").split() for s in route_scopes):
        raise Refusal(403, "Insufficient permissions")


async def run(cur, name, *params):
    """(rows, column names) of one statement."""
    await cur.execute(SQL[name], params)
    return await cur.fetchall(), [d[0] for d in cur.description or ()]


async def admit_alone(cur, c, route_scopes):
    """The user row on its own, when the statement that carried it found no row."""
    rows, _ = await run(cur, "user_row", c["sub"], c["tenant_id"])
    text = "\x1f".join("" if v is None else str(v) for v in rows[0]) if rows else None
    admit(c, text, route_scopes)


def api_value(v):
    """Times as the API writes them (2026-12-05T13:26:54Z)."""
    return v.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(v, "strftime") else v


def row_json(names, row, start=0, end=None):
    """Columns [start, end) of a row as a dict; labels "a.b" nest, and a nested record whose
    columns are all NULL (a LEFT JOIN that found nothing) is None."""
    out = {}
    for name, v in list(zip(names, row))[start:end]:
        key, dot, sub = name.partition(".")
        if not dot:
            out[name] = api_value(v)
            continue
        out.setdefault(key, None)
        if v is not None:
            out[key] = out[key] or {}
            out[key][sub] = api_value(v)
    return out


def take_probe(rows, names):
    """Takes the last column (_caller, _stats) out of the rows: its value; False when no row."""
    names.pop()
    probe = rows[0][-1] if rows else False
    return probe, [r[:-1] for r in rows]


@app.get(BASE + "/{tx_id}")
async def get_one(tx_id: str, request: Request):
    c = caller(request)
    if not UUID.match(tx_id):
        raise Refusal(404, "Transaction not found")
    async with pool.acquire() as conn, conn.cursor() as cur:
        rows, names = await run(cur, "get", c["sub"], c["tenant_id"], c["tenant_id"], tx_id.lower())
        probe, rows = take_probe(rows, names)
        if probe is False:
            await admit_alone(cur, c, READ_SCOPES)
            raise Refusal(404, "Transaction not found")
    admit(c, probe, READ_SCOPES)
    return {"success": True, "message": "Transaction retrieved successfully",
            "inventory_transaction": row_json(names, rows[0])}


def int_param(q, name, default, high):
    v = q.get(name)
    if v is None:
        return default
    if not v.isdigit() or not 1 <= int(v) <= high:
        raise Refusal(400, "Invalid " + name)
    return int(v)


@app.get(BASE)
async def list_page(request: Request):
    """The list filtered by warehouse and type, newest first (the bench's S2)."""
    c = caller(request)
    q = request.query_params
    page, limit = int_param(q, "page", 1, 10 ** 9), int_param(q, "limit", 20, 100)
    ty, wh = q.get("transaction_type"), q.get("warehouse_id", "")
    if ty not in TYPES:
        raise Refusal(400, "Invalid transaction type")
    if not UUID.match(wh):
        raise Refusal(404, "Warehouse not found")
    wh = wh.lower()
    t = c["tenant_id"]
    async with pool.acquire() as conn, conn.cursor() as cur:
        rows, names = await run(cur, "list_page", c["sub"], t, t, wh, ty, t, wh, ty, limit,
                                (page - 1) * limit)
        count, rows = take_probe(rows, names)
        probe, rows = take_probe(rows, names)
        if probe is False:
            await admit_alone(cur, c, READ_SCOPES)
        else:
            admit(c, probe, READ_SCOPES)
        if not rows or rows[0][names.index("warehouse.id")] is None:
            found, _ = await run(cur, "warehouse_check", t, wh)
            if not found:
                raise Refusal(404, "Warehouse not found")
        # The stats ride on the page's rows; an empty page reads them on their own.
        counts = (await run(cur, "list_counts", t, wh, ty))[0] if count is False else [(ty, count or 0)]
    stats = dict({"total": 0}, **{k: 0 for k in TYPES})
    for k, n in counts:
        stats[k] = int(n)
        stats["total"] += int(n)
    nxt = None
    if page * limit < stats["total"]:
        nxt = BASE + "?" + urlencode(dict(q, page=page + 1))
    return {"success": True, "message": "Inventory transactions retrieved successfully",
            "inventory_transactions": [row_json(names, r) for r in rows], "stats": stats,
            "transaction_types": TYPES, "reference_types": REFERENCE_TYPES,
            "page": page, "limit": limit, "total": stats["total"], "next": nxt}


def pick_input(body):
    """The body of a pick, checked as the C handler checks it (the fields a pick may carry)."""
    if not isinstance(body, dict):
        raise Refusal(400, "Invalid JSON body")
    for k in body:
        if k not in PICK_FIELDS:
            raise Refusal(400, "Unknown field: " + k)
    for k in ("warehouse_id", "item_id", "stock_id", "transaction_type"):
        if not isinstance(body.get(k), str) or not body[k]:
            raise Refusal(400, "Field required: " + k)
    if body["transaction_type"] != "pick":
        raise Refusal(400, "Invalid transaction type")
    q = body.get("quantity")
    if not isinstance(q, int) or isinstance(q, bool) or q <= 0:
        raise Refusal(400, "Invalid quantity")
    if not body.get("from_bin_id"):
        raise Refusal(400, "Pick requires from bin")
    if body.get("reference_id") and not body.get("reference_type"):
        raise Refusal(400, "Reference type required when reference ID provided")
    if body.get("reference_type") and body["reference_type"] not in REFERENCE_TYPES:
        raise Refusal(400, "Invalid reference type")
    low = {k: body[k].lower() for k in ("warehouse_id", "item_id", "stock_id", "from_bin_id")}
    return dict(body, **low, reference_id=body.get("reference_id") or None,
                reference_type=body.get("reference_type") or None, notes=body.get("notes") or None)


async def pick_attempt(cur, c, i):
    """One attempt of the pick, whose first CALL opens the transaction: itx_single_lock_begin takes
    the locks (sessions, bin, stock) and reads what the checks need, the checks run in stocktake's order,
    ledger_post_single writes."""
    t = c["tenant_id"]
    rows, names = await run(cur, "pick_lock", t, i["stock_id"], i["warehouse_id"], c["sub"], t, 1, None)
    row = dict(zip(names, rows[0]))
    admit(c, row["_caller"], WRITE_SCOPES)
    if row["clock"] is None:
        raise Refusal(404, "Warehouse not found")
    if row["s_id"] is None or row["s_warehouse_id"] != i["warehouse_id"] or row["s_status"] == "inactive":
        raise Refusal(404, "Stock not found")
    if row["s_item_id"].lower() != i["item_id"]:
        raise Refusal(400, "Item ID mismatch")
    if i["from_bin_id"] != row["s_bin_id"].lower():
        raise Refusal(400, "From bin must match stock bin")
    frozen = row["frozen"] if row["bin_id"] == row["s_bin_id"] else row["s_frozen"]
    if frozen is not None:
        raise Refusal(409, "Bin is locked by count session %s" % frozen)
    if i["quantity"] > int(row["s_quantity"]):
        raise Refusal(409, "Insufficient stock")
    rows, names = await run(cur, "pick_post", str(uuid.uuid4()), t, i["warehouse_id"], i["item_id"],
                            i["stock_id"], "pick", i["quantity"], -i["quantity"], 0, i["from_bin_id"],
                            None, i["reference_id"], i["reference_type"], i["notes"], c["sub"],
                            row["clock"])
    return {"success": True, "message": "Inventory transaction created successfully",
            "inventory_transaction": row_json(names, rows[0], 0, 17),
            "updated_stock": row_json(names, rows[0], 17, 29)}


@app.post(BASE, status_code=201)
async def pick(request: Request):
    """The pick in one transaction, run again after a deadlock as db_transaction does."""
    c = caller(request)
    try:
        body = await request.json()
    except ValueError:
        raise Refusal(400, "Invalid JSON body")
    i = pick_input(body)
    async with pool.acquire() as conn, conn.cursor() as cur:
        for attempt in (1, 2, 3):
            try:
                answer = await pick_attempt(cur, c, i)
                await cur.execute("COMMIT")
                return answer
            except aiomysql.OperationalError as e:
                await cur.execute("ROLLBACK")
                if e.args[0] != 1213 or attempt == 3:
                    raise
            except BaseException:
                await cur.execute("ROLLBACK")
                raise
