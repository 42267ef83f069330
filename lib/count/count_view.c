/* What count session endpoints return: sessions, assignments, lines, records, variances. */
#include "count/count_view.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "web/csv_stream.h"
#include "db/db.h"
#include "db/sql.h"
#include "web/row_json.h"
#include "base/jval.h"
#include "base/log.h"
#include "web/req.h"
#include "web/resource.h"

/* The count_session document: the 000 document's names, then ours. */
#define SESSION_SELECT                                                                             \
	"SELECT s.id AS _key, CONCAT('count_session/', s.id) AS _id, CAST(s.rev AS CHAR) AS _rev," \
	" s.code, s.description, s.type, s.status, s.blind_quantities, s.blind_serials,"           \
	" s.coverage_percentage, s.scheduled_start, s.scheduled_end, s.created,"                   \
	" CONCAT('user/', u.username) AS created_by, s.started, s.completed,"                      \
	" s.baseline_snapshot_key, s.post_count_snapshot_key, s.post_adjustment_snapshot_key,"     \
	" s.adjustment_list_key, s.notes, s.extra, s.lock_positions, s.applied, s.canceled"        \
	" FROM count_sessions s LEFT JOIN users u ON u.id = s.created_by AND u.tenant_id = "       \
	"s.tenant_id"

/* A line's identity and names, for records and lines alike (alias k, bins b, items i). */
#define LINE_NAMES                                                                                 \
	"k.bin_id, b.code AS bin_code, k.item_id, i.sku, i.name AS item_name,"                     \
	" NULLIF(k.lot_number, '') AS lot_number"
#define LINE_JOINS                                                                                 \
	" JOIN bins b ON b.id = k.bin_id AND b.tenant_id = k.tenant_id"                            \
	" JOIN items i ON i.id = k.item_id AND i.tenant_id = k.tenant_id"
#define LINE_BASELINE_JOIN                                                                         \
	" LEFT JOIN (" COUNT_SQL_BASELINE ") base ON base.bin_id = k.bin_id"                       \
	" AND base.item_id = k.item_id AND base.lot_number = k.lot_number"

static struct json_object *checked(struct json_object *o)
{
	if (!o)
		log_fatal("count: out of memory (json)");
	return o;
}

/* Turns the 0/1 integer at key into a JSON boolean. */
static void to_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && v)
		jval_add_bool(o, key, json_object_get_int64(v) != 0);
}

/* Turns stored serials at key into an array: JSON array text, or newline-separated (baseline). */
static void to_serials(struct json_object *o, const char *key)
{
	struct json_object *v, *arr;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return;
	s = json_object_get_string(v);
	if (*s == '[') {
		arr = json_tokener_parse(s);
	} else {
		arr = checked(json_object_new_array());
		for (const char *p = s; *p;) {
			size_t n = strcspn(p, "\n");

			json_object_array_add(arr, json_object_new_string_len(p, (int)n));
			p += n + (p[n] ? 1 : 0);
		}
	}
	json_object_object_add(o, key, arr);
}

/* Leaves out what the caller may not see: the fields go, not just their values. */
static void apply_view(struct json_object *o, const struct count_view *v)
{
	to_serials(o, "system_serials");
	if (!v->show_qty)
		json_object_object_del(o, "system_qt");
	if (!v->show_serials)
		json_object_object_del(o, "system_serials");
}

void count_view_init(struct count_view *v, const struct count_session *s, const char *tenant_id,
                     const char *user_id, const char *scopes)
{
	v->tenant_id = tenant_id;
	v->user_id = user_id;
	v->supervisor = count_is_supervisor(scopes);
	v->show_qty = v->supervisor || !s->blind_quantities;
	v->show_serials = v->supervisor || !s->blind_serials;
}

/* ---- sessions ---------------------------------------------------------------- */

static struct json_object *session_json(const struct db_rows *rows, size_t i)
{
	struct json_object *o = row_json(rows, i);

	to_bool(o, "blind_quantities");
	to_bool(o, "blind_serials");
	to_bool(o, "lock_positions");
	return o;
}

int count_view_session(struct arena *a, const char *tenant_id, const char *id,
                       struct json_object **out)
{
	struct db_rows rows;

	*out = NULL;
	if (db_exec(a, &rows, SESSION_SELECT " WHERE s.tenant_id = ? AND s.id = ?", "ss", tenant_id,
	            id) < 0)
		return -1;
	if (rows.nrows)
		*out = session_json(&rows, 0);
	return 0;
}

static void list_where(struct sql *q, const char *tenant_id, const struct count_list_filter *f)
{
	sql_addp(q, " WHERE s.tenant_id = ?", DBP_S(tenant_id));
	if (f->status)
		sql_addp(q, " AND s.status = ?", DBP_S(f->status));
	if (f->type)
		sql_addp(q, " AND s.type = ?", DBP_S(f->type));
	if (f->search) {
		const char *pattern = sql_like_pattern(q->a, f->search);

		sql_addp(q, " AND (s.code LIKE ? ESCAPE '!'", DBP_S(pattern));
		sql_addp(q, " OR s.description LIKE ? ESCAPE '!'", DBP_S(pattern));
		sql_addp(q, " OR s.notes LIKE ? ESCAPE '!')", DBP_S(pattern));
	}
}

int count_view_list(struct arena *a, const char *tenant_id, const struct count_list_filter *f,
                    struct json_object **out, long long *total)
{
	struct sql q;
	struct db_rows count, rows;
	int rc = -1;

	*out = NULL;
	sql_init(&q, a);
	buf_puts(&q.text, "SELECT COUNT(*) FROM count_sessions s");
	list_where(&q, tenant_id, f);
	if (db_execv(a, &count, buf_cstr(&q.text), q.params, q.n) < 0 || count.nrows == 0)
		goto out;
	*total = count_cell_ll(&count, 0, 0);
	sql_release(&q);
	sql_init(&q, a);
	buf_puts(&q.text, SESSION_SELECT);
	list_where(&q, tenant_id, f);
	sql_addp(&q, " ORDER BY s.created DESC, s.id DESC LIMIT ?", DBP_I(f->limit));
	sql_addp(&q, " OFFSET ?", DBP_I(f->offset));
	if (db_execv(a, &rows, buf_cstr(&q.text), q.params, q.n) < 0)
		goto out;
	*out = checked(json_object_new_array());
	for (size_t i = 0; i < rows.nrows; i++)
		json_object_array_add(*out, session_json(&rows, i));
	rc = 0;
out:
	sql_release(&q);
	return rc;
}

/* ---- assignments and progress ------------------------------------------------------ */

static struct json_object *progress_json(long long counted, long long total)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_int(o, "targets_counted", counted);
	jval_add_int(o, "targets_total", total);
	return o;
}

/*
 * Per assignment: targets, and targets whose every key has a record of the
 * assignment's user (a bin for position sessions, an item for product ones).
 */
static int target_progress(struct arena *a, const struct count_session *s, const char *tenant_id,
                           struct db_rows *rows)
{
	const char *col = count_key_column(s->type);

	return db_exec(
	    a, rows,
	    arena_sprintf(
	        a,
	        "SELECT x.assignment_id, COUNT(*), CAST(COALESCE(SUM(x.done), 0) AS SIGNED)"
	        " FROM (SELECT t.assignment_id, t.target_no, MIN(EXISTS (SELECT 1"
	        "  FROM count_records r WHERE r.tenant_id = t.tenant_id"
	        "  AND r.session_id = t.session_id AND r.user_id = g.user_id"
	        "  AND r.%s = t.key_id)) AS done"
	        " FROM count_targets t JOIN count_assignments g ON g.id = t.assignment_id"
	        " WHERE t.tenant_id = ? AND t.session_id = ?"
	        " GROUP BY t.assignment_id, t.target_no) x GROUP BY x.assignment_id",
	        col),
	    "ss", tenant_id, s->id);
}

/* Builds the assignment objects from rows ordered by assignment, target, key. */
static struct json_object *assignments_json(const struct db_rows *rows, const struct db_rows *prog,
                                            long long *counted, long long *total)
{
	struct json_object *arr = checked(json_object_new_array());
	struct json_object *cur = NULL, *targets = NULL, *keys = NULL;
	const char *cur_id = "";
	long long cur_target = -1;

	for (size_t i = 0; i < rows->nrows; i++) {
		const char *id = db_cell(rows, i, 0);

		if (strcmp(id, cur_id) != 0) {
			cur = checked(json_object_new_object());
			targets = checked(json_object_new_array());
			jval_add_str(cur, "_key", id);
			jval_add_str(cur, "user_key", db_cell(rows, i, 1));
			json_object_object_add(cur, "target_keys", targets);
			for (size_t p = 0; p < prog->nrows; p++) {
				if (strcmp(db_cell(prog, p, 0), id) != 0)
					continue;
				json_object_object_add(cur, "progress",
				                       progress_json(count_cell_ll(prog, p, 2),
				                                     count_cell_ll(prog, p, 1)));
				*counted += count_cell_ll(prog, p, 2);
				*total += count_cell_ll(prog, p, 1);
			}
			json_object_array_add(arr, cur);
			cur_id = id;
			cur_target = -1;
		}
		if (!db_cell(rows, i, 2))
			continue;
		if (count_cell_ll(rows, i, 2) != cur_target) {
			keys = checked(json_object_new_array());
			json_object_array_add(targets, keys);
			cur_target = count_cell_ll(rows, i, 2);
		}
		json_object_array_add(keys, json_object_new_string(db_cell(rows, i, 3)));
	}
	return arr;
}

int count_view_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct json_object **assignments,
                           struct json_object **progress)
{
	struct db_rows rows, prog, records;
	long long counted = 0, total = 0, conflicts = 0;

	*assignments = *progress = NULL;
	if (db_exec(a, &rows,
	            "SELECT g.id, CONCAT('user/', u.username), t.target_no, t.key_id"
	            " FROM count_assignments g JOIN users u ON u.id = g.user_id"
	            " AND u.tenant_id = g.tenant_id LEFT JOIN count_targets t"
	            " ON t.assignment_id = g.id AND t.tenant_id = g.tenant_id"
	            " WHERE g.tenant_id = ? AND g.session_id = ? ORDER BY g.position, t.target_no, "
	            "t.key_no",
	            "ss", v->tenant_id, s->id) < 0 ||
	    target_progress(a, s, v->tenant_id, &prog) < 0 ||
	    db_exec(a, &records,
	            "SELECT COUNT(*) FROM count_records WHERE tenant_id = ? AND session_id = ?",
	            "ss", v->tenant_id, s->id) < 0 ||
	    count_open_conflicts(a, v->tenant_id, s->id, &conflicts) < 0)
		return -1;
	*assignments = assignments_json(&rows, &prog, &counted, &total);
	*progress = progress_json(counted, total);
	jval_add_int(*progress, "records", count_cell_ll(&records, 0, 0));
	jval_add_int(*progress, "conflicts", conflicts);
	return 0;
}

/* ---- lines and records --------------------------------------------------------------- */

/* The rows as an array of objects, each trimmed to what v shows. */
static struct json_object *rows_json(const struct db_rows *rows, const struct count_view *v)
{
	struct json_object *arr = checked(json_object_new_array());

	for (size_t i = 0; i < rows->nrows; i++) {
		struct json_object *o = row_json(rows, i);

		to_bool(o, "conflict");
		to_serials(o, "serials");
		apply_view(o, v);
		json_object_array_add(arr, o);
	}
	return arr;
}

int count_view_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct json_object **out)
{
	const char *col = count_key_column(s->type);
	struct db_rows rows;
	const char *sql = arena_sprintf(
	    a,
	    "SELECT " LINE_NAMES ", CAST(k.q AS SIGNED) AS system_qt, k.sr AS system_serials"
	    " FROM (SELECT ? AS tenant_id, base.* FROM (" COUNT_SQL_BASELINE ") base) k" LINE_JOINS
	    " WHERE (? = 1 OR EXISTS (SELECT 1 FROM count_targets t JOIN count_assignments g"
	    "  ON g.id = t.assignment_id WHERE t.tenant_id = ? AND t.session_id = ?"
	    "  AND g.user_id = ? AND t.key_id = k.%s))"
	    " ORDER BY b.code, i.sku, k.lot_number, k.bin_id",
	    col);
	struct db_param p[] = {
	    DBP_S(v->tenant_id),  DBP_S(v->tenant_id), DBP_S(s->baseline_snapshot_key),
	    DBP_I(v->supervisor), DBP_S(v->tenant_id), DBP_S(s->id),
	    DBP_S(v->user_id),
	};

	*out = NULL;
	if (db_execv(a, &rows, sql, p, sizeof(p) / sizeof(p[0])) < 0)
		return -1;
	*out = rows_json(&rows, v);
	return 0;
}

/* Records of the session (one when record_id is set), the caller's own unless a supervisor. */
static int records_query(struct arena *a, const struct count_session *s, const struct count_view *v,
                         const char *record_id, long long limit, long long offset,
                         struct db_rows *rows)
{
	struct db_param p[] = {
	    DBP_S(v->tenant_id),  DBP_S(s->id),
	    DBP_S(v->tenant_id),  DBP_S(s->baseline_snapshot_key),
	    DBP_S(s->id),         DBP_S(v->tenant_id),
	    DBP_S(v->tenant_id),  DBP_S(s->id),
	    DBP_I(v->supervisor), DBP_S(v->user_id),
	    DBP_S(record_id),     DBP_S(record_id),
	    DBP_I(limit),         DBP_I(offset),
	};

	return db_execv(
	    a, rows,
	    "SELECT k.id AS _key, " LINE_NAMES ", k.counted_qt, k.serials,"
	    " CONCAT('user/', u.username) AS user_key, k.source, k.recorded_at, k.updated_at,"
	    " IF(" COUNT_SQL_OPEN_CONFLICT ", 1, 0) AS conflict,"
	    " CAST(COALESCE(base.q, 0) AS SIGNED) AS system_qt, base.sr AS system_serials"
	    " FROM count_records k" LINE_JOINS
	    " JOIN users u ON u.id = k.user_id AND u.tenant_id = k.tenant_id"
	    " JOIN (" COUNT_SQL_COUNTS ") c ON c.bin_id = k.bin_id AND c.item_id = k.item_id"
	    " AND c.lot_number = k.lot_number" LINE_BASELINE_JOIN COUNT_SQL_RESOLUTION(
	        "k") " WHERE k.tenant_id = ? AND k.session_id = ? AND (? = 1 OR k.user_id = ?)"
	             " AND (? IS NULL OR k.id = ?)"
	             " ORDER BY b.code, i.sku, k.lot_number, u.username, k.id LIMIT ? OFFSET ?",
	    p, sizeof(p) / sizeof(p[0]));
}

int count_view_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct json_object **out,
                       long long *total)
{
	struct db_rows rows, count;

	*out = NULL;
	if (db_exec(a, &count,
	            "SELECT COUNT(*) FROM count_records WHERE tenant_id = ? AND session_id = ?"
	            " AND (? = 1 OR user_id = ?)",
	            "ssis", v->tenant_id, s->id, (long long)v->supervisor, v->user_id) < 0 ||
	    records_query(a, s, v, NULL, limit, offset, &rows) < 0)
		return -1;
	*total = count_cell_ll(&count, 0, 0);
	*out = rows_json(&rows, v);
	return 0;
}

int count_view_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct json_object **out)
{
	struct db_rows rows;
	struct json_object *arr;

	*out = NULL;
	if (records_query(a, s, v, record_id, 1, 0, &rows) < 0)
		return -1;
	arr = rows_json(&rows, v);
	if (json_object_array_length(arr))
		*out = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return 0;
}

/* ---- variances ------------------------------------------------------------------- */

static const char *const line_labels[] = {
    [COUNT_LINE_BIN_ID] = "bin_id",
    [COUNT_LINE_BIN_CODE] = "bin_code",
    [COUNT_LINE_WAREHOUSE_ID] = "warehouse_id",
    [COUNT_LINE_ITEM_ID] = "item_id",
    [COUNT_LINE_SKU] = "sku",
    [COUNT_LINE_ITEM_NAME] = "item_name",
    [COUNT_LINE_LOT] = "lot_number",
    [COUNT_LINE_SYSTEM_QT] = "system_qt",
    [COUNT_LINE_SYSTEM_SERIALS] = "system_serials",
    [COUNT_LINE_COUNTED_QT] = "counted_qt",
    [COUNT_LINE_COUNTED_SERIALS] = "counted_serials",
    [COUNT_LINE_CONFLICT] = "conflict",
    [COUNT_LINE_RESOLVED] = "resolved",
};

/* One variance line: the count line plus difference (null while in conflict). */
static struct json_object *variance_json(const struct db_rows *rows, size_t i, bool *differs)
{
	struct json_object *o = checked(json_object_new_object());
	const char *lot = db_cell(rows, i, COUNT_LINE_LOT);
	bool open = count_cell_ll(rows, i, COUNT_LINE_CONFLICT) != 0;
	long long diff = count_cell_ll(rows, i, COUNT_LINE_COUNTED_QT) -
	                 count_cell_ll(rows, i, COUNT_LINE_SYSTEM_QT);

	for (size_t c = 0; c < sizeof(line_labels) / sizeof(line_labels[0]); c++) {
		const char *cell = db_cell(rows, i, c);

		if (c == COUNT_LINE_SYSTEM_QT || c == COUNT_LINE_COUNTED_QT)
			json_object_object_add(
			    o, line_labels[c],
			    cell ? json_object_new_int64(count_cell_ll(rows, i, c)) : NULL);
		else
			jval_add_str(o, line_labels[c], cell);
	}
	jval_add_str(o, "lot_number", lot && *lot ? lot : NULL);
	to_bool(o, "conflict");
	to_bool(o, "resolved");
	to_serials(o, "system_serials");
	to_serials(o, "counted_serials");
	json_object_object_add(o, "difference", open ? NULL : json_object_new_int64(diff));
	*differs = !open && diff != 0;
	return o;
}

int count_view_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct json_object **out, struct json_object **summary)
{
	struct db_rows rows;
	long long differ = 0, conflicts = 0;

	*out = *summary = NULL;
	if (count_lines(a, tenant_id, s, &rows) < 0)
		return -1;
	*out = checked(json_object_new_array());
	for (size_t i = 0; i < rows.nrows; i++) {
		bool d;

		json_object_array_add(*out, variance_json(&rows, i, &d));
		differ += d;
		conflicts += count_cell_ll(&rows, i, COUNT_LINE_CONFLICT) != 0;
	}
	*summary = checked(json_object_new_object());
	jval_add_int(*summary, "lines", (long long)rows.nrows);
	jval_add_int(*summary, "variances", differ);
	jval_add_int(*summary, "conflicts", conflicts);
	return 0;
}

int count_view_variances_csv(struct request *r, const struct count_session *s)
{
	static const int text_cols[] = {COUNT_LINE_BIN_CODE, COUNT_LINE_SKU, COUNT_LINE_ITEM_NAME,
	                                COUNT_LINE_LOT};
	struct db_rows rows;
	struct buf out;
	int rc;

	if (count_lines(r->arena, r->caller->tenant_id, s, &rows) < 0)
		return -1;
	/* The file is named by the key: a code is client text and must not reach a header. */
	if (csv_stream_begin(r, arena_sprintf(r->arena, "count-session-%s-variances.csv", s->id)) <
	    0)
		return 0;
	buf_init(&out);
	buf_puts(&out,
	         "bin_code,sku,item_name,lot_number,system_qt,counted_qt,difference,conflict\r\n");
	for (size_t i = 0; i < rows.nrows; i++) {
		long long sys = count_cell_ll(&rows, i, COUNT_LINE_SYSTEM_QT);
		long long counted = count_cell_ll(&rows, i, COUNT_LINE_COUNTED_QT);

		for (size_t c = 0; c < sizeof(text_cols) / sizeof(text_cols[0]); c++)
			csv_field(&out, db_cell(&rows, i, (size_t)text_cols[c]), c == 0);
		/* Numbers go in as they are: csv_field would quote a negative one as text. */
		if (count_cell_ll(&rows, i, COUNT_LINE_CONFLICT))
			buf_appendf(&out, ",%lld,,,true", sys);
		else
			buf_appendf(&out, ",%lld,%lld,%lld,false", sys, counted, counted - sys);
		csv_end_record(&out);
	}
	rc = csv_stream_write(r, &out);
	buf_release(&out);
	if (rc < 0)
		log_warn("count: client left during the variances download");
	return 0;
}
