/*
 * Unit tests for lib/html/choices.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET): a
 * select's choices come from the worker's copy only while the fingerprint is theirs, and every
 * change of what the select shows changes the fingerprint. Each case's rows are rolled back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "html/choices.h"
#include "html/listing.h"
#include "unit_db.h"

#define TENANT "d0000000-0000-4000-8000-0000000000c1"
#define EMPTY_TENANT "d0000000-0000-4000-8000-0000000000c2"
#define W1 "d3000000-0000-4000-8000-0000000000c1"
#define W2 "d3000000-0000-4000-8000-0000000000c2"

static const struct listing_options warehouses = {"id", "CONCAT(code, ' · ', name)", "code",
                                                  "FROM warehouses WHERE tenant_id = ?"};

static struct arena *arena;

/* One transaction for the whole group, rolled back at its end: the cases read and change the two
 * warehouses in turn. Without a database every case skips. */
static int with_warehouses(void **state)
{
	static const char *const fixture[] = {
	    "INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'choices'), ('" EMPTY_TENANT
	    "', 'none')",
	    "INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" W1 "', '" TENANT
	    "', 'South', 'S'), ('" W2 "', '" TENANT "', 'North', 'N')",
	    NULL};

	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	*state = NULL;
	if (unit_db_connect() < 0)
		return 0;
	*state = arena;
	assert_int_equal(db_begin(), 0);
	for (size_t i = 0; fixture[i]; i++)
		assert_int_equal(db_exec(arena, NULL, fixture[i], NULL), 0);
	return 0;
}

static int rolled_back(void **state)
{
	if (*state) {
		assert_int_equal(db_rollback(), 0);
		db_close();
	}
	arena_free(arena);
	return 0;
}

static void change(const char *sql)
{
	assert_int_equal(db_exec(arena, NULL, sql, NULL), 0);
}

/* What a page's query reads along: the fingerprint of tenant's warehouses. */
static const char *fingerprint(const char *tenant)
{
	struct db_rows rows;
	const char *sql =
	    arena_sprintf(arena, "SELECT %s", choices_fingerprint_item(arena, &warehouses, "f"));

	assert_int_equal(db_exec(arena, &rows, sql, "s", tenant), 0);
	assert_int_equal(rows.nrows, 1);
	return db_cell(&rows, 0, 0);
}

static void test_read_in_key_order(void **state)
{
	struct db_rows rows;

	if (!*state)
		skip();
	assert_int_equal(choices_read(arena, &warehouses, TENANT, NULL, &rows), 0);
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(db_cell(&rows, 0, 0), W2);
	assert_string_equal(db_cell(&rows, 0, 1), "N · North");
	assert_string_equal(db_cell(&rows, 1, 0), W1);
	assert_string_equal(db_cell(&rows, 1, 1), "S · South");
}

static void test_fingerprint_follows_what_is_shown(void **state)
{
	const char *f0, *f1, *f2, *f3;

	if (!*state)
		skip();
	f0 = fingerprint(TENANT);
	assert_non_null(f0);
	assert_int_equal(strlen(f0), strlen("2:") + 32);
	assert_string_equal(fingerprint(TENANT), f0); /* stable */
	assert_string_equal(fingerprint(EMPTY_TENANT), "");
	change("UPDATE warehouses SET name = 'Southerly' WHERE id = '" W1 "'");
	assert_string_not_equal((f1 = fingerprint(TENANT)), f0);
	change("UPDATE warehouses SET address = 'elsewhere' WHERE id = '" W1 "'");
	assert_string_equal(fingerprint(TENANT), f1); /* not shown: the same */
	change("INSERT INTO warehouses (id, tenant_id, name, code) VALUES (UUID(), '" TENANT
	       "', 'East', 'E')");
	assert_string_not_equal((f2 = fingerprint(TENANT)), f1);
	change("UPDATE warehouses SET code = 'A' WHERE id = '" W1
	       "'"); /* the label, and the order */
	assert_string_not_equal((f3 = fingerprint(TENANT)), f2);
	change("DELETE FROM warehouses WHERE code = 'E' AND tenant_id = '" TENANT "'");
	assert_string_not_equal(fingerprint(TENANT), f3);
}

/* The copy answers only for its own fingerprint; a stale one reads (and keeps) afresh. */
static void test_copy_only_for_its_fingerprint(void **state)
{
	struct db_rows rows;
	const char *f0;
	unsigned long before;

	if (!*state)
		skip();
	f0 = fingerprint(TENANT);
	assert_int_equal(choices_read(arena, &warehouses, TENANT, NULL, &rows), 0);
	before = db_statement_count();
	assert_int_equal(choices_read(arena, &warehouses, TENANT, f0, &rows), 0);
	assert_int_equal(db_statement_count(), before); /* from the copy */
	assert_int_equal(rows.nrows, 2);
	assert_string_equal(db_cell(&rows, 1, 1), "S · South");
	change("UPDATE warehouses SET name = 'Southern' WHERE id = '" W1 "'");
	before = db_statement_count();
	assert_int_equal(choices_read(arena, &warehouses, TENANT, fingerprint(TENANT), &rows), 0);
	assert_int_equal(db_statement_count(), before + 2); /* the fingerprint, then the read */
	assert_string_equal(db_cell(&rows, 1, 1), "S · Southern");
	before = db_statement_count();
	assert_int_equal(choices_read(arena, &warehouses, TENANT, fingerprint(TENANT), &rows), 0);
	assert_int_equal(db_statement_count(), before + 1); /* kept again */
	assert_string_equal(db_cell(&rows, 1, 1), "S · Southern");
	/* Another tenant's copy is not this one's, whatever the fingerprint. */
	before = db_statement_count();
	assert_int_equal(choices_read(arena, &warehouses, EMPTY_TENANT, f0, &rows), 0);
	assert_int_equal(db_statement_count(), before + 1);
	assert_int_equal(rows.nrows, 0);
	before = db_statement_count();
	assert_int_equal(choices_read(arena, &warehouses, EMPTY_TENANT, "", &rows), 0);
	assert_int_equal(db_statement_count(), before);
	assert_int_equal(rows.nrows, 0);
}

int main(void)
{
	/* In this order: each case starts where the one before left the warehouses. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_in_key_order),
	    cmocka_unit_test(test_copy_only_for_its_fingerprint),
	    cmocka_unit_test(test_fingerprint_follows_what_is_shown),
	};

	return cmocka_run_group_tests(tests, with_warehouses, rolled_back);
}
