/* Transactions per day and type: one grouped range read of the tenant's time index. */
#include "stock/itx_days.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/valid.h"
#include "db/db.h"
#include "stock/ledger.h"

static size_t type_index(const char *type)
{
	size_t k = 0;

	while (ledger_types[k] && strcmp(ledger_types[k], type) != 0)
		k++;
	return k;
}

/* t as DATETIME text in UTC (the session's zone), in a. */
static const char *db_time(struct arena *a, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	return arena_sprintf(a, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * INTERVAL(x, b1, ..., b(n-1)) is the index of the day holding x (0 before b1):
 * the bounds between the days as epoch seconds, the time as UNIX_TIMESTAMP of
 * the UTC DATETIME (the connection's time zone is UTC).
 */
static const char *days_sql(struct arena *a, size_t ndays)
{
	struct buf b;
	const char *sql;

	buf_init(&b);
	buf_puts(&b, "SELECT INTERVAL(UNIX_TIMESTAMP(timestamp)");
	for (size_t d = 1; d < ndays; d++)
		buf_puts(&b, ", ?");
	/* The optimizer may take the type index for the GROUP BY and read all the tenant's rows. */
	buf_puts(&b, ") AS day, transaction_type, COUNT(*) FROM inventory_transactions"
	             " FORCE INDEX (ix_itx_tenant_time) WHERE tenant_id = ? AND timestamp >= ? AND "
	             "timestamp < ?"
	             " GROUP BY day, transaction_type");
	sql = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return sql;
}

int itx_days(struct arena *a, const char *tenant_id, const time_t *bounds, size_t ndays,
             long long *counts)
{
	size_t ntypes = type_index(""), np = 0;
	struct db_param *p;
	struct db_rows rows;

	if (ndays == 0 || ndays > ITX_DAYS_MAX)
		return -1;
	memset(counts, 0, ndays * ntypes * sizeof(*counts));
	p = arena_alloc(a, (ndays + 2) * sizeof(*p));
	for (size_t d = 1; d < ndays; d++)
		p[np++] = DBP_I((long long)bounds[d]);
	p[np++] = DBP_S(tenant_id);
	p[np++] = DBP_S(db_time(a, bounds[0]));
	p[np++] = DBP_S(db_time(a, bounds[ndays]));
	if (db_execv(a, &rows, days_sql(a, ndays), p, np) < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows; i++) {
		long long day = -1, n = 0;
		size_t k = type_index(db_cell(&rows, i, 1) ? db_cell(&rows, i, 1) : "");

		if (!valid_int64(db_cell(&rows, i, 0), &day) || day < 0 || (size_t)day >= ndays ||
		    k >= ntypes || !valid_int64(db_cell(&rows, i, 2), &n))
			continue;
		counts[(size_t)day * ntypes + k] += n;
	}
	return 0;
}
