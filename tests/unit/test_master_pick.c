/*
 * Unit tests for lib/stock/master_pick.c (finding items, bins and stock records by code or prefix)
 * against the devstack database (STOCKTAKE_TEST_DB_SOCKET): each case's rows are rolled back.
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
#include "stock/master_pick.h"
#include "unit_db.h"

#define TENANT "d0000000-0000-4000-8000-0000000000a1"
#define OTHER_TENANT "d0000000-0000-4000-8000-0000000000a2"
#define W1 "d3000000-0000-4000-8000-0000000000a1" /* code N */
#define W2 "d3000000-0000-4000-8000-0000000000a2" /* code S */
#define BIN_N "d4000000-0000-4000-8000-0000000000a1"
#define BIN_S "d4000000-0000-4000-8000-0000000000a2" /* the same code, the other warehouse */
#define ITEM_A "d5000000-0000-4000-8000-0000000000a1"
#define ITEM_B "d5000000-0000-4000-8000-0000000000a2"
#define STOCK_1 "d6000000-0000-4000-8000-0000000000a1"
#define STOCK_2 "d6000000-0000-4000-8000-0000000000a2"

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
	run("INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'pick'), ('" OTHER_TENANT
	    "', 'other')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" W1 "', '" TENANT
	    "', 'North', 'N'), ('" W2 "', '" TENANT "', 'South', 'S')");
	run("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN_N "', '" TENANT
	    "', '" W1 "', 'A-1'), ('" BIN_S "', '" TENANT "', '" W2 "', 'A-1')");
	run("INSERT INTO items (id, tenant_id, sku, name) VALUES ('" ITEM_A "', '" TENANT
	    "', 'PK-10', 'Bolt'), ('" ITEM_B "', '" TENANT "', 'PK-1', 'Nut_50%'),"
	    " (UUID(), '" OTHER_TENANT "', 'PK-2', 'Theirs')");
	run("INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, lot_number) VALUES"
	    " ('" STOCK_1 "', '" TENANT "', '" W1 "', '" ITEM_A "', '" BIN_N "', 'L1'),"
	    " ('" STOCK_2 "', '" TENANT "', '" W1 "', '" ITEM_A "', '" BIN_N "', 'L2')");
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_rollback();
	return 0;
}

static enum master_pick_outcome resolve(enum master_pick_kind kind, const char *typed,
                                        const char *wh, struct db_rows *rows)
{
	return master_pick_resolve(arena, TENANT, kind, typed, wh, rows);
}

/* An exact SKU wins over the longer ones it starts; a prefix is a choice; others' are unseen. */
static void test_items(void **state)
{
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(resolve(MASTER_PICK_ITEM, "pk-1", NULL, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), ITEM_B);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_CODE), "PK-1");
	assert_int_equal(resolve(MASTER_PICK_ITEM, "PK", NULL, &rows), MASTER_PICK_MANY);
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_CODE), "PK-1");
	assert_int_equal(resolve(MASTER_PICK_ITEM, "PK-2", NULL, &rows), MASTER_PICK_NONE);
	assert_int_equal(resolve(MASTER_PICK_ITEM, ITEM_A, NULL, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_CODE), "PK-10");
	/* Names match by prefix too; wildcards are plain text. */
	assert_int_equal(master_pick_search(arena, TENANT, MASTER_PICK_ITEM, "bo", NULL, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_int_equal(master_pick_search(arena, TENANT, MASTER_PICK_ITEM, "%", NULL, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	assert_int_equal(master_pick_search(arena, TENANT, MASTER_PICK_ITEM, "Nut_", NULL, &rows),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_int_equal(resolve(MASTER_PICK_ITEM, "", NULL, &rows), MASTER_PICK_NONE);
}

/* A bin code in two warehouses is a choice, unless the warehouse is named or given. */
static void test_bins(void **state)
{
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(resolve(MASTER_PICK_BIN, "A-1", NULL, &rows), MASTER_PICK_MANY);
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_CODE), "N / A-1");
	assert_int_equal(resolve(MASTER_PICK_BIN, " s /a-1 ", NULL, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), BIN_S);
	assert_int_equal(resolve(MASTER_PICK_BIN, "A-1", W1, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), BIN_N);
	assert_int_equal(resolve(MASTER_PICK_BIN, "B", NULL, &rows), MASTER_PICK_NONE);
	assert_int_equal(master_pick_search(arena, OTHER_TENANT, MASTER_PICK_BIN, "A", NULL, &rows),
	                 0);
	assert_int_equal(rows.nrows, 0);
}

/* Two lots of one item in one bin: the code names both; the id names one. */
static void test_stocks(void **state)
{
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(resolve(MASTER_PICK_STOCK, "N / A-1 / PK-10", NULL, &rows),
	                 MASTER_PICK_MANY);
	assert_int_equal(rows.nrows, 2);
	assert_int_equal(resolve(MASTER_PICK_STOCK, STOCK_2, NULL, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_CODE), "N / A-1 / PK-10");
	run("UPDATE stocks SET status = 'inactive' WHERE id = '" STOCK_1 "'");
	assert_int_equal(resolve(MASTER_PICK_STOCK, "PK-10", NULL, &rows), MASTER_PICK_FOUND);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), STOCK_2);
	assert_int_equal(resolve(MASTER_PICK_STOCK, "PK-10", W2, &rows), MASTER_PICK_NONE);
}

/* A pattern's bins and items: active ones only, a warehouse narrows, one more than max says "more".
 */
static void test_prefix(void **state)
{
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(master_pick_prefix(arena, TENANT, MASTER_PICK_BIN, "A-", NULL, 10, &rows),
	                 0);
	assert_int_equal(rows.nrows, 2);
	assert_int_equal(master_pick_prefix(arena, TENANT, MASTER_PICK_BIN, "A-", NULL, 1, &rows),
	                 0);
	assert_int_equal(rows.nrows, 2); /* max + 1: more than max match */
	assert_int_equal(master_pick_prefix(arena, TENANT, MASTER_PICK_BIN, "A-", W2, 10, &rows),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), BIN_S);
	assert_int_equal(
	    master_pick_prefix(arena, TENANT, MASTER_PICK_BIN, "n / a", NULL, 10, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), BIN_N);
	run("UPDATE bins SET status = 'inactive' WHERE id = '" BIN_N "'");
	assert_int_equal(master_pick_prefix(arena, TENANT, MASTER_PICK_BIN, "A", NULL, 10, &rows),
	                 0);
	assert_int_equal(rows.nrows, 1);
	/* "%" is a character of a SKU, not a wildcard; the other tenant's PK-2 is not ours. */
	assert_int_equal(
	    master_pick_prefix(arena, TENANT, MASTER_PICK_ITEM, "PK-", NULL, 10, &rows), 0);
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(db_cell(&rows, 0, MASTER_PICK_ID), ITEM_B);
	assert_int_equal(
	    master_pick_prefix(arena, TENANT, MASTER_PICK_ITEM, "PK%", NULL, 10, &rows), 0);
	assert_int_equal(rows.nrows, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, case_setup, case_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_items),
	    T(test_bins),
	    T(test_stocks),
	    T(test_prefix),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
