/* vb-customer-page.c — one customer from the cache: name, contact,
 * consent, vehicles, then each vehicle in detail (VbVehiclePanel: EV data,
 * odometer and battery-health charts, maintenance history with costs, due
 * maintenance and deferred work, documents).
 *
 * The vehicles list comes first (what the desk asks about, with Check In
 * for a walk-in), then contact and consent, then the vehicles' panels.
 *
 * The page follows the cache's ::changed, so an edit made at another desk
 * (or the pull that confirms one made here) shows at once; a customer made
 * here and not yet confirmed by the server carries "Waiting to sync".
 * The vehicles are a VbRecordList filtered in SQL on customer_id, made
 * when a customer is shown (never a list over every vehicle: the cache
 * may hold 100,000); the panels follow it, one per vehicle, kept while
 * the vehicle stays.  Editing and adding a vehicle are the window's
 * actions (win.edit-customer, win.add-vehicle): the page only shows.
 */
#include "vb-customer-page.h"
#include "vb-desk-presentation.h"
#include "vb-record-list.h"
#include "vb-record-row.h"
#include "vb-vehicle-panel.h"

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
  GtkBox               *vehicle_panels;

  VbClient           *client;
  VbCache            *cache;
  char               *customer_id;
  GPtrArray          *rows;          /* contact and consent rows, to remove */
  VbRecordList       *vehicles;      /* this customer's, or NULL */
  VbRecordList       *work_orders;   /* made when asked for */
  GHashTable         *schedules;     /* vehicle id → the server's last maintenance schedule */
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

static void rebind (VbCustomerPage *self);

static void
client_cache_cb (VbCustomerPage *self)
{
  /* The panels read through the client: made again for a new cache.  A
   * new cache is a new user (or a sign-out): the schedules read for the
   * last one are not theirs. */
  g_hash_table_remove_all (self->schedules);
  vb_customer_page_set_cache (self, self->client != NULL ? vb_client_get_cache (self->client) : NULL);
  rebind (self);
}

/* One panel per vehicle of the list, in its order; a panel whose vehicle
 * stays is kept (it holds its own lists and the server's schedule). */
static void
sync_panels (VbCustomerPage *self)
{
  g_autoptr(GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  GtkWidget *child;
  guint n = self->vehicles != NULL && self->client != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->vehicles)) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->vehicle_panels))) != NULL)
    {
      g_hash_table_insert (kept, g_strdup (vb_vehicle_panel_get_vehicle_id (VB_VEHICLE_PANEL (child))),
                           g_object_ref (child));
      gtk_box_remove (self->vehicle_panels, child);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->vehicles), i);
      GtkWidget *panel = g_hash_table_lookup (kept, vb_record_get_id (record));

      if (panel == NULL)
        panel = vb_vehicle_panel_new (self->client, vb_record_get_id (record), self->schedules);
      gtk_box_append (self->vehicle_panels, panel);
    }
}

static void
rebind (VbCustomerPage *self)
{
  GtkWidget *child;

  gtk_list_box_bind_model (self->vehicles_list, NULL, NULL, NULL, NULL);
  if (self->vehicles != NULL)
    g_signal_handlers_disconnect_by_data (self->vehicles, self);
  g_clear_object (&self->vehicles);
  g_clear_object (&self->work_orders);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->vehicle_panels))) != NULL)
    gtk_box_remove (self->vehicle_panels, child);
  if (self->cache == NULL || self->customer_id == NULL)
    return;
  self->vehicles = vb_record_list_new_where (self->cache, "vehicles", "customer_id", self->customer_id,
                                             "plate", FALSE);
  gtk_list_box_bind_model (self->vehicles_list, G_LIST_MODEL (self->vehicles),
                           vb_record_row_create_within_customer_cb, self->cache, NULL);
  g_signal_connect_object (self->vehicles, "items-changed", G_CALLBACK (sync_panels), self, G_CONNECT_SWAPPED);
  sync_panels (self);
}

void
vb_customer_page_set_cache (VbCustomerPage *self,
                            VbCache        *cache)
{
  g_return_if_fail (VB_IS_CUSTOMER_PAGE (self));

  if (self->cache == cache)
    return;
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
  rebind (self);
  update (self);
}

void
vb_customer_page_set_client (VbCustomerPage *self,
                             VbClient       *client)
{
  g_return_if_fail (VB_IS_CUSTOMER_PAGE (self));

  if (self->client == client)
    return;
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  g_hash_table_remove_all (self->schedules);
  if (client != NULL)
    g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_cb), self, G_CONNECT_SWAPPED);
  client_cache_cb (self);
}

void
vb_customer_page_set_customer_id (VbCustomerPage *self,
                                  const char     *id)
{
  g_return_if_fail (VB_IS_CUSTOMER_PAGE (self));

  if (g_strcmp0 (self->customer_id, id) != 0)
    {
      GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->contact_group), GTK_TYPE_SCROLLED_WINDOW);

      g_free (self->customer_id);
      self->customer_id = g_strdup (id);
      rebind (self);
      /* Another customer starts at the top, not where the last one was left. */
      if (scrolled != NULL)
        gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)), 0);
    }
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

  if (self->work_orders == NULL && self->cache != NULL && self->customer_id != NULL)
    self->work_orders = vb_record_list_new_where (self->cache, "work_orders", "customer_id", self->customer_id,
                                                  "number", TRUE);
  return G_LIST_MODEL (self->work_orders);
}

GtkWidget *
vb_customer_page_get_vehicle_panel (VbCustomerPage *self,
                                    const char     *vehicle_id)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_PAGE (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->vehicle_panels));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (vb_vehicle_panel_get_vehicle_id (VB_VEHICLE_PANEL (child)), vehicle_id) == 0)
      return child;
  return NULL;
}

static void
vb_customer_page_dispose (GObject *object)
{
  VbCustomerPage *self = VB_CUSTOMER_PAGE (object);

  vb_customer_page_set_client (self, NULL);
  vb_customer_page_set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CUSTOMER_PAGE);
  G_OBJECT_CLASS (vb_customer_page_parent_class)->dispose (object);
}

static void
vb_customer_page_finalize (GObject *object)
{
  VbCustomerPage *self = VB_CUSTOMER_PAGE (object);

  g_free (self->customer_id);
  g_ptr_array_unref (self->rows);
  g_hash_table_unref (self->schedules);
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
  gtk_widget_class_bind_template_child (widget_class, VbCustomerPage, vehicle_panels);
}

static void
vb_customer_page_init (VbCustomerPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_array_unref);
  gtk_list_box_set_placeholder (self->vehicles_list, make_placeholder (_("No vehicles yet")));
  g_signal_connect_object (self->vehicles_list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
}
