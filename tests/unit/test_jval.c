/* Unit tests for lib/base/jval.c: typed field readers, field adders and the one serialization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/jval.h"

struct fixture {
	struct arena *a;
};

static int setup(void **state)
{
	struct fixture *x = test_calloc(1, sizeof(*x));

	x->a = arena_new(4096);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	arena_free(x->a);
	test_free(x);
	return 0;
}

/* The object of JSON text (json-c's own parser: the readers are the subject, not the body). */
static struct json_object *parse(const char *body)
{
	struct json_object *o = json_tokener_parse(body);

	assert_non_null(o);
	return o;
}

static void test_getters(void **state)
{
	const char *body = "{\"s\":\"text\",\"n\":null,\"i\":-12,\"big\":18446744073709551615,"
	                   "\"max\":9223372036854775807,\"si\":\"42\",\"sbad\":\"4x\",\"d\":1.5,"
	                   "\"b\":true,\"f\":false,\"arr\":[]}";
	struct json_object *o = parse(body);
	long long v = 0;
	bool ok = false, bv = false;

	(void)state;
	assert_non_null(o);
	assert_string_equal(jval_str(o, "s", &ok), "text");
	assert_true(ok);
	assert_null(jval_str(o, "n", &ok));
	assert_true(ok);
	assert_null(jval_str(o, "missing", &ok));
	assert_true(ok);
	assert_null(jval_str(o, "i", &ok));
	assert_false(ok);
	assert_null(jval_str(NULL, "s", NULL));

	assert_true(jval_has(o, "n"));
	assert_true(jval_has(o, "s"));
	assert_false(jval_has(o, "missing"));
	assert_false(jval_has(NULL, "s"));

	assert_int_equal(jval_int(o, "i", &v), JVAL_WHOLE);
	assert_int_equal(v, -12);
	assert_int_equal(jval_int(o, "max", &v), JVAL_WHOLE);
	assert_true(v == 9223372036854775807LL);
	assert_int_equal(jval_int(o, "big", &v), JVAL_BEYOND);
	assert_true(v == 9223372036854775807LL);
	/* Strings are not numbers, digits or not. */
	assert_int_equal(jval_int(o, "si", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "sbad", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "d", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "arr", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "n", &v), JVAL_ABSENT);
	assert_int_equal(jval_int(o, "missing", &v), JVAL_ABSENT);
	assert_int_equal(jval_int(o, "b", &v), JVAL_NOT_WHOLE);

	assert_true(jval_bool(o, "b", &bv));
	assert_true(bv);
	assert_true(jval_bool(o, "f", &bv));
	assert_false(bv);
	assert_false(jval_bool(o, "i", &bv));
	assert_false(jval_bool(o, "n", &bv));
	assert_false(jval_bool(o, "missing", &bv));
	json_object_put(o);
}

/* Integer fields at the edges of int64 and strings that only look like numbers. */
static void test_int_edges(void **state)
{
	const char *body = "{\"min\":-9223372036854775808,\"min1\":-9223372036854775807,"
	                   "\"smin\":\"-9223372036854775808\",\"sbig\":\"9223372036854775808\","
	                   "\"splus\":\"+5\",\"sblank\":\" 5\",\"sempty\":\"\",\"sexp\":\"1e3\","
	                   "\"zero\":0,\"mzero\":-0,\"obj\":{}}";
	struct json_object *o = parse(body);
	long long v = 7;

	(void)state;
	/* json-c clamps what is below INT64_MIN to it, so INT64_MIN itself cannot be trusted. */
	assert_int_equal(jval_int(o, "min", &v), JVAL_BEYOND);
	assert_true(v == -9223372036854775807LL - 1);
	assert_int_equal(jval_int(o, "min1", &v), JVAL_WHOLE);
	assert_true(v == -9223372036854775807LL);
	assert_int_equal(jval_int(o, "smin", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "sbig", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "splus", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "sblank", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "sempty", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "sexp", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "obj", &v), JVAL_NOT_WHOLE);
	assert_int_equal(jval_int(o, "zero", &v), JVAL_WHOLE);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(jval_int(o, "mzero", &v), JVAL_WHOLE);
	assert_int_equal(v, 0);
	/* out may be NULL: only the answer is wanted. */
	assert_int_equal(jval_int(o, "zero", NULL), JVAL_WHOLE);
	assert_int_equal(jval_int(o, "min", NULL), JVAL_BEYOND);
	assert_int_equal(jval_int(NULL, "zero", &v), JVAL_ABSENT);
	assert_int_equal(jval_whole(NULL, &v), JVAL_NOT_WHOLE);
	json_object_put(o);
}

/* The value of "v" in {"v": text}, parsed as body_json parses bodies (strict). */
static enum jval_num whole_of(const char *text, long long *out)
{
	char body[512];
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *v = NULL;
	enum jval_num k;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	snprintf(body, sizeof body, "{\"v\":%s}", text);
	o = json_tokener_parse_ex(tok, body, (int)strlen(body));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "v", &v));
	k = jval_whole(v, out);
	json_object_put(o);
	json_tokener_free(tok);
	return k;
}

/* Numbers by their value, read exactly from the text sent: whole, beyond int64, or not whole. */
static void test_whole_numbers(void **state)
{
	static const struct {
		const char *text;
		enum jval_num kind;
		long long value;
	} cases[] = {
	    {"10", JVAL_WHOLE, 10},
	    {"10.0", JVAL_WHOLE, 10},
	    {"1e1", JVAL_WHOLE, 10},
	    {"1E+1", JVAL_WHOLE, 10},
	    {"1.0e3", JVAL_WHOLE, 1000},
	    {"1.5e1", JVAL_WHOLE, 15},
	    {"100e-2", JVAL_WHOLE, 1},
	    {"-3.000", JVAL_WHOLE, -3},
	    {"-0.0", JVAL_WHOLE, 0},
	    {"0e999999999999999999999", JVAL_WHOLE, 0},
	    {"0.000", JVAL_WHOLE, 0},
	    {"9007199254740993.0", JVAL_WHOLE, 9007199254740993LL},
	    {"9223372036854775807.0", JVAL_WHOLE, 9223372036854775807LL},
	    {"-9223372036854775807.0", JVAL_WHOLE, -9223372036854775807LL},
	    {"9.223372036854775807e18", JVAL_WHOLE, 9223372036854775807LL},
	    {"10.5", JVAL_NOT_WHOLE, 0},
	    {"0.5", JVAL_NOT_WHOLE, 0},
	    {"-0.1", JVAL_NOT_WHOLE, 0},
	    {"1e-1", JVAL_NOT_WHOLE, 0},
	    {"1e-400", JVAL_NOT_WHOLE, 0},
	    {"10.000000000000001", JVAL_NOT_WHOLE, 0},
	    {"9007199254740993.5", JVAL_NOT_WHOLE, 0},
	    {"1.23456789012345678901e20", JVAL_BEYOND, 9223372036854775807LL},
	    {"9223372036854775808.0", JVAL_BEYOND, 9223372036854775807LL},
	    {"1e19", JVAL_BEYOND, 9223372036854775807LL},
	    {"1e300", JVAL_BEYOND, 9223372036854775807LL},
	    {"1e999999999999999999999", JVAL_BEYOND, 9223372036854775807LL},
	    {"-1e19", JVAL_BEYOND, -9223372036854775807LL - 1},
	    {"-9223372036854775808.0", JVAL_BEYOND, -9223372036854775807LL - 1},
	    {"99999999999999999999", JVAL_BEYOND, 9223372036854775807LL},
	    {"-99999999999999999999", JVAL_BEYOND, -9223372036854775807LL - 1},
	    {"\"10\"", JVAL_NOT_WHOLE, 0},
	    {"\"10.0\"", JVAL_NOT_WHOLE, 0},
	    {"true", JVAL_NOT_WHOLE, 0},
	    {"false", JVAL_NOT_WHOLE, 0},
	    {"null", JVAL_NOT_WHOLE, 0},
	    {"[10]", JVAL_NOT_WHOLE, 0},
	    {"{\"n\":10}", JVAL_NOT_WHOLE, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = 7;
		enum jval_num k = whole_of(cases[i].text, &v);

		if (k != cases[i].kind)
			fail_msg("%s: read as %d, not %d", cases[i].text, (int)k,
			         (int)cases[i].kind);
		if (k != JVAL_NOT_WHOLE && v != cases[i].value)
			fail_msg("%s: read as %lld", cases[i].text, v);
	}
}

/* A double made in code, not parsed, is read from its own serialization. */
static void test_whole_of_a_made_double(void **state)
{
	struct json_object *d = json_object_new_double(42.0);
	long long v = 0;

	(void)state;
	assert_int_equal(jval_whole(d, &v), JVAL_WHOLE);
	assert_int_equal(v, 42);
	json_object_put(d);
	d = json_object_new_double(0.25);
	assert_int_equal(jval_whole(d, &v), JVAL_NOT_WHOLE);
	json_object_put(d);
}

/* The adders and jval_text: the exact bytes every answer is sent and stored as. */
static void test_add_and_text(void **state)
{
	struct fixture *x = *state;
	struct json_object *o = json_object_new_object();
	const char *text;

	jval_add_str(o, "path", "/warehousing/bins");
	jval_add_str(o, "none", NULL);
	jval_add_str(o, "quote", "a\"b\\c\n\xc3\xbc");
	jval_add_int(o, "n", -9000000000LL);
	jval_add_int(o, "max", 9223372036854775807LL);
	jval_add_bool(o, "yes", true);
	jval_add_bool(o, "no", false);
	assert_true(jval_has(o, "none"));
	text = jval_text(x->a, o); /* releases o */
	assert_string_equal(text, "{\"path\":\"/warehousing/bins\",\"none\":null,"
	                          "\"quote\":\"a\\\"b\\\\c\\n\xc3\xbc\",\"n\":-9000000000,"
	                          "\"max\":9223372036854775807,\"yes\":true,\"no\":false}");

	/* Read back, the added fields are what was added. */
	o = json_tokener_parse(text);
	assert_non_null(o);
	assert_string_equal(jval_str(o, "path", NULL), "/warehousing/bins");
	assert_null(jval_str(o, "none", NULL));
	assert_string_equal(jval_str(o, "quote", NULL), "a\"b\\c\n\xc3\xbc");
	json_object_put(o);

	/* An empty object, and a key added twice keeps the last value. */
	o = json_object_new_object();
	assert_string_equal(jval_text(x->a, o), "{}");
	o = json_object_new_object();
	jval_add_int(o, "k", 1);
	jval_add_int(o, "k", 2);
	assert_string_equal(jval_text(x->a, o), "{\"k\":2}");
}

/* jval_text copies into the arena: the text outlives the object it came from. */
static void test_text_owns_copy(void **state)
{
	struct fixture *x = *state;
	struct json_object *o = json_object_new_object();
	struct json_object *kept;
	const char *text;

	jval_add_str(o, "a", "b");
	kept = json_object_get(o); /* a reference of our own, to see the other one dropped */
	text = jval_text(x->a, o);
	assert_int_equal(json_object_put(kept), 1); /* ours was the last reference: freed */
	assert_string_equal(text, "{\"a\":\"b\"}");
	assert_true(arena_used(x->a) >= strlen(text) + 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_getters),       T(test_int_edges),
	    T(test_whole_numbers), T(test_whole_of_a_made_double),
	    T(test_add_and_text),  T(test_text_owns_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
