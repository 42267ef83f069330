/*
 * Unit tests for lib/db/db_batch.c: statement sizes and texts, and (against a live MariaDB,
 * STOCKTAKE_TEST_DB_SOCKET, else skipped) exact inserts and padded lookups of row counts around
 * the sizes, on a temporary table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_batch.h"
#include "unit_db.h"

#define ROWS_MAX 200

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
	                  " v VARCHAR(20) NOT NULL)",
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

/* Padded statements carry 8, 16, 32 or 64 rows; exact ones the binary digits of the count. */
static void test_statement_sizes(void **state)
{
	static const struct {
		size_t n, padded, exact;
	} cases[] = {
	    {1, 8, 1},
	    {2, 8, 2},
	    {3, 8, 2},
	    {8, 8, 8},
	    {9, 16, 8},
	    {16, 16, 16},
	    {17, 32, 16},
	    {33, 64, 32},
	    {50, 64, 32},
	    {63, 64, 32},
	    {64, 64, 64},
	    /* Never more than a statement carries: db_batch_exec splits before that. */
	    {65, 64, 64},
	    {1000, 64, 64},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(db_batch_rows(cases[i].n), cases[i].padded);
		assert_int_equal(db_batch_exact_rows(cases[i].n), cases[i].exact);
	}
}

static void test_sql_repeats_the_row(void **state)
{
	(void)state;
	arena_reset(arena);
	assert_string_equal(db_batch_sql(arena, "INSERT INTO t VALUES ", "(?, ?)", ", ", 3, ""),
	                    "INSERT INTO t VALUES (?, ?), (?, ?), (?, ?)");
	assert_string_equal(db_batch_sql(arena, "(", "?", ", ", 1, ")"), "(?)");
}

/* Inserts rows 1..n ("v<id>") in batches. */
static void insert_rows(size_t n)
{
	static const struct db_batch insert = {.head = "INSERT INTO batch_test (id, v) VALUES ",
	                                       .row = "(?, ?)",
	                                       .sep = ", ",
	                                       .tail = "",
	                                       .width = 2,
	                                       .exact = true};
	struct db_param *p = arena_alloc(arena, 2 * n * sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		p[2 * i] = DBP_I((long long)i + 1);
		p[2 * i + 1] = DBP_S(arena_sprintf(arena, "v%zu", i + 1));
	}
	assert_int_equal(db_exec(arena, NULL, "DELETE FROM batch_test", NULL), 0);
	assert_int_equal(db_batch_exec(arena, &insert, p, n, NULL, NULL), 0);
}

struct seen {
	size_t statements;
	bool found[ROWS_MAX + 2];
};

static int collect(void *ctx, const struct db_rows *rows)
{
	struct seen *s = ctx;

	s->statements++;
	for (size_t r = 0; r < rows->nrows; r++) {
		long long id = strtoll(db_cell(rows, r, 0), NULL, 10);

		assert_in_range(id, 1, ROWS_MAX);
		assert_string_equal(db_cell(rows, r, 1), arena_sprintf(arena, "v%lld", id));
		s->found[id] = true;
	}
	return 0;
}

static void test_insert_and_look_up_around_the_sizes(void **state)
{
	static const size_t counts[] = {1, 7, 8, 9, 63, 64, 65, 130, ROWS_MAX};
	struct db_param tail[] = {DBP_S("v%")};
	const struct db_batch lookup = {.head = "SELECT id, v FROM batch_test WHERE id IN (",
	                                .row = "?",
	                                .sep = ", ",
	                                .tail = ") AND v LIKE ?",
	                                .width = 1,
	                                .tail_params = tail,
	                                .ntail = 1};

	(void)state;
	if (!have_db)
		skip();
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];
		struct db_param *keys;
		struct seen seen = {0};
		struct db_rows rows;

		arena_reset(arena);
		insert_rows(n);
		/* Every row went in once (a repeated row would be a duplicate key). */
		assert_int_equal(
		    db_exec(arena, &rows, "SELECT COUNT(*), SUM(id) FROM batch_test", NULL), 0);
		assert_int_equal(strtoll(db_cell(&rows, 0, 0), NULL, 10), n);
		assert_int_equal(strtoll(db_cell(&rows, 0, 1), NULL, 10), n * (n + 1) / 2);
		/* Look every row up, and one that is not there. */
		keys = arena_alloc(arena, (n + 1) * sizeof(*keys));
		for (size_t i = 0; i <= n; i++)
			keys[i] = DBP_I((long long)i + 1);
		assert_int_equal(db_batch_exec(arena, &lookup, keys, n + 1, collect, &seen), 0);
		assert_int_equal(seen.statements, (n + 1 + DB_BATCH_MAX - 1) / DB_BATCH_MAX);
		for (size_t id = 1; id <= n + 1; id++)
			assert_int_equal(seen.found[id], id <= n);
	}
}

static int stop(void *ctx, const struct db_rows *rows)
{
	(void)rows;
	(*(size_t *)ctx)++;
	return -1;
}

static void test_callback_stops(void **state)
{
	const struct db_batch lookup = {.head = "SELECT id FROM batch_test WHERE id IN (",
	                                .row = "?",
	                                .sep = ", ",
	                                .tail = ")",
	                                .width = 1};
	struct db_param keys[DB_BATCH_MAX + 1];
	size_t calls = 0;

	(void)state;
	if (!have_db)
		skip();
	arena_reset(arena);
	for (size_t i = 0; i < DB_BATCH_MAX + 1; i++)
		keys[i] = DBP_I((long long)i);
	assert_int_equal(db_batch_exec(arena, &lookup, keys, DB_BATCH_MAX + 1, stop, &calls), -1);
	assert_int_equal(calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_statement_sizes),
	    cmocka_unit_test(test_sql_repeats_the_row),
	    cmocka_unit_test(test_insert_and_look_up_around_the_sizes),
	    cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
