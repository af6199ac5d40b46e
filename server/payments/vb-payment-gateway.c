/* vb-payment-gateway.c — the payment gateway interface (see the header).
 *
 * Only dispatch and the choice of implementation live here: the config
 * file's [payments] group names the gateway (stripe-secret-key set means
 * Stripe), so a second provider is a new implementation and one more
 * branch in vb_payment_gateway_from_settings(), nothing in the handlers.
 */
#include "vb-payment-gateway.h"
#include "vb-stripe-gateway.h"
#include "vb-error.h"

G_DEFINE_INTERFACE (VbPaymentGateway, vb_payment_gateway, G_TYPE_OBJECT)

static void
vb_payment_gateway_default_init (VbPaymentGatewayInterface *iface)
{
}

void
vb_payment_intent_free (VbPaymentIntent *intent)
{
  if (intent == NULL)
    return;
  g_free (intent->id);
  g_free (intent->status);
  g_free (intent->currency);
  g_free (intent->card_brand);
  g_free (intent->card_last4);
  g_free (intent->next_action);
  g_free (intent->failure_code);
  g_free (intent->failure_message);
  g_free (intent);
}

void
vb_gateway_refund_free (VbGatewayRefund *refund)
{
  if (refund == NULL)
    return;
  g_free (refund->id);
  g_free (refund->status);
  g_free (refund);
}

const char *
vb_payment_gateway_get_name (VbPaymentGateway *self)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->get_name (self);
}

VbPaymentIntent *
vb_payment_gateway_create_intent (VbPaymentGateway              *self,
                                  const VbPaymentIntentRequest  *request,
                                  const char                    *idempotency_key,
                                  GError                       **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->create_intent (self, request, idempotency_key, error);
}

VbPaymentIntent *
vb_payment_gateway_get_intent (VbPaymentGateway  *self,
                               const char        *intent_id,
                               GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->get_intent (self, intent_id, error);
}

VbPaymentIntent *
vb_payment_gateway_confirm_intent (VbPaymentGateway  *self,
                                   const char        *intent_id,
                                   const char        *idempotency_key,
                                   GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->confirm_intent (self, intent_id, idempotency_key, error);
}

VbPaymentIntent *
vb_payment_gateway_capture_intent (VbPaymentGateway  *self,
                                   const char        *intent_id,
                                   gint64             amount,
                                   const char        *idempotency_key,
                                   GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->capture_intent (self, intent_id, amount, idempotency_key, error);
}

VbPaymentIntent *
vb_payment_gateway_cancel_intent (VbPaymentGateway  *self,
                                  const char        *intent_id,
                                  const char        *idempotency_key,
                                  GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->cancel_intent (self, intent_id, idempotency_key, error);
}

VbGatewayRefund *
vb_payment_gateway_refund (VbPaymentGateway  *self,
                           const char        *intent_id,
                           gint64             amount,
                           const char        *reason,
                           const char        *idempotency_key,
                           GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->refund (self, intent_id, amount, reason, idempotency_key, error);
}

gboolean
vb_payment_gateway_verify_webhook (VbPaymentGateway  *self,
                                   const char        *signature,
                                   const char        *payload,
                                   gsize              length,
                                   gint64             now,
                                   GError           **error)
{
  return VB_PAYMENT_GATEWAY_GET_IFACE (self)->verify_webhook (self, signature, payload, length, now, error);
}

VbPaymentGateway *
vb_payment_gateway_from_settings (GKeyFile  *settings,
                                  GError   **error)
{
  g_autofree char *key = settings ? g_key_file_get_string (settings, "payments", "stripe-secret-key", NULL) : NULL;
  g_autofree char *base = settings ? g_key_file_get_string (settings, "payments", "stripe-api-base", NULL) : NULL;
  g_autofree char *hook = settings ? g_key_file_get_string (settings, "payments", "stripe-webhook-secret", NULL) : NULL;

  if (key == NULL || *g_strstrip (key) == '\0')
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                           "No payment gateway is configured: card and e-wallet payments are off "
                           "(set stripe-secret-key in the [payments] group of the server's config file)");
      return NULL;
    }
  return VB_PAYMENT_GATEWAY (vb_stripe_gateway_new (base && *g_strstrip (base) ? base : "https://api.stripe.com",
                                                    key, hook ? g_strstrip (hook) : NULL));
}
