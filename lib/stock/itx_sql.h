/* The SQL of a transaction with its related records: stock/itx.c's reads, and the benchmark floors.
 */
#ifndef STOCKTAKE_ITX_SQL_H
#define STOCKTAKE_ITX_SQL_H

/*
 * tests/bench/fcgi_baseline.c runs these same statements with nothing
 * around them (no token, no JSON), so the benchmark can show what the
 * statements alone cost against what the handler adds.
 */

/* The transaction as the document shows it, plus the ledger columns. */
#define TX_FLAT_COLUMNS                                                                            \
	"t.id, t.tenant_id, t.warehouse_id, t.item_id, t.stock_id, t.transaction_type, "           \
	"t.quantity,"                                                                              \
	" t.from_bin_id, t.to_bin_id, t.reference_id, t.reference_type, t.notes, t.performed_by,"  \
	" t.timestamp, t.delta, t.to_stock_id, t.to_delta"

/* Related records, nested by their labels; a missing one (no bin) becomes null. */
#define TX_NESTED_COLUMNS                                                                          \
	", w.id AS `warehouse.id`, w.name AS `warehouse.name`, w.code AS `warehouse.code`,"        \
	" i.id AS `item.id`, i.sku AS `item.sku`, i.name AS `item.name`,"                          \
	" i.category AS `item.category`,"                                                          \
	" s.id AS `stock.id`, s.quantity AS `stock.quantity`,"                                     \
	" s.unit_of_measure AS `stock.unit_of_measure`, s.status AS `stock.status`,"               \
	" fb.id AS `from_bin.id`, fb.code AS `from_bin.code`,"                                     \
	" fb.location_type AS `from_bin.location_type`,"                                           \
	" tb.id AS `to_bin.id`, tb.code AS `to_bin.code`, tb.location_type AS "                    \
	"`to_bin.location_type`,"                                                                  \
	" u.id AS `user.id`, u.first_name AS `user.first_name`, u.last_name AS `user.last_name`,"  \
	" u.email AS `user.email`"

/*
 * What the admin listings show of a transaction (ITX_LISTING_COLUMNS): a
 * third of the cells to send, convert and copy; MariaDB leaves out the joins
 * whose columns are not read (table elimination: stocks, users when unused).
 */
#define TX_LISTING_COLUMNS                                                                         \
	"t.id, t.transaction_type, t.quantity, t.reference_id, t.reference_type, t.performed_by,"  \
	" t.timestamp, t.delta, w.code AS `warehouse.code`, i.sku AS `item.sku`,"                  \
	" i.name AS `item.name`, fb.code AS `from_bin.code`, tb.code AS `to_bin.code`,"            \
	" u.first_name AS `user.first_name`, u.last_name AS `user.last_name`"

#define TX_JOINS " FROM inventory_transactions t" TX_RELATED

#define TX_RELATED                                                                                 \
	" LEFT JOIN warehouses w ON w.id = t.warehouse_id AND w.tenant_id = t.tenant_id"           \
	" LEFT JOIN items i ON i.id = t.item_id AND i.tenant_id = t.tenant_id"                     \
	" LEFT JOIN stocks s ON s.id = t.stock_id AND s.tenant_id = t.tenant_id"                   \
	" LEFT JOIN bins fb ON fb.id = t.from_bin_id AND fb.tenant_id = t.tenant_id"               \
	" LEFT JOIN bins tb ON tb.id = t.to_bin_id AND tb.tenant_id = t.tenant_id"                 \
	" LEFT JOIN users u ON u.id = t.performed_by AND u.tenant_id = t.tenant_id"

/*
 * The related records by primary key. FORCE INDEX because with t.tenant_id
 * bound the optimizer otherwise takes the (tenant_id, ...) unique keys of
 * items and bins and reads every row of the tenant for each transaction.
 */
#define TX_RELATED_PK                                                                              \
	" LEFT JOIN warehouses w FORCE INDEX (PRIMARY) ON w.id = t.warehouse_id"                   \
	" AND w.tenant_id = t.tenant_id"                                                           \
	" LEFT JOIN items i FORCE INDEX (PRIMARY) ON i.id = t.item_id"                             \
	" AND i.tenant_id = t.tenant_id"                                                           \
	" LEFT JOIN stocks s FORCE INDEX (PRIMARY) ON s.id = t.stock_id"                           \
	" AND s.tenant_id = t.tenant_id"                                                           \
	" LEFT JOIN bins fb FORCE INDEX (PRIMARY) ON fb.id = t.from_bin_id"                        \
	" AND fb.tenant_id = t.tenant_id"                                                          \
	" LEFT JOIN bins tb FORCE INDEX (PRIMARY) ON tb.id = t.to_bin_id"                          \
	" AND tb.tenant_id = t.tenant_id"                                                          \
	" LEFT JOIN users u FORCE INDEX (PRIMARY) ON u.id = t.performed_by"                        \
	" AND u.tenant_id = t.tenant_id"

#define TX_ORDER " ORDER BY t.timestamp DESC, t.id DESC"

/* One transaction as GET /warehousing/inventory-transactions/:id answers it, extra columns after.
 */
#define TX_GET_SQL_WITH(extra)                                                                     \
	"SELECT " TX_FLAT_COLUMNS TX_NESTED_COLUMNS extra TX_JOINS                                 \
	" WHERE t.tenant_id = ? AND t.id = ?"
#define TX_GET_SQL TX_GET_SQL_WITH("")

/*
 * The stats of a list filtered by a type (and perhaps a warehouse) as one
 * more select item of its page query: an uncorrelated scalar subquery, read
 * once per execution, so the page and its stats are one round trip. The
 * count of that type from the trigger-kept counts (migration 005), NULL when
 * there are none. Bind the tenant, the warehouse with TX_STATS_WAREHOUSE, then
 * the type. Lists of every type need a count per type: a grouped subquery
 * (a derived table, two temporary tables) cost MariaDB more than the
 * statement it would save (docs/PERFORMANCE.md, issue 18), so they keep theirs.
 */
#define TX_STATS_LABEL "_stats"
#define TX_STATS_BEGIN                                                                             \
	"(SELECT CAST(SUM(n) AS SIGNED) FROM inventory_transaction_counts WHERE tenant_id = ?"
#define TX_STATS_WAREHOUSE " AND warehouse_id = ?"
#define TX_STATS_END " AND transaction_type = ?) AS " TX_STATS_LABEL

#endif
