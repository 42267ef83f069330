/* A count session's transitions: the rule each action checks, its snapshot, its time, its status.
 */
#ifndef STOCKTAKE_COUNT_TRANSITION_H
#define STOCKTAKE_COUNT_TRANSITION_H

#include "count/count.h"

struct arena;

/*
 * Runs action on the session, which the caller has locked with COUNT_UPDATE,
 * inside the caller's transaction: checks the transition (409 naming the
 * current status), takes the snapshot the action needs, applies the variances
 * (COUNT_APPLY, see count_apply.h) and updates the row. 0, COUNT_REFUSED or -1.
 */
int count_transition(struct arena *a, const char *tenant_id, const struct count_session *s,
                     enum count_action action, const char *user_id, struct count_result *res);

#endif
