/*
 * Galera Cluster nodes: the configured list (db_nodes), the choice of the one
 * writer node that every handler host uses, and failover to the next healthy
 * node when the writer is lost. Why one writer: docs/SCALING.md.
 *
 * The writer is the first node, in the configured order, that accepts a
 * connection and is writable: wsrep_ready ON, wsrep_local_state 4 (Synced)
 * and wsrep_cluster_status Primary. Every host applies the same rule to the
 * same list and the same cluster state, so all hosts write to the same node
 * without talking to each other. A server without wsrep (a plain MariaDB)
 * counts as writable, so a one-node list works against a single server.
 *
 * Once a process has moved on, the choice is sticky: the writer is recorded in
 * the replicated table cluster_writer (migration 010), and every process
 * follows the recorded node while it is writable. Only a process that finds
 * the recorded node unusable records another (a compare-and-set on its epoch,
 * so concurrent movers agree on one). Nobody moves back on their own when an
 * earlier node returns. Without that table (before migration 010) the rule is
 * the plain "first writable node".
 */
#ifndef STOCKTAKE_DB_NODES_H
#define STOCKTAKE_DB_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

#define DB_NODES_MAX 16
/*
 * How often, at most, a process outside a transaction reads the recorded
 * writer again (db_nodes_check): the longest a process keeps writing to a
 * node after another process recorded a move away from it.
 */
#define DB_NODES_CHECK_SECONDS 1

/* One node: a unix socket path, or a host and port. */
struct db_node {
	char socket[256]; /* "" for TCP */
	char host[256];   /* "" for a socket */
	unsigned int port;
};

/*
 * Parses list into out: entries separated by commas or blanks, each
 * "/path/to/mysqld.sock", "host", "host:port" or "[v6 address]:port"
 * (default_port when none is given). Returns the number of nodes (0 for an
 * empty list), or -1 for a malformed entry or more than max.
 */
int db_nodes_parse(const char *list, unsigned int default_port, struct db_node *out, size_t max);

enum db_node_health {
	DB_NODE_WRITABLE = 0,
	DB_NODE_NOT_READY,   /* wsrep_ready is not ON */
	DB_NODE_NOT_SYNCED,  /* joining, donor, desynced: behind or about to be */
	DB_NODE_NOT_PRIMARY, /* in a non-primary component: the other side of a split */
};

/*
 * Judges a node by its status values, each NULL when the server does not
 * report it (a server without wsrep reports none of them: writable).
 */
enum db_node_health db_nodes_judge(const char *ready, const char *local_state,
                                   const char *cluster_status);

/* A few words for logs ("not synced"). */
const char *db_nodes_health_str(enum db_node_health h);

/* True when the configuration names database nodes (db_nodes). */
bool db_nodes_enabled(void);

/* Makes a new connection handle with the caller's options set (db.c's, for every node alike). */
typedef MYSQL *(*db_nodes_handle_fn)(void);

/*
 * The order in which a connection attempt tries the n nodes: from the first,
 * or, after node lost (from 0) failed, from the one after it round the list,
 * the failed node last (it may have been a false alarm). Fills order[0..n).
 */
void db_nodes_walk_order(int n, int lost, int *order);

/* What a connection attempt does once it holds a writable node and has read the record. */
enum db_nodes_step {
	DB_NODES_USE,    /* stay on the node found */
	DB_NODES_FOLLOW, /* connect to the recorded node instead */
	DB_NODES_CLAIM,  /* record the node found as the writer, then use it */
};

/*
 * The rule: found is the writable node held, recorded the recorded writer (-1
 * when there is no record: use found), recorded_failed whether this attempt
 * found it unusable (its connection failed or it is not writable; a node whose
 * earlier connection was lost is tried once more first). Indices from 0, n nodes.
 */
enum db_nodes_step db_nodes_decide(int found, int recorded, bool recorded_failed, int n);

/*
 * Connects to the writer: walks the list (db_nodes_walk_order) to the first
 * writable node, after a read barrier (one statement with wsrep_sync_wait) so
 * that the node has applied every write the cluster committed before, the
 * last writer's included; then follows or claims the recorded writer
 * (db_nodes_decide). Returns NULL when no node is writable, with *err and msg
 * (the last node's reason) set.
 */
MYSQL *db_nodes_connect(db_nodes_handle_fn new_handle, unsigned long flags, unsigned int *err,
                        char *msg, size_t msglen);

/*
 * At most every DB_NODES_CHECK_SECONDS, reads the recorded writer on m (the
 * current connection, outside a transaction). Returns 0 to stay, 1 when the
 * record names another node (drop m and connect again), -1 when the
 * statement failed (mysql_errno(m) says why; a lost connection or 1047 means
 * the node is unusable).
 */
int db_nodes_check(MYSQL *m);

/* Notes that the current node failed (lost connection, timeout, 1047): the next walk avoids it. */
void db_nodes_lost(void);

/*
 * Errors after which the node must not be used any more: 1047 (WSREP has not
 * yet prepared node for application use: it left the Primary component or
 * lost wsrep_ready). db.c treats them like a lost connection.
 */
bool db_nodes_unusable_error(unsigned int err);

/* Index in the list of the node last connected to, -1 for none. */
int db_nodes_current(void);

/* Forgets the parsed list and the current node (tests that change the configuration). */
void db_nodes_reset(void);

#endif
