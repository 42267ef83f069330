/*
 * Unit tests for lib/stock/ledger_post.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET, database
 * STOCKTAKE_TEST_APP_DB_NAME or "stocktake", migrated): every case runs in a transaction that is
 * rolled back, so nothing stays behind. Skipped without a server or without the count tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/arena.h"
#include "stock/ledger_post.h"
#include "db/db.h"
#include "base/log.h"
#include "unit_db.h"

#define TENANT "c0000000-0000-4000-8000-000000000001"
#define OTHER_TENANT "c0000000-0000-4000-8000-000000000002"
#define USER "c2000000-0000-4000-8000-000000000001"
#define WAREHOUSE "c3000000-0000-4000-8000-000000000001"
#define BIN_A "c4000000-0000-4000-8000-00000000000a"
#define BIN_B "c4000000-0000-4000-8000-00000000000b"
#define BIN_C "c4000000-0000-4000-8000-00000000000c"
#define ITEM "c5000000-0000-4000-8000-000000000001"

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

/* A tenant with bins A, B, C; a started position session over A and a started product session
 * whose baseline found its item at B, both with lock_positions. */
static int case_setup(void **state)
{
	(void)state;
	if (!have_db)
		return 0;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_position_target_is_locked, case_setup,
	                                    case_teardown),
	    cmocka_unit_test_setup_teardown(test_product_baseline_bin_is_locked, case_setup,
	                                    case_teardown),
	    cmocka_unit_test_setup_teardown(test_unlocked_bins, case_setup, case_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
