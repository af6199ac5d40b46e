/* vb-technician-application.c — the bay workstation app: VbApplication plus its
 * window.  Everything shared (client, actions, styles) is in the base. */
#include "vb-technician-application.h"
#include "vb-technician-window.h"

struct _VbTechnicianApplication
{
  VbApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (VbTechnicianApplication, vb_technician_application, VB_TYPE_APPLICATION)

static GtkWindow *
vb_technician_application_create_window (VbApplication *application)
{
  return GTK_WINDOW (vb_technician_window_new (VB_TECHNICIAN_APPLICATION (application)));
}

static void
vb_technician_application_class_init (VbTechnicianApplicationClass *klass)
{
  VB_APPLICATION_CLASS (klass)->create_window = vb_technician_application_create_window;
  VB_APPLICATION_CLASS (klass)->icon_name = "applications-engineering-symbolic";
}

static void
vb_technician_application_init (VbTechnicianApplication *self)
{
}

VbTechnicianApplication *
vb_technician_application_new (void)
{
  return g_object_new (VB_TYPE_TECHNICIAN_APPLICATION,
                       "application-id", VB_TECHNICIAN_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
