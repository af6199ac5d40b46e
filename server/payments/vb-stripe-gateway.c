/* vb-stripe-gateway.c — a VbPaymentGateway speaking Stripe's HTTP API (being written). */
#include <glib.h>
