/*
 * Unit tests for lib/count/count_scan.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * codes a counter scans as ids, their earlier counts and targets; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "count/count_scan.h"
#include "count_case.h"

#define OTHER_WAREHOUSE "d3000000-0000-4000-8000-000000000002"
#define BIN_A_THERE "d4000000-0000-4000-8000-0000000000aa"
#define ITEM_2 "d5000000-0000-4000-8000-000000000002"

/* A started session of both counters over bin A; the item has a barcode. */
static void started(const char **id, struct count_session *s)
{
	fx_run(arena, "UPDATE items SET barcode = '4006381333931' WHERE id = '" FX_ITEM "'");
	fx_session(arena, NULL, true, id);
	fx_action(arena, *id, COUNT_START);
	fx_load(arena, *id, s);
}

/* A second warehouse with its own bin A-01 (not a target) and B-01's code. */
static void second_warehouse(void)
{
	fx_run(arena, "INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" OTHER_WAREHOUSE
	              "', '" FX_TENANT "', 'W2', 'W2')");
	fx_run(arena, "INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN_A_THERE
	              "', '" FX_TENANT "', '" OTHER_WAREHOUSE "', 'B-01')");
}

static void test_bin(void **state)
{
	struct count_session s;
	const char *id, *bin = NULL;

	(void)state;
	if (!have_db)
		skip();
	started(&id, &s);
	assert_int_equal(count_scan_bin(arena, FX_TENANT, &s, FX_USER1, "A-01", &bin),
	                 COUNT_FOUND_ONE);
	assert_string_equal(bin, FX_BIN_A);
	/* The collation of codes ignores case, as the bins listing's search does. */
	assert_int_equal(count_scan_bin(arena, FX_TENANT, &s, FX_USER1, "a-01", &bin),
	                 COUNT_FOUND_ONE);
	/* An id names its bin, in any case. */
	bin = NULL;
	assert_int_equal(count_scan_bin(arena, FX_TENANT, &s, FX_USER1,
	                                "D4000000-0000-4000-8000-00000000000B", &bin),
	                 COUNT_FOUND_ONE);
	assert_string_equal(bin, FX_BIN_B);
	assert_int_equal(count_scan_bin(arena, FX_TENANT, &s, FX_USER1, "Z-99", &bin),
	                 COUNT_FOUND_NONE);
	/* Another tenant's bin code is nothing here. */
	assert_int_equal(count_scan_bin(arena, FX_OTHER_TENANT, &s, FX_USER1, "A-01", &bin),
	                 COUNT_FOUND_NONE);
	/* B-01 in two warehouses, neither a target: ambiguous. */
	second_warehouse();
	assert_int_equal(count_scan_bin(arena, FX_TENANT, &s, FX_USER1, "B-01", &bin),
	                 COUNT_FOUND_MANY);
}

static void test_item(void **state)
{
	const char *item = NULL;

	(void)state;
	if (!have_db)
		skip();
	fx_run(arena, "UPDATE items SET barcode = '4006381333931' WHERE id = '" FX_ITEM "'");
	assert_int_equal(count_scan_item(arena, FX_TENANT, "SKU-1", &item), COUNT_FOUND_ONE);
	assert_string_equal(item, FX_ITEM);
	item = NULL;
	assert_int_equal(count_scan_item(arena, FX_TENANT, "4006381333931", &item),
	                 COUNT_FOUND_ONE);
	assert_string_equal(item, FX_ITEM);
	assert_int_equal(count_scan_item(arena, FX_TENANT, "4006381333932", &item),
	                 COUNT_FOUND_NONE);
	assert_int_equal(count_scan_item(arena, FX_OTHER_TENANT, "4006381333931", &item),
	                 COUNT_FOUND_NONE);
	/* A SKU that is another item's barcode names the item with that SKU. */
	fx_run(arena, "INSERT INTO items (id, tenant_id, sku, name) VALUES ('" ITEM_2
	              "', '" FX_TENANT "', '4006381333931', 'Look-alike')");
	assert_int_equal(count_scan_item(arena, FX_TENANT, "4006381333931", &item),
	                 COUNT_FOUND_ONE);
	assert_string_equal(item, ITEM_2);
}

static void test_entry(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_entry in = {"A-01", "4006381333931", "", 3, NULL}, out;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	started(&id, &s);
	assert_int_equal(count_scan_entry(arena, FX_TENANT, &s, FX_USER1, &in, &out, &res), 0);
	assert_string_equal(out.bin_id, FX_BIN_A);
	assert_string_equal(out.item_id, FX_ITEM);
	assert_int_equal(out.counted_qt, 3);
	/* Ids stay as they are; unknown codes too, for the record's own 404. */
	in = (struct count_entry){FX_BIN_A, "NOPE", "", 3, NULL};
	assert_int_equal(count_scan_entry(arena, FX_TENANT, &s, FX_USER1, &in, &out, &res), 0);
	assert_string_equal(out.bin_id, FX_BIN_A);
	assert_string_equal(out.item_id, "NOPE");
	assert_int_equal(count_entry_check(arena, FX_TENANT, &s, FX_USER1, &out, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.message, "Item not found");
	second_warehouse();
	in = (struct count_entry){"B-01", FX_ITEM, "", 3, NULL};
	assert_int_equal(count_scan_entry(arena, FX_TENANT, &s, FX_USER1, &in, &out, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, "Ambiguous bin code B-01: it is used in several "
	                                 "warehouses; give the bin id");
}

static void test_earlier_and_targets(void **state)
{
	struct count_session s;
	struct count_entry e = {FX_BIN_A, FX_ITEM, "", 0, NULL};
	struct db_rows rows;
	long long qt = -1;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	started(&id, &s);
	assert_int_equal(count_scan_earlier(arena, FX_TENANT, id, FX_USER1, &e, &qt), 0);
	assert_int_equal(count_scan_targets(arena, FX_TENANT, &s, FX_USER1, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, COUNT_SCAN_KEY_ID), FX_BIN_A);
	assert_string_equal(db_cell(&rows, 0, COUNT_SCAN_CODE), "A-01");
	assert_string_equal(db_cell(&rows, 0, COUNT_SCAN_LABEL), "W");
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_DONE), 0);
	fx_record(arena, id, FX_USER1, 7);
	assert_int_equal(count_scan_earlier(arena, FX_TENANT, id, FX_USER1, &e, &qt), 1);
	assert_int_equal(qt, 7);
	/* Only the user's own count: counter-two has none. */
	assert_int_equal(count_scan_earlier(arena, FX_TENANT, id, FX_USER2, &e, &qt), 0);
	assert_int_equal(count_scan_targets(arena, FX_TENANT, &s, FX_USER1, &rows), 0);
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_DONE), 1);
	assert_int_equal(count_scan_targets(arena, FX_TENANT, &s, FX_USER2, &rows), 0);
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_DONE), 0);
	/* Not assigned: no targets. */
	assert_int_equal(count_scan_targets(arena, FX_TENANT, &s, FX_USER3, &rows), 0);
	assert_int_equal(rows.nrows, 0);
}

static void test_serials_and_sessions(void **state)
{
	struct count_session s;
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	/* Planned: not among anyone's counts yet, and no baseline to hold serials. */
	fx_session(arena, NULL, false, &id);
	fx_load(arena, id, &s);
	assert_int_equal(count_scan_serials(arena, FX_TENANT, &s), 0);
	assert_int_equal(count_scan_sessions(arena, FX_TENANT, FX_USER1, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	fx_action(arena, id, COUNT_START);
	fx_load(arena, id, &s);
	assert_int_equal(count_scan_serials(arena, FX_TENANT, &s), 0);
	assert_int_equal(count_scan_sessions(arena, FX_TENANT, FX_USER1, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, COUNT_SCAN_SESSION_ID), id);
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_SESSION_TARGETS), 1);
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_SESSION_DONE), 0);
	fx_record(arena, id, FX_USER1, 4);
	assert_int_equal(count_scan_sessions(arena, FX_TENANT, FX_USER1, &rows), 0);
	assert_int_equal(count_cell_ll(&rows, 0, COUNT_SCAN_SESSION_DONE), 1);
	/* Another tenant, or a user assigned nowhere, has none. */
	assert_int_equal(count_scan_sessions(arena, FX_OTHER_TENANT, FX_USER1, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	assert_int_equal(count_scan_sessions(arena, FX_TENANT, FX_USER3, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	/* A baseline line with a serial number makes the session count serials. */
	fx_run(
	    arena,
	    "UPDATE count_snapshot_lines SET serial_number = 'SN-1' WHERE tenant_id = '" FX_TENANT
	    "'");
	assert_int_equal(count_scan_serials(arena, FX_TENANT, &s), 1);
	fx_action(arena, id, COUNT_CANCEL);
	assert_int_equal(count_scan_sessions(arena, FX_TENANT, FX_USER1, &rows), 0);
	assert_int_equal(rows.nrows, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_bin),
	    DB_CASE(test_item),
	    DB_CASE(test_entry),
	    DB_CASE(test_earlier_and_targets),
	    DB_CASE(test_serials_and_sessions),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
