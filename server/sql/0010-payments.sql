-- 0010 — payments (C5; docs/api-payments.md).
--
-- A payment is one attempt to take money for an invoice, or for a work
-- order before its invoice exists (a deposit): cash, card and e-wallet
-- (through the payment gateway), bank transfer.  What money really moved
-- is the append-only payment_ledger; invoices.paid_amount and the
-- issued / partially_paid / paid part of invoices.status are kept equal to
-- it by the triggers here, whoever writes (the API, a webhook, a sync push):
--   * a ledger row of kind 'payment' appears when a payment succeeds
--     (cash at once; card when the gateway says so; bank transfer and
--     e-wallet when a webhook or a member of staff confirms it);
--   * a refund (payment_refunds) writes negative ledger rows, taken first
--     from what is still an unapplied deposit, then from the invoice;
--   * a deposit (ledger rows with invoice_id NULL) moves to the work
--     order's invoice when that is issued, as a pair of 'deposit_applied'
--     rows (minus on the deposit, plus on the invoice), up to what the
--     invoice still owes; the rest stays a deposit (refundable);
--   * nothing may take an invoice above its total: a new payment is
--     checked against what is owed minus payments still pending (a QR
--     waiting to be paid, a card waiting for 3-D Secure), and the ledger
--     trigger refuses the rest (VB409 naming amount → 409).
-- A void invoice stays void: it takes no payments, refunds still apply.
-- Idempotency keys and gateway events are bookkeeping for exactly-once
-- handling of retries and webhooks.
-- Custom SQLSTATEs: VB409 → 409 (state), P0001 → 422.

-- ------------------------------------------------------------- payments ---

CREATE TABLE payments (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id        uuid NOT NULL REFERENCES locations,
  invoice_id         uuid,                 -- REFERENCES invoices (constraint below)
  work_order_id      uuid REFERENCES work_orders,
  customer_id        uuid NOT NULL REFERENCES customers,
  method             text NOT NULL CHECK (method IN ('cash', 'card', 'e_wallet', 'bank_transfer')),
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'requires_action', 'authorized', 'succeeded',
                                       'failed', 'cancelled')),
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tendered_amount    bigint CHECK (tendered_amount > 0),     -- cash handed over
  refunded_amount    bigint NOT NULL DEFAULT 0,
  -- What a payer writes on a bank transfer / what the QR carries (62/01).
  reference          text NOT NULL UNIQUE CHECK (reference ~ '^[A-Z0-9-]{4,25}$'),
  gateway            text CHECK (gateway IN ('stripe')),
  gateway_intent_id  text UNIQUE CHECK (length(gateway_intent_id) <= 255),
  gateway_status     text CHECK (length(gateway_status) <= 64),
  -- Only what the gateway tells us about a card: never its number.
  card_brand         text CHECK (length(card_brand) <= 32),
  card_last4         text CHECK (card_last4 ~ '^[0-9]{4}$'),
  wallet             text CHECK (length(wallet) <= 64),
  failure_code       text CHECK (length(failure_code) <= 100),
  failure_message    text CHECK (length(failure_message) <= 1000),
  note               text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  confirmed_by       uuid REFERENCES users,
  confirmed_at       timestamptz,
  created_by         uuid REFERENCES users,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (invoice_id IS NOT NULL OR work_order_id IS NOT NULL),
  CHECK (refunded_amount BETWEEN 0 AND amount),
  CHECK (tendered_amount IS NULL OR (method = 'cash' AND tendered_amount >= amount)),
  CHECK (method IN ('card', 'e_wallet') OR gateway IS NULL)
);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX payments_work_order ON payments (work_order_id);
CREATE INDEX payments_location_created ON payments (location_id, created_at DESC, id DESC);
CREATE INDEX payments_open ON payments (invoice_id) WHERE status IN ('pending', 'requires_action', 'authorized');

CREATE TABLE payment_refunds (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  payment_id         uuid NOT NULL REFERENCES payments,
  location_id        uuid NOT NULL REFERENCES locations,
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL,
  reason             text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
  gateway_refund_id  text UNIQUE CHECK (length(gateway_refund_id) <= 255),
  gateway_status     text CHECK (length(gateway_status) <= 64),
  created_by         uuid REFERENCES users,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id);

-- The ledger: signed amounts; a row is on an invoice (invoice_id) or on a
-- work order's deposit (invoice_id NULL).  Sum per invoice = paid_amount.
CREATE TABLE payment_ledger (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id    uuid NOT NULL REFERENCES locations,
  payment_id     uuid NOT NULL REFERENCES payments,
  refund_id      uuid REFERENCES payment_refunds,
  invoice_id     uuid,                     -- REFERENCES invoices (below)
  work_order_id  uuid REFERENCES work_orders,
  customer_id    uuid NOT NULL REFERENCES customers,
  kind           text NOT NULL CHECK (kind IN ('payment', 'refund', 'deposit_applied')),
  amount         bigint NOT NULL CHECK (amount <> 0),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_by     uuid REFERENCES users,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (invoice_id IS NOT NULL OR work_order_id IS NOT NULL),
  CHECK ((kind = 'refund') = (refund_id IS NOT NULL)),
  CHECK (kind <> 'payment' OR amount > 0),
  CHECK (kind <> 'refund' OR amount < 0)
);
CREATE INDEX payment_ledger_invoice ON payment_ledger (invoice_id);
CREATE INDEX payment_ledger_deposits ON payment_ledger (work_order_id) WHERE invoice_id IS NULL;
CREATE INDEX payment_ledger_payment ON payment_ledger (payment_id);

-- Idempotency-Key: one row per key, held while the first request runs (a
-- session advisory lock on the key serializes retries), then the reply it
-- gave.  Bookkeeping: not audited, not in the feed.
CREATE TABLE payment_idempotency_keys (
  key           text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
  user_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  method        text NOT NULL,
  path          text NOT NULL,
  body_sha256   text NOT NULL,
  payment_id    uuid,
  refund_id     uuid,
  status        integer,
  response      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz
);

-- Every gateway event handled, once (webhook replays change nothing).
CREATE TABLE payment_gateway_events (
  id           text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
  gateway      text NOT NULL,
  type         text NOT NULL,
  object_id    text,
  payment_id   uuid REFERENCES payments,
  location_id  uuid REFERENCES locations,
  outcome      text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 1,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- ------------------------------------------------------------ the rules ---

-- What an invoice still owes, less payments already under way.
CREATE FUNCTION vb_invoice_open_amount (p_invoice uuid, p_except uuid) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT i.total_amount - i.paid_amount
                 - coalesce((SELECT sum(p.amount) FROM payments p
                              WHERE p.invoice_id = i.id AND p.id IS DISTINCT FROM p_except
                                AND p.status IN ('pending', 'requires_action', 'authorized')), 0)
            FROM invoices i WHERE i.id = p_invoice);
END $$;

CREATE FUNCTION vb_payment_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv      record;
  wo       record;
  open_amt bigint;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF (NEW.location_id, NEW.invoice_id, NEW.work_order_id, NEW.customer_id, NEW.method, NEW.amount,
        NEW.currency, NEW.reference, NEW.created_by, NEW.created_at)
       IS DISTINCT FROM
       (OLD.location_id, OLD.invoice_id, OLD.work_order_id, OLD.customer_id, OLD.method, OLD.amount,
        OLD.currency, OLD.reference, OLD.created_by, OLD.created_at) THEN
      PERFORM vb_state_error('A payment''s amount, method and what it pays do not change', 'amount');
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status IN ('succeeded', 'failed', 'cancelled') THEN
      PERFORM vb_state_error(format('The payment is %s', OLD.status), 'status');
    END IF;
    IF NEW.gateway_intent_id IS DISTINCT FROM OLD.gateway_intent_id AND OLD.gateway_intent_id IS NOT NULL THEN
      PERFORM vb_state_error('The payment already has a gateway intent', 'gateway_intent_id');
    END IF;
    IF NEW.status = 'succeeded' AND OLD.status <> 'succeeded' THEN
      NEW.confirmed_at := coalesce(NEW.confirmed_at, now());
    END IF;
    RETURN NEW;
  END IF;

  NEW.created_by := coalesce(NEW.created_by, vb_actor());
  NEW.reference := coalesce(NEW.reference,
                            'VB' || upper(substr(replace(NEW.id::text, '-', ''), 1, 10)));
  IF NEW.invoice_id IS NOT NULL THEN
    -- Serializes payments on one invoice (the open amount is then exact).
    SELECT * INTO inv FROM invoices WHERE id = NEW.invoice_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such invoice' USING COLUMN = 'invoice_id';
    END IF;
    IF inv.kind <> 'invoice' THEN
      RAISE EXCEPTION 'A credit note is not paid: refund the payment instead' USING COLUMN = 'invoice_id';
    END IF;
    IF inv.status = 'void' THEN
      PERFORM vb_state_error('The invoice is void', 'invoice_id');
    END IF;
    IF NEW.work_order_id IS NOT NULL AND NEW.work_order_id IS DISTINCT FROM inv.work_order_id THEN
      RAISE EXCEPTION 'The invoice is not of this work order' USING COLUMN = 'work_order_id';
    END IF;
    NEW.location_id := inv.location_id;
    NEW.customer_id := inv.customer_id;
    NEW.work_order_id := inv.work_order_id;
    IF NEW.currency IS NULL THEN
      NEW.currency := inv.currency;
    ELSIF NEW.currency <> inv.currency THEN
      RAISE EXCEPTION 'The invoice is in %', inv.currency USING COLUMN = 'currency';
    END IF;
    open_amt := vb_invoice_open_amount(inv.id, NEW.id);
    IF NEW.amount > open_amt THEN
      RAISE EXCEPTION 'The amount is more than the invoice still owes (% % open%)', greatest(open_amt, 0), inv.currency,
        CASE WHEN open_amt < inv.total_amount - inv.paid_amount THEN ', other payments are under way' ELSE '' END
        USING ERRCODE = 'VB409', COLUMN = 'amount';
    END IF;
  ELSE
    SELECT w.*, l.currency AS location_currency INTO wo
      FROM work_orders w JOIN locations l ON l.id = w.location_id
     WHERE w.id = NEW.work_order_id FOR UPDATE OF w;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
    END IF;
    IF wo.status = 'cancelled' THEN
      PERFORM vb_state_error('The work order is cancelled', 'work_order_id');
    END IF;
    IF EXISTS (SELECT 1 FROM invoices i WHERE i.work_order_id = wo.id AND i.kind = 'invoice'
                                          AND i.status <> 'void') THEN
      PERFORM vb_state_error('The work order is invoiced: pay the invoice', 'invoice_id');
    END IF;
    NEW.location_id := wo.location_id;
    NEW.customer_id := wo.customer_id;
    NEW.currency := coalesce(NEW.currency, wo.location_currency);
  END IF;
  RETURN NEW;
END $$;

-- Moves what deposits of a work order still hold onto its open invoices,
-- oldest deposit first, up to what each invoice owes.
CREATE FUNCTION vb_payments_apply_deposits (p_work_order uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  inv   record;
  dep   record;
  owed  bigint;
  take  bigint;
BEGIN
  IF p_work_order IS NULL THEN
    RETURN;
  END IF;
  FOR inv IN SELECT i.id, i.currency FROM invoices i
              WHERE i.work_order_id = p_work_order AND i.kind = 'invoice'
                AND i.status IN ('issued', 'partially_paid')
              ORDER BY i.issued_at, i.id FOR UPDATE
  LOOP
    FOR dep IN SELECT l.payment_id, l.customer_id, l.location_id, sum(l.amount) AS balance
                 FROM payment_ledger l
                WHERE l.work_order_id = p_work_order AND l.invoice_id IS NULL AND l.currency = inv.currency
                GROUP BY l.payment_id, l.customer_id, l.location_id
               HAVING sum(l.amount) > 0
                ORDER BY min(l.created_at), l.payment_id
    LOOP
      SELECT i.total_amount - i.paid_amount INTO owed FROM invoices i WHERE i.id = inv.id;
      EXIT WHEN owed <= 0;
      take := least(owed, dep.balance);
      INSERT INTO payment_ledger (location_id, payment_id, invoice_id, work_order_id, customer_id, kind,
                                  amount, currency, created_by)
      VALUES (dep.location_id, dep.payment_id, NULL, p_work_order, dep.customer_id, 'deposit_applied',
              -take, inv.currency, vb_actor()),
             (dep.location_id, dep.payment_id, inv.id, p_work_order, dep.customer_id, 'deposit_applied',
              take, inv.currency, vb_actor());
    END LOOP;
  END LOOP;
END $$;

-- A payment that succeeds enters the ledger (once: status never leaves succeeded).
CREATE FUNCTION vb_payment_succeeded () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'succeeded' AND (TG_OP = 'INSERT' OR OLD.status <> 'succeeded') THEN
    INSERT INTO payment_ledger (location_id, payment_id, invoice_id, work_order_id, customer_id, kind,
                                amount, currency, created_by)
    VALUES (NEW.location_id, NEW.id, NEW.invoice_id, NEW.work_order_id, NEW.customer_id, 'payment',
            NEW.amount, NEW.currency, coalesce(NEW.confirmed_by, vb_actor()));
    IF NEW.invoice_id IS NULL THEN
      -- A deposit confirmed after its invoice was issued goes onto it at once.
      PERFORM vb_payments_apply_deposits(NEW.work_order_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION vb_payment_refund_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p  payments;
BEGIN
  SELECT * INTO p FROM payments WHERE id = NEW.payment_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such payment' USING COLUMN = 'payment_id';
  END IF;
  IF p.status <> 'succeeded' THEN
    PERFORM vb_state_error(format('Only a succeeded payment is refunded (this one is %s)', p.status), 'status');
  END IF;
  IF NEW.amount > p.amount - p.refunded_amount THEN
    RAISE EXCEPTION 'The refund is more than the payment has left (% %)', p.amount - p.refunded_amount, p.currency
      USING ERRCODE = 'VB409', COLUMN = 'amount';
  END IF;
  NEW.location_id := p.location_id;
  NEW.currency := p.currency;
  NEW.created_by := coalesce(NEW.created_by, vb_actor());
  RETURN NEW;
END $$;

-- A refund leaves the unapplied deposit first, then the invoices the
-- payment went to (newest first).
CREATE FUNCTION vb_payment_refund_apply () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p     payments;
  remaining  bigint := NEW.amount;
  b     record;
  take  bigint;
BEGIN
  SELECT * INTO p FROM payments WHERE id = NEW.payment_id;
  FOR b IN SELECT l.invoice_id, sum(l.amount) AS balance, max(l.created_at) AS at
             FROM payment_ledger l WHERE l.payment_id = p.id
            GROUP BY l.invoice_id HAVING sum(l.amount) > 0
            ORDER BY (l.invoice_id IS NOT NULL), max(l.created_at) DESC
  LOOP
    EXIT WHEN remaining <= 0;
    take := least(remaining, b.balance);
    INSERT INTO payment_ledger (location_id, payment_id, refund_id, invoice_id, work_order_id, customer_id,
                                kind, amount, currency, created_by)
    VALUES (p.location_id, p.id, NEW.id, b.invoice_id, p.work_order_id, p.customer_id, 'refund',
            -take, p.currency, NEW.created_by);
    remaining := remaining - take;
  END LOOP;
  IF remaining > 0 THEN
    RAISE EXCEPTION 'The refund is more than the payment holds' USING ERRCODE = 'VB409', COLUMN = 'amount';
  END IF;
  UPDATE payments SET refunded_amount = refunded_amount + NEW.amount WHERE id = p.id;
  RETURN NULL;
END $$;

CREATE FUNCTION vb_payment_ledger_fill () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_by := coalesce(NEW.created_by, vb_actor());
  RETURN NEW;
END $$;

-- The invoice's paid_amount and status follow its ledger rows.
CREATE FUNCTION vb_payment_ledger_apply () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv      record;
  paid     bigint;
  balance  bigint;
BEGIN
  IF NEW.invoice_id IS NULL THEN
    SELECT coalesce(sum(amount), 0) INTO balance FROM payment_ledger
     WHERE payment_id = NEW.payment_id AND invoice_id IS NULL;
    IF balance < 0 THEN
      PERFORM vb_state_error('The deposit does not hold that much', 'amount');
    END IF;
    RETURN NULL;
  END IF;
  SELECT * INTO inv FROM invoices WHERE id = NEW.invoice_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such invoice' USING COLUMN = 'invoice_id';
  END IF;
  IF NEW.amount > 0 AND inv.status = 'void' THEN
    PERFORM vb_state_error('The invoice is void', 'invoice_id');
  END IF;
  SELECT coalesce(sum(amount), 0) INTO paid FROM payment_ledger WHERE invoice_id = inv.id;
  IF paid > inv.total_amount THEN
    RAISE EXCEPTION 'The amount is more than the invoice still owes (% % open)',
      greatest(inv.total_amount - inv.paid_amount, 0), inv.currency
      USING ERRCODE = 'VB409', COLUMN = 'amount';
  END IF;
  IF paid < 0 THEN
    PERFORM vb_state_error('The invoice would be paid less than nothing', 'amount');
  END IF;
  UPDATE invoices
     SET paid_amount = paid,
         status = CASE WHEN inv.status = 'void' THEN 'void'
                       WHEN paid = 0 THEN 'issued'
                       WHEN paid >= inv.total_amount THEN 'paid'
                       ELSE 'partially_paid' END
   WHERE id = inv.id;
  RETURN NULL;
END $$;

-- An issued invoice takes the work order's deposits (at commit, when its
-- totals are final whatever order its writer inserted things in).
CREATE FUNCTION vb_invoice_take_deposits () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'invoice' AND NEW.work_order_id IS NOT NULL THEN
    PERFORM vb_payments_apply_deposits(NEW.work_order_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER payments_check BEFORE INSERT OR UPDATE ON payments
  FOR EACH ROW EXECUTE FUNCTION vb_payment_check();
CREATE TRIGGER payments_succeeded AFTER INSERT OR UPDATE OF status ON payments
  FOR EACH ROW EXECUTE FUNCTION vb_payment_succeeded();
CREATE TRIGGER payment_refunds_check BEFORE INSERT ON payment_refunds
  FOR EACH ROW EXECUTE FUNCTION vb_payment_refund_check();
CREATE TRIGGER payment_refunds_apply AFTER INSERT ON payment_refunds
  FOR EACH ROW EXECUTE FUNCTION vb_payment_refund_apply();
CREATE TRIGGER payment_ledger_fill BEFORE INSERT ON payment_ledger
  FOR EACH ROW EXECUTE FUNCTION vb_payment_ledger_fill();
CREATE TRIGGER payment_ledger_apply AFTER INSERT ON payment_ledger
  FOR EACH ROW EXECUTE FUNCTION vb_payment_ledger_apply();
CREATE TRIGGER payment_ledger_append_only BEFORE UPDATE OR DELETE ON payment_ledger
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER payment_refunds_append_only BEFORE UPDATE OR DELETE ON payment_refunds
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER payment_gateway_events_append_only BEFORE UPDATE OR DELETE ON payment_gateway_events
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER payments_touch BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION vb_touch();

ALTER TABLE payments
  ADD CONSTRAINT payments_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices;
ALTER TABLE payment_ledger
  ADD CONSTRAINT payment_ledger_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices;
CREATE CONSTRAINT TRIGGER invoices_take_deposits AFTER INSERT ON invoices
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION vb_invoice_take_deposits();

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['payments', 'payment_refunds', 'payment_ledger', 'payment_gateway_events'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_audit_row(%L, %L)', t || '_audit', t, '', '');
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_change_row(%L, %L, %L)',
                   t || '_change', t, 'payments.read', 'location_id', '');
  END LOOP;
END $$;

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('payments.read',   'See payments, refunds and deposits'),
  ('payments.take',   'Take payments and deposits, confirm bank transfers, cancel pending payments'),
  ('payments.refund', 'Refund payments');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['payments.read', 'payments.take', 'payments.refund']) p
   WHERE r.name IN ('admin', 'manager');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['payments.read', 'payments.take']) p
   WHERE r.name = 'reception';
