/* The overview's pictures: transactions per day over the last 30 days by type, and the progress of
 * the open count sessions and their assignments. */
#include <string.h>
#include <time.h>

#include "admin.h"
#include "base/arena.h"
#include "base/tz.h"
#include "base/valid.h"
#include "count/count_overview.h"
#include "db/db.h"
#include "html/chart.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "stock/itx_days.h"
#include "stock/ledger.h"
#include "web/req.h"

/* Days of the chart, today the last; sessions shown at most. */
#define OVERVIEW_DAYS 30
#define OVERVIEW_SESSIONS 8
/* The ledger's types, an upper bound checked against ledger_types. */
#define TYPES_MAX 16

static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char *admin_today_start(struct request *r)
{
	time_t start = tz_day_start(page_zone(r), time(NULL));
	struct tm tm;

	gmtime_r(&start, &tm);
	return arena_sprintf(r->arena, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
	                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The starts of the last OVERVIEW_DAYS local days and the end of today (OVERVIEW_DAYS + 1). */
static void day_bounds(const char *zone, time_t now, time_t *bounds)
{
	bounds[OVERVIEW_DAYS] = tz_next_day(zone, now);
	for (size_t d = OVERVIEW_DAYS; d > 0; d--)
		/* Noon before a day's start is in the day before, whatever its length. */
		bounds[d - 1] = tz_day_start(zone, bounds[d] - 12 * 3600);
}

/* The chart's data as a table: a row per day (newest first), a column per type that occurs. */
static struct view *day_rows(struct request *r, const struct view *chart, const long long *counts,
                             size_t ntypes, const time_t *bounds)
{
	const struct view *legend = view_get(chart, "legend");
	struct view *rows = view_list(r->arena);
	const char *zone = page_zone(r);

	for (size_t d = OVERVIEW_DAYS; d > 0; d--) {
		struct view *row = view_map(r->arena), *cells = view_list(r->arena);
		struct tm tm;
		long long total = 0;

		tz_local(zone, bounds[d - 1] + 12 * 3600, &tm);
		view_set_str(row, "day",
		             arena_sprintf(r->arena, "%s %04d-%02d-%02d", weekdays[tm.tm_wday],
		                           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
		for (size_t k = 0; k < view_len(legend); k++)
			view_push_int(
			    cells, counts[(d - 1) * ntypes + (size_t)view_int(view_get(
			                                         view_at(legend, k), "series"))]);
		for (size_t k = 0; k < ntypes; k++)
			total += counts[(d - 1) * ntypes + k];
		view_set(row, "counts", cells);
		view_set_int(row, "total", total);
		view_push(rows, row);
	}
	return rows;
}

/* The chart's words for screen readers: the period, the total and the busiest day. */
static void days_words(struct request *r, struct view *chart, const struct view *rows)
{
	long long sum = 0, best = -1;
	const char *best_day = "";

	for (size_t i = 0; i < view_len(rows); i++) {
		long long t = view_int(view_get(view_at(rows, i), "total"));

		sum += t;
		if (t > best) {
			best = t;
			best_day = view_str(view_get(view_at(rows, i), "day"));
		}
	}
	view_set_str(chart, "id", "days-chart");
	view_set_str(chart, "title", "Transactions per day, last 30 days");
	view_set_str(
	    chart, "desc",
	    arena_sprintf(r->arena,
	                  "Stacked bars by transaction type, days in %s: %lld transactions "
	                  "in all; the busiest day %s with %lld.",
	                  page_zone(r), sum, best_day, best));
}

static int overview_days(struct request *r, struct view *page)
{
	const char *zone = page_zone(r), *labels[OVERVIEW_DAYS], *types[TYPES_MAX];
	time_t bounds[OVERVIEW_DAYS + 1];
	long long counts[OVERVIEW_DAYS * TYPES_MAX];
	size_t ntypes = 0;
	struct view *chart, *rows;

	while (ledger_types[ntypes] && ntypes < TYPES_MAX) {
		types[ntypes] = listing_label(r->arena, ledger_types[ntypes]);
		ntypes++;
	}
	day_bounds(zone, time(NULL), bounds);
	if (itx_days(r->arena, r->caller->tenant_id, bounds, OVERVIEW_DAYS, counts) < 0)
		return -1;
	for (size_t d = 0; d < OVERVIEW_DAYS; d++) {
		struct tm tm;

		tz_local(zone, bounds[d] + 12 * 3600, &tm);
		labels[d] = arena_sprintf(r->arena, "%d %s", tm.tm_mday, months[tm.tm_mon]);
	}
	chart = chart_bars(r->arena, OVERVIEW_DAYS, labels, ntypes, types, counts);
	rows = day_rows(r, chart, counts, ntypes, bounds);
	days_words(r, chart, rows);
	view_set(page, "days_chart", chart);
	view_set(page, "days_rows", rows);
	return 0;
}

/* The progress of each session and of its assignments (rows in session order). */
static struct view *session_view(struct request *r, const struct db_rows *s, size_t i,
                                 const struct db_rows *p)
{
	struct view *o = view_map(r->arena), *assignments = view_list(r->arena);
	const char *id = db_cell(s, i, COUNT_OV_ID);
	long long targets = 0, counted = 0;

	for (size_t k = 0; k < p->nrows; k++) {
		struct view *g;
		long long t = 0, c = 0;

		if (strcmp(db_cell(p, k, COUNT_OV_SESSION), id) != 0)
			continue;
		(void)valid_int64(db_cell(p, k, COUNT_OV_TARGETS), &t);
		(void)valid_int64(db_cell(p, k, COUNT_OV_COUNTED), &c);
		g = view_map(r->arena);
		view_set_str(g, "username", db_cell(p, k, COUNT_OV_USERNAME));
		view_set(g, "progress", chart_progress(r->arena, c, t));
		view_push(assignments, g);
		targets += t;
		counted += c;
	}
	view_set_str(o, "href", arena_sprintf(r->arena, PAGE_ROOT "/count-sessions/%s", id));
	view_set_str(o, "code", db_cell(s, i, COUNT_OV_CODE));
	view_set_str(o, "status", db_cell(s, i, COUNT_OV_STATUS));
	view_set_str(o, "type_label", listing_label(r->arena, db_cell(s, i, COUNT_OV_TYPE)));
	view_set_str(o, "description", db_cell(s, i, COUNT_OV_DESCRIPTION));
	view_set(o, "progress", chart_progress(r->arena, counted, targets));
	view_set(o, "assignments", assignments);
	/* The session's own bar only says something new when it sums several assignments. */
	view_set_bool(o, "several", view_len(assignments) > 1);
	return o;
}

static int overview_counts(struct request *r, struct view *page)
{
	struct db_rows sessions, progress;
	struct view *list = view_list(r->arena);

	if (count_overview(r->arena, r->caller->tenant_id, OVERVIEW_SESSIONS, &sessions,
	                   &progress) < 0)
		return -1;
	for (size_t i = 0; i < sessions.nrows; i++)
		view_push(list, session_view(r, &sessions, i, &progress));
	view_set(page, "open_sessions", list);
	view_set_bool(page, "has_open_sessions", view_len(list) > 0);
	view_set_bool(page, "show_sessions", true);
	return 0;
}

int admin_overview(struct request *r, struct view *page)
{
	if (page_can(r, ADMIN_READ_SCOPES) && overview_days(r, page) < 0)
		return -1;
	if (page_can(r, ADMIN_COUNT_READ_SCOPES) && overview_counts(r, page) < 0)
		return -1;
	view_set_bool(page, "has_overview",
	              page_can(r, ADMIN_READ_SCOPES) || page_can(r, ADMIN_COUNT_READ_SCOPES));
	return 0;
}
