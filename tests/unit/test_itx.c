/*
 * Unit tests for lib/stock/itx.c: the create's input rules and list filters without a database;
 * against the devstack database (STOCKTAKE_TEST_DB_SOCKET) the create with its hooks and
 * refusals, the read outcomes with a user probe, and the CSV batches. itx_create runs its own
 * database transaction, so the DB cases use a tenant of their own, created once and deleted at
 * the end with every row that names it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "db/db.h"
#include "db/paging.h"
#include "db/user_probe.h"
#include "stock/itx.h"
#include "stock/ledger.h"
#include "unit_db.h"

#define TENANT "d0000000-0000-4000-8000-0000000000a1"
#define USER "d2000000-0000-4000-8000-0000000000a1"
#define WAREHOUSE "d3000000-0000-4000-8000-0000000000a1"
#define OTHER_WAREHOUSE "d3000000-0000-4000-8000-0000000000a2"
#define BIN_A "d4000000-0000-4000-8000-0000000000aa"
#define BIN_B "d4000000-0000-4000-8000-0000000000ab"
#define ITEM "d5000000-0000-4000-8000-0000000000a1"
#define OTHER_ITEM "d5000000-0000-4000-8000-0000000000a2"
#define STOCK "d6000000-0000-4000-8000-0000000000a1"
#define MISSING "d9000000-0000-4000-8000-000000000000"

static struct arena *arena;
static bool have_db;

/* ---- the rules that need no database ------------------------------------ */

/* A pick of 5 from BIN_A, valid unless a case changes it. */
static struct itx_input pick_input(void)
{
	struct itx_input in = {0};

	in.warehouse_id = WAREHOUSE;
	in.item_id = ITEM;
	in.stock_id = STOCK;
	in.quantity = 5;
	in.from_bin_id = BIN_A;
	return in;
}

static void test_check_input_refusals(void **state)
{
	static const struct {
		const char *type, *direction, *timestamp;
		long long quantity;
		bool no_from, to_same, ref_only, bad_ref_type, long_ref;
		const char *message;
	} cases[] = {
	    {"sale", NULL, NULL, 5, .message = "Invalid transaction type"},
	    {"pick", NULL, NULL, 0, .message = "Quantity must be positive"},
	    {"adjust", NULL, NULL, 5,
	     .message = "Field required: adjustment_direction (increase or decrease)"},
	    {"stock_adjustment", "sideways", NULL, 5,
	     .message = "Invalid adjustment direction (increase or decrease)"},
	    {"move", NULL, NULL, 5, .message = "Move requires from and to bins"},
	    {"move", NULL, NULL, 5, .to_same = true, .message = "From and to bins must differ"},
	    {"pick", NULL, NULL, 5, .no_from = true, .message = "Pick requires from bin"},
	    {"pick", NULL, NULL, 5, .ref_only = true,
	     .message = "Reference type required when reference ID provided"},
	    {"pick", NULL, NULL, 5, .bad_ref_type = true, .message = "Invalid reference type"},
	    {"pick", NULL, NULL, 5, .long_ref = true, .message = "Field too long: reference_id"},
	    {"pick", NULL, "yesterday", 5, .message = "Invalid timestamp"},
	};
	char long_ref[ITX_REFERENCE_ID_MAX + 2];

	(void)state;
	memset(long_ref, 'r', sizeof(long_ref) - 1);
	long_ref[sizeof(long_ref) - 1] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct itx_input in = pick_input();
		const char *msg = NULL;

		in.quantity = cases[i].quantity;
		if (cases[i].no_from)
			in.from_bin_id = NULL;
		if (cases[i].to_same)
			in.to_bin_id =
			    "D4000000-0000-4000-8000-0000000000AA"; /* BIN_A, other case */
		if (cases[i].ref_only)
			in.reference_id = "SO-1";
		if (cases[i].bad_ref_type)
			in.reference_type = "invoice";
		if (cases[i].long_ref) {
			in.reference_id = long_ref;
			in.reference_type = "order";
		}
		assert_int_equal(itx_check_input(arena, &in, cases[i].type, cases[i].direction,
		                                 cases[i].timestamp, USER, &msg),
		                 400);
		assert_non_null(msg);
		if (strcmp(cases[i].message, "Quantity must be positive") == 0)
			assert_string_equal(msg, ledger_quantity_error("pick", 0));
		else
			assert_string_equal(msg, cases[i].message);
	}
}

static void test_check_input_normalizes(void **state)
{
	struct itx_input in = pick_input();
	const char *msg = NULL;

	(void)state;
	in.warehouse_id = "D3000000-0000-4000-8000-0000000000A1";
	in.from_bin_id = "D4000000-0000-4000-8000-0000000000AA";
	assert_int_equal(
	    itx_check_input(arena, &in, "pick", NULL, "2026-01-02T03:04:05Z", USER, &msg), 0);
	assert_string_equal(in.type, "pick");
	assert_string_equal(in.warehouse_id, WAREHOUSE);
	assert_string_equal(in.from_bin_id, BIN_A);
	/* The caller performs what names no performer; the time is in the database's form. */
	assert_string_equal(in.performed_by, USER);
	assert_non_null(in.timestamp);
	assert_int_equal(strncmp(in.timestamp, "2026-01-02 03:04:05", 19), 0);

	in = pick_input();
	in.from_bin_id = NULL;
	assert_int_equal(itx_check_input(arena, &in, "adjust", "decrease", NULL, USER, &msg), 0);
	assert_string_equal(in.type, "stock_adjustment");
	assert_int_equal(in.dir, LEDGER_DIR_DECREASE);
	assert_null(in.timestamp);
	assert_true(itx_notes_ok(NULL));
	assert_true(itx_notes_ok("fine"));
}

static void test_filter_read(void **state)
{
	struct kvlist q = {0};
	struct itx_filter f;
	const char *msg = NULL;

	(void)state;
	kvlist_add(arena, &q, "warehouse_id", "D3000000-0000-4000-8000-0000000000A1");
	kvlist_add(arena, &q, "transaction_type", "pick");
	kvlist_add(arena, &q, "timestamp_range_end", "2026-01-31");
	kvlist_add(arena, &q, "search", "");
	assert_int_equal(itx_filter_read(arena, TENANT, &q, &f, &msg), 0);
	assert_string_equal(f.tenant_id, TENANT);
	assert_string_equal(f.warehouse_id, WAREHOUSE);
	assert_true(f.warehouse_unchecked);
	assert_string_equal(f.type, "pick");
	assert_null(f.search); /* empty values count as absent */
	assert_true(f.has_end);
	assert_true(f.end_is_date);
	assert_false(f.has_start);

	q = (struct kvlist){0};
	kvlist_add(arena, &q, "transaction_type", "sale");
	assert_int_equal(itx_filter_read(arena, TENANT, &q, &f, &msg), 400);
	assert_string_equal(msg, "Invalid transaction type");
	q = (struct kvlist){0};
	kvlist_add(arena, &q, "reference_type", "invoice");
	assert_int_equal(itx_filter_read(arena, TENANT, &q, &f, &msg), 400);
	assert_string_equal(msg, "Invalid reference type");
	q = (struct kvlist){0};
	kvlist_add(arena, &q, "timestamp_range_start", "soon");
	assert_int_equal(itx_filter_read(arena, TENANT, &q, &f, &msg), 400);
	assert_string_equal(msg, "Invalid timestamp");
}

/* ---- against the database ------------------------------------------------- */

static void run(const char *sql)
{
	assert_int_equal(db_exec(arena, NULL, sql, NULL), 0);
}

/* Every row of TENANT (unit_db_delete_tenant). */
static void delete_tenant(void)
{
	unit_db_delete_tenant(arena, TENANT);
}

static int group_setup(void **state)
{
	(void)state;
	arena = arena_new(4096);
	log_set_level(LOGL_ERROR);
	if (unit_db_connect() != 0)
		return 0;
	have_db = true;
	delete_tenant();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (have_db) {
		delete_tenant();
		db_close();
	}
	arena_free(arena);
	return 0;
}

/* A warehouse with bins A and B, two items, a stock of 10 of ITEM in A; nothing else. */
static int case_setup(void **state)
{
	(void)state;
	arena_reset(arena);
	if (!have_db)
		return 0;
	delete_tenant();
	run("INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'itx unit test')");
	run("INSERT INTO users (id, tenant_id, username, password_hash) VALUES ('" USER
	    "', '" TENANT "', 'itx-unit-test', 'x')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" WAREHOUSE "', '" TENANT
	    "', 'W', 'W'), ('" OTHER_WAREHOUSE "', '" TENANT "', 'V', 'V')");
	run("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN_A "', '" TENANT
	    "', '" WAREHOUSE "', 'A'), ('" BIN_B "', '" TENANT "', '" WAREHOUSE "', 'B')");
	run("INSERT INTO items (id, tenant_id, sku, name) VALUES ('" ITEM "', '" TENANT
	    "', 'SKU-1', 'One'), ('" OTHER_ITEM "', '" TENANT "', 'SKU-2', 'Two')");
	run("INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity) VALUES "
	    "('" STOCK "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" BIN_A "', 0)");
	/* The opening stock through the ledger, so the invariant holds from the start. */
	run("UPDATE stocks SET quantity = 10 WHERE id = '" STOCK "'");
	run("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id,"
	    " transaction_type, quantity, delta, to_bin_id, performed_by, timestamp) VALUES"
	    " ('d7000000-0000-4000-8000-0000000000a0', '" TENANT "', '" WAREHOUSE "', '" ITEM
	    "', '" STOCK "', 'initial_stock', 10, 10, '" BIN_A "', '" USER "', UTC_TIMESTAMP(6))");
	return 0;
}

static void need_db(void)
{
	if (!have_db)
		skip();
}

static long long stock_quantity(const char *id)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, "SELECT quantity FROM stocks WHERE id = ?", "s", id),
	                 0);
	assert_int_equal(rows.nrows, 1);
	return strtoll(db_cell(&rows, 0, 0), NULL, 10);
}

static long long ledger_rows(void)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = ?",
	                         "s", TENANT),
	                 0);
	return strtoll(db_cell(&rows, 0, 0), NULL, 10);
}

static void assert_ledger_consistent(void)
{
	struct ledger_check check;

	assert_int_equal(ledger_check_run(arena, TENANT, &check), 0);
	assert_true(check.stocks_checked >= 1);
	assert_int_equal(check.mismatches.nrows, 0);
}

/* What the hooks saw. */
struct seen {
	int begins;
	int written;
	int begin_rc;
	int written_rc;
	char tx_type[32];
	char stock_id[40];
	long long stock_qty;
	bool has_dest; /* the hook was given a destination (moves only) */
	char dest_id[40];
	char dest_bin[40];
	long long dest_qty;
};

static int on_begin(void *ctx)
{
	struct seen *s = ctx;

	s->begins++;
	return s->begin_rc;
}

/* Cell name of row 0 of rows, which must have that column. */
static const char *cell_of(const struct db_rows *rows, const char *name)
{
	int col = db_col(rows, name);

	assert_true(col >= 0);
	return db_cell(rows, 0, (size_t)col);
}

static int on_written(void *ctx, const struct db_rows *tx, const struct db_rows *stock,
                      const struct db_rows *dest)
{
	struct seen *s = ctx;

	s->written++;
	snprintf(s->tx_type, sizeof(s->tx_type), "%s", cell_of(tx, "transaction_type"));
	snprintf(s->stock_id, sizeof(s->stock_id), "%s", cell_of(stock, "id"));
	s->stock_qty = strtoll(cell_of(stock, "quantity"), NULL, 10);
	s->has_dest = dest != NULL;
	if (dest) {
		snprintf(s->dest_id, sizeof(s->dest_id), "%s", cell_of(dest, "id"));
		snprintf(s->dest_bin, sizeof(s->dest_bin), "%s", cell_of(dest, "bin_id"));
		s->dest_qty = strtoll(cell_of(dest, "quantity"), NULL, 10);
	}
	return s->written_rc;
}

static enum itx_outcome create(struct itx_input *in, const char *type, struct seen *s,
                               struct itx_result *res)
{
	const struct itx_hooks hooks = {on_begin, on_written, s};
	const char *msg = NULL;

	assert_int_equal(itx_check_input(arena, in, type, NULL, NULL, USER, &msg), 0);
	return itx_create(arena, TENANT, in, &hooks, res);
}

static void test_create_posts_through_the_hooks(void **state)
{
	struct itx_input in = pick_input();
	struct itx_result res;
	struct seen s = {0};

	(void)state;
	need_db();
	assert_int_equal(create(&in, "pick", &s, &res), ITX_CREATED);
	assert_non_null(res.id);
	assert_int_equal(s.begins, 1);
	assert_int_equal(s.written, 1);
	assert_string_equal(s.tx_type, "pick");
	assert_string_equal(s.stock_id, STOCK);
	assert_int_equal(s.stock_qty, 5);
	assert_false(s.has_dest);
	assert_int_equal(stock_quantity(STOCK), 5);
	assert_int_equal(ledger_rows(), 2);
	assert_ledger_consistent();
}

static void test_create_refusals_write_nothing(void **state)
{
	static const struct {
		long long quantity;
		const char *warehouse, *item, *from_bin;
		int status;
		const char *message;
	} cases[] = {
	    {11, WAREHOUSE, ITEM, BIN_A, 409, "Insufficient stock"},
	    {1, MISSING, ITEM, BIN_A, 404, "Warehouse not found"},
	    {1, OTHER_WAREHOUSE, ITEM, BIN_A, 404, "Stock not found"},
	    {1, WAREHOUSE, OTHER_ITEM, BIN_A, 400, "Item ID mismatch"},
	    {1, WAREHOUSE, ITEM, BIN_B, 400, "From bin must match stock bin"},
	};

	(void)state;
	need_db();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct itx_input in = pick_input();
		struct itx_result res;
		struct seen s = {0};

		in.quantity = cases[i].quantity;
		in.warehouse_id = cases[i].warehouse;
		in.item_id = cases[i].item;
		in.from_bin_id = cases[i].from_bin;
		assert_int_equal(create(&in, "pick", &s, &res), ITX_REFUSED);
		assert_int_equal(res.status, cases[i].status);
		assert_string_equal(res.message, cases[i].message);
		assert_int_equal(s.written, 0);
		assert_int_equal(stock_quantity(STOCK), 10);
		assert_int_equal(ledger_rows(), 1);
	}
}

static void test_create_hooks_can_stop_and_roll_back(void **state)
{
	struct itx_input in = pick_input();
	struct itx_result res;
	struct seen s = {.begin_rc = ITX_HOOK_STOP};

	(void)state;
	need_db();
	assert_int_equal(create(&in, "pick", &s, &res), ITX_STOPPED);
	assert_int_equal(s.written, 0);
	in = pick_input();
	s = (struct seen){.written_rc = -1};
	/* The written hook's failure rolls back the stock change and the ledger row. */
	assert_int_equal(create(&in, "pick", &s, &res), ITX_FAILED);
	assert_int_equal(s.written, 1);
	assert_int_equal(stock_quantity(STOCK), 10);
	assert_int_equal(ledger_rows(), 1);
	assert_ledger_consistent();
}

static void test_create_move_to_a_new_record(void **state)
{
	struct itx_input in = pick_input();
	struct itx_result res;
	struct seen s = {0};

	(void)state;
	need_db();
	in.quantity = 4;
	in.to_bin_id = BIN_B;
	assert_int_equal(create(&in, "move", &s, &res), ITX_CREATED);
	/* The hook sees the client's record, and beside it the record the units went to. */
	assert_string_equal(s.stock_id, STOCK);
	assert_int_equal(s.stock_qty, 6);
	assert_true(s.has_dest);
	assert_string_not_equal(s.dest_id, STOCK);
	assert_string_equal(s.dest_bin, BIN_B);
	assert_int_equal(s.dest_qty, 4);
	assert_int_equal(stock_quantity(STOCK), 6);
	assert_int_equal(stock_quantity(s.dest_id), 4);
	assert_ledger_consistent();
}

static void test_create_move_of_the_whole_record(void **state)
{
	struct itx_input in = pick_input();
	struct itx_result res;
	struct seen s = {0};

	(void)state;
	need_db();
	in.quantity = 10;
	in.to_bin_id = BIN_B;
	assert_int_equal(create(&in, "move", &s, &res), ITX_CREATED);
	/* Nothing waits at BIN_B: the record itself changes bin and is its own destination. */
	assert_string_equal(s.stock_id, STOCK);
	assert_int_equal(s.stock_qty, 10);
	assert_true(s.has_dest);
	assert_string_equal(s.dest_id, STOCK);
	assert_string_equal(s.dest_bin, BIN_B);
	assert_int_equal(s.dest_qty, 10);
	assert_ledger_consistent();
}

/* A probe whose admit answers with a fixed outcome and records what it read. */
struct fake_probe {
	int rc;
	int calls;
	const char *text;
};

static int fake_admit(void *ctx, const char *text, const char **message)
{
	struct fake_probe *f = ctx;

	f->calls++;
	f->text = text;
	if (f->rc)
		*message = "User disabled";
	return f->rc;
}

static void test_get_outcomes_and_the_probe(void **state)
{
	struct itx_input in = pick_input();
	struct itx_result res;
	struct seen s = {0};
	struct fake_probe fp = {0};
	struct user_probe probe = {USER, TENANT, fake_admit, &fp, false};
	struct db_rows rows;
	struct itx_read r;

	(void)state;
	need_db();
	assert_int_equal(create(&in, "pick", &s, &res), ITX_CREATED);
	r = itx_get(arena, TENANT, res.id, NULL, &rows);
	assert_int_equal(r.outcome, ITX_READ_OK);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, (size_t)db_col(&rows, "id")), res.id);

	/* The probe rides on the statement, is admitted, and its column is gone from the rows. */
	r = itx_get(arena, TENANT, res.id, &probe, &rows);
	assert_int_equal(r.outcome, ITX_READ_OK);
	assert_int_equal(fp.calls, 1);
	assert_true(probe.taken);
	assert_non_null(fp.text);
	assert_int_equal(strncmp(fp.text,
	                         "active\x1f"
	                         "active\x1f",
	                         14),
	                 0);
	assert_int_equal(db_col(&rows, USER_PROBE_LABEL), -1);

	/* A refusal is the read's answer. */
	probe.taken = false;
	fp = (struct fake_probe){.rc = 401};
	r = itx_get(arena, TENANT, res.id, &probe, &rows);
	assert_int_equal(r.outcome, ITX_READ_REFUSED);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.message, "User disabled");

	/* No row: nothing was read, the probe is left to the request's frame. */
	probe.taken = false;
	fp = (struct fake_probe){0};
	r = itx_get(arena, TENANT, MISSING, &probe, &rows);
	assert_int_equal(r.outcome, ITX_READ_NONE);
	assert_int_equal(fp.calls, 0);
	assert_false(probe.taken);
	/* Another tenant's id is not found either. */
	r = itx_get(arena, "d0000000-0000-4000-8000-0000000000ff", res.id, NULL, &rows);
	assert_int_equal(r.outcome, ITX_READ_NONE);
}

static void test_page_and_csv_batches(void **state)
{
	struct kvlist q = {0};
	struct itx_filter f;
	struct paging pg = {1, 20};
	struct itx_csv_cursor cur = {"", ""};
	struct db_rows rows;
	struct buf out;
	const char *msg = NULL;
	long long counts[ITX_TYPES_MAX], total = -1;
	size_t lines = 0;

	(void)state;
	need_db();
	assert_int_equal(itx_filter_parse(arena, TENANT, &q, &f, &msg), 0);
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TIME, true, &rows).outcome, ITX_READ_OK);
	assert_int_equal(rows.nrows, 1);
	assert_string_equal(db_cell(&rows, 0, (size_t)db_col(&rows, "transaction_type")),
	                    "initial_stock");
	assert_int_equal(itx_stats(arena, &f, counts, &total), 0);
	assert_int_equal(total, 1);

	buf_init(&out);
	assert_int_equal(itx_csv_batch(&f, &cur, &out), 1);
	for (size_t i = 0; i < out.len; i++)
		lines += out.data[i] == '\n';
	assert_int_equal(lines, 1);
	assert_non_null(strstr(buf_cstr(&out), "initial_stock"));
	assert_non_null(strstr(buf_cstr(&out), "SKU-1"));
	assert_string_equal(cur.id, "d7000000-0000-4000-8000-0000000000a0");
	/* Past the last row the next batch is empty. */
	buf_reset(&out);
	assert_int_equal(itx_csv_batch(&f, &cur, &out), 0);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	assert_non_null(strstr(itx_csv_header, "transaction_type"));
}

/* The stats read by a typed page's statement equal itx_stats' own, and leave no column behind. */
static void test_page_reads_the_stats(void **state)
{
	struct kvlist q = {0};
	struct itx_filter f;
	struct itx_counts c;
	struct paging pg = {1, 20}, past = {2, 20};
	struct fake_probe fp = {0};
	struct user_probe probe = {USER, TENANT, fake_admit, &fp, false};
	struct db_rows plain, rows;
	const char *msg = NULL;
	long long counts[ITX_TYPES_MAX], total = -1;

	(void)state;
	need_db();
	kvlist_add(arena, &q, "warehouse_id", WAREHOUSE);
	kvlist_add(arena, &q, "transaction_type", "initial_stock");
	assert_int_equal(itx_filter_read(arena, TENANT, &q, &f, &msg), 0);
	assert_int_equal(itx_stats(arena, &f, counts, &total), 0);
	assert_true(total > 0);
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TIME, true, &plain).outcome,
	                 ITX_READ_OK);

	/* With the probe too: both columns are read and taken out. */
	memset(&c, 0, sizeof(c));
	f.counts = &c;
	f.probe = &probe;
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TIME, true, &rows).outcome, ITX_READ_OK);
	assert_true(c.read);
	assert_true(probe.taken);
	assert_int_equal(c.total, total);
	assert_memory_equal(c.counts, counts, sizeof(counts));
	assert_int_equal(rows.ncols, plain.ncols);
	assert_int_equal(rows.nrows, plain.nrows);
	assert_int_equal(db_col(&rows, "_stats"), -1);

	/* Past the last page nothing carries them: the caller reads them itself. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(itx_page(arena, &f, &past, ITX_SORT_TIME, true, &rows).outcome,
	                 ITX_READ_OK);
	assert_int_equal(rows.nrows, 0);
	assert_false(c.read);

	/* Other orders (the derived table) carry them too; a list of every type (a count per
	 * type) and other filters read them on their own. */
	f.probe = NULL;
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TYPE, false, &rows).outcome,
	                 ITX_READ_OK);
	assert_true(c.read && c.total == total);
	assert_int_equal(rows.ncols, plain.ncols);
	memset(&c, 0, sizeof(c));
	f.type = NULL;
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TIME, true, &rows).outcome, ITX_READ_OK);
	assert_false(c.read);
	assert_int_equal(rows.ncols, plain.ncols);
	f.type = "initial_stock";
	f.item_id = ITEM;
	assert_int_equal(itx_page(arena, &f, &pg, ITX_SORT_TIME, true, &rows).outcome, ITX_READ_OK);
	assert_false(c.read);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_check_input_refusals, case_setup),
	    cmocka_unit_test_setup(test_check_input_normalizes, case_setup),
	    cmocka_unit_test_setup(test_filter_read, case_setup),
	    cmocka_unit_test_setup(test_create_posts_through_the_hooks, case_setup),
	    cmocka_unit_test_setup(test_create_refusals_write_nothing, case_setup),
	    cmocka_unit_test_setup(test_create_hooks_can_stop_and_roll_back, case_setup),
	    cmocka_unit_test_setup(test_create_move_to_a_new_record, case_setup),
	    cmocka_unit_test_setup(test_create_move_of_the_whole_record, case_setup),
	    cmocka_unit_test_setup(test_get_outcomes_and_the_probe, case_setup),
	    cmocka_unit_test_setup(test_page_and_csv_batches, case_setup),
	    cmocka_unit_test_setup(test_page_reads_the_stats, case_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
