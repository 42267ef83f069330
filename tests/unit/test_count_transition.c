/*
 * Unit tests for lib/count/count_transition.c against the devstack database
 * (STOCKTAKE_TEST_DB_SOCKET): start, complete, apply and cancel, the rule each checks, the
 * snapshot each takes, the time each stamps, and the transitions refused. Every case runs in a
 * transaction that is rolled back; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "count/count.h"
#include "count/count_transition.h"
#include "count_case.h"

/* The session's lifecycle columns as stored. */
enum {
	COL_STATUS = 0,
	COL_STARTED,
	COL_COMPLETED,
	COL_APPLIED,
	COL_CANCELED,
	COL_BASELINE,
	COL_POST_COUNT,
	COL_POST_ADJUSTMENT,
	COL_LIST,
	COL_REV,
	COL_STAMPED_NOW, /* 1 when the action's time column is within a minute of now */
};

/* Reads the session's row; time_col names the column COL_STAMPED_NOW checks. */
static void session_row(const char *id, const char *time_col, struct db_rows *rows)
{
	const char *sql = arena_sprintf(
	    arena,
	    "SELECT status, started, completed, applied, canceled, baseline_snapshot_key,"
	    " post_count_snapshot_key, post_adjustment_snapshot_key, adjustment_list_key, rev,"
	    " %s IS NOT NULL AND %s BETWEEN UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE AND "
	    "UTC_TIMESTAMP(6) FROM count_sessions WHERE tenant_id = ? AND id = ?",
	    time_col, time_col);

	assert_int_equal(db_exec(arena, rows, sql, "ss", FX_TENANT, id), 0);
	assert_int_equal(rows->nrows, 1);
}

static long long number(const char *sql, const char *param)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, "s", param), 0);
	assert_int_equal(rows.nrows, 1);
	return count_cell_ll(&rows, 0, 0);
}

/* The snapshot id's kind and session, and its one line's quantity of FX_STOCK. */
static void assert_snapshot(const char *snap, const char *session_id, const char *kind,
                            long long qt)
{
	struct db_rows rows;

	assert_non_null(snap);
	assert_int_equal(
	    db_exec(arena, &rows,
	            "SELECT kind, session_id, tenant_id FROM count_snapshots WHERE id = ?", "s",
	            snap),
	    0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), kind);
	assert_string_equal(db_cell(&rows, 0, 1), session_id);
	assert_string_equal(db_cell(&rows, 0, 2), FX_TENANT);
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT stock_id, bin_id, quantity FROM count_snapshot_lines"
	                         " WHERE snapshot_id = ?",
	                         "s", snap),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), FX_STOCK);
	assert_string_equal(db_cell(&rows, 0, 1), FX_BIN_A);
	assert_int_equal(count_cell_ll(&rows, 0, 2), qt);
}

/* Runs action on the session as it is now (locked as the handlers lock it). */
static int transition(const char *id, enum count_action action, struct count_result *res)
{
	struct count_session s;

	fx_load(arena, id, &s);
	return count_transition(arena, FX_TENANT, &s, action, FX_USER1, res);
}

/* A started session both counters counted qt in (baseline 10). */
static const char *counted(const char *code, long long qt1, long long qt2)
{
	const char *id;

	fx_session(arena, code, false, &id);
	fx_action(arena, id, COUNT_START);
	fx_record(arena, id, FX_USER1, qt1);
	fx_record(arena, id, FX_USER2, qt2);
	return id;
}

static void test_start(void **state)
{
	struct count_result res = {0};
	struct count_session s;
	struct db_rows rows;
	const char *id;
	long long rev;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-TR-1", false, &id);
	session_row(id, "created", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "planned");
	assert_null(db_cell(&rows, 0, COL_STARTED));
	assert_null(db_cell(&rows, 0, COL_BASELINE));
	rev = count_cell_ll(&rows, 0, COL_REV);
	assert_int_equal(transition(id, COUNT_START, &res), 0);
	assert_int_equal(res.status, 0);
	session_row(id, "started", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "started");
	assert_string_equal(db_cell(&rows, 0, COL_STAMPED_NOW), "1");
	assert_null(db_cell(&rows, 0, COL_COMPLETED));
	assert_null(db_cell(&rows, 0, COL_APPLIED));
	assert_null(db_cell(&rows, 0, COL_CANCELED));
	assert_null(db_cell(&rows, 0, COL_POST_COUNT));
	assert_null(db_cell(&rows, 0, COL_POST_ADJUSTMENT));
	assert_null(db_cell(&rows, 0, COL_LIST));
	assert_int_equal(count_cell_ll(&rows, 0, COL_REV), rev + 1);
	/* The baseline: the 10 in bin A as they stood at the start. */
	assert_snapshot(db_cell(&rows, 0, COL_BASELINE), id, "baseline", 10);
	/* The loaded session sees the key now. */
	fx_load(arena, id, &s);
	assert_string_equal(s.status, "started");
	assert_string_equal(s.baseline_snapshot_key, db_cell(&rows, 0, COL_BASELINE));
}

static void test_start_without_assignments(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-TR-2", false, &id);
	assert_int_equal(count_assignments_delete(arena, FX_TENANT, id), 0);
	assert_int_equal(transition(id, COUNT_START, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Count session has no assignments");
	assert_string_equal(res.detail, "assign at least one counter before starting");
	session_row(id, "created", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "planned");
	assert_null(db_cell(&rows, 0, COL_STARTED));
	assert_null(db_cell(&rows, 0, COL_BASELINE));
	assert_int_equal(number("SELECT COUNT(*) FROM count_snapshots WHERE session_id = ?", id),
	                 0);
}

static void test_complete_with_conflict(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	id = counted("CNT-TR-3", 7, 8);
	assert_int_equal(transition(id, COUNT_COMPLETE, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Count session has unresolved conflicts");
	assert_string_equal(res.detail, "1 line(s) counted differently by different users: "
	                                "recount or resolve them first");
	session_row(id, "started", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "started");
	assert_null(db_cell(&rows, 0, COL_COMPLETED));
	assert_null(db_cell(&rows, 0, COL_POST_COUNT));
	assert_int_equal(number("SELECT COUNT(*) FROM count_snapshots WHERE session_id = ?"
	                        " AND kind = 'post_count'",
	                        id),
	                 0);
}

static void test_complete(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id, *baseline;

	(void)state;
	if (!have_db)
		skip();
	id = counted("CNT-TR-4", 7, 7);
	session_row(id, "started", &rows);
	baseline = db_cell(&rows, 0, COL_BASELINE);
	assert_int_equal(transition(id, COUNT_COMPLETE, &res), 0);
	session_row(id, "completed", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "completed");
	assert_string_equal(db_cell(&rows, 0, COL_STAMPED_NOW), "1");
	assert_non_null(db_cell(&rows, 0, COL_STARTED));
	assert_null(db_cell(&rows, 0, COL_APPLIED));
	assert_null(db_cell(&rows, 0, COL_POST_ADJUSTMENT));
	assert_null(db_cell(&rows, 0, COL_LIST));
	/* The baseline stays; the post_count snapshot is a new one of the stock as it is now. */
	assert_string_equal(db_cell(&rows, 0, COL_BASELINE), baseline);
	assert_string_not_equal(db_cell(&rows, 0, COL_POST_COUNT), baseline);
	assert_snapshot(db_cell(&rows, 0, COL_POST_COUNT), id, "post_count", 10);
	/* Completing changes no stock. */
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = ?", FX_STOCK), 10);
}

static void test_complete_after_resolution(void **state)
{
	struct count_result res = {0};
	struct count_entry e = {FX_BIN_A, FX_ITEM, "", 8, NULL};
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	id = counted("CNT-TR-5", 7, 8);
	assert_int_equal(count_resolution_put(arena, FX_TENANT, id, FX_USER1, &e, &res), 0);
	assert_int_equal(transition(id, COUNT_COMPLETE, &res), 0);
	session_row(id, "completed", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "completed");
}

static void test_apply(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id, *list;

	(void)state;
	if (!have_db)
		skip();
	id = counted("CNT-TR-6", 7, 7);
	fx_action(arena, id, COUNT_COMPLETE);
	assert_int_equal(transition(id, COUNT_APPLY, &res), 0);
	session_row(id, "applied", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "applied");
	assert_string_equal(db_cell(&rows, 0, COL_STAMPED_NOW), "1");
	assert_null(db_cell(&rows, 0, COL_CANCELED));
	list = db_cell(&rows, 0, COL_LIST);
	assert_non_null(list);
	/* The list key names the adjustments the apply posted: one, 10 -> 7. */
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT session_id, baseline_qt, counted_qt, quantity_before,"
	                         " quantity_after FROM count_adjustments WHERE list_id = ?",
	                         "s", list),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), id);
	assert_int_equal(count_cell_ll(&rows, 0, 1), 10);
	assert_int_equal(count_cell_ll(&rows, 0, 2), 7);
	assert_int_equal(count_cell_ll(&rows, 0, 3), 10);
	assert_int_equal(count_cell_ll(&rows, 0, 4), 7);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = ?", FX_STOCK), 7);
	/* The post_adjustment snapshot sees the stock after the posting. */
	session_row(id, "applied", &rows);
	assert_snapshot(db_cell(&rows, 0, COL_POST_ADJUSTMENT), id, "post_adjustment", 7);
}

static void test_cancel_from_planned(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-TR-7", false, &id);
	assert_int_equal(transition(id, COUNT_CANCEL, &res), 0);
	session_row(id, "canceled", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "canceled");
	assert_string_equal(db_cell(&rows, 0, COL_STAMPED_NOW), "1");
	assert_null(db_cell(&rows, 0, COL_STARTED));
	assert_null(db_cell(&rows, 0, COL_BASELINE));
	/* Canceling takes no snapshot. */
	assert_int_equal(number("SELECT COUNT(*) FROM count_snapshots WHERE session_id = ?", id),
	                 0);
}

static void test_cancel_from_started(void **state)
{
	struct count_result res = {0};
	struct db_rows rows;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	id = counted("CNT-TR-8", 7, 7);
	assert_int_equal(transition(id, COUNT_CANCEL, &res), 0);
	session_row(id, "canceled", &rows);
	assert_string_equal(db_cell(&rows, 0, COL_STATUS), "canceled");
	assert_string_equal(db_cell(&rows, 0, COL_STAMPED_NOW), "1");
	assert_non_null(db_cell(&rows, 0, COL_STARTED));
	assert_null(db_cell(&rows, 0, COL_COMPLETED));
	assert_null(db_cell(&rows, 0, COL_POST_COUNT));
	/* Only the baseline of the start: no stock changed. */
	assert_int_equal(number("SELECT COUNT(*) FROM count_snapshots WHERE session_id = ?", id),
	                 1);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = ?", FX_STOCK), 10);
}

/* Brings a new session to status (planned, started, completed, applied, canceled). */
static const char *session_in(const char *code, const char *status)
{
	const char *id;

	fx_session(arena, code, false, &id);
	if (strcmp(status, "planned") == 0)
		return id;
	if (strcmp(status, "canceled") == 0) {
		fx_action(arena, id, COUNT_CANCEL);
		return id;
	}
	fx_action(arena, id, COUNT_START);
	if (strcmp(status, "started") == 0)
		return id;
	fx_action(arena, id, COUNT_COMPLETE);
	if (strcmp(status, "completed") == 0)
		return id;
	fx_action(arena, id, COUNT_APPLY);
	return id;
}

static void test_not_allowed(void **state)
{
	static const struct {
		const char *status;
		enum count_action action;
		const char *detail_code;
		const char *detail;
	} cases[] = {
	    {"started", COUNT_START, "CNT-NA-01",
	     "start needs a planned count session; CNT-NA-01 is started"},
	    {"completed", COUNT_START, "CNT-NA-02",
	     "start needs a planned count session; CNT-NA-02 is completed"},
	    {"applied", COUNT_START, "CNT-NA-03",
	     "start needs a planned count session; CNT-NA-03 is applied"},
	    {"canceled", COUNT_START, "CNT-NA-04",
	     "start needs a planned count session; CNT-NA-04 is canceled"},
	    {"planned", COUNT_COMPLETE, "CNT-NA-05",
	     "complete needs a started count session; CNT-NA-05 is planned"},
	    {"completed", COUNT_COMPLETE, "CNT-NA-06",
	     "complete needs a started count session; CNT-NA-06 is completed"},
	    {"canceled", COUNT_COMPLETE, "CNT-NA-07",
	     "complete needs a started count session; CNT-NA-07 is canceled"},
	    {"planned", COUNT_APPLY, "CNT-NA-08",
	     "apply needs a completed count session; CNT-NA-08 is planned"},
	    {"started", COUNT_APPLY, "CNT-NA-09",
	     "apply needs a completed count session; CNT-NA-09 is started"},
	    {"applied", COUNT_APPLY, "CNT-NA-10",
	     "apply needs a completed count session; CNT-NA-10 is applied"},
	    {"completed", COUNT_CANCEL, "CNT-NA-11",
	     "cancel needs a planned or started count session; CNT-NA-11 is completed"},
	    {"applied", COUNT_CANCEL, "CNT-NA-12",
	     "cancel needs a planned or started count session; CNT-NA-12 is applied"},
	    {"canceled", COUNT_CANCEL, "CNT-NA-13",
	     "cancel needs a planned or started count session; CNT-NA-13 is canceled"},
	};

	(void)state;
	if (!have_db)
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct count_result res = {0};
		struct db_rows before, after;
		const char *id = session_in(cases[i].detail_code, cases[i].status);

		session_row(id, "created", &before);
		assert_int_equal(transition(id, cases[i].action, &res), COUNT_REFUSED);
		assert_int_equal(res.status, 409);
		assert_string_equal(res.message,
		                    arena_sprintf(arena, "Count session is %s", cases[i].status));
		assert_string_equal(res.detail, cases[i].detail);
		/* Nothing changed: same status, same rev. */
		session_row(id, "created", &after);
		assert_string_equal(db_cell(&after, 0, COL_STATUS), cases[i].status);
		assert_string_equal(db_cell(&after, 0, COL_REV), db_cell(&before, 0, COL_REV));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_start),
	    DB_CASE(test_start_without_assignments),
	    DB_CASE(test_complete_with_conflict),
	    DB_CASE(test_complete),
	    DB_CASE(test_complete_after_resolution),
	    DB_CASE(test_apply),
	    DB_CASE(test_cancel_from_planned),
	    DB_CASE(test_cancel_from_started),
	    DB_CASE(test_not_allowed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
