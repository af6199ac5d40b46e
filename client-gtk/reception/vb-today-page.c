/* vb-today-page.c — Today: arrivals due (today's booked appointments),
 * vehicles in service, waiting for approval and ready for pickup, with
 * their counts.
 *
 * Every section is a GtkFilterListModel over a VbRecordList of the cache
 * (one list of appointments ordered by start, one of work orders ordered
 * by number), so what another desk or a bay changes arrives through the
 * change feed and the list's ::items-changed, without a refresh.  The
 * sections are built in code from one table: four times the same group in
 * the .ui would only be copies.
 */
#include "vb-today-page.h"
#include "vb-desk-presentation.h"
#include "vb-record-list.h"
#include "vb-record-row.h"

#include <glib/gi18n.h>

typedef struct
{
  const char *name;
  const char *title;
  const char *empty;
  const char *icon_name;
} SectionInfo;

static const SectionInfo section_info[] = {
  { "arrivals", N_("Arrivals Due"), N_("No more arrivals booked for today"), "x-office-calendar-symbolic" },
  { "in-service", N_("In Service"), N_("No vehicles in service"), "emblem-system-symbolic" },
  { "approval", N_("Waiting for Approval"), N_("Nothing waits for a customer’s approval"), "dialog-question-symbolic" },
  { "ready", N_("Ready for Pickup"), N_("No vehicles ready for pickup"), "emblem-ok-symbolic" },
};
#define N_SECTIONS G_N_ELEMENTS (section_info)

struct _VbTodayPage
{
  AdwBin parent_instance;

  /* template */
  GtkStack *stack;
  GtkBox   *sections;
  GtkLabel *date_label;
  GtkBox   *counts_box;

  VbCache            *cache;
  VbRecordList       *appointments;
  VbRecordList       *work_orders;
  GtkFilterListModel *models[N_SECTIONS];
  GtkListBox         *lists[N_SECTIONS];
  GtkLabel           *counts[N_SECTIONS];
  GtkLabel           *group_counts[N_SECTIONS];
};

G_DEFINE_FINAL_TYPE (VbTodayPage, vb_today_page, ADW_TYPE_BIN)

static gboolean
is_arrival (gpointer item,
            gpointer user_data)
{
  JsonObject *row = vb_record_get_row (item);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_autofree char *start = vb_desk_dup_appointment_start (row);

  return g_strcmp0 (json_object_get_string_member_with_default (row, "status", NULL), "booked") == 0 &&
         vb_desk_is_same_local_day (start, now);
}

static gboolean
in_bucket (gpointer item,
           gpointer user_data)
{
  JsonObject *row = vb_record_get_row (item);

  return vb_work_order_status_get_bucket (json_object_get_string_member_with_default (row, "status", NULL)) ==
         (VbDeskBucket) GPOINTER_TO_INT (user_data);
}

static void
update_counts (VbTodayPage *self)
{
  for (guint i = 0; i < N_SECTIONS; i++)
    {
      guint n = self->models[i] != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->models[i])) : 0;
      g_autofree char *text = g_strdup_printf ("%u", n);

      gtk_label_set_label (self->counts[i], text);
      gtk_label_set_label (self->group_counts[i], text);
    }
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  VbTodayPage   *self)
{
  if (VB_IS_RECORD_ROW (row))
    vb_record_row_open (VB_RECORD_ROW (row));
}

static void
update_date (VbTodayPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: the Today page's heading, see g_date_time_format() */
  g_autofree char *text = g_date_time_format (now, _("Today, %A %-d %B"));

  gtk_label_set_label (self->date_label, text);
}

void
vb_today_page_set_cache (VbTodayPage *self,
                         VbCache     *cache)
{
  g_return_if_fail (VB_IS_TODAY_PAGE (self));

  if (self->cache == cache)
    return;
  for (guint i = 0; i < N_SECTIONS; i++)
    {
      gtk_list_box_bind_model (self->lists[i], NULL, NULL, NULL, NULL);
      if (self->models[i] != NULL)
        g_signal_handlers_disconnect_by_data (self->models[i], self);
      g_clear_object (&self->models[i]);
    }
  g_clear_object (&self->appointments);
  g_clear_object (&self->work_orders);
  g_set_object (&self->cache, cache);

  if (cache != NULL)
    {
      self->appointments = vb_record_list_new (cache, "appointments", NULL, "during", FALSE);
      self->work_orders = vb_record_list_new (cache, "work_orders", NULL, "number", FALSE);
      for (guint i = 0; i < N_SECTIONS; i++)
        {
          GtkCustomFilter *filter;
          GListModel *source;

          if (i == 0)
            {
              filter = gtk_custom_filter_new (is_arrival, NULL, NULL);
              source = G_LIST_MODEL (g_object_ref (self->appointments));
            }
          else
            {
              VbDeskBucket bucket = i == 1 ? VB_DESK_BUCKET_IN_SERVICE
                                           : i == 2 ? VB_DESK_BUCKET_APPROVAL : VB_DESK_BUCKET_READY;

              filter = gtk_custom_filter_new (in_bucket, GINT_TO_POINTER (bucket), NULL);
              source = G_LIST_MODEL (g_object_ref (self->work_orders));
            }
          self->models[i] = gtk_filter_list_model_new (source, GTK_FILTER (filter));
          g_signal_connect_object (self->models[i], "items-changed", G_CALLBACK (update_counts), self,
                                   G_CONNECT_SWAPPED);
          gtk_list_box_bind_model (self->lists[i], G_LIST_MODEL (self->models[i]),
                                   vb_record_row_create_cb, cache, NULL);
        }
    }
  update_date (self);
  update_counts (self);
  gtk_stack_set_visible_child_name (self->stack, cache != NULL ? "day" : "empty");
}

GListModel *
vb_today_page_get_section (VbTodayPage *self,
                           const char  *name)
{
  g_return_val_if_fail (VB_IS_TODAY_PAGE (self), NULL);

  for (guint i = 0; i < N_SECTIONS; i++)
    if (g_str_equal (section_info[i].name, name))
      return G_LIST_MODEL (self->models[i]);
  return NULL;
}

/* A count tile on top: the number, and what it counts. */
static GtkLabel *
add_count_tile (VbTodayPage       *self,
                const SectionInfo *info)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *number = gtk_label_new ("0");
  GtkWidget *caption = gtk_label_new (_(info->title));

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "vb-count-tile");
  gtk_widget_add_css_class (number, "title-1");
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  gtk_label_set_justify (GTK_LABEL (caption), GTK_JUSTIFY_CENTER);
  gtk_widget_set_margin_top (number, 12);
  gtk_widget_set_margin_bottom (caption, 12);
  gtk_widget_set_margin_start (caption, 6);
  gtk_widget_set_margin_end (caption, 6);
  gtk_box_append (GTK_BOX (box), number);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (self->counts_box, box);
  return GTK_LABEL (number);
}

static void
vb_today_page_dispose (GObject *object)
{
  VbTodayPage *self = VB_TODAY_PAGE (object);

  vb_today_page_set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_TODAY_PAGE);
  G_OBJECT_CLASS (vb_today_page_parent_class)->dispose (object);
}

static void
vb_today_page_class_init (VbTodayPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_today_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-today-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbTodayPage, stack);
  gtk_widget_class_bind_template_child (widget_class, VbTodayPage, sections);
  gtk_widget_class_bind_template_child (widget_class, VbTodayPage, date_label);
  gtk_widget_class_bind_template_child (widget_class, VbTodayPage, counts_box);
}

static void
vb_today_page_init (VbTodayPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_SECTIONS; i++)
    {
      GtkWidget *group = adw_preferences_group_new ();
      GtkWidget *list = gtk_list_box_new ();
      GtkWidget *placeholder = gtk_label_new (_(section_info[i].empty));
      GtkWidget *count = gtk_label_new ("0");

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _(section_info[i].title));
      gtk_widget_add_css_class (count, "dim-label");
      gtk_widget_add_css_class (count, "numeric");
      gtk_widget_set_valign (count, GTK_ALIGN_CENTER);
      adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), count);
      gtk_widget_add_css_class (placeholder, "dim-label");
      gtk_widget_set_margin_top (placeholder, 18);
      gtk_widget_set_margin_bottom (placeholder, 18);
      gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
      gtk_list_box_set_placeholder (GTK_LIST_BOX (list), placeholder);
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_widget_set_name (list, section_info[i].name);
      g_signal_connect_object (list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
      gtk_box_append (self->sections, group);
      self->lists[i] = GTK_LIST_BOX (list);
      self->group_counts[i] = GTK_LABEL (count);
      self->counts[i] = add_count_tile (self, &section_info[i]);
    }
  update_date (self);
}
