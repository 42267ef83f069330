#!/usr/bin/python3
"""Loads the benchmark data set: tenants "Bench 01".."Bench 10", 100,000 ledger rows each, in SQL.

Usage: tests/bench/generate.py [--socket PATH] [--database NAME] [--tenants N] [--rows N] [--force]
                             [--ids seq|v4|v7] [--buffer-pool SIZE]

Each tenant gets its own users (bench-NN with every scope, bench-NN-uMM counters
1..50), 5 warehouses of 40 bins, 200 items, 1,000 stock records and --rows
inventory transactions (every stock opens with an initial_stock row, then
receives, picks, moves, adjustments, returns and counts). The rows are written
by INSERT ... SELECT over MariaDB's SEQUENCE engine, one statement per tenant
and table, so the load takes seconds, not a million POSTs. Every stock
quantity is then set to its ledger sum, so the ledger check is clean.

Idempotent: a tenant that is already there is left alone; --force deletes every
bench tenant (every table with a tenant_id column) and loads --tenants of them again. Needs migration
005 (inventory_transaction_counts): its per-row triggers are switched off for
the load and the counts written in one statement per tenant instead. The
demo tenants and whatever the e2e tests create are never touched: bench ids
all start with "b" and name their kind and tenant (b7TT.... is a transaction
of tenant TT), and transactions are found by their tenant_id.

--ids v4 or v7 makes the transaction ids UUIDs as the service writes them (a
version 4 id from the MD5 of tenant and row number; a version 7 id from the
row's timestamp and the same hash), so that a benchmark on many rows sees the
clustered index production has: new ids land among random ones (v4), or after
time-ordered ones (v7). A tenant loaded with other ids or another number of
transactions than asked counts as absent: every bench tenant is loaded again.

The load runs without foreign-key and unique checks and without the binary log
(generated rows are no data to restore or replicate); --buffer-pool raises
innodb_buffer_pool_size for the load and puts it back afterwards (random ids
insert all over the clustered index, which must then fit in memory).

Password of every bench user: stocktake-bench.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "stocktake-bench"
# yescrypt of PASSWORD (crypt(3) with a fixed salt), as the auth handler stores hashes.
PASSWORD_HASH = "$y$j9T$benchSaltBenchSalt00/.$LjDD5ol4fjtf7Bno1qeVVF2dMgFmIUPLwuFUG16hEGB"
ALL_SCOPES = ("admin library production operator view:tenant manage:operations:tenant "
              "inventory:count:create inventory:count:record inventory:count:apply")
COUNTER_SCOPES = "view:tenant inventory:count:record"

WAREHOUSES = 5
BINS_PER_WAREHOUSE = 40
ITEMS = 200
STOCKS = 1000  # a multiple of WAREHOUSES and of ITEMS: stock k is in warehouse k % 5, item k % 200
COUNTERS = 50
OPENING = 100000  # initial_stock of every record; later rows take at most ~5,000 away
START = "2025-01-01 00:00:00"  # the first row's time; every data set ends before 2026
# Session settings of the load and the delete (see the module doc).
LOAD_SESSION = ("SET SESSION unique_checks = 0, foreign_key_checks = 0, sql_log_bin = 0, time_zone = '+00:00';\n"
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;\n"  # parallel loads: no gap locks
                "SET @stocktake_skip_counts = 1;\n")


# Matches the ids of bench tenants, and only theirs (see ident()).
TENANT_LIKE = "b1__0000-0000-4000-8000-%"


def ident(kind, tenant, n):
    """The id of the n-th thing of kind (1 tenant .. 7 transaction) of bench tenant number tenant."""
    return "b%d%02d0000-0000-4000-8000-%012d" % (kind, tenant, n)


def sql_id(kind, tt, expr):
    """SQL for ident(kind, tenant, <expr>) where tt is the tenant's two digits."""
    return "CONCAT('b%d%s0000-0000-4000-8000-', LPAD(%s, 12, '0'))" % (kind, tt, expr)


def sql_tx_id(ids, tt, seq, ts):
    """SQL for the id of transaction <seq> of tenant tt written at <ts>: ident(7, ...) for "seq",
    else a UUID of that version whose random bits are the MD5 of tenant and row number (one MD5
    a row: the hash's own 32 digits, version and variant written over, dashes put in)."""
    if ids == "seq":
        return sql_id(7, tt, seq)
    h = "MD5(CONCAT('bench %s/', %s))" % (tt, seq)
    if ids == "v7":  # 48 bits of Unix milliseconds first
        h = "INSERT(%s, 1, 12, LPAD(LOWER(HEX(CAST(UNIX_TIMESTAMP(%s) * 1000 AS UNSIGNED))), 12, '0'))" % (h, ts)
    h = "INSERT(INSERT(%s, 13, 1, '%s'), 17, 1, ELT(1 + %s %% 4, '8', '9', 'a', 'b'))" % (h, ids[1], seq)
    for at in (21, 17, 13, 9):  # from the right, so that each place is still the hash's own
        h = "INSERT(%s, %d, 0, '-')" % (h, at)
    return h


class Db:
    def __init__(self, socket, database):
        self.base = ["mariadb", "--socket=" + socket, "-uroot", "--batch", "--skip-column-names",
                     "--raw", "--default-character-set=utf8mb4", database]

    def run(self, sql):
        out = subprocess.run(self.base, input=sql, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("generate: mariadb failed: %s" % out.stderr.strip())
        return [line.split("\t") for line in out.stdout.splitlines()]


def step_us(rows):
    """Microseconds between two rows: 5 minutes up to 100,000 rows a tenant, then a year's worth
    shared out, so that no data set runs into the present (the benchmark's picks come after it)."""
    return 300000000 if rows <= 100000 else 30000000000000 // rows


def row_time(rows, n):
    """The timestamp of row n of a tenant of rows transactions, as the load writes it (SQL text)."""
    return "TIMESTAMP'%s' + INTERVAL %d MICROSECOND" % (START, n * step_us(rows))


def spread_ids(run, tenant, rows, count):
    """Ids of count rows spread evenly over bench tenant number tenant (rows transactions), in time
    order; run(sql) returns rows of columns. Works for every --ids form."""
    times = ", ".join(row_time(rows, n) for n in range(1, rows + 1, max(1, rows // count)))
    return [r[0] for r in run("SELECT id FROM inventory_transactions WHERE tenant_id = '%s' AND timestamp IN (%s)"
                              " ORDER BY timestamp" % (ident(1, tenant, tenant), times))]


def id_form(tx_id):
    """Which --ids form made tx_id."""
    return "seq" if tx_id.startswith("b7") else "v" + tx_id[14]


def tenant_sql(t, rows, ids="seq"):
    """The load of bench tenant t but its quantities and counts (finish_sql): master data, then the ledger."""
    tt = "%02d" % t
    tenant = ident(1, t, t)
    admin = ident(2, t, 0)
    wh = lambda e: sql_id(3, tt, e)  # noqa: E731
    bin_ = lambda e: sql_id(4, tt, e)  # noqa: E731
    item = lambda e: sql_id(5, tt, e)  # noqa: E731
    stock = lambda e: sql_id(6, tt, e)  # noqa: E731
    # Stock k: warehouse k % 5, item k % 200, bin (k div 5) % 40 of its warehouse.
    stock_wh = "(%s) %% %d"
    stock_bin = "((%s) %% %d) * %d + ((%s) DIV %d) %% %d"

    def bin_of(k):
        return bin_(stock_bin % (k, WAREHOUSES, BINS_PER_WAREHOUSE, k, WAREHOUSES, BINS_PER_WAREHOUSE))

    out = ["START TRANSACTION;"]
    out.append("INSERT INTO tenants (id, name, status) VALUES ('%s', 'Bench %s', 'active');" % (tenant, tt))
    out.append(
        "INSERT INTO users (id, tenant_id, username, password_hash, first_name, last_name, email, scopes, status)"
        " VALUES ('%s', '%s', 'bench-%s', '%s', 'Bench', 'Admin %s', 'bench-%s@example.com', '%s', 'active');"
        % (admin, tenant, tt, PASSWORD_HASH, tt, tt, ALL_SCOPES))
    out.append(
        "INSERT INTO users (id, tenant_id, username, password_hash, first_name, last_name, email, scopes, status)"
        " SELECT %s, '%s', CONCAT('bench-%s-u', LPAD(seq, 2, '0')), '%s', 'Counter', LPAD(seq, 2, '0'),"
        " CONCAT('bench-%s-u', seq, '@example.com'), '%s', 'active' FROM seq_1_to_%d;"
        % (sql_id(2, tt, "seq"), tenant, tt, PASSWORD_HASH, tt, COUNTER_SCOPES, COUNTERS))
    out.append(
        "INSERT INTO warehouses (id, tenant_id, name, code, address, status)"
        " SELECT %s, '%s', CONCAT('Bench Warehouse ', seq), CONCAT('BWH', LPAD(seq, 2, '0')),"
        " CONCAT(seq, ' Bench Road'), 'active' FROM seq_0_to_%d;" % (wh("seq"), tenant, WAREHOUSES - 1))
    out.append(
        "INSERT INTO bins (id, tenant_id, warehouse_id, code, location_type, capacity, status)"
        " SELECT %s, '%s', %s, CONCAT('B-', LPAD(seq DIV %d, 2, '0'), '-', LPAD(seq %% %d, 2, '0')),"
        " 'bin', 100000000, 'active' FROM seq_0_to_%d;"
        % (bin_("seq"), tenant, wh("seq DIV %d" % BINS_PER_WAREHOUSE), BINS_PER_WAREHOUSE,
           BINS_PER_WAREHOUSE, WAREHOUSES * BINS_PER_WAREHOUSE - 1))
    out.append(
        "INSERT INTO items (id, tenant_id, sku, name, category, unit_of_measure, status)"
        " SELECT %s, '%s', CONCAT('BSKU-', LPAD(seq, 4, '0')), CONCAT('Bench item ', seq),"
        " ELT(1 + seq %% 4, 'Electronics', 'Hardware', 'Food', 'Apparel'), 'ea', 'active'"
        " FROM seq_0_to_%d;" % (item("seq"), tenant, ITEMS - 1))
    out.append(
        "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status)"
        " SELECT %s, '%s', %s, %s, %s, 0, 'ea', 'available' FROM seq_0_to_%d;"
        % (stock("seq"), tenant, wh(stock_wh % ("seq", WAREHOUSES)), item("seq %% %d" % ITEMS),
           bin_of("seq"), STOCKS - 1))
    # Row n: stock k = (n - 1) % 1000; rows 1..1000 open every stock; then 30% receive,
    # 35% pick, 10% move (to stock k + 5, same warehouse, next bin), 10% adjustment,
    # 5% return, 10% count. One row every 5 minutes from 2025-01-01.
    k = "((seq - 1) %% %d)" % STOCKS
    k2 = "((seq + 4) %% %d)" % STOCKS
    # The master data commits first: tenants loaded at the same time would otherwise wait on each
    # other's users (the unique usernames' duplicate check locks) until the ledger is in.
    out.append("COMMIT;")
    out.append("START TRANSACTION;")
    typ = ("IF(seq <= %d, 'initial_stock', ELT(1 + seq %% 20, 'receive', 'receive', 'receive', 'receive',"
           " 'receive', 'receive', 'pick', 'pick', 'pick', 'pick', 'pick', 'pick', 'pick', 'move', 'move',"
           " 'stock_adjustment', 'stock_adjustment', 'return', 'count', 'count'))" % STOCKS)
    out.append(
        "INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id,"
        " transaction_type, quantity, delta, from_bin_id, to_bin_id, to_stock_id, to_delta,"
        " reference_id, reference_type, notes, performed_by, timestamp, created_at)"
        " SELECT %(id)s, '%(tenant)s', %(wh)s, %(item)s, %(stock)s, x.type,"
        "  CASE x.type WHEN 'initial_stock' THEN %(opening)d WHEN 'count' THEN %(opening)d + seq %% 100"
        "   ELSE x.q END,"
        "  CASE x.type WHEN 'initial_stock' THEN %(opening)d WHEN 'pick' THEN -x.q WHEN 'move' THEN -x.q"
        "   WHEN 'stock_adjustment' THEN IF(x.s %% 2, x.q, -x.q) WHEN 'count' THEN x.s %% 11 - 5"
        "   ELSE x.q END,"
        "  IF(x.type IN ('pick', 'move'), %(bin)s, NULL),"
        "  CASE x.type WHEN 'move' THEN %(bin2)s WHEN 'receive' THEN %(bin)s ELSE NULL END,"
        "  IF(x.type = 'move', %(stock2)s, NULL), IF(x.type = 'move', x.q, 0),"
        "  CASE x.type WHEN 'pick' THEN CONCAT('SO-', seq) WHEN 'receive' THEN CONCAT('PO-', seq)"
        "   WHEN 'count' THEN CONCAT('AUDIT-', seq DIV 1000) ELSE NULL END,"
        "  CASE x.type WHEN 'pick' THEN 'order' WHEN 'receive' THEN 'shipment' WHEN 'count' THEN 'audit'"
        "   ELSE NULL END,"
        "  IF(seq %% 97 = 0, CONCAT('bench note ', seq), NULL),"
        "  IF(x.type = 'count', %(counter)s, '%(admin)s'),"
        "  x.ts, x.ts"
        " FROM (SELECT seq, CAST(seq AS SIGNED) AS s, %(type)s AS type, CAST(1 + (seq * 7919) %% 50 AS SIGNED) AS q,"
        "   TIMESTAMP'%(start)s' + INTERVAL seq * %(step)d MICROSECOND AS ts FROM seq_1_to_%(rows)d) x;"
        % {"id": sql_tx_id(ids, tt, "seq", "x.ts"), "tenant": tenant, "wh": wh(stock_wh % (k, WAREHOUSES)),
           "item": item("%s %% %d" % (k, ITEMS)), "stock": stock(k), "opening": OPENING,
           "bin": bin_of(k), "bin2": bin_of(k2), "stock2": stock(k2),
           "counter": sql_id(2, tt, "1 + seq %% %d" % COUNTERS), "admin": admin, "type": typ, "rows": rows,
           "start": START, "step": step_us(rows)})
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def finish_sql(t):
    """The rest of bench tenant t's load, run one tenant at a time after the ledgers are in (concurrent
    updates of the stocks and the small counts table deadlock): every quantity becomes its ledger sum
    (the invariant ledger-check verifies), and the per-type counts of migration 005 go in as one
    GROUP BY, since its triggers are off in the load's session (one row each would double the load time)."""
    tenant = ident(1, t, t)
    out = ["START TRANSACTION;"]
    out.append(
        "UPDATE stocks s JOIN (SELECT x.sid, SUM(x.d) AS total FROM ("
        " SELECT stock_id AS sid, delta AS d FROM inventory_transactions WHERE tenant_id = '%(t)s'"
        " UNION ALL SELECT to_stock_id, to_delta FROM inventory_transactions"
        "  WHERE tenant_id = '%(t)s' AND to_stock_id IS NOT NULL) x GROUP BY x.sid) l ON l.sid = s.id"
        " SET s.quantity = l.total WHERE s.tenant_id = '%(t)s';" % {"t": tenant})
    out.append(
        "INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)"
        " SELECT tenant_id, warehouse_id, transaction_type, 0, COUNT(*) FROM inventory_transactions"
        " WHERE tenant_id = '%s' GROUP BY tenant_id, warehouse_id, transaction_type"
        " ON DUPLICATE KEY UPDATE n = n + VALUES(n);" % tenant)
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def delete_sql(db, tenants):
    """Deletes the bench tenants from every table that has a tenant_id column, then the tenants.

    The ledger goes first: its delete trigger books into inventory_transaction_counts, which
    is emptied last."""
    tables = [r[0] for r in db.run(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = DATABASE()"
        " AND column_name = 'tenant_id' AND table_name <> 'tenants'"
        " ORDER BY table_name = 'inventory_transactions' DESC,"
        " table_name = 'inventory_transaction_counts', table_name;")]
    ids = ", ".join("'%s'" % ident(1, t, t) for t in tenants)
    # The counts of these tenants go with them (deleted below), so the triggers stay off.
    out = [LOAD_SESSION]
    for table in tables:
        out.append("DELETE FROM `%s` WHERE tenant_id IN (%s);" % (table, ids))
    out.append("DELETE FROM tenants WHERE id IN (%s);" % ids)
    return "\n".join(out) + "\n"


def check(db, tenants):
    """Ledger check of lib/stock/ledger.c per bench tenant, and the counts of migration 005 against the rows."""
    bad = 0
    for t in tenants:
        tid = ident(1, t, t)
        rows = db.run(
            "SELECT COUNT(*) FROM stocks s LEFT JOIN (SELECT x.sid, SUM(x.d) AS total FROM ("
            " SELECT stock_id AS sid, delta AS d FROM inventory_transactions WHERE tenant_id = '%(t)s'"
            " UNION ALL SELECT to_stock_id, to_delta FROM inventory_transactions"
            "  WHERE tenant_id = '%(t)s' AND to_stock_id IS NOT NULL) x GROUP BY x.sid) l ON l.sid = s.id"
            " WHERE s.tenant_id = '%(t)s' AND s.quantity <> COALESCE(l.total, 0);"
            "SELECT (SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '%(t)s') -"
            " (SELECT COALESCE(SUM(n), 0) FROM inventory_transaction_counts WHERE tenant_id = '%(t)s');"
            % {"t": tid})
        mismatches, count_diff = int(rows[0][0]), int(rows[1][0])
        if mismatches or count_diff:
            print("generate: Bench %02d: %d stock quantities differ from their ledger sum, counts off by %d"
                  % (t, mismatches, count_diff))
            bad += 1
    print("generate: ledger check of %d tenants: %s" % (len(tenants), "FAILED" if bad else "consistent"))
    return bad == 0


def loaded_as(db, t, rows):
    """(generated transactions, id form) of bench tenant t as loaded, (0, None) for none. The count stops
    before 2026: every data set ends in 2025 and rows written since (the benchmark's picks) come later."""
    tid = ident(1, t, t)
    first = db.run("SELECT id FROM inventory_transactions WHERE tenant_id = '%s' AND timestamp = %s;"
                   % (tid, row_time(rows, 1)))
    n = db.run("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '%s'"
               " AND timestamp < TIMESTAMP'2026-01-01 00:00:00';" % tid)
    return int(n[0][0]), id_form(first[0][0]) if first else None


def pool_bytes(db):
    return int(db.run("SELECT @@innodb_buffer_pool_size;")[0][0])


def resize_pool(db, size):
    """Sets innodb_buffer_pool_size and waits (up to 10 minutes) until InnoDB has resized it."""
    db.run("SET GLOBAL innodb_buffer_pool_size = %d;" % size)
    for _ in range(600):
        status = db.run("SELECT variable_value FROM information_schema.global_status"
                        " WHERE variable_name = 'INNODB_BUFFER_POOL_RESIZE_STATUS';")
        if not status or not status[0][0] or status[0][0].startswith("Completed"):
            return
        time.sleep(1)


def flush_pages(run, limit_s=900):
    """Has InnoDB write its dirty pages now (innodb_max_dirty_pages_pct 0, an SSD's I/O capacity) and
    waits until under 1% of the pool's pages are dirty, then puts the settings back; run(sql) returns
    rows. After a large load there are gigabytes of them, which InnoDB otherwise writes in the
    background for minutes: a benchmark meanwhile measures that, and shrinking the pool waits for it."""
    t0 = time.time()
    saved = run("SELECT @@innodb_max_dirty_pages_pct, @@innodb_io_capacity, @@innodb_io_capacity_max;")[0]
    run("SET GLOBAL innodb_io_capacity_max = GREATEST(@@innodb_io_capacity_max, 20000);")
    run("SET GLOBAL innodb_io_capacity = GREATEST(@@innodb_io_capacity, 10000);")
    run("SET GLOBAL innodb_max_dirty_pages_pct = 0;")
    try:
        while time.time() - t0 < limit_s:
            dirty, total = (int(v) for v in run(
                "SELECT (SELECT variable_value FROM information_schema.global_status"
                "  WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'),"
                " (SELECT variable_value FROM information_schema.global_status"
                "  WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_TOTAL');")[0])
            if dirty * 100 < total:
                break
            time.sleep(2)
    finally:
        run("SET GLOBAL innodb_max_dirty_pages_pct = %s, innodb_io_capacity = %s;" % (saved[0], saved[1]))
        run("SET GLOBAL innodb_io_capacity_max = %s;" % saved[2])
    print("generate: page flushing waited %.0f s" % (time.time() - t0), flush=True)


def delete_present(db, tenants):
    """Deletes every bench tenant there is (also those beyond tenants: tests/bench/scaling.py loads fewer)."""
    t0 = time.time()
    present = sorted(int(r[0][2:4]) for r in db.run("SELECT id FROM tenants WHERE id LIKE '%s';" % TENANT_LIKE))
    db.run(delete_sql(db, present or tenants))
    print("generate: deleted the bench tenants (%.1f s)" % (time.time() - t0), flush=True)


def load(db, tenants, rows, ids, jobs):
    """Loads the bench tenants of tenants that are not there, jobs at a time; returns how many it loaded."""
    present = {r[0] for r in db.run("SELECT id FROM tenants WHERE id LIKE '%s';" % TENANT_LIKE)}
    todo = [t for t in tenants if ident(1, t, t) not in present]
    t0 = time.time()

    def one(t):
        db.run(LOAD_SESSION + tenant_sql(t, rows, ids))
        print("generate: Bench %02d loaded (%d transactions, %.1f s)" % (t, rows, time.time() - t0), flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, todo))
    for t in todo:
        db.run(LOAD_SESSION + finish_sql(t))
    if todo:
        db.run("ANALYZE TABLE inventory_transactions, stocks, bins, items, users;")
    print("generate: %d tenants loaded, %d already there, %.1f s" % (len(todo), len(tenants) - len(todo),
                                                                      time.time() - t0), flush=True)
    return len(todo)


def main():
    ap = argparse.ArgumentParser(description="Loads the benchmark tenants (see the module doc).")
    ap.add_argument("--socket", default=os.path.join(ROOT, "var", "run", "mysqld.sock"))
    ap.add_argument("--database", default="stocktake")
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--rows", type=int, default=100000, help="transactions per tenant")
    ap.add_argument("--ids", choices=("seq", "v4", "v7"), default="seq", help="form of the transaction ids")
    ap.add_argument("--buffer-pool", help="innodb_buffer_pool_size during the load, e.g. 6G")
    ap.add_argument("--jobs", type=int, default=2, help="tenants loaded at the same time")
    ap.add_argument("--force", action="store_true", help="delete and reload the bench tenants")
    ap.add_argument("--check", action="store_true", help="only run the ledger check of the bench tenants")
    args = ap.parse_args()
    if not 1 <= args.tenants <= 99 or args.rows < STOCKS:
        sys.exit("generate: --tenants takes 1..99, --rows at least %d" % STOCKS)
    db = Db(args.socket, args.database)
    tenants = list(range(1, args.tenants + 1))
    if args.check:
        sys.exit(0 if check(db, tenants) else 1)
    t0 = time.time()
    pool = pool_bytes(db)
    want = int(subprocess.run(["numfmt", "--from=iec", args.buffer_pool], check=True, capture_output=True,
                              text=True).stdout) if args.buffer_pool else 0
    try:
        if want > pool:  # the delete of a large set needs it as much as the load
            resize_pool(db, want)
        shapes = {loaded_as(db, t, args.rows) for t in tenants}
        if args.force or shapes - {(args.rows, args.ids), (0, None)}:
            delete_present(db, tenants)
        loaded = load(db, tenants, args.rows, args.ids, max(1, args.jobs))
    finally:
        if want > pool:
            flush_pages(db.run)
            resize_pool(db, pool)
    if loaded:
        print("generate: %d transactions loaded in %.0f s, the delete of the previous set included"
              % (loaded * args.rows, time.time() - t0), flush=True)
    if loaded and not check(db, tenants):
        sys.exit(1)


if __name__ == "__main__":
    main()
