/* Cycle counting: session states and codes, assignments, records, snapshots, count lines. */
#ifndef STOCKTAKE_COUNT_H
#define STOCKTAKE_COUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

struct arena;
struct sql;

/* Session types and statuses (NULL-terminated). */
extern const char *const count_types[];
extern const char *const count_statuses[];

/* Column sizes, in characters. */
#define COUNT_CODE_MAX 50
#define COUNT_DESCRIPTION_MAX 500
#define COUNT_TEXT_MAX 16000 /* notes, extra: TEXT holds 16000 characters of 4 bytes */
#define COUNT_LOT_MAX 100
#define COUNT_SERIAL_MAX 100

/* Scopes of a supervisor, who may see system quantities and serials even in blind sessions. */
#define COUNT_SUPERVISOR_SCOPES "inventory:count:create inventory:count:apply"

/* The lifecycle: planned -> started -> completed -> applied; canceled from planned or started. */
enum count_action { COUNT_START = 0, COUNT_COMPLETE, COUNT_APPLY, COUNT_CANCEL };

/* The status action leads to from status; NULL when the transition is not allowed. */
const char *count_next_status(const char *status, enum count_action action);
/* "start", "complete", "apply", "cancel". */
const char *count_action_name(enum count_action action);
/* The statuses action starts from, for messages: "planned", "planned or started". */
const char *count_action_from(enum count_action action);
/* Past tense for messages: "started", "completed", "applied", "canceled". */
const char *count_action_done(enum count_action action);

/* "CNT-<year>-<n>", n with at least 3 digits (CNT-2026-001). */
char *count_code_format(struct arena *a, int year, long long n);

/*
 * Gives the new session session_id the tenant's next generated code for year
 * (*code), skipping codes already taken by explicit ones (1000 at most), in
 * one statement: CALL count_code_take (migration 012). Inside a transaction:
 * the tenant's counter row stays locked until it ends, so concurrent creations
 * queue and never share a code; a create takes it last (the session inserted
 * under a stand-in code), so that the queue waits for this statement and the
 * commit only. 0 or -1.
 */
int count_code_assign(struct arena *a, const char *tenant_id, const char *session_id, int year,
                      const char **code);

/*
 * A user_key: "user/<username>" sets *username, a bare user id (UUID) sets
 * *user_id (lower case). -1 for anything else.
 */
int count_user_key_parse(struct arena *a, const char *key, const char **username,
                         const char **user_id);

/* The stock column a session's target keys name: "bin_id" (position) or "item_id" (product). */
const char *count_key_column(const char *type);
/* The table target keys live in ("bins", "items") and its entity name ("Bin", "Item"). */
const char *count_key_table(const char *type);
const char *count_key_entity(const char *type);

/* Whether the caller's scopes make them a supervisor (COUNT_SUPERVISOR_SCOPES). */
bool count_is_supervisor(const char *scopes);

/* A refusal: HTTP status, message and detail for the status envelope. */
struct count_result {
	int status;
	const char *message;
	const char *detail;
};

/* Functions that can refuse return this after filling a struct count_result. */
#define COUNT_REFUSED 1

/* Sets res and returns COUNT_REFUSED. */
int count_refuse(struct count_result *res, int status, const char *message, const char *detail);

/* The session fields the lifecycle works with. */
struct count_session {
	const char *id;
	const char *code;
	const char *type;
	const char *status;
	const char *baseline_snapshot_key; /* NULL before start */
	bool blind_quantities;
	bool blind_serials;
	bool lock_positions;
	long long rev;
};

enum count_lock { COUNT_READ = 0, COUNT_SHARE, COUNT_UPDATE };

/* Loads (and with COUNT_SHARE/COUNT_UPDATE locks) a session of the tenant: 0, 1 when none, -1. */
int count_session_load(struct arena *a, const char *tenant_id, const char *id, enum count_lock lock,
                       struct count_session *out);

/* One assignment of a create or update body, checked for shape (count_input.h). */
struct count_target {
	const char **keys;
	size_t nkeys;
};

struct count_assignment {
	const char *user_key; /* as given, for messages */
	const char *username; /* "user/<username>" form, else NULL */
	const char *user_id;  /* bare id form, else NULL */
	struct count_target *targets;
	size_t ntargets;
};

/*
 * What the one read of a create's or update's assignments found
 * (count_assignments_read), for count_assignments_check and _write.
 */
struct count_plan {
	const char *
	    *user_ids; /* the user each assignment's key names in the tenant, NULL for none */
	const char *missing_key; /* the lowest target key that is an id but no bin or item of the
	                            tenant, NULL for none */
	struct db_rows rows;     /* the read's rows; the extra columns from COUNT_PLAN_EXTRA on */
};

/* The first of the extra columns in count_plan.rows. */
#define COUNT_PLAN_EXTRA 4

/*
 * One statement however many assignments (their keys and target keys as JSON
 * parameters, db_batch.h): the user of every assignment's key and the lowest
 * target key that is no bin (position) or item (product) of the tenant. extra,
 * when given, adds select items (", (SELECT ...) AS x", with its parameters) to
 * the same statement, e.g. a create's code check and the caller's user row
 * (USER_PROBE_COLUMN). 0 or -1.
 */
int count_assignments_read(struct arena *a, const char *tenant_id, const char *type,
                           const struct count_assignment *list, size_t n, const struct sql *extra,
                           struct count_plan *out);

/*
 * The first refusal in the order of the body, each assignment checked whole
 * before the next: its user not of the tenant (404), assigned twice (400), a
 * target key that cannot be an id (404); then the lowest key that is no bin or
 * item of the tenant (404). 0 or COUNT_REFUSED.
 */
int count_assignments_check(struct arena *a, const struct count_assignment *list, size_t n,
                            const char *type, const struct count_plan *plan,
                            struct count_result *res);

/*
 * Inserts the checked assignments and their targets of a session that has
 * none yet (inside the write's transaction): two statements however many. 0 or -1.
 */
int count_assignments_write(struct arena *a, const char *tenant_id, const char *session_id,
                            const struct count_assignment *list, size_t n,
                            const struct count_plan *plan);

/*
 * Stores the assignments of a session that has none yet (inside the write's
 * transaction): count_assignments_read, _check and _write, three statements
 * however many assignments. 0, COUNT_REFUSED or -1.
 */
int count_assignments_insert(struct arena *a, const char *tenant_id, const char *session_id,
                             const char *type, const struct count_assignment *list, size_t n,
                             struct count_result *res);

/* Replaces the session's assignments: deletes them, then count_assignments_insert. */
int count_assignments_store(struct arena *a, const char *tenant_id, const char *session_id,
                            const char *type, const struct count_assignment *list, size_t n,
                            struct count_result *res);

/* Checks the stored targets against type (after a type change). 0, COUNT_REFUSED or -1. */
int count_targets_check(struct arena *a, const char *tenant_id, const char *session_id,
                        const char *type, struct count_result *res);

/* Deletes the session's targets and assignments. 0 or -1. */
int count_assignments_delete(struct arena *a, const char *tenant_id, const char *session_id);

/*
 * Takes a snapshot of kind ("baseline", "post_count", "post_adjustment"): the
 * stock records (with a bin, not inactive) in the session's targets. Sets *id.
 */
int count_snapshot_take(struct arena *a, const char *tenant_id, const struct count_session *s,
                        const char *kind, const char **id);

/* Lines whose counts disagree and have no resolution. 0 or -1. */
int count_open_conflicts(struct arena *a, const char *tenant_id, const char *session_id,
                         long long *n);

/* Whether user_id is assigned to the session: 1, 0, or -1. */
int count_is_assigned(struct arena *a, const char *tenant_id, const char *session_id,
                      const char *user_id);

/*
 * Whether the place (bin for position sessions, item for product sessions) is
 * among user_id's targets in the session: 1, 0, or -1.
 */
int count_in_targets(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char *bin_id, const char *item_id);

/* One counted line (a record, an import row or a resolution). */
struct count_entry {
	const char *bin_id;
	const char *item_id;
	const char *lot_number; /* "" for none */
	long long counted_qt;
	const char *serials; /* sorted JSON array text, or NULL */
};

/*
 * Checks that the entry's bin and item are the tenant's and within user_id's
 * targets (404 "Bin not found" / "Item not found", 400 when outside the
 * targets). 0, COUNT_REFUSED or -1.
 */
int count_entry_check(struct arena *a, const char *tenant_id, const struct count_session *s,
                      const char *user_id, const struct count_entry *e, struct count_result *res);

/*
 * Stores user_id's count of the line (a recount replaces their earlier one) and
 * drops a resolution of the line, whose counts changed. Sets *record_id.
 */
int count_record_put(struct arena *a, const char *tenant_id, const char *session_id,
                     const char *user_id, const struct count_entry *e, const char *source,
                     const char **record_id);

/*
 * The checks of one import row that need no database: 3 or 4 fields, a bin and
 * a sku of non-blank text, counted_qt 0..LEDGER_QTY_MAX, a lot of at most
 * COUNT_LOT_MAX characters. Fills e's counted_qt and lot_number. 0, or
 * COUNT_REFUSED (400, res->message says what is wrong with the row).
 */
int count_import_fields(struct arena *a, const char *const *fields, size_t nfields,
                        struct count_entry *e, struct count_result *res);

/*
 * One import row: bin (code, or id), sku (or the item's barcode), counted_qt and an optional lot,
 * resolved into e and checked like a record (count_entry_check). A bin code
 * used in several warehouses is the one among the caller's targets when that
 * settles it. 0, COUNT_REFUSED (res->message says what is wrong with the row)
 * or -1.
 */
int count_import_row(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const char *const *fields, size_t nfields,
                     struct count_entry *e, struct count_result *res);

/* A supervisor's choice for a line that has records. 0, COUNT_REFUSED (404: no records) or -1. */
int count_resolution_put(struct arena *a, const char *tenant_id, const char *session_id,
                         const char *user_id, const struct count_entry *e,
                         struct count_result *res);

/*
 * SQL pieces shared by the count lines and the views. COUNT_SQL_BASELINE: per
 * (bin, item, lot) of a snapshot, q = SUM(quantity), sr = its serials
 * newline-separated (binds tenant, snapshot). COUNT_SQL_COUNTS: per (bin, item,
 * lot) of a session's records, nq / ns = how many different quantities / serial
 * lists, q / sr = the (lowest) quantity / serials (binds tenant, session).
 * COUNT_SQL_RESOLUTION(k): joins res, the resolution of line alias k (binds
 * session, tenant). COUNT_SQL_OPEN_CONFLICT: the line's counts (c) differ and
 * nobody resolved them.
 */
#define COUNT_SQL_BASELINE                                                                         \
	"SELECT bin_id, item_id, lot_number, SUM(quantity) AS q,"                                  \
	" GROUP_CONCAT(serial_number ORDER BY serial_number SEPARATOR '\\n') AS sr"                \
	" FROM count_snapshot_lines WHERE tenant_id = ? AND snapshot_id = ?"                       \
	" GROUP BY bin_id, item_id, lot_number"
#define COUNT_SQL_COUNTS                                                                           \
	"SELECT r.bin_id, r.item_id, r.lot_number, COUNT(DISTINCT r.counted_qt) AS nq,"            \
	" COUNT(DISTINCT r.serials) AS ns, MIN(r.counted_qt) AS q, MIN(r.serials) AS sr"           \
	" FROM count_records r WHERE r.tenant_id = ? AND r.session_id = ?"                         \
	" GROUP BY r.bin_id, r.item_id, r.lot_number"
#define COUNT_SQL_RESOLUTION(k)                                                                    \
	" LEFT JOIN count_resolutions res ON res.session_id = ? AND res.tenant_id = ?"             \
	" AND res.bin_id = " k ".bin_id AND res.item_id = " k ".item_id"                           \
	" AND res.lot_number = " k ".lot_number"
#define COUNT_SQL_OPEN_CONFLICT "(res.bin_id IS NULL AND (c.nq > 1 OR c.ns > 1))"

/* Columns of count_lines() rows. */
enum count_line_col {
	COUNT_LINE_BIN_ID = 0,
	COUNT_LINE_BIN_CODE,
	COUNT_LINE_WAREHOUSE_ID,
	COUNT_LINE_ITEM_ID,
	COUNT_LINE_SKU,
	COUNT_LINE_ITEM_NAME,
	COUNT_LINE_LOT,             /* '' for none */
	COUNT_LINE_SYSTEM_QT,       /* baseline quantity */
	COUNT_LINE_SYSTEM_SERIALS,  /* baseline serials, newline-separated, or NULL */
	COUNT_LINE_COUNTED_QT,      /* NULL while the line's counts conflict */
	COUNT_LINE_COUNTED_SERIALS, /* JSON array text or NULL */
	COUNT_LINE_CONFLICT,        /* 1 or 0 */
	COUNT_LINE_RESOLVED,        /* 1 or 0 */
};

/*
 * The counted lines of a started (or later) session, by bin code, sku and lot:
 * every (bin, item, lot) with records, plus every baseline line inside a
 * counted key (a bin with records in a position session, an item with records
 * in a product session), which was therefore counted as 0.
 */
int count_lines(struct arena *a, const char *tenant_id, const struct count_session *s,
                struct db_rows *out);

/* The cell as a number (0 for NULL). */
long long count_cell_ll(const struct db_rows *rows, size_t row, size_t col);

/* The database's clock as DATETIME(6) text, one reading for a whole transaction. */
const char *count_now(struct arena *a);

#endif
