/* Inventory transactions (the stock ledger): list, CSV export, create, get, notes, ledger check. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "csv.h"
#include "db.h"
#include "idempotency.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "req.h"
#include "resource.h"
#include "valid.h"

#define BASE "/warehousing/inventory-transactions"
#define READ_SCOPES "view:tenant manage:operations:tenant"
#define WRITE_SCOPES "manage:operations:tenant"
#define CHECK_SCOPES "admin manage:operations:tenant"

/* Column sizes of inventory_transactions, in characters. */
#define REFERENCE_ID_MAX 100
#define NOTES_MAX 16000 /* TEXT holds 65535 bytes: 16000 characters fit even at 4 bytes each */

/* Room for a DATETIME text with microseconds. */
#define TS_LEN 32

/* The status master data gives a deleted (deactivated) stock record. */
#define STOCK_DELETED "inactive"

/* Rows per query while streaming a CSV export. */
#define CSV_BATCH 1000

/* Server errors a write survives by running again (deadlock, lock wait timeout). */
#define ER_LOCK_DEADLOCK_ 1213
#define ER_LOCK_WAIT_TIMEOUT_ 1205
/* db_transaction already tries 5 times; under heavy contention give it a few more rounds. */
#define CREATE_ROUNDS 4

/* db_transaction callback results besides 0 (commit) and -1 (DB error). */
#define TXN_REFUSED 1 /* a business rule said no: c->status, c->message */
#define TXN_TAKEN 2   /* the Idempotency-Key was committed by a concurrent request */

/* ---- shared SQL -------------------------------------------------------- */

/* The transaction as the document shows it, plus the ledger columns. */
#define TX_FLAT_COLUMNS                                                                            \
	"t.id, t.tenant_id, t.warehouse_id, t.item_id, t.stock_id, t.transaction_type, "           \
	"t.quantity,"                                                                              \
	" t.from_bin_id, t.to_bin_id, t.reference_id, t.reference_type, t.notes, t.performed_by,"  \
	" t.timestamp, t.delta, t.to_stock_id, t.to_delta"

/* Related records, nested by their labels; a missing one (no bin) becomes null. */
#define TX_NESTED_COLUMNS                                                                          \
	", w.id AS `warehouse.id`, w.name AS `warehouse.name`, w.code AS `warehouse.code`,"        \
	" i.id AS `item.id`, i.sku AS `item.sku`, i.name AS `item.name`,"                          \
	" i.category AS `item.category`,"                                                          \
	" s.id AS `stock.id`, s.quantity AS `stock.quantity`,"                                     \
	" s.unit_of_measure AS `stock.unit_of_measure`, s.status AS `stock.status`,"               \
	" fb.id AS `from_bin.id`, fb.code AS `from_bin.code`,"                                     \
	" fb.location_type AS `from_bin.location_type`,"                                           \
	" tb.id AS `to_bin.id`, tb.code AS `to_bin.code`, tb.location_type AS "                    \
	"`to_bin.location_type`,"                                                                  \
	" u.id AS `user.id`, u.first_name AS `user.first_name`, u.last_name AS `user.last_name`,"  \
	" u.email AS `user.email`"

#define TX_JOINS " FROM inventory_transactions t" TX_RELATED

#define TX_RELATED                                                                                 \
	" LEFT JOIN warehouses w ON w.id = t.warehouse_id AND w.tenant_id = t.tenant_id"           \
	" LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id"                     \
	" LEFT JOIN stocks s ON s.id = t.stock_id AND s.tenant_id = t.tenant_id"                   \
	" LEFT JOIN bins fb ON fb.id = t.from_bin_id AND fb.tenant_id = t.tenant_id"               \
	" LEFT JOIN bins tb ON tb.id = t.to_bin_id AND tb.tenant_id = t.tenant_id"                 \
	" LEFT JOIN users u ON u.id = t.performed_by AND u.tenant_id = t.tenant_id"

#define TX_ORDER " ORDER BY t.timestamp DESC, t.id DESC"

static const char tx_full_sql[] =
    "SELECT " TX_FLAT_COLUMNS TX_NESTED_COLUMNS TX_JOINS " WHERE t.tenant_id = ? AND t.id = ?";

static const char tx_flat_sql[] =
    "SELECT " TX_FLAT_COLUMNS " FROM inventory_transactions t WHERE t.tenant_id = ? AND t.id = ?";

static const char stock_sql[] =
    "SELECT id, tenant_id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status,"
    " lot_number, serial_number, last_counted_at, updated_at"
    " FROM stocks WHERE tenant_id = ? AND id = ?";

/* ---- small helpers ----------------------------------------------------- */

static const char *tenant_of(const struct request *r)
{
	return r->caller->tenant_id;
}

static void send_internal(struct request *r)
{
	ondi_error(r, 500, "Internal server error");
}

/* A query parameter, with "" counted as absent (the document's examples send empty ones). */
static const char *query_param(const struct request *r, const char *name)
{
	const char *v = req_query(r, name);

	return v && *v ? v : NULL;
}

/* A UUID in lower case (ids are stored that way); other text unchanged. */
static const char *id_norm(struct arena *a, const char *s)
{
	char *out;

	if (!s || !valid_uuid(s))
		return s;
	out = arena_strdup(a, s);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static bool id_eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static long long cell_ll(const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* Serializes obj the way json_reply does, into the arena, and releases obj. */
static const char *json_text(struct arena *a, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out;

	if (!s)
		log_fatal("inventory_transactions: out of memory (json)");
	out = arena_strdup(a, s);
	json_object_put(obj);
	return out;
}

/* Sends a JSON body that is already text (so a replay is byte for byte the first answer). */
static void send_json_text(struct request *r, int status, const char *body)
{
	buf_reset(&r->out);
	buf_puts(&r->out, body);
	r->status = status;
	r->out_type = "application/json";
}

/* The first row of sql(tenant, id) as a JSON object; NULL when there is none. *err on DB errors. */
static struct json_object *load_one(struct arena *a, const char *sql, const char *tenant_id,
                                    const char *id, bool *err)
{
	struct db_rows rows;

	*err = false;
	if (db_exec(a, &rows, sql, "ss", tenant_id, id) < 0) {
		*err = true;
		return NULL;
	}
	return rows.nrows ? db_row_json(&rows, 0) : NULL;
}

/*
 * The :id parameter: blank, or the document's unfilled ":id" placeholder, is
 * 400 "Transaction ID required"; anything but a UUID cannot name a row (404).
 * Sends the error and returns NULL.
 */
static const char *path_id(struct request *r)
{
	const char *id = req_param(r, "id");
	const char *p = id;

	while (p && isspace((unsigned char)*p))
		p++;
	if (!p || !*p || strcmp(p, ":id") == 0) {
		ondi_error(r, 400, "Transaction ID required");
		return NULL;
	}
	if (!valid_uuid(id)) {
		ondi_error(r, 404, "Transaction not found");
		return NULL;
	}
	return id_norm(r->arena, id);
}

/* ---- list -------------------------------------------------------------- */

/* Validated filters of a list or export request. */
struct list_filter {
	const char *tenant_id;
	const char *warehouse_id;
	const char *item_id;
	const char *stock_id;
	const char *search;
	const char *type;
	const char *reference_type;
	char start[TS_LEN];
	char end[TS_LEN];
	bool has_start;
	bool has_end;
	bool end_is_date; /* a bare date as the end includes that whole day */
};

/* Reads and checks the filters; 0, or the HTTP status with *msg. */
static int parse_filter(struct request *r, struct list_filter *f, const char **msg)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	f->tenant_id = tenant_of(r);
	f->item_id = id_norm(r->arena, query_param(r, "item_id"));
	f->stock_id = id_norm(r->arena, query_param(r, "stock_id"));
	f->search = query_param(r, "search");
	if ((v = query_param(r, "transaction_type")) && !(f->type = ledger_type_normalize(v))) {
		*msg = "Invalid transaction type";
		return 400;
	}
	if ((f->reference_type = query_param(r, "reference_type")) &&
	    !valid_one_of(f->reference_type, ledger_reference_types)) {
		*msg = "Invalid reference type";
		return 400;
	}
	if ((v = query_param(r, "timestamp_range_start"))) {
		if (!valid_timestamp(v, f->start, sizeof(f->start))) {
			*msg = "Invalid timestamp";
			return 400;
		}
		f->has_start = true;
	}
	if ((v = query_param(r, "timestamp_range_end"))) {
		if (!valid_timestamp(v, f->end, sizeof(f->end))) {
			*msg = "Invalid timestamp";
			return 400;
		}
		f->has_end = true;
		f->end_is_date = strlen(v) == 10;
	}
	if ((v = query_param(r, "warehouse_id"))) {
		struct db_rows rows;

		f->warehouse_id = id_norm(r->arena, v);
		if (!valid_uuid(v)) {
			*msg = "Warehouse not found";
			return 404;
		}
		if (db_exec(r->arena, &rows,
		            "SELECT 1 FROM warehouses WHERE tenant_id = ? AND id = ?", "ss",
		            f->tenant_id, f->warehouse_id) < 0) {
			*msg = "Internal server error";
			return 500;
		}
		if (rows.nrows == 0) {
			*msg = "Warehouse not found";
			return 404;
		}
	}
	return 0;
}

/* Appends " WHERE ..." for f to q (items aliased i must be joined when f->search is set). */
static void where_filter(struct res_sql *q, const struct list_filter *f)
{
	res_sql_addp(q, " WHERE t.tenant_id = ?", DBP_S(f->tenant_id));
	if (f->warehouse_id)
		res_sql_addp(q, " AND t.warehouse_id = ?", DBP_S(f->warehouse_id));
	if (f->item_id)
		res_sql_addp(q, " AND t.item_id = ?", DBP_S(f->item_id));
	if (f->stock_id) {
		/* A stock's history includes the moves into it. */
		res_sql_addp(q, " AND (t.stock_id = ?", DBP_S(f->stock_id));
		res_sql_addp(q, " OR t.to_stock_id = ?)", DBP_S(f->stock_id));
	}
	if (f->type)
		res_sql_addp(q, " AND t.transaction_type = ?", DBP_S(f->type));
	if (f->reference_type)
		res_sql_addp(q, " AND t.reference_type = ?", DBP_S(f->reference_type));
	if (f->has_start)
		res_sql_addp(q, " AND t.timestamp >= ?", DBP_S(f->start));
	if (f->has_end && f->end_is_date)
		res_sql_addp(q, " AND t.timestamp < ? + INTERVAL 1 DAY", DBP_S(f->end));
	else if (f->has_end)
		res_sql_addp(q, " AND t.timestamp <= ?", DBP_S(f->end));
	if (f->search) {
		static const char *const cols[] = {
		    "t.transaction_type", "t.reference_type", "i.sku", "i.name",
		    "t.reference_id",     "t.notes",          NULL};
		const char *pattern = res_like_pattern(q->a, f->search);

		for (size_t i = 0; cols[i]; i++) {
			buf_puts(&q->text, i ? " OR " : " AND (");
			buf_puts(&q->text, cols[i]);
			res_sql_addp(q, " LIKE ? ESCAPE '!'", DBP_S(pattern));
		}
		buf_puts(&q->text, ")");
	}
}

/* stats {"total", one count per type} over the filtered set; *total gets the count. */
static int list_stats(struct request *r, const struct list_filter *f, struct json_object *stats,
                      long long *total)
{
	struct res_sql q;
	struct db_rows rows;
	int rc;

	res_sql_init(&q, r->arena);
	buf_puts(&q.text, "SELECT t.transaction_type, COUNT(*) FROM inventory_transactions t");
	if (f->search)
		buf_puts(&q.text,
		         " LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id");
	where_filter(&q, f);
	buf_puts(&q.text, " GROUP BY t.transaction_type");
	rc = db_execv(r->arena, &rows, buf_cstr(&q.text), q.params, q.n);
	res_sql_release(&q);
	if (rc < 0)
		return -1;
	*total = 0;
	for (size_t i = 0; i < rows.nrows; i++)
		*total += cell_ll(&rows, i, 1);
	json_add_int(stats, "total", *total);
	for (size_t t = 0; ledger_types[t]; t++) {
		long long n = 0;

		for (size_t i = 0; i < rows.nrows; i++)
			if (db_cell(&rows, i, 0) &&
			    strcmp(db_cell(&rows, i, 0), ledger_types[t]) == 0)
				n = cell_ll(&rows, i, 1);
		json_add_int(stats, ledger_types[t], n);
	}
	return 0;
}

/*
 * One page. The ids are picked first from the ordered, covering indexes, and
 * only those rows are joined: a deep OFFSET then skips index entries instead
 * of joined rows.
 */
static int list_page(struct request *r, const struct list_filter *f, const struct res_page *pg,
                     struct json_object *arr)
{
	struct res_sql q;
	struct db_rows rows;
	int rc;

	res_sql_init(&q, r->arena);
	buf_puts(&q.text, "SELECT " TX_FLAT_COLUMNS TX_NESTED_COLUMNS
	                  " FROM (SELECT t.id FROM inventory_transactions t");
	if (f->search)
		buf_puts(&q.text,
		         " LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id");
	where_filter(&q, f);
	res_sql_addp(&q, TX_ORDER " LIMIT ?", DBP_I(pg->limit));
	res_sql_addp(&q, " OFFSET ?", DBP_I((pg->page - 1) * pg->limit));
	buf_puts(&q.text,
	         ") page JOIN inventory_transactions t ON t.id = page.id" TX_RELATED TX_ORDER);
	rc = db_execv(r->arena, &rows, buf_cstr(&q.text), q.params, q.n);
	res_sql_release(&q);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++)
		json_object_array_add(arr, db_row_json(&rows, i));
	return rc;
}

static struct json_object *string_array(const char *const *list)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		log_fatal("inventory_transactions: out of memory (json)");
	for (; *list; list++)
		json_object_array_add(arr, json_object_new_string(*list));
	return arr;
}

/* ---- CSV export -------------------------------------------------------- */

static const char csv_header[] =
    "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,"
    "from_bin_code,to_bin_code,reference_type,reference_id,performed_by,notes\r\n";

/* The export's columns (csv_header's order), then the keyset position (microsecond timestamp). */
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

/*
 * One batch after the position (after_ts, after_id) (none at first), newest
 * first: keyset paging, so every batch starts with an index range instead of
 * an ever larger OFFSET, and ids are picked before rows are joined (as in
 * list_page). Each batch uses its own arena, so an export of a million rows
 * holds one batch in memory at a time. Returns rows read, or -1.
 */
static long csv_batch(const struct list_filter *f, struct buf *out, char *after_ts, size_t ts_size,
                      char *after_id, size_t id_size)
{
	struct arena *a = arena_new(64 * 1024);
	struct res_sql q;
	struct db_rows rows;
	long n = -1;

	res_sql_init(&q, a);
	buf_puts(&q.text, CSV_SELECT " FROM (SELECT t.id FROM inventory_transactions t");
	if (f->search)
		buf_puts(&q.text,
		         " LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id");
	where_filter(&q, f);
	if (*after_id) {
		/* (timestamp, id) < (after_ts, after_id), written so the first part is a range. */
		res_sql_addp(&q, " AND t.timestamp <= ?", DBP_S(after_ts));
		res_sql_addp(&q, " AND (t.timestamp < ?", DBP_S(after_ts));
		res_sql_addp(&q, " OR t.id < ?)", DBP_S(after_id));
	}
	res_sql_addp(&q, TX_ORDER " LIMIT ?", DBP_I(CSV_BATCH));
	buf_puts(&q.text,
	         ") page JOIN inventory_transactions t ON t.id = page.id" CSV_RELATED TX_ORDER);
	if (db_execv(a, &rows, buf_cstr(&q.text), q.params, q.n) < 0)
		goto out;
	for (size_t i = 0; i < rows.nrows; i++) {
		for (size_t c = 0; c < CSV_COLUMNS; c++)
			csv_field(out, db_cell(&rows, i, c), c == 0);
		csv_end_record(out);
	}
	if (rows.nrows) {
		snprintf(after_id, id_size, "%s", db_cell(&rows, rows.nrows - 1, 0));
		snprintf(after_ts, ts_size, "%s", db_cell(&rows, rows.nrows - 1, CSV_COLUMNS));
	}
	n = (long)rows.nrows;
out:
	res_sql_release(&q);
	arena_free(a);
	return n;
}

/* Streams every matching row (all pages) as CSV; errors after the header can only cut it short. */
static void list_csv(struct request *r, const struct list_filter *f)
{
	char after_ts[40] = "", after_id[40] = "";
	struct buf out;
	long n;

	if (csv_stream_begin(r, "inventory-transactions.csv") < 0)
		return;
	buf_init(&out);
	buf_puts(&out, csv_header);
	do {
		n = csv_batch(f, &out, after_ts, sizeof(after_ts), after_id, sizeof(after_id));
		if (n < 0)
			log_error(
			    "inventory_transactions: CSV export cut short by a database error");
		if (csv_stream_write(r, &out) < 0) {
			log_warn("inventory_transactions: client left during the CSV export");
			break;
		}
	} while (n == CSV_BATCH);
	buf_release(&out);
}

static void handle_list(struct request *r)
{
	struct list_filter f;
	struct res_page pg;
	struct json_object *env, *arr, *stats;
	const char *msg = NULL, *format = query_param(r, "format");
	long long total = 0;
	int status;

	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		ondi_error(r, 400, "Invalid format");
		return;
	}
	if (res_parse_page(req_query(r, "page"), req_query(r, "limit"), &pg, &msg) < 0) {
		ondi_error(r, 400, msg);
		return;
	}
	if ((status = parse_filter(r, &f, &msg)) != 0) {
		ondi_error(r, status, msg);
		return;
	}
	if (format && strcmp(format, "csv") == 0) {
		list_csv(r, &f);
		return;
	}
	env = ondi_ok("Inventory transactions retrieved successfully");
	arr = json_object_new_array();
	stats = json_object_new_object();
	if (!arr || !stats)
		log_fatal("inventory_transactions: out of memory (json)");
	json_object_object_add(env, "inventory_transactions", arr);
	json_object_object_add(env, "stats", stats);
	if (list_stats(r, &f, stats, &total) < 0 || list_page(r, &f, &pg, arr) < 0) {
		json_object_put(env);
		send_internal(r);
		return;
	}
	json_object_object_add(env, "transaction_types", string_array(ledger_types));
	json_object_object_add(env, "reference_types", string_array(ledger_reference_types));
	json_add_int(env, "page", pg.page);
	json_add_int(env, "limit", pg.limit);
	json_add_int(env, "total", total);
	json_reply(r, 200, env);
}

/* ---- get, notes -------------------------------------------------------- */

static void send_transaction(struct request *r, const char *id, const char *message)
{
	struct json_object *env, *tx;
	bool err;

	tx = load_one(r->arena, tx_full_sql, tenant_of(r), id, &err);
	if (err) {
		send_internal(r);
		return;
	}
	if (!tx) {
		ondi_error(r, 404, "Transaction not found");
		return;
	}
	env = ondi_ok(message);
	json_object_object_add(env, "inventory_transaction", tx);
	json_reply(r, 200, env);
}

static void handle_get(struct request *r)
{
	const char *id = path_id(r);

	if (id)
		send_transaction(r, id, "Transaction retrieved successfully");
}

/* Transactions are immutable; only their notes may be corrected. */
static void handle_update(struct request *r)
{
	const char *id = path_id(r), *msg = NULL, *notes;
	struct json_object *body;
	bool ok;

	if (!id)
		return;
	if (!(body = json_parse_body(r, &msg))) {
		ondi_error(r, 400, msg);
		return;
	}
	req_json_own(r, body);
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "notes") != 0) {
			ondi_error(r, 400, "Only notes can be changed");
			return;
		}
	}
	if (!json_has(body, "notes")) {
		ondi_error(r, 400, "Field required: notes");
		return;
	}
	notes = json_get_str(body, "notes", &ok);
	if (!ok) {
		ondi_error(r, 400, "Invalid notes");
		return;
	}
	if (notes && !*notes)
		notes = NULL; /* as on create: empty means none */
	if (notes && valid_utf8_chars(notes) > NOTES_MAX) {
		ondi_error(r, 400, "Field too long: notes");
		return;
	}
	if (db_exec(r->arena, NULL,
	            "UPDATE inventory_transactions SET notes = ? WHERE tenant_id = ? AND id = ?",
	            "sss", notes, tenant_of(r), id) < 0) {
		send_internal(r);
		return;
	}
	/* The connection reports matched rows, so 0 means no such transaction. */
	if (db_affected_rows() == 0) {
		ondi_error(r, 404, "Transaction not found");
		return;
	}
	send_transaction(r, id, "Transaction updated successfully");
}

/* ---- ledger check ------------------------------------------------------ */

static void handle_ledger_check(struct request *r)
{
	struct ledger_check chk;
	struct json_object *env, *arr;

	if (ledger_check_run(r->arena, tenant_of(r), &chk) < 0) {
		send_internal(r);
		return;
	}
	env = ondi_ok(chk.mismatches.nrows ? "Ledger mismatches found" : "Ledger consistent");
	json_add_int(env, "stocks_checked", chk.stocks_checked);
	arr = json_object_new_array();
	if (!arr)
		log_fatal("inventory_transactions: out of memory (json)");
	for (size_t i = 0; i < chk.mismatches.nrows; i++)
		json_object_array_add(arr, db_row_json(&chk.mismatches, i));
	json_object_object_add(env, "mismatches", arr);
	json_reply(r, 200, env);
}

/* ---- create ------------------------------------------------------------ */

/* A checked create request. */
struct tx_input {
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
	const char *performed_by;
	const char *timestamp; /* DB form, or NULL for now */
};

/* Fields a create body may carry. */
static const char *const create_fields[] = {
    "tenant_id",
    "warehouse_id",
    "item_id",
    "stock_id",
    "transaction_type",
    "quantity",
    "adjustment_direction",
    "from_bin_id",
    "to_bin_id",
    "reference_id",
    "reference_type",
    "notes",
    "performed_by",
    "timestamp",
    NULL,
};

/* The message for a value of the wrong JSON type: the document's wording where it has one. */
static const char *invalid_msg(struct request *r, const char *name)
{
	static const struct {
		const char *name, *message;
	} documented[] = {
	    {"transaction_type", "Invalid transaction type"},
	    {"reference_type", "Invalid reference type"},
	    {"adjustment_direction", "Invalid adjustment direction"},
	    {"timestamp", "Invalid timestamp"},
	};

	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (strcmp(name, documented[i].name) == 0)
			return documented[i].message;
	return arena_sprintf(r->arena, "Invalid %s", name);
}

/* Optional string field: "" and null are absent. 0, or 400 with *msg for a non-string. */
static int opt_str(struct request *r, struct json_object *body, const char *name, const char **out,
                   const char **msg)
{
	bool ok;
	const char *v = json_get_str(body, name, &ok);

	if (!ok) {
		*msg = invalid_msg(r, name);
		return 400;
	}
	*out = v && *v ? v : NULL;
	return 0;
}

/* Required string field. */
static int req_str(struct request *r, struct json_object *body, const char *name, const char **out,
                   const char **msg)
{
	int st = opt_str(r, body, name, out, msg);

	if (st == 0 && !*out) {
		*msg = arena_sprintf(r->arena, "Field required: %s", name);
		return 400;
	}
	return st;
}

/* Body fields, their presence and types; 0 or the status with *msg. */
static int parse_fields(struct request *r, struct json_object *body, struct tx_input *in,
                        const char **type, const char **direction, const char **msg)
{
	const char *tenant = NULL;
	int st;

	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (!valid_one_of(key, create_fields)) {
			*msg = arena_sprintf(r->arena, "Unknown field: %s", key);
			return 400;
		}
	}
	if ((st = opt_str(r, body, "tenant_id", &tenant, msg)) != 0)
		return st;
	if (tenant && !id_eq(tenant, tenant_of(r))) {
		*msg = "Insufficient permissions";
		return 403;
	}
	if ((st = req_str(r, body, "warehouse_id", &in->warehouse_id, msg)) != 0 ||
	    (st = req_str(r, body, "item_id", &in->item_id, msg)) != 0 ||
	    (st = req_str(r, body, "stock_id", &in->stock_id, msg)) != 0 ||
	    (st = req_str(r, body, "transaction_type", type, msg)) != 0)
		return st;
	if (!json_get_int(body, "quantity", &in->quantity)) {
		struct json_object *q = NULL;

		json_object_object_get_ex(body, "quantity", &q);
		*msg = q ? "Invalid quantity" : "Field required: quantity";
		return 400;
	}
	if ((st = opt_str(r, body, "adjustment_direction", direction, msg)) != 0 ||
	    (st = opt_str(r, body, "from_bin_id", &in->from_bin_id, msg)) != 0 ||
	    (st = opt_str(r, body, "to_bin_id", &in->to_bin_id, msg)) != 0 ||
	    (st = opt_str(r, body, "reference_id", &in->reference_id, msg)) != 0 ||
	    (st = opt_str(r, body, "reference_type", &in->reference_type, msg)) != 0 ||
	    (st = opt_str(r, body, "notes", &in->notes, msg)) != 0 ||
	    (st = opt_str(r, body, "performed_by", &in->performed_by, msg)) != 0)
		return st;
	return 0;
}

/* The rules that need no database, in the document's order. 0 or 400 with *msg. */
static int check_rules(struct request *r, struct tx_input *in, const char *type,
                       const char *direction, const char *timestamp, const char **msg)
{
	if (!(in->type = ledger_type_normalize(type))) {
		*msg = "Invalid transaction type";
		return 400;
	}
	if ((*msg = ledger_quantity_error(in->type, in->quantity)))
		return 400;
	if (strcmp(in->type, "stock_adjustment") == 0) {
		if (!direction) {
			*msg = "Field required: adjustment_direction";
			return 400;
		}
		if (ledger_direction_parse(direction, &in->dir) < 0) {
			*msg = "Invalid adjustment direction";
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
	if (in->reference_id && valid_utf8_chars(in->reference_id) > REFERENCE_ID_MAX) {
		*msg = "Field too long: reference_id";
		return 400;
	}
	if (in->notes && valid_utf8_chars(in->notes) > NOTES_MAX) {
		*msg = "Field too long: notes";
		return 400;
	}
	if (timestamp) {
		char *out = arena_alloc(r->arena, TS_LEN);

		if (!valid_timestamp(timestamp, out, TS_LEN)) {
			*msg = "Invalid timestamp";
			return 400;
		}
		in->timestamp = out;
	}
	return 0;
}

/* Parses and checks a create body; 0, or the status with *msg. */
static int parse_create(struct request *r, struct json_object *body, struct tx_input *in,
                        const char **msg)
{
	const char *type = NULL, *direction = NULL, *timestamp = NULL;
	int st;

	memset(in, 0, sizeof(*in));
	if ((st = parse_fields(r, body, in, &type, &direction, msg)) != 0 ||
	    (st = opt_str(r, body, "timestamp", &timestamp, msg)) != 0 ||
	    (st = check_rules(r, in, type, direction, timestamp, msg)) != 0)
		return st;
	in->warehouse_id = id_norm(r->arena, in->warehouse_id);
	in->item_id = id_norm(r->arena, in->item_id);
	in->stock_id = id_norm(r->arena, in->stock_id);
	in->from_bin_id = id_norm(r->arena, in->from_bin_id);
	in->to_bin_id = id_norm(r->arena, in->to_bin_id);
	in->performed_by =
	    in->performed_by ? id_norm(r->arena, in->performed_by) : r->caller->user_id;
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
	struct request *r;
	const struct tx_input *in;
	const struct idem *idem;
	int status;
	const char *message;
	const char *body; /* the 201 response */
	/* effect */
	const char *now;
	long long delta;
	const char *to_stock_id;
	long long to_delta;
	const char *updated_stock_id;
};

static int refuse(struct create_ctx *c, int status, const char *message)
{
	c->status = status;
	c->message = message;
	return TXN_REFUSED;
}

/* Locks the stock row; 1 when it is not the tenant's or not in the warehouse. */
static int lock_stock(struct create_ctx *c, const char *id, struct stock_row *s)
{
	struct db_rows rows;

	if (db_exec(
	        c->r->arena, &rows,
	        "SELECT id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status,"
	        " lot_number, serial_number FROM stocks WHERE tenant_id = ? AND id = ? FOR UPDATE",
	        "ss", tenant_of(c->r), id) < 0)
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

	if (db_exec(c->r->arena, &rows, sql, "ss", tenant_of(c->r), id) < 0)
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
	const char *a = c->in->from_bin_id, *b = c->in->to_bin_id;
	static const char sql[] = "SELECT id FROM bins WHERE tenant_id = ? AND id = ? FOR UPDATE";

	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	if (exists(c, sql, a) < 0 || exists(c, sql, b) < 0)
		return -1;
	return 0;
}

/* Adds d to a stock row (count: sets it) and stamps it; the row is locked. */
static int apply_delta(struct create_ctx *c, const char *stock_id, long long d, bool counted)
{
	struct arena *a = c->r->arena;

	if (counted)
		return db_exec(
		    a, NULL,
		    "UPDATE stocks SET quantity = quantity + ?, updated_at = UTC_TIMESTAMP(6),"
		    " last_counted_at = IF(last_counted_at IS NULL OR last_counted_at < ?, ?,"
		    " last_counted_at) WHERE tenant_id = ? AND id = ?",
		    "issss", d, c->now, c->now, tenant_of(c->r), stock_id);
	return db_exec(a, NULL,
	               "UPDATE stocks SET quantity = quantity + ?, updated_at = UTC_TIMESTAMP(6)"
	               " WHERE tenant_id = ? AND id = ?",
	               "iss", d, tenant_of(c->r), stock_id);
}

/* Finds and locks the record the moved units join: same item, lot, serial, status and unit. */
static int find_destination(struct create_ctx *c, const struct stock_row *src,
                            struct stock_row *dst, bool *found)
{
	struct db_rows rows;
	struct db_param p[] = {
	    DBP_S(tenant_of(c->r)), DBP_S(src->warehouse_id),    DBP_S(c->in->to_bin_id),
	    DBP_S(src->item_id),    DBP_S(src->lot_number),      DBP_S(src->serial_number),
	    DBP_S(src->status),     DBP_S(src->unit_of_measure), DBP_S(src->id),
	};

	*found = false;
	if (db_execv(c->r->arena, &rows,
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
static int apply_move(struct create_ctx *c, const struct stock_row *src)
{
	struct arena *a = c->r->arena;
	const struct tx_input *in = c->in;
	struct stock_row dst = {0};
	long long unused;
	bool found;

	if (find_destination(c, src, &dst, &found) < 0)
		return -1;
	if (!found && in->quantity == src->quantity) {
		c->delta = 0;
		c->to_stock_id = src->id;
		c->to_delta = 0;
		c->updated_stock_id = src->id;
		return db_exec(a, NULL,
		               "UPDATE stocks SET bin_id = ?, updated_at = UTC_TIMESTAMP(6)"
		               " WHERE tenant_id = ? AND id = ?",
		               "sss", in->to_bin_id, tenant_of(c->r), src->id);
	}
	if (found && ledger_delta("receive", in->quantity, LEDGER_DIR_NONE, dst.quantity,
	                          &unused) != LEDGER_OK)
		return refuse(c, 400, "Quantity too large");
	c->delta = -in->quantity;
	c->to_delta = in->quantity;
	if (apply_delta(c, src->id, c->delta, false) < 0)
		return -1;
	if (found) {
		c->to_stock_id = dst.id;
		c->updated_stock_id = dst.id;
		return apply_delta(c, dst.id, c->to_delta, false);
	}
	c->to_stock_id = db_uuid(a);
	c->updated_stock_id = c->to_stock_id;
	return db_exec(a, NULL,
	               "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity,"
	               " unit_of_measure, status, lot_number, serial_number)"
	               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               "sssssissss", c->to_stock_id, tenant_of(c->r), src->warehouse_id,
	               src->item_id, in->to_bin_id, in->quantity, src->unit_of_measure, src->status,
	               src->lot_number, src->serial_number);
}

/* The rules that need the database, checked on locked rows. 0, TXN_REFUSED or -1. */
static int check_records(struct create_ctx *c, struct stock_row *src)
{
	const struct tx_input *in = c->in;
	bool is_move = strcmp(in->type, "move") == 0;
	long n;
	int rc;

	/* Deactivated (soft-deleted) warehouses and stock records take no new transactions. */
	if ((n = exists(
	         c, "SELECT 1 FROM warehouses WHERE tenant_id = ? AND id = ? AND status = 'active'",
	         in->warehouse_id)) <= 0)
		return n < 0 ? -1 : refuse(c, 404, "Warehouse not found");
	if ((rc = lock_stock(c, in->stock_id, src)) != 0)
		return rc < 0 ? -1 : refuse(c, 404, "Stock not found");
	if (strcmp(src->warehouse_id, in->warehouse_id) != 0 ||
	    strcmp(src->status, STOCK_DELETED) == 0)
		return refuse(c, 404, "Stock not found");
	if (!id_eq(src->item_id, in->item_id))
		return refuse(c, 400, "Item ID mismatch");
	if ((n = exists(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ?",
	                in->performed_by)) <= 0)
		return n < 0 ? -1 : refuse(c, 404, "Performed by user not found");
	if (in->from_bin_id && !id_eq(in->from_bin_id, src->bin_id))
		return refuse(c, 400, "From bin must match stock bin");
	if (is_move) {
		struct db_rows rows;

		if (db_exec(c->r->arena, &rows,
		            "SELECT 1 FROM bins WHERE tenant_id = ? AND id = ? AND warehouse_id = ?"
		            " AND status = 'active'",
		            "sss", tenant_of(c->r), in->to_bin_id, src->warehouse_id) < 0)
			return -1;
		if (rows.nrows == 0)
			return refuse(c, 404, "To bin not found");
	} else if (in->to_bin_id && !id_eq(in->to_bin_id, src->bin_id)) {
		return refuse(c, 400, "To bin must match stock bin");
	}
	return 0;
}

/* Changes the stock for the transaction. 0, TXN_REFUSED or -1. */
static int apply_effect(struct create_ctx *c, const struct stock_row *src)
{
	const struct tx_input *in = c->in;

	switch (ledger_delta(in->type, in->quantity, in->dir, src->quantity, &c->delta)) {
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
		return apply_move(c, src);
	c->updated_stock_id = src->id;
	return apply_delta(c, src->id, c->delta, strcmp(in->type, "count") == 0);
}

static int insert_transaction(struct create_ctx *c, const char *id)
{
	const struct tx_input *in = c->in;
	struct db_param p[] = {
	    DBP_S(id),
	    DBP_S(tenant_of(c->r)),
	    DBP_S(in->warehouse_id),
	    DBP_S(in->item_id),
	    DBP_S(in->stock_id),
	    DBP_S(in->type),
	    DBP_I(in->quantity),
	    DBP_I(c->delta),
	    DBP_S(in->from_bin_id),
	    DBP_S(in->to_bin_id),
	    DBP_S(c->to_stock_id),
	    DBP_I(c->to_delta),
	    DBP_S(in->reference_id),
	    DBP_S(in->reference_type),
	    DBP_S(in->notes),
	    DBP_S(in->performed_by),
	    DBP_S(c->now),
	};

	return db_execv(c->r->arena, NULL,
	                "INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id,"
	                " stock_id, transaction_type, quantity, delta, from_bin_id, to_bin_id,"
	                " to_stock_id, to_delta, reference_id, reference_type, notes, performed_by,"
	                " timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                p, sizeof(p) / sizeof(p[0]));
}

/* The 201 body: the transaction as stored and the stock record it changed. */
static int build_response(struct create_ctx *c, const char *id)
{
	struct json_object *env, *tx, *stock;
	bool err;

	tx = load_one(c->r->arena, tx_flat_sql, tenant_of(c->r), id, &err);
	if (!tx)
		return -1;
	stock = load_one(c->r->arena, stock_sql, tenant_of(c->r), c->updated_stock_id, &err);
	if (!stock) {
		json_object_put(tx);
		return -1;
	}
	env = ondi_ok("Inventory transaction created successfully");
	json_object_object_add(env, "inventory_transaction", tx);
	json_object_object_add(env, "updated_stock", stock);
	c->body = json_text(c->r->arena, env);
	return 0;
}

/* The database's clock, UTC with microseconds, as DATETIME text; NULL on errors. */
static const char *db_now(struct arena *a)
{
	struct db_rows rows;

	if (db_exec(a, &rows, "SELECT CAST(UTC_TIMESTAMP(6) AS CHAR)", NULL) < 0)
		return NULL;
	return db_cell(&rows, 0, 0);
}

/* One attempt of the create inside BEGIN ... COMMIT; db_transaction reruns it after a deadlock. */
static int create_txn(void *ctx)
{
	struct create_ctx *c = ctx;
	struct stock_row src = {0};
	const char *id;
	int rc;

	c->status = 0;
	c->message = NULL;
	c->body = NULL;
	c->to_stock_id = NULL;
	c->to_delta = 0;
	c->updated_stock_id = NULL;
	switch (idem_claim(c->r->arena, c->idem)) {
	case IDEM_NEW:
		break;
	case IDEM_TAKEN:
		return TXN_TAKEN;
	default:
		return -1;
	}
	/* One clock reading for the transaction's time and the stock's last count. */
	if (!(c->now = c->in->timestamp ? c->in->timestamp : db_now(c->r->arena)))
		return -1;
	if (strcmp(c->in->type, "move") == 0 && lock_bins(c) < 0)
		return -1;
	if ((rc = check_records(c, &src)) != 0 || (rc = apply_effect(c, &src)) != 0)
		return rc;
	id = db_uuid(c->r->arena);
	if (insert_transaction(c, id) < 0 || build_response(c, id) < 0)
		return -1;
	return idem_store(c->r->arena, c->idem, 201, c->body) < 0 ? -1 : 0;
}

static bool busy_error(unsigned int err)
{
	return err == ER_LOCK_DEADLOCK_ || err == ER_LOCK_WAIT_TIMEOUT_;
}

/* Sends what the key has stored: the first response, or 422 for another request under it. */
static bool send_stored(struct request *r, const struct idem *k)
{
	int status = 0;
	const char *body = NULL;

	switch (idem_lookup(r->arena, k, &status, &body)) {
	case IDEM_NEW:
		return false;
	case IDEM_REPLAY:
		idem_replay(r, status, body);
		return true;
	case IDEM_MISMATCH:
		ondi_error(r, 422, "Idempotency key reused with a different request");
		return true;
	default:
		send_internal(r);
		return true;
	}
}

static void handle_create(struct request *r)
{
	struct create_ctx c = {0};
	struct tx_input in;
	struct idem k;
	struct json_object *body;
	const char *msg = NULL;
	int status, rc = -1;

	if (!(body = json_parse_body(r, &msg))) {
		ondi_error(r, 400, msg);
		return;
	}
	req_json_own(r, body);
	if ((status = parse_create(r, body, &in, &msg)) != 0) {
		ondi_error(r, status, msg);
		return;
	}
	if (idem_init(r, tenant_of(r), &k) < 0) {
		ondi_error(r, 400, "Invalid idempotency key");
		return;
	}
	idem_purge(r->arena, &k);
	if (send_stored(r, &k))
		return;
	c.r = r;
	c.in = &in;
	c.idem = &k;
	for (int round = 0; round < CREATE_ROUNDS; round++) {
		rc = db_transaction(create_txn, &c);
		/* A key whose holder rolled back after all is free again: try once more. */
		if (rc == TXN_TAKEN && send_stored(r, &k))
			return;
		if (rc == TXN_TAKEN || (rc == -1 && busy_error(db_errno())))
			continue;
		break;
	}
	if (rc == 0)
		send_json_text(r, 201, c.body);
	else if (rc == TXN_REFUSED)
		ondi_error(r, c.status, c.message);
	else
		send_internal(r);
}

/* ---- routes ------------------------------------------------------------ */

/* ledger-check comes before /:id, which would otherwise take it for an id. */
static const struct route routes[] = {
    {"GET", BASE, handle_list, READ_SCOPES},
    {"POST", BASE, handle_create, WRITE_SCOPES},
    {"GET", BASE "/ledger-check", handle_ledger_check, CHECK_SCOPES},
    {"GET", BASE "/:id", handle_get, READ_SCOPES},
    {"PATCH", BASE "/:id", handle_update, WRITE_SCOPES},
    {0},
};

static const struct app inventory_transactions_app = {
    .name = "inventory_transactions",
    .routes = routes,
    .error = ondi_error,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&inventory_transactions_app, argc, argv);
}
