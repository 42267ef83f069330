/*
 * Unit tests for lib/stock/ledger_post.c (postings, the bin lock order, bin freezes) against the
 * devstack database (STOCKTAKE_TEST_DB_SOCKET, database STOCKTAKE_TEST_APP_DB_NAME or "stocktake",
 * migrated): every case runs in a transaction that is rolled back, so nothing stays behind.
 * Skipped without a server or without the count tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "stock/ledger.h"
#include "stock/ledger_post.h"
#include "unit_db.h"

#define TENANT "c0000000-0000-4000-8000-000000000001"
#define OTHER_TENANT "c0000000-0000-4000-8000-000000000002"
#define USER "c2000000-0000-4000-8000-000000000001"
#define WAREHOUSE "c3000000-0000-4000-8000-000000000001"
#define BIN_A "c4000000-0000-4000-8000-00000000000a"
#define BIN_B "c4000000-0000-4000-8000-00000000000b"
#define BIN_C "c4000000-0000-4000-8000-00000000000c"
#define ITEM "c5000000-0000-4000-8000-000000000001"
#define STOCK_A "ca000000-0000-4000-8000-00000000000a"     /* ITEM at bin A: 10 */
#define STOCK_B "ca000000-0000-4000-8000-00000000000b"     /* ITEM at bin B: 4 */
#define STOCK_OTHER "ca000000-0000-4000-8000-0000000000ff" /* OTHER_TENANT's: 6 */

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	struct db_rows rows;

	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	if (unit_db_connect() != 0)
		return 0;
	have_db = db_exec(arena, &rows,
	                  "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE()"
	                  " AND table_name = 'count_sessions'",
	                  NULL) == 0 &&
	          rows.nrows == 1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	db_close();
	arena_free(arena);
	return 0;
}

static void run(const char *sql)
{
	assert_int_equal(db_exec(arena, NULL, sql, NULL), 0);
}

/* Opens the case's transaction: a tenant with a user, a warehouse and bins A, B, C. */
static void begin_with_bins(void)
{
	arena_reset(arena);
	assert_int_equal(db_begin(), 0);
	run("INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'lock test'), ('" OTHER_TENANT
	    "', 'other')");
	run("INSERT INTO users (id, tenant_id, username, password_hash) VALUES ('" USER
	    "', '" TENANT "', 'count-lock-unit-test', 'x')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" WAREHOUSE "', '" TENANT
	    "', 'W', 'W')");
	run("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN_A "', '" TENANT
	    "', '" WAREHOUSE "', 'A'), ('" BIN_B "', '" TENANT "', '" WAREHOUSE "', 'B'), ('" BIN_C
	    "', '" TENANT "', '" WAREHOUSE "', 'C')");
}

/* A tenant with bins A, B, C; a started position session over A and a started product session
 * whose baseline found its item at B, both with lock_positions. */
static int case_setup(void **state)
{
	(void)state;
	if (!have_db)
		return 0;
	begin_with_bins();
	run("INSERT INTO count_sessions (id, tenant_id, code, type, status, lock_positions, "
	    "created,"
	    " created_by, baseline_snapshot_key) VALUES"
	    " ('c6000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'CNT-POS', 'position', 'started', 1,"
	    "  UTC_TIMESTAMP(), '" USER "', NULL),"
	    " ('c6000000-0000-4000-8000-000000000002', '" TENANT
	    "', 'CNT-PROD', 'product', 'started', 1,"
	    "  UTC_TIMESTAMP(), '" USER "', 'c8000000-0000-4000-8000-000000000001'),"
	    " ('c6000000-0000-4000-8000-000000000003', '" TENANT
	    "', 'CNT-OPEN', 'position', 'started', 0,"
	    "  UTC_TIMESTAMP(), '" USER "', NULL),"
	    " ('c6000000-0000-4000-8000-000000000004', '" TENANT
	    "', 'CNT-DONE', 'position', 'completed', 1,"
	    "  UTC_TIMESTAMP(), '" USER "', NULL)");
	run("INSERT INTO count_assignments (id, tenant_id, session_id, user_id, position) VALUES"
	    " ('c7000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'c6000000-0000-4000-8000-000000000001', '" USER "', 0),"
	    " ('c7000000-0000-4000-8000-000000000003', '" TENANT
	    "', 'c6000000-0000-4000-8000-000000000003', '" USER "', 0),"
	    " ('c7000000-0000-4000-8000-000000000004', '" TENANT
	    "', 'c6000000-0000-4000-8000-000000000004', '" USER "', 0)");
	run("INSERT INTO count_targets (tenant_id, session_id, assignment_id, target_no, key_no, "
	    "key_id) VALUES"
	    " ('" TENANT "', 'c6000000-0000-4000-8000-000000000001', "
	    "'c7000000-0000-4000-8000-000000000001', 0, 0, '" BIN_A "'),"
	    " ('" TENANT "', 'c6000000-0000-4000-8000-000000000003', "
	    "'c7000000-0000-4000-8000-000000000003', 0, 0, '" BIN_C "'),"
	    " ('" TENANT "', 'c6000000-0000-4000-8000-000000000004', "
	    "'c7000000-0000-4000-8000-000000000004', 0, 0, '" BIN_C "')");
	run("INSERT INTO count_snapshots (id, tenant_id, session_id, kind) VALUES"
	    " ('c8000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'c6000000-0000-4000-8000-000000000002', 'baseline')");
	run("INSERT INTO count_snapshot_lines (snapshot_id, tenant_id, stock_id, warehouse_id, "
	    "bin_id, item_id,"
	    " status, quantity) VALUES ('c8000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'c9000000-0000-4000-8000-000000000001', '" WAREHOUSE "', '" BIN_B "', '" ITEM
	    "', 'available', 3)");
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_rollback();
	return 0;
}

static int check(const char *tenant, const char *bin, const char **msg)
{
	if (!have_db)
		skip();
	return ledger_post_bin_frozen(arena, tenant, bin, msg);
}

static void test_position_target_is_locked(void **state)
{
	const char *msg = NULL;

	(void)state;
	assert_int_equal(check(TENANT, BIN_A, &msg), 1);
	assert_string_equal(msg, "Bin is locked by count session CNT-POS");
	/* Ids are compared whatever their case. */
	assert_int_equal(check(TENANT, "C4000000-0000-4000-8000-00000000000A", &msg), 1);
}

static void test_product_baseline_bin_is_locked(void **state)
{
	const char *msg = NULL;

	(void)state;
	assert_int_equal(check(TENANT, BIN_B, &msg), 1);
	assert_string_equal(msg, "Bin is locked by count session CNT-PROD");
}

static void test_unlocked_bins(void **state)
{
	const char *msg = "x";

	(void)state;
	/* C is counted, but by a session without lock_positions and by a completed one. */
	assert_int_equal(check(TENANT, BIN_C, &msg), 0);
	assert_null(msg);
	assert_int_equal(check(OTHER_TENANT, BIN_A, &msg), 0);
	assert_int_equal(check(TENANT, NULL, &msg), 0);
	run("UPDATE count_sessions SET status = 'canceled' WHERE tenant_id = '" TENANT "'");
	assert_int_equal(check(TENANT, BIN_A, &msg), 0);
	assert_int_equal(check(TENANT, BIN_B, &msg), 0);
}

/*
 * The postings' fixture: ITEM at bin A (10 units) and at bin B (4), and another tenant's record,
 * each with the ledger rows that explain its quantity, so the invariant holds from the start.
 */
static int post_setup(void **state)
{
	(void)state;
	if (!have_db)
		return 0;
	begin_with_bins();
	run("INSERT INTO items (id, tenant_id, sku, name, unit_of_measure) VALUES ('" ITEM
	    "', '" TENANT "', 'SKU-1', 'Widget', 'box')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES"
	    " ('c3000000-0000-4000-8000-0000000000ff', '" OTHER_TENANT "', 'W2', 'W2')");
	run("INSERT INTO items (id, tenant_id, sku, name) VALUES"
	    " ('c5000000-0000-4000-8000-0000000000ff', '" OTHER_TENANT "', 'SKU-1', 'Other')");
	run("INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity,"
	    " unit_of_measure, last_counted_at) VALUES"
	    " ('" STOCK_A "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" BIN_A "', 10, 'box',"
	    "  '2024-06-01 00:00:00'),"
	    " ('" STOCK_B "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" BIN_B
	    "', 4, 'box', NULL),"
	    " ('" STOCK_OTHER "', '" OTHER_TENANT "', 'c3000000-0000-4000-8000-0000000000ff',"
	    "  'c5000000-0000-4000-8000-0000000000ff', NULL, 6, 'ea', NULL)");
	run("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id,"
	    " transaction_type, quantity, delta, to_bin_id, performed_by, timestamp) VALUES"
	    " ('cb000000-0000-4000-8000-00000000000a', '" TENANT "', '" WAREHOUSE "', '" ITEM
	    "', '" STOCK_A "', 'receive', 10, 10, '" BIN_A "', '" USER "', '2024-01-01 00:00:00'),"
	    " ('cb000000-0000-4000-8000-00000000000b', '" TENANT "', '" WAREHOUSE "', '" ITEM
	    "', '" STOCK_B "', 'receive', 4, 4, '" BIN_B "', '" USER "', '2024-01-01 00:00:00'),"
	    " ('cb000000-0000-4000-8000-0000000000ff', '" OTHER_TENANT
	    "', 'c3000000-0000-4000-8000-0000000000ff', 'c5000000-0000-4000-8000-0000000000ff',"
	    " '" STOCK_OTHER "', 'receive', 6, 6, NULL, '" USER "', '2024-01-01 00:00:00')");
	return 0;
}

/* One value of one row, as text (NULL for SQL NULL); the query must find exactly one row. */
static const char *value(const char *sql, const char *arg)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, "s", arg), 0);
	assert_int_equal(rows.nrows, 1);
	return db_cell(&rows, 0, 0);
}

static long long number(const char *sql, const char *arg)
{
	const char *v = value(sql, arg);

	assert_non_null(v);
	return strtoll(v, NULL, 10);
}

static long long quantity(const char *stock_id)
{
	return number("SELECT quantity FROM stocks WHERE id = ?", stock_id);
}

static long long ledger_rows(const char *tenant_id)
{
	return number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = ?", tenant_id);
}

/* A column of the ledger row with this id, as text. */
static const char *row_col(const char *id, const char *col)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT %s FROM inventory_transactions WHERE id = ?", col);
	return value(sql, id);
}

/*
 * The ledger invariant for one record, by hand: its quantity equals SUM(delta) of its rows plus
 * SUM(to_delta) of the moves into it. Then ledger_check_run over the tenant: no mismatch among
 * its stocks, of which there are this many.
 */
static void expect_invariant(const char *stock_id, long long tenant_stocks)
{
	struct ledger_check chk;
	long long sum =
	    number("SELECT CAST(COALESCE((SELECT SUM(delta) FROM inventory_transactions"
	           "  WHERE stock_id = s.id), 0) + COALESCE((SELECT SUM(to_delta)"
	           "  FROM inventory_transactions WHERE to_stock_id = s.id), 0) AS SIGNED)"
	           " FROM stocks s WHERE s.id = ?",
	           stock_id);

	assert_int_equal(quantity(stock_id), sum);
	assert_int_equal(ledger_check_run(arena, TENANT, &chk), 0);
	assert_int_equal(chk.stocks_checked, tenant_stocks);
	assert_int_equal(chk.mismatches.nrows, 0);
}

/* A pick of 3 from STOCK_A at bin A, by USER. */
static struct ledger_movement pick_of_three(void)
{
	return (struct ledger_movement){
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "pick",
	    .quantity = 3,
	    .delta = -3,
	    .from_bin_id = BIN_A,
	    .reference_id = "SO-1",
	    .reference_type = "order",
	    .notes = "picked",
	    .performed_by = USER,
	};
}

/* A pick-like movement: the record loses delta, and one ledger row says so with the same delta. */
static void test_post_pick(void **state)
{
	struct ledger_movement m = pick_of_three();

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_non_null(m.id); /* made by ledger_post */
	assert_int_equal(strlen(m.id), 36);
	assert_int_equal(quantity(STOCK_A), 7);
	assert_int_equal(quantity(STOCK_B), 4);
	assert_int_equal(ledger_rows(TENANT), 3);
	assert_int_equal(number("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ?"
	                        " AND delta = -3 AND quantity = 3",
	                        STOCK_A),
	                 1);
	assert_string_equal(row_col(m.id, "tenant_id"), TENANT);
	assert_string_equal(row_col(m.id, "warehouse_id"), WAREHOUSE);
	assert_string_equal(row_col(m.id, "item_id"), ITEM);
	assert_string_equal(row_col(m.id, "stock_id"), STOCK_A);
	assert_string_equal(row_col(m.id, "transaction_type"), "pick");
	assert_string_equal(row_col(m.id, "quantity"), "3");
	assert_string_equal(row_col(m.id, "delta"), "-3");
	assert_string_equal(row_col(m.id, "from_bin_id"), BIN_A);
	assert_null(row_col(m.id, "to_bin_id"));
	assert_null(row_col(m.id, "to_stock_id"));
	assert_string_equal(row_col(m.id, "to_delta"), "0");
	assert_string_equal(row_col(m.id, "reference_id"), "SO-1");
	assert_string_equal(row_col(m.id, "reference_type"), "order");
	assert_string_equal(row_col(m.id, "notes"), "picked");
	assert_string_equal(row_col(m.id, "performed_by"), USER);
	/* No timestamp given: the database's clock, now. */
	assert_int_equal(number("SELECT TIMESTAMPDIFF(SECOND, timestamp, UTC_TIMESTAMP(6)) < 60"
	                        " FROM inventory_transactions WHERE id = ?",
	                        m.id),
	                 1);
	/* Not a count: last_counted_at is left alone. */
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-06-01 00:00:00.000000");
	expect_invariant(STOCK_A, 2);
	/* The other tenant's record and ledger are untouched. */
	assert_int_equal(quantity(STOCK_OTHER), 6);
	assert_int_equal(ledger_rows(OTHER_TENANT), 1);
}

/* A given id and timestamp are the row's; a receive-like delta adds. */
static void test_post_given_id_and_time(void **state)
{
	struct ledger_movement m = {
	    .id = "cc000000-0000-4000-8000-000000000001",
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_B,
	    .type = "receive",
	    .quantity = 5,
	    .delta = 5,
	    .to_bin_id = BIN_B,
	    .performed_by = USER,
	    .timestamp = "2024-03-04 05:06:07.890123",
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_string_equal(m.id, "cc000000-0000-4000-8000-000000000001");
	assert_int_equal(quantity(STOCK_B), 9);
	assert_string_equal(row_col(m.id, "timestamp"), "2024-03-04 05:06:07.890123");
	assert_string_equal(row_col(m.id, "delta"), "5");
	assert_int_equal(ledger_rows(TENANT), 3);
	expect_invariant(STOCK_B, 2);
}

/* A posting the stock cannot take (below 0) fails and leaves neither a change nor a row. */
static void test_post_refused(void **state)
{
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_B,
	    .type = "pick",
	    .quantity = 5,
	    .delta = -5,
	    .performed_by = USER,
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), -1);
	assert_int_equal(quantity(STOCK_B), 4);
	assert_int_equal(ledger_rows(TENANT), 2);
	expect_invariant(STOCK_B, 2);
}

/* A count's posting with LEDGER_STAMP_COUNTED: last_counted_at moves forward, never back. */
static void test_stamp_counted(void **state)
{
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "count",
	    .quantity = 12,
	    .delta = 2,
	    .stamp = LEDGER_STAMP_COUNTED,
	    .performed_by = USER,
	    .timestamp = "2024-07-01 10:00:00.000000",
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 12);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-07-01 10:00:00.000000");
	/* An older count (posted late) changes the quantity but not the stamp. */
	m.id = NULL;
	m.quantity = 11;
	m.delta = -1;
	m.timestamp = "2024-05-01 00:00:00.000000";
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 11);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-07-01 10:00:00.000000");
	assert_string_equal(row_col(m.id, "timestamp"), "2024-05-01 00:00:00.000000");
	/* A record never counted takes the first stamp. */
	m = (struct ledger_movement){
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_B,
	    .type = "count",
	    .quantity = 4,
	    .delta = 0,
	    .stamp = LEDGER_STAMP_COUNTED,
	    .performed_by = USER,
	    .timestamp = "2023-02-03 04:05:06.000007",
	};
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_B), 4);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_B),
	                    "2023-02-03 04:05:06.000007");
	assert_int_equal(ledger_rows(TENANT), 5);
	expect_invariant(STOCK_A, 2);
	expect_invariant(STOCK_B, 2);
}

/* A count session's posting (LEDGER_STAMP_COUNTED_AT) sets last_counted_at, even to earlier. */
static void test_stamp_counted_at(void **state)
{
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "stock_adjustment",
	    .quantity = 3,
	    .delta = -3,
	    .stamp = LEDGER_STAMP_COUNTED_AT,
	    .reference_type = "audit",
	    .performed_by = USER,
	    .timestamp = "2024-05-15 08:00:00.000000",
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 7);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-05-15 08:00:00.000000");
	m.id = NULL;
	m.stock_id = STOCK_B;
	m.delta = 3;
	m.timestamp = "2024-05-16 08:00:00.000000";
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_B), 7);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_B),
	                    "2024-05-16 08:00:00.000000");
	assert_int_equal(ledger_rows(TENANT), 4);
	expect_invariant(STOCK_A, 2);
	expect_invariant(STOCK_B, 2);
}

/* Part of a record moves to a matching record in the destination bin: one row, both deltas. */
static void test_move_partial_existing(void **state)
{
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "move",
	    .quantity = 3,
	    .delta = -3,
	    .from_bin_id = BIN_A,
	    .to_bin_id = BIN_B,
	    .to_stock_id = STOCK_B,
	    .to_delta = 3,
	    .performed_by = USER,
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 7);
	assert_int_equal(quantity(STOCK_B), 7);
	assert_int_equal(ledger_rows(TENANT), 3);
	assert_string_equal(row_col(m.id, "stock_id"), STOCK_A);
	assert_string_equal(row_col(m.id, "delta"), "-3");
	assert_string_equal(row_col(m.id, "to_stock_id"), STOCK_B);
	assert_string_equal(row_col(m.id, "to_delta"), "3");
	assert_string_equal(row_col(m.id, "from_bin_id"), BIN_A);
	assert_string_equal(row_col(m.id, "to_bin_id"), BIN_B);
	/* Both records stay where they were. */
	assert_string_equal(value("SELECT bin_id FROM stocks WHERE id = ?", STOCK_A), BIN_A);
	assert_string_equal(value("SELECT bin_id FROM stocks WHERE id = ?", STOCK_B), BIN_B);
	expect_invariant(STOCK_A, 2);
	expect_invariant(STOCK_B, 2);
}

/* Part of a record moves to a bin without a matching record: to_new creates it with to_delta. */
static void test_move_to_new(void **state)
{
	const struct ledger_new_stock dest = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .bin_id = BIN_C,
	    .unit_of_measure = "box",
	    .status = "quarantine",
	    .lot_number = "LOT-7",
	    .serial_number = NULL,
	};
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "move",
	    .quantity = 4,
	    .delta = -4,
	    .from_bin_id = BIN_A,
	    .to_bin_id = BIN_C,
	    .to_stock_id = "ca000000-0000-4000-8000-00000000000c",
	    .to_delta = 4,
	    .to_new = &dest,
	    .performed_by = USER,
	};
	const char *to = "ca000000-0000-4000-8000-00000000000c";

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 6);
	assert_int_equal(quantity(to), 4);
	assert_string_equal(
	    value("SELECT CONCAT_WS('|', tenant_id, warehouse_id, item_id, bin_id,"
	          " unit_of_measure, status, lot_number, IFNULL(serial_number, '-'))"
	          " FROM stocks WHERE id = ?",
	          to),
	    TENANT "|" WAREHOUSE "|" ITEM "|" BIN_C "|box|quarantine|LOT-7|-");
	assert_int_equal(number("SELECT COUNT(*) FROM stocks WHERE tenant_id = ?", TENANT), 3);
	assert_int_equal(ledger_rows(TENANT), 3);
	assert_string_equal(row_col(m.id, "to_stock_id"), to);
	assert_string_equal(row_col(m.id, "to_delta"), "4");
	assert_string_equal(row_col(m.id, "delta"), "-4");
	/* The new record has no ledger row of its own: the move's to_delta explains it. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM inventory_transactions WHERE stock_id = ?", to), 0);
	expect_invariant(STOCK_A, 3);
	expect_invariant(to, 3);
}

/* The whole record moves: its bin changes, its quantity does not, the row has both deltas 0. */
static void test_move_whole_record(void **state)
{
	struct ledger_movement m = {
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .stock_id = STOCK_A,
	    .type = "move",
	    .quantity = 10,
	    .delta = 0,
	    .from_bin_id = BIN_A,
	    .to_bin_id = BIN_C,
	    .to_stock_id = STOCK_A,
	    .to_delta = 0,
	    .performed_by = USER,
	};

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(ledger_post(arena, TENANT, &m), 0);
	assert_int_equal(quantity(STOCK_A), 10);
	assert_string_equal(value("SELECT bin_id FROM stocks WHERE id = ?", STOCK_A), BIN_C);
	assert_int_equal(number("SELECT COUNT(*) FROM stocks WHERE tenant_id = ?", TENANT), 2);
	assert_int_equal(ledger_rows(TENANT), 3);
	assert_string_equal(row_col(m.id, "quantity"), "10");
	assert_string_equal(row_col(m.id, "delta"), "0");
	assert_string_equal(row_col(m.id, "to_delta"), "0");
	assert_string_equal(row_col(m.id, "to_stock_id"), STOCK_A);
	assert_string_equal(row_col(m.id, "from_bin_id"), BIN_A);
	assert_string_equal(row_col(m.id, "to_bin_id"), BIN_C);
	expect_invariant(STOCK_A, 2);
}

/* The invariant check used above can fail: a quantity changed outside the ledger shows. */
static void test_invariant_sees_drift(void **state)
{
	struct ledger_check chk;

	(void)state;
	if (!have_db)
		skip();
	run("UPDATE stocks SET quantity = 11 WHERE id = '" STOCK_A "'");
	assert_int_equal(ledger_check_run(arena, TENANT, &chk), 0);
	assert_int_equal(chk.stocks_checked, 2);
	assert_int_equal(chk.mismatches.nrows, 1);
	assert_string_equal(db_cell(&chk.mismatches, 0, 0), STOCK_A);
	assert_string_equal(db_cell(&chk.mismatches, 0, 1), "11");
	assert_string_equal(db_cell(&chk.mismatches, 0, 2), "10");
}

/* Statements this connection has executed (prepared), itself included. */
static long long executes(void)
{
	return number("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
	              " WHERE VARIABLE_NAME = ?",
	              "COM_STMT_EXECUTE");
}

/* Bins are locked in id order, each once, whatever order and repeats the caller holds. */
static void test_lock_bins(void **state)
{
	const char *ids[] = {BIN_C, BIN_A, BIN_C, BIN_B, BIN_A};
	const char *one[] = {BIN_B};
	long long base, before;

	(void)state;
	if (!have_db)
		skip();
	/* What reading the counter costs by itself. */
	before = executes();
	base = executes() - before;
	before = executes();
	assert_int_equal(ledger_post_lock_bins(arena, TENANT, ids, 5), 0);
	assert_int_equal(executes() - before - base, 3); /* one locking read per distinct bin */
	assert_string_equal(ids[0], BIN_A);
	assert_string_equal(ids[1], BIN_A);
	assert_string_equal(ids[2], BIN_B);
	assert_string_equal(ids[3], BIN_C);
	assert_string_equal(ids[4], BIN_C);
	before = executes();
	assert_int_equal(ledger_post_lock_bins(arena, TENANT, one, 1), 0);
	assert_int_equal(executes() - before - base, 1);
	before = executes();
	assert_int_equal(ledger_post_lock_bins(arena, TENANT, ids, 0), 0);
	assert_int_equal(executes() - before - base, 0);
	/* The locks are the transaction's: it still runs and can post after them. */
	run("SELECT 1");
}

/* Column name of row 0 of rows, as text. */
static const char *cell_of(const struct db_rows *rows, const char *name)
{
	int col = db_col(rows, name);

	assert_true(col >= 0);
	return db_cell(rows, 0, (size_t)col);
}

/* ledger_post_single: the pick of test_post_pick in one CALL, read back with the stock record. */
static void test_post_single_pick(void **state)
{
	struct ledger_movement m = pick_of_three();
	struct db_rows rows;
	long long before;

	(void)state;
	if (!have_db)
		skip();
	before = executes();
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), 0);
	assert_int_equal(executes() - before, 2); /* the CALL and the counter's own read */
	assert_non_null(m.id);
	assert_int_equal(rows.nrows, 1);
	assert_int_equal(rows.ncols, 17 + 12);
	assert_string_equal(db_cell(&rows, 0, 0), m.id);
	assert_string_equal(rows.colnames[5], "transaction_type");
	assert_string_equal(db_cell(&rows, 0, 14), "-3");    /* delta */
	assert_string_equal(db_cell(&rows, 0, 17), STOCK_A); /* the stock's id */
	assert_string_equal(rows.colnames[22], "quantity");
	assert_string_equal(db_cell(&rows, 0, 22), "7");
	assert_int_equal(quantity(STOCK_A), 7);
	assert_int_equal(ledger_rows(TENANT), 3);
	assert_string_equal(row_col(m.id, "from_bin_id"), BIN_A);
	assert_null(row_col(m.id, "to_stock_id"));
	assert_string_equal(row_col(m.id, "notes"), "picked");
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-06-01 00:00:00.000000");
	expect_invariant(STOCK_A, 2);
	assert_int_equal(quantity(STOCK_OTHER), 6);
}

/* ledger_post_single stamps as ledger_post does; below 0 and moves are refused, nothing written. */
static void test_post_single_stamps_and_refusals(void **state)
{
	struct ledger_movement m = pick_of_three();
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	/* A count of 12 where 10 were, as test_stamp_counted posts it through ledger_post. */
	m.type = "count";
	m.quantity = 12;
	m.delta = 2;
	m.stamp = LEDGER_STAMP_COUNTED;
	m.timestamp = "2024-07-01 10:00:00.000000";
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), 0);
	assert_string_equal(cell_of(&rows, "last_counted_at"), "2024-07-01 10:00:00.000000");
	m.id = NULL;
	m.delta = 0;
	m.timestamp = "2024-01-01 00:00:00.000000"; /* older: last_counted_at stays */
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), 0);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-07-01 10:00:00.000000");
	m.id = NULL;
	m.stamp = LEDGER_STAMP_COUNTED_AT; /* a session's posting: the time it gives */
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), 0);
	assert_string_equal(value("SELECT last_counted_at FROM stocks WHERE id = ?", STOCK_A),
	                    "2024-01-01 00:00:00.000000");
	m.id = NULL;
	m.stamp = LEDGER_STAMP_NONE;
	m.delta = -13;
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), -1);
	assert_int_equal(quantity(STOCK_A), 12);
	m.id = NULL;
	m.delta = -1;
	m.to_stock_id = STOCK_B;
	assert_int_equal(ledger_post_single(arena, TENANT, &m, &rows), -1);
	assert_int_equal(ledger_rows(TENANT), 5);
	expect_invariant(STOCK_A, 2);
}

/* ledger_post_lock_single for k, which must answer in one statement. */
static void lock_single(const struct ledger_single_keys *k, struct db_rows *rows)
{
	long long before = executes();

	assert_int_equal(ledger_post_lock_single(arena, TENANT, k, rows), 0);
	assert_int_equal(executes() - before, 2); /* the CALL and executes()'s own read */
}

/* ledger_post_lock_single: one CALL answers what lock_ahead and the checks read. */
static void test_lock_single(void **state)
{
	struct ledger_single_keys k = {STOCK_A, WAREHOUSE, USER, TENANT, true, NULL};
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	lock_single(&k, &rows);
	assert_string_equal(cell_of(&rows, "bin_id"), BIN_A);
	assert_non_null(cell_of(&rows, "clock"));
	assert_string_equal(cell_of(&rows, "_caller"), "active\x1f"
	                                               "active\x1f"
	                                               "0\x1f\x1f"
	                                               "UTC\x1f"
	                                               "count-lock-unit-test");
	assert_null(cell_of(&rows, "frozen"));
	assert_string_equal(cell_of(&rows, "s_id"), STOCK_A);
	assert_string_equal(cell_of(&rows, "s_quantity"), "10");
	assert_string_equal(cell_of(&rows, "s_unit_of_measure"), "box");
	assert_null(cell_of(&rows, "s_frozen"));
	assert_null(cell_of(&rows, "performer"));
	/* A started position session with lock_positions over bin A freezes it. */
	run("INSERT INTO count_sessions (id, tenant_id, code, type, status, lock_positions, "
	    "created,"
	    " created_by) VALUES ('c6000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'CNT-POS', 'position', 'started', 1, UTC_TIMESTAMP(), '" USER "')");
	run("INSERT INTO count_assignments (id, tenant_id, session_id, user_id, position) VALUES"
	    " ('c7000000-0000-4000-8000-000000000001', '" TENANT
	    "', 'c6000000-0000-4000-8000-000000000001', '" USER "', 0)");
	run("INSERT INTO count_targets (tenant_id, session_id, assignment_id, target_no, key_no,"
	    " key_id) VALUES ('" TENANT "', 'c6000000-0000-4000-8000-000000000001',"
	    " 'c7000000-0000-4000-8000-000000000001', 0, 0, '" BIN_A "')");
	k.performer_id = USER;
	lock_single(&k, &rows);
	assert_string_equal(cell_of(&rows, "frozen"), "CNT-POS");
	assert_string_equal(cell_of(&rows, "performer"), "1");
	k.takes_from_bin = false; /* not a pick: the freeze is not asked */
	k.performer_id = "c2000000-0000-4000-8000-0000000000ff";
	lock_single(&k, &rows);
	assert_null(cell_of(&rows, "frozen"));
	assert_string_equal(cell_of(&rows, "performer"), "0");
	/* Another tenant's record, and no probe: nothing of it is read. */
	k = (struct ledger_single_keys){STOCK_OTHER, WAREHOUSE, NULL, NULL, true, NULL};
	lock_single(&k, &rows);
	assert_null(cell_of(&rows, "bin_id"));
	assert_null(cell_of(&rows, "_caller"));
	assert_null(cell_of(&rows, "s_id"));
	/* An inactive warehouse: no clock, and the stock row is not locked. */
	run("UPDATE warehouses SET status = 'inactive' WHERE id = '" WAREHOUSE "'");
	k.stock_id = STOCK_B;
	lock_single(&k, &rows);
	assert_string_equal(cell_of(&rows, "bin_id"), BIN_B);
	assert_null(cell_of(&rows, "clock"));
	assert_null(cell_of(&rows, "s_id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_position_target_is_locked, case_setup,
	                                    case_teardown),
	    cmocka_unit_test_setup_teardown(test_product_baseline_bin_is_locked, case_setup,
	                                    case_teardown),
	    cmocka_unit_test_setup_teardown(test_unlocked_bins, case_setup, case_teardown),
#define P(fn) cmocka_unit_test_setup_teardown(fn, post_setup, case_teardown)
	    P(test_post_pick),
	    P(test_post_given_id_and_time),
	    P(test_post_refused),
	    P(test_stamp_counted),
	    P(test_stamp_counted_at),
	    P(test_move_partial_existing),
	    P(test_move_to_new),
	    P(test_move_whole_record),
	    P(test_invariant_sees_drift),
	    P(test_lock_bins),
	    P(test_post_single_pick),
	    P(test_post_single_stamps_and_refusals),
	    P(test_lock_single),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
