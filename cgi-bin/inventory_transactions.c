/* Inventory transactions (the stock ledger): list, CSV export, create, get, notes, ledger check. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/paging.h"
#include "stock/itx.h"
#include "stock/itx_follow.h"
#include "stock/ledger.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/body.h"
#include "web/envelope.h"
#include "web/etag.h"
#include "web/idempotency.h"
#include "web/keyed.h"
#include "web/itx_api.h"
#include "web/req.h"
#include "web/resource.h"
#include "web/row_json.h"

#define BASE "/warehousing/inventory-transactions"
#define READ_SCOPES "view:tenant manage:operations:tenant"
#define WRITE_SCOPES "manage:operations:tenant"
#define CHECK_SCOPES "admin manage:operations:tenant"
/* The list's parameters: document 004's, then ours (format, after). */
#define LIST_QUERY                                                                                 \
	"warehouse_id item_id stock_id search transaction_type reference_type"                     \
	" timestamp_range_start timestamp_range_end page limit format after"

/* ---- small helpers ----------------------------------------------------- */

static const char *tenant_of(const struct request *r)
{
	return r->caller->tenant_id;
}

static void send_internal(struct request *r)
{
	envelope_ondi_error(r, 500, "Internal server error");
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
		envelope_ondi_error(r, 400, "Transaction ID required");
		return NULL;
	}
	if (!valid_uuid(id)) {
		envelope_ondi_error(r, 404, "Transaction not found");
		return NULL;
	}
	return valid_id_norm(r->arena, id);
}

/* ---- list -------------------------------------------------------------- */

/*
 * The list's JSON is written straight into the response buffer, in the order
 * and form json-c gave it (envelope, rows, stats, type lists, paging): the
 * json-c objects of a 20-row page cost more CPU than both of its queries.
 */

/* Appends ,"key":n. */
static void put_int(struct buf *b, const char *key, long long n)
{
	buf_appendf(b, ",\"%s\":%lld", key, n);
}

/* Appends ,"key":["a","b"] for a NULL-terminated list of names that need no escaping. */
static void put_names(struct buf *b, const char *key, const char *const *list)
{
	buf_appendf(b, ",\"%s\":[", key);
	for (size_t i = 0; list[i]; i++) {
		buf_puts(b, i ? ",\"" : "\"");
		buf_puts(b, list[i]);
		buf_putc(b, '"');
	}
	buf_putc(b, ']');
}

/* The export streams: who asks, and the warehouse, are checked before its first byte. */
static void send_csv(struct request *r, struct itx_filter *f)
{
	struct db_rows none = {0};
	const char *msg = NULL;
	int status;

	if ((status = auth_settle(r, &msg)) != 0 ||
	    (status = itx_filter_confirm(r->arena, f, &none, &msg)) != 0) {
		envelope_ondi_error(r, status, msg);
		return;
	}
	itx_api_csv(r, f);
}

/* What a list answer holds besides its rows: the counts, the position and the next link. */
struct list_tail {
	struct itx_counts stats;
	long long page;
	long long limit;
	const char *next_name; /* "page" or "after"; NULL: no next link (the last page) */
	const char *next_value;
};

/* Writes the list's envelope: rows, stats, type lists, page, limit, total, next. */
static void send_list(struct request *r, struct db_rows *rows, const struct list_tail *t)
{
	struct buf *b = envelope_ondi_open(r, "Inventory transactions retrieved successfully");
	const struct row_json_shape *shape = row_json_shape(rows, r->arena);

	buf_puts(b, ",\"inventory_transactions\":[");
	for (size_t i = 0; i < rows->nrows; i++) {
		if (i)
			buf_putc(b, ',');
		row_json_put(b, shape, rows, i, r->arena);
	}
	buf_puts(b, "],\"stats\":{\"total\":");
	buf_appendf(b, "%lld", t->stats.total);
	for (size_t i = 0; ledger_types[i]; i++)
		put_int(b, ledger_types[i], t->stats.counts[i]);
	buf_putc(b, '}');
	put_names(b, "transaction_types", ledger_types);
	put_names(b, "reference_types", ledger_reference_types);
	put_int(b, "page", t->page);
	put_int(b, "limit", t->limit);
	put_int(b, "total", t->stats.total);
	/* The link is percent-encoded, so nothing in it needs JSON escaping. */
	buf_puts(b, ",\"next\":");
	if (t->next_name) {
		buf_putc(b, '"');
		req_link(b, r, "page after", t->next_name, t->next_value);
		buf_putc(b, '"');
	} else {
		buf_puts(b, "null");
	}
	buf_putc(b, '}');
}

/* A refused or failed read answers; true when it did. */
static bool read_failed(struct request *r, const struct itx_read *read)
{
	if (read->outcome == ITX_READ_FAILED) {
		send_internal(r);
		return true;
	}
	if (read->outcome == ITX_READ_REFUSED) {
		envelope_ondi_error(r, read->status, read->message);
		return true;
	}
	return false;
}

/*
 * A list's rows, read and confirmed against the filter's named records, and its stats, unless the
 * page's statement read them (f->counts); false when a refusal was sent instead.
 */
static bool list_rows_ok(struct request *r, struct itx_filter *f, const struct itx_read *read,
                         const struct db_rows *rows, struct list_tail *t)
{
	const char *msg = NULL;
	int status;

	if (read_failed(r, read))
		return false;
	if ((status = itx_filter_confirm(r->arena, f, rows, &msg)) != 0) {
		envelope_ondi_error(r, status, msg);
		return false;
	}
	if (!t->stats.read && itx_stats(r->arena, f, t->stats.counts, &t->stats.total) < 0) {
		send_internal(r);
		return false;
	}
	return true;
}

/* The page-numbered list, newest first; next is the following page while there is one. */
static void list_page(struct request *r, struct itx_filter *f, const struct paging *pg,
                      struct list_tail *t)
{
	struct db_rows rows;
	struct itx_read read;

	/* The stats ride on the page's statement where they can: one round trip. */
	f->counts = &t->stats;
	read = itx_page(r->arena, f, pg, ITX_SORT_TIME, true, &rows);
	if (!list_rows_ok(r, f, &read, &rows, t))
		return;
	t->page = pg->page;
	if (pg->page < PAGING_PAGE_MAX && pg->page * pg->limit < t->stats.total) {
		t->next_name = "page";
		t->next_value = arena_sprintf(r->arena, "%lld", pg->page + 1);
	}
	send_list(r, &rows, t);
}

/* Following the ledger: rows after the cursor, oldest first; next goes on from the last one. */
static void list_follow(struct request *r, struct itx_filter *f, const struct itx_cursor *after,
                        const struct paging *pg, struct list_tail *t)
{
	struct db_rows rows;
	struct itx_cursor last;
	struct itx_read read = itx_follow(r->arena, f, after, pg->limit, &rows, &last);
	char cursor[ITX_CURSOR_LEN];

	if (!list_rows_ok(r, f, &read, &rows, t))
		return;
	itx_cursor_format(&last, cursor, sizeof(cursor));
	t->page = 1;
	t->next_name = "after";
	t->next_value = arena_strdup(r->arena, cursor);
	send_list(r, &rows, t);
}

/*
 * after= (following the ledger) instead of a page: a cursor it understands and
 * neither page nor a CSV download with it. 0, or -1 with the refusal sent.
 */
static int read_after(struct request *r, const char *after, const char *format,
                      struct itx_cursor *c)
{
	if (!itx_cursor_parse(after, c)) {
		envelope_ondi_error_detail(r, 400, "Invalid after",
		                           "after must be " ITX_CURSOR_START
		                           " or the cursor of a next link");
		return -1;
	}
	if (kvlist_get_nonempty(&r->query, "page")) {
		envelope_ondi_error_detail(r, 400, "Invalid page", "give page or after, not both");
		return -1;
	}
	if (format && strcmp(format, "csv") == 0) {
		envelope_ondi_error_detail(r, 400, "Invalid format",
		                           "after lists JSON; the CSV download takes no cursor");
		return -1;
	}
	return 0;
}

static void handle_list(struct request *r)
{
	struct itx_filter f;
	struct paging pg;
	struct paging_refusal why;
	struct itx_cursor cursor;
	struct list_tail t;
	const char *msg = NULL, *format = kvlist_get_nonempty(&r->query, "format");
	const char *after = kvlist_get_nonempty(&r->query, "after");
	int status;

	memset(&t, 0, sizeof(t));
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		envelope_ondi_error(r, 400, "Invalid format");
		return;
	}
	if (paging_parse(req_query(r, "page"), req_query(r, "limit"), PAGING_REFUSE, &pg, &why) <
	    0) {
		envelope_ondi_error_detail(r, 400, why.message, why.detail);
		return;
	}
	if (after && read_after(r, after, format, &cursor) < 0)
		return;
	if ((status = itx_filter_read(r->arena, tenant_of(r), &r->query, &f, &msg)) != 0) {
		envelope_ondi_error(r, status, msg);
		return;
	}
	if (format && strcmp(format, "csv") == 0) {
		send_csv(r, &f);
		return;
	}
	f.probe = auth_probe(r);
	t.limit = pg.limit;
	if (after)
		list_follow(r, &f, &cursor, &pg, &t);
	else
		list_page(r, &f, &pg, &t);
}

/* ---- get, notes -------------------------------------------------------- */

static void send_transaction(struct request *r, const char *id, const char *message)
{
	struct db_rows rows;
	struct buf *b;
	size_t start;

	struct itx_read read = itx_get(r->arena, tenant_of(r), id, auth_probe(r), &rows);

	switch (read.outcome) {
	case ITX_READ_OK:
		break;
	case ITX_READ_NONE:
		envelope_ondi_error(r, 404, "Transaction not found");
		return;
	case ITX_READ_REFUSED:
		envelope_ondi_error(r, read.status, read.message);
		return;
	default:
		send_internal(r);
		return;
	}
	b = envelope_ondi_open(r, message);
	buf_puts(b, ",\"inventory_transaction\":");
	start = b->len;
	row_json_write(b, &rows, 0, r->arena);
	etag_send(r, etag_of_text(r->arena, b->data + start, b->len - start));
	buf_putc(b, '}');
}

static void handle_get(struct request *r)
{
	const char *id = path_id(r);

	if (id)
		send_transaction(r, id, "Transaction retrieved successfully");
}

enum notes_outcome { NOTES_WRITTEN, NOTES_NONE, NOTES_STALE, NOTES_FAILED };

/* A correction of a transaction's notes, with the If-Match it was sent with (or NULL). */
struct notes_write {
	struct request *r;
	const char *id, *notes, *if_match;
	enum notes_outcome outcome;
};

/*
 * The If-Match of a notes correction, checked with the transaction's row locked, so a
 * correction made meanwhile by someone else cannot slip between the check and the write: 0 to
 * go on, 1 when the tag is stale or the transaction does not exist, -1 on error.
 */
static int notes_precondition(struct notes_write *w)
{
	struct request *r = w->r;
	struct db_rows rows;
	struct buf text;
	struct itx_read read;
	const char *tag;

	if (!w->if_match || strcmp(w->if_match, "*") == 0)
		return 0;
	if (db_exec(
	        r->arena, NULL,
	        "SELECT id FROM inventory_transactions WHERE tenant_id = ? AND id = ? FOR UPDATE",
	        "ss", tenant_of(r), w->id) < 0)
		return -1;
	read = itx_get(r->arena, tenant_of(r), w->id, NULL, &rows);
	if (read.outcome == ITX_READ_NONE) {
		w->outcome = NOTES_NONE;
		return 1;
	}
	if (read.outcome != ITX_READ_OK)
		return -1;
	/* The tag of the record as GET shows it (send_transaction). */
	buf_init(&text);
	row_json_write(&text, &rows, 0, r->arena);
	tag = etag_of_text(r->arena, text.data, text.len);
	buf_release(&text);
	if (etag_if_match(w->if_match, tag))
		return 0;
	w->outcome = NOTES_STALE;
	return 1;
}

static int notes_txn(void *ctx)
{
	struct notes_write *w = ctx;
	int rc;

	w->outcome = NOTES_WRITTEN;
	if ((rc = notes_precondition(w)) != 0)
		return rc;
	if (db_exec(w->r->arena, NULL,
	            "UPDATE inventory_transactions SET notes = ? WHERE tenant_id = ? AND id = ?",
	            "sss", w->notes, tenant_of(w->r), w->id) < 0)
		return -1;
	/* The connection reports matched rows, so 0 means no such transaction. */
	if (db_affected_rows() == 0) {
		w->outcome = NOTES_NONE;
		return 1;
	}
	return 0;
}

/* Transactions are immutable; only their notes may be corrected. */
static void handle_update(struct request *r)
{
	const char *id = path_id(r), *msg = NULL, *notes;
	struct json_object *body;
	struct notes_write w;
	bool ok;

	if (!id)
		return;
	if (!(body = body_json(r, &msg))) {
		envelope_ondi_error(r, 400, msg);
		return;
	}
	req_json_own(r, body);
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "notes") != 0) {
			envelope_ondi_error(r, 400, "Only notes can be changed");
			return;
		}
	}
	if (!jval_has(body, "notes")) {
		envelope_ondi_error(r, 400, "Field required: notes");
		return;
	}
	notes = jval_str(body, "notes", &ok);
	if (!ok) {
		envelope_ondi_error(r, 400, "Invalid notes");
		return;
	}
	if (notes && !*notes)
		notes = NULL; /* as on create: empty means none */
	if (!itx_notes_ok(notes)) {
		envelope_ondi_error(r, 400, "Field too long: notes");
		return;
	}
	w = (struct notes_write){r, id, notes, req_header(r, "If-Match"), NOTES_WRITTEN};
	if (db_transaction(notes_txn, &w) < 0)
		w.outcome = NOTES_FAILED;
	switch (w.outcome) {
	case NOTES_WRITTEN:
		send_transaction(r, id, "Transaction updated successfully");
		break;
	case NOTES_NONE:
		envelope_ondi_error(r, 404, "Transaction not found");
		break;
	case NOTES_STALE:
		envelope_ondi_error(r, 412, ETAG_STALE_MESSAGE);
		break;
	default:
		send_internal(r);
	}
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
	env = envelope_ondi(chk.mismatches.nrows ? "Ledger mismatches found" : "Ledger consistent");
	jval_add_int(env, "stocks_checked", chk.stocks_checked);
	arr = json_object_new_array();
	if (!arr)
		log_fatal("inventory_transactions: out of memory (json)");
	for (size_t i = 0; i < chk.mismatches.nrows; i++)
		json_object_array_add(arr, row_json(&chk.mismatches, i));
	json_object_object_add(env, "mismatches", arr);
	envelope_reply(r, 200, env);
}

/* ---- create ------------------------------------------------------------ */

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
	    {"adjustment_direction", "Invalid adjustment direction (increase or decrease)"},
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
	const char *v = jval_str(body, name, &ok);

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
static int parse_fields(struct request *r, struct json_object *body, struct itx_input *in,
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
	if (tenant && strcasecmp(tenant, tenant_of(r)) != 0) {
		*msg = "Insufficient permissions";
		return 403;
	}
	if ((st = req_str(r, body, "warehouse_id", &in->warehouse_id, msg)) != 0 ||
	    (st = req_str(r, body, "item_id", &in->item_id, msg)) != 0 ||
	    (st = req_str(r, body, "stock_id", &in->stock_id, msg)) != 0 ||
	    (st = req_str(r, body, "transaction_type", type, msg)) != 0)
		return st;
	/* A whole number beyond int64 reads as its nearest end: itx_check_input refuses it. */
	switch (jval_int(body, "quantity", &in->quantity)) {
	case JVAL_ABSENT:
		*msg = "Field required: quantity";
		return 400;
	case JVAL_NOT_WHOLE:
		*msg = "quantity must be a whole number";
		return 400;
	default:
		break;
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

/* Parses and checks a create body; 0, or the status with *msg. */
static int parse_create(struct request *r, struct json_object *body, struct itx_input *in,
                        const char **msg)
{
	const char *type = NULL, *direction = NULL, *timestamp = NULL;
	int st;

	memset(in, 0, sizeof(*in));
	if ((st = parse_fields(r, body, in, &type, &direction, msg)) != 0 ||
	    (st = opt_str(r, body, "timestamp", &timestamp, msg)) != 0)
		return st;
	return itx_check_input(r->arena, in, type, direction, timestamp, r->caller->user_id, msg);
}

/* A created transaction's address. */
static void add_location(struct request *r, const char *id)
{
	if (id && r->status == 201)
		req_add_header(r, "Location", arena_sprintf(r->arena, BASE "/%s", id));
}

/* The create (a keyed route: under an Idempotency-Key it runs inside keyed_run's transaction). */
static void handle_create(struct request *r)
{
	const struct idem unkeyed = {tenant_of(r), NULL, NULL};
	struct itx_input in;
	struct itx_api_result res;
	struct json_object *body;
	const char *msg = NULL;
	int status;

	if (!(body = body_json(r, &msg))) {
		envelope_ondi_error(r, 400, msg);
		return;
	}
	req_json_own(r, body);
	if ((status = parse_create(r, body, &in, &msg)) != 0) {
		envelope_ondi_error(r, status, msg);
		return;
	}
	in.probe = auth_probe(r);
	switch (itx_api_create(r->arena, tenant_of(r), &in, &unkeyed, &res)) {
	case ITX_API_CREATED:
		envelope_reply_text(r, 201, res.body);
		add_location(r, res.id);
		break;
	case ITX_API_REFUSED:
		envelope_ondi_error(r, res.status, res.message);
		break;
	default:
		send_internal(r);
	}
}

/* ---- routes ------------------------------------------------------------ */

/* ledger-check comes before /:id, which would otherwise take it for an id. */
static const struct route routes[] = {
    {"GET", BASE, handle_list, READ_SCOPES, .user_in_query = true, .query = LIST_QUERY},
    {"POST", BASE, handle_create, WRITE_SCOPES, .user_in_query = true, .query = "", .keyed = true},
    {"GET", BASE "/ledger-check", handle_ledger_check, CHECK_SCOPES, .query = ""},
    {"GET", BASE "/:id", handle_get, READ_SCOPES, .user_in_query = true, .query = ""},
    {"PATCH", BASE "/:id", handle_update, WRITE_SCOPES, .query = ""},
    {0},
};

static const struct app inventory_transactions_app = {
    .name = "inventory_transactions",
    .routes = routes,
    .error = envelope_ondi_error,
    .json_bodies = true,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&inventory_transactions_app, argc, argv);
}
