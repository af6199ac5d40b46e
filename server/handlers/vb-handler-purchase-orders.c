/* vb-handler-purchase-orders.c — purchase orders (S4): /api/v1/purchase-orders.
 *
 * draft → ordered → partially_received → received, and cancelled from draft
 * or ordered; the moves and "lines are fixed once ordered" are the triggers
 * vb_purchase_order_check / vb_purchase_order_line_check (0008-inventory.sql).
 * Receiving writes one receipt movement per line; the trigger
 * vb_purchase_order_receipt counts it on the line (409 naming quantity
 * beyond what was ordered) and moves the order on.  Everything needs
 * inventory.manage at the order's location (reading: inventory.read).
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define PO_COLUMNS \
  "o.id, o.location_id, o.supplier, o.status, o.currency, o.notes, o.cancel_reason, o.created_by," \
  " o.ordered_at, o.received_at, o.cancelled_at," \
  " coalesce((SELECT json_agg(json_build_object('id', l.id, 'part_id', l.part_id, 'sku', p.sku, 'name', p.name," \
  "     'quantity_ordered', l.quantity_ordered, 'quantity_received', l.quantity_received," \
  "     'unit_cost_amount', l.unit_cost_amount, 'currency', l.currency, 'version', l.version) ORDER BY p.sku)" \
  "   FROM purchase_order_lines l JOIN parts p ON p.id = l.part_id WHERE l.purchase_order_id = o.id), '[]'::json) AS lines," \
  " (SELECT coalesce(sum(l.quantity_ordered * l.unit_cost_amount), 0)::bigint" \
  "    FROM purchase_order_lines l WHERE l.purchase_order_id = o.id) AS total_amount," \
  " o.version, o.created_at, o.updated_at"

#define PO_SQL "SELECT " PO_COLUMNS " FROM purchase_orders o WHERE o.id = $1::uuid"

/* $1 id, $2 user: the order with _read/_may for vb_handler_scope. */
#define PO_SCOPE_SQL \
  "SELECT " PO_COLUMNS ", vb_has_permission($2::uuid, 'inventory.read', o.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'inventory.manage', o.location_id) AS _may" \
  "  FROM purchase_orders o WHERE o.id = $1::uuid FOR UPDATE OF o"

#define REFUSAL "Purchase orders need inventory.manage at the location"

static const VbHandlerField po_fields[] = {
  { "id",          VB_HANDLER_FIELD_UUID, FALSE, FALSE, 0, 0,    NULL },
  { "location_id", VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,    NULL },
  { "supplier",    VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 1, 200,  NULL },
  { "currency",    VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 3, 3,    NULL },
  { "notes",       VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
};

static const VbHandlerField po_update_fields[] = {
  { "supplier", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 200,  NULL },
  { "currency", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 3, 3,    NULL },
  { "notes",    VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
};

static const VbHandlerField line_fields[] = {
  { "part_id",          VB_HANDLER_FIELD_UUID, TRUE,  FALSE, 0, 0,              NULL },
  { "quantity",         VB_HANDLER_FIELD_INT,  TRUE,  FALSE, 1, 1000000,        NULL },
  { "unit_cost_amount", VB_HANDLER_FIELD_INT,  FALSE, FALSE, 0, G_MAXINT64 / 2, NULL },
};

static const VbHandlerField receive_line_fields[] = {
  { "line_id",  VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0,       NULL },
  { "quantity", VB_HANDLER_FIELD_INT,  TRUE, FALSE, 1, 1000000, NULL },
};

/* lines[]: each checked against fields, named lines[i].member. */
static gboolean
check_lines (JsonObject           *body,
             const VbHandlerField *fields,
             guint                 n_fields,
             gboolean              required,
             GError              **error)
{
  JsonNode *node = json_object_get_member (body, "lines");
  JsonArray *lines;

  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || (required && json_array_get_length (json_node_get_array (node)) == 0)
      || json_array_get_length (json_node_get_array (node)) > 200)
    return vb_set_validation_error (error, "lines", "lines is an array of 1–200 lines"), FALSE;
  lines = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonNode *line = json_array_get_element (lines, i);
      g_autofree char *prefix = g_strdup_printf ("lines[%u].", i);

      if (!JSON_NODE_HOLDS_OBJECT (line))
        return vb_set_validation_error (error, "lines", "lines[%u] must be an object", i), FALSE;
      if (!vb_handler_check_fields (json_node_get_object (line), fields, n_fields, TRUE, prefix, error))
        return FALSE;
    }
  return TRUE;
}

static void
name_line_errors (GError *error)
{
  vb_handler_name_conflict (error, "purchase_order_lines_purchase_order_id_part_id_key", "part_id",
                            "The part is on this purchase order already");
  vb_handler_missing_reference (error, "purchase_order_lines_part_id_fkey", "part_id", "No such part");
  vb_handler_name_conflict (error, "purchase_orders_pkey", "id", NULL);
}

/* Adds lines ($2 JSON array) to order $1; unit cost defaults to the catalog's. */
static gboolean
insert_lines (VbDbConn    *conn,
              const char  *order,
              const char  *lines,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (conn, &local_error,
    "INSERT INTO purchase_order_lines (purchase_order_id, location_id, part_id, quantity_ordered,"
    "                                  unit_cost_amount, currency)"
    " SELECT o.id, o.location_id, (l ->> 'part_id')::uuid, (l ->> 'quantity')::int,"
    "        coalesce((l ->> 'unit_cost_amount')::bigint,"
    "                 (SELECT p.unit_cost_amount FROM parts p"
    "                   WHERE p.id = (l ->> 'part_id')::uuid AND p.currency = o.currency)),"
    "        o.currency"
    "   FROM purchase_orders o, jsonb_array_elements($2::jsonb) l WHERE o.id = $1::uuid",
    order, lines);

  if (res == NULL)
    {
      name_line_errors (local_error);
      /* No cost given and the catalog's is in another currency. */
      if (g_error_matches (local_error, VB_ERROR, VB_ERROR_VALIDATION)
          && g_strcmp0 (vb_error_get_field (local_error), "unit_cost_amount") == 0)
        {
          g_clear_error (&local_error);
          local_error = vb_handler_field_error (VB_ERROR_VALIDATION, "unit_cost_amount",
                                                "The part is priced in another currency: give unit_cost_amount in the order's");
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------- create --- */

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
    "SELECT vb_has_permission($1::uuid, 'inventory.read', l.id), vb_has_permission($1::uuid, 'inventory.manage', l.id)"
    "  FROM (SELECT $2::jsonb AS b) x LEFT JOIN locations l ON l.id = (b ->> 'location_id')::uuid",
    w->user_id, w->body);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    return vb_set_validation_error (error, "location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_handler_forbidden (error, REFUSAL);
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO purchase_orders (id, location_id, supplier, currency, notes)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), l.id, btrim(b ->> 'supplier'),"
    "        coalesce(b ->> 'currency', l.currency), coalesce(b ->> 'notes', '')"
    "   FROM (SELECT $1::jsonb AS b) x JOIN locations l ON l.id = (b ->> 'location_id')::uuid"
    " RETURNING id",
    w->body);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "purchase_orders_pkey", "id", NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (w->flag)
    {
      g_autoptr(PGresult) lines = vb_db_execv (conn, error, "SELECT coalesce($1::jsonb -> 'lines', '[]')", w->body);
      if (lines == NULL || !insert_lines (conn, vb_db_get (res, 0, 0), vb_db_get (lines, 0, 0), error))
        return FALSE;
    }
  return vb_handler_fetch_row (conn, PO_SQL, vb_db_get (res, 0, 0), "purchase order", &w->result, error);
}

static gboolean
create_po (VbRequest  *req,
           GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;
  const char *currency;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL)
    return FALSE;
  w.flag = json_object_has_member (body, "lines");
  if (!vb_handler_check_fields (body, po_fields, G_N_ELEMENTS (po_fields), TRUE, NULL, error))
    return FALSE;
  if (!check_lines (body, line_fields, G_N_ELEMENTS (line_fields), FALSE, error))
    return FALSE;
  currency = vb_handler_string_member (body, "currency");
  if (currency != NULL && !g_regex_match_simple ("^[A-Z]{3}$", currency, 0, 0))
    return vb_set_validation_error (error, "currency", "currency is an ISO 4217 code such as VND"), FALSE;
  if (!vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/purchase-orders", &w.result);
  return TRUE;
}

/* --------------------------------------------------------- the others --- */

typedef enum { ACT_UPDATE, ACT_ADD_LINE, ACT_ORDER, ACT_CANCEL, ACT_RECEIVE } Action;

typedef struct
{
  VbHandlerWrite w;
  Action         action;
} Act;

static gboolean
act_txn (VbDbConn  *conn,
         gpointer   user_data,
         GError   **error)
{
  Act *a = user_data;
  VbHandlerWrite *w = &a->w;
  g_autoptr(PGresult) row = vb_handler_scope (conn, PO_SCOPE_SQL, w->id, w->user_id, "purchase order", REFUSAL, error);
  g_autoptr(PGresult) res = NULL;
  const char *status;

  if (row == NULL || !vb_handler_check_version (row, w->version, error))
    return FALSE;
  status = vb_db_get (row, 0, PQfnumber (row, "status"));
  if ((a->action == ACT_ORDER && !g_str_equal (status, "draft"))
      || (a->action == ACT_CANCEL && g_str_equal (status, "cancelled")))
    return vb_handler_conflict (error, "status", "The purchase order is %s", status);
  switch (a->action)
    {
    case ACT_UPDATE:
      res = vb_db_execv (conn, error,
        "UPDATE purchase_orders AS o SET supplier = coalesce(btrim(b ->> 'supplier'), o.supplier),"
        "       currency = coalesce(b ->> 'currency', o.currency), notes = coalesce(b ->> 'notes', o.notes)"
        "  FROM (SELECT $2::jsonb AS b) x WHERE o.id = $1::uuid",
        w->id, w->body);
      break;
    case ACT_ADD_LINE:
      {
        g_autofree char *lines = g_strdup_printf ("[%s]", w->body);
        if (!insert_lines (conn, w->id, lines, error))
          return FALSE;
        res = vb_db_execv (conn, error, "UPDATE purchase_orders SET updated_at = now() WHERE id = $1::uuid", w->id);
      }
      break;
    case ACT_ORDER:
      res = vb_db_execv (conn, error, "UPDATE purchase_orders SET status = 'ordered' WHERE id = $1::uuid", w->id);
      break;
    case ACT_CANCEL:
      res = vb_db_execv (conn, error,
        "UPDATE purchase_orders SET status = 'cancelled', cancel_reason = coalesce($2::jsonb ->> 'reason', '')"
        " WHERE id = $1::uuid", w->id, w->body);
      break;
    case ACT_RECEIVE:
      {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(PGresult) check = vb_db_execv (conn, error,
          "SELECT r.i FROM jsonb_array_elements($2::jsonb -> 'lines') WITH ORDINALITY r(l, i)"
          " WHERE NOT EXISTS (SELECT 1 FROM purchase_order_lines pl"
          "                    WHERE pl.id = (r.l ->> 'line_id')::uuid AND pl.purchase_order_id = $1::uuid)"
          " ORDER BY r.i LIMIT 1", w->id, w->body);
        if (check == NULL)
          return FALSE;
        if (PQntuples (check) > 0)
          return vb_set_validation_error (error, "lines", "lines[%d].line_id is not a line of this purchase order",
                                          atoi (vb_db_get (check, 0, 0)) - 1), FALSE;
        res = vb_db_execv (conn, &local_error,
          "INSERT INTO stock_movements (location_id, part_id, kind, quantity, purchase_order_line_id,"
          "                             unit_cost_amount, currency, reason)"
          " SELECT pl.location_id, pl.part_id, 'receipt', (r.l ->> 'quantity')::int, pl.id,"
          "        pl.unit_cost_amount, pl.currency, coalesce($2::jsonb ->> 'note', '')"
          "   FROM jsonb_array_elements($2::jsonb -> 'lines') WITH ORDINALITY r(l, i)"
          "   JOIN purchase_order_lines pl ON pl.id = (r.l ->> 'line_id')::uuid AND pl.purchase_order_id = $1::uuid"
          "  ORDER BY r.i",
          w->id, w->body);
        if (res == NULL)
          {
            g_propagate_error (error, g_steal_pointer (&local_error));
            return FALSE;
          }
      }
      break;
    }
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn, PO_SQL, w->id, "purchase order", &w->result, error);
}

static gboolean
run_action (VbRequest            *req,
            Action                action,
            gboolean              versioned,
            const VbHandlerField *fields,
            guint                 n_fields,
            guint                 status,
            GError              **error)
{
  Act a = { { 0 }, action };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok = FALSE;

  if ((a.w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (versioned || vb_handler_has_body (req))
    {
      if ((body = vb_request_parse_body (req, error)) == NULL)
        goto out;
      if (versioned)
        {
          gint64 v;
          if (!vb_handler_body_version (body, &v, error))
            goto out;
          a.w.version = g_strdup_printf ("%" G_GINT64_FORMAT, v);
        }
      else if (!vb_handler_optional_version (body, &a.w.version, error))
        goto out;
      if (fields != NULL && !vb_handler_check_fields (body, fields, n_fields, action == ACT_ADD_LINE, NULL, error))
        goto out;
      if (action == ACT_RECEIVE && !check_lines (body, receive_line_fields, G_N_ELEMENTS (receive_line_fields),
                                                 TRUE, error))
        goto out;
      if (action == ACT_UPDATE && vb_handler_string_member (body, "currency") != NULL
          && !g_regex_match_simple ("^[A-Z]{3}$", vb_handler_string_member (body, "currency"), 0, 0))
        {
          vb_set_validation_error (error, "currency", "currency is an ISO 4217 code such as VND");
          goto out;
        }
      json_object_remove_member (body, "version");
      a.w.body = vb_json_object_to_string (body, NULL);
    }
  else if (action == ACT_RECEIVE)
    {
      vb_set_validation_error (error, "lines", "lines is required");
      goto out;
    }
  else
    a.w.body = g_strdup ("{}");
  a.w.user_id = vb_request_get_principal (req)->user_id;
  ok = vb_handler_transact_reply (req, act_txn, &a, status, &a.w.result, error);
out:
  vb_handler_write_clear (&a.w);
  return ok;
}

static const VbHandlerField cancel_fields[] = {
  { "reason", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
};

static const VbHandlerField receive_fields[] = {
  { "note", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
};

static gboolean
update_po (VbRequest *req, GError **error)
{
  return run_action (req, ACT_UPDATE, TRUE, po_update_fields, G_N_ELEMENTS (po_update_fields), 200, error);
}

static gboolean
add_line (VbRequest *req, GError **error)
{
  return run_action (req, ACT_ADD_LINE, FALSE, line_fields, G_N_ELEMENTS (line_fields), 201, error);
}

static gboolean
order_po (VbRequest *req, GError **error)
{
  return run_action (req, ACT_ORDER, FALSE, NULL, 0, 200, error);
}

static gboolean
cancel_po (VbRequest *req, GError **error)
{
  return run_action (req, ACT_CANCEL, FALSE, cancel_fields, G_N_ELEMENTS (cancel_fields), 200, error);
}

static gboolean
receive_po (VbRequest *req, GError **error)
{
  return run_action (req, ACT_RECEIVE, FALSE, receive_fields, G_N_ELEMENTS (receive_fields), 200, error);
}

/* --------------------------------------------------------------- reads --- */

static gboolean
get_po (VbRequest  *req,
        GError    **error)
{
  return vb_handler_reply_row (req, PO_SQL " AND vb_has_permission($2::uuid, 'inventory.read', o.location_id)",
                               "purchase order", error);
}

static gboolean
list_pos (VbRequest  *req,
          GError    **error)
{
  static const char * const statuses[] = { "draft", "ordered", "partially_received", "received", "cancelled", NULL };
  const char *location = vb_request_get_query (req, "location_id");
  const char *status = vb_request_get_query (req, "status");
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (location != NULL && !vb_validate_uuid (location, "location_id", error))
    return FALSE;
  if (status != NULL && !g_strv_contains (statuses, status))
    return vb_set_validation_error (error, "status", "No such status"), FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " PO_COLUMNS ","
    "       to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || o.id::text AS _key"
    "  FROM purchase_orders o"
    " WHERE vb_has_permission($1::uuid, 'inventory.read', o.location_id)"
    "   AND ($2::uuid IS NULL OR o.location_id = $2::uuid)"
    "   AND ($3::text IS NULL OR o.status = $3)"
    "   AND ($4::text IS NULL OR to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || o.id::text < $4)"
    " ORDER BY o.created_at DESC, o.id DESC LIMIT $5::int",
    vb_request_get_principal (req)->user_id, location, status, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static const VbRoute po_routes[] = {
  { "GET", "/api/v1/purchase-orders", list_pos, "inventory.read", 0,
    "Purchase orders, newest first (?location_id, ?status, ?limit, ?cursor)" },
  { "POST", "/api/v1/purchase-orders", create_po, "inventory.manage", 0,
    "A draft purchase order (location_id, supplier, optional currency, notes and lines)" },
  { "GET", "/api/v1/purchase-orders/{id}", get_po, "inventory.read", 0,
    "One purchase order with its lines" },
  { "PATCH", "/api/v1/purchase-orders/{id}", update_po, "inventory.manage", 0,
    "Change supplier, currency (draft only) or notes (version required)" },
  { "POST", "/api/v1/purchase-orders/{id}/lines", add_line, "inventory.manage", 0,
    "Add a line to a draft (part_id, quantity, optional unit_cost_amount)" },
  { "POST", "/api/v1/purchase-orders/{id}/order", order_po, "inventory.manage", 0,
    "draft → ordered (needs a line)" },
  { "POST", "/api/v1/purchase-orders/{id}/cancel", cancel_po, "inventory.manage", 0,
    "Cancel a draft or ordered purchase order (optional reason)" },
  { "POST", "/api/v1/purchase-orders/{id}/receive", receive_po, "inventory.manage", 0,
    "Receive goods: lines [{line_id, quantity}] become receipt movements; partially_received or received" },
};

void
vb_handler_purchase_orders_register (VbRouter *router)
{
  vb_router_add_routes (router, po_routes, G_N_ELEMENTS (po_routes));
}
