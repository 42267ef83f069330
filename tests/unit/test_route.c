/* Unit tests for web/route.c: segment matching, parameters, trailing slash, 404 vs 405, Allow list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/kvlist.h"
#include "web/req.h"
#include "web/route.h"

static void h_list(struct request *r)
{
	(void)r;
}
static void h_create(struct request *r)
{
	(void)r;
}
static void h_get(struct request *r)
{
	(void)r;
}
static void h_delete(struct request *r)
{
	(void)r;
}
static void h_nested(struct request *r)
{
	(void)r;
}
static void h_root(struct request *r)
{
	(void)r;
}

static const struct route routes[] = {
    {"GET", "/warehousing/bins", h_list, "view:tenant"},
    {"POST", "/warehousing/bins", h_create, "manage:operations:tenant"},
    {"GET", "/warehousing/bins/:id", h_get, "view:tenant"},
    {"DELETE", "/warehousing/bins/:id", h_delete, "manage:operations:tenant"},
    {"PATCH", "/warehousing/bins/:id", h_get, "manage:operations:tenant"},
    {"GET", "/w/:wid/bins/:bid", h_nested, ""},
    {"GET", "/", h_root, NULL},
    {0},
};

static void test_match(void **state)
{
	struct arena *a = arena_new(1024);
	struct kvlist p = {0};

	assert_true(route_match("/a/b", "/a/b", a, &p));
	assert_true(route_match("/a/b", "/a/b/", a, &p));
	assert_true(route_match("/", "/", a, &p));
	assert_int_equal(p.n, 0);
	assert_false(route_match("/a/b", "/a/b//", a, &p));
	assert_false(route_match("/a/b", "/a//b", a, &p));
	assert_false(route_match("/a/b", "/a/bc", a, &p));
	assert_false(route_match("/a/b", "/a/b/c", a, &p));
	assert_false(route_match("/a/b", "/a", a, &p));
	assert_false(route_match("/a/b", "/A/b", a, &p));
	assert_false(route_match("/a/b", "a/b", a, &p));
	assert_false(route_match("/", "/a", a, &p));
	assert_false(route_match("/a", "/", a, &p));
	assert_false(route_match("/a/:id", "/a", a, &p));
	assert_false(route_match("/a/:id", "/a/", a, &p));
	assert_false(route_match("/a/:id/c", "/a/1/d", a, &p));
	/* Failed matches add no parameters. */
	assert_int_equal(p.n, 0);

	assert_true(route_match("/a/:id/c/:name", "/a/42/c/x y/", a, &p));
	assert_int_equal(p.n, 2);
	assert_string_equal(kvlist_get(&p, "id"), "42");
	assert_string_equal(kvlist_get(&p, "name"), "x y");
	/* NULL params: only a yes/no answer. */
	assert_true(route_match("/a/:id", "/a/1", NULL, NULL));
	arena_free(a);
}

static const struct route *find(struct request *r, const char *method, const char *path,
                                int *status)
{
	r->method = method;
	r->path = path;
	*status = -1;
	return route_find(routes, r, status);
}

static void test_find(void **state)
{
	struct arena *a = arena_new(1024);
	struct request r;
	const struct route *rt;
	int status;

	memset(&r, 0, sizeof(r));
	r.arena = a;

	rt = find(&r, "GET", "/warehousing/bins", &status);
	assert_ptr_equal(rt, &routes[0]);
	assert_int_equal(r.params.n, 0);
	rt = find(&r, "POST", "/warehousing/bins/", &status);
	assert_ptr_equal(rt, &routes[1]);
	rt = find(&r, "DELETE", "/warehousing/bins/b-1", &status);
	assert_ptr_equal(rt, &routes[3]);
	assert_string_equal(req_param(&r, "id"), "b-1");
	rt = find(&r, "GET", "/w/W1/bins/B2", &status);
	assert_ptr_equal(rt, &routes[5]);
	assert_int_equal(r.params.n, 2);
	assert_string_equal(req_param(&r, "wid"), "W1");
	assert_string_equal(req_param(&r, "bid"), "B2");
	assert_null(req_param(&r, "id"));
	rt = find(&r, "GET", "/", &status);
	assert_ptr_equal(rt, &routes[6]);
	assert_int_equal(r.params.n, 0); /* reset from the previous lookup */

	rt = find(&r, "HEAD", "/warehousing/bins/7", &status);
	assert_ptr_equal(rt, &routes[2]);
	rt = find(&r, "HEAD", "/w", &status);
	assert_null(rt);
	assert_int_equal(status, 404);

	rt = find(&r, "PUT", "/warehousing/bins", &status);
	assert_null(rt);
	assert_int_equal(status, 405);
	rt = find(&r, "get", "/warehousing/bins", &status);
	assert_null(rt);
	assert_int_equal(status, 405);
	rt = find(&r, "GET", "/warehousing/binsx", &status);
	assert_null(rt);
	assert_int_equal(status, 404);
	rt = find(&r, "GET", "/warehousing/bins/1/extra", &status);
	assert_null(rt);
	assert_int_equal(status, 404);
	rt = find(&r, "GET", "/warehousing", &status);
	assert_null(rt);
	assert_int_equal(status, 404);
	arena_free(a);
}

static void test_allowed(void **state)
{
	struct arena *a = arena_new(1024);

	assert_string_equal(route_allowed(routes, "/warehousing/bins", a), "GET, POST");
	assert_string_equal(route_allowed(routes, "/warehousing/bins/9/", a), "GET, DELETE, PATCH");
	assert_string_equal(route_allowed(routes, "/nothing", a), "");
	arena_free(a);
}

/* A route's query list: others are named once each in the order sent; NULL accepts anything. */
static void test_unknown_query(void **state)
{
	static const struct route checked = {"GET", "/x", h_list, "", .query = "page limit"};
	static const struct route none = {"GET", "/x", h_list, "", .query = ""};
	static const struct route open = {"GET", "/x", h_list, ""};
	struct arena *a = arena_new(1024);
	struct kvlist q = {0};

	(void)state;
	assert_null(route_unknown_query(&checked, &q, a));
	kvlist_add(a, &q, "page", "2");
	kvlist_add(a, &q, "tenant_id", "");
	kvlist_add(a, &q, "", "stray");
	assert_null(route_unknown_query(&checked, &q, a));
	assert_string_equal(route_unknown_query(&none, &q, a), "page");
	kvlist_add(a, &q, "transaction_typ", "pick");
	kvlist_add(a, &q, "pgae", "1");
	kvlist_add(a, &q, "transaction_typ", "move");
	assert_string_equal(route_unknown_query(&checked, &q, a), "transaction_typ, pgae");
	assert_null(route_unknown_query(&open, &q, a));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_allowed),
	    cmocka_unit_test(test_unknown_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
