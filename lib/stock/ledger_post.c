/* The one writer of stock: stock rows and the ledger row of a movement, the lock order, bin
 * freezes. */
#include "stock/ledger_post.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "db/db.h"

/* Adds delta to a locked stock record and stamps it as the movement asks. */
static int add_to_stock(struct arena *a, const char *tenant_id, const char *stock_id,
                        long long delta, enum ledger_stamp stamp, const char *when)
{
	switch (stamp) {
	case LEDGER_STAMP_COUNTED:
		return db_exec(
		    a, NULL,
		    "UPDATE stocks SET quantity = quantity + ?, updated_at = UTC_TIMESTAMP(6),"
		    " last_counted_at = IF(last_counted_at IS NULL OR last_counted_at < ?, ?,"
		    " last_counted_at) WHERE tenant_id = ? AND id = ?",
		    "issss", delta, when, when, tenant_id, stock_id);
	case LEDGER_STAMP_COUNTED_AT:
		return db_exec(a, NULL,
		               "UPDATE stocks SET quantity = quantity + ?, last_counted_at = ?,"
		               " updated_at = UTC_TIMESTAMP(6) WHERE tenant_id = ? AND id = ?",
		               "isss", delta, when, tenant_id, stock_id);
	case LEDGER_STAMP_NONE:
		break;
	}
	return db_exec(a, NULL,
	               "UPDATE stocks SET quantity = quantity + ?, updated_at = UTC_TIMESTAMP(6)"
	               " WHERE tenant_id = ? AND id = ?",
	               "iss", delta, tenant_id, stock_id);
}

/* A new record holding m->to_delta units, like the source of the move. */
static int create_destination(struct arena *a, const char *tenant_id,
                              const struct ledger_movement *m)
{
	const struct ledger_new_stock *n = m->to_new;

	return db_exec(a, NULL,
	               "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity,"
	               " unit_of_measure, status, lot_number, serial_number)"
	               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               "sssssissss", m->to_stock_id, tenant_id, n->warehouse_id, n->item_id,
	               n->bin_id, m->to_delta, n->unit_of_measure, n->status, n->lot_number,
	               n->serial_number);
}

/* The whole record changes bin: no quantity moves, so none is written. */
static bool whole_record_move(const struct ledger_movement *m)
{
	return m->to_stock_id && strcmp(m->to_stock_id, m->stock_id) == 0 && m->delta == 0 &&
	       m->to_delta == 0;
}

static int change_stock(struct arena *a, const char *tenant_id, const struct ledger_movement *m)
{
	if (whole_record_move(m))
		return db_exec(a, NULL,
		               "UPDATE stocks SET bin_id = ?, updated_at = UTC_TIMESTAMP(6)"
		               " WHERE tenant_id = ? AND id = ?",
		               "sss", m->to_bin_id, tenant_id, m->stock_id);
	if (add_to_stock(a, tenant_id, m->stock_id, m->delta, m->stamp, m->timestamp) < 0)
		return -1;
	if (!m->to_stock_id)
		return 0;
	if (m->to_new)
		return create_destination(a, tenant_id, m);
	return add_to_stock(a, tenant_id, m->to_stock_id, m->to_delta, LEDGER_STAMP_NONE, NULL);
}

static int insert_row(struct arena *a, const char *tenant_id, const struct ledger_movement *m)
{
	struct db_param p[] = {
	    DBP_S(m->id),           DBP_S(tenant_id),         DBP_S(m->warehouse_id),
	    DBP_S(m->item_id),      DBP_S(m->stock_id),       DBP_S(m->type),
	    DBP_I(m->quantity),     DBP_I(m->delta),          DBP_S(m->from_bin_id),
	    DBP_S(m->to_bin_id),    DBP_S(m->to_stock_id),    DBP_I(m->to_delta),
	    DBP_S(m->reference_id), DBP_S(m->reference_type), DBP_S(m->notes),
	    DBP_S(m->performed_by), DBP_S(m->timestamp),
	};

	return db_execv(a, NULL,
	                "INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id,"
	                " stock_id, transaction_type, quantity, delta, from_bin_id, to_bin_id,"
	                " to_stock_id, to_delta, reference_id, reference_type, notes, performed_by,"
	                " timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	                " IFNULL(?, UTC_TIMESTAMP(6)))",
	                p, sizeof(p) / sizeof(p[0]));
}

int ledger_post(struct arena *a, const char *tenant_id, struct ledger_movement *m)
{
	if (!m->id)
		m->id = db_uuid(a);
	if (change_stock(a, tenant_id, m) < 0)
		return -1;
	return insert_row(a, tenant_id, m);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int ledger_post_lock_bins(struct arena *a, const char *tenant_id, const char **ids, size_t n)
{
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		if (db_exec(a, NULL,
		            "SELECT id FROM bins WHERE tenant_id = ? AND id = ? FOR UPDATE", "ss",
		            tenant_id, ids[i]) < 0)
			return -1;
	}
	return 0;
}

int ledger_post_bin_frozen(struct arena *a, const char *tenant_id, const char *bin_id,
                           const char **message)
{
	struct db_rows rows;

	*message = NULL;
	if (!bin_id)
		return 0;
	if (db_exec(a, &rows,
	            "SELECT s.code FROM count_sessions s"
	            " WHERE s.tenant_id = ? AND s.status = 'started' AND s.lock_positions = 1"
	            " AND ((s.type = 'position' AND EXISTS (SELECT 1 FROM count_targets t"
	            "   WHERE t.session_id = s.id AND t.key_id = LOWER(?)))"
	            "  OR (s.type = 'product' AND EXISTS (SELECT 1 FROM count_snapshot_lines l"
	            "   WHERE l.snapshot_id = s.baseline_snapshot_key AND l.bin_id = LOWER(?))))"
	            " ORDER BY s.code LIMIT 1 LOCK IN SHARE MODE",
	            "sss", tenant_id, bin_id, bin_id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 0;
	*message = ledger_post_frozen_message(a, db_cell(&rows, 0, 0));
	return 1;
}

const char *ledger_post_frozen_message(struct arena *a, const char *code)
{
	return arena_sprintf(a, "Bin is locked by count session %s", code);
}

int ledger_post_lock_single(struct arena *a, const char *tenant_id,
                            const struct ledger_single_keys *k, struct db_rows *out)
{
	struct db_param p[] = {
	    DBP_S(tenant_id),        DBP_S(k->stock_id),        DBP_S(k->warehouse_id),
	    DBP_S(k->probe_user_id), DBP_S(k->probe_tenant_id), DBP_I(k->takes_from_bin ? 1 : 0),
	    DBP_S(k->performer_id),
	};
	/* Taken right before the CALL that opens the transaction, so that nothing runs between. */
	const char *sql = db_begin_take() ? "CALL itx_single_lock_begin(?, ?, ?, ?, ?, ?, ?)"
	                                  : "CALL itx_single_lock(?, ?, ?, ?, ?, ?, ?)";

	if (db_execv(a, out, sql, p, sizeof(p) / sizeof(p[0])) < 0)
		return -1;
	return out->nrows == 1 ? 0 : -1;
}

/* ledger_post_single's CALL, m->id set. */
static int call_post_single(struct arena *a, const char *tenant_id, const struct ledger_movement *m,
                            struct db_rows *out)
{
	struct db_param p[] = {
	    DBP_S(m->id),
	    DBP_S(tenant_id),
	    DBP_S(m->warehouse_id),
	    DBP_S(m->item_id),
	    DBP_S(m->stock_id),
	    DBP_S(m->type),
	    DBP_I(m->quantity),
	    DBP_I(m->delta),
	    DBP_I(m->stamp),
	    DBP_S(m->from_bin_id),
	    DBP_S(m->to_bin_id),
	    DBP_S(m->reference_id),
	    DBP_S(m->reference_type),
	    DBP_S(m->notes),
	    DBP_S(m->performed_by),
	    DBP_S(m->timestamp),
	};

	if (db_execv(a, out,
	             "CALL ledger_post_single(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p,
	             sizeof(p) / sizeof(p[0])) < 0)
		return -1;
	return out->nrows == 1 ? 0 : -1;
}

int ledger_post_single(struct arena *a, const char *tenant_id, struct ledger_movement *m,
                       struct db_rows *out)
{
	if (m->to_stock_id)
		return -1; /* a move: ledger_post */
	if (!m->id)
		m->id = db_uuid(a);
	return call_post_single(a, tenant_id, m, out);
}
