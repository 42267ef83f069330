-- The admin pages' item selects read a tenant's first 300 items in SKU order with their names
-- (lib/listing.c, the filter form of every page that filters by item): with the name in the
-- index the read stays in it instead of looking up each row by its primary key (the
-- transactions page, S3 in docs/PERFORMANCE.md: ~265 -> ~165 µs of MariaDB per page).
ALTER TABLE items ADD INDEX ix_items_tenant_sku_name (tenant_id, sku, name);
