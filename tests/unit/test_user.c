/*
 * Unit tests for lib/account/user.c: the field rules (no database), and the writes against the
 * devstack database (STOCKTAKE_TEST_DB_SOCKET), each case's rows rolled back at its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "account/password.h"
#include "account/user.h"
#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "unit_db.h"

#define TENANT "d0000000-0000-4000-8000-0000000000a1"
#define OTHER_TENANT "d0000000-0000-4000-8000-0000000000a2"

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

static int case_setup(void **state)
{
	(void)state;
	arena_reset(arena);
	if (!have_db)
		return 0;
	assert_int_equal(db_begin(), 0);
	assert_int_equal(db_exec(arena, NULL,
	                         "INSERT INTO tenants (id, name) VALUES ('" TENANT
	                         "', 'user test'), ('" OTHER_TENANT "', 'other')",
	                         NULL),
	                 0);
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		db_rollback();
	return 0;
}

/* A create's input with username and password. */
static struct user_input new_user(const char *username, const char *password)
{
	return (struct user_input){
	    .username = username, .password = password, .has_username = true, .has_password = true};
}

/* The refusal of a create of in that needs no database: its message and field. */
static void refused(struct user_input in, const char *message, const char *field)
{
	struct user_result res = {0};

	assert_int_equal(user_check(arena, &in, true, &res), USER_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, message);
	if (field)
		assert_string_equal(res.field, field);
}

static void test_rules(void **state)
{
	struct user_input in = new_user("ab", "long enough");

	(void)state;
	refused(in, "Invalid username", "username");
	assert_string_equal(USER_USERNAME_RULE,
	                    "username must be 3-100 characters of A-Z a-z 0-9 . _ @ -");
	refused(new_user("has space", "long enough"), "Invalid username", "username");
	refused(new_user(NULL, "long enough"), "Field required: username", "username");
	refused(new_user("", "long enough"), "Field required: username", "username");
	refused(new_user("alice", ""), "Field required: password", "password");
	refused(new_user("alice", "short"), "Invalid password", "password");
	in = new_user("alice", "long enough");
	in.email = "not-an-address";
	in.has_email = true;
	refused(in, "Invalid email", "email");
	in = new_user("alice", "long enough");
	in.status = "gone";
	in.has_status = true;
	refused(in, "Invalid status", "status");
	in = new_user("alice", "long enough");
	in.first_name = "   ";
	in.has_first_name = true;
	refused(in, "Invalid first_name", "first_name");
	/* Scopes come first, as the API checks them. */
	in = new_user(NULL, NULL);
	in.scopes = "admin superuser";
	in.has_scopes = true;
	refused(in, "Invalid scope", "scopes");
}

static void test_scopes_normalized(void **state)
{
	struct user_input in = new_user("alice", "long enough");
	struct user_result res = {0};

	(void)state;
	in.scopes = "  admin view:tenant admin ";
	in.has_scopes = true;
	assert_int_equal(user_check(arena, &in, true, &res), 0);
	assert_string_equal(in.scopes, "admin view:tenant");
}

static const char *cell(const char *sql, const char *id)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, "s", id), 0);
	assert_int_equal(rows.nrows, 1);
	return db_cell(&rows, 0, 0);
}

static void test_create_and_duplicate(void **state)
{
	struct user_input in = new_user("unit-user-a", "long enough");
	struct user_result res = {0};
	const char *id = NULL, *id2 = NULL;
	struct db_rows rows;

	(void)state;
	if (!have_db)
		skip();
	in.scopes = "view:tenant";
	in.has_scopes = true;
	assert_int_equal(user_create(arena, TENANT, &in, &id, &res), 0);
	assert_int_equal(user_load(arena, TENANT, id, &rows), 0);
	assert_string_equal(db_cell(&rows, 0, db_col(&rows, "scopes")), "view:tenant");
	assert_string_equal(db_cell(&rows, 0, db_col(&rows, "status")), "active");
	assert_true(password_verify("long enough",
	                            cell("SELECT password_hash FROM users WHERE id = ?", id)));
	/* Another tenant does not see it. */
	assert_int_equal(user_load(arena, OTHER_TENANT, id, &rows), 1);
	assert_int_equal(user_find(arena, "unit-user-a", &rows), 0);
	/* Usernames are unique across tenants. */
	in = new_user("unit-user-a", "long enough");
	assert_int_equal(user_create(arena, OTHER_TENANT, &in, &id2, &res), USER_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Username already exists");
	assert_string_equal(res.detail, "username unit-user-a is taken");
}

static void test_update_and_disable(void **state)
{
	struct user_input in = new_user("unit-user-b", "long enough");
	struct user_input change = {.scopes = "admin", .has_scopes = true};
	struct user_input nothing = {0};
	struct user_result res = {0};
	const char *id = NULL;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(user_create(arena, TENANT, &in, &id, &res), 0);
	assert_int_equal(user_update(arena, TENANT, id, NULL, &change, &res), 0);
	assert_string_equal(cell("SELECT scopes FROM users WHERE id = ?", id), "admin");
	assert_int_equal(user_update(arena, TENANT, id, NULL, &nothing, &res), USER_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, "No fields to update");
	/* Another tenant's user is not found. */
	assert_int_equal(user_update(arena, OTHER_TENANT, id, NULL, &change, &res), USER_REFUSED);
	assert_int_equal(res.status, 404);
	/* Nobody disables themselves; others may. */
	assert_int_equal(user_disable(arena, TENANT, id, id, &res), USER_REFUSED);
	assert_int_equal(res.status, 409);
	assert_string_equal(res.message, "Cannot disable your own account");
	assert_int_equal(user_disable(arena, TENANT, id, NULL, &res), 0);
	assert_string_equal(cell("SELECT status FROM users WHERE id = ?", id), "disabled");
	assert_int_equal(user_disable(arena, OTHER_TENANT, id, NULL, &res), USER_REFUSED);
	assert_int_equal(res.status, 404);
}

static void test_passwords(void **state)
{
	struct user_input in = new_user("unit-user-c", "long enough");
	struct user_result res = {0};
	const char *id = NULL;

	(void)state;
	if (!have_db)
		skip();
	assert_int_equal(user_create(arena, TENANT, &in, &id, &res), 0);
	assert_string_equal(cell("SELECT tokens_valid_after FROM users WHERE id = ?", id), "0");
	assert_int_equal(user_set_password(arena, TENANT, id, "short", &res), USER_REFUSED);
	assert_string_equal(res.message, "Invalid password");
	assert_int_equal(user_set_password(arena, TENANT, id, "another one", &res), 0);
	assert_true(password_verify("another one",
	                            cell("SELECT password_hash FROM users WHERE id = ?", id)));
	/* Tokens issued before the change stop working. */
	assert_true(atoll(cell("SELECT tokens_valid_after FROM users WHERE id = ?", id)) > 0);
	assert_int_equal(user_change_password(arena, TENANT, id, "long enough", "third one!", &res),
	                 USER_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.field, "current_password");
	assert_string_equal(res.message, "Incorrect current password");
	assert_int_equal(user_change_password(arena, TENANT, id, "another one", "third one!", &res),
	                 0);
	assert_true(password_verify("third one!",
	                            cell("SELECT password_hash FROM users WHERE id = ?", id)));
	assert_int_equal(
	    user_change_password(arena, OTHER_TENANT, id, "third one!", "fourth one", &res),
	    USER_REFUSED);
	assert_int_equal(res.status, 404);
}

static void test_list(void **state)
{
	const char *names[] = {"unit-list-1", "unit-list-2", "unit-other-3"};
	struct user_result res = {0};
	struct db_rows rows;
	long long total = 0;

	(void)state;
	if (!have_db)
		skip();
	for (size_t i = 0; i < 3; i++) {
		struct user_input in = new_user(names[i], "long enough");
		const char *id;
		assert_int_equal(user_create(arena, TENANT, &in, &id, &res), 0);
	}
	assert_int_equal(user_list(arena, TENANT, "unit-list", NULL, 1, 0, &rows, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, db_col(&rows, "username")), "unit-list-1");
	assert_int_equal(user_list(arena, TENANT, NULL, "disabled", 10, 0, &rows, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(user_list(arena, OTHER_TENANT, "unit", NULL, 10, 0, &rows, &total), 0);
	assert_int_equal(total, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rules, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_scopes_normalized, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_create_and_duplicate, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_update_and_disable, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_passwords, case_setup, case_teardown),
	    cmocka_unit_test_setup_teardown(test_list, case_setup, case_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
