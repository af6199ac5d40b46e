/* vb-emv-qr.h — EMVCo merchant-presented QR payloads (being written). */
#pragma once

#include <glib.h>
