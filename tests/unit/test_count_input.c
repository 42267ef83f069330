/*
 * Unit tests for lib/count/count_input.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET):
 * create (codes, assignments), update, planned-only fields, the schedule and code checks. Every
 * case runs in a transaction that is rolled back; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "count/count_input.h"
#include "count_case.h"

static struct field_value *values(void)
{
	struct field_value *vals = arena_alloc(arena, count_nfields() * sizeof(*vals));

	memset(vals, 0, count_nfields() * sizeof(*vals));
	return vals;
}

static void set(struct field_value *vals, const char *name, const char *s, long long i)
{
	vals[count_field_index(name)] = (struct field_value){.set = true, .s = s, .i = i};
}

static const char *text(const char *sql, const char *id)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, "s", id), 0);
	assert_int_equal(rows.nrows, 1);
	return db_cell(&rows, 0, 0);
}

static void test_create_generates_a_code(void **state)
{
	const char *id1, *id2;
	time_t now = time(NULL);
	struct tm tm;

	(void)state;
	if (!have_db)
		skip();
	gmtime_r(&now, &tm);
	fx_session(arena, NULL, false, &id1);
	fx_session(arena, NULL, true, &id2);
	assert_string_equal(text("SELECT code FROM count_sessions WHERE id = ?", id1),
	                    arena_sprintf(arena, "CNT-%d-001", tm.tm_year + 1900));
	assert_string_equal(text("SELECT code FROM count_sessions WHERE id = ?", id2),
	                    arena_sprintf(arena, "CNT-%d-002", tm.tm_year + 1900));
	assert_string_equal(text("SELECT CONCAT(status, ' ', type, ' ', blind_quantities, ' ',"
	                         " created_by) FROM count_sessions WHERE id = ?",
	                         id2),
	                    "planned position 1 " FX_USER1);
	assert_string_equal(
	    text("SELECT COUNT(*) FROM count_assignments WHERE session_id = ?", id1), "2");
	assert_string_equal(
	    text("SELECT GROUP_CONCAT(key_id) FROM count_targets WHERE session_id = ?", id1),
	    FX_BIN_A "," FX_BIN_A);
}

/* The code counter and the code are one CALL (migration 012) in every case. */
static const char *assign_code(const char *id, int year)
{
	unsigned long before = db_statement_count();
	const char *code = NULL;

	assert_int_equal(count_code_assign(arena, FX_TENANT, id, year, &code), 0);
	assert_int_equal(db_statement_count() - before, 1);
	assert_string_equal(text("SELECT code FROM count_sessions WHERE id = ?", id), code);
	return code;
}

/* The first code of a year, numbers explicit codes took, and the form past three digits. */
static void test_code_assign(void **state)
{
	const char *id, *taken;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-STAND-IN", false, &id);
	assert_string_equal(assign_code(id, 2999), "CNT-2999-001");
	fx_session(arena, "CNT-2999-002", false, &taken);
	fx_session(arena, "CNT-2999-003", false, &taken);
	assert_string_equal(assign_code(id, 2999), "CNT-2999-004");
	fx_run(arena, "UPDATE count_code_counters SET n = 998 WHERE tenant_id = '" FX_TENANT
	              "' AND year = 2999");
	fx_session(arena, "CNT-2999-999", false, &taken);
	assert_string_equal(assign_code(id, 2999), count_code_format(arena, 2999, 1000));
	/* Another tenant's counter is its own. */
	fx_session(arena, "CNT-OTHER", false, &id);
	fx_run(arena, "UPDATE count_sessions SET tenant_id = '" FX_OTHER_TENANT
	              "' WHERE code = 'CNT-OTHER'");
	assert_int_equal(count_code_assign(arena, FX_OTHER_TENANT, id, 2999, &taken), 0);
	assert_string_equal(taken, "CNT-2999-001");
}

static void test_create_refusals(void **state)
{
	struct field_value *vals = values();
	struct count_result res = {0};
	static const char *keys[] = {FX_BIN_A};
	struct count_target target = {keys, 1};
	struct count_assignment nobody = {
	    .user_key = "user/nobody", .username = "nobody", .targets = &target, .ntargets = 1};
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-TAKEN", false, &id);
	set(vals, "type", "position", 0);
	set(vals, "code", "CNT-TAKEN", 0);
	assert_int_equal(
	    count_input_create(arena, FX_TENANT, FX_USER1, vals, &nobody, 1, NULL, &id, &res),
	    COUNT_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Count session code already exists");
	assert_string_equal(res.detail, "CNT-TAKEN");
	/* The same code is free in another tenant, but the user is not. */
	set(vals, "code", "CNT-OTHER", 0);
	assert_int_equal(
	    count_input_create(arena, FX_TENANT, FX_USER1, vals, &nobody, 1, NULL, &id, &res),
	    COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.message, "User not found");
}

static void test_code_free(void **state)
{
	struct count_result res = {0};
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-ONE", false, &id);
	assert_int_equal(count_code_free(arena, FX_TENANT, "CNT-ONE", id, &res), 0);
	assert_int_equal(count_code_free(arena, FX_OTHER_TENANT, "CNT-ONE", "x", &res), 0);
	assert_int_equal(count_code_free(arena, FX_TENANT, "CNT-ONE", "x", &res), COUNT_REFUSED);
	assert_int_equal(res.status, 409);
}

static void test_update_and_planned_change(void **state)
{
	struct field_value *vals = values();
	const char *id, *field = "x";

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-UPD", false, &id);
	set(vals, "description", "shelf A", 0);
	set(vals, "type", "position", 0);
	assert_int_equal(count_input_update(arena, FX_TENANT, id, vals), 0);
	assert_string_equal(text("SELECT CONCAT(description, ' ', rev) FROM count_sessions"
	                         " WHERE id = ?",
	                         id),
	                    "shelf A 2");
	/* type sent back unchanged is no change; description is not a planned-only field. */
	assert_int_equal(count_input_planned_change(arena, FX_TENANT, id, vals, &field), 0);
	assert_null(field);
	set(vals, "type", "product", 0);
	assert_int_equal(count_input_planned_change(arena, FX_TENANT, id, vals, &field), 0);
	assert_string_equal(field, "type");
	vals = values();
	set(vals, "blind_serials", NULL, 1);
	assert_int_equal(count_input_planned_change(arena, FX_TENANT, id, vals, &field), 0);
	assert_string_equal(field, "blind_serials");
}

/* The table's kinds as parameters: integers and booleans as numbers, a cleared field as NULL. */
static void test_update_kinds(void **state)
{
	struct field_value *vals = values();
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-KINDS", false, &id);
	set(vals, "coverage_percentage", NULL, 40);
	set(vals, "lock_positions", NULL, 1);
	set(vals, "notes", "first", 0);
	assert_int_equal(count_input_update(arena, FX_TENANT, id, vals), 0);
	assert_string_equal(
	    text("SELECT CONCAT(coverage_percentage, ' ', lock_positions, ' ', notes)"
	         " FROM count_sessions WHERE id = ?",
	         id),
	    "40 1 first");
	vals = values();
	vals[count_field_index("notes")] = (struct field_value){.set = true, .null = true};
	assert_int_equal(count_input_update(arena, FX_TENANT, id, vals), 0);
	assert_string_equal(text("SELECT CONCAT(notes IS NULL, ' ', coverage_percentage, ' ', rev)"
	                         " FROM count_sessions WHERE id = ?",
	                         id),
	                    "1 40 3");
}

static void test_schedule_check(void **state)
{
	struct field_value *vals = values();
	struct count_result res = {0};
	const char *id;

	(void)state;
	if (!have_db)
		skip();
	fx_session(arena, "CNT-SCHED", false, &id);
	set(vals, "scheduled_start", "2026-05-20 08:00:00", 0);
	set(vals, "scheduled_end", "2026-05-21 08:00:00", 0);
	assert_int_equal(count_input_update(arena, FX_TENANT, id, vals), 0);
	assert_int_equal(count_input_schedule_check(arena, FX_TENANT, id, &res), 0);
	set(vals, "scheduled_end", "2026-05-19 08:00:00", 0);
	assert_int_equal(count_input_update(arena, FX_TENANT, id, vals), 0);
	assert_int_equal(count_input_schedule_check(arena, FX_TENANT, id, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, "Invalid scheduled_end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_create_generates_a_code),
	    DB_CASE(test_code_assign),
	    DB_CASE(test_create_refusals),
	    DB_CASE(test_code_free),
	    DB_CASE(test_update_and_planned_change),
	    DB_CASE(test_update_kinds),
	    DB_CASE(test_schedule_check),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
