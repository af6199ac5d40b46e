/* vb-totp-enrol-page.c — shown for `pending: mfa_enrolment`.
 *
 * Shows what POST /auth/totp/enrol returned — a QR code of the otpauth://
 * URI, the same secret as text for typing by hand, and the ten recovery
 * codes — then asks for a first code, which VbSignInView sends to
 * /auth/totp/verify.  The secret and codes are wiped from the widgets as
 * soon as the step ends.
 */
#include "vb-totp-enrol-page.h"
#include "vb-common.h"
#include "vb-qr-code.h"

#include <glib/gi18n-lib.h>

#define QR_MODULE_PX 5

struct _VbTotpEnrolPage
{
  AdwBin       parent_instance;
  GtkPicture  *qr_picture;
  GtkLabel    *secret_label;
  GtkLabel    *codes_label;
  AdwEntryRow *code_row;
  GtkLabel    *error_label;
  GtkButton   *verify_button;
  char        *secret;
};

G_DEFINE_FINAL_TYPE (VbTotpEnrolPage, vb_totp_enrol_page, ADW_TYPE_BIN)

enum {
  SUBMIT,
  CANCEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
submit_cb (VbTotpEnrolPage *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->verify_button)))
    g_signal_emit (self, signals[SUBMIT], 0);
}

static void
cancel_cb (VbTotpEnrolPage *self)
{
  g_signal_emit (self, signals[CANCEL], 0);
}

static void
copy_codes_cb (VbTotpEnrolPage *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          gtk_label_get_label (self->codes_label));
}

static void
vb_totp_enrol_page_finalize (GObject *object)
{
  VbTotpEnrolPage *self = VB_TOTP_ENROL_PAGE (object);

  g_clear_pointer (&self->secret, g_free);
  G_OBJECT_CLASS (vb_totp_enrol_page_parent_class)->finalize (object);
}

static void
vb_totp_enrol_page_class_init (VbTotpEnrolPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = vb_totp_enrol_page_finalize;

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CANCEL] = g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-totp-enrol-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, secret_label);
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, codes_label);
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, VbTotpEnrolPage, verify_button);
  gtk_widget_class_bind_template_callback (widget_class, submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_codes_cb);
}

static void
vb_totp_enrol_page_init (VbTotpEnrolPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* "ABCDEFGH…" → "ABCD EFGH …", easier to type from the screen. */
static char *
group_secret (const char *secret)
{
  GString *text = g_string_new (NULL);

  for (gsize i = 0; secret[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (text, ' ');
      g_string_append_c (text, secret[i]);
    }
  return g_string_free (text, FALSE);
}

void
vb_totp_enrol_page_set_enrolment (VbTotpEnrolPage    *self,
                                  const char         *secret,
                                  const char         *otpauth_uri,
                                  const char * const *recovery_codes)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *grouped = NULL;
  g_autofree char *codes = NULL;

  g_return_if_fail (VB_IS_TOTP_ENROL_PAGE (self));
  g_return_if_fail (secret != NULL);

  g_free (self->secret);
  self->secret = g_strdup (secret);
  grouped = group_secret (secret);
  gtk_label_set_label (self->secret_label, grouped);

  texture = otpauth_uri != NULL ? vb_qr_code_texture_new (otpauth_uri, QR_MODULE_PX, &error) : NULL;
  if (texture == NULL && error != NULL)
    g_warning ("No QR code for the enrolment: %s", error->message);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), texture != NULL);

  codes = recovery_codes != NULL ? g_strjoinv ("\n", (char **) recovery_codes) : g_strdup ("");
  gtk_label_set_label (self->codes_label, codes);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  vb_totp_enrol_page_show_error (self, NULL);
  vb_totp_enrol_page_set_busy (self, FALSE);
}

const char *
vb_totp_enrol_page_get_secret (VbTotpEnrolPage *self)
{
  g_return_val_if_fail (VB_IS_TOTP_ENROL_PAGE (self), NULL);
  return self->secret;
}

const char *
vb_totp_enrol_page_get_code (VbTotpEnrolPage *self)
{
  g_return_val_if_fail (VB_IS_TOTP_ENROL_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->code_row));
}

void
vb_totp_enrol_page_set_busy (VbTotpEnrolPage *self,
                             gboolean         busy)
{
  g_return_if_fail (VB_IS_TOTP_ENROL_PAGE (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !busy);
}

void
vb_totp_enrol_page_show_error (VbTotpEnrolPage *self,
                               const char      *message)
{
  g_return_if_fail (VB_IS_TOTP_ENROL_PAGE (self));
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

void
vb_totp_enrol_page_clear (VbTotpEnrolPage *self)
{
  g_return_if_fail (VB_IS_TOTP_ENROL_PAGE (self));
  g_clear_pointer (&self->secret, g_free);
  gtk_label_set_label (self->secret_label, "");
  gtk_label_set_label (self->codes_label, "");
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  vb_totp_enrol_page_show_error (self, NULL);
}
