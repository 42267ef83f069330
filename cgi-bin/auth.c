/* The auth endpoint group: OAuth2 password login, the current user, per-tenant user admin. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "account/scope.h"
#include "account/user.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/jval.h"
#include "base/log.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/paging.h"
#include "db/sql.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/body.h"
#include "web/envelope.h"
#include "web/etag.h"
#include "web/health.h"
#include "web/req.h"
#include "web/resource.h"
#include "web/route.h"
#include "web/row_json.h"

/* ---- replies ----------------------------------------------------------- */

static void send_error(struct request *r, int status, const char *message)
{
	envelope_status_error(r, status, message, "");
}

/* The status envelope plus an OAuth2 "error" code (RFC 6749 section 5.2). */
static void oauth_error(struct request *r, int status, const char *message, const char *detail,
                        const char *code)
{
	struct json_object *o = envelope_status(status, message, detail);

	jval_add_str(o, "error", code);
	auth_challenge(r, status, message, NULL);
	req_add_header(r, "Cache-Control", "no-store");
	req_add_header(r, "Pragma", "no-cache");
	envelope_reply(r, status, o);
}

/* Space-separated scopes as a JSON array of strings. */
static struct json_object *scope_array(struct arena *a, const char *scopes)
{
	struct json_object *arr = json_object_new_array();
	char *copy = arena_strdup(a, scopes ? scopes : "");
	char *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_object_array_add(arr, json_object_new_string(w));
	return arr;
}

/* One users row (USER_COLS) as the API's user object: scopes as an array. */
static struct json_object *user_json(struct arena *a, const struct db_rows *rows, size_t row)
{
	struct json_object *o = row_json(rows, row);
	int col = db_col(rows, "scopes");

	json_object_object_add(o, "scopes",
	                       scope_array(a, col >= 0 ? db_cell(rows, row, (size_t)col) : ""));
	return o;
}

/* Loads a user of the caller's tenant: 0 found; 1 not found, -1 DB error (both replied). */
static int load_user(struct request *r, const char *id, struct db_rows *rows)
{
	int rc = user_load(r->arena, r->caller->tenant_id, id, rows);

	if (rc < 0)
		send_error(r, 500, "Internal server error");
	else if (rc > 0)
		send_error(r, 404, "User not found");
	return rc;
}

/* Replies with a refusal of the user rules, or 500 after a database error (rc -1). */
static void refused(struct request *r, int rc, const struct user_result *res)
{
	if (rc == USER_REFUSED)
		envelope_status_error(r, res->status, res->message, res->detail);
	else
		send_error(r, 500, "Internal server error");
}

/* Replies {"status", "message", "detail": id, "user": {...}} for the user id. */
static void reply_user(struct request *r, int status, const char *message, const char *id)
{
	struct db_rows rows;
	struct json_object *o, *user;

	if (load_user(r, id, &rows) != 0)
		return;
	o = envelope_status(status, message, id);
	user = user_json(r->arena, &rows, 0);
	etag_send(r, etag_of_json(r->arena, user));
	json_object_object_add(o, "user", user);
	if (status == 201)
		req_add_header(r, "Location", arena_sprintf(r->arena, "/api/users/%s", id));
	envelope_reply(r, status, o);
}

/* ---- POST /api/auth ------------------------------------------------------ */

struct login_input {
	const char *grant_type;
	const char *username;
	const char *password;
	const char *scope; /* NULL or "": every scope of the user */
};

/* One string field of a JSON login body; -1 when present but not a string. */
static int json_login_field(struct json_object *o, const char *key, const char **out)
{
	bool ok = true;

	*out = jval_str(o, key, &ok);
	return ok ? 0 : -1;
}

/* Reads the login form (x-www-form-urlencoded, or a JSON object). 0, or -1 with a reply sent. */
static int read_login(struct request *r, struct login_input *in)
{
	static const char *const keys[] = {"grant_type", "username", "password", "scope"};
	const char **dst[] = {&in->grant_type, &in->username, &in->password, &in->scope};
	const char *err = NULL;

	memset(in, 0, sizeof *in);
	if (req_is_json(r)) {
		struct json_object *o = body_json(r, &err);
		if (!o) {
			oauth_error(r, 400, err ? err : "Invalid JSON body", "", "invalid_request");
			return -1;
		}
		req_json_own(r, o);
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (json_login_field(o, keys[i], dst[i]) != 0) {
				oauth_error(r, 400, arena_sprintf(r->arena, "Invalid %s", keys[i]),
				            arena_sprintf(r->arena, "%s must be a string", keys[i]),
				            "invalid_request");
				return -1;
			}
		}
		return 0;
	}
	struct kvlist form = {0};
	if (req_parse_urlencoded(r->arena, r->body, r->body_len, &form) != 0) {
		oauth_error(r, 400, "Invalid form body", "", "invalid_request");
		return -1;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		*dst[i] = kvlist_get(&form, keys[i]);
	return 0;
}

/* Checks the fields that need no database. 0, or -1 with a reply sent. */
static int check_login_input(struct request *r, const struct login_input *in)
{
	if (in->grant_type && *in->grant_type && strcmp(in->grant_type, "password") != 0) {
		oauth_error(r, 400, "Unsupported grant type", "grant_type must be \"password\"",
		            "unsupported_grant_type");
		return -1;
	}
	if (!in->username || !*in->username) {
		oauth_error(r, 400, "Field required: username", "username is required",
		            "invalid_request");
		return -1;
	}
	if (!in->password || !*in->password) {
		oauth_error(r, 400, "Field required: password", "password is required",
		            "invalid_request");
		return -1;
	}
	if (in->scope && !scope_list_valid(in->scope)) {
		oauth_error(r, 400, "Invalid scope",
		            "The requested scope contains an unknown scope", "invalid_scope");
		return -1;
	}
	return 0;
}

static void bad_credentials(struct request *r)
{
	oauth_error(r, 401, "Incorrect username or password",
	            "The username or password is incorrect, or the account is disabled",
	            "invalid_grant");
}

/* Every word of requested is in granted. */
static bool scope_subset(struct arena *a, const char *requested, const char *granted)
{
	char *copy = arena_strdup(a, requested);
	char *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!auth_scope_has(granted, w))
			return false;
	return true;
}

static void login(struct request *r)
{
	struct login_input in;
	struct caller user;
	const char *user_scopes, *scope;
	char *token;
	struct json_object *o;

	if (read_login(r, &in) != 0 || check_login_input(r, &in) != 0)
		return;
	switch (auth_login(r->arena, in.username, in.password, &user)) {
	case AUTH_LOGIN_OK:
		break;
	case AUTH_LOGIN_REFUSED:
		bad_credentials(r);
		return;
	default:
		send_error(r, 500, "Internal server error");
		return;
	}
	user_scopes = user.scope;
	scope = user_scopes;
	if (in.scope && strspn(in.scope, " ") != strlen(in.scope)) {
		if (!scope_subset(r->arena, in.scope, user_scopes)) {
			oauth_error(r, 400, "Invalid scope",
			            "The requested scope exceeds the scopes granted to the user",
			            "invalid_scope");
			return;
		}
		scope = in.scope;
	}
	scope = auth_scope_intersect(r->arena, scope, user_scopes);
	token = auth_token_issue(r->arena, user.user_id, user.tenant_id, scope, (long)time(NULL),
	                         env_get()->jwt_ttl);
	if (!token) {
		send_error(r, 500, "Internal server error");
		return;
	}
	o = json_object_new_object();
	jval_add_str(o, "access_token", token);
	jval_add_str(o, "token_type", "bearer");
	jval_add_int(o, "expires_in", env_get()->jwt_ttl);
	jval_add_str(o, "scope", scope);
	req_add_header(r, "Cache-Control", "no-store");
	req_add_header(r, "Pragma", "no-cache");
	envelope_reply(r, 200, o);
}

/* ---- GET /api/auth/me ------------------------------------------------- */

static void me(struct request *r)
{
	struct db_rows rows;
	struct json_object *o, *u;

	if (db_exec(r->arena, &rows,
	            "SELECT id, username, tenant_id, first_name, last_name, email FROM users "
	            "WHERE id = ? AND tenant_id = ?",
	            "ss", r->caller->user_id, r->caller->tenant_id) != 0) {
		send_error(r, 500, "Internal server error");
		return;
	}
	if (rows.nrows == 0) {
		send_error(r, 401, "Invalid token");
		auth_challenge(r, 401, "Invalid token", NULL);
		return;
	}
	u = row_json(&rows, 0);
	json_object_object_add(u, "scopes", scope_array(r->arena, r->caller->scope));
	o = envelope_status(200, "Current user retrieved successfully", r->caller->user_id);
	json_object_object_add(o, "user", u);
	envelope_reply(r, 200, o);
}

/* ---- user input ------------------------------------------------------- */

static void invalid(struct request *r, const char *field, const char *detail)
{
	envelope_status_error(r, 400, arena_sprintf(r->arena, "Invalid %s", field), detail);
}

/*
 * A text field: absent leaves *has false; null gives NULL when nullable.
 * 0, or -1 with a reply sent.
 */
static int text_field(struct request *r, struct json_object *o, const char *key, bool nullable,
                      const char **out, bool *has)
{
	bool ok = true;

	*has = jval_has(o, key);
	*out = jval_str(o, key, &ok);
	if (!ok || (*has && !*out && !nullable)) {
		invalid(r, key, arena_sprintf(r->arena, "%s must be a string", key));
		return -1;
	}
	return 0;
}

/* scopes: an array of strings or a space-separated string (the user rules check the words). */
static int scopes_field(struct request *r, struct json_object *o, const char **out, bool *has)
{
	struct json_object *v = NULL;
	struct buf b;
	int rc = -1;

	*has = json_object_object_get_ex(o, "scopes", &v);
	if (!*has)
		return 0;
	buf_init(&b);
	if (json_object_is_type(v, json_type_string)) {
		buf_puts(&b, json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			const char *s = json_object_get_string(e);
			if (!json_object_is_type(e, json_type_string) || strchr(s, ' ') || !*s) {
				invalid(r, "scopes", "scopes must be an array of scope names");
				goto out;
			}
			buf_appendf(&b, "%s%s", i ? " " : "", s);
		}
	} else {
		invalid(r, "scopes",
		        "scopes must be an array of strings or a space-separated string");
		goto out;
	}
	*out = arena_strdup(r->arena, buf_cstr(&b));
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/* Reads a create (creating) or update body; the user rules check it. 0, or -1 with a reply sent. */
static int read_user_input(struct request *r, bool creating, struct user_input *in)
{
	const char *err = NULL;
	struct json_object *o = body_json(r, &err);

	memset(in, 0, sizeof *in);
	if (!o) {
		send_error(r, 400, err ? err : "Invalid JSON body");
		return -1;
	}
	req_json_own(r, o);
	if (creating && (text_field(r, o, "username", false, &in->username, &in->has_username) ||
	                 text_field(r, o, "password", false, &in->password, &in->has_password)))
		return -1;
	if (!creating && text_field(r, o, "password", false, &in->password, &in->has_password))
		return -1;
	if (text_field(r, o, "first_name", true, &in->first_name, &in->has_first_name) ||
	    text_field(r, o, "last_name", true, &in->last_name, &in->has_last_name) ||
	    text_field(r, o, "email", true, &in->email, &in->has_email) ||
	    text_field(r, o, "status", false, &in->status, &in->has_status) ||
	    scopes_field(r, o, &in->scopes, &in->has_scopes))
		return -1;
	return 0;
}

/* ---- /api/users ------------------------------------------------------- */

static void users_list(struct request *r)
{
	const char *status = req_query(r, "status");
	struct paging pg;
	struct paging_refusal why;
	struct db_rows rows;
	long long total = 0;
	struct json_object *o, *arr;

	if (paging_parse(req_query(r, "page"), req_query(r, "limit"), PAGING_REFUSE, &pg, &why) <
	    0) {
		envelope_status_error(r, 400, why.message, why.detail);
		return;
	}
	if (status && *status && !valid_one_of(status, user_statuses)) {
		envelope_status_error(r, 400, "Invalid status",
		                      "status must be active or disabled");
		return;
	}
	if (user_list(r->arena, r->caller->tenant_id, req_query(r, "search"), status, pg.limit,
	              (pg.page - 1) * pg.limit, &rows, &total) != 0) {
		send_error(r, 500, "Internal server error");
		return;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < rows.nrows; i++)
		json_object_array_add(arr, user_json(r->arena, &rows, i));
	o = envelope_status(200, "Users retrieved successfully", "");
	json_object_object_add(o, "users", arr);
	jval_add_int(o, "total", total);
	jval_add_int(o, "page", pg.page);
	jval_add_int(o, "limit", pg.limit);
	envelope_reply(r, 200, o);
}

static void users_create(struct request *r)
{
	struct user_input in;
	struct user_result res;
	const char *id = NULL;
	int rc;

	if (read_user_input(r, true, &in) != 0)
		return;
	rc = user_create(r->arena, r->caller->tenant_id, &in, &id, &res);
	if (rc != 0) {
		refused(r, rc, &res);
		return;
	}
	log_info("auth: user %s (%s) created by %s", id, in.username, r->caller->user_id);
	reply_user(r, 201, "User created successfully", id);
}

static void users_get(struct request *r)
{
	reply_user(r, 200, "User retrieved successfully",
	           valid_id_norm(r->arena, req_param(r, "id")));
}

/* A user's update with the If-Match it was sent with (or NULL). */
struct user_write {
	struct request *r;
	const char *id, *if_match;
	struct user_input *in;
	struct user_result res;
	int rc;     /* user_update's answer */
	bool stale; /* the If-Match named an older version of the user */
};

/* The If-Match, checked with the user's row locked so no update slips in between; then the
 * update (joining this transaction). */
static int user_write_txn(void *ctx)
{
	struct user_write *w = ctx;
	struct request *r = w->r;
	struct db_rows rows;
	struct json_object *now;

	w->stale = false;
	if (w->if_match && strcmp(w->if_match, "*") != 0) {
		if (db_exec(r->arena, NULL,
		            "SELECT id FROM users WHERE tenant_id = ? AND id = ? FOR UPDATE", "ss",
		            r->caller->tenant_id, w->id) < 0 ||
		    user_load(r->arena, r->caller->tenant_id, w->id, &rows) != 0)
			return -1;
		now = user_json(r->arena, &rows, 0);
		w->stale = !etag_if_match(w->if_match, etag_of_json(r->arena, now));
		json_object_put(now);
		if (w->stale)
			return 1;
	}
	w->rc =
	    user_update(r->arena, r->caller->tenant_id, w->id, r->caller->user_id, w->in, &w->res);
	return w->rc != 0 ? 1 : 0;
}

static void users_update(struct request *r)
{
	/* Lower-cased like stored ids, so the self checks see an upper-cased own id too. */
	const char *id = valid_id_norm(r->arena, req_param(r, "id"));
	struct user_input in;
	struct user_write w;
	struct db_rows rows;

	if (load_user(r, id, &rows) != 0 || read_user_input(r, false, &in) != 0)
		return;
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.id = id;
	w.in = &in;
	w.if_match = req_header(r, "If-Match");
	if (db_transaction(user_write_txn, &w) < 0 && !w.rc) {
		send_error(r, 500, "Internal server error");
		return;
	}
	if (w.stale) {
		send_error(r, 412, ETAG_STALE_MESSAGE);
		return;
	}
	if (w.rc != 0) {
		refused(r, w.rc, &w.res);
		return;
	}
	log_info("auth: user %s updated by %s", id, r->caller->user_id);
	reply_user(r, 200, "User updated successfully", id);
}

/* DELETE disables: the user's rows stay referenced by the ledger (performed_by). */
static void users_disable(struct request *r)
{
	/* Lower-cased like stored ids, so the self check sees an upper-cased own id too. */
	const char *id = valid_id_norm(r->arena, req_param(r, "id"));
	struct user_result res;
	struct db_rows rows;
	int rc;

	if (load_user(r, id, &rows) != 0)
		return;
	rc = user_disable(r->arena, r->caller->tenant_id, id, r->caller->user_id, &res);
	if (rc != 0) {
		refused(r, rc, &res);
		return;
	}
	log_info("auth: user %s disabled by %s", id, r->caller->user_id);
	reply_user(r, 200, "User disabled successfully", id);
}

static const struct route routes[] = {
    /* The OAuth2 password flow posts a form (JSON is taken too). */
    {"POST", "/api/auth", login, NULL, .query = "", .other_body = true},
    {"GET", "/api/auth/me", me, "", .query = ""},
    {"GET", "/api/users", users_list, "admin", .query = "search status page limit"},
    {"POST", "/api/users", users_create, "admin", .query = "", .keyed = true},
    {"GET", "/api/users/:id", users_get, "admin", .query = ""},
    {"PATCH", "/api/users/:id", users_update, "admin", .query = ""},
    {"DELETE", "/api/users/:id", users_disable, "admin", .query = ""},
    /* Probes for load balancers, systemd and monitoring (web/health.h): public, no token. */
    {"GET", "/api/health", health_live, NULL, .query = ""},
    {"GET", "/api/ready", health_ready, NULL, .query = ""},
    /* Loopback callers, or a token with the "metrics" scope: checked by the handler. */
    {"GET", "/api/metrics", health_metrics, NULL, .query = ""},
    {0},
};

static const struct app auth_app = {
    .name = "auth",
    .routes = routes,
    .error = send_error,
    .json_bodies = true,
    .init = NULL,
};

int main(int argc, char **argv)
{
	return app_main(&auth_app, argc, argv);
}
