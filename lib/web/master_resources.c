/*
 * The master data resources (warehouses, bins, items, stocks) as the CRUD engine serves them, to
 * the JSON group and the admin pages: fields, messages, uniques, delete guards, and the hooks that
 * hand a stock record's rules to the domain (stock/master.h).
 */
#include "web/master_resources.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "stock/ledger.h"
#include "stock/master.h"
#include "web/req.h"
#include "web/resource.h"

/* Every field reads empty values the master data way; PATCH may change the EDIT ones. */
#define FIXED RES_EMPTY_RULES
#define EDIT (RES_EMPTY_RULES | RES_PATCH)
/* Flags of a business key: given on create, editable, and a list filter. */
#define KEY_FLAGS (EDIT | FIELD_REQUIRED | RES_FILTER)
/* Flags of optional text a list can filter on. */
#define OPT_FILTER_FLAGS (EDIT | FIELD_NULLABLE | RES_FILTER)

/* Warehouses, bins and items are soft-deleted by setting this status. */
#define STATUS_FIELD                                                                               \
	{                                                                                          \
		.name = "status", .kind = FIELD_ENUM, .flags = EDIT | RES_FILTER,                  \
		.values = master_active_inactive                                                   \
	}

#define WAREHOUSE_REF                                                                              \
	{                                                                                          \
		.name = "warehouse_id", .kind = FIELD_REF,                                         \
		.flags = FIXED | FIELD_REQUIRED | RES_FILTER, .ref_table = "warehouses",           \
		.ref_entity = "Warehouse"                                                          \
	}

/* The delete guards: stock still on hand keeps the record active. */
#define STOCK_ON_HAND(cond)                                                                        \
	"SELECT 1 FROM stocks WHERE tenant_id = ? AND " cond                                       \
	" AND quantity > 0 LIMIT 1 LOCK IN SHARE MODE"

static const struct field warehouse_fields[] = {
    {.name = "name", .kind = FIELD_TEXT, .flags = EDIT | FIELD_REQUIRED, .max_len = 200},
    {.name = "code", .kind = FIELD_TEXT, .flags = KEY_FLAGS, .max_len = 50},
    {.name = "address", .kind = FIELD_TEXT, .flags = EDIT | FIELD_NULLABLE, .max_len = 500},
    STATUS_FIELD,
    {0}};

static const struct res_unique warehouse_uniques[] = {
    {"uq_warehouses_code", "Warehouse code already exists", "code"}, {0}};

static const char *const warehouse_search[] = {"t.name", "t.code", "t.address", NULL};

const struct resource master_resources_warehouses = {
    .path = "/warehousing/warehouses",
    .table = "warehouses",
    .singular = "warehouse",
    .plural = "warehouses",
    .entity = "Warehouse",
    .entities = "Warehouses",
    .fields = warehouse_fields,
    .uniques = warehouse_uniques,
    .search = warehouse_search,
    .deleted_status = "inactive",
    .guard_sql = STOCK_ON_HAND("warehouse_id = ?"),
    .guard_msg = "Cannot delete warehouse while stock remains",
};

/* A bin stays in its warehouse: moving it would strand the stock rows that name both. */
static const struct field bin_fields[] = {
    WAREHOUSE_REF,
    {.name = "code", .kind = FIELD_TEXT, .flags = KEY_FLAGS, .max_len = 50},
    {.name = "location_type",
     .kind = FIELD_ENUM,
     .flags = EDIT | RES_FILTER,
     .values = master_location_types},
    {.name = "capacity", .kind = FIELD_INT, .flags = EDIT | FIELD_NULLABLE, .min = 0},
    {.name = "security_level", .kind = FIELD_TEXT, .flags = EDIT | FIELD_NULLABLE, .max_len = 50},
    STATUS_FIELD,
    {0}};

static const struct res_unique bin_uniques[] = {
    {"uq_bins_code", "Bin code already exists in this warehouse", "code"}, {0}};

static const char *const bin_search[] = {"t.code", "t.security_level", NULL};

const struct resource master_resources_bins = {
    .path = "/warehousing/bins",
    .table = "bins",
    .singular = "bin",
    .plural = "bins",
    .entity = "Bin",
    .entities = "Bins",
    .fields = bin_fields,
    .uniques = bin_uniques,
    .search = bin_search,
    .deleted_status = "inactive",
    .guard_sql = STOCK_ON_HAND("bin_id = ?"),
    .guard_msg = "Cannot delete bin while stock remains",
};

static const struct field item_fields[] = {
    {.name = "sku", .kind = FIELD_TEXT, .flags = KEY_FLAGS, .max_len = 100},
    /* Optional, unique per tenant: what a scanner reads off the product (count lines take it). */
    {.name = "barcode", .kind = FIELD_TEXT, .flags = OPT_FILTER_FLAGS | FIELD_CODE, .max_len = 64},
    {.name = "name", .kind = FIELD_TEXT, .flags = EDIT | FIELD_REQUIRED, .max_len = 200},
    {.name = "category", .kind = FIELD_TEXT, .flags = OPT_FILTER_FLAGS, .max_len = 100},
    /* TEXT holds 65535 bytes: 16000 characters fit even at 4 bytes each. */
    {.name = "description", .kind = FIELD_TEXT, .flags = EDIT | FIELD_NULLABLE, .max_len = 16000},
    {.name = "unit_of_measure", .kind = FIELD_TEXT, .flags = EDIT, .max_len = 20},
    STATUS_FIELD,
    {0}};

static const struct res_unique item_uniques[] = {
    {"uq_items_sku", "SKU already exists", "sku"},
    {"uq_items_barcode", "Barcode already exists", "barcode"},
    {0}};

static const char *const item_search[] = {"t.sku", "t.name", "t.category", "t.barcode", NULL};

const struct resource master_resources_items = {
    .path = "/warehousing/items",
    .table = "items",
    .singular = "item",
    .plural = "items",
    .entity = "Item",
    .entities = "Items",
    .fields = item_fields,
    .uniques = item_uniques,
    .search = item_search,
    .deleted_status = "inactive",
    .guard_sql = STOCK_ON_HAND("item_id = ?"),
    .guard_msg = "Cannot delete item while stock remains",
};

/*
 * A stock row says where a quantity of an item is. Its quantity, item and
 * place change only through inventory transactions so the ledger explains
 * every unit; PATCH edits the descriptive fields.
 */
static const struct field stock_fields[] = {
    WAREHOUSE_REF,
    {.name = "item_id",
     .kind = FIELD_REF,
     .flags = FIXED | FIELD_REQUIRED | RES_FILTER,
     .ref_table = "items",
     .ref_entity = "Item"},
    {.name = "bin_id",
     .kind = FIELD_REF,
     .flags = FIXED | FIELD_NULLABLE | RES_FILTER,
     .ref_table = "bins",
     .ref_entity = "Bin",
     .ref_match = "warehouse_id",
     .ref_mismatch_msg = "Bin does not belong to warehouse",
     .fixed_msg = "Bin changes only through inventory transactions"},
    {.name = "quantity",
     .kind = FIELD_INT,
     .flags = FIXED | FIELD_TOO_LARGE,
     .min = 0,
     .max = LEDGER_QTY_MAX,
     .invalid_msg = "Quantity must be a non-negative integer",
     .fixed_msg = "Quantity changes only through inventory transactions"},
    {.name = "unit_of_measure", .kind = FIELD_TEXT, .flags = EDIT, .max_len = 20},
    {.name = "status",
     .kind = FIELD_ENUM,
     .flags = EDIT | RES_FILTER,
     .values = master_stock_statuses},
    {.name = "lot_number", .kind = FIELD_TEXT, .flags = OPT_FILTER_FLAGS, .max_len = 100},
    {.name = "serial_number", .kind = FIELD_TEXT, .flags = EDIT | FIELD_NULLABLE, .max_len = 100},
    {.name = "last_counted_at", .kind = FIELD_TIME, .flags = FIXED | RES_READONLY},
    {0}};

static const char *const stock_search[] = {"i.sku", "i.name", "t.lot_number", NULL};

/*
 * Defaults a stock's unit to its item's, and creates the record empty: its
 * opening quantity enters through the ledger writer after the INSERT.
 */
static int stock_before_create(struct res_op *op)
{
	struct master_opening *o = op->hook_data;
	const char *unit;

	/* Once per create: a retried transaction finds the quantity already taken out. */
	if (!o) {
		o = arena_alloc(op->r->arena, sizeof(*o));
		memset(o, 0, sizeof(*o));
		o->quantity = res_op_int(op, "quantity", 0);
		op->hook_data = o;
		res_op_set_int(op, "quantity", 0);
	}
	if (res_op_str(op, "unit_of_measure"))
		return 0;
	if (master_item_unit(op->r->arena, op->r->caller->tenant_id, res_op_str(op, "item_id"),
	                     &unit) < 0)
		return -1;
	if (unit)
		res_op_set_str(op, "unit_of_measure", unit);
	return 0;
}

/* The opening stock, posted to the ledger (master_stock_opening). */
static int stock_after_create(struct res_op *op)
{
	struct master_opening *o = op->hook_data;

	o->stock_id = op->id;
	o->warehouse_id = res_op_str(op, "warehouse_id");
	o->item_id = res_op_str(op, "item_id");
	o->bin_id = res_op_str(op, "bin_id");
	o->user_id = op->r->caller->user_id;
	return master_stock_opening(op->r->arena, op->r->caller->tenant_id, o);
}

const struct resource master_resources_stocks = {
    .path = "/warehousing/stocks",
    .table = "stocks",
    .singular = "stock",
    .plural = "stocks",
    .entity = "Stock",
    .entities = "Stocks",
    .fields = stock_fields,
    .search = stock_search,
    .select_extra =
        "w.id AS `warehouse.id`, w.name AS `warehouse.name`, w.code AS `warehouse.code`,"
        " i.id AS `item.id`, i.sku AS `item.sku`, i.name AS `item.name`,"
        " i.category AS `item.category`, b.id AS `bin.id`, b.code AS `bin.code`,"
        " b.location_type AS `bin.location_type`",
    .joins = "JOIN warehouses w ON w.id = t.warehouse_id AND w.tenant_id = t.tenant_id"
             " JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id"
             " LEFT JOIN bins b ON b.id = t.bin_id AND b.tenant_id = t.tenant_id",
    .deleted_status = "inactive",
    .guard_sql = STOCK_ON_HAND("id = ?"),
    .guard_msg = "Cannot delete stock while quantity remains",
    .before_create = stock_before_create,
    .after_create = stock_after_create,
};
