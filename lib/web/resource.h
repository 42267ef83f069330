/* Table-driven CRUD for tenant-owned master data (warehouses, bins, items, stocks), ONDI style. */
#ifndef STOCKTAKE_RESOURCE_H
#define STOCKTAKE_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "db/db.h"
#include "db/field.h"
#include "db/sql.h"

struct arena;
struct kvlist;
struct request;

/*
 * The fields of a resource are struct field (db/field.h), checked by field_check(). Flags the
 * engine reads besides the validator's:
 */
#define RES_PATCH FIELD_OWNER_FLAG(0)    /* may be changed by PATCH */
#define RES_FILTER FIELD_OWNER_FLAG(1)   /* list filter: ?name=value matches exactly */
#define RES_READONLY FIELD_OWNER_FLAG(2) /* returned, never accepted from a client */
/*
 * How master data reads empty values, on every field of its tables: text of blanks is null
 * (cleared when FIELD_NULLABLE), and a null where NULL cannot be stored reads as the field
 * missing ("Field required: x" when FIELD_REQUIRED, the column's default on create).
 */
#define RES_EMPTY_RULES (FIELD_BLANK_NULL | FIELD_NULL_MISSING)

/* A unique key of the table and the 409 message when a write collides with it. */
struct res_unique {
	const char *key; /* index name in the schema ("uq_bins_code") */
	const char *message;
	const char *field; /* the field a form shows the message beside ("code"), or NULL */
};

struct resource;

struct res_op {
	struct request *r;
	const struct resource *res;
	const char *id;           /* the row's id */
	struct field_value *vals; /* one per field of res */
	void *hook_data;          /* what a before hook leaves for its after hook */
	int status;               /* set with message when the write is refused */
	const char *message;
	const char *field;    /* the field the refusal concerns ("sku", "bin_id"), or NULL */
	const char *if_match; /* an update: the client's If-Match (web/etag.h), or NULL */
};

/* A hook runs inside the write's transaction; 0 to go on, -1 after res_fail() or on a DB error. */
typedef int (*res_hook)(struct res_op *op);

struct resource {
	const char *path;     /* "/warehousing/bins" */
	const char *table;    /* "bins"; aliased t in every query */
	const char *singular; /* JSON key of one object: "bin" */
	const char *plural;   /* JSON key of a list: "bins" */
	const char *entity;   /* "Bin": messages "Bin created successfully", "Bin not found" */
	const char *entities; /* "Bins": "Bins retrieved successfully" */
	const struct field *fields;       /* ends with a zeroed entry */
	const struct res_unique *uniques; /* ends with a zeroed entry; may be NULL */
	const char *const *search; /* column expressions the `search` parameter matches with LIKE */
	const char
	    *select_extra; /* more select items (joined columns labelled "item.sku"), or NULL */
	const char *joins; /* JOIN clauses for select_extra and search, or NULL */
	/* The status DELETE sets ("inactive"); lists accept it as a status filter. */
	const char *deleted_status;
	/*
	 * Refuses a delete (and a PATCH to deleted_status): run with (tenant_id, id);
	 * any row returned means refuse with 409 guard_msg.
	 */
	const char *guard_sql;
	const char *guard_msg;
	res_hook before_create; /* after field and reference checks, before the INSERT */
	res_hook after_create;  /* after the INSERT, same transaction */
};

enum res_mode { RES_CREATE = 0, RES_UPDATE };

/* The query parameters of every list besides its filters (res_list). */
#define RES_LIST_QUERY "search page limit updated_since"

/*
 * Route handlers: res_for_path() picks the resource, the res_* functions below do the work.
 * list_query: the list's parameters, its filters (RES_FILTER fields) and RES_LIST_QUERY.
 */
#define RES_ROUTES(base, read_scopes, write_scopes, list_query, list, create, get, update, remove) \
	{"GET", base, list, read_scopes, .query = list_query},                                     \
	    {"POST", base, create, write_scopes, .query = "", .keyed = true},                      \
	    {"GET", base "/:id", get, read_scopes, .query = ""},                                   \
	    {"PATCH", base "/:id", update, write_scopes, .query = ""},                             \
	{                                                                                          \
		"DELETE", base "/:id", remove, write_scopes, .query = ""                           \
	}

/* The resource whose path is path or a prefix of it ending at '/', from a NULL-terminated set. */
const struct resource *res_for_path(const struct resource *const *set, const char *path);

/*
 * GET list: filters, search, page, limit, updated_since (rows whose
 * updated_at is at or after an ISO 8601 time: 400 "Invalid updated_since");
 * newest first.
 */
void res_list(struct request *r, const struct resource *res);
/* POST: validates, inserts, 201 with the object. */
void res_create(struct request *r, const struct resource *res);
/* GET /:id. */
void res_get(struct request *r, const struct resource *res);
/*
 * PATCH /:id: changes the given patchable fields. An If-Match header that does not name the
 * record's current ETag refuses with 412 ETAG_STALE_MESSAGE, checked under the row's lock.
 * GET, POST and PATCH answers carry the record's ETag (web/etag.h).
 */
void res_update(struct request *r, const struct resource *res);
/* DELETE /:id: soft delete (status = deleted_status) unless the guard refuses. */
void res_delete(struct request *r, const struct resource *res);

/* Index of a field by name, or -1. */
int res_field_index(const struct resource *res, const char *name);
/* Number of fields. */
size_t res_nfields(const struct resource *res);

/*
 * Checks a JSON body against res for a create or a PATCH and fills vals (one
 * per field, zeroed by the caller). tenant_id in the body must equal
 * caller_tenant (else 403). Returns 0, or the HTTP status with *msg:
 * 400 "Unknown field: x", "Field required: x", "Invalid x", "Field too long: x",
 * "Field is read-only: x", "Field cannot be changed: x", "No fields to update".
 * Does not touch the database (references are checked later).
 */
int res_validate(struct arena *a, const struct resource *res, struct json_object *body,
                 enum res_mode mode, const char *caller_tenant, struct field_value *vals,
                 const char **msg);

/*
 * The checks of res_validate on every field of res, for a form that shows
 * each message beside its field: msgs[i] is field i's message ("Field
 * required: name", "Invalid capacity") or NULL. The body holds only fields
 * of res (a form builds it), so the key checks of res_validate do not apply.
 * Returns 400 when any field is at fault, else 0.
 */
int res_validate_each(struct arena *a, const struct resource *res, struct json_object *body,
                      enum res_mode mode, struct field_value *vals, const char **msgs);

/*
 * Writes without an HTTP answer, for the admin pages; the API's handlers use
 * them too. res_op_init prepares op (zeroed vals, id NULL for a create);
 * res_write runs a create (op->id set to the new row) or an update of op->id
 * with the checked vals, res_deactivate the soft delete of op->id, each in one
 * transaction with the reference checks, hooks and guard of the API. They
 * return 0, or the HTTP status with op->message (and op->field when the
 * refusal concerns one field); 500 "Internal server error" on a DB error.
 */
void res_op_init(struct request *r, const struct resource *res, const char *id, struct res_op *op);
int res_write(struct res_op *op, enum res_mode mode);
int res_deactivate(struct res_op *op);

/*
 * Appends " WHERE t.tenant_id = ?" and one condition per filter and search
 * term given in query. Returns 0, or -1 with *msg ("Invalid status") when a
 * filter value cannot match the field's kind.
 */
int res_build_where(struct sql *q, const struct resource *res, const struct kvlist *query,
                    const char *tenant_id, const char **msg);

/* Hook helpers. */
/* The value of field name in op (NULL when unset or null). */
const char *res_op_str(const struct res_op *op, const char *name);
/* Sets field name to s (NULL stores SQL NULL). */
void res_op_set_str(struct res_op *op, const char *name, const char *s);
/* Sets integer field name to v. */
void res_op_set_int(struct res_op *op, const char *name, long long v);
/* The integer value of field name, or dflt when unset. */
long long res_op_int(const struct res_op *op, const char *name, long long dflt);
/* Records a refusal (status, message) and returns -1. */
int res_fail(struct res_op *op, int status, const char *message);

#endif
