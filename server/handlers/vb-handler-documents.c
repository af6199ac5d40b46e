/* vb-handler-documents.c — PDF documents: quote, invoice or credit note,
 * vehicle maintenance history and battery health certificate.
 *
 * Each route checks the route permission at the record's location first
 * (404 where the caller may not read it, so probing ids tells nothing),
 * then builds the model (vb-document-data.c, one statement) and renders it
 * with the shared renderer the desktop apps print with.  ?language=en|vi,
 * default the customer's preferred language.
 *
 * POST .../email renders the same PDF, stores it as a 'document'
 * attachment and queues an e-mail carrying it (outbound_messages, kind
 * 'document'), all rows in one transaction; the message worker sends it. */
#include "vb-handlers.h"

#include "vb-attachment-store.h"
#include "vb-document-data.h"
#include "vb-document.h"
#include "vb-handler-util.h"
#include "vb-json.h"
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

/* ------------------------------------------------------------ e-mail --- */

/* $1 id, $2 caller: 404 unless billing.read there, 403 unless messages.send. */
#define EMAIL_SCOPE_SQL(table) \
  "SELECT vb_has_permission($2::uuid, 'billing.read', d.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'messages.send', d.location_id) AS _may," \
  "       d.location_id, d.customer_id, c.emails[1] AS email," \
  "       vb_customer_may_contact(d.customer_id, 'email') AS consent" \
  "  FROM " table " d JOIN customers c ON c.id = d.customer_id WHERE d.id = $1::uuid"

#define EMAIL_REFUSAL "E-mailing documents needs messages.send at the record's location"

#define OUTBOUND_COLUMNS \
  "m.id, m.location_id, m.customer_id, m.channel, m.to_address, m.subject, m.body, m.language, m.kind," \
  " m.related_entity, m.related_id, m.status, m.attempts, m.next_attempt_at, m.sent_at, m.created_by," \
  " m.version, m.created_at, m.updated_at," \
  "  (SELECT coalesce(json_agg(json_build_object('attachment_id', x.attachment_id, 'filename', x.filename," \
  "          'content_type', t.content_type, 'size_bytes', t.size_bytes) ORDER BY x.created_at, x.id), '[]'::json)" \
  "     FROM outbound_message_attachments x JOIN attachments t ON t.id = x.attachment_id" \
  "    WHERE x.message_id = m.id) AS attachments"

static const char * const languages[] = { "en", "vi", NULL };

static const VbHandlerField email_fields[] = {
  { "to",       VB_HANDLER_FIELD_TEXT,   FALSE, TRUE, 1, 254,  NULL },
  { "language", VB_HANDLER_FIELD_CHOICE, FALSE, TRUE, 0, 0,    languages },
  { "message",  VB_HANDLER_FIELD_TEXT,   FALSE, TRUE, 0, 2000, NULL },
};

typedef struct
{
  const char *user_id;
  const char *id;
  const char *scope_sql;
  const char *what;
  const char *related_entity;   /* "quotes" | "invoices" */
  const char *to;
  const char *language;         /* the model's */
  char       *subject;
  char       *body;
  char       *sha256;
  char       *size;
  char       *filename;
  JsonNode   *result;
} EmailDocument;

static void
email_document_clear (EmailDocument *e)
{
  g_free (e->subject);
  g_free (e->body);
  g_free (e->sha256);
  g_free (e->size);
  g_free (e->filename);
  g_clear_pointer (&e->result, json_node_unref);
}

static const char *
model_string (JsonObject *object,
              const char *member)
{
  const char *value = object ? json_object_get_string_member_with_default (object, member, NULL) : NULL;

  return value != NULL ? value : "";
}

static JsonObject *
model_object (JsonObject *model,
              const char *member)
{
  JsonNode *node = json_object_get_member (model, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Customer-facing text in the document's language (like the status-update
 * templates of 0011-messages.sql, not the server's gettext). */
static void
compose (EmailDocument *e,
         JsonObject    *model,
         const char    *message)
{
  const char *kind = model_string (model, "kind");
  const char *number = model_string (model, "number");
  const char *location = model_string (model_object (model, "location"), "name");
  const char *customer = model_string (model_object (model, "customer"), "name");
  gboolean vi = g_str_equal (e->language, "vi");
  const char *title;
  g_autoptr(GString) body = g_string_new (NULL);

  if (g_str_equal (kind, "quote"))
    title = vi ? "Báo giá" : "Quote";
  else if (g_str_equal (kind, "credit_note"))
    title = vi ? "Hóa đơn điều chỉnh giảm" : "Credit note";
  else
    title = vi ? "Hóa đơn" : "Invoice";

  /* One line: the subject never carries a line break (the trigger checks). */
  e->subject = g_strdup_printf (vi ? "%s %s từ %s" : "%s %s from %s", title, number, location);
  g_strdelimit (e->subject, "\r\n", ' ');
  if (vi)
    {
      g_autofree char *lower = g_utf8_strdown (title, -1);

      g_string_append_printf (body, "Kính gửi %s,\n\n%s xin gửi quý khách %s %s đính kèm (PDF).\n",
                              *customer ? customer : "quý khách", location, lower, number);
    }
  else
    g_string_append_printf (body, "Hello %s,\n\nplease find attached %s %s from %s (PDF).\n",
                            *customer ? customer : "there", g_str_equal (kind, "quote") ? "quote"
                            : g_str_equal (kind, "credit_note") ? "credit note" : "invoice", number, location);
  if (message != NULL && *message != '\0')
    g_string_append_printf (body, "\n%s\n", message);
  g_string_append_printf (body, "\n%s\n", location);
  e->body = g_string_free (g_steal_pointer (&body), FALSE);
}

static gboolean
email_txn (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  EmailDocument *e = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) attachment = NULL;
  g_autoptr(PGresult) message = NULL;
  g_autoptr(PGresult) link = NULL;
  const char *location, *customer;

  /* Again inside the transaction: the rows are written for who may now. */
  if ((scope = vb_handler_scope (conn, e->scope_sql, e->id, e->user_id, e->what, EMAIL_REFUSAL, error)) == NULL)
    return FALSE;
  location = vb_db_get (scope, 0, PQfnumber (scope, "location_id"));
  customer = vb_db_get (scope, 0, PQfnumber (scope, "customer_id"));
  attachment = vb_db_execv (conn, error,
    "INSERT INTO attachments (location_id, purpose, sha256, content_type, size_bytes, file_name, uploaded_by)"
    " VALUES ($1::uuid, 'document', $2, 'application/pdf', $3::bigint, $4, $5::uuid) RETURNING id",
    location, e->sha256, e->size, e->filename, e->user_id);
  if (attachment == NULL)
    return FALSE;
  message = vb_db_execv (conn, error,
    "SELECT vb_enqueue_message($1::uuid, $2::uuid, 'email', $3, $4, $5, $6, 'document', $7, $8::uuid, NULL)",
    location, customer, e->to, e->subject, e->body, e->language, e->related_entity, e->id);
  if (message == NULL)
    return FALSE;
  if (vb_db_get (message, 0, 0) == NULL)
    return vb_handler_conflict (error, "consent", "The customer has not consented to e-mail messages");
  link = vb_db_execv (conn, error,
    "INSERT INTO outbound_message_attachments (message_id, attachment_id, filename)"
    " VALUES ($1::uuid, $2::uuid, $3) RETURNING id",
    vb_db_get (message, 0, 0), vb_db_get (attachment, 0, 0), e->filename);
  if (link == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn, "SELECT " OUTBOUND_COLUMNS " FROM outbound_messages m WHERE m.id = $1::uuid",
                               vb_db_get (message, 0, 0), "message", &e->result, error);
}

static gboolean
email_document (VbRequest  *req,
                const char *kind,
                const char *scope_sql,
                const char *what,
                const char *related_entity,
                GError    **error)
{
  const VbServerOptions *options = vb_server_get_options (vb_request_get_server (req));
  EmailDocument e = {
    .user_id = vb_request_get_principal (req)->user_id,
    .scope_sql = scope_sql,
    .what = what,
    .related_entity = related_entity,
  };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(JsonObject) model = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autofree char *to = NULL;
  g_autofree char *message = NULL;
  const char *language = NULL;
  VbDbConn *conn;
  gboolean ok = FALSE;

  if ((e.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  /* The body is optional: no body sends to the first address, in the customer's language. */
  if (vb_handler_has_body (req))
    {
      if ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_check_fields (body, email_fields, G_N_ELEMENTS (email_fields), TRUE, NULL, error))
        return FALSE;
      to = g_strdup (vb_handler_string_member (body, "to"));
      language = vb_handler_string_member (body, "language");
      message = g_strdup (vb_handler_string_member (body, "message"));
      if (to != NULL && !vb_validate_email (g_strstrip (to), "to", error))
        return FALSE;
    }

  if ((conn = vb_request_get_db (req, error)) == NULL
      || (scope = vb_handler_scope (conn, scope_sql, e.id, e.user_id, what, EMAIL_REFUSAL, error)) == NULL)
    goto out;
  if (to == NULL)
    {
      const char *first = vb_db_get (scope, 0, PQfnumber (scope, "email"));

      if (first == NULL || *first == '\0')
        {
          vb_set_validation_error (error, "to", "The customer has no e-mail address: give to");
          goto out;
        }
      to = g_strdup (first);
    }
  /* Checked again by vb_enqueue_message; here so that nothing is rendered or stored for nothing. */
  if (!vb_db_get_bool (scope, 0, PQfnumber (scope, "consent")))
    {
      vb_handler_conflict (error, "consent", "The customer has not consented to e-mail messages");
      goto out;
    }
  e.to = to;
  if ((model = vb_document_data_build_for (conn, kind, e.id, language, e.user_id, error)) == NULL)
    goto out;
  /* Rendering needs no connection: give it back to the pool first. */
  vb_request_release_db (req);
  vb_document_data_add_payment_qr (model, options->settings);
  if ((pdf = vb_document_render_pdf (model, error)) == NULL)
    goto out;

  e.language = model_string (model, "language");
  if (!g_strv_contains (languages, e.language))
    e.language = "en";
  compose (&e, model, message);
  e.filename = vb_document_data_filename (model);
  e.size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (pdf));
  /* The file before the row: a row never names a file that is not there. */
  if ((e.sha256 = vb_attachment_store_put (options->data_dir, pdf, error)) == NULL
      || !vb_request_transaction (req, email_txn, &e, error))
    goto out;

  {
    g_autofree char *location = g_strdup_printf ("/api/v1/messages/%s",
                                                 json_object_get_string_member (json_node_get_object (e.result), "id"));

    vb_request_add_reply_header (req, "Location", location);
    vb_request_reply_json (req, 202, g_steal_pointer (&e.result));
  }
  ok = TRUE;
out:
  email_document_clear (&e);
  return ok;
}

static gboolean
email_quote (VbRequest  *req,
             GError    **error)
{
  return email_document (req, "quote", EMAIL_SCOPE_SQL ("quotes"), "quote", "quotes", error);
}

static gboolean
email_invoice (VbRequest  *req,
               GError    **error)
{
  return email_document (req, "invoice", EMAIL_SCOPE_SQL ("invoices"), "invoice", "invoices", error);
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
  { "POST", "/api/v1/quotes/{id}/email", email_quote, "messages.send", 0,
    "E-mail the quote as a PDF to the customer (queued; 202 with the outbound message)" },
  { "POST", "/api/v1/invoices/{id}/email", email_invoice, "messages.send", 0,
    "E-mail the invoice or credit note as a PDF to the customer (queued; 202 with the outbound message)" },
};

void
vb_handler_documents_register (VbRouter *router)
{
  vb_router_add_routes (router, document_routes, G_N_ELEMENTS (document_routes));
}
