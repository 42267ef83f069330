/* The overview of a tenant that has no stock yet: the steps that set it up, in their order. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "admin.h"
#include "db/db.h"
#include "html/page.h"
#include "html/view.h"
#include "web/req.h"

/* One step: what to do, why, where (for callers who may do it) and the count that says it is done.
 */
struct start_step {
	const char *title;
	const char *text;
	const char *href;
	const char *scopes; /* who may do it */
	int count_col;      /* the column of start_counts that counts its records */
	long long done_at;  /* done once the count reaches it (the administrator is one user) */
	bool doers_only;    /* shown only to those who may do it (the others cannot see its page) */
};

static const struct start_step steps[] = {
    {"Create a warehouse", "The site where you keep stock; everything else belongs to one.",
     PAGE_ROOT "/warehouses/new", ADMIN_WRITE_SCOPES, 0, 1},
    {"Add its bins", "The shelf places and pallet spaces inside the warehouse.",
     PAGE_ROOT "/bins/new", ADMIN_WRITE_SCOPES, 1, 1},
    {"Add the items you stock", "Each product with its SKU and unit of measure.",
     PAGE_ROOT "/items/new", ADMIN_WRITE_SCOPES, 2, 1},
    {"Create stock records", "The quantity of each item in each bin; transactions change it.",
     PAGE_ROOT "/stocks/new", ADMIN_WRITE_SCOPES, 3, 1},
    {"Add your team", "Users for the people who receive, pick and count, with their scopes.",
     PAGE_ROOT "/users/new", ADMIN_USERS_SCOPES, 4, 2, true},
};

/* Of the tenant's warehouses, bins, items, stock records and users, up to two of each (enough to
 * tell a step done): one cheap statement on every overview, however large the tenant. */
#define START_COUNT(table)                                                                         \
	"(SELECT COUNT(*) FROM (SELECT 1 FROM " table " WHERE tenant_id = ? LIMIT 2) x)"
static const char start_counts[] = "SELECT " START_COUNT("warehouses") ", " /* column 0 */
    START_COUNT("bins") ", "                                                /* 1 */
    START_COUNT("items") ", "                                               /* 2 */
    START_COUNT("stocks") ", "                                              /* 3 */
    START_COUNT("users");                                                   /* 4 */

static struct view *step_view(struct request *r, const struct start_step *s, size_t n,
                              const struct db_rows *rows)
{
	struct view *o = view_map(r->arena);
	bool done = atoll(db_cell(rows, 0, (size_t)s->count_col)) >= s->done_at;

	view_set_int(o, "n", (long long)n);
	view_set_str(o, "title", s->title);
	view_set_str(o, "text", s->text);
	view_set_bool(o, "done", done);
	if (!done && page_can(r, s->scopes))
		view_set_str(o, "href", s->href);
	return o;
}

int admin_start(struct request *r, struct view *page)
{
	const char *t = r->caller->tenant_id;
	struct view *list;
	struct db_rows rows;

	/* Counters and viewers of counts only do not see master data: nothing to set up for them.
	 */
	if (!page_can(r, ADMIN_READ_SCOPES))
		return 0;
	if (db_exec(r->arena, &rows, start_counts, "sssss", t, t, t, t, t) < 0)
		return -1;
	if (rows.nrows != 1 || atoll(db_cell(&rows, 0, 3)) > 0)
		return 0; /* stock is recorded: the tenant is at work */
	list = view_list(r->arena);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (!steps[i].doers_only || page_can(r, steps[i].scopes))
			view_push(list, step_view(r, &steps[i], view_len(list) + 1, &rows));
	view_set(page, "start_steps", list);
	view_set_bool(page, "getting_started", true);
	view_set_bool(page, "can_set_up", page_can(r, ADMIN_WRITE_SCOPES));
	return 0;
}
