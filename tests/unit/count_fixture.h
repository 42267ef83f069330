/* Unit test helper: a tenant with two counters, bins A and B, an item with 10 in bin A, and count
 * sessions over them, made through lib/count inside the case's transaction (rolled back after). */
#ifndef STOCKTAKE_COUNT_FIXTURE_H
#define STOCKTAKE_COUNT_FIXTURE_H

#include <stdbool.h>

#include "count/count.h"

#define FX_TENANT "d0000000-0000-4000-8000-000000000001"
#define FX_OTHER_TENANT "d0000000-0000-4000-8000-000000000002"
#define FX_USER1 "d2000000-0000-4000-8000-000000000001" /* counter-one */
#define FX_USER2 "d2000000-0000-4000-8000-000000000002" /* counter-two */
#define FX_USER3 "d2000000-0000-4000-8000-000000000003" /* outsider: assigned nowhere */
#define FX_WAREHOUSE "d3000000-0000-4000-8000-000000000001"
#define FX_BIN_A "d4000000-0000-4000-8000-00000000000a"
#define FX_BIN_B "d4000000-0000-4000-8000-00000000000b"
#define FX_ITEM "d5000000-0000-4000-8000-000000000001"
#define FX_STOCK "d6000000-0000-4000-8000-000000000001"

struct arena;

/* Connects (once) and reports whether the migrated count tables are there. */
bool fx_connect(struct arena *a);
/* Begins the case's transaction and inserts the tenant's rows. */
void fx_begin(struct arena *a);
/* Rolls the case back. */
void fx_end(void);
/* Runs one statement that must succeed. */
void fx_run(struct arena *a, const char *sql);

/*
 * Creates a planned position session (code given, or generated when NULL)
 * with counter-one and counter-two both assigned bin A, blind as asked. Sets
 * *id.
 */
void fx_session(struct arena *a, const char *code, bool blind, const char **id);
/* Loads the session (locked for update). */
void fx_load(struct arena *a, const char *id, struct count_session *s);
/* Runs a lifecycle action that must succeed. */
void fx_action(struct arena *a, const char *id, enum count_action action);
/* user_id's count of item in bin A, no lot. */
void fx_record(struct arena *a, const char *id, const char *user_id, long long qt);

#endif
