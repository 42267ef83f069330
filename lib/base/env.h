/* Configuration in one place: defaults, then the config file, then STOCKTAKE_* environment. */
#ifndef STOCKTAKE_ENV_H
#define STOCKTAKE_ENV_H

#include <stdbool.h>
#include <stddef.h>

/* One HS256 key of the JWT key ring: tokens name it in their "kid" header. */
struct jwt_key {
	const char *kid;    /* [A-Za-z0-9._-]{1,64} */
	const char *secret; /* the key's bytes, at least JWT_KEY_MIN */
	size_t len;
};

/* Verify-only keys a configuration may list. */
#define JWT_KEYS_MAX 16
/* Shortest key accepted: HS256 wants at least its hash's 32 bytes. */
#define JWT_KEY_MIN 32

struct config {
	/* MariaDB: socket wins over host/port when set. */
	const char *db_host;     /* db_host, default "127.0.0.1" */
	unsigned int db_port;    /* db_port, default 3306 */
	const char *db_socket;   /* db_socket, default NULL */
	const char *db_user;     /* db_user, default "stocktake" */
	const char *db_password; /* db_password, default "" */
	const char *db_name;     /* db_name, default "stocktake" */
	/* db_nodes: Galera Cluster nodes in writer order (socket paths or host[:port]), default
	 * NULL; when set it replaces db_socket/db_host (lib/db/db_nodes.h). */
	const char *db_nodes;
	/* Seconds before a database connect, read or write gives up: a hung node (SIGSTOP, a
	 * stalled host) must not hang the handlers. db_read_timeout also bounds the longest
	 * silence of the server on one statement (lib/db/db.c). */
	long db_connect_timeout; /* db_connect_timeout, default 2 */
	long db_read_timeout;    /* db_read_timeout, default 10 */
	long db_write_timeout;   /* db_write_timeout, default 10 */
	/*
	 * JWT HS256 key ring. The legacy key, read from jwt_secret_file or given inline as
	 * jwt_secret, has kid "default"; it signs when no jwt_signing_key is set.
	 */
	const char *jwt_secret; /* bytes of the legacy key (file contents, trailing newline cut) */
	size_t jwt_secret_len;
	struct jwt_key jwt_signing;              /* jwt_signing_key = KID:PATH; kid NULL: unset */
	struct jwt_key jwt_verify[JWT_KEYS_MAX]; /* jwt_verify_keys = KID:PATH, ...: verify only */
	size_t jwt_verify_count;
	const char *jwt_issuer;    /* jwt_issuer, default "stocktake" */
	const char *jwt_audience;  /* jwt_audience, default "stocktake-api" */
	long jwt_ttl;              /* jwt_ttl seconds, default 3600 */
	size_t body_max;           /* body_max bytes, default 1048576 */
	const char *templates_dir; /* templates_dir, default TEMPLATES_DIR from configure */
	int log_level;             /* log_level: debug|info|warn|error, default info */
	int workers;               /* workers per handler pool, default 4 */
	/* --listen sockets are mode 0660; this group (the web server's) may connect. */
	const char *socket_group; /* socket_group, default NULL: the process's own group */
	/*
	 * metrics_dir: where each pool's supervisor keeps its shared counters (GROUP.metrics) and
	 * where /api/metrics reads them all; default NULL: the directory of --listen's socket,
	 * else $RUNTIME_DIRECTORY (systemd), else none (no metrics).
	 */
	const char *metrics_dir;
};

/*
 * Loads the configuration once per process. path NULL means $STOCKTAKE_CONFIG,
 * or SYSCONFDIR "/stocktake.conf" when that is unset; a missing default file is
 * not an error, a missing named file is. File lines are "key = value", '#' comments.
 * Every key can be overridden by the environment as STOCKTAKE_<KEY upper-cased>
 * (STOCKTAKE_DB_SOCKET, STOCKTAKE_JWT_SECRET_FILE, ...).
 * Key files (jwt_secret_file, the PATH of jwt_signing_key and jwt_verify_keys)
 * not starting with '/' are read from $CREDENTIALS_DIRECTORY when it is set (systemd's
 * LoadCredential=), else from the config file's directory. Every key is at least
 * JWT_KEY_MIN bytes and key ids are unique. Returns 0, or -1 with a logged reason
 * and the configuration as it was before the call (a reload that fails changes nothing).
 */
int env_load(const char *path);

/*
 * For programs that sign and check no token (stocktake-admin): env_load then checks the
 * key options' form but reads no key file, so such a program runs as root outside systemd,
 * where a credential name (a relative path) has no $CREDENTIALS_DIRECTORY to be found in.
 */
void env_skip_keys(bool skip);

/* Sets one key as the file would ("db_port", "8"); returns -1 for unknown keys or bad values. */
int env_set(const char *key, const char *value);

/* The process-wide configuration (defaults until env_load runs). */
const struct config *env_get(void);

/*
 * The key new tokens are signed with: jwt_signing_key, else the legacy key (kid
 * "default"); NULL when neither is configured.
 */
const struct jwt_key *env_jwt_signing_key(void);

/*
 * The key named kid among the signing, verify-only and legacy keys; kid NULL
 * (a token without "kid") names "default". NULL when there is no such key.
 */
const struct jwt_key *env_jwt_key(const char *kid);

/*
 * A number that changes whenever the configuration does (env_load, env_set,
 * env_reset): what is derived from keys or settings and kept across requests
 * compares it to know that it is stale.
 */
unsigned long env_generation(void);

/*
 * Back to the defaults, freeing every loaded string (env_load starts with it;
 * tests use it). Pointers taken from env_get() before are invalid afterwards.
 */
void env_reset(void);

#endif
