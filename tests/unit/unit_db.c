/* Unit test helper: db.c connected to the devstack database, for the cases that need one. */
#include "unit_db.h"

#include <stdlib.h>

#include "base/env.h"
#include "db/db.h"

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
	return db_connect();
}
