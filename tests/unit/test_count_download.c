/*
 * Unit tests for lib/web/count_download.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * the variances CSV as the client receives it. Every case runs in a transaction that is rolled
 * back; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "count_case.h"
#include "web/count_download.h"
#include "web/req.h"

/* What the handler wrote, captured. */
static int capture(void *ctx, const char *src, int n)
{
	buf_append(ctx, src, (size_t)n);
	return 0;
}

static void test_variances_csv(void **state)
{
	struct count_session s;
	struct caller caller = {.tenant_id = FX_TENANT, .user_id = FX_USER1};
	struct request r;
	struct buf wire;
	struct req_io io = {.write = capture};
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-CSV", false, &id);
	fx_action(arena, id, COUNT_START);
	fx_record(arena, id, FX_USER1, 13);
	fx_record(arena, id, FX_USER2, 13);
	fx_load(arena, id, &s);
	buf_init(&wire);
	io.ctx = &wire;
	req_init(&r);
	r.arena = arena;
	r.io = &io;
	r.caller = &caller;
	assert_int_equal(count_download_variances(&r, &s), 0);
	assert_true(r.sent);
	assert_string_equal(
	    buf_cstr(&wire),
	    arena_sprintf(
	        arena,
	        "Status: 200 OK\r\nContent-Type: text/csv; charset=utf-8\r\n"
	        "Content-Disposition: attachment; filename=\"count-session-%s-variances.csv\""
	        "\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n\r\n"
	        "bin_code,sku,item_name,lot_number,system_qt,counted_qt,difference,conflict"
	        "\r\nA-01,SKU-1,Widget,,10,13,3,false\r\n",
	        id));
	req_release(&r);
	buf_release(&wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_variances_csv),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
