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
/* Field as int64 (JSON integer, or a string of digits); false when absent/null/not integral. */
bool jval_int(struct json_object *o, const char *key, long long *out);
/* Field as bool; false when absent/null/not boolean. */
bool jval_bool(struct json_object *o, const char *key, bool *out);

/* Adds "key": string (NULL gives null). Out of memory is fatal, as for every add. */
void jval_add_str(struct json_object *o, const char *key, const char *s);
void jval_add_int(struct json_object *o, const char *key, long long v);
void jval_add_bool(struct json_object *o, const char *key, bool v);

/* obj serialized with JVAL_OUT_FLAGS, copied into the arena; releases obj. */
const char *jval_text(struct arena *a, struct json_object *obj);

#endif
