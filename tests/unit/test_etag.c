/* Unit tests for lib/web/etag.c: tags of records and revisions, the If-Match comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "web/etag.h"

static void test_tag_follows_the_content(void **state)
{
	struct arena *a = arena_new(4096);
	struct json_object *o = json_tokener_parse("{\"id\":\"x\",\"name\":\"a\"}");
	const char *t1 = etag_of_json(a, o), *t2;

	assert_int_equal(strlen(t1), 18);
	assert_true(t1[0] == '"' && t1[17] == '"');
	assert_string_equal(etag_of_json(a, o), t1); /* o stays usable: the tag does not take it */
	json_object_object_add(o, "name", json_object_new_string("b"));
	t2 = etag_of_json(a, o);
	assert_string_not_equal(t1, t2);
	json_object_put(o);
	assert_string_equal(etag_of_rev(a, 12), "\"12\"");
	arena_free(a);
}

/* A record written as text (row_json_write) gets the tag its JSON object would get. */
static void test_text_tag_is_the_json_tag(void **state)
{
	struct arena *a = arena_new(4096);
	const char *text = "{\"id\":\"x\",\"name\":\"a\"}ignored";
	struct json_object *o = json_tokener_parse("{\"id\":\"x\",\"name\":\"a\"}");

	assert_string_equal(etag_of_text(a, text, strlen(text) - strlen("ignored")),
	                    etag_of_json(a, o));
	assert_string_not_equal(etag_of_text(a, text, strlen(text)), etag_of_json(a, o));
	json_object_put(o);
	arena_free(a);
}

static void test_if_match(void **state)
{
	const char *tag = "\"abc\"";

	assert_true(etag_if_match(NULL, tag));
	assert_true(etag_if_match("*", tag));
	assert_true(etag_if_match("\"abc\"", tag));
	assert_true(etag_if_match("\"x\", \"abc\"", tag));
	assert_true(etag_if_match(" \"x\",\"abc\" ", tag));
	assert_false(etag_if_match("\"abd\"", tag));
	assert_false(etag_if_match("\"ab\"", tag));
	assert_false(etag_if_match("W/\"abc\"", tag)); /* weak tags never match strongly */
	assert_false(etag_if_match("abc", tag));
	assert_false(etag_if_match("\"abc", tag));
	assert_false(etag_if_match("", tag));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tag_follows_the_content),
	    cmocka_unit_test(test_text_tag_is_the_json_tag),
	    cmocka_unit_test(test_if_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
