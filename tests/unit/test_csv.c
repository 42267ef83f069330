/* Unit tests for lib/csv.c: RFC 4180 quoting, formula protection, the streamed response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "web/csv_stream.h"
#include "web/req.h"

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

/* A response sink for the streaming functions. */
struct sink {
	struct buf got;
	int writes;
};

static int sink_write(void *ctx, const char *src, int n)
{
	struct sink *s = ctx;

	buf_append(&s->got, src, (size_t)n);
	s->writes++;
	return 0;
}

static void test_stream(void **state)
{
	struct sink s = {0};
	struct req_io io = {.write = sink_write, .ctx = &s};
	struct request r;
	struct buf body;

	(void)state;
	buf_init(&s.got);
	buf_init(&body);
	req_init(&r);
	r.io = &io;
	req_add_header(&r, "X-Test", "1");
	assert_int_equal(csv_stream_begin(&r, "export.csv"), 0);
	assert_true(r.sent);
	assert_int_equal(r.status, 200);
	buf_puts(&body, "a,b\r\n");
	assert_int_equal(csv_stream_write(&r, &body), 0);
	assert_int_equal(body.len, 0);
	assert_string_equal(buf_cstr(&s.got),
	                    "Status: 200 OK\r\n"
	                    "Content-Type: text/csv; charset=utf-8\r\n"
	                    "Content-Disposition: attachment; filename=\"export.csv\"\r\n"
	                    "Cache-Control: no-store\r\n"
	                    "X-Test: 1\r\n"
	                    "\r\n"
	                    "a,b\r\n");
	/* A second start would send a second header block. */
	assert_int_equal(csv_stream_begin(&r, "export.csv"), -1);
	/* The app's own finish must not add anything after a stream. */
	assert_int_equal(req_finish(&r, NULL), -1);
	assert_int_equal(s.writes, 2);
	buf_release(&body);
	buf_release(&s.got);
	req_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_null), cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_formula_guard),  cmocka_unit_test(test_record),
	    cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
