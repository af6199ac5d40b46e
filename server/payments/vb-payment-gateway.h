/* vb-payment-gateway.h — what the server needs of a card/e-wallet gateway.
 *
 * An interface so that handlers never speak a provider's protocol: one
 * real implementation (VbStripeGateway, Stripe's HTTP API); tests run it
 * against a local stand-in that speaks the same protocol.  Calls are
 * synchronous and made from handler worker threads.  Every call that moves
 * money carries an idempotency key that the gateway must honour, so a call
 * repeated after a crash or a lost reply returns the first result.
 *
 * Failures are VbErrors: a refusal of the card or of a parameter is
 * VB_ERROR_VALIDATION naming our field (payment_method, amount, ...) with
 * details {"gateway_code", "decline_code"?, "gateway_intent_id"?}; the
 * gateway unreachable, failing or refusing our credentials is
 * VB_ERROR_UNAVAILABLE.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a gateway says of a payment intent. */
typedef struct
{
  char   *id;               /* "pi_..." */
  char   *status;           /* the gateway's: succeeded, requires_action, requires_capture,
                               requires_payment_method, requires_confirmation, processing, canceled */
  gint64  amount;
  gint64  amount_received;
  char   *currency;         /* ISO 4217, upper case */
  char   *card_brand;       /* NULL unless a card */
  char   *card_last4;
  char   *next_action;      /* e.g. "use_stripe_sdk", "redirect_to_url"; NULL if none */
  char   *failure_code;     /* last payment error, if any */
  char   *failure_message;
} VbPaymentIntent;

void vb_payment_intent_free (VbPaymentIntent *intent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbPaymentIntent, vb_payment_intent_free)

typedef struct
{
  char   *id;               /* "re_..." */
  char   *status;           /* succeeded, pending, failed, canceled */
  gint64  amount;
} VbGatewayRefund;

void vb_gateway_refund_free (VbGatewayRefund *refund);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbGatewayRefund, vb_gateway_refund_free)

typedef struct
{
  gint64      amount;               /* minor units */
  const char *currency;             /* "VND" */
  const char *payment_method;       /* a gateway payment-method id (card), or NULL */
  const char *payment_method_type;  /* "card", or an e-wallet type */
  gboolean    confirm;              /* charge now (card) or wait for the payer (e-wallet) */
  gboolean    manual_capture;       /* authorize only; capture later */
  const char *payment_id;           /* ours, sent as metadata */
  const char *reference;            /* ours, sent as description */
} VbPaymentIntentRequest;

#define VB_TYPE_PAYMENT_GATEWAY (vb_payment_gateway_get_type ())
G_DECLARE_INTERFACE (VbPaymentGateway, vb_payment_gateway, VB, PAYMENT_GATEWAY, GObject)

struct _VbPaymentGatewayInterface
{
  GTypeInterface parent_iface;

  const char      *(*get_name)       (VbPaymentGateway              *self);
  VbPaymentIntent *(*create_intent)  (VbPaymentGateway              *self,
                                      const VbPaymentIntentRequest  *request,
                                      const char                    *idempotency_key,
                                      GError                       **error);
  VbPaymentIntent *(*get_intent)     (VbPaymentGateway              *self,
                                      const char                    *intent_id,
                                      GError                       **error);
  VbPaymentIntent *(*confirm_intent) (VbPaymentGateway              *self,
                                      const char                    *intent_id,
                                      const char                    *idempotency_key,
                                      GError                       **error);
  VbPaymentIntent *(*capture_intent) (VbPaymentGateway              *self,
                                      const char                    *intent_id,
                                      gint64                         amount,
                                      const char                    *idempotency_key,
                                      GError                       **error);
  VbPaymentIntent *(*cancel_intent)  (VbPaymentGateway              *self,
                                      const char                    *intent_id,
                                      const char                    *idempotency_key,
                                      GError                       **error);
  VbGatewayRefund *(*refund)         (VbPaymentGateway              *self,
                                      const char                    *intent_id,
                                      gint64                         amount,
                                      const char                    *reason,
                                      const char                    *idempotency_key,
                                      GError                       **error);
  /* Checks a webhook's signature header over its exact payload at now (unix seconds). */
  gboolean         (*verify_webhook) (VbPaymentGateway              *self,
                                      const char                    *signature,
                                      const char                    *payload,
                                      gsize                          length,
                                      gint64                         now,
                                      GError                       **error);
};

const char      *vb_payment_gateway_get_name       (VbPaymentGateway              *self);
VbPaymentIntent *vb_payment_gateway_create_intent  (VbPaymentGateway              *self,
                                                    const VbPaymentIntentRequest  *request,
                                                    const char                    *idempotency_key,
                                                    GError                       **error);
VbPaymentIntent *vb_payment_gateway_get_intent     (VbPaymentGateway              *self,
                                                    const char                    *intent_id,
                                                    GError                       **error);
VbPaymentIntent *vb_payment_gateway_confirm_intent (VbPaymentGateway              *self,
                                                    const char                    *intent_id,
                                                    const char                    *idempotency_key,
                                                    GError                       **error);
/* amount < 0: the whole authorized amount. */
VbPaymentIntent *vb_payment_gateway_capture_intent (VbPaymentGateway              *self,
                                                    const char                    *intent_id,
                                                    gint64                         amount,
                                                    const char                    *idempotency_key,
                                                    GError                       **error);
VbPaymentIntent *vb_payment_gateway_cancel_intent  (VbPaymentGateway              *self,
                                                    const char                    *intent_id,
                                                    const char                    *idempotency_key,
                                                    GError                       **error);
VbGatewayRefund *vb_payment_gateway_refund         (VbPaymentGateway              *self,
                                                    const char                    *intent_id,
                                                    gint64                         amount,
                                                    const char                    *reason,
                                                    const char                    *idempotency_key,
                                                    GError                       **error);
gboolean         vb_payment_gateway_verify_webhook (VbPaymentGateway              *self,
                                                    const char                    *signature,
                                                    const char                    *payload,
                                                    gsize                          length,
                                                    gint64                         now,
                                                    GError                       **error);

/* The gateway the [payments] group of the config file configures, or NULL
 * with VB_ERROR_UNAVAILABLE when none is (card and e-wallet then refuse
 * with 503). */
VbPaymentGateway *vb_payment_gateway_from_settings (GKeyFile  *settings,
                                                    GError   **error);

G_END_DECLS
