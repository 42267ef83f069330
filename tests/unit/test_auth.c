/* Unit tests for lib/web/auth.c: JWT issue/verify and refusals, passwords, scopes, authenticate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jwt.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "db/db.h"
#include "db/user_probe.h"
#include "web/auth.h"
#include "web/req.h"

#define SECRET "0123456789abcdef0123456789abcdef-unit-test-secret"
#define NOW 1700000000L

static struct arena *A;

static int setup(void **state)
{
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	assert_int_equal(env_set("jwt_issuer", "stocktake"), 0);
	assert_int_equal(env_set("jwt_audience", "stocktake-api"), 0);
	A = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	arena_free(A);
	A = NULL;
	return 0;
}

static char *b64url(const char *s, size_t n)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = arena_alloc(A, n * 4 / 3 + 4);
	size_t o = 0;
	unsigned int acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | (unsigned char)s[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = tbl[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = tbl[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	return out;
}

/* A token with the given grants (JSON object text) signed by libjwt with alg and key, under
 * header kid (NULL: none). */
static char *make_token_kid(jwt_alg_t alg, const char *key, const char *grants, const char *kid)
{
	jwt_t *jwt = NULL;
	char *enc, *out;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, grants), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)), 0);
	if (kid)
		assert_int_equal(jwt_add_header(jwt, "kid", kid), 0);
	enc = jwt_encode_str(jwt);
	assert_non_null(enc);
	out = arena_strdup(A, enc);
	free(enc);
	jwt_free(jwt);
	return out;
}

/* The same without a kid header. */
static char *make_token(jwt_alg_t alg, const char *key, const char *grants)
{
	return make_token_kid(alg, key, grants, NULL);
}

/* The standard good claims with one JSON fragment appended or replaced by the caller's text. */
static char *claims(const char *extra)
{
	return arena_sprintf(
	    A,
	    "{\"sub\":\"u-1\",\"tenant_id\":\"t-1\",\"scope\":\"admin view:tenant\","
	    "\"iss\":\"stocktake\",\"aud\":\"stocktake-api\",\"iat\":%ld,\"exp\":%ld%s%s}",
	    NOW, NOW + 600, extra ? "," : "", extra ? extra : "");
}

static enum auth_result verify(const char *token)
{
	struct caller c;
	memset(&c, 0, sizeof c);
	return auth_token_verify(A, token, NOW, &c);
}

/* ---- tokens ---- */

static void test_issue_verify_round_trip(void **state)
{
	struct caller c;
	char *tok = auth_token_issue(A, "user-1", "tenant-1", "admin view:tenant", NOW, 3600);

	assert_non_null(tok);
	assert_int_equal(strncmp(tok, "eyJ", 3), 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(auth_token_verify(A, tok, NOW, &c), AUTH_OK);
	assert_string_equal(c.user_id, "user-1");
	assert_string_equal(c.tenant_id, "tenant-1");
	assert_string_equal(c.scope, "admin view:tenant");
	/* Still good just before exp, expired at exp. */
	assert_int_equal(auth_token_verify(A, tok, NOW + 3599, &c), AUTH_OK);
	assert_int_equal(auth_token_verify(A, tok, NOW + 3600, &c), AUTH_EXPIRED);
}

static void test_issue_empty_scope(void **state)
{
	struct caller c;
	char *tok = auth_token_issue(A, "user-1", "tenant-1", NULL, NOW, 60);

	assert_non_null(tok);
	assert_int_equal(auth_token_verify(A, tok, NOW, &c), AUTH_OK);
	assert_string_equal(c.scope, "");
}

/* Found by fuzzing: a token longer than the verifier takes was issued all the same. */
static void test_issue_refuses_oversized(void **state)
{
	struct caller c;
	char scope[3000];
	char *tok;

	/* Control characters become \u00XX in the JSON: six bytes each, before base64. */
	memset(scope, '\x04', sizeof(scope) - 1);
	scope[sizeof(scope) - 1] = '\0';
	assert_null(auth_token_issue(A, "user-1", "tenant-1", scope, NOW, 60));
	/* The largest that fits is still issued and verified. */
	scope[2000] = '\0';
	memset(scope, 'a', 2000);
	tok = auth_token_issue(A, "user-1", "tenant-1", scope, NOW, 60);
	assert_non_null(tok);
	assert_true(strlen(tok) <= 4096);
	assert_int_equal(auth_token_verify(A, tok, NOW, &c), AUTH_OK);
}

static void test_libjwt_token_accepted(void **state)
{
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, claims(NULL))), AUTH_OK);
	/* aud as an array containing ours is fine too. */
	char *g = arena_sprintf(A,
	                        "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                        "\"aud\":[\"other\",\"stocktake-api\"],\"exp\":%ld}",
	                        NOW + 5);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_OK);
}

static void test_missing_and_garbage(void **state)
{
	assert_int_equal(verify(NULL), AUTH_MISSING);
	assert_int_equal(verify(""), AUTH_MISSING);
	assert_int_equal(verify("abc"), AUTH_INVALID);
	assert_int_equal(verify("a.b"), AUTH_INVALID);
	assert_int_equal(verify("a.b.c.d"), AUTH_INVALID);
	assert_int_equal(verify("..."), AUTH_INVALID);
	assert_int_equal(verify("eyJhbGciOiJIUzI1NiJ9..sig"), AUTH_INVALID);
	assert_int_equal(verify("!!!.###.$$$"), AUTH_INVALID);
}

static void test_tampered_payload(void **state)
{
	char *tok = auth_token_issue(A, "user-1", "tenant-1", "view:tenant", NOW, 3600);
	char *dot1 = strchr(tok, '.');
	char *dot2 = strchr(dot1 + 1, '.');
	char *forged_payload = claims("\"x\":1");
	char *p = b64url(forged_payload, strlen(forged_payload));
	char *forged = arena_sprintf(A, "%.*s.%s%s", (int)(dot1 - tok), tok, p, dot2);

	assert_int_equal(verify(forged), AUTH_INVALID);
}

static void test_tampered_signature(void **state)
{
	char *tok = auth_token_issue(A, "user-1", "tenant-1", "view:tenant", NOW, 3600);
	char *sig = strrchr(tok, '.') + 1;

	/* A character in the middle of the signature: every bit of it counts. */
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(tok), AUTH_INVALID);
	/* Signature removed entirely. */
	*(sig - 1) = '\0';
	assert_int_equal(verify(arena_sprintf(A, "%s.", tok)), AUTH_INVALID);
}

static void test_wrong_key(void **state)
{
	assert_int_equal(
	    verify(make_token(JWT_ALG_HS256, "another-secret-another-secret!!", claims(NULL))),
	    AUTH_INVALID);
}

static void test_alg_none(void **state)
{
	const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char *payload = claims(NULL);
	char *tok =
	    arena_sprintf(A, "%s.%s.", b64url(hdr, strlen(hdr)), b64url(payload, strlen(payload)));

	assert_int_equal(verify(tok), AUTH_INVALID);
	/* Same with a junk signature, and with other spellings of none. */
	assert_int_equal(verify(arena_sprintf(A, "%sAAAA", tok)), AUTH_INVALID);
	hdr = "{\"alg\":\"None\"}";
	tok =
	    arena_sprintf(A, "%s.%s.", b64url(hdr, strlen(hdr)), b64url(payload, strlen(payload)));
	assert_int_equal(verify(tok), AUTH_INVALID);
	/* libjwt's own alg-none token (no key at all). */
	jwt_t *jwt = NULL;
	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, payload), 0);
	char *enc = jwt_encode_str(jwt);
	assert_non_null(enc);
	assert_int_equal(verify(enc), AUTH_INVALID);
	free(enc);
	jwt_free(jwt);
}

static void test_hs512_same_secret_refused(void **state)
{
	char *tok = make_token(JWT_ALG_HS512, SECRET, claims(NULL));
	assert_int_equal(verify(tok), AUTH_INVALID);
	tok = make_token(JWT_ALG_HS384, SECRET, claims(NULL));
	assert_int_equal(verify(tok), AUTH_INVALID);
}

static void test_other_alg_headers_refused(void **state)
{
	static const char *const hdrs[] = {
	    "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"ES256\"}",
	    "{\"alg\":\"hs256\"}",
	    "{\"alg\":\"HS256 \"}",
	    "{\"alg\":[\"HS256\"]}",
	    "{\"typ\":\"JWT\"}",
	    "[\"HS256\"]",
	    "not json",
	    NULL,
	};
	char *good = auth_token_issue(A, "u", "t", "", NOW, 60);
	char *rest = strchr(good, '.');

	for (size_t i = 0; hdrs[i]; i++) {
		char *tok = arena_sprintf(A, "%s%s", b64url(hdrs[i], strlen(hdrs[i])), rest);
		assert_int_equal(verify(tok), AUTH_INVALID);
	}
}

static void test_expired(void **state)
{
	char *g = arena_sprintf(A,
	                        "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                        "\"aud\":\"stocktake-api\",\"iat\":%ld,\"exp\":%ld}",
	                        NOW - 100, NOW - 1);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_EXPIRED);
}

static void test_exp_missing_or_not_integer(void **state)
{
	char *g =
	    "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\",\"aud\":\"stocktake-api\"}";
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\",\"aud\":\"stocktake-api\","
	    "\"exp\":\"9999999999\"}";
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\",\"aud\":\"stocktake-api\","
	    "\"exp\":9999999999.5}";
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	/* nbf and iat, when present, must be integers too; scope a string. */
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, claims("\"nbf\":\"0\""))),
	                 AUTH_INVALID);
	char *g2 = arena_sprintf(A,
	                         "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                         "\"aud\":\"stocktake-api\",\"iat\":null,\"exp\":%ld}",
	                         NOW + 5);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g2)), AUTH_INVALID);
	g2 = arena_sprintf(A,
	                   "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                   "\"aud\":\"stocktake-api\",\"scope\":[\"admin\"],\"exp\":%ld}",
	                   NOW + 5);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g2)), AUTH_INVALID);
}

static void test_nbf_and_iat(void **state)
{
	char *x = arena_sprintf(A, "\"nbf\":%ld", NOW + 30);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, claims(x))), AUTH_INVALID);
	x = arena_sprintf(A, "\"nbf\":%ld", NOW);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, claims(x))), AUTH_OK);

	/* iat within the 60 s skew passes, further in the future does not. */
	char *g = arena_sprintf(A,
	                        "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                        "\"aud\":\"stocktake-api\",\"iat\":%ld,\"exp\":%ld}",
	                        NOW + 60, NOW + 600);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_OK);
	g = arena_sprintf(A,
	                  "{\"sub\":\"u\",\"tenant_id\":\"t\",\"iss\":\"stocktake\","
	                  "\"aud\":\"stocktake-api\",\"iat\":%ld,\"exp\":%ld}",
	                  NOW + 61, NOW + 600);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
}

static char *grants_with(const char *iss, const char *aud, const char *sub, const char *tenant)
{
	struct buf b;
	char *out;

	buf_init(&b);
	buf_appendf(&b, "{\"exp\":%ld", NOW + 600);
	if (iss)
		buf_appendf(&b, ",\"iss\":\"%s\"", iss);
	if (aud)
		buf_appendf(&b, ",\"aud\":%s", aud);
	if (sub)
		buf_appendf(&b, ",\"sub\":\"%s\"", sub);
	if (tenant)
		buf_appendf(&b, ",\"tenant_id\":\"%s\"", tenant);
	buf_puts(&b, "}");
	out = arena_strdup(A, buf_cstr(&b));
	buf_release(&b);
	return out;
}

static void test_wrong_iss(void **state)
{
	char *g = grants_with("evil", "\"stocktake-api\"", "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with(NULL, "\"stocktake-api\"", "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
}

static void test_wrong_aud(void **state)
{
	char *g = grants_with("stocktake", "\"other-api\"", "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with("stocktake", "[\"other-api\"]", "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with("stocktake", NULL, "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with("stocktake", "17", "u", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
}

static void test_missing_sub_or_tenant(void **state)
{
	char *g = grants_with("stocktake", "\"stocktake-api\"", NULL, "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with("stocktake", "\"stocktake-api\"", "u", NULL);
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
	g = grants_with("stocktake", "\"stocktake-api\"", "", "t");
	assert_int_equal(verify(make_token(JWT_ALG_HS256, SECRET, g)), AUTH_INVALID);
}

static void test_config_change_invalidates(void **state)
{
	char *tok = auth_token_issue(A, "u", "t", "", NOW, 60);

	assert_int_equal(env_set("jwt_audience", "elsewhere"), 0);
	assert_int_equal(verify(tok), AUTH_INVALID);
	assert_int_equal(env_set("jwt_audience", "stocktake-api"), 0);
	assert_int_equal(env_set("jwt_secret", "a-rotated-secret-a-rotated-secret"), 0);
	assert_int_equal(verify(tok), AUTH_INVALID);
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	assert_int_equal(verify(tok), AUTH_OK);
}

/* ---- the key ring (kid) ---- */

#define KEY_B "key-b-key-b-key-b-key-b-key-b-key-b"

/* The kid of a token's header, or NULL. */
static const char *token_kid(const char *tok)
{
	jwt_t *jwt = NULL;
	const char *kid;

	assert_int_equal(jwt_decode(&jwt, tok, NULL, 0), 0);
	kid = jwt_get_header(jwt, "kid");
	kid = kid ? arena_strdup(A, kid) : NULL;
	jwt_free(jwt);
	return kid;
}

/* A token of the standard good claims signed with key under header kid (NULL: no kid header). */
static char *token_with_kid(const char *key, const char *kid)
{
	return make_token_kid(JWT_ALG_HS256, key, claims(NULL), kid);
}

static void test_key_ring_kid(void **state)
{
	char path[] = "/tmp/test_auth_key_XXXXXX";
	int fd = mkstemp(path);
	char *legacy_tok = auth_token_issue(A, "u", "t", "", NOW, 60);
	char *b_tok;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY_B, strlen(KEY_B)), (int)strlen(KEY_B));
	close(fd);
	/* Without jwt_signing_key the legacy secret signs, named "default". */
	assert_string_equal(token_kid(legacy_tok), "default");
	assert_int_equal(env_set("jwt_signing_key", arena_sprintf(A, "b:%s", path)), 0);
	b_tok = auth_token_issue(A, "u", "t", "", NOW, 60);
	assert_string_equal(token_kid(b_tok), "b");
	assert_int_equal(verify(b_tok), AUTH_OK);
	/* The legacy key still verifies its tokens, with or without a kid. */
	assert_int_equal(verify(legacy_tok), AUTH_OK);
	assert_int_equal(verify(token_with_kid(SECRET, NULL)), AUTH_OK);
	assert_int_equal(verify(token_with_kid(SECRET, "default")), AUTH_OK);
	/* A token without kid is checked with "default" only; an unknown kid is refused. */
	assert_int_equal(verify(token_with_kid(KEY_B, NULL)), AUTH_INVALID);
	assert_int_equal(verify(token_with_kid(KEY_B, "nope")), AUTH_INVALID);
	assert_int_equal(verify(token_with_kid(SECRET, "b")), AUTH_INVALID);
	assert_int_equal(verify(token_with_kid(KEY_B, "b")), AUTH_OK);

	/* Key b removed: its cached tokens are refused too. */
	env_reset();
	assert_int_equal(env_set("jwt_secret", SECRET), 0);
	assert_int_equal(verify(b_tok), AUTH_INVALID);
	assert_int_equal(verify(legacy_tok), AUTH_OK);
	unlink(path);
}

/* ---- scopes ---- */

static void test_scope_has_any(void **state)
{
	assert_true(auth_scope_has("admin view:tenant", "admin"));
	assert_true(auth_scope_has("admin  view:tenant ", "view:tenant"));
	assert_false(auth_scope_has("admin view:tenant", "view"));
	assert_false(auth_scope_has("administrator", "admin"));
	assert_false(auth_scope_has("", "admin"));
	assert_false(auth_scope_has(NULL, "admin"));
	assert_false(auth_scope_has("admin", ""));

	assert_true(auth_scope_any("view:tenant", "view:tenant manage:operations:tenant"));
	assert_true(auth_scope_any("operator manage:operations:tenant",
	                           "view:tenant manage:operations:tenant"));
	assert_false(auth_scope_any("operator", "view:tenant manage:operations:tenant"));
	assert_false(auth_scope_any("", "admin"));
	assert_false(auth_scope_any(NULL, "admin"));
	assert_true(auth_scope_any("", ""));
	assert_true(auth_scope_any(NULL, NULL));
}

static void test_scope_intersect(void **state)
{
	assert_string_equal(auth_scope_intersect(A, "admin view:tenant operator", "operator admin"),
	                    "admin operator");
	assert_string_equal(auth_scope_intersect(A, "admin", "view:tenant"), "");
	assert_string_equal(auth_scope_intersect(A, "", "admin"), "");
	assert_string_equal(auth_scope_intersect(A, "admin", ""), "");
	assert_string_equal(auth_scope_intersect(A, NULL, "admin"), "");
	assert_string_equal(auth_scope_intersect(A, "admin", NULL), "");
	assert_string_equal(auth_scope_intersect(A, "  admin  admin library ", "library admin"),
	                    "admin library");
}

/* ---- auth_authenticate against a real database (STOCKTAKE_TEST_DB_SOCKET) ---- */

struct fake_io {
	char **envp;
};

static int fake_read(void *ctx, char *dst, int n)
{
	return 0;
}

static int fake_write(void *ctx, const char *src, int n)
{
	return 0;
}

static const char *T_TENANT = "00000000-0000-4000-8000-00000000a071";
static const char *T_USER = "00000000-0000-4000-8000-00000000a072";

static int run_auth(const char *authorization, const char *cookie, const char **msg,
                    struct caller **out)
{
	char *envp[8];
	size_t n = 0;
	struct req_io io = {.read = fake_read, .write = fake_write, .ctx = NULL};
	struct request r;
	int rc;

	envp[n++] = "REQUEST_METHOD=GET";
	envp[n++] = "REQUEST_URI=/api/auth/me";
	envp[n++] = "SCRIPT_NAME=/api/auth/me";
	envp[n++] = "QUERY_STRING=";
	if (authorization)
		envp[n++] = arena_sprintf(A, "HTTP_AUTHORIZATION=%s", authorization);
	if (cookie)
		envp[n++] = arena_sprintf(A, "HTTP_COOKIE=%s", cookie);
	envp[n] = NULL;
	io.envp = envp;

	memset(&r, 0, sizeof r);
	buf_init(&r.headers);
	buf_init(&r.out);
	assert_int_equal(req_read(&r, A, &io, 1024), REQ_OK);
	*msg = NULL;
	rc = auth_authenticate(&r, msg);
	*out = r.caller;
	buf_release(&r.headers);
	buf_release(&r.out);
	return rc;
}

static void test_authenticate_db(void **state)
{
	const char *sock = getenv("STOCKTAKE_TEST_DB_SOCKET");
	/* Needs the migrated schema (users, tenants): the devstack database, not test_db's scratch
	 * one. */
	const char *name = getenv("STOCKTAKE_DB_NAME");
	long now = (long)time(NULL);
	const char *msg;
	struct caller *c;
	char *tok, *bearer;

	if (!sock || !*sock)
		skip();
	assert_int_equal(env_set("db_socket", sock), 0);
	assert_int_equal(env_set("db_user", "root"), 0);
	assert_int_equal(env_set("db_password", ""), 0);
	assert_int_equal(env_set("db_name", name && *name ? name : "stocktake"), 0);
	assert_int_equal(db_connect(), 0);

	assert_int_equal(db_exec(A, NULL, "DELETE FROM users WHERE id = ?", "s", T_USER), 0);
	assert_int_equal(db_exec(A, NULL, "DELETE FROM tenants WHERE id = ?", "s", T_TENANT), 0);
	assert_int_equal(db_exec(A, NULL, "INSERT INTO tenants (id, name) VALUES (?, 'unit-auth')",
	                         "s", T_TENANT),
	                 0);
	assert_int_equal(
	    db_exec(A, NULL,
	            "INSERT INTO users (id, tenant_id, username, password_hash, scopes) "
	            "VALUES (?, ?, 'unit-auth-user', '*', 'admin view:tenant')",
	            "ss", T_USER, T_TENANT),
	    0);

	tok = auth_token_issue(A, T_USER, T_TENANT, "admin view:tenant operator", now, 600);
	bearer = arena_sprintf(A, "Bearer %s", tok);

	assert_int_equal(run_auth(NULL, NULL, &msg, &c), 401);
	assert_string_equal(msg, "Authentication required");
	assert_null(c);
	assert_int_equal(run_auth("Basic dXNlcjpwYXNz", NULL, &msg, &c), 401);
	assert_string_equal(msg, "Authentication required");
	assert_int_equal(run_auth("Bearer not.a.token", NULL, &msg, &c), 401);
	assert_string_equal(msg, "Invalid token");

	/* Scopes are the token's that the user still has ("operator" never was). */
	assert_int_equal(run_auth(bearer, NULL, &msg, &c), 0);
	assert_non_null(c);
	assert_string_equal(c->user_id, T_USER);
	assert_string_equal(c->tenant_id, T_TENANT);
	assert_string_equal(c->username, "unit-auth-user");
	assert_string_equal(c->scope, "admin view:tenant");
	assert_int_equal(run_auth(arena_sprintf(A, "bEaReR   %s ", tok), NULL, &msg, &c), 0);
	assert_int_equal(run_auth(NULL, arena_sprintf(A, "a=b; " AUTH_COOKIE "=%s", tok), &msg, &c),
	                 0);

	/* Revoked scope disappears at once. */
	db_exec(A, NULL, "UPDATE users SET scopes = 'view:tenant' WHERE id = ?", "s", T_USER);
	assert_int_equal(run_auth(bearer, NULL, &msg, &c), 0);
	assert_string_equal(c->scope, "view:tenant");

	db_exec(A, NULL, "UPDATE users SET status = 'disabled' WHERE id = ?", "s", T_USER);
	assert_int_equal(run_auth(bearer, NULL, &msg, &c), 401);
	assert_string_equal(msg, "User disabled");
	db_exec(A, NULL, "UPDATE users SET status = 'active' WHERE id = ?", "s", T_USER);
	db_exec(A, NULL, "UPDATE tenants SET status = 'disabled' WHERE id = ?", "s", T_TENANT);
	assert_int_equal(run_auth(bearer, NULL, &msg, &c), 401);
	assert_string_equal(msg, "User disabled");
	db_exec(A, NULL, "UPDATE tenants SET status = 'active' WHERE id = ?", "s", T_TENANT);

	/* A token naming another tenant for this user id finds no user. */
	tok =
	    auth_token_issue(A, T_USER, "00000000-0000-4000-8000-00000000ffff", "admin", now, 600);
	assert_int_equal(run_auth(arena_sprintf(A, "Bearer %s", tok), NULL, &msg, &c), 401);
	assert_string_equal(msg, "Invalid token");

	tok = auth_token_issue(A, T_USER, T_TENANT, "admin", now - 1000, 600);
	assert_int_equal(run_auth(arena_sprintf(A, "Bearer %s", tok), NULL, &msg, &c), 401);
	assert_string_equal(msg, "Token expired");

	db_exec(A, NULL, "DELETE FROM users WHERE id = ?", "s", T_USER);
	db_exec(A, NULL, "DELETE FROM tenants WHERE id = ?", "s", T_TENANT);
	db_close();
}

/* ---- the user row read along with a handler's statement (auth_probe, user_probe_take) ---- */

#define PROBE(status, tenant_status, valid_after, scopes, username)                                \
	status "\x1f" tenant_status "\x1f" valid_after "\x1f" scopes "\x1f"                        \
	       "UTC\x1f" username

struct probe_case {
	struct request r;
	struct caller c;
	char *cells[6];
	const char *names[3];
	enum db_coltype types[3];
	struct db_rows rows;
};

/* Two rows of columns a, _caller, b; the probe's text in row 0 (NULL: no such user). */
static void probe_case(struct probe_case *p, const char *probe)
{
	memset(p, 0, sizeof(*p));
	p->r.arena = A;
	p->c = (struct caller){.user_id = "u-1",
	                       .tenant_id = "t-1",
	                       .scope = "admin view:tenant",
	                       .iat = NOW,
	                       .pending = true,
	                       .route_scopes = "view:tenant"};
	p->r.caller = &p->c;
	p->cells[0] = "a1";
	p->cells[1] = (char *)probe;
	p->cells[2] = "b1";
	p->cells[3] = "a2";
	p->cells[4] = (char *)probe;
	p->cells[5] = NULL;
	p->names[0] = "a";
	p->names[1] = USER_PROBE_LABEL;
	p->names[2] = "b";
	p->types[0] = DB_COL_STR;
	p->types[1] = DB_COL_STR;
	p->types[2] = DB_COL_INT;
	p->rows = (struct db_rows){2, 3, p->cells, p->names, p->types};
}

static void test_settle_probe_admits(void **state)
{
	struct probe_case p;
	const char *msg = NULL;

	/* The username comes last: a separator inside it cannot shift the other fields. */
	probe_case(&p, PROBE("active", "active", "1699999999", "view:tenant", "odd\x1fname"));
	assert_int_equal(user_probe_take(auth_probe(&p.r), &p.rows, &msg), 0);
	assert_false(p.c.pending);
	assert_int_equal(p.c.refused, 0);
	assert_string_equal(p.c.username, "odd\x1fname");
	assert_string_equal(p.c.scope, "view:tenant");
	/* The probe column is gone from every row; the others keep their order and types. */
	assert_int_equal(p.rows.ncols, 2);
	assert_string_equal(p.rows.colnames[0], "a");
	assert_string_equal(p.rows.colnames[1], "b");
	assert_int_equal(p.rows.coltypes[1], DB_COL_INT);
	assert_string_equal(db_cell(&p.rows, 0, 0), "a1");
	assert_string_equal(db_cell(&p.rows, 0, 1), "b1");
	assert_string_equal(db_cell(&p.rows, 1, 0), "a2");
	assert_null(db_cell(&p.rows, 1, 1));
	/* Settled: later calls keep the outcome without reading anything. */
	assert_int_equal(auth_settle(&p.r, &msg), 0);
	assert_null(auth_probe(&p.r));
}

static void test_settle_probe_refuses(void **state)
{
	static const struct {
		const char *probe;
		int status;
		const char *message;
	} cases[] = {
	    {PROBE("disabled", "active", "0", "view:tenant", "u"), 401, "User disabled"},
	    {PROBE("active", "disabled", "0", "view:tenant", "u"), 401, "User disabled"},
	    {NULL, 401, "Invalid token"},
	    /* A password change after the token was issued. */
	    {PROBE("active", "active", "1700000001", "view:tenant", "u"), 401, "Invalid token"},
	    /* The route's scope was revoked: the token still names it. */
	    {PROBE("active", "active", "0", "admin", "u"), 403, "Insufficient permissions"},
	    {"active\x1f"
	     "active",
	     500, "Internal server error"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probe_case p;
		const char *msg = NULL;

		probe_case(&p, cases[i].probe);
		assert_int_equal(user_probe_take(auth_probe(&p.r), &p.rows, &msg), cases[i].status);
		assert_string_equal(msg, cases[i].message);
		assert_int_equal(p.rows.ncols, 2);
		/* The refusal sticks: app_dispatch's own check gives the same answer. */
		msg = NULL;
		assert_int_equal(auth_settle(&p.r, &msg), cases[i].status);
		assert_string_equal(msg, cases[i].message);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_settle_probe_admits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settle_probe_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_issue_verify_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_ring_kid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_issue_empty_scope, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_issue_refuses_oversized, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_libjwt_token_accepted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampered_payload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampered_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alg_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hs512_same_secret_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_alg_headers_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exp_missing_or_not_integer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nbf_and_iat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_iss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_aud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_sub_or_tenant, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_change_invalidates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_has_any, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_intersect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate_db, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
