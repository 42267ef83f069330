/* Unit tests for lib/account/password.c: the length rule, yescrypt hashes and their check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "account/password.h"
#include "base/arena.h"
#include "base/log.h"

static struct arena *A;

static int setup(void **state)
{
	(void)state;
	A = arena_new(4096);
	log_set_level(LOGL_ERROR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(A);
	return 0;
}

static void test_length_rule(void **state)
{
	char long_pw[PASSWORD_MAX + 2];

	(void)state;
	assert_false(password_ok(NULL));
	assert_false(password_ok(""));
	assert_false(password_ok("1234567"));
	assert_true(password_ok("12345678"));
	memset(long_pw, 'x', sizeof long_pw);
	long_pw[PASSWORD_MAX] = '\0';
	assert_true(password_ok(long_pw));
	long_pw[PASSWORD_MAX] = 'x';
	long_pw[PASSWORD_MAX + 1] = '\0';
	assert_false(password_ok(long_pw));
}

static void test_hash_verify(void **state)
{
	char *h = password_hash(A, "correct horse");
	char *h2 = password_hash(A, "correct horse");

	(void)state;
	assert_non_null(h);
	assert_int_equal(strncmp(h, "$y$", 3), 0);
	assert_string_not_equal(h, h2); /* fresh salt each time */
	assert_true(password_verify("correct horse", h));
	assert_true(password_verify("correct horse", h2));
	assert_false(password_verify("correct horsE", h));
	assert_false(password_verify("", h));
	assert_false(password_verify(NULL, h));
	assert_null(password_hash(A, NULL));
}

static void test_malformed_hash(void **state)
{
	char *h = password_hash(A, "pw");

	(void)state;
	assert_false(password_verify("pw", NULL));
	assert_false(password_verify("pw", ""));
	assert_false(password_verify("pw", "*"));
	assert_false(password_verify("pw", "*0"));
	assert_false(password_verify("pw", "!locked"));
	assert_false(password_verify("pw", "$y$"));
	assert_false(password_verify("pw", "$y$j9T$"));
	assert_false(password_verify("pw", "$zz$nonsense"));
	/* A truncated hash re-hashes to the full one and must not match. */
	assert_false(password_verify("pw", arena_strndup(A, h, strlen(h) - 3)));
	assert_false(password_burn("pw"));
	assert_false(password_burn(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_length_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hash_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_hash, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
