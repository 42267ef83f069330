/* Runs a JSON handler as one keyed write: the Idempotency-Key, the write and its answer commit
 * together. */
#include "web/keyed.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/buf.h"
#include "db/db.h"
#include "web/auth.h"
#include "web/idempotency.h"
#include "web/req.h"

/*
 * Claims that find the key locked before the request is called busy: the second one follows a
 * few milliseconds of db_transaction's back-off, which outlasts a lock another key's insert or
 * a purge holds for a moment, not a request that is still running.
 */
#define BUSY_ATTEMPTS 2

struct keyed_run {
	struct request *r;
	struct idem k;
	keyed_handler h;
	size_t headers_len; /* r->headers before h ran: what h added goes on a rerun */
	int attempts;
	bool busy;  /* another request holds the key */
	bool taken; /* another request committed the key after our lookup */
};

/* Forgets what an earlier attempt of h answered. */
static void reset_answer(struct keyed_run *kr)
{
	kr->r->status = 0;
	kr->r->out_type = NULL;
	buf_reset(&kr->r->out);
	buf_truncate(&kr->r->headers, kr->headers_len);
}

static int answer_status(const struct request *r)
{
	return r->status ? r->status : 200;
}

/* One attempt: claim the key, run h, keep its answer with the key. */
static int keyed_txn(void *ctx)
{
	struct keyed_run *kr = ctx;
	struct request *r = kr->r;

	kr->attempts++;
	reset_answer(kr);
	switch (idem_claim_nowait(r->arena, &kr->k)) {
	case IDEM_NEW:
		break;
	case IDEM_TAKEN:
		kr->taken = true;
		return 1;
	case IDEM_BUSY:
		if (kr->attempts < BUSY_ATTEMPTS)
			return -1; /* db_transaction runs it again after its back-off */
		db_txn_keep_conflict();
		kr->busy = true;
		return 1;
	default:
		return -1;
	}
	kr->h(r);
	if (answer_status(r) >= 500 || r->sent)
		return -1;
	return idem_store(r->arena, &kr->k, answer_status(r), buf_cstr(&r->out)) < 0 ? -1 : 0;
}

/* Answers from the key's stored state: true when it did (replay, mismatch, error). */
static bool answer_stored(struct request *r, const struct idem *k, keyed_error err)
{
	const char *body = NULL;
	int status = 0;

	switch (idem_lookup(r->arena, k, &status, &body)) {
	case IDEM_NEW:
		return false;
	case IDEM_REPLAY:
		idem_replay(r, status, body);
		return true;
	case IDEM_MISMATCH:
		err(r, 422, "Idempotency key reused with a different request");
		return true;
	default:
		err(r, 500, "Internal server error");
		return true;
	}
}

static void answer_busy(struct request *r, keyed_error err)
{
	err(r, 409, KEYED_BUSY_MESSAGE);
	req_add_header(r, "Retry-After", "1");
}

void keyed_run(struct request *r, const char *tenant_id, keyed_handler h, keyed_error err)
{
	struct keyed_run kr;
	const char *msg = NULL;
	int status, rc;

	memset(&kr, 0, sizeof(kr));
	kr.r = r;
	kr.h = h;
	if (idem_init(r, tenant_id, &kr.k) < 0) {
		err(r, 400, "Invalid idempotency key");
		return;
	}
	if (!kr.k.key) {
		h(r);
		return;
	}
	/* A stored answer is replayed before any transaction: only to a known caller. */
	if ((status = auth_settle(r, &msg)) != 0) {
		err(r, status, msg);
		return;
	}
	idem_purge(r->arena, &kr.k);
	if (answer_stored(r, &kr.k, err))
		return;
	kr.headers_len = r->headers.len;
	rc = db_transaction(keyed_txn, &kr);
	if (kr.busy || kr.taken) {
		reset_answer(&kr);
		/* Taken: the holder committed meanwhile; nothing stored means it rolled back just
		 * now. */
		if (kr.busy || !answer_stored(r, &kr.k, err))
			answer_busy(r, err);
		return;
	}
	if (rc != 0 && answer_status(r) < 500) {
		/* h answered, but its transaction did not commit (a COMMIT that failed): not done.
		 */
		reset_answer(&kr);
		err(r, 500, "Internal server error");
	}
}
