/* Request bodies of the count session endpoints, parsed from JSON: session fields, assignments,
 * counted lines and their serials. */
#ifndef STOCKTAKE_COUNT_BODY_H
#define STOCKTAKE_COUNT_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "count/count.h"
#include "count/count_input.h"
#include "db/field.h"

struct arena;

/*
 * Checks a count_session object and fills vals (count_nfields() entries).
 * creating: required fields must be there. Server fields are ignored. Returns
 * 0, or 400 with *msg ("Unknown field: x", "Field required: type", "Invalid x",
 * "Field too long: x") and *detail.
 */
int count_body_session(struct arena *a, struct json_object *o, bool creating,
                       struct field_value *vals, const char **msg, const char **detail);

/*
 * Checks the assignments array: objects with user_key ("user/<username>" or a
 * user id) and target_keys (a non-empty array of non-empty arrays of keys).
 * Returns 0, or 400 with *msg and *detail naming the place.
 */
int count_body_assignments(struct arena *a, struct json_object *arr, struct count_assignment **out,
                           size_t *n, const char **msg, const char **detail);

/*
 * Checks a counted line: bin_id, item_id, counted_qt (0..LEDGER_QTY_MAX),
 * optional lot_number and serials (as many as counted_qt, no repeats).
 * Returns 0, or 400 with *msg and *detail.
 */
int count_body_entry(struct arena *a, struct json_object *o, struct count_entry *e,
                     const char **msg, const char **detail);

/*
 * Serials as stored: v must be an array of counted_qt distinct non-empty
 * strings (at most COUNT_SERIAL_MAX characters, no control characters); *text
 * is their sorted JSON array. NULL v gives NULL. 0, or -1 with *msg.
 */
int count_body_serials(struct arena *a, struct json_object *v, long long counted_qt,
                       const char **text, const char **msg);

#endif
