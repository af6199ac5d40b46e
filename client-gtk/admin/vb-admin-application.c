/* vb-admin-application.c — the management console: VbApplication plus its
 * window.  Everything shared (client, actions, styles) is in the base. */
#include "vb-admin-application.h"
#include "vb-admin-window.h"

struct _VbAdminApplication
{
  VbApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (VbAdminApplication, vb_admin_application, VB_TYPE_APPLICATION)

static GtkWindow *
vb_admin_application_create_window (VbApplication *application)
{
  return GTK_WINDOW (vb_admin_window_new (VB_ADMIN_APPLICATION (application)));
}

static void
vb_admin_application_class_init (VbAdminApplicationClass *klass)
{
  VB_APPLICATION_CLASS (klass)->create_window = vb_admin_application_create_window;
  VB_APPLICATION_CLASS (klass)->icon_name = "preferences-system-symbolic";
}

static void
vb_admin_application_init (VbAdminApplication *self)
{
}

VbAdminApplication *
vb_admin_application_new (void)
{
  return g_object_new (VB_TYPE_ADMIN_APPLICATION,
                       "application-id", VB_ADMIN_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
