/* The geometry of the admin pages' SVG charts (step chart, stacked bars, progress bar) as views. */
#include "html/chart.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/tz.h"
#include "html/view.h"

/* The plot's width in a chart w units wide. */
#define PLOT_W(w) ((double)(w)-CHART_LEFT - CHART_RIGHT)
#define PLOT_H (CHART_H - CHART_TOP - CHART_BOTTOM)
#define Y_TICKS 4
#define X_LABELS 5

/* Without libm: the values here are far from the ranges where these need care. */
static double absd(double x)
{
	return x < 0 ? -x : x;
}

/* The largest whole number not above x, for |x| well inside the long long range. */
static double floord(double x)
{
	long long i = (long long)x;

	return (double)i > x ? (double)(i - 1) : (double)i;
}

static double ceild(double x)
{
	return -floord(-x);
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char *chart_short(struct arena *a, long long v)
{
	static const char units[] = "kMGTPE";
	/* In double: -LLONG_MIN does not fit a long long. */
	double x = absd((double)v);
	const char *sign = v < 0 ? "-" : "";
	size_t u = 0;

	if (x < 10000)
		return arena_sprintf(a, "%lld", v);
	x /= 1000;
	while (x >= 999.95 && u + 1 < sizeof(units) - 1) {
		x /= 1000;
		u++;
	}
	if (x < 99.95)
		return arena_sprintf(a, "%s%.1f%c", sign, x, units[u]);
	return arena_sprintf(a, "%s%.0f%c", sign, x, units[u]);
}

/* A number of user units as SVG wants it: one decimal, no "-0.0". */
static void put_num(struct buf *b, double x)
{
	if (absd(x) < 0.05)
		x = 0;
	buf_appendf(b, "%.1f", x);
}

/* A tick spacing of 1, 2 or 5 times a power of ten, giving about Y_TICKS steps over span. */
static double nice_step(double span)
{
	double raw = span / Y_TICKS, p = 1, f;

	while (p * 10 <= raw)
		p *= 10;
	while (p > raw)
		p /= 10;
	f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

struct scale {
	double lo, hi; /* the values at the bottom and top of the plot */
};

static double y_of(const struct scale *s, double v)
{
	return CHART_TOP + PLOT_H - (v - s->lo) / (s->hi - s->lo) * PLOT_H;
}

/* A tick's value as a whole number; the double may have rounded beyond the long long range. */
static long long tick_value(double v)
{
	if (absd(v) >= 9.2e18)
		return v < 0 ? -9200000000000000000LL : 9200000000000000000LL;
	return (long long)(v + (v < 0 ? -0.5 : 0.5));
}

/* Ticks from lo to hi (rounded out to whole steps, 0 among them) and the scale they span. */
static struct view *y_ticks(struct arena *a, double lo, double hi, struct scale *s)
{
	struct view *ticks = view_list(a);
	double step;

	if (lo > 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (hi - lo < 1)
		hi = lo + 1;
	/* Quantities are whole units: no tick between two of them. */
	step = nice_step(hi - lo);
	if (step < 1)
		step = 1;
	s->lo = floord(lo / step) * step;
	s->hi = ceild(hi / step) * step;
	for (double v = s->lo; v <= s->hi + step / 2; v += step) {
		struct view *t = view_map(a);
		struct buf b;

		buf_init(&b);
		put_num(&b, y_of(s, v));
		view_set_str(t, "pos", arena_strdup(a, buf_cstr(&b)));
		buf_release(&b);
		/* Huge values: the double may round beyond the long long range. */
		view_set_str(t, "label", chart_short(a, tick_value(v)));
		view_push(ticks, t);
	}
	return ticks;
}

static void set_num(struct arena *a, struct view *m, const char *key, double x)
{
	struct buf b;

	buf_init(&b);
	put_num(&b, x);
	view_set_str(m, key, arena_strdup(a, buf_cstr(&b)));
	buf_release(&b);
}

/* What a time axis labels: the time of day, the day, or the month. */
enum time_unit { BY_CLOCK, BY_DAY, BY_MONTH };

/* The local time of t as a short label of unit. */
static const char *time_label(struct arena *a, const char *zone, time_t t, enum time_unit unit)
{
	struct tm tm;

	if (tz_local(zone, t, &tm) < 0)
		return "";
	if (unit == BY_CLOCK)
		return arena_sprintf(a, "%02d:%02d", tm.tm_hour, tm.tm_min);
	if (unit == BY_MONTH)
		return arena_sprintf(a, "%s %d", months[tm.tm_mon], tm.tm_year + 1900);
	return arena_sprintf(a, "%d %s", tm.tm_mday, months[tm.tm_mon]);
}

/* A time axis: from t0 to t1 over the plot of a chart w units wide. */
struct time_axis {
	time_t t0, t1;
	int w;
};

static double x_of_time(const struct time_axis *ax, time_t t)
{
	return CHART_LEFT + (double)(t - ax->t0) / (double)(ax->t1 - ax->t0) * PLOT_W(ax->w);
}

/* A label per 100 units or so (4 on the narrow chart), the first and last at the plot's ends. */
static struct view *time_ticks(struct arena *a, const char *zone, const struct time_axis *ax)
{
	struct view *ticks = view_list(a);
	time_t t0 = ax->t0, t1 = ax->t1;
	int nt = ax->w / 100 < 4 ? 4 : ax->w / 100;
	/* Hours under two days, months (with the year) beyond half a year, else days. */
	enum time_unit unit = t1 - t0 < 2 * 86400     ? BY_CLOCK
	                      : t1 - t0 > 183 * 86400 ? BY_MONTH
	                                              : BY_DAY;

	for (int i = 0; i < nt; i++) {
		time_t t = t0 + (time_t)((double)(t1 - t0) * i / (nt - 1));
		struct view *tick = view_map(a);

		set_num(a, tick, "pos", x_of_time(ax, t));
		view_set_str(tick, "label", time_label(a, zone, t, unit));
		view_set_str(tick, "anchor", i == 0 ? "start" : i == nt - 1 ? "end" : "middle");
		view_push(ticks, tick);
	}
	return ticks;
}

/* The plot's edges and where the axis labels stand, for the templates' gridlines and labels. */
static void set_frame(struct arena *a, struct view *m, int w)
{
	view_set_str(m, "view_box", arena_sprintf(a, "0 0 %d %d", w, CHART_H));
	view_set_int(m, "width", w);
	view_set_int(m, "left", CHART_LEFT);
	view_set_int(m, "right", w - CHART_RIGHT);
	view_set_int(m, "top", CHART_TOP);
	view_set_int(m, "bottom", CHART_H - CHART_BOTTOM);
	view_set_int(m, "ylabel_x", CHART_LEFT - 6);
	view_set_int(m, "xlabel_y", CHART_H - 6);
}

/* The step path through pts and, closed down to base, the area under it. */
static void step_paths(struct arena *a, struct view *m, const struct chart_point *pts, size_t n,
                       const struct time_axis *ax, const struct scale *s)
{
	double base = y_of(s, 0), x = CHART_LEFT, y = y_of(s, (double)pts[0].v);
	struct buf line;

	buf_init(&line);
	buf_puts(&line, "M");
	put_num(&line, x);
	buf_puts(&line, " ");
	put_num(&line, y);
	for (size_t i = 1; i < n; i++) {
		x = x_of_time(ax, pts[i].t < ax->t0 ? ax->t0 : pts[i].t);
		y = y_of(s, (double)pts[i].v);
		buf_puts(&line, "H");
		put_num(&line, x);
		buf_puts(&line, "V");
		put_num(&line, y);
	}
	buf_puts(&line, "H");
	put_num(&line, CHART_LEFT + PLOT_W(ax->w));
	set_num(a, m, "last_x", CHART_LEFT + PLOT_W(ax->w));
	set_num(a, m, "last_y", y);
	view_set_str(m, "line", arena_strdup(a, buf_cstr(&line)));
	buf_puts(&line, "V");
	put_num(&line, base);
	buf_puts(&line, "H");
	put_num(&line, CHART_LEFT);
	buf_puts(&line, "Z");
	view_set_str(m, "area", arena_strdup(a, buf_cstr(&line)));
	buf_release(&line);
}

struct view *chart_step(struct arena *a, const struct chart_point *pts, size_t n, time_t end,
                        const char *zone, int width)
{
	struct view *m = view_map(a);
	struct time_axis ax = {0, 0, width < CHART_W ? CHART_W : width};
	long long lo, hi;
	struct scale s;

	view_set_bool(m, "empty", n == 0);
	if (n == 0)
		return m;
	lo = hi = pts[0].v;
	for (size_t i = 1; i < n; i++) {
		lo = pts[i].v < lo ? pts[i].v : lo;
		hi = pts[i].v > hi ? pts[i].v : hi;
	}
	ax.t0 = pts[0].t;
	ax.t1 = end > pts[n - 1].t ? end : pts[n - 1].t;
	if (ax.t1 <= ax.t0)
		ax.t1 = ax.t0 + 1;
	set_frame(a, m, ax.w);
	view_set(m, "y_ticks", y_ticks(a, (double)lo, (double)hi, &s));
	view_set(m, "x_ticks", time_ticks(a, zone, &ax));
	set_num(a, m, "zero_y", y_of(&s, 0));
	view_set_int(m, "min", lo);
	view_set_int(m, "max", hi);
	step_paths(a, m, pts, n, &ax, &s);
	return m;
}

/* One bar's segments, bottom up. */
static struct view *bar_segments(struct arena *a, const long long *c, size_t nseries,
                                 const struct scale *s, long long *total)
{
	struct view *segs = view_list(a);
	double below = 0;

	*total = 0;
	for (size_t k = 0; k < nseries; k++) {
		struct view *seg;
		double v = c[k] > 0 ? (double)c[k] : 0;

		if (v == 0)
			continue;
		seg = view_map(a);
		set_num(a, seg, "y", y_of(s, below + v));
		set_num(a, seg, "h", y_of(s, below) - y_of(s, below + v));
		view_set_int(seg, "series", (long long)k);
		view_push(segs, seg);
		below += v;
		*total += c[k];
	}
	return segs;
}

/* The series that have counts (all of them when none has), each keeping its index and colour. */
static struct view *legend(struct arena *a, size_t ncols, size_t nseries, const char *const *labels,
                           const long long *counts)
{
	struct view *list = view_list(a);
	bool any = false;

	for (size_t i = 0; i < ncols * nseries; i++)
		any |= counts[i] > 0;
	for (size_t k = 0; k < nseries; k++) {
		struct view *o = view_map(a);
		bool used = !any;

		for (size_t i = 0; i < ncols && !used; i++)
			used = counts[i * nseries + k] > 0;
		if (!used)
			continue;

		view_set_str(o, "label", labels[k]);
		view_set_int(o, "series", (long long)k);
		view_push(list, o);
	}
	return list;
}

struct view *chart_bars(struct arena *a, size_t ncols, const char *const *col_labels,
                        size_t nseries, const char *const *series_labels, const long long *counts)
{
	struct view *m = view_map(a), *bars = view_list(a), *xt = view_list(a);
	double slot = ncols ? PLOT_W(CHART_W) / (double)ncols : PLOT_W(CHART_W), max = 0;
	size_t every = ncols > X_LABELS ? (ncols + X_LABELS - 1) / X_LABELS : 1;
	struct scale s;

	for (size_t i = 0; i < ncols; i++) {
		double t = 0;

		for (size_t k = 0; k < nseries; k++)
			t += counts[i * nseries + k] > 0 ? (double)counts[i * nseries + k] : 0;
		max = t > max ? t : max;
	}
	set_frame(a, m, CHART_W);
	view_set(m, "y_ticks", y_ticks(a, 0, max, &s));
	view_set_int(m, "max", (long long)max);
	view_set_bool(m, "empty", max == 0);
	for (size_t i = 0; i < ncols; i++) {
		struct view *bar = view_map(a);
		long long total;
		double x = CHART_LEFT + slot * (double)i;

		set_num(a, bar, "x", x + slot * 0.15);
		set_num(a, bar, "w", slot * 0.7);
		view_set_str(bar, "label", col_labels[i]);
		view_set(bar, "segs", bar_segments(a, counts + i * nseries, nseries, &s, &total));
		view_set_int(bar, "total", total);
		view_push(bars, bar);
		/* The labels count back from the last column, so today is always labelled. */
		if ((ncols - 1 - i) % every == 0) {
			struct view *tick = view_map(a);

			set_num(a, tick, "pos", x + slot / 2);
			view_set_str(tick, "label", col_labels[i]);
			view_push(xt, tick);
		}
	}
	view_set(m, "bars", bars);
	view_set(m, "x_ticks", xt);
	view_set(m, "legend", legend(a, ncols, nseries, series_labels, counts));
	return m;
}

struct view *chart_progress(struct arena *a, long long done, long long total)
{
	struct view *m = view_map(a);
	double f = total > 0 && done > 0 ? (double)done / (double)total : 0;
	long long pct;

	if (f > 1)
		f = 1;
	pct = (long long)(f * 100);
	view_set_int(m, "done", done);
	view_set_int(m, "total", total);
	view_set_int(m, "pct", pct);
	/* Some progress always shows: 1 of 10,000 is not nothing. */
	set_num(a, m, "w", f > 0 && f < 0.01 ? 1 : f * 100);
	view_set_str(m, "label", arena_sprintf(a, "%lld of %lld (%lld%%)", done, total, pct));
	return m;
}
