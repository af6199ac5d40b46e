-- 0009 — quotes, approvals, deferred work, invoices, credit notes
-- (S5, C6; docs/api-billing.md).
--
-- Money is bigint minor units with a currency; never floating point.  Line
-- amounts are computed here, in SQL, per line: net = round(quantity ×
-- unit price), tax = round(net × tax_bp / 10000), gross = net + tax, each
-- rounded half away from zero ("half-up" for positive amounts; a discount
-- of -0.5 rounds to -1).  Totals are the sums of the rounded lines.
--
-- Rules that hold whoever writes (API, sync push, another instance):
--   * a quote version is edited only while it is a draft; sent or decided
--     versions are frozen (a change is a new version);
--   * a decision per line, once, with the evidence its channel needs
--     (in_person: a signature attachment; phone: the number called; email:
--     the reply text or message id); a declined line becomes deferred_work
--     (resolved as accepted when the same service or part is approved later
--     for the vehicle);
--     a fully decided version with an approved line moves the work order
--     from diagnosing/awaiting_approval to in_progress;
--   * invoices are numbered without gaps per location, kind and year (a
--     counter row updated in the issuing transaction: concurrent issues
--     queue on its row lock, a rolled-back issue gives its number back);
--   * an issued invoice and its lines never change: only status,
--     paid_amount (payments, 0010), voided_* and bookkeeping may; never
--     deleted.
-- Custom SQLSTATEs as in 0006: VB409 → 409 (state), VB403 → 403, P0001 → 422.

-- ------------------------------------------------------------- quotes ---

-- One quote per work order; its versions hold the lines.
CREATE TABLE quotes (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id  uuid NOT NULL UNIQUE REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  customer_id    uuid NOT NULL REFERENCES customers,
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_by     uuid REFERENCES users,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quotes_location ON quotes (location_id, created_at DESC);
CREATE INDEX quotes_customer ON quotes (customer_id);

-- draft (editable) → sent (frozen, waiting for decisions) → decided (every
-- line decided); superseded when a newer version is made.
CREATE TABLE quote_versions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  quote_id       uuid NOT NULL REFERENCES quotes ON DELETE CASCADE,
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  number         integer NOT NULL CHECK (number >= 1),
  status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'decided', 'superseded')),
  notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  created_by     uuid REFERENCES users,
  sent_at        timestamptz,
  decided_at     timestamptz,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (quote_id, number)
);
CREATE INDEX quote_versions_order ON quote_versions (work_order_id, number);

CREATE TABLE quote_lines (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  quote_version_id   uuid NOT NULL REFERENCES quote_versions ON DELETE CASCADE,
  quote_id           uuid NOT NULL REFERENCES quotes ON DELETE CASCADE,
  work_order_id      uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id        uuid NOT NULL REFERENCES locations,
  position           integer NOT NULL CHECK (position >= 1),
  kind               text NOT NULL CHECK (kind IN ('labor', 'part', 'fee', 'discount')),
  description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  service_type_id    uuid REFERENCES service_types,
  task_id            uuid REFERENCES work_order_tasks ON DELETE SET NULL,
  part_id            uuid REFERENCES parts,
  -- labor: hours (multiples of 0.1); part: units; fee/discount: 1
  quantity           numeric(12, 2) NOT NULL CHECK (quantity > 0),
  unit_price_amount  bigint NOT NULL,
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_name           text,
  tax_bp             integer NOT NULL DEFAULT 0 CHECK (tax_bp BETWEEN 0 AND 10000),
  net_amount         bigint NOT NULL,
  tax_amount         bigint NOT NULL,
  gross_amount       bigint NOT NULL,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (quote_version_id, position),
  CHECK (gross_amount = net_amount + tax_amount),
  CHECK ((kind = 'discount' AND unit_price_amount < 0) OR (kind <> 'discount' AND unit_price_amount >= 0)),
  CHECK (kind <> 'part' OR part_id IS NOT NULL)
);
CREATE INDEX quote_lines_version ON quote_lines (quote_version_id, position);

-- Append-only: one decision per line.
CREATE TABLE quote_line_decisions (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  quote_line_id            uuid NOT NULL UNIQUE REFERENCES quote_lines ON DELETE CASCADE,
  quote_version_id         uuid NOT NULL REFERENCES quote_versions ON DELETE CASCADE,
  work_order_id            uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id              uuid NOT NULL REFERENCES locations,
  decision                 text NOT NULL CHECK (decision IN ('approved', 'declined')),
  channel                  text NOT NULL CHECK (channel IN ('in_person', 'phone', 'email')),
  signature_attachment_id  uuid REFERENCES attachments,
  phone_number             text CHECK (length(phone_number) BETWEEN 3 AND 40),
  email_reply              text CHECK (length(email_reply) BETWEEN 1 AND 10000),
  email_message_id         text CHECK (length(email_message_id) BETWEEN 1 AND 500),
  notes                    text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  recorded_by              uuid REFERENCES users,
  decided_at               timestamptz NOT NULL DEFAULT now(),
  version                  integer NOT NULL DEFAULT 1,
  CHECK (channel <> 'in_person' OR signature_attachment_id IS NOT NULL),
  CHECK (channel <> 'phone' OR phone_number IS NOT NULL),
  CHECK (channel <> 'email' OR email_reply IS NOT NULL OR email_message_id IS NOT NULL)
);
CREATE INDEX quote_line_decisions_version ON quote_line_decisions (quote_version_id);

-- What the customer declined, kept for reminders (0012) to bring back.
CREATE TABLE deferred_work (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id      uuid NOT NULL REFERENCES locations,
  customer_id      uuid NOT NULL REFERENCES customers,
  vehicle_id       uuid NOT NULL REFERENCES vehicles,
  work_order_id    uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  quote_line_id    uuid NOT NULL UNIQUE REFERENCES quote_lines ON DELETE CASCADE,
  description      text NOT NULL,
  service_type_id  uuid REFERENCES service_types,
  part_id          uuid REFERENCES parts,
  amount           bigint NOT NULL,
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  declined_at      timestamptz NOT NULL,
  remind_after     date NOT NULL,
  resolved_at      timestamptz,
  resolved_by      uuid REFERENCES users,
  resolution       text CHECK (resolution IN ('accepted', 'done_elsewhere', 'dismissed')),
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX deferred_work_open ON deferred_work (location_id, remind_after) WHERE resolved_at IS NULL;
CREATE INDEX deferred_work_vehicle ON deferred_work (vehicle_id);
CREATE INDEX deferred_work_customer ON deferred_work (customer_id);

-- ----------------------------------------------------------- invoices ---

CREATE TABLE invoice_counters (
  location_id  uuid NOT NULL REFERENCES locations ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  year         integer NOT NULL,
  last_seq     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (location_id, kind, year)
);

-- Invoices and credit notes.  Credit notes carry positive amounts (what is
-- credited) and stay 'issued'.
CREATE TABLE invoices (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id            uuid NOT NULL REFERENCES locations,
  work_order_id          uuid REFERENCES work_orders,
  customer_id            uuid NOT NULL REFERENCES customers,
  kind                   text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  credit_for_invoice_id  uuid REFERENCES invoices,
  number                 text NOT NULL UNIQUE,
  year                   integer NOT NULL,
  seq                    integer NOT NULL CHECK (seq >= 1),
  status                 text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'partially_paid', 'paid', 'void')),
  currency               text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_amount        bigint NOT NULL,
  tax_amount             bigint NOT NULL,
  total_amount           bigint NOT NULL,
  paid_amount            bigint NOT NULL DEFAULT 0,
  issued_at              timestamptz NOT NULL DEFAULT now(),
  issued_by              uuid REFERENCES users,
  voided_at              timestamptz,
  voided_by              uuid REFERENCES users,
  void_reason            text CHECK (length(void_reason) BETWEEN 1 AND 1000),
  notes                  text NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),  -- a credit note's reason
  version                integer NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, kind, year, seq),
  CHECK (total_amount = subtotal_amount + tax_amount),
  CHECK ((kind = 'credit_note') = (credit_for_invoice_id IS NOT NULL)),
  CHECK (kind = 'invoice' OR status = 'issued'),
  CHECK ((status = 'void') = (voided_at IS NOT NULL))
);
CREATE INDEX invoices_location ON invoices (location_id, issued_at DESC, id DESC);
CREATE INDEX invoices_work_order ON invoices (work_order_id);
CREATE INDEX invoices_customer ON invoices (customer_id, issued_at DESC);
CREATE INDEX invoices_credit_for ON invoices (credit_for_invoice_id);
-- One live invoice per work order (a void one may be replaced).
CREATE UNIQUE INDEX invoices_one_per_order ON invoices (work_order_id)
  WHERE kind = 'invoice' AND status <> 'void';

CREATE TABLE invoice_lines (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invoice_id           uuid NOT NULL REFERENCES invoices,
  location_id          uuid NOT NULL REFERENCES locations,
  position             integer NOT NULL CHECK (position >= 1),
  kind                 text NOT NULL CHECK (kind IN ('labor', 'part', 'fee', 'discount')),
  description          text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  service_type_id      uuid REFERENCES service_types,
  task_id              uuid REFERENCES work_order_tasks,
  part_id              uuid REFERENCES parts,
  quote_line_id        uuid REFERENCES quote_lines,
  credit_for_line_id   uuid REFERENCES invoice_lines,
  quantity             numeric(12, 2) NOT NULL CHECK (quantity > 0),
  unit_price_amount    bigint NOT NULL,
  currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_name             text,
  tax_bp               integer NOT NULL DEFAULT 0 CHECK (tax_bp BETWEEN 0 AND 10000),
  net_amount           bigint NOT NULL,
  tax_amount           bigint NOT NULL,
  gross_amount         bigint NOT NULL,
  version              integer NOT NULL DEFAULT 1,
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (invoice_id, position),
  CHECK (gross_amount = net_amount + tax_amount)
);
CREATE INDEX invoice_lines_credit_for ON invoice_lines (credit_for_line_id);

-- ------------------------------------------------------------ the rules ---

-- Half away from zero, in numeric (exact).
CREATE FUNCTION vb_money_round (v numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT round(v)::bigint
$$;

-- Tax of a line, net amount of a line.
CREATE FUNCTION vb_line_net (p_quantity numeric, p_unit bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT vb_money_round(p_quantity * p_unit)
$$;
CREATE FUNCTION vb_line_tax (p_net bigint, p_bp integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT vb_money_round(p_net::numeric * p_bp / 10000)
$$;

-- The location's labor rate per hour (minor units), or an error naming field.
CREATE FUNCTION vb_labor_rate (p_location uuid, p_currency text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  r  location_rates;
BEGIN
  SELECT * INTO r FROM location_rates WHERE location_id = p_location AND kind = 'labor' AND active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'The location has no active labor rate' USING COLUMN = 'unit_price';
  END IF;
  IF r.currency <> p_currency THEN
    RAISE EXCEPTION 'The labor rate is in %, the quote in %', r.currency, p_currency USING COLUMN = 'currency';
  END IF;
  RETURN r.amount;
END $$;

-- The percent (basis points) of the location's tax named p_name; NULL if none.
CREATE FUNCTION vb_tax_bp (p_location uuid, p_name text) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT percent_bp FROM location_rates
   WHERE location_id = p_location AND kind = 'tax' AND name = p_name AND active
$$;

-- A quote line: filled from its version and priced.  tax_name NULL means
-- the default: a part's tax_class, otherwise 'VAT' (no tax when the
-- location has no such rate); a tax_name given must exist at the location.
CREATE FUNCTION vb_quote_line_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v    quote_versions;
  q    quotes;
  p    record;
  bp   integer;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM vb_state_error('Quote lines are replaced, not changed', 'lines');
  END IF;
  SELECT * INTO v FROM quote_versions WHERE id = NEW.quote_version_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such quote version' USING COLUMN = 'quote_version_id';
  END IF;
  IF v.status <> 'draft' THEN
    PERFORM vb_state_error(format('Quote version %s is %s: make a new version to change it', v.number, v.status), 'status');
  END IF;
  SELECT * INTO q FROM quotes WHERE id = v.quote_id;
  NEW.quote_id := v.quote_id;
  NEW.work_order_id := v.work_order_id;
  NEW.location_id := v.location_id;
  IF NEW.currency IS NOT NULL AND NEW.currency <> q.currency THEN
    RAISE EXCEPTION 'The quote is in %', q.currency USING COLUMN = 'unit_price';
  END IF;
  NEW.currency := q.currency;
  IF NEW.task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM work_order_tasks
                                              WHERE id = NEW.task_id AND work_order_id = v.work_order_id) THEN
    RAISE EXCEPTION 'The task is not a task of this work order' USING COLUMN = 'task_id';
  END IF;
  CASE NEW.kind
    WHEN 'labor' THEN
      IF NEW.quantity * 10 <> trunc(NEW.quantity * 10) THEN
        RAISE EXCEPTION 'Labor is quoted in tenths of an hour' USING COLUMN = 'quantity';
      END IF;
      NEW.unit_price_amount := coalesce(NEW.unit_price_amount, vb_labor_rate(v.location_id, q.currency));
    WHEN 'part' THEN
      SELECT pa.sale_price_amount, pa.currency, pa.tax_class, pa.name INTO p FROM parts pa WHERE pa.id = NEW.part_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'No such part' USING COLUMN = 'part_id';
      END IF;
      IF p.currency <> q.currency THEN
        RAISE EXCEPTION 'The part is priced in %, the quote in %', p.currency, q.currency USING COLUMN = 'part_id';
      END IF;
      IF NEW.quantity <> trunc(NEW.quantity) THEN
        RAISE EXCEPTION 'Parts are quoted in whole units' USING COLUMN = 'quantity';
      END IF;
      NEW.unit_price_amount := coalesce(NEW.unit_price_amount, p.sale_price_amount);
      NEW.tax_name := coalesce(NEW.tax_name, p.tax_class);
      NEW.description := coalesce(NEW.description, p.name);
    WHEN 'fee' THEN
      IF NEW.unit_price_amount IS NULL OR NEW.unit_price_amount < 0 THEN
        RAISE EXCEPTION 'A fee needs unit_price_amount >= 0' USING COLUMN = 'unit_price';
      END IF;
    WHEN 'discount' THEN
      IF NEW.unit_price_amount IS NULL OR NEW.unit_price_amount >= 0 THEN
        RAISE EXCEPTION 'A discount is a negative unit_price_amount' USING COLUMN = 'unit_price';
      END IF;
  END CASE;
  IF NEW.kind <> 'discount' AND NEW.unit_price_amount < 0 THEN
    RAISE EXCEPTION 'Only discounts are negative' USING COLUMN = 'unit_price';
  END IF;
  IF NEW.description IS NULL THEN
    IF NEW.service_type_id IS NOT NULL THEN
      SELECT name INTO NEW.description FROM service_types WHERE id = NEW.service_type_id;
    END IF;
    NEW.description := coalesce(NEW.description, initcap(NEW.kind));
  END IF;
  IF NEW.tax_name IS NOT NULL THEN
    bp := vb_tax_bp(v.location_id, NEW.tax_name);
    IF bp IS NULL THEN
      RAISE EXCEPTION 'The location has no active tax rate named %', NEW.tax_name USING COLUMN = 'tax_name';
    END IF;
  ELSE
    bp := vb_tax_bp(v.location_id, 'VAT');
    NEW.tax_name := CASE WHEN bp IS NOT NULL THEN 'VAT' END;
  END IF;
  NEW.tax_bp := coalesce(bp, 0);
  NEW.net_amount := vb_line_net(NEW.quantity, NEW.unit_price_amount);
  NEW.tax_amount := vb_line_tax(NEW.net_amount, NEW.tax_bp);
  NEW.gross_amount := NEW.net_amount + NEW.tax_amount;
  RETURN NEW;
END $$;

-- Lines of a frozen version are never removed.
CREATE FUNCTION vb_quote_line_delete () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM quote_versions WHERE id = OLD.quote_version_id AND status <> 'draft') THEN
    PERFORM vb_state_error('Lines of a sent or decided quote version stay as they are', 'status');
  END IF;
  RETURN OLD;
END $$;

-- A version: numbered after the newest; the newest frozen one is superseded.
CREATE FUNCTION vb_quote_version_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cur  quote_versions;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM quotes WHERE id = NEW.quote_id FOR UPDATE;
    SELECT * INTO cur FROM quote_versions WHERE quote_id = NEW.quote_id ORDER BY number DESC LIMIT 1;
    SELECT work_order_id, location_id INTO NEW.work_order_id, NEW.location_id FROM quotes WHERE id = NEW.quote_id;
    IF (SELECT w.status FROM work_orders w WHERE w.id = NEW.work_order_id) IN ('collected', 'cancelled') THEN
      PERFORM vb_state_error('Quotes are made while the work order is open', 'status');
    END IF;
    NEW.number := coalesce(cur.number, 0) + 1;
    NEW.status := 'draft';
    NEW.created_by := coalesce(NEW.created_by, vb_actor());
    IF cur.status = 'draft' THEN
      PERFORM vb_state_error(format('Quote version %s is still a draft: change it instead', cur.number), 'status');
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT ((OLD.status = 'draft' AND NEW.status IN ('sent', 'decided'))
            OR (OLD.status = 'sent' AND NEW.status IN ('decided', 'superseded'))
            OR (OLD.status = 'decided' AND NEW.status = 'superseded')) THEN
      PERFORM vb_state_error(format('A quote version cannot go from %s to %s', OLD.status, NEW.status), 'status');
    END IF;
    IF OLD.status = 'draft' THEN
      NEW.sent_at := coalesce(NEW.sent_at, now());
      IF NOT EXISTS (SELECT 1 FROM quote_lines WHERE quote_version_id = NEW.id) THEN
        PERFORM vb_state_error('A quote version without lines cannot be sent', 'lines');
      END IF;
    END IF;
    IF NEW.status = 'decided' THEN
      NEW.decided_at := now();
    END IF;
  ELSIF OLD.status <> 'draft' AND NEW.notes IS DISTINCT FROM OLD.notes THEN
    PERFORM vb_state_error(format('Quote version %s is %s: make a new version to change it', OLD.number, OLD.status), 'status');
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_quote_version_supersede () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A decided version keeps deciding what may be invoiced until a newer
  -- one is decided; a sent one waiting for decisions is replaced.
  UPDATE quote_versions SET status = 'superseded'
   WHERE quote_id = NEW.quote_id AND id <> NEW.id AND status = 'sent';
  RETURN NULL;
END $$;

-- A decision: on a line of the quote's newest version, not yet decided,
-- with its channel's evidence.
CREATE FUNCTION vb_quote_decision_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  l      quote_lines;
  v      quote_versions;
  a      attachments;
BEGIN
  SELECT * INTO l FROM quote_lines WHERE id = NEW.quote_line_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such quote line' USING COLUMN = 'quote_line_id';
  END IF;
  SELECT * INTO v FROM quote_versions WHERE id = l.quote_version_id FOR UPDATE;
  IF v.status NOT IN ('draft', 'sent') THEN
    PERFORM vb_state_error(format('Quote version %s is %s', v.number, v.status), 'status');
  END IF;
  IF EXISTS (SELECT 1 FROM quote_versions WHERE quote_id = v.quote_id AND number > v.number) THEN
    PERFORM vb_state_error('Decisions are recorded on the newest quote version', 'status');
  END IF;
  NEW.quote_version_id := v.id;
  NEW.work_order_id := v.work_order_id;
  NEW.location_id := v.location_id;
  NEW.recorded_by := coalesce(NEW.recorded_by, vb_actor());
  IF NEW.decided_at > now() + interval '5 minutes' THEN
    RAISE EXCEPTION 'decided_at is in the future' USING COLUMN = 'decided_at';
  END IF;
  CASE NEW.channel
    WHEN 'in_person' THEN
      IF NEW.signature_attachment_id IS NULL THEN
        RAISE EXCEPTION 'An approval in person needs the customer''s signature' USING COLUMN = 'signature_attachment_id';
      END IF;
      SELECT * INTO a FROM attachments WHERE id = NEW.signature_attachment_id
                                         AND (location_id IS NULL OR location_id = v.location_id);
      IF NOT FOUND OR a.purpose <> 'signature' THEN
        RAISE EXCEPTION 'No such signature attachment at this location' USING COLUMN = 'signature_attachment_id';
      END IF;
    WHEN 'phone' THEN
      IF NEW.phone_number IS NULL OR btrim(NEW.phone_number) = '' THEN
        RAISE EXCEPTION 'A decision by phone needs the number called' USING COLUMN = 'phone_number';
      END IF;
    WHEN 'email' THEN
      IF coalesce(btrim(NEW.email_reply), '') = '' AND coalesce(btrim(NEW.email_message_id), '') = '' THEN
        RAISE EXCEPTION 'A decision by e-mail needs the reply text or its message id' USING COLUMN = 'email_reply';
      END IF;
  END CASE;
  IF EXISTS (SELECT 1 FROM quote_line_decisions WHERE quote_line_id = NEW.quote_line_id) THEN
    PERFORM vb_state_error('This line is decided already', 'quote_line_id');
  END IF;
  RETURN NEW;
END $$;

-- After a decision: declined → deferred work; the version frozen (sent) or
-- decided; a decided version with an approved line moves the work order on.
CREATE FUNCTION vb_quote_decision_apply () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  l        quote_lines;
  v        quote_versions;
  wo       work_orders;
  tz       text;
BEGIN
  SELECT * INTO l FROM quote_lines WHERE id = NEW.quote_line_id;
  SELECT * INTO wo FROM work_orders WHERE id = NEW.work_order_id FOR UPDATE;
  IF NEW.decision = 'declined' THEN
    SELECT time_zone INTO tz FROM locations WHERE id = NEW.location_id;
    INSERT INTO deferred_work (location_id, customer_id, vehicle_id, work_order_id, quote_line_id, description,
                               service_type_id, part_id, amount, currency, declined_at, remind_after)
    VALUES (wo.location_id, wo.customer_id, wo.vehicle_id, wo.id, l.id, l.description, l.service_type_id,
            l.part_id, l.gross_amount, l.currency, NEW.decided_at,
            (NEW.decided_at AT TIME ZONE tz)::date + 30);
  END IF;
  IF NEW.decision = 'approved' AND (l.service_type_id IS NOT NULL OR l.part_id IS NOT NULL) THEN
    -- Work declined earlier on this vehicle and now approved is no longer deferred.
    UPDATE deferred_work d
       SET resolved_at = NEW.decided_at, resolved_by = NEW.recorded_by, resolution = 'accepted'
     WHERE d.vehicle_id = wo.vehicle_id AND d.resolved_at IS NULL AND d.declined_at <= NEW.decided_at
       AND ((l.service_type_id IS NOT NULL AND d.service_type_id = l.service_type_id)
            OR (l.part_id IS NOT NULL AND d.part_id = l.part_id));
  END IF;
  SELECT * INTO v FROM quote_versions WHERE id = NEW.quote_version_id;
  IF NOT EXISTS (SELECT 1 FROM quote_lines ql
                  WHERE ql.quote_version_id = v.id
                    AND NOT EXISTS (SELECT 1 FROM quote_line_decisions d WHERE d.quote_line_id = ql.id)) THEN
    UPDATE quote_versions SET status = 'decided' WHERE id = v.id;
    -- An older decided version no longer decides what may be invoiced.
    UPDATE quote_versions SET status = 'superseded'
     WHERE quote_id = v.quote_id AND number < v.number AND status = 'decided';
    IF wo.status IN ('diagnosing', 'awaiting_approval')
       AND EXISTS (SELECT 1 FROM quote_line_decisions d
                    WHERE d.quote_version_id = v.id AND d.decision = 'approved') THEN
      UPDATE work_orders SET status = 'in_progress',
                             status_reason = format('Quote version %s approved', v.number)
       WHERE id = wo.id;
    END IF;
  ELSIF v.status = 'draft' THEN
    UPDATE quote_versions SET status = 'sent' WHERE id = v.id;
  END IF;
  RETURN NULL;
END $$;

-- What the customer approved: the approved lines of the newest fully
-- decided version (gross), or 0 without one.
CREATE FUNCTION vb_quote_approved_total (p_order uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT sum(l.gross_amount)
                     FROM quote_lines l JOIN quote_line_decisions d ON d.quote_line_id = l.id
                    WHERE d.decision = 'approved'
                      AND l.quote_version_id = (SELECT v.id FROM quote_versions v
                                                 WHERE v.work_order_id = p_order AND v.status = 'decided'
                                                 ORDER BY v.number DESC LIMIT 1)), 0)::bigint
$$;

-- Numbering: per location, kind and year (in the location's time zone),
-- from a counter row locked until the issuing transaction ends.
CREATE FUNCTION vb_invoice_number () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  loc  locations;
BEGIN
  SELECT * INTO loc FROM locations WHERE id = NEW.location_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such location' USING COLUMN = 'location_id';
  END IF;
  NEW.issued_at := coalesce(NEW.issued_at, now());
  NEW.year := extract(year FROM NEW.issued_at AT TIME ZONE loc.time_zone)::integer;
  INSERT INTO invoice_counters AS c (location_id, kind, year, last_seq)
  VALUES (NEW.location_id, NEW.kind, NEW.year, 1)
  ON CONFLICT (location_id, kind, year) DO UPDATE SET last_seq = c.last_seq + 1
  RETURNING last_seq INTO NEW.seq;
  NEW.number := format('%s-%s%s-%s', loc.code, CASE WHEN NEW.kind = 'credit_note' THEN 'CN-' ELSE '' END,
                       NEW.year, lpad(NEW.seq::text, 6, '0'));
  NEW.status := 'issued';
  NEW.paid_amount := 0;
  NEW.voided_at := NULL;
  NEW.voided_by := NULL;
  NEW.void_reason := NULL;
  NEW.issued_by := coalesce(NEW.issued_by, vb_actor());
  RETURN NEW;
END $$;

-- Issued is final: only status, paid_amount, voided_*, void_reason and
-- bookkeeping change; void only unpaid, and void stays void.
CREATE FUNCTION vb_invoice_immutable () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  free  text[] := ARRAY['status', 'paid_amount', 'voided_at', 'voided_by', 'void_reason', 'version', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM vb_state_error('Issued invoices are never deleted: void them and issue a credit note', 'status');
  END IF;
  IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free) THEN
    PERFORM vb_state_error('An issued invoice does not change: void it and issue a credit note', 'status');
  END IF;
  IF OLD.status = 'void' AND (NEW.status <> 'void' OR NEW.voided_at IS DISTINCT FROM OLD.voided_at
                              OR NEW.voided_by IS DISTINCT FROM OLD.voided_by
                              OR NEW.void_reason IS DISTINCT FROM OLD.void_reason) THEN
    PERFORM vb_state_error('A void invoice stays void', 'status');
  END IF;
  IF NEW.status = 'void' AND OLD.status <> 'void' THEN
    IF NEW.kind <> 'invoice' THEN
      PERFORM vb_state_error('Credit notes are not voided', 'status');
    END IF;
    IF OLD.paid_amount <> 0 OR NEW.paid_amount <> 0 THEN
      PERFORM vb_state_error('A paid invoice is refunded before it is voided', 'paid_amount');
    END IF;
    IF coalesce(btrim(NEW.void_reason), '') = '' THEN
      RAISE EXCEPTION 'A reason is required' USING COLUMN = 'reason';
    END IF;
    NEW.voided_at := now();
    NEW.voided_by := coalesce(NEW.voided_by, vb_actor());
  ELSIF NEW.status <> 'void' AND (NEW.voided_at IS NOT NULL OR NEW.voided_by IS NOT NULL OR NEW.void_reason IS NOT NULL) THEN
    PERFORM vb_state_error('Only voiding sets voided_at, voided_by and void_reason', 'status');
  END IF;
  RETURN NEW;
END $$;

-- Lines are written with their invoice (same transaction), never after.
CREATE FUNCTION vb_invoice_line_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv  invoices;
  x    xid;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM vb_state_error('Lines of an issued invoice do not change', 'lines');
  END IF;
  SELECT * INTO inv FROM invoices WHERE id = NEW.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such invoice' USING COLUMN = 'invoice_id';
  END IF;
  SELECT i.xmin INTO x FROM invoices i WHERE i.id = NEW.invoice_id;
  IF x::text <> (pg_current_xact_id()::xid)::text THEN
    PERFORM vb_state_error('Lines of an issued invoice do not change', 'lines');
  END IF;
  NEW.location_id := inv.location_id;
  NEW.currency := inv.currency;
  NEW.net_amount := vb_line_net(NEW.quantity, NEW.unit_price_amount);
  NEW.tax_amount := vb_line_tax(NEW.net_amount, NEW.tax_bp);
  NEW.gross_amount := NEW.net_amount + NEW.tax_amount;
  RETURN NEW;
END $$;

-- At commit: an invoice's totals are the sums of its lines (checked after
-- the invoice and after any line is written).
CREATE FUNCTION vb_invoice_totals_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s    record;
  inv  invoices;
BEGIN
  SELECT * INTO inv FROM invoices
   WHERE id = (to_jsonb(NEW) ->> CASE WHEN TG_TABLE_NAME = 'invoices' THEN 'id' ELSE 'invoice_id' END)::uuid;
  SELECT coalesce(sum(net_amount), 0) AS net, coalesce(sum(tax_amount), 0) AS tax, count(*) AS n
    INTO s FROM invoice_lines WHERE invoice_id = inv.id;
  IF s.n = 0 OR s.net <> inv.subtotal_amount OR s.tax <> inv.tax_amount THEN
    RAISE EXCEPTION 'The invoice totals must be the sums of its lines' USING COLUMN = 'total_amount';
  END IF;
  RETURN NULL;
END $$;

-- What the invoice of a work order holds, from what was really done:
-- clocked labor per task (productive entries, each in 0.1 h rounded up) at
-- the location's labor rate, parts used (consumed minus returned) at their
-- sale price, and the approved fee and discount lines of the newest decided
-- quote version.  Lines as jsonb with their amounts; a part whose tax class
-- the location lacks is an error naming tax_name.
CREATE FUNCTION vb_invoice_draft_lines (p_order uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  wo       work_orders;
  loc      locations;
  rate     location_rates;
  vat      integer;
  lines    jsonb;
  missing  text;
BEGIN
  SELECT * INTO wo FROM work_orders WHERE id = p_order;
  SELECT * INTO loc FROM locations WHERE id = wo.location_id;
  SELECT * INTO rate FROM location_rates WHERE location_id = loc.id AND kind = 'labor' AND active;
  vat := vb_tax_bp(loc.id, 'VAT');
  SELECT pa.tax_class INTO missing
    FROM work_order_parts_used u JOIN parts pa ON pa.id = u.part_id
   WHERE u.work_order_id = p_order AND vb_tax_bp(loc.id, pa.tax_class) IS NULL LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'The location has no active tax rate named % (a part''s tax class)', missing USING COLUMN = 'tax_name';
  END IF;
  SELECT coalesce(jsonb_agg(to_jsonb(x) - 'o1' - 'o2' - 'o3' ORDER BY x.o1, x.o2, x.o3), '[]') INTO lines FROM (
    SELECT 1 AS o1, t.position AS o2, t.id::text AS o3, 'labor' AS kind, t.title AS description,
           t.service_type_id, t.id AS task_id, NULL::uuid AS part_id, NULL::uuid AS quote_line_id,
           (sum(e.tenths) / 10.0)::numeric(12, 2) AS quantity, rate.amount AS unit_price_amount,
           rate.currency AS currency,
           CASE WHEN vat IS NOT NULL THEN 'VAT' END AS tax_name, coalesce(vat, 0) AS tax_bp
      FROM work_order_tasks t
      JOIN time_entries e ON e.task_id = t.id AND e.kind = 'productive' AND e.ended_at IS NOT NULL
     WHERE t.work_order_id = p_order
     GROUP BY t.id
    HAVING sum(e.tenths) > 0
    UNION ALL
    SELECT 2, 0, pa.sku, 'part', pa.name, NULL, NULL, pa.id, NULL, u.quantity, pa.sale_price_amount,
           pa.currency, pa.tax_class, vb_tax_bp(loc.id, pa.tax_class)
      FROM work_order_parts_used u JOIN parts pa ON pa.id = u.part_id
     WHERE u.work_order_id = p_order
    UNION ALL
    SELECT 3, ql.position, ql.id::text, ql.kind, ql.description, ql.service_type_id, NULL, NULL, ql.id,
           ql.quantity, ql.unit_price_amount, ql.currency, ql.tax_name, ql.tax_bp
      FROM quote_lines ql JOIN quote_line_decisions d ON d.quote_line_id = ql.id AND d.decision = 'approved'
     WHERE ql.kind IN ('fee', 'discount')
       AND ql.quote_version_id = (SELECT v.id FROM quote_versions v
                                   WHERE v.work_order_id = p_order AND v.status = 'decided'
                                   ORDER BY v.number DESC LIMIT 1)) x;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(lines) e WHERE e ->> 'kind' = 'labor') AND rate.id IS NULL THEN
    RAISE EXCEPTION 'The location has no active labor rate' USING COLUMN = 'labor_rate';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(lines) e WHERE e ->> 'currency' <> loc.currency) THEN
    RAISE EXCEPTION 'Every price must be in the location''s currency %', loc.currency USING COLUMN = 'currency';
  END IF;
  RETURN (SELECT coalesce(jsonb_agg(e || jsonb_build_object('net_amount', n.net, 'tax_amount', n.tax,
                                                            'gross_amount', n.net + n.tax)
                                    ORDER BY o), '[]')
            FROM jsonb_array_elements(lines) WITH ORDINALITY AS a(e, o)
           CROSS JOIN LATERAL (SELECT vb_line_net((e ->> 'quantity')::numeric, (e ->> 'unit_price_amount')::bigint) AS net) m
           CROSS JOIN LATERAL (SELECT m.net, vb_line_tax(m.net, (e ->> 'tax_bp')::integer) AS tax) n);
END $$;

-- The draft invoice as the API shows it before issuing.
CREATE FUNCTION vb_invoice_preview_json (p_order uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  lines     jsonb := vb_invoice_draft_lines(p_order);
  cur       text := (SELECT l.currency FROM work_orders w JOIN locations l ON l.id = w.location_id WHERE w.id = p_order);
  net       bigint := (SELECT coalesce(sum((e ->> 'net_amount')::bigint), 0) FROM jsonb_array_elements(lines) e);
  tax       bigint := (SELECT coalesce(sum((e ->> 'tax_amount')::bigint), 0) FROM jsonb_array_elements(lines) e);
  approved  bigint := vb_quote_approved_total(p_order);
BEGIN
  RETURN jsonb_build_object(
    'work_order_id', p_order, 'currency', cur,
    'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'position', o, 'kind', e ->> 'kind', 'description', e ->> 'description',
                'service_type_id', e -> 'service_type_id', 'task_id', e -> 'task_id', 'part_id', e -> 'part_id',
                'quote_line_id', e -> 'quote_line_id', 'quantity', trim_scale((e ->> 'quantity')::numeric),
                'unit_price', vb_billing_money((e ->> 'unit_price_amount')::bigint, cur),
                'tax_name', e -> 'tax_name', 'tax_bp', (e ->> 'tax_bp')::integer,
                'net', vb_billing_money((e ->> 'net_amount')::bigint, cur),
                'tax', vb_billing_money((e ->> 'tax_amount')::bigint, cur),
                'gross', vb_billing_money((e ->> 'gross_amount')::bigint, cur)) ORDER BY o), '[]')
                FROM jsonb_array_elements(lines) WITH ORDINALITY AS a(e, o)),
    'subtotal', vb_billing_money(net, cur), 'tax', vb_billing_money(tax, cur),
    'total', vb_billing_money(net + tax, cur), 'approved_total', vb_billing_money(approved, cur),
    'within_approval', net + tax <= approved,
    'clock_running', EXISTS (SELECT 1 FROM time_entries WHERE work_order_id = p_order AND ended_at IS NULL),
    'invoice_id', (SELECT i.id FROM invoices i WHERE i.work_order_id = p_order AND i.kind = 'invoice'
                      AND i.status <> 'void'));
END $$;

-- Issues the invoice of a work order (vb_invoice_draft_lines).  Refused
-- (VB409) with a clock running, with a live invoice already, with nothing
-- to invoice, and when the total is more than the customer approved
-- (field 'approval').
CREATE FUNCTION vb_invoice_issue (p_order uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  wo        work_orders;
  loc       locations;
  lines     jsonb;
  l         jsonb;
  approved  bigint;
  net       bigint;
  tax       bigint;
  inv_id    uuid;
  pos       integer := 0;
BEGIN
  SELECT * INTO wo FROM work_orders WHERE id = p_order FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
  END IF;
  IF EXISTS (SELECT 1 FROM invoices WHERE work_order_id = p_order AND kind = 'invoice' AND status <> 'void') THEN
    PERFORM vb_state_error('The work order has an invoice already (void it to issue another)', 'work_order_id');
  END IF;
  IF EXISTS (SELECT 1 FROM time_entries WHERE work_order_id = p_order AND ended_at IS NULL) THEN
    PERFORM vb_state_error('A clock is still running on this work order', 'time_entries');
  END IF;
  SELECT * INTO loc FROM locations WHERE id = wo.location_id;
  lines := vb_invoice_draft_lines(p_order);
  IF jsonb_array_length(lines) = 0 THEN
    PERFORM vb_state_error('Nothing to invoice: no clocked labor, parts used or approved fees', 'lines');
  END IF;
  SELECT sum((e ->> 'net_amount')::bigint), sum((e ->> 'tax_amount')::bigint) INTO net, tax
    FROM jsonb_array_elements(lines) e;
  IF net + tax < 0 THEN
    PERFORM vb_state_error('The discounts are more than the work: an invoice is never negative', 'lines');
  END IF;
  approved := vb_quote_approved_total(p_order);
  IF net + tax > approved THEN
    RAISE EXCEPTION 'The work done (% %) is more than the customer approved (% %): have a new quote version approved first',
      net + tax, loc.currency, approved, loc.currency
      USING ERRCODE = 'VB409', COLUMN = 'approval';
  END IF;
  INSERT INTO invoices (location_id, work_order_id, customer_id, kind, number, year, seq, currency,
                        subtotal_amount, tax_amount, total_amount)
  VALUES (wo.location_id, wo.id, wo.customer_id, 'invoice', '', 0, 1, loc.currency, net, tax, net + tax)
  RETURNING id INTO inv_id;
  FOR l IN SELECT * FROM jsonb_array_elements(lines) LOOP
    pos := pos + 1;
    INSERT INTO invoice_lines (invoice_id, location_id, position, kind, description, service_type_id, task_id,
                               part_id, quote_line_id, quantity, unit_price_amount, currency, tax_name, tax_bp,
                               net_amount, tax_amount, gross_amount)
    VALUES (inv_id, wo.location_id, pos, l ->> 'kind', l ->> 'description', (l ->> 'service_type_id')::uuid,
            (l ->> 'task_id')::uuid, (l ->> 'part_id')::uuid, (l ->> 'quote_line_id')::uuid,
            (l ->> 'quantity')::numeric, (l ->> 'unit_price_amount')::bigint, loc.currency, l ->> 'tax_name',
            (l ->> 'tax_bp')::integer, 0, 0, 0);
  END LOOP;
  RETURN inv_id;
END $$;

-- A credit note for some or all of an invoice's lines.  p_lines: NULL for
-- everything not credited yet, else [{"invoice_line_id", "quantity"?}]
-- (quantity defaults to what is left of the line).
CREATE FUNCTION vb_credit_note_issue (p_invoice uuid, p_lines jsonb, p_reason text) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
  inv     invoices;
  chosen  jsonb := '[]';
  e       jsonb;
  r       record;
  i       integer := 0;
  q       numeric;
  net     bigint := 0;
  tax     bigint := 0;
  n       bigint;
  cn_id   uuid;
  pos     integer := 0;
BEGIN
  SELECT * INTO inv FROM invoices WHERE id = p_invoice FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such invoice' USING COLUMN = 'invoice_id';
  END IF;
  IF inv.kind <> 'invoice' THEN
    PERFORM vb_state_error('Credit notes are issued for invoices', 'kind');
  END IF;
  IF coalesce(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION 'A reason is required' USING COLUMN = 'reason';
  END IF;
  IF p_lines IS NULL THEN
    FOR r IN SELECT l.*, l.quantity - coalesce((SELECT sum(c.quantity) FROM invoice_lines c
                                                  WHERE c.credit_for_line_id = l.id), 0) AS left_q
               FROM invoice_lines l WHERE l.invoice_id = p_invoice ORDER BY l.position LOOP
      IF r.left_q > 0 THEN
        chosen := chosen || jsonb_build_array(jsonb_build_object('id', r.id, 'quantity', r.left_q));
      END IF;
    END LOOP;
  ELSE
    FOR e IN SELECT * FROM jsonb_array_elements(p_lines) LOOP
      SELECT l.*, l.quantity - coalesce((SELECT sum(c.quantity) FROM invoice_lines c
                                          WHERE c.credit_for_line_id = l.id), 0) AS left_q INTO r
        FROM invoice_lines l WHERE l.invoice_id = p_invoice AND l.id::text = e ->> 'invoice_line_id';
      IF NOT FOUND THEN
        RAISE EXCEPTION 'No such line on this invoice' USING COLUMN = format('lines[%s].invoice_line_id', i);
      END IF;
      IF chosen @> jsonb_build_array(jsonb_build_object('id', r.id)) THEN
        RAISE EXCEPTION 'A line is credited once per credit note' USING COLUMN = format('lines[%s].invoice_line_id', i);
      END IF;
      q := coalesce((e ->> 'quantity')::numeric, r.left_q);
      IF q <= 0 OR q > r.left_q THEN
        PERFORM vb_state_error(format('Only %s of this line is left to credit', r.left_q), format('lines[%s].quantity', i));
      END IF;
      chosen := chosen || jsonb_build_array(jsonb_build_object('id', r.id, 'quantity', q));
      i := i + 1;
    END LOOP;
  END IF;
  IF jsonb_array_length(chosen) = 0 THEN
    PERFORM vb_state_error('Everything on this invoice is credited already', 'lines');
  END IF;
  FOR e IN SELECT * FROM jsonb_array_elements(chosen) LOOP
    SELECT * INTO r FROM invoice_lines WHERE id = (e ->> 'id')::uuid;
    n := vb_line_net((e ->> 'quantity')::numeric, r.unit_price_amount);
    net := net + n;
    tax := tax + vb_line_tax(n, r.tax_bp);
  END LOOP;
  INSERT INTO invoices (location_id, work_order_id, customer_id, kind, credit_for_invoice_id, number, year, seq,
                        currency, subtotal_amount, tax_amount, total_amount, notes)
  VALUES (inv.location_id, inv.work_order_id, inv.customer_id, 'credit_note', inv.id, '', 0, 1, inv.currency,
          net, tax, net + tax, btrim(p_reason))
  RETURNING id INTO cn_id;
  FOR e IN SELECT * FROM jsonb_array_elements(chosen) LOOP
    SELECT * INTO r FROM invoice_lines WHERE id = (e ->> 'id')::uuid;
    pos := pos + 1;
    INSERT INTO invoice_lines (invoice_id, location_id, position, kind, description, service_type_id, task_id,
                               part_id, quote_line_id, credit_for_line_id, quantity, unit_price_amount, currency,
                               tax_name, tax_bp, net_amount, tax_amount, gross_amount)
    VALUES (cn_id, inv.location_id, pos, r.kind, r.description, r.service_type_id, r.task_id, r.part_id,
            r.quote_line_id, r.id, (e ->> 'quantity')::numeric, r.unit_price_amount, r.currency,
            r.tax_name, r.tax_bp, 0, 0, 0);
  END LOOP;
  RETURN cn_id;
END $$;

-- Voiding: an unpaid invoice becomes void and everything not credited yet
-- is credited by a credit note (returned; NULL when nothing was left).
CREATE FUNCTION vb_invoice_void (p_invoice uuid, p_reason text) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  inv  invoices;
BEGIN
  SELECT * INTO inv FROM invoices WHERE id = p_invoice FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such invoice' USING COLUMN = 'invoice_id';
  END IF;
  IF inv.kind <> 'invoice' THEN
    PERFORM vb_state_error('Credit notes are not voided', 'kind');
  END IF;
  IF inv.status = 'void' THEN
    PERFORM vb_state_error('The invoice is void already', 'status');
  END IF;
  UPDATE invoices SET status = 'void', void_reason = btrim(p_reason) WHERE id = p_invoice;
  IF EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = p_invoice
                AND l.quantity > coalesce((SELECT sum(c.quantity) FROM invoice_lines c
                                            WHERE c.credit_for_line_id = l.id), 0)) THEN
    RETURN vb_credit_note_issue(p_invoice, NULL, p_reason);
  END IF;
  RETURN NULL;
END $$;

-- ---------------------------------------------------------- as JSON ---
-- The API's shapes, built here once (the handlers and the document data
-- read the same): money as {"amount", "currency"}, times RFC 3339 UTC.

CREATE FUNCTION vb_billing_money (p_amount bigint, p_currency text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('amount', p_amount, 'currency', p_currency)
$$;

CREATE FUNCTION vb_billing_ts (p_at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION vb_quote_version_json (p_version uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', v.id, 'quote_id', v.quote_id, 'work_order_id', v.work_order_id, 'location_id', v.location_id,
    'number', v.number, 'status', v.status, 'notes', v.notes, 'created_by', v.created_by,
    'sent_at', vb_billing_ts(v.sent_at), 'decided_at', vb_billing_ts(v.decided_at),
    'work_order_status', (SELECT w.status FROM work_orders w WHERE w.id = v.work_order_id),
    'current', NOT EXISTS (SELECT 1 FROM quote_versions n WHERE n.quote_id = v.quote_id AND n.number > v.number),
    'subtotal', vb_billing_money(t.net, q.currency), 'tax', vb_billing_money(t.tax, q.currency),
    'total', vb_billing_money(t.net + t.tax, q.currency),
    'approved_total', vb_billing_money(t.approved, q.currency),
    'declined_total', vb_billing_money(t.declined, q.currency),
    'lines', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
        'id', l.id, 'position', l.position, 'kind', l.kind, 'description', l.description,
        'service_type_id', l.service_type_id, 'task_id', l.task_id, 'part_id', l.part_id,
        'quantity', trim_scale(l.quantity), 'unit_price', vb_billing_money(l.unit_price_amount, l.currency),
        'tax_name', l.tax_name, 'tax_bp', l.tax_bp,
        'net', vb_billing_money(l.net_amount, l.currency), 'tax', vb_billing_money(l.tax_amount, l.currency),
        'gross', vb_billing_money(l.gross_amount, l.currency),
        'decision', (SELECT jsonb_build_object(
                       'id', d.id, 'decision', d.decision, 'channel', d.channel,
                       'signature_attachment_id', d.signature_attachment_id, 'phone_number', d.phone_number,
                       'email_reply', d.email_reply, 'email_message_id', d.email_message_id, 'notes', d.notes,
                       'recorded_by', d.recorded_by, 'recorded_by_name', u.display_name,
                       'decided_at', vb_billing_ts(d.decided_at))
                       FROM quote_line_decisions d LEFT JOIN users u ON u.id = d.recorded_by
                      WHERE d.quote_line_id = l.id))
        ORDER BY l.position)
        FROM quote_lines l WHERE l.quote_version_id = v.id), '[]'::jsonb),
    'version', v.version, 'created_at', vb_billing_ts(v.created_at), 'updated_at', vb_billing_ts(v.updated_at))
  FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(l.net_amount), 0)::bigint AS net, coalesce(sum(l.tax_amount), 0)::bigint AS tax,
           coalesce(sum(l.gross_amount) FILTER (WHERE d.decision = 'approved'), 0)::bigint AS approved,
           coalesce(sum(l.gross_amount) FILTER (WHERE d.decision = 'declined'), 0)::bigint AS declined
      FROM quote_lines l LEFT JOIN quote_line_decisions d ON d.quote_line_id = l.id
     WHERE l.quote_version_id = v.id) t
  WHERE v.id = p_version
$$;

CREATE FUNCTION vb_quote_json (p_quote uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', q.id, 'work_order_id', q.work_order_id, 'work_order_number', w.number,
    'location_id', q.location_id, 'customer_id', q.customer_id, 'vehicle_id', w.vehicle_id,
    'currency', q.currency, 'work_order_status', w.status,
    'approved_total', vb_billing_money(vb_quote_approved_total(q.work_order_id), q.currency),
    'versions', coalesce((SELECT jsonb_agg(vb_quote_version_json(v.id) ORDER BY v.number)
                            FROM quote_versions v WHERE v.quote_id = q.id), '[]'::jsonb),
    'version', q.version, 'created_at', vb_billing_ts(q.created_at), 'updated_at', vb_billing_ts(q.updated_at))
  FROM quotes q JOIN work_orders w ON w.id = q.work_order_id
  WHERE q.id = p_quote
$$;

CREATE FUNCTION vb_invoice_json (p_invoice uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', i.id, 'kind', i.kind, 'number', i.number, 'year', i.year, 'seq', i.seq, 'status', i.status,
    'location_id', i.location_id, 'work_order_id', i.work_order_id, 'work_order_number', w.number,
    'customer_id', i.customer_id, 'customer_name', c.display_name,
    'vehicle_id', w.vehicle_id, 'credit_for_invoice_id', i.credit_for_invoice_id,
    'credit_for_number', (SELECT o.number FROM invoices o WHERE o.id = i.credit_for_invoice_id),
    'currency', i.currency,
    'subtotal', vb_billing_money(i.subtotal_amount, i.currency), 'tax', vb_billing_money(i.tax_amount, i.currency),
    'total', vb_billing_money(i.total_amount, i.currency), 'paid', vb_billing_money(i.paid_amount, i.currency),
    'credited', vb_billing_money(coalesce((SELECT sum(cn.total_amount) FROM invoices cn
                                           WHERE cn.credit_for_invoice_id = i.id), 0)::bigint, i.currency),
    'credit_notes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', cn.id, 'number', cn.number,
                                                                  'total', vb_billing_money(cn.total_amount, cn.currency))
                                               ORDER BY cn.seq)
                                FROM invoices cn WHERE cn.credit_for_invoice_id = i.id), '[]'::jsonb),
    'taxes', coalesce((SELECT jsonb_agg(jsonb_build_object('tax_name', x.tax_name, 'tax_bp', x.tax_bp,
                                                           'net', vb_billing_money(x.net, i.currency),
                                                           'tax', vb_billing_money(x.tax, i.currency))
                                        ORDER BY x.tax_name NULLS FIRST, x.tax_bp)
                         FROM (SELECT l.tax_name, l.tax_bp, sum(l.net_amount)::bigint AS net,
                                      sum(l.tax_amount)::bigint AS tax
                                 FROM invoice_lines l WHERE l.invoice_id = i.id
                                GROUP BY l.tax_name, l.tax_bp) x), '[]'::jsonb),
    'notes', i.notes, 'issued_at', vb_billing_ts(i.issued_at), 'issued_by', i.issued_by,
    'voided_at', vb_billing_ts(i.voided_at), 'voided_by', i.voided_by, 'void_reason', i.void_reason,
    'lines', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
        'id', l.id, 'position', l.position, 'kind', l.kind, 'description', l.description,
        'service_type_id', l.service_type_id, 'task_id', l.task_id, 'part_id', l.part_id,
        'quote_line_id', l.quote_line_id, 'credit_for_line_id', l.credit_for_line_id,
        'quantity', trim_scale(l.quantity), 'unit_price', vb_billing_money(l.unit_price_amount, l.currency),
        'tax_name', l.tax_name, 'tax_bp', l.tax_bp,
        'net', vb_billing_money(l.net_amount, l.currency), 'tax', vb_billing_money(l.tax_amount, l.currency),
        'gross', vb_billing_money(l.gross_amount, l.currency))
        ORDER BY l.position)
        FROM invoice_lines l WHERE l.invoice_id = i.id), '[]'::jsonb),
    'version', i.version, 'created_at', vb_billing_ts(i.created_at), 'updated_at', vb_billing_ts(i.updated_at))
  FROM invoices i
  JOIN customers c ON c.id = i.customer_id
  LEFT JOIN work_orders w ON w.id = i.work_order_id
  WHERE i.id = p_invoice
$$;

-- ------------------------------------------------------------ history ---

-- What a visit cost: its invoices and credit notes; invoiced = invoices −
-- credit notes (a void invoice and its credit notes cancel out); NULL
-- without any.
CREATE FUNCTION vb_work_order_billing_json (p_order uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN count(i.id) > 0 THEN jsonb_build_object(
    'invoiced', vb_billing_money(sum(CASE WHEN i.kind = 'invoice' THEN i.total_amount ELSE -i.total_amount END)::bigint,
                                 min(i.currency)),
    'paid', vb_billing_money(coalesce(sum(i.paid_amount) FILTER (WHERE i.kind = 'invoice'), 0)::bigint, min(i.currency)),
    'documents', jsonb_agg(jsonb_build_object('id', i.id, 'kind', i.kind, 'number', i.number, 'status', i.status,
                                              'total', vb_billing_money(i.total_amount, i.currency),
                                              'issued_at', vb_billing_ts(i.issued_at))
                           ORDER BY i.issued_at, i.kind, i.seq)) END
    FROM invoices i WHERE i.work_order_id = p_order
$$;

-- Maintenance history with costs (C6): the visits (work orders, not
-- cancelled) of a vehicle or of a customer (over all their vehicles) that
-- p_user may see (work_orders.read), newest first, with services, clocked
-- labor, the catalog price of the services done and — with billing.read at
-- the visit's location — what was invoiced and paid; totals per currency.
CREATE FUNCTION vb_visit_history_json (p_user uuid, p_vehicle uuid, p_customer uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  WITH wo AS (
    SELECT w.id, w.number, w.location_id, l.code AS location_code, w.status, w.checked_in_at,
           w.collected_at, w.odometer_km, w.software_version_in, w.software_version_out,
           w.vehicle_id,
           (SELECT jsonb_build_object('id', v.id, 'plate', v.plate, 'make', v.make, 'model', v.model)
              FROM vehicles v WHERE v.id = w.vehicle_id) AS vehicle,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('title', t.title, 'service_code', st.code,
                     'status', t.status, 'estimated_tenths', t.estimated_tenths,
                     'price_amount', st.price_amount, 'price_currency', st.price_currency)
                     ORDER BY t.position, t.id), '[]')
              FROM work_order_tasks t LEFT JOIN service_types st ON st.id = t.service_type_id
             WHERE t.work_order_id = w.id) AS tasks,
           (SELECT coalesce(sum(e.tenths), 0) FROM time_entries e
             WHERE e.work_order_id = w.id AND e.kind = 'productive') AS clocked_tenths,
           CASE WHEN vb_has_permission(p_user, 'billing.read', w.location_id)
                THEN vb_work_order_billing_json(w.id) END AS billing
      FROM work_orders w JOIN locations l ON l.id = w.location_id
     WHERE (p_vehicle IS NULL OR w.vehicle_id = p_vehicle)
       AND (p_customer IS NULL OR w.customer_id = p_customer)
       AND w.status <> 'cancelled'
       AND vb_has_permission(p_user, 'work_orders.read', w.location_id)),
  done AS (
    SELECT st.price_currency AS currency, sum(st.price_amount) AS amount
      FROM wo JOIN work_order_tasks t ON t.work_order_id = wo.id AND t.status = 'done'
      JOIN service_types st ON st.id = t.service_type_id GROUP BY st.price_currency),
  billed AS (
    SELECT wo.billing -> 'invoiced' ->> 'currency' AS currency,
           sum((wo.billing -> 'invoiced' ->> 'amount')::bigint) AS invoiced,
           sum((wo.billing -> 'paid' ->> 'amount')::bigint) AS paid
      FROM wo WHERE wo.billing IS NOT NULL GROUP BY 1)
  SELECT jsonb_build_object(
    'items', (SELECT coalesce(jsonb_agg(to_jsonb(wo) ORDER BY wo.checked_in_at DESC, wo.id), '[]') FROM wo),
    'totals', jsonb_build_object(
      'visits', (SELECT count(*) FROM wo),
      'clocked_tenths', (SELECT coalesce(sum(clocked_tenths), 0) FROM wo),
      'services_list_price', (SELECT coalesce(jsonb_agg(vb_billing_money(amount::bigint, currency) ORDER BY currency), '[]')
                                FROM done),
      'invoiced', (SELECT coalesce(jsonb_agg(vb_billing_money(invoiced::bigint, currency) ORDER BY currency), '[]')
                     FROM billed),
      'paid', (SELECT coalesce(jsonb_agg(vb_billing_money(paid::bigint, currency) ORDER BY currency), '[]')
                 FROM billed)))
$$;

-- ---------------------------------------------------------------- GDPR ---

-- Erasing a customer (customers.erased_at set) scrubs what they said in
-- their approvals: the number called, the e-mail reply and its id, notes.
-- Decisions are append-only; only an erasure rewrites them.  Their old
-- change-feed rows lose their JSON first, as for the customer.
CREATE FUNCTION vb_billing_erase_customer () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was  text := coalesce(current_setting('voltbay.gdpr_erase', true), '');
BEGIN
  UPDATE change_log SET row = NULL
   WHERE entity = 'quote_line_decisions'
     AND entity_id IN (SELECT d.id::text FROM quote_line_decisions d
                         JOIN work_orders w ON w.id = d.work_order_id WHERE w.customer_id = NEW.id);
  PERFORM set_config('voltbay.gdpr_erase', 'on', true);
  UPDATE quote_line_decisions d
     SET phone_number = CASE WHEN d.phone_number IS NOT NULL THEN '[erased]' END,
         email_reply = CASE WHEN d.email_reply IS NOT NULL THEN '[erased]' END,
         email_message_id = CASE WHEN d.email_message_id IS NOT NULL THEN '[erased]' END,
         notes = '', version = d.version + 1
    FROM work_orders w
   WHERE w.id = d.work_order_id AND w.customer_id = NEW.id
     AND (d.phone_number IS NOT NULL OR d.email_reply IS NOT NULL OR d.email_message_id IS NOT NULL
          OR d.notes <> '');
  PERFORM set_config('voltbay.gdpr_erase', was, true);
  RETURN NULL;
END $$;

CREATE TRIGGER customers_billing_erase AFTER UPDATE OF erased_at ON customers
  FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
  EXECUTE FUNCTION vb_billing_erase_customer();

CREATE TRIGGER quote_versions_check BEFORE INSERT OR UPDATE ON quote_versions
  FOR EACH ROW EXECUTE FUNCTION vb_quote_version_check();
CREATE TRIGGER quote_versions_supersede AFTER INSERT ON quote_versions
  FOR EACH ROW EXECUTE FUNCTION vb_quote_version_supersede();
CREATE TRIGGER quote_lines_check BEFORE INSERT OR UPDATE ON quote_lines
  FOR EACH ROW EXECUTE FUNCTION vb_quote_line_check();
CREATE TRIGGER quote_lines_delete BEFORE DELETE ON quote_lines
  FOR EACH ROW EXECUTE FUNCTION vb_quote_line_delete();
CREATE TRIGGER quote_line_decisions_check BEFORE INSERT ON quote_line_decisions
  FOR EACH ROW EXECUTE FUNCTION vb_quote_decision_check();
CREATE TRIGGER quote_line_decisions_apply AFTER INSERT ON quote_line_decisions
  FOR EACH ROW EXECUTE FUNCTION vb_quote_decision_apply();
CREATE TRIGGER quote_line_decisions_append_only BEFORE UPDATE OR DELETE ON quote_line_decisions
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER invoices_number BEFORE INSERT ON invoices
  FOR EACH ROW EXECUTE FUNCTION vb_invoice_number();
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION vb_invoice_immutable();
CREATE CONSTRAINT TRIGGER invoices_totals AFTER INSERT ON invoices
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vb_invoice_totals_check();
CREATE CONSTRAINT TRIGGER invoice_lines_totals AFTER INSERT ON invoice_lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION vb_invoice_totals_check();
CREATE TRIGGER invoice_lines_check BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION vb_invoice_line_check();

CREATE TRIGGER quotes_touch BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER quote_versions_touch BEFORE UPDATE ON quote_versions FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER deferred_work_touch BEFORE UPDATE ON deferred_work FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION vb_touch();

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['quotes', 'quote_versions', 'quote_lines', 'quote_line_decisions', 'deferred_work',
                           'invoices', 'invoice_lines'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_audit_row(%L, %L)', t || '_audit', t, '', '');
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_change_row(%L, %L, %L)',
                   t || '_change', t, 'billing.read', 'location_id', '');
  END LOOP;
END $$;

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('billing.read',   'See quotes, approvals, deferred work, invoices and credit notes'),
  ('billing.manage', 'Write quotes, record approvals, issue and void invoices, issue credit notes');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['billing.read', 'billing.manage']) p
   WHERE r.name IN ('admin', 'manager', 'reception');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'billing.read' FROM roles r WHERE r.name = 'technician';
