/* Unit tests for lib/web/idempotency.c: key syntax, the header (DB side: e2e tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "web/idempotency.h"
#include "web/req.h"

static void test_key_valid(void **state)
{
	char long_key[IDEM_KEY_MAX + 2];

	(void)state;
	assert_true(idem_key_valid("a"));
	assert_true(idem_key_valid("3f2c9a1e-0d4b-4e8f-9a51-2b7c6d1e0f99"));
	assert_true(idem_key_valid("order:42/retry#1"));
	assert_false(idem_key_valid(""));
	assert_false(idem_key_valid(NULL));
	assert_false(idem_key_valid("with space"));
	assert_false(idem_key_valid("tab\there"));
	assert_false(idem_key_valid("caf\xc3\xa9"));
	memset(long_key, 'k', sizeof(long_key));
	long_key[IDEM_KEY_MAX] = '\0';
	assert_true(idem_key_valid(long_key));
	long_key[IDEM_KEY_MAX] = 'k';
	long_key[IDEM_KEY_MAX + 1] = '\0';
	assert_false(idem_key_valid(long_key));
}

/* A request with the given CGI environment. */
static void fake_request(struct request *r, struct arena *a, struct req_io *io, char **envp,
                         const char *body)
{
	req_init(r);
	io->envp = envp;
	r->io = io;
	r->arena = a;
	r->method = "POST";
	r->path = "/x";
	r->body = body;
	r->body_len = strlen(body);
}

static void test_init_without_header(void **state)
{
	struct arena *a = arena_new(4096);
	char *envp[] = {"REQUEST_METHOD=POST", NULL};
	struct req_io io = {0};
	struct request r;
	struct idem k;

	(void)state;
	fake_request(&r, a, &io, envp, "{}");
	assert_int_equal(idem_init(&r, "t1", &k), 0);
	assert_null(k.key);
	assert_string_equal(k.tenant_id, "t1");
	req_release(&r);
	arena_free(a);
}

static void test_init_with_header(void **state)
{
	struct arena *a = arena_new(4096);
	char *envp[] = {"REQUEST_METHOD=POST", "HTTP_IDEMPOTENCY_KEY=abc-1", NULL};
	struct req_io io = {0};
	struct request r;
	struct idem k;

	(void)state;
	fake_request(&r, a, &io, envp, "{}");
	assert_int_equal(idem_init(&r, "t1", &k), 0);
	assert_string_equal(k.key, "abc-1");
	/* "POST /x\n{}" in hex */
	assert_string_equal(k.request_hex, "504f5354202f780a7b7d");
	req_release(&r);
	arena_free(a);
}

static void test_init_bad_header(void **state)
{
	struct arena *a = arena_new(4096);
	char *envp[] = {"HTTP_IDEMPOTENCY_KEY=", NULL};
	char *envp2[] = {"HTTP_IDEMPOTENCY_KEY=a b", NULL};
	struct req_io io = {0};
	struct request r;
	struct idem k;

	(void)state;
	fake_request(&r, a, &io, envp, "{}");
	assert_int_equal(idem_init(&r, "t1", &k), -1);
	req_release(&r);
	fake_request(&r, a, &io, envp2, "{}");
	assert_int_equal(idem_init(&r, "t1", &k), -1);
	req_release(&r);
	arena_free(a);
}

static void test_no_key_needs_no_db(void **state)
{
	struct idem k = {.tenant_id = "t1"};
	int status = 0;
	const char *body = NULL;

	(void)state;
	/* Without a key nothing touches the database. */
	assert_int_equal(idem_lookup(NULL, &k, &status, &body), IDEM_NEW);
	assert_int_equal(idem_claim(NULL, &k), IDEM_NEW);
	assert_int_equal(idem_store(NULL, &k, 201, "{}"), 0);
	idem_purge(NULL, &k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_valid),          cmocka_unit_test(test_init_without_header),
	    cmocka_unit_test(test_init_with_header),   cmocka_unit_test(test_init_bad_header),
	    cmocka_unit_test(test_no_key_needs_no_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
