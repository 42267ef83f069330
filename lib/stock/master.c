/* Master data rules that need the database: a stock record's unit and its opening stock. */
#include "stock/master.h"

#include <stddef.h>

#include "base/arena.h"
#include "db/db.h"
#include "stock/ledger_post.h"

const char *const master_active_inactive[] = {"active", "inactive", NULL};
const char *const master_location_types[] = {"shelf", "bin", "rack", "zone", "aisle", NULL};
const char *const master_stock_statuses[] = {"available", "reserved", "damaged", "quarantine",
                                             NULL};

int master_item_unit(struct arena *a, const char *tenant_id, const char *item_id, const char **unit)
{
	struct db_rows rows;

	*unit = NULL;
	if (db_exec(a, &rows, "SELECT unit_of_measure FROM items WHERE tenant_id = ? AND id = ?",
	            "ss", tenant_id, item_id) < 0)
		return -1;
	if (rows.nrows)
		*unit = db_cell(&rows, 0, 0);
	return 0;
}

int master_stock_opening(struct arena *a, const char *tenant_id, const struct master_opening *o)
{
	struct ledger_movement m = {0};

	if (o->quantity <= 0)
		return 0;
	m.warehouse_id = o->warehouse_id;
	m.item_id = o->item_id;
	m.stock_id = o->stock_id;
	m.type = "initial_stock";
	m.quantity = o->quantity;
	m.delta = o->quantity;
	m.to_bin_id = o->bin_id;
	m.performed_by = o->user_id;
	return ledger_post(a, tenant_id, &m);
}
