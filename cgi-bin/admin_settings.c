/* Admin page of the tenant's settings: its name and its time zone, which every page shows times in.
 */
#include <string.h>

#include "admin.h"
#include "base/arena.h"
#include "base/log.h"
#include "base/tz.h"
#include "db/db.h"
#include "html/page.h"
#include "html/view.h"
#include "web/req.h"

#define SETTINGS_PAGE PAGE_ROOT "/settings"

/* A zone's group in the choice: its region ("Europe"), "UTC" for the zone without one. */
static const char *region_of(struct arena *a, const char *zone)
{
	const char *slash = strchr(zone, '/');

	return slash ? arena_strndup(a, zone, (size_t)(slash - zone)) : "UTC";
}

/* What a zone is called in its group: the rest of its name, blanks for underscores. */
static const char *place_of(struct arena *a, const char *zone)
{
	const char *slash = strchr(zone, '/');
	char *p = arena_strdup(a, slash ? slash + 1 : zone);

	for (char *c = p; *c; c++)
		if (*c == '_')
			*c = ' ';
	return p;
}

/* Adds zone to its region's group, opening a new group when the region changes. */
static void add_zone(struct request *r, struct view *groups, struct view **group,
                     const char **region, const char *zone, const char *current)
{
	const char *reg = region_of(r->arena, zone);

	if (!*group || strcmp(reg, *region) != 0) {
		*group = view_map(r->arena);
		*region = reg;
		view_set_str(*group, "region", reg);
		view_set(*group, "zones", view_list(r->arena));
		view_push(groups, *group);
	}
	page_option(r->arena, (struct view *)view_get(*group, "zones"), zone,
	            place_of(r->arena, zone), current);
}

/* The zones of the tz database's zone.tab by region; current among them even when it is not. */
static struct view *zone_groups(struct request *r, const char *current)
{
	struct view *groups = view_list(r->arena), *group = NULL;
	const char **zones, *region = NULL;
	bool seen = false;

	tz_zones(r->arena, &zones);
	for (size_t i = 0; zones[i]; i++) {
		/* A chosen zone outside zone.tab (a link such as "Asia/Calcutta") goes where it
		 * sorts. */
		if (!seen && current && strcmp(current, zones[i]) < 0 && tz_valid(current)) {
			add_zone(r, groups, &group, &region, current, current);
			seen = true;
		}
		seen |= current && strcmp(current, zones[i]) == 0;
		add_zone(r, groups, &group, &region, zones[i], current);
	}
	if (!seen && current && tz_valid(current))
		add_zone(r, groups, &group, &region, current, current);
	return groups;
}

/* The page: the tenant, and the form with chosen (the stored zone, or what was sent). */
static void settings_page(struct request *r, int status, const char *error, const char *chosen)
{
	struct view *page = page_new(r, "Tenant settings", "settings");
	struct db_rows rows;

	if (db_exec(r->arena, &rows, "SELECT name FROM tenants WHERE id = ?", "s",
	            r->caller->tenant_id) < 0 ||
	    rows.nrows != 1) {
		page_error(r, 500, "Internal server error");
		return;
	}
	view_set_str(page, "tenant_name", db_cell(&rows, 0, 0));
	view_set_str(page, "error", error);
	view_set_str(page, "chosen", chosen);
	view_set_bool(page, "saved", !error && req_query(r, "saved") != NULL);
	/* A refused name cannot be chosen: the list shows the stored zone, the message the name. */
	view_set(page, "zone_groups",
	         zone_groups(r, chosen && tz_valid(chosen) ? chosen : page_zone(r)));
	page_render(r, status, "settings", page);
}

void admin_settings(struct request *r)
{
	settings_page(r, 200, NULL, NULL);
}

void admin_settings_save(struct request *r)
{
	struct kvlist form;
	const char *zone;

	if (!page_form(r, &form))
		return;
	zone = page_field(r, &form, "time_zone");
	if (!zone) {
		settings_page(r, 400, "Field required: time_zone", NULL);
		return;
	}
	if (!tz_valid(zone)) {
		settings_page(r, 422,
		              "Unknown time zone. Choose one of the list (IANA names such as "
		              "Europe/Berlin or UTC).",
		              zone);
		return;
	}
	if (db_exec(r->arena, NULL, "UPDATE tenants SET time_zone = ? WHERE id = ?", "ss", zone,
	            r->caller->tenant_id) < 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	log_info("admin: %s set the time zone of tenant %s to %s", r->caller->user_id,
	         r->caller->tenant_id, zone);
	page_redirect(r, SETTINGS_PAGE "?saved=1");
}
