/* Listing pages: filters, sortable columns, numbered pages and a CSV download of the current
 * filter. */
#include "html/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/paging.h"
#include "db/sql.h"
#include "html/choices.h"
#include "html/html.h"
#include "html/page.h"
#include "html/view.h"
#include "web/auth.h"
#include "web/csv_stream.h"
#include "web/req.h"
#include "web/resource.h"

/* Rows per query of a CSV download. */
#define CSV_BATCH 1000
/* Page numbers shown on each side of the current one. */
#define PAGER_SPAN 2

/* ---- the request's page, sort and links ---------------------------------------- */

static const struct listing_col *find_sort(const struct listing *l, const char *name)
{
	for (const struct listing_col *c = l->cols; name && c->label; c++)
		if (c->sort && strcmp(c->sort, name) == 0)
			return c;
	return NULL;
}

/* Page, limit and sort of r; 0, or 400 with *msg. */
static int parse_query(struct request *r, const struct listing *l, struct listing_query *q,
                       const char **msg)
{
	struct paging pg;
	const char *dir = req_query(r, "dir");

	struct paging_refusal why;

	/* A limit edited into a page's link above the maximum shows the largest page. */
	if (paging_parse(req_query(r, "page"), req_query(r, "limit"), PAGING_CAP, &pg, &why) < 0) {
		*msg = why.message;
		return 400;
	}
	q->page = pg.page;
	q->limit = pg.limit;
	q->sort = find_sort(l, req_query(r, "sort"));
	q->desc = q->sort ? dir && strcmp(dir, "desc") == 0 : l->default_desc;
	if (!q->sort)
		q->sort = find_sort(l, l->default_sort);
	if (!q->sort) {
		log_error("listing %s: no default sort", l->path);
		*msg = "Internal server error";
		return 500;
	}
	return 0;
}

/* Whether name is a parameter links keep: a filter, the order, the page size. */
static bool kept_param(const struct listing *l, const char *name)
{
	static const char *const always[] = {"sort", "dir", "limit", NULL};

	if (valid_one_of(name, always))
		return true;
	for (const struct listing_filter *f = l->filters; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return true;
	return false;
}

/* Appends "?name=value" (then "&name=value"), both percent-encoded. */
static void add_param(struct buf *b, char *sep, const char *name, const char *value)
{
	buf_putc(b, *sep);
	html_url_arg(b, name);
	buf_putc(b, '=');
	html_url_arg(b, value);
	*sep = '&';
}

/* What the links of a page start from: its path and the parameters of r they keep. */
struct links {
	struct request *r;
	const char *path;
	/* Per item of r->query: "name=value" percent-encoded once for all the page's links, or
	 * NULL when links leave it out (empty, or no parameter links keep). */
	const char **kept;
};

static struct links links_of(struct request *r, const struct listing *l, const char *path)
{
	struct links k = {r, path, arena_alloc(r->arena, (r->query.n + 1) * sizeof(char *))};
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < r->query.n; i++) {
		const struct kv *kv = &r->query.items[i];
		char sep = 0;

		k.kept[i] = NULL;
		if (!*kv->value || !kept_param(l, kv->key))
			continue;
		buf_reset(&b);
		add_param(&b, &sep, kv->key, kv->value);
		/* Without the separator add_param put first. */
		k.kept[i] = arena_strndup(r->arena, buf_cstr(&b) + 1, b.len - 1);
	}
	buf_release(&b);
	return k;
}

/*
 * path?<kept parameters of r, but those named in set>&<set>: set holds
 * name, value pairs (NULL-terminated); a NULL value drops the name.
 */
static char *link_to(const struct links *k, const char *const *set)
{
	const struct request *r = k->r;
	struct buf b;
	char sep = '?';
	char *out;

	buf_init(&b);
	buf_puts(&b, k->path);
	for (size_t i = 0; i < r->query.n; i++) {
		bool overridden = false;

		if (!k->kept[i])
			continue;
		for (size_t s = 0; set[s]; s += 2)
			overridden |= strcmp(set[s], r->query.items[i].key) == 0;
		if (overridden)
			continue;
		buf_putc(&b, sep);
		buf_puts(&b, k->kept[i]);
		sep = '&';
	}
	for (size_t s = 0; set[s]; s += 2)
		if (set[s + 1])
			add_param(&b, &sep, set[s], set[s + 1]);
	out = arena_strndup(r->arena, buf_cstr(&b), b.len);
	buf_release(&b);
	return out;
}

static char *page_link(const struct links *k, long long page)
{
	const char *set[] = {"page", arena_sprintf(k->r->arena, "%lld", page), NULL};

	return link_to(k, set);
}

/* ---- cells ------------------------------------------------------------------------ */

const struct view *listing_value(const struct view *row, const char *key)
{
	char part[64];

	while (row && *key) {
		size_t n = strcspn(key, ".");

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, key, n);
		part[n] = '\0';
		row = view_get(row, part);
		key += n + (key[n] == '.');
	}
	return row;
}

const char *listing_str(const struct view *row, const char *key)
{
	return view_str(listing_value(row, key));
}

/* The text a cell shows ("" for none): the row's column col (-1: no such column), in a. */
static const char *cell_text(struct request *r, struct arena *a, const struct listing_col *c,
                             const struct db_rows *rows, size_t row, int col)
{
	const char *s = col < 0 ? NULL : db_cell_text(a, rows, row, (size_t)col);

	if (!s)
		return "";
	return c->kind == LIST_TIME ? tz_text(a, page_zone(r), s) : s;
}

/* A column's header: a time column names the zone its times are in. */
static const char *col_label(struct request *r, const struct listing_col *c)
{
	if (c->kind != LIST_TIME)
		return c->label;
	return arena_sprintf(r->arena, "%s (%s)", c->label, page_zone(r));
}

/* The column of each of l's columns in rows (-1 when rows have none). */
static int *column_indexes(struct arena *a, const struct listing *l, const struct db_rows *rows)
{
	size_t n = 0;
	int *idx;

	while (l->cols[n].label)
		n++;
	idx = arena_alloc(a, (n ? n : 1) * sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = db_col(rows, l->cols[i].key);
	return idx;
}

/* What the table's rows are written from, when the page is rendered. */
struct table_rows {
	struct arena *a;
	const struct listing *l;
	const struct db_rows *rows;
	const int *idx;   /* column_indexes */
	int id_col;       /* -1: no "id" column, no links */
	const char *zone; /* the time zone of LIST_TIME cells */
};

static void raw(struct buf *out, const char *markup)
{
	html_raw(out, markup, strlen(markup));
}

/*
 * The link of a cell, c->link followed by the record's id, as html_url wrote
 * it whole: the id, percent-encoded, has nothing but A-Z a-z 0-9 - . _ ~ %,
 * so it can neither make the link's start another scheme nor need escaping
 * in the attribute; whether the link is safe is the column's fixed path's to
 * say.
 */
static void write_link(struct buf *out, const char *link, const char *id)
{
	if (!html_url_safe(link)) {
		raw(out, "#");
		return;
	}
	html_attr(out, link);
	html_url_arg(out, id);
}

/*
 * One cell, as table.html wrote it from a map per cell: the label (at phone
 * width a row is a card of "label: value" lines, style.css), the alignment,
 * then a link to the record id, a badge, the text, or a dash for none.
 */
static void write_cell(struct buf *out, const struct listing_col *c, const char *text,
                       const char *id)
{
	raw(out, "<td data-label=\"");
	html_attr(out, c->label);
	raw(out, c->kind == LIST_NUM ? "\" class=\"num\">" : "\">");
	if (c->link && id) {
		raw(out, "<a href=\"");
		write_link(out, c->link, id);
		raw(out, "\">");
		html_txt(out, text);
		raw(out, "</a>");
	} else if (c->kind == LIST_BADGE) {
		raw(out, "<span class=\"badge ");
		html_attr(out, text);
		raw(out, "\">");
		html_txt(out, text);
		raw(out, "</span>");
	} else {
		html_txt(out, text);
		if (!*text)
			raw(out, "<span class=\"muted\">\xE2\x80\x93</span>");
	}
	raw(out, "</td>\n");
}

/* The view_write_fn of the table's rows: one <tr> per row, a cell per column. */
static void write_rows(struct buf *out, const void *arg)
{
	const struct table_rows *t = arg;

	for (size_t row = 0; row < t->rows->nrows; row++) {
		const char *id =
		    t->id_col < 0 ? NULL : db_cell_text(t->a, t->rows, row, (size_t)t->id_col);
		size_t i = 0;

		raw(out, "<tr>\n");
		for (const struct listing_col *c = t->l->cols; c->label; c++, i++) {
			const char *s = t->idx[i] < 0
			                    ? NULL
			                    : db_cell_text(t->a, t->rows, row, (size_t)t->idx[i]);

			if (s && c->kind == LIST_TIME)
				s = tz_text(t->a, t->zone, s);
			write_cell(out, c, s ? s : "", id);
		}
		raw(out, "</tr>\n");
	}
}

/* The rows of a page for write_rows, kept in the request's arena until the page is rendered. */
static struct table_rows *table_rows(struct request *r, const struct listing *l,
                                     const struct db_rows *rows)
{
	struct table_rows *t = arena_alloc(r->arena, sizeof(*t));
	struct db_rows *kept = arena_alloc(r->arena, sizeof(*kept));

	*kept = *rows;
	t->a = r->arena;
	t->l = l;
	t->rows = kept;
	t->idx = column_indexes(r->arena, l, rows);
	t->id_col = db_col(rows, "id");
	t->zone = NULL;
	/* The zone as the rows found it (they may carry it), before the page goes on. */
	for (const struct listing_col *c = l->cols; c->label && rows->nrows; c++)
		if (c->kind == LIST_TIME)
			t->zone = page_zone(r);
	return t;
}

/* ---- the table, its header and pager ----------------------------------------------- */

static struct view *columns_view(struct request *r, const struct listing *l,
                                 const struct listing_query *q, const struct links *k)
{
	struct view *cols = view_list(r->arena);

	for (const struct listing_col *c = l->cols; c->label; c++) {
		struct view *o = view_map(r->arena);
		bool sorted = c == q->sort;
		/* A click sorts by the column, or turns the order round when it already does. */
		const char *dir =
		    sorted ? (q->desc ? "asc" : "desc") : (c->kind == LIST_TEXT ? "asc" : "desc");
		const char *set[] = {"sort", c->sort, "dir", dir, "page", NULL, NULL};

		view_set_str(o, "label", col_label(r, c));
		view_set_bool(o, "num", c->kind == LIST_NUM);
		view_set_str(o, "sort_href", c->sort ? link_to(k, set) : NULL);
		view_set_str(o, "arrow",
		             sorted ? (q->desc ? "\xE2\x96\xBC" : "\xE2\x96\xB2") : NULL);
		view_set_str(o, "aria_sort",
		             sorted ? (q->desc ? "descending" : "ascending") : NULL);
		view_push(cols, o);
	}
	return cols;
}

static void pager_page(const struct links *k, struct view *pages, long long n, long long current)
{
	struct view *o = view_map(k->r->arena);

	view_set_int(o, "number", n);
	view_set_bool(o, "gap", n == 0);
	view_set_bool(o, "current", n == current);
	view_set_str(o, "href", n ? page_link(k, n) : NULL);
	view_push(pages, o);
}

/* Page numbers: the first, the last, and PAGER_SPAN around the current one, gaps between; NULL
 * when there is one page only. */
static struct view *pager_view(const struct links *k, const struct listing_query *q,
                               long long total)
{
	struct request *r = k->r;
	long long last = total ? (total + q->limit - 1) / q->limit : 1;
	struct view *o, *pages;
	long long from = q->page - PAGER_SPAN, to = q->page + PAGER_SPAN;

	/* One page needs no pager (a page past the end still gets one, to come back). */
	if (last == 1 && q->page == 1)
		return NULL;
	o = view_map(r->arena);
	pages = view_list(r->arena);
	if (from < 1)
		from = 1;
	if (to > last)
		to = last;
	if (from > 1)
		pager_page(k, pages, 1, q->page);
	if (from > 2)
		pager_page(k, pages, 0, q->page);
	for (long long n = from; n <= to; n++)
		pager_page(k, pages, n, q->page);
	if (to < last - 1)
		pager_page(k, pages, 0, q->page);
	if (to < last)
		pager_page(k, pages, last, q->page);
	view_set(o, "pages", pages);
	view_set_str(o, "prev", q->page > 1 ? page_link(k, q->page - 1) : NULL);
	view_set_str(o, "next", q->page < last ? page_link(k, q->page + 1) : NULL);
	view_set_int(o, "page", q->page);
	view_set_int(o, "last", last);
	return o;
}

/* Fetches a page into rows (decorated); see listing_fetch_fn. */
static int fetch_rows(struct request *r, struct arena *a, const struct listing *l,
                      const struct listing_query *q, struct view *view, struct db_rows *rows,
                      long long *total, const char **msg)
{
	int status;

	memset(rows, 0, sizeof(*rows));
	*total = 0;
	status = l->fetch(r, a, l, q, view, rows, total, msg);
	if (status == 0 && l->decorate)
		l->decorate(r, a, rows);
	return status;
}

/* The column label under which a page's query reads select f's fingerprint along. */
static const char *fingerprint_label(struct arena *a, const struct listing_filter *f)
{
	return arena_sprintf(a, "_choices.%s", f->name);
}

/* Takes the fingerprints a fetch read along from the page's first row. */
static void note_fingerprints(struct request *r, struct listing_choice *choices,
                              const struct db_rows *rows)
{
	for (struct listing_choice *c = choices; c && c->filter; c++) {
		int col = db_col(rows, fingerprint_label(r->arena, c->filter));

		if (col >= 0 && rows->nrows > 0)
			c->fingerprint = db_cell(rows, 0, (size_t)col);
	}
}

/*
 * A page's caller whose user row no statement carried (an empty page) is settled before the
 * table's time column names its zone: the row brings the tenant's zone along, where the
 * header would otherwise read it on its own and page_frame the row after it. Only for a
 * page of its own (listing_page: GET, nothing is written after the table); a refusal is
 * recorded and app_dispatch sends it in place of the page.
 */
static void settle_before_header(struct request *r)
{
	const char *ignored = NULL;

	if (r->caller && r->caller->pending)
		auth_settle(r, &ignored);
}

static int table_at(struct request *r, const struct listing *l, const char *path, struct view *view,
                    struct listing_choice *choices, bool own_page, const char **msg)
{
	struct listing_query q;
	struct db_rows rows;
	struct links links;
	long long total;
	int status;
	size_t n;

	if ((status = parse_query(r, l, &q, msg)) != 0)
		return status;
	q.choices = choices;
	if ((status = fetch_rows(r, r->arena, l, &q, view, &rows, &total, msg)) != 0)
		return status;
	note_fingerprints(r, choices, &rows);
	if (own_page)
		settle_before_header(r);
	n = rows.nrows;
	links = links_of(r, l, path);
	view_set(view, "columns", columns_view(r, l, &q, &links));
	view_set_writer(view, "rows", write_rows, table_rows(r, l, &rows));
	view_set_bool(view, "has_rows", n > 0);
	view_set_int(view, "total", total);
	view_set_bool(view, "any", total > 0);
	view_set_int(view, "first", n ? (q.page - 1) * q.limit + 1 : 0);
	view_set_int(view, "last_row", (q.page - 1) * q.limit + (long long)n);
	view_set(view, "pager", pager_view(&links, &q, total));
	return 0;
}

void listing_set_query(struct request *r, const char *name, const char *value)
{
	bool set = false;

	/* The first occurrence is the one read; later ones are emptied, which links leave out. */
	for (size_t i = 0; i < r->query.n; i++) {
		if (strcmp(r->query.items[i].key, name) == 0) {
			r->query.items[i].value = set ? "" : value;
			set = true;
		}
	}
	if (!set)
		kvlist_add(r->arena, &r->query, name, value);
}

int listing_table(struct request *r, const struct listing *l, struct view *view, const char **msg)
{
	return table_at(r, l, r->path, view, NULL, false, msg);
}

void listing_choices_items(struct request *r, const struct listing_query *q, struct sql *items)
{
	for (const struct listing_choice *c = q->choices; c && c->filter; c++) {
		const char *item = choices_fingerprint_item(r->arena, c->filter->options,
		                                            fingerprint_label(r->arena, c->filter));

		buf_puts(&items->text, ", ");
		sql_addp(items, item, DBP_S(r->caller->tenant_id));
	}
}

/* ---- the filter form ------------------------------------------------------------- */

const char *listing_label(struct arena *a, const char *value)
{
	char *out = arena_strdup(a, value ? value : "");

	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (*out >= 'a' && *out <= 'z')
		*out = (char)(*out - 'a' + 'A');
	return out;
}

/* The choice of o whose value is the chosen one (the parameter after the tenant). */
static const char *chosen_sql(struct arena *a, const struct listing_options *o)
{
	return arena_sprintf(a, "SELECT v, l FROM (SELECT %s AS v, %s AS l %s) c WHERE v = ?",
	                     o->value, o->label, o->from_where);
}

/*
 * The database's choices of c's select for the request's value of it (none
 * when empty): what LISTING_OPTIONS gives, that is the first
 * LISTING_OPTIONS_MAX in key order (read in the order of an index where the
 * key has one, without the derived table and two sorts of LISTING_OPTIONS;
 * kept by the worker, html/choices.h), but the chosen record always among
 * them. When fewer come back, they are all there are, and so is the chosen
 * record if it exists; when the chosen value is not among a full list, it is
 * looked up and, if it exists, takes the place of the last (its key sorts
 * after all of them). c->exists gets what this says of the chosen value's
 * existence. Reads once per page. 0 or -1.
 */
static int read_choices(struct request *r, struct listing_choice *c)
{
	const struct listing_filter *f = c->filter;
	const char *t, *current = req_query(r, f->name);
	struct db_rows *rows, *chosen;
	bool listed = false;

	if (c->read)
		return 0;
	t = r->caller->tenant_id;
	rows = c->rows = arena_alloc(r->arena, sizeof(*rows));
	chosen = c->chosen = arena_alloc(r->arena, sizeof(*chosen));
	memset(chosen, 0, sizeof(*chosen));
	if (choices_read(r->arena, f->options, t, c->fingerprint, rows) < 0)
		return -1;
	c->read = true;
	if (!current || !*current)
		return 0;
	for (size_t i = 0; i < rows->nrows && !listed; i++)
		listed = strcasecmp(current, db_cell(rows, i, 0)) == 0;
	c->exists = listed;
	if (listed || rows->nrows < strtoul(LISTING_OPTIONS_MAX, NULL, 10))
		return 0;
	if (db_exec(r->arena, chosen, chosen_sql(r->arena, f->options), "ss", t, current) < 0) {
		c->read = false;
		return -1;
	}
	c->exists = chosen->nrows > 0;
	/* Equal to one of the list in the database's comparison, not in strcasecmp's. */
	for (size_t i = 0; i < rows->nrows && chosen->nrows; i++)
		if (strcmp(db_cell(rows, i, 0), db_cell(chosen, 0, 0)) == 0)
			chosen->nrows = 0;
	if (chosen->nrows)
		rows->nrows--;
	return 0;
}

static void add_choices(struct request *r, const struct db_rows *rows, const char *current,
                        struct view *options, bool *found)
{
	for (size_t i = 0; i < rows->nrows; i++) {
		const char *v = db_cell(rows, i, 0);

		page_option(r->arena, options, v, db_cell(rows, i, 1), current);
		*found |= current && strcasecmp(current, v) == 0;
	}
}

/* c's entry for filter f among a page's selects, or NULL. */
static struct listing_choice *choice_of(struct listing_choice *choices,
                                        const struct listing_filter *f)
{
	for (struct listing_choice *c = choices; c && c->filter; c++)
		if (c->filter == f)
			return c;
	return NULL;
}

int listing_choice_exists(struct request *r, const struct listing_query *q, const char *name,
                          const char *value, bool *exists)
{
	const char *chosen = req_query(r, name);

	for (struct listing_choice *c = q->choices; c && c->filter; c++) {
		/* The form shows the first of repeated parameters: another one is not its to say.
		 */
		if (strcmp(c->filter->name, name) != 0 || !value || !chosen ||
		    strcmp(chosen, value) != 0)
			continue;
		if (read_choices(r, c) < 0)
			return -1;
		*exists = c->exists;
		return 1;
	}
	return 0;
}

/* The options of select f (c: its entry among the page's database-backed selects). */
static int select_options(struct request *r, const struct listing *l,
                          const struct listing_filter *f, const char *current, struct view *options,
                          struct listing_choice *c)
{
	const char *deleted = l->res ? l->res->deleted_status : NULL;
	bool listed = false;

	for (size_t i = 0; f->values && f->values[i]; i++)
		page_option(r->arena, options, f->values[i], listing_label(r->arena, f->values[i]),
		            current);
	/* Deleted records carry a status no write takes, but the API's filter takes it. */
	if (deleted && strcmp(f->name, "status") == 0 && f->values &&
	    !valid_one_of(deleted, f->values))
		page_option(r->arena, options, deleted, listing_label(r->arena, deleted), current);
	if (!f->options || !c)
		return 0;
	if (read_choices(r, c) < 0)
		return -1;
	add_choices(r, c->rows, current, options, &listed);
	add_choices(r, c->chosen, current, options, &listed);
	/* A value beyond the list's end (or from a link) stays chosen. */
	if (current && *current && !listed)
		page_option(r->arena, options, current, current, current);
	return 0;
}

/* The page's database-backed selects, nothing known of them yet (ends with a zeroed entry). */
static struct listing_choice *page_choices(struct request *r, const struct listing *l)
{
	struct listing_choice *choices;
	size_t n = 0;

	for (const struct listing_filter *f = l->filters; f->name; f++)
		n += f->input == LIST_IN_SELECT && f->options;
	choices = arena_alloc(r->arena, (n + 1) * sizeof(*choices));
	memset(choices, 0, (n + 1) * sizeof(*choices));
	n = 0;
	for (const struct listing_filter *f = l->filters; f->name; f++)
		if (f->input == LIST_IN_SELECT && f->options)
			choices[n++].filter = f;
	return choices;
}

static int filters_view(struct request *r, const struct listing *l, struct view *view,
                        struct listing_choice *choices)
{
	struct view *arr = view_list(r->arena);

	view_set(view, "filters", arr);
	for (const struct listing_filter *f = l->filters; f->name; f++) {
		struct view *o = view_map(r->arena), *options = view_list(r->arena);
		const char *v = req_query(r, f->name);

		view_push(arr, o);
		view_set_str(o, "name", f->name);
		view_set_str(o, "label", f->label);
		view_set_str(o, "value", v ? v : "");
		view_set_bool(o, "is_text", f->input == LIST_IN_TEXT);
		view_set_bool(o, "is_date", f->input == LIST_IN_DATE);
		view_set_bool(o, "is_hidden", f->input == LIST_IN_HIDDEN && v && *v);
		view_set_bool(o, "is_select", f->input == LIST_IN_SELECT);
		view_set(o, "options", options);
		if (f->input == LIST_IN_PICKER) {
			view_set_bool(o, "is_picker", true);
			view_set_str(o, "picker", f->picker);
			view_set_str(o, "text", f->text);
			view_set_str(o, "text_value", req_query(r, f->text));
		}
		if (f->input != LIST_IN_SELECT)
			continue;
		if (select_options(r, l, f, v, options, choice_of(choices, f)) < 0)
			return -1;
	}
	return 0;
}

/* ---- CSV ----------------------------------------------------------------------- */

/* Every page of fetch as the table shows it; a bad filter is refused before anything is sent. */
static int csv_pages(struct request *r, const struct listing *l, const char **msg)
{
	struct listing_query q;
	struct buf out;
	long long total = 0;
	int status;
	size_t n;

	if ((status = parse_query(r, l, &q, msg)) != 0)
		return status;
	q.page = 1;
	q.limit = CSV_BATCH;
	q.choices = NULL;
	buf_init(&out);
	for (const struct listing_col *c = l->cols; c->label; c++)
		csv_field(&out, col_label(r, c), c == l->cols);
	csv_end_record(&out);
	do {
		struct arena *a = arena_new(64 * 1024);
		struct db_rows rows;
		int *idx;

		status = fetch_rows(r, a, l, &q, NULL, &rows, &total, msg);
		if (status != 0) {
			arena_free(a);
			break;
		}
		n = rows.nrows;
		idx = column_indexes(a, l, &rows);
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;

			for (const struct listing_col *c = l->cols; c->label; c++, k++)
				csv_field(&out, cell_text(r, a, c, &rows, i, idx[k]), c == l->cols);
			csv_end_record(&out);
		}
		arena_free(a);
		/* The header goes with the first batch, so a refused filter sends nothing. */
		if (q.page == 1 && csv_stream_begin(r, l->csv_name) < 0)
			break;
		if (csv_stream_write(r, &out) < 0)
			break;
		q.page++;
	} while (n == CSV_BATCH);
	buf_release(&out);
	if (status != 0 && q.page > 1) {
		log_error("listing: CSV of %s cut short", l->path);
		status = 0;
	}
	return status;
}

/* ---- the page ------------------------------------------------------------------- */

/* Whether r chose a filter of l (a picker's text counts: it names a record). */
static bool filtered(struct request *r, const struct listing *l)
{
	for (const struct listing_filter *f = l->filters; f->name; f++) {
		const char *v = req_query(r, f->name),
		           *text = f->text ? req_query(r, f->text) : NULL;

		if ((v && *v) || (text && *text))
			return true;
	}
	return false;
}

/*
 * The empty state of a tenant with none of l's records: set on view (as
 * "empty") when the table found none and no filter was chosen, since only
 * then does "nothing" mean "nothing yet" rather than "nothing matches".
 */
static void empty_state(struct request *r, const struct listing *l, struct view *view)
{
	const struct view *any = view_get(view, "any");
	struct view *e;

	if ((any && view_bool(any)) || filtered(r, l))
		return;
	e = view_map(r->arena);
	view_set_str(e, "title", l->empty_title ? l->empty_title : "Nothing here yet");
	view_set_str(e, "text", l->empty_text);
	if (l->new_href && page_can(r, l->new_scopes)) {
		view_set_str(e, "action_href", l->new_href);
		view_set_str(e, "action", l->empty_action ? l->empty_action : l->new_label);
	}
	view_set(view, "empty", e);
}

void listing_page(struct request *r, const struct listing *l)
{
	const char *format = req_query(r, "format"), *msg = "Internal server error";
	const char *csv_set[] = {"format", "csv", "page", NULL, NULL};
	struct listing_choice *choices;
	struct links csv_links;
	struct view *view;
	int status;

	if (format && strcmp(format, "csv") == 0) {
		status = l->csv ? l->csv(r, l, &msg) : csv_pages(r, l, &msg);
		if (status != 0)
			page_error(r, status, msg);
		return;
	}
	view = view_map(r->arena);
	view_set_str(view, "path", l->path);
	csv_links = links_of(r, l, l->path);
	view_set_str(view, "csv_href", link_to(&csv_links, csv_set));
	/* The table first: its query may read the selects' fingerprints along
	 * (listing_choices_items). */
	choices = page_choices(r, l);
	if ((status = table_at(r, l, l->path, view, choices, true, &msg)) != 0) {
		page_error(r, status, msg);
		return;
	}
	if (filters_view(r, l, view, choices) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	/* After the rows: a fetch may read the caller's user row along (user_in_query routes). */
	page_frame(r, view, l->title, l->section);
	if (l->extend && l->extend(r, view) < 0) {
		page_error(r, 500, msg);
		return;
	}
	empty_state(r, l, view);
	if (l->new_href && page_can(r, l->new_scopes)) {
		struct view *add = view_map(r->arena);

		view_set_str(add, "href", l->new_href);
		view_set_str(add, "label", l->new_label);
		view_set(view, "new", add);
	}
	page_render(r, 200, "list", view);
}

/* ---- listings of a resource ----------------------------------------------------- */

int listing_sql_fetch(struct request *r, struct arena *a, const struct listing *l,
                      const struct listing_query *q, struct view *view, struct db_rows *rows,
                      long long *total, const char **msg)
{
	struct sql where;
	struct db_rows count;
	const char *from;
	int status = 500;

	*msg = "Internal server error";
	sql_init(&where, a);
	if (res_build_where(&where, l->res, &r->query, r->caller->tenant_id, msg) < 0) {
		status = 400;
		goto out;
	}
	from = arena_sprintf(a, " FROM %s t %s %s", l->res->table,
	                     l->res->joins ? l->res->joins : "", l->joins ? l->joins : "");
	*total = 0;
	/* CSV (view NULL) reads batch after batch and never shows a total: skip the count. */
	if (view && (db_execv(a, &count,
	                      arena_sprintf(a, "SELECT COUNT(*)%s%s", from, buf_cstr(&where.text)),
	                      where.params, where.n) < 0 ||
	             !valid_int64(db_cell(&count, 0, 0), total)))
		goto out;
	buf_appendf(&where.text, " ORDER BY %s %s, t.id", q->sort->sort_sql,
	            q->desc ? "DESC" : "ASC");
	sql_addp(&where, " LIMIT ?", DBP_I(q->limit));
	sql_addp(&where, " OFFSET ?", DBP_I((q->page - 1) * q->limit));
	if (db_execv(a, rows, arena_sprintf(a, "%s%s%s", l->select, from, buf_cstr(&where.text)),
	             where.params, where.n) < 0)
		goto out;
	status = 0;
out:
	sql_release(&where);
	return status;
}
