/* vb-handler-payments.c — payments, deposits and refunds (C5):
 * /api/v1/payments and /api/v1/payments/{id}/{confirm,capture,cancel,refunds}.
 *
 * The money rules live in PostgreSQL (0010-payments.sql): the ledger, the
 * invoice's paid_amount and status, deposits applied at issue, refunds
 * bounded by what a payment holds, no overpayment (VB409 naming amount).
 * This file adds what SQL cannot do:
 *   - Idempotency-Key: required on every request that creates a payment or
 *     a refund.  A session advisory lock on the key serializes retries (also
 *     concurrent ones, also across server instances); the first request
 *     records the key, then the payment it made, then its reply; a retry
 *     gets that reply (status and body, `Idempotent-Replayed: true`).  The
 *     same key with another body (or user, or route) is a 422 naming
 *     Idempotency-Key.  A request that died half-way (a crash, the gateway
 *     unreachable: 5xx replies are not kept) is resumed by its retry: the
 *     gateway gets the same key again, so it answers with the same
 *     PaymentIntent or refund rather than making a second one.  Without the
 *     header, a Voltbay-Mutation (an offline client's outbox) serves as the key.
 *   - the gateway (VbPaymentGateway) for card and e-wallet, called between
 *     two transactions: the pending payment is committed before the
 *     gateway is asked, so money taken is never without its record;
 *   - card data refused before anything is parsed further, stored or
 *     logged: members named like card numbers or security codes, and any
 *     13–19 digit run passing the Luhn check (422, the value never echoed);
 *   - the bank-transfer / e-wallet QR payload (vb-payment-qr.h) in replies.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-server.h"
#include "vb-payment-gateway.h"
#include "vb-payment-qr.h"

#include <string.h>

#define PAYMENT_COLUMNS \
  "p.id, p.location_id, p.invoice_id, i.number AS invoice_number, p.work_order_id," \
  " w.number AS work_order_number, p.customer_id, p.method, p.status," \
  " json_build_object('amount', p.amount, 'currency', p.currency) AS amount," \
  " json_build_object('amount', p.refunded_amount, 'currency', p.currency) AS refunded," \
  " CASE WHEN p.tendered_amount IS NOT NULL" \
  "      THEN json_build_object('amount', p.tendered_amount, 'currency', p.currency) END AS tendered," \
  " CASE WHEN p.tendered_amount IS NOT NULL" \
  "      THEN json_build_object('amount', p.tendered_amount - p.amount, 'currency', p.currency) END AS change," \
  " p.invoice_id IS NULL AS deposit," \
  " json_build_object('amount', (SELECT coalesce(sum(l.amount), 0) FROM payment_ledger l" \
  "                               WHERE l.payment_id = p.id AND l.invoice_id IS NULL)," \
  "                   'currency', p.currency) AS unapplied," \
  " p.reference, p.gateway, p.gateway_intent_id, p.gateway_status, p.card_brand, p.card_last4, p.wallet," \
  " p.failure_code, p.failure_message, p.note, p.confirmed_by, p.confirmed_at, p.created_by," \
  " p.version, p.created_at, p.updated_at," \
  " p.amount AS _amount, p.currency AS _currency, p.refunded_amount AS _refunded"

#define PAYMENT_FROM \
  " FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN work_orders w ON w.id = p.work_order_id"

#define GET_SQL "SELECT " PAYMENT_COLUMNS PAYMENT_FROM " WHERE p.id = $1::uuid"

/* One payment with its refunds and ledger rows, if the caller ($2) may read it. */
#define GET_FULL_SQL \
  "SELECT " PAYMENT_COLUMNS "," \
  " (SELECT coalesce(json_agg(json_build_object('id', r.id, 'amount'," \
  "         json_build_object('amount', r.amount, 'currency', r.currency), 'reason', r.reason," \
  "         'gateway_refund_id', r.gateway_refund_id, 'gateway_status', r.gateway_status," \
  "         'created_by', r.created_by, 'created_at', r.created_at) ORDER BY r.created_at, r.id), '[]')" \
  "    FROM payment_refunds r WHERE r.payment_id = p.id) AS refunds," \
  " (SELECT coalesce(json_agg(json_build_object('id', l.id, 'kind', l.kind, 'invoice_id', l.invoice_id," \
  "         'work_order_id', l.work_order_id, 'refund_id', l.refund_id, 'amount'," \
  "         json_build_object('amount', l.amount, 'currency', l.currency), 'created_at', l.created_at)" \
  "         ORDER BY l.created_at, l.id), '[]')" \
  "    FROM payment_ledger l WHERE l.payment_id = p.id) AS ledger" \
  PAYMENT_FROM " WHERE p.id = $1::uuid AND vb_has_permission($2::uuid, 'payments.read', p.location_id)"

/* Scope of an action on payment $1 by $2: _read, and _may with permission $3. */
#define SCOPE_SQL \
  "SELECT p.id, p.method, p.status, p.gateway_intent_id, p.amount, p.refunded_amount, p.currency, p.version," \
  "       vb_has_permission($2::uuid, 'payments.read', p.location_id) AS _read," \
  "       vb_has_permission($2::uuid, $3, p.location_id) AS _may" \
  "  FROM payments p WHERE p.id = $1::uuid"

#define IDEMPOTENCY_HEADER "Idempotency-Key"

static const char * const methods[] = { "cash", "card", "e_wallet", "bank_transfer", NULL };
static const char * const captures[] = { "automatic", "manual", NULL };

static const VbHandlerField create_fields[] = {
  { "id",             VB_HANDLER_FIELD_UUID,   FALSE, FALSE, 0, 0,    NULL },
  { "invoice_id",     VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,    NULL },
  { "work_order_id",  VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,    NULL },
  { "method",         VB_HANDLER_FIELD_CHOICE, TRUE,  FALSE, 0, 0,    methods },
  { "amount",         VB_HANDLER_FIELD_MONEY,  TRUE,  FALSE, 0, 0,    NULL },
  { "tendered",       VB_HANDLER_FIELD_MONEY,  FALSE, TRUE,  0, 0,    NULL },
  { "payment_method", VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 3, 255,  NULL },
  { "capture",        VB_HANDLER_FIELD_CHOICE, FALSE, FALSE, 0, 0,    captures },
  { "wallet",         VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 1, 64,   NULL },
  { "note",           VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 0, 1000, NULL },
};

static const VbHandlerField refund_fields[] = {
  { "amount", VB_HANDLER_FIELD_MONEY, FALSE, FALSE, 0, 0,    NULL },
  { "reason", VB_HANDLER_FIELD_TEXT,  FALSE, FALSE, 0, 1000, NULL },
};

static GKeyFile *
settings_of (VbRequest *req)
{
  return vb_server_get_options (vb_request_get_server (req))->settings;
}

/* ---------------------------------------------------------- card data --- */

static gboolean
luhn_valid (const char *digits,
            gsize       n)
{
  guint sum = 0;

  for (gsize i = 0; i < n; i++)
    {
      guint d = (guint) (digits[n - 1 - i] - '0');

      if (i % 2 == 1)
        d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
  return sum % 10 == 0;
}

/* A 13–19 digit run (single spaces or dashes between digits allowed, as
 * card numbers are written) that passes the Luhn check. */
static gboolean
has_card_number (const char *text)
{
  char digits[32];
  gsize n = 0;

  for (const char *p = text;; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (n < sizeof digits)
            digits[n] = *p;
          n++;
          continue;
        }
      if ((*p == ' ' || *p == '-') && n > 0 && g_ascii_isdigit (p[1]))
        continue;
      if (n >= 13 && n <= 19 && luhn_valid (digits, n))
        return TRUE;
      n = 0;
      if (*p == '\0')
        return FALSE;
    }
}

static gboolean
is_card_member (const char *name)
{
  static const char * const names[] = {
    "cardnumber", "number", "cardno", "pan", "cvc", "cvv", "cvc2", "cvv2", "securitycode",
    "expmonth", "expyear", "expiry", "track1", "track2", "trackdata", "card",
  };
  g_autoptr(GString) plain = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (*p != '_' && *p != '-' && *p != ' ')
      g_string_append_c (plain, g_ascii_tolower (*p));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (plain->str, names[i]))
      return TRUE;
  return FALSE;
}

/* The member (top-level name) under which node holds card data, or NULL. */
static const char *
find_card_data (JsonNode   *node,
                const char *member)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &child))
        {
          const char *found;

          if (is_card_member (name))
            return member ? member : name;
          if ((found = find_card_data (child, member ? member : name)) != NULL)
            return found;
        }
      return NULL;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          const char *found = find_card_data (json_array_get_element (a, i), member);

          if (found != NULL)
            return found;
        }
      return NULL;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);

      return !g_uuid_string_is_valid (s) && has_card_number (s) ? (member ? member : "body") : NULL;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      char text[32];

      g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, ABS (json_node_get_int (node)));
      return has_card_number (text) ? (member ? member : "body") : NULL;
    }
  return NULL;
}

/* 422 before anything else happens to the body: never stored, never logged, never echoed. */
static gboolean
refuse_card_data (JsonObject  *body,
                  GError     **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);
  const char *member = find_card_data (node, NULL);

  if (member == NULL)
    return TRUE;
  vb_set_validation_error (error, member,
                           "Card numbers and security codes never reach Voltbay: send the payment-method id "
                           "the client got from the payment gateway (payment_method, e.g. pm_...)");
  return FALSE;
}

/* -------------------------------------------------------- idempotency --- */

typedef struct
{
  VbRequest  *req;
  VbDbConn   *conn;
  const char *user_id;
  char       *key;
  char       *payment_id;   /* what the key already made (a resumed request) */
  char       *refund_id;
} Idem;

typedef gboolean (*IdemWork) (Idem      *idem,
                              gpointer   data,
                              GError   **error);

static gboolean
check_key (const char  *key,
           GError     **error)
{
  gsize len = key ? strlen (key) : 0;

  if (len == 0)
    {
      vb_set_validation_error (error, IDEMPOTENCY_HEADER,
                               IDEMPOTENCY_HEADER " is required on requests that move money "
                               "(a new random value per payment, the same value on every retry of it)");
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (key[i] < 0x21 || key[i] > 0x7E)
      len = 0;
  if (len == 0 || len > 255)
    {
      vb_set_validation_error (error, IDEMPOTENCY_HEADER, IDEMPOTENCY_HEADER " must be 1 to 255 visible ASCII characters");
      return FALSE;
    }
  return TRUE;
}

/* Replies that a retry would get again are kept; transient ones (401,
 * 408, 429, 5xx) are not, so the retry runs (and resumes) instead. */
static gboolean
is_final_reply (guint status)
{
  return status >= 200 && status < 500 && status != 401 && status != 408 && status != 429;
}

static char *
request_sha256 (VbRequest *req)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  GBytes *body = vb_request_get_body (req);

  g_checksum_update (sum, (const guchar *) vb_request_get_method (req), -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) vb_request_get_path (req), -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  if (body != NULL)
    g_checksum_update (sum, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body));
  return g_strdup (g_checksum_get_string (sum));
}

/* Looks the key up (under its lock): TRUE with *replayed when req now holds
 * the stored reply; otherwise idem says what the key made so far. */
static gboolean
idem_begin (Idem      *idem,
            gboolean  *replayed,
            GError   **error)
{
  g_autofree char *sha = request_sha256 (idem->req);
  g_autoptr(PGresult) res = vb_db_execv (idem->conn, error,
    "SELECT user_id, method, path, body_sha256, status, response, payment_id, refund_id"
    "  FROM payment_idempotency_keys WHERE key = $1",
    idem->key);

  *replayed = FALSE;
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_autoptr(PGresult) ins = vb_db_execv (idem->conn, error,
        "INSERT INTO payment_idempotency_keys (key, user_id, method, path, body_sha256)"
        " VALUES ($1, $2::uuid, $3, $4, $5)",
        idem->key, idem->user_id, vb_request_get_method (idem->req), vb_request_get_path (idem->req), sha);
      return ins != NULL;
    }
  if (g_strcmp0 (vb_db_get (res, 0, 0), idem->user_id) != 0
      || g_strcmp0 (vb_db_get (res, 0, 1), vb_request_get_method (idem->req)) != 0
      || g_strcmp0 (vb_db_get (res, 0, 2), vb_request_get_path (idem->req)) != 0
      || g_strcmp0 (vb_db_get (res, 0, 3), sha) != 0)
    {
      vb_set_validation_error (error, IDEMPOTENCY_HEADER,
                               "This " IDEMPOTENCY_HEADER " was used for a different request: "
                               "use a new key for a new payment");
      return FALSE;
    }
  if (vb_db_get (res, 0, 4) != NULL)
    {
      vb_request_add_reply_header (idem->req, "Idempotent-Replayed", "true");
      vb_request_reply_text (idem->req, (guint) vb_db_get_int (res, 0, 4), "application/json",
                             g_strdup (vb_db_get (res, 0, 5)));
      *replayed = TRUE;
      return TRUE;
    }
  idem->payment_id = g_strdup (vb_db_get (res, 0, 6));
  idem->refund_id = g_strdup (vb_db_get (res, 0, 7));
  return TRUE;
}

static void
idem_store (Idem *idem)
{
  guint status = vb_request_get_status (idem->req);
  gsize length = 0;
  const char *type = NULL;
  const char *body = vb_request_peek_reply (idem->req, &length, &type);
  g_autofree char *response = g_strndup (body ? body : "", length);
  g_autofree char *status_text = g_strdup_printf ("%u", status);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;

  if (!is_final_reply (status))
    return;
  res = vb_db_execv (idem->conn, &error,
    "UPDATE payment_idempotency_keys SET status = $2::int, response = $3, completed_at = now()"
    " WHERE key = $1 AND status IS NULL",
    idem->key, status_text, response);
  if (res == NULL)
    g_warning ("request %s: the reply to an Idempotency-Key was not kept: %s",
               vb_request_get_id (idem->req), error->message);
}

/* Runs work once per Idempotency-Key (see the top of the file). */
static gboolean
idempotent (VbRequest  *req,
            IdemWork    work,
            gpointer    data,
            GError    **error)
{
  const char *header = vb_request_get_header (req, "idempotency-key");
  const char *mutation = vb_request_get_header (req, "voltbay-mutation");
  g_autofree char *key = header ? g_strdup (header)
                         : mutation ? g_strconcat ("voltbay-mutation:", mutation, NULL) : NULL;
  Idem idem = { req, NULL, vb_request_get_principal (req)->user_id, NULL, NULL, NULL };
  g_autoptr(PGresult) lock = NULL;
  g_autoptr(PGresult) unlock = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean replayed = FALSE;
  gboolean ok;

  if (!check_key (key, error) || (idem.conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  idem.key = key;
  lock = vb_db_execv (idem.conn, error, "SELECT pg_advisory_lock(hashtextextended($1, 7010))", key);
  if (lock == NULL)
    return FALSE;
  ok = idem_begin (&idem, &replayed, error);
  if (ok && !replayed)
    {
      if (!work (&idem, data, &local_error))
        vb_request_reply_error (req, local_error);
      idem_store (&idem);
    }
  unlock = vb_db_execv (idem.conn, NULL, "SELECT pg_advisory_unlock(hashtextextended($1, 7010))", key);
  g_free (idem.payment_id);
  g_free (idem.refund_id);
  return ok;
}

/* ------------------------------------------------------------ helpers --- */

/* A payment row as JSON, with its QR payload while a transfer or e-wallet
 * payment waits for the payer. */
static JsonNode *
payment_json (VbRequest *req,
              PGresult  *res,
              int        row)
{
  JsonNode *node = vb_handler_row_to_json (res, row);
  JsonObject *o = json_node_get_object (node);
  const char *method = vb_db_get (res, row, PQfnumber (res, "method"));
  const char *status = vb_db_get (res, row, PQfnumber (res, "status"));

  if ((g_str_equal (method, "bank_transfer") || g_str_equal (method, "e_wallet"))
      && (g_str_equal (status, "pending") || g_str_equal (status, "requires_action")))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *qr = vb_payment_invoice_qr (settings_of (req), vb_db_get (res, row, PQfnumber (res, "reference")),
                                                   vb_db_get_int (res, row, PQfnumber (res, "_amount")),
                                                   vb_db_get (res, row, PQfnumber (res, "_currency")), &error);
      if (qr != NULL)
        json_object_set_string_member (o, "qr_payload", qr);
      else
        json_object_set_null_member (o, "qr_payload");
    }
  return node;
}

static gboolean
fetch_payment (VbRequest   *req,
               VbDbConn    *conn,
               const char  *id,
               JsonNode   **result,
               GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error, GET_SQL, id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "payment");
  g_clear_pointer (result, json_node_unref);
  *result = payment_json (req, res, 0);
  return TRUE;
}

/* Our status for a gateway intent's. */
static const char *
status_from_intent (const VbPaymentIntent *pi,
                    const char            *method)
{
  if (g_str_equal (pi->status, "succeeded"))
    return "succeeded";
  if (g_str_equal (pi->status, "requires_capture"))
    return "authorized";
  if (g_str_equal (pi->status, "requires_action"))
    return "requires_action";
  if (g_str_equal (pi->status, "canceled"))
    return "cancelled";
  /* A card was tried and refused; an e-wallet waits for its payer. */
  if (g_str_equal (pi->status, "requires_payment_method") && g_str_equal (method, "card"))
    return "failed";
  return "pending";
}

typedef struct
{
  const char            *payment_id;
  const char            *method;
  const VbPaymentIntent *pi;
  const char            *failure_code;     /* a refusal without an intent */
  const char            *failure_message;
} ApplyIntent;

/* Records what the gateway said; a payment already final stays as it is
 * (a webhook may have been first). */
static gboolean
apply_intent_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  ApplyIntent *a = user_data;
  const VbPaymentIntent *pi = a->pi;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE payments SET gateway_intent_id = coalesce(gateway_intent_id, $2),"
    "       gateway_status = coalesce($3, gateway_status), card_brand = coalesce($4, card_brand),"
    "       card_last4 = coalesce($5, card_last4), status = $6,"
    "       failure_code = coalesce($7, failure_code), failure_message = coalesce($8, failure_message)"
    " WHERE id = $1::uuid AND status NOT IN ('succeeded', 'failed', 'cancelled')",
    a->payment_id, pi ? pi->id : NULL, pi ? pi->status : NULL, pi ? pi->card_brand : NULL,
    pi ? pi->card_last4 : NULL, pi ? status_from_intent (pi, a->method) : "failed",
    pi ? pi->failure_code : a->failure_code, pi ? pi->failure_message : a->failure_message);

  return res != NULL;
}

static gboolean
apply_intent (VbRequest             *req,
              const char            *payment_id,
              const char            *method,
              const VbPaymentIntent *pi,
              GError               **error)
{
  ApplyIntent a = { payment_id, method, pi, NULL, NULL };

  return vb_request_transaction (req, apply_intent_txn, &a, error);
}

/* A refusal by the gateway: the payment failed (with the intent the
 * gateway made, if any) and the error says which payment. */
static void
record_refusal (VbRequest  *req,
                const char *payment_id,
                GError     *gateway_error)
{
  JsonObject *details = vb_error_get_details (gateway_error);
  const char *intent = details && json_object_has_member (details, "gateway_intent_id")
                       ? json_object_get_string_member (details, "gateway_intent_id") : NULL;
  const char *code = details && json_object_has_member (details, "gateway_code")
                     ? json_object_get_string_member (details, "gateway_code") : "refused";
  VbPaymentIntent pi = { .id = (char *) intent, .status = (char *) "requires_payment_method",
                         .failure_code = (char *) code, .failure_message = gateway_error->message };
  ApplyIntent a = { payment_id, "card", &pi, NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (!vb_request_transaction (req, apply_intent_txn, &a, &error))
    g_warning ("request %s: a refused payment was not marked failed: %s", vb_request_get_id (req), error->message);
  if (details != NULL)
    json_object_set_string_member (details, "payment_id", payment_id);
}

/* ------------------------------------------------------------- create --- */

typedef struct
{
  VbHandlerWrite    w;
  JsonObject       *body;
  const char       *method;
  VbPaymentGateway *gateway;
  const char       *wallet;
  Idem             *idem;
  char             *payment_id;
} Create;

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Create *c = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) key = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean on_invoice = vb_handler_has_member (c->body, "invoice_id");

  scope = vb_db_execv (conn, error,
    "SELECT x.loc IS NOT NULL AND vb_has_permission($1::uuid, 'payments.read', x.loc),"
    "       coalesce(vb_has_permission($1::uuid, 'payments.take', x.loc), false)"
    "  FROM (SELECT CASE WHEN $2::uuid IS NOT NULL THEN (SELECT location_id FROM invoices WHERE id = $2::uuid)"
    "                    ELSE (SELECT location_id FROM work_orders WHERE id = $3::uuid) END AS loc) x",
    c->w.user_id, vb_handler_string_member (c->body, "invoice_id"),
    vb_handler_string_member (c->body, "work_order_id"));
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    return vb_set_validation_error (error, on_invoice ? "invoice_id" : "work_order_id",
                                    on_invoice ? "No such invoice" : "No such work order"), FALSE;
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_handler_forbidden (error, "Taking payments needs payments.take at the location");
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO payments (id, invoice_id, work_order_id, method, status, amount, currency, tendered_amount,"
    "                      gateway, wallet, note, location_id, customer_id)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'invoice_id')::uuid,"
    "        (b ->> 'work_order_id')::uuid, b ->> 'method',"
    "        CASE WHEN b ->> 'method' = 'cash' THEN 'succeeded' ELSE 'pending' END,"
    "        (b -> 'amount' ->> 'amount')::bigint, b -> 'amount' ->> 'currency',"
    "        (b -> 'tendered' ->> 'amount')::bigint, $2, $3, coalesce(b ->> 'note', ''), NULL, NULL"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    c->w.body, c->gateway ? vb_payment_gateway_get_name (c->gateway) : NULL, c->wallet);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "payments_pkey", "id", "A payment with this id exists");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  c->payment_id = g_strdup (vb_db_get (res, 0, 0));
  key = vb_db_execv (conn, error, "UPDATE payment_idempotency_keys SET payment_id = $2::uuid WHERE key = $1",
                     c->idem->key, c->payment_id);
  return key != NULL;
}

/* A transaction with the request's audit context that does not claim the
 * request's Voltbay-Mutation: the pending payment committed before the
 * gateway is asked must not make the mutation "applied" — if the gateway
 * then fails (503), the client's retry must run again and resume. */
static gboolean
unclaimed_transaction (VbRequest    *req,
                       VbDbTxnFunc   func,
                       gpointer      data,
                       GError      **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  VbDbConn *conn = vb_request_get_db (req, error);
  VbDbAudit audit = { principal->user_id, principal->email, vb_request_get_id (req) };

  return conn != NULL && vb_db_transaction (conn, &audit, func, data, error);
}

/* Card and e-wallet: the gateway's intent for the committed pending payment. */
static gboolean
create_at_gateway (Create  *c,
                   GError **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autoptr(VbPaymentIntent) pi = NULL;
  g_autoptr(GError) gateway_error = NULL;
  JsonObject *amount = json_object_get_object_member (c->body, "amount");
  gboolean card = g_str_equal (c->method, "card");
  VbPaymentIntentRequest r = {
    .amount = json_object_get_int_member (amount, "amount"),
    .currency = json_object_get_string_member (amount, "currency"),
    .payment_method = card ? vb_handler_string_member (c->body, "payment_method") : NULL,
    .payment_method_type = card ? "card" : c->wallet,
    .confirm = card,
    .manual_capture = g_strcmp0 (vb_handler_string_member (c->body, "capture"), "manual") == 0,
    .payment_id = c->payment_id,
  };
  VbDbConn *conn = c->idem->conn;

  res = vb_db_execv (conn, error, "SELECT reference, gateway_intent_id, status FROM payments WHERE id = $1::uuid",
                     c->payment_id);
  if (res == NULL)
    return FALSE;
  /* Resumed after the intent was recorded: nothing more to ask. */
  if (vb_db_get (res, 0, 1) != NULL || !g_str_equal (vb_db_get (res, 0, 2), "pending"))
    return TRUE;
  r.reference = vb_db_get (res, 0, 0);
  pi = vb_payment_gateway_create_intent (c->gateway, &r, c->idem->key, &gateway_error);
  if (pi == NULL)
    {
      if (g_error_matches (gateway_error, VB_ERROR, VB_ERROR_VALIDATION))
        record_refusal (c->idem->req, c->payment_id, gateway_error);
      g_propagate_error (error, g_steal_pointer (&gateway_error));
      return FALSE;
    }
  return apply_intent (c->idem->req, c->payment_id, c->method, pi, error);
}

static gboolean
create_work (Idem      *idem,
             gpointer   data,
             GError   **error)
{
  Create *c = data;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *location = NULL;

  c->idem = idem;
  if (idem->payment_id != NULL)
    c->payment_id = g_strdup (idem->payment_id);
  else if (!(c->gateway != NULL ? unclaimed_transaction (idem->req, create_txn, c, error)
                                 : vb_request_transaction (idem->req, create_txn, c, error)))
    return FALSE;
  if (c->gateway != NULL && !create_at_gateway (c, error))
    return FALSE;
  if (!fetch_payment (idem->req, idem->conn, c->payment_id, &result, error))
    return FALSE;
  location = g_strdup_printf ("/api/v1/payments/%s", c->payment_id);
  vb_request_add_reply_header (idem->req, "Location", location);
  vb_request_reply_json (idem->req, 201, g_steal_pointer (&result));
  return TRUE;
}

static gboolean
check_create (JsonObject  *body,
              const char  *method,
              GError     **error)
{
  gboolean card = g_str_equal (method, "card");

  if (!vb_handler_check_fields (body, create_fields, G_N_ELEMENTS (create_fields), TRUE, NULL, error))
    return FALSE;
  if (vb_handler_has_member (body, "invoice_id") == vb_handler_has_member (body, "work_order_id")
      && !vb_handler_has_member (body, "invoice_id"))
    return vb_set_validation_error (error, "invoice_id",
                                    "A payment is for an invoice (invoice_id) or, as a deposit, for a work order "
                                    "(work_order_id)"), FALSE;
  if (json_object_get_int_member (json_object_get_object_member (body, "amount"), "amount") < 1)
    return vb_set_validation_error (error, "amount", "amount.amount must be at least 1"), FALSE;
  if (card && !vb_handler_has_member (body, "payment_method"))
    return vb_set_validation_error (error, "payment_method",
                                    "A card payment needs payment_method: the id the payment gateway gave the "
                                    "client for the card (never the card number)"), FALSE;
  if (!card && vb_handler_has_member (body, "payment_method"))
    return vb_set_validation_error (error, "payment_method", "payment_method is for card payments"), FALSE;
  if (!card && vb_handler_has_member (body, "capture"))
    return vb_set_validation_error (error, "capture", "capture is for card payments"), FALSE;
  if (!g_str_equal (method, "e_wallet") && vb_handler_has_member (body, "wallet"))
    return vb_set_validation_error (error, "wallet", "wallet is for e-wallet payments"), FALSE;
  if (vb_handler_has_member (body, "tendered"))
    {
      JsonObject *t = json_object_get_object_member (body, "tendered");
      JsonObject *a = json_object_get_object_member (body, "amount");

      if (!g_str_equal (method, "cash"))
        return vb_set_validation_error (error, "tendered", "tendered is the cash handed over"), FALSE;
      if (!g_str_equal (json_object_get_string_member (t, "currency"), json_object_get_string_member (a, "currency")))
        return vb_set_validation_error (error, "tendered", "tendered is in the payment's currency"), FALSE;
      if (json_object_get_int_member (t, "amount") < json_object_get_int_member (a, "amount"))
        return vb_set_validation_error (error, "tendered", "tendered is at least the amount"), FALSE;
    }
  return TRUE;
}

static gboolean
create_payment (VbRequest  *req,
                GError    **error)
{
  Create c = { { 0 } };
  g_autoptr(JsonObject) body = vb_request_parse_body (req, error);
  g_autofree char *wallet = NULL;
  gboolean ok;

  if (body == NULL || !refuse_card_data (body, error))
    return FALSE;
  c.method = vb_handler_string_member (body, "method");
  if (c.method == NULL)
    return vb_set_validation_error (error, "method", "method is required (cash, card, e_wallet, bank_transfer)"), FALSE;
  if (!check_create (body, c.method, error))
    return FALSE;
  if (g_str_equal (c.method, "card") || g_str_equal (c.method, "e_wallet"))
    {
      c.gateway = vb_payment_gateway_from_settings (settings_of (req), error);
      if (c.gateway == NULL)
        return FALSE;
    }
  if (g_str_equal (c.method, "e_wallet"))
    {
      wallet = g_strdup (vb_handler_string_member (body, "wallet"));
      if (wallet == NULL)
        wallet = g_key_file_get_string (settings_of (req), "payments", "e-wallet-type", NULL);
      if (wallet == NULL)
        wallet = g_strdup ("grabpay");
      c.wallet = wallet;
    }
  c.body = body;
  c.w.user_id = vb_request_get_principal (req)->user_id;
  c.w.body = vb_json_object_to_string (body, NULL);
  ok = idempotent (req, create_work, &c, error);
  vb_handler_write_clear (&c.w);
  g_clear_object (&c.gateway);
  g_free (c.payment_id);
  return ok;
}

/* ------------------------------------------------------------ actions --- */

typedef struct
{
  const char *id;
  const char *user_id;
  const char *from;         /* statuses the action starts from, e.g. "{pending,requires_action}" */
  const char *to;
} Move;

static gboolean
move_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  Move *m = user_data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE payments SET status = $3,"
    "       confirmed_by = CASE WHEN $3 = 'succeeded' THEN $2::uuid ELSE confirmed_by END"
    " WHERE id = $1::uuid AND status = ANY ($4::text[]) RETURNING id",
    m->id, m->user_id, m->to, m->from);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_conflict (error, "status", "The payment changed meanwhile");
  return TRUE;
}

typedef enum { ACTION_CONFIRM, ACTION_CAPTURE, ACTION_CANCEL } Action;

static gboolean
act (VbRequest  *req,
     Action      action,
     GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *user = vb_request_get_principal (req)->user_id;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(VbPaymentGateway) gateway = NULL;
  g_autoptr(VbPaymentIntent) pi = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *key = NULL;
  const char *method, *status, *intent;
  VbDbConn *conn;
  gboolean transfer;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  scope = vb_db_execv (conn, error, SCOPE_SQL, id, user, "payments.take");
  if (scope == NULL || !vb_handler_check_access (scope, "payment", "This needs payments.take at the location", error))
    return FALSE;
  method = vb_db_get (scope, 0, 1);
  status = vb_db_get (scope, 0, 2);
  intent = vb_db_get (scope, 0, 3);
  transfer = g_str_equal (method, "bank_transfer") || g_str_equal (method, "e_wallet");
  key = g_strdup_printf ("voltbay-%s-%s-v%s", action == ACTION_CONFIRM ? "confirm" : action == ACTION_CAPTURE
                         ? "capture" : "cancel", id, vb_db_get (scope, 0, 7));
  if (action == ACTION_CONFIRM && transfer && (g_str_equal (status, "pending") || g_str_equal (status, "requires_action")))
    {
      /* Staff saw the money arrive. */
      Move m = { id, user, "{pending,requires_action}", "succeeded" };

      if (!vb_request_transaction (req, move_txn, &m, error))
        return FALSE;
    }
  else if ((action == ACTION_CONFIRM && g_str_equal (method, "card") && g_str_equal (status, "requires_action"))
           || (action == ACTION_CAPTURE && g_str_equal (method, "card") && g_str_equal (status, "authorized")))
    {
      if ((gateway = vb_payment_gateway_from_settings (settings_of (req), error)) == NULL)
        return FALSE;
      pi = action == ACTION_CONFIRM ? vb_payment_gateway_confirm_intent (gateway, intent, key, error)
                                    : vb_payment_gateway_capture_intent (gateway, intent, -1, key, error);
      if (pi == NULL || !apply_intent (req, id, method, pi, error))
        return FALSE;
    }
  else if (action == ACTION_CANCEL
           && (g_str_equal (status, "pending") || g_str_equal (status, "requires_action")
               || g_str_equal (status, "authorized")))
    {
      Move m = { id, user, "{pending,requires_action,authorized}", "cancelled" };

      if (intent != NULL)
        {
          if ((gateway = vb_payment_gateway_from_settings (settings_of (req), error)) == NULL
              || (pi = vb_payment_gateway_cancel_intent (gateway, intent, key, error)) == NULL)
            return FALSE;
          if (!g_str_equal (pi->status, "canceled"))
            return apply_intent (req, id, method, pi, error)
                   && vb_handler_conflict (error, "status", "The gateway says the payment is %s", pi->status);
        }
      if (!vb_request_transaction (req, move_txn, &m, error))
        return FALSE;
    }
  else
    return vb_handler_conflict (error, "status", "The payment is %s (%s): nothing to %s", status, method,
                                action == ACTION_CONFIRM ? "confirm" : action == ACTION_CAPTURE ? "capture" : "cancel");
  if (!fetch_payment (req, conn, id, &result, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&result));
  return TRUE;
}

static gboolean
confirm_payment (VbRequest  *req,
                 GError    **error)
{
  return act (req, ACTION_CONFIRM, error);
}

static gboolean
capture_payment (VbRequest  *req,
                 GError    **error)
{
  return act (req, ACTION_CAPTURE, error);
}

static gboolean
cancel_payment (VbRequest  *req,
                GError    **error)
{
  return act (req, ACTION_CANCEL, error);
}

/* ------------------------------------------------------------ refunds --- */

typedef struct
{
  const char *payment_id;
  const char *user_id;
  JsonObject *body;
  gint64      amount;
  char       *amount_text;
  const char *gateway_refund_id;
  const char *gateway_status;
  Idem       *idem;
  char       *refund_id;
} Refund;

static gboolean
refund_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Refund *r = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) key = NULL;

  /* A webhook may have recorded the same gateway refund first. */
  if (r->gateway_refund_id != NULL)
    res = vb_db_execv (conn, error, "SELECT id FROM payment_refunds WHERE gateway_refund_id = $1",
                       r->gateway_refund_id);
  if (res == NULL || PQntuples (res) == 0)
    {
      g_clear_pointer (&res, PQclear);
      res = vb_db_execv (conn, error,
        "INSERT INTO payment_refunds (payment_id, amount, reason, gateway_refund_id, gateway_status,"
        "                             location_id, currency)"
        " VALUES ($1::uuid, $2::bigint, coalesce($3, ''), $4, $5, NULL, NULL) RETURNING id",
        r->payment_id, r->amount_text, vb_handler_string_member (r->body, "reason"),
        r->gateway_refund_id, r->gateway_status);
    }
  if (res == NULL)
    return FALSE;
  r->refund_id = g_strdup (vb_db_get (res, 0, 0));
  key = vb_db_execv (conn, error, "UPDATE payment_idempotency_keys SET refund_id = $2::uuid WHERE key = $1",
                     r->idem->key, r->refund_id);
  return key != NULL;
}

static gboolean
refund_work (Idem      *idem,
             gpointer   data,
             GError   **error)
{
  Refund *r = data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(VbPaymentGateway) gateway = NULL;
  g_autoptr(VbGatewayRefund) gr = NULL;
  g_autoptr(JsonNode) payment = NULL;
  g_autofree char *location = NULL;
  JsonObject *amount = vb_handler_has_member (r->body, "amount") ? json_object_get_object_member (r->body, "amount") : NULL;
  JsonObject *o;
  const char *intent;
  gint64 left;

  r->idem = idem;
  scope = vb_db_execv (idem->conn, error, SCOPE_SQL, r->payment_id, r->user_id, "payments.refund");
  if (scope == NULL || !vb_handler_check_access (scope, "payment", "Refunds need payments.refund at the location", error))
    return FALSE;
  if (idem->refund_id == NULL)
    {
      if (!g_str_equal (vb_db_get (scope, 0, 2), "succeeded"))
        return vb_handler_conflict (error, "status", "Only a succeeded payment is refunded (this one is %s)",
                                    vb_db_get (scope, 0, 2));
      left = vb_db_get_int (scope, 0, 4) - vb_db_get_int (scope, 0, 5);
      r->amount = amount ? json_object_get_int_member (amount, "amount") : left;
      if (amount != NULL && !g_str_equal (json_object_get_string_member (amount, "currency"), vb_db_get (scope, 0, 6)))
        return vb_set_validation_error (error, "amount", "The payment is in %s", vb_db_get (scope, 0, 6)), FALSE;
      if (r->amount < 1 || r->amount > left)
        return vb_handler_conflict (error, "amount", "The payment has %" G_GINT64_FORMAT " %s left to refund",
                                    left, vb_db_get (scope, 0, 6));
      r->amount_text = g_strdup_printf ("%" G_GINT64_FORMAT, r->amount);
      intent = vb_db_get (scope, 0, 3);
      if (intent != NULL)
        {
          if ((gateway = vb_payment_gateway_from_settings (settings_of (idem->req), error)) == NULL
              || (gr = vb_payment_gateway_refund (gateway, intent, r->amount, "requested_by_customer",
                                                  idem->key, error)) == NULL)
            return FALSE;
          r->gateway_refund_id = gr->id;
          r->gateway_status = gr->status;
        }
      if (!vb_request_transaction (idem->req, refund_txn, r, error))
        return FALSE;
    }
  else
    r->refund_id = g_strdup (idem->refund_id);
  res = vb_db_execv (idem->conn, error,
    "SELECT id, payment_id, json_build_object('amount', amount, 'currency', currency) AS amount, reason,"
    "       gateway_refund_id, gateway_status, created_by, created_at FROM payment_refunds WHERE id = $1::uuid",
    r->refund_id);
  if (res == NULL || !fetch_payment (idem->req, idem->conn, r->payment_id, &payment, error))
    return FALSE;
  {
    g_autoptr(JsonNode) node = vb_handler_row_to_json (res, 0);

    o = json_node_get_object (node);
    json_object_set_member (o, "payment", g_steal_pointer (&payment));
    location = g_strdup_printf ("/api/v1/payments/%s", r->payment_id);
    vb_request_add_reply_header (idem->req, "Location", location);
    vb_request_reply_json (idem->req, 201, g_steal_pointer (&node));
  }
  return TRUE;
}

static gboolean
create_refund (VbRequest  *req,
               GError    **error)
{
  Refund r = { 0 };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  if ((r.payment_id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req))
    body = vb_request_parse_body (req, error);
  else
    body = json_object_new ();
  if (body == NULL || !refuse_card_data (body, error)
      || !vb_handler_check_fields (body, refund_fields, G_N_ELEMENTS (refund_fields), TRUE, NULL, error))
    return FALSE;
  r.body = body;
  r.user_id = vb_request_get_principal (req)->user_id;
  ok = idempotent (req, refund_work, &r, error);
  g_free (r.amount_text);
  g_free (r.refund_id);
  return ok;
}

/* --------------------------------------------------------------- reads --- */

static gboolean
get_payment (VbRequest  *req,
             GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, GET_FULL_SQL, id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "payment");
  vb_request_reply_json (req, 200, payment_json (req, res, 0));
  return TRUE;
}

static gboolean
list_payments (VbRequest  *req,
               GError    **error)
{
  static const char * const ids[] = { "invoice_id", "work_order_id", "customer_id", "location_id" };
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *status = vb_request_get_query (req, "status");
  const char *method = vb_request_get_query (req, "method");
  const char *deposit = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonArray) items = json_array_new ();
  VbDbConn *conn;
  guint limit, n;

  if (!vb_request_get_limit (req, &limit, error) || !vb_handler_bool_query (req, "deposit", &deposit, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const char *v = vb_request_get_query (req, ids[i]);

      if (v != NULL && !vb_validate_uuid (v, ids[i], error))
        return FALSE;
    }
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " PAYMENT_COLUMNS ","
    "       to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || p.id::text AS _key"
    PAYMENT_FROM
    " WHERE vb_has_permission($1::uuid, 'payments.read', p.location_id)"
    "   AND ($2::uuid IS NULL OR p.invoice_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR p.work_order_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR p.customer_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR p.location_id = $5::uuid)"
    "   AND ($6::text IS NULL OR p.status = $6)"
    "   AND ($7::text IS NULL OR p.method = $7)"
    "   AND ($8::boolean IS NULL OR (p.invoice_id IS NULL) = $8::boolean)"
    "   AND ($9::text IS NULL OR to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || p.id::text < $9)"
    " ORDER BY p.created_at DESC, p.id DESC LIMIT $10::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "invoice_id"),
    vb_request_get_query (req, "work_order_id"), vb_request_get_query (req, "customer_id"),
    vb_request_get_query (req, "location_id"), status, method, deposit, after, limit_text);
  if (res == NULL)
    return FALSE;
  n = MIN ((guint) PQntuples (res), limit);
  for (guint i = 0; i < n; i++)
    json_array_add_element (items, payment_json (req, res, (int) i));
  {
    g_autofree char *next = NULL;
    JsonNode *node = json_node_init_array (json_node_alloc (), items);

    if ((guint) PQntuples (res) > limit)
      next = vb_handler_cursor_encode (vb_db_get (res, (int) limit - 1, PQfnumber (res, "_key")));
    vb_handler_reply_list (req, node, next);
  }
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute payment_routes[] = {
  { "GET", "/api/v1/payments", list_payments, "payments.read", 0,
    "Payments in the caller's locations, newest first (?invoice_id, ?work_order_id, ?customer_id, ?location_id, ?status, ?method, ?deposit, ?limit, ?cursor)" },
  { "POST", "/api/v1/payments", create_payment, "payments.take", 0,
    "Take a payment on an invoice or a deposit on a work order: cash, card (gateway payment-method id), e-wallet or bank transfer (Idempotency-Key required)" },
  { "GET", "/api/v1/payments/{id}", get_payment, "payments.read", 0,
    "One payment with its refunds, ledger rows and (while pending) its QR payload" },
  { "POST", "/api/v1/payments/{id}/confirm", confirm_payment, "payments.take", 0,
    "Confirm a pending bank transfer or e-wallet payment (staff saw the money), or retry a card payment after 3-D Secure" },
  { "POST", "/api/v1/payments/{id}/capture", capture_payment, "payments.take", 0,
    "Capture an authorized card payment" },
  { "POST", "/api/v1/payments/{id}/cancel", cancel_payment, "payments.take", 0,
    "Cancel a payment that has not succeeded (pending, requires_action, authorized)" },
  { "POST", "/api/v1/payments/{id}/refunds", create_refund, "payments.refund", 0,
    "Refund some or all of a succeeded payment (through the gateway for card and e-wallet; Idempotency-Key required)" },
};

void
vb_handler_payments_register (VbRouter *router)
{
  vb_router_add_routes (router, payment_routes, G_N_ELEMENTS (payment_routes));
}
