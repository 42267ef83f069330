-- A create of one stock record in three round trips instead of four: its first CALL opens the
-- transaction, so the handler sends no START TRANSACTION of its own
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

DELIMITER ;
