/*
 * Batched statements: one statement for many rows (a lookup of many keys, an
 * insert of many rows), with the row count rounded up to a few sizes so that
 * the per-process statement cache (db.c) keeps a handful of texts.
 */
#ifndef STOCKTAKE_DB_BATCH_H
#define STOCKTAKE_DB_BATCH_H

#include <stddef.h>

#include "db.h"

struct arena;

/* Rows one batched statement carries at most; more rows take more statements. */
#define DB_BATCH_MAX 64

/* The rows a statement for n rows carries: the smallest of 8, 16, 32, 64 not below n (n >= 1). */
size_t db_batch_rows(size_t n);

/* head, rows copies of row separated by sep, then tail: the text of one statement, in a. */
char *db_batch_sql(struct arena *a, const char *head, const char *row, const char *sep, size_t rows,
                   const char *tail);

/*
 * A batched statement: head, then the rows (each row's text has width '?'),
 * separated by sep, then tail, whose ntail '?' take tail_params.
 */
struct db_batch {
	const char *head;
	const char *row;
	const char *sep;
	const char *tail;
	size_t width;
	const struct db_param *tail_params;
	size_t ntail;
};

/* Called with each statement's result rows. 0 to go on, -1 to stop. */
typedef int (*db_batch_fn)(void *ctx, const struct db_rows *rows);

/*
 * Runs b over n rows of params (width params a row, row after row), at most
 * DB_BATCH_MAX rows a statement. A statement carries db_batch_rows() rows: the
 * last real row is repeated to fill it, so a statement must come out the same
 * whether a row is there once or more often (a lookup does; an insert must
 * join its rows with " UNION ", which drops the repeats, and its rows must
 * differ in a key). fn, when given, gets the result rows of every statement.
 * 0, or -1 on a database error or when fn stops.
 */
int db_batch_exec(struct arena *a, const struct db_batch *b, const struct db_param *params,
                  size_t n, db_batch_fn fn, void *ctx);

#endif
