/* Growable byte buffer: every size computation is checked, out of memory is fatal. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define BUF_MIN_CAP 64

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Makes room for extra more bytes plus the terminating NUL. */
static void buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - 1 - b->len)
		log_fatal("buf: size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		log_fatal("buf: out of memory (%zu bytes)", cap);
	b->data = p;
	b->cap = cap;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
	/* Most appends fit: a page is thousands of them. */
	if (n >= b->cap - b->len)
		buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	buf_grow(b, 0);
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		log_fatal("buf: bad format \"%s\"", fmt);
	if ((size_t)n >= room) {
		/* Did not fit: grow to the exact size and print again. */
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/*
 * The bytes a JSON string escapes: the C0 controls, '"' and '\\'; NUL too,
 * where the string ends. A table, so that a run of plain bytes (most of a
 * page) costs one load and compare each.
 */
static const unsigned char json_special[256] = {
    [0] = 1,    [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

bool buf_json_escapes(char c)
{
	return json_special[(unsigned char)c] && c != '\0';
}

/* The escape of a special byte c (not NUL), in u when it has no short form. */
static const char *json_escape(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\f':
		return "\\f";
	default:
		memcpy(u, "\\u00", 4);
		u[4] = hex[c >> 4];
		u[5] = hex[c & 0xf];
		u[6] = '\0';
		return u;
	}
}

/* Appends s as a JSON string, escaped as json-c escapes it (JSON_C_TO_STRING_NOSLASHESCAPE). */
void buf_put_json_str(struct buf *b, const char *s)
{
	const char *run = s;
	char u[7];

	buf_putc(b, '"');
	for (;;) {
		while (!json_special[(unsigned char)*s])
			s++;
		buf_append(b, run, (size_t)(s - run));
		if (!*s)
			break;
		buf_puts(b, json_escape((unsigned char)*s, u));
		run = ++s;
	}
	buf_putc(b, '"');
}
