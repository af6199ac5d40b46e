/* vb-stripe-gateway.c — a VbPaymentGateway speaking Stripe's HTTP API.
 *
 * Form-encoded POSTs with the secret key as a Bearer token, JSON replies:
 *   POST /v1/payment_intents                (amount, currency, payment_method,
 *                                            payment_method_types[], confirm,
 *                                            capture_method, metadata, expand[])
 *   GET  /v1/payment_intents/{id}
 *   POST /v1/payment_intents/{id}/confirm | /capture | /cancel
 *   POST /v1/refunds                        (payment_intent, amount, reason)
 * Our Idempotency-Key goes to Stripe with every POST (Stripe keeps it 24 h
 * and answers a repeat with the first reply), so a retried request never
 * creates a second PaymentIntent or refund.  `expand[]=payment_method`
 * brings the card's brand and last 4 — the only card data we ever see.
 *
 * Synchronous on purpose: called from handler worker threads.  A fresh
 * SoupSession per call keeps the object free of shared mutable state, so
 * any thread may use it; payments are not frequent enough for the lost
 * connection reuse to matter.
 *
 * Errors: Stripe's {"error": {"type", "code", "decline_code", "param",
 * "message", "payment_intent"}} becomes a VbError — card_error (402) and
 * invalid_request_error (400) are 422 naming our field; authentication
 * (401), rate limits (429), 5xx and the network are 503.
 */
#include "vb-stripe-gateway.h"
#include "vb-error.h"

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <string.h>

struct _VbStripeGateway
{
  GObject  parent_instance;
  char    *api_base;
  char    *secret_key;
  char    *webhook_secret;
};

static void vb_stripe_gateway_iface_init (VbPaymentGatewayInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbStripeGateway, vb_stripe_gateway, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (VB_TYPE_PAYMENT_GATEWAY, vb_stripe_gateway_iface_init))

#define TIMEOUT_SECONDS 30
#define WEBHOOK_TOLERANCE 300

/* ------------------------------------------------------------ helpers --- */

static void
form_add (GString    *form,
          const char *key,
          const char *value)
{
  g_autofree char *k = g_uri_escape_string (key, NULL, FALSE);
  g_autofree char *v = g_uri_escape_string (value, NULL, FALSE);

  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append_printf (form, "%s=%s", k, v);
}

static void
form_add_int (GString    *form,
              const char *key,
              gint64      value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  form_add (form, key, text);
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static JsonObject *
member_object (JsonObject *o,
               const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gint64
member_int (JsonObject *o,
            const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : 0;
}

/* Stripe's "param" in our field names. */
static const char *
our_field (const char *param,
           const char *type)
{
  if (param == NULL || g_str_equal (type, "card_error"))
    return "payment_method";
  if (g_str_has_prefix (param, "payment_method"))
    return "payment_method";
  if (g_str_equal (param, "amount") || g_str_equal (param, "amount_to_capture"))
    return "amount";
  if (g_str_equal (param, "currency"))
    return "currency";
  return "payment_method";
}

static GError *
error_from_reply (guint       status,
                  JsonObject *body)
{
  JsonObject *e = member_object (body, "error");
  const char *type = member_string (e, "type");
  const char *code = member_string (e, "code");
  const char *message = member_string (e, "message");
  JsonObject *intent = member_object (e, "payment_intent");
  g_autoptr(JsonObject) details = json_object_new ();
  GError *error;

  if (type == NULL)
    type = "api_error";
  if (status == 401 || status == 403 || status == 429 || status >= 500 || g_str_equal (type, "api_error")
      || (g_str_equal (type, "invalid_request_error") && g_strcmp0 (code, "idempotency_key_in_use") == 0))
    {
      error = g_error_new (VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway did not take the request (%u %s)",
                           status, code ? code : type);
    }
  else if (g_str_equal (type, "idempotency_error"))
    {
      error = g_error_new (VB_ERROR, VB_ERROR_CONFLICT,
                           "The payment gateway saw this idempotency key with other parameters");
      vb_error_set_field (error, "Idempotency-Key");
    }
  else
    {
      error = g_error_new (VB_ERROR, VB_ERROR_VALIDATION, "%s",
                           message ? message : "The payment gateway refused the payment");
      vb_error_set_field (error, our_field (member_string (e, "param"), type));
    }
  json_object_set_string_member (details, "gateway", "stripe");
  json_object_set_string_member (details, "gateway_type", type);
  if (code != NULL)
    json_object_set_string_member (details, "gateway_code", code);
  if (member_string (e, "decline_code") != NULL)
    json_object_set_string_member (details, "decline_code", member_string (e, "decline_code"));
  if (member_string (intent, "id") != NULL)
    json_object_set_string_member (details, "gateway_intent_id", member_string (intent, "id"));
  vb_error_set_details (error, details);
  return error;
}

/* One call: returns the reply object (2xx) or NULL with the error. */
static JsonObject *
call (VbStripeGateway  *self,
      const char       *method,
      const char       *path,
      GString          *form,
      const char       *idempotency_key,
      GError          **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                                                  "user-agent", "voltbay-server", NULL);
  g_autofree char *url = g_strconcat (self->api_base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", self->secret_key);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  guint status;

  if (msg == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway address is not a URL");
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Stripe-Version", "2024-06-20");
  if (idempotency_key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key", idempotency_key);
  if (form != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (form->str, form->len);

      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
    }
  reply = soup_session_send_and_read (session, msg, NULL, &local_error);
  if (reply == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway cannot be reached: %s",
                   local_error->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway answered %u without JSON", status);
      return NULL;
    }
  if (status < 200 || status >= 300)
    {
      g_propagate_error (error, error_from_reply (status, json_node_get_object (root)));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static VbPaymentIntent *
intent_from_json (JsonObject  *o,
                  GError     **error)
{
  g_autoptr(VbPaymentIntent) pi = g_new0 (VbPaymentIntent, 1);
  JsonObject *pm = member_object (o, "payment_method");
  JsonObject *card = member_object (pm, "card");
  JsonObject *next = member_object (o, "next_action");
  JsonObject *last = member_object (o, "last_payment_error");
  const char *currency = member_string (o, "currency");

  if (member_string (o, "id") == NULL || member_string (o, "status") == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway answered without an intent");
      return NULL;
    }
  pi->id = g_strdup (member_string (o, "id"));
  pi->status = g_strdup (member_string (o, "status"));
  pi->amount = member_int (o, "amount");
  pi->amount_received = member_int (o, "amount_received");
  pi->currency = currency ? g_ascii_strup (currency, -1) : NULL;
  if (card != NULL)
    {
      const char *last4 = member_string (card, "last4");

      pi->card_brand = g_strdup (member_string (card, "brand"));
      if (last4 != NULL && strlen (last4) == 4)
        pi->card_last4 = g_strdup (last4);
    }
  pi->next_action = g_strdup (member_string (next, "type"));
  pi->failure_code = g_strdup (member_string (last, "code"));
  pi->failure_message = g_strdup (member_string (last, "message"));
  return g_steal_pointer (&pi);
}

static VbPaymentIntent *
intent_call (VbStripeGateway  *self,
             const char       *method,
             const char       *path,
             GString          *form,
             const char       *idempotency_key,
             GError          **error)
{
  g_autoptr(JsonObject) o = NULL;

  if (form != NULL)
    form_add (form, "expand[]", "payment_method");
  o = call (self, method, path, form, idempotency_key, error);
  return o ? intent_from_json (o, error) : NULL;
}

/* Stripe ids are [A-Za-z0-9_]: anything else never reaches a URL path. */
static gboolean
check_id (const char  *id,
          GError     **error)
{
  gboolean ok = id != NULL && *id != '\0' && strlen (id) <= 255;

  for (const char *p = id; ok && *p != '\0'; p++)
    ok = g_ascii_isalnum (*p) || *p == '_';
  if (!ok)
    g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL, "Not a gateway id");
  return ok;
}

/* ------------------------------------------------------- the interface --- */

static const char *
stripe_get_name (VbPaymentGateway *gateway)
{
  return "stripe";
}

static VbPaymentIntent *
stripe_create_intent (VbPaymentGateway              *gateway,
                      const VbPaymentIntentRequest  *r,
                      const char                    *idempotency_key,
                      GError                       **error)
{
  VbStripeGateway *self = VB_STRIPE_GATEWAY (gateway);
  g_autoptr(GString) form = g_string_new (NULL);
  g_autofree char *currency = g_ascii_strdown (r->currency, -1);

  form_add_int (form, "amount", r->amount);
  form_add (form, "currency", currency);
  if (r->payment_method != NULL)
    form_add (form, "payment_method", r->payment_method);
  form_add (form, "payment_method_types[]", r->payment_method_type ? r->payment_method_type : "card");
  form_add (form, "confirm", r->confirm ? "true" : "false");
  form_add (form, "capture_method", r->manual_capture ? "manual" : "automatic");
  if (r->payment_id != NULL)
    form_add (form, "metadata[voltbay_payment_id]", r->payment_id);
  if (r->reference != NULL)
    {
      form_add (form, "metadata[voltbay_reference]", r->reference);
      form_add (form, "description", r->reference);
    }
  return intent_call (self, "POST", "/v1/payment_intents", form, idempotency_key, error);
}

static VbPaymentIntent *
stripe_get_intent (VbPaymentGateway  *gateway,
                   const char        *intent_id,
                   GError           **error)
{
  g_autofree char *path = NULL;

  if (!check_id (intent_id, error))
    return NULL;
  path = g_strdup_printf ("/v1/payment_intents/%s?expand%%5B%%5D=payment_method", intent_id);
  return intent_call (VB_STRIPE_GATEWAY (gateway), "GET", path, NULL, NULL, error);
}

static VbPaymentIntent *
intent_action (VbPaymentGateway  *gateway,
               const char        *intent_id,
               const char        *action,
               GString           *form,
               const char        *idempotency_key,
               GError           **error)
{
  g_autofree char *path = NULL;

  if (!check_id (intent_id, error))
    return NULL;
  path = g_strdup_printf ("/v1/payment_intents/%s/%s", intent_id, action);
  return intent_call (VB_STRIPE_GATEWAY (gateway), "POST", path, form, idempotency_key, error);
}

static VbPaymentIntent *
stripe_confirm_intent (VbPaymentGateway  *gateway,
                       const char        *intent_id,
                       const char        *idempotency_key,
                       GError           **error)
{
  g_autoptr(GString) form = g_string_new (NULL);

  return intent_action (gateway, intent_id, "confirm", form, idempotency_key, error);
}

static VbPaymentIntent *
stripe_capture_intent (VbPaymentGateway  *gateway,
                       const char        *intent_id,
                       gint64             amount,
                       const char        *idempotency_key,
                       GError           **error)
{
  g_autoptr(GString) form = g_string_new (NULL);

  if (amount >= 0)
    form_add_int (form, "amount_to_capture", amount);
  return intent_action (gateway, intent_id, "capture", form, idempotency_key, error);
}

static VbPaymentIntent *
stripe_cancel_intent (VbPaymentGateway  *gateway,
                      const char        *intent_id,
                      const char        *idempotency_key,
                      GError           **error)
{
  g_autoptr(GString) form = g_string_new (NULL);

  return intent_action (gateway, intent_id, "cancel", form, idempotency_key, error);
}

static VbGatewayRefund *
stripe_refund (VbPaymentGateway  *gateway,
               const char        *intent_id,
               gint64             amount,
               const char        *reason,
               const char        *idempotency_key,
               GError           **error)
{
  g_autoptr(GString) form = g_string_new (NULL);
  g_autoptr(JsonObject) o = NULL;
  VbGatewayRefund *refund;

  if (!check_id (intent_id, error))
    return NULL;
  form_add (form, "payment_intent", intent_id);
  form_add_int (form, "amount", amount);
  if (reason != NULL)
    form_add (form, "reason", reason);
  o = call (VB_STRIPE_GATEWAY (gateway), "POST", "/v1/refunds", form, idempotency_key, error);
  if (o == NULL)
    return NULL;
  if (member_string (o, "id") == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "The payment gateway answered without a refund");
      return NULL;
    }
  refund = g_new0 (VbGatewayRefund, 1);
  refund->id = g_strdup (member_string (o, "id"));
  refund->status = g_strdup (member_string (o, "status") ? member_string (o, "status") : "pending");
  refund->amount = member_int (o, "amount");
  return refund;
}

gboolean
vb_stripe_verify_signature (const char  *secret,
                            const char  *header,
                            const char  *payload,
                            gsize        length,
                            gint64       now,
                            gint64       tolerance,
                            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GHmac) hmac = NULL;
  const char *t = NULL;
  gboolean match = FALSE;
  gint64 stamp;

  if (secret == NULL || *secret == '\0' || header == NULL)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "A valid Stripe-Signature is required");
      return FALSE;
    }
  parts = g_strsplit (header, ",", 32);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (parts[i]), "t="))
      t = parts[i] + 2;
  if (t == NULL || !g_ascii_string_to_signed (t, 10, 0, G_MAXINT64, &stamp, NULL))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "A valid Stripe-Signature is required");
      return FALSE;
    }
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) t, (gssize) strlen (t));
  g_hmac_update (hmac, (const guchar *) ".", 1);
  g_hmac_update (hmac, (const guchar *) payload, (gssize) length);
  expected = g_strdup (g_hmac_get_string (hmac));
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *v;
      guint8 diff = 0;

      if (!g_str_has_prefix (parts[i], "v1="))
        continue;
      v = parts[i] + 3;
      if (strlen (v) != strlen (expected))
        continue;
      /* Constant time: every byte is compared whatever the first difference. */
      for (gsize k = 0; expected[k] != '\0'; k++)
        diff |= (guint8) (g_ascii_tolower (v[k]) ^ expected[k]);
      match |= diff == 0;
    }
  if (!match)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "The Stripe-Signature does not match");
      return FALSE;
    }
  if (ABS (now - stamp) > tolerance)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED,
                           "The Stripe-Signature is too old (or from the future)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
stripe_verify_webhook (VbPaymentGateway  *gateway,
                       const char        *signature,
                       const char        *payload,
                       gsize              length,
                       gint64             now,
                       GError           **error)
{
  VbStripeGateway *self = VB_STRIPE_GATEWAY (gateway);

  return vb_stripe_verify_signature (self->webhook_secret, signature, payload, length, now,
                                     WEBHOOK_TOLERANCE, error);
}

static void
vb_stripe_gateway_iface_init (VbPaymentGatewayInterface *iface)
{
  iface->get_name = stripe_get_name;
  iface->create_intent = stripe_create_intent;
  iface->get_intent = stripe_get_intent;
  iface->confirm_intent = stripe_confirm_intent;
  iface->capture_intent = stripe_capture_intent;
  iface->cancel_intent = stripe_cancel_intent;
  iface->refund = stripe_refund;
  iface->verify_webhook = stripe_verify_webhook;
}

/* -------------------------------------------------------------- object --- */

static void
vb_stripe_gateway_finalize (GObject *object)
{
  VbStripeGateway *self = VB_STRIPE_GATEWAY (object);

  g_free (self->api_base);
  if (self->secret_key != NULL)
    memset (self->secret_key, 0, strlen (self->secret_key));
  g_free (self->secret_key);
  g_free (self->webhook_secret);
  G_OBJECT_CLASS (vb_stripe_gateway_parent_class)->finalize (object);
}

static void
vb_stripe_gateway_class_init (VbStripeGatewayClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_stripe_gateway_finalize;
}

static void
vb_stripe_gateway_init (VbStripeGateway *self)
{
}

VbStripeGateway *
vb_stripe_gateway_new (const char *api_base,
                       const char *secret_key,
                       const char *webhook_secret)
{
  VbStripeGateway *self = g_object_new (VB_TYPE_STRIPE_GATEWAY, NULL);
  gsize len = strlen (api_base);

  /* No trailing slash: paths start with one. */
  while (len > 0 && api_base[len - 1] == '/')
    len--;
  self->api_base = g_strndup (api_base, len);
  self->secret_key = g_strdup (secret_key);
  self->webhook_secret = g_strdup (webhook_secret);
  return self;
}
