/* One column of a table as a JSON body gives it: its description, the check of a value, the
 * parameter. */
#ifndef STOCKTAKE_FIELD_H
#define STOCKTAKE_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "db/db.h"

struct arena;

/* What a field holds and so how its JSON value is checked. */
enum field_kind {
	FIELD_TEXT = 0, /* string of at most max_len characters, not blank */
	FIELD_INT,      /* whole number (jval_whole: 10, 10.0, 1e1) from min to max */
	FIELD_ENUM,     /* one of values */
	FIELD_REF,      /* UUID of a row (stored in lower case) */
	FIELD_TIME,     /* ISO 8601, stored as UTC DATETIME */
	FIELD_BOOL,     /* JSON true/false, stored as 0/1 */
	FIELD_SERVER,   /* set by the server: accepted in a body and ignored */
};

/*
 * Flags the validator reads. Without any, a value is taken as it is: JSON null
 * and text of blanks are values like any other, and wrong unless the kind allows them.
 */
#define FIELD_REQUIRED (1u << 0)   /* must be given on create */
#define FIELD_NULLABLE (1u << 1)   /* null (or text read as null, below) stores SQL NULL */
#define FIELD_EMPTY_NULL (1u << 2) /* "" is read as null */
#define FIELD_BLANK_NULL (1u << 3) /* text of blanks only ("" too) is read as null */
/*
 * A null where NULL cannot be stored reads as the field missing: "Field required: <name>"
 * when required, else the column's default on create. Text read as null is a value the
 * client wrote, so it never falls back to the default.
 */
#define FIELD_NULL_MISSING (1u << 4)
/* FIELD_INT above max: "Field too large: <name>" instead of "Invalid <name>". */
#define FIELD_TOO_LARGE (1u << 5)
/*
 * FIELD_TEXT that is a code a scanner types (a barcode): printable ASCII without spaces, else
 * "Invalid <name>" with "<name> must be printable characters without spaces".
 */
#define FIELD_CODE (1u << 6)
/* Flag n (0..15) of the table's owner (resource, count session); the validator ignores it. */
#define FIELD_OWNER_FLAG(n) (1u << (16 + (n)))

/* One column, in the order its table lists them; the name is the JSON key and the column. */
struct field {
	const char *name;
	enum field_kind kind;
	unsigned flags;
	size_t max_len;            /* FIELD_TEXT: characters (the column's VARCHAR size) */
	const char *const *values; /* FIELD_ENUM: NULL-terminated */
	long long min;             /* FIELD_INT: smallest value (0 unless set) */
	long long max;             /* FIELD_INT: largest value, 0 for no limit */
	const char *invalid_msg;   /* replaces the message "Invalid <name>" */
	const char *hint;          /* the detail of "Invalid <name>" ("" when NULL) */
	/* Read by the resource engine (web/resource.h) only. */
	const char *fixed_msg; /* PATCH of a field it may not change: replaces the message */
	const char *ref_table; /* FIELD_REF: the referenced table, its entity for messages */
	const char *ref_entity;
	const char *ref_match; /* FIELD_REF: this field must equal the referenced row's column */
	const char *ref_mismatch_msg;
};

/* A checked value of a field. */
struct field_value {
	bool set;      /* given (or set by the server code), and so written */
	bool null;     /* store SQL NULL */
	const char *s; /* text, enum, ref (lower case), time (DB form) */
	long long i;   /* int, bool (0/1) */
};

/* Number of fields before the zeroed entry that ends fields. */
size_t field_count(const struct field *fields);
/* Index of a field by name, or -1. */
int field_index(const struct field *fields, const char *name);

/*
 * Checks v, the JSON value of f in a body (NULL for JSON null), and fills *out.
 * creating: the body creates a row (a null may then leave the default).
 * Returns 0, or 400 with *msg and *detail (never NULL): "Invalid <name>" (or
 * invalid_msg) with hint, "Field required: <name>", "Field too long: <name>",
 * "Field too large: <name>", and for a FIELD_INT value that is no whole number (10.5, "10",
 * true) "<name> must be a whole number" with hint. FIELD_SERVER values are ignored (out stays
 * unset).
 */
int field_check(struct arena *a, const struct field *f, struct json_object *v, bool creating,
                struct field_value *out, const char **msg, const char **detail);

/* 400 with "Field required: <name>" and an empty detail. */
int field_required(struct arena *a, const struct field *f, const char **msg, const char **detail);

/* The first FIELD_REQUIRED field of fields whose value is unset: 400 as field_required; else 0. */
int field_missing(struct arena *a, const struct field *fields, const struct field_value *vals,
                  const char **msg, const char **detail);

/* The value as a statement parameter of the field's column. */
struct db_param field_param(const struct field *f, const struct field_value *v);

#endif
