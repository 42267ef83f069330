/* Strong entity tags of single records, and the If-Match check of a write against them. */
#include "web/etag.h"

#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/jval.h"
#include "web/req.h"

/* FNV-1a: not a secret, only a change detector, so no crypto library is needed. */
unsigned long long etag_hash(const char *s, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *etag_of_json(struct arena *a, struct json_object *record)
{
	/* The text the answer sends (JVAL_OUT_FLAGS); record stays the caller's. */
	const char *text = json_object_to_json_string_ext(record, JVAL_OUT_FLAGS);

	return etag_of_text(a, text ? text : "", text ? strlen(text) : 0);
}

const char *etag_of_text(struct arena *a, const char *text, size_t n)
{
	return arena_sprintf(a, "\"%016llx\"", etag_hash(text, n));
}

const char *etag_of_rev(struct arena *a, long long rev)
{
	return arena_sprintf(a, "\"%lld\"", rev);
}

/* Skips blanks and commas between the tags of a list. */
static const char *next_tag(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

bool etag_if_match(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p;

	if (!header)
		return true;
	for (p = next_tag(header); *p; p = next_tag(p)) {
		const char *end = p;

		if (*p == '*')
			return true;
		if (*p == '"' && (end = strchr(p + 1, '"')) != NULL) {
			end++;
			if ((size_t)(end - p) == n && memcmp(p, etag, n) == 0)
				return true;
		} else {
			end = p + strcspn(p, ",");
		}
		p = end;
	}
	return false;
}

void etag_send(struct request *r, const char *etag)
{
	req_add_header(r, "ETag", etag);
}
