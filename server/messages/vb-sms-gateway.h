/* vb-sms-gateway.h — SMS through an HTTP JSON gateway (being written). */
#pragma once

#include <glib.h>
