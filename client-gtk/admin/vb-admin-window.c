/* vb-admin-window.c — the management console's window: the shared VbShellWindow (sign-in,
 * then who is signed in) with this app's title and texts, set in
 * vb-admin-window.ui.  The console's real pages (locations, staff, analytics, audit)
 * come with later work.
 */
#include "vb-admin-window.h"
#include "vb-admin-resources.h"

struct _VbAdminWindow
{
  VbShellWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (VbAdminWindow, vb_admin_window, VB_TYPE_SHELL_WINDOW)

static void
vb_admin_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_ADMIN_WINDOW);
  G_OBJECT_CLASS (vb_admin_window_parent_class)->dispose (object);
}

static void
vb_admin_window_class_init (VbAdminWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_admin_window_dispose;

  /* Compiled with --manual-register (see vb-common.c for why). */
  vb_admin_register_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Admin/vb-admin-window.ui");
  vb_shell_window_class_bind_shell_children (widget_class);
}

static void
vb_admin_window_init (VbAdminWindow *self)
{
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
