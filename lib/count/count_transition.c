/* A count session's transitions: the rule each action checks, its snapshot, its time, its status.
 */
#include "count/count_transition.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "count/count_apply.h"
#include "db/db.h"

/* Refuses a start without assignments. 0, COUNT_REFUSED or -1. */
static int check_assigned(struct arena *a, const char *tenant_id, const struct count_session *s,
                          struct count_result *res)
{
	struct db_rows rows;

	if (db_exec(
	        a, &rows,
	        "SELECT 1 FROM count_assignments WHERE tenant_id = ? AND session_id = ? LIMIT 1",
	        "ss", tenant_id, s->id) < 0)
		return -1;
	if (rows.nrows == 0)
		return count_refuse(res, 409, "Count session has no assignments",
		                    "assign at least one counter before starting");
	return 0;
}

static int check_conflicts(struct arena *a, const char *tenant_id, const struct count_session *s,
                           struct count_result *res)
{
	long long n = 0;

	if (count_open_conflicts(a, tenant_id, s->id, &n) < 0)
		return -1;
	if (n > 0)
		return count_refuse(res, 409, "Count session has unresolved conflicts",
		                    arena_sprintf(a,
		                                  "%lld line(s) counted differently by different "
		                                  "users: recount or resolve them first",
		                                  n));
	return 0;
}

/*
 * What each action does before the status changes: the snapshot it takes and
 * the column that keeps the snapshot's id, and the column stamped with now.
 */
struct action_effect {
	const char *snapshot_kind;
	const char *snapshot_col;
	const char *time_col;
};

static const struct action_effect effects[] = {
    [COUNT_START] = {"baseline", "baseline_snapshot_key", "started"},
    [COUNT_COMPLETE] = {"post_count", "post_count_snapshot_key", "completed"},
    [COUNT_APPLY] = {"post_adjustment", "post_adjustment_snapshot_key", "applied"},
    [COUNT_CANCEL] = {NULL, NULL, "canceled"},
};

/* The rule an action checks first. 0, COUNT_REFUSED or -1. */
static int precondition(struct arena *a, const char *tenant_id, const struct count_session *s,
                        enum count_action action, const char *user_id, struct count_result *res,
                        const char **list_id)
{
	*list_id = NULL;
	switch (action) {
	case COUNT_START:
		return check_assigned(a, tenant_id, s, res);
	case COUNT_COMPLETE:
		return check_conflicts(a, tenant_id, s, res);
	case COUNT_APPLY:
		return count_apply_post(a, tenant_id, s, user_id, list_id, res);
	default:
		return 0;
	}
}

/* Sets the new status, stamps the action's time and stores the keys the action produced. */
static int update_status(struct arena *a, const char *tenant_id, const struct count_session *s,
                         const char *next, const struct action_effect *e, const char *snap,
                         const char *list_id)
{
	const char *now = count_now(a);
	struct db_param p[6];
	size_t n = 0;
	struct buf sql;
	int rc;

	if (!now)
		return -1;
	/* Column names come from the effects table, never from the request. */
	buf_init(&sql);
	buf_appendf(&sql, "UPDATE count_sessions SET status = ?, %s = ?", e->time_col);
	p[n++] = DBP_S(next);
	p[n++] = DBP_S(now);
	if (snap) {
		buf_appendf(&sql, ", %s = ?", e->snapshot_col);
		p[n++] = DBP_S(snap);
	}
	if (list_id) {
		buf_puts(&sql, ", adjustment_list_key = ?");
		p[n++] = DBP_S(list_id);
	}
	buf_puts(&sql,
	         ", rev = rev + 1, updated_at = UTC_TIMESTAMP(6) WHERE tenant_id = ? AND id = ?");
	p[n++] = DBP_S(tenant_id);
	p[n++] = DBP_S(s->id);
	rc = db_execv(a, NULL, buf_cstr(&sql), p, n);
	buf_release(&sql);
	return rc;
}

int count_transition(struct arena *a, const char *tenant_id, const struct count_session *s,
                     enum count_action action, const char *user_id, struct count_result *res)
{
	const char *next = count_next_status(s->status, action);
	const struct action_effect *e = &effects[action];
	const char *snap = NULL, *list_id = NULL;
	int rc;

	if (!next)
		return count_refuse(res, 409, arena_sprintf(a, "Count session is %s", s->status),
		                    arena_sprintf(a, "%s needs a %s count session; %s is %s",
		                                  count_action_name(action),
		                                  count_action_from(action), s->code, s->status));
	if ((rc = precondition(a, tenant_id, s, action, user_id, res, &list_id)) != 0)
		return rc;
	if (e->snapshot_kind && count_snapshot_take(a, tenant_id, s, e->snapshot_kind, &snap) < 0)
		return -1;
	return update_status(a, tenant_id, s, next, e, snap, list_id);
}
