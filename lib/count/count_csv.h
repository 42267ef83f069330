/* Reading CSV (RFC 4180) for count imports: records with their first line, header detection. */
#ifndef STOCKTAKE_COUNT_CSV_H
#define STOCKTAKE_COUNT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "count/count.h"

struct arena;

/* Rows one import may hold. */
#define COUNT_IMPORT_ROWS_MAX 5000

/* One record: its fields (unquoted, unquoted fields trimmed of blanks) and its first line. */
struct count_csv_row {
	size_t line;
	size_t nfields;
	const char **fields;
};

/*
 * Splits text (len bytes; a UTF-8 BOM at the start is skipped) into records.
 * Lines end with LF or CRLF; quoted fields may hold commas, doubled quotes and
 * line breaks; blank lines are skipped. Returns the number of records (rows in
 * *rows, in the arena), or -1 with *bad_line and *msg for an unterminated
 * quote, text after a closing quote, or a NUL byte.
 */
long count_csv_parse(struct arena *a, const char *text, size_t len, struct count_csv_row **rows,
                     size_t *bad_line, const char **msg);

/* Whether row is the optional header of an import: its first field names the bin column. */
bool count_csv_is_header(const struct count_csv_row *row);

/*
 * The rows of an import's CSV text (len bytes), the header dropped, in the
 * arena. 0, or COUNT_REFUSED with res 400: "Invalid CSV" ("line N: why"), "No
 * rows to import" or "Too many rows" (over COUNT_IMPORT_ROWS_MAX).
 */
int count_csv_import_rows(struct arena *a, const char *text, size_t len,
                          const struct count_csv_row **rows, size_t *n, struct count_result *res);

#endif
