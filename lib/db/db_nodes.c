/* Galera Cluster nodes: the node list, the one writer all hosts agree on, failover. */
#include "db/db_nodes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "base/env.h"
#include "base/log.h"

/* The process-wide node state: the parsed list and where this process writes. */
static struct {
	/* A copy of the config string the list was parsed from: a reload (SIGHUP) that leaves
	 * db_nodes as it was keeps the writer this process chose (no move back). */
	char *parsed_from;
	struct db_node nodes[DB_NODES_MAX];
	int n;       /* -1: the list is malformed */
	int current; /* index of the node connected last, -1 none */
	time_t last_check;
} st = {.current = -1};

/* Copies the bytes [s, s + n) into dst (of size cap) as a string; -1 when they do not fit. */
static int copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int parse_port(const char *s, size_t n, unsigned int *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

/* One entry [s, s + n): a socket path, host, host:port or [v6]:port. */
static int parse_entry(const char *s, size_t n, unsigned int default_port, struct db_node *node)
{
	const char *colon;

	memset(node, 0, sizeof(*node));
	if (s[0] == '/')
		return copy_part(node->socket, sizeof(node->socket), s, n);
	node->port = default_port;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (!end || copy_part(node->host, sizeof(node->host), s + 1, (size_t)(end - s - 1)))
			return -1;
		if ((size_t)(end - s) + 1 == n)
			return 0;
		if (end[1] != ':')
			return -1;
		return parse_port(end + 2, n - (size_t)(end - s) - 2, &node->port);
	}
	colon = memchr(s, ':', n);
	if (!colon)
		return copy_part(node->host, sizeof(node->host), s, n);
	if (memchr(colon + 1, ':', n - (size_t)(colon - s) - 1))
		return -1; /* a bare IPv6 address: it needs brackets */
	if (copy_part(node->host, sizeof(node->host), s, (size_t)(colon - s)))
		return -1;
	return parse_port(colon + 1, n - (size_t)(colon - s) - 1, &node->port);
}

int db_nodes_parse(const char *list, unsigned int default_port, struct db_node *out, size_t max)
{
	size_t count = 0;
	const char *p = list ? list : "";

	for (;;) {
		size_t n;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			return (int)count;
		n = strcspn(p, ", \t\r\n");
		if (count == max || parse_entry(p, n, default_port, &out[count]) != 0)
			return -1;
		count++;
		p += n;
	}
}

enum db_node_health db_nodes_judge(const char *ready, const char *local_state,
                                   const char *cluster_status)
{
	if (!ready && !local_state && !cluster_status)
		return DB_NODE_WRITABLE; /* no wsrep: a plain server */
	/* A missing value on a wsrep server is as bad as a wrong one. */
	if (!cluster_status || strcmp(cluster_status, "Primary") != 0)
		return DB_NODE_NOT_PRIMARY;
	if (!ready || strcmp(ready, "ON") != 0)
		return DB_NODE_NOT_READY;
	if (!local_state || strcmp(local_state, "4") != 0)
		return DB_NODE_NOT_SYNCED;
	return DB_NODE_WRITABLE;
}

const char *db_nodes_health_str(enum db_node_health h)
{
	switch (h) {
	case DB_NODE_WRITABLE:
		return "writable";
	case DB_NODE_NOT_READY:
		return "wsrep not ready";
	case DB_NODE_NOT_SYNCED:
		return "not synced";
	case DB_NODE_NOT_PRIMARY:
		return "not in the primary component";
	}
	return "?";
}

bool db_nodes_unusable_error(unsigned int err)
{
	return err == ER_UNKNOWN_COM_ERROR;
}

/* The list from the configuration, parsed again whenever the configuration string changes. */
static int nodes(void)
{
	const struct config *cfg = env_get();

	if (!cfg->db_nodes) {
		free(st.parsed_from);
		st.parsed_from = NULL;
		st.n = 0;
		return 0;
	}
	if (!st.parsed_from || strcmp(st.parsed_from, cfg->db_nodes) != 0) {
		free(st.parsed_from);
		st.parsed_from = strdup(cfg->db_nodes);
		if (!st.parsed_from)
			log_fatal("db: out of memory");
		st.current = -1;
		st.n = db_nodes_parse(cfg->db_nodes, cfg->db_port, st.nodes, DB_NODES_MAX);
		if (st.n < 0)
			log_error("db: db_nodes is malformed (\"%s\"): entries are socket paths, "
			          "host or host:port, at most %d",
			          cfg->db_nodes, DB_NODES_MAX);
	}
	return st.n;
}

bool db_nodes_enabled(void)
{
	return env_get()->db_nodes != NULL;
}

int db_nodes_current(void)
{
	return st.current;
}

void db_nodes_reset(void)
{
	free(st.parsed_from);
	memset(&st, 0, sizeof(st));
	st.current = -1;
}

static const char *node_name(const struct db_node *n, char *buf, size_t cap)
{
	if (n->socket[0])
		snprintf(buf, cap, "%s", n->socket);
	else
		snprintf(buf, cap, "%s:%u", n->host, n->port);
	return buf;
}

/* The value of a one-row SHOW (..., value) result in buf ("" when there is no row); -1 on error. */
static int show_value(MYSQL *m, const char *sql, char *buf, size_t cap)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	buf[0] = '\0';
	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0 ||
	    !(res = mysql_store_result(m)))
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && mysql_num_fields(res) >= 2 && row[1])
		snprintf(buf, cap, "%s", row[1]);
	mysql_free_result(res);
	return 0;
}

/*
 * Judges the node m is connected to. Returns 1 for a cluster member, 0 for a
 * server with wsrep off (standalone: writable), -1 when even SHOW fails.
 */
static int read_health(MYSQL *m, enum db_node_health *health)
{
	char on[8], ready[16], state[16], status[32];

	if (show_value(m, "SHOW GLOBAL VARIABLES LIKE 'wsrep\\_on'", on, sizeof(on)) != 0)
		return -1;
	if (strcmp(on, "ON") != 0) {
		*health = DB_NODE_WRITABLE;
		return 0;
	}
	if (show_value(m, "SHOW GLOBAL STATUS LIKE 'wsrep\\_ready'", ready, sizeof(ready)) ||
	    show_value(m, "SHOW GLOBAL STATUS LIKE 'wsrep\\_local\\_state'", state,
	               sizeof(state)) ||
	    show_value(m, "SHOW GLOBAL STATUS LIKE 'wsrep\\_cluster\\_status'", status,
	               sizeof(status)))
		return -1;
	/* wsrep is on, so a missing value is not "no wsrep": judge it as "" (not writable). */
	*health = db_nodes_judge(ready, state, status);
	return 1;
}

/*
 * Waits until the node has applied every write set the cluster ordered before
 * now: the previous writer's last commits may still be in its apply queue.
 */
static int read_barrier(MYSQL *m)
{
	static const char sql[] = "SET STATEMENT wsrep_sync_wait = 1 FOR SELECT 1";
	MYSQL_RES *res;

	if (mysql_real_query(m, sql, sizeof(sql) - 1) != 0)
		return -1;
	res = mysql_store_result(m);
	mysql_free_result(res);
	return 0;
}

/* Connects to node i and checks that it is writable; NULL with the reason in *err/msg. */
static MYSQL *open_node(int i, db_nodes_handle_fn new_handle, unsigned long flags,
                        enum log_level level, unsigned int *err, char *msg, size_t msglen)
{
	const struct config *cfg = env_get();
	const struct db_node *n = &st.nodes[i];
	unsigned int timeout = DB_NODES_CONNECT_TIMEOUT;
	enum db_node_health health = DB_NODE_WRITABLE;
	char name[300];
	MYSQL *m = new_handle();
	int member;

	node_name(n, name, sizeof(name));
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!mysql_real_connect(m, n->socket[0] ? "localhost" : n->host, cfg->db_user,
	                        cfg->db_password, cfg->db_name, n->port,
	                        n->socket[0] ? n->socket : NULL, flags)) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): %s", i + 1, name, mysql_error(m));
		goto fail;
	}
	if ((member = read_health(m, &health)) < 0) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): status: %s", i + 1, name, mysql_error(m));
		goto fail;
	}
	if (health != DB_NODE_WRITABLE) {
		*err = ER_UNKNOWN_COM_ERROR;
		snprintf(msg, msglen, "node %d (%s): %s", i + 1, name, db_nodes_health_str(health));
		goto fail;
	}
	if (member && read_barrier(m) != 0) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): read barrier: %s", i + 1, name,
		         mysql_error(m));
		goto fail;
	}
	return m;
fail:
	log_msg(level, "db: %s", msg);
	mysql_close(m);
	return NULL;
}

/* The first writable node among the first `upto`; sets st.current. */
static MYSQL *first_writable(int upto, db_nodes_handle_fn new_handle, unsigned long flags,
                             enum log_level level, unsigned int *err, char *msg, size_t msglen)
{
	for (int i = 0; i < upto; i++) {
		MYSQL *m = open_node(i, new_handle, flags, level, err, msg, msglen);
		char name[300];

		if (!m)
			continue;
		if (i != st.current)
			log_info("db: writer is node %d (%s)%s", i + 1,
			         node_name(&st.nodes[i], name, sizeof(name)),
			         st.current >= 0
			             ? (i < st.current ? ", back to an earlier node"
			                               : ", moved on from an unusable node")
			             : "");
		st.current = i;
		st.last_check = time(NULL);
		return m;
	}
	return NULL;
}

MYSQL *db_nodes_connect(db_nodes_handle_fn new_handle, unsigned long flags, unsigned int *err,
                        char *msg, size_t msglen)
{
	int n = nodes();
	MYSQL *m;

	*err = CR_CONN_HOST_ERROR;
	snprintf(msg, msglen, "%s", n < 0 ? "db_nodes is malformed" : "db_nodes is empty");
	if (n <= 0)
		return NULL;
	m = first_writable(n, new_handle, flags, LOGL_WARN, err, msg, msglen);
	if (!m)
		log_error("db: no writable database node among %d (last: %s)", n, msg);
	return m;
}

MYSQL *db_nodes_better(db_nodes_handle_fn new_handle, unsigned long flags)
{
	time_t now = time(NULL);
	unsigned int err;
	char msg[512];

	if (nodes() <= 0 || st.current <= 0 || now - st.last_check < DB_NODES_RECHECK_SECONDS)
		return NULL;
	st.last_check = now;
	/* The earlier nodes are known to be down: trying them again is routine, not news. */
	return first_writable(st.current, new_handle, flags, LOGL_DEBUG, &err, msg, sizeof(msg));
}
