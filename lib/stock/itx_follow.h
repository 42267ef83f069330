/*
 * Following the ledger: the transactions in the order they were written
 * (created_at, then id), after an opaque cursor, leaving out the rows still
 * too young to be sure that no transaction in flight can commit one before
 * them. A follower that pages with the cursor sees every row once.
 */
#ifndef STOCKTAKE_ITX_FOLLOW_H
#define STOCKTAKE_ITX_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"
#include "stock/itx.h"

struct arena;

/*
 * How old a row must be before a follower is shown it, in seconds. A row's
 * created_at is taken when its INSERT starts; its transaction commits at most
 * DB_TXN_MAX_SECONDS later (db_transaction rolls back a longer one), plus the
 * COMMIT itself (Galera certification) and the clock step of a writer failover
 * between Galera nodes: 10 s of margin for both. So once a row is this old, no
 * row with an earlier created_at can still appear.
 */
#define ITX_FOLLOW_SETTLE_SECONDS (DB_TXN_MAX_SECONDS + 10)

/* The cursor of the ledger's beginning (what a new follower sends first). */
#define ITX_CURSOR_START "start"

/* Room for a cursor's text: 20 digits, '.', a UUID, NUL. */
#define ITX_CURSOR_LEN 64

/* A position in the written order: a row's created_at and id; both empty at the start. */
struct itx_cursor {
	char at[32]; /* "YYYY-MM-DD HH:MM:SS.ffffff" (MariaDB DATETIME(6) text) */
	char id[40];
};

/*
 * Reads a cursor from a client: ITX_CURSOR_START, or one itx_cursor_format
 * wrote. False when s is neither (the caller answers 400).
 */
bool itx_cursor_parse(const char *s, struct itx_cursor *c);

/* The cursor's text (URL-safe: digits, '.', hex and '-'), or ITX_CURSOR_START. */
void itx_cursor_format(const struct itx_cursor *c, char *out, size_t outlen);

/*
 * Up to limit transactions of f written after *after and settled (older than
 * ITX_FOLLOW_SETTLE_SECONDS), oldest first, with itx_page's columns (and
 * f->probe's user row read along). *last is the position to go on from: the
 * last row's, or *after when there is none. ITX_READ_OK, ITX_READ_REFUSED or
 * ITX_READ_FAILED.
 */
struct itx_read itx_follow(struct arena *a, const struct itx_filter *f,
                           const struct itx_cursor *after, long long limit, struct db_rows *out,
                           struct itx_cursor *last);

#endif
