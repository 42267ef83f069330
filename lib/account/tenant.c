/* Tenants: the rows every other table's tenant_id names, made by the administration command. */
#include "account/tenant.h"

#include <stdbool.h>

#include "account/user.h"
#include "base/arena.h"
#include "base/tz.h"
#include "base/valid.h"
#include "db/db.h"

/* Whether name and zone are fit to store; when not, res says why. */
static bool tenant_input_ok(const char *name, const char *zone, struct user_result *res)
{
	if (!name || !valid_text(name, TENANT_NAME_MAX * 4) ||
	    valid_utf8_chars(name) > TENANT_NAME_MAX) {
		*res = (struct user_result){400, "name", "Invalid name",
		                            "name must be 1-200 characters"};
		return false;
	}
	/* The same check as the settings page's, so a zone stored here is one the pages can use. */
	if (!tz_valid(zone)) {
		*res = (struct user_result){
		    400, "time_zone", "Invalid time zone",
		    "time_zone must be a zone of the tz database, an IANA name "
		    "such as Europe/Berlin or UTC"};
		return false;
	}
	return true;
}

int tenant_create(struct arena *a, const char *name, const char *zone, const char **id,
                  struct user_result *res)
{
	struct db_rows rows;
	const char *found;
	int rc;

	if (!zone)
		zone = TZ_DEFAULT;
	if (!tenant_input_ok(name, zone, res))
		return USER_REFUSED;
	/* The name has no unique key: this check is the rule (one administrator runs the command).
	 */
	if ((rc = tenant_find(a, name, &found)) < 0)
		return -1;
	if (rc == 0) {
		*res = (struct user_result){409, "name", "Tenant already exists",
		                            arena_sprintf(a, "a tenant named %s exists", name)};
		return USER_REFUSED;
	}
	*id = db_uuid(a);
	if (db_exec(a, &rows,
	            "INSERT INTO tenants (id, name, status, time_zone) VALUES (?, ?, 'active', ?)",
	            "sss", *id, name, zone) != 0)
		return -1;
	return 0;
}

int tenant_find(struct arena *a, const char *key, const char **id)
{
	struct db_rows rows;

	if (db_exec(a, &rows, "SELECT id FROM tenants WHERE id = ? OR name = ? ORDER BY created_at",
	            "ss", key, key) != 0)
		return -1;
	if (rows.nrows == 0)
		return 1;
	*id = db_cell(&rows, 0, 0);
	return 0;
}

int tenant_list(struct arena *a, struct db_rows *rows)
{
	return db_exec(
	    a, rows,
	    "SELECT t.id, t.name, t.status, t.created_at, (SELECT COUNT(*) FROM users u"
	    " WHERE u.tenant_id = t.id) AS users, t.time_zone FROM tenants t ORDER BY t.name, t.id",
	    NULL);
}
