/* Whether the database can take this build's writes: reachable, writable, schema up to date. */
#ifndef STOCKTAKE_DB_READY_H
#define STOCKTAKE_DB_READY_H

#include <stdbool.h>

struct arena;

/* What the server says about itself, read in one statement. */
struct db_ready {
	bool read_only;   /* @@global.read_only is set: writes would be refused */
	bool galera;      /* wsrep_on: the server is a Galera node */
	bool wsrep_ready; /* wsrep_ready: the node accepts queries (meaningful when galera) */
	long applied;     /* the highest schema_version row, -1 when the table is empty or absent */
};

/*
 * The schema version this build expects: the highest db/migrations/NNN_*.sql number, which
 * make writes into db/schema_expected.h when a migration is added.
 */
long db_schema_expected(void);

/* Reads the server's state into out. 0, or -1 when the database cannot be reached (logged). */
int db_ready_read(struct arena *a, struct db_ready *out);

/*
 * Why the server cannot take this build's writes, in words an operator acts on ("schema
 * version 8 is behind this build's 9: run stocktake-migrate"), or NULL when it can.
 * In the arena.
 */
const char *db_ready_problem(struct arena *a, const struct db_ready *st);

#endif
