/* Admin pages reviewing a count session: conflicts and their resolution, variances, apply. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/valid.h"
#include "count/count.h"
#include "count/count_apply.h"
#include "count/count_view.h"
#include "count/count_write.h"
#include "db/db.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "web/count_body.h"
#include "web/req.h"

#define COUNT_PAGE PAGE_ROOT "/count-sessions"
/* Records of conflicting lines shown on the page: far more than a count ever disagrees on. */
#define CONFLICT_RECORDS_SHOWN 1000
/* Half the width of a variance bar's drawing (viewBox 0 0 200 10, the axis at 100). */
#define BAR_HALF 98

/* ---- conflicts --------------------------------------------------------------------------- */

/* The key of a line as the resolve form sends it back: bin, item and lot ("" for none). */
static const char *line_key(struct arena *a, const char *bin_id, const char *item_id,
                            const char *lot)
{
	return arena_sprintf(a, "%s/%s/%s", bin_id, item_id, lot ? lot : "");
}

/* A record's serials (JSON array text) one a line; "" for none. */
static const char *serial_lines(struct arena *a, const char *json)
{
	struct json_object *arr = json ? json_tokener_parse(json) : NULL;
	struct buf b;
	const char *out;

	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return "";
	}
	buf_init(&b);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		buf_appendf(&b, "%s%s", i ? "\n" : "",
		            json_object_get_string(json_object_array_get_idx(arr, i)));
	out = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	json_object_put(arr);
	return out;
}

/* Cell col of row i, "" for none (a column the view left out, or NULL). */
static const char *cell(struct arena *a, const struct db_rows *rows, size_t i, const char *col)
{
	int c = db_col(rows, col);
	const char *v = c < 0 ? NULL : db_cell_text(a, rows, i, (size_t)c);

	return v ? v : "";
}

/* Adds a "use this count" choice unless the line already offers the same count. */
static void add_choice(struct arena *a, struct view *choices, const char *qt, const char *serials)
{
	struct view *o;

	for (size_t i = 0; i < view_len(choices); i++) {
		const struct view *c = view_at(choices, i);

		if (strcmp(listing_str(c, "counted_qt"), qt) == 0 &&
		    strcmp(listing_str(c, "serials"), serials) == 0)
			return;
	}
	o = view_map(a);
	view_set_str(o, "counted_qt", qt);
	view_set_str(o, "serials", serials);
	view_push(choices, o);
}

/* A conflict being built: its map and, in it, the lists records are added to. */
struct conflict {
	struct view *map, *counts, *choices;
};

/* A new conflict (one line) from the first of its records, row i. */
static struct conflict conflict_of(struct request *r, const struct db_rows *rows, size_t i,
                                   const char *key, size_t n)
{
	struct conflict cf = {view_map(r->arena), view_list(r->arena), view_list(r->arena)};
	struct view *c = cf.map;
	int sys = db_col(rows, "system_qt");

	view_set_int(c, "n", (long long)n);
	view_set_str(c, "key", key);
	view_set_str(c, "bin_id", cell(r->arena, rows, i, "bin_id"));
	view_set_str(c, "item_id", cell(r->arena, rows, i, "item_id"));
	view_set_str(c, "lot_number", cell(r->arena, rows, i, "lot_number"));
	view_set_str(c, "bin_code", cell(r->arena, rows, i, "bin_code"));
	view_set_str(c, "sku", cell(r->arena, rows, i, "sku"));
	view_set_str(c, "item_name", cell(r->arena, rows, i, "item_name"));
	/* The view leaves the column out of what the caller may not see. */
	if (sys >= 0)
		view_set_str(c, "system_qt", db_cell(rows, i, (size_t)sys));
	view_set(c, "counts", cf.counts);
	view_set(c, "choices", cf.choices);
	return cf;
}

/* One counter's count of the conflict's line, and the choice of taking it. */
static void add_count(struct request *r, const struct conflict *cf, const struct db_rows *rows,
                      size_t i)
{
	struct view *o = view_map(r->arena);
	const char *user = cell(r->arena, rows, i, "user_key");
	const char *qt = cell(r->arena, rows, i, "counted_qt");
	const char *serials =
	    serial_lines(r->arena, db_cell(rows, i, (size_t)db_col(rows, "serials")));

	view_set_str(o, "user", strncmp(user, "user/", 5) == 0 ? user + 5 : user);
	view_set_str(o, "counted_qt", qt);
	view_set_str(o, "serials", serials);
	view_set_str(o, "recorded_at", page_time_text(r, cell(r->arena, rows, i, "recorded_at")));
	view_push(cf->counts, o);
	add_choice(r->arena, cf->choices, qt, serials);
}

/* What a refused resolution of this line held: its message and the values typed. */
static bool add_retry(struct view *conflict, const struct admin_count_retry *retry)
{
	if (!retry || strcmp(retry->form, "resolve") != 0 || !retry->line ||
	    strcmp(retry->line, listing_str(conflict, "key")) != 0)
		return false;
	view_set_str(conflict, "error", retry->message);
	view_set_str(conflict, "typed_qt", retry->counted_qt);
	view_set_str(conflict, "typed_serials", retry->serials);
	return true;
}

/* A refused form's message that no form on the page shows: above the page, after what. */
static void retry_above(struct request *r, struct view *page, const char *what,
                        const struct admin_count_retry *retry)
{
	view_set_str(page, "error", arena_sprintf(r->arena, "%s: %s", what, retry->message));
}

/*
 * The open conflicts: per line, the disagreeing counts (who, what, when) and,
 * for those who may resolve while the session is started, a resolve form.
 * Only supervisors see everyone's counts (count_view); others see none here.
 */
static int conflicts_data(struct request *r, const struct count_session *s,
                          const struct count_view *v, const struct admin_count_retry *retry,
                          struct view *page)
{
	struct view *list = view_list(r->arena);
	struct conflict cur = {0};
	struct db_rows rows = {0};
	const char *cur_key = "";
	bool can = strcmp(s->status, "started") == 0 && page_can(r, ADMIN_COUNT_APPLY_SCOPES);
	bool shown = false;

	view_set(page, "conflicts", list);
	view_set_bool(page, "can_resolve", can);
	if (v->supervisor &&
	    count_view_conflicts(r->arena, s, v, CONFLICT_RECORDS_SHOWN, &rows) < 0)
		return -1;
	for (size_t i = 0; v->supervisor && i < rows.nrows; i++) {
		const char *key = line_key(r->arena, cell(r->arena, &rows, i, "bin_id"),
		                           cell(r->arena, &rows, i, "item_id"),
		                           cell(r->arena, &rows, i, "lot_number"));

		if (!cur.map || strcmp(key, cur_key) != 0) {
			cur = conflict_of(r, &rows, i, key, view_len(list) + 1);
			cur_key = key;
			shown |= can && add_retry(cur.map, retry);
			view_push(list, cur.map);
		}
		add_count(r, &cur, &rows, i);
	}
	/* A refusal whose conflict the page does not offer to resolve (gone, or not now). */
	if (retry && strcmp(retry->form, "resolve") == 0 && !shown)
		retry_above(r, page, "The conflict was not resolved", retry);
	view_set_bool(page, "has_conflicts", view_len(list) > 0);
	view_set_int(page, "nconflicts", (long long)view_len(list));
	return 0;
}

/* ---- variances --------------------------------------------------------------------------- */

/* A counted line and its difference, for sorting. */
struct variance {
	size_t row;
	bool settled; /* false while the line's counts conflict */
	long long diff;
};

static long long magnitude(long long x)
{
	return x < 0 ? -x : x;
}

/* Largest difference first; lines in conflict (no difference yet) last; then as read. */
static int by_size(const void *pa, const void *pb)
{
	const struct variance *a = pa, *b = pb;

	if (a->settled != b->settled)
		return a->settled ? -1 : 1;
	if (magnitude(a->diff) != magnitude(b->diff))
		return magnitude(a->diff) > magnitude(b->diff) ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

/* The bar of a difference: from the axis leftwards (loss) or rightwards (gain), scaled to max. */
static void set_bar(struct request *r, struct view *o, long long diff, long long max)
{
	long long w = max ? (magnitude(diff) * BAR_HALF + max - 1) / max : 0;

	view_set_bool(o, "bar", diff != 0);
	view_set_str(o, "bar_class", diff < 0 ? "loss" : "gain");
	view_set_int(o, "bar_x", diff < 0 ? 100 - w : 100);
	view_set_int(o, "bar_w", w);
	view_set_str(o, "diff_text",
	             diff > 0 ? arena_sprintf(r->arena, "+%lld", diff)
	                      : arena_sprintf(r->arena, "%lld", diff));
	view_set_str(o, "diff_class", diff < 0 ? "negative" : diff > 0 ? "positive" : "");
}

static struct view *variance_view(struct request *r, const struct db_rows *rows,
                                  const struct variance *x, long long max)
{
	struct view *o = view_map(r->arena);
	const char *lot = db_cell(rows, x->row, COUNT_LINE_LOT);

	view_set_str(o, "bin_code", db_cell(rows, x->row, COUNT_LINE_BIN_CODE));
	view_set_str(o, "sku", db_cell(rows, x->row, COUNT_LINE_SKU));
	view_set_str(o, "item_name", db_cell(rows, x->row, COUNT_LINE_ITEM_NAME));
	view_set_str(o, "lot_number", lot && *lot ? lot : NULL);
	view_set_str(o, "system_qt", db_cell(rows, x->row, COUNT_LINE_SYSTEM_QT));
	view_set_str(o, "counted_qt", db_cell(rows, x->row, COUNT_LINE_COUNTED_QT));
	view_set_bool(o, "conflict", !x->settled);
	view_set_bool(o, "resolved", count_cell_ll(rows, x->row, COUNT_LINE_RESOLVED) != 0);
	if (x->settled)
		set_bar(r, o, x->diff, max);
	return o;
}

/*
 * The variances for those the API shows them to (supervisors): every counted
 * line by the size of its difference, with a bar scaled to the largest.
 */
static int variances_data(struct request *r, const struct count_session *s,
                          const struct count_view *v, struct view *page)
{
	struct db_rows rows;
	struct count_variance_summary sum;
	struct variance *xs;
	struct view *list = view_list(r->arena), *summary;
	long long max = 0;

	if (!v->supervisor)
		return 0;
	if (count_view_variances(r->arena, r->caller->tenant_id, s, &rows, &sum) < 0)
		return -1;
	xs = arena_alloc(r->arena, (rows.nrows ? rows.nrows : 1) * sizeof(*xs));
	for (size_t i = 0; i < rows.nrows; i++) {
		xs[i].row = i;
		xs[i].settled = count_view_difference(&rows, i, &xs[i].diff);
		if (xs[i].settled && magnitude(xs[i].diff) > max)
			max = magnitude(xs[i].diff);
	}
	qsort(xs, rows.nrows, sizeof(*xs), by_size);
	for (size_t i = 0; i < rows.nrows; i++)
		view_push(list, variance_view(r, &rows, &xs[i], max));
	summary = view_map(r->arena);
	view_set_int(summary, "lines", sum.lines);
	view_set_int(summary, "variances", sum.variances);
	view_set_int(summary, "conflicts", sum.conflicts);
	view_set(page, "summary", summary);
	view_set(page, "variances", list);
	view_set_bool(page, "has_variances", view_len(list) > 0);
	return 0;
}

int admin_count_review(struct request *r, const struct count_session *s, const struct count_view *v,
                       const struct admin_count_retry *retry, struct view *page)
{
	bool upload = retry && strcmp(retry->form, "upload") == 0;
	/* Uploads are the API's import: a started session, the import's scope, an assignment. */
	bool can = strcmp(s->status, "started") == 0 && page_can(r, ADMIN_COUNT_IMPORT_SCOPES);
	int assigned =
	    can ? count_is_assigned(r->arena, r->caller->tenant_id, s->id, r->caller->user_id) : 0;

	if (assigned < 0)
		return -1;
	can = assigned == 1;
	view_set_bool(page, "can_upload", can);
	view_set_str(page, "upload_error", upload && can ? retry->message : NULL);
	if (upload && !can)
		retry_above(r, page, "The file was not imported", retry);
	return conflicts_data(r, s, v, retry, page) < 0 || variances_data(r, s, v, page) < 0 ? -1
	                                                                                     : 0;
}

/* ---- resolving a conflict ------------------------------------------------------------- */

/* The serials typed one a line as a JSON array; NULL when none were typed. */
static struct json_object *serials_json(const char *text)
{
	struct json_object *arr;

	if (!text || !*text)
		return NULL;
	arr = json_object_new_array();
	for (const char *p = text; *p; p += strspn(p, "\r\n")) {
		size_t n = strcspn(p, "\r\n"), start = 0, end = n;

		/* Blanks around a serial are not part of it; empty lines are skipped. */
		while (start < end && (p[start] == ' ' || p[start] == '\t'))
			start++;
		while (end > start && (p[end - 1] == ' ' || p[end - 1] == '\t'))
			end--;
		if (end > start)
			json_object_array_add(
			    arr, json_object_new_string_len(p + start, (int)(end - start)));
		p += n;
	}
	return arr;
}

/* The resolve body the API takes, built from the form, so that its checks apply unchanged. */
static struct json_object *resolution_json(struct request *r, const struct kvlist *form)
{
	struct json_object *o = json_object_new_object(), *serials;
	const char *qt = page_field(r, form, "counted_qt");
	const char *lot = page_field(r, form, "lot_number");
	long long n;

	if (!o)
		log_fatal("admin: out of memory (json)");
	req_json_own(r, o);
	jval_add_str(o, "bin_id", page_field(r, form, "bin_id"));
	jval_add_str(o, "item_id", page_field(r, form, "item_id"));
	if (lot)
		jval_add_str(o, "lot_number", lot);
	if (qt && valid_int64(qt, &n))
		jval_add_int(o, "counted_qt", n);
	else if (qt)
		jval_add_str(o, "counted_qt", qt); /* refused as the API refuses it */
	if ((serials = serials_json(kvlist_get(form, "serials"))))
		json_object_object_add(o, "serials", serials);
	return o;
}

/* The session page again with the refusal beside the conflict's form. */
static void resolve_refused(struct request *r, const char *id, const struct kvlist *form,
                            int status, const char *message)
{
	struct admin_count_retry retry = {
	    .form = "resolve",
	    .line = line_key(r->arena, kvlist_get(form, "bin_id") ? kvlist_get(form, "bin_id") : "",
	                     kvlist_get(form, "item_id") ? kvlist_get(form, "item_id") : "",
	                     kvlist_get(form, "lot_number")),
	    .counted_qt = kvlist_get(form, "counted_qt"),
	    .serials = kvlist_get(form, "serials"),
	    .message = message,
	};

	admin_count_session_page(r, id, status, NULL, "The conflict was not resolved.", &retry);
}

void admin_count_resolve(struct request *r)
{
	struct kvlist form;
	struct count_entry e;
	struct count_session s;
	struct count_result res;
	const char *id, *msg = NULL, *detail = NULL;
	int rc;

	if (!(id = admin_path_id(r, "Count session")) || !page_form(r, &form))
		return;
	if (count_body_entry(r->arena, resolution_json(r, &form), &e, &msg, &detail) != 0) {
		resolve_refused(r, id, &form, 400, admin_count_message(r, msg, detail));
		return;
	}
	/* The API's resolution, in its own transaction: same scope, rules and messages. */
	rc = count_write_resolve(r->arena, r->caller->tenant_id, id, r->caller->user_id, &e, &s,
	                         &res);
	if (rc == COUNT_REFUSED && res.status == 404 &&
	    strcmp(res.message, "Count session not found") == 0)
		page_error(r, 404, "Count session not found");
	else if (rc == COUNT_REFUSED)
		resolve_refused(r, id, &form, res.status,
		                admin_count_message(r, res.message, res.detail));
	else if (rc != 0)
		page_error(r, 500, "Internal server error");
	else {
		log_info("admin: count session %s: line %s/%s resolved as %lld by %s", id, e.bin_id,
		         e.item_id, e.counted_qt, r->caller->user_id);
		page_redirect(r, arena_sprintf(r->arena, COUNT_PAGE "/%s?done=resolved", id));
	}
}

/* ---- applying: the confirmation ------------------------------------------------------------ */

static struct view *step_view(struct request *r, const struct count_apply_step *st)
{
	struct view *o = view_map(r->arena);
	long long change = st->after - st->before;

	view_set_str(o, "bin_code", st->bin_code);
	view_set_str(o, "sku", st->sku);
	view_set_str(o, "item_name", st->item_name);
	view_set_str(o, "lot_number", st->lot && *st->lot ? st->lot : NULL);
	view_set_int(o, "baseline", st->baseline);
	view_set_int(o, "counted", st->counted);
	view_set_bool(o, "new_record", st->stock_id == NULL);
	view_set_int(o, "before", st->before);
	view_set_int(o, "after", st->after);
	view_set_str(o, "change",
	             change > 0 ? arena_sprintf(r->arena, "+%lld", change)
	                        : arena_sprintf(r->arena, "%lld", change));
	view_set_str(o, "change_class", change < 0 ? "negative" : "positive");
	return o;
}

/* The plan's figures and steps, and the final button's label. */
static void plan_data(struct request *r, const struct count_apply_plan *plan, struct view *page)
{
	struct view *steps = view_list(r->arena);

	for (size_t i = 0; i < plan->nsteps; i++)
		view_push(steps, step_view(r, &plan->steps[i]));
	view_set(page, "steps", steps);
	view_set_bool(page, "has_steps", plan->nsteps > 0);
	view_set_int(page, "nsteps", (long long)plan->nsteps);
	view_set_int(page, "nlines", (long long)plan->lines);
	view_set_int(page, "nvariances", (long long)plan->variances);
	view_set_str(page, "button",
	             plan->nsteps == 0 ? "Apply without adjustments"
	             : plan->nsteps == 1
	                 ? "Post 1 adjustment"
	                 : arena_sprintf(r->arena, "Post %zu adjustments", plan->nsteps));
	view_set_str(page, "transactions",
	             plan->nsteps == 1
	                 ? "1 ledger transaction"
	                 : arena_sprintf(r->arena, "%zu ledger transactions", plan->nsteps));
}

/*
 * GET .../apply: what applying would post now (count_apply_plan, the apply's
 * own rules), and the button that applies. A session that cannot be applied,
 * or whose plan is refused, gets the reason (409) and no button.
 */
void admin_count_apply_form(struct request *r)
{
	const char *id = admin_path_id(r, "Count session");
	struct count_session s;
	struct count_apply_plan plan;
	struct count_result res;
	struct view *page;
	int rc;

	if (!id)
		return;
	if ((rc = count_session_load(r->arena, r->caller->tenant_id, id, COUNT_READ, &s)) != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "Count session not found");
		return;
	}
	page = page_new(r, arena_sprintf(r->arena, "Apply count session %s", s.code), "count");
	view_set_str(page, "id", s.id);
	view_set_str(page, "code", s.code);
	view_set_str(page, "status", s.status);
	if (!count_next_status(s.status, COUNT_APPLY)) {
		view_set_str(
		    page, "error",
		    arena_sprintf(r->arena,
		                  "Only a completed count session can be applied; this one "
		                  "is %s.",
		                  s.status));
		page_render(r, 409, "count_apply", page);
		return;
	}
	if ((rc = count_apply_plan(r->arena, r->caller->tenant_id, &s, &plan, &res)) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	if (rc == COUNT_REFUSED) {
		view_set_str(page, "error", admin_count_message(r, res.message, res.detail));
		page_render(r, res.status, "count_apply", page);
		return;
	}
	view_set_bool(page, "can_apply", true);
	plan_data(r, &plan, page);
	page_render(r, 200, "count_apply", page);
}
