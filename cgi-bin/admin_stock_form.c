/* Admin pages to create, edit and deactivate a stock record (admin_master_form.c does the work). */
#include "admin.h"
#include "html/page.h"
#include "web/master_resources.h"

/*
 * The record's page is admin_stock (admin_ledger.c); its form is at /edit.
 * Quantity, item and place change only through inventory transactions, so
 * the edit form shows them fixed.
 */
static const struct admin_form stock_form = {
    .res = &master_resources_stocks,
    .path = PAGE_ROOT "/stocks",
    .record = PAGE_ROOT "/stocks/",
    .edit_tail = "/edit",
    .section = "stocks",
    .name = "stock record",
    .fixed_hint = "Changes only through inventory transactions.",
};

void admin_stock_new(struct request *r)
{
	admin_form_new(r, &stock_form);
}

void admin_stock_create(struct request *r)
{
	admin_form_create(r, &stock_form);
}

void admin_stock_edit(struct request *r)
{
	admin_form_edit(r, &stock_form);
}

void admin_stock_update(struct request *r)
{
	admin_form_update(r, &stock_form);
}

void admin_stock_confirm(struct request *r)
{
	admin_form_confirm(r, &stock_form);
}

void admin_stock_deactivate(struct request *r)
{
	admin_form_deactivate(r, &stock_form);
}
