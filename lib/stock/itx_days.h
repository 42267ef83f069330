/* Inventory transactions counted per day and type over a run of days, for the overview's chart. */
#ifndef STOCKTAKE_ITX_DAYS_H
#define STOCKTAKE_ITX_DAYS_H

#include <stddef.h>
#include <time.h>

struct arena;

/* Most days one call counts. */
#define ITX_DAYS_MAX 366

/*
 * Counts the transactions of tenant_id in each of ndays days, by type:
 * day d runs from bounds[d] to bounds[d + 1] (ndays + 1 UTC instants in
 * order, e.g. local midnights from tz_day_start / tz_next_day, so days may
 * have 23 or 25 hours). counts[d * ntypes + k] is set for ledger_types[k]
 * (ntypes = the number of ledger_types); other types are not counted. One
 * statement: a range read of the covering index ix_itx_tenant_time
 * (tenant_id, timestamp, id, transaction_type), grouped by day and type, so
 * it reads one index entry per transaction of the period. 0 or -1 (also for
 * ndays 0 or above ITX_DAYS_MAX).
 */
int itx_days(struct arena *a, const char *tenant_id, const time_t *bounds, size_t ndays,
             long long *counts);

#endif
