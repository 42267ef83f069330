/* Count sessions (cycle counting): plan, start, count, complete, apply; records, imports. */
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/valid.h"
#include "count/count.h"
#include "count/count_csv.h"
#include "count/count_input.h"
#include "count/count_view.h"
#include "count/count_write.h"
#include "db/db.h"
#include "db/paging.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/body.h"
#include "web/count_body.h"
#include "web/count_download.h"
#include "web/count_json.h"
#include "web/envelope.h"
#include "web/etag.h"
#include "web/req.h"

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

/*
 * A number query parameter from min to max (paging_number's rule: above max is
 * refused), dflt when absent. 0, or -1 with a reply sent.
 */
static int query_number(struct request *r, const char *name, long long dflt, long long min,
                        long long max, long long *out)
{
	if (paging_number(req_query(r, name), dflt, min, max, PAGING_REFUSE, out) == 0)
		return 0;
	envelope_status_error(
	    r, 400, arena_sprintf(r->arena, "Invalid %s", name),
	    arena_sprintf(r->arena, "%s must be a whole number from %lld to %lld", name, min, max));
	return -1;
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

/* A write's refusal or failure as the reply: 0 once committed, else -1 with the reply sent. */
static int written(struct request *r, int rc, const struct count_result *res)
{
	if (rc == COUNT_REFUSED)
		envelope_status_error(r, res->status, res->message, res->detail);
	else if (rc != 0)
		internal(r);
	return rc == 0 ? 0 : -1;
}

/* The session's ETag: its _rev, quoted (web/etag.h). */
static void send_rev_etag(struct request *r, struct json_object *doc)
{
	bool ok = false;
	const char *rev = jval_str(doc, "_rev", &ok);

	if (rev)
		etag_send(r, arena_sprintf(r->arena, "\"%s\"", rev));
}

/* {"status": 200, "message", "detail": key, "count_session": {...}}. */
static void reply_session(struct request *r, const char *message, const char *key)
{
	struct json_object *doc, *o;

	if (count_json_session(r->arena, tenant(r), key, &doc) < 0 || !doc) {
		internal(r);
		return;
	}
	send_rev_etag(r, doc);
	o = envelope_status(200, message, key);
	json_object_object_add(o, "count_session", doc);
	reply(r, o);
}

/* ---- create ------------------------------------------------------------------ */

struct create_in {
	struct field_value *vals;
	struct count_assignment *assignments;
	size_t nassignments;
	const char *id;
};

/* The count_session object of a body: {"count_session": {...}}, or the body itself (PUT). */
static struct json_object *session_part(struct request *r, struct json_object *body, bool wrapped)
{
	struct json_object *o = NULL;

	if (!json_object_object_get_ex(body, "count_session", &o)) {
		if (!wrapped)
			return body;
		envelope_status_error(
		    r, 400, "Field required: count_session",
		    "the body is {\"count_session\": {...}, \"assignments\": [...]}");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		envelope_status_error(r, 400, "Invalid count_session",
		                      "count_session must be an object");
		return NULL;
	}
	return o;
}

/* Parses the session fields (and, when present or required, the assignments). 0, or -1 with a
 * reply. */
static int parse_session_body(struct request *r, struct json_object *body, bool creating,
                              struct field_value *vals, struct count_assignment **assignments,
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
	struct count_result res;
	struct json_object *body = body_object(r);

	if (!body)
		return;
	in.vals = arena_alloc(r->arena, count_nfields() * sizeof(*in.vals));
	if (parse_session_body(r, body, true, in.vals, &in.assignments, &in.nassignments) != 0 ||
	    written(r,
	            count_write_create(r->arena, tenant(r), r->caller->user_id, in.vals,
	                               in.assignments, in.nassignments, auth_probe(r), &in.id,
	                               &res),
	            &res) != 0)
		return;
	log_info("count: session %s created by %s", in.id, r->caller->user_id);
	reply_session(r, "Count session created successfully", in.id);
	/* The document's 200 stays; the header says where the new session lives. */
	if (r->status == 200)
		req_add_header(r, "Location", arena_sprintf(r->arena, BASE "/%s", in.id));
}

/* ---- update and delete ---------------------------------------------------------- */

/* _rev as the document types it, a string ("7"), or as a whole number (7, 7.0). */
static bool rev_value(struct json_object *doc, long long *rev)
{
	const char *s = jval_str(doc, "_rev", NULL);

	if (s)
		return valid_int64(s, rev);
	return jval_int(doc, "_rev", rev) == JVAL_WHOLE;
}

/* The _rev of a PUT body's session: required, a string (or number) of digits. 0, or -1 with a
 * reply. */
static int parse_rev(struct request *r, struct json_object *body, long long *rev)
{
	struct json_object *doc = NULL;

	if (!json_object_object_get_ex(body, "count_session", &doc))
		doc = body;
	if (!jval_has(doc, "_rev")) {
		envelope_status_error(
		    r, 400, "Field required: _rev",
		    "send the _rev of the session you read; a stale one is refused (409)");
		return -1;
	}
	if (!rev_value(doc, rev)) {
		envelope_status_error(r, 400, "Invalid _rev",
		                      "_rev is the value the session was read with");
		return -1;
	}
	return 0;
}

/*
 * If-Match on PUT names the _rev the client read ("\"<_rev>\""): it must be the body's _rev too,
 * and the write's own _rev check (under the session's lock) then answers a stale one with 412
 * instead of 409. 0 to go on, or -1 with the 412 sent.
 */
static int check_if_match(struct request *r, long long rev, bool *given)
{
	const char *h = req_header(r, "If-Match");

	*given = h && !strchr(h, '*'); /* "*" keeps the plain _rev check and its 409 */
	if (!h || etag_if_match(h, etag_of_rev(r->arena, rev)))
		return 0;
	envelope_status_error(
	    r, 412, ETAG_STALE_MESSAGE,
	    arena_sprintf(r->arena, "If-Match does not name _rev %lld of the body", rev));
	return -1;
}

static void handle_update(struct request *r)
{
	struct count_update in = {0};
	struct field_value *vals;
	struct count_assignment *assignments;
	struct count_result res;
	struct json_object *body = body_object(r);
	bool if_match;
	int rc;

	if (!body)
		return;
	vals = arena_alloc(r->arena, count_nfields() * sizeof(*vals));
	if (parse_session_body(r, body, false, vals, &assignments, &in.nassignments) != 0 ||
	    parse_rev(r, body, &in.rev) != 0 || check_if_match(r, in.rev, &if_match) != 0)
		return;
	in.vals = vals;
	in.assignments = assignments;
	rc = count_write_update(r->arena, tenant(r), req_param(r, "key"), &in, &res);
	if (rc == COUNT_REFUSED && if_match && res.status == 409 &&
	    strcmp(res.message, "Count session was changed meanwhile") == 0) {
		res.status = 412;
		res.message = ETAG_STALE_MESSAGE;
	}
	if (written(r, rc, &res) != 0)
		return;
	reply_session(r, "Count session updated successfully", path_key(r));
}

static void handle_delete(struct request *r)
{
	struct count_result res;

	if (written(r, count_write_delete(r->arena, tenant(r), req_param(r, "key"), &res), &res) !=
	    0)
		return;
	log_info("count: session %s deleted by %s", path_key(r), r->caller->user_id);
	reply(r, envelope_status(200, "Count session deleted successfully", path_key(r)));
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static void run_action(struct request *r, enum count_action action)
{
	struct count_result res;

	if (written(r,
	            count_write_action(r->arena, tenant(r), req_param(r, "key"), action,
	                               r->caller->user_id, &res),
	            &res) != 0)
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

/*
 * Where the list starts: offset, or page (from 1, of limit rows) for clients
 * that page by number; one of the two. 0, or -1 with a reply sent.
 */
static int list_start(struct request *r, struct count_list_filter *f, long long *page)
{
	if (query_number(r, "offset", 0, 0, OFFSET_MAX, &f->offset) != 0 ||
	    query_number(r, "page", 0, 1, PAGING_PAGE_MAX, page) != 0)
		return -1;
	if (*page && kvlist_get_nonempty(&r->query, "offset")) {
		envelope_status_error(
		    r, 400, "Invalid page",
		    "give page or offset, not both (page N is offset (N - 1) * limit)");
		return -1;
	}
	if (*page)
		f->offset = (*page - 1) * f->limit;
	return 0;
}

static void handle_list(struct request *r)
{
	struct count_list_filter f = {0};
	struct json_object *list, *o;
	long long total = 0, page = 0;

	if (query_enum(r, "status", count_statuses, &f.status) != 0 ||
	    query_enum(r, "type", count_types, &f.type) != 0 ||
	    query_number(r, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &f.limit) != 0 ||
	    list_start(r, &f, &page) != 0)
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
	if (page)
		jval_add_int(o, "page", page);
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
	etag_send(r, etag_of_rev(r->arena, s.rev));
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
		envelope_status_error(r, 409,
		                      arena_sprintf(r->arena, "Count session is %s", s.status),
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

struct record_in {
	struct count_entry e;
	const char *record_id;
	struct count_session s;
};

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
	struct count_result res;
	struct count_view v;
	struct json_object *rec = NULL, *o;

	if (parse_entry(r, &in.e) != 0 ||
	    written(r,
	            count_write_record(r->arena, tenant(r), req_param(r, "key"), r->caller->user_id,
	                               &in.e, &in.s, &in.record_id, &res),
	            &res) != 0)
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

static void handle_resolve(struct request *r)
{
	struct record_in in = {0};
	struct count_result res;
	struct json_object *o, *line;

	if (parse_entry(r, &in.e) != 0 ||
	    written(r,
	            count_write_resolve(r->arena, tenant(r), req_param(r, "key"),
	                                r->caller->user_id, &in.e, &in.s, &res),
	            &res) != 0)
		return;
	line = count_json_resolution(&in.e);
	o = envelope_status(200, "Count conflict resolved successfully", in.s.id);
	json_object_object_add(o, "resolution", line);
	reply(r, o);
}

/* ---- import ------------------------------------------------------------------------------- */

/* Reads the CSV body into rows (header dropped). 0, or -1 with a reply sent. */
static int read_csv(struct request *r, struct count_import *in)
{
	struct count_result res;

	if (count_csv_import_rows(r->arena, r->body, r->body_len, &in->rows, &in->nrows, &res) !=
	    0) {
		envelope_status_error(r, res.status, res.message, res.detail);
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

/* The refused rows: line, message and, when there is one, detail. */
static struct json_object *import_errors(const struct count_import *in)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < in->nerrors; i++) {
		const struct count_import_error *err = &in->errors[i];
		struct json_object *e = json_object_new_object();

		jval_add_int(e, "line", (long long)err->line);
		jval_add_str(e, "message", err->message);
		if (err->detail && *err->detail)
			jval_add_str(e, "detail", err->detail);
		json_object_array_add(arr, e);
	}
	return arr;
}

/* The import's answer: a dry run's report, the refused rows, or the count imported. */
static void reply_import(struct request *r, const struct count_import *in, int rc,
                         const struct count_result *res)
{
	struct json_object *o;

	if (rc == COUNT_REFUSED) {
		o = envelope_status(res->status, res->message, res->detail);
		if (in->nerrors)
			json_object_object_add(o, "errors", import_errors(in));
		envelope_reply(r, res->status, o);
		return;
	}
	if (rc != 0) {
		internal(r);
		return;
	}
	if (in->dry_run) {
		o = envelope_status(
		    200, "Import checked",
		    arena_sprintf(r->arena, "%zu row(s), %zu invalid", in->nrows, in->nerrors));
		jval_add_bool(o, "valid", in->nerrors == 0);
		jval_add_int(o, "rows", (long long)in->nrows);
	} else {
		o = envelope_status(200, "Count records imported successfully",
		                    arena_sprintf(r->arena, "%zu row(s)", in->imported));
		jval_add_int(o, "imported", (long long)in->imported);
	}
	json_object_object_add(o, "errors", import_errors(in));
	reply(r, o);
}

static void handle_import(struct request *r)
{
	struct count_import in = {0};
	struct count_result res;
	int rc;

	if (read_dry_run(r, &in.dry_run) != 0 || read_csv(r, &in) != 0)
		return;
	rc = count_write_import(r->arena, tenant(r), req_param(r, "key"), r->caller->user_id, &in,
	                        &res);
	reply_import(r, &in, rc, &res);
}

/* ---- routes ------------------------------------------------------------------------------ */

/* Keyed routes: a retry under the same Idempotency-Key gets the first answer (web/keyed.h). */
static const struct route routes[] = {
    {"GET", BASE, handle_list, READ_SCOPES, .query = "status type search limit offset page"},
    {"POST", BASE, handle_create, CREATE_SCOPES, .user_in_query = true, .query = "", .keyed = true},
    {"GET", BASE "/:key", handle_get, READ_SCOPES, .query = ""},
    {"PUT", BASE "/:key", handle_update, CREATE_SCOPES, .query = ""},
    {"DELETE", BASE "/:key", handle_delete, CREATE_SCOPES, .query = ""},
    {"POST", BASE "/:key/start", handle_start, CREATE_SCOPES, .query = "", .keyed = true},
    {"POST", BASE "/:key/complete", handle_complete, CREATE_SCOPES, .query = "", .keyed = true},
    {"POST", BASE "/:key/cancel", handle_cancel, CREATE_SCOPES, .query = "", .keyed = true},
    {"POST", BASE "/:key/apply", handle_apply, APPLY_SCOPES, .query = "", .keyed = true},
    {"GET", BASE "/:key/records", handle_records, READ_SCOPES, .query = "limit offset"},
    {"POST", BASE "/:key/records", handle_record, RECORD_SCOPES, .query = "", .keyed = true},
    {"POST", BASE "/:key/records/resolve", handle_resolve, APPLY_SCOPES, .query = "",
     .keyed = true},
    /* The body is the CSV file itself, whatever its Content-Type. */
    {"POST", BASE "/:key/records/import", handle_import, RECORD_SCOPES, .query = "dry_run",
     .keyed = true, .other_body = true},
    {"GET", BASE "/:key/variances", handle_variances, VARIANCE_SCOPES, .query = "format"},
    {0},
};

static const struct app count_sessions_app = {
    .name = "count_sessions",
    .routes = routes,
    .error = send_error,
    .json_bodies = true,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&count_sessions_app, argc, argv);
}
