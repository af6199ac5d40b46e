/* vb-handler-stock.c — stock levels, the movement ledger and reorder alerts
 * (S4): /api/v1/stock, /api/v1/stock-movements, /api/v1/stock-alerts.
 *
 * Stock is never written here: a movement is inserted and the trigger
 * vb_stock_apply (0008-inventory.sql) locks the stock row, applies it and
 * refuses (VB409 → 409 naming quantity) what would make on_hand, reserved
 * or available negative, so two technicians taking the last unit get one
 * 201 and one 409.  The API takes positive quantities (an adjustment is
 * signed); the ledger stores the signed effect.
 *
 * Who, at the movement's location: receipts and adjustments need
 * inventory.manage; reservations, releases, consumption and returns (always
 * against a work order) inventory.consume; transfers go through
 * /api/v1/stock-transfers.  Reading needs inventory.read there.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define LEVEL_COLUMNS \
  "s.id, s.location_id, s.part_id, p.sku, p.name AS part_name, s.on_hand, s.reserved, s.available," \
  " s.reorder_point, s.reorder_quantity, s.bin," \
  " (s.reorder_point IS NOT NULL AND s.available <= s.reorder_point) AS below_reorder_point," \
  " s.version, s.created_at, s.updated_at"

#define LEVEL_SQL \
  "SELECT " LEVEL_COLUMNS " FROM stock_levels s JOIN parts p ON p.id = s.part_id WHERE s.id = $1::uuid"

#define MOVEMENT_COLUMNS \
  "m.id, m.location_id, m.part_id, p.sku, m.kind, m.quantity, m.on_hand_delta, m.reserved_delta," \
  " m.from_reservation, m.work_order_id, m.task_id, m.reason, m.unit_cost_amount, m.currency," \
  " m.purchase_order_line_id, m.stock_transfer_id, m.inventory_request_id, m.created_by, m.created_at, m.version"

#define MOVEMENT_SQL \
  "SELECT " MOVEMENT_COLUMNS "," \
  "       (SELECT json_build_object('id', s.id, 'on_hand', s.on_hand, 'reserved', s.reserved," \
  "                                 'available', s.available, 'version', s.version)" \
  "          FROM stock_levels s WHERE s.location_id = m.location_id AND s.part_id = m.part_id) AS stock" \
  "  FROM stock_movements m JOIN parts p ON p.id = m.part_id WHERE m.id = $1::uuid"

/* An alert with the stock now and the suggested purchase order. */
#define ALERT_COLUMNS \
  "a.id, a.location_id, a.part_id, p.sku, p.name AS part_name, a.status, a.available_at_open," \
  " a.reorder_point, a.purchase_order_id, a.opened_at, a.closed_at, a.version, a.created_at, a.updated_at," \
  " s.on_hand, s.available, s.reorder_quantity," \
  " greatest(s.reorder_quantity, coalesce(s.reorder_point, 0) - s.available + 1, 1) AS suggested_quantity," \
  " json_build_object('supplier', p.supplier, 'currency', p.currency, 'lines', json_build_array(" \
  "   json_build_object('part_id', p.id, 'sku', p.sku," \
  "     'quantity', greatest(s.reorder_quantity, coalesce(s.reorder_point, 0) - s.available + 1, 1)," \
  "     'unit_cost_amount', p.unit_cost_amount))) AS suggested_purchase_order"

#define ALERT_FROM \
  " FROM stock_alerts a JOIN parts p ON p.id = a.part_id" \
  " JOIN stock_levels s ON s.location_id = a.location_id AND s.part_id = a.part_id"

static const char * const api_kinds[] = {
  "receipt", "reservation", "release", "consumption", "return", "adjustment", NULL
};

static const VbHandlerField movement_fields[] = {
  { "id",               VB_HANDLER_FIELD_UUID,   FALSE, FALSE, 0, 0,              NULL },
  { "location_id",      VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,              NULL },
  { "part_id",          VB_HANDLER_FIELD_UUID,   TRUE,  FALSE, 0, 0,              NULL },
  { "kind",             VB_HANDLER_FIELD_CHOICE, TRUE,  FALSE, 0, 0,              api_kinds },
  { "quantity",         VB_HANDLER_FIELD_INT,    TRUE,  FALSE, -1000000, 1000000, NULL },
  { "work_order_id",    VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,              NULL },
  { "task_id",          VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,              NULL },
  { "reason",           VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 0, 1000,           NULL },
  { "from_reservation", VB_HANDLER_FIELD_BOOL,   FALSE, FALSE, 0, 0,              NULL },
  { "unit_cost_amount", VB_HANDLER_FIELD_INT,    FALSE, TRUE,  0, G_MAXINT64 / 2, NULL },
};

static const VbHandlerField level_fields[] = {
  { "location_id",      VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,       NULL },
  { "part_id",          VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,       NULL },
  { "reorder_point",    VB_HANDLER_FIELD_INT,  FALSE, TRUE,  0, 1000000, NULL },
  { "reorder_quantity", VB_HANDLER_FIELD_INT,  FALSE, FALSE, 0, 1000000, NULL },
  { "bin",              VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 50,      NULL },
};

static const VbHandlerField level_update_fields[] = {
  { "reorder_point",    VB_HANDLER_FIELD_INT,  FALSE, TRUE,  0, 1000000, NULL },
  { "reorder_quantity", VB_HANDLER_FIELD_INT,  FALSE, FALSE, 0, 1000000, NULL },
  { "bin",              VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 50,      NULL },
};

/* ---------------------------------------------------------- movements --- */

/* Where the movement happens and whether the caller may make it there.  A
 * work order or location the caller cannot see is "no such" (422). */
static gboolean
movement_scope (VbDbConn        *conn,
                VbHandlerWrite  *w,
                const char      *permission,
                GError         **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT b ->> 'work_order_id' IS NOT NULL,"
    "       coalesce(vb_has_permission($1::uuid, 'inventory.read', wo.location_id), false),"
    "       wo.location_id IS NOT NULL AND b ->> 'location_id' IS NOT NULL"
    "         AND wo.location_id <> (b ->> 'location_id')::uuid,"
    "       coalesce(vb_has_permission($1::uuid, 'inventory.read', l.id), false),"
    "       coalesce(vb_has_permission($1::uuid, $3, l.id), false),"
    "       l.id, EXISTS (SELECT 1 FROM parts WHERE id = (b ->> 'part_id')::uuid)"
    "  FROM (SELECT $2::jsonb AS b) y"
    "  LEFT JOIN work_orders wo ON wo.id = (b ->> 'work_order_id')::uuid"
    "  LEFT JOIN locations l ON l.id = coalesce(wo.location_id, (b ->> 'location_id')::uuid)",
    w->user_id, w->body, permission);

  if (res == NULL)
    return FALSE;
  if (vb_db_get_bool (res, 0, 0) && !vb_db_get_bool (res, 0, 1))
    return vb_set_validation_error (error, "work_order_id", "No such work order"), FALSE;
  if (vb_db_get_bool (res, 0, 2))
    return vb_set_validation_error (error, "location_id", "The work order is at another location"), FALSE;
  if (!vb_db_get_bool (res, 0, 3))
    return vb_set_validation_error (error, "location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (res, 0, 4))
    return vb_handler_forbidden (error, g_str_equal (permission, "inventory.manage")
                                        ? "Receipts and adjustments need inventory.manage at the location"
                                        : "Parts for work orders need inventory.consume at the location");
  if (!vb_db_get_bool (res, 0, 6))
    return vb_set_validation_error (error, "part_id", "No such part"), FALSE;
  return TRUE;
}

static gboolean
movement_txn (VbDbConn  *conn,
              gpointer   user_data,
              GError   **error)
{
  VbHandlerWrite *w = user_data;
  const char *permission = w->flag ? "inventory.manage" : "inventory.consume";
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!movement_scope (conn, w, permission, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO stock_movements (id, location_id, part_id, kind, quantity, work_order_id, task_id, reason,"
    "                             from_reservation, unit_cost_amount, currency)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()),"
    "        coalesce(wo.location_id, (b ->> 'location_id')::uuid), (b ->> 'part_id')::uuid, b ->> 'kind',"
    "        CASE WHEN b ->> 'kind' IN ('release', 'consumption') THEN -(b ->> 'quantity')::int"
    "             ELSE (b ->> 'quantity')::int END,"
    "        wo.id, (b ->> 'task_id')::uuid, coalesce(b ->> 'reason', ''),"
    "        coalesce((b ->> 'from_reservation')::boolean, false),"
    "        CASE WHEN b ->> 'kind' = 'receipt' THEN coalesce((b ->> 'unit_cost_amount')::bigint, p.unit_cost_amount) END,"
    "        CASE WHEN b ->> 'kind' = 'receipt' THEN p.currency END"
    "   FROM (SELECT $1::jsonb AS b) x"
    "   JOIN parts p ON p.id = (b ->> 'part_id')::uuid"
    "   LEFT JOIN work_orders wo ON wo.id = (b ->> 'work_order_id')::uuid"
    " RETURNING id",
    w->body);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "stock_movements_pkey", "id", NULL);
      vb_handler_name_conflict (local_error, "stock_levels_on_hand_check", "quantity", "Not enough stock");
      vb_handler_name_conflict (local_error, "stock_levels_reserved_check", "quantity", "Not enough stock");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, MOVEMENT_SQL, vb_db_get (res, 0, 0), "stock movement", &w->result, error);
}

static gboolean
check_movement (JsonObject  *body,
                gboolean    *manage,
                GError     **error)
{
  const char *kind;
  gint64 quantity;

  if (json_object_has_member (body, "kind")
      && (g_strcmp0 (vb_handler_string_member (body, "kind"), "transfer_out") == 0
          || g_strcmp0 (vb_handler_string_member (body, "kind"), "transfer_in") == 0))
    return vb_set_validation_error (error, "kind", "Transfers go through /api/v1/stock-transfers"), FALSE;
  if (!vb_handler_check_fields (body, movement_fields, G_N_ELEMENTS (movement_fields), TRUE, NULL, error))
    return FALSE;
  kind = vb_handler_string_member (body, "kind");
  quantity = json_object_get_int_member (body, "quantity");
  *manage = g_str_equal (kind, "receipt") || g_str_equal (kind, "adjustment");
  if (g_str_equal (kind, "adjustment"))
    {
      const char *reason = vb_handler_string_member (body, "reason");
      g_autofree char *trimmed = g_strstrip (g_strdup (reason ? reason : ""));

      if (quantity == 0)
        return vb_set_validation_error (error, "quantity", "An adjustment changes stock by a non-zero quantity"), FALSE;
      if (trimmed[0] == '\0')
        return vb_set_validation_error (error, "reason", "An adjustment needs a reason"), FALSE;
    }
  else if (quantity < 1)
    return vb_set_validation_error (error, "quantity", "quantity must be at least 1"), FALSE;
  if (!*manage && !vb_handler_has_member (body, "work_order_id"))
    return vb_set_validation_error (error, "work_order_id", "A %s is for a work order: work_order_id is required",
                                    kind), FALSE;
  if (!vb_handler_has_member (body, "work_order_id") && !vb_handler_has_member (body, "location_id"))
    return vb_set_validation_error (error, "location_id", "location_id is required"), FALSE;
  return TRUE;
}

static gboolean
create_movement (VbRequest  *req,
                 GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_movement (body, &w.flag, error)
      || !vb_request_transaction (req, movement_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/stock-movements", &w.result);
  return TRUE;
}

static gboolean
get_movement (VbRequest  *req,
              GError    **error)
{
  return vb_handler_reply_row (req, MOVEMENT_SQL " AND vb_has_permission($2::uuid, 'inventory.read', m.location_id)",
                               "stock movement", error);
}

static gboolean
check_uuid_queries (VbRequest          *req,
                    const char * const *names,
                    GError            **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *v = vb_request_get_query (req, names[i]);
      if (v != NULL && !vb_validate_uuid (v, names[i], error))
        return FALSE;
    }
  return TRUE;
}

/* Newest first; ?location_id ?part_id ?work_order_id ?kind. */
static gboolean
list_movements (VbRequest  *req,
                GError    **error)
{
  static const char * const ids[] = { "location_id", "part_id", "work_order_id", NULL };
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *kind = vb_request_get_query (req, "kind");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !check_uuid_queries (req, ids, error))
    return FALSE;
  if (kind != NULL && !g_strv_contains ((const char * const[]) { "receipt", "reservation", "release", "consumption",
                                                                  "return", "adjustment", "transfer_out",
                                                                  "transfer_in", NULL }, kind))
    return vb_set_validation_error (error, "kind", "No such movement kind"), FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " MOVEMENT_COLUMNS ","
    "       to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || m.id::text AS _key"
    "  FROM stock_movements m JOIN parts p ON p.id = m.part_id"
    " WHERE vb_has_permission($1::uuid, 'inventory.read', m.location_id)"
    "   AND ($2::uuid IS NULL OR m.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR m.part_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR m.work_order_id = $4::uuid)"
    "   AND ($5::text IS NULL OR m.kind = $5)"
    "   AND ($6::text IS NULL OR to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || m.id::text < $6)"
    " ORDER BY m.created_at DESC, m.id DESC LIMIT $7::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "part_id"), vb_request_get_query (req, "work_order_id"), kind, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* What a work order holds reserved and has used, per part. */
static gboolean
work_order_parts (VbRequest  *req,
                  GError    **error)
{
  return vb_handler_reply_row (req,
    "SELECT w.id AS work_order_id, coalesce((SELECT json_agg(json_build_object("
    "         'part_id', p.id, 'sku', p.sku, 'name', p.name, 'reserved', x.reserved, 'used', x.used,"
    "         'sale_price_amount', p.sale_price_amount, 'currency', p.currency, 'tax_class', p.tax_class)"
    "         ORDER BY p.sku)"
    "    FROM (SELECT m.part_id, sum(m.reserved_delta)::int AS reserved,"
    "                 (-coalesce(sum(m.quantity) FILTER (WHERE m.kind IN ('consumption', 'return')), 0))::int AS used"
    "            FROM stock_movements m WHERE m.work_order_id = w.id GROUP BY m.part_id) x"
    "    JOIN parts p ON p.id = x.part_id WHERE x.reserved <> 0 OR x.used <> 0), '[]'::json) AS parts"
    "  FROM work_orders w WHERE w.id = $1::uuid AND vb_has_permission($2::uuid, 'inventory.read', w.location_id)",
    "work order", error);
}

/* ------------------------------------------------------------- levels --- */

static gboolean
list_levels (VbRequest  *req,
             GError    **error)
{
  static const char * const ids[] = { "location_id", "part_id", NULL };
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *low = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !check_uuid_queries (req, ids, error)
      || !vb_handler_bool_query (req, "below_reorder_point", &low, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " LEVEL_COLUMNS ", p.sku || ' ' || s.location_id::text AS _key"
    "  FROM stock_levels s JOIN parts p ON p.id = s.part_id"
    " WHERE vb_has_permission($1::uuid, 'inventory.read', s.location_id)"
    "   AND ($2::uuid IS NULL OR s.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR s.part_id = $3::uuid)"
    "   AND ($4::boolean IS NULL OR (s.reorder_point IS NOT NULL AND s.available <= s.reorder_point) = $4::boolean)"
    "   AND ($5::text IS NULL"
    "        OR lower(p.sku) LIKE lower(replace(replace(replace($5, '\\', '\\\\'), '%', '\\%'), '_', '\\_')) || '%'"
    "        OR p.name ILIKE '%' || replace(replace(replace($5, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"
    "   AND ($6::text IS NULL OR p.sku || ' ' || s.location_id::text > $6)"
    " ORDER BY p.sku, s.location_id::text LIMIT $7::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "part_id"), low, vb_request_get_query (req, "q"), after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_level (VbRequest  *req,
           GError    **error)
{
  return vb_handler_reply_row (req, LEVEL_SQL " AND vb_has_permission($2::uuid, 'inventory.read', s.location_id)",
                               "stock level", error);
}

static gboolean
create_level_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  scope = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, 'inventory.read', (b ->> 'location_id')::uuid)"
    "       AND EXISTS (SELECT 1 FROM locations WHERE id = (b ->> 'location_id')::uuid),"
    "       vb_has_permission($1::uuid, 'inventory.manage', (b ->> 'location_id')::uuid),"
    "       EXISTS (SELECT 1 FROM parts WHERE id = (b ->> 'part_id')::uuid)"
    "  FROM (SELECT $2::jsonb AS b) x", w->user_id, w->body);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    return vb_set_validation_error (error, "location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_handler_forbidden (error, "Reorder settings need inventory.manage at the location");
  if (!vb_db_get_bool (scope, 0, 2))
    return vb_set_validation_error (error, "part_id", "No such part"), FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO stock_levels (location_id, part_id, reorder_point, reorder_quantity, bin)"
    " SELECT (b ->> 'location_id')::uuid, (b ->> 'part_id')::uuid, (b ->> 'reorder_point')::int,"
    "        coalesce((b ->> 'reorder_quantity')::int, 0), coalesce(b ->> 'bin', '')"
    "   FROM (SELECT $1::jsonb AS b) x RETURNING id", w->body);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "stock_levels_location_id_part_id_key", "part_id",
                                "The part has a stock row at this location already: PATCH it");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, LEVEL_SQL, vb_db_get (res, 0, 0), "stock level", &w->result, error);
}

static gboolean
create_level (VbRequest  *req,
              GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, level_fields, G_N_ELEMENTS (level_fields), TRUE, NULL, error)
      || !vb_request_transaction (req, create_level_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/stock", &w.result);
  return TRUE;
}

static gboolean
update_level_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) row = NULL;
  g_autoptr(PGresult) res = NULL;

  row = vb_handler_scope (conn,
    "SELECT " LEVEL_COLUMNS ", vb_has_permission($2::uuid, 'inventory.read', s.location_id) AS _read,"
    "       vb_has_permission($2::uuid, 'inventory.manage', s.location_id) AS _may"
    "  FROM stock_levels s JOIN parts p ON p.id = s.part_id WHERE s.id = $1::uuid",
    w->id, w->user_id, "stock level", "Reorder settings need inventory.manage at the location", error);
  if (row == NULL || !vb_handler_check_version (row, w->version, error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "UPDATE stock_levels AS s SET"
    "  reorder_point = CASE WHEN b ? 'reorder_point' THEN (b ->> 'reorder_point')::int ELSE s.reorder_point END,"
    "  reorder_quantity = coalesce((b ->> 'reorder_quantity')::int, s.reorder_quantity),"
    "  bin = coalesce(b ->> 'bin', s.bin)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE s.id = $1::uuid AND s.version = $2::int RETURNING s.id",
    w->id, w->version, w->body);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      if (vb_handler_fetch_row (conn, LEVEL_SQL, w->id, "stock level", &w->result, error))
        g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&w->result)));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, LEVEL_SQL, w->id, "stock level", &w->result, error);
}

static gboolean
update_level (VbRequest  *req,
              GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !vb_handler_check_fields (body, level_update_fields, G_N_ELEMENTS (level_update_fields), FALSE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_level_txn, &w, 200, &w.result, error);
}

/* ------------------------------------------------------------- alerts --- */

static gboolean
list_alerts (VbRequest  *req,
             GError    **error)
{
  static const char * const ids[] = { "location_id", "part_id", NULL };
  const char *status = vb_request_get_query (req, "status");
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (!check_uuid_queries (req, ids, error))
    return FALSE;
  if (status != NULL && !g_str_equal (status, "open") && !g_str_equal (status, "closed") && !g_str_equal (status, "all"))
    return vb_set_validation_error (error, "status", "status is open, closed or all"), FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " ALERT_COLUMNS ALERT_FROM
    " WHERE vb_has_permission($1::uuid, 'inventory.read', a.location_id)"
    "   AND ($2::uuid IS NULL OR a.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR a.part_id = $3::uuid)"
    "   AND (coalesce($4, 'open') = 'all' OR a.status = coalesce($4, 'open'))"
    " ORDER BY a.opened_at DESC, a.id LIMIT 500",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "part_id"), status);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static gboolean
get_alert (VbRequest  *req,
           GError    **error)
{
  return vb_handler_reply_row (req,
    "SELECT " ALERT_COLUMNS ALERT_FROM
    " WHERE a.id = $1::uuid AND vb_has_permission($2::uuid, 'inventory.read', a.location_id)",
    "stock alert", error);
}

static const VbHandlerField alert_po_fields[] = {
  { "quantity", VB_HANDLER_FIELD_INT,  FALSE, FALSE, 1, 1000000, NULL },
  { "supplier", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 200,     NULL },
};

/* The suggestion made a draft purchase order (one line) at the alert's location. */
static gboolean
alert_po_txn (VbDbConn  *conn,
               gpointer   user_data,
               GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) row = NULL;
  g_autoptr(PGresult) po = NULL;
  g_autoptr(PGresult) res = NULL;

  row = vb_db_execv (conn, error,
    "SELECT a.status, coalesce(nullif(btrim($3::jsonb ->> 'supplier'), ''), nullif(p.supplier, '')) AS supplier,"
    "       (SELECT status FROM purchase_orders WHERE id = a.purchase_order_id) AS po_status,"
    "       vb_has_permission($2::uuid, 'inventory.read', a.location_id),"
    "       vb_has_permission($2::uuid, 'inventory.manage', a.location_id)"
    "  FROM stock_alerts a JOIN parts p ON p.id = a.part_id WHERE a.id = $1::uuid FOR UPDATE OF a",
    w->id, w->user_id, w->body);
  if (row == NULL)
    return FALSE;
  if (PQntuples (row) == 0 || !vb_db_get_bool (row, 0, 3))
    return vb_handler_not_found (error, "stock alert");
  if (!vb_db_get_bool (row, 0, 4))
    return vb_handler_forbidden (error, "Purchase orders need inventory.manage at the location");
  if (!g_str_equal (vb_db_get (row, 0, 0), "open"))
    return vb_handler_conflict (error, "status", "The alert is closed");
  if (vb_db_get (row, 0, 2) != NULL && !g_str_equal (vb_db_get (row, 0, 2), "cancelled"))
    return vb_handler_conflict (error, "purchase_order_id", "The alert has a purchase order already");
  if (vb_db_get (row, 0, 1) == NULL)
    return vb_set_validation_error (error, "supplier", "The part has no supplier: say which"), FALSE;
  po = vb_db_execv (conn, error,
    "INSERT INTO purchase_orders (location_id, supplier, currency, notes)"
    " SELECT a.location_id, $2, p.currency, 'From reorder alert'"
    "   FROM stock_alerts a JOIN parts p ON p.id = a.part_id WHERE a.id = $1::uuid RETURNING id",
    w->id, vb_db_get (row, 0, 1));
  if (po == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "INSERT INTO purchase_order_lines (purchase_order_id, location_id, part_id, quantity_ordered,"
    "                                  unit_cost_amount, currency)"
    " SELECT $3::uuid, a.location_id, a.part_id,"
    "        coalesce(($2::jsonb ->> 'quantity')::int,"
    "                 greatest(s.reorder_quantity, coalesce(s.reorder_point, 0) - s.available + 1, 1)),"
    "        p.unit_cost_amount, p.currency"
    "   FROM stock_alerts a JOIN parts p ON p.id = a.part_id"
    "   JOIN stock_levels s ON s.location_id = a.location_id AND s.part_id = a.part_id"
    "  WHERE a.id = $1::uuid",
    w->id, w->body, vb_db_get (po, 0, 0));
  if (res == NULL)
    return FALSE;
  g_clear_pointer (&res, PQclear);
  res = vb_db_execv (conn, error, "UPDATE stock_alerts SET purchase_order_id = $2::uuid WHERE id = $1::uuid",
                     w->id, vb_db_get (po, 0, 0));
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn,
    "SELECT o.id, o.location_id, o.supplier, o.status, o.currency, o.notes, o.version, o.created_at,"
    "       (SELECT json_agg(json_build_object('id', l.id, 'part_id', l.part_id, 'quantity_ordered', l.quantity_ordered,"
    "                                          'quantity_received', l.quantity_received,"
    "                                          'unit_cost_amount', l.unit_cost_amount, 'currency', l.currency))"
    "          FROM purchase_order_lines l WHERE l.purchase_order_id = o.id) AS lines"
    "  FROM purchase_orders o WHERE o.id = $1::uuid",
    vb_db_get (po, 0, 0), "purchase order", &w->result, error);
}

static gboolean
alert_purchase_order (VbRequest  *req,
                      GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req))
    {
      if ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_check_fields (body, alert_po_fields, G_N_ELEMENTS (alert_po_fields), FALSE, NULL, error))
        return FALSE;
      w.body = vb_json_object_to_string (body, NULL);
    }
  else
    w.body = g_strdup ("{}");
  w.user_id = vb_request_get_principal (req)->user_id;
  if (!vb_request_transaction (req, alert_po_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/purchase-orders", &w.result);
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute stock_routes[] = {
  { "GET", "/api/v1/stock", list_levels, "inventory.read", 0,
    "Stock per part and location: on_hand, reserved, available, reorder settings (?location_id, ?part_id, ?q, ?below_reorder_point, ?limit, ?cursor)" },
  { "POST", "/api/v1/stock", create_level, "inventory.manage", 0,
    "Reorder settings for a part at a location before any stock moved (409 naming part_id if the row exists)" },
  { "GET", "/api/v1/stock/{id}", get_level, "inventory.read", 0,
    "One stock row" },
  { "PATCH", "/api/v1/stock/{id}", update_level, "inventory.manage", 0,
    "Change reorder_point, reorder_quantity or bin (version required); quantities change only through movements" },
  { "GET", "/api/v1/stock-movements", list_movements, "inventory.read", 0,
    "The ledger, newest first (?location_id, ?part_id, ?work_order_id, ?kind, ?limit, ?cursor)" },
  { "POST", "/api/v1/stock-movements", create_movement, "inventory.read", 0,
    "Record a receipt or adjustment (inventory.manage) or a reservation, release, consumption or return for a work order (inventory.consume); 409 naming quantity when stock is short" },
  { "GET", "/api/v1/stock-movements/{id}", get_movement, "inventory.read", 0,
    "One movement with the stock after it" },
  { "GET", "/api/v1/work-orders/{id}/parts", work_order_parts, "inventory.read", 0,
    "Parts reserved and used on a work order" },
  { "GET", "/api/v1/stock-alerts", list_alerts, "inventory.read", 0,
    "Reorder alerts with the suggested purchase order (?status=open|closed|all, ?location_id, ?part_id)" },
  { "GET", "/api/v1/stock-alerts/{id}", get_alert, "inventory.read", 0,
    "One reorder alert" },
  { "POST", "/api/v1/stock-alerts/{id}/purchase-order", alert_purchase_order, "inventory.manage", 0,
    "Turn the suggestion into a draft purchase order (optional quantity, supplier)" },
};

void
vb_handler_stock_register (VbRouter *router)
{
  vb_router_add_routes (router, stock_routes, G_N_ELEMENTS (stock_routes));
}
