/* Finding an item, bin or stock record by what a person types or scans: its code, or a prefix. */
#ifndef STOCKTAKE_MASTER_PICK_H
#define STOCKTAKE_MASTER_PICK_H

#include "db/db.h"

struct arena;

/* What is picked. */
enum master_pick_kind {
	MASTER_PICK_ITEM = 0, /* code: the SKU */
	MASTER_PICK_BIN,      /* code: "WAREHOUSE / BIN" */
	MASTER_PICK_STOCK, /* code: "WAREHOUSE / BIN / SKU" ("-" for no bin); active records only */
};

/* Matches a search returns at most. */
#define MASTER_PICK_LIMIT 20

/*
 * The rows of a pick: columns id, code (the text that names the record; unique
 * for items and bins), label (code and what a person recognises it by).
 */
enum { MASTER_PICK_ID = 0, MASTER_PICK_CODE, MASTER_PICK_LABEL };

/*
 * Up to MASTER_PICK_LIMIT records of the tenant whose code (or item name)
 * starts with q, in code order. warehouse_id (or NULL) narrows bins and stock
 * records to one warehouse. Every statement reads an index range (uq_items_sku,
 * ix_items_tenant_name, ix_bins_tenant, ix_stocks_tenant_item), never the
 * tenant's whole table. 0 or -1.
 */
int master_pick_search(struct arena *a, const char *tenant_id, enum master_pick_kind kind,
                       const char *q, const char *warehouse_id, struct db_rows *rows);

enum master_pick_outcome {
	MASTER_PICK_FOUND = 0, /* rows holds the one record */
	MASTER_PICK_NONE,      /* nothing has that code, nothing starts with it */
	MASTER_PICK_MANY,      /* rows holds the candidates (codes starting with it) */
	MASTER_PICK_FAILED,    /* database error */
};

/*
 * The record typed names: its id (a UUID), or its exact code (case as the
 * database compares it); for a bin the bin code alone when only one
 * warehouse has it, for a stock record "SKU" or "WAREHOUSE / SKU" when only
 * one record matches. Otherwise the search's matches (MANY) or none.
 */
enum master_pick_outcome master_pick_resolve(struct arena *a, const char *tenant_id,
                                             enum master_pick_kind kind, const char *typed,
                                             const char *warehouse_id, struct db_rows *rows);

/*
 * A pattern's records, for planning a count: the active bins (kind BIN, code
 * "BIN-PREFIX" or "WAREHOUSE / BIN-PREFIX", within warehouse_id when given) or
 * active items (kind ITEM, SKU prefix) whose code starts with prefix, in code
 * order, at most max + 1 of them so the caller can tell that more than max
 * match. Columns as master_pick_search. 0 or -1.
 */
int master_pick_prefix(struct arena *a, const char *tenant_id, enum master_pick_kind kind,
                       const char *prefix, const char *warehouse_id, size_t max,
                       struct db_rows *rows);

#endif
