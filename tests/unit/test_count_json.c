/*
 * Unit tests for lib/web/count_json.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * the API's objects for sessions, assignments, lines, records and variances, blind mode. Every
 * case runs in a transaction that is rolled back; the DB cases skip without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/jval.h"
#include "count_case.h"
#include "web/count_json.h"

/* o serialized as the API sends it; releases o. */
static const char *json(struct json_object *o)
{
	assert_non_null(o);
	return jval_text(arena, o);
}

static void started(bool blind, const char *user, const char *scopes, struct count_session *s,
                    struct count_view *v)
{
	const char *id;

	fx_session(arena, "CNT-JSON", blind, &id);
	fx_action(arena, id, COUNT_START);
	fx_load(arena, id, s);
	count_view_init(v, s, FX_TENANT, user, scopes);
}

static void test_session(void **state)
{
	struct json_object *o = NULL, *v;
	struct count_list_filter f = {.limit = 5};
	long long total = 0;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-JSON", true, &id);
	assert_int_equal(count_json_session(arena, FX_TENANT, id, &o), 0);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "blind_quantities", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "lock_positions", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "_rev", &v));
	assert_string_equal(json_object_get_string(v), "1");
	json_object_put(o);
	assert_int_equal(count_json_session(arena, FX_OTHER_TENANT, id, &o), 0);
	assert_null(o);
	assert_int_equal(count_json_list(arena, FX_TENANT, &f, &o, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(json_object_array_length(o), 1);
	json_object_put(o);
}

static void test_assignments(void **state)
{
	struct count_session s;
	struct count_view v;
	struct json_object *as = NULL, *progress = NULL;

	(void)state;
	if (!have_db)
		skip();
	started(false, FX_USER1, "inventory:count:create", &s, &v);
	fx_record(arena, s.id, FX_USER1, 4);
	assert_int_equal(count_json_assignments(arena, &s, &v, &as, &progress), 0);
	assert_string_equal(json(progress), "{\"targets_counted\":1,\"targets_total\":2,"
	                                    "\"records\":1,\"conflicts\":0}");
	assert_int_equal(json_object_array_length(as), 2);
	{
		struct json_object *g = json_object_array_get_idx(as, 0), *x;

		assert_true(json_object_object_get_ex(g, "user_key", &x));
		assert_string_equal(json_object_get_string(x), "user/counter-one");
		assert_true(json_object_object_get_ex(g, "target_keys", &x));
		assert_string_equal(json_object_to_json_string_ext(x, JVAL_OUT_FLAGS),
		                    "[[\"" FX_BIN_A "\"]]");
		assert_true(json_object_object_get_ex(g, "progress", &x));
		assert_string_equal(json_object_to_json_string_ext(x, JVAL_OUT_FLAGS),
		                    "{\"targets_counted\":1,\"targets_total\":1}");
	}
	json_object_put(as);
}

static void test_blind_lines_and_records(void **state)
{
	struct count_session s;
	struct count_view v;
	struct json_object *lines = NULL, *records = NULL, *rec = NULL, *x;
	long long total = 0;

	(void)state;
	if (!have_db)
		skip();
	started(true, FX_USER2, "inventory:count:record", &s, &v);
	fx_record(arena, s.id, FX_USER2, 4);
	assert_int_equal(count_json_lines(arena, &s, &v, &lines), 0);
	assert_int_equal(json_object_array_length(lines), 1);
	/* Blind: the system quantity is left out, not null. */
	assert_false(
	    json_object_object_get_ex(json_object_array_get_idx(lines, 0), "system_qt", NULL));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(lines, 0), "sku", &x));
	assert_string_equal(json_object_get_string(x), "SKU-1");
	json_object_put(lines);
	assert_int_equal(count_json_records(arena, &s, &v, 10, 0, &records, &total), 0);
	assert_int_equal(total, 1);
	rec = json_object_array_get_idx(records, 0);
	assert_false(json_object_object_get_ex(rec, "system_qt", NULL));
	assert_true(json_object_object_get_ex(rec, "conflict", &x));
	assert_true(json_object_is_type(x, json_type_boolean));
	assert_true(json_object_object_get_ex(rec, "counted_qt", &x));
	assert_int_equal(json_object_get_int64(x), 4);
	assert_true(json_object_object_get_ex(rec, "_key", &x));
	{
		const char *key = arena_strdup(arena, json_object_get_string(x));

		json_object_put(records);
		/* A supervisor sees the system quantity of the same record. */
		count_view_init(&v, &s, FX_TENANT, FX_USER1, "inventory:count:apply");
		assert_int_equal(count_json_record(arena, &s, &v, key, &rec), 0);
	}
	assert_true(json_object_object_get_ex(rec, "system_qt", &x));
	assert_int_equal(json_object_get_int64(x), 10);
	json_object_put(rec);
}

static void test_variances(void **state)
{
	struct count_session s;
	struct count_view v;
	struct json_object *lines = NULL, *summary = NULL, *line, *x;

	(void)state;
	if (!have_db)
		skip();
	started(false, FX_USER1, "inventory:count:apply", &s, &v);
	fx_record(arena, s.id, FX_USER1, 12);
	fx_record(arena, s.id, FX_USER2, 12);
	assert_int_equal(count_json_variances(arena, FX_TENANT, &s, &lines, &summary), 0);
	assert_string_equal(json(summary), "{\"lines\":1,\"variances\":1,\"conflicts\":0}");
	line = json_object_array_get_idx(lines, 0);
	assert_true(json_object_object_get_ex(line, "difference", &x));
	assert_int_equal(json_object_get_int64(x), 2);
	assert_true(json_object_object_get_ex(line, "lot_number", &x));
	assert_null(x);
	assert_true(json_object_object_get_ex(line, "conflict", &x));
	assert_false(json_object_get_boolean(x));
	json_object_put(lines);
	fx_record(arena, s.id, FX_USER2, 11);
	assert_int_equal(count_json_variances(arena, FX_TENANT, &s, &lines, &summary), 0);
	assert_string_equal(json(summary), "{\"lines\":1,\"variances\":0,\"conflicts\":1}");
	assert_true(
	    json_object_object_get_ex(json_object_array_get_idx(lines, 0), "difference", &x));
	assert_null(x);
	json_object_put(lines);
}

static void test_resolution(void **state)
{
	struct count_entry e = {FX_BIN_A, FX_ITEM, "", 2, "[\"S1\",\"S2\"]"};

	(void)state;
	assert_string_equal(json(count_json_resolution(&e)),
	                    "{\"bin_id\":\"" FX_BIN_A "\",\"item_id\":\"" FX_ITEM
	                    "\",\"lot_number\":null,\"counted_qt\":2,\"serials\":[\"S1\",\"S2\"]}");
	e.lot_number = "L-7";
	e.serials = NULL;
	assert_string_equal(json(count_json_resolution(&e)),
	                    "{\"bin_id\":\"" FX_BIN_A "\",\"item_id\":\"" FX_ITEM
	                    "\",\"lot_number\":\"L-7\",\"counted_qt\":2,\"serials\":null}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_session),
	    DB_CASE(test_assignments),
	    DB_CASE(test_blind_lines_and_records),
	    DB_CASE(test_variances),
	    DB_CASE(test_resolution),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
