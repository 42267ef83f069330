/*
 * Unit tests for lib/count/count_apply.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * a variance posts a count transaction and an adjustment row, stock never goes negative, conflicts
 * refuse. Every case runs in a transaction that is rolled back; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "count/count_apply.h"
#include "count_case.h"

/* A completed session whose two counters both counted qt in bin A (baseline 10). */
static void completed(long long qt, struct count_session *s)
{
	const char *id;

	fx_session(arena, "CNT-APPLY", false, &id);
	fx_action(arena, id, COUNT_START);
	fx_record(arena, id, FX_USER1, qt);
	fx_record(arena, id, FX_USER2, qt);
	fx_action(arena, id, COUNT_COMPLETE);
	fx_load(arena, id, s);
}

static long long number(const char *sql)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, NULL), 0);
	assert_int_equal(rows.nrows, 1);
	return count_cell_ll(&rows, 0, 0);
}

static void test_variance_posts_a_count(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct db_rows rows;
	const char *list = NULL;

	(void)state;
	if (!have_db)
		skip();
	completed(7, &s);
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res), 0);
	assert_non_null(list);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" FX_STOCK "'"), 7);
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT transaction_type, delta, reference_type, reference_id,"
	                         " performed_by FROM inventory_transactions WHERE tenant_id = ?",
	                         "s", FX_TENANT),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), "count");
	assert_string_equal(db_cell(&rows, 0, 1), "-3");
	assert_string_equal(db_cell(&rows, 0, 2), "audit");
	assert_string_equal(db_cell(&rows, 0, 3), "CNT-APPLY");
	assert_string_equal(db_cell(&rows, 0, 4), FX_USER1);
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT baseline_qt, counted_qt, quantity_before, quantity_after,"
	                         " stock_id FROM count_adjustments WHERE list_id = ?",
	                         "s", list),
	                 0);
	assert_int_equal(rows.nrows, 1);
	assert_int_equal(count_cell_ll(&rows, 0, 0), 10);
	assert_int_equal(count_cell_ll(&rows, 0, 1), 7);
	assert_int_equal(count_cell_ll(&rows, 0, 2), 10);
	assert_int_equal(count_cell_ll(&rows, 0, 3), 7);
	assert_string_equal(db_cell(&rows, 0, 4), FX_STOCK);
	assert_int_equal(number("SELECT COUNT(*) FROM stocks WHERE id = '" FX_STOCK
	                        "' AND last_counted_at IS NOT NULL"),
	                 1);
}

static void test_no_variance_posts_nothing(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	const char *list = NULL;

	(void)state;
	if (!have_db)
		skip();
	completed(10, &s);
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res), 0);
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" FX_STOCK "'"), 10);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '" FX_TENANT "'"),
	    0);
	/* Still counted, though nothing changed. */
	assert_int_equal(number("SELECT COUNT(*) FROM stocks WHERE id = '" FX_STOCK
	                        "' AND last_counted_at IS NOT NULL"),
	                 1);
}

static void test_stock_never_negative(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	const char *list = NULL;

	(void)state;
	if (!have_db)
		skip();
	completed(7, &s);
	/* 9 of the 10 left the bin during the count: -3 more would leave -2. */
	fx_run(arena, "UPDATE stocks SET quantity = 1 WHERE id = '" FX_STOCK "'");
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Stock would become negative");
	assert_string_equal(res.detail, "SKU-1 at bin A-01: 1 now, count 7 against baseline 10 "
	                                "changes it by -3");
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" FX_STOCK "'"), 1);
}

static void test_conflicts_refuse(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	const char *list = NULL, *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-APPLY", false, &id);
	fx_action(arena, id, COUNT_START);
	fx_record(arena, id, FX_USER1, 7);
	fx_record(arena, id, FX_USER2, 8);
	fx_load(arena, id, &s);
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Count session has unresolved conflicts");
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" FX_STOCK "'"), 10);
}

/* The plan of a loss covered by one record: one step, 10 -> 7; the apply posts exactly it. */
static void test_plan_one_step(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_apply_plan plan;
	const char *list = NULL;

	(void)state;
	if (!have_db)
		skip();
	completed(7, &s);
	assert_int_equal(count_apply_plan(arena, FX_TENANT, &s, &plan, &res), 0);
	assert_int_equal(plan.lines, 1);
	assert_int_equal(plan.variances, 1);
	assert_int_equal(plan.nsteps, 1);
	assert_string_equal(plan.steps[0].bin_code, "A-01");
	assert_string_equal(plan.steps[0].sku, "SKU-1");
	assert_string_equal(plan.steps[0].item_name, "Widget");
	assert_string_equal(plan.steps[0].lot, "");
	assert_string_equal(plan.steps[0].stock_id, FX_STOCK);
	assert_int_equal(plan.steps[0].baseline, 10);
	assert_int_equal(plan.steps[0].counted, 7);
	assert_int_equal(plan.steps[0].before, 10);
	assert_int_equal(plan.steps[0].after, 7);
	/* A plan writes nothing. */
	assert_int_equal(number("SELECT quantity FROM stocks WHERE id = '" FX_STOCK "'"), 10);
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '" FX_TENANT "'"),
	    (long long)plan.nsteps);
}

/*
 * A loss of 8 over two records (10 moved to 5 + 5 during the count): two
 * steps, the fuller record first, as the apply posts them.
 */
static void test_plan_split_loss(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_apply_plan plan;
	const char *list = NULL;

	(void)state;
	if (!have_db)
		skip();
	completed(2, &s);
	fx_run(arena, "UPDATE stocks SET quantity = 6 WHERE id = '" FX_STOCK "'");
	fx_run(arena, "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity)"
	              " VALUES ('d6000000-0000-4000-8000-000000000002', '" FX_TENANT
	              "', '" FX_WAREHOUSE "', '" FX_ITEM "', '" FX_BIN_A "', 4)");
	assert_int_equal(count_apply_plan(arena, FX_TENANT, &s, &plan, &res), 0);
	assert_int_equal(plan.variances, 1);
	assert_int_equal(plan.nsteps, 2);
	assert_string_equal(plan.steps[0].stock_id, FX_STOCK);
	assert_int_equal(plan.steps[0].before, 6);
	assert_int_equal(plan.steps[0].after, 0);
	assert_int_equal(plan.steps[1].before, 4);
	assert_int_equal(plan.steps[1].after, 2);
	assert_int_equal(count_apply_post(arena, FX_TENANT, &s, FX_USER1, &list, &res), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = '" FX_TENANT "'"),
	    2);
}

/* No variance: no step. */
static void test_plan_nothing(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_apply_plan plan;

	(void)state;
	if (!have_db)
		skip();
	completed(10, &s);
	assert_int_equal(count_apply_plan(arena, FX_TENANT, &s, &plan, &res), 0);
	assert_int_equal(plan.lines, 1);
	assert_int_equal(plan.variances, 0);
	assert_int_equal(plan.nsteps, 0);
}

static void test_plan_conflict(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_apply_plan plan;
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-PLAN", false, &id);
	fx_action(arena, id, COUNT_START);
	fx_record(arena, id, FX_USER1, 7);
	fx_record(arena, id, FX_USER2, 8);
	fx_load(arena, id, &s);
	assert_int_equal(count_apply_plan(arena, FX_TENANT, &s, &plan, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Count session has unresolved conflicts");
}

static void test_plan_negative(void **state)
{
	struct count_session s;
	struct count_result res = {0};
	struct count_apply_plan plan;

	(void)state;
	if (!have_db)
		skip();
	completed(7, &s);
	fx_run(arena, "UPDATE stocks SET quantity = 1 WHERE id = '" FX_STOCK "'");
	assert_int_equal(count_apply_plan(arena, FX_TENANT, &s, &plan, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Stock would become negative");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_variance_posts_a_count), DB_CASE(test_no_variance_posts_nothing),
	    DB_CASE(test_stock_never_negative),   DB_CASE(test_conflicts_refuse),
	    DB_CASE(test_plan_one_step),          DB_CASE(test_plan_split_loss),
	    DB_CASE(test_plan_nothing),           DB_CASE(test_plan_conflict),
	    DB_CASE(test_plan_negative),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
