/*
 * Batched statements: one statement for many rows (a lookup of many keys, an
 * insert of many rows), with the row count rounded to a few sizes so that the
 * per-process statement cache (db.c) keeps a handful of texts.
 */
#ifndef STOCKTAKE_DB_BATCH_H
#define STOCKTAKE_DB_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

struct arena;

/* Rows one batched statement carries at most; more rows take more statements. */
#define DB_BATCH_MAX 64

/* The rows a padded statement for n rows carries: the smallest of 8, 16, 32, 64 not below n. */
size_t db_batch_rows(size_t n);

/* The rows an exact statement takes of n rows left: the largest power of two up to n and 64. */
size_t db_batch_exact_rows(size_t n);

/* head, rows copies of row separated by sep, then tail: the text of one statement, in a. */
char *db_batch_sql(struct arena *a, const char *head, const char *row, const char *sep, size_t rows,
                   const char *tail);

/*
 * A batched statement: head, then the rows (each row's text has width '?'),
 * separated by sep, then tail, whose ntail '?' take tail_params.
 *
 * Padded (a lookup, "... IN (?, ?, ...)"): a statement takes up to 64 rows and
 * carries db_batch_rows() of them, the last row repeated to fill, which must
 * not change its outcome. Exact (an insert, "VALUES (...), (...)"), where a
 * row must not come twice: statements of 64, 32, 16, ..., 1 rows, the binary
 * digits of the count. Either way at most 7 texts per batched statement.
 */
struct db_batch {
	const char *head;
	const char *row;
	const char *sep;
	const char *tail;
	size_t width;
	const struct db_param *tail_params;
	size_t ntail;
	bool exact;
};

/* Called with each statement's result rows. 0 to go on, -1 to stop. */
typedef int (*db_batch_fn)(void *ctx, const struct db_rows *rows);

/*
 * Runs b over n rows of params (width params a row, row after row), in as
 * many statements as its kind takes. fn, when given, gets the result rows of
 * every statement. 0, or -1 on a database error or when fn stops.
 */
int db_batch_exec(struct arena *a, const struct db_batch *b, const struct db_param *params,
                  size_t n, db_batch_fn fn, void *ctx);

#endif
