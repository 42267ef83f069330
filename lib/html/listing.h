/*
 * Listing pages: a table of records with the filters of its API, sorting by
 * column headers, pagination with page numbers and totals, and a CSV download
 * of the current filter. A listing describes its columns and filters; its
 * fetch callback reads one page.
 */
#ifndef STOCKTAKE_LISTING_H
#define STOCKTAKE_LISTING_H

#include <stdbool.h>

struct arena;
struct db_rows;
struct request;
struct sql;
struct resource;

/* How a cell shows its value. */
enum listing_kind {
	LIST_TEXT = 0,
	LIST_NUM,   /* right-aligned */
	LIST_TIME,  /* ISO 8601 UTC shown as "YYYY-MM-DD HH:MM:SS" in the tenant's time zone, which
	               the  header names: "Time" is shown as "Time (Europe/Berlin)" */
	LIST_BADGE, /* a status: a badge styled by its value */
};

struct listing_col {
	const char *label;
	const char *key; /* the rows' column label ("item.sku") */
	enum listing_kind kind;
	const char *sort;     /* ?sort= name, NULL when not sortable */
	const char *sort_sql; /* for listing_sql_fetch: the ORDER BY expression */
	const char *link;     /* cells link to link + the row's id */
};

/*
 * LIST_IN_PICKER: a text field (named text, below) taking a code that the page
 * resolves into the filter's id before the listing runs; picker names the
 * search the page's script asks for suggestions ("items": /admin/search/items).
 */
enum listing_input {
	LIST_IN_TEXT = 0,
	LIST_IN_SELECT,
	LIST_IN_DATE,
	LIST_IN_HIDDEN,
	LIST_IN_PICKER
};

/*
 * Choices of a select read from the database: SELECT value, label ... from_where
 * ORDER BY key, where from_where binds the tenant (one '?') and nothing else;
 * the same choices as LISTING_OPTIONS.
 */
struct listing_options {
	const char *value;
	const char *label;
	const char *key;
	const char *from_where;
};

struct listing_filter {
	const char *name; /* the API's query parameter */
	const char *label;
	enum listing_input input;
	const char *const *values; /* LIST_IN_SELECT: fixed choices (NULL-terminated) */
	/* LIST_IN_SELECT: choices from the database (LISTING_CHOICES), or NULL */
	const struct listing_options *options;
	const char *picker; /* LIST_IN_PICKER: the search ("items", "bins") */
	const char *text;   /* LIST_IN_PICKER: the text field's parameter ("item") */
};

/* The listing_options of value, label, key, from_where, for a filter's initializer. */
#define LISTING_CHOICES(...) (&(const struct listing_options){__VA_ARGS__})

/* Choices a select lists at most; the search field finds the rest. */
#define LISTING_OPTIONS_MAX "300"

/*
 * SQL of a select's choices: value and label of the first LISTING_OPTIONS_MAX
 * rows in key order, with the current value (the last parameter) always among
 * them. The parameters of from_where (the tenant first) come before it.
 */
#define LISTING_OPTIONS(value, label, key, from_where)                                             \
	"SELECT v, l FROM (SELECT " value " AS v, " label " AS l, " key " AS k " from_where        \
	" ORDER BY " value " = ? DESC, " key " LIMIT " LISTING_OPTIONS_MAX ") x ORDER BY k"

/* LISTING_OPTIONS of a macro that stands for its four arguments. */
#define LISTING_OPTIONS_OF(...) LISTING_OPTIONS(__VA_ARGS__)

/*
 * What a page learns of one of its database-backed selects (struct
 * listing_options) before its filter form is built: the fingerprint of its
 * choices that the page's query read along (html/choices.h), or the choices
 * themselves once read, with what they say of the value the request chose.
 */
struct listing_choice {
	const struct listing_filter *filter; /* NULL ends a page's list */
	const char *fingerprint;             /* NULL: not read along */
	bool read;                           /* rows, chosen and exists are set */
	struct db_rows *rows;                /* the first LISTING_OPTIONS_MAX choices */
	struct db_rows *chosen;              /* the chosen record when beyond them */
	/* Whether a record has the chosen value, compared as the database compares ASCII
	 * text in a case-insensitive collation (the ids' ascii_general_ci). */
	bool exists;
};

/* The page a request asks for. */
struct listing_query {
	long long page;                 /* from 1 */
	long long limit;                /* 1..100 */
	const struct listing_col *sort; /* the column sorted by */
	bool desc;
	/* The database-backed selects of the page's filter form (ends with a zeroed entry);
	 * NULL for a CSV download. */
	struct listing_choice *choices;
};

struct listing;
struct db_rows;
struct view;

/*
 * Reads the rows of one page of the filters in r->query into rows (allocations
 * in a) and the total; may add page data to view (NULL for CSV, where the total
 * need not be computed and may be left 0). The columns' keys are the rows'
 * column labels. 0, or the HTTP status of a refused filter with *msg.
 */
typedef int (*listing_fetch_fn)(struct request *r, struct arena *a, const struct listing *l,
                                const struct listing_query *q, struct view *view,
                                struct db_rows *rows, long long *total, const char **msg);

/* Streams the CSV of the filters in r->query. 0, or the HTTP status with *msg (nothing sent). */
typedef int (*listing_csv_fn)(struct request *r, const struct listing *l, const char **msg);

/* Adds computed columns (shown by columns) to the rows (db_rows_add_cols; allocations in a). */
typedef void (*listing_decorate_fn)(struct request *r, struct arena *a, struct db_rows *rows);

/* Adds page data of a listing's own (a panel its template shows above the table). 0 or -1. */
typedef int (*listing_extend_fn)(struct request *r, struct view *page);

struct listing {
	const char *title;
	const char *path;    /* the page: "/admin/transactions" */
	const char *section; /* navigation entry */
	const char *csv_name;
	const struct listing_col *cols;       /* ends with a zeroed entry */
	const struct listing_filter *filters; /* ends with a zeroed entry */
	const char *default_sort;             /* a column's sort name */
	bool default_desc;
	listing_fetch_fn fetch;
	listing_csv_fn csv; /* NULL: every page of fetch, as the table shows it */
	listing_decorate_fn decorate;
	/* A "new" button for callers with new_scopes. */
	const char *new_href;
	const char *new_label;
	const char *new_scopes;
	/*
	 * What the page says when the tenant has none of its records yet (no
	 * filter chosen), so a new tenant's page reads as a start, not a fault:
	 * empty_title ("No warehouses yet"; NULL: "Nothing here yet"),
	 * empty_text (what the records are for), and for callers with
	 * new_scopes a button, empty_action ("Create the first warehouse";
	 * NULL: new_label), to new_href. Other callers read who adds them.
	 */
	const char *empty_title;
	const char *empty_text;
	const char *empty_action;
	/* For listing_sql_fetch: the filters of res (res_build_where) over its table t and joins.
	 */
	const struct resource *res;
	const char *select; /* "SELECT t.id AS id, ..." (the columns of the row objects) */
	const char *joins;  /* joins select needs beyond res's, or NULL */
	/* NULL, or the page's own data; list.html shows "your_counts" (the counter's sessions). */
	listing_extend_fn extend;
};

/* The value at a dotted key ("item.sku") of a record's map (view_row), or NULL. */
const struct view *listing_value(const struct view *row, const char *key);
/* The same when it is text; NULL for anything else (null, numbers, maps, lists, none). */
const char *listing_str(const struct view *row, const char *key);

/* "stock_adjustment" as "Stock adjustment": an enum value as a label. */
const char *listing_label(struct arena *a, const char *value);

/* GET handler body: the listing page, or its CSV with ?format=csv. */
void listing_page(struct request *r, const struct listing *l);

/* Sets a query parameter for the listing functions, replacing the request's own. */
void listing_set_query(struct request *r, const char *name, const char *value);

/*
 * Adds the table of one page of l to view (columns, rows, pager, total; the
 * partials "table" and "pager" render them), for the filters in query.
 * Links keep the parameters of query. 0, or the HTTP status with *msg.
 */
int listing_table(struct request *r, const struct listing *l, struct view *view, const char **msg);

/*
 * Appends to items, for each database-backed select of q's page, a select
 * item (", (...) AS ...", binding the tenant) that a fetch adds to its page
 * query: the fingerprint of the select's choices, which the page then reads
 * from the worker's copy without a statement (html/choices.h). Taken from the
 * first row; an empty page reads the choices as before.
 */
void listing_choices_items(struct request *r, const struct listing_query *q, struct sql *items);

/*
 * Whether a record of the page's select of filter name has value, the
 * request's value of it (the one the form shows), as the select's choices
 * say: they are read (kept for the form) unless they were. For a fetch that
 * did not learn it from its rows (an empty page). 1 with *exists set, 0 when
 * q has no such select or the form shows another value, -1 on errors.
 */
int listing_choice_exists(struct request *r, const struct listing_query *q, const char *name,
                          const char *value, bool *exists);

/* A fetch for listings of a resource: res's filters, the listing's select and joins, sort_sql. */
int listing_sql_fetch(struct request *r, struct arena *a, const struct listing *l,
                      const struct listing_query *q, struct view *view, struct db_rows *rows,
                      long long *total, const char **msg);

#endif
