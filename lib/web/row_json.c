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

/* Appends one cell as cell_json() would make it. */
static void json_put_cell(struct buf *b, const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);
	enum db_coltype t = rows->coltypes ? rows->coltypes[col] : DB_COL_STR;
	char text[40];

	if (!v) {
		buf_puts(b, "null");
	} else if (t == DB_COL_INT) {
		snprintf(text, sizeof(text), "%lld", strtoll(v, NULL, 10));
		buf_puts(b, text);
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

/*
 * Writes the object of the columns cols[0..n) whose labels (after skip bytes
 * of prefix) are the keys. A nested group sits where its first column is and
 * is null when all its cells are.
 */
static void json_put_object(struct buf *b, const struct db_rows *rows, size_t row,
                            const size_t *cols, size_t n, size_t skip, struct arena *scratch)
{
	bool *done = arena_alloc(scratch, n + 1);
	bool first = true;

	buf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		const char *label = rows->colnames[cols[i]] ? rows->colnames[cols[i]] + skip : "";
		size_t plen = nest_len(label), m = 0;
		size_t *sub;
		bool all_null = true;

		if (done[i])
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		if (!plen) {
			buf_put_json_str(b, label);
			buf_putc(b, ':');
			json_put_cell(b, rows, row, cols[i]);
			continue;
		}
		sub = arena_alloc(scratch, (n - i) * sizeof(*sub));
		for (size_t j = i; j < n; j++) {
			const char *l =
			    rows->colnames[cols[j]] ? rows->colnames[cols[j]] + skip : "";

			if (!done[j] && nest_len(l) == plen && strncmp(l, label, plen) == 0) {
				done[j] = true;
				sub[m++] = cols[j];
				if (db_cell(rows, row, cols[j]))
					all_null = false;
			}
		}
		buf_put_json_str(b, arena_strndup(scratch, label, plen));
		buf_putc(b, ':');
		if (all_null)
			buf_puts(b, "null");
		else
			json_put_object(b, rows, row, sub, m, skip + plen + 1, scratch);
	}
	buf_putc(b, '}');
}

void row_json_write(struct buf *b, const struct db_rows *rows, size_t row, struct arena *a)
{
	size_t *cols;

	if (!rows || !rows->colnames || row >= rows->nrows) {
		buf_puts(b, "{}");
		return;
	}
	cols = arena_alloc(a, (rows->ncols + 1) * sizeof(*cols));
	for (size_t c = 0; c < rows->ncols; c++)
		cols[c] = c;
	json_put_object(b, rows, row, cols, rows->ncols, 0, a);
}
