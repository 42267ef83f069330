/*
 * Unit tests for lib/db/db_ready.c: the expected schema version comes from db/migrations, the
 * reasons given for each state, and (against a live MariaDB, STOCKTAKE_TEST_DB_SOCKET, else
 * skipped) the state of the migrated devstack database.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "db/db_ready.h"
#include "unit_db.h"

static struct arena *arena;

/* The highest NNN of db/migrations/NNN_*.sql, read here independently of make's rule. */
static long highest_migration(void)
{
	const char *src = getenv("STOCKTAKE_SRCDIR");
	char dir[1024];
	DIR *d;
	struct dirent *e;
	long best = 0;

	snprintf(dir, sizeof(dir), "%s/db/migrations", src ? src : ".");
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strlen(e->d_name) > 8 && e->d_name[3] == '_' && strstr(e->d_name, ".sql") &&
		    strtol(e->d_name, NULL, 10) > best)
			best = strtol(e->d_name, NULL, 10);
	closedir(d);
	return best;
}

static void test_expected_is_the_newest_migration(void **state)
{
	assert_true(db_schema_expected() > 0);
	assert_int_equal(db_schema_expected(), highest_migration());
}

static void test_problems(void **state)
{
	long want = db_schema_expected();
	struct db_ready st = {.applied = want};
	char text[200];

	assert_null(db_ready_problem(arena, &st));

	st.applied = want - 1;
	snprintf(text, sizeof(text),
	         "schema version %ld is behind this build's %ld: run stocktake-migrate", want - 1,
	         want);
	assert_string_equal(db_ready_problem(arena, &st), text);

	st.applied = want + 1;
	assert_non_null(strstr(db_ready_problem(arena, &st), "is ahead of this build's"));

	st.applied = -1;
	assert_non_null(strstr(db_ready_problem(arena, &st), "has no schema"));
	assert_non_null(strstr(db_ready_problem(arena, &st), "run stocktake-migrate"));

	st.applied = want;
	st.read_only = true;
	assert_non_null(strstr(db_ready_problem(arena, &st), "read-only"));

	st.read_only = false;
	st.galera = true;
	assert_non_null(strstr(db_ready_problem(arena, &st), "wsrep_ready OFF"));
	st.wsrep_ready = true;
	assert_null(db_ready_problem(arena, &st));
}

/* The devstack database (or a Synced node of the cluster's): writable, migrated to this build. */
static void test_live_database(void **state)
{
	struct db_ready st;

	if (unit_db_connect() != 0)
		skip();
	assert_int_equal(db_ready_read(arena, &st), 0);
	assert_false(st.read_only);
	/* ./devstack test --cluster runs this against node 1 of the Galera stack. */
	if (st.galera)
		assert_true(st.wsrep_ready);
	assert_int_equal(st.applied, db_schema_expected());
	assert_null(db_ready_problem(arena, &st));
	db_close();
}

static int setup(void **state)
{
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	return 0;
}

static int teardown(void **state)
{
	arena_free(arena);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expected_is_the_newest_migration),
	    cmocka_unit_test(test_problems),
	    cmocka_unit_test(test_live_database),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
