/* Unit tests for lib/web/error_code.c: the codes and fields of the API's error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "web/error_code.h"

struct expect {
	int status;
	const char *message;
	const char *code;
	const char *field; /* "" for none */
};

/* The messages of the inventory transactions document (004): each has a code of its own. */
static const struct expect document_004[] = {
    {400, "Warehouse ID required", "field_required", "warehouse_id"},
    {404, "Warehouse not found", "warehouse_not_found", ""},
    {404, "Tenant not found", "tenant_not_found", ""},
    {403, "Insufficient permissions", "insufficient_permissions", ""},
    {500, "Internal server error", "internal_error", ""},
    {400, "Field required: transaction_type", "field_required", "transaction_type"},
    {400, "Invalid transaction type", "invalid_field", "transaction_type"},
    {400, "Move requires from and to bins", "field_required", "to_bin_id"},
    {400, "From bin must match stock bin", "bin_mismatch", "from_bin_id"},
    {400, "Reference type required when reference ID provided", "field_required", "reference_type"},
    {400, "Invalid reference type", "invalid_field", "reference_type"},
    {400, "Insufficient stock", "insufficient_stock", ""},
    {400, "Item ID mismatch", "item_mismatch", "item_id"},
    {404, "Stock not found", "stock_not_found", ""},
    {404, "To bin not found", "bin_not_found", "to_bin_id"},
    {404, "Performed by user not found", "user_not_found", "performed_by"},
    {400, "Transaction ID required", "field_required", "id"},
    {404, "Transaction not found", "transaction_not_found", ""},
};

/* Families: messages built from a field's name, including ones other changes add. */
static const struct expect families[] = {
    {400, "Field required: quantity", "field_required", "quantity"},
    {400, "Field required: adjustment_direction (increase or decrease)", "field_required",
     "adjustment_direction"},
    {400, "Invalid quantity", "invalid_field", "quantity"},
    {400, "Invalid adjustment direction (increase or decrease)", "invalid_field",
     "adjustment_direction"},
    {400, "quantity must be a whole number", "invalid_field", "quantity"},
    {400, "capacity must be a whole number", "invalid_field", "capacity"},
    {400, "Quantity must be positive", "invalid_field", "quantity"},
    {400, "Invalid counted_qt: 1.5", "invalid_field", "counted_qt"},
    {400, "Invalid limit", "invalid_field", "limit"},
    {400, "Invalid scheduled_end", "invalid_field", "scheduled_end"},
    {400, "Field too long: notes", "field_too_long", "notes"},
    {400, "Field too large: capacity", "field_too_large", "capacity"},
    {400, "Unknown field: colour", "unknown_field", "colour"},
    {400, "Unknown query parameter: transaction_typ", "unknown_parameter", "transaction_typ"},
    {400, "Unknown query parameters: a, b", "unknown_parameter", "a"},
    {409, "Warehouse code already exists", "already_exists", "code"},
    {409, "Shelf already exists", "already_exists", ""},
    {404, "Shelf not found", "not_found", ""},
    {400, "Warehouse is inactive", "inactive_reference", ""},
    {409, "Count session is completed", "count_session_state", ""},
    {409, "Cannot change scheduled_end: count session is started", "count_session_state",
     "scheduled_end"},
    {409, "Cannot delete bin while stock remains", "in_use", ""},
    {400, "Unknown sku: X-1", "unknown_sku", "sku"},
    {401, "Token expired", "token_expired", ""},
    {401, "Authentication required", "unauthorized", ""},
    {415, "Unsupported media type", "unsupported_media_type", ""},
};

/* Messages no rule knows get the default of their status. */
static const struct expect defaults[] = {
    {400, "Something odd", "invalid_request", ""}, {401, "Who are you", "unauthorized", ""},
    {403, "No", "insufficient_permissions", ""},   {404, "Gone away", "not_found", ""},
    {405, "Nope", "method_not_allowed", ""},       {409, "Busy", "conflict", ""},
    {412, "Stale", "precondition_failed", ""},     {413, "Big", "payload_too_large", ""},
    {415, "Text", "unsupported_media_type", ""},   {429, "Slow down", "rate_limited", ""},
    {500, "Oops", "internal_error", ""},           {503, "Later", "unavailable", ""},
    {418, "Teapot", "invalid_request", ""},        {599, "Odd", "internal_error", ""},
};

static void check(const struct expect *e, size_t n, bool known)
{
	for (size_t i = 0; i < n; i++) {
		struct error_code ec;

		if (error_code_of(e[i].status, e[i].message, &ec) != known)
			fail_msg("%s: %s", e[i].message, known ? "not recognised" : "recognised");
		assert_string_equal(ec.code, e[i].code);
		assert_string_equal(ec.field, e[i].field);
	}
}

static void test_document_messages(void **state)
{
	check(document_004, sizeof(document_004) / sizeof(document_004[0]), true);
}

static void test_families(void **state)
{
	check(families, sizeof(families) / sizeof(families[0]), true);
}

static void test_defaults(void **state)
{
	check(defaults, sizeof(defaults) / sizeof(defaults[0]), false);
}

static void test_odd_input(void **state)
{
	struct error_code ec;
	char longname[200];

	assert_false(error_code_of(400, NULL, &ec));
	assert_string_equal(ec.code, "invalid_request");
	assert_false(error_code_of(400, "", &ec));
	/* A name too long for the field is left out, the code stays. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "Field required: ", 16);
	longname[sizeof(longname) - 1] = '\0';
	assert_true(error_code_of(400, longname, &ec));
	assert_string_equal(ec.code, "field_required");
	assert_string_equal(ec.field, "");
	/* "Invalid" followed by words is no field's name. */
	assert_false(error_code_of(400, "Invalid something else", &ec));
	assert_string_equal(ec.code, "invalid_request");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_document_messages),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_odd_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
