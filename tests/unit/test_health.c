/*
 * Unit tests for lib/web/health.c: /api/health's envelope, /api/metrics refused to a caller
 * from elsewhere without a token and served to loopback, and (against a live MariaDB,
 * STOCKTAKE_TEST_DB_SOCKET, else skipped) /api/ready on the migrated devstack database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_ready.h"
#include "web/health.h"
#include "web/req.h"
#include "unit_db.h"

static struct arena *A;
static struct request R;
static char *envp[8];

static int no_read(void *ctx, char *dst, int n)
{
	return 0;
}

static int no_write(void *ctx, const char *src, int n)
{
	return 0;
}

/* A GET of path from remote_addr, read into R (buffers reset). */
static void request(const char *path, const char *remote_addr)
{
	static struct req_io io = {.read = no_read, .write = no_write};
	size_t n = 0;

	envp[n++] = "REQUEST_METHOD=GET";
	envp[n++] = arena_sprintf(A, "REQUEST_URI=%s", path);
	envp[n++] = "QUERY_STRING=";
	envp[n++] = arena_sprintf(A, "REMOTE_ADDR=%s", remote_addr);
	envp[n] = NULL;
	io.envp = envp;
	assert_int_equal(req_read(&R, A, &io, 1024), REQ_OK);
}

static const char *body(void)
{
	buf_putc(&R.out, '\0');
	return R.out.data;
}

static void test_live(void **state)
{
	request("/api/health", "127.0.0.1");
	health_live(&R);
	assert_int_equal(R.status, 200);
	assert_string_equal(body(),
	                    "{\"status\":200,\"message\":\"Service is running\",\"detail\":\"\"}");
	req_json_release_all(&R);
}

static void test_metrics_refused_from_elsewhere(void **state)
{
	request("/api/metrics", "192.0.2.7");
	health_metrics(&R);
	assert_int_equal(R.status, 401);
	assert_non_null(strstr(body(), "\"Authentication required\""));
	req_json_release_all(&R);
}

static void test_metrics_from_loopback(void **state)
{
	request("/api/metrics", "127.0.0.1");
	health_metrics(&R);
	assert_int_equal(R.status, 200);
	assert_string_equal(R.out_type, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(body(), "# TYPE stocktake_requests_total counter\n"));
}

static void test_ready_live(void **state)
{
	char want[64];

	if (unit_db_connect() != 0)
		skip();
	request("/api/ready", "127.0.0.1");
	health_ready(&R);
	assert_int_equal(R.status, 200);
	snprintf(want, sizeof(want), "\"schema\":{\"expected\":%ld,\"applied\":%ld}",
	         db_schema_expected(), db_schema_expected());
	assert_non_null(strstr(body(), want));
	req_json_release_all(&R);
	db_close();
}

/* A database that cannot be reached is a 503 with the reason and when to ask again. */
static void test_ready_unreachable(void **state)
{
	assert_int_equal(env_set("db_socket", "/nonexistent/mysqld.sock"), 0);
	request("/api/ready", "127.0.0.1");
	health_ready(&R);
	assert_int_equal(R.status, 503);
	assert_non_null(strstr(body(), "\"detail\":\"the database cannot be reached\""));
	assert_non_null(strstr(body(), "\"applied\":null"));
	buf_putc(&R.headers, '\0');
	assert_non_null(strstr(R.headers.data, "Retry-After: 5\r\n"));
	req_json_release_all(&R);
	db_close();
}

static int setup(void **state)
{
	A = arena_new(4096);
	req_init(&R);
	log_set_level(LOGL_ERROR + 1);
	return 0;
}

static int teardown(void **state)
{
	req_release(&R);
	arena_free(A);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_live),
	    cmocka_unit_test(test_metrics_refused_from_elsewhere),
	    cmocka_unit_test(test_metrics_from_loopback),
	    cmocka_unit_test(test_ready_live),
	    cmocka_unit_test(test_ready_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
