/*
 * Unit tests for lib/count/count_view.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * the reads behind the count session answers. Every case runs in a transaction that is rolled
 * back; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "count/count_view.h"
#include "count_case.h"
#include "count_fixture.h"
#include "db/db.h"

/* A started session (baseline: 10 in bin A) with its view for user (a supervisor or not). */
static void started(const char *user, bool supervisor, bool blind, struct count_session *s,
                    struct count_view *v)
{
	const char *id;

	fx_session(arena, "CNT-VIEW", blind, &id);
	fx_action(arena, id, COUNT_START);
	fx_load(arena, id, s);
	count_view_init(v, s, FX_TENANT, user,
	                supervisor ? "inventory:count:apply" : "inventory:count:record");
}

static const char *cell(const struct db_rows *rows, size_t row, const char *name)
{
	int c = db_col(rows, name);

	assert_true(c >= 0);
	return db_cell(rows, row, (size_t)c);
}

static void test_session_and_list(void **state)
{
	struct db_rows rows;
	struct count_list_filter f = {.limit = 10};
	const char *id;
	long long total = -1;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-VIEW", false, &id);
	assert_int_equal(count_view_session(arena, FX_TENANT, id, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(cell(&rows, 0, "_key"), id);
	assert_string_equal(cell(&rows, 0, "_id"), arena_sprintf(arena, "count_session/%s", id));
	assert_string_equal(cell(&rows, 0, "code"), "CNT-VIEW");
	assert_string_equal(cell(&rows, 0, "status"), "planned");
	assert_string_equal(cell(&rows, 0, "created_by"), "user/counter-one");
	/* Another tenant's session is not there at all. */
	assert_int_equal(count_view_session(arena, FX_OTHER_TENANT, id, &rows), 0);
	assert_int_equal(rows.nrows, 0);

	assert_int_equal(count_view_list(arena, FX_TENANT, &f, &rows, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(rows.nrows, 1);
	f.status = "started";
	assert_int_equal(count_view_list(arena, FX_TENANT, &f, &rows, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(rows.nrows, 0);
	f.status = NULL;
	f.search = "VIEW";
	assert_int_equal(count_view_list(arena, FX_TENANT, &f, &rows, &total), 0);
	assert_int_equal(total, 1);
	f.search = "nothing like it";
	assert_int_equal(count_view_list(arena, FX_TENANT, &f, &rows, &total), 0);
	assert_int_equal(total, 0);
}

static void test_assignments_and_progress(void **state)
{
	struct count_session s;
	struct count_view v;
	struct count_assignment_rows a;

	(void)state;
	if (!have_db)
		skip();
	started(FX_USER1, true, false, &s, &v);
	assert_int_equal(count_view_assignments(arena, &s, &v, &a), 0);
	assert_int_equal(a.targets.nrows, 2);
	assert_string_equal(db_cell(&a.targets, 0, COUNT_TARGET_USER_KEY), "user/counter-one");
	assert_string_equal(db_cell(&a.targets, 1, COUNT_TARGET_USER_KEY), "user/counter-two");
	assert_string_equal(db_cell(&a.targets, 0, COUNT_TARGET_KEY), FX_BIN_A);
	assert_int_equal(a.progress.nrows, 2);
	assert_int_equal(count_cell_ll(&a.progress, 0, COUNT_PROGRESS_TOTAL), 1);
	assert_int_equal(count_cell_ll(&a.progress, 0, COUNT_PROGRESS_COUNTED), 0);
	assert_int_equal(a.records, 0);
	assert_int_equal(a.conflicts, 0);

	fx_record(arena, s.id, FX_USER1, 7);
	fx_record(arena, s.id, FX_USER2, 8);
	assert_int_equal(count_view_assignments(arena, &s, &v, &a), 0);
	assert_int_equal(count_cell_ll(&a.progress, 0, COUNT_PROGRESS_COUNTED), 1);
	assert_int_equal(count_cell_ll(&a.progress, 1, COUNT_PROGRESS_COUNTED), 1);
	assert_int_equal(a.records, 2);
	/* 7 against 8: one line in conflict. */
	assert_int_equal(a.conflicts, 1);
}

static void test_lines_follow_the_view(void **state)
{
	struct count_session s;
	struct count_view v;
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	started(FX_USER3, false, true, &s, &v);
	assert_false(v.supervisor);
	assert_false(v.show_qty);
	/* The outsider has no targets, so no lines. */
	assert_int_equal(count_view_lines(arena, &s, &v, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	count_view_init(&v, &s, FX_TENANT, FX_USER2, "inventory:count:record");
	assert_int_equal(count_view_lines(arena, &s, &v, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(cell(&rows, 0, "bin_code"), "A-01");
	assert_string_equal(cell(&rows, 0, "sku"), "SKU-1");
	assert_null(cell(&rows, 0, "lot_number"));
	/* Blind quantities: the system's quantity is not even read out (its serials are, as
	 * the session does not hide them). */
	assert_false(v.show_qty);
	assert_true(v.show_serials);
	assert_int_equal(db_col(&rows, "system_qt"), -1);
	assert_true(db_col(&rows, "system_serials") >= 0);
	count_view_init(&v, &s, FX_TENANT, FX_USER2, "inventory:count:apply");
	assert_true(v.show_qty);
	assert_int_equal(count_view_lines(arena, &s, &v, &rows), 0);
	assert_string_equal(cell(&rows, 0, "system_qt"), "10");
}

static void test_records_own_or_all(void **state)
{
	struct count_session s;
	struct count_view v;
	struct db_rows rows;
	long long total = -1;

	(void)state;
	if (!have_db)
		skip();
	started(FX_USER1, false, false, &s, &v);
	fx_record(arena, s.id, FX_USER1, 7);
	fx_record(arena, s.id, FX_USER2, 7);
	assert_int_equal(count_view_records(arena, &s, &v, 100, 0, &rows, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(cell(&rows, 0, "user_key"), "user/counter-one");
	assert_string_equal(cell(&rows, 0, "counted_qt"), "7");
	assert_string_equal(cell(&rows, 0, "conflict"), "0");
	assert_string_equal(cell(&rows, 0, "system_qt"), "10");
	assert_int_equal(count_view_record(arena, &s, &v, cell(&rows, 0, "_key"), &rows), 0);
	assert_int_equal(rows.nrows, 1);
	v.supervisor = true;
	assert_int_equal(count_view_records(arena, &s, &v, 1, 1, &rows, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(cell(&rows, 0, "user_key"), "user/counter-two");
	assert_int_equal(count_view_record(arena, &s, &v, FX_STOCK, &rows), 0);
	assert_int_equal(rows.nrows, 0);
}

static void test_variances(void **state)
{
	struct count_session s;
	struct count_view v;
	struct db_rows rows;
	struct count_variance_summary sum;
	struct buf csv;
	long long diff = 0;

	(void)state;
	if (!have_db)
		skip();
	started(FX_USER1, true, false, &s, &v);
	fx_record(arena, s.id, FX_USER1, 7);
	fx_record(arena, s.id, FX_USER2, 7);
	assert_int_equal(count_view_variances(arena, FX_TENANT, &s, &rows, &sum), 0);
	assert_int_equal(sum.lines, 1);
	assert_int_equal(sum.variances, 1);
	assert_int_equal(sum.conflicts, 0);
	assert_true(count_view_difference(&rows, 0, &diff));
	assert_int_equal(diff, -3);
	buf_init(&csv);
	count_view_variances_csv(&csv, &rows);
	assert_string_equal(buf_cstr(&csv),
	                    "bin_code,sku,item_name,lot_number,system_qt,counted_qt,difference,"
	                    "conflict\r\nA-01,SKU-1,Widget,,10,7,-3,false\r\n");
	buf_release(&csv);

	/* A recount that disagrees: the line is in conflict and has no difference. */
	fx_record(arena, s.id, FX_USER2, 9);
	assert_int_equal(count_view_variances(arena, FX_TENANT, &s, &rows, &sum), 0);
	assert_int_equal(sum.variances, 0);
	assert_int_equal(sum.conflicts, 1);
	assert_false(count_view_difference(&rows, 0, &diff));
	buf_init(&csv);
	count_view_variances_csv(&csv, &rows);
	assert_string_equal(buf_cstr(&csv),
	                    "bin_code,sku,item_name,lot_number,system_qt,counted_qt,difference,"
	                    "conflict\r\nA-01,SKU-1,Widget,,10,,,true\r\n");
	buf_release(&csv);
}

/* Only the records of lines in open conflict; a blind view still hides the system quantity. */
static void test_conflicts(void **state)
{
	struct count_session s;
	struct count_view v;
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	started(FX_USER1, true, true, &s, &v);
	fx_record(arena, s.id, FX_USER1, 7);
	fx_record(arena, s.id, FX_USER2, 7);
	assert_int_equal(count_view_conflicts(arena, &s, &v, 100, &rows), 0);
	assert_int_equal(rows.nrows, 0);
	fx_record(arena, s.id, FX_USER2, 9);
	assert_int_equal(count_view_conflicts(arena, &s, &v, 100, &rows), 0);
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(cell(&rows, 0, "user_key"), "user/counter-one");
	assert_string_equal(cell(&rows, 0, "counted_qt"), "7");
	assert_string_equal(cell(&rows, 1, "user_key"), "user/counter-two");
	assert_string_equal(cell(&rows, 1, "counted_qt"), "9");
	assert_string_equal(cell(&rows, 1, "conflict"), "1");
	assert_string_equal(cell(&rows, 1, "bin_code"), "A-01");
	assert_string_equal(cell(&rows, 1, "system_qt"), "10");
	/* A counter sees only their own record, and no system quantity in a blind session. */
	count_view_init(&v, &s, FX_TENANT, FX_USER2, "inventory:count:record");
	assert_int_equal(count_view_conflicts(arena, &s, &v, 100, &rows), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(cell(&rows, 0, "counted_qt"), "9");
	assert_true(db_col(&rows, "system_qt") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session_and_list, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_assignments_and_progress, case_setup,
	                                    case_teardown),
	    cmocka_unit_test_setup_teardown(test_lines_follow_the_view, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_records_own_or_all, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_variances, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_conflicts, case_setup, case_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
