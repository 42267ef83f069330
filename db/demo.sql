-- Demo data: tenants Demo and Acme, their users (password = username), master data and opening stock.
-- Ids are fixed and readable: the first group names the kind (1 tenant, 2 user, 3 warehouse,
-- 4 bin, 5 item, 6 stock, 7 inventory transaction), the last group counts.
-- Every stock row's quantity is explained by its initial_stock ledger row (delta = quantity).
-- stocktake-migrate --demo loads this only into an empty database (no tenants).

START TRANSACTION;

INSERT INTO tenants (id, name, status) VALUES
  ('10000000-0000-4000-8000-000000000001', 'Demo', 'active'),
  ('10000000-0000-4000-8000-000000000002', 'Acme', 'active');

-- Every scope: admin library production operator view:tenant manage:operations:tenant
-- inventory:count:create inventory:count:record inventory:count:apply
INSERT INTO users (id, tenant_id, username, password_hash, first_name, last_name, email, scopes, status) VALUES
  ('20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'demo-admin',
   '$y$j9T$dLzdEiJSKerXkOTx$XjTzGxhgG.2wLMQBM8n1hox4L8DvcQfhxdSY/DdV3x7',
   'Demo', 'Admin', 'demo-admin@example.com',
   'admin library production operator view:tenant manage:operations:tenant inventory:count:create inventory:count:record inventory:count:apply',
   'active'),
  ('20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'demo-operator',
   '$y$j9T$ygF0lEuzd4jd.S21$653rjIoQ0CG/kjX.Rem1vN3HclfF.h0.kb25FqHRgn6',
   'Demo', 'Operator', 'demo-operator@example.com',
   'operator view:tenant manage:operations:tenant inventory:count:record',
   'active'),
  ('20000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001', 'demo-viewer',
   '$y$j9T$iNE9/FGastk1PZLC$cMyfXJ6jWM/tX/flBdCw3RyVYXpbQ/98Ohwj20lTlR/',
   'Demo', 'Viewer', 'demo-viewer@example.com',
   'view:tenant',
   'active'),
  ('20000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000002', 'acme-admin',
   '$y$j9T$OvVnIvNjWcMdZ/FV$ejMlzGnYYY6WWuBvNJaRwPTH4L65IZ9nplWoXN.82o/',
   'Acme', 'Admin', 'acme-admin@example.com',
   'admin library production operator view:tenant manage:operations:tenant inventory:count:create inventory:count:record inventory:count:apply',
   'active');

INSERT INTO warehouses (id, tenant_id, name, code, address, status) VALUES
  ('30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
   'Main Warehouse', 'WH001', '1 Demo Street, Springfield', 'active'),
  ('30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
   'Overflow Warehouse', 'WH002', '2 Demo Street, Springfield', 'active'),
  ('30000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000002',
   'Acme Central Warehouse', 'ACME-WH1', '1 Acme Road, Shelbyville', 'active');

INSERT INTO bins (id, tenant_id, warehouse_id, code, location_type, capacity, security_level, status) VALUES
  ('40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', 'A-01-01', 'bin', 500, NULL, 'active'),
  ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', 'B-01-01', 'bin', 500, NULL, 'active'),
  ('40000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', 'A-01-02', 'bin', 500, NULL, 'active'),
  ('40000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', 'A-02-01', 'shelf', 1000, NULL, 'active'),
  ('40000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', 'C-01-01', 'shelf', 1000, 'restricted', 'active'),
  ('40000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000002', 'O-01-01', 'bin', 2000, NULL, 'active'),
  ('40000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000002',
   '30000000-0000-4000-8000-000000000003', 'ACME-A-01', 'bin', 100, NULL, 'active');

INSERT INTO items (id, tenant_id, sku, name, category, description, unit_of_measure, status) VALUES
  ('50000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
   'ITEM-001', 'Test Product', 'Electronics', 'A product for trying things out', 'ea', 'active'),
  ('50000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
   'ITEM-002', 'USB-C Cable', 'Electronics', '1 m USB-C to USB-C cable', 'ea', 'active'),
  ('50000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
   'ITEM-003', 'Shipping Box (Medium)', 'Packaging', 'Corrugated box 40 x 30 x 20 cm', 'ea', 'active'),
  ('50000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000001',
   'ITEM-004', 'Packing Tape', 'Packaging', 'Clear tape, 48 mm x 66 m', 'roll', 'active'),
  ('50000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000001',
   'ITEM-005', 'Safety Gloves', 'Safety', NULL, 'pair', 'active'),
  ('50000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000002',
   'ACME-001', 'Anvil', 'Hardware', 'Classic 50 kg anvil', 'ea', 'active');

-- Barcodes (EAN-13) of some items, to try counting with a scanner or a phone (docs/admin.md).
UPDATE items SET barcode = CASE id
  WHEN '50000000-0000-4000-8000-000000000001' THEN '4006381333931'
  WHEN '50000000-0000-4000-8000-000000000002' THEN '5901234123457'
  WHEN '50000000-0000-4000-8000-000000000003' THEN '4012345678901'
  WHEN '50000000-0000-4000-8000-000000000004' THEN '8712345678906'
  END
WHERE id IN ('50000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002',
             '50000000-0000-4000-8000-000000000003', '50000000-0000-4000-8000-000000000004');

INSERT INTO stocks (id, tenant_id, warehouse_id, item_id, bin_id, quantity, unit_of_measure, status, lot_number) VALUES
  ('60000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001',
   '40000000-0000-4000-8000-000000000001', 50, 'ea', 'available', NULL),
  ('60000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000002',
   '40000000-0000-4000-8000-000000000003', 120, 'ea', 'available', NULL),
  ('60000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000003',
   '40000000-0000-4000-8000-000000000002', 200, 'ea', 'available', 'LOT-2024-01'),
  ('60000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000004',
   '40000000-0000-4000-8000-000000000004', 35, 'roll', 'available', NULL),
  ('60000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000005',
   '40000000-0000-4000-8000-000000000005', 80, 'pair', 'available', NULL),
  ('60000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
   '30000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000001',
   '40000000-0000-4000-8000-000000000006', 10, 'ea', 'available', NULL),
  ('60000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000002',
   '30000000-0000-4000-8000-000000000003', '50000000-0000-4000-8000-000000000006',
   '40000000-0000-4000-8000-000000000007', 5, 'ea', 'available', NULL);

-- The ledger: one initial_stock row per stock row, into the stock's bin.
INSERT INTO inventory_transactions (id, tenant_id, warehouse_id, item_id, stock_id, transaction_type,
                                    quantity, delta, from_bin_id, to_bin_id, reference_id, reference_type,
                                    notes, performed_by, timestamp)
SELECT CONCAT('70000000-0000-4000-8000-', RIGHT(s.id, 12)), s.tenant_id, s.warehouse_id, s.item_id,
       s.id, 'initial_stock', s.quantity, s.quantity, NULL, s.bin_id, NULL, NULL,
       'Opening stock (demo data)',
       CASE s.tenant_id WHEN '10000000-0000-4000-8000-000000000002'
            THEN '20000000-0000-4000-8000-000000000004'
            ELSE '20000000-0000-4000-8000-000000000001' END,
       '2024-01-02 08:00:00'
FROM stocks s
WHERE s.id LIKE '60000000-0000-4000-8000-%'
ORDER BY s.id;

COMMIT;
