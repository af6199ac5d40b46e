/* vb-payment-gateway.c — the payment gateway interface (being written). */
#include <glib.h>
