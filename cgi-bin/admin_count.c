/* Admin pages of cycle counting: the count sessions listing, a session, the create form, lifecycle.
 * Reviewing a session (conflicts, uploads, variances, apply) is admin_count_review.c.
 */
#include <string.h>
#include <time.h>

#include "admin.h"
#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/valid.h"
#include "count/count.h"
#include "count/count_input.h"
#include "count/count_view.h"
#include "count/count_write.h"
#include "db/db.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "html/view_json.h"
#include "web/count_body.h"
#include "web/count_json.h"
#include "web/req.h"
#include "web/resource.h"

#define COUNT_PAGE PAGE_ROOT "/count-sessions"
/* Count records shown on a session's page. */
#define RECORDS_SHOWN 200

/* ---- the listing --------------------------------------------------------------------- */

/* The list filters of GET /inventory/count-session (status, type, search), for res_build_where. */
static const struct field session_filter_fields[] = {
    {.name = "status", .kind = FIELD_ENUM, .flags = RES_FILTER, .values = count_statuses},
    {.name = "type", .kind = FIELD_ENUM, .flags = RES_FILTER, .values = count_types},
    {0},
};

static const char *const session_search[] = {"t.code", "t.description", "t.notes", NULL};

static const struct resource session_filters = {
    .table = "count_sessions",
    .fields = session_filter_fields,
    .search = session_search,
};

static const struct listing_col session_cols[] = {
    {"Code", "code", LIST_TEXT, "code", "t.code", COUNT_PAGE "/"},
    {"Description", "description", LIST_TEXT, "description", "t.description", NULL},
    {"Type", "type", LIST_TEXT, "type", "t.type", NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {"Blind", "blind", LIST_TEXT, NULL, NULL, NULL},
    {"Counters", "counters", LIST_NUM, "counters", "counters", NULL},
    {"Scheduled", "scheduled_start", LIST_TIME, "scheduled", "t.scheduled_start", NULL},
    {"Created", "created", LIST_TIME, "created", "t.created", NULL},
    {0},
};

static const struct listing_filter session_filter_inputs[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"status", "Status", LIST_IN_SELECT, count_statuses, NULL},
    {"type", "Type", LIST_IN_SELECT, count_types, NULL},
    {0},
};

const struct listing admin_count_listing = {
    .title = "Count sessions",
    .path = COUNT_PAGE,
    .section = "count",
    .csv_name = "count-sessions.csv",
    .cols = session_cols,
    .filters = session_filter_inputs,
    .default_sort = "created",
    .default_desc = true,
    .fetch = listing_sql_fetch,
    .new_href = COUNT_PAGE "/new",
    .new_label = "New count session",
    .new_scopes = ADMIN_COUNT_CREATE_SCOPES,
    .empty_title = "No count sessions yet",
    .empty_text = "A count session compares the stock of a warehouse, or part of it, with what "
                  "people count on the shelves.",
    .empty_action = "Plan the first count session",
    .res = &session_filters,
    .select = "SELECT t.id AS id, t.code AS code, t.description AS description, t.type AS type,"
              " t.status AS status, IF(t.blind_quantities, 'quantities', '') AS blind,"
              " (SELECT COUNT(*) FROM count_assignments g WHERE g.tenant_id = t.tenant_id"
              " AND g.session_id = t.id) AS counters, t.scheduled_start AS scheduled_start,"
              " t.created AS created",
};

/* Counters find their screen here too: "Your counts" above the sessions, when they have some. */
static int your_counts(struct request *r, struct view *page)
{
	return page_can(r, ADMIN_COUNT_RECORD_SCOPES) ? admin_counting_yours(r, page, 5) : 0;
}

void admin_count_sessions(struct request *r)
{
	struct listing l = admin_count_listing;

	l.extend = your_counts;
	listing_page(r, &l);
}

/* ---- a session ------------------------------------------------------------------------- */

/* "user/<name>" as the name alone, in place. */
static void strip_user(struct view *o, const char *key)
{
	const char *v = listing_str(o, key);

	if (v && strncmp(v, "user/", 5) == 0)
		view_set_str(o, key, v + 5);
}

/* Records as the page shows them: the counter's name, times as elsewhere. */
static struct view *records_view(struct request *r, struct json_object *records)
{
	struct view *list = view_list(r->arena);

	for (size_t i = 0; i < json_object_array_length(records); i++) {
		struct view *rec = view_json_of(r->arena, json_object_array_get_idx(records, i));

		if (!rec) /* the count views' records are objects */
			continue;
		strip_user(rec, "user_key");
		view_set_str(rec, "recorded_at",
		             page_time_text(r, listing_str(rec, "recorded_at")));
		view_push(list, rec);
	}
	return list;
}

/* Bin codes (position) or SKUs (product) of the session's target keys, by id. */
static int target_names(struct request *r, const struct count_session *s, struct db_rows *rows)
{
	bool position = strcmp(s->type, "position") == 0;

	return db_exec(r->arena, rows,
	               position
	                   ? "SELECT DISTINCT t.key_id, b.code FROM count_targets t JOIN bins b"
	                     " ON b.id = t.key_id AND b.tenant_id = t.tenant_id"
	                     " WHERE t.tenant_id = ? AND t.session_id = ?"
	                   : "SELECT DISTINCT t.key_id, CONCAT(i.sku, ' ', i.name)"
	                     " FROM count_targets t JOIN items i ON i.id = t.key_id"
	                     " AND i.tenant_id = t.tenant_id"
	                     " WHERE t.tenant_id = ? AND t.session_id = ?",
	               "ss", r->caller->tenant_id, s->id);
}

static const char *name_of(const struct db_rows *names, const char *id)
{
	for (size_t i = 0; i < names->nrows; i++)
		if (strcmp(db_cell(names, i, 0), id) == 0)
			return db_cell(names, i, 1);
	return id;
}

/* The assignments with their user's name and their targets as text ("A-01-01, A-01-02"); NULL
 * after a database error. */
static struct view *assignments_view(struct request *r, const struct count_session *s,
                                     struct json_object *assignments)
{
	struct db_rows names;
	struct view *list;

	if (target_names(r, s, &names) < 0)
		return NULL;
	list = view_list(r->arena);
	for (size_t i = 0; i < json_object_array_length(assignments); i++) {
		struct view *g = view_json_of(r->arena, json_object_array_get_idx(assignments, i));
		const struct view *targets = listing_value(g, "target_keys");
		struct buf b;

		if (!g) /* the count views' assignments are objects */
			continue;
		buf_init(&b);
		for (size_t t = 0; t < view_len(targets); t++) {
			const struct view *keys = view_at(targets, t);

			for (size_t k = 0; k < view_len(keys); k++) {
				const char *key = view_str(view_at(keys, k));

				buf_appendf(&b, "%s%s", b.len ? (k ? " + " : ", ") : "",
				            name_of(&names, key ? key : ""));
			}
		}
		strip_user(g, "user_key");
		view_set_str(g, "targets", arena_strdup(r->arena, buf_cstr(&b)));
		buf_release(&b);
		view_push(list, g);
	}
	return list;
}

/* The lifecycle buttons the session's status and the caller's scopes allow. */
static void add_actions(struct request *r, const struct count_session *s, struct view *page)
{
	static const struct {
		enum count_action action;
		const char *label;
		const char *scopes;
		const char *style;
		bool link; /* a page that asks first (the apply's confirmation), not a form */
	} actions[] = {
	    {COUNT_START, "Start count", ADMIN_COUNT_CREATE_SCOPES, "primary", false},
	    {COUNT_COMPLETE, "Complete count", ADMIN_COUNT_CREATE_SCOPES, "primary", false},
	    {COUNT_APPLY, "Apply variances to stock…", ADMIN_COUNT_APPLY_SCOPES, "primary", true},
	    {COUNT_CANCEL, "Cancel session", ADMIN_COUNT_CREATE_SCOPES, "danger", false},
	};
	struct view *list = view_list(r->arena);

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		struct view *o;

		if (!count_next_status(s->status, actions[i].action) ||
		    !page_can(r, actions[i].scopes))
			continue;
		o = view_map(r->arena);
		view_set_str(o, "label", actions[i].label);
		view_set_str(o, "style", actions[i].style);
		view_set_bool(o, "link", actions[i].link);
		view_set_str(o, "action",
		             arena_sprintf(r->arena, COUNT_PAGE "/%s/%s", s->id,
		                           count_action_name(actions[i].action)));
		view_push(list, o);
	}
	view_set_bool(page, "has_actions", view_len(list) > 0);
	view_set(page, "actions", list);
}

/* "count_href": the counter's screen, for a counter assigned to this started session. 0 or -1. */
static int count_link(struct request *r, const struct count_session *s, struct view *page)
{
	int assigned;

	if (strcmp(s->status, "started") != 0 || !page_can(r, ADMIN_COUNT_RECORD_SCOPES))
		return 0;
	assigned = count_is_assigned(r->arena, r->caller->tenant_id, s->id, r->caller->user_id);
	if (assigned > 0) {
		view_set_str(page, "count_href",
		             arena_sprintf(r->arena, COUNT_PAGE "/%s/count", s->id));
		view_set_bool(page, "has_actions", true);
	}
	return assigned < 0 ? -1 : 0;
}

/* Times of the session document shown as "YYYY-MM-DD HH:MM:SS". */
static void label_times(struct request *r, struct view *doc)
{
	static const char *const keys[] = {"scheduled_start", "scheduled_end", "created", "started",
	                                   "completed",       "applied",       "canceled"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = listing_str(doc, keys[i]);

		if (v)
			view_set_str(doc, keys[i], page_time_text(r, v));
	}
}

/*
 * What the viewer may see of the session: the view decides, as in the API.
 * The count views answer json-c objects: they become page data at once.
 */
static int session_data(struct request *r, const struct count_session *s,
                        const struct admin_count_retry *retry, struct view *page)
{
	struct count_view v;
	struct json_object *doc = NULL, *assignments = NULL, *progress = NULL, *lines = NULL,
	                   *records = NULL;
	struct view *session, *assigned, *lines_v, *records_v = NULL;
	long long nrecords = 0;
	bool started = s->baseline_snapshot_key != NULL;
	int rc = -1;

	count_view_init(&v, s, r->caller->tenant_id, r->caller->user_id, r->caller->scope);
	if (count_json_session(r->arena, r->caller->tenant_id, s->id, &doc) < 0 || !doc ||
	    count_json_assignments(r->arena, s, &v, &assignments, &progress) < 0 ||
	    !(assigned = assignments_view(r, s, assignments)) ||
	    (started && count_json_lines(r->arena, s, &v, &lines) < 0) ||
	    (started &&
	     count_json_records(r->arena, s, &v, RECORDS_SHOWN, 0, &records, &nrecords) < 0) ||
	    (started && admin_count_review(r, s, &v, retry, page) < 0))
		goto out;
	session = view_json_of(r->arena, doc);
	label_times(r, session);
	strip_user(session, "created_by");
	lines_v = view_json_of(r->arena, lines);
	if (records)
		records_v = records_view(r, records);
	view_set_bool(page, "show_qty", v.show_qty);
	view_set_bool(page, "supervisor", v.supervisor);
	view_set_bool(page, "started", started);
	view_set_int(page, "records_total", nrecords);
	view_set_bool(page, "has_lines", view_len(lines_v) > 0);
	view_set_bool(page, "has_records", view_len(records_v) > 0);
	view_set_bool(page, "has_assignments", view_len(assigned) > 0);
	/* Absent (NULL) stays absent. */
	view_set(page, "session", session);
	view_set(page, "assignments", assigned);
	view_set(page, "progress", view_json_of(r->arena, progress));
	view_set(page, "lines", lines_v);
	view_set(page, "records", records_v);
	rc = 0;
out:
	json_object_put(doc);
	json_object_put(assignments);
	json_object_put(progress);
	json_object_put(lines);
	json_object_put(records);
	return rc;
}

void admin_count_session_page(struct request *r, const char *id, int status, const char *notice,
                              const char *error, const struct admin_count_retry *retry)
{
	struct count_session s;
	struct view *page;
	int rc = count_session_load(r->arena, r->caller->tenant_id, id, COUNT_READ, &s);

	if (rc != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "Count session not found");
		return;
	}
	page = page_new(r, arena_sprintf(r->arena, "Count session %s", s.code), "count");
	view_set_str(page, "session_id", s.id);
	/* Before the data: a refused form the page cannot show puts its message here instead. */
	view_set_str(page, "notice", notice);
	view_set_str(page, "error", error);
	if (session_data(r, &s, retry, page) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	add_actions(r, &s, page);
	if (count_link(r, &s, page) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	page_render(r, status, "count_session", page);
}

/* The notice of ?done=: a lifecycle step, a resolved conflict, an import of ?rows= rows. */
static const char *done_notice(struct request *r, const char *done)
{
	static const char *const steps[] = {"created", "started",  "completed",
	                                    "applied", "canceled", NULL};
	const char *rows = req_query(r, "rows");
	long long n;

	if (!done)
		return NULL;
	if (valid_one_of(done, steps))
		return arena_sprintf(r->arena, "Count session %s.", done);
	if (strcmp(done, "resolved") == 0)
		return "Conflict resolved: the line counts as the quantity you chose.";
	if (strcmp(done, "imported") == 0 && rows && valid_int64(rows, &n) && n >= 0)
		return arena_sprintf(r->arena, "%lld count record%s imported from the CSV file.", n,
		                     n == 1 ? "" : "s");
	return NULL;
}

void admin_count_session(struct request *r)
{
	const char *id = admin_path_id(r, "Count session");

	if (id)
		admin_count_session_page(r, id, 200, done_notice(r, req_query(r, "done")), NULL,
		                         NULL);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

const char *admin_count_message(struct request *r, const char *message, const char *detail)
{
	return detail && *detail ? arena_sprintf(r->arena, "%s: %s", message, detail) : message;
}

static void run_action(struct request *r, enum count_action action)
{
	struct {
		const char *id;
		struct count_result res;
	} c = {0};
	struct kvlist form;
	int rc;

	if (!(c.id = admin_path_id(r, "Count session")) || !page_form(r, &form))
		return;
	/* The same action the API runs, in its own transaction. */
	rc = count_write_action(r->arena, r->caller->tenant_id, c.id, action, r->caller->user_id,
	                        &c.res);
	if (rc == COUNT_REFUSED && c.res.status == 404) {
		page_error(r, 404, "Count session not found");
	} else if (rc == COUNT_REFUSED) {
		/* The session page again, with the reason (409: not in a status that allows it). */
		admin_count_session_page(r, c.id, c.res.status, NULL,
		                         admin_count_message(r, c.res.message, c.res.detail), NULL);
	} else if (rc != 0) {
		page_error(r, 500, "Internal server error");
	} else {
		log_info("admin: count session %s %s by %s", c.id, count_action_done(action),
		         r->caller->user_id);
		page_redirect(r, arena_sprintf(r->arena, COUNT_PAGE "/%s?done=%s", c.id,
		                               count_action_done(action)));
	}
}

void admin_count_start(struct request *r)
{
	run_action(r, COUNT_START);
}

void admin_count_complete(struct request *r)
{
	run_action(r, COUNT_COMPLETE);
}

void admin_count_apply(struct request *r)
{
	run_action(r, COUNT_APPLY);
}

void admin_count_cancel(struct request *r)
{
	run_action(r, COUNT_CANCEL);
}

/* ---- the create form ---------------------------------------------------------------------- */

static const char *const session_flags[] = {"blind_quantities", "blind_serials", "lock_positions",
                                            NULL};
static const char *const session_texts[] = {"code", "description", "notes", NULL};

/* The session's type from the form or the query; position unless product is asked for. */
static const char *form_type(const char *asked)
{
	return asked && strcmp(asked, "product") == 0 ? "product" : "position";
}

/* Whether the form (or, on a fresh form, nothing) holds value under name. */
static bool form_has(const struct kvlist *form, const char *name, const char *value)
{
	for (size_t i = 0; form && i < form->n; i++)
		if (strcmp(form->items[i].key, name) == 0 &&
		    strcmp(form->items[i].value, value) == 0)
			return true;
	return false;
}

/* The users a counter row offers (a tenant has tens of them, not thousands). */
#define FORM_USERS                                                                                 \
	LISTING_OPTIONS("id",                                                                      \
	                "CONCAT(username, IF(first_name IS NULL, '', CONCAT(' (', first_name,"     \
	                " IF(last_name IS NULL, '', CONCAT(' ', last_name)), ')')))",              \
	                "username", "FROM users WHERE tenant_id = ? AND status = 'active'")

/*
 * The counter rows: a user select and a textarea of codes each, as typed, with
 * the messages of the codes that named nothing or several records (plan NULL
 * on a fresh form). The targets are typed, never listed: a warehouse may hold
 * tens of thousands of bins.
 */
static int form_rows(struct request *r, const struct kvlist *form,
                     const struct admin_count_plan *plan, struct view *view)
{
	struct db_rows users;
	struct view *rows = view_list(r->arena);

	view_set(view, "rows", rows);
	if (db_exec(r->arena, &users, FORM_USERS, "ss", r->caller->tenant_id, NULL) < 0)
		return -1;
	for (int n = 1; n <= ADMIN_COUNT_FORM_ROWS; n++) {
		const struct admin_count_plan_row *p = plan ? &plan->rows[n - 1] : NULL;
		struct view *row = view_map(r->arena), *uopts = view_list(r->arena);
		const char *uname = arena_sprintf(r->arena, "user_%d", n);

		view_set_int(row, "n", n);
		view_set_str(row, "user_name", uname);
		view_set_str(row, "targets_name", arena_sprintf(r->arena, "targets_%d", n));
		view_set_str(row, "targets",
		             form ? kvlist_get(form, arena_sprintf(r->arena, "targets_%d", n))
		                  : NULL);
		for (size_t i = 0; i < users.nrows; i++)
			page_option(r->arena, uopts, db_cell(&users, i, 0), db_cell(&users, i, 1),
			            form_has(form, uname, db_cell(&users, i, 0))
			                ? db_cell(&users, i, 0)
			                : NULL);
		view_set(row, "users", uopts);
		view_set(row, "errors", p ? p->errors : NULL);
		view_set_bool(row, "has_errors", p && p->errors);
		view_push(rows, row);
	}
	return 0;
}

/* The form, fresh (form NULL) or as sent with an error (and the plan of its rows, or NULL). */
static void count_form_page(struct request *r, int status, const char *error, const char *type,
                            const struct kvlist *form, const struct admin_count_plan *plan)
{
	struct view *page = page_new(r, "New count session", "count");
	bool position = strcmp(type, "position") == 0;
	const char *warehouse = form ? page_field(r, form, "warehouse_id") : NULL;
	struct view *warehouses = view_list(r->arena);
	struct db_rows rows;

	view_set_str(page, "error", error);
	view_set_str(page, "type", type);
	view_set_bool(page, "position", position);
	for (size_t i = 0; session_texts[i]; i++)
		view_set_str(page, session_texts[i],
		             form ? kvlist_get(form, session_texts[i]) : NULL);
	for (size_t i = 0; session_flags[i]; i++)
		view_set_bool(page, session_flags[i], form_has(form, session_flags[i], "1"));
	view_set_str(page, "scheduled_start", form ? kvlist_get(form, "scheduled_start") : NULL);
	view_set_str(page, "scheduled_end", form ? kvlist_get(form, "scheduled_end") : NULL);
	view_set_str(page, "coverage_percentage",
	             form ? kvlist_get(form, "coverage_percentage") : NULL);
	view_set_int(page, "pattern_max", ADMIN_COUNT_PATTERN_MAX);
	view_set(page, "warehouses", warehouses);
	if ((position && db_exec(r->arena, &rows, ADMIN_WAREHOUSE_OPTIONS, "ss",
	                         r->caller->tenant_id, warehouse) < 0) ||
	    form_rows(r, form, plan, page) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	for (size_t i = 0; position && i < rows.nrows; i++)
		page_option(r->arena, warehouses, db_cell(&rows, i, 0), db_cell(&rows, i, 1),
		            warehouse);
	page_render(r, status, "count_session_new", page);
}

void admin_count_form(struct request *r)
{
	count_form_page(r, 200, NULL, form_type(req_query(r, "type")), NULL, NULL);
}

/* A datetime-local value ("2026-05-20T08:00") is in the tenant's time zone: it becomes ISO 8601
 * UTC; anything else goes to the API's checks as it is. */
static const char *form_time(struct request *r, const char *v)
{
	const char *iso = tz_iso_of_local(r->arena, page_zone(r), v);

	return iso ? iso : v;
}

/* json-c constructors of the create body the API takes; out of memory is fatal. */
static struct json_object *body_obj(void)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		log_fatal("admin: out of memory (json)");
	return o;
}

static struct json_object *body_arr(void)
{
	struct json_object *o = json_object_new_array();

	if (!o)
		log_fatal("admin: out of memory (json)");
	return o;
}

/* The create body the API takes, built from the form, so the API's checks apply unchanged. */
static struct json_object *session_json(struct request *r, const struct kvlist *form,
                                        const char *type)
{
	struct json_object *o = body_obj();
	const char *pct = page_field(r, form, "coverage_percentage");
	long long n;

	req_json_own(r, o);
	jval_add_str(o, "type", type);
	for (size_t i = 0; session_texts[i]; i++) {
		const char *v = page_field(r, form, session_texts[i]);

		if (v)
			jval_add_str(o, session_texts[i], v);
	}
	for (size_t i = 0; session_flags[i]; i++)
		jval_add_bool(o, session_flags[i], form_has(form, session_flags[i], "1"));
	if (page_field(r, form, "scheduled_start"))
		jval_add_str(o, "scheduled_start",
		             form_time(r, page_field(r, form, "scheduled_start")));
	if (page_field(r, form, "scheduled_end"))
		jval_add_str(o, "scheduled_end",
		             form_time(r, page_field(r, form, "scheduled_end")));
	if (pct && valid_int64(pct, &n))
		jval_add_int(o, "coverage_percentage", n);
	else if (pct)
		jval_add_str(o, "coverage_percentage", pct); /* refused as the API refuses it */
	return o;
}

/* The assignments array: one per row with a user, each resolved key a target of its own. */
static struct json_object *assignments_json(struct request *r, const struct admin_count_plan *plan)
{
	struct json_object *arr = body_arr();

	req_json_own(r, arr);
	for (int n = 0; n < ADMIN_COUNT_FORM_ROWS; n++) {
		const struct admin_count_plan_row *row = &plan->rows[n];
		struct json_object *g, *targets;

		if (!row->user)
			continue;
		g = body_obj();
		targets = body_arr();
		jval_add_str(g, "user_key", row->user);
		for (size_t i = 0; i < row->nkeys; i++) {
			struct json_object *keys = body_arr();

			json_object_array_add(keys, json_object_new_string(row->keys[i]));
			json_object_array_add(targets, keys);
		}
		json_object_object_add(g, "target_keys", targets);
		json_object_array_add(arr, g);
	}
	return arr;
}

/* The top message when some typed codes named nothing or several records. */
#define PLAN_REFUSED                                                                               \
	"Some codes name no record or several: see the messages beside the counters below."

void admin_count_create(struct request *r)
{
	struct kvlist form;
	struct {
		const char *type;
		struct field_value *vals;
		struct admin_count_plan plan;
		struct count_assignment *assignments;
		size_t n;
		const char *id;
		struct count_result res;
	} c = {0};
	const char *msg = NULL, *detail = NULL;
	int rc;

	if (!page_form(r, &form))
		return;
	c.type = form_type(kvlist_get(&form, "type"));
	c.vals = arena_alloc(r->arena, count_nfields() * sizeof(*c.vals));
	if (admin_count_plan(r, &form, strcmp(c.type, "position") == 0, &c.plan) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	/* The session's fields are the API's to check; the codes were this form's own. */
	if (count_body_session(r->arena, session_json(r, &form, c.type), true, c.vals, &msg,
	                       &detail) != 0) {
		count_form_page(r, 400, admin_count_message(r, msg, detail), c.type, &form,
		                &c.plan);
		return;
	}
	if (c.plan.refused) {
		count_form_page(r, 422, PLAN_REFUSED, c.type, &form, &c.plan);
		return;
	}
	if (count_body_assignments(r->arena, assignments_json(r, &c.plan), &c.assignments, &c.n,
	                           &msg, &detail) != 0) {
		count_form_page(r, 400, admin_count_message(r, msg, detail), c.type, &form,
		                &c.plan);
		return;
	}
	/* The API's create, in its own transaction. */
	rc = count_write_create(r->arena, r->caller->tenant_id, r->caller->user_id, c.vals,
	                        c.assignments, c.n, NULL, &c.id, &c.res);
	if (rc == COUNT_REFUSED) {
		count_form_page(r, c.res.status,
		                admin_count_message(r, c.res.message, c.res.detail), c.type, &form,
		                &c.plan);
		return;
	}
	if (rc != 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	log_info("admin: count session %s created by %s", c.id, r->caller->user_id);
	page_redirect(r, arena_sprintf(r->arena, COUNT_PAGE "/%s?done=created", c.id));
}
