/* Unit tests for lib/base/arena.c: alignment, zeroing, growth, reset and string helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

static void test_alloc_aligned_and_zeroed(void **state)
{
	struct arena *a = arena_new(1024);

	for (size_t size = 1; size < 100; size += 7) {
		unsigned char *p = arena_alloc(a, size);

		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, size);
	}
	arena_free(a);
}

static void test_used_counts_and_reset(void **state)
{
	struct arena *a = arena_new(1024);
	unsigned char *p;

	assert_int_equal(arena_used(a), 0);
	arena_alloc(a, 10);
	arena_alloc(a, 20);
	assert_int_equal(arena_used(a), 30);
	/* Larger than a block: needs its own. */
	p = arena_alloc(a, 5000);
	memset(p, 0xff, 5000);
	assert_int_equal(arena_used(a), 5030);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	/* Memory handed out after a reset is zeroed again. */
	p = arena_alloc(a, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(p[i], 0);
	arena_free(a);
}

static void test_many_blocks(void **state)
{
	struct arena *a = arena_new(256);
	char *ptrs[200];

	for (int i = 0; i < 200; i++) {
		ptrs[i] = arena_sprintf(a, "value-%d", i);
		if (i % 10 == 0)
			arena_alloc(a, 300 + (size_t)i); /* oversized blocks in between */
	}
	for (int i = 0; i < 200; i++) {
		char want[32];

		snprintf(want, sizeof(want), "value-%d", i);
		assert_string_equal(ptrs[i], want);
	}
	arena_reset(a);
	arena_reset(a);
	assert_string_equal(arena_strdup(a, "after"), "after");
	arena_free(a);
}

static void test_strings(void **state)
{
	struct arena *a = arena_new(0);
	char *s;

	assert_null(arena_strdup(a, NULL));
	assert_string_equal(arena_strdup(a, ""), "");
	assert_string_equal(arena_strdup(a, "hello"), "hello");
	s = arena_strndup(a, "hello world", 5);
	assert_string_equal(s, "hello");
	assert_int_equal(s[5], '\0');
	s = arena_strndup(a, "ab\0cd", 5);
	assert_memory_equal(s, "ab\0cd", 6);
	assert_string_equal(arena_sprintf(a, "%s=%d", "n", 42), "n=42");
	assert_string_equal(arena_sprintf(a, "%s", ""), "");
	/* Longer than one block. */
	s = arena_sprintf(a, "%09000d", 7);
	assert_int_equal(strlen(s), 9000);
	assert_int_equal(s[8999], '7');
	arena_free(a);
}

static void test_free_null(void **state)
{
	arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_aligned_and_zeroed),
	    cmocka_unit_test(test_used_counts_and_reset),
	    cmocka_unit_test(test_many_blocks),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
