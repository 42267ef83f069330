/* Unit tests for web/app.c: dispatch rules, --routes, one CGI request, a preforked FastCGI pool. */

/*
 * auth_authenticate(_deferred)/auth_settle/auth_scope_any are stand-ins defined here: link this
 * test without web/auth.c. db_connect/db_close are weak stand-ins: without db/db.c they count
 * calls; with it the real ones fail fast on the test config's missing socket (slower start-up: the
 * workers retry).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include "config.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "db/db.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/envelope.h"
#include "web/keyed.h"
#include "web/req.h"

/* ---- stand-ins for lib/web/auth.c and lib/db/db.c ---- */

static int auth_calls;
static int db_connects;
static struct caller test_caller;

/* keyed_run (web/keyed.c, not linked): records what a keyed route handed it, then runs the handler.
 */
static int keyed_runs;
static const char *keyed_tenant;
static keyed_error keyed_err;

void keyed_run(struct request *r, const char *tenant_id, keyed_handler h, keyed_error err)
{
	keyed_runs++;
	keyed_tenant = tenant_id;
	keyed_err = err;
	h(r);
}

/* "Bearer good" authenticates as tenant T1 with the scope in X-Test-Scope. */
int auth_authenticate(struct request *r, const char **message)
{
	const char *h = req_header(r, "Authorization");

	auth_calls++;
	if (!h) {
		*message = "Authentication required";
		return 401;
	}
	if (strcmp(h, "Bearer good") != 0) {
		*message = "Invalid token";
		return 401;
	}
	memset(&test_caller, 0, sizeof(test_caller));
	test_caller.user_id = "u1";
	test_caller.tenant_id = "aaaaaaaa-0000-0000-0000-000000000001";
	test_caller.username = "demo";
	test_caller.scope = req_header(r, "X-Test-Scope");
	r->caller = &test_caller;
	return 0;
}

/*
 * Deferred routes: "Bearer good" and "Bearer disabled" both pass the token
 * check; the user row (read by auth_settle) refuses "disabled" with 401.
 */
static int settle_calls;
static bool test_disabled;

int auth_authenticate_deferred(struct request *r, const char *route_scopes, const char **message)
{
	const char *h = req_header(r, "Authorization");

	auth_calls++;
	if (!h) {
		*message = "Authentication required";
		return 401;
	}
	test_disabled = strcmp(h, "Bearer disabled") == 0;
	if (strcmp(h, "Bearer good") != 0 && !test_disabled) {
		*message = "Invalid token";
		return 401;
	}
	memset(&test_caller, 0, sizeof(test_caller));
	test_caller.user_id = "u1";
	test_caller.tenant_id = "aaaaaaaa-0000-0000-0000-000000000001";
	test_caller.scope = req_header(r, "X-Test-Scope");
	test_caller.pending = true;
	test_caller.route_scopes = route_scopes;
	r->caller = &test_caller;
	return 0;
}

int auth_settle(struct request *r, const char **message)
{
	struct caller *c = r->caller;

	if (c && c->pending) {
		settle_calls++;
		c->pending = false;
		if (test_disabled) {
			c->refused = 401;
			c->refusal = "User disabled";
		}
	}
	if (!c || !c->refused)
		return 0;
	*message = c->refusal;
	return c->refused;
}

/* The last challenge app_dispatch asked for: when it is due is app_dispatch's decision. */
static int challenge_status;
static const char *challenge_scopes;

void auth_challenge(struct request *r, int status, const char *message, const char *scopes)
{
	challenge_status = status;
	challenge_scopes = scopes;
}

/* Word-wise "any of", like the real one. */
bool auth_scope_any(const char *scope_list, const char *required)
{
	const char *w = required;

	while (*w) {
		size_t n = strcspn(w, " ");

		for (const char *s = scope_list; *s;) {
			size_t m = strcspn(s, " ");

			if (m == n && n && strncmp(s, w, n) == 0)
				return true;
			s += m;
			while (*s == ' ')
				s++;
		}
		w += n;
		while (*w == ' ')
			w++;
	}
	return false;
}

__attribute__((weak)) int db_connect(void)
{
	db_connects++;
	return 0;
}

__attribute__((weak)) void db_close(void)
{
}

/* The stand-in database never goes away: a 500 stays a 500. */
__attribute__((weak)) bool db_unavailable(void)
{
	return false;
}

/* Whether the stand-in above is the one linked. */
static bool db_stubbed(void)
{
	int before = db_connects;

	db_connect();
	return db_connects != before;
}

/* ---- the test application ---- */

static int handler_calls;
static int init_calls;

static void h_ok(struct request *r)
{
	struct json_object *o = envelope_ondi("ok");

	handler_calls++;
	jval_add_str(o, "path", r->path);
	jval_add_str(o, "id", req_param(r, "id"));
	envelope_reply(r, 200, o);
}

static void h_echo(struct request *r)
{
	handler_calls++;
	req_set_status(r, 201);
	r->out_type = "text/plain";
	buf_append(&r->out, r->body, r->body_len);
}

static void h_silent(struct request *r)
{
	handler_calls++;
}

static void h_no_content(struct request *r)
{
	handler_calls++;
	req_set_status(r, 204);
}

/* A user_in_query read: with ?admit=1 it settles its caller itself (as a probed query does). */
static void h_lazy(struct request *r)
{
	const char *msg = NULL;
	int status;

	handler_calls++;
	if (req_query(r, "admit") && (status = auth_settle(r, &msg)) != 0) {
		envelope_ondi_error(r, status, msg);
		return;
	}
	envelope_reply(r, 200, envelope_ondi("lazy"));
}

static void h_crash(struct request *r)
{
	_exit(9);
}

static void app_error(struct request *r, int status, const char *message)
{
	envelope_ondi_error(r, status, message);
}

static int app_init(void)
{
	init_calls++;
	return 0;
}

static const struct route routes[] = {
    {"GET", "/public", h_ok, NULL},
    {"POST", "/echo", h_echo, NULL},
    {"GET", "/me", h_ok, ""},
    {"GET", "/bins", h_ok, "view:tenant manage:operations:tenant"},
    {"GET", "/bins/:id", h_ok, "view:tenant manage:operations:tenant"},
    {"DELETE", "/bins/:id", h_ok, "manage:operations:tenant"},
    {"GET", "/silent", h_silent, NULL},
    {"DELETE", "/silent", h_no_content, NULL},
    {"GET", "/crash", h_crash, NULL},
    {"GET", "/lazy", h_lazy, "view:tenant", .user_in_query = true},
    {"POST", "/keyed", h_ok, "", .keyed = true},
    {0},
};

static const struct app test_app = {
    .name = "testapp",
    .routes = routes,
    .error = app_error,
    .json_bodies = true,
    .init = app_init,
};

/* ---- app_dispatch ---- */

struct fixture {
	struct arena *a;
	struct request r;
	struct req_io io;
};

static int setup(void **state)
{
	struct fixture *x = test_calloc(1, sizeof(*x));

	x->a = arena_new(4096);
	req_init(&x->r);
	*state = x;
	auth_calls = handler_calls = settle_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	req_json_release_all(&x->r);
	req_release(&x->r);
	arena_free(x->a);
	test_free(x);
	return 0;
}

/* Dispatches method path?query with optional token and scope; returns r->out. */
static const char *dispatch(struct fixture *x, const char *method, const char *path,
                            const char *query, const char *token, const char *scope)
{
	char *envp[8];
	int n = 0;

	arena_reset(x->a);
	envp[n++] = arena_sprintf(x->a, "REQUEST_METHOD=%s", method);
	envp[n++] = arena_sprintf(x->a, "DOCUMENT_URI=%s", path);
	envp[n++] = arena_sprintf(x->a, "QUERY_STRING=%s", query ? query : "");
	if (token)
		envp[n++] = arena_sprintf(x->a, "HTTP_AUTHORIZATION=Bearer %s", token);
	if (scope)
		envp[n++] = arena_sprintf(x->a, "HTTP_X_TEST_SCOPE=%s", scope);
	envp[n] = NULL;
	x->io.envp = envp;
	assert_int_equal(req_read(&x->r, x->a, &x->io, 100), REQ_OK);
	app_dispatch(&test_app, &x->r);
	/* envp lives on this stack frame only. */
	x->io.envp = NULL;
	return buf_cstr(&x->r.out);
}

static void test_not_found(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/nope", NULL, NULL, NULL),
	                    "{\"success\":false,\"message\":\"Not found\",\"code\":\"not_found\"}");
	assert_int_equal(x->r.status, 404);
	assert_int_equal(auth_calls, 0);
	assert_int_equal(handler_calls, 0);
}

static void test_method_not_allowed(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "PUT", "/bins/7", NULL, "good", "view:tenant"),
	                    "{\"success\":false,\"message\":\"Method not "
	                    "allowed\",\"code\":\"method_not_allowed\"}");
	assert_int_equal(x->r.status, 405);
	assert_string_equal(buf_cstr(&x->r.headers), "Allow: GET, DELETE\r\n");
	assert_int_equal(auth_calls, 0);
}

static void test_public(void **state)
{
	struct fixture *x = *state;

	/* No authentication and no tenant guard on public routes. */
	assert_string_equal(
	    dispatch(x, "GET", "/public/", "tenant_id=other", NULL, NULL),
	    "{\"success\":true,\"message\":\"ok\",\"path\":\"/public/\",\"id\":null}");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(auth_calls, 0);
	assert_int_equal(handler_calls, 1);
}

static void test_unauthenticated(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/me", NULL, NULL, NULL),
	                    "{\"success\":false,\"message\":\"Authentication "
	                    "required\",\"code\":\"unauthorized\"}");
	assert_int_equal(x->r.status, 401);
	assert_int_equal(challenge_status, 401);
	assert_string_equal(
	    dispatch(x, "GET", "/bins", NULL, "forged", "view:tenant"),
	    "{\"success\":false,\"message\":\"Invalid token\",\"code\":\"invalid_token\"}");
	assert_int_equal(x->r.status, 401);
	assert_int_equal(challenge_status, 401);
	assert_int_equal(handler_calls, 0);
}

static void test_any_authenticated(void **state)
{
	struct fixture *x = *state;

	dispatch(x, "GET", "/me", NULL, "good", "");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(handler_calls, 1);
	assert_ptr_equal(x->r.caller, &test_caller);
}

/* A keyed route runs through keyed_run, with the caller's tenant and the group's envelope. */
static void test_keyed_route(void **state)
{
	struct fixture *x = *state;

	keyed_runs = 0;
	dispatch(x, "POST", "/echo", NULL, NULL, NULL);
	assert_int_equal(keyed_runs, 0);
	dispatch(x, "POST", "/keyed", NULL, "good", "");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(keyed_runs, 1);
	assert_ptr_equal(keyed_tenant, test_caller.tenant_id);
	assert_ptr_equal(keyed_err, app_error);
}

static void test_scopes(void **state)
{
	struct fixture *x = *state;

	dispatch(x, "GET", "/bins/b1", NULL, "good", "operator manage:operations:tenant");
	assert_int_equal(x->r.status, 200);
	assert_string_equal(
	    buf_cstr(&x->r.out),
	    "{\"success\":true,\"message\":\"ok\",\"path\":\"/bins/b1\",\"id\":\"b1\"}");
	assert_string_equal(dispatch(x, "DELETE", "/bins/b1", NULL, "good", "view:tenant"),
	                    "{\"success\":false,\"message\":\"Insufficient "
	                    "permissions\",\"code\":\"insufficient_permissions\"}");
	assert_int_equal(x->r.status, 403);
	/* The challenge names the scopes the route takes (RFC 6750 insufficient_scope). */
	assert_int_equal(challenge_status, 403);
	assert_string_equal(challenge_scopes, "manage:operations:tenant");
	/* A scope that merely starts like a required one does not count. */
	dispatch(x, "GET", "/bins", NULL, "good", "view:tenantx");
	assert_int_equal(x->r.status, 403);
	assert_int_equal(handler_calls, 1);
}

static void test_tenant_guard(void **state)
{
	struct fixture *x = *state;
	const char *scope = "view:tenant";

	assert_string_equal(dispatch(x, "GET", "/bins",
	                             "tenant_id=bbbbbbbb-0000-0000-0000-000000000002", "good",
	                             scope),
	                    "{\"success\":false,\"message\":\"Insufficient "
	                    "permissions\",\"code\":\"insufficient_permissions\"}");
	assert_int_equal(x->r.status, 403);
	assert_int_equal(handler_calls, 0);
	dispatch(x, "GET", "/bins", "tenant_id=aaaaaaaa-0000-0000-0000-000000000001", "good",
	         scope);
	assert_int_equal(x->r.status, 200);
	dispatch(x, "GET", "/bins", "tenant_id=AAAAAAAA-0000-0000-0000-000000000001", "good",
	         scope);
	assert_int_equal(x->r.status, 200);
	/* The documented example URLs send an empty tenant_id. */
	dispatch(x, "GET", "/bins", "tenant_id=&page=1", "good", scope);
	assert_int_equal(x->r.status, 200);
	assert_int_equal(handler_calls, 3);
}

static void test_handler_sent_nothing(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/silent", NULL, NULL, NULL),
	                    "{\"success\":false,\"message\":\"Internal server "
	                    "error\",\"code\":\"internal_error\"}");
	assert_int_equal(x->r.status, 500);
	/* A bare status is an answer. */
	assert_string_equal(dispatch(x, "DELETE", "/silent", NULL, NULL, NULL), "");
	assert_int_equal(x->r.status, 204);
}

/* ---- app_main ---- */

static char tmpdir[] = "/tmp/test_app_XXXXXX";
static char conf_path[300];

/* Runs app_main with stdin from in_path and stdout captured; returns its result. */
static int run_main(int argc, char **argv, const char *in_path, struct buf *out)
{
	char out_path[320];
	int saved_in = dup(0), saved_out = dup(1);
	int in_fd, out_fd, rc;
	char chunk[4096];
	ssize_t n;

	snprintf(out_path, sizeof(out_path), "%s/stdout", tmpdir);
	in_fd = open(in_path ? in_path : "/dev/null", O_RDONLY);
	out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(in_fd >= 0 && out_fd >= 0);
	fflush(stdout);
	dup2(in_fd, 0);
	dup2(out_fd, 1);
	rc = app_main(&test_app, argc, argv);
	fflush(stdout);
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	close(saved_in);
	close(saved_out);
	close(in_fd);
	clearerr(stdin);
	lseek(out_fd, 0, SEEK_SET);
	while ((n = read(out_fd, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	close(out_fd);
	unlink(out_path);
	return rc;
}

static void test_routes_option(void **state)
{
	char *argv[] = {"testapp", "--routes", NULL};
	struct buf out;

	buf_init(&out);
	assert_int_equal(run_main(2, argv, NULL, &out), 0);
	assert_string_equal(buf_cstr(&out), "GET /public -\n"
	                                    "POST /echo -\n"
	                                    "GET /me *\n"
	                                    "GET /bins view:tenant manage:operations:tenant\n"
	                                    "GET /bins/:id view:tenant manage:operations:tenant\n"
	                                    "DELETE /bins/:id manage:operations:tenant\n"
	                                    "GET /silent -\n"
	                                    "DELETE /silent -\n"
	                                    "GET /crash -\n"
	                                    "GET /lazy view:tenant\n"
	                                    "POST /keyed *\n");
	buf_release(&out);
}

/* Every installed program answers --version with one line and exit 0; --help shows both forms. */
static void test_version_and_help(void **state)
{
	char *version[] = {"testapp", "--version", NULL};
	char *help[] = {"testapp", "--help", NULL};
	struct buf out;

	buf_init(&out);
	assert_int_equal(run_main(2, version, NULL, &out), 0);
	assert_string_equal(buf_cstr(&out), "testapp (stocktake) " PACKAGE_VERSION "\n");
	buf_reset(&out);
	assert_int_equal(run_main(2, help, NULL, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "usage: testapp [--config FILE]"));
	assert_non_null(strstr(buf_cstr(&out), "testapp --help | --version\n"));
	buf_release(&out);
}

static void test_bad_options(void **state)
{
	char *unknown[] = {"testapp", "--frobnicate", NULL};
	char *noval[] = {"testapp", "--config", NULL};
	char *workers[] = {"testapp", "--workers=0", NULL};
	char *missing[] = {"testapp", "--config", "/nonexistent/stocktake.conf", NULL};
	struct buf out;

	buf_init(&out);
	assert_int_equal(run_main(2, unknown, NULL, &out), 2);
	assert_int_equal(run_main(2, noval, NULL, &out), 2);
	assert_int_equal(run_main(2, workers, NULL, &out), 2);
	assert_int_equal(run_main(3, missing, NULL, &out), 1);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void set_cgi_env(const char *method, const char *uri, const char *length)
{
	setenv("GATEWAY_INTERFACE", "CGI/1.1", 1);
	setenv("REQUEST_METHOD", method, 1);
	setenv("REQUEST_URI", uri, 1);
	setenv("QUERY_STRING", strchr(uri, '?') ? strchr(uri, '?') + 1 : "", 1);
	if (length)
		setenv("CONTENT_LENGTH", length, 1);
	else
		unsetenv("CONTENT_LENGTH");
}

static void clear_cgi_env(void)
{
	unsetenv("GATEWAY_INTERFACE");
	unsetenv("REQUEST_METHOD");
	unsetenv("REQUEST_URI");
	unsetenv("QUERY_STRING");
	unsetenv("CONTENT_LENGTH");
}

static void test_cgi_request(void **state)
{
	char *argv[] = {"testapp", "--config", conf_path, NULL};
	char in_path[320];
	struct buf out;
	bool stubbed = db_stubbed();

	snprintf(in_path, sizeof(in_path), "%s/stdin", tmpdir);
	write_file(in_path, "hello cgi");
	buf_init(&out);
	db_connects = init_calls = 0;

	set_cgi_env("POST", "/echo?x=1", "9");
	assert_int_equal(run_main(3, argv, in_path, &out), 0);
	assert_string_equal(buf_cstr(&out), "Status: 201 Created\r\n"
	                                    "Content-Type: text/plain\r\n"
	                                    "Content-Length: 9\r\n"
	                                    "\r\n"
	                                    "hello cgi");
	if (stubbed)
		assert_int_equal(db_connects, 1);
	assert_int_equal(init_calls, 1);

	/* body_max is 16 in the test config. */
	buf_reset(&out);
	write_file(in_path, "0123456789abcdefghij");
	set_cgi_env("POST", "/echo", "20");
	assert_int_equal(run_main(3, argv, in_path, &out), 0);
	assert_string_equal(buf_cstr(&out), "Status: 413 Content Too Large\r\n"
	                                    "Content-Type: application/json\r\n"
	                                    "Content-Length: 79\r\n"
	                                    "Cache-Control: no-store\r\n"
	                                    "\r\n"
	                                    "{\"success\":false,\"message\":\"Request body too "
	                                    "large\",\"code\":\"payload_too_large\"}");

	buf_reset(&out);
	set_cgi_env("GET", "/public?a=%zz", NULL);
	assert_int_equal(run_main(3, argv, NULL, &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "Status: 400 Bad Request\r\n"));
	assert_non_null(strstr(buf_cstr(&out), "{\"success\":false,\"message\":\"Malformed query "
	                                       "string\",\"code\":\"invalid_request\"}"));

	/* Not started by a web server: refuse rather than invent a request. */
	buf_reset(&out);
	clear_cgi_env();
	assert_int_equal(run_main(3, argv, NULL, &out), 2);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	unlink(in_path);
}

/* ---- a preforked FastCGI pool ---- */

static void fcgi_record(struct buf *b, int type, const void *data, size_t len)
{
	unsigned char h[8] = {
	    1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8), (unsigned char)(len & 0xff), 0,
	    0};

	buf_append(b, h, sizeof(h));
	buf_append(b, data, len);
}

static void fcgi_param(struct buf *p, const char *name, const char *value)
{
	unsigned char n = (unsigned char)strlen(name), v = (unsigned char)strlen(value);

	buf_append(p, &n, 1);
	buf_append(p, &v, 1);
	buf_puts(p, name);
	buf_puts(p, value);
}

/* One request to the pool at sock; the STDOUT stream goes to out. 0 when END_REQUEST came. */
static int fcgi_call(const char *sock, const char *method, const char *uri, const char *body,
                     struct buf *out)
{
	static const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* responder, close */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct buf req, params;
	char len[24];
	int fd, ended = -1;
	unsigned char h[8];

	buf_init(&req);
	buf_init(&params);
	snprintf(len, sizeof(len), "%zu", strlen(body));
	fcgi_param(&params, "REQUEST_METHOD", method);
	fcgi_param(&params, "REQUEST_URI", uri);
	fcgi_param(&params, "DOCUMENT_URI", uri);
	fcgi_param(&params, "QUERY_STRING", "");
	fcgi_param(&params, "CONTENT_LENGTH", len);
	fcgi_record(&req, 1, begin, sizeof(begin));
	fcgi_record(&req, 4, params.data, params.len);
	fcgi_record(&req, 4, "", 0);
	if (*body)
		fcgi_record(&req, 5, body, strlen(body));
	fcgi_record(&req, 5, "", 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req.data, req.len), (ssize_t)req.len);
	for (;;) {
		size_t clen, got = 0;
		char content[65536 + 256];

		if (read(fd, h, 8) != 8)
			break;
		clen = ((size_t)h[4] << 8 | h[5]) + h[6];
		while (got < clen) {
			ssize_t n = read(fd, content + got, clen - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (h[1] == 6)
			buf_append(out, content, clen - h[6]);
		if (h[1] == 3) {
			ended = 0;
			break;
		}
	}
	close(fd);
	buf_release(&req);
	buf_release(&params);
	return ended;
}

static bool wait_for_socket(const char *path, bool present)
{
	struct stat st;

	for (int i = 0; i < 200; i++) {
		if ((stat(path, &st) == 0) == present)
			return true;
		usleep(50000);
	}
	return false;
}

static void test_fastcgi_pool(void **state)
{
	char sock[100];
	char *argv[] = {"testapp", "--config", conf_path, "--listen", sock, "--workers", "2", NULL};
	struct buf out;
	struct stat st;
	pid_t pid;
	int status;

	snprintf(sock, sizeof(sock), "%s/pool.sock", tmpdir);
	/* A stale socket file from a crashed run is replaced. */
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(app_main(&test_app, 7, argv));
	assert_true(wait_for_socket(sock, true));
	usleep(300000);
	assert_int_equal(stat(sock, &st), 0);
	/* Only the owner and the web server's group may connect. */
	assert_int_equal(st.st_mode & 0777, 0660);

	buf_init(&out);
	assert_int_equal(fcgi_call(sock, "POST", "/echo", "via fastcgi", &out), 0);
	assert_string_equal(buf_cstr(&out), "Status: 201 Created\r\n"
	                                    "Content-Type: text/plain\r\n"
	                                    "Content-Length: 11\r\n"
	                                    "\r\n"
	                                    "via fastcgi");
	/* A crashing worker is replaced; the pool keeps answering. */
	buf_reset(&out);
	assert_int_equal(fcgi_call(sock, "GET", "/crash", "", &out), -1);
	for (int i = 0; i < 6; i++) {
		buf_reset(&out);
		assert_int_equal(fcgi_call(sock, "GET", "/nope", "", &out), 0);
		assert_non_null(strstr(buf_cstr(&out), "Status: 404 Not Found\r\n"));
	}
	usleep(1500000);
	buf_reset(&out);
	assert_int_equal(fcgi_call(sock, "GET", "/public", "", &out), 0);
	assert_non_null(strstr(buf_cstr(&out), "\"path\":\"/public\""));

	/* SIGTERM: workers finish, the supervisor removes the socket and exits 0. */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(sock, &st), -1);
	buf_release(&out);
}

/* socket_group: the socket goes to that group (mode 0660); an unknown group stops the start. */
static void test_socket_group(void **state)
{
	char sock[100];
	char *argv[] = {"testapp", "--config", conf_path, "--listen", sock, "--workers", "1", NULL};
	struct group *gr = getgrnam("daemon");
	gid_t daemon_gid = gr ? gr->gr_gid : 0; /* getgrnam's buffer is reused by the next call */
	struct stat st;
	pid_t pid;
	int status;

	snprintf(sock, sizeof(sock), "%s/group.sock", tmpdir);
	setenv("STOCKTAKE_SOCKET_GROUP", "no-such-group-stocktake", 1);
	assert_int_equal(app_main(&test_app, 7, argv), 1);
	assert_int_equal(stat(sock, &st), -1);
	/* Handing a socket to another group takes root (devstack and the tests run as root). */
	if (geteuid() != 0 || !gr) {
		unsetenv("STOCKTAKE_SOCKET_GROUP");
		skip();
	}
	setenv("STOCKTAKE_SOCKET_GROUP", "daemon", 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(app_main(&test_app, 7, argv));
	unsetenv("STOCKTAKE_SOCKET_GROUP");
	assert_true(wait_for_socket(sock, true));
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, daemon_gid);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
}

static int group_setup(void **state)
{
	char text[256];

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/stocktake.conf", tmpdir);
	snprintf(text, sizeof(text),
	         "body_max = 16\nlog_level = error\nworkers = 3\ndb_socket = %s/no-db.sock\n",
	         tmpdir);
	write_file(conf_path, text);
	return 0;
}

static int group_teardown(void **state)
{
	clear_cgi_env();
	unlink(conf_path);
	rmdir(tmpdir);
	return 0;
}

/* The handler answered without reading the user row: app reads it after, and keeps the answer. */
static void test_deferred_settled_after(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/lazy", NULL, "good", "view:tenant"),
	                    "{\"success\":true,\"message\":\"lazy\"}");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(settle_calls, 1);
	assert_false(x->r.caller->pending);
}

/* ... and a refusal from the row replaces the answer, which was built but not sent. */
static void test_deferred_refusal_replaces_answer(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(
	    dispatch(x, "GET", "/lazy", NULL, "disabled", "view:tenant"),
	    "{\"success\":false,\"message\":\"User disabled\",\"code\":\"user_disabled\"}");
	assert_int_equal(x->r.status, 401);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(settle_calls, 1);
}

/* A handler that settles its caller itself is not settled twice. */
static void test_deferred_settled_by_handler(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/lazy", "admit=1", "good", "view:tenant"),
	                    "{\"success\":true,\"message\":\"lazy\"}");
	assert_int_equal(settle_calls, 1);
	assert_string_equal(
	    dispatch(x, "GET", "/lazy", "admit=1", "disabled", "view:tenant"),
	    "{\"success\":false,\"message\":\"User disabled\",\"code\":\"user_disabled\"}");
	assert_int_equal(x->r.status, 401);
	assert_int_equal(settle_calls, 2);
}

/* Refusals made before the handler still let the user row speak first, as when it is read first. */
static void test_deferred_refusals_before_handler(void **state)
{
	struct fixture *x = *state;

	assert_string_equal(dispatch(x, "GET", "/lazy", NULL, "good", "admin"),
	                    "{\"success\":false,\"message\":\"Insufficient "
	                    "permissions\",\"code\":\"insufficient_permissions\"}");
	assert_int_equal(x->r.status, 403);
	assert_string_equal(
	    dispatch(x, "GET", "/lazy", NULL, "disabled", "admin"),
	    "{\"success\":false,\"message\":\"User disabled\",\"code\":\"user_disabled\"}");
	assert_int_equal(x->r.status, 401);
	assert_string_equal(
	    dispatch(x, "GET", "/lazy", "tenant_id=bbbbbbbb-0000-0000-0000-000000000002",
	             "disabled", "view:tenant"),
	    "{\"success\":false,\"message\":\"User disabled\",\"code\":\"user_disabled\"}");
	assert_int_equal(x->r.status, 401);
	assert_string_equal(
	    dispatch(x, "GET", "/lazy", NULL, "forged", "view:tenant"),
	    "{\"success\":false,\"message\":\"Invalid token\",\"code\":\"invalid_token\"}");
	assert_int_equal(handler_calls, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_not_found),
	    T(test_method_not_allowed),
	    T(test_public),
	    T(test_unauthenticated),
	    T(test_any_authenticated),
	    T(test_keyed_route),
	    T(test_scopes),
	    T(test_tenant_guard),
	    T(test_handler_sent_nothing),
	    T(test_deferred_settled_after),
	    T(test_deferred_refusal_replaces_answer),
	    T(test_deferred_settled_by_handler),
	    T(test_deferred_refusals_before_handler),
	    cmocka_unit_test(test_routes_option),
	    cmocka_unit_test(test_version_and_help),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_cgi_request),
	    cmocka_unit_test(test_fastcgi_pool),
	    cmocka_unit_test(test_socket_group),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
