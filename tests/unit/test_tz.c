/* Unit tests for lib/base/tz.c: zone names, the zone list, local times across clock changes, days.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/tz.h"

static time_t utc(const char *s)
{
	time_t t = 0;

	assert_true(tz_parse_utc(s, &t));
	return t;
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(tz_valid("UTC"));
	assert_true(tz_valid("Europe/Berlin"));
	assert_true(tz_valid("America/Argentina/Buenos_Aires"));
	assert_true(tz_valid("Etc/GMT+5"));
	assert_false(tz_valid(NULL));
	assert_false(tz_valid(""));
	assert_false(tz_valid("Europe"));
	assert_false(tz_valid("Europe/"));
	assert_false(tz_valid("Europe//Berlin"));
	assert_false(tz_valid("Mars/Olympus_Mons"));
	assert_false(tz_valid("europe/berlin"));
	assert_false(tz_valid("../../etc/passwd"));
	assert_false(tz_valid("/etc/localtime"));
	assert_false(tz_valid("Europe/../Europe/Berlin"));
	assert_false(tz_valid("posix/Europe/Berlin"));
	assert_false(tz_valid("Europe/Berlin "));
	assert_false(tz_valid("<script>"));
}

static void test_usable(void **state)
{
	(void)state;
	assert_true(tz_usable("UTC"));
	assert_true(tz_usable("Europe/Berlin"));
	assert_true(tz_usable("Europe/Berlin")); /* the same zone: nothing read again */
	assert_false(tz_usable("Nowhere/Atlantis"));
	assert_false(tz_usable("../../etc/passwd"));
	assert_false(tz_usable(NULL));
	assert_true(tz_usable("Asia/Tokyo"));
}

static void test_zones(void **state)
{
	struct arena *a = arena_new(4096);
	const char **z = NULL;
	size_t n = tz_zones(a, &z);
	bool berlin = false, utc_seen = false;

	(void)state;
	assert_true(n > 300);
	assert_null(z[n]);
	for (size_t i = 0; i < n; i++) {
		assert_true(tz_valid(z[i]));
		if (i)
			assert_true(strcmp(z[i - 1], z[i]) < 0);
		berlin |= strcmp(z[i], "Europe/Berlin") == 0;
		utc_seen |= strcmp(z[i], "UTC") == 0;
	}
	assert_true(berlin && utc_seen);
	arena_free(a);
}

static void test_parse(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(utc("1970-01-01 00:00:00"), 0);
	assert_int_equal(utc("2023-06-15T10:30:00Z"), 1686825000);
	assert_int_equal(utc("2023-06-15 10:30:00.123456"), 1686825000);
	assert_int_equal(utc("2023-06-15T10:30:00.5Z"), 1686825000);
	assert_false(tz_parse_utc("2023-06-15T10:30:00", &t));
	assert_false(tz_parse_utc("2023-06-15 10:30:00Z", &t));
	assert_false(tz_parse_utc("2023-13-15 10:30:00", &t));
	assert_false(tz_parse_utc("2023-06-15", &t));
	assert_false(tz_parse_utc("yesterday", &t));
	assert_false(tz_parse_utc(NULL, &t));
	/* Forms only the scanf reading takes (its %d skips blanks and takes a sign) read as before.
	 */
	assert_int_equal(utc(" 023-06-15 10:30:00"), utc("0023-06-15 10:30:00"));
	assert_false(tz_parse_utc("2023-06-15 1:30:00 ", &t));
	assert_false(tz_parse_utc("2023-06-15 10:3x:00", &t));
	assert_false(tz_parse_utc("2023-06-15x10:30:00", &t));
}

/* The digits written and read by hand agree with strftime over a century of seconds. */
static void test_by_hand(void **state)
{
	char want[TZ_TEXT_SIZE + 8], got[TZ_TEXT_SIZE];
	struct tm tm;

	(void)state;
	for (time_t t = -86400; t < 4102444800; t += 7919 * 13) {
		time_t back;

		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
		assert_int_equal(tz_format("UTC", t, got), 0);
		assert_string_equal(got, want);
		assert_true(tz_parse_utc(want, &back));
		assert_int_equal(back, t);
	}
}

static void expect(const char *zone, const char *when, const char *local)
{
	char out[TZ_TEXT_SIZE];

	assert_int_equal(tz_format(zone, utc(when), out), 0);
	assert_string_equal(out, local);
}

static void test_format(void **state)
{
	(void)state;
	expect("UTC", "2023-06-15 10:30:00", "2023-06-15 10:30:00");
	/* Summer and winter time, and back: the zone switches every call. */
	expect("Europe/Berlin", "2023-06-15 10:30:00", "2023-06-15 12:30:00");
	expect("Europe/Berlin", "2023-01-15 10:30:00", "2023-01-15 11:30:00");
	expect("America/New_York", "2023-01-15 03:00:00", "2023-01-14 22:00:00");
	expect("Asia/Kathmandu", "2023-01-15 00:00:00", "2023-01-15 05:45:00");
	expect("Australia/Lord_Howe", "2023-01-15 00:00:00", "2023-01-15 11:00:00");
	expect("UTC", "2023-01-15 03:00:00", "2023-01-15 03:00:00");
	/* The clock change in Berlin: 01:00 UTC on 2023-03-26 is 03:00 local. */
	expect("Europe/Berlin", "2023-03-26 00:59:59", "2023-03-26 01:59:59");
	expect("Europe/Berlin", "2023-03-26 01:00:00", "2023-03-26 03:00:00");
	/* A name that is no zone is UTC, not whatever glibc would make of it. */
	expect("Nowhere/Atlantis", "2023-06-15 10:30:00", "2023-06-15 10:30:00");
	expect(NULL, "2023-06-15 10:30:00", "2023-06-15 10:30:00");
}

static void test_days(void **state)
{
	(void)state;
	assert_int_equal(tz_day_start("UTC", utc("2023-06-15 10:30:00")),
	                 utc("2023-06-15 00:00:00"));
	assert_int_equal(tz_day_start("Europe/Berlin", utc("2023-06-15 23:30:00")),
	                 utc("2023-06-15 22:00:00"));
	assert_int_equal(tz_day_start("Europe/Berlin", utc("2023-06-15 21:30:00")),
	                 utc("2023-06-14 22:00:00"));
	/* Days of 23 and 25 hours. */
	assert_int_equal(tz_next_day("Europe/Berlin", utc("2023-03-26 12:00:00")) -
	                     tz_day_start("Europe/Berlin", utc("2023-03-26 12:00:00")),
	                 23 * 3600);
	assert_int_equal(tz_next_day("Europe/Berlin", utc("2023-10-29 12:00:00")) -
	                     tz_day_start("Europe/Berlin", utc("2023-10-29 12:00:00")),
	                 25 * 3600);
	assert_int_equal(tz_next_day("America/Los_Angeles", utc("2023-06-15 06:00:00")),
	                 utc("2023-06-15 07:00:00"));
}

static void test_text(void **state)
{
	struct arena *a = arena_new(1024);
	const char *iso = "2023-06-15T10:30:00Z";

	(void)state;
	assert_string_equal(tz_text(a, "UTC", iso), "2023-06-15 10:30:00");
	assert_string_equal(tz_text(a, "Europe/Berlin", iso), "2023-06-15 12:30:00");
	assert_string_equal(tz_text(a, "Europe/Berlin", "2023-06-15 10:30:00.25"),
	                    "2023-06-15 12:30:00");
	assert_string_equal(iso, "2023-06-15T10:30:00Z"); /* a copy, not in place */
	/* Anything else is shown as it is (the same pointer). */
	iso = "2023-06-15 10:30:00Z";
	assert_ptr_equal(tz_text(a, "Europe/Berlin", iso), iso);
	iso = "2023-06-15T10:30:00+";
	assert_ptr_equal(tz_text(a, "Europe/Berlin", iso), iso);
	iso = "never";
	assert_ptr_equal(tz_text(a, "Europe/Berlin", iso), iso);
	assert_null(tz_text(a, "Europe/Berlin", NULL));
	arena_free(a);
}

static void test_iso_of_local(void **state)
{
	struct arena *a = arena_new(1024);

	(void)state;
	assert_string_equal(tz_iso_of_local(a, "UTC", "2026-05-20T08:00"), "2026-05-20T08:00:00Z");
	assert_string_equal(tz_iso_of_local(a, "Europe/Berlin", "2026-05-20T08:00"),
	                    "2026-05-20T06:00:00Z");
	assert_string_equal(tz_iso_of_local(a, "Europe/Berlin", "2026-01-20T08:00:30"),
	                    "2026-01-20T07:00:30Z");
	assert_string_equal(tz_iso_of_local(a, "America/New_York", "2026-01-01T00:00"),
	                    "2026-01-01T05:00:00Z");
	assert_string_equal(tz_iso_of_local(a, "Asia/Kathmandu", "2026-01-01T05:45"),
	                    "2026-01-01T00:00:00Z");
	/* Through the clock change (02:00 -> 03:00 on 2026-03-29 in Berlin). */
	assert_string_equal(tz_iso_of_local(a, "Europe/Berlin", "2026-03-29T03:30"),
	                    "2026-03-29T01:30:00Z");
	assert_null(tz_iso_of_local(a, "UTC", "2026-05-20"));
	assert_null(tz_iso_of_local(a, "UTC", "2026-05-20T08:00Z"));
	assert_null(tz_iso_of_local(a, "UTC", "2026-05-20T25:00"));
	assert_null(tz_iso_of_local(a, "UTC", "2026-05-20T08:00:00.5"));
	assert_null(tz_iso_of_local(a, "UTC", "soon"));
	assert_null(tz_iso_of_local(a, "UTC", NULL));
	arena_free(a);
}

/* 1000 conversions alternating two zones, the worst case of a worker serving two tenants. */
static void test_speed(void **state)
{
	struct timespec t0, t1;
	char out[TZ_TEXT_SIZE];
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++)
		tz_format("Europe/Berlin", 1686825000 + i * 3600, out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("1000 conversions in one zone: %.3f ms\n", ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++)
		tz_format(i % 2 ? "Europe/Berlin" : "America/New_York", 1686825000, out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("1000 conversions switching zones each time: %.3f ms\n", ms);
	assert_true(ms < 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),        cmocka_unit_test(test_usable),
	    cmocka_unit_test(test_zones),        cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format),       cmocka_unit_test(test_days),
	    cmocka_unit_test(test_speed),        cmocka_unit_test(test_text),
	    cmocka_unit_test(test_iso_of_local), cmocka_unit_test(test_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
