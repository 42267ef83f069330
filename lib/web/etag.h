/* Strong entity tags of single records, and the If-Match check of a write against them. */
#ifndef STOCKTAKE_ETAG_H
#define STOCKTAKE_ETAG_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct json_object;
struct request;

/* The message of the 412 a write with a stale If-Match gets. */
#define ETAG_STALE_MESSAGE "Precondition failed: the record changed since you read it"

/*
 * The strong entity tag of a record as the API shows it: a quoted 64-bit hash of its JSON text
 * ("\"3f2a...\""), so it changes whenever anything the client sees of the record changes.
 */
const char *etag_of_json(struct arena *a, struct json_object *record);

/*
 * The 64-bit hash the tags are made of (FNV-1a of the n bytes at text): a change detector, not
 * a secret. Also the version of the pages' static files (html/page.h).
 */
unsigned long long etag_hash(const char *text, size_t n);

/* The same tag of a record already written as JSON text: the n bytes at text. */
const char *etag_of_text(struct arena *a, const char *text, size_t n);

/* The entity tag of a revision number: "\"<rev>\"" (count sessions' _rev). */
const char *etag_of_rev(struct arena *a, long long rev);

/*
 * Whether an If-Match header value lets a write of the record whose tag is etag go on: true
 * without a header, for "*", or when one of its comma-separated tags equals etag (strong
 * comparison: a weak W/ tag never matches).
 */
bool etag_if_match(const char *header, const char *etag);

/* Adds "ETag: <etag>" to r's answer. */
void etag_send(struct request *r, const char *etag);

#endif
