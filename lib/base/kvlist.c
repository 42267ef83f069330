/* An ordered list of keys and values in an arena. */
#include "base/kvlist.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"

void kvlist_add(struct arena *a, struct kvlist *l, const char *key, const char *value)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kv *items;

		if (cap > SIZE_MAX / sizeof(*items))
			log_fatal("kvlist: too many items");
		items = arena_alloc(a, cap * sizeof(*items));
		if (l->n)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n].key = key;
	l->items[l->n].value = value;
	l->n++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

const char *kvlist_get_nonempty(const struct kvlist *l, const char *key)
{
	const char *v = kvlist_get(l, key);

	return v && *v ? v : NULL;
}
