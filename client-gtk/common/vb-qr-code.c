/* vb-qr-code.c — renders an otpauth:// URI for an authenticator app.
 *
 * libqrencode gives one byte per module (bit 0: dark); we paint the pixels
 * straight into a GdkMemoryTexture — no cairo surface needed — at an integer
 * scale, since a scaled-up 1-pixel-per-module image would be blurred by
 * GtkPicture's linear filtering and scanners dislike soft edges.
 */
#include "vb-qr-code.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#define QUIET_ZONE 4

GdkTexture *
vb_qr_code_texture_new (const char  *text,
                        guint        module_px,
                        GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  QRcode *code;
  guint8 *pixels;
  gsize side, stride;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (module_px > 0 && module_px <= 32, NULL);

  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not make a QR code: %s", g_strerror (saved_errno));
      return NULL;
    }

  side = (gsize) (code->width + 2 * QUIET_ZONE) * module_px;
  stride = side * 3;
  pixels = g_malloc (stride * side);
  memset (pixels, 0xff, stride * side);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      {
        if ((code->data[y * code->width + x] & 1) == 0)
          continue;
        for (guint dy = 0; dy < module_px; dy++)
          memset (pixels + ((QUIET_ZONE + y) * module_px + dy) * stride +
                  (QUIET_ZONE + x) * module_px * 3,
                  0x00, module_px * 3);
      }
  QRcode_free (code);

  bytes = g_bytes_new_take (pixels, stride * side);
  return gdk_memory_texture_new ((int) side, (int) side, GDK_MEMORY_R8G8B8, bytes, stride);
}
