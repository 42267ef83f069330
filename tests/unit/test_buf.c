/* Unit tests for lib/base/buf.c: appends, formatting, growth, reset and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"

static void test_empty(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_reset(&b);
	assert_string_equal(buf_cstr(&b), "");
	buf_release(&b);
	assert_null(b.data);
}

static void test_append_and_format(void **state)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "Status: ");
	buf_appendf(&b, "%d %s", 404, "Not Found");
	buf_putc(&b, '\r');
	buf_putc(&b, '\n');
	buf_append(&b, "xyz", 2);
	buf_append(&b, "", 0);
	assert_string_equal(buf_cstr(&b), "Status: 404 Not Found\r\nxy");
	assert_int_equal(b.len, strlen("Status: 404 Not Found\r\nxy"));
	buf_release(&b);
}

static void test_binary(void **state)
{
	struct buf b;

	buf_init(&b);
	buf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	buf_release(&b);
}

static void test_growth_and_long_format(void **state)
{
	struct buf b;
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 1000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[999], 'a' + 999 % 26);
	/* A formatted string longer than the free space takes the retry path. */
	buf_appendf(&b, "[%s]", big);
	assert_int_equal(b.len, 1000 + 2 + 4999);
	assert_int_equal(b.data[1000], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	buf_release(&b);
}

static void test_reset_keeps_memory(void **state)
{
	struct buf b;
	char *data;
	size_t cap;

	buf_init(&b);
	buf_puts(&b, "first response");
	data = b.data;
	cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_string_equal(buf_cstr(&b), "");
	buf_puts(&b, "second");
	assert_string_equal(buf_cstr(&b), "second");
	buf_release(&b);
}

static void test_truncate(void **state)
{
	struct buf b;

	buf_init(&b);
	buf_truncate(&b, 3); /* nothing to cut: no allocation either */
	assert_null(b.data);
	buf_puts(&b, "Status: 201\r\nLocation: x");
	buf_truncate(&b, 11);
	assert_string_equal(buf_cstr(&b), "Status: 201");
	assert_int_equal(b.len, 11);
	buf_truncate(&b, 50);
	assert_string_equal(buf_cstr(&b), "Status: 201");
	buf_truncate(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_release(&b);
}

/* JSON strings: the short escapes, \u00XX for the other controls, everything else as it is. */
static void test_json_str(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_put_json_str(&b, "plain / caf\xc3\xa9");
	assert_string_equal(buf_cstr(&b), "\"plain / caf\xc3\xa9\"");
	buf_reset(&b);
	buf_put_json_str(&b, "q\"b\\n\nr\rt\tb\bf\f\x01\x1f");
	assert_string_equal(buf_cstr(&b), "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\"");
	buf_reset(&b);
	buf_put_json_str(&b, "");
	assert_string_equal(buf_cstr(&b), "\"\"");
	assert_true(buf_json_escapes('"') && buf_json_escapes('\\') && buf_json_escapes('\n'));
	assert_false(buf_json_escapes('a') || buf_json_escapes('/') || buf_json_escapes('\0') ||
	             buf_json_escapes((char)0xc3));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_append_and_format),
	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_growth_and_long_format),
	    cmocka_unit_test(test_reset_keeps_memory),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_json_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
