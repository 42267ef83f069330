/* What a counter scans or types: bin codes and item SKUs or barcodes as ids, their targets and
 * earlier counts. */
#ifndef STOCKTAKE_COUNT_SCAN_H
#define STOCKTAKE_COUNT_SCAN_H

#include <stdbool.h>

#include "count/count.h"
#include "db/db.h"

struct arena;

/* What a lookup of a code found: nothing, one row, or several (an ambiguous code). */
enum count_found { COUNT_FOUND_NONE = 0, COUNT_FOUND_ONE, COUNT_FOUND_MANY };

/*
 * The bin that text names: its id or its code, as printed on the bin label. A
 * code used in several warehouses is the one among user_id's targets in s when
 * exactly one of them is; else COUNT_FOUND_MANY. Sets *bin_id when one is
 * found. A count_found, or -1.
 */
int count_scan_bin(struct arena *a, const char *tenant_id, const struct count_session *s,
                   const char *user_id, const char *text, const char **bin_id);

/*
 * The item that text names: the one with that SKU, else the one with that
 * barcode (what a scanner reads off the product). Sets *item_id when found.
 * COUNT_FOUND_NONE, COUNT_FOUND_ONE, or -1.
 */
int count_scan_item(struct arena *a, const char *tenant_id, const char *text, const char **item_id);

/*
 * A counted line whose bin_id or item_id is a code rather than an id (a bin
 * code; a SKU or barcode) with the codes replaced by their ids in *out. A code
 * that names nothing is left as it is, so the record's own check refuses it
 * (404 "Bin not found" / "Item not found"); an ambiguous bin code is 400.
 * 0, COUNT_REFUSED or -1.
 */
int count_scan_entry(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const struct count_entry *in, struct count_entry *out,
                     struct count_result *res);

/* user_id's own count of the line (bin, item, lot) in the session: 1 with *qt, 0 none, -1. */
int count_scan_earlier(struct arena *a, const char *tenant_id, const char *session_id,
                       const char *user_id, const struct count_entry *e, long long *qt);

/* Columns of count_scan_targets rows. */
enum count_scan_col {
	COUNT_SCAN_TARGET_NO = 0,
	COUNT_SCAN_KEY_ID,
	COUNT_SCAN_CODE,  /* bin code, or item SKU */
	COUNT_SCAN_LABEL, /* the bin's warehouse code, or the item's name */
	COUNT_SCAN_DONE,  /* 1 when user_id has a count record of the key, else 0 */
};

/*
 * user_id's targets in s, one row per key in target order: a position
 * session's bins, a product session's items, each with whether the user has
 * counted it. No rows when the user is not assigned. 0 or -1.
 */
int count_scan_targets(struct arena *a, const char *tenant_id, const struct count_session *s,
                       const char *user_id, struct db_rows *out);

/*
 * Whether the session counts serials: blind_serials is set, or its baseline
 * holds serial numbers. 1, 0, or -1.
 */
int count_scan_serials(struct arena *a, const char *tenant_id, const struct count_session *s);

/* Columns of count_scan_sessions rows. */
enum count_scan_session_col {
	COUNT_SCAN_SESSION_ID = 0,
	COUNT_SCAN_SESSION_CODE,
	COUNT_SCAN_SESSION_DESCRIPTION, /* NULL when none */
	COUNT_SCAN_SESSION_TYPE,
	COUNT_SCAN_SESSION_TARGETS,
	COUNT_SCAN_SESSION_DONE, /* targets every key of which user_id has counted */
};

/* The started sessions user_id is assigned to, latest start first, with their progress. 0 or -1. */
int count_scan_sessions(struct arena *a, const char *tenant_id, const char *user_id,
                        struct db_rows *out);

#endif
