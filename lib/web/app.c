/* The executable's frame: options, config, DB, preforked FastCGI workers or one CGI request,
 * dispatch. */
#include "web/app.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fcgiapp.h>

#include "base/arena.h"
#include "base/env.h"
#include "base/kvlist.h"
#include "db/db.h"
#include "web/auth.h"
#include "web/keyed.h"
#include <json-c/json.h>
#include "base/log.h"
#include "base/words.h"
#include "web/req.h"
#include "web/route.h"

#define APP_ARENA_BLOCK (64 * 1024)
/* Connections waiting for a free worker: a burst beyond it is refused by the kernel (EAGAIN on a
 * unix socket) and nginx answers 503 at once, so it is sized for hundreds of concurrent clients
 * (the kernel caps it at net.core.somaxconn). */
#define APP_LISTEN_BACKLOG 1024
#define APP_DB_ATTEMPTS 5
#define APP_RESTART_DELAY 1 /* seconds before replacing a worker that died young (crash loop) */
#define APP_STOP_GRACE 30   /* seconds workers get to finish before SIGKILL */
#define APP_DRAIN_MAX (16u * 1024 * 1024)
#define APP_EXIT_STARTUP 3  /* a worker's "cannot start" status: restarting would not help */
#define APP_RETRY_AFTER "1" /* seconds a client waits before retrying a 503 (DB restarting) */

extern char **environ;

/* Signal state of this process (supervisor or worker). */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t grace_over;
static volatile sig_atomic_t worker_listen_fd = -1;

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

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/*
 * A handler that failed because the database is down or restarting answered 500;
 * the client gets the group's envelope with 503 instead, and when to try again.
 * A COMMIT cut off by the outage may have taken effect; db_transaction does not
 * run it again, and a client retry with the same Idempotency-Key is answered
 * from the stored response or runs once.
 */
static void unavailable_if_db_down(const struct app *app, struct request *r)
{
	if (r->sent || r->status < 500 || !db_unavailable())
		return;
	buf_reset(&r->headers);
	app->error(r, 503, "Service temporarily unavailable");
	req_add_header(r, "Retry-After", APP_RETRY_AFTER);
}

/* One request from reading to the access log line. */
static void handle_request(const struct app *app, struct request *r, struct arena *a,
                           const struct req_io *io)
{
	struct timespec start;
	enum req_read_result rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	arena_reset(a);
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
	log_debug("%s %s %d %ldms", r->method, r->path, r->status ? r->status : 200,
	          elapsed_ms(&start));
	log_set_request(NULL);
	req_json_release_all(r);
}

/* DB and the group's init, once per serving process (after fork: connections do not survive it). */
static int process_start(const struct app *app, int attempts)
{
	int connected = -1;

	for (int i = 0; i < attempts && !stop_requested; i++) {
		if ((connected = db_connect()) == 0)
			break;
		if (i + 1 < attempts)
			sleep(1);
	}
	if (connected < 0)
		log_warn("no database connection yet; it is retried on the next query");
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

static int fcgi_read(void *ctx, char *dst, int n)
{
	FCGX_Request *fr = ctx;
	int got = FCGX_GetStr(dst, n, fr->in);

	if (got == 0 && FCGX_GetError(fr->in))
		return -1;
	return got;
}

static int fcgi_write(void *ctx, const char *src, int n)
{
	FCGX_Request *fr = ctx;

	return FCGX_PutStr(src, n, fr->out) == n ? 0 : -1;
}

static void worker_on_signal(int sig)
{
	int fd = worker_listen_fd;

	stop_requested = 1;
	/*
	 * Closing our copy of the listening socket makes the next accept fail at
	 * once, even if the signal landed between the flag check and accept().
	 */
	if (fd >= 0) {
		worker_listen_fd = -1;
		close(fd);
	}
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept() or waitpid() must return on the signal. */
	sa.sa_flags = 0;
	sigaction(sig, &sa, NULL);
}

static int worker_run(const struct app *app, int listen_fd, pid_t parent)
{
	struct req_io io = {fcgi_read, fcgi_write, NULL, NULL};
	FCGX_Request fr;
	struct arena *a;
	struct request r;
	sigset_t stop_set;

	set_handler(SIGTERM, worker_on_signal);
	set_handler(SIGINT, worker_on_signal);
	signal(SIGALRM, SIG_DFL);
	worker_listen_fd = listen_fd;
#ifdef __linux__
	/* A supervisor killed with SIGKILL must not leave workers behind. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return 0;
#endif
	if (process_start(app, APP_DB_ATTEMPTS) < 0)
		return APP_EXIT_STARTUP;

	/* Stop signals wait while a request runs: an interrupted DB read or response write would
	 * fail it. */
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_set, NULL);

	a = arena_new(APP_ARENA_BLOCK);
	req_init(&r);
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	io.ctx = &fr;
	while (!stop_requested) {
		int rc;

		sigprocmask(SIG_UNBLOCK, &stop_set, NULL);
		rc = stop_requested ? -1 : FCGX_Accept_r(&fr);
		sigprocmask(SIG_BLOCK, &stop_set, NULL);
		if (rc < 0) {
			if (!stop_requested)
				log_error("accept failed: %s", strerror(rc < -1 ? -rc : errno));
			break;
		}
		io.envp = fr.envp;
		handle_request(app, &r, a, &io);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	req_release(&r);
	arena_free(a);
	db_close();
	return 0;
}

static pid_t spawn_worker(const struct app *app, int listen_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return 0;
	}
	if (pid == 0)
		exit(worker_run(app, listen_fd, parent));
	return pid;
}

static void supervisor_on_signal(int sig)
{
	if (sig == SIGALRM)
		grace_over = 1;
	else
		stop_requested = 1;
}

static int slot_of(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return i;
	return -1;
}

/*
 * Sends SIGTERM to every worker and waits; SIGKILL after the grace period.
 * Returns how many did not exit cleanly.
 */
static int stop_workers(pid_t *pids, int n)
{
	int alive = 0, unclean = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
			alive++;
	alarm(APP_STOP_GRACE);
	while (alive > 0) {
		int st, slot;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno != EINTR)
				break;
			if (grace_over) {
				log_warn("workers still busy after %d s: killing them",
				         APP_STOP_GRACE);
				for (int i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGKILL);
				grace_over = 0;
			}
			continue;
		}
		if ((slot = slot_of(pids, n, pid)) >= 0) {
			pids[slot] = 0;
			alive--;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				log_warn("worker %ld did not stop cleanly", (long)pid);
				unclean++;
			}
		}
	}
	alarm(0);
	return unclean + alive;
}

/*
 * Forks the workers and keeps them running until SIGTERM/SIGINT. A worker that
 * dies is replaced at once (a killed worker must be back within a second); only
 * one that dies within APP_RESTART_DELAY of its start waits that long first, so
 * a crash loop does not spin.
 */
static int supervise(const struct app *app, int listen_fd, int nworkers)
{
	pid_t *pids = calloc((size_t)nworkers, sizeof(*pids));
	struct timespec *started = calloc((size_t)nworkers, sizeof(*started));
	int rc = 0;

	if (!pids || !started)
		log_fatal("out of memory");
	set_handler(SIGTERM, supervisor_on_signal);
	set_handler(SIGINT, supervisor_on_signal);
	set_handler(SIGALRM, supervisor_on_signal);
	log_info("starting %d workers", nworkers);
	for (int i = 0; i < nworkers && !stop_requested; i++) {
		pids[i] = spawn_worker(app, listen_fd);
		clock_gettime(CLOCK_MONOTONIC, &started[i]);
	}

	while (!stop_requested) {
		int st, slot;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			log_error("waitpid failed: %s", strerror(errno));
			rc = 1;
			break;
		}
		if ((slot = slot_of(pids, nworkers, pid)) < 0)
			continue;
		pids[slot] = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == APP_EXIT_STARTUP) {
			log_error("a worker could not start: stopping");
			rc = 1;
			break;
		}
		if (stop_requested)
			break;
		if (WIFSIGNALED(st))
			log_error("worker %ld killed by signal %d: restarting", (long)pid,
			          WTERMSIG(st));
		else
			log_warn("worker %ld exited with status %d: restarting", (long)pid,
			         WEXITSTATUS(st));
		if (elapsed_ms(&started[slot]) < APP_RESTART_DELAY * 1000L)
			sleep(APP_RESTART_DELAY);
		if (!stop_requested) {
			pids[slot] = spawn_worker(app, listen_fd);
			clock_gettime(CLOCK_MONOTONIC, &started[slot]);
		}
	}
	if (stop_workers(pids, nworkers) > 0)
		rc = 1;
	free(started);
	free(pids);
	log_info("stopped");
	return rc;
}

/* Whether a server already accepts connections on the unix socket at path. */
static bool socket_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/*
 * The pool's unix socket at path: mode 0660, group `group` (NULL: ours), so
 * that only the web server's group can reach the handlers.
 */
static int open_listen_socket(const char *path, const char *group, struct stat *created)
{
	struct stat st;
	gid_t gid = (gid_t)-1;
	mode_t old_mask;
	int fd;

	/* libfcgi reads "host:port" as TCP on every interface; only unix sockets are meant here. */
	if (!*path || strchr(path, ':')) {
		log_error("--listen takes a unix socket path, not %s", path);
		return -1;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_error("socket path too long: %s", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s exists and is not a socket", path);
			return -1;
		}
		if (socket_in_use(path)) {
			log_error("%s is in use by another server", path);
			return -1;
		}
		unlink(path);
	}
	if (group) {
		struct group *gr = getgrnam(group);

		if (!gr) {
			log_error("socket_group %s: no such group", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	/* Created 0660 (no window in which anyone may connect), then given to the web server's
	 * group. */
	old_mask = umask(0117);
	fd = FCGX_OpenSocket(path, APP_LISTEN_BACKLOG);
	umask(old_mask);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, 0660) < 0 || (group && chown(path, (uid_t)-1, gid) < 0)) {
		log_error("cannot set the mode or group of %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (lstat(path, created) < 0)
		memset(created, 0, sizeof(*created));
	return fd;
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
	struct options o;
	int rc, workers, listen_fd;

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
	stop_requested = 0;

	if (o.listen) {
		struct stat created, now;

		listen_fd = open_listen_socket(o.listen, env_get()->socket_group, &created);
		if (listen_fd < 0)
			return 1;
		log_info("listening on %s", o.listen);
		rc = supervise(app, listen_fd, workers);
		close(listen_fd);
		/* Only our own socket: a successor may have bound the path meanwhile. */
		if (lstat(o.listen, &now) == 0 && now.st_ino == created.st_ino &&
		    now.st_dev == created.st_dev)
			unlink(o.listen);
		return rc;
	}
	if (!FCGX_IsCGI())
		return supervise(app, 0, workers);
	if (!getenv("REQUEST_METHOD")) {
		log_error("no --listen, no FastCGI socket on stdin and no CGI request");
		usage(app, stderr);
		return 2;
	}
	return serve_cgi(app);
}
