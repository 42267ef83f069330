/* Route tables: segment-wise path matching with ":name" parameters, 404/405 lookup. */
#include "web/route.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/kvlist.h"
#include "base/words.h"
#include "web/req.h"

#define ROUTE_MAX_PARAMS 16

/* One path segment: from s up to the next '/' or the end. */
static size_t seg_len(const char *s)
{
	return strcspn(s, "/");
}

bool route_match(const char *pattern, const char *path, struct arena *a, struct kvlist *params)
{
	struct {
		const char *name, *value;
		size_t name_len, value_len;
	} found[ROUTE_MAX_PARAMS];
	size_t nfound = 0;
	const char *p = pattern, *q = path;

	if (*p != '/' || *q != '/')
		return false;
	for (;;) {
		size_t plen, qlen;

		p++;
		q++;
		/* "/a/b/" matches "/a/b": a single trailing slash ends the path too. */
		if (*p == '\0' && *q == '\0')
			break;
		plen = seg_len(p);
		qlen = seg_len(q);
		if (*p == '\0' || qlen == 0)
			return false;
		if (*p == ':') {
			if (nfound == ROUTE_MAX_PARAMS)
				return false;
			found[nfound].name = p + 1;
			found[nfound].name_len = plen - 1;
			found[nfound].value = q;
			found[nfound].value_len = qlen;
			nfound++;
		} else if (plen != qlen || memcmp(p, q, plen) != 0) {
			return false;
		}
		p += plen;
		q += qlen;
		if (*p == '\0' && (*q == '\0' || (q[0] == '/' && q[1] == '\0')))
			break;
		if (*p == '\0' || *q == '\0')
			return false;
	}
	/* Only a full match stores parameters, so a failed pattern leaves params alone. */
	if (params && a)
		for (size_t i = 0; i < nfound; i++)
			kvlist_add(a, params, arena_strndup(a, found[i].name, found[i].name_len),
			           arena_strndup(a, found[i].value, found[i].value_len));
	return true;
}

/* HEAD is answered by the GET route (req_finish leaves the body out). */
static bool method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

const struct route *route_find(const struct route *routes, struct request *r, int *status)
{
	bool path_known = false;

	memset(&r->params, 0, sizeof(r->params));
	for (const struct route *rt = routes; rt->method; rt++) {
		/* route_match stores params only on a full match, so one call per route suffices.
		 */
		if (method_matches(rt->method, r->method)) {
			if (route_match(rt->pattern, r->path, r->arena, &r->params)) {
				if (status)
					*status = 200;
				return rt;
			}
		} else if (route_match(rt->pattern, r->path, NULL, NULL)) {
			path_known = true;
		}
	}
	if (status)
		*status = path_known ? 405 : 404;
	return NULL;
}

char *route_allowed(const struct route *routes, const char *path, struct arena *a)
{
	struct buf b;
	char *out;

	buf_init(&b);
	for (const struct route *rt = routes; rt->method; rt++) {
		if (!route_match(rt->pattern, path, NULL, NULL))
			continue;
		/* Skip a method already listed by an earlier route. */
		bool dup = false;
		for (const struct route *e = routes; e < rt; e++)
			if (strcmp(e->method, rt->method) == 0 &&
			    route_match(e->pattern, path, NULL, NULL))
				dup = true;
		if (dup)
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, rt->method);
	}
	out = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* Whether the name of query's item i was already seen among items 0..i-1. */
static bool named_before(const struct kvlist *query, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(query->items[j].key, query->items[i].key) == 0)
			return true;
	return false;
}

char *route_unknown_query(const struct route *rt, const struct kvlist *query, struct arena *a)
{
	struct buf b;
	char *out = NULL;

	if (!rt->query)
		return NULL;
	buf_init(&b);
	for (size_t i = 0; i < query->n; i++) {
		const char *name = query->items[i].key;

		/* A stray "&" or "=x" names nothing. */
		if (!*name || words_has(rt->query, name) || words_has(ROUTE_QUERY_ALWAYS, name) ||
		    named_before(query, i))
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, name);
	}
	if (b.len)
		out = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return out;
}
