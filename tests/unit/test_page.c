/* Unit tests for lib/html/page.c: options, the frame's data and its escaping, responses, cookies,
 * https, form fields and the form token check, without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/kvlist.h"
#include "html/page.h"
#include "html/view.h"
#include "web/auth.h"
#include "web/csrf.h"
#include "web/req.h"

#define SECRET "unit-test-secret-unit-test-secret-0123456789"

static const struct page_nav nav[] = {
    {"home", "Overview", PAGE_ROOT "/", ""},
    {"stocks", "Stock", PAGE_ROOT "/stocks", "view:tenant"},
    {"count", "Count <sessions>", PAGE_ROOT "/count-sessions", "inventory:count:create"},
    {0},
};

/* A request read from CGI parameters and a body, as the app reads one. */
struct fixture {
	struct arena *a;
	struct request r;
	struct req_io io;
	const char *body;
	size_t pos;
	struct caller caller;
};

static int body_read(void *ctx, char *dst, int n)
{
	struct fixture *x = ctx;
	size_t k = strlen(x->body + x->pos);

	if ((size_t)n < k)
		k = (size_t)n;
	memcpy(dst, x->body + x->pos, k);
	x->pos += k;
	return (int)k;
}

static int setup(void **state)
{
	struct fixture *x = test_calloc(1, sizeof(*x));
	const char *src = getenv("STOCKTAKE_SRCDIR");
	char dir[1024];

	env_reset();
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	snprintf(dir, sizeof(dir), "%s/templates", src ? src : ".");
	assert_int_equal(env_set("templates_dir", dir), 0);
	/* The templates are loaded once per process, as in a worker. */
	assert_int_equal(page_init(nav), 0);
	x->a = arena_new(4096);
	req_init(&x->r);
	x->io.read = body_read;
	x->io.ctx = x;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	req_release(&x->r);
	arena_free(x->a);
	test_free(x);
	return 0;
}

/* Reads a request of envp (NULL-terminated) with body (NULL: none). */
static struct request *request(struct fixture *x, char **envp, const char *body)
{
	x->body = body ? body : "";
	x->pos = 0;
	x->io.envp = envp;
	assert_int_equal(req_read(&x->r, x->a, &x->io, 65536), REQ_OK);
	return &x->r;
}

/* Makes x's request one of a signed-in user with scope (no session token: see test_form). */
static void sign_in(struct fixture *x, const char *username, const char *scope)
{
	x->caller = (struct caller){.user_id = "20000000-0000-4000-8000-000000000001",
	                            .tenant_id = "10000000-0000-4000-8000-000000000001",
	                            .username = username,
	                            .scope = scope};
	x->r.caller = &x->caller;
}

/* The header lines set on r so far. */
static const char *headers(struct request *r)
{
	return buf_cstr(&r->headers);
}

static void test_option(void **state)
{
	struct fixture *x = *state;
	struct view *options = view_list(x->a);

	page_option(x->a, options, "abc-1", "First", "ABC-1");
	page_option(x->a, options, "abc-2", "Second", "ABC-1");
	page_option(x->a, options, "abc-3", "Third", NULL);
	page_option(x->a, options, NULL, "None", "x");
	assert_int_equal(view_len(options), 4);
	assert_string_equal(view_str(view_get(view_at(options, 0), "value")), "abc-1");
	assert_string_equal(view_str(view_get(view_at(options, 0), "label")), "First");
	/* Chosen ignoring case: ids are ASCII, compared as the database compares them. */
	assert_true(view_bool(view_get(view_at(options, 0), "selected")));
	assert_false(view_bool(view_get(view_at(options, 1), "selected")));
	assert_int_equal(view_kind(view_get(view_at(options, 1), "selected")), VIEW_BOOL);
	assert_false(view_bool(view_get(view_at(options, 2), "selected")));
	assert_int_equal(view_kind(view_get(view_at(options, 3), "value")), VIEW_NULL);
	assert_false(view_bool(view_get(view_at(options, 3), "selected")));
}

static void test_https(void **state)
{
	struct fixture *x = *state;
	char *plain[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/", NULL};
	char *on[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/", "HTTPS=on", NULL};
	char *proxy[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/",
	                 "HTTP_X_FORWARDED_PROTO=HTTPS", NULL};
	char *http[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/", "HTTP_X_FORWARDED_PROTO=http",
	                NULL};

	assert_false(page_https(request(x, plain, NULL)));
	assert_true(page_https(request(x, on, NULL)));
	assert_true(page_https(request(x, proxy, NULL)));
	assert_false(page_https(request(x, http, NULL)));
}

static void test_cookie(void **state)
{
	struct fixture *x = *state;
	char *plain[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/login", NULL};
	char *tls[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/login", "HTTPS=on", NULL};
	struct request *r = request(x, plain, NULL);

	page_cookie(r, "stocktake_login", "n0nce", PAGE_LOGIN, 1800);
	assert_string_equal(headers(r), "Set-Cookie: stocktake_login=n0nce; Path=/admin/login; "
	                                "Max-Age=1800; HttpOnly; SameSite=Strict\r\n");
	r = request(x, tls, NULL);
	page_cookie(r, AUTH_COOKIE, "tok", PAGE_ROOT, 3600);
	/* Max-Age 0 deletes: the value is dropped whatever was given. */
	page_cookie(r, AUTH_COOKIE, "tok", PAGE_ROOT, 0);
	assert_string_equal(headers(r),
	                    "Set-Cookie: " AUTH_COOKIE "=tok; Path=/admin; Max-Age=3600; HttpOnly; "
	                    "SameSite=Strict; Secure\r\n"
	                    "Set-Cookie: " AUTH_COOKIE "=; Path=/admin; Max-Age=0; HttpOnly; "
	                    "SameSite=Strict; Secure\r\n");
}

static void test_redirect(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/admin/logout", NULL};
	struct request *r = request(x, envp, NULL);

	buf_puts(&r->out, "stale");
	page_redirect(r, "/admin/login?signed_out=1");
	assert_int_equal(r->status, 303);
	assert_int_equal(r->out.len, 0);
	assert_string_equal(headers(r),
	                    "Location: /admin/login?signed_out=1\r\nCache-Control: no-store\r\n");
}

static void test_field(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/", NULL};
	struct request *r = request(x, envp, NULL);
	struct kvlist form = {0};
	const char *body = "a=+%20x+y%09&blank=+++&empty=&b=z";

	assert_int_equal(req_parse_urlencoded(x->a, body, strlen(body), &form), 0);
	assert_string_equal(page_field(r, &form, "a"), "x y");
	assert_null(page_field(r, &form, "blank"));
	assert_null(page_field(r, &form, "empty"));
	assert_null(page_field(r, &form, "missing"));
	assert_string_equal(page_field(r, &form, "b"), "z");
}

static void test_can(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/", NULL};
	struct request *r = request(x, envp, NULL);

	assert_false(page_can(r, "view:tenant"));
	sign_in(x, "ann", "view:tenant inventory:count:record");
	assert_true(page_can(r, "view:tenant manage:operations:tenant"));
	assert_true(page_can(r, "inventory:count:record"));
	assert_false(page_can(r, "manage:operations:tenant"));
	assert_false(page_can(r, "view"));
}

/* Without a caller the frame is the title alone; with one, user, navigation and form token. */
static void test_frame(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/stocks", NULL};
	struct request *r = request(x, envp, NULL);
	struct view *page = page_new(r, "Stock", "stocks"), *mine;
	const struct view *nv;

	assert_string_equal(view_str(view_get(page, "title")), "Stock");
	assert_null(view_get(page, "user"));
	assert_null(view_get(page, "nav"));
	assert_null(view_get(page, "csrf"));
	sign_in(x, "ann", "view:tenant");
	page = page_new(r, "Stock", "stocks");
	assert_string_equal(view_str(view_get(view_get(page, "user"), "username")), "ann");
	nv = view_get(page, "nav");
	/* Count sessions need a scope ann lacks; Overview needs none. */
	assert_int_equal(view_len(nv), 2);
	assert_string_equal(view_str(view_get(view_at(nv, 0), "label")), "Overview");
	assert_string_equal(view_str(view_get(view_at(nv, 0), "href")), "/admin/");
	assert_false(view_bool(view_get(view_at(nv, 0), "current")));
	assert_string_equal(view_str(view_get(view_at(nv, 1), "label")), "Stock");
	assert_true(view_bool(view_get(view_at(nv, 1), "current")));
	/* No session token in the request: the token is that of no session. */
	assert_int_equal(view_kind(view_get(page, "csrf")), VIEW_NULL);
	/* page_frame adds the frame to data already there, and replaces its names. */
	mine = view_map(x->a);
	view_set_str(mine, "rows", "kept");
	view_set_str(mine, "title", "old");
	page_frame(r, mine, "New", NULL);
	assert_string_equal(view_str(view_get(mine, "rows")), "kept");
	assert_string_equal(view_str(view_get(mine, "title")), "New");
	assert_false(view_bool(view_get(view_at(view_get(mine, "nav"), 1), "current")));
}

/* The frame's values are data: escaped in the layout like any other value. */
static void test_error_page(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/x", NULL};
	struct request *r = request(x, envp, NULL);
	const char *out;

	sign_in(x, "<b>ann</b>", "view:tenant inventory:count:create");
	page_error(r, 404, "No \"x\" <script>alert(1)</script> & 'y'");
	out = buf_cstr(&r->out);
	assert_int_equal(r->status, 404);
	assert_string_equal(r->out_type, "text/html; charset=utf-8");
	assert_string_equal(headers(r), "Cache-Control: no-store\r\n");
	assert_non_null(strstr(out, "<title>Not Found · Stocktake</title>"));
	assert_non_null(strstr(out, "<h1>404 · Not Found</h1>"));
	assert_non_null(strstr(out, "<p class=\"message\">No &quot;x&quot; &lt;script&gt;alert(1)"
	                            "&lt;/script&gt; &amp; &#39;y&#39;</p>"));
	/* The name is cut to fit the bar; its title attribute shows it whole, escaped there too. */
	assert_non_null(strstr(out, "<span class=\"who\" title=\"&lt;b&gt;ann&lt;/b&gt;\">"
	                            "&lt;b&gt;ann&lt;/b&gt;</span>"));
	assert_non_null(strstr(out, "<li><a href=\"/admin/count-sessions\">Count &lt;sessions&gt;"
	                            "</a></li>"));
	assert_null(strstr(out, "<script>"));
	assert_null(strstr(out, "<b>ann"));
}

/* 401 is no page: the login form, back here afterwards, and a stale session cookie deleted. */
static void test_error_401(void **state)
{
	struct fixture *x = *state;
	char *get[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/stocks?a=1&b=x%20y",
	               "QUERY_STRING=a=1&b=x%20y", "HTTP_COOKIE=" AUTH_COOKIE "=old", NULL};
	char *post[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/admin/transactions", NULL};
	struct request *r = request(x, get, NULL);

	page_error(r, 401, "Authentication required");
	assert_int_equal(r->status, 303);
	assert_int_equal(r->out.len, 0);
	assert_string_equal(headers(r),
	                    "Set-Cookie: " AUTH_COOKIE "=; Path=/admin; Max-Age=0; "
	                    "HttpOnly; SameSite=Strict\r\n"
	                    "Location: /admin/login?next=%2Fadmin%2Fstocks%3Fa%3D1%26b%3Dx"
	                    "%2520y\r\n"
	                    "Cache-Control: no-store\r\n");
	/* A POST is not gone back to. */
	r = request(x, post, NULL);
	page_error(r, 401, "Authentication required");
	assert_string_equal(headers(r), "Location: /admin/login\r\nCache-Control: no-store\r\n");
}

static void test_render(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/login", NULL};
	struct request *r = request(x, envp, NULL);
	struct view *page = page_new(r, "Sign in", NULL);

	view_set_str(page, "login_csrf", "n\"1");
	view_set_str(page, "next", "/admin/?a=1&b=2");
	view_set_str(page, "username_value", "x' onfocus='y");
	page_render(r, 401, "login", page);
	assert_int_equal(r->status, 401);
	assert_non_null(strstr(buf_cstr(&r->out), "name=\"csrf\" value=\"n&quot;1\""));
	assert_non_null(strstr(buf_cstr(&r->out), "name=\"next\" value=\"/admin/?a=1&amp;b=2\""));
	assert_non_null(strstr(buf_cstr(&r->out), "value=\"x&#39; onfocus=&#39;y\""));
	/* No such template: a plain 500 page, not a blank one. */
	r = request(x, envp, NULL);
	page_render(r, 200, "no-such-template", page);
	assert_int_equal(r->status, 500);
	assert_non_null(strstr(buf_cstr(&r->out), "<p>Internal server error</p>"));
}

static void test_stylesheet(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/style.css", NULL};
	struct request *r = request(x, envp, NULL);
	const char *src = getenv("STOCKTAKE_SRCDIR");
	char path[1024], first[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/templates/style.css", src ? src : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	r->path = "/admin/style.css";
	page_asset(r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->out_type, "text/css; charset=utf-8");
	assert_string_equal(headers(r), "Cache-Control: public, max-age=3600\r\n");
	assert_true(r->out.len > strlen(first));
	assert_memory_equal(buf_cstr(&r->out), first, strlen(first));
}

/*
 * The frame links each static file under ?v=<hash of its content>; that URL may be kept for a
 * year, another version not at all (an upgrade is never served a stale stylesheet).
 */
static void test_versioned_assets(void **state)
{
	struct fixture *x = *state;
	char *plain[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/login", NULL};
	struct request *r = request(x, plain, NULL);
	struct view *page = page_new(r, "Sign in", NULL);
	const char *href = view_str(view_get(page, "style_css"));
	char uri[128], query[128];
	char *versioned[] = {"REQUEST_METHOD=GET", uri, query, NULL};
	char *other[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/admin/style.css?v=000000000000",
	                 "QUERY_STRING=v=000000000000", NULL};

	assert_non_null(href);
	assert_int_equal(strncmp(href, "/admin/style.css?v=", 19), 0);
	assert_int_equal(strspn(href + 19, "0123456789abcdef"), 12);
	assert_int_equal(strlen(href), 19 + 12);
	assert_int_equal(strncmp(view_str(view_get(page, "picker_js")), "/admin/picker.js?v=", 19),
	                 0);
	assert_int_equal(
	    strncmp(view_str(view_get(page, "counting_js")), "/admin/counting.js?v=", 21), 0);
	snprintf(uri, sizeof(uri), "REQUEST_URI=%s", href);
	snprintf(query, sizeof(query), "QUERY_STRING=%s", strchr(href, '?') + 1);
	req_release(&x->r);
	req_init(&x->r);
	r = request(x, versioned, NULL);
	r->path = "/admin/style.css";
	page_asset(r);
	assert_int_equal(r->status, 200);
	assert_string_equal(headers(r), "Cache-Control: public, max-age=31536000, immutable\r\n");
	req_release(&x->r);
	req_init(&x->r);
	r = request(x, other, NULL);
	r->path = "/admin/style.css";
	page_asset(r);
	assert_int_equal(r->status, 200);
	assert_string_equal(headers(r), "Cache-Control: no-cache\r\n");
}

/* A form is read only with the session's token; otherwise an error page and false. */
static void test_form(void **state)
{
	struct fixture *x = *state;
	const char *token = auth_token_issue(x->a, "20000000-0000-4000-8000-000000000001",
	                                     "10000000-0000-4000-8000-000000000001", "view:tenant",
	                                     1700000000, 3600);
	const char *good = csrf_token(x->a, token);
	char *auth = arena_sprintf(x->a, "HTTP_AUTHORIZATION=Bearer %s", token);
	char *envp[] = {"REQUEST_METHOD=POST",
	                "REQUEST_URI=/admin/logout",
	                "CONTENT_TYPE=application/x-www-form-urlencoded",
	                NULL,
	                auth,
	                NULL};
	char *json[] = {"REQUEST_METHOD=POST",
	                "REQUEST_URI=/admin/logout",
	                "CONTENT_TYPE=application/json",
	                "CONTENT_LENGTH=2",
	                auth,
	                NULL};
	const char *body = arena_sprintf(x->a, "note=%%3Cx%%3E&csrf=%s", good);
	struct kvlist form;
	struct request *r;

	assert_non_null(token);
	assert_non_null(good);
	envp[3] = arena_sprintf(x->a, "CONTENT_LENGTH=%zu", strlen(body));
	r = request(x, envp, body);
	assert_true(page_form(r, &form));
	assert_string_equal(kvlist_get(&form, "note"), "<x>");
	assert_int_equal(r->status, 0);
	/* Another token (or none) is refused with the 403 page. */
	body = "note=x&csrf=forged";
	envp[3] = arena_sprintf(x->a, "CONTENT_LENGTH=%zu", strlen(body));
	r = request(x, envp, body);
	assert_false(page_form(r, &form));
	assert_int_equal(r->status, 403);
	assert_non_null(strstr(buf_cstr(&r->out), "This form has expired"));
	/* Not a form at all: 400. */
	r = request(x, json, "{}");
	assert_false(page_form(r, &form));
	assert_int_equal(r->status, 400);
	assert_non_null(strstr(buf_cstr(&r->out), "The form could not be read."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_option, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_https, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cookie, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_redirect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_can, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frame, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_401, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_render, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stylesheet, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_versioned_assets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_form, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
