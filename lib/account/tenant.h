/* Tenants (the organisations using one installation): creating, finding and listing them. */
#ifndef STOCKTAKE_TENANT_H
#define STOCKTAKE_TENANT_H

struct arena;
struct db_rows;
struct user_result;

/* Longest tenant name in characters (the column is VARCHAR(200)). */
#define TENANT_NAME_MAX 200

/*
 * Creates an active tenant named name in time zone zone (an IANA name of the
 * tz database, base/tz.h tz_valid; NULL for TZ_DEFAULT); *id is its id.
 * Names are 1-200 characters and unique (two tenants of one name could not
 * be told apart by the people choosing between them). 0, USER_REFUSED with
 * res (400 "Invalid name", 400 "Invalid time zone", 409 "Tenant already
 * exists"), or -1.
 */
int tenant_create(struct arena *a, const char *name, const char *zone, const char **id,
                  struct user_result *res);

/* The id of the tenant whose id or name is key: 0 with *id, 1 when there is none, -1. */
int tenant_find(struct arena *a, const char *key, const char **id);

/*
 * Every tenant (id, name, status, created_at, users: how many, time_zone) by
 * name into rows. 0 or -1.
 */
int tenant_list(struct arena *a, struct db_rows *rows);

#endif
