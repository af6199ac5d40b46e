/* vb-reception-application.c — the front desk app: VbApplication plus its
 * window and the desk's keyboard shortcuts.  Everything shared (client,
 * actions, styles) is in the base. */
#include "vb-reception-application.h"
#include "vb-preferences-dialog.h"
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

/* app.open-record (entity, id): what a desktop notification's click
 * activates (VbNotifier); the window shows the record. */
static void
open_record_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window == NULL)
    return;
  gtk_window_present (window);
  gtk_widget_activate_action_variant (GTK_WIDGET (window), "win.open-record", parameter);
}

/* app.preferences (Ctrl+comma, the primary menu): over the active window. */
static void
preferences_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  VbPreferencesDialog *dialog;

  dialog = vb_preferences_dialog_new (window, vb_application_get_client (VB_APPLICATION (user_data)));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
vb_reception_application_startup (GApplication *application)
{
  static const GActionEntry actions[] = {
    { .name = "open-record", .activate = open_record_cb, .parameter_type = "(ss)" },
    { .name = "preferences", .activate = preferences_cb },
  };
  static const struct { const char *action; const char *accels[3]; } shortcuts[] = {
    { "win.search", { "<Control>f", "<Control>k", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.new-customer", { "<Control>n", NULL } },
    { "win.edit-customer", { "<Control>e", NULL } },
    { "win.add-vehicle", { "<Control><Shift>n", NULL } },
    { "win.show-page::today", { "<Alt>1", NULL } },
    { "win.show-page::customers", { "<Alt>2", NULL } },
    { "win.show-page::work-orders", { "<Alt>3", NULL } },
    { "win.show-page::bookings", { "<Control>b", NULL } },
    { "win.show-page::conversations", { "<Control><Shift>m", NULL } },
  };

  /* Before the startup of GtkApplication and AdwApplication, which look
   * for gtk/help-overlay.ui and style.css under the resource base path. */
  vb_reception_window_ensure_resources ();
  G_APPLICATION_CLASS (vb_reception_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (application), actions, G_N_ELEMENTS (actions), application);

  for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application), shortcuts[i].action,
                                           shortcuts[i].accels);
}

static void
vb_reception_application_class_init (VbReceptionApplicationClass *klass)
{
  G_APPLICATION_CLASS (klass)->startup = vb_reception_application_startup;
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
