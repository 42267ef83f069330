/* A stock record's quantity over time, read from the ledger and counted back from its quantity. */
#include "stock/ledger_history.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/valid.h"
#include "db/db.h"

/*
 * Each half reads one index in the listing's order and stops at max + 1; a
 * move within the record (stock_id = to_stock_id) is in both halves and its
 * two changes are summed by id.
 */
static const char history_sql[] =
    "SELECT id, MAX(ts), CAST(SUM(c) AS SIGNED) FROM ("
    " (SELECT id, timestamp AS ts, delta AS c FROM inventory_transactions"
    "  WHERE tenant_id = ? AND stock_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?)"
    " UNION ALL"
    " (SELECT id, timestamp, to_delta FROM inventory_transactions"
    "  WHERE tenant_id = ? AND to_stock_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?)"
    ") x GROUP BY id ORDER BY MAX(ts) DESC, id DESC LIMIT ?";

int ledger_history(struct arena *a, const char *tenant_id, const char *stock_id, long long quantity,
                   size_t max, struct ledger_history *out)
{
	struct db_rows rows;
	long long balance = quantity, lim = (long long)max + 1;

	memset(out, 0, sizeof(*out));
	if (db_exec(a, &rows, history_sql, "ssissii", tenant_id, stock_id, lim, tenant_id, stock_id,
	            lim, lim) < 0)
		return -1;
	out->more = rows.nrows > max;
	out->n = out->more ? max : rows.nrows;
	out->steps = arena_alloc(a, (out->n ? out->n : 1) * sizeof(*out->steps));
	for (size_t i = 0; i < out->n; i++) {
		struct ledger_step *s = &out->steps[i];
		long long change = 0;

		(void)valid_int64(db_cell(&rows, i, 2), &change);
		s->id = db_cell(&rows, i, 0);
		s->timestamp = db_cell(&rows, i, 1);
		s->change = change;
		s->after = balance;
		balance -= change;
	}
	out->opening = balance;
	return 0;
}
