/* Unit tests for lib/db/field.c: every kind and flag of the one field validator, messages exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "db/field.h"

static struct arena *arena;
static const char *msg;
static const char *detail;
static struct field_value val;

static const char *const colours[] = {"red", "green", NULL};

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

/* Checks the JSON text (NULL for a JSON null) as f's value; the status, with msg, detail, val. */
static int check(const struct field *f, const char *text, bool creating)
{
	struct json_object *v = text ? json_tokener_parse(text) : NULL;
	int st;

	if (text && strcmp(text, "null") != 0)
		assert_non_null(v);
	memset(&val, 0, sizeof(val));
	msg = detail = NULL;
	st = field_check(arena, f, v, creating, &val, &msg, &detail);
	json_object_put(v);
	return st;
}

static void expect(const struct field *f, const char *text, bool creating, const char *m,
                   const char *d)
{
	assert_int_equal(check(f, text, creating), 400);
	assert_string_equal(msg, m);
	assert_string_equal(detail, d);
}

static void expect_ok(const struct field *f, const char *text, bool creating)
{
	assert_int_equal(check(f, text, creating), 0);
}

static void test_text(void **state)
{
	static const struct field f = {
	    .name = "code", .kind = FIELD_TEXT, .max_len = 5, .hint = "code must be a string"};
	static const struct field own = {
	    .name = "label", .kind = FIELD_TEXT, .max_len = 5, .invalid_msg = "Label must be text"};

	(void)state;
	expect_ok(&f, "\"abc\"", true);
	assert_true(val.set);
	assert_false(val.null);
	assert_string_equal(val.s, "abc");
	/* Characters, not bytes: five of two bytes each fit. */
	expect_ok(&f, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", false);
	expect(&f, "\"abcdef\"", true, "Field too long: code", "code takes at most 5 characters");
	expect(&f, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", true,
	       "Field too long: code", "code takes at most 5 characters");
	expect(&f, "5", true, "Invalid code", "code must be a string");
	expect(&f, "{\"a\": 1}", true, "Invalid code", "code must be a string");
	/* Without the flags, blank text is text and wrong as such. */
	expect(&f, "\"   \"", true, "Invalid code", "code must be non-blank text");
	expect(&f, "\"\"", true, "Invalid code", "code must be non-blank text");
	/* invalid_msg replaces the message; no hint gives an empty detail. */
	expect(&own, "5", false, "Label must be text", "");
	expect(&own, "\" \"", false, "Label must be text", "label must be non-blank text");
	expect(&own, "\"abcdef\"", false, "Field too long: label",
	       "label takes at most 5 characters");
}

/* FIELD_CODE: a barcode is printable ASCII without spaces; the text rules apply first. */
static void test_code(void **state)
{
	static const struct field f = {.name = "barcode",
	                               .kind = FIELD_TEXT,
	                               .flags = FIELD_CODE | FIELD_NULLABLE | FIELD_BLANK_NULL,
	                               .max_len = 13};

	(void)state;
	expect_ok(&f, "\"4006381333931\"", true);
	assert_string_equal(val.s, "4006381333931");
	expect_ok(&f, "\"ABC-123/x~!\"", true);
	expect(&f, "\"400 638\"", true, "Invalid barcode",
	       "barcode must be printable characters without spaces");
	expect(&f, "\"40\\t06\"", true, "Invalid barcode",
	       "barcode must be printable characters without spaces");
	expect(&f, "\"\xc3\xa9t\xc3\xa9\"", true, "Invalid barcode",
	       "barcode must be printable characters without spaces");
	expect(&f, "\"40063813339310\"", true, "Field too long: barcode",
	       "barcode takes at most 13 characters");
	/* Blank is none, as for any nullable master data text. */
	expect_ok(&f, "\"  \"", true);
	assert_true(val.null);
}

static void test_enum_ref_time(void **state)
{
	static const struct field colour = {
	    .name = "colour", .kind = FIELD_ENUM, .values = colours, .hint = "red or green"};
	static const struct field box = {.name = "box_id", .kind = FIELD_REF};
	static const struct field when = {
	    .name = "seen_at", .kind = FIELD_TIME, .hint = "seen_at must be an ISO 8601 date-time"};

	(void)state;
	expect_ok(&colour, "\"green\"", true);
	assert_string_equal(val.s, "green");
	expect(&colour, "\"blue\"", true, "Invalid colour", "red or green");
	expect(&colour, "\"\"", true, "Invalid colour", "red or green");
	expect(&colour, "1", true, "Invalid colour", "red or green");
	/* References are stored in lower case. */
	expect_ok(&box, "\"AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee\"", true);
	assert_string_equal(val.s, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	expect(&box, "\"nope\"", true, "Invalid box_id", "");
	expect(&box, "[]", true, "Invalid box_id", "");
	/* Times are stored in the database's UTC form. */
	expect_ok(&when, "\"2023-06-15T12:30:00+02:00\"", true);
	assert_string_equal(val.s, "2023-06-15 10:30:00");
	expect(&when, "\"yesterday\"", true, "Invalid seen_at",
	       "seen_at must be an ISO 8601 date-time");
	expect(&when, "\"\"", true, "Invalid seen_at", "seen_at must be an ISO 8601 date-time");
	expect(&when, "20230615", true, "Invalid seen_at", "seen_at must be an ISO 8601 date-time");
}

static void test_int(void **state)
{
	static const struct field pct = {
	    .name = "coverage_percentage", .kind = FIELD_INT, .max = 100, .hint = "from 0 to 100"};
	static const struct field size = {
	    .name = "size", .kind = FIELD_INT, .flags = FIELD_TOO_LARGE, .min = 1, .max = 100};
	static const struct field any = {.name = "n", .kind = FIELD_INT, .min = -5};

	(void)state;
	expect_ok(&pct, "100", true);
	assert_true(val.set);
	assert_int_equal(val.i, 100);
	expect_ok(&pct, "0", true);
	expect(&pct, "101", true, "Invalid coverage_percentage", "from 0 to 100");
	expect(&pct, "-1", true, "Invalid coverage_percentage", "from 0 to 100");
	/* A number counts by its value: 50.0 and 1e2 are whole (jval_whole). */
	expect_ok(&pct, "50.0", true);
	assert_int_equal(val.i, 50);
	expect_ok(&pct, "1e2", true);
	assert_int_equal(val.i, 100);
	expect(&pct, "1e3", true, "Invalid coverage_percentage", "from 0 to 100");
	/* Not a whole number: said so, with the field's hint. */
	expect(&pct, "2.5", true, "coverage_percentage must be a whole number", "from 0 to 100");
	/* A JSON number only: digits in quotes are a client bug. */
	expect(&pct, "\"50\"", true, "coverage_percentage must be a whole number", "from 0 to 100");
	expect(&pct, "true", true, "coverage_percentage must be a whole number", "from 0 to 100");
	/* Above max with FIELD_TOO_LARGE: its own message. */
	expect(&size, "101", true, "Field too large: size", "");
	expect(&size, "0", true, "Invalid size", "");
	/* Beyond int64: refused by the range, as too large or too small. */
	expect(&size, "1e19", true, "Field too large: size", "");
	expect(&size, "-1e19", true, "Invalid size", "");
	expect_ok(&size, "1", false);
	/* No max: anything from min up, but not past what a long long holds. */
	expect_ok(&any, "9223372036854775807", true);
	assert_int_equal(val.i, INT64_MAX);
	expect_ok(&any, "-5", true);
	expect(&any, "-6", true, "Invalid n", "");
	expect(&any, "99999999999999999999", true, "Invalid n", "");
	expect(&any, "18446744073709551615", true, "Invalid n", "");
}

static void test_bool_server(void **state)
{
	static const struct field blind = {
	    .name = "blind", .kind = FIELD_BOOL, .hint = "blind must be true or false"};
	static const struct field srv = {.name = "_key", .kind = FIELD_SERVER};

	(void)state;
	expect_ok(&blind, "true", true);
	assert_true(val.set);
	assert_int_equal(val.i, 1);
	expect_ok(&blind, "false", true);
	assert_int_equal(val.i, 0);
	expect(&blind, "\"yes\"", true, "Invalid blind", "blind must be true or false");
	expect(&blind, "1", true, "Invalid blind", "blind must be true or false");
	expect(&blind, "null", true, "Invalid blind", "blind must be true or false");
	/* Server fields take anything and keep nothing. */
	expect_ok(&srv, "{\"a\": [1]}", true);
	assert_false(val.set);
	expect_ok(&srv, "null", false);
	assert_false(val.set);
}

static void test_null(void **state)
{
	static const struct field plain = {
	    .name = "code", .kind = FIELD_TEXT, .max_len = 5, .hint = "code must be a string"};
	static const struct field req = {.name = "type",
	                                 .kind = FIELD_ENUM,
	                                 .flags = FIELD_REQUIRED,
	                                 .values = colours,
	                                 .hint = "red or green"};
	static const struct field nullable = {
	    .name = "capacity", .kind = FIELD_INT, .flags = FIELD_NULLABLE};
	static const struct field missing_req = {.name = "name",
	                                         .kind = FIELD_TEXT,
	                                         .flags = FIELD_NULL_MISSING | FIELD_REQUIRED,
	                                         .max_len = 5};
	static const struct field missing_opt = {.name = "size",
	                                         .kind = FIELD_INT,
	                                         .flags = FIELD_NULL_MISSING,
	                                         .invalid_msg = "Bad size"};

	(void)state;
	/* FIELD_NULLABLE: null is stored, on create and update alike. */
	expect_ok(&nullable, "null", true);
	assert_true(val.set);
	assert_true(val.null);
	expect_ok(&nullable, "null", false);
	assert_true(val.set && val.null);
	/* Without FIELD_NULL_MISSING a null is a wrong value, required or not. */
	expect(&plain, "null", true, "Invalid code", "code must be a string");
	expect(&plain, "null", false, "Invalid code", "code must be a string");
	expect(&req, "null", true, "Invalid type", "red or green");
	/* FIELD_NULL_MISSING: as if missing. */
	expect(&missing_req, "null", true, "Field required: name", "");
	expect(&missing_req, "null", false, "Field required: name", "");
	expect_ok(&missing_opt, "null", true);
	assert_false(val.set);
	expect(&missing_opt, "null", false, "Bad size", "");
}

static void test_empty_text(void **state)
{
	static const struct field notes = {.name = "notes",
	                                   .kind = FIELD_TEXT,
	                                   .flags = FIELD_NULLABLE | FIELD_EMPTY_NULL,
	                                   .max_len = 10,
	                                   .hint = "notes must be a string"};
	static const struct field fixed = {.name = "code",
	                                   .kind = FIELD_TEXT,
	                                   .flags = FIELD_EMPTY_NULL,
	                                   .max_len = 10,
	                                   .hint = "code must be a string"};

	(void)state;
	/* FIELD_EMPTY_NULL: "" is null, text of blanks is still text. */
	expect_ok(&notes, "\"\"", false);
	assert_true(val.set && val.null);
	expect(&notes, "\"  \"", false, "Invalid notes", "notes must be non-blank text");
	expect_ok(&notes, "null", false);
	assert_true(val.null);
	/* Read as null where null cannot be stored: a wrong value. */
	expect(&fixed, "\"\"", true, "Invalid code", "code must be a string");
}

static void test_blank_text(void **state)
{
	static const struct field note = {.name = "note",
	                                  .kind = FIELD_TEXT,
	                                  .flags = FIELD_BLANK_NULL | FIELD_NULLABLE,
	                                  .max_len = 10};
	static const struct field name = {.name = "name",
	                                  .kind = FIELD_TEXT,
	                                  .flags = FIELD_BLANK_NULL | FIELD_NULL_MISSING |
	                                           FIELD_REQUIRED | FIELD_OWNER_FLAG(0),
	                                  .max_len = 10};
	static const struct field unit = {.name = "unit",
	                                  .kind = FIELD_TEXT,
	                                  .flags = FIELD_BLANK_NULL | FIELD_NULL_MISSING,
	                                  .max_len = 10};
	static const struct field colour = {.name = "colour",
	                                    .kind = FIELD_ENUM,
	                                    .flags = FIELD_BLANK_NULL | FIELD_NULLABLE,
	                                    .values = colours};

	(void)state;
	/* FIELD_BLANK_NULL: "" and text of blanks are null, for every text kind. */
	expect_ok(&note, "\" \\t\\r\\n\"", false);
	assert_true(val.set && val.null);
	expect_ok(&note, "\"\"", true);
	assert_true(val.null);
	expect_ok(&colour, "\"  \"", false);
	assert_true(val.null);
	expect(&name, "\"  \"", true, "Field required: name", "");
	expect(&name, "\"\"", false, "Field required: name", "");
	/* Blank text is a value written: it never falls back to the default. */
	expect(&unit, "\"  \"", true, "Invalid unit", "");
	expect_ok(&unit, "null", true);
	assert_false(val.set);
	/* Owner flags change nothing here. */
	expect_ok(&name, "\"ok\"", true);
	assert_string_equal(val.s, "ok");
}

static const struct field table[] = {
    {.name = "a", .kind = FIELD_TEXT, .max_len = 3},
    {.name = "b", .kind = FIELD_INT, .flags = FIELD_REQUIRED},
    {.name = "c", .kind = FIELD_BOOL, .flags = FIELD_REQUIRED},
    {0},
};

static void test_table(void **state)
{
	struct field_value vals[3];

	(void)state;
	assert_int_equal(field_count(table), 3);
	assert_int_equal(field_index(table, "c"), 2);
	assert_int_equal(field_index(table, "nope"), -1);
	memset(vals, 0, sizeof(vals));
	assert_int_equal(field_missing(arena, table, vals, &msg, &detail), 400);
	assert_string_equal(msg, "Field required: b");
	assert_string_equal(detail, "");
	vals[1].set = true;
	assert_int_equal(field_missing(arena, table, vals, &msg, &detail), 400);
	assert_string_equal(msg, "Field required: c");
	vals[2] = (struct field_value){.set = true, .null = true};
	msg = NULL;
	assert_int_equal(field_missing(arena, table, vals, &msg, &detail), 0);
	assert_null(msg);
	assert_int_equal(field_required(arena, &table[0], &msg, &detail), 400);
	assert_string_equal(msg, "Field required: a");
	assert_string_equal(detail, "");
}

static void test_param(void **state)
{
	struct field_value text = {.set = true, .s = "x"};
	struct field_value num = {.set = true, .i = 7};
	struct field_value none = {.set = true, .null = true};
	struct db_param p;

	(void)state;
	p = field_param(&table[0], &text);
	assert_int_equal(p.type, 's');
	assert_string_equal(p.s, "x");
	p = field_param(&table[1], &num);
	assert_int_equal(p.type, 'i');
	assert_int_equal(p.i, 7);
	p = field_param(&table[2], &num);
	assert_int_equal(p.type, 'i');
	p = field_param(&table[1], &none);
	assert_int_equal(p.type, 'n');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_code, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enum_ref_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_int, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bool_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_null, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blank_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_param, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
