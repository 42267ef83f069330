/* Unit tests for lib/count/count.c: lifecycle, codes, keys, scopes, refusals, import fields (no
 * DB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/valid.h"
#include "count/count.h"

static struct arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	return 0;
}

static void test_lifecycle(void **state)
{
	(void)state;
	assert_string_equal(count_next_status("planned", COUNT_START), "started");
	assert_string_equal(count_next_status("started", COUNT_COMPLETE), "completed");
	assert_string_equal(count_next_status("completed", COUNT_APPLY), "applied");
	assert_string_equal(count_next_status("planned", COUNT_CANCEL), "canceled");
	assert_string_equal(count_next_status("started", COUNT_CANCEL), "canceled");
	assert_null(count_next_status("started", COUNT_START));
	assert_null(count_next_status("planned", COUNT_COMPLETE));
	assert_null(count_next_status("started", COUNT_APPLY));
	assert_null(count_next_status("applied", COUNT_APPLY));
	assert_null(count_next_status("completed", COUNT_CANCEL));
	assert_null(count_next_status("applied", COUNT_CANCEL));
	assert_null(count_next_status("canceled", COUNT_START));
	assert_null(count_next_status(NULL, COUNT_START));
	assert_string_equal(count_action_name(COUNT_COMPLETE), "complete");
	assert_string_equal(count_action_done(COUNT_CANCEL), "canceled");
	assert_string_equal(count_action_from(COUNT_CANCEL), "planned or started");
	assert_string_equal(count_action_from(COUNT_APPLY), "completed");
}

static void test_code_format(void **state)
{
	(void)state;
	assert_string_equal(count_code_format(arena, 2026, 1), "CNT-2026-001");
	assert_string_equal(count_code_format(arena, 2026, 42), "CNT-2026-042");
	assert_string_equal(count_code_format(arena, 2026, 1000), "CNT-2026-1000");
	assert_string_equal(count_code_format(arena, 2027, 123456), "CNT-2027-123456");
}

static void test_user_key(void **state)
{
	const char *name, *id;

	(void)state;
	assert_int_equal(count_user_key_parse(arena, "user/operator-01", &name, &id), 0);
	assert_string_equal(name, "operator-01");
	assert_null(id);
	assert_int_equal(
	    count_user_key_parse(arena, "20000000-0000-4000-8000-00000000000A", &name, &id), 0);
	assert_null(name);
	assert_string_equal(id, "20000000-0000-4000-8000-00000000000a");
	assert_int_equal(count_user_key_parse(arena, "user/", &name, &id), -1);
	assert_int_equal(count_user_key_parse(arena, "operator-01", &name, &id), -1);
	assert_int_equal(count_user_key_parse(arena, NULL, &name, &id), -1);
}

static void test_keys_and_scopes(void **state)
{
	(void)state;
	assert_string_equal(count_key_column("position"), "bin_id");
	assert_string_equal(count_key_column("product"), "item_id");
	assert_string_equal(count_key_table("position"), "bins");
	assert_string_equal(count_key_entity("product"), "Item");
	assert_true(count_is_supervisor("view:tenant inventory:count:apply"));
	assert_true(count_is_supervisor("inventory:count:create"));
	assert_false(
	    count_is_supervisor("operator inventory:count:record manage:operations:tenant"));
	assert_false(count_is_supervisor(NULL));
	assert_string_equal(valid_id_norm(arena, "ABCDEF00-0000-4000-8000-000000000001"),
	                    "abcdef00-0000-4000-8000-000000000001");
	assert_string_equal(valid_id_norm(arena, "Not-An-Id"), "Not-An-Id");
}

static void test_refuse(void **state)
{
	struct count_result res = {0};

	(void)state;
	assert_int_equal(count_refuse(&res, 409, "Count session is applied", NULL), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.detail, "");
}

/* The import row checks that need no database (split out of count_import_row for the CSV fuzz
 * driver). */
static void test_import_fields(void **state)
{
	static const char *const ok4[] = {"A-01-01", "ITEM-001", "47", "LOT-1"};
	static const char *const ok3[] = {"A-01-01", "ITEM-001", "0"};
	static const char *const negative[] = {"A-01-01", "ITEM-001", "-1"};
	static const char *const too_many[] = {"A-01-01", "ITEM-001", "1000000000001"};
	static const char *const blank_bin[] = {" ", "ITEM-001", "1"};
	static const char *const blank_sku[] = {"A-01-01", "", "1"};
	struct count_entry e;
	struct count_result res = {0};

	(void)state;
	assert_int_equal(count_import_fields(arena, ok4, 4, &e, &res), 0);
	assert_int_equal(e.counted_qt, 47);
	assert_string_equal(e.lot_number, "LOT-1");
	assert_int_equal(count_import_fields(arena, ok3, 3, &e, &res), 0);
	assert_string_equal(e.lot_number, "");
	assert_int_equal(count_import_fields(arena, ok3, 2, &e, &res), COUNT_REFUSED);
	assert_string_equal(res.message,
	                    "Expected 3 or 4 fields (bin, sku, counted_qt, lot), got 2");
	assert_int_equal(count_import_fields(arena, negative, 3, &e, &res), COUNT_REFUSED);
	assert_string_equal(res.message, "Invalid counted_qt: -1");
	assert_int_equal(count_import_fields(arena, too_many, 3, &e, &res), COUNT_REFUSED);
	assert_int_equal(count_import_fields(arena, blank_bin, 3, &e, &res), COUNT_REFUSED);
	assert_string_equal(res.message, "Bin required");
	assert_int_equal(count_import_fields(arena, blank_sku, 3, &e, &res), COUNT_REFUSED);
	assert_string_equal(res.message, "SKU required");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lifecycle), cmocka_unit_test(test_code_format),
	    cmocka_unit_test(test_user_key),  cmocka_unit_test(test_keys_and_scopes),
	    cmocka_unit_test(test_refuse),    cmocka_unit_test(test_import_fields),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
