/*
 * Unit tests for lib/web/master_resources.c: the four master data resources as the CRUD engine
 * reads them (paths, tables, names, fields, messages), res_validate() against them and
 * res_for_path() over them, and each list's query parameters. No database: the hooks, uniques and
 * guards run in the e2e tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "base/words.h"
#include "db/field.h"
#include "stock/ledger.h"
#include "stock/master.h"
#include "web/master_resources.h"
#include "web/resource.h"

#define TENANT "d0000000-0000-4000-8000-0000000000b1"
#define WAREHOUSE "d3000000-0000-4000-8000-0000000000b1"
#define ITEM "d5000000-0000-4000-8000-0000000000b1"
#define BIN "d4000000-0000-4000-8000-0000000000b1"

static const struct resource *const all[] = {&master_resources_warehouses, &master_resources_bins,
                                             &master_resources_items, &master_resources_stocks,
                                             NULL};

/* ---- the descriptors --------------------------------------------------------------------- */

/* What a descriptor must say, field by field. */
struct expect_field {
	const char *name;
	enum field_kind kind;
	unsigned flags;
	size_t max_len;
};

#define FIXED RES_EMPTY_RULES
#define EDIT (RES_EMPTY_RULES | RES_PATCH)

static void assert_fields(const struct resource *res, const struct expect_field *want, size_t n)
{
	assert_int_equal(res_nfields(res), n);
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &res->fields[i];

		assert_string_equal(f->name, want[i].name);
		assert_int_equal(f->kind, want[i].kind);
		assert_int_equal(f->flags, want[i].flags);
		assert_int_equal(f->max_len, want[i].max_len);
		assert_int_equal(res_field_index(res, f->name), (int)i);
	}
	assert_null(res->fields[n].name);
}

static void test_warehouses(void **state)
{
	const struct resource *r = &master_resources_warehouses;
	static const struct expect_field want[] = {
	    {"name", FIELD_TEXT, EDIT | FIELD_REQUIRED, 200},
	    {"code", FIELD_TEXT, EDIT | FIELD_REQUIRED | RES_FILTER, 50},
	    {"address", FIELD_TEXT, EDIT | FIELD_NULLABLE, 500},
	    {"status", FIELD_ENUM, EDIT | RES_FILTER, 0},
	};

	(void)state;
	assert_string_equal(r->path, "/warehousing/warehouses");
	assert_string_equal(r->table, "warehouses");
	assert_string_equal(r->singular, "warehouse");
	assert_string_equal(r->plural, "warehouses");
	assert_string_equal(r->entity, "Warehouse");
	assert_string_equal(r->entities, "Warehouses");
	assert_fields(r, want, 4);
	assert_ptr_equal(r->fields[3].values, master_active_inactive);
	assert_string_equal(r->uniques[0].key, "uq_warehouses_code");
	assert_string_equal(r->uniques[0].message, "Warehouse code already exists");
	assert_null(r->uniques[1].key);
	assert_string_equal(r->search[0], "t.name");
	assert_string_equal(r->search[1], "t.code");
	assert_string_equal(r->search[2], "t.address");
	assert_null(r->search[3]);
	assert_string_equal(r->deleted_status, "inactive");
	assert_string_equal(r->guard_msg, "Cannot delete warehouse while stock remains");
	assert_non_null(strstr(r->guard_sql, "warehouse_id = ?"));
	assert_null(r->before_create);
	assert_null(r->after_create);
	assert_null(r->select_extra);
	assert_null(r->joins);
}

static void test_bins(void **state)
{
	const struct resource *r = &master_resources_bins;
	static const struct expect_field want[] = {
	    {"warehouse_id", FIELD_REF, FIXED | FIELD_REQUIRED | RES_FILTER, 0},
	    {"code", FIELD_TEXT, EDIT | FIELD_REQUIRED | RES_FILTER, 50},
	    {"location_type", FIELD_ENUM, EDIT | RES_FILTER, 0},
	    {"capacity", FIELD_INT, EDIT | FIELD_NULLABLE, 0},
	    {"security_level", FIELD_TEXT, EDIT | FIELD_NULLABLE, 50},
	    {"status", FIELD_ENUM, EDIT | RES_FILTER, 0},
	};

	(void)state;
	assert_string_equal(r->path, "/warehousing/bins");
	assert_string_equal(r->table, "bins");
	assert_string_equal(r->singular, "bin");
	assert_string_equal(r->plural, "bins");
	assert_string_equal(r->entity, "Bin");
	assert_string_equal(r->entities, "Bins");
	assert_fields(r, want, 6);
	assert_string_equal(r->fields[0].ref_table, "warehouses");
	assert_string_equal(r->fields[0].ref_entity, "Warehouse");
	assert_ptr_equal(r->fields[2].values, master_location_types);
	assert_int_equal(r->fields[3].min, 0);
	assert_ptr_equal(r->fields[5].values, master_active_inactive);
	assert_string_equal(r->uniques[0].key, "uq_bins_code");
	assert_string_equal(r->uniques[0].message, "Bin code already exists in this warehouse");
	assert_null(r->uniques[1].key);
	assert_string_equal(r->deleted_status, "inactive");
	assert_string_equal(r->guard_msg, "Cannot delete bin while stock remains");
	assert_non_null(strstr(r->guard_sql, "bin_id = ?"));
}

static void test_items(void **state)
{
	const struct resource *r = &master_resources_items;
	static const struct expect_field want[] = {
	    {"sku", FIELD_TEXT, EDIT | FIELD_REQUIRED | RES_FILTER, 100},
	    {"barcode", FIELD_TEXT, EDIT | FIELD_NULLABLE | RES_FILTER | FIELD_CODE, 64},
	    {"name", FIELD_TEXT, EDIT | FIELD_REQUIRED, 200},
	    {"category", FIELD_TEXT, EDIT | FIELD_NULLABLE | RES_FILTER, 100},
	    {"description", FIELD_TEXT, EDIT | FIELD_NULLABLE, 16000},
	    {"unit_of_measure", FIELD_TEXT, EDIT, 20},
	    {"status", FIELD_ENUM, EDIT | RES_FILTER, 0},
	};

	(void)state;
	assert_string_equal(r->path, "/warehousing/items");
	assert_string_equal(r->table, "items");
	assert_string_equal(r->singular, "item");
	assert_string_equal(r->plural, "items");
	assert_string_equal(r->entity, "Item");
	assert_string_equal(r->entities, "Items");
	assert_fields(r, want, 7);
	assert_ptr_equal(r->fields[6].values, master_active_inactive);
	assert_string_equal(r->uniques[0].key, "uq_items_sku");
	assert_string_equal(r->uniques[0].message, "SKU already exists");
	assert_string_equal(r->uniques[1].key, "uq_items_barcode");
	assert_string_equal(r->uniques[1].message, "Barcode already exists");
	assert_null(r->uniques[2].key);
	assert_string_equal(r->guard_msg, "Cannot delete item while stock remains");
	assert_non_null(strstr(r->guard_sql, "item_id = ?"));
}

static void test_stocks(void **state)
{
	const struct resource *r = &master_resources_stocks;
	static const struct expect_field want[] = {
	    {"warehouse_id", FIELD_REF, FIXED | FIELD_REQUIRED | RES_FILTER, 0},
	    {"item_id", FIELD_REF, FIXED | FIELD_REQUIRED | RES_FILTER, 0},
	    {"bin_id", FIELD_REF, FIXED | FIELD_NULLABLE | RES_FILTER, 0},
	    {"quantity", FIELD_INT, FIXED | FIELD_TOO_LARGE, 0},
	    {"unit_of_measure", FIELD_TEXT, EDIT, 20},
	    {"status", FIELD_ENUM, EDIT | RES_FILTER, 0},
	    {"lot_number", FIELD_TEXT, EDIT | FIELD_NULLABLE | RES_FILTER, 100},
	    {"serial_number", FIELD_TEXT, EDIT | FIELD_NULLABLE, 100},
	    {"last_counted_at", FIELD_TIME, FIXED | RES_READONLY, 0},
	};
	const struct field *qty, *bin;

	(void)state;
	assert_string_equal(r->path, "/warehousing/stocks");
	assert_string_equal(r->table, "stocks");
	assert_string_equal(r->singular, "stock");
	assert_string_equal(r->plural, "stocks");
	assert_string_equal(r->entity, "Stock");
	assert_string_equal(r->entities, "Stocks");
	assert_fields(r, want, 9);
	qty = &r->fields[res_field_index(r, "quantity")];
	assert_int_equal(qty->min, 0);
	assert_int_equal(qty->max, LEDGER_QTY_MAX);
	assert_string_equal(qty->invalid_msg, "Quantity must be a non-negative integer");
	assert_string_equal(qty->fixed_msg, "Quantity changes only through inventory transactions");
	bin = &r->fields[res_field_index(r, "bin_id")];
	assert_string_equal(bin->ref_table, "bins");
	assert_string_equal(bin->ref_entity, "Bin");
	assert_string_equal(bin->ref_match, "warehouse_id");
	assert_string_equal(bin->ref_mismatch_msg, "Bin does not belong to warehouse");
	assert_string_equal(bin->fixed_msg, "Bin changes only through inventory transactions");
	assert_string_equal(r->fields[1].ref_table, "items");
	assert_string_equal(r->fields[1].ref_entity, "Item");
	assert_ptr_equal(r->fields[5].values, master_stock_statuses);
	/* No unique key; the opening quantity goes through the ledger in the hooks. */
	assert_null(r->uniques);
	assert_non_null(r->before_create);
	assert_non_null(r->after_create);
	assert_string_equal(r->search[0], "i.sku");
	assert_string_equal(r->search[1], "i.name");
	assert_string_equal(r->search[2], "t.lot_number");
	assert_null(r->search[3]);
	assert_non_null(strstr(r->select_extra, "i.sku AS `item.sku`"));
	assert_non_null(strstr(r->joins, "LEFT JOIN bins b"));
	assert_string_equal(r->deleted_status, "inactive");
	assert_string_equal(r->guard_msg, "Cannot delete stock while quantity remains");
	assert_non_null(strstr(r->guard_sql, "id = ?"));
}

/* Every field of every resource is complete for its kind. */
static void test_every_field_is_complete(void **state)
{
	(void)state;
	for (size_t i = 0; all[i]; i++) {
		const struct resource *r = all[i];

		assert_true(res_nfields(r) > 0);
		for (size_t j = 0; r->fields[j].name; j++) {
			const struct field *f = &r->fields[j];

			assert_true(f->kind >= FIELD_TEXT && f->kind <= FIELD_SERVER);
			/* Every field reads empty values the master data way. */
			assert_int_equal(f->flags & RES_EMPTY_RULES, RES_EMPTY_RULES);
			switch (f->kind) {
			case FIELD_TEXT:
				assert_true(f->max_len > 0);
				break;
			case FIELD_ENUM:
				assert_non_null(f->values);
				assert_non_null(f->values[0]);
				break;
			case FIELD_REF:
				assert_non_null(f->ref_table);
				assert_non_null(f->ref_entity);
				break;
			default:
				break;
			}
		}
		/* Lists can filter by status, and delete sets a status lists accept. */
		assert_true(res_field_index(r, "status") >= 0);
		assert_true(r->fields[res_field_index(r, "status")].flags & RES_FILTER);
		assert_non_null(r->guard_sql);
		assert_non_null(r->guard_msg);
	}
}

/* ---- res_validate --------------------------------------------------------------------------- */

struct fixture {
	struct arena *a;
	struct field_value vals[16];
	struct json_object *body;
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

	json_object_put(fx->body);
	arena_free(fx->a);
	test_free(fx);
	return 0;
}

/* Validates JSON text against res; the body lives until the next check, as vals may point in. */
static int check(struct fixture *fx, const struct resource *res, const char *text,
                 enum res_mode mode)
{
	json_object_put(fx->body);
	fx->body = json_tokener_parse(text);
	assert_non_null(fx->body);
	memset(fx->vals, 0, sizeof fx->vals);
	fx->msg = NULL;
	return res_validate(fx->a, res, fx->body, mode, TENANT, fx->vals, &fx->msg);
}

static void expect_error(struct fixture *fx, const struct resource *res, const char *text,
                         enum res_mode mode, int status, const char *msg)
{
	assert_int_equal(check(fx, res, text, mode), status);
	assert_string_equal(fx->msg, msg);
}

static const struct field_value *val(struct fixture *fx, const struct resource *res,
                                     const char *name)
{
	int i = res_field_index(res, name);

	assert_true(i >= 0);
	return &fx->vals[i];
}

static void test_validate_create_ok(void **state)
{
	struct fixture *fx = *state;
	const struct resource *wh = &master_resources_warehouses;
	const struct resource *st = &master_resources_stocks;

	assert_int_equal(check(fx, wh,
	                       "{\"name\": \"Main\", \"code\": \"WH-1\", \"address\": \"   \","
	                       " \"tenant_id\": \"" TENANT "\"}",
	                       RES_CREATE),
	                 0);
	assert_true(val(fx, wh, "name")->set);
	assert_string_equal(val(fx, wh, "name")->s, "Main");
	assert_string_equal(val(fx, wh, "code")->s, "WH-1");
	/* Blank text of a nullable field clears it. */
	assert_true(val(fx, wh, "address")->set);
	assert_true(val(fx, wh, "address")->null);
	assert_false(val(fx, wh, "status")->set);

	/* References are stored in lower case; the largest quantity is accepted. */
	assert_int_equal(check(fx, st,
	                       "{\"warehouse_id\": \"D3000000-0000-4000-8000-0000000000B1\","
	                       " \"item_id\": \"" ITEM "\", \"bin_id\": \"" BIN "\","
	                       " \"quantity\": 1000000000000, \"status\": \"quarantine\"}",
	                       RES_CREATE),
	                 0);
	assert_string_equal(val(fx, st, "warehouse_id")->s, WAREHOUSE);
	assert_int_equal(val(fx, st, "quantity")->i, LEDGER_QTY_MAX);
	assert_string_equal(val(fx, st, "status")->s, "quarantine");
	/* Code of exactly the column's size. */
	assert_int_equal(check(fx, wh,
	                       "{\"name\": \"W\", \"code\": "
	                       "\"12345678901234567890123456789012345678901234567890\"}",
	                       RES_CREATE),
	                 0);
}

static void test_validate_create_refusals(void **state)
{
	struct fixture *fx = *state;
	const struct resource *wh = &master_resources_warehouses;
	const struct resource *bins = &master_resources_bins;
	const struct resource *items = &master_resources_items;
	const struct resource *st = &master_resources_stocks;

	/* Required fields, the first in the table's order named. */
	expect_error(fx, wh, "{}", RES_CREATE, 400, "Field required: name");
	expect_error(fx, wh, "{\"name\": \"W\"}", RES_CREATE, 400, "Field required: code");
	expect_error(fx, wh, "{\"name\": \"  \", \"code\": \"C\"}", RES_CREATE, 400,
	             "Field required: name");
	expect_error(fx, st, "{\"warehouse_id\": \"" WAREHOUSE "\"}", RES_CREATE, 400,
	             "Field required: item_id");
	expect_error(fx, items, "{\"name\": \"N\"}", RES_CREATE, 400, "Field required: sku");
	/* Keys the resource does not have, or a client may not write. */
	expect_error(fx, wh, "{\"name\": \"W\", \"code\": \"C\", \"colour\": \"red\"}", RES_CREATE,
	             400, "Unknown field: colour");
	expect_error(fx, wh, "{\"id\": \"x\", \"name\": \"W\", \"code\": \"C\"}", RES_CREATE, 400,
	             "Field is read-only: id");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM "\","
	             " \"last_counted_at\": \"2026-01-01T00:00:00Z\"}",
	             RES_CREATE, 400, "Field is read-only: last_counted_at");
	expect_error(fx, wh,
	             "{\"name\": \"W\", \"code\": \"C\","
	             " \"tenant_id\": \"d0000000-0000-4000-8000-0000000000ff\"}",
	             RES_CREATE, 403, "Insufficient permissions");
	/* Lengths, enums, references, integers. */
	expect_error(fx, wh,
	             "{\"name\": \"W\", \"code\": "
	             "\"123456789012345678901234567890123456789012345678901\"}",
	             RES_CREATE, 400, "Field too long: code");
	expect_error(fx, bins,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"code\": \"B\","
	             " \"location_type\": \"cupboard\"}",
	             RES_CREATE, 400, "Invalid location_type");
	expect_error(fx, wh, "{\"name\": \"W\", \"code\": \"C\", \"status\": \"gone\"}", RES_CREATE,
	             400, "Invalid status");
	expect_error(fx, bins, "{\"warehouse_id\": \"not-a-uuid\", \"code\": \"B\"}", RES_CREATE,
	             400, "Invalid warehouse_id");
	expect_error(fx, bins,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"code\": \"B\", \"capacity\": -1}",
	             RES_CREATE, 400, "Invalid capacity");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM
	             "\", \"quantity\": -1}",
	             RES_CREATE, 400, "Quantity must be a non-negative integer");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM
	             "\", \"quantity\": \"5\"}",
	             RES_CREATE, 400, "quantity must be a whole number");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM
	             "\", \"quantity\": 2.5}",
	             RES_CREATE, 400, "quantity must be a whole number");
	expect_error(fx, bins,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"code\": \"B\", \"capacity\": \"9\"}",
	             RES_CREATE, 400, "capacity must be a whole number");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM
	             "\", \"quantity\": 1000000000001}",
	             RES_CREATE, 400, "Field too large: quantity");
	expect_error(fx, st,
	             "{\"warehouse_id\": \"" WAREHOUSE "\", \"item_id\": \"" ITEM
	             "\", \"status\": \"lost\"}",
	             RES_CREATE, 400, "Invalid status");
}

static void test_validate_patch(void **state)
{
	struct fixture *fx = *state;
	const struct resource *wh = &master_resources_warehouses;
	const struct resource *bins = &master_resources_bins;
	const struct resource *st = &master_resources_stocks;

	/* The fields PATCH may change, alone: nothing is required. */
	assert_int_equal(
	    check(fx, st, "{\"status\": \"damaged\", \"lot_number\": \"L-7\"}", RES_UPDATE), 0);
	assert_string_equal(val(fx, st, "status")->s, "damaged");
	assert_string_equal(val(fx, st, "lot_number")->s, "L-7");
	assert_false(val(fx, st, "quantity")->set);
	assert_int_equal(check(fx, wh, "{\"status\": \"inactive\"}", RES_UPDATE), 0);
	assert_string_equal(val(fx, wh, "status")->s, "inactive");

	/* The fixed ones: the stock's own messages, else the engine's. */
	expect_error(fx, st, "{\"quantity\": 5}", RES_UPDATE, 400,
	             "Quantity changes only through inventory transactions");
	expect_error(fx, st, "{\"bin_id\": \"" BIN "\"}", RES_UPDATE, 400,
	             "Bin changes only through inventory transactions");
	expect_error(fx, st, "{\"item_id\": \"" ITEM "\"}", RES_UPDATE, 400,
	             "Field cannot be changed: item_id");
	expect_error(fx, bins, "{\"warehouse_id\": \"" WAREHOUSE "\"}", RES_UPDATE, 400,
	             "Field cannot be changed: warehouse_id");
	expect_error(fx, st, "{\"last_counted_at\": \"2026-01-01T00:00:00Z\"}", RES_UPDATE, 400,
	             "Field is read-only: last_counted_at");
	/* A required field cannot be cleared; an empty PATCH changes nothing. */
	expect_error(fx, wh, "{\"name\": null}", RES_UPDATE, 400, "Field required: name");
	expect_error(fx, wh, "{}", RES_UPDATE, 400, "No fields to update");
	expect_error(fx, wh, "{\"tenant_id\": \"" TENANT "\"}", RES_UPDATE, 400,
	             "No fields to update");
}

static void test_validate_not_an_object(void **state)
{
	struct fixture *fx = *state;

	expect_error(fx, &master_resources_items, "[1, 2]", RES_CREATE, 400, "Invalid JSON body");
	fx->msg = NULL;
	assert_int_equal(res_validate(fx->a, &master_resources_items, NULL, RES_CREATE, TENANT,
	                              fx->vals, &fx->msg),
	                 400);
	assert_string_equal(fx->msg, "Invalid JSON body");
}

/* ---- res_for_path ------------------------------------------------------------------------- */

static void test_for_path(void **state)
{
	(void)state;
	assert_ptr_equal(res_for_path(all, "/warehousing/warehouses"),
	                 &master_resources_warehouses);
	assert_ptr_equal(res_for_path(all, "/warehousing/warehouses/" WAREHOUSE),
	                 &master_resources_warehouses);
	assert_ptr_equal(res_for_path(all, "/warehousing/bins"), &master_resources_bins);
	assert_ptr_equal(res_for_path(all, "/warehousing/bins/" BIN), &master_resources_bins);
	assert_ptr_equal(res_for_path(all, "/warehousing/items"), &master_resources_items);
	assert_ptr_equal(res_for_path(all, "/warehousing/items/" ITEM), &master_resources_items);
	assert_ptr_equal(res_for_path(all, "/warehousing/stocks"), &master_resources_stocks);
	assert_ptr_equal(res_for_path(all, "/warehousing/stocks/x/history"),
	                 &master_resources_stocks);
	/* A prefix counts only up to a '/'. */
	assert_null(res_for_path(all, "/warehousing/binsx"));
	assert_null(res_for_path(all, "/warehousing/stock"));
	assert_null(res_for_path(all, "/warehousing"));
	assert_null(res_for_path(all, "/warehousing/inventory-transactions"));
	assert_null(res_for_path(all, ""));
	assert_null(res_for_path(all, NULL));
}

/* The words of list, counted: each of them once in list. */
static size_t count_words(const char *list)
{
	const char *w;
	size_t n = 0;

	while (words_next(&list, &w) > 0)
		n++;
	return n;
}

/* Each list's query parameters (the route's) are its filters and RES_LIST_QUERY, no more. */
static void test_list_query(void **state)
{
	static const char *const queries[] = {MASTER_WAREHOUSES_QUERY, MASTER_BINS_QUERY,
	                                      MASTER_ITEMS_QUERY, MASTER_STOCKS_QUERY};

	(void)state;
	for (size_t r = 0; all[r]; r++) {
		size_t filters = 0;

		for (size_t i = 0; all[r]->fields[i].name; i++) {
			if (!(all[r]->fields[i].flags & RES_FILTER))
				continue;
			assert_true(words_has(queries[r], all[r]->fields[i].name));
			filters++;
		}
		assert_int_equal(count_words(queries[r]), filters + count_words(RES_LIST_QUERY));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_warehouses),
	    cmocka_unit_test(test_bins),
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_stocks),
	    cmocka_unit_test(test_every_field_is_complete),
	    cmocka_unit_test_setup_teardown(test_validate_create_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_create_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_patch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_validate_not_an_object, setup, teardown),
	    cmocka_unit_test(test_for_path),
	    cmocka_unit_test(test_list_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
