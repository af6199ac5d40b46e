/* test-reception-work-order.c — the front desk's work order page, driven
 * in the real voltbay-reception window against a real TLS server and
 * PostgreSQL.
 *
 * Run through run-gui-test.sh (Xvfb, private D-Bus, unlocked
 * gnome-keyring, throw-away HOME and XDG directories).  The demo data's
 * work order waiting for approval at HCM-D1:
 *   1. opened from Today: number, status, customer, car, concerns, its
 *      tasks (as PostgreSQL has them) with steps and time, the total of
 *      time clocked against the estimate as PostgreSQL sums it;
 *   2. the bay (a technician, through the API) starts the work, records
 *      the checklist's photo step with a real PNG and writes in the chat:
 *      the status, the steps done, the photo and the message appear
 *      without a refresh, the message with its author's name;
 *   3. the desk answers in the chat: the message is in PostgreSQL exactly
 *      once and comes back into the page; the photo opens larger;
 *   4. the server stops: a message sent anyway waits in the outbox, shown
 *      at once as "Waiting to sync"; the server returns and it arrives in
 *      PostgreSQL exactly once, under the id the desk gave it, and the
 *      page shows it once, no longer waiting;
 *   5. the customer link opens the customer's page.
 * Screenshots in <build>/tests/ui-artifacts/pages-work-order-*.png.
 */
#include <adwaita.h>
#include <cairo.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"

#include "vb-cache.h"
#include "vb-chat-row.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-customer-page.h"
#include "vb-desk-view.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-record.h"
#include "vb-record-row.h"
#include "vb-sign-in-view.h"
#include "vb-today-page.h"
#include "vb-work-order-page.h"
#include "vb-work-order-presentation.h"

#define DESK_EMAIL    "lan.pham@example.com"
#define DESK_NAME     "Lan Pham"
#define DESK_PASSWORD "front desk password 42"
#define BAY_EMAIL     "tuan.bay@example.com"
#define BAY_NAME      "Tuan Bay"
#define BAY_PASSWORD  "bay technician password 42"
#define WAIT_MS       30000
#define BAY_MESSAGE   "Cabin filter is black, photo attached. OK to replace?"
#define DESK_MESSAGE  "Customer approved by phone, go ahead."
#define OFFLINE_MESSAGE "Is the car charged? (written offline)"

static VbTestServer           *server;

/* Helpers */

static gboolean
photo_shown (gpointer id)
{
  return g_strv_contains (vb_work_order_page_get_photo_ids (vb_reception_test_wo_page ()), id);
}

static gboolean
model_has_body (GListModel *model,
                const char *body)
{
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);

      if (g_strcmp0 (vb_record_get_string (record, "body"), body) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
chat_has (gpointer body)
{
  return model_has_body (vb_work_order_page_get_chat (vb_reception_test_wo_page ()), body);
}

/* The chat row showing body, with author (NULL: any). */
static gboolean
chat_row_by (gpointer data)
{
  const char **want = data;   /* { body, author } */

  for (GtkWidget *row = gtk_widget_get_first_child (vb_reception_test_wo_child ("chat_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (VB_IS_CHAT_ROW (row) && g_strcmp0 (vb_chat_row_get_body (VB_CHAT_ROW (row)), want[0]) == 0 &&
        (want[1] == NULL || g_strcmp0 (vb_chat_row_get_author (VB_CHAT_ROW (row)), want[1]) == 0))
      return TRUE;
  return FALSE;
}

/* How many chat rows show body, and how many of those wait for the server. */
static guint
count_chat_rows (const char *body,
                 guint      *pending)
{
  guint n = 0;

  *pending = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (vb_reception_test_wo_child ("chat_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (VB_IS_CHAT_ROW (row) && g_strcmp0 (vb_chat_row_get_body (VB_CHAT_ROW (row)), body) == 0)
      {
        n++;
        *pending += vb_chat_row_get_pending (VB_CHAT_ROW (row));
      }
  return n;
}

/* Exactly one row shows body, waiting for the server (time says so). */
static gboolean
chat_row_waiting (gpointer body)
{
  guint pending;

  for (GtkWidget *row = gtk_widget_get_first_child (vb_reception_test_wo_child ("chat_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (VB_IS_CHAT_ROW (row) && g_strcmp0 (vb_chat_row_get_body (VB_CHAT_ROW (row)), body) == 0 &&
        strstr (vb_chat_row_get_time (VB_CHAT_ROW (row)), "Waiting to sync") == NULL)
      return FALSE;
  return count_chat_rows (body, &pending) == 1 && pending == 1;
}

/* Exactly one row shows body, the server's (not waiting any more). */
static gboolean
chat_row_synced (gpointer body)
{
  guint pending;

  return count_chat_rows (body, &pending) == 1 && pending == 0;
}

/* The id of the chat record with body in the page's model, or NULL. */
static char *
dup_chat_id (const char *body)
{
  GListModel *model = vb_work_order_page_get_chat (vb_reception_test_wo_page ());

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);

      if (g_strcmp0 (vb_record_get_string (record, "body"), body) == 0)
        return g_strdup (vb_record_get_id (record));
    }
  return NULL;
}

static gboolean
picture_loaded (gpointer data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (vb_reception_test_wo_child ("photos_box")); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
      GtkWidget *picture = button != NULL ? gtk_button_get_child (GTK_BUTTON (button)) : NULL;

      if (GTK_IS_IMAGE (picture) && gtk_image_get_storage_type (GTK_IMAGE (picture)) != GTK_IMAGE_EMPTY)
        return TRUE;
    }
  return FALSE;
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

static gboolean
today_lists (gpointer id)
{
  return find_record_row (GTK_WIDGET (vb_reception_test_desk_child ("today_page")), id) != NULL;
}

static cairo_status_t
append_png (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* A real 320×240 PNG: a grey "filter" with dark stripes. */
static GBytes *
make_png (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 320, 240);
  cairo_t *cr = cairo_create (surface);
  GByteArray *bytes = g_byte_array_new ();

  cairo_set_source_rgb (cr, 0.75, 0.72, 0.65);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.2, 0.19, 0.17);
  for (int x = 10; x < 320; x += 24)
    {
      cairo_rectangle (cr, x, 20, 10, 200);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_png, bytes), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (bytes);
}

/* Scrolls the page so that widget is at the top, for a screenshot. */
static void
scroll_to (const char *name)
{
  GtkWidget *widget = vb_reception_test_wo_child (name);
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  graphene_point_t point;

  vb_gui_settle (200);
  if (gtk_widget_compute_point (widget, scroller, &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + point.y - 60);
  vb_gui_settle (200);
}

/* The case */

static void
work_order_day (void)
{
  g_autofree char *order = NULL;
  g_autofree char *number = NULL;
  g_autofree char *customer = NULL;
  g_autofree char *location = NULL;
  g_autofree char *task = NULL;
  g_autofree char *task_title = NULL;
  g_autofree char *photo_step = NULL;
  g_autofree char *bay_token = NULL;
  g_autofree char *photo_id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected_total = NULL;
  g_autofree char *number_text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(JsonNode) reply = NULL;
  GtkWidget *row;
  guint status = 0;
  gint64 n_tasks, clocked, estimated, steps_total;
  const char *want[2];

  order = vb_reception_test_db_value (server, "SELECT w.id FROM work_orders w JOIN locations l ON l.id = w.location_id"
                                              " WHERE l.code = $1 AND w.status = 'awaiting_approval' ORDER BY w.number LIMIT 1", "HCM-D1");
  number = vb_reception_test_db_value (server, "SELECT number::text FROM work_orders WHERE id = $1::uuid", order);
  customer = vb_reception_test_db_value (server, "SELECT customer_id FROM work_orders WHERE id = $1::uuid", order);
  location = vb_reception_test_db_value (server, "SELECT location_id FROM work_orders WHERE id = $1::uuid", order);
  n_tasks = vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_tasks WHERE work_order_id = $1::uuid", order);
  clocked = vb_reception_test_db_count (server, "SELECT coalesce(sum(tenths), 0) FROM time_entries WHERE work_order_id = $1::uuid"
                                                " AND kind = 'productive' AND ended_at IS NOT NULL", order);
  estimated = vb_reception_test_db_count (server, "SELECT coalesce(sum(estimated_tenths), 0) FROM work_order_tasks"
                                                  " WHERE work_order_id = $1::uuid AND status <> 'cancelled'", order);
  expected_total = vb_work_order_dup_time_progress (clocked, estimated, FALSE);
  /* The task with a photo step in its checklist (the cabin filter). */
  task = vb_reception_test_db_value (server, "SELECT t.id FROM work_order_tasks t JOIN service_type_steps s"
                                             "   ON s.service_type_id = t.service_type_id AND s.kind = 'photo'"
                                             " WHERE t.work_order_id = $1::uuid AND t.required_hv_level = 0 ORDER BY t.position LIMIT 1",
                                             order);
  task_title = vb_reception_test_db_value (server, "SELECT title FROM work_order_tasks WHERE id = $1::uuid", task);
  photo_step = vb_reception_test_db_value (server, "SELECT s.id FROM work_order_tasks t JOIN service_type_steps s"
                                                   "   ON s.service_type_id = t.service_type_id AND s.kind = 'photo'"
                                                   " WHERE t.id = $1::uuid ORDER BY s.position LIMIT 1", task);
  steps_total = vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_tasks t JOIN service_type_steps s"
                                                    "   ON s.service_type_id = t.service_type_id WHERE t.id = $1::uuid", task);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM checklist_results WHERE task_id = $1::uuid", task), ==, 0);
  g_assert_cmpint (n_tasks, >, 0);

  /* 1. From Today's "Waiting for Approval" to the work order's page. */
  vb_reception_test_sign_in (server, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_true (vb_gui_wait_for (today_lists, order, WAIT_MS));
  row = find_record_row (GTK_WIDGET (vb_reception_test_desk_child ("today_page")), order);
  g_signal_emit_by_name (row, "activate");
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "work-order", WAIT_MS));
  g_assert_cmpstr (vb_work_order_page_get_work_order_id (vb_reception_test_wo_page ()), ==, order);
  number_text = g_strdup_printf ("#%s", number);
  g_assert_cmpstr (gtk_label_get_label (vb_reception_test_wo_child ("number_label")), ==, number_text);
  g_assert_true (vb_reception_test_wo_status_is ((gpointer) "Waiting for approval"));
  g_assert_cmpuint (g_list_model_get_n_items (vb_work_order_page_get_tasks (vb_reception_test_wo_page ())), ==, n_tasks);
  g_assert_cmpstr (gtk_label_get_label (vb_reception_test_wo_child ("total_label")), ==, expected_total);
  text = vb_reception_test_wo_text ();
  g_assert_nonnull (strstr (text, task_title));
  {
    g_autofree char *concerns = vb_reception_test_db_value (server, "SELECT concerns FROM work_orders WHERE id = $1::uuid", order);

    g_assert_cmpstr (concerns, !=, "");
    g_assert_nonnull (strstr (text, concerns));
  }
  g_assert_nonnull (strstr (text, " km"));
  g_assert_nonnull (strstr (text, "promised at pickup"));
  g_clear_pointer (&text, g_free);
  body = g_strdup_printf ("0 of %" G_GINT64_FORMAT " steps done", steps_total);
  g_assert_true (vb_reception_test_wo_shows (body));
  g_clear_pointer (&body, g_free);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-01-opened");

  /* 2. The bay starts the work, photographs the filter, and asks. */
  bay_token = vb_test_login (server, BAY_EMAIL, BAY_PASSWORD, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  path = g_strdup_printf ("/api/v1/work-orders/%s/status", order);
  reply = vb_test_call (server, "POST", path, bay_token, "{\"status\": \"in_progress\"}", 200);
  g_clear_pointer (&reply, json_node_unref);
  g_clear_pointer (&path, g_free);
  g_assert_true (vb_gui_wait_for (vb_reception_test_wo_status_is,
                                  (gpointer) "In progress", WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-02-status-live");

  png = make_png ();
  path = g_strdup_printf ("/api/v1/attachments?location_id=%s&purpose=photo&file_name=cabin-filter.png", location);
  reply = vb_test_request_full (server, "POST", path, bay_token, "image/png", png, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  photo_id = g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
  g_clear_pointer (&reply, json_node_unref);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/api/v1/tasks/%s/checklist-results", task);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true, \"attachment_id\": \"%s\"}", photo_step, photo_id);
  reply = vb_test_call (server, "POST", path, bay_token, body, 201);
  g_clear_pointer (&reply, json_node_unref);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&body, g_free);
  g_assert_true (vb_gui_wait_for (photo_shown, photo_id, WAIT_MS));
  body = g_strdup_printf ("1 of %" G_GINT64_FORMAT " steps done", steps_total);
  g_assert_true (vb_gui_wait_for (vb_reception_test_wo_shows, body, WAIT_MS));
  g_clear_pointer (&body, g_free);
  g_assert_true (vb_gui_wait_for (picture_loaded, NULL, WAIT_MS));

  path = g_strdup_printf ("/api/v1/work-orders/%s/chat", order);
  reply = vb_test_call (server, "POST", path, bay_token, "{\"body\": \"" BAY_MESSAGE "\"}", 201);
  g_clear_pointer (&reply, json_node_unref);
  g_assert_true (vb_gui_wait_for (chat_has, (gpointer) BAY_MESSAGE, WAIT_MS));
  want[0] = BAY_MESSAGE;
  want[1] = BAY_NAME;
  g_assert_true (vb_gui_wait_for (chat_row_by, want, WAIT_MS));
  scroll_to ("photos_stack");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-03-bay-photo-chat");

  /* 3. The desk answers: exactly once in PostgreSQL, back in the page. */
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_wo_child ("send_button")));   /* nothing typed */
  gtk_editable_set_text (vb_reception_test_wo_child ("chat_entry"), DESK_MESSAGE);
  g_assert_true (gtk_widget_get_sensitive (vb_reception_test_wo_child ("send_button")));
  gtk_widget_activate (vb_reception_test_wo_child ("send_button"));
  g_assert_true (vb_gui_wait_for (chat_has, (gpointer) DESK_MESSAGE, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (vb_reception_test_wo_child ("chat_entry")), ==, "");
  /* The server's row replaces the local one (same id): one row, then the name. */
  g_assert_true (vb_gui_wait_for (chat_row_synced, (gpointer) DESK_MESSAGE, WAIT_MS));
  want[0] = DESK_MESSAGE;
  want[1] = DESK_NAME;
  g_assert_true (vb_gui_wait_for (chat_row_by, want, WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages WHERE body = $1",
                                                       DESK_MESSAGE), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages c JOIN users u ON u.id = c.author_id"
                                                       " WHERE u.email = $1", DESK_EMAIL), ==, 1);
  vb_gui_settle (500);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages WHERE body = $1",
                                                       DESK_MESSAGE), ==, 1);
  scroll_to ("chat_list");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-04-desk-replied");

  /* The photo opens larger. */
  {
    GtkWidget *child = gtk_widget_get_first_child (vb_reception_test_wo_child ("photos_box"));
    GtkWindow *viewer;

    gtk_widget_activate (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child)));
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_WINDOW), WAIT_MS));
    viewer = vb_gui_find_toplevel (ADW_TYPE_WINDOW);
    vb_gui_settle (300);
    vb_gui_save_screenshot (GTK_WIDGET (viewer), "pages-work-order-05-photo");
    gtk_window_destroy (viewer);
  }

  /* 4. Offline: a message sent anyway waits in the outbox, shown at once;
   * when the server returns it arrives exactly once, under its id. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  gtk_editable_set_text (vb_reception_test_wo_child ("chat_entry"), OFFLINE_MESSAGE);
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_wo_child ("send_button"), WAIT_MS));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (vb_reception_test_wo_child ("send_button")), "offline"));
  g_assert_true (gtk_widget_get_visible (vb_reception_test_wo_child ("chat_status_label")));
  gtk_widget_activate (vb_reception_test_wo_child ("send_button"));
  g_assert_true (vb_gui_wait_for (chat_row_waiting, (gpointer) OFFLINE_MESSAGE, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (vb_reception_test_wo_child ("chat_entry")), ==, "");
  g_assert_cmpuint (vb_cache_count_pending (vb_client_get_cache (vb_reception_test_client ())), >=, 1);
  {
    g_autofree char *local_id = dup_chat_id (OFFLINE_MESSAGE);

    g_assert_nonnull (local_id);
    g_assert_true (vb_cache_has_outbox_entry (vb_client_get_cache (vb_reception_test_client ()), "work_order_chat_messages",
                                              local_id));
  }
  /* The page still shows everything from the cache. */
  g_assert_true (vb_reception_test_wo_status_is ((gpointer) "In progress"));
  g_assert_true (chat_has ((gpointer) BAY_MESSAGE));
  scroll_to ("chat_list");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-06-offline");
  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_true (vb_gui_wait_for (chat_row_synced, (gpointer) OFFLINE_MESSAGE, WAIT_MS));
  {
    g_autofree char *id = dup_chat_id (OFFLINE_MESSAGE);

    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages WHERE body = $1",
                                                         OFFLINE_MESSAGE), ==, 1);
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages WHERE id = $1::uuid",
                                                         id), ==, 1);
  }
  vb_gui_settle (1000);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_chat_messages WHERE body = $1",
                                                       OFFLINE_MESSAGE), ==, 1);
  g_assert_true (chat_row_synced ((gpointer) OFFLINE_MESSAGE));
  g_assert_cmpuint (vb_cache_count_pending (vb_client_get_cache (vb_reception_test_client ())), ==, 0);
  scroll_to ("chat_list");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "pages-work-order-07-offline-synced");

  /* 5. The customer link. */
  gtk_widget_activate (vb_reception_test_wo_child ("customer_button"));
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "customer", WAIT_MS));
  g_assert_cmpstr (vb_customer_page_get_customer_id (vb_reception_test_desk_child ("customer_page")), ==, customer);
}

/* The page's texts and sums, without a display or server. */
static void
test_presentation (void)
{
  g_autofree char *hours = vb_work_order_dup_hours (15);
  g_autofree char *zero = vb_work_order_dup_hours (0);
  g_autofree char *progress = vb_work_order_dup_time_progress (4, 5, FALSE);
  g_autofree char *running = vb_work_order_dup_time_progress (4, 5, TRUE);
  g_autofree char *none = vb_work_order_dup_time_progress (0, 5, FALSE);
  g_autofree char *no_estimate = vb_work_order_dup_time_progress (12, 0, FALSE);
  g_autofree char *steps = vb_work_order_dup_steps_progress (3, 5);
  g_autofree char *today = NULL;
  g_autofree char *earlier = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 25, 15, 0, 0);
  g_autoptr(GDateTime) at = g_date_time_new_local (2026, 11, 25, 8, 30, 0);
  g_autoptr(GDateTime) before = g_date_time_new_local (2026, 11, 24, 8, 30, 0);
  g_autofree char *at_text = g_date_time_format_iso8601 (at);
  g_autofree char *before_text = g_date_time_format_iso8601 (before);
  g_autoptr(GListStore) entries = g_list_store_new (VB_TYPE_RECORD);
  g_autoptr(GListStore) results = g_list_store_new (VB_TYPE_RECORD);
  g_autoptr(GListStore) checks = g_list_store_new (VB_TYPE_RECORD);
  g_auto(GStrv) photos = NULL;
  static const struct { const char *entity; const char *json; } rows[] = {
    { "time_entries", "{\"id\": \"e1\", \"work_order_id\": \"w\", \"task_id\": \"t1\", \"kind\": \"productive\","
                      " \"ended_at\": \"2026-11-25T01:07:00Z\", \"tenths\": 2}" },
    { "time_entries", "{\"id\": \"e2\", \"work_order_id\": \"w\", \"task_id\": \"t2\", \"kind\": \"productive\","
                      " \"ended_at\": \"2026-11-25T02:00:00Z\", \"tenths\": 11}" },
    { "time_entries", "{\"id\": \"e3\", \"work_order_id\": \"w\", \"task_id\": \"t1\", \"kind\": \"productive\","
                      " \"ended_at\": null, \"tenths\": null}" },
    { "time_entries", "{\"id\": \"e4\", \"work_order_id\": \"w\", \"kind\": \"charging\","
                      " \"ended_at\": \"2026-11-25T02:00:00Z\", \"tenths\": 5}" },
    { "time_entries", "{\"id\": \"e5\", \"work_order_id\": \"other\", \"task_id\": \"t9\", \"kind\": \"productive\","
                      " \"ended_at\": \"2026-11-25T02:00:00Z\", \"tenths\": 7}" },
    { "checklist_results", "{\"id\": \"r1\", \"work_order_id\": \"w\", \"task_id\": \"t1\", \"step_id\": \"s1\","
                           " \"recorded_at\": \"2026-11-25T03:00:00Z\", \"attachment_id\": \"p2\"}" },
    { "checklist_results", "{\"id\": \"r2\", \"work_order_id\": \"w\", \"task_id\": \"t1\", \"step_id\": \"s1\","
                           " \"recorded_at\": \"2026-11-25T04:00:00Z\", \"attachment_id\": null}" },
    { "checklist_results", "{\"id\": \"r3\", \"work_order_id\": \"w\", \"task_id\": \"t1\", \"step_id\": \"s2\","
                           " \"recorded_at\": \"2026-11-25T01:00:00Z\", \"attachment_id\": \"p1\"}" },
    { "quality_checks", "{\"id\": \"q1\", \"work_order_id\": \"w\", \"checked_at\": \"2026-11-25T05:00:00Z\","
                        " \"photo_ids\": [\"p3\", \"p1\"]}" },
  };
  gboolean is_running = FALSE;

  g_assert_cmpstr (hours, ==, "1.5 h");
  g_assert_cmpstr (zero, ==, "0.0 h");
  g_assert_cmpstr (progress, ==, "0.4 h of 0.5 h");
  g_assert_cmpstr (running, ==, "0.4 h of 0.5 h · clock running");
  g_assert_cmpstr (none, ==, "Not clocked yet · 0.5 h estimated");
  g_assert_cmpstr (no_estimate, ==, "1.2 h (no estimate)");
  g_assert_cmpstr (steps, ==, "3 of 5 steps done");
  g_assert_null (vb_work_order_dup_steps_progress (0, 0));
  g_assert_cmpstr (vb_work_order_status_get_style ("ready"), ==, "success");
  g_assert_cmpstr (vb_work_order_status_get_style ("quarantined"), ==, "error");
  g_assert_cmpstr (vb_work_order_task_status_get_label ("pending"), ==, "To do");
  today = vb_work_order_dup_chat_time (at_text, now);
  g_assert_cmpstr (today, ==, "08:30");
  earlier = vb_work_order_dup_chat_time (before_text, now);
  g_assert_nonnull (strstr (earlier, "24"));
  g_assert_nonnull (strstr (earlier, "08:30"));
  g_assert_null (vb_work_order_dup_chat_time ("yesterday", now));

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(VbRecord) record = NULL;
      JsonObject *row;

      g_assert_true (json_parser_load_from_data (parser, rows[i].json, -1, NULL));
      row = json_node_get_object (json_parser_get_root (parser));
      record = vb_record_new (rows[i].entity, row);
      g_list_store_append (g_str_equal (rows[i].entity, "time_entries") ? entries
                           : g_str_equal (rows[i].entity, "quality_checks") ? checks : results, record);
    }
  /* Productive, finished, of the order (and of the task); running flagged. */
  g_assert_cmpint (vb_work_order_sum_clocked (G_LIST_MODEL (entries), "w", NULL, &is_running), ==, 13);
  g_assert_true (is_running);
  g_assert_cmpint (vb_work_order_sum_clocked (G_LIST_MODEL (entries), "w", "t2", &is_running), ==, 11);
  g_assert_false (is_running);
  /* Distinct steps with a result. */
  g_assert_cmpuint (vb_work_order_count_steps_done (G_LIST_MODEL (results), "t1"), ==, 2);
  g_assert_cmpuint (vb_work_order_count_steps_done (G_LIST_MODEL (results), "t2"), ==, 0);
  /* Photos oldest first, once each. */
  photos = vb_work_order_dup_photo_ids (G_LIST_MODEL (results), NULL, G_LIST_MODEL (checks), "w");
  g_assert_cmpuint (g_strv_length (photos), ==, 3);
  g_assert_cmpstr (photos[0], ==, "p1");
  g_assert_cmpstr (photos[1], ==, "p2");
  g_assert_cmpstr (photos[2], ==, "p3");
}

static void
test_work_order_day (void)
{
  vb_reception_test_run (work_order_day, 1100, 760);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=" DESK_NAME,
                             "--role=reception", "--location=HCM-D1", NULL };
  const char *add_bay[] = { "user-add", "--email=" BAY_EMAIL, "--name=" BAY_NAME,
                            "--role=technician", "--location=HCM-D1", NULL };
  int status = -1;
  int result;

  vb_test_init (&argc, &argv);

  server = vb_test_server_start_tls ();
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_bay, BAY_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);

  g_test_add_func ("/reception-work-order/presentation", test_presentation);
  g_test_add_func ("/reception-work-order/work-order-day", test_work_order_day);

  result = g_test_run ();
  vb_test_server_stop (server);
  return result;
}
