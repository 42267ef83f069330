/* One HTTP request and its response, read from FastCGI or plain CGI. */
#ifndef STOCKTAKE_REQ_H
#define STOCKTAKE_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/kvlist.h"

struct arena;
struct json_object;

/* The authenticated caller, filled by auth_authenticate(). */
struct route;

struct caller {
	const char *user_id;
	const char *tenant_id;
	const char *username;
	const char *scope; /* space-separated */
	long iat;          /* the token's issue time (0 when it had none) */
	/*
	 * auth_authenticate_deferred(): the token is verified but the user row
	 * not read yet; a statement of the handler reads it (auth_probe, db/user_probe.h), or
	 * auth_settle() does. Until then scope is the token's, username NULL.
	 */
	bool pending;
	const char *route_scopes; /* checked again once the user row is read */
	int refused;              /* the settled outcome: 0, or 401/403 with refusal */
	const char *refusal;
	const char *time_zone; /* the tenant's, once a page asked for it (html/page.h page_zone) */
};

/* How the request's bytes move: FastCGI streams or CGI stdio. */
struct req_io {
	/* Reads up to n body bytes; returns count, 0 at end, -1 on error. */
	int (*read)(void *ctx, char *dst, int n);
	/* Writes all n bytes; returns 0 or -1. */
	int (*write)(void *ctx, const char *src, int n);
	void *ctx;
	char **envp; /* CGI/FastCGI parameters, "NAME=value" */
};

struct request {
	struct arena *arena;
	const struct req_io *io;

	const char *method;       /* REQUEST_METHOD */
	const char *path;         /* percent-decoded path, no query string */
	const char *query_string; /* raw QUERY_STRING ("" when absent) */
	struct kvlist query;      /* percent-decoded query parameters */
	struct kvlist params;     /* route parameters (":id" -> "id") */
	const char *content_type; /* CONTENT_TYPE or "" */
	const char *body;         /* NUL-terminated, body_len bytes ("" when none) */
	size_t body_len;
	bool https; /* HTTPS=on from the server */

	struct caller *caller; /* NULL until authenticated */
	/* The route app_dispatch matched, NULL until then or when none did: the access log's
	 * pattern and the metrics' route label. */
	const struct route *route;

	/* Response being built; sent by req_finish(). */
	int status;
	struct buf headers; /* extra header lines, each ending in "\r\n" */
	struct buf out;     /* body */
	bool sent;
	const char
	    *out_type; /* Content-Type req_finish uses when given NULL (envelope_reply sets it) */

	/* Internals, reused from request to request. */
	struct buf wire;                 /* the assembled response, sent in one write */
	const char *bad_reason;          /* why req_read returned REQ_BAD */
	struct json_object **json_owned; /* req_json_own() list, in the arena */
	size_t json_owned_n, json_owned_cap;
};

enum req_read_result { REQ_OK = 0, REQ_TOO_LARGE = 1, REQ_BAD = 2 };

/* Zeroes r and its buffers once per process (or test); req_read reuses them. */
void req_init(struct request *r);
/* Frees the buffers req_init/req_read set up (json objects: req_json_release_all first). */
void req_release(struct request *r);

/*
 * Fills r from io: method, path, query, headers, body (at most body_max bytes;
 * larger bodies give REQ_TOO_LARGE without reading them all). buffers are reused:
 * r->headers and r->out must have been buf_init'ed once and are reset here.
 * The path is DOCUMENT_URI (nginx, already decoded), else REQUEST_URI without
 * its query (percent-decoded here), else SCRIPT_NAME + PATH_INFO. REQ_BAD
 * (r->bad_reason says why) for a malformed query string, path or
 * CONTENT_LENGTH, or a body shorter than announced. method and path are set
 * even then, for the access log.
 */
enum req_read_result req_read(struct request *r, struct arena *a, const struct req_io *io,
                              size_t body_max);

/* A CGI/FastCGI parameter ("REQUEST_METHOD", "HTTP_AUTHORIZATION"), or NULL. */
const char *req_env(const struct request *r, const char *name);
/* An HTTP request header by its usual name ("Authorization", "Idempotency-Key"), or NULL. */
const char *req_header(const struct request *r, const char *name);
/* A cookie value from the Cookie header, or NULL. */
const char *req_cookie(const struct request *r, const char *name);
/* Query parameter (decoded) or NULL; an empty value is "" (callers treat "" as absent where the
 * docs do). */
const char *req_query(const struct request *r, const char *name);
/* Route parameter or NULL. */
const char *req_param(const struct request *r, const char *name);

/* Percent-decodes n bytes of s; '+' becomes ' ' when plus_is_space. NULL if malformed (%zz, NUL
 * byte). */
char *req_percent_decode(struct arena *a, const char *s, size_t n, bool plus_is_space);
/*
 * Appends r->path and its query to b as a link to more of the same list: every
 * parameter sent but those named in drop (space-separated) and empty ones,
 * then name=value; each name and value percent-encoded.
 */
void req_link(struct buf *b, const struct request *r, const char *drop, const char *name,
              const char *value);
/* Parses "a=1&b=2" (query string or x-www-form-urlencoded body) into out. -1 if malformed. */
int req_parse_urlencoded(struct arena *a, const char *s, size_t n, struct kvlist *out);
/* True when the body is application/x-www-form-urlencoded. */
bool req_is_form(const struct request *r);
/* True when the body is application/json (or no content type with a '{' body). */
bool req_is_json(const struct request *r);
/*
 * True when the Content-Type names JSON or is absent: application/json or
 * application/<anything>+json, with any parameters (charset). A JSON route
 * answers 415 to a body of another type.
 */
bool req_is_json_type(const struct request *r);

/* Response building. */
void req_set_status(struct request *r, int status);
/* Adds "Name: value\r\n"; CR/LF in value are dropped so no header can be injected. */
void req_add_header(struct request *r, const char *name, const char *value);
/*
 * Writes "Status: N Reason", Content-Type (content_type, else r->out_type;
 * none when both are NULL), Content-Length, "Cache-Control: no-store" for JSON
 * unless r->headers has a Cache-Control, the extra headers, the blank line and
 * the body, in one io->write. Status 0 is sent as 200; 204 and 304 carry no
 * body and no Content-Length; HEAD gets the headers only. A second call does
 * nothing and returns -1.
 */
int req_finish(struct request *r, const char *content_type);

/* Standard reason phrase for a status code ("Not Found"). */
const char *req_status_text(int status);

/* Registers obj to be released when the request ends (so handlers need not put it). */
void req_json_own(struct request *r, struct json_object *obj);
/* Releases every object registered with req_json_own (called by the app loop). */
void req_json_release_all(struct request *r);

#endif
