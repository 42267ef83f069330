/* Count session fields (the document's, as columns) and the writes of create and update. */
#ifndef STOCKTAKE_COUNT_INPUT_H
#define STOCKTAKE_COUNT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "count/count.h"

struct arena;

/* What a session field holds. */
enum count_fkind {
	COUNT_F_TEXT = 0, /* string of at most max_len characters */
	COUNT_F_ENUM,     /* one of values */
	COUNT_F_BOOL,     /* JSON true/false */
	COUNT_F_PERCENT,  /* integer 0..100 */
	COUNT_F_TIME,     /* ISO 8601, stored as UTC DATETIME */
	COUNT_F_SERVER,   /* set by the server: accepted in a body and ignored */
};

/* Field flags. */
#define COUNT_F_REQUIRED (1u << 0) /* must be given on create */
#define COUNT_F_PLANNED (1u << 1)  /* changes only while the session is planned */
#define COUNT_F_NULLABLE (1u << 2) /* null (or "" for text) clears it */

/* One field of the count_session document; the JSON key is also the column. */
struct count_field {
	const char *name;
	enum count_fkind kind;
	unsigned flags;
	size_t max_len;
	const char *const *values;
	const char *hint; /* detail of "Invalid <name>" */
};

/* The document's fields (and ours), ending with a zeroed entry. */
extern const struct count_field count_fields[];

/* A parsed field value. */
struct count_value {
	bool set;      /* given (and not a server field) */
	bool null;     /* store SQL NULL */
	const char *s; /* text, enum, time (DB form) */
	long long i;   /* bool (0/1), percent */
};

/* Number of entries of count_fields. */
size_t count_nfields(void);
/* Index of a field by name, or -1. */
int count_field_index(const char *name);
/* A given, non-null text value of vals (count_nfields() entries) by field name, else NULL. */
const char *count_value_str(const struct count_value *vals, const char *name);

/* Inserts a planned session with the given fields, code and creator (inside a transaction). */
int count_input_insert(struct arena *a, const char *tenant_id, const char *id, const char *code,
                       const char *user_id, const struct count_value *vals);

/* Writes the given fields to the session and bumps its _rev. 0 or -1. */
int count_input_update(struct arena *a, const char *tenant_id, const char *id,
                       const struct count_value *vals);

/*
 * The first given COUNT_F_PLANNED field whose value differs from the stored
 * one (*field, NULL when none). 0 or -1.
 */
int count_input_planned_change(struct arena *a, const char *tenant_id, const char *id,
                               const struct count_value *vals, const char **field);

/* 409 when another session of the tenant (not self) has code. 0, COUNT_REFUSED or -1. */
int count_code_free(struct arena *a, const char *tenant_id, const char *code, const char *self,
                    struct count_result *res);

/*
 * Creates a planned session inside the caller's transaction: the code (given,
 * refused with 409 when taken, or the next CNT-<year>-<n>), the session, its
 * assignments (all or nothing) and the schedule check. *id is the new _key.
 * 0, COUNT_REFUSED or -1.
 */
int count_input_create(struct arena *a, const char *tenant_id, const char *user_id,
                       const struct count_value *vals, const struct count_assignment *as,
                       size_t n, const char **id, struct count_result *res);

/* Refuses a stored scheduled_end before scheduled_start (400). 0, COUNT_REFUSED or -1. */
int count_input_schedule_check(struct arena *a, const char *tenant_id, const char *id,
                               struct count_result *res);

#endif
