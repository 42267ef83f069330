/* The master data resources (warehouses, bins, items, stocks) as the CRUD engine serves them. */
#ifndef STOCKTAKE_MASTER_RESOURCES_H
#define STOCKTAKE_MASTER_RESOURCES_H

#include "web/resource.h"

/* Each list's query parameters: its filters (RES_FILTER fields) and RES_LIST_QUERY. */
#define MASTER_WAREHOUSES_QUERY "code status " RES_LIST_QUERY
#define MASTER_BINS_QUERY "warehouse_id code location_type status " RES_LIST_QUERY
#define MASTER_ITEMS_QUERY "sku barcode category status " RES_LIST_QUERY
#define MASTER_STOCKS_QUERY "warehouse_id item_id bin_id status lot_number " RES_LIST_QUERY

extern const struct resource master_resources_warehouses;
extern const struct resource master_resources_bins;
extern const struct resource master_resources_items;
/* Stocks: a quantity created here enters the ledger as an initial_stock transaction. */
extern const struct resource master_resources_stocks;

#endif
