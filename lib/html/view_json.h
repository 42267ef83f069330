/*
 * json-c values as page data: objects as maps, arrays as lists, doubles as their text, null as
 * null. For the one page built from the API's JSON of a count session, and for tests that write
 * their page data as JSON text. Keys and text are copied into the arena, so the json-c objects
 * can be released at once.
 */
#ifndef STOCKTAKE_VIEW_JSON_H
#define STOCKTAKE_VIEW_JSON_H

struct arena;
struct json_object;
struct view;

/* The map or list j stands for; NULL when j is a scalar (or NULL). */
struct view *view_json_of(struct arena *a, struct json_object *j);

/* Sets key of map (copied into a) to the value j stands for, of any kind. */
void view_json_set(struct arena *a, struct view *map, const char *key, struct json_object *j);

/* Appends the value j stands for, of any kind, to list. */
void view_json_push(struct arena *a, struct view *list, struct json_object *j);

#endif
