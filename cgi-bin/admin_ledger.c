/* Admin pages of the stock ledger: transactions (list, detail, new), stock records (list, detail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/paging.h"
#include "db/sql.h"
#include "html/chart.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "stock/itx.h"
#include "stock/ledger.h"
#include "stock/ledger_history.h"
#include "stock/master.h"
#include "web/auth.h"
#include "web/idempotency.h"
#include "web/itx_api.h"
#include "web/master_resources.h"
#include "web/req.h"
#include "web/resource.h"

#define TX_PAGE PAGE_ROOT "/transactions"
#define STOCK_PAGE PAGE_ROOT "/stocks"

/* ---- transactions ------------------------------------------------------------------ */

/* The transaction types the form offers: the everyday operations of a supervisor. */
static const char *const form_types[] = {"receive", "pick", "move", "stock_adjustment", NULL};
static const char *const directions[] = {"increase", "decrease", NULL};

/* "a sep b", or whichever of them there is, or "". Twenty rows of seven labels: no printf. */
static const char *joined(struct arena *a, const char *x, const char *sep, const char *y)
{
	size_t nx, ns, ny;
	char *out;

	if (!x || !y)
		return x ? x : y ? y : "";
	nx = strlen(x);
	ns = strlen(sep);
	ny = strlen(y);
	out = arena_alloc(a, nx + ns + ny + 1);
	memcpy(out, x, nx);
	memcpy(out + nx, sep, ns);
	memcpy(out + nx + ns, y, ny + 1);
	return out;
}

/* The labels a transaction row shows, added as columns; each is computed from the row's cells as
 * row_json shows them. */
static const char *const tx_labels[] = {"type_label", "reference",   "item_label", "bins",
                                        "user_name",  "delta_label", "time_label", NULL};

/* Adds tx_labels; time_label (the transaction page's) only when time is set: a listing shows
 * the timestamp column in the tenant's zone itself (LIST_TIME), and a zone conversion per row
 * was a tenth of a listing page. */
static void tx_labels_add(struct request *r, struct arena *a, struct db_rows *rows, bool time)
{
	int type = db_col(rows, "transaction_type"), ref_type = db_col(rows, "reference_type"),
	    ref_id = db_col(rows, "reference_id"), sku = db_col(rows, "item.sku"),
	    name = db_col(rows, "item.name"), from = db_col(rows, "from_bin.code"),
	    to = db_col(rows, "to_bin.code"), first = db_col(rows, "user.first_name"),
	    last = db_col(rows, "user.last_name"), by = db_col(rows, "performed_by"),
	    delta_col = db_col(rows, "delta"), ts = db_col(rows, "timestamp");
	size_t c = db_rows_add_cols(a, rows, tx_labels);

	for (size_t i = 0; i < rows->nrows; i++) {
#define CELL(col) ((col) < 0 ? NULL : db_cell_text(a, rows, i, (size_t)(col)))
		const char *user = joined(a, CELL(first), " ", CELL(last));
		const char *delta = CELL(delta_col);

		db_set_cell(rows, i, c, listing_label(a, CELL(type)));
		db_set_cell(rows, i, c + 1, joined(a, CELL(ref_type), " ", CELL(ref_id)));
		db_set_cell(rows, i, c + 2, joined(a, CELL(sku), " · ", CELL(name)));
		db_set_cell(rows, i, c + 3, joined(a, CELL(from), " → ", CELL(to)));
		db_set_cell(rows, i, c + 4, *user ? user : CELL(by));
		db_set_cell(rows, i, c + 5,
		            delta && *delta != '-' && strcmp(delta, "0") != 0
		                ? joined(a, "", "+", delta)
		                : delta);
		if (time)
			db_set_cell(rows, i, c + 6, tz_text(a, page_zone(r), CELL(ts)));
#undef CELL
	}
}

static void tx_decorate(struct request *r, struct arena *a, struct db_rows *rows)
{
	tx_labels_add(r, a, rows, false);
}

/* The page's sort names and the ledger's orders. */
static const struct {
	const char *name;
	enum itx_sort sort;
} tx_sorts[] = {
    {"time", ITX_SORT_TIME},           {"type", ITX_SORT_TYPE}, {"reference", ITX_SORT_REFERENCE},
    {"warehouse", ITX_SORT_WAREHOUSE}, {"item", ITX_SORT_ITEM}, {"quantity", ITX_SORT_QUANTITY},
    {"user", ITX_SORT_USER},
};

static enum itx_sort tx_sort_of(const struct listing_col *c)
{
	for (size_t i = 0; i < sizeof(tx_sorts) / sizeof(tx_sorts[0]); i++)
		if (strcmp(tx_sorts[i].name, c->sort) == 0)
			return tx_sorts[i].sort;
	return ITX_SORT_TIME;
}

/* Per-type counts of the filtered set, shown above the table. */
static void tx_stats(struct request *r, struct view *view, const long long *counts)
{
	struct view *arr = view_list(r->arena);

	for (size_t t = 0; ledger_types[t]; t++) {
		struct view *o;

		if (!counts[t])
			continue;
		o = view_map(r->arena);
		view_set_str(o, "label", listing_label(r->arena, ledger_types[t]));
		view_set_int(o, "count", counts[t]);
		view_push(arr, o);
	}
	view_set_bool(view, "has_stats", view_len(arr) > 0);
	view_set(view, "stats", arr);
}

/*
 * The deferred check of a warehouse filter (itx_filter_read): a row of the
 * page is one of the warehouse's transactions, joined to it in the tenant; an
 * empty page asks the filter form's select, which reads all the tenant's
 * warehouses (ADMIN_WAREHOUSE_CHOICES: a well-formed id, and itx_filter_read
 * refuses others first, is among them exactly when the look-up finds it, ids
 * being ASCII in a case-insensitive collation) and shows them anyway.
 */
static int tx_confirm(struct request *r, struct arena *a, const struct listing_query *q,
                      struct itx_filter *f, const struct db_rows *rows, const char **msg)
{
	int col = db_col(rows, "warehouse.code"), known;
	bool exists;

	if (!f->warehouse_unchecked ||
	    (rows->nrows > 0 && col >= 0 && db_cell(rows, 0, (size_t)col)))
		return 0;
	known = listing_choice_exists(r, q, "warehouse_id", f->warehouse_id, &exists);
	if (known < 0) {
		*msg = "Internal server error";
		return 500;
	}
	if (known == 0)
		return itx_filter_confirm(a, f, rows, msg);
	if (!exists) {
		*msg = "Warehouse not found";
		return 404;
	}
	return 0;
}

static int tx_fetch(struct request *r, struct arena *a, const struct listing *l,
                    const struct listing_query *q, struct view *view, struct db_rows *rows,
                    long long *total, const char **msg)
{
	struct itx_filter f;
	struct paging pg = {q->page, q->limit};
	struct itx_counts stats;
	struct itx_read read;
	struct sql items;
	int status;

	(void)l;
	if ((status = itx_filter_read(a, r->caller->tenant_id, &r->query, &f, msg)) != 0)
		return status;
	f.probe = auth_probe(r);
	/* The stats ride on the page's statement where they can (a type, perhaps a warehouse). */
	memset(&stats, 0, sizeof(stats));
	f.counts = &stats;
	/* The filter form's selects' fingerprints come along with the page (html/choices.h). */
	sql_init(&items, a);
	listing_choices_items(r, q, &items);
	f.extra_items = &items;
	read =
	    itx_page_columns(a, &f, &pg, tx_sort_of(q->sort), q->desc, ITX_LISTING_COLUMNS, rows);
	sql_release(&items);
	if (read.outcome == ITX_READ_FAILED) {
		*msg = "Internal server error";
		return 500;
	}
	if (read.outcome == ITX_READ_REFUSED) {
		*msg = read.message;
		return read.status;
	}
	if ((status = tx_confirm(r, a, q, &f, rows, msg)) != 0)
		return status;
	if (!stats.read && itx_stats(a, &f, stats.counts, &stats.total) < 0) {
		*msg = "Internal server error";
		return 500;
	}
	*total = stats.total;
	if (view)
		tx_stats(r, view, stats.counts);
	return 0;
}

/* The ledger's own export: every column of the API's CSV, read by keyset. */
static int tx_csv(struct request *r, const struct listing *l, const char **msg)
{
	struct itx_filter f;
	int status = auth_settle(r, msg);

	if (status == 0 &&
	    (status = itx_filter_parse(r->arena, r->caller->tenant_id, &r->query, &f, msg)) == 0)
		itx_api_csv(r, &f);
	return status;
}

/* The ledger's columns; the stock page's table adds the balance after each transaction, beside
 * the change. */
#define TX_COLUMNS                                                                                 \
	{"Time", "timestamp", LIST_TIME, "time", NULL, TX_PAGE "/"},                               \
	    {"Type", "type_label", LIST_TEXT, "type", NULL, NULL},                                 \
	    {"Reference", "reference", LIST_TEXT, "reference", NULL, NULL},                        \
	    {"Warehouse", "warehouse.code", LIST_TEXT, "warehouse", NULL, NULL},                   \
	    {"Item", "item_label", LIST_TEXT, "item", NULL, NULL},                                 \
	    {"Bins", "bins", LIST_TEXT, NULL, NULL, NULL},                                         \
	    {"Quantity", "quantity", LIST_NUM, "quantity", NULL, NULL},                            \
	{                                                                                          \
		"Change", "delta_label", LIST_NUM, NULL, NULL, NULL                                \
	}
#define TX_USER_COLUMN                                                                             \
	{                                                                                          \
		"User", "user_name", LIST_TEXT, "user", NULL, NULL                                 \
	}

static const struct listing_col tx_cols[] = {
    TX_COLUMNS,
    TX_USER_COLUMN,
    {0},
};

static const struct listing_filter tx_filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"transaction_type", "Type", LIST_IN_SELECT, ledger_types, NULL},
    {"reference_type", "Reference type", LIST_IN_SELECT, ledger_reference_types, NULL},
    {"warehouse_id", "Warehouse", LIST_IN_SELECT, NULL, LISTING_CHOICES(ADMIN_WAREHOUSE_CHOICES)},
    {"item_id", "Item", LIST_IN_PICKER, NULL, NULL, "items", "item"},
    {"timestamp_range_start", "From", LIST_IN_DATE, NULL, NULL},
    {"timestamp_range_end", "To", LIST_IN_DATE, NULL, NULL},
    {"stock_id", "Stock record", LIST_IN_HIDDEN, NULL, NULL},
    {0},
};

const struct listing admin_transactions_listing = {
    .title = "Inventory transactions",
    .path = TX_PAGE,
    .section = "transactions",
    .csv_name = "inventory-transactions.csv",
    .cols = tx_cols,
    .filters = tx_filters,
    .default_sort = "time",
    .default_desc = true,
    .fetch = tx_fetch,
    .csv = tx_csv,
    .decorate = tx_decorate,
    .new_href = TX_PAGE "/new",
    .new_label = "New transaction",
    .new_scopes = ADMIN_WRITE_SCOPES,
    .empty_title = "No transactions yet",
    .empty_text = "Every change of stock (a receipt, pick, move, return or adjustment) is a "
                  "transaction, listed here newest first. They start once a stock record exists.",
    .empty_action = "Record the first transaction",
};

void admin_transactions(struct request *r)
{
	if (admin_pick_filter(r, ADMIN_PICK_ITEM, "item", "item_id", TX_PAGE))
		listing_page(r, &admin_transactions_listing);
}

void admin_transaction(struct request *r)
{
	const char *id = admin_path_id(r, "Transaction");
	struct view *page;
	struct db_rows rows;

	if (!id)
		return;
	struct itx_read read = itx_get(r->arena, r->caller->tenant_id, id, auth_probe(r), &rows);

	switch (read.outcome) {
	case ITX_READ_OK:
		break;
	case ITX_READ_NONE:
		page_error(r, 404, "Transaction not found");
		return;
	case ITX_READ_REFUSED:
		page_error(r, read.status, read.message);
		return;
	default:
		page_error(r, 500, "Internal server error");
		return;
	}
	page = page_new(r, "Transaction", "transactions");
	tx_labels_add(r, r->arena, &rows, true);
	view_set(page, "tx", view_row(r->arena, &rows, 0));
	view_set_bool(page, "created", req_query(r, "created") != NULL);
	page_render(r, 200, "transaction", page);
}

/* ---- stock ------------------------------------------------------------------------- */

static const struct listing_col stock_cols[] = {
    {"Warehouse", "warehouse.code", LIST_TEXT, "warehouse", "w.code", NULL},
    {"Bin", "bin.code", LIST_TEXT, "bin", "b.code", NULL},
    {"SKU", "item.sku", LIST_TEXT, "sku", "i.sku", STOCK_PAGE "/"},
    {"Item", "item.name", LIST_TEXT, "item", "i.name", NULL},
    {"Lot", "lot_number", LIST_TEXT, "lot", "t.lot_number", NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {"Quantity", "quantity", LIST_NUM, "quantity", "t.quantity", NULL},
    {"Unit", "unit_of_measure", LIST_TEXT, NULL, NULL, NULL},
    {"Last counted", "last_counted_at", LIST_TIME, "counted", "t.last_counted_at", NULL},
    {0},
};

static const struct listing_filter stock_filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"warehouse_id", "Warehouse", LIST_IN_SELECT, NULL, LISTING_CHOICES(ADMIN_WAREHOUSE_CHOICES)},
    {"bin_id", "Bin", LIST_IN_PICKER, NULL, NULL, "bins", "bin"},
    {"item_id", "Item", LIST_IN_PICKER, NULL, NULL, "items", "item"},
    {"status", "Status", LIST_IN_SELECT, master_stock_statuses, NULL},
    {"lot_number", "Lot", LIST_IN_TEXT, NULL, NULL},
    {0},
};

static const struct listing stock_listing = {
    .title = "Stock",
    .path = STOCK_PAGE,
    .section = "stocks",
    .csv_name = "stock.csv",
    .cols = stock_cols,
    .filters = stock_filters,
    .default_sort = "warehouse",
    .fetch = listing_sql_fetch,
    .res = &master_resources_stocks,
    .new_href = STOCK_PAGE "/new",
    .new_label = "New stock record",
    .new_scopes = ADMIN_WRITE_SCOPES,
    .empty_title = "No stock records yet",
    .empty_text = "A stock record holds the quantity of one item in one bin, so the warehouse, its "
                  "bins and the items come first.",
    .empty_action = "Create the first stock record",
    .select = "SELECT t.id AS id, w.code AS `warehouse.code`, b.code AS `bin.code`,"
              " i.sku AS `item.sku`, i.name AS `item.name`, t.lot_number AS lot_number,"
              " t.status AS status, t.quantity AS quantity, t.unit_of_measure AS unit_of_measure,"
              " t.last_counted_at AS last_counted_at",
};

void admin_stocks(struct request *r)
{
	if (admin_pick_filter(r, ADMIN_PICK_ITEM, "item", "item_id", STOCK_PAGE) &&
	    admin_pick_filter(r, ADMIN_PICK_BIN, "bin", "bin_id", STOCK_PAGE))
		listing_page(r, &stock_listing);
}

/* A stock record of the tenant with its warehouse, item and bin: 0, 1 when none, -1. */
static int load_stock(struct request *r, const char *id, struct view **out)
{
	struct db_rows rows;

	if (db_exec(r->arena, &rows,
	            arena_sprintf(r->arena,
	                          "SELECT t.id, t.warehouse_id, t.item_id, t.bin_id, t.quantity,"
	                          " t.unit_of_measure, t.status, t.lot_number, t.serial_number,"
	                          " t.last_counted_at, t.updated_at, %s FROM stocks t %s"
	                          " WHERE t.tenant_id = ? AND t.id = ?",
	                          master_resources_stocks.select_extra,
	                          master_resources_stocks.joins),
	            "ss", r->caller->tenant_id, id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 1;
	*out = view_row(r->arena, &rows, 0);
	view_set_str(*out, "counted_label",
	             page_time_text(r, listing_str(*out, "last_counted_at")));
	view_set_str(*out, "updated_label", page_time_text(r, listing_str(*out, "updated_at")));
	view_set_bool(*out, "inactive", strcmp(listing_str(*out, "status"), "inactive") == 0);
	return 0;
}

/* ---- the stock record's history: chart and balances --------------------------------- */

/* The stock page reads this many of the record's latest transactions for its chart and balances. */
#define STOCK_HISTORY_MAX 500

/*
 * The ledger table of the stock page: the transactions listing's rows (its
 * links, sorts and pages stay the transactions page's) with the balance after
 * each transaction, from the page's "balances" (id -> balance) that
 * stock_history set.
 */
static int stock_tx_fetch(struct request *r, struct arena *a, const struct listing *l,
                          const struct listing_query *q, struct view *view, struct db_rows *rows,
                          long long *total, const char **msg)
{
	static const char *const cols[] = {"balance", NULL};
	const struct view *balances = view_get(view, "balances");
	int status = tx_fetch(r, a, l, q, view, rows, total, msg), id_col;
	size_t c;

	if (status != 0 || (id_col = db_col(rows, "id")) < 0)
		return status;
	c = db_rows_add_cols(a, rows, cols);
	for (size_t i = 0; i < rows->nrows; i++) {
		const struct view *b = view_get(balances, db_cell(rows, i, (size_t)id_col));

		/* Older than the history read: no balance rather than a wrong one. */
		db_set_cell(rows, i, c,
		            view_kind(b) == VIEW_INT ? arena_sprintf(a, "%lld", view_int(b))
		                                     : NULL);
	}
	return 0;
}

static const struct listing_col stock_tx_cols[] = {
    TX_COLUMNS,
    {"Balance", "balance", LIST_NUM, NULL, NULL, NULL},
    TX_USER_COLUMN,
    {0},
};

static const struct listing stock_tx_listing = {
    .title = "Inventory transactions",
    .path = TX_PAGE,
    .section = "transactions",
    .csv_name = "inventory-transactions.csv",
    .cols = stock_tx_cols,
    .filters = tx_filters,
    .default_sort = "time",
    .default_desc = true,
    .fetch = stock_tx_fetch,
    .csv = tx_csv,
    .decorate = tx_decorate,
};

/* "+5", "-3", "0". */
static const char *signed_text(struct arena *a, long long v)
{
	return arena_sprintf(a, v > 0 ? "+%lld" : "%lld", v);
}

/* The chart's points, oldest first: the opening quantity, then the balance after each step. */
static struct chart_point *chart_points(struct arena *a, const struct ledger_history *h)
{
	struct chart_point *pts = arena_alloc(a, (h->n + 1) * sizeof(*pts));

	for (size_t i = 0; i < h->n; i++) {
		const struct ledger_step *s = &h->steps[h->n - 1 - i];
		time_t t = 0;

		(void)tz_parse_utc(s->timestamp, &t);
		if (i == 0)
			pts[0] = (struct chart_point){t, h->opening};
		pts[i + 1] = (struct chart_point){t, s->after};
	}
	return pts;
}

/* The chart's title and description, which screen readers read for it. */
static void chart_words(struct request *r, struct view *chart, const struct view *stock,
                        const struct ledger_history *h)
{
	const char *unit = listing_str(stock, "unit_of_measure");
	const struct ledger_step *oldest = &h->steps[h->n - 1];

	view_set_str(chart, "id", "stock-chart");
	view_set_str(chart, "title", "Quantity over time");
	view_set_str(
	    chart, "desc",
	    arena_sprintf(r->arena,
	                  "Step chart of %zu transaction%s: %lld %s before %s, %lld %s now; "
	                  "lowest %lld, highest %lld.",
	                  h->n, h->n == 1 ? "" : "s", h->opening, unit ? unit : "",
	                  page_time_text(r, oldest->timestamp), h->steps[0].after, unit ? unit : "",
	                  view_int(view_get(chart, "min")), view_int(view_get(chart, "max"))));
}

/* The chart, its data table (the text alternative) and the balances of the ledger table. */
static int stock_history(struct request *r, struct view *page, const struct view *stock)
{
	struct arena *a = r->arena;
	struct view *chart, *wide, *data = view_list(a), *balances = view_map(a);
	struct chart_point *pts;
	struct ledger_history h;

	if (ledger_history(a, r->caller->tenant_id, listing_str(stock, "id"),
	                   view_int(view_get(stock, "quantity")), STOCK_HISTORY_MAX, &h) < 0)
		return -1;
	pts = chart_points(a, &h);
	/* Two drawings of one chart: wide screens show the wide one, phones the narrow one (CSS).
	 */
	chart = chart_step(a, pts, h.n ? h.n + 1 : 0, time(NULL), page_zone(r), CHART_W);
	wide = chart_step(a, pts, h.n ? h.n + 1 : 0, time(NULL), page_zone(r), CHART_WIDE);
	if (h.n) {
		chart_words(r, chart, stock, &h);
		chart_words(r, wide, stock, &h);
	}
	view_set(page, "chart_wide", wide);
	for (size_t i = 0; i < h.n; i++) {
		struct view *o = view_map(a);

		view_set_str(o, "time", page_time_text(r, h.steps[i].timestamp));
		view_set_str(o, "change", signed_text(a, h.steps[i].change));
		view_set_int(o, "after", h.steps[i].after);
		view_push(data, o);
		view_set_int(balances, h.steps[i].id, h.steps[i].after);
	}
	view_set(page, "chart", chart);
	view_set(page, "chart_rows", data);
	view_set_int(page, "chart_n", (long long)h.n);
	view_set_bool(page, "chart_more", h.more);
	view_set(page, "balances", balances);
	return 0;
}

void admin_stock(struct request *r)
{
	const char *id = admin_path_id(r, "Stock"), *msg = "Internal server error";
	struct view *page, *stock = NULL;
	int rc;

	if (!id)
		return;
	if ((rc = load_stock(r, id, &stock)) != 0) {
		page_error(r, rc < 0 ? 500 : 404, rc < 0 ? msg : "Stock not found");
		return;
	}
	page = page_new(r, "Stock record", "stocks");
	view_set(page, "stock", stock);
	view_set_bool(page, "can_write", page_can(r, ADMIN_WRITE_SCOPES));
	view_set_str(page, "notice", admin_form_notice(r, "Stock record"));
	if (stock_history(r, page, stock) < 0) {
		page_error(r, 500, msg);
		return;
	}
	/* The ledger history: the transactions page's table for this record, with balances. */
	listing_set_query(r, "stock_id", id);
	if ((rc = listing_table(r, &stock_tx_listing, page, &msg)) != 0) {
		page_error(r, rc, msg);
		return;
	}
	page_render(r, 200, "stock", page);
}

/* ---- the new transaction form -------------------------------------------------------- */

/* What the form was filled in with (all NULL for a fresh form). */
struct tx_form {
	const char *stock_id;
	const char *type;
	const char *direction;
	const char *quantity;
	const char *to_bin_id;
	const char *reference_type;
	const char *reference_id;
	const char *notes;
	const char *idem;
	/* The pickers: the typed codes, and their outcome when they did not resolve. */
	const char *stock;
	const char *to_bin;
	struct admin_pick stock_pick;
	struct admin_pick to_bin_pick;
};

static void add_options(struct request *r, struct view *page, const char *key,
                        const char *const *values, const char *current)
{
	struct view *list = view_list(r->arena);

	for (size_t i = 0; values[i]; i++)
		page_option(r->arena, list, values[i], listing_label(r->arena, values[i]), current);
	view_set(page, key, list);
}

/* A picker's field view for the template: name, label, hint, typed value, outcome. */
static struct view *picker_field(struct request *r, enum admin_pick_kind kind, const char *name,
                                 const char *label, const char *hint, const char *typed,
                                 const struct admin_pick *p)
{
	struct view *o = view_map(r->arena);

	view_set_str(o, "name", name);
	view_set_str(o, "label", label);
	view_set_str(o, "hint", hint);
	view_set_bool(o, "required", false);
	admin_pick_view(r, o, kind, p, typed);
	view_set_str(o, "described_by",
	             p->error ? arena_sprintf(r->arena, "%s-hint %s-error", name, name)
	                      : arena_sprintf(r->arena, "%s-hint", name));
	return o;
}

/* The stock search is a GET: its matches and the find page's results lead back with the record. */
static void stock_links(struct request *r, const struct view *picker, const struct tx_form *f)
{
	struct view *o = (struct view *)picker;

	view_set_str(o, "find_href",
	             PAGE_ROOT "/find/stocks?for=" TX_PAGE "/new&param=stock_id&q=");
	for (size_t i = 0; i < view_len(f->stock_pick.matches); i++) {
		struct view *m = (struct view *)view_at(f->stock_pick.matches, i);

		view_set_str(m, "href",
		             arena_sprintf(r->arena, TX_PAGE "/new?stock_id=%s",
		                           view_str(view_get(m, "id"))));
	}
}

/* Renders the form; stock is the chosen record (NULL: the search for one). */
static void tx_form_page(struct request *r, int status, const char *error, const struct tx_form *f,
                         struct view *stock)
{
	struct view *page = page_new(r, "New transaction", "transactions");

	view_set_str(page, "error", error);
	view_set_str(page, "idem", f->idem ? f->idem : db_uuid(r->arena));
	/* Named apart from the stock record's keys: the form's fields stand inside its section. */
	view_set_str(page, "typed_quantity", f->quantity);
	view_set_str(page, "typed_reference_id", f->reference_id);
	view_set_str(page, "typed_notes", f->notes);
	view_set_str(page, "cancel_href",
	             stock ? arena_sprintf(r->arena, STOCK_PAGE "/%s", f->stock_id) : TX_PAGE);
	view_set(page, "stock", stock);
	add_options(r, page, "types", form_types, f->type);
	add_options(r, page, "directions", directions, f->direction);
	add_options(r, page, "reference_types", ledger_reference_types, f->reference_type);
	view_set(page, "stock_picker",
	         picker_field(r, ADMIN_PICK_STOCK, "stock", "Stock record",
	                      "\"WAREHOUSE / BIN / SKU\", a SKU, or the start of one.", f->stock,
	                      &f->stock_pick));
	view_set(page, "to_bin_picker",
	         picker_field(r, ADMIN_PICK_BIN, "to_bin", "Move to bin",
	                      "Moves only: a bin code of the same warehouse.",
	                      f->to_bin_pick.id || f->to_bin_pick.error
	                          ? f->to_bin
	                          : (f->to_bin_id ? admin_pick_code(r, ADMIN_PICK_BIN, f->to_bin_id)
	                                          : f->to_bin),
	                      &f->to_bin_pick));
	stock_links(r, view_get(page, "stock_picker"), f);
	page_render(r, status, "transaction_new", page);
}

/* The chosen stock record: 0 (or none chosen), or an error page sent (-1). */
static int form_stock(struct request *r, const char *stock_id, struct view **stock)
{
	int rc;

	*stock = NULL;
	if (!stock_id)
		return 0;
	rc = valid_uuid(stock_id) ? load_stock(r, valid_id_norm(r->arena, stock_id), stock) : 1;
	if (rc != 0)
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "Stock not found");
	return rc ? -1 : 0;
}

void admin_transaction_form(struct request *r)
{
	struct tx_form f = {0};
	struct view *stock;

	f.stock_id = req_query(r, "stock_id");
	if (f.stock_id && !*f.stock_id)
		f.stock_id = NULL;
	f.stock = req_query(r, "stock");
	/* The search for a record: a code typed or scanned, or an id from the find page. */
	if (!f.stock_id && f.stock && *f.stock) {
		if (admin_pick_resolve(r, ADMIN_PICK_STOCK, f.stock, NULL, NULL, &f.stock_pick) <
		    0) {
			page_error(r, 500, "Internal server error");
			return;
		}
		f.stock_id = f.stock_pick.id;
	}
	if (form_stock(r, f.stock_id, &stock) == 0)
		tx_form_page(r, f.stock_pick.error ? 400 : 200, NULL, &f, stock);
}

static void read_tx_form(struct request *r, const struct kvlist *form, struct tx_form *f)
{
	f->stock_id = page_field(r, form, "stock_id");
	f->type = page_field(r, form, "transaction_type");
	f->direction = page_field(r, form, "adjustment_direction");
	f->quantity = page_field(r, form, "quantity");
	f->to_bin_id = page_field(r, form, "to_bin_id");
	f->to_bin = page_field(r, form, "to_bin");
	f->reference_type = page_field(r, form, "reference_type");
	f->reference_id = page_field(r, form, "reference_id");
	f->notes = page_field(r, form, "notes");
	f->idem = page_field(r, form, "idem");
}

/*
 * The create request of a filled-in form: warehouse, item and source bin come
 * from the stock record, so the rules the API checks on them hold by
 * construction; everything else goes through the API's checks.
 */
static const char *tx_input_of(struct request *r, const struct tx_form *f, const struct view *stock,
                               struct itx_input *in)
{
	const char *msg = NULL;
	bool from_bin = f->type && (strcmp(f->type, "pick") == 0 || strcmp(f->type, "move") == 0);

	memset(in, 0, sizeof(*in));
	in->warehouse_id = listing_str(stock, "warehouse_id");
	in->item_id = listing_str(stock, "item_id");
	in->stock_id = listing_str(stock, "id");
	in->from_bin_id = from_bin ? listing_str(stock, "bin_id") : NULL;
	in->to_bin_id = f->type && strcmp(f->type, "move") == 0 ? f->to_bin_id : NULL;
	in->reference_type = f->reference_type;
	in->reference_id = f->reference_id;
	in->notes = f->notes;
	if (!f->quantity)
		return "Field required: quantity";
	if (!valid_int64(f->quantity, &in->quantity))
		return "Invalid quantity";
	if (!f->type || !valid_one_of(f->type, form_types))
		return "Invalid transaction type";
	if (itx_check_input(r->arena, in, f->type, f->direction, NULL, r->caller->user_id, &msg) !=
	    0)
		return msg;
	return NULL;
}

/*
 * The move target typed as a bin code (or picked among earlier matches), in
 * the record's warehouse, into f->to_bin_id; a to_bin_id sent as it is (an
 * older form, a script) stays. Moves only. 0, or -1 after an error page.
 */
static int resolve_to_bin(struct request *r, const struct kvlist *form, struct tx_form *f,
                          const struct view *stock)
{
	const char *chosen = page_field(r, form, "to_bin_pick");

	if (!f->type || strcmp(f->type, "move") != 0 || (!f->to_bin && !chosen))
		return 0;
	if (admin_pick_resolve(r, ADMIN_PICK_BIN, f->to_bin, chosen,
	                       listing_str(stock, "warehouse_id"), &f->to_bin_pick) < 0) {
		page_error(r, 500, "Internal server error");
		return -1;
	}
	if (f->to_bin_pick.id) {
		f->to_bin_id = f->to_bin_pick.id;
		f->to_bin = f->to_bin_pick.code;
	}
	return 0;
}

void admin_transaction_create(struct request *r)
{
	struct kvlist form;
	struct tx_form f = {0};
	struct view *stock;
	struct itx_input in;
	struct itx_api_result res;
	struct idem k;
	const char *error, *id = NULL;

	if (!page_form(r, &form))
		return;
	read_tx_form(r, &form, &f);
	if (!f.stock_id) {
		tx_form_page(r, 400, "Choose a stock record.", &f, NULL);
		return;
	}
	if (form_stock(r, f.stock_id, &stock) < 0)
		return;
	if (resolve_to_bin(r, &form, &f, stock) < 0)
		return;
	if (f.to_bin_pick.error) {
		tx_form_page(r, 400, NULL, &f, stock);
		return;
	}
	if ((error = tx_input_of(r, &f, stock, &in))) {
		tx_form_page(r, 400, error, &f, stock);
		return;
	}
	/* The form's key makes a second click (or a reload of the POST) create nothing more. */
	if (idem_init_key(r, r->caller->tenant_id,
	                  f.idem ? arena_sprintf(r->arena, "admin-form-%s", f.idem) : NULL,
	                  &k) < 0) {
		tx_form_page(r, 400, "The form is damaged. Please reload it.", &f, stock);
		return;
	}
	switch (itx_api_create(r->arena, r->caller->tenant_id, &in, &k, &res)) {
	case ITX_API_CREATED:
	case ITX_API_REPLAYED:
		id = res.id;
		break;
	case ITX_API_REFUSED:
		tx_form_page(r, res.status, res.message, &f, stock);
		return;
	case ITX_API_KEY_REUSED:
		tx_form_page(r, 422,
		             "This form was already sent with other values. Please reload it.", &f,
		             stock);
		return;
	default:
		break;
	}
	if (!id) {
		page_error(r, 500, "Internal server error");
		return;
	}
	page_redirect(r, arena_sprintf(r->arena, TX_PAGE "/%s?created=1", id));
}
