-- Count-session creates (docs/PERFORMANCE.md, "Issue 18: S5, second round"): the tenant's next
-- generated code taken and set on the new session in one CALL instead of two or three
-- statements, and one index less to write per assignment row.
--
-- Rerunnable: a run that stopped half-way (db/migrate applies the file again from its start)
-- finds the procedure dropped and the indexes as far as it got.

DROP PROCEDURE IF EXISTS count_code_take;

DELIMITER //

-- count_code_assign (lib/count/count.c) in one round trip: bumps the tenant's counter for p_year
-- (its row made at 1 for the first code of a year) and gives session p_session the code
-- CNT-<year>-<n>, n with at least three digits (count_code_format's form); when an explicit code
-- already took that one, the next number, as many times as needed (up to 1000, then NULL). The
-- counter row stays locked until the caller's transaction ends, so concurrent creates queue on
-- it and codes stay gapless. One row out: code, the code set (NULL: none was free).
-- SQL SECURITY INVOKER: the handlers' own privileges, as migration 011's procedures. It neither
-- starts nor ends a transaction: a deadlock or lock wait inside fails the CALL, and the caller's
-- db_transaction rolls back and runs the create again.
CREATE PROCEDURE count_code_take(
  IN p_tenant CHAR(36) CHARACTER SET ascii,
  IN p_session CHAR(36) CHARACTER SET ascii,
  IN p_year SMALLINT)
  SQL SECURITY INVOKER
BEGIN
  DECLARE v_n BIGINT;
  DECLARE v_code VARCHAR(50) CHARACTER SET utf8mb4;
  DECLARE v_tries INT DEFAULT 0;
  DECLARE v_taken TINYINT DEFAULT 1;
  -- The unique key (tenant_id, code): an explicit code has this number; the UPDATE is undone.
  DECLARE CONTINUE HANDLER FOR 1062 SET v_taken = 1;

  WHILE v_taken AND v_tries < 1000 DO
    SET v_taken = 0, v_tries = v_tries + 1;
    UPDATE count_code_counters SET n = LAST_INSERT_ID(n + 1)
     WHERE tenant_id = p_tenant AND year = p_year;
    IF ROW_COUNT() = 0 THEN
      -- The first code of a year: concurrent first inserts may deadlock once and are retried.
      INSERT INTO count_code_counters (tenant_id, year, n) VALUES (p_tenant, p_year,
             LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE n = LAST_INSERT_ID(n + 1);
    END IF;
    SET v_n = LAST_INSERT_ID();
    SET v_code = CONCAT('CNT-', LPAD(p_year, GREATEST(4, CHAR_LENGTH(p_year)), '0'), '-',
                        LPAD(v_n, GREATEST(3, CHAR_LENGTH(v_n)), '0'));
    UPDATE count_sessions SET code = v_code WHERE tenant_id = p_tenant AND id = p_session;
  END WHILE;
  SELECT IF(v_taken, NULL, v_code) AS code;
END//

DELIMITER ;

-- Every query of count_assignments by user also names the tenant (lib/count: a counter's started
-- sessions), and the foreign key to users needs an index that starts with user_id: one index,
-- (user_id, tenant_id), serves both, where (tenant_id, user_id) and the foreign key's own
-- (user_id) were two. The others stay: the primary key, (session_id, user_id) for every read of
-- a session's assignments and its foreign key; count_targets has only its primary key (the
-- foreign key to the assignment) and (session_id, key_id) for the freezes and scans.
ALTER TABLE count_assignments
  ADD KEY IF NOT EXISTS ix_count_assignments_user_tenant (user_id, tenant_id),
  DROP KEY IF EXISTS ix_count_assignments_tenant_user,
  DROP KEY IF EXISTS fk_count_assignments_user;
