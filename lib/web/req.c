/* One HTTP request and its response over CGI/FastCGI: parameters, body, decoding, output. */
#include "web/req.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/words.h"

void req_init(struct request *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->headers);
	buf_init(&r->out);
	buf_init(&r->wire);
}

void req_release(struct request *r)
{
	buf_release(&r->headers);
	buf_release(&r->out);
	buf_release(&r->wire);
}

const char *req_env(const struct request *r, const char *name)
{
	size_t n = strlen(name);

	if (!r->io || !r->io->envp)
		return NULL;
	for (char **e = r->io->envp; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *req_header(const struct request *r, const char *name)
{
	char var[128];
	size_t p = 0;

	/* CGI passes these two without the HTTP_ prefix. */
	if (strcasecmp(name, "Content-Type") == 0)
		return req_env(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_env(r, "CONTENT_LENGTH");
	if (strlen(name) > sizeof(var) - 6)
		return NULL;
	memcpy(var, "HTTP_", 5);
	p = 5;
	for (const char *c = name; *c; c++)
		var[p++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
	var[p] = '\0';
	return req_env(r, var);
}

const char *req_cookie(const struct request *r, const char *name)
{
	const char *s = req_header(r, "Cookie");
	size_t nlen = strlen(name);

	if (!s)
		return NULL;
	while (*s) {
		const char *end, *eq;

		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		end = strchr(s, ';');
		if (!end)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		if (eq && (size_t)(eq - s) == nlen && memcmp(s, name, nlen) == 0) {
			const char *v = eq + 1;
			size_t vlen = (size_t)(end - v);

			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			return arena_strndup(r->arena, v, vlen);
		}
		s = end;
	}
	return NULL;
}

const char *req_query(const struct request *r, const char *name)
{
	return kvlist_get(&r->query, name);
}

const char *req_param(const struct request *r, const char *name)
{
	return kvlist_get(&r->params, name);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *req_percent_decode(struct arena *a, const char *s, size_t n, bool plus_is_space)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\0')
			return NULL;
		if (c == '%') {
			int hi, lo;

			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return NULL;
			/* A decoded NUL would cut the C string short behind our checks. */
			if (hi == 0 && lo == 0)
				return NULL;
			out[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			out[j++] = ' ';
		} else {
			out[j++] = c;
		}
	}
	out[j] = '\0';
	return out;
}

int req_parse_urlencoded(struct arena *a, const char *s, size_t n, struct kvlist *out)
{
	size_t i = 0;

	while (i < n) {
		const char *seg = s + i, *amp, *eq;
		size_t len;
		char *key, *value;

		amp = memchr(seg, '&', n - i);
		len = amp ? (size_t)(amp - seg) : n - i;
		i += len + 1;
		if (len == 0)
			continue;
		eq = memchr(seg, '=', len);
		if (eq) {
			key = req_percent_decode(a, seg, (size_t)(eq - seg), true);
			value = req_percent_decode(a, eq + 1, len - (size_t)(eq - seg) - 1, true);
		} else {
			key = req_percent_decode(a, seg, len, true);
			value = arena_strdup(a, "");
		}
		if (!key || !value)
			return -1;
		if (*key)
			kvlist_add(a, out, key, value);
	}
	return 0;
}

/* The media type of a Content-Type value (before ';') equals want, ignoring case. */
static bool media_is(const char *ct, const char *want)
{
	size_t n;

	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

bool req_is_form(const struct request *r)
{
	return media_is(r->content_type, "application/x-www-form-urlencoded");
}

bool req_is_json(const struct request *r)
{
	const char *b = r->body;

	if (media_is(r->content_type, "application/json"))
		return true;
	if (r->content_type && *r->content_type)
		return false;
	while (b && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
		b++;
	return b && *b == '{';
}

/* Parses CONTENT_LENGTH: digits only, no overflow. */
static int parse_length(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static const char *read_path(struct request *r)
{
	const char *s = req_env(r, "DOCUMENT_URI");
	const char *script, *info;

	if (s && *s)
		return s;
	s = req_env(r, "REQUEST_URI");
	if (s && *s)
		return req_percent_decode(r->arena, s, strcspn(s, "?"), false);
	script = req_env(r, "SCRIPT_NAME");
	info = req_env(r, "PATH_INFO");
	return arena_sprintf(r->arena, "%s%s", script ? script : "", info ? info : "");
}

static enum req_read_result read_body(struct request *r, size_t body_max)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");
	size_t len, got = 0;
	char *body;

	if (!cl || !*cl)
		return REQ_OK;
	if (parse_length(cl, &len) < 0) {
		r->bad_reason = "Malformed Content-Length";
		return REQ_BAD;
	}
	if (len > body_max)
		return REQ_TOO_LARGE;
	if (len == 0)
		return REQ_OK;
	body = arena_alloc(r->arena, len + 1);
	while (got < len) {
		size_t want = len - got;
		int n = r->io->read(r->io->ctx, body + got, want > INT_MAX ? INT_MAX : (int)want);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < len) {
		r->bad_reason = "Incomplete request body";
		return REQ_BAD;
	}
	body[len] = '\0';
	r->body = body;
	r->body_len = len;
	return REQ_OK;
}

enum req_read_result req_read(struct request *r, struct arena *a, const struct req_io *io,
                              size_t body_max)
{
	const char *s;

	r->arena = a;
	r->io = io;
	buf_reset(&r->headers);
	buf_reset(&r->out);
	buf_reset(&r->wire);
	r->status = 0;
	r->sent = false;
	r->out_type = NULL;
	r->caller = NULL;
	r->bad_reason = NULL;
	memset(&r->query, 0, sizeof(r->query));
	memset(&r->params, 0, sizeof(r->params));
	/* The previous request's list lived in the arena, which has been reset. */
	r->json_owned = NULL;
	r->json_owned_n = r->json_owned_cap = 0;
	r->body = "";
	r->body_len = 0;

	s = req_env(r, "REQUEST_METHOD");
	r->method = s && *s ? s : "GET";
	s = req_env(r, "QUERY_STRING");
	r->query_string = s ? s : "";
	s = req_env(r, "CONTENT_TYPE");
	r->content_type = s ? s : "";
	s = req_env(r, "HTTPS");
	r->https = s && (strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0);

	r->path = read_path(r);
	if (!r->path) {
		r->path = "/";
		r->bad_reason = "Malformed path";
		return REQ_BAD;
	}
	if (!*r->path)
		r->path = "/";
	if (req_parse_urlencoded(a, r->query_string, strlen(r->query_string), &r->query) < 0) {
		r->bad_reason = "Malformed query string";
		return REQ_BAD;
	}
	return read_body(r, body_max);
}

void req_set_status(struct request *r, int status)
{
	r->status = status;
}

/* RFC 9110 token characters, the only ones allowed in a header name. */
static bool header_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("!#$%&'*+-.^_`|~", *c))
			return false;
	return true;
}

void req_add_header(struct request *r, const char *name, const char *value)
{
	if (!header_name_ok(name)) {
		log_warn("req: header name \"%s\" refused", name);
		return;
	}
	buf_puts(&r->headers, name);
	buf_puts(&r->headers, ": ");
	/* Control characters (CR and LF above all) could start a header of their own. */
	for (const char *c = value ? value : ""; *c; c++)
		if ((unsigned char)*c >= 0x20 && *c != 0x7f)
			buf_putc(&r->headers, *c);
		else if (*c == '\t')
			buf_putc(&r->headers, ' ');
	buf_puts(&r->headers, "\r\n");
}

/* Whether the extra headers already carry name. */
static bool has_header(const struct buf *h, const char *name)
{
	size_t n = strlen(name);
	const char *line = buf_cstr(h);

	while (*line) {
		if (strncasecmp(line, name, n) == 0 && line[n] == ':')
			return true;
		line = strstr(line, "\r\n");
		if (!line)
			break;
		line += 2;
	}
	return false;
}

int req_finish(struct request *r, const char *content_type)
{
	int status = r->status ? r->status : 200;
	bool has_body = !(status == 204 || status == 304 || (status >= 100 && status < 200));
	/* RFC 3875: no body for HEAD, but the headers of the GET answer. */
	bool head = r->method && strcmp(r->method, "HEAD") == 0;
	struct buf *w = &r->wire;

	if (r->sent)
		return -1;
	r->sent = true;
	if (!content_type)
		content_type = r->out_type;

	buf_reset(w);
	buf_appendf(w, "Status: %d %s\r\n", status, req_status_text(status));
	if (content_type)
		buf_appendf(w, "Content-Type: %s\r\n", content_type);
	if (has_body)
		buf_appendf(w, "Content-Length: %zu\r\n", r->out.len);
	/* API answers carry tokens and tenant data: no cache should keep them. */
	if (media_is(content_type, "application/json") && !has_header(&r->headers, "Cache-Control"))
		buf_puts(w, "Cache-Control: no-store\r\n");
	buf_append(w, r->headers.data ? r->headers.data : "", r->headers.len);
	buf_puts(w, "\r\n");
	if (has_body && !head)
		buf_append(w, r->out.data ? r->out.data : "", r->out.len);

	if (w->len > INT_MAX || !r->io || !r->io->write) {
		log_error("req: cannot send a response of %zu bytes", w->len);
		return -1;
	}
	return r->io->write(r->io->ctx, w->data, (int)w->len) < 0 ? -1 : 0;
}

const char *req_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	if (status >= 200 && status < 300)
		return "OK";
	if (status >= 400 && status < 500)
		return "Bad Request";
	return "Internal Server Error";
}

void req_json_own(struct request *r, struct json_object *obj)
{
	if (!obj)
		return;
	if (r->json_owned_n == r->json_owned_cap) {
		size_t cap = r->json_owned_cap ? r->json_owned_cap * 2 : 8;
		struct json_object **items = arena_alloc(r->arena, cap * sizeof(*items));

		if (r->json_owned_n)
			memcpy(items, r->json_owned, r->json_owned_n * sizeof(*items));
		r->json_owned = items;
		r->json_owned_cap = cap;
	}
	r->json_owned[r->json_owned_n++] = obj;
}

void req_json_release_all(struct request *r)
{
	for (size_t i = 0; i < r->json_owned_n; i++)
		json_object_put(r->json_owned[i]);
	r->json_owned = NULL;
	r->json_owned_n = r->json_owned_cap = 0;
}

/* Appends s percent-encoded: all but the unreserved characters of RFC 3986. */
static void put_url_arg(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_putc(b, (char)*p);
		else
			buf_appendf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

void req_link(struct buf *b, const struct request *r, const char *drop, const char *name,
              const char *value)
{
	char sep = '?';

	buf_puts(b, r->path);
	for (size_t i = 0; i < r->query.n; i++) {
		const struct kv *kv = &r->query.items[i];

		if (!*kv->key || !kv->value || !*kv->value || words_has(drop, kv->key))
			continue;
		buf_putc(b, sep);
		sep = '&';
		put_url_arg(b, kv->key);
		buf_putc(b, '=');
		put_url_arg(b, kv->value);
	}
	buf_putc(b, sep);
	put_url_arg(b, name);
	buf_putc(b, '=');
	put_url_arg(b, value);
}
