/* Search pickers of the admin pages: typed or scanned codes resolved on the server, the JSON search
 * the picker script asks while typing, and the find page (page_asset serves the script). */
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "base/arena.h"
#include "base/valid.h"
#include "db/db.h"
#include "base/buf.h"
#include "html/html.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "stock/master_pick.h"
#include "web/envelope.h"
#include "web/req.h"

/* What each kind is called, and the path of its search. */
static const struct {
	enum master_pick_kind kind;
	const char *path; /* "items": /admin/search/items, /admin/find/items */
	const char *one;  /* "item" */
	const char *many; /* "items" */
	const char *code; /* what its code is called in messages */
} kinds[] = {
    [ADMIN_PICK_ITEM] = {MASTER_PICK_ITEM, "items", "item", "items", "SKU"},
    [ADMIN_PICK_BIN] = {MASTER_PICK_BIN, "bins", "bin", "bins", "WAREHOUSE / BIN"},
    [ADMIN_PICK_STOCK] = {MASTER_PICK_STOCK, "stocks", "stock record", "stock records",
                          "WAREHOUSE / BIN / SKU"},
};

static struct view *matches_view(struct request *r, const struct db_rows *rows)
{
	struct view *list = view_list(r->arena);

	for (size_t i = 0; i < rows->nrows; i++) {
		struct view *o = view_map(r->arena);

		view_set_str(o, "id", db_cell(rows, i, MASTER_PICK_ID));
		view_set_str(o, "code", db_cell(rows, i, MASTER_PICK_CODE));
		view_set_str(o, "label", db_cell(rows, i, MASTER_PICK_LABEL));
		view_push(list, o);
	}
	return list;
}

int admin_pick_resolve(struct request *r, enum admin_pick_kind kind, const char *typed,
                       const char *chosen, const char *warehouse_id, struct admin_pick *out)
{
	struct db_rows rows;
	const char *what = chosen && valid_uuid(chosen) ? chosen : typed;
	enum master_pick_outcome o;

	memset(out, 0, sizeof(*out));
	o = master_pick_resolve(r->arena, r->caller->tenant_id, kinds[kind].kind, what,
	                        warehouse_id, &rows);
	switch (o) {
	case MASTER_PICK_FOUND:
		out->id = db_cell(&rows, 0, MASTER_PICK_ID);
		out->code = db_cell(&rows, 0, MASTER_PICK_CODE);
		return 0;
	case MASTER_PICK_NONE:
		out->error = arena_sprintf(r->arena, "No %s matches \"%s\".", kinds[kind].one,
		                           what ? what : "");
		return 0;
	case MASTER_PICK_MANY:
		out->error = arena_sprintf(
		    r->arena, "\"%s\" matches %s%zu %s: choose one below or type its full %s.",
		    what, rows.nrows >= MASTER_PICK_LIMIT ? "at least " : "", rows.nrows,
		    kinds[kind].many, kinds[kind].code);
		out->matches = matches_view(r, &rows);
		return 0;
	default:
		return -1;
	}
}

const char *admin_pick_code(struct request *r, enum admin_pick_kind kind, const char *id)
{
	struct admin_pick p;

	if (!id || !valid_uuid(id) || admin_pick_resolve(r, kind, id, NULL, NULL, &p) < 0)
		return NULL;
	return p.code;
}

void admin_pick_view(struct request *r, struct view *field, enum admin_pick_kind kind,
                     const struct admin_pick *p, const char *typed)
{
	view_set_str(field, "pick_kind", kinds[kind].path);
	view_set_str(field, "find_href",
	             arena_sprintf(r->arena, PAGE_ROOT "/find/%s?q=%s", kinds[kind].path, ""));
	view_set_str(field, "value", p->code ? p->code : typed);
	/* Set even when NULL (a page's own "error" must not show beside the field), but a message
	 * the caller put there (the API's, about the record picked) stays. */
	if (p->error || view_kind(view_get(field, "error")) != VIEW_STR)
		view_set_str(field, "error", p->error);
	view_set(field, "matches", p->matches);
	view_set_bool(field, "has_matches", view_len(p->matches) > 0);
}

bool admin_pick_filter(struct request *r, enum admin_pick_kind kind, const char *text,
                       const char *param, const char *back)
{
	const char *typed = req_query(r, text), *id = req_query(r, param);
	struct admin_pick p;

	if (typed && *typed) {
		if (admin_pick_resolve(r, kind, typed, NULL, NULL, &p) < 0) {
			page_error(r, 500, "Internal server error");
			return false;
		}
		if (!p.id) {
			struct buf b;

			buf_init(&b);
			buf_appendf(&b, PAGE_ROOT "/find/%s?for=%s&param=%s&q=", kinds[kind].path,
			            back, param);
			html_url_arg(&b, typed);
			page_redirect(r, arena_strdup(r->arena, buf_cstr(&b)));
			buf_release(&b);
			return false;
		}
		listing_set_query(r, param, p.id);
		listing_set_query(r, text, p.code);
		return true;
	}
	/* A link (a sort, a page, another page's) names the id: show its code. */
	if (id && *id && valid_uuid(id)) {
		const char *code = admin_pick_code(r, kind, id);

		if (code)
			listing_set_query(r, text, code);
	}
	return true;
}

/* ---- the JSON search ---- */

static void search(struct request *r, enum admin_pick_kind kind)
{
	const char *q = req_query(r, "q"), *w = req_query(r, "warehouse_id");
	struct json_object *out, *list;
	struct db_rows rows;

	if (master_pick_search(r->arena, r->caller->tenant_id, kinds[kind].kind, q ? q : "",
	                       w && valid_uuid(w) ? valid_id_norm(r->arena, w) : NULL, &rows) < 0) {
		envelope_ondi_error(r, 500, "Internal server error");
		return;
	}
	out = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < rows.nrows; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id",
		                       json_object_new_string(db_cell(&rows, i, MASTER_PICK_ID)));
		json_object_object_add(o, "code",
		                       json_object_new_string(db_cell(&rows, i, MASTER_PICK_CODE)));
		json_object_object_add(
		    o, "label", json_object_new_string(db_cell(&rows, i, MASTER_PICK_LABEL)));
		json_object_array_add(list, o);
	}
	json_object_object_add(out, "results", list);
	req_add_header(r, "Cache-Control", "no-store");
	envelope_reply(r, 200, out);
}

void admin_search_items(struct request *r)
{
	search(r, ADMIN_PICK_ITEM);
}

void admin_search_bins(struct request *r)
{
	search(r, ADMIN_PICK_BIN);
}

void admin_search_stocks(struct request *r)
{
	search(r, ADMIN_PICK_STOCK);
}

/* ---- the find page ---- */

/* Pages a find result may lead back to, with the parameter that takes the chosen id. */
static const struct {
	const char *path;
	const char *param;
} returns[] = {
    {PAGE_ROOT "/transactions", "item_id"},
    {PAGE_ROOT "/stocks", "item_id"},
    {PAGE_ROOT "/stocks", "bin_id"},
    {PAGE_ROOT "/transactions/new", "stock_id"},
};

/* "path?param=" of an allowed return, or NULL. */
static const char *return_link(struct request *r)
{
	const char *to = req_query(r, "for"), *param = req_query(r, "param");

	for (size_t i = 0; to && param && i < sizeof(returns) / sizeof(returns[0]); i++)
		if (strcmp(returns[i].path, to) == 0 && strcmp(returns[i].param, param) == 0)
			return arena_sprintf(r->arena, "%s?%s=", to, param);
	return NULL;
}

static void find(struct request *r, enum admin_pick_kind kind)
{
	const char *q = req_query(r, "q"), *back = return_link(r);
	struct view *page = page_new(r, arena_sprintf(r->arena, "Find %s", kinds[kind].many), NULL);
	struct view *matches;
	struct db_rows rows;

	if (q && *q &&
	    master_pick_search(r->arena, r->caller->tenant_id, kinds[kind].kind, q, NULL, &rows) <
	        0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	matches = q && *q ? matches_view(r, &rows) : view_list(r->arena);
	for (size_t i = 0; back && i < view_len(matches); i++)
		view_set_str((struct view *)view_at(matches, i), "href",
		             arena_sprintf(r->arena, "%s%s", back,
		                           view_str(view_get(view_at(matches, i), "id"))));
	view_set_str(page, "heading", arena_sprintf(r->arena, "Find %s", kinds[kind].many));
	view_set_str(page, "kind", kinds[kind].path);
	view_set_str(page, "code_name", kinds[kind].code);
	view_set_str(page, "q", q);
	view_set_str(page, "for", back ? req_query(r, "for") : NULL);
	view_set_str(page, "param", back ? req_query(r, "param") : NULL);
	view_set_str(page, "none",
	             q && *q && !view_len(matches)
	                 ? arena_sprintf(r->arena, "No %s matches \"%s\".", kinds[kind].one, q)
	                 : NULL);
	view_set(page, "matches", matches);
	view_set_bool(page, "has_matches", view_len(matches) > 0);
	view_set_bool(page, "limited", view_len(matches) >= MASTER_PICK_LIMIT);
	page_render(r, 200, "find", page);
}

void admin_find_items(struct request *r)
{
	find(r, ADMIN_PICK_ITEM);
}

void admin_find_bins(struct request *r)
{
	find(r, ADMIN_PICK_BIN);
}

void admin_find_stocks(struct request *r)
{
	find(r, ADMIN_PICK_STOCK);
}
