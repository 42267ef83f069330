/* Admin pages of the counter: their started count sessions, and the screen to record counts. */
#include <string.h>

#include "admin.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "base/valid.h"
#include "count/count.h"
#include "count/count_scan.h"
#include "count/count_view.h"
#include "count/count_write.h"
#include "db/db.h"
#include "html/html.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "web/count_body.h"
#include "web/req.h"

#define COUNT_PAGE PAGE_ROOT "/count-sessions"
/* The counter's own records shown under the form. */
#define RECORDS_SHOWN 200

/* ---- your counts ------------------------------------------------------------------------- */

int admin_counting_yours(struct request *r, struct view *page, size_t max)
{
	struct view *list = view_list(r->arena);
	struct db_rows rows;

	if (count_scan_sessions(r->arena, r->caller->tenant_id, r->caller->user_id, &rows) < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows && (!max || i < max); i++) {
		struct view *o = view_map(r->arena);

		view_set_str(o, "code", db_cell(&rows, i, COUNT_SCAN_SESSION_CODE));
		view_set_str(o, "description", db_cell(&rows, i, COUNT_SCAN_SESSION_DESCRIPTION));
		view_set_str(o, "type", db_cell(&rows, i, COUNT_SCAN_SESSION_TYPE));
		view_set_int(o, "targets", count_cell_ll(&rows, i, COUNT_SCAN_SESSION_TARGETS));
		view_set_int(o, "done", count_cell_ll(&rows, i, COUNT_SCAN_SESSION_DONE));
		view_set_str(o, "href",
		             arena_sprintf(r->arena, COUNT_PAGE "/%s/count",
		                           db_cell(&rows, i, COUNT_SCAN_SESSION_ID)));
		view_push(list, o);
	}
	view_set(page, "your_counts", list);
	view_set_bool(page, "has_your_counts", rows.nrows > 0);
	if (max && rows.nrows > max)
		view_set_str(page, "your_counts_more",
		             arena_sprintf(r->arena, "All %zu of your counts", rows.nrows));
	return 0;
}

void admin_counting_list(struct request *r)
{
	struct view *page = page_new(r, "Your counts", "counting");

	if (admin_counting_yours(r, page, 0) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	page_render(r, 200, "counting_list", page);
}

/* ---- the screen ------------------------------------------------------------------------ */

/* What the form holds (as typed), the message beside each field, and where the cursor goes. */
struct scan_form {
	const char *bin, *item, *lot, *qty, *serials;
	const char *bin_error, *item_error, *lot_error, *qty_error, *serials_error;
	const char *error; /* about the whole session, above the form */
	const char *focus; /* "bin", "item" or "qty" */
};

/* The session of the :id parameter, the caller's tenant's; NULL after a 404 or 500 page. */
static const struct count_session *load_session(struct request *r)
{
	const char *id = admin_path_id(r, "Count session");
	struct count_session *s;
	int rc;

	if (!id)
		return NULL;
	s = arena_alloc(r->arena, sizeof(*s));
	rc = count_session_load(r->arena, r->caller->tenant_id, id, COUNT_READ, s);
	if (rc != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "Count session not found");
		return NULL;
	}
	return s;
}

/* Whether the caller counts in s (as the API's records check); false after a 403 or 500 page. */
static bool assigned(struct request *r, const struct count_session *s)
{
	int rc = count_is_assigned(r->arena, r->caller->tenant_id, s->id, r->caller->user_id);

	if (rc < 0)
		page_error(r, 500, "Internal server error");
	else if (rc == 0)
		page_error(r, 403, "You are not assigned to this count session");
	return rc > 0;
}

/*
 * The caller's targets, a target done when every key of it is counted: the
 * list for the page and the progress figures.
 */
static int targets_view(struct request *r, const struct count_session *s, struct view *page)
{
	struct view *list = view_list(r->arena), *cur = NULL;
	struct db_rows rows;
	long long total = 0, done = 0, no = -1;
	bool cur_done = false;

	if (count_scan_targets(r->arena, r->caller->tenant_id, s, r->caller->user_id, &rows) < 0)
		return -1;
	for (size_t i = 0; i <= rows.nrows; i++) {
		long long n = i < rows.nrows ? count_cell_ll(&rows, i, COUNT_SCAN_TARGET_NO) : -2;
		struct buf b;

		if (n != no && cur) { /* the target before is complete */
			view_set_bool(cur, "done", cur_done);
			done += cur_done;
			cur = NULL;
		}
		if (i == rows.nrows)
			break;
		if (n != no) {
			no = n;
			cur = view_map(r->arena);
			cur_done = true;
			total++;
			view_set_str(cur, "code", db_cell(&rows, i, COUNT_SCAN_CODE));
			view_set_str(cur, "label", db_cell(&rows, i, COUNT_SCAN_LABEL));
			view_push(list, cur);
		} else { /* a target of several keys: "A-01 + A-02" */
			buf_init(&b);
			buf_appendf(&b, "%s + %s", listing_str(cur, "code"),
			            db_cell(&rows, i, COUNT_SCAN_CODE));
			view_set_str(cur, "code", arena_strdup(r->arena, buf_cstr(&b)));
			buf_release(&b);
		}
		cur_done = cur_done && count_cell_ll(&rows, i, COUNT_SCAN_DONE) == 1;
	}
	view_set(page, "targets", list);
	view_set_int(page, "targets_total", total);
	view_set_int(page, "targets_done", done);
	view_set_bool(page, "all_done", total > 0 && done == total);
	return 0;
}

/* The caller's own records, as a counter sees them whatever their scopes (blind stays blind). */
static int records_view(struct request *r, const struct count_session *s,
                        const struct count_view *v, struct view *page)
{
	struct view *list = view_list(r->arena);
	struct db_rows rows;
	long long total = 0;

	if (count_view_records(r->arena, s, v, RECORDS_SHOWN, 0, &rows, &total) < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows; i++) {
		struct view *o = view_row(r->arena, &rows, i);

		view_set_str(o, "updated_at", page_time_text(r, listing_str(o, "updated_at")));
		view_push(list, o);
	}
	view_set(page, "records", list);
	view_set_bool(page, "has_records", rows.nrows > 0);
	view_set_int(page, "records_total", total);
	return 0;
}

/* "Recorded 12 × ITEM-001 in A-01-01", from the stored record; NULL when it is not the caller's. */
static const char *confirmation(struct request *r, const struct count_session *s,
                                const struct count_view *v)
{
	const char *id = req_query(r, "recorded"), *was = req_query(r, "was");
	struct db_rows rows;
	long long earlier;
	int bin, sku, qty;

	if (!id || !valid_uuid(id) ||
	    count_view_record(r->arena, s, v, valid_id_norm(r->arena, id), &rows) < 0 ||
	    rows.nrows == 0)
		return NULL;
	bin = db_col(&rows, "bin_code");
	sku = db_col(&rows, "sku");
	qty = db_col(&rows, "counted_qt");
	if (bin < 0 || sku < 0 || qty < 0)
		return NULL;
	return arena_sprintf(
	    r->arena, "Recorded %s × %s in %s.%s", db_cell(&rows, 0, (size_t)qty),
	    db_cell(&rows, 0, (size_t)sku), db_cell(&rows, 0, (size_t)bin),
	    was && valid_int64(was, &earlier)
	        ? arena_sprintf(r->arena, " Recount: your earlier count was %lld.", earlier)
	        : "");
}

static void form_view(struct request *r, const struct scan_form *f, struct view *page)
{
	struct view *o = view_map(r->arena);

	view_set_str(o, "bin", f->bin);
	view_set_str(o, "item", f->item);
	view_set_str(o, "lot", f->lot);
	view_set_str(o, "qty", f->qty);
	view_set_str(o, "serials", f->serials);
	view_set_str(o, "bin_error", f->bin_error);
	view_set_str(o, "item_error", f->item_error);
	view_set_str(o, "lot_error", f->lot_error);
	view_set_str(o, "qty_error", f->qty_error);
	view_set_str(o, "serials_error", f->serials_error);
	/* The cursor: on the first field with a message, else where the step left it. */
	view_set_bool(o, "focus_bin",
	              f->bin_error || (!f->item_error && !f->qty_error && f->focus &&
	                               strcmp(f->focus, "bin") == 0));
	view_set_bool(o, "focus_item",
	              !f->bin_error && (f->item_error || (!f->qty_error && f->focus &&
	                                                  strcmp(f->focus, "item") == 0)));
	view_set_bool(o, "focus_qty",
	              !f->bin_error && !f->item_error &&
	                  (f->qty_error || f->lot_error || f->serials_error ||
	                   (f->focus && strcmp(f->focus, "qty") == 0)));
	view_set(page, "form", o);
}

/* The screen of s for the caller, with the form as given, a notice and a status. */
static void screen(struct request *r, const struct count_session *s, int status,
                   const struct scan_form *f, const char *notice)
{
	struct view *page = page_new(r, arena_sprintf(r->arena, "Count %s", s->code), "counting");
	struct count_view v;
	struct db_rows doc;
	int serials;
	bool started = strcmp(s->status, "started") == 0;

	/* A counter's view whatever the caller's scopes: a supervisor counting is blind too. */
	count_view_init(&v, s, r->caller->tenant_id, r->caller->user_id, "");
	if (count_view_session(r->arena, r->caller->tenant_id, s->id, &doc) < 0 || !doc.nrows ||
	    targets_view(r, s, page) < 0 ||
	    (s->baseline_snapshot_key && records_view(r, s, &v, page) < 0) ||
	    (serials = count_scan_serials(r->arena, r->caller->tenant_id, s)) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	view_set(page, "session", view_row(r->arena, &doc, 0));
	view_set_bool(page, "position", strcmp(s->type, "position") == 0);
	view_set_bool(page, "blind", s->blind_quantities);
	view_set_bool(page, "show_qty", v.show_qty);
	view_set_bool(page, "track_serials", serials > 0);
	view_set_bool(page, "started", started);
	view_set_str(page, "action", arena_sprintf(r->arena, COUNT_PAGE "/%s/count", s->id));
	view_set_str(page, "session_href", arena_sprintf(r->arena, COUNT_PAGE "/%s", s->id));
	view_set_str(page, "notice", notice);
	view_set_str(page, "error", f->error);
	if (!started)
		view_set_str(
		    page, "closed",
		    arena_sprintf(r->arena,
		                  "This count session is %s: counts are recorded only while "
		                  "a count session is started.",
		                  s->status));
	form_view(r, f, page);
	page_render(r, status, "counting", page);
}

void admin_counting_screen(struct request *r)
{
	const struct count_session *s = load_session(r);
	struct scan_form f = {0};
	struct count_view v;

	if (!s || !assigned(r, s))
		return;
	count_view_init(&v, s, r->caller->tenant_id, r->caller->user_id, "");
	f.bin = req_query(r, "bin");
	if (f.bin && !*f.bin)
		f.bin = NULL;
	f.focus = f.bin ? "item" : "bin";
	screen(r, s, 200, &f, s->baseline_snapshot_key ? confirmation(r, s, &v) : NULL);
}

/* ---- recording: one step at a time ------------------------------------------------------ */

/* "message: detail", or the message alone. */
static const char *with_detail(struct request *r, const char *message, const char *detail)
{
	return detail && *detail ? arena_sprintf(r->arena, "%s: %s", message, detail) : message;
}

/* Puts a refusal beside the field it concerns (by the API's message), else above the form. */
static void place_error(struct request *r, struct scan_form *f, const char *message,
                        const char *detail)
{
	const char *text = with_detail(r, message, detail);

	if (strstr(message, "bin") || strncmp(message, "Bin", 3) == 0)
		f->bin_error = text;
	else if (strstr(message, "item") || strncmp(message, "Item", 4) == 0)
		f->item_error = text;
	else if (strstr(message, "counted_qt"))
		f->qty_error = text;
	else if (strstr(message, "serials"))
		f->serials_error = text;
	else if (strstr(message, "lot_number"))
		f->lot_error = text;
	else
		f->error = text;
}

/* The bin step: the bin exists (and is one of the caller's targets in a position session). */
static int check_bin(struct request *r, const struct count_session *s, struct scan_form *f,
                     const char **bin_id)
{
	const char *t = r->caller->tenant_id, *u = r->caller->user_id;
	int rc;

	if (!f->bin) {
		f->bin_error = "Field required: bin_id";
		return 400;
	}
	rc = count_scan_bin(r->arena, t, s, u, f->bin, bin_id);
	if (rc < 0)
		return -1;
	if (rc == COUNT_FOUND_NONE) {
		f->bin_error = with_detail(r, "Bin not found", f->bin);
		return 404;
	}
	if (rc == COUNT_FOUND_MANY) {
		f->bin_error = arena_sprintf(r->arena,
		                             "Ambiguous bin code %s: it is used in several "
		                             "warehouses; give the bin id",
		                             f->bin);
		return 400;
	}
	if (strcmp(s->type, "position") != 0)
		return 0;
	if ((rc = count_in_targets(r->arena, t, s, u, *bin_id, NULL)) <= 0) {
		f->bin_error = with_detail(r, "Bin is not among your count targets", f->bin);
		return rc < 0 ? -1 : 400;
	}
	return 0;
}

/* The item step: a SKU or barcode of the tenant (one of the targets in a product session). */
static int check_item(struct request *r, const struct count_session *s, struct scan_form *f,
                      const char **item_id)
{
	const char *t = r->caller->tenant_id, *u = r->caller->user_id;
	int rc = count_scan_item(r->arena, t, f->item, item_id);

	if (rc < 0)
		return -1;
	if (rc == COUNT_FOUND_NONE) {
		f->item_error = with_detail(r, "Item not found", f->item);
		return 404;
	}
	if (strcmp(s->type, "product") != 0)
		return 0;
	if ((rc = count_in_targets(r->arena, t, s, u, NULL, *item_id)) <= 0) {
		f->item_error = with_detail(r, "Item is not among your count targets", f->item);
		return rc < 0 ? -1 : 400;
	}
	return 0;
}

/* The serials textarea, one per line, as the API's array (blank lines skipped). */
static struct json_object *serials_json(struct request *r, const char *text)
{
	struct json_object *arr = json_object_new_array();
	const char *p = text;

	if (!arr)
		log_fatal("admin: out of memory (json)");
	while (p && *p) {
		size_t n = strcspn(p, "\r\n");
		const char *line = arena_strndup(r->arena, p, n);
		const char *start = line;
		size_t len = n;

		while (len && (*start == ' ' || *start == '\t'))
			start++, len--;
		while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
			len--;
		if (len)
			json_object_array_add(arr, json_object_new_string_len(start, (int)len));
		p += n;
		p += strspn(p, "\r\n");
	}
	return arr;
}

/* The API's body of the line, so count_body_entry checks it with the API's messages. */
static struct json_object *entry_json(struct request *r, const struct scan_form *f,
                                      const char *bin_id, const char *item_id, bool serials)
{
	struct json_object *o = json_object_new_object();
	long long n;

	if (!o)
		log_fatal("admin: out of memory (json)");
	req_json_own(r, o);
	jval_add_str(o, "bin_id", bin_id);
	jval_add_str(o, "item_id", item_id);
	if (valid_int64(f->qty, &n))
		jval_add_int(o, "counted_qt", n);
	else
		jval_add_str(o, "counted_qt", f->qty); /* refused as the API refuses it */
	if (f->lot)
		jval_add_str(o, "lot_number", f->lot);
	if (serials)
		json_object_object_add(o, "serials", serials_json(r, f->serials));
	return o;
}

/* A URL query value, percent-encoded. */
static const char *url_arg(struct request *r, const char *s)
{
	struct buf b;
	const char *out;

	buf_init(&b);
	html_url_arg(&b, s);
	out = arena_strdup(r->arena, buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* The last step: the line recorded through the API's write, then back to the screen. */
static int record_line(struct request *r, const struct count_session *s, struct scan_form *f,
                       const char *bin_id, const char *item_id)
{
	struct count_entry e;
	struct count_session after;
	struct count_result res = {0};
	const char *msg = NULL, *detail = NULL, *record_id = NULL;
	long long earlier = 0;
	int serials = count_scan_serials(r->arena, r->caller->tenant_id, s), rc, had;

	if (serials < 0)
		return -1;
	if (count_body_entry(r->arena, entry_json(r, f, bin_id, item_id, serials > 0 && f->serials),
	                     &e, &msg, &detail) != 0) {
		place_error(r, f, msg, detail);
		return 400;
	}
	had = count_scan_earlier(r->arena, r->caller->tenant_id, s->id, r->caller->user_id, &e,
	                         &earlier);
	if (had < 0)
		return -1;
	rc = count_write_record(r->arena, r->caller->tenant_id, s->id, r->caller->user_id, &e,
	                        &after, &record_id, &res);
	if (rc == COUNT_REFUSED) {
		place_error(r, f, res.message, res.detail);
		return res.status;
	}
	if (rc != 0)
		return -1;
	log_info("admin: count record %s in session %s by %s", record_id, s->id,
	         r->caller->user_id);
	page_redirect(r, arena_sprintf(r->arena, COUNT_PAGE "/%s/count?bin=%s&recorded=%s%s", s->id,
	                               url_arg(r, f->bin), record_id,
	                               had ? arena_sprintf(r->arena, "&was=%lld", earlier) : ""));
	return 0;
}

/* Reads the form's fields: blanks trimmed, serials as typed. */
static void read_form(struct request *r, const struct kvlist *form, struct scan_form *f)
{
	const char *serials = kvlist_get(form, "serials");

	f->bin = page_field(r, form, "bin");
	f->item = page_field(r, form, "item");
	f->lot = page_field(r, form, "lot");
	f->qty = page_field(r, form, "qty");
	f->serials = serials && *serials ? serials : NULL;
}

/*
 * A scanner types a code and Enter, which submits the form: the filled fields
 * say which step this is. Bin alone: checked, back with the cursor in item;
 * bin and item: checked, back with the cursor in quantity; with a quantity:
 * recorded.
 */
void admin_counting_record(struct request *r)
{
	const struct count_session *s;
	struct scan_form f = {0};
	struct kvlist form;
	const char *bin_id = NULL, *item_id = NULL;
	int status;

	/* The form token first, as on every form; then the API's order: session, assignment. */
	if (!page_form(r, &form) || !(s = load_session(r)) || !assigned(r, s))
		return;
	read_form(r, &form, &f);
	if (strcmp(s->status, "started") != 0) {
		f.error = arena_sprintf(r->arena, "Count session is %s", s->status);
		screen(r, s, 409, &f, NULL);
		return;
	}
	if ((status = check_bin(r, s, &f, &bin_id)) == 0) {
		f.focus = "item";
		if (f.item && (status = check_item(r, s, &f, &item_id)) == 0) {
			f.focus = "qty";
			if (f.qty && (status = record_line(r, s, &f, bin_id, item_id)) == 0)
				return; /* recorded: redirected */
		}
	}
	if (status < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	screen(r, s, status ? status : 200, &f, NULL);
}
