/*
 * Unit tests for lib/count/count_write.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET).
 * Each write runs its own transaction, so these cases stay on refusals, whose transactions roll
 * back and leave nothing; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "count/count_write.h"
#include "count_fixture.h"
#include "db/db.h"

#define MISSING "DEAD0000-0000-4000-8000-00000000BEEF"

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	have_db = fx_connect(arena);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	db_close();
	arena_free(arena);
	return 0;
}

/* Every write names a missing session 404, with the key as given. */
static void test_missing_session(void **state)
{
	struct count_result res = {0};
	struct count_update up = {0};
	struct count_entry e = {FX_BIN_A, FX_ITEM, "", 1, NULL};
	struct count_session s;
	struct count_import im = {0};
	const char *rid;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(count_write_action(arena, FX_TENANT, MISSING, COUNT_START, FX_USER1, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.message, "Count session not found");
	assert_string_equal(res.detail, MISSING);
	memset(&res, 0, sizeof(res));
	assert_int_equal(count_write_delete(arena, FX_TENANT, MISSING, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	memset(&res, 0, sizeof(res));
	assert_int_equal(count_write_update(arena, FX_TENANT, MISSING, &up, &res), COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	memset(&res, 0, sizeof(res));
	assert_int_equal(
	    count_write_record(arena, FX_TENANT, MISSING, FX_USER1, &e, &s, &rid, &res),
	    COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	memset(&res, 0, sizeof(res));
	assert_int_equal(count_write_resolve(arena, FX_TENANT, MISSING, FX_USER1, &e, &s, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	memset(&res, 0, sizeof(res));
	im.dry_run = true;
	assert_int_equal(count_write_import(arena, FX_TENANT, MISSING, FX_USER1, &im, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	assert_int_equal(im.nerrors, 0);
}

/* A refused create leaves nothing behind: the session it inserted first is rolled back. */
static void test_refused_create_leaves_nothing(void **state)
{
	struct field_value *vals = arena_alloc(arena, count_nfields() * sizeof(*vals));
	static const char *keys[] = {FX_BIN_A};
	struct count_target target = {keys, 1};
	struct count_assignment nobody = {.user_key = "user/nobody-at-all",
	                                  .username = "nobody-at-all",
	                                  .targets = &target,
	                                  .ntargets = 1};
	struct count_result res = {0};
	struct db_rows rows;
	const char *id = NULL, *tenant, *user;

	(void)state;
	if (!have_db)
		skip();
	/* A tenant and user that exist outside any case (the demo data's), for the session insert.
	 */
	assert_int_equal(db_exec(arena, &rows, "SELECT tenant_id, id FROM users LIMIT 1", NULL), 0);
	if (rows.nrows == 0)
		skip();
	tenant = db_cell(&rows, 0, 0);
	user = db_cell(&rows, 0, 1);
	memset(vals, 0, count_nfields() * sizeof(*vals));
	vals[count_field_index("type")] = (struct field_value){.set = true, .s = "position"};
	vals[count_field_index("code")] = (struct field_value){.set = true, .s = "CNT-WRITE-UNIT"};
	/* The session goes in first; the unknown user then refuses it all. */
	assert_int_equal(count_write_create(arena, tenant, user, vals, &nobody, 1, NULL, &id, &res),
	                 COUNT_REFUSED);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.message, "User not found");
	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT 1 FROM count_sessions WHERE code = 'CNT-WRITE-UNIT'",
	                         NULL),
	                 0);
	assert_int_equal(rows.nrows, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_session),
	    cmocka_unit_test(test_refused_create_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
