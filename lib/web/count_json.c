/* The API's JSON of count sessions, built from the rows lib/count/count_view.c reads. */
#include "web/count_json.h"

#include <string.h>

#include "base/arena.h"
#include "base/jval.h"
#include "base/log.h"
#include "db/db.h"
#include "web/row_json.h"

static struct json_object *checked(struct json_object *o)
{
	if (!o)
		log_fatal("count: out of memory (json)");
	return o;
}

/* Turns the 0/1 integer at key into a JSON boolean. */
static void to_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && v)
		jval_add_bool(o, key, json_object_get_int64(v) != 0);
}

/* Turns stored serials at key into an array: JSON array text, or newline-separated (baseline). */
static void to_serials(struct json_object *o, const char *key)
{
	struct json_object *v, *arr;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return;
	s = json_object_get_string(v);
	if (*s == '[') {
		arr = json_tokener_parse(s);
	} else {
		arr = checked(json_object_new_array());
		for (const char *p = s; *p;) {
			size_t n = strcspn(p, "\n");

			json_object_array_add(arr, json_object_new_string_len(p, (int)n));
			p += n + (p[n] ? 1 : 0);
		}
	}
	json_object_object_add(o, key, arr);
}

/* ---- sessions ---------------------------------------------------------------- */

static struct json_object *session_json(const struct db_rows *rows, size_t i)
{
	struct json_object *o = row_json(rows, i);

	to_bool(o, "blind_quantities");
	to_bool(o, "blind_serials");
	to_bool(o, "lock_positions");
	return o;
}

int count_json_session(struct arena *a, const char *tenant_id, const char *id,
                       struct json_object **out)
{
	struct db_rows rows;

	*out = NULL;
	if (count_view_session(a, tenant_id, id, &rows) < 0)
		return -1;
	if (rows.nrows)
		*out = session_json(&rows, 0);
	return 0;
}

int count_json_list(struct arena *a, const char *tenant_id, const struct count_list_filter *f,
                    struct json_object **out, long long *total)
{
	struct db_rows rows;

	*out = NULL;
	if (count_view_list(a, tenant_id, f, &rows, total) < 0)
		return -1;
	*out = checked(json_object_new_array());
	for (size_t i = 0; i < rows.nrows; i++)
		json_object_array_add(*out, session_json(&rows, i));
	return 0;
}

/* ---- assignments and progress ------------------------------------------------------ */

static struct json_object *progress_json(long long counted, long long total)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_int(o, "targets_counted", counted);
	jval_add_int(o, "targets_total", total);
	return o;
}

/* Builds the assignment objects from rows ordered by assignment, target, key. */
static struct json_object *assignments_json(const struct db_rows *rows, const struct db_rows *prog,
                                            long long *counted, long long *total)
{
	struct json_object *arr = checked(json_object_new_array());
	struct json_object *cur = NULL, *targets = NULL, *keys = NULL;
	const char *cur_id = "";
	long long cur_target = -1;

	for (size_t i = 0; i < rows->nrows; i++) {
		const char *id = db_cell(rows, i, COUNT_TARGET_ASSIGNMENT);

		if (strcmp(id, cur_id) != 0) {
			cur = checked(json_object_new_object());
			targets = checked(json_object_new_array());
			jval_add_str(cur, "_key", id);
			jval_add_str(cur, "user_key", db_cell(rows, i, COUNT_TARGET_USER_KEY));
			json_object_object_add(cur, "target_keys", targets);
			for (size_t p = 0; p < prog->nrows; p++) {
				long long done = count_cell_ll(prog, p, COUNT_PROGRESS_COUNTED);
				long long all = count_cell_ll(prog, p, COUNT_PROGRESS_TOTAL);

				if (strcmp(db_cell(prog, p, COUNT_PROGRESS_ASSIGNMENT), id) != 0)
					continue;
				json_object_object_add(cur, "progress", progress_json(done, all));
				*counted += done;
				*total += all;
			}
			json_object_array_add(arr, cur);
			cur_id = id;
			cur_target = -1;
		}
		if (!db_cell(rows, i, COUNT_TARGET_NO))
			continue;
		if (count_cell_ll(rows, i, COUNT_TARGET_NO) != cur_target) {
			keys = checked(json_object_new_array());
			json_object_array_add(targets, keys);
			cur_target = count_cell_ll(rows, i, COUNT_TARGET_NO);
		}
		json_object_array_add(keys,
		                      json_object_new_string(db_cell(rows, i, COUNT_TARGET_KEY)));
	}
	return arr;
}

int count_json_assignments(struct arena *a, const struct count_session *s,
                           const struct count_view *v, struct json_object **assignments,
                           struct json_object **progress)
{
	struct count_assignment_rows rows;
	long long counted = 0, total = 0;

	*assignments = *progress = NULL;
	if (count_view_assignments(a, s, v, &rows) < 0)
		return -1;
	*assignments = assignments_json(&rows.targets, &rows.progress, &counted, &total);
	*progress = progress_json(counted, total);
	jval_add_int(*progress, "records", rows.records);
	jval_add_int(*progress, "conflicts", rows.conflicts);
	return 0;
}

/* ---- lines and records --------------------------------------------------------------- */

/* The rows as an array of objects (the count view left out what its viewer may not see). */
static struct json_object *rows_json(const struct db_rows *rows)
{
	struct json_object *arr = checked(json_object_new_array());

	for (size_t i = 0; i < rows->nrows; i++) {
		struct json_object *o = row_json(rows, i);

		to_bool(o, "conflict");
		to_serials(o, "serials");
		to_serials(o, "system_serials");
		json_object_array_add(arr, o);
	}
	return arr;
}

int count_json_lines(struct arena *a, const struct count_session *s, const struct count_view *v,
                     struct json_object **out)
{
	struct db_rows rows;

	*out = NULL;
	if (count_view_lines(a, s, v, &rows) < 0)
		return -1;
	*out = rows_json(&rows);
	return 0;
}

int count_json_records(struct arena *a, const struct count_session *s, const struct count_view *v,
                       long long limit, long long offset, struct json_object **out,
                       long long *total)
{
	struct db_rows rows;

	*out = NULL;
	if (count_view_records(a, s, v, limit, offset, &rows, total) < 0)
		return -1;
	*out = rows_json(&rows);
	return 0;
}

int count_json_record(struct arena *a, const struct count_session *s, const struct count_view *v,
                      const char *record_id, struct json_object **out)
{
	struct db_rows rows;
	struct json_object *arr;

	*out = NULL;
	if (count_view_record(a, s, v, record_id, &rows) < 0)
		return -1;
	arr = rows_json(&rows);
	if (json_object_array_length(arr))
		*out = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return 0;
}

/* ---- variances ------------------------------------------------------------------- */

static const char *const line_labels[] = {
    [COUNT_LINE_BIN_ID] = "bin_id",
    [COUNT_LINE_BIN_CODE] = "bin_code",
    [COUNT_LINE_WAREHOUSE_ID] = "warehouse_id",
    [COUNT_LINE_ITEM_ID] = "item_id",
    [COUNT_LINE_SKU] = "sku",
    [COUNT_LINE_ITEM_NAME] = "item_name",
    [COUNT_LINE_LOT] = "lot_number",
    [COUNT_LINE_SYSTEM_QT] = "system_qt",
    [COUNT_LINE_SYSTEM_SERIALS] = "system_serials",
    [COUNT_LINE_COUNTED_QT] = "counted_qt",
    [COUNT_LINE_COUNTED_SERIALS] = "counted_serials",
    [COUNT_LINE_CONFLICT] = "conflict",
    [COUNT_LINE_RESOLVED] = "resolved",
};

/* One variance line: the count line plus difference (null while in conflict). */
static struct json_object *variance_json(const struct db_rows *rows, size_t i)
{
	struct json_object *o = checked(json_object_new_object());
	const char *lot = db_cell(rows, i, COUNT_LINE_LOT);
	long long diff;
	bool settled = count_view_difference(rows, i, &diff);

	for (size_t c = 0; c < sizeof(line_labels) / sizeof(line_labels[0]); c++) {
		const char *cell = db_cell(rows, i, c);

		if (c == COUNT_LINE_SYSTEM_QT || c == COUNT_LINE_COUNTED_QT)
			json_object_object_add(
			    o, line_labels[c],
			    cell ? json_object_new_int64(count_cell_ll(rows, i, c)) : NULL);
		else
			jval_add_str(o, line_labels[c], cell);
	}
	jval_add_str(o, "lot_number", lot && *lot ? lot : NULL);
	to_bool(o, "conflict");
	to_bool(o, "resolved");
	to_serials(o, "system_serials");
	to_serials(o, "counted_serials");
	json_object_object_add(o, "difference", settled ? json_object_new_int64(diff) : NULL);
	return o;
}

int count_json_variances(struct arena *a, const char *tenant_id, const struct count_session *s,
                         struct json_object **out, struct json_object **summary)
{
	struct db_rows rows;
	struct count_variance_summary sum;

	*out = *summary = NULL;
	if (count_view_variances(a, tenant_id, s, &rows, &sum) < 0)
		return -1;
	*out = checked(json_object_new_array());
	for (size_t i = 0; i < rows.nrows; i++)
		json_object_array_add(*out, variance_json(&rows, i));
	*summary = checked(json_object_new_object());
	jval_add_int(*summary, "lines", sum.lines);
	jval_add_int(*summary, "variances", sum.variances);
	jval_add_int(*summary, "conflicts", sum.conflicts);
	return 0;
}

struct json_object *count_json_resolution(const struct count_entry *e)
{
	struct json_object *line = checked(json_object_new_object());

	jval_add_str(line, "bin_id", e->bin_id);
	jval_add_str(line, "item_id", e->item_id);
	jval_add_str(line, "lot_number", *e->lot_number ? e->lot_number : NULL);
	jval_add_int(line, "counted_qt", e->counted_qt);
	json_object_object_add(line, "serials", e->serials ? json_tokener_parse(e->serials) : NULL);
	return line;
}
