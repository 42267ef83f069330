/* Unit tests for lib/web/resource.c: body checks, WHERE building, field helpers (no DB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "web/req.h"
#include "web/resource.h"
#include "db/sql.h"

#define TENANT "11111111-2222-3333-4444-555555555555"

static const char *const colours[] = {"red", "green", NULL};

/* Every field reads empty values the master data way. */
#define RULES RES_EMPTY_RULES

/* A made-up resource with one field of every kind and flag. */
static const struct field widget_fields[] = {
    {.name = "name", .kind = FIELD_TEXT, .flags = RULES | FIELD_REQUIRED | RES_PATCH, .max_len = 5},
    {.name = "note",
     .kind = FIELD_TEXT,
     .flags = RULES | RES_PATCH | FIELD_NULLABLE | RES_FILTER,
     .max_len = 10},
    {.name = "colour",
     .kind = FIELD_ENUM,
     .flags = RULES | RES_PATCH | RES_FILTER,
     .values = colours},
    {.name = "box_id",
     .kind = FIELD_REF,
     .flags = RULES | FIELD_REQUIRED | RES_FILTER,
     .ref_table = "boxes",
     .ref_entity = "Box"},
    {.name = "size",
     .kind = FIELD_INT,
     .flags = RULES | FIELD_TOO_LARGE | RES_PATCH | RES_FILTER,
     .min = 1,
     .max = 100},
    {.name = "count",
     .kind = FIELD_INT,
     .flags = RULES,
     .invalid_msg = "Count must be a non-negative integer",
     .fixed_msg = "Count is fixed"},
    {.name = "seen_at", .kind = FIELD_TIME, .flags = RULES | RES_PATCH | FIELD_NULLABLE},
    {.name = "checked_at", .kind = FIELD_TIME, .flags = RULES | RES_READONLY},
    {.name = "status",
     .kind = FIELD_ENUM,
     .flags = RULES | RES_PATCH | RES_FILTER,
     .values = colours},
    {0}};

static const char *const widget_search[] = {"t.name", "b.label", NULL};

static const struct resource widgets = {
    .path = "/warehousing/widgets",
    .table = "widgets",
    .singular = "widget",
    .plural = "widgets",
    .entity = "Widget",
    .entities = "Widgets",
    .fields = widget_fields,
    .search = widget_search,
    .deleted_status = "gone",
};

static const struct resource boxes = {
    .path = "/warehousing/boxes",
    .table = "boxes",
    .singular = "box",
    .plural = "boxes",
    .entity = "Box",
    .entities = "Boxes",
    .fields = widget_fields,
};

struct fixture {
	struct arena *a;
	struct field_value vals[16];
	const char *msg;
};

static int setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof *fx);

	fx->a = arena_new(4096);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	arena_free(fx->a);
	test_free(fx);
	return 0;
}

/* Validates JSON text; returns the status and leaves the message in fx->msg. */
static int check(struct fixture *fx, const char *text, enum res_mode mode)
{
	struct json_object *body = json_tokener_parse(text);
	int status;

	assert_non_null(body);
	memset(fx->vals, 0, sizeof fx->vals);
	fx->msg = NULL;
	status = res_validate(fx->a, &widgets, body, mode, TENANT, fx->vals, &fx->msg);
	json_object_put(body);
	return status;
}

static void expect_error(struct fixture *fx, const char *text, enum res_mode mode, int status,
                         const char *msg)
{
	assert_int_equal(check(fx, text, mode), status);
	assert_string_equal(fx->msg, msg);
}

#define BOX "\"box_id\": \"AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee\""

static void test_validate_create_ok(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(check(fx,
	                       "{\"name\": \"abc\", " BOX ", \"size\": 3, \"colour\": \"red\","
	                       " \"seen_at\": \"2023-06-15T12:30:00+02:00\"}",
	                       RES_CREATE),
	                 0);
	assert_true(fx->vals[0].set);
	assert_string_equal(fx->vals[0].s, "abc");
	assert_false(fx->vals[1].set);
	assert_string_equal(fx->vals[2].s, "red");
	/* References are stored in lower case. */
	assert_string_equal(fx->vals[3].s, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	assert_int_equal(fx->vals[4].i, 3);
	assert_string_equal(fx->vals[6].s, "2023-06-15 10:30:00");
}

static void test_validate_required(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, "{" BOX "}", RES_CREATE, 400, "Field required: name");
	expect_error(fx, "{\"name\": \"abc\"}", RES_CREATE, 400, "Field required: box_id");
	expect_error(fx, "{\"name\": \"  \", " BOX "}", RES_CREATE, 400, "Field required: name");
	expect_error(fx, "{\"name\": null, " BOX "}", RES_CREATE, 400, "Field required: name");
	expect_error(fx, "{\"name\": null}", RES_UPDATE, 400, "Field required: name");
}

static void test_validate_types(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, "{\"name\": 5, " BOX "}", RES_CREATE, 400, "Invalid name");
	expect_error(fx, "{\"name\": \"abc\", \"box_id\": \"nope\"}", RES_CREATE, 400,
	             "Invalid box_id");
	expect_error(fx, "{\"colour\": \"blue\"}", RES_UPDATE, 400, "Invalid colour");
	expect_error(fx, "{\"size\": \"big\"}", RES_UPDATE, 400, "size must be a whole number");
	expect_error(fx, "{\"size\": 0}", RES_UPDATE, 400, "Invalid size");
	expect_error(fx, "{\"size\": 1.5}", RES_UPDATE, 400, "size must be a whole number");
	expect_error(fx, "{\"size\": \"4\"}", RES_UPDATE, 400, "size must be a whole number");
	expect_error(fx, "{\"size\": 99999999999999999999}", RES_UPDATE, 400,
	             "Field too large: size");
	expect_error(fx, "{\"size\": true}", RES_UPDATE, 400, "size must be a whole number");
	assert_int_equal(check(fx, "{\"size\": 4.0}", RES_UPDATE), 0);
	assert_int_equal(fx->vals[4].i, 4);
	expect_error(fx, "{\"size\": 101}", RES_UPDATE, 400, "Field too large: size");
	assert_int_equal(check(fx, "{\"size\": 100}", RES_UPDATE), 0);
	expect_error(fx, "{\"seen_at\": \"yesterday\"}", RES_UPDATE, 400, "Invalid seen_at");
	expect_error(fx, "{\"name\": \"abc\", " BOX ", \"count\": -1}", RES_CREATE, 400,
	             "Count must be a non-negative integer");
	/* null on a non-nullable optional field: fine on create (default), not on update. */
	assert_int_equal(check(fx, "{\"name\": \"abc\", " BOX ", \"size\": null}", RES_CREATE), 0);
	assert_false(fx->vals[4].set);
	expect_error(fx, "{\"size\": null}", RES_UPDATE, 400, "Invalid size");
}

static void test_validate_length(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, "{\"name\": \"abcdef\"}", RES_UPDATE, 400, "Field too long: name");
	/* Five characters of two bytes each still fit a five-character column. */
	assert_int_equal(
	    check(fx, "{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", RES_UPDATE), 0);
	expect_error(fx, "{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
	             RES_UPDATE, 400, "Field too long: name");
}

static void test_validate_nullable(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(check(fx, "{\"note\": null}", RES_UPDATE), 0);
	assert_true(fx->vals[1].set);
	assert_true(fx->vals[1].null);
	assert_int_equal(check(fx, "{\"note\": \"\"}", RES_UPDATE), 0);
	assert_true(fx->vals[1].set);
	assert_true(fx->vals[1].null);
}

/* Blank text and null as master data reads them (RES_EMPTY_RULES on every field). */
static void test_validate_blank(void **state)
{
	struct fixture *fx = *state;

	/* Blank text clears a nullable field of any text kind, "" as well. */
	assert_int_equal(check(fx, "{\"note\": \" \\t \"}", RES_UPDATE), 0);
	assert_true(fx->vals[1].set && fx->vals[1].null);
	assert_int_equal(check(fx, "{\"seen_at\": \"\"}", RES_UPDATE), 0);
	assert_true(fx->vals[6].set && fx->vals[6].null);
	/* Blank text where NULL cannot be stored: required, else invalid (never the default). */
	expect_error(fx, "{\"name\": \"\", " BOX "}", RES_CREATE, 400, "Field required: name");
	expect_error(fx, "{\"name\": \"abc\", \"box_id\": \" \"}", RES_CREATE, 400,
	             "Field required: box_id");
	expect_error(fx, "{\"name\": \"abc\", " BOX ", \"colour\": \"  \"}", RES_CREATE, 400,
	             "Invalid colour");
	expect_error(fx, "{\"colour\": \"\"}", RES_UPDATE, 400, "Invalid colour");
	/* A null leaves an optional field its default on create, and clears a nullable one. */
	assert_int_equal(check(fx, "{\"name\": \"abc\", " BOX ", \"colour\": null}", RES_CREATE),
	                 0);
	assert_false(fx->vals[2].set);
	assert_int_equal(check(fx, "{\"name\": \"abc\", " BOX ", \"seen_at\": null}", RES_CREATE),
	                 0);
	assert_true(fx->vals[6].set && fx->vals[6].null);
	expect_error(fx, "{\"colour\": null}", RES_UPDATE, 400, "Invalid colour");
	expect_error(fx, "{\"name\": \"abc\", \"box_id\": null}", RES_CREATE, 400,
	             "Field required: box_id");
	/* invalid_msg also answers a wrong null, and the too-large message only where flagged. */
	expect_error(fx, "{\"count\": null}", RES_UPDATE, 400, "Count is fixed");
	expect_error(fx, "{\"name\": \"abc\", " BOX ", \"count\": \"\"}", RES_CREATE, 400,
	             "count must be a whole number");
	expect_error(fx, "{\"name\": \"abc\", " BOX ", \"count\": 99999999999999999999}",
	             RES_CREATE, 400, "Count must be a non-negative integer");
	/* Keys first: an unknown key is named before a wrong value. */
	expect_error(fx, "{\"size\": \"x\", \"bogus\": 1}", RES_UPDATE, 400,
	             "Unknown field: bogus");
	/* Fields in table order: the first at fault is named. */
	expect_error(fx, "{\"size\": 0, \"name\": 5}", RES_UPDATE, 400, "Invalid name");
}

static void test_validate_keys(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, "{\"bogus\": 1}", RES_UPDATE, 400, "Unknown field: bogus");
	expect_error(fx, "{\"name\": \"abc\", " BOX ", \"bogus\": 1}", RES_CREATE, 400,
	             "Unknown field: bogus");
	expect_error(fx, "{\"id\": \"x\"}", RES_UPDATE, 400, "Field is read-only: id");
	expect_error(fx, "{\"created_at\": \"x\"}", RES_UPDATE, 400,
	             "Field is read-only: created_at");
	expect_error(fx, "{\"checked_at\": \"2023-01-01\"}", RES_UPDATE, 400,
	             "Field is read-only: checked_at");
	expect_error(fx, "{\"box_id\": \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"}", RES_UPDATE, 400,
	             "Field cannot be changed: box_id");
	expect_error(fx, "{\"count\": 3}", RES_UPDATE, 400, "Count is fixed");
	expect_error(fx, "{}", RES_UPDATE, 400, "No fields to update");
	expect_error(fx, "[1]", RES_UPDATE, 400, "Invalid JSON body");
}

static void test_validate_tenant(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, "{\"tenant_id\": \"99999999-2222-3333-4444-555555555555\", \"size\": 2}",
	             RES_UPDATE, 403, "Insufficient permissions");
	expect_error(fx, "{\"tenant_id\": 7, \"size\": 2}", RES_UPDATE, 403,
	             "Insufficient permissions");
	assert_int_equal(check(fx, "{\"tenant_id\": \"" TENANT "\", \"size\": 2}", RES_UPDATE), 0);
	/* tenant_id alone changes nothing. */
	expect_error(fx, "{\"tenant_id\": \"" TENANT "\"}", RES_UPDATE, 400, "No fields to update");
}

/* Builds the WHERE clause for query pairs (NULL-terminated key, value list). */
static int where(struct fixture *fx, struct sql *q, const char *const *pairs)
{
	struct kvlist query = {0};

	for (; pairs[0]; pairs += 2)
		kvlist_add(fx->a, &query, pairs[0], pairs[1]);
	sql_init(q, fx->a);
	fx->msg = NULL;
	return res_build_where(q, &widgets, &query, TENANT, &fx->msg);
}

static void test_where_plain(void **state)
{
	struct fixture *fx = *state;
	struct sql q;
	static const char *const none[] = {"page", "2", "name", "ignored", NULL};

	assert_int_equal(where(fx, &q, none), 0);
	assert_string_equal(buf_cstr(&q.text), " WHERE t.tenant_id = ?");
	assert_int_equal(q.n, 1);
	assert_int_equal(q.params[0].type, 's');
	assert_string_equal(q.params[0].s, TENANT);
	sql_release(&q);
}

static void test_where_filters(void **state)
{
	struct fixture *fx = *state;
	struct sql q;
	/* Given out of field order, with an empty value that counts as absent. */
	static const char *const filters[] = {
	    "size", "4", "colour", "green",
	    "note", "",  "box_id", "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee",
	    NULL};

	assert_int_equal(where(fx, &q, filters), 0);
	assert_string_equal(
	    buf_cstr(&q.text),
	    " WHERE t.tenant_id = ? AND t.colour = ? AND t.box_id = ? AND t.size = ?");
	assert_int_equal(q.n, 4);
	assert_string_equal(q.params[1].s, "green");
	assert_string_equal(q.params[2].s, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	assert_int_equal(q.params[3].type, 'i');
	assert_int_equal(q.params[3].i, 4);
	sql_release(&q);
}

static void test_where_deleted_status(void **state)
{
	struct fixture *fx = *state;
	struct sql q;
	static const char *const gone[] = {"status", "gone", NULL};
	static const char *const colour_gone[] = {"colour", "gone", NULL};

	/* Soft-deleted rows can be listed although "gone" is not a writable status. */
	assert_int_equal(where(fx, &q, gone), 0);
	assert_string_equal(buf_cstr(&q.text), " WHERE t.tenant_id = ? AND t.status = ?");
	assert_string_equal(q.params[1].s, "gone");
	sql_release(&q);
	/* deleted_status is accepted for the field named status only. */
	assert_int_equal(where(fx, &q, colour_gone), -1);
	assert_string_equal(fx->msg, "Invalid colour");
	sql_release(&q);
	expect_error(fx, "{\"status\": \"gone\"}", RES_UPDATE, 400, "Invalid status");
}

static void test_where_invalid(void **state)
{
	struct fixture *fx = *state;
	struct sql q;
	static const char *const bad_ref[] = {"box_id", "1; DROP TABLE x", NULL};
	static const char *const bad_int[] = {"size", "four", NULL};

	assert_int_equal(where(fx, &q, bad_ref), -1);
	assert_string_equal(fx->msg, "Invalid box_id");
	sql_release(&q);
	assert_int_equal(where(fx, &q, bad_int), -1);
	assert_string_equal(fx->msg, "Invalid size");
	sql_release(&q);
}

static void test_where_search(void **state)
{
	struct fixture *fx = *state;
	struct sql q;
	static const char *const search[] = {"search", "a_b", "note", "x'y", NULL};

	assert_int_equal(where(fx, &q, search), 0);
	assert_string_equal(buf_cstr(&q.text),
	                    " WHERE t.tenant_id = ? AND t.note = ?"
	                    " AND (t.name LIKE ? ESCAPE '!' OR b.label LIKE ? ESCAPE '!')");
	assert_int_equal(q.n, 4);
	/* Values travel as parameters, never as SQL text. */
	assert_string_equal(q.params[1].s, "x'y");
	assert_string_equal(q.params[2].s, "%a!_b%");
	assert_string_equal(q.params[3].s, "%a!_b%");
	sql_release(&q);
}

static void test_for_path(void **state)
{
	static const struct resource *const set[] = {&widgets, &boxes, NULL};

	(void)state;
	assert_ptr_equal(res_for_path(set, "/warehousing/widgets"), &widgets);
	assert_ptr_equal(res_for_path(set, "/warehousing/boxes/abc"), &boxes);
	assert_null(res_for_path(set, "/warehousing/widgetsx"));
	assert_null(res_for_path(set, "/warehousing"));
	assert_null(res_for_path(set, NULL));
}

static void test_op_helpers(void **state)
{
	struct fixture *fx = *state;
	struct request r = {.arena = fx->a};
	struct res_op op = {.r = &r, .res = &widgets, .vals = fx->vals};

	memset(fx->vals, 0, sizeof fx->vals);
	assert_null(res_op_str(&op, "note"));
	assert_int_equal(res_op_int(&op, "size", 9), 9);
	res_op_set_str(&op, "note", "hello");
	assert_string_equal(res_op_str(&op, "note"), "hello");
	res_op_set_str(&op, "note", NULL);
	assert_null(res_op_str(&op, "note"));
	assert_true(fx->vals[1].set && fx->vals[1].null);
	fx->vals[4].set = true;
	fx->vals[4].i = 12;
	assert_int_equal(res_op_int(&op, "size", 9), 12);
	assert_null(res_op_str(&op, "nonexistent"));
	assert_int_equal(res_fail(&op, 409, "Nope"), -1);
	assert_int_equal(op.status, 409);
	assert_string_equal(op.message, "Nope");
	assert_int_equal(res_field_index(&widgets, "box_id"), 3);
	assert_int_equal(res_field_index(&widgets, "nope"), -1);
	assert_int_equal(res_nfields(&widgets), 9);
}

/* Every field's message at once, each the one res_validate gives for it alone. */
static void test_validate_each(void **state)
{
	struct fixture *fx = *state;
	struct json_object *body = json_tokener_parse(
	    "{\"name\": \"\", \"size\": 500, \"count\": \"x\", \"colour\": \"red\"}");
	const char *msgs[16];
	size_t name = (size_t)res_field_index(&widgets, "name"),
	       size = (size_t)res_field_index(&widgets, "size"),
	       count = (size_t)res_field_index(&widgets, "count"),
	       box = (size_t)res_field_index(&widgets, "box_id"),
	       colour = (size_t)res_field_index(&widgets, "colour");

	assert_non_null(body);
	memset(fx->vals, 0, sizeof fx->vals);
	assert_int_equal(res_validate_each(fx->a, &widgets, body, RES_CREATE, fx->vals, msgs), 400);
	assert_string_equal(msgs[name], "Field required: name");
	assert_string_equal(msgs[box], "Field required: box_id");
	assert_string_equal(msgs[size], "Field too large: size");
	assert_string_equal(msgs[count], "count must be a whole number");
	assert_null(msgs[colour]);
	assert_true(fx->vals[colour].set);
	json_object_put(body);
	/* Nothing at fault: 0, and the values checked as res_validate checks them. */
	body = json_tokener_parse("{\"name\": \"n\", " BOX ", \"size\": 5}");
	memset(fx->vals, 0, sizeof fx->vals);
	assert_int_equal(res_validate_each(fx->a, &widgets, body, RES_CREATE, fx->vals, msgs), 0);
	assert_string_equal(fx->vals[box].s, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	assert_int_equal(fx->vals[size].i, 5);
	json_object_put(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_validate_create_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_required, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_nullable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_blank, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_tenant, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_each, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_deleted_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_invalid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_search, setup, teardown),
	    cmocka_unit_test(test_for_path),
	    cmocka_unit_test_setup_teardown(test_op_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
