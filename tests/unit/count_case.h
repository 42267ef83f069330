/* Unit test helper: the group and case set-ups every DB-backed count test shares (include once). */
#ifndef STOCKTAKE_COUNT_CASE_H
#define STOCKTAKE_COUNT_CASE_H

#include "base/arena.h"
#include "base/log.h"
#include "count_fixture.h"
#include "db/db.h"

static struct arena *arena;
static bool have_db;

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	have_db = fx_connect(arena);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	db_close();
	arena_free(arena);
	return 0;
}

static int case_setup(void **state)
{
	(void)state;
	if (have_db)
		fx_begin(arena);
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		fx_end();
	return 0;
}

#define DB_CASE(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)

#endif
