/* Unit tests for lib/web/csv_stream.c: a CSV download's header block and its body in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"
#include "web/csv_stream.h"
#include "web/req.h"

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
	                    "X-Accel-Buffering: no\r\n"
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

/* The header block of a stream with no extra headers, then records as they come. */
static void test_stream_pieces(void **state)
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
	assert_int_equal(csv_stream_begin(&r, "stock.csv"), 0);
	csv_field(&body, "sku", true);
	csv_field(&body, "qty", false);
	csv_end_record(&body);
	assert_int_equal(csv_stream_write(&r, &body), 0);
	/* An empty piece writes nothing. */
	assert_int_equal(csv_stream_write(&r, &body), 0);
	csv_field(&body, "=A1", true);
	csv_field(&body, "1,5", false);
	csv_end_record(&body);
	assert_int_equal(csv_stream_write(&r, &body), 0);
	assert_int_equal(body.len, 0);
	assert_string_equal(buf_cstr(&s.got), "Status: 200 OK\r\n"
	                                      "Content-Type: text/csv; charset=utf-8\r\n"
	                                      "Content-Disposition: attachment; "
	                                      "filename=\"stock.csv\"\r\n"
	                                      "Cache-Control: no-store\r\n"
	                                      "X-Accel-Buffering: no\r\n"
	                                      "\r\n"
	                                      "sku,qty\r\n"
	                                      "'=A1,\"1,5\"\r\n");
	assert_int_equal(s.writes, 3);
	buf_release(&body);
	buf_release(&s.got);
	req_release(&r);
}

static int gone_write(void *ctx, const char *src, int n)
{
	(void)ctx;
	(void)src;
	(void)n;
	return -1;
}

/* A client gone is -1 at the start and at every piece; the piece is dropped all the same. */
static void test_client_gone(void **state)
{
	struct req_io io = {.write = gone_write};
	struct request r;
	struct buf body;

	(void)state;
	buf_init(&body);
	req_init(&r);
	r.io = &io;
	assert_int_equal(csv_stream_begin(&r, "x.csv"), -1);
	assert_true(r.sent); /* nothing else may be sent after a header that may be half out */
	buf_puts(&body, "a\r\n");
	assert_int_equal(csv_stream_write(&r, &body), -1);
	assert_int_equal(body.len, 0);
	/* No io at all is the same as a client gone. */
	r.io = NULL;
	buf_puts(&body, "b\r\n");
	assert_int_equal(csv_stream_write(&r, &body), -1);
	buf_release(&body);
	req_release(&r);
}

/* A caller whose user row is not read yet could still be refused: no stream starts for it. */
static void test_pending_caller(void **state)
{
	struct sink s = {0};
	struct req_io io = {.write = sink_write, .ctx = &s};
	struct caller c = {.pending = true};
	struct request r;

	(void)state;
	buf_init(&s.got);
	req_init(&r);
	r.io = &io;
	r.caller = &c;
	assert_int_equal(csv_stream_begin(&r, "x.csv"), -1);
	assert_false(r.sent);
	assert_int_equal(s.writes, 0);
	c.pending = false;
	assert_int_equal(csv_stream_begin(&r, "x.csv"), 0);
	assert_true(r.sent);
	assert_int_equal(s.writes, 1);
	buf_release(&s.got);
	req_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_stream_pieces),
	    cmocka_unit_test(test_client_gone),
	    cmocka_unit_test(test_pending_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
