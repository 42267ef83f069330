/* Unit tests for stock/ledger.c: type names, quantities and each type's effect on stock (no DB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stock/ledger.h"

static void test_type_normalize(void **state)
{
	(void)state;
	for (size_t i = 0; ledger_types[i]; i++)
		assert_string_equal(ledger_type_normalize(ledger_types[i]), ledger_types[i]);
	assert_string_equal(ledger_type_normalize("adjust"), "stock_adjustment");
	assert_null(ledger_type_normalize("adjustment"));
	assert_null(ledger_type_normalize("Receive"));
	assert_null(ledger_type_normalize(""));
	assert_null(ledger_type_normalize(NULL));
}

static void test_type_lists(void **state)
{
	size_t n = 0;

	(void)state;
	while (ledger_types[n])
		n++;
	assert_int_equal(n, 7);
	n = 0;
	while (ledger_reference_types[n])
		n++;
	assert_int_equal(n, 5);
	assert_string_equal(ledger_reference_types[0], "order");
}

static void test_direction(void **state)
{
	enum ledger_dir d = LEDGER_DIR_NONE;

	(void)state;
	assert_int_equal(ledger_direction_parse("increase", &d), 0);
	assert_int_equal(d, LEDGER_DIR_INCREASE);
	assert_int_equal(ledger_direction_parse("decrease", &d), 0);
	assert_int_equal(d, LEDGER_DIR_DECREASE);
	assert_int_equal(ledger_direction_parse("up", &d), -1);
	assert_int_equal(ledger_direction_parse("", &d), -1);
	assert_int_equal(ledger_direction_parse(NULL, &d), -1);
}

static void test_quantity(void **state)
{
	(void)state;
	assert_null(ledger_quantity_error("receive", 1));
	assert_string_equal(ledger_quantity_error("receive", 0), "Quantity must be positive");
	assert_string_equal(ledger_quantity_error("pick", -3), "Quantity must be positive");
	assert_null(ledger_quantity_error("count", 0));
	assert_string_equal(ledger_quantity_error("count", -1), "Quantity must not be negative");
	assert_null(ledger_quantity_error("move", LEDGER_QTY_MAX));
	assert_string_equal(ledger_quantity_error("move", LEDGER_QTY_MAX + 1),
	                    "Quantity too large");
	assert_string_equal(ledger_quantity_error("count", INT64_MAX), "Quantity too large");
}

static void test_delta_adds_and_takes(void **state)
{
	long long d = 0;

	(void)state;
	assert_int_equal(ledger_delta("receive", 5, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, 5);
	assert_int_equal(ledger_delta("return", 2, LEDGER_DIR_NONE, 0, &d), LEDGER_OK);
	assert_int_equal(d, 2);
	assert_int_equal(ledger_delta("initial_stock", 7, LEDGER_DIR_NONE, 0, &d), LEDGER_OK);
	assert_int_equal(d, 7);
	assert_int_equal(ledger_delta("pick", 10, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, -10);
	assert_int_equal(ledger_delta("move", 4, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, -4);
}

static void test_delta_insufficient(void **state)
{
	long long d = 99;

	(void)state;
	assert_int_equal(ledger_delta("pick", 11, LEDGER_DIR_NONE, 10, &d), LEDGER_INSUFFICIENT);
	assert_int_equal(ledger_delta("move", 1, LEDGER_DIR_NONE, 0, &d), LEDGER_INSUFFICIENT);
	assert_int_equal(ledger_delta("stock_adjustment", 3, LEDGER_DIR_DECREASE, 2, &d),
	                 LEDGER_INSUFFICIENT);
	assert_int_equal(d, 99); /* untouched on refusal */
}

static void test_delta_count_sets(void **state)
{
	long long d = 0;

	(void)state;
	assert_int_equal(ledger_delta("count", 7, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, -3);
	assert_int_equal(ledger_delta("count", 12, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, 2);
	assert_int_equal(ledger_delta("count", 0, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, -10);
	assert_int_equal(ledger_delta("count", 10, LEDGER_DIR_NONE, 10, &d), LEDGER_OK);
	assert_int_equal(d, 0);
}

static void test_delta_adjustment(void **state)
{
	long long d = 0;

	(void)state;
	assert_int_equal(ledger_delta("stock_adjustment", 3, LEDGER_DIR_INCREASE, 2, &d),
	                 LEDGER_OK);
	assert_int_equal(d, 3);
	assert_int_equal(ledger_delta("stock_adjustment", 2, LEDGER_DIR_DECREASE, 2, &d),
	                 LEDGER_OK);
	assert_int_equal(d, -2);
	/* Without a direction an adjustment means nothing. */
	assert_int_equal(ledger_delta("stock_adjustment", 2, LEDGER_DIR_NONE, 2, &d),
	                 LEDGER_BAD_TYPE);
	assert_int_equal(ledger_delta("adjust", 2, LEDGER_DIR_INCREASE, 2, &d), LEDGER_BAD_TYPE);
	assert_int_equal(ledger_delta(NULL, 2, LEDGER_DIR_INCREASE, 2, &d), LEDGER_BAD_TYPE);
}

static void test_delta_overflow(void **state)
{
	long long d = 0;

	(void)state;
	assert_int_equal(ledger_delta("receive", LEDGER_QTY_MAX, LEDGER_DIR_NONE,
	                              LEDGER_QTY_MAX * 1000 - LEDGER_QTY_MAX, &d),
	                 LEDGER_OK);
	assert_int_equal(
	    ledger_delta("receive", LEDGER_QTY_MAX, LEDGER_DIR_NONE, LEDGER_QTY_MAX * 1000, &d),
	    LEDGER_OVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_normalize),
	    cmocka_unit_test(test_type_lists),
	    cmocka_unit_test(test_direction),
	    cmocka_unit_test(test_quantity),
	    cmocka_unit_test(test_delta_adds_and_takes),
	    cmocka_unit_test(test_delta_insufficient),
	    cmocka_unit_test(test_delta_count_sets),
	    cmocka_unit_test(test_delta_adjustment),
	    cmocka_unit_test(test_delta_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
