/* Unit tests for base/env.c: defaults, file syntax, value checks, secret file, file < environment,
 * the JWT key ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/env.h"
#include "base/log.h"

extern char **environ;

static char dir[] = "/tmp/test_env_XXXXXX";

static char *path_in_dir(const char *name)
{
	static char paths[4][256];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The runner's own STOCKTAKE_* variables must not leak into the tests. */
static void clear_stocktake_env(void)
{
	for (;;) {
		char name[128];
		char **e;

		for (e = environ; *e; e++)
			if (strncmp(*e, "STOCKTAKE_", 10) == 0)
				break;
		if (!*e)
			return;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
		unsetenv(name);
	}
}

static int setup(void **state)
{
	clear_stocktake_env();
	env_reset();
	return 0;
}

static int teardown(void **state)
{
	clear_stocktake_env();
	env_reset();
	log_set_level(LOGL_INFO);
	return 0;
}

static void test_defaults(void **state)
{
	const struct config *c = env_get();

	assert_string_equal(c->db_host, "127.0.0.1");
	assert_int_equal(c->db_port, 3306);
	assert_null(c->db_socket);
	assert_string_equal(c->db_user, "stocktake");
	assert_string_equal(c->db_password, "");
	assert_string_equal(c->db_name, "stocktake");
	assert_null(c->jwt_secret);
	assert_int_equal(c->jwt_secret_len, 0);
	assert_string_equal(c->jwt_issuer, "stocktake");
	assert_string_equal(c->jwt_audience, "stocktake-api");
	assert_int_equal(c->jwt_ttl, 3600);
	assert_int_equal(c->body_max, 1048576);
	assert_non_null(c->templates_dir);
	assert_int_equal(c->log_level, LOGL_INFO);
	assert_int_equal(c->workers, 4);
}

static void test_set_values(void **state)
{
	const struct config *c = env_get();

	assert_int_equal(env_set("db_port", "3307"), 0);
	assert_int_equal(c->db_port, 3307);
	assert_int_equal(env_set("db_port", "0"), -1);
	assert_int_equal(env_set("db_port", "65536"), -1);
	assert_int_equal(env_set("db_port", "33o6"), -1);
	assert_int_equal(env_set("db_port", ""), -1);
	assert_int_equal(c->db_port, 3307);
	assert_int_equal(env_set("jwt_ttl", "-5"), -1);
	assert_int_equal(env_set("jwt_ttl", "900"), 0);
	assert_int_equal(c->jwt_ttl, 900);
	assert_int_equal(env_set("body_max", "2048"), 0);
	assert_int_equal(c->body_max, 2048);
	assert_int_equal(env_set("body_max", "99999999999999999999999"), -1);
	assert_int_equal(env_set("workers", "257"), -1);
	assert_int_equal(env_set("workers", "8"), 0);
	assert_int_equal(c->workers, 8);
	assert_int_equal(env_set("log_level", "loud"), -1);
	assert_int_equal(env_set("log_level", "debug"), 0);
	assert_int_equal(c->log_level, LOGL_DEBUG);
	assert_int_equal(env_set("db_socket", "/run/mysqld.sock"), 0);
	assert_string_equal(c->db_socket, "/run/mysqld.sock");
	assert_int_equal(env_set("db_socket", ""), 0);
	assert_null(c->db_socket);
	assert_int_equal(env_set("db_password", ""), 0);
	assert_string_equal(c->db_password, "");
	assert_int_equal(env_set("jwt_secret", "inline-inline-inline-inline-inline"), 0);
	assert_int_equal(c->jwt_secret_len, 34);
	assert_memory_equal(c->jwt_secret, "inline-inline-inline-inline-inline", 34);
	assert_int_equal(env_set("jwt_secret", ""), -1);
	/* HS256 keys shorter than the hash are refused. */
	assert_int_equal(env_set("jwt_secret", "0123456789abcdef0123456789abcde"), -1);
	assert_int_equal(env_set("no_such_key", "1"), -1);
	assert_int_equal(env_set("db_user", NULL), -1);
}

static void test_load_file(void **state)
{
	const struct config *c = env_get();
	char *conf = path_in_dir("a.conf");
	char *secret = path_in_dir("secret");
	char text[1024];

	write_file(secret, "0123456789abcdef0123456789abcdef\n\n \t");
	snprintf(text, sizeof(text),
	         "# devstack config\n"
	         "\n"
	         "  db_socket = /srv/var/run/mysqld.sock  \n"
	         "db_user=stocktake_app\n"
	         "db_password = \"p#ss = word \"\n"
	         "db_name = 'inv'\n"
	         "jwt_secret_file = %s\n"
	         "jwt_ttl = 600\n"
	         "log_level = warn\n"
	         "some_nginx_key = ignored\n",
	         secret);
	write_file(conf, text);
	assert_int_equal(env_load(conf), 0);
	assert_string_equal(c->db_socket, "/srv/var/run/mysqld.sock");
	assert_string_equal(c->db_user, "stocktake_app");
	assert_string_equal(c->db_password, "p#ss = word ");
	assert_string_equal(c->db_name, "inv");
	assert_int_equal(c->jwt_secret_len, 32);
	assert_memory_equal(c->jwt_secret, "0123456789abcdef0123456789abcdef", 33);
	assert_int_equal(c->jwt_ttl, 600);
	assert_int_equal(c->log_level, LOGL_WARN);
	/* Untouched keys keep their defaults. */
	assert_string_equal(c->db_host, "127.0.0.1");
	assert_int_equal(c->workers, 4);
	unlink(secret);
	unlink(conf);
}

static void test_environment_beats_file(void **state)
{
	const struct config *c = env_get();
	char *conf = path_in_dir("b.conf");

	write_file(conf, "db_user = from_file\ndb_port = 3310\nworkers = 2\njwt_secret = "
	                 "filesecret-filesecret-filesecret-12\n");
	setenv("STOCKTAKE_DB_USER", "from_env", 1);
	setenv("STOCKTAKE_WORKERS", "6", 1);
	setenv("STOCKTAKE_JWT_SECRET", "envsecret-envsecret-envsecret-123", 1);
	assert_int_equal(env_load(conf), 0);
	assert_string_equal(c->db_user, "from_env");
	assert_int_equal(c->db_port, 3310);
	assert_int_equal(c->workers, 6);
	assert_int_equal(c->jwt_secret_len, 33);
	assert_memory_equal(c->jwt_secret, "envsecret-envsecret-envsecret-123", 33);

	/* A bad environment value fails the load. */
	setenv("STOCKTAKE_DB_PORT", "port", 1);
	assert_int_equal(env_load(conf), -1);
	unlink(conf);
}

static void test_config_from_environment(void **state)
{
	char *conf = path_in_dir("c.conf");

	write_file(conf, "db_name = via_env_path\n");
	setenv("STOCKTAKE_CONFIG", conf, 1);
	assert_int_equal(env_load(NULL), 0);
	assert_string_equal(env_get()->db_name, "via_env_path");
	/* env_load starts over from the defaults. */
	write_file(conf, "db_user = other\n");
	assert_int_equal(env_load(NULL), 0);
	assert_string_equal(env_get()->db_name, "stocktake");
	assert_string_equal(env_get()->db_user, "other");
	unlink(conf);
}

static void test_errors(void **state)
{
	char *conf = path_in_dir("d.conf");
	char *secret = path_in_dir("empty_secret");
	char text[512];

	assert_int_equal(env_load(path_in_dir("missing.conf")), -1);

	write_file(conf, "db_user = a\nthis line has no equals sign\n");
	assert_int_equal(env_load(conf), -1);

	write_file(conf, "db_port = many\n");
	assert_int_equal(env_load(conf), -1);

	snprintf(text, sizeof(text), "jwt_secret_file = %s\n", path_in_dir("no_secret"));
	write_file(conf, text);
	assert_int_equal(env_load(conf), -1);

	/* An empty key would let anyone sign tokens. */
	write_file(secret, " \n");
	snprintf(text, sizeof(text), "jwt_secret_file = %s\n", secret);
	write_file(conf, text);
	assert_int_equal(env_load(conf), -1);
	unlink(secret);
	unlink(conf);
}

/* ---- the JWT key ring ---- */

#define KEY_A "key-a-key-a-key-a-key-a-key-a-key-a"
#define KEY_B "key-b-key-b-key-b-key-b-key-b-key-b"

static void test_key_ring(void **state)
{
	char *conf = path_in_dir("ring.conf");
	const struct jwt_key *k;

	write_file(path_in_dir("a.key"), KEY_A "\n");
	write_file(path_in_dir("b.key"), KEY_B);
	write_file(path_in_dir("legacy"), "legacy-legacy-legacy-legacy-legacy");
	/* Relative paths are read from the config file's directory. */
	write_file(conf, "jwt_secret_file = legacy\n"
	                 "jwt_signing_key = b2:b.key\n"
	                 "jwt_verify_keys =  a1 : a.key ,\n");
	assert_int_equal(env_load(conf), 0);
	k = env_jwt_signing_key();
	assert_string_equal(k->kid, "b2");
	assert_int_equal(k->len, strlen(KEY_B));
	assert_memory_equal(k->secret, KEY_B, k->len);
	assert_memory_equal(env_jwt_key("a1")->secret, KEY_A, strlen(KEY_A));
	/* The legacy key is kid "default", and the one key a token without kid is checked with. */
	assert_memory_equal(env_jwt_key(NULL)->secret, "legacy-", 7);
	assert_memory_equal(env_jwt_key("default")->secret, "legacy-", 7);
	assert_null(env_jwt_key("b3"));
	assert_int_equal(env_get()->jwt_verify_count, 1);

	/* Without jwt_signing_key the legacy key signs, as "default". */
	write_file(conf, "jwt_secret_file = legacy\n");
	assert_int_equal(env_load(conf), 0);
	assert_string_equal(env_jwt_signing_key()->kid, "default");
	assert_null(env_jwt_key("b2"));
	unlink(conf);
}

static void test_key_ring_credentials_directory(void **state)
{
	char conf[256];

	snprintf(conf, sizeof(conf), "%s", path_in_dir("cred.conf"));

	mkdir(path_in_dir("creds"), 0700);
	write_file(path_in_dir("creds/sign"), KEY_A);
	write_file(conf, "jwt_signing_key = k:sign\n");
	setenv("CREDENTIALS_DIRECTORY", path_in_dir("creds"), 1);
	assert_int_equal(env_load(conf), 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_memory_equal(env_jwt_signing_key()->secret, KEY_A, strlen(KEY_A));
	/* Not there without it: the config file's directory has no "sign". */
	assert_int_equal(env_load(conf), -1);
	unlink(path_in_dir("creds/sign"));
	rmdir(path_in_dir("creds"));
	unlink(conf);
}

static void test_key_ring_errors(void **state)
{
	static const char *const bad[] = {
	    "jwt_signing_key = a.key\n",                                  /* no kid */
	    "jwt_signing_key = a:a.key, b:b.key\n",                       /* more than one */
	    "jwt_signing_key = a b:a.key\n",                              /* kid with a space */
	    "jwt_signing_key = a:\n",                                     /* no path */
	    "jwt_signing_key = a:missing.key\n",                          /* no file */
	    "jwt_signing_key = a:short.key\n",                            /* < 32 bytes */
	    "jwt_signing_key = a:a.key\njwt_verify_keys = a:b.key\n",     /* kid twice */
	    "jwt_secret_file = a.key\njwt_verify_keys = default:b.key\n", /* "default" twice */
	    "jwt_verify_keys = a:a.key\n",                                /* nothing signs */
	};
	char *conf = path_in_dir("bad.conf");

	write_file(path_in_dir("a.key"), KEY_A);
	write_file(path_in_dir("b.key"), KEY_B);
	write_file(path_in_dir("short.key"), "0123456789abcdef0123456789abcde\n");
	write_file(conf, "db_name = kept\njwt_signing_key = a:a.key\n");
	assert_int_equal(env_load(conf), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long gen = env_generation();

		write_file(conf, bad[i]);
		assert_int_equal(env_load(conf), -1);
		/* A failed load (a reload) leaves the running configuration as it was. */
		assert_string_equal(env_get()->db_name, "kept");
		assert_string_equal(env_jwt_signing_key()->kid, "a");
		assert_memory_equal(env_jwt_signing_key()->secret, KEY_A, strlen(KEY_A));
		assert_int_equal(env_generation(), gen);
	}
	unlink(conf);
}

/* A program that signs nothing loads a config whose key is a credential it cannot read. */
static void test_skip_keys(void **state)
{
	char *conf = path_in_dir("skip.conf");

	write_file(conf, "db_name = skipped\njwt_signing_key = k:jwt_k\n");
	assert_int_equal(env_load(conf), -1);
	env_skip_keys(true);
	assert_int_equal(env_load(conf), 0);
	assert_string_equal(env_get()->db_name, "skipped");
	/* The options' form is still checked. */
	write_file(conf, "jwt_signing_key = no-kid\n");
	assert_int_equal(env_load(conf), -1);
	env_skip_keys(false);
	unlink(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_environment_beats_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_from_environment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_ring_credentials_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_ring_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_skip_keys, setup, teardown),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (const char *const *f =
	         (const char *const[]){"a.key", "b.key", "legacy", "short.key", NULL};
	     *f; f++)
		unlink(path_in_dir(*f));
	rmdir(dir);
	return rc;
}
