/* Open count sessions and their assignments' progress, for the overview. */
#include "count/count_overview.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"

/* The progress of the assignments of n sessions (parameters: tenant, the n ids, tenant). */
static const char *progress_sql(struct arena *a, size_t n)
{
	struct buf b;
	const char *sql;

	buf_init(&b);
	buf_puts(&b,
	         "SELECT x.session_id, u.username, COUNT(*), CAST(COALESCE(SUM(x.done), 0) AS "
	         "SIGNED) FROM (SELECT t.session_id, t.assignment_id, MIN(EXISTS (SELECT 1"
	         "  FROM count_records r WHERE r.tenant_id = t.tenant_id"
	         "  AND r.session_id = t.session_id AND r.user_id = g.user_id"
	         "  AND ((s.type = 'position' AND r.bin_id = t.key_id)"
	         "   OR (s.type = 'product' AND r.item_id = t.key_id)))) AS done"
	         " FROM count_targets t"
	         " JOIN count_assignments g ON g.id = t.assignment_id AND g.tenant_id = t.tenant_id"
	         " JOIN count_sessions s ON s.id = t.session_id AND s.tenant_id = t.tenant_id"
	         " WHERE t.tenant_id = ? AND t.session_id IN (?");
	for (size_t i = 1; i < n; i++)
		buf_puts(&b, ", ?");
	buf_puts(&b, ") GROUP BY t.session_id, t.assignment_id, t.target_no) x"
	             " JOIN count_assignments g ON g.id = x.assignment_id AND g.tenant_id = ?"
	             " JOIN users u ON u.id = g.user_id AND u.tenant_id = g.tenant_id"
	             " GROUP BY x.session_id, x.assignment_id, g.position, u.username"
	             " ORDER BY x.session_id, g.position");
	sql = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return sql;
}

int count_overview(struct arena *a, const char *tenant_id, size_t max, struct db_rows *sessions,
                   struct db_rows *progress)
{
	struct db_param *p;

	memset(progress, 0, sizeof(*progress));
	if (db_exec(a, sessions,
	            /* By status: the created index would walk past every closed session. */
	            "SELECT id, code, status, type, description FROM count_sessions"
	            " FORCE INDEX (ix_count_sessions_status) WHERE tenant_id = ? AND status IN "
	            "('planned', 'started')"
	            " ORDER BY created DESC, id DESC LIMIT ?",
	            "si", tenant_id, (long long)max) < 0)
		return -1;
	if (sessions->nrows == 0)
		return 0;
	p = arena_alloc(a, (sessions->nrows + 2) * sizeof(*p));
	p[0] = DBP_S(tenant_id);
	for (size_t i = 0; i < sessions->nrows; i++)
		p[i + 1] = DBP_S(db_cell(sessions, i, COUNT_OV_ID));
	p[sessions->nrows + 1] = DBP_S(tenant_id);
	return db_execv(a, progress, progress_sql(a, sessions->nrows), p, sessions->nrows + 2);
}
