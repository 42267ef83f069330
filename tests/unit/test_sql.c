/* Unit tests for lib/db/sql.c: statement text with its parameters, LIKE patterns, running it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mysql.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "db/db.h"
#include "db/sql.h"
#include "unit_db.h"

struct fixture {
	struct arena *a;
};

static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	log_set_level(LOGL_ERROR);
	/* Only sql_exec needs a server, and only SELECTs of expressions: any database will do. */
	have_db = unit_db_connect() == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_close();
	mysql_library_end();
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof *fx);

	fx->a = arena_new(4096);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	arena_free(fx->a);
	test_free(fx);
	return 0;
}

static void test_like(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(sql_like_pattern(fx->a, "abc"), "%abc%");
	assert_string_equal(sql_like_pattern(fx->a, ""), "%%");
	assert_string_equal(sql_like_pattern(fx->a, "50%_off!"), "%50!%!_off!!%");
}

static void test_sql_params_grow(void **state)
{
	struct fixture *fx = *state;
	struct sql q;

	sql_init(&q, fx->a);
	for (long long i = 0; i < 50; i++)
		sql_addp(&q, "?", DBP_I(i));
	assert_int_equal(q.n, 50);
	assert_int_equal(q.params[0].i, 0);
	assert_int_equal(q.params[49].i, 49);
	assert_int_equal(strlen(buf_cstr(&q.text)), 50);
	sql_release(&q);
}

/* Each escape character alone, doubled, and text that needs none (UTF-8 passes as it is). */
static void test_like_edges(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(sql_like_pattern(fx->a, "!"), "%!!%");
	assert_string_equal(sql_like_pattern(fx->a, "%"), "%!%%");
	assert_string_equal(sql_like_pattern(fx->a, "_"), "%!_%");
	assert_string_equal(sql_like_pattern(fx->a, "%%__!!"), "%!%!%!_!_!!!!%");
	assert_string_equal(sql_like_pattern(fx->a, "caf\xc3\xa9 'x'"), "%caf\xc3\xa9 'x'%");
	/* Backslash is not the escape character here, so it stays one byte. */
	assert_string_equal(sql_like_pattern(fx->a, "a\\b"), "%a\\b%");
}

/* Text and parameters stay in step: sql_param, sql_addp and sql_addv in any mix. */
static void test_build(void **state)
{
	struct fixture *fx = *state;
	const struct db_param three[] = {DBP_S("a"), DBP_I(-2), DBP_NULL};
	struct sql q;

	sql_init(&q, fx->a);
	assert_string_equal(buf_cstr(&q.text), "");
	assert_int_equal(q.n, 0);
	assert_ptr_equal(q.a, fx->a);
	buf_puts(&q.text, "SELECT * FROM t WHERE tenant_id = ?");
	sql_param(&q, DBP_S("tenant"));
	sql_addp(&q, " AND n > ?", DBP_I(5));
	sql_addv(&q, " AND (a = ? OR b = ? OR c <=> ?)", three, 3);
	sql_addv(&q, " ORDER BY id", NULL, 0);
	sql_addp(&q, " LIMIT ?", DBP_I(20));
	assert_string_equal(buf_cstr(&q.text), "SELECT * FROM t WHERE tenant_id = ? AND n > ?"
	                                       " AND (a = ? OR b = ? OR c <=> ?) ORDER BY id"
	                                       " LIMIT ?");
	assert_int_equal(q.n, 6);
	assert_int_equal(q.params[0].type, 's');
	assert_string_equal(q.params[0].s, "tenant");
	assert_int_equal(q.params[1].type, 'i');
	assert_int_equal(q.params[1].i, 5);
	assert_string_equal(q.params[2].s, "a");
	assert_int_equal(q.params[3].i, -2);
	assert_int_equal(q.params[4].type, 'n');
	assert_int_equal(q.params[5].i, 20);
	sql_release(&q);

	/* Released, it can be built again from nothing. */
	sql_init(&q, fx->a);
	sql_addp(&q, "SELECT ?", DBP_S(NULL));
	assert_string_equal(buf_cstr(&q.text), "SELECT ?");
	assert_int_equal(q.n, 1);
	assert_null(q.params[0].s);
	sql_release(&q);
}

/* A grown parameter list keeps what it held before each growth (at 8, 16, 32, 64). */
static void test_params_keep_order(void **state)
{
	struct fixture *fx = *state;
	struct sql q;

	sql_init(&q, fx->a);
	for (long long i = 0; i < 65; i++) {
		sql_param(&q, DBP_I(i * 3));
		assert_true(q.cap >= q.n);
	}
	assert_int_equal(q.n, 65);
	for (size_t i = 0; i < q.n; i++)
		assert_int_equal(q.params[i].i, (long long)i * 3);
	assert_string_equal(buf_cstr(&q.text), "");
	sql_release(&q);
}

/* sql_exec binds the parameters in order; the LIKE pattern matches literally in MariaDB. */
static void test_exec(void **state)
{
	struct fixture *fx = *state;
	struct db_rows rows;
	struct sql q;

	if (!have_db)
		skip();
	sql_init(&q, fx->a);
	sql_addp(&q, "SELECT ? + 1 AS n", DBP_I(41));
	sql_addp(&q, ", CONCAT('<', ?, '>') AS s", DBP_S("x'y"));
	sql_addp(&q, ", ? IS NULL AS z", DBP_NULL);
	sql_addp(&q, ", 'a_b 50%' LIKE ? ESCAPE '!' AS lit",
	         DBP_S(sql_like_pattern(fx->a, "_b 50%")));
	sql_addp(&q, ", 'axb 500' LIKE ? ESCAPE '!' AS wild",
	         DBP_S(sql_like_pattern(fx->a, "_b 50%")));
	sql_addp(&q, ", 'a!b' LIKE ? ESCAPE '!' AS bang", DBP_S(sql_like_pattern(fx->a, "!")));
	assert_int_equal(sql_exec(&q, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_int_equal(rows.ncols, 6);
	assert_string_equal(db_cell(&rows, 0, 0), "42");
	assert_string_equal(db_cell(&rows, 0, 1), "<x'y>");
	assert_string_equal(db_cell(&rows, 0, 2), "1");
	assert_string_equal(db_cell(&rows, 0, 3), "1");
	assert_string_equal(db_cell(&rows, 0, 4), "0");
	assert_string_equal(db_cell(&rows, 0, 5), "1");
	sql_release(&q);

	/* No rows wanted, and a statement the server refuses. */
	sql_init(&q, fx->a);
	sql_addp(&q, "DO ?", DBP_I(1));
	assert_int_equal(sql_exec(&q, NULL), 0);
	sql_release(&q);
	sql_init(&q, fx->a);
	sql_addp(&q, "SELEKT ?", DBP_I(1));
	assert_int_equal(sql_exec(&q, &rows), -1);
	assert_int_equal(db_errno(), 1064);
	sql_release(&q);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_like),  T(test_sql_params_grow),   T(test_like_edges),
	    T(test_build), T(test_params_keep_order), T(test_exec),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
