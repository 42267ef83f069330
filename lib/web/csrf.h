/* CSRF tokens for HTML forms: derived from the session's JWT, or a random nonce before login. */
#ifndef STOCKTAKE_CSRF_H
#define STOCKTAKE_CSRF_H

#include <stdbool.h>

struct arena;

/*
 * The form token of a session: HMAC-SHA256 (through libjwt's HS256) of the
 * session token's signature part, under a key derived from the JWT key the
 * session's "kid" names (so a form token is never a valid JWT signature, and
 * it survives a key rotation as long as the session's key is in the ring). It
 * changes with every login and cannot be computed without the key and the
 * HttpOnly cookie. base64url text in the arena; NULL when session is not a JWT
 * or names no configured key. The process keeps the tokens it made (64 slots,
 * under the configuration they were made with), so a session's pages pay the
 * HMAC once.
 */
char *csrf_token(struct arena *a, const char *session);

/* Whether given is the form token of session (constant-time compare). */
bool csrf_valid(struct arena *a, const char *session, const char *given);

/* 32 random bytes as 64 hex digits, for the login form's double-submit cookie. */
char *csrf_nonce(struct arena *a);

/* a equals b, in time that depends only on their lengths. NULL equals nothing. */
bool csrf_equal(const char *a, const char *b);

#endif
