/* The master data resources (warehouses, bins, items, stocks) as the CRUD engine serves them. */
#ifndef STOCKTAKE_MASTER_RESOURCES_H
#define STOCKTAKE_MASTER_RESOURCES_H

#include "web/resource.h"

extern const struct resource master_resources_warehouses;
extern const struct resource master_resources_bins;
extern const struct resource master_resources_items;
/* Stocks: a quantity created here enters the ledger as an initial_stock transaction. */
extern const struct resource master_resources_stocks;

#endif
