/* CSRF tokens: an HMAC of the session token's signature, and random nonces for the login form. */
#include "web/csrf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jwt.h>

#include "base/arena.h"
#include "base/env.h"
#include "base/log.h"
#include "web/auth.h"
#include "web/etag.h"

/* Prefixed to the JWT secret: form tokens are made under a key of their own. */
#define CSRF_KEY_PREFIX "stocktake-csrf:"
#define NONCE_BYTES 32

/* The signature part of a JWT (after its second dot), or NULL. */
static const char *signature_part(const char *token)
{
	const char *dot = token ? strchr(token, '.') : NULL;

	dot = dot ? strchr(dot + 1, '.') : NULL;
	return dot && dot[1] && !strchr(dot + 1, '.') ? dot + 1 : NULL;
}

/*
 * Form tokens this process has made. Every page of a session shows the same
 * token, and making it (the session's header parsed for its key, then libjwt:
 * two JSON documents, base64, an HMAC) cost more than escaping a whole listing
 * page; a hit costs a hash and a constant-time compare of the session. As with
 * auth.c's verified tokens, an entry counts only under the configuration it
 * was made with (env_generation), so a reloaded key ring makes tokens afresh.
 */
#define MADE_SLOTS 64

struct made_token {
	char *session; /* NULL: free slot */
	size_t len;
	char *token;
	unsigned long generation; /* env_generation() when made */
};

static struct made_token made[MADE_SLOTS];

static struct made_token *made_slot(const char *session, size_t len)
{
	return &made[etag_hash(session, len) % MADE_SLOTS]; /* the slot, not a secret */
}

static void made_store(struct made_token *m, const char *session, size_t len, const char *token)
{
	free(m->session);
	free(m->token);
	m->session = strdup(session);
	m->token = strdup(token);
	if (!m->session || !m->token)
		log_fatal("csrf: out of memory");
	m->len = len;
	m->generation = env_generation();
}

/* The form token made afresh; see csrf_token. */
static char *make_token(struct arena *a, const char *session)
{
	/* The session's own key: its form tokens stay valid while that key is in the ring. */
	const struct jwt_key *k = auth_token_key(a, session);
	const char *sig = signature_part(session);
	size_t plen = strlen(CSRF_KEY_PREFIX);
	unsigned char *key;
	jwt_t *jwt = NULL;
	char *enc = NULL, *out = NULL;

	if (!sig || !k)
		return NULL;
	key = arena_alloc(a, plen + k->len);
	memcpy(key, CSRF_KEY_PREFIX, plen);
	memcpy(key + plen, k->secret, k->len);
	if (jwt_new(&jwt) != 0)
		log_fatal("csrf: jwt_new: out of memory");
	if (jwt_add_grant(jwt, "csrf", sig) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)(plen + k->len)) != 0 ||
	    !(enc = jwt_encode_str(jwt))) {
		log_error("csrf: cannot sign the form token");
		goto out;
	}
	/* The HS256 signature of {"csrf": sig} is the MAC we want. */
	out = arena_strdup(a, signature_part(enc));
out:
	memset(key, 0, plen + k->len);
	free(enc);
	jwt_free(jwt);
	return out;
}

char *csrf_token(struct arena *a, const char *session)
{
	size_t len = session ? strlen(session) : 0;
	struct made_token *m = session ? made_slot(session, len) : NULL;
	char *token;

	if (m && m->session && m->len == len && m->generation == env_generation() &&
	    csrf_equal(m->session, session))
		return arena_strdup(a, m->token);
	token = make_token(a, session);
	if (token)
		made_store(m, session, len, token);
	return token;
}

bool csrf_equal(const char *a, const char *b)
{
	size_t n;
	unsigned char diff = 0;

	if (!a || !b || (n = strlen(a)) != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0 && n > 0;
}

bool csrf_valid(struct arena *a, const char *session, const char *given)
{
	return csrf_equal(csrf_token(a, session), given);
}

char *csrf_nonce(struct arena *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[NONCE_BYTES];
	char *out = arena_alloc(a, 2 * NONCE_BYTES + 1);
	size_t got = 0;

	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("csrf: getrandom failed");
		got += (size_t)n;
	}
	for (size_t i = 0; i < NONCE_BYTES; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	return out;
}
