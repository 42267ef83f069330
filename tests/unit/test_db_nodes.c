/* Unit tests for db/db_nodes.c: list parsing, node judging, the writer rule and its record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "base/env.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_nodes.h"

static void test_parse_forms(void **state)
{
	struct db_node n[DB_NODES_MAX];

	(void)state;
	assert_int_equal(db_nodes_parse("/var/run/a.sock, db2:3307 db3,[::1]:3308 [fe80::1]", 3306,
	                                n, DB_NODES_MAX),
	                 5);
	assert_string_equal(n[0].socket, "/var/run/a.sock");
	assert_string_equal(n[0].host, "");
	assert_string_equal(n[1].host, "db2");
	assert_int_equal(n[1].port, 3307);
	assert_string_equal(n[1].socket, "");
	assert_string_equal(n[2].host, "db3");
	assert_int_equal(n[2].port, 3306); /* the default */
	assert_string_equal(n[3].host, "::1");
	assert_int_equal(n[3].port, 3308);
	assert_string_equal(n[4].host, "fe80::1");
	assert_int_equal(n[4].port, 3306);
}

static void test_parse_empty_and_blanks(void **state)
{
	struct db_node n[2];

	(void)state;
	assert_int_equal(db_nodes_parse("", 3306, n, 2), 0);
	assert_int_equal(db_nodes_parse(NULL, 3306, n, 2), 0);
	assert_int_equal(db_nodes_parse(" ,\t, ", 3306, n, 2), 0);
	assert_int_equal(db_nodes_parse(",,127.0.0.1:18111,,", 3306, n, 2), 1);
	assert_string_equal(n[0].host, "127.0.0.1");
	assert_int_equal(n[0].port, 18111);
}

static void test_parse_refuses(void **state)
{
	struct db_node n[2];

	(void)state;
	assert_int_equal(db_nodes_parse("a b c", 3306, n, 2), -1); /* too many */
	assert_int_equal(db_nodes_parse("db:0", 3306, n, 2), -1);  /* port range */
	assert_int_equal(db_nodes_parse("db:65536", 3306, n, 2), -1);
	assert_int_equal(db_nodes_parse("db:12x", 3306, n, 2), -1);
	assert_int_equal(db_nodes_parse("db:", 3306, n, 2), -1);
	assert_int_equal(db_nodes_parse(":3306", 3306, n, 2), -1);   /* no host */
	assert_int_equal(db_nodes_parse("fe80::1", 3306, n, 2), -1); /* v6 needs brackets */
	assert_int_equal(db_nodes_parse("[::1", 3306, n, 2), -1);
	assert_int_equal(db_nodes_parse("[::1]x", 3306, n, 2), -1);
	assert_int_equal(db_nodes_parse("[]:3306", 3306, n, 2), -1);
}

static void test_judge(void **state)
{
	(void)state;
	assert_int_equal(db_nodes_judge(NULL, NULL, NULL), DB_NODE_WRITABLE);
	assert_int_equal(db_nodes_judge("ON", "4", "Primary"), DB_NODE_WRITABLE);
	/* The other side of a split: never written to, whatever else it says. */
	assert_int_equal(db_nodes_judge("ON", "4", "non-Primary"), DB_NODE_NOT_PRIMARY);
	assert_int_equal(db_nodes_judge("OFF", "0", "Disconnected"), DB_NODE_NOT_PRIMARY);
	assert_int_equal(db_nodes_judge("ON", "4", NULL), DB_NODE_NOT_PRIMARY);
	assert_int_equal(db_nodes_judge("OFF", "4", "Primary"), DB_NODE_NOT_READY);
	assert_int_equal(db_nodes_judge(NULL, "4", "Primary"), DB_NODE_NOT_READY);
	/* Joining (1), donor (2), joined but not synced (3): behind or blocked. */
	assert_int_equal(db_nodes_judge("ON", "1", "Primary"), DB_NODE_NOT_SYNCED);
	assert_int_equal(db_nodes_judge("ON", "2", "Primary"), DB_NODE_NOT_SYNCED);
	assert_int_equal(db_nodes_judge("ON", "3", "Primary"), DB_NODE_NOT_SYNCED);
	assert_int_equal(db_nodes_judge("ON", "", "Primary"), DB_NODE_NOT_SYNCED);
	assert_string_equal(db_nodes_health_str(DB_NODE_NOT_PRIMARY),
	                    "not in the primary component");
}

static void test_unusable_errors(void **state)
{
	(void)state;
	assert_true(db_nodes_unusable_error(ER_UNKNOWN_COM_ERROR)); /* 1047 from wsrep */
	assert_false(db_nodes_unusable_error(ER_LOCK_DEADLOCK));    /* retried, same node */
	assert_false(db_nodes_unusable_error(0));
}

static void test_enabled_follows_config(void **state)
{
	(void)state;
	env_reset();
	db_nodes_reset();
	assert_false(db_nodes_enabled());
	assert_int_equal(env_set("db_nodes", "/x.sock, /y.sock"), 0);
	assert_true(db_nodes_enabled());
	assert_int_equal(env_set("db_nodes", ""), 0); /* empty means unset */
	assert_false(db_nodes_enabled());
	env_reset();
}

static MYSQL *plain_handle(void)
{
	MYSQL *m = mysql_init(NULL);

	assert_non_null(m);
	return m;
}

static void test_malformed_list_connects_nowhere(void **state)
{
	unsigned int err = 0;
	char msg[256];

	(void)state;
	env_reset();
	db_nodes_reset();
	assert_int_equal(env_set("db_nodes", "db:99999"), 0);
	assert_null(db_nodes_connect(plain_handle, 0, &err, msg, sizeof(msg)));
	assert_string_equal(msg, "db_nodes is malformed");
	assert_int_equal(db_nodes_current(), -1);
	env_reset();
}

/* A dead first node: the writer is the next one, and db.c works through it. */
static void test_skips_dead_node(void **state)
{
	const char *sock = getenv("STOCKTAKE_TEST_DB_SOCKET");
	char list[600];
	unsigned int err = 0;
	char msg[256];
	MYSQL *m;

	(void)state;
	if (!sock || !*sock)
		skip();
	env_reset();
	db_nodes_reset();
	snprintf(list, sizeof(list), "/nonexistent/stocktake-node1.sock, %s", sock);
	assert_int_equal(env_set("db_nodes", list), 0);
	assert_int_equal(env_set("db_user", "root"), 0);
	assert_int_equal(env_set("db_name", "mysql"), 0);
	m = db_nodes_connect(plain_handle, 0, &err, msg, sizeof(msg));
	assert_non_null(m);
	assert_int_equal(db_nodes_current(), 1);
	/* No record in this database (no cluster_writer): nothing to follow, whenever asked. */
	assert_int_equal(db_nodes_check(m), 0);
	/* A reload (SIGHUP) that leaves db_nodes as it was keeps the writer. */
	assert_int_equal(env_set("db_nodes", list), 0);
	assert_int_equal(db_nodes_check(m), 0);
	assert_int_equal(db_nodes_current(), 1);
	mysql_close(m);

	/* Through db.c: db_connect takes the list instead of db_socket. */
	assert_int_equal(db_connect(), 0);
	assert_int_equal(db_exec(NULL, NULL, "SELECT 1", ""), 0);
	db_close();
	env_reset();
}

static void test_no_node_writable(void **state)
{
	unsigned int err = 0;
	char msg[256];

	(void)state;
	env_reset();
	db_nodes_reset();
	assert_int_equal(env_set("db_nodes", "/nonexistent/a.sock /nonexistent/b.sock"), 0);
	assert_null(db_nodes_connect(plain_handle, 0, &err, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "node 2 (/nonexistent/b.sock)"));
	assert_int_not_equal(err, 0);
	assert_int_equal(db_connect(), -1);
	env_reset();
}

static void test_walk_order(void **state)
{
	int order[4];

	(void)state;
	db_nodes_walk_order(3, -1, order); /* a new process: from the first */
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	db_nodes_walk_order(3, 0, order); /* node 1 failed: the next ones first, node 1 last */
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 0);
	db_nodes_walk_order(3, 2, order); /* the last failed: round to the first */
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	db_nodes_walk_order(4, 1, order);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[3], 1);
	db_nodes_walk_order(2, 7, order); /* out of range: as none */
	assert_int_equal(order[0], 0);
}

static void test_decide(void **state)
{
	(void)state;
	/* No record (before migration 010): the first writable node, as ever. */
	assert_int_equal(db_nodes_decide(0, -1, false, 3), DB_NODES_USE);
	assert_int_equal(db_nodes_decide(1, -1, false, 3), DB_NODES_USE);
	assert_int_equal(db_nodes_decide(1, 1, false, 3), DB_NODES_USE);
	/* Stickiness: node 1 is back and writable, but the record says node 2: follow it. */
	assert_int_equal(db_nodes_decide(0, 1, false, 3), DB_NODES_FOLLOW);
	/* The recorded node just failed (timeout, refused, 1047): record the one found. */
	assert_int_equal(db_nodes_decide(1, 0, true, 3), DB_NODES_CLAIM);
	assert_int_equal(db_nodes_decide(0, 2, true, 3), DB_NODES_CLAIM);
	/* A record beyond this host's list: the lists differ; take over rather than stall. */
	assert_int_equal(db_nodes_decide(0, 5, false, 3), DB_NODES_CLAIM);
}

/* Runs sql on the test server as root in the migrated database; false when it is not there. */
static bool root_sql(const char *sock, const char *sql)
{
	MYSQL *m = mysql_init(NULL);
	bool ok = m && mysql_real_connect(m, "localhost", "root", NULL, "stocktake", 0, sock, 0) &&
	          mysql_query(m, sql) == 0;

	mysql_close(m);
	return ok;
}

static long long recorded_epoch(const char *sock, int *node)
{
	MYSQL *m = mysql_init(NULL);
	long long epoch = -1;
	MYSQL_RES *res;
	MYSQL_ROW row;

	assert_non_null(mysql_real_connect(m, "localhost", "root", NULL, "stocktake", 0, sock, 0));
	assert_int_equal(mysql_query(m, "SELECT node, epoch FROM cluster_writer WHERE id = 1"), 0);
	res = mysql_store_result(m);
	if ((row = mysql_fetch_row(res)) != NULL) {
		*node = atoi(row[0]);
		epoch = atoll(row[1]);
	}
	mysql_free_result(res);
	mysql_close(m);
	return epoch;
}

/*
 * The record against a live server (migration 010): a process follows the
 * recorded node although an earlier one is writable, records the node it
 * found when the recorded one is dead, and db_nodes_check tells it to leave
 * once another process recorded a move.
 */
static void test_record_sticks_and_moves(void **state)
{
	const char *sock = getenv("STOCKTAKE_TEST_DB_SOCKET");
	char list[600];
	unsigned int err = 0;
	char msg[256];
	MYSQL *m;
	int node = 0;
	long long epoch;

	(void)state;
	if (!sock || !*sock || !root_sql(sock, "SELECT 1 FROM cluster_writer"))
		skip();
	env_reset();
	db_nodes_reset();
	assert_int_equal(env_set("db_user", "root"), 0);
	assert_int_equal(env_set("db_name", "stocktake"), 0);

	/* Two entries for the one server; the record names the second: follow it, not the first. */
	snprintf(list, sizeof(list), "%s, %s", sock, sock);
	assert_int_equal(env_set("db_nodes", list), 0);
	assert_true(root_sql(sock, "UPDATE cluster_writer SET node = 2 WHERE id = 1"));
	m = db_nodes_connect(plain_handle, 0, &err, msg, sizeof(msg));
	assert_non_null(m);
	assert_int_equal(db_nodes_current(), 1);
	mysql_close(m);

	/* The recorded node is dead: the process records the node it found, one epoch on. */
	db_nodes_reset();
	snprintf(list, sizeof(list), "/nonexistent/stocktake-node1.sock, %s", sock);
	assert_int_equal(env_set("db_nodes", list), 0);
	assert_true(root_sql(sock, "UPDATE cluster_writer SET node = 1 WHERE id = 1"));
	epoch = recorded_epoch(sock, &node);
	m = db_nodes_connect(plain_handle, 0, &err, msg, sizeof(msg));
	assert_non_null(m);
	assert_int_equal(db_nodes_current(), 1);
	assert_int_equal(recorded_epoch(sock, &node), epoch + 1);
	assert_int_equal(node, 2);

	/* Still recorded: stay. Another process recorded node 1: leave (after
	 * DB_NODES_CHECK_SECONDS). */
	sleep(DB_NODES_CHECK_SECONDS + 1);
	assert_int_equal(db_nodes_check(m), 0);
	assert_int_equal(db_nodes_check(m), 0); /* too soon to read again: no statement */
	assert_true(
	    root_sql(sock, "UPDATE cluster_writer SET node = 1, epoch = epoch + 1 WHERE id = 1"));
	sleep(DB_NODES_CHECK_SECONDS + 1);
	assert_int_equal(db_nodes_check(m), 1);
	mysql_close(m);

	/* Back to the state of a fresh cluster. */
	assert_true(root_sql(sock, "UPDATE cluster_writer SET node = 1 WHERE id = 1"));
	db_nodes_reset();
	env_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_forms),
	    cmocka_unit_test(test_parse_empty_and_blanks),
	    cmocka_unit_test(test_parse_refuses),
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_unusable_errors),
	    cmocka_unit_test(test_enabled_follows_config),
	    cmocka_unit_test(test_malformed_list_connects_nowhere),
	    cmocka_unit_test(test_skips_dead_node),
	    cmocka_unit_test(test_no_node_writable),
	    cmocka_unit_test(test_walk_order),
	    cmocka_unit_test(test_decide),
	    cmocka_unit_test(test_record_sticks_and_moves),
	};

	log_set_level(LOGL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
