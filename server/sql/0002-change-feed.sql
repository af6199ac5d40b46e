-- 0002 — the change feed (docs/sync.md).
--
-- change_log is ordered by (xid, seq): xid is the writing transaction's id.
-- Readers return only rows below pg_snapshot_xmin(pg_current_snapshot()),
-- i.e. from transactions that have all ended, so no row can ever appear
-- behind a reader's cursor (the trap of a plain sequence cursor).

CREATE SEQUENCE change_log_seq;

CREATE TABLE change_log (
  xid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq          bigint NOT NULL DEFAULT nextval('change_log_seq'),
  entity       text NOT NULL,
  entity_id    text NOT NULL,
  version      integer,
  op           text NOT NULL CHECK (op IN ('upsert', 'delete')),
  location_id  uuid,
  permission   text NOT NULL,
  row          jsonb,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (xid, seq)
);

-- TG_ARGV[0]: permission needed to see the row; TG_ARGV[1]: the column holding
-- its location ('' = not tied to a location); TG_ARGV[2]: comma-separated
-- columns never sent to clients.
CREATE FUNCTION vb_change_row () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  perm      text := TG_ARGV[0];
  loc_col   text := CASE WHEN TG_NARGS > 1 THEN TG_ARGV[1] ELSE '' END;
  hidden    text[] := CASE WHEN TG_NARGS > 2 AND TG_ARGV[2] <> '' THEN string_to_array(TG_ARGV[2], ',') ELSE '{}' END;
  old_j     jsonb;
  new_j     jsonb;
  old_loc   uuid;
  new_loc   uuid;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
  IF loc_col <> '' THEN
    old_loc := (old_j ->> loc_col)::uuid;
    new_loc := (new_j ->> loc_col)::uuid;
  END IF;
  -- Leaving a location: the old location's readers must drop the record.
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND old_loc IS DISTINCT FROM new_loc) THEN
    INSERT INTO change_log (entity, entity_id, version, op, location_id, permission, row)
    VALUES (TG_TABLE_NAME, old_j ->> 'id', (old_j ->> 'version')::int, 'delete', old_loc, perm, NULL);
    PERFORM pg_notify('voltbay_changes', json_build_object('e', TG_TABLE_NAME, 'l', old_loc, 'p', perm)::text);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO change_log (entity, entity_id, version, op, location_id, permission, row)
    VALUES (TG_TABLE_NAME, new_j ->> 'id', (new_j ->> 'version')::int, 'upsert', new_loc, perm, new_j - hidden);
    -- Identical payloads within one transaction are delivered once.
    PERFORM pg_notify('voltbay_changes', json_build_object('e', TG_TABLE_NAME, 'l', new_loc, 'p', perm)::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER locations_change AFTER INSERT OR UPDATE OR DELETE ON locations
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('locations.read', 'id', '');
