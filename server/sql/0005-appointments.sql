-- 0005 — appointments and availability (C3, S2; docs/api-appointments.md).
--
-- Double booking is impossible in the database: two exclusion constraints
-- (btree_gist) forbid overlapping booked appointments of one bay and of one
-- technician, so even concurrent inserts get 23P01 (→ 409).  A BEFORE
-- trigger checks the booking rules and raises P0001 naming the column
-- (→ 422 with that field): the bay belongs to the location (hv_certified for
-- HV services), the technician has a shift at the location covering the
-- whole slot, no leave that day, and vb_user_hv_level() high enough.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE appointments (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id       uuid NOT NULL REFERENCES locations,
  customer_id       uuid NOT NULL REFERENCES customers,
  vehicle_id        uuid REFERENCES vehicles,
  service_type_ids  uuid[] NOT NULL CHECK (cardinality(service_type_ids) BETWEEN 1 AND 20),
  bay_id            uuid NOT NULL REFERENCES bays,
  technician_id     uuid REFERENCES users,
  during            tstzrange NOT NULL
                    CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
  status            text NOT NULL DEFAULT 'booked'
                    CHECK (status IN ('booked', 'cancelled', 'no_show', 'checked_in')),
  source            text NOT NULL DEFAULT 'desk' CHECK (source IN ('desk', 'phone', 'online', 'walk_in')),
  notes             text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT appointments_bay_no_overlap
    EXCLUDE USING gist (bay_id WITH =, during WITH &&) WHERE (status = 'booked'),
  CONSTRAINT appointments_technician_no_overlap
    EXCLUDE USING gist (technician_id WITH =, during WITH &&)
    WHERE (technician_id IS NOT NULL AND status = 'booked')
);
CREATE INDEX appointments_location ON appointments USING gist (location_id, during);
CREATE INDEX appointments_customer ON appointments (customer_id);

CREATE FUNCTION vb_appointment_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tz        text;
  day       date;
  need      integer;
  n_found   integer;
BEGIN
  IF NEW.status <> 'booked' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'booked' AND NEW.during = OLD.during
     AND NEW.bay_id = OLD.bay_id AND NEW.technician_id IS NOT DISTINCT FROM OLD.technician_id
     AND NEW.service_type_ids = OLD.service_type_ids AND NEW.location_id = OLD.location_id THEN
    RETURN NEW;
  END IF;
  SELECT time_zone INTO tz FROM locations WHERE id = NEW.location_id AND active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such location' USING COLUMN = 'location_id';
  END IF;
  day := (lower(NEW.during) AT TIME ZONE tz)::date;
  SELECT count(*), coalesce(max(required_hv_level), 0) INTO n_found, need
    FROM service_types WHERE id = ANY (NEW.service_type_ids) AND active;
  IF n_found <> (SELECT count(DISTINCT x) FROM unnest(NEW.service_type_ids) x)
     OR n_found <> cardinality(NEW.service_type_ids) THEN
    RAISE EXCEPTION 'service_type_ids must name distinct active service types'
      USING COLUMN = 'service_type_ids';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM customers WHERE id = NEW.customer_id) THEN
    RAISE EXCEPTION 'No such customer' USING COLUMN = 'customer_id';
  END IF;
  IF NEW.vehicle_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM vehicles WHERE id = NEW.vehicle_id AND customer_id = NEW.customer_id) THEN
    RAISE EXCEPTION 'The vehicle is not one of the customer''s' USING COLUMN = 'vehicle_id';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM bays WHERE id = NEW.bay_id AND location_id = NEW.location_id AND active) THEN
    RAISE EXCEPTION 'The bay is not an active bay of this location' USING COLUMN = 'bay_id';
  END IF;
  IF need > 0 AND NOT EXISTS (SELECT 1 FROM bays WHERE id = NEW.bay_id AND 'hv_certified' = ANY (capabilities)) THEN
    RAISE EXCEPTION 'An HV service needs a bay with the hv_certified capability' USING COLUMN = 'bay_id';
  END IF;
  IF NEW.technician_id IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM shifts s
                    WHERE s.user_id = NEW.technician_id AND s.location_id = NEW.location_id
                      AND s.during @> NEW.during) THEN
      RAISE EXCEPTION 'The technician has no shift here covering the whole appointment'
        USING COLUMN = 'technician_id';
    END IF;
    IF EXISTS (SELECT 1 FROM staff_leave l
                WHERE l.user_id = NEW.technician_id AND day BETWEEN l.starts_on AND l.ends_on) THEN
      RAISE EXCEPTION 'The technician is on leave that day' USING COLUMN = 'technician_id';
    END IF;
    IF vb_user_hv_level(NEW.technician_id, day) < need THEN
      RAISE EXCEPTION 'The services need HV level %; the technician''s valid level is %',
        need, vb_user_hv_level(NEW.technician_id, day) USING COLUMN = 'technician_id';
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER appointments_check BEFORE INSERT OR UPDATE ON appointments
  FOR EACH ROW EXECUTE FUNCTION vb_appointment_check();
CREATE TRIGGER appointments_touch BEFORE UPDATE ON appointments
  FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER appointments_audit AFTER INSERT OR UPDATE OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER appointments_change AFTER INSERT OR UPDATE OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('appointments.read', 'location_id', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('appointments.read',  'See appointments and availability'),
  ('appointments.write', 'Book, reschedule, cancel appointments and mark no-shows');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['appointments.read', 'appointments.write']) p
   WHERE r.name IN ('admin', 'manager', 'reception');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'appointments.read' FROM roles r WHERE r.name = 'technician';
