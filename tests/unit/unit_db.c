/* Unit test helper: db.c connected to the devstack database, for the cases that need one. */
#include "unit_db.h"

#include <stdlib.h>

#include "base/arena.h"
#include "base/env.h"
#include "db/db.h"

/*
 * `make -j2 check` runs test programs side by side, and the DB cases of several insert the same
 * fixture rows in transactions of their own: one program at a time holds the database (a named
 * lock, released when the connection closes), so they never wait on each other's rows.
 */
static int hold_the_database(void)
{
	struct arena *a = arena_new(1024);
	struct db_rows rows;
	int rc = db_exec(a, &rows, "SELECT GET_LOCK('stocktake-unit-tests', 600)", NULL);

	rc = rc == 0 && rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 0)[0] == '1'
	         ? 0
	         : -1;
	arena_free(a);
	return rc;
}

int unit_db_connect(void)
{
	const char *sock = getenv("STOCKTAKE_TEST_DB_SOCKET");
	const char *name = getenv("STOCKTAKE_TEST_APP_DB_NAME");

	if (!sock || !*sock)
		return -1;
	if (env_set("db_socket", sock) != 0 || env_set("db_user", "root") != 0 ||
	    env_set("db_password", "") != 0 ||
	    env_set("db_name", name && *name ? name : "stocktake") != 0)
		return -1;
	if (db_connect() != 0)
		return -1;
	return hold_the_database();
}

void unit_db_delete_tenant(struct arena *a, const char *tenant_id)
{
	struct db_rows tables;

	if (db_exec(
	        a, &tables,
	        "SELECT table_name FROM information_schema.columns WHERE table_schema = DATABASE()"
	        " AND column_name = 'tenant_id'",
	        NULL) < 0)
		return;
	db_exec(a, NULL, "SET FOREIGN_KEY_CHECKS = 0", NULL);
	for (size_t i = 0; i < tables.nrows; i++)
		db_exec(a, NULL,
		        arena_sprintf(a, "DELETE FROM `%s` WHERE tenant_id = ?",
		                      db_cell(&tables, i, 0)),
		        "s", tenant_id);
	db_exec(a, NULL, "DELETE FROM tenants WHERE id = ?", "s", tenant_id);
	db_exec(a, NULL, "SET FOREIGN_KEY_CHECKS = 1", NULL);
}
