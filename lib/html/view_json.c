/* json-c values as page data: objects as maps, arrays as lists, doubles as text, null as null. */
#include "html/view_json.h"

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "html/view.h"

/* Where a value goes: a key of a map, or the end of a list. */
struct slot {
	struct view *into;
	const char *key; /* NULL: append to a list */
};

static void put_view(const struct slot *s, struct view *v)
{
	if (s->key)
		view_set(s->into, s->key, v);
	else
		view_push(s->into, v);
}

static void put(struct arena *a, const struct slot *s, struct json_object *j)
{
	bool map = s->key != NULL;

	switch (json_object_get_type(j)) {
	case json_type_boolean:
		map ? view_set_bool(s->into, s->key, json_object_get_boolean(j))
		    : view_push_bool(s->into, json_object_get_boolean(j));
		break;
	case json_type_int:
		map ? view_set_int(s->into, s->key, json_object_get_int64(j))
		    : view_push_int(s->into, json_object_get_int64(j));
		break;
	case json_type_double:
	case json_type_string:
		map ? view_set_str(s->into, s->key, arena_strdup(a, json_object_get_string(j)))
		    : view_push_str(s->into, arena_strdup(a, json_object_get_string(j)));
		break;
	case json_type_object:
	case json_type_array:
		put_view(s, view_json_of(a, j));
		break;
	default:
		map ? view_set_str(s->into, s->key, NULL) : view_push_str(s->into, NULL);
	}
}

void view_json_set(struct arena *a, struct view *map, const char *key, struct json_object *j)
{
	const struct slot s = {map, arena_strdup(a, key)};

	put(a, &s, j);
}

void view_json_push(struct arena *a, struct view *list, struct json_object *j)
{
	const struct slot s = {list, NULL};

	put(a, &s, j);
}

struct view *view_json_of(struct arena *a, struct json_object *j)
{
	struct view *v;

	if (json_object_is_type(j, json_type_array)) {
		v = view_list(a);
		for (size_t i = 0; i < json_object_array_length(j); i++)
			view_json_push(a, v, json_object_array_get_idx(j, i));
		return v;
	}
	if (!json_object_is_type(j, json_type_object))
		return NULL;
	v = view_map(a);
	json_object_object_foreach(j, key, val)
	{
		view_json_set(a, v, key, val);
	}
	return v;
}
