/* Unit tests for lib/html/chart.c: the step chart, stacked bars and progress bar geometry, numbers
 * checked, with empty data, one point, huge and negative values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "html/chart.h"
#include "html/view.h"

static struct arena *a;

static int setup(void **state)
{
	(void)state;
	a = arena_new(4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(a);
	return 0;
}

static const char *str(const struct view *m, const char *key)
{
	const char *s = view_str(view_get(m, key));

	assert_non_null(s);
	return s;
}

static double num(const struct view *m, const char *key)
{
	return strtod(str(m, key), NULL);
}

/* The labels of a tick list, joined by spaces. */
static const char *labels(const struct view *ticks)
{
	static char out[512];

	out[0] = '\0';
	for (size_t i = 0; i < view_len(ticks); i++) {
		if (i)
			strcat(out, " ");
		strcat(out, view_str(view_get(view_at(ticks, i), "label")));
	}
	return out;
}

#define PLOT_BOTTOM (CHART_H - CHART_BOTTOM)
#define PLOT_RIGHT (CHART_W - CHART_RIGHT)

static void test_short(void **state)
{
	(void)state;
	assert_string_equal(chart_short(a, 0), "0");
	assert_string_equal(chart_short(a, 9999), "9999");
	assert_string_equal(chart_short(a, -9999), "-9999");
	assert_string_equal(chart_short(a, 12500), "12.5k");
	assert_string_equal(chart_short(a, 250000), "250k");
	assert_string_equal(chart_short(a, 999999), "1.0M");
	assert_string_equal(chart_short(a, -3400000), "-3.4M");
	assert_string_equal(chart_short(a, 9223372036854775807LL), "9.2E");
	assert_string_equal(chart_short(a, (-9223372036854775807LL - 1)), "-9.2E");
}

static void test_step_empty(void **state)
{
	struct view *m = chart_step(a, NULL, 0, 1000, "UTC", CHART_W);

	(void)state;
	assert_true(view_bool(view_get(m, "empty")));
	assert_null(view_get(m, "line"));
}

static void test_step_one_point(void **state)
{
	struct chart_point p = {1686825000, 40};
	struct view *m = chart_step(a, &p, 1, 1686825000 + 3 * 86400, "UTC", CHART_W);

	(void)state;
	assert_false(view_bool(view_get(m, "empty")));
	assert_string_equal(str(m, "view_box"), "0 0 400 220");
	/* 0..40 in steps of 10: 40 is the top of the plot, a flat line across it. */
	assert_string_equal(labels(view_get(m, "y_ticks")), "0 10 20 30 40");
	assert_string_equal(str(m, "line"), "M44.0 10.0H392.0");
	assert_string_equal(str(m, "area"), "M44.0 10.0H392.0V196.0H44.0Z");
	assert_true(num(m, "zero_y") == PLOT_BOTTOM);
	assert_true(num(m, "last_x") == PLOT_RIGHT);
	assert_true(num(m, "last_y") == CHART_TOP);
	assert_string_equal(labels(view_get(m, "x_ticks")), "15 Jun 16 Jun 17 Jun 18 Jun");
	/* A single point with no time after it still spans the plot. */
	m = chart_step(a, &p, 1, 0, "UTC", CHART_W);
	assert_string_equal(str(m, "line"), "M44.0 10.0H392.0");
	assert_string_equal(labels(view_get(m, "x_ticks")), "10:30 10:30 10:30 10:30");
}

static void test_step_steps(void **state)
{
	/* 100 at t=0, 50 at half time, 150 at three quarters, until t=4000. */
	struct chart_point p[] = {{0, 100}, {2000, 50}, {3000, 150}};
	struct view *m = chart_step(a, p, 3, 4000, "UTC", CHART_W);

	(void)state;
	/* 0..150 in steps of 50 over 186 units: 50 is 62 units. */
	assert_string_equal(labels(view_get(m, "y_ticks")), "0 50 100 150");
	assert_string_equal(str(m, "line"), "M44.0 72.0H218.0V134.0H305.0V10.0H392.0");
	assert_int_equal(view_int(view_get(m, "min")), 50);
	assert_int_equal(view_int(view_get(m, "max")), 150);
	assert_string_equal(labels(view_get(m, "x_ticks")), "00:00 00:22 00:44 01:06");
	/* Local days: the same instant is a day later in Tokyo. */
	m = chart_step(a, (struct chart_point[]){{1686780000, 1}}, 1, 1686780000 + 5 * 86400,
	               "Asia/Tokyo", CHART_W);
	assert_string_equal(view_str(view_get(view_at(view_get(m, "x_ticks"), 0), "label")),
	                    "15 Jun");
	/* Beyond half a year the labels are months with their year. */
	m = chart_step(a, (struct chart_point[]){{1686780000, 1}}, 1, 1686780000 + 400 * 86400,
	               "UTC", CHART_W);
	assert_string_equal(labels(view_get(m, "x_ticks")), "Jun 2023 Oct 2023 Mar 2024 Jul 2024");
	/* The wide chart: twice the units, the same steps drawn twice as wide, eight labels. */
	m = chart_step(a, p, 3, 4000, "UTC", CHART_WIDE);
	assert_string_equal(str(m, "view_box"), "0 0 800 220");
	assert_string_equal(str(m, "line"), "M44.0 72.0H418.0V134.0H605.0V10.0H792.0");
	assert_int_equal(view_len(view_get(m, "x_ticks")), 8);
	/* Narrower than CHART_W is CHART_W. */
	m = chart_step(a, p, 3, 4000, "UTC", 100);
	assert_string_equal(str(m, "view_box"), "0 0 400 220");
}

static void test_step_negative(void **state)
{
	struct chart_point p[] = {{0, -20}, {10, 30}};
	struct view *m = chart_step(a, p, 2, 20, "UTC", CHART_W);

	(void)state;
	/* A span of 50 in steps of 20: -20..40 over 186 units, zero a third up. */
	assert_string_equal(labels(view_get(m, "y_ticks")), "-20 0 20 40");
	assert_string_equal(str(m, "zero_y"), "134.0");
	assert_string_equal(str(m, "line"), "M44.0 196.0H218.0V41.0H392.0");
	/* The area closes on the zero line, above and below it. */
	assert_string_equal(str(m, "area"), "M44.0 196.0H218.0V41.0H392.0V134.0H44.0Z");
}

static void test_step_huge(void **state)
{
	struct chart_point p[] = {
	    {0, 9000000000000000000LL}, {10, 1}, {20, -9000000000000000000LL}};
	struct view *m = chart_step(a, p, 3, 30, "UTC", CHART_W);
	const struct view *ticks = view_get(m, "y_ticks");

	(void)state;
	assert_true(view_len(ticks) >= 3 && view_len(ticks) <= 11);
	assert_string_equal(view_str(view_get(view_at(ticks, 0), "label")), "-9.2E");
	assert_string_equal(view_str(view_get(view_at(ticks, view_len(ticks) - 1), "label")),
	                    "9.2E");
	/* Every coordinate stays inside the viewBox. */
	assert_true(num(m, "last_y") >= CHART_TOP && num(m, "last_y") <= PLOT_BOTTOM);
	assert_null(strstr(str(m, "line"), "nan"));
	assert_null(strstr(str(m, "line"), "inf"));
}

static void test_bars(void **state)
{
	const char *days[] = {"1", "2", "3"};
	const char *types[] = {"Receive", "Pick"};
	long long counts[] = {3, 1, 0, 0, 10, -5};
	struct view *m = chart_bars(a, 3, days, 2, types, counts);
	const struct view *bars = view_get(m, "bars"), *segs;

	(void)state;
	assert_false(view_bool(view_get(m, "empty")));
	assert_int_equal(view_int(view_get(m, "max")), 10);
	assert_string_equal(labels(view_get(m, "y_ticks")), "0 5 10");
	assert_int_equal(view_len(bars), 3);
	/* Slots of 348/3 units, bars 70% of them centred. */
	assert_string_equal(str(view_at(bars, 0), "x"), "61.4");
	assert_string_equal(str(view_at(bars, 0), "w"), "81.2");
	/* Bar 1: 3 receives at the bottom, 1 pick on top; 186 units for 10. */
	segs = view_get(view_at(bars, 0), "segs");
	assert_int_equal(view_len(segs), 2);
	assert_string_equal(str(view_at(segs, 0), "y"), "140.2");
	assert_string_equal(str(view_at(segs, 0), "h"), "55.8");
	assert_int_equal(view_int(view_get(view_at(segs, 1), "series")), 1);
	assert_string_equal(str(view_at(segs, 1), "y"), "121.6");
	assert_int_equal(view_int(view_get(view_at(bars, 0), "total")), 4);
	/* Bar 2 has nothing; bar 3 a negative count, drawn as nothing. */
	assert_int_equal(view_len(view_get(view_at(bars, 1), "segs")), 0);
	assert_int_equal(view_len(view_get(view_at(bars, 2), "segs")), 1);
	assert_int_equal(view_int(view_get(view_at(bars, 2), "total")), 10);
	assert_string_equal(str(view_at(view_get(view_at(bars, 2), "segs"), 0), "y"), "10.0");
	assert_string_equal(labels(view_get(m, "legend")), "Receive Pick");
	assert_string_equal(labels(view_get(m, "x_ticks")), "1 2 3");
}

static void test_bars_empty_and_many(void **state)
{
	const char *days[30];
	long long counts[30] = {0};
	struct view *m;

	(void)state;
	for (int i = 0; i < 30; i++)
		days[i] = arena_sprintf(a, "d%d", i + 1);
	m = chart_bars(a, 30, days, 1, (const char *[]){"All"}, counts);
	assert_true(view_bool(view_get(m, "empty")));
	assert_string_equal(labels(view_get(m, "y_ticks")), "0 1");
	/* At most five labels, the last day among them. */
	assert_string_equal(labels(view_get(m, "x_ticks")), "d6 d12 d18 d24 d30");
	assert_string_equal(labels(view_get(m, "legend")), "All");
	/* A series without counts has no legend entry; the others keep their colours. */
	counts[3] = 2;
	m = chart_bars(a, 10, days, 3, (const char *[]){"A", "B", "C"}, counts);
	assert_string_equal(labels(view_get(m, "legend")), "A");
	assert_int_equal(view_int(view_get(view_at(view_get(m, "legend"), 0), "series")), 0);
	counts[3] = 0;
	counts[5] = 1;
	m = chart_bars(a, 10, days, 3, (const char *[]){"A", "B", "C"}, counts);
	assert_string_equal(labels(view_get(m, "legend")), "C");
	assert_int_equal(view_int(view_get(view_at(view_get(m, "legend"), 0), "series")), 2);
	m = chart_bars(a, 0, NULL, 0, NULL, NULL);
	assert_int_equal(view_len(view_get(m, "bars")), 0);
}

static void test_progress(void **state)
{
	struct view *m;

	(void)state;
	m = chart_progress(a, 12, 40);
	assert_int_equal(view_int(view_get(m, "pct")), 30);
	assert_string_equal(str(m, "w"), "30.0");
	assert_string_equal(str(m, "label"), "12 of 40 (30%)");
	m = chart_progress(a, 0, 0);
	assert_int_equal(view_int(view_get(m, "pct")), 0);
	assert_string_equal(str(m, "w"), "0.0");
	assert_string_equal(str(m, "label"), "0 of 0 (0%)");
	m = chart_progress(a, 1, 10000);
	assert_string_equal(str(m, "w"), "1.0");
	m = chart_progress(a, 50, 40);
	assert_int_equal(view_int(view_get(m, "pct")), 100);
	assert_string_equal(str(m, "w"), "100.0");
	m = chart_progress(a, -3, 40);
	assert_string_equal(str(m, "w"), "0.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short),          cmocka_unit_test(test_step_empty),
	    cmocka_unit_test(test_step_one_point), cmocka_unit_test(test_step_steps),
	    cmocka_unit_test(test_step_negative),  cmocka_unit_test(test_step_huge),
	    cmocka_unit_test(test_bars),           cmocka_unit_test(test_bars_empty_and_many),
	    cmocka_unit_test(test_progress),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
