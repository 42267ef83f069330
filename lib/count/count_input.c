/* Request bodies of the count session endpoints: session fields, assignments, counted lines. */
#include "count/count_input.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "db/db.h"
#include "db/sql.h"
#include "base/jval.h"
#include "stock/ledger.h"
#include "base/log.h"
#include "web/resource.h"
#include "base/valid.h"

static const char *const no_values[] = {NULL};

#define SERVER_FIELD(n)                                                                            \
	{                                                                                          \
		.name = n, .kind = COUNT_F_SERVER, .values = no_values                             \
	}
#define BOOL_FIELD(n)                                                                              \
	{                                                                                          \
		.name = n, .kind = COUNT_F_BOOL, .flags = COUNT_F_PLANNED,                         \
		.hint = n " must be true or false"                                                 \
	}

/* In the document's order; our own fields (lock_positions, applied, canceled) among them. */
const struct count_field count_fields[] = {
    SERVER_FIELD("_id"),
    SERVER_FIELD("_key"),
    SERVER_FIELD("_rev"),
    {.name = "code",
     .kind = COUNT_F_TEXT,
     .flags = COUNT_F_PLANNED,
     .max_len = COUNT_CODE_MAX,
     .hint = "code must be a non-empty string"},
    {.name = "description",
     .kind = COUNT_F_TEXT,
     .flags = COUNT_F_NULLABLE,
     .max_len = COUNT_DESCRIPTION_MAX,
     .hint = "description must be a string"},
    {.name = "type",
     .kind = COUNT_F_ENUM,
     .flags = COUNT_F_REQUIRED | COUNT_F_PLANNED,
     .values = count_types,
     .hint = "type must be position or product"},
    SERVER_FIELD("status"),
    BOOL_FIELD("blind_quantities"),
    BOOL_FIELD("blind_serials"),
    BOOL_FIELD("lock_positions"),
    {.name = "coverage_percentage",
     .kind = COUNT_F_PERCENT,
     .flags = COUNT_F_NULLABLE,
     .hint = "coverage_percentage must be an integer from 0 to 100"},
    {.name = "scheduled_start",
     .kind = COUNT_F_TIME,
     .flags = COUNT_F_PLANNED | COUNT_F_NULLABLE,
     .hint = "scheduled_start must be an ISO 8601 date-time"},
    {.name = "scheduled_end",
     .kind = COUNT_F_TIME,
     .flags = COUNT_F_NULLABLE,
     .hint = "scheduled_end must be an ISO 8601 date-time"},
    SERVER_FIELD("created"),
    SERVER_FIELD("created_by"),
    SERVER_FIELD("started"),
    SERVER_FIELD("completed"),
    SERVER_FIELD("applied"),
    SERVER_FIELD("canceled"),
    SERVER_FIELD("baseline_snapshot_key"),
    SERVER_FIELD("post_count_snapshot_key"),
    SERVER_FIELD("post_adjustment_snapshot_key"),
    SERVER_FIELD("adjustment_list_key"),
    {.name = "notes",
     .kind = COUNT_F_TEXT,
     .flags = COUNT_F_NULLABLE,
     .max_len = COUNT_TEXT_MAX,
     .hint = "notes must be a string"},
    {.name = "extra",
     .kind = COUNT_F_TEXT,
     .flags = COUNT_F_NULLABLE,
     .max_len = COUNT_TEXT_MAX,
     .hint = "extra must be a string"},
    {0}};

size_t count_nfields(void)
{
	size_t n = 0;

	while (count_fields[n].name)
		n++;
	return n;
}

int count_field_index(const char *name)
{
	for (size_t i = 0; count_fields[i].name; i++)
		if (strcmp(count_fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int bad(const char **msg, const char **detail, const char *m, const char *d)
{
	*msg = m;
	*detail = d ? d : "";
	return 400;
}

/* A text value of at most max characters. 0, or 400. */
static int text_value(struct arena *a, const char *name, const char *s, size_t max,
                      const char **out, const char **msg, const char **detail)
{
	if (!valid_text(s, max * 4))
		return bad(msg, detail, arena_sprintf(a, "Invalid %s", name),
		           arena_sprintf(a, "%s must be non-blank text", name));
	if (valid_utf8_chars(s) > max)
		return bad(msg, detail, arena_sprintf(a, "Field too long: %s", name),
		           arena_sprintf(a, "%s takes at most %zu characters", name, max));
	*out = arena_strdup(a, s);
	return 0;
}

/* One non-null value of field f. 0, or 400. */
static int field_value(struct arena *a, const struct count_field *f, struct json_object *v,
                       struct count_value *out, const char **msg, const char **detail)
{
	const char *invalid = arena_sprintf(a, "Invalid %s", f->name);
	char when[32];

	switch (f->kind) {
	case COUNT_F_TEXT:
		if (!json_object_is_type(v, json_type_string))
			return bad(msg, detail, invalid, f->hint);
		/* Empty optional text clears the field. */
		if (!*json_object_get_string(v) && (f->flags & COUNT_F_NULLABLE)) {
			out->null = true;
			return 0;
		}
		return text_value(a, f->name, json_object_get_string(v), f->max_len, &out->s, msg,
		                  detail);
	case COUNT_F_ENUM:
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_one_of(json_object_get_string(v), f->values))
			return bad(msg, detail, invalid, f->hint);
		out->s = arena_strdup(a, json_object_get_string(v));
		return 0;
	case COUNT_F_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return bad(msg, detail, invalid, f->hint);
		out->i = json_object_get_boolean(v);
		return 0;
	case COUNT_F_PERCENT:
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > 100)
			return bad(msg, detail, invalid, f->hint);
		out->i = json_object_get_int64(v);
		return 0;
	case COUNT_F_TIME:
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_timestamp(json_object_get_string(v), when, sizeof(when)))
			return bad(msg, detail, invalid, f->hint);
		out->s = arena_strdup(a, when);
		return 0;
	default:
		return 0;
	}
}

int count_input_session(struct arena *a, struct json_object *o, bool creating,
                        struct count_value *vals, const char **msg, const char **detail)
{
	int st;

	json_object_object_foreach(o, key, v)
	{
		int i = count_field_index(key);
		const struct count_field *f;

		if (i < 0)
			return bad(msg, detail, arena_sprintf(a, "Unknown field: %s", key),
			           "see the count_session document for the accepted fields");
		f = &count_fields[i];
		if (f->kind == COUNT_F_SERVER)
			continue;
		vals[i].set = true;
		if (!v) {
			if (!(f->flags & COUNT_F_NULLABLE))
				return bad(msg, detail, arena_sprintf(a, "Invalid %s", key),
				           f->hint);
			vals[i].null = true;
			continue;
		}
		if ((st = field_value(a, f, v, &vals[i], msg, detail)) != 0)
			return st;
	}
	for (size_t i = 0; creating && count_fields[i].name; i++)
		if ((count_fields[i].flags & COUNT_F_REQUIRED) && !vals[i].set)
			return bad(msg, detail,
			           arena_sprintf(a, "Field required: %s", count_fields[i].name),
			           "");
	return 0;
}

/* ---- storing session fields ------------------------------------------------------ */

/* The fields a write stores: given, and not set by the server. */
static bool stored(size_t i, const struct count_value *vals)
{
	return count_fields[i].kind != COUNT_F_SERVER && vals[i].set;
}

static struct db_param value_param(const struct count_field *f, const struct count_value *v)
{
	if (v->null)
		return DBP_NULL;
	if (f->kind == COUNT_F_BOOL || f->kind == COUNT_F_PERCENT)
		return DBP_I(v->i);
	return DBP_S(v->s);
}

/* Binds one more parameter whose '?' the caller writes elsewhere. */
static void add_param(struct sql *q, struct db_param p)
{
	sql_addp(q, "", p);
}

int count_input_insert(struct arena *a, const char *tenant_id, const char *id, const char *code,
                       const char *user_id, const struct count_value *vals)
{
	struct sql q;
	struct buf values;
	int rc;

	sql_init(&q, a);
	buf_init(&values);
	buf_puts(&q.text,
	         "INSERT INTO count_sessions (id, tenant_id, code, created_by, created, status");
	buf_puts(&values, "?, ?, ?, ?, UTC_TIMESTAMP(6), 'planned'");
	add_param(&q, DBP_S(id));
	add_param(&q, DBP_S(tenant_id));
	add_param(&q, DBP_S(code));
	add_param(&q, DBP_S(user_id));
	for (size_t i = 0; count_fields[i].name; i++) {
		/* The code is given separately: explicit or generated. */
		if (!stored(i, vals) || strcmp(count_fields[i].name, "code") == 0)
			continue;
		buf_appendf(&q.text, ", %s", count_fields[i].name);
		buf_puts(&values, ", ?");
		add_param(&q, value_param(&count_fields[i], &vals[i]));
	}
	buf_appendf(&q.text, ") VALUES (%s)", buf_cstr(&values));
	rc = db_execv(a, NULL, buf_cstr(&q.text), q.params, q.n);
	buf_release(&values);
	sql_release(&q);
	return rc;
}

int count_input_update(struct arena *a, const char *tenant_id, const char *id,
                       const struct count_value *vals)
{
	struct sql q;
	int rc;

	sql_init(&q, a);
	buf_puts(&q.text, "UPDATE count_sessions SET ");
	for (size_t i = 0; count_fields[i].name; i++) {
		if (!stored(i, vals))
			continue;
		buf_puts(&q.text, count_fields[i].name);
		sql_addp(&q, " = ?, ", value_param(&count_fields[i], &vals[i]));
	}
	buf_puts(&q.text, "rev = rev + 1, updated_at = UTC_TIMESTAMP(6)");
	sql_addp(&q, " WHERE tenant_id = ?", DBP_S(tenant_id));
	sql_addp(&q, " AND id = ?", DBP_S(id));
	rc = db_execv(a, NULL, buf_cstr(&q.text), q.params, q.n);
	sql_release(&q);
	return rc;
}

int count_input_planned_change(struct arena *a, const char *tenant_id, const char *id,
                               const struct count_value *vals, const char **field)
{
	struct sql q;
	struct db_rows rows;
	const char *names[16];
	size_t n = 0;
	int rc;

	*field = NULL;
	sql_init(&q, a);
	buf_puts(&q.text, "SELECT 1");
	for (size_t i = 0; count_fields[i].name && n < 16; i++) {
		if (!stored(i, vals) || !(count_fields[i].flags & COUNT_F_PLANNED))
			continue;
		/* <=> compares NULLs too; DATETIME columns compare with the DB form of the value.
		 */
		buf_appendf(&q.text, ", %s", count_fields[i].name);
		sql_addp(&q, " <=> ?", value_param(&count_fields[i], &vals[i]));
		names[n++] = count_fields[i].name;
	}
	sql_addp(&q, " FROM count_sessions WHERE tenant_id = ?", DBP_S(tenant_id));
	sql_addp(&q, " AND id = ?", DBP_S(id));
	rc = db_execv(a, &rows, buf_cstr(&q.text), q.params, q.n);
	sql_release(&q);
	if (rc < 0 || rows.nrows == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (count_cell_ll(&rows, 0, i + 1) == 0) {
			*field = names[i];
			break;
		}
	return 0;
}

int count_input_schedule_check(struct arena *a, const char *tenant_id, const char *id,
                               struct count_result *res)
{
	struct db_rows rows;

	if (db_exec(a, &rows,
	            "SELECT 1 FROM count_sessions WHERE tenant_id = ? AND id = ?"
	            " AND scheduled_end < scheduled_start",
	            "ss", tenant_id, id) < 0)
		return -1;
	if (rows.nrows)
		return count_refuse(res, 400, "Invalid scheduled_end",
		                    "scheduled_end must not be before scheduled_start");
	return 0;
}

/* ---- assignments ----------------------------------------------------------- */

/* target_keys of assignment i. 0, or 400. */
static int parse_targets(struct arena *a, struct json_object *arr, size_t i,
                         struct count_assignment *as, const char **msg, const char **detail)
{
	const char *where = arena_sprintf(a, "assignments[%zu].target_keys", i);
	size_t n;

	if (!arr)
		return bad(msg, detail, arena_sprintf(a, "Field required: %s", where),
		           "each assignment must reference at least one target");
	if (!json_object_is_type(arr, json_type_array) || (n = json_object_array_length(arr)) == 0)
		return bad(
		    msg, detail, arena_sprintf(a, "Invalid %s", where),
		    "target_keys must be a non-empty array of targets, each an array of keys");
	as->ntargets = n;
	as->targets = arena_alloc(a, n * sizeof(*as->targets));
	for (size_t t = 0; t < n; t++) {
		struct json_object *keys = json_object_array_get_idx(arr, t);
		size_t nk;

		if (!json_object_is_type(keys, json_type_array) ||
		    (nk = json_object_array_length(keys)) == 0)
			return bad(msg, detail, arena_sprintf(a, "Invalid %s[%zu]", where, t),
			           "a target is a non-empty array of keys");
		as->targets[t].nkeys = nk;
		as->targets[t].keys = arena_alloc(a, nk * sizeof(char *));
		for (size_t k = 0; k < nk; k++) {
			struct json_object *key = json_object_array_get_idx(keys, k);

			if (!json_object_is_type(key, json_type_string) ||
			    !*json_object_get_string(key))
				return bad(msg, detail,
				           arena_sprintf(a, "Invalid %s[%zu][%zu]", where, t, k),
				           "a key is a non-empty string");
			as->targets[t].keys[k] = arena_strdup(a, json_object_get_string(key));
		}
	}
	return 0;
}

/* Keys an assignment object may carry: what GET returns, so a client can send it back. */
static const char *const assignment_keys[] = {"user_key", "target_keys", "_key", "progress", NULL};

static int parse_assignment(struct arena *a, struct json_object *o, size_t i,
                            struct count_assignment *as, const char **msg, const char **detail)
{
	struct json_object *targets = NULL;
	bool ok = true;

	if (!json_object_is_type(o, json_type_object))
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu]", i),
		           "an assignment is an object with user_key and target_keys");
	json_object_object_foreach(o, key, v)
	{
		(void)v;
		if (!valid_one_of(key, assignment_keys))
			return bad(msg, detail,
			           arena_sprintf(a, "Unknown field: assignments[%zu].%s", i, key),
			           "an assignment has user_key and target_keys");
	}
	as->user_key = jval_str(o, "user_key", &ok);
	if (!ok || (as->user_key && !*as->user_key))
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu].user_key", i),
		           "user_key is user/<username> or a user id");
	if (!as->user_key)
		return bad(msg, detail,
		           arena_sprintf(a, "Field required: assignments[%zu].user_key", i), "");
	if (count_user_key_parse(a, as->user_key, &as->username, &as->user_id) < 0)
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu].user_key", i),
		           "user_key is user/<username> or a user id");
	json_object_object_get_ex(o, "target_keys", &targets);
	return parse_targets(a, targets, i, as, msg, detail);
}

int count_input_assignments(struct arena *a, struct json_object *arr, struct count_assignment **out,
                            size_t *n, const char **msg, const char **detail)
{
	int st;

	*out = NULL;
	*n = 0;
	if (!arr)
		return bad(msg, detail, "Field required: assignments",
		           "a count session needs at least one assignment");
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
		return bad(msg, detail, "Invalid assignments",
		           "assignments must be a non-empty array of {user_key, target_keys}");
	*n = json_object_array_length(arr);
	*out = arena_alloc(a, *n * sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		if ((st = parse_assignment(a, json_object_array_get_idx(arr, i), i, &(*out)[i], msg,
		                           detail)) != 0)
			return st;
	return 0;
}

/* ---- counted lines ----------------------------------------------------------- */

static int cmp_serial(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int count_input_serials(struct arena *a, struct json_object *v, long long counted_qt,
                        const char **text, const char **msg)
{
	struct json_object *sorted;
	const char **list;
	size_t n;

	*text = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		*msg = "serials must be an array of strings";
		return -1;
	}
	n = json_object_array_length(v);
	if ((long long)n != counted_qt) {
		*msg = arena_sprintf(
		    a, "%zu serial(s) given for counted_qt %lld: give one per unit", n, counted_qt);
		return -1;
	}
	list = arena_alloc(a, (n ? n : 1) * sizeof(*list));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !valid_text(json_object_get_string(s), COUNT_SERIAL_MAX * 4) ||
		    valid_utf8_chars(json_object_get_string(s)) > COUNT_SERIAL_MAX ||
		    has_control(json_object_get_string(s))) {
			*msg = arena_sprintf(a,
			                     "serials[%zu] must be a serial number of 1 to %d "
			                     "characters",
			                     i, COUNT_SERIAL_MAX);
			return -1;
		}
		list[i] = json_object_get_string(s);
	}
	qsort(list, n, sizeof(*list), cmp_serial);
	if (!(sorted = json_object_new_array()))
		log_fatal("count: out of memory (json)");
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(list[i], list[i - 1]) == 0) {
			json_object_put(sorted);
			*msg = arena_sprintf(a, "serial %s is given twice", list[i]);
			return -1;
		}
		json_object_array_add(sorted, json_object_new_string(list[i]));
	}
	*text = arena_strdup(a, json_object_to_json_string_ext(sorted, JSON_C_TO_STRING_PLAIN));
	json_object_put(sorted);
	return 0;
}

static const char *const entry_keys[] = {"bin_id",     "item_id", "counted_qt",
                                         "lot_number", "serials", NULL};

/* A required id field, lower-cased when it is a UUID (other text cannot name a row). */
static int id_field(struct arena *a, struct json_object *o, const char *key, const char **out,
                    const char **msg, const char **detail)
{
	bool ok = true;
	const char *s = jval_str(o, key, &ok);

	if (!ok)
		return bad(msg, detail, arena_sprintf(a, "Invalid %s", key),
		           arena_sprintf(a, "%s must be a string", key));
	if (!s || !*s)
		return bad(msg, detail, arena_sprintf(a, "Field required: %s", key), "");
	*out = valid_id_norm(a, s);
	return 0;
}

int count_input_entry(struct arena *a, struct json_object *o, struct count_entry *e,
                      const char **msg, const char **detail)
{
	struct json_object *serials = NULL;
	bool ok = true;
	int st;

	memset(e, 0, sizeof(*e));
	json_object_object_foreach(o, key, v)
	{
		(void)v;
		if (!valid_one_of(key, entry_keys))
			return bad(msg, detail, arena_sprintf(a, "Unknown field: %s", key),
			           "a count has bin_id, item_id, counted_qt, lot_number, serials");
	}
	if ((st = id_field(a, o, "bin_id", &e->bin_id, msg, detail)) != 0 ||
	    (st = id_field(a, o, "item_id", &e->item_id, msg, detail)) != 0)
		return st;
	if (!jval_has(o, "counted_qt"))
		return bad(msg, detail, "Field required: counted_qt", "");
	if (!jval_int(o, "counted_qt", &e->counted_qt) || e->counted_qt < 0 ||
	    e->counted_qt > LEDGER_QTY_MAX)
		return bad(msg, detail, "Invalid counted_qt",
		           "counted_qt must be a whole number of units, 0 or more");
	e->lot_number = jval_str(o, "lot_number", &ok);
	if (!ok)
		return bad(msg, detail, "Invalid lot_number", "lot_number must be a string");
	if (!e->lot_number || !*e->lot_number)
		e->lot_number = "";
	else if ((st = text_value(a, "lot_number", e->lot_number, COUNT_LOT_MAX, &e->lot_number,
	                          msg, detail)) != 0)
		return st;
	json_object_object_get_ex(o, "serials", &serials);
	if (count_input_serials(a, serials, e->counted_qt, &e->serials, detail) < 0) {
		*msg = "Invalid serials";
		return 400;
	}
	return 0;
}

int count_code_free(struct arena *a, const char *tenant_id, const char *code, const char *self,
                    struct count_result *res)
{
	struct db_rows rows;

	if (db_exec(a, &rows,
	            "SELECT 1 FROM count_sessions WHERE tenant_id = ? AND code = ? AND id <> ?",
	            "sss", tenant_id, code, self) < 0)
		return -1;
	if (rows.nrows)
		return count_refuse(res, 409, "Count session code already exists", code);
	return 0;
}

/* A given, non-null string field of vals, else NULL. */
static const char *given_str(const struct count_value *vals, const char *name)
{
	const struct count_value *v = &vals[count_field_index(name)];

	return v->set && !v->null ? v->s : NULL;
}

int count_input_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct count_value *vals, const struct count_assignment *as,
                       size_t n, const char **id, struct count_result *res)
{
	const char *code = given_str(vals, "code");
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	*id = db_uuid(a);
	gmtime_r(&now, &tm);
	if (code && (rc = count_code_free(a, tenant_id, code, *id, res)) != 0)
		return rc;
	if (!code && count_code_next(a, tenant_id, tm.tm_year + 1900, &code) < 0)
		return -1;
	/* A concurrent create may take the code between the check and the insert: the unique key says so. */
	if (count_input_insert(a, tenant_id, *id, code, user_id, vals) < 0)
		return db_is_duplicate()
		           ? count_refuse(res, 409, "Count session code already exists", code)
		           : -1;
	/* A new session has nothing to replace: no DELETE (and none of the gap locks it takes). */
	if ((rc = count_assignments_insert(a, tenant_id, *id, given_str(vals, "type"), as, n, res)) !=
	    0)
		return rc;
	return count_input_schedule_check(a, tenant_id, *id, res);
}
