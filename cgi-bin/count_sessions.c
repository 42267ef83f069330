/* Count sessions (cycle counting): plan, start, count, complete, apply; records, imports. */
#include <stdbool.h>
#include <string.h>

#include "web/app.h"
#include "base/arena.h"
#include "count/count.h"
#include "count/count_csv.h"
#include "count/count_input.h"
#include "count/count_view.h"
#include "web/count_body.h"
#include "web/count_json.h"
#include "web/count_download.h"
#include "db/db.h"
#include "base/jval.h"
#include "web/body.h"
#include "web/envelope.h"
#include "base/log.h"
#include "web/req.h"
#include "base/valid.h"

#define BASE "/inventory/count-session"
#define CREATE_SCOPES "inventory:count:create"
#define APPLY_SCOPES "inventory:count:apply"
#define RECORD_SCOPES "inventory:count:record"
#define READ_SCOPES                                                                                \
	"view:tenant inventory:count:create inventory:count:record inventory:count:apply"
#define VARIANCE_SCOPES "inventory:count:create inventory:count:apply"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100
#define RECORDS_LIMIT_DEFAULT 100
#define RECORDS_LIMIT_MAX 1000
#define OFFSET_MAX 1000000000LL
#define IMPORT_ROWS_MAX 5000

/* import_write's result for a dry run: everything was checked, nothing may stay (rollback). */
#define DRY_RUN_DONE 2

/* ---- replies and small helpers ------------------------------------------- */

static void send_error(struct request *r, int status, const char *message)
{
	envelope_status_error(r, status, message, "");
}

static void internal(struct request *r)
{
	envelope_status_error(r, 500, "Internal server error", "");
}

static const char *tenant(const struct request *r)
{
	return r->caller->tenant_id;
}

/* The :key of the path, lower-cased when it is a UUID. */
static const char *path_key(struct request *r)
{
	return valid_id_norm(r->arena, req_param(r, "key"));
}

static void reply(struct request *r, struct json_object *o)
{
	envelope_reply(r, 200, o);
}

/* A number query parameter within [min, max], dflt when absent. 0, or -1 with a reply sent. */
static int query_number(struct request *r, const char *name, long long dflt, long long min,
                        long long max, long long *out)
{
	const char *s = kvlist_get_nonempty(&r->query, name);

	*out = dflt;
	if (!s)
		return 0;
	if (!valid_int64(s, out) || *out < min) {
		envelope_status_error(r, 400, arena_sprintf(r->arena, "Invalid %s", name),
		             arena_sprintf(r->arena, "%s must be a whole number of at least %lld",
		                           name, min));
		return -1;
	}
	if (*out > max)
		*out = max;
	return 0;
}

/* A query parameter that must be one of list (absent or "" gives NULL). 0, or -1 with a reply. */
static int query_enum(struct request *r, const char *name, const char *const *list,
                      const char **out)
{
	*out = kvlist_get_nonempty(&r->query, name);
	if (*out && !valid_one_of(*out, list)) {
		envelope_status_error(r, 400, arena_sprintf(r->arena, "Invalid %s", name), *out);
		return -1;
	}
	return 0;
}

/* The JSON body as an object (owned by the request). NULL with a reply sent. */
static struct json_object *body_object(struct request *r)
{
	const char *err = NULL;
	struct json_object *o = body_json(r, &err);

	if (!o) {
		envelope_status_error(r, 400, err ? err : "Invalid JSON body",
		             "the body must be a JSON object");
		return NULL;
	}
	req_json_own(r, o);
	return o;
}

/* Loads the path's session for a read: 0, or -1 with 404/500 sent. */
static int load_session(struct request *r, struct count_session *s)
{
	int rc = count_session_load(r->arena, tenant(r), path_key(r), COUNT_READ, s);

	if (rc < 0)
		internal(r);
	else if (rc > 0)
		envelope_status_error(r, 404, "Count session not found", req_param(r, "key"));
	return rc == 0 ? 0 : -1;
}

/* Locks the path's session inside a write: 0, COUNT_REFUSED (404) or -1. */
static int lock_session(struct request *r, enum count_lock lock, struct count_session *s,
                        struct count_result *res)
{
	int rc = count_session_load(r->arena, tenant(r), path_key(r), lock, s);

	if (rc > 0)
		return count_refuse(res, 404, "Count session not found", req_param(r, "key"));
	return rc;
}

/* Refuses anything but status: 409 naming the current one. */
static int need_status(struct request *r, const struct count_session *s, const char *status,
                       const char *why, struct count_result *res)
{
	if (strcmp(s->status, status) == 0)
		return 0;
	return count_refuse(res, 409, arena_sprintf(r->arena, "Count session is %s", s->status),
	                    why);
}

/* ---- one transaction per write --------------------------------------------- */

typedef int (*write_fn)(struct request *r, void *in, struct count_result *res);

struct write {
	struct request *r;
	write_fn fn;
	void *in;
	struct count_result res;
};

static int write_txn(void *ctx)
{
	struct write *w = ctx;

	memset(&w->res, 0, sizeof(w->res));
	return w->fn(w->r, w->in, &w->res);
}

/* Runs fn in one database transaction (again after a deadlock); res holds a refusal. */
static int run_txn(struct request *r, write_fn fn, void *in, struct count_result *res)
{
	struct write w = {r, fn, in, {0}};
	int rc = db_transaction(write_txn, &w);

	*res = w.res;
	return rc;
}

/* run_txn, sending the refusal or a 500: 0 once committed, else -1 with the reply sent. */
static int run_write(struct request *r, write_fn fn, void *in)
{
	struct count_result res;
	int rc = run_txn(r, fn, in, &res);

	if (rc == COUNT_REFUSED)
		envelope_status_error(r, res.status, res.message, res.detail);
	else if (rc != 0)
		internal(r);
	return rc == 0 ? 0 : -1;
}

/* {"status": 200, "message", "detail": key, "count_session": {...}}. */
static void reply_session(struct request *r, const char *message, const char *key)
{
	struct json_object *doc, *o;

	if (count_json_session(r->arena, tenant(r), key, &doc) < 0 || !doc) {
		internal(r);
		return;
	}
	o = envelope_status(200, message, key);
	json_object_object_add(o, "count_session", doc);
	reply(r, o);
}

/* ---- create ------------------------------------------------------------------ */

struct create_in {
	struct count_value *vals;
	struct count_assignment *assignments;
	size_t nassignments;
	const char *id;
};

static const char *value_str(const struct count_value *vals, const char *name)
{
	const struct count_value *v = &vals[count_field_index(name)];

	return v->set && !v->null ? v->s : NULL;
}

static int create_write(struct request *r, void *p, struct count_result *res)
{
	struct create_in *in = p;

	return count_input_create(r->arena, tenant(r), r->caller->user_id, in->vals, in->assignments,
	                          in->nassignments, &in->id, res);
}

/* The count_session object of a body: {"count_session": {...}}, or the body itself (PUT). */
static struct json_object *session_part(struct request *r, struct json_object *body, bool wrapped)
{
	struct json_object *o = NULL;

	if (!json_object_object_get_ex(body, "count_session", &o)) {
		if (!wrapped)
			return body;
		envelope_status_error(r, 400, "Field required: count_session",
		             "the body is {\"count_session\": {...}, \"assignments\": [...]}");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		envelope_status_error(r, 400, "Invalid count_session", "count_session must be an object");
		return NULL;
	}
	return o;
}

/* Parses the session fields (and, when present or required, the assignments). 0, or -1 with a
 * reply. */
static int parse_session_body(struct request *r, struct json_object *body, bool creating,
                              struct count_value *vals, struct count_assignment **assignments,
                              size_t *n)
{
	struct json_object *doc = session_part(r, body, creating), *arr = NULL;
	const char *msg = NULL, *detail = NULL;
	bool has_arr = json_object_object_get_ex(body, "assignments", &arr);

	*assignments = NULL;
	*n = 0;
	if (!doc)
		return -1;
	if (count_body_session(r->arena, doc, creating, vals, &msg, &detail) != 0 ||
	    ((creating || (has_arr && doc != body)) &&
	     count_body_assignments(r->arena, arr, assignments, n, &msg, &detail) != 0)) {
		envelope_status_error(r, 400, msg, detail);
		return -1;
	}
	return 0;
}

static void handle_create(struct request *r)
{
	struct create_in in = {0};
	struct json_object *body = body_object(r);

	if (!body)
		return;
	in.vals = arena_alloc(r->arena, count_nfields() * sizeof(*in.vals));
	if (parse_session_body(r, body, true, in.vals, &in.assignments, &in.nassignments) != 0 ||
	    run_write(r, create_write, &in) != 0)
		return;
	log_info("count: session %s created by %s", in.id, r->caller->user_id);
	reply_session(r, "Count session created successfully", in.id);
}

/* ---- update and delete ---------------------------------------------------------- */

struct update_in {
	struct count_value *vals;
	struct count_assignment *assignments; /* NULL: keep them */
	size_t nassignments;
	long long rev;
};

/* The rules of a PUT against the locked session. 0, COUNT_REFUSED or -1. */
static int check_update(struct request *r, const struct update_in *in,
                        const struct count_session *s, struct count_result *res)
{
	const char *field = NULL, *code = value_str(in->vals, "code");

	if (in->rev != s->rev)
		return count_refuse(res, 409, "Count session was changed meanwhile",
		                    arena_sprintf(r->arena,
		                                  "_rev %lld is stale; the current _rev is "
		                                  "%lld: reload and retry",
		                                  in->rev, s->rev));
	if (strcmp(s->status, "planned") != 0) {
		if (count_input_planned_change(r->arena, tenant(r), s->id, in->vals, &field) < 0)
			return -1;
		if (field || in->assignments)
			return count_refuse(
			    res, 409,
			    arena_sprintf(r->arena, "Cannot change %s: count session is %s",
			                  field ? field : "assignments", s->status),
			    "code, type, blind flags, lock_positions, scheduled_start and "
			    "assignments change only while a session is planned");
	}
	return code ? count_code_free(r->arena, tenant(r), code, s->id, res) : 0;
}

static int update_write(struct request *r, void *p, struct count_result *res)
{
	struct update_in *in = p;
	struct count_session s;
	const char *type;
	int rc;

	if ((rc = lock_session(r, COUNT_UPDATE, &s, res)) != 0 ||
	    (rc = check_update(r, in, &s, res)) != 0)
		return rc;
	type = value_str(in->vals, "type") ? value_str(in->vals, "type") : s.type;
	if (in->assignments)
		rc = count_assignments_store(r->arena, tenant(r), s.id, type, in->assignments,
		                             in->nassignments, res);
	else if (strcmp(type, s.type) != 0)
		rc = count_targets_check(r->arena, tenant(r), s.id, type, res);
	if (rc != 0)
		return rc;
	if (count_input_update(r->arena, tenant(r), s.id, in->vals) < 0)
		return db_is_duplicate()
		           ? count_refuse(res, 409, "Count session code already exists",
		                          value_str(in->vals, "code"))
		           : -1;
	return count_input_schedule_check(r->arena, tenant(r), s.id, res);
}

/* The _rev of a PUT body's session: required, a string (or number) of digits. 0, or -1 with a
 * reply. */
static int parse_rev(struct request *r, struct json_object *body, long long *rev)
{
	struct json_object *doc = NULL;

	if (!json_object_object_get_ex(body, "count_session", &doc))
		doc = body;
	if (!jval_has(doc, "_rev")) {
		envelope_status_error(r, 400, "Field required: _rev",
		             "send the _rev of the session you read; a stale one is refused (409)");
		return -1;
	}
	if (!jval_int(doc, "_rev", rev)) {
		envelope_status_error(r, 400, "Invalid _rev", "_rev is the value the session was read with");
		return -1;
	}
	return 0;
}

static void handle_update(struct request *r)
{
	struct update_in in = {0};
	struct json_object *body = body_object(r);

	if (!body)
		return;
	in.vals = arena_alloc(r->arena, count_nfields() * sizeof(*in.vals));
	if (parse_session_body(r, body, false, in.vals, &in.assignments, &in.nassignments) != 0 ||
	    parse_rev(r, body, &in.rev) != 0 || run_write(r, update_write, &in) != 0)
		return;
	reply_session(r, "Count session updated successfully", path_key(r));
}

static int delete_write(struct request *r, void *p, struct count_result *res)
{
	struct count_session s;
	int rc;

	(void)p;
	if ((rc = lock_session(r, COUNT_UPDATE, &s, res)) != 0 ||
	    (rc = need_status(r, &s, "planned",
	                      "only a planned count session can be deleted; "
	                      "cancel a started one",
	                      res)) != 0)
		return rc;
	if (count_assignments_delete(r->arena, tenant(r), s.id) < 0)
		return -1;
	return db_exec(r->arena, NULL, "DELETE FROM count_sessions WHERE tenant_id = ? AND id = ?",
	               "ss", tenant(r), s.id);
}

static void handle_delete(struct request *r)
{
	if (run_write(r, delete_write, NULL) != 0)
		return;
	log_info("count: session %s deleted by %s", path_key(r), r->caller->user_id);
	reply(r, envelope_status(200, "Count session deleted successfully", path_key(r)));
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static int action_write(struct request *r, void *p, struct count_result *res)
{
	enum count_action action = *(enum count_action *)p;
	struct count_session s;
	int rc;

	if ((rc = lock_session(r, COUNT_UPDATE, &s, res)) != 0)
		return rc;
	return count_transition(r->arena, tenant(r), &s, action, r->caller->user_id, res);
}

static void run_action(struct request *r, enum count_action action)
{
	if (run_write(r, action_write, &action) != 0)
		return;
	log_info("count: session %s %s by %s", path_key(r), count_action_done(action),
	         r->caller->user_id);
	reply_session(
	    r, arena_sprintf(r->arena, "Count session %s successfully", count_action_done(action)),
	    path_key(r));
}

static void handle_start(struct request *r)
{
	run_action(r, COUNT_START);
}

static void handle_complete(struct request *r)
{
	run_action(r, COUNT_COMPLETE);
}

static void handle_apply(struct request *r)
{
	run_action(r, COUNT_APPLY);
}

static void handle_cancel(struct request *r)
{
	run_action(r, COUNT_CANCEL);
}

/* ---- reads ------------------------------------------------------------------------ */

static void handle_list(struct request *r)
{
	struct count_list_filter f = {0};
	struct json_object *list, *o;
	long long total = 0;

	if (query_enum(r, "status", count_statuses, &f.status) != 0 ||
	    query_enum(r, "type", count_types, &f.type) != 0 ||
	    query_number(r, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &f.limit) != 0 ||
	    query_number(r, "offset", 0, 0, OFFSET_MAX, &f.offset) != 0)
		return;
	f.search = kvlist_get_nonempty(&r->query, "search");
	if (count_json_list(r->arena, tenant(r), &f, &list, &total) < 0) {
		internal(r);
		return;
	}
	o = envelope_status(200, "Count sessions retrieved successfully", "");
	json_object_object_add(o, "count_sessions", list);
	jval_add_int(o, "total", total);
	jval_add_int(o, "limit", f.limit);
	jval_add_int(o, "offset", f.offset);
	reply(r, o);
}

static void handle_get(struct request *r)
{
	struct count_session s;
	struct count_view v;
	struct json_object *doc = NULL, *assignments = NULL, *progress = NULL, *lines = NULL, *o;

	if (load_session(r, &s) != 0)
		return;
	count_view_init(&v, &s, tenant(r), r->caller->user_id, r->caller->scope);
	if (count_json_session(r->arena, tenant(r), s.id, &doc) < 0 || !doc ||
	    count_json_assignments(r->arena, &s, &v, &assignments, &progress) < 0 ||
	    (s.baseline_snapshot_key && count_json_lines(r->arena, &s, &v, &lines) < 0)) {
		json_object_put(doc);
		json_object_put(assignments);
		json_object_put(progress);
		internal(r);
		return;
	}
	o = envelope_status(200, "Count session retrieved successfully", s.id);
	json_object_object_add(o, "count_session", doc);
	json_object_object_add(o, "assignments", assignments);
	json_object_object_add(o, "progress", progress);
	/* The lines to count exist from the start (the baseline). */
	if (lines)
		json_object_object_add(o, "lines", lines);
	reply(r, o);
}

static void handle_variances(struct request *r)
{
	struct count_session s;
	struct json_object *lines, *summary, *o;
	const char *format;

	if (query_enum(r, "format", (const char *const[]){"json", "csv", NULL}, &format) != 0 ||
	    load_session(r, &s) != 0)
		return;
	if (!s.baseline_snapshot_key) {
		envelope_status_error(r, 409, arena_sprintf(r->arena, "Count session is %s", s.status),
		             "variances exist once a count session has started");
		return;
	}
	if (format && strcmp(format, "csv") == 0) {
		if (count_download_variances(r, &s) < 0)
			internal(r);
		return;
	}
	if (count_json_variances(r->arena, tenant(r), &s, &lines, &summary) < 0) {
		internal(r);
		return;
	}
	o = envelope_status(200, "Count variances retrieved successfully", s.id);
	json_object_object_add(o, "variances", lines);
	json_object_object_add(o, "summary", summary);
	reply(r, o);
}

/* ---- count records ---------------------------------------------------------------------- */

/* The rules every count (record or import) passes first: started, and the caller assigned. */
static int counting_allowed(struct request *r, struct count_session *s, struct count_result *res)
{
	int rc;

	if ((rc = lock_session(r, COUNT_SHARE, s, res)) != 0 ||
	    (rc = need_status(r, s, "started",
	                      "counts are recorded only while a count session is started", res)) !=
	        0)
		return rc;
	if ((rc = count_is_assigned(r->arena, tenant(r), s->id, r->caller->user_id)) <= 0)
		return rc < 0 ? -1
		              : count_refuse(res, 403, "You are not assigned to this count session",
		                             s->code);
	return 0;
}

struct record_in {
	struct count_entry e;
	const char *record_id;
	struct count_session s;
};

static int record_write(struct request *r, void *p, struct count_result *res)
{
	struct record_in *in = p;
	int rc;

	if ((rc = counting_allowed(r, &in->s, res)) != 0 ||
	    (rc = count_entry_check(r->arena, tenant(r), &in->s, r->caller->user_id, &in->e,
	                            res)) != 0)
		return rc;
	return count_record_put(r->arena, tenant(r), in->s.id, r->caller->user_id, &in->e, "api",
	                        &in->record_id);
}

/* Parses a counted line body. 0, or -1 with a reply sent. */
static int parse_entry(struct request *r, struct count_entry *e)
{
	struct json_object *body = body_object(r);
	const char *msg = NULL, *detail = NULL;

	if (!body)
		return -1;
	if (count_body_entry(r->arena, body, e, &msg, &detail) != 0) {
		envelope_status_error(r, 400, msg, detail);
		return -1;
	}
	return 0;
}

static void handle_record(struct request *r)
{
	struct record_in in = {0};
	struct count_view v;
	struct json_object *rec = NULL, *o;

	if (parse_entry(r, &in.e) != 0 || run_write(r, record_write, &in) != 0)
		return;
	count_view_init(&v, &in.s, tenant(r), r->caller->user_id, r->caller->scope);
	if (count_json_record(r->arena, &in.s, &v, in.record_id, &rec) < 0 || !rec) {
		internal(r);
		return;
	}
	o = envelope_status(200, "Count recorded successfully", in.record_id);
	json_object_object_add(o, "count_record", rec);
	reply(r, o);
}

static void handle_records(struct request *r)
{
	struct count_session s;
	struct count_view v;
	struct json_object *list, *o;
	long long limit, offset, total = 0;

	if (query_number(r, "limit", RECORDS_LIMIT_DEFAULT, 1, RECORDS_LIMIT_MAX, &limit) != 0 ||
	    query_number(r, "offset", 0, 0, OFFSET_MAX, &offset) != 0 || load_session(r, &s) != 0)
		return;
	count_view_init(&v, &s, tenant(r), r->caller->user_id, r->caller->scope);
	if (count_json_records(r->arena, &s, &v, limit, offset, &list, &total) < 0) {
		internal(r);
		return;
	}
	o = envelope_status(200, "Count records retrieved successfully", s.id);
	json_object_object_add(o, "count_records", list);
	jval_add_int(o, "total", total);
	jval_add_int(o, "limit", limit);
	jval_add_int(o, "offset", offset);
	reply(r, o);
}

static int resolve_write(struct request *r, void *p, struct count_result *res)
{
	struct record_in *in = p;
	int rc;

	if ((rc = lock_session(r, COUNT_SHARE, &in->s, res)) != 0 ||
	    (rc = need_status(r, &in->s, "started",
	                      "conflicts are resolved while a count session is started", res)) != 0)
		return rc;
	return count_resolution_put(r->arena, tenant(r), in->s.id, r->caller->user_id, &in->e, res);
}

static void handle_resolve(struct request *r)
{
	struct record_in in = {0};
	struct json_object *o, *line;

	if (parse_entry(r, &in.e) != 0 || run_write(r, resolve_write, &in) != 0)
		return;
	line = count_json_resolution(&in.e);
	o = envelope_status(200, "Count conflict resolved successfully", in.s.id);
	json_object_object_add(o, "resolution", line);
	reply(r, o);
}

/* ---- import ------------------------------------------------------------------------------- */

struct import_in {
	struct count_csv_row *rows;
	size_t nrows;
	bool dry_run;
	struct json_object *errors; /* rebuilt by every attempt; the handler puts it */
	size_t imported;
};

static void add_row_error(struct import_in *in, size_t line, const struct count_result *res)
{
	struct json_object *e = json_object_new_object();

	jval_add_int(e, "line", (long long)line);
	jval_add_str(e, "message", res->message);
	if (res->detail && *res->detail)
		jval_add_str(e, "detail", res->detail);
	json_object_array_add(in->errors, e);
}

/* The earlier row with the same bin, item and lot, or -1. */
static long same_line(const struct count_entry *entries, size_t n, const struct count_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(entries[i].bin_id, e->bin_id) == 0 &&
		    strcmp(entries[i].item_id, e->item_id) == 0 &&
		    strcmp(entries[i].lot_number, e->lot_number) == 0)
			return (long)i;
	return -1;
}

/* Checks every row (all errors, with line numbers), then stores them unless one is bad. */
static int import_write(struct request *r, void *p, struct count_result *res)
{
	struct import_in *in = p;
	struct count_session s;
	struct count_entry *entries = arena_alloc(r->arena, in->nrows * sizeof(*entries));
	size_t n = 0;
	int rc;

	json_object_put(in->errors);
	in->errors = json_object_new_array();
	in->imported = 0;
	if ((rc = counting_allowed(r, &s, res)) != 0)
		return rc;
	for (size_t i = 0; i < in->nrows; i++) {
		struct count_result row = {0};
		long dup;

		rc = count_import_row(r->arena, tenant(r), &s, r->caller->user_id,
		                      in->rows[i].fields, in->rows[i].nfields, &entries[n], &row);
		if (rc < 0)
			return -1;
		if (rc == 0 && (dup = same_line(entries, n, &entries[n])) >= 0)
			rc = count_refuse(&row, 400,
			                  arena_sprintf(r->arena,
			                                "Duplicate line: the same bin, sku "
			                                "and lot are on line %zu",
			                                in->rows[dup].line),
			                  NULL);
		if (rc != 0)
			add_row_error(in, in->rows[i].line, &row);
		else
			n++;
	}
	if (json_object_array_length(in->errors) > 0 && !in->dry_run)
		return count_refuse(res, 400, "Import refused: invalid rows",
		                    arena_sprintf(r->arena,
		                                  "%zu of %zu row(s) invalid; nothing was "
		                                  "imported",
		                                  json_object_array_length(in->errors), in->nrows));
	if (in->dry_run)
		return DRY_RUN_DONE;
	for (size_t i = 0; i < n; i++) {
		const char *id;

		if (count_record_put(r->arena, tenant(r), s.id, r->caller->user_id, &entries[i],
		                     "import", &id) < 0)
			return -1;
	}
	in->imported = n;
	return 0;
}

/* Reads the CSV body into rows (header dropped). 0, or -1 with a reply sent. */
static int read_csv(struct request *r, struct import_in *in)
{
	size_t bad_line = 0;
	const char *msg = NULL;
	long n = count_csv_parse(r->arena, r->body, r->body_len, &in->rows, &bad_line, &msg);

	if (n < 0) {
		envelope_status_error(r, 400, "Invalid CSV",
		             arena_sprintf(r->arena, "line %zu: %s", bad_line, msg));
		return -1;
	}
	in->nrows = (size_t)n;
	if (in->nrows && count_csv_is_header(&in->rows[0])) {
		in->rows++;
		in->nrows--;
	}
	if (in->nrows == 0) {
		envelope_status_error(r, 400, "No rows to import",
		             "send CSV rows: bin code, sku, counted_qt, lot (header optional)");
		return -1;
	}
	if (in->nrows > IMPORT_ROWS_MAX) {
		envelope_status_error(
		    r, 400, "Too many rows",
		    arena_sprintf(r->arena, "at most %d rows per import", IMPORT_ROWS_MAX));
		return -1;
	}
	return 0;
}

/* dry_run=true|1 checks without importing; absent, false or 0 imports. 0, or -1 with a reply. */
static int read_dry_run(struct request *r, bool *dry)
{
	const char *v;

	if (query_enum(r, "dry_run", (const char *const[]){"true", "false", "1", "0", NULL}, &v) !=
	    0)
		return -1;
	*dry = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	return 0;
}

/* The import's answer: a dry run's report, the refused rows, or the count imported. */
static void reply_import(struct request *r, const struct import_in *in, int rc,
                         const struct count_result *res)
{
	size_t nerrors = json_object_array_length(in->errors);
	struct json_object *o;

	if (rc == COUNT_REFUSED) {
		o = envelope_status(res->status, res->message, res->detail);
		if (nerrors)
			json_object_object_add(o, "errors", json_object_get(in->errors));
		envelope_reply(r, res->status, o);
		return;
	}
	if (rc != 0 && rc != DRY_RUN_DONE) {
		internal(r);
		return;
	}
	if (in->dry_run) {
		o = envelope_status(
		    200, "Import checked",
		    arena_sprintf(r->arena, "%zu row(s), %zu invalid", in->nrows, nerrors));
		jval_add_bool(o, "valid", nerrors == 0);
		jval_add_int(o, "rows", (long long)in->nrows);
	} else {
		o = envelope_status(200, "Count records imported successfully",
		                    arena_sprintf(r->arena, "%zu row(s)", in->imported));
		jval_add_int(o, "imported", (long long)in->imported);
	}
	json_object_object_add(o, "errors", json_object_get(in->errors));
	reply(r, o);
}

static void handle_import(struct request *r)
{
	struct import_in in = {0};
	struct count_result res;
	int rc;

	if (read_dry_run(r, &in.dry_run) != 0 || read_csv(r, &in) != 0)
		return;
	rc = run_txn(r, import_write, &in, &res);
	if (!in.errors)
		in.errors = json_object_new_array();
	reply_import(r, &in, rc, &res);
	json_object_put(in.errors);
}

/* ---- routes ------------------------------------------------------------------------------ */

static const struct route routes[] = {
    {"GET", BASE, handle_list, READ_SCOPES},
    {"POST", BASE, handle_create, CREATE_SCOPES},
    {"GET", BASE "/:key", handle_get, READ_SCOPES},
    {"PUT", BASE "/:key", handle_update, CREATE_SCOPES},
    {"DELETE", BASE "/:key", handle_delete, CREATE_SCOPES},
    {"POST", BASE "/:key/start", handle_start, CREATE_SCOPES},
    {"POST", BASE "/:key/complete", handle_complete, CREATE_SCOPES},
    {"POST", BASE "/:key/cancel", handle_cancel, CREATE_SCOPES},
    {"POST", BASE "/:key/apply", handle_apply, APPLY_SCOPES},
    {"GET", BASE "/:key/records", handle_records, READ_SCOPES},
    {"POST", BASE "/:key/records", handle_record, RECORD_SCOPES},
    {"POST", BASE "/:key/records/resolve", handle_resolve, APPLY_SCOPES},
    {"POST", BASE "/:key/records/import", handle_import, RECORD_SCOPES},
    {"GET", BASE "/:key/variances", handle_variances, VARIANCE_SCOPES},
    {0},
};

static const struct app count_sessions_app = {
    .name = "count_sessions",
    .routes = routes,
    .error = send_error,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&count_sessions_app, argc, argv);
}
