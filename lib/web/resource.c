/* Table-driven CRUD engine for master data: body checks, list queries, one-transaction writes. */
#include "web/resource.h"

#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "web/body.h"
#include "web/envelope.h"
#include "web/etag.h"
#include "base/log.h"
#include "web/req.h"
#include "web/row_json.h"
#include "base/valid.h"
#include "db/paging.h"
#include "db/sql.h"

/* Columns every resource has that only the server sets. */
static const char *const auto_columns[] = {"id", "created_at", "updated_at", NULL};

/* Lists are newest first; id breaks ties so pages never overlap (rows may share a created_at). */
#define RES_ORDER " ORDER BY t.created_at DESC, t.id DESC"

const struct resource *res_for_path(const struct resource *const *set, const char *path)
{
	for (; path && *set; set++) {
		size_t n = strlen((*set)->path);

		if (strncmp(path, (*set)->path, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return *set;
	}
	return NULL;
}

size_t res_nfields(const struct resource *res)
{
	return field_count(res->fields);
}

int res_field_index(const struct resource *res, const char *name)
{
	return field_index(res->fields, name);
}

/* ---- validation (no database) ---- */

static int fail400(struct arena *a, const char *what, const char *name, const char **msg)
{
	*msg = arena_sprintf(a, "%s: %s", what, name);
	return 400;
}

static bool same_tenant(struct json_object *v, const char *caller_tenant)
{
	if (!v || json_object_get_type(v) == json_type_null)
		return true;
	return json_object_get_type(v) == json_type_string && caller_tenant &&
	       strcasecmp(json_object_get_string(v), caller_tenant) == 0;
}

/* Every key of the body must be a field this mode may write; tenant_id only as the caller's. */
static int check_keys(struct arena *a, const struct resource *res, struct json_object *body,
                      enum res_mode mode, const char *caller_tenant, const char **msg)
{
	json_object_object_foreach(body, key, val)
	{
		const struct field *f;
		int fi;

		if (strcmp(key, "tenant_id") == 0) {
			if (same_tenant(val, caller_tenant))
				continue;
			*msg = "Insufficient permissions";
			return 403;
		}
		if (valid_one_of(key, auto_columns))
			return fail400(a, "Field is read-only", key, msg);
		fi = res_field_index(res, key);
		if (fi < 0)
			return fail400(a, "Unknown field", key, msg);
		f = &res->fields[fi];
		if (f->flags & RES_READONLY)
			return fail400(a, "Field is read-only", key, msg);
		if (mode == RES_UPDATE && !(f->flags & RES_PATCH)) {
			if (f->fixed_msg) {
				*msg = f->fixed_msg;
				return 400;
			}
			return fail400(a, "Field cannot be changed", key, msg);
		}
	}
	return 0;
}

/* One field of the body: missing (required on create) or its value checked into *val. */
static int check_field(struct arena *a, const struct field *f, struct json_object *body,
                       enum res_mode mode, struct field_value *val, const char **msg)
{
	const char *detail = NULL; /* the ONDI envelope has a message only */
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(body, f->name, &v)) {
		if (mode == RES_CREATE && (f->flags & FIELD_REQUIRED))
			return field_required(a, f, msg, &detail);
		return 0;
	}
	return field_check(a, f, v, mode == RES_CREATE, val, msg, &detail);
}

int res_validate_each(struct arena *a, const struct resource *res, struct json_object *body,
                      enum res_mode mode, struct field_value *vals, const char **msgs)
{
	int status = 0;

	for (size_t i = 0; res->fields[i].name; i++) {
		msgs[i] = NULL;
		if (check_field(a, &res->fields[i], body, mode, &vals[i], &msgs[i]))
			status = 400;
	}
	return status;
}

int res_validate(struct arena *a, const struct resource *res, struct json_object *body,
                 enum res_mode mode, const char *caller_tenant, struct field_value *vals,
                 const char **msg)
{
	size_t nset = 0;
	int status;

	if (!body || json_object_get_type(body) != json_type_object) {
		*msg = "Invalid JSON body";
		return 400;
	}
	status = check_keys(a, res, body, mode, caller_tenant, msg);
	if (status)
		return status;
	/* In the table's order, so the first field at fault is the one named. */
	for (size_t i = 0; res->fields[i].name; i++) {
		status = check_field(a, &res->fields[i], body, mode, &vals[i], msg);
		if (status)
			return status;
		nset += vals[i].set;
	}
	if (mode == RES_UPDATE && nset == 0) {
		*msg = "No fields to update";
		return 400;
	}
	return 0;
}

/* A filter value as a parameter of the field's kind; -1 when it can never match. */
static int filter_param(struct arena *a, const struct resource *res, const struct field *f,
                        const char *s, struct db_param *out)
{
	char when[32];
	long long i;

	switch (f->kind) {
	case FIELD_ENUM:
		/* Soft-deleted rows carry deleted_status, which need not be a writable value. */
		if (!valid_one_of(s, f->values) &&
		    !(res->deleted_status && strcmp(f->name, "status") == 0 &&
		      strcmp(s, res->deleted_status) == 0))
			return -1;
		*out = DBP_S(s);
		return 0;
	case FIELD_REF:
		if (!valid_uuid(s))
			return -1;
		*out = DBP_S(valid_id_norm(a, s));
		return 0;
	case FIELD_INT:
		if (!valid_int64(s, &i))
			return -1;
		*out = DBP_I(i);
		return 0;
	case FIELD_TIME:
		if (!valid_timestamp(s, when, sizeof when))
			return -1;
		*out = DBP_S(arena_strdup(a, when));
		return 0;
	default: /* text is matched as it is */
		break;
	}
	*out = DBP_S(s);
	return 0;
}

static void where_search(struct sql *q, const struct resource *res, const char *term)
{
	char *pattern = sql_like_pattern(q->a, term);

	buf_puts(&q->text, " AND (");
	for (size_t i = 0; res->search[i]; i++) {
		if (i)
			buf_puts(&q->text, " OR ");
		buf_appendf(&q->text, "%s LIKE ? ESCAPE '!'", res->search[i]);
		sql_param(q, DBP_S(pattern));
	}
	buf_puts(&q->text, ")");
}

int res_build_where(struct sql *q, const struct resource *res, const struct kvlist *query,
                    const char *tenant_id, const char **msg)
{
	const char *term = kvlist_get(query, "search");

	sql_addp(q, " WHERE t.tenant_id = ?", DBP_S(tenant_id));
	for (size_t i = 0; res->fields[i].name; i++) {
		const struct field *f = &res->fields[i];
		const char *s = (f->flags & RES_FILTER) ? kvlist_get(query, f->name) : NULL;
		struct db_param p;

		if (!s || !*s)
			continue;
		if (filter_param(q->a, res, f, s, &p) < 0) {
			*msg = arena_sprintf(q->a, "Invalid %s", f->name);
			return -1;
		}
		buf_appendf(&q->text, " AND t.%s = ?", f->name);
		sql_param(q, p);
	}
	if (term && *term && res->search && res->search[0])
		where_search(q, res, term);
	return 0;
}

/* ---- hook helpers ---- */

const char *res_op_str(const struct res_op *op, const char *name)
{
	int i = res_field_index(op->res, name);

	if (i < 0 || !op->vals[i].set || op->vals[i].null)
		return NULL;
	return op->vals[i].s;
}

void res_op_set_str(struct res_op *op, const char *name, const char *s)
{
	int i = res_field_index(op->res, name);

	if (i < 0)
		log_fatal("resource %s has no field %s", op->res->table, name);
	op->vals[i].set = true;
	op->vals[i].null = s == NULL;
	op->vals[i].s = s ? arena_strdup(op->r->arena, s) : NULL;
}

void res_op_set_int(struct res_op *op, const char *name, long long v)
{
	int i = res_field_index(op->res, name);

	if (i < 0)
		log_fatal("resource %s has no field %s", op->res->table, name);
	op->vals[i].set = true;
	op->vals[i].null = false;
	op->vals[i].i = v;
}

long long res_op_int(const struct res_op *op, const char *name, long long dflt)
{
	int i = res_field_index(op->res, name);

	if (i < 0 || !op->vals[i].set || op->vals[i].null)
		return dflt;
	return op->vals[i].i;
}

int res_fail(struct res_op *op, int status, const char *message)
{
	op->status = status;
	op->message = message;
	return -1;
}

/* ---- database side ---- */

static const char *tenant_of(const struct request *r)
{
	return r->caller ? r->caller->tenant_id : NULL;
}

static void send_internal(struct request *r)
{
	envelope_ondi_error(r, 500, "Internal server error");
}

static void send_not_found(struct request *r, const struct resource *res)
{
	envelope_ondi_error(
	    r, 404, res ? arena_sprintf(r->arena, "%s not found", res->entity) : "Not found");
}

/* SELECT list and FROM of the resource's JSON object (table alias t). */
static void select_columns(struct buf *b, const struct resource *res)
{
	buf_puts(b, "SELECT t.id, t.tenant_id");
	for (size_t i = 0; res->fields[i].name; i++)
		buf_appendf(b, ", t.%s", res->fields[i].name);
	buf_puts(b, ", t.created_at, t.updated_at");
	if (res->select_extra)
		buf_appendf(b, ", %s", res->select_extra);
	buf_appendf(b, " FROM %s t", res->table);
	if (res->joins)
		buf_appendf(b, " %s", res->joins);
}

/* Runs head followed by q's text with q's parameters. */
static int run_query(struct request *r, const struct buf *head, const struct sql *q,
                     struct db_rows *rows)
{
	struct buf sql;
	int rc;

	buf_init(&sql);
	buf_puts(&sql, buf_cstr(head));
	buf_puts(&sql, buf_cstr(&q->text));
	rc = db_execv(r->arena, rows, buf_cstr(&sql), q->params, q->n);
	buf_release(&sql);
	return rc;
}

/* The resource's JSON object for id: 0, 1 when there is none in the tenant, -1 on a DB error. */
static int load_json(struct request *r, const struct resource *res, const char *id,
                     struct json_object **out)
{
	struct sql q;
	struct buf head;
	struct db_rows rows;
	int rc;

	buf_init(&head);
	sql_init(&q, r->arena);
	select_columns(&head, res);
	sql_addp(&q, " WHERE t.tenant_id = ?", DBP_S(tenant_of(r)));
	sql_addp(&q, " AND t.id = ?", DBP_S(id));
	rc = run_query(r, &head, &q, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = 1;
	if (rc == 0)
		*out = row_json(&rows, 0);
	sql_release(&q);
	buf_release(&head);
	return rc;
}

/* Sends {"success": true, "message": "<Entity> <verb> successfully", "<singular>": {...}}. */
static void send_row(struct request *r, const struct resource *res, const char *id, int status,
                     const char *verb)
{
	struct json_object *obj = NULL;
	const char *text;
	size_t len = 0;
	struct buf *b;
	int rc = load_json(r, res, id, &obj);

	if (rc < 0) {
		send_internal(r);
		return;
	}
	if (rc > 0) {
		send_not_found(r, res);
		return;
	}
	/* The record is serialized once: its text is both what the ETag hashes and what is sent. */
	if (!(text = json_object_to_json_string_length(obj, JVAL_OUT_FLAGS, &len)))
		log_fatal("json: out of memory");
	etag_send(r, etag_of_text(r->arena, text, len));
	/* A create says where the new record lives (RFC 9110 section 10.2.2). */
	if (status == 201)
		req_add_header(r, "Location", arena_sprintf(r->arena, "%s/%s", res->path, id));
	/* Entity, verb and singular are constants: nothing in them needs escaping. */
	b = envelope_ondi_open(r, arena_sprintf(r->arena, "%s %s successfully", res->entity, verb));
	buf_appendf(b, ",\"%s\":", res->singular);
	buf_append(b, text, len);
	buf_putc(b, '}');
	r->status = status;
	json_object_put(obj);
}

/* The :id route parameter in lower case, or NULL (and a 404 sent) when it cannot name a row. */
static const char *path_id(struct request *r, const struct resource *res)
{
	const char *id = req_param(r, "id");

	if (!res || !id || !valid_uuid(id)) {
		send_not_found(r, res);
		return NULL;
	}
	return valid_id_norm(r->arena, id);
}

static int count_rows(struct request *r, const struct resource *res, const struct sql *where,
                      long long *total)
{
	struct buf head;
	struct db_rows rows;
	int rc;

	buf_init(&head);
	buf_appendf(&head, "SELECT COUNT(*) FROM %s t", res->table);
	if (res->joins)
		buf_appendf(&head, " %s", res->joins);
	rc = run_query(r, &head, where, &rows);
	buf_release(&head);
	if (rc < 0)
		return -1;
	if (rows.nrows != 1 || !valid_int64(db_cell(&rows, 0, 0), total))
		return -1;
	return 0;
}

/* The page of rows as a JSON array (rows past the end give an empty one). */
static int page_json(struct request *r, const struct resource *res, struct sql *where,
                     const struct paging *pg, struct json_object *arr)
{
	struct buf head;
	struct db_rows rows;
	int rc;

	buf_init(&head);
	select_columns(&head, res);
	sql_addp(where, RES_ORDER " LIMIT ?", DBP_I(pg->limit));
	sql_addp(where, " OFFSET ?", DBP_I((pg->page - 1) * pg->limit));
	rc = run_query(r, &head, where, &rows);
	buf_release(&head);
	for (size_t i = 0; rc == 0 && i < rows.nrows; i++)
		json_object_array_add(arr, row_json(&rows, i));
	return rc;
}

/*
 * " AND t.updated_at >= ?" for a list's updated_since (absent or "": none), so
 * a client syncing master data asks for what changed since its last pass
 * (every write of these tables sets updated_at). 0, or -1 when malformed.
 */
static int where_updated_since(struct sql *q, const char *since)
{
	char ts[32];

	if (!since || !*since)
		return 0;
	if (!valid_timestamp(since, ts, sizeof(ts)))
		return -1;
	sql_addp(q, " AND t.updated_at >= ?", DBP_S(arena_strdup(q->a, ts)));
	return 0;
}

void res_list(struct request *r, const struct resource *res)
{
	struct paging pg;
	struct sql where;
	struct json_object *env = NULL;
	struct json_object *arr;
	struct paging_refusal why;
	const char *msg = NULL;
	long long total = 0;

	if (!res) {
		send_not_found(r, res);
		return;
	}
	if (paging_parse(req_query(r, "page"), req_query(r, "limit"), PAGING_REFUSE, &pg, &why) <
	    0) {
		envelope_ondi_error_detail(r, 400, why.message, why.detail);
		return;
	}
	sql_init(&where, r->arena);
	if (res_build_where(&where, res, &r->query, tenant_of(r), &msg) < 0) {
		envelope_ondi_error(r, 400, msg);
		goto out;
	}
	if (where_updated_since(&where, req_query(r, "updated_since")) < 0) {
		envelope_ondi_error_detail(r, 400, "Invalid updated_since",
		                           "updated_since must be an ISO 8601 date-time such as "
		                           "2024-01-31T08:00:00Z");
		goto out;
	}
	arr = json_object_new_array();
	env = envelope_ondi(arena_sprintf(r->arena, "%s retrieved successfully", res->entities));
	json_object_object_add(env, res->plural, arr);
	if (count_rows(r, res, &where, &total) < 0 ||
	    (total > (pg.page - 1) * pg.limit && page_json(r, res, &where, &pg, arr) < 0)) {
		json_object_put(env);
		send_internal(r);
		goto out;
	}
	jval_add_int(env, "page", pg.page);
	jval_add_int(env, "limit", pg.limit);
	jval_add_int(env, "total", total);
	envelope_reply(r, 200, env);
out:
	sql_release(&where);
}

void res_get(struct request *r, const struct resource *res)
{
	const char *id = path_id(r, res);

	if (id)
		send_row(r, res, id, 200, "retrieved");
}

/* Parses and validates the body into a fresh op; sends the error and returns -1 when it fails. */
static int begin_write(struct request *r, const struct resource *res, enum res_mode mode,
                       struct res_op *op)
{
	struct json_object *body;
	const char *msg = NULL;
	int status;

	res_op_init(r, res, NULL, op);
	body = body_json(r, &msg);
	if (!body) {
		envelope_ondi_error(r, 400, msg ? msg : "Invalid JSON body");
		return -1;
	}
	status = res_validate(r->arena, res, body, mode, tenant_of(r), op->vals, &msg);
	json_object_put(body);
	if (status) {
		envelope_ondi_error(r, status, msg);
		return -1;
	}
	return 0;
}

/* After a transaction: the refusal a step recorded, a 500, or the row as it is now. */
static void finish_write(struct res_op *op, int rc, int status, const char *verb)
{
	if (op->status)
		envelope_ondi_error(op->r, op->status, op->message);
	else if (rc != 0)
		send_internal(op->r);
	else
		send_row(op->r, op->res, op->id, status, verb);
}

/* A failed INSERT/UPDATE: a unique key collision becomes its 409, anything else a DB error. */
static int write_failed(struct res_op *op)
{
	const struct res_unique *u = op->res->uniques;
	const char *err = db_error();

	if (!db_is_duplicate())
		return -1;
	for (; u && u->key; u++)
		if (err && strstr(err, u->key)) {
			op->field = u->field;
			return res_fail(op, 409, u->message);
		}
	if (op->res->uniques && op->res->uniques[0].key) {
		op->field = op->res->uniques[0].field;
		return res_fail(op, 409, op->res->uniques[0].message);
	}
	return res_fail(op, 409, arena_sprintf(op->r->arena, "%s already exists", op->res->entity));
}

/* A referenced row: in the tenant (404), active (400), and matching ref_match on create (400). */
static int check_ref(struct res_op *op, const struct field *f, const struct field_value *v,
                     enum res_mode mode)
{
	struct arena *a = op->r->arena;
	bool match = mode == RES_CREATE && f->ref_match;
	struct db_rows rows;
	const char *want;
	const char *sql;

	/* A shared lock keeps the row from being soft-deleted before this write commits. */
	sql = arena_sprintf(a,
	                    "SELECT status%s%s FROM %s WHERE tenant_id = ? AND id = ?"
	                    " LOCK IN SHARE MODE",
	                    match ? ", " : "", match ? f->ref_match : "", f->ref_table);
	if (db_exec(a, &rows, sql, "ss", tenant_of(op->r), v->s) < 0)
		return -1;
	op->field = f->name;
	if (rows.nrows == 0)
		return res_fail(op, 404, arena_sprintf(a, "%s not found", f->ref_entity));
	if (!db_cell(&rows, 0, 0) || strcmp(db_cell(&rows, 0, 0), "active") != 0)
		return res_fail(op, 400, arena_sprintf(a, "%s is inactive", f->ref_entity));
	want = match ? res_op_str(op, f->ref_match) : NULL;
	if (match &&
	    (!want || !db_cell(&rows, 0, 1) || strcasecmp(want, db_cell(&rows, 0, 1)) != 0))
		return res_fail(op, 400, f->ref_mismatch_msg);
	op->field = NULL;
	return 0;
}

static int check_refs(struct res_op *op, enum res_mode mode)
{
	for (size_t i = 0; op->res->fields[i].name; i++) {
		const struct field *f = &op->res->fields[i];

		if (f->kind == FIELD_REF && op->vals[i].set && !op->vals[i].null &&
		    check_ref(op, f, &op->vals[i], mode) < 0)
			return -1;
	}
	return 0;
}

static int insert_row(struct res_op *op)
{
	const struct resource *res = op->res;
	struct sql q;
	struct buf marks;
	int rc;

	sql_init(&q, op->r->arena);
	buf_init(&marks);
	buf_appendf(&q.text, "INSERT INTO %s (id, tenant_id", res->table);
	buf_puts(&marks, "?, ?");
	sql_param(&q, DBP_S(op->id));
	sql_param(&q, DBP_S(tenant_of(op->r)));
	for (size_t i = 0; res->fields[i].name; i++) {
		if (!op->vals[i].set)
			continue;
		buf_appendf(&q.text, ", %s", res->fields[i].name);
		buf_puts(&marks, ", ?");
		sql_param(&q, field_param(&res->fields[i], &op->vals[i]));
	}
	buf_appendf(&q.text, ") VALUES (%s)", buf_cstr(&marks));
	rc = db_execv(op->r->arena, NULL, buf_cstr(&q.text), q.params, q.n);
	if (rc < 0)
		rc = write_failed(op);
	buf_release(&marks);
	sql_release(&q);
	return rc;
}

static int update_row(struct res_op *op)
{
	const struct resource *res = op->res;
	struct sql q;
	int rc;

	sql_init(&q, op->r->arena);
	buf_appendf(&q.text, "UPDATE %s SET ", res->table);
	for (size_t i = 0; res->fields[i].name; i++) {
		if (!op->vals[i].set)
			continue;
		buf_appendf(&q.text, "%s = ?, ", res->fields[i].name);
		sql_param(&q, field_param(&res->fields[i], &op->vals[i]));
	}
	buf_puts(&q.text, "updated_at = UTC_TIMESTAMP(6)");
	sql_addp(&q, " WHERE tenant_id = ?", DBP_S(tenant_of(op->r)));
	sql_addp(&q, " AND id = ?", DBP_S(op->id));
	rc = db_execv(op->r->arena, NULL, buf_cstr(&q.text), q.params, q.n);
	if (rc < 0)
		rc = write_failed(op);
	sql_release(&q);
	return rc;
}

/* Locks the row being changed; 404 when the tenant has no such row. */
static int lock_row(struct res_op *op)
{
	struct arena *a = op->r->arena;
	struct db_rows rows;
	const char *sql = arena_sprintf(
	    a, "SELECT id FROM %s WHERE tenant_id = ? AND id = ? FOR UPDATE", op->res->table);

	if (db_exec(a, &rows, sql, "ss", tenant_of(op->r), op->id) < 0)
		return -1;
	if (rows.nrows == 0)
		return res_fail(op, 404, arena_sprintf(a, "%s not found", op->res->entity));
	return 0;
}

/* The delete guard: any row from guard_sql refuses with 409. */
static int check_guard(struct res_op *op)
{
	struct db_rows rows;

	if (!op->res->guard_sql)
		return 0;
	if (db_exec(op->r->arena, &rows, op->res->guard_sql, "ss", tenant_of(op->r), op->id) < 0)
		return -1;
	if (rows.nrows) {
		op->field = "status";
		return res_fail(op, 409, op->res->guard_msg);
	}
	return 0;
}

/* Transaction bodies run again after a deadlock, so each starts by clearing the last refusal. */
static void op_restart(struct res_op *op)
{
	op->status = 0;
	op->message = NULL;
	op->field = NULL;
}

static int create_txn(void *ctx)
{
	struct res_op *op = ctx;
	const struct resource *res = op->res;

	op_restart(op);
	if (check_refs(op, RES_CREATE) < 0)
		return -1;
	if (res->before_create && res->before_create(op) < 0)
		return -1;
	if (insert_row(op) < 0)
		return -1;
	if (res->after_create && res->after_create(op) < 0)
		return -1;
	return 0;
}

/* A PATCH to the deleted status is a delete and passes the same guard. */
static bool sets_deleted_status(const struct res_op *op)
{
	const char *status = res_op_str(op, "status");

	return op->res->deleted_status && status && strcmp(status, op->res->deleted_status) == 0;
}

/* Under the row's lock: the client's If-Match against the record as it is now. */
static int check_if_match(struct res_op *op)
{
	struct json_object *now = NULL;
	bool fresh;
	int rc;

	if (!op->if_match)
		return 0;
	if ((rc = load_json(op->r, op->res, op->id, &now)) != 0)
		return rc < 0
		           ? -1
		           : res_fail(op, 404,
		                      arena_sprintf(op->r->arena, "%s not found", op->res->entity));
	fresh = etag_if_match(op->if_match, etag_of_json(op->r->arena, now));
	json_object_put(now);
	return fresh ? 0 : res_fail(op, 412, ETAG_STALE_MESSAGE);
}

static int update_txn(void *ctx)
{
	struct res_op *op = ctx;

	op_restart(op);
	if (lock_row(op) < 0 || check_if_match(op) < 0 || check_refs(op, RES_UPDATE) < 0)
		return -1;
	if (sets_deleted_status(op) && check_guard(op) < 0)
		return -1;
	return update_row(op);
}

void res_op_init(struct request *r, const struct resource *res, const char *id, struct res_op *op)
{
	memset(op, 0, sizeof *op);
	op->r = r;
	op->res = res;
	op->id = id;
	op->vals = arena_alloc(r->arena, (res_nfields(res) + 1) * sizeof *op->vals);
	memset(op->vals, 0, (res_nfields(res) + 1) * sizeof *op->vals);
}

/* The status of a finished write: 0, the refusal a step recorded, or 500. */
static int write_status(struct res_op *op, int rc)
{
	if (op->status)
		return op->status;
	if (rc != 0) {
		op->message = "Internal server error";
		return 500;
	}
	return 0;
}

int res_write(struct res_op *op, enum res_mode mode)
{
	if (mode == RES_CREATE) {
		op->id = db_uuid(op->r->arena);
		return write_status(op, db_transaction(create_txn, op));
	}
	return write_status(op, db_transaction(update_txn, op));
}

int res_deactivate(struct res_op *op)
{
	res_op_set_str(op, "status", op->res->deleted_status);
	/* The same path as a PATCH of status, so the guard and the lock apply once. */
	return write_status(op, db_transaction(update_txn, op));
}

void res_create(struct request *r, const struct resource *res)
{
	struct res_op op;
	int rc;

	if (!res) {
		send_not_found(r, res);
		return;
	}
	if (begin_write(r, res, RES_CREATE, &op) < 0)
		return;
	rc = res_write(&op, RES_CREATE);
	finish_write(&op, rc, 201, "created");
}

void res_update(struct request *r, const struct resource *res)
{
	const char *id = path_id(r, res);
	struct res_op op;
	int rc;

	if (!id || begin_write(r, res, RES_UPDATE, &op) < 0)
		return;
	op.id = id;
	op.if_match = req_header(r, "If-Match");
	rc = res_write(&op, RES_UPDATE);
	finish_write(&op, rc, 200, "updated");
}

void res_delete(struct request *r, const struct resource *res)
{
	const char *id = path_id(r, res);
	struct res_op op;
	int rc;

	if (!id)
		return;
	res_op_init(r, res, id, &op);
	rc = res_deactivate(&op);
	finish_write(&op, rc, 200, "deleted");
}
