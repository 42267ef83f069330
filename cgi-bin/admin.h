/* The admin group's pages across its files: the scopes of each page and the handlers of each file.
 */
#ifndef STOCKTAKE_ADMIN_H
#define STOCKTAKE_ADMIN_H

#include "html/listing.h"

struct arena;
struct json_object;
struct request;
struct view;

/* The scopes of the JSON API behind each page, so pages allow exactly what the API allows. */
#define ADMIN_READ_SCOPES "view:tenant manage:operations:tenant"
#define ADMIN_WRITE_SCOPES "manage:operations:tenant"
#define ADMIN_COUNT_READ_SCOPES                                                                    \
	"view:tenant inventory:count:create inventory:count:record inventory:count:apply"
#define ADMIN_COUNT_CREATE_SCOPES "inventory:count:create"
#define ADMIN_COUNT_APPLY_SCOPES "inventory:count:apply"
/* The tenant's settings: its administrators (charts). */
#define ADMIN_SETTINGS_SCOPES "admin"

/*
 * Choices of warehouses, items and bins for filters (struct listing_options)
 * and forms (the _OPTIONS SQL, parameters: tenant, current). The warehouses
 * are every warehouse of the tenant, inactive ones too: the transactions
 * page takes the filter's choice as its check that the warehouse exists
 * (admin_ledger.c), exactly the check of itx_filter_parse.
 */
#define ADMIN_WAREHOUSE_CHOICES                                                                    \
	"id", "CONCAT(code, ' · ', name)", "code", "FROM warehouses WHERE tenant_id = ?"
#define ADMIN_ITEM_CHOICES "id", "CONCAT(sku, ' · ', name)", "sku", "FROM items WHERE tenant_id = ?"
#define ADMIN_BIN_CHOICES                                                                          \
	"b.id", "CONCAT(w.code, ' / ', b.code)", "CONCAT(w.code, ' / ', b.code)",                  \
	    "FROM bins b JOIN warehouses w ON w.id = b.warehouse_id"                               \
	    " AND w.tenant_id = b.tenant_id WHERE b.tenant_id = ?"
#define ADMIN_WAREHOUSE_OPTIONS LISTING_OPTIONS_OF(ADMIN_WAREHOUSE_CHOICES)
#define ADMIN_BIN_OPTIONS LISTING_OPTIONS_OF(ADMIN_BIN_CHOICES)

/* admin_ledger.c: inventory transactions and stock. */
extern const struct listing admin_transactions_listing;
void admin_transactions(struct request *r);
void admin_transaction(struct request *r);
void admin_transaction_form(struct request *r);
void admin_transaction_create(struct request *r);
void admin_stocks(struct request *r);
void admin_stock(struct request *r);

/* admin_master.c: warehouses, bins, items. */
void admin_warehouses(struct request *r);
void admin_bins(struct request *r);
void admin_items(struct request *r);

/* admin_count.c: count sessions. */
extern const struct listing admin_count_listing;
void admin_count_sessions(struct request *r);
void admin_count_session(struct request *r);
void admin_count_form(struct request *r);
void admin_count_create(struct request *r);
void admin_count_start(struct request *r);
void admin_count_complete(struct request *r);
void admin_count_apply(struct request *r);
void admin_count_cancel(struct request *r);

/*
 * admin_overview.c: the overview's charts, each for callers with its scopes:
 * transactions per day (days_chart, days_rows) and the open count sessions
 * with their progress (open_sessions, show_sessions). 0 or -1.
 */
int admin_overview(struct request *r, struct view *page);
/* The start of the tenant's today (page_zone) as UTC DATETIME text, for "today" counts. */
const char *admin_today_start(struct request *r);

/* admin_settings.c: the tenant's settings (time zone). */
void admin_settings(struct request *r);
void admin_settings_save(struct request *r);

/* The :id route parameter as a lower-case UUID, or NULL after a 404 page naming entity. */
const char *admin_path_id(struct request *r, const char *entity);

#endif
