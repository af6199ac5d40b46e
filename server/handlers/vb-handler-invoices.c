/* vb-handler-invoices.c — invoices and credit notes (S5; docs/api-billing.md).
 *
 * An invoice is issued from what was really done on a work order (clocked
 * labor, parts used, approved fees and discounts) by vb_invoice_issue in
 * 0009-billing.sql, inside the request's transaction: the number comes from
 * a counter row that stays locked until the transaction ends, so numbers are
 * gapless per location, kind and year even under concurrent issues, and a
 * failed issue gives its number back.  Work beyond the approved quote total
 * is refused there (409 naming approval).  Issued invoices never change
 * (trigger); corrections are a void (unpaid only) with a full credit note,
 * or a credit note for some lines.  status and paid_amount of issued
 * invoices are kept by the payment ledger (0010).
 *
 * Who: billing.read to see, billing.manage to issue, void and credit, at
 * the invoice's location; other locations' invoices are 404.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define ORDER_SCOPE_SQL \
  "SELECT w.id, vb_has_permission($2::uuid, 'billing.read', w.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'billing.manage', w.location_id) AS _may" \
  "  FROM work_orders w WHERE w.id = $1::uuid"

#define INVOICE_SCOPE_SQL \
  "SELECT i.id, i.version, vb_has_permission($2::uuid, 'billing.read', i.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'billing.manage', i.location_id) AS _may" \
  "  FROM invoices i WHERE i.id = $1::uuid"

static const VbHandlerField reason_fields[] = {
  { "reason", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 1000, NULL },
};

static const VbHandlerField credit_line_fields[] = {
  { "invoice_line_id", VB_HANDLER_FIELD_UUID,   TRUE,  FALSE, 0, 0, NULL },
  { "quantity",        VB_HANDLER_FIELD_NUMBER, FALSE, TRUE,  0, 0, NULL },
};

static gboolean
fetch_invoice (VbDbConn    *conn,
               const char  *id,
               JsonNode   **result,
               GError     **error)
{
  return vb_handler_fetch_json (conn, "SELECT vb_invoice_json($1::uuid)", id, "invoice", result, error);
}

/* --------------------------------------------------------------- issue --- */

static gboolean
issue_txn (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = vb_handler_scope (conn, ORDER_SCOPE_SQL, w->parent_id, w->user_id, "work order",
                                                "Issuing invoices needs billing.manage at the work order's location",
                                                error);
  g_autoptr(PGresult) res = NULL;

  if (scope == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, "SELECT vb_invoice_issue($1::uuid)", w->parent_id);
  return res != NULL && fetch_invoice (conn, vb_db_get (res, 0, 0), &w->result, error);
}

/* POST /work-orders/{id}/invoices (no body needed) */
static gboolean
issue_invoice (VbRequest  *req,
               GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  if (!vb_request_transaction (req, issue_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/invoices", &w.result);
  return TRUE;
}

/* GET /work-orders/{id}/invoice-preview: what an invoice would hold now. */
static gboolean
preview_invoice (VbRequest  *req,
                 GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_invoice_preview_json(w.id) FROM work_orders w"
    " WHERE w.id = $1::uuid AND vb_has_permission($2::uuid, 'billing.read', w.location_id)",
    id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "work order");
  vb_request_reply_json (req, 200, json_from_string (vb_db_get (res, 0, 0), NULL));
  return TRUE;
}

/* ---------------------------------------------------- void and credit --- */

typedef struct
{
  VbHandlerWrite  w;
  JsonObject     *body;
} Write;

static gboolean
void_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  Write *c = user_data;
  g_autoptr(PGresult) scope = vb_handler_scope (conn, INVOICE_SCOPE_SQL, c->w.id, c->w.user_id, "invoice",
                                                "Voiding invoices needs billing.manage at the invoice's location",
                                                error);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonNode) current = NULL;

  if (scope == NULL)
    return FALSE;
  if (c->w.version != NULL && vb_db_get_int (scope, 0, PQfnumber (scope, "version")) != g_ascii_strtoll (c->w.version, NULL, 10))
    {
      if (fetch_invoice (conn, c->w.id, &current, error))
        g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&current)));
      return FALSE;
    }
  res = vb_db_execv (conn, error, "SELECT vb_invoice_void($1::uuid, $2::jsonb ->> 'reason')", c->w.id, c->w.body);
  return res != NULL && fetch_invoice (conn, c->w.id, &c->w.result, error);
}

/* POST /invoices/{id}/void {"reason", "version"?} */
static gboolean
void_invoice (VbRequest  *req,
              GError    **error)
{
  Write c = { { 0 }, NULL };
  gboolean ok;

  if ((c.w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  c.body = vb_handler_read_body (req, FALSE, &c.w, error);
  ok = c.body != NULL
       && vb_handler_check_fields (c.body, reason_fields, G_N_ELEMENTS (reason_fields), TRUE, NULL, error)
       && vb_handler_optional_version (c.body, &c.w.version, error)
       && vb_handler_transact_reply (req, void_txn, &c, 200, &c.w.result, error);
  vb_handler_write_clear (&c.w);
  g_clear_pointer (&c.body, json_object_unref);
  return ok;
}

static gboolean
check_credit_lines (JsonObject  *body,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (body, "lines");
  JsonArray *lines;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0
      || json_array_get_length (json_node_get_array (node)) > 500)
    return vb_set_validation_error (error, "lines",
                                    "lines must list 1 to 500 {\"invoice_line_id\", \"quantity\"?} (or be left out for all)"),
           FALSE;
  lines = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonNode *item = json_array_get_element (lines, i);
      g_autofree char *prefix = g_strdup_printf ("lines[%u].", i);
      JsonObject *line;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return vb_set_validation_error (error, "lines", "%s must be an object", prefix), FALSE;
      line = json_node_get_object (item);
      if (!vb_handler_check_fields (line, credit_line_fields, G_N_ELEMENTS (credit_line_fields), TRUE, prefix, error))
        return FALSE;
      if (vb_handler_has_member (line, "quantity") && json_object_get_double_member (line, "quantity") <= 0)
        {
          g_autofree char *field = g_strdup_printf ("lines[%u].quantity", i);
          return vb_set_validation_error (error, field, "%s must be more than 0", field), FALSE;
        }
    }
  return TRUE;
}

static gboolean
credit_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Write *c = user_data;
  g_autoptr(PGresult) scope = vb_handler_scope (conn, INVOICE_SCOPE_SQL, c->w.id, c->w.user_id, "invoice",
                                                "Credit notes need billing.manage at the invoice's location", error);
  g_autoptr(PGresult) res = NULL;

  if (scope == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_credit_note_issue($1::uuid, $2::jsonb -> 'lines', $2::jsonb ->> 'reason')", c->w.id, c->w.body);
  return res != NULL && fetch_invoice (conn, vb_db_get (res, 0, 0), &c->w.result, error);
}

/* POST /invoices/{id}/credit-notes {"reason", "lines"?: [{"invoice_line_id", "quantity"?}]} */
static gboolean
credit_invoice (VbRequest  *req,
                GError    **error)
{
  Write c = { { 0 }, NULL };
  gboolean ok;

  if ((c.w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  c.body = vb_handler_read_body (req, FALSE, &c.w, error);
  ok = c.body != NULL
       && vb_handler_check_fields (c.body, reason_fields, G_N_ELEMENTS (reason_fields), TRUE, NULL, error)
       && check_credit_lines (c.body, error)
       && vb_request_transaction (req, credit_txn, &c, error);
  if (ok)
    vb_handler_reply_created (req, "/api/v1/invoices", &c.w.result);
  vb_handler_write_clear (&c.w);
  g_clear_pointer (&c.body, json_object_unref);
  return ok;
}

/* --------------------------------------------------------------- reads --- */

static gboolean
get_invoice (VbRequest  *req,
             GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_invoice_json(i.id) FROM invoices i"
    " WHERE i.id = $1::uuid AND vb_has_permission($2::uuid, 'billing.read', i.location_id)",
    id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "invoice");
  vb_request_reply_json (req, 200, json_from_string (vb_db_get (res, 0, 0), NULL));
  return TRUE;
}

static const char * const statuses[] = { "issued", "partially_paid", "paid", "void", NULL };
static const char * const kinds[] = { "invoice", "credit_note", NULL };

/* GET /invoices: newest first, without lines. */
static gboolean
list_invoices (VbRequest  *req,
               GError    **error)
{
  static const char * const ids[] = { "location_id", "customer_id", "work_order_id", "vehicle_id" };
  const char *status = vb_request_get_query (req, "status");
  const char *kind = vb_request_get_query (req, "kind");
  const char *year = vb_request_get_query (req, "year");
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const char *v = vb_request_get_query (req, ids[i]);
      if (v != NULL && !vb_validate_uuid (v, ids[i], error))
        return FALSE;
    }
  if (status != NULL && !g_strv_contains (statuses, status))
    return vb_set_validation_error (error, "status", "status is one of issued, partially_paid, paid, void"), FALSE;
  if (kind != NULL && !g_strv_contains (kinds, kind))
    return vb_set_validation_error (error, "kind", "kind is invoice or credit_note"), FALSE;
  if (year != NULL && !g_regex_match_simple ("^[12][0-9]{3}$", year, 0, 0))
    return vb_set_validation_error (error, "year", "year is a year such as 2026"), FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT i.id, i.kind, i.number, i.status, i.location_id, i.work_order_id, w.number AS work_order_number,"
    "       i.customer_id, c.display_name AS customer_name, w.vehicle_id, v.plate AS vehicle_plate,"
    "       i.credit_for_invoice_id, i.currency,"
    "       vb_billing_money(i.subtotal_amount, i.currency) AS subtotal,"
    "       vb_billing_money(i.tax_amount, i.currency) AS tax,"
    "       vb_billing_money(i.total_amount, i.currency) AS total,"
    "       vb_billing_money(i.paid_amount, i.currency) AS paid,"
    "       i.issued_at, i.voided_at, i.version, i.created_at, i.updated_at,"
    "       to_char(i.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || i.id::text AS _key"
    "  FROM invoices i JOIN customers c ON c.id = i.customer_id"
    "  LEFT JOIN work_orders w ON w.id = i.work_order_id LEFT JOIN vehicles v ON v.id = w.vehicle_id"
    " WHERE vb_has_permission($1::uuid, 'billing.read', i.location_id)"
    "   AND ($2::uuid IS NULL OR i.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR i.customer_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR i.work_order_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR w.vehicle_id = $5::uuid)"
    "   AND ($6::text IS NULL OR i.status = $6)"
    "   AND ($7::text IS NULL OR i.kind = $7)"
    "   AND ($8::int IS NULL OR i.year = $8::int)"
    "   AND ($9::text IS NULL OR to_char(i.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || i.id::text < $9)"
    " ORDER BY i.issued_at DESC, i.id DESC LIMIT $10::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "customer_id"), vb_request_get_query (req, "work_order_id"),
    vb_request_get_query (req, "vehicle_id"), status, kind, year, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute invoice_routes[] = {
  { "GET", "/api/v1/invoices", list_invoices, "billing.read", 0,
    "Invoices and credit notes in the caller's locations, newest first (?location_id, ?customer_id, ?work_order_id, ?vehicle_id, ?status, ?kind, ?year, ?limit, ?cursor)" },
  { "GET", "/api/v1/invoices/{id}", get_invoice, "billing.read", 0,
    "One invoice or credit note with its lines, taxes and credit notes" },
  { "POST", "/api/v1/invoices/{id}/void", void_invoice, "billing.manage", 0,
    "Void an unpaid invoice; what is not credited yet gets a credit note" },
  { "POST", "/api/v1/invoices/{id}/credit-notes", credit_invoice, "billing.manage", 0,
    "Issue a credit note for some or all of an invoice's lines" },
  { "GET", "/api/v1/work-orders/{id}/invoice-preview", preview_invoice, "billing.read", 0,
    "What the work order's invoice would hold now (actual labor and parts, approved fees) and whether it is within the approval" },
  { "POST", "/api/v1/work-orders/{id}/invoices", issue_invoice, "billing.manage", 0,
    "Issue the work order's invoice from actual labor and parts (409 approval when over the approved total)" },
};

void
vb_handler_invoices_register (VbRouter *router)
{
  vb_router_add_routes (router, invoice_routes, G_N_ELEMENTS (invoice_routes));
}
