/* Reading multipart/form-data bodies (RFC 7578, RFC 2046): the boundary, the parts, their limits.
 */
#ifndef STOCKTAKE_MULTIPART_H
#define STOCKTAKE_MULTIPART_H

#include <stddef.h>

struct arena;

/* Longest boundary RFC 2046 allows. */
#define MULTIPART_BOUNDARY_MAX 70

/*
 * One part of a body. name and filename are decoded copies in the arena;
 * data points into the body itself (no copy), len bytes, not NUL-terminated,
 * binary as sent.
 */
struct multipart_part {
	const char *name;         /* the Content-Disposition name, never empty */
	const char *filename;     /* NULL unless the part is a file ("" for an empty file input) */
	const char *content_type; /* the part's Content-Type, NULL when absent */
	const char *data;
	size_t len;
};

/* What a body may hold; a zero member takes the default in brackets. */
struct multipart_limits {
	size_t max_parts;      /* parts [32] */
	size_t max_part_len;   /* bytes of one part's data [1 MiB] */
	size_t max_header_len; /* bytes of one part's header section [4096] */
};

/*
 * The boundary of a Content-Type "multipart/form-data; boundary=..." (the
 * media type and parameter names in any case, the value quoted or not), in
 * the arena; NULL with *msg when the type is another, the boundary is missing,
 * empty, longer than MULTIPART_BOUNDARY_MAX or holds a character RFC 2046
 * does not allow.
 */
const char *multipart_boundary(struct arena *a, const char *content_type, const char **msg);

/*
 * Splits body (len bytes) into its parts, in order: an optional preamble,
 * "--boundary" lines, each part's headers (Content-Disposition: form-data
 * with a name is required; Content-Type is kept; others are ignored), a blank
 * line, the data, and the closing "--boundary--" (an epilogue after it is
 * ignored). Line breaks are CRLF, or bare LF when the first boundary line ends
 * with one: the whole body then uses LF. Returns the number of parts (*parts in
 * the arena, NULL for none), or -1 with *msg saying what is wrong: a missing
 * or unterminated boundary, a malformed or too long header section, a part
 * without a name, too many parts or a part too large.
 */
long multipart_parse(struct arena *a, const char *content_type, const char *body, size_t len,
                     const struct multipart_limits *limits, struct multipart_part **parts,
                     const char **msg);

/* The first part named name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart_part *parts, size_t n,
                                           const char *name);

#endif
