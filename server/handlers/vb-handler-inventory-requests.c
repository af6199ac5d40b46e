/* vb-handler-inventory-requests.c — technicians ask the desk for parts (S4):
 * /api/v1/inventory-requests.
 *
 * A request is for a work order (and optionally one of its tasks): part,
 * quantity, note.  open → fulfilled (the trigger vb_inventory_request_fulfil
 * reserves the parts for the work order in the same transaction; 409 naming
 * quantity if stock is short) or declined with a reason, or cancelled by
 * whoever asked.  Who, at the work order's location: asking needs
 * inventory.request; fulfilling and declining inventory.manage; reading
 * inventory.read.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define REQUEST_COLUMNS \
  "r.id, r.location_id, r.work_order_id, r.task_id, r.part_id, p.sku, p.name AS part_name, r.quantity, r.note," \
  " r.status, r.decline_reason, r.requested_by, r.decided_by, r.decided_at," \
  " (SELECT m.id FROM stock_movements m WHERE m.inventory_request_id = r.id LIMIT 1) AS reservation_id," \
  " r.version, r.created_at, r.updated_at"

#define REQUEST_SQL \
  "SELECT " REQUEST_COLUMNS " FROM inventory_requests r JOIN parts p ON p.id = r.part_id WHERE r.id = $1::uuid"

static const VbHandlerField request_fields[] = {
  { "id",            VB_HANDLER_FIELD_UUID, FALSE, FALSE, 0, 0,     NULL },
  { "work_order_id", VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,     NULL },
  { "task_id",       VB_HANDLER_FIELD_UUID, FALSE, TRUE,  0, 0,     NULL },
  { "part_id",       VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,     NULL },
  { "quantity",      VB_HANDLER_FIELD_INT,  TRUE,  FALSE, 1, 10000, NULL },
  { "note",          VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000,  NULL },
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
    "SELECT coalesce(vb_has_permission($1::uuid, 'inventory.read', wo.location_id), false),"
    "       coalesce(vb_has_permission($1::uuid, 'inventory.request', wo.location_id), false)"
    "  FROM (SELECT $2::jsonb AS b) x LEFT JOIN work_orders wo ON wo.id = (b ->> 'work_order_id')::uuid",
    w->user_id, w->body);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    return vb_set_validation_error (error, "work_order_id", "No such work order"), FALSE;
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_handler_forbidden (error, "Asking for parts needs inventory.request at the location");
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO inventory_requests (id, location_id, work_order_id, task_id, part_id, quantity, note)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), wo.location_id, wo.id, (b ->> 'task_id')::uuid,"
    "        (b ->> 'part_id')::uuid, (b ->> 'quantity')::int, coalesce(b ->> 'note', '')"
    "   FROM (SELECT $1::jsonb AS b) x JOIN work_orders wo ON wo.id = (b ->> 'work_order_id')::uuid"
    " RETURNING id", w->body);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "inventory_requests_pkey", "id", NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, REQUEST_SQL, vb_db_get (res, 0, 0), "inventory request", &w->result, error);
}

static gboolean
create_request (VbRequest  *req,
                GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, request_fields, G_N_ELEMENTS (request_fields), TRUE, NULL, error)
      || !vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/inventory-requests", &w.result);
  return TRUE;
}

/* w->parent_id: the new status; w->body: {"reason"?}. */
static gboolean
decide_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  gboolean cancel = g_str_equal (w->parent_id, "cancelled");
  g_autoptr(PGresult) row = NULL;
  g_autoptr(PGresult) res = NULL;

  if (cancel)
    row = vb_handler_scope (conn,
      "SELECT " REQUEST_COLUMNS ", vb_has_permission($2::uuid, 'inventory.read', r.location_id) AS _read,"
      "       (r.requested_by = $2::uuid OR vb_has_permission($2::uuid, 'inventory.manage', r.location_id)) AS _may"
      "  FROM inventory_requests r JOIN parts p ON p.id = r.part_id WHERE r.id = $1::uuid FOR UPDATE OF r",
      w->id, w->user_id, "inventory request", "Only whoever asked (or inventory.manage) cancels a request", error);
  else
    row = vb_handler_scope (conn,
      "SELECT " REQUEST_COLUMNS ", vb_has_permission($2::uuid, 'inventory.read', r.location_id) AS _read,"
      "       vb_has_permission($2::uuid, 'inventory.manage', r.location_id) AS _may"
      "  FROM inventory_requests r JOIN parts p ON p.id = r.part_id WHERE r.id = $1::uuid FOR UPDATE OF r",
      w->id, w->user_id, "inventory request", "Answering requests needs inventory.manage at the location", error);
  if (row == NULL || !vb_handler_check_version (row, w->version, error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "UPDATE inventory_requests SET status = $2,"
    "       decline_reason = CASE WHEN $2 = 'declined' THEN coalesce(btrim($3::jsonb ->> 'reason'), '') ELSE decline_reason END"
    " WHERE id = $1::uuid", w->id, w->parent_id, w->body);
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn, REQUEST_SQL, w->id, "inventory request", &w->result, error);
}

static const VbHandlerField decide_fields[] = {
  { "reason", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
};

static gboolean
decide (VbRequest  *req,
        const char *status,
        GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req))
    {
      if ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_check_fields (body, decide_fields, G_N_ELEMENTS (decide_fields), FALSE, NULL, error)
          || !vb_handler_optional_version (body, &w.version, error))
        return FALSE;
      w.body = vb_json_object_to_string (body, NULL);
    }
  else
    w.body = g_strdup ("{}");
  if (g_str_equal (status, "declined"))
    {
      const char *reason = body ? vb_handler_string_member (body, "reason") : NULL;
      g_autofree char *trimmed = g_strstrip (g_strdup (reason ? reason : ""));
      if (trimmed[0] == '\0')
        return vb_set_validation_error (error, "reason", "Declining needs a reason"), FALSE;
    }
  w.parent_id = status;
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, decide_txn, &w, 200, &w.result, error);
}

static gboolean
fulfil_request (VbRequest *req, GError **error)
{
  return decide (req, "fulfilled", error);
}

static gboolean
decline_request (VbRequest *req, GError **error)
{
  return decide (req, "declined", error);
}

static gboolean
cancel_request (VbRequest *req, GError **error)
{
  return decide (req, "cancelled", error);
}

static gboolean
get_request (VbRequest  *req,
             GError    **error)
{
  return vb_handler_reply_row (req, REQUEST_SQL " AND vb_has_permission($2::uuid, 'inventory.read', r.location_id)",
                               "inventory request", error);
}

static gboolean
list_requests (VbRequest  *req,
               GError    **error)
{
  static const char * const statuses[] = { "open", "fulfilled", "declined", "cancelled", NULL };
  static const char * const ids[] = { "location_id", "work_order_id", NULL };
  const char *status = vb_request_get_query (req, "status");
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  for (guint i = 0; ids[i] != NULL; i++)
    if (vb_request_get_query (req, ids[i]) != NULL && !vb_validate_uuid (vb_request_get_query (req, ids[i]), ids[i], error))
      return FALSE;
  if (status != NULL && !g_strv_contains (statuses, status))
    return vb_set_validation_error (error, "status", "No such status"), FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " REQUEST_COLUMNS " FROM inventory_requests r JOIN parts p ON p.id = r.part_id"
    " WHERE vb_has_permission($1::uuid, 'inventory.read', r.location_id)"
    "   AND ($2::uuid IS NULL OR r.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR r.work_order_id = $3::uuid)"
    "   AND ($4::text IS NULL OR r.status = $4)"
    " ORDER BY r.created_at DESC, r.id LIMIT 500",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "work_order_id"), status);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static const VbRoute request_routes[] = {
  { "GET", "/api/v1/inventory-requests", list_requests, "inventory.read", 0,
    "Parts requests, newest first (?location_id, ?work_order_id, ?status)" },
  { "POST", "/api/v1/inventory-requests", create_request, "inventory.request", 0,
    "Ask the desk for parts for a work order (work_order_id, optional task_id, part_id, quantity, note)" },
  { "GET", "/api/v1/inventory-requests/{id}", get_request, "inventory.read", 0,
    "One request" },
  { "POST", "/api/v1/inventory-requests/{id}/fulfil", fulfil_request, "inventory.manage", 0,
    "Reserve the parts for the work order (409 naming quantity if stock is short)" },
  { "POST", "/api/v1/inventory-requests/{id}/decline", decline_request, "inventory.manage", 0,
    "Decline with a reason" },
  { "POST", "/api/v1/inventory-requests/{id}/cancel", cancel_request, "inventory.read", 0,
    "Withdraw one's own request (or any, with inventory.manage)" },
};

void
vb_handler_inventory_requests_register (VbRouter *router)
{
  vb_router_add_routes (router, request_routes, G_N_ELEMENTS (request_routes));
}
