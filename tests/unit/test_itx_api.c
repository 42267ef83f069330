/*
 * Unit tests for lib/web/itx_api.c against the devstack database (STOCKTAKE_TEST_DB_SOCKET): the
 * keyed create (its 201 body, replays, a reused key, a refusal that stores nothing) and the CSV
 * export streamed to a fake client. itx_api_create commits its own database transactions, so the
 * cases use a tenant of their own, set up before each case and deleted with every row that names
 * it after each; skipped without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "db/db.h"
#include "stock/itx.h"
#include "unit_db.h"
#include "web/idempotency.h"
#include "web/itx_api.h"
#include "web/req.h"

#define TENANT "e0000000-0000-4000-8000-0000000000c1"
#define USER "e2000000-0000-4000-8000-0000000000c1"
#define WAREHOUSE "e3000000-0000-4000-8000-0000000000c1"
#define BIN_A "e4000000-0000-4000-8000-0000000000ca"
#define BIN_B "e4000000-0000-4000-8000-0000000000cb"
#define ITEM "e5000000-0000-4000-8000-0000000000c1"
#define STOCK "e6000000-0000-4000-8000-0000000000c1"
#define OPENING "e7000000-0000-4000-8000-0000000000c0"

#define PATH "/warehousing/inventory-transactions"

static struct arena *arena;
static bool have_db;

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
	if (have_db)
		db_close();
	arena_free(arena);
	return 0;
}

/* A warehouse with bins A and B, an item, 10 of it in A (opened through the ledger); committed. */
static int case_setup(void **state)
{
	(void)state;
	arena_reset(arena);
	if (!have_db)
		return 0;
	delete_tenant();
	run("INSERT INTO tenants (id, name) VALUES ('" TENANT "', 'itx_api unit test')");
	run("INSERT INTO users (id, tenant_id, username, password_hash) VALUES ('" USER
	    "', '" TENANT "', 'itx-api-unit-test', 'x')");
	run("INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" WAREHOUSE "', '" TENANT
	    "', 'Main', 'WH-C')");
	run("INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" BIN_A "', '" TENANT
	    "', '" WAREHOUSE "', 'C-A'), ('" BIN_B "', '" TENANT "', '" WAREHOUSE "', 'C-B')");
	run("INSERT INTO items (id, tenant_id, sku, name) VALUES ('" ITEM "', '" TENANT
	    "', 'SKU-C', 'Cog, small')");
	run("INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity) VALUES "
	    "('" STOCK "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" BIN_A "', 10)");
	run("INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id,"
	    " transaction_type, quantity, delta, to_bin_id, performed_by, timestamp) VALUES"
	    " ('" OPENING "', '" TENANT "', '" WAREHOUSE "', '" ITEM "', '" STOCK
	    "', 'initial_stock', 10, 10, '" BIN_A "', '" USER "', '2026-01-01 08:00:00')");
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	if (have_db)
		delete_tenant();
	return 0;
}

#define DB_CASE(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)

static void need_db(void)
{
	if (!have_db)
		skip();
}

static long long number(const char *sql, const char *param)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows, sql, "s", param), 0);
	assert_int_equal(rows.nrows, 1);
	return strtoll(db_cell(&rows, 0, 0), NULL, 10);
}

static long long stock_quantity(void)
{
	return number("SELECT quantity FROM stocks WHERE id = ?", STOCK);
}

static long long ledger_rows(void)
{
	return number("SELECT COUNT(*) FROM inventory_transactions WHERE tenant_id = ?", TENANT);
}

static long long keys_stored(const char *key)
{
	struct db_rows rows;

	assert_int_equal(db_exec(arena, &rows,
	                         "SELECT COUNT(*) FROM idempotency_keys WHERE tenant_id = ?"
	                         " AND idem_key = ?",
	                         "ss", TENANT, key),
	                 0);
	return strtoll(db_cell(&rows, 0, 0), NULL, 10);
}

/* A checked input of type with quantity, from bin A (a pick) or into it (a receive). */
static struct itx_input input(const char *type, long long quantity, const char *timestamp)
{
	struct itx_input in = {0};
	const char *msg = NULL;

	in.warehouse_id = WAREHOUSE;
	in.item_id = ITEM;
	in.stock_id = STOCK;
	in.quantity = quantity;
	if (strcmp(type, "pick") == 0)
		in.from_bin_id = BIN_A;
	else
		in.to_bin_id = BIN_A;
	assert_int_equal(itx_check_input(arena, &in, type, NULL, timestamp, USER, &msg), 0);
	return in;
}

/* The key of a POST PATH with body, made as the handlers make it (idem_init_key). */
static struct idem key_for(const char *key, const char *body)
{
	struct request r;
	struct idem k;

	memset(&r, 0, sizeof(r));
	r.arena = arena;
	r.method = "POST";
	r.path = PATH;
	r.body = body;
	r.body_len = strlen(body);
	assert_int_equal(idem_init_key(&r, TENANT, key, &k), 0);
	assert_string_equal(k.tenant_id, TENANT);
	if (key) {
		assert_string_equal(k.key, key);
		assert_non_null(k.request_hex);
	} else {
		assert_null(k.key);
	}
	return k;
}

#define PICK5 "{\"transaction_type\":\"pick\",\"quantity\":5}"
#define PICK3 "{\"transaction_type\":\"pick\",\"quantity\":3}"
#define PICK11 "{\"transaction_type\":\"pick\",\"quantity\":11}"

static struct json_object *member(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, name, &v));
	return v;
}

/* The 201 body: the ONDI envelope with the transaction as stored and the stock it changed. */
static void assert_created_body(const char *body, const char *id, const char *type,
                                long long quantity, long long stock_after)
{
	struct json_object *o = json_tokener_parse(body), *tx, *stock;

	assert_non_null(o);
	assert_true(json_object_get_boolean(member(o, "success")));
	assert_string_equal(json_object_get_string(member(o, "message")),
	                    "Inventory transaction created successfully");
	tx = member(o, "inventory_transaction");
	assert_string_equal(json_object_get_string(member(tx, "id")), id);
	assert_string_equal(json_object_get_string(member(tx, "tenant_id")), TENANT);
	assert_string_equal(json_object_get_string(member(tx, "transaction_type")), type);
	assert_true(json_object_is_type(member(tx, "quantity"), json_type_int));
	assert_int_equal(json_object_get_int64(member(tx, "quantity")), quantity);
	assert_string_equal(json_object_get_string(member(tx, "stock_id")), STOCK);
	assert_string_equal(json_object_get_string(member(tx, "performed_by")), USER);
	stock = member(o, "updated_stock");
	assert_string_equal(json_object_get_string(member(stock, "id")), STOCK);
	assert_true(json_object_is_type(member(stock, "quantity"), json_type_int));
	assert_int_equal(json_object_get_int64(member(stock, "quantity")), stock_after);
	json_object_put(o);
}

static void test_create_without_key(void **state)
{
	struct itx_input in;
	struct idem k;
	struct itx_api_result out, again;

	(void)state;
	need_db();
	in = input("pick", 5, NULL);
	k = key_for(NULL, PICK5);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);
	assert_int_equal(out.status, 201);
	assert_null(out.message);
	assert_non_null(out.id);
	assert_non_null(out.body);
	assert_created_body(out.body, out.id, "pick", 5, 5);
	assert_int_equal(stock_quantity(), 5);
	assert_int_equal(ledger_rows(), 2);
	assert_int_equal(number("SELECT COUNT(*) FROM inventory_transactions WHERE id = ?", out.id),
	                 1);
	/* Nothing is kept without a key. */
	assert_int_equal(
	    number("SELECT COUNT(*) FROM idempotency_keys WHERE tenant_id = ?", TENANT), 0);

	/* Another create without a key is another transaction. */
	in = input("pick", 5, NULL);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &again), ITX_API_CREATED);
	assert_string_not_equal(again.id, out.id);
	assert_created_body(again.body, again.id, "pick", 5, 0);
	assert_int_equal(stock_quantity(), 0);
	assert_int_equal(ledger_rows(), 3);
}

static void test_create_with_key_replays(void **state)
{
	struct itx_input in;
	struct idem k;
	struct itx_api_result first, second;
	char *body;

	(void)state;
	need_db();
	in = input("pick", 5, NULL);
	k = key_for("itx-api-key-1", PICK5);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &first), ITX_API_CREATED);
	assert_int_equal(first.status, 201);
	assert_created_body(first.body, first.id, "pick", 5, 5);
	assert_int_equal(keys_stored("itx-api-key-1"), 1);
	body = strdup(first.body);

	/* The retry: the same key and request get the stored answer; nothing is written again. */
	in = input("pick", 5, NULL);
	k = key_for("itx-api-key-1", PICK5);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &second), ITX_API_REPLAYED);
	assert_int_equal(second.status, 201);
	assert_string_equal(second.body, body);
	assert_string_equal(second.id, first.id);
	assert_null(second.message);
	assert_int_equal(stock_quantity(), 5);
	assert_int_equal(ledger_rows(), 2);
	assert_int_equal(keys_stored("itx-api-key-1"), 1);
	free(body);
}

static void test_key_reused_for_another_request(void **state)
{
	struct itx_input in;
	struct idem k;
	struct itx_api_result out;

	(void)state;
	need_db();
	in = input("pick", 5, NULL);
	k = key_for("itx-api-key-2", PICK5);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);

	/* The same key with another body is refused, and writes nothing. */
	in = input("pick", 3, NULL);
	k = key_for("itx-api-key-2", PICK3);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_KEY_REUSED);
	assert_null(out.id);
	assert_int_equal(stock_quantity(), 5);
	assert_int_equal(ledger_rows(), 2);

	/* A key is the tenant's own: another key with that body is a new request. */
	k = key_for("itx-api-key-3", PICK3);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);
	assert_created_body(out.body, out.id, "pick", 3, 2);
}

static void test_refused_stores_nothing(void **state)
{
	struct itx_input in;
	struct idem k;
	struct itx_api_result out;

	(void)state;
	need_db();
	in = input("pick", 11, NULL);
	k = key_for("itx-api-key-4", PICK11);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_REFUSED);
	assert_int_equal(out.status, 409);
	assert_string_equal(out.message, "Insufficient stock");
	assert_null(out.body);
	assert_null(out.id);
	assert_int_equal(keys_stored("itx-api-key-4"), 0);
	assert_int_equal(stock_quantity(), 10);
	assert_int_equal(ledger_rows(), 1);

	/* Stock arrives; the retry with the same key is then served afresh. */
	in = input("receive", 5, NULL);
	k = key_for(NULL, "{\"transaction_type\":\"receive\",\"quantity\":5}");
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);
	assert_int_equal(stock_quantity(), 15);
	in = input("pick", 11, NULL);
	k = key_for("itx-api-key-4", PICK11);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);
	assert_int_equal(out.status, 201);
	assert_created_body(out.body, out.id, "pick", 11, 4);
	assert_int_equal(keys_stored("itx-api-key-4"), 1);
	assert_int_equal(stock_quantity(), 4);
	assert_int_equal(ledger_rows(), 3);
}

/* A response sink for the stream. */
struct sink {
	struct buf got;
	int writes;
};

static int sink_write(void *ctx, const char *src, int n)
{
	struct sink *s = ctx;

	buf_append(&s->got, src, (size_t)n);
	s->writes++;
	return 0;
}

static void test_csv(void **state)
{
	struct sink s = {0};
	struct req_io io = {.write = sink_write, .ctx = &s};
	struct request r;
	struct kvlist q = {0};
	struct itx_filter f;
	struct itx_input in;
	struct idem k;
	struct itx_api_result out;
	const char *msg = NULL, *expected;

	(void)state;
	need_db();
	in = input("pick", 4, "2026-01-02T09:30:00Z");
	in.reference_type = "order";
	in.reference_id = "SO-1";
	in.notes = "urgent, \"rush\"";
	k = key_for(NULL, PICK5);
	assert_int_equal(itx_api_create(arena, TENANT, &in, &k, &out), ITX_API_CREATED);

	buf_init(&s.got);
	req_init(&r);
	r.arena = arena;
	r.io = &io;
	assert_int_equal(itx_filter_parse(arena, TENANT, &q, &f, &msg), 0);
	itx_api_csv(&r, &f);
	assert_true(r.sent);
	/* Header block, then the header line and one line per transaction, newest first. */
	expected = arena_sprintf(
	    arena,
	    "Status: 200 OK\r\n"
	    "Content-Type: text/csv; charset=utf-8\r\n"
	    "Content-Disposition: attachment; filename=\"inventory-transactions.csv\"\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Accel-Buffering: no\r\n"
	    "\r\n"
	    "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,"
	    "from_bin_code,to_bin_code,reference_type,reference_id,performed_by,notes\r\n"
	    "%s,2026-01-02T09:30:00Z,pick,WH-C,SKU-C,\"Cog, small\"," STOCK
	    ",4,C-A,,order,SO-1," USER ",\"urgent, \"\"rush\"\"\"\r\n" OPENING
	    ",2026-01-01T08:00:00Z,initial_stock,WH-C,SKU-C,\"Cog, small\"," STOCK
	    ",10,,C-A,,," USER ",\r\n",
	    out.id);
	assert_string_equal(buf_cstr(&s.got), expected);
	/* The header block and one batch (fewer than ITX_CSV_BATCH rows: the last). */
	assert_int_equal(s.writes, 2);
	buf_release(&s.got);
	req_release(&r);
}

static void test_csv_filtered_empty(void **state)
{
	struct sink s = {0};
	struct req_io io = {.write = sink_write, .ctx = &s};
	struct request r;
	struct kvlist q = {0};
	struct itx_filter f;
	const char *msg = NULL;

	(void)state;
	need_db();
	kvlist_add(arena, &q, "transaction_type", "move");
	assert_int_equal(itx_filter_parse(arena, TENANT, &q, &f, &msg), 0);
	buf_init(&s.got);
	req_init(&r);
	r.arena = arena;
	r.io = &io;
	itx_api_csv(&r, &f);
	/* No transaction matches: the header line alone. */
	assert_string_equal(
	    buf_cstr(&s.got),
	    "Status: 200 OK\r\n"
	    "Content-Type: text/csv; charset=utf-8\r\n"
	    "Content-Disposition: attachment; filename=\"inventory-transactions.csv\"\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Accel-Buffering: no\r\n"
	    "\r\n"
	    "id,timestamp,transaction_type,warehouse_code,item_sku,item_name,stock_id,quantity,"
	    "from_bin_code,to_bin_code,reference_type,reference_id,performed_by,notes\r\n");
	buf_release(&s.got);
	req_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DB_CASE(test_create_without_key),
	    DB_CASE(test_create_with_key_replays),
	    DB_CASE(test_key_reused_for_another_request),
	    DB_CASE(test_refused_stores_nothing),
	    DB_CASE(test_csv),
	    DB_CASE(test_csv_filtered_empty),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
