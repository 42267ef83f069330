/* Unit tests for lib/base/kvlist.c: the ordered key/value list of queries, forms and routes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/kvlist.h"

static int setup(void **state)
{
	*state = arena_new(256); /* small blocks: the list outgrows the first one */
	return 0;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

/* A zeroed list is an empty list. */
static void test_empty(void **state)
{
	struct kvlist l = {0};

	(void)state;
	assert_null(kvlist_get(&l, "a"));
	assert_null(kvlist_get(&l, ""));
	assert_null(kvlist_get_nonempty(&l, "a"));
	assert_int_equal(l.n, 0);
}

/* Items keep their order; a repeated key answers with its first value. */
static void test_order_and_first(void **state)
{
	struct arena *a = *state;
	struct kvlist l = {0};

	kvlist_add(a, &l, "a", "1");
	kvlist_add(a, &l, "b", "2");
	kvlist_add(a, &l, "a", "3");
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].key, "a");
	assert_string_equal(l.items[0].value, "1");
	assert_string_equal(l.items[1].key, "b");
	assert_string_equal(l.items[1].value, "2");
	assert_string_equal(l.items[2].key, "a");
	assert_string_equal(l.items[2].value, "3");
	assert_string_equal(kvlist_get(&l, "a"), "1");
	assert_string_equal(kvlist_get(&l, "b"), "2");
	/* Keys compare exactly: case and prefixes count. */
	assert_null(kvlist_get(&l, "A"));
	assert_null(kvlist_get(&l, "ab"));
	assert_null(kvlist_get(&l, ""));
}

/* Neither key nor value is copied: the list holds the caller's pointers. */
static void test_not_copied(void **state)
{
	struct arena *a = *state;
	struct kvlist l = {0};
	char key[] = "page", value[] = "2";

	kvlist_add(a, &l, key, value);
	assert_ptr_equal(l.items[0].key, key);
	assert_ptr_equal(kvlist_get(&l, "page"), value);
	value[0] = '3';
	assert_string_equal(kvlist_get(&l, "page"), "3");
}

/* kvlist_get_nonempty: "" and NULL values count as absent; kvlist_get still sees "". */
static void test_nonempty(void **state)
{
	struct arena *a = *state;
	struct kvlist l = {0};

	kvlist_add(a, &l, "empty", "");
	kvlist_add(a, &l, "null", NULL);
	kvlist_add(a, &l, "x", "1");
	kvlist_add(a, &l, "", "no name");
	kvlist_add(a, &l, "empty", "later");
	assert_string_equal(kvlist_get(&l, "empty"), "");
	assert_null(kvlist_get_nonempty(&l, "empty")); /* the first value decides */
	assert_null(kvlist_get(&l, "null"));
	assert_null(kvlist_get_nonempty(&l, "null"));
	assert_string_equal(kvlist_get_nonempty(&l, "x"), "1");
	assert_null(kvlist_get_nonempty(&l, "absent"));
	assert_string_equal(kvlist_get(&l, ""), "no name");
	assert_string_equal(kvlist_get_nonempty(&l, ""), "no name");
}

/* Many items: the list grows (8, 16, ...) and keeps every item in place. */
static void test_grow(void **state)
{
	struct arena *a = *state;
	struct kvlist l = {0};
	char *keys[200];

	for (int i = 0; i < 200; i++) {
		keys[i] = arena_sprintf(a, "k%d", i);
		kvlist_add(a, &l, keys[i], arena_sprintf(a, "v%d", i));
		assert_true(l.cap >= l.n);
	}
	assert_int_equal(l.n, 200);
	for (int i = 0; i < 200; i++) {
		char want[16];

		snprintf(want, sizeof(want), "v%d", i);
		assert_ptr_equal(l.items[i].key, keys[i]);
		assert_string_equal(kvlist_get(&l, keys[i]), want);
	}
	assert_null(kvlist_get(&l, "k200"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_empty), T(test_order_and_first), T(test_not_copied), T(test_nonempty),
	    T(test_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
