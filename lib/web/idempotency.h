/* Idempotency-Key for POST handlers: retries get the first response, a reused key is refused. */
#ifndef STOCKTAKE_IDEMPOTENCY_H
#define STOCKTAKE_IDEMPOTENCY_H

#include <stdbool.h>

struct arena;
struct request;

/* Longest key accepted (the column is VARCHAR(255) ascii). */
#define IDEM_KEY_MAX 255
/* Keys are kept at least this long; older ones are purged opportunistically. */
#define IDEM_TTL_HOURS 24

/* The key of one request. */
struct idem {
	const char *tenant_id;
	const char *key;         /* NULL when the request carries no Idempotency-Key */
	const char *request_hex; /* hex of "METHOD path\n" + body; the server hashes it (SHA2) */
};

enum idem_state {
	IDEM_FAIL = -1, /* database error */
	IDEM_NEW = 0,   /* no stored response: go ahead (and after idem_claim: the key is ours) */
	IDEM_REPLAY,    /* a response is stored for this key and the same request */
	IDEM_MISMATCH,  /* the key was used for a different request */
	IDEM_TAKEN,     /* idem_claim: another request committed the key meanwhile */
	IDEM_BUSY,      /* idem_claim_nowait: another request holds the key and is still running */
};

/* 1..IDEM_KEY_MAX printable ASCII characters (no blanks). */
bool idem_key_valid(const char *key);

/*
 * Reads r's Idempotency-Key header into k (k->key NULL when absent). Returns
 * -1 when the header is present but not a valid key.
 */
int idem_init(struct request *r, const char *tenant_id, struct idem *k);

/* As idem_init with the key given (an HTML form's hidden field); NULL for none. */
int idem_init_key(struct request *r, const char *tenant_id, const char *key, struct idem *k);

/*
 * Looks the key up. IDEM_REPLAY sets *status and *body (the stored response);
 * IDEM_MISMATCH when the stored request differs; IDEM_NEW when nothing is stored.
 */
enum idem_state idem_lookup(struct arena *a, const struct idem *k, int *status, const char **body);

/*
 * Inside the write's transaction, before its other writes: inserts the key.
 * A concurrent request with the same key waits here until the first one ends;
 * if that one committed, this returns IDEM_TAKEN (roll back, then idem_lookup),
 * if it rolled back, this request owns the key. IDEM_NEW without a key.
 */
enum idem_state idem_claim(struct arena *a, const struct idem *k);

/*
 * As idem_claim, but never waits for a lock: a key held by a request that is still running
 * gives IDEM_BUSY at once (the lock conflict is not retried by db_transaction on its own: the
 * caller decides). A lock held for a moment by another key's insert may give IDEM_BUSY too.
 */
enum idem_state idem_claim_nowait(struct arena *a, const struct idem *k);

/* Inside the same transaction: stores the response that retries get. 0 or -1. */
int idem_store(struct arena *a, const struct idem *k, int status, const char *body);

/*
 * Deletes this tenant's keys older than IDEM_TTL_HOURS: always the request's
 * own key (so an expired key starts afresh), other old keys a batch at a time
 * on a random share of requests. Never waits for a lock (a key held by a
 * request still running stays). Errors are logged and ignored.
 */
void idem_purge(struct arena *a, const struct idem *k);

/* Sends a stored response as it was (JSON body, status), marked Idempotent-Replayed. */
void idem_replay(struct request *r, int status, const char *body);

#endif
