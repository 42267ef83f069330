/*
 * Fuzz driver: JSON request bodies and their validation. The input is a body
 * sent as application/json. It goes through body_json and, when that
 * gives an object, through every validator of a JSON write: the four master
 * data resources (create and PATCH), an inventory transaction create
 * (itx_check_input), a count session with its assignments, and a counted line.
 * None of them may touch the database (the stubs in common.c make that a
 * finding).
 *
 * Properties: a parsed body serializes and parses back to an equal object; no
 * string or key of an accepted body hides a NUL byte (C code would silently cut
 * it short); what a validator accepts fits its column: text within the
 * character limit, enums among their values, ids lower-cased UUIDs, timestamps
 * DATETIME text, integers within their bounds, serials a sorted JSON array of
 * counted_qt distinct strings; a number jval_whole reads as whole is the double
 * the parser made of it (below 2^53).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/jval.h"
#include "base/valid.h"
#include "count/count_input.h"
#include "fuzz.h"
#include "stock/itx.h"
#include "stock/ledger.h"
#include "stock/master.h"
#include "web/body.h"
#include "web/count_body.h"
#include "web/master_resources.h"
#include "web/resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct resource *const resources[] = {
    &master_resources_warehouses,
    &master_resources_bins,
    &master_resources_items,
    &master_resources_stocks,
    NULL,
};

/*
 * Every number of v (at any depth) as jval_whole reads it agrees with the double the parser made
 * of it: a whole number below 2^53 is that very double, one beyond int64 is a double at least 2^63.
 */
static void check_numbers(struct json_object *v)
{
	long long n;
	double d = json_object_get_double(v);

	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		switch (jval_whole(v, &n)) {
		case JVAL_WHOLE:
			if (fabs(d) > 0x1p63 || (llabs(n) <= (1LL << 53) && (double)n != d))
				fuzz_fail("%s read as the whole number %lld",
				          json_object_get_string(v), n);
			break;
		case JVAL_BEYOND:
			if (fabs(d) < 0x1p63)
				fuzz_fail("%s read as beyond int64", json_object_get_string(v));
			break;
		default:
			break;
		}
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			check_numbers(json_object_array_get_idx(v, i));
		break;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			check_numbers(val);
		}
		break;
	}
	default:
		break;
	}
}

/* No key or string of v (at any depth) holds a NUL byte. */
static void check_no_nul(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
			fuzz_fail("an accepted body holds a string with a NUL byte");
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			check_no_nul(json_object_array_get_idx(v, i));
		break;
	case json_type_object: {
		struct lh_entry *e;

		/* Keys are C strings in json-c: a NUL in one is only visible in the text (json.c
		 * checks). */
		for (e = json_object_get_object(v)->head; e; e = e->next)
			check_no_nul((struct json_object *)lh_entry_v(e));
		break;
	}
	default:
		break;
	}
}

static void check_round_trip(struct arena *a, struct json_object *obj)
{
	const char *text = jval_text(a, json_object_get(obj));
	struct json_object *again = json_tokener_parse(text);

	if (!again || !json_object_equal(obj, again))
		fuzz_fail("body does not survive serialization: %s", text);
	json_object_put(again);
}

static bool is_lower_uuid(const char *s)
{
	if (!valid_uuid(s))
		return false;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return false;
	return true;
}

/* What res_validate accepted fits the columns. */
static void check_res_values(const struct resource *res, const struct field_value *vals)
{
	for (size_t i = 0; res->fields[i].name; i++) {
		const struct field *f = &res->fields[i];
		const struct field_value *v = &vals[i];
		bool ok = true;

		if (!v->set || v->null)
			continue;
		switch (f->kind) {
		case FIELD_TEXT:
			ok = v->s && valid_text(v->s, f->max_len * 4) &&
			     valid_utf8_chars(v->s) <= f->max_len;
			break;
		case FIELD_ENUM:
			ok = v->s && valid_one_of(v->s, f->values);
			break;
		case FIELD_REF:
			ok = is_lower_uuid(v->s);
			break;
		case FIELD_TIME:
			ok = fuzz_is_db_time(v->s);
			break;
		case FIELD_INT:
			ok = v->i >= f->min && (!f->max || v->i <= f->max);
			break;
		default: /* master data has no other kinds */
			ok = false;
			break;
		}
		if (!ok)
			fuzz_fail("%s.%s accepted a value its column cannot hold", res->table,
			          f->name);
	}
}

static void check_resources(struct arena *a, struct json_object *body)
{
	for (size_t r = 0; resources[r]; r++) {
		for (int mode = RES_CREATE; mode <= RES_UPDATE; mode++) {
			const struct resource *res = resources[r];
			struct field_value *vals =
			    arena_alloc(a, (res_nfields(res) + 1) * sizeof(*vals));
			const char *msg = NULL;

			if (res_validate(a, res, body, (enum res_mode)mode, FUZZ_TENANT, vals,
			                 &msg) == 0)
				check_res_values(res, vals);
			else if (!msg)
				fuzz_fail("%s: refused without a message", res->table);
		}
	}
}

/* The create body's fields as the handler reads them; false for a type error. */
static bool itx_fields(struct json_object *body, struct itx_input *in, const char **type,
                       const char **direction, const char **timestamp)
{
	struct {
		const char *name;
		const char **out;
	} fields[] = {
	    {"warehouse_id", &in->warehouse_id},
	    {"item_id", &in->item_id},
	    {"stock_id", &in->stock_id},
	    {"transaction_type", type},
	    {"adjustment_direction", direction},
	    {"from_bin_id", &in->from_bin_id},
	    {"to_bin_id", &in->to_bin_id},
	    {"reference_id", &in->reference_id},
	    {"reference_type", &in->reference_type},
	    {"notes", &in->notes},
	    {"performed_by", &in->performed_by},
	    {"timestamp", timestamp},
	};
	bool ok = true;
	enum jval_num k;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = jval_str(body, fields[i].name, &ok);

		if (!ok)
			return false;
		*fields[i].out = v && *v ? v : NULL;
	}
	/* As the handler: a whole number, or one beyond int64 that itx_check_input refuses. */
	k = jval_int(body, "quantity", &in->quantity);
	return *type && (k == JVAL_WHOLE || k == JVAL_BEYOND);
}

static void check_itx(struct arena *a, struct json_object *body)
{
	struct itx_input in;
	const char *type = NULL, *direction = NULL, *timestamp = NULL, *msg = NULL;

	memset(&in, 0, sizeof(in));
	if (!itx_fields(body, &in, &type, &direction, &timestamp))
		return;
	if (itx_check_input(a, &in, type, direction, timestamp, FUZZ_USER, &msg) != 0)
		return;
	if (!in.type || !valid_one_of(in.type, ledger_types) ||
	    ledger_quantity_error(in.type, in.quantity) || !in.performed_by)
		fuzz_fail("itx_check_input accepted type %s quantity %lld", type, in.quantity);
	if (timestamp && !fuzz_is_db_time(in.timestamp))
		fuzz_fail("itx_check_input accepted timestamp %s", timestamp);
	if (strcmp(in.type, "move") == 0 &&
	    (!in.from_bin_id || !in.to_bin_id || strcmp(in.from_bin_id, in.to_bin_id) == 0))
		fuzz_fail("itx_check_input accepted a move without two bins");
	if (strcmp(in.type, "stock_adjustment") == 0 && in.dir == LEDGER_DIR_NONE)
		fuzz_fail("itx_check_input accepted an adjustment without a direction");
	if (!itx_notes_ok(in.notes))
		fuzz_fail("itx_check_input accepted notes that are too long");
}

static void check_count(struct arena *a, struct json_object *body)
{
	struct json_object *doc = NULL, *arr = NULL;
	struct field_value *vals = arena_alloc(a, count_nfields() * sizeof(*vals));
	struct count_assignment *as;
	struct count_entry e;
	const char *msg = NULL, *detail = NULL;
	size_t n;

	if (!json_object_object_get_ex(body, "count_session", &doc) ||
	    !json_object_is_type(doc, json_type_object))
		doc = body;
	(void)count_body_session(a, doc, true, vals, &msg, &detail);
	memset(vals, 0, count_nfields() * sizeof(*vals));
	if (count_body_session(a, doc, false, vals, &msg, &detail) == 0) {
		for (size_t i = 0; count_fields[i].name; i++)
			if (vals[i].set && !vals[i].null && count_fields[i].kind == FIELD_TIME &&
			    !fuzz_is_db_time(vals[i].s))
				fuzz_fail("count session %s accepted as \"%s\"",
				          count_fields[i].name, vals[i].s);
	}
	json_object_object_get_ex(body, "assignments", &arr);
	if (count_body_assignments(a, arr, &as, &n, &msg, &detail) == 0) {
		for (size_t i = 0; i < n; i++)
			if (as[i].ntargets == 0 || (!as[i].username && !as[i].user_id))
				fuzz_fail("assignment %zu accepted without user or targets", i);
	}
	if (count_body_entry(a, body, &e, &msg, &detail) == 0) {
		struct json_object *serials;

		if (!e.bin_id || !*e.bin_id || !e.item_id || !*e.item_id || !e.lot_number ||
		    e.counted_qt < 0 || e.counted_qt > LEDGER_QTY_MAX)
			fuzz_fail("count_body_entry accepted an incomplete line");
		if (e.serials) {
			serials = json_tokener_parse(e.serials);
			if (!json_object_is_type(serials, json_type_array) ||
			    (long long)json_object_array_length(serials) != e.counted_qt)
				fuzz_fail("serials \"%s\" for counted_qt %lld", e.serials,
				          e.counted_qt);
			for (size_t i = 1; i < json_object_array_length(serials); i++)
				if (strcmp(json_object_get_string(
				               json_object_array_get_idx(serials, i - 1)),
				           json_object_get_string(
				               json_object_array_get_idx(serials, i))) >= 0)
					fuzz_fail("serials \"%s\" not sorted and distinct",
					          e.serials);
			json_object_put(serials);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	static const char ct[] = "application/json";
	struct fuzz_req f;
	struct json_object *body;
	const char *err = NULL;
	char cl[32];

	fuzz_setup();
	if (!a)
		a = arena_new(0);
	fuzz_req_init(&f);
	fuzz_req_env(&f, a, "REQUEST_METHOD", "POST", 4);
	fuzz_req_env(&f, a, "CONTENT_TYPE", ct, sizeof(ct) - 1);
	snprintf(cl, sizeof(cl), "%zu", size);
	fuzz_req_env(&f, a, "CONTENT_LENGTH", cl, strlen(cl));
	fuzz_req_body(&f, (const char *)data, size);
	if (fuzz_req_read(&f, a) == REQ_OK && req_is_json(&f.r)) {
		body = body_json(&f.r, &err);
		if (body) {
			req_json_own(&f.r, body);
			if (!json_object_is_type(body, json_type_object) || err)
				fuzz_fail("body_json gave a non-object");
			check_no_nul(body);
			check_numbers(body);
			check_round_trip(a, body);
			check_resources(a, body);
			check_itx(a, body);
			check_count(a, body);
		} else if (!err) {
			fuzz_fail("body_json refused without a message");
		}
	}
	fuzz_req_release(&f);
	arena_reset(a);
	return 0;
}
