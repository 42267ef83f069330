/* Admin pages of the users: the listing, the create and edit forms, disable and enable, password
 * resets by an administrator, and every user's change of their own password. */
#include <string.h>
#include <time.h>

#include "account/scope.h"
#include "account/user.h"
#include "admin.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "base/valid.h"
#include "db/db.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "web/auth.h"
#include "web/req.h"
#include "web/resource.h"

#define USERS_PAGE PAGE_ROOT "/users"
#define ACCOUNT_PAGE PAGE_ROOT "/account"

/* ---- the listing --------------------------------------------------------------------- */

/* The filters of GET /api/users (status, search), for res_build_where. */
static const struct field user_filter_fields[] = {
    {.name = "status", .kind = FIELD_ENUM, .flags = RES_FILTER, .values = user_statuses},
    {0},
};

static const char *const user_search[] = {"t.username", "t.first_name", "t.last_name", "t.email",
                                          NULL};

static const struct resource user_filters = {
    .table = "users",
    .fields = user_filter_fields,
    .search = user_search,
};

static const struct listing_col user_cols[] = {
    {"Username", "username", LIST_TEXT, "username", "t.username", USERS_PAGE "/"},
    {"Name", "name", LIST_TEXT, "name", "name", NULL},
    {"E-mail", "email", LIST_TEXT, "email", "t.email", NULL},
    {"Administrator", "administrator", LIST_TEXT, NULL, NULL, NULL},
    {"Scopes", "scope_count", LIST_NUM, "scopes", "scope_count", NULL},
    {"Status", "status", LIST_BADGE, "status", "t.status", NULL},
    {"Created", "created_at", LIST_TIME, "created", "t.created_at", NULL},
    {0},
};

static const struct listing_filter user_filter_inputs[] = {
    {"search", "Search", LIST_IN_TEXT, NULL, NULL},
    {"status", "Status", LIST_IN_SELECT, user_statuses, NULL},
    {0},
};

static const struct listing user_listing = {
    .title = "Users",
    .path = USERS_PAGE,
    .section = "users",
    .csv_name = "users.csv",
    .cols = user_cols,
    .filters = user_filter_inputs,
    .default_sort = "username",
    .fetch = listing_sql_fetch,
    .new_href = USERS_PAGE "/new",
    .new_label = "New user",
    .new_scopes = ADMIN_USERS_SCOPES,
    .empty_title = "No users yet",
    .empty_text = "Users sign in to these pages and to the API with the scopes you give them.",
    .empty_action = "Create the first user",
    .res = &user_filters,
    /* Never the password hash. */
    .select = "SELECT t.id AS id, t.username AS username, TRIM(CONCAT(COALESCE(t.first_name, ''),"
              " ' ', COALESCE(t.last_name, ''))) AS name, t.email AS email,"
              " IF(FIND_IN_SET('admin', REPLACE(t.scopes, ' ', ',')) > 0, 'yes', '')"
              " AS administrator, (LENGTH(t.scopes) - LENGTH(REPLACE(t.scopes, ' ', ''))"
              " + (t.scopes <> '')) AS scope_count,"
              " t.status AS status, t.created_at AS created_at",
};

void admin_users(struct request *r)
{
	listing_page(r, &user_listing);
}

/* ---- form data ----------------------------------------------------------------------- */

/* "message: detail", or the message alone. */
static const char *with_detail(struct request *r, const char *message, const char *detail)
{
	return detail && *detail ? arena_sprintf(r->arena, "%s: %s", message, detail) : message;
}

/* Whether the forms have an input of field, where its messages go. */
static bool has_input(const char *field)
{
	static const char *const inputs[] = {"username",         "password", "first_name",
	                                     "last_name",        "email",    "scopes",
	                                     "current_password", NULL};

	return field && valid_one_of(field, inputs);
}

/*
 * A refusal shown where it belongs: beside its field's input (error_<field>)
 * with a short notice above the form, or in the notice alone.
 */
static void show_refusal(struct request *r, struct view *page, const struct user_result *res)
{
	const char *text = with_detail(r, res->message, res->detail);

	if (has_input(res->field)) {
		view_set_str(page, arena_sprintf(r->arena, "error_%s", res->field), text);
		view_set_str(page, "error", "Nothing was saved: see the message beside the field.");
	} else {
		view_set_str(page, "error", text);
	}
}

/* The scopes of a form: every "scopes" value, space-separated, in the arena. */
static const char *form_scopes(struct request *r, const struct kvlist *form)
{
	struct buf b;
	const char *out;

	buf_init(&b);
	for (size_t i = 0; i < form->n; i++)
		if (strcmp(form->items[i].key, "scopes") == 0)
			buf_appendf(&b, "%s%s", b.len ? " " : "", form->items[i].value);
	out = arena_strdup(r->arena, buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* The checkboxes of every known scope, checked when held is among them. */
static void scope_choices(struct request *r, struct view *page, const char *held)
{
	struct view *list = view_list(r->arena);

	for (size_t i = 0; scope_known[i].name; i++) {
		struct view *o = view_map(r->arena);

		view_set_str(o, "name", scope_known[i].name);
		view_set_str(o, "description", scope_known[i].description);
		view_set_str(o, "id", arena_sprintf(r->arena, "scope-%zu", i));
		view_set_bool(o, "checked", auth_scope_has(held, scope_known[i].name));
		view_push(list, o);
	}
	view_set(page, "scopes", list);
}

/* The text fields a form shows, from the user row (form NULL) or as typed. */
static void text_values(struct request *r, struct view *page, const struct db_rows *rows,
                        const struct kvlist *form)
{
	static const char *const names[] = {"username", "first_name", "last_name", "email", NULL};

	for (size_t i = 0; names[i]; i++) {
		int col = rows ? db_col(rows, names[i]) : -1;

		if (form)
			view_set_str(page, names[i], kvlist_get(form, names[i]));
		else if (col >= 0)
			view_set_str(page, names[i], db_cell(rows, 0, (size_t)col));
	}
}

/* The user fields of a form (names, e-mail, scopes); has_x true for each, blanks clear. */
static void read_fields(struct request *r, const struct kvlist *form, struct user_input *in)
{
	in->first_name = page_field(r, form, "first_name");
	in->last_name = page_field(r, form, "last_name");
	in->email = page_field(r, form, "email");
	in->scopes = form_scopes(r, form);
	in->has_first_name = in->has_last_name = in->has_email = in->has_scopes = true;
}

/* Whether the two password fields of a form differ (then nothing is saved). */
static bool passwords_differ(const struct kvlist *form)
{
	const char *a = kvlist_get(form, "password"), *b = kvlist_get(form, "password_confirm");

	return !a || !b || strcmp(a, b) != 0;
}

/* The message of differing passwords, beside the repeated one. */
static void show_differ(struct view *page)
{
	view_set_str(page, "error_password_confirm",
	             "The two passwords differ: type the same twice.");
	view_set_str(page, "error", "Nothing was saved: see the message beside the field.");
}

/* ---- the create form ------------------------------------------------------------------- */

static struct view *new_page(struct request *r, const struct kvlist *form)
{
	struct view *page = page_new(r, "New user", "users");

	text_values(r, page, NULL, form);
	scope_choices(r, page, form ? form_scopes(r, form) : "");
	return page;
}

void admin_user_form(struct request *r)
{
	page_render(r, 200, "user_new", new_page(r, NULL));
}

void admin_user_create(struct request *r)
{
	struct kvlist form;
	struct user_input in = {0};
	struct user_result res = {0};
	const char *id = NULL;
	struct view *page;
	int rc;

	if (!page_form(r, &form))
		return;
	page = new_page(r, &form);
	if (passwords_differ(&form)) {
		show_differ(page);
		page_render(r, 400, "user_new", page);
		return;
	}
	read_fields(r, &form, &in);
	in.username = page_field(r, &form, "username");
	in.password = kvlist_get(&form, "password");
	in.has_username = in.has_password = true;
	rc = user_create(r->arena, r->caller->tenant_id, &in, &id, &res);
	if (rc < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	if (rc == USER_REFUSED) {
		show_refusal(r, page, &res);
		page_render(r, res.status, "user_new", page);
		return;
	}
	log_info("admin: user %s (%s) created by %s", id, in.username, r->caller->user_id);
	page_redirect(r, arena_sprintf(r->arena, USERS_PAGE "/%s?done=created", id));
}

/* ---- a user ------------------------------------------------------------------------------- */

/* What the edit page says after each of its actions. */
static const char *done_notice(const char *done)
{
	static const char *const done_keys[] = {"created", "updated", "disabled", "enabled",
	                                        "password"};
	static const char *const notices[] = {
	    "User created. They can sign in now.", "Changes saved.",
	    "User disabled: they cannot sign in, and their sessions have ended.",
	    "User enabled: they can sign in again.",
	    "Password set. Their sessions signed in with the old one have ended."};

	for (size_t i = 0; done && i < sizeof done_keys / sizeof done_keys[0]; i++)
		if (strcmp(done, done_keys[i]) == 0)
			return notices[i];
	return NULL;
}

/*
 * The edit page of user id, its fields from the row or as typed (form), or
 * NULL after an error page (404 for another tenant's user or none).
 */
static struct view *edit_page(struct request *r, const char *id, const struct kvlist *form)
{
	struct db_rows rows;
	struct view *page;
	int rc = user_load(r->arena, r->caller->tenant_id, id, &rows);
	const char *status;

	if (rc != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "User not found");
		return NULL;
	}
	page = page_new(r, arena_sprintf(r->arena, "User %s", db_cell(&rows, 0, 2)), "users");
	status = db_cell(&rows, 0, (size_t)db_col(&rows, "status"));
	text_values(r, page, &rows, NULL);
	if (form)
		text_values(r, page, NULL, form);
	view_set_str(page, "username", db_cell(&rows, 0, 2));
	view_set_str(page, "id", id);
	view_set_str(page, "status", status);
	view_set_bool(page, "active", strcmp(status, "active") == 0);
	view_set_bool(page, "self", strcmp(id, r->caller->user_id) == 0);
	/* To the second, as the listings show times. */
	view_set_str(
	    page, "created_at",
	    arena_strndup(r->arena, db_cell(&rows, 0, (size_t)db_col(&rows, "created_at")), 19));
	scope_choices(r, page,
	              form ? form_scopes(r, form)
	                   : db_cell(&rows, 0, (size_t)db_col(&rows, "scopes")));
	return page;
}

void admin_user(struct request *r)
{
	const char *id = admin_path_id(r, "User");
	struct view *page;

	if (!id || !(page = edit_page(r, id, NULL)))
		return;
	view_set_str(page, "notice", done_notice(req_query(r, "done")));
	page_render(r, 200, "user_edit", page);
}

/* Runs a change of user id; a refusal shows the edit page again, success goes to it with done. */
static void finish(struct request *r, const char *id, int rc, const struct user_result *res,
                   const struct kvlist *form, const char *done)
{
	struct view *page;

	if (rc < 0) {
		page_error(r, 500, "Internal server error");
	} else if (rc == USER_REFUSED && res->status == 404) {
		page_error(r, 404, "User not found");
	} else if (rc == USER_REFUSED) {
		if (!(page = edit_page(r, id, form)))
			return;
		show_refusal(r, page, res);
		page_render(r, res->status, "user_edit", page);
	} else {
		log_info("admin: user %s %s by %s", id, done, r->caller->user_id);
		page_redirect(r, arena_sprintf(r->arena, USERS_PAGE "/%s?done=%s", id, done));
	}
}

void admin_user_update(struct request *r)
{
	const char *id = admin_path_id(r, "User");
	struct kvlist form;
	struct user_input in = {0};
	struct user_result res = {0};

	if (!id || !page_form(r, &form))
		return;
	read_fields(r, &form, &in);
	finish(r, id,
	       user_update(r->arena, r->caller->tenant_id, id, r->caller->user_id, &in, &res), &res,
	       &form, "updated");
}

/* Sets the status of user id: disable (never oneself) or enable. */
static void set_status(struct request *r, const char *status, const char *done)
{
	const char *id = admin_path_id(r, "User");
	struct kvlist form;
	struct user_input in = {.status = status, .has_status = true};
	struct user_result res = {0};

	if (!id || !page_form(r, &form))
		return;
	finish(r, id,
	       user_update(r->arena, r->caller->tenant_id, id, r->caller->user_id, &in, &res), &res,
	       NULL, done);
}

void admin_user_disable(struct request *r)
{
	set_status(r, "disabled", "disabled");
}

void admin_user_enable(struct request *r)
{
	set_status(r, "active", "enabled");
}

void admin_user_password(struct request *r)
{
	const char *id = admin_path_id(r, "User");
	struct kvlist form;
	struct user_result res = {0};
	struct view *page;

	if (!id || !page_form(r, &form))
		return;
	if (passwords_differ(&form)) {
		if (!(page = edit_page(r, id, NULL)))
			return;
		show_differ(page);
		page_render(r, 400, "user_edit", page);
		return;
	}
	finish(r, id,
	       user_set_password(r->arena, r->caller->tenant_id, id, kvlist_get(&form, "password"),
	                         &res),
	       &res, NULL, "password");
}

/* ---- one's own account --------------------------------------------------------------------- */

static struct view *account_page(struct request *r)
{
	struct view *page = page_new(r, "Your account", "account");

	view_set_str(page, "scope_list", r->caller->scope);
	return page;
}

void admin_account(struct request *r)
{
	struct view *page = account_page(r);

	if (req_query(r, "done"))
		view_set_str(page, "notice",
		             "Password changed. Your other sessions have ended; this one goes on.");
	page_render(r, 200, "account", page);
}

/* A new session cookie: the password change ended the tokens issued before it, this one too. */
static int resign(struct request *r)
{
	long ttl = env_get()->jwt_ttl;
	const char *token = auth_token_issue(r->arena, r->caller->user_id, r->caller->tenant_id,
	                                     r->caller->scope, (long)time(NULL), ttl);

	if (!token)
		return -1;
	page_cookie(r, AUTH_COOKIE, token, PAGE_ROOT, ttl);
	return 0;
}

void admin_account_password(struct request *r)
{
	struct kvlist form;
	struct user_result res = {0};
	struct view *page;
	int rc;

	if (!page_form(r, &form))
		return;
	page = account_page(r);
	if (passwords_differ(&form)) {
		show_differ(page);
		page_render(r, 400, "account", page);
		return;
	}
	rc = user_change_password(r->arena, r->caller->tenant_id, r->caller->user_id,
	                          kvlist_get(&form, "current_password"),
	                          kvlist_get(&form, "password"), &res);
	if (rc == USER_REFUSED) {
		show_refusal(r, page, &res);
		page_render(r, res.status, "account", page);
		return;
	}
	if (rc < 0 || resign(r) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	log_info("admin: %s changed their password", r->caller->user_id);
	page_redirect(r, ACCOUNT_PAGE "?done=password");
}
