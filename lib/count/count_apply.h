/* Applying a completed count session: one count transaction per variance, on current stock. */
#ifndef STOCKTAKE_COUNT_APPLY_H
#define STOCKTAKE_COUNT_APPLY_H

#include <stddef.h>

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

/* One count transaction an apply would post: a stock record of a line, from before to after. */
struct count_apply_step {
	const char *bin_code, *sku, *item_name, *lot; /* the line; lot "" for none */
	long long baseline, counted;                  /* the line's quantities */
	const char *stock_id;                         /* NULL: a new record (none was there) */
	long long before, after;                      /* the record's quantity */
};

/* What applying would do now: its count transactions, in the order it would post them. */
struct count_apply_plan {
	struct count_apply_step *steps; /* in the arena */
	size_t nsteps;
	size_t lines;     /* counted lines */
	size_t variances; /* of them, lines whose count differs from the baseline */
};

/*
 * The plan of count_apply_post on current stock, read without locks or
 * writes, by the same rules: a step per stock record a variance changes (a
 * gain one step, a loss as many as the records it is taken from), the same
 * refusals (409 open conflicts or stock that would become negative, 400 a
 * quantity too large). Stock may move before the apply, which plans again.
 * Returns 0, COUNT_REFUSED or -1.
 */
int count_apply_plan(struct arena *a, const char *tenant_id, const struct count_session *s,
                     struct count_apply_plan *plan, struct count_result *res);

#endif
