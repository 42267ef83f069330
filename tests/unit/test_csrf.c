/* Unit tests for lib/web/csrf.c: form tokens bound to the session token, nonces, constant-time
 * equality. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/env.h"
#include "web/auth.h"
#include "web/csrf.h"

#define SECRET "unit-test-secret-unit-test-secret-0123456789"

static struct arena *a;

static int setup(void **state)
{
	(void)state;
	env_reset();
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	a = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(a);
	env_reset();
	return 0;
}

static char *session(const char *user, long now)
{
	return auth_token_issue(a, user, "10000000-0000-4000-8000-000000000001", "view:tenant", now,
	                        3600);
}

static void test_token_follows_the_session(void **state)
{
	long now = (long)time(NULL);
	char *s1 = session("u1", now), *s2 = session("u2", now), *s3 = session("u1", now + 1);
	char *t1 = csrf_token(a, s1);

	(void)state;
	assert_non_null(t1);
	assert_true(strlen(t1) >= 40);
	assert_string_equal(csrf_token(a, s1), t1); /* stable for one session */
	assert_string_not_equal(csrf_token(a, s2), t1);
	assert_string_not_equal(csrf_token(a, s3), t1); /* a new login, a new token */
	assert_true(csrf_valid(a, s1, t1));
	assert_false(csrf_valid(a, s2, t1));
	assert_false(csrf_valid(a, s1, NULL));
	assert_false(csrf_valid(a, s1, ""));
	assert_false(csrf_valid(a, NULL, t1));
	/* The form token is not the session's own signature (it must not reveal it). */
	assert_null(strstr(s1, t1));
	for (const char *c = t1; *c; c++)
		assert_non_null(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c));
}

static void test_token_depends_on_the_secret(void **state)
{
	char *s = session("u1", 1800000000L);
	char *t = csrf_token(a, s);

	(void)state;
	assert_int_equal(env_set("jwt_secret", "another-secret-another-secret-another"), 0);
	assert_string_not_equal(csrf_token(a, s), t);
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	assert_string_equal(csrf_token(a, s), t);
}

/* More sessions than the process keeps tokens of: each still gets its own, every time. */
static void test_kept_tokens_stay_right(void **state)
{
	enum { N = 200 };
	char *s[N], *t[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		s[i] = session(arena_sprintf(a, "user-%d", i), 1800000000L);
		t[i] = csrf_token(a, s[i]);
		assert_non_null(t[i]);
	}
	for (int i = 0; i < N; i++) {
		assert_string_equal(csrf_token(a, s[i]), t[i]);
		assert_true(csrf_valid(a, s[i], t[i]));
		assert_false(csrf_valid(a, s[(i + 1) % N], t[i]));
	}
}

static void test_no_token_without_a_jwt(void **state)
{
	(void)state;
	assert_null(csrf_token(a, NULL));
	assert_null(csrf_token(a, "not-a-token"));
	assert_null(csrf_token(a, "a.b"));
	assert_null(csrf_token(a, "a.b."));
	assert_null(csrf_token(a, "a.b.c.d"));
}

static void test_nonce(void **state)
{
	char *n1 = csrf_nonce(a), *n2 = csrf_nonce(a);

	(void)state;
	assert_int_equal(strlen(n1), 64);
	assert_int_equal(strspn(n1, "0123456789abcdef"), 64);
	assert_string_not_equal(n1, n2);
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(csrf_equal("abc", "abc"));
	assert_false(csrf_equal("abc", "abd"));
	assert_false(csrf_equal("abc", "abcd"));
	assert_false(csrf_equal("", ""));
	assert_false(csrf_equal(NULL, "a"));
	assert_false(csrf_equal("a", NULL));
	assert_false(csrf_equal(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_follows_the_session),
	    cmocka_unit_test(test_token_depends_on_the_secret),
	    cmocka_unit_test(test_kept_tokens_stay_right),
	    cmocka_unit_test(test_no_token_without_a_jwt),
	    cmocka_unit_test(test_nonce),
	    cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
