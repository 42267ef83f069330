/* Unit tests for lib/web/count_body.c: count session bodies, assignments, counted lines, serials
 * (no DB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "count/count.h"
#include "count/count_input.h"
#include "web/count_body.h"

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

static struct json_object *parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	return o;
}

/* Runs count_body_session on text; returns the status and leaves the message in *msg. */
static int session_status(const char *text, bool creating, struct field_value *vals,
                          const char **msg)
{
	struct json_object *o = parse(text);
	const char *detail = NULL;
	int st;

	memset(vals, 0, count_nfields() * sizeof(*vals));
	st = count_body_session(arena, o, creating, vals, msg, &detail);
	json_object_put(o);
	return st;
}

static void test_session_document_example(void **state)
{
	struct field_value vals[64];
	const char *msg = NULL;

	(void)state;
	assert_true(count_nfields() < 64);
	/* The 000 document's example, server fields and all. */
	assert_int_equal(
	    session_status(
	        "{\"_id\": \"string\", \"_key\": \"string\", \"_rev\": \"string\","
	        " \"code\": \"CNT-2026-001\", \"description\": \"Annual count\","
	        " \"type\": \"position\", \"status\": \"planned\", \"blind_quantities\": true,"
	        " \"blind_serials\": true, \"coverage_percentage\": 100,"
	        " \"scheduled_start\": \"2026-05-20T08:00:00Z\","
	        " \"scheduled_end\": \"2026-05-20T18:00:00Z\", \"created\": "
	        "\"2026-05-15T10:00:00Z\","
	        " \"created_by\": \"user/operator-01\", \"started\": \"2026-05-20T08:05:00Z\","
	        " \"completed\": \"2026-05-20T17:45:00Z\", \"baseline_snapshot_key\": \"snap-001\","
	        " \"post_count_snapshot_key\": \"snap-002\","
	        " \"post_adjustment_snapshot_key\": \"snap-003\","
	        " \"adjustment_list_key\": \"mvtlist-001\", \"notes\": \"Zone A first\","
	        " \"extra\": \"string\"}",
	        true, vals, &msg),
	    0);
	assert_true(vals[count_field_index("type")].set);
	assert_string_equal(vals[count_field_index("type")].s, "position");
	assert_int_equal(vals[count_field_index("blind_quantities")].i, 1);
	assert_int_equal(vals[count_field_index("coverage_percentage")].i, 100);
	assert_string_equal(vals[count_field_index("scheduled_start")].s, "2026-05-20 08:00:00");
	/* Server fields are accepted and ignored. */
	assert_false(vals[count_field_index("status")].set);
	assert_false(vals[count_field_index("_key")].set);
	assert_false(vals[count_field_index("created_by")].set);
}

static void test_session_refusals(void **state)
{
	struct field_value vals[64];
	const char *msg = NULL;

	(void)state;
	assert_int_equal(session_status("{}", true, vals, &msg), 400);
	assert_string_equal(msg, "Field required: type");
	assert_int_equal(session_status("{}", false, vals, &msg), 0);
	assert_int_equal(session_status("{\"type\": \"shelf\"}", true, vals, &msg), 400);
	assert_string_equal(msg, "Invalid type");
	assert_int_equal(session_status("{\"type\": \"product\", \"bogus\": 1}", true, vals, &msg),
	                 400);
	assert_string_equal(msg, "Unknown field: bogus");
	assert_int_equal(session_status("{\"type\": \"product\", \"coverage_percentage\": 101}",
	                                true, vals, &msg),
	                 400);
	assert_string_equal(msg, "Invalid coverage_percentage");
	assert_int_equal(session_status("{\"type\": \"product\", \"coverage_percentage\": 2.5}",
	                                true, vals, &msg),
	                 400);
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"blind_serials\": \"yes\"}", true, vals, &msg),
	    400);
	assert_string_equal(msg, "Invalid blind_serials");
	assert_int_equal(session_status("{\"type\": \"product\", \"scheduled_end\": \"tomorrow\"}",
	                                true, vals, &msg),
	                 400);
	assert_string_equal(msg, "Invalid scheduled_end");
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"code\": \"   \"}", true, vals, &msg), 400);
	assert_string_equal(msg, "Invalid code");
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"code\": null}", true, vals, &msg), 400);
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"code\": \"1234567890123456789012345"
	                   "67890123456789012345678901\"}",
	                   true, vals, &msg),
	    400);
	assert_string_equal(msg, "Field too long: code");
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"extra\": {\"a\": 1}}", true, vals, &msg),
	    400);
	assert_string_equal(msg, "Invalid extra");
	/* Empty optional text clears it. */
	assert_int_equal(session_status("{\"notes\": \"\"}", false, vals, &msg), 0);
	assert_true(vals[count_field_index("notes")].null);
}

/* count_body_session on text that it refuses: the message and detail must be these. */
static void session_refused(const char *text, bool creating, const char *msg, const char *detail)
{
	struct field_value vals[64];
	struct json_object *o = parse(text);
	const char *m = NULL, *d = NULL;

	memset(vals, 0, sizeof(vals));
	assert_int_equal(count_body_session(arena, o, creating, vals, &m, &d), 400);
	json_object_put(o);
	assert_string_equal(m, msg);
	assert_string_equal(d, detail);
}

/* The count table's data as the one validator reads it: hints, empty values, nulls. */
static void test_session_details(void **state)
{
	struct field_value vals[64];
	const char *msg = NULL;

	(void)state;
	session_refused("{\"type\": \"shelf\"}", true, "Invalid type",
	                "type must be position or product");
	/* A null where none is stored is a wrong value, not a missing one (res says otherwise). */
	session_refused("{\"type\": null}", true, "Invalid type",
	                "type must be position or product");
	session_refused("{\"code\": null}", false, "Invalid code",
	                "code must be a non-empty string");
	session_refused("{}", true, "Field required: type", "");
	session_refused("{\"bogus\": 1}", false, "Unknown field: bogus",
	                "see the count_session document for the accepted fields");
	/* Text of blanks is checked as text: only "" clears a nullable text. */
	session_refused("{\"code\": \"  \"}", false, "Invalid code", "code must be non-blank text");
	session_refused("{\"code\": \"\"}", false, "Invalid code", "code must be non-blank text");
	session_refused("{\"notes\": \"  \"}", false, "Invalid notes",
	                "notes must be non-blank text");
	session_refused("{\"code\": 7}", false, "Invalid code", "code must be a non-empty string");
	session_refused("{\"code\": \"1234567890123456789012345678901234567890123456789012345\"}",
	                false, "Field too long: code", "code takes at most 50 characters");
	/* Over 100 is "Invalid", not "Field too large" (no FIELD_TOO_LARGE). */
	session_refused("{\"coverage_percentage\": 101}", false, "Invalid coverage_percentage",
	                "coverage_percentage must be a whole number from 0 to 100");
	session_refused("{\"coverage_percentage\": \"5\"}", false,
	                "coverage_percentage must be a whole number",
	                "coverage_percentage must be a whole number from 0 to 100");
	session_refused("{\"coverage_percentage\": 5.5}", false,
	                "coverage_percentage must be a whole number",
	                "coverage_percentage must be a whole number from 0 to 100");
	session_refused("{\"blind_serials\": null}", false, "Invalid blind_serials",
	                "blind_serials must be true or false");
	session_refused("{\"scheduled_start\": \"\"}", false, "Invalid scheduled_start",
	                "scheduled_start must be an ISO 8601 date-time");
	/* Nulls clear the nullable ones. */
	assert_int_equal(session_status("{\"coverage_percentage\": null, \"scheduled_end\": null,"
	                                " \"description\": null}",
	                                false, vals, &msg),
	                 0);
	assert_true(vals[count_field_index("coverage_percentage")].set);
	assert_true(vals[count_field_index("coverage_percentage")].null);
	assert_true(vals[count_field_index("scheduled_end")].null);
	assert_true(vals[count_field_index("description")].null);
	assert_int_equal(
	    session_status("{\"type\": \"product\", \"lock_positions\": false}", true, vals, &msg),
	    0);
	assert_true(vals[count_field_index("lock_positions")].set);
	assert_int_equal(vals[count_field_index("lock_positions")].i, 0);
}

/* count_body_assignments on text: status, message in *msg. */
static int assignments_status(const char *text, struct count_assignment **out, size_t *n,
                              const char **msg)
{
	struct json_object *o = text ? parse(text) : NULL;
	const char *detail = NULL;
	int st = count_body_assignments(arena, o, out, n, msg, &detail);

	json_object_put(o);
	return st;
}

static void test_assignments(void **state)
{
	struct count_assignment *as;
	size_t n;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(assignments_status("[{\"user_key\": \"user/operator-01\","
	                                    " \"target_keys\": [[\"12345\", \"67890\"], [\"1\"]]}]",
	                                    &as, &n, &msg),
	                 0);
	assert_int_equal(n, 1);
	assert_string_equal(as[0].username, "operator-01");
	assert_int_equal(as[0].ntargets, 2);
	assert_int_equal(as[0].targets[0].nkeys, 2);
	assert_string_equal(as[0].targets[0].keys[1], "67890");
	assert_int_equal(assignments_status(NULL, &as, &n, &msg), 400);
	assert_string_equal(msg, "Field required: assignments");
	assert_int_equal(assignments_status("[]", &as, &n, &msg), 400);
	assert_string_equal(msg, "Invalid assignments");
	assert_int_equal(assignments_status("[{\"target_keys\": [[\"1\"]]}]", &as, &n, &msg), 400);
	assert_string_equal(msg, "Field required: assignments[0].user_key");
	assert_int_equal(assignments_status("[{\"user_key\": \"bob\", \"target_keys\": [[\"1\"]]}]",
	                                    &as, &n, &msg),
	                 400);
	assert_string_equal(msg, "Invalid assignments[0].user_key");
	assert_int_equal(assignments_status("[{\"user_key\": \"user/a\"}]", &as, &n, &msg), 400);
	assert_string_equal(msg, "Field required: assignments[0].target_keys");
	assert_int_equal(
	    assignments_status("[{\"user_key\": \"user/a\", \"target_keys\": []}]", &as, &n, &msg),
	    400);
	assert_string_equal(msg, "Invalid assignments[0].target_keys");
	assert_int_equal(assignments_status("[{\"user_key\": \"user/a\", \"target_keys\": [[]]}]",
	                                    &as, &n, &msg),
	                 400);
	assert_string_equal(msg, "Invalid assignments[0].target_keys[0]");
	assert_int_equal(
	    assignments_status("[{\"user_key\": \"user/a\", \"target_keys\": [[\"1\", 2]]}]", &as,
	                       &n, &msg),
	    400);
	assert_string_equal(msg, "Invalid assignments[0].target_keys[0][1]");
	assert_int_equal(
	    assignments_status("[{\"user_key\": \"user/a\", \"target_keys\": [[\"1\"]],"
	                       " \"role\": \"x\"}]",
	                       &as, &n, &msg),
	    400);
	assert_string_equal(msg, "Unknown field: assignments[0].role");
}

/* count_body_entry on text: status, message in *msg. */
static int entry_status(const char *text, struct count_entry *e, const char **msg)
{
	struct json_object *o = parse(text);
	const char *detail = NULL;
	int st = count_body_entry(arena, o, e, msg, &detail);

	json_object_put(o);
	return st;
}

#define BIN "\"bin_id\": \"40000000-0000-4000-8000-00000000000A\""
#define ITEM "\"item_id\": \"50000000-0000-4000-8000-000000000001\""

static void test_entry(void **state)
{
	struct count_entry e;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(entry_status("{" BIN ", " ITEM
	                              ", \"counted_qt\": 3, \"lot_number\": \"L1\","
	                              " \"serials\": [\"S3\", \"S1\", \"S2\"]}",
	                              &e, &msg),
	                 0);
	assert_string_equal(e.bin_id, "40000000-0000-4000-8000-00000000000a");
	assert_int_equal(e.counted_qt, 3);
	assert_string_equal(e.lot_number, "L1");
	assert_string_equal(e.serials, "[\"S1\",\"S2\",\"S3\"]");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": 0}", &e, &msg), 0);
	assert_string_equal(e.lot_number, "");
	assert_null(e.serials);
	assert_int_equal(entry_status("{" ITEM ", \"counted_qt\": 1}", &e, &msg), 400);
	assert_string_equal(msg, "Field required: bin_id");
	assert_int_equal(entry_status("{" BIN ", " ITEM "}", &e, &msg), 400);
	assert_string_equal(msg, "Field required: counted_qt");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": -1}", &e, &msg), 400);
	assert_string_equal(msg, "Invalid counted_qt");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": 1.5}", &e, &msg), 400);
	assert_string_equal(msg, "counted_qt must be a whole number");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": \"3\"}", &e, &msg), 400);
	assert_string_equal(msg, "counted_qt must be a whole number");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": null}", &e, &msg), 400);
	assert_string_equal(msg, "counted_qt must be a whole number");
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": 1e30}", &e, &msg), 400);
	assert_string_equal(msg, "Invalid counted_qt");
	/* A whole number written as a double is that number. */
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": 2.0}", &e, &msg), 0);
	assert_int_equal(e.counted_qt, 2);
	assert_int_equal(entry_status("{" BIN ", " ITEM ", \"counted_qt\": 3e0}", &e, &msg), 0);
	assert_int_equal(e.counted_qt, 3);
	assert_int_equal(
	    entry_status("{" BIN ", " ITEM ", \"counted_qt\": 2, \"serials\": [\"A\"]}", &e, &msg),
	    400);
	assert_string_equal(msg, "Invalid serials");
	assert_int_equal(
	    entry_status("{" BIN ", " ITEM ", \"counted_qt\": 1, \"qty\": 1}", &e, &msg), 400);
	assert_string_equal(msg, "Unknown field: qty");
}

/* count_body_entry on text that it refuses: the message and detail must be these. */
static void entry_refused(const char *text, const char *msg, const char *detail)
{
	struct count_entry e;
	struct json_object *o = parse(text);
	const char *m = NULL, *d = NULL;

	assert_int_equal(count_body_entry(arena, o, &e, &m, &d), 400);
	json_object_put(o);
	assert_string_equal(m, msg);
	assert_string_equal(d, detail);
}

/* lot_number goes through the same validator: null, "" or no key for none. */
static void test_entry_lot(void **state)
{
	struct count_entry e;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(
	    entry_status("{" BIN ", " ITEM ", \"counted_qt\": 1, \"lot_number\": null}", &e, &msg),
	    0);
	assert_string_equal(e.lot_number, "");
	assert_int_equal(
	    entry_status("{" BIN ", " ITEM ", \"counted_qt\": 1, \"lot_number\": \"\"}", &e, &msg),
	    0);
	assert_string_equal(e.lot_number, "");
	entry_refused("{" BIN ", " ITEM ", \"counted_qt\": 1, \"lot_number\": 5}",
	              "Invalid lot_number", "lot_number must be a string");
	entry_refused("{" BIN ", " ITEM ", \"counted_qt\": 1, \"lot_number\": \"  \"}",
	              "Invalid lot_number", "lot_number must be non-blank text");
	entry_refused("{" BIN ", " ITEM ", \"counted_qt\": 1, \"lot_number\": \""
	              "12345678901234567890123456789012345678901234567890"
	              "12345678901234567890123456789012345678901234567890X\"}",
	              "Field too long: lot_number", "lot_number takes at most 100 characters");
}

static void test_serials(void **state)
{
	struct json_object *v;
	const char *text = NULL, *msg = NULL;

	(void)state;
	assert_int_equal(count_body_serials(arena, NULL, 5, &text, &msg), 0);
	assert_null(text);
	v = parse("[\"B\", \"A\"]");
	assert_int_equal(count_body_serials(arena, v, 2, &text, &msg), 0);
	assert_string_equal(text, "[\"A\",\"B\"]");
	assert_int_equal(count_body_serials(arena, v, 3, &text, &msg), -1);
	json_object_put(v);
	v = parse("[\"A\", \"A\"]");
	assert_int_equal(count_body_serials(arena, v, 2, &text, &msg), -1);
	assert_string_equal(msg, "serial A is given twice");
	json_object_put(v);
	v = parse("[\"A\", \"\"]");
	assert_int_equal(count_body_serials(arena, v, 2, &text, &msg), -1);
	json_object_put(v);
	v = parse("[\"A\\nB\"]");
	assert_int_equal(count_body_serials(arena, v, 1, &text, &msg), -1);
	json_object_put(v);
	v = parse("{\"a\": 1}");
	assert_int_equal(count_body_serials(arena, v, 1, &text, &msg), -1);
	json_object_put(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session_document_example),
	    cmocka_unit_test(test_session_refusals),
	    cmocka_unit_test(test_session_details),
	    cmocka_unit_test(test_assignments),
	    cmocka_unit_test(test_entry),
	    cmocka_unit_test(test_entry_lot),
	    cmocka_unit_test(test_serials),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
