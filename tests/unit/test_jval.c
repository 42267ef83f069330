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

	assert_true(jval_int(o, "i", &v));
	assert_int_equal(v, -12);
	assert_true(jval_int(o, "max", &v));
	assert_true(v == 9223372036854775807LL);
	assert_false(jval_int(o, "big", &v));
	assert_true(jval_int(o, "si", &v));
	assert_int_equal(v, 42);
	assert_false(jval_int(o, "sbad", &v));
	assert_false(jval_int(o, "d", &v));
	assert_false(jval_int(o, "n", &v));
	assert_false(jval_int(o, "missing", &v));
	assert_false(jval_int(o, "b", &v));

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
	const char *body = "{\"min\":-9223372036854775808,\"smin\":\"-9223372036854775808\","
	                   "\"sbig\":\"9223372036854775808\",\"splus\":\"+5\",\"sblank\":\" 5\","
	                   "\"sempty\":\"\",\"sexp\":\"1e3\",\"zero\":0,\"mzero\":\"-0\"}";
	struct json_object *o = parse(body);
	long long v = 7;

	(void)state;
	assert_true(jval_int(o, "min", &v));
	assert_true(v == -9223372036854775807LL - 1);
	v = 7;
	assert_true(jval_int(o, "smin", &v));
	assert_true(v == -9223372036854775807LL - 1);
	assert_false(jval_int(o, "sbig", &v));
	assert_false(jval_int(o, "splus", &v));
	assert_false(jval_int(o, "sblank", &v));
	assert_false(jval_int(o, "sempty", &v));
	assert_false(jval_int(o, "sexp", &v));
	assert_true(jval_int(o, "zero", &v));
	assert_int_equal(v, 0);
	v = 7;
	assert_true(jval_int(o, "mzero", &v));
	assert_int_equal(v, 0);
	/* out may be NULL: only the answer is wanted. */
	assert_true(jval_int(o, "zero", NULL));
	assert_false(jval_int(NULL, "zero", &v));
	json_object_put(o);
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
	    T(test_getters),
	    T(test_int_edges),
	    T(test_add_and_text),
	    T(test_text_owns_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
