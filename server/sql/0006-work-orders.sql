-- 0006 — work orders (S3, T1–T5; docs/api-work-orders.md).
--
-- The rules that must hold whoever writes (the API, a sync push, a second
-- server instance) live here, in triggers, not in the handlers:
--   * the status machine: a move not in work_order_transitions is SQLSTATE
--     VB409 (→ 409 naming status), and each move's preconditions (triage
--     passed or quarantine cleared before a bay, all tasks finished and HV
--     records signed off before quality_check, a passed QC check before
--     ready) are checked in vb_work_order_check;
--   * the HV record: its steps only in order, each by a technician whose
--     HV certification is valid today at the task's level, the capacitor
--     wait really elapsed, the insulation test at least 100 Ω/V DC of the
--     system voltage (UN ECE R100), re-energizing signed off by a second
--     person; a task's other checklist steps only once the HV system is
--     verified de-energized;
--   * time entries: one technician never has two clocks at once (an
--     exclusion constraint, so also under concurrent requests);
--   * quality checks: signed by someone who did not work on the order.
-- Custom SQLSTATEs: VB409 → 409 (state), VB403 → 403 (who), P0001 → 422.

-- ---------------------------------------------------------- attachments ---

-- Files live on disk under DATA_DIR/attachments by content hash; this row
-- says what the file is, where it belongs and who may see it.
CREATE TABLE attachments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id   uuid REFERENCES locations,
  purpose       text NOT NULL CHECK (purpose IN ('photo', 'signature', 'certification', 'document')),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
  file_name     text NOT NULL DEFAULT '' CHECK (length(file_name) <= 255),
  uploaded_by   uuid REFERENCES users,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_sha256 ON attachments (sha256);

ALTER TABLE certifications
  ADD CONSTRAINT certifications_document_attachment_id_fkey
    FOREIGN KEY (document_attachment_id) REFERENCES attachments;

-- ---------------------------------------------------------- work orders ---

CREATE TABLE work_order_counters (
  location_id  uuid PRIMARY KEY REFERENCES locations ON DELETE CASCADE,
  last_number  integer NOT NULL DEFAULT 0
);

CREATE TABLE work_orders (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id            uuid NOT NULL REFERENCES locations,
  number                 integer NOT NULL,
  customer_id            uuid NOT NULL REFERENCES customers,
  vehicle_id             uuid NOT NULL REFERENCES vehicles,
  appointment_id         uuid UNIQUE REFERENCES appointments,
  status                 text NOT NULL DEFAULT 'checked_in'
                         CHECK (status IN ('checked_in', 'quarantined', 'diagnosing', 'awaiting_approval',
                                           'in_progress', 'on_hold', 'quality_check', 'ready',
                                           'collected', 'cancelled')),
  resume_status          text,           -- where on_hold returns to
  status_reason          text NOT NULL DEFAULT '' CHECK (length(status_reason) <= 1000),
  priority               text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  promised_at            timestamptz,
  bay_id                 uuid REFERENCES bays,
  lead_technician_id     uuid REFERENCES users,
  -- reception form (S3)
  odometer_km            integer CHECK (odometer_km BETWEEN 0 AND 3000000),
  soc_in_percent         integer CHECK (soc_in_percent BETWEEN 0 AND 100),
  soc_promised_percent   integer CHECK (soc_promised_percent BETWEEN 0 AND 100),
  soc_out_percent        integer CHECK (soc_out_percent BETWEEN 0 AND 100),
  charge_cable_left      boolean NOT NULL DEFAULT false,
  damage_notes           text NOT NULL DEFAULT '' CHECK (length(damage_notes) <= 4000),
  damage_photo_ids       uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(damage_photo_ids) <= 50),
  concerns               text NOT NULL DEFAULT '' CHECK (length(concerns) <= 4000),
  items_left             text NOT NULL DEFAULT '' CHECK (length(items_left) <= 2000),
  customer_signature_id  uuid REFERENCES attachments,
  contact_consent        boolean NOT NULL DEFAULT false,
  software_version_in    text CHECK (length(software_version_in) <= 100),
  software_version_out   text CHECK (length(software_version_out) <= 100),
  parking_place          text NOT NULL DEFAULT '' CHECK (length(parking_place) <= 100),
  -- triage: NULL until done; a failure quarantines until cleared
  triage_passed          boolean,
  quarantine_cleared_by  uuid REFERENCES users,
  quarantine_cleared_at  timestamptz,
  checked_in_by          uuid REFERENCES users,
  checked_in_at          timestamptz NOT NULL DEFAULT now(),
  collected_at           timestamptz,
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, number)
);
CREATE INDEX work_orders_open ON work_orders (location_id, checked_in_at DESC)
  WHERE status NOT IN ('collected', 'cancelled');
CREATE INDEX work_orders_location_status ON work_orders (location_id, status, checked_in_at DESC);
-- The unfiltered list of a location, newest check-in first (the API's cursor order).
CREATE INDEX work_orders_location_checked_in ON work_orders (location_id, checked_in_at DESC, id DESC);
CREATE INDEX work_orders_vehicle ON work_orders (vehicle_id, checked_in_at DESC);
CREATE INDEX work_orders_customer ON work_orders (customer_id);

-- The legal moves.  on_hold returns to resume_status only; quarantined is
-- entered by a failed triage and left by clearing, never by a plain move.
CREATE TABLE work_order_transitions (
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
INSERT INTO work_order_transitions VALUES
  ('checked_in', 'diagnosing'), ('checked_in', 'cancelled'),
  ('quarantined', 'cancelled'),
  ('diagnosing', 'awaiting_approval'), ('diagnosing', 'in_progress'),
  ('diagnosing', 'on_hold'), ('diagnosing', 'cancelled'),
  ('awaiting_approval', 'in_progress'), ('awaiting_approval', 'on_hold'),
  ('awaiting_approval', 'cancelled'),
  ('in_progress', 'quality_check'), ('in_progress', 'on_hold'),
  ('quality_check', 'ready'), ('quality_check', 'in_progress'), ('quality_check', 'on_hold'),
  ('on_hold', 'diagnosing'), ('on_hold', 'awaiting_approval'), ('on_hold', 'in_progress'),
  ('on_hold', 'quality_check'), ('on_hold', 'cancelled'),
  ('ready', 'collected');

CREATE TABLE work_order_status_history (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  from_status    text,
  to_status      text NOT NULL,
  reason         text NOT NULL DEFAULT '',
  changed_by     uuid REFERENCES users,
  changed_at     timestamptz NOT NULL DEFAULT now(),
  version        integer NOT NULL DEFAULT 1
);
CREATE INDEX work_order_status_history_order ON work_order_status_history (work_order_id, changed_at);

CREATE FUNCTION vb_actor () RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('voltbay.actor_id', true), '')::uuid
$$;

CREATE FUNCTION vb_state_error (message text, field text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', message USING ERRCODE = 'VB409', COLUMN = field;
END $$;

-- ---------------------------------------------------------------- tasks ---

CREATE TABLE work_order_tasks (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id      uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id        uuid NOT NULL REFERENCES locations,
  service_type_id    uuid REFERENCES service_types,
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  position           integer NOT NULL DEFAULT 1 CHECK (position >= 1),
  estimated_tenths   integer NOT NULL DEFAULT 0 CHECK (estimated_tenths BETWEEN 0 AND 10000),
  required_hv_level  integer NOT NULL DEFAULT 0 CHECK (required_hv_level BETWEEN 0 AND 3),
  technician_id      uuid REFERENCES users,
  priority           text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  promised_at        timestamptz,
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_progress', 'done', 'cancelled')),
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_order_tasks_order ON work_order_tasks (work_order_id, position);
CREATE INDEX work_order_tasks_technician ON work_order_tasks (technician_id) WHERE status IN ('pending', 'in_progress');

-- ------------------------------------------------------------- triages ---

-- Append-only: the newest triage decides.  A finding is true when present.
CREATE TABLE work_order_triages (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id     uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id       uuid NOT NULL REFERENCES locations,
  smoke_or_smell    boolean NOT NULL,
  burn_marks        boolean NOT NULL,
  underbody_damage  boolean NOT NULL,
  critical_fault    boolean NOT NULL,
  fault_codes       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(fault_codes) <= 100),
  photo_ids         uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(photo_ids) <= 50),
  parking_place     text NOT NULL DEFAULT '' CHECK (length(parking_place) <= 100),
  notes             text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
  passed            boolean GENERATED ALWAYS AS
                      (NOT (smoke_or_smell OR burn_marks OR underbody_damage OR critical_fault)) STORED,
  performed_by      uuid REFERENCES users,
  performed_at      timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1
);
CREATE INDEX work_order_triages_order ON work_order_triages (work_order_id, performed_at);

-- ---------------------------------------------------- checklist results ---

-- Append-only: a later result for the same step supersedes an earlier one.
CREATE TABLE checklist_results (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id        uuid NOT NULL REFERENCES work_order_tasks ON DELETE CASCADE,
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  step_id        uuid NOT NULL REFERENCES service_type_steps,
  passed         boolean,
  value          numeric,
  unit           text CHECK (length(unit) <= 20),
  conditions     text NOT NULL DEFAULT '' CHECK (length(conditions) <= 1000),
  attachment_id  uuid REFERENCES attachments,
  notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  recorded_by    uuid NOT NULL REFERENCES users,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  version        integer NOT NULL DEFAULT 1
);
CREATE INDEX checklist_results_task ON checklist_results (task_id, step_id, recorded_at);

-- ----------------------------------------------------------- HV records ---

CREATE TABLE hv_records (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id              uuid NOT NULL UNIQUE REFERENCES work_order_tasks ON DELETE CASCADE,
  work_order_id        uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id          uuid NOT NULL REFERENCES locations,
  technician_id        uuid NOT NULL REFERENCES users,
  technician_hv_level  integer NOT NULL,
  system_voltage       integer NOT NULL CHECK (system_voltage BETWEEN 60 AND 1500),
  state                text NOT NULL DEFAULT 'open'
                       CHECK (state IN ('open', 'de_energized', 're_energized', 'signed_off')),
  version              integer NOT NULL DEFAULT 1,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The ordered steps of an HV record.  A failed step (voltage still present,
-- insulation below the minimum) is kept and the step must be repeated.
CREATE TABLE hv_record_steps (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hv_record_id          uuid NOT NULL REFERENCES hv_records ON DELETE CASCADE,
  work_order_id         uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id           uuid NOT NULL REFERENCES locations,
  step                  text NOT NULL CHECK (step IN ('de_energize', 'lockout', 'capacitor_wait',
                                                      'verify_absence', 'insulation_test',
                                                      're_energize', 'sign_off')),
  position              integer NOT NULL CHECK (position BETWEEN 1 AND 7),
  performed_by          uuid NOT NULL REFERENCES users,
  performed_at          timestamptz NOT NULL DEFAULT now(),
  -- de_energize: ignition off + key away, 12 V negative off, service disconnect out
  ignition_off          boolean,
  low_voltage_disconnected boolean,
  service_disconnect_removed boolean,
  -- lockout
  lock_id               text CHECK (length(lock_id) BETWEEN 1 AND 100),
  lock_holder           text CHECK (length(lock_holder) BETWEEN 1 AND 200),
  -- capacitor_wait: OEM minutes when known (else 10)
  oem_wait_minutes      integer CHECK (oem_wait_minutes BETWEEN 1 AND 120),
  -- verify_absence: [{"point": "HV+ to HV-", "volts": 0.3}, ...], live-dead-live
  readings              jsonb,
  known_source_before   boolean,
  known_source_after    boolean,
  -- insulation_test (and the post-repair isolation check of re_energize)
  resistance_ohms       numeric CHECK (resistance_ohms >= 0),
  test_voltage          integer CHECK (test_voltage BETWEEN 50 AND 5000),
  signature_id          uuid REFERENCES attachments,
  passed                boolean NOT NULL DEFAULT true,
  notes                 text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  version               integer NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX hv_record_steps_once ON hv_record_steps (hv_record_id, step) WHERE passed;
CREATE INDEX hv_record_steps_record ON hv_record_steps (hv_record_id, position);

-- ---------------------------------------------------------- time entries ---

CREATE TABLE time_entries (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id    uuid NOT NULL REFERENCES locations,
  technician_id  uuid NOT NULL REFERENCES users,
  work_order_id  uuid REFERENCES work_orders ON DELETE CASCADE,
  task_id        uuid REFERENCES work_order_tasks ON DELETE CASCADE,
  kind           text NOT NULL DEFAULT 'productive'
                 CHECK (kind IN ('productive', 'waiting_parts', 'charging', 'waiting_approval',
                                 'cleaning', 'training', 'other')),
  started_at     timestamptz NOT NULL,
  ended_at       timestamptz CHECK (ended_at > started_at),
  during         tstzrange GENERATED ALWAYS AS (tstzrange(started_at, coalesce(ended_at, 'infinity'))) STORED,
  -- labor in 0.1 h, rounded up (a started tenth counts)
  tenths         integer GENERATED ALWAYS AS
                   (CASE WHEN ended_at IS NULL THEN NULL
                         ELSE ceil(extract(epoch FROM (ended_at - started_at)) / 360)::integer END) STORED,
  notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'productive' OR task_id IS NOT NULL),
  CONSTRAINT time_entries_no_overlap EXCLUDE USING gist (technician_id WITH =, during WITH &&)
);
CREATE INDEX time_entries_work_order ON time_entries (work_order_id);
CREATE INDEX time_entries_running ON time_entries (technician_id) WHERE ended_at IS NULL;

-- -------------------------------------------------------- quality checks ---

CREATE TABLE quality_checks (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  -- [{"name": "Torque wheel nuts", "value": 175, "unit": "N·m", "passed": true}, ...]
  items          jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
  passed         boolean NOT NULL,
  photo_ids      uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(photo_ids) <= 50),
  notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  checked_by     uuid NOT NULL REFERENCES users,
  checked_at     timestamptz NOT NULL DEFAULT now(),
  version        integer NOT NULL DEFAULT 1
);
CREATE INDEX quality_checks_order ON quality_checks (work_order_id, checked_at);

-- ---------------------------------------------------------------- notes ---

CREATE TABLE work_order_notes (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  author_id      uuid REFERENCES users,
  body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_order_notes_order ON work_order_notes (work_order_id, created_at);

-- ------------------------------------------------------------ the rules ---

-- Children carry their work order's location (the change feed scopes by it).
CREATE FUNCTION vb_work_order_child_location () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT location_id INTO NEW.location_id FROM work_orders WHERE id = NEW.work_order_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_work_order_number () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO work_order_counters AS c (location_id, last_number) VALUES (NEW.location_id, 1)
    ON CONFLICT (location_id) DO UPDATE SET last_number = c.last_number + 1
    RETURNING last_number INTO NEW.number;
  NEW.checked_in_by := coalesce(NEW.checked_in_by, vb_actor());
  RETURN NEW;
END $$;

-- Whether every task is finished and every HV record signed off.
CREATE FUNCTION vb_work_order_work_done (p_order uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM work_order_tasks t WHERE t.work_order_id = p_order
                  AND t.status IN ('pending', 'in_progress'))
      THEN 'Every task must be done or cancelled first'
    WHEN EXISTS (SELECT 1 FROM work_order_tasks t
                   LEFT JOIN hv_records h ON h.task_id = t.id
                  WHERE t.work_order_id = p_order AND t.status = 'done' AND t.required_hv_level > 0
                    AND (h.id IS NULL OR h.state <> 'signed_off'))
      THEN 'Every HV task needs its HV record re-energized and signed off by a second person first'
  END
$$;

CREATE FUNCTION vb_work_order_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  why  text;
BEGIN
  IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    IF NEW.bay_id IS NOT NULL AND NEW.bay_id IS DISTINCT FROM OLD.bay_id THEN
      IF NEW.status = 'quarantined' OR NEW.triage_passed IS NULL THEN
        PERFORM vb_state_error('The vehicle cannot go to a bay before a passed triage or a cleared quarantine', 'bay_id');
      END IF;
      IF NOT EXISTS (SELECT 1 FROM bays WHERE id = NEW.bay_id AND location_id = NEW.location_id AND active) THEN
        RAISE EXCEPTION 'The bay is not an active bay of this location' USING COLUMN = 'bay_id';
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  -- Triage and clearing move in and out of quarantine themselves.
  IF current_setting('voltbay.work_order_move', true) = 'quarantine' THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM work_order_transitions
                  WHERE from_status = OLD.status AND to_status = NEW.status) THEN
    PERFORM vb_state_error(format('A work order cannot go from %s to %s', OLD.status, NEW.status), 'status');
  END IF;
  IF OLD.status = 'on_hold' AND NEW.status <> 'cancelled' AND NEW.status <> OLD.resume_status THEN
    PERFORM vb_state_error(format('This work order was on hold from %s and resumes there', OLD.resume_status), 'status');
  END IF;
  CASE NEW.status
    WHEN 'diagnosing' THEN
      IF NEW.triage_passed IS NULL OR (NOT NEW.triage_passed AND NEW.quarantine_cleared_at IS NULL) THEN
        PERFORM vb_state_error('The EV triage must pass (or a quarantine be cleared) before the car enters a bay', 'status');
      END IF;
    WHEN 'on_hold' THEN
      NEW.resume_status := OLD.status;
    WHEN 'quality_check' THEN
      why := vb_work_order_work_done(NEW.id);
      IF why IS NOT NULL THEN
        PERFORM vb_state_error(why, 'status');
      END IF;
    WHEN 'ready' THEN
      IF NOT coalesce((SELECT q.passed FROM quality_checks q WHERE q.work_order_id = NEW.id
                        ORDER BY q.checked_at DESC, q.id DESC LIMIT 1), false) THEN
        PERFORM vb_state_error('A passed quality check is needed before the car is ready', 'status');
      END IF;
    WHEN 'collected' THEN
      NEW.collected_at := now();
    ELSE
      NULL;
  END CASE;
  IF NEW.status IN ('on_hold', 'cancelled') AND btrim(NEW.status_reason) = '' THEN
    RAISE EXCEPTION 'A reason is required' USING COLUMN = 'reason';
  END IF;
  IF OLD.status = 'on_hold' THEN
    NEW.resume_status := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_work_order_history () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    -- clock_timestamp(): moves made in one transaction (check-in, then a
    -- failed triage) keep their order.
    INSERT INTO work_order_status_history (work_order_id, location_id, from_status, to_status, reason,
                                           changed_by, changed_at)
    VALUES (NEW.id, NEW.location_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            NEW.status_reason, vb_actor(), clock_timestamp());
  END IF;
  RETURN NULL;
END $$;

-- A triage decides quarantine: a failure quarantines the car where it is
-- parked; a pass after check-in lets it go on.
CREATE FUNCTION vb_triage_apply () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wo  work_orders;
  ok  boolean;
BEGIN
  SELECT * INTO wo FROM work_orders WHERE id = NEW.work_order_id FOR UPDATE;
  IF wo.status NOT IN ('checked_in', 'quarantined') THEN
    PERFORM vb_state_error(format('Triage happens before the car enters a bay (status is %s)', wo.status), 'status');
  END IF;
  -- NEW.passed (generated) is not computed yet in a BEFORE trigger.
  ok := NOT (NEW.smoke_or_smell OR NEW.burn_marks OR NEW.underbody_damage OR NEW.critical_fault);
  IF wo.status = 'quarantined' AND ok THEN
    PERFORM vb_state_error('A quarantined car is released only by a certified technician clearing it', 'status');
  END IF;
  IF NOT ok AND NEW.parking_place = '' THEN
    RAISE EXCEPTION 'A failed triage quarantines the car: say where it is parked' USING COLUMN = 'parking_place';
  END IF;
  NEW.performed_by := coalesce(NEW.performed_by, vb_actor());
  PERFORM set_config('voltbay.work_order_move', 'quarantine', true);
  UPDATE work_orders
     SET triage_passed = ok,
         status = CASE WHEN ok THEN status ELSE 'quarantined' END,
         status_reason = CASE WHEN ok THEN status_reason ELSE 'EV triage failed' END,
         parking_place = CASE WHEN NEW.parking_place <> '' THEN NEW.parking_place ELSE parking_place END,
         bay_id = CASE WHEN ok THEN bay_id END
   WHERE id = NEW.work_order_id;
  PERFORM set_config('voltbay.work_order_move', '', true);
  RETURN NEW;
END $$;

-- Clearing a quarantine: a technician with a valid HV level 3 certification.
CREATE FUNCTION vb_work_order_clear_quarantine (p_order uuid, p_user uuid, p_notes text)
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  wo  work_orders;
BEGIN
  SELECT * INTO wo FROM work_orders WHERE id = p_order FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
  END IF;
  IF wo.status <> 'quarantined' THEN
    PERFORM vb_state_error(format('The work order is not quarantined (status is %s)', wo.status), 'status');
  END IF;
  IF vb_user_hv_level(p_user, current_date) < 3 THEN
    RAISE EXCEPTION 'Only a technician with a valid HV level 3 certification clears a quarantine'
      USING ERRCODE = 'VB403';
  END IF;
  PERFORM set_config('voltbay.work_order_move', 'quarantine', true);
  UPDATE work_orders
     SET status = 'checked_in', quarantine_cleared_by = p_user, quarantine_cleared_at = now(),
         status_reason = coalesce(nullif(p_notes, ''), 'Quarantine cleared')
   WHERE id = p_order;
  PERFORM set_config('voltbay.work_order_move', '', true);
END $$;

CREATE FUNCTION vb_task_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  why  text;
  st   text;
BEGIN
  -- New work on a car that passed QC (or left) goes through a new move.
  IF TG_OP = 'INSERT' THEN
    SELECT status INTO st FROM work_orders WHERE id = NEW.work_order_id;
    IF st IN ('ready', 'collected', 'cancelled') THEN
      PERFORM vb_state_error(format('Tasks are added while the work order is open (status is %s)', st), 'status');
    END IF;
  END IF;
  IF NEW.service_type_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.service_type_id IS DISTINCT FROM OLD.service_type_id) THEN
    SELECT greatest(NEW.required_hv_level, required_hv_level) INTO NEW.required_hv_level
      FROM service_types WHERE id = NEW.service_type_id;
  END IF;
  IF NEW.technician_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.technician_id IS DISTINCT FROM OLD.technician_id
          OR NEW.required_hv_level > OLD.required_hv_level)
     AND vb_user_hv_level(NEW.technician_id, current_date) < NEW.required_hv_level THEN
    RAISE EXCEPTION 'The task needs HV level %; the technician has no valid certification at that level',
      NEW.required_hv_level USING COLUMN = 'technician_id';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status = 'done' AND OLD.status <> 'done' THEN
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM service_type_steps s
                    WHERE s.service_type_id = NEW.service_type_id
                      AND NOT EXISTS (SELECT 1 FROM checklist_results r WHERE r.task_id = NEW.id AND r.step_id = s.id))
        THEN 'Every checklist step of the task needs a result first'
      WHEN NEW.required_hv_level > 0
           AND NOT EXISTS (SELECT 1 FROM hv_records h WHERE h.task_id = NEW.id AND h.state = 'signed_off')
        THEN 'The HV record must be re-energized and signed off by a second person first'
    END INTO why;
    IF why IS NOT NULL THEN
      PERFORM vb_state_error(why, 'status');
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status IN ('done', 'cancelled') AND NEW.status <> OLD.status THEN
    PERFORM vb_state_error(format('A %s task cannot change status', OLD.status), 'status');
  END IF;
  RETURN NEW;
END $$;

-- A checklist result: the step belongs to the task's service; HV-safety
-- steps in their order and before the others; an HV task's other steps
-- only once the HV system is verified de-energized.
CREATE FUNCTION vb_checklist_result_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t     work_order_tasks;
  s     service_type_steps;
  st    text;
BEGIN
  SELECT * INTO t FROM work_order_tasks WHERE id = NEW.task_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such task' USING COLUMN = 'task_id';
  END IF;
  NEW.work_order_id := t.work_order_id;
  NEW.location_id := t.location_id;
  NEW.recorded_by := coalesce(NEW.recorded_by, vb_actor());
  IF NEW.recorded_at > now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'recorded_at is in the future' USING COLUMN = 'recorded_at';
  END IF;
  IF NEW.attachment_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = NEW.attachment_id
                        AND (a.location_id IS NULL OR a.location_id = t.location_id)) THEN
    RAISE EXCEPTION 'No such attachment at this location' USING COLUMN = 'attachment_id';
  END IF;
  SELECT status INTO st FROM work_orders WHERE id = t.work_order_id;
  IF st NOT IN ('diagnosing', 'in_progress', 'quality_check') THEN
    PERFORM vb_state_error(format('Checklist results are recorded while the car is worked on (status is %s)', st), 'status');
  END IF;
  IF t.status IN ('done', 'cancelled') THEN
    PERFORM vb_state_error(format('The task is %s', t.status), 'task_id');
  END IF;
  SELECT * INTO s FROM service_type_steps WHERE id = NEW.step_id AND service_type_id = t.service_type_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'The step is not a step of this task''s service' USING COLUMN = 'step_id';
  END IF;
  IF t.required_hv_level > 0 AND vb_user_hv_level(NEW.recorded_by, current_date) < t.required_hv_level THEN
    RAISE EXCEPTION 'This HV task needs a technician with a valid HV level % certification', t.required_hv_level
      USING ERRCODE = 'VB403';
  END IF;
  CASE s.kind
    WHEN 'check' THEN
      IF NEW.passed IS NULL THEN
        RAISE EXCEPTION 'A check needs passed true or false' USING COLUMN = 'passed';
      END IF;
    WHEN 'measurement' THEN
      IF NEW.value IS NULL THEN
        RAISE EXCEPTION 'A measurement needs a value' USING COLUMN = 'value';
      END IF;
      IF NEW.unit IS NOT NULL AND s.unit IS NOT NULL AND NEW.unit <> s.unit THEN
        RAISE EXCEPTION 'The step is measured in %', s.unit USING COLUMN = 'unit';
      END IF;
      NEW.unit := coalesce(s.unit, NEW.unit);
      NEW.passed := coalesce(NEW.passed, true) AND (s.min_value IS NULL OR NEW.value >= s.min_value)
                    AND (s.max_value IS NULL OR NEW.value <= s.max_value);
    ELSE
      IF NEW.attachment_id IS NULL THEN
        RAISE EXCEPTION 'A % step needs an attachment', s.kind USING COLUMN = 'attachment_id';
      END IF;
      NEW.passed := coalesce(NEW.passed, true);
  END CASE;
  IF s.hv_safety AND EXISTS (SELECT 1 FROM service_type_steps p
                               WHERE p.service_type_id = s.service_type_id AND p.hv_safety
                                 AND p.position < s.position
                                 AND NOT EXISTS (SELECT 1 FROM checklist_results r
                                                  WHERE r.task_id = t.id AND r.step_id = p.id AND r.passed)) THEN
    PERFORM vb_state_error('HV-safety steps are done in order: an earlier one has no passed result', 'step_id');
  END IF;
  IF NOT s.hv_safety THEN
    IF EXISTS (SELECT 1 FROM service_type_steps p
                WHERE p.service_type_id = s.service_type_id AND p.hv_safety
                  AND NOT EXISTS (SELECT 1 FROM checklist_results r
                                   WHERE r.task_id = t.id AND r.step_id = p.id AND r.passed)) THEN
      PERFORM vb_state_error('The HV-safety steps of this task come first', 'step_id');
    END IF;
    IF t.required_hv_level > 0 AND NOT EXISTS (SELECT 1 FROM hv_records h
                                                WHERE h.task_id = t.id AND h.state <> 'open') THEN
      PERFORM vb_state_error('HV work: the HV record must show the system de-energized (insulation test passed) first', 'step_id');
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_hv_record_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t      work_order_tasks;
  level  integer;
  hv     integer;
  st     text;
BEGIN
  SELECT * INTO t FROM work_order_tasks WHERE id = NEW.task_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such task' USING COLUMN = 'task_id';
  END IF;
  IF t.required_hv_level = 0 THEN
    RAISE EXCEPTION 'The task is not HV work' USING COLUMN = 'task_id';
  END IF;
  IF t.status NOT IN ('pending', 'in_progress') THEN
    PERFORM vb_state_error(format('The task is %s', t.status), 'task_id');
  END IF;
  SELECT w.status INTO st FROM work_orders w WHERE w.id = t.work_order_id;
  IF st NOT IN ('diagnosing', 'in_progress') THEN
    PERFORM vb_state_error(format('HV work happens while the car is worked on (status is %s)', st), 'status');
  END IF;
  NEW.work_order_id := t.work_order_id;
  NEW.location_id := t.location_id;
  NEW.technician_id := coalesce(NEW.technician_id, vb_actor());
  level := vb_user_hv_level(NEW.technician_id, current_date);
  IF level < t.required_hv_level THEN
    RAISE EXCEPTION 'HV work needs a technician with a valid HV level % certification', t.required_hv_level
      USING ERRCODE = 'VB403';
  END IF;
  NEW.technician_hv_level := level;
  IF NEW.system_voltage IS NULL THEN
    SELECT v.hv_class INTO hv FROM work_orders w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.id = t.work_order_id;
    NEW.system_voltage := coalesce(hv, 400);
  END IF;
  RETURN NEW;
END $$;

-- One HV step: in order, by a certified technician (sign-off: by a second
-- person), with its own evidence.
CREATE FUNCTION vb_hv_step_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r         hv_records;
  need      integer;
  prev      hv_record_steps;
  reading   jsonb;
  wait      integer;
  steps     text[] := ARRAY['de_energize', 'lockout', 'capacitor_wait', 'verify_absence',
                            'insulation_test', 're_energize', 'sign_off'];
BEGIN
  SELECT * INTO r FROM hv_records WHERE id = NEW.hv_record_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such HV record' USING COLUMN = 'hv_record_id';
  END IF;
  NEW.work_order_id := r.work_order_id;
  NEW.location_id := r.location_id;
  NEW.position := array_position(steps, NEW.step);
  NEW.performed_by := coalesce(NEW.performed_by, vb_actor());
  IF NEW.performed_at > now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'performed_at is in the future' USING COLUMN = 'performed_at';
  END IF;
  SELECT required_hv_level INTO need FROM work_order_tasks WHERE id = r.task_id;
  IF NEW.step <> 'sign_off' AND vb_user_hv_level(NEW.performed_by, current_date) < need THEN
    RAISE EXCEPTION 'HV steps need a valid HV level % certification', need USING ERRCODE = 'VB403';
  END IF;
  IF EXISTS (SELECT 1 FROM hv_record_steps WHERE hv_record_id = r.id AND step = NEW.step AND passed) THEN
    PERFORM vb_state_error(format('The %s step is already recorded', NEW.step), 'step');
  END IF;
  IF NEW.position > 1 THEN
    SELECT * INTO prev FROM hv_record_steps
     WHERE hv_record_id = r.id AND position = NEW.position - 1 AND passed;
    IF NOT FOUND THEN
      PERFORM vb_state_error(format('HV steps go in order: %s comes before %s', steps[NEW.position - 1], NEW.step), 'step');
    END IF;
    IF NEW.performed_at < prev.performed_at THEN
      RAISE EXCEPTION 'performed_at is earlier than the previous step' USING COLUMN = 'performed_at';
    END IF;
  END IF;
  NEW.passed := true;
  CASE NEW.step
    WHEN 'de_energize' THEN
      IF NOT (coalesce(NEW.ignition_off, false) AND coalesce(NEW.low_voltage_disconnected, false)
              AND coalesce(NEW.service_disconnect_removed, false)) THEN
        RAISE EXCEPTION 'De-energizing needs ignition off, 12 V negative disconnected and the service disconnect removed'
          USING COLUMN = 'service_disconnect_removed';
      END IF;
    WHEN 'lockout' THEN
      IF NEW.lock_id IS NULL OR NEW.lock_holder IS NULL THEN
        RAISE EXCEPTION 'Lock-out/tag-out needs the lock id and its holder'
          USING COLUMN = CASE WHEN NEW.lock_id IS NULL THEN 'lock_id' ELSE 'lock_holder' END;
      END IF;
    WHEN 'capacitor_wait' THEN
      wait := coalesce(NEW.oem_wait_minutes, 10);
      IF NEW.performed_at < prev.performed_at + make_interval(mins => wait) THEN
        PERFORM vb_state_error(format('Wait %s minutes after lock-out for the capacitors to discharge (until %s)',
                                      wait, prev.performed_at + make_interval(mins => wait)), 'performed_at');
      END IF;
    WHEN 'verify_absence' THEN
      IF NOT (coalesce(NEW.known_source_before, false) AND coalesce(NEW.known_source_after, false)) THEN
        RAISE EXCEPTION 'Live-dead-live: the meter must be proven on a known source before and after'
          USING COLUMN = 'known_source_after';
      END IF;
      IF NEW.readings IS NULL OR jsonb_typeof(NEW.readings) <> 'array' OR jsonb_array_length(NEW.readings) = 0 THEN
        RAISE EXCEPTION 'readings must list at least one voltage reading' USING COLUMN = 'readings';
      END IF;
      FOR reading IN SELECT * FROM jsonb_array_elements(NEW.readings) LOOP
        -- IS DISTINCT FROM: a missing member (NULL) must fail too.
        IF jsonb_typeof(reading -> 'volts') IS DISTINCT FROM 'number'
           OR jsonb_typeof(reading -> 'point') IS DISTINCT FROM 'string' THEN
          RAISE EXCEPTION 'Each reading is {"point": text, "volts": number}' USING COLUMN = 'readings';
        END IF;
        -- Anything above the HV threshold means the system is not dead.
        IF abs((reading ->> 'volts')::numeric) > 60 THEN
          NEW.passed := false;
        END IF;
      END LOOP;
    WHEN 'insulation_test' THEN
      IF NEW.resistance_ohms IS NULL OR NEW.test_voltage IS NULL THEN
        RAISE EXCEPTION 'The insulation test needs resistance_ohms and test_voltage'
          USING COLUMN = CASE WHEN NEW.resistance_ohms IS NULL THEN 'resistance_ohms' ELSE 'test_voltage' END;
      END IF;
      -- UN ECE R100: at least 100 Ω per volt of working voltage (DC).
      NEW.passed := NEW.resistance_ohms >= 100 * r.system_voltage;
    WHEN 're_energize' THEN
      IF NEW.resistance_ohms IS NOT NULL AND NEW.resistance_ohms < 100 * r.system_voltage THEN
        NEW.passed := false;
      END IF;
    WHEN 'sign_off' THEN
      IF NEW.performed_by = prev.performed_by THEN
        RAISE EXCEPTION 'Re-energizing is signed off by a second person, not by who re-energized'
          USING ERRCODE = 'VB403';
      END IF;
  END CASE;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_hv_step_apply () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.passed AND NEW.step IN ('insulation_test', 're_energize', 'sign_off') THEN
    UPDATE hv_records
       SET state = CASE NEW.step WHEN 'insulation_test' THEN 'de_energized'
                                 WHEN 're_energize' THEN 're_energized' ELSE 'signed_off' END
     WHERE id = NEW.hv_record_id;
  END IF;
  RETURN NULL;
END $$;

-- Where and on what the time is, and that it makes sense.  Running clocks
-- only on open work; a complete entry made offline may be for work that
-- was collected since.
CREATE FUNCTION vb_time_entry_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  task_status   text;
  order_status  text;
BEGIN
  IF NEW.task_id IS NOT NULL THEN
    SELECT work_order_id, status INTO NEW.work_order_id, task_status FROM work_order_tasks WHERE id = NEW.task_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such task' USING COLUMN = 'task_id';
    END IF;
  END IF;
  IF NEW.work_order_id IS NOT NULL THEN
    SELECT location_id, status INTO NEW.location_id, order_status FROM work_orders WHERE id = NEW.work_order_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
    END IF;
  ELSIF NEW.location_id IS NULL THEN
    RAISE EXCEPTION 'location_id is required for time outside a work order' USING COLUMN = 'location_id';
  END IF;
  IF NEW.kind = 'productive' AND NEW.task_id IS NULL THEN
    RAISE EXCEPTION 'Productive time is clocked on a task' USING COLUMN = 'task_id';
  END IF;
  IF NEW.started_at > now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'started_at is in the future' USING COLUMN = 'started_at';
  END IF;
  IF NEW.ended_at IS NOT NULL AND NEW.ended_at > now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'ended_at is in the future' USING COLUMN = 'ended_at';
  END IF;
  IF NEW.ended_at IS NOT NULL AND NEW.ended_at <= NEW.started_at THEN
    RAISE EXCEPTION 'ended_at must be after started_at' USING COLUMN = 'ended_at';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.ended_at IS NULL THEN
    IF order_status IN ('collected', 'cancelled') THEN
      PERFORM vb_state_error(format('The work order is %s', order_status), 'work_order_id');
    END IF;
    IF task_status IN ('done', 'cancelled') THEN
      PERFORM vb_state_error(format('The task is %s', task_status), 'task_id');
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- The sign-off is by someone who did not do the work.
CREATE FUNCTION vb_quality_check_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  st  text;
BEGIN
  SELECT status, location_id INTO st, NEW.location_id FROM work_orders WHERE id = NEW.work_order_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
  END IF;
  IF st <> 'quality_check' THEN
    PERFORM vb_state_error(format('Quality checks are made in quality_check (status is %s)', st), 'status');
  END IF;
  NEW.checked_by := coalesce(NEW.checked_by, vb_actor());
  IF NEW.passed AND EXISTS (SELECT 1 FROM jsonb_array_elements(NEW.items) i
                             WHERE jsonb_typeof(i) <> 'object' OR (i ->> 'passed') IS DISTINCT FROM 'true') THEN
    RAISE EXCEPTION 'A quality check with a failed item cannot pass' USING COLUMN = 'passed';
  END IF;
  IF EXISTS (SELECT 1 FROM work_order_tasks WHERE work_order_id = NEW.work_order_id AND technician_id = NEW.checked_by)
     OR EXISTS (SELECT 1 FROM time_entries WHERE work_order_id = NEW.work_order_id AND technician_id = NEW.checked_by)
     OR EXISTS (SELECT 1 FROM checklist_results WHERE work_order_id = NEW.work_order_id AND recorded_by = NEW.checked_by)
     OR EXISTS (SELECT 1 FROM hv_record_steps WHERE work_order_id = NEW.work_order_id AND performed_by = NEW.checked_by
                                              AND step <> 'sign_off') THEN
    RAISE EXCEPTION 'The quality check is signed by someone who did not work on this order'
      USING ERRCODE = 'VB403';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER work_orders_number BEFORE INSERT ON work_orders
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_number();
CREATE TRIGGER work_orders_check BEFORE UPDATE ON work_orders
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_check();
CREATE TRIGGER work_orders_history AFTER INSERT OR UPDATE ON work_orders
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_history();
CREATE TRIGGER work_order_tasks_location BEFORE INSERT ON work_order_tasks
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_child_location();
CREATE TRIGGER work_order_tasks_check BEFORE INSERT OR UPDATE ON work_order_tasks
  FOR EACH ROW EXECUTE FUNCTION vb_task_check();
CREATE TRIGGER work_order_triages_location BEFORE INSERT ON work_order_triages
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_child_location();
CREATE TRIGGER work_order_triages_apply BEFORE INSERT ON work_order_triages
  FOR EACH ROW EXECUTE FUNCTION vb_triage_apply();
CREATE TRIGGER checklist_results_check BEFORE INSERT ON checklist_results
  FOR EACH ROW EXECUTE FUNCTION vb_checklist_result_check();
CREATE TRIGGER hv_records_check BEFORE INSERT ON hv_records
  FOR EACH ROW EXECUTE FUNCTION vb_hv_record_check();
CREATE TRIGGER hv_record_steps_check BEFORE INSERT ON hv_record_steps
  FOR EACH ROW EXECUTE FUNCTION vb_hv_step_check();
CREATE TRIGGER hv_record_steps_apply AFTER INSERT ON hv_record_steps
  FOR EACH ROW EXECUTE FUNCTION vb_hv_step_apply();
CREATE TRIGGER time_entries_check BEFORE INSERT OR UPDATE ON time_entries
  FOR EACH ROW EXECUTE FUNCTION vb_time_entry_check();
CREATE TRIGGER quality_checks_check BEFORE INSERT ON quality_checks
  FOR EACH ROW EXECUTE FUNCTION vb_quality_check_check();
CREATE TRIGGER work_order_notes_location BEFORE INSERT ON work_order_notes
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_child_location();

-- Append-only records stay as written.
CREATE FUNCTION vb_append_only () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only a GDPR erasure (customers/{id}/erase) rewrites history: it scrubs
  -- personal text and keeps the facts.
  IF current_setting('voltbay.gdpr_erase', true) = 'on' AND TG_OP = 'UPDATE' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'VB409';
END $$;
CREATE TRIGGER work_order_triages_append_only BEFORE UPDATE OR DELETE ON work_order_triages
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER checklist_results_append_only BEFORE UPDATE OR DELETE ON checklist_results
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER hv_record_steps_append_only BEFORE UPDATE OR DELETE ON hv_record_steps
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER quality_checks_append_only BEFORE UPDATE OR DELETE ON quality_checks
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER work_order_status_history_append_only BEFORE UPDATE OR DELETE ON work_order_status_history
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER work_order_notes_append_only BEFORE UPDATE OR DELETE ON work_order_notes
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();

-- Versions and updated_at, audit, change feed.
CREATE TRIGGER work_orders_touch BEFORE UPDATE ON work_orders FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER work_order_tasks_touch BEFORE UPDATE ON work_order_tasks FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER hv_records_touch BEFORE UPDATE ON hv_records FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER time_entries_touch BEFORE UPDATE ON time_entries FOR EACH ROW EXECUTE FUNCTION vb_touch();

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['attachments', 'work_orders', 'work_order_status_history', 'work_order_tasks',
                           'work_order_triages', 'checklist_results', 'hv_records', 'hv_record_steps',
                           'time_entries', 'quality_checks', 'work_order_notes'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_audit_row(%L, %L)', t || '_audit', t, '', '');
  END LOOP;
  FOREACH t IN ARRAY ARRAY['work_orders', 'work_order_status_history', 'work_order_tasks',
                           'work_order_triages', 'checklist_results', 'hv_records', 'hv_record_steps',
                           'time_entries', 'quality_checks', 'work_order_notes'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_change_row(%L, %L, %L)',
                   t || '_change', t, 'work_orders.read', 'location_id', '');
  END LOOP;
END $$;
CREATE TRIGGER attachments_change AFTER INSERT OR UPDATE OR DELETE ON attachments
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('attachments.read', 'location_id', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('work_orders.read',      'See work orders, their tasks, checklists, HV records, time and notes'),
  ('work_orders.write',     'Check cars in, edit reception forms, triage, move work orders, add tasks and notes'),
  ('work_orders.technical', 'Record checklist results, HV records, quality checks and clear quarantines'),
  ('time.write',            'Clock on and off (own time; with staff.manage also others'')'),
  ('attachments.read',      'Download photos, signatures and documents of the location'),
  ('attachments.write',     'Upload photos, signatures and documents');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['work_orders.read', 'work_orders.write', 'work_orders.technical', 'time.write',
                      'attachments.read', 'attachments.write']) p
   WHERE r.name IN ('admin', 'manager', 'technician');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['work_orders.read', 'work_orders.write', 'attachments.read', 'attachments.write']) p
   WHERE r.name = 'reception';
