/* The admin pages (/admin/...): route table, sign-in and sign-out, the start page. */
#include <string.h>
#include <time.h>

#include "admin.h"
#include "base/arena.h"
#include "base/env.h"
#include "base/log.h"
#include "base/valid.h"
#include "db/db.h"
#include "html/html.h"
#include "html/page.h"
#include "html/view.h"
#include "stock/itx.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/csrf.h"
#include "web/req.h"
#include "web/route.h"

/* The login form's double-submit cookie, scoped to the form, alive while the form may be open. */
#define LOGIN_COOKIE "stocktake_login"
#define LOGIN_COOKIE_AGE 1800

static const struct page_nav nav[] = {
    {"home", "Overview", PAGE_ROOT "/", ""},
    {"transactions", "Transactions", PAGE_ROOT "/transactions", ADMIN_READ_SCOPES},
    {"stocks", "Stock", PAGE_ROOT "/stocks", ADMIN_READ_SCOPES},
    {"count", "Count sessions", PAGE_ROOT "/count-sessions", ADMIN_COUNT_READ_SCOPES},
    {"counting", "Your counts", PAGE_ROOT "/counting", ADMIN_COUNT_RECORD_SCOPES},
    {"warehouses", "Warehouses", PAGE_ROOT "/warehouses", ADMIN_READ_SCOPES},
    {"bins", "Bins", PAGE_ROOT "/bins", ADMIN_READ_SCOPES},
    {"items", "Items", PAGE_ROOT "/items", ADMIN_READ_SCOPES},
    {"users", "Users", PAGE_ROOT "/users", ADMIN_USERS_SCOPES},
    {"settings", "Settings", PAGE_ROOT "/settings", ADMIN_SETTINGS_SCOPES},
    {0},
};

const char *admin_path_id(struct request *r, const char *entity)
{
	const char *id = req_param(r, "id");

	if (!id || !valid_uuid(id)) {
		page_error(r, 404, arena_sprintf(r->arena, "%s not found", entity));
		return NULL;
	}
	return valid_id_norm(r->arena, id);
}

/* ---- sign in, sign out ------------------------------------------------------------- */

/* Where to go after signing in: a page of ours, else the start page. */
static const char *safe_next(const char *next)
{
	if (next && html_url_safe(next) &&
	    (strcmp(next, PAGE_ROOT) == 0 ||
	     strncmp(next, PAGE_ROOT "/", strlen(PAGE_ROOT "/")) == 0))
		return next;
	return PAGE_ROOT "/";
}

/* The login form with a fresh double-submit nonce; error NULL for none. */
static void login_page(struct request *r, int status, const char *error, const char *username,
                       const char *next)
{
	struct view *page = page_new(r, "Sign in", NULL);
	const char *nonce = csrf_nonce(r->arena);
	const char *info = NULL;

	page_cookie(r, LOGIN_COOKIE, nonce, PAGE_LOGIN, LOGIN_COOKIE_AGE);
	if (!error && req_query(r, "signed_out"))
		info = "You have signed out.";
	else if (!error && next)
		info = "Please sign in to continue.";
	view_set_str(page, "login_csrf", nonce);
	view_set_str(page, "next", safe_next(next));
	view_set_str(page, "error", error);
	view_set_str(page, "info", info);
	view_set_str(page, "username_value", username);
	page_render(r, status, "login", page);
}

static void login_form(struct request *r)
{
	login_page(r, 200, NULL, NULL, req_query(r, "next"));
}

/* Issues the session cookie for user and goes on to next. */
static void start_session(struct request *r, const struct caller *user, const char *next)
{
	long ttl = env_get()->jwt_ttl;
	const char *token = auth_token_issue(r->arena, user->user_id, user->tenant_id, user->scope,
	                                     (long)time(NULL), ttl);

	if (!token) {
		page_error(r, 500, "Internal server error");
		return;
	}
	log_info("admin: %s signed in", user->user_id);
	page_cookie(r, AUTH_COOKIE, token, PAGE_ROOT, ttl);
	page_cookie(r, LOGIN_COOKIE, "", PAGE_LOGIN, 0);
	page_redirect(r, safe_next(next));
}

static void login_submit(struct request *r)
{
	struct kvlist form = {0};
	struct caller user;
	const char *username, *password, *next;

	if (!req_is_form(r) || req_parse_urlencoded(r->arena, r->body, r->body_len, &form) < 0) {
		login_page(r, 400, "The form could not be read. Please try again.", NULL, NULL);
		return;
	}
	username = page_field(r, &form, "username");
	password = kvlist_get(&form, "password");
	next = kvlist_get(&form, "next");
	/* A login form from another site would sign the victim in as the attacker. */
	if (!csrf_equal(req_cookie(r, LOGIN_COOKIE), kvlist_get(&form, "csrf"))) {
		login_page(r, 403, "The sign-in form had expired. Please try again.", username,
		           next);
		return;
	}
	if (!username || !password || !*password) {
		login_page(r, 400, "Enter your username and password.", username, next);
		return;
	}
	switch (auth_login(r->arena, username, password, &user)) {
	case AUTH_LOGIN_OK:
		start_session(r, &user, next);
		break;
	case AUTH_LOGIN_REFUSED:
		login_page(r, 401, "Incorrect username or password.", username, next);
		break;
	default:
		page_error(r, 500, "Internal server error");
	}
}

static void logout(struct request *r)
{
	struct kvlist form;

	if (!page_form(r, &form))
		return;
	page_cookie(r, AUTH_COOKIE, "", PAGE_ROOT, 0);
	page_redirect(r, PAGE_LOGIN "?signed_out=1");
}

/* ---- the start page ---------------------------------------------------------------- */

static void add_card(struct request *r, struct view *cards, const char *label, const char *figure,
                     const char *href)
{
	struct view *o = view_map(r->arena);

	view_set_str(o, "label", label);
	view_set_str(o, "figure", figure ? figure : "0");
	view_set_str(o, "href", href);
	view_push(cards, o);
}

static int home_cards(struct request *r, struct view *page)
{
	const char *t = r->caller->tenant_id, *today = admin_today_start(r);
	struct view *cards = view_list(r->arena);
	struct db_rows rows;

	view_set(page, "cards", cards);
	if (db_exec(
	        r->arena, &rows,
	        "SELECT (SELECT COUNT(*) FROM stocks WHERE tenant_id = ? AND status <> 'inactive'),"
	        " (SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = ?"
	        "  AND timestamp >= ?),"
	        " (SELECT COUNT(*) FROM count_sessions WHERE tenant_id = ?"
	        "  AND status IN ('planned', 'started')),"
	        " (SELECT COUNT(*) FROM items WHERE tenant_id = ? AND status = 'active')",
	        "sssss", t, t, today, t, t) < 0)
		return -1;
	if (page_can(r, ADMIN_READ_SCOPES)) {
		add_card(r, cards, "Stock records", db_cell(&rows, 0, 0), PAGE_ROOT "/stocks");
		add_card(r, cards, "Transactions today", db_cell(&rows, 0, 1),
		         PAGE_ROOT "/transactions");
		add_card(r, cards, "Active items", db_cell(&rows, 0, 3), PAGE_ROOT "/items");
	}
	if (page_can(r, ADMIN_COUNT_READ_SCOPES))
		add_card(r, cards, "Open count sessions", db_cell(&rows, 0, 2),
		         PAGE_ROOT "/count-sessions?status=started");
	view_set_bool(page, "has_cards", view_len(cards) > 0);
	if (page_can(r, ADMIN_COUNT_RECORD_SCOPES) && admin_counting_yours(r, page, 5) < 0)
		return -1;
	return 0;
}

static void home(struct request *r)
{
	struct view *page = page_new(r, "Overview", "home");
	const char *msg = "Internal server error";

	if (home_cards(r, page) < 0 || admin_overview(r, page) < 0 || admin_start(r, page) < 0) {
		page_error(r, 500, msg);
		return;
	}
	/* A tenant being set up has no charts or transactions to show: its steps say what to do. */
	if (view_get(page, "getting_started"))
		view_set_bool(page, "has_overview", false);
	else if (page_can(r, ADMIN_READ_SCOPES)) {
		/* The ten latest transactions, as the transactions page shows them. */
		listing_set_query(r, "limit", "10");
		if (listing_table(r, &admin_transactions_listing, page, &msg) != 0) {
			page_error(r, 500, msg);
			return;
		}
		view_set(page, "pager", NULL);
		view_set_bool(page, "recent", true);
	}
	page_render(r, 200, "home", page);
}

/* ---- routes ----------------------------------------------------------------------- */

/* The routes of one master data entity's form pages (handlers prefix_new, prefix, ...). */
#define MASTER_FORM_ROUTES(base, prefix)                                                           \
	{"POST", PAGE_ROOT base, prefix##_create, ADMIN_WRITE_SCOPES},                             \
	    {"GET", PAGE_ROOT base "/new", prefix##_new, ADMIN_WRITE_SCOPES},                      \
	    {"GET", PAGE_ROOT base "/:id", prefix, ADMIN_READ_SCOPES},                             \
	    {"POST", PAGE_ROOT base "/:id", prefix##_update, ADMIN_WRITE_SCOPES},                  \
	    {"GET", PAGE_ROOT base "/:id/deactivate", prefix##_confirm, ADMIN_WRITE_SCOPES},       \
	{                                                                                          \
		"POST", PAGE_ROOT base "/:id/deactivate", prefix##_deactivate, ADMIN_WRITE_SCOPES  \
	}

/* Fixed paths come before the ":id" patterns that would take them for ids. */
static const struct route routes[] = {
    {"GET", PAGE_ROOT, home, ""},
    {"GET", PAGE_ROOT "/style.css", page_asset, NULL},
    {"GET", PAGE_LOGIN, login_form, NULL},
    {"POST", PAGE_LOGIN, login_submit, NULL},
    {"POST", PAGE_ROOT "/logout", logout, ""},
    {"GET", PAGE_ROOT "/transactions", admin_transactions, ADMIN_READ_SCOPES,
     .user_in_query = true},
    {"POST", PAGE_ROOT "/transactions", admin_transaction_create, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/transactions/new", admin_transaction_form, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/transactions/:id", admin_transaction, ADMIN_READ_SCOPES,
     .user_in_query = true},
    {"GET", PAGE_ROOT "/stocks", admin_stocks, ADMIN_READ_SCOPES},
    {"POST", PAGE_ROOT "/stocks", admin_stock_create, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/stocks/new", admin_stock_new, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/stocks/:id", admin_stock, ADMIN_READ_SCOPES},
    {"POST", PAGE_ROOT "/stocks/:id", admin_stock_update, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/stocks/:id/edit", admin_stock_edit, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/stocks/:id/deactivate", admin_stock_confirm, ADMIN_WRITE_SCOPES},
    {"POST", PAGE_ROOT "/stocks/:id/deactivate", admin_stock_deactivate, ADMIN_WRITE_SCOPES},
    {"GET", PAGE_ROOT "/warehouses", admin_warehouses, ADMIN_READ_SCOPES},
    {"GET", PAGE_ROOT "/bins", admin_bins, ADMIN_READ_SCOPES},
    {"GET", PAGE_ROOT "/items", admin_items, ADMIN_READ_SCOPES},
    /* Master data forms (admin_master.c): new, record (its form), deactivate. */
    MASTER_FORM_ROUTES("/warehouses", admin_warehouse),
    MASTER_FORM_ROUTES("/bins", admin_bin),
    MASTER_FORM_ROUTES("/items", admin_item),
    /* Search pickers (admin_pick.c): suggestions while typing, the find page, the script. */
    {"GET", PAGE_ROOT "/search/items", admin_search_items, ADMIN_PICK_SCOPES},
    {"GET", PAGE_ROOT "/search/bins", admin_search_bins, ADMIN_PICK_SCOPES},
    {"GET", PAGE_ROOT "/search/stocks", admin_search_stocks, ADMIN_READ_SCOPES},
    {"GET", PAGE_ROOT "/find/items", admin_find_items, ADMIN_PICK_SCOPES},
    {"GET", PAGE_ROOT "/find/bins", admin_find_bins, ADMIN_PICK_SCOPES},
    {"GET", PAGE_ROOT "/find/stocks", admin_find_stocks, ADMIN_READ_SCOPES},
    {"GET", PAGE_ROOT "/picker.js", page_asset, NULL},
    {"GET", PAGE_ROOT "/count-sessions", admin_count_sessions, ADMIN_COUNT_READ_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions", admin_count_create, ADMIN_COUNT_CREATE_SCOPES},
    {"GET", PAGE_ROOT "/count-sessions/new", admin_count_form, ADMIN_COUNT_CREATE_SCOPES},
    {"GET", PAGE_ROOT "/count-sessions/:id", admin_count_session, ADMIN_COUNT_READ_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/start", admin_count_start, ADMIN_COUNT_CREATE_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/complete", admin_count_complete,
     ADMIN_COUNT_CREATE_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/cancel", admin_count_cancel, ADMIN_COUNT_CREATE_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/apply", admin_count_apply, ADMIN_COUNT_APPLY_SCOPES},
    {"GET", PAGE_ROOT "/users", admin_users, ADMIN_USERS_SCOPES},
    {"POST", PAGE_ROOT "/users", admin_user_create, ADMIN_USERS_SCOPES},
    {"GET", PAGE_ROOT "/users/new", admin_user_form, ADMIN_USERS_SCOPES},
    {"GET", PAGE_ROOT "/users/:id", admin_user, ADMIN_USERS_SCOPES},
    {"POST", PAGE_ROOT "/users/:id", admin_user_update, ADMIN_USERS_SCOPES},
    {"POST", PAGE_ROOT "/users/:id/disable", admin_user_disable, ADMIN_USERS_SCOPES},
    {"POST", PAGE_ROOT "/users/:id/enable", admin_user_enable, ADMIN_USERS_SCOPES},
    {"POST", PAGE_ROOT "/users/:id/password", admin_user_password, ADMIN_USERS_SCOPES},
    {"GET", PAGE_ROOT "/account", admin_account, ""},
    {"POST", PAGE_ROOT "/account/password", admin_account_password, ""},
    {"GET", PAGE_ROOT "/counting", admin_counting_list, ADMIN_COUNT_RECORD_SCOPES},
    {"GET", PAGE_ROOT "/counting.js", page_asset, NULL},
    {"GET", PAGE_ROOT "/count-sessions/:id/count", admin_counting_screen,
     ADMIN_COUNT_RECORD_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/count", admin_counting_record,
     ADMIN_COUNT_RECORD_SCOPES},
    {"GET", PAGE_ROOT "/count-sessions/:id/apply", admin_count_apply_form,
     ADMIN_COUNT_APPLY_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/resolve", admin_count_resolve,
     ADMIN_COUNT_APPLY_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/upload", admin_count_upload, ADMIN_COUNT_IMPORT_SCOPES},
    {"POST", PAGE_ROOT "/count-sessions/:id/import", admin_count_import, ADMIN_COUNT_IMPORT_SCOPES},
    {"GET", PAGE_ROOT "/settings", admin_settings, ADMIN_SETTINGS_SCOPES},
    {"POST", PAGE_ROOT "/settings", admin_settings_save, ADMIN_SETTINGS_SCOPES},
    {0},
};

static int admin_init(void)
{
	return page_init(nav);
}

static const struct app admin_app = {
    .name = "admin",
    .routes = routes,
    .error = page_error,
    .init = admin_init,
};

int main(int argc, char **argv)
{
	return app_main(&admin_app, argc, argv);
}
