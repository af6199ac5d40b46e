/* vb-sms-gateway.c — SMS through an HTTP JSON gateway (being written). */
#include <glib.h>
