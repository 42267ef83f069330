/* Following the ledger: transactions in written order after a cursor, once they have settled. */
#include "stock/itx_follow.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/valid.h"
#include "db/sql.h"
#include "db/user_probe.h"
#include "stock/itx_sql.h"

/* The label of the position column, dropped from the rows once read. */
#define CURSOR_COL "follow_cursor_at"

/* The digits of a DATETIME(6) text, in order: YYYYMMDDHHMMSSffffff. */
#define CURSOR_DIGITS 20

bool itx_cursor_parse(const char *s, struct itx_cursor *c)
{
	const char *dot;
	const char *d;

	memset(c, 0, sizeof(*c));
	if (!s)
		return false;
	if (strcmp(s, ITX_CURSOR_START) == 0)
		return true;
	dot = strchr(s, '.');
	if (!dot || dot - s != CURSOR_DIGITS || !valid_uuid(dot + 1))
		return false;
	for (int i = 0; i < CURSOR_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	d = s;
	/* Back to DATETIME text (a date that does not exist matches no row). */
	snprintf(c->at, sizeof(c->at), "%.4s-%.2s-%.2s %.2s:%.2s:%.2s.%.6s", d, d + 4, d + 6, d + 8,
	         d + 10, d + 12, d + 14);
	snprintf(c->id, sizeof(c->id), "%s", dot + 1);
	for (char *p = c->id; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

void itx_cursor_format(const struct itx_cursor *c, char *out, size_t outlen)
{
	size_t n = 0;

	if (!c->at[0]) {
		snprintf(out, outlen, "%s", ITX_CURSOR_START);
		return;
	}
	for (const char *p = c->at; *p && n + 1 < outlen; p++)
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
	out[n] = '\0';
	snprintf(out + n, outlen - n, ".%s", c->id);
}

/* " AND (created_at, id) > after" as the index reads it: after the cursor's row. */
static void after_cursor(struct sql *q, const struct itx_cursor *after)
{
	if (!after->at[0])
		return;
	sql_addp(q, " AND (t.created_at > ?", DBP_S(after->at));
	sql_addp(q, " OR (t.created_at = ?", DBP_S(after->at));
	sql_addp(q, " AND t.id > ?))", DBP_S(after->id));
}

/* The position of the page's last row (its column then dropped), or *after for none. */
static void take_last(struct db_rows *out, const struct itx_cursor *after, struct itx_cursor *last)
{
	int col = db_col(out, CURSOR_COL);
	int id = db_col(out, "id");

	*last = *after;
	if (col < 0)
		return;
	if (out->nrows > 0 && id >= 0 && db_cell(out, out->nrows - 1, (size_t)col)) {
		snprintf(last->at, sizeof(last->at), "%s",
		         db_cell(out, out->nrows - 1, (size_t)col));
		snprintf(last->id, sizeof(last->id), "%s",
		         db_cell(out, out->nrows - 1, (size_t)id));
	}
	db_rows_drop_col(out, (size_t)col);
}

struct itx_read itx_follow(struct arena *a, const struct itx_filter *f,
                           const struct itx_cursor *after, long long limit, struct db_rows *out,
                           struct itx_cursor *last)
{
	struct sql q;
	struct itx_read read;
	int rc;

	/*
	 * The ids first, in (tenant_id, created_at, id) order from the index of
	 * migration 009, then only those rows joined, as itx_page does.
	 */
	sql_init(&q, a);
	buf_puts(&q.text,
	         "SELECT " TX_FLAT_COLUMNS TX_NESTED_COLUMNS
	         ", DATE_FORMAT(t.created_at, '%Y-%m-%d %H:%i:%s.%f') AS `" CURSOR_COL "`");
	itx_probe_sql(&q, f);
	buf_puts(&q.text, " FROM (SELECT t.id FROM inventory_transactions t");
	itx_filter_sql(&q, f);
	after_cursor(&q, after);
	sql_addp(&q, " AND t.created_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND",
	         DBP_I(ITX_FOLLOW_SETTLE_SECONDS));
	sql_addp(&q, " ORDER BY t.created_at, t.id LIMIT ?", DBP_I(limit));
	buf_puts(&q.text, ") page JOIN inventory_transactions t ON t.id = page.id" TX_RELATED
	                  " ORDER BY t.created_at, t.id");
	rc = sql_exec(&q, out);
	sql_release(&q);
	read = itx_read_result(rc, f->probe, out);
	if (read.outcome == ITX_READ_OK)
		take_last(out, after, last);
	return read;
}
