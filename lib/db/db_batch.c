/* Batched statements: many rows a statement, row counts rounded to a few cached sizes. */
#include "db/db_batch.h"

#include <string.h>

#include "base/arena.h"

/* The smallest padded statement: below it, padding costs less than another cached text. */
#define DB_BATCH_MIN 8

size_t db_batch_rows(size_t n)
{
	size_t rows = DB_BATCH_MIN;

	while (rows < n && rows < DB_BATCH_MAX)
		rows *= 2;
	return rows;
}

size_t db_batch_exact_rows(size_t n)
{
	size_t rows = 1;

	while (rows * 2 <= n && rows < DB_BATCH_MAX)
		rows *= 2;
	return rows;
}

char *db_batch_sql(struct arena *a, const char *head, const char *row, const char *sep, size_t rows,
                   const char *tail)
{
	size_t lhead = strlen(head), lrow = strlen(row), lsep = strlen(sep), ltail = strlen(tail);
	char *out = arena_alloc(a, lhead + rows * (lrow + lsep) + ltail + 1);
	char *p = out;

	memcpy(p, head, lhead);
	p += lhead;
	for (size_t i = 0; i < rows; i++) {
		if (i > 0) {
			memcpy(p, sep, lsep);
			p += lsep;
		}
		memcpy(p, row, lrow);
		p += lrow;
	}
	memcpy(p, tail, ltail);
	p += ltail;
	*p = '\0';
	return out;
}

/* One statement over the first n of params' rows, carrying rows rows (n, or padded to it). */
static int exec_chunk(struct arena *a, const struct db_batch *b, const struct db_param *params,
                      size_t n, size_t rows, db_batch_fn fn, void *ctx)
{
	size_t np = rows * b->width + b->ntail;
	struct db_param *p = arena_alloc(a, np * sizeof(*p));
	const struct db_param *last = params + (n - 1) * b->width;
	struct db_rows out;

	memcpy(p, params, n * b->width * sizeof(*p));
	for (size_t r = n; r < rows; r++)
		memcpy(p + r * b->width, last, b->width * sizeof(*p));
	if (b->ntail)
		memcpy(p + rows * b->width, b->tail_params, b->ntail * sizeof(*p));
	/* The text is built anew each time; db.c finds its prepared statement by the text. */
	if (db_execv(a, fn ? &out : NULL, db_batch_sql(a, b->head, b->row, b->sep, rows, b->tail),
	             p, np) < 0)
		return -1;
	return fn ? fn(ctx, &out) : 0;
}

int db_batch_exec(struct arena *a, const struct db_batch *b, const struct db_param *params,
                  size_t n, db_batch_fn fn, void *ctx)
{
	size_t done = 0;

	while (done < n) {
		size_t left = n - done, take, rows;

		if (b->exact) {
			take = rows = db_batch_exact_rows(left);
		} else {
			take = left < DB_BATCH_MAX ? left : DB_BATCH_MAX;
			rows = db_batch_rows(take);
		}
		if (exec_chunk(a, b, params + done * b->width, take, rows, fn, ctx) < 0)
			return -1;
		done += take;
	}
	return 0;
}
