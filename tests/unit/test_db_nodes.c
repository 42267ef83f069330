/* Unit tests for db/db_nodes.c: list parsing, node judging, writer choice against a live server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	/* Node 1 is still down: no better node, whenever asked. */
	assert_null(db_nodes_better(plain_handle, 0));
	/* A reload (SIGHUP) that leaves db_nodes as it was keeps the writer. */
	assert_int_equal(env_set("db_nodes", list), 0);
	assert_null(db_nodes_better(plain_handle, 0));
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
	};

	log_set_level(LOGL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
