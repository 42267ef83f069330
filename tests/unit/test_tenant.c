/* Unit tests for lib/account/tenant.c against the devstack database, rolled back after each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "account/tenant.h"
#include "account/user.h"
#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "unit_db.h"

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	have_db = unit_db_connect() == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_close();
	arena_free(arena);
	return 0;
}

static void test_create_find_list(void **state)
{
	struct user_result res = {0};
	const char *id = NULL, *found = NULL, *again = NULL;
	struct db_rows rows;
	bool listed = false;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(db_begin(), 0);
	assert_int_equal(tenant_create(arena, "Unit Tenant Ltd", NULL, &id, &res), 0);
	assert_int_equal(tenant_find(arena, "Unit Tenant Ltd", &found), 0);
	assert_string_equal(found, id);
	assert_int_equal(tenant_find(arena, id, &found), 0);
	assert_string_equal(found, id);
	assert_int_equal(tenant_find(arena, "No Such Tenant Ltd", &found), 1);
	assert_int_equal(tenant_create(arena, "Unit Tenant Ltd", "UTC", &again, &res),
	                 USER_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Tenant already exists");
	assert_int_equal(tenant_create(arena, "   ", NULL, &again, &res), USER_REFUSED);
	assert_int_equal(res.status, 400);
	assert_int_equal(tenant_list(arena, &rows), 0);
	for (size_t i = 0; i < rows.nrows; i++)
		if (strcmp(db_cell(&rows, i, 0), id) == 0) {
			listed = true;
			assert_string_equal(db_cell(&rows, i, 5), "UTC"); /* the default zone */
		}
	assert_true(listed);
	db_rollback();
}

static void test_time_zone(void **state)
{
	struct user_result res = {0};
	const char *id = NULL;
	/* Names that are not zones of tzdata, and paths, are refused before any write. */
	const char *bad[] = {"Mars/Olympus", "../etc/passwd", "europe/berlin", ""};
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(db_begin(), 0);
	assert_int_equal(tenant_create(arena, "Unit Zone Ltd", "Europe/Berlin", &id, &res), 0);
	assert_int_equal(
	    db_exec(arena, &rows, "SELECT time_zone FROM tenants WHERE id = ?", "s", id), 0);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, 0), "Europe/Berlin");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(tenant_create(arena, "Unit Zone Two Ltd", bad[i], &id, &res),
		                 USER_REFUSED);
		assert_int_equal(res.status, 400);
		assert_string_equal(res.field, "time_zone");
		assert_string_equal(res.message, "Invalid time zone");
	}
	assert_int_equal(tenant_find(arena, "Unit Zone Two Ltd", &id), 1);
	db_rollback();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_find_list),
	    cmocka_unit_test(test_time_zone),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
