/* The code and field of an error answer, from its status and message: one table for the API. */
#include "web/error_code.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A rule's field taken from the message: the name after the prefix, or the first word. */
#define FROM_MESSAGE "*"

enum match { EXACT, PREFIX, SUFFIX };

struct rule {
	enum match how;
	const char *text;
	const char *code;
	const char *field; /* NULL: none; FROM_MESSAGE: the name in the message */
};

/*
 * Messages the handlers send, by their exact text first: these are the codes clients may rely
 * on (docs/errors.md). Families follow, so that a message added later still gets a code of its
 * kind; tests/unit/test_error_code.c holds every message that must not fall to a default.
 */
static const struct rule rules[] = {
    /* the ledger and the 004 document */
    {EXACT, "Insufficient stock", "insufficient_stock", NULL},
    {EXACT, "Stock would become negative", "insufficient_stock", NULL},
    {EXACT, "Warehouse ID required", "field_required", "warehouse_id"},
    {EXACT, "Transaction ID required", "field_required", "id"},
    {EXACT, "Move requires from and to bins", "field_required", "to_bin_id"},
    {EXACT, "Pick requires from bin", "field_required", "from_bin_id"},
    {EXACT, "Reference type required when reference ID provided", "field_required",
     "reference_type"},
    {EXACT, "Invalid transaction type", "invalid_field", "transaction_type"},
    {EXACT, "Invalid reference type", "invalid_field", "reference_type"},
    {PREFIX, "Invalid adjustment direction", "invalid_field", "adjustment_direction"},
    {EXACT, "Quantity too large", "field_too_large", "quantity"},
    {EXACT, "From bin must match stock bin", "bin_mismatch", "from_bin_id"},
    {EXACT, "To bin must match stock bin", "bin_mismatch", "to_bin_id"},
    {EXACT, "From and to bins must differ", "bin_mismatch", "to_bin_id"},
    {EXACT, "Bin does not belong to warehouse", "bin_mismatch", "bin_id"},
    {EXACT, "Item ID mismatch", "item_mismatch", "item_id"},
    {EXACT, "Stock not found", "stock_not_found", NULL},
    {EXACT, "Stock record not found", "stock_not_found", NULL},
    {EXACT, "Warehouse not found", "warehouse_not_found", NULL},
    {EXACT, "Bin not found", "bin_not_found", NULL},
    {EXACT, "To bin not found", "bin_not_found", "to_bin_id"},
    {EXACT, "From bin not found", "bin_not_found", "from_bin_id"},
    {EXACT, "Item not found", "item_not_found", NULL},
    {EXACT, "Transaction not found", "transaction_not_found", NULL},
    {EXACT, "Tenant not found", "tenant_not_found", NULL},
    {EXACT, "User not found", "user_not_found", NULL},
    {EXACT, "Performed by user not found", "user_not_found", "performed_by"},
    {EXACT, "Count session not found", "count_session_not_found", NULL},
    {EXACT, "Not found", "not_found", NULL},
    /* master data */
    {EXACT, "SKU required", "field_required", "sku"},
    {EXACT, "Bin required", "field_required", "bin_id"},
    {EXACT, "SKU already exists", "already_exists", "sku"},
    {EXACT, "Barcode already exists", "already_exists", "barcode"},
    {EXACT, "Username already exists", "already_exists", "username"},
    {EXACT, "Warehouse code already exists", "already_exists", "code"},
    {EXACT, "Bin code already exists in this warehouse", "already_exists", "code"},
    {EXACT, "Count session code already exists", "already_exists", "code"},
    {EXACT, "No fields to update", "no_fields", NULL},
    {EXACT, "Field is read-only", "read_only_field", NULL},
    {EXACT, "Field cannot be changed", "read_only_field", NULL},
    {EXACT, "Only notes can be changed", "read_only_field", NULL},
    {EXACT, "Quantity changes only through inventory transactions", "read_only_field", "quantity"},
    {EXACT, "Bin changes only through inventory transactions", "read_only_field", "bin_id"},
    {PREFIX, "Cannot delete ", "in_use", NULL},
    /* count sessions */
    {EXACT, "Count session has unresolved conflicts", "unresolved_conflicts", NULL},
    {EXACT, "Count session has no assignments", "no_assignments", "assignments"},
    {EXACT, "Count session was changed meanwhile", "count_session_changed", "_rev"},
    {EXACT, "Duplicate assignment", "invalid_field", "assignments"},
    {EXACT, "No count records for this line", "count_records_not_found", NULL},
    {EXACT, "You are not assigned to this count session", "not_assigned", NULL},
    {EXACT, "Bin is not among your count targets", "not_a_target", "bin_id"},
    {EXACT, "Item is not among your count targets", "not_a_target", "item_id"},
    {EXACT, "Invalid CSV", "invalid_csv", NULL},
    {EXACT, "NUL byte in CSV", "invalid_csv", NULL},
    {EXACT, "Unterminated quoted field", "invalid_csv", NULL},
    {EXACT, "Text after a closing quote", "invalid_csv", NULL},
    {EXACT, "Import refused: invalid rows", "invalid_rows", NULL},
    {EXACT, "No rows to import", "no_rows", NULL},
    {EXACT, "Too many rows", "too_many_rows", NULL},
    {PREFIX, "Unknown bin: ", "unknown_bin", "bin"},
    {PREFIX, "Unknown sku: ", "unknown_sku", "sku"},
    {PREFIX, "Ambiguous bin code ", "ambiguous_bin", "bin"},
    {PREFIX, "Count session is ", "count_session_state", NULL},
    {PREFIX, "This count session is ", "count_session_state", NULL},
    {PREFIX, "Cannot change ", "count_session_state", FROM_MESSAGE},
    {PREFIX, "Bin is locked by count session ", "bin_locked", NULL},
    /* authentication, users, scopes */
    {EXACT, "Authentication required", "unauthorized", NULL},
    {EXACT, "Invalid token", "invalid_token", NULL},
    {EXACT, "Token expired", "token_expired", NULL},
    {EXACT, "User disabled", "user_disabled", NULL},
    {EXACT, "Insufficient permissions", "insufficient_permissions", NULL},
    {EXACT, "Incorrect username or password", "invalid_credentials", NULL},
    {EXACT, "The username or password is incorrect, or the account is disabled",
     "invalid_credentials", NULL},
    {EXACT, "Incorrect current password", "invalid_credentials", "current_password"},
    {EXACT, "Unsupported grant type", "unsupported_grant_type", "grant_type"},
    {EXACT, "Invalid scope", "invalid_scope", "scope"},
    {EXACT, "The requested scope exceeds the scopes granted to the user", "invalid_scope", "scope"},
    {EXACT, "The requested scope contains an unknown scope", "invalid_scope", "scope"},
    {EXACT, "Cannot disable your own account", "cannot_disable_self", NULL},
    {EXACT, "Invalid time zone", "invalid_field", "time_zone"},
    {PREFIX, "Unknown time zone", "invalid_field", "time_zone"},
    /* requests as a whole */
    {EXACT, "Invalid JSON body", "invalid_json", NULL},
    {EXACT, "Invalid form body", "invalid_request", NULL},
    {EXACT, "Bad request", "invalid_request", NULL},
    {EXACT, "Malformed query string", "invalid_request", NULL},
    {EXACT, "Malformed path", "invalid_request", NULL},
    {EXACT, "Invalid idempotency key", "invalid_idempotency_key", NULL},
    {EXACT, "Idempotency key reused with a different request", "idempotency_key_reused", NULL},
    {EXACT, "A request with this Idempotency-Key is still being processed",
     "idempotency_key_in_use", NULL},
    {PREFIX, "Precondition failed", "precondition_failed", NULL},
    {EXACT, "Method not allowed", "method_not_allowed", NULL},
    {EXACT, "Unsupported media type", "unsupported_media_type", NULL},
    {EXACT, "Request body too large", "payload_too_large", NULL},
    {EXACT, "Request timeout", "request_timeout", NULL},
    {EXACT, "Request URI too long", "uri_too_long", NULL},
    {EXACT, "Too many requests", "rate_limited", NULL},
    {EXACT, "Internal server error", "internal_error", NULL},
    {EXACT, "Not implemented", "not_implemented", NULL},
    {EXACT, "Service temporarily unavailable", "unavailable", NULL},
    {EXACT, "Conflict", "conflict", NULL},
    {EXACT, "Invalid timestamp", "invalid_field", NULL},
    /* families: a field's rule, whatever the field */
    {PREFIX, "Field required: ", "field_required", FROM_MESSAGE},
    {PREFIX, "Field too long: ", "field_too_long", FROM_MESSAGE},
    {PREFIX, "Field too large: ", "field_too_large", FROM_MESSAGE},
    {PREFIX, "Unknown field: ", "unknown_field", FROM_MESSAGE},
    {EXACT, "Unknown field", "unknown_field", NULL},
    {PREFIX, "Unknown query parameter: ", "unknown_parameter", FROM_MESSAGE},
    {PREFIX, "Unknown query parameters: ", "unknown_parameter", FROM_MESSAGE},
    {SUFFIX, " already exists", "already_exists", NULL},
    {SUFFIX, " not found", "not_found", NULL},
    {SUFFIX, " is inactive", "inactive_reference", NULL},
    {SUFFIX, " required", "field_required", NULL},
};

/* Statuses and their default codes, for messages no rule knows. */
static const struct {
	int status;
	const char *code;
} defaults[] = {
    {400, "invalid_request"},
    {401, "unauthorized"},
    {403, "insufficient_permissions"},
    {404, "not_found"},
    {405, "method_not_allowed"},
    {406, "not_acceptable"},
    {408, "request_timeout"},
    {409, "conflict"},
    {410, "gone"},
    {412, "precondition_failed"},
    {413, "payload_too_large"},
    {414, "uri_too_long"},
    {415, "unsupported_media_type"},
    {422, "invalid_request"},
    {428, "precondition_required"},
    {429, "rate_limited"},
    {500, "internal_error"},
    {501, "not_implemented"},
    {502, "bad_gateway"},
    {503, "unavailable"},
    {504, "gateway_timeout"},
};

const char *error_code_default(int status)
{
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (defaults[i].status == status)
			return defaults[i].code;
	return status >= 400 && status < 500 ? "invalid_request" : "internal_error";
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '[' ||
	       c == ']';
}

/*
 * Copies the field name at s (name characters up to the first other one) into out, in lower
 * case; returns its length, 0 when s does not start with a name or the name is too long.
 */
static size_t copy_name(const char *s, char *out)
{
	size_t n = 0;

	while (name_char(s[n]))
		n++;
	if (n == 0 || n >= ERROR_FIELD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return n;
}

static bool rule_matches(const struct rule *rl, const char *message, size_t len)
{
	size_t n = strlen(rl->text);

	switch (rl->how) {
	case EXACT:
		return strcmp(message, rl->text) == 0;
	case PREFIX:
		return strncmp(message, rl->text, n) == 0;
	case SUFFIX:
		return len >= n && strcmp(message + len - n, rl->text) == 0;
	}
	return false;
}

static void apply_rule(const struct rule *rl, const char *message, struct error_code *out)
{
	out->code = rl->code;
	if (!rl->field)
		return;
	if (strcmp(rl->field, FROM_MESSAGE) != 0)
		snprintf(out->field, sizeof(out->field), "%s", rl->field);
	else
		copy_name(message + strlen(rl->text), out->field);
}

/*
 * The families of a field's value: "Invalid <field>" (a name, alone or before ':'), and
 * "<field> must ..." ("quantity must be a whole number", "Quantity must be positive").
 */
static bool field_family(const char *message, struct error_code *out)
{
	char name[ERROR_FIELD_MAX];
	size_t n;

	if (strncmp(message, "Invalid ", 8) == 0 && (n = copy_name(message + 8, name)) > 0 &&
	    (message[8 + n] == '\0' || message[8 + n] == ':')) {
		out->code = "invalid_field";
		memcpy(out->field, name, n + 1);
		return true;
	}
	if ((n = copy_name(message, name)) > 0 && strncmp(message + n, " must ", 6) == 0) {
		out->code = "invalid_field";
		memcpy(out->field, name, n + 1);
		return true;
	}
	return false;
}

bool error_code_of(int status, const char *message, struct error_code *out)
{
	size_t len = message ? strlen(message) : 0;

	out->code = error_code_default(status);
	out->field[0] = '\0';
	if (!message)
		return false;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].how != SUFFIX && rule_matches(&rules[i], message, len)) {
			apply_rule(&rules[i], message, out);
			return true;
		}
	if (field_family(message, out))
		return true;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].how == SUFFIX && rule_matches(&rules[i], message, len)) {
			apply_rule(&rules[i], message, out);
			return true;
		}
	return false;
}
