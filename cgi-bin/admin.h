/* The admin group's pages across its files: the scopes of each page and the handlers of each file.
 */
#ifndef STOCKTAKE_ADMIN_H
#define STOCKTAKE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "html/listing.h"

struct arena;
struct json_object;
struct kvlist;
struct request;
struct view;

/* The scopes of the JSON API behind each page, so pages allow exactly what the API allows. */
#define ADMIN_READ_SCOPES "view:tenant manage:operations:tenant"
#define ADMIN_WRITE_SCOPES "manage:operations:tenant"
#define ADMIN_COUNT_READ_SCOPES                                                                    \
	"view:tenant inventory:count:create inventory:count:record inventory:count:apply"
#define ADMIN_COUNT_CREATE_SCOPES "inventory:count:create"
#define ADMIN_COUNT_APPLY_SCOPES "inventory:count:apply"
#define ADMIN_USERS_SCOPES "admin"
/* POST /inventory/count-session/{key}/records: the counter's screen. */
#define ADMIN_COUNT_RECORD_SCOPES "inventory:count:record"
/* The API's import of count records (POST .../records/import). */
#define ADMIN_COUNT_IMPORT_SCOPES "inventory:count:record"
/* The tenant's settings: its administrators (charts). */
#define ADMIN_SETTINGS_SCOPES "admin"
/* The item and bin pickers (/admin/search/..., /admin/find/...): readers, and planners choosing
 * the targets of a count session (who may hold no view:tenant). Not stock records: their labels
 * show quantities, which only readers see. */
#define ADMIN_PICK_SCOPES ADMIN_READ_SCOPES " " ADMIN_COUNT_CREATE_SCOPES

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

/* admin_master.c: the master data forms (admin_master_form.c does the work). */
void admin_warehouse_new(struct request *r);
void admin_warehouse_create(struct request *r);
void admin_warehouse(struct request *r);
void admin_warehouse_update(struct request *r);
void admin_warehouse_confirm(struct request *r);
void admin_warehouse_deactivate(struct request *r);
void admin_bin_new(struct request *r);
void admin_bin_create(struct request *r);
void admin_bin(struct request *r);
void admin_bin_update(struct request *r);
void admin_bin_confirm(struct request *r);
void admin_bin_deactivate(struct request *r);
void admin_item_new(struct request *r);
void admin_item_create(struct request *r);
void admin_item(struct request *r);
void admin_item_update(struct request *r);
void admin_item_confirm(struct request *r);
void admin_item_deactivate(struct request *r);

/* admin_stock_form.c: new, edit and deactivate a stock record. */
void admin_stock_new(struct request *r);
void admin_stock_create(struct request *r);
void admin_stock_edit(struct request *r);
void admin_stock_update(struct request *r);
void admin_stock_confirm(struct request *r);
void admin_stock_deactivate(struct request *r);

/*
 * admin_master_form.c: a create/edit form built from a resource's fields
 * (web/resource.h), checked and written by the API's own code.
 */
struct admin_form {
	const struct resource *res;
	const char *path;       /* the listing: "/admin/items"; records at path/<id> */
	const char *record;     /* the record's page is record + id: "/admin/items/" */
	const char *edit_tail;  /* its edit form is record + id + edit_tail ("" or "/edit") */
	const char *section;    /* navigation entry */
	const char *name;       /* "item", as in "New item", "Item created." */
	const char *code_field; /* what a person calls the record by: "sku", or NULL */
	const char *fixed_hint; /* shown on edit by the fields that cannot change, or NULL */
};
/* GET .../new: the empty form. */
void admin_form_new(struct request *r, const struct admin_form *f);
/* POST to the listing's path: create; 303 to the record, or the form again with the messages. */
void admin_form_create(struct request *r, const struct admin_form *f);
/* GET the record's edit page (the details only, for callers without the write scope). */
void admin_form_edit(struct request *r, const struct admin_form *f);
/* POST to the record: update its editable fields. */
void admin_form_update(struct request *r, const struct admin_form *f);
/* GET .../deactivate: the confirmation; POST: the API's DELETE (soft delete with its guard). */
void admin_form_confirm(struct request *r, const struct admin_form *f);
void admin_form_deactivate(struct request *r, const struct admin_form *f);
/* The notice a redirect after a write asked for (?saved=created|updated|deactivated), or NULL. */
const char *admin_form_notice(struct request *r, const char *name);

/*
 * admin_pick.c: search pickers for items, bins and stock records. A picker is
 * a text field taking a code (SKU, "WAREHOUSE / BIN", "WAREHOUSE / BIN /
 * SKU") or an id, resolved on the server; /admin/picker.js fills suggestions
 * from GET /admin/search/<kind>?q= when scripts run.
 */
enum admin_pick_kind { ADMIN_PICK_ITEM = 0, ADMIN_PICK_BIN, ADMIN_PICK_STOCK };
/* The outcome of a picker field. */
struct admin_pick {
	const char *id;       /* the record, or NULL */
	const char *code;     /* its code, to show in the field again */
	const char *error;    /* "No item matches ..." when none or several, else NULL */
	struct view *matches; /* the candidates when several: maps {id, code, label} */
};
/*
 * Resolves typed (the field's text; chosen, an id picked among earlier matches,
 * wins when given) within warehouse_id (or NULL). 0, or -1 on a DB error.
 */
int admin_pick_resolve(struct request *r, enum admin_pick_kind kind, const char *typed,
                       const char *chosen, const char *warehouse_id, struct admin_pick *out);
/* The code of the record id (for a field showing a stored reference), or NULL. */
const char *admin_pick_code(struct request *r, enum admin_pick_kind kind, const char *id);
/* Adds the picker's view to field: kind, find_href, value, error, matches. */
void admin_pick_view(struct request *r, struct view *field, enum admin_pick_kind kind,
                     const struct admin_pick *p, const char *typed);
/*
 * A listing's picker filter (LIST_IN_PICKER): the code typed in parameter text
 * becomes the id filter param; a given param shows its code in text. An
 * unknown or ambiguous code answers 303 to the find page, whose results lead
 * back to back with param set. false when the answer is sent.
 */
bool admin_pick_filter(struct request *r, enum admin_pick_kind kind, const char *text,
                       const char *param, const char *back);
/* GET /admin/search/items|bins|stocks?q=&warehouse_id=: JSON {"results": [...]}, at most 20. */
void admin_search_items(struct request *r);
void admin_search_bins(struct request *r);
void admin_search_stocks(struct request *r);
/* GET /admin/find/items|bins|stocks?q=: the same search as a page (no script needed). */
void admin_find_items(struct request *r);
void admin_find_bins(struct request *r);
void admin_find_stocks(struct request *r);

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
 * admin_count_plan.c: the targets of the new count session form, typed or
 * scanned one a line per counter row (user_N, targets_N): bin codes ("A-01-01",
 * "WH1 / A-01-01", narrowed to the form's warehouse_id) or SKUs and barcodes,
 * resolved as the search pickers resolve them; "A-01-*" takes every active
 * bin (item) whose code starts with A-01-, at most ADMIN_COUNT_PATTERN_MAX.
 */
#define ADMIN_COUNT_FORM_ROWS 4
#define ADMIN_COUNT_PATTERN_MAX 500
/* Non-blank lines one row takes: each is a statement or two. */
#define ADMIN_COUNT_LINES_MAX 500
struct admin_count_plan_row {
	const char *user;    /* user_N: a user id, or NULL */
	const char *text;    /* targets_N as typed, or NULL */
	const char **keys;   /* the ids the lines name, each once, in the order typed */
	size_t nkeys, cap;   /* cap: room in keys */
	struct view *errors; /* a list of messages ("Line 2: No bin matches ..."), or NULL */
};
struct admin_count_plan {
	const char *warehouse_id; /* position: the warehouse bin codes are looked up in, or NULL */
	struct admin_count_plan_row rows[ADMIN_COUNT_FORM_ROWS];
	bool refused; /* some row has errors */
};
/* Resolves the form's rows into plan (position: bins, else items). 0, or -1 on a DB error. */
int admin_count_plan(struct request *r, const struct kvlist *form, bool position,
                     struct admin_count_plan *plan);

/* admin_users.c: users (ADMIN_USERS_SCOPES), and every user's own password. */
void admin_users(struct request *r);
void admin_user(struct request *r);
void admin_user_form(struct request *r);
void admin_user_create(struct request *r);
void admin_user_update(struct request *r);
void admin_user_disable(struct request *r);
void admin_user_enable(struct request *r);
void admin_user_password(struct request *r);
void admin_account(struct request *r);
void admin_account_password(struct request *r);
/* admin_counting.c: the counter's started sessions and the screen to record counts. */
void admin_counting_list(struct request *r);
void admin_counting_screen(struct request *r);
void admin_counting_record(struct request *r);
/* Adds "your_counts" (the started sessions the caller counts in, the first max of them, 0: all),
 * "has_your_counts" and "your_counts_more" (when some were left out) to page, for the partial
 * your_counts. 0 or -1. */
int admin_counting_yours(struct request *r, struct view *page, size_t max);
/* What a refused form of the session page held, shown again beside it. */
struct admin_count_retry {
	const char *form;       /* "resolve" or "upload" */
	const char *line;       /* resolve: the line's key, "bin_id/item_id/lot_number" */
	const char *counted_qt; /* resolve: as typed */
	const char *serials;    /* resolve: as typed, one a line */
	const char *message;    /* the API's message and detail */
};
/* "message: detail" of a refusal, or the message alone (detail NULL or ""). */
const char *admin_count_message(struct request *r, const char *message, const char *detail);
/* The session page with status, a notice or an error above it, and a refused form (or NULL). */
void admin_count_session_page(struct request *r, const char *id, int status, const char *notice,
                              const char *error, const struct admin_count_retry *retry);

/* admin_count_review.c: reviewing a session: conflicts, CSV upload, variances, apply. */
struct count_session;
struct count_view;
/*
 * The session page's review data: open conflicts with their resolve forms, the
 * upload form, the variances sorted by size with bars. 0 or -1.
 */
int admin_count_review(struct request *r, const struct count_session *s, const struct count_view *v,
                       const struct admin_count_retry *retry, struct view *page);
void admin_count_resolve(struct request *r);
void admin_count_upload(struct request *r);
void admin_count_import(struct request *r);
void admin_count_apply_form(struct request *r);
/*
 * admin_overview.c: the overview's charts, each for callers with its scopes:
 * transactions per day (days_chart, days_rows) and the open count sessions
 * with their progress (open_sessions, show_sessions). 0 or -1.
 */
int admin_overview(struct request *r, struct view *page);
/* The start of the tenant's today (page_zone) as UTC DATETIME text, for "today" counts. */
const char *admin_today_start(struct request *r);

/*
 * admin_start.c: for a tenant with no stock record yet, the steps that set it
 * up (start_steps, getting_started, can_set_up on page), for callers who see
 * master data; steps done show as done. 0 or -1.
 */
int admin_start(struct request *r, struct view *page);

/* admin_settings.c: the tenant's settings (time zone). */
void admin_settings(struct request *r);
void admin_settings_save(struct request *r);

/* The :id route parameter as a lower-case UUID, or NULL after a 404 page naming entity. */
const char *admin_path_id(struct request *r, const char *entity);

#endif
