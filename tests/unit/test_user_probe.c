/* Unit tests for lib/db/user_probe.c: parsing the probe's text, taking the column out of rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "db/db.h"
#include "db/user_probe.h"

static struct arena *A;

static int setup(void **state)
{
	(void)state;
	A = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(A);
	A = NULL;
	return 0;
}

/* --- user_probe_parse ------------------------------------------------------------ */

static void test_parse_fields(void **state)
{
	struct user_row u;
	char text[] = "active\x1f"
	              "suspended\x1f"
	              "2023-06-15 10:30:00\x1f"
	              "admin view:tenant\x1f"
	              "Europe/Berlin\x1f"
	              "alice";

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_true(user_probe_parse(A, text, &u));
	assert_string_equal(u.status, "active");
	assert_string_equal(u.tenant_status, "suspended");
	assert_string_equal(u.tokens_valid_after, "2023-06-15 10:30:00");
	assert_string_equal(u.scopes, "admin view:tenant");
	assert_string_equal(u.time_zone, "Europe/Berlin");
	assert_string_equal(u.username, "alice");
	/* The first four are copies into the arena: changing the text leaves them as they were. */
	memset(text, 'x', 6);
	assert_string_equal(u.status, "active");
}

static void test_parse_empty_fields(void **state)
{
	struct user_row u;

	(void)state;
	/* IFNULL(scopes, '') gives an empty field; an empty username is still a username. */
	assert_true(user_probe_parse(A,
	                             "disabled\x1f"
	                             "active\x1f"
	                             "0\x1f\x1f"
	                             "UTC\x1f",
	                             &u));
	assert_string_equal(u.status, "disabled");
	assert_string_equal(u.tenant_status, "active");
	assert_string_equal(u.tokens_valid_after, "0");
	assert_string_equal(u.scopes, "");
	assert_string_equal(u.username, "");
}

static void test_parse_username_keeps_separators(void **state)
{
	struct user_row u;

	(void)state;
	assert_true(user_probe_parse(A,
	                             "active\x1f"
	                             "active\x1f"
	                             "1\x1f"
	                             "view:tenant\x1f"
	                             "UTC\x1f"
	                             "odd\x1fname\x1f",
	                             &u));
	assert_string_equal(u.status, "active");
	assert_string_equal(u.scopes, "view:tenant");
	assert_string_equal(u.username, "odd\x1fname\x1f");
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "active",
	    "active\x1f"
	    "active",
	    "active\x1f"
	    "active\x1f"
	    "0",
	    /* Five fields but no separator before the username. */
	    "active\x1f"
	    "active\x1f"
	    "0\x1f"
	    "view:tenant\x1f"
	    "UTC",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct user_row u;

		assert_false(user_probe_parse(A, bad[i], &u));
	}
}

/* --- user_probe_take ------------------------------------------------------------- */

/* What the fake admit saw, and what it answers. */
struct admit_log {
	int calls;
	const char *text;
	bool text_was_null;
	int answer;
	const char *answer_message;
};

static int fake_admit(void *ctx, const char *text, const char **message)
{
	struct admit_log *log = ctx;

	log->calls++;
	log->text = text;
	log->text_was_null = text == NULL;
	if (log->answer)
		*message = log->answer_message;
	return log->answer;
}

#define PROBE_TEXT                                                                                 \
	"active\x1f"                                                                               \
	"active\x1f"                                                                               \
	"0\x1f"                                                                                    \
	"view:tenant\x1f"                                                                          \
	"u"

/* Up to three rows of columns a (str), _caller (str), b (int), c (time). */
struct rows_case {
	char *cells[12];
	const char *names[4];
	enum db_coltype types[4];
	struct db_rows rows;
	struct admit_log log;
	struct user_probe probe;
};

static void rows_case(struct rows_case *c, size_t nrows, const char *probe_text)
{
	static const char *const vals[3][4] = {
	    {"a1", NULL, "11", "2023-01-01 00:00:01"},
	    {"a2", NULL, "22", NULL},
	    {"a3", NULL, NULL, "2023-01-03 00:00:03"},
	};

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < nrows; i++)
		for (size_t j = 0; j < 4; j++)
			c->cells[i * 4 + j] = (char *)(j == 1 ? probe_text : vals[i][j]);
	c->names[0] = "a";
	c->names[1] = USER_PROBE_LABEL;
	c->names[2] = "b";
	c->names[3] = "c";
	c->types[0] = DB_COL_STR;
	c->types[1] = DB_COL_STR;
	c->types[2] = DB_COL_INT;
	c->types[3] = DB_COL_TIME;
	c->rows = (struct db_rows){nrows, 4, c->cells, c->names, c->types};
	c->probe = (struct user_probe){.user_id = "u-1",
	                               .tenant_id = "t-1",
	                               .admit = fake_admit,
	                               .ctx = &c->log,
	                               .taken = false};
}

/* The column is gone from every row; a, b, c keep their order, types and cells. */
static void assert_column_removed(const struct rows_case *c, size_t nrows)
{
	static const char *const vals[3][3] = {
	    {"a1", "11", "2023-01-01 00:00:01"},
	    {"a2", "22", NULL},
	    {"a3", NULL, "2023-01-03 00:00:03"},
	};

	assert_int_equal(c->rows.nrows, nrows);
	assert_int_equal(c->rows.ncols, 3);
	assert_string_equal(c->rows.colnames[0], "a");
	assert_string_equal(c->rows.colnames[1], "b");
	assert_string_equal(c->rows.colnames[2], "c");
	assert_int_equal(c->rows.coltypes[0], DB_COL_STR);
	assert_int_equal(c->rows.coltypes[1], DB_COL_INT);
	assert_int_equal(c->rows.coltypes[2], DB_COL_TIME);
	assert_int_equal(db_col(&c->rows, USER_PROBE_LABEL), -1);
	for (size_t i = 0; i < nrows; i++)
		for (size_t j = 0; j < 3; j++) {
			if (vals[i][j])
				assert_string_equal(db_cell(&c->rows, i, j), vals[i][j]);
			else
				assert_null(db_cell(&c->rows, i, j));
		}
}

static void test_take_admits_once_with_text(void **state)
{
	struct rows_case c;
	const char *msg = NULL;

	(void)state;
	rows_case(&c, 3, PROBE_TEXT);
	assert_int_equal(user_probe_take(&c.probe, &c.rows, &msg), 0);
	assert_int_equal(c.log.calls, 1);
	assert_string_equal(c.log.text, PROBE_TEXT);
	assert_true(c.probe.taken);
	assert_null(msg);
	assert_column_removed(&c, 3);
}

static void test_take_null_text(void **state)
{
	struct rows_case c;
	const char *msg = NULL;

	(void)state;
	/* No such user: the column is SQL NULL and admit decides what that means. */
	rows_case(&c, 2, NULL);
	c.log.answer = 401;
	c.log.answer_message = "Invalid token";
	assert_int_equal(user_probe_take(&c.probe, &c.rows, &msg), 401);
	assert_string_equal(msg, "Invalid token");
	assert_int_equal(c.log.calls, 1);
	assert_true(c.log.text_was_null);
	assert_true(c.probe.taken);
	assert_column_removed(&c, 2);
}

static void test_take_refusal(void **state)
{
	struct rows_case c;
	const char *msg = NULL;

	(void)state;
	rows_case(&c, 1, PROBE_TEXT);
	c.log.answer = 403;
	c.log.answer_message = "Insufficient permissions";
	assert_int_equal(user_probe_take(&c.probe, &c.rows, &msg), 403);
	assert_string_equal(msg, "Insufficient permissions");
	assert_int_equal(c.log.calls, 1);
	assert_string_equal(c.log.text, PROBE_TEXT);
	assert_true(c.probe.taken);
	assert_column_removed(&c, 1);
}

static void test_take_no_row(void **state)
{
	struct rows_case c;
	const char *msg = NULL;

	(void)state;
	/* Nothing was read: the probe is left to the frame. */
	rows_case(&c, 0, PROBE_TEXT);
	c.log.answer = 401;
	c.log.answer_message = "User disabled";
	assert_int_equal(user_probe_take(&c.probe, &c.rows, &msg), 0);
	assert_null(msg);
	assert_int_equal(c.log.calls, 0);
	assert_false(c.probe.taken);
	assert_column_removed(&c, 0);
}

static void test_take_null_probe(void **state)
{
	struct rows_case c;
	const char *msg = NULL;

	(void)state;
	rows_case(&c, 2, PROBE_TEXT);
	assert_int_equal(user_probe_take(NULL, &c.rows, &msg), 0);
	assert_null(msg);
	assert_int_equal(c.log.calls, 0);
	assert_column_removed(&c, 2);
}

static void test_take_taken_probe_not_admitted_twice(void **state)
{
	struct rows_case c, second;
	const char *msg = NULL;

	(void)state;
	rows_case(&c, 1, PROBE_TEXT);
	assert_int_equal(user_probe_take(&c.probe, &c.rows, &msg), 0);
	assert_int_equal(c.log.calls, 1);

	/* A second statement of the same request carries the column again. */
	rows_case(&second, 2, PROBE_TEXT);
	second.log.answer = 401;
	second.log.answer_message = "User disabled";
	assert_int_equal(user_probe_take(&c.probe, &second.rows, &msg), 0);
	assert_null(msg);
	assert_int_equal(c.log.calls, 1);
	assert_int_equal(second.log.calls, 0);
	assert_true(c.probe.taken);
	assert_column_removed(&second, 2);

	/* A probe marked taken before any statement is not admitted either. */
	rows_case(&second, 1, PROBE_TEXT);
	second.probe.taken = true;
	assert_int_equal(user_probe_take(&second.probe, &second.rows, &msg), 0);
	assert_int_equal(second.log.calls, 0);
	assert_column_removed(&second, 1);
}

static void test_take_rows_without_column(void **state)
{
	char *cells[] = {"x1", "1", "x2", NULL};
	const char *names[] = {"x", "y"};
	enum db_coltype types[] = {DB_COL_STR, DB_COL_INT};
	struct db_rows rows = {2, 2, cells, names, types};
	struct admit_log log = {0};
	struct user_probe probe = {
	    .user_id = "u-1", .tenant_id = "t-1", .admit = fake_admit, .ctx = &log};
	const char *msg = NULL;

	(void)state;
	assert_int_equal(user_probe_take(&probe, &rows, &msg), 0);
	assert_null(msg);
	assert_int_equal(log.calls, 0);
	assert_false(probe.taken);
	assert_int_equal(rows.nrows, 2);
	assert_int_equal(rows.ncols, 2);
	assert_string_equal(rows.colnames[0], "x");
	assert_string_equal(rows.colnames[1], "y");
	assert_int_equal(rows.coltypes[1], DB_COL_INT);
	assert_string_equal(db_cell(&rows, 0, 0), "x1");
	assert_string_equal(db_cell(&rows, 0, 1), "1");
	assert_string_equal(db_cell(&rows, 1, 0), "x2");
	assert_null(db_cell(&rows, 1, 1));
}

static void test_take_column_first_and_last(void **state)
{
	char *first_cells[] = {PROBE_TEXT, "p1", "q1"};
	const char *first_names[] = {USER_PROBE_LABEL, "p", "q"};
	enum db_coltype first_types[] = {DB_COL_STR, DB_COL_DEC, DB_COL_INT};
	struct db_rows first = {1, 3, first_cells, first_names, first_types};
	char *last_cells[] = {"p1", PROBE_TEXT, "p2", NULL};
	const char *last_names[] = {"p", USER_PROBE_LABEL};
	enum db_coltype last_types[] = {DB_COL_TIME, DB_COL_STR};
	struct db_rows last = {2, 2, last_cells, last_names, last_types};
	struct admit_log log = {0};
	struct user_probe probe = {.admit = fake_admit, .ctx = &log};
	const char *msg = NULL;

	(void)state;
	assert_int_equal(user_probe_take(&probe, &first, &msg), 0);
	assert_int_equal(log.calls, 1);
	assert_string_equal(log.text, PROBE_TEXT);
	assert_int_equal(first.ncols, 2);
	assert_string_equal(first.colnames[0], "p");
	assert_string_equal(first.colnames[1], "q");
	assert_int_equal(first.coltypes[0], DB_COL_DEC);
	assert_int_equal(first.coltypes[1], DB_COL_INT);
	assert_string_equal(db_cell(&first, 0, 0), "p1");
	assert_string_equal(db_cell(&first, 0, 1), "q1");

	/* The text is row 0's, even when a later row's cell differs. */
	probe.taken = false;
	log = (struct admit_log){0};
	assert_int_equal(user_probe_take(&probe, &last, &msg), 0);
	assert_int_equal(log.calls, 1);
	assert_string_equal(log.text, PROBE_TEXT);
	assert_int_equal(last.ncols, 1);
	assert_string_equal(last.colnames[0], "p");
	assert_int_equal(last.coltypes[0], DB_COL_TIME);
	assert_string_equal(db_cell(&last, 0, 0), "p1");
	assert_string_equal(db_cell(&last, 1, 0), "p2");
}

/* A statement carries the column while the probe is there and not taken. */
static void test_pending(void **state)
{
	struct user_probe p = {0};

	(void)state;
	assert_null(user_probe_pending(NULL));
	assert_ptr_equal(user_probe_pending(&p), &p);
	p.taken = true;
	assert_null(user_probe_pending(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_parse_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_empty_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_username_keeps_separators, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_malformed, setup, teardown),
	    cmocka_unit_test(test_take_admits_once_with_text),
	    cmocka_unit_test(test_take_null_text),
	    cmocka_unit_test(test_take_refusal),
	    cmocka_unit_test(test_take_no_row),
	    cmocka_unit_test(test_take_null_probe),
	    cmocka_unit_test(test_take_taken_probe_not_admitted_twice),
	    cmocka_unit_test(test_take_rows_without_column),
	    cmocka_unit_test(test_take_column_first_and_last),
	    cmocka_unit_test(test_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
