/* test-reception-check-in.c — checking a booked car in at the front desk,
 * in the real voltbay-reception window against a real TLS server and
 * PostgreSQL.
 *
 * Run through run-gui-test.sh (Xvfb, private D-Bus, unlocked
 * gnome-keyring, throw-away HOME and XDG directories).  A booking for
 * today is made in SQL for a car with a known odometer reading:
 *   1. its row on Today has "Check In", which opens the dialog;
 *   2. odometer (too low), state of charge, concerns, items left and a
 *      signature drawn in strokes: the server's 422 lands on the odometer
 *      row, everything typed stays, no work order exists, the booking is
 *      still booked;
 *   3. the odometer fixed: the work order exists once in PostgreSQL, the
 *      appointment is checked_in, the signature is a non-empty PNG
 *      attachment (uploaded once) that the work order names; the window
 *      shows the new work order's page;
 *   4. the receipt, exported to PDF through GtkPrintOperation and read
 *      back with pdftotext, has the work order's number, the odometer,
 *      the plate and the concerns;
 *   5. a walk-in from the customer's page while the server is stopped:
 *      the dialog says it waits to sync; when the server returns the work
 *      order and its signature reach PostgreSQL once.
 * Screenshots in <build>/tests/ui-artifacts/check-in-*.png.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"

#include "vb-check-in-dialog.h"
#include "vb-check-in-receipt.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-desk-view.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-record.h"
#include "vb-record-row.h"
#include "vb-signature-pad.h"
#include "vb-sign-in-view.h"
#include "vb-work-order-page.h"

#define DESK_EMAIL    "mai.checkin@example.com"
#define DESK_NAME     "Mai Check-in"
#define DESK_PASSWORD "front desk password 42"
#define WAIT_MS       30000
#define CONCERNS      "Squeak from the front left wheel when braking"
#define ITEMS_LEFT    "Child seat, sunglasses"
#define LAST_KM       48210

static VbTestServer           *server;

/* ---------------------------------------------------------- helpers --- */

static gpointer
dialog_child (VbCheckInDialog *dialog,
              const char      *name)
{
  return vb_gui_child (dialog, VB_TYPE_CHECK_IN_DIALOG, name);
}

static gboolean
error_on (gpointer data)
{
  VbCheckInDialog *dialog = VB_CHECK_IN_DIALOG (vb_gui_find_toplevel (VB_TYPE_CHECK_IN_DIALOG));

  return dialog != NULL && g_strcmp0 (vb_check_in_dialog_get_error_field (dialog), data) == 0;
}

static gboolean
dialog_done (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (dialog_child (data, "stack")), "done") == 0;
}

static GtkWidget *
find_record_row (GtkWidget  *widget,
                 const char *id)
{
  if (VB_IS_RECORD_ROW (widget) &&
      g_strcmp0 (vb_record_get_id (vb_record_row_get_record (VB_RECORD_ROW (widget))), id) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_record_row (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
today_lists (gpointer id)
{
  return find_record_row (GTK_WIDGET (vb_reception_test_desk_child ("today_page")), id) != NULL;
}

/* Today at hour:minute local time, as RFC 3339 in UTC. */
static char *
today_at (int hour,
          int minute)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) at = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                   g_date_time_get_day_of_month (now), hour, minute, 0);
  g_autoptr(GDateTime) utc = g_date_time_to_utc (at);

  return g_date_time_format_iso8601 (utc);
}

/* Books, in SQL, a car of HCM-D1 without a work order today at 10:00, and
 * records an odometer reading of LAST_KM for it; returns the appointment
 * id and the vehicle's plate. */
static char *
book_today (char **plate)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *start = today_at (10, 0);
  g_autofree char *end = today_at (10, 45);
  g_autoptr(PGresult) res =
    vb_db_execv (db, &error,
                 "WITH l AS (SELECT id FROM locations WHERE code = 'HCM-D1'),"
                 "     v AS (SELECT v.id, v.customer_id, v.plate FROM vehicles v, l"
                 "            WHERE v.location_id = l.id AND v.plate <> ''"
                 "              AND NOT EXISTS (SELECT 1 FROM work_orders w WHERE w.vehicle_id = v.id)"
                 "              AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.vehicle_id = v.id)"
                 "            ORDER BY v.plate LIMIT 1),"
                 "     r AS (INSERT INTO odometer_readings (vehicle_id, location_id, odometer_km, read_at, source)"
                 "           SELECT v.id, l.id, " G_STRINGIFY (LAST_KM) ", now() - interval '30 days', 'import'"
                 "             FROM v, l RETURNING id),"
                 "     b AS (SELECT b.id FROM bays b, l WHERE b.location_id = l.id AND b.active"
                 "              AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.bay_id = b.id"
                 "                                 AND a.during && tstzrange ($1::timestamptz, $2::timestamptz))"
                 "            ORDER BY b.name LIMIT 1),"
                 "     s AS (SELECT id FROM service_types WHERE active AND required_hv_level = 0"
                 "            ORDER BY code LIMIT 1)"
                 " INSERT INTO appointments (location_id, customer_id, vehicle_id, service_type_ids,"
                 "                           bay_id, during, source, notes)"
                 " SELECT l.id, v.customer_id, v.id, ARRAY[s.id], b.id,"
                 "        tstzrange ($1::timestamptz, $2::timestamptz), 'phone', ''"
                 "   FROM l, v, s, r, b"
                 " RETURNING id, (SELECT plate FROM v)",
                 start, end);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  *plate = g_strdup (vb_db_get (res, 0, 1));
  return g_strdup (vb_db_get (res, 0, 0));
}

/* Scrolls the dialog's form so that its child name is at the top. */
static void
scroll_dialog_to (VbCheckInDialog *dialog,
                  const char      *name)
{
  GtkWidget *widget = dialog_child (dialog, name);
  GtkScrolledWindow *scroller = dialog_child (dialog, "scroller");
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  graphene_point_t point;

  vb_gui_settle (200);
  if (gtk_widget_compute_point (widget, GTK_WIDGET (scroller), &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + point.y - 12);
  vb_gui_settle (200);
}

/* A signature in three strokes, as the drag gesture draws them. */
static void
sign (VbSignaturePad *pad)
{
  vb_signature_pad_begin_stroke (pad, 30, 110);
  for (int x = 30; x <= 150; x += 6)
    vb_signature_pad_extend_stroke (pad, x, 110 - ((x / 6) % 7) * 8 - (x - 30) / 4);
  vb_signature_pad_end_stroke (pad);
  vb_signature_pad_begin_stroke (pad, 170, 60);
  vb_signature_pad_extend_stroke (pad, 185, 130);
  vb_signature_pad_extend_stroke (pad, 205, 70);
  vb_signature_pad_extend_stroke (pad, 225, 130);
  vb_signature_pad_extend_stroke (pad, 240, 60);
  vb_signature_pad_end_stroke (pad);
  vb_signature_pad_begin_stroke (pad, 260, 120);
  for (int x = 260; x <= 380; x += 5)
    vb_signature_pad_extend_stroke (pad, x, 95 + ((x / 5) % 10 < 5 ? ((x / 5) % 5) * 9 : (5 - (x / 5) % 5) * 9));
  vb_signature_pad_end_stroke (pad);
}

static char *
pdf_text (const char *path)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "pdftotext", "-layout", path, "-", NULL };
  int status = -1;

  {
    g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");

    g_assert_nonnull (pdftotext);
  }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------ the case --- */

static void
check_in_day (void)
{
  g_autofree char *plate = NULL;
  g_autofree char *appointment = book_today (&plate);
  g_autofree char *low_km = g_strdup_printf ("%d", LAST_KM - 1000);
  g_autofree char *good_km = g_strdup_printf ("%d", LAST_KM + 137);
  g_autofree char *order = NULL;
  g_autofree char *number = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *want = NULL;
  g_autoptr(VbCheckInReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  VbCheckInDialog *dialog;
  VbSignaturePad *pad;
  GtkWidget *row;
  GtkWidget *button;

  /* 1. Today's arrival has "Check In". */
  vb_reception_test_sign_in (server, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_true (vb_gui_wait_for (today_lists, appointment, WAIT_MS));
  row = find_record_row (GTK_WIDGET (vb_reception_test_desk_child ("today_page")), appointment);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "check-in-00-today");
  button = find_named (row, "check_in_button");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  gtk_widget_activate (button);
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_CHECK_IN_DIALOG), WAIT_MS));
  dialog = VB_CHECK_IN_DIALOG (vb_gui_find_toplevel (VB_TYPE_CHECK_IN_DIALOG));
  g_assert_true (gtk_widget_get_visible (dialog_child (dialog, "save_button")));
  g_assert_false (gtk_widget_get_visible (dialog_child (dialog, "form_error")));

  /* 2. A too-low odometer: the server's 422 on its row, the rest kept. */
  gtk_editable_set_text (dialog_child (dialog, "odometer_row"), low_km);
  gtk_editable_set_text (dialog_child (dialog, "soc_in_row"), "35");
  gtk_editable_set_text (dialog_child (dialog, "soc_promised_row"), "80");
  gtk_editable_set_text (dialog_child (dialog, "concerns_row"), CONCERNS);
  gtk_editable_set_text (dialog_child (dialog, "items_row"), ITEMS_LEFT);
  gtk_editable_set_text (dialog_child (dialog, "parking_row"), "P3");
  gtk_switch_set_active (dialog_child (dialog, "cable_switch"), TRUE);
  gtk_switch_set_active (dialog_child (dialog, "consent_switch"), TRUE);
  pad = vb_check_in_dialog_get_signature_pad (dialog);
  g_assert_true (vb_signature_pad_is_empty (pad));
  g_assert_false (gtk_widget_is_sensitive (dialog_child (dialog, "clear_button")));
  sign (pad);
  g_assert_false (vb_signature_pad_is_empty (pad));
  g_assert_true (gtk_widget_is_sensitive (dialog_child (dialog, "clear_button")));
  {
    /* Clear empties it; signed again. */
    gtk_widget_activate (dialog_child (dialog, "clear_button"));
    vb_gui_settle (400);   /* a button's activation clicks after its press animation */
    g_assert_true (vb_signature_pad_is_empty (pad));
    sign (pad);
  }
  scroll_dialog_to (dialog, "signature_group");
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "check-in-01-signed");
  scroll_dialog_to (dialog, "form");
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "check-in-02-form");
  gtk_widget_activate (dialog_child (dialog, "save_button"));
  g_assert_true (vb_gui_wait_for (error_on, (gpointer) "odometer_km", WAIT_MS));
  g_assert_true (gtk_widget_has_css_class (dialog_child (dialog, "odometer_row"), "error"));
  g_assert_true (gtk_widget_get_visible (dialog_child (dialog, "arrival_error")));
  g_assert_nonnull (strstr (vb_check_in_dialog_get_error_text (dialog), "Odometer"));
  {
    /* The server's 422 names odometer_km and the reading on record. */
    g_autofree char *last = g_strdup_printf ("lower than the vehicle’s last reading, %'d km", LAST_KM);
    g_assert_nonnull (strstr (vb_check_in_dialog_get_error_text (dialog), last));
  }
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "odometer_row")), ==, low_km);
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "concerns_row")), ==, CONCERNS);
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "items_row")), ==, ITEMS_LEFT);
  g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "soc_in_row")), ==, "35");
  g_assert_false (vb_signature_pad_is_empty (pad));
  g_assert_true (gtk_widget_is_sensitive (dialog_child (dialog, "form")));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders WHERE appointment_id = $1::uuid", appointment), ==, 0);
  {
    g_autofree char *status = vb_reception_test_db_value (server, "SELECT status FROM appointments WHERE id = $1::uuid", appointment);
    g_assert_cmpstr (status, ==, "booked");
  }
  /* Not left in the header bar's problems: it is shown where it is fixed. */
  g_assert_false (gtk_widget_get_visible (vb_reception_test_win_child ("problems_button")));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "check-in-03-odometer-refused");

  /* 3. Fixed: one work order, the booking checked in, the signature linked. */
  gtk_editable_set_text (dialog_child (dialog, "odometer_row"), good_km);
  gtk_widget_activate (dialog_child (dialog, "save_button"));
  g_assert_true (vb_gui_wait_for (dialog_done, dialog, WAIT_MS));
  order = g_strdup (vb_check_in_dialog_get_work_order_id (dialog));
  g_assert_nonnull (order);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders WHERE appointment_id = $1::uuid", appointment), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders WHERE id = $1::uuid", order), ==, 1);
  {
    g_autofree char *status = vb_reception_test_db_value (server, "SELECT status FROM appointments WHERE id = $1::uuid", appointment);
    g_autofree char *km = vb_reception_test_db_value (server, "SELECT odometer_km::text FROM work_orders WHERE id = $1::uuid", order);
    g_autofree char *soc = vb_reception_test_db_value (server, "SELECT soc_in_percent || '/' || soc_promised_percent FROM work_orders"
                                                               " WHERE id = $1::uuid", order);
    g_autofree char *concerns = vb_reception_test_db_value (server, "SELECT concerns FROM work_orders WHERE id = $1::uuid", order);
    g_autofree char *items = vb_reception_test_db_value (server, "SELECT items_left FROM work_orders WHERE id = $1::uuid", order);
    g_autofree char *flags = vb_reception_test_db_value (server, "SELECT charge_cable_left::text || contact_consent::text"
                                                                 "  || coalesce(triage_passed::text, 'null') FROM work_orders"
                                                                 " WHERE id = $1::uuid", order);

    g_assert_cmpstr (status, ==, "checked_in");
    g_assert_cmpstr (km, ==, good_km);
    g_assert_cmpstr (soc, ==, "35/80");
    g_assert_cmpstr (concerns, ==, CONCERNS);
    g_assert_cmpstr (items, ==, ITEMS_LEFT);
    /* The intake checklist (no findings) passed the triage. */
    g_assert_cmpstr (flags, ==, "truetruetrue");
  }
  signature = vb_reception_test_db_value (server, "SELECT customer_signature_id FROM work_orders WHERE id = $1::uuid", order);
  g_assert_nonnull (signature);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM attachments WHERE id = $1::uuid AND purpose = 'signature'"
                                                       " AND content_type = 'image/png' AND size_bytes > 1000", signature), ==, 1);
  /* The refused check-in's signature was reused, not uploaded twice. */
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM attachments a JOIN users u ON u.id = a.uploaded_by"
                                                       " WHERE u.email = $1 AND a.purpose = 'signature'", DESK_EMAIL), ==, 1);
  number = vb_reception_test_db_value (server, "SELECT number::text FROM work_orders WHERE id = $1::uuid", order);
  {
    g_autofree char *title = g_strdup_printf ("Checked In as #%s", number);
    g_assert_cmpstr (adw_status_page_get_title (dialog_child (dialog, "done_page")), ==, title);
  }
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "work-order", WAIT_MS));
  g_assert_cmpstr (vb_work_order_page_get_work_order_id (vb_reception_test_desk_child ("work_order_page")), ==, order);
  g_assert_true (gtk_widget_is_sensitive (dialog_child (dialog, "print_button")));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "check-in-04-done");

  /* 4. The receipt, as printed (exported to PDF). */
  receipt = vb_check_in_dialog_dup_receipt (dialog);
  g_assert_nonnull (receipt);
  pdf = g_build_filename (vb_test_build_dir (), "tests", "ui-artifacts", "check-in-receipt.pdf", NULL);
  g_remove (pdf);
  g_assert_true (vb_check_in_receipt_export_pdf (receipt, pdf, &error));
  g_assert_no_error (error);
  text = pdf_text (pdf);
  want = g_strdup_printf ("#%s", number);
  g_assert_nonnull (strstr (text, want));
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("%'d km", LAST_KM + 137);
  g_assert_nonnull (strstr (text, want));
  g_assert_nonnull (strstr (text, plate));
  g_assert_nonnull (strstr (text, "Squeak from the front left wheel"));
  g_assert_nonnull (strstr (text, "Child seat"));
  g_assert_nonnull (strstr (text, "35 % (charged to 80 % by pickup)"));
  g_assert_null (strstr (text, low_km));

  gtk_window_destroy (GTK_WINDOW (dialog));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "check-in-05-work-order");
  /* Still once, after the feed brought it back. */
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders WHERE appointment_id = $1::uuid", appointment), ==, 1);

  /* 5. A walk-in from the customer's page, offline: it waits to sync,
   * then reaches PostgreSQL once. */
  {
    g_autofree char *customer = vb_reception_test_db_value (server, "SELECT customer_id FROM work_orders WHERE id = $1::uuid", order);
    g_autofree char *vehicle = vb_reception_test_db_value (server, "SELECT vehicle_id FROM work_orders WHERE id = $1::uuid", order);
    g_autofree char *walk_in = NULL;
    g_autofree char *later_km = g_strdup_printf ("%d", LAST_KM + 150);
    GtkWidget *vehicle_row;

    vb_desk_view_open_record (vb_reception_window_get_desk (vb_reception_test_window ()), "customers", customer);
    g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "customer", WAIT_MS));
    vehicle_row = find_record_row (GTK_WIDGET (vb_reception_test_desk_child ("customer_page")), vehicle);
    g_assert_nonnull (vehicle_row);
    button = find_named (vehicle_row, "check_in_button");
    g_assert_nonnull (button);
    g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.walk-in-check-in");
    vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "check-in-06-customer-walk-in");

    vb_gui_stop_server (server);
    vb_test_server_kill (server);
    g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
    gtk_widget_activate (button);
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_CHECK_IN_DIALOG), WAIT_MS));
    dialog = VB_CHECK_IN_DIALOG (vb_gui_find_toplevel (VB_TYPE_CHECK_IN_DIALOG));
    g_assert_cmpstr (adw_window_title_get_title (dialog_child (dialog, "window_title")), ==, "Walk-in Check-in");
    gtk_editable_set_text (dialog_child (dialog, "odometer_row"), later_km);
    gtk_editable_set_text (dialog_child (dialog, "concerns_row"), "Came back: the squeak again");
    sign (vb_check_in_dialog_get_signature_pad (dialog));
    /* A safety finding quarantines the car where it is parked: a parking
     * place is needed first (checked here, nothing queued). */
    gtk_switch_set_active (dialog_child (dialog, "smoke_switch"), TRUE);
    gtk_widget_activate (dialog_child (dialog, "save_button"));
    g_assert_true (vb_gui_wait_for (error_on, (gpointer) "parking_place", WAIT_MS));
    g_assert_true (gtk_widget_has_css_class (dialog_child (dialog, "parking_row"), "error"));
    g_assert_null (vb_check_in_dialog_get_work_order_id (dialog));
    g_assert_cmpstr (gtk_editable_get_text (dialog_child (dialog, "odometer_row")), ==, later_km);
    gtk_switch_set_active (dialog_child (dialog, "smoke_switch"), FALSE);
    gtk_widget_activate (dialog_child (dialog, "save_button"));
    g_assert_true (vb_gui_wait_for (dialog_done, dialog, WAIT_MS));
    g_assert_nonnull (strstr (adw_status_page_get_description (dialog_child (dialog, "done_page")),
                              "Waiting to sync"));
    walk_in = g_strdup (vb_check_in_dialog_get_work_order_id (dialog));
    g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "work-order", WAIT_MS));
    vb_gui_settle (300);
    vb_gui_save_screenshot (GTK_WIDGET (dialog), "check-in-07-offline-done");
    gtk_window_destroy (GTK_WINDOW (dialog));

    vb_test_server_restart (server, FALSE);
    g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders WHERE id = $1::uuid", walk_in), ==, 1);
    {
      g_autofree char *km = vb_reception_test_db_value (server, "SELECT odometer_km::text FROM work_orders WHERE id = $1::uuid", walk_in);
      g_autofree char *appt = vb_reception_test_db_value (server, "SELECT coalesce(appointment_id::text, 'none') FROM work_orders"
                                                                  " WHERE id = $1::uuid", walk_in);

      g_assert_cmpstr (km, ==, later_km);
      g_assert_cmpstr (appt, ==, "none");
    }
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_orders w JOIN attachments a"
                                                         "   ON a.id = w.customer_signature_id AND a.purpose = 'signature'"
                                                         " WHERE w.id = $1::uuid AND a.size_bytes > 1000", walk_in), ==, 1);
    g_assert_false (gtk_widget_get_visible (vb_reception_test_win_child ("problems_button")));
  }
}

/* The signature pad alone: empty → no PNG; strokes → a real PNG. */
static void
test_signature_pad (void)
{
  GtkWidget *pad = g_object_ref_sink (vb_signature_pad_new ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = vb_signature_pad_dup_png (VB_SIGNATURE_PAD (pad), &error);
  g_autoptr(GdkTexture) texture = NULL;
  static const guint8 magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  g_assert_null (png);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  sign (VB_SIGNATURE_PAD (pad));
  png = vb_signature_pad_dup_png (VB_SIGNATURE_PAD (pad), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (png), >, sizeof magic);
  g_assert_cmpmem (g_bytes_get_data (png, NULL), sizeof magic, magic, sizeof magic);
  texture = gdk_texture_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), >=, 600);
  vb_signature_pad_clear (VB_SIGNATURE_PAD (pad));
  g_assert_true (vb_signature_pad_is_empty (VB_SIGNATURE_PAD (pad)));
  g_object_unref (pad);
}

static void
test_check_in_day (void)
{
  vb_reception_test_run (check_in_day, 1100, 760);
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
  gtk_init ();

  server = vb_test_server_start_tls ();
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);

  g_test_add_func ("/reception-check-in/signature-pad", test_signature_pad);
  g_test_add_func ("/reception-check-in/check-in-day", test_check_in_day);

  result = g_test_run ();
  vb_test_server_stop (server);
  return result;
}
