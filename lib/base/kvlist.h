/* An ordered list of keys and values in an arena: query parameters, form fields, route parameters.
 */
#ifndef STOCKTAKE_KVLIST_H
#define STOCKTAKE_KVLIST_H

#include <stddef.h>

struct arena;

struct kv {
	const char *key;
	const char *value;
};

/* Ordered key/value list; items live in the owning arena. */
struct kvlist {
	struct kv *items;
	size_t n;
	size_t cap;
};

/* Appends key = value (neither copied). */
void kvlist_add(struct arena *a, struct kvlist *l, const char *key, const char *value);
/* First value for key, or NULL. */
const char *kvlist_get(const struct kvlist *l, const char *key);
/* Like kvlist_get, but "" counts as absent (the documents' example URLs send empty filters). */
const char *kvlist_get_nonempty(const struct kvlist *l, const char *key);

#endif
