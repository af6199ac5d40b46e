-- 0011 — messages (C4, C7; docs/api-messages.md): the outbound queue and its
-- attempts, inbound replies, customer conversations, work-order chat, and
-- status updates to customers.
--
--   * outbound_messages is a durable queue written in the transaction of the
--     event that causes it (vb_enqueue_message).  The worker (server/messages)
--     claims due rows with FOR UPDATE SKIP LOCKED (vb_message_claim), commits
--     them as 'sending' BEFORE it calls the provider, and records each attempt
--     in message_attempts (vb_message_finish), with exponential back-off and
--     jitter up to max_attempts, then 'failed'.
--   * Never sent twice: a 'sending' row names the database backend (pid and
--     start time) of the worker connection that claimed it.  When that backend
--     is gone (the server died mid-send) the outcome is not known, and the row
--     becomes 'unknown' (vb_message_sweep_orphans) — never retried blindly.
--     Staff resolve it (vb_message_resolve: sent, requeue or failed).  Every
--     attempt carries the same SMTP Message-ID / SMS idempotency key (the
--     message id), so a requeued message can be recognized as a duplicate.
--   * Consent is a rule here: a customer message needs
--     customers.consent -> channel ->> 'given' = 'true'.
--   * A work-order status change queues the status update in the same
--     transaction (trigger work_orders_status_message), per consent, in the
--     customer's preferred language, from message_templates.
-- Custom SQLSTATEs: VB409 → 409 (state), VB403 → 403 (who), P0001 → 422.

-- ----------------------------------------------------------- helpers ---

-- The comparable part of a phone number: its last nine digits (so that
-- +84 912 345 678 and 0912345678 match).
CREATE FUNCTION vb_phone_key (p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT right(regexp_replace(coalesce(p, ''), '\D', '', 'g'), 9)
$$;

-- Consent: customers.consent->p_channel->>'given' = 'true' ('email' | 'sms'),
-- never for an erased customer.
CREATE FUNCTION vb_customer_may_contact (p_customer uuid, p_channel text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT c.erased_at IS NULL AND (c.consent -> p_channel ->> 'given') = 'true'
                     FROM customers c WHERE c.id = p_customer), false)
$$;

-- ---------------------------------------------------------- the queue ---

CREATE TABLE outbound_messages (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id               uuid NOT NULL REFERENCES locations,
  customer_id               uuid REFERENCES customers,
  channel                   text NOT NULL CHECK (channel IN ('email', 'sms')),
  to_address                text NOT NULL CHECK (length(to_address) BETWEEN 1 AND 320),
  subject                   text NOT NULL DEFAULT '' CHECK (length(subject) <= 998),
  body                      text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  language                  text CHECK (language IN ('en', 'vi')),
  kind                      text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,39}$'),
  related_entity            text CHECK (length(related_entity) <= 64),
  related_id                uuid,
  dedupe_key                text UNIQUE CHECK (length(dedupe_key) <= 300),
  status                    text NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
  attempts                  integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts              integer NOT NULL DEFAULT 6 CHECK (max_attempts BETWEEN 1 AND 20),
  next_attempt_at           timestamptz NOT NULL DEFAULT now(),
  -- who is sending it: the worker's label and its database backend
  claimed_by                text,
  claimed_at                timestamptz,
  claimed_pid               integer,
  claimed_backend_start     timestamptz,
  sent_at                   timestamptz,
  last_error                text CHECK (length(last_error) <= 2000),
  provider_id               text CHECK (length(provider_id) <= 300),
  -- the RFC 5322 Message-ID (e-mail) / idempotency key (SMS), same on every attempt
  message_id_header         text NOT NULL DEFAULT '',
  created_by                uuid REFERENCES users,
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbound_messages_sending ON outbound_messages (claimed_pid) WHERE status = 'sending';
CREATE INDEX outbound_messages_customer ON outbound_messages (customer_id, created_at);
CREATE INDEX outbound_messages_location ON outbound_messages (location_id, created_at DESC, id DESC);
CREATE INDEX outbound_messages_related ON outbound_messages (related_entity, related_id);

CREATE TABLE outbound_message_attachments (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id     uuid NOT NULL REFERENCES outbound_messages ON DELETE CASCADE,
  location_id    uuid REFERENCES locations,   -- the message's
  attachment_id  uuid NOT NULL REFERENCES attachments,
  filename       text NOT NULL DEFAULT '' CHECK (length(filename) <= 255),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, attachment_id)
);

-- Append-only: one row per call of the provider (or per outcome found unknown).
CREATE TABLE message_attempts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id   uuid NOT NULL REFERENCES outbound_messages ON DELETE CASCADE,
  location_id  uuid NOT NULL REFERENCES locations,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  channel      text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'unknown', 'resolved')),
  error        text CHECK (length(error) <= 2000),
  provider_id  text CHECK (length(provider_id) <= 300),
  worker       text NOT NULL DEFAULT '',
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_attempts_message ON message_attempts (message_id, attempt);

CREATE FUNCTION vb_outbound_message_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lang  text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := coalesce(NEW.created_by, vb_actor());
    NEW.message_id_header := '<' || NEW.id || '@voltbay>';
    NEW.status := 'queued';
    NEW.attempts := 0;
    IF NEW.customer_id IS NOT NULL THEN
      SELECT preferred_language INTO lang FROM customers WHERE id = NEW.customer_id;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'No such customer' USING COLUMN = 'customer_id';
      END IF;
      NEW.language := coalesce(NEW.language, lang);
      IF NOT vb_customer_may_contact(NEW.customer_id, NEW.channel) THEN
        PERFORM vb_state_error(format('The customer has not consented to %s messages', NEW.channel), 'channel');
      END IF;
    END IF;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.to_address IS DISTINCT FROM OLD.to_address THEN
    IF NEW.channel = 'email' AND NEW.to_address !~ '^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$' THEN
      RAISE EXCEPTION 'Not an e-mail address' USING COLUMN = 'to';
    END IF;
    IF NEW.channel = 'sms' AND NEW.to_address !~ '^\+?[0-9 ().-]{6,24}$' THEN
      RAISE EXCEPTION 'Not a phone number' USING COLUMN = 'to';
    END IF;
  END IF;
  IF NEW.channel = 'email' AND position(E'\n' IN NEW.subject) > 0 THEN
    RAISE EXCEPTION 'The subject is one line' USING COLUMN = 'subject';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_outbound_message_wake () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('voltbay_messages', '');
  RETURN NULL;
END $$;

CREATE FUNCTION vb_outbound_attachment_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m  outbound_messages;
BEGIN
  SELECT * INTO m FROM outbound_messages WHERE id = NEW.message_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such message' USING COLUMN = 'message_id';
  END IF;
  IF m.channel <> 'email' THEN
    RAISE EXCEPTION 'Only e-mail carries attachments' USING COLUMN = 'attachment_id';
  END IF;
  IF m.status <> 'queued' OR m.attempts > 0 THEN
    PERFORM vb_state_error('Attachments are added before the message is sent', 'attachment_id');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = NEW.attachment_id
                    AND (a.location_id IS NULL OR a.location_id = m.location_id)) THEN
    RAISE EXCEPTION 'No such attachment at this location' USING COLUMN = 'attachment_id';
  END IF;
  NEW.location_id := m.location_id;
  IF NEW.filename = '' THEN
    SELECT nullif(file_name, '') INTO NEW.filename FROM attachments WHERE id = NEW.attachment_id;
    NEW.filename := coalesce(NEW.filename, 'attachment');
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER outbound_messages_check BEFORE INSERT OR UPDATE ON outbound_messages
  FOR EACH ROW EXECUTE FUNCTION vb_outbound_message_check();
CREATE TRIGGER outbound_messages_wake AFTER INSERT ON outbound_messages
  FOR EACH STATEMENT EXECUTE FUNCTION vb_outbound_message_wake();
CREATE TRIGGER outbound_message_attachments_check BEFORE INSERT ON outbound_message_attachments
  FOR EACH ROW EXECUTE FUNCTION vb_outbound_attachment_check();

-- Queues one message in the caller's transaction.  Returns its id, or NULL
-- when it was not queued: the dedupe_key was used already, or the customer
-- (when given) has not consented to the channel.
CREATE FUNCTION vb_enqueue_message (p_location uuid, p_customer uuid, p_channel text,
                                    p_to text, p_subject text, p_body text, p_language text,
                                    p_kind text, p_related_entity text, p_related_id uuid,
                                    p_dedupe_key text)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_id  uuid;
BEGIN
  IF p_customer IS NOT NULL AND NOT vb_customer_may_contact(p_customer, p_channel) THEN
    RETURN NULL;
  END IF;
  INSERT INTO outbound_messages (location_id, customer_id, channel, to_address, subject, body, language,
                                 kind, related_entity, related_id, dedupe_key)
  VALUES (p_location, p_customer, p_channel, btrim(p_to), coalesce(p_subject, ''), p_body, p_language,
          p_kind, p_related_entity, p_related_id, p_dedupe_key)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

-- The worker's claim: up to p_limit due messages of the channels it can
-- send (an unconfigured channel's messages wait), committed as 'sending' by
-- the caller before any provider is called.  The claiming backend (pid and
-- start time) is recorded so that a dead claimer is recognized.
CREATE FUNCTION vb_message_claim (p_limit integer, p_worker text, p_channels text[])
RETURNS SETOF outbound_messages LANGUAGE sql AS $$
  WITH due AS (
    SELECT id FROM outbound_messages
     WHERE status = 'queued' AND next_attempt_at <= now() AND channel = ANY (p_channels)
     ORDER BY next_attempt_at, id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED)
  UPDATE outbound_messages m
     SET status = 'sending', attempts = m.attempts + 1, claimed_by = p_worker, claimed_at = now(),
         claimed_pid = pg_backend_pid(),
         claimed_backend_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
    FROM due
   WHERE m.id = due.id
  RETURNING m.*
$$;

-- The outcome of one attempt: 'sent', 'retry' (back-off: p_base_seconds ·
-- 2^(attempt-1), ±50 % jitter, at most an hour; 'failed' after max_attempts)
-- or 'failed' (permanent).  Only the claiming backend may finish a message.
CREATE FUNCTION vb_message_finish (p_id uuid, p_outcome text, p_error text, p_provider_id text,
                                   p_started timestamptz, p_base_seconds double precision)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m      outbound_messages;
  final  text;
BEGIN
  SELECT * INTO m FROM outbound_messages WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR m.status <> 'sending' OR m.claimed_pid IS DISTINCT FROM pg_backend_pid() THEN
    RETURN NULL;
  END IF;
  final := CASE WHEN p_outcome = 'retry' AND m.attempts >= m.max_attempts THEN 'failed' ELSE p_outcome END;
  INSERT INTO message_attempts (message_id, location_id, attempt, channel, started_at, outcome, error,
                                provider_id, worker)
  VALUES (m.id, m.location_id, m.attempts, m.channel, p_started, p_outcome, left(p_error, 2000),
          left(p_provider_id, 300), coalesce(m.claimed_by, ''));
  UPDATE outbound_messages
     SET status = CASE final WHEN 'sent' THEN 'sent' WHEN 'retry' THEN 'queued' ELSE 'failed' END,
         sent_at = CASE WHEN final = 'sent' THEN now() END,
         provider_id = coalesce(left(p_provider_id, 300), provider_id),
         last_error = CASE WHEN final = 'sent' THEN NULL ELSE left(p_error, 2000) END,
         next_attempt_at = CASE WHEN final = 'retry'
                             THEN now() + make_interval(secs => least(3600.0,
                                    p_base_seconds * power(2, m.attempts - 1) * (0.5 + random())))
                             ELSE next_attempt_at END,
         claimed_by = NULL, claimed_at = NULL, claimed_pid = NULL, claimed_backend_start = NULL
   WHERE id = m.id;
  RETURN final;
END $$;

-- 'sending' rows whose claiming backend is gone: the provider may or may not
-- have accepted them, so they become 'unknown' for staff to resolve.
CREATE FUNCTION vb_message_sweep_orphans () RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m  outbound_messages;
  n  integer := 0;
BEGIN
  FOR m IN SELECT * FROM outbound_messages o
            WHERE o.status = 'sending'
              AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                               WHERE a.pid = o.claimed_pid
                                 AND a.backend_start IS NOT DISTINCT FROM o.claimed_backend_start)
            FOR UPDATE SKIP LOCKED
  LOOP
    INSERT INTO message_attempts (message_id, location_id, attempt, channel, started_at, outcome, error, worker)
    VALUES (m.id, m.location_id, m.attempts, m.channel, coalesce(m.claimed_at, now()), 'unknown',
            'The sender stopped while sending; the outcome is unknown', coalesce(m.claimed_by, ''));
    UPDATE outbound_messages
       SET status = 'unknown', last_error = 'The sender stopped while sending; the outcome is unknown',
           claimed_by = NULL, claimed_at = NULL, claimed_pid = NULL, claimed_backend_start = NULL
     WHERE id = m.id;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

-- Staff decide an unknown (or failed) message: 'sent' (it did arrive),
-- 'requeue' (send again, same Message-ID / idempotency key) or 'failed'.
CREATE FUNCTION vb_message_resolve (p_id uuid, p_outcome text, p_note text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  m  outbound_messages;
BEGIN
  SELECT * INTO m FROM outbound_messages WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such message' USING COLUMN = 'id';
  END IF;
  IF p_outcome NOT IN ('sent', 'requeue', 'failed') THEN
    RAISE EXCEPTION 'outcome is sent, requeue or failed' USING COLUMN = 'outcome';
  END IF;
  IF m.status NOT IN ('unknown', 'failed') OR (m.status = 'failed' AND p_outcome <> 'requeue') THEN
    PERFORM vb_state_error(format('A %s message cannot be resolved as %s', m.status, p_outcome), 'status');
  END IF;
  INSERT INTO message_attempts (message_id, location_id, attempt, channel, started_at, outcome, error, worker)
  VALUES (m.id, m.location_id, greatest(m.attempts, 1), m.channel, now(), 'resolved',
          left(format('%s by staff: %s', p_outcome, coalesce(p_note, '')), 2000), 'staff');
  UPDATE outbound_messages
     SET status = CASE p_outcome WHEN 'sent' THEN 'sent' WHEN 'requeue' THEN 'queued' ELSE 'failed' END,
         sent_at = CASE WHEN p_outcome = 'sent' THEN now() END,
         max_attempts = CASE WHEN p_outcome = 'requeue' THEN least(20, m.attempts + 3) ELSE max_attempts END,
         next_attempt_at = now()
   WHERE id = m.id;
  IF p_outcome = 'requeue' THEN
    PERFORM pg_notify('voltbay_messages', '');
  END IF;
  RETURN CASE p_outcome WHEN 'sent' THEN 'sent' WHEN 'requeue' THEN 'queued' ELSE 'failed' END;
END $$;

-- ------------------------------------------------------------ inbound ---

-- Replies from customers through the providers' webhooks.  The sender is
-- matched to a customer (phone: last nine digits; e-mail: case-insensitive);
-- unknown senders stay unmatched (customer_id NULL) until staff assign them.
CREATE TABLE inbound_messages (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id    uuid REFERENCES locations,
  customer_id    uuid REFERENCES customers,
  channel        text NOT NULL CHECK (channel IN ('email', 'sms')),
  from_address   text NOT NULL CHECK (length(from_address) BETWEEN 1 AND 320),
  to_address     text NOT NULL DEFAULT '' CHECK (length(to_address) <= 320),
  subject        text NOT NULL DEFAULT '' CHECK (length(subject) <= 998),
  body           text NOT NULL CHECK (length(body) <= 100000),
  provider_id    text CHECK (length(provider_id) <= 300),
  in_reply_to    text CHECK (length(in_reply_to) <= 998),
  received_at    timestamptz NOT NULL DEFAULT now(),
  assigned_by    uuid REFERENCES users,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, provider_id)
);
CREATE INDEX inbound_messages_customer ON inbound_messages (customer_id, received_at);
CREATE INDEX inbound_messages_unmatched ON inbound_messages (received_at DESC) WHERE customer_id IS NULL;

CREATE FUNCTION vb_inbound_message_match () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.customer_id IS NULL THEN
    IF NEW.channel = 'sms' AND length(vb_phone_key(NEW.from_address)) >= 6 THEN
      SELECT c.id INTO NEW.customer_id FROM customers c
       WHERE c.erased_at IS NULL
         AND EXISTS (SELECT 1 FROM unnest(c.phones) p WHERE vb_phone_key(p) = vb_phone_key(NEW.from_address))
       ORDER BY (SELECT max(o.created_at) FROM outbound_messages o WHERE o.customer_id = c.id) DESC NULLS LAST,
                c.updated_at DESC
       LIMIT 1;
    ELSIF NEW.channel = 'email' THEN
      SELECT c.id INTO NEW.customer_id FROM customers c
       WHERE c.erased_at IS NULL
         AND EXISTS (SELECT 1 FROM unnest(c.emails) e WHERE lower(e) = lower(NEW.from_address))
       ORDER BY (SELECT max(o.created_at) FROM outbound_messages o WHERE o.customer_id = c.id) DESC NULLS LAST,
                c.updated_at DESC
       LIMIT 1;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT NULL AND NEW.customer_id IS DISTINCT FROM OLD.customer_id
     AND current_setting('voltbay.gdpr_erase', true) IS DISTINCT FROM 'on' THEN
    PERFORM vb_state_error('The message is already in a customer''s conversation', 'customer_id');
  END IF;
  IF NEW.customer_id IS NOT NULL THEN
    SELECT preferred_location_id INTO NEW.location_id FROM customers WHERE id = NEW.customer_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such customer' USING COLUMN = 'customer_id';
    END IF;
  ELSIF TG_OP = 'INSERT' AND NEW.channel = 'sms' AND length(vb_phone_key(NEW.to_address)) >= 6 THEN
    -- an unknown sender texting a location's own number belongs to that location
    SELECT l.id INTO NEW.location_id FROM locations l
     WHERE vb_phone_key(l.phone) = vb_phone_key(NEW.to_address) LIMIT 1;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER inbound_messages_match BEFORE INSERT OR UPDATE ON inbound_messages
  FOR EACH ROW EXECUTE FUNCTION vb_inbound_message_match();

-- Per staff user and customer: read up to here.
CREATE TABLE conversation_reads (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  customer_id   uuid NOT NULL REFERENCES customers ON DELETE CASCADE,
  location_id   uuid REFERENCES locations,
  last_read_at  timestamptz NOT NULL,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, customer_id)
);

CREATE FUNCTION vb_conversation_read_location () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT preferred_location_id INTO NEW.location_id FROM customers WHERE id = NEW.customer_id;
  RETURN NEW;
END $$;
CREATE TRIGGER conversation_reads_location BEFORE INSERT OR UPDATE ON conversation_reads
  FOR EACH ROW EXECUTE FUNCTION vb_conversation_read_location();

-- A customer's thread: outbound (queued and on) and inbound, both channels.
CREATE VIEW conversation_entries AS
  SELECT o.id, o.customer_id, o.location_id, 'outbound'::text AS direction, o.channel,
         o.to_address AS address, o.subject, o.body, o.kind, o.status, o.created_by AS author_id,
         o.created_at AS at, o.sent_at, o.version
    FROM outbound_messages o WHERE o.customer_id IS NOT NULL
  UNION ALL
  SELECT i.id, i.customer_id, i.location_id, 'inbound', i.channel, i.from_address, i.subject, i.body,
         'reply', 'received', NULL, i.received_at, NULL, i.version
    FROM inbound_messages i WHERE i.customer_id IS NOT NULL;

-- -------------------------------------------------------- work-order chat ---

CREATE TABLE work_order_chat_messages (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  work_order_id  uuid NOT NULL REFERENCES work_orders ON DELETE CASCADE,
  location_id    uuid NOT NULL REFERENCES locations,
  author_id      uuid REFERENCES users,
  body           text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 4000),
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_order_chat_messages_order ON work_order_chat_messages (work_order_id, created_at, id);

CREATE FUNCTION vb_chat_author () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.author_id := coalesce(NEW.author_id, vb_actor());
  RETURN NEW;
END $$;
CREATE TRIGGER work_order_chat_messages_location BEFORE INSERT ON work_order_chat_messages
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_child_location();
CREATE TRIGGER work_order_chat_messages_author BEFORE INSERT ON work_order_chat_messages
  FOR EACH ROW EXECUTE FUNCTION vb_chat_author();

-- ----------------------------------------------------- status updates ---

-- kind 'status_update': key = the work-order status; subject/body for e-mail,
-- sms_body for SMS.  kind 'status_label': body = the status as customers read it.
-- Placeholders: {customer} {vehicle} {plate} {status} {location} {number}.
CREATE TABLE message_templates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,39}$'),
  key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 64),
  language    text NOT NULL CHECK (language IN ('en', 'vi')),
  subject     text NOT NULL DEFAULT '' CHECK (length(subject) <= 998 AND position(E'\n' IN subject) = 0),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  sms_body    text NOT NULL DEFAULT '' CHECK (length(sms_body) <= 1600),
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, key, language)
);

CREATE FUNCTION vb_message_fill (p_text text, p_values jsonb) RETURNS text
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

CREATE FUNCTION vb_work_order_status_message () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c       customers;
  v       vehicles;
  l       locations;
  t       message_templates;
  lang    text;
  vals    jsonb;
  ch      text;
  addr    text;
  n       integer;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  IF NEW.status NOT IN ('checked_in', 'diagnosing', 'awaiting_approval', 'in_progress',
                        'quality_check', 'ready', 'collected') THEN
    RETURN NULL;
  END IF;
  SELECT * INTO c FROM customers WHERE id = NEW.customer_id;
  IF NOT (vb_customer_may_contact(c.id, 'email') OR vb_customer_may_contact(c.id, 'sms')) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v FROM vehicles WHERE id = NEW.vehicle_id;
  SELECT * INTO l FROM locations WHERE id = NEW.location_id;
  lang := c.preferred_language;
  SELECT * INTO t FROM message_templates
   WHERE kind = 'status_update' AND key = NEW.status AND language IN (lang, 'en')
   ORDER BY language = lang DESC LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  lang := t.language;
  vals := jsonb_build_object(
    'customer', c.display_name,
    'vehicle', btrim(concat_ws(' ', nullif(v.make, ''), nullif(v.model, ''), v.year::text)),
    'plate', v.plate,
    'status', coalesce((SELECT body FROM message_templates
                         WHERE kind = 'status_label' AND key = NEW.status AND language = lang), NEW.status),
    'location', l.name,
    'number', NEW.number::text);
  -- the n-th time this order reaches this status (a car back from QC is told again)
  SELECT count(*) INTO n FROM work_order_status_history
   WHERE work_order_id = NEW.id AND to_status = NEW.status;
  FOREACH ch IN ARRAY ARRAY['email', 'sms'] LOOP
    CONTINUE WHEN NOT vb_customer_may_contact(c.id, ch);
    addr := CASE ch WHEN 'email' THEN c.emails[1] ELSE c.phones[1] END;
    CONTINUE WHEN coalesce(btrim(addr), '') = '';
    CONTINUE WHEN ch = 'sms' AND t.sms_body = '';
    PERFORM vb_enqueue_message(NEW.location_id, c.id, ch, addr,
                               CASE ch WHEN 'email' THEN vb_message_fill(t.subject, vals) ELSE '' END,
                               vb_message_fill(CASE ch WHEN 'email' THEN t.body ELSE t.sms_body END, vals),
                               lang, 'status_update', 'work_orders', NEW.id,
                               format('status_update:%s:%s:%s:%s', NEW.id, NEW.status, greatest(n, 1), ch));
  END LOOP;
  RETURN NULL;
END $$;

-- Named after work_orders_history so that the history row exists when it runs.
CREATE TRIGGER work_orders_status_message AFTER INSERT OR UPDATE OF status ON work_orders
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_status_message();

INSERT INTO message_templates (kind, key, language, subject, body, sms_body) VALUES
  ('status_label', 'checked_in', 'en', '', 'checked in', ''),
  ('status_label', 'diagnosing', 'en', '', 'being diagnosed', ''),
  ('status_label', 'awaiting_approval', 'en', '', 'waiting for your approval', ''),
  ('status_label', 'in_progress', 'en', '', 'being worked on', ''),
  ('status_label', 'quality_check', 'en', '', 'in quality check', ''),
  ('status_label', 'ready', 'en', '', 'ready for collection', ''),
  ('status_label', 'collected', 'en', '', 'collected', ''),
  ('status_label', 'checked_in', 'vi', '', 'đã tiếp nhận', ''),
  ('status_label', 'diagnosing', 'vi', '', 'đang chẩn đoán', ''),
  ('status_label', 'awaiting_approval', 'vi', '', 'đang chờ quý khách duyệt báo giá', ''),
  ('status_label', 'in_progress', 'vi', '', 'đang được sửa chữa', ''),
  ('status_label', 'quality_check', 'vi', '', 'đang kiểm tra chất lượng', ''),
  ('status_label', 'ready', 'vi', '', 'đã sẵn sàng để nhận xe', ''),
  ('status_label', 'collected', 'vi', '', 'đã được nhận', ''),
  ('status_update', 'checked_in', 'en', 'Your {vehicle} ({plate}) is checked in — work order {number}',
   E'Hello {customer},\n\nyour {vehicle} ({plate}) is checked in at {location} (work order {number}).\nWe will keep you posted.\n\n{location}',
   '{location}: your {vehicle} ({plate}) is checked in, work order {number}.'),
  ('status_update', 'diagnosing', 'en', 'Your {vehicle} ({plate}) is being diagnosed',
   E'Hello {customer},\n\nour technicians have started diagnosing your {vehicle} ({plate}), work order {number}.\n\n{location}',
   '{location}: your {vehicle} ({plate}) is being diagnosed.'),
  ('status_update', 'awaiting_approval', 'en', 'Your {vehicle} ({plate}): your approval is needed',
   E'Hello {customer},\n\nthe diagnosis of your {vehicle} ({plate}) is done and a quote is waiting for your approval (work order {number}).\n\n{location}',
   '{location}: a quote for your {vehicle} ({plate}) is waiting for your approval.'),
  ('status_update', 'in_progress', 'en', 'Your {vehicle} ({plate}) is being worked on',
   E'Hello {customer},\n\nwork on your {vehicle} ({plate}) is in progress (work order {number}).\n\n{location}',
   '{location}: work on your {vehicle} ({plate}) is in progress.'),
  ('status_update', 'quality_check', 'en', 'Your {vehicle} ({plate}) is in quality check',
   E'Hello {customer},\n\nthe work on your {vehicle} ({plate}) is done and is being checked (work order {number}).\n\n{location}',
   '{location}: your {vehicle} ({plate}) is in quality check.'),
  ('status_update', 'ready', 'en', 'Your {vehicle} ({plate}) is ready for collection',
   E'Hello {customer},\n\nyour {vehicle} ({plate}) is ready for collection at {location} (work order {number}).\n\n{location}',
   '{location}: your {vehicle} ({plate}) is ready for collection.'),
  ('status_update', 'collected', 'en', 'Thank you for visiting {location}',
   E'Hello {customer},\n\nthank you for collecting your {vehicle} ({plate}) (work order {number}). Drive safely!\n\n{location}',
   '{location}: thank you for your visit. Drive safely!'),
  ('status_update', 'checked_in', 'vi', 'Xe {vehicle} ({plate}) của quý khách đã được tiếp nhận — phiếu {number}',
   E'Kính gửi {customer},\n\nxe {vehicle} ({plate}) của quý khách đã được tiếp nhận tại {location} (phiếu sửa chữa {number}).\nChúng tôi sẽ thông báo tiến độ cho quý khách.\n\n{location}',
   '{location}: xe {vehicle} ({plate}) đã được tiếp nhận, phiếu {number}.'),
  ('status_update', 'diagnosing', 'vi', 'Xe {vehicle} ({plate}) đang được chẩn đoán',
   E'Kính gửi {customer},\n\nkỹ thuật viên đã bắt đầu chẩn đoán xe {vehicle} ({plate}) của quý khách (phiếu {number}).\n\n{location}',
   '{location}: xe {vehicle} ({plate}) đang được chẩn đoán.'),
  ('status_update', 'awaiting_approval', 'vi', 'Xe {vehicle} ({plate}): cần quý khách duyệt báo giá',
   E'Kính gửi {customer},\n\nđã chẩn đoán xong xe {vehicle} ({plate}); báo giá đang chờ quý khách duyệt (phiếu {number}).\n\n{location}',
   '{location}: báo giá cho xe {vehicle} ({plate}) đang chờ quý khách duyệt.'),
  ('status_update', 'in_progress', 'vi', 'Xe {vehicle} ({plate}) đang được sửa chữa',
   E'Kính gửi {customer},\n\nxe {vehicle} ({plate}) của quý khách đang được sửa chữa (phiếu {number}).\n\n{location}',
   '{location}: xe {vehicle} ({plate}) đang được sửa chữa.'),
  ('status_update', 'quality_check', 'vi', 'Xe {vehicle} ({plate}) đang được kiểm tra chất lượng',
   E'Kính gửi {customer},\n\nđã sửa chữa xong xe {vehicle} ({plate}) và đang kiểm tra chất lượng (phiếu {number}).\n\n{location}',
   '{location}: xe {vehicle} ({plate}) đang được kiểm tra chất lượng.'),
  ('status_update', 'ready', 'vi', 'Xe {vehicle} ({plate}) đã sẵn sàng để nhận',
   E'Kính gửi {customer},\n\nxe {vehicle} ({plate}) của quý khách đã sẵn sàng để nhận tại {location} (phiếu {number}).\n\n{location}',
   '{location}: xe {vehicle} ({plate}) đã sẵn sàng để nhận.'),
  ('status_update', 'collected', 'vi', 'Cảm ơn quý khách đã đến {location}',
   E'Kính gửi {customer},\n\ncảm ơn quý khách đã nhận xe {vehicle} ({plate}) (phiếu {number}). Chúc quý khách thượng lộ bình an!\n\n{location}',
   '{location}: cảm ơn quý khách. Chúc thượng lộ bình an!');

-- -------------------------------------------------------------- GDPR ---

-- Erasing a customer scrubs the text of their messages and stops what is
-- still queued; the facts (when, which channel, outcome) stay.
CREATE FUNCTION vb_messages_erase_customer () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was  text := coalesce(current_setting('voltbay.gdpr_erase', true), '');
BEGIN
  PERFORM set_config('voltbay.gdpr_erase', 'on', true);
  UPDATE outbound_messages
     SET to_address = CASE channel WHEN 'email' THEN 'erased@erased.invalid' ELSE '000000' END,
         subject = '', body = '(erased)',
         status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
         last_error = CASE WHEN status = 'queued' THEN 'The customer was erased' ELSE last_error END
   WHERE customer_id = NEW.id;
  UPDATE inbound_messages SET from_address = '(erased)', subject = '', body = '(erased)'
   WHERE customer_id = NEW.id;
  UPDATE message_attempts a SET error = NULL
    FROM outbound_messages o WHERE o.id = a.message_id AND o.customer_id = NEW.id AND a.error IS NOT NULL;
  PERFORM set_config('voltbay.gdpr_erase', was, true);
  RETURN NULL;
END $$;
CREATE TRIGGER customers_erase_messages AFTER UPDATE OF erased_at ON customers
  FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
  EXECUTE FUNCTION vb_messages_erase_customer();

-- ----------------------------------------------- append-only, feed, audit ---

CREATE TRIGGER message_attempts_append_only BEFORE UPDATE OR DELETE ON message_attempts
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER work_order_chat_messages_append_only BEFORE UPDATE OR DELETE ON work_order_chat_messages
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();
CREATE TRIGGER outbound_message_attachments_append_only BEFORE UPDATE ON outbound_message_attachments
  FOR EACH ROW EXECUTE FUNCTION vb_append_only();

CREATE TRIGGER outbound_messages_touch BEFORE UPDATE ON outbound_messages FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER inbound_messages_touch BEFORE UPDATE ON inbound_messages FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER conversation_reads_touch BEFORE UPDATE ON conversation_reads FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER message_templates_touch BEFORE UPDATE ON message_templates FOR EACH ROW EXECUTE FUNCTION vb_touch();

CREATE TRIGGER outbound_messages_audit AFTER INSERT OR UPDATE OR DELETE ON outbound_messages
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', 'claimed_pid,claimed_backend_start');
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['outbound_message_attachments', 'message_attempts', 'inbound_messages',
                           'conversation_reads', 'work_order_chat_messages', 'message_templates'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_audit_row(%L, %L)', t || '_audit', t, '', '');
  END LOOP;
  FOREACH t IN ARRAY ARRAY['outbound_message_attachments', 'message_attempts', 'inbound_messages',
                           'conversation_reads', 'work_order_chat_messages'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_change_row(%L, %L, %L)',
                   t || '_change', t, 'messages.read', 'location_id', '');
  END LOOP;
END $$;
CREATE TRIGGER outbound_messages_change AFTER INSERT OR UPDATE OR DELETE ON outbound_messages
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('messages.read', 'location_id',
                                              'claimed_pid,claimed_backend_start');
CREATE TRIGGER message_templates_change AFTER INSERT OR UPDATE OR DELETE ON message_templates
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('messages.read', '', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('messages.read',     'Read customer conversations, sent messages and work-order chat'),
  ('messages.send',     'Reply to customers, send documents, write in work-order chat, resolve unknown messages'),
  ('messages.settings', 'Change message templates');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['messages.read', 'messages.send', 'messages.settings']) p
   WHERE r.name = 'admin';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r, unnest(ARRAY['messages.read', 'messages.send']) p
   WHERE r.name IN ('manager', 'reception', 'technician');
