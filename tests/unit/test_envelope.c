/* Unit tests for lib/web/envelope.c: the ONDI and status envelopes and replies, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
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
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"success\":false,\"message\":\"Bin not found\",\"code\":\"bin_not_found\"}");

	envelope_status_error(&x->r, 401, "Invalid token", "Signature verification failed");
	assert_int_equal(x->r.status, 401);
	assert_string_equal(buf_cstr(&x->r.out), "{\"status\":401,\"message\":\"Invalid token\","
	                                         "\"detail\":\"Signature verification failed\","
	                                         "\"code\":\"invalid_token\"}");

	envelope_status_error(&x->r, 403, "Insufficient permissions", NULL);
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"status\":403,\"message\":\"Insufficient permissions\",\"detail\":null,"
	    "\"code\":\"insufficient_permissions\"}");
	/* An error about one field names it. */
	envelope_ondi_error(&x->r, 400, "Field required: quantity");
	assert_string_equal(buf_cstr(&x->r.out),
	                    "{\"success\":false,\"message\":\"Field required: quantity\","
	                    "\"code\":\"field_required\",\"field\":\"quantity\"}");

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

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_reply_bytes),
	    T(test_envelopes),
	    T(test_text_and_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
