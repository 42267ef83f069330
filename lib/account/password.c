/* Passwords: their length rule, yescrypt hashes and the constant-time check against a hash. */
#include "account/password.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"

/*
 * A real yescrypt hash of a random throw-away password. Logins of unknown
 * users are checked against it so that they cost as much time as wrong
 * passwords and reveal nothing about which usernames exist.
 */
static const char dummy_hash[] =
    "$y$j9T$YBCV/xlmrwFlN.wOsk8fG/$.cWLPizDcOfPGkKZREj54Tbu4GGCuKVWKJUD.7AE09.";

bool password_ok(const char *password)
{
	size_t n = password ? strlen(password) : 0;

	return n >= PASSWORD_MIN && n <= PASSWORD_MAX;
}

/* Equal-length buffers compared without an early exit. */
static bool consttime_equal(const void *x, const void *y, size_t n)
{
	const volatile unsigned char *p = x, *q = y;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= p[i] ^ q[i];
	return diff == 0;
}

char *password_hash(struct arena *a, const char *password)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	char *out = NULL;
	const char *h;

	if (!password)
		return NULL;
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting)) {
		log_error("password: crypt_gensalt_rn: %s", strerror(errno));
		return NULL;
	}
	cd = calloc(1, sizeof *cd);
	if (!cd)
		log_fatal("password: out of memory");
	h = crypt_rn(password, setting, cd, (int)sizeof *cd);
	if (h && h[0] != '*')
		out = arena_strdup(a, h);
	else
		log_error("password: crypt_rn failed: %s", strerror(errno));
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return out;
}

bool password_verify(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	bool ok = false;

	if (!password || !hash || hash[0] == '\0' || hash[0] == '*')
		return false;
	cd = calloc(1, sizeof *cd);
	if (!cd)
		log_fatal("password: out of memory");
	/* crypt takes the setting (method, cost, salt) from the stored hash itself. */
	h = crypt_rn(password, hash, cd, (int)sizeof *cd);
	if (h && h[0] != '*') {
		size_t n = strlen(hash);
		ok = strlen(h) == n && consttime_equal(h, hash, n);
	}
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

bool password_burn(const char *password)
{
	return password_verify(password ? password : "", dummy_hash);
}
