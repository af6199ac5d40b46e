/* vb-application.c — the base of VbReceptionApplication and its siblings.
 *
 * A derivable type because three subclasses really exist: the apps differ
 * in their window, name and help, and share everything else — the VbClient
 * (pin store, REST client, live connection, session) made at startup, the
 * shared stylesheet, and the app.quit / app.about actions.  Keyboard
 * shortcuts come from each app's gtk/help-overlay.ui resource, which
 * GtkApplication wires to win.show-help-overlay by itself.
 */
#include "vb-application.h"
#include "vb-client.h"
#include "vb-common.h"
#include "vb-pin-store.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  VbClient *client;
} VbApplicationPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (VbApplication, vb_application, ADW_TYPE_APPLICATION)

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Voltbay developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", g_get_application_name (),
                        "application-icon", VB_APPLICATION_GET_CLASS (app)->icon_name,
                        "developer-name", _("The Voltbay developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Service management for electric-vehicle workshops"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
};

static void
vb_application_startup (GApplication *application)
{
  VbApplication *self = VB_APPLICATION (application);
  VbApplicationPrivate *priv = vb_application_get_instance_private (self);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  g_autoptr(VbPinStore) pins = NULL;

  G_APPLICATION_CLASS (vb_application_parent_class)->startup (application);

  vb_common_init ();
  gtk_window_set_default_icon_name (VB_APPLICATION_GET_CLASS (self)->icon_name);
  gtk_css_provider_load_from_resource (css, "/io/github/voltbay/Common/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.log-out",
                                         (const char *[]) { "<Control><Shift>l", NULL });

  pins = vb_pin_store_new (NULL);
  priv->client = vb_client_new (g_application_get_application_id (application), pins);
}

static void
vb_application_activate (GApplication *application)
{
  VbApplication *self = VB_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = VB_APPLICATION_GET_CLASS (self)->create_window (self);
  gtk_window_present (window);
}

static void
vb_application_shutdown (GApplication *application)
{
  VbApplication *self = VB_APPLICATION (application);
  VbApplicationPrivate *priv = vb_application_get_instance_private (self);

  G_APPLICATION_CLASS (vb_application_parent_class)->shutdown (application);
  g_clear_object (&priv->client);
}

static void
vb_application_dispose (GObject *object)
{
  VbApplication *self = VB_APPLICATION (object);
  VbApplicationPrivate *priv = vb_application_get_instance_private (self);

  g_clear_object (&priv->client);
  G_OBJECT_CLASS (vb_application_parent_class)->dispose (object);
}

static void
vb_application_class_init (VbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = vb_application_dispose;
  app_class->startup = vb_application_startup;
  app_class->activate = vb_application_activate;
  app_class->shutdown = vb_application_shutdown;
}

static void
vb_application_init (VbApplication *self)
{
}

VbClient *
vb_application_get_client (VbApplication *self)
{
  VbApplicationPrivate *priv;

  g_return_val_if_fail (VB_IS_APPLICATION (self), NULL);
  priv = vb_application_get_instance_private (self);
  return priv->client;
}
