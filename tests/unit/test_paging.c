/* Unit tests for lib/db/paging.c: page and limit values, their defaults, refusals and the pages'
 * cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "db/paging.h"

static void test_page(void **state)
{
	struct paging pg;
	struct paging_refusal why = {NULL, NULL};

	(void)state;
	assert_int_equal(paging_parse(NULL, NULL, PAGING_REFUSE, &pg, &why), 0);
	assert_int_equal(pg.page, 1);
	assert_int_equal(pg.limit, PAGING_LIMIT_DEFAULT);
	assert_int_equal(paging_parse("", "", PAGING_REFUSE, &pg, &why), 0);
	assert_int_equal(pg.limit, PAGING_LIMIT_DEFAULT);
	assert_int_equal(paging_parse("3", "7", PAGING_REFUSE, &pg, &why), 0);
	assert_int_equal(pg.page, 3);
	assert_int_equal(pg.limit, 7);
	/* Above the maximum: the API refuses it and says the range; the pages lower it. */
	assert_int_equal(paging_parse("1", "1000", PAGING_REFUSE, &pg, &why), -1);
	assert_string_equal(why.message, "Invalid limit");
	assert_string_equal(why.detail, "limit must be a whole number from 1 to 100");
	assert_int_equal(paging_parse("1", "1000", PAGING_CAP, &pg, &why), 0);
	assert_int_equal(pg.limit, PAGING_LIMIT_MAX);

	static const char *const bad_limits[] = {"0",  "-1", "abc",
	                                         "5x", " 5", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad_limits / sizeof *bad_limits; i++) {
		why.message = NULL;
		assert_int_equal(paging_parse("1", bad_limits[i], PAGING_REFUSE, &pg, &why), -1);
		assert_string_equal(why.message, "Invalid limit");
	}
	static const char *const bad_pages[] = {"0", "-2", "x", "1.5", "1000000001"};
	for (size_t i = 0; i < sizeof bad_pages / sizeof *bad_pages; i++) {
		why.message = NULL;
		assert_int_equal(paging_parse(bad_pages[i], "10", PAGING_REFUSE, &pg, &why), -1);
		assert_string_equal(why.message, "Invalid page");
	}
}

/* One number: absent gives the default, below min or not a whole number is refused. */
static void test_number(void **state)
{
	static const char *const refused[] = {
	    "0",
	    "-1",
	    "1e3",
	    "1.0",
	    " 5",
	    "5 ",
	    "+5",
	    "0x10",
	    "abc",
	    "-",
	    "1,5",
	    "99999999999999999999",
	    "-99999999999999999999",
	};
	long long v;

	(void)state;
	v = -7;
	assert_int_equal(paging_number(NULL, 20, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 20);
	v = -7;
	assert_int_equal(paging_number("", 3, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 3);
	/* The bounds themselves are fine; above max is lowered to it. */
	assert_int_equal(paging_number("1", 20, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(paging_number("100", 20, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(paging_number("101", 20, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(paging_number("9223372036854775807", 20, 1, 100, PAGING_CAP, &v), 0);
	assert_int_equal(v, 100);
	/* Refused above max unless the caller caps. */
	assert_int_equal(paging_number("101", 20, 1, 100, PAGING_REFUSE, &v), -1);
	assert_int_equal(paging_number("100", 20, 1, 100, PAGING_REFUSE, &v), 0);
	assert_int_equal(v, 100);
	/* min is the caller's: 0 allowed where it says so, and a leading zero is still a number. */
	assert_int_equal(paging_number("0", 5, 0, 10, PAGING_CAP, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(paging_number("007", 5, 0, 10, PAGING_CAP, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(paging_number("-3", 5, -5, 10, PAGING_CAP, &v), 0);
	assert_int_equal(v, -3);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(paging_number(refused[i], 20, 1, 100, PAGING_CAP, &v), -1);
}

/* Limits: defaults for NULL and "", capped above PAGING_LIMIT_MAX (PAGING_CAP), refused below 1. */
static void test_parse_limit(void **state)
{
	static const struct {
		const char *text;
		long long limit;
	} ok[] = {
	    {NULL, PAGING_LIMIT_DEFAULT},
	    {"", PAGING_LIMIT_DEFAULT},
	    {"1", 1},
	    {"99", 99},
	    {"100", PAGING_LIMIT_MAX},
	    {"101", PAGING_LIMIT_MAX},
	    {"1000000", PAGING_LIMIT_MAX},
	    {"9223372036854775807", PAGING_LIMIT_MAX},
	};
	static const char *const bad[] = {"0", "-1", "1e3", "10.", "abc", "99999999999999999999",
	                                  NULL};
	struct paging pg;
	struct paging_refusal why;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why.message = "untouched";
		memset(&pg, 0, sizeof(pg));
		assert_int_equal(paging_parse("2", ok[i].text, PAGING_CAP, &pg, &why), 0);
		assert_int_equal(pg.page, 2);
		assert_int_equal(pg.limit, ok[i].limit);
		assert_string_equal(why.message, "untouched");
	}
	for (size_t i = 0; bad[i]; i++) {
		why.message = NULL;
		assert_int_equal(paging_parse("2", bad[i], PAGING_CAP, &pg, &why), -1);
		assert_string_equal(why.message, "Invalid limit");
		assert_int_equal(paging_parse("2", bad[i], PAGING_REFUSE, &pg, &why), -1);
	}
}

/* Pages: default 1, up to PAGING_PAGE_MAX; beyond it refused, never lowered to another page. */
static void test_parse_page(void **state)
{
	static const char *const bad[] = {
	    "1000000001", "9223372036854775807", "99999999999999999999", "1e3", "-1", "0", NULL,
	};
	struct paging pg;
	struct paging_refusal why = {NULL, NULL};

	(void)state;
	assert_int_equal(paging_parse("", NULL, PAGING_REFUSE, &pg, &why), 0);
	assert_int_equal(pg.page, 1);
	assert_int_equal(paging_parse("1000000000", "5", PAGING_REFUSE, &pg, &why), 0);
	assert_true(pg.page == PAGING_PAGE_MAX);
	assert_int_equal(pg.limit, 5);
	for (size_t i = 0; bad[i]; i++) {
		why.message = NULL;
		assert_int_equal(paging_parse(bad[i], "5", PAGING_REFUSE, &pg, &why), -1);
		assert_string_equal(why.message, "Invalid page");
	}
	/* Both wrong: the page is named. */
	why.message = NULL;
	assert_int_equal(paging_parse("x", "y", PAGING_REFUSE, &pg, &why), -1);
	assert_string_equal(why.message, "Invalid page");
}

/* The first row of a page: (page - 1) * limit, without overflow at the largest page. */
static void test_offset(void **state)
{
	struct paging pg;
	struct paging_refusal why = {NULL, NULL};

	(void)state;
	pg = (struct paging){.page = 1, .limit = 20};
	assert_true(paging_offset(&pg) == 0);
	pg = (struct paging){.page = 2, .limit = 20};
	assert_true(paging_offset(&pg) == 20);
	pg = (struct paging){.page = 3, .limit = 7};
	assert_true(paging_offset(&pg) == 14);
	assert_int_equal(paging_parse("1000000000", "1000", PAGING_CAP, &pg, &why), 0);
	assert_true(paging_offset(&pg) == 99999999900LL);
	assert_int_equal(paging_parse(NULL, NULL, PAGING_REFUSE, &pg, &why), 0);
	assert_true(paging_offset(&pg) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_page),        cmocka_unit_test(test_number),
	    cmocka_unit_test(test_parse_limit), cmocka_unit_test(test_parse_page),
	    cmocka_unit_test(test_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
