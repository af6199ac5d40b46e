-- 0012 — maintenance reminders (C2; docs/api-reminders.md).
--
-- What is due is computed, never stored: vb_maintenance_schedule(today)
-- gives, for every vehicle and every active maintenance rule matching its
-- make/model/year, when the service was last done (the latest collected
-- work order with a done task of that service type, else the vehicle's
-- first known date: its first odometer reading or when it was created), and
-- when it is due next, by time (last + every_months) and by mileage (the
-- odometer then + every_km, turned into a date by projecting the vehicle's
-- own odometer history: the least-squares km/day over its readings since
-- the latest correction — at least two readings over at least 14 days, else
-- no projection).  The earlier of the two is the due date.
-- vb_reminders_due(today, lead_days) keeps what is due within the lead
-- window (or overdue) and adds declined quote lines (deferred_work, 0009)
-- whose remind_after has come and that are unresolved.
--
-- vb_reminders_run(today, lead_days) sends them (vb_reminders_send): one
-- run at a time across every server instance (a transaction-scoped
-- advisory try-lock; a second caller skips), per consent
-- (vb_customer_may_contact, 0011) and channel, in the customer's language
-- from reminder_templates.  Each reminder is a
-- reminders_sent row, unique per vehicle, item (rule or deferred line), due
-- occurrence (the last service it counts from) and channel, inserted
-- before the message is queued (vb_enqueue_message, same transaction, with
-- the row's dedupe_key): a second run — or a concurrent one that got past
-- the lock — finds the row (or waits for it on the unique index) and sends
-- nothing.  Never the same reminder twice.

-- ---------------------------------------------------------- templates ---

-- Placeholders: {customer} {vehicle} {plate} {service} {due_date} {location}
-- {location_phone}.  kind 'maintenance' (a rule) or 'deferred' (a declined
-- quote line; {service} is the line's description).
CREATE TABLE reminder_templates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('maintenance', 'deferred')),
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  language    text NOT NULL CHECK (language IN ('en', 'vi')),
  subject     text NOT NULL DEFAULT '' CHECK (length(subject) <= 200 AND position(E'\n' IN subject) = 0),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, channel, language),
  CHECK (channel = 'sms' OR subject <> '')
);

-- ------------------------------------------------------ reminders sent ---

-- Append-only: one row per reminder queued.  The message itself (status,
-- address) is the outbound_messages row with the same dedupe_key.
CREATE TABLE reminders_sent (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id       uuid NOT NULL REFERENCES locations,
  vehicle_id        uuid NOT NULL REFERENCES vehicles,
  customer_id       uuid NOT NULL REFERENCES customers,
  kind              text NOT NULL CHECK (kind IN ('maintenance', 'deferred')),
  rule_id           uuid REFERENCES maintenance_rules,
  deferred_work_id  uuid REFERENCES deferred_work,
  service_type_id   uuid REFERENCES service_types,
  item_key          text NOT NULL,   -- 'rule:<id>' | 'deferred:<id>'
  occurrence        text NOT NULL,   -- the last service's work order id, 'initial', or 'once'
  due_on            date NOT NULL,
  due_reason        text NOT NULL CHECK (due_reason IN ('time', 'mileage', 'deferred')),
  channel           text NOT NULL CHECK (channel IN ('email', 'sms')),
  language          text NOT NULL CHECK (language IN ('en', 'vi')),
  dedupe_key        text NOT NULL UNIQUE,
  sent_at           timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (vehicle_id, item_key, occurrence, channel),
  CHECK ((kind = 'maintenance') = (rule_id IS NOT NULL)),
  CHECK ((kind = 'deferred') = (deferred_work_id IS NOT NULL))
);
CREATE INDEX reminders_sent_vehicle ON reminders_sent (vehicle_id, sent_at DESC);
CREATE INDEX reminders_sent_location ON reminders_sent (location_id, sent_at DESC);

-- ------------------------------------------------------------ schedule ---

-- Every (vehicle, matching rule) as of p_today (NULL: today in the
-- vehicle's location), optionally for one vehicle or one location.  Only
-- readings and work orders up to p_today count.  A rule with a year range
-- matches a vehicle whose year is unknown.
CREATE FUNCTION vb_maintenance_schedule (p_today date, p_vehicle uuid DEFAULT NULL,
                                         p_location uuid DEFAULT NULL)
RETURNS TABLE (vehicle_id uuid, customer_id uuid, location_id uuid, rule_id uuid,
               service_type_id uuid, today date, last_work_order_id uuid, last_done_on date,
               last_done_km integer, every_months integer, every_km integer, due_by_time date,
               due_km integer, km_per_day numeric, latest_km integer, latest_read_on date,
               due_by_mileage date, due_on date, due_reason text, occurrence text)
LANGUAGE sql STABLE AS $$
  WITH veh AS (
    SELECT v.id, v.customer_id, v.location_id, v.make, v.model, v.year, v.created_at, l.time_zone,
           coalesce(p_today, (now() AT TIME ZONE l.time_zone)::date) AS today
      FROM vehicles v
      JOIN customers c ON c.id = v.customer_id
      JOIN locations l ON l.id = v.location_id
     WHERE v.erased_at IS NULL AND c.erased_at IS NULL
       AND (p_vehicle IS NULL OR v.id = p_vehicle)
       AND (p_location IS NULL OR v.location_id = p_location)),
  rd AS (   -- the readings that count: up to today, since the latest correction
    SELECT veh.id AS vehicle_id, r.odometer_km, r.read_at, (r.read_at AT TIME ZONE veh.time_zone)::date AS read_on
      FROM veh JOIN odometer_readings r ON r.vehicle_id = veh.id
     WHERE (r.read_at AT TIME ZONE veh.time_zone)::date <= veh.today
       AND r.read_at >= coalesce((SELECT max(x.read_at) FROM odometer_readings x
                                   WHERE x.vehicle_id = veh.id AND x.correction
                                     AND (x.read_at AT TIME ZONE veh.time_zone)::date <= veh.today),
                                 '-infinity')),
  odo AS (
    SELECT rd.vehicle_id,
           (array_agg(rd.odometer_km ORDER BY rd.read_at))[1] AS first_km,
           min(rd.read_on) AS first_read_on,
           (array_agg(rd.odometer_km ORDER BY rd.read_at DESC))[1] AS latest_km,
           max(rd.read_on) AS latest_read_on,
           CASE WHEN count(*) >= 2 AND max(rd.read_at) - min(rd.read_at) >= interval '14 days'
                THEN round(regr_slope(rd.odometer_km, extract(epoch FROM rd.read_at) / 86400)::numeric, 3)
           END AS km_per_day
      FROM rd GROUP BY rd.vehicle_id),
  base AS (
    SELECT veh.*, r.id AS rule_id, r.service_type_id, r.every_months, r.every_km,
           odo.first_km, odo.first_read_on, odo.latest_km, odo.latest_read_on,
           CASE WHEN odo.km_per_day > 0 THEN odo.km_per_day END AS km_per_day,
           s.work_order_id, s.done_on, s.done_km
      FROM veh
      JOIN maintenance_rules r
        ON r.active AND lower(r.make) = lower(veh.make) AND lower(r.model) = lower(veh.model)
       AND (r.year_from IS NULL OR veh.year IS NULL OR veh.year >= r.year_from)
       AND (r.year_to IS NULL OR veh.year IS NULL OR veh.year <= r.year_to)
      LEFT JOIN odo ON odo.vehicle_id = veh.id
      LEFT JOIN LATERAL (
        SELECT w.id AS work_order_id, (w.collected_at AT TIME ZONE veh.time_zone)::date AS done_on,
               coalesce(w.odometer_km,
                        (SELECT max(x.odometer_km) FROM odometer_readings x
                          WHERE x.vehicle_id = veh.id AND x.read_at <= w.collected_at)) AS done_km
          FROM work_orders w
         WHERE w.vehicle_id = veh.id AND w.status = 'collected' AND w.collected_at IS NOT NULL
           AND (w.collected_at AT TIME ZONE veh.time_zone)::date <= veh.today
           AND EXISTS (SELECT 1 FROM work_order_tasks t
                        WHERE t.work_order_id = w.id AND t.status = 'done'
                          AND t.service_type_id = r.service_type_id)
         ORDER BY w.collected_at DESC, w.id DESC
         LIMIT 1) s ON true),
  due AS (
    SELECT b.*,
           coalesce(b.done_on, least(b.first_read_on, (b.created_at AT TIME ZONE b.time_zone)::date)) AS last_on,
           CASE WHEN b.work_order_id IS NOT NULL THEN b.done_km ELSE b.first_km END AS last_km
      FROM base b),
  dated AS (
    SELECT d.*,
           (d.last_on + make_interval(months => d.every_months))::date AS by_time,
           d.last_km + d.every_km AS target_km
      FROM due d),
  projected AS (
    SELECT d.*,
           CASE WHEN d.target_km IS NULL OR d.latest_km IS NULL THEN NULL
                WHEN d.km_per_day IS NOT NULL
                  THEN d.latest_read_on + ceil((d.target_km - d.latest_km) / d.km_per_day)::integer
                WHEN d.latest_km >= d.target_km THEN d.latest_read_on
           END AS by_mileage
      FROM dated d)
  SELECT p.id, p.customer_id, p.location_id, p.rule_id, p.service_type_id, p.today,
         p.work_order_id, p.last_on, p.last_km, p.every_months, p.every_km, p.by_time,
         p.target_km, p.km_per_day, p.latest_km, p.latest_read_on, p.by_mileage,
         least(p.by_time, p.by_mileage),
         CASE WHEN p.by_time IS NULL AND p.by_mileage IS NULL THEN NULL
              WHEN p.by_mileage IS NOT NULL AND (p.by_time IS NULL OR p.by_mileage < p.by_time) THEN 'mileage'
              ELSE 'time' END,
         coalesce(p.work_order_id::text, 'initial')
    FROM projected p
$$;

-- What is due as of p_today: maintenance due within p_lead_days (or
-- overdue), and unresolved deferred work whose remind_after has come.
-- item_key and occurrence identify one reminder (with the channel).
CREATE FUNCTION vb_reminders_due (p_today date, p_lead_days integer, p_vehicle uuid DEFAULT NULL,
                                  p_location uuid DEFAULT NULL)
RETURNS TABLE (vehicle_id uuid, customer_id uuid, location_id uuid, kind text, item_key text,
               occurrence text, rule_id uuid, deferred_work_id uuid, service_type_id uuid,
               description text, today date, due_on date, due_reason text, last_done_on date,
               last_done_km integer, due_km integer, km_per_day numeric)
LANGUAGE sql STABLE AS $$
  SELECT s.vehicle_id, s.customer_id, s.location_id, 'maintenance', 'rule:' || s.rule_id::text,
         s.occurrence, s.rule_id, NULL::uuid, s.service_type_id, st.name, s.today, s.due_on,
         s.due_reason, s.last_done_on, s.last_done_km, s.due_km, s.km_per_day
    FROM vb_maintenance_schedule(p_today, p_vehicle, p_location) s
    JOIN service_types st ON st.id = s.service_type_id
   WHERE s.due_on IS NOT NULL AND s.due_on <= s.today + greatest(p_lead_days, 0)
  UNION ALL
  SELECT v.id, v.customer_id, v.location_id, 'deferred', 'deferred:' || d.id::text,
         'once', NULL, d.id, d.service_type_id, d.description, x.today, d.remind_after,
         'deferred', NULL, NULL, NULL, NULL
    FROM deferred_work d
    JOIN vehicles v ON v.id = d.vehicle_id
    JOIN customers c ON c.id = v.customer_id
    JOIN locations l ON l.id = v.location_id
   CROSS JOIN LATERAL (SELECT coalesce(p_today, (now() AT TIME ZONE l.time_zone)::date) AS today) x
   WHERE d.resolved_at IS NULL AND d.remind_after <= x.today
     AND v.erased_at IS NULL AND c.erased_at IS NULL
     AND (p_vehicle IS NULL OR v.id = p_vehicle)
     AND (p_location IS NULL OR v.location_id = p_location)
$$;

CREATE FUNCTION vb_reminder_fill (p_text text, p_values jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k  text;
  v  text;
  r  text := p_text;
BEGIN
  FOR k, v IN SELECT * FROM jsonb_each_text(p_values) LOOP
    r := replace(r, '{' || k || '}', coalesce(v, ''));
  END LOOP;
  RETURN r;
END $$;

-- Queues every due reminder not sent yet and says what happened to the
-- (item, channel) pairs.  Safe without the run lock too: a reminder that a
-- concurrent transaction is recording waits for it on the unique index and
-- then counts as already sent.
CREATE FUNCTION vb_reminders_send (p_today date, p_lead_days integer)
RETURNS TABLE (due integer, queued integer, already_sent integer, no_consent integer, no_address integer)
LANGUAGE plpgsql AS $$
DECLARE
  d       record;
  c       customers;
  v       vehicles;
  l       locations;
  t       reminder_templates;
  ch      text;
  addr    text;
  lang    text;
  vals    jsonb;
  key     text;
  rid     uuid;
BEGIN
  due := 0; queued := 0; already_sent := 0; no_consent := 0; no_address := 0;
  FOR d IN SELECT * FROM vb_reminders_due(p_today, p_lead_days) ORDER BY 1, 5 LOOP
    due := due + 1;
    SELECT * INTO c FROM customers WHERE id = d.customer_id;
    SELECT * INTO v FROM vehicles WHERE id = d.vehicle_id;
    SELECT * INTO l FROM locations WHERE id = d.location_id;
    FOREACH ch IN ARRAY ARRAY['email', 'sms'] LOOP
      IF NOT vb_customer_may_contact(c.id, ch) THEN
        no_consent := no_consent + 1;
        CONTINUE;
      END IF;
      addr := btrim(CASE ch WHEN 'email' THEN c.emails[1] ELSE c.phones[1] END);
      IF coalesce(addr, '') = '' THEN
        no_address := no_address + 1;
        CONTINUE;
      END IF;
      SELECT * INTO t FROM reminder_templates
       WHERE kind = d.kind AND channel = ch AND language IN (c.preferred_language, 'en')
       ORDER BY language = c.preferred_language DESC LIMIT 1;
      CONTINUE WHEN NOT FOUND;
      lang := t.language;
      key := format('reminder:%s:%s:%s:%s', d.vehicle_id, d.item_key, d.occurrence, ch);
      INSERT INTO reminders_sent (location_id, vehicle_id, customer_id, kind, rule_id, deferred_work_id,
                                  service_type_id, item_key, occurrence, due_on, due_reason, channel,
                                  language, dedupe_key)
      VALUES (d.location_id, d.vehicle_id, d.customer_id, d.kind, d.rule_id, d.deferred_work_id,
              d.service_type_id, d.item_key, d.occurrence, d.due_on, d.due_reason, ch, lang, key)
      ON CONFLICT DO NOTHING
      RETURNING id INTO rid;
      IF rid IS NULL THEN
        already_sent := already_sent + 1;
        CONTINUE;
      END IF;
      vals := jsonb_build_object(
        'customer', c.display_name,
        'vehicle', btrim(concat_ws(' ', nullif(v.make, ''), nullif(v.model, ''), v.year::text)),
        'plate', v.plate,
        'service', d.description,
        'due_date', to_char(d.due_on, CASE lang WHEN 'vi' THEN 'DD/MM/YYYY' ELSE 'YYYY-MM-DD' END),
        'location', l.name,
        'location_phone', l.phone);
      PERFORM vb_enqueue_message(d.location_id, c.id, ch, addr,
                                 CASE ch WHEN 'email' THEN vb_reminder_fill(t.subject, vals) ELSE '' END,
                                 vb_reminder_fill(t.body, vals), lang, 'reminder', 'reminders_sent', rid, key);
      queued := queued + 1;
    END LOOP;
  END LOOP;
  RETURN NEXT;
END $$;

-- One run: the one holding the run lock (a transaction-scoped advisory
-- try-lock, so across every server instance and voltbay-ctl) sends; others
-- return ran = false at once and do nothing.
CREATE FUNCTION vb_reminders_run (p_today date, p_lead_days integer)
RETURNS TABLE (ran boolean, due integer, queued integer, already_sent integer,
               no_consent integer, no_address integer)
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(7411012) THEN
    RETURN QUERY SELECT false, 0, 0, 0, 0, 0;
    RETURN;
  END IF;
  RETURN QUERY SELECT true, s.* FROM vb_reminders_send(p_today, p_lead_days) s;
END $$;

-- ------------------------------------------------------------ triggers ---

CREATE TRIGGER reminder_templates_touch BEFORE UPDATE ON reminder_templates
  FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER reminders_sent_append_only BEFORE UPDATE OR DELETE ON reminders_sent
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER reminder_templates_audit AFTER INSERT OR UPDATE OR DELETE ON reminder_templates
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER reminders_sent_audit AFTER INSERT OR UPDATE OR DELETE ON reminders_sent
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER reminder_templates_change AFTER INSERT OR UPDATE OR DELETE ON reminder_templates
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('reminders.read', '', '');
CREATE TRIGGER reminders_sent_change AFTER INSERT OR UPDATE OR DELETE ON reminders_sent
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('reminders.read', 'location_id', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('reminders.read',   'See due and sent maintenance reminders'),
  ('reminders.manage', 'Change reminder templates');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['reminders.read', 'reminders.manage']) p
   WHERE r.name IN ('admin', 'manager');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'reminders.read' FROM roles r WHERE r.name = 'reception';

-- -------------------------------------------------------------- seeds ---

INSERT INTO reminder_templates (kind, channel, language, subject, body) VALUES
  ('maintenance', 'email', 'en', '{service} is due for your {vehicle} ({plate})',
   E'Hello {customer},\n\n{service} is due for your {vehicle} ({plate}) on {due_date}.\n'
   || E'Reply to this message or call us on {location_phone} to book a visit.\n\n{location}'),
  ('maintenance', 'sms', 'en', '',
   '{location}: {service} is due for your {vehicle} ({plate}) on {due_date}. Call {location_phone} to book.'),
  ('maintenance', 'email', 'vi', 'Đến hạn {service} cho xe {vehicle} ({plate})',
   E'Kính gửi {customer},\n\nxe {vehicle} ({plate}) của quý khách đến hạn {service} vào ngày {due_date}.\n'
   || E'Quý khách vui lòng trả lời thư này hoặc gọi {location_phone} để đặt lịch.\n\n{location}'),
  ('maintenance', 'sms', 'vi', '',
   '{location}: xe {vehicle} ({plate}) đến hạn {service} vào ngày {due_date}. Gọi {location_phone} để đặt lịch.'),
  ('deferred', 'email', 'en', 'A reminder about your {vehicle} ({plate}): {service}',
   E'Hello {customer},\n\nat your last visit we recommended: {service}.\n'
   || E'Reply to this message or call us on {location_phone} when you would like it done.\n\n{location}'),
  ('deferred', 'sms', 'en', '',
   '{location}: a reminder about your {vehicle} ({plate}): {service}. Call {location_phone} to book.'),
  ('deferred', 'email', 'vi', 'Nhắc lịch cho xe {vehicle} ({plate}): {service}',
   E'Kính gửi {customer},\n\ntrong lần ghé trước, chúng tôi đã đề xuất: {service}.\n'
   || E'Quý khách vui lòng trả lời thư này hoặc gọi {location_phone} khi muốn thực hiện.\n\n{location}'),
  ('deferred', 'sms', 'vi', '',
   '{location}: nhắc lịch cho xe {vehicle} ({plate}): {service}. Gọi {location_phone} để đặt lịch.');
