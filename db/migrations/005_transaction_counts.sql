-- Ledger row counts per (tenant, warehouse, transaction type), kept by triggers in the same
-- database transaction as each ledger insert, so the list's stats and total need not count
-- the index (100,000 entries for a tenant-wide list) when its only filters are the warehouse
-- and the type.
--
-- Each count is split over 32 slots (the writer's connection id modulo 32): every handler
-- worker has its own connection and so its own row to increment, and concurrent writes to one
-- warehouse do not queue behind one row lock held until commit (which would also stop the
-- database from committing them as a group). A slot may go negative (a delete on another
-- connection); only the sum over the slots means anything.
--
-- A bulk loader that writes the counts itself (tests/bench/generate.py) sets the session
-- variable @stocktake_skip_counts = 1 first: per-row trigger work would double its load time.
CREATE TABLE inventory_transaction_counts (
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  warehouse_id CHAR(36) CHARACTER SET ascii NOT NULL,
  transaction_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  slot TINYINT UNSIGNED NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, warehouse_id, transaction_type, slot)
) ENGINE=InnoDB;

-- The table lock keeps writers out between the triggers' creation and the first count, so
-- every row is counted exactly once even while handlers are writing.
LOCK TABLES inventory_transactions WRITE, inventory_transaction_counts WRITE;

DELIMITER //
CREATE TRIGGER trg_itx_count_insert AFTER INSERT ON inventory_transactions FOR EACH ROW
BEGIN
  IF @stocktake_skip_counts IS NULL THEN
    INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)
    VALUES (NEW.tenant_id, NEW.warehouse_id, NEW.transaction_type, CONNECTION_ID() % 32, 1)
    ON DUPLICATE KEY UPDATE n = n + 1;
  END IF;
END//

CREATE TRIGGER trg_itx_count_delete AFTER DELETE ON inventory_transactions FOR EACH ROW
BEGIN
  IF @stocktake_skip_counts IS NULL THEN
    INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)
    VALUES (OLD.tenant_id, OLD.warehouse_id, OLD.transaction_type, CONNECTION_ID() % 32, -1)
    ON DUPLICATE KEY UPDATE n = n - 1;
  END IF;
END//

-- Transactions are immutable but for their notes; should a key column ever change, the
-- count moves with it.
CREATE TRIGGER trg_itx_count_update AFTER UPDATE ON inventory_transactions FOR EACH ROW
BEGIN
  IF @stocktake_skip_counts IS NULL AND NOT (NEW.tenant_id <=> OLD.tenant_id
      AND NEW.warehouse_id <=> OLD.warehouse_id AND NEW.transaction_type <=> OLD.transaction_type) THEN
    INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)
    VALUES (OLD.tenant_id, OLD.warehouse_id, OLD.transaction_type, CONNECTION_ID() % 32, -1)
    ON DUPLICATE KEY UPDATE n = n - 1;
    INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)
    VALUES (NEW.tenant_id, NEW.warehouse_id, NEW.transaction_type, CONNECTION_ID() % 32, 1)
    ON DUPLICATE KEY UPDATE n = n + 1;
  END IF;
END//
DELIMITER ;

INSERT INTO inventory_transaction_counts (tenant_id, warehouse_id, transaction_type, slot, n)
  SELECT tenant_id, warehouse_id, transaction_type, 0, COUNT(*) FROM inventory_transactions
  GROUP BY tenant_id, warehouse_id, transaction_type;

UNLOCK TABLES;
