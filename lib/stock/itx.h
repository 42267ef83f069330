/*
 * Inventory transactions, the rows of the stock ledger: list filters, pages and
 * per-type stats, the CSV export, reading one, and creating one (the stock
 * effect, locking, idempotency). Shared by the JSON group and the admin pages.
 */
#ifndef STOCKTAKE_ITX_H
#define STOCKTAKE_ITX_H

#include <stdbool.h>

#include "db/db.h"
#include "stock/ledger.h"

struct arena;
struct idem;
struct kvlist;
struct request;
struct paging;

/* Column sizes of inventory_transactions, in characters. */
#define ITX_REFERENCE_ID_MAX 100
#define ITX_NOTES_MAX 16000 /* TEXT holds 65535 bytes: 16000 characters fit even at 4 bytes each   \
	                     */

/* Room for a DATETIME text with microseconds. */
#define ITX_TS_LEN 32


/* Notes of at most ITX_NOTES_MAX characters (NULL is fine). */
bool itx_notes_ok(const char *notes);

/* ---- lists ---------------------------------------------------------------- */

/* Validated filters of a list or export. */
struct itx_filter {
	const char *tenant_id;
	const char *warehouse_id;
	const char *item_id;
	const char *stock_id; /* its history: the transactions naming it and the moves into it */
	const char *search;
	const char *type;
	const char *reference_type;
	char start[ITX_TS_LEN];
	char end[ITX_TS_LEN];
	bool has_start;
	bool has_end;
	bool end_is_date; /* a bare date as the end includes that whole day */
	/*
	 * Set by the caller of itx_filter_parse: itx_page also reads this user's row
	 * (AUTH_PROBE_COLUMN, for auth_settle_probe).
	 */
	const char *probe_user;
	/*
	 * The warehouse named by the filter was not looked up (itx_filter_read): a
	 * page holding one of its transactions proves it exists; itx_filter_confirm
	 * checks an empty one.
	 */
	bool warehouse_unchecked;
};

/*
 * Reads and checks the filters of query (warehouse_id, item_id, stock_id,
 * search, transaction_type, reference_type, timestamp_range_start,
 * timestamp_range_end; empty values count as absent). 0, or the HTTP status
 * with *msg: 400 "Invalid transaction type" / "Invalid reference type" /
 * "Invalid timestamp", 404 "Warehouse not found", 500.
 */
int itx_filter_parse(struct arena *a, const char *tenant_id, const struct kvlist *query,
                     struct itx_filter *f, const char **msg);

/*
 * itx_filter_parse without its one database read, for a caller that already
 * knows whether f->warehouse_id (set when the query names a well-formed one)
 * is a warehouse of the tenant, or learns it from the page
 * (itx_filter_confirm): the same checks in the same order otherwise. Leaves
 * f->warehouse_unchecked set when a warehouse is named.
 */
int itx_filter_read(struct arena *a, const char *tenant_id, const struct kvlist *query,
                    struct itx_filter *f, const char **msg);

/*
 * The deferred warehouse check: a page (itx_page's rows) with a row shows the
 * warehouse exists; an empty one costs the lookup. 0, or 404 "Warehouse not
 * found" / 500 with *msg.
 */
int itx_filter_confirm(struct arena *a, struct itx_filter *f, const struct db_rows *page,
                       const char **msg);

/* Room for one count per ledger type (there are 7). */
#define ITX_TYPES_MAX 16

/* Counts over the whole filtered set: counts[i] for ledger_types[i], and *total. 0 or -1. */
int itx_stats(struct arena *a, const struct itx_filter *f, long long counts[ITX_TYPES_MAX],
              long long *total);

/* Orders of a page; every one ends with the time, newest first, so pages are stable. */
enum itx_sort {
	ITX_SORT_TIME = 0, /* the API's order (descending) */
	ITX_SORT_TYPE,
	ITX_SORT_REFERENCE,
	ITX_SORT_WAREHOUSE,
	ITX_SORT_ITEM,
	ITX_SORT_QUANTITY,
	ITX_SORT_USER,
};

/*
 * One page of the filtered set: the transaction's columns (id, tenant_id,
 * warehouse_id, item_id, stock_id, transaction_type, quantity, from_bin_id,
 * to_bin_id, reference_id, reference_type, notes, performed_by, timestamp,
 * delta, to_stock_id, to_delta) and its related records labelled
 * warehouse.*, item.*, stock.*, from_bin.*, to_bin.*, user.* (row_json
 * nests them). The ids are picked from the ordered index first and only those
 * rows joined, so deep pages stay cheap. 0 or -1.
 */
int itx_page(struct arena *a, const struct itx_filter *f, const struct paging *pg,
             enum itx_sort sort, bool desc, struct db_rows *out);

/* The columns of a page: all of itx_page's, or what the admin listings show. */
enum itx_columns {
	ITX_ALL_COLUMNS = 0,
	/* id, transaction_type, quantity, reference_id, reference_type, performed_by,
	 * timestamp, delta, warehouse.code, item.sku, item.name, from_bin.code, to_bin.code,
	 * user.first_name, user.last_name */
	ITX_LISTING_COLUMNS,
};

/* itx_page with a choice of columns. */
int itx_page_columns(struct arena *a, const struct itx_filter *f, const struct paging *pg,
                     enum itx_sort sort, bool desc, enum itx_columns cols, struct db_rows *out);

/*
 * Streams every row of the filtered set (all pages) to r as the CSV export
 * "inventory-transactions.csv", newest first, read in batches by keyset; a
 * database error after the first bytes can only cut the file short (logged).
 */
void itx_csv(struct request *r, const struct itx_filter *f);

/*
 * One transaction of the tenant with the columns of itx_page, read for r: a
 * pending caller's user row comes in the same statement and is settled
 * (auth_settle_probe). 0, 1 when none, -1 on DB errors, or the caller's
 * refusal (401, 403 or 500) with *message, answered instead of the rest.
 */
int itx_get(struct request *r, const char *tenant_id, const char *id, struct db_rows *out,
            const char **message);

/* ---- create ----------------------------------------------------------------- */

/* A create request; itx_check_input fills type, dir and timestamp and normalizes the ids. */
struct itx_input {
	const char *warehouse_id;
	const char *item_id;
	const char *stock_id;
	const char *type; /* normalized */
	long long quantity;
	enum ledger_dir dir;
	const char *from_bin_id;
	const char *to_bin_id;
	const char *reference_id;
	const char *reference_type;
	const char *notes;
	const char *performed_by; /* NULL: the caller */
	const char *timestamp;    /* DB form, or NULL for now */
	/*
	 * A request whose caller is still pending (auth_authenticate_deferred):
	 * the create's first read also reads the caller's user row, and a
	 * refusal rolls back before anything is written. NULL: already settled.
	 */
	struct request *settle;
};

/*
 * The rules that need no database, in the documented order: transaction type
 * (type as given; "adjust" is stock_adjustment), quantity, adjustment
 * direction, the bins of moves and picks, reference, field lengths and the
 * ISO 8601 timestamp (NULL for now). Then lower-cases the ids and defaults
 * performed_by to caller_id. 0 or 400 with *msg.
 */
int itx_check_input(struct arena *a, struct itx_input *in, const char *type, const char *direction,
                    const char *timestamp, const char *caller_id, const char **msg);

enum itx_outcome {
	ITX_CREATED = 0, /* body: the 201 response; id: the new transaction */
	ITX_REPLAYED,    /* the key's stored response: status and body */
	ITX_REFUSED,     /* a business rule said no: status and message */
	ITX_KEY_REUSED,  /* the Idempotency-Key belongs to another request */
	ITX_FAILED,      /* database error (logged) */
};

struct itx_result {
	int status;
	const char *message;
	const char *body; /* JSON text of the ONDI answer */
	const char *id;
};

/*
 * Creates the transaction: one database transaction (retried after deadlocks)
 * that claims the Idempotency-Key k (k->key may be NULL), locks the bins of a
 * move and the stock rows, checks the rules that need them (warehouse, stock,
 * item, performer, bins, quantity on hand), changes the stock and writes the
 * ledger row and the response the key keeps.
 */
enum itx_outcome itx_create(struct arena *a, const char *tenant_id, const struct itx_input *in,
                            const struct idem *k, struct itx_result *out);

#endif
