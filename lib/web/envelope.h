/*
 * The two JSON response shapes of the API documents, and sending JSON as the response:
 * - the ONDI envelope (document 004, inventory transactions; also master data and auth):
 *   {"success": true|false, "message": "...", <data>};
 * - the status envelope (document 000, count sessions): {"status": 200, "message": "...",
 *   "detail": "..."|null, <data>}.
 */
#ifndef STOCKTAKE_ENVELOPE_H
#define STOCKTAKE_ENVELOPE_H

#include <json-c/json.h>

struct buf;
struct request;

/* Serializes obj (JVAL_OUT_FLAGS) as r's response with status, application/json; releases obj. */
void envelope_reply(struct request *r, int status, struct json_object *obj);

/* Sends JSON that is already text, as it is (a replay is byte for byte the first answer). */
void envelope_reply_text(struct request *r, int status, const char *body);

/* ONDI envelope: {"success": true, "message": message}. The caller adds the data. */
struct json_object *envelope_ondi(const char *message);
/*
 * Starts a 200 ONDI envelope as text in r->out, {"success":true,"message":"<message>", left
 * open: the caller appends its data as JSON text (row_json_write) and the closing brace. For
 * lists whose rows would cost many json-c objects. message is a constant of the caller's,
 * written as it is (no character in it needs escaping).
 */
struct buf *envelope_ondi_open(struct request *r, const char *message);
/* Sends {"success": false, "message": message} with the HTTP status. */
void envelope_ondi_error(struct request *r, int status, const char *message);
/*
 * envelope_ondi_error with "detail": what the client should send instead (the
 * document's message stays as it is; the detail is an extra key).
 */
void envelope_ondi_error_detail(struct request *r, int status, const char *message,
                                const char *detail);

/* Status envelope: {"status": status, "message": message, "detail": detail}. */
struct json_object *envelope_status(int status, const char *message, const char *detail);
/* Sends the status envelope as an error. */
void envelope_status_error(struct request *r, int status, const char *message, const char *detail);

#endif
