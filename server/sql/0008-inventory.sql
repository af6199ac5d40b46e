-- 0008 — inventory (S4; docs/api-inventory.md): the parts catalog, stock per
-- location kept from an append-only ledger, reorder alerts, purchase orders,
-- transfers between locations and technicians' requests to the desk.
--
-- The rules live here, in triggers, so a sync push or a second server obeys
-- them too:
--   * stock_levels is written only by the ledger trigger, which locks the
--     stock row, applies the movement and refuses (VB409 naming quantity)
--     anything that would make on_hand, reserved or available negative —
--     two technicians taking the last unit: one wins, the other gets 409;
--   * the ledger (stock_movements) is append-only;
--   * reorder alerts open once when available falls to or below the reorder
--     point and close when it is back above.
-- Custom SQLSTATEs: VB409 → 409 (state), VB403 → 403 (who), P0001 → 422.

-- ---------------------------------------------------------------- parts ---

CREATE TABLE parts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sku                text NOT NULL UNIQUE CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
  name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description        text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  compatible_models  text[] NOT NULL DEFAULT '{}' CHECK (cardinality(compatible_models) <= 200),
  unit_cost_amount   bigint NOT NULL CHECK (unit_cost_amount >= 0),
  sale_price_amount  bigint NOT NULL CHECK (sale_price_amount >= 0),
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- = location_rates.name (kind 'tax') at the location that sells it
  tax_class          text NOT NULL DEFAULT 'VAT' CHECK (length(tax_class) BETWEEN 1 AND 50),
  supplier           text NOT NULL DEFAULT '' CHECK (length(supplier) <= 200),
  active             boolean NOT NULL DEFAULT true,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parts_name ON parts (lower(name));
CREATE INDEX parts_sku_lower ON parts (lower(sku));

-- ---------------------------------------------------------- stock levels ---

-- One row per part and location; on_hand and reserved only ever change
-- through the ledger (vb_stock_apply).  reorder_point NULL: no alerts.
CREATE TABLE stock_levels (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id       uuid NOT NULL REFERENCES locations,
  part_id           uuid NOT NULL REFERENCES parts,
  on_hand           integer NOT NULL DEFAULT 0,
  reserved          integer NOT NULL DEFAULT 0,
  available         integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
  reorder_point     integer CHECK (reorder_point BETWEEN 0 AND 1000000),
  reorder_quantity  integer NOT NULL DEFAULT 0 CHECK (reorder_quantity BETWEEN 0 AND 1000000),
  bin               text NOT NULL DEFAULT '' CHECK (length(bin) <= 50),
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (location_id, part_id),
  CONSTRAINT stock_levels_on_hand_check CHECK (on_hand >= 0),
  CONSTRAINT stock_levels_reserved_check CHECK (reserved >= 0 AND reserved <= on_hand)
);
CREATE INDEX stock_levels_part ON stock_levels (part_id);

-- ---------------------------------------------------------------- ledger ---

-- Append-only.  quantity is the signed effect: on on_hand for receipt (+),
-- consumption (-), return (+), adjustment (±), transfer_out (-) and
-- transfer_in (+); on reserved for reservation (+) and release (-).
-- reserved_delta is what the movement did to reserved (a consumption from
-- the work order's reservation also lowers it); on_hand_delta likewise.
CREATE TABLE stock_movements (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id             uuid NOT NULL REFERENCES locations,
  part_id                 uuid NOT NULL REFERENCES parts,
  kind                    text NOT NULL CHECK (kind IN ('receipt', 'reservation', 'release', 'consumption',
                                                        'return', 'adjustment', 'transfer_out', 'transfer_in')),
  quantity                integer NOT NULL CHECK (quantity <> 0),
  on_hand_delta           integer NOT NULL DEFAULT 0,
  reserved_delta          integer NOT NULL DEFAULT 0,
  from_reservation        boolean NOT NULL DEFAULT false,
  work_order_id           uuid REFERENCES work_orders,
  task_id                 uuid REFERENCES work_order_tasks,
  reason                  text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
  unit_cost_amount        bigint CHECK (unit_cost_amount >= 0),
  currency                text CHECK (currency ~ '^[A-Z]{3}$'),
  purchase_order_line_id  uuid,
  stock_transfer_id       uuid,
  inventory_request_id    uuid,
  created_by              uuid REFERENCES users,
  created_at              timestamptz NOT NULL DEFAULT now(),
  version                 integer NOT NULL DEFAULT 1,
  CHECK (CASE kind
           WHEN 'receipt'      THEN quantity > 0
           WHEN 'reservation'  THEN quantity > 0 AND work_order_id IS NOT NULL
           WHEN 'release'      THEN quantity < 0 AND work_order_id IS NOT NULL
           WHEN 'consumption'  THEN quantity < 0 AND work_order_id IS NOT NULL
           WHEN 'return'       THEN quantity > 0 AND work_order_id IS NOT NULL
           WHEN 'adjustment'   THEN length(btrim(reason)) > 0
           WHEN 'transfer_out' THEN quantity < 0
           WHEN 'transfer_in'  THEN quantity > 0
         END)
);
CREATE INDEX stock_movements_stock ON stock_movements (location_id, part_id, created_at);
CREATE INDEX stock_movements_work_order ON stock_movements (work_order_id, part_id) WHERE work_order_id IS NOT NULL;

-- Net parts used on a work order (consumption minus returns), for invoices.
CREATE VIEW work_order_parts_used AS
  SELECT work_order_id, part_id, (-sum(quantity))::integer AS quantity
    FROM stock_movements
   WHERE work_order_id IS NOT NULL AND kind IN ('consumption', 'return')
   GROUP BY work_order_id, part_id
  HAVING -sum(quantity) > 0;

-- What a work order still holds reserved of a part at a location.
CREATE FUNCTION vb_work_order_reserved (p_order uuid, p_part uuid) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(reserved_delta), 0)::integer FROM stock_movements
   WHERE work_order_id = p_order AND part_id = p_part
$$;

-- Applies a movement to its stock row (locked for the rest of the
-- transaction, so concurrent movements of a part at a location queue here).
CREATE FUNCTION vb_stock_apply () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s        stock_levels;
  wo       work_orders;
  held     integer;
  used     integer;
  v_on_hand   integer;
  v_reserved  integer;
BEGIN
  NEW.created_by := coalesce(NEW.created_by, vb_actor());
  NEW.created_at := now();
  IF NOT EXISTS (SELECT 1 FROM parts WHERE id = NEW.part_id) THEN
    RAISE EXCEPTION 'No such part' USING COLUMN = 'part_id';
  END IF;
  IF NEW.work_order_id IS NOT NULL THEN
    SELECT * INTO wo FROM work_orders WHERE id = NEW.work_order_id;
    IF NOT FOUND OR wo.location_id <> NEW.location_id THEN
      RAISE EXCEPTION 'No such work order at this location' USING COLUMN = 'work_order_id';
    END IF;
    IF NEW.kind IN ('reservation', 'consumption') AND wo.status IN ('collected', 'cancelled') THEN
      PERFORM vb_state_error(format('The work order is %s', wo.status), 'work_order_id');
    END IF;
    IF NEW.task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM work_order_tasks
                                                WHERE id = NEW.task_id AND work_order_id = NEW.work_order_id) THEN
      RAISE EXCEPTION 'No such task on this work order' USING COLUMN = 'task_id';
    END IF;
  ELSIF NEW.task_id IS NOT NULL THEN
    RAISE EXCEPTION 'A task needs its work order' USING COLUMN = 'work_order_id';
  END IF;

  INSERT INTO stock_levels (location_id, part_id) VALUES (NEW.location_id, NEW.part_id)
    ON CONFLICT (location_id, part_id) DO NOTHING;
  SELECT * INTO s FROM stock_levels WHERE location_id = NEW.location_id AND part_id = NEW.part_id FOR UPDATE;

  NEW.on_hand_delta := CASE WHEN NEW.kind IN ('reservation', 'release') THEN 0 ELSE NEW.quantity END;
  NEW.reserved_delta := CASE WHEN NEW.kind IN ('reservation', 'release') THEN NEW.quantity ELSE 0 END;
  IF NEW.kind <> 'consumption' THEN
    NEW.from_reservation := false;
  END IF;

  IF NEW.kind IN ('release', 'consumption') AND (NEW.kind = 'release' OR NEW.from_reservation) THEN
    held := vb_work_order_reserved(NEW.work_order_id, NEW.part_id);
    IF held < -NEW.quantity THEN
      PERFORM vb_state_error(format('The work order holds %s reserved of this part', held), 'quantity');
    END IF;
    IF NEW.kind = 'consumption' THEN
      NEW.reserved_delta := NEW.quantity;
    END IF;
  END IF;
  IF NEW.kind = 'return' THEN
    SELECT coalesce(-sum(quantity), 0) INTO used FROM stock_movements
     WHERE work_order_id = NEW.work_order_id AND part_id = NEW.part_id AND kind IN ('consumption', 'return');
    IF used < NEW.quantity THEN
      PERFORM vb_state_error(format('The work order used %s of this part; no more can come back', used), 'quantity');
    END IF;
  END IF;

  v_on_hand := s.on_hand + NEW.on_hand_delta;
  v_reserved := s.reserved + NEW.reserved_delta;
  IF v_on_hand < 0 THEN
    PERFORM vb_state_error(format('Not enough stock: %s on hand', s.on_hand), 'quantity');
  END IF;
  IF v_on_hand - v_reserved < 0 THEN
    PERFORM vb_state_error(format('Not enough stock: %s available (%s on hand, %s reserved)',
                                  s.on_hand - s.reserved, s.on_hand, s.reserved), 'quantity');
  END IF;
  PERFORM set_config('voltbay.stock_apply', 'on', true);
  UPDATE stock_levels SET on_hand = v_on_hand, reserved = v_reserved WHERE id = s.id;
  PERFORM set_config('voltbay.stock_apply', '', true);
  RETURN NEW;
END $$;

-- on_hand and reserved are the ledger's: nobody sets them directly.
CREATE FUNCTION vb_stock_level_guard () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('voltbay.stock_apply', true), '') <> 'on' THEN
    IF TG_OP = 'INSERT' AND (NEW.on_hand <> 0 OR NEW.reserved <> 0) THEN
      PERFORM vb_state_error('Stock changes only through stock movements', 'on_hand');
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.on_hand <> OLD.on_hand OR NEW.reserved <> OLD.reserved) THEN
      PERFORM vb_state_error('Stock changes only through stock movements', 'on_hand');
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.location_id <> OLD.location_id OR NEW.part_id <> OLD.part_id) THEN
    PERFORM vb_state_error('A stock row stays with its part and location', 'part_id');
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_ledger_append_only () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'VB409';
END $$;

CREATE TRIGGER stock_movements_apply BEFORE INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION vb_stock_apply();
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION vb_ledger_append_only();
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
  FOR EACH STATEMENT EXECUTE FUNCTION vb_ledger_append_only();
CREATE TRIGGER stock_levels_guard BEFORE INSERT OR UPDATE ON stock_levels
  FOR EACH ROW EXECUTE FUNCTION vb_stock_level_guard();

CREATE TRIGGER parts_touch BEFORE UPDATE ON parts FOR EACH ROW EXECUTE FUNCTION vb_touch();
CREATE TRIGGER stock_levels_touch BEFORE UPDATE ON stock_levels FOR EACH ROW EXECUTE FUNCTION vb_touch();

CREATE TRIGGER parts_audit AFTER INSERT OR UPDATE OR DELETE ON parts
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER stock_levels_audit AFTER INSERT OR UPDATE OR DELETE ON stock_levels
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');
CREATE TRIGGER stock_movements_audit AFTER INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION vb_audit_row('', '');

CREATE TRIGGER parts_change AFTER INSERT OR UPDATE OR DELETE ON parts
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('inventory.read', '', '');
CREATE TRIGGER stock_levels_change AFTER INSERT OR UPDATE OR DELETE ON stock_levels
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('inventory.read', 'location_id', '');
CREATE TRIGGER stock_movements_change AFTER INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('inventory.read', 'location_id', '');

-- A work order that is cancelled or collected gives back what it still
-- holds reserved (release movements, in part order so concurrent releases
-- lock stock rows in the same order).
CREATE FUNCTION vb_work_order_release_parts () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('cancelled', 'collected') AND NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO stock_movements (location_id, part_id, kind, quantity, work_order_id, reason)
    SELECT NEW.location_id, m.part_id, 'release', -sum(m.reserved_delta)::integer, NEW.id,
           format('Work order %s', NEW.status)
      FROM stock_movements m
     WHERE m.work_order_id = NEW.id
     GROUP BY m.part_id
    HAVING sum(m.reserved_delta) > 0
     ORDER BY m.part_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER work_orders_release_parts AFTER UPDATE OF status ON work_orders
  FOR EACH ROW EXECUTE FUNCTION vb_work_order_release_parts();

-- -------------------------------------------------------- reorder alerts ---

-- Open while available <= reorder_point: raised once, closed when stock is
-- back above (or the reorder point is cleared).
CREATE TABLE stock_alerts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id        uuid NOT NULL REFERENCES locations,
  part_id            uuid NOT NULL REFERENCES parts,
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  available_at_open  integer NOT NULL,
  reorder_point      integer NOT NULL,
  purchase_order_id  uuid,
  opened_at          timestamptz NOT NULL DEFAULT now(),
  closed_at          timestamptz,
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX stock_alerts_one_open ON stock_alerts (location_id, part_id) WHERE status = 'open';
CREATE INDEX stock_alerts_location ON stock_alerts (location_id, opened_at DESC);

CREATE FUNCTION vb_stock_alert_check () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.reorder_point IS NOT NULL AND NEW.available <= NEW.reorder_point THEN
    INSERT INTO stock_alerts (location_id, part_id, available_at_open, reorder_point)
    VALUES (NEW.location_id, NEW.part_id, NEW.available, NEW.reorder_point)
    ON CONFLICT (location_id, part_id) WHERE status = 'open' DO NOTHING;
  ELSE
    UPDATE stock_alerts SET status = 'closed', closed_at = now()
     WHERE location_id = NEW.location_id AND part_id = NEW.part_id AND status = 'open';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER stock_levels_alert AFTER INSERT OR UPDATE ON stock_levels
  FOR EACH ROW EXECUTE FUNCTION vb_stock_alert_check();

-- ------------------------------------------------------- purchase orders ---

CREATE TABLE purchase_orders (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id    uuid NOT NULL REFERENCES locations,
  supplier       text NOT NULL CHECK (length(btrim(supplier)) BETWEEN 1 AND 200),
  status         text NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'ordered', 'partially_received', 'received', 'cancelled')),
  currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  cancel_reason  text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 1000),
  created_by     uuid REFERENCES users,
  ordered_at     timestamptz,
  received_at    timestamptz,
  cancelled_at   timestamptz,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_orders_location ON purchase_orders (location_id, created_at DESC);

CREATE TABLE purchase_order_lines (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  purchase_order_id  uuid NOT NULL REFERENCES purchase_orders ON DELETE CASCADE,
  location_id        uuid NOT NULL REFERENCES locations,
  part_id            uuid NOT NULL REFERENCES parts,
  quantity_ordered   integer NOT NULL CHECK (quantity_ordered BETWEEN 1 AND 1000000),
  quantity_received  integer NOT NULL DEFAULT 0 CHECK (quantity_received >= 0),
  unit_cost_amount   bigint NOT NULL CHECK (unit_cost_amount >= 0),
  currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (purchase_order_id, part_id),
  CONSTRAINT purchase_order_lines_received_check CHECK (quantity_received <= quantity_ordered)
);
CREATE INDEX purchase_order_lines_order ON purchase_order_lines (purchase_order_id);

ALTER TABLE stock_alerts ADD FOREIGN KEY (purchase_order_id) REFERENCES purchase_orders;
ALTER TABLE stock_movements ADD FOREIGN KEY (purchase_order_line_id) REFERENCES purchase_order_lines;

CREATE FUNCTION vb_purchase_order_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  receiving  boolean := coalesce(current_setting('voltbay.po_receive', true), '') = 'on';
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := coalesce(NEW.created_by, vb_actor());
    IF NEW.status <> 'draft' THEN
      PERFORM vb_state_error('A purchase order starts as a draft', 'status');
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.location_id <> OLD.location_id THEN
    PERFORM vb_state_error('A purchase order stays at its location', 'location_id');
  END IF;
  IF OLD.status <> 'draft' AND (NEW.supplier <> OLD.supplier OR NEW.currency <> OLD.currency) THEN
    PERFORM vb_state_error(format('The purchase order is %s: supplier and currency are fixed', OLD.status), 'status');
  END IF;
  IF NEW.currency <> OLD.currency AND EXISTS (SELECT 1 FROM purchase_order_lines WHERE purchase_order_id = NEW.id) THEN
    PERFORM vb_state_error('The purchase order has lines in its currency', 'currency');
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT ((OLD.status, NEW.status) IN (('draft', 'ordered'), ('draft', 'cancelled'), ('ordered', 'cancelled'))
            OR (receiving AND OLD.status IN ('ordered', 'partially_received')
                AND NEW.status IN ('partially_received', 'received'))) THEN
      PERFORM vb_state_error(format('A purchase order cannot go from %s to %s', OLD.status, NEW.status), 'status');
    END IF;
    IF NEW.status = 'ordered' THEN
      IF NOT EXISTS (SELECT 1 FROM purchase_order_lines WHERE purchase_order_id = NEW.id) THEN
        PERFORM vb_state_error('A purchase order needs at least one line before it is ordered', 'lines');
      END IF;
      NEW.ordered_at := now();
    ELSIF NEW.status = 'cancelled' THEN
      NEW.cancelled_at := now();
    ELSIF NEW.status = 'received' THEN
      NEW.received_at := now();
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_purchase_order_line_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  po         purchase_orders;
  receiving  boolean := coalesce(current_setting('voltbay.po_receive', true), '') = 'on';
BEGIN
  SELECT * INTO po FROM purchase_orders
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.purchase_order_id ELSE NEW.purchase_order_id END;
  IF TG_OP = 'DELETE' THEN
    IF po.status IS NOT NULL AND po.status <> 'draft' THEN
      PERFORM vb_state_error(format('The purchase order is %s: its lines are fixed', po.status), 'status');
    END IF;
    RETURN OLD;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such purchase order' USING COLUMN = 'purchase_order_id';
  END IF;
  NEW.location_id := po.location_id;
  IF TG_OP = 'INSERT' THEN
    IF po.status <> 'draft' THEN
      PERFORM vb_state_error(format('The purchase order is %s: its lines are fixed', po.status), 'status');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parts WHERE id = NEW.part_id) THEN
      RAISE EXCEPTION 'No such part' USING COLUMN = 'part_id';
    END IF;
    NEW.currency := coalesce(NEW.currency, po.currency);
    IF NEW.quantity_received <> 0 THEN
      PERFORM vb_state_error('Received quantities come from receipts', 'quantity_received');
    END IF;
  ELSE
    IF NEW.purchase_order_id <> OLD.purchase_order_id OR NEW.part_id <> OLD.part_id THEN
      PERFORM vb_state_error('A line stays with its purchase order and part', 'part_id');
    END IF;
    IF po.status <> 'draft' AND (NEW.quantity_ordered <> OLD.quantity_ordered
                                 OR NEW.unit_cost_amount <> OLD.unit_cost_amount) THEN
      PERFORM vb_state_error(format('The purchase order is %s: its lines are fixed', po.status), 'status');
    END IF;
    IF NEW.quantity_received <> OLD.quantity_received AND NOT receiving THEN
      PERFORM vb_state_error('Received quantities come from receipts', 'quantity_received');
    END IF;
  END IF;
  IF NEW.currency <> po.currency THEN
    RAISE EXCEPTION 'The line is in %, the purchase order in %', NEW.currency, po.currency USING COLUMN = 'currency';
  END IF;
  RETURN NEW;
END $$;

-- A receipt against a purchase-order line counts as received there and
-- moves the order to partially_received / received.
CREATE FUNCTION vb_purchase_order_receipt () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  l     purchase_order_lines;
  po    purchase_orders;
BEGIN
  IF NEW.purchase_order_line_id IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO l FROM purchase_order_lines WHERE id = NEW.purchase_order_line_id FOR UPDATE;
  SELECT * INTO po FROM purchase_orders WHERE id = l.purchase_order_id FOR UPDATE;
  IF NEW.kind <> 'receipt' OR l.part_id <> NEW.part_id OR l.location_id <> NEW.location_id THEN
    RAISE EXCEPTION 'The movement does not match the purchase order line' USING COLUMN = 'purchase_order_line_id';
  END IF;
  IF po.status NOT IN ('ordered', 'partially_received') THEN
    PERFORM vb_state_error(format('The purchase order is %s; only ordered goods are received', po.status), 'status');
  END IF;
  IF l.quantity_received + NEW.quantity > l.quantity_ordered THEN
    PERFORM vb_state_error(format('The line has %s ordered and %s received already',
                                  l.quantity_ordered, l.quantity_received), 'quantity');
  END IF;
  PERFORM set_config('voltbay.po_receive', 'on', true);
  UPDATE purchase_order_lines SET quantity_received = quantity_received + NEW.quantity WHERE id = l.id;
  UPDATE purchase_orders
     SET status = CASE WHEN EXISTS (SELECT 1 FROM purchase_order_lines
                                     WHERE purchase_order_id = po.id AND quantity_received < quantity_ordered)
                       THEN 'partially_received' ELSE 'received' END
   WHERE id = po.id;
  PERFORM set_config('voltbay.po_receive', '', true);
  RETURN NULL;
END $$;

CREATE TRIGGER purchase_orders_check BEFORE INSERT OR UPDATE ON purchase_orders
  FOR EACH ROW EXECUTE FUNCTION vb_purchase_order_check();
CREATE TRIGGER purchase_order_lines_check BEFORE INSERT OR UPDATE OR DELETE ON purchase_order_lines
  FOR EACH ROW EXECUTE FUNCTION vb_purchase_order_line_check();
CREATE TRIGGER stock_movements_purchase_order AFTER INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION vb_purchase_order_receipt();

-- ------------------------------------------------------------- transfers ---

-- requested → in_transit (transfer_out at the source) → received
-- (transfer_in at the destination); cancelled only while requested.
CREATE TABLE stock_transfers (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  from_location_id  uuid NOT NULL REFERENCES locations,
  to_location_id    uuid NOT NULL REFERENCES locations,
  part_id           uuid NOT NULL REFERENCES parts,
  quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
  status            text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'in_transit', 'received', 'cancelled')),
  note              text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  requested_by      uuid REFERENCES users,
  shipped_by        uuid REFERENCES users,
  shipped_at        timestamptz,
  received_by       uuid REFERENCES users,
  received_at       timestamptz,
  cancelled_at      timestamptz,
  version           integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT stock_transfers_locations_check CHECK (from_location_id <> to_location_id)
);
CREATE INDEX stock_transfers_from ON stock_transfers (from_location_id, created_at DESC);
CREATE INDEX stock_transfers_to ON stock_transfers (to_location_id, created_at DESC);

ALTER TABLE stock_movements ADD FOREIGN KEY (stock_transfer_id) REFERENCES stock_transfers;

CREATE FUNCTION vb_stock_transfer_check () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.requested_by := coalesce(NEW.requested_by, vb_actor());
    IF NEW.status <> 'requested' THEN
      PERFORM vb_state_error('A transfer starts as requested', 'status');
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.from_location_id <> OLD.from_location_id OR NEW.to_location_id <> OLD.to_location_id
     OR NEW.part_id <> OLD.part_id OR (OLD.status <> 'requested' AND NEW.quantity <> OLD.quantity) THEN
    PERFORM vb_state_error(format('The transfer is %s: what and where are fixed', OLD.status), 'status');
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF (OLD.status, NEW.status) NOT IN (('requested', 'in_transit'), ('in_transit', 'received'),
                                        ('requested', 'cancelled')) THEN
      PERFORM vb_state_error(format('A transfer cannot go from %s to %s', OLD.status, NEW.status), 'status');
    END IF;
    CASE NEW.status
      WHEN 'in_transit' THEN NEW.shipped_by := vb_actor(); NEW.shipped_at := now();
      WHEN 'received' THEN NEW.received_by := vb_actor(); NEW.received_at := now();
      ELSE NEW.cancelled_at := now();
    END CASE;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_stock_transfer_move () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NULL;
  END IF;
  IF NEW.status = 'in_transit' THEN
    INSERT INTO stock_movements (location_id, part_id, kind, quantity, stock_transfer_id, reason)
    VALUES (NEW.from_location_id, NEW.part_id, 'transfer_out', -NEW.quantity, NEW.id, NEW.note);
  ELSIF NEW.status = 'received' THEN
    INSERT INTO stock_movements (location_id, part_id, kind, quantity, stock_transfer_id, reason)
    VALUES (NEW.to_location_id, NEW.part_id, 'transfer_in', NEW.quantity, NEW.id, NEW.note);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER stock_transfers_check BEFORE INSERT OR UPDATE ON stock_transfers
  FOR EACH ROW EXECUTE FUNCTION vb_stock_transfer_check();
CREATE TRIGGER stock_transfers_move AFTER UPDATE ON stock_transfers
  FOR EACH ROW EXECUTE FUNCTION vb_stock_transfer_move();

-- ---------------------------------------------------- inventory requests ---

-- A technician asks the desk for a part for a work order: open → fulfilled
-- (a reservation for the work order) or declined with a reason, or
-- cancelled by the asker.
CREATE TABLE inventory_requests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id     uuid NOT NULL REFERENCES locations,
  work_order_id   uuid NOT NULL REFERENCES work_orders,
  task_id         uuid REFERENCES work_order_tasks,
  part_id         uuid NOT NULL REFERENCES parts,
  quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  note            text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'fulfilled', 'declined', 'cancelled')),
  decline_reason  text NOT NULL DEFAULT '' CHECK (length(decline_reason) <= 1000),
  requested_by    uuid REFERENCES users,
  decided_by      uuid REFERENCES users,
  decided_at      timestamptz,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_requests_location ON inventory_requests (location_id, status, created_at DESC);
CREATE INDEX inventory_requests_work_order ON inventory_requests (work_order_id);

ALTER TABLE stock_movements ADD FOREIGN KEY (inventory_request_id) REFERENCES inventory_requests;

CREATE FUNCTION vb_inventory_request_check () RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  st  text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT location_id, status INTO NEW.location_id, st FROM work_orders WHERE id = NEW.work_order_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'No such work order' USING COLUMN = 'work_order_id';
    END IF;
    IF st IN ('collected', 'cancelled') THEN
      PERFORM vb_state_error(format('The work order is %s', st), 'work_order_id');
    END IF;
    IF NEW.task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM work_order_tasks
                                                WHERE id = NEW.task_id AND work_order_id = NEW.work_order_id) THEN
      RAISE EXCEPTION 'No such task on this work order' USING COLUMN = 'task_id';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parts WHERE id = NEW.part_id AND active) THEN
      RAISE EXCEPTION 'No such active part' USING COLUMN = 'part_id';
    END IF;
    NEW.requested_by := coalesce(NEW.requested_by, vb_actor());
    IF NEW.status <> 'open' THEN
      PERFORM vb_state_error('A request starts open', 'status');
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.work_order_id <> OLD.work_order_id OR NEW.part_id <> OLD.part_id OR NEW.location_id <> OLD.location_id
     OR NEW.quantity <> OLD.quantity THEN
    PERFORM vb_state_error('A request keeps its work order, part and quantity', 'part_id');
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF OLD.status <> 'open' THEN
      PERFORM vb_state_error(format('The request is %s already', OLD.status), 'status');
    END IF;
    IF NEW.status = 'declined' AND btrim(NEW.decline_reason) = '' THEN
      RAISE EXCEPTION 'A reason is required' USING COLUMN = 'reason';
    END IF;
    NEW.decided_by := vb_actor();
    NEW.decided_at := now();
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION vb_inventory_request_fulfil () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'fulfilled' AND OLD.status <> 'fulfilled' THEN
    INSERT INTO stock_movements (location_id, part_id, kind, quantity, work_order_id, task_id,
                                 inventory_request_id, reason)
    VALUES (NEW.location_id, NEW.part_id, 'reservation', NEW.quantity, NEW.work_order_id, NEW.task_id,
            NEW.id, NEW.note);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER inventory_requests_check BEFORE INSERT OR UPDATE ON inventory_requests
  FOR EACH ROW EXECUTE FUNCTION vb_inventory_request_check();
CREATE TRIGGER inventory_requests_fulfil AFTER UPDATE ON inventory_requests
  FOR EACH ROW EXECUTE FUNCTION vb_inventory_request_fulfil();

-- ------------------------------------------- versions, audit, change feed ---

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['stock_alerts', 'purchase_orders', 'purchase_order_lines', 'stock_transfers',
                           'inventory_requests'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION vb_touch()',
                   t || '_touch', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_audit_row(%L, %L)', t || '_audit', t, '', '');
  END LOOP;
  FOREACH t IN ARRAY ARRAY['stock_alerts', 'purchase_orders', 'purchase_order_lines', 'inventory_requests'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION vb_change_row(%L, %L, %L)',
                   t || '_change', t, 'inventory.read', 'location_id', '');
  END LOOP;
END $$;
-- A transfer is seen at both ends.
CREATE TRIGGER stock_transfers_change_from AFTER INSERT OR UPDATE OR DELETE ON stock_transfers
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('inventory.read', 'from_location_id', '');
CREATE TRIGGER stock_transfers_change_to AFTER INSERT OR UPDATE OR DELETE ON stock_transfers
  FOR EACH ROW EXECUTE FUNCTION vb_change_row('inventory.read', 'to_location_id', '');

-- -------------------------------------------------------- permissions ---

INSERT INTO permissions (name, description) VALUES
  ('inventory.read',    'See the parts catalog, stock, alerts, purchase orders, transfers and requests'),
  ('inventory.manage',  'Change the parts catalog; receive, adjust and transfer stock; purchase orders; answer requests'),
  ('inventory.consume', 'Reserve, consume and return parts against a work order'),
  ('inventory.request', 'Ask the desk for parts for a work order');

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['inventory.read', 'inventory.manage', 'inventory.consume', 'inventory.request']) p
   WHERE r.name IN ('admin', 'manager');
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, 'inventory.read' FROM roles r WHERE r.name = 'reception';
INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p FROM roles r,
         unnest(ARRAY['inventory.read', 'inventory.consume', 'inventory.request']) p
   WHERE r.name = 'technician';
