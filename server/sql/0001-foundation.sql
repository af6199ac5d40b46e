-- 0001 — foundation: locations, users, sessions, RBAC, audit trail.
--
-- Rows carry version/created_at/updated_at (API.md); vb_touch() keeps them.
-- Every mutation of an audited table writes a hash-chained audit row from a
-- trigger in the same transaction, so no code path can forget it.  The
-- actor and request id come from transaction-local settings that the
-- server sets at BEGIN (vb_db_transaction).

CREATE TABLE locations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,15}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone   text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  currency    text NOT NULL DEFAULT 'VND' CHECK (currency ~ '^[A-Z]{3}$'),
  address     text NOT NULL DEFAULT '',
  phone       text NOT NULL DEFAULT '',
  active      boolean NOT NULL DEFAULT true,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                 text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  display_name          text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  locale                text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'vi')),
  active                boolean NOT NULL DEFAULT true,
  password_hash         text NOT NULL,
  must_change_password  boolean NOT NULL DEFAULT false,
  totp_secret           text,
  totp_enabled          boolean NOT NULL DEFAULT false,
  version               integer NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Login bookkeeping kept apart from users, so a login never bumps the
-- user's version (which would turn an admin's edit into a false conflict).
CREATE TABLE user_auth_state (
  user_id         uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
  failed_logins   integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  totp_last_step  bigint NOT NULL DEFAULT 0,
  last_login_at   timestamptz
);

CREATE TABLE recovery_codes (
  user_id    uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE permissions (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z_]+\.[a-z_]+$'),
  description  text NOT NULL
);

CREATE TABLE roles (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{1,31}$'),
  description  text NOT NULL DEFAULT '',
  builtin      boolean NOT NULL DEFAULT false,
  requires_mfa boolean NOT NULL DEFAULT false,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE role_permissions (
  role_id     uuid NOT NULL REFERENCES roles ON DELETE CASCADE,
  permission  text NOT NULL REFERENCES permissions,
  PRIMARY KEY (role_id, permission)
);

-- location_id NULL means every location (present and future).
CREATE TABLE role_assignments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  role_id      uuid NOT NULL REFERENCES roles ON DELETE CASCADE,
  location_id  uuid REFERENCES locations ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (user_id, role_id, location_id)
);
CREATE INDEX role_assignments_user ON role_assignments (user_id);

-- Tokens are stored only as SHA-256 hashes.
CREATE TABLE sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  token_hash  text NOT NULL UNIQUE,
  pending     text CHECK (pending IN ('mfa_enrolment', 'password_change')),
  address     text NOT NULL DEFAULT '',
  user_agent  text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE security_events (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  kind     text NOT NULL,
  email    text,
  user_id  uuid REFERENCES users ON DELETE SET NULL,
  address  text NOT NULL DEFAULT '',
  detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_address ON security_events (address, at) WHERE kind = 'login_failed';

-- Per-address back-off for failed logins (shared by every server instance).
CREATE TABLE login_throttle (
  address        text PRIMARY KEY,
  failures       integer NOT NULL DEFAULT 0,
  window_start   timestamptz NOT NULL DEFAULT now(),
  blocked_until  timestamptz
);

CREATE FUNCTION vb_has_permission (p_user uuid, p_permission text, p_location uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM role_assignments ra
      JOIN role_permissions rp ON rp.role_id = ra.role_id
     WHERE ra.user_id = p_user
       AND rp.permission = p_permission
       AND (ra.location_id IS NULL OR ra.location_id = p_location))
$$;

-- Permission in every location (global scope), e.g. managing users.
CREATE FUNCTION vb_has_global_permission (p_user uuid, p_permission text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM role_assignments ra
      JOIN role_permissions rp ON rp.role_id = ra.role_id
     WHERE ra.user_id = p_user
       AND rp.permission = p_permission
       AND ra.location_id IS NULL)
$$;

CREATE FUNCTION vb_touch () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------- audit ---

-- Rows are written by triggers inside the writing transaction, ordered by
-- (xid, pos) like the change feed, without serializing writers.  Chaining
-- happens afterwards: vb_audit_seal() takes the rows of every transaction
-- that has ended (below the xmin horizon), in (xid, pos) order, and gives
-- each a gapless seq, the previous row's hash and its own.  The server seals
-- every second; audit-verify and the audit API seal before they read.
CREATE SEQUENCE audit_log_pos;

CREATE TABLE audit_log (
  xid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  pos          bigint NOT NULL DEFAULT nextval('audit_log_pos'),
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor_label  text NOT NULL DEFAULT '',
  action       text NOT NULL,
  entity       text NOT NULL,
  entity_id    text,
  before       jsonb,
  after        jsonb,
  request_id   text NOT NULL DEFAULT '',
  seq          bigint UNIQUE,
  prev_hash    text,
  hash         text,
  PRIMARY KEY (xid, pos)
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_unsealed ON audit_log (xid, pos) WHERE seq IS NULL;

-- The canonical text a row's hash covers; voltbay-ctl audit-verify rebuilds
-- the same text in C, independently of this function.
CREATE FUNCTION vb_audit_canonical (a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f',
    a.seq::text,
    to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    coalesce(a.actor_id::text, ''),
    a.actor_label, a.action, a.entity,
    coalesce(a.entity_id, ''),
    coalesce(a.before::text, ''),
    coalesce(a.after::text, ''),
    a.request_id,
    a.prev_hash)
$$;

-- TG_ARGV[0]: comma-separated secret columns (redacted; a change is noted);
-- TG_ARGV[1]: bookkeeping columns ignored entirely (counters, timestamps).
CREATE FUNCTION vb_audit_row () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  secrets  text[] := CASE WHEN TG_NARGS > 0 AND TG_ARGV[0] <> '' THEN string_to_array(TG_ARGV[0], ',') ELSE '{}' END;
  noise    text[] := CASE WHEN TG_NARGS > 1 AND TG_ARGV[1] <> '' THEN string_to_array(TG_ARGV[1], ',') ELSE '{}' END;
  old_j    jsonb;
  new_j    jsonb;
  changed  text[] := '{}';
  col      text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' THEN
    FOREACH col IN ARRAY secrets LOOP
      IF old_j -> col IS DISTINCT FROM new_j -> col THEN changed := changed || col; END IF;
    END LOOP;
  END IF;
  old_j := old_j - secrets - noise - 'version' - 'updated_at';
  new_j := new_j - secrets - noise - 'version' - 'updated_at';
  IF TG_OP = 'UPDATE' AND old_j = new_j AND cardinality(changed) = 0 THEN
    RETURN NULL;   -- only bookkeeping changed: nothing a person did
  END IF;
  IF cardinality(changed) > 0 THEN
    new_j := new_j || jsonb_build_object('secrets_changed', to_jsonb(changed));
  END IF;
  INSERT INTO audit_log (at, actor_id, actor_label, action, entity, entity_id, before, after, request_id)
  VALUES (date_trunc('microseconds', clock_timestamp()),
          nullif(current_setting('voltbay.actor_id', true), '')::uuid,
          coalesce(current_setting('voltbay.actor_label', true), ''),
          lower(TG_OP), TG_TABLE_NAME,
          coalesce(new_j ->> 'id', old_j ->> 'id'),
          old_j, new_j,
          coalesce(current_setting('voltbay.request_id', true), ''));
  RETURN NULL;
END $$;

-- Chains up to max_rows rows of ended transactions; returns how many.  One
-- sealer at a time (a transaction-scoped advisory lock); others skip.
CREATE FUNCTION vb_audit_seal (max_rows integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  last_seq   bigint;
  last_hash  text;
  r          audit_log;
  n          integer := 0;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7411002) THEN
    RETURN 0;
  END IF;
  SELECT l.seq, l.hash INTO last_seq, last_hash
    FROM audit_log l WHERE l.seq IS NOT NULL ORDER BY l.seq DESC LIMIT 1;
  last_seq := coalesce(last_seq, 0);
  last_hash := coalesce(last_hash, repeat('0', 64));
  FOR r IN SELECT * FROM audit_log
            WHERE seq IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY xid, pos LIMIT max_rows
  LOOP
    r.seq := last_seq + 1;
    r.prev_hash := last_hash;
    r.hash := encode(sha256(convert_to(vb_audit_canonical(r), 'UTF8')), 'hex');
    UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash
     WHERE xid = r.xid AND pos = r.pos;
    last_seq := r.seq;
    last_hash := r.hash;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

-- Append-only: the one update allowed is sealing an unsealed row.
CREATE FUNCTION vb_audit_immutable () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
     AND (OLD.xid, OLD.pos, OLD.at, OLD.actor_id, OLD.actor_label, OLD.action, OLD.entity,
          OLD.entity_id, OLD.before, OLD.after, OLD.request_id)
         IS NOT DISTINCT FROM
         (NEW.xid, NEW.pos, NEW.at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.entity,
          NEW.entity_id, NEW.before, NEW.after, NEW.request_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '42501';
END $$;

CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION vb_audit_immutable();
CREATE FUNCTION vb_audit_no_truncate () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '42501';
END $$;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION vb_audit_no_truncate();

CREATE TRIGGER locations_touch BEFORE UPDATE ON locations FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER roles_touch BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION vb_touch();

CREATE TRIGGER locations_audit AFTER INSERT OR UPDATE OR DELETE ON locations
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('password_hash,totp_secret', '');
CREATE TRIGGER roles_audit AFTER INSERT OR UPDATE OR DELETE ON roles
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER role_permissions_audit AFTER INSERT OR UPDATE OR DELETE ON role_permissions
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER role_assignments_audit AFTER INSERT OR UPDATE OR DELETE ON role_assignments
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER recovery_codes_audit AFTER INSERT OR DELETE ON recovery_codes
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('code_hash', '');

-- --------------------------------------------------------------- seeds ---

INSERT INTO permissions (name, description) VALUES
  ('locations.read',   'See locations'),
  ('locations.manage', 'Create and change locations'),
  ('users.read',       'See staff accounts'),
  ('users.manage',     'Create and change staff accounts and their roles'),
  ('roles.manage',     'Create roles and change their permissions'),
  ('audit.read',       'Read the audit trail'),
  ('security.read',    'Read login and security events'),
  ('sessions.manage',  'Revoke other users'' sessions');

INSERT INTO roles (name, description, builtin, requires_mfa) VALUES
  ('admin',      'Everything, in every location', true, true),
  ('manager',    'Staff, inventory, reports and settings of their locations', true, false),
  ('reception',  'Front desk', true, false),
  ('technician', 'Service bay', true, false);

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p.name FROM roles r CROSS JOIN permissions p WHERE r.name = 'admin';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['locations.read', 'users.read']) p
   WHERE r.name = 'manager';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'locations.read' FROM roles r WHERE r.name IN ('reception', 'technician');
