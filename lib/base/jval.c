/* JSON values on json-c: typed fields of an object, adding them, and the one serialization. */
#include "base/jval.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"

const char *jval_str(struct json_object *o, const char *key, bool *ok)
{
	struct json_object *v;

	if (ok)
		*ok = true;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		if (ok)
			*ok = false;
		return NULL;
	}
	return json_object_get_string(v);
}

bool jval_has(struct json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

/* An exponent is kept up to this size: far beyond the digits any body can hold. */
#define EXP_CAP 1000000000000000LL

/* The parts of JSON number text: sign, integer digits, fraction digits, exponent. */
struct num_text {
	bool neg;
	const char *ip, *fp;
	size_t ni, nf;
	long long exp;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Splits JSON number text into n; false when s is not one. */
static bool split_number(const char *s, struct num_text *n)
{
	bool eneg = false;

	memset(n, 0, sizeof(*n));
	if (*s == '-') {
		n->neg = true;
		s++;
	}
	for (n->ip = s; is_digit(*s); s++)
		n->ni++;
	if (n->ni == 0)
		return false;
	if (*s == '.') {
		for (n->fp = ++s; is_digit(*s); s++)
			n->nf++;
		if (n->nf == 0)
			return false;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			eneg = *s++ == '-';
		if (!is_digit(*s))
			return false;
		for (; is_digit(*s); s++)
			if (n->exp < EXP_CAP)
				n->exp = n->exp * 10 + (*s - '0');
		if (eneg)
			n->exp = -n->exp;
	}
	return *s == '\0';
}

/* Digit i of the integer digits followed by the fraction digits, as a value. */
static int digit_at(const struct num_text *n, size_t i)
{
	return (i < n->ni ? n->ip[i] : n->fp[i - n->ni]) - '0';
}

static enum jval_num beyond(bool neg, long long *out)
{
	*out = neg ? INT64_MIN : INT64_MAX;
	return JVAL_BEYOND;
}

/*
 * JSON number text read exactly: its digits without the zeros at either end, times a power of
 * ten (scale) that must not be negative for a whole number.
 */
static enum jval_num whole_text(const char *s, long long *out)
{
	struct num_text n;
	size_t total, first, last;
	long long scale;
	unsigned long long mag = 0;

	if (!s || !split_number(s, &n))
		return JVAL_NOT_WHOLE;
	total = n.ni + n.nf;
	for (first = 0; first < total && digit_at(&n, first) == 0; first++)
		;
	if (first == total) {
		*out = 0; /* -0.0 and 0e5 too */
		return JVAL_WHOLE;
	}
	for (last = total - 1; digit_at(&n, last) == 0; last--)
		;
	scale = (long long)n.ni + n.exp - (long long)(last + 1);
	if (scale < 0)
		return JVAL_NOT_WHOLE;
	/* More than 19 digits cannot be an int64; 19 fit an unsigned 64 bits. */
	if ((long long)(last - first + 1) + scale > 19)
		return beyond(n.neg, out);
	for (size_t i = first; i <= last; i++)
		mag = mag * 10 + (unsigned)digit_at(&n, i);
	for (; scale > 0; scale--)
		mag *= 10;
	if (mag > INT64_MAX)
		return beyond(n.neg, out);
	*out = n.neg ? -(long long)mag : (long long)mag;
	return JVAL_WHOLE;
}

enum jval_num jval_whole(struct json_object *v, long long *out)
{
	long long local, *o = out ? out : &local;

	if (json_object_is_type(v, json_type_int)) {
		*o = json_object_get_int64(v);
		/* json-c keeps numbers above INT64_MAX unsigned (get_int64 clamps them) and clamps
		 * those below INT64_MIN to it, so INT64_MIN itself is taken as beyond. */
		if (*o == INT64_MAX && json_object_get_uint64(v) != INT64_MAX)
			return beyond(false, o);
		if (*o == INT64_MIN)
			return beyond(true, o);
		return JVAL_WHOLE;
	}
	/* The parser keeps a double's text as sent: the exact value, not the nearest double. */
	if (json_object_is_type(v, json_type_double))
		return whole_text(json_object_get_string(v), o);
	return JVAL_NOT_WHOLE;
}

enum jval_num jval_int(struct json_object *o, const char *key, long long *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return JVAL_ABSENT;
	return jval_whole(v, out);
}

bool jval_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v ||
	    !json_object_is_type(v, json_type_boolean))
		return false;
	if (out)
		*out = json_object_get_boolean(v);
	return true;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) < 0)
		log_fatal("json: out of memory");
}

static struct json_object *checked(struct json_object *v)
{
	if (!v)
		log_fatal("json: out of memory");
	return v;
}

void jval_add_str(struct json_object *o, const char *key, const char *s)
{
	add(o, key, s ? checked(json_object_new_string(s)) : NULL);
}

void jval_add_int(struct json_object *o, const char *key, long long v)
{
	add(o, key, checked(json_object_new_int64(v)));
}

void jval_add_bool(struct json_object *o, const char *key, bool v)
{
	add(o, key, checked(json_object_new_boolean(v)));
}

const char *jval_text(struct arena *a, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JVAL_OUT_FLAGS);
	char *out;

	if (!s)
		log_fatal("json: out of memory");
	out = arena_strdup(a, s);
	json_object_put(obj);
	return out;
}
