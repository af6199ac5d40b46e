/* vb-reception-window.c — the front desk's window: the shared VbShellWindow (sign-in,
 * then who is signed in) with this app's title and texts, set in
 * vb-reception-window.ui.  The desk's real pages (customers, bookings, check-in)
 * come with later work.
 */
#include "vb-reception-window.h"
#include "vb-reception-resources.h"

struct _VbReceptionWindow
{
  VbShellWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (VbReceptionWindow, vb_reception_window, VB_TYPE_SHELL_WINDOW)

static void
vb_reception_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_RECEPTION_WINDOW);
  G_OBJECT_CLASS (vb_reception_window_parent_class)->dispose (object);
}

static void
vb_reception_window_class_init (VbReceptionWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_reception_window_dispose;

  /* Compiled with --manual-register (see vb-common.c for why). */
  vb_reception_register_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-reception-window.ui");
  vb_shell_window_class_bind_shell_children (widget_class);
}

static void
vb_reception_window_init (VbReceptionWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

VbReceptionWindow *
vb_reception_window_new (VbReceptionApplication *application)
{
  g_return_val_if_fail (VB_IS_RECEPTION_APPLICATION (application), NULL);

  return g_object_new (VB_TYPE_RECEPTION_WINDOW,
                       "application", application,
                       "client", vb_application_get_client (VB_APPLICATION (application)),
                       NULL);
}
