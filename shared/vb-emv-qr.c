/* vb-emv-qr.c — EMVCo merchant-presented QR payloads (being written). */
#include <glib.h>
