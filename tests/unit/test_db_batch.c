/*
 * Unit tests for lib/db/db_batch.c: the JSON text of rows, and (against a live MariaDB,
 * STOCKTAKE_TEST_DB_SOCKET, else skipped) rows read back by JSON_TABLE as they were given,
 * escapes and NULLs included, in one statement for any number of rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_batch.h"
#include "unit_db.h"

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	if (unit_db_connect() != 0)
		return 0;
	have_db = db_exec(arena, NULL,
	                  "CREATE TEMPORARY TABLE batch_test (id INT NOT NULL PRIMARY KEY,"
	                  " v VARCHAR(40) NULL)",
	                  NULL) == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	db_close();
	arena_free(arena);
	return 0;
}

static void test_json_text(void **state)
{
	struct db_param rows[] = {DBP_I(1),    DBP_S("a\"b\\c\n"), DBP_I(-2),
	                          DBP_S(NULL), DBP_I(3),           DBP_NULL};
	struct db_param one[] = {DBP_S("x"), DBP_S("\x01")};

	(void)state;
	arena_reset(arena);
	assert_string_equal(db_batch_json(arena, rows, 3, 2),
	                    "[[1,\"a\\\"b\\\\c\\n\"],[-2,null],[3,null]]");
	assert_string_equal(db_batch_json(arena, one, 2, 1), "[\"x\",\"\\u0001\"]");
	assert_string_equal(db_batch_json(arena, rows, 0, 2), "[]");
}

#define INSERT_JSON                                                                                \
	"INSERT INTO batch_test (id, v) SELECT j.id, j.v FROM JSON_TABLE(?, '$[*]' COLUMNS"        \
	" (id INT PATH '$[0]', v VARCHAR(40) PATH '$[1]')) j"

/* n rows (id i + 1, text odd: quotes, backslashes, tabs, non-ASCII; every fifth NULL) in one go. */
static void test_rows_read_back_as_given(void **state)
{
	static const size_t counts[] = {1, 2, 64, 65, 1000};

	(void)state;
	if (!have_db)
		skip();
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];
		struct db_param *p;
		unsigned long before;
		struct db_rows rows;

		arena_reset(arena);
		p = arena_alloc(arena, 2 * n * sizeof(*p));
		for (size_t i = 0; i < n; i++) {
			p[2 * i] = DBP_I((long long)i + 1);
			p[2 * i + 1] =
			    i % 5 == 4 ? DBP_NULL
			               : DBP_S(arena_sprintf(arena, "v\"%zu\\\t\xc3\xa9/'", i + 1));
		}
		assert_int_equal(db_exec(arena, NULL, "DELETE FROM batch_test", NULL), 0);
		before = db_statement_count();
		assert_int_equal(
		    db_exec(arena, NULL, INSERT_JSON, "s", db_batch_json(arena, p, n, 2)), 0);
		assert_int_equal(db_statement_count() - before, 1);
		assert_int_equal(db_affected_rows(), n);
		assert_int_equal(
		    db_exec(arena, &rows, "SELECT id, v FROM batch_test ORDER BY id", NULL), 0);
		assert_int_equal(rows.nrows, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(strtoll(db_cell(&rows, i, 0), NULL, 10), (long long)i + 1);
			if (i % 5 == 4)
				assert_null(db_cell(&rows, i, 1));
			else
				assert_string_equal(db_cell(&rows, i, 1), p[2 * i + 1].s);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_text),
	    cmocka_unit_test(test_rows_read_back_as_given),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
