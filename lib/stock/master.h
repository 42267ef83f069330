/* Master data rules that need the database: a stock record's unit and its opening stock. */
#ifndef STOCKTAKE_MASTER_H
#define STOCKTAKE_MASTER_H

struct arena;

/* Stock statuses (NULL-terminated). */
extern const char *const master_stock_statuses[];
/* Bin location types (NULL-terminated). */
extern const char *const master_location_types[];
/* Statuses of warehouses, bins and items: active, and inactive once deleted (NULL-terminated). */
extern const char *const master_active_inactive[];

/* The unit of measure of the tenant's item (*unit NULL when there is no such item). 0 or -1. */
int master_item_unit(struct arena *a, const char *tenant_id, const char *item_id,
                     const char **unit);

/* A stock record just created empty, and the quantity it opens with. */
struct master_opening {
	const char *stock_id;
	const char *warehouse_id;
	const char *item_id;
	const char *bin_id;
	long long quantity;
	const char *user_id; /* who created it */
};

/*
 * Opening stock enters the ledger as an initial_stock transaction (ledger_post),
 * so that SUM(delta) of the record equals its quantity from the first unit.
 * Nothing for a quantity of 0. Inside the create's transaction. 0 or -1.
 */
int master_stock_opening(struct arena *a, const char *tenant_id, const struct master_opening *o);

#endif
