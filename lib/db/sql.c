/* SQL text with its bound parameters, built piecewise. */
#include "db/sql.h"

#include <string.h>

#include "base/arena.h"

void sql_init(struct sql *q, struct arena *a)
{
	memset(q, 0, sizeof *q);
	q->a = a;
	buf_init(&q->text);
}

void sql_param(struct sql *q, struct db_param p)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;
		struct db_param *grown = arena_alloc(q->a, cap * sizeof *grown);

		if (q->n)
			memcpy(grown, q->params, q->n * sizeof *grown);
		q->params = grown;
		q->cap = cap;
	}
	q->params[q->n++] = p;
}

void sql_addp(struct sql *q, const char *text, struct db_param p)
{
	buf_puts(&q->text, text);
	sql_param(q, p);
}

void sql_addv(struct sql *q, const char *text, const struct db_param *p, size_t n)
{
	buf_puts(&q->text, text);
	for (size_t i = 0; i < n; i++)
		sql_param(q, p[i]);
}

int sql_exec(const struct sql *q, struct db_rows *out)
{
	return db_execv(q->a, out, buf_cstr(&q->text), q->params, q->n);
}

void sql_release(struct sql *q)
{
	buf_release(&q->text);
}

char *sql_like_pattern(struct arena *a, const char *term)
{
	size_t n = strlen(term);
	char *out = arena_alloc(a, 2 * n + 3);
	char *p = out;

	*p++ = '%';
	for (; *term; term++) {
		if (*term == '!' || *term == '%' || *term == '_')
			*p++ = '!';
		*p++ = *term;
	}
	*p++ = '%';
	*p = '\0';
	return out;
}
