/* Request bodies as JSON: strict parsing (depth, escapes, finite numbers) into json-c objects. */
#include "web/body.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/log.h"
#include "base/valid.h"
#include "web/req.h"

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

struct json_object *body_json(const struct request *r, const char **err)
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
	/* json-c's own UTF-8 check lets overlong forms, surrogates and code points above U+10FFFF
	 * through. */
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
