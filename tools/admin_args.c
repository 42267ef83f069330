/* stocktake-admin's command line read into a struct, so the rules of its usage are testable. */
#include "admin_args.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

const char admin_usage[] =
    "usage: stocktake-admin [--config FILE] COMMAND ...\n"
    "       stocktake-admin --help | --version\n"
    "\n"
    "Administers a stocktake installation from the server, with the handlers' database\n"
    "settings (their config file: --config FILE, else $STOCKTAKE_CONFIG, else the installed\n"
    "stocktake.conf; STOCKTAKE_* environment variables override it).\n"
    "\n"
    "Commands:\n"
    "  create-tenant NAME --admin USERNAME [--time-zone ZONE]\n"
    "      Creates the tenant NAME and its first administrator USERNAME with every scope\n"
    "      but metrics (which is about the installation, not the tenant).\n"
    "      ZONE: the tenant's time zone, an IANA name such as Europe/Berlin (default UTC);\n"
    "      the pages show times in it, and its administrator can change it on Settings.\n"
    "  create-user --tenant TENANT USERNAME [--scopes LIST]\n"
    "      Creates a user of TENANT (its name or id). LIST: scopes separated by commas or\n"
    "      blanks, or \"all\" (every scope but metrics); without it the user has none (and\n"
    "      can only sign in).\n"
    "  reset-password USERNAME\n"
    "      Sets a new password; the user's sessions signed in with the old one end.\n"
    "  list-tenants\n"
    "      Lists every tenant: id, status, users, time zone, name.\n"
    "\n"
    "Passwords are never given on the command line: they are asked twice (not shown) when\n"
    "standard input is a terminal, else read as one line from standard input.\n"
    "Exit status: 0 done, 1 refused or failed (the reason on standard error), 2 usage.\n"
    "--version prints the version of stocktake this command belongs to.\n";

static const struct {
	const char *name;
	enum admin_cmd cmd;
	int operands; /* words after the command that are not options */
} commands[] = {
    {"create-tenant", ADMIN_CREATE_TENANT, 1},
    {"create-user", ADMIN_CREATE_USER, 1},
    {"reset-password", ADMIN_RESET_PASSWORD, 1},
    {"list-tenants", ADMIN_LIST_TENANTS, 0},
};

/* The field of out that option name (without "--") sets, or NULL for none. */
static const char **option_slot(struct admin_args *out, const char *name, size_t n)
{
	static const char *const names[] = {"config", "admin", "tenant", "scopes", "time-zone"};
	const char **slots[] = {&out->config, &out->admin, &out->tenant, &out->scopes, &out->zone};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
			return slots[i];
	return NULL;
}

/* Reads the option at argv[*i] ("--x v" or "--x=v"), moving *i past its value. 0 or -1. */
static int read_option(int argc, char **argv, int *i, struct admin_args *out, const char **error)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	const char **slot = option_slot(out, arg, n);

	if (!slot) {
		*error = "unknown option";
		return -1;
	}
	if (eq) {
		*slot = eq + 1;
	} else if (*i + 1 < argc) {
		*slot = argv[++*i];
	} else {
		*error = "an option needs a value";
		return -1;
	}
	if (!**slot) {
		*error = "an option needs a value";
		return -1;
	}
	return 0;
}

/* The command named word; -1 for none. */
static int find_command(const char *word)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, word) == 0)
			return (int)i;
	return -1;
}

/* The options each command needs and allows. 0, or -1 with *error. */
static int check_options(const struct admin_args *out, const char **error)
{
	bool needs_admin = out->cmd == ADMIN_CREATE_TENANT;
	bool needs_tenant = out->cmd == ADMIN_CREATE_USER;

	if (needs_admin != (out->admin != NULL))
		*error = needs_admin ? "create-tenant needs --admin USERNAME"
		                     : "--admin belongs to create-tenant";
	else if (needs_tenant != (out->tenant != NULL))
		*error = needs_tenant ? "create-user needs --tenant TENANT"
		                      : "--tenant belongs to create-user";
	else if (out->scopes && out->cmd != ADMIN_CREATE_USER)
		*error = "--scopes belongs to create-user";
	else if (out->zone && !needs_admin)
		*error = "--time-zone belongs to create-tenant";
	else
		return 0;
	return -1;
}

/* Puts an operand in its place: the command first, then the command's own. 0 or -1. */
static int take_operand(const char *word, struct admin_args *out, int *cmd, int *operands,
                        const char **error)
{
	if (*cmd < 0) {
		if ((*cmd = find_command(word)) < 0) {
			*error = "unknown command";
			return -1;
		}
		out->cmd = commands[*cmd].cmd;
		return 0;
	}
	if (*operands >= commands[*cmd].operands) {
		*error = "too many operands";
		return -1;
	}
	(*operands)++;
	if (out->cmd == ADMIN_CREATE_TENANT)
		out->name = word;
	else
		out->username = word;
	return 0;
}

int admin_args_parse(int argc, char **argv, struct admin_args *out, const char **error)
{
	int cmd = -1, operands = 0;

	memset(out, 0, sizeof *out);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			out->cmd = ADMIN_HELP;
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			out->cmd = ADMIN_VERSION;
			return 0;
		}
		if (strncmp(a, "--", 2) == 0 ? read_option(argc, argv, &i, out, error) != 0
		                             : take_operand(a, out, &cmd, &operands, error) != 0)
			return -1;
	}
	if (cmd < 0 && out->config) {
		*error = "no command";
		return -1;
	}
	if (cmd < 0)
		return 0; /* nothing asked: the help */
	if (operands < commands[cmd].operands) {
		*error = out->cmd == ADMIN_CREATE_TENANT ? "create-tenant needs a NAME"
		                                         : "the command needs a USERNAME";
		return -1;
	}
	return check_options(out, error);
}
