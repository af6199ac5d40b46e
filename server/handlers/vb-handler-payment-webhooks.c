/* vb-handler-payment-webhooks.c — POST /api/v1/webhooks/stripe: what the
 * payment gateway tells us after the fact.
 *
 * Public (the gateway has no session) and therefore trusted only through
 * the Stripe-Signature header: HMAC-SHA256 with the webhook secret over
 * "t.payload", at most five minutes old, compared in constant time
 * (vb_stripe_verify_signature).  Anything else is a 401 before the body is
 * even parsed, and nothing changes.
 *
 * Each event is handled once: its id goes into payment_gateway_events in
 * the same transaction as its effect, so a replay (Stripe retries until it
 * gets a 2xx) answers 200 and changes nothing.  Effects:
 *   payment_intent.succeeded       a pending/3-D Secure/authorized payment succeeds
 *                                  (the ledger and the invoice follow in SQL)
 *   payment_intent.payment_failed  a pending payment fails, with the gateway's reason
 *   charge.refunded                refunds made at the gateway (e.g. its dashboard)
 *                                  that we do not know yet are recorded
 * Other event types are acknowledged and recorded, nothing else.  A payment
 * is found by the intent id, or by metadata.voltbay_payment_id when the
 * event overtook our own record of the intent.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-server.h"
#include "vb-payment-gateway.h"

typedef struct
{
  JsonObject *event;
  JsonObject *object;
  const char *type;
  gboolean    duplicate;
  char       *payment_id;
  char       *outcome;
} Webhook;

static const char *
string_member (JsonObject *o,
               const char *name)
{
  return o != NULL ? vb_handler_string_member (o, name) : NULL;
}

static JsonObject *
object_member (JsonObject *o,
               const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
record_refunds (VbDbConn  *conn,
                Webhook   *h,
                GError   **error)
{
  JsonObject *list = object_member (h->object, "refunds");
  JsonArray *data = list && json_object_has_member (list, "data") ? json_object_get_array_member (list, "data") : NULL;
  guint added = 0;

  for (guint i = 0; data != NULL && i < json_array_get_length (data); i++)
    {
      JsonObject *r = json_array_get_object_element (data, i);
      g_autofree char *amount = NULL;
      g_autoptr(PGresult) res = NULL;

      if (r == NULL || string_member (r, "id") == NULL || !json_object_has_member (r, "amount"))
        continue;
      if (g_strcmp0 (string_member (r, "status"), "failed") == 0
          || g_strcmp0 (string_member (r, "status"), "canceled") == 0)
        continue;
      amount = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (r, "amount"));
      res = vb_db_execv (conn, error,
        "INSERT INTO payment_refunds (payment_id, amount, reason, gateway_refund_id, gateway_status,"
        "                             location_id, currency)"
        " SELECT $1::uuid, $2::bigint, 'Refunded at the payment gateway', $3, $4, NULL, NULL"
        "  WHERE NOT EXISTS (SELECT 1 FROM payment_refunds WHERE gateway_refund_id = $3)"
        " RETURNING id",
        h->payment_id, amount, string_member (r, "id"), string_member (r, "status"));
      if (res == NULL)
        return FALSE;
      added += (guint) PQntuples (res);
    }
  h->outcome = g_strdup_printf ("%u refund(s) recorded", added);
  return TRUE;
}

static gboolean
webhook_txn (VbDbConn  *conn,
             gpointer   user_data,
             GError   **error)
{
  Webhook *h = user_data;
  const char *object_id = string_member (h->object, "id");
  const char *intent = g_str_has_prefix (h->type, "charge.") ? string_member (h->object, "payment_intent") : object_id;
  const char *ours = string_member (object_member (h->object, "metadata"), "voltbay_payment_id");
  g_autoptr(PGresult) ev = NULL;
  g_autoptr(PGresult) res = NULL;

  if (ours != NULL && !g_uuid_string_is_valid (ours))
    ours = NULL;
  ev = vb_db_execv (conn, error,
    "INSERT INTO payment_gateway_events (id, gateway, type, object_id, payment_id, location_id)"
    " SELECT $1, 'stripe', $2, $3, p.id, p.location_id"
    "   FROM (SELECT 1) one"
    "   LEFT JOIN payments p ON p.gateway_intent_id = $4"
    "                        OR (p.gateway_intent_id IS NULL AND p.gateway IS NOT NULL AND p.id = $5::uuid)"
    " ON CONFLICT (id) DO NOTHING"
    " RETURNING payment_id",
    string_member (h->event, "id"), h->type, object_id, intent, ours);
  if (ev == NULL)
    return FALSE;
  if (PQntuples (ev) == 0)
    {
      h->duplicate = TRUE;
      return TRUE;
    }
  h->payment_id = g_strdup (vb_db_get (ev, 0, 0));
  if (h->payment_id == NULL)
    {
      h->outcome = g_strdup ("no such payment");
      return TRUE;
    }
  if (g_str_equal (h->type, "payment_intent.succeeded"))
    res = vb_db_execv (conn, error,
      "UPDATE payments SET status = 'succeeded', gateway_intent_id = coalesce(gateway_intent_id, $2),"
      "       gateway_status = $3, card_brand = coalesce($4, card_brand), card_last4 = coalesce($5, card_last4)"
      " WHERE id = $1::uuid AND status IN ('pending', 'requires_action', 'authorized') RETURNING id",
      h->payment_id, object_id, string_member (h->object, "status"),
      string_member (object_member (object_member (h->object, "payment_method"), "card"), "brand"),
      string_member (object_member (object_member (h->object, "payment_method"), "card"), "last4"));
  else if (g_str_equal (h->type, "payment_intent.payment_failed"))
    res = vb_db_execv (conn, error,
      "UPDATE payments SET status = 'failed', gateway_intent_id = coalesce(gateway_intent_id, $2),"
      "       gateway_status = $3, failure_code = coalesce($4, 'payment_failed'), failure_message = $5"
      " WHERE id = $1::uuid AND status IN ('pending', 'requires_action', 'authorized') RETURNING id",
      h->payment_id, object_id, string_member (h->object, "status"),
      string_member (object_member (h->object, "last_payment_error"), "code"),
      string_member (object_member (h->object, "last_payment_error"), "message"));
  else if (g_str_equal (h->type, "charge.refunded"))
    return record_refunds (conn, h, error);
  else
    {
      h->outcome = g_strdup ("ignored");
      return TRUE;
    }
  if (res == NULL)
    return FALSE;
  h->outcome = g_strdup (PQntuples (res) > 0 ? "applied" : "already so");
  return TRUE;
}

static gboolean
stripe_webhook (VbRequest  *req,
                GError    **error)
{
  GKeyFile *settings = vb_server_get_options (vb_request_get_server (req))->settings;
  GBytes *body = vb_request_get_body (req);
  g_autoptr(VbPaymentGateway) gateway = vb_payment_gateway_from_settings (settings, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) reply = NULL;
  Webhook h = { 0 };
  gsize length = 0;
  const char *payload;
  JsonNode *root;
  gboolean ok;

  if (gateway == NULL)
    return FALSE;
  payload = body ? g_bytes_get_data (body, &length) : "";
  if (!vb_payment_gateway_verify_webhook (gateway, vb_request_get_header (req, "stripe-signature"),
                                          payload, length, g_get_real_time () / G_USEC_PER_SEC, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, payload, (gssize) length, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_MALFORMED_JSON, "The event is not a JSON object");
      return FALSE;
    }
  h.event = json_node_get_object (root);
  h.type = string_member (h.event, "type");
  h.object = object_member (object_member (h.event, "data"), "object");
  if (string_member (h.event, "id") == NULL || h.type == NULL || h.object == NULL)
    {
      vb_set_validation_error (error, "data", "An event has an id, a type and data.object");
      return FALSE;
    }
  ok = vb_request_transaction (req, webhook_txn, &h, error);
  if (ok)
    {
      reply = json_object_new ();
      json_object_set_boolean_member (reply, "received", TRUE);
      json_object_set_string_member (reply, "event_id", string_member (h.event, "id"));
      json_object_set_boolean_member (reply, "duplicate", h.duplicate);
      if (h.payment_id != NULL)
        json_object_set_string_member (reply, "payment_id", h.payment_id);
      else
        json_object_set_null_member (reply, "payment_id");
      json_object_set_string_member (reply, "outcome", h.duplicate ? "already handled" : h.outcome ? h.outcome : "");
      vb_request_reply_json (req, 200, json_node_init_object (json_node_alloc (), reply));
    }
  g_free (h.payment_id);
  g_free (h.outcome);
  return ok;
}

static const VbRoute webhook_routes[] = {
  { "POST", "/api/v1/webhooks/stripe", stripe_webhook, NULL, VB_ROUTE_PUBLIC,
    "Stripe events (Stripe-Signature verified): payment_intent.succeeded, payment_intent.payment_failed, charge.refunded" },
};

void
vb_handler_payment_webhooks_register (VbRouter *router)
{
  vb_router_add_routes (router, webhook_routes, G_N_ELEMENTS (webhook_routes));
}
