/* vb-handler-stock-transfers.c — parts moved between locations (S4):
 * /api/v1/stock-transfers.
 *
 * requested → in_transit (a transfer_out movement at the source) → received
 * (transfer_in at the destination); cancelled only while requested.  The
 * moves and their movements are the triggers vb_stock_transfer_check /
 * vb_stock_transfer_move (0008-inventory.sql), so a short source is 409
 * naming quantity.  Who: requesting needs inventory.manage at either end;
 * shipping at the source; receiving at the destination; cancelling at
 * either end.  Reading needs inventory.read at either end.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define TRANSFER_COLUMNS \
  "t.id, t.from_location_id, t.to_location_id, t.part_id, p.sku, p.name AS part_name, t.quantity, t.status," \
  " t.note, t.requested_by, t.shipped_by, t.shipped_at, t.received_by, t.received_at, t.cancelled_at," \
  " t.version, t.created_at, t.updated_at"

#define TRANSFER_SQL \
  "SELECT " TRANSFER_COLUMNS " FROM stock_transfers t JOIN parts p ON p.id = t.part_id WHERE t.id = $1::uuid"

#define READ_SQL(user) \
  "(vb_has_permission(" user ", 'inventory.read', t.from_location_id)" \
  " OR vb_has_permission(" user ", 'inventory.read', t.to_location_id))"

static const VbHandlerField transfer_fields[] = {
  { "id",               VB_HANDLER_FIELD_UUID, FALSE, FALSE, 0, 0,       NULL },
  { "from_location_id", VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,       NULL },
  { "to_location_id",   VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,       NULL },
  { "part_id",          VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,       NULL },
  { "quantity",         VB_HANDLER_FIELD_INT,  TRUE,  FALSE, 1, 1000000, NULL },
  { "note",             VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000,    NULL },
};

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  scope = vb_db_execv (conn, error,
    "SELECT EXISTS (SELECT 1 FROM locations WHERE id = (b ->> 'from_location_id')::uuid),"
    "       EXISTS (SELECT 1 FROM locations WHERE id = (b ->> 'to_location_id')::uuid),"
    "       vb_has_permission($1::uuid, 'inventory.manage', (b ->> 'from_location_id')::uuid)"
    "         OR vb_has_permission($1::uuid, 'inventory.manage', (b ->> 'to_location_id')::uuid),"
    "       EXISTS (SELECT 1 FROM parts WHERE id = (b ->> 'part_id')::uuid)"
    "  FROM (SELECT $2::jsonb AS b) x", w->user_id, w->body);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    return vb_set_validation_error (error, "from_location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_set_validation_error (error, "to_location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (scope, 0, 2))
    return vb_handler_forbidden (error, "Transfers need inventory.manage at one of the two locations");
  if (!vb_db_get_bool (scope, 0, 3))
    return vb_set_validation_error (error, "part_id", "No such part"), FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO stock_transfers (id, from_location_id, to_location_id, part_id, quantity, note)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'from_location_id')::uuid,"
    "        (b ->> 'to_location_id')::uuid, (b ->> 'part_id')::uuid, (b ->> 'quantity')::int,"
    "        coalesce(b ->> 'note', '')"
    "   FROM (SELECT $1::jsonb AS b) x RETURNING id", w->body);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "stock_transfers_pkey", "id", NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, TRANSFER_SQL, vb_db_get (res, 0, 0), "stock transfer", &w->result, error);
}

static gboolean
create_transfer (VbRequest  *req,
                 GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, transfer_fields, G_N_ELEMENTS (transfer_fields), TRUE, NULL, error))
    return FALSE;
  if (g_strcmp0 (vb_handler_string_member (body, "from_location_id"),
                 vb_handler_string_member (body, "to_location_id")) == 0)
    return vb_set_validation_error (error, "to_location_id", "A transfer goes to another location"), FALSE;
  if (!vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/stock-transfers", &w.result);
  return TRUE;
}

/* w->parent_id: the new status. */
static gboolean
move_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  VbHandlerWrite *w = user_data;
  const char *status = w->parent_id;
  const char *refusal =
    g_str_equal (status, "in_transit") ? "Shipping needs inventory.manage at the source location"
    : g_str_equal (status, "received") ? "Receiving needs inventory.manage at the destination location"
    : "Cancelling needs inventory.manage at one of the two locations";
  g_autofree char *scope_sql = NULL;
  g_autoptr(PGresult) row = NULL;
  g_autoptr(PGresult) res = NULL;

  /* The permission expression is one of the three fixed texts above. */
  if (g_str_equal (status, "in_transit"))
    scope_sql = g_strdup ("SELECT " TRANSFER_COLUMNS ", " READ_SQL ("$2::uuid") " AS _read,"
                          " vb_has_permission($2::uuid, 'inventory.manage', t.from_location_id) AS _may"
                          " FROM stock_transfers t JOIN parts p ON p.id = t.part_id WHERE t.id = $1::uuid FOR UPDATE OF t");
  else if (g_str_equal (status, "received"))
    scope_sql = g_strdup ("SELECT " TRANSFER_COLUMNS ", " READ_SQL ("$2::uuid") " AS _read,"
                          " vb_has_permission($2::uuid, 'inventory.manage', t.to_location_id) AS _may"
                          " FROM stock_transfers t JOIN parts p ON p.id = t.part_id WHERE t.id = $1::uuid FOR UPDATE OF t");
  else
    scope_sql = g_strdup ("SELECT " TRANSFER_COLUMNS ", " READ_SQL ("$2::uuid") " AS _read,"
                          " (vb_has_permission($2::uuid, 'inventory.manage', t.from_location_id)"
                          "  OR vb_has_permission($2::uuid, 'inventory.manage', t.to_location_id)) AS _may"
                          " FROM stock_transfers t JOIN parts p ON p.id = t.part_id WHERE t.id = $1::uuid FOR UPDATE OF t");
  row = vb_handler_scope (conn, scope_sql, w->id, w->user_id, "stock transfer", refusal, error);
  if (row == NULL || !vb_handler_check_version (row, w->version, error))
    return FALSE;
  if (g_str_equal (vb_db_get (row, 0, PQfnumber (row, "status")), status))
    return vb_handler_conflict (error, "status", "The transfer is %s already", status);
  res = vb_db_execv (conn, error, "UPDATE stock_transfers SET status = $2 WHERE id = $1::uuid", w->id, status);
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn, TRANSFER_SQL, w->id, "stock transfer", &w->result, error);
}

static gboolean
move (VbRequest  *req,
      const char *status,
      GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req)
      && ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_optional_version (body, &w.version, error)))
    return FALSE;
  w.parent_id = status;
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, move_txn, &w, 200, &w.result, error);
}

static gboolean
ship_transfer (VbRequest *req, GError **error)
{
  return move (req, "in_transit", error);
}

static gboolean
receive_transfer (VbRequest *req, GError **error)
{
  return move (req, "received", error);
}

static gboolean
cancel_transfer (VbRequest *req, GError **error)
{
  return move (req, "cancelled", error);
}

static gboolean
get_transfer (VbRequest  *req,
              GError    **error)
{
  return vb_handler_reply_row (req, TRANSFER_SQL " AND " READ_SQL ("$2::uuid"), "stock transfer", error);
}

static gboolean
list_transfers (VbRequest  *req,
                GError    **error)
{
  static const char * const statuses[] = { "requested", "in_transit", "received", "cancelled", NULL };
  const char *location = vb_request_get_query (req, "location_id");
  const char *status = vb_request_get_query (req, "status");
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (location != NULL && !vb_validate_uuid (location, "location_id", error))
    return FALSE;
  if (status != NULL && !g_strv_contains (statuses, status))
    return vb_set_validation_error (error, "status", "No such status"), FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " TRANSFER_COLUMNS " FROM stock_transfers t JOIN parts p ON p.id = t.part_id"
    " WHERE " READ_SQL ("$1::uuid")
    "   AND ($2::uuid IS NULL OR $2::uuid IN (t.from_location_id, t.to_location_id))"
    "   AND ($3::text IS NULL OR t.status = $3)"
    " ORDER BY t.created_at DESC, t.id LIMIT 500",
    vb_request_get_principal (req)->user_id, location, status);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static const VbRoute transfer_routes[] = {
  { "GET", "/api/v1/stock-transfers", list_transfers, "inventory.read", 0,
    "Transfers from or to the caller's locations, newest first (?location_id, ?status)" },
  { "POST", "/api/v1/stock-transfers", create_transfer, "inventory.manage", 0,
    "Request parts from one location to another (inventory.manage at either end)" },
  { "GET", "/api/v1/stock-transfers/{id}", get_transfer, "inventory.read", 0,
    "One transfer" },
  { "POST", "/api/v1/stock-transfers/{id}/ship", ship_transfer, "inventory.manage", 0,
    "requested → in_transit: stock leaves the source (inventory.manage there; 409 naming quantity if short)" },
  { "POST", "/api/v1/stock-transfers/{id}/receive", receive_transfer, "inventory.manage", 0,
    "in_transit → received: stock arrives at the destination (inventory.manage there)" },
  { "POST", "/api/v1/stock-transfers/{id}/cancel", cancel_transfer, "inventory.manage", 0,
    "Cancel a requested transfer" },
};

void
vb_handler_stock_transfers_register (VbRouter *router)
{
  vb_router_add_routes (router, transfer_routes, G_N_ELEMENTS (transfer_routes));
}
