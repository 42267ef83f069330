/* Count session fields (the document's, as columns) and the writes of create and update. */
#ifndef STOCKTAKE_COUNT_INPUT_H
#define STOCKTAKE_COUNT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "count/count.h"
#include "db/field.h"

struct arena;
struct user_probe;

/*
 * Changes only while the session is planned (count_input_planned_change); a flag of the table's
 * owner, which the validator ignores.
 */
#define COUNT_F_PLANNED FIELD_OWNER_FLAG(0)

/*
 * The count_session document's fields (and ours), ending with a zeroed entry; the JSON key is
 * also the column. How they read empty values: null clears a FIELD_NULLABLE one, "" a nullable
 * text; text of blanks is checked as text, and a null elsewhere is "Invalid <name>".
 */
extern const struct field count_fields[];

/* Number of entries of count_fields. */
size_t count_nfields(void);
/* Index of a field by name, or -1. */
int count_field_index(const char *name);
/* A given, non-null text value of vals (count_nfields() entries) by field name, else NULL. */
const char *count_value_str(const struct field_value *vals, const char *name);

/*
 * Inserts a planned session with the given fields, code and creator (inside a
 * transaction); *end_before_start says whether the stored scheduled_end is
 * before scheduled_start (count_input_schedule_check's refusal).
 */
int count_input_insert(struct arena *a, const char *tenant_id, const char *id, const char *code,
                       const char *user_id, const struct field_value *vals, bool *end_before_start);

/* Writes the given fields to the session and bumps its _rev. 0 or -1. */
int count_input_update(struct arena *a, const char *tenant_id, const char *id,
                       const struct field_value *vals);

/*
 * The first given COUNT_F_PLANNED field whose value differs from the stored
 * one (*field, NULL when none). 0 or -1.
 */
int count_input_planned_change(struct arena *a, const char *tenant_id, const char *id,
                               const struct field_value *vals, const char **field);

/* 409 when another session of the tenant (not self) has code. 0, COUNT_REFUSED or -1. */
int count_code_free(struct arena *a, const char *tenant_id, const char *code, const char *self,
                    struct count_result *res);

/*
 * Creates a planned session inside the caller's transaction: the code (given,
 * refused with 409 when taken, or the next CNT-<year>-<n>), the session, its
 * assignments (all or nothing) and the schedule check, refused in that order.
 * Six statements however many assignments: one read (which carries probe's
 * column while the caller is pending, db/user_probe.h; a refused caller is
 * the answer), the three inserts, and for a generated code the counter and the
 * code. *id is the new _key. 0, COUNT_REFUSED or -1.
 */
int count_input_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct field_value *vals, const struct count_assignment *as, size_t n,
                       struct user_probe *probe, const char **id, struct count_result *res);

/* Refuses a stored scheduled_end before scheduled_start (400). 0, COUNT_REFUSED or -1. */
int count_input_schedule_check(struct arena *a, const char *tenant_id, const char *id,
                               struct count_result *res);

#endif
