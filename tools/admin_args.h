/* stocktake-admin's command line: the command, its operands and options, checked before any work.
 */
#ifndef STOCKTAKE_ADMIN_ARGS_H
#define STOCKTAKE_ADMIN_ARGS_H

enum admin_cmd {
	ADMIN_HELP = 0,
	ADMIN_CREATE_TENANT,  /* create-tenant NAME --admin USERNAME [--time-zone ZONE] */
	ADMIN_CREATE_USER,    /* create-user --tenant TENANT USERNAME [--scopes LIST] */
	ADMIN_RESET_PASSWORD, /* reset-password USERNAME */
	ADMIN_LIST_TENANTS,   /* list-tenants */
	ADMIN_VERSION,        /* --version */
};

struct admin_args {
	enum admin_cmd cmd;
	const char *config;   /* --config FILE, or NULL for the handlers' default */
	const char *name;     /* create-tenant's NAME */
	const char *admin;    /* create-tenant's --admin USERNAME */
	const char *zone;     /* create-tenant's --time-zone ZONE, or NULL for the default (UTC) */
	const char *tenant;   /* create-user's --tenant (a name or an id) */
	const char *username; /* create-user's and reset-password's USERNAME */
	/* create-user's --scopes, words separated by blanks or commas (NULL: none); "all" is every
	 * known scope. */
	const char *scopes;
};

/* The --help text. */
extern const char admin_usage[];

/*
 * Reads argv (argv[0] is the program) into out; options may come before or
 * after the command, as "--opt VALUE" or "--opt=VALUE". "--help"/"-h" or no
 * command at all gives ADMIN_HELP; "--version" gives ADMIN_VERSION. 0, or -1 with *error (a usage
 * mistake: an unknown command or option, a missing or extra operand or option value). The strings
 * of out point into argv.
 */
int admin_args_parse(int argc, char **argv, struct admin_args *out, const char **error);

#endif
