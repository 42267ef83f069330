/* Idempotency-Key for POST handlers: retries get the first response, a reused key is refused. */
#include "web/idempotency.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "web/envelope.h"
#include "web/metrics.h"
#include "web/req.h"

/* One request in this many also purges a batch of the tenant's expired keys. */
#define IDEM_PURGE_ONE_IN 32
#define IDEM_PURGE_BATCH 500

bool idem_key_valid(const char *key)
{
	size_t n = 0;

	if (!key)
		return false;
	for (; key[n]; n++)
		if ((unsigned char)key[n] <= 0x20 || (unsigned char)key[n] >= 0x7f)
			return false;
	return n >= 1 && n <= IDEM_KEY_MAX;
}

/*
 * Hex of the request's method, path (with its query string, when it has one: ?dry_run=true is
 * another request) and body: bound as text whatever bytes the body holds.
 */
static char *request_hex(struct request *r)
{
	static const char hexdigits[] = "0123456789abcdef";
	const char *qs = r->query_string ? r->query_string : "";
	char *head = arena_sprintf(r->arena, "%s %s%s%s\n", r->method, r->path, *qs ? "?" : "", qs);
	size_t hlen = strlen(head), n = hlen + r->body_len;
	char *out = arena_alloc(r->arena, 2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(i < hlen ? head[i] : r->body[i - hlen]);

		out[2 * i] = hexdigits[c >> 4];
		out[2 * i + 1] = hexdigits[c & 15];
	}
	out[2 * n] = '\0';
	return out;
}

int idem_init(struct request *r, const char *tenant_id, struct idem *k)
{
	return idem_init_key(r, tenant_id, req_header(r, "Idempotency-Key"), k);
}

int idem_init_key(struct request *r, const char *tenant_id, const char *key, struct idem *k)
{
	memset(k, 0, sizeof(*k));
	k->tenant_id = tenant_id;
	if (!key)
		return 0;
	if (!idem_key_valid(key))
		return -1;
	k->key = key;
	k->request_hex = request_hex(r);
	return 0;
}

enum idem_state idem_lookup(struct arena *a, const struct idem *k, int *status, const char **body)
{
	struct db_rows rows;
	const char *same, *st;

	if (!k->key)
		return IDEM_NEW;
	if (db_exec(a, &rows,
	            "SELECT request_hash = SHA2(UNHEX(?), 256), status, response"
	            " FROM idempotency_keys WHERE tenant_id = ? AND idem_key = ?",
	            "sss", k->request_hex, k->tenant_id, k->key) < 0)
		return IDEM_FAIL;
	if (rows.nrows == 0)
		return IDEM_NEW;
	same = db_cell(&rows, 0, 0);
	if (!same || strcmp(same, "1") != 0)
		return IDEM_MISMATCH;
	st = db_cell(&rows, 0, 1);
	*status = st ? atoi(st) : 0;
	*body = db_cell(&rows, 0, 2);
	/* Rows are committed only together with their response; be safe anyway. */
	if (*status == 0 || !*body)
		return IDEM_FAIL;
	return IDEM_REPLAY;
}

enum idem_state idem_claim(struct arena *a, const struct idem *k)
{
	if (!k->key)
		return IDEM_NEW;
	/*
	 * IGNORE turns the duplicate key into "0 rows" rather than an error. A
	 * concurrent holder of the same key makes this wait on the primary key
	 * until it commits (duplicate: 0 rows) or rolls back (inserted: 1 row).
	 */
	if (db_exec(a, NULL,
	            "INSERT IGNORE INTO idempotency_keys (tenant_id, idem_key, request_hash)"
	            " VALUES (?, ?, SHA2(UNHEX(?), 256))",
	            "sss", k->tenant_id, k->key, k->request_hex) < 0)
		return IDEM_FAIL;
	return db_affected_rows() == 1 ? IDEM_NEW : IDEM_TAKEN;
}

enum idem_state idem_claim_nowait(struct arena *a, const struct idem *k)
{
	if (!k->key)
		return IDEM_NEW;
	/* A lock wait timeout of 0 (this statement only) turns "wait for the holder" into 1205. */
	if (db_exec(a, NULL,
	            "SET STATEMENT innodb_lock_wait_timeout = 0 FOR"
	            " INSERT IGNORE INTO idempotency_keys (tenant_id, idem_key, request_hash)"
	            " VALUES (?, ?, SHA2(UNHEX(?), 256))",
	            "sss", k->tenant_id, k->key, k->request_hex) < 0)
		return db_lock_conflict() ? IDEM_BUSY : IDEM_FAIL;
	return db_affected_rows() == 1 ? IDEM_NEW : IDEM_TAKEN;
}

int idem_store(struct arena *a, const struct idem *k, int status, const char *body)
{
	if (!k->key)
		return 0;
	return db_exec(a, NULL,
	               "UPDATE idempotency_keys SET status = ?, response = ?"
	               " WHERE tenant_id = ? AND idem_key = ?",
	               "isss", (long long)status, body, k->tenant_id, k->key);
}

void idem_purge(struct arena *a, const struct idem *k)
{
	unsigned int r = 0;

	if (!k->key)
		return;
	/*
	 * Neither delete waits for a lock: a key claimed by a request still running is locked until
	 * that request commits, and a retry that waited here for it would hang past nginx's timeout
	 * instead of being told 409 by idem_claim_nowait. A locked key is not an expired one
	 * anyway.
	 */
	if (db_exec(a, NULL,
	            "SET STATEMENT innodb_lock_wait_timeout = 0 FOR"
	            " DELETE FROM idempotency_keys WHERE tenant_id = ? AND idem_key = ?"
	            " AND created_at < UTC_TIMESTAMP(6) - INTERVAL ? HOUR",
	            "ssi", k->tenant_id, k->key, (long long)IDEM_TTL_HOURS) < 0)
		log_warn("idempotency: could not drop an expired key");
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r) || r % IDEM_PURGE_ONE_IN)
		return;
	if (db_exec(a, NULL,
	            "SET STATEMENT innodb_lock_wait_timeout = 0 FOR"
	            " DELETE FROM idempotency_keys WHERE tenant_id = ?"
	            " AND created_at < UTC_TIMESTAMP(6) - INTERVAL ? HOUR LIMIT ?",
	            "sii", k->tenant_id, (long long)IDEM_TTL_HOURS,
	            (long long)IDEM_PURGE_BATCH) < 0)
		log_warn("idempotency: purge of expired keys failed");
}

void idem_replay(struct request *r, int status, const char *body)
{
	envelope_reply_text(r, status, body);
	req_add_header(r, "Idempotent-Replayed", "true");
	metrics_replay();
}
