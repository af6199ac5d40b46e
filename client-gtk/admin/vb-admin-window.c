/* vb-admin-window.c — the management console's window: sign-in, then who is
 * signed in, with the live connection state in the header bar.
 *
 * The window follows VbClient's "session": without one it shows the sign-in
 * view, with one the main page.  The main page is, for now, an AdwStatusPage
 * with the user's name, roles and locations: the console's real pages
 * (locations, staff, analytics, audit) come with later work, and nothing here
 * pretends otherwise.
 */
#include "vb-admin-window.h"
#include "vb-admin-resources.h"
#include "vb-certificate-dialogs.h"
#include "vb-client.h"
#include "vb-client-error.h"
#include "vb-connection-indicator.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-presentation.h"
#include "vb-session.h"
#include "vb-sign-in-view.h"

#include <glib/gi18n-lib.h>

struct _VbAdminWindow
{
  AdwApplicationWindow   parent_instance;

  /* template */
  VbConnectionIndicator *indicator;
  AdwToastOverlay       *toast_overlay;
  GtkStack              *stack;
  VbSignInView          *sign_in_view;
  AdwStatusPage         *status_page;
  GtkLabel              *server_label;

  VbClient              *client;
  VbSession             *session;
  GBinding              *title_binding;
  GCancellable          *cancellable;
  GtkWindow             *refusal_dialog;
  char                  *last_server;
  char                  *last_email;
};

G_DEFINE_FINAL_TYPE (VbAdminWindow, vb_admin_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
toast (VbAdminWindow *self,
       const char        *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
update_user (VbAdminWindow *self)
{
  JsonObject *user = vb_session_get_user (self->session);
  g_autofree char *roles = user != NULL ? vb_user_dup_roles_summary (user) : NULL;
  g_autofree char *server = g_strdup_printf (_("Signed in to %s as %s"),
                                             vb_session_get_server_url (self->session),
                                             vb_session_get_email (self->session));

  adw_status_page_set_description (self->status_page,
                                   roles != NULL ? roles : _("Waiting for the server…"));
  gtk_label_set_label (self->server_label, server);
}

static void
session_changed_cb (VbAdminWindow *self)
{
  VbSession *session = vb_client_get_session (self->client);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_pointer (&self->title_binding, g_binding_unbind);
      g_free (self->last_server);
      g_free (self->last_email);
      self->last_server = g_strdup (vb_session_get_server_url (self->session));
      self->last_email = g_strdup (vb_session_get_email (self->session));
    }
  g_set_object (&self->session, session);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.log-out", session != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->indicator), session != NULL);
  if (session == NULL)
    {
      vb_sign_in_view_show_form (self->sign_in_view, self->last_server, self->last_email, NULL);
      gtk_stack_set_visible_child_name (self->stack, "sign-in");
      return;
    }

  self->title_binding = g_object_bind_property (session, "display-name",
                                                self->status_page, "title",
                                                G_BINDING_SYNC_CREATE);
  g_signal_connect_object (session, "notify::user", G_CALLBACK (update_user), self,
                           G_CONNECT_SWAPPED);
  update_user (self);
  gtk_stack_set_visible_child_name (self->stack, "main");
}

static void
session_ended_cb (VbAdminWindow *self,
                  const GError      *reason)
{
  vb_sign_in_view_show_form (self->sign_in_view, NULL, NULL, reason);
}

static void
refusal_closed_cb (VbAdminWindow *self)
{
  self->refusal_dialog = NULL;
}

static void
certificate_refused_cb (VbAdminWindow *self,
                        const GError      *error)
{
  AdwMessageDialog *dialog;

  if (g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED))
    {
      toast (self, _("The server’s certificate is not trusted; log out and sign in again to check it"));
      return;
    }
  if (self->refusal_dialog != NULL)
    return;
  dialog = vb_certificate_changed_dialog_new (GTK_WINDOW (self), error,
                                              vb_pin_store_get_path (vb_client_get_pin_store (self->client)));
  self->refusal_dialog = GTK_WINDOW (dialog);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (refusal_closed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbAdminWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (vb_client_restore_finish (VB_CLIENT (object), result, &error))
    return;   /* session_changed_cb has shown it */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read the keyring: %s"), error->message);
      toast (self, message);
    }
  vb_sign_in_view_show_form (self->sign_in_view, NULL, NULL, NULL);
}

static void
log_out_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbAdminWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!vb_client_log_out_finish (VB_CLIENT (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not remove the session from the keyring: %s"),
                                                  error->message);
      toast (self, message);
    }
}

static void
log_out_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  VbAdminWindow *self = VB_ADMIN_WINDOW (widget);

  vb_client_log_out_async (self->client, self->cancellable, log_out_cb, g_object_ref (self));
}

static void
vb_admin_window_constructed (GObject *object)
{
  VbAdminWindow *self = VB_ADMIN_WINDOW (object);

  G_OBJECT_CLASS (vb_admin_window_parent_class)->constructed (object);

  g_return_if_fail (VB_IS_CLIENT (self->client));
  vb_sign_in_view_set_client (self->sign_in_view, self->client);

  g_object_bind_property (vb_client_get_live (self->client), "state",
                          self->indicator, "state", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->client, "notify::session", G_CALLBACK (session_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "session-ended", G_CALLBACK (session_ended_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "certificate-refused",
                           G_CALLBACK (certificate_refused_cb), self, G_CONNECT_SWAPPED);

  if (vb_client_get_session (self->client) != NULL)
    {
      session_changed_cb (self);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.log-out", FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->indicator), FALSE);
  vb_sign_in_view_show_restoring (self->sign_in_view);
  vb_client_restore_async (self->client, self->cancellable, restore_cb, g_object_ref (self));
}

static void
vb_admin_window_dispose (GObject *object)
{
  VbAdminWindow *self = VB_ADMIN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->last_server, g_free);
  g_clear_pointer (&self->last_email, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_ADMIN_WINDOW);
  G_OBJECT_CLASS (vb_admin_window_parent_class)->dispose (object);
}

static void
vb_admin_window_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  VbAdminWindow *self = VB_ADMIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_admin_window_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  VbAdminWindow *self = VB_ADMIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_admin_window_class_init (VbAdminWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = vb_admin_window_constructed;
  object_class->dispose = vb_admin_window_dispose;
  object_class->get_property = vb_admin_window_get_property;
  object_class->set_property = vb_admin_window_set_property;

  /* Construct-only: "application" is set only after constructed(). */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, VB_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Compiled with --manual-register (see vb-common.c for why). */
  vb_admin_register_resource ();
  g_type_ensure (VB_TYPE_CONNECTION_INDICATOR);
  g_type_ensure (VB_TYPE_SIGN_IN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Admin/vb-admin-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, indicator);
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, sign_in_view);
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, VbAdminWindow, server_label);

  gtk_widget_class_install_action (widget_class, "win.log-out", NULL, log_out_action);
}

static void
vb_admin_window_init (VbAdminWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

VbAdminWindow *
vb_admin_window_new (VbAdminApplication *application)
{
  g_return_val_if_fail (VB_IS_ADMIN_APPLICATION (application), NULL);

  return g_object_new (VB_TYPE_ADMIN_WINDOW,
                       "application", application,
                       "client", vb_application_get_client (VB_APPLICATION (application)),
                       NULL);
}
