/* Inventory transactions: list filters, pages, stats, CSV export, reading and creating one. */
#include "stock/itx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/paging.h"
#include "db/sql.h"
#include "db/user_probe.h"
#include "stock/itx_sql.h"
#include "stock/ledger.h"
#include "stock/ledger_post.h"

/* The status master data gives a deleted (deactivated) stock record. */
#define STOCK_DELETED "inactive"

/* db_transaction callback results besides 0 (commit) and -1 (DB error). */
#define TXN_REFUSED 1 /* a business rule said no: c->status, c->message */
#define TXN_STOPPED 2 /* the caller's begin hook said this attempt cannot go on */

/* ---- shared SQL -------------------------------------------------------- */

static const char tx_full_sql[] = TX_GET_SQL;
static const char tx_full_probed_sql[] = TX_GET_SQL_WITH(", " USER_PROBE_COLUMN);

/* ---- small helpers ----------------------------------------------------- */

static bool id_eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool itx_notes_ok(const char *notes)
{
	return !notes || valid_utf8_chars(notes) <= ITX_NOTES_MAX;
}

static long long cell_ll(const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* ---- lists ------------------------------------------------------------- */

/* One timestamp bound of the filter; false when malformed. */
static bool parse_bound(const char *v, char *out, bool *has)
{
	if (!v)
		return true;
	*has = true;
	return valid_timestamp(v, out, ITX_TS_LEN);
}

static const char warehouse_sql[] = "SELECT 1 FROM warehouses WHERE tenant_id = ? AND id = ?";
static const char warehouse_probed_sql[] =
    "SELECT 1, " USER_PROBE_COLUMN " FROM warehouses WHERE tenant_id = ? AND id = ?";

/*
 * 0, or 404 "Warehouse not found" when the tenant has no warehouse f->warehouse_id (500).
 * A pending f->probe rides along (an empty page's look-up): when the warehouse is found, the
 * user row is read and its refusal (401, 403) is the answer; when not, the frame reads it.
 */
static int check_warehouse(struct arena *a, struct itx_filter *f, const char **msg)
{
	struct user_probe *p = user_probe_pending(f->probe);
	struct db_rows rows;
	struct itx_read r;
	int rc = p ? db_exec(a, &rows, warehouse_probed_sql, "ssss", p->user_id, p->tenant_id,
	                     f->tenant_id, f->warehouse_id)
	           : db_exec(a, &rows, warehouse_sql, "ss", f->tenant_id, f->warehouse_id);

	r = itx_read_result(rc, p, &rows);
	if (r.outcome == ITX_READ_FAILED) {
		*msg = "Internal server error";
		return 500;
	}
	if (r.outcome == ITX_READ_REFUSED) {
		*msg = r.message;
		return r.status;
	}
	f->warehouse_unchecked = false;
	if (rows.nrows == 0) {
		*msg = "Warehouse not found";
		return 404;
	}
	return 0;
}

int itx_filter_read(struct arena *a, const char *tenant_id, const struct kvlist *query,
                    struct itx_filter *f, const char **msg)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	f->tenant_id = tenant_id;
	f->item_id = valid_id_norm(a, kvlist_get_nonempty(query, "item_id"));
	f->stock_id = valid_id_norm(a, kvlist_get_nonempty(query, "stock_id"));
	f->search = kvlist_get_nonempty(query, "search");
	if ((v = kvlist_get_nonempty(query, "transaction_type")) &&
	    !(f->type = ledger_type_normalize(v))) {
		*msg = "Invalid transaction type";
		return 400;
	}
	if ((f->reference_type = kvlist_get_nonempty(query, "reference_type")) &&
	    !valid_one_of(f->reference_type, ledger_reference_types)) {
		*msg = "Invalid reference type";
		return 400;
	}
	v = kvlist_get_nonempty(query, "timestamp_range_end");
	if (!parse_bound(kvlist_get_nonempty(query, "timestamp_range_start"), f->start,
	                 &f->has_start) ||
	    !parse_bound(v, f->end, &f->has_end)) {
		*msg = "Invalid timestamp";
		return 400;
	}
	f->end_is_date = v && strlen(v) == 10;
	if ((v = kvlist_get_nonempty(query, "warehouse_id"))) {
		f->warehouse_id = valid_id_norm(a, v);
		if (!valid_uuid(v)) {
			*msg = "Warehouse not found";
			return 404;
		}
		f->warehouse_unchecked = true;
	}
	return 0;
}

int itx_filter_parse(struct arena *a, const char *tenant_id, const struct kvlist *query,
                     struct itx_filter *f, const char **msg)
{
	int status = itx_filter_read(a, tenant_id, query, f, msg);

	if (status != 0 || !f->warehouse_unchecked)
		return status;
	return check_warehouse(a, f, msg);
}

int itx_filter_confirm(struct arena *a, struct itx_filter *f, const struct db_rows *page,
                       const char **msg)
{
	int col;

	if (!f->warehouse_unchecked)
		return 0;
	/* The page's rows are the warehouse's, joined to it within the tenant. */
	col = db_col(page, "warehouse.id");
	if (page->nrows > 0 && col >= 0 && db_cell(page, 0, (size_t)col)) {
		f->warehouse_unchecked = false;
		return 0;
	}
	return check_warehouse(a, f, msg);
}

/* Appends " WHERE ..." for f to q (items aliased i must be joined when f->search is set). */
static void where_filter(struct sql *q, const struct itx_filter *f)
{
	sql_addp(q, " WHERE t.tenant_id = ?", DBP_S(f->tenant_id));
	if (f->warehouse_id)
		sql_addp(q, " AND t.warehouse_id = ?", DBP_S(f->warehouse_id));
	if (f->item_id)
		sql_addp(q, " AND t.item_id = ?", DBP_S(f->item_id));
	if (f->stock_id) {
		/* A stock's history includes the moves into it. */
		sql_addp(q, " AND (t.stock_id = ?", DBP_S(f->stock_id));
		sql_addp(q, " OR t.to_stock_id = ?)", DBP_S(f->stock_id));
	}
	if (f->type)
		sql_addp(q, " AND t.transaction_type = ?", DBP_S(f->type));
	if (f->reference_type)
		sql_addp(q, " AND t.reference_type = ?", DBP_S(f->reference_type));
	if (f->has_start)
		sql_addp(q, " AND t.timestamp >= ?", DBP_S(f->start));
	if (f->has_end && f->end_is_date)
		sql_addp(q, " AND t.timestamp < ? + INTERVAL 1 DAY", DBP_S(f->end));
	else if (f->has_end)
		sql_addp(q, " AND t.timestamp <= ?", DBP_S(f->end));
	if (f->search) {
		/* The type columns are ascii: a LIKE with a non-ASCII pattern on them is an
		 * "illegal mix of collations" error unless they are converted first. */
		static const char *const cols[] = {"CONVERT(t.transaction_type USING utf8mb4)",
		                                   "CONVERT(t.reference_type USING utf8mb4)",
		                                   "i.sku",
		                                   "i.name",
		                                   "t.reference_id",
		                                   "t.notes",
		                                   NULL};
		const char *pattern = sql_like_pattern(q->a, f->search);

		for (size_t i = 0; cols[i]; i++) {
			buf_puts(&q->text, i ? " OR " : " AND (");
			buf_puts(&q->text, cols[i]);
			sql_addp(q, " LIKE ? ESCAPE '!'", DBP_S(pattern));
		}
		buf_puts(&q->text, ")");
	}
}

/* " LEFT JOIN items i" when the search (or the order) needs the item's columns. */
#define ITEM_JOIN " LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id"

void itx_filter_sql(struct sql *q, const struct itx_filter *f)
{
	if (f->search)
		buf_puts(&q->text, ITEM_JOIN);
	where_filter(q, f);
}

/*
 * Whether the only filters are the warehouse and the type: the counts of
 * inventory_transaction_counts (migration 005) answer the stats, and an index
 * ending in (timestamp, id) gives the page in order.
 */
static bool counted_filter(const struct itx_filter *f)
{
	return !f->item_id && !f->stock_id && !f->search && !f->reference_type && !f->has_start &&
	       !f->has_end;
}

/* The stats from the trigger-kept counts: a few rows instead of counting the filtered index. */
static void counts_query(struct sql *q, const struct itx_filter *f)
{
	sql_addp(q,
	         "SELECT transaction_type, CAST(SUM(n) AS SIGNED) FROM"
	         " inventory_transaction_counts WHERE tenant_id = ?",
	         DBP_S(f->tenant_id));
	if (f->warehouse_id)
		sql_addp(q, " AND warehouse_id = ?", DBP_S(f->warehouse_id));
	if (f->type)
		sql_addp(q, " AND transaction_type = ?", DBP_S(f->type));
	buf_puts(&q->text, " GROUP BY transaction_type");
}

/* Adds the count n of the type named by len bytes at type (NULL: none) to the stats. */
static void count_type(long long counts[ITX_TYPES_MAX], long long *total, const char *type,
                       size_t len, long long n)
{
	*total += n;
	for (size_t t = 0; type && ledger_types[t]; t++)
		if (strncmp(type, ledger_types[t], len) == 0 && ledger_types[t][len] == '\0')
			counts[t] = n;
}

int itx_stats(struct arena *a, const struct itx_filter *f, long long counts[ITX_TYPES_MAX],
              long long *total)
{
	struct sql q;
	struct db_rows rows;
	int rc;

	sql_init(&q, a);
	if (counted_filter(f)) {
		counts_query(&q, f);
	} else {
		buf_puts(&q.text,
		         "SELECT t.transaction_type, COUNT(*) FROM inventory_transactions t");
		if (f->search)
			buf_puts(&q.text, ITEM_JOIN);
		where_filter(&q, f);
		buf_puts(&q.text, " GROUP BY t.transaction_type");
	}
	rc = db_execv(a, &rows, buf_cstr(&q.text), q.params, q.n);
	sql_release(&q);
	if (rc < 0)
		return -1;
	*total = 0;
	for (size_t t = 0; t < ITX_TYPES_MAX; t++)
		counts[t] = 0;
	for (size_t i = 0; i < rows.nrows; i++) {
		const char *type = db_cell(&rows, i, 0);

		count_type(counts, total, type, type ? strlen(type) : 0, cell_ll(&rows, i, 1));
	}
	return 0;
}

/* Whether a page's statement can carry f's stats: the trigger-kept count of the one type. */
static bool stats_ride(const struct itx_filter *f)
{
	return f->counts && f->type && counted_filter(f);
}

/* Appends the stats column (TX_STATS_BEGIN) when f->counts asks for it and it can ride. */
static void stats_sql(struct sql *q, const struct itx_filter *f)
{
	if (!stats_ride(f))
		return;
	sql_addp(q, ", " TX_STATS_BEGIN, DBP_S(f->tenant_id));
	if (f->warehouse_id)
		sql_addp(q, TX_STATS_WAREHOUSE, DBP_S(f->warehouse_id));
	sql_addp(q, TX_STATS_END, DBP_S(f->type));
}

/*
 * Takes the stats column out of a page's rows into f->counts when the page has
 * a row, which alone carries it (NULL: no count, zero).
 */
static void stats_take(const struct itx_filter *f, struct db_rows *rows)
{
	int col = db_col(rows, TX_STATS_LABEL);
	struct itx_counts *c = f->counts;

	if (col < 0)
		return;
	if (rows->nrows) {
		memset(c, 0, sizeof(*c));
		c->read = true;
		count_type(c->counts, &c->total, f->type, strlen(f->type),
		           cell_ll(rows, 0, (size_t)col));
	}
	db_rows_drop_col(rows, (size_t)col);
}

/* What a sort order needs: its ORDER BY columns and the join they take. */
struct sort_spec {
	const char *columns[3]; /* NULL-terminated */
	const char *join;       /* for the id query; the row query joins every related table */
};

static const struct sort_spec sort_specs[] = {
    [ITX_SORT_TIME] = {{"t.timestamp", "t.id", NULL}, NULL},
    [ITX_SORT_TYPE] = {{"t.transaction_type", NULL}, NULL},
    [ITX_SORT_REFERENCE] = {{"t.reference_type", "t.reference_id", NULL}, NULL},
    [ITX_SORT_WAREHOUSE] = {{"w.code", NULL},
                            " LEFT JOIN warehouses w ON w.id = t.warehouse_id"
                            " AND w.tenant_id = t.tenant_id"},
    [ITX_SORT_ITEM] = {{"i.sku", NULL}, ITEM_JOIN},
    [ITX_SORT_QUANTITY] = {{"t.quantity", NULL}, NULL},
    [ITX_SORT_USER] = {{"u.last_name", "u.first_name", NULL},
                       " LEFT JOIN users u ON u.id = t.performed_by AND u.tenant_id = t.tenant_id"},
};

/* " ORDER BY <columns of sort>, t.timestamp DESC, t.id DESC": ties stay in a stable order. */
static void order_by(struct buf *b, enum itx_sort sort, bool desc)
{
	const char *const *col = sort_specs[sort].columns;

	buf_puts(b, " ORDER BY ");
	for (size_t i = 0; col[i]; i++)
		buf_appendf(b, "%s%s %s", i ? ", " : "", col[i], desc ? "DESC" : "ASC");
	if (sort != ITX_SORT_TIME)
		buf_puts(b, ", t.timestamp DESC, t.id DESC");
}

/*
 * Pages up to this offset of a counted_filter() list in time order are read
 * with one plain join: the ordered index gives the first rows and the join
 * stops after them, which costs about half of picking the ids in a derived
 * table first (a temporary table and a second sort). Deeper pages keep the
 * derived table, so the rows they skip are never joined.
 */
#define DIRECT_OFFSET_MAX 100

/*
 * The index (migrations 001 and 002) that holds a counted_filter() set in time
 * order. Named, because choosing among the seven (tenant_id, ...) indexes
 * costs the optimizer two index dives each on every execution: a fifth of
 * the whole page query.
 */
static const char *time_index(const struct itx_filter *f)
{
	if (f->warehouse_id && f->type)
		return " FORCE INDEX (ix_itx_tenant_wh_type_time)";
	if (f->warehouse_id)
		return " FORCE INDEX (ix_itx_tenant_wh_time)";
	if (f->type)
		return " FORCE INDEX (ix_itx_tenant_type_time)";
	return " FORCE INDEX (ix_itx_tenant_time)";
}

void itx_probe_sql(struct sql *q, const struct itx_filter *f)
{
	struct user_probe *p = user_probe_pending(f->probe);

	if (!p)
		return;
	struct db_param params[] = {DBP_S(p->user_id), DBP_S(p->tenant_id)};

	sql_addv(q, ", " USER_PROBE_COLUMN, params, 2);
}

/* f's extra select items, after the probe's column. */
static void extra_items_sql(struct sql *q, const struct itx_filter *f)
{
	const struct sql *x = f->extra_items;

	if (x)
		sql_addv(q, buf_cstr(&x->text), x->params, x->n);
}

struct itx_read itx_read_result(int rc, struct user_probe *p, struct db_rows *rows)
{
	struct itx_read r = {ITX_READ_OK, 0, NULL};

	if (rc < 0) {
		r.outcome = ITX_READ_FAILED;
		return r;
	}
	if ((r.status = user_probe_take(p, rows, &r.message)) != 0)
		r.outcome = ITX_READ_REFUSED;
	return r;
}

struct itx_read itx_page(struct arena *a, const struct itx_filter *f, const struct paging *pg,
                         enum itx_sort sort, bool desc, struct db_rows *out)
{
	return itx_page_columns(a, f, pg, sort, desc, ITX_ALL_COLUMNS, out);
}

struct itx_read itx_page_columns(struct arena *a, const struct itx_filter *f,
                                 const struct paging *pg, enum itx_sort sort, bool desc,
                                 enum itx_columns cols, struct db_rows *out)
{
	const char *columns =
	    cols == ITX_LISTING_COLUMNS ? TX_LISTING_COLUMNS : TX_FLAT_COLUMNS TX_NESTED_COLUMNS;
	struct sql q;
	long long offset = paging_offset(pg);
	int rc;

	if ((unsigned)sort >= sizeof(sort_specs) / sizeof(sort_specs[0]))
		sort = ITX_SORT_TIME;
	sql_init(&q, a);
	if (sort == ITX_SORT_TIME && desc && counted_filter(f) && offset <= DIRECT_OFFSET_MAX) {
		/* STRAIGHT_JOIN: t first, read in index order; no join order to search. */
		buf_puts(&q.text, "SELECT STRAIGHT_JOIN ");
		buf_puts(&q.text, columns);
		itx_probe_sql(&q, f);
		stats_sql(&q, f);
		extra_items_sql(&q, f);
		buf_puts(&q.text, " FROM inventory_transactions t");
		buf_puts(&q.text, time_index(f));
		buf_puts(&q.text, TX_RELATED_PK);
		where_filter(&q, f);
		order_by(&q.text, sort, desc);
		sql_addp(&q, " LIMIT ?", DBP_I(pg->limit));
		sql_addp(&q, " OFFSET ?", DBP_I(offset));
		goto run;
	}
	buf_puts(&q.text, "SELECT ");
	buf_puts(&q.text, columns);
	itx_probe_sql(&q, f);
	stats_sql(&q, f);
	extra_items_sql(&q, f);
	buf_puts(&q.text, " FROM (SELECT t.id FROM inventory_transactions t");
	if (f->search || sort == ITX_SORT_ITEM)
		buf_puts(&q.text, ITEM_JOIN);
	if (sort_specs[sort].join && sort != ITX_SORT_ITEM)
		buf_puts(&q.text, sort_specs[sort].join);
	where_filter(&q, f);
	order_by(&q.text, sort, desc);
	sql_addp(&q, " LIMIT ?", DBP_I(pg->limit));
	sql_addp(&q, " OFFSET ?", DBP_I(offset));
	buf_puts(&q.text, ") page JOIN inventory_transactions t ON t.id = page.id" TX_RELATED);
	order_by(&q.text, sort, desc);
run:
	rc = sql_exec(&q, out);
	sql_release(&q);
	if (rc >= 0 && stats_ride(f))
		stats_take(f, out);
	return itx_read_result(rc, f->probe, out);
}

struct itx_read itx_get(struct arena *a, const char *tenant_id, const char *id,
                        struct user_probe *probe, struct db_rows *out)
{
	struct user_probe *p = user_probe_pending(probe);
	struct itx_read r;
	int rc =
	    p ? db_exec(a, out, tx_full_probed_sql, "ssss", p->user_id, p->tenant_id, tenant_id, id)
	      : db_exec(a, out, tx_full_sql, "ss", tenant_id, id);

	r = itx_read_result(rc, p, out);
	/* No row: the frame reads the user row on its own, and its refusal outranks "not found". */
	if (r.outcome == ITX_READ_OK && out->nrows == 0)
		r.outcome = ITX_READ_NONE;
	return r;
}

/* ---- CSV export -------------------------------------------------------- */

const char itx_csv_header[] =
    "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,"
    "from_bin_code,to_bin_code,reference_type,reference_id,performed_by,notes\r\n";

/* The export's columns (itx_csv_header's order), then the keyset position (a timestamp). */
#define CSV_SELECT                                                                                 \
	"SELECT t.id, DATE_FORMAT(t.timestamp, '%Y-%m-%dT%H:%i:%sZ'), t.transaction_type, w.code," \
	" i.sku, i.name, t.stock_id, t.quantity, fb.code, tb.code, t.reference_type,"              \
	" t.reference_id, t.performed_by, t.notes,"                                                \
	" DATE_FORMAT(t.timestamp, '%Y-%m-%d %H:%i:%s.%f')"
#define CSV_RELATED                                                                                \
	" LEFT JOIN warehouses w ON w.id = t.warehouse_id AND w.tenant_id = t.tenant_id"           \
	" LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id"                     \
	" LEFT JOIN bins fb ON fb.id = t.from_bin_id AND fb.tenant_id = t.tenant_id"               \
	" LEFT JOIN bins tb ON tb.id = t.to_bin_id AND tb.tenant_id = t.tenant_id"
#define CSV_COLUMNS 14

long itx_csv_batch(const struct itx_filter *f, struct itx_csv_cursor *cur, struct buf *out)
{
	struct arena *a = arena_new(64 * 1024);
	struct sql q;
	struct db_rows rows;
	long n = -1;

	sql_init(&q, a);
	buf_puts(&q.text, CSV_SELECT " FROM (SELECT t.id FROM inventory_transactions t");
	if (f->search)
		buf_puts(&q.text, ITEM_JOIN);
	where_filter(&q, f);
	if (*cur->id) {
		/* (timestamp, id) < (cur->ts, cur->id), written so the first part is a range. */
		sql_addp(&q, " AND t.timestamp <= ?", DBP_S(cur->ts));
		sql_addp(&q, " AND (t.timestamp < ?", DBP_S(cur->ts));
		sql_addp(&q, " OR t.id < ?)", DBP_S(cur->id));
	}
	sql_addp(&q, TX_ORDER " LIMIT ?", DBP_I(ITX_CSV_BATCH));
	buf_puts(&q.text,
	         ") page JOIN inventory_transactions t ON t.id = page.id" CSV_RELATED TX_ORDER);
	if (sql_exec(&q, &rows) < 0)
		goto out;
	for (size_t i = 0; i < rows.nrows; i++) {
		for (size_t c = 0; c < CSV_COLUMNS; c++)
			csv_field(out, db_cell(&rows, i, c), c == 0);
		csv_end_record(out);
	}
	if (rows.nrows) {
		snprintf(cur->id, sizeof(cur->id), "%s", db_cell(&rows, rows.nrows - 1, 0));
		snprintf(cur->ts, sizeof(cur->ts), "%s",
		         db_cell(&rows, rows.nrows - 1, CSV_COLUMNS));
	}
	n = (long)rows.nrows;
out:
	sql_release(&q);
	arena_free(a);
	return n;
}

/* ---- create ------------------------------------------------------------ */

int itx_check_input(struct arena *a, struct itx_input *in, const char *type, const char *direction,
                    const char *timestamp, const char *caller_id, const char **msg)
{
	if (!(in->type = ledger_type_normalize(type))) {
		*msg = "Invalid transaction type";
		return 400;
	}
	if ((*msg = ledger_quantity_error(in->type, in->quantity)))
		return 400;
	if (strcmp(in->type, "stock_adjustment") == 0) {
		if (!direction) {
			*msg = "Field required: adjustment_direction (increase or decrease)";
			return 400;
		}
		if (ledger_direction_parse(direction, &in->dir) < 0) {
			*msg = "Invalid adjustment direction (increase or decrease)";
			return 400;
		}
	}
	if (strcmp(in->type, "move") == 0) {
		if (!in->from_bin_id || !in->to_bin_id) {
			*msg = "Move requires from and to bins";
			return 400;
		}
		if (id_eq(in->from_bin_id, in->to_bin_id)) {
			*msg = "From and to bins must differ";
			return 400;
		}
	}
	if (strcmp(in->type, "pick") == 0 && !in->from_bin_id) {
		*msg = "Pick requires from bin";
		return 400;
	}
	if (in->reference_id && !in->reference_type) {
		*msg = "Reference type required when reference ID provided";
		return 400;
	}
	if (in->reference_type && !valid_one_of(in->reference_type, ledger_reference_types)) {
		*msg = "Invalid reference type";
		return 400;
	}
	if (in->reference_id && valid_utf8_chars(in->reference_id) > ITX_REFERENCE_ID_MAX) {
		*msg = "Field too long: reference_id";
		return 400;
	}
	if (!itx_notes_ok(in->notes)) {
		*msg = "Field too long: notes";
		return 400;
	}
	if (timestamp) {
		char *out = arena_alloc(a, ITX_TS_LEN);

		if (!valid_timestamp(timestamp, out, ITX_TS_LEN)) {
			*msg = "Invalid timestamp";
			return 400;
		}
		in->timestamp = out;
	}
	in->warehouse_id = valid_id_norm(a, in->warehouse_id);
	in->item_id = valid_id_norm(a, in->item_id);
	in->stock_id = valid_id_norm(a, in->stock_id);
	in->from_bin_id = valid_id_norm(a, in->from_bin_id);
	in->to_bin_id = valid_id_norm(a, in->to_bin_id);
	in->performed_by = in->performed_by ? valid_id_norm(a, in->performed_by) : caller_id;
	return 0;
}

/* The stock record a transaction names, read under its row lock. */
struct stock_row {
	const char *id;
	const char *warehouse_id;
	const char *item_id;
	const char *bin_id;
	long long quantity;
	const char *unit_of_measure;
	const char *status;
	const char *lot_number;
	const char *serial_number;
};

/* State of one create attempt; everything but the inputs is reset at its start. */
struct create_ctx {
	struct arena *a;
	const char *tenant_id;
	const struct itx_input *in;
	const struct itx_hooks *hooks;
	int status;
	const char *message;
	const char *id; /* the new transaction */
	/* effect: the movement posted to the ledger */
	const char *now;
	struct ledger_movement m;
	struct ledger_new_stock to_new;
	/* The count-session lock check of this attempt (lock_ahead), for check_records. */
	const char *lock_bin;
	int lock_result;
	const char *lock_msg;
	/* This attempt read the caller's user row (read_stock_bin): that user exists. */
	const char *user_seen;
	/* read_stock_bin's reading of the warehouse for warehouse_now: the database's clock
	 * when the warehouse is an active one of the tenant, else NULL. */
	const char *warehouse_clock;
	/* A create of one stock record: lock_single read what the checks need in one round
	 * trip, and the statements of lock_stock, the performer check and a second freeze
	 * check take their answers from it. */
	const struct db_rows *single;
};

static int refuse(struct create_ctx *c, int status, const char *message)
{
	c->status = status;
	c->message = message;
	return TXN_REFUSED;
}

/* Column name of lock_single's row, NULL when missing. */
static const char *single_cell(const struct db_rows *row, const char *name)
{
	int col = db_col(row, name);

	return col < 0 ? NULL : db_cell(row, 0, (size_t)col);
}

/* The stock row itx_single_lock locked (migration 011); 1 when it read none. */
static int single_stock(const struct db_rows *row, struct stock_row *s)
{
	const char *q = single_cell(row, "s_quantity");

	if (!(s->id = single_cell(row, "s_id")))
		return 1;
	s->warehouse_id = single_cell(row, "s_warehouse_id");
	s->item_id = single_cell(row, "s_item_id");
	s->bin_id = single_cell(row, "s_bin_id");
	s->quantity = q ? strtoll(q, NULL, 10) : 0;
	s->unit_of_measure = single_cell(row, "s_unit_of_measure");
	s->status = single_cell(row, "s_status");
	s->lot_number = single_cell(row, "s_lot_number");
	s->serial_number = single_cell(row, "s_serial_number");
	return 0;
}

/* Locks the stock row; 1 when it is not the tenant's or not in the warehouse. */
static int lock_stock(struct create_ctx *c, const char *id, struct stock_row *s)
{
	struct db_rows rows;

	if (c->single)
		return single_stock(c->single, s);
	if (db_exec(
	        c->a, &rows,
	        "SELECT id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status,"
	        " lot_number, serial_number FROM stocks WHERE tenant_id = ? AND id = ? FOR UPDATE",
	        "ss", c->tenant_id, id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 1;
	s->id = db_cell(&rows, 0, 0);
	s->warehouse_id = db_cell(&rows, 0, 1);
	s->item_id = db_cell(&rows, 0, 2);
	s->bin_id = db_cell(&rows, 0, 3);
	s->quantity = cell_ll(&rows, 0, 4);
	s->unit_of_measure = db_cell(&rows, 0, 5);
	s->status = db_cell(&rows, 0, 6);
	s->lot_number = db_cell(&rows, 0, 7);
	s->serial_number = db_cell(&rows, 0, 8);
	return 0;
}

/* Row count of a tenant-scoped lookup; -1 on DB errors. */
static long exists(struct create_ctx *c, const char *sql, const char *id)
{
	struct db_rows rows;

	if (db_exec(c->a, &rows, sql, "ss", c->tenant_id, id) < 0)
		return -1;
	return (long)rows.nrows;
}

/*
 * Moves lock both bins (in id order) before any stock row: every move that
 * touches a stock record holds the lock of that record's bin, so two moves
 * over the same records queue up instead of deadlocking, and no record can
 * arrive in the destination bin between our search and our write (a stock
 * row naming the bin needs the bin row's shared lock for its foreign key).
 */
static int lock_bins(struct create_ctx *c)
{
	const char *ids[] = {c->in->from_bin_id, c->in->to_bin_id};

	return ledger_post_lock_bins(c->a, c->tenant_id, ids, 2);
}

static bool takes_from_bin(const char *type);

/* ledger_post_bin_frozen's answer from a session's code itx_single_lock read (NULL: free). */
static int single_frozen(struct create_ctx *c, const char *code)
{
	c->lock_msg = code ? ledger_post_frozen_message(c->a, code) : NULL;
	return code ? 1 : 0;
}

/*
 * ledger_post_bin_frozen for bin, run once per attempt: the shared locks it takes hold
 * its answer until the transaction ends, so check_records reuses it when the
 * locked stock row still names the bin lock_ahead read.
 */
static int bin_lock_state(struct create_ctx *c, const char *bin, const char **message)
{
	if (!c->lock_bin || !id_eq(c->lock_bin, bin)) {
		c->lock_result =
		    c->single ? single_frozen(c, single_cell(c->single, "s_frozen"))
		              : ledger_post_bin_frozen(c->a, c->tenant_id, bin, &c->lock_msg);
		c->lock_bin = bin;
	}
	*message = c->lock_msg;
	return c->lock_result;
}

/*
 * The stock's bin and the warehouse (with the database's clock, for
 * warehouse_now) as one row that always exists, so that it can carry the
 * caller's user row too while the caller is pending: who writes is known
 * before the first write. The warehouse is read here, not at its place among
 * the checks, to save a round trip: both are plain reads of the transaction's
 * snapshot, which the first of them fixes. 0, TXN_REFUSED (the caller is
 * refused) or -1.
 */
#define STOCK_BIN_SQL                                                                              \
	"SELECT (SELECT bin_id FROM stocks WHERE tenant_id = ? AND id = ?) AS bin_id,"             \
	" (SELECT CAST(UTC_TIMESTAMP(6) AS CHAR) FROM warehouses WHERE tenant_id = ? AND id = ?"   \
	" AND status = 'active') AS clock"

static int read_stock_bin(struct create_ctx *c, struct db_rows *rows)
{
	struct user_probe *p = user_probe_pending(c->in->probe);
	const char *msg = NULL;
	int status, rc;

	rc = p ? db_exec(c->a, rows, STOCK_BIN_SQL ", " USER_PROBE_COLUMN, "ssssss", c->tenant_id,
	                 c->in->stock_id, c->tenant_id, c->in->warehouse_id, p->user_id,
	                 p->tenant_id)
	       : db_exec(c->a, rows, STOCK_BIN_SQL, "ssss", c->tenant_id, c->in->stock_id,
	                 c->tenant_id, c->in->warehouse_id);
	if (rc < 0 || rows->nrows != 1)
		return -1;
	c->warehouse_clock = db_cell(rows, 0, 1);
	if (!p)
		return 0;
	if ((status = user_probe_take(p, rows, &msg)) != 0)
		return status == 500 ? -1 : refuse(c, status, msg);
	c->user_seen = p->user_id;
	return 0;
}

/*
 * Takes the locks of a create in the one order every writer of stock keeps:
 * count sessions, then bins, then stock rows. Sessions: a pick or move reads
 * them with a shared lock (bin_lock_state, whose answer check_records reuses at
 * its place among the checks), as a session's start or apply locks
 * its row before it reads or changes stock. Bins: moves lock both (lock_bins);
 * every other type takes the stock's bin in share mode, as applies lock bins
 * before stock rows. Taken only later, each of these deadlocked under load: a
 * pick held its stock row and then waited for the bin (the foreign key of
 * from_bin_id) or the sessions while an apply or a start held those and waited
 * for the stock row.
 */
static int lock_ahead(struct create_ctx *c)
{
	struct db_rows rows;
	const char *bin, *lock_msg;
	int rc;

	/* A plain read: after a whole-record move the bin may be stale, which the checks on
	 * the locked stock row then see (only the order of locks is at stake here). */
	if ((rc = read_stock_bin(c, &rows)) != 0)
		return rc;
	bin = db_cell(&rows, 0, 0);
	if (bin && takes_from_bin(c->in->type) && bin_lock_state(c, bin, &lock_msg) < 0)
		return -1;
	if (strcmp(c->in->type, "move") == 0)
		return lock_bins(c);
	if (!bin)
		return 0;
	return exists(c, "SELECT id FROM bins WHERE tenant_id = ? AND id = ? LOCK IN SHARE MODE",
	              bin) < 0
	           ? -1
	           : 0;
}

/*
 * lock_ahead and the reads of check_records for a transaction of one stock record (every type
 * but a move), in one round trip: the same locks in the same order (ledger_post_lock_single),
 * the caller's user row admitted first, the answers kept for the checks at their places.
 * 0, TXN_REFUSED (the caller is refused) or -1.
 */
static int lock_single(struct create_ctx *c)
{
	struct user_probe *p = user_probe_pending(c->in->probe);
	struct db_rows *row = arena_alloc(c->a, sizeof(*row));
	struct ledger_single_keys k = {
	    .stock_id = c->in->stock_id,
	    .warehouse_id = c->in->warehouse_id,
	    .probe_user_id = p ? p->user_id : NULL,
	    .probe_tenant_id = p ? p->tenant_id : NULL,
	    .takes_from_bin = takes_from_bin(c->in->type),
	    /* The caller's own row is read anyway (the usual performer). */
	    .performer_id =
	        p && id_eq(c->in->performed_by, p->user_id) ? NULL : c->in->performed_by,
	};
	const char *msg = NULL, *bin;
	int status;

	if (ledger_post_lock_single(c->a, c->tenant_id, &k, row) < 0)
		return -1;
	if ((status = user_probe_take(p, row, &msg)) != 0)
		return status == 500 ? -1 : refuse(c, status, msg);
	if (p)
		c->user_seen = p->user_id;
	c->single = row;
	c->warehouse_clock = single_cell(row, "clock");
	if ((bin = single_cell(row, "bin_id")) && k.takes_from_bin) {
		c->lock_bin = bin;
		c->lock_result = single_frozen(c, single_cell(row, "frozen"));
	}
	return 0;
}

/* Finds and locks the record the moved units join: same item, lot, serial, status and unit. */
static int find_destination(struct create_ctx *c, const struct stock_row *src,
                            struct stock_row *dst, bool *found)
{
	struct db_rows rows;
	struct db_param p[] = {
	    DBP_S(c->tenant_id), DBP_S(src->warehouse_id),    DBP_S(c->in->to_bin_id),
	    DBP_S(src->item_id), DBP_S(src->lot_number),      DBP_S(src->serial_number),
	    DBP_S(src->status),  DBP_S(src->unit_of_measure), DBP_S(src->id),
	};

	*found = false;
	if (db_execv(c->a, &rows,
	             "SELECT id, quantity FROM stocks WHERE tenant_id = ? AND warehouse_id = ?"
	             " AND bin_id = ? AND item_id = ? AND lot_number <=> ? AND serial_number <=> ?"
	             " AND status = ? AND unit_of_measure = ? AND id <> ?"
	             " ORDER BY id LIMIT 1 FOR UPDATE",
	             p, sizeof(p) / sizeof(p[0])) < 0)
		return -1;
	if (rows.nrows) {
		*found = true;
		dst->id = db_cell(&rows, 0, 0);
		dst->quantity = cell_ll(&rows, 0, 1);
	}
	return 0;
}

/*
 * A move: the whole record changes bin when nothing matching waits there;
 * otherwise the source gives quantity units to the matching destination
 * record, created when missing.
 */
static int plan_move(struct create_ctx *c, const struct stock_row *src)
{
	const struct itx_input *in = c->in;
	struct ledger_movement *m = &c->m;
	struct stock_row dst = {0};
	long long unused;
	bool found;

	if (find_destination(c, src, &dst, &found) < 0)
		return -1;
	if (!found && in->quantity == src->quantity) {
		m->delta = 0;
		m->to_stock_id = src->id;
		return 0;
	}
	if (found && ledger_delta("receive", in->quantity, LEDGER_DIR_NONE, dst.quantity,
	                          &unused) != LEDGER_OK)
		return refuse(c, 400, "Quantity too large");
	m->delta = -in->quantity;
	m->to_delta = in->quantity;
	if (found) {
		m->to_stock_id = dst.id;
	} else {
		c->to_new = (struct ledger_new_stock){
		    .warehouse_id = src->warehouse_id,
		    .item_id = src->item_id,
		    .bin_id = in->to_bin_id,
		    .unit_of_measure = src->unit_of_measure,
		    .status = src->status,
		    .lot_number = src->lot_number,
		    .serial_number = src->serial_number,
		};
		m->to_new = &c->to_new;
		m->to_stock_id = db_uuid(c->a);
	}
	return 0;
}

/*
 * Whether the warehouse is an active one of the tenant (1 or 0, as
 * read_stock_bin read it), taking the database's clock read with it when the
 * request gave no time: one reading, UTC with microseconds, for the
 * transaction's time and the stock's last count.
 */
static long warehouse_now(struct create_ctx *c)
{
	if (!c->warehouse_clock)
		return 0;
	if (!c->now)
		c->now = c->warehouse_clock;
	return 1;
}

/* Whether the performer is a user of the tenant: 1, 0 or -1. */
static long performer_exists(struct create_ctx *c)
{
	const char *v = c->single ? single_cell(c->single, "performer") : NULL;

	if (v)
		return strcmp(v, "0") != 0;
	return exists(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ?", c->in->performed_by);
}

/* Picks and moves take units out of the stock's bin; position locks refuse them. */
static bool takes_from_bin(const char *type)
{
	return strcmp(type, "pick") == 0 || strcmp(type, "move") == 0;
}

/* The rules that need the database, checked on locked rows. 0, TXN_REFUSED or -1. */
static int check_records(struct create_ctx *c, struct stock_row *src)
{
	const struct itx_input *in = c->in;
	bool is_move = strcmp(in->type, "move") == 0;
	long n;
	int rc;

	/* Deactivated (soft-deleted) warehouses and stock records take no new transactions. */
	if ((n = warehouse_now(c)) <= 0)
		return n < 0 ? -1 : refuse(c, 404, "Warehouse not found");
	if ((rc = lock_stock(c, in->stock_id, src)) != 0)
		return rc < 0 ? -1 : refuse(c, 404, "Stock not found");
	if (strcmp(src->warehouse_id, in->warehouse_id) != 0 ||
	    strcmp(src->status, STOCK_DELETED) == 0)
		return refuse(c, 404, "Stock not found");
	if (!id_eq(src->item_id, in->item_id))
		return refuse(c, 400, "Item ID mismatch");
	/* The caller's own row was read in this transaction already (the usual performer). */
	if (!id_eq(in->performed_by, c->user_seen) && (n = performer_exists(c)) <= 0)
		return n < 0 ? -1 : refuse(c, 404, "Performed by user not found");
	if (in->from_bin_id && !id_eq(in->from_bin_id, src->bin_id))
		return refuse(c, 400, "From bin must match stock bin");
	if (takes_from_bin(in->type)) {
		const char *lock_msg;

		/* A started count session with lock_positions freezes what leaves its bins. */
		switch (bin_lock_state(c, src->bin_id, &lock_msg)) {
		case 0:
			break;
		case 1:
			return refuse(c, 409, lock_msg);
		default:
			return -1;
		}
	}
	if (is_move) {
		struct db_rows rows;

		if (db_exec(c->a, &rows,
		            "SELECT 1 FROM bins WHERE tenant_id = ? AND id = ? AND warehouse_id = ?"
		            " AND status = 'active'",
		            "sss", c->tenant_id, in->to_bin_id, src->warehouse_id) < 0)
			return -1;
		if (rows.nrows == 0)
			return refuse(c, 404, "To bin not found");
	} else if (in->to_bin_id && !id_eq(in->to_bin_id, src->bin_id)) {
		return refuse(c, 400, "To bin must match stock bin");
	}
	return 0;
}

/* The stock change of the transaction, checked against the locked record. 0, TXN_REFUSED or -1. */
static int plan_effect(struct create_ctx *c, const struct stock_row *src)
{
	const struct itx_input *in = c->in;

	switch (ledger_delta(in->type, in->quantity, in->dir, src->quantity, &c->m.delta)) {
	case LEDGER_OK:
		break;
	case LEDGER_INSUFFICIENT:
		return refuse(c, 409, "Insufficient stock");
	case LEDGER_OVERFLOW:
		return refuse(c, 400, "Quantity too large");
	default:
		return -1;
	}
	if (strcmp(in->type, "move") == 0)
		return plan_move(c, src);
	if (strcmp(in->type, "count") == 0)
		c->m.stamp = LEDGER_STAMP_COUNTED;
	return 0;
}

/* The transaction as the ledger writer posts it, with the effect plan_effect chose. */
static void fill_movement(struct create_ctx *c)
{
	const struct itx_input *in = c->in;
	struct ledger_movement *m = &c->m;

	m->warehouse_id = in->warehouse_id;
	m->item_id = in->item_id;
	m->stock_id = in->stock_id;
	m->type = in->type;
	m->quantity = in->quantity;
	m->from_bin_id = in->from_bin_id;
	m->to_bin_id = in->to_bin_id;
	m->reference_id = in->reference_id;
	m->reference_type = in->reference_type;
	m->notes = in->notes;
	m->performed_by = in->performed_by;
	m->timestamp = c->now;
}

/* The columns of a stock record s read back, as the stocks list shows them. */
#define CREATED_STOCK_COLUMNS(s)                                                                   \
	" " s ".id AS id, " s ".tenant_id AS tenant_id, " s ".warehouse_id AS warehouse_id, " s    \
	".item_id AS item_id, " s ".bin_id AS bin_id, " s ".quantity AS quantity, " s              \
	".unit_of_measure AS unit_of_measure, " s ".status AS status, " s                          \
	".lot_number AS lot_number, " s ".serial_number AS serial_number, " s                      \
	".last_counted_at AS last_counted_at, " s ".updated_at AS updated_at"

/* Columns of CREATED_STOCK_COLUMNS. */
#define STOCK_NCOLS 12

/*
 * The transaction as stored (its flat columns), the stock record it names and
 * its destination record (a move's to_stock_id, NULLs for every other type),
 * read back in one round trip.
 */
static const char created_sql[] =
    "SELECT " TX_FLAT_COLUMNS "," CREATED_STOCK_COLUMNS("s") "," CREATED_STOCK_COLUMNS(
        "d") " FROM inventory_transactions t JOIN stocks s ON s.tenant_id = t.tenant_id AND s.id = "
             "t.stock_id"
             " LEFT JOIN stocks d ON d.tenant_id = t.tenant_id AND d.id = t.to_stock_id"
             " WHERE t.tenant_id = ? AND t.id = ?";

/* Columns of TX_FLAT_COLUMNS, where created_sql's stock columns start. */
#define TX_FLAT_NCOLS 17

/* Columns [first, first + n) of row 0 of rows, as rows of their own (no copy). */
static struct db_rows columns_from(const struct db_rows *rows, size_t first, size_t n)
{
	struct db_rows v = {0};

	v.nrows = 1;
	v.ncols = n;
	v.cells = rows->cells + first;
	v.colnames = rows->colnames + first;
	v.coltypes = rows->coltypes + first;
	return v;
}

/*
 * Hands the read-back rows (created_sql's columns; ledger_post_single's, without the
 * destination, for one stock record) to the caller's written hook.
 */
static int hand_back(struct create_ctx *c, const struct db_rows *rows, bool with_dest)
{
	struct db_rows tx_part, stock_part, dest_part;

	if (rows->nrows == 0 || rows->ncols != TX_FLAT_NCOLS + (with_dest ? 2 : 1) * STOCK_NCOLS) {
		log_error("itx: the transaction just written cannot be read back");
		return -1;
	}
	tx_part = columns_from(rows, 0, TX_FLAT_NCOLS);
	stock_part = columns_from(rows, TX_FLAT_NCOLS, STOCK_NCOLS);
	dest_part = columns_from(rows, TX_FLAT_NCOLS + STOCK_NCOLS, STOCK_NCOLS);
	return c->hooks->written(c->hooks->ctx, &tx_part, &stock_part,
	                         strcmp(c->in->type, "move") == 0 ? &dest_part : NULL);
}

/* Reads back what the attempt wrote and hands it to the caller's written hook. */
static int read_back(struct create_ctx *c, const char *id)
{
	struct db_rows rows;

	if (!c->hooks || !c->hooks->written)
		return 0;
	if (db_exec(c->a, &rows, created_sql, "ss", c->tenant_id, id) < 0)
		return -1;
	return hand_back(c, &rows, true);
}

/* Posts the movement and hands back what it wrote: one round trip for one stock record. */
static int post(struct create_ctx *c)
{
	struct db_rows rows;

	if (!c->single) {
		if (ledger_post(c->a, c->tenant_id, &c->m) < 0)
			return -1;
		c->id = c->m.id;
		return read_back(c, c->id);
	}
	if (ledger_post_single(c->a, c->tenant_id, &c->m, &rows) < 0)
		return -1;
	c->id = c->m.id;
	return c->hooks && c->hooks->written ? hand_back(c, &rows, false) : 0;
}

/* The caller's begin hook: 0 to go on, TXN_STOPPED or -1. */
static int begin_attempt(struct create_ctx *c)
{
	int rc;

	if (!c->hooks || !c->hooks->begin)
		return 0;
	rc = c->hooks->begin(c->hooks->ctx);
	return rc == ITX_HOOK_STOP ? TXN_STOPPED : rc;
}

/* One attempt of the create inside BEGIN ... COMMIT; db_transaction reruns it after a deadlock. */
static int create_txn(void *ctx)
{
	struct create_ctx *c = ctx;
	struct stock_row src = {0};
	int rc;

	c->status = 0;
	c->message = NULL;
	memset(&c->m, 0, sizeof(c->m));
	c->lock_bin = NULL; /* a new attempt holds no locks yet */
	c->user_seen = NULL;
	c->warehouse_clock = NULL;
	c->single = NULL;
	if ((rc = begin_attempt(c)) != 0)
		return rc;
	/* NULL: check_records reads the database's clock along with the warehouse. */
	c->now = c->in->timestamp;
	rc = strcmp(c->in->type, "move") == 0 ? lock_ahead(c) : lock_single(c);
	if (rc != 0 || (rc = check_records(c, &src)) != 0 || (rc = plan_effect(c, &src)) != 0)
		return rc;
	fill_movement(c);
	return post(c);
}

enum itx_outcome itx_create(struct arena *a, const char *tenant_id, const struct itx_input *in,
                            const struct itx_hooks *hooks, struct itx_result *out)
{
	struct create_ctx c = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	c.a = a;
	c.tenant_id = tenant_id;
	c.in = in;
	c.hooks = hooks;
	/* Lazy: the first CALL of a single-stock create opens the transaction (lock_single). */
	rc = db_transaction_lazy(create_txn, &c);
	if (rc == 0) {
		out->id = c.id;
		return ITX_CREATED;
	}
	if (rc == TXN_REFUSED) {
		out->status = c.status;
		out->message = c.message;
		return ITX_REFUSED;
	}
	return rc == TXN_STOPPED ? ITX_STOPPED : ITX_FAILED;
}
