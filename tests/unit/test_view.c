/* Unit tests for lib/html/view.c: maps, lists, scalars, replacing and unsetting, shared containers,
 * database rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "db/db.h"
#include "html/view.h"

static struct arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(256);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	return 0;
}

static void test_scalars(void **state)
{
	struct view *m = view_map(arena);

	(void)state;
	view_set_str(m, "s", "text");
	view_set_str(m, "null", NULL);
	view_set_int(m, "i", -42);
	view_set_bool(m, "yes", true);
	view_set_bool(m, "no", false);
	assert_int_equal(view_kind(view_get(m, "s")), VIEW_STR);
	assert_string_equal(view_str(view_get(m, "s")), "text");
	/* A null is there (it hides outer contexts), unlike a missing key. */
	assert_non_null(view_get(m, "null"));
	assert_int_equal(view_kind(view_get(m, "null")), VIEW_NULL);
	assert_null(view_get(m, "missing"));
	assert_int_equal(view_int(view_get(m, "i")), -42);
	assert_true(view_bool(view_get(m, "yes")));
	assert_false(view_bool(view_get(m, "no")));
	assert_int_equal(view_kind(view_get(m, "no")), VIEW_BOOL);
	/* The wrong kind reads as nothing. */
	assert_null(view_str(view_get(m, "i")));
	assert_int_equal(view_int(view_get(m, "s")), 0);
	assert_null(view_get(view_get(m, "s"), "x"));
	assert_false(view_bool(view_get(m, "i")));
	/* Text is not copied: the view holds the caller's pointer. */
	{
		static const char text[] = "kept";

		view_set_str(m, "p", text);
		assert_ptr_equal(view_str(view_get(m, "p")), text);
	}
}

/* Lists hold scalars too, in order; a null element is there, of kind null. */
static void test_list_scalars(void **state)
{
	struct view *l = view_list(arena), *m = view_map(arena);

	(void)state;
	view_push_str(l, "a");
	view_push_int(l, 7);
	view_push_bool(l, true);
	view_push_str(l, NULL);
	view_push(l, m);
	assert_int_equal(view_len(l), 5);
	assert_string_equal(view_str(view_at(l, 0)), "a");
	assert_int_equal(view_int(view_at(l, 1)), 7);
	assert_true(view_bool(view_at(l, 2)));
	assert_non_null(view_at(l, 3));
	assert_int_equal(view_kind(view_at(l, 3)), VIEW_NULL);
	assert_int_equal(view_kind(view_at(l, 4)), VIEW_MAP);
	assert_null(view_at(l, 5));
	assert_null(view_get(l, "a")); /* a list is no map */
}

/* A result row as the API's JSON shows it: nested by dotted labels, all-null groups null. */
static void test_row(void **state)
{
	const char *names[] = {"id",       "quantity",      "timestamp", "item.sku", "item.name",
	                       "bin.code", "bin.zone.name", "note",      "amount"};
	enum db_coltype types[] = {DB_COL_STR, DB_COL_INT, DB_COL_TIME, DB_COL_STR, DB_COL_STR,
	                           DB_COL_STR, DB_COL_STR, DB_COL_STR,  DB_COL_DEC};
	char *cells[] = {"t1",    "-5",   "2023-06-15 10:30:00",
	                 "SKU-1", "Bolt", NULL,
	                 NULL,    "",     "1.50",
	                 "t2",    "0",    NULL,
	                 NULL,    NULL,   "A-1",
	                 NULL,    NULL,   NULL};
	struct db_rows rows = {
	    .nrows = 2, .ncols = 9, .cells = cells, .colnames = names, .coltypes = types};
	struct view *r0, *r1;

	(void)state;
	r0 = view_row(arena, &rows, 0);
	r1 = view_row(arena, &rows, 1);
	assert_string_equal(view_str(view_get(r0, "id")), "t1");
	assert_int_equal(view_kind(view_get(r0, "quantity")), VIEW_INT);
	assert_int_equal(view_int(view_get(r0, "quantity")), -5);
	assert_string_equal(view_str(view_get(r0, "timestamp")), "2023-06-15T10:30:00Z");
	assert_string_equal(view_str(view_get(view_get(r0, "item"), "sku")), "SKU-1");
	assert_string_equal(view_str(view_get(view_get(r0, "item"), "name")), "Bolt");
	/* bin.code and bin.zone.name all NULL: bin is null, not a map of nulls. */
	assert_non_null(view_get(r0, "bin"));
	assert_int_equal(view_kind(view_get(r0, "bin")), VIEW_NULL);
	assert_string_equal(view_str(view_get(r0, "note")), "");
	assert_string_equal(view_str(view_get(r0, "amount")), "1.50");
	/* Row 2: item all NULL is null; bin keeps its code, its zone (all NULL) null. */
	assert_int_equal(view_int(view_get(r1, "quantity")), 0);
	assert_int_equal(view_kind(view_get(r1, "timestamp")), VIEW_NULL);
	assert_int_equal(view_kind(view_get(r1, "item")), VIEW_NULL);
	assert_int_equal(view_kind(view_get(r1, "bin")), VIEW_MAP);
	assert_string_equal(view_str(view_get(view_get(r1, "bin"), "code")), "A-1");
	assert_int_equal(view_kind(view_get(view_get(r1, "bin"), "zone")), VIEW_NULL);
	assert_int_equal(view_kind(view_get(r1, "note")), VIEW_NULL);
}

static void test_replace_and_unset(void **state)
{
	struct view *m = view_map(arena);

	(void)state;
	view_set_str(m, "a", "1");
	view_set_str(m, "b", "2");
	view_set_str(m, "c", "3");
	view_set_int(m, "a", 7);
	assert_int_equal(view_kind(view_get(m, "a")), VIEW_INT);
	assert_int_equal(view_int(view_get(m, "a")), 7);
	view_set(m, "b", NULL);
	assert_null(view_get(m, "b"));
	assert_string_equal(view_str(view_get(m, "c")), "3");
	view_set(m, "never", NULL);
	assert_null(view_get(m, "never"));
}

static void test_growth(void **state)
{
	struct view *m = view_map(arena), *l = view_list(arena);
	char keys[100][8];

	(void)state;
	for (int i = 0; i < 100; i++) {
		struct view *o = view_map(arena);

		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		view_set_int(m, keys[i], i);
		view_set_int(o, "n", i);
		view_push(l, o);
	}
	assert_int_equal(view_len(l), 100);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(view_int(view_get(m, keys[i])), i);
		assert_int_equal(view_int(view_get(view_at(l, (size_t)i), "n")), i);
	}
	assert_null(view_at(l, 100));
	assert_int_equal(view_len(m), 0); /* a map is no list */
}

/* A map or list set into another is shared: what is added afterwards is seen through both. */
static void test_shared_containers(void **state)
{
	struct view *ctx = view_map(arena), *list = view_list(arena), *inner = view_map(arena);

	(void)state;
	view_set(ctx, "list", list);
	view_set(ctx, "inner", inner);
	view_push(list, inner);
	view_set_str(inner, "late", "yes");
	assert_int_equal(view_len(view_get(ctx, "list")), 1);
	assert_string_equal(view_str(view_get(view_get(ctx, "inner"), "late")), "yes");
	assert_string_equal(view_str(view_get(view_at(view_get(ctx, "list"), 0), "late")), "yes");
	assert_int_equal(view_kind(view_get(ctx, "list")), VIEW_LIST);
	assert_int_equal(view_kind(view_get(ctx, "inner")), VIEW_MAP);
	assert_int_equal(view_kind(NULL), VIEW_NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars), cmocka_unit_test(test_list_scalars),
	    cmocka_unit_test(test_row),     cmocka_unit_test(test_replace_and_unset),
	    cmocka_unit_test(test_growth),  cmocka_unit_test(test_shared_containers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
