/* Unit test helper: count sessions made through lib/count inside the case's transaction. */
#include "count_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "count/count_input.h"
#include "count/count_transition.h"
#include "db/db.h"
#include "unit_db.h"

bool fx_connect(struct arena *a)
{
	struct db_rows rows;

	if (unit_db_connect() != 0)
		return false;
	return db_exec(a, &rows,
	               "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE()"
	               " AND table_name = 'count_sessions'",
	               NULL) == 0 &&
	       rows.nrows == 1;
}

void fx_run(struct arena *a, const char *sql)
{
	assert_int_equal(db_exec(a, NULL, sql, NULL), 0);
}

void fx_begin(struct arena *a)
{
	arena_reset(a);
	assert_int_equal(db_begin(), 0);
	fx_run(a, "INSERT INTO tenants (id, name) VALUES ('" FX_TENANT
	          "', 'count unit'), ('" FX_OTHER_TENANT "', 'other')");
	fx_run(a, "INSERT INTO users (id, tenant_id, username, password_hash) VALUES"
	          " ('" FX_USER1 "', '" FX_TENANT "', 'counter-one', 'x'),"
	          " ('" FX_USER2 "', '" FX_TENANT "', 'counter-two', 'x'),"
	          " ('" FX_USER3 "', '" FX_TENANT "', 'outsider', 'x')");
	fx_run(a, "INSERT INTO warehouses (id, tenant_id, name, code) VALUES ('" FX_WAREHOUSE
	          "', '" FX_TENANT "', 'W', 'W')");
	fx_run(a, "INSERT INTO bins (id, tenant_id, warehouse_id, code) VALUES ('" FX_BIN_A
	          "', '" FX_TENANT "', '" FX_WAREHOUSE "', 'A-01'), ('" FX_BIN_B "', '" FX_TENANT
	          "', '" FX_WAREHOUSE "', 'B-01')");
	fx_run(a, "INSERT INTO items (id, tenant_id, sku, name) VALUES ('" FX_ITEM "', '" FX_TENANT
	          "', 'SKU-1', 'Widget')");
	fx_run(a,
	       "INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity) VALUES"
	       " ('" FX_STOCK "', '" FX_TENANT "', '" FX_WAREHOUSE "', '" FX_ITEM "', '" FX_BIN_A
	       "', 10)");
}

void fx_end(void)
{
	db_rollback();
}

void fx_session(struct arena *a, const char *code, bool blind, const char **id)
{
	struct field_value *vals = arena_alloc(a, count_nfields() * sizeof(*vals));
	static const char *keys[] = {FX_BIN_A};
	struct count_target target = {keys, 1};
	struct count_assignment as[] = {
	    {.user_key = "user/counter-one",
	     .username = "counter-one",
	     .targets = &target,
	     .ntargets = 1},
	    {.user_key = FX_USER2, .user_id = FX_USER2, .targets = &target, .ntargets = 1},
	};
	struct count_result res = {0};

	memset(vals, 0, count_nfields() * sizeof(*vals));
	vals[count_field_index("type")] = (struct field_value){.set = true, .s = "position"};
	vals[count_field_index("blind_quantities")] = (struct field_value){.set = true, .i = blind};
	if (code)
		vals[count_field_index("code")] = (struct field_value){.set = true, .s = code};
	assert_int_equal(count_input_create(a, FX_TENANT, FX_USER1, vals, as, 2, NULL, id, &res),
	                 0);
}

void fx_load(struct arena *a, const char *id, struct count_session *s)
{
	assert_int_equal(count_session_load(a, FX_TENANT, id, COUNT_UPDATE, s), 0);
}

void fx_action(struct arena *a, const char *id, enum count_action action)
{
	struct count_session s;
	struct count_result res = {0};

	fx_load(a, id, &s);
	assert_int_equal(count_transition(a, FX_TENANT, &s, action, FX_USER1, &res), 0);
}

void fx_record(struct arena *a, const char *id, const char *user_id, long long qt)
{
	struct count_entry e = {FX_BIN_A, FX_ITEM, "", qt, NULL};
	const char *record_id = NULL;

	assert_int_equal(count_record_put(a, FX_TENANT, id, user_id, &e, "api", &record_id), 0);
	assert_non_null(record_id);
}
