/*
 * The one writer of stock: a movement posted to the ledger changes its stock records and writes
 * the inventory transaction that explains the change, with the same numbers, in one place.
 *
 * Every writer of stock takes its locks in one order, and the functions here are that order:
 *   1. count sessions, in share mode: ledger_post_bin_frozen (picks and moves out of a bin);
 *   2. bins: ledger_post_lock_bins, FOR UPDATE in id order (moves, count applies), or the stock's
 *      bin in share mode (every other transaction);
 *   3. stock records, FOR UPDATE, by the caller, which checks its rules on them;
 *   4. ledger_post: the stock rows, then the ledger row.
 * Taken in another order, writers deadlock under load (see docs/ledger.md).
 *
 * The invariant ledger_check_run verifies, that a stock record's quantity equals SUM(delta) of
 * its transactions plus SUM(to_delta) of the moves into it, holds because ledger_post (and
 * ledger_post_single, its one-round-trip form for one stock record, whose SQL is the procedure of
 * migration 011) is the only code that changes a quantity and writes the delta it applied.
 */
#ifndef STOCKTAKE_LEDGER_POST_H
#define STOCKTAKE_LEDGER_POST_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db_rows;

/* What else a posting stamps on the stock record it changes (stock_id). */
enum ledger_stamp {
	LEDGER_STAMP_NONE = 0, /* quantity and updated_at only */
	/* A count transaction: last_counted_at moves forward to the timestamp, never back. */
	LEDGER_STAMP_COUNTED,
	/* A count session's posting: last_counted_at is the timestamp. */
	LEDGER_STAMP_COUNTED_AT,
};

/* A move's destination when no matching record waits in the bin: a new record like the source. */
struct ledger_new_stock {
	const char *warehouse_id;
	const char *item_id;
	const char *bin_id;
	const char *unit_of_measure;
	const char *status;
	const char *lot_number;
	const char *serial_number;
};

/* One inventory transaction and the stock change it makes; the records are locked. */
struct ledger_movement {
	const char *id; /* the transaction's id; NULL: ledger_post makes one */
	const char *warehouse_id;
	const char *item_id;
	const char *stock_id;
	const char *type;   /* a stored type (ledger_type_normalize) */
	long long quantity; /* as the client gave it */
	long long delta;    /* added to stock_id's quantity (ledger_delta's answer) */
	enum ledger_stamp stamp;
	const char *from_bin_id;
	const char *to_bin_id;
	/*
	 * Moves: to_delta units join to_stock_id. A whole-record move (to_stock_id
	 * is stock_id, both deltas 0) changes the record's bin to to_bin_id instead;
	 * with to_new the destination record is created holding to_delta.
	 */
	const char *to_stock_id;
	long long to_delta;
	const struct ledger_new_stock *to_new;
	const char *reference_id;
	const char *reference_type;
	const char *notes;
	const char *performed_by;
	const char *timestamp; /* DB form (UTC, microseconds); NULL: the database's clock */
};

/*
 * Posts m inside the caller's transaction, after its checks: changes the stock
 * records (step 4 of the lock order above) and inserts the ledger row. Sets
 * m->id when it was NULL. Returns 0 or -1 (database error, logged).
 */
int ledger_post(struct arena *a, const char *tenant_id, struct ledger_movement *m);

/*
 * Locks the bins ids[0..n) of the tenant FOR UPDATE, in id order and each
 * once, whatever order the caller holds them in (ids is sorted in place).
 * Returns 0 or -1.
 */
int ledger_post_lock_bins(struct arena *a, const char *tenant_id, const char **ids, size_t n);

/*
 * Whether a started count session of the tenant with lock_positions covers
 * bin_id, so that no pick or move may take units out of it: a bin among the
 * targets of a position session, or a bin holding stock of a product
 * session's targeted items at its start. Call it inside the pick's or move's
 * transaction, before the stock changes: it reads the sessions with a shared
 * lock, so a session cannot start or end unseen while that transaction runs.
 * Returns 1 when frozen (*message, in the arena, is "Bin is locked by count
 * session CNT-2026-001"), 0 when free, -1 on a database error. A NULL bin_id
 * is never frozen.
 */
int ledger_post_bin_frozen(struct arena *a, const char *tenant_id, const char *bin_id,
                           const char **message);

/* The refusal of a pick or move out of a bin frozen by count session code (in a). */
const char *ledger_post_frozen_message(struct arena *a, const char *code);

/* The keys of ledger_post_lock_single; NULL ids are SQL NULL. */
struct ledger_single_keys {
	const char *stock_id;
	const char *warehouse_id;
	/* The caller's user row to read along (user_probe.h), or both NULL. */
	const char *probe_user_id;
	const char *probe_tenant_id;
	bool takes_from_bin;      /* a pick: ask for the count-session freeze of the stock's bin */
	const char *performer_id; /* whether this user is the tenant's; NULL: not asked */
};

/*
 * Steps 1 to 3 of the lock order above for a transaction of one stock record, in one round
 * trip (the procedure itx_single_lock of migration 011), inside the caller's transaction; as the
 * first statement of a db_transaction_lazy it opens that transaction too (itx_single_lock_begin
 * of migration 013, db_begin_take), so no START TRANSACTION goes before it. The
 * stock's bin read plainly with the warehouse (active: the database's clock) and the user row,
 * the bin's freeze (takes_from_bin) and the bin in share mode, then the stock row FOR UPDATE
 * when the warehouse is active. out gets one row with the columns bin_id, clock, _caller
 * (USER_PROBE_LABEL), frozen (a session's code), s_id ... s_serial_number (the locked row;
 * s_id NULL when not read or not found), s_frozen (the freeze of s_bin_id when it is not
 * bin_id) and performer (1, 0, NULL when not asked). The caller checks its rules on them.
 * Returns 0 or -1.
 */
int ledger_post_lock_single(struct arena *a, const char *tenant_id,
                            const struct ledger_single_keys *k, struct db_rows *out);

/*
 * ledger_post for a movement of one stock record (no to_stock_id) in one round trip (the
 * procedure ledger_post_single of migration 011), with the read-back: out gets one row, the
 * transaction as stored (TX_FLAT_COLUMNS of stock/itx_sql.h) followed by the columns of its
 * stock record. Sets m->id when it was NULL. Returns 0 or -1 (a move is -1: ledger_post).
 */
int ledger_post_single(struct arena *a, const char *tenant_id, struct ledger_movement *m,
                       struct db_rows *out);

#endif
