/* What count session reads return, as rows: sessions, assignments, lines, records, variances. */
#ifndef STOCKTAKE_COUNT_VIEW_H
#define STOCKTAKE_COUNT_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "count/count.h"

struct arena;
struct buf;

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

/*
 * The count_session document as one row labelled as the 000 document names its
 * fields (_key, _id, _rev, ...; blind_quantities, blind_serials and
 * lock_positions 0/1); no rows when the tenant has no such session. 0 or -1.
 */
int count_view_session(struct arena *a, const char *tenant_id, const char *id, struct db_rows *out);

/* List filters; status, type and search NULL when not given. */
struct count_list_filter {
	const char *status;
	const char *type;
	const char *search;
	long long limit;
	long long offset;
};

/* A page of the tenant's sessions (rows as count_view_session), newest first, and the total. */
int count_view_list(struct arena *a, const char *tenant_id, const struct count_list_filter *f,
                    struct db_rows *out, long long *total);

/* Columns of count_assignment_rows.targets and .progress. */
enum count_target_col {
	COUNT_TARGET_ASSIGNMENT = 0,
	COUNT_TARGET_USER_KEY,
	COUNT_TARGET_NO,
	COUNT_TARGET_KEY
};
enum count_progress_col {
	COUNT_PROGRESS_ASSIGNMENT = 0,
	COUNT_PROGRESS_TOTAL,
	COUNT_PROGRESS_COUNTED
};

/* A session's assignments and its progress. */
struct count_assignment_rows {
	/* Per assignment (in the body's order), target and key: assignment id, user_key
	 * ("user/<username>"), target_no and key id (both NULL for an assignment without targets).
	 */
	struct db_rows targets;
	/* Per assignment: id, targets, targets counted (every key of it has a record of its user).
	 */
	struct db_rows progress;
	long long records;   /* count records of the session */
	long long conflicts; /* lines in open conflict */
};

/* The session's assignments with their progress, and its counts of records and conflicts. */
int count_view_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct count_assignment_rows *out);

/*
 * The baseline lines to count (all for supervisors, the caller's targets
 * otherwise): bin_id, bin_code, item_id, sku, item_name, lot_number (NULL for
 * none), system_qt, system_serials (newline-separated). 0 or -1.
 */
int count_view_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct db_rows *out);

/*
 * Count records (all for supervisors, the caller's own otherwise), a page and
 * the total: _key, the line's names as count_view_lines, counted_qt, serials
 * (JSON array text), user_key, source, recorded_at, updated_at, conflict (0/1),
 * system_qt, system_serials. 0 or -1.
 */
int count_view_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct db_rows *out, long long *total);

/* One record by id, as count_view_records shows it; no rows when none. 0 or -1. */
int count_view_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct db_rows *out);

/*
 * The records of the lines in open conflict (counts that differ, nobody
 * resolved them), as count_view_records shows them, by line then counter: all
 * counters' for supervisors, the caller's own otherwise. At most limit. 0 or -1.
 */
int count_view_conflicts(struct arena *a, const struct count_session *s, const struct count_view *v,
                         long long limit, struct db_rows *out);

/* The variances' summary. */
struct count_variance_summary {
	long long lines;
	long long variances; /* lines whose count differs from the baseline, conflicts aside */
	long long conflicts; /* lines in open conflict */
};

/* The variances (count_lines rows) and their summary. 0 or -1. */
int count_view_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct db_rows *out, struct count_variance_summary *sum);

/*
 * Line i of count_lines rows: *diff = counted - system; false (no difference)
 * while the line's counts conflict.
 */
bool count_view_difference(const struct db_rows *rows, size_t i, long long *diff);

/*
 * The variances as CSV text (bin_code, sku, item_name, lot_number, system_qt,
 * counted_qt, difference, conflict), header first, appended to out.
 */
void count_view_variances_csv(struct buf *out, const struct db_rows *rows);

#endif
