/* Inventory transactions for the JSON group and the pages: the keyed create, the CSV stream. */
#include "web/itx_api.h"

#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jval.h"
#include "base/log.h"
#include "db/db.h"
#include "web/csv_stream.h"
#include "web/envelope.h"
#include "web/idempotency.h"
#include "web/row_json.h"

/* db_transaction already tries 5 times; under heavy contention give it a few more rounds. */
#define CREATE_ROUNDS 4

/* One keyed create: the key and the body stored with the write. */
struct keyed {
	struct arena *a;
	const struct idem *k;
	const char *body;
};

static int claim_key(void *ctx)
{
	struct keyed *kd = ctx;

	switch (idem_claim(kd->a, kd->k)) {
	case IDEM_NEW:
		return 0;
	case IDEM_TAKEN:
		return ITX_HOOK_STOP;
	default:
		return -1;
	}
}

/*
 * The 201 body, kept with the key: the transaction as stored, the stock record the client named
 * (updated_stock, as the document shows it) and, for a move, the record the units are in now.
 */
static int store_answer(void *ctx, const struct db_rows *transaction, const struct db_rows *stock,
                        const struct db_rows *destination)
{
	struct keyed *kd = ctx;
	struct json_object *env = envelope_ondi("Inventory transaction created successfully");

	json_object_object_add(env, "inventory_transaction", row_json(transaction, 0));
	json_object_object_add(env, "updated_stock", row_json(stock, 0));
	if (destination)
		json_object_object_add(env, "destination_stock", row_json(destination, 0));
	kd->body = jval_text(kd->a, env);
	return idem_store(kd->a, kd->k, 201, kd->body) < 0 ? -1 : 0;
}

/* The new transaction's id in a 201 body store_answer built (NULL in any other body). */
static const char *created_id(struct arena *a, int status, const char *body)
{
	struct json_object *o, *tx, *id;
	const char *text = NULL;

	if (status != 201 || !body || !(o = json_tokener_parse(body)))
		return NULL;
	if (json_object_object_get_ex(o, "inventory_transaction", &tx) &&
	    json_object_object_get_ex(tx, "id", &id) && json_object_is_type(id, json_type_string))
		text = arena_strdup(a, json_object_get_string(id));
	json_object_put(o);
	return text;
}

/* What the key has stored: REPLAYED or KEY_REUSED (out filled), CREATED for nothing. */
static enum itx_api_outcome stored(struct arena *a, const struct idem *k,
                                   struct itx_api_result *out)
{
	switch (idem_lookup(a, k, &out->status, &out->body)) {
	case IDEM_NEW:
		return ITX_API_CREATED;
	case IDEM_REPLAY:
		out->id = created_id(a, out->status, out->body);
		return ITX_API_REPLAYED;
	case IDEM_MISMATCH:
		return ITX_API_KEY_REUSED;
	default:
		return ITX_API_FAILED;
	}
}

enum itx_api_outcome itx_api_create(struct arena *a, const char *tenant_id,
                                    const struct itx_input *in, const struct idem *k,
                                    struct itx_api_result *out)
{
	struct keyed kd = {a, k, NULL};
	const struct itx_hooks hooks = {claim_key, store_answer, &kd};
	struct itx_result res;
	enum itx_outcome o = ITX_FAILED;
	enum itx_api_outcome so;

	memset(out, 0, sizeof(*out));
	idem_purge(a, k);
	if ((so = stored(a, k, out)) != ITX_API_CREATED)
		return so;
	for (int round = 0; round < CREATE_ROUNDS; round++) {
		o = itx_create(a, tenant_id, in, &hooks, &res);
		/* A key whose holder rolled back after all is free again: try once more. */
		if (o == ITX_STOPPED && (so = stored(a, k, out)) != ITX_API_CREATED)
			return so;
		if (o == ITX_STOPPED || (o == ITX_FAILED && db_lock_conflict()))
			continue;
		break;
	}
	switch (o) {
	case ITX_CREATED:
		out->status = 201;
		out->body = kd.body;
		out->id = res.id;
		return ITX_API_CREATED;
	case ITX_REFUSED:
		out->status = res.status;
		out->message = res.message;
		return ITX_API_REFUSED;
	default:
		return ITX_API_FAILED;
	}
}

void itx_api_csv(struct request *r, const struct itx_filter *f)
{
	struct itx_csv_cursor cur = {"", ""};
	struct buf out;
	long n;

	if (csv_stream_begin(r, "inventory-transactions.csv") < 0)
		return;
	buf_init(&out);
	buf_puts(&out, itx_csv_header);
	do {
		n = itx_csv_batch(f, &cur, &out);
		if (n < 0)
			log_error(
			    "inventory_transactions: CSV export cut short by a database error");
		if (csv_stream_write(r, &out) < 0) {
			log_warn("inventory_transactions: client left during the CSV export");
			break;
		}
	} while (n == ITX_CSV_BATCH);
	buf_release(&out);
}
