/* Request bodies as JSON: strict parsing (depth, escapes, finite numbers) into json-c objects. */
#ifndef STOCKTAKE_BODY_H
#define STOCKTAKE_BODY_H

struct json_object;
struct request;

/*
 * Parses r->body as a JSON object. Returns NULL (and *err set to a message
 * such as "Invalid JSON body") if it is not one. The caller owns the result
 * (json_object_put) unless it hands it to req_json_own().
 */
struct json_object *body_json(const struct request *r, const char **err);

#endif
