/* Unit tests for lib/base/csv.c: RFC 4180 quoting and formula protection of fields and records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"

/* One field on its own, as text. */
static char *field(struct buf *b, const char *v)
{
	buf_reset(b);
	csv_field(b, v, true);
	return (char *)buf_cstr(b);
}

static void test_plain_and_null(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(field(&b, "abc"), "abc");
	assert_string_equal(field(&b, ""), "");
	assert_string_equal(field(&b, NULL), "");
	assert_string_equal(field(&b, "12"), "12");
	assert_string_equal(field(&b, "Grüße"), "Grüße");
	buf_release(&b);
}

static void test_quoting(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(field(&b, "a,b"), "\"a,b\"");
	assert_string_equal(field(&b, "say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(field(&b, "two\nlines"), "\"two\nlines\"");
	assert_string_equal(field(&b, "cr\rhere"), "\"cr\rhere\"");
	assert_string_equal(field(&b, "\""), "\"\"\"\"");
	buf_release(&b);
}

static void test_formula_guard(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(field(&b, "=1+2"), "'=1+2");
	assert_string_equal(field(&b, "+cmd"), "'+cmd");
	assert_string_equal(field(&b, "-5 damaged"), "'-5 damaged");
	assert_string_equal(field(&b, "@SUM(A1)"), "'@SUM(A1)");
	assert_string_equal(field(&b, "\tx"), "'\tx");
	/* Guarded and quoted: the quote mark goes inside the quotes. */
	assert_string_equal(field(&b, "=HYPERLINK(\"x\",\"y\")"),
	                    "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	assert_string_equal(field(&b, "\r=x"), "\"'\r=x\"");
	/* Only the first character counts. */
	assert_string_equal(field(&b, "a=b"), "a=b");
	buf_release(&b);
}

static void test_record(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	csv_field(&b, "id", true);
	csv_field(&b, "x,y", false);
	csv_field(&b, NULL, false);
	csv_end_record(&b);
	assert_string_equal(buf_cstr(&b), "id,\"x,y\",\r\n");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_null),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_formula_guard),
	    cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
