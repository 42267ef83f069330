/* The API's JSON of count sessions: sessions, assignments and progress, lines, records, variances.
 */
#ifndef STOCKTAKE_COUNT_JSON_H
#define STOCKTAKE_COUNT_JSON_H

#include <json-c/json.h>

#include "count/count_view.h"

struct arena;

/* The count_session document (_key, _id, _rev, ... as the 000 document names them); NULL if none.
 */
int count_json_session(struct arena *a, const char *tenant_id, const char *id,
                       struct json_object **out);

/* A page of the tenant's sessions, newest first, and the total matching. 0 or -1. */
int count_json_list(struct arena *a, const char *tenant_id, const struct count_list_filter *f,
                    struct json_object **out, long long *total);

/*
 * The session's assignments (each with its progress: targets counted of total)
 * and the session's progress (targets, records, open conflicts). 0 or -1.
 */
int count_json_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct json_object **assignments,
                           struct json_object **progress);

/* The baseline lines to count, trimmed to what v shows. 0 or -1. */
int count_json_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct json_object **out);

/* Count records as v shows them, a page and the total. 0 or -1. */
int count_json_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct json_object **out,
                       long long *total);

/* One record by id, as count_json_records shows it; NULL when none. 0 or -1. */
int count_json_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct json_object **out);

/* The variances (count lines with difference) and a summary {lines, variances, conflicts}. */
int count_json_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct json_object **out, struct json_object **summary);

/* A resolution as the resolve answer shows it: the line, counted_qt and serials. */
struct json_object *count_json_resolution(const struct count_entry *e);

#endif
