/* Input checks shared by handlers: ids, enums, numbers, timestamps, text. */
#include "base/valid.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

bool valid_uuid(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

bool valid_one_of(const char *s, const char *const *list)
{
	if (!s || !list)
		return false;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool valid_int64(const char *s, long long *out)
{
	const char *digits;
	char *end;
	long long v;

	if (!s)
		return false;
	digits = *s == '-' ? s + 1 : s;
	/* strtoll alone would accept blanks and a '+' sign. */
	if (!isdigit((unsigned char)*digits))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	if (out)
		*out = v;
	return true;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long long)era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400 + (*m <= 2));
}

/* "Z", "+hh:mm", "+hhmm", "+hh" (or '-') into seconds east of UTC; "" is UTC. */
static bool parse_offset(const char *p, long *offset)
{
	int sign, hh, mm = 0;

	*offset = 0;
	if (*p == '\0')
		return true;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (!digits(&p, 2, &hh))
		return false;
	if (*p == ':')
		p++;
	if (*p && !digits(&p, 2, &mm))
		return false;
	if (*p || hh > 23 || mm > 59)
		return false;
	*offset = sign * (hh * 3600L + mm * 60L);
	return true;
}

bool valid_timestamp(const char *s, char *out, size_t outlen)
{
	const char *p = s;
	int year, mon, day, hh = 0, mi = 0, ss = 0;
	long offset = 0, y;
	long long t;

	if (!s || !out || outlen < 20)
		return false;
	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return false;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return false;
		p++;
		if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		/* Seconds are optional: HTML datetime-local inputs leave them out. */
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &ss))
				return false;
			if (*p == '.') {
				p++;
				if (!isdigit((unsigned char)*p))
					return false;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (hh > 23 || mi > 59 || ss > 59)
			return false;
		if (!parse_offset(p, &offset))
			return false;
	}

	t = days_from_civil(year, mon, day) * 86400LL + hh * 3600LL + mi * 60LL + ss - offset;
	civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &mon, &day);
	t = ((t % 86400) + 86400) % 86400;
	/* MariaDB's DATETIME range. */
	if (y < 1000 || y > 9999)
		return false;
	snprintf(out, outlen, "%04ld-%02d-%02d %02d:%02d:%02d", y, mon, day, (int)(t / 3600),
	         (int)(t / 60 % 60), (int)(t % 60));
	return true;
}

void valid_db_time_to_iso(const char *db, char *out, size_t outlen)
{
	size_t n;

	if (!out || outlen == 0)
		return;
	out[0] = '\0';
	if (!db)
		return;
	n = strlen(db);
	/* "YYYY-MM-DD HH:MM:SS" with an optional fraction, which the API leaves out. */
	if (n >= 19 && db[10] == ' ' && (n == 19 || db[19] == '.')) {
		if (outlen < 21)
			return;
		memcpy(out, db, 10);
		out[10] = 'T';
		memcpy(out + 11, db + 11, 8);
		out[19] = 'Z';
		out[20] = '\0';
		return;
	}
	/* A DATE column or anything unexpected passes through unchanged. */
	snprintf(out, outlen, "%s", db);
}

/* Length of the UTF-8 sequence at s, or 0 when it is invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		/* No overlong forms (e0 80..9f) and no surrogates (ed a0..bf). */
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

bool valid_text(const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	bool nonblank = false;
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len > maxlen)
		return false;
	while (*p) {
		size_t n = utf8_seq(p);

		if (n == 0)
			return false;
		if (!(n == 1 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')))
			nonblank = true;
		p += n;
	}
	return nonblank;
}

bool valid_email(const char *s)
{
	const char *at, *dot;
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 5 || len > 254)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	dot = strrchr(at + 1, '.');
	/* The domain needs a dot with a label on each side. */
	return dot && dot > at + 1 && dot[1] != '\0';
}

size_t valid_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

const char *valid_id_norm(struct arena *a, const char *s)
{
	char *out;

	if (!s || !valid_uuid(s))
		return s;
	out = arena_strdup(a, s);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}
