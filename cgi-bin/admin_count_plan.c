/* The targets of the new count session form: codes typed or scanned, one a line, and prefix
 * patterns, resolved with the search pickers' rules (stock/master_pick.h) into the API's keys. */
#include <stdbool.h>
#include <string.h>

#include "admin.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/valid.h"
#include "base/kvlist.h"
#include "db/db.h"
#include "html/page.h"
#include "html/view.h"
#include "stock/master_pick.h"
#include "web/req.h"

/* Candidates an ambiguous code's message names. */
#define NAMED_MAX 5

/* What the targets of one kind are called in messages. */
struct plan_kind {
	enum master_pick_kind kind;
	const char *one, *many, *code;
};

static const struct plan_kind bins = {MASTER_PICK_BIN, "bin", "bins", "WAREHOUSE / BIN"};
static const struct plan_kind items = {MASTER_PICK_ITEM, "item", "items", "SKU or barcode"};

/* Adds id to the row unless it is there already (a pattern and a code may name one bin twice). */
static void add_key(struct request *r, struct admin_count_plan_row *row, const char *id)
{
	for (size_t i = 0; i < row->nkeys; i++)
		if (strcmp(row->keys[i], id) == 0)
			return;
	if (row->nkeys == row->cap) {
		const char **more;

		row->cap = row->cap ? 2 * row->cap : 16;
		more = arena_alloc(r->arena, row->cap * sizeof(*more));
		if (row->nkeys)
			memcpy(more, row->keys, row->nkeys * sizeof(*more));
		row->keys = more;
	}
	row->keys[row->nkeys++] = id;
}

static void add_error(struct request *r, struct admin_count_plan_row *row, size_t line,
                      const char *msg)
{
	if (!row->errors)
		row->errors = view_list(r->arena);
	view_push_str(row->errors, line ? arena_sprintf(r->arena, "Line %zu: %s", line, msg) : msg);
}

/* "A-01-*": every active bin (item) whose code starts with A-01-, up to the cap. */
static int expand(struct request *r, const struct plan_kind *k, const char *line, size_t no,
                  const char *warehouse_id, struct admin_count_plan_row *row)
{
	char *pfx = arena_strndup(r->arena, line, strlen(line) - 1);
	struct db_rows rows;

	if (!*pfx || pfx[strlen(pfx) - 1] == ' ' || pfx[strlen(pfx) - 1] == '/') {
		add_error(r, row, no,
		          arena_sprintf(r->arena,
		                        "\"%s\": a pattern is the start of a %s code then *,"
		                        " as A-01-*.",
		                        line, k->one));
		return 0;
	}
	if (master_pick_prefix(r->arena, r->caller->tenant_id, k->kind, pfx, warehouse_id,
	                       ADMIN_COUNT_PATTERN_MAX, &rows) < 0)
		return -1;
	if (rows.nrows == 0)
		add_error(r, row, no,
		          arena_sprintf(r->arena, "No active %s starts with \"%s\".", k->one, pfx));
	else if (rows.nrows > ADMIN_COUNT_PATTERN_MAX)
		add_error(
		    r, row, no,
		    arena_sprintf(r->arena,
		                  "\"%s\" matches more than %d %s, the most one pattern takes:"
		                  " narrow it (a longer start) or share it between counters.",
		                  line, ADMIN_COUNT_PATTERN_MAX, k->many));
	else
		for (size_t i = 0; i < rows.nrows; i++)
			add_key(r, row, db_cell(&rows, i, MASTER_PICK_ID));
	return 0;
}

/* "A-01-01 and B-01-01": the first candidates' codes, for an ambiguous code's message. */
static const char *candidates(struct request *r, const struct db_rows *rows)
{
	struct buf b;
	const char *s;

	buf_init(&b);
	for (size_t i = 0; i < rows->nrows && i < NAMED_MAX; i++)
		buf_appendf(&b, "%s%s", i == 0 ? "" : (i + 1 == rows->nrows ? " and " : ", "),
		            db_cell(rows, i, MASTER_PICK_CODE));
	if (rows->nrows > NAMED_MAX)
		buf_puts(&b, ", …");
	s = arena_strdup(r->arena, buf_cstr(&b));
	buf_release(&b);
	return s;
}

/* One typed code: the record it names, as the pickers resolve it. */
static int resolve(struct request *r, const struct plan_kind *k, const char *line, size_t no,
                   const char *warehouse_id, struct admin_count_plan_row *row)
{
	struct db_rows rows;

	switch (master_pick_resolve(r->arena, r->caller->tenant_id, k->kind, line, warehouse_id,
	                            &rows)) {
	case MASTER_PICK_FOUND:
		add_key(r, row, db_cell(&rows, 0, MASTER_PICK_ID));
		return 0;
	case MASTER_PICK_NONE:
		add_error(r, row, no,
		          arena_sprintf(r->arena, "No %s matches \"%s\".", k->one, line));
		return 0;
	case MASTER_PICK_MANY:
		add_error(r, row, no,
		          arena_sprintf(r->arena, "\"%s\" matches %s%zu %s (%s): type the full %s.",
		                        line, rows.nrows >= MASTER_PICK_LIMIT ? "at least " : "",
		                        rows.nrows, k->many, candidates(r, &rows), k->code));
		return 0;
	default:
		return -1;
	}
}

/* The lines of text, each trimmed; blank lines are skipped but keep their number. */
static int resolve_text(struct request *r, const struct plan_kind *k, const char *text,
                        const char *warehouse_id, struct admin_count_plan_row *row)
{
	char *s = arena_strdup(r->arena, text);
	size_t no = 0, used = 0;

	while (s) {
		char *nl = strchr(s, '\n'), *end;

		if (nl)
			*nl = '\0';
		no++;
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*s && ++used > ADMIN_COUNT_LINES_MAX) {
			add_error(r, row, 0,
			          arena_sprintf(r->arena,
			                        "At most %d lines a counter: use patterns (A-01-*)"
			                        " for long runs of %s.",
			                        ADMIN_COUNT_LINES_MAX, k->many));
			return 0;
		}
		if (*s && (end[-1] == '*' ? expand(r, k, s, no, warehouse_id, row)
		                          : resolve(r, k, s, no, warehouse_id, row)) < 0)
			return -1;
		s = nl ? nl + 1 : NULL;
	}
	return 0;
}

int admin_count_plan(struct request *r, const struct kvlist *form, bool position,
                     struct admin_count_plan *plan)
{
	const char *w = page_field(r, form, "warehouse_id");

	memset(plan, 0, sizeof(*plan));
	plan->warehouse_id = position && w && valid_uuid(w) ? valid_id_norm(r->arena, w) : NULL;
	for (int n = 0; n < ADMIN_COUNT_FORM_ROWS; n++) {
		struct admin_count_plan_row *row = &plan->rows[n];

		row->user = page_field(r, form, arena_sprintf(r->arena, "user_%d", n + 1));
		row->text = page_field(r, form, arena_sprintf(r->arena, "targets_%d", n + 1));
		if (row->text && resolve_text(r, position ? &bins : &items, row->text,
		                              plan->warehouse_id, row) < 0)
			return -1;
		if (row->text && !row->user)
			add_error(r, row, 0,
			          arena_sprintf(r->arena, "Choose the counter of these %s.",
			                        position ? "bins" : "items"));
		/* The API refuses it too ("at least one target"), but by its place in the body. */
		if (row->user && !row->text)
			add_error(r, row, 0,
			          arena_sprintf(r->arena,
			                        "Type the %s this counter counts, one a line.",
			                        position ? "bins" : "items"));
		if (row->errors)
			plan->refused = true;
	}
	return 0;
}
