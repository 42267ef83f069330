/* SQL text with its bound parameters, built piecewise: filters, searches, pages. */
#ifndef STOCKTAKE_SQL_H
#define STOCKTAKE_SQL_H

#include <stddef.h>

#include "base/buf.h"
#include "db/db.h"

struct arena;

/* A statement being built: its text and one parameter per '?', in order. */
struct sql {
	struct arena *a;
	struct buf text;
	struct db_param *params;
	size_t n;
	size_t cap;
};

void sql_init(struct sql *q, struct arena *a);
/* Appends one bound parameter (for a '?' already in the text). */
void sql_param(struct sql *q, struct db_param p);
/* Appends text and one bound parameter (for text with one '?'). */
void sql_addp(struct sql *q, const char *text, struct db_param p);
/* Appends text and its n bound parameters, in the order of their '?'. */
void sql_addv(struct sql *q, const char *text, const struct db_param *p, size_t n);
/* Runs the statement (db_execv) into out (NULL: no rows wanted). 0 or -1. */
int sql_exec(const struct sql *q, struct db_rows *out);
void sql_release(struct sql *q);

/* "%term%" for LIKE ... ESCAPE '!', with '!', '%' and '_' in term escaped. */
char *sql_like_pattern(struct arena *a, const char *term);

#endif
