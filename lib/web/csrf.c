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

char *csrf_token(struct arena *a, const char *session)
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
