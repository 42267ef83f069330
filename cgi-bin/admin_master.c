/* Admin pages of the master data: the warehouses, bins and items listings (rows link to their
 * stock) and their forms (admin_master_form.c). */
#include <stddef.h>

#include "admin.h"
#include "html/listing.h"
#include "html/page.h"
#include "stock/master.h"
#include "web/master_resources.h"

/* ---- warehouses -------------------------------------------------------------------- */

static const struct listing_col warehouse_cols[] = {
    {"Code", "code", LIST_TEXT, "code", "t.code", PAGE_ROOT "/stocks?warehouse_id="},
    {"Name", "name", LIST_TEXT, "name", "t.name", PAGE_ROOT "/warehouses/"},
    {"Address", "address", LIST_TEXT, NULL, NULL, NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {"Bins", "bins", LIST_NUM, "bins", "bins", NULL},
    {"Created", "created_at", LIST_TIME, "created", "t.created_at", NULL},
    {0},
};

static const struct listing_filter warehouse_filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"code", "Code", LIST_IN_TEXT, NULL, NULL},
    {"status", "Status", LIST_IN_SELECT, master_active_inactive, NULL},
    {0},
};

static const struct listing warehouse_listing = {
    .title = "Warehouses",
    .path = PAGE_ROOT "/warehouses",
    .section = "warehouses",
    .csv_name = "warehouses.csv",
    .cols = warehouse_cols,
    .filters = warehouse_filters,
    .default_sort = "code",
    .fetch = listing_sql_fetch,
    .res = &master_resources_warehouses,
    .new_href = PAGE_ROOT "/warehouses/new",
    .new_label = "New warehouse",
    .new_scopes = ADMIN_WRITE_SCOPES,
    .empty_title = "No warehouses yet",
    .empty_text = "A warehouse is a site where you keep stock. Bins, stock records and count "
                  "sessions each belong to one, so warehouses come first.",
    .empty_action = "Create the first warehouse",
    .select = "SELECT t.id AS id, t.code AS code, t.name AS name, t.address AS address,"
              " t.status AS status, t.created_at AS created_at, (SELECT COUNT(*) FROM bins b"
              " WHERE b.tenant_id = t.tenant_id AND b.warehouse_id = t.id) AS bins",
};

void admin_warehouses(struct request *r)
{
	listing_page(r, &warehouse_listing);
}

/* ---- bins ----------------------------------------------------------------------------- */

static const struct listing_col bin_cols[] = {
    {"Warehouse", "warehouse_code", LIST_TEXT, "warehouse", "w.code", NULL},
    {"Code", "code", LIST_TEXT, "code", "t.code", PAGE_ROOT "/stocks?bin_id="},
    {"Type", "location_type", LIST_TEXT, "type", "t.location_type", PAGE_ROOT "/bins/"},
    {"Capacity", "capacity", LIST_NUM, "capacity", "t.capacity", NULL},
    {"Security level", "security_level", LIST_TEXT, "security", "t.security_level", NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {0},
};

static const struct listing_filter bin_filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"warehouse_id", "Warehouse", LIST_IN_SELECT, NULL, LISTING_CHOICES(ADMIN_WAREHOUSE_CHOICES)},
    {"code", "Code", LIST_IN_TEXT, NULL, NULL},
    {"location_type", "Type", LIST_IN_SELECT, master_location_types, NULL},
    {"status", "Status", LIST_IN_SELECT, master_active_inactive, NULL},
    {0},
};

static const struct listing bin_listing = {
    .title = "Bins",
    .path = PAGE_ROOT "/bins",
    .section = "bins",
    .csv_name = "bins.csv",
    .cols = bin_cols,
    .filters = bin_filters,
    .default_sort = "warehouse",
    .fetch = listing_sql_fetch,
    .res = &master_resources_bins,
    .new_href = PAGE_ROOT "/bins/new",
    .new_label = "New bin",
    .new_scopes = ADMIN_WRITE_SCOPES,
    .empty_title = "No bins yet",
    .empty_text = "Bins are the places inside a warehouse where stock is kept, such as a shelf or "
                  "a pallet space; each belongs to one warehouse.",
    .empty_action = "Create the first bin",
    .select = "SELECT t.id AS id, w.code AS warehouse_code, t.code AS code,"
              " t.location_type AS location_type, t.capacity AS capacity,"
              " t.security_level AS security_level, t.status AS status",
    .joins = "JOIN warehouses w ON w.id = t.warehouse_id AND w.tenant_id = t.tenant_id",
};

void admin_bins(struct request *r)
{
	listing_page(r, &bin_listing);
}

/* ---- items ---------------------------------------------------------------------------- */

static const struct listing_col item_cols[] = {
    {"SKU", "sku", LIST_TEXT, "sku", "t.sku", PAGE_ROOT "/stocks?item_id="},
    {"Barcode", "barcode", LIST_TEXT, "barcode", "t.barcode", NULL},
    {"Name", "name", LIST_TEXT, "name", "t.name", PAGE_ROOT "/items/"},
    {"Category", "category", LIST_TEXT, "category", "t.category", NULL},
    {"Unit", "unit_of_measure", LIST_TEXT, NULL, NULL, NULL},
    {"On hand", "on_hand", LIST_NUM, "on_hand", "on_hand", NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {0},
};

static const struct listing_filter item_filters[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"sku", "SKU", LIST_IN_TEXT, NULL, NULL},
    {"category", "Category", LIST_IN_SELECT, NULL,
     LISTING_CHOICES("category", "category", "category",
                     "FROM items WHERE tenant_id = ? AND category IS NOT NULL GROUP BY category")},
    {"status", "Status", LIST_IN_SELECT, master_active_inactive, NULL},
    {0},
};

static const struct listing item_listing = {
    .title = "Items",
    .path = PAGE_ROOT "/items",
    .section = "items",
    .csv_name = "items.csv",
    .cols = item_cols,
    .filters = item_filters,
    .default_sort = "sku",
    .fetch = listing_sql_fetch,
    .res = &master_resources_items,
    .new_href = PAGE_ROOT "/items/new",
    .new_label = "New item",
    .new_scopes = ADMIN_WRITE_SCOPES,
    .empty_title = "No items yet",
    .empty_text = "Items are the products you keep in stock, each known by its SKU.",
    .empty_action = "Create the first item",
    .select =
        "SELECT t.id AS id, t.sku AS sku, t.barcode AS barcode, t.name AS name,"
        " t.category AS category,"
        " t.unit_of_measure AS unit_of_measure, t.status AS status,"
        " CAST((SELECT COALESCE(SUM(s.quantity), 0) FROM stocks s WHERE s.tenant_id = t.tenant_id"
        " AND s.item_id = t.id AND s.status <> 'inactive') AS SIGNED) AS on_hand",
};

void admin_items(struct request *r)
{
	listing_page(r, &item_listing);
}

/* ---- the forms --------------------------------------------------------------------- */

/* The handlers of one entity's form pages: new, create, record (edit), update, deactivate. */
#define FORM_HANDLERS(prefix, form)                                                                \
	void prefix##_new(struct request *r)                                                       \
	{                                                                                          \
		admin_form_new(r, &(form));                                                        \
	}                                                                                          \
	void prefix##_create(struct request *r)                                                    \
	{                                                                                          \
		admin_form_create(r, &(form));                                                     \
	}                                                                                          \
	void prefix(struct request *r)                                                             \
	{                                                                                          \
		admin_form_edit(r, &(form));                                                       \
	}                                                                                          \
	void prefix##_update(struct request *r)                                                    \
	{                                                                                          \
		admin_form_update(r, &(form));                                                     \
	}                                                                                          \
	void prefix##_confirm(struct request *r)                                                   \
	{                                                                                          \
		admin_form_confirm(r, &(form));                                                    \
	}                                                                                          \
	void prefix##_deactivate(struct request *r)                                                \
	{                                                                                          \
		admin_form_deactivate(r, &(form));                                                 \
	}

static const struct admin_form warehouse_form = {
    .res = &master_resources_warehouses,
    .path = PAGE_ROOT "/warehouses",
    .record = PAGE_ROOT "/warehouses/",
    .edit_tail = "",
    .section = "warehouses",
    .name = "warehouse",
    .code_field = "code",
};

/* A bin stays in its warehouse (the API's rule): the warehouse is fixed once created. */
static const struct admin_form bin_form = {
    .res = &master_resources_bins,
    .path = PAGE_ROOT "/bins",
    .record = PAGE_ROOT "/bins/",
    .edit_tail = "",
    .section = "bins",
    .name = "bin",
    .code_field = "code",
    .fixed_hint = "A bin stays in its warehouse.",
};

static const struct admin_form item_form = {
    .res = &master_resources_items,
    .path = PAGE_ROOT "/items",
    .record = PAGE_ROOT "/items/",
    .edit_tail = "",
    .section = "items",
    .name = "item",
    .code_field = "sku",
};

FORM_HANDLERS(admin_warehouse, warehouse_form)
FORM_HANDLERS(admin_bin, bin_form)
FORM_HANDLERS(admin_item, item_form)
