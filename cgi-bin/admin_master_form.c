/* Create, edit and deactivate forms of master data, built from a resource's fields and written by
 * the API's own checks (res_validate_each, res_write, res_deactivate). */
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "base/arena.h"
#include "base/kvlist.h"
#include "base/valid.h"
#include "db/db.h"
#include "db/field.h"
#include "html/listing.h"
#include "html/page.h"
#include "html/view.h"
#include "web/req.h"
#include "web/resource.h"

/* Labels where the field's name does not read well as one ("sku" is not "Sku"). */
static const struct {
	const char *name;
	const char *label;
} labels[] = {
    {"sku", "SKU"},        {"warehouse_id", "Warehouse"}, {"item_id", "Item"},
    {"bin_id", "Bin"},     {"location_type", "Type"},     {"unit_of_measure", "Unit of measure"},
    {"lot_number", "Lot"}, {"serial_number", "Serial"},
};

/* Hints below a field, where the API has a rule a person cannot guess. */
static const struct {
	const char *table;
	const char *name;
	const char *hint;
	bool create_only; /* it tells what an empty field creates */
} hints[] = {
    {"stocks", "item_id", "SKU or barcode, or the start of a SKU or name.", true},
    {"stocks", "bin_id", "Bin code, or \"WAREHOUSE / BIN\". Empty for stock without a bin.", true},
    {"stocks", "quantity", "Opening stock: posted to the ledger as initial stock.", true},
    {"stocks", "unit_of_measure", "Empty: the item's unit.", true},
    {"items", "unit_of_measure", "Empty: ea (each).", true},
    {"items", "barcode", "Optional: the product's barcode (EAN, UPC), so counters can scan it.",
     false},
};

static const char *field_label(struct arena *a, const struct field *f)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, f->name) == 0)
			return labels[i].label;
	return listing_label(a, f->name);
}

static const char *field_hint(const struct admin_form *af, const struct field *f,
                              enum res_mode mode)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcmp(hints[i].table, af->res->table) == 0 &&
		    strcmp(hints[i].name, f->name) == 0 &&
		    (mode == RES_CREATE || !hints[i].create_only))
			return hints[i].hint;
	return NULL;
}

/* A reference that a picker chooses (items and bins can be many); warehouses are a select. */
static bool picked(const struct field *f, enum admin_pick_kind *kind)
{
	if (f->kind != FIELD_REF || strcmp(f->ref_table, "warehouses") == 0)
		return false;
	*kind = strcmp(f->ref_table, "items") == 0 ? ADMIN_PICK_ITEM : ADMIN_PICK_BIN;
	return true;
}

/* Whether the form shows f as an input: never read-only ones; status only on edit for the
 * soft-deleted tables (deactivation is its own button), always for stock records. */
static bool shown(const struct admin_form *af, const struct field *f, enum res_mode mode)
{
	if (f->flags & RES_READONLY)
		return false;
	if (mode == RES_CREATE && strcmp(f->name, "status") == 0 && af->res->deleted_status &&
	    f->values && valid_one_of(af->res->deleted_status, f->values))
		return false;
	return true;
}

static bool editable(const struct field *f, enum res_mode mode)
{
	return mode == RES_CREATE || (f->flags & RES_PATCH);
}

/* The record's page. */
static const char *record_href(struct request *r, const struct admin_form *af, const char *id)
{
	return arena_sprintf(r->arena, "%s%s", af->record, id);
}

/* ---- the form's state ---- */

/* What one form shows: typed values, messages per field, picker outcomes. */
struct form_state {
	enum res_mode mode;
	const char *id;           /* the record on edit */
	const char **values;      /* per field: the text shown */
	const char **msgs;        /* per field: the message beside it */
	struct admin_pick *picks; /* per field: picker outcome */
	const char *error;        /* the form's message that concerns no one field */
	struct view *record;      /* the stored record on edit (its row) */
};

static void state_init(struct request *r, const struct admin_form *af, enum res_mode mode,
                       struct form_state *st)
{
	size_t n = res_nfields(af->res) + 1;

	memset(st, 0, sizeof(*st));
	st->mode = mode;
	st->values = arena_alloc(r->arena, n * sizeof(*st->values));
	st->msgs = arena_alloc(r->arena, n * sizeof(*st->msgs));
	st->picks = arena_alloc(r->arena, n * sizeof(*st->picks));
	memset(st->values, 0, n * sizeof(*st->values));
	memset(st->msgs, 0, n * sizeof(*st->msgs));
	memset(st->picks, 0, n * sizeof(*st->picks));
}

/* What a person calls the stored record (its SKU, its code, "WAREHOUSE / BIN / SKU"), or NULL. */
static const char *record_code(struct request *r, const struct admin_form *af,
                               const struct form_state *st)
{
	if (af->code_field)
		return listing_str(st->record, af->code_field);
	if (strcmp(af->res->table, "stocks") == 0)
		return admin_pick_code(r, ADMIN_PICK_STOCK, st->id);
	return NULL;
}

/* ---- rendering ---- */

static void add_enum_options(struct request *r, struct view *o, const struct field *f,
                             const char *current)
{
	struct view *options = view_list(r->arena);

	for (size_t i = 0; f->values[i]; i++)
		page_option(r->arena, options, f->values[i], listing_label(r->arena, f->values[i]),
		            current);
	view_set(o, "options", options);
}

static int add_warehouse_options(struct request *r, struct view *o, const char *current)
{
	struct view *options = view_list(r->arena);
	struct db_rows rows;

	view_set(o, "options", options);
	if (db_exec(r->arena, &rows, ADMIN_WAREHOUSE_OPTIONS, "ss", r->caller->tenant_id,
	            current ? current : "") < 0)
		return -1;
	for (size_t i = 0; i < rows.nrows; i++)
		page_option(r->arena, options, db_cell(&rows, i, 0), db_cell(&rows, i, 1), current);
	return 0;
}

/* "x-hint x-error": the ids of what describes the input, or NULL. */
static const char *described_by(struct arena *a, const char *name, bool hint, bool error)
{
	if (!hint && !error)
		return NULL;
	return arena_sprintf(a, "%s%s%s%s%s", hint ? name : "", hint ? "-hint" : "",
	                     hint && error ? " " : "", error ? name : "", error ? "-error" : "");
}

/* The view of field i: its input, value, message and hint. */
static int field_view(struct request *r, const struct admin_form *af, const struct form_state *st,
                      size_t i, struct view *o)
{
	const struct field *f = &af->res->fields[i];
	const char *value = st->values[i], *hint = field_hint(af, f, st->mode), *msg = st->msgs[i];
	enum admin_pick_kind kind;

	if (st->mode == RES_UPDATE && !editable(f, st->mode))
		hint = af->fixed_hint;
	view_set_str(o, "name", f->name);
	view_set_str(o, "label", field_label(r->arena, f));
	view_set_str(o, "value", value);
	view_set_str(o, "error", msg);
	view_set_str(o, "hint", hint);
	view_set_str(o, "described_by", described_by(r->arena, f->name, hint != NULL, msg != NULL));
	view_set_bool(o, "required", st->mode == RES_CREATE && (f->flags & FIELD_REQUIRED));
	if (!editable(f, st->mode)) {
		view_set_bool(o, "is_fixed", true);
		view_set_str(o, "value", value && *value ? value : "–");
		return 0;
	}
	if (picked(f, &kind)) {
		view_set_bool(o, "is_picker", true);
		admin_pick_view(r, o, kind, &st->picks[i], value);
		return 0;
	}
	switch (f->kind) {
	case FIELD_ENUM:
		view_set_bool(o, "is_select", true);
		view_set_bool(o, "blank_choice", !(f->flags & FIELD_REQUIRED));
		view_set_str(o, "blank_label", "Default");
		add_enum_options(r, o, f, value);
		return 0;
	case FIELD_REF:
		view_set_bool(o, "is_select", true);
		view_set_bool(o, "blank_choice", true);
		view_set_str(o, "blank_label", "Choose…");
		return add_warehouse_options(r, o, value);
	case FIELD_INT:
		view_set_bool(o, "is_number", true);
		return 0;
	default:
		view_set_bool(o, f->max_len > 500 ? "is_textarea" : "is_text", true);
		view_set_int(o, "max_len", (long long)f->max_len);
		return 0;
	}
}

/* Renders the form (new or edit) with status. */
static void form_page(struct request *r, const struct admin_form *af, const struct form_state *st,
                      int status)
{
	bool edit = st->mode == RES_UPDATE;
	const char *code = edit ? record_code(r, af, st) : NULL;
	const char *title = edit ? (code ? arena_sprintf(r->arena, "Edit %s %s", af->name, code)
	                                 : arena_sprintf(r->arena, "Edit %s", af->name))
	                         : arena_sprintf(r->arena, "New %s", af->name);
	struct view *page = page_new(r, title, af->section), *fields = view_list(r->arena);
	bool any = false;

	for (size_t i = 0; af->res->fields[i].name; i++) {
		struct view *o;

		if (!shown(af, &af->res->fields[i], st->mode))
			continue;
		o = view_map(r->arena);
		if (field_view(r, af, st, i, o) < 0) {
			page_error(r, 500, "Internal server error");
			return;
		}
		any |= st->msgs[i] != NULL;
		view_push(fields, o);
	}
	view_set(page, "fields", fields);
	view_set_str(page, "heading", title);
	view_set_str(page, "entity", af->res->entity);
	view_set_str(page, "error", st->error);
	view_set_bool(page, "has_field_errors", any && !st->error);
	view_set_str(page, "action", edit ? record_href(r, af, st->id) : af->path);
	view_set_str(page, "cancel_href", af->path);
	/* The API's DELETE, behind its confirmation page. */
	if (edit && st->record && listing_str(st->record, "status") &&
	    strcmp(listing_str(st->record, "status"), "inactive") != 0)
		view_set_str(page, "deactivate_href",
		             arena_sprintf(r->arena, "%s/deactivate", record_href(r, af, st->id)));
	view_set_str(page, "submit",
	             edit ? "Save changes" : arena_sprintf(r->arena, "Create %s", af->name));
	page_render(r, status, "master_form", page);
}

/* ---- reading the form into the API's JSON body ---- */

/* The JSON value of a field's text as a client of the API would send it. */
static struct json_object *json_value(const struct field *f, const char *text)
{
	long long n;

	if (!text || !*text)
		return NULL; /* JSON null: the API's empty-value rules apply */
	if (f->kind == FIELD_INT && valid_int64(text, &n))
		return json_object_new_int64(n);
	return json_object_new_string(text);
}

/* The warehouse the form names, to narrow its bin picker. */
static const char *form_warehouse(const struct kvlist *form)
{
	const char *w = kvlist_get(form, "warehouse_id");

	return w && valid_uuid(w) ? w : NULL;
}

/* A picker field: resolved to its id in body, or its message in st. 0 or -1. */
static int read_picker(struct request *r, const struct kvlist *form, const struct field *f,
                       enum admin_pick_kind kind, size_t i, struct form_state *st,
                       struct json_object *body)
{
	const char *chosen = page_field(r, form, arena_sprintf(r->arena, "%s_pick", f->name));
	struct admin_pick *p = &st->picks[i];

	if (!st->values[i] && !chosen) {
		json_object_object_add(body, f->name, NULL);
		return 0;
	}
	if (admin_pick_resolve(r, kind, st->values[i], chosen, form_warehouse(form), p) < 0)
		return -1;
	if (p->id) {
		st->values[i] = p->code;
		json_object_object_add(body, f->name, json_object_new_string(p->id));
	} else
		st->msgs[i] = p->error;
	return 0;
}

/* The body of the editable fields the form shows; picker messages go to st. 0 or -1. */
static int read_form(struct request *r, const struct admin_form *af, const struct kvlist *form,
                     struct form_state *st, struct json_object *body)
{
	for (size_t i = 0; af->res->fields[i].name; i++) {
		const struct field *f = &af->res->fields[i];
		enum admin_pick_kind kind;
		const char *raw = kvlist_get(form, f->name);

		if (!shown(af, f, st->mode) || !editable(f, st->mode))
			continue;
		st->values[i] = raw;
		if (picked(f, &kind)) {
			st->values[i] = page_field(r, form, f->name);
			if (read_picker(r, form, f, kind, i, st, body) < 0)
				return -1;
			continue;
		}
		/* Typed text goes as typed (the API's checks count its blanks); the rest trimmed.
		 */
		json_object_object_add(
		    body, f->name,
		    json_value(f, f->kind == FIELD_TEXT && page_field(r, form, f->name)
		                      ? raw
		                      : page_field(r, form, f->name)));
	}
	return 0;
}

/*
 * The API's checks of every field; on edit a required field left empty says
 * so (the API reads an empty value there as "not changed").
 */
static int check_form(struct request *r, const struct admin_form *af, struct json_object *body,
                      struct form_state *st, struct field_value *vals)
{
	size_t n = res_nfields(af->res);
	const char **msgs = arena_alloc(r->arena, (n + 1) * sizeof(*msgs));
	const char *detail;
	int status = res_validate_each(r->arena, af->res, body, st->mode, vals, msgs);

	for (size_t i = 0; i < n; i++) {
		const struct field *f = &af->res->fields[i];

		if (st->mode == RES_UPDATE && (f->flags & FIELD_REQUIRED) &&
		    editable(f, st->mode) && shown(af, f, st->mode) && !vals[i].set && !msgs[i])
			status = field_required(r->arena, f, &msgs[i], &detail);
		if (!st->msgs[i])
			st->msgs[i] = msgs[i];
		else
			status = 400;
	}
	return status;
}

/* Runs the write; on a refusal puts its message beside its field (or above the form). */
static int write_form(struct request *r, const struct admin_form *af, struct form_state *st,
                      struct res_op *op)
{
	int status = res_write(op, st->mode);
	int fi;

	if (status == 0 || status == 500)
		return status;
	fi = op->field ? res_field_index(af->res, op->field) : -1;
	if (fi >= 0 && shown(af, &af->res->fields[fi], st->mode) &&
	    editable(&af->res->fields[fi], st->mode))
		st->msgs[fi] = op->message;
	else
		st->error = op->message;
	return status;
}

/* Reads, checks and writes a posted form; re-renders it on any refusal. */
static void submit(struct request *r, const struct admin_form *af, struct form_state *st)
{
	struct kvlist form;
	struct json_object *body;
	struct res_op op;
	int status;

	if (!page_form(r, &form))
		return;
	body = json_object_new_object();
	res_op_init(r, af->res, st->id, &op);
	status = read_form(r, af, &form, st, body) < 0 ? 500 : 0;
	if (status == 0)
		status = check_form(r, af, body, st, op.vals);
	json_object_put(body);
	if (status == 0)
		status = write_form(r, af, st, &op);
	if (status == 500) {
		page_error(r, 500, "Internal server error");
		return;
	}
	if (status == 404 && st->mode == RES_UPDATE && !st->error && op.field == NULL) {
		page_error(r, 404, op.message);
		return;
	}
	if (status) {
		form_page(r, af, st, status);
		return;
	}
	page_redirect(r, arena_sprintf(r->arena, "%s?saved=%s", record_href(r, af, op.id),
	                               st->mode == RES_CREATE ? "created" : "updated"));
}

/* ---- the stored record ---- */

/* "CODE · Name" of the tenant's warehouse id, or id itself when it has none. */
static const char *warehouse_code(struct request *r, const char *id)
{
	struct db_rows rows;

	if (db_exec(
	        r->arena, &rows,
	        "SELECT CONCAT(code, ' · ', name) FROM warehouses WHERE tenant_id = ? AND id = ?",
	        "ss", r->caller->tenant_id, id) < 0 ||
	    rows.nrows == 0)
		return id;
	return db_cell(&rows, 0, 0);
}

/* The record's fields as text (refs of pickers as their codes): 0, 1 when none, -1. */
static int load_record(struct request *r, const struct admin_form *af, const char *id,
                       struct form_state *st)
{
	const struct resource *res = af->res;
	struct db_rows rows;
	char *sql = arena_sprintf(r->arena, "SELECT t.id");

	for (size_t i = 0; res->fields[i].name; i++)
		sql = arena_sprintf(r->arena, "%s, t.%s", sql, res->fields[i].name);
	sql = arena_sprintf(r->arena, "%s FROM %s t WHERE t.tenant_id = ? AND t.id = ?", sql,
	                    res->table);
	if (db_exec(r->arena, &rows, sql, "ss", r->caller->tenant_id, id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 1;
	st->record = view_row(r->arena, &rows, 0);
	for (size_t i = 0; res->fields[i].name; i++) {
		enum admin_pick_kind kind;
		const char *v = db_cell(&rows, 0, i + 1);

		if (v && picked(&res->fields[i], &kind))
			v = admin_pick_code(r, kind, v);
		else if (v && res->fields[i].kind == FIELD_REF)
			v = warehouse_code(r, v); /* fixed once created: shown, never chosen */
		st->values[i] = v;
	}
	return 0;
}

/* The record of the :id route, into st; NULL after an error page. */
static const char *record_of(struct request *r, const struct admin_form *af, struct form_state *st)
{
	const char *id = admin_path_id(r, af->res->entity);
	int rc;

	if (!id)
		return NULL;
	rc = load_record(r, af, id, st);
	if (rc != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error"
		                  : arena_sprintf(r->arena, "%s not found", af->res->entity));
		return NULL;
	}
	st->id = id;
	return id;
}

/* ---- handlers ---- */

void admin_form_new(struct request *r, const struct admin_form *af)
{
	struct form_state st;

	state_init(r, af, RES_CREATE, &st);
	/* A link from a warehouse or an item may choose it already. */
	for (size_t i = 0; af->res->fields[i].name; i++) {
		const char *v = req_query(r, af->res->fields[i].name);
		enum admin_pick_kind kind;

		if (v && *v && af->res->fields[i].kind == FIELD_REF)
			st.values[i] = picked(&af->res->fields[i], &kind)
			                   ? (valid_uuid(v) ? admin_pick_code(r, kind, v) : v)
			                   : v;
	}
	form_page(r, af, &st, 200);
}

void admin_form_create(struct request *r, const struct admin_form *af)
{
	struct form_state st;

	state_init(r, af, RES_CREATE, &st);
	submit(r, af, &st);
}

const char *admin_form_notice(struct request *r, const char *name)
{
	const char *saved = req_query(r, "saved");

	if (!saved ||
	    !valid_one_of(saved, (const char *const[]){"created", "updated", "deactivated", NULL}))
		return NULL;
	return arena_sprintf(r->arena, "%s %s.", name, saved);
}

/* The record's details for a reader: label and text of each field. */
static struct view *details_view(struct request *r, const struct admin_form *af,
                                 const struct form_state *st)
{
	struct view *list = view_list(r->arena);

	for (size_t i = 0; af->res->fields[i].name; i++) {
		struct view *o = view_map(r->arena);
		const char *v = st->values[i];

		view_set_str(o, "label", field_label(r->arena, &af->res->fields[i]));
		view_set_str(o, "value", v && *v ? v : "–");
		view_push(list, o);
	}
	return list;
}

void admin_form_edit(struct request *r, const struct admin_form *af)
{
	struct form_state st;
	struct view *page;
	const char *code;

	state_init(r, af, RES_UPDATE, &st);
	if (!record_of(r, af, &st))
		return;
	if (page_can(r, ADMIN_WRITE_SCOPES) && !req_query(r, "saved")) {
		form_page(r, af, &st, 200);
		return;
	}
	/* After a write, and for readers: the record, with the form a click away. */
	code = af->code_field ? st.values[res_field_index(af->res, af->code_field)] : NULL;
	page = page_new(r, code ? code : af->res->entity, af->section);
	view_set_str(page, "entity", af->res->entity);
	view_set_str(page, "code", code);
	view_set_str(page, "notice", admin_form_notice(r, af->res->entity));
	view_set(page, "details", details_view(r, af, &st));
	view_set(page, "record", st.record);
	view_set_str(page, "list_href", af->path);
	view_set_str(page, "list_label", arena_sprintf(r->arena, "All %ss", af->name));
	view_set_str(page, "edit_href",
	             arena_sprintf(r->arena, "%s%s%s", af->record, st.id, af->edit_tail));
	view_set_str(page, "stock_href",
	             arena_sprintf(r->arena, PAGE_ROOT "/stocks?%s_id=%s", af->name, st.id));
	view_set_bool(page, "can_write", page_can(r, ADMIN_WRITE_SCOPES));
	view_set_bool(page, "active", strcmp(listing_str(st.record, "status"), "active") == 0);
	page_render(r, 200, "master_record", page);
}

void admin_form_update(struct request *r, const struct admin_form *af)
{
	struct form_state st;

	state_init(r, af, RES_UPDATE, &st);
	if (!record_of(r, af, &st))
		return;
	submit(r, af, &st);
}

/* The confirmation page of a deactivation, with error (NULL for none) and status. */
static void confirm_page(struct request *r, const struct admin_form *af,
                         const struct form_state *st, int status, const char *error)
{
	const char *code = record_code(r, af, st);
	struct view *page =
	    page_new(r, arena_sprintf(r->arena, "Deactivate %s", af->name), af->section);

	view_set_str(page, "entity", af->res->entity);
	view_set_str(page, "name", af->name);
	view_set_str(page, "code", code ? code : "");
	view_set_str(page, "error", error);
	view_set_str(page, "action",
	             arena_sprintf(r->arena, "%s/deactivate", record_href(r, af, st->id)));
	view_set_str(page, "cancel_href", record_href(r, af, st->id));
	view_set(page, "details", details_view(r, af, st));
	page_render(r, status, "master_deactivate", page);
}

void admin_form_confirm(struct request *r, const struct admin_form *af)
{
	struct form_state st;

	state_init(r, af, RES_UPDATE, &st);
	if (record_of(r, af, &st))
		confirm_page(r, af, &st, 200, NULL);
}

void admin_form_deactivate(struct request *r, const struct admin_form *af)
{
	struct form_state st;
	struct kvlist form;
	struct res_op op;
	int status;

	if (!page_form(r, &form))
		return;
	state_init(r, af, RES_UPDATE, &st);
	if (!record_of(r, af, &st))
		return;
	res_op_init(r, af->res, st.id, &op);
	status = res_deactivate(&op);
	if (status == 500 || status == 404) {
		page_error(r, status, op.message);
		return;
	}
	if (status) {
		confirm_page(r, af, &st, status, op.message);
		return;
	}
	page_redirect(r,
	              arena_sprintf(r->arena, "%s?saved=deactivated", record_href(r, af, st.id)));
}
