/* vb-record-row.c — a cached record as an AdwActionRow: the same title,
 * subtitle and badge wherever a customer, vehicle, work order or
 * appointment is listed (Today, search, lists, the customer page).
 *
 * The texts come from vb-desk-presentation.c and from the records the row
 * refers to (a work order's customer and vehicle, an appointment's
 * services), read from the cache.  The row follows its VbRecord
 * (notify::row) and the cache's ::changed for those related entities, so a
 * renamed customer or a status moved at the bay shows without a refresh.
 */
#include "vb-record-row.h"
#include "vb-desk-presentation.h"
#include "vb-record-describe.h"

#include <glib/gi18n.h>

struct _VbRecordRow
{
  AdwActionRow parent_instance;

  VbCache  *cache;
  VbRecord *record;
  GtkLabel *badge;
  GtkWidget *check_in_button;   /* booked arrivals, a customer's vehicles */
  VbDescribeFlags flags;
};

G_DEFINE_FINAL_TYPE (VbRecordRow, vb_record_row, ADW_TYPE_ACTION_ROW)

static void
set_badge (VbRecordRow *self,
           const char  *text,
           const char  *style)
{
  gtk_widget_set_visible (GTK_WIDGET (self->badge), text != NULL);
  gtk_label_set_label (self->badge, text != NULL ? text : "");
  for (const char *const *c = (const char *const[]) { "accent", "warning", "success", "error", "dim-label", NULL };
       *c != NULL; c++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), *c);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->badge), style);
}

/* "Check In" on a booked arrival (win.check-in) and, on the customer's
 * page, on each of their vehicles for a walk-in (win.walk-in-check-in). */
static void
update_check_in (VbRecordRow *self)
{
  const char *entity = vb_record_get_entity (self->record);
  gboolean booked = g_str_equal (entity, "appointments") &&
                    g_strcmp0 (vb_record_get_string (self->record, "status"), "booked") == 0;
  gboolean walk_in = g_str_equal (entity, "vehicles") && (self->flags & VB_DESCRIBE_WITHIN_CUSTOMER) != 0;

  if ((booked || walk_in) && self->check_in_button == NULL)
    {
      self->check_in_button = gtk_button_new_with_mnemonic (_("Check _In"));
      gtk_widget_set_valign (self->check_in_button, GTK_ALIGN_CENTER);
      gtk_widget_set_name (self->check_in_button, "check_in_button");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->check_in_button),
                                      walk_in ? "win.walk-in-check-in" : "win.check-in");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->check_in_button), "s",
                                        vb_record_get_id (self->record));
      if (walk_in)
        gtk_widget_set_tooltip_text (self->check_in_button, _("Walk-in Check-in"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->check_in_button);
    }
  if (self->check_in_button != NULL)
    gtk_widget_set_visible (self->check_in_button, booked || walk_in);
}

static void
update (VbRecordRow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *badge = NULL;
  const char *style = NULL;

  vb_desk_describe_record (self->cache, self->record, self->flags, &title, &subtitle, &badge, &style);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  set_badge (self, badge, style);
  update_check_in (self);
}

static void
cache_changed_cb (VbRecordRow        *self,
                  const char * const *entities)
{
  static const char *const related[] = { "customers", "vehicles", "service_types", NULL };

  for (guint i = 0; entities != NULL && entities[i] != NULL; i++)
    if (g_strv_contains (related, entities[i]))
      {
        update (self);
        return;
      }
}

static void
vb_record_row_dispose (GObject *object)
{
  VbRecordRow *self = VB_RECORD_ROW (object);

  g_clear_object (&self->record);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (vb_record_row_parent_class)->dispose (object);
}

static void
vb_record_row_class_init (VbRecordRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_record_row_dispose;
}

static void
vb_record_row_init (VbRecordRow *self)
{
  self->badge = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_valign (GTK_WIDGET (self->badge), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->badge), "vb-badge");
  gtk_widget_add_css_class (GTK_WIDGET (self->badge), "caption-heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->badge));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), TRUE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (self), 2);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (self), 1);
}

GtkWidget *
vb_record_row_new (VbCache  *cache,
                   VbRecord *record)
{
  VbRecordRow *self;

  g_return_val_if_fail (VB_IS_RECORD (record), NULL);

  self = g_object_new (VB_TYPE_RECORD_ROW, NULL);
  self->cache = cache != NULL ? g_object_ref (cache) : NULL;
  self->record = g_object_ref (record);
  g_signal_connect_object (record, "notify::row", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  if (cache != NULL)
    g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

VbRecord *
vb_record_row_get_record (VbRecordRow *self)
{
  g_return_val_if_fail (VB_IS_RECORD_ROW (self), NULL);
  return self->record;
}

const char *
vb_record_row_get_badge (VbRecordRow *self)
{
  g_return_val_if_fail (VB_IS_RECORD_ROW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->badge)) ? gtk_label_get_label (self->badge) : NULL;
}

GtkWidget *
vb_record_row_create_cb (gpointer item,
                         gpointer user_data)
{
  return vb_record_row_new (user_data, VB_RECORD (item));
}

GtkWidget *
vb_record_row_create_within_customer_cb (gpointer item,
                                         gpointer user_data)
{
  VbRecordRow *self = VB_RECORD_ROW (vb_record_row_new (user_data, VB_RECORD (item)));

  self->flags = VB_DESCRIBE_WITHIN_CUSTOMER;
  update (self);
  /* Only work orders lead somewhere from the customer's page. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self),
                                    g_str_equal (vb_record_get_entity (VB_RECORD (item)), "work_orders"));
  return GTK_WIDGET (self);
}

void
vb_record_row_open (VbRecordRow *self)
{
  g_return_if_fail (VB_IS_RECORD_ROW (self));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.open-record", "(ss)",
                              vb_record_get_entity (self->record),
                              vb_record_get_id (self->record));
}
