/* Count session writes, each one database transaction of its own (retried on deadlock). */
#ifndef STOCKTAKE_COUNT_WRITE_H
#define STOCKTAKE_COUNT_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "count/count.h"
#include "count/count_csv.h"
#include "count/count_input.h"

struct arena;
struct user_probe;

/*
 * Every function here runs its whole write in one db_transaction (again after
 * a deadlock, from scratch) and returns 0 once committed, COUNT_REFUSED with
 * res filled (nothing stays), or -1. key is the session's key as the client
 * gave it: ids compare whatever their case, and a missing session (or another
 * tenant's) is 404 "Count session not found" with key as the detail.
 */

/*
 * Creates a planned session with its assignments (count_input_create; probe,
 * when not NULL, reads the pending caller's row in its first statement). Sets *id.
 */
int count_write_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct field_value *vals, const struct count_assignment *as, size_t n,
                       struct user_probe *probe, const char **id, struct count_result *res);

/* A PUT: the fields given, the assignments (NULL keeps them) and the _rev it was read with. */
struct count_update {
	const struct field_value *vals;
	const struct count_assignment *assignments;
	size_t nassignments;
	long long rev;
};

/*
 * Updates the session: a stale rev is 409, as is changing a planned-only field
 * or the assignments once started; a taken code is 409; a type change
 * re-checks the targets.
 */
int count_write_update(struct arena *a, const char *tenant_id, const char *key,
                       const struct count_update *in, struct count_result *res);

/* Deletes a planned session with its assignments (409 for other statuses). */
int count_write_delete(struct arena *a, const char *tenant_id, const char *key,
                       struct count_result *res);

/* Runs a lifecycle action (count_transition) on the locked session, by user_id. */
int count_write_action(struct arena *a, const char *tenant_id, const char *key,
                       enum count_action action, const char *user_id, struct count_result *res);

/*
 * Records user_id's count of a line while the session is started and the user
 * assigned (403 otherwise), within their targets. e's bin_id may be a bin code
 * and its item_id a SKU or barcode (count_scan_entry). Sets *s (the session)
 * and *record_id.
 */
int count_write_record(struct arena *a, const char *tenant_id, const char *key, const char *user_id,
                       const struct count_entry *e, struct count_session *s, const char **record_id,
                       struct count_result *res);

/* A supervisor's resolution of a line while the session is started. Sets *s. */
int count_write_resolve(struct arena *a, const char *tenant_id, const char *key,
                        const char *user_id, const struct count_entry *e, struct count_session *s,
                        struct count_result *res);

/* One refused import row. */
struct count_import_error {
	size_t line;
	const char *message;
	const char *detail; /* "" or NULL for none */
};

/* An import: the CSV rows (header dropped) in, the refused rows and the number stored out. */
struct count_import {
	const struct count_csv_row *rows;
	size_t nrows;
	bool dry_run;
	struct count_import_error *errors; /* in the arena */
	size_t nerrors;
	size_t imported;
};

/*
 * Checks every row like a record (each line once per file) and, unless
 * dry_run, stores them all in one go; any refused row refuses the import (400
 * "Import refused: invalid rows", im->errors saying why) and nothing is
 * stored. A dry run checks and stores nothing: 0 with im->errors filled.
 */
int count_write_import(struct arena *a, const char *tenant_id, const char *key, const char *user_id,
                       struct count_import *im, struct count_result *res);

#endif
