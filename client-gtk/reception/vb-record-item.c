/* vb-record-item.c — the GtkListView counterpart of VbRecordRow: the same
 * title, subtitle and badge (vb-record-describe.c) laid out like an
 * AdwActionRow, in a plain GtkBox.  A GtkListBoxRow cannot live in a list
 * view (it expects a GtkListBox parent for focus), and list views are what
 * keeps Customers and search usable with 100,000 records: only the visible
 * items exist, and one widget is rebound as the user scrolls.
 */
#include "vb-record-item.h"
#include "vb-record-describe.h"

struct _VbRecordItem
{
  GtkBox parent_instance;

  GtkLabel *title;
  GtkLabel *subtitle;
  GtkLabel *badge;
  VbCache  *cache;
  VbRecord *record;
};

G_DEFINE_FINAL_TYPE (VbRecordItem, vb_record_item, GTK_TYPE_BOX)

static void
update (VbRecordItem *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *badge = NULL;
  const char *style = NULL;

  if (self->record == NULL)
    return;
  vb_desk_describe_record (self->cache, self->record, VB_DESCRIBE_DEFAULT, &title, &subtitle, &badge, &style);
  gtk_label_set_label (self->title, title);
  gtk_label_set_label (self->subtitle, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle), subtitle[0] != '\0');
  gtk_label_set_label (self->badge, badge != NULL ? badge : "");
  gtk_widget_set_visible (GTK_WIDGET (self->badge), badge != NULL);
  for (const char *const *c = (const char *const[]) { "accent", "warning", "success", "error", "dim-label", NULL };
       *c != NULL; c++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), *c);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->badge), style);
}

static void
cache_changed_cb (VbRecordItem       *self,
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

void
vb_record_item_set_record (VbRecordItem *self,
                           VbCache      *cache,
                           VbRecord     *record)
{
  g_return_if_fail (VB_IS_RECORD_ITEM (self));

  if (self->record != NULL)
    g_signal_handlers_disconnect_by_data (self->record, self);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->record, record);
  g_set_object (&self->cache, cache);
  if (record != NULL)
    g_signal_connect_object (record, "notify::row", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  if (cache != NULL)
    g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
  update (self);
}

VbRecord *
vb_record_item_get_record (VbRecordItem *self)
{
  g_return_val_if_fail (VB_IS_RECORD_ITEM (self), NULL);
  return self->record;
}

static void
vb_record_item_dispose (GObject *object)
{
  VbRecordItem *self = VB_RECORD_ITEM (object);

  vb_record_item_set_record (self, NULL, NULL);
  G_OBJECT_CLASS (vb_record_item_parent_class)->dispose (object);
}

static void
vb_record_item_class_init (VbRecordItemClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_record_item_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "vb-record-item");
}

static void
vb_record_item_init (VbRecordItem *self)
{
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);

  gtk_box_set_spacing (GTK_BOX (self), 12);
  self->title = GTK_LABEL (gtk_label_new (NULL));
  self->subtitle = GTK_LABEL (gtk_label_new (NULL));
  self->badge = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_xalign (self->subtitle, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_label_set_wrap (self->subtitle, TRUE);
  gtk_label_set_wrap_mode (self->subtitle, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (self->subtitle, 2);
  gtk_label_set_ellipsize (self->subtitle, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "title");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "subtitle");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->badge), "vb-badge");
  gtk_widget_add_css_class (GTK_WIDGET (self->badge), "caption-heading");
  gtk_widget_set_valign (GTK_WIDGET (self->badge), GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (self->subtitle));
  gtk_box_append (GTK_BOX (self), texts);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->badge));
}

GtkWidget *
vb_record_item_new (void)
{
  return g_object_new (VB_TYPE_RECORD_ITEM, NULL);
}
