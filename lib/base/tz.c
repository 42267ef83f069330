/* Time zones of the tz database: checked names, the list to choose from, UTC to local time. */
#include "base/tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define TZ_DIR_DEFAULT "/usr/share/zoneinfo"

/* The zone TZ holds now ("" before the first use): conversions switch it only on a change. */
static char current[TZ_NAME_MAX + 1];
static bool current_utc;

static const char *tz_dir(void)
{
	const char *d = getenv("TZDIR");

	return d && *d ? d : TZ_DIR_DEFAULT;
}

/* Letters, digits and "_+-", parts joined by single "/", starting with a capital: no paths. */
static bool name_shape(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > TZ_NAME_MAX || !isupper((unsigned char)name[0]) || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/') {
			if (name[i + 1] == '/' || !isupper((unsigned char)name[i + 1]))
				return false;
		} else if (!isalnum(c) && c != '_' && c != '+' && c != '-') {
			return false;
		}
	}
	return true;
}

bool tz_valid(const char *name)
{
	char path[512], magic[4];
	FILE *f;
	bool ok;

	if (!name_shape(name))
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tz_dir(), name) >= sizeof(path))
		return false;
	/* A folder ("Europe") cannot be opened for reading as a file; tables are not TZif. */
	f = fopen(path, "rb");
	if (!f)
		return false;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The third column of a zone.tab line, or NULL for comments and malformed lines. */
static char *zone_of_line(char *line)
{
	char *tab;

	if (line[0] == '#' || !(tab = strchr(line, '\t')) || !(tab = strchr(tab + 1, '\t')))
		return NULL;
	tab++;
	tab[strcspn(tab, "\t\r\n")] = '\0';
	return name_shape(tab) ? tab : NULL;
}

size_t tz_zones(struct arena *a, const char ***out)
{
	char path[512], line[1024];
	size_t n = 0, cap = 512;
	const char **list = arena_alloc(a, cap * sizeof(*list));
	FILE *f;
	bool found;

	snprintf(path, sizeof(path), "%s/zone.tab", tz_dir());
	list[n++] = TZ_DEFAULT;
	if ((found = (f = fopen(path, "r")) != NULL)) {
		while (fgets(line, sizeof(line), f) && n + 1 < cap) {
			const char *z = zone_of_line(line);

			if (z)
				list[n++] = arena_strdup(a, z);
		}
		fclose(f);
	}
	qsort(list, n, sizeof(*list), by_name);
	list[n] = NULL;
	*out = list;
	return found ? n : 0;
}

/* Makes zone the process's TZ when it is not already. */
static void use_zone(const char *zone)
{
	if (strcmp(zone, current) == 0)
		return;
	/* Checked once per change: a name that is no zone would make glibc guess at its meaning. */
	current_utc = strcmp(zone, "UTC") == 0 || strlen(zone) > TZ_NAME_MAX || !tz_valid(zone);
	if (!current_utc) {
		setenv("TZ", zone, 1);
		tzset();
	}
	snprintf(current, sizeof(current), "%s", zone);
}

bool tz_usable(const char *name)
{
	if (!name)
		return false;
	use_zone(name);
	/* A name use_zone refused is UTC for the conversions; UTC itself is usable. */
	return !current_utc || strcmp(name, "UTC") == 0;
}

int tz_local(const char *zone, time_t t, struct tm *out)
{
	use_zone(zone ? zone : TZ_DEFAULT);
	if (current_utc)
		return gmtime_r(&t, out) ? 0 : -1;
	return localtime_r(&t, out) ? 0 : -1;
}

char *tz_put_digits(char *out, unsigned long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return out + width;
}

int tz_format(const char *zone, time_t t, char *out)
{
	struct tm tm;

	if (tz_local(zone, t, &tm) < 0 || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		out[0] = '\0';
		return -1;
	}
	/* "%04d-%02d-%02d %02d:%02d:%02d" by hand: a listing formats a time per row, and printf
	 * cost more than the rest of the conversion. Four-digit years are checked above. */
	memcpy(out, "0000-00-00 00:00:00", TZ_TEXT_SIZE);
	tz_put_digits(out, (unsigned long)(tm.tm_year + 1900), 4);
	tz_put_digits(out + 5, (unsigned long)(tm.tm_mon + 1), 2);
	tz_put_digits(out + 8, (unsigned long)(tm.tm_mday), 2);
	tz_put_digits(out + 11, (unsigned long)(tm.tm_hour), 2);
	tz_put_digits(out + 14, (unsigned long)(tm.tm_min), 2);
	tz_put_digits(out + 17, (unsigned long)(tm.tm_sec), 2);
	return 0;
}

/* The number in s[0..n), when all n are digits; else -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * The database's own form, "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS"
 * with only digits in their places, read without sscanf into tm (then 1900-
 * and 1-based) and *sep. false for anything else, which tz_parse_utc reads as
 * before: the two agree wherever this one answers.
 */
static bool parse_plain(const char *s, struct tm *tm, char *sep)
{
	if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
		return false;
	tm->tm_year = digits(s, 4);
	tm->tm_mon = digits(s + 5, 2);
	tm->tm_mday = digits(s + 8, 2);
	tm->tm_hour = digits(s + 11, 2);
	tm->tm_min = digits(s + 14, 2);
	tm->tm_sec = digits(s + 17, 2);
	*sep = s[10];
	return tm->tm_year >= 0 && tm->tm_mon >= 0 && tm->tm_mday >= 0 && tm->tm_hour >= 0 &&
	       tm->tm_min >= 0 && tm->tm_sec >= 0;
}

bool tz_parse_utc(const char *s, time_t *out)
{
	struct tm tm = {0};
	char sep = 0;
	int used = 19;

	if (!s || strlen(s) < 19)
		return false;
	if (!parse_plain(s, &tm, &sep) &&
	    (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
	            &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 7 ||
	     used != 19))
		return false;
	if (sep != 'T' && sep != ' ')
		return false;
	/* What may follow: a fraction, then "Z" when it is the ISO form. */
	s += 19;
	if (*s == '.')
		s += 1 + strspn(s + 1, "0123456789");
	if (strcmp(s, sep == 'T' ? "Z" : "") != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return true;
}

const char *tz_text(struct arena *a, const char *zone, const char *utc)
{
	char out[TZ_TEXT_SIZE];
	time_t t;

	if (!tz_parse_utc(utc, &t) || tz_format(zone, t, out) < 0)
		return utc;
	return arena_strdup(a, out);
}

const char *tz_iso_of_local(struct arena *a, const char *zone, const char *local)
{
	struct tm tm = {0}, utc;
	int used = 0;
	time_t t;

	if (!local ||
	    (sscanf(local, "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	            &tm.tm_hour, &tm.tm_min, &used) != 5 ||
	     used != 16) ||
	    (local[16] &&
	     (sscanf(local + 16, ":%2d%n", &tm.tm_sec, &used) != 1 || used != 3 || local[19])) ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return NULL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	use_zone(zone ? zone : TZ_DEFAULT);
	t = current_utc ? timegm(&tm) : mktime(&tm);
	if (!gmtime_r(&t, &utc) || utc.tm_year < -1900 || utc.tm_year > 9999 - 1900)
		return NULL;
	return arena_sprintf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900,
	                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

time_t tz_day_start(const char *zone, time_t t)
{
	struct tm tm;

	if (tz_local(zone, t, &tm) < 0)
		return t;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return current_utc ? timegm(&tm) : mktime(&tm);
}

time_t tz_next_day(const char *zone, time_t t)
{
	time_t start = tz_day_start(zone, t);

	/* Noon of the next day is in it whatever the clock changes (none move a clock 12 hours). */
	return tz_day_start(zone, start + 36 * 3600);
}
