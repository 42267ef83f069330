-- Foundation schema: tenants, users, master data, stock and the stock ledger.
-- Ids are UUID strings; quantities are whole units of the item's unit of measure (BIGINT);
-- all times are UTC (the handlers set time_zone = '+00:00').

CREATE TABLE tenants (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Usernames are unique across tenants because the login form names no tenant.
CREATE TABLE users (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  username VARCHAR(100) NOT NULL,
  password_hash VARCHAR(255) CHARACTER SET ascii NOT NULL,
  first_name VARCHAR(100) NULL,
  last_name VARCHAR(100) NULL,
  email VARCHAR(254) NULL,
  scopes VARCHAR(1000) CHARACTER SET ascii NOT NULL DEFAULT '',
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_users_username (username),
  KEY ix_users_tenant (tenant_id, username),
  CONSTRAINT fk_users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE warehouses (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(200) NOT NULL,
  code VARCHAR(50) NOT NULL,
  address VARCHAR(500) NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_warehouses_code (tenant_id, code),
  KEY ix_warehouses_tenant_name (tenant_id, name),
  CONSTRAINT fk_warehouses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE bins (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  warehouse_id CHAR(36) CHARACTER SET ascii NOT NULL,
  code VARCHAR(50) NOT NULL,
  location_type VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'bin',
  capacity BIGINT NULL,
  security_level VARCHAR(50) NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_bins_code (warehouse_id, code),
  KEY ix_bins_tenant (tenant_id, warehouse_id, code),
  CONSTRAINT fk_bins_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT fk_bins_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE items (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  sku VARCHAR(100) NOT NULL,
  name VARCHAR(200) NOT NULL,
  category VARCHAR(100) NULL,
  description TEXT NULL,
  unit_of_measure VARCHAR(20) NOT NULL DEFAULT 'ea',
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_items_sku (tenant_id, sku),
  KEY ix_items_tenant_name (tenant_id, name),
  CONSTRAINT fk_items_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One stock record: a quantity of one item, lot and status at one bin of one warehouse.
-- quantity changes only through inventory_transactions (the ledger).
CREATE TABLE stocks (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  warehouse_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  bin_id CHAR(36) CHARACTER SET ascii NULL,
  quantity BIGINT NOT NULL DEFAULT 0,
  unit_of_measure VARCHAR(20) NOT NULL DEFAULT 'ea',
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'available',
  lot_number VARCHAR(100) NULL,
  serial_number VARCHAR(100) NULL,
  last_counted_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  CONSTRAINT ck_stocks_quantity CHECK (quantity >= 0),
  KEY ix_stocks_tenant_wh (tenant_id, warehouse_id, bin_id),
  KEY ix_stocks_tenant_item (tenant_id, item_id),
  KEY ix_stocks_bin (bin_id),
  CONSTRAINT fk_stocks_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT fk_stocks_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id),
  CONSTRAINT fk_stocks_item FOREIGN KEY (item_id) REFERENCES items (id),
  CONSTRAINT fk_stocks_bin FOREIGN KEY (bin_id) REFERENCES bins (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The stock ledger. quantity is the positive amount the caller gave; delta is the
-- signed effect on stock_id's quantity, so SUM(delta) per stock equals stocks.quantity.
CREATE TABLE inventory_transactions (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  tenant_id CHAR(36) CHARACTER SET ascii NOT NULL,
  warehouse_id CHAR(36) CHARACTER SET ascii NOT NULL,
  item_id CHAR(36) CHARACTER SET ascii NOT NULL,
  stock_id CHAR(36) CHARACTER SET ascii NOT NULL,
  transaction_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  quantity BIGINT NOT NULL,
  delta BIGINT NOT NULL,
  from_bin_id CHAR(36) CHARACTER SET ascii NULL,
  to_bin_id CHAR(36) CHARACTER SET ascii NULL,
  reference_id VARCHAR(100) NULL,
  reference_type VARCHAR(16) CHARACTER SET ascii NULL,
  notes TEXT NULL,
  performed_by CHAR(36) CHARACTER SET ascii NOT NULL,
  timestamp DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  KEY ix_itx_tenant_time (tenant_id, timestamp),
  KEY ix_itx_tenant_wh_type_time (tenant_id, warehouse_id, transaction_type, timestamp),
  KEY ix_itx_tenant_item_time (tenant_id, item_id, timestamp),
  KEY ix_itx_tenant_stock_time (tenant_id, stock_id, timestamp),
  CONSTRAINT fk_itx_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT fk_itx_stock FOREIGN KEY (stock_id) REFERENCES stocks (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
