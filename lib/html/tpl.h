/*
 * Templates for the HTML pages: a Mustache subset rendered from views
 * (html/view.h), every inserted value escaped for the HTML context it stands
 * in.
 *
 *   {{name}} {{a.b}} {{.}}   a value: strings as they are, numbers in decimal, null and
 *                            objects as nothing, a writer (view_set_writer) its markup in
 *                            text and nothing elsewhere; names are looked up from the
 *                            innermost section outwards
 *   {{#name}}...{{/name}}    a section: once per element of a list, once for any other
 *                            true value (pushed as the innermost context); skipped for
 *                            false, null, "" and empty lists (numbers, 0 too, are true)
 *   {{^name}}...{{/name}}    an inverted section: once when the value is false as above
 *   {{> other}}              a partial: the template "other" of the same set, in place
 *   {{! comment}}            nothing
 *
 * There is no unescaped form. The parser follows the HTML around each value
 * and picks its escaping once: text and quoted attribute values are HTML-escaped
 * (html_txt / html_attr); a value at the start of an href, src or action is a
 * URL (html_url: only safe schemes, else "#"); a value later in such an
 * attribute is a URL component (html_url_arg: percent-encoded). Values inside
 * tags outside quotes, in on* or style attributes, in <script>/<style> or in
 * comments are parse errors, and so is a section whose end stands in another
 * context than its start. A section, partial or comment tag alone on its line
 * takes the line with it.
 */
#ifndef STOCKTAKE_TPL_H
#define STOCKTAKE_TPL_H

#include <stddef.h>

struct buf;
struct tpl_set;
struct view;

/* An empty set. Out of memory is fatal. */
struct tpl_set *tpl_set_new(void);

/* Parses src as the template name (src is copied). 0, or -1 with a message in err. */
int tpl_set_add(struct tpl_set *set, const char *name, const char *src, char *err, size_t errlen);

/* Resolves every partial to a template of the set; missing or recursive partials are -1. */
int tpl_set_link(struct tpl_set *set, char *err, size_t errlen);

/*
 * Loads every "<name>.html" of dir as template <name>, then links them.
 * Returns the set, or NULL with the reason logged.
 */
struct tpl_set *tpl_load_dir(const char *dir);

/*
 * Renders template name with ctx (a map; NULL renders every name as nothing)
 * as the outermost context onto out: text as it is, integers in decimal,
 * booleans as true/false, null, maps and lists as nothing. 0, or -1 when
 * there is no such template.
 */
int tpl_render(const struct tpl_set *set, const char *name, const struct view *ctx,
               struct buf *out);

/* Frees the set and its templates. NULL is accepted. */
void tpl_set_free(struct tpl_set *set);

#endif
