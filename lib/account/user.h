/*
 * The users of a tenant and their rules: the checks of usernames, passwords,
 * names, e-mail, scopes and status, and the writes (create, update, disable,
 * password changes). Plain inputs in; rows, ids or a refusal out: no HTTP.
 */
#ifndef STOCKTAKE_USER_H
#define STOCKTAKE_USER_H

#include <stdbool.h>

struct arena;
struct db_rows;

/* The columns of a user as the API shows them (never the password hash); add WHERE ... */
#define USER_COLS                                                                                  \
	"SELECT id, tenant_id, username, first_name, last_name, email, scopes, status, "           \
	"created_at, updated_at FROM users"

/* A user's statuses, NULL-terminated. */
extern const char *const user_statuses[];

/* The rule of usernames, as the API's detail says it. */
#define USER_USERNAME_RULE "username must be 3-100 characters of A-Z a-z 0-9 . _ @ -"

/* What was refused: a status (400, 403, 404, 409), the API's message and detail, the field. */
struct user_result {
	int status;
	const char *field; /* the input the refusal concerns ("username"), or NULL */
	const char *message;
	const char *detail; /* "" when there is none */
};

/* Return value of the writes when the rules refuse (struct user_result says why). */
#define USER_REFUSED 1

/*
 * The fields of a create or an update that were given (has_x); a NULL value
 * of a name or the e-mail clears it. scopes is a space-separated list.
 */
struct user_input {
	const char *username, *password, *first_name, *last_name, *email, *scopes, *status;
	bool has_username, has_password, has_first_name, has_last_name, has_email, has_scopes,
	    has_status;
};

/*
 * Checks in for a create (creating) or an update, in the API's order: scopes,
 * the required username and password, then each field. Rewrites in->scopes
 * without repeats or extra blanks (in a). 0, or USER_REFUSED with res (400).
 */
int user_check(struct arena *a, struct user_input *in, bool creating, struct user_result *res);

/* Reads user id of tenant (USER_COLS) into rows: 0, 1 when there is none (or id is no UUID), -1. */
int user_load(struct arena *a, const char *tenant_id, const char *id, struct db_rows *rows);

/*
 * Reads a page of the tenant's users by username (USER_COLS): those whose
 * username, names or e-mail contain search (NULL or "": all) with status
 * (NULL or "": any), and their total. 0 or -1.
 */
int user_list(struct arena *a, const char *tenant_id, const char *search, const char *status,
              long long limit, long long offset, struct db_rows *rows, long long *total);

/*
 * Checks and creates a user of tenant (status active unless given); *id is
 * the new id. 0, USER_REFUSED (400 a rule, 409 "Username already exists"), -1.
 */
int user_create(struct arena *a, const char *tenant_id, struct user_input *in, const char **id,
                struct user_result *res);

/*
 * Checks and changes the given fields of user id of tenant; actor_id is the
 * one asking (who may not disable themselves). A new password ends every
 * session whose token was issued before it (tokens_valid_after). 0, or
 * USER_REFUSED (400 a rule or "No fields to update", 404, 409), -1.
 */
int user_update(struct arena *a, const char *tenant_id, const char *id, const char *actor_id,
                struct user_input *in, struct user_result *res);

/* Disables user id of tenant (its rows stay, the ledger names it). As user_update. */
int user_disable(struct arena *a, const char *tenant_id, const char *id, const char *actor_id,
                 struct user_result *res);

/* Sets a new password for user id of tenant (an administrator's reset). As user_update. */
int user_set_password(struct arena *a, const char *tenant_id, const char *id, const char *password,
                      struct user_result *res);

/*
 * A user changing their own password: current must be their password (else
 * USER_REFUSED, 400 "Incorrect current password" on field current_password),
 * then as user_set_password.
 */
int user_change_password(struct arena *a, const char *tenant_id, const char *id,
                         const char *current, const char *password, struct user_result *res);

/* Reads the user named username of any tenant (USER_COLS): 0, 1 when there is none, -1. */
int user_find(struct arena *a, const char *username, struct db_rows *rows);

#endif
