/* The readiness probe's database side: writability, Galera state, the applied schema version. */
#include "db/db_ready.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "db/db.h"
#include "db/schema_expected.h"

/*
 * One round trip. The wsrep variables are read from information_schema, where a server
 * without Galera support simply has no row (NULL) instead of failing the statement; the
 * schema_version subquery would fail on a database never migrated, so its absence is asked
 * of information_schema first.
 */
static const char ready_sql[] =
    "SELECT @@global.read_only,"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES"
    "  WHERE VARIABLE_NAME = 'WSREP_ON'),"
    " (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
    "  WHERE VARIABLE_NAME = 'WSREP_READY'),"
    " (SELECT COUNT(*) FROM information_schema.TABLES"
    "  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_version')";

long db_schema_expected(void)
{
	return DB_SCHEMA_EXPECTED;
}

static bool is_on(const char *v)
{
	return v && (strcmp(v, "ON") == 0 || strcmp(v, "1") == 0);
}

static int read_applied(struct arena *a, struct db_ready *out)
{
	struct db_rows rows;
	const char *v;

	if (db_exec(a, &rows, "SELECT MAX(version) FROM schema_version", NULL) < 0)
		return -1;
	v = rows.nrows ? db_cell(&rows, 0, 0) : NULL;
	out->applied = v ? strtol(v, NULL, 10) : -1;
	return 0;
}

int db_ready_read(struct arena *a, struct db_ready *out)
{
	struct db_rows rows;
	const char *has_table;

	memset(out, 0, sizeof(*out));
	out->applied = -1;
	if (db_exec(a, &rows, ready_sql, NULL) < 0 || rows.nrows != 1)
		return -1;
	out->read_only = is_on(db_cell(&rows, 0, 0));
	out->galera = is_on(db_cell(&rows, 0, 1));
	out->wsrep_ready = is_on(db_cell(&rows, 0, 2));
	has_table = db_cell(&rows, 0, 3);
	if (has_table && strcmp(has_table, "0") != 0)
		return read_applied(a, out);
	return 0;
}

const char *db_ready_problem(struct arena *a, const struct db_ready *st)
{
	long want = db_schema_expected();

	if (st->galera && !st->wsrep_ready)
		return "the Galera node is not ready (wsrep_ready OFF): it is not part of the "
		       "primary component";
	if (st->read_only)
		return "the database is read-only (read_only ON): writes would be refused";
	if (st->applied < 0)
		return arena_sprintf(a,
		                     "the database has no schema (this build expects version %ld): "
		                     "run stocktake-migrate",
		                     want);
	if (st->applied < want)
		return arena_sprintf(a,
		                     "schema version %ld is behind this build's %ld: run "
		                     "stocktake-migrate",
		                     st->applied, want);
	if (st->applied > want)
		return arena_sprintf(
		    a,
		    "schema version %ld is ahead of this build's %ld: install the "
		    "build that matches the database (or restore the older schema)",
		    st->applied, want);
	return NULL;
}
