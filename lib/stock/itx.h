/*
 * Inventory transactions, the rows of the stock ledger: list filters, pages and
 * per-type stats, the CSV export's rows, reading one, and creating one (the
 * rules, the locks, the stock effect through the ledger writer). Plain inputs
 * and results; the JSON group and the admin pages turn them into answers
 * (web/itx_api.h for what both need: the keyed create, the CSV stream).
 */
#ifndef STOCKTAKE_ITX_H
#define STOCKTAKE_ITX_H

#include <stdbool.h>

#include "db/db.h"
#include "stock/ledger.h"

struct arena;
struct buf;
struct kvlist;
struct paging;
struct sql;
struct user_probe;

/* Column sizes of inventory_transactions, in characters. */
#define ITX_REFERENCE_ID_MAX 100
#define ITX_NOTES_MAX                                                                              \
	16000 /* TEXT holds 65535 bytes: 16000 characters fit even at 4 bytes each                 \
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
	 * Set by the caller of itx_filter_parse: itx_page's statement also reads
	 * the caller's user row (db/user_probe.h). NULL: the caller is settled.
	 */
	struct user_probe *probe;
	/*
	 * Set by the caller: itx_page's statement also reads the list's stats
	 * into it where it can (counts->read; see itx_page). Else, and when
	 * NULL, the caller reads them with itx_stats.
	 */
	struct itx_counts *counts;
	/*
	 * Set by a caller that wants more select items in itx_page_columns's
	 * statement (", (uncorrelated subquery) AS label", with their parameters),
	 * after the probe's; NULL: none.
	 */
	const struct sql *extra_items;
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
 * warehouse exists; an empty one costs the lookup, which also reads the user
 * row of a probe the page did not take (f->probe). 0, or 404 "Warehouse not
 * found" / 500, or that row's refusal (401, 403), with *msg.
 */
int itx_filter_confirm(struct arena *a, struct itx_filter *f, const struct db_rows *page,
                       const char **msg);

/*
 * Appends what follows "FROM inventory_transactions t" for f: the items join
 * its search needs, then " WHERE t.tenant_id = ? AND ..." (another module's
 * list of the same filters: stock/itx_follow).
 */
void itx_filter_sql(struct sql *q, const struct itx_filter *f);

/* Appends ", <the caller's user row>" when f carries a probe (user_probe_take reads it). */
void itx_probe_sql(struct sql *q, const struct itx_filter *f);

/* Room for one count per ledger type (there are 7). */
#define ITX_TYPES_MAX 16

/* A list's stats: the counts over the whole filtered set per ledger type, and their total. */
struct itx_counts {
	long long counts[ITX_TYPES_MAX]; /* counts[i] for ledger_types[i] */
	long long total;
	bool read; /* a page's statement read them (itx_filter.counts); else nothing did */
};

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

/* What a read of transactions came to. */
enum itx_read_outcome {
	ITX_READ_OK = 0,  /* rows read */
	ITX_READ_NONE,    /* itx_get: the tenant has no such transaction */
	ITX_READ_REFUSED, /* the caller's user row, read along, refuses them: status, message */
	ITX_READ_FAILED,  /* database error (logged) */
};

struct itx_read {
	enum itx_read_outcome outcome;
	int status;          /* ITX_READ_REFUSED: 401 or 403 (500: a malformed user row) */
	const char *message; /* ITX_READ_REFUSED: the client message */
};

/* The answer of a read (rc of its statement): its rows, or p's refusal read with them. */
struct itx_read itx_read_result(int rc, struct user_probe *p, struct db_rows *rows);

/*
 * One page of the filtered set: the transaction's columns (id, tenant_id,
 * warehouse_id, item_id, stock_id, transaction_type, quantity, from_bin_id,
 * to_bin_id, reference_id, reference_type, notes, performed_by, timestamp,
 * delta, to_stock_id, to_delta) and its related records labelled
 * warehouse.*, item.*, stock.*, from_bin.*, to_bin.*, user.* (row_json
 * nests them). The ids are picked from the ordered index first and only those
 * rows joined, so deep pages stay cheap. ITX_READ_OK (an empty page too),
 * ITX_READ_REFUSED (f->probe's caller) or ITX_READ_FAILED. With f->counts the
 * same statement reads the stats when the filters are a type and perhaps a
 * warehouse, nothing else, and the page has a row; otherwise (an empty page
 * too: its stats are not zero past the last page) f->counts->read stays false.
 */
struct itx_read itx_page(struct arena *a, const struct itx_filter *f, const struct paging *pg,
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
struct itx_read itx_page_columns(struct arena *a, const struct itx_filter *f,
                                 const struct paging *pg, enum itx_sort sort, bool desc,
                                 enum itx_columns cols, struct db_rows *out);

/* The export's header line: its columns, in the order of itx_csv_batch's fields. */
extern const char itx_csv_header[];

/* Rows per batch of the export. */
#define ITX_CSV_BATCH 1000

/* Where the export is: after the row (ts, id); empty at the start. */
struct itx_csv_cursor {
	char ts[40];
	char id[40];
};

/*
 * Appends the next batch of the filtered set as CSV records to out, newest
 * first, and moves the cursor past it: keyset paging, so every batch starts
 * with an index range instead of an ever larger OFFSET. Each batch uses an
 * arena of its own, so an export of a million rows holds one batch in memory
 * at a time. Rows read (fewer than ITX_CSV_BATCH: the last batch), or -1.
 */
long itx_csv_batch(const struct itx_filter *f, struct itx_csv_cursor *cur, struct buf *out);

/*
 * One transaction of the tenant with the columns of itx_page. With a probe
 * (db/user_probe.h) the caller's user row comes in the same statement:
 * ITX_READ_OK, ITX_READ_NONE, ITX_READ_REFUSED or ITX_READ_FAILED.
 */
struct itx_read itx_get(struct arena *a, const char *tenant_id, const char *id,
                        struct user_probe *probe, struct db_rows *out);

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
	 * The caller's user row, read by the create's first statement
	 * (db/user_probe.h): a refusal rolls back before anything is written.
	 * NULL: the caller is settled.
	 */
	struct user_probe *probe;
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

/* What the caller runs inside the create's database transaction (the web layer: its key). */
struct itx_hooks {
	/* First in every attempt, before any lock: 0, ITX_HOOK_STOP, or -1. */
	int (*begin)(void *ctx);
	/*
	 * After the ledger row, before COMMIT: the transaction as stored (its
	 * flat columns, TX_FLAT_COLUMNS), the stock record it names (stock_id)
	 * and, for a move only, the record the units are in now (else NULL):
	 * the destination record, or stock itself when the whole record
	 * changed bin. 0, or -1 to roll back.
	 */
	int (*written)(void *ctx, const struct db_rows *transaction, const struct db_rows *stock,
	               const struct db_rows *destination);
	void *ctx;
};

/* The begin hook's "this attempt cannot go on" (an Idempotency-Key held by another request). */
#define ITX_HOOK_STOP 1

enum itx_outcome {
	ITX_CREATED = 0, /* id: the new transaction */
	ITX_REFUSED,     /* a business rule said no: status and message */
	ITX_STOPPED,     /* the begin hook stopped it (nothing written) */
	ITX_FAILED,      /* database error (logged; db_lock_conflict() tells a retryable one) */
};

struct itx_result {
	int status;
	const char *message;
	const char *id;
};

/*
 * Creates the transaction in one database transaction (db_transaction: rerun
 * after a deadlock): runs hooks->begin, locks in the ledger writer's order
 * (count sessions, bins, the stock rows), checks the rules that need them
 * (warehouse, stock, item, performer, bins, bin freeze, quantity on hand),
 * posts the movement (ledger_post) and hands what it wrote to hooks->written.
 * hooks may be NULL.
 */
enum itx_outcome itx_create(struct arena *a, const char *tenant_id, const struct itx_input *in,
                            const struct itx_hooks *hooks, struct itx_result *out);

#endif
