/* vb-desk-view.c — the desk's pages in an AdwLeaflet: a sidebar (one
 * search field for everything, then Today, Bookings, Customers, Work
 * Orders, Conversations with its unread badge; Money comes later) and a
 * content stack.  The desk's toasts (VbDeskAlerts) open what they announce.  The
 * customer page and the search results are content pages the sidebar does
 * not list.  Every page reads the client's offline cache, which exists
 * only once the user is known, so the view follows VbClient's
 * notify::cache and hands it on.
 *
 * A widget of its own, not part of the window's template: binding more
 * template children on a subclass of VbShellWindow makes GTK 4.8 look
 * them up in the shell's own template at dispose (and abort).  The
 * window's actions and shortcuts call the functions below.
 */
#include "vb-desk-view.h"
#include "vb-bookings-page.h"
#include "vb-client.h"
#include "vb-conversations-page.h"
#include "vb-desk-alerts.h"
#include "vb-customer-editor.h"
#include "vb-customer-page.h"
#include "vb-list-page.h"
#include "vb-reception-application.h"
#include "vb-today-page.h"
#include "vb-work-order-page.h"

#include <glib/gi18n.h>

struct _VbDeskView
{
  AdwBin parent_instance;

  /* template */
  AdwLeaflet     *leaflet;
  GtkWidget      *sidebar;
  GtkSearchEntry *search_entry;
  GtkListBox     *sidebar_list;
  GtkStack       *content_stack;
  VbTodayPage    *today_page;
  VbBookingsPage *bookings_page;
  VbListPage     *customers_page;
  VbListPage     *work_orders_page;
  VbListPage     *search_page;
  VbCustomerPage *customer_page;
  VbWorkOrderPage *work_order_page;
  VbConversationsPage *conversations_page;
  GtkLabel       *conversations_badge;
  VbDeskAlerts   *alerts;

  VbClient       *client;
  char           *page_before_search;
  GSettings      *settings;        /* Preferences: the Bookings page's default location */
};

G_DEFINE_FINAL_TYPE (VbDeskView, vb_desk_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cache_changed_cb (VbDeskView *self)
{
  VbCache *cache = self->client != NULL ? vb_client_get_cache (self->client) : NULL;

  vb_today_page_set_cache (self->today_page, cache);
  vb_list_page_set_cache (self->customers_page, cache);
  vb_list_page_set_cache (self->work_orders_page, cache);
  vb_list_page_set_cache (self->search_page, cache);
  vb_customer_page_set_cache (self->customer_page, cache);
}

void
vb_desk_view_set_client (VbDeskView *self,
                         VbClient   *client)
{
  g_return_if_fail (VB_IS_DESK_VIEW (self));

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  if (client != NULL)
    g_signal_connect_object (client, "notify::cache", G_CALLBACK (cache_changed_cb), self,
                             G_CONNECT_SWAPPED);
  cache_changed_cb (self);
  vb_bookings_page_set_client (self->bookings_page, client);
  vb_work_order_page_set_client (self->work_order_page, client);
  vb_customer_page_set_client (self->customer_page, client);
  vb_conversations_page_set_client (self->conversations_page, client);
  vb_desk_alerts_set_client (self->alerts, client);
}

/* ------------------------------------------------------ conversations --- */

static void
unread_changed_cb (VbDeskView *self)
{
  guint unread = vb_conversations_page_get_unread (self->conversations_page);
  g_autofree char *count = g_strdup_printf ("%u", unread);
  /* Translators: the sidebar's count of unread customer messages */
  g_autofree char *tooltip = g_strdup_printf (ngettext ("%u unread message", "%u unread messages", unread),
                                              unread);

  gtk_label_set_label (self->conversations_badge, count);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->conversations_badge), tooltip);
  gtk_widget_set_visible (GTK_WIDGET (self->conversations_badge), unread > 0);
}

/* A reply or a ready car elsewhere: a toast that opens it. */
static void
alert_cb (VbDeskAlerts *alerts,
          const char   *title,
          const char   *entity,
          const char   *id,
          VbDeskView   *self)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    return;
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Open"));
  adw_toast_set_action_name (toast, "win.open-record");
  adw_toast_set_action_target_value (toast, g_variant_new ("(ss)", entity, id));
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

const char *
vb_desk_view_get_page (VbDeskView *self)
{
  g_return_val_if_fail (VB_IS_DESK_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

const char *
vb_desk_view_get_customer_id (VbDeskView *self)
{
  g_return_val_if_fail (VB_IS_DESK_VIEW (self), NULL);

  if (g_strcmp0 (vb_desk_view_get_page (self), "customer") != 0)
    return NULL;
  return vb_customer_page_get_customer_id (self->customer_page);
}

/* Shows a content page; the sidebar marks it if it lists it. */
gboolean
vb_desk_view_show_page (VbDeskView *self,
                        const char *name)
{
  GtkListBoxRow *match = NULL;

  g_return_val_if_fail (VB_IS_DESK_VIEW (self), FALSE);

  if (gtk_stack_get_child_by_name (self->content_stack, name) == NULL)
    return FALSE;
  gtk_stack_set_visible_child_name (self->content_stack, name);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), name) == 0)
      match = GTK_LIST_BOX_ROW (row);
  if (match != NULL)
    gtk_list_box_select_row (self->sidebar_list, match);
  else
    gtk_list_box_unselect_all (self->sidebar_list);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
  return TRUE;
}

static void
sidebar_row_activated_cb (GtkListBox    *list,
                          GtkListBoxRow *row,
                          VbDeskView    *self)
{
  vb_desk_view_show_page (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static void
open_customer (VbDeskView *self,
               const char *customer_id)
{
  vb_customer_page_set_customer_id (self->customer_page, customer_id);
  vb_desk_view_show_page (self, "customer");
}

void
vb_desk_view_open_record (VbDeskView *self,
                          const char *entity,
                          const char *id)
{
  VbCache *cache;
  g_autoptr(JsonObject) row = NULL;

  g_return_if_fail (VB_IS_DESK_VIEW (self));

  if (g_str_equal (entity, "customers"))
    {
      open_customer (self, id);
      return;
    }
  if (g_str_equal (entity, "conversations"))
    {
      vb_desk_view_show_page (self, "conversations");
      vb_conversations_page_open_thread (self->conversations_page, id);
      return;
    }
  cache = self->client != NULL ? vb_client_get_cache (self->client) : NULL;
  if (cache != NULL)
    row = vb_cache_get (cache, entity, id);
  /* A work order has its own page, which links to its customer. */
  if (g_str_equal (entity, "work_orders"))
    {
      vb_work_order_page_set_work_order_id (self->work_order_page, id);
      vb_desk_view_show_page (self, "work-order");
      return;
    }
  if (row != NULL && json_object_has_member (row, "customer_id"))
    open_customer (self, json_object_get_string_member_with_default (row, "customer_id", NULL));
}

/* ------------------------------------------------------------ search --- */

static void
search_changed_cb (VbDeskView *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  const char *visible = vb_desk_view_get_page (self);

  vb_list_page_set_search (self->search_page, text);
  if (text[0] != '\0' && g_strcmp0 (visible, "search") != 0)
    {
      g_free (self->page_before_search);
      self->page_before_search = g_strdup (visible);
      vb_desk_view_show_page (self, "search");
    }
  else if (text[0] == '\0' && g_strcmp0 (visible, "search") == 0)
    vb_desk_view_show_page (self, self->page_before_search != NULL ? self->page_before_search : "today");
}

static void
search_activate_cb (VbDeskView *self)
{
  vb_list_page_open_first (self->search_page);
}

static void
stop_search_cb (VbDeskView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* Down in the search field moves into the results. */
static gboolean
search_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       VbDeskView            *self)
{
  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return GDK_EVENT_PROPAGATE;
  if (g_strcmp0 (vb_desk_view_get_page (self), "search") != 0)
    return GDK_EVENT_PROPAGATE;
  return vb_list_page_focus_first (self->search_page);
}

void
vb_desk_view_focus_search (VbDeskView *self)
{
  g_return_if_fail (VB_IS_DESK_VIEW (self));

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* ------------------------------------------------------------ editor --- */

static void
editor_saved_cb (VbCustomerEditor *editor,
                 const char       *customer_id,
                 VbDeskView       *self)
{
  if (customer_id != NULL)
    open_customer (self, customer_id);
}

void
vb_desk_view_open_editor (VbDeskView *self,
                          int         mode)
{
  VbCustomerEditor *editor;
  const char *customer_id = vb_desk_view_get_customer_id (self);

  g_return_if_fail (VB_IS_DESK_VIEW (self));

  if (self->client == NULL || (mode != VB_CUSTOMER_EDITOR_NEW && customer_id == NULL))
    return;
  editor = vb_customer_editor_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), self->client,
                                   mode, mode == VB_CUSTOMER_EDITOR_NEW ? NULL : customer_id);
  g_signal_connect_object (editor, "saved", G_CALLBACK (editor_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

/* ------------------------------------------------------------- set-up --- */

static void
vb_desk_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PAGE:
      g_value_set_string (value, vb_desk_view_get_page (VB_DESK_VIEW (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Preferences' default location, for the Bookings page (at start and when changed). */
static void
default_location_changed_cb (VbDeskView *self)
{
  g_autofree char *location_id = g_settings_get_string (self->settings, "default-location");

  vb_bookings_page_set_default_location (self->bookings_page, location_id);
}

static void
vb_desk_view_dispose (GObject *object)
{
  VbDeskView *self = VB_DESK_VIEW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  if (self->alerts != NULL)
    vb_desk_alerts_set_client (self->alerts, NULL);
  g_clear_object (&self->alerts);
  g_clear_pointer (&self->page_before_search, g_free);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_DESK_VIEW);
  G_OBJECT_CLASS (vb_desk_view_parent_class)->dispose (object);
}

static void
vb_desk_view_class_init (VbDeskViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_desk_view_dispose;
  object_class->get_property = vb_desk_view_get_property;

  /* The visible content page's name. */
  properties[PROP_PAGE] = g_param_spec_string ("page", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VB_TYPE_TODAY_PAGE);
  g_type_ensure (VB_TYPE_BOOKINGS_PAGE);
  g_type_ensure (VB_TYPE_LIST_PAGE);
  g_type_ensure (VB_TYPE_CUSTOMER_PAGE);
  g_type_ensure (VB_TYPE_WORK_ORDER_PAGE);
  g_type_ensure (VB_TYPE_CONVERSATIONS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-desk-view.ui");
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, sidebar);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, content_stack);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, today_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, bookings_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, customers_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, work_orders_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, search_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, customer_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, work_order_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, conversations_page);
  gtk_widget_class_bind_template_child (widget_class, VbDeskView, conversations_badge);
}

static void
vb_desk_view_init (VbDeskView *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->sidebar_list, "row-activated", G_CALLBACK (sidebar_row_activated_cb), self, 0);
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_entry, "activate", G_CALLBACK (search_activate_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_entry, "stop-search", G_CALLBACK (stop_search_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);

  self->settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);
  g_signal_connect_object (self->settings, "changed::default-location", G_CALLBACK (default_location_changed_cb),
                           self, G_CONNECT_SWAPPED);
  default_location_changed_cb (self);

  self->alerts = vb_desk_alerts_new ();
  g_signal_connect_object (self->alerts, "alert", G_CALLBACK (alert_cb), self, 0);
  g_signal_connect_object (self->conversations_page, "notify::unread", G_CALLBACK (unread_changed_cb), self,
                           G_CONNECT_SWAPPED);

  vb_desk_view_show_page (self, "today");
}

VbDeskView *
vb_desk_view_new (void)
{
  return g_object_new (VB_TYPE_DESK_VIEW, NULL);
}
