/* Unit tests for tools/admin_args.c: stocktake-admin's commands, operands and options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "admin_args.h"

/* Parses the words of a NULL-terminated list after the program name. */
static int parse(struct admin_args *out, const char **error, const char *const *words)
{
	char *argv[16] = {"stocktake-admin"};
	int argc = 1;

	while (*words && argc < 15)
		argv[argc++] = (char *)*words++;
	*error = NULL;
	return admin_args_parse(argc, argv, out, error);
}

#define PARSE(out, error, ...) parse(out, error, (const char *const[]){__VA_ARGS__, NULL})

static void test_help(void **state)
{
	struct admin_args a;
	const char *err;

	(void)state;
	assert_int_equal(parse(&a, &err, (const char *const[]){NULL}), 0);
	assert_int_equal(a.cmd, ADMIN_HELP);
	assert_int_equal(PARSE(&a, &err, "--help"), 0);
	assert_int_equal(a.cmd, ADMIN_HELP);
	assert_int_equal(PARSE(&a, &err, "create-user", "-h"), 0);
	assert_int_equal(a.cmd, ADMIN_HELP);
	assert_non_null(
	    strstr(admin_usage, "create-tenant NAME --admin USERNAME [--time-zone ZONE]"));
	assert_non_null(strstr(admin_usage, "--version"));
	assert_int_equal(PARSE(&a, &err, "--version"), 0);
	assert_int_equal(a.cmd, ADMIN_VERSION);
	assert_int_equal(PARSE(&a, &err, "--config", "x", "--version"), 0);
	assert_int_equal(a.cmd, ADMIN_VERSION);
}

static void test_create_tenant(void **state)
{
	struct admin_args a;
	const char *err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, "--config", "/etc/x.conf", "create-tenant", "Acme Ltd",
	                       "--admin", "boss"),
	                 0);
	assert_int_equal(a.cmd, ADMIN_CREATE_TENANT);
	assert_string_equal(a.config, "/etc/x.conf");
	assert_string_equal(a.name, "Acme Ltd");
	assert_string_equal(a.admin, "boss");
	/* --opt=value, and options before the operand. */
	assert_int_equal(PARSE(&a, &err, "create-tenant", "--admin=boss", "Acme", "--config=c"), 0);
	assert_string_equal(a.admin, "boss");
	assert_string_equal(a.name, "Acme");
	assert_string_equal(a.config, "c");
	assert_int_equal(PARSE(&a, &err, "create-tenant", "Acme"), -1);
	assert_string_equal(err, "create-tenant needs --admin USERNAME");
	assert_int_equal(PARSE(&a, &err, "create-tenant", "--admin", "boss"), -1);
	assert_string_equal(err, "create-tenant needs a NAME");
	assert_int_equal(PARSE(&a, &err, "create-tenant", "A", "B", "--admin", "boss"), -1);
	assert_string_equal(err, "too many operands");
	assert_null(a.zone);
}

static void test_time_zone(void **state)
{
	struct admin_args a;
	const char *err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, "create-tenant", "Acme", "--admin", "boss", "--time-zone",
	                       "Europe/Berlin"),
	                 0);
	assert_string_equal(a.zone, "Europe/Berlin");
	assert_int_equal(
	    PARSE(&a, &err, "--time-zone=Asia/Tokyo", "create-tenant", "Acme", "--admin", "boss"),
	    0);
	assert_string_equal(a.zone, "Asia/Tokyo");
	/* The zone itself is checked against tzdata by the command, not here. */
	assert_int_equal(PARSE(&a, &err, "create-tenant", "Acme", "--admin", "b", "--time-zone"),
	                 -1);
	assert_string_equal(err, "an option needs a value");
	assert_int_equal(
	    PARSE(&a, &err, "create-user", "--tenant", "Acme", "alice", "--time-zone", "UTC"), -1);
	assert_string_equal(err, "--time-zone belongs to create-tenant");
	assert_int_equal(PARSE(&a, &err, "list-tenants", "--time-zone", "UTC"), -1);
	assert_string_equal(err, "--time-zone belongs to create-tenant");
}

static void test_create_user(void **state)
{
	struct admin_args a;
	const char *err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, "create-user", "--tenant", "Acme", "alice", "--scopes",
	                       "view:tenant,admin"),
	                 0);
	assert_int_equal(a.cmd, ADMIN_CREATE_USER);
	assert_string_equal(a.tenant, "Acme");
	assert_string_equal(a.username, "alice");
	assert_string_equal(a.scopes, "view:tenant,admin");
	assert_int_equal(PARSE(&a, &err, "create-user", "alice"), -1);
	assert_string_equal(err, "create-user needs --tenant TENANT");
	assert_int_equal(PARSE(&a, &err, "create-user", "--tenant", "Acme"), -1);
	assert_string_equal(err, "the command needs a USERNAME");
	assert_int_equal(PARSE(&a, &err, "create-user", "--tenant"), -1);
	assert_string_equal(err, "an option needs a value");
	assert_int_equal(PARSE(&a, &err, "create-user", "--tenant=", "alice"), -1);
	assert_string_equal(err, "an option needs a value");
}

static void test_other_commands(void **state)
{
	struct admin_args a;
	const char *err;

	(void)state;
	assert_int_equal(PARSE(&a, &err, "reset-password", "alice"), 0);
	assert_int_equal(a.cmd, ADMIN_RESET_PASSWORD);
	assert_string_equal(a.username, "alice");
	assert_int_equal(PARSE(&a, &err, "list-tenants"), 0);
	assert_int_equal(a.cmd, ADMIN_LIST_TENANTS);
	assert_int_equal(PARSE(&a, &err, "list-tenants", "extra"), -1);
	assert_string_equal(err, "too many operands");
	/* No password option exists: a password never goes on the command line. */
	assert_int_equal(PARSE(&a, &err, "reset-password", "alice", "--password", "x"), -1);
	assert_string_equal(err, "unknown option");
	assert_int_equal(PARSE(&a, &err, "reset-password", "alice", "--scopes", "admin"), -1);
	assert_string_equal(err, "--scopes belongs to create-user");
	assert_int_equal(PARSE(&a, &err, "list-tenants", "--admin", "x"), -1);
	assert_string_equal(err, "--admin belongs to create-tenant");
	assert_int_equal(PARSE(&a, &err, "drop-everything"), -1);
	assert_string_equal(err, "unknown command");
	assert_int_equal(PARSE(&a, &err, "--config", "x"), -1);
	assert_string_equal(err, "no command");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help),           cmocka_unit_test(test_create_tenant),
	    cmocka_unit_test(test_time_zone),      cmocka_unit_test(test_create_user),
	    cmocka_unit_test(test_other_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
