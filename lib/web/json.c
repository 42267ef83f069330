/* JSON on json-c: request bodies, typed field access, envelopes written into the response. */
#include "web/json.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "web/req.h"
#include "base/valid.h"

/* Deeper bodies than this are refused instead of using up the stack. */
#define JSON_MAX_DEPTH 32

/* The code point of the 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Whether the text has a \u escape json-c would not keep as sent: a NUL
 * (the string, or key, would be cut short at it, "ab\u0000cd" stored as "ab")
 * or a lone surrogate (silently replaced by U+FFFD).
 */
static bool has_bad_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		long cp, low;

		if (s[i] != '\\')
			continue;
		i++; /* the escaped character, which may be a backslash */
		if (s[i] != 'u' || n - i < 5 || (cp = hex4(s + i + 1)) < 0)
			continue;
		if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
			return true;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (n - i < 11 || s[i + 5] != '\\' || s[i + 6] != 'u' ||
			    (low = hex4(s + i + 7)) < 0xdc00 || low > 0xdfff)
				return true;
			i += 6;
		}
	}
	return false;
}

/*
 * Whether a parsed value holds NaN or an infinity anywhere. json-c reads NaN and
 * Infinity as numbers even in strict mode, and a number beyond a double's range
 * as an infinity; JSON has none of them and no column holds them. Recursion is
 * bounded by JSON_MAX_DEPTH.
 */
static bool has_nonfinite(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_double:
		return !isfinite(json_object_get_double(v));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (has_nonfinite(json_object_array_get_idx(v, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (has_nonfinite(val))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

struct json_object *json_parse_body(const struct request *r, const char **err)
{
	static const char *const invalid = "Invalid JSON body";
	struct json_tokener *tok;
	struct json_object *obj = NULL;
	size_t end;

	if (err)
		*err = invalid;
	if (!r->body || r->body_len == 0 || r->body_len > INT32_MAX)
		return NULL;
	/* A NUL inside the body would make json-c stop early. */
	if (memchr(r->body, '\0', r->body_len) || has_bad_escape(r->body, r->body_len))
		return NULL;
	/* json-c's own UTF-8 check lets overlong forms, surrogates and code points above U+10FFFF through. */
	if (!valid_utf8(r->body))
		return NULL;
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		log_fatal("json: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		goto fail;
	/* Only blanks may follow the object. */
	for (end = json_tokener_get_parse_end(tok); end < r->body_len; end++)
		if (!strchr(" \t\r\n", r->body[end]))
			goto fail;
	if (!json_object_is_type(obj, json_type_object) || has_nonfinite(obj))
		goto fail;
	json_tokener_free(tok);
	if (err)
		*err = NULL;
	return obj;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

void req_json_own(struct request *r, struct json_object *obj)
{
	if (!obj)
		return;
	if (r->json_owned_n == r->json_owned_cap) {
		size_t cap = r->json_owned_cap ? r->json_owned_cap * 2 : 8;
		struct json_object **items = arena_alloc(r->arena, cap * sizeof(*items));

		if (r->json_owned_n)
			memcpy(items, r->json_owned, r->json_owned_n * sizeof(*items));
		r->json_owned = items;
		r->json_owned_cap = cap;
	}
	r->json_owned[r->json_owned_n++] = obj;
}

void req_json_release_all(struct request *r)
{
	for (size_t i = 0; i < r->json_owned_n; i++)
		json_object_put(r->json_owned[i]);
	r->json_owned = NULL;
	r->json_owned_n = r->json_owned_cap = 0;
}

const char *json_get_str(struct json_object *o, const char *key, bool *ok)
{
	struct json_object *v;

	if (ok)
		*ok = true;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		if (ok)
			*ok = false;
		return NULL;
	}
	return json_object_get_string(v);
}

bool json_has(struct json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

bool json_get_int(struct json_object *o, const char *key, long long *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return false;
	if (json_object_is_type(v, json_type_int)) {
		/* json-c keeps large positive numbers unsigned; get_int64 would clamp them. */
		if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) != INT64_MAX)
			return false;
		if (out)
			*out = json_object_get_int64(v);
		return true;
	}
	if (json_object_is_type(v, json_type_string))
		return valid_int64(json_object_get_string(v), out);
	return false;
}

bool json_get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v ||
	    !json_object_is_type(v, json_type_boolean))
		return false;
	if (out)
		*out = json_object_get_boolean(v);
	return true;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) < 0)
		log_fatal("json: out of memory");
}

static struct json_object *checked(struct json_object *v)
{
	if (!v)
		log_fatal("json: out of memory");
	return v;
}

void json_add_str(struct json_object *o, const char *key, const char *s)
{
	add(o, key, s ? checked(json_object_new_string(s)) : NULL);
}

void json_add_int(struct json_object *o, const char *key, long long v)
{
	add(o, key, checked(json_object_new_int64(v)));
}

void json_add_bool(struct json_object *o, const char *key, bool v)
{
	add(o, key, checked(json_object_new_boolean(v)));
}

/* One serialization for every answer, so stored and replayed bodies match what was sent. */
#define JSON_OUT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void json_reply_text(struct request *r, int status, const char *body)
{
	buf_reset(&r->out);
	buf_puts(&r->out, body);
	r->status = status;
	r->out_type = "application/json";
}

const char *json_text(struct arena *a, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_OUT_FLAGS);
	char *out;

	if (!s)
		log_fatal("json: out of memory");
	out = arena_strdup(a, s);
	json_object_put(obj);
	return out;
}

void json_reply(struct request *r, int status, struct json_object *obj)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(obj, JSON_OUT_FLAGS, &len);

	if (!s)
		log_fatal("json: out of memory");
	buf_reset(&r->out);
	buf_append(&r->out, s, len);
	r->status = status;
	r->out_type = "application/json";
	json_object_put(obj);
}

struct json_object *ondi_ok(const char *message)
{
	struct json_object *o = checked(json_object_new_object());

	json_add_bool(o, "success", true);
	json_add_str(o, "message", message);
	return o;
}

void ondi_error(struct request *r, int status, const char *message)
{
	struct json_object *o = checked(json_object_new_object());

	json_add_bool(o, "success", false);
	json_add_str(o, "message", message);
	json_reply(r, status, o);
}

struct json_object *status_envelope(int status, const char *message, const char *detail)
{
	struct json_object *o = checked(json_object_new_object());

	json_add_int(o, "status", status);
	json_add_str(o, "message", message);
	json_add_str(o, "detail", detail);
	return o;
}

void status_error(struct request *r, int status, const char *message, const char *detail)
{
	json_reply(r, status, status_envelope(status, message, detail));
}
