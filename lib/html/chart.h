/*
 * Charts of the admin pages as inline SVG: the geometry (coordinates, paths,
 * ticks and their labels) computed here as views (html/view.h), the markup in
 * the templates chart_step.html, chart_bars.html and chart_progress.html, so
 * every value reaches the page through the templates' escaping. All charts
 * draw in a fixed viewBox (CHART_W x CHART_H user units) that the stylesheet
 * scales to the width of the page; no scripts, no external resources.
 */
#ifndef STOCKTAKE_CHART_H
#define STOCKTAKE_CHART_H

#include <stddef.h>
#include <time.h>

struct arena;
struct view;

/*
 * The viewBox of the charts (a step chart may be wider: CHART_WIDE for wide
 * screens) and the plot area inside it (room for the labels).
 */
#define CHART_W 400
#define CHART_WIDE 800
#define CHART_H 220
#define CHART_LEFT 44
#define CHART_RIGHT 8
#define CHART_TOP 10
#define CHART_BOTTOM 24

/* One step of a step chart: the value from time t on (until the next point). */
struct chart_point {
	time_t t;
	long long v;
};

/*
 * A step chart of pts (n of them, in time order) up to end (the last step
 * extends to it; an end before the last point is the last point), times
 * labelled in zone, in a viewBox width units wide (at least CHART_W; wider
 * charts get more time labels, about one per 100 units). The map: empty (true when n is 0, nothing
 * else set), the frame (view_box, width; left, right, top, bottom: the plot's edges; ylabel_x and
 * xlabel_y: where axis labels stand), line (the step path), area (the path filled under it down to
 * the zero line), zero_y, y_ticks and x_ticks ({pos, label}: pos is y or x), last_x, last_y (the
 * current value's marker), min and max (the values).
 */
struct view *chart_step(struct arena *a, const struct chart_point *pts, size_t n, time_t end,
                        const char *zone, int width);

/*
 * A stacked bar chart: ncols bars (labels col_labels) of nseries stacked
 * segments each, counts[col * nseries + s] (negative counts are drawn as 0).
 * The map: the frame as above, max (the highest total), y_ticks and x_ticks as above
 * (at most 5 labels under the bars), bars ({x, w, label, total, segs: {y, h,
 * series}}, series the index for the stylesheet's colour classes; empty
 * segments left out), legend ({label, series} of the series with a count
 * above 0, or of all when none has one) and empty (no count at all).
 */
struct view *chart_bars(struct arena *a, size_t ncols, const char *const *col_labels,
                        size_t nseries, const char *const *series_labels, const long long *counts);

/*
 * A progress bar of done out of total: {done, total, pct (whole percent,
 * 0..100, done beyond total is 100), w (the filled width of a 100 unit bar,
 * with a sliver for any progress above 0), label ("12 of 40 (30%)")}.
 */
struct view *chart_progress(struct arena *a, long long done, long long total);

/*
 * A value as a short axis label: up to 9999 as it is, then 12.5k, 3.4M, 1.2G,
 * 5.6T, 7.8P, 9.2E (one decimal below 100 of the unit); negative with "-".
 */
const char *chart_short(struct arena *a, long long v);

#endif
