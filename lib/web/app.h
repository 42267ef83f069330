/* The executable's frame: config, DB, FastCGI accept loop (or one CGI request), dispatch. */
#ifndef STOCKTAKE_APP_H
#define STOCKTAKE_APP_H

#include <stdbool.h>

#include "web/route.h"

struct request;

struct app {
	const char *name;           /* "auth", "master_data": for logs and --routes */
	const struct route *routes; /* ends with a zeroed entry */
	/* Sends an error in this group's envelope (ONDI or status envelope). */
	void (*error)(struct request *r, int status, const char *message);
	/*
	 * The group's POST, PATCH and PUT bodies are JSON: one sent with another
	 * Content-Type is answered 415 (routes flagged other_body excepted), and
	 * its 401 and 403 answers carry WWW-Authenticate (auth_challenge).
	 */
	bool json_bodies;
	/* Once per process after config and DB are up; may be NULL. Returns 0 or -1. */
	int (*init)(void);
};

/*
 * Runs the program. Options: --config FILE, --listen SOCKET_PATH (open the
 * unix socket itself), --workers N (prefork N accept loops; default from
 * config), --routes (print "METHOD pattern scopes" per route, then "?a&b" for
 * the query parameters a checked route accepts, and exit), --help, --version
 * (print "NAME (stocktake) X.Y.Z" and exit 0).
 * Without --listen: FastCGI on fd 0 when it is a socket (spawn-fcgi, systemd
 * socket activation with StandardInput=socket), else one plain CGI request.
 * FastCGI runs as a preforked pool (web/pool.h: SIGTERM, SIGHUP reloads,
 * inherited descriptors closed, shared counters); each worker connects to the
 * database and runs app.init before its first request.
 */
int app_main(const struct app *app, int argc, char **argv);

/*
 * Dispatches one parsed request: route lookup (404/405), authentication and
 * scope check when the route asks (401/403), the tenant_id query guard
 * (a tenant_id naming another tenant is 403 "Insufficient permissions"), the
 * query parameters (a name the route does not accept is 400 "Unknown query
 * parameter: a, b"), the 415 of a JSON group (app.json_bodies) to a body that
 * is not JSON (an empty body passes whatever its type), then the handler
 * (through keyed_run, with the group's error envelope, when the route is
 * keyed). A handler that sends nothing yields a 500.
 */
void app_dispatch(const struct app *app, struct request *r);

#endif
