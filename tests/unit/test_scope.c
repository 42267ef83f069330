/* Unit tests for lib/account/scope.c: the known scopes and checks of scope lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "account/scope.h"

static void test_known_scopes_valid(void **state)
{
	(void)state;
	for (size_t i = 0; scope_known[i].name; i++) {
		assert_true(scope_list_valid(scope_known[i].name));
		/* Every scope is described for the people choosing it, and named in the detail. */
		assert_true(strlen(scope_known[i].description) > 10);
		assert_non_null(strstr(scope_known_detail(), scope_known[i].name));
	}
	assert_true(scope_list_valid(
	    "admin library production operator view:tenant manage:operations:tenant "
	    "inventory:count:create inventory:count:record inventory:count:apply"));
}

static void test_lists(void **state)
{
	(void)state;
	assert_true(scope_list_valid(NULL));
	assert_true(scope_list_valid(""));
	assert_true(scope_list_valid(" admin "));
	assert_false(scope_list_valid("admin superuser"));
	assert_false(scope_list_valid("Admin"));
	assert_false(scope_list_valid("admin,library"));
	assert_false(scope_list_valid("view"));
	assert_false(scope_list_valid("admin\tlibrary"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_scopes_valid),
	    cmocka_unit_test(test_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
