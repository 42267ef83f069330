/* Templates: a Mustache subset parsed once, rendered from views with context-aware escaping. */
#include "html/tpl.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "html/html.h"
#include "html/view.h"

/* Sections nest at most this deep, partials included. */
#define TPL_DEPTH 32
#define TPL_NAME_MAX 64
#define TPL_FILE_MAX (1024 * 1024)

/* How a value is written: chosen at parse time from the HTML around it. */
enum esc { ESC_TEXT = 0, ESC_ATTR, ESC_URL, ESC_URL_ARG, ESC_NONE };

enum node_kind { N_TEXT = 0, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

struct tpl;

struct node {
	enum node_kind kind;
	enum esc esc;     /* N_VAR */
	const char *text; /* N_TEXT: into the template's source copy */
	size_t len;
	char *name;                /* N_VAR, sections, N_PARTIAL */
	char *head;                /* N_VAR, sections: name up to its first dot, looked up first */
	const char *rest;          /* the part of name after that dot ("" for none) */
	size_t end;                /* sections: index of the first node after the section */
	const struct tpl *partial; /* N_PARTIAL, set by tpl_set_link */
};

struct tpl {
	char *name;
	char *src;
	struct node *nodes;
	size_t n, cap;
};

struct tpl_set {
	struct tpl **items;
	size_t n, cap;
};

/* ---- the HTML around a value --------------------------------------------- */

enum hstate {
	H_TEXT = 0,
	H_TAG_OPEN, /* after '<' */
	H_TAG_NAME,
	H_IN_TAG, /* between attributes */
	H_ATTR_NAME,
	H_AFTER_ATTR, /* after an attribute name: '=' or the next one */
	H_BEFORE_VALUE,
	H_VALUE_DQ,
	H_VALUE_SQ,
	H_VALUE_UQ,
	H_END_TAG,
	H_BANG,      /* "<!" */
	H_BANG_DASH, /* "<!-" */
	H_DECL,      /* <!DOCTYPE ...> */
	H_COMMENT,
	H_RAWTEXT, /* inside <script> or <style> */
};

enum akind { A_PLAIN = 0, A_URL, A_FORBIDDEN };

struct html_state {
	enum hstate st;
	char tag[16];
	size_t taglen;
	char attr[24];
	size_t attrlen;
	enum akind akind;
	size_t vlen;      /* bytes of the attribute value so far (a value counts as one) */
	int dashes;       /* H_COMMENT: '-' just seen */
	size_t raw_match; /* H_RAWTEXT: bytes of "</script" or "</style" matched */
};

static void name_add(char *dst, size_t cap, size_t *len, char c)
{
	if (*len + 1 < cap) {
		dst[(*len)++] = (char)tolower((unsigned char)c);
		dst[*len] = '\0';
	}
}

static enum akind attr_kind(const char *attr)
{
	static const char *const urls[] = {"href",   "src",  "action", "formaction",
	                                   "poster", "cite", NULL};

	for (size_t i = 0; urls[i]; i++)
		if (strcmp(attr, urls[i]) == 0)
			return A_URL;
	if (strncmp(attr, "on", 2) == 0 || strcmp(attr, "style") == 0 ||
	    strcmp(attr, "srcdoc") == 0)
		return A_FORBIDDEN;
	return A_PLAIN;
}

static bool is_raw_tag(const char *tag)
{
	return strcmp(tag, "script") == 0 || strcmp(tag, "style") == 0;
}

static void start_tag_end(struct html_state *h)
{
	h->st = is_raw_tag(h->tag) ? H_RAWTEXT : H_TEXT;
	h->raw_match = 0;
}

static void start_value(struct html_state *h, enum hstate st)
{
	h->st = st;
	h->akind = attr_kind(h->attr);
	h->vlen = 0;
}

/* Inside <script>/<style>: waits for "</" + the tag's name. */
static void feed_raw(struct html_state *h, char c)
{
	size_t n = h->raw_match;

	if (n < 2) {
		h->raw_match = c == "</"[n] ? n + 1 : (c == '<');
	} else if (tolower((unsigned char)c) == h->tag[n - 2]) {
		h->raw_match = n + 1;
	} else {
		h->raw_match = c == '<';
	}
	if (h->raw_match == h->taglen + 2)
		h->st = H_END_TAG;
}

static void feed_tag(struct html_state *h, char c)
{
	bool space = isspace((unsigned char)c);

	switch (h->st) {
	case H_TAG_NAME:
		if (isalnum((unsigned char)c) || c == '-')
			name_add(h->tag, sizeof(h->tag), &h->taglen, c);
		else if (c == '>')
			start_tag_end(h);
		else
			h->st = H_IN_TAG;
		break;
	case H_IN_TAG:
	case H_AFTER_ATTR:
		if (c == '>') {
			start_tag_end(h);
		} else if (c == '=' && h->st == H_AFTER_ATTR) {
			h->st = H_BEFORE_VALUE;
		} else if (!space && c != '/') {
			h->attrlen = 0;
			h->attr[0] = '\0';
			name_add(h->attr, sizeof(h->attr), &h->attrlen, c);
			h->st = H_ATTR_NAME;
		}
		break;
	case H_ATTR_NAME:
		if (c == '=')
			h->st = H_BEFORE_VALUE;
		else if (c == '>')
			start_tag_end(h);
		else if (space || c == '/')
			h->st = H_AFTER_ATTR;
		else
			name_add(h->attr, sizeof(h->attr), &h->attrlen, c);
		break;
	case H_BEFORE_VALUE:
		if (c == '"')
			start_value(h, H_VALUE_DQ);
		else if (c == '\'')
			start_value(h, H_VALUE_SQ);
		else if (c == '>')
			start_tag_end(h);
		else if (!space)
			start_value(h, H_VALUE_UQ);
		break;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		if (c == (h->st == H_VALUE_DQ ? '"' : '\''))
			h->st = H_IN_TAG;
		else
			h->vlen++;
		break;
	case H_VALUE_UQ:
		if (c == '>')
			start_tag_end(h);
		else if (space)
			h->st = H_IN_TAG;
		break;
	default:
		break;
	}
}

static void feed_char(struct html_state *h, char c)
{
	switch (h->st) {
	case H_TEXT:
		if (c == '<')
			h->st = H_TAG_OPEN;
		break;
	case H_TAG_OPEN:
		h->taglen = 0;
		h->tag[0] = '\0';
		if (c == '!') {
			h->st = H_BANG;
		} else if (c == '/') {
			h->st = H_END_TAG;
		} else if (isalpha((unsigned char)c)) {
			name_add(h->tag, sizeof(h->tag), &h->taglen, c);
			h->st = H_TAG_NAME;
		} else {
			h->st = H_TEXT;
		}
		break;
	case H_BANG:
		h->st = c == '-' ? H_BANG_DASH : H_DECL;
		break;
	case H_BANG_DASH:
		h->st = c == '-' ? H_COMMENT : H_DECL;
		h->dashes = 0;
		break;
	case H_COMMENT:
		if (c == '>' && h->dashes >= 2)
			h->st = H_TEXT;
		h->dashes = c == '-' ? h->dashes + 1 : 0;
		break;
	case H_DECL:
	case H_END_TAG:
		if (c == '>')
			h->st = H_TEXT;
		break;
	case H_RAWTEXT:
		feed_raw(h, c);
		break;
	default:
		feed_tag(h, c);
		break;
	}
}

static void feed(struct html_state *h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed_char(h, s[i]);
}

/* The escaping of a value at this point, or ESC_NONE with *why. */
static enum esc esc_here(const struct html_state *h, const char **why)
{
	switch (h->st) {
	case H_TEXT:
		return ESC_TEXT;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		if (h->akind == A_FORBIDDEN) {
			*why = "value in an event handler or style attribute";
			return ESC_NONE;
		}
		if (h->akind == A_URL)
			return h->vlen == 0 ? ESC_URL : ESC_URL_ARG;
		return ESC_ATTR;
	case H_RAWTEXT:
		*why = "value inside <script> or <style>";
		return ESC_NONE;
	case H_COMMENT:
		*why = "value inside an HTML comment";
		return ESC_NONE;
	default:
		*why = "value inside a tag but outside a quoted attribute value";
		return ESC_NONE;
	}
}

/* ---- parsing --------------------------------------------------------------- */

struct parser {
	struct tpl *t;
	struct html_state h;
	const char *src;
	char *err;
	size_t errlen;
	/* open sections: node index and the HTML state at their start */
	size_t open[TPL_DEPTH];
	struct html_state open_h[TPL_DEPTH];
	size_t depth;
};

static int parse_fail(struct parser *p, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parse_fail(struct parser *p, const char *at, const char *fmt, ...)
{
	char msg[256];
	int line = 1;
	va_list ap;

	for (const char *c = p->src; c < at; c++)
		line += *c == '\n';
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->t->name, line, msg);
	return -1;
}

static struct node *add_node(struct tpl *t, enum node_kind kind)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (!nodes)
			log_fatal("tpl: out of memory");
		t->nodes = nodes;
		t->cap = cap;
	}
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[0]));
	t->nodes[t->n].kind = kind;
	return &t->nodes[t->n++];
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		log_fatal("tpl: out of memory");
	return d;
}

static void add_text(struct parser *p, const char *s, size_t n)
{
	struct node *nd;

	if (n == 0)
		return;
	feed(&p->h, s, n);
	nd = add_node(p->t, N_TEXT);
	nd->text = s;
	nd->len = n;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= TPL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* After a tag's name, between or on attribute names: where a section may add an attribute. */
static bool in_attribute_list(enum hstate st)
{
	return st == H_TAG_NAME || st == H_IN_TAG || st == H_ATTR_NAME || st == H_AFTER_ATTR;
}

/*
 * Same context for the purpose of escaping, so that what follows a section is
 * escaped right whether the section was rendered or not.
 */
static bool same_context(const struct html_state *a, const struct html_state *b)
{
	const char *why;

	if (in_attribute_list(a->st) && in_attribute_list(b->st))
		return true;
	return a->st == b->st && esc_here(a, &why) == esc_here(b, &why);
}

/*
 * Whether the tag at [tag, tag_end) stands alone on its line; if so sets
 * *line_start and *next (after the line's newline).
 */
static bool standalone(const char *src, const char *tag, const char *tag_end,
                       const char **line_start, const char **next)
{
	const char *a = tag, *b = tag_end;

	while (a > src && (a[-1] == ' ' || a[-1] == '\t'))
		a--;
	if (a > src && a[-1] != '\n')
		return false;
	while (*b == ' ' || *b == '\t' || *b == '\r')
		b++;
	if (*b != '\n' && *b != '\0')
		return false;
	*line_start = a;
	*next = *b ? b + 1 : b;
	return true;
}

/* Splits nd's name for lookups, once at load time instead of on every rendering. */
static void split_name(struct node *nd)
{
	size_t n = strcspn(nd->name, ".");

	nd->head = xstrndup(nd->name, n);
	nd->rest = nd->name + n + (nd->name[n] == '.');
}

static int open_section(struct parser *p, const char *at, enum node_kind kind, const char *name,
                        size_t n)
{
	struct node *nd;

	if (p->depth == TPL_DEPTH)
		return parse_fail(p, at, "sections nested too deep");
	nd = add_node(p->t, kind);
	nd->name = xstrndup(name, n);
	split_name(nd);
	p->open[p->depth] = p->t->n - 1;
	p->open_h[p->depth] = p->h;
	p->depth++;
	return 0;
}

static int close_section(struct parser *p, const char *at, const char *name, size_t n)
{
	struct node *nd;

	if (p->depth == 0)
		return parse_fail(p, at, "{{/%.*s}} without an open section", (int)n, name);
	nd = &p->t->nodes[p->open[p->depth - 1]];
	if (strlen(nd->name) != n || strncmp(nd->name, name, n) != 0)
		return parse_fail(p, at, "{{/%.*s}} closes {{#%s}}", (int)n, name, nd->name);
	if (!same_context(&p->open_h[p->depth - 1], &p->h))
		return parse_fail(p, at, "section %s ends in another HTML context than it starts",
		                  nd->name);
	nd->end = p->t->n;
	p->depth--;
	return 0;
}

static int add_var(struct parser *p, const char *at, const char *name, size_t n)
{
	const char *why = NULL;
	enum esc e = esc_here(&p->h, &why);
	struct node *nd;

	if (e == ESC_NONE)
		return parse_fail(p, at, "{{%.*s}}: %s", (int)n, name, why);
	nd = add_node(p->t, N_VAR);
	nd->name = xstrndup(name, n);
	split_name(nd);
	nd->esc = e;
	/* The value becomes part of the attribute: what follows is no longer its start. */
	if (p->h.st == H_VALUE_DQ || p->h.st == H_VALUE_SQ)
		p->h.vlen++;
	return 0;
}

/* One {{...}} tag whose inside is [in, in_end). */
static int parse_tag(struct parser *p, const char *at, const char *in, const char *in_end)
{
	char sigil = *in;
	const char *name;
	size_t n;

	if (sigil == '{' || sigil == '&')
		return parse_fail(p, at, "unescaped output is not supported");
	if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>' || sigil == '!')
		in++;
	if (sigil == '!')
		return 0;
	while (in < in_end && isspace((unsigned char)*in))
		in++;
	while (in_end > in && isspace((unsigned char)in_end[-1]))
		in_end--;
	name = in;
	n = (size_t)(in_end - in);
	if (!name_ok(name, n))
		return parse_fail(p, at, "bad tag name \"%.*s\"", (int)n, name);
	switch (sigil) {
	case '#':
		return open_section(p, at, N_SECTION, name, n);
	case '^':
		return open_section(p, at, N_INVERTED, name, n);
	case '/':
		return close_section(p, at, name, n);
	case '>':
		if (p->h.st != H_TEXT)
			return parse_fail(p, at, "partial %.*s outside text", (int)n, name);
		add_node(p->t, N_PARTIAL)->name = xstrndup(name, n);
		return 0;
	default:
		return add_var(p, at, name, n);
	}
}

static int parse(struct parser *p)
{
	const char *pos = p->src;

	for (;;) {
		const char *open = strstr(pos, "{{"), *close, *text_end, *next;

		if (!open) {
			add_text(p, pos, strlen(pos));
			break;
		}
		close = strstr(open + 2, "}}");
		if (!close)
			return parse_fail(p, open, "{{ without }}");
		next = close + 2;
		text_end = open;
		/* A section, partial or comment alone on its line takes the line with it. */
		if (strchr("#^/>!", open[2]) && standalone(p->src, open, next, &text_end, &next) &&
		    text_end < pos)
			text_end = pos;
		add_text(p, pos, (size_t)(text_end - pos));
		if (parse_tag(p, open, open + 2, close) < 0)
			return -1;
		pos = next;
	}
	if (p->depth)
		return parse_fail(p, pos, "section %s not closed",
		                  p->t->nodes[p->open[p->depth - 1]].name);
	return 0;
}

static void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].head);
	}
	free(t->nodes);
	free(t->src);
	free(t->name);
	free(t);
}

struct tpl_set *tpl_set_new(void)
{
	struct tpl_set *set = calloc(1, sizeof(*set));

	if (!set)
		log_fatal("tpl: out of memory");
	return set;
}

static const struct tpl *find(const struct tpl_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->items[i]->name, name) == 0)
			return set->items[i];
	return NULL;
}

int tpl_set_add(struct tpl_set *set, const char *name, const char *src, char *err, size_t errlen)
{
	struct tpl *t = calloc(1, sizeof(*t));
	struct parser p;

	if (!t)
		log_fatal("tpl: out of memory");
	t->name = xstrndup(name, strlen(name));
	t->src = xstrndup(src, strlen(src));
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.src = t->src;
	p.err = err;
	p.errlen = errlen;
	if (find(set, name)) {
		snprintf(err, errlen, "%s: defined twice", name);
		goto fail;
	}
	if (parse(&p) < 0)
		goto fail;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct tpl **items = realloc(set->items, cap * sizeof(*items));

		if (!items)
			log_fatal("tpl: out of memory");
		set->items = items;
		set->cap = cap;
	}
	set->items[set->n++] = t;
	return 0;
fail:
	tpl_free(t);
	return -1;
}

/* Depth-first walk of the partials of t: a template met again on its own path is recursion. */
static int check_partials(const struct tpl *t, const struct tpl **path, size_t depth, char *err,
                          size_t errlen)
{
	for (size_t d = 0; d < depth; d++)
		if (path[d] == t) {
			snprintf(err, errlen, "%s: includes itself", t->name);
			return -1;
		}
	if (depth == TPL_DEPTH) {
		snprintf(err, errlen, "%s: partials nested too deep", t->name);
		return -1;
	}
	path[depth] = t;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].kind == N_PARTIAL &&
		    check_partials(t->nodes[i].partial, path, depth + 1, err, errlen) < 0)
			return -1;
	return 0;
}

int tpl_set_link(struct tpl_set *set, char *err, size_t errlen)
{
	const struct tpl *path[TPL_DEPTH];

	for (size_t i = 0; i < set->n; i++) {
		struct tpl *t = set->items[i];

		for (size_t k = 0; k < t->n; k++) {
			if (t->nodes[k].kind != N_PARTIAL)
				continue;
			t->nodes[k].partial = find(set, t->nodes[k].name);
			if (!t->nodes[k].partial) {
				snprintf(err, errlen, "%s: no partial named %s", t->name,
				         t->nodes[k].name);
				return -1;
			}
		}
	}
	for (size_t i = 0; i < set->n; i++)
		if (check_partials(set->items[i], path, 0, err, errlen) < 0)
			return -1;
	return 0;
}

/* Reads a whole file (at most TPL_FILE_MAX bytes) into a fresh string; NULL on errors. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n;

	if (!f)
		return NULL;
	s = malloc(TPL_FILE_MAX + 1);
	if (!s)
		log_fatal("tpl: out of memory");
	n = fread(s, 1, TPL_FILE_MAX + 1, f);
	if (ferror(f) || n > TPL_FILE_MAX || memchr(s, '\0', n)) {
		free(s);
		s = NULL;
	} else {
		s[n] = '\0';
	}
	fclose(f);
	return s;
}

static int load_one(struct tpl_set *set, const char *dir, const char *file, char *err,
                    size_t errlen)
{
	size_t n = strlen(file);
	char *path, *name, *src;
	int rc = -1;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		log_fatal("tpl: out of memory");
	name = xstrndup(file, n - strlen(".html"));
	src = read_file(path);
	if (!src)
		snprintf(err, errlen, "%s: cannot read (or larger than 1 MiB)", path);
	else
		rc = tpl_set_add(set, name, src, err, errlen);
	free(src);
	free(name);
	free(path);
	return rc;
}

struct tpl_set *tpl_load_dir(const char *dir)
{
	struct tpl_set *set = tpl_set_new();
	char err[512] = "";
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		log_error("tpl: cannot open templates directory %s", dir);
		tpl_set_free(set);
		return NULL;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n <= 5 || strcmp(e->d_name + n - 5, ".html") != 0 || e->d_name[0] == '.')
			continue;
		if (load_one(set, dir, e->d_name, err, sizeof(err)) < 0)
			break;
	}
	closedir(d);
	if (!*err && tpl_set_link(set, err, sizeof(err)) == 0)
		return set;
	log_error("tpl: %s", err);
	tpl_set_free(set);
	return NULL;
}

void tpl_set_free(struct tpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tpl_free(set->items[i]);
	free(set->items);
	free(set);
}

/* ---- rendering --------------------------------------------------------------- */

/* The values being rendered, outermost first: the context, then one per open section. */
struct stack {
	const struct view *frames[TPL_DEPTH + 2];
	size_t n;
};

/* Follows a dotted rest ("b.c") down from v; NULL when a step is missing. */
static const struct view *descend(const struct view *v, const char *rest)
{
	char key[TPL_NAME_MAX];

	while (*rest && v) {
		size_t n = strcspn(rest, ".");

		memcpy(key, rest, n);
		key[n] = '\0';
		v = view_get(v, key);
		rest += n + (rest[n] == '.');
	}
	return v;
}

/*
 * The value of nd's name: the first frame (innermost first) holding its head
 * wins, a null there too (it hides the outer ones). NULL renders as nothing.
 */
static const struct view *lookup(const struct stack *st, const struct node *nd)
{
	if (nd->name[0] == '.' && nd->name[1] == '\0')
		return st->n ? st->frames[st->n - 1] : NULL;
	for (size_t i = st->n; i-- > 0;) {
		const struct view *v = view_get(st->frames[i], nd->head);

		if (v)
			return *nd->rest ? descend(v, nd->rest) : v;
	}
	return NULL;
}

/* Whether a section renders: numbers (0 too) are values to show, not absences. */
static bool truthy(const struct view *v)
{
	switch (view_kind(v)) {
	case VIEW_BOOL:
		return view_bool(v);
	case VIEW_INT:
	case VIEW_MAP:
	case VIEW_WRITER:
		return true;
	case VIEW_STR:
		return *view_str(v) != '\0';
	case VIEW_LIST:
		return view_len(v) > 0;
	default:
		return false;
	}
}

/* The text of a value (numbers in decimal, booleans as true/false), NULL for none. */
static const char *text_of(const struct view *v, char *num, size_t numlen)
{
	switch (view_kind(v)) {
	case VIEW_STR:
		return view_str(v);
	case VIEW_INT:
		snprintf(num, numlen, "%lld", view_int(v));
		return num;
	case VIEW_BOOL:
		return view_bool(v) ? "true" : "false";
	default:
		return NULL;
	}
}

static void write_value(struct buf *out, enum esc e, const struct view *x)
{
	char num[32];
	const char *s = text_of(x, num, sizeof(num));

	/* A writer's output is markup, which only text may hold. */
	if (e == ESC_TEXT && view_kind(x) == VIEW_WRITER)
		view_write(x, out);
	if (!s)
		return;
	switch (e) {
	case ESC_TEXT:
		html_txt(out, s);
		break;
	case ESC_ATTR:
		html_attr(out, s);
		break;
	case ESC_URL:
		html_url(out, s);
		break;
	case ESC_URL_ARG:
		html_url_arg(out, s);
		break;
	case ESC_NONE:
		break;
	}
}

static void render_range(const struct tpl *t, size_t from, size_t to, struct stack *st,
                         struct buf *out);

/* The body of section i once with x as the innermost context. */
static void render_with(const struct tpl *t, size_t i, const struct view *x, struct stack *st,
                        struct buf *out)
{
	st->frames[st->n++] = x;
	render_range(t, i + 1, t->nodes[i].end, st, out);
	st->n--;
}

static void render_section(const struct tpl *t, size_t i, struct stack *st, struct buf *out)
{
	const struct node *nd = &t->nodes[i];
	const struct view *v = lookup(st, nd);
	bool yes = truthy(v);

	if (nd->kind == N_INVERTED) {
		if (!yes)
			render_range(t, i + 1, nd->end, st, out);
		return;
	}
	if (!yes)
		return;
	if (st->n == sizeof(st->frames) / sizeof(st->frames[0])) {
		log_warn("tpl: %s: sections nested too deep to render", t->name);
		return;
	}
	if (view_kind(v) == VIEW_LIST) {
		size_t n = view_len(v);

		for (size_t k = 0; k < n; k++)
			render_with(t, i, view_at(v, k), st, out);
		return;
	}
	render_with(t, i, v, st, out);
}

static void render_range(const struct tpl *t, size_t from, size_t to, struct stack *st,
                         struct buf *out)
{
	for (size_t i = from; i < to; i++) {
		const struct node *nd = &t->nodes[i];

		switch (nd->kind) {
		case N_TEXT:
			html_raw(out, nd->text, nd->len);
			break;
		case N_VAR:
			write_value(out, nd->esc, lookup(st, nd));
			break;
		case N_SECTION:
		case N_INVERTED:
			render_section(t, i, st, out);
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			/* NULL only before tpl_set_link. */
			if (nd->partial)
				render_range(nd->partial, 0, nd->partial->n, st, out);
			break;
		}
	}
}

int tpl_render(const struct tpl_set *set, const char *name, const struct view *ctx, struct buf *out)
{
	const struct tpl *t = find(set, name);
	struct stack st = {.n = 0};

	if (!t)
		return -1;
	if (ctx)
		st.frames[st.n++] = ctx;
	render_range(t, 0, t->n, &st, out);
	return 0;
}
