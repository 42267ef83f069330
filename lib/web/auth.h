/* Authentication: JWT HS256 tokens, password logins, scopes, the caller of a request. */
#ifndef STOCKTAKE_AUTH_H
#define STOCKTAKE_AUTH_H

#include <stdbool.h>

struct arena;
struct caller;
struct db_rows;
struct jwt_key;
struct request;
struct user_probe;

/* Name of the HttpOnly cookie that carries the token for HTML pages. */
#define AUTH_COOKIE "stocktake_token"

enum auth_result {
	AUTH_OK = 0,
	AUTH_MISSING, /* no token */
	AUTH_INVALID, /* malformed, bad signature, wrong alg/iss/aud, not yet valid */
	AUTH_EXPIRED, /* exp in the past */
};

/*
 * Signs an HS256 token with the configured signing key (env_jwt_signing_key),
 * its id in the header's "kid", and claims sub, tenant_id, scope, iat=now,
 * exp=now+ttl, iss and aud from config. Returns the token in the arena, NULL on failure.
 */
char *auth_token_issue(struct arena *a, const char *user_id, const char *tenant_id,
                       const char *scope, long now, long ttl);

/*
 * Verifies a token: the header alg must be HS256 (none and every other alg
 * refused), signature with the ring key its "kid" names (a token without kid:
 * the key "default"; an unknown kid is AUTH_INVALID), exp > now, nbf <= now when
 * present, iss and aud equal to config. Fills out (user_id, tenant_id, scope)
 * with arena strings.
 */
enum auth_result auth_token_verify(struct arena *a, const char *token, long now,
                                   struct caller *out);

/*
 * The ring key a token's header names (its "kid"; "default" without one), or
 * NULL when the token is malformed or names no configured key.
 */
const struct jwt_key *auth_token_key(struct arena *a, const char *token);

/* scope_list (space-separated) contains scope. */
bool auth_scope_has(const char *scope_list, const char *scope);
/*
 * scope_list contains at least one of required (space-separated). An empty or
 * NULL required is no requirement (true).
 */
bool auth_scope_any(const char *scope_list, const char *required);
/* Words of a present in b, space-separated, in the arena. */
char *auth_scope_intersect(struct arena *a, const char *scope_a, const char *scope_b);

/* Outcome of a password login. */
enum auth_login_result {
	AUTH_LOGIN_OK = 0,
	AUTH_LOGIN_REFUSED, /* unknown user, wrong password, or user or tenant disabled */
	AUTH_LOGIN_ERROR,   /* database error */
};

/*
 * Checks username and password against the users table: the user and their
 * tenant must be active. An unknown username costs the time of a password
 * check, like a wrong password, so logins reveal nothing about which exist.
 * On success fills out (user_id, tenant_id, username, and scope = every scope
 * of the user) with arena strings. Refusals are logged.
 */
enum auth_login_result auth_login(struct arena *a, const char *username, const char *password,
                                  struct caller *out);

/* The token of r: "Authorization: Bearer <token>", else the AUTH_COOKIE cookie; NULL when neither.
 */
const char *auth_request_token(const struct request *r);

/*
 * Authenticates r: "Authorization: Bearer <token>", else the AUTH_COOKIE
 * cookie. Verifies the token, then loads the user (same tenant, status active);
 * tokens issued before the user's last password change are refused; the
 * effective scopes are the token's scopes that the user still has. Sets
 * r->caller. Returns 0, or 401 with *message ("Authentication required",
 * "Invalid token", "Token expired", "User disabled").
 */
int auth_authenticate(struct request *r, const char **message);

/*
 * For routes that read the user row along with their own first query instead
 * of on a round trip of its own (the round trip costs a read about as much as
 * its query). Verifies the token and sets r->caller with the token's claims,
 * pending: the route's scopes are checked against the token now and against
 * the user again when the row is read. Returns 0, or 401 with *message as
 * auth_authenticate. app_dispatch settles a caller its handler left pending.
 */
int auth_authenticate_deferred(struct request *r, const char *route_scopes, const char **message);

/*
 * The probe of a caller that auth_authenticate_deferred left pending, for the
 * handler's first statement to read the user row with (db/user_probe.h: the
 * mechanism and its order); NULL when the caller is settled. Its admit
 * settles the caller as auth_settle would: the user's refusals, then the
 * route's scopes.
 */
struct user_probe *auth_probe(struct request *r);

/*
 * Reads a pending caller's user row on its own round trip and applies it
 * (user refusals, then the route's scopes); settled callers keep their outcome.
 * Every answer that depends on who the caller is (scopes, username), or that
 * is streamed, needs a settled caller. Returns 0, or 401/403/500 with *message.
 */
int auth_settle(struct request *r, const char **message);

/*
 * Adds the WWW-Authenticate header of RFC 6750 to an error answer: for a 401,
 * `Bearer realm="stocktake"` when r carried no token, else with
 * error="invalid_token" and message as error_description; for a 403 of a
 * missing scope (scopes: the route's, space-separated), error="insufficient_scope"
 * and scope. Characters RFC 6750 does not allow in a quoted value become '?'.
 */
void auth_challenge(struct request *r, int status, const char *message, const char *scopes);

#endif
