/*
 * Batched statements: any number of rows as one JSON parameter, which the
 * statement reads with JSON_TABLE(?, '$[*]' COLUMNS (...)): one text and one
 * round trip whatever the number of rows.
 */
#ifndef STOCKTAKE_DB_BATCH_H
#define STOCKTAKE_DB_BATCH_H

#include <stddef.h>

#include "db/db.h"

struct arena;

/*
 * n rows of width params each (row after row) as a JSON array of arrays, in
 * a: strings as JSON strings, integers as numbers, NULL (a string param whose
 * s is NULL too) as null. "[]" for no rows. A row of width 1 is its value
 * alone, not an array of one ("[\"a\", \"b\"]"), for JSON_TABLE's path '$'.
 */
const char *db_batch_json(struct arena *a, const struct db_param *params, size_t n, size_t width);

#endif
