/* Reading multipart/form-data bodies (RFC 7578): parts point into the body, only names are copied.
 */
#include "web/multipart.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"

#define DEFAULT_PARTS 32
#define DEFAULT_PART_LEN (1024 * 1024)
#define DEFAULT_HEADER_LEN 4096

/* A span of bytes of the body or the header (not NUL-terminated). */
struct span {
	const char *p;
	const char *end;
};

/* What a parse walks with: the body, the delimiter "--boundary", the line break in use. */
struct walk {
	struct arena *a;
	const char *body, *end;
	const char *dash; /* "--" boundary */
	size_t dash_len;
	const char *nl; /* "\r\n" or "\n" */
	size_t nl_len;
	struct multipart_limits lim;
	const char *msg;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct span *s)
{
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
}

/* A token character of RFC 7230 (header and parameter names). */
static bool is_tchar(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

/* Whether the span (trimmed by the caller) is word, ignoring case. */
static bool span_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(p, word, n) == 0;
}

/*
 * The next "; name=value" of a header value: name a token, value a token or a
 * quoted string. Quoted strings run to the next '"' as browsers write them
 * (the HTML standard percent-encodes '"', CR and LF in names and file names
 * and escapes nothing else, so a backslash is a character, e.g. of a Windows
 * path). 1 with the parameter, 0 at the end, -1 when malformed.
 */
static int next_param(struct span *s, struct span *name, struct span *value)
{
	skip_blanks(s);
	if (s->p == s->end)
		return 0;
	if (*s->p++ != ';')
		return -1;
	skip_blanks(s);
	name->p = s->p;
	while (s->p < s->end && is_tchar((unsigned char)*s->p) && *s->p != '=')
		s->p++;
	name->end = s->p;
	skip_blanks(s);
	if (name->p == name->end || s->p == s->end || *s->p++ != '=')
		return -1;
	skip_blanks(s);
	if (s->p < s->end && *s->p == '"') {
		value->p = ++s->p;
		while (s->p < s->end && *s->p != '"')
			s->p++;
		if (s->p == s->end)
			return -1;
		value->end = s->p++;
		return 1;
	}
	/* Unquoted: up to a ';' or a blank; a stray quote makes it malformed. */
	value->p = s->p;
	while (s->p < s->end && *s->p != ';' && !is_blank(*s->p))
		if (*s->p++ == '"')
			return -1;
	value->end = s->p;
	return value->p == value->end ? -1 : 1;
}

/* The media type at the start of a header value, trimmed; s moves past it. */
static struct span media_type(struct span *s)
{
	struct span t;

	skip_blanks(s);
	t.p = s->p;
	while (s->p < s->end && *s->p != ';')
		s->p++;
	t.end = s->p;
	while (t.end > t.p && is_blank(t.end[-1]))
		t.end--;
	return t;
}

/* A boundary character of RFC 2046 (bchars); a space may not end it. */
static bool boundary_ok(const char *p, size_t n)
{
	if (n == 0 || n > MULTIPART_BOUNDARY_MAX || p[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !strchr("'()+_,-./:=? ", c))
			return false;
	}
	return true;
}

const char *multipart_boundary(struct arena *a, const char *content_type, const char **msg)
{
	struct span s = {content_type ? content_type : "", NULL}, t, name, value;
	const char *found = NULL;
	int rc;

	s.end = s.p + strlen(s.p);
	t = media_type(&s);
	if (!span_is(t.p, (size_t)(t.end - t.p), "multipart/form-data")) {
		*msg = "the form must be sent as multipart/form-data";
		return NULL;
	}
	while ((rc = next_param(&s, &name, &value)) > 0) {
		if (!span_is(name.p, (size_t)(name.end - name.p), "boundary"))
			continue;
		if (found) {
			*msg = "the Content-Type names two boundaries";
			return NULL;
		}
		if (!boundary_ok(value.p, (size_t)(value.end - value.p))) {
			*msg = "the boundary is empty, too long or has characters RFC 2046 does "
			       "not allow";
			return NULL;
		}
		found = arena_strndup(a, value.p, (size_t)(value.end - value.p));
	}
	if (rc < 0 || !found) {
		*msg = rc < 0 ? "the Content-Type's parameters are malformed"
		              : "the Content-Type has no boundary";
		return NULL;
	}
	return found;
}

/* ---- the body ------------------------------------------------------------------------ */

static long fail(struct walk *w, const char *msg)
{
	w->msg = msg;
	return -1;
}

/*
 * Whether the "--boundary" at p is a delimiter line: followed by "--" (the
 * close, *closing set) or by blanks and a line break, *next after it. With
 * w->nl unset (the first delimiter), the line break found sets it.
 */
static bool delimiter_at(struct walk *w, const char *p, bool *closing, const char **next)
{
	const char *q = p + w->dash_len;

	if (w->end - q >= 2 && q[0] == '-' && q[1] == '-') {
		*closing = true;
		*next = q + 2;
		return true;
	}
	while (q < w->end && is_blank(*q))
		q++;
	if (!w->nl) {
		if (w->end - q >= 2 && q[0] == '\r' && q[1] == '\n')
			w->nl = "\r\n";
		else if (q < w->end && q[0] == '\n')
			w->nl = "\n";
		else
			return false;
		w->nl_len = strlen(w->nl);
	}
	if ((size_t)(w->end - q) < w->nl_len || memcmp(q, w->nl, w->nl_len) != 0)
		return false;
	*closing = false;
	*next = q + w->nl_len;
	return true;
}

/* The first delimiter: at the very start or at the start of a line of the preamble. */
static const char *first_delimiter(struct walk *w, bool *closing, const char **next)
{
	const char *p = w->body;

	while (p && (size_t)(w->end - p) >= w->dash_len) {
		if ((p == w->body || p[-1] == '\n') && memcmp(p, w->dash, w->dash_len) == 0 &&
		    delimiter_at(w, p, closing, next))
			return p;
		p = memchr(p, '\n', (size_t)(w->end - p));
		if (p)
			p++;
	}
	return NULL;
}

/*
 * The delimiter ending data that starts at from: a line break, "--boundary"
 * and a proper line end. Sets *data_end (the line break belongs to the
 * delimiter), *closing and *next.
 */
static bool next_delimiter(struct walk *w, const char *from, const char **data_end, bool *closing,
                           const char **next)
{
	const char *p = from;

	while ((size_t)(w->end - p) >= w->nl_len + w->dash_len) {
		const char *hit = memmem(p, (size_t)(w->end - p), w->dash, w->dash_len);

		if (!hit)
			return false;
		if ((size_t)(hit - from) >= w->nl_len &&
		    memcmp(hit - w->nl_len, w->nl, w->nl_len) == 0 &&
		    delimiter_at(w, hit, closing, next)) {
			*data_end = hit - w->nl_len;
			return true;
		}
		p = hit + 1;
	}
	return false;
}

/* Reads Content-Disposition: form-data; name="..."[; filename="..."] into part. */
static int disposition(struct walk *w, struct span v, struct multipart_part *part)
{
	struct span t = media_type(&v), name, value;
	int rc;

	if (!span_is(t.p, (size_t)(t.end - t.p), "form-data"))
		return (int)fail(w, "a part's Content-Disposition is not form-data");
	while ((rc = next_param(&v, &name, &value)) > 0) {
		size_t n = (size_t)(name.end - name.p);
		const char **slot = span_is(name.p, n, "name")       ? &part->name
		                    : span_is(name.p, n, "filename") ? &part->filename
		                                                     : NULL;

		if (!slot)
			continue; /* filename* and others: RFC 7578 4.2 says not to send them */
		if (*slot)
			return (int)fail(w, "a part's Content-Disposition repeats a parameter");
		*slot = arena_strndup(w->a, value.p, (size_t)(value.end - value.p));
	}
	if (rc < 0)
		return (int)fail(w, "a part's Content-Disposition is malformed");
	return 0;
}

/* One header line (without its line break) of a part. */
static int header_line(struct walk *w, struct span line, struct multipart_part *part, bool *seen)
{
	struct span name = {line.p, line.p};

	if (is_blank(*line.p))
		return (int)fail(w, "folded header lines are not accepted");
	for (const char *c = line.p; c < line.end; c++)
		if (((unsigned char)*c < 32 && *c != '\t') || *c == 127)
			return (int)fail(w, "a part's header has a control character");
	while (name.end < line.end && is_tchar((unsigned char)*name.end))
		name.end++;
	if (name.end == name.p || name.end == line.end || *name.end != ':')
		return (int)fail(w, "a part's header line is malformed");
	line.p = name.end + 1;
	if (span_is(name.p, (size_t)(name.end - name.p), "Content-Disposition")) {
		if (*seen)
			return (int)fail(w, "a part has two Content-Disposition headers");
		*seen = true;
		return disposition(w, line, part);
	}
	if (span_is(name.p, (size_t)(name.end - name.p), "Content-Type")) {
		skip_blanks(&line);
		while (line.end > line.p && is_blank(line.end[-1]))
			line.end--;
		part->content_type = arena_strndup(w->a, line.p, (size_t)(line.end - line.p));
	}
	return 0;
}

/* The header section of a part starting at p, up to its blank line; *data after it. */
static int headers(struct walk *w, const char *p, struct multipart_part *part, const char **data)
{
	const char *limit =
	    w->end - p > (long)w->lim.max_header_len ? p + w->lim.max_header_len : w->end;
	bool seen = false;

	for (;;) {
		const char *eol = memmem(p, (size_t)(w->end - p), w->nl, w->nl_len);

		if (!eol || eol + w->nl_len > limit)
			return (int)fail(w, eol ? "a part's header section is too long"
			                        : "the body ends inside a part's header section");
		if (eol == p)
			break;
		if (header_line(w, (struct span){p, eol}, part, &seen) < 0)
			return -1;
		p = eol + w->nl_len;
	}
	if (!part->name || !*part->name)
		return (int)fail(w,
		                 "a part has no name (Content-Disposition: form-data; name=...)");
	*data = p + w->nl_len;
	return 0;
}

/* Appends part to *parts (capacity *cap, doubled in the arena as needed). */
static void push(struct walk *w, struct multipart_part **parts, size_t n, size_t *cap,
                 const struct multipart_part *part)
{
	if (n == *cap) {
		struct multipart_part *grown;

		*cap = *cap ? *cap * 2 : 4;
		grown = arena_alloc(w->a, *cap * sizeof(*grown));
		if (n)
			memcpy(grown, *parts, n * sizeof(*grown));
		*parts = grown;
	}
	(*parts)[n] = *part;
}

static void defaults(struct multipart_limits *lim, const struct multipart_limits *given)
{
	if (given)
		*lim = *given;
	if (!lim->max_parts)
		lim->max_parts = DEFAULT_PARTS;
	if (!lim->max_part_len)
		lim->max_part_len = DEFAULT_PART_LEN;
	if (!lim->max_header_len)
		lim->max_header_len = DEFAULT_HEADER_LEN;
}

long multipart_parse(struct arena *a, const char *content_type, const char *body, size_t len,
                     const struct multipart_limits *limits, struct multipart_part **parts,
                     const char **msg)
{
	struct walk w = {.a = a, .body = body ? body : "", .end = (body ? body : "") + len};
	const char *boundary = multipart_boundary(a, content_type, msg), *next;
	size_t n = 0, cap = 0;
	bool closing = false;

	*parts = NULL;
	if (!boundary)
		return -1;
	defaults(&w.lim, limits);
	w.dash = arena_sprintf(a, "--%s", boundary);
	w.dash_len = strlen(w.dash);
	if (!first_delimiter(&w, &closing, &next)) {
		*msg = "the body has no boundary line";
		return -1;
	}
	while (!closing) {
		struct multipart_part part = {0};
		const char *data, *data_end;

		if (n == w.lim.max_parts)
			return (*msg = "the form has too many parts", -1);
		if (headers(&w, next, &part, &data) < 0)
			return (*msg = w.msg, -1);
		if (!next_delimiter(&w, data, &data_end, &closing, &next))
			return (*msg = "the body ends before the closing boundary", -1);
		part.data = data;
		part.len = (size_t)(data_end - data);
		if (part.len > w.lim.max_part_len)
			return (*msg = "a part of the form is too large", -1);
		push(&w, parts, n++, &cap, &part);
	}
	return (long)n;
}

const struct multipart_part *multipart_get(const struct multipart_part *parts, size_t n,
                                           const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}
