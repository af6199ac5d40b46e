/* vb-login-page.c — the sign-in form, and nothing else.
 *
 * It reads and shows; VbSignInView decides what a submission means.  The
 * code field appears only once the server asks for a second factor, and can
 * switch between an authenticator code and a single-use recovery code.
 * Errors are shown inline under the form with the field they concern
 * marked, and what was typed stays, so a typo costs one edit.
 */
#include "vb-login-page.h"
#include "vb-common.h"
#include "vb-presentation.h"

#include <glib/gi18n-lib.h>

struct _VbLoginPage
{
  AdwBin       parent_instance;
  AdwEntryRow *server_row;
  AdwEntryRow *email_row;
  AdwEntryRow *password_row;
  AdwEntryRow *code_row;
  GtkRevealer *code_revealer;
  GtkButton   *recovery_button;
  GtkLabel    *error_label;
  GtkButton   *sign_in_button;
  GtkStack    *button_stack;
  gboolean     use_recovery_code;
};

G_DEFINE_FINAL_TYPE (VbLoginPage, vb_login_page, ADW_TYPE_BIN)

enum {
  SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
submit (VbLoginPage *self)
{
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->sign_in_button)))
    return;
  g_signal_emit (self, signals[SUBMIT], 0);
}

static void
entry_activated_cb (VbLoginPage *self)
{
  submit (self);
}

static void
sign_in_clicked_cb (VbLoginPage *self)
{
  submit (self);
}

static void
update_code_row (VbLoginPage *self)
{
  if (self->use_recovery_code)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->code_row), _("Recovery Code"));
      gtk_button_set_label (self->recovery_button, _("Use an Authenticator Code Instead"));
      adw_entry_row_set_input_purpose (self->code_row, GTK_INPUT_PURPOSE_FREE_FORM);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->code_row), _("Authenticator Code"));
      gtk_button_set_label (self->recovery_button, _("Use a Recovery Code Instead"));
      adw_entry_row_set_input_purpose (self->code_row, GTK_INPUT_PURPOSE_PIN);
    }
}

static void
recovery_clicked_cb (VbLoginPage *self)
{
  self->use_recovery_code = !self->use_recovery_code;
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  update_code_row (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

static void
vb_login_page_class_init (VbLoginPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  signals[SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, code_revealer);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, recovery_button);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, VbLoginPage, button_stack);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, recovery_clicked_cb);
}

static void
vb_login_page_init (VbLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), VB_DEFAULT_SERVER_ADDRESS);
  update_code_row (self);
}

const char *
vb_login_page_get_server (VbLoginPage *self)
{
  g_return_val_if_fail (VB_IS_LOGIN_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->server_row));
}

void
vb_login_page_set_server (VbLoginPage *self,
                          const char  *server)
{
  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server ? server : VB_DEFAULT_SERVER_ADDRESS);
}

const char *
vb_login_page_get_email (VbLoginPage *self)
{
  g_return_val_if_fail (VB_IS_LOGIN_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->email_row));
}

void
vb_login_page_set_email (VbLoginPage *self,
                         const char  *email)
{
  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email ? email : "");
}

const char *
vb_login_page_get_password (VbLoginPage *self)
{
  g_return_val_if_fail (VB_IS_LOGIN_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->password_row));
}

const char *
vb_login_page_get_code (VbLoginPage *self)
{
  const char *code;

  g_return_val_if_fail (VB_IS_LOGIN_PAGE (self), NULL);
  if (!gtk_revealer_get_reveal_child (self->code_revealer))
    return NULL;
  code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));
  return *code != '\0' ? code : NULL;
}

gboolean
vb_login_page_get_use_recovery_code (VbLoginPage *self)
{
  g_return_val_if_fail (VB_IS_LOGIN_PAGE (self), FALSE);
  return self->use_recovery_code;
}

void
vb_login_page_reveal_code (VbLoginPage *self)
{
  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  gtk_revealer_set_reveal_child (self->code_revealer, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

void
vb_login_page_set_busy (VbLoginPage *self,
                        gboolean     busy)
{
  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_stack_set_visible_child_name (self->button_stack, busy ? "busy" : "label");
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->email_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !busy);
}

void
vb_login_page_show_error (VbLoginPage  *self,
                          const GError *error)
{
  AdwEntryRow *rows[] = { self->server_row, self->email_row, self->password_row, self->code_row };
  const char *names[] = { "server", "email", "password", "code" };
  g_autofree char *message = NULL;
  const char *field;

  g_return_if_fail (VB_IS_LOGIN_PAGE (self));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (rows[i]), "error");
  if (error == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      return;
    }

  message = vb_error_dup_user_message (error);
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  field = vb_error_get_form_field (error);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_strcmp0 (field, names[i]) == 0)
      {
        gtk_widget_add_css_class (GTK_WIDGET (rows[i]), "error");
        gtk_widget_grab_focus (GTK_WIDGET (rows[i]));
      }
}

void
vb_login_page_clear_secrets (VbLoginPage *self)
{
  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  gtk_revealer_set_reveal_child (self->code_revealer, FALSE);
  self->use_recovery_code = FALSE;
  update_code_row (self);
  vb_login_page_show_error (self, NULL);
}

void
vb_login_page_focus (VbLoginPage *self)
{
  const char *email;

  g_return_if_fail (VB_IS_LOGIN_PAGE (self));
  email = gtk_editable_get_text (GTK_EDITABLE (self->email_row));
  gtk_widget_grab_focus (GTK_WIDGET (*email != '\0' ? self->password_row : self->email_row));
}
