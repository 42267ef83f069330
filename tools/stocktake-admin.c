/* stocktake-admin: creates tenants and users and resets passwords on the server, over lib/account.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"

#include "account/password.h"
#include "account/scope.h"
#include "account/tenant.h"
#include "account/user.h"
#include "admin_args.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/log.h"
#include "base/tz.h"
#include "db/db.h"

#define PROG "stocktake-admin"
/* Longest line read as a password: one more than allowed, so a longer one is refused. */
#define LINE_MAX_PW (PASSWORD_MAX + 2)

/* ---- passwords from the terminal or standard input ------------------------------------- */

/* One line of in without its line end, into buf. 0, or -1 at end of input. */
static int read_line(FILE *in, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, in))
		return -1;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/*
 * Prompts on the terminal and reads one line with echo off. Echo goes off
 * before the prompt shows, so nothing typed at once is shown; typed-ahead
 * input is kept (TCSANOW, not TCSAFLUSH). 0 or -1.
 */
static int ask_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int rc;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0)
		return -1;
	fputs(prompt, stderr);
	fflush(stderr);
	rc = read_line(stdin, buf, size);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	return rc;
}

/*
 * The new password of username into buf: asked twice on a terminal, else one
 * line of standard input (scripts and tests). 0, or -1 after saying why.
 */
static int read_password(const char *username, char *buf, size_t size)
{
	char again[LINE_MAX_PW], prompt[200];
	int rc = -1;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, buf, size) == 0)
			return 0;
		fprintf(stderr, PROG ": no password on standard input\n");
		return -1;
	}
	snprintf(prompt, sizeof prompt, "New password for %s: ", username);
	if (ask_hidden(prompt, buf, size) != 0) {
		fprintf(stderr, PROG ": no password given\n");
		return -1;
	}
	if (ask_hidden("The same password again: ", again, sizeof again) == 0 &&
	    strcmp(buf, again) == 0)
		rc = 0;
	else
		fprintf(stderr, PROG ": the two passwords differ; nothing was changed\n");
	explicit_bzero(again, sizeof again);
	return rc;
}

/* ---- the commands ------------------------------------------------------------------------ */

/* Says why the rules refused (the API's message and detail); returns 1, the exit status. */
static int refused(const struct user_result *res)
{
	fprintf(stderr, PROG ": %s%s%s\n", res->message, *res->detail ? ": " : "", res->detail);
	return 1;
}

/* Says that the database failed; returns 1. */
static int failed(void)
{
	fprintf(stderr, PROG ": database error: %s\n", db_error());
	return 1;
}

/* Every scope of a tenant's data (not the installation's: metrics), space-separated, in the arena.
 */
static const char *all_scopes(struct arena *a)
{
	struct buf b;
	const char *out;

	buf_init(&b);
	for (size_t i = 0; scope_known[i].name; i++)
		if (!scope_known[i].installation)
			buf_appendf(&b, "%s%s", b.len ? " " : "", scope_known[i].name);
	out = arena_strdup(a, buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* --scopes as the rules take it: commas are blanks; "all" is every scope of a tenant (not metrics).
 */
static const char *scope_list(struct arena *a, const char *given)
{
	char *s;

	if (!given)
		return "";
	if (strcmp(given, "all") == 0)
		return all_scopes(a);
	s = arena_strdup(a, given);
	for (char *p = s; *p; p++)
		if (*p == ',')
			*p = ' ';
	return s;
}

/* Creates user username of tenant_id with scopes and password, in the open transaction. */
static int add_user(struct arena *a, const char *tenant_id, const char *username,
                    const char *scopes, const char *password, const char **id)
{
	struct user_input in = {.username = username,
	                        .password = password,
	                        .scopes = scopes,
	                        .has_username = true,
	                        .has_password = true,
	                        .has_scopes = true};
	struct user_result res;
	int rc = user_create(a, tenant_id, &in, id, &res);

	if (rc == USER_REFUSED)
		return refused(&res);
	return rc < 0 ? failed() : 0;
}

/* Ends the open transaction: commits writes that succeeded (0), else rolls back. Exit status. */
static int in_transaction(int rc_of_writes)
{
	if (rc_of_writes != 0) {
		db_rollback();
		return rc_of_writes;
	}
	return db_commit() == 0 ? 0 : failed();
}

static int create_tenant(struct arena *a, const struct admin_args *args, const char *password)
{
	struct user_result res;
	const char *tenant_id = NULL, *user_id = NULL;
	int rc;

	if (db_begin() != 0)
		return failed();
	rc = tenant_create(a, args->name, args->zone, &tenant_id, &res);
	rc = rc == USER_REFUSED ? refused(&res)
	     : rc < 0           ? failed()
	              : add_user(a, tenant_id, args->admin, all_scopes(a), password, &user_id);
	if ((rc = in_transaction(rc)) != 0)
		return rc;
	printf("Created tenant %s (%s) in time zone %s\n", args->name, tenant_id,
	       args->zone ? args->zone : TZ_DEFAULT);
	printf("Created administrator %s (%s) with every scope; sign in at /admin/login\n",
	       args->admin, user_id);
	return 0;
}

static int create_user(struct arena *a, const struct admin_args *args, const char *password)
{
	const char *tenant_id = NULL, *user_id = NULL;
	int rc = tenant_find(a, args->tenant, &tenant_id);

	if (rc < 0)
		return failed();
	if (rc > 0) {
		fprintf(stderr, PROG ": Tenant not found: no tenant has the name or id %s\n",
		        args->tenant);
		return 1;
	}
	if (db_begin() != 0)
		return failed();
	rc =
	    add_user(a, tenant_id, args->username, scope_list(a, args->scopes), password, &user_id);
	if ((rc = in_transaction(rc)) != 0)
		return rc;
	printf("Created user %s (%s) of tenant %s\n", args->username, user_id, tenant_id);
	return 0;
}

static int reset_password(struct arena *a, const struct admin_args *args, const char *password)
{
	struct db_rows rows;
	struct user_result res;
	int rc = user_find(a, args->username, &rows);

	if (rc < 0)
		return failed();
	if (rc > 0) {
		fprintf(stderr, PROG ": User not found: no user is named %s\n", args->username);
		return 1;
	}
	rc = user_set_password(a, db_cell(&rows, 0, 1), db_cell(&rows, 0, 0), password, &res);
	if (rc == USER_REFUSED)
		return refused(&res);
	if (rc < 0)
		return failed();
	printf("Password of %s set; their sessions signed in with the old one have ended\n",
	       args->username);
	return 0;
}

static int list_tenants(struct arena *a)
{
	struct db_rows rows;

	if (tenant_list(a, &rows) != 0)
		return failed();
	printf("%-36s  %-8s  %5s  %-20s  %s\n", "ID", "STATUS", "USERS", "TIME ZONE", "NAME");
	for (size_t i = 0; i < rows.nrows; i++)
		printf("%-36s  %-8s  %5s  %-20s  %s\n", db_cell(&rows, i, 0), db_cell(&rows, i, 2),
		       db_cell(&rows, i, 4), db_cell(&rows, i, 5), db_cell(&rows, i, 1));
	return 0;
}

/* The user a command sets a password for, or NULL when it sets none. */
static const char *password_owner(const struct admin_args *args)
{
	return args->cmd == ADMIN_CREATE_TENANT  ? args->admin
	       : args->cmd == ADMIN_LIST_TENANTS ? NULL
	                                         : args->username;
}

static int run(struct arena *a, const struct admin_args *args, const char *password)
{
	switch (args->cmd) {
	case ADMIN_CREATE_TENANT:
		return create_tenant(a, args, password);
	case ADMIN_CREATE_USER:
		return create_user(a, args, password);
	case ADMIN_RESET_PASSWORD:
		return reset_password(a, args, password);
	case ADMIN_LIST_TENANTS:
		return list_tenants(a);
	default:
		fputs(admin_usage, stdout);
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct admin_args args;
	const char *error = NULL;
	char password[LINE_MAX_PW] = "";
	struct arena *a;
	int rc;

	if (admin_args_parse(argc, argv, &args, &error) != 0) {
		fprintf(stderr, PROG ": %s (see " PROG " --help)\n", error);
		return 2;
	}
	if (args.cmd == ADMIN_HELP) {
		fputs(admin_usage, stdout);
		return 0;
	}
	if (args.cmd == ADMIN_VERSION) {
		puts(PROG " (stocktake) " PACKAGE_VERSION);
		return 0;
	}
	log_set_level(LOGL_WARN);
	/* It writes users, never tokens: the handlers' keys may be credentials only systemd reads.
	 */
	env_skip_keys(true);
	if (env_load(args.config) != 0) {
		fprintf(stderr, PROG ": cannot read the configuration%s%s\n",
		        args.config ? " " : "", args.config ? args.config : "");
		return 1;
	}
	/* A zone the tenant could not have is refused before its administrator types a password. */
	if (args.zone && !tz_valid(args.zone)) {
		fprintf(stderr,
		        PROG
		        ": Invalid time zone: %s is not a zone of the tz database (an IANA name "
		        "such as Europe/Berlin or UTC)\n",
		        args.zone);
		return 1;
	}
	/* The password first: nothing is written when it cannot be read. */
	if (password_owner(&args) &&
	    read_password(password_owner(&args), password, sizeof password) != 0)
		return 1;
	if (db_connect() != 0) {
		fprintf(stderr,
		        PROG ": cannot connect to the database (db_* settings of the config)\n");
		return 1;
	}
	a = arena_new(8192);
	rc = run(a, &args, password);
	explicit_bzero(password, sizeof password);
	arena_free(a);
	db_close();
	return rc;
}
