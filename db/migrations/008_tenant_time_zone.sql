-- Each tenant's time zone: an IANA name of the tz database ("Europe/Berlin"), checked by the
-- handlers against the system's tzdata before it is stored (lib/base/tz.c). Times stay stored
-- in UTC; the admin pages show them in this zone. Tenants that never chose one are in UTC.
ALTER TABLE tenants
  ADD COLUMN time_zone VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT 'UTC';
