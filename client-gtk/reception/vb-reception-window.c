/* vb-reception-window.c — the front desk's window: the shared VbShellWindow
 * (sign-in, header bar, sync state) with the desk (VbDeskView) as its
 * "main" page.
 *
 * The shell's template names its own signed-in page "main" (a status page
 * with who is signed in); the desk takes that name here, at init, so the
 * shell's logic (sign-in ⇄ main) and the tests that look for "main" work
 * unchanged.  The status page stays in the stack as "signed-in", unused.
 *
 * The window holds the desk's actions, so the application's accelerators
 * (VbReceptionApplication) and the help overlay find them: win.search,
 * win.new-customer, win.edit-customer, win.add-vehicle, win.show-page (s)
 * and win.open-record (ss), which the pages' rows activate; win.check-in (s,
 * a booked appointment) and win.walk-in-check-in (s, a vehicle) open the
 * check-in dialog, and the new work order's page once it is saved.
 *
 * Signing out (the client's session going to NULL) deletes the PDFs and
 * maintenance schedules the desk kept on disk for that user
 * (vb_vehicle_panel_delete_saved_dir): they are customer data.
 */
#include "vb-reception-window.h"
#include "vb-reception-resources.h"
#include "vb-check-in-dialog.h"
#include "vb-client.h"
#include "vb-customer-editor.h"
#include "vb-desk-view.h"
#include "vb-problem-editing.h"
#include "vb-sync-problems-dialog.h"
#include "vb-vehicle-panel.h"
#include "vb-reception-application.h"

#include <glib/gi18n.h>

struct _VbReceptionWindow
{
  VbShellWindow parent_instance;

  GtkStack   *stack;
  VbDeskView *desk;
  char       *saved_dir;   /* the signed-in user's kept files, once known */
};

G_DEFINE_FINAL_TYPE (VbReceptionWindow, vb_reception_window, VB_TYPE_SHELL_WINDOW)

static gboolean
desk_shown (VbReceptionWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") == 0;
}

static void
update_customer_actions (VbReceptionWindow *self)
{
  gboolean on_customer = vb_desk_view_get_customer_id (self->desk) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.edit-customer", on_customer);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-vehicle", on_customer);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);

  if (desk_shown (self))
    vb_desk_view_focus_search (self->desk);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);

  if (desk_shown (self))
    vb_desk_view_show_page (self->desk, g_variant_get_string (parameter, NULL));
}

static void
open_record_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);
  const char *entity = NULL;
  const char *id = NULL;

  g_variant_get (parameter, "(&s&s)", &entity, &id);
  vb_desk_view_open_record (self->desk, entity, id);
}

static void
editor_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);
  VbCustomerEditorMode mode = g_str_equal (action_name, "win.edit-customer") ? VB_CUSTOMER_EDITOR_EDIT
                              : g_str_equal (action_name, "win.add-vehicle") ? VB_CUSTOMER_EDITOR_ADD_VEHICLE
                              : VB_CUSTOMER_EDITOR_NEW;

  if (desk_shown (self))
    vb_desk_view_open_editor (self->desk, mode);
}

static void
checked_in_cb (VbCheckInDialog   *dialog,
               const char        *work_order_id,
               VbReceptionWindow *self)
{
  vb_desk_view_open_record (self->desk, "work_orders", work_order_id);
}

static void
check_in_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);
  g_autoptr(VbClient) client = NULL;
  const char *id = g_variant_get_string (parameter, NULL);
  gboolean walk_in = g_str_equal (action_name, "win.walk-in-check-in");
  VbCheckInDialog *dialog;

  g_object_get (self, "client", &client, NULL);
  if (!desk_shown (self) || client == NULL || vb_client_get_cache (client) == NULL)
    return;
  dialog = vb_check_in_dialog_new (GTK_WINDOW (self), client, walk_in ? NULL : id, walk_in ? id : NULL);
  g_signal_connect_object (dialog, "checked-in", G_CALLBACK (checked_in_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The sync problems dialog's Edit (VB_SYNC_PROBLEMS_EDIT_ACTION, seq). */
static void
edit_sync_problem_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (widget);
  g_autoptr(VbClient) client = NULL;

  g_object_get (self, "client", &client, NULL);
  if (desk_shown (self) && client != NULL)
    vb_problem_editing_open (GTK_WINDOW (self), client, self->desk, g_variant_get_int64 (parameter));
}

/* The user is known once there is a cache: remember whose files they are. */
static void
client_cache_cb (VbClient          *client,
                 GParamSpec        *pspec,
                 VbReceptionWindow *self)
{
  char *dir = vb_client_get_cache (client) != NULL ? vb_vehicle_panel_dup_saved_dir (client) : NULL;

  if (dir != NULL)
    {
      g_free (self->saved_dir);
      self->saved_dir = dir;
    }
}

/* Signed out (or the server ended the session): that user's kept PDFs
 * and schedules go. */
static void
client_session_cb (VbClient          *client,
                   GParamSpec        *pspec,
                   VbReceptionWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  if (vb_client_get_session (client) != NULL || self->saved_dir == NULL)
    return;
  dir = g_steal_pointer (&self->saved_dir);
  if (!vb_vehicle_panel_delete_saved_dir (dir, &error))
    g_warning ("Could not delete the documents kept for the signed-out user: %s", error->message);
}

static void
vb_reception_window_constructed (GObject *object)
{
  VbReceptionWindow *self = VB_RECEPTION_WINDOW (object);
  g_autoptr(VbClient) client = NULL;

  G_OBJECT_CLASS (vb_reception_window_parent_class)->constructed (object);

  g_object_get (self, "client", &client, NULL);
  vb_desk_view_set_client (self->desk, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_cb), self, 0);
      g_signal_connect_object (client, "notify::session", G_CALLBACK (client_session_cb), self, 0);
      client_cache_cb (client, NULL, self);
    }
}

static void
vb_reception_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_RECEPTION_WINDOW);
  G_OBJECT_CLASS (vb_reception_window_parent_class)->dispose (object);
}

static void
vb_reception_window_finalize (GObject *object)
{
  g_free (VB_RECEPTION_WINDOW (object)->saved_dir);
  G_OBJECT_CLASS (vb_reception_window_parent_class)->finalize (object);
}

static void
vb_reception_window_class_init (VbReceptionWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = vb_reception_window_constructed;
  object_class->dispose = vb_reception_window_dispose;
  object_class->finalize = vb_reception_window_finalize;

  vb_reception_window_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-reception-window.ui");
  vb_shell_window_class_bind_shell_children (widget_class);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.new-customer", NULL, editor_action);
  gtk_widget_class_install_action (widget_class, "win.edit-customer", NULL, editor_action);
  gtk_widget_class_install_action (widget_class, "win.add-vehicle", NULL, editor_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.open-record", "(ss)", open_record_action);
  gtk_widget_class_install_action (widget_class, "win.check-in", "s", check_in_action);
  gtk_widget_class_install_action (widget_class, "win.walk-in-check-in", "s", check_in_action);
  gtk_widget_class_install_action (widget_class, VB_SYNC_PROBLEMS_EDIT_ACTION, "x", edit_sync_problem_action);
}

static void
vb_reception_window_init (VbReceptionWindow *self)
{
  GtkWidget *status;
  GMenu *help_section;
  g_autoptr(GSettings) settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Preferences (app.preferences) opens the primary menu's last section,
   * above Keyboard Shortcuts and About, as the HIG orders them. */
  help_section = G_MENU (gtk_widget_get_template_child (GTK_WIDGET (self), VB_TYPE_SHELL_WINDOW, "help_section"));
  g_menu_prepend (help_section, _("_Preferences"), "app.preferences");
  /* The window's size as it was last left (the bindings hold settings). */
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  /* The shell's children, under this type (vb_shell_window_class_bind_shell_children). */
  self->stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (self), VB_TYPE_RECEPTION_WINDOW, "stack"));
  status = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), VB_TYPE_RECEPTION_WINDOW, "status_page"));
  gtk_stack_page_set_name (gtk_stack_get_page (self->stack, status), "signed-in");
  self->desk = vb_desk_view_new ();
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->desk), "main");
  g_signal_connect_object (self->desk, "notify::page", G_CALLBACK (update_customer_actions), self,
                           G_CONNECT_SWAPPED);
  update_customer_actions (self);
}

/* The resources are compiled with --manual-register (see vb-common.c for
 * why).  Registering twice would corrupt GLib's list of static resources,
 * hence the once: the window class and the application's startup (which
 * needs gtk/help-overlay.ui and style.css before GtkApplication looks for
 * them) both call this. */
void
vb_reception_window_ensure_resources (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      vb_reception_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
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

VbDeskView *
vb_reception_window_get_desk (VbReceptionWindow *self)
{
  g_return_val_if_fail (VB_IS_RECEPTION_WINDOW (self), NULL);
  return self->desk;
}
