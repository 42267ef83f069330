/*
 * The data of a page for the templates, built in the request's arena: maps
 * of names to values, lists, text, integers and booleans. It is the one data
 * model of the pages (the frame, listings, forms, records): nothing is freed
 * one by one, the arena's reset frees it all, where json-c objects cost an
 * allocation and a free per value and a reference count to keep right.
 *
 * Keys and text are not copied: pass string literals or memory that lives as
 * long as the view (the same arena, the request's rows). Out of memory is
 * fatal, as for the arena.
 */
#ifndef STOCKTAKE_VIEW_H
#define STOCKTAKE_VIEW_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;
struct db_rows;

enum view_kind { VIEW_NULL = 0, VIEW_BOOL, VIEW_INT, VIEW_STR, VIEW_LIST, VIEW_MAP, VIEW_WRITER };

struct view;

/* An empty map or list, owned by a. */
struct view *view_map(struct arena *a);
struct view *view_list(struct arena *a);

/*
 * Sets key of map to a value (replacing an earlier one); str NULL is null,
 * which is there (it hides the name in outer contexts). A map or list v is
 * shared, not copied: what is added to it later shows in map too. v NULL
 * unsets key (lookups go on to outer contexts).
 */
void view_set(struct view *map, const char *key, struct view *v);
void view_set_str(struct view *map, const char *key, const char *str);
void view_set_int(struct view *map, const char *key, long long i);
void view_set_bool(struct view *map, const char *key, bool b);

/*
 * Writes a part of a page onto out through html/html.h: fixed markup with
 * html_raw, every piece of data through its escaping function.
 */
typedef void (*view_write_fn)(struct buf *out, const void *arg);

/*
 * Sets key of map to a writer: a template's {{key}} in text calls fn(out,
 * arg) where it would write an escaped value, so a large part (the rows of a
 * listing's table) is written without a map per piece; in sections it is
 * true, anywhere else it writes nothing. arg lives as long as the view.
 */
void view_set_writer(struct view *map, const char *key, view_write_fn fn, const void *arg);

/* Calls v's writer onto out; nothing for any other value. */
void view_write(const struct view *v, struct buf *out);

/* Appends v (a map or list, shared as by view_set) to list. */
void view_push(struct view *list, struct view *v);
/* Appends a scalar to list; str NULL is null. */
void view_push_str(struct view *list, const char *str);
void view_push_int(struct view *list, long long i);
void view_push_bool(struct view *list, bool b);

/*
 * Row row of rows as a map, shaped as the API's JSON of it (web/row_json.h):
 * a label "warehouse.name" nests as warehouse -> name, a nested map whose
 * cells are all NULL is null, NULL cells are null, integer columns integers,
 * times ISO 8601 UTC text, the rest text. Text stays in rows (or in a).
 */
struct view *view_row(struct arena *a, const struct db_rows *rows, size_t row);

/* The value of key in map; NULL when map is no map or lacks key (a null value is not NULL). */
const struct view *view_get(const struct view *map, const char *key);

/* Elements of a list (0 for anything else), and the i-th. */
size_t view_len(const struct view *list);
const struct view *view_at(const struct view *list, size_t i);

/* What v holds; NULL counts as VIEW_NULL. */
enum view_kind view_kind(const struct view *v);
bool view_bool(const struct view *v);
long long view_int(const struct view *v);
const char *view_str(const struct view *v);

#endif
