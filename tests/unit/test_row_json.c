/* Unit tests for lib/web/row_json.c: rows as JSON objects and as text, against a live MariaDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <json.h>
#include <mysql.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "db/db.h"
#include "unit_db.h"
#include "web/row_json.h"

static struct arena *arena;
static bool have_db;

/* Every case starts with this: no server configured means nothing to test against. */
#define NEED_DB()                                                                                  \
	do {                                                                                       \
		if (!have_db)                                                                      \
			skip();                                                                    \
		arena_reset(arena);                                                                \
	} while (0)

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_WARN);
	/* The cases only SELECT expressions: any database of the server will do. */
	have_db = unit_db_connect() == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_close();
	arena_free(arena);
	mysql_library_end();
	return 0;
}

static void test_row_json(void **state)
{
	struct db_rows rows;
	json_object *o;

	NEED_DB();
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT 'x1' AS id, CAST(? AS SIGNED) AS quantity,"
	            " CAST('2023-06-15 10:30:00.250000' AS DATETIME(6)) AS `timestamp`,"
	            " CAST('2023-06-15' AS DATE) AS day, CAST(1.5 AS DECIMAL(5,2)) AS price,"
	            " NULL AS notes, 'w1' AS `warehouse.id`, 'Main' AS `warehouse.name`,"
	            " NULL AS `warehouse.address`, NULL AS `from_bin.id`, NULL AS `from_bin.code`,"
	            " 'b' AS `a.b.c`, NULL AS `z.y.x`",
	            "i", 40LL),
	    0);
	o = row_json(&rows, 0);
	assert_string_equal(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"x1\",\"quantity\":40,\"timestamp\":\"2023-06-15T10:30:00Z\","
	    "\"day\":\"2023-06-15T00:00:00Z\",\"price\":\"1.50\",\"notes\":null,"
	    "\"warehouse\":{\"id\":\"w1\",\"name\":\"Main\",\"address\":null},\"from_bin\":null,"
	    "\"a\":{\"b\":{\"c\":\"b\"}},\"z\":null}");
	json_object_put(o);

	/* An all-NULL row is still an object. */
	assert_int_equal(db_exec(arena, &rows, "SELECT NULL AS a, NULL AS `b.c`", ""), 0);
	o = row_json(&rows, 0);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"a\":null,\"b\":null}");
	json_object_put(o);
}

/* row_json_write must write exactly what json-c makes of row_json. */
static void test_row_json_write(void **state)
{
	static const char *const queries[] = {
	    "SELECT 'x1' AS id, CAST(-40 AS SIGNED) AS quantity,"
	    " CAST('2023-06-15 10:30:00.250000' AS DATETIME(6)) AS `timestamp`,"
	    " CAST('2023-06-15' AS DATE) AS day, CAST(1.5 AS DECIMAL(5,2)) AS price,"
	    " NULL AS notes, 'w1' AS `warehouse.id`, 'Main' AS `warehouse.name`,"
	    " NULL AS `from_bin.id`, NULL AS `from_bin.code`, 'x' AS after,"
	    " 'late' AS `warehouse.code`, 'b' AS `a.b.c`, NULL AS `z.y.x`,"
	    " 3 AS `.dot`, 4 AS `end.`",
	    "SELECT CONCAT('q\"b\\\\s/', CHAR(8), CHAR(9), CHAR(10), CHAR(12), CHAR(13), CHAR(1),"
	    " CHAR(31), ' \xc3\xa9 \xe2\x82\xac') AS `k\"ey`, '' AS `e.mpty`",
	    "SELECT NULL AS a, NULL AS `b.c`",
	};
	struct db_rows rows;
	struct buf b;

	NEED_DB();
	buf_init(&b);
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		json_object *o;

		assert_int_equal(db_exec(arena, &rows, queries[q], ""), 0);
		o = row_json(&rows, 0);
		buf_reset(&b);
		row_json_write(&b, &rows, 0, arena);
		assert_string_equal(
		    buf_cstr(&b), json_object_to_json_string_ext(
		                      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	buf_release(&b);
}

/* One shape serves every row of a result: rows whose nested groups are null in some rows only. */
static void test_row_json_put_many_rows(void **state)
{
	static const char query[] =
	    "SELECT 'a' AS id, CAST(9223372036854775807 AS SIGNED) AS n, 'w' AS `w.id`,"
	    " NULL AS `w.name`, NULL AS `b.id`"
	    " UNION ALL SELECT 'b', CAST(-7 AS SIGNED), NULL, NULL, 'b1'"
	    " UNION ALL SELECT NULL, CAST(0 AS SIGNED), NULL, 'x\ty', NULL";
	const struct row_json_shape *shape;
	struct db_rows rows;
	struct buf b;

	NEED_DB();
	buf_init(&b);
	assert_int_equal(db_exec(arena, &rows, query, ""), 0);
	assert_int_equal(rows.nrows, 3);
	shape = row_json_shape(&rows, arena);
	for (size_t i = 0; i < rows.nrows; i++) {
		json_object *o = row_json(&rows, i);

		buf_reset(&b);
		row_json_put(&b, shape, &rows, i, arena);
		assert_string_equal(
		    buf_cstr(&b), json_object_to_json_string_ext(
		                      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	buf_reset(&b);
	row_json_put(&b, shape, &rows, 3, arena);
	assert_string_equal(buf_cstr(&b), "{}");
	buf_release(&b);
}

/* The JSON value at a dotted label of a row_json object, as text (NULL for null/missing). */
static const char *json_text_at(json_object *o, const char *label)
{
	char key[128];
	const char *dot;

	while ((dot = strchr(label, '.')) != NULL && dot != label && dot[1]) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - label), label);
		if (!json_object_object_get_ex(o, key, &o) || !o)
			return NULL;
		label = dot + 1;
	}
	if (!json_object_object_get_ex(o, label, &o) || !o)
		return NULL;
	return json_object_get_string(o);
}

/* db_cell_text gives every cell's text as row_json shows it, without json-c. */
static void test_cell_text(void **state)
{
	static const char *const queries[] = {
	    "SELECT 'x1' AS id, CAST(-40 AS SIGNED) AS quantity, 0 AS zero, CAST(-0 AS SIGNED) AS "
	    "mz,"
	    " 9223372036854775807 AS big, CAST(18446744073709551615 AS UNSIGNED) AS huge,"
	    " CAST('2023-06-15 10:30:00.250000' AS DATETIME(6)) AS `timestamp`,"
	    " CAST('2023-06-15 10:30:00' AS DATETIME) AS whole,"
	    " CAST('2023-06-15' AS DATE) AS day, CAST(1.5 AS DECIMAL(5,2)) AS price,"
	    " NULL AS notes, 'w1' AS `warehouse.id`, NULL AS `from_bin.id`, NULL AS "
	    "`from_bin.code`,"
	    " 'b' AS `a.b.c`, ' 7' AS padded",
	};
	struct db_rows rows;

	NEED_DB();
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		json_object *o;

		assert_int_equal(db_exec(arena, &rows, queries[q], ""), 0);
		o = row_json(&rows, 0);
		for (size_t c = 0; c < rows.ncols; c++) {
			const char *want = json_text_at(o, rows.colnames[c]);
			const char *got = db_cell_text(arena, &rows, 0, c);

			if (!want)
				assert_null(got);
			else
				assert_string_equal(got, want);
		}
		json_object_put(o);
	}
}

/* Computed columns (db_rows_add_cols) appear in the JSON like any other: null until set. */
static void test_row_json_added_cols(void **state)
{
	static const char *const names[] = {"label", "other.x", NULL};
	struct db_rows rows;
	json_object *o;
	size_t c;

	NEED_DB();
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT 1 AS n, 'a' AS s UNION ALL SELECT 2, NULL ORDER BY n", ""),
	                 0);
	c = db_rows_add_cols(arena, &rows, names);
	assert_int_equal(c, 2);
	db_set_cell(&rows, 0, c, "first");
	db_set_cell(&rows, 1, c + 1, "second");
	o = row_json(&rows, 1);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"n\":2,\"s\":null,\"label\":null,\"other\":{\"x\":\"second\"}}");
	json_object_put(o);
	o = row_json(&rows, 0);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"n\":1,\"s\":\"a\",\"label\":\"first\",\"other\":null}");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_row_json),
	    cmocka_unit_test(test_row_json_write),
	    cmocka_unit_test(test_row_json_put_many_rows),
	    cmocka_unit_test(test_cell_text),
	    cmocka_unit_test(test_row_json_added_cols),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
