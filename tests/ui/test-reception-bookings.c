/* test-reception-bookings.c — the front desk's Bookings page, driven in
 * the real voltbay-reception window against a real TLS server and
 * PostgreSQL (through run-gui-test.sh, like test-reception-pages.c).
 *
 *   1. sign in, open Bookings (Ctrl+B), tick a service: the location's
 *      free slots come from the server (the first day that has some);
 *   2. book one for a customer and their car: it is in PostgreSQL exactly
 *      once, listed on the day, and its slot is gone;
 *   3. another desk books a slot through the API: it leaves the page by
 *      itself, without a refresh;
 *   4. reschedule to another free slot (PATCH with version), then cancel
 *      (confirmed in a dialog): PostgreSQL follows;
 *   5. the server stops: the page says free slots need the server; a
 *      booking at a typed time is saved at once and flagged "Waiting to
 *      sync"; the server returns, and it is confirmed, once.
 * Screenshots in <build>/tests/ui-artifacts/pages-bookings-*.png.
 */
#include <adwaita.h>
#include <string.h>

#include "vb-gui-test.h"

#include "vb-bookings-page.h"
#include "vb-bookings-week.h"
#include "vb-booking-presentation.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-record.h"
#include "vb-sign-in-view.h"
#include "vb-sync-engine.h"

#define DESK_EMAIL    "mai.vo@example.com"
#define DESK_NAME     "Mai Vo"
#define DESK_PASSWORD "front desk password 43"
#define WAIT_MS       30000

static VbTestServer           *server;
static VbReceptionApplication *app;

/* Helpers */

static VbReceptionWindow *
window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (VB_IS_RECEPTION_WINDOW (l->data))
      return l->data;
  g_assert_not_reached ();
}

static gpointer
win_child (const char *name)
{
  return vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, name);
}

static gpointer
desk_child (const char *name)
{
  return vb_gui_child (vb_reception_window_get_desk (window ()), VB_TYPE_DESK_VIEW, name);
}

static VbClient *
client (void)
{
  return vb_application_get_client (VB_APPLICATION (app));
}

static gboolean
label_is (gpointer data)
{
  return g_strcmp0 (vb_connection_indicator_get_label (win_child ("indicator")), data) == 0;
}

static gboolean
stack_is (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (win_child ("stack")), data) == 0;
}

static gboolean
content_is (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (desk_child ("content_stack")), data) == 0;
}

static gboolean
step_is (gpointer data)
{
  VbSignInView *view = win_child ("sign_in_view");

  return stack_is ("sign-in") && g_strcmp0 (vb_sign_in_view_get_step (view), data) == 0;
}

static char *
db_value (const char *sql,
          const char *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param != NULL ? 1 : 0, param != NULL ? params : NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return g_strdup (vb_db_get (res, 0, 0));
}

static gint64
db_count (const char *sql,
          const char *param)
{
  g_autofree char *value = db_value (sql, param);

  return g_ascii_strtoll (value, NULL, 10);
}

static void
sign_in (void)
{
  VbLoginPage *page;
  AdwMessageDialog *trust;

  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  page = vb_gui_child (win_child ("sign_in_view"), VB_TYPE_SIGN_IN_VIEW, "login_page");
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "server_row"), server->base_url);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "email_row"), DESK_EMAIL);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "password_row"), DESK_PASSWORD);
  gtk_widget_activate (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "sign_in_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  trust = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (trust, "trust");
  gtk_window_destroy (GTK_WINDOW (trust));
  g_assert_true (vb_gui_wait_for (stack_is, "main", WAIT_MS));
}


static VbBookingsPage *
page (void)
{
  return desk_child ("bookings_page");
}

/* The page has the server's answer for the day (some slots, or none). */
static gboolean
slots_ready (gpointer data)
{
  return !vb_bookings_page_is_fetching (page ()) &&
         (vb_bookings_page_get_n_slots (page ()) > 0 ||
          strstr (vb_bookings_page_get_slots_status (page ()), "No free slots") != NULL);
}

static gboolean
slot_shown (const char *starts_at,
            const char *bay_id)
{
  for (guint i = 0; i < vb_bookings_page_get_n_slots (page ()); i++)
    {
      JsonObject *slot = vb_bookings_page_get_slot (page (), i);

      if (g_strcmp0 (json_object_get_string_member (slot, "starts_at"), starts_at) == 0 &&
          g_strcmp0 (json_object_get_string_member (slot, "bay_id"), bay_id) == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  char *starts_at;
  char *bay_id;
} Slot;

static gboolean
slot_gone (gpointer data)
{
  Slot *slot = data;

  return !vb_bookings_page_is_fetching (page ()) && !slot_shown (slot->starts_at, slot->bay_id);
}

static Slot
copy_slot (guint position)
{
  JsonObject *slot = vb_bookings_page_get_slot (page (), position);

  return (Slot) { g_strdup (json_object_get_string_member (slot, "starts_at")),
                  g_strdup (json_object_get_string_member (slot, "bay_id")) };
}

static void
slot_clear (Slot *slot)
{
  g_clear_pointer (&slot->starts_at, g_free);
  g_clear_pointer (&slot->bay_id, g_free);
}

typedef struct
{
  const char *id;
  const char *badge;
} BadgeIs;

static gboolean
badge_is (gpointer data)
{
  BadgeIs *b = data;

  return g_strcmp0 (vb_bookings_page_get_badge (page (), b->id), b->badge) == 0;
}

typedef struct
{
  const char *sql;
  const char *param;
  gint64      expect;
} DbIs;

static gboolean
db_is (gpointer data)
{
  DbIs *d = data;

  return db_count (d->sql, d->param) == d->expect;
}

static gboolean
status_mentions (gpointer data)
{
  return strstr (vb_bookings_page_get_slots_status (page ()), data) != NULL;
}

/* Scrolls the page so its template child name is at the top (for the
 * screenshots; the page is taller than the window). */
static void
scroll_to (const char *name)
{
  GtkWidget *widget = vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, name);
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  graphene_rect_t bounds;

  vb_gui_settle (100);
  g_assert_true (gtk_widget_compute_bounds (widget, content, &bounds));
  gtk_adjustment_set_value (adjustment, bounds.origin.y - 60);
  vb_gui_settle (100);
}

/* A template child of the page's week view (VbBookingsWeek). */
static gpointer
week_child (const char *name)
{
  return vb_gui_child (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "week"), VB_TYPE_BOOKINGS_WEEK, name);
}

/* A widget of the page's week grid or customer list, by its name. */
static GtkWidget *
named_in (const char *parent,
          const char *name)
{
  GtkWidget *box = g_str_equal (parent, "week_grid") ? week_child ("grid")
                                                     : vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, parent);

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
      return child;
  return NULL;
}

/* A lane of the day headed @data (a GtkListBox row's header). */
static gboolean
lane_headed (gpointer data)
{
  GtkWidget *list = vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "day_list");

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *header = GTK_IS_LIST_BOX_ROW (child) ? gtk_list_box_row_get_header (GTK_LIST_BOX_ROW (child)) : NULL;

      if (GTK_IS_LABEL (header) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (header)), data) == 0 &&
          gtk_widget_get_mapped (header))
        return TRUE;
    }
  return FALSE;
}

static gboolean
named_shown (gpointer data)
{
  const char * const *where = data;
  GtkWidget *widget = named_in (where[0], where[1]);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

typedef struct
{
  GDateTime *day;
  guint      expect;
} WeekIs;

static gboolean
week_is (gpointer data)
{
  WeekIs *w = data;
  GtkLabel *status = week_child ("status");

  return vb_bookings_page_get_week_booked (page (), w->day) == w->expect &&
         strstr (gtk_label_get_label (status), "Free time per bay") != NULL;
}

/* Offline: types the slot's time and picks its bay, books; the id. */
static char *
book_offline (Slot *slot)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (slot->starts_at, NULL);
  g_autoptr(GDateTime) there = g_date_time_to_timezone (at, g_date_time_get_timezone (vb_bookings_page_get_date (page ())));
  g_autofree char *typed = g_date_time_format (there, "%H:%M");
  GtkDropDown *dropdown = vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "bay_dropdown");
  GListModel *bays = gtk_drop_down_get_model (dropdown);
  guint position = GTK_INVALID_LIST_POSITION;

  gtk_editable_set_text (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "time_row"), typed);
  for (guint i = 0; i < g_list_model_get_n_items (bays); i++)
    {
      g_autoptr(VbRecord) bay = g_list_model_get_item (bays, i);

      if (g_strcmp0 (vb_record_get_id (bay), slot->bay_id) == 0)
        position = i;
    }
  g_assert_cmpuint (position, !=, GTK_INVALID_LIST_POSITION);
  gtk_drop_down_set_selected (dropdown, position);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.book", NULL));
  return g_strdup (vb_bookings_page_get_last_booking (page ()));
}

static gboolean
problems_are (gpointer data)
{
  VbSyncEngine *engine = vb_client_get_sync_engine (client ());

  return engine != NULL && vb_sync_engine_get_problems (engine) == GPOINTER_TO_UINT (data) &&
         vb_sync_engine_get_pending (engine) == 0;
}

/* The case */

static void
bookings_day (void)
{
  g_autofree char *service = db_value ("SELECT id FROM service_types WHERE active AND required_hv_level = 0"
                                       " ORDER BY code LIMIT 1", NULL);
  g_autofree char *location = db_value ("SELECT id FROM locations WHERE code = $1", "HCM-D1");
  g_autofree char *vehicle = db_value ("SELECT v.id FROM vehicles v JOIN locations l ON l.id = v.location_id"
                                       " WHERE l.code = $1 AND v.plate <> '' ORDER BY v.plate LIMIT 1", "HCM-D1");
  g_autofree char *customer = db_value ("SELECT customer_id FROM vehicles WHERE id = $1::uuid", vehicle);
  g_autofree char *customer_name = db_value ("SELECT display_name FROM customers WHERE id = $1::uuid", customer);
  g_autoptr(GDateTime) shown_day = NULL;
  g_autofree char *day_text = NULL;
  const char *customer_row[] = { "customer_results", NULL };
  const char *day_button[] = { "week_grid", NULL };
  GtkWidget *results;
  GListModel *vehicles;
  WeekIs week;
  g_autofree char *booking = NULL;
  g_autofree char *technician_name = NULL;
  g_autofree char *offline_booking = NULL;
  g_autofree char *refused_booking = NULL;
  g_autofree char *other_token = NULL;
  g_autofree char *body = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_auto(GStrv) accels = NULL;
  Slot first = { 0 }, other = { 0 }, moved = { 0 }, spare = { 0 };
  BadgeIs badge;
  DbIs db;
  AdwMessageDialog *dialog;
  guint n;

  sign_in ();
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));

  /* 1. Bookings, by its shortcut's action. */
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-page::bookings");
  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>b"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.show-page", "s", "bookings"));
  g_assert_true (content_is ("bookings"));
  g_assert_nonnull (vb_bookings_page_get_day (page ()));
  g_assert_nonnull (strstr (vb_bookings_page_get_slots_status (page ()), "Choose services"));
  vb_bookings_page_set_service_chosen (page (), service, TRUE);
  /* The first day with free slots (Sundays are closed; today may be over). */
  for (guint day = 0; day < 8; day++)
    {
      g_assert_true (vb_gui_wait_for (slots_ready, NULL, WAIT_MS));
      if (vb_bookings_page_get_n_slots (page ()) >= 4)
        break;
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.next-day", NULL));
    }
  n = vb_bookings_page_get_n_slots (page ());
  g_assert_cmpuint (n, >=, 4);
  scroll_to ("slots_status");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-01-slots");

  /* 2. Book the first free slot, for a customer found by typing their
   * name (nothing is listed before). */
  results = vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "customer_results");
  g_assert_false (gtk_widget_get_visible (results));
  g_assert_null (vb_bookings_page_get_customer (page ()));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.book", NULL));
  g_assert_nonnull (strstr (gtk_label_get_label (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "book_error")),
                            "Choose a customer"));
  g_assert_true (vb_bookings_page_search_customer (page (), customer_name));
  customer_row[1] = customer;
  g_assert_true (vb_gui_wait_for (named_shown, customer_row, WAIT_MS));
  g_assert_cmpuint (gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (named_in ("customer_results", customer))), <, 8);
  scroll_to ("who_list");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-01b-customer-search");
  g_signal_emit_by_name (results, "row-activated", named_in ("customer_results", customer));
  g_assert_cmpstr (vb_bookings_page_get_customer (page ()), ==, customer);
  g_assert_cmpstr (gtk_editable_get_text (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "customer_entry")), ==,
                   customer_name);
  g_assert_false (gtk_widget_get_visible (results));
  /* Their vehicles only, the one wanted among them. */
  vehicles = gtk_drop_down_get_model (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "vehicle_dropdown"));
  g_assert_cmpint (g_list_model_get_n_items (vehicles), ==,
                   db_count ("SELECT count(*) FROM vehicles WHERE customer_id = $1::uuid", customer));
  for (guint i = 0; i < g_list_model_get_n_items (vehicles); i++)
    {
      g_autoptr(VbRecord) car = g_list_model_get_item (vehicles, i);

      g_assert_cmpstr (vb_record_get_string (car, "customer_id"), ==, customer);
    }
  g_assert_true (vb_bookings_page_set_customer (page (), customer, vehicle));
  first = copy_slot (0);
  g_assert_true (vb_bookings_page_choose_slot (page (), first.starts_at, first.bay_id));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.book", NULL));
  booking = g_strdup (vb_bookings_page_get_last_booking (page ()));
  g_assert_nonnull (booking);
  /* Its slot goes at once (the cache's provisional booking takes it). */
  g_assert_false (slot_shown (first.starts_at, first.bay_id));
  db = (DbIs) { "SELECT count(*) FROM appointments WHERE id = $1::uuid AND status = 'booked'", booking, 1 };
  g_assert_true (vb_gui_wait_for (db_is, &db, WAIT_MS));
  g_assert_cmpint (db_count ("SELECT count(*) FROM appointments WHERE customer_id = $1::uuid", customer), ==, 1);
  badge = (BadgeIs) { booking, "Booked" };
  g_assert_true (vb_gui_wait_for (badge_is, &badge, WAIT_MS));
  g_assert_true (vb_gui_wait_for (slot_gone, &first, WAIT_MS));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-02-booked");

  /* The day in lanes per technician (the slot's), headed with the name
   * the shifts of the day give (the feed has the id only). */
  g_assert_cmpint (db_count ("SELECT count(*) FROM appointments a JOIN shifts s ON s.user_id = a.technician_id"
                             " AND s.location_id = a.location_id AND s.during && a.during"
                             " WHERE a.id = $1::uuid", booking), >=, 1);
  technician_name = db_value ("SELECT u.display_name FROM appointments a JOIN users u ON u.id = a.technician_id"
                              " WHERE a.id = $1::uuid", booking);
  g_assert_cmpstr (technician_name, !=, "");
  gtk_toggle_button_set_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "lane_technician_toggle"), TRUE);
  g_assert_true (vb_gui_wait_for (lane_headed, technician_name, WAIT_MS));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-02b-by-technician");
  gtk_toggle_button_set_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "lane_bay_toggle"), TRUE);

  /* The week: the day's button counts the location's bookings of that
   * day (the server's count), with free time per bay; Alt+PageDown moves
   * by a week; clicking the day opens it again. */
  shown_day = g_date_time_ref (vb_bookings_page_get_date (page ()));
  day_text = g_date_time_format (shown_day, "%Y-%m-%d");
  sql = g_strdup_printf ("SELECT count(*) FROM appointments a JOIN locations l ON l.id = a.location_id"
                         " WHERE a.location_id = $1::uuid AND a.status IN ('booked', 'checked_in')"
                         " AND (lower(a.during) AT TIME ZONE l.time_zone)::date = '%s'::date", day_text);
  week = (WeekIs) { shown_day, (guint) db_count (sql, location) };
  g_assert_cmpuint (week.expect, >=, 1);
  g_clear_pointer (&sql, g_free);
  gtk_toggle_button_set_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "week_toggle"), TRUE);
  g_assert_true (vb_gui_wait_for (week_is, &week, WAIT_MS));
  g_assert_false (gtk_widget_get_visible (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "slots_group")));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-02c-week");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.next", NULL));
  g_assert_cmpint (g_date_time_difference (vb_bookings_page_get_date (page ()), shown_day) / G_TIME_SPAN_DAY, ==, 7);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.previous", NULL));
  g_assert_true (vb_gui_wait_for (week_is, &week, WAIT_MS));
  day_button[1] = g_date_time_format (shown_day, "week-day-%Y-%m-%d");
  g_assert_true (vb_gui_wait_for (named_shown, day_button, WAIT_MS));
  /* A button's activation clicks it after its pressed look (~250 ms). */
  gtk_widget_activate (named_in ("week_grid", day_button[1]));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_visible, vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "slots_group"),
                                  WAIT_MS));
  g_assert_true (gtk_toggle_button_get_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "day_toggle")));
  g_assert_true (gtk_widget_get_visible (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "slots_group")));
  g_assert_true (g_date_time_equal (vb_bookings_page_get_date (page ()), shown_day));
  g_assert_true (vb_gui_wait_for (slots_ready, NULL, WAIT_MS));
  g_assert_false (slot_shown (first.starts_at, first.bay_id));

  /* 3. Another desk books a slot through the API: it leaves this page. */
  other = copy_slot (vb_bookings_page_get_n_slots (page ()) - 1);
  other_token = vb_test_user_token (server, "desk2@example.com", "reception", "HCM-D1");
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"service_type_ids\": [\"%s\"],"
                          " \"bay_id\": \"%s\", \"starts_at\": \"%s\", \"source\": \"phone\"}",
                          location, customer, service, other.bay_id, other.starts_at);
  reply = vb_test_call (server, "POST", "/api/v1/appointments", other_token, body, 201);
  g_assert_true (vb_gui_wait_for (slot_gone, &other, WAIT_MS));
  scroll_to ("slots_status");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-03-taken-elsewhere");

  /* 4. Reschedule to another free slot. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.reschedule", "s", booking));
  g_assert_true (vb_gui_wait_for (slots_ready, NULL, WAIT_MS));
  g_assert_cmpuint (vb_bookings_page_get_n_slots (page ()), >=, 2);
  moved = copy_slot (1);
  spare = copy_slot (vb_bookings_page_get_n_slots (page ()) - 1);
  g_assert_true (vb_bookings_page_choose_slot (page (), moved.starts_at, moved.bay_id));
  scroll_to ("slots_status");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-04-reschedule");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.book", NULL));
  sql = g_strdup_printf ("SELECT count(*) FROM appointments WHERE id = $1::uuid AND status = 'booked'"
                         " AND lower(during) = '%s'::timestamptz AND bay_id = '%s'::uuid",
                         moved.starts_at, moved.bay_id);
  db = (DbIs) { sql, booking, 1 };
  g_assert_true (vb_gui_wait_for (db_is, &db, WAIT_MS));
  g_assert_true (vb_gui_wait_for (badge_is, &badge, WAIT_MS));

  /* Cancel, confirmed in a dialog. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.cancel", "s", booking));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "pages-bookings-05-cancel-dialog");
  adw_message_dialog_response (dialog, "confirm");
  gtk_window_destroy (GTK_WINDOW (dialog));
  db = (DbIs) { "SELECT count(*) FROM appointments WHERE id = $1::uuid AND status = 'cancelled'", booking, 1 };
  g_assert_true (vb_gui_wait_for (db_is, &db, WAIT_MS));
  badge = (BadgeIs) { booking, "Cancelled" };
  g_assert_true (vb_gui_wait_for (badge_is, &badge, WAIT_MS));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-06-cancelled");

  /* 5. Offline: the page says so; a typed time is a provisional booking. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_true (vb_gui_wait_for (status_mentions, (gpointer) "Free slots need the server", WAIT_MS));
  g_assert_true (gtk_widget_get_visible (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "manual_list")));
  offline_booking = book_offline (&spare);
  g_assert_cmpstr (offline_booking, !=, booking);
  badge = (BadgeIs) { offline_booking, "Waiting to sync" };
  g_assert_true (vb_gui_wait_for (badge_is, &badge, WAIT_MS));
  /* And one at the time another desk took meanwhile: the server will refuse it. */
  refused_booking = book_offline (&other);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline — 2 changes waiting", WAIT_MS));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-07-offline-provisional");
  scroll_to ("slots_status");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-07b-offline-form");
  /* Offline, after another day, the technician's lane keeps the name
   * learnt online (the cancelled booking has them). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.next-day", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "bookings.previous-day", NULL));
  gtk_toggle_button_set_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "lane_technician_toggle"), TRUE);
  g_assert_true (vb_gui_wait_for (lane_headed, technician_name, WAIT_MS));
  g_assert_true (vb_gui_wait_for (lane_headed, (gpointer) "No technician assigned", WAIT_MS));
  gtk_toggle_button_set_active (vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE, "lane_bay_toggle"), TRUE);

  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_cmpint (db_count ("SELECT count(*) FROM appointments WHERE id = $1::uuid AND status = 'booked'",
                             offline_booking), ==, 1);
  badge = (BadgeIs) { offline_booking, "Booked" };
  g_assert_true (vb_gui_wait_for (badge_is, &badge, WAIT_MS));
  g_assert_true (vb_gui_wait_for (slots_ready, NULL, WAIT_MS));
  g_assert_false (slot_shown (spare.starts_at, spare.bay_id));
  /* The refused one is shown as such, and in the header bar's problems. */
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));
  g_assert_cmpint (db_count ("SELECT count(*) FROM appointments WHERE id = $1::uuid", refused_booking), ==, 0);
  g_assert_true (vb_gui_wait_for (vb_gui_widget_visible, vb_gui_child (page (), VB_TYPE_BOOKINGS_PAGE,
                                                                       "refused_group"), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_visible, win_child ("problems_button"), WAIT_MS));
  g_assert_null (vb_bookings_page_get_badge (page (), refused_booking));
  scroll_to ("date_label");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "pages-bookings-08-confirmed");

  g_free ((char *) day_button[1]);
  slot_clear (&first);
  slot_clear (&other);
  slot_clear (&moved);
  slot_clear (&spare);
}

/* The page's rules, without a display or server. */
static void
test_presentation (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) slot_parser = json_parser_new ();
  g_autoptr(GTimeZone) hcm = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  g_autoptr(GDateTime) day = g_date_time_new (hcm, 2026, 11, 25, 0, 0, 0);
  g_autofree char *end = NULL;
  g_autofree char *time = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *query = NULL;
  JsonObject *feed_row;
  JsonObject *slot;

  g_assert_cmpstr (vb_appointment_status_get_label ("no_show"), ==, "No-show");
  g_assert_null (vb_appointment_status_get_label ("nonsense"));

  g_assert_true (json_parser_load_from_data (parser,
    "{\"during\": \"[\\\"2026-11-25 04:00:00+00\\\",\\\"2026-11-25 04:45:00+00\\\")\", \"status\": \"booked\","
    " \"bay_id\": \"b1\"}", -1, NULL));
  feed_row = json_node_get_object (json_parser_get_root (parser));
  end = vb_booking_dup_appointment_end (feed_row);
  g_assert_nonnull (end);
  time = vb_booking_dup_time (end, hcm);
  g_assert_cmpstr (time, ==, "11:45");

  /* Overlap on the same bay takes the slot; another bay, an adjacent
   * time or a cancelled booking does not. */
  g_assert_true (json_parser_load_from_data (slot_parser,
    "{\"starts_at\": \"2026-11-25T04:30:00Z\", \"ends_at\": \"2026-11-25T05:15:00Z\", \"bay_id\": \"b1\"}",
    -1, NULL));
  slot = json_node_get_object (json_parser_get_root (slot_parser));
  g_assert_true (vb_booking_takes_slot (feed_row, slot));
  json_object_set_string_member (slot, "starts_at", "2026-11-25T04:45:00Z");
  g_assert_false (vb_booking_takes_slot (feed_row, slot));
  json_object_set_string_member (slot, "starts_at", "2026-11-25T04:30:00Z");
  json_object_set_string_member (slot, "bay_id", "b2");
  g_assert_false (vb_booking_takes_slot (feed_row, slot));
  json_object_set_string_member (slot, "bay_id", "b1");
  json_object_set_string_member (feed_row, "status", "cancelled");
  g_assert_false (vb_booking_takes_slot (feed_row, slot));

  /* A provisional row (starts_at, no end) lasts as long as the slot. */
  json_object_remove_member (feed_row, "during");
  json_object_set_string_member (feed_row, "status", "booked");
  json_object_set_string_member (feed_row, "starts_at", "2026-11-25T05:00:00Z");
  g_assert_true (vb_booking_takes_slot (feed_row, slot));

  /* Days and typed times are the location's. */
  g_assert_true (vb_booking_is_on_day ("2026-11-24T18:00:00Z", day));
  g_assert_false (vb_booking_is_on_day ("2026-11-24T16:59:00Z", day));
  typed = vb_booking_dup_typed_start (" 09:30 ", day);
  g_assert_cmpstr (typed, ==, "2026-11-25T02:30:00Z");
  g_assert_null (vb_booking_dup_typed_start ("9h30", day));
  g_assert_null (vb_booking_dup_typed_start ("25:00", day));

  /* The week starts on Monday, in the location's time; free time is the
   * union of the free slots' spans. */
  {
    g_autoptr(GDateTime) sunday = g_date_time_new (hcm, 2026, 11, 29, 0, 0, 0);
    g_autoptr(GDateTime) monday = vb_booking_week_start (sunday);
    g_autoptr(GDateTime) same = vb_booking_week_start (monday);
    g_autoptr(GPtrArray) free_slots = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
    const char *spans[][2] = { { "2026-11-25T02:00:00Z", "2026-11-25T02:45:00Z" },
                               { "2026-11-25T02:15:00Z", "2026-11-25T03:00:00Z" },
                               { "2026-11-25T05:00:00Z", "2026-11-25T05:45:00Z" } };
    g_autofree char *hours = NULL;
    g_autofree char *half = NULL;
    g_autofree char *short_time = NULL;

    g_assert_cmpint (g_date_time_get_day_of_month (monday), ==, 23);
    g_assert_cmpint (g_date_time_get_hour (monday), ==, 0);
    g_assert_true (g_date_time_equal (monday, same));
    g_assert_cmpint (vb_booking_free_minutes (free_slots), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
      {
        JsonObject *free_slot = json_object_new ();

        json_object_set_string_member (free_slot, "starts_at", spans[i][0]);
        json_object_set_string_member (free_slot, "ends_at", spans[i][1]);
        g_ptr_array_add (free_slots, free_slot);
      }
    g_assert_cmpint (vb_booking_free_minutes (free_slots), ==, 60 + 45);
    hours = vb_booking_dup_duration (120);
    half = vb_booking_dup_duration (150);
    short_time = vb_booking_dup_duration (45);
    g_assert_cmpstr (hours, ==, "2 h");
    g_assert_cmpstr (half, ==, "2½ h");
    g_assert_cmpstr (short_time, ==, "45 min");
  }

  query = vb_booking_dup_service_query ((const char * const[]) { "c", "a", "b", NULL });
  g_assert_cmpstr (query, ==, "a,b,c");
  g_assert_null (vb_booking_dup_service_query ((const char * const[]) { NULL }));
}

static gboolean
run_body_cb (gpointer data)
{
  g_autoptr(GList) windows = NULL;

  g_object_set (gtk_settings_get_default (),
                "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE,
                NULL);
  g_object_set (vb_client_get_live (client ()), "initial-delay", 200, "max-delay", 1000, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window ()), 1100, 900);

  bookings_day ();

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

static void
test_bookings_day (void)
{
  char *argv[] = { (char *) "voltbay-reception", NULL };

  app = vb_reception_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_idle_add (run_body_cb, NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
  g_clear_object (&app);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=" DESK_NAME,
                             "--role=reception", "--location=HCM-D1", NULL };
  int status = -1;
  int result;

  vb_test_init (&argc, &argv);

  server = vb_test_server_start_tls ();
  {
    g_autofree char *out = vb_test_ctl (server, demo, NULL, &status);

    if (status != 0)
      g_printerr ("demo-data: %s\n", out);
  }
  g_assert_cmpint (status, ==, 0);
  {
    g_autofree char *out = vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status);

    if (status != 0)
      g_printerr ("user-add: %s\n", out);
  }
  g_assert_cmpint (status, ==, 0);

  g_test_add_func ("/reception-bookings/presentation", test_presentation);
  g_test_add_func ("/reception-bookings/day", test_bookings_day);

  result = g_test_run ();
  vb_test_server_stop (server);
  return result;
}
