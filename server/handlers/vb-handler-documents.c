/* vb-handler-documents.c — PDF documents: quote, invoice or credit note,
 * vehicle maintenance history and battery health certificate.
 *
 * Each route checks the route permission at the record's location first
 * (404 where the caller may not read it, so probing ids tells nothing),
 * then builds the model (vb-document-data.c, one statement) and renders it
 * with the shared renderer the desktop apps print with.  ?language=en|vi,
 * default the customer's preferred language. */
#include "vb-handlers.h"

#include "vb-document-data.h"
#include "vb-document.h"
#include "vb-handler-util.h"
#include "vb-server.h"

/* $1 id, $2 caller: _read where the route's record is visible. */
#define QUOTE_SCOPE_SQL \
  "SELECT vb_has_permission($2::uuid, 'billing.read', location_id) AS _read, true AS _may" \
  "  FROM quotes WHERE id = $1::uuid"
#define INVOICE_SCOPE_SQL \
  "SELECT vb_has_permission($2::uuid, 'billing.read', location_id) AS _read, true AS _may" \
  "  FROM invoices WHERE id = $1::uuid"
#define VEHICLE_SCOPE_SQL \
  "SELECT vb_has_permission($2::uuid, 'vehicles.read', location_id) AS _read, true AS _may" \
  "  FROM vehicles WHERE id = $1::uuid"

static gboolean
reply_document (VbRequest  *req,
                const char *kind,
                const char *scope_sql,
                const char *what,
                GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *language = vb_request_get_query (req, "language");
  const char *user_id = vb_request_get_principal (req)->user_id;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(JsonObject) model = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *disposition = NULL;
  VbDbConn *conn;

  if (id == NULL)
    return FALSE;
  if (language != NULL && !g_str_equal (language, "en") && !g_str_equal (language, "vi"))
    {
      g_propagate_error (error, vb_handler_field_error (VB_ERROR_VALIDATION, "language",
                                                        "language must be en or vi"));
      return FALSE;
    }
  if ((conn = vb_request_get_db (req, error)) == NULL
      || (scope = vb_handler_scope (conn, scope_sql, id, user_id, what, NULL, error)) == NULL
      || (model = vb_document_data_build_for (conn, kind, id, language, user_id, error)) == NULL)
    return FALSE;
  /* Rendering needs no connection: give it back to the pool first. */
  vb_request_release_db (req);
  vb_document_data_add_payment_qr (model, vb_server_get_options (vb_request_get_server (req))->settings);
  if ((pdf = vb_document_render_pdf (model, error)) == NULL)
    return FALSE;

  filename = vb_document_data_filename (model);
  disposition = g_strdup_printf ("inline; filename=\"%s\"", filename);
  vb_request_add_reply_header (req, "Content-Disposition", disposition);
  vb_request_add_reply_header (req, "Cache-Control", "no-store");
  vb_request_add_reply_header (req, "X-Content-Type-Options", "nosniff");
  vb_request_reply_bytes (req, 200, "application/pdf", pdf);
  return TRUE;
}

static gboolean
get_quote_pdf (VbRequest  *req,
               GError    **error)
{
  return reply_document (req, "quote", QUOTE_SCOPE_SQL, "quote", error);
}

static gboolean
get_invoice_pdf (VbRequest  *req,
                 GError    **error)
{
  return reply_document (req, "invoice", INVOICE_SCOPE_SQL, "invoice", error);
}

static gboolean
get_history_pdf (VbRequest  *req,
                 GError    **error)
{
  return reply_document (req, "vehicle_history", VEHICLE_SCOPE_SQL, "vehicle", error);
}

static gboolean
get_battery_pdf (VbRequest  *req,
                 GError    **error)
{
  return reply_document (req, "battery_certificate", VEHICLE_SCOPE_SQL, "vehicle", error);
}

static const VbRoute document_routes[] = {
  { "GET", "/api/v1/quotes/{id}/pdf", get_quote_pdf, "billing.read", 0,
    "The quote (its newest version) as a PDF" },
  { "GET", "/api/v1/invoices/{id}/pdf", get_invoice_pdf, "billing.read", 0,
    "The invoice or credit note as a PDF, with the bank-transfer QR code while an amount is due" },
  { "GET", "/api/v1/vehicles/{id}/history/pdf", get_history_pdf, "vehicles.read", 0,
    "The vehicle's maintenance history as a PDF" },
  { "GET", "/api/v1/vehicles/{id}/battery-certificate/pdf", get_battery_pdf, "vehicles.read", 0,
    "A battery health certificate (state of health, capacity, isolation, fault codes, trend) as a PDF" },
};

void
vb_handler_documents_register (VbRouter *router)
{
  vb_router_add_routes (router, document_routes, G_N_ELEMENTS (document_routes));
}
