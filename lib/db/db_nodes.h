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
 */
#ifndef STOCKTAKE_DB_NODES_H
#define STOCKTAKE_DB_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

#define DB_NODES_MAX 16
/* While on a later node than the first, how often an earlier one is tried again. */
#define DB_NODES_RECHECK_SECONDS 5
/* Connect timeout per node, so a dead host costs little while the list is walked. */
#define DB_NODES_CONNECT_TIMEOUT 3

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
 * Connects to the writer: walks the list from the first node and returns a
 * connection to the first writable one, after a read barrier (one statement
 * with wsrep_sync_wait) so that the node has applied every write the cluster
 * committed before, the last writer's included. Returns NULL when no node is
 * writable, with *err and msg (the last node's reason) set.
 */
MYSQL *db_nodes_connect(db_nodes_handle_fn new_handle, unsigned long flags, unsigned int *err,
                        char *msg, size_t msglen);

/*
 * While connected to a node after the first: at most every
 * DB_NODES_RECHECK_SECONDS, tries the earlier nodes and returns a connection
 * to the first writable one (the writer the other hosts choose again once it
 * is back), else NULL. Call only outside a transaction.
 */
MYSQL *db_nodes_better(db_nodes_handle_fn new_handle, unsigned long flags);

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
