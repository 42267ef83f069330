/* The stock ledger: transaction and reference types, each type's stock effect, the ledger check. */
#include "stock/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "db/db.h"

const char *const ledger_types[] = {
    "initial_stock", "receive", "pick", "move", "stock_adjustment", "return", "count", NULL,
};

const char *const ledger_reference_types[] = {
    "order", "shipment", "audit", "return", "transfer", NULL,
};

/* A stock record never grows beyond this, so no sum of records can overflow BIGINT. */
#define LEDGER_STOCK_MAX (LEDGER_QTY_MAX * 1000)

const char *ledger_type_normalize(const char *type)
{
	if (!type)
		return NULL;
	/* The older API called stock adjustments "adjust"; clients still send it. */
	if (strcmp(type, "adjust") == 0)
		return "stock_adjustment";
	for (size_t i = 0; ledger_types[i]; i++)
		if (strcmp(type, ledger_types[i]) == 0)
			return ledger_types[i];
	return NULL;
}

int ledger_direction_parse(const char *s, enum ledger_dir *out)
{
	if (s && strcmp(s, "increase") == 0)
		*out = LEDGER_DIR_INCREASE;
	else if (s && strcmp(s, "decrease") == 0)
		*out = LEDGER_DIR_DECREASE;
	else
		return -1;
	return 0;
}

const char *ledger_quantity_error(const char *type, long long quantity)
{
	bool is_count = type && strcmp(type, "count") == 0;

	/* A count records what was found, and finding nothing is a result. */
	if (is_count && quantity < 0)
		return "Quantity must not be negative";
	if (!is_count && quantity <= 0)
		return "Quantity must be positive";
	if (quantity > LEDGER_QTY_MAX)
		return "Quantity too large";
	return NULL;
}

enum ledger_rc ledger_delta(const char *type, long long quantity, enum ledger_dir dir,
                            long long current, long long *delta)
{
	long long d;

	if (!type)
		return LEDGER_BAD_TYPE;
	if (strcmp(type, "receive") == 0 || strcmp(type, "return") == 0 ||
	    strcmp(type, "initial_stock") == 0)
		d = quantity;
	else if (strcmp(type, "pick") == 0 || strcmp(type, "move") == 0)
		d = -quantity;
	else if (strcmp(type, "count") == 0)
		d = quantity - current;
	else if (strcmp(type, "stock_adjustment") == 0 && dir == LEDGER_DIR_INCREASE)
		d = quantity;
	else if (strcmp(type, "stock_adjustment") == 0 && dir == LEDGER_DIR_DECREASE)
		d = -quantity;
	else
		return LEDGER_BAD_TYPE;
	/* Both operands are bounded (quantity by LEDGER_QTY_MAX, current by the check below). */
	if (current + d < 0)
		return LEDGER_INSUFFICIENT;
	if (current + d > LEDGER_STOCK_MAX)
		return LEDGER_OVERFLOW;
	*delta = d;
	return LEDGER_OK;
}

/*
 * Per stock: its own deltas plus the to_delta of moves into it. Both halves
 * read covering indexes (ix_itx_tenant_stock_delta, ix_itx_tenant_to_stock).
 */
static const char check_sql[] =
    "SELECT s.id AS stock_id, s.quantity AS quantity,"
    " CAST(COALESCE(l.total, 0) AS SIGNED) AS ledger_sum"
    " FROM stocks s LEFT JOIN ("
    "  SELECT x.sid, SUM(x.d) AS total FROM ("
    "   SELECT stock_id AS sid, delta AS d FROM inventory_transactions WHERE tenant_id = ?"
    "   UNION ALL"
    "   SELECT to_stock_id, to_delta FROM inventory_transactions"
    "    WHERE tenant_id = ? AND to_stock_id IS NOT NULL"
    "  ) x GROUP BY x.sid"
    " ) l ON l.sid = s.id"
    " WHERE s.tenant_id = ? AND s.quantity <> COALESCE(l.total, 0)"
    " ORDER BY s.id LIMIT ?";

int ledger_check_run(struct arena *a, const char *tenant_id, struct ledger_check *out)
{
	struct db_rows count;

	bool own_txn = !db_in_transaction();
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* Both reads in one transaction: InnoDB gives them one snapshot, so the count matches the
	 * list. */
	if (own_txn && db_begin() != 0)
		return -1;
	if (db_exec(a, &count, "SELECT COUNT(*) FROM stocks WHERE tenant_id = ?", "s", tenant_id) <
	    0)
		goto out;
	if (count.nrows && db_cell(&count, 0, 0))
		out->stocks_checked = strtoll(db_cell(&count, 0, 0), NULL, 10);
	rc = db_exec(a, &out->mismatches, check_sql, "sssi", tenant_id, tenant_id, tenant_id,
	             (long long)LEDGER_CHECK_MAX_LISTED);
out:
	if (own_txn) {
		if (rc == 0)
			rc = db_commit();
		else
			db_rollback();
	}
	return rc;
}
