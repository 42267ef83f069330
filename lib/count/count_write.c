/* Count session writes, each one database transaction of its own (retried on deadlock). */
#include "count/count_write.h"

#include <string.h>

#include "base/arena.h"
#include "base/valid.h"
#include "count/count_scan.h"
#include "count/count_transition.h"
#include "db/db.h"

/* import's result for a dry run: everything was checked, nothing may stay (rollback). */
#define DRY_RUN_DONE 2

/* One write: what it needs and what it sets, shared by every attempt of its transaction. */
struct write {
	struct arena *a;
	const char *tenant_id;
	const char *key;
	const char *user_id;
	int (*fn)(struct write *w);
	struct count_result res;
	/* inputs of the write at hand */
	const struct field_value *vals;
	const struct count_assignment *as;
	size_t nas;
	const struct count_update *update;
	enum count_action action;
	const struct count_entry *entry;
	struct count_import *import;
	struct user_probe *probe;
	/* outputs */
	const char *id;
	struct count_session s;
};

static int write_txn(void *ctx)
{
	struct write *w = ctx;

	memset(&w->res, 0, sizeof(w->res));
	return w->fn(w);
}

/* Runs w->fn in one database transaction (again after a deadlock); res gets a refusal. */
static int run(struct write *w, struct count_result *res)
{
	int rc = db_transaction(write_txn, w);

	*res = w->res;
	return rc;
}

/* Locks the session named by w->key: 0, COUNT_REFUSED (404) or -1. */
static int lock(struct write *w, enum count_lock how)
{
	int rc = count_session_load(w->a, w->tenant_id, valid_id_norm(w->a, w->key), how, &w->s);

	if (rc > 0)
		return count_refuse(&w->res, 404, "Count session not found", w->key);
	return rc;
}

/* Refuses anything but status: 409 naming the current one. */
static int need_status(struct write *w, const char *status, const char *why)
{
	if (strcmp(w->s.status, status) == 0)
		return 0;
	return count_refuse(&w->res, 409, arena_sprintf(w->a, "Count session is %s", w->s.status),
	                    why);
}

/* ---- create, update, delete ---------------------------------------------------------- */

static int create_fn(struct write *w)
{
	return count_input_create(w->a, w->tenant_id, w->user_id, w->vals, w->as, w->nas, w->probe,
	                          &w->id, &w->res);
}

int count_write_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct field_value *vals, const struct count_assignment *as, size_t n,
                       struct user_probe *probe, const char **id, struct count_result *res)
{
	struct write w = {.a = a,
	                  .tenant_id = tenant_id,
	                  .user_id = user_id,
	                  .fn = create_fn,
	                  .vals = vals,
	                  .as = as,
	                  .nas = n,
	                  .probe = probe};
	int rc = run(&w, res);

	*id = w.id;
	return rc;
}

/* The rules of a PUT against the locked session. 0, COUNT_REFUSED or -1. */
static int check_update(struct write *w)
{
	const struct count_update *in = w->update;
	const char *field = NULL, *code = count_value_str(in->vals, "code");

	if (in->rev != w->s.rev)
		return count_refuse(&w->res, 409, "Count session was changed meanwhile",
		                    arena_sprintf(w->a,
		                                  "_rev %lld is stale; the current _rev is "
		                                  "%lld: reload and retry",
		                                  in->rev, w->s.rev));
	if (strcmp(w->s.status, "planned") != 0) {
		if (count_input_planned_change(w->a, w->tenant_id, w->s.id, in->vals, &field) < 0)
			return -1;
		if (field || in->assignments)
			return count_refuse(
			    &w->res, 409,
			    arena_sprintf(w->a, "Cannot change %s: count session is %s",
			                  field ? field : "assignments", w->s.status),
			    "code, type, blind flags, lock_positions, scheduled_start and "
			    "assignments change only while a session is planned");
	}
	return code ? count_code_free(w->a, w->tenant_id, code, w->s.id, &w->res) : 0;
}

static int update_fn(struct write *w)
{
	const struct count_update *in = w->update;
	const char *type;
	int rc;

	if ((rc = lock(w, COUNT_UPDATE)) != 0 || (rc = check_update(w)) != 0)
		return rc;
	type = count_value_str(in->vals, "type") ? count_value_str(in->vals, "type") : w->s.type;
	if (in->assignments)
		rc = count_assignments_store(w->a, w->tenant_id, w->s.id, type, in->assignments,
		                             in->nassignments, &w->res);
	else if (strcmp(type, w->s.type) != 0)
		rc = count_targets_check(w->a, w->tenant_id, w->s.id, type, &w->res);
	if (rc != 0)
		return rc;
	if (count_input_update(w->a, w->tenant_id, w->s.id, in->vals) < 0)
		return db_is_duplicate()
		           ? count_refuse(&w->res, 409, "Count session code already exists",
		                          count_value_str(in->vals, "code"))
		           : -1;
	return count_input_schedule_check(w->a, w->tenant_id, w->s.id, &w->res);
}

int count_write_update(struct arena *a, const char *tenant_id, const char *key,
                       const struct count_update *in, struct count_result *res)
{
	struct write w = {
	    .a = a, .tenant_id = tenant_id, .key = key, .fn = update_fn, .update = in};

	return run(&w, res);
}

static int delete_fn(struct write *w)
{
	int rc;

	if ((rc = lock(w, COUNT_UPDATE)) != 0 ||
	    (rc = need_status(w, "planned",
	                      "only a planned count session can be deleted; "
	                      "cancel a started one")) != 0)
		return rc;
	if (count_assignments_delete(w->a, w->tenant_id, w->s.id) < 0)
		return -1;
	return db_exec(w->a, NULL, "DELETE FROM count_sessions WHERE tenant_id = ? AND id = ?",
	               "ss", w->tenant_id, w->s.id);
}

int count_write_delete(struct arena *a, const char *tenant_id, const char *key,
                       struct count_result *res)
{
	struct write w = {.a = a, .tenant_id = tenant_id, .key = key, .fn = delete_fn};

	return run(&w, res);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static int action_fn(struct write *w)
{
	int rc;

	if ((rc = lock(w, COUNT_UPDATE)) != 0)
		return rc;
	return count_transition(w->a, w->tenant_id, &w->s, w->action, w->user_id, &w->res);
}

int count_write_action(struct arena *a, const char *tenant_id, const char *key,
                       enum count_action action, const char *user_id, struct count_result *res)
{
	struct write w = {.a = a,
	                  .tenant_id = tenant_id,
	                  .key = key,
	                  .user_id = user_id,
	                  .fn = action_fn,
	                  .action = action};

	return run(&w, res);
}

/* ---- counting ------------------------------------------------------------------------ */

/* The rules every count (record or import) passes first: started, and the caller assigned. */
static int counting_allowed(struct write *w)
{
	int rc;

	if ((rc = lock(w, COUNT_SHARE)) != 0 ||
	    (rc = need_status(w, "started",
	                      "counts are recorded only while a count session is started")) != 0)
		return rc;
	if ((rc = count_is_assigned(w->a, w->tenant_id, w->s.id, w->user_id)) <= 0)
		return rc < 0
		           ? -1
		           : count_refuse(&w->res, 403,
		                          "You are not assigned to this count session", w->s.code);
	return 0;
}

static int record_fn(struct write *w)
{
	struct count_entry e;
	int rc;

	/* A bin code, SKU or barcode where an id is expected: what a scanner or a form gives. */
	if ((rc = counting_allowed(w)) != 0 ||
	    (rc = count_scan_entry(w->a, w->tenant_id, &w->s, w->user_id, w->entry, &e, &w->res)) !=
	        0 ||
	    (rc = count_entry_check(w->a, w->tenant_id, &w->s, w->user_id, &e, &w->res)) != 0)
		return rc;
	return count_record_put(w->a, w->tenant_id, w->s.id, w->user_id, &e, "api", &w->id);
}

int count_write_record(struct arena *a, const char *tenant_id, const char *key, const char *user_id,
                       const struct count_entry *e, struct count_session *s, const char **record_id,
                       struct count_result *res)
{
	struct write w = {.a = a,
	                  .tenant_id = tenant_id,
	                  .key = key,
	                  .user_id = user_id,
	                  .fn = record_fn,
	                  .entry = e};
	int rc = run(&w, res);

	*s = w.s;
	*record_id = w.id;
	return rc;
}

static int resolve_fn(struct write *w)
{
	int rc;

	if ((rc = lock(w, COUNT_SHARE)) != 0 ||
	    (rc = need_status(w, "started",
	                      "conflicts are resolved while a count session is started")) != 0)
		return rc;
	return count_resolution_put(w->a, w->tenant_id, w->s.id, w->user_id, w->entry, &w->res);
}

int count_write_resolve(struct arena *a, const char *tenant_id, const char *key,
                        const char *user_id, const struct count_entry *e, struct count_session *s,
                        struct count_result *res)
{
	struct write w = {.a = a,
	                  .tenant_id = tenant_id,
	                  .key = key,
	                  .user_id = user_id,
	                  .fn = resolve_fn,
	                  .entry = e};
	int rc = run(&w, res);

	*s = w.s;
	return rc;
}

/* ---- import ------------------------------------------------------------------------------- */

/* The earlier row with the same bin, item and lot, or -1. */
static long same_line(const struct count_entry *entries, size_t n, const struct count_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(entries[i].bin_id, e->bin_id) == 0 &&
		    strcmp(entries[i].item_id, e->item_id) == 0 &&
		    strcmp(entries[i].lot_number, e->lot_number) == 0)
			return (long)i;
	return -1;
}

static void add_row_error(struct count_import *im, size_t line, const struct count_result *row)
{
	struct count_import_error *e = &im->errors[im->nerrors++];

	e->line = line;
	e->message = row->message;
	e->detail = row->detail;
}

/* Checks every row (all errors, with line numbers), then stores them unless one is bad. */
static int import_fn(struct write *w)
{
	struct count_import *im = w->import;
	struct count_entry *entries =
	    arena_alloc(w->a, (im->nrows ? im->nrows : 1) * sizeof(*entries));
	size_t n = 0;
	int rc;

	/* Every attempt starts afresh. */
	im->errors = arena_alloc(w->a, (im->nrows ? im->nrows : 1) * sizeof(*im->errors));
	im->nerrors = 0;
	im->imported = 0;
	if ((rc = counting_allowed(w)) != 0)
		return rc;
	for (size_t i = 0; i < im->nrows; i++) {
		struct count_result row = {0};
		long dup;

		rc = count_import_row(w->a, w->tenant_id, &w->s, w->user_id, im->rows[i].fields,
		                      im->rows[i].nfields, &entries[n], &row);
		if (rc < 0)
			return -1;
		if (rc == 0 && (dup = same_line(entries, n, &entries[n])) >= 0)
			rc = count_refuse(&row, 400,
			                  arena_sprintf(w->a,
			                                "Duplicate line: the same bin, sku "
			                                "and lot are on line %zu",
			                                im->rows[dup].line),
			                  NULL);
		if (rc != 0)
			add_row_error(im, im->rows[i].line, &row);
		else
			n++;
	}
	if (im->nerrors > 0 && !im->dry_run)
		return count_refuse(&w->res, 400, "Import refused: invalid rows",
		                    arena_sprintf(w->a,
		                                  "%zu of %zu row(s) invalid; nothing was "
		                                  "imported",
		                                  im->nerrors, im->nrows));
	if (im->dry_run)
		return DRY_RUN_DONE;
	for (size_t i = 0; i < n; i++) {
		const char *id;

		if (count_record_put(w->a, w->tenant_id, w->s.id, w->user_id, &entries[i], "import",
		                     &id) < 0)
			return -1;
	}
	im->imported = n;
	return 0;
}

int count_write_import(struct arena *a, const char *tenant_id, const char *key, const char *user_id,
                       struct count_import *im, struct count_result *res)
{
	struct write w = {.a = a,
	                  .tenant_id = tenant_id,
	                  .key = key,
	                  .user_id = user_id,
	                  .fn = import_fn,
	                  .import = im};
	int rc;

	im->errors = NULL;
	im->nerrors = 0;
	im->imported = 0;
	rc = run(&w, res);
	/* The dry run rolled back on purpose: it succeeded. */
	return rc == DRY_RUN_DONE ? 0 : rc;
}
