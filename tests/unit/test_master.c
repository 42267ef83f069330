/*
 * Unit tests for lib/stock/master.c (an item's unit, opening stock, the value lists) against the
 * devstack database (STOCKTAKE_TEST_DB_SOCKET): each case's rows are rolled back at its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "stock/ledger.h"
#include "stock/master.h"
#include "unit_db.h"

#define TENANT "d0000000-0000-4000-8000-000000000001"
#define OTHER_TENANT "d0000000-0000-4000-8000-000000000002"
#define USER "d2000000-0000-4000-8000-000000000001"
#define WAREHOUSE "d3000000-0000-4000-8000-000000000001"
#define BIN "d4000000-0000-4000-8000-000000000001"
#define ITEM "d5000000-0000-4000-8000-000000000001"         /* unit box */
#define ITEM_DEFAULT "d5000000-0000-4000-8000-000000000002" /* unit left to the default */
#define OTHER_ITEM "d5000000-0000-4000-8000-0000000000ff"   /* OTHER_TENANT's, unit kg */
#define STOCK "d6000000-0000-4000-8000-000000000001"        /* created empty */

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	have_db = unit_db_connect() == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_close();
	arena_free(arena);
	return 0;
}

static void run(const char *sql)
{
	assert_int_equal(db_exec(arena, NULL, sql, NULL), 0);
}

static int case_setup(void **state)
{
	(void)state;
	if (!have_db)
		return 0;
	arena_reset(arena);
	assert_int_equal(db_begin(), 0);
	run("INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'master test'), ('" OTHER_TENANT
	    "', 'other')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" WAREHOUSE "', '" TENANT
	    "', 'W', 'W')");
	run("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN "', '" TENANT
	    "', '" WAREHOUSE "', 'A')");
	run("INSERT INTO items (id, tenant_id, sku, name, unit_of_measure) VALUES"
	    " ('" ITEM "', '" TENANT "', 'SKU-1', 'Boxed', 'box'),"
	    " ('" OTHER_ITEM "', '" OTHER_TENANT "', 'SKU-1', 'Weighed', 'kg')");
	run("INSERT INTO items (id, tenant_id, sku, name) VALUES ('" ITEM_DEFAULT "', '" TENANT
	    "', 'SKU-2', 'Plain')");
	run("INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, unit_of_measure)"
	    " VALUES ('" STOCK "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" BIN "', 'box')");
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_rollback();
	return 0;
}

static long long number(const char *sql)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, NULL), 0);
	assert_int_equal(rows.nrows, 1);
	assert_non_null(db_cell(&rows, 0, 0));
	return strtoll(db_cell(&rows, 0, 0), NULL, 10);
}

/* The unit of the tenant's own item; NULL (and 0) for an unknown one or another tenant's. */
static void test_item_unit(void **state)
{
	const char *unit = "unset";

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(master_item_unit(arena, TENANT, ITEM, &unit), 0);
	assert_string_equal(unit, "box");
	assert_int_equal(master_item_unit(arena, TENANT, ITEM_DEFAULT, &unit), 0);
	assert_string_equal(unit, "ea");
	unit = "unset";
	assert_int_equal(master_item_unit(arena, TENANT, OTHER_ITEM, &unit), 0);
	assert_null(unit);
	unit = "unset";
	assert_int_equal(master_item_unit(arena, OTHER_TENANT, ITEM, &unit), 0);
	assert_null(unit);
	unit = "unset";
	assert_int_equal(
	    master_item_unit(arena, TENANT, "d5000000-0000-4000-8000-00000000dead", &unit), 0);
	assert_null(unit);
	assert_int_equal(master_item_unit(arena, OTHER_TENANT, OTHER_ITEM, &unit), 0);
	assert_string_equal(unit, "kg");
}

/* Opening stock is one initial_stock row with the quantity as its delta; the record holds it. */
static void test_opening(void **state)
{
	const struct master_opening o = {
	    .stock_id = STOCK,
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .bin_id = BIN,
	    .quantity = 25,
	    .user_id = USER,
	};
	struct db_rows rows;
	struct ledger_check chk;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(master_stock_opening(arena, TENANT, &o), 0);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" STOCK "'"), 25);
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT tenant_id, warehouse_id, item_id, stock_id, transaction_type,"
	            " quantity, delta, from_bin_id, to_bin_id, to_stock_id, to_delta,"
	            " performed_by FROM inventory_transactions WHERE tenant_id = ?",
	            "s", TENANT),
	    0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), TENANT);
	assert_string_equal(db_cell(&rows, 0, 1), WAREHOUSE);
	assert_string_equal(db_cell(&rows, 0, 2), ITEM);
	assert_string_equal(db_cell(&rows, 0, 3), STOCK);
	assert_string_equal(db_cell(&rows, 0, 4), "initial_stock");
	assert_string_equal(db_cell(&rows, 0, 5), "25");
	assert_string_equal(db_cell(&rows, 0, 6), "25");
	assert_null(db_cell(&rows, 0, 7));
	assert_string_equal(db_cell(&rows, 0, 8), BIN);
	assert_null(db_cell(&rows, 0, 9));
	assert_string_equal(db_cell(&rows, 0, 10), "0");
	assert_string_equal(db_cell(&rows, 0, 11), USER);
	/* From its first unit, the record's quantity is what its ledger says. */
	assert_int_equal(ledger_check_run(arena, TENANT, &chk), 0);
	assert_int_equal(chk.stocks_checked, 1);
	assert_int_equal(chk.mismatches.nrows, 0);
}

/* Nothing for an opening of 0 (nor below): no ledger row, the record stays empty. */
static void test_opening_nothing(void **state)
{
	struct master_opening o = {
	    .stock_id = STOCK,
	    .warehouse_id = WAREHOUSE,
	    .item_id = ITEM,
	    .bin_id = BIN,
	    .quantity = 0,
	    .user_id = USER,
	};
	struct ledger_check chk;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(master_stock_opening(arena, TENANT, &o), 0);
	o.quantity = -1;
	assert_int_equal(master_stock_opening(arena, TENANT, &o), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '" TENANT "'"),
	    0);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" STOCK "'"), 0);
	assert_int_equal(ledger_check_run(arena, TENANT, &chk), 0);
	assert_int_equal(chk.mismatches.nrows, 0);
}

static void expect_list(const char *const *got, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
}

/* The value lists the master data checks against, in the order the documents give them. */
static void test_lists(void **state)
{
	static const char *const statuses[] = {"available", "reserved", "damaged", "quarantine",
	                                       NULL};
	static const char *const locations[] = {"shelf", "bin", "rack", "zone", "aisle", NULL};
	static const char *const active[] = {"active", "inactive", NULL};

	(void)state;
	expect_list(master_stock_statuses, statuses);
	expect_list(master_location_types, locations);
	expect_list(master_active_inactive, active);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, case_setup, case_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_item_unit),
	    T(test_opening),
	    T(test_opening_nothing),
	    cmocka_unit_test(test_lists),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
