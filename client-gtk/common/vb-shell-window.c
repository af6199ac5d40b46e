/* vb-shell-window.c — what the three apps' main windows share: sign-in, then
 * who is signed in, with the live connection state in the header bar.
 *
 * The window follows VbClient's "session": without one it shows the sign-in
 * view, with one the main page.  The main page is, for now, an AdwStatusPage
 * with the user's name, roles and locations: each app's real pages come with
 * later work, and nothing here pretends otherwise.
 *
 * The header bar also carries the sync state (in the connection indicator)
 * and, while the server has refused changes, a warning button that opens
 * VbSyncProblemsDialog: the user must see what did not go through.
 *
 * Subclasses (VbReceptionWindow, VbTechnicianWindow, VbAdminWindow) only set
 * what differs, from their own templates: the window title, "heading",
 * "placeholder-text" and "about-label".  The shell's widgets are internal
 * children, so a subclass template can name and bind them too
 * (vb_shell_window_class_bind_shell_children()).
 */
#include "vb-shell-window.h"
#include "vb-certificate-dialogs.h"
#include "vb-client.h"
#include "vb-client-error.h"
#include "vb-common.h"
#include "vb-connection-indicator.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-presentation.h"
#include "vb-session.h"
#include "vb-sign-in-view.h"
#include "vb-sync-engine.h"
#include "vb-sync-problems-dialog.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  /* template */
  VbConnectionIndicator *indicator;
  AdwWindowTitle        *window_title;
  AdwToastOverlay       *toast_overlay;
  GtkStack              *stack;
  VbSignInView          *sign_in_view;
  AdwStatusPage         *status_page;
  GtkLabel              *server_label;
  GtkLabel              *placeholder_label;
  GMenu                 *help_section;
  GtkButton             *problems_button;
  AdwButtonContent      *problems_content;

  VbClient              *client;
  VbSession             *session;
  GBinding              *title_binding;
  GCancellable          *cancellable;
  GtkWindow             *refusal_dialog;
  GtkWindow             *problems_dialog;
  VbSyncEngine          *engine;
  char                  *last_server;
  char                  *last_email;
  char                  *about_label;
} VbShellWindowPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (VbShellWindow, vb_shell_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_HEADING,
  PROP_PLACEHOLDER_TEXT,
  PROP_ABOUT_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The About item closes the primary menu's last section. */
static void
set_about_label (VbShellWindow *self,
                 const char    *label)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  if (g_strcmp0 (label, priv->about_label) == 0)
    return;
  if (priv->about_label != NULL)
    g_menu_remove (priv->help_section,
                   g_menu_model_get_n_items (G_MENU_MODEL (priv->help_section)) - 1);
  g_free (priv->about_label);
  priv->about_label = g_strdup (label);
  if (label != NULL)
    g_menu_append (priv->help_section, label, "app.about");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ABOUT_LABEL]);
}

static void
toast (VbShellWindow *self,
       const char    *message)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  adw_toast_overlay_add_toast (priv->toast_overlay, adw_toast_new (message));
}

static void
update_user (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
  JsonObject *user = vb_session_get_user (priv->session);
  g_autofree char *roles = user != NULL ? vb_user_dup_roles_summary (user) : NULL;
  g_autofree char *server = g_strdup_printf (_("Signed in to %s as %s"),
                                             vb_session_get_server_url (priv->session),
                                             vb_session_get_email (priv->session));

  adw_status_page_set_description (priv->status_page,
                                   roles != NULL ? roles : _("Waiting for the server…"));
  gtk_label_set_label (priv->server_label, server);
}

static void
session_changed_cb (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
  VbSession *session = vb_client_get_session (priv->client);

  if (priv->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (priv->session, self);
      g_clear_pointer (&priv->title_binding, g_binding_unbind);
      g_free (priv->last_server);
      g_free (priv->last_email);
      priv->last_server = g_strdup (vb_session_get_server_url (priv->session));
      priv->last_email = g_strdup (vb_session_get_email (priv->session));
    }
  g_set_object (&priv->session, session);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.log-out", session != NULL);
  gtk_widget_set_visible (GTK_WIDGET (priv->indicator), session != NULL);
  if (session == NULL)
    {
      vb_sign_in_view_show_form (priv->sign_in_view, priv->last_server, priv->last_email, NULL);
      gtk_stack_set_visible_child_name (priv->stack, "sign-in");
      return;
    }

  priv->title_binding = g_object_bind_property (session, "display-name",
                                                priv->status_page, "title",
                                                G_BINDING_SYNC_CREATE);
  g_signal_connect_object (session, "notify::user", G_CALLBACK (update_user), self,
                           G_CONNECT_SWAPPED);
  update_user (self);
  gtk_stack_set_visible_child_name (priv->stack, "main");
}

static void
update_problems (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
  guint problems = priv->engine != NULL ? vb_sync_engine_get_problems (priv->engine) : 0;

  if (problems > 0)
    {
      g_autofree char *label = vb_sync_problems_dup_label (problems);

      adw_button_content_set_label (priv->problems_content, label);
    }
  gtk_widget_set_visible (GTK_WIDGET (priv->problems_button), problems > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sync-problems", problems > 0);
}

static void
sync_engine_changed_cb (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
  VbSyncEngine *engine = vb_client_get_sync_engine (priv->client);

  if (priv->engine != NULL)
    g_signal_handlers_disconnect_by_data (priv->engine, self);
  g_set_object (&priv->engine, engine);
  vb_connection_indicator_set_sync_engine (priv->indicator, engine);
  if (engine != NULL)
    g_signal_connect_object (engine, "notify::problems", G_CALLBACK (update_problems), self,
                             G_CONNECT_SWAPPED);
  /* The list belongs to the cache that went. */
  else if (priv->problems_dialog != NULL)
    gtk_window_close (priv->problems_dialog);
  update_problems (self);
}

static void
problems_dialog_closed_cb (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  priv->problems_dialog = NULL;
}

static void
show_sync_problems_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  VbShellWindow *self = VB_SHELL_WINDOW (widget);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  if (priv->engine == NULL)
    return;
  if (priv->problems_dialog == NULL)
    {
      priv->problems_dialog =
        GTK_WINDOW (vb_sync_problems_dialog_new (GTK_WINDOW (self),
                                                 vb_sync_engine_get_cache (priv->engine)));
      g_signal_connect_object (priv->problems_dialog, "destroy",
                               G_CALLBACK (problems_dialog_closed_cb), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (priv->problems_dialog);
}

static void
session_ended_cb (VbShellWindow *self,
                  const GError  *reason)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  vb_sign_in_view_show_form (priv->sign_in_view, NULL, NULL, reason);
}

static void
refusal_closed_cb (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  priv->refusal_dialog = NULL;
}

static void
certificate_refused_cb (VbShellWindow *self,
                        const GError  *error)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
  AdwMessageDialog *dialog;

  if (g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED))
    {
      toast (self, _("The server’s certificate is not trusted; log out and sign in again to check it"));
      return;
    }
  if (priv->refusal_dialog != NULL)
    return;
  dialog = vb_certificate_changed_dialog_new (GTK_WINDOW (self), error,
                                              vb_pin_store_get_path (vb_client_get_pin_store (priv->client)));
  priv->refusal_dialog = GTK_WINDOW (dialog);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (refusal_closed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbShellWindow) self = user_data;
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);
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
  vb_sign_in_view_show_form (priv->sign_in_view, NULL, NULL, NULL);
}

static void
log_out_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbShellWindow) self = user_data;
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
  VbShellWindow *self = VB_SHELL_WINDOW (widget);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  vb_client_log_out_async (priv->client, priv->cancellable, log_out_cb, g_object_ref (self));
}

static void
vb_shell_window_constructed (GObject *object)
{
  VbShellWindow *self = VB_SHELL_WINDOW (object);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  G_OBJECT_CLASS (vb_shell_window_parent_class)->constructed (object);

  g_return_if_fail (VB_IS_CLIENT (priv->client));
  vb_sign_in_view_set_client (priv->sign_in_view, priv->client);

  g_object_bind_property (vb_client_get_live (priv->client), "state",
                          priv->indicator, "state", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (priv->client, "notify::session", G_CALLBACK (session_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (priv->client, "session-ended", G_CALLBACK (session_ended_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (priv->client, "certificate-refused",
                           G_CALLBACK (certificate_refused_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (priv->client, "notify::sync-engine",
                           G_CALLBACK (sync_engine_changed_cb), self, G_CONNECT_SWAPPED);
  sync_engine_changed_cb (self);

  if (vb_client_get_session (priv->client) != NULL)
    {
      session_changed_cb (self);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.log-out", FALSE);
  gtk_widget_set_visible (GTK_WIDGET (priv->indicator), FALSE);
  vb_sign_in_view_show_restoring (priv->sign_in_view);
  vb_client_restore_async (priv->client, priv->cancellable, restore_cb, g_object_ref (self));
}

static void
vb_shell_window_dispose (GObject *object)
{
  VbShellWindow *self = VB_SHELL_WINDOW (object);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  g_cancellable_cancel (priv->cancellable);
  if (priv->session != NULL)
    g_signal_handlers_disconnect_by_data (priv->session, self);
  g_clear_pointer (&priv->title_binding, g_binding_unbind);
  g_clear_object (&priv->session);
  if (priv->engine != NULL)
    g_signal_handlers_disconnect_by_data (priv->engine, self);
  g_clear_object (&priv->engine);
  g_clear_object (&priv->client);
  g_clear_object (&priv->cancellable);
  g_clear_pointer (&priv->last_server, g_free);
  g_clear_pointer (&priv->last_email, g_free);
  g_clear_pointer (&priv->about_label, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_SHELL_WINDOW);
  G_OBJECT_CLASS (vb_shell_window_parent_class)->dispose (object);
}

static void
vb_shell_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  VbShellWindow *self = VB_SHELL_WINDOW (object);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CLIENT:
      priv->client = g_value_dup_object (value);
      break;
    case PROP_HEADING:
      if (g_strcmp0 (adw_window_title_get_title (priv->window_title), g_value_get_string (value)) != 0)
        {
          adw_window_title_set_title (priv->window_title, g_value_get_string (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_PLACEHOLDER_TEXT:
      if (g_strcmp0 (gtk_label_get_label (priv->placeholder_label), g_value_get_string (value)) != 0)
        {
          gtk_label_set_label (priv->placeholder_label, g_value_get_string (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ABOUT_LABEL:
      set_about_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_shell_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  VbShellWindow *self = VB_SHELL_WINDOW (object);
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, priv->client);
      break;
    case PROP_HEADING:
      g_value_set_string (value, adw_window_title_get_title (priv->window_title));
      break;
    case PROP_PLACEHOLDER_TEXT:
      g_value_set_string (value, gtk_label_get_label (priv->placeholder_label));
      break;
    case PROP_ABOUT_LABEL:
      g_value_set_string (value, priv->about_label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_shell_window_class_init (VbShellWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = vb_shell_window_constructed;
  object_class->dispose = vb_shell_window_dispose;
  object_class->get_property = vb_shell_window_get_property;
  object_class->set_property = vb_shell_window_set_property;

  /* Construct-only: "application" is set only after constructed(). */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, VB_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The header bar's title. */
  properties[PROP_HEADING] =
    g_param_spec_string ("heading", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Under the signed-in user: what the app will show there one day. */
  properties[PROP_PLACEHOLDER_TEXT] =
    g_param_spec_string ("placeholder-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The primary menu's "About …" item. */
  properties[PROP_ABOUT_LABEL] =
    g_param_spec_string ("about-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  vb_common_init ();
  g_type_ensure (VB_TYPE_CONNECTION_INDICATOR);
  g_type_ensure (VB_TYPE_SIGN_IN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-shell-window.ui");
  gtk_widget_class_bind_template_child_internal_private (widget_class, VbShellWindow, indicator);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, window_title);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, toast_overlay);
  gtk_widget_class_bind_template_child_internal_private (widget_class, VbShellWindow, stack);
  gtk_widget_class_bind_template_child_internal_private (widget_class, VbShellWindow, sign_in_view);
  gtk_widget_class_bind_template_child_internal_private (widget_class, VbShellWindow, status_page);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, server_label);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, placeholder_label);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, help_section);
  gtk_widget_class_bind_template_child_internal_private (widget_class, VbShellWindow, problems_button);
  gtk_widget_class_bind_template_child_private (widget_class, VbShellWindow, problems_content);

  gtk_widget_class_install_action (widget_class, "win.log-out", NULL, log_out_action);
  gtk_widget_class_install_action (widget_class, "win.show-sync-problems", NULL,
                                   show_sync_problems_action);
}

static void
vb_shell_window_init (VbShellWindow *self)
{
  VbShellWindowPrivate *priv = vb_shell_window_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * vb_shell_window_class_bind_shell_children:
 * @widget_class: a subclass's class, after its template is set
 *
 * Makes the shell's internal children "indicator", "stack", "sign_in_view",
 * "status_page" and "problems_button" template children of the subclass as well, so
 * gtk_widget_get_template_child() finds them under the subclass's type.
 * The subclass's template must name them with
 * `<child internal-child="…"><object class="…" id="…"/></child>`.
 */
void
vb_shell_window_class_bind_shell_children (GtkWidgetClass *widget_class)
{
  static const char *const names[] = { "indicator", "stack", "sign_in_view", "status_page",
                                       "problems_button" };

  g_return_if_fail (g_type_is_a (G_TYPE_FROM_CLASS (widget_class), VB_TYPE_SHELL_WINDOW));

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    gtk_widget_class_bind_template_child_full (widget_class, names[i], FALSE, 0);
}
