-- Count sessions (cycle counting): sessions, assignments and their targets, count records,
-- supervisors' resolutions of conflicting counts, stock snapshots, the adjustments an apply
-- posted, and the per-tenant counter behind generated session codes.
--
-- Lot numbers are stored as '' (not NULL) in the count tables so that a (bin, item, lot) line
-- can be a unique key and a plain join key; the API shows '' as null.

CREATE TABLE count_sessions (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  code VARCHAR(50) NOT NULL,
  description VARCHAR(500) NULL,
  type VARCHAR(16) CHARACTER SET ascii NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'planned',
  blind_quantities TINYINT(1) NOT NULL DEFAULT 0,
  blind_serials TINYINT(1) NOT NULL DEFAULT 0,
  lock_positions TINYINT(1) NOT NULL DEFAULT 0,
  coverage_percentage TINYINT UNSIGNED NULL,
  scheduled_start DATETIME(6) NULL,
  scheduled_end DATETIME(6) NULL,
  created DATETIME(6) NOT NULL,
  created_by CHAR(36) CHARACTER SET ascii NOT NULL,
  started DATETIME(6) NULL,
  completed DATETIME(6) NULL,
  applied DATETIME(6) NULL,
  canceled DATETIME(6) NULL,
  baseline_snapshot_key CHAR(36) CHARACTER SET ascii NULL,
  post_count_snapshot_key CHAR(36) CHARACTER SET ascii NULL,
  post_adjustment_snapshot_key CHAR(36) CHARACTER SET ascii NULL,
  adjustment_list_key CHAR(36) CHARACTER SET ascii NULL,
  notes TEXT NULL,
  extra TEXT NULL,
  -- _rev: bumped by every UPDATE of the row (optimistic concurrency for PUT).
  rev BIGINT NOT NULL DEFAULT 1,
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  CONSTRAINT ck_count_sessions_type CHECK (type IN ('position', 'product')),
  CONSTRAINT ck_count_sessions_status
    CHECK (status IN ('planned', 'started', 'completed', 'applied', 'canceled')),
  CONSTRAINT ck_count_sessions_coverage CHECK (coverage_percentage <= 100),
  UNIQUE KEY uq_count_sessions_code (tenant_id, code),
  KEY ix_count_sessions_status (tenant_id, status, created),
  KEY ix_count_sessions_created (tenant_id, created, id),
  CONSTRAINT fk_count_sessions_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT fk_count_sessions_user FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Generated codes CNT-<year>-<n>: one row per tenant and year, incremented under its row lock.
CREATE TABLE count_code_counters (
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  year SMALLINT NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, year),
  CONSTRAINT fk_count_code_counters_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB;

-- One counter per session; position keeps the order of the create body.
CREATE TABLE count_assignments (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  user_id CHAR(36) CHARACTER SET ascii NOT NULL,
  position INT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_count_assignments_user (session_id, user_id),
  KEY ix_count_assignments_tenant_user (tenant_id, user_id),
  CONSTRAINT fk_count_assignments_session FOREIGN KEY (session_id) REFERENCES count_sessions (id),
  CONSTRAINT fk_count_assignments_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB;

-- target_keys of an assignment: target target_no holds keys key_no = 0..n-1, each a bin id
-- (position session) or an item id (product session), checked against the tenant's rows.
CREATE TABLE count_targets (
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  assignment_id CHAR(36) CHARACTER SET ascii NOT NULL,
  target_no INT NOT NULL,
  key_no INT NOT NULL,
  key_id CHAR(36) CHARACTER SET ascii NOT NULL,
  PRIMARY KEY (assignment_id, target_no, key_no),
  KEY ix_count_targets_session_key (session_id, key_id),
  CONSTRAINT fk_count_targets_assignment FOREIGN KEY (assignment_id) REFERENCES count_assignments (id)
) ENGINE=InnoDB;

-- What one counter found: a recount by the same user replaces the row (unique key).
CREATE TABLE count_records (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  user_id CHAR(36) CHARACTER SET ascii NOT NULL,
  bin_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  lot_number VARCHAR(100) NOT NULL DEFAULT '',
  counted_qt BIGINT NOT NULL,
  -- Sorted JSON array of the serials counted, NULL when none were given.
  serials TEXT NULL,
  source VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'api',
  recorded_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  CONSTRAINT ck_count_records_qt CHECK (counted_qt >= 0),
  UNIQUE KEY uq_count_records_line_user (session_id, bin_id, item_id, lot_number, user_id),
  KEY ix_count_records_item (session_id, item_id),
  KEY ix_count_records_user (session_id, user_id),
  CONSTRAINT fk_count_records_session FOREIGN KEY (session_id) REFERENCES count_sessions (id),
  CONSTRAINT fk_count_records_bin FOREIGN KEY (bin_id) REFERENCES bins (id),
  CONSTRAINT fk_count_records_item FOREIGN KEY (item_id) REFERENCES items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A supervisor's choice for a line whose counts disagree; a later record of the line removes it.
CREATE TABLE count_resolutions (
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  bin_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  lot_number VARCHAR(100) NOT NULL DEFAULT '',
  counted_qt BIGINT NOT NULL,
  serials TEXT NULL,
  resolved_by CHAR(36) CHARACTER SET ascii NOT NULL,
  resolved_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (session_id, bin_id, item_id, lot_number),
  CONSTRAINT fk_count_resolutions_session FOREIGN KEY (session_id) REFERENCES count_sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock as it stood at a moment of a session: kind baseline (start), post_count (complete),
-- post_adjustment (apply). One line per stock record in the session's targets.
CREATE TABLE count_snapshots (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  kind VARCHAR(20) CHARACTER SET ascii NOT NULL,
  taken_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_count_snapshots_session (session_id),
  CONSTRAINT fk_count_snapshots_session FOREIGN KEY (session_id) REFERENCES count_sessions (id)
) ENGINE=InnoDB;

CREATE TABLE count_snapshot_lines (
  snapshot_id CHAR(36) CHARACTER SET ascii NOT NULL,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  stock_id CHAR(36) CHARACTER SET ascii NOT NULL,
  warehouse_id CHAR(36) CHARACTER SET ascii NOT NULL,
  bin_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  lot_number VARCHAR(100) NOT NULL DEFAULT '',
  serial_number VARCHAR(100) NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  quantity BIGINT NOT NULL,
  PRIMARY KEY (snapshot_id, stock_id),
  KEY ix_count_snapshot_lines_line (snapshot_id, bin_id, item_id, lot_number),
  KEY ix_count_snapshot_lines_item (snapshot_id, item_id),
  CONSTRAINT fk_count_snapshot_lines_snapshot FOREIGN KEY (snapshot_id) REFERENCES count_snapshots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The adjustment list of an apply (adjustment_list_key = list_id): one row per count
-- transaction posted, with the numbers behind it.
CREATE TABLE count_adjustments (
  list_id CHAR(36) CHARACTER SET ascii NOT NULL,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  session_id CHAR(36) CHARACTER SET ascii NOT NULL,
  transaction_id CHAR(36) CHARACTER SET ascii NOT NULL,
  stock_id CHAR(36) CHARACTER SET ascii NOT NULL,
  bin_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  lot_number VARCHAR(100) NOT NULL DEFAULT '',
  baseline_qt BIGINT NOT NULL,
  counted_qt BIGINT NOT NULL,
  quantity_before BIGINT NOT NULL,
  quantity_after BIGINT NOT NULL,
  PRIMARY KEY (list_id, transaction_id),
  KEY ix_count_adjustments_session (session_id),
  CONSTRAINT fk_count_adjustments_session FOREIGN KEY (session_id) REFERENCES count_sessions (id),
  CONSTRAINT fk_count_adjustments_tx FOREIGN KEY (transaction_id) REFERENCES inventory_transactions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
