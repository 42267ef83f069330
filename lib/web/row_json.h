/* Database rows as the API's JSON objects: nested by dotted labels, typed cells, as objects or
 * text. */
#ifndef STOCKTAKE_ROW_JSON_H
#define STOCKTAKE_ROW_JSON_H

#include <stddef.h>

struct arena;
struct buf;
struct db_rows;
struct json_object;

/*
 * Converts row of rows into a JSON object: DB_COL_INT cells become integers,
 * DB_COL_TIME cells ISO-8601 UTC strings ("2023-06-15T10:30:00Z"), NULL
 * cells null, others strings. A label "warehouse.name" nests as
 * {"warehouse": {"name": ...}}; a nested object whose cells are all NULL
 * becomes null. Returns a new json_object (caller owns).
 */
struct json_object *row_json(const struct db_rows *rows, size_t row);

/*
 * Appends the JSON text of row_json(rows, row), serialized as envelope_reply
 * does (plain, slashes unescaped), straight into b: no json-c objects, for
 * lists whose rows would otherwise cost hundreds of allocations each. Scratch
 * memory comes from arena a.
 */
void row_json_write(struct buf *b, const struct db_rows *rows, size_t row, struct arena *a);

/* How rows' labels nest, worked out once for all of its rows (row_json_put). */
struct row_json_shape;

/* The shape of rows' objects (in arena a), or NULL for rows without labels. */
const struct row_json_shape *row_json_shape(const struct db_rows *rows, struct arena *a);

/*
 * row_json_write with the shape of rows made once: a list writes many rows of one shape.
 * A NULL shape, or a row past the last, writes {}.
 */
void row_json_put(struct buf *b, const struct row_json_shape *shape, const struct db_rows *rows,
                  size_t row, struct arena *a);

#endif
