/* The open count sessions of a tenant with each assignment's progress, for the overview page. */
#ifndef STOCKTAKE_COUNT_OVERVIEW_H
#define STOCKTAKE_COUNT_OVERVIEW_H

#include <stddef.h>

#include "db/db.h"

struct arena;

/* Columns of count_overview's sessions rows. */
enum count_overview_session_col {
	COUNT_OV_ID = 0,
	COUNT_OV_CODE,
	COUNT_OV_STATUS,
	COUNT_OV_TYPE,
	COUNT_OV_DESCRIPTION
};

/* Columns of count_overview's progress rows, one per assignment with targets. */
enum count_overview_progress_col {
	COUNT_OV_SESSION = 0,
	COUNT_OV_USERNAME,
	COUNT_OV_TARGETS,
	COUNT_OV_COUNTED
};

/*
 * The tenant's planned and started sessions, newest first, at most max
 * (sessions), and the progress of their assignments in position order
 * (progress): targets, and targets whose every key has a record of the
 * assignment's user, the rule of the session page (count_view.c). Two
 * statements: the sessions by ix_count_sessions_status, the targets of
 * those sessions by ix_count_targets_session_key with one record look-up
 * per target key. 0 or -1.
 */
int count_overview(struct arena *a, const char *tenant_id, size_t max, struct db_rows *sessions,
                   struct db_rows *progress);

#endif
