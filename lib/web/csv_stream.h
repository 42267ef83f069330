/* A CSV download streamed to the client in pieces, as it is read from the database. */
#ifndef STOCKTAKE_CSV_STREAM_H
#define STOCKTAKE_CSV_STREAM_H

struct buf;
struct request;

/*
 * Starts a streamed 200 response: status, "text/csv; charset=utf-8",
 * Content-Disposition attachment with filename, Cache-Control no-store,
 * X-Accel-Buffering no (nginx streams it on unbuffered) and r->headers, written now (no
 * Content-Length: the body follows in pieces). Marks r as sent. Returns 0 or -1 (the client is
 * gone).
 */
int csv_stream_begin(struct request *r, const char *filename);

/* Writes b's bytes to the client and empties b. Returns 0 or -1. */
int csv_stream_write(struct request *r, struct buf *b);

#endif
