/*
 * The caller's user row carried by a handler's first statement, instead of on a round trip of its
 * own (which costs a read about as much as the read itself).
 *
 * The one mechanism, in order:
 *   1. the web layer makes the probe for a caller whose token is verified but whose user row is
 *      not read yet (auth_probe in web/auth.h; NULL once the caller is settled);
 *   2. a domain read takes it as a plain input and, when not NULL, adds USER_PROBE_COLUMN to its
 *      first statement (binding user_id, tenant_id) and calls user_probe_take on the result
 *      before it uses the rows: the row is admitted there, and a refusal (disabled user, revoked
 *      scope) is the read's answer instead of its rows, rolling back a write that has begun;
 *   3. a probe that no statement took (an error, an empty result) is settled by the request's
 *      frame before anything is sent (app_dispatch reads the row on its own then).
 * Nothing else reads the column, so a handler cannot answer on an unread user row.
 */
#ifndef STOCKTAKE_USER_PROBE_H
#define STOCKTAKE_USER_PROBE_H

#include <stdbool.h>

struct arena;
struct db_rows;

/* The label of the column and the separator of its fields (ASCII unit separator). */
#define USER_PROBE_LABEL "_caller"
#define USER_PROBE_SEPARATOR '\x1f'

/*
 * A select item (before FROM, so its two '?' come first; bind user_id and
 * tenant_id): the user row as one text, NULL when there is no such user.
 * Uncorrelated, so MariaDB reads it once per execution, not once per row.
 */
#define USER_PROBE_COLUMN                                                                          \
	"(SELECT CONCAT_WS(CHAR(31), pu.status, pt.status, pu.tokens_valid_after,"                 \
	" IFNULL(pu.scopes, ''), pt.time_zone, pu.username) FROM users pu JOIN tenants pt"         \
	" ON pt.id = "                                                                             \
	"pu.tenant_id"                                                                             \
	" WHERE pu.id = ? AND pu.tenant_id = ?) AS " USER_PROBE_LABEL

/* The fields of the user row, as the probe and the separate read return them. */
struct user_row {
	const char *status;
	const char *tenant_status;
	const char *tokens_valid_after;
	const char *scopes;
	const char *time_zone; /* the tenant's, which pages show times in */
	const char *username;
};

/*
 * Admits the column's text as read (NULL: no such user; user_probe_parse
 * splits it). 0, or the refusal's HTTP status (401, 403; 500 for a malformed
 * row) with *message.
 */
typedef int (*user_probe_admit_fn)(void *ctx, const char *text, const char **message);

struct user_probe {
	const char *user_id; /* the column's two parameters */
	const char *tenant_id;
	user_probe_admit_fn admit;
	void *ctx;
	bool taken; /* a statement read the row and admit ran */
};

/* p, when a statement should still carry its column; NULL for no probe or one already taken. */
struct user_probe *user_probe_pending(struct user_probe *p);

/*
 * After the statement that carried USER_PROBE_COLUMN: removes the column from
 * rows and, when rows has a row, admits the user row it read (p->taken). With
 * no row nothing was read: returns 0 and leaves the probe to the frame. A
 * NULL p, or rows without the column, is 0. Returns 0 or the admit's refusal
 * with *message.
 */
int user_probe_take(struct user_probe *p, struct db_rows *rows, const char **message);

/* Splits the column's text into u (fields copied into a). False when malformed. */
bool user_probe_parse(struct arena *a, const char *text, struct user_row *u);

#endif
