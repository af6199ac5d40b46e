/* vb-password-change-page.c — shown for `pending: password_change`.
 *
 * The account was given a one-time password by an administrator; the server
 * lets the session do nothing else until the user picks their own.  The
 * current password is the one just typed on the sign-in form, so it is not
 * asked again.  Signals "submit" and "cancel"; VbSignInView does the rest.
 */
#include "vb-password-change-page.h"
#include "vb-common.h"

struct _VbPasswordChangePage
{
  AdwBin       parent_instance;
  AdwEntryRow *new_row;
  AdwEntryRow *confirm_row;
  GtkLabel    *error_label;
  GtkButton   *change_button;
};

G_DEFINE_FINAL_TYPE (VbPasswordChangePage, vb_password_change_page, ADW_TYPE_BIN)

enum {
  SUBMIT,
  CANCEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
submit_cb (VbPasswordChangePage *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->change_button)))
    g_signal_emit (self, signals[SUBMIT], 0);
}

static void
cancel_cb (VbPasswordChangePage *self)
{
  g_signal_emit (self, signals[CANCEL], 0);
}

static void
vb_password_change_page_class_init (VbPasswordChangePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CANCEL] = g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-password-change-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbPasswordChangePage, new_row);
  gtk_widget_class_bind_template_child (widget_class, VbPasswordChangePage, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, VbPasswordChangePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, VbPasswordChangePage, change_button);
  gtk_widget_class_bind_template_callback (widget_class, submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_cb);
}

static void
vb_password_change_page_init (VbPasswordChangePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

const char *
vb_password_change_page_get_password (VbPasswordChangePage *self)
{
  g_return_val_if_fail (VB_IS_PASSWORD_CHANGE_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->new_row));
}

gboolean
vb_password_change_page_passwords_match (VbPasswordChangePage *self)
{
  const char *a, *b;

  g_return_val_if_fail (VB_IS_PASSWORD_CHANGE_PAGE (self), FALSE);
  a = gtk_editable_get_text (GTK_EDITABLE (self->new_row));
  b = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  return *a != '\0' && g_strcmp0 (a, b) == 0;
}

void
vb_password_change_page_set_busy (VbPasswordChangePage *self,
                                  gboolean              busy)
{
  g_return_if_fail (VB_IS_PASSWORD_CHANGE_PAGE (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_row), !busy);
}

void
vb_password_change_page_show_error (VbPasswordChangePage *self,
                                    const char           *message)
{
  g_return_if_fail (VB_IS_PASSWORD_CHANGE_PAGE (self));
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->new_row));
}

void
vb_password_change_page_clear (VbPasswordChangePage *self)
{
  g_return_if_fail (VB_IS_PASSWORD_CHANGE_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  vb_password_change_page_show_error (self, NULL);
  vb_password_change_page_set_busy (self, FALSE);
}
