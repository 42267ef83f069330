/*
 * Fuzz driver: CSV import. The input is the body of a count import
 * (POST .../import, text/csv: bin code, sku, counted_qt, lot). It goes through
 * count_csv_parse, the header check and the per-row checks that need no
 * database (count_import_fields).
 *
 * Properties: every record read survives the export writer: written again with
 * csv_field and read back, it gives the same fields, changed only as the two
 * formats say (the formula guard's leading quote; blanks around unquoted fields
 * are not kept). An accepted row's counted_qt is within bounds.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "count/count.h"
#include "count/count_csv.h"
#include "fuzz.h"
#include "stock/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What reading back the field csv_field wrote for v gives. */
static const char *expected(struct arena *a, const char *v)
{
	bool guard = strchr("=+-@\t\r", *v) && *v;
	bool quoted = strpbrk(v, ",\"\r\n") != NULL;
	const char *s = guard ? arena_sprintf(a, "'%s", v) : v;
	size_t n;

	if (quoted)
		return s;
	while (blank(*s))
		s++;
	n = strlen(s);
	while (n && (blank(s[n - 1]) || s[n - 1] == '\r'))
		n--;
	return arena_strndup(a, s, n);
}

static void check_round_trip(struct arena *a, const struct count_csv_row *row)
{
	struct count_csv_row *again;
	struct buf b;
	size_t bad_line = 0;
	const char *msg = NULL;
	bool empty;
	long n;

	buf_init(&b);
	/* A first line of its own, so a field starting with a BOM is not taken for one. */
	csv_end_record(&b);
	for (size_t i = 0; i < row->nfields; i++)
		csv_field(&b, row->fields[i], i == 0);
	csv_end_record(&b);
	n = count_csv_parse(a, b.data, b.len, &again, &bad_line, &msg);
	empty = row->nfields == 1 && !*expected(a, row->fields[0]) &&
	        !strpbrk(row->fields[0], ",\"\r\n");
	if (n != (empty ? 0 : 1))
		fuzz_fail("record of %zu fields written as \"%s\" reads back as %ld records (%s)",
		          row->nfields, buf_cstr(&b), n, n < 0 ? msg : "");
	if (n == 1) {
		if (again[0].nfields != row->nfields)
			fuzz_fail("record \"%s\": %zu fields became %zu", buf_cstr(&b),
			          row->nfields, again[0].nfields);
		for (size_t i = 0; i < row->nfields; i++)
			if (strcmp(again[0].fields[i], expected(a, row->fields[i])) != 0)
				fuzz_fail("field \"%s\" written as \"%s\" reads back as \"%s\"",
				          row->fields[i], buf_cstr(&b), again[0].fields[i]);
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	struct count_csv_row *rows = NULL;
	size_t bad_line = 0;
	const char *msg = NULL;
	long n;

	fuzz_setup();
	if (!a)
		a = arena_new(0);
	n = count_csv_parse(a, (const char *)data, size, &rows, &bad_line, &msg);
	if (n < 0 && (!msg || bad_line == 0))
		fuzz_fail("count_csv_parse refused without a line and message");
	for (long i = 0; i < n; i++) {
		struct count_entry e;
		struct count_result res = {0};

		if (rows[i].nfields == 0 || rows[i].line == 0)
			fuzz_fail("record %ld: %zu fields at line %zu", i, rows[i].nfields,
			          rows[i].line);
		if (i > 0 && rows[i].line <= rows[i - 1].line)
			fuzz_fail("record %ld starts at line %zu, before its predecessor", i,
			          rows[i].line);
		(void)count_csv_is_header(&rows[i]);
		check_round_trip(a, &rows[i]);
		if (count_import_fields(a, rows[i].fields, rows[i].nfields, &e, &res) == 0 &&
		    (e.counted_qt < 0 || e.counted_qt > LEDGER_QTY_MAX || !e.lot_number))
			fuzz_fail("row %ld accepted with counted_qt %lld", i, e.counted_qt);
	}
	arena_reset(a);
	return 0;
}
