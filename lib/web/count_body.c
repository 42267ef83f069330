/* Request bodies of the count session endpoints, parsed from JSON: session fields, assignments,
 * counted lines and their serials. */
#include "web/count_body.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/valid.h"
#include "stock/ledger.h"

static int bad(const char **msg, const char **detail, const char *m, const char *d)
{
	*msg = m;
	*detail = d ? d : "";
	return 400;
}

int count_body_session(struct arena *a, struct json_object *o, bool creating,
                       struct field_value *vals, const char **msg, const char **detail)
{
	int st;

	/* In the body's order, so the first key at fault is the one named. */
	json_object_object_foreach(o, key, v)
	{
		int i = count_field_index(key);

		if (i < 0)
			return bad(msg, detail, arena_sprintf(a, "Unknown field: %s", key),
			           "see the count_session document for the accepted fields");
		if ((st = field_check(a, &count_fields[i], v, creating, &vals[i], msg, detail)) !=
		    0)
			return st;
	}
	return creating ? field_missing(a, count_fields, vals, msg, detail) : 0;
}

/* ---- assignments ----------------------------------------------------------- */

/* target_keys of assignment i. 0, or 400. */
static int parse_targets(struct arena *a, struct json_object *arr, size_t i,
                         struct count_assignment *as, const char **msg, const char **detail)
{
	const char *where = arena_sprintf(a, "assignments[%zu].target_keys", i);
	size_t n;

	if (!arr)
		return bad(msg, detail, arena_sprintf(a, "Field required: %s", where),
		           "each assignment must reference at least one target");
	if (!json_object_is_type(arr, json_type_array) || (n = json_object_array_length(arr)) == 0)
		return bad(
		    msg, detail, arena_sprintf(a, "Invalid %s", where),
		    "target_keys must be a non-empty array of targets, each an array of keys");
	as->ntargets = n;
	as->targets = arena_alloc(a, n * sizeof(*as->targets));
	for (size_t t = 0; t < n; t++) {
		struct json_object *keys = json_object_array_get_idx(arr, t);
		size_t nk;

		if (!json_object_is_type(keys, json_type_array) ||
		    (nk = json_object_array_length(keys)) == 0)
			return bad(msg, detail, arena_sprintf(a, "Invalid %s[%zu]", where, t),
			           "a target is a non-empty array of keys");
		as->targets[t].nkeys = nk;
		as->targets[t].keys = arena_alloc(a, nk * sizeof(char *));
		for (size_t k = 0; k < nk; k++) {
			struct json_object *key = json_object_array_get_idx(keys, k);

			if (!json_object_is_type(key, json_type_string) ||
			    !*json_object_get_string(key))
				return bad(msg, detail,
				           arena_sprintf(a, "Invalid %s[%zu][%zu]", where, t, k),
				           "a key is a non-empty string");
			as->targets[t].keys[k] = arena_strdup(a, json_object_get_string(key));
		}
	}
	return 0;
}

/* Keys an assignment object may carry: what GET returns, so a client can send it back. */
static const char *const assignment_keys[] = {"user_key", "target_keys", "_key", "progress", NULL};

static int parse_assignment(struct arena *a, struct json_object *o, size_t i,
                            struct count_assignment *as, const char **msg, const char **detail)
{
	struct json_object *targets = NULL;
	bool ok = true;

	if (!json_object_is_type(o, json_type_object))
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu]", i),
		           "an assignment is an object with user_key and target_keys");
	json_object_object_foreach(o, key, v)
	{
		(void)v;
		if (!valid_one_of(key, assignment_keys))
			return bad(msg, detail,
			           arena_sprintf(a, "Unknown field: assignments[%zu].%s", i, key),
			           "an assignment has user_key and target_keys");
	}
	as->user_key = jval_str(o, "user_key", &ok);
	if (!ok || (as->user_key && !*as->user_key))
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu].user_key", i),
		           "user_key is user/<username> or a user id");
	if (!as->user_key)
		return bad(msg, detail,
		           arena_sprintf(a, "Field required: assignments[%zu].user_key", i), "");
	if (count_user_key_parse(a, as->user_key, &as->username, &as->user_id) < 0)
		return bad(msg, detail, arena_sprintf(a, "Invalid assignments[%zu].user_key", i),
		           "user_key is user/<username> or a user id");
	json_object_object_get_ex(o, "target_keys", &targets);
	return parse_targets(a, targets, i, as, msg, detail);
}

int count_body_assignments(struct arena *a, struct json_object *arr, struct count_assignment **out,
                           size_t *n, const char **msg, const char **detail)
{
	int st;

	*out = NULL;
	*n = 0;
	if (!arr)
		return bad(msg, detail, "Field required: assignments",
		           "a count session needs at least one assignment");
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
		return bad(msg, detail, "Invalid assignments",
		           "assignments must be a non-empty array of {user_key, target_keys}");
	*n = json_object_array_length(arr);
	*out = arena_alloc(a, *n * sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		if ((st = parse_assignment(a, json_object_array_get_idx(arr, i), i, &(*out)[i], msg,
		                           detail)) != 0)
			return st;
	return 0;
}

/* ---- counted lines ----------------------------------------------------------- */

static int cmp_serial(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int count_body_serials(struct arena *a, struct json_object *v, long long counted_qt,
                       const char **text, const char **msg)
{
	struct json_object *sorted;
	const char **list;
	size_t n;

	*text = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		*msg = "serials must be an array of strings";
		return -1;
	}
	n = json_object_array_length(v);
	if ((long long)n != counted_qt) {
		*msg = arena_sprintf(
		    a, "%zu serial(s) given for counted_qt %lld: give one per unit", n, counted_qt);
		return -1;
	}
	list = arena_alloc(a, (n ? n : 1) * sizeof(*list));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !valid_text(json_object_get_string(s), COUNT_SERIAL_MAX * 4) ||
		    valid_utf8_chars(json_object_get_string(s)) > COUNT_SERIAL_MAX ||
		    has_control(json_object_get_string(s))) {
			*msg = arena_sprintf(a,
			                     "serials[%zu] must be a serial number of 1 to %d "
			                     "characters",
			                     i, COUNT_SERIAL_MAX);
			return -1;
		}
		list[i] = json_object_get_string(s);
	}
	qsort(list, n, sizeof(*list), cmp_serial);
	if (!(sorted = json_object_new_array()))
		log_fatal("count: out of memory (json)");
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(list[i], list[i - 1]) == 0) {
			json_object_put(sorted);
			*msg = arena_sprintf(a, "serial %s is given twice", list[i]);
			return -1;
		}
		json_object_array_add(sorted, json_object_new_string(list[i]));
	}
	*text = arena_strdup(a, json_object_to_json_string_ext(sorted, JSON_C_TO_STRING_PLAIN));
	json_object_put(sorted);
	return 0;
}

static const char *const entry_keys[] = {"bin_id",     "item_id", "counted_qt",
                                         "lot_number", "serials", NULL};

/* A line's lot: text, with null, "" or no key for none. */
static const struct field lot_field = {.name = "lot_number",
                                       .kind = FIELD_TEXT,
                                       .flags = FIELD_NULLABLE | FIELD_EMPTY_NULL,
                                       .max_len = COUNT_LOT_MAX,
                                       .hint = "lot_number must be a string"};

/* A required id field, lower-cased when it is a UUID (other text cannot name a row). */
static int id_field(struct arena *a, struct json_object *o, const char *key, const char **out,
                    const char **msg, const char **detail)
{
	bool ok = true;
	const char *s = jval_str(o, key, &ok);

	if (!ok)
		return bad(msg, detail, arena_sprintf(a, "Invalid %s", key),
		           arena_sprintf(a, "%s must be a string", key));
	if (!s || !*s)
		return bad(msg, detail, arena_sprintf(a, "Field required: %s", key), "");
	*out = valid_id_norm(a, s);
	return 0;
}

int count_body_entry(struct arena *a, struct json_object *o, struct count_entry *e,
                     const char **msg, const char **detail)
{
	struct json_object *serials = NULL, *lot = NULL;
	struct field_value lot_value = {0};
	enum jval_num k;
	int st;

	memset(e, 0, sizeof(*e));
	json_object_object_foreach(o, key, v)
	{
		(void)v;
		if (!valid_one_of(key, entry_keys))
			return bad(msg, detail, arena_sprintf(a, "Unknown field: %s", key),
			           "a count has bin_id, item_id, counted_qt, lot_number, serials");
	}
	if ((st = id_field(a, o, "bin_id", &e->bin_id, msg, detail)) != 0 ||
	    (st = id_field(a, o, "item_id", &e->item_id, msg, detail)) != 0)
		return st;
	if (!jval_has(o, "counted_qt"))
		return bad(msg, detail, "Field required: counted_qt", "");
	k = jval_int(o, "counted_qt", &e->counted_qt);
	/* null and "5" are not numbers; a whole number beyond int64 is refused as too large. */
	if (k == JVAL_NOT_WHOLE || k == JVAL_ABSENT)
		return bad(msg, detail, "counted_qt must be a whole number",
		           "counted_qt must be a whole number of units, 0 or more");
	if (e->counted_qt < 0 || e->counted_qt > LEDGER_QTY_MAX)
		return bad(msg, detail, "Invalid counted_qt",
		           "counted_qt must be a whole number of units, 0 or more");
	json_object_object_get_ex(o, "lot_number", &lot);
	if (lot && (st = field_check(a, &lot_field, lot, true, &lot_value, msg, detail)) != 0)
		return st;
	e->lot_number = lot_value.set && !lot_value.null ? lot_value.s : "";
	json_object_object_get_ex(o, "serials", &serials);
	if (count_body_serials(a, serials, e->counted_qt, &e->serials, detail) < 0) {
		*msg = "Invalid serials";
		return 400;
	}
	return 0;
}
