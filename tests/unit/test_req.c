/* Unit tests for lib/web/req.c: CGI input, paths, decoding, body cap, responses, owned JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "web/req.h"

/* A fake server: serves body in small chunks and records every write. */
struct fake {
	const char *body;
	size_t len, pos;
	int reads, writes;
	struct buf written;
};

static int fake_read(void *ctx, char *dst, int n)
{
	struct fake *f = ctx;
	size_t left = f->len - f->pos;
	size_t k = left < 3 ? left : 3; /* force several reads */

	f->reads++;
	if ((size_t)n < k)
		k = (size_t)n;
	memcpy(dst, f->body + f->pos, k);
	f->pos += k;
	return (int)k;
}

static int fake_write(void *ctx, const char *src, int n)
{
	struct fake *f = ctx;

	f->writes++;
	buf_append(&f->written, src, (size_t)n);
	return 0;
}

struct fixture {
	struct arena *a;
	struct request r;
	struct fake f;
	struct req_io io;
};

static int setup(void **state)
{
	struct fixture *x = test_calloc(1, sizeof(*x));

	x->a = arena_new(4096);
	req_init(&x->r);
	buf_init(&x->f.written);
	x->io.read = fake_read;
	x->io.write = fake_write;
	x->io.ctx = &x->f;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	req_release(&x->r);
	buf_release(&x->f.written);
	arena_free(x->a);
	test_free(x);
	return 0;
}

static enum req_read_result read_with(struct fixture *x, char **envp, const char *body,
                                      size_t body_max)
{
	arena_reset(x->a);
	x->f.body = body ? body : "";
	x->f.len = body ? strlen(body) : 0;
	x->f.pos = 0;
	x->f.reads = 0;
	x->io.envp = envp;
	return req_read(&x->r, x->a, &x->io, body_max);
}

static void test_get_request(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {
	    "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/warehousing/bins",
	    "REQUEST_URI=/warehousing/bins?tenant_id=t1",
	    "QUERY_STRING=tenant_id=t1&search=a%20b+c&empty=&flag&search=second",
	    "HTTPS=on",
	    "HTTP_AUTHORIZATION=Bearer abc",
	    "HTTP_IDEMPOTENCY_KEY=key-1",
	    "CONTENT_TYPE=application/json; charset=utf-8",
	    NULL,
	};
	struct request *r = &x->r;

	assert_int_equal(read_with(x, envp, NULL, 100), REQ_OK);
	assert_string_equal(r->method, "GET");
	assert_string_equal(r->path, "/warehousing/bins");
	assert_string_equal(r->query_string,
	                    "tenant_id=t1&search=a%20b+c&empty=&flag&search=second");
	assert_string_equal(req_query(r, "tenant_id"), "t1");
	assert_string_equal(req_query(r, "search"), "a b c"); /* the first one wins */
	assert_string_equal(req_query(r, "empty"), "");
	assert_string_equal(req_query(r, "flag"), "");
	assert_null(req_query(r, "missing"));
	assert_int_equal(r->query.n, 5);
	assert_true(r->https);
	assert_string_equal(r->body, "");
	assert_int_equal(r->body_len, 0);
	assert_int_equal(x->f.reads, 0);
	assert_string_equal(req_header(r, "Authorization"), "Bearer abc");
	assert_string_equal(req_header(r, "authorization"), "Bearer abc");
	assert_string_equal(req_header(r, "Idempotency-Key"), "key-1");
	assert_string_equal(req_header(r, "Content-Type"), "application/json; charset=utf-8");
	assert_null(req_header(r, "X-Missing"));
	assert_string_equal(req_env(r, "REQUEST_METHOD"), "GET");
	assert_null(req_env(r, "REQUEST")); /* whole names only */
	assert_true(req_is_json(r));
	assert_false(req_is_form(r));
	assert_null(r->caller);
	assert_int_equal(r->status, 0);
}

static void test_path_sources(void **state)
{
	struct fixture *x = *state;
	char *apache[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/items/a%20b?x=%41",
	                  "QUERY_STRING=x=%41", NULL};
	char *cgi[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/cgi-bin/auth", "PATH_INFO=/me", NULL};
	char *none[] = {"REQUEST_METHOD=GET", NULL};
	char *bad[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/items/%zz", NULL};
	char *nul[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/items/a%00b", NULL};
	/* nginx has already decoded DOCUMENT_URI: it must not be decoded twice. */
	char *nginx[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/items/100%",
	                 "REQUEST_URI=/items/100%25", NULL};

	assert_int_equal(read_with(x, apache, NULL, 100), REQ_OK);
	assert_string_equal(x->r.path, "/items/a b");
	assert_string_equal(req_query(&x->r, "x"), "A");
	assert_int_equal(read_with(x, cgi, NULL, 100), REQ_OK);
	assert_string_equal(x->r.path, "/cgi-bin/auth/me");
	assert_int_equal(read_with(x, none, NULL, 100), REQ_OK);
	assert_string_equal(x->r.path, "/");
	assert_string_equal(x->r.method, "GET");
	assert_false(x->r.https);
	assert_int_equal(read_with(x, bad, NULL, 100), REQ_BAD);
	assert_string_equal(x->r.bad_reason, "Malformed path");
	assert_int_equal(read_with(x, nul, NULL, 100), REQ_BAD);
	assert_int_equal(read_with(x, nginx, NULL, 100), REQ_OK);
	assert_string_equal(x->r.path, "/items/100%");
}

static void test_bad_query(void **state)
{
	struct fixture *x = *state;
	char *e1[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", "QUERY_STRING=a=%zz", NULL};
	char *e2[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", "QUERY_STRING=a=1&b=%00", NULL};
	char *e3[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", "QUERY_STRING=a=%4", NULL};

	assert_int_equal(read_with(x, e1, NULL, 100), REQ_BAD);
	assert_string_equal(x->r.bad_reason, "Malformed query string");
	/* Method and path are there for the access log. */
	assert_string_equal(x->r.path, "/a");
	assert_int_equal(read_with(x, e2, NULL, 100), REQ_BAD);
	assert_int_equal(read_with(x, e3, NULL, 100), REQ_BAD);
}

static void test_body(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/api/auth", "CONTENT_LENGTH=11",
	                "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};

	assert_int_equal(read_with(x, envp, "hello world and more", 11), REQ_OK);
	assert_int_equal(x->r.body_len, 11);
	assert_memory_equal(x->r.body, "hello world", 12);
	assert_true(x->f.reads >= 4);
	assert_int_equal(x->f.pos, 11); /* nothing read past CONTENT_LENGTH */
	assert_true(req_is_form(&x->r));
	assert_false(req_is_json(&x->r));
}

static void test_body_too_large(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=12", NULL};

	assert_int_equal(read_with(x, envp, "hello world!", 11), REQ_TOO_LARGE);
	assert_int_equal(x->f.reads, 0);
	assert_string_equal(x->r.body, "");
	assert_int_equal(read_with(x, envp, "hello world!", 12), REQ_OK);
	assert_int_equal(x->r.body_len, 12);
}

static void test_body_bad_length(void **state)
{
	struct fixture *x = *state;
	char *shortbody[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=20", NULL};
	char *letters[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=2x", NULL};
	char *negative[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=-1", NULL};
	char *huge[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a",
	                "CONTENT_LENGTH=99999999999999999999999999", NULL};
	char *zero[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=0", NULL};

	assert_int_equal(read_with(x, shortbody, "only", 100), REQ_BAD);
	assert_string_equal(x->r.bad_reason, "Incomplete request body");
	assert_int_equal(read_with(x, letters, "ab", 100), REQ_BAD);
	assert_int_equal(read_with(x, negative, "", 100), REQ_BAD);
	assert_int_equal(read_with(x, huge, "", 100), REQ_BAD);
	assert_int_equal(read_with(x, zero, "ignored", 100), REQ_OK);
	assert_int_equal(x->r.body_len, 0);
	assert_int_equal(x->f.reads, 0);
}

static void test_json_detection(void **state)
{
	struct fixture *x = *state;
	char *plain[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=9", NULL};
	char *text[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=9",
	                "CONTENT_TYPE=text/plain", NULL};
	char *upper[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=2",
	                 "CONTENT_TYPE=Application/JSON", NULL};
	char *jsonish[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", "CONTENT_LENGTH=2",
	                   "CONTENT_TYPE=application/jsonx", NULL};

	assert_int_equal(read_with(x, plain, " \n{\"a\":1}", 100), REQ_OK);
	assert_true(req_is_json(&x->r));
	assert_int_equal(read_with(x, text, " \n{\"a\":1}", 100), REQ_OK);
	assert_false(req_is_json(&x->r));
	assert_int_equal(read_with(x, upper, "{}", 100), REQ_OK);
	assert_true(req_is_json(&x->r));
	assert_int_equal(read_with(x, jsonish, "{}", 100), REQ_OK);
	assert_false(req_is_json(&x->r));
}

static void test_percent_decode(void **state)
{
	struct fixture *x = *state;
	struct arena *a = x->a;

	assert_string_equal(req_percent_decode(a, "%41%62c", 7, false), "Abc");
	assert_string_equal(req_percent_decode(a, "a+b", 3, true), "a b");
	assert_string_equal(req_percent_decode(a, "a+b", 3, false), "a+b");
	assert_string_equal(req_percent_decode(a, "%2B%2f", 6, true), "+/");
	assert_string_equal(req_percent_decode(a, "%e2%82%AC", 9, false), "\xe2\x82\xac");
	assert_string_equal(req_percent_decode(a, "abc%41", 3, false), "abc");
	assert_string_equal(req_percent_decode(a, "", 0, false), "");
	assert_null(req_percent_decode(a, "%", 1, false));
	assert_null(req_percent_decode(a, "%4", 2, false));
	assert_null(req_percent_decode(a, "ab%41", 4, false)); /* escape cut by n */
	assert_null(req_percent_decode(a, "%4g", 3, false));
	assert_null(req_percent_decode(a, "%g4", 3, false));
	assert_null(req_percent_decode(a, "%00", 3, false));
	assert_null(req_percent_decode(a, "a\0b", 3, false));
}

static void test_urlencoded(void **state)
{
	struct fixture *x = *state;
	struct kvlist l = {0};

	assert_int_equal(req_parse_urlencoded(x->a, "a=1&b=two+words&a=3", 19, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].key, "a");
	assert_string_equal(l.items[0].value, "1");
	assert_string_equal(l.items[1].value, "two words");
	assert_string_equal(l.items[2].value, "3");
	assert_string_equal(kvlist_get(&l, "a"), "1");

	memset(&l, 0, sizeof(l));
	assert_int_equal(req_parse_urlencoded(x->a, "&&x=1&=v&k&", 11, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(kvlist_get(&l, "x"), "1");
	assert_string_equal(kvlist_get(&l, "k"), "");
	assert_null(kvlist_get_nonempty(&l, "k"));
	assert_null(kvlist_get_nonempty(&l, "absent"));
	assert_string_equal(kvlist_get_nonempty(&l, "x"), "1");
	assert_string_equal(l.items[1].key, "k");

	memset(&l, 0, sizeof(l));
	assert_int_equal(req_parse_urlencoded(x->a, "a=b=c&%41=%3D", 13, &l), 0);
	assert_string_equal(kvlist_get(&l, "a"), "b=c");
	assert_string_equal(kvlist_get(&l, "A"), "=");

	memset(&l, 0, sizeof(l));
	assert_int_equal(req_parse_urlencoded(x->a, "ok=1&bad%zz=2", 13, &l), -1);

	/* Many items grow the list. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(
	    req_parse_urlencoded(x->a, "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10", 40, &l), 0);
	assert_int_equal(l.n, 10);
	assert_string_equal(kvlist_get(&l, "j"), "10");
}

static void test_cookies(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {
	    "REQUEST_METHOD=GET", "DOCUMENT_URI=/",
	    "HTTP_COOKIE=xstocktake_token=no; stocktake_token=abc.def.ghi;q=\"quoted\"; "
	    "empty=; last=end ",
	    NULL};
	char *none[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/", NULL};

	assert_int_equal(read_with(x, envp, NULL, 100), REQ_OK);
	assert_string_equal(req_cookie(&x->r, "stocktake_token"), "abc.def.ghi");
	assert_string_equal(req_cookie(&x->r, "xstocktake_token"), "no");
	assert_string_equal(req_cookie(&x->r, "q"), "quoted");
	assert_string_equal(req_cookie(&x->r, "empty"), "");
	assert_string_equal(req_cookie(&x->r, "last"), "end");
	assert_null(req_cookie(&x->r, "stocktake"));
	assert_null(req_cookie(&x->r, "token"));
	assert_int_equal(read_with(x, none, NULL, 100), REQ_OK);
	assert_null(req_cookie(&x->r, "stocktake_token"));
}

static const char *sent(struct fixture *x)
{
	return buf_cstr(&x->f.written);
}

static void test_finish_json(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/a", NULL};

	read_with(x, envp, NULL, 100);
	req_set_status(&x->r, 201);
	req_add_header(&x->r, "Location", "/warehousing/bins/1");
	buf_puts(&x->r.out, "{\"success\":true}");
	assert_int_equal(req_finish(&x->r, "application/json"), 0);
	assert_int_equal(x->f.writes, 1);
	assert_string_equal(sent(x), "Status: 201 Created\r\n"
	                             "Content-Type: application/json\r\n"
	                             "Content-Length: 16\r\n"
	                             "Cache-Control: no-store\r\n"
	                             "Location: /warehousing/bins/1\r\n"
	                             "\r\n"
	                             "{\"success\":true}");
	/* Only once. */
	assert_int_equal(req_finish(&x->r, "application/json"), -1);
	assert_int_equal(x->f.writes, 1);
}

static void test_finish_defaults(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", NULL};
	char *head[] = {"REQUEST_METHOD=HEAD", "DOCUMENT_URI=/a", NULL};

	/* Status 0 is 200; the type comes from r->out_type; a handler's Cache-Control wins. */
	read_with(x, envp, NULL, 100);
	x->r.out_type = "application/json";
	req_add_header(&x->r, "cache-control", "max-age=60");
	buf_puts(&x->r.out, "{}");
	assert_int_equal(req_finish(&x->r, NULL), 0);
	assert_string_equal(sent(x), "Status: 200 OK\r\n"
	                             "Content-Type: application/json\r\n"
	                             "Content-Length: 2\r\n"
	                             "cache-control: max-age=60\r\n"
	                             "\r\n"
	                             "{}");

	/* The request is reused: buffers are emptied by req_read. */
	buf_reset(&x->f.written);
	read_with(x, envp, NULL, 100);
	assert_int_equal(x->r.out.len, 0);
	assert_int_equal(x->r.headers.len, 0);
	assert_null(x->r.out_type);
	buf_puts(&x->r.out, "<p>hi</p>");
	assert_int_equal(req_finish(&x->r, "text/html; charset=utf-8"), 0);
	assert_string_equal(sent(x), "Status: 200 OK\r\n"
	                             "Content-Type: text/html; charset=utf-8\r\n"
	                             "Content-Length: 9\r\n"
	                             "\r\n"
	                             "<p>hi</p>");

	/* HEAD: the GET answer's headers, no body. */
	buf_reset(&x->f.written);
	read_with(x, head, NULL, 100);
	buf_puts(&x->r.out, "{}");
	assert_int_equal(req_finish(&x->r, "application/json"), 0);
	assert_string_equal(sent(x), "Status: 200 OK\r\n"
	                             "Content-Type: application/json\r\n"
	                             "Content-Length: 2\r\n"
	                             "Cache-Control: no-store\r\n"
	                             "\r\n");

	/* 204: no body, no length; no type at all when none is known. */
	buf_reset(&x->f.written);
	read_with(x, envp, NULL, 100);
	req_set_status(&x->r, 204);
	buf_puts(&x->r.out, "dropped");
	assert_int_equal(req_finish(&x->r, NULL), 0);
	assert_string_equal(sent(x), "Status: 204 No Content\r\n\r\n");
}

static void test_header_injection(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", NULL};

	read_with(x, envp, NULL, 100);
	req_add_header(&x->r, "X-Note", "a\r\nSet-Cookie: evil=1\tx");
	req_add_header(&x->r, "Bad Name", "v");
	req_add_header(&x->r, "Bad\r\nName", "v");
	req_add_header(&x->r, "X-Empty", NULL);
	assert_string_equal(buf_cstr(&x->r.headers),
	                    "X-Note: aSet-Cookie: evil=1 x\r\nX-Empty: \r\n");
}

static void test_write_failure(void **state)
{
	struct fixture *x = *state;
	char *envp[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/a", NULL};
	struct req_io broken = x->io;

	read_with(x, envp, NULL, 100);
	x->r.io = &broken;
	broken.write = NULL;
	assert_int_equal(req_finish(&x->r, "text/plain"), -1);
}

static void test_status_text(void **state)
{
	assert_string_equal(req_status_text(200), "OK");
	assert_string_equal(req_status_text(404), "Not Found");
	assert_string_equal(req_status_text(405), "Method Not Allowed");
	assert_string_equal(req_status_text(413), "Content Too Large");
	assert_string_equal(req_status_text(500), "Internal Server Error");
	assert_string_equal(req_status_text(299), "OK");
	assert_string_equal(req_status_text(499), "Bad Request");
	assert_string_equal(req_status_text(999), "Internal Server Error");
}

/* Objects handed to the request are released once, with it. */
static void test_owned(void **state)
{
	struct fixture *x = *state;
	struct json_object *kept = json_object_new_string("kept");

	x->r.arena = x->a; /* as req_read sets it: the list lives in the arena */
	/* More than the first chunk of the list. */
	for (int i = 0; i < 20; i++)
		req_json_own(&x->r, json_object_new_int(i));
	json_object_get(kept);
	req_json_own(&x->r, kept);
	req_json_own(&x->r, NULL);
	assert_int_equal(x->r.json_owned_n, 21);
	req_json_release_all(&x->r);
	assert_int_equal(x->r.json_owned_n, 0);
	assert_null(x->r.json_owned);
	/* Our extra reference is still valid. */
	assert_string_equal(json_object_get_string(kept), "kept");
	json_object_put(kept);
	req_json_release_all(&x->r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_get_request),      T(test_path_sources),
	    T(test_bad_query),        T(test_body),
	    T(test_body_too_large),   T(test_body_bad_length),
	    T(test_json_detection),   T(test_percent_decode),
	    T(test_urlencoded),       T(test_cookies),
	    T(test_finish_json),      T(test_finish_defaults),
	    T(test_header_injection), T(test_write_failure),
	    T(test_status_text),      T(test_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
