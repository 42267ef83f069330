/*
 * What the JSON group and the admin pages both need around inventory transactions: a create under
 * an Idempotency-Key (claim, the 201 body stored with the write, replays, retries) and the CSV
 * export streamed to the client.
 */
#ifndef STOCKTAKE_ITX_API_H
#define STOCKTAKE_ITX_API_H

#include "stock/itx.h"

struct arena;
struct idem;
struct request;

enum itx_api_outcome {
	ITX_API_CREATED = 0, /* body: the 201 response; id: the new transaction */
	ITX_API_REPLAYED,    /* the key's stored response: status and body (id when it was a 201) */
	ITX_API_REFUSED,     /* a business rule said no: status and message */
	ITX_API_KEY_REUSED,  /* the Idempotency-Key belongs to another request */
	ITX_API_FAILED,      /* database error (logged) */
};

struct itx_api_result {
	int status;
	const char *message;
	const char *body; /* JSON text of the ONDI answer */
	const char *id;
};

/*
 * Creates the transaction (itx_create) under the Idempotency-Key k (k->key may
 * be NULL): the key is claimed first in the write's database transaction and
 * keeps the 201 body, built from the rows as stored, in the same transaction;
 * a key another request holds is waited for and replayed; lock conflicts are
 * retried a few rounds beyond db_transaction's own.
 */
enum itx_api_outcome itx_api_create(struct arena *a, const char *tenant_id,
                                    const struct itx_input *in, const struct idem *k,
                                    struct itx_api_result *out);

/*
 * Streams every row of the filtered set to r as the CSV download
 * "inventory-transactions.csv", newest first, batch by batch; a database error
 * after the first bytes can only cut the file short (logged). The caller must
 * be settled (a stream cannot be taken back).
 */
void itx_api_csv(struct request *r, const struct itx_filter *f);

#endif
