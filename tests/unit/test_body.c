/* Unit tests for lib/web/body.c: strict JSON bodies (syntax, UTF-8, escapes, depth, numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/jval.h"
#include "web/body.h"
#include "web/req.h"

struct fixture {
	struct arena *a;
	struct request r;
};

static int setup(void **state)
{
	struct fixture *x = test_calloc(1, sizeof(*x));

	x->a = arena_new(4096);
	req_init(&x->r);
	x->r.arena = x->a;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	req_json_release_all(&x->r);
	req_release(&x->r);
	arena_free(x->a);
	test_free(x);
	return 0;
}

static struct json_object *parse(struct fixture *x, const char *body, size_t len, const char **err)
{
	x->r.body = body;
	x->r.body_len = len;
	return body_json(&x->r, err);
}

static void expect_invalid(struct fixture *x, const char *body, size_t len)
{
	const char *err = NULL;

	assert_null(parse(x, body, len, &err));
	assert_string_equal(err, "Invalid JSON body");
}

static void test_parse_body(void **state)
{
	struct fixture *x = *state;
	const char *err = "unset";
	struct json_object *o;
	const char *body = " {\"name\": \"Main\", \"n\": 3}\r\n";
	char deep[200];

	o = parse(x, body, strlen(body), &err);
	assert_non_null(o);
	assert_null(err);
	assert_string_equal(jval_str(o, "name", NULL), "Main");
	json_object_put(o);

	expect_invalid(x, "", 0);
	expect_invalid(x, "[1,2]", 5);
	expect_invalid(x, "\"text\"", 6);
	expect_invalid(x, "42", 2);
	expect_invalid(x, "{\"a\":1", 6);
	expect_invalid(x, "{\"a\":1} x", 9);
	expect_invalid(x, "{\"a\":1}{}", 9);
	expect_invalid(x, "{\"a\":1,}", 8);
	expect_invalid(x, "{\"a\":\"\xff\"}", 9);
	/* What json-c's own check lets through: overlong, surrogate, beyond U+10FFFF. */
	expect_invalid(x, "{\"a\":\"\xc0\xaf\"}", 10);
	expect_invalid(x, "{\"a\":\"\xed\xa0\x80\"}", 11);
	expect_invalid(x, "{\"a\":\"\xf4\x90\x80\x80\"}", 12);
	expect_invalid(x, "{\"a\":1}\0junk", 12);
	expect_invalid(x, "not json", 8);
	/* An escaped NUL would cut the string (or key) short behind our checks. */
	expect_invalid(x, "{\"a\":\"b\\u0000c\"}", 16);
	expect_invalid(x, "{\"a\\u0000b\":1}", 14);
	/* A lone surrogate would be replaced by U+FFFD; a pair is one code point. */
	expect_invalid(x, "{\"a\":\"\\ud800\"}", 14);
	expect_invalid(x, "{\"a\":\"\\udc00x\"}", 15);
	expect_invalid(x, "{\"a\":\"\\ud800\\u0041\"}", 20);
	o = parse(x, "{\"a\":\"\\ud83d\\udce6\"}", 20, &err);
	assert_non_null(o);
	assert_string_equal(jval_str(o, "a", NULL), "\xf0\x9f\x93\xa6");
	json_object_put(o);
	o = parse(x, "{\"a\":\"\\\\u0000\"}", 15, &err);
	assert_non_null(o); /* an escaped backslash followed by the text u0000 */
	assert_string_equal(jval_str(o, "a", NULL), "\\u0000");
	json_object_put(o);
	/* Nesting deeper than the limit. */
	memset(deep, 0, sizeof(deep));
	deep[0] = '{';
	strcat(deep, "\"a\":");
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	for (int i = 0; i < 40; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	expect_invalid(x, deep, strlen(deep));
}

/* Found by fuzzing: an escaped NUL would cut a stored string (or key) short without a word. */
static void test_parse_body_escaped_nul(void **state)
{
	struct fixture *x = *state;
	const char *err = "unset";
	struct json_object *o;
	const char *literal = "{\"name\": \"a\\\\u0000b\"}";
	const char *escapes = "{\"n\": \"\\u0041\\u00e9\"}";
	const char *refused[] = {
	    "{\"name\": \"abc\\u0000def\"}",
	    "{\"na\\u0000me\": \"x\"}",
	    "{\"name\": [\"\\u0000\"]}",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_invalid(x, refused[i], strlen(refused[i]));
	/* An escaped backslash followed by u0000 is the text \u0000, which is fine. */
	o = parse(x, literal, strlen(literal), &err);
	assert_non_null(o);
	assert_string_equal(jval_str(o, "name", NULL), "a\\u0000b");
	json_object_put(o);
	/* Other escapes still decode. */
	o = parse(x, escapes, strlen(escapes), &err);
	assert_non_null(o);
	assert_string_equal(jval_str(o, "n", NULL), "A\xc3\xa9");
	json_object_put(o);
}

/* Found by fuzzing: json-c reads NaN and Infinity as numbers even in strict mode. */
static void test_parse_body_nonfinite(void **state)
{
	struct fixture *x = *state;
	const char *err = "unset";
	struct json_object *o;
	const char *ok = "{\"q\": 1.5e300, \"n\": [-0.0, 2]}";
	const char *refused[] = {
	    "{\"q\": NaN}",       "{\"q\": Infinity}",
	    "{\"q\": -Infinity}", "{\"a\": [1, {\"b\": [NaN]}]}",
	    "{\"q\": 1e400}",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_invalid(x, refused[i], strlen(refused[i]));
	o = parse(x, ok, strlen(ok), &err);
	assert_non_null(o);
	assert_null(err);
	json_object_put(o);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_parse_body),
	    T(test_parse_body_escaped_nul),
	    T(test_parse_body_nonfinite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
