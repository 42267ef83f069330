/* Finding an item, bin or stock record by what a person types or scans: its code, or a prefix. */
#include "stock/master_pick.h"

#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/valid.h"
#include "db/sql.h"

#define LIMIT_SQL " LIMIT 20"

/* A prefix for LIKE ... ESCAPE '!': the term with its wildcards escaped, then '%'. */
static const char *prefix(struct arena *a, const char *term)
{
	return sql_like_pattern(a, term) + 1;
}

/* The parts of "A / B / C" (blanks around each trimmed); returns their number, at most max. */
static size_t split_code(struct arena *a, const char *typed, const char **parts, size_t max)
{
	char *s = arena_strdup(a, typed);
	size_t n = 0;

	while (s && n < max) {
		char *slash = n + 1 < max ? strchr(s, '/') : NULL;
		char *end;

		if (slash)
			*slash = '\0';
		while (*s == ' ')
			s++;
		end = s + strlen(s);
		while (end > s && end[-1] == ' ')
			*--end = '\0';
		parts[n++] = s;
		s = slash ? slash + 1 : NULL;
	}
	return n;
}

/* ---- items ---- */

#define ITEM_COLS                                                                                  \
	"SELECT id, sku AS code, CONCAT(sku, ' · ', name,"                                        \
	" IF(status = 'active', '', ' (inactive)')) AS label FROM items"

/* SKU prefix and name prefix, each an index range, merged: no scan of the tenant's items. */
static int search_items(struct arena *a, const char *t, const char *q, struct db_rows *rows)
{
	const char *p = prefix(a, q);

	return db_exec(a, rows,
	               "SELECT id, code, label FROM ((" ITEM_COLS " WHERE tenant_id = ?"
	               " AND sku LIKE ? ESCAPE '!' ORDER BY sku" LIMIT_SQL ") UNION (" ITEM_COLS
	               " WHERE tenant_id = ? AND name LIKE ? ESCAPE '!' ORDER BY name" LIMIT_SQL
	               ")) x ORDER BY code" LIMIT_SQL,
	               "ssss", t, p, t, p);
}

static int exact_item(struct arena *a, const char *t, const char *typed, struct db_rows *rows)
{
	if (valid_uuid(typed))
		return db_exec(a, rows, ITEM_COLS " WHERE tenant_id = ? AND id = ?", "ss", t,
		               valid_id_norm(a, typed));
	/* A scanner reads the product's barcode; people type the SKU. Both are unique per tenant.
	 */
	return db_exec(a, rows, ITEM_COLS " WHERE tenant_id = ? AND (sku = ? OR barcode = ?)",
	               "sss", t, typed, typed);
}

/* ---- bins ---- */

/* Bins are reached through the tenant's warehouses, then (tenant, warehouse, code) ranges. */
#define BIN_COLS                                                                                    \
	"SELECT b.id, CONCAT(w.code, ' / ', b.code) AS code, CONCAT(w.code, ' / ', b.code,"         \
	" IF(b.location_type IS NULL, '', CONCAT(' · ', CONVERT(b.location_type USING utf8mb4)))," \
	" IF(b.status = 'active', '', ' (inactive)')) AS label FROM warehouses w"                   \
	" JOIN bins b ON b.tenant_id = w.tenant_id AND b.warehouse_id = w.id WHERE w.tenant_id = "  \
	"?"

/* How a bin query compares codes: exactly, by prefix (both), or a pattern (exact warehouse). */
enum bin_match { BIN_EXACT = 0, BIN_LIKE, BIN_PATTERN };

/* A bin query: codes compared as match says, optional warehouse code and id; limit rows. */
static int bin_query(struct arena *a, const char *t, const char *wh_code, const char *bin_code,
                     enum bin_match match, const char *warehouse_id, const char *limit,
                     struct db_rows *rows)
{
	bool like = match == BIN_LIKE;
	struct sql q;
	int rc;

	sql_init(&q, a);
	sql_addp(&q, BIN_COLS, DBP_S(t));
	if (warehouse_id)
		sql_addp(&q, " AND w.id = ?", DBP_S(warehouse_id));
	if (wh_code && *wh_code)
		sql_addp(&q, like ? " AND w.code LIKE ? ESCAPE '!'" : " AND w.code = ?",
		         DBP_S(like ? prefix(a, wh_code) : wh_code));
	sql_addp(&q, match != BIN_EXACT ? " AND b.code LIKE ? ESCAPE '!'" : " AND b.code = ?",
	         DBP_S(match != BIN_EXACT ? prefix(a, bin_code) : bin_code));
	/* A pattern plans a count: only the bins a count can still find stock in. */
	if (match == BIN_PATTERN)
		buf_puts(&q.text, " AND b.status = 'active' AND w.status = 'active'");
	buf_appendf(&q.text, " ORDER BY w.code, b.code LIMIT %s", limit);
	rc = sql_exec(&q, rows);
	sql_release(&q);
	return rc;
}

static int bins(struct arena *a, const char *t, const char *typed, bool like, const char *wh,
                struct db_rows *rows)
{
	const char *parts[2];
	size_t n = split_code(a, typed, parts, 2);

	return bin_query(a, t, n == 2 ? parts[0] : NULL, parts[n - 1], like ? BIN_LIKE : BIN_EXACT,
	                 wh, "20", rows);
}

/* ---- stock records ---- */

/* Items by SKU (an index range), then their records (tenant, item); active records only. */
#define STOCK_COLS                                                                                 \
	"SELECT s.id, CONCAT(w.code, ' / ', COALESCE(b.code, '-'), ' / ', i.sku) AS code,"         \
	" CONCAT(w.code, ' / ', COALESCE(b.code, '-'), ' · ', i.sku, ' ', i.name,"                \
	" IF(s.lot_number IS NULL, '', CONCAT(' · lot ', s.lot_number)),"                         \
	" ' · ', s.quantity, ' ', s.unit_of_measure) AS label FROM items i"                       \
	" JOIN stocks s ON s.tenant_id = i.tenant_id AND s.item_id = i.id"                         \
	" JOIN warehouses w ON w.id = s.warehouse_id AND w.tenant_id = s.tenant_id"                \
	" LEFT JOIN bins b ON b.id = s.bin_id AND b.tenant_id = s.tenant_id"                       \
	" WHERE i.tenant_id = ? AND s.status <> 'inactive' AND w.status = 'active'"

static int stocks(struct arena *a, const char *t, const char *typed, bool like, const char *wh,
                  struct db_rows *rows)
{
	const char *parts[3], *sku;
	size_t n = split_code(a, typed, parts, 3);
	struct sql q;
	int rc;

	sku = parts[n - 1];
	sql_init(&q, a);
	sql_addp(&q, STOCK_COLS, DBP_S(t));
	if (wh)
		sql_addp(&q, " AND s.warehouse_id = ?", DBP_S(wh));
	if (n >= 2)
		sql_addp(&q, " AND w.code = ?", DBP_S(parts[0]));
	if (n == 3 && strcmp(parts[1], "-") == 0)
		buf_puts(&q.text, " AND s.bin_id IS NULL");
	else if (n == 3)
		sql_addp(&q, " AND b.code = ?", DBP_S(parts[1]));
	sql_addp(&q, like ? " AND i.sku LIKE ? ESCAPE '!'" : " AND i.sku = ?",
	         DBP_S(like ? prefix(a, sku) : sku));
	buf_puts(&q.text, " ORDER BY i.sku, w.code, b.code, s.lot_number" LIMIT_SQL);
	rc = sql_exec(&q, rows);
	sql_release(&q);
	return rc;
}

static int stock_by_id(struct arena *a, const char *t, const char *id, struct db_rows *rows)
{
	return db_exec(a, rows, STOCK_COLS " AND s.id = ?", "ss", t, valid_id_norm(a, id));
}

/* ---- the API ---- */

int master_pick_search(struct arena *a, const char *tenant_id, enum master_pick_kind kind,
                       const char *q, const char *warehouse_id, struct db_rows *rows)
{
	q = q ? q : "";
	switch (kind) {
	case MASTER_PICK_ITEM:
		return search_items(a, tenant_id, q, rows);
	case MASTER_PICK_BIN:
		return bins(a, tenant_id, q, true, warehouse_id, rows);
	default:
		return stocks(a, tenant_id, q, true, warehouse_id, rows);
	}
}

static int exact(struct arena *a, const char *t, enum master_pick_kind kind, const char *typed,
                 const char *wh, struct db_rows *rows)
{
	switch (kind) {
	case MASTER_PICK_ITEM:
		return exact_item(a, t, typed, rows);
	case MASTER_PICK_BIN:
		if (valid_uuid(typed))
			return db_exec(a, rows, BIN_COLS " AND b.id = ?", "ss", t,
			               valid_id_norm(a, typed));
		return bins(a, t, typed, false, wh, rows);
	default:
		if (valid_uuid(typed))
			return stock_by_id(a, t, typed, rows);
		return stocks(a, t, typed, false, wh, rows);
	}
}

enum master_pick_outcome master_pick_resolve(struct arena *a, const char *tenant_id,
                                             enum master_pick_kind kind, const char *typed,
                                             const char *warehouse_id, struct db_rows *rows)
{
	if (!typed || !*typed)
		return MASTER_PICK_NONE;
	if (exact(a, tenant_id, kind, typed, warehouse_id, rows) < 0)
		return MASTER_PICK_FAILED;
	if (rows->nrows == 1)
		return MASTER_PICK_FOUND;
	/* Several exact matches (a bin code in two warehouses, lots of one item) are the choice. */
	if (rows->nrows > 1)
		return MASTER_PICK_MANY;
	if (master_pick_search(a, tenant_id, kind, typed, warehouse_id, rows) < 0)
		return MASTER_PICK_FAILED;
	return rows->nrows ? MASTER_PICK_MANY : MASTER_PICK_NONE;
}

int master_pick_prefix(struct arena *a, const char *tenant_id, enum master_pick_kind kind,
                       const char *pfx, const char *warehouse_id, size_t max, struct db_rows *rows)
{
	const char *limit = arena_sprintf(a, "%zu", max + 1);
	const char *parts[2];
	size_t n;

	if (kind == MASTER_PICK_ITEM)
		return db_exec(a, rows,
		               arena_sprintf(a,
		                             ITEM_COLS " WHERE tenant_id = ? AND status = 'active'"
		                                       " AND sku LIKE ? ESCAPE '!' ORDER BY sku"
		                                       " LIMIT %s",
		                             limit),
		               "ss", tenant_id, prefix(a, pfx));
	n = split_code(a, pfx, parts, 2);
	return bin_query(a, tenant_id, n == 2 ? parts[0] : NULL, parts[n - 1], BIN_PATTERN,
	                 warehouse_id, limit, rows);
}
