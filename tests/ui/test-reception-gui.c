/* test-reception-gui.c — the reception app against a real server, on a
 * real (virtual) display, with a real keyring.
 *
 * Run through run-gui-test.sh (Xvfb, private D-Bus, unlocked gnome-keyring,
 * throw-away HOME).  The cases run in order and share one TLS server and
 * one user, like a desk's day: first sign-in (trust the certificate), a
 * restart that needs no sign-in, the server going away and coming back, a
 * log-out (which deletes the schedules and PDFs kept on disk for the user)
 * and an admin's first sign-in with TOTP enrolment, and finally a
 * server with a different certificate, which must be refused.  Between
 * the reconnection and the log-out, Preferences: a default location the
 * Bookings page then opens on, and a turned-off announcement that stays
 * quiet while the other kind still speaks.  Each state
 * is saved as a PNG in <build>/tests/ui-artifacts/.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <libsecret/secret.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"
#include "vb-totp.h"

#include "vb-client.h"
#include "vb-client-error.h"
#include "vb-bookings-page.h"
#include "vb-cache.h"
#include "vb-connection-indicator.h"
#include "vb-desk-view.h"
#include "vb-live-connection.h"
#include "vb-login-page.h"
#include "vb-pin-store.h"
#include "vb-preferences-dialog.h"
#include "vb-record.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-secret-store.h"
#include "vb-session.h"
#include "vb-sign-in-view.h"
#include "vb-sync-engine.h"
#include "vb-totp-enrol-page.h"
#include "vb-vehicle-panel.h"

#define DESK_EMAIL    "lan.pham@example.com"
#define DESK_NAME     "Lan Pham"
#define DESK_PASSWORD "front desk password 42"
#define ADMIN_EMAIL   "owner@example.com"
#define ADMIN_PASSWORD "owner password for tests"
#define WAIT_MS       30000

static VbTestServer           *server;
static char                   *first_fingerprint;

/* Helpers: this app's widgets (the rest are in vb-gui-test.c) */

static VbReceptionWindow *
window (void)
{
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (vb_reception_test_app ()));

  if (w == NULL)
    {
      GList *windows = gtk_application_get_windows (GTK_APPLICATION (vb_reception_test_app ()));
      for (GList *l = windows; l != NULL; l = l->next)
        if (VB_IS_RECEPTION_WINDOW (l->data))
          w = l->data;
    }
  g_assert_true (VB_IS_RECEPTION_WINDOW (w));
  return VB_RECEPTION_WINDOW (w);
}

static VbSignInView *
sign_in_view (void)
{
  return vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "sign_in_view");
}

static VbLoginPage *
login_page (void)
{
  return vb_gui_child (sign_in_view (), VB_TYPE_SIGN_IN_VIEW, "login_page");
}

static VbConnectionIndicator *
indicator (void)
{
  return vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "indicator");
}

static const char *
main_stack_page (void)
{
  return gtk_stack_get_visible_child_name (vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "stack"));
}

static char *
dialog_text (AdwMessageDialog *dialog)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s\n%s\n", adw_message_dialog_get_heading (dialog),
                          adw_message_dialog_get_body (dialog));
  vb_gui_collect (adw_message_dialog_get_extra_child (dialog), text, NULL, NULL);
  /* Compare fingerprints without the display line break. */
  g_strdelimit (text->str, "\n", ':');
  return g_string_free (text, FALSE);
}

static gboolean
state_is (gpointer data)
{
  return (int) vb_connection_indicator_get_state (indicator ()) == GPOINTER_TO_INT (data);
}

/* Once the user's cache syncs, the indicator speaks of the sync too. */
static gboolean
label_is (gpointer data)
{
  return g_strcmp0 (vb_connection_indicator_get_label (indicator ()), data) == 0;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (main_stack_page (), data) == 0;
}

static gboolean
step_is (gpointer data)
{
  return g_strcmp0 (main_stack_page (), "sign-in") == 0 &&
         g_strcmp0 (vb_sign_in_view_get_step (sign_in_view ()), data) == 0;
}

static gboolean
login_idle (gpointer data)
{
  GtkWidget *button = vb_gui_child (login_page (), VB_TYPE_LOGIN_PAGE, "sign_in_button");

  return gtk_widget_get_sensitive (button) && vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL;
}

static void
fill_and_submit (const char *server_url,
                 const char *email,
                 const char *password)
{
  VbLoginPage *page = login_page ();

  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "server_row"), server_url);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "email_row"), email);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "password_row"), password);
  gtk_widget_activate (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "sign_in_button"));
}

static const char *
login_error (void)
{
  GtkLabel *label = vb_gui_child (login_page (), VB_TYPE_LOGIN_PAGE, "error_label");

  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (label) : NULL;
}

typedef struct
{
  GList   *items;
  GError  *error;
  gboolean done;
} Search;

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Search *search = user_data;

  search->items = secret_password_search_finish (result, &search->error);
  search->done = TRUE;
}

/* The application's items in the keyring.  Async on the default context, as
 * the app does it: the _sync variant runs libsecret's item initialisation in
 * a private context it drops half-done, which LeakSanitizer reports. */
static GList *
keyring_items (void)
{
  for (guint attempt = 0; ; attempt++)
    {
      Search search = { 0 };

      secret_password_search (vb_secret_store_get_schema (), SECRET_SEARCH_ALL, NULL,
                              search_cb, &search,
                              "application", VB_RECEPTION_APPLICATION_ID, NULL);
      while (!search.done)
        g_main_context_iteration (NULL, TRUE);
      /* An item the app deletes while we look is gone between the search
       * and its loading: look again. */
      if (search.error != NULL && attempt < 10)
        {
          g_test_message ("keyring search: %s", search.error->message);
          g_clear_error (&search.error);
          vb_gui_settle (50);
          continue;
        }
      g_assert_no_error (search.error);
      return search.items;
    }
}

static guint
keyring_count (void)
{
  GList *items = keyring_items ();
  guint n = g_list_length (items);

  g_list_free_full (items, g_object_unref);
  return n;
}

static gboolean
keyring_empty (gpointer data)
{
  return keyring_count () == 0;
}

static gboolean
keyring_has_one (gpointer data)
{
  return keyring_count () == 1;
}

static gboolean
user_known (gpointer data)
{
  VbSession *session = vb_client_get_session (vb_reception_test_client ());

  return session != NULL && vb_session_get_user (session) != NULL;
}

/* The cases, in order; each is one start of the app */

static void
first_sign_in (void)
{
  g_autofree char *text = NULL;
  g_autofree char *pinned = NULL;
  g_autoptr(VbPinStore) pins = NULL;
  g_autofree char *key = g_strdup_printf ("127.0.0.1:%u", server->port);
  AdwMessageDialog *dialog;
  AdwStatusPage *status;
  GList *items;

  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  /* The server address field offers the documented default. */
  g_assert_cmpstr (vb_login_page_get_server (login_page ()), ==, VB_DEFAULT_SERVER_ADDRESS);
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "01-sign-in");

  /* First contact: the certificate is shown for confirmation before the
   * password goes anywhere. */
  fill_and_submit (server->base_url, DESK_EMAIL, "not the password");
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, first_fingerprint));
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "02-trust-certificate");
  /* As a click on the button does: the response, then the dialog closes. */
  adw_message_dialog_response (dialog, "trust");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Trusted, then the wrong password: an inline error, the form kept. */
  g_assert_true (vb_gui_wait_for (login_idle, NULL, WAIT_MS));
  g_assert_cmpstr (login_error (), ==, "Wrong e-mail address or password");
  g_assert_cmpstr (vb_login_page_get_email (login_page ()), ==, DESK_EMAIL);
  g_assert_cmpstr (vb_login_page_get_server (login_page ()), ==, server->base_url);
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "03-wrong-password");

  /* The pin is on disk. */
  pins = vb_pin_store_new (NULL);
  pinned = vb_pin_store_dup_fingerprint (pins, key);
  g_assert_cmpstr (pinned, ==, first_fingerprint);

  fill_and_submit (server->base_url, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));

  status = vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "status_page");
  g_assert_true (vb_gui_wait_for (user_known, NULL, WAIT_MS));
  g_assert_cmpstr (adw_status_page_get_title (status), ==, DESK_NAME);
  g_assert_cmpstr (adw_status_page_get_description (status), ==, "Reception — HCM-D1");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "04-online");

  /* The token went to the keyring. */
  g_assert_true (vb_gui_wait_for (keyring_has_one, NULL, WAIT_MS));
  items = keyring_items ();
  g_assert_cmpstr (g_hash_table_lookup (secret_retrievable_get_attributes (items->data), "email"),
                   ==, DESK_EMAIL);
  g_list_free_full (items, g_object_unref);
}

static void
test_first_sign_in (void)
{
  vb_reception_test_run (first_sign_in, 960, 680);
}

static void
restart_keeps_session (void)
{
  gboolean saw_form = FALSE;

  /* Restoring from the keyring never shows the form. */
  while (!page_is ("main"))
    {
      saw_form |= step_is ("credentials");
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_false (saw_form);
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  g_assert_cmpstr (vb_session_get_email (vb_client_get_session (vb_reception_test_client ())), ==, DESK_EMAIL);
  g_assert_true (vb_gui_wait_for (user_known, NULL, WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "05-restored-from-keyring");

  /* The server goes away: offline, but still signed in. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_OFFLINE), WAIT_MS));
  g_assert_cmpstr (vb_connection_indicator_get_label (indicator ()), ==, "Offline");
  g_assert_cmpstr (main_stack_page (), ==, "main");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "06-offline");
}

static void
test_restart_keeps_session (void)
{
  vb_reception_test_run (restart_keeps_session, 960, 680);
}

static void
start_offline (void)
{
  /* Started while the server is down: signed in from the keyring, offline,
   * and back online by itself when the server returns. */
  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_OFFLINE), WAIT_MS));
  /* The offline cache is open all the same: the user id came with the
   * session from the keyring. */
  g_assert_nonnull (vb_client_get_sync_engine (vb_reception_test_client ()));
  g_assert_cmpstr (vb_connection_indicator_get_label (indicator ()), ==, "Offline");
  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  /* /me is fetched now, and with it the cache opens and syncs. */
  g_assert_true (vb_gui_wait_for (user_known, NULL, WAIT_MS));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_nonnull (vb_client_get_sync_engine (vb_reception_test_client ()));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "07-reconnected");
}

static void
test_start_offline_then_reconnect (void)
{
  vb_reception_test_run (start_offline, 960, 680);
}

/* Preferences */

static gboolean
window_shows (gpointer needle)
{
  g_autoptr(GString) text = g_string_new (NULL);

  vb_gui_collect (GTK_WIDGET (window ()), text, NULL, NULL);
  return strstr (text->str, needle) != NULL;
}

static VbBookingsPage *
bookings_page (void)
{
  GtkWidget *desk = gtk_stack_get_child_by_name (vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "stack"),
                                                 "main");

  return vb_gui_child (desk, VB_TYPE_DESK_VIEW, "bookings_page");
}

static gboolean
bookings_location_is (gpointer data)
{
  GtkDropDown *dropdown = vb_gui_child (bookings_page (), VB_TYPE_BOOKINGS_PAGE, "location_dropdown");
  GObject *item = gtk_drop_down_get_selected_item (dropdown);

  return VB_IS_RECORD (item) && g_strcmp0 (vb_record_get_id (VB_RECORD (item)), data) == 0;
}

static gboolean
n_items_at_least (gpointer data)
{
  AdwComboRow *row = data;
  GListModel *model = adw_combo_row_get_model (row);

  return model != NULL && g_list_model_get_n_items (model) >= 3;
}

static gboolean
work_order_ready (gpointer id)
{
  g_autoptr(JsonObject) row = vb_cache_get (vb_client_get_cache (vb_reception_test_client ()), "work_orders", id);

  return row != NULL && g_strcmp0 (json_object_get_string_member_with_default (row, "status", NULL), "ready") == 0;
}

/* A manager of the order's shop passes its quality check: it is ready. */
static void
make_ready (const char *order,
            const char *code)
{
  g_autofree char *lower = g_ascii_strdown (code, -1);
  g_autofree char *email = g_strdup_printf ("manager.%s@example.com", lower);
  g_autofree char *manager = vb_test_user_token (server, email, "manager", code);
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/quality-checks", order);
  g_autofree char *status_path = g_strdup_printf ("/api/v1/work-orders/%s/status", order);
  JsonNode *reply;

  reply = vb_test_call (server, "POST", path, manager,
                        "{\"items\": [{\"name\": \"Road test\", \"passed\": true}], \"passed\": true}", 201);
  json_node_unref (reply);
  reply = vb_test_call (server, "POST", status_path, manager, "{\"status\": \"ready\"}", 200);
  json_node_unref (reply);
}

static void
db_run (const char *sql)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_exec (db, sql, 0, NULL, &error);

  g_assert_no_error (error);
}

static void
preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);
  g_autoptr(GPtrArray) locations = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  g_autofree char *chosen_id = NULL;
  g_autofree char *chosen_default = NULL;
  g_auto(GStrv) accels = NULL;
  VbPreferencesDialog *dialog;
  AdwComboRow *location_row;
  GListModel *model;
  GtkSwitch *ready_switch;
  guint chosen = 0;

  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  chosen_default = g_settings_get_string (settings, "default-location");
  g_assert_cmpstr (chosen_default, ==, "");
  g_clear_pointer (&chosen_default, g_free);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (vb_reception_test_app ()), "app.preferences");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");

  /* Without a preference, Bookings shows the user's first shop. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.show-page", "s", "bookings");
  {
    g_autoptr(VbCache) cache = g_object_ref (vb_client_get_cache (vb_reception_test_client ()));
    g_autoptr(GPtrArray) first = vb_cache_list_where (cache, "locations", NULL, "code", "HCM-D1", NULL, FALSE, 0);

    g_assert_cmpuint (first->len, ==, 1);
    g_assert_true (vb_gui_wait_for (bookings_location_is,
                                    (gpointer) json_object_get_string_member (g_ptr_array_index (first, 0), "id"),
                                    WAIT_MS));
  }

  /* Opened as Ctrl+comma and the primary menu do. */
  g_action_group_activate_action (G_ACTION_GROUP (vb_reception_test_app ()), "preferences", NULL);
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_PREFERENCES_DIALOG), WAIT_MS));
  dialog = VB_PREFERENCES_DIALOG (vb_gui_find_toplevel (VB_TYPE_PREFERENCES_DIALOG));

  /* The default location: the other shop, by its code (the desk opens on
   * the user's first, HCM-D1). */
  location_row = vb_gui_child (dialog, VB_TYPE_PREFERENCES_DIALOG, "location_row");
  g_assert_true (vb_gui_wait_for (n_items_at_least, location_row, WAIT_MS));
  g_assert_cmpuint (adw_combo_row_get_selected (location_row), ==, 0);
  model = adw_combo_row_get_model (location_row);
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    if (strstr (gtk_string_list_get_string (GTK_STRING_LIST (model), i), "(HN-CG)") != NULL)
      chosen = i;
  g_assert_cmpuint (chosen, >, 0);
  adw_combo_row_set_selected (location_row, chosen);
  locations = vb_cache_list (vb_client_get_cache (vb_reception_test_client ()), "locations", NULL, NULL, FALSE, 0);
  for (guint i = 0; i < locations->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (locations, i), "code", NULL),
                   "HN-CG") == 0)
      chosen_id = g_strdup (json_object_get_string_member (g_ptr_array_index (locations, i), "id"));
  g_assert_nonnull (chosen_id);
  chosen_default = g_settings_get_string (settings, "default-location");
  g_assert_cmpstr (chosen_default, ==, chosen_id);

  /* "Vehicles ready" off. */
  ready_switch = vb_gui_child (dialog, VB_TYPE_PREFERENCES_DIALOG, "ready_switch");
  g_assert_true (gtk_switch_get_active (ready_switch));
  gtk_switch_set_active (ready_switch, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "notify-vehicles-ready"));
  g_assert_true (g_settings_get_boolean (settings, "notify-customer-replies"));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "20-preferences");
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_PREFERENCES_DIALOG), WAIT_MS));

  /* The Bookings page moves to the chosen shop (nobody picked one on it). */
  g_assert_true (vb_gui_wait_for (bookings_location_is, chosen_id, WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "21-bookings-default-location");

  /* A car turning ready says nothing now (the alert would come in the
   * commit that makes the cache say "ready")... */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (server);
    g_autoptr(GError) error = NULL;
    /* One order in quality check per shop of the desk's. */
    g_autoptr(PGresult) res = vb_db_exec (db,
                                          "SELECT DISTINCT ON (l.code) w.id, l.code FROM work_orders w"
                                          " JOIN locations l ON l.id = w.location_id"
                                          " WHERE l.code IN ('HCM-D1', 'HN-CG') AND w.status = 'quality_check'"
                                          " ORDER BY l.code, w.number", 0, NULL, &error);

    g_assert_no_error (error);
    orders = g_ptr_array_new_with_free_func (g_free);
    for (int i = 0; i < PQntuples (res); i++)
      {
        g_ptr_array_add (orders, g_strdup (vb_db_get (res, i, 0)));
        g_ptr_array_add (orders, g_strdup (vb_db_get (res, i, 1)));
      }
  }
  g_assert_cmpuint (orders->len, ==, 4);
  make_ready (g_ptr_array_index (orders, 0), g_ptr_array_index (orders, 1));
  g_assert_true (vb_gui_wait_for (work_order_ready, g_ptr_array_index (orders, 0), WAIT_MS));
  vb_gui_settle (500);
  g_assert_false (window_shows ((gpointer) "Vehicle ready"));

  /* ...and speaks again once turned back on. */
  g_settings_set_boolean (settings, "notify-vehicles-ready", TRUE);
  make_ready (g_ptr_array_index (orders, 2), g_ptr_array_index (orders, 3));
  g_assert_true (vb_gui_wait_for (window_shows, (gpointer) "Vehicle ready", WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "22-vehicle-ready-turned-on");

  g_settings_reset (settings, "default-location");
  g_settings_reset (settings, "notify-vehicles-ready");
  db_run ("DELETE FROM role_assignments WHERE location_id = (SELECT id FROM locations WHERE code = 'HN-CG')"
          " AND user_id = (SELECT id FROM users WHERE email = '" DESK_EMAIL "')");
}

static void
test_preferences (void)
{
  /* For this case the desk also works at HN-CG (a second shop to choose);
   * touching the location row sends it to the desk's cache. */
  db_run ("INSERT INTO role_assignments (user_id, role_id, location_id)"
          " SELECT u.id, r.id, l.id FROM users u, roles r, locations l"
          " WHERE u.email = '" DESK_EMAIL "' AND r.name = 'reception' AND l.code = 'HN-CG'");
  db_run ("UPDATE locations SET name = name WHERE code = 'HN-CG'");
  vb_reception_test_run (preferences, 960, 680);
}

static gboolean
enrol_ready (gpointer data)
{
  VbTotpEnrolPage *page = vb_gui_child (sign_in_view (), VB_TYPE_SIGN_IN_VIEW, "enrol_page");

  return step_is ("enrol") && vb_totp_enrol_page_get_secret (page) != NULL;
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static void
log_out_and_enrol (void)
{
  g_autofree char *vehicle = vb_reception_test_db_value (server, "SELECT v.id FROM vehicles v JOIN locations l ON l.id = v.location_id"
                                                                 " WHERE l.code = $1 ORDER BY v.plate LIMIT 1", "HCM-D1");
  g_autofree char *customer = vb_reception_test_db_value (server, "SELECT customer_id FROM vehicles WHERE id = $1::uuid",
                                                          vehicle);
  g_autofree char *saved_dir = NULL;
  g_autofree char *schedule_name = g_strconcat (vehicle, ".json", NULL);
  g_autofree char *schedule_file = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *code = NULL;
  VbTotpEnrolPage *page;
  guint status = 0;

  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  token = g_strdup (vb_session_get_token (vb_client_get_session (vb_reception_test_client ())));
  /* A vehicle's maintenance schedule, read from the server, is kept on
   * disk in the user's directory (customer data)... */
  saved_dir = vb_vehicle_panel_dup_saved_dir (vb_reception_test_client ());
  g_assert_nonnull (saved_dir);
  schedule_file = g_build_filename (saved_dir, "schedules", schedule_name, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.open-record", "(ss)",
                                             "customers", customer));
  g_assert_true (vb_gui_wait_for (file_exists, schedule_file, WAIT_MS));
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.log-out", NULL);
  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  g_assert_true (vb_gui_wait_for (keyring_empty, NULL, WAIT_MS));
  /* ...and gone with the sign-out, directory and all. */
  g_assert_false (g_file_test (schedule_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (saved_dir, G_FILE_TEST_EXISTS));
  /* The e-mail stays for the next sign-in; the password does not. */
  g_assert_cmpstr (vb_login_page_get_email (login_page ()), ==, DESK_EMAIL);
  g_assert_cmpstr (vb_login_page_get_password (login_page ()), ==, "");
  /* Revoked on the server, not just forgotten here. */
  vb_gui_settle (300);
  reply = vb_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 401);

  /* An administrator's first sign-in: TOTP enrolment is required. */
  fill_and_submit (server->base_url, ADMIN_EMAIL, ADMIN_PASSWORD);
  g_assert_true (vb_gui_wait_for (enrol_ready, NULL, WAIT_MS));
  page = vb_gui_child (sign_in_view (), VB_TYPE_SIGN_IN_VIEW, "enrol_page");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "08-totp-enrolment");
  secret = g_strdup (vb_totp_enrol_page_get_secret (page));
  code = vb_totp_code_for_step (secret, vb_totp_step_for_time (g_get_real_time () / G_USEC_PER_SEC));
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_TOTP_ENROL_PAGE, "code_row"), code);
  gtk_widget_activate (vb_gui_child (page, VB_TYPE_TOTP_ENROL_PAGE, "verify_button"));

  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  g_assert_cmpint (vb_session_get_pending (vb_client_get_session (vb_reception_test_client ())), ==,
                   VB_SESSION_PENDING_NONE);
  /* The secret does not linger in the widgets. */
  g_assert_null (vb_totp_enrol_page_get_secret (page));
  g_assert_true (vb_gui_wait_for (keyring_has_one, NULL, WAIT_MS));
}

static void
test_log_out_and_enrol (void)
{
  vb_reception_test_run (log_out_and_enrol, 960, 680);
}

static void
certificate_changed (void)
{
  g_autofree char *new_fingerprint = NULL;
  g_autofree char *text = NULL;
  AdwMessageDialog *dialog;

  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_ONLINE), WAIT_MS));
  vb_gui_stop_server (server);
  vb_test_server_restart (server, TRUE);
  new_fingerprint = vb_certificate_dup_fingerprint (server->pinned);
  g_assert_cmpstr (new_fingerprint, !=, first_fingerprint);

  /* The live connection's reconnection meets the new certificate. */
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, "Server Identity Changed"));
  g_assert_nonnull (strstr (text, first_fingerprint));
  g_assert_nonnull (strstr (text, new_fingerprint));
  /* Nothing offered but closing: no silent re-trust. */
  g_assert_true (adw_message_dialog_has_response (dialog, "close"));
  g_assert_false (adw_message_dialog_has_response (dialog, "trust"));
  g_assert_true (vb_gui_wait_for (state_is, GINT_TO_POINTER (VB_CONNECTION_STATE_OFFLINE), WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "09-certificate-changed");
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "10-refused-offline");
  adw_message_dialog_response (dialog, "close");
  gtk_window_destroy (GTK_WINDOW (dialog));
  vb_gui_settle (300);
  /* It stays refused: no retries behind the user's back, by the live
   * connection or the sync engine. */
  g_assert_false (vb_live_connection_is_running (vb_client_get_live (vb_reception_test_client ())));
  g_assert_nonnull (vb_client_get_sync_engine (vb_reception_test_client ()));
  g_assert_false (vb_sync_engine_is_running (vb_client_get_sync_engine (vb_reception_test_client ())));
  g_assert_null (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  /* Signing in again is refused the same way, with the form kept. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.log-out", NULL);
  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  fill_and_submit (server->base_url, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_free (text);
  text = dialog_text (dialog);
  g_assert_nonnull (strstr (text, new_fingerprint));
  adw_message_dialog_response (dialog, "close");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (vb_gui_wait_for (login_idle, NULL, WAIT_MS));
  g_assert_nonnull (strstr (login_error (), "certificate has changed"));
  g_assert_cmpstr (vb_login_page_get_email (login_page ()), ==, DESK_EMAIL);
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "11-sign-in-refused");
}

static void
test_certificate_changed (void)
{
  vb_reception_test_run (certificate_changed, 960, 680);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=" DESK_NAME,
                             "--role=reception", "--location=HCM-D1", NULL };
  const char *add_admin[] = { "user-add", "--email=" ADMIN_EMAIL, "--name=Owner",
                              "--role=admin", "--location=all", NULL };
  g_autofree char *out = NULL;
  int status = -1;
  int result;

  vb_test_init (&argc, &argv);

  server = vb_test_server_start_tls ();
  first_fingerprint = vb_certificate_dup_fingerprint (server->pinned);
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  out = vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status);
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_admin, ADMIN_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);

  g_test_add_func ("/reception/first-sign-in", test_first_sign_in);
  g_test_add_func ("/reception/restart-keeps-session", test_restart_keeps_session);
  g_test_add_func ("/reception/start-offline-then-reconnect", test_start_offline_then_reconnect);
  g_test_add_func ("/reception/preferences", test_preferences);
  g_test_add_func ("/reception/log-out-and-enrol", test_log_out_and_enrol);
  g_test_add_func ("/reception/certificate-changed", test_certificate_changed);

  result = g_test_run ();
  vb_test_server_stop (server);
  g_free (first_fingerprint);
  return result;
}
