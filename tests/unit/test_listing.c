/* Unit tests for lib/html/listing.c without a database: labels, times, record values, the query,
 * known choices, and a whole listing (table, sort links, pager, filters, page) over a fake fetch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "db/db.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "web/req.h"

static struct arena *a;

static int setup(void **state)
{
	const char *src = getenv("STOCKTAKE_SRCDIR");
	char dir[1024];

	(void)state;
	env_reset();
	snprintf(dir, sizeof(dir), "%s/templates", src ? src : ".");
	assert_int_equal(env_set("templates_dir", dir), 0);
	assert_int_equal(page_init(NULL), 0);
	a = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(a);
	env_reset();
	return 0;
}

static void test_label(void **state)
{
	(void)state;
	assert_string_equal(listing_label(a, "stock_adjustment"), "Stock adjustment");
	assert_string_equal(listing_label(a, "receive"), "Receive");
	assert_string_equal(listing_label(a, "Already"), "Already");
	assert_string_equal(listing_label(a, "_x_"), " x ");
	assert_string_equal(listing_label(a, ""), "");
	assert_string_equal(listing_label(a, NULL), "");
}

static void test_value(void **state)
{
	struct view *row = view_map(a), *item = view_map(a), *list = view_list(a);

	(void)state;
	view_set_str(row, "id", "r1");
	view_set_int(row, "quantity", 5);
	view_set_str(row, "lot", NULL);
	view_set_str(item, "sku", "SKU-1");
	view_set(row, "item", item);
	view_set(row, "list", list);
	assert_string_equal(listing_str(row, "id"), "r1");
	assert_string_equal(listing_str(row, "item.sku"), "SKU-1");
	assert_ptr_equal(listing_value(row, "item"), view_get(row, "item"));
	assert_int_equal(view_int(listing_value(row, "quantity")), 5);
	/* Text only: numbers, null, maps and lists are no text. */
	assert_null(listing_str(row, "quantity"));
	assert_null(listing_str(row, "lot"));
	assert_non_null(listing_value(row, "lot"));
	assert_null(listing_str(row, "item"));
	assert_null(listing_str(row, "list"));
	assert_null(listing_value(row, "missing"));
	assert_null(listing_value(row, "item.missing"));
	assert_null(listing_value(row, "id.deeper"));
	assert_null(listing_value(NULL, "id"));
	assert_null(
	    listing_value(row, "a_key_longer_than_the_sixty_four_bytes_a_part_of_a_key_may_have"));
}

/* ---- a listing over a fake fetch ---------------------------------------------------- */

#define NROWS 45

static const struct listing_col cols[] = {
    {"Code", "code", LIST_TEXT, "code", NULL, "/admin/things/"},
    {"Qty", "qty", LIST_NUM, "qty", NULL, NULL},
    {"Status", "status", LIST_BADGE, NULL, NULL, NULL},
    {"When", "at", LIST_TIME, "when", NULL, NULL},
    {"Item", "item.sku", LIST_TEXT, NULL, NULL, NULL},
    {0},
};

static const char *const statuses[] = {"active", "on_hold", NULL};

static const struct listing_filter filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"status", "Status", LIST_IN_SELECT, statuses, NULL},
    {"from", "From", LIST_IN_DATE, NULL, NULL},
    {"stock_id", "Stock", LIST_IN_HIDDEN, NULL, NULL},
    {0},
};

static const char *names[] = {"id", "code", "qty", "status", "at", "item.sku"};
static enum db_coltype types[] = {DB_COL_STR, DB_COL_STR,  DB_COL_INT,
                                  DB_COL_STR, DB_COL_TIME, DB_COL_STR};
/* What the fetch was asked for last. */
static struct listing_query asked;

/* Rows i of NROWS: id<i>, code "C<i>" (the first with markup), the page of q. */
static int fake_fetch(struct request *r, struct arena *ar, const struct listing *l,
                      const struct listing_query *q, struct view *view, struct db_rows *rows,
                      long long *total, const char **msg)
{
	long long from = (q->page - 1) * q->limit;
	size_t n = 0;

	(void)r;
	(void)l;
	(void)msg;
	asked = *q;
	rows->ncols = 6;
	rows->colnames = names;
	rows->coltypes = types;
	rows->cells = arena_alloc(ar, (size_t)q->limit * 6 * sizeof(char *));
	for (long long i = from; i < NROWS && i < from + q->limit; i++, n++) {
		char **c = rows->cells + n * 6;

		c[0] = arena_sprintf(ar, "id/%lld", i);
		c[1] = i ? arena_sprintf(ar, "C%lld", i) : arena_strdup(ar, "<C0 & co>");
		c[2] = arena_sprintf(ar, "%lld", i * 10);
		c[3] = arena_strdup(ar, i % 2 ? "on_hold" : "active");
		c[4] = arena_strdup(ar, "2024-01-02 03:04:05");
		c[5] = i % 3 ? arena_sprintf(ar, "S%lld", i) : NULL;
	}
	rows->nrows = n;
	*total = NROWS;
	if (view)
		view_set_str(view, "fetched", "yes");
	return 0;
}

static const struct listing things = {
    .title = "Things <all>",
    .path = "/admin/things",
    .section = "things",
    .csv_name = "things.csv",
    .cols = cols,
    .filters = filters,
    .default_sort = "when",
    .default_desc = true,
    .fetch = fake_fetch,
};

struct fixture {
	struct request r;
	struct req_io io;
	char *envp[4]; /* read again by req_query and req_header while the request lives */
	struct buf sent;
};

static int sent_write(void *ctx, const char *src, int n)
{
	buf_append(ctx, src, (size_t)n);
	return 0;
}

/* A GET of /admin/things?query. */
static struct request *get(struct fixture *x, const char *query)
{
	x->envp[0] = "REQUEST_METHOD=GET";
	x->envp[1] = "REQUEST_URI=/admin/things";
	x->envp[2] = arena_sprintf(a, "QUERY_STRING=%s", query);
	x->envp[3] = NULL;
	req_init(&x->r);
	buf_init(&x->sent);
	x->io.write = sent_write;
	x->io.ctx = &x->sent;
	x->io.envp = x->envp;
	assert_int_equal(req_read(&x->r, a, &x->io, 1024), REQ_OK);
	return &x->r;
}

static void done(struct fixture *x)
{
	req_release(&x->r);
	buf_release(&x->sent);
}

/* The string at key of the i-th map of list key of v. */
static const char *at(const struct view *v, const char *list, size_t i, const char *key)
{
	return view_str(view_get(view_at(view_get(v, list), i), key));
}

/* How often needle occurs in s. */
static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void test_table(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "page=2&limit=10&search=a%26b&junk=1&status=");
	struct view *v = view_map(a);
	const struct view *pages;
	const char *msg = NULL;
	struct buf html;

	(void)state;
	assert_int_equal(listing_table(r, &things, v, &msg), 0);
	assert_int_equal(asked.page, 2);
	assert_int_equal(asked.limit, 10);
	assert_string_equal(asked.sort->sort, "when");
	assert_true(asked.desc);
	assert_string_equal(view_str(view_get(v, "fetched")), "yes");
	assert_int_equal(view_int(view_get(v, "total")), NROWS);
	assert_int_equal(view_int(view_get(v, "first")), 11);
	assert_int_equal(view_int(view_get(v, "last_row")), 20);
	assert_true(view_bool(view_get(v, "has_rows")));
	assert_true(view_bool(view_get(v, "any")));
	/* Headers: sorted by "when", descending; links keep the filters (not junk, not empty ones).
	 */
	assert_string_equal(at(v, "columns", 0, "label"), "Code");
	assert_string_equal(at(v, "columns", 0, "sort_href"),
	                    "/admin/things?limit=10&search=a%26b&sort=code&dir=asc");
	assert_string_equal(at(v, "columns", 1, "sort_href"),
	                    "/admin/things?limit=10&search=a%26b&sort=qty&dir=desc");
	assert_true(view_bool(view_get(view_at(view_get(v, "columns"), 1), "num")));
	assert_null(at(v, "columns", 2, "sort_href"));
	assert_string_equal(at(v, "columns", 3, "sort_href"),
	                    "/admin/things?limit=10&search=a%26b&sort=when&dir=asc");
	assert_string_equal(at(v, "columns", 3, "arrow"), "\xE2\x96\xBC");
	assert_string_equal(at(v, "columns", 3, "aria_sort"), "descending");
	assert_null(at(v, "columns", 0, "arrow"));
	/* Cells, written at rendering time: text as shown, the link with the id percent-encoded,
	 * alignment and badge, a dash for none. */
	assert_int_equal(view_kind(view_get(v, "rows")), VIEW_WRITER);
	buf_init(&html);
	view_write(view_get(v, "rows"), &html);
	assert_non_null(
	    strstr(buf_cstr(&html),
	           "<tr>\n<td data-label=\"Code\"><a href=\"/admin/things/id%2F10\">C10</a></td>\n"
	           "<td data-label=\"Qty\" class=\"num\">100</td>\n"
	           "<td data-label=\"Status\"><span class=\"badge active\">active</span></td>\n"
	           "<td data-label=\"When\">2024-01-02 03:04:05</td>\n"
	           "<td data-label=\"Item\">S10</td>\n</tr>\n<tr>\n"));
	/* A NULL cell shows a dash; 10 rows of 5 cells. */
	assert_non_null(strstr(buf_cstr(&html), "id%2F12\">C12</a></td>\n"));
	assert_non_null(strstr(buf_cstr(&html), "<td data-label=\"Item\"><span class=\"muted\">"
	                                        "\xE2\x80\x93</span></td>\n</tr>\n<tr>\n"
	                                        "<td data-label=\"Code\"><a href=\"/admin/things/"
	                                        "id%2F13\""));
	assert_int_equal(count(buf_cstr(&html), "<tr>\n"), 10);
	assert_int_equal(count(buf_cstr(&html), "</td>\n"), 50);
	buf_release(&html);
	/* Pager of 5 pages on page 2: 1 2 3 4 5 (span 2 around 2, then the last). */
	pages = view_get(view_get(v, "pager"), "pages");
	assert_int_equal(view_len(pages), 5);
	assert_int_equal(view_int(view_get(view_at(pages, 1), "number")), 2);
	assert_true(view_bool(view_get(view_at(pages, 1), "current")));
	assert_string_equal(view_str(view_get(view_at(pages, 0), "href")),
	                    "/admin/things?limit=10&search=a%26b&page=1");
	assert_string_equal(view_str(view_get(view_get(v, "pager"), "prev")),
	                    "/admin/things?limit=10&search=a%26b&page=1");
	assert_string_equal(view_str(view_get(view_get(v, "pager"), "next")),
	                    "/admin/things?limit=10&search=a%26b&page=3");
	assert_int_equal(view_int(view_get(view_get(v, "pager"), "last")), 5);
	done(&x);
}

/* Links whose fixed path is no safe URL start: "#", as html_url writes any unsafe URL. */
static const struct listing_col unsafe_cols[] = {
    {"Code", "code", LIST_TEXT, "code", NULL, "javascript:go/"},
    {"Qty", "qty", LIST_NUM, "qty", NULL, "//elsewhere/"},
    {"When", "at", LIST_TIME, "when", NULL, "/"},
    {0},
};

static void test_unsafe_links(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "");
	struct listing l = things;
	struct view *v = view_map(a);
	const char *msg = NULL;
	struct buf html;

	(void)state;
	l.cols = unsafe_cols;
	assert_int_equal(listing_table(r, &l, v, &msg), 0);
	buf_init(&html);
	view_write(view_get(v, "rows"), &html);
	/* A path "/" and the id: the id's "/" is encoded, so it cannot make "//host". */
	assert_non_null(strstr(buf_cstr(&html),
	                       "<tr>\n<td data-label=\"Code\"><a href=\"#\">C1</a>"
	                       "</td>\n<td data-label=\"Qty\" class=\"num\"><a "
	                       "href=\"#\">10</a></td>\n<td data-label=\"When\"><a "
	                       "href=\"/id%2F1\">"));
	buf_release(&html);
	done(&x);
}

static void test_pager_gaps(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "page=5&limit=5&sort=code&dir=asc");
	struct view *v = view_map(a);
	const struct view *pages;
	const char *msg = NULL, *want[] = {"1", "gap", "3", "4", "5", "6", "7", "gap", "9"};

	(void)state;
	assert_int_equal(listing_table(r, &things, v, &msg), 0);
	assert_string_equal(asked.sort->sort, "code");
	assert_false(asked.desc);
	/* The column sorted by turns round; the page is dropped from sort links. */
	assert_string_equal(at(v, "columns", 0, "sort_href"),
	                    "/admin/things?limit=5&sort=code&dir=desc");
	assert_string_equal(at(v, "columns", 0, "aria_sort"), "ascending");
	pages = view_get(view_get(v, "pager"), "pages");
	assert_int_equal(view_len(pages), 9);
	for (size_t i = 0; i < 9; i++) {
		const struct view *p = view_at(pages, i);

		if (strcmp(want[i], "gap") == 0) {
			assert_true(view_bool(view_get(p, "gap")));
			assert_int_equal(view_kind(view_get(p, "href")), VIEW_NULL);
		} else {
			assert_int_equal(view_int(view_get(p, "number")), atoll(want[i]));
			assert_false(view_bool(view_get(p, "gap")));
		}
	}
	done(&x);
	/* One page needs no pager. */
	r = get(&x, "limit=100");
	v = view_map(a);
	assert_int_equal(listing_table(r, &things, v, &msg), 0);
	assert_null(view_get(v, "pager"));
	assert_int_equal(view_int(view_get(v, "last_row")), NROWS);
	done(&x);
}

/* page and limit as the API reads them: a limit above 100 is capped, a bad one refused (400). */
static void test_page_and_limit(void **state)
{
	static const struct {
		const char *query, *msg;
		long long page, limit;
	} cases[] = {
	    {"", NULL, 1, 20},
	    {"limit=1000&page=3", NULL, 3, 100},
	    {"limit=abc", "Invalid limit", 0, 0},
	    {"limit=0", "Invalid limit", 0, 0},
	    {"page=x", "Invalid page", 0, 0},
	    {"page=0", "Invalid page", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture x;
		struct request *r = get(&x, cases[i].query);
		const char *msg = NULL;
		int status = listing_table(r, &things, view_map(a), &msg);

		if (cases[i].msg) {
			assert_int_equal(status, 400);
			assert_string_equal(msg, cases[i].msg);
		} else {
			assert_int_equal(status, 0);
			assert_int_equal(asked.page, cases[i].page);
			assert_int_equal(asked.limit, cases[i].limit);
		}
		done(&x);
	}
}

static void test_set_query(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "limit=5&stock_id=a&stock_id=b");
	struct view *v = view_map(a);
	const char *msg = NULL;

	(void)state;
	listing_set_query(r, "stock_id", "s1");
	listing_set_query(r, "limit", "10");
	listing_set_query(r, "search", "new");
	assert_string_equal(req_query(r, "stock_id"), "s1");
	assert_string_equal(req_query(r, "limit"), "10");
	assert_string_equal(req_query(r, "search"), "new");
	assert_int_equal(listing_table(r, &things, v, &msg), 0);
	assert_int_equal(asked.limit, 10);
	/* The emptied second stock_id is left out of links. */
	assert_string_equal(at(v, "columns", 0, "sort_href"),
	                    "/admin/things?limit=10&stock_id=s1&search=new&sort=code&dir=asc");
	done(&x);
}

/* A select already read this page answers for the value the form shows, without a statement. */
static void test_choice_exists(void **state)
{
	static const struct listing_filter wh = {"warehouse_id", "Warehouse", LIST_IN_SELECT, NULL,
	                                         NULL};
	static const struct listing_filter item = {"item_id", "Item", LIST_IN_SELECT, NULL, NULL};
	struct fixture x;
	struct request *r = get(&x, "warehouse_id=w-1&item_id=i-9");
	struct listing_choice choices[] = {
	    {.filter = &wh, .read = true, .exists = true},
	    {.filter = &item, .read = true, .exists = false},
	    {0},
	};
	struct listing_query q = {.choices = choices}, none = {.choices = NULL};
	bool exists = false;

	(void)state;
	assert_int_equal(listing_choice_exists(r, &q, "warehouse_id", "w-1", &exists), 1);
	assert_true(exists);
	assert_int_equal(listing_choice_exists(r, &q, "item_id", "i-9", &exists), 1);
	assert_false(exists);
	/* Another value, another filter, no value or no form: not known, exists untouched. */
	exists = true;
	assert_int_equal(listing_choice_exists(r, &q, "warehouse_id", "w-2", &exists), 0);
	assert_int_equal(listing_choice_exists(r, &q, "bin_id", "w-1", &exists), 0);
	assert_int_equal(listing_choice_exists(r, &q, "warehouse_id", NULL, &exists), 0);
	assert_int_equal(listing_choice_exists(r, &none, "warehouse_id", "w-1", &exists), 0);
	assert_true(exists);
	done(&x);
}

/* The whole page: filters, table and frame in the list template, every value escaped. */
static void test_page(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "status=on_hold&search=%3Cq%3E&stock_id=s%221&limit=2");
	const char *out;

	(void)state;
	listing_page(r, &things);
	out = buf_cstr(&r->out);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->out_type, "text/html; charset=utf-8");
	assert_non_null(strstr(out, "<title>Things &lt;all&gt; · Stocktake</title>"));
	assert_non_null(strstr(out, "value=\"&lt;q&gt;\""));
	assert_non_null(strstr(out, "<option value=\"on_hold\" selected>On hold</option>"));
	assert_non_null(strstr(out, "<option value=\"active\">Active</option>"));
	assert_non_null(strstr(out, "name=\"stock_id\" value=\"s&quot;1\""));
	assert_non_null(strstr(out, "&lt;C0 &amp; co&gt;"));
	assert_null(strstr(out, "<C0"));
	assert_non_null(
	    strstr(out, "href=\"/admin/things?status=on_hold&amp;search=%3Cq%3E&amp;stock_id=s%221"
	                "&amp;limit=2&amp;format=csv\""));
	assert_non_null(strstr(out, "45"));
	done(&x);
}

/* ---- the empty state ---- */

/* A fetch that finds nothing: a tenant with none of the records yet. */
static int empty_fetch(struct request *r, struct arena *ar, const struct listing *l,
                       const struct listing_query *q, struct view *view, struct db_rows *rows,
                       long long *total, const char **msg)
{
	(void)r;
	(void)ar;
	(void)l;
	(void)q;
	(void)view;
	(void)msg;
	rows->ncols = 6;
	rows->colnames = names;
	rows->coltypes = types;
	rows->nrows = 0;
	*total = 0;
	return 0;
}

static const struct listing nothings = {
    .title = "Things",
    .path = "/admin/things",
    .section = "things",
    .csv_name = "things.csv",
    .cols = cols,
    .filters = filters,
    .default_sort = "when",
    .fetch = empty_fetch,
    .new_href = "/admin/things/new",
    .new_label = "New thing",
    .new_scopes = "manage:things",
    .empty_title = "No things yet",
    .empty_text = "Things <are> kept & counted.",
    .empty_action = "Create the first thing",
};

/* The page of a listing with no record: what the records are and what to do, not a bare table. */
static void test_empty(void **state)
{
	struct fixture x;
	struct caller writer = {.user_id = "u-1",
	                        .tenant_id = "t-1",
	                        .username = "writer",
	                        .scope = "manage:things",
	                        .time_zone = "UTC"};
	struct request *r = get(&x, "sort=code");
	const char *out;

	(void)state;
	/* A reader: the state and who adds them, no button, no table, no CSV of nothing. */
	listing_page(r, &nothings);
	out = buf_cstr(&r->out);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(out, "<h2 id=\"empty-title\">No things yet</h2>"));
	assert_non_null(strstr(out, "<p>Things &lt;are&gt; kept &amp; counted.</p>"));
	assert_non_null(strstr(out, "once someone allowed to add them"));
	assert_null(strstr(out, "/admin/things/new"));
	assert_null(strstr(out, "<table"));
	assert_null(strstr(out, "Download CSV"));
	assert_non_null(strstr(out, "<form class=\"filters\""));
	done(&x);

	/* One who may create: the button to the first one, instead of the header's. */
	r = get(&x, "");
	r->caller = &writer;
	listing_page(r, &nothings);
	out = buf_cstr(&r->out);
	assert_non_null(strstr(
	    out,
	    "<a class=\"button primary\" href=\"/admin/things/new\">Create the first thing</a>"));
	assert_null(strstr(out, "New thing"));
	assert_null(strstr(out, "once someone allowed"));
	done(&x);

	/* A chosen filter that finds nothing is not the empty state; neither is a listing of some.
	 */
	r = get(&x, "search=zz");
	listing_page(r, &nothings);
	out = buf_cstr(&r->out);
	assert_null(strstr(out, "empty-state"));
	assert_non_null(strstr(out, "Nothing matches."));
	done(&x);
	r = get(&x, "");
	listing_page(r, &things);
	assert_null(strstr(buf_cstr(&r->out), "empty-state"));
	done(&x);
}

/* The CSV of every page as the table shows it, read in batches, headers first. */
static void test_csv(void **state)
{
	struct fixture x;
	struct request *r = get(&x, "format=csv&page=3");
	const char *out;

	(void)state;
	listing_page(r, &things);
	out = buf_cstr(&x.sent);
	assert_non_null(strstr(out, "things.csv"));
	/* A time column names its zone: UTC without a caller. */
	assert_non_null(strstr(out, "\r\n\r\nCode,Qty,Status,When (UTC),Item\r\n"));
	assert_non_null(strstr(out, "\r\n<C0 & co>,0,active,2024-01-02 03:04:05,\r\n"));
	assert_non_null(strstr(out, "\r\nC44,440,active,2024-01-02 03:04:05,S44\r\n"));
	/* From the first page whatever page was asked for, in batches of 1000. */
	assert_int_equal(asked.page, 1);
	assert_int_equal(asked.limit, 1000);
	done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label),      cmocka_unit_test(test_value),
	    cmocka_unit_test(test_table),      cmocka_unit_test(test_unsafe_links),
	    cmocka_unit_test(test_pager_gaps), cmocka_unit_test(test_page_and_limit),
	    cmocka_unit_test(test_set_query),  cmocka_unit_test(test_choice_exists),
	    cmocka_unit_test(test_page),       cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
