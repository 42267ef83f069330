/* Count session fields (the document's, as columns) and the writes of create and update. */
#include "count/count_input.h"

#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "db/db.h"
#include "db/sql.h"
#include "db/user_probe.h"

static const char *const no_values[] = {NULL};

#define SERVER_FIELD(n)                                                                            \
	{                                                                                          \
		.name = n, .kind = FIELD_SERVER, .values = no_values                               \
	}
#define BOOL_FIELD(n)                                                                              \
	{                                                                                          \
		.name = n, .kind = FIELD_BOOL, .flags = COUNT_F_PLANNED,                           \
		.hint = n " must be true or false"                                                 \
	}
/* Optional text: null or "" clears it. */
#define CLEARABLE_TEXT (FIELD_NULLABLE | FIELD_EMPTY_NULL)

/* In the document's order; our own fields (lock_positions, applied, canceled) among them. */
const struct field count_fields[] = {
    SERVER_FIELD("_id"),
    SERVER_FIELD("_key"),
    SERVER_FIELD("_rev"),
    {.name = "code",
     .kind = FIELD_TEXT,
     .flags = COUNT_F_PLANNED,
     .max_len = COUNT_CODE_MAX,
     .hint = "code must be a non-empty string"},
    {.name = "description",
     .kind = FIELD_TEXT,
     .flags = CLEARABLE_TEXT,
     .max_len = COUNT_DESCRIPTION_MAX,
     .hint = "description must be a string"},
    {.name = "type",
     .kind = FIELD_ENUM,
     .flags = FIELD_REQUIRED | COUNT_F_PLANNED,
     .values = count_types,
     .hint = "type must be position or product"},
    SERVER_FIELD("status"),
    BOOL_FIELD("blind_quantities"),
    BOOL_FIELD("blind_serials"),
    BOOL_FIELD("lock_positions"),
    {.name = "coverage_percentage",
     .kind = FIELD_INT,
     .flags = FIELD_NULLABLE,
     .min = 0,
     .max = 100,
     .hint = "coverage_percentage must be a whole number from 0 to 100"},
    {.name = "scheduled_start",
     .kind = FIELD_TIME,
     .flags = COUNT_F_PLANNED | FIELD_NULLABLE,
     .hint = "scheduled_start must be an ISO 8601 date-time"},
    {.name = "scheduled_end",
     .kind = FIELD_TIME,
     .flags = FIELD_NULLABLE,
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
     .kind = FIELD_TEXT,
     .flags = CLEARABLE_TEXT,
     .max_len = COUNT_TEXT_MAX,
     .hint = "notes must be a string"},
    {.name = "extra",
     .kind = FIELD_TEXT,
     .flags = CLEARABLE_TEXT,
     .max_len = COUNT_TEXT_MAX,
     .hint = "extra must be a string"},
    {0}};

size_t count_nfields(void)
{
	return field_count(count_fields);
}

int count_field_index(const char *name)
{
	return field_index(count_fields, name);
}

/* ---- storing session fields ------------------------------------------------------ */

/* The fields a write stores: given, and not set by the server. */
static bool stored(size_t i, const struct field_value *vals)
{
	return count_fields[i].kind != FIELD_SERVER && vals[i].set;
}

/* Binds one more parameter whose '?' the caller writes elsewhere. */
static void add_param(struct sql *q, struct db_param p)
{
	sql_addp(q, "", p);
}

int count_input_insert(struct arena *a, const char *tenant_id, const char *id, const char *code,
                       const char *user_id, const struct field_value *vals, bool *end_before_start)
{
	struct sql q;
	struct buf values;
	struct db_rows rows;
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
		add_param(&q, field_param(&count_fields[i], &vals[i]));
	}
	/* The schedule as stored: the check of count_input_schedule_check without a statement. */
	buf_appendf(&q.text, ") VALUES (%s) RETURNING scheduled_end < scheduled_start",
	            buf_cstr(&values));
	rc = db_execv(a, &rows, buf_cstr(&q.text), q.params, q.n);
	if (rc == 0 && rows.nrows != 1)
		rc = -1;
	*end_before_start = rc == 0 && count_cell_ll(&rows, 0, 0) != 0;
	buf_release(&values);
	sql_release(&q);
	return rc;
}

int count_input_update(struct arena *a, const char *tenant_id, const char *id,
                       const struct field_value *vals)
{
	struct sql q;
	int rc;

	sql_init(&q, a);
	buf_puts(&q.text, "UPDATE count_sessions SET ");
	for (size_t i = 0; count_fields[i].name; i++) {
		if (!stored(i, vals))
			continue;
		buf_puts(&q.text, count_fields[i].name);
		sql_addp(&q, " = ?, ", field_param(&count_fields[i], &vals[i]));
	}
	buf_puts(&q.text, "rev = rev + 1, updated_at = UTC_TIMESTAMP(6)");
	sql_addp(&q, " WHERE tenant_id = ?", DBP_S(tenant_id));
	sql_addp(&q, " AND id = ?", DBP_S(id));
	rc = db_execv(a, NULL, buf_cstr(&q.text), q.params, q.n);
	sql_release(&q);
	return rc;
}

int count_input_planned_change(struct arena *a, const char *tenant_id, const char *id,
                               const struct field_value *vals, const char **field)
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
		sql_addp(&q, " <=> ?", field_param(&count_fields[i], &vals[i]));
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

static int refuse_schedule(struct count_result *res)
{
	return count_refuse(res, 400, "Invalid scheduled_end",
	                    "scheduled_end must not be before scheduled_start");
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
	return rows.nrows ? refuse_schedule(res) : 0;
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

const char *count_value_str(const struct field_value *vals, const char *name)
{
	const struct field_value *v = &vals[count_field_index(name)];

	return v->set && !v->null ? v->s : NULL;
}

/* Whether another session of the tenant has the given code (NULL binds no code). */
#define CODE_TAKEN_COLUMN                                                                          \
	", (SELECT 1 FROM count_sessions WHERE tenant_id = ? AND code = ?) AS code_taken"

/*
 * A create's one read before its first write (count_assignments_read): the
 * caller's user row while pending, whether the given code is taken, the
 * assignments' users and target keys. Refuses the caller, then a taken code
 * (409). 0, COUNT_REFUSED or -1.
 */
static int create_read(struct arena *a, const char *tenant_id, const char *code, const char *type,
                       const struct count_assignment *as, size_t n, struct user_probe *probe,
                       struct count_plan *plan, struct count_result *res)
{
	struct user_probe *p = user_probe_pending(probe);
	struct db_param params[] = {DBP_S(tenant_id), DBP_S(code), DBP_NULL, DBP_NULL};
	const char *msg = NULL;
	struct sql extra;
	int rc, status;

	sql_init(&extra, a);
	if (p) {
		params[2] = DBP_S(p->user_id);
		params[3] = DBP_S(p->tenant_id);
	}
	sql_addv(&extra, p ? CODE_TAKEN_COLUMN ", " USER_PROBE_COLUMN : CODE_TAKEN_COLUMN, params,
	         p ? 4 : 2);
	rc = count_assignments_read(a, tenant_id, type, as, n, &extra, plan);
	sql_release(&extra);
	if (rc < 0)
		return -1;
	if (p && (status = user_probe_take(p, &plan->rows, &msg)) != 0)
		return status == 500 ? -1 : count_refuse(res, status, msg, NULL);
	if (code && db_cell(&plan->rows, 0, COUNT_PLAN_EXTRA))
		return count_refuse(res, 409, "Count session code already exists", code);
	return 0;
}

int count_input_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct field_value *vals, const struct count_assignment *as, size_t n,
                       struct user_probe *probe, const char **id, struct count_result *res)
{
	const char *code = count_value_str(vals, "code"), *type = count_value_str(vals, "type");
	time_t now = time(NULL);
	struct count_plan plan;
	bool end_before_start = false;
	struct tm tm;
	int rc;

	*id = db_uuid(a);
	gmtime_r(&now, &tm);
	/* Every refusal but a schedule's comes from this read, before anything is written. */
	if ((rc = create_read(a, tenant_id, code, type, as, n, probe, &plan, res)) != 0 ||
	    (rc = count_assignments_check(a, as, n, type, &plan, res)) != 0)
		return rc;
	/* A generated code comes last (count_code_assign): the id stands in for it, being unique. A
	 * concurrent create may take a given code after the read: the unique key says so. */
	if (count_input_insert(a, tenant_id, *id, code ? code : *id, user_id, vals,
	                       &end_before_start) < 0)
		return code && db_is_duplicate()
		           ? count_refuse(res, 409, "Count session code already exists", code)
		           : -1;
	if (end_before_start)
		return refuse_schedule(res);
	if (count_assignments_write(a, tenant_id, *id, as, n, &plan) < 0)
		return -1;
	return code ? 0 : count_code_assign(a, tenant_id, *id, tm.tm_year + 1900, &code);
}
