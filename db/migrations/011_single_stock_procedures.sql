-- A transaction of one stock record (receive, pick, adjustment, return, count) in two round
-- trips instead of seven statements: the reads and locks before the checks as one CALL, the two
-- writes and the read-back as another. The rules, their messages and their order stay in C
-- (lib/stock/itx.c checks what itx_single_lock returns); these procedures only run, in the same
-- order, the statements the C code ran one by one (docs/PERFORMANCE.md, "Issue 18: pick").
--
-- SQL SECURITY INVOKER: they run with the privileges of the handlers' account, which has the
-- tables' anyway, not with those of the account that ran the migration (which may go later).
-- Neither procedure starts or ends a transaction: the caller's db_transaction does, so a
-- deadlock or lock wait inside them rolls back and retries the whole attempt as before, and a
-- caller refused by the user row read here rolls back before ledger_post_single writes.

DELIMITER //

-- The code of a started count session with lock_positions that freezes bin p_bin (the first by
-- code), read in share mode, or NULL: ledger_post_bin_frozen's statement (lib/stock/ledger_post.c).
CREATE PROCEDURE itx_bin_frozen(
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_bin CHAR(36) CHARACTER SET ascii,
  OUT p_code VARCHAR(64) CHARACTER SET utf8mb4)
  SQL SECURITY INVOKER
BEGIN
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET p_code = NULL;
  SET p_code = NULL;
  SELECT s.code INTO p_code FROM count_sessions s
   WHERE s.tenant_id = p_tenant AND s.status = 'started' AND s.lock_positions = 1
     AND ((s.type = 'position' AND EXISTS (SELECT 1 FROM count_targets t
            WHERE t.session_id = s.id AND t.key_id = LOWER(p_bin)))
      OR (s.type = 'product' AND EXISTS (SELECT 1 FROM count_snapshot_lines l
            WHERE l.snapshot_id = s.baseline_snapshot_key AND l.bin_id = LOWER(p_bin))))
   ORDER BY s.code LIMIT 1 LOCK IN SHARE MODE;
END//

-- The locks of a single-stock create in the order every writer of stock keeps (docs/ledger.md):
-- the stock's bin read plainly (with the warehouse, the database's clock and the caller's user
-- row), the count-session freeze of that bin in share mode (picks only), the bin in share mode,
-- then, when the warehouse is an active one of the tenant, the stock row FOR UPDATE. One row out:
--   bin_id      the stock's bin before its lock (NULL: no such stock, or no bin)
--   clock       UTC_TIMESTAMP(6) when the warehouse is active in the tenant, else NULL
--   _caller     the caller's user row as USER_PROBE_COLUMN (lib/db/user_probe.h) gives it,
--               NULL without p_probe_user
--   frozen      the code of the session freezing bin_id (NULL: free or not asked)
--   s_*         the stock row read under its lock (s_id NULL: not read or not the tenant's)
--   s_frozen    the freeze of s_bin_id when it is not bin_id (a record moved meanwhile)
--   performer   1 when p_performer is a user of the tenant, 0 when not, NULL when not asked
CREATE PROCEDURE itx_single_lock(
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_stock CHAR(36) CHARACTER SET ascii,
  IN p_warehouse CHAR(36) CHARACTER SET ascii,
  IN p_probe_user CHAR(36) CHARACTER SET ascii,
  IN p_probe_tenant CHAR(36) CHARACTER SET ascii,
  IN p_takes_from_bin TINYINT,
  IN p_performer CHAR(36) CHARACTER SET ascii)
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_bin, v_s_id, v_s_wh, v_s_item, v_s_bin, v_seen CHAR(36) CHARACTER SET ascii;
  DECLARE v_frozen, v_s_frozen VARCHAR(64) CHARACTER SET utf8mb4;
  DECLARE v_clock VARCHAR(32) CHARACTER SET ascii;
  DECLARE v_caller TEXT CHARACTER SET utf8mb4;
  DECLARE v_s_qty BIGINT;
  DECLARE v_s_uom, v_s_lot, v_s_serial VARCHAR(100) CHARACTER SET utf8mb4;
  DECLARE v_s_status VARCHAR(16) CHARACTER SET ascii;
  DECLARE v_performer TINYINT;
  DECLARE v_found TINYINT DEFAULT 1;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_found = 0;

  SELECT (SELECT bin_id FROM stocks WHERE tenant_id = p_tenant AND id = p_stock),
         (SELECT CAST(UTC_TIMESTAMP(6) AS CHAR) FROM warehouses
           WHERE tenant_id = p_tenant AND id = p_warehouse AND status = 'active'),
         (SELECT CONCAT_WS(CHAR(31), pu.status, pt.status, pu.tokens_valid_after,
                 IFNULL(pu.scopes, ''), pt.time_zone, pu.username)
            FROM users pu JOIN tenants pt ON pt.id = pu.tenant_id
           WHERE pu.id = p_probe_user AND pu.tenant_id = p_probe_tenant)
    INTO v_bin, v_clock, v_caller;
  IF v_bin IS NOT NULL AND p_takes_from_bin THEN
    CALL itx_bin_frozen(p_tenant, v_bin, v_frozen);
  END IF;
  IF v_bin IS NOT NULL THEN
    SELECT id INTO v_seen FROM bins WHERE tenant_id = p_tenant AND id = v_bin LOCK IN SHARE MODE;
  END IF;
  IF v_clock IS NOT NULL THEN
    SET v_found = 1;
    SELECT id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status, lot_number,
           serial_number
      INTO v_s_id, v_s_wh, v_s_item, v_s_bin, v_s_qty, v_s_uom, v_s_status, v_s_lot, v_s_serial
      FROM stocks WHERE tenant_id = p_tenant AND id = p_stock FOR UPDATE;
    IF NOT v_found THEN
      SET v_s_id = NULL;
    END IF;
  END IF;
  IF v_s_id IS NOT NULL AND p_performer IS NOT NULL THEN
    SET v_performer = EXISTS (SELECT 1 FROM users WHERE tenant_id = p_tenant AND id = p_performer);
  END IF;
  IF v_s_id IS NOT NULL AND p_takes_from_bin AND v_s_bin IS NOT NULL
     AND NOT (v_s_bin <=> v_bin) THEN
    CALL itx_bin_frozen(p_tenant, v_s_bin, v_s_frozen);
  END IF;
  SELECT v_bin AS bin_id, v_clock AS clock, v_caller AS _caller, v_frozen AS frozen,
         v_s_id AS s_id, v_s_wh AS s_warehouse_id, v_s_item AS s_item_id, v_s_bin AS s_bin_id,
         v_s_qty AS s_quantity, v_s_uom AS s_unit_of_measure, v_s_status AS s_status,
         v_s_lot AS s_lot_number, v_s_serial AS s_serial_number, v_s_frozen AS s_frozen,
         v_performer AS performer;
END//

-- ledger_post (lib/stock/ledger_post.c) for a movement of one stock record, then the
-- transaction as stored and its stock record as the create's read-back gave them, in one round
-- trip: the stock row (locked by the caller) gets p_delta and the stamp p_stamp asks (0 none,
-- 1 a count: last_counted_at moves forward to p_when, never back; 2 a count session's posting:
-- last_counted_at is p_when), then the ledger row with the same delta, whose counter trigger
-- (migration 005) runs inside it. The columns out are TX_FLAT_COLUMNS (lib/stock/itx_sql.h)
-- and the stock's, labelled as the read-back labels them.
CREATE PROCEDURE ledger_post_single(
  IN p_id CHAR(36) CHARACTER SET ascii,
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_warehouse CHAR(36) CHARACTER SET ascii,
  IN p_item CHAR(36) CHARACTER SET ascii,
  IN p_stock CHAR(36) CHARACTER SET ascii,
  IN p_type VARCHAR(32) CHARACTER SET ascii,
  IN p_quantity BIGINT,
  IN p_delta BIGINT,
  IN p_stamp TINYINT,
  IN p_from_bin CHAR(36) CHARACTER SET ascii,
  IN p_to_bin CHAR(36) CHARACTER SET ascii,
  IN p_reference_id VARCHAR(100) CHARACTER SET utf8mb4,
  IN p_reference_type VARCHAR(16) CHARACTER SET ascii,
  IN p_notes TEXT CHARACTER SET utf8mb4,
  IN p_performed_by CHAR(36) CHARACTER SET ascii,
  IN p_when DATETIME(6))
  SQL SECURITY INVOKER
BEGIN
  UPDATE stocks SET quantity = quantity + p_delta, updated_at = UTC_TIMESTAMP(6),
         last_counted_at = CASE p_stamp
           WHEN 1 THEN IF(last_counted_at IS NULL OR last_counted_at < p_when, p_when,
                          last_counted_at)
           WHEN 2 THEN p_when
           ELSE last_counted_at END
   WHERE tenant_id = p_tenant AND id = p_stock;
  INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id,
         transaction_type, quantity, delta, from_bin_id, to_bin_id, to_stock_id, to_delta,
         reference_id, reference_type, notes, performed_by, timestamp)
  VALUES (p_id, p_tenant, p_warehouse, p_item, p_stock, p_type, p_quantity, p_delta, p_from_bin,
          p_to_bin, NULL, 0, p_reference_id, p_reference_type, p_notes, p_performed_by,
          IFNULL(p_when, UTC_TIMESTAMP(6)));
  SELECT t.id, t.tenant_id, t.warehouse_id, t.item_id, t.stock_id, t.transaction_type,
         t.quantity, t.from_bin_id, t.to_bin_id, t.reference_id, t.reference_type, t.notes,
         t.performed_by, t.timestamp, t.delta, t.to_stock_id, t.to_delta,
         s.id AS id, s.tenant_id AS tenant_id, s.warehouse_id AS warehouse_id,
         s.item_id AS item_id, s.bin_id AS bin_id, s.quantity AS quantity,
         s.unit_of_measure AS unit_of_measure, s.status AS status, s.lot_number AS lot_number,
         s.serial_number AS serial_number, s.last_counted_at AS last_counted_at,
         s.updated_at AS updated_at
    FROM inventory_transactions t JOIN stocks s ON s.tenant_id = t.tenant_id AND s.id = t.stock_id
   WHERE t.tenant_id = p_tenant AND t.id = p_id;
END//

DELIMITER ;
