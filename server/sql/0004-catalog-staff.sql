-- 0004 — service catalog, maintenance rules, location setup, staff.
--
-- The catalog (service types with their checklist steps, maintenance rules)
-- is global: it reaches the change feed with location NULL.  Location setup
-- (bays, opening hours, closures, rates) and shifts/leave belong to a
-- location.  Certifications belong to a person (location NULL in the feed).
-- Seeds follow shared/design/EV-SERVICE.md; values it marks "verify" carry
-- verify = true so the console shows them as to-be-checked.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- ------------------------------------------------------------ catalog ---

CREATE TABLE service_types (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code                   text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description            text NOT NULL DEFAULT '',
  standard_labor_tenths  integer NOT NULL DEFAULT 0 CHECK (standard_labor_tenths BETWEEN 0 AND 10000),
  price_amount           bigint NOT NULL DEFAULT 0 CHECK (price_amount >= 0),
  price_currency         text NOT NULL DEFAULT 'VND' CHECK (price_currency ~ '^[A-Z]{3}$'),
  required_hv_level      integer NOT NULL DEFAULT 0 CHECK (required_hv_level BETWEEN 0 AND 3),
  active                 boolean NOT NULL DEFAULT true,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Steps are replaced as a whole with their service type (same transaction).
CREATE TABLE service_type_steps (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_type_id  uuid NOT NULL REFERENCES service_types ON DELETE CASCADE,
  position         integer NOT NULL CHECK (position >= 1),
  instruction      text NOT NULL CHECK (length(instruction) BETWEEN 1 AND 1000),
  kind             text NOT NULL CHECK (kind IN ('check', 'measurement', 'photo', 'signature')),
  unit             text,
  min_value        numeric,
  max_value        numeric,
  hv_safety        boolean NOT NULL DEFAULT false,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service_type_id, position),
  CHECK (kind = 'measurement' OR (unit IS NULL AND min_value IS NULL AND max_value IS NULL)),
  CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value)
);

CREATE TABLE maintenance_rules (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  make             text NOT NULL CHECK (length(make) BETWEEN 1 AND 100),
  model            text NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
  year_from        integer CHECK (year_from BETWEEN 1990 AND 2100),
  year_to          integer CHECK (year_to BETWEEN 1990 AND 2100),
  service_type_id  uuid NOT NULL REFERENCES service_types,
  every_months     integer CHECK (every_months BETWEEN 1 AND 240),
  every_km         integer CHECK (every_km BETWEEN 100 AND 1000000),
  notes            text NOT NULL DEFAULT '',
  verify           boolean NOT NULL DEFAULT false,
  active           boolean NOT NULL DEFAULT true,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (every_months IS NOT NULL OR every_km IS NOT NULL),
  CHECK (year_from IS NULL OR year_to IS NULL OR year_from <= year_to)
);
CREATE INDEX maintenance_rules_model ON maintenance_rules (lower(make), lower(model));

-- ----------------------------------------------------- location setup ---

CREATE TABLE bays (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id   uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  capabilities  text[] NOT NULL DEFAULT '{}'
                CHECK (capabilities <@ ARRAY['lift', 'hv_certified', 'alignment', 'tire_machine', 'dc_charger']),
  active        boolean NOT NULL DEFAULT true,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, name)
);

-- Weekday 0 = Sunday … 6 = Saturday, times in the location's time zone.
CREATE TABLE opening_hours (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  weekday      integer NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  closed       boolean NOT NULL DEFAULT false,
  opens_at     time,
  closes_at    time,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, weekday),
  CHECK (closed OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND opens_at < closes_at))
);

-- Exceptions to the week: closed all day, or special hours.
CREATE TABLE location_closures (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  date         date NOT NULL,
  closed       boolean NOT NULL DEFAULT true,
  opens_at     time,
  closes_at    time,
  reason       text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, date),
  CHECK (closed OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND opens_at < closes_at))
);

-- kind 'labor': amount per hour in minor units (one per location);
-- kind 'tax': percent in basis points (1000 = 10 %).
CREATE TABLE location_rates (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('labor', 'tax')),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  amount       bigint CHECK (amount >= 0),
  currency     text CHECK (currency ~ '^[A-Z]{3}$'),
  percent_bp   integer CHECK (percent_bp BETWEEN 0 AND 10000),
  active       boolean NOT NULL DEFAULT true,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'labor' AND amount IS NOT NULL AND currency IS NOT NULL AND percent_bp IS NULL)
         OR (kind = 'tax' AND percent_bp IS NOT NULL AND amount IS NULL AND currency IS NULL))
);
CREATE UNIQUE INDEX location_rates_one_labor ON location_rates (location_id) WHERE kind = 'labor';
CREATE UNIQUE INDEX location_rates_tax_name ON location_rates (location_id, name) WHERE kind = 'tax';

-- -------------------------------------------------------------- staff ---

CREATE TABLE shifts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  during       tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at)) STORED,
  notes        text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (starts_at < ends_at),
  CONSTRAINT shifts_no_overlap EXCLUDE USING gist (user_id WITH =, during WITH &&)
);
CREATE INDEX shifts_location ON shifts USING gist (location_id, during);

CREATE TABLE staff_leave (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  starts_on    date NOT NULL,
  ends_on      date NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('annual', 'sick', 'training', 'unpaid', 'other')),
  notes        text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (starts_on <= ends_on)
);
CREATE INDEX staff_leave_user ON staff_leave (user_id, starts_on);

CREATE TABLE certifications (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                 uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  kind                    text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
  hv_level                integer NOT NULL DEFAULT 0 CHECK (hv_level BETWEEN 0 AND 4),
  issued_on               date NOT NULL,
  expires_on              date,
  document_attachment_id  uuid,
  version                 integer NOT NULL DEFAULT 1,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CHECK (expires_on IS NULL OR issued_on <= expires_on)
);
CREATE INDEX certifications_user ON certifications (user_id);
CREATE INDEX certifications_expiry ON certifications (expires_on);

-- The highest HV level among the user's certifications valid on p_at
-- (issued on or before, not expired); 0 if none.  Assignment checks use it.
CREATE FUNCTION vb_user_hv_level (p_user uuid, p_at date) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(max(c.hv_level), 0)
    FROM certifications c
   WHERE c.user_id = p_user
     AND c.issued_on <= p_at
     AND (c.expires_on IS NULL OR c.expires_on >= p_at)
$$;

-- May p_caller use p_permission on p_user's records?  Globally, or in a
-- location where p_user holds a role.
CREATE FUNCTION vb_may_see_user (p_caller uuid, p_permission text, p_user uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT vb_has_global_permission(p_caller, p_permission)
      OR EXISTS (SELECT 1 FROM role_assignments ra
                  WHERE ra.user_id = p_user AND ra.location_id IS NOT NULL
                    AND vb_has_permission(p_caller, p_permission, ra.location_id))
$$;

-- ----------------------------------------------------------- triggers ---

CREATE TRIGGER service_types_touch BEFORE UPDATE ON service_types FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER service_type_steps_touch BEFORE UPDATE ON service_type_steps FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER maintenance_rules_touch BEFORE UPDATE ON maintenance_rules FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER bays_touch BEFORE UPDATE ON bays FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER opening_hours_touch BEFORE UPDATE ON opening_hours FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER location_closures_touch BEFORE UPDATE ON location_closures FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER location_rates_touch BEFORE UPDATE ON location_rates FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER shifts_touch BEFORE UPDATE ON shifts FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER staff_leave_touch BEFORE UPDATE ON staff_leave FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER certifications_touch BEFORE UPDATE ON certifications FOR EACH ROW EXECUTE FUNCTION vb_touch();

CREATE TRIGGER service_types_audit AFTER INSERT OR UPDATE OR DELETE ON service_types
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER service_type_steps_audit AFTER INSERT OR UPDATE OR DELETE ON service_type_steps
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER maintenance_rules_audit AFTER INSERT OR UPDATE OR DELETE ON maintenance_rules
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER bays_audit AFTER INSERT OR UPDATE OR DELETE ON bays
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER opening_hours_audit AFTER INSERT OR UPDATE OR DELETE ON opening_hours
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER location_closures_audit AFTER INSERT OR UPDATE OR DELETE ON location_closures
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER location_rates_audit AFTER INSERT OR UPDATE OR DELETE ON location_rates
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER shifts_audit AFTER INSERT OR UPDATE OR DELETE ON shifts
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', 'during');
CREATE TRIGGER staff_leave_audit AFTER INSERT OR UPDATE OR DELETE ON staff_leave
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER certifications_audit AFTER INSERT OR UPDATE OR DELETE ON certifications
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');

CREATE TRIGGER service_types_change AFTER INSERT OR UPDATE OR DELETE ON service_types
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('catalog.read', '', '');
CREATE TRIGGER service_type_steps_change AFTER INSERT OR UPDATE OR DELETE ON service_type_steps
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('catalog.read', '', '');
CREATE TRIGGER maintenance_rules_change AFTER INSERT OR UPDATE OR DELETE ON maintenance_rules
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('catalog.read', '', '');
CREATE TRIGGER bays_change AFTER INSERT OR UPDATE OR DELETE ON bays
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('locations.read', 'location_id', '');
CREATE TRIGGER opening_hours_change AFTER INSERT OR UPDATE OR DELETE ON opening_hours
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('locations.read', 'location_id', '');
CREATE TRIGGER location_closures_change AFTER INSERT OR UPDATE OR DELETE ON location_closures
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('locations.read', 'location_id', '');
CREATE TRIGGER location_rates_change AFTER INSERT OR UPDATE OR DELETE ON location_rates
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('locations.read', 'location_id', '');
CREATE TRIGGER shifts_change AFTER INSERT OR UPDATE OR DELETE ON shifts
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('staff.read', 'location_id', 'during');
CREATE TRIGGER staff_leave_change AFTER INSERT OR UPDATE OR DELETE ON staff_leave
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('staff.read', 'location_id', '');
CREATE TRIGGER certifications_change AFTER INSERT OR UPDATE OR DELETE ON certifications
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('staff.read', '', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('catalog.read',          'See the service catalog and maintenance rules'),
  ('catalog.manage',        'Change the service catalog and maintenance rules'),
  ('location_setup.manage', 'Change bays, opening hours, closures and rates of a location'),
  ('staff.read',            'See shifts, leave and certifications'),
  ('staff.manage',          'Plan shifts and leave, record certifications');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['catalog.read', 'catalog.manage', 'location_setup.manage',
                      'staff.read', 'staff.manage']) p
   WHERE r.name = 'admin';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['catalog.read', 'location_setup.manage', 'staff.read', 'staff.manage']) p
   WHERE r.name = 'manager';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['catalog.read', 'staff.read']) p
   WHERE r.name = 'reception';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'catalog.read' FROM roles r WHERE r.name = 'technician';

-- -------------------------------------------------------------- seeds ---
-- Prices are placeholders in VND for a shop to set; labor in 0.1 h.

INSERT INTO service_types (code, name, description, standard_labor_tenths, price_amount,
                           price_currency, required_hv_level) VALUES
  ('HV-DEENERGIZE', 'HV de-energize procedure',
   'Gated, signed de-energizing of the high-voltage system (> 60 V DC / > 30 V AC) before HV work. '
   'PPE: class 0 gloves (1000 V) with leather protectors, face shield, 1000 V insulated tools, '
   'CAT III 1000 V meter, insulation tester.', 5, 0, 'VND', 3),
  ('HV-ISOLATION-TEST', 'HV insulation / isolation test',
   'Insulation resistance HV to chassis, minimum 100 Ω/V DC and 500 Ω/V AC (UN ECE R100), '
   'e.g. ≥ 40 kΩ at 400 V; record value and test voltage.', 10, 900000, 'VND', 3),
  ('HV-BATTERY-HEALTH', 'HV battery health check',
   'State of health, usable capacity, cell voltage spread and fault history, with a printed report.',
   5, 600000, 'VND', 1),
  ('TIRE-ROTATION', 'Tire rotation', 'Rotate tires, measure tread, set pressures (heavier car).',
   5, 250000, 'VND', 0),
  ('CABIN-FILTER', 'Cabin / HEPA filter replacement', 'Replace the cabin or HEPA filter.',
   3, 400000, 'VND', 0),
  ('BRAKE-FLUID-TEST', 'Brake fluid test', 'Measure brake-fluid moisture; replace when over the limit.',
   2, 150000, 'VND', 0),
  ('CALIPER-CLEAN-LUBE', 'Brake caliper clean & lube',
   'Clean and lubricate calipers and slide pins (little friction braking lets them corrode).',
   10, 700000, 'VND', 0),
  ('AC-DESICCANT', 'A/C desiccant bag replacement', 'Replace the A/C desiccant bag.', 15, 1200000, 'VND', 0),
  ('BATTERY-COOLANT', 'Battery / inverter coolant service',
   'Drain and refill the battery and drive-inverter coolant loop; bleed the system.', 15, 1500000, 'VND', 1),
  ('12V-BATTERY-TEST', '12 V battery test',
   'Test the 12 V battery (a weak 12 V battery keeps the contactors open).', 2, 100000, 'VND', 0),
  ('CHARGE-PORT-INSPECTION', 'Charge port inspection',
   'Inlet pins, seal and lock; AC session at the on-board charger''s rated kW; DC session kW.',
   5, 300000, 'VND', 0),
  ('SOFTWARE-UPDATE', 'Software update', 'Record software version before and after; check open recalls.',
   3, 200000, 'VND', 0);

INSERT INTO service_type_steps (service_type_id, position, instruction, kind, unit, min_value, max_value, hv_safety)
SELECT st.id, s.position, s.instruction, s.kind, s.unit, s.min_value, s.max_value, s.hv_safety
  FROM (VALUES
    ('HV-DEENERGIZE', 1, 'Ignition off and key (card/fob) away from the vehicle', 'check', NULL, NULL::numeric, NULL::numeric, true),
    ('HV-DEENERGIZE', 2, 'Disconnect the 12 V battery negative terminal', 'check', NULL, NULL, NULL, true),
    ('HV-DEENERGIZE', 3, 'Remove the service disconnect (HV interlock / service plug)', 'check', NULL, NULL, NULL, true),
    ('HV-DEENERGIZE', 4, 'Apply lock-out/tag-out: record the lock id and the holder', 'check', NULL, NULL, NULL, true),
    ('HV-DEENERGIZE', 5, 'Wait for capacitor discharge: OEM time, at least 10 minutes when unknown', 'measurement', 'min', 10, NULL, true),
    ('HV-DEENERGIZE', 6, 'Verify absence of voltage, live-dead-live test (meter on a known source, HV terminals, known source again); record readings', 'measurement', 'V', NULL, NULL, true),
    ('HV-DEENERGIZE', 7, 'Insulation test HV to chassis: at least 100 Ω/V DC (500 Ω/V AC); record value and test voltage', 'measurement', 'Ω/V', 100, NULL, true),
    ('HV-DEENERGIZE', 8, 'Technician signs the de-energize record', 'signature', NULL, NULL, NULL, true),
    ('HV-ISOLATION-TEST', 1, 'Confirm the HV de-energize procedure is complete and LOTO applied', 'check', NULL, NULL, NULL, true),
    ('HV-ISOLATION-TEST', 2, 'Record the insulation test voltage', 'measurement', 'V', NULL, NULL, true),
    ('HV-ISOLATION-TEST', 3, 'Insulation resistance HV+ to chassis (≥ 100 Ω/V DC)', 'measurement', 'Ω/V', 100, NULL, true),
    ('HV-ISOLATION-TEST', 4, 'Insulation resistance HV− to chassis (≥ 100 Ω/V DC)', 'measurement', 'Ω/V', 100, NULL, true),
    ('HV-ISOLATION-TEST', 5, 'Technician signs the test record', 'signature', NULL, NULL, NULL, true),
    ('HV-BATTERY-HEALTH', 1, 'Read BMS fault history (scan); list HV/BMS codes', 'check', NULL, NULL, NULL, false),
    ('HV-BATTERY-HEALTH', 2, 'State of health', 'measurement', '%', 0, 100, false),
    ('HV-BATTERY-HEALTH', 3, 'Usable capacity', 'measurement', 'kWh', 0, NULL, false),
    ('HV-BATTERY-HEALTH', 4, 'Cell voltage spread (max − min)', 'measurement', 'mV', 0, NULL, false),
    ('HV-BATTERY-HEALTH', 5, 'Inspect HV cabling and underbody shields; photograph damage', 'photo', NULL, NULL, NULL, false),
    ('TIRE-ROTATION', 1, 'Tread depth, lowest of the four tires before rotation', 'measurement', 'mm', 0, NULL, false),
    ('TIRE-ROTATION', 2, 'Rotate tires per the manufacturer''s pattern', 'check', NULL, NULL, NULL, false),
    ('TIRE-ROTATION', 3, 'Torque wheel nuts to specification', 'check', NULL, NULL, NULL, false),
    ('TIRE-ROTATION', 4, 'Set tire pressures; reset the TPMS if required', 'check', NULL, NULL, NULL, false),
    ('CABIN-FILTER', 1, 'Photograph the old filter', 'photo', NULL, NULL, NULL, false),
    ('CABIN-FILTER', 2, 'Fit the new cabin/HEPA filter', 'check', NULL, NULL, NULL, false),
    ('BRAKE-FLUID-TEST', 1, 'Brake-fluid moisture content', 'measurement', '%', 0, NULL, false),
    ('BRAKE-FLUID-TEST', 2, 'Check fluid level and for leaks', 'check', NULL, NULL, NULL, false),
    ('CALIPER-CLEAN-LUBE', 1, 'Inspect calipers for corrosion; photograph', 'photo', NULL, NULL, NULL, false),
    ('CALIPER-CLEAN-LUBE', 2, 'Pad thickness, thinnest pad', 'measurement', 'mm', 0, NULL, false),
    ('CALIPER-CLEAN-LUBE', 3, 'Clean and lubricate slide pins and pad contact points', 'check', NULL, NULL, NULL, false),
    ('AC-DESICCANT', 1, 'Recover refrigerant per procedure', 'check', NULL, NULL, NULL, false),
    ('AC-DESICCANT', 2, 'Replace the desiccant bag', 'check', NULL, NULL, NULL, false),
    ('AC-DESICCANT', 3, 'Evacuate and recharge; record the charge', 'measurement', 'g', 0, NULL, false),
    ('BATTERY-COOLANT', 1, 'Coolant condition and level before service', 'check', NULL, NULL, NULL, false),
    ('BATTERY-COOLANT', 2, 'Drain, refill and bleed the battery/inverter loop', 'check', NULL, NULL, NULL, false),
    ('BATTERY-COOLANT', 3, 'Check pump operation and for leaks', 'check', NULL, NULL, NULL, false),
    ('12V-BATTERY-TEST', 1, 'Open-circuit voltage', 'measurement', 'V', 0, NULL, false),
    ('12V-BATTERY-TEST', 2, 'Tester result (state of health)', 'measurement', '%', 0, 100, false),
    ('CHARGE-PORT-INSPECTION', 1, 'Inspect inlet pins, seal and lock; photograph', 'photo', NULL, NULL, NULL, false),
    ('CHARGE-PORT-INSPECTION', 2, 'AC session power (expect the on-board charger''s rated kW)', 'measurement', 'kW', 0, NULL, false),
    ('CHARGE-PORT-INSPECTION', 3, 'DC session power', 'measurement', 'kW', 0, NULL, false),
    ('SOFTWARE-UPDATE', 1, 'Record the software version before the update', 'check', NULL, NULL, NULL, false),
    ('SOFTWARE-UPDATE', 2, 'Check for open recalls', 'check', NULL, NULL, NULL, false),
    ('SOFTWARE-UPDATE', 3, 'Install the update and record the version after', 'check', NULL, NULL, NULL, false)
  ) AS s (code, position, instruction, kind, unit, min_value, max_value, hv_safety)
  JOIN service_types st ON st.code = s.code;

INSERT INTO maintenance_rules (make, model, service_type_id, every_months, every_km, notes, verify)
SELECT r.make, m.model, st.id, r.every_months, r.every_km, r.notes, r.verify
  FROM (VALUES
    ('Tesla', ARRAY['Model 3', 'Model Y', 'Model S', 'Model X'], 'TIRE-ROTATION', NULL::int, 10000, 'or when the tread depth difference is 1.5 mm or more', false),
    ('Tesla', ARRAY['Model 3', 'Model Y'], 'CABIN-FILTER', 24, NULL::int, '', false),
    ('Tesla', ARRAY['Model S', 'Model X'], 'CABIN-FILTER', 36, NULL, '', false),
    ('Tesla', ARRAY['Model 3', 'Model Y', 'Model S', 'Model X'], 'BRAKE-FLUID-TEST', 48, NULL, 'test, replace if needed', false),
    ('Tesla', ARRAY['Model 3', 'Model Y', 'Model S', 'Model X'], 'CALIPER-CLEAN-LUBE', 12, 20000, 'where roads are salted in winter', false),
    ('Tesla', ARRAY['Model 3', 'Model Y'], 'AC-DESICCANT', 48, NULL, '6 years on some builds', true),
    ('Tesla', ARRAY['Model S', 'Model X'], 'AC-DESICCANT', 48, NULL, 'interval per model', true),
    ('Tesla', ARRAY['Model 3', 'Model Y'], 'BATTERY-COOLANT', 60, 100000, 'as recommended by independent shops', false),
    ('Nissan', ARRAY['Leaf'], 'TIRE-ROTATION', NULL, 12000, '', false),
    ('Nissan', ARRAY['Leaf'], 'BRAKE-FLUID-TEST', NULL, 24000, 'severe schedule', false),
    ('Nissan', ARRAY['Leaf'], 'HV-BATTERY-HEALTH', 12, NULL, 'first at 6 months, then yearly (printed report)', false),
    ('Hyundai', ARRAY['Kona Electric', 'Ioniq 5'], 'TIRE-ROTATION', NULL, 12000, 'about 12,000 km', true),
    ('Hyundai', ARRAY['Kona Electric', 'Ioniq 5'], 'CABIN-FILTER', 12, 24000, '', true),
    ('Hyundai', ARRAY['Kona Electric', 'Ioniq 5'], 'BATTERY-COOLANT', 120, 190000, 'first replacement; later intervals per manual', true)
  ) AS r (make, models, code, every_months, every_km, notes, verify)
  CROSS JOIN LATERAL unnest(r.models) AS m(model)
  JOIN service_types st ON st.code = r.code
  ORDER BY r.code;
