/* Unit tests for base/log.c: level parsing, filtering, line format, sanitizing, fatal exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/log.h"

/* Runs fn with stderr redirected to a temporary file; returns what it wrote. */
static char captured[8192];

static const char *capture(void (*fn)(void))
{
	char path[] = "/tmp/test_log_XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_true(fd >= 0);
	unlink(path);
	dup2(fd, STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, captured, sizeof(captured) - 1);
	close(fd);
	captured[n > 0 ? n : 0] = '\0';
	return captured;
}

static char expected[256];

/* The line's start for level: the syslog priority journald reads, name, pid, level. */
static const char *prefix(const char *level)
{
	const char *prio = strcmp(level, "debug") == 0  ? "<7>"
	                   : strcmp(level, "info") == 0 ? "<6>"
	                   : strcmp(level, "warn") == 0 ? "<4>"
	                                                : "<3>";

	snprintf(expected, sizeof(expected), "%sunit[%ld] %s: ", prio, (long)getpid(), level);
	return expected;
}

static void test_parse(void **state)
{
	assert_int_equal(log_level_parse("debug"), LOGL_DEBUG);
	assert_int_equal(log_level_parse("info"), LOGL_INFO);
	assert_int_equal(log_level_parse("WARN"), LOGL_WARN);
	assert_int_equal(log_level_parse("warning"), LOGL_WARN);
	assert_int_equal(log_level_parse("error"), LOGL_ERROR);
	assert_int_equal(log_level_parse("verbose"), -1);
	assert_int_equal(log_level_parse(""), -1);
	assert_int_equal(log_level_parse(NULL), -1);
}

static void emit_levels(void)
{
	log_debug("d %d", 1);
	log_info("i %d", 2);
	log_warn("w %d", 3);
	log_error("e %d", 4);
}

static void test_filter_and_format(void **state)
{
	char want[1024];

	log_set_name("unit");
	log_set_level(LOGL_WARN);
	capture(emit_levels);
	snprintf(want, sizeof(want), "%sw 3\n", prefix("warn"));
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%se 4\n", prefix("error"));
	assert_string_equal(captured, want);

	log_set_level(LOGL_DEBUG);
	capture(emit_levels);
	assert_non_null(strstr(captured, "debug: d 1\n"));
	assert_non_null(strstr(captured, "info: i 2\n"));
	/* Each line starts with its syslog priority, so journald files it at that level. */
	assert_int_equal(strncmp(captured, "<7>unit[", 8), 0);
	assert_non_null(strstr(captured, "\n<6>unit["));
	assert_non_null(strstr(captured, "\n<4>unit["));
	assert_non_null(strstr(captured, "\n<3>unit["));
}

static void emit_injection(void)
{
	log_info("path %s", "/a\nunit[1] error: forged\r\tx");
}

static void test_one_line(void **state)
{
	char want[512];

	log_set_name("unit");
	log_set_level(LOGL_INFO);
	capture(emit_injection);
	snprintf(want, sizeof(want), "%spath /a?unit[1] error: forged? x\n", prefix("info"));
	assert_string_equal(captured, want);
}

static void emit_long(void)
{
	char big[5000];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_error("%s", big);
}

static void test_truncated_line(void **state)
{
	log_set_name("unit");
	capture(emit_long);
	/* Cut to the line limit, still one line ending in a newline. */
	assert_int_equal(strlen(captured), 2047);
	assert_ptr_equal(strchr(captured, '\n'), captured + 2046);
	assert_int_equal(captured[2045], 'y');
}

static void emit_one(void)
{
	log_warn("x");
}

/* The request's id shows on its lines, and only a plain token of at most 64 characters. */
static void test_request_id(void **state)
{
	char want[512];
	char longer[80];

	log_set_name("unit");
	log_set_level(LOGL_INFO);
	log_set_request("a1B2.c-3_d");
	capture(emit_one);
	snprintf(want, sizeof(want), "%s[a1B2.c-3_d] x\n", prefix("warn"));
	assert_string_equal(captured, want);

	snprintf(want, sizeof(want), "%sx\n", prefix("warn"));
	log_set_request("two words");
	capture(emit_one);
	assert_string_equal(captured, want);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	log_set_request(longer);
	capture(emit_one);
	assert_string_equal(captured, want);
	log_set_request("r1");
	log_set_request(NULL);
	capture(emit_one);
	assert_string_equal(captured, want);
}

static void test_fatal_exits(void **state)
{
	int fds[2], status;
	pid_t pid;
	char out[256] = "";
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		log_set_name("unit");
		log_fatal("out of %s", "memory");
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	assert_true(n > 0);
	out[n] = '\0';
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_non_null(strstr(out, "] error: out of memory\n"));
	assert_int_equal(strncmp(out, "<3>unit[", 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),      cmocka_unit_test(test_filter_and_format),
	    cmocka_unit_test(test_one_line),   cmocka_unit_test(test_truncated_line),
	    cmocka_unit_test(test_request_id), cmocka_unit_test(test_fatal_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
