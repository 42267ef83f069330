/* One stock record's ledger as a history of quantities: each transaction's change and the balance
 * after it, consistent with the record's current quantity. */
#ifndef STOCKTAKE_LEDGER_HISTORY_H
#define STOCKTAKE_LEDGER_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* One transaction of the record: what it changed and the record's quantity after it. */
struct ledger_step {
	const char *id;
	const char *timestamp; /* the database's UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]" */
	long long change; /* delta where the record is stock_id, plus to_delta where to_stock_id */
	long long after;
};

struct ledger_history {
	struct ledger_step *steps; /* newest first, as the ledger lists them (time, then id) */
	size_t n;
	bool more;         /* older transactions than the n read exist */
	long long opening; /* the quantity before the oldest step read (0 when all were read) */
};

/*
 * The latest max transactions that changed the record stock_id of tenant_id
 * (as stock_id or as a move's to_stock_id), newest first, with the balance
 * after each counted back from quantity, the record's quantity now: the
 * ledger's rule (docs/ledger.md) is that the changes sum to it. Ties of time
 * are ordered by id, as the transaction listing orders them. Two index range
 * reads (ix_itx_tenant_stock_time, ix_itx_to_stock_tenant). 0 or -1.
 */
int ledger_history(struct arena *a, const char *tenant_id, const char *stock_id, long long quantity,
                   size_t max, struct ledger_history *out);

#endif
