/* Time zones of the system's tz database (tzdata): checking a name, listing the zones, and turning
 * UTC instants into local wall-clock time and local days. */
#ifndef STOCKTAKE_TZ_H
#define STOCKTAKE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;

/* Longest zone name we accept (the longest in tzdata is 32 bytes). */
#define TZ_NAME_MAX 64
/* The zone of a tenant that never chose one. */
#define TZ_DEFAULT "UTC"
/* "YYYY-MM-DD HH:MM:SS" and its NUL. */
#define TZ_TEXT_SIZE 20

/*
 * Whether name is a zone of the tz database: an IANA name such as
 * "Europe/Berlin" or "UTC" (letters, digits, "_+-" and "/" between parts,
 * starting with a capital) whose file under TZDIR (default
 * /usr/share/zoneinfo) is a TZif file. Refuses paths ("../x", "/etc/x"),
 * the database's own folders and files ("posix/...", "zone.tab") and NULL.
 */
bool tz_valid(const char *name);

/*
 * tz_valid for the zone conversions use, checked once per change of zone
 * like the conversions themselves (no file is read while the zone stays the
 * same): for a page that names its zone on every request.
 */
bool tz_usable(const char *name);

/*
 * The zones to offer in a choice: every zone of the database's zone.tab (one
 * per country region) and "UTC", sorted by name, in a (NULL-terminated).
 * Returns how many; 0 (and a list of "UTC" alone) when zone.tab is missing.
 */
size_t tz_zones(struct arena *a, const char ***out);

/*
 * The wall-clock time of the UTC instant t in zone as struct tm. A zone that
 * is not tz_valid is UTC. The conversion sets the process's TZ (and calls
 * tzset) when zone differs from the last one used: the workers are
 * single-threaded, and glibc has no conversion that takes a zone, so the
 * file is read once per change of zone, not per call. 0, or -1 when t is
 * out of range.
 */
int tz_local(const char *zone, time_t t, struct tm *out);

/* tz_local as "YYYY-MM-DD HH:MM:SS" in out (TZ_TEXT_SIZE bytes). 0 or -1. */
int tz_format(const char *zone, time_t t, char *out);

/*
 * v (0 <= v < 10^width) as width zero-padded decimal digits at out, no NUL; the position after
 * them. The one hand-written writer of time fields: tz_format's per listing row, the database
 * layer's per DATETIME cell (printf cost more than the rest of either).
 */
char *tz_put_digits(char *out, unsigned long v, int width);

/*
 * "YYYY-MM-DD HH:MM:SS" or ISO 8601 "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (both
 * UTC, as the database and the API give times) into seconds since the epoch
 * (the fraction dropped). false for anything else.
 */
bool tz_parse_utc(const char *s, time_t *out);

/*
 * A UTC time as the database or the API gives it (tz_parse_utc) as local
 * "YYYY-MM-DD HH:MM:SS" in zone, in a; other text (and NULL) unchanged.
 */
const char *tz_text(struct arena *a, const char *zone, const char *utc);

/*
 * A wall-clock time of zone as a form gives it ("2026-05-20T08:00", seconds
 * optional) as ISO 8601 UTC ("2026-05-20T06:00:00Z"), in a; NULL for other
 * text. A time that a clock change skips or repeats is read as mktime does
 * with tm_isdst -1 (the hour before the change, for a repeated one, as
 * glibc picks it).
 */
const char *tz_iso_of_local(struct arena *a, const char *zone, const char *local);

/*
 * The UTC instant at which the local day holding t begins in zone (its
 * midnight, or the first instant after it when a clock change skips
 * midnight).
 */
time_t tz_day_start(const char *zone, time_t t);

/* The start of the local day after the one holding t (days of 23 or 25 hours included). */
time_t tz_next_day(const char *zone, time_t t);

#endif
