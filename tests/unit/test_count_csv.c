/* Unit tests for count/count_csv.c: records, quoting, line numbers, header detection, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "count/count_csv.h"

static struct arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	return 0;
}

static long parse(const char *text, struct count_csv_row **rows, size_t *bad, const char **msg)
{
	*bad = 0;
	*msg = NULL;
	return count_csv_parse(arena, text, strlen(text), rows, bad, msg);
}

static void test_plain_rows(void **state)
{
	struct count_csv_row *rows;
	size_t bad;
	const char *msg;

	(void)state;
	assert_int_equal(parse("A-01,SKU-1,5\nB-01, SKU-2 ,7,LOT-1\n", &rows, &bad, &msg), 2);
	assert_int_equal(rows[0].line, 1);
	assert_int_equal(rows[0].nfields, 3);
	assert_string_equal(rows[0].fields[0], "A-01");
	assert_string_equal(rows[0].fields[2], "5");
	assert_int_equal(rows[1].line, 2);
	assert_int_equal(rows[1].nfields, 4);
	assert_string_equal(rows[1].fields[1], "SKU-2");
	assert_string_equal(rows[1].fields[3], "LOT-1");
}

static void test_crlf_blank_lines_bom_and_no_final_newline(void **state)
{
	struct count_csv_row *rows;
	size_t bad;
	const char *msg;

	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBF"
	                       "a,b,1\r\n\r\n\nc,d,2",
	                       &rows, &bad, &msg),
	                 2);
	assert_string_equal(rows[0].fields[0], "a");
	assert_string_equal(rows[0].fields[2], "1");
	assert_int_equal(rows[1].line, 4);
	assert_string_equal(rows[1].fields[2], "2");
	assert_int_equal(parse("", &rows, &bad, &msg), 0);
	assert_int_equal(parse("\n\n", &rows, &bad, &msg), 0);
}

static void test_quoted_fields(void **state)
{
	struct count_csv_row *rows;
	size_t bad;
	const char *msg;

	(void)state;
	assert_int_equal(parse("\"A,1\",\"say \"\"hi\"\"\",3\n\"multi\nline\",x,4\nlast,y,5\n",
	                       &rows, &bad, &msg),
	                 3);
	assert_string_equal(rows[0].fields[0], "A,1");
	assert_string_equal(rows[0].fields[1], "say \"hi\"");
	assert_string_equal(rows[1].fields[0], "multi\nline");
	assert_int_equal(rows[1].line, 2);
	/* The record after a quoted line break starts on line 4. */
	assert_int_equal(rows[2].line, 4);
	assert_int_equal(parse("\"\",b,1\n", &rows, &bad, &msg), 1);
	assert_string_equal(rows[0].fields[0], "");
	assert_int_equal(parse("a,,1,\n", &rows, &bad, &msg), 1);
	assert_int_equal(rows[0].nfields, 4);
	assert_string_equal(rows[0].fields[1], "");
	assert_string_equal(rows[0].fields[3], "");
}

static void test_malformed(void **state)
{
	struct count_csv_row *rows;
	size_t bad;
	const char *msg;

	(void)state;
	assert_int_equal(parse("a,b,1\n\"open,b,2\n", &rows, &bad, &msg), -1);
	assert_int_equal(bad, 2);
	assert_string_equal(msg, "Unterminated quoted field");
	assert_int_equal(parse("a,b,1\nc,d,2\n\"x\"y,b,3\n", &rows, &bad, &msg), -1);
	assert_int_equal(bad, 3);
	assert_string_equal(msg, "Text after a closing quote");
	assert_int_equal(count_csv_parse(arena, "a,\0,1", 5, &rows, &bad, &msg), -1);
	assert_string_equal(msg, "NUL byte in CSV");
}

static void test_header(void **state)
{
	struct count_csv_row *rows;
	size_t bad;
	const char *msg;

	(void)state;
	assert_int_equal(parse("Bin,SKU,counted_qt,lot\nA,B,1\n", &rows, &bad, &msg), 2);
	assert_true(count_csv_is_header(&rows[0]));
	assert_false(count_csv_is_header(&rows[1]));
	assert_int_equal(parse("bin_code,sku,qty\n", &rows, &bad, &msg), 1);
	assert_true(count_csv_is_header(&rows[0]));
	assert_int_equal(parse("BIN-001,sku,qty\n", &rows, &bad, &msg), 1);
	assert_false(count_csv_is_header(&rows[0]));
	assert_false(count_csv_is_header(NULL));
}

/* An import's rows: header dropped, the API's refusals for bad text, no rows and too many. */
static void test_import_rows(void **state)
{
	const struct count_csv_row *rows;
	struct count_result res = {0};
	size_t n = 0;
	char *big;

	(void)state;
	assert_int_equal(
	    count_csv_import_rows(arena, "bin,sku,counted_qt\nA,S,1\nB,S,2\n", 31, &rows, &n, &res),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].line, 2);
	assert_string_equal(rows[1].fields[0], "B");
	assert_int_equal(count_csv_import_rows(arena, "A,\"S\n", 5, &rows, &n, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, "Invalid CSV");
	assert_non_null(strstr(res.detail, "line 1: "));
	assert_int_equal(count_csv_import_rows(arena, "bin,sku\n\n", 9, &rows, &n, &res),
	                 COUNT_REFUSED);
	assert_string_equal(res.message, "No rows to import");
	big = arena_alloc(arena, (COUNT_IMPORT_ROWS_MAX + 1) * 4 + 1);
	for (int i = 0; i <= COUNT_IMPORT_ROWS_MAX; i++)
		memcpy(big + i * 4, "a,b\n", 4);
	assert_int_equal(
	    count_csv_import_rows(arena, big, (COUNT_IMPORT_ROWS_MAX + 1) * 4, &rows, &n, &res),
	    COUNT_REFUSED);
	assert_string_equal(res.message, "Too many rows");
	assert_string_equal(res.detail, "at most 5000 rows per import");
	assert_int_equal(
	    count_csv_import_rows(arena, big, COUNT_IMPORT_ROWS_MAX * 4, &rows, &n, &res), 0);
	assert_int_equal(n, COUNT_IMPORT_ROWS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_rows),
	    cmocka_unit_test(test_crlf_blank_lines_bom_and_no_final_newline),
	    cmocka_unit_test(test_quoted_fields),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_import_rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
