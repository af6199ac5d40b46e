/* vb-signature-pad.h — a pad the customer signs with the mouse, a finger
 * or a pen; exported as a PNG for the check-in. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VB_TYPE_SIGNATURE_PAD (vb_signature_pad_get_type ())
G_DECLARE_FINAL_TYPE (VbSignaturePad, vb_signature_pad, VB, SIGNATURE_PAD, GtkWidget)

GtkWidget *vb_signature_pad_new          (void);
/* Property "empty": nothing drawn since the last clear. */
gboolean   vb_signature_pad_is_empty     (VbSignaturePad *self);
void       vb_signature_pad_clear        (VbSignaturePad *self);
/* A stroke in widget coordinates, as the gestures draw it. */
void       vb_signature_pad_begin_stroke (VbSignaturePad *self,
                                          double          x,
                                          double          y);
void       vb_signature_pad_extend_stroke (VbSignaturePad *self,
                                           double          x,
                                           double          y);
void       vb_signature_pad_end_stroke   (VbSignaturePad *self);
/* The strokes as a PNG (dark ink on white, the pad's size), or NULL with
 * error when nothing is drawn. */
GBytes    *vb_signature_pad_dup_png      (VbSignaturePad *self,
                                          GError        **error);

G_END_DECLS
