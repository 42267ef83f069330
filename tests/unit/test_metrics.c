/*
 * Unit tests for lib/web/metrics.c: counters shared by forked workers add up and outlive a
 * killed worker, the Prometheus text lists every group's file in the directory, and who may
 * read it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/log.h"
#include "web/metrics.h"
#include "web/route.h"

static char dir[] = "/tmp/test_metrics_XXXXXX";

static void nop(struct request *r)
{
}

static const struct route routes[] = {
    {"GET", "/things/:id", nop, NULL},
    {"POST", "/things", nop, ""},
    {0},
};

/* The value of the series line starting with series ("name{labels}"), -1 when absent. */
static long long value_of(const char *text, const char *series)
{
	const char *p = text;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

/* Every line is a comment or "name{labels} number": the exposition format's shape. */
static void assert_parses(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n');
		char buf[512];
		char *brace, *close, *value, *rest;

		assert_non_null(end);
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - line), line);
		if (buf[0] != '#') {
			brace = strchr(buf, '{');
			close = strrchr(buf, '}');
			assert_non_null(brace);
			assert_non_null(close);
			assert_true(close > brace);
			assert_int_equal(close[1], ' ');
			value = close + 2;
			strtod(value, &rest);
			assert_true(rest > value && *rest == '\0');
		} else {
			assert_true(strncmp(buf, "# HELP ", 7) == 0 ||
			            strncmp(buf, "# TYPE ", 7) == 0);
		}
		line = end + 1;
	}
}

static char *render(struct buf *b)
{
	buf_reset(b);
	metrics_write(b, dir);
	buf_putc(b, '\0');
	return b->data;
}

static void test_workers_add_up_and_survive_kill(void **state)
{
	struct buf b;
	pid_t pids[3];
	int st;

	buf_init(&b);
	assert_int_equal(metrics_create(dir, "things", routes), 0);
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			for (int k = 0; k < 1000; k++)
				metrics_request(0, 200, 1500, 2, 0);
			metrics_request(1, 201, 30000, 3, 1);
			metrics_replay();
			/* A worker killed outright: what it added stays. */
			if (i == 2)
				raise(SIGKILL);
			_exit(0);
		}
		metrics_workers_up(1);
	}
	for (int i = 0; i < 3; i++) {
		waitpid(pids[i], &st, 0);
		metrics_workers_up(-1);
	}
	metrics_worker_restart();
	metrics_request(-1, 404, 100, 0, 0);
	render(&b);
	assert_parses(b.data);
	assert_int_equal(value_of(b.data,
	                          "stocktake_requests_total{group=\"things\",method=\"GET\","
	                          "route=\"/things/:id\",status=\"200\"}"),
	                 3000);
	assert_int_equal(value_of(b.data,
	                          "stocktake_requests_total{group=\"things\",method=\"POST\","
	                          "route=\"/things\",status=\"201\"}"),
	                 3);
	assert_int_equal(value_of(b.data, "stocktake_requests_total{group=\"things\",method=\"-\","
	                                  "route=\"unmatched\",status=\"404\"}"),
	                 1);
	assert_int_equal(
	    value_of(b.data, "stocktake_request_duration_seconds_count{group=\"things\"}"), 3004);
	/* 1.5 ms falls in the 5 ms bucket, 30 ms in the 50 ms one; buckets are cumulative. */
	assert_int_equal(value_of(b.data, "stocktake_request_duration_seconds_bucket{group="
	                                  "\"things\",le=\"0.005\"}"),
	                 3001);
	assert_int_equal(value_of(b.data, "stocktake_request_duration_seconds_bucket{group="
	                                  "\"things\",le=\"0.025\"}"),
	                 3001);
	assert_int_equal(value_of(b.data, "stocktake_request_duration_seconds_bucket{group="
	                                  "\"things\",le=\"0.05\"}"),
	                 3004);
	assert_int_equal(value_of(b.data, "stocktake_request_duration_seconds_bucket{group="
	                                  "\"things\",le=\"+Inf\"}"),
	                 3004);
	assert_int_equal(value_of(b.data, "stocktake_db_statements_total{group=\"things\"}"),
	                 3 * 2000 + 9);
	assert_int_equal(value_of(b.data, "stocktake_db_retries_total{group=\"things\"}"), 3);
	assert_int_equal(value_of(b.data, "stocktake_idempotent_replays_total{group=\"things\"}"),
	                 3);
	assert_int_equal(value_of(b.data, "stocktake_worker_restarts_total{group=\"things\"}"), 1);
	assert_int_equal(value_of(b.data, "stocktake_workers_up{group=\"things\"}"), 0);
	assert_non_null(strstr(b.data, "# TYPE stocktake_request_duration_seconds histogram\n"));
	metrics_close(true);
	buf_release(&b);
}

/* Two pools' files and a stranger in one directory: both groups, sorted, the stranger skipped. */
static void test_reads_every_group(void **state)
{
	struct buf b;
	char path[256];
	int fd;

	buf_init(&b);
	snprintf(path, sizeof(path), "%s/junk.metrics", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not ours", 8), 8);
	close(fd);
	assert_int_equal(metrics_create(dir, "zeta", routes), 0);
	metrics_request(0, 200, 10, 1, 0);
	metrics_close(false);
	assert_int_equal(metrics_create(dir, "alpha", routes), 0);
	metrics_request(1, 500, 10, 1, 0);
	buf_reset(&b);
	assert_int_equal(metrics_write(&b, dir), 2);
	buf_putc(&b, '\0');
	assert_parses(b.data);
	assert_true(strstr(b.data, "group=\"alpha\"") < strstr(b.data, "group=\"zeta\""));
	assert_int_equal(value_of(b.data, "stocktake_requests_total{group=\"zeta\",method=\"GET\","
	                                  "route=\"/things/:id\",status=\"200\"}"),
	                 1);
	/* A pool that stops removes its own file; the other stays. */
	metrics_close(true);
	snprintf(path, sizeof(path), "%s/alpha.metrics", dir);
	assert_int_equal(access(path, F_OK), -1);
	buf_reset(&b);
	assert_int_equal(metrics_write(&b, dir), 1);
	snprintf(path, sizeof(path), "%s/zeta.metrics", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/junk.metrics", dir);
	unlink(path);
	buf_release(&b);
}

static void test_schema_warning_once_per_pool(void **state)
{
	pid_t pid;
	int st;

	/* Without a pool (plain CGI) every process is its own. */
	assert_true(metrics_first_schema_warning());
	assert_true(metrics_first_schema_warning());
	assert_int_equal(metrics_create(dir, "once", routes), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(metrics_first_schema_warning() ? 0 : 1);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(metrics_first_schema_warning());
	/* Once the schema matches again, the next mismatch is news. */
	metrics_schema_settled();
	assert_true(metrics_first_schema_warning());
	metrics_close(true);
}

static void test_without_mapping(void **state)
{
	struct buf b;

	buf_init(&b);
	metrics_request(0, 200, 10, 1, 0); /* no-op, no crash */
	metrics_replay();
	assert_null(metrics_pool_dir());
	assert_int_equal(metrics_write(&b, "/nonexistent/dir"), 0);
	buf_putc(&b, '\0');
	assert_parses(b.data);
	buf_release(&b);
}

static void test_caller_allowed(void **state)
{
	assert_true(metrics_caller_allowed("127.0.0.1", NULL));
	assert_true(metrics_caller_allowed("127.1.2.3", NULL));
	assert_true(metrics_caller_allowed("::1", NULL));
	assert_true(metrics_caller_allowed("::ffff:127.0.0.1", NULL));
	assert_false(metrics_caller_allowed("10.0.0.1", NULL));
	assert_false(metrics_caller_allowed("127.0.0.1.evil", "admin"));
	assert_false(metrics_caller_allowed("1270::1", ""));
	assert_false(metrics_caller_allowed(NULL, NULL));
	assert_false(metrics_caller_allowed("192.0.2.7", "admin view:tenant"));
	assert_false(metrics_caller_allowed("192.0.2.7", "metricsx"));
	assert_true(metrics_caller_allowed("192.0.2.7", "view:tenant metrics"));
	assert_true(metrics_caller_allowed(NULL, "metrics"));
}

static int setup(void **state)
{
	log_set_level(LOGL_ERROR);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_workers_add_up_and_survive_kill),
	    cmocka_unit_test(test_reads_every_group),
	    cmocka_unit_test(test_schema_warning_once_per_pool),
	    cmocka_unit_test(test_without_mapping),
	    cmocka_unit_test(test_caller_allowed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
