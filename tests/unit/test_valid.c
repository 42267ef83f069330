/* Unit tests for base/valid.c: uuids, enums, integers, timestamps with offsets, text and e-mail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/valid.h"

static void test_uuid(void **state)
{
	assert_true(valid_uuid("123e4567-e89b-12d3-a456-426614174000"));
	assert_true(valid_uuid("123E4567-E89B-12D3-A456-426614174ABC"));
	assert_false(valid_uuid("123e4567-e89b-12d3-a456-42661417400"));   /* short */
	assert_false(valid_uuid("123e4567-e89b-12d3-a456-4266141740000")); /* long */
	assert_false(valid_uuid("123e4567xe89b-12d3-a456-426614174000"));
	assert_false(valid_uuid("123e4567-e89b-12d3-a456-42661417400g"));
	assert_false(valid_uuid("' OR 1=1 --"));
	assert_false(valid_uuid(""));
	assert_false(valid_uuid(NULL));
}

static void test_one_of(void **state)
{
	static const char *const types[] = {"receive", "pick", "move", NULL};

	assert_true(valid_one_of("pick", types));
	assert_false(valid_one_of("Pick", types));
	assert_false(valid_one_of("", types));
	assert_false(valid_one_of(NULL, types));
}

static void test_int64(void **state)
{
	long long v = 0;

	assert_true(valid_int64("0", &v));
	assert_int_equal(v, 0);
	assert_true(valid_int64("-42", &v));
	assert_int_equal(v, -42);
	assert_true(valid_int64("9223372036854775807", &v));
	assert_true(v == 9223372036854775807LL);
	assert_true(valid_int64("-9223372036854775808", &v));
	assert_false(valid_int64("9223372036854775808", &v));
	assert_false(valid_int64("", &v));
	assert_false(valid_int64("-", &v));
	assert_false(valid_int64("+5", &v));
	assert_false(valid_int64(" 5", &v));
	assert_false(valid_int64("5 ", &v));
	assert_false(valid_int64("5x", &v));
	assert_false(valid_int64("1.5", &v));
	assert_false(valid_int64(NULL, &v));
	assert_true(valid_int64("7", NULL));
}

static void check_ts(const char *in, const char *want)
{
	char out[32];

	memset(out, 'z', sizeof(out));
	if (!want) {
		assert_false(valid_timestamp(in, out, sizeof(out)));
		return;
	}
	assert_true(valid_timestamp(in, out, sizeof(out)));
	assert_string_equal(out, want);
}

static void test_timestamp(void **state)
{
	char small[19];

	check_ts("2023-06-15T10:30:00Z", "2023-06-15 10:30:00");
	check_ts("2023-06-15t10:30:00z", "2023-06-15 10:30:00");
	check_ts("2023-06-15 10:30:00", "2023-06-15 10:30:00");
	check_ts("2023-06-15T10:30:00.123456Z", "2023-06-15 10:30:00");
	check_ts("2023-06-15T10:30", "2023-06-15 10:30:00");
	check_ts("2023-06-15", "2023-06-15 00:00:00");
	/* Offsets move the time to UTC, across day, month and year borders. */
	check_ts("2023-06-15T10:30:00+02:00", "2023-06-15 08:30:00");
	check_ts("2023-06-15T10:30:00-05:30", "2023-06-15 16:00:00");
	check_ts("2023-06-15T01:00:00+0200", "2023-06-14 23:00:00");
	check_ts("2023-06-15T22:00:00-03", "2023-06-16 01:00:00");
	check_ts("2024-01-01T00:30:00+01:00", "2023-12-31 23:30:00");
	check_ts("2023-12-31T23:30:00-01:00", "2024-01-01 00:30:00");
	check_ts("2024-03-01T00:00:00+00:01", "2024-02-29 23:59:00");
	check_ts("2023-03-01T00:00:00+00:01", "2023-02-28 23:59:00");
	check_ts("2024-02-29", "2024-02-29 00:00:00");
	check_ts("1000-01-01T00:00:00Z", "1000-01-01 00:00:00");
	check_ts("9999-12-31T23:59:59Z", "9999-12-31 23:59:59");

	check_ts("2023-02-29", NULL);
	check_ts("1900-02-29", NULL);
	check_ts("2023-13-01", NULL);
	check_ts("2023-00-10", NULL);
	check_ts("2023-04-31", NULL);
	check_ts("2023-06-15T24:00:00Z", NULL);
	check_ts("2023-06-15T10:60:00Z", NULL);
	check_ts("2023-06-15T10:30:60Z", NULL);
	check_ts("2023-06-15T10:30:00+24:00", NULL);
	check_ts("2023-06-15T10:30:00+02:60", NULL);
	check_ts("2023-06-15T10:30:00.Z", NULL);
	check_ts("2023-06-15T10:30:00ZZ", NULL);
	check_ts("2023-06-15T10:30:00 junk", NULL);
	check_ts("2023-06-15T", NULL);
	check_ts("2023-6-15", NULL);
	check_ts("15/06/2023", NULL);
	check_ts("", NULL);
	check_ts("0999-12-31T23:59:59Z", NULL);
	check_ts("9999-12-31T23:30:00-01:00", NULL); /* year 10000 in UTC */
	check_ts("1000-01-01T00:30:00+01:00", NULL); /* year 999 in UTC */
	assert_false(valid_timestamp(NULL, small, sizeof(small)));
	assert_false(valid_timestamp("2023-06-15", small, sizeof(small)));
}

static void test_db_time_to_iso(void **state)
{
	char out[32];
	char small[20];

	valid_db_time_to_iso("2023-06-15 10:30:00", out, sizeof(out));
	assert_string_equal(out, "2023-06-15T10:30:00Z");
	valid_db_time_to_iso("2023-06-15 10:30:00.123456", out, sizeof(out));
	assert_string_equal(out, "2023-06-15T10:30:00Z");
	valid_db_time_to_iso("2023-06-15", out, sizeof(out));
	assert_string_equal(out, "2023-06-15");
	valid_db_time_to_iso(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	valid_db_time_to_iso("2023-06-15 10:30:00", small, sizeof(small));
	assert_string_equal(small, "");
}

static void test_text(void **state)
{
	assert_true(valid_text("Main Warehouse", 100));
	assert_true(valid_text("  padded  ", 10));
	assert_false(valid_text("  padded  ", 9));
	assert_true(valid_text("Lager München", 100));
	assert_true(valid_text("\xf0\x9f\x93\xa6 box", 100)); /* 4-byte sequence */
	assert_true(valid_text("line one\nline two", 100));
	assert_false(valid_text("", 10));
	assert_false(valid_text(" \t\r\n", 10));
	assert_false(valid_text(NULL, 10));
	assert_false(valid_text("bad \xff byte", 100));
	assert_false(valid_text("cut \xc3", 100));
	assert_false(valid_text("overlong \xc0\xaf", 100));
	assert_false(valid_text("overlong \xe0\x80\xaf", 100));
	assert_false(valid_text("surrogate \xed\xa0\x80", 100));
	assert_false(valid_text("too high \xf4\x90\x80\x80", 100));
	/* maxlen counts bytes: "ü" is two. */
	assert_true(valid_text("\xc3\xbc", 2));
	assert_false(valid_text("\xc3\xbc", 1));
}

static void test_utf8(void **state)
{
	assert_true(valid_utf8(""));
	assert_true(valid_utf8("Lager M\xc3\xbcnchen \xf0\x9f\x93\xa6"));
	assert_false(valid_utf8("bad \xff byte"));
	assert_false(valid_utf8("cut \xe2\x82"));
	assert_false(valid_utf8("overlong \xc0\xaf"));
	assert_false(valid_utf8("surrogate \xed\xa0\x80"));
	assert_false(valid_utf8("too high \xf4\x90\x80\x80"));
}

static void test_utf8_chars(void **state)
{
	assert_int_equal(valid_utf8_chars(""), 0);
	assert_int_equal(valid_utf8_chars("abc"), 3);
	/* "Größe": 5 code points in 7 bytes; a 4-byte emoji counts once. */
	assert_int_equal(valid_utf8_chars("Gr\xc3\xb6\xc3\x9f"
	                                  "e"),
	                 5);
	assert_int_equal(valid_utf8_chars("\xf0\x9f\x93\xa6"), 1);
}

static void test_email(void **state)
{
	assert_true(valid_email("john.doe@example.com"));
	assert_true(valid_email("a@b.co"));
	assert_false(valid_email("john.doe.example.com"));
	assert_false(valid_email("@example.com"));
	assert_false(valid_email("john@"));
	assert_false(valid_email("john@example"));
	assert_false(valid_email("john@.com"));
	assert_false(valid_email("john@example."));
	assert_false(valid_email("jo@hn@example.com"));
	assert_false(valid_email("john doe@example.com"));
	assert_false(valid_email("john@exa\nmple.com"));
	assert_false(valid_email(""));
	assert_false(valid_email(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uuid),           cmocka_unit_test(test_one_of),
	    cmocka_unit_test(test_int64),          cmocka_unit_test(test_timestamp),
	    cmocka_unit_test(test_db_time_to_iso), cmocka_unit_test(test_text),
	    cmocka_unit_test(test_email),          cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_utf8_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
