/* The executable's frame: options, config, DB, the pool's workers (web/pool.h) or one CGI
 * request, dispatch, the access line. */
#include "web/app.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/arena.h"
#include "base/env.h"
#include "base/kvlist.h"
#include "db/db.h"
#include "web/auth.h"
#include "web/health.h"
#include "web/keyed.h"
#include "web/metrics.h"
#include "web/pool.h"
#include <json-c/json.h>
#include "base/log.h"
#include "base/words.h"
#include "web/req.h"
#include "web/route.h"

#define APP_ARENA_BLOCK (64 * 1024)
#define APP_DB_ATTEMPTS 5
#define APP_DRAIN_MAX (16u * 1024 * 1024)
#define APP_RETRY_AFTER "1" /* seconds a client waits before retrying a 503 (DB restarting) */

extern char **environ;

struct options {
	const char *config;
	const char *listen;
	int workers;
	bool routes;
};

static void usage(const struct app *app, FILE *f)
{
	fprintf(f,
	        "usage: %s [--config FILE] [--listen SOCKET_PATH] [--workers N] [--routes]\n"
	        "       %s --help | --version\n"
	        "Without --listen: FastCGI on stdin when it is a socket, else one CGI request.\n",
	        app->name, app->name);
}

static bool option_takes_value(const char *arg, size_t name_len)
{
	static const char *const names[] = {"--config", "--listen", "--workers"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name_len == strlen(names[i]) && strncmp(arg, names[i], name_len) == 0)
			return true;
	return false;
}

#define APP_OPT_HELP 1
#define APP_OPT_VERSION 2

/* Returns 0, APP_OPT_HELP, APP_OPT_VERSION, or -1 for a bad command line. */
static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		const char *eq = strchr(arg, '=');
		size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);

		if (strcmp(arg, "--routes") == 0) {
			o->routes = true;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return APP_OPT_HELP;
		if (strcmp(arg, "--version") == 0)
			return APP_OPT_VERSION;
		if (!option_takes_value(arg, name_len)) {
			fprintf(stderr, "%s: unknown option %s\n", argv[0], arg);
			return -1;
		}
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		if (!value) {
			fprintf(stderr, "%s: %s needs a value\n", argv[0], arg);
			return -1;
		}
		if (name_len == 8 && strncmp(arg, "--config", 8) == 0) {
			o->config = value;
		} else if (name_len == 8 && strncmp(arg, "--listen", 8) == 0) {
			o->listen = value;
		} else {
			char *end;
			long n;

			errno = 0;
			n = strtol(value, &end, 10);
			if (errno || *end || n < 1 || n > 256) {
				fprintf(stderr, "%s: --workers takes 1..256\n", argv[0]);
				return -1;
			}
			o->workers = (int)n;
		}
	}
	return 0;
}

/* A route's accepted query parameters as one word, "?search&page&limit" ("?" for none). */
static void print_query(const char *query)
{
	const char *w;
	size_t n;
	bool first = true;

	printf(" ?");
	while ((n = words_next(&query, &w)) > 0) {
		printf("%s%.*s", first ? "" : "&", (int)n, w);
		first = false;
	}
}

/* "METHOD pattern scopes [?query]" per route: scopes "-" public, "*" any caller. */
static void print_routes(const struct app *app)
{
	for (const struct route *rt = app->routes; rt->method; rt++) {
		printf("%s %s %s", rt->method, rt->pattern,
		       !rt->scopes   ? "-"
		       : *rt->scopes ? rt->scopes
		                     : "*");
		if (rt->query)
			print_query(rt->query);
		putchar('\n');
	}
	fflush(stdout);
}

/*
 * Sends an error in the group's envelope; a JSON group's 401, and its 403 for
 * want of one of scopes (NULL for other refusals), say how to authenticate.
 */
static void deny(const struct app *app, struct request *r, int status, const char *message,
                 const char *scopes)
{
	app->error(r, status, message);
	if (app->json_bodies)
		auth_challenge(r, status, message, scopes);
}

/*
 * Sends a refusal, unless the caller is not settled yet and its user row
 * refuses them first: the answer is the same as when the row is read up front.
 */
static void refuse(const struct app *app, struct request *r, int status, const char *message,
                   const char *scopes)
{
	const char *settled = NULL;
	int rc = auth_settle(r, &settled);

	/* The row's refusals are 401s; its 403 is the route's scopes the user no longer has. */
	if (rc)
		deny(app, r, rc, settled, rc == 403 ? r->caller->route_scopes : NULL);
	else
		deny(app, r, status, message, scopes);
}

/* Authentication, the route's scopes and the tenant_id guard; false when refused (sent). */
static bool authorize(const struct app *app, const struct route *rt, struct request *r)
{
	const char *message = NULL;
	const char *tenant = req_query(r, "tenant_id");
	int rc = rt->user_in_query ? auth_authenticate_deferred(r, rt->scopes, &message)
	                           : auth_authenticate(r, &message);

	if (rc != 0 || !r->caller) {
		/* A deferred caller's token may lack the route's scopes (403). */
		deny(app, r, rc >= 400 ? rc : 401, message ? message : "Authentication required",
		     rc == 403 ? rt->scopes : NULL);
		return false;
	}
	if (*rt->scopes && !auth_scope_any(r->caller->scope ? r->caller->scope : "", rt->scopes)) {
		refuse(app, r, 403, "Insufficient permissions", rt->scopes);
		return false;
	}
	/* Data of one tenant only: naming another one is refused, not ignored. */
	if (tenant && *tenant &&
	    (!r->caller->tenant_id || strcasecmp(tenant, r->caller->tenant_id) != 0)) {
		refuse(app, r, 403, "Insufficient permissions", NULL);
		return false;
	}
	return true;
}

/*
 * A handler of a user_in_query route that answered without reading the user
 * row (an error, an empty result): the row is read now, and a refusal replaces
 * the answer, which was only built, not sent.
 */
static void settle_caller(const struct app *app, struct request *r)
{
	const char *message = NULL;
	int rc;

	if (!r->caller || (!r->caller->pending && !r->caller->refused))
		return;
	if ((rc = auth_settle(r, &message)) == 0)
		return;
	if (r->sent) {
		log_error("%s %s: answer sent before the caller was settled", r->method, r->path);
		return;
	}
	buf_reset(&r->headers);
	buf_reset(&r->out);
	r->status = 0;
	r->out_type = NULL;
	deny(app, r, rc, message, r->caller->route_scopes);
}

/*
 * A JSON group takes JSON bodies only: a body sent as a form or as text would
 * otherwise be read as JSON, or refused with a message about its content. An
 * empty body (start, complete, cancel) passes whatever its type; a body
 * without a Content-Type is taken as JSON.
 */
static bool body_type_ok(const struct app *app, const struct route *rt, const struct request *r)
{
	if (!app->json_bodies || rt->other_body || r->body_len == 0)
		return true;
	if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "PATCH") != 0 &&
	    strcmp(r->method, "PUT") != 0)
		return true;
	return req_is_json_type(r);
}

/*
 * A parameter the route does not know is refused, not ignored: a misspelt
 * filter would otherwise list everything. After authentication, so that an
 * anonymous caller learns nothing of the parameters.
 */
static bool query_known(const struct app *app, const struct route *rt, struct request *r)
{
	char *unknown = route_unknown_query(rt, &r->query, r->arena);

	if (!unknown)
		return true;
	refuse(app, r, 400, arena_sprintf(r->arena, "Unknown query parameter: %s", unknown), NULL);
	return false;
}

void app_dispatch(const struct app *app, struct request *r)
{
	const struct route *rt;
	int status = 0;

	rt = route_find(app->routes, r, &status);
	r->route = rt;
	if (!rt) {
		if (status == 405) {
			req_add_header(r, "Allow", route_allowed(app->routes, r->path, r->arena));
			app->error(r, 405, "Method not allowed");
		} else {
			app->error(r, 404, "Not found");
		}
		return;
	}
	if (rt->scopes && !authorize(app, rt, r))
		return;
	if (!query_known(app, rt, r))
		return;
	if (!body_type_ok(app, rt, r)) {
		app->error(r, 415, "Unsupported media type");
		return;
	}
	if (rt->keyed)
		keyed_run(r, r->caller->tenant_id, rt->handler, app->error);
	else
		rt->handler(r);
	if (r->status == 0 && r->out.len == 0) {
		log_error("%s %s: the handler sent nothing", r->method, r->path);
		app->error(r, 500, "Internal server error");
	}
	settle_caller(app, r);
}

/*
 * Reads and drops an unread body (bounded), so the web server, which writes
 * the whole body before it reads the answer, sees our error instead of a
 * broken pipe.
 */
static void drain_body(const struct req_io *io)
{
	char sink[16384];
	size_t total = 0;
	int n;

	while (total < APP_DRAIN_MAX && (n = io->read(io->ctx, sink, (int)sizeof(sink))) > 0)
		total += (size_t)n;
}

static long elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000L;
}

/*
 * A handler that failed because the database is down or restarting answered 500;
 * the client gets the group's envelope with 503 instead, and when to try again. A handler's
 * own 503 (/api/ready, with its reason) is left as it is.
 * A COMMIT cut off by the outage may have taken effect; db_transaction does not
 * run it again, and a client retry with the same Idempotency-Key is answered
 * from the stored response or runs once.
 */
static void unavailable_if_db_down(const struct app *app, struct request *r)
{
	if (r->sent || r->status != 500 || !db_unavailable())
		return;
	buf_reset(&r->headers);
	app->error(r, 503, "Service temporarily unavailable");
	req_add_header(r, "Retry-After", APP_RETRY_AFTER);
}

/*
 * The access log: one line per request at info level, key=value pairs whose format
 * docs/OPERATIONS.md ("Logs") promises. The route is the table's pattern, not the path, so
 * that ids stay out and lines group by endpoint; the request id is also in the line's prefix.
 */
static void log_access(const struct request *r, int status, long us, unsigned long statements)
{
	const struct caller *c = r->caller;
	struct timespec now;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	log_info("access time=%s.%03ldZ id=%s tenant=%s user=%s method=%s route=%s status=%d "
	         "ms=%ld.%ld db=%lu",
	         when, now.tv_nsec / 1000000L,
	         req_env(r, "REQUEST_ID") ? req_env(r, "REQUEST_ID") : "-",
	         c && c->tenant_id ? c->tenant_id : "-", c && c->user_id ? c->user_id : "-",
	         r->method && *r->method ? r->method : "-", r->route ? r->route->pattern : "-",
	         status, us / 1000L, (us % 1000L) / 100L, statements);
}

/* One request from reading to the access log line. */
static void handle_request(const struct app *app, struct request *r, struct arena *a,
                           const struct req_io *io)
{
	struct timespec start;
	enum req_read_result rc;
	unsigned long statements = db_statement_count(), retries = db_retry_count();
	long us;

	clock_gettime(CLOCK_MONOTONIC, &start);
	arena_reset(a);
	r->route = NULL;
	rc = req_read(r, a, io, env_get()->body_max);
	/* Every line logged for this request names it as nginx told the client (X-Request-Id). */
	log_set_request(req_env(r, "REQUEST_ID"));
	switch (rc) {
	case REQ_OK:
		app_dispatch(app, r);
		unavailable_if_db_down(app, r);
		break;
	case REQ_TOO_LARGE:
		drain_body(io);
		app->error(r, 413, "Request body too large");
		break;
	case REQ_BAD:
		drain_body(io);
		app->error(r, 400, r->bad_reason ? r->bad_reason : "Bad request");
		break;
	}
	/* A streamed response (csv_stream_begin) has been sent already. */
	if (!r->sent && req_finish(r, NULL) < 0)
		log_warn("%s %s: the response could not be sent", r->method, r->path);
	us = elapsed_us(&start);
	statements = db_statement_count() - statements;
	log_access(r, r->status ? r->status : 200, us, statements);
	metrics_request(r->route ? (int)(r->route - app->routes) : -1, r->status ? r->status : 200,
	                us, statements, db_retry_count() - retries);
	log_set_request(NULL);
	req_json_release_all(r);
}

/* DB and the group's init, once per serving process (after fork: connections do not survive it). */
static int process_start(const struct app *app, int attempts)
{
	int connected = -1;

	for (int i = 0; i < attempts && !pool_stopping(); i++) {
		if ((connected = db_connect()) == 0)
			break;
		if (i + 1 < attempts)
			sleep(1);
	}
	if (connected < 0)
		log_warn("no database connection yet; it is retried on the next query");
	else
		health_check_schema();
	if (app->init && app->init() < 0) {
		log_error("initialisation failed");
		return -1;
	}
	return 0;
}

static int cgi_read(void *ctx, char *dst, int n)
{
	size_t got = fread(dst, 1, (size_t)n, stdin);

	if (got == 0 && ferror(stdin))
		return -1;
	return (int)got;
}

static int cgi_write(void *ctx, const char *src, int n)
{
	if (fwrite(src, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
		return -1;
	return 0;
}

static int serve_cgi(const struct app *app)
{
	struct req_io io = {cgi_read, cgi_write, NULL, environ};
	struct arena *a = arena_new(APP_ARENA_BLOCK);
	struct request r;
	int rc = 0;

	req_init(&r);
	if (process_start(app, 1) < 0) {
		/* Still answer: the web server then shows our error, not a broken gateway. */
		arena_reset(a);
		req_read(&r, a, &io, 0);
		app->error(&r, 500, "Internal server error");
		req_finish(&r, NULL);
		req_json_release_all(&r);
		rc = 1;
		goto out;
	}
	handle_request(app, &r, a, &io);
out:
	req_release(&r);
	arena_free(a);
	db_close();
	return rc;
}

/* A pool worker's own: its group, its request arena and its request, reused request after request.
 */
struct worker {
	const struct app *app;
	struct arena *arena;
	struct request r;
	char *heap_start; /* the heap's end when the worker started */
};

static int worker_start(void *ctx)
{
	struct worker *w = ctx;

	if (process_start(w->app, APP_DB_ATTEMPTS) < 0)
		return -1;
	w->arena = arena_new(APP_ARENA_BLOCK);
	req_init(&w->r);
	w->heap_start = sbrk(0);
	return 0;
}

/*
 * glibc's trim threshold gives back only the heap's free top. A request that
 * grew the heap under a block still in use (json-c's objects of a large body)
 * leaves its freed pages resident: an auth worker stood at 31 MiB after the
 * reliability suite, 6 MiB after malloc_trim. A worker whose heap has grown
 * past HEAP_SMALL since it started therefore reads its resident size after
 * each request (/proc/self/statm, one read) and gives its free pages back when
 * it is over RESIDENT_MAX. mallinfo2 would not do: the free memory it counts
 * stays the same whether its pages are resident or already given back.
 */
#define HEAP_SMALL (4 * 1024 * 1024)
#define RESIDENT_MAX (8L * 1024 * 1024)

/* The process's resident bytes, or 0 when /proc cannot tell. */
static long resident_bytes(void)
{
	char text[128];
	long pages = 0;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%*d %ld", &pages) != 1)
		return 0;
	return pages * sysconf(_SC_PAGESIZE);
}

static void give_back_free_heap(const struct worker *w)
{
	if ((size_t)((char *)sbrk(0) - w->heap_start) < HEAP_SMALL)
		return;
	if (resident_bytes() > RESIDENT_MAX)
		malloc_trim(0);
}

static void worker_serve(void *ctx, const struct req_io *io)
{
	struct worker *w = ctx;

	handle_request(w->app, &w->r, w->arena, io);
	give_back_free_heap(w);
}

static void worker_finish(void *ctx)
{
	struct worker *w = ctx;

	req_release(&w->r);
	arena_free(w->arena);
	db_close();
}

/*
 * A worker's resident memory should follow its current request, not its
 * largest one (each must stay under 10 MiB: docs/PERFORMANCE.md). glibc raises
 * its mmap and trim thresholds after large frees and then keeps a grown heap;
 * fixed thresholds give large blocks (arena blocks, big pages) back at once and
 * trim the heap's free top.
 */
static void keep_heap_small(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
}

int app_main(const struct app *app, int argc, char **argv)
{
	struct worker w = {.app = app};
	struct pool_work pool = {.name = app->name,
	                         .routes = app->routes,
	                         .start = worker_start,
	                         .serve = worker_serve,
	                         .finish = worker_finish,
	                         .ctx = &w};
	struct options o;
	int rc, workers;

	rc = parse_options(argc, argv, &o);
	if (rc == APP_OPT_VERSION) {
		/* The same line as every installed program: NAME (stocktake) X.Y.Z. */
		printf("%s (stocktake) %s\n", app->name, PACKAGE_VERSION);
		return 0;
	}
	if (rc != 0) {
		usage(app, rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (o.routes) {
		print_routes(app);
		return 0;
	}
	log_set_name(app->name);
	pool.config_path = o.config;
	if (env_load(o.config) < 0)
		return 1;
	workers = o.workers ? o.workers : env_get()->workers;
	/* A client gone mid-response is an error return, not a dead process. */
	signal(SIGPIPE, SIG_IGN);
	keep_heap_small();
	if (FCGX_Init() != 0) {
		log_error("FastCGI initialisation failed");
		return 1;
	}
	if (o.listen)
		return pool_serve_path(&pool, o.listen, workers);
	if (!FCGX_IsCGI())
		return pool_serve_stdin(&pool, workers);
	if (!getenv("REQUEST_METHOD")) {
		log_error("no --listen, no FastCGI socket on stdin and no CGI request");
		usage(app, stderr);
		return 2;
	}
	return serve_cgi(app);
}
