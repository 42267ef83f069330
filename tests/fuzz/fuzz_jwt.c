/*
 * Fuzz driver: JWT handling. The first byte picks how the rest becomes a token:
 *   0  the token as it is (any bytes);
 *   1  three lines: header JSON, payload JSON, signature; both JSON texts are
 *      base64url-encoded, and an empty signature line means "sign it right with
 *      the test secret", so the claims checks behind the signature are reached;
 *   2  three lines: sub, tenant_id, scope, issued with auth_token_issue.
 * Each token goes through auth_token_verify with the fixed test secret, and
 * through the CSRF form token derived from it.
 *
 * Properties: an accepted token really is HS256 under the secret (the driver
 * recomputes the HMAC with OpenSSL and wants the exact signature text), its
 * header says HS256, its claims are unexpired and name our issuer and
 * audience, and the caller filled in is its sub and tenant_id. A token we issue
 * verifies and gives back exactly the claims it was issued with.
 */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "account/scope.h"
#include "base/arena.h"
#include "base/buf.h"
#include "fuzz.h"
#include "web/auth.h"
#include "web/csrf.h"
#include "web/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void b64url(struct buf *b, const unsigned char *s, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);

		buf_putc(b, abc[v >> 18 & 63]);
		buf_putc(b, abc[v >> 12 & 63]);
		if (i + 1 < n)
			buf_putc(b, abc[v >> 6 & 63]);
		if (i + 2 < n)
			buf_putc(b, abc[v & 63]);
	}
}

/* The HS256 signature of the first n bytes of token under the test secret, base64url. */
static void sign(struct buf *b, const char *token, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), FUZZ_SECRET, (int)strlen(FUZZ_SECRET), (const unsigned char *)token,
	          n, mac, &len))
		fuzz_fail("HMAC failed");
	b64url(b, mac, len);
}

/* Decodes one base64url part into a NUL-terminated arena string (NULL if malformed). */
static char *unb64url(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		const char *abc =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = memchr(abc, s[i], 64);

		if (!p || !s[i])
			return NULL;
		acc = acc << 6 | (unsigned)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

static const char *str_claim(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

/* The token was accepted: it must be one we would have signed. */
static void check_accepted(struct arena *a, const char *token, const struct caller *c)
{
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	struct json_object *hdr, *claims, *exp;
	struct buf sig;
	char *h, *p;

	if (!d1 || !d2 || strchr(d2 + 1, '.'))
		fuzz_fail("accepted a token without three parts: %s", token);
	buf_init(&sig);
	sign(&sig, token, (size_t)(d2 - token));
	if (strcmp(buf_cstr(&sig), d2 + 1) != 0)
		fuzz_fail("accepted a token whose signature is not HS256 under the secret: %s",
		          token);
	buf_release(&sig);
	h = unb64url(a, token, (size_t)(d1 - token));
	p = unb64url(a, d1 + 1, (size_t)(d2 - d1 - 1));
	hdr = h ? json_tokener_parse(h) : NULL;
	claims = p ? json_tokener_parse(p) : NULL;
	if (!str_claim(hdr, "alg") || strcmp(str_claim(hdr, "alg"), "HS256") != 0)
		fuzz_fail("accepted a token whose header is not HS256: %s",
		          h ? h : "(undecodable)");
	if (!json_object_object_get_ex(claims, "exp", &exp) ||
	    !json_object_is_type(exp, json_type_int) || json_object_get_int64(exp) <= FUZZ_NOW)
		fuzz_fail("accepted a token without a future integer exp: %s", p);
	if (!str_claim(claims, "iss") || strcmp(str_claim(claims, "iss"), FUZZ_ISSUER) != 0)
		fuzz_fail("accepted a token of another issuer: %s", p);
	if (!c->user_id || !str_claim(claims, "sub") ||
	    strcmp(c->user_id, str_claim(claims, "sub")) || !c->tenant_id ||
	    !str_claim(claims, "tenant_id") ||
	    strcmp(c->tenant_id, str_claim(claims, "tenant_id")) || !*c->user_id ||
	    !*c->tenant_id || !c->scope)
		fuzz_fail("caller does not match the claims: %s", p);
	json_object_put(hdr);
	json_object_put(claims);
}

/* The CSRF token of a session, and the scope helpers on what the token gave. */
static void check_csrf(struct arena *a, const char *token, const struct caller *c, bool ok)
{
	const char *t = csrf_token(a, token);

	if (t && !csrf_valid(a, token, t))
		fuzz_fail("csrf token of a session does not validate");
	if (csrf_valid(a, token, token))
		fuzz_fail("a session token is its own csrf token");
	if (ok) {
		(void)scope_list_valid(c->scope);
		(void)auth_scope_any(c->scope, "admin view:tenant");
		(void)auth_scope_intersect(a, c->scope, "admin operator view:tenant");
	}
}

static void issue_and_verify(struct arena *a, const char **piece)
{
	struct caller c = {0};
	char *tok = auth_token_issue(a, piece[0], piece[1], piece[2], FUZZ_NOW, 3600);
	enum auth_result rc;

	if (!tok)
		return;
	rc = auth_token_verify(a, tok, FUZZ_NOW, &c);
	if (!*piece[0] || !*piece[1]) {
		if (rc == AUTH_OK)
			fuzz_fail("a token without sub or tenant was accepted");
		return;
	}
	if (rc != AUTH_OK)
		fuzz_fail("a token we issued is refused (%d): %s", rc, tok);
	if (strcmp(c.user_id, piece[0]) || strcmp(c.tenant_id, piece[1]) ||
	    strcmp(c.scope, piece[2]))
		fuzz_fail("claims changed between issue and verify: %s", tok);
	check_accepted(a, tok, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	struct caller c = {0};
	struct buf tok;
	const char *piece[3];
	size_t len[3];
	char *p[3];
	enum auth_result rc;

	fuzz_setup();
	if (!a)
		a = arena_new(0);
	if (size < 1)
		return 0;
	buf_init(&tok);
	fuzz_split(data + 1, size - 1, 3, piece, len);
	for (size_t i = 0; i < 3; i++)
		p[i] = arena_strndup(a, piece[i], len[i]);
	switch (data[0] % 3) {
	case 0:
		buf_append(&tok, data + 1, size - 1);
		break;
	case 1:
		b64url(&tok, (const unsigned char *)piece[0], len[0]);
		buf_putc(&tok, '.');
		b64url(&tok, (const unsigned char *)piece[1], len[1]);
		if (len[2]) {
			buf_putc(&tok, '.');
			buf_append(&tok, piece[2], len[2]);
		} else {
			size_t n = tok.len;

			buf_putc(&tok, '.');
			sign(&tok, buf_cstr(&tok), n);
		}
		break;
	default:
		issue_and_verify(a, (const char **)p);
		goto out;
	}
	/* A token is a C string: the verifier sees what comes before a NUL. */
	rc = auth_token_verify(a, buf_cstr(&tok), FUZZ_NOW, &c);
	if (rc == AUTH_OK)
		check_accepted(a, buf_cstr(&tok), &c);
	check_csrf(a, buf_cstr(&tok), &c, rc == AUTH_OK);
out:
	buf_release(&tok);
	arena_reset(a);
	return 0;
}
