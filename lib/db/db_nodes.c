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
	int lost;    /* index of the node that failed last, avoided by the next walk; -1 none */
	bool member; /* the current node is a Galera member (wsrep on) */
	long long last_check_ms;       /* when db_nodes_check last read the record */
	db_nodes_handle_fn new_handle; /* db_nodes_connect's, for the nodes it opens */
	unsigned long flags;
} st = {.current = -1, .lost = -1};

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
		st.current = st.lost = -1;
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
	st.current = st.lost = -1;
}

void db_nodes_lost(void)
{
	st.lost = st.current;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void db_nodes_walk_order(int n, int lost, int *order)
{
	int start = lost >= 0 && lost < n ? lost + 1 : 0;

	for (int k = 0; k < n; k++)
		order[k] = (start + k) % n;
}

enum db_nodes_step db_nodes_decide(int found, int recorded, bool recorded_failed, int n)
{
	if (recorded < 0 || recorded == found)
		return DB_NODES_USE;
	/* A record naming no node of our list: a list that differs between hosts (logged). */
	if (recorded >= n || recorded_failed)
		return DB_NODES_CLAIM;
	return DB_NODES_FOLLOW;
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
static MYSQL *open_node(int i, db_nodes_handle_fn new_handle, unsigned long flags, bool *member,
                        unsigned int *err, char *msg, size_t msglen)
{
	const struct config *cfg = env_get();
	const struct db_node *n = &st.nodes[i];
	enum db_node_health health = DB_NODE_WRITABLE;
	char name[300];
	MYSQL *m = new_handle();
	int is_member;

	node_name(n, name, sizeof(name));
	if (!mysql_real_connect(m, n->socket[0] ? "localhost" : n->host, cfg->db_user,
	                        cfg->db_password, cfg->db_name, n->port,
	                        n->socket[0] ? n->socket : NULL, flags)) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): %s", i + 1, name, mysql_error(m));
		goto fail;
	}
	if ((is_member = read_health(m, &health)) < 0) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): status: %s", i + 1, name, mysql_error(m));
		goto fail;
	}
	if (health != DB_NODE_WRITABLE) {
		*err = ER_UNKNOWN_COM_ERROR;
		snprintf(msg, msglen, "node %d (%s): %s", i + 1, name, db_nodes_health_str(health));
		goto fail;
	}
	*member = is_member == 1;
	if (is_member && read_barrier(m) != 0) {
		*err = mysql_errno(m);
		snprintf(msg, msglen, "node %d (%s): read barrier: %s", i + 1, name,
		         mysql_error(m));
		goto fail;
	}
	return m;
fail:
	log_warn("db: %s", msg);
	mysql_close(m);
	return NULL;
}

/*
 * The recorded writer on m: *node (from 0) and *epoch. 0, or 1 when there is
 * no record (before migration 010: the plain first-writable rule), or -1 on
 * an error (mysql_errno(m)). A member waits for the cluster's last writes
 * first, so that a record changed on another node is seen here.
 */
static int read_record(MYSQL *m, bool member, int *node, unsigned long long *epoch)
{
	static const char plain[] = "SELECT node, epoch FROM cluster_writer WHERE id = 1";
	static const char synced[] = "SET STATEMENT wsrep_sync_wait = 1 FOR SELECT node, epoch "
	                             "FROM cluster_writer WHERE id = 1";
	const char *sql = member ? synced : plain;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = 1;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0)
		return mysql_errno(m) == ER_NO_SUCH_TABLE ? 1 : -1;
	if (!(res = mysql_store_result(m)))
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] && row[1]) {
		*node = atoi(row[0]) - 1;
		*epoch = strtoull(row[1], NULL, 10);
		rc = 0;
	}
	mysql_free_result(res);
	return rc;
}

/*
 * Records node i as the writer, on m, if the record is still at epoch (Galera
 * certifies the row: of two concurrent claims through different nodes one
 * fails with 1213). 1 when it did, 0 when another process changed the record
 * first, -1 on another error.
 */
static int claim(MYSQL *m, int i, unsigned long long epoch)
{
	static const char sql[] =
	    "UPDATE cluster_writer SET node = ?, node_name = @@wsrep_node_name, epoch = epoch + 1, "
	    "changed_at = UTC_TIMESTAMP(6) WHERE id = 1 AND epoch = ?";
	MYSQL_STMT *stmt = mysql_stmt_init(m);
	MYSQL_BIND b[2];
	long long node = i + 1, at = (long long)epoch;
	int rc = -1;

	if (!stmt)
		return -1;
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_LONGLONG;
	b[0].buffer = &node;
	b[1].buffer_type = MYSQL_TYPE_LONGLONG;
	b[1].buffer = &at;
	if (mysql_stmt_prepare(stmt, sql, sizeof(sql) - 1) == 0 &&
	    mysql_stmt_bind_param(stmt, b) == 0) {
		if (mysql_stmt_execute(stmt) == 0)
			rc = mysql_stmt_affected_rows(stmt) == 1;
		else if (mysql_stmt_errno(stmt) == ER_LOCK_DEADLOCK)
			rc = 0;
		else
			log_warn("db: recording node %d as the writer failed (%u %s)", i + 1,
			         mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
	}
	mysql_stmt_close(stmt);
	return rc;
}

/* Makes node i (connected as m) the process's writer. */
static MYSQL *use_node(MYSQL *m, int i, bool member, const char *why)
{
	char name[300];

	if (i != st.current)
		log_info("db: writer is node %d (%s)%s", i + 1,
		         node_name(&st.nodes[i], name, sizeof(name)), why);
	st.current = i;
	st.lost = -1;
	st.member = member;
	st.last_check_ms = now_ms();
	return m;
}

/* The first writable node in walk order that has not failed yet; *found its index. */
static MYSQL *walk(const int *order, int n, bool *failed, int *found, bool *member,
                   unsigned int *err, char *msg, size_t msglen)
{
	for (int k = 0; k < n; k++) {
		int i = order[k];
		MYSQL *m;

		if (failed[i])
			continue;
		if ((m = open_node(i, st.new_handle, st.flags, member, err, msg, msglen)) != NULL) {
			*found = i;
			return m;
		}
		failed[i] = true;
	}
	return NULL;
}

/*
 * Holding writable node found (m), settles on the writer: the recorded one if
 * it is writable, else found, recorded as the writer. A few rounds at most:
 * each lost compare-and-set means another process recorded a writer meanwhile.
 */
static MYSQL *settle(MYSQL *m, int found, bool member, bool *failed, int n)
{
	for (int round = 0; round < 4; round++) {
		unsigned long long epoch = 0;
		int recorded = -1, rc = read_record(m, member, &recorded, &epoch);
		bool rec_member = false;
		unsigned int err;
		char msg[512];
		MYSQL *other;

		if (rc < 0) {
			log_warn("db: reading the recorded writer on node %d failed (%u %s)",
			         found + 1, mysql_errno(m), mysql_error(m));
			mysql_close(m);
			failed[found] = true;
			return NULL;
		}
		if (rc == 1)
			recorded = -1;
		if (recorded >= n)
			log_error("db: the recorded writer is node %d but db_nodes lists %d: "
			          "db_nodes must be the same list on every host",
			          recorded + 1, n);
		/* The node that failed before this attempt is tried again (FOLLOW) before anyone
		 * takes over from it: one killed connection, or one closed by wait_timeout, does
		 * not make a healthy writer unusable. */
		switch (db_nodes_decide(found, recorded,
		                        recorded >= 0 && recorded < n && failed[recorded], n)) {
		case DB_NODES_USE:
			return use_node(m, found, member, st.current < 0 ? "" : ", as recorded");
		case DB_NODES_FOLLOW:
			other = open_node(recorded, st.new_handle, st.flags, &rec_member, &err, msg,
			                  sizeof(msg));
			if (other) {
				mysql_close(m);
				return use_node(other, recorded, rec_member, ", as recorded");
			}
			failed[recorded] = true;
			continue; /* decides again: claim */
		case DB_NODES_CLAIM:
			rc = claim(m, found, epoch);
			if (rc == 1) {
				log_warn("db: node %d is unusable: recorded node %d as the writer "
				         "(epoch %llu)",
				         recorded + 1, found + 1, epoch + 1);
				return use_node(m, found, member,
				                ", moved on from an unusable node");
			}
			if (rc < 0) {
				mysql_close(m);
				failed[found] = true;
				return NULL;
			}
			continue; /* another process was first: read what it recorded */
		}
	}
	mysql_close(m);
	failed[found] = true; /* the record kept changing: try the others */
	return NULL;
}

MYSQL *db_nodes_connect(db_nodes_handle_fn new_handle, unsigned long flags, unsigned int *err,
                        char *msg, size_t msglen)
{
	int n = nodes(), order[DB_NODES_MAX], found = -1;
	bool failed[DB_NODES_MAX] = {false}, member = false;

	*err = CR_CONN_HOST_ERROR;
	snprintf(msg, msglen, "%s", n < 0 ? "db_nodes is malformed" : "db_nodes is empty");
	if (n <= 0)
		return NULL;
	st.new_handle = new_handle;
	st.flags = flags;
	db_nodes_walk_order(n, st.lost, order);
	for (;;) {
		MYSQL *m = walk(order, n, failed, &found, &member, err, msg, msglen);

		if (!m)
			break;
		if ((m = settle(m, found, member, failed, n)) != NULL)
			return m;
	}
	log_error("db: no writable database node among %d (last: %s)", n, msg);
	return NULL;
}

int db_nodes_check(MYSQL *m)
{
	long long now = now_ms();
	unsigned long long epoch = 0;
	int recorded = -1, rc;

	if (nodes() <= 0 || st.current < 0 ||
	    now - st.last_check_ms < DB_NODES_CHECK_SECONDS * 1000LL)
		return 0;
	st.last_check_ms = now;
	rc = read_record(m, st.member, &recorded, &epoch);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (recorded == st.current)
		return 0;
	log_info("db: the recorded writer is node %d (epoch %llu): leaving node %d", recorded + 1,
	         epoch, st.current + 1);
	return 1;
}
