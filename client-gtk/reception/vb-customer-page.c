/* vb-customer-page.c — one customer from the cache: name, contact,
 * consent, vehicles with their EV data, work orders.
 *
 * Vehicles and work orders come first (what the desk asks about), then
 * contact and consent.
 *
 * The page follows the cache's ::changed, so an edit made at another desk
 * (or the pull that confirms one made here) shows at once; a customer made
 * here and not yet confirmed by the server carries "Waiting to sync".
 * Vehicles and work orders are GtkFilterListModels over VbRecordLists
 * (live, one filter on customer_id).  Editing and adding a vehicle are
 * the window's actions (win.edit-customer, win.add-vehicle): the page only
 * shows.
 */
#include "vb-customer-page.h"
#include "vb-desk-presentation.h"
#include "vb-record-list.h"
#include "vb-record-row.h"

#include <glib/gi18n.h>

struct _VbCustomerPage
{
  AdwBin parent_instance;

  /* template */
  GtkStack             *stack;
  AdwAvatar            *avatar;
  GtkLabel             *name_label;
  GtkLabel             *kind_label;
  GtkLabel             *waiting_label;
  AdwPreferencesGroup  *contact_group;
  GtkListBox           *vehicles_list;
  GtkListBox           *work_orders_list;

  VbCache            *cache;
  char               *customer_id;
  GPtrArray          *rows;          /* contact and consent rows, to remove */
  VbRecordList       *all_vehicles;
  VbRecordList       *all_work_orders;
  GtkFilterListModel *vehicles;
  GtkFilterListModel *work_orders;
  GtkCustomFilter    *vehicle_filter;
  GtkCustomFilter    *work_order_filter;
};

G_DEFINE_FINAL_TYPE (VbCustomerPage, vb_customer_page, ADW_TYPE_BIN)

static void
add_row (VbCustomerPage      *self,
         AdwPreferencesGroup *group,
         const char          *title,
         const char          *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, row);
}

/* "+84901234567, +84…" from a JSON array of strings. */
static char *
join_array (JsonObject *row,
            const char *member)
{
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *array;

  if (!json_object_has_member (row, member) || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, member)))
    return NULL;
  array = json_object_get_array_member (row, member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *value = json_array_get_string_element (array, i);

      if (value == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, value);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static gboolean
consent_given (JsonObject *row,
               const char *purpose)
{
  JsonObject *consent;

  if (!json_object_has_member (row, "consent") || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (row, "consent")))
    return FALSE;
  consent = json_object_get_object_member (row, "consent");
  if (!json_object_has_member (consent, purpose) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (consent, purpose)))
    return FALSE;
  return json_object_get_boolean_member_with_default (json_object_get_object_member (consent, purpose),
                                                      "given", FALSE);
}

static void
update (VbCustomerPage *self)
{
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *name = NULL;
  g_autofree char *phones = NULL;
  g_autofree char *emails = NULL;
  const char *address;
  const char *language;
  static const struct { const char *purpose; const char *title; } purposes[] = {
    { "sms", N_("Service updates by SMS") },
    { "email", N_("Service updates by e-mail") },
    { "marketing", N_("Marketing") },
  };

  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *widget = self->rows->pdata[i];
      AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_GROUP));

      if (group != NULL)
        adw_preferences_group_remove (group, widget);
    }
  g_ptr_array_set_size (self->rows, 0);

  if (self->cache != NULL && self->customer_id != NULL)
    row = vb_cache_get (self->cache, "customers", self->customer_id);
  if (row == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "missing");
      return;
    }

  name = vb_desk_dup_customer_name (row);
  gtk_label_set_label (self->name_label, name);
  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_label (self->kind_label,
                       g_strcmp0 (json_object_get_string_member_with_default (row, "kind", NULL), "company") == 0
                       ? _("Company") : _("Person"));
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), vb_desk_row_is_waiting (row));

  phones = join_array (row, "phones");
  emails = join_array (row, "emails");
  address = json_object_get_string_member_with_default (row, "address", "");
  language = json_object_get_string_member_with_default (row, "preferred_language", "vi");
  add_row (self, self->contact_group, _("Phone"), phones != NULL ? phones : _("None"));
  add_row (self, self->contact_group, _("E-mail"), emails != NULL ? emails : _("None"));
  if (address[0] != '\0')
    add_row (self, self->contact_group, _("Address"), address);
  add_row (self, self->contact_group, _("Language"),
           g_strcmp0 (language, "en") == 0 ? _("English") : _("Vietnamese"));
  {
    g_autoptr(GString) given = g_string_new (NULL);

    for (gsize i = 0; i < G_N_ELEMENTS (purposes); i++)
      if (consent_given (row, purposes[i].purpose))
        {
          if (given->len > 0)
            g_string_append (given, ", ");
          g_string_append (given, _(purposes[i].title));
        }
    add_row (self, self->contact_group, _("Consent"),
             given->len > 0 ? given->str : _("None given: no messages to this customer"));
  }

  gtk_stack_set_visible_child_name (self->stack, "customer");
}

static void
cache_changed_cb (VbCustomerPage     *self,
                  const char * const *entities)
{
  if (entities != NULL && g_strv_contains (entities, "customers"))
    update (self);
}

static gboolean
belongs_to_customer (gpointer item,
                     gpointer user_data)
{
  VbCustomerPage *self = user_data;

  return self->customer_id != NULL &&
         g_strcmp0 (vb_record_get_string (item, "customer_id"), self->customer_id) == 0;
}

static void
row_activated_cb (GtkListBox     *list,
                  GtkListBoxRow  *row,
                  VbCustomerPage *self)
{
  if (VB_IS_RECORD_ROW (row) &&
      g_str_equal (vb_record_get_entity (vb_record_row_get_record (VB_RECORD_ROW (row))), "work_orders"))
    vb_record_row_open (VB_RECORD_ROW (row));
}

static GtkWidget *
make_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

void
vb_customer_page_set_cache (VbCustomerPage *self,
                            VbCache        *cache)
{
  g_return_if_fail (VB_IS_CUSTOMER_PAGE (self));

  if (self->cache == cache)
    return;
  gtk_list_box_bind_model (self->vehicles_list, NULL, NULL, NULL, NULL);
  gtk_list_box_bind_model (self->work_orders_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->vehicles);
  g_clear_object (&self->work_orders);
  g_clear_object (&self->all_vehicles);
  g_clear_object (&self->all_work_orders);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    {
      self->all_vehicles = vb_record_list_new (cache, "vehicles", NULL, "plate", FALSE);
      self->all_work_orders = vb_record_list_new (cache, "work_orders", NULL, "number", TRUE);
      self->vehicles = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->all_vehicles)),
                                                  GTK_FILTER (g_object_ref (self->vehicle_filter)));
      self->work_orders = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->all_work_orders)),
                                                     GTK_FILTER (g_object_ref (self->work_order_filter)));
      gtk_list_box_bind_model (self->vehicles_list, G_LIST_MODEL (self->vehicles),
                               vb_record_row_create_within_customer_cb, cache, NULL);
      gtk_list_box_bind_model (self->work_orders_list, G_LIST_MODEL (self->work_orders),
                               vb_record_row_create_within_customer_cb, cache, NULL);
      g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
    }
  update (self);
}

void
vb_customer_page_set_customer_id (VbCustomerPage *self,
                                  const char     *id)
{
  g_return_if_fail (VB_IS_CUSTOMER_PAGE (self));

  g_free (self->customer_id);
  self->customer_id = g_strdup (id);
  gtk_filter_changed (GTK_FILTER (self->vehicle_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_filter_changed (GTK_FILTER (self->work_order_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update (self);
}

const char *
vb_customer_page_get_customer_id (VbCustomerPage *self)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_PAGE (self), NULL);
  return self->customer_id;
}

GListModel *
vb_customer_page_get_vehicles (VbCustomerPage *self)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_PAGE (self), NULL);
  return G_LIST_MODEL (self->vehicles);
}

GListModel *
vb_customer_page_get_work_orders (VbCustomerPage *self)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_PAGE (self), NULL);
  return G_LIST_MODEL (self->work_orders);
}

static void
vb_customer_page_dispose (GObject *object)
{
  VbCustomerPage *self = VB_CUSTOMER_PAGE (object);

  vb_customer_page_set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CUSTOMER_PAGE);
  g_clear_object (&self->vehicle_filter);
  g_clear_object (&self->work_order_filter);
  G_OBJECT_CLASS (vb_customer_page_parent_class)->dispose (object);
}

static void
vb_customer_page_finalize (GObject *object)
{
  VbCustomerPage *self = VB_CUSTOMER_PAGE (object);

  g_free (self->customer_id);
  g_ptr_array_unref (self->rows);
  G_OBJECT_CLASS (vb_customer_page_parent_class)->finalize (object);
}

static void
vb_customer_page_class_init (VbCustomerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_customer_page_dispose;
  object_class->finalize = vb_customer_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-customer-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, stack);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, kind_label);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, contact_group);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, vehicles_list);
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, work_orders_list);
}

static void
vb_customer_page_init (VbCustomerPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->vehicle_filter = gtk_custom_filter_new (belongs_to_customer, self, NULL);
  self->work_order_filter = gtk_custom_filter_new (belongs_to_customer, self, NULL);
  gtk_list_box_set_placeholder (self->vehicles_list, make_placeholder (_("No vehicles yet")));
  gtk_list_box_set_placeholder (self->work_orders_list, make_placeholder (_("No work orders yet")));
  g_signal_connect_object (self->vehicles_list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
  g_signal_connect_object (self->work_orders_list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
}
