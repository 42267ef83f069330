/* Unit tests for lib/db/db.c against a live MariaDB (STOCKTAKE_TEST_DB_SOCKET), else skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/log.h"
#include "db/db.h"

#define LONG_TEXT (100 * 1024) /* beyond 64 KiB and far beyond the first fetch buffer */

static const char *sock;
static const char *dbname;
static struct arena *arena;

/* Every test starts with this: no server configured means nothing to test against. */
#define NEED_DB()                                                                                  \
	do {                                                                                       \
		if (!sock)                                                                         \
			skip();                                                                    \
		arena_reset(arena);                                                                \
	} while (0)

/* A second, raw connection, for what the code under test must not do itself (KILL, locks). */
static MYSQL *raw_connect(const char *db)
{
	MYSQL *m = mysql_init(NULL);

	assert_non_null(m);
	if (!mysql_real_connect(m, "localhost", "root", NULL, db, 0, sock, 0)) {
		fprintf(stderr, "raw connect: %s\n", mysql_error(m));
		mysql_close(m);
		fail();
	}
	return m;
}

static void raw_query(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql) != 0) {
		fprintf(stderr, "raw query %s: %s\n", sql, mysql_error(m));
		fail();
	}
	MYSQL_RES *res = mysql_store_result(m);
	if (res)
		mysql_free_result(res);
}

static int group_setup(void **state)
{
	char sql[300];
	MYSQL *m;

	sock = getenv("STOCKTAKE_TEST_DB_SOCKET");
	if (sock && !*sock)
		sock = NULL;
	dbname = getenv("STOCKTAKE_TEST_DB_NAME");
	if (!dbname || !*dbname)
		dbname = "stocktake_unit";
	arena = arena_new(4096);
	log_set_level(LOGL_WARN);
	if (!sock)
		return 0;
	m = raw_connect(NULL);
	snprintf(
	    sql, sizeof(sql),
	    "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
	    dbname);
	raw_query(m, sql);
	mysql_close(m);
	if (env_set("db_socket", sock) != 0 || env_set("db_user", "root") != 0 ||
	    env_set("db_password", "") != 0 || env_set("db_name", dbname) != 0)
		return -1;
	if (db_connect() != 0)
		return -1;
	/* Scratch tables, recreated for every run. */
	if (db_exec(NULL, NULL, "DROP TABLE IF EXISTS t_db_rt, t_db_types, t_db_txn, t_db_lock",
	            "") ||
	    db_exec(NULL, NULL,
	            "CREATE TABLE t_db_rt (id INT PRIMARY KEY, name VARCHAR(100) NULL, body "
	            "MEDIUMTEXT NULL)"
	            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	            "") ||
	    db_exec(
	        NULL, NULL,
	        "CREATE TABLE t_db_types (id BIGINT PRIMARY KEY, tiny TINYINT, small SMALLINT,"
	        " medium MEDIUMINT, num INT, yr YEAR, dt DATETIME(6), d DATE, ts TIMESTAMP NULL,"
	        " price DECIMAL(10,2), label VARCHAR(20), blob_col BLOB) ENGINE=InnoDB",
	        "") ||
	    db_exec(
	        NULL, NULL,
	        "CREATE TABLE t_db_txn (id VARCHAR(36) PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB",
	        "") ||
	    db_exec(NULL, NULL,
	            "CREATE TABLE t_db_lock (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB",
	            ""))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	if (sock) {
		db_exec(NULL, NULL, "DROP TABLE IF EXISTS t_db_rt, t_db_types, t_db_txn, t_db_lock",
		        "");
		db_close();
	}
	arena_free(arena);
	mysql_library_end();
	return 0;
}

static void test_roundtrip_nulls_and_long_text(void **state)
{
	struct db_rows rows;
	char *big;

	NEED_DB();
	big = malloc(LONG_TEXT + 1);
	assert_non_null(big);
	for (size_t i = 0; i < LONG_TEXT; i++)
		big[i] = (char)('a' + i % 26);
	big[LONG_TEXT] = '\0';

	assert_int_equal(db_exec(NULL, NULL, "DELETE FROM t_db_rt", ""), 0);
	assert_int_equal(db_exec(NULL, NULL,
	                         "INSERT INTO t_db_rt (id, name, body) VALUES (?, ?, ?)", "iss",
	                         1LL, "caf\xc3\xa9", big),
	                 0);
	assert_int_equal(db_affected_rows(), 1);
	/* A NULL string pointer and an explicit NULL both store SQL NULL. */
	struct db_param p[] = {DBP_I(2), DBP_S(NULL), DBP_NULL};
	assert_int_equal(
	    db_execv(NULL, NULL, "INSERT INTO t_db_rt (id, name, body) VALUES (?, ?, ?)", p, 3), 0);
	assert_int_equal(db_exec(NULL, NULL,
	                         "INSERT INTO t_db_rt (id, name, body) VALUES (?, ?, ?)", "isn",
	                         3LL, ""),
	                 0);

	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT id, name AS label, body, LENGTH(body) AS len FROM t_db_rt"
	                         " ORDER BY id",
	                         ""),
	                 0);
	assert_int_equal(rows.nrows, 3);
	assert_int_equal(rows.ncols, 4);
	assert_string_equal(rows.colnames[1], "label");
	assert_int_equal(db_col(&rows, "len"), 3);
	assert_int_equal(db_col(&rows, "nope"), -1);
	assert_string_equal(db_cell(&rows, 0, 0), "1");
	assert_string_equal(db_cell(&rows, 0, 1), "caf\xc3\xa9");
	assert_int_equal(strlen(db_cell(&rows, 0, 2)), LONG_TEXT);
	assert_memory_equal(db_cell(&rows, 0, 2), big, LONG_TEXT);
	assert_string_equal(db_cell(&rows, 0, 3), "102400");
	assert_null(db_cell(&rows, 1, 1));
	assert_null(db_cell(&rows, 1, 2));
	assert_string_equal(db_cell(&rows, 2, 1), "");
	assert_null(db_cell(&rows, 2, 2));
	/* Out of range is NULL, not a crash. */
	assert_null(db_cell(&rows, 3, 0));
	assert_null(db_cell(&rows, 0, 4));

	/* Empty results are fine and still describe their columns. */
	assert_int_equal(db_exec(arena, &rows, "SELECT id FROM t_db_rt WHERE id = ?", "i", 99LL),
	                 0);
	assert_int_equal(rows.nrows, 0);
	assert_int_equal(rows.ncols, 1);
	assert_string_equal(rows.colnames[0], "id");
	free(big);
}

static void test_types(void **state)
{
	struct db_rows rows;
	const struct db_rows *r = &rows;

	NEED_DB();
	assert_int_equal(db_exec(NULL, NULL, "DELETE FROM t_db_types", ""), 0);
	assert_int_equal(
	    db_exec(NULL, NULL,
	            "INSERT INTO t_db_types VALUES (?, -5, 300, 70000, 2147483647, 2024,"
	            " '2023-06-15 10:30:00.123456', '2023-06-15', '2023-06-15 10:30:00', 12.50,"
	            " 'x', 'bin')",
	            "i", 9007199254740993LL),
	    0);
	assert_int_equal(db_exec(arena, &rows, "SELECT * FROM t_db_types", ""), 0);
	assert_int_equal(rows.nrows, 1);
	static const enum db_coltype want[] = {DB_COL_INT,  DB_COL_INT, DB_COL_INT,  DB_COL_INT,
	                                       DB_COL_INT,  DB_COL_INT, DB_COL_TIME, DB_COL_TIME,
	                                       DB_COL_TIME, DB_COL_DEC, DB_COL_STR,  DB_COL_STR};
	assert_int_equal(rows.ncols, sizeof(want) / sizeof(want[0]));
	for (size_t c = 0; c < rows.ncols; c++)
		assert_int_equal(rows.coltypes[c], want[c]);
	assert_string_equal(db_cell(r, 0, 0), "9007199254740993");
	assert_string_equal(db_cell(r, 0, 1), "-5");
	assert_string_equal(db_cell(r, 0, 5), "2024");
	assert_string_equal(db_cell(r, 0, 6), "2023-06-15 10:30:00.123456");
	assert_string_equal(db_cell(r, 0, 7), "2023-06-15");
	assert_string_equal(db_cell(r, 0, 8), "2023-06-15 10:30:00");
	assert_string_equal(db_cell(r, 0, 9), "12.50");
	assert_string_equal(db_cell(r, 0, 11), "bin");

	/* Expressions: COUNT is an integer, SUM of integers a decimal, the session is UTC. */
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT COUNT(*) AS n, SUM(num) AS total, @@session.time_zone AS tz,"
	            " UTC_TIMESTAMP() = NOW() AS utc, @@character_set_client AS cs FROM t_db_types",
	            ""),
	    0);
	assert_int_equal(rows.coltypes[0], DB_COL_INT);
	assert_int_equal(rows.coltypes[1], DB_COL_DEC);
	assert_string_equal(db_cell(r, 0, 2), "+00:00");
	assert_string_equal(db_cell(r, 0, 3), "1");
	assert_string_equal(db_cell(r, 0, 4), "utf8mb4");
}

static long long com_counter(const char *name)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
	                         " WHERE VARIABLE_NAME = UPPER(?)",
	                         "s", name),
	                 0);
	assert_int_equal(rows.nrows, 1);
	return atoll(db_cell(&rows, 0, 0));
}

static void test_statement_reuse(void **state)
{
	struct db_rows a_rows, b_rows;
	char sql_copy[100];
	long long p0, p1, p2, r0;

	NEED_DB();
	com_counter("Com_stmt_prepare"); /* prepares the counter query itself */
	p0 = com_counter("Com_stmt_prepare");
	r0 = com_counter("Com_stmt_reset");
	assert_int_equal(db_exec(arena, &a_rows, "SELECT ? + 1 AS v /* reuse */", "i", 1LL), 0);
	p1 = com_counter("Com_stmt_prepare");
	assert_int_equal(p1, p0 + 1);
	/* Same text, different pointer and different parameter: no new prepare. */
	snprintf(sql_copy, sizeof(sql_copy), "%s", "SELECT ? + 1 AS v /* reuse */");
	assert_int_equal(db_exec(arena, &b_rows, sql_copy, "i", 41LL), 0);
	assert_int_equal(db_exec(arena, &b_rows, sql_copy, "i", 41LL), 0);
	p2 = com_counter("Com_stmt_prepare");
	assert_int_equal(p2, p1);
	/* Both results stay valid side by side (they live in the arena). */
	assert_string_equal(db_cell(&a_rows, 0, 0), "2");
	assert_string_equal(db_cell(&b_rows, 0, 0), "42");
	/* No reset round trip per execute. */
	assert_int_equal(com_counter("Com_stmt_reset"), r0);

	/* A cached SELECT * still sees a column added after it was prepared. */
	assert_int_equal(db_exec(arena, &a_rows, "SELECT * FROM t_db_lock", ""), 0);
	assert_int_equal(a_rows.ncols, 2);
	assert_int_equal(db_exec(NULL, NULL, "ALTER TABLE t_db_lock ADD COLUMN extra INT NULL", ""),
	                 0);
	assert_int_equal(db_exec(arena, &a_rows, "SELECT * FROM t_db_lock", ""), 0);
	assert_int_equal(a_rows.ncols, 3);
	assert_string_equal(a_rows.colnames[2], "extra");
	assert_int_equal(db_exec(NULL, NULL, "ALTER TABLE t_db_lock DROP COLUMN extra", ""), 0);
}

static void test_cache_eviction(void **state)
{
	struct db_rows rows;
	char sql[64], want[32];
	long long closes;

	NEED_DB();
	closes = com_counter("Com_stmt_close");
	/* More distinct texts than the cache holds: the overflow closes them all. */
	for (int i = 0; i < 600; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d AS n /* evict */", i);
		assert_int_equal(db_exec(arena, &rows, sql, ""), 0);
		snprintf(want, sizeof(want), "%d", i);
		assert_string_equal(db_cell(&rows, 0, 0), want);
		if (i % 100 == 99)
			arena_reset(arena);
	}
	assert_true(com_counter("Com_stmt_close") > closes);
	assert_int_equal(db_exec(arena, &rows, "SELECT ? AS n", "s", "still fine"), 0);
	assert_string_equal(db_cell(&rows, 0, 0), "still fine");
}

static void test_errors(void **state)
{
	NEED_DB();
	assert_int_equal(db_exec(NULL, NULL, "DELETE FROM t_db_txn", ""), 0);
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "dup", 1LL), 0);
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "dup", 2LL), -1);
	assert_int_equal(db_errno(), 1062);
	assert_true(db_is_duplicate());
	assert_non_null(strstr(db_error(), "Duplicate"));
	/* The failed statement stays usable, and success clears the error. */
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "dup2", 2LL), 0);
	assert_int_equal(db_errno(), 0);
	assert_false(db_is_duplicate());
	assert_string_equal(db_error(), "");

	/* Wrong parameter count, syntax errors, unknown tables: -1 with the reason kept. */
	assert_int_equal(db_exec(NULL, NULL, "SELECT ? + ?", "i", 1LL), -1);
	assert_int_equal(db_errno(), 2034);
	assert_int_equal(db_exec(NULL, NULL, "SELEKT 1", ""), -1);
	assert_int_equal(db_errno(), 1064);
	assert_int_equal(db_exec(NULL, NULL, "SELECT * FROM no_such_table_here", ""), -1);
	assert_int_equal(db_errno(), 1146);
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), 0);
}

static long long count_rows(const char *id)
{
	struct db_rows rows;

	assert_int_equal(
	    db_exec(arena, &rows, "SELECT COUNT(*) FROM t_db_txn WHERE id = ?", "s", id), 0);
	return atoll(db_cell(&rows, 0, 0));
}

struct txn_ctx {
	const char *id;
	int result;
	int calls;
	int fail_first; /* attempts that end in a simulated deadlock */
	MYSQL *other;   /* the other side of a real deadlock */
	bool other_pending;
	int lazy; /* lazy_fn: 0 runs nothing, 1 inserts, 2 opens the transaction itself, inserts */
};

static int insert_fn(void *p)
{
	struct txn_ctx *c = p;

	c->calls++;
	assert_true(db_in_transaction());
	if (db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", c->id, 1LL) != 0)
		return -1;
	return c->result;
}

static void test_transactions(void **state)
{
	struct txn_ctx c = {.id = "commit-me", .result = 0};

	NEED_DB();
	assert_false(db_in_transaction());
	assert_int_equal(db_transaction(insert_fn, &c), 0);
	assert_false(db_in_transaction());
	assert_int_equal(count_rows("commit-me"), 1);
	assert_int_equal(c.calls, 1);

	c = (struct txn_ctx){.id = "roll-me-back", .result = 7};
	assert_int_equal(db_transaction(insert_fn, &c), 7);
	assert_int_equal(count_rows("roll-me-back"), 0);
	assert_int_equal(c.calls, 1);

	/* A failing statement in fn: rolled back, not retried, the error survives the rollback. */
	c = (struct txn_ctx){.id = "commit-me", .result = 0};
	assert_int_equal(db_transaction(insert_fn, &c), -1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(db_errno(), 1062);

	/* By hand. */
	assert_int_equal(db_begin(), 0);
	assert_int_equal(db_begin(), -1); /* no nesting */
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "manual", 1LL), 0);
	assert_int_equal(db_rollback(), 0);
	assert_int_equal(count_rows("manual"), 0);
	assert_int_equal(db_begin(), 0);
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "manual", 1LL), 0);
	assert_int_equal(db_commit(), 0);
	assert_int_equal(count_rows("manual"), 1);
	assert_int_equal(db_commit(), -1); /* nothing open */
}

/* fn of test_lazy_transactions: nothing, insert_fn, or insert_fn after taking the BEGIN. */
static int lazy_fn(void *p)
{
	struct txn_ctx *c = p;

	if (c->lazy == 2) /* opens it itself, as itx_single_lock_begin's START TRANSACTION does */
		return db_begin_take() && db_exec(NULL, NULL, "START TRANSACTION", NULL) == 0
		           ? insert_fn(c)
		           : -1;
	return c->lazy == 1 ? insert_fn(c) : c->result;
}

/* Whether the server holds a transaction open on this connection (@@in_transaction). */
static bool server_in_transaction(void)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, "SELECT @@in_transaction", NULL), 0);
	return strcmp(db_cell(&rows, 0, 0), "0") != 0;
}

/* db_transaction_lazy: BEGIN with the first statement, or none when fn opens it or runs none. */
static void test_lazy_transactions(void **state)
{
	struct txn_ctx c = {.id = "lazy-kept", .result = 0, .lazy = 1};
	long long begins;

	NEED_DB();
	begins = com_counter("Com_begin");
	assert_int_equal(db_transaction_lazy(lazy_fn, &c), 0);
	assert_int_equal(count_rows("lazy-kept"), 1);
	assert_int_equal(com_counter("Com_begin") - begins, 1);
	/* Refused: the lazily opened transaction is rolled back with the write. */
	c = (struct txn_ctx){.id = "lazy-refused", .result = 4, .lazy = 1};
	assert_int_equal(db_transaction_lazy(lazy_fn, &c), 4);
	assert_int_equal(count_rows("lazy-refused"), 0);
	assert_false(server_in_transaction());
	/* fn opens it itself: no BEGIN of ours, and the write is still the transaction's. */
	begins = com_counter("Com_begin");
	c = (struct txn_ctx){.id = "lazy-opened", .result = 6, .lazy = 2};
	assert_int_equal(db_transaction_lazy(lazy_fn, &c), 6);
	assert_int_equal(count_rows("lazy-opened"), 0);
	assert_int_equal(com_counter("Com_begin") - begins, 1); /* fn's own */
	assert_false(server_in_transaction()); /* the ROLLBACK went out all the same */
	c = (struct txn_ctx){.id = "lazy-opened-kept", .result = 0, .lazy = 2};
	assert_int_equal(db_transaction_lazy(lazy_fn, &c), 0);
	assert_int_equal(count_rows("lazy-opened-kept"), 1);
	assert_false(server_in_transaction());
	/* No statement: nothing sent, nothing open afterwards; outside one there is no BEGIN to
	 * take. */
	begins = com_counter("Com_begin") + com_counter("Com_commit");
	c = (struct txn_ctx){.result = 0};
	assert_int_equal(db_transaction_lazy(lazy_fn, &c), 0);
	assert_int_equal(com_counter("Com_begin") + com_counter("Com_commit") - begins, 0);
	assert_false(db_in_transaction());
	assert_false(db_begin_take());
}

/* The outer transaction of test_nested_transactions: an insert, then an inner one that joins. */
static int outer_fn(void *p)
{
	struct txn_ctx *c = p;
	struct txn_ctx inner = {.id = "inner-kept", .result = 0};

	if (db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", c->id, 1LL) != 0)
		return -1;
	if (db_transaction(insert_fn, &inner) != 0)
		return -1;
	/* A refused inner write is undone alone (its savepoint); the outer one goes on. */
	inner = (struct txn_ctx){.id = "inner-refused", .result = 5};
	if (db_transaction(insert_fn, &inner) != 5)
		return -1;
	assert_true(db_in_transaction());
	assert_int_equal(count_rows("inner-refused"), 0);
	return c->result;
}

static void test_nested_transactions(void **state)
{
	struct txn_ctx c = {.id = "outer-kept", .result = 0};

	NEED_DB();
	assert_int_equal(db_transaction(outer_fn, &c), 0);
	assert_int_equal(count_rows("outer-kept"), 1);
	assert_int_equal(count_rows("inner-kept"), 1);
	assert_int_equal(count_rows("inner-refused"), 0);
	/* The outer one rolled back takes the joined inner write with it. */
	c = (struct txn_ctx){.id = "outer-gone", .result = 3};
	assert_int_equal(
	    db_exec(NULL, NULL, "DELETE FROM t_db_txn WHERE id = ?", "s", "inner-kept"), 0);
	assert_int_equal(db_transaction(outer_fn, &c), 3);
	assert_int_equal(count_rows("outer-gone"), 0);
	assert_int_equal(count_rows("inner-kept"), 0);
	assert_false(db_in_transaction());
}

static int signal_deadlock_fn(void *p)
{
	struct txn_ctx *c = p;

	c->calls++;
	if (db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", c->id, 1LL) != 0)
		return -1;
	if (c->calls <= c->fail_first) {
		/* What InnoDB says to a deadlock victim. */
		if (db_exec(NULL, NULL,
		            "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213,"
		            " MESSAGE_TEXT = 'Deadlock found (simulated)'",
		            "") == 0)
			return 0;
		assert_int_equal(db_errno(), 1213);
		return -1;
	}
	return 0;
}

static int swallow_deadlock_fn(void *p)
{
	signal_deadlock_fn(p);
	return 0;
}

static void test_deadlock_retry_simulated(void **state)
{
	struct txn_ctx c = {.id = "retried", .fail_first = 2};

	NEED_DB();
	assert_int_equal(db_transaction(signal_deadlock_fn, &c), 0);
	assert_int_equal(c.calls, 3);
	assert_int_equal(count_rows("retried"), 1); /* the failed attempts left nothing */

	c = (struct txn_ctx){.id = "never", .fail_first = 100};
	assert_int_equal(db_transaction(signal_deadlock_fn, &c), -1);
	assert_int_equal(c.calls, 5);
	assert_int_equal(db_errno(), 1213);
	assert_int_equal(count_rows("never"), 0);
	assert_false(db_in_transaction());

	/* By hand: after a deadlock nothing more runs (it would run outside the rolled-back
	 * transaction) and COMMIT fails, until the rollback. */
	assert_int_equal(db_begin(), 0);
	assert_int_equal(
	    db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", "victim", 1LL), 0);
	assert_int_equal(db_exec(NULL, NULL, "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213", ""),
	                 -1);
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), -1);
	assert_int_equal(db_errno(), 1213);
	assert_int_equal(db_commit(), -1);
	assert_int_equal(db_errno(), 1213);
	assert_false(db_in_transaction());
	assert_int_equal(count_rows("victim"), 0);

	/* fn that swallows the deadlock and returns 0 is still run again. */
	c = (struct txn_ctx){.id = "swallowed", .fail_first = 1};
	assert_int_equal(db_transaction(swallow_deadlock_fn, &c), 0);
	assert_int_equal(c.calls, 2);
	assert_int_equal(count_rows("swallowed"), 1);
}

/*
 * A real deadlock: the other connection holds row 2 (and many more, so InnoDB
 * picks us as the cheaper victim) and waits for row 1, which we hold, while we
 * ask for row 2.
 */
static int real_deadlock_fn(void *p)
{
	struct txn_ctx *c = p;

	c->calls++;
	if (c->other_pending) {
		/* Our rollback released row 1: the other side finishes and commits. */
		assert_int_equal(mysql_read_query_result(c->other), 0);
		raw_query(c->other, "COMMIT");
		c->other_pending = false;
	}
	if (db_exec(NULL, NULL, "UPDATE t_db_lock SET n = n + 1 WHERE id = ?", "i", 1LL) != 0)
		return -1;
	if (c->calls == 1) {
		const char *q = "UPDATE t_db_lock SET n = n + 10 WHERE id = 1";

		raw_query(c->other, "BEGIN");
		raw_query(c->other, "UPDATE t_db_lock SET n = n + 10 WHERE id >= 2");
		assert_int_equal(mysql_send_query(c->other, q, (unsigned long)strlen(q)), 0);
		c->other_pending = true;
		/* Give the server time to queue the other side's lock request. */
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (db_exec(NULL, NULL, "UPDATE t_db_lock SET n = n + 1 WHERE id = ?", "i", 2LL) != 0)
		return -1;
	return 0;
}

static void test_deadlock_retry_real(void **state)
{
	struct txn_ctx c = {0};
	struct db_rows rows;

	NEED_DB();
	assert_int_equal(db_exec(NULL, NULL, "DELETE FROM t_db_lock", ""), 0);
	for (long long i = 1; i <= 200; i++)
		assert_int_equal(db_exec(NULL, NULL, "INSERT INTO t_db_lock VALUES (?, 0)", "i", i),
		                 0);
	c.other = raw_connect(dbname);
	assert_int_equal(db_transaction(real_deadlock_fn, &c), 0);
	assert_int_equal(c.calls, 2);
	assert_false(c.other_pending);
	mysql_close(c.other);
	/* Both sides' effects, each exactly once. */
	assert_int_equal(
	    db_exec(arena, &rows, "SELECT n FROM t_db_lock WHERE id IN (1, 2) ORDER BY id", ""), 0);
	assert_string_equal(db_cell(&rows, 0, 0), "11");
	assert_string_equal(db_cell(&rows, 1, 0), "11");
}

static long long connection_id(void)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, "SELECT CONNECTION_ID() AS id", ""), 0);
	return atoll(db_cell(&rows, 0, 0));
}

static void kill_connection(long long id)
{
	char sql[64];
	MYSQL *m = raw_connect(NULL);

	snprintf(sql, sizeof(sql), "KILL CONNECTION %lld", id);
	raw_query(m, sql);
	mysql_close(m);
}

static int kill_once_fn(void *p)
{
	struct txn_ctx *c = p;

	c->calls++;
	if (c->calls == 1)
		kill_connection(connection_id());
	if (db_exec(NULL, NULL, "INSERT INTO t_db_txn VALUES (?, ?)", "si", c->id, 1LL) != 0)
		return -1;
	return 0;
}

static void test_reconnect(void **state)
{
	struct txn_ctx c = {.id = "after-kill"};
	long long id1, id2;

	NEED_DB();
	/* Outside a transaction: reconnect and retry the statement transparently. */
	id1 = connection_id();
	kill_connection(id1);
	id2 = connection_id();
	assert_true(id2 != id1);
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), 0);
	assert_int_equal(count_rows("x"), 0); /* statements are prepared again */

	/* Inside one: the statement fails, and so does everything until rollback. */
	assert_int_equal(db_begin(), 0);
	kill_connection(connection_id());
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), -1);
	assert_true(db_errno() == 2006 || db_errno() == 2013 || db_errno() == 1927);
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), -1);
	assert_int_equal(db_commit(), -1);
	assert_false(db_in_transaction());
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), 0);

	/* db_transaction runs fn again on a fresh connection. */
	assert_int_equal(db_transaction(kill_once_fn, &c), 0);
	assert_int_equal(c.calls, 2);
	assert_int_equal(count_rows("after-kill"), 1);

	/* db_close / db_connect and lazy reconnect after a close. */
	db_close();
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), 0);
}

static long long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL + (t1.tv_nsec - t0->tv_nsec) / 1000000LL;
}

/*
 * db_read_timeout: a server that says nothing (here SLEEP; a SIGSTOPped node
 * alike) costs a statement that many seconds, not forever, and the session's
 * row lock wait ends before it.
 */
static void test_read_timeout(void **state)
{
	struct db_rows rows;
	struct timespec t0;
	long long ms;

	(void)state;
	assert_int_equal(db_lock_wait_seconds(10), 8);
	assert_int_equal(db_lock_wait_seconds(3), 1);
	assert_int_equal(db_lock_wait_seconds(1), 1);
	NEED_DB();
	db_close();
	assert_int_equal(env_set("db_read_timeout", "3"), 0);
	assert_int_equal(db_exec(arena, &rows, "SELECT @@innodb_lock_wait_timeout", ""), 0);
	assert_string_equal(db_cell(&rows, 0, 0), "1");

	assert_int_equal(db_begin(), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(db_exec(NULL, NULL, "SELECT SLEEP(8)", ""), -1);
	ms = ms_since(&t0);
	assert_int_equal(db_errno(), 2013); /* lost: the caller moves on */
	assert_true(ms >= 2900 && ms < 5000);
	db_rollback();
	assert_true(db_unavailable()); /* a handler answers 503 with Retry-After */

	assert_int_equal(env_set("db_read_timeout", "10"), 0);
	assert_int_equal(db_exec(arena, &rows, "SELECT @@innodb_lock_wait_timeout", ""), 0);
	assert_string_equal(db_cell(&rows, 0, 0), "8");
}

/* db_cell_text gives every cell's text as the API shows it (web/row_json.h), without json-c. */
static void test_cell_text(void **state)
{
	static const struct {
		const char *col, *text;
	} want[] = {
	    {"id", "x1"},
	    {"quantity", "-40"},
	    {"zero", "0"},
	    {"mz", "0"},
	    {"big", "9223372036854775807"},
	    {"huge", "9223372036854775807"}, /* json-c's int64 clamps the same way */
	    {"timestamp", "2023-06-15T10:30:00Z"},
	    {"whole", "2023-06-15T10:30:00Z"},
	    {"day", "2023-06-15T00:00:00Z"},
	    {"price", "1.50"},
	    {"notes", NULL},
	    {"warehouse.id", "w1"},
	    {"from_bin.id", NULL},
	    {"from_bin.code", NULL},
	    {"a.b.c", "b"},
	    {"padded", " 7"},
	};
	struct db_rows rows;

	NEED_DB();
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT 'x1' AS id, CAST(-40 AS SIGNED) AS quantity, 0 AS zero,"
	            " CAST(-0 AS SIGNED) AS mz, 9223372036854775807 AS big,"
	            " CAST(18446744073709551615 AS UNSIGNED) AS huge,"
	            " CAST('2023-06-15 10:30:00.250000' AS DATETIME(6)) AS `timestamp`,"
	            " CAST('2023-06-15 10:30:00' AS DATETIME) AS whole,"
	            " CAST('2023-06-15' AS DATE) AS day, CAST(1.5 AS DECIMAL(5,2)) AS price,"
	            " NULL AS notes, 'w1' AS `warehouse.id`, NULL AS `from_bin.id`,"
	            " NULL AS `from_bin.code`, 'b' AS `a.b.c`, ' 7' AS padded",
	            ""),
	    0);
	assert_int_equal(rows.ncols, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < rows.ncols; i++) {
		int c = db_col(&rows, want[i].col);
		const char *got;

		assert_int_equal(c, (int)i);
		got = db_cell_text(arena, &rows, 0, (size_t)c);
		if (!want[i].text)
			assert_null(got);
		else
			assert_string_equal(got, want[i].text);
	}
	/* Text that needs no change is the cell itself, not a copy. */
	assert_ptr_equal(db_cell_text(arena, &rows, 0, 0), db_cell(&rows, 0, 0));
	assert_ptr_equal(db_cell_text(arena, &rows, 0, 1), db_cell(&rows, 0, 1));
}

/*
 * DATE, DATETIME and TIMESTAMP cells are fetched as MYSQL_TIME and written out by db.c: their
 * text must be what libmariadb wrote when they were fetched as text, which is the server's own
 * (CAST AS CHAR), at every fraction width; NULL stays NULL.
 */
static void test_time_cells(void **state)
{
	static const char *const values[] = {
	    "2023-06-15 10:30:00.123456", "2023-06-15 00:00:00",        "0001-01-01 00:00:00",
	    "9999-12-31 23:59:59.999999", "2024-02-29 23:59:59.000001", "2023-06-15 10:30:00.5",
	    "1970-01-01 00:00:01.05",
	};
	static const char sql[] =
	    "SELECT CAST(? AS DATETIME(6)) AS a, CAST(CAST(? AS DATETIME(6)) AS CHAR) AS a_text,"
	    " CAST(? AS DATETIME(3)) AS b, CAST(CAST(? AS DATETIME(3)) AS CHAR) AS b_text,"
	    " CAST(? AS DATETIME(1)) AS c, CAST(CAST(? AS DATETIME(1)) AS CHAR) AS c_text,"
	    " CAST(? AS DATETIME) AS d, CAST(CAST(? AS DATETIME) AS CHAR) AS d_text,"
	    " CAST(? AS DATE) AS e, CAST(CAST(? AS DATE) AS CHAR) AS e_text";
	struct db_rows rows;

	NEED_DB();
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *v = values[i];

		assert_int_equal(
		    db_exec(arena, &rows, sql, "ssssssssss", v, v, v, v, v, v, v, v, v, v), 0);
		assert_int_equal(rows.ncols, 10);
		for (size_t c = 0; c < rows.ncols; c += 2) {
			assert_int_equal(rows.coltypes[c], DB_COL_TIME);
			assert_non_null(db_cell(&rows, 0, c + 1));
			assert_string_equal(db_cell(&rows, 0, c), db_cell(&rows, 0, c + 1));
		}
	}
	/* A TIMESTAMP column and NULL times. */
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT ts, CAST(ts AS CHAR), CAST(NULL AS DATETIME),"
	                         " CAST(NULL AS DATE) FROM t_db_types WHERE ts IS NOT NULL LIMIT 1",
	                         ""),
	                 0);
	if (rows.nrows) {
		assert_int_equal(rows.coltypes[0], DB_COL_TIME);
		assert_string_equal(db_cell(&rows, 0, 0), db_cell(&rows, 0, 1));
		assert_null(db_cell(&rows, 0, 2));
		assert_null(db_cell(&rows, 0, 3));
	}
	/* A long text column after a time: each keeps its own buffer type in one result. */
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT CAST('2023-06-15 10:30:00' AS DATETIME), REPEAT('x', 600),"
	                         " CAST('2023-06-16' AS DATE)",
	                         ""),
	                 0);
	assert_string_equal(db_cell(&rows, 0, 0), "2023-06-15 10:30:00");
	assert_int_equal(strlen(db_cell(&rows, 0, 1)), 600);
	assert_string_equal(db_cell(&rows, 0, 2), "2023-06-16");
}

/* Computed columns: the old cells stay, the new ones are text, NULL until set. */
static void test_rows_add_cols(void **state)
{
	static const char *const names[] = {"label", "other.x", NULL};
	struct db_rows rows;
	size_t c;

	NEED_DB();
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT 1 AS n, 'a' AS s UNION ALL SELECT 2, NULL ORDER BY n", ""),
	                 0);
	c = db_rows_add_cols(arena, &rows, names);
	assert_int_equal(c, 2);
	assert_int_equal(rows.ncols, 4);
	assert_int_equal(db_col(&rows, "label"), 2);
	assert_int_equal(db_col(&rows, "other.x"), 3);
	db_set_cell(&rows, 0, c, "first");
	db_set_cell(&rows, 1, c + 1, "second");
	db_set_cell(&rows, 2, c, "out of range");
	assert_string_equal(db_cell(&rows, 0, 0), "1");
	assert_string_equal(db_cell(&rows, 0, 1), "a");
	assert_string_equal(db_cell(&rows, 1, 0), "2");
	assert_null(db_cell(&rows, 1, 1));
	assert_null(db_cell(&rows, 0, 3));
	assert_null(db_cell(&rows, 1, 2));
	assert_string_equal(db_cell(&rows, 0, 2), "first");
	assert_string_equal(db_cell(&rows, 1, 3), "second");
	assert_int_equal(rows.coltypes[2], DB_COL_STR);
	/* As JSON: test_row_json.c (test_row_json_added_cols). */
}

/* Dropping a column keeps the other cells of every row, their names and their types in order. */
static void test_rows_drop_col(void **state)
{
	struct db_rows rows;

	NEED_DB();
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT 1 AS n, 'a' AS s, 3 AS m UNION ALL SELECT 2, NULL, 4 ORDER BY n", ""),
	    0);
	db_rows_drop_col(&rows, 1);
	assert_int_equal(rows.ncols, 2);
	assert_int_equal(db_col(&rows, "s"), -1);
	assert_int_equal(db_col(&rows, "m"), 1);
	assert_int_equal(rows.coltypes[1], DB_COL_INT);
	assert_string_equal(db_cell(&rows, 0, 0), "1");
	assert_string_equal(db_cell(&rows, 0, 1), "3");
	assert_string_equal(db_cell(&rows, 1, 0), "2");
	assert_string_equal(db_cell(&rows, 1, 1), "4");
	db_rows_drop_col(&rows, 2);
	assert_int_equal(rows.ncols, 2);
	db_rows_drop_col(&rows, 1);
	assert_int_equal(rows.ncols, 1);
	assert_string_equal(db_cell(&rows, 1, 0), "2");
}

static void test_uuid(void **state)
{
	char *u1, *u2;

	/* No database needed, but keep the arena reset uniform. */
	if (arena)
		arena_reset(arena);
	u1 = db_uuid(arena);
	u2 = db_uuid(arena);
	assert_int_equal(strlen(u1), 36);
	assert_string_not_equal(u1, u2);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u1[i], '-');
		else
			assert_true(isxdigit((unsigned char)u1[i]) &&
			            !isupper((unsigned char)u1[i]));
	}
	assert_int_equal(u1[14], '7');           /* time-ordered (version 7) */
	assert_non_null(strchr("89ab", u1[19])); /* RFC 9562 variant */
	assert_true(strcmp(u1, u2) < 0);         /* a later id sorts after */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_nulls_and_long_text),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_statement_reuse),
	    cmocka_unit_test(test_cache_eviction),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_transactions),
	    cmocka_unit_test(test_nested_transactions),
	    cmocka_unit_test(test_lazy_transactions),
	    cmocka_unit_test(test_deadlock_retry_simulated),
	    cmocka_unit_test(test_deadlock_retry_real),
	    cmocka_unit_test(test_reconnect),
	    cmocka_unit_test(test_read_timeout),
	    cmocka_unit_test(test_cell_text),
	    cmocka_unit_test(test_time_cells),
	    cmocka_unit_test(test_rows_add_cols),
	    cmocka_unit_test(test_rows_drop_col),
	    cmocka_unit_test(test_uuid),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
