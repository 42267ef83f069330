-- Indexes of the sync clients' reads.
-- Following the ledger (GET /warehousing/inventory-transactions?after=...) reads a tenant's
-- transactions in the order they were written, (created_at, id), from a cursor onwards.
ALTER TABLE inventory_transactions
  ADD KEY ix_itx_tenant_created (tenant_id, created_at, id);

-- The master-data lists' updated_since reads the rows changed since a time.
ALTER TABLE warehouses ADD KEY ix_warehouses_tenant_updated (tenant_id, updated_at);
ALTER TABLE bins ADD KEY ix_bins_tenant_updated (tenant_id, updated_at);
ALTER TABLE items ADD KEY ix_items_tenant_updated (tenant_id, updated_at);
ALTER TABLE stocks ADD KEY ix_stocks_tenant_updated (tenant_id, updated_at);
