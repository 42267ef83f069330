/* JSON values on json-c: typed fields of an object, adding them, and the one serialization. */
#include "base/jval.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "base/valid.h"

const char *jval_str(struct json_object *o, const char *key, bool *ok)
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

bool jval_has(struct json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

bool jval_int(struct json_object *o, const char *key, long long *out)
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

bool jval_bool(struct json_object *o, const char *key, bool *out)
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

void jval_add_str(struct json_object *o, const char *key, const char *s)
{
	add(o, key, s ? checked(json_object_new_string(s)) : NULL);
}

void jval_add_int(struct json_object *o, const char *key, long long v)
{
	add(o, key, checked(json_object_new_int64(v)));
}

void jval_add_bool(struct json_object *o, const char *key, bool v)
{
	add(o, key, checked(json_object_new_boolean(v)));
}

const char *jval_text(struct arena *a, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JVAL_OUT_FLAGS);
	char *out;

	if (!s)
		log_fatal("json: out of memory");
	out = arena_strdup(a, s);
	json_object_put(obj);
	return out;
}
