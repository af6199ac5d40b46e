/* vb-qr-code.h — a QR code as a texture (libqrencode). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Black modules on white with the standard 4-module quiet zone, each module
 * module_px pixels square (so it is sharp at natural size). */
GdkTexture *vb_qr_code_texture_new (const char  *text,
                                    guint        module_px,
                                    GError     **error);

G_END_DECLS
