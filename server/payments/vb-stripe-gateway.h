/* vb-stripe-gateway.h — a VbPaymentGateway speaking Stripe's HTTP API (being written). */
#pragma once

#include <glib.h>
