/* test-sync-gui.c — the reception app keeps an offline cache and syncs it,
 * and shows that in the header bar.
 *
 * Run through run-gui-test.sh (Xvfb, private D-Bus, unlocked gnome-keyring,
 * throw-away HOME and XDG directories) against a real TLS server.  One
 * start of the app, as a desk's morning: sign in → "Up to date" with the
 * cache file (0600) under XDG_DATA_HOME; the server goes away and a new
 * customer is made → "Offline — 1 change waiting"; the server returns →
 * "Up to date" and the customer is in PostgreSQL once; a vehicle with an
 * invalid VIN is refused → the warning button, the problems dialog, and
 * Dismiss makes both go.  Then a start while the server is down: the
 * cache (found through the user id kept in the keyring) takes a change
 * that reaches PostgreSQL once the server is back; a log-out drops the
 * engine but keeps the file, and signing in again reopens it.
 * There are no pages yet, so changes go through
 * the app's own VbSyncEngine (vb_client_get_sync_engine), as pages will.
 * Screenshots in <build>/tests/ui-artifacts/sync-*.png.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "vb-gui-test.h"

#include "vb-cache.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-live-connection.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-session.h"
#include "vb-sign-in-view.h"
#include "vb-sync-engine.h"
#include "vb-sync-problems-dialog.h"

#define DESK_EMAIL    "lan.pham@example.com"
#define DESK_NAME     "Lan Pham"
#define DESK_PASSWORD "front desk password 42"
#define WAIT_MS       30000

static VbTestServer           *server;
static VbReceptionApplication *app;
static char                   *cache_path;   /* the desk's, from the first case */
static char                   *location_id;  /* the desk's location, from /me there */

/* Helpers: this app's widgets (the rest are in vb-gui-test.c) */

static VbReceptionWindow *
window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (VB_IS_RECEPTION_WINDOW (l->data))
      return l->data;
  g_assert_not_reached ();
}

static VbClient *
client (void)
{
  return vb_application_get_client (VB_APPLICATION (app));
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

static GtkWidget *
problems_button (void)
{
  return vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW, "problems_button");
}

/* SIGTERM with the app's loop running (the server waits for the clients'
 * answer to its 1001 close), then the clean-exit check. */
static void
stop_server (void)
{
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
}

static gboolean
label_is (gpointer data)
{
  return g_strcmp0 (vb_connection_indicator_get_label (indicator ()), data) == 0;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (vb_gui_child (window (), VB_TYPE_RECEPTION_WINDOW,
                                                             "stack")), data) == 0;
}

static gboolean
step_is (gpointer data)
{
  return page_is ("sign-in") &&
         g_strcmp0 (vb_sign_in_view_get_step (sign_in_view ()), data) == 0;
}

static gint64
db_count (const char *sql,
          const char *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, 1, params, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

/* The desk's location, from /me. */
static const char *
desk_location_id (void)
{
  JsonObject *user = vb_session_get_user (vb_client_get_session (client ()));
  JsonArray *roles = json_object_get_array_member (user, "roles");

  return json_object_get_string_member (json_array_get_object_element (roles, 0), "location_id");
}

static void
sign_in (gboolean trust_first)
{
  VbLoginPage *page;
  AdwMessageDialog *trust;

  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  page = login_page ();
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "server_row"), server->base_url);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "email_row"), DESK_EMAIL);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "password_row"), DESK_PASSWORD);
  gtk_widget_activate (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "sign_in_button"));
  if (!trust_first)
    {
      g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
      return;
    }
  /* First contact: trust the certificate (test-reception-gui.c checks the
   * dialog itself). */
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
  trust = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (trust, "trust");
  gtk_window_destroy (GTK_WINDOW (trust));
  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
}

/* The case */

static gboolean
server_unreachable (gpointer data)
{
  return !vb_client_get_can_reach_server (client ());
}

static void
desk_morning (void)
{
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autoptr(JsonObject) vehicle = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) dismiss = g_ptr_array_new ();
  g_autofree char *customer_id = NULL;
  g_autofree char *caches = NULL;
  VbSyncEngine *engine;
  VbCache *cache;
  GtkWindow *dialog;
  struct stat st;
  gint64 seq;

  sign_in (TRUE);

  /* Signed in: the first catch-up, then "Up to date". */
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  engine = vb_client_get_sync_engine (client ());
  cache = vb_client_get_cache (client ());
  g_assert_nonnull (engine);
  g_assert_true (vb_sync_engine_get_cache (engine) == cache);
  g_assert_true (vb_sync_engine_get_caught_up (engine));
  g_assert_true (vb_client_get_can_reach_server (client ()));
  g_assert_false (gtk_widget_get_visible (problems_button ()));

  /* The cache: per server and user under XDG_DATA_HOME, owner-only. */
  caches = g_build_filename (g_get_user_data_dir (), "voltbay", "caches", NULL);
  g_assert_true (g_str_has_prefix (vb_cache_get_path (cache), caches));
  g_assert_true (g_str_has_suffix (vb_cache_get_path (cache), ".sqlite"));
  g_assert_cmpint (g_stat (vb_cache_get_path (cache), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* The demo data reached it. */
  g_assert_cmpuint (vb_cache_count (cache, "locations"), >, 0);
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "sync-01-up-to-date");

  /* The server goes away; a customer is made at the desk meanwhile. */
  stop_server ();
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline", WAIT_MS));
  /* A failed pull can say Offline a moment before the live connection
   * has seen its close. */
  g_assert_true (vb_gui_wait_for (server_unreachable, NULL, WAIT_MS));
  json_object_set_string_member (customer, "kind", "person");
  json_object_set_string_member (customer, "given_name", "Minh");
  json_object_set_string_member (customer, "family_name", "Offline");
  json_object_set_string_member (customer, "preferred_location_id", desk_location_id ());
  seq = vb_sync_engine_create (engine, "customers", "/api/v1/customers", customer, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seq, >, 0);
  customer_id = g_strdup (json_object_get_string_member (customer, "id"));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline — 1 change waiting", WAIT_MS));
  /* It shows locally at once. */
  json_object_unref (vb_cache_get (cache, "customers", customer_id));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "sync-02-offline-change-waiting");

  /* The server returns: pushed, pulled back, up to date; in PostgreSQL once. */
  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_cmpuint (vb_sync_engine_get_pending (engine), ==, 0);
  g_assert_cmpint (db_count ("SELECT count(*) FROM customers WHERE id = $1::uuid", customer_id), ==, 1);
  g_assert_cmpint (db_count ("SELECT count(*) FROM customers WHERE family_name = $1", "Offline"), ==, 1);
  g_assert_nonnull (vb_cache_get_server_row (cache, "customers", customer_id));
  json_object_unref (vb_cache_get_server_row (cache, "customers", customer_id));

  /* A change the server refuses: the warning button. */
  json_object_set_string_member (vehicle, "customer_id", customer_id);
  json_object_set_string_member (vehicle, "vin", "NOT-A-VIN");
  json_object_set_string_member (vehicle, "plate", "51A-999.99");
  seq = vb_sync_engine_create (engine, "vehicles", "/api/v1/vehicles", vehicle, &error);
  g_assert_no_error (error);
  g_assert_true (vb_gui_wait_for (vb_gui_widget_visible, problems_button (), WAIT_MS));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_cmpstr (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (problems_button ())) ==
                   GTK_ACCESSIBLE_ROLE_BUTTON ? "button" : "other", ==, "button");
  vb_gui_collect (problems_button (), text, NULL, NULL);
  g_assert_nonnull (strstr (text->str, "1 change needs attention"));
  g_assert_cmpint (db_count ("SELECT count(*) FROM vehicles WHERE customer_id = $1::uuid", customer_id), ==, 0);
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "sync-03-change-needs-attention");

  /* The dialog: what was tried and why it failed. */
  gtk_widget_activate (problems_button ());
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  dialog = vb_gui_find_toplevel (VB_TYPE_SYNC_PROBLEMS_DIALOG);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (window ()));
  g_assert_cmpuint (vb_sync_problems_dialog_get_n_rows (VB_SYNC_PROBLEMS_DIALOG (dialog)), ==, 1);
  g_string_truncate (text, 0);
  vb_gui_collect (GTK_WIDGET (dialog), text, "_Dismiss", dismiss);
  g_test_message ("problems dialog: %s", text->str);
  /* In the forms' words (vb-problem-presentation.c), the field named. */
  g_assert_nonnull (strstr (text->str, "New vehicle: 51A-999.99"));
  g_assert_nonnull (strstr (text->str, "Refused — VIN: "));
  g_assert_nonnull (strstr (text->str, "VIN: NOT-A-VIN"));
  g_assert_cmpuint (dismiss->len, ==, 1);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "sync-04-problems-dialog");

  /* Dismiss: the row, the dialog and the button go. */
  gtk_widget_activate (dismiss->pdata[0]);
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_SYNC_PROBLEMS_DIALOG), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_hidden, problems_button (), WAIT_MS));
  g_assert_cmpuint (vb_sync_engine_get_problems (engine), ==, 0);
  g_assert_false (gtk_widget_get_visible (problems_button ()));
  vb_gui_save_screenshot (GTK_WIDGET (window ()), "sync-05-dismissed");
  cache_path = g_strdup (vb_cache_get_path (cache));
  location_id = g_strdup (desk_location_id ());
}

static void
start_offline (void)
{
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *customer_id = NULL;
  VbSyncEngine *engine;

  /* Restored from the keyring with the server down: no /me, yet the same
   * cache is open (the user id came with the session). */
  g_assert_true (vb_gui_wait_for (page_is, "main", WAIT_MS));
  g_assert_null (vb_session_get_user (vb_client_get_session (client ())));
  engine = vb_client_get_sync_engine (client ());
  g_assert_nonnull (engine);
  g_assert_cmpstr (vb_cache_get_path (vb_client_get_cache (client ())), ==, cache_path);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_false (vb_client_get_can_reach_server (client ()));

  json_object_set_string_member (customer, "kind", "person");
  json_object_set_string_member (customer, "given_name", "Hoa");
  json_object_set_string_member (customer, "family_name", "Started-Offline");
  json_object_set_string_member (customer, "preferred_location_id", location_id);
  g_assert_cmpint (vb_sync_engine_create (engine, "customers", "/api/v1/customers", customer, &error),
                   >, 0);
  g_assert_no_error (error);
  customer_id = g_strdup (json_object_get_string_member (customer, "id"));
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Offline — 1 change waiting", WAIT_MS));

  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_true (vb_client_get_can_reach_server (client ()));
  g_assert_cmpuint (vb_sync_engine_get_problems (engine), ==, 0);
  g_assert_nonnull (vb_session_get_user (vb_client_get_session (client ())));
  g_assert_cmpint (db_count ("SELECT count(*) FROM customers WHERE id = $1::uuid", customer_id), ==, 1);

  /* Log out: the engine stops and goes; the cache file (the outbox) stays. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.log-out", NULL);
  g_assert_true (vb_gui_wait_for (step_is, "credentials", WAIT_MS));
  g_assert_null (vb_client_get_sync_engine (client ()));
  g_assert_null (vb_client_get_cache (client ()));
  g_assert_false (vb_client_get_can_reach_server (client ()));
  g_assert_true (g_file_test (cache_path, G_FILE_TEST_EXISTS));

  /* The same user signs in again: the same file. */
  sign_in (FALSE);
  g_assert_true (vb_gui_wait_for (label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_cmpstr (vb_cache_get_path (vb_client_get_cache (client ())), ==, cache_path);
  json_object_unref (vb_cache_get (vb_client_get_cache (client ()), "customers", customer_id));
}

typedef void (*Body) (void);

static gboolean
run_body_cb (gpointer data)
{
  Body body = data;
  g_autoptr(GList) windows = NULL;

  /* As in test-reception-gui.c: no cursor blinking (GTK 4.8 warns without
   * a window manager), no animations, quick reconnections. */
  g_object_set (gtk_settings_get_default (),
                "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE,
                NULL);
  g_object_set (vb_client_get_live (client ()), "initial-delay", 200, "max-delay", 1000, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window ()), 960, 680);

  body ();

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

static void
run_app (Body body)
{
  char *argv[] = { (char *) "voltbay-reception", NULL };

  app = vb_reception_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_idle_add (run_body_cb, body);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
  g_clear_object (&app);
}

static void
test_desk_morning (void)
{
  run_app (desk_morning);
}

static void
test_start_offline (void)
{
  g_assert_nonnull (cache_path);
  vb_test_server_kill (server);
  run_app (start_offline);
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
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);

  g_test_add_func ("/sync-gui/desk-morning", test_desk_morning);
  g_test_add_func ("/sync-gui/start-offline", test_start_offline);

  result = g_test_run ();
  vb_test_server_stop (server);
  g_free (cache_path);
  g_free (location_id);
  return result;
}
