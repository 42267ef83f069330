-- A create of one stock record in three round trips instead of four, and cheaper for the server.
--
-- Its first CALL opens the transaction, so the handler sends no START TRANSACTION of its own
-- (db_transaction_lazy and db_begin_take in lib/db/db.c; docs/PERFORMANCE.md, "Issue 18: S4,
-- second round").
--
-- itx_single_lock_begin is START TRANSACTION followed by itx_single_lock of migration 011, the
-- same locks in the same order; it ends no transaction: the caller's COMMIT or ROLLBACK does,
-- and a deadlock or lock wait inside it reruns the whole attempt as before. A new procedure
-- beside the old one rather than a changed signature: a handler of the build before this one
-- still runs on this schema, and the locks are written once.

DELIMITER //

CREATE PROCEDURE itx_single_lock_begin(
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_stock CHAR(36) CHARACTER SET ascii,
  IN p_warehouse CHAR(36) CHARACTER SET ascii,
  IN p_probe_user CHAR(36) CHARACTER SET ascii,
  IN p_probe_tenant CHAR(36) CHARACTER SET ascii,
  IN p_takes_from_bin TINYINT,
  IN p_performer CHAR(36) CHARACTER SET ascii)
  SQL SECURITY INVOKER
BEGIN
  START TRANSACTION;
  CALL itx_single_lock(p_tenant, p_stock, p_warehouse, p_probe_user, p_probe_tenant,
                       p_takes_from_bin, p_performer);
END//

-- itx_bin_frozen of migration 011, cheaper when no count session of the tenant is started with
-- lock_positions (nearly always): a plain locking read of that range of ix_count_sessions_status
-- first, and the search of the bin among the sessions' targets and snapshots (a statement whose
-- setup alone cost mariadbd about twice the read) only when it finds one. The locks stay those
-- the search takes when it finds nothing: the same index range, each row read, in share mode,
-- with the gap after it, so a session can still not start, end or change unseen while the
-- caller's transaction runs.
CREATE OR REPLACE PROCEDURE itx_bin_frozen(
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_bin CHAR(36) CHARACTER SET ascii,
  OUT p_code VARCHAR(64) CHARACTER SET utf8mb4)
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_started TINYINT DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET p_code = NULL;
  SET p_code = NULL;
  SELECT 1 INTO v_started FROM count_sessions
   WHERE tenant_id = p_tenant AND status = 'started' AND lock_positions = 1
   LIMIT 1 LOCK IN SHARE MODE;
  IF v_started THEN
    SELECT s.code INTO p_code FROM count_sessions s
     WHERE s.tenant_id = p_tenant AND s.status = 'started' AND s.lock_positions = 1
       AND ((s.type = 'position' AND EXISTS (SELECT 1 FROM count_targets t
              WHERE t.session_id = s.id AND t.key_id = LOWER(p_bin)))
        OR (s.type = 'product' AND EXISTS (SELECT 1 FROM count_snapshot_lines l
              WHERE l.snapshot_id = s.baseline_snapshot_key AND l.bin_id = LOWER(p_bin))))
     ORDER BY s.code LIMIT 1 LOCK IN SHARE MODE;
  END IF;
END//

DELIMITER ;
