-- 0003 — customers and vehicles (C1, S1; docs/api-customers.md).
--
-- A customer belongs to one location (preferred_location_id); a vehicle
-- carries its owner's location in location_id, kept equal by triggers, and
-- readings carry their vehicle's.  Reads are scoped in SQL with
-- vb_has_permission on those columns.  Search uses pg_trgm: search_text is
-- maintained by a trigger (names, phone digits, e-mails), vehicles have
-- plate_norm and vin; all are GIN-indexed for typo-tolerant, ranked search.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE customers (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  preferred_location_id  uuid NOT NULL REFERENCES locations,
  kind                   text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'company')),
  given_name             text NOT NULL DEFAULT '' CHECK (length(given_name) <= 200),
  family_name            text NOT NULL DEFAULT '' CHECK (length(family_name) <= 200),
  company_name           text NOT NULL DEFAULT '' CHECK (length(company_name) <= 200),
  display_name           text NOT NULL DEFAULT '',
  phones                 text[] NOT NULL DEFAULT '{}',
  emails                 text[] NOT NULL DEFAULT '{}',
  address                text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  preferred_language     text NOT NULL DEFAULT 'vi' CHECK (preferred_language IN ('en', 'vi')),
  -- {"email"|"sms"|"marketing": {"given": bool, "at": timestamptz, "channel": text}}
  consent                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(consent) = 'object'),
  notes                  text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000),
  erased_at              timestamptz,
  search_text            text NOT NULL DEFAULT '',
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_person_named
    CHECK (erased_at IS NOT NULL OR kind = 'company' OR given_name <> '' OR family_name <> ''),
  CONSTRAINT customers_company_named
    CHECK (erased_at IS NOT NULL OR kind = 'person' OR company_name <> '')
);
CREATE INDEX customers_location ON customers (preferred_location_id);
CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);
CREATE INDEX customers_display_name ON customers (lower(display_name), id);

CREATE FUNCTION vb_customer_derive () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.display_name := CASE
    WHEN NEW.erased_at IS NOT NULL THEN 'Erased customer'
    WHEN NEW.kind = 'company' THEN NEW.company_name
    ELSE btrim(NEW.given_name || ' ' || NEW.family_name) END;
  NEW.search_text := lower(concat_ws(' ', NEW.given_name, NEW.family_name, NEW.company_name,
                                     array_to_string(NEW.phones, ' '),
                                     array_to_string(NEW.emails, ' ')));
  RETURN NEW;
END $$;

CREATE TABLE vehicles (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id             uuid NOT NULL REFERENCES customers,
  location_id             uuid NOT NULL REFERENCES locations,
  plate                   text NOT NULL DEFAULT '' CHECK (length(plate) <= 20),
  plate_norm              text NOT NULL DEFAULT '',
  vin                     text CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
  vin_hash                text,   -- erased vehicles: sha256(salt || vin), hex
  make                    text NOT NULL DEFAULT '' CHECK (length(make) <= 100),
  model                   text NOT NULL DEFAULT '' CHECK (length(model) <= 100),
  year                    integer CHECK (year BETWEEN 1886 AND 2100),
  battery_gross_kwh       numeric(6,2) CHECK (battery_gross_kwh > 0),
  battery_usable_kwh      numeric(6,2) CHECK (battery_usable_kwh > 0),
  chemistry               text CHECK (chemistry IN ('NMC', 'NCA', 'LFP', 'LMFP', 'other')),
  hv_class                integer CHECK (hv_class IN (400, 800)),
  charge_port             text CHECK (charge_port IN ('CCS1', 'CCS2', 'CHAdeMO', 'Type 2', 'NACS', 'GB/T')),
  obc_kw                  numeric(5,1) CHECK (obc_kw > 0),
  heat_pump               boolean,
  software_version        text NOT NULL DEFAULT '' CHECK (length(software_version) <= 100),
  battery_warranty_until  date,
  battery_warranty_km     integer CHECK (battery_warranty_km >= 0),
  erased_at               timestamptz,
  version                 integer NOT NULL DEFAULT 1,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);
CREATE INDEX vehicles_location ON vehicles (location_id);
CREATE INDEX vehicles_plate_trgm ON vehicles USING gin (plate_norm gin_trgm_ops);
CREATE INDEX vehicles_vin_trgm ON vehicles USING gin (vin gin_trgm_ops);

-- The vehicle's location is its owner's; plate_norm is the plate without
-- blanks, dots and dashes, upper case.
CREATE FUNCTION vb_vehicle_derive () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.preferred_location_id INTO NEW.location_id FROM customers c WHERE c.id = NEW.customer_id;
  NEW.plate_norm := upper(regexp_replace(NEW.plate, '[^[:alnum:]]', '', 'g'));
  RETURN NEW;
END $$;

CREATE TABLE odometer_readings (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  vehicle_id   uuid NOT NULL REFERENCES vehicles,
  location_id  uuid NOT NULL REFERENCES locations,
  odometer_km  integer NOT NULL CHECK (odometer_km BETWEEN 0 AND 10000000),
  read_at      timestamptz NOT NULL DEFAULT now(),
  source       text NOT NULL DEFAULT 'reception'
               CHECK (source IN ('reception', 'technician', 'customer', 'telematics', 'import')),
  correction   boolean NOT NULL DEFAULT false,
  reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  recorded_by  uuid REFERENCES users,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT correction OR reason <> '')
);
CREATE INDEX odometer_readings_vehicle ON odometer_readings (vehicle_id, read_at);

CREATE TABLE soh_readings (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  vehicle_id   uuid NOT NULL REFERENCES vehicles,
  location_id  uuid NOT NULL REFERENCES locations,
  soh_percent  numeric(4,1) NOT NULL CHECK (soh_percent BETWEEN 0 AND 100),
  usable_kwh   numeric(6,2) CHECK (usable_kwh > 0),
  measured_at  timestamptz NOT NULL DEFAULT now(),
  method       text NOT NULL DEFAULT 'bms_readout'
               CHECK (method IN ('bms_readout', 'capacity_test', 'diagnostic_tool', 'estimate', 'other')),
  recorded_by  uuid REFERENCES users,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX soh_readings_vehicle ON soh_readings (vehicle_id, measured_at);

-- Readings take their vehicle's location.
CREATE FUNCTION vb_reading_location () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT v.location_id INTO NEW.location_id FROM vehicles v WHERE v.id = NEW.vehicle_id;
  RETURN NEW;
END $$;

-- A customer moving to another location takes its vehicles and readings along
-- (the change feed then sends delete/upsert pairs for each).
CREATE FUNCTION vb_customer_moved () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE vehicles SET location_id = NEW.preferred_location_id WHERE customer_id = NEW.id;
  UPDATE odometer_readings r SET location_id = NEW.preferred_location_id
    FROM vehicles v WHERE v.id = r.vehicle_id AND v.customer_id = NEW.id;
  UPDATE soh_readings r SET location_id = NEW.preferred_location_id
    FROM vehicles v WHERE v.id = r.vehicle_id AND v.customer_id = NEW.id;
  RETURN NULL;
END $$;

-- Salt for the hashes that replace erased VINs (one per database, never sent).
CREATE TABLE gdpr_salt (
  id    integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  salt  bytea NOT NULL
);
INSERT INTO gdpr_salt (salt)
  VALUES (sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')));

CREATE TRIGGER customers_derive BEFORE INSERT OR UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION vb_customer_derive();
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER customers_moved AFTER UPDATE OF preferred_location_id ON customers
  FOR EACH ROW WHEN (OLD.preferred_location_id IS DISTINCT FROM NEW.preferred_location_id)
  EXECUTE FUNCTION vb_customer_moved();
CREATE TRIGGER vehicles_derive BEFORE INSERT OR UPDATE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vb_vehicle_derive();
CREATE TRIGGER vehicles_touch BEFORE UPDATE ON vehicles FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER odometer_readings_location BEFORE INSERT OR UPDATE ON odometer_readings
  FOR EACH ROW EXECUTE FUNCTION vb_reading_location();
CREATE TRIGGER odometer_readings_touch BEFORE UPDATE ON odometer_readings
  FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER soh_readings_location BEFORE INSERT OR UPDATE ON soh_readings
  FOR EACH ROW EXECUTE FUNCTION vb_reading_location();
CREATE TRIGGER soh_readings_touch BEFORE UPDATE ON soh_readings
  FOR EACH ROW EXECUTE FUNCTION vb_touch();

CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', 'search_text');
CREATE TRIGGER vehicles_audit AFTER INSERT OR UPDATE OR DELETE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', 'plate_norm');
CREATE TRIGGER odometer_readings_audit AFTER INSERT OR UPDATE OR DELETE ON odometer_readings
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER soh_readings_audit AFTER INSERT OR UPDATE OR DELETE ON soh_readings
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');

CREATE TRIGGER customers_change AFTER INSERT OR UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('customers.read', 'preferred_location_id', 'search_text');
CREATE TRIGGER vehicles_change AFTER INSERT OR UPDATE OR DELETE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('vehicles.read', 'location_id', 'plate_norm,vin_hash');
CREATE TRIGGER odometer_readings_change AFTER INSERT OR UPDATE OR DELETE ON odometer_readings
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('vehicles.read', 'location_id', '');
CREATE TRIGGER soh_readings_change AFTER INSERT OR UPDATE OR DELETE ON soh_readings
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('vehicles.read', 'location_id', '');

-- --------------------------------------------------------------- seeds ---

INSERT INTO permissions (name, description) VALUES
  ('customers.read',   'See customers'),
  ('customers.write',  'Create and change customers'),
  ('customers.export', 'Export all data held about a customer (GDPR)'),
  ('customers.erase',  'Erase (pseudonymize) a customer (GDPR)'),
  ('vehicles.read',    'See vehicles and their readings'),
  ('vehicles.write',   'Create and change vehicles, record readings');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['customers.read', 'customers.write', 'customers.export', 'customers.erase',
                      'vehicles.read', 'vehicles.write']) p
   WHERE r.name = 'admin';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['customers.read', 'customers.write', 'customers.export',
                      'vehicles.read', 'vehicles.write']) p
   WHERE r.name = 'manager';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['customers.read', 'customers.write', 'vehicles.read', 'vehicles.write']) p
   WHERE r.name = 'reception';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['customers.read', 'vehicles.read']) p
   WHERE r.name = 'technician';
