/* What count session reads return, as rows: sessions, assignments, lines, records, variances. */
#include "count/count_view.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "db/db.h"
#include "db/sql.h"

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

int count_view_session(struct arena *a, const char *tenant_id, const char *id, struct db_rows *out)
{
	return db_exec(a, out, SESSION_SELECT " WHERE s.tenant_id = ? AND s.id = ?", "ss",
	               tenant_id, id);
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
                    struct db_rows *out, long long *total)
{
	struct sql q;
	struct db_rows count;
	int rc = -1;

	memset(out, 0, sizeof(*out));
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
	if (db_execv(a, out, buf_cstr(&q.text), q.params, q.n) < 0)
		goto out;
	rc = 0;
out:
	sql_release(&q);
	return rc;
}

/* ---- assignments and progress ------------------------------------------------------ */

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

int count_view_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct count_assignment_rows *out)
{
	struct db_rows records;

	memset(out, 0, sizeof(*out));
	if (db_exec(a, &out->targets,
	            "SELECT g.id, CONCAT('user/', u.username), t.target_no, t.key_id"
	            " FROM count_assignments g JOIN users u ON u.id = g.user_id"
	            " AND u.tenant_id = g.tenant_id LEFT JOIN count_targets t"
	            " ON t.assignment_id = g.id AND t.tenant_id = g.tenant_id"
	            " WHERE g.tenant_id = ? AND g.session_id = ? ORDER BY g.position, t.target_no, "
	            "t.key_no",
	            "ss", v->tenant_id, s->id) < 0 ||
	    target_progress(a, s, v->tenant_id, &out->progress) < 0 ||
	    db_exec(a, &records,
	            "SELECT COUNT(*) FROM count_records WHERE tenant_id = ? AND session_id = ?",
	            "ss", v->tenant_id, s->id) < 0 ||
	    count_open_conflicts(a, v->tenant_id, s->id, &out->conflicts) < 0)
		return -1;
	out->records = count_cell_ll(&records, 0, 0);
	return 0;
}

/* ---- lines and records --------------------------------------------------------------- */

/*
 * Blind counting: what v may not see leaves the rows, columns and all, so no
 * answer built from them (JSON or page) can show it.
 */
static int hide_blind(int rc, const struct count_view *v, struct db_rows *rows)
{
	int col;

	if (rc < 0)
		return rc;
	if (!v->show_qty && (col = db_col(rows, "system_qt")) >= 0)
		db_rows_drop_col(rows, (size_t)col);
	if (!v->show_serials && (col = db_col(rows, "system_serials")) >= 0)
		db_rows_drop_col(rows, (size_t)col);
	return rc;
}

int count_view_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct db_rows *out)
{
	const char *col = count_key_column(s->type);
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

	return hide_blind(db_execv(a, out, sql, p, sizeof(p) / sizeof(p[0])), v, out);
}

/*
 * The records of a session, of every counter or of one (who: " AND k.user_id = ?"). Two texts,
 * not one with "(? = 1 OR k.user_id = ?)": MariaDB 10.11 drops u.username from the ORDER BY of
 * a prepared statement for good once an execution filtered on one user (u was constant then),
 * so a supervisor's later page came out in k.id order.
 */
#define RECORDS_SQL(who)                                                                           \
	"SELECT k.id AS _key, " LINE_NAMES ", k.counted_qt, k.serials,"                            \
	" CONCAT('user/', u.username) AS user_key, k.source, k.recorded_at, k.updated_at,"         \
	" IF(" COUNT_SQL_OPEN_CONFLICT ", 1, 0) AS conflict,"                                      \
	" CAST(COALESCE(base.q, 0) AS SIGNED) AS system_qt, base.sr AS system_serials"             \
	" FROM count_records k" LINE_JOINS                                                         \
	" JOIN users u ON u.id = k.user_id AND u.tenant_id = k.tenant_id"                          \
	" JOIN (" COUNT_SQL_COUNTS ") c ON c.bin_id = k.bin_id AND c.item_id = k.item_id"          \
	" AND c.lot_number = k.lot_number" LINE_BASELINE_JOIN COUNT_SQL_RESOLUTION(                \
	    "k") " WHERE k.tenant_id = ? AND k.session_id = ?" who " AND (? IS NULL OR k.id = ?)"  \
	         " ORDER BY b.code, i.sku, k.lot_number, u.username, k.id LIMIT ? OFFSET ?"

/*
 * Records of the session (one when record_id is set; only those of lines in
 * open conflict when conflicts), the caller's own unless a supervisor.
 */
static int records_query(struct arena *a, const struct count_session *s, const struct count_view *v,
                         const char *record_id, bool conflicts, long long limit, long long offset,
                         struct db_rows *rows)
{
	static const char all_sql[] = RECORDS_SQL("");
	static const char own_sql[] = RECORDS_SQL(" AND k.user_id = ?");
	static const char all_open_sql[] = RECORDS_SQL(" AND " COUNT_SQL_OPEN_CONFLICT);
	static const char own_open_sql[] =
	    RECORDS_SQL(" AND k.user_id = ? AND " COUNT_SQL_OPEN_CONFLICT);
	const char *sql = v->supervisor ? (conflicts ? all_open_sql : all_sql)
	                                : (conflicts ? own_open_sql : own_sql);
	struct db_param p[14];
	size_t n = 0;

	p[n++] = DBP_S(v->tenant_id);
	p[n++] = DBP_S(s->id);
	p[n++] = DBP_S(v->tenant_id);
	p[n++] = DBP_S(s->baseline_snapshot_key);
	p[n++] = DBP_S(s->id);
	p[n++] = DBP_S(v->tenant_id);
	p[n++] = DBP_S(v->tenant_id);
	p[n++] = DBP_S(s->id);
	if (!v->supervisor)
		p[n++] = DBP_S(v->user_id);
	p[n++] = DBP_S(record_id);
	p[n++] = DBP_S(record_id);
	p[n++] = DBP_I(limit);
	p[n++] = DBP_I(offset);
	return hide_blind(db_execv(a, rows, sql, p, n), v, rows);
}

int count_view_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct db_rows *out, long long *total)
{
	struct db_rows count;

	if (db_exec(a, &count,
	            "SELECT COUNT(*) FROM count_records WHERE tenant_id = ? AND session_id = ?"
	            " AND (? = 1 OR user_id = ?)",
	            "ssis", v->tenant_id, s->id, (long long)v->supervisor, v->user_id) < 0 ||
	    records_query(a, s, v, NULL, false, limit, offset, out) < 0)
		return -1;
	*total = count_cell_ll(&count, 0, 0);
	return 0;
}

int count_view_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct db_rows *out)
{
	return records_query(a, s, v, record_id, false, 1, 0, out);
}

int count_view_conflicts(struct arena *a, const struct count_session *s, const struct count_view *v,
                         long long limit, struct db_rows *out)
{
	return records_query(a, s, v, NULL, true, limit, 0, out);
}

/* ---- variances ------------------------------------------------------------------- */

bool count_view_difference(const struct db_rows *rows, size_t i, long long *diff)
{
	*diff = count_cell_ll(rows, i, COUNT_LINE_COUNTED_QT) -
	        count_cell_ll(rows, i, COUNT_LINE_SYSTEM_QT);
	return count_cell_ll(rows, i, COUNT_LINE_CONFLICT) == 0;
}

int count_view_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct db_rows *out, struct count_variance_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (count_lines(a, tenant_id, s, out) < 0)
		return -1;
	for (size_t i = 0; i < out->nrows; i++) {
		long long diff;

		if (count_view_difference(out, i, &diff))
			sum->variances += diff != 0;
		else
			sum->conflicts++;
	}
	sum->lines = (long long)out->nrows;
	return 0;
}

void count_view_variances_csv(struct buf *out, const struct db_rows *rows)
{
	static const int text_cols[] = {COUNT_LINE_BIN_CODE, COUNT_LINE_SKU, COUNT_LINE_ITEM_NAME,
	                                COUNT_LINE_LOT};

	buf_puts(out,
	         "bin_code,sku,item_name,lot_number,system_qt,counted_qt,difference,conflict\r\n");
	for (size_t i = 0; i < rows->nrows; i++) {
		long long sys = count_cell_ll(rows, i, COUNT_LINE_SYSTEM_QT);
		long long counted = count_cell_ll(rows, i, COUNT_LINE_COUNTED_QT);

		for (size_t c = 0; c < sizeof(text_cols) / sizeof(text_cols[0]); c++)
			csv_field(out, db_cell(rows, i, (size_t)text_cols[c]), c == 0);
		/* Numbers go in as they are: csv_field would quote a negative one as text. */
		if (count_cell_ll(rows, i, COUNT_LINE_CONFLICT))
			buf_appendf(out, ",%lld,,,true", sys);
		else
			buf_appendf(out, ",%lld,%lld,%lld,false", sys, counted, counted - sys);
		csv_end_record(out);
	}
}
