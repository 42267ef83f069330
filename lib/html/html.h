/* The only writer of HTML bytes: fixed markup as is, every piece of data escaped for its context.
 */
#ifndef STOCKTAKE_HTML_H
#define STOCKTAKE_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Fixed markup (template text, never data): n bytes appended as they are. */
void html_raw(struct buf *b, const char *s, size_t n);

/*
 * Text content: & < > " ' become entities; C0 control characters other than
 * TAB, LF and CR (not allowed in HTML) become U+FFFD. NULL writes nothing.
 */
void html_txt(struct buf *b, const char *s);

/* printf, then html_txt of the result. */
void html_txtf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A quoted attribute value: as html_txt (quotes of both kinds are escaped). */
void html_attr(struct buf *b, const char *s);

/*
 * One URL component (a path segment or a query name or value): every byte
 * but A-Z a-z 0-9 - . _ ~ percent-encoded, so the result is also safe inside
 * an attribute.
 */
void html_url_arg(struct buf *b, const char *s);

/*
 * Whether url may be the start of an href/src/action: a path ("/x", not the
 * scheme-relative "//host"), a query ("?a=1"), a fragment, or an absolute
 * http, https or mailto URL. javascript:, data: and the like are refused.
 */
bool html_url_safe(const char *url);

/* A whole URL inside an attribute: html_attr of url when html_url_safe, else "#". */
void html_url(struct buf *b, const char *url);

#endif
