-- Stock ledger: the destination side of moves, list indexes, and the Idempotency-Key store.
--
-- Ledger invariant (checked by GET /warehousing/inventory-transactions/ledger-check):
-- for every stock s, SUM(delta WHERE stock_id = s) + SUM(to_delta WHERE to_stock_id = s)
-- equals s.quantity. A move writes one row: delta for the source record and to_delta for
-- the destination record (which may be the source itself when the whole record moved).

-- Indexes. A list page is read in order straight from an index when the index ends in
-- (timestamp, id) after the filtered columns; the id is named explicitly where more columns
-- follow it, so that those columns make the index covering without breaking the order:
-- transaction_type for the list's per-type stats, delta / to_delta for the ledger check.
-- ix_itx_tenant_time and ix_itx_tenant_stock_time of 001 are widened the same way.
ALTER TABLE inventory_transactions
  ADD COLUMN to_stock_id CHAR(36) CHARACTER SET ascii NULL AFTER to_bin_id,
  ADD COLUMN to_delta BIGINT NOT NULL DEFAULT 0 AFTER to_stock_id,
  DROP KEY ix_itx_tenant_time,
  ADD KEY ix_itx_tenant_time (tenant_id, timestamp, id, transaction_type),
  DROP KEY ix_itx_tenant_stock_time,
  ADD KEY ix_itx_tenant_stock_time (tenant_id, stock_id, timestamp, id, delta),
  ADD KEY ix_itx_to_stock_tenant (to_stock_id, tenant_id, to_delta),
  ADD CONSTRAINT fk_itx_to_stock FOREIGN KEY (to_stock_id) REFERENCES stocks (id),
  ADD KEY ix_itx_tenant_wh_time (tenant_id, warehouse_id, timestamp, id, transaction_type),
  ADD KEY ix_itx_tenant_type_time (tenant_id, transaction_type, timestamp),
  ADD KEY ix_itx_tenant_ref_time (tenant_id, reference_type, timestamp, id, transaction_type);

-- One row per Idempotency-Key of a tenant: the request's fingerprint and the first
-- response, replayed to retries. Rows older than 24 hours are purged opportunistically.
-- request_hash is the SHA-256 (hex) of "METHOD path", a newline and the raw body,
-- computed by the server's SHA2() so no crypto library is needed in the handlers.
CREATE TABLE idempotency_keys (
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  idem_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  status SMALLINT NOT NULL DEFAULT 0,
  response MEDIUMTEXT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (tenant_id, idem_key),
  KEY ix_idem_tenant_created (tenant_id, created_at),
  CONSTRAINT fk_idem_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
