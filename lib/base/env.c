/* Configuration: defaults, then the config file, then STOCKTAKE_* environment variables. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base/env.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc/stocktake"
#endif
#ifndef TEMPLATES_DIR
#define TEMPLATES_DIR "/usr/share/stocktake/templates"
#endif

#define SECRET_FILE_MAX 65536

enum key_type {
	KEY_STR,         /* const char *, "" allowed */
	KEY_STR_OPT,     /* const char *, "" means unset (NULL) */
	KEY_PORT,        /* unsigned int 1..65535 */
	KEY_LONG,        /* long > 0 */
	KEY_SIZE,        /* size_t > 0 */
	KEY_WORKERS,     /* int 1..256 */
	KEY_LEVEL,       /* int from log_level_parse */
	KEY_SECRET,      /* inline secret */
	KEY_SECRET_FILE, /* secret read from a file */
};

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
};

#define KEY(name, type)                                                                            \
	{                                                                                          \
#name, type, offsetof(struct config, name)                                         \
	}

static const struct key keys[] = {
    KEY(db_host, KEY_STR),
    KEY(db_port, KEY_PORT),
    KEY(db_socket, KEY_STR_OPT),
    KEY(db_user, KEY_STR),
    KEY(db_password, KEY_STR),
    KEY(db_name, KEY_STR),
    KEY(db_nodes, KEY_STR_OPT),
    KEY(db_connect_timeout, KEY_LONG),
    KEY(db_read_timeout, KEY_LONG),
    KEY(db_write_timeout, KEY_LONG),
    {"jwt_secret_file", KEY_SECRET_FILE, offsetof(struct config, jwt_secret)},
    KEY(jwt_secret, KEY_SECRET),
    KEY(jwt_issuer, KEY_STR),
    KEY(jwt_audience, KEY_STR),
    KEY(jwt_ttl, KEY_LONG),
    KEY(body_max, KEY_SIZE),
    KEY(templates_dir, KEY_STR),
    KEY(log_level, KEY_LEVEL),
    KEY(workers, KEY_WORKERS),
    KEY(socket_group, KEY_STR_OPT),
    KEY(metrics_dir, KEY_STR_OPT),
};

/* Every default in one place; a macro because C (and clang) only takes constants as static
 * initializers, and the process-wide configuration starts as these. */
#define CONFIG_DEFAULTS                                                                            \
	{                                                                                          \
		.db_host = "127.0.0.1", .db_port = 3306, .db_socket = NULL,                        \
		.db_user = "stocktake", .db_password = "", .db_name = "stocktake",                 \
		.db_nodes = NULL, .db_connect_timeout = 2, .db_read_timeout = 10,                  \
		.db_write_timeout = 10, .jwt_secret = NULL, .jwt_secret_len = 0,                   \
		.jwt_issuer = "stocktake", .jwt_audience = "stocktake-api", .jwt_ttl = 3600,       \
		.body_max = 1048576, .templates_dir = TEMPLATES_DIR, .log_level = LOGL_INFO,       \
		.workers = 4, .socket_group = NULL, .metrics_dir = NULL,                           \
	}

static const struct config defaults = CONFIG_DEFAULTS;

/* The process-wide configuration. */
static struct config config = CONFIG_DEFAULTS;

/*
 * Strings set from the file or environment live as long as the process; they
 * are chained here so that replacing a value never loses its memory.
 */
struct saved {
	struct saved *next;
	size_t len;
	char s[];
};
static struct saved *saved_strings;

static char *save_bytes(const char *s, size_t n)
{
	struct saved *p;

	if (n > SIZE_MAX - sizeof(*p) - 1)
		log_fatal("env: value too long");
	p = malloc(sizeof(*p) + n + 1);
	if (!p)
		log_fatal("env: out of memory");
	memcpy(p->s, s, n);
	p->s[n] = '\0';
	p->len = n;
	p->next = saved_strings;
	saved_strings = p;
	return p->s;
}

void env_reset(void)
{
	while (saved_strings) {
		struct saved *next = saved_strings->next;

		free(saved_strings);
		saved_strings = next;
	}
	config = defaults;
}

const struct config *env_get(void)
{
	return &config;
}

/* Whole decimal number in [min, max]. */
static int parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int read_secret_file(const char *path)
{
	char data[SECRET_FILE_MAX + 1];
	size_t n;
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (!f) {
		log_error("config: cannot open jwt_secret_file %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(data, 1, sizeof(data), f);
	if (ferror(f)) {
		log_error("config: cannot read jwt_secret_file %s", path);
		goto out;
	}
	if (n > SECRET_FILE_MAX) {
		log_error("config: jwt_secret_file %s is larger than %d bytes", path,
		          SECRET_FILE_MAX);
		goto out;
	}
	while (n > 0 && isspace((unsigned char)data[n - 1]))
		n--;
	/* An empty HS256 key would let anyone sign tokens. */
	if (n == 0) {
		log_error("config: jwt_secret_file %s is empty", path);
		goto out;
	}
	config.jwt_secret = save_bytes(data, n);
	config.jwt_secret_len = n;
	rc = 0;
out:
	fclose(f);
	explicit_bzero(data, sizeof(data));
	return rc;
}

static int set_key(const struct key *k, const char *value)
{
	char *field = (char *)&config + k->offset;
	long long v;

	switch (k->type) {
	case KEY_STR:
		*(const char **)field = save_bytes(value, strlen(value));
		return 0;
	case KEY_STR_OPT:
		*(const char **)field = *value ? save_bytes(value, strlen(value)) : NULL;
		return 0;
	case KEY_PORT:
		if (parse_num(value, 1, 65535, &v))
			return -1;
		*(unsigned int *)field = (unsigned int)v;
		return 0;
	case KEY_LONG:
		if (parse_num(value, 1, LONG_MAX, &v))
			return -1;
		*(long *)field = (long)v;
		return 0;
	case KEY_SIZE:
		if (parse_num(value, 1, LLONG_MAX, &v) || (unsigned long long)v > SIZE_MAX)
			return -1;
		*(size_t *)field = (size_t)v;
		return 0;
	case KEY_WORKERS:
		if (parse_num(value, 1, 256, &v))
			return -1;
		*(int *)field = (int)v;
		return 0;
	case KEY_LEVEL:
		if ((v = log_level_parse(value)) < 0)
			return -1;
		*(int *)field = (int)v;
		return 0;
	case KEY_SECRET:
		if (!*value)
			return -1;
		config.jwt_secret = save_bytes(value, strlen(value));
		config.jwt_secret_len = strlen(value);
		return 0;
	case KEY_SECRET_FILE:
		return read_secret_file(value);
	}
	return -1;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int env_set(const char *key, const char *value)
{
	const struct key *k = find_key(key);

	if (!k || !value)
		return -1;
	return set_key(k, value);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Reads "key = value" lines; a value may be wrapped in matching quotes. */
static int load_file(FILE *f, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	int rc = 0;

	while (getline(&line, &cap, f) >= 0) {
		char *key, *value, *eq;
		const struct key *k;
		size_t vlen;

		lineno++;
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			log_error("config: %s:%u: expected \"key = value\"", path, lineno);
			rc = -1;
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		vlen = strlen(value);
		if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
		    value[vlen - 1] == value[0]) {
			value[vlen - 1] = '\0';
			value++;
		}
		k = find_key(key);
		if (!k) {
			/* Other tools may share the file; a typo still shows in the log. */
			log_warn("config: %s:%u: unknown key \"%s\" ignored", path, lineno, key);
			continue;
		}
		if (set_key(k, value) < 0) {
			log_error("config: %s:%u: bad value for %s", path, lineno, key);
			rc = -1;
			goto out;
		}
	}
	if (ferror(f)) {
		log_error("config: cannot read %s", path);
		rc = -1;
	}
out:
	if (line)
		explicit_bzero(line, cap);
	free(line);
	return rc;
}

static int load_environment(void)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char name[64] = "STOCKTAKE_";
		size_t p = strlen(name);
		const char *value;

		for (const char *c = keys[i].name; *c && p < sizeof(name) - 1; c++)
			name[p++] = (char)toupper((unsigned char)*c);
		name[p] = '\0';
		value = getenv(name);
		if (value && set_key(&keys[i], value) < 0) {
			log_error("config: bad value in %s", name);
			return -1;
		}
	}
	return 0;
}

int env_load(const char *path)
{
	bool named = true;
	FILE *f;
	int rc;

	env_reset();
	if (!path)
		path = getenv("STOCKTAKE_CONFIG");
	if (!path || !*path) {
		path = SYSCONFDIR "/stocktake.conf";
		named = false;
	}
	f = fopen(path, "r");
	if (f) {
		rc = load_file(f, path);
		fclose(f);
		if (rc < 0)
			return -1;
	} else if (named || errno != ENOENT) {
		log_error("config: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (load_environment() < 0)
		return -1;
	log_set_level((enum log_level)config.log_level);
	return 0;
}
