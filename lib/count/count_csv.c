/* Reading CSV (RFC 4180) for count imports: records with their first line, header detection. */
#include "count/count_csv.h"

#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"

/* How a field ended. */
enum field_end { END_FIELD, END_RECORD, END_TEXT, END_ERROR };

struct reader {
	struct arena *a;
	const char *p, *end;
	size_t line;
	struct buf field;
	size_t bad_line;
	const char *msg;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum field_end fail(struct reader *rd, size_t line, const char *msg)
{
	rd->bad_line = line;
	rd->msg = msg;
	return END_ERROR;
}

/* After a field: a comma, a line end, or the end of the text. */
static enum field_end terminator(struct reader *rd)
{
	if (rd->p == rd->end)
		return END_TEXT;
	if (*rd->p == ',') {
		rd->p++;
		return END_FIELD;
	}
	if (*rd->p == '\r' && rd->p + 1 < rd->end && rd->p[1] == '\n')
		rd->p++;
	if (*rd->p == '\n') {
		rd->p++;
		rd->line++;
		return END_RECORD;
	}
	return fail(rd, rd->line, "Text after a closing quote");
}

static enum field_end quoted(struct reader *rd)
{
	size_t start = rd->line;

	for (rd->p++;; rd->p++) {
		if (rd->p == rd->end)
			return fail(rd, start, "Unterminated quoted field");
		if (*rd->p == '\0')
			return fail(rd, rd->line, "NUL byte in CSV");
		if (*rd->p == '"') {
			if (rd->p + 1 < rd->end && rd->p[1] == '"') {
				buf_putc(&rd->field, '"');
				rd->p++;
				continue;
			}
			rd->p++;
			break;
		}
		if (*rd->p == '\n')
			rd->line++;
		buf_putc(&rd->field, *rd->p);
	}
	while (rd->p < rd->end && blank(*rd->p))
		rd->p++;
	return terminator(rd);
}

static enum field_end unquoted(struct reader *rd)
{
	const char *s = rd->p;
	size_t n;

	while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n') {
		if (*rd->p == '\0')
			return fail(rd, rd->line, "NUL byte in CSV");
		rd->p++;
	}
	n = (size_t)(rd->p - s);
	while (n > 0 && (blank(s[n - 1]) || s[n - 1] == '\r'))
		n--;
	buf_append(&rd->field, s, n);
	return terminator(rd);
}

/* Reads one field into rd->field. */
static enum field_end next_field(struct reader *rd, bool *was_quoted)
{
	buf_reset(&rd->field);
	while (rd->p < rd->end && blank(*rd->p))
		rd->p++;
	*was_quoted = rd->p < rd->end && *rd->p == '"';
	return *was_quoted ? quoted(rd) : unquoted(rd);
}

/* Room for one more item in an arena array of n items and capacity *cap (which may grow). */
static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
	void *more;

	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 8;
	more = arena_alloc(a, *cap * size);
	if (n)
		memcpy(more, items, n * size);
	return more;
}

/* Reads one record; END_RECORD or END_TEXT when done, END_ERROR on malformed input. */
static enum field_end next_record(struct reader *rd, struct count_csv_row *row, bool *empty)
{
	size_t cap = 0;
	bool was_quoted = false;
	enum field_end e;

	memset(row, 0, sizeof(*row));
	row->line = rd->line;
	do {
		e = next_field(rd, &was_quoted);
		if (e == END_ERROR)
			return e;
		row->fields = grow(rd->a, row->fields, row->nfields, &cap, sizeof(*row->fields));
		row->fields[row->nfields++] = arena_strdup(rd->a, buf_cstr(&rd->field));
	} while (e == END_FIELD);
	*empty = row->nfields == 1 && !was_quoted && !*row->fields[0];
	return e;
}

long count_csv_parse(struct arena *a, const char *text, size_t len, struct count_csv_row **rows,
                     size_t *bad_line, const char **msg)
{
	struct reader rd = {.a = a, .p = text, .end = text + len, .line = 1};
	size_t n = 0, cap = 0;
	long rc = -1;

	*rows = NULL;
	buf_init(&rd.field);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		rd.p += 3;
	while (rd.p < rd.end) {
		struct count_csv_row row;
		bool empty;
		enum field_end e = next_record(&rd, &row, &empty);

		if (e == END_ERROR) {
			*bad_line = rd.bad_line;
			*msg = rd.msg;
			goto out;
		}
		if (empty)
			continue;
		*rows = grow(a, *rows, n, &cap, sizeof(**rows));
		(*rows)[n++] = row;
	}
	rc = (long)n;
out:
	buf_release(&rd.field);
	return rc;
}

bool count_csv_is_header(const struct count_csv_row *row)
{
	static const char *const names[] = {"bin", "bin_code", "bin code", "bin_id", NULL};

	if (!row || row->nfields == 0)
		return false;
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(row->fields[0], names[i]) == 0)
			return true;
	return false;
}

int count_csv_import_rows(struct arena *a, const char *text, size_t len,
                          const struct count_csv_row **rows, size_t *n, struct count_result *res)
{
	size_t bad_line = 0;
	const char *msg = NULL;
	struct count_csv_row *all;
	long got = count_csv_parse(a, text, len, &all, &bad_line, &msg);

	if (got < 0)
		return count_refuse(res, 400, "Invalid CSV",
		                    arena_sprintf(a, "line %zu: %s", bad_line, msg));
	*rows = all;
	*n = (size_t)got;
	if (*n && count_csv_is_header(&all[0])) {
		(*rows)++;
		(*n)--;
	}
	if (*n == 0)
		return count_refuse(
		    res, 400, "No rows to import",
		    "send CSV rows: bin code, sku, counted_qt, lot (header optional)");
	if (*n > COUNT_IMPORT_ROWS_MAX)
		return count_refuse(
		    res, 400, "Too many rows",
		    arena_sprintf(a, "at most %d rows per import", COUNT_IMPORT_ROWS_MAX));
	return 0;
}
