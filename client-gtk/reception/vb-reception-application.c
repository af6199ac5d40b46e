/* vb-reception-application.c — the front desk app: VbApplication plus its
 * window.  Everything shared (client, actions, styles) is in the base. */
#include "vb-reception-application.h"
#include "vb-reception-window.h"

struct _VbReceptionApplication
{
  VbApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (VbReceptionApplication, vb_reception_application, VB_TYPE_APPLICATION)

static GtkWindow *
vb_reception_application_create_window (VbApplication *application)
{
  return GTK_WINDOW (vb_reception_window_new (VB_RECEPTION_APPLICATION (application)));
}

static void
vb_reception_application_class_init (VbReceptionApplicationClass *klass)
{
  VB_APPLICATION_CLASS (klass)->create_window = vb_reception_application_create_window;
  VB_APPLICATION_CLASS (klass)->icon_name = "x-office-address-book-symbolic";
}

static void
vb_reception_application_init (VbReceptionApplication *self)
{
}

VbReceptionApplication *
vb_reception_application_new (void)
{
  return g_object_new (VB_TYPE_RECEPTION_APPLICATION,
                       "application-id", VB_RECEPTION_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
