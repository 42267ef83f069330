/* CSV output (RFC 4180) with spreadsheet formula protection, streamed to the client in pieces. */
#ifndef STOCKTAKE_CSV_H
#define STOCKTAKE_CSV_H

#include <stdbool.h>

struct buf;
struct request;

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

/*
 * Starts a streamed 200 response: status, "text/csv; charset=utf-8",
 * Content-Disposition attachment with filename, Cache-Control no-store and
 * r->headers, written now (no Content-Length: the body follows in pieces).
 * Marks r as sent. Returns 0 or -1 (the client is gone).
 */
int csv_stream_begin(struct request *r, const char *filename);

/* Writes b's bytes to the client and empties b. Returns 0 or -1. */
int csv_stream_write(struct request *r, struct buf *b);

#endif
