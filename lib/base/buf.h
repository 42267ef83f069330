/* Growable byte buffer with overflow checks; the response and SQL builder. */
#ifndef STOCKTAKE_BUF_H
#define STOCKTAKE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
};

/* Zeroes the buffer; no allocation until the first append. */
void buf_init(struct buf *b);

/* Appends n bytes. Out of memory or size overflow is fatal. */
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The contents as a C string ("" for an empty buffer). */
const char *buf_cstr(const struct buf *b);

/* Empties the buffer but keeps its memory for reuse. */
void buf_reset(struct buf *b);

/* Cuts the contents back to their first len bytes (a longer len changes nothing). */
void buf_truncate(struct buf *b, size_t len);

/*
 * Appends s as a JSON string (quoted), escaped as json-c escapes it with
 * JSON_C_TO_STRING_NOSLASHESCAPE: quote, backslash and control characters.
 */
void buf_put_json_str(struct buf *b, const char *s);

/* Whether a JSON string must escape the byte c (a control character, '"' or '\\'). */
bool buf_json_escapes(char c);

/* Frees the memory and zeroes the buffer. */
void buf_release(struct buf *b);

#endif
