/* Route tables: method + path pattern -> handler, with the access rule of each route. */
#ifndef STOCKTAKE_ROUTE_H
#define STOCKTAKE_ROUTE_H

#include <stdbool.h>

struct arena;
struct kvlist;
struct request;

typedef void (*route_handler)(struct request *r);

struct route {
	const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *pattern; /* "/warehousing/bins/:id": ":name" segments become route params */
	route_handler handler;
	/*
	 * NULL: public. "": any authenticated caller. Otherwise space-separated
	 * scopes of which the caller needs at least one.
	 */
	const char *scopes;
	/*
	 * The handler reads the caller's user row along with its own query
	 * (auth_authenticate_deferred). A handler that writes must have settled
	 * its caller before its first write (the pick's first read carries the
	 * row: itx_input.settle).
	 */
	bool user_in_query;
	/*
	 * The query parameters the route accepts, space-separated ("" for none;
	 * tenant_id is always accepted). NULL: any (the HTML pages tolerate extra
	 * parameters). app_dispatch refuses a request naming another one.
	 */
	const char *query;
	/*
	 * The route takes a body that is not JSON (a login form, a CSV file), so a
	 * JSON group (app.json_bodies) does not answer 415 to it.
	 */
	bool other_body;
	/*
	 * The route creates or records: app_dispatch runs it through keyed_run
	 * (web/keyed.h), so an Idempotency-Key makes its retries safe.
	 */
	bool keyed;
};

/* The parameters every checked route accepts besides its own: the caller's tenant guard. */
#define ROUTE_QUERY_ALWAYS "tenant_id"

/* Matches one pattern; on success adds the ":name" segments to params. */
bool route_match(const char *pattern, const char *path, struct arena *a, struct kvlist *params);

/*
 * Finds the route for r->method and r->path in a table ending with a zeroed
 * entry (first match wins; HEAD uses the GET route). Returns it (route params
 * stored in r->params), or NULL with *status 404 (no pattern matches the path)
 * or 405 (the path matches, the method not). A trailing slash is ignored.
 */
const struct route *route_find(const struct route *routes, struct request *r, int *status);

/*
 * The names in query that rt does not accept (rt->query and ROUTE_QUERY_ALWAYS),
 * each once, comma-separated in the order sent ("transaction_typ, pgae"), in
 * the arena (an empty name is no name); NULL when every name is accepted or rt->query is NULL.
 */
char *route_unknown_query(const struct route *rt, const struct kvlist *query, struct arena *a);

/* The methods whose patterns match path, "GET, POST" (for the Allow header), in the arena. */
char *route_allowed(const struct route *routes, const char *path, struct arena *a);

#endif
