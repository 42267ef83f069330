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
	KEY_SIGNING,     /* KID:PATH */
	KEY_VERIFY,      /* KID:PATH, KID:PATH, ... */
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
    {"jwt_signing_key", KEY_SIGNING, offsetof(struct config, jwt_signing)},
    {"jwt_verify_keys", KEY_VERIFY, offsetof(struct config, jwt_verify)},
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
/* Bumped on every change, so that caches of derived state (verified tokens) notice it. */
static unsigned long generation;
/* The directory of the config file being loaded: relative key paths are read from it. */
static char *config_dir;
/* Set by programs that sign and check no token (env_skip_keys). */
static bool keys_skipped;

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

/* Frees a chain of saved strings, wiping them: some are keys or passwords. */
static void free_saved(struct saved *p)
{
	while (p) {
		struct saved *next = p->next;

		explicit_bzero(p->s, p->len);
		free(p);
		p = next;
	}
}

void env_reset(void)
{
	free_saved(saved_strings);
	saved_strings = NULL;
	config = defaults;
	generation++;
}

const struct config *env_get(void)
{
	return &config;
}

unsigned long env_generation(void)
{
	return generation;
}

/* The legacy key (jwt_secret_file, jwt_secret) as a ring key with kid "default". */
static const struct jwt_key *legacy_key(void)
{
	static struct jwt_key legacy;

	if (!config.jwt_secret || config.jwt_secret_len == 0)
		return NULL;
	legacy = (struct jwt_key){"default", config.jwt_secret, config.jwt_secret_len};
	return &legacy;
}

const struct jwt_key *env_jwt_signing_key(void)
{
	return config.jwt_signing.kid ? &config.jwt_signing : legacy_key();
}

const struct jwt_key *env_jwt_key(const char *kid)
{
	const struct jwt_key *legacy = legacy_key();

	if (!kid)
		kid = "default";
	if (config.jwt_signing.kid && strcmp(config.jwt_signing.kid, kid) == 0)
		return &config.jwt_signing;
	for (size_t i = 0; i < config.jwt_verify_count; i++)
		if (strcmp(config.jwt_verify[i].kid, kid) == 0)
			return &config.jwt_verify[i];
	return legacy && strcmp(kid, "default") == 0 ? legacy : NULL;
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

/*
 * A key file's path: absolute as given; relative from $CREDENTIALS_DIRECTORY (systemd's
 * LoadCredential=) when set, else from the config file's directory. Saved with the config.
 */
static const char *key_path(const char *path)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *full;

	if (path[0] == '/')
		return path;
	if (!dir || !*dir)
		dir = config_dir;
	if (!dir)
		return path;
	if (asprintf(&full, "%s/%s", dir, path) < 0)
		log_fatal("env: out of memory");
	path = save_bytes(full, strlen(full));
	free(full);
	return path;
}

/* Reads the key file of option `what` into *out (trailing whitespace cut); 0 or -1, logged. */
static int read_key_file(const char *what, const char *path, const char **out, size_t *len)
{
	char data[SECRET_FILE_MAX + 1];
	size_t n;
	FILE *f;
	int rc = -1;

	if (keys_skipped) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	path = key_path(path);
	f = fopen(path, "rb");
	if (!f) {
		log_error("config: cannot open %s %s: %s", what, path, strerror(errno));
		return -1;
	}
	n = fread(data, 1, sizeof(data), f);
	if (ferror(f)) {
		log_error("config: cannot read %s %s", what, path);
		goto out;
	}
	if (n > SECRET_FILE_MAX) {
		log_error("config: %s %s is larger than %d bytes", what, path, SECRET_FILE_MAX);
		goto out;
	}
	while (n > 0 && isspace((unsigned char)data[n - 1]))
		n--;
	/* An empty or short HS256 key would let anyone sign tokens, or guess the key. */
	if (n < JWT_KEY_MIN) {
		log_error("config: %s %s holds %zu bytes; a key needs at least %d", what, path, n,
		          JWT_KEY_MIN);
		goto out;
	}
	*out = save_bytes(data, n);
	*len = n;
	rc = 0;
out:
	fclose(f);
	explicit_bzero(data, sizeof(data));
	return rc;
}

static bool kid_ok(const char *kid, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)kid[i]) && !strchr("._-", kid[i]))
			return false;
	return true;
}

/* One "KID:PATH" (spaces around either allowed) into *k, reading the key file. 0 or -1, logged. */
static int parse_ring_key(const char *what, const char *spec, size_t n, struct jwt_key *k)
{
	const char *colon = memchr(spec, ':', n);
	const char *kid = spec, *path;
	size_t kid_len, path_len;
	char *p;

	if (!colon) {
		log_error("config: %s: \"%.*s\" is not KID:PATH", what, (int)n, spec);
		return -1;
	}
	path = colon + 1;
	path_len = n - (size_t)(path - spec);
	kid_len = (size_t)(colon - spec);
	while (kid_len > 0 && isspace((unsigned char)kid[kid_len - 1]))
		kid_len--;
	while (path_len > 0 && isspace((unsigned char)*path)) {
		path++;
		path_len--;
	}
	if (!kid_ok(kid, kid_len) || path_len == 0) {
		log_error("config: %s: \"%.*s\" needs a key id of letters, digits, '.', '_' or '-' "
		          "and a path",
		          what, (int)n, spec);
		return -1;
	}
	k->kid = save_bytes(kid, kid_len);
	p = save_bytes(path, path_len);
	return read_key_file(what, p, &k->secret, &k->len);
}

static int set_signing_key(const char *value)
{
	struct jwt_key k;

	if (strchr(value, ','))
		log_error("config: jwt_signing_key takes exactly one KID:PATH");
	else if (parse_ring_key("jwt_signing_key", value, strlen(value), &k) == 0) {
		config.jwt_signing = k;
		return 0;
	}
	return -1;
}

/* "KID:PATH, KID:PATH": replaces the verify-only keys (an empty value: none). */
static int set_verify_keys(const char *value)
{
	struct jwt_key ring[JWT_KEYS_MAX];
	size_t count = 0;

	while (*value) {
		size_t n = strcspn(value, ",");
		const char *item = value;

		value += n + (value[n] == ',');
		while (n > 0 && isspace((unsigned char)*item)) {
			item++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)item[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (count == JWT_KEYS_MAX) {
			log_error("config: jwt_verify_keys lists more than %d keys", JWT_KEYS_MAX);
			return -1;
		}
		if (parse_ring_key("jwt_verify_keys", item, n, &ring[count]) < 0)
			return -1;
		count++;
	}
	memcpy(config.jwt_verify, ring, count * sizeof(ring[0]));
	config.jwt_verify_count = count;
	return 0;
}

/* Key ids name one key each: a token's kid must not be able to pick between two. */
static int check_key_ring(void)
{
	const struct jwt_key *all[JWT_KEYS_MAX + 2];
	size_t n = 0;

	if (config.jwt_signing.kid)
		all[n++] = &config.jwt_signing;
	for (size_t i = 0; i < config.jwt_verify_count; i++)
		all[n++] = &config.jwt_verify[i];
	if (legacy_key())
		all[n++] = legacy_key();
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(all[i]->kid, all[j]->kid) == 0) {
				log_error("config: JWT key id \"%s\" is given twice%s", all[i]->kid,
				          strcmp(all[i]->kid, "default") == 0
				              ? " (jwt_secret_file is the key \"default\")"
				              : "");
				return -1;
			}
	if (config.jwt_verify_count > 0 && !env_jwt_signing_key()) {
		log_error("config: jwt_verify_keys without jwt_signing_key");
		return -1;
	}
	return 0;
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
		if (strlen(value) < JWT_KEY_MIN) {
			log_error("config: jwt_secret needs at least %d bytes", JWT_KEY_MIN);
			return -1;
		}
		config.jwt_secret = save_bytes(value, strlen(value));
		config.jwt_secret_len = strlen(value);
		return 0;
	case KEY_SECRET_FILE:
		return read_key_file("jwt_secret_file", value, &config.jwt_secret,
		                     &config.jwt_secret_len);
	case KEY_SIGNING:
		return set_signing_key(value);
	case KEY_VERIFY:
		return set_verify_keys(value);
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
	generation++;
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

/* The config file's directory, for key paths relative to it. */
static void set_config_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	free(config_dir);
	config_dir = NULL;
	if (slash == path)
		config_dir = strdup("/");
	else if (slash)
		config_dir = strndup(path, (size_t)(slash - path));
	else
		config_dir = strdup(".");
	if (!config_dir)
		log_fatal("env: out of memory");
}

/* Defaults, the file, the environment, the checks: into config (which starts at the defaults). */
static int load_all(const char *path)
{
	bool named = true;
	FILE *f;

	if (!path)
		path = getenv("STOCKTAKE_CONFIG");
	if (!path || !*path) {
		path = SYSCONFDIR "/stocktake.conf";
		named = false;
	}
	set_config_dir(path);
	f = fopen(path, "r");
	if (f) {
		int rc = load_file(f, path);

		fclose(f);
		if (rc < 0)
			return -1;
	} else if (named || errno != ENOENT) {
		log_error("config: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (load_environment() < 0)
		return -1;
	return check_key_ring();
}

void env_skip_keys(bool skip)
{
	keys_skipped = skip;
}

int env_load(const char *path)
{
	struct config old = config;
	struct saved *old_saved = saved_strings;
	int rc;

	/* Built aside, so that a configuration that does not load leaves the running one intact. */
	saved_strings = NULL;
	config = defaults;
	rc = load_all(path);
	free(config_dir);
	config_dir = NULL;
	if (rc < 0) {
		free_saved(saved_strings);
		saved_strings = old_saved;
		config = old;
		return -1;
	}
	free_saved(old_saved);
	generation++;
	log_set_level((enum log_level)config.log_level);
	return 0;
}
