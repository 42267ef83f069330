/* Unit tests for html/view_json.c: json-c values as views, keys and text copied into the arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "html/view.h"
#include "html/view_json.h"

static void test_kinds(void **state)
{
	struct arena *a = arena_new(1024);
	struct json_object *j =
	    json_tokener_parse("{\"b\":true,\"i\":-7,\"d\":1.5,\"s\":\"text\",\"n\":null,"
	                       "\"o\":{\"x\":1},\"l\":[false,2,\"t\",null,[3],{\"y\":\"z\"}]}");
	const struct view *v, *l;

	(void)state;
	assert_non_null(j);
	v = view_json_of(a, j);
	/* The view owns its copies: the json-c objects go first. */
	json_object_put(j);
	assert_int_equal(view_kind(v), VIEW_MAP);
	assert_true(view_bool(view_get(v, "b")));
	assert_int_equal(view_int(view_get(v, "i")), -7);
	assert_string_equal(view_str(view_get(v, "d")), "1.5");
	assert_string_equal(view_str(view_get(v, "s")), "text");
	assert_non_null(view_get(v, "n"));
	assert_int_equal(view_kind(view_get(v, "n")), VIEW_NULL);
	assert_int_equal(view_int(view_get(view_get(v, "o"), "x")), 1);
	l = view_get(v, "l");
	assert_int_equal(view_len(l), 6);
	assert_false(view_bool(view_at(l, 0)));
	assert_int_equal(view_kind(view_at(l, 0)), VIEW_BOOL);
	assert_int_equal(view_int(view_at(l, 1)), 2);
	assert_string_equal(view_str(view_at(l, 2)), "t");
	assert_int_equal(view_kind(view_at(l, 3)), VIEW_NULL);
	assert_int_equal(view_int(view_at(view_at(l, 4), 0)), 3);
	assert_string_equal(view_str(view_get(view_at(l, 5), "y")), "z");
	assert_null(view_get(v, "missing"));
	arena_free(a);
}

static void test_scalars_and_slots(void **state)
{
	struct arena *a = arena_new(1024);
	struct json_object *n = json_object_new_int64(5), *s = json_object_new_string("k");
	struct view *map = view_map(a), *list = view_list(a);
	char key[] = "key";

	(void)state;
	/* A scalar is no map or list. */
	assert_null(view_json_of(a, n));
	assert_null(view_json_of(a, NULL));
	view_json_set(a, map, key, n);
	key[0] = 'X'; /* the key was copied */
	assert_int_equal(view_int(view_get(map, "key")), 5);
	view_json_push(a, list, s);
	view_json_push(a, list, NULL);
	json_object_put(n);
	json_object_put(s);
	assert_int_equal(view_len(list), 2);
	assert_string_equal(view_str(view_at(list, 0)), "k");
	assert_int_equal(view_kind(view_at(list, 1)), VIEW_NULL);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_scalars_and_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
