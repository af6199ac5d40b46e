/* vb-payment-gateway.h — the payment gateway interface (being written). */
#pragma once

#include <glib.h>
