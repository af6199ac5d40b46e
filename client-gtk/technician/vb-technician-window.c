/* vb-technician-window.c — the bay workstation's window: the shared VbShellWindow (sign-in,
 * then who is signed in) with this app's title and texts, set in
 * vb-technician-window.ui.  The bay's real pages (work queue, job steps, time clock)
 * come with later work.
 */
#include "vb-technician-window.h"
#include "vb-technician-resources.h"

struct _VbTechnicianWindow
{
  VbShellWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (VbTechnicianWindow, vb_technician_window, VB_TYPE_SHELL_WINDOW)

static void
vb_technician_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_TECHNICIAN_WINDOW);
  G_OBJECT_CLASS (vb_technician_window_parent_class)->dispose (object);
}

static void
vb_technician_window_class_init (VbTechnicianWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_technician_window_dispose;

  /* Compiled with --manual-register (see vb-common.c for why). */
  vb_technician_register_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Technician/vb-technician-window.ui");
  vb_shell_window_class_bind_shell_children (widget_class);
}

static void
vb_technician_window_init (VbTechnicianWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

VbTechnicianWindow *
vb_technician_window_new (VbTechnicianApplication *application)
{
  g_return_val_if_fail (VB_IS_TECHNICIAN_APPLICATION (application), NULL);

  return g_object_new (VB_TYPE_TECHNICIAN_WINDOW,
                       "application", application,
                       "client", vb_application_get_client (VB_APPLICATION (application)),
                       NULL);
}
