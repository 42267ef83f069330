/* Page data for the templates: maps, lists and scalars in the request's arena, freed with it. */
#include "html/view.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"

/* Room a new map or list starts with: a cell, an option and a pager entry fit without growing. */
#define VIEW_FIRST_CAP 4

/* The items of a map or list, shared by every copy of the view that holds it. */
struct container {
	struct arena *a;
	void *items; /* struct entry[] of a map, struct view[] of a list */
	size_t n, cap;
};

/* A value; scalars are held in place (in a map's entry, a list's slot), containers by pointer. */
struct view {
	enum view_kind kind;
	union {
		bool b;
		long long i;
		const char *s;
		struct container *c;
		const struct writer *w;
	} u;
};

/* A view_set_writer's function and its argument. */
struct writer {
	view_write_fn fn;
	const void *arg;
};

struct entry {
	const char *key;
	struct view value;
};

/* A map or list and its container in one allocation. */
struct box {
	struct view v;
	struct container c;
};

static struct view *container(struct arena *a, enum view_kind kind, size_t item_size)
{
	struct box *b = arena_alloc(a, sizeof(*b));

	b->v.kind = kind;
	b->v.u.c = &b->c;
	b->c.a = a;
	b->c.cap = VIEW_FIRST_CAP;
	b->c.items = arena_alloc(a, VIEW_FIRST_CAP * item_size);
	return &b->v;
}

struct view *view_map(struct arena *a)
{
	return container(a, VIEW_MAP, sizeof(struct entry));
}

struct view *view_list(struct arena *a)
{
	return container(a, VIEW_LIST, sizeof(struct view));
}

/* Room for one more item; the old array stays in the arena (freed with it). */
static void grow(struct container *c, size_t item_size)
{
	void *items;

	if (c->n < c->cap)
		return;
	items = arena_alloc(c->a, 2 * c->cap * item_size);
	memcpy(items, c->items, c->n * item_size);
	c->items = items;
	c->cap *= 2;
}

/* The entry of key in map, added (as null) when missing. */
static struct entry *entry_of(struct view *map, const char *key)
{
	struct container *c;
	struct entry *e;

	if (!map || map->kind != VIEW_MAP)
		log_fatal("view: set %s on something that is not a map", key);
	c = map->u.c;
	e = c->items;
	for (size_t i = 0; i < c->n; i++)
		if (e[i].key[0] == key[0] && strcmp(e[i].key, key) == 0)
			return &e[i];
	grow(c, sizeof(*e));
	e = (struct entry *)c->items + c->n++;
	e->key = key;
	e->value.kind = VIEW_NULL;
	return e;
}

/* Removes key from map, keeping the order of the others. */
static void unset(struct view *map, const char *key)
{
	struct container *c = map->u.c;
	struct entry *e = c->items;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(e[i].key, key) == 0) {
			memmove(&e[i], &e[i + 1], (c->n - i - 1) * sizeof(*e));
			c->n--;
			return;
		}
}

void view_set(struct view *map, const char *key, struct view *v)
{
	if (!v) {
		if (map && map->kind == VIEW_MAP)
			unset(map, key);
		return;
	}
	entry_of(map, key)->value = *v;
}

void view_set_str(struct view *map, const char *key, const char *str)
{
	struct view *v = &entry_of(map, key)->value;

	v->kind = str ? VIEW_STR : VIEW_NULL;
	v->u.s = str;
}

void view_set_writer(struct view *map, const char *key, view_write_fn fn, const void *arg)
{
	struct view *v = &entry_of(map, key)->value;
	struct writer *w = arena_alloc(map->u.c->a, sizeof(*w));

	w->fn = fn;
	w->arg = arg;
	v->kind = VIEW_WRITER;
	v->u.w = w;
}

void view_write(const struct view *v, struct buf *out)
{
	if (v && v->kind == VIEW_WRITER)
		v->u.w->fn(out, v->u.w->arg);
}

void view_set_int(struct view *map, const char *key, long long i)
{
	struct view *v = &entry_of(map, key)->value;

	v->kind = VIEW_INT;
	v->u.i = i;
}

void view_set_bool(struct view *map, const char *key, bool b)
{
	struct view *v = &entry_of(map, key)->value;

	v->kind = VIEW_BOOL;
	v->u.b = b;
}

/* The new last slot of list, null. */
static struct view *slot(struct view *list)
{
	struct container *c;
	struct view *v;

	if (!list || list->kind != VIEW_LIST)
		log_fatal("view: push on something that is not a list");
	c = list->u.c;
	grow(c, sizeof(struct view));
	v = (struct view *)c->items + c->n++;
	v->kind = VIEW_NULL;
	return v;
}

void view_push(struct view *list, struct view *v)
{
	if (!v)
		log_fatal("view: push of nothing");
	*slot(list) = *v;
}

void view_push_str(struct view *list, const char *str)
{
	struct view *v = slot(list);

	v->kind = str ? VIEW_STR : VIEW_NULL;
	v->u.s = str;
}

void view_push_int(struct view *list, long long i)
{
	struct view *v = slot(list);

	v->kind = VIEW_INT;
	v->u.i = i;
}

void view_push_bool(struct view *list, bool b)
{
	struct view *v = slot(list);

	v->kind = VIEW_BOOL;
	v->u.b = b;
}

/* ---- a database row, nested as row_json nests it ---------------------------------------- */

/* The map at key of map, made (in place of any other value) when there is none. */
static struct view *child_map(struct arena *a, struct view *map, const char *key)
{
	struct entry *e = entry_of(map, key);

	if (e->value.kind != VIEW_MAP)
		e->value = *view_map(a);
	return &e->value;
}

/* The map and the last key of a dotted label ("a.b.c": map a -> b, key c), as row_json splits. */
static struct view *parent_of(struct arena *a, struct view *map, const char **label)
{
	const char *dot;

	while ((dot = strchr(*label, '.')) != NULL && dot != *label && dot[1]) {
		map = child_map(a, map, arena_strndup(a, *label, (size_t)(dot - *label)));
		*label = dot + 1;
	}
	return map;
}

/* Makes the nested maps under map whose leaves are all null null; whether all of map is null. */
static bool collapse_nulls(struct view *map)
{
	struct entry *e = map->u.c->items;
	bool all_null = true;

	for (size_t i = 0; i < map->u.c->n; i++) {
		if (e[i].value.kind == VIEW_MAP && collapse_nulls(&e[i].value))
			e[i].value.kind = VIEW_NULL;
		else if (e[i].value.kind != VIEW_NULL)
			all_null = false;
	}
	return all_null;
}

struct view *view_row(struct arena *a, const struct db_rows *rows, size_t row)
{
	struct view *map = view_map(a);
	struct entry *e;

	for (size_t c = 0; rows && c < rows->ncols; c++) {
		const char *label = rows->colnames && rows->colnames[c] ? rows->colnames[c] : "";
		struct view *parent = parent_of(a, map, &label);
		const char *cell = db_cell(rows, row, c);

		if (cell && rows->coltypes && rows->coltypes[c] == DB_COL_INT)
			view_set_int(parent, label, strtoll(cell, NULL, 10));
		else
			view_set_str(parent, label, db_cell_text(a, rows, row, c));
	}
	/* Only nested maps collapse; the row itself stays a map. */
	e = map->u.c->items;
	for (size_t i = 0; i < map->u.c->n; i++)
		if (e[i].value.kind == VIEW_MAP && collapse_nulls(&e[i].value))
			e[i].value.kind = VIEW_NULL;
	return map;
}

const struct view *view_get(const struct view *map, const char *key)
{
	const struct container *c;
	const struct entry *e;

	if (!map || map->kind != VIEW_MAP)
		return NULL;
	c = map->u.c;
	e = c->items;
	/* The first byte first: most keys differ there, and a call to strcmp costs more. */
	for (size_t i = 0; i < c->n; i++)
		if (e[i].key[0] == key[0] && strcmp(e[i].key, key) == 0)
			return &e[i].value;
	return NULL;
}

size_t view_len(const struct view *list)
{
	return list && list->kind == VIEW_LIST ? list->u.c->n : 0;
}

const struct view *view_at(const struct view *list, size_t i)
{
	if (i >= view_len(list))
		return NULL;
	return (const struct view *)list->u.c->items + i;
}

enum view_kind view_kind(const struct view *v)
{
	return v ? v->kind : VIEW_NULL;
}

bool view_bool(const struct view *v)
{
	return v && v->kind == VIEW_BOOL && v->u.b;
}

long long view_int(const struct view *v)
{
	return v && v->kind == VIEW_INT ? v->u.i : 0;
}

const char *view_str(const struct view *v)
{
	return v && v->kind == VIEW_STR ? v->u.s : NULL;
}
