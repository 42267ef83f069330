/* Authentication: JWT HS256 issue/verify, password logins, scope lists, the request's caller. */
#include "web/auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <jwt.h>

#include "account/password.h"
#include "base/arena.h"
#include "base/env.h"
#include "base/log.h"
#include "base/words.h"
#include "db/db.h"
#include "db/user_probe.h"
#include "web/req.h"

/* Longer tokens are refused before any parsing: ours are a few hundred bytes. */
#define AUTH_TOKEN_MAX 4096
/* The scheme and realm of every WWW-Authenticate header. */
#define AUTH_CHALLENGE "Bearer realm=\"stocktake\""
/* Tolerated clock skew for iat in the future. */
#define AUTH_IAT_SKEW 60

/* ---- tokens ---------------------------------------------------------- */

char *auth_token_issue(struct arena *a, const char *user_id, const char *tenant_id,
                       const char *scope, long now, long ttl)
{
	const struct config *cfg = env_get();
	const struct jwt_key *key = env_jwt_signing_key();
	jwt_t *jwt = NULL;
	char *enc = NULL;
	char *out = NULL;

	if (!user_id || !tenant_id || !key) {
		log_error("auth: cannot issue token: %s", key ? "missing claims" : "no jwt key");
		return NULL;
	}
	if (jwt_new(&jwt) != 0)
		log_fatal("auth: jwt_new: out of memory");
	if (jwt_add_grant(jwt, "sub", user_id) || jwt_add_grant(jwt, "tenant_id", tenant_id) ||
	    jwt_add_grant(jwt, "scope", scope ? scope : "") ||
	    jwt_add_grant(jwt, "iss", cfg->jwt_issuer) ||
	    jwt_add_grant(jwt, "aud", cfg->jwt_audience) || jwt_add_grant_int(jwt, "iat", now) ||
	    jwt_add_grant_int(jwt, "exp", now + ttl)) {
		log_error("auth: cannot add token claims");
		goto out;
	}
	/* The kid tells verifiers which key of their ring to check it with (key rotation). */
	if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key->secret, (int)key->len) !=
	        0 ||
	    jwt_add_header(jwt, "kid", key->kid) != 0) {
		log_error("auth: jwt_set_alg failed");
		goto out;
	}
	enc = jwt_encode_str(jwt);
	if (!enc) {
		log_error("auth: jwt_encode_str failed");
		goto out;
	}
	/* auth_token_verify refuses longer tokens: never hand out one it would not take back. */
	if (strlen(enc) > AUTH_TOKEN_MAX) {
		log_error("auth: cannot issue token: %zu bytes, more than %d", strlen(enc),
		          AUTH_TOKEN_MAX);
		goto out;
	}
	out = arena_strdup(a, enc);
out:
	free(enc);
	jwt_free(jwt);
	return out;
}

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes unpadded base64url; NULL when a character is outside the alphabet. */
static char *b64url_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n * 3 / 4 + 1);
	size_t o = 0;
	unsigned int acc = 0;
	int bits = 0;

	if (n % 4 == 1)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);
		if (v < 0)
			return NULL;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (memchr(out, '\0', o))
		return NULL;
	return out;
}

/*
 * libjwt 1.10 takes the algorithm from the token itself and accepts "none"
 * even when a key is given, so the header is checked here before jwt_decode
 * ever sees the token: only {"alg": "HS256"} passes. *kid is the header's key
 * id in the arena (NULL when absent); a kid that is not a string fails.
 */
static bool read_header(struct arena *a, const char *token, const char **kid)
{
	const char *dot = strchr(token, '.');
	struct json_object *hdr = NULL, *alg = NULL, *k = NULL;
	bool ok = false;
	char *text;

	*kid = NULL;
	if (!dot || dot == token)
		return false;
	text = b64url_decode(a, token, (size_t)(dot - token));
	if (!text)
		return false;
	hdr = json_tokener_parse(text);
	if (!hdr || !json_object_is_type(hdr, json_type_object))
		goto out;
	if (!json_object_object_get_ex(hdr, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string))
		goto out;
	if (json_object_object_get_ex(hdr, "kid", &k)) {
		if (!json_object_is_type(k, json_type_string))
			goto out;
		*kid = arena_strdup(a, json_object_get_string(k));
	}
	ok = strcmp(json_object_get_string(alg), "HS256") == 0;
out:
	json_object_put(hdr);
	return ok;
}

/* Three non-empty base64url parts separated by two dots. */
static bool token_shape_ok(const char *token)
{
	size_t len = strlen(token);
	int dots = 0;
	size_t part = 0;

	if (len == 0 || len > AUTH_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (token[i] == '.') {
			if (part == 0)
				return false;
			dots++;
			part = 0;
		} else if (b64url_value((unsigned char)token[i]) < 0) {
			return false;
		} else {
			part++;
		}
	}
	return dots == 2 && part > 0;
}

/* Integer claim: 1 present (value in *out), 0 absent, -1 present but not an integer. */
static int claim_int(struct json_object *claims, const char *name, long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(claims, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = (long)json_object_get_int64(v);
	return 1;
}

/* String claim, or NULL when absent or not a string. */
static const char *claim_str(struct json_object *claims, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(claims, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* aud equals the configured audience, or is an array that contains it. */
static bool audience_ok(struct json_object *claims, const char *want)
{
	struct json_object *aud;

	if (!json_object_object_get_ex(claims, "aud", &aud))
		return false;
	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), want) == 0;
	if (json_object_is_type(aud, json_type_array)) {
		size_t n = json_object_array_length(aud);
		for (size_t i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(aud, i);
			if (json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), want) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Checks the claims (read with json-c: libjwt 1.10's integer getter cannot
 * tell a string or float from an integer). Fills out on success.
 */
static enum auth_result check_claims(struct arena *a, struct json_object *claims, long now,
                                     struct caller *out)
{
	const struct config *cfg = env_get();
	const char *iss, *sub, *tenant, *scope = "";
	struct json_object *v;
	long exp = 0, nbf = 0, iat = 0;

	if (!json_object_is_type(claims, json_type_object))
		return AUTH_INVALID;
	if (claim_int(claims, "exp", &exp) != 1)
		return AUTH_INVALID;
	switch (claim_int(claims, "nbf", &nbf)) {
	case -1:
		return AUTH_INVALID;
	case 1:
		if (nbf > now)
			return AUTH_INVALID;
		break;
	default:
		break;
	}
	switch (claim_int(claims, "iat", &iat)) {
	case -1:
		return AUTH_INVALID;
	case 1:
		if (iat > now + AUTH_IAT_SKEW)
			return AUTH_INVALID;
		break;
	default:
		break;
	}
	iss = claim_str(claims, "iss");
	if (!iss || !cfg->jwt_issuer || strcmp(iss, cfg->jwt_issuer) != 0)
		return AUTH_INVALID;
	if (!cfg->jwt_audience || !audience_ok(claims, cfg->jwt_audience))
		return AUTH_INVALID;
	sub = claim_str(claims, "sub");
	tenant = claim_str(claims, "tenant_id");
	if (!sub || !*sub || !tenant || !*tenant)
		return AUTH_INVALID;
	if (json_object_object_get_ex(claims, "scope", &v)) {
		scope = claim_str(claims, "scope");
		if (!scope)
			return AUTH_INVALID;
	}
	/* Checked last so that a forged or foreign token is "invalid", never "expired". */
	if (exp <= now)
		return AUTH_EXPIRED;
	out->user_id = arena_strdup(a, sub);
	out->tenant_id = arena_strdup(a, tenant);
	out->scope = arena_strdup(a, scope);
	out->username = NULL;
	out->iat = iat;
	return AUTH_OK;
}

/*
 * Tokens this process has verified. A client sends the same token with every
 * request for an hour, and verifying it (three JSON parses, base64, an HMAC)
 * costs more CPU than the rest of a small request; a hit costs a hash and a
 * constant-time compare. Only tokens that passed every check are kept, as
 * their claims; exp is checked again on every hit, and auth_authenticate
 * still re-reads the user from the database each time. Part of the process's
 * key material: an entry counts only under the configuration it was checked
 * with (env_generation), so after a reload that removed its key, or changed
 * issuer or audience, the token is verified again and refused.
 */
#define VERIFIED_SLOTS 64

struct verified_token {
	char *token; /* NULL: free slot */
	size_t len;
	char *user_id;
	char *tenant_id;
	char *scope;
	long iat;
	long exp;
	unsigned long generation; /* env_generation() when verified */
};

static struct verified_token verified[VERIFIED_SLOTS];

static struct verified_token *verified_slot(const char *token, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: the slot, not a secret */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)token[i]) * 1099511628211ULL;
	return &verified[h % VERIFIED_SLOTS];
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

/* A verified token's claims into out: AUTH_OK or AUTH_EXPIRED; AUTH_MISSING when not cached. */
static enum auth_result verified_lookup(struct arena *a, const char *token, long now,
                                        struct caller *out)
{
	size_t len = strlen(token);
	struct verified_token *v = verified_slot(token, len);

	if (!v->token || v->len != len || v->generation != env_generation() ||
	    !consttime_equal(v->token, token, len))
		return AUTH_MISSING;
	if (v->exp <= now)
		return AUTH_EXPIRED;
	out->user_id = arena_strdup(a, v->user_id);
	out->tenant_id = arena_strdup(a, v->tenant_id);
	out->scope = arena_strdup(a, v->scope);
	out->username = NULL;
	out->iat = v->iat;
	return AUTH_OK;
}

static void verified_store(const char *token, const struct caller *c, long exp)
{
	size_t len = strlen(token);
	struct verified_token *v = verified_slot(token, len);

	free(v->token);
	free(v->user_id);
	free(v->tenant_id);
	free(v->scope);
	v->token = strdup(token);
	v->user_id = strdup(c->user_id);
	v->tenant_id = strdup(c->tenant_id);
	v->scope = strdup(c->scope);
	if (!v->token || !v->user_id || !v->tenant_id || !v->scope)
		log_fatal("auth: out of memory");
	v->len = len;
	v->iat = c->iat;
	v->exp = exp;
	v->generation = env_generation();
}

const struct jwt_key *auth_token_key(struct arena *a, const char *token)
{
	const char *kid;

	if (!token || !token_shape_ok(token) || !read_header(a, token, &kid))
		return NULL;
	return env_jwt_key(kid);
}

enum auth_result auth_token_verify(struct arena *a, const char *token, long now, struct caller *out)
{
	const struct jwt_key *key;
	const char *kid;
	jwt_t *jwt = NULL;
	char *grants = NULL;
	struct json_object *claims = NULL;
	enum auth_result res = AUTH_INVALID;
	long exp = 0;

	if (!token || !*token)
		return AUTH_MISSING;
	/* A kept token is byte for byte one that passed every check, its shape too: a hit needs
	 * no shape check, and a token of another shape is never kept. */
	if (strlen(token) <= AUTH_TOKEN_MAX &&
	    (res = verified_lookup(a, token, now, out)) != AUTH_MISSING)
		return res;
	if (!token_shape_ok(token))
		return AUTH_INVALID;
	res = AUTH_INVALID;
	if (!read_header(a, token, &kid))
		return AUTH_INVALID;
	/* A token without kid predates key rotation: only the legacy key ("default") may check it.
	 */
	key = env_jwt_key(kid);
	if (!key) {
		if (!env_jwt_signing_key())
			log_error("auth: no jwt key configured");
		return AUTH_INVALID;
	}
	if (jwt_decode(&jwt, token, (const unsigned char *)key->secret, (int)key->len) != 0)
		goto out;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto out;
	grants = jwt_get_grants_json(jwt, NULL);
	if (!grants)
		goto out;
	claims = json_tokener_parse(grants);
	res = check_claims(a, claims, now, out);
	if (res == AUTH_OK && claim_int(claims, "exp", &exp) == 1)
		verified_store(token, out, exp);
out:
	json_object_put(claims);
	free(grants);
	jwt_free(jwt);
	return res;
}

/* ---- scopes ---------------------------------------------------------- */

bool auth_scope_has(const char *scope_list, const char *scope)
{
	return words_has(scope_list, scope);
}

bool auth_scope_any(const char *scope_list, const char *required)
{
	return words_any(scope_list, required);
}

char *auth_scope_intersect(struct arena *a, const char *scope_a, const char *scope_b)
{
	return words_intersect(a, scope_a, scope_b);
}

/* ---- the caller of a request ----------------------------------------- */

enum auth_login_result auth_login(struct arena *a, const char *username, const char *password,
                                  struct caller *out)
{
	struct db_rows rows;
	const char *user_id;
	bool password_ok, active;

	memset(out, 0, sizeof(*out));
	if (db_exec(
	        a, &rows,
	        "SELECT u.id, u.tenant_id, u.password_hash, u.scopes, u.status, t.status, "
	        "u.username FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.username = ?",
	        "s", username) != 0)
		return AUTH_LOGIN_ERROR;
	if (rows.nrows == 0) {
		/* Same work and same answer as a wrong password: no user enumeration. */
		password_burn(password);
		return AUTH_LOGIN_REFUSED;
	}
	user_id = db_cell(&rows, 0, 0);
	password_ok = password_verify(password, db_cell(&rows, 0, 2));
	active = strcmp(db_cell(&rows, 0, 4), "active") == 0 &&
	         strcmp(db_cell(&rows, 0, 5), "active") == 0;
	if (!password_ok || !active) {
		log_info("auth: login refused for %s: %s", user_id,
		         password_ok ? "disabled" : "bad password");
		return AUTH_LOGIN_REFUSED;
	}
	out->user_id = user_id;
	out->tenant_id = db_cell(&rows, 0, 1);
	out->scope = db_cell(&rows, 0, 3);
	out->username = db_cell(&rows, 0, 6);
	return AUTH_LOGIN_OK;
}

const char *auth_request_token(const struct request *r)
{
	const char *h = req_header(r, "Authorization");

	if (h) {
		while (*h == ' ' || *h == '\t')
			h++;
		if (strncasecmp(h, "Bearer", 6) == 0 && (h[6] == ' ' || h[6] == '\t')) {
			const char *t = h + 7;
			size_t n;
			while (*t == ' ' || *t == '\t')
				t++;
			n = strlen(t);
			while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
				n--;
			return n ? arena_strndup(r->arena, t, n) : NULL;
		}
	}
	return req_cookie(r, AUTH_COOKIE);
}

/* A quoted value of a challenge: printable ASCII but '"' and '\\' (RFC 6750 section 3). */
static const char *challenge_value(struct arena *a, const char *s)
{
	char *v = arena_strdup(a, s ? s : "");

	for (char *p = v; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			*p = '?';
	return v;
}

void auth_challenge(struct request *r, int status, const char *message, const char *scopes)
{
	const char *v;

	if (status == 403 && scopes && *scopes)
		v = arena_sprintf(r->arena,
		                  AUTH_CHALLENGE ", error=\"insufficient_scope\", scope=\"%s\"",
		                  challenge_value(r->arena, scopes));
	else if (status != 401)
		return;
	else if (!auth_request_token(r))
		v = AUTH_CHALLENGE;
	else
		v = arena_sprintf(
		    r->arena, AUTH_CHALLENGE ", error=\"invalid_token\", error_description=\"%s\"",
		    challenge_value(r->arena, message));
	req_add_header(r, "WWW-Authenticate", v);
}

/* The token of r, verified, as r->caller (user row not read). 0, or 401 with *message. */
static int verify_request_token(struct request *r, const char **message)
{
	struct caller *c = arena_alloc(r->arena, sizeof *c);
	const char *token = auth_request_token(r);
	enum auth_result res;

	if (!token) {
		*message = "Authentication required";
		return 401;
	}
	memset(c, 0, sizeof *c);
	res = auth_token_verify(r->arena, token, (long)time(NULL), c);
	if (res != AUTH_OK) {
		*message = res == AUTH_EXPIRED   ? "Token expired"
		           : res == AUTH_MISSING ? "Authentication required"
		                                 : "Invalid token";
		return 401;
	}
	r->caller = c;
	return 0;
}

/*
 * The token alone is not enough: the user may since have been disabled or lost
 * scopes. Applies the row (NULL: no such user) to c. 0, or 401 with *message.
 */
static int admit_user(struct arena *a, struct caller *c, const struct user_row *u,
                      const char **message)
{
	if (!u) {
		*message = "Invalid token";
		return 401;
	}
	if (!u->status || strcmp(u->status, "active") != 0 || !u->tenant_status ||
	    strcmp(u->tenant_status, "active") != 0) {
		*message = "User disabled";
		return 401;
	}
	/* A password change ends the sessions of tokens issued before it. */
	if (c->iat < atoll(u->tokens_valid_after ? u->tokens_valid_after : "0")) {
		*message = "Invalid token";
		return 401;
	}
	c->username = u->username;
	/* Read with the row, so a page needs no statement of its own for its times (page_zone). */
	if (u->time_zone && *u->time_zone)
		c->time_zone = u->time_zone;
	c->scope = auth_scope_intersect(a, c->scope, u->scopes);
	return 0;
}

static const char user_row_sql[] =
    "SELECT u.status, t.status, u.tokens_valid_after, u.scopes, t.time_zone, u.username FROM users "
    "u "
    "JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ? AND u.tenant_id = ?";

/* Reads c's user row on its own round trip and applies it. 0, or 401/500 with *message. */
static int read_and_admit(struct request *r, struct caller *c, const char **message)
{
	struct db_rows rows;
	struct user_row u;

	if (db_exec(r->arena, &rows, user_row_sql, "ss", c->user_id, c->tenant_id) != 0) {
		*message = "Internal server error";
		return 500;
	}
	if (rows.nrows == 0)
		return admit_user(r->arena, c, NULL, message);
	u = (struct user_row){db_cell(&rows, 0, 0), db_cell(&rows, 0, 1), db_cell(&rows, 0, 2),
	                      db_cell(&rows, 0, 3), db_cell(&rows, 0, 4), db_cell(&rows, 0, 5)};
	return admit_user(r->arena, c, &u, message);
}

int auth_authenticate(struct request *r, const char **message)
{
	int rc = verify_request_token(r, message);

	if (rc == 0 && (rc = read_and_admit(r, r->caller, message)) != 0)
		r->caller = NULL;
	return rc;
}

int auth_authenticate_deferred(struct request *r, const char *route_scopes, const char **message)
{
	int rc = verify_request_token(r, message);

	if (rc == 0) {
		r->caller->pending = true;
		r->caller->route_scopes = route_scopes;
	}
	return rc;
}

/* Records the outcome of the deferred read: the user's refusal, or the route's scopes. */
static int settle(struct caller *c, int rc, const char *message)
{
	if (rc == 0 && !auth_scope_any(c->scope ? c->scope : "", c->route_scopes)) {
		rc = 403;
		message = "Insufficient permissions";
	}
	c->pending = false;
	c->refused = rc;
	c->refusal = message;
	return rc;
}

int auth_settle(struct request *r, const char **message)
{
	struct caller *c = r->caller;
	const char *msg = NULL;

	if (c && c->pending) {
		int rc = read_and_admit(r, c, &msg);
		settle(c, rc, msg);
	}
	if (!c || !c->refused)
		return 0;
	*message = c->refusal;
	return c->refused;
}

/* The probe's admit: the row read along with a handler's statement settles the caller. */
static int admit_probe(void *ctx, const char *text, const char **message)
{
	struct request *r = ctx;
	struct caller *c = r->caller;
	const char *msg = NULL;
	struct user_row u;
	int rc;

	if (!c || !c->pending)
		return 0;
	if (!text) {
		rc = admit_user(r->arena, c, NULL, &msg);
	} else if (!user_probe_parse(r->arena, text, &u)) {
		log_error("auth: malformed user probe");
		msg = "Internal server error";
		rc = 500;
	} else {
		rc = admit_user(r->arena, c, &u, &msg);
	}
	if ((rc = settle(c, rc, msg)) != 0)
		*message = c->refusal;
	return rc;
}

struct user_probe *auth_probe(struct request *r)
{
	struct user_probe *p;

	if (!r->caller || !r->caller->pending)
		return NULL;
	p = arena_alloc(r->arena, sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->user_id = r->caller->user_id;
	p->tenant_id = r->caller->tenant_id;
	p->admit = admit_probe;
	p->ctx = r;
	return p;
}
