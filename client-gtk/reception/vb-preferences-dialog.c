/* vb-preferences-dialog.c — Preferences (Ctrl+comma): the location the
 * Bookings page opens on, the receipt printer, and which events announce
 * themselves.  Everything is a key of io.github.voltbay.Reception, read
 * where it applies (VbDeskView, VbDeskAlerts, vb_print_settings_apply), so
 * a change takes effect at once and the window has no Apply button.
 *
 * The switches are bound to their keys (g_settings_bind).  The two combo
 * rows are lists of strings with a parallel array of values ("" first:
 * automatic / system default): locations from the offline cache (a few
 * records: VbRecordList is fine, and keeps the list live while syncing),
 * printers from GTK's asynchronous enumeration.  A saved value that is
 * not (or not yet) in the list is shown as such, never overwritten: only
 * a choice the user makes writes the key.  Nothing here needs the server.
 */
#include "vb-preferences-dialog.h"
#include "vb-reception-application.h"
#include "vb-record.h"
#include "vb-record-list.h"

#include <glib/gi18n.h>
#include <gtk/gtkunixprint.h>

struct _VbPreferencesDialog
{
  AdwPreferencesWindow parent_instance;

  /* template */
  AdwComboRow  *location_row;
  AdwComboRow  *printer_row;
  GtkSwitch    *replies_switch;
  GtkSwitch    *ready_switch;
  GtkSwitch    *bookings_switch;

  GSettings    *settings;
  VbRecordList *locations;
  GPtrArray    *location_ids;   /* parallel to location_row's model */
  GPtrArray    *printers;       /* printer names found so far */
  GPtrArray    *printer_ids;    /* parallel to printer_row's model */
  gboolean      printers_done;
  gboolean      rebuilding;
  gboolean      writing;        /* our own write: the row already shows it */
};

G_DEFINE_FINAL_TYPE (VbPreferencesDialog, vb_preferences_dialog, ADW_TYPE_PREFERENCES_WINDOW)

/* Fills row with titles, selecting the one whose value is current; a
 * current value not among them is appended as "missing". */
static void
fill_row (VbPreferencesDialog *self,
          AdwComboRow         *row,
          GPtrArray           *values,
          GPtrArray           *titles,
          const char          *current,
          const char          *missing)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  guint selected = 0;
  gboolean found = FALSE;

  for (guint i = 0; i < values->len; i++)
    {
      gtk_string_list_append (model, g_ptr_array_index (titles, i));
      if (g_strcmp0 (g_ptr_array_index (values, i), current) == 0)
        {
          selected = i;
          found = TRUE;
        }
    }
  if (!found && current != NULL)
    {
      g_ptr_array_add (values, g_strdup (current));
      gtk_string_list_append (model, missing);
      selected = values->len - 1;
    }
  self->rebuilding = TRUE;
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (row, selected);
  self->rebuilding = FALSE;
}

/* ------------------------------------------------------- locations --- */

static void
rebuild_locations (VbPreferencesDialog *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, "default-location");
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  guint n = self->locations != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->locations)) : 0;

  g_ptr_array_set_size (self->location_ids, 0);
  g_ptr_array_add (self->location_ids, g_strdup (""));
  g_ptr_array_add (titles, g_strdup (_("My First Location")));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->locations), i);
      const char *name = vb_record_get_string (record, "name");
      const char *code = vb_record_get_string (record, "code");

      g_ptr_array_add (self->location_ids, g_strdup (vb_record_get_id (record)));
      if (name != NULL && code != NULL && code[0] != '\0')
        /* Translators: a location in a list, "District 1 (HCM-D1)" */
        g_ptr_array_add (titles, g_strdup_printf (_("%s (%s)"), name, code));
      else
        g_ptr_array_add (titles, g_strdup (name != NULL ? name : vb_record_get_title (record)));
    }
  fill_row (self, self->location_row, self->location_ids, titles, current,
            _("A location this desk does not have"));
}

static void
location_selected_cb (VbPreferencesDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->location_row);

  if (self->rebuilding || selected >= self->location_ids->len)
    return;
  /* Rebuilding the row's model now would pull it from under its own
   * notify::selected. */
  self->writing = TRUE;
  g_settings_set_string (self->settings, "default-location", g_ptr_array_index (self->location_ids, selected));
  self->writing = FALSE;
}

/* -------------------------------------------------------- printers --- */

static void
rebuild_printers (VbPreferencesDialog *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, "printer");
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_set_size (self->printer_ids, 0);
  g_ptr_array_add (self->printer_ids, g_strdup (""));
  g_ptr_array_add (titles, g_strdup (_("System Default")));
  for (guint i = 0; i < self->printers->len; i++)
    {
      g_ptr_array_add (self->printer_ids, g_strdup (g_ptr_array_index (self->printers, i)));
      g_ptr_array_add (titles, g_strdup (g_ptr_array_index (self->printers, i)));
    }
  /* Until the enumeration ends, a saved printer is only not found yet. */
  fill_row (self, self->printer_row, self->printer_ids, titles, current,
            self->printers_done ? _("A printer that is not connected") : current);
}

static void
printer_selected_cb (VbPreferencesDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->printer_row);

  if (self->rebuilding || selected >= self->printer_ids->len)
    return;
  self->writing = TRUE;
  g_settings_set_string (self->settings, "printer", g_ptr_array_index (self->printer_ids, selected));
  self->writing = FALSE;
}

/* gtk_enumerate_printers() may outlive the window: a weak reference. */
static gboolean
printer_found_cb (GtkPrinter *printer,
                  gpointer    data)
{
  g_autoptr(VbPreferencesDialog) self = g_weak_ref_get (data);

  if (self == NULL)
    return TRUE;
  /* "Print to File" is always in the print dialog; not a receipt printer. */
  if (!gtk_printer_is_virtual (printer) &&
      !g_ptr_array_find_with_equal_func (self->printers, gtk_printer_get_name (printer), g_str_equal, NULL))
    {
      g_ptr_array_add (self->printers, g_strdup (gtk_printer_get_name (printer)));
      rebuild_printers (self);
    }
  return FALSE;
}

static void
printers_done_cb (gpointer data)
{
  g_autoptr(VbPreferencesDialog) self = g_weak_ref_get (data);

  if (self != NULL)
    {
      self->printers_done = TRUE;
      rebuild_printers (self);
    }
  g_weak_ref_clear (data);
  g_free (data);
}

/* ---------------------------------------------------------- object --- */

static void
settings_changed_cb (VbPreferencesDialog *self,
                     const char          *key)
{
  if (self->writing)
    return;
  if (g_str_equal (key, "default-location"))
    rebuild_locations (self);
  else if (g_str_equal (key, "printer"))
    rebuild_printers (self);
}

static void
vb_preferences_dialog_dispose (GObject *object)
{
  VbPreferencesDialog *self = VB_PREFERENCES_DIALOG (object);

  if (self->locations != NULL)
    g_signal_handlers_disconnect_by_data (self->locations, self);
  g_clear_object (&self->locations);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_PREFERENCES_DIALOG);
  G_OBJECT_CLASS (vb_preferences_dialog_parent_class)->dispose (object);
}

static void
vb_preferences_dialog_finalize (GObject *object)
{
  VbPreferencesDialog *self = VB_PREFERENCES_DIALOG (object);

  g_ptr_array_unref (self->location_ids);
  g_ptr_array_unref (self->printers);
  g_ptr_array_unref (self->printer_ids);
  G_OBJECT_CLASS (vb_preferences_dialog_parent_class)->finalize (object);
}

static void
vb_preferences_dialog_class_init (VbPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_preferences_dialog_dispose;
  object_class->finalize = vb_preferences_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VbPreferencesDialog, location_row);
  gtk_widget_class_bind_template_child (widget_class, VbPreferencesDialog, printer_row);
  gtk_widget_class_bind_template_child (widget_class, VbPreferencesDialog, replies_switch);
  gtk_widget_class_bind_template_child (widget_class, VbPreferencesDialog, ready_switch);
  gtk_widget_class_bind_template_child (widget_class, VbPreferencesDialog, bookings_switch);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
vb_preferences_dialog_init (VbPreferencesDialog *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);
  self->location_ids = g_ptr_array_new_with_free_func (g_free);
  self->printers = g_ptr_array_new_with_free_func (g_free);
  self->printer_ids = g_ptr_array_new_with_free_func (g_free);

  g_settings_bind (self->settings, "notify-customer-replies", self->replies_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notify-vehicles-ready", self->ready_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notify-bookings-by-others", self->bookings_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);

  rebuild_locations (self);
  rebuild_printers (self);
  g_signal_connect_object (self->location_row, "notify::selected", G_CALLBACK (location_selected_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->printer_row, "notify::selected", G_CALLBACK (printer_selected_cb), self,
                           G_CONNECT_SWAPPED);

  g_weak_ref_init (ref, self);
  gtk_enumerate_printers (printer_found_cb, ref, printers_done_cb, FALSE);
}

VbPreferencesDialog *
vb_preferences_dialog_new (GtkWindow *parent,
                           VbClient  *client)
{
  VbPreferencesDialog *self = g_object_new (VB_TYPE_PREFERENCES_DIALOG, "transient-for", parent, NULL);
  VbCache *cache = client != NULL ? vb_client_get_cache (client) : NULL;

  if (cache != NULL)
    {
      self->locations = vb_record_list_new (cache, "locations", NULL, "name", FALSE);
      g_signal_connect_object (self->locations, "items-changed", G_CALLBACK (rebuild_locations), self,
                               G_CONNECT_SWAPPED);
      rebuild_locations (self);
    }
  return self;
}
