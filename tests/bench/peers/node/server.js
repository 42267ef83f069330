// The Node peer of `./devstack bench --peers`: stocktake's S1, S2 and S4 with fastify and mysql2.
//
// The same work as the C handler: the bearer JWT (HS256, the devstack's key, the same claims
// checks), the caller's user row read along with the first statement, the statements of
// ../statements.json in the C handler's order (the pick's first CALL opens its transaction, COMMIT
// ends it, its locks in the same order), and the same JSON envelope. Only the success paths the bench takes
// and their refusals; a pick only (no moves or adjustments).
//
// PEER_SOCKET (the unix socket nginx proxies to), PEER_CONFIG (var/stocktake.conf), PEER_PROCESSES
// (2: one per core, node:cluster), PEER_DB_CONNECTIONS (connections per process).
'use strict';

const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const PROCESSES = Number(process.env.PEER_PROCESSES || 2);

if (cluster.isPrimary) {
  for (let i = 0; i < PROCESSES; i++) cluster.fork();
  cluster.on('exit', (w, code) => {
    console.error(`node peer: worker ${w.process.pid} exited (${code})`);
    process.exit(1);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  return;
}

const fastify = require('fastify');
const mysql = require('mysql2/promise');
const { createVerifier } = require('fast-jwt');

const SQL = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'statements.json'), 'utf8'));
const config = Object.fromEntries(
  fs.readFileSync(process.env.PEER_CONFIG, 'utf8').split('\n')
    .map((l) => l.match(/^\s*(\w+)\s*=\s*(.*?)\s*$/)).filter(Boolean).map((m) => [m[1], m[2]]));
const KEY = fs.readFileSync(config.jwt_secret_file, 'utf8').trimEnd();
const READ_SCOPES = ['view:tenant', 'manage:operations:tenant'];
const WRITE_SCOPES = ['manage:operations:tenant'];
const TYPES = ['initial_stock', 'receive', 'pick', 'move', 'stock_adjustment', 'return', 'count'];
const REFERENCE_TYPES = ['order', 'shipment', 'audit', 'return', 'transfer'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE = '/warehousing/inventory-transactions';

const pool = mysql.createPool({
  socketPath: config.db_socket, user: config.db_user, password: config.db_password,
  database: config.db_name, connectionLimit: Number(process.env.PEER_DB_CONNECTIONS || 4),
  dateStrings: true, rowsAsArray: true,
});
// The library's verified-token cache: stocktake keeps one too (64 tokens per worker).
const verify = createVerifier({
  key: KEY, algorithms: ['HS256'], allowedIss: config.jwt_issuer, allowedAud: config.jwt_audience,
  requiredClaims: ['exp', 'iss', 'aud', 'sub', 'tenant_id'], cache: 64,
});

class Refusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The verified claims of the request's bearer token, or a 401 refusal.
function caller(req) {
  const m = /^\s*Bearer[ \t]+(\S+)\s*$/i.exec(req.headers.authorization || '');
  if (!m) throw new Refusal(401, 'Authentication required');
  let c;
  try {
    c = verify(m[1]);
  } catch (e) {
    throw new Refusal(401, e.code === 'FAST_JWT_EXPIRED' ? 'Token expired' : 'Invalid token');
  }
  if (typeof c.sub !== 'string' || !c.sub || typeof c.tenant_id !== 'string' || !c.tenant_id ||
      (c.scope !== undefined && typeof c.scope !== 'string') ||
      (c.iat !== undefined && c.iat > Date.now() / 1000 + 60)) {
    throw new Refusal(401, 'Invalid token');
  }
  return c;
}

// Admits the user row read with a statement (CONCAT_WS of status, tenant status,
// tokens_valid_after, scopes, time zone, username; null: no such user) for the route's scopes.
function admit(c, text, routeScopes) {
  if (text == null) throw new Refusal(401, 'Invalid token');
  const [status, tenantStatus, validAfter, scopes] = text.split('\x1f');
  if (status !== 'active' || tenantStatus !== 'active') throw new Refusal(401, 'User disabled');
  if ((c.iat || 0) < Number(validAfter || 0)) throw new Refusal(401, 'Invalid token');
  const have = new Set(scopes.split(' '));
  const mine = (c.scope || '').split(' ').filter((s) => have.has(s));
  if (!routeScopes.some((s) => mine.includes(s))) throw new Refusal(403, 'Insufficient permissions');
}

// The user row on its own, when the statement that carried it found no row.
async function admitAlone(db, c, routeScopes) {
  const [rows] = await db.execute(SQL.user_row, [c.sub, c.tenant_id]);
  admit(c, rows.length ? rows[0].map((v) => (v == null ? '' : v)).join('\x1f') : null, routeScopes);
}

// "2026-12-05 13:26:54.397811" as the API writes times: "2026-12-05T13:26:54Z".
function apiValue(v) {
  return typeof v === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(v)
    ? `${v.slice(0, 10)}T${v.slice(11, 19)}Z` : v;
}

// Columns [from, to) of a row as an object; labels "a.b" nest, and a nested record whose columns
// are all NULL (a LEFT JOIN that found nothing) is null.
function rowJson(fields, row, from = 0, to = fields.length) {
  const out = {};
  for (let i = from; i < to; i++) {
    const name = fields[i].name;
    const dot = name.indexOf('.');
    if (dot < 0) {
      out[name] = apiValue(row[i]);
    } else {
      const key = name.slice(0, dot);
      if (!(key in out)) out[key] = null;
      if (row[i] !== null) out[key] = { ...(out[key] || {}), [name.slice(dot + 1)]: apiValue(row[i]) };
    }
  }
  return out;
}

// Takes the last column (_caller, _stats) out of the rows: its value, undefined when there is no row.
function takeProbe(rows, fields) {
  fields.pop();
  return rows.length ? rows.map((r) => r.pop())[0] : undefined;
}

async function getOne(req) {
  const c = caller(req);
  const id = req.params.id;
  if (!UUID.test(id)) throw new Refusal(404, 'Transaction not found');
  const [rows, fields] = await pool.execute(SQL.get, [c.sub, c.tenant_id, c.tenant_id, id.toLowerCase()]);
  const probe = takeProbe(rows, fields);
  if (probe === undefined) {
    await admitAlone(pool, c, READ_SCOPES);
    throw new Refusal(404, 'Transaction not found');
  }
  admit(c, probe, READ_SCOPES);
  return { success: true, message: 'Transaction retrieved successfully',
    inventory_transaction: rowJson(fields, rows[0]) };
}

// The list filtered by warehouse and type, newest first (the bench's S2; other filters are 400).
async function list(req) {
  const c = caller(req);
  const q = req.query;
  const wh = q.warehouse_id;
  const type = q.transaction_type;
  const page = q.page === undefined ? 1 : Number(q.page);
  const limit = q.limit === undefined ? 20 : Number(q.limit);
  if (!Number.isInteger(page) || page < 1) throw new Refusal(400, 'Invalid page');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Refusal(400, 'Invalid limit');
  if (!TYPES.includes(type)) throw new Refusal(400, 'Invalid transaction type');
  if (!wh || !UUID.test(wh)) throw new Refusal(404, 'Warehouse not found');
  const whId = wh.toLowerCase();
  const db = await pool.getConnection();
  try {
    const [rows, fields] = await db.execute(SQL.list_page, [c.sub, c.tenant_id, c.tenant_id, whId,
      type, c.tenant_id, whId, type, limit, (page - 1) * limit]);
    const count = takeProbe(rows, fields);
    const probe = takeProbe(rows, fields);
    if (probe === undefined) await admitAlone(db, c, READ_SCOPES);
    else admit(c, probe, READ_SCOPES);
    if (!rows.length || rows[0][fields.findIndex((f) => f.name === 'warehouse.id')] === null) {
      const [found] = await db.execute(SQL.warehouse_check, [c.tenant_id, whId]);
      if (!found.length) throw new Refusal(404, 'Warehouse not found');
    }
    // The stats ride on the page's rows; an empty page reads them on their own.
    const [counts] = count === undefined
      ? await db.execute(SQL.list_counts, [c.tenant_id, whId, type]) : [[[type, count ?? 0]]];
    const stats = { total: 0 };
    for (const t of TYPES) stats[t] = 0;
    for (const [t, n] of counts) {
      stats[t] = Number(n);
      stats.total += Number(n);
    }
    const next = page * limit < stats.total
      ? `${BASE}?${new URLSearchParams({ ...q, page: String(page + 1) })}` : null;
    return { success: true, message: 'Inventory transactions retrieved successfully',
      inventory_transactions: rows.map((r) => rowJson(fields, r)), stats,
      transaction_types: TYPES, reference_types: REFERENCE_TYPES,
      page, limit, total: stats.total, next };
  } finally {
    db.release();
  }
}

const PICK_FIELDS = ['warehouse_id', 'item_id', 'stock_id', 'transaction_type', 'quantity',
  'from_bin_id', 'reference_id', 'reference_type', 'notes'];

// The body of a pick, checked as the C handler checks it (the fields a pick may carry).
function pickInput(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'Invalid JSON body');
  for (const k of Object.keys(body)) {
    if (!PICK_FIELDS.includes(k)) throw new Refusal(400, `Unknown field: ${k}`);
  }
  for (const k of ['warehouse_id', 'item_id', 'stock_id', 'transaction_type']) {
    if (typeof body[k] !== 'string' || !body[k]) throw new Refusal(400, `Field required: ${k}`);
  }
  if (body.transaction_type !== 'pick') throw new Refusal(400, 'Invalid transaction type');
  if (!Number.isInteger(body.quantity) || body.quantity <= 0) throw new Refusal(400, 'Invalid quantity');
  if (!body.from_bin_id) throw new Refusal(400, 'Pick requires from bin');
  if (body.reference_id && !body.reference_type) {
    throw new Refusal(400, 'Reference type required when reference ID provided');
  }
  if (body.reference_type && !REFERENCE_TYPES.includes(body.reference_type)) {
    throw new Refusal(400, 'Invalid reference type');
  }
  const low = (v) => (v ? String(v).toLowerCase() : null);
  return { ...body, warehouse_id: low(body.warehouse_id), item_id: low(body.item_id),
    stock_id: low(body.stock_id), from_bin_id: low(body.from_bin_id),
    reference_id: body.reference_id || null, reference_type: body.reference_type || null,
    notes: body.notes || null };
}

// The first result set of a CALL: [rows, fields] (a CALL answers its SELECT, then a status).
async function call(db, sql, params) {
  const [sets, fields] = await db.execute(sql, params);
  return [sets[0], fields[0]];
}

// One attempt of the pick, whose first CALL opens the transaction: itx_single_lock_begin takes the
// locks (sessions, bin, stock) and reads what the checks need, the checks run in stocktake's order,
// ledger_post_single writes.
async function pickAttempt(db, c, input) {
  const t = c.tenant_id;
  const [rows, fields] = await call(db, SQL.pick_lock,
    [t, input.stock_id, input.warehouse_id, c.sub, t, 1, null]);
  const row = Object.fromEntries(fields.map((f, i) => [f.name, rows[0][i]]));
  admit(c, row._caller, WRITE_SCOPES);
  if (row.clock === null) throw new Refusal(404, 'Warehouse not found');
  if (row.s_id === null || row.s_warehouse_id !== input.warehouse_id || row.s_status === 'inactive') {
    throw new Refusal(404, 'Stock not found');
  }
  if (row.s_item_id.toLowerCase() !== input.item_id) throw new Refusal(400, 'Item ID mismatch');
  if (input.from_bin_id !== row.s_bin_id.toLowerCase()) throw new Refusal(400, 'From bin must match stock bin');
  const frozen = row.bin_id === row.s_bin_id ? row.frozen : row.s_frozen;
  if (frozen !== null) throw new Refusal(409, `Bin is locked by count session ${frozen}`);
  if (input.quantity > Number(row.s_quantity)) throw new Refusal(409, 'Insufficient stock');
  const [created, createdFields] = await call(db, SQL.pick_post, [crypto.randomUUID(), t,
    input.warehouse_id, input.item_id, input.stock_id, 'pick', input.quantity, -input.quantity, 0,
    input.from_bin_id, null, input.reference_id, input.reference_type, input.notes, c.sub, row.clock]);
  return { success: true, message: 'Inventory transaction created successfully',
    inventory_transaction: rowJson(createdFields, created[0], 0, 17),
    updated_stock: rowJson(createdFields, created[0], 17, 29) };
}

// The pick in one transaction, run again after a deadlock as db_transaction does.
async function pick(req) {
  const c = caller(req);
  const input = pickInput(req.body);
  const db = await pool.getConnection();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await pickAttempt(db, c, input);
        await db.query('COMMIT');
        return answer;
      } catch (e) {
        await db.query('ROLLBACK');
        if (!(e.errno === 1213 && attempt < 3)) throw e;
      }
    }
  } finally {
    db.release();
  }
}

const app = fastify({ logger: false });
app.setErrorHandler((e, req, reply) => {
  if (!(e instanceof Refusal)) console.error('node peer:', e);
  const status = e instanceof Refusal ? e.status : e.statusCode === 400 ? 400 : 500;
  reply.code(status).send({ success: false,
    message: e instanceof Refusal || status === 400 ? e.message : 'Internal server error' });
});
app.get(`${BASE}/:id`, getOne);
app.get(BASE, list);
app.post(BASE, async (req, reply) => {
  reply.code(201);
  return pick(req);
});
app.listen({ path: process.env.PEER_SOCKET }).then(() => fs.chmodSync(process.env.PEER_SOCKET, 0o666));
