/* One column of a table as a JSON body gives it: its description, the check of a value, the
 * parameter. */
#include "db/field.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/jval.h"
#include "base/valid.h"

size_t field_count(const struct field *fields)
{
	size_t n = 0;

	while (fields[n].name)
		n++;
	return n;
}

int field_index(const struct field *fields, const char *name)
{
	for (size_t i = 0; fields[i].name; i++)
		if (strcmp(fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int fail(const char **msg, const char **detail, const char *m, const char *d)
{
	*msg = m;
	*detail = d ? d : "";
	return 400;
}

static int invalid(struct arena *a, const struct field *f, const char *detail, const char **msg,
                   const char **out_detail)
{
	return fail(msg, out_detail,
	            f->invalid_msg ? f->invalid_msg : arena_sprintf(a, "Invalid %s", f->name),
	            detail);
}

int field_required(struct arena *a, const struct field *f, const char **msg, const char **detail)
{
	return fail(msg, detail, arena_sprintf(a, "Field required: %s", f->name), "");
}

int field_missing(struct arena *a, const struct field *fields, const struct field_value *vals,
                  const char **msg, const char **detail)
{
	for (size_t i = 0; fields[i].name; i++)
		if ((fields[i].flags & FIELD_REQUIRED) && !vals[i].set)
			return field_required(a, &fields[i], msg, detail);
	return 0;
}

static bool is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0';
}

/* Printable ASCII without spaces: what a scanner types for a barcode. */
static bool is_code(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Text the flags read as null. */
static bool reads_as_null(const struct field *f, const char *s)
{
	return ((f->flags & FIELD_EMPTY_NULL) && !*s) ||
	       ((f->flags & FIELD_BLANK_NULL) && is_blank(s));
}

/* A null, or text read as one (written: then it never leaves the default). */
static int null_value(struct arena *a, const struct field *f, bool creating, bool written,
                      struct field_value *out, const char **msg, const char **detail)
{
	if (f->flags & FIELD_NULLABLE) {
		out->set = true;
		out->null = true;
		return 0;
	}
	if (f->flags & FIELD_NULL_MISSING) {
		if (f->flags & FIELD_REQUIRED)
			return field_required(a, f, msg, detail);
		if (creating && !written)
			return 0;
	}
	return invalid(a, f, f->hint, msg, detail);
}

static int int_value(struct arena *a, const struct field *f, struct json_object *v,
                     struct field_value *out, const char **msg, const char **detail)
{
	/* A number of integral value (10, 10.0, 1e1); "5" in quotes is a client bug worth
	 * reporting. Beyond int64 it reads as its nearest end, refused by the range below. */
	switch (jval_whole(v, &out->i)) {
	case JVAL_WHOLE:
		break;
	case JVAL_BEYOND:
		if (f->max)
			break;
		return invalid(a, f, f->hint, msg, detail);
	default:
		return fail(msg, detail, arena_sprintf(a, "%s must be a whole number", f->name),
		            f->hint);
	}
	if (out->i < f->min)
		return invalid(a, f, f->hint, msg, detail);
	if (f->max && out->i > f->max) {
		if (f->flags & FIELD_TOO_LARGE)
			return fail(msg, detail, arena_sprintf(a, "Field too large: %s", f->name),
			            f->hint);
		return invalid(a, f, f->hint, msg, detail);
	}
	out->set = true;
	return 0;
}

/* The text kinds: s checked and normalized for the kind. */
static int text_value(struct arena *a, const struct field *f, const char *s,
                      struct field_value *out, const char **msg, const char **detail)
{
	char when[32];

	switch (f->kind) {
	case FIELD_TEXT:
		/* valid_text counts bytes; a character is at most 4 of them, so count characters
		 * after. */
		if (!valid_text(s, f->max_len * 4))
			return invalid(a, f, arena_sprintf(a, "%s must be non-blank text", f->name),
			               msg, detail);
		if (valid_utf8_chars(s) > f->max_len)
			return fail(msg, detail, arena_sprintf(a, "Field too long: %s", f->name),
			            arena_sprintf(a, "%s takes at most %zu characters", f->name,
			                          f->max_len));
		if ((f->flags & FIELD_CODE) && !is_code(s))
			return invalid(
			    a, f,
			    arena_sprintf(a, "%s must be printable characters without spaces",
			                  f->name),
			    msg, detail);
		out->s = arena_strdup(a, s);
		break;
	case FIELD_ENUM:
		if (!valid_one_of(s, f->values))
			return invalid(a, f, f->hint, msg, detail);
		out->s = arena_strdup(a, s);
		break;
	case FIELD_REF:
		if (!valid_uuid(s))
			return invalid(a, f, f->hint, msg, detail);
		out->s = valid_id_norm(a, s);
		break;
	case FIELD_TIME:
		if (!valid_timestamp(s, when, sizeof when))
			return invalid(a, f, f->hint, msg, detail);
		out->s = arena_strdup(a, when);
		break;
	default:
		return invalid(a, f, f->hint, msg, detail);
	}
	out->set = true;
	return 0;
}

int field_check(struct arena *a, const struct field *f, struct json_object *v, bool creating,
                struct field_value *out, const char **msg, const char **detail)
{
	const char *s;

	if (f->kind == FIELD_SERVER)
		return 0;
	if (!v || json_object_is_type(v, json_type_null))
		return null_value(a, f, creating, false, out, msg, detail);
	switch (f->kind) {
	case FIELD_INT:
		return int_value(a, f, v, out, msg, detail);
	case FIELD_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return invalid(a, f, f->hint, msg, detail);
		out->set = true;
		out->i = json_object_get_boolean(v);
		return 0;
	default:
		break;
	}
	if (!json_object_is_type(v, json_type_string))
		return invalid(a, f, f->hint, msg, detail);
	s = json_object_get_string(v);
	if (reads_as_null(f, s))
		return null_value(a, f, creating, true, out, msg, detail);
	return text_value(a, f, s, out, msg, detail);
}

struct db_param field_param(const struct field *f, const struct field_value *v)
{
	if (v->null)
		return DBP_NULL;
	if (f->kind == FIELD_INT || f->kind == FIELD_BOOL)
		return DBP_I(v->i);
	return DBP_S(v->s);
}
