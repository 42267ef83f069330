/* Batched statements: many rows as one JSON parameter, read back by JSON_TABLE. */
#include "db/db_batch.h"

#include <stdio.h>

#include "base/arena.h"
#include "base/buf.h"

static void put_value(struct buf *b, const struct db_param *p)
{
	if (p->type == 'i')
		buf_appendf(b, "%lld", p->i);
	else if (p->type == 's' && p->s)
		buf_put_json_str(b, p->s);
	else
		buf_puts(b, "null");
}

const char *db_batch_json(struct arena *a, const struct db_param *params, size_t n, size_t width)
{
	struct buf b;
	const char *out;

	buf_init(&b);
	buf_putc(&b, '[');
	for (size_t r = 0; r < n; r++) {
		const struct db_param *row = params + r * width;

		if (r > 0)
			buf_putc(&b, ',');
		if (width != 1)
			buf_putc(&b, '[');
		for (size_t c = 0; c < width; c++) {
			if (c > 0)
				buf_putc(&b, ',');
			put_value(&b, &row[c]);
		}
		if (width != 1)
			buf_putc(&b, ']');
	}
	buf_putc(&b, ']');
	out = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return out;
}
