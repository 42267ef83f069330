/* The users of a tenant: the rules of their fields and every write of a user row. */
#include "account/user.h"

#include <stdlib.h>
#include <string.h>

#include "account/password.h"
#include "account/scope.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/valid.h"
#include "base/words.h"
#include "db/db.h"
#include "db/sql.h"

#define USERNAME_MIN 3
#define USERNAME_MAX 100
#define NAME_MAX_LEN 100
#define EMAIL_MAX 254

const char *const user_statuses[] = {"active", "disabled", NULL};

/* Fills res and returns USER_REFUSED. */
static int refuse(struct user_result *res, int status, const char *field, const char *message,
                  const char *detail)
{
	res->status = status;
	res->field = field;
	res->message = message;
	res->detail = detail ? detail : "";
	return USER_REFUSED;
}

/* 400 "Invalid <field>" with the rule as detail. */
static int invalid(struct arena *a, struct user_result *res, const char *field, const char *rule)
{
	return refuse(res, 400, field, arena_sprintf(a, "Invalid %s", field), rule);
}

static bool username_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < USERNAME_MIN || n > USERNAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

/* 1..NAME_MAX_LEN characters (the columns are VARCHAR(100): characters, not bytes). */
static bool name_ok(const char *s)
{
	return valid_text(s, NAME_MAX_LEN * 4) && valid_utf8_chars(s) <= NAME_MAX_LEN;
}

/* The checks of the fields given, each with the API's message, after the required ones. */
static int check_fields(struct arena *a, const struct user_input *in, struct user_result *res)
{
	if (in->has_username && !username_ok(in->username))
		return invalid(a, res, "username", USER_USERNAME_RULE);
	if (in->has_password && !password_ok(in->password))
		return invalid(a, res, "password", PASSWORD_RULE);
	if (in->has_first_name && in->first_name && !name_ok(in->first_name))
		return invalid(a, res, "first_name", "first_name must be 1-100 characters");
	if (in->has_last_name && in->last_name && !name_ok(in->last_name))
		return invalid(a, res, "last_name", "last_name must be 1-100 characters");
	if (in->has_email && in->email &&
	    (strlen(in->email) > EMAIL_MAX || !valid_email(in->email)))
		return invalid(a, res, "email", "email must be a valid e-mail address");
	if (in->has_status && !valid_one_of(in->status, user_statuses))
		return invalid(a, res, "status", "status must be active or disabled");
	return 0;
}

int user_check(struct arena *a, struct user_input *in, bool creating, struct user_result *res)
{
	if (in->has_scopes && !scope_list_valid(in->scopes))
		return refuse(res, 400, "scopes", "Invalid scope", scope_known_detail());
	if (in->has_scopes) /* intersecting a list with itself drops repeats and extra blanks */
		in->scopes = words_intersect(a, in->scopes ? in->scopes : "", in->scopes);
	if (creating && (!in->username || !*in->username))
		return refuse(res, 400, "username", "Field required: username", NULL);
	if (creating && (!in->password || !*in->password))
		return refuse(res, 400, "password", "Field required: password", NULL);
	return check_fields(a, in, res);
}

int user_load(struct arena *a, const char *tenant_id, const char *id, struct db_rows *rows)
{
	if (!id || !valid_uuid(id))
		return 1;
	if (db_exec(a, rows, USER_COLS " WHERE id = ? AND tenant_id = ?", "ss", id, tenant_id) != 0)
		return -1;
	return rows->nrows == 0 ? 1 : 0;
}

int user_find(struct arena *a, const char *username, struct db_rows *rows)
{
	if (db_exec(a, rows, USER_COLS " WHERE username = ?", "s", username) != 0)
		return -1;
	return rows->nrows == 0 ? 1 : 0;
}

int user_list(struct arena *a, const char *tenant_id, const char *search, const char *status,
              long long limit, long long offset, struct db_rows *rows, long long *total)
{
	struct db_param params[8];
	size_t np = 0;
	struct buf where;
	struct db_rows count;
	int rc = -1;

	buf_init(&where);
	buf_puts(&where, " WHERE tenant_id = ?");
	params[np++] = DBP_S(tenant_id);
	if (status && *status) {
		buf_puts(&where, " AND status = ?");
		params[np++] = DBP_S(status);
	}
	if (search && *search) {
		char *pat = sql_like_pattern(a, search);
		buf_puts(&where, " AND (username LIKE ? ESCAPE '!' OR first_name LIKE ? ESCAPE '!'"
		                 " OR last_name LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!')");
		for (int i = 0; i < 4; i++)
			params[np++] = DBP_S(pat);
	}
	if (db_execv(a, &count, arena_sprintf(a, "SELECT COUNT(*) FROM users%s", buf_cstr(&where)),
	             params, np) != 0)
		goto out;
	params[np++] = DBP_I(limit);
	params[np++] = DBP_I(offset);
	if (db_execv(a, rows,
	             arena_sprintf(a, USER_COLS "%s ORDER BY username LIMIT ? OFFSET ?",
	                           buf_cstr(&where)),
	             params, np) != 0)
		goto out;
	*total = atoll(db_cell(&count, 0, 0));
	rc = 0;
out:
	buf_release(&where);
	return rc;
}

int user_create(struct arena *a, const char *tenant_id, struct user_input *in, const char **id,
                struct user_result *res)
{
	const char *hash;
	int rc = user_check(a, in, true, res);

	if (rc != 0)
		return rc;
	if (!(hash = password_hash(a, in->password)))
		return -1;
	*id = db_uuid(a);
	if (db_exec(a, NULL,
	            "INSERT INTO users (id, tenant_id, username, password_hash, first_name, "
	            "last_name, email, scopes, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	            "sssssssss", *id, tenant_id, in->username, hash, in->first_name, in->last_name,
	            in->email, in->has_scopes ? in->scopes : "",
	            in->has_status ? in->status : "active") != 0) {
		if (!db_is_duplicate())
			return -1;
		return refuse(res, 409, "username", "Username already exists",
		              arena_sprintf(a, "username %s is taken", in->username));
	}
	return 0;
}

/* Adds "col = ?" with a string (NULL = SQL NULL) to an UPDATE's SET list. */
static void set_col(struct buf *set, struct db_param *params, size_t *np, const char *col,
                    const char *value)
{
	buf_appendf(set, "%s = ?, ", col);
	params[(*np)++] = DBP_S(value);
}

/* The SET list of in's fields; a new password is hashed here. 0, or -1 when hashing fails. */
static int build_set(struct arena *a, const struct user_input *in, struct buf *set,
                     struct db_param *params, size_t *np)
{
	if (in->has_first_name)
		set_col(set, params, np, "first_name", in->first_name);
	if (in->has_last_name)
		set_col(set, params, np, "last_name", in->last_name);
	if (in->has_email)
		set_col(set, params, np, "email", in->email);
	if (in->has_scopes)
		set_col(set, params, np, "scopes", in->scopes);
	if (in->has_status)
		set_col(set, params, np, "status", in->status);
	if (in->has_password) {
		const char *hash = password_hash(a, in->password);
		if (!hash)
			return -1;
		set_col(set, params, np, "password_hash", hash);
		/* Every token issued before now stops working (see auth_authenticate). */
		buf_puts(set, "tokens_valid_after = UNIX_TIMESTAMP(), ");
	}
	return 0;
}

int user_update(struct arena *a, const char *tenant_id, const char *id, const char *actor_id,
                struct user_input *in, struct user_result *res)
{
	struct db_param params[10];
	size_t np = 0;
	struct buf set;
	int rc = user_check(a, in, false, res);

	if (rc != 0)
		return rc;
	if (!id || !valid_uuid(id))
		return refuse(res, 404, NULL, "User not found", NULL);
	if (in->has_status && strcmp(in->status, "disabled") == 0 && actor_id &&
	    strcmp(id, actor_id) == 0)
		return refuse(res, 409, "status", "Cannot disable your own account", id);
	buf_init(&set);
	if (build_set(a, in, &set, params, &np) != 0) {
		rc = -1;
		goto out;
	}
	if (np == 0) {
		rc = refuse(res, 400, NULL, "No fields to update",
		            "give any of first_name, last_name, email, scopes, password, status");
		goto out;
	}
	params[np++] = DBP_S(id);
	params[np++] = DBP_S(tenant_id);
	rc = db_execv(a, NULL,
	              arena_sprintf(a,
	                            "UPDATE users SET %supdated_at = UTC_TIMESTAMP(6) "
	                            "WHERE id = ? AND tenant_id = ?",
	                            buf_cstr(&set)),
	              params, np);
	if (rc == 0 && db_affected_rows() == 0)
		rc = refuse(res, 404, NULL, "User not found", NULL);
out:
	buf_release(&set);
	return rc;
}

int user_disable(struct arena *a, const char *tenant_id, const char *id, const char *actor_id,
                 struct user_result *res)
{
	struct user_input in = {.status = "disabled", .has_status = true};

	return user_update(a, tenant_id, id, actor_id, &in, res);
}

int user_set_password(struct arena *a, const char *tenant_id, const char *id, const char *password,
                      struct user_result *res)
{
	struct user_input in = {.password = password, .has_password = true};

	if (!password || !*password)
		return refuse(res, 400, "password", "Field required: password", NULL);
	return user_update(a, tenant_id, id, NULL, &in, res);
}

int user_change_password(struct arena *a, const char *tenant_id, const char *id,
                         const char *current, const char *password, struct user_result *res)
{
	struct db_rows rows;

	if (!id || !valid_uuid(id))
		return refuse(res, 404, NULL, "User not found", NULL);
	if (db_exec(a, &rows, "SELECT password_hash FROM users WHERE id = ? AND tenant_id = ?",
	            "ss", id, tenant_id) != 0)
		return -1;
	if (rows.nrows == 0)
		return refuse(res, 404, NULL, "User not found", NULL);
	if (!current || !password_verify(current, db_cell(&rows, 0, 0)))
		return refuse(res, 400, "current_password", "Incorrect current password",
		              "the current password is not the one of this account");
	return user_set_password(a, tenant_id, id, password, res);
}
