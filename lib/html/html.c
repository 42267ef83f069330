/* The only writer of HTML bytes: fixed markup, and data escaped for text, attributes and URLs. */
#include "html/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"

/* U+FFFD REPLACEMENT CHARACTER in UTF-8: stands in for bytes HTML does not allow. */
#define REPLACEMENT "\xEF\xBF\xBD"

void html_raw(struct buf *b, const char *s, size_t n)
{
	buf_append(b, s, n);
}

/*
 * The bytes escape() replaces: & < > " ', the C0 controls but TAB, LF and CR,
 * and DEL; NUL too, where the string ends. A table, so that the common run of
 * plain bytes costs one load and compare each.
 */
static const unsigned char special[256] = {
    [0] = 1,    [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x0b] = 1, [0x0c] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1,
    [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1,
    [0x1f] = 1, ['&'] = 1,  ['<'] = 1,  ['>'] = 1,  ['"'] = 1,  ['\''] = 1, [0x7f] = 1,
};

/* Escapes s for text and quoted attribute values alike. */
static void escape(struct buf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (;;) {
		const char *rep;

		while (!special[(unsigned char)*s])
			s++;
		switch (*s) {
		case '\0':
			buf_append(b, run, (size_t)(s - run));
			return;
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			rep = REPLACEMENT;
		}
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = ++s;
	}
}

void html_txt(struct buf *b, const char *s)
{
	escape(b, s);
}

void html_txtf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		log_fatal("html: out of memory");
	escape(b, s);
	free(s);
}

void html_attr(struct buf *b, const char *s)
{
	escape(b, s);
}

void html_url_arg(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;

	if (!s)
		return;
	/* Runs of bytes that stay as they are go in one append (ids are nothing else). */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			continue;
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_append(b, run, (size_t)(s - run));
		buf_append(b, esc, sizeof(esc));
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

bool html_url_safe(const char *url)
{
	static const char *const schemes[] = {"http:", "https:", "mailto:"};

	if (!url || !*url)
		return false;
	/* Browsers drop tabs and newlines inside URLs: "/\t/evil" would become "//evil". */
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return false;
	if (url[0] == '/')
		return url[1] != '/' && url[1] != '\\';
	if (url[0] == '?' || url[0] == '#')
		return true;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			return true;
	return false;
}

void html_url(struct buf *b, const char *url)
{
	escape(b, html_url_safe(url) ? url : "#");
}
