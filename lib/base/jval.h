/* JSON values on json-c: typed fields of an object, adding them, and the one serialization. */
#ifndef STOCKTAKE_JVAL_H
#define STOCKTAKE_JVAL_H

#include <stdbool.h>

#include <json-c/json.h>

struct arena;

/* One serialization for every answer, so stored and replayed bodies match what was sent. */
#define JVAL_OUT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Field as string: NULL when absent or JSON null; *ok false when present but not a string. */
const char *jval_str(struct json_object *o, const char *key, bool *ok);
/* Field present (even when null). */
bool jval_has(struct json_object *o, const char *key);
/* How a JSON value reads as a whole number: what jval_whole and jval_int found. */
enum jval_num {
	JVAL_WHOLE = 0, /* a number of integral value from -(2^63 - 1) to 2^63 - 1: *out holds it */
	/*
	 * An integral number beyond that range: *out is INT64_MIN or INT64_MAX, so that the
	 * caller's range check refuses it as too small or too large (every caller has one).
	 */
	JVAL_BEYOND,
	JVAL_NOT_WHOLE, /* a fraction, a string, a boolean, null, an array or an object */
	JVAL_ABSENT,    /* jval_int only: the key is absent or JSON null */
};

/*
 * The one reader of the integer fields of JSON bodies. A number counts by its value, as in
 * JSON Schema: 10, 10.0, 1e1 and 1.0e3 are whole, -0.0 is 0, and so clients whose numbers are
 * doubles (Python floats, JavaScript, .NET decimal) can send what the document says. A number
 * written with a fraction or an exponent is read exactly from the text the client sent, never
 * through a double, so 9007199254740993.0 is that number and 10.000000000000001 a fraction.
 * Strings ("10") are not numbers and are refused like booleans. v NULL is JVAL_NOT_WHOLE.
 */
enum jval_num jval_whole(struct json_object *v, long long *out);
/* jval_whole of the field key of o; JVAL_ABSENT when absent or JSON null. */
enum jval_num jval_int(struct json_object *o, const char *key, long long *out);
/* Field as bool; false when absent/null/not boolean. */
bool jval_bool(struct json_object *o, const char *key, bool *out);

/* Adds "key": string (NULL gives null). Out of memory is fatal, as for every add. */
void jval_add_str(struct json_object *o, const char *key, const char *s);
void jval_add_int(struct json_object *o, const char *key, long long v);
void jval_add_bool(struct json_object *o, const char *key, bool v);

/* obj serialized with JVAL_OUT_FLAGS, copied into the arena; releases obj. */
const char *jval_text(struct arena *a, struct json_object *obj);

#endif
