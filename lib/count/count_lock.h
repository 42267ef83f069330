/* Count session position locks: no picks or moves out of bins a started session counts. */
#ifndef STOCKTAKE_COUNT_LOCK_H
#define STOCKTAKE_COUNT_LOCK_H

struct arena;

/*
 * Whether a started count session of the tenant with lock_positions covers
 * bin_id: a bin among the targets of a position session, or a bin holding
 * stock of a product session's targeted items at its start. Call it inside the
 * pick's or move's transaction, before the stock changes: it reads the
 * sessions with a shared lock, so a session cannot start or end unseen while
 * that transaction runs. Returns 1 when locked (*message, in the arena, is
 * "Bin is locked by count session CNT-2026-001"), 0 when free, -1 on a
 * database error. A NULL bin_id is never locked.
 */
int count_lock_check(struct arena *a, const char *tenant_id, const char *bin_id,
                     const char **message);

#endif
