/* Unit tests for lib/json.c: body parsing, typed getters, envelopes' exact bytes, owned objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "web/body.h"
#include "web/envelope.h"
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
	    "{\"q\": NaN}",
	    "{\"q\": Infinity}",
	    "{\"q\": -Infinity}",
	    "{\"a\": [1, {\"b\": [NaN]}]}",
	    "{\"q\": 1e400}",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_invalid(x, refused[i], strlen(refused[i]));
	o = parse(x, ok, strlen(ok), &err);
	assert_non_null(o);
	assert_null(err);
	json_object_put(o);
}

static void test_getters(void **state)
{
	struct fixture *x = *state;
	const char *body = "{\"s\":\"text\",\"n\":null,\"i\":-12,\"big\":18446744073709551615,"
	                   "\"max\":9223372036854775807,\"si\":\"42\",\"sbad\":\"4x\",\"d\":1.5,"
	                   "\"b\":true,\"f\":false,\"arr\":[]}";
	struct json_object *o = parse(x, body, strlen(body), NULL);
	long long v = 0;
	bool ok = false, bv = false;

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

static void test_reply_bytes(void **state)
{
	struct fixture *x = *state;
	struct json_object *o = json_object_new_object();

	jval_add_str(o, "path", "/warehousing/bins");
	jval_add_str(o, "none", NULL);
	jval_add_str(o, "quote", "a\"b\\c\n\xc3\xbc");
	jval_add_int(o, "n", -9000000000LL);
	jval_add_bool(o, "yes", true);
	buf_puts(&x->r.out, "old content");
	envelope_reply(&x->r, 202, o);
	assert_int_equal(x->r.status, 202);
	assert_string_equal(x->r.out_type, "application/json");
	assert_string_equal(buf_cstr(&x->r.out),
	                    "{\"path\":\"/warehousing/bins\",\"none\":null,"
	                    "\"quote\":\"a\\\"b\\\\c\\n\xc3\xbc\",\"n\":-9000000000,\"yes\":true}");
}

static void test_envelopes(void **state)
{
	struct fixture *x = *state;
	struct json_object *o;

	o = envelope_ondi("Bin created successfully");
	jval_add_int(o, "total", 1);
	envelope_reply(&x->r, 201, o);
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"success\":true,\"message\":\"Bin created successfully\",\"total\":1}");

	envelope_ondi_error(&x->r, 404, "Bin not found");
	assert_int_equal(x->r.status, 404);
	assert_string_equal(buf_cstr(&x->r.out),
	                    "{\"success\":false,\"message\":\"Bin not found\"}");

	envelope_status_error(&x->r, 401, "Invalid token", "Signature verification failed");
	assert_int_equal(x->r.status, 401);
	assert_string_equal(buf_cstr(&x->r.out), "{\"status\":401,\"message\":\"Invalid token\","
	                                         "\"detail\":\"Signature verification failed\"}");

	envelope_status_error(&x->r, 403, "Insufficient permissions", NULL);
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"status\":403,\"message\":\"Insufficient permissions\",\"detail\":null}");

	o = envelope_status(200, "User created", "ok");
	jval_add_str(o, "extra", "x");
	envelope_reply(&x->r, 200, o);
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"status\":200,\"message\":\"User created\",\"detail\":\"ok\",\"extra\":\"x\"}");
}

/* A body stored as text and replayed later is byte for byte what envelope_reply sent. */
static void test_text_and_replay(void **state)
{
	struct fixture *x = *state;
	struct json_object *o = envelope_ondi("Saved");
	const char *text;

	jval_add_str(o, "path", "a/b");
	text = jval_text(x->r.arena, json_object_get(o));
	envelope_reply(&x->r, 201, o);
	assert_string_equal(text, buf_cstr(&x->r.out));
	assert_string_equal(text, "{\"success\":true,\"message\":\"Saved\",\"path\":\"a/b\"}");

	envelope_reply_text(&x->r, 201, text);
	assert_int_equal(x->r.status, 201);
	assert_string_equal(x->r.out_type, "application/json");
	assert_string_equal(buf_cstr(&x->r.out), text);
}

static void test_owned(void **state)
{
	struct fixture *x = *state;
	struct json_object *kept = json_object_new_string("kept");

	/* More than the first chunk of the list. */
	for (int i = 0; i < 20; i++)
		req_json_own(&x->r, json_object_new_int(i));
	json_object_get(kept);
	req_json_own(&x->r, kept);
	req_json_own(&x->r, NULL);
	assert_int_equal(x->r.json_owned_n, 21);
	req_json_release_all(&x->r);
	assert_int_equal(x->r.json_owned_n, 0);
	assert_null(x->r.json_owned);
	/* Our extra reference is still valid. */
	assert_string_equal(json_object_get_string(kept), "kept");
	json_object_put(kept);
	req_json_release_all(&x->r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_parse_body), T(test_parse_body_escaped_nul), T(test_parse_body_nonfinite), T(test_getters), T(test_reply_bytes),
	    T(test_envelopes),  T(test_owned), T(test_text_and_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
