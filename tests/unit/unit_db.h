/* Unit test helper: db.c connected to the devstack database, for the cases that need one. */
#ifndef STOCKTAKE_UNIT_DB_H
#define STOCKTAKE_UNIT_DB_H

/*
 * Connects db.c as root over STOCKTAKE_TEST_DB_SOCKET to the database
 * STOCKTAKE_TEST_APP_DB_NAME (default "stocktake", the migrated one). 0, or
 * -1 when no socket is set or the connection fails: those cases then skip.
 */
int unit_db_connect(void);

struct arena;

/*
 * Deletes every row of tenant_id, in every table with a tenant_id column, and
 * the tenant: for cases whose code commits its own transactions (itx_create),
 * so fixtures cannot simply be rolled back.
 */
void unit_db_delete_tenant(struct arena *a, const char *tenant_id);

#endif
