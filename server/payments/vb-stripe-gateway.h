/* vb-stripe-gateway.h — a VbPaymentGateway speaking Stripe's HTTP API. */
#pragma once

#include "vb-payment-gateway.h"

G_BEGIN_DECLS

#define VB_TYPE_STRIPE_GATEWAY (vb_stripe_gateway_get_type ())
G_DECLARE_FINAL_TYPE (VbStripeGateway, vb_stripe_gateway, VB, STRIPE_GATEWAY, GObject)

/* api_base: "https://api.stripe.com" (or a stand-in); webhook_secret may be
 * NULL (then every webhook is refused). */
VbStripeGateway *vb_stripe_gateway_new (const char *api_base,
                                        const char *secret_key,
                                        const char *webhook_secret);

/* Stripe-Signature ("t=UNIX,v1=HEX[,v1=HEX...]"): HMAC-SHA256 with secret
 * over "t.payload", compared in constant time, t within tolerance seconds
 * of now.  VB_ERROR_UNAUTHENTICATED (401) otherwise. */
gboolean vb_stripe_verify_signature (const char  *secret,
                                     const char  *header,
                                     const char  *payload,
                                     gsize        length,
                                     gint64       now,
                                     gint64       tolerance,
                                     GError     **error);

G_END_DECLS
