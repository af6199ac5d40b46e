/* vb-problem-editing.c — Edit on a refused change, for the front desk.
 *
 * The sync problems dialog (client-gtk/common) knows no editor; it asks
 * its parent window through "win.edit-sync-problem" (seq), and the
 * reception window answers here.  A refused new customer or customer
 * change opens VbCustomerEditor (NEW under the same client id, so a retry
 * never makes a second customer; or EDIT), a refused vehicle the editor's
 * "add vehicle" for its customer, each filled with what was tried and the
 * server's message on the field it names; when the editor saves, the new
 * change is in the outbox and the old problem is dismissed.  A refused
 * booking opens the Bookings page on its day, where another slot can be
 * chosen (the page lists its refused bookings itself).
 */
#include "vb-problem-editing.h"
#include "vb-bookings-page.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-customer-editor.h"
#include "vb-desk-presentation.h"
#include "vb-sync-engine.h"
#include "vb-sync-problems-dialog.h"

typedef struct
{
  VbCache    *cache;
  VbDeskView *desk;   /* weak */
  GtkWindow  *window; /* weak: the main window */
  gint64      seq;
} Fix;

static void
fix_free (gpointer data,
          GClosure *closure)
{
  Fix *fix = data;

  g_clear_object (&fix->cache);
  g_clear_weak_pointer (&fix->desk);
  g_clear_weak_pointer (&fix->window);
  g_free (fix);
}

static void
editor_saved_cb (VbCustomerEditor *editor,
                 const char       *customer_id,
                 Fix              *fix)
{
  g_autoptr(GError) error = NULL;

  /* Dismissing the last problem closes the problems dialog: the editor
   * must not be left transient for a window that is gone (GTK 4.8 then
   * touches the freed parent when the editor goes). */
  gtk_window_set_transient_for (GTK_WINDOW (editor), fix->window);
  /* The fixed change is in the outbox: the refused one is done with. */
  if (!vb_cache_dismiss_problem (fix->cache, fix->seq, &error) &&
      !g_error_matches (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND))
    g_warning ("Could not dismiss change %" G_GINT64_FORMAT ": %s", fix->seq, error->message);
  if (fix->desk != NULL && customer_id != NULL)
    vb_desk_view_open_record (fix->desk, "customers", customer_id);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* The problems dialog over window, if shown: the editor goes over it. */
static GtkWindow *
problems_dialog_of (GtkWindow *window)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (VB_IS_SYNC_PROBLEMS_DIALOG (item) && gtk_window_get_transient_for (GTK_WINDOW (item)) == window)
        return GTK_WINDOW (item);
    }
  return NULL;
}

static VbBookingsPage *
find_bookings_page (GtkWidget *widget)
{
  if (VB_IS_BOOKINGS_PAGE (widget))
    return VB_BOOKINGS_PAGE (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      VbBookingsPage *page = find_bookings_page (child);

      if (page != NULL)
        return page;
    }
  return NULL;
}

/* The Bookings page on the day of starts_at, in the location's time zone
 * as the page counts days (it moves a day at a time). */
static gboolean
show_booking_day (GtkWindow  *window,
                  VbDeskView *desk,
                  const char *starts_at)
{
  g_autoptr(GDateTime) start = starts_at != NULL ? g_date_time_new_from_iso8601 (starts_at, NULL) : NULL;
  VbBookingsPage *page;
  GtkWindow *dialog;

  if (!vb_desk_view_show_page (desk, "bookings") || (page = find_bookings_page (GTK_WIDGET (desk))) == NULL)
    return FALSE;
  if (start != NULL && vb_bookings_page_get_date (page) != NULL)
    {
      GDateTime *today;
      g_autoptr(GDateTime) there = NULL;
      g_autoptr(GDate) from = NULL;
      g_autoptr(GDate) to = NULL;
      int days;

      gtk_widget_activate_action (GTK_WIDGET (page), "bookings.today", NULL);
      today = vb_bookings_page_get_date (page);
      there = g_date_time_to_timezone (start, g_date_time_get_timezone (today));
      from = g_date_new_dmy (g_date_time_get_day_of_month (today), g_date_time_get_month (today),
                             g_date_time_get_year (today));
      to = g_date_new_dmy (g_date_time_get_day_of_month (there), g_date_time_get_month (there),
                           g_date_time_get_year (there));
      days = g_date_days_between (from, to);
      for (int i = 0; i < ABS (days); i++)
        gtk_widget_activate_action (GTK_WIDGET (page), days > 0 ? "bookings.next-day" : "bookings.previous-day",
                                    NULL);
    }
  /* The page is where the new slot is chosen: out of its way. */
  if ((dialog = problems_dialog_of (window)) != NULL)
    gtk_window_close (dialog);
  return TRUE;
}

gboolean
vb_problem_editing_open (GtkWindow  *window,
                         VbClient   *client,
                         VbDeskView *desk,
                         gint64      seq)
{
  VbSyncEngine *engine;
  VbCache *cache;
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autofree char *field = NULL;
  g_autofree char *message = NULL;
  VbCustomerEditorMode mode;
  const char *customer_id;
  VbCustomerEditor *editor;
  GtkWindow *parent;
  Fix *fix;

  g_return_val_if_fail (GTK_IS_WINDOW (window) && VB_IS_CLIENT (client) && VB_IS_DESK_VIEW (desk), FALSE);

  engine = vb_client_get_sync_engine (client);
  cache = engine != NULL ? vb_sync_engine_get_cache (engine) : NULL;
  entry = cache != NULL ? vb_cache_get_entry (cache, seq) : NULL;
  if (entry == NULL || entry->state != VB_OUTBOX_REFUSED || entry->entity == NULL)
    return FALSE;
  fields = parse_object (entry->fields != NULL ? entry->fields : entry->body);
  if (fields == NULL)
    return FALSE;

  if (g_str_equal (entry->entity, "appointments"))
    return show_booking_day (window, desk, json_object_get_string_member_with_default (fields, "starts_at", NULL));

  if (g_str_equal (entry->entity, "customers") && entry->kind == VB_CHANGE_CREATE)
    {
      mode = VB_CUSTOMER_EDITOR_NEW;
      customer_id = entry->record_id;
    }
  else if (g_str_equal (entry->entity, "customers") && entry->kind == VB_CHANGE_UPDATE)
    {
      mode = VB_CUSTOMER_EDITOR_EDIT;
      customer_id = entry->record_id;
    }
  else if (g_str_equal (entry->entity, "vehicles") && entry->kind == VB_CHANGE_CREATE)
    {
      mode = VB_CUSTOMER_EDITOR_ADD_VEHICLE;
      customer_id = json_object_get_string_member_with_default (fields, "customer_id", NULL);
    }
  else
    return FALSE;
  if (customer_id == NULL)
    return FALSE;

  message = vb_desk_dup_refusal (entry->reply, &field);
  parent = problems_dialog_of (window);
  editor = vb_customer_editor_new (parent != NULL ? parent : window, client, mode, customer_id);
  gtk_window_set_modal (GTK_WINDOW (editor), TRUE);
  vb_customer_editor_show_refused (editor, fields, field, message);
  fix = g_new0 (Fix, 1);
  fix->cache = g_object_ref (cache);
  fix->seq = seq;
  g_set_weak_pointer (&fix->desk, desk);
  g_set_weak_pointer (&fix->window, window);
  g_signal_connect_data (editor, "saved", G_CALLBACK (editor_saved_cb), fix, fix_free, 0);
  gtk_window_present (GTK_WINDOW (editor));
  return TRUE;
}
