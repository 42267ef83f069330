/* Database rows as the API's JSON objects: nested by dotted labels, typed cells, as objects or
 * text. */
#include "web/row_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "db/db.h"

static json_object *cell_json(const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);
	enum db_coltype t = rows->coltypes ? rows->coltypes[col] : DB_COL_STR;

	if (!v)
		return NULL;
	if (t == DB_COL_INT)
		return json_object_new_int64(strtoll(v, NULL, 10));
	if (t == DB_COL_TIME) {
		char iso[32];

		db_time_iso(v, iso, sizeof(iso));
		return json_object_new_string(iso);
	}
	return json_object_new_string(v);
}

/* Puts value at the dotted path label inside obj, creating nested objects on the way. */
static void put_path(json_object *obj, const char *label, json_object *value)
{
	const char *dot;

	while ((dot = strchr(label, '.')) != NULL && dot != label && dot[1]) {
		char key[128];
		size_t n = (size_t)(dot - label);
		json_object *child;

		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, label, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(obj, key, &child) ||
		    !json_object_is_type(child, json_type_object)) {
			child = json_object_new_object();
			json_object_object_add(obj, key, child);
		}
		obj = child;
		label = dot + 1;
	}
	json_object_object_add(obj, label, value);
}

/* Replaces nested objects whose leaves are all null by null; returns true if obj is all null. */
static bool collapse_nulls(json_object *obj)
{
	bool all_null = true;

	json_object_object_foreach(obj, key, val)
	{
		if (json_object_is_type(val, json_type_object)) {
			if (collapse_nulls(val))
				json_object_object_add(obj, key, NULL); /* puts the old object */
			else
				all_null = false;
		} else if (val) {
			all_null = false;
		}
	}
	return all_null;
}

json_object *row_json(const struct db_rows *rows, size_t row)
{
	json_object *obj = json_object_new_object();

	if (!obj)
		log_fatal("db: out of memory (json)");
	for (size_t c = 0; rows && c < rows->ncols; c++) {
		const char *label = rows->colnames && rows->colnames[c] ? rows->colnames[c] : "";

		put_path(obj, label, cell_json(rows, row, c));
	}
	/* Only nested objects collapse; the row itself stays an object. */
	json_object_object_foreach(obj, key, val)
	{
		if (json_object_is_type(val, json_type_object) && collapse_nulls(val))
			json_object_object_add(obj, key, NULL);
	}
	return obj;
}

/* ---- rows written as JSON text, without json-c objects ---- */

/* Appends one cell as cell_json() would make it (integers as MariaDB sent them when json-c would
 * print them so: db_cell_text). */
static void json_put_cell(struct buf *b, const struct db_rows *rows, size_t row, size_t col,
                          struct arena *a)
{
	const char *v = db_cell(rows, row, col);
	enum db_coltype t = rows->coltypes ? rows->coltypes[col] : DB_COL_STR;
	char text[40];

	if (!v) {
		buf_append(b, "null", 4);
	} else if (t == DB_COL_INT) {
		buf_puts(b, db_cell_text(a, rows, row, col));
	} else if (t == DB_COL_TIME) {
		db_time_iso(v, text, sizeof(text));
		buf_put_json_str(b, text);
	} else {
		buf_put_json_str(b, v);
	}
}

/* Length of the first label segment when label nests ("a.b" -> 1), else 0 (as put_path splits). */
static size_t nest_len(const char *label)
{
	const char *dot = strchr(label, '.');

	return dot && dot != label && dot[1] ? (size_t)(dot - label) : 0;
}

/* A key of an object with what goes before it: '{' for the first, ',' for the others. */
struct shape_member {
	const char *key; /* e.g. ,"name": */
	size_t key_len;
	size_t col;                          /* a cell: its column */
	const struct row_json_shape *nested; /* a nested object, or NULL for a cell */
};

struct row_json_shape {
	struct shape_member *members;
	size_t n;
	const size_t *cols; /* every column inside the object: all NULL, and it is null */
	size_t ncols;
};

/* The key text of a member: the opening or separating byte, the escaped key and the colon. */
static void member_key(struct shape_member *m, const char *label, size_t len, bool first,
                       struct arena *a)
{
	char *key;
	struct buf text;
	size_t plain = 0;

	while (plain < len && !buf_json_escapes(label[plain]))
		plain++;
	if (plain == len) {
		/* Column labels need no escaping: copied as they are. */
		key = arena_alloc(a, len + 4);
		key[0] = first ? '{' : ',';
		key[1] = '"';
		memcpy(key + 2, label, len);
		memcpy(key + 2 + len, "\":", 2);
		m->key = key;
		m->key_len = len + 4;
		return;
	}
	buf_init(&text);
	buf_putc(&text, first ? '{' : ',');
	buf_put_json_str(&text, arena_strndup(a, label, len));
	buf_putc(&text, ':');
	m->key_len = text.len;
	m->key = arena_strndup(a, text.data, text.len);
	buf_release(&text);
}

/*
 * The object of the columns cols[0..n) whose labels (after skip bytes of
 * prefix) are the keys: a nested group sits where its first column is.
 */
static const struct row_json_shape *shape_of(const struct db_rows *rows, const size_t *cols,
                                             size_t n, size_t skip, struct arena *a)
{
	struct row_json_shape *s = arena_alloc(a, sizeof(*s));
	bool *done = arena_alloc(a, n + 1);

	s->members = arena_alloc(a, (n + 1) * sizeof(*s->members));
	s->cols = cols;
	s->ncols = n;
	for (size_t i = 0; i < n; i++) {
		const char *label = rows->colnames[cols[i]] ? rows->colnames[cols[i]] + skip : "";
		size_t plen = nest_len(label), m = 0;
		struct shape_member *member = &s->members[s->n];
		size_t *sub;

		if (done[i])
			continue;
		member_key(member, label, plen ? plen : strlen(label), s->n++ == 0, a);
		if (!plen) {
			member->col = cols[i];
			continue;
		}
		sub = arena_alloc(a, (n - i) * sizeof(*sub));
		for (size_t j = i; j < n; j++) {
			const char *l =
			    rows->colnames[cols[j]] ? rows->colnames[cols[j]] + skip : "";

			if (!done[j] && nest_len(l) == plen && strncmp(l, label, plen) == 0) {
				done[j] = true;
				sub[m++] = cols[j];
			}
		}
		member->nested = shape_of(rows, sub, m, skip + plen + 1, a);
	}
	return s;
}

const struct row_json_shape *row_json_shape(const struct db_rows *rows, struct arena *a)
{
	size_t *cols;

	if (!rows || !rows->colnames)
		return NULL;
	cols = arena_alloc(a, (rows->ncols + 1) * sizeof(*cols));
	for (size_t c = 0; c < rows->ncols; c++)
		cols[c] = c;
	return shape_of(rows, cols, rows->ncols, 0, a);
}

static bool all_null(const struct row_json_shape *s, const struct db_rows *rows, size_t row)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (db_cell(rows, row, s->cols[i]))
			return false;
	return true;
}

static void put_shape(struct buf *b, const struct row_json_shape *s, const struct db_rows *rows,
                      size_t row, struct arena *a)
{
	if (s->n == 0) {
		buf_append(b, "{}", 2);
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct shape_member *m = &s->members[i];

		buf_append(b, m->key, m->key_len);
		if (!m->nested)
			json_put_cell(b, rows, row, m->col, a);
		else if (all_null(m->nested, rows, row))
			buf_append(b, "null", 4);
		else
			put_shape(b, m->nested, rows, row, a);
	}
	buf_putc(b, '}');
}

void row_json_put(struct buf *b, const struct row_json_shape *shape, const struct db_rows *rows,
                  size_t row, struct arena *a)
{
	if (!shape || row >= rows->nrows) {
		buf_append(b, "{}", 2);
		return;
	}
	put_shape(b, shape, rows, row, a);
}

void row_json_write(struct buf *b, const struct db_rows *rows, size_t row, struct arena *a)
{
	row_json_put(b, row_json_shape(rows, a), rows, row, a);
}
