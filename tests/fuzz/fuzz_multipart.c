/*
 * Fuzz driver: multipart/form-data bodies (the count import's upload). The
 * input's first line is the Content-Type, the rest the body. It goes through
 * multipart_boundary and multipart_parse, with the defaults and with small
 * limits.
 *
 * Properties: a refusal says why; every part has a name and its data lies
 * inside the body, in order, without overlapping another part; the limits
 * hold; parts written again as a browser writes them (CRLF, and LF too) and
 * parsed back give the same names, file names, types and bytes, whenever the
 * data cannot be mistaken for a boundary line in that form.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "fuzz.h"
#include "web/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parts(const struct multipart_part *parts, long n, const char *body, size_t len,
                        const struct multipart_limits *lim)
{
	const char *prev_end = body;

	if (lim && lim->max_parts && (size_t)n > lim->max_parts)
		fuzz_fail("%ld parts over the limit of %zu", n, lim->max_parts);
	for (long i = 0; i < n; i++) {
		const struct multipart_part *p = &parts[i];

		if (!p->name || !*p->name)
			fuzz_fail("part %ld has no name", i);
		if (p->data < prev_end || p->data + p->len > body + len)
			fuzz_fail("part %ld's data lies outside the body or overlaps part %ld", i,
			          i - 1);
		if (lim && lim->max_part_len && p->len > lim->max_part_len)
			fuzz_fail("part %ld has %zu bytes over the limit of %zu", i, p->len,
			          lim->max_part_len);
		if (multipart_get(parts, (size_t)n, p->name) > p)
			fuzz_fail("multipart_get(\"%s\") is not the first part of that name",
			          p->name);
		prev_end = p->data + p->len;
	}
}

/* Whether data holds nl "--" boundary: written again in that form, it could end the part. */
static bool looks_like_delimiter(const struct multipart_part *p, const char *nl,
                                 const char *boundary)
{
	char pat[MULTIPART_BOUNDARY_MAX + 8];
	size_t n = (size_t)snprintf(pat, sizeof(pat), "%s--%s", nl, boundary);

	return p->len >= n && memmem(p->data, p->len, pat, n) != NULL;
}

/* Writes the parts as a browser would, with line break nl. */
static void write_parts(struct buf *b, const struct multipart_part *parts, long n,
                        const char *boundary, const char *nl)
{
	for (long i = 0; i < n; i++) {
		buf_appendf(b, "--%s%sContent-Disposition: form-data; name=\"%s\"", boundary, nl,
		            parts[i].name);
		if (parts[i].filename)
			buf_appendf(b, "; filename=\"%s\"", parts[i].filename);
		buf_appendf(b, "%s", nl);
		if (parts[i].content_type)
			buf_appendf(b, "Content-Type: %s%s", parts[i].content_type, nl);
		buf_appendf(b, "%s", nl);
		buf_append(b, parts[i].data, parts[i].len);
		buf_appendf(b, "%s", nl);
	}
	buf_appendf(b, "--%s--%s", boundary, nl);
}

static bool same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

static void check_round_trip(struct arena *a, const char *ct, const struct multipart_part *parts,
                             long n, const char *nl)
{
	const char *msg = NULL, *boundary = multipart_boundary(a, ct, &msg);
	struct multipart_part *again;
	struct buf b;
	long m;

	if (!boundary)
		fuzz_fail("the boundary of a parsed body is refused: %s", msg);
	for (long i = 0; i < n; i++)
		if (looks_like_delimiter(&parts[i], nl, boundary) ||
		    (parts[i].content_type && !*parts[i].content_type))
			return;
	buf_init(&b);
	write_parts(&b, parts, n, boundary, nl);
	m = multipart_parse(a, ct, b.data, b.len, NULL, &again, &msg);
	if (m != n)
		fuzz_fail("%ld parts written again (nl %zu bytes) read back as %ld (%s)", n,
		          strlen(nl), m, m < 0 ? msg : "");
	for (long i = 0; i < n; i++)
		if (strcmp(again[i].name, parts[i].name) != 0 ||
		    !same_str(again[i].filename, parts[i].filename) ||
		    !same_str(again[i].content_type, parts[i].content_type) ||
		    again[i].len != parts[i].len ||
		    memcmp(again[i].data, parts[i].data, parts[i].len))
			fuzz_fail("part %ld (\"%s\") changed on a round trip", i, parts[i].name);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	static const struct multipart_limits small = {
	    .max_parts = 3, .max_part_len = 16, .max_header_len = 80};
	const char *piece[2], *msg, *ct;
	size_t len[2];
	struct multipart_part *parts;
	long n;

	fuzz_setup();
	if (!a)
		a = arena_new(0);
	fuzz_split(data, size, 2, piece, len);
	ct = arena_strndup(a, piece[0], len[0]);
	msg = NULL;
	n = multipart_parse(a, ct, piece[1], len[1], NULL, &parts, &msg);
	if (n < 0 && !msg)
		fuzz_fail("multipart_parse refused without a message");
	if (n >= 0) {
		check_parts(parts, n, piece[1], len[1], NULL);
		check_round_trip(a, ct, parts, n, "\r\n");
		check_round_trip(a, ct, parts, n, "\n");
	}
	msg = NULL;
	n = multipart_parse(a, ct, piece[1], len[1], &small, &parts, &msg);
	if (n < 0 && !msg)
		fuzz_fail("multipart_parse (small limits) refused without a message");
	if (n >= 0)
		check_parts(parts, n, piece[1], len[1], &small);
	arena_reset(a);
	return 0;
}
