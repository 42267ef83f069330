/* The caller's user row carried by a handler's first statement: taking it out and admitting it. */
#include "db/user_probe.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "db/db.h"

bool user_probe_parse(struct arena *a, const char *text, struct user_row *u)
{
	const char **field[] = {&u->status, &u->tenant_status, &u->tokens_valid_after, &u->scopes,
	                        &u->time_zone};
	const char *p = text;

	/* The username comes last, so whatever it holds cannot shift the other fields. */
	for (size_t i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		const char *sep = strchr(p, USER_PROBE_SEPARATOR);
		if (!sep)
			return false;
		*field[i] = arena_strndup(a, p, (size_t)(sep - p));
		p = sep + 1;
	}
	u->username = p;
	return true;
}

struct user_probe *user_probe_pending(struct user_probe *p)
{
	return p && !p->taken ? p : NULL;
}

int user_probe_take(struct user_probe *p, struct db_rows *rows, const char **message)
{
	int col = db_col(rows, USER_PROBE_LABEL);
	const char *text;

	if (col < 0)
		return 0;
	text = rows->nrows ? db_cell(rows, 0, (size_t)col) : NULL;
	db_rows_drop_col(rows, (size_t)col);
	if (!p || p->taken || rows->nrows == 0)
		return 0;
	p->taken = true;
	return p->admit(p->ctx, text, message);
}
