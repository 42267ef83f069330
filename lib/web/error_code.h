/*
 * The stable machine-readable code (and the field, for validation errors) of an error answer,
 * derived from its status and message in one place, so that both envelopes carry them without
 * every caller knowing them. docs/errors.md lists the codes.
 */
#ifndef STOCKTAKE_ERROR_CODE_H
#define STOCKTAKE_ERROR_CODE_H

#include <stdbool.h>

/* Longest field name an error can carry (with its NUL); longer names are left out. */
#define ERROR_FIELD_MAX 64

/* The code of one error answer and the field it is about ("" when none). */
struct error_code {
	const char *code;            /* a constant: "insufficient_stock", "invalid_field", ... */
	char field[ERROR_FIELD_MAX]; /* "quantity", "to_bin_id", or "" */
};

/*
 * Fills *out for an error answer with status and message: the code of the message's entry
 * in the table (exact messages, then families such as "Field required: <field>",
 * "Invalid <field>", "<field> must be ...", "Unknown query parameter: <name>"), else the
 * default of the status (400 invalid_request, 404 not_found, ...). Returns true when the
 * message itself was recognised, false when the status default was used.
 */
bool error_code_of(int status, const char *message, struct error_code *out);

/* The default code of an error status (500 and unknown statuses: "internal_error"). */
const char *error_code_default(int status);

#endif
