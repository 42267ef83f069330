/* Unit tests for lib/base/words.c: space-separated word lists (scope lists). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/words.h"

static void test_next(void **state)
{
	const char *s = "  view:tenant   admin ", *w;
	size_t n;

	(void)state;
	n = words_next(&s, &w);
	assert_int_equal(n, 11);
	assert_memory_equal(w, "view:tenant", 11);
	n = words_next(&s, &w);
	assert_int_equal(n, 5);
	assert_memory_equal(w, "admin", 5);
	assert_int_equal(words_next(&s, &w), 0);
	assert_int_equal(words_next(&s, &w), 0);
}

static void test_has(void **state)
{
	(void)state;
	assert_true(words_has("a bb ccc", "bb"));
	assert_true(words_has("a bb ccc", "ccc"));
	/* Whole words only. */
	assert_false(words_has("a bb ccc", "b"));
	assert_false(words_has("a bb ccc", "cc"));
	assert_false(words_has("a bb ccc", "a b"));
	assert_false(words_has(NULL, "a"));
	assert_false(words_has("a", NULL));
	assert_false(words_has("a", ""));
}

static void test_any(void **state)
{
	(void)state;
	assert_true(
	    words_any("view:tenant inventory:count:record", "admin inventory:count:record"));
	assert_false(words_any("view:tenant", "admin inventory:count:apply"));
	/* No requirement is met by anyone; a requirement is never met by nothing. */
	assert_true(words_any("view:tenant", ""));
	assert_true(words_any(NULL, NULL));
	assert_true(words_any(NULL, "  "));
	assert_false(words_any(NULL, "admin"));
	assert_false(words_any("", "admin"));
}

static void test_intersect(void **state)
{
	struct arena *a = arena_new(256);

	(void)state;
	assert_string_equal(words_intersect(a, "a b c b", "c b d"), "b c");
	assert_string_equal(words_intersect(a, "a", "b"), "");
	assert_string_equal(words_intersect(a, NULL, "b"), "");
	assert_string_equal(words_intersect(a, "a b", NULL), "");
	assert_string_equal(words_intersect(a, "  x   y ", "y x"), "x y");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_has),
	    cmocka_unit_test(test_any),
	    cmocka_unit_test(test_intersect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
