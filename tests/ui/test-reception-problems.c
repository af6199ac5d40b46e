/* test-reception-problems.c — the sync problems dialog lets the front desk
 * fix what the server refused, driven in the real voltbay-reception window
 * against a real TLS server and PostgreSQL (through run-gui-test.sh).
 *
 *   1. offline, a new customer with a phone the editor lets through but
 *      the server refuses (16 national digits: 17 with the country code,
 *      over E.164's 15); back online, the change is refused;
 *   2. the header bar's problems button opens the dialog: the row says
 *      who was tried, with which phone, and that the server objected to
 *      the Phone; there is Edit and Dismiss, no Try Again (bad input);
 *   3. Edit opens the customer editor filled with what was typed and the
 *      server's message on the phone; fixed and saved, the customer is in
 *      PostgreSQL once (under the same id) and the problem is gone;
 *   4. a conflict: the address changed offline here and meanwhile by
 *      another desk; the row shows both values; Keep Mine sends it again
 *      over the server's version and PostgreSQL has ours;
 *   5. offline, a vehicle added to the customer in the editor's "add
 *      vehicle" with a plate the editor lets through but the server
 *      refuses (over 20 characters; the server has no VIN uniqueness rule
 *      and checks VINs as the editor does); Edit opens the editor in that
 *      mode with what was typed, fixed and saved the vehicle is in
 *      PostgreSQL once;
 *   6. a booking the server refuses: its time in the location's zone (not
 *      this computer's); Edit opens the Bookings page on its day (where
 *      another slot is chosen);
 *   7. Try Again: offline, a booking in a slot another desk has taken
 *      meanwhile (409 starts_at); once the other booking is cancelled,
 *      Try Again books it, once.
 * Screenshots in <build>/tests/ui-artifacts/problems-*.png.
 */
#include <adwaita.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"

#include "vb-bookings-page.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-customer-editor.h"
#include "vb-customer-page.h"
#include "vb-login-page.h"
#include "vb-problem-presentation.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-sign-in-view.h"
#include "vb-sync-engine.h"
#include "vb-sync-problems-dialog.h"

#define DESK_EMAIL    "thu.le@example.com"
#define DESK_NAME     "Thu Le"
#define DESK_PASSWORD "front desk password 44"
#define WAIT_MS       30000
/* 16 digits: the editor allows a national number's leading 0 on top of
 * 15; the server drops the 0, adds 84 and has 17. */
#define BAD_PHONE     "0901 2345 6789 0123"
#define GOOD_PHONE    "0901 234 567"

static VbTestServer           *server;

/* Helpers */

static VbCache *
cache (void)
{
  return vb_sync_engine_get_cache (vb_client_get_sync_engine (vb_reception_test_client ()));
}

static VbCustomerEditor *
shown_editor (void)
{
  VbCustomerEditor *editor;

  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));
  editor = VB_CUSTOMER_EDITOR (vb_gui_find_toplevel (VB_TYPE_CUSTOMER_EDITOR));
  /* Sanitizer builds answer slower than the editor waits for (8 s). */
  if (g_getenv ("VOLTBAY_TEST_WAIT_SCALE") != NULL)
    vb_customer_editor_set_answer_timeout (editor, 30000);
  return editor;
}

static void
type_into (VbCustomerEditor *editor,
           const char       *row,
           const char       *text)
{
  gtk_editable_set_text (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, row), text);
}

static const char *
text_of (VbCustomerEditor *editor,
         const char       *row)
{
  return gtk_editable_get_text (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, row));
}

static gboolean
problems_are (gpointer n)
{
  VbSyncEngine *engine = vb_client_get_sync_engine (vb_reception_test_client ());

  return engine != NULL && vb_sync_engine_get_problems (engine) == GPOINTER_TO_UINT (n) &&
         vb_sync_engine_get_pending (engine) == 0;
}

static VbSyncProblemsDialog *
open_problems (void)
{
  g_assert_true (gtk_widget_get_visible (vb_reception_test_win_child ("problems_button")));
  gtk_widget_activate (vb_reception_test_win_child ("problems_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG),
                                  WAIT_MS));
  return VB_SYNC_PROBLEMS_DIALOG (vb_gui_find_toplevel (VB_TYPE_SYNC_PROBLEMS_DIALOG));
}

/* The only problem's row: its text, and its button labelled label (or NULL). */
static GtkWidget *
problem_row (VbSyncProblemsDialog *dialog,
             GString              *text,
             const char           *label,
             GtkWidget           **button)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (cache ());
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkWidget *row;

  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpuint (vb_sync_problems_dialog_get_n_rows (dialog), ==, 1);
  row = vb_sync_problems_dialog_get_row (dialog, ((VbOutboxEntry *) problems->pdata[0])->seq);
  g_assert_nonnull (row);
  vb_gui_collect (row, text, label, buttons);
  if (button != NULL)
    *button = buttons->len == 1 ? buttons->pdata[0] : NULL;
  return row;
}

/* The one problem's row, in the open dialog, says needle. */
static gboolean
problem_shows (gpointer needle)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (cache ());
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkWindow *dialog = vb_gui_find_toplevel (VB_TYPE_SYNC_PROBLEMS_DIALOG);
  GtkWidget *row;

  if (dialog == NULL || problems->len != 1)
    return FALSE;
  row = vb_sync_problems_dialog_get_row (VB_SYNC_PROBLEMS_DIALOG (dialog),
                                         ((VbOutboxEntry *) problems->pdata[0])->seq);
  if (row == NULL)
    return FALSE;
  vb_gui_collect (row, text, NULL, buttons);
  return strstr (text->str, needle) != NULL;
}

static gboolean
has_button (GtkWidget  *row,
            const char *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);

  vb_gui_collect (row, text, label, buttons);
  return buttons->len > 0;
}

static gboolean
customer_shown (gpointer data)
{
  return g_strcmp0 (vb_desk_view_get_page (vb_reception_window_get_desk (vb_reception_test_window ())), "customer") == 0 &&
         vb_customer_page_get_customer_id (vb_reception_test_desk_child ("customer_page")) != NULL;
}

/* "New booking: Wed 9 Dec, 12:00" as the Bookings page counts time: in
 * the location's zone (from PostgreSQL), with its name when this desk's
 * cache has several locations. */
static char *
booking_title (GDateTime  *start,
               const char *location_id)
{
  g_autofree char *zone = vb_reception_test_db_value (server, "SELECT time_zone FROM locations WHERE id = $1::uuid",
                                                      location_id);
  g_autofree char *name = vb_reception_test_db_value (server, "SELECT name FROM locations WHERE id = $1::uuid",
                                                      location_id);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr(GDateTime) there = NULL;
  g_autofree char *day = NULL;

  g_assert_nonnull (tz);
  there = g_date_time_to_timezone (start, tz);
  day = g_date_time_format (there, "%a %-d %b, %H:%M");
  if (vb_cache_count (cache (), "locations") > 1)
    return g_strdup_printf ("New booking: %s at %s", day, name);
  return g_strdup_printf ("New booking: %s\n", day);
}

static gboolean
page_is_customer (gpointer data)
{
  return g_strcmp0 (vb_desk_view_get_page (vb_reception_window_get_desk (vb_reception_test_window ())), "customer") == 0 &&
         g_strcmp0 (vb_customer_page_get_customer_id (vb_reception_test_desk_child ("customer_page")), data) == 0;
}

#define VEHICLE_VIN   "RLNVF8AA1RH123457"
#define LONG_PLATE    "51K-777.01 RENTAL FLEET"
#define GOOD_PLATE    "51K-777.01"

/* Offline, "add vehicle" with a plate over the server's 20 characters
 * (the editor does not count them); Edit, fix, save: one vehicle. */
static void
add_vehicle_refused (const char *customer_id)
{
  g_autoptr(GString) text = g_string_new (NULL);
  VbSyncProblemsDialog *dialog;
  VbCustomerEditor *editor;
  GtkWidget *row;
  GtkWidget *button = NULL;

  g_test_message ("refused vehicle");
  vb_desk_view_open_record (vb_reception_window_get_desk (vb_reception_test_window ()), "customers", customer_id);
  g_assert_true (vb_gui_wait_for (page_is_customer, (gpointer) customer_id, WAIT_MS));
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.add-vehicle", NULL));
  editor = shown_editor ();
  type_into (editor, "plate_row", LONG_PLATE);
  type_into (editor, "vin_row", VEHICLE_VIN);
  type_into (editor, "make_row", "VinFast");
  type_into (editor, "model_row", "VF 8");
  type_into (editor, "year_row", "2024");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline — 1 change waiting", WAIT_MS));

  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM vehicles WHERE vin = $1", VEHICLE_VIN), ==, 0);

  dialog = open_problems ();
  row = problem_row (dialog, text, "_Edit…", &button);
  g_test_message ("vehicle row:\n%s", text->str);
  g_assert_nonnull (strstr (text->str, "New vehicle: " LONG_PLATE));
  g_assert_nonnull (strstr (text->str, "VIN: " VEHICLE_VIN " · Make: VinFast · Model: VF 8 · Year: 2024"));
  g_assert_nonnull (strstr (text->str, "Refused — Plate: "));
  g_assert_nonnull (button);
  g_assert_false (has_button (row, "_Try Again"));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "problems-05a-refused-vehicle");

  gtk_widget_activate (button);
  editor = shown_editor ();
  g_assert_cmpstr (vb_customer_editor_get_error_field (editor), ==, "plate");
  g_assert_true (gtk_widget_has_css_class (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, "plate_row"), "error"));
  g_assert_cmpstr (text_of (editor, "plate_row"), ==, LONG_PLATE);
  g_assert_cmpstr (text_of (editor, "vin_row"), ==, VEHICLE_VIN);
  g_assert_cmpstr (text_of (editor, "make_row"), ==, "VinFast");
  g_assert_cmpstr (text_of (editor, "model_row"), ==, "VF 8");
  g_assert_cmpstr (text_of (editor, "year_row"), ==, "2024");
  /* The vehicle form only, for this customer. */
  g_assert_false (gtk_widget_is_visible (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, "given_row")));
  g_assert_cmpstr (adw_window_title_get_title (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, "window_title")), ==, "Add Vehicle");
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (editor), "problems-05b-edit-vehicle");

  type_into (editor, "plate_row", GOOD_PLATE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (0), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM vehicles WHERE vin = $1", VEHICLE_VIN), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM vehicles WHERE vin = $1 AND plate = '" GOOD_PLATE "'"
                                                       " AND make = 'VinFast' AND year = 2024", VEHICLE_VIN), ==, 1);
  {
    g_autofree char *owner = vb_reception_test_db_value (server, "SELECT customer_id FROM vehicles WHERE vin = $1", VEHICLE_VIN);

    g_assert_cmpstr (owner, ==, customer_id);
  }
  g_assert_true (vb_gui_wait_for (page_is_customer, (gpointer) customer_id, WAIT_MS));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "problems-05c-vehicle-added");
}

static gboolean
in_cache (gpointer id)
{
  g_autoptr(JsonObject) row = vb_cache_get (cache (), "appointments", id);

  return row != NULL;
}

/* Offline, a booking in a slot another desk has taken meanwhile: refused
 * (409 starts_at), with Try Again; the other booking cancelled, Try Again
 * books ours once. */
static void
try_again_booking (const char *customer_id)
{
  VbSyncEngine *engine = vb_client_get_sync_engine (vb_reception_test_client ());
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *location = vb_reception_test_db_value (server, "SELECT preferred_location_id FROM customers WHERE id = $1::uuid",
                                                          customer_id);
  g_autofree char *bay = vb_reception_test_db_value (server, "SELECT id FROM bays WHERE location_id = $1::uuid AND active"
                                                             " ORDER BY name LIMIT 1", location);
  g_autofree char *service = vb_reception_test_db_value (server, "SELECT id FROM service_types WHERE active"
                                                                 " AND required_hv_level = 0 ORDER BY code LIMIT 1", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 27);
  g_autoptr(GDateTime) start = g_date_time_new_utc (g_date_time_get_year (later), g_date_time_get_month (later),
                                                    g_date_time_get_day_of_month (later), 3, 15, 0);
  g_autoptr(GDateTime) end = g_date_time_add_minutes (start, 45);
  g_autofree char *starts_at = g_date_time_format_iso8601 (start);
  g_autofree char *ends_at = g_date_time_format_iso8601 (end);
  g_autofree char *other_token = vb_test_user_token (server, "desk3-problems@example.com", "reception", "HCM-D1");
  g_autofree char *other_body = NULL;
  g_autofree char *cancel_path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonNode) cancelled = NULL;
  g_autofree char *overlap_sql = NULL;
  g_autofree char *booked = NULL;
  g_autoptr(JsonObject) record = json_object_new ();
  g_autoptr(JsonArray) services = json_array_new ();
  g_autoptr(GError) error = NULL;
  VbSyncProblemsDialog *dialog;
  GtkWidget *row;
  GtkWidget *button = NULL;
  const char *ours;

  g_test_message ("try again");
  /* Another desk takes the slot. */
  other_body = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"service_type_ids\": [\"%s\"],"
                                " \"bay_id\": \"%s\", \"starts_at\": \"%s\", \"ends_at\": \"%s\"}",
                                location, customer_id, service, bay, starts_at, ends_at);
  other = vb_test_call (server, "POST", "/api/v1/appointments", other_token, other_body, 201);
  cancel_path = g_strdup_printf ("/api/v1/appointments/%s/cancel",
                                 json_object_get_string_member (vb_test_object (other), "id"));
  /* Stopped while it pushes the new booking to this desk, the server
   * trips over the closing WebSocket: let the push land first. */
  g_assert_true (vb_gui_wait_for (in_cache, (gpointer) json_object_get_string_member (vb_test_object (other), "id"),
                                  WAIT_MS));

  /* This desk, offline, books the same bay at the same time. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  json_array_add_string_element (services, service);
  json_object_set_string_member (record, "location_id", location);
  json_object_set_string_member (record, "customer_id", customer_id);
  json_object_set_array_member (record, "service_type_ids", g_steal_pointer (&services));
  json_object_set_string_member (record, "bay_id", bay);
  json_object_set_string_member (record, "starts_at", starts_at);
  json_object_set_string_member (record, "ends_at", ends_at);
  json_object_set_string_member (record, "status", "booked");
  json_object_set_string_member (record, "source", "phone");
  g_assert_cmpint (vb_sync_engine_create (engine, "appointments", "/api/v1/appointments", record, &error), >, 0);
  g_assert_no_error (error);
  ours = json_object_get_string_member (record, "id");
  g_assert_nonnull (ours);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline — 1 change waiting", WAIT_MS));

  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM appointments WHERE id = $1::uuid", ours), ==, 0);

  dialog = open_problems ();
  row = problem_row (dialog, text, "_Try Again", &button);
  g_test_message ("taken slot row:\n%s", text->str);
  expected = booking_title (start, location);
  g_assert_nonnull (strstr (text->str, expected));
  g_assert_nonnull (strstr (text->str, "Refused — Time: "));
  g_assert_nonnull (button);
  g_assert_true (has_button (row, "_Edit…"));
  g_assert_true (has_button (row, "_Dismiss"));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "problems-07-slot-taken");

  /* The other booking is cancelled: the slot is free again. */
  cancelled = vb_test_call (server, "POST", cancel_path, other_token, NULL, 200);
  gtk_widget_activate (button);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (0), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  g_assert_false (gtk_widget_get_visible (vb_reception_test_win_child ("problems_button")));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM appointments WHERE id = $1::uuid"
                                                       " AND status = 'booked'", ours), ==, 1);
  /* Once: the only booking in that bay at that time, and no copy of it. */
  overlap_sql = g_strdup_printf ("SELECT id FROM appointments WHERE bay_id = $1::uuid AND status = 'booked'"
                                 " AND during && tstzrange ('%s', '%s')", starts_at, ends_at);
  booked = vb_reception_test_db_value (server, overlap_sql, bay);
  g_assert_cmpstr (booked, ==, ours);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM appointments WHERE customer_id = $1::uuid"
                                                       " AND status = 'cancelled'", customer_id), ==, 1);
}

/* The case */

static void
fix_refused (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *customer_id = NULL;
  g_autofree char *version = NULL;
  g_autofree char *other_token = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) reply = NULL;
  VbSyncProblemsDialog *dialog;
  VbCustomerEditor *editor;
  GtkWidget *row;
  GtkWidget *button = NULL;

  vb_reception_test_sign_in (server, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));

  /* 1. Offline: the editor takes the phone, the change waits. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.new-customer", NULL));
  editor = shown_editor ();
  type_into (editor, "given_row", "Hannah");
  type_into (editor, "family_row", "Nguyen-Problem");
  type_into (editor, "phone_row", BAD_PHONE);
  type_into (editor, "email_row", "hannah@example.com");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline — 1 change waiting", WAIT_MS));

  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Nguyen-Problem"), ==, 0);

  /* 2. The dialog says what was tried and what the server objected to. */
  dialog = open_problems ();
  row = problem_row (dialog, text, "_Edit…", &button);
  g_test_message ("problem row:\n%s", text->str);
  g_assert_nonnull (strstr (text->str, "New customer: Hannah Nguyen-Problem"));
  g_assert_nonnull (strstr (text->str, "Phone: " BAD_PHONE " · E-mail: hannah@example.com"));
  g_assert_null (strstr (text->str, "Given name"));
  g_assert_nonnull (strstr (text->str, "Tried today at"));
  g_assert_nonnull (strstr (text->str, "Refused — Phone: phones must be 8 to 15 digits"));
  g_assert_null (strstr (text->str, "{"));
  g_assert_nonnull (button);
  g_assert_true (has_button (row, "_Dismiss"));
  g_assert_false (has_button (row, "_Try Again"));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "problems-01-refused-phone");

  /* 3. Edit: the editor over the dialog, as typed, the error on the phone. */
  gtk_widget_activate (button);
  editor = shown_editor ();
  g_assert_cmpstr (vb_customer_editor_get_error_field (editor), ==, "phones");
  g_assert_nonnull (strstr (vb_customer_editor_get_error_text (editor), "Phone"));
  g_assert_true (gtk_widget_has_css_class (vb_gui_child (editor, VB_TYPE_CUSTOMER_EDITOR, "phone_row"), "error"));
  g_assert_cmpstr (text_of (editor, "phone_row"), ==, BAD_PHONE);
  g_assert_cmpstr (text_of (editor, "given_row"), ==, "Hannah");
  g_assert_cmpstr (text_of (editor, "family_row"), ==, "Nguyen-Problem");
  g_assert_cmpstr (text_of (editor, "email_row"), ==, "hannah@example.com");
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (editor), "problems-02-edit-prefilled");

  type_into (editor, "phone_row", GOOD_PHONE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (0), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  g_assert_false (gtk_widget_get_visible (vb_reception_test_win_child ("problems_button")));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Nguyen-Problem"), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1"
                                                       " AND phones = ARRAY['+84901234567']::text[]", "Nguyen-Problem"), ==, 1);
  g_assert_true (vb_gui_wait_for (customer_shown, NULL, WAIT_MS));
  customer_id = g_strdup (vb_customer_page_get_customer_id (vb_reception_test_desk_child ("customer_page")));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM customers WHERE id = $1::uuid", customer_id), ==, 1);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "problems-03-fixed");

  /* 4. A conflict: the address changed here offline and by another desk
   * meanwhile (the other desk's PATCH lands before this app, whose main
   * loop is not running, has reconnected). */
  g_test_message ("conflict");
  version = vb_reception_test_db_value (server, "SELECT version FROM customers WHERE id = $1::uuid", customer_id);
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.edit-customer", NULL));
  editor = shown_editor ();
  type_into (editor, "address_row", "12 Mine Street");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_CUSTOMER_EDITOR), WAIT_MS));

  vb_test_server_restart (server, FALSE);
  other_token = vb_test_user_token (server, "desk2-problems@example.com", "reception", "HCM-D1");
  path = g_strdup_printf ("/api/v1/customers/%s", customer_id);
  body = g_strdup_printf ("{\"address\": \"99 Theirs Road\", \"version\": %s}", version);
  reply = vb_test_call (server, "PATCH", path, other_token, body, 200);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));

  /* The refusal can come before the pull that brings the server's value:
   * the open dialog follows the record. */
  dialog = open_problems ();
  g_assert_true (vb_gui_wait_for (problem_shows, (gpointer) "on the server now: 99 Theirs Road", WAIT_MS));
  g_string_truncate (text, 0);
  row = problem_row (dialog, text, "_Keep Mine", &button);
  g_test_message ("conflict row:\n%s", text->str);
  g_assert_nonnull (strstr (text->str, "Change to a customer: Hannah Nguyen-Problem"));
  /* What was changed, with both values. */
  g_assert_null (strstr (text->str, "E-mail"));
  g_assert_nonnull (strstr (text->str, "Address — yours: 12 Mine Street (was empty)"));
  g_assert_nonnull (strstr (text->str, "on the server now: 99 Theirs Road"));
  g_assert_nonnull (button);
  g_assert_true (has_button (row, "_Use Server’s"));
  g_assert_false (has_button (row, "_Edit…"));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "problems-04-conflict");

  gtk_widget_activate (button);
  g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (0), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM customers WHERE id = $1::uuid AND address = '12 Mine Street'",
                                                       customer_id), ==, 1);

  /* 5. A new vehicle the server refuses, fixed through Edit. */
  add_vehicle_refused (customer_id);

  /* 6. A booking the server refuses (no such bay or service). */
  {
    VbSyncEngine *engine = vb_client_get_sync_engine (vb_reception_test_client ());
    g_autofree char *location = vb_reception_test_db_value (server, "SELECT preferred_location_id FROM customers WHERE id = $1::uuid",
                                                                    customer_id);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) later = g_date_time_add_days (now, 2);
    g_autoptr(GDateTime) start = g_date_time_new_utc (g_date_time_get_year (later), g_date_time_get_month (later),
                                                      g_date_time_get_day_of_month (later), 5, 0, 0);
    g_autoptr(GDateTime) end = g_date_time_add_hours (start, 1);
    g_autofree char *starts_at = g_date_time_format_iso8601 (start);
    g_autofree char *ends_at = g_date_time_format_iso8601 (end);
    g_autofree char *bay = g_uuid_string_random ();
    g_autofree char *service = g_uuid_string_random ();
    g_autoptr(JsonObject) record = json_object_new ();
    g_autoptr(JsonArray) services = json_array_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(GDateTime) there = NULL;
    g_autofree char *expected = NULL;
    GDateTime *shown;

    json_array_add_string_element (services, service);
    json_object_set_string_member (record, "location_id", location);
    json_object_set_string_member (record, "customer_id", customer_id);
    json_object_set_array_member (record, "service_type_ids", g_steal_pointer (&services));
    json_object_set_string_member (record, "bay_id", bay);
    json_object_set_string_member (record, "starts_at", starts_at);
    json_object_set_string_member (record, "ends_at", ends_at);
    json_object_set_string_member (record, "status", "booked");
    json_object_set_string_member (record, "source", "desk");
    g_assert_cmpint (vb_sync_engine_create (engine, "appointments", "/api/v1/appointments", record, &error), >, 0);
    g_assert_no_error (error);
    g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (1), WAIT_MS));

    dialog = open_problems ();
    g_string_truncate (text, 0);
    problem_row (dialog, text, "_Edit…", &button);
    g_test_message ("booking row:\n%s", text->str);
    expected = booking_title (start, location);
    g_assert_nonnull (strstr (text->str, expected));
    g_assert_nonnull (strstr (text->str, "Refused — "));
    g_assert_nonnull (button);
    vb_gui_settle (300);
    vb_gui_save_screenshot (GTK_WIDGET (dialog), "problems-06a-refused-booking");

    gtk_widget_activate (button);
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
    g_assert_cmpstr (vb_desk_view_get_page (vb_reception_window_get_desk (vb_reception_test_window ())), ==, "bookings");
    shown = vb_bookings_page_get_date (vb_reception_test_desk_child ("bookings_page"));
    there = g_date_time_to_timezone (start, g_date_time_get_timezone (shown));
    g_assert_cmpint (g_date_time_get_year (shown), ==, g_date_time_get_year (there));
    g_assert_cmpint (g_date_time_get_day_of_year (shown), ==, g_date_time_get_day_of_year (there));
    vb_gui_settle (300);
    vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "problems-06b-booking-day");

    /* Not to be booked after all: Dismiss. */
    dialog = open_problems ();
    g_string_truncate (text, 0);
    problem_row (dialog, text, "_Dismiss", &button);
    g_assert_nonnull (button);
    gtk_widget_activate (button);
    g_assert_true (vb_gui_wait_for (problems_are, GUINT_TO_POINTER (0), WAIT_MS));
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  }

  /* 7. A booking refused because the slot was taken, tried again once free. */
  try_again_booking (customer_id);
}

/* The words, without a display or server. */
static void
test_presentation (void)
{
  VbOutboxEntry entry = {
    .seq = 1, .kind = VB_CHANGE_CREATE, .state = VB_OUTBOX_REFUSED, .entity = (char *) "customers",
    .record_id = (char *) "c1", .method = (char *) "POST", .path = (char *) "/api/v1/customers",
    .fields = (char *) "{\"id\": \"c1\", \"kind\": \"person\", \"given_name\": \"Hannah\","
                       " \"family_name\": \"Nguyen\", \"phones\": [\"+84 1\"], \"emails\": [],"
                       " \"consent\": {\"sms\": {\"given\": true}}}",
    .status = 422,
    .reply = (char *) "{\"error\": {\"code\": \"validation_failed\", \"message\": \"bad phone\","
                      " \"field\": \"phones\"}}",
  };
  g_autoptr(JsonNode) server = json_from_string ("{\"address\": \"B\", \"version\": 3}", NULL);
  g_autofree char *title = vb_problem_dup_title (&entry, NULL, NULL, NULL);
  g_autofree char *tried = vb_problem_dup_tried (&entry, NULL);
  g_autofree char *reason = NULL;
  g_autofree char *field = NULL;
  g_autofree char *conflict = NULL;

  g_assert_cmpstr (title, ==, "New customer: Hannah Nguyen");
  g_assert_cmpstr (tried, ==, "Phone: +84 1");
  reason = vb_problem_dup_reason (&entry, &field);
  g_assert_cmpstr (reason, ==, "Refused — Phone: bad phone");
  g_assert_cmpstr (field, ==, "phones");
  g_assert_false (vb_problem_can_retry (&entry));
  entry.status = 409;
  g_assert_true (vb_problem_can_retry (&entry));

  entry.kind = VB_CHANGE_UPDATE;
  entry.state = VB_OUTBOX_CONFLICT;
  entry.fields = (char *) "{\"address\": \"A\"}";
  entry.base = (char *) "{\"address\": \"0\"}";
  entry.reply = (char *) "{\"error\": {\"code\": \"conflict\"}, \"conflicting_fields\": [\"address\"]}";
  conflict = vb_problem_dup_conflict (&entry, json_node_get_object (server));
  g_assert_cmpstr (conflict, ==, "Address — yours: A (was 0) · on the server now: B");
  g_assert_true (vb_problem_can_retry (&entry));

  /* A booking's times are its location's, whatever this computer's zone. */
  {
    VbOutboxEntry booking = {
      .seq = 2, .kind = VB_CHANGE_CREATE, .state = VB_OUTBOX_REFUSED, .entity = (char *) "appointments",
      .record_id = (char *) "a1", .method = (char *) "POST", .path = (char *) "/api/v1/appointments",
      .fields = (char *) "{\"id\": \"a1\", \"location_id\": \"l1\", \"bay_id\": \"b1\","
                         " \"starts_at\": \"2026-12-07T02:00:00Z\", \"ends_at\": \"2026-12-07T03:30:00Z\","
                         " \"status\": \"booked\", \"notes\": \"brakes squeal\"}",
      .status = 409,
      .reply = (char *) "{\"error\": {\"code\": \"conflict\", \"message\": \"taken\", \"field\": \"starts_at\"}}",
    };
    g_autoptr(GTimeZone) saigon = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
    g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
    g_autofree char *there = vb_problem_dup_title (&booking, NULL, saigon, NULL);
    g_autofree char *named = vb_problem_dup_title (&booking, NULL, berlin, "Berlin Mitte");
    g_autofree char *times = vb_problem_dup_tried (&booking, saigon);
    g_autofree char *refused = vb_problem_dup_reason (&booking, NULL);

    g_assert_nonnull (saigon);
    g_assert_nonnull (berlin);
    g_assert_cmpstr (there, ==, "New booking: Mon 7 Dec, 09:00");
    g_assert_cmpstr (named, ==, "New booking: Mon 7 Dec, 03:00 at Berlin Mitte");
    g_assert_cmpstr (times, ==, "Notes: brakes squeal · Ends: 10:30");
    g_assert_cmpstr (refused, ==, "Refused — Time: taken");
    g_assert_true (vb_problem_can_retry (&booking));
  }
}

static void
test_fix_refused (void)
{
  vb_reception_test_run (fix_refused, 1100, 760);
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

  g_test_add_func ("/reception-problems/presentation", test_presentation);
  g_test_add_func ("/reception-problems/fix-refused", test_fix_refused);

  result = g_test_run ();
  vb_test_server_stop (server);
  return result;
}
