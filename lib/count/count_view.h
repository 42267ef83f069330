/* What count session endpoints return: sessions, assignments, lines, records, variances. */
#ifndef STOCKTAKE_COUNT_VIEW_H
#define STOCKTAKE_COUNT_VIEW_H

#include <stdbool.h>

#include <json-c/json.h>

#include "count/count.h"

struct arena;
struct request;

/*
 * What one caller may see of one session. Supervisors (COUNT_SUPERVISOR_SCOPES)
 * see everything; everyone else sees no system quantities in a blind_quantities
 * session and no system serials in a blind_serials session (the fields are left
 * out, not null), and only their own count records.
 */
struct count_view {
	const char *tenant_id;
	const char *user_id;
	bool supervisor;
	bool show_qty;
	bool show_serials;
};

void count_view_init(struct count_view *v, const struct count_session *s, const char *tenant_id,
                     const char *user_id, const char *scopes);

/* The count_session document (_key, _id, _rev, ... as the 000 document names them); NULL if none.
 */
int count_view_session(struct arena *a, const char *tenant_id, const char *id,
                       struct json_object **out);

/* List filters; status, type and search NULL when not given. */
struct count_list_filter {
	const char *status;
	const char *type;
	const char *search;
	long long limit;
	long long offset;
};

/* A page of the tenant's sessions, newest first, and the total matching. 0 or -1. */
int count_view_list(struct arena *a, const char *tenant_id, const struct count_list_filter *f,
                    struct json_object **out, long long *total);

/*
 * The session's assignments (each with its progress: targets counted of total,
 * a target being counted once its user recorded in every key of it) and the
 * session's progress (targets, records, open conflicts). 0 or -1.
 */
int count_view_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct json_object **assignments,
                           struct json_object **progress);

/* The baseline lines to count (all for supervisors, the caller's targets otherwise). 0 or -1. */
int count_view_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct json_object **out);

/* Count records (all for supervisors, the caller's own otherwise), a page and the total. */
int count_view_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct json_object **out,
                       long long *total);

/* One record by id, as count_view_records shows it; NULL when none. 0 or -1. */
int count_view_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct json_object **out);

/* The variances (count_lines) and a summary {lines, variances, conflicts}. 0 or -1. */
int count_view_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct json_object **out, struct json_object **summary);

/*
 * The variances as a CSV download (bin_code, sku, item_name, lot_number,
 * system_qt, counted_qt, difference, conflict). 0, or -1 on a DB error, with
 * nothing sent yet.
 */
int count_view_variances_csv(struct request *r, const struct count_session *s);

#endif
