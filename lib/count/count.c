/* Cycle counting: session states and codes, assignments, records, snapshots, count lines. */
#include "count/count.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/valid.h"
#include "base/words.h"
#include "count/count_scan.h"
#include "count/count_sql.h"
#include "db/db.h"
#include "db/db_batch.h"
#include "db/sql.h"
#include "stock/ledger.h"

const char *const count_types[] = {"position", "product", NULL};
const char *const count_statuses[] = {"planned", "started",  "completed",
                                      "applied", "canceled", NULL};

/* ---- lifecycle --------------------------------------------------------- */

struct transition {
	const char *name;
	const char *done;
	const char *from[2]; /* statuses the action starts from */
	const char *to;
};

static const struct transition transitions[] = {
    [COUNT_START] = {"start", "started", {"planned", NULL}, "started"},
    [COUNT_COMPLETE] = {"complete", "completed", {"started", NULL}, "completed"},
    [COUNT_APPLY] = {"apply", "applied", {"completed", NULL}, "applied"},
    [COUNT_CANCEL] = {"cancel", "canceled", {"planned", "started"}, "canceled"},
};

const char *count_next_status(const char *status, enum count_action action)
{
	const struct transition *t = &transitions[action];

	for (size_t i = 0; i < 2 && t->from[i]; i++)
		if (status && strcmp(status, t->from[i]) == 0)
			return t->to;
	return NULL;
}

const char *count_action_name(enum count_action action)
{
	return transitions[action].name;
}

const char *count_action_done(enum count_action action)
{
	return transitions[action].done;
}

const char *count_action_from(enum count_action action)
{
	return action == COUNT_CANCEL ? "planned or started" : transitions[action].from[0];
}

/* ---- small pieces ------------------------------------------------------- */

char *count_code_format(struct arena *a, int year, long long n)
{
	return arena_sprintf(a, "CNT-%04d-%03lld", year, n);
}

long long count_cell_ll(const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

const char *count_now(struct arena *a)
{
	struct db_rows rows;

	if (db_exec(a, &rows, "SELECT CAST(UTC_TIMESTAMP(6) AS CHAR)", NULL) < 0 || rows.nrows == 0)
		return NULL;
	return db_cell(&rows, 0, 0);
}

int count_refuse(struct count_result *res, int status, const char *message, const char *detail)
{
	res->status = status;
	res->message = message;
	res->detail = detail ? detail : "";
	return COUNT_REFUSED;
}

int count_user_key_parse(struct arena *a, const char *key, const char **username,
                         const char **user_id)
{
	*username = NULL;
	*user_id = NULL;
	if (!key)
		return -1;
	if (strncmp(key, "user/", 5) == 0 && key[5]) {
		*username = key + 5;
		return 0;
	}
	if (!valid_uuid(key))
		return -1;
	*user_id = valid_id_norm(a, key);
	return 0;
}

static bool is_position(const char *type)
{
	return type && strcmp(type, "position") == 0;
}

const char *count_key_column(const char *type)
{
	return is_position(type) ? "bin_id" : "item_id";
}

const char *count_key_table(const char *type)
{
	return is_position(type) ? "bins" : "items";
}

const char *count_key_entity(const char *type)
{
	return is_position(type) ? "Bin" : "Item";
}

bool count_is_supervisor(const char *scopes)
{
	return words_any(scopes, COUNT_SUPERVISOR_SCOPES);
}

/* ---- codes ---------------------------------------------------------------- */

int count_code_assign(struct arena *a, const char *tenant_id, const char *session_id, int year,
                      const char **code)
{
	struct db_rows rows;

	/* Migration 012's procedure: the counter, the code and the numbers explicit codes took. */
	if (db_exec(a, &rows, "CALL count_code_take(?, ?, ?)", "ssi", tenant_id, session_id,
	            (long long)year) < 0 ||
	    rows.nrows != 1)
		return -1;
	*code = db_cell(&rows, 0, 0);
	return *code ? 0 : -1;
}

/* ---- sessions -------------------------------------------------------------- */

int count_session_load(struct arena *a, const char *tenant_id, const char *id, enum count_lock lock,
                       struct count_session *out)
{
	static const char *const sql[] = {
	    [COUNT_READ] = "SELECT id, code, type, status, baseline_snapshot_key, blind_quantities,"
	                   " blind_serials, lock_positions, rev FROM count_sessions"
	                   " WHERE tenant_id = ? AND id = ?",
	    [COUNT_SHARE] =
	        "SELECT id, code, type, status, baseline_snapshot_key, blind_quantities,"
	        " blind_serials, lock_positions, rev FROM count_sessions"
	        " WHERE tenant_id = ? AND id = ? LOCK IN SHARE MODE",
	    [COUNT_UPDATE] = "SELECT id, code, type, status, baseline_snapshot_key,"
	                     " blind_quantities, blind_serials, lock_positions, rev"
	                     " FROM count_sessions WHERE tenant_id = ? AND id = ? FOR UPDATE",
	};
	struct db_rows rows;

	memset(out, 0, sizeof(*out));
	if (!id || !valid_uuid(id))
		return 1;
	if (db_exec(a, &rows, sql[lock], "ss", tenant_id, id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 1;
	out->id = db_cell(&rows, 0, 0);
	out->code = db_cell(&rows, 0, 1);
	out->type = db_cell(&rows, 0, 2);
	out->status = db_cell(&rows, 0, 3);
	out->baseline_snapshot_key = db_cell(&rows, 0, 4);
	out->blind_quantities = count_cell_ll(&rows, 0, 5) != 0;
	out->blind_serials = count_cell_ll(&rows, 0, 6) != 0;
	out->lock_positions = count_cell_ll(&rows, 0, 7) != 0;
	out->rev = count_cell_ll(&rows, 0, 8);
	return 0;
}

/* ---- assignments ----------------------------------------------------------- */

/*
 * The users of the keys, one row per key (j.i, from 1, in body order): by
 * name in the column's own collation, so case, accents and trailing spaces
 * compare as the unique key does (the JSON_TABLE column is declared with
 * users.username's collation, migration 001), or by id. The lowest valid
 * target key that is no bin or item of the tenant comes along (the first
 * JSON parameter). FORCE INDEX: one look-up per key, where the optimizer
 * otherwise reads the tenant's users or bins for small tenants.
 */
#define PLAN_HEAD                                                                                  \
	"SELECT j.i, un.id, ui.id, (SELECT MIN(k.id) FROM JSON_TABLE(?, '$[*]' COLUMNS"            \
	" (id CHAR(36) CHARACTER SET ascii PATH '$')) k LEFT JOIN %s t FORCE INDEX (PRIMARY)"      \
	" ON t.id = k.id AND t.tenant_id = ? WHERE t.id IS NULL) AS missing_key"
#define PLAN_FROM                                                                                  \
	" FROM JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY, name MEDIUMTEXT CHARACTER SET"      \
	" utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$[0]', uid CHAR(36) CHARACTER SET ascii"        \
	" PATH '$[1]')) j"                                                                         \
	" LEFT JOIN users un FORCE INDEX (uq_users_username) ON un.username = j.name"              \
	" AND un.tenant_id = ?"                                                                    \
	" LEFT JOIN users ui FORCE INDEX (PRIMARY) ON ui.id = j.uid AND ui.tenant_id = ?"

/* The keys as a JSON array: [name, id] a key, one of them null. */
static const char *keys_json(struct arena *a, const struct count_assignment *list, size_t n)
{
	struct db_param *p = arena_alloc(a, 2 * n * sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		p[2 * i] = DBP_S(list[i].username);
		p[2 * i + 1] = DBP_S(list[i].user_id);
	}
	return db_batch_json(a, p, n, 2);
}

/* Every target key that can be an id, lower-cased as stored, as a JSON array. */
static const char *target_keys_json(struct arena *a, const struct count_assignment *list, size_t n)
{
	size_t nkeys = 0, m = 0;
	struct db_param *p;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < list[i].ntargets; t++)
			nkeys += list[i].targets[t].nkeys;
	p = arena_alloc(a, (nkeys ? nkeys : 1) * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < list[i].ntargets; t++)
			for (size_t k = 0; k < list[i].targets[t].nkeys; k++)
				if (valid_uuid(list[i].targets[t].keys[k]))
					p[m++] =
					    DBP_S(valid_id_norm(a, list[i].targets[t].keys[k]));
	return db_batch_json(a, p, m, 1);
}

int count_assignments_read(struct arena *a, const char *tenant_id, const char *type,
                           const struct count_assignment *list, size_t n, const struct sql *extra,
                           struct count_plan *out)
{
	struct sql q;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->user_ids = arena_alloc(a, (n ? n : 1) * sizeof(*out->user_ids));
	sql_init(&q, a);
	buf_appendf(&q.text, PLAN_HEAD, count_key_table(type));
	sql_param(&q, DBP_S(target_keys_json(a, list, n)));
	sql_param(&q, DBP_S(tenant_id));
	if (extra)
		sql_addv(&q, buf_cstr(&extra->text), extra->params, extra->n);
	sql_addp(&q, PLAN_FROM, DBP_S(keys_json(a, list, n)));
	sql_param(&q, DBP_S(tenant_id));
	sql_param(&q, DBP_S(tenant_id));
	if (sql_exec(&q, &out->rows) < 0 || out->rows.nrows != n)
		goto out;
	for (size_t r = 0; r < n; r++) {
		long long i = count_cell_ll(&out->rows, r, 0);
		const char *by_name = db_cell(&out->rows, r, 1);

		if (i < 1 || (size_t)i > n)
			goto out;
		out->user_ids[i - 1] = by_name ? by_name : db_cell(&out->rows, r, 2);
	}
	out->missing_key = n ? db_cell(&out->rows, 0, 3) : NULL;
	rc = 0;
out:
	sql_release(&q);
	return rc;
}

struct user_place {
	const char *id;
	size_t i;
};

static int cmp_user_place(const void *x, const void *y)
{
	const struct user_place *p = x, *q = y;
	int c = strcmp(p->id, q->id);

	return c ? c : (p->i > q->i) - (p->i < q->i);
}

/*
 * Whether each assignment's user (ids[i]) is the user of an earlier one: what
 * the unique key (session, user) refused when the rows went in one by one.
 * The ids come from the users table, so equal users have equal text.
 */
static bool *repeated_users(struct arena *a, const char *const *ids, size_t n)
{
	struct user_place *s = arena_alloc(a, (n ? n : 1) * sizeof(*s));
	bool *repeated = arena_alloc(a, (n ? n : 1) * sizeof(*repeated));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (ids[i])
			s[m++] = (struct user_place){ids[i], i};
	qsort(s, m, sizeof(*s), cmp_user_place);
	for (size_t k = 1; k < m; k++)
		if (strcmp(s[k].id, s[k - 1].id) == 0)
			repeated[s[k].i] = true;
	return repeated;
}

/* Refuses the first target key of assignment i that cannot be an id (404). 0 or COUNT_REFUSED. */
static int check_keys(struct arena *a, const struct count_assignment *as, size_t i,
                      const char *type, struct count_result *res)
{
	for (size_t t = 0; t < as->ntargets; t++) {
		for (size_t k = 0; k < as->targets[t].nkeys; k++) {
			const char *key = as->targets[t].keys[k];

			if (!valid_uuid(key))
				return count_refuse(
				    res, 404,
				    arena_sprintf(a, "%s not found", count_key_entity(type)),
				    arena_sprintf(a, "assignments[%zu].target_keys[%zu][%zu]: %s",
				                  i, t, k, key));
		}
	}
	return 0;
}

/* The lowest target key that is no bin or item of the tenant (404), as count_targets_check. */
static int refuse_missing_key(struct arena *a, const char *type, const char *key,
                              struct count_result *res)
{
	return count_refuse(res, 404, arena_sprintf(a, "%s not found", count_key_entity(type)),
	                    arena_sprintf(a, "target key %s is not a %s of this tenant", key,
	                                  is_position(type) ? "bin" : "item"));
}

int count_assignments_check(struct arena *a, const struct count_assignment *list, size_t n,
                            const char *type, const struct count_plan *plan,
                            struct count_result *res)
{
	const char *const *ids = plan->user_ids;
	bool *repeated = repeated_users(a, ids, n);

	for (size_t i = 0; i < n; i++) {
		const struct count_assignment *as = &list[i];

		if (!ids[i])
			return count_refuse(res, 404, "User not found",
			                    arena_sprintf(a,
			                                  "assignments[%zu].user_key: %s is not a "
			                                  "user of this tenant",
			                                  i, as->user_key));
		if (repeated[i])
			return count_refuse(res, 400, "Duplicate assignment",
			                    arena_sprintf(a,
			                                  "assignments[%zu].user_key: %s is "
			                                  "assigned twice",
			                                  i, as->user_key));
		if (check_keys(a, as, i, type, res) != 0)
			return COUNT_REFUSED;
	}
	return plan->missing_key ? refuse_missing_key(a, type, plan->missing_key, res) : 0;
}

/* Inserts assignment i for user ids[i] at position i; gids[i] is its new id. */
static int insert_assignments(struct arena *a, const char *tenant_id, const char *session_id,
                              size_t n, const char *const *ids, const char **gids)
{
	struct db_param *p = arena_alloc(a, 3 * n * sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		struct db_param *row = p + 3 * i;

		gids[i] = db_uuid(a);
		row[0] = DBP_S(gids[i]);
		row[1] = DBP_S(ids[i]);
		row[2] = DBP_I((long long)i);
	}
	return db_exec(a, NULL, COUNT_ASSIGNMENT_INSERT(""), "sss", tenant_id, session_id,
	               db_batch_json(a, p, n, 3));
}

/* Inserts every target key of every assignment (gids[i] the row of list[i]), lower-cased. */
static int insert_targets(struct arena *a, const char *tenant_id, const char *session_id,
                          const struct count_assignment *list, size_t n, const char *const *gids)
{
	struct db_param *p, *row;
	size_t nkeys = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < list[i].ntargets; t++)
			nkeys += list[i].targets[t].nkeys;
	row = p = arena_alloc(a, 4 * (nkeys ? nkeys : 1) * sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		for (size_t t = 0; t < list[i].ntargets; t++) {
			for (size_t k = 0; k < list[i].targets[t].nkeys; k++, row += 4) {
				row[0] = DBP_S(gids[i]);
				row[1] = DBP_I((long long)t);
				row[2] = DBP_I((long long)k);
				row[3] = DBP_S(valid_id_norm(a, list[i].targets[t].keys[k]));
			}
		}
	}
	return db_exec(a, NULL, COUNT_TARGET_INSERT(""), "sss", tenant_id, session_id,
	               db_batch_json(a, p, nkeys, 4));
}

int count_assignments_write(struct arena *a, const char *tenant_id, const char *session_id,
                            const struct count_assignment *list, size_t n,
                            const struct count_plan *plan)
{
	const char **gids = arena_alloc(a, (n ? n : 1) * sizeof(*gids));

	if (insert_assignments(a, tenant_id, session_id, n, plan->user_ids, gids) < 0)
		return -1;
	return insert_targets(a, tenant_id, session_id, list, n, gids);
}

int count_assignments_delete(struct arena *a, const char *tenant_id, const char *session_id)
{
	if (db_exec(a, NULL, "DELETE FROM count_targets WHERE tenant_id = ? AND session_id = ?",
	            "ss", tenant_id, session_id) < 0)
		return -1;
	return db_exec(a, NULL,
	               "DELETE FROM count_assignments WHERE tenant_id = ? AND session_id = ?", "ss",
	               tenant_id, session_id);
}

int count_targets_check(struct arena *a, const char *tenant_id, const char *session_id,
                        const char *type, struct count_result *res)
{
	struct db_rows rows;
	const char *sql =
	    arena_sprintf(a,
	                  "SELECT t.key_id FROM count_targets t LEFT JOIN %s k"
	                  " ON k.id = t.key_id AND k.tenant_id = t.tenant_id"
	                  " WHERE t.tenant_id = ? AND t.session_id = ? AND k.id IS NULL"
	                  " ORDER BY t.key_id LIMIT 1",
	                  count_key_table(type));

	if (db_exec(a, &rows, sql, "ss", tenant_id, session_id) < 0)
		return -1;
	if (rows.nrows)
		return refuse_missing_key(a, type, db_cell(&rows, 0, 0), res);
	return 0;
}

int count_assignments_insert(struct arena *a, const char *tenant_id, const char *session_id,
                             const char *type, const struct count_assignment *list, size_t n,
                             struct count_result *res)
{
	struct count_plan plan;
	int rc;

	if (count_assignments_read(a, tenant_id, type, list, n, NULL, &plan) < 0)
		return -1;
	if ((rc = count_assignments_check(a, list, n, type, &plan, res)) != 0)
		return rc;
	return count_assignments_write(a, tenant_id, session_id, list, n, &plan);
}

int count_assignments_store(struct arena *a, const char *tenant_id, const char *session_id,
                            const char *type, const struct count_assignment *list, size_t n,
                            struct count_result *res)
{
	if (count_assignments_delete(a, tenant_id, session_id) < 0)
		return -1;
	return count_assignments_insert(a, tenant_id, session_id, type, list, n, res);
}

int count_is_assigned(struct arena *a, const char *tenant_id, const char *session_id,
                      const char *user_id)
{
	struct db_rows rows;

	if (db_exec(a, &rows,
	            "SELECT 1 FROM count_assignments WHERE tenant_id = ? AND session_id = ?"
	            " AND user_id = ?",
	            "sss", tenant_id, session_id, user_id) < 0)
		return -1;
	return rows.nrows > 0;
}

int count_in_targets(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char *bin_id, const char *item_id)
{
	struct db_rows rows;

	if (db_exec(
	        a, &rows,
	        "SELECT 1 FROM count_targets t JOIN count_assignments g ON g.id = t.assignment_id"
	        " WHERE t.tenant_id = ? AND t.session_id = ? AND g.user_id = ? AND t.key_id = ?"
	        " LIMIT 1",
	        "ssss", tenant_id, s->id, user_id, is_position(s->type) ? bin_id : item_id) < 0)
		return -1;
	return rows.nrows > 0;
}

/* ---- snapshots --------------------------------------------------------------- */

int count_snapshot_take(struct arena *a, const char *tenant_id, const struct count_session *s,
                        const char *kind, const char **id)
{
	const char *snap = db_uuid(a);
	const char *sql = arena_sprintf(
	    a,
	    "INSERT INTO count_snapshot_lines (snapshot_id, tenant_id, stock_id, warehouse_id,"
	    " bin_id, item_id, lot_number, serial_number, status, quantity)"
	    " SELECT ?, s.tenant_id, s.id, s.warehouse_id, s.bin_id, s.item_id,"
	    " COALESCE(s.lot_number, ''), s.serial_number, s.status, s.quantity FROM stocks s"
	    " WHERE s.tenant_id = ? AND s.bin_id IS NOT NULL AND s.status <> 'inactive'"
	    " AND s.%s IN (SELECT t.key_id FROM count_targets t"
	    " WHERE t.tenant_id = ? AND t.session_id = ?)",
	    count_key_column(s->type));

	if (db_exec(
	        a, NULL,
	        "INSERT INTO count_snapshots (id, tenant_id, session_id, kind) VALUES (?, ?, ?, ?)",
	        "ssss", snap, tenant_id, s->id, kind) < 0 ||
	    db_exec(a, NULL, sql, "ssss", snap, tenant_id, tenant_id, s->id) < 0)
		return -1;
	*id = snap;
	return 0;
}

/* ---- count lines ------------------------------------------------------------- */

int count_open_conflicts(struct arena *a, const char *tenant_id, const char *session_id,
                         long long *n)
{
	struct db_rows rows;

	if (db_exec(a, &rows,
	            "SELECT COUNT(*) FROM (" COUNT_SQL_COUNTS
	            ") c" COUNT_SQL_RESOLUTION("c") " WHERE " COUNT_SQL_OPEN_CONFLICT,
	            "ssss", tenant_id, session_id, session_id, tenant_id) < 0 ||
	    rows.nrows == 0)
		return -1;
	*n = count_cell_ll(&rows, 0, 0);
	return 0;
}

int count_lines(struct arena *a, const char *tenant_id, const struct count_session *s,
                struct db_rows *out)
{
	const char *col = count_key_column(s->type);
	const char *sql = arena_sprintf(
	    a,
	    "SELECT k.bin_id, b.code, b.warehouse_id, k.item_id, i.sku, i.name, k.lot_number,"
	    " CAST(COALESCE(base.q, 0) AS SIGNED), base.sr,"
	    " CASE WHEN res.bin_id IS NOT NULL THEN res.counted_qt"
	    "  WHEN c.nq > 1 OR c.ns > 1 THEN NULL ELSE COALESCE(c.q, 0) END,"
	    " IF(res.bin_id IS NOT NULL, res.serials, c.sr),"
	    " IF(" COUNT_SQL_OPEN_CONFLICT ", 1, 0), IF(res.bin_id IS NULL, 0, 1)"
	    " FROM (SELECT bin_id, item_id, lot_number FROM count_records"
	    "  WHERE tenant_id = ? AND session_id = ?"
	    "  UNION SELECT l.bin_id, l.item_id, l.lot_number FROM count_snapshot_lines l"
	    "  WHERE l.tenant_id = ? AND l.snapshot_id = ? AND EXISTS (SELECT 1 FROM count_records "
	    "x"
	    "   WHERE x.tenant_id = l.tenant_id AND x.session_id = ? AND x.%s = l.%s)) k"
	    " JOIN bins b ON b.id = k.bin_id AND b.tenant_id = ?"
	    " JOIN items i ON i.id = k.item_id AND i.tenant_id = ?"
	    " LEFT JOIN (" COUNT_SQL_BASELINE ") base"
	    " ON base.bin_id = k.bin_id AND base.item_id = k.item_id"
	    " AND base.lot_number = k.lot_number"
	    " LEFT JOIN (" COUNT_SQL_COUNTS ") c ON c.bin_id = k.bin_id AND c.item_id = k.item_id"
	    " AND c.lot_number = k.lot_number" COUNT_SQL_RESOLUTION(
	        "k") " ORDER BY b.code, i.sku, k.lot_number, k.bin_id",
	    col, col);
	struct db_param p[] = {
	    DBP_S(tenant_id),
	    DBP_S(s->id),
	    DBP_S(tenant_id),
	    DBP_S(s->baseline_snapshot_key),
	    DBP_S(s->id),
	    DBP_S(tenant_id),
	    DBP_S(tenant_id),
	    DBP_S(tenant_id),
	    DBP_S(s->baseline_snapshot_key),
	    DBP_S(tenant_id),
	    DBP_S(s->id),
	    DBP_S(s->id),
	    DBP_S(tenant_id),
	};

	return db_execv(a, out, sql, p, sizeof(p) / sizeof(p[0]));
}

/* ---- records ------------------------------------------------------------------ */

/* Whether a tenant row exists: 1, 0 or -1. */
static int tenant_row(struct arena *a, const char *sql, const char *tenant_id, const char *id)
{
	struct db_rows rows;

	if (!valid_uuid(id))
		return 0;
	if (db_exec(a, &rows, sql, "ss", tenant_id, id) < 0)
		return -1;
	return rows.nrows > 0;
}

int count_entry_check(struct arena *a, const char *tenant_id, const struct count_session *s,
                      const char *user_id, const struct count_entry *e, struct count_result *res)
{
	int rc;

	if ((rc = tenant_row(a, "SELECT 1 FROM bins WHERE tenant_id = ? AND id = ?", tenant_id,
	                     e->bin_id)) <= 0)
		return rc < 0 ? -1 : count_refuse(res, 404, "Bin not found", e->bin_id);
	if ((rc = tenant_row(a, "SELECT 1 FROM items WHERE tenant_id = ? AND id = ?", tenant_id,
	                     e->item_id)) <= 0)
		return rc < 0 ? -1 : count_refuse(res, 404, "Item not found", e->item_id);
	if ((rc = count_in_targets(a, tenant_id, s, user_id, e->bin_id, e->item_id)) <= 0)
		return rc < 0 ? -1
		              : count_refuse(res, 400,
		                             is_position(s->type)
		                                 ? "Bin is not among your count targets"
		                                 : "Item is not among your count targets",
		                             is_position(s->type) ? e->bin_id : e->item_id);
	return 0;
}

/* The bin an import row names by code or id: 0 with e->bin_id, COUNT_REFUSED, or -1. */
static int import_bin(struct arena *a, const char *tenant_id, const struct count_session *s,
                      const char *user_id, const char *bin, struct count_entry *e,
                      struct count_result *res)
{
	switch (count_scan_bin(a, tenant_id, s, user_id, bin, &e->bin_id)) {
	case COUNT_FOUND_ONE:
		return 0;
	case COUNT_FOUND_NONE:
		return count_refuse(res, 400, arena_sprintf(a, "Unknown bin: %s", bin), NULL);
	case COUNT_FOUND_MANY:
		return count_refuse(res, 400,
		                    arena_sprintf(a,
		                                  "Ambiguous bin code %s: it is used in several "
		                                  "warehouses; give the bin id",
		                                  bin),
		                    NULL);
	default:
		return -1;
	}
}

int count_import_fields(struct arena *a, const char *const *fields, size_t nfields,
                        struct count_entry *e, struct count_result *res)
{
	const char *lot = nfields > 3 ? fields[3] : "";

	memset(e, 0, sizeof(*e));
	if (nfields < 3 || nfields > 4)
		return count_refuse(res, 400,
		                    arena_sprintf(a,
		                                  "Expected 3 or 4 fields (bin, sku, counted_qt, "
		                                  "lot), got %zu",
		                                  nfields),
		                    NULL);
	if (!valid_text(fields[0], 400))
		return count_refuse(res, 400, "Bin required", NULL);
	if (!valid_text(fields[1], 400))
		return count_refuse(res, 400, "SKU required", NULL);
	if (!valid_int64(fields[2], &e->counted_qt) || e->counted_qt < 0 ||
	    e->counted_qt > LEDGER_QTY_MAX)
		return count_refuse(res, 400, arena_sprintf(a, "Invalid counted_qt: %s", fields[2]),
		                    NULL);
	if (*lot && (!valid_text(lot, COUNT_LOT_MAX * 4) || valid_utf8_chars(lot) > COUNT_LOT_MAX))
		return count_refuse(res, 400, "Invalid lot_number: at most 100 characters", NULL);
	e->lot_number = lot;
	return 0;
}

int count_import_row(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char *const *fields, size_t nfields,
                     struct count_entry *e, struct count_result *res)
{
	int rc;

	if ((rc = count_import_fields(a, fields, nfields, e, res)) != 0)
		return rc;
	if ((rc = import_bin(a, tenant_id, s, user_id, fields[0], e, res)) != 0)
		return rc;
	/* The item's SKU, or its barcode when a scanner filled the column. */
	if ((rc = count_scan_item(a, tenant_id, fields[1], &e->item_id)) < 0)
		return -1;
	if (rc == COUNT_FOUND_NONE)
		return count_refuse(res, 400, arena_sprintf(a, "Unknown sku: %s", fields[1]), NULL);
	if ((rc = count_entry_check(a, tenant_id, s, user_id, e, res)) != 0)
		return rc;
	return 0;
}

/* Drops the supervisor's resolution of a line (its counts changed). */
static int drop_resolution(struct arena *a, const char *tenant_id, const char *session_id,
                           const struct count_entry *e)
{
	return db_exec(a, NULL,
	               "DELETE FROM count_resolutions WHERE tenant_id = ? AND session_id = ?"
	               " AND bin_id = ? AND item_id = ? AND lot_number = ?",
	               "sssss", tenant_id, session_id, e->bin_id, e->item_id, e->lot_number);
}

int count_record_put(struct arena *a, const char *tenant_id, const char *session_id,
                     const char *user_id, const struct count_entry *e, const char *source,
                     const char **record_id)
{
	struct db_rows rows;
	struct db_param p[] = {
	    DBP_S(db_uuid(a)), DBP_S(tenant_id),  DBP_S(session_id),    DBP_S(user_id),
	    DBP_S(e->bin_id),  DBP_S(e->item_id), DBP_S(e->lot_number), DBP_I(e->counted_qt),
	    DBP_S(e->serials), DBP_S(source),
	};

	if (db_execv(
	        a, NULL,
	        "INSERT INTO count_records (id, tenant_id, session_id, user_id, bin_id, item_id,"
	        " lot_number, counted_qt, serials, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	        " ON DUPLICATE KEY UPDATE counted_qt = VALUES(counted_qt),"
	        " serials = VALUES(serials), source = VALUES(source),"
	        " updated_at = UTC_TIMESTAMP(6)",
	        p, sizeof(p) / sizeof(p[0])) < 0 ||
	    drop_resolution(a, tenant_id, session_id, e) < 0)
		return -1;
	if (db_exec(
	        a, &rows,
	        "SELECT id FROM count_records WHERE tenant_id = ? AND session_id = ? AND bin_id = ?"
	        " AND item_id = ? AND lot_number = ? AND user_id = ?",
	        "ssssss", tenant_id, session_id, e->bin_id, e->item_id, e->lot_number,
	        user_id) < 0 ||
	    rows.nrows == 0)
		return -1;
	*record_id = db_cell(&rows, 0, 0);
	return 0;
}

int count_resolution_put(struct arena *a, const char *tenant_id, const char *session_id,
                         const char *user_id, const struct count_entry *e, struct count_result *res)
{
	struct db_rows rows;

	if (db_exec(
	        a, &rows,
	        "SELECT 1 FROM count_records WHERE tenant_id = ? AND session_id = ? AND bin_id = ?"
	        " AND item_id = ? AND lot_number = ? LIMIT 1",
	        "sssss", tenant_id, session_id, e->bin_id, e->item_id, e->lot_number) < 0)
		return -1;
	if (rows.nrows == 0)
		return count_refuse(res, 404, "No count records for this line",
		                    "resolve a line that has been counted");
	if (drop_resolution(a, tenant_id, session_id, e) < 0)
		return -1;
	return db_exec(
	    a, NULL,
	    "INSERT INTO count_resolutions (tenant_id, session_id, bin_id, item_id,"
	    " lot_number, counted_qt, serials, resolved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "sssssiss", tenant_id, session_id, e->bin_id, e->item_id, e->lot_number, e->counted_qt,
	    e->serials, user_id);
}
