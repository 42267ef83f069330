/* Applying a completed count session: one count transaction per variance, on current stock. */
#ifndef STOCKTAKE_COUNT_APPLY_H
#define STOCKTAKE_COUNT_APPLY_H

#include "count/count.h"

struct arena;

/*
 * Inside the apply's transaction, for a completed session locked by the
 * caller: for every counted line whose count differs from its baseline, adds
 * delta = counted - baseline to the stock records of that bin, item and lot as
 * they are now (movements made during the count stay), each change one
 * `count` inventory transaction (reference audit / the session code,
 * performed_by user_id) that sets the record to its new quantity, so the
 * ledger still explains every unit. A line with no stock record gets one
 * (quantity 0) first. Every counted line's records get last_counted_at = now.
 * Refuses (409) a change that would make stock negative and any open conflict.
 * Sets *list_id, the adjustment list (count_adjustments rows).
 * Returns 0, COUNT_REFUSED or -1.
 */
int count_apply_post(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char **list_id, struct count_result *res);

#endif
