/* JSON on json-c: parsing bodies, reading fields, sending envelopes. */
#ifndef STOCKTAKE_JSON_H
#define STOCKTAKE_JSON_H

#include <stdbool.h>

#include <json-c/json.h>

struct request;

/*
 * Parses r->body as a JSON object. Returns NULL (and *err set to a message
 * such as "Invalid JSON body") if it is not one. The caller owns the result
 * (json_object_put) unless it hands it to req_json_own().
 */
struct json_object *json_parse_body(const struct request *r, const char **err);

/* Registers obj to be released when the request ends (so handlers need not put it). */
void req_json_own(struct request *r, struct json_object *obj);
/* Releases every object registered with req_json_own (called by the app loop). */
void req_json_release_all(struct request *r);

/* Field as string: NULL when absent or JSON null; *ok false when present but not a string. */
const char *json_get_str(struct json_object *o, const char *key, bool *ok);
/* Field present (even when null). */
bool json_has(struct json_object *o, const char *key);
/* Field as int64 (JSON integer, or a string of digits); false when absent/null/not integral. */
bool json_get_int(struct json_object *o, const char *key, long long *out);
/* Field as bool; false when absent/null/not boolean. */
bool json_get_bool(struct json_object *o, const char *key, bool *out);

/* Adds "key": string (NULL gives null). */
void json_add_str(struct json_object *o, const char *key, const char *s);
void json_add_int(struct json_object *o, const char *key, long long v);
void json_add_bool(struct json_object *o, const char *key, bool v);

/* Serializes obj into r->out (compact), sets status and application/json, releases obj. */
void json_reply(struct request *r, int status, struct json_object *obj);

/* Sends JSON that is already text, as it is (a replay is byte for byte the first answer). */
void json_reply_text(struct request *r, int status, const char *body);

struct arena;
/* obj serialized exactly as json_reply would send it, copied into the arena; releases obj. */
const char *json_text(struct arena *a, struct json_object *obj);

/* ONDI envelope (004 document): {"success": true, "message": message}. Caller adds data. */
struct json_object *ondi_ok(const char *message);
/* Sends {"success": false, "message": message} with the HTTP status. */
void ondi_error(struct request *r, int status, const char *message);

/* Status envelope (000 document): {"status": status, "message": message, "detail": detail}. */
struct json_object *status_envelope(int status, const char *message, const char *detail);
/* Sends the status envelope as an error. */
void status_error(struct request *r, int status, const char *message, const char *detail);

#endif
