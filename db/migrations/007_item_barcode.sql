-- Items get an optional barcode (EAN-13, UPC, Code 128 ...): what a handheld scanner reads off
-- the product, accepted wherever a count line names an item by its SKU (docs/count-sessions.md).
-- Unique per tenant like the SKU; NULL (no barcode) may repeat.
ALTER TABLE items
  ADD COLUMN barcode VARCHAR(64) NULL AFTER sku,
  ADD UNIQUE KEY uq_items_barcode (tenant_id, barcode);
