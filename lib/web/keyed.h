/* Runs a JSON handler as one keyed write: the Idempotency-Key, the write and its answer commit
 * together. */
#ifndef STOCKTAKE_KEYED_H
#define STOCKTAKE_KEYED_H

struct request;

/* The message of the 409 a retry gets while the first request with its key is still running. */
#define KEYED_BUSY_MESSAGE "A request with this Idempotency-Key is still being processed"

/* A route handler (it answers through r). */
typedef void (*keyed_handler)(struct request *r);
/* Sends an error in the route group's envelope (envelope_ondi_error, the status envelope's). */
typedef void (*keyed_error)(struct request *r, int status, const char *message);

/*
 * Runs h for r. Without an Idempotency-Key header h simply runs. With one:
 * - a malformed key: 400 "Invalid idempotency key";
 * - the key already answered the same request (method, path, query string, body): that answer
 *   again, status and body byte for byte, with "Idempotent-Replayed: true"; a different request:
 *   422 "Idempotency key reused with a different request";
 * - the key held by a request still running: 409 KEYED_BUSY_MESSAGE with "Retry-After: 1", at
 *   once (no waiting for its lock);
 * - else one database transaction: the key is claimed first, h runs inside it (the domain's own
 *   db_transaction joins it under a savepoint), and h's answer is stored with the key and
 *   committed with h's writes, whatever its status below 500. An answer of 500 or more rolls
 *   everything back (the key too: a retry runs afresh); a lock conflict runs it all again.
 * Stored answers are kept IDEM_TTL_HOURS (web/idempotency.h). h must start from scratch each
 * time it is called and answer through envelope functions (not stream).
 */
void keyed_run(struct request *r, const char *tenant_id, keyed_handler h, keyed_error err);

#endif
