/* Master data resources (warehouses, bins, items, stocks), shared by their JSON group and the admin
 * pages. */
#ifndef STOCKTAKE_MASTER_H
#define STOCKTAKE_MASTER_H

#include "web/resource.h"

/* Stock statuses (NULL-terminated). */
extern const char *const master_stock_statuses[];
/* Bin location types (NULL-terminated). */
extern const char *const master_location_types[];
/* Statuses of warehouses, bins and items: active, and inactive once deleted (NULL-terminated). */
extern const char *const master_active_inactive[];

extern const struct resource master_warehouses;
extern const struct resource master_bins;
extern const struct resource master_items;
/* Stocks: a quantity created here enters the ledger as an initial_stock transaction. */
extern const struct resource master_stocks;

#endif
