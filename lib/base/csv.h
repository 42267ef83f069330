/* CSV records (RFC 4180) with spreadsheet formula protection; web/csv_stream.h sends them. */
#ifndef STOCKTAKE_CSV_H
#define STOCKTAKE_CSV_H

#include <stdbool.h>

struct buf;

/*
 * Appends one field to the record being built in b, preceded by a comma
 * unless first. NULL is an empty field. A value starting with '=', '+', '-',
 * '@', TAB or CR gets a leading single quote so spreadsheets show it as text
 * instead of running it as a formula (CSV injection). The field is quoted when
 * it holds a comma, a double quote, CR or LF; quotes inside are doubled.
 */
void csv_field(struct buf *b, const char *value, bool first);

/* Ends the record: CRLF. */
void csv_end_record(struct buf *b);

#endif
