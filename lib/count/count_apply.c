/* Applying a completed count session: one count transaction per variance, on current stock. */
#include "count/count_apply.h"

#include <string.h>

#include "base/arena.h"
#include "db/db.h"
#include "stock/ledger.h"
#include "stock/ledger_post.h"

/* One apply, inside its transaction. */
struct apply {
	struct arena *a;
	const char *tenant_id;
	const struct count_session *s;
	const char *user_id;
	const char *list_id;
	const char *now;
	struct count_result *res;
};

/* A counted line of count_lines() and the stock record a part of its change goes to. */
struct line {
	const char *bin_id, *bin_code, *item_id, *sku, *item_name, *lot;
	long long baseline, counted;
};

struct stock {
	const char *id;
	const char *warehouse_id;
	long long quantity;
};

static void line_of(const struct db_rows *rows, size_t i, struct line *l)
{
	l->bin_id = db_cell(rows, i, COUNT_LINE_BIN_ID);
	l->bin_code = db_cell(rows, i, COUNT_LINE_BIN_CODE);
	l->item_id = db_cell(rows, i, COUNT_LINE_ITEM_ID);
	l->sku = db_cell(rows, i, COUNT_LINE_SKU);
	l->item_name = db_cell(rows, i, COUNT_LINE_ITEM_NAME);
	l->lot = db_cell(rows, i, COUNT_LINE_LOT);
	l->baseline = count_cell_ll(rows, i, COUNT_LINE_SYSTEM_QT);
	l->counted = count_cell_ll(rows, i, COUNT_LINE_COUNTED_QT);
}

/*
 * Locks the bins of the lines before any stock record, in the one order of
 * every writer of stock (ledger_post_lock_bins).
 */
static int lock_bins(struct apply *ap, const struct db_rows *lines)
{
	const char **ids;

	if (lines->nrows == 0)
		return 0;
	ids = arena_alloc(ap->a, lines->nrows * sizeof(*ids));
	for (size_t i = 0; i < lines->nrows; i++)
		ids[i] = db_cell(lines, i, COUNT_LINE_BIN_ID);
	return ledger_post_lock_bins(ap->a, ap->tenant_id, ids, lines->nrows);
}

/* The line's stock records, available ones first, then the fullest (the order a loss is taken). */
#define STOCKS_SQL                                                                                 \
	"SELECT id, warehouse_id, quantity FROM stocks WHERE tenant_id = ? AND bin_id = ?"         \
	" AND item_id = ? AND COALESCE(lot_number, '') = ? AND status <> 'inactive'"               \
	" ORDER BY status = 'available' DESC, serial_number IS NULL DESC, quantity DESC, id"

/* The line's stock records, locked for the apply (lock) or only read for a plan. */
static int read_stocks(struct apply *ap, const struct line *l, bool lock, struct db_rows *rows)
{
	return db_exec(ap->a, rows, lock ? STOCKS_SQL " FOR UPDATE" : STOCKS_SQL, "ssss",
	               ap->tenant_id, l->bin_id, l->item_id, l->lot);
}

/*
 * The records of rows as stocks (one slot at least: a line without records
 * gets a new one, quantity 0) and how the line's change splits over them:
 * part[i] for st[i], a gain all to the first, a loss taken from the records in
 * order until it is covered. Refuses (409) a change that would make stock
 * negative. Sets *n (slots), 0, or COUNT_REFUSED.
 */
static int split_change(struct apply *ap, const struct line *l, const struct db_rows *rows,
                        struct stock **st, long long **part, size_t *n)
{
	long long change = l->counted - l->baseline, total = 0, left = change;

	*n = rows->nrows ? rows->nrows : 1;
	*st = arena_alloc(ap->a, *n * sizeof(**st));
	*part = arena_alloc(ap->a, *n * sizeof(**part));
	for (size_t i = 0; i < *n; i++) {
		(*st)[i].id = rows->nrows ? db_cell(rows, i, 0) : NULL;
		(*st)[i].warehouse_id = rows->nrows ? db_cell(rows, i, 1) : NULL;
		(*st)[i].quantity = rows->nrows ? count_cell_ll(rows, i, 2) : 0;
		total += (*st)[i].quantity;
	}
	if (total + change < 0)
		return count_refuse(
		    ap->res, 409, "Stock would become negative",
		    arena_sprintf(
		        ap->a,
		        "%s at bin %s: %lld now, count %lld against baseline %lld changes "
		        "it by %lld",
		        l->sku, l->bin_code, total, l->counted, l->baseline, change));
	for (size_t i = 0; i < *n; i++) {
		long long q = (*st)[i].quantity;

		(*part)[i] = left > 0 ? left : (left < -q ? -q : left);
		left -= (*part)[i];
	}
	return 0;
}

/* A count sets a record to quantity after, which must fit the ledger. */
static int check_after(struct apply *ap, const struct line *l, long long after)
{
	return after > LEDGER_QTY_MAX
	           ? count_refuse(ap->res, 400, "Quantity too large",
	                          arena_sprintf(ap->a, "%s at bin %s", l->sku, l->bin_code))
	           : 0;
}

/* A new, empty stock record for a line found where the system had none. */
static int create_stock(struct apply *ap, const struct line *l, struct stock *st)
{
	struct db_rows rows;

	st->id = db_uuid(ap->a);
	st->quantity = 0;
	if (db_exec(
	        ap->a, NULL,
	        "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity,"
	        " unit_of_measure, status, lot_number)"
	        " SELECT ?, b.tenant_id, b.warehouse_id, i.id, b.id, 0, i.unit_of_measure,"
	        " 'available', NULLIF(?, '') FROM bins b JOIN items i ON i.tenant_id = b.tenant_id"
	        " AND i.id = ? WHERE b.tenant_id = ? AND b.id = ?",
	        "sssss", st->id, l->lot, l->item_id, ap->tenant_id, l->bin_id) < 0 ||
	    db_exec(ap->a, &rows, "SELECT warehouse_id FROM stocks WHERE tenant_id = ? AND id = ?",
	            "ss", ap->tenant_id, st->id) < 0 ||
	    rows.nrows == 0)
		return -1;
	st->warehouse_id = db_cell(&rows, 0, 0);
	return 0;
}

/* Changes one stock record by change: its count transaction (ledger_post), the adjustment row. */
static int post_stock(struct apply *ap, const struct line *l, const struct stock *st,
                      long long change)
{
	struct arena *a = ap->a;
	long long after = st->quantity + change, delta = 0;
	struct ledger_movement m = {0};

	/* A count sets the record to a quantity, like a count transaction of the API. */
	if (check_after(ap, l, after) != 0 ||
	    ledger_delta("count", after, LEDGER_DIR_NONE, st->quantity, &delta) != LEDGER_OK)
		return count_refuse(ap->res, 400, "Quantity too large",
		                    arena_sprintf(a, "%s at bin %s", l->sku, l->bin_code));
	m.warehouse_id = st->warehouse_id;
	m.item_id = l->item_id;
	m.stock_id = st->id;
	m.type = "count";
	m.quantity = after;
	m.delta = delta;
	m.stamp = LEDGER_STAMP_COUNTED_AT;
	m.to_bin_id = l->bin_id;
	m.reference_id = ap->s->code;
	m.reference_type = "audit";
	m.notes = arena_sprintf(a, "Count session %s: counted %lld, baseline %lld", ap->s->code,
	                        l->counted, l->baseline);
	m.performed_by = ap->user_id;
	m.timestamp = ap->now;
	if (ledger_post(a, ap->tenant_id, &m) < 0)
		return -1;
	{
		struct db_param p[] = {
		    DBP_S(ap->list_id), DBP_S(ap->tenant_id), DBP_S(ap->s->id),    DBP_S(m.id),
		    DBP_S(st->id),      DBP_S(l->bin_id),     DBP_S(l->item_id),   DBP_S(l->lot),
		    DBP_I(l->baseline), DBP_I(l->counted),    DBP_I(st->quantity), DBP_I(after),
		};

		return db_execv(
		    a, NULL,
		    "INSERT INTO count_adjustments (list_id, tenant_id, session_id,"
		    " transaction_id, stock_id, bin_id, item_id, lot_number, baseline_qt,"
		    " counted_qt, quantity_before, quantity_after)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    p, sizeof(p) / sizeof(p[0]));
	}
}

/* Adds the line's variance to its current stock, split as split_change says. */
static int post_line(struct apply *ap, const struct line *l)
{
	struct db_rows rows;
	struct stock *st;
	long long *part;
	size_t n;
	int rc;

	if (read_stocks(ap, l, true, &rows) < 0)
		return -1;
	if ((rc = split_change(ap, l, &rows, &st, &part, &n)) != 0)
		return rc;
	if (rows.nrows == 0 && create_stock(ap, l, &st[0]) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (part[i] != 0 && (rc = post_stock(ap, l, &st[i], part[i])) != 0)
			return rc;
	return 0;
}

/* Every record of a counted line was counted now, changed or not. */
static int stamp_counted(struct apply *ap, const struct line *l)
{
	return db_exec(ap->a, NULL,
	               "UPDATE stocks SET last_counted_at = ?, updated_at = UTC_TIMESTAMP(6)"
	               " WHERE tenant_id = ? AND bin_id = ?"
	               " AND item_id = ? AND COALESCE(lot_number, '') = ? AND status <> 'inactive'",
	               "sssss", ap->now, ap->tenant_id, l->bin_id, l->item_id, l->lot);
}

/* Refuses (409) while a line of lines is in open conflict. 0 or COUNT_REFUSED. */
static int no_conflicts(const struct db_rows *lines, struct count_result *res)
{
	for (size_t i = 0; i < lines->nrows; i++)
		if (count_cell_ll(lines, i, COUNT_LINE_CONFLICT))
			return count_refuse(res, 409, "Count session has unresolved conflicts",
			                    "resolve every conflict before applying");
	return 0;
}

int count_apply_post(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char **list_id, struct count_result *res)
{
	struct apply ap = {a, tenant_id, s, user_id, db_uuid(a), NULL, res};
	struct db_rows lines;
	int rc;

	if (!(ap.now = count_now(a)) || count_lines(a, tenant_id, s, &lines) < 0)
		return -1;
	if ((rc = no_conflicts(&lines, res)) != 0)
		return rc;
	if (lock_bins(&ap, &lines) < 0)
		return -1;
	for (size_t i = 0; i < lines.nrows; i++) {
		struct line l;

		line_of(&lines, i, &l);
		if (l.counted != l.baseline && (rc = post_line(&ap, &l)) != 0)
			return rc;
		if (stamp_counted(&ap, &l) < 0)
			return -1;
	}
	*list_id = ap.list_id;
	return 0;
}

/* ---- the plan --------------------------------------------------------------------------- */

/* The steps of one line, appended to plan (grown in the arena). */
static int plan_line(struct apply *ap, const struct line *l, struct count_apply_plan *plan,
                     size_t *cap)
{
	struct db_rows rows;
	struct stock *st;
	long long *part;
	size_t n;
	int rc;

	if (read_stocks(ap, l, false, &rows) < 0)
		return -1;
	if ((rc = split_change(ap, l, &rows, &st, &part, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct count_apply_step *step;

		if (part[i] == 0)
			continue;
		if ((rc = check_after(ap, l, st[i].quantity + part[i])) != 0)
			return rc;
		if (plan->nsteps == *cap) {
			struct count_apply_step *grown;

			*cap = *cap ? *cap * 2 : 8;
			grown = arena_alloc(ap->a, *cap * sizeof(*grown));
			if (plan->nsteps)
				memcpy(grown, plan->steps, plan->nsteps * sizeof(*grown));
			plan->steps = grown;
		}
		step = &plan->steps[plan->nsteps++];
		*step = (struct count_apply_step){
		    .bin_code = l->bin_code,
		    .sku = l->sku,
		    .item_name = l->item_name,
		    .lot = l->lot,
		    .baseline = l->baseline,
		    .counted = l->counted,
		    .stock_id = st[i].id,
		    .before = st[i].quantity,
		    .after = st[i].quantity + part[i],
		};
	}
	return 0;
}

int count_apply_plan(struct arena *a, const char *tenant_id, const struct count_session *s,
                     struct count_apply_plan *plan, struct count_result *res)
{
	struct apply ap = {a, tenant_id, s, NULL, NULL, NULL, res};
	struct db_rows lines;
	size_t cap = 0;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if (count_lines(a, tenant_id, s, &lines) < 0)
		return -1;
	if ((rc = no_conflicts(&lines, res)) != 0)
		return rc;
	for (size_t i = 0; i < lines.nrows; i++) {
		struct line l;

		line_of(&lines, i, &l);
		plan->lines++;
		if (l.counted == l.baseline)
			continue;
		plan->variances++;
		if ((rc = plan_line(&ap, &l, plan, &cap)) != 0)
			return rc;
	}
	return 0;
}
