/* bench-reception — how the front desk feels with a big offline cache.
 *
 *   tests/ui/run-gui-test.sh build/tests/bench/bench-reception [N_CUSTOMERS [RUNS]]
 *                                                       (default 100000, 3)
 *
 * Runs the real voltbay-reception application in this process (Xvfb, a
 * private D-Bus and keyring come from run-gui-test.sh) against a real TLS
 * server holding the demo data plus N customers at HCM-D1:
 *
 * 1. The first start signs in and syncs everything into the cache (timed,
 *    for the record: bench-sync measures the sync itself).
 * 2. RUNS warm starts, as a desk starts every morning: the session comes
 *    from the keyring and the cache from disk.  Timed from just before
 *    g_application_run() to the window's first painted frame, to the desk
 *    being usable (the main page shown with Today filled from the cache)
 *    and to "Up to date".
 *    Baseline in the same run: a bare AdwApplicationWindow with a status
 *    page, from g_application_run() to its first painted frame.  Then the
 *    Customers page is opened: from the click to every customer listed.
 * 3. Typing in the search field over the cache, one keystroke at a time
 *    (a name, a phone number, a plate), timed from the keystroke to the
 *    frame painted after the results changed, without the entry's typing
 *    delay (reported separately).  Baseline: the same prefix queries on the
 *    cache file's full-text index with plain SQLite.
 *
 * Prints numbers and ratios; asserts nothing about speed.
 */
#include <adwaita.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "vb-gui-test.h"

#include "vb-cache.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-desk-view.h"
#include "vb-list-page.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-sign-in-view.h"
#include "vb-today-page.h"

#define DESK_EMAIL    "bench.desk@example.com"
#define DESK_PASSWORD "bench desk password 42"
#define WAIT_MS       (g_getenv ("BENCH_WAIT_MS") ? atoi (g_getenv ("BENCH_WAIT_MS")) : 30 * 60 * 1000)

static VbTestServer *server;
static GApplication *app;
static guint         n_customers = 100000;
static char         *cache_path;

/* One start of an application: when its first frame was painted. */
typedef struct
{
  gint64 start;
  gint64 first_frame;
} Start;

static Start start_times;

static double
ms (gint64 from,
    gint64 to)
{
  return (to - from) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *samples,
            double  p)
{
  guint i;

  if (samples->len == 0)
    return 0;
  g_array_sort (samples, compare_doubles);
  i = MIN (samples->len - 1, (guint) (p * (samples->len - 1) + 0.5));
  return g_array_index (samples, double, i);
}

/* -------------------------------------------------------- the window --- */

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  Start *s = data;

  if (s->first_frame == 0)
    s->first_frame = g_get_monotonic_time ();
}

static void
realize_cb (GtkWidget *window,
            gpointer   data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb), data);
}

static void
window_added_cb (GtkApplication *application,
                 GtkWindow      *window,
                 gpointer        data)
{
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), data);
}

static VbReceptionWindow *
window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (VB_IS_RECEPTION_WINDOW (l->data))
      return l->data;
  return NULL;
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
main_page_shown (gpointer data)
{
  return window () != NULL && g_strcmp0 (gtk_stack_get_visible_child_name (win_child ("stack")), "main") == 0;
}

static gboolean
stack_is (gpointer data)
{
  return window () != NULL && g_strcmp0 (gtk_stack_get_visible_child_name (win_child ("stack")), data) == 0;
}

static gboolean
up_to_date (gpointer data)
{
  return window () != NULL
         && g_strcmp0 (vb_connection_indicator_get_label (win_child ("indicator")), "Up to date") == 0;
}

static gboolean
sign_in_asked (gpointer data)
{
  return stack_is ("sign-in")
         && g_strcmp0 (vb_sign_in_view_get_step (win_child ("sign_in_view")), "credentials") == 0;
}

static gboolean
first_frame_painted (gpointer data)
{
  return start_times.first_frame != 0;
}

static guint
n_items (GListModel *model)
{
  return model != NULL ? g_list_model_get_n_items (model) : 0;
}

/* The desk is usable: its main page is up and Today shows what the cache holds. */
static gboolean
desk_usable (gpointer data)
{
  return stack_is ("main") && n_items (vb_today_page_get_section (desk_child ("today_page"), "in-service")) > 0;
}

static gboolean
customers_listed (gpointer data)
{
  return stack_is ("main")
         && n_items (vb_list_page_get_model (desk_child ("customers_page"))) >= n_customers;
}

/* Like vb_gui_wait_for, but waking every millisecond: the time a condition
 * became true is what is measured.  Returns when that was. */
static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gint64
time_until (VbGuiCondition condition,
            const char    *what)
{
  g_printerr ("bench-reception: waiting for %s\n", what);
  gint64 end = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  guint tick = g_timeout_add (1, wake_cb, NULL);

  while (!condition (NULL))
    {
      if (g_get_monotonic_time () > end)
        {
          if (app != NULL && window () != NULL)
            vb_gui_save_screenshot (GTK_WIDGET (window ()), "bench-reception-gave-up");
          g_error ("bench-reception: gave up waiting for %s", what);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  return g_get_monotonic_time ();
}

static void
quit_app (void)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_application_quit (app);
}

/* Runs body inside a fresh reception application. */
static void
run_reception (GSourceFunc body)
{
  char *argv[] = { (char *) "voltbay-reception", NULL };

  app = G_APPLICATION (vb_reception_application_new ());
  g_application_set_flags (app, G_APPLICATION_NON_UNIQUE);
  start_times = (Start) { 0 };
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &start_times);
  g_idle_add (body, NULL);
  start_times.start = g_get_monotonic_time ();
  g_assert_cmpint (g_application_run (app, 1, argv), ==, 0);
  g_clear_object (&app);
}

/* --------------------------------------------------------- 1. first start --- */

static double first_sync_s;

static gboolean
first_start_cb (gpointer data)
{
  VbLoginPage *page;
  AdwMessageDialog *trust;
  gint64 signed_in;

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_assert_true (vb_gui_wait_for (sign_in_asked, NULL, 60000));
  page = vb_gui_child (win_child ("sign_in_view"), VB_TYPE_SIGN_IN_VIEW, "login_page");
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "server_row"), server->base_url);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "email_row"), DESK_EMAIL);
  gtk_editable_set_text (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "password_row"), DESK_PASSWORD);
  gtk_widget_activate (vb_gui_child (page, VB_TYPE_LOGIN_PAGE, "sign_in_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), 60000));
  trust = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (trust, "trust");
  gtk_window_destroy (GTK_WINDOW (trust));
  signed_in = time_until (main_page_shown, "the main page");
  first_sync_s = ms (signed_in, time_until (up_to_date, "the initial sync")) / 1000.0;
  cache_path = g_strdup (vb_cache_get_path (vb_client_get_cache (client ())));
  quit_app ();
  return G_SOURCE_REMOVE;
}

/* ----------------------------------------------------------- 2. warm starts --- */

typedef struct
{
  GArray *first_frame;
  GArray *usable;
  GArray *listed;
  GArray *synced;
  GArray *keystrokes;
} Samples;

static Samples samples;
static gboolean measure_search;

static gboolean painted_since_mark;
static guint    typing_delay_ms;

static void
mark_after_paint_cb (GdkFrameClock *clock,
                     gpointer       data)
{
  painted_since_mark = TRUE;
}

static gboolean
painted (gpointer data)
{
  return painted_since_mark;
}

/* Keystroke to painted results, per prefix of each text. */
static void
type_texts (void)
{
  static const char * const texts[] = { "Customer 77777", "+8490077777", "51K-116" };
  GtkSearchEntry *entry = desk_child ("search_entry");
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window ()));
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (mark_after_paint_cb), NULL);

  typing_delay_ms = gtk_search_entry_get_search_delay (entry);
  gtk_search_entry_set_search_delay (entry, 0);
  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    {
      for (glong i = 1; i <= g_utf8_strlen (texts[t], -1); i++)
        {
          g_autofree char *prefix = g_utf8_substring (texts[t], 0, i);
          gint64 typed;

          vb_gui_settle (30);
          painted_since_mark = FALSE;
          typed = g_get_monotonic_time ();
          gtk_editable_set_text (GTK_EDITABLE (entry), prefix);
          g_array_append_val (samples.keystrokes, (double) { ms (typed, time_until (painted, "a frame")) });
        }
      gtk_editable_set_text (GTK_EDITABLE (entry), "");
    }
  g_signal_handler_disconnect (clock, handler);
}

static gboolean
warm_start_cb (gpointer data)
{
  gint64 first_frame, usable, listed, synced, opened;

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  time_until (first_frame_painted, "the first frame");
  first_frame = start_times.first_frame;
  usable = time_until (desk_usable, "a usable desk");
  synced = time_until (up_to_date, "Up to date");
  g_array_append_val (samples.first_frame, (double) { ms (start_times.start, first_frame) });
  g_array_append_val (samples.usable, (double) { ms (start_times.start, usable) });
  g_array_append_val (samples.synced, (double) { ms (start_times.start, synced) });
  /* The Customers page builds its list when first shown. */
  opened = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.show-page", "s", "customers"));
  listed = time_until (customers_listed, "every customer listed");
  g_array_append_val (samples.listed, (double) { ms (opened, listed) });
  if (measure_search)
    type_texts ();
  quit_app ();
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------- baselines --- */

static void
bare_activate_cb (GApplication *application,
                  gpointer      data)
{
  GtkWidget *win = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (page), "Reception");
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (win), page);
  gtk_window_set_default_size (GTK_WINDOW (win), 1100, 760);
  gtk_window_present (GTK_WINDOW (win));
}

static gboolean
bare_body_cb (gpointer data)
{
  g_autoptr(GList) windows = NULL;

  time_until (first_frame_painted, "the bare window's first frame");
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static double
bare_window_ms (void)
{
  char *argv[] = { (char *) "bench-bare", NULL };

  app = G_APPLICATION (adw_application_new ("io.github.voltbay.BenchBare", G_APPLICATION_NON_UNIQUE));
  start_times = (Start) { 0 };
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &start_times);
  g_signal_connect (app, "activate", G_CALLBACK (bare_activate_cb), NULL);
  g_idle_add (bare_body_cb, NULL);
  start_times.start = g_get_monotonic_time ();
  g_assert_cmpint (g_application_run (app, 1, argv), ==, 0);
  g_clear_object (&app);
  return ms (start_times.start, start_times.first_frame);
}

/* The prefix queries the app's search runs, on the cache file with plain
 * SQLite (one connection, statements prepared once): ms per query. */
static GArray *
raw_search_ms (void)
{
  static const char * const texts[] = { "Customer 77777", "+8490077777", "51K-116" };
  GArray *out = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (cache_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT entity, id, title FROM search WHERE search MATCH ?1"
                                           " ORDER BY rank LIMIT 200", -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    for (glong i = 1; i <= g_utf8_strlen (texts[t], -1); i++)
      {
        g_autofree char *prefix = g_utf8_substring (texts[t], 0, i);
        g_auto(GStrv) words = g_strsplit (prefix, " ", -1);
        g_autoptr(GString) query = g_string_new (NULL);
        gint64 start = g_get_monotonic_time ();

        for (guint w = 0; words[w] != NULL; w++)
          if (words[w][0] != '\0')
            g_string_append_printf (query, "%s\"%s\"*", query->len > 0 ? " " : "", words[w]);
        if (query->len == 0)
          continue;
        sqlite3_bind_text (stmt, 1, query->str, -1, SQLITE_TRANSIENT);
        while (sqlite3_step (stmt) == SQLITE_ROW)
          ;
        sqlite3_reset (stmt);
        g_array_append_val (out, (double) { ms (start, g_get_monotonic_time ()) });
      }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return out;
}

/* ------------------------------------------------------------- loading --- */

static void
load_customers (void)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *count = g_strdup_printf ("%u", n_customers);
  g_autoptr(PGresult) res = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Row by row through the triggers, so the change feed holds them. */
  res = vb_db_execv (db, &error,
    "INSERT INTO customers (preferred_location_id, kind, given_name, family_name, phones, emails)"
    " SELECT l.id, 'person', 'Bench', 'Customer ' || g, ARRAY['+8490' || lpad(g::text, 7, '0')],"
    "        ARRAY['customer' || g || '@example.com']"
    "   FROM locations l, generate_series(1, $1::int) g WHERE l.code = 'HCM-D1'", count);
  g_assert_no_error (error);
  g_printerr ("loaded %u customers in %.1f s\n", n_customers, ms (start, g_get_monotonic_time ()) / 1000);
}

static void
print_row (const char *what,
           GArray     *samples_ms,
           double      baseline)
{
  double p50 = percentile (samples_ms, 0.5);

  g_print ("| %s | %.0f | %.0f | %.1f× |\n", what, p50, percentile (samples_ms, 1.0),
           baseline > 0 ? p50 / baseline : 0);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=Bench Desk",
                             "--role=reception", "--location=HCM-D1", NULL };
  guint runs = 3;
  int status = -1;
  g_autoptr(GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) raw = NULL;
  double bare_p50, raw_p50;

  vb_test_init (&argc, &argv);
  /* A benchmark, not a test: GTK's warnings are reported, not fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (argc > 1)
    n_customers = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  if (argc > 2)
    runs = MAX (1, (guint) g_ascii_strtoull (argv[2], NULL, 10));
  samples = (Samples) {
    g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)),
    g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)),
    g_array_new (FALSE, FALSE, sizeof (double)),
  };

  server = vb_test_server_start_tls ();
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);
  load_customers ();

  run_reception (first_start_cb);
  g_printerr ("first start: signed in and synced %u customers in %.1f s\n", n_customers, first_sync_s);
  for (guint r = 0; r < runs; r++)
    {
      double b = bare_window_ms ();

      g_array_append_val (bare, b);
      measure_search = r == runs - 1;
      run_reception (warm_start_cb);
    }
  raw = raw_search_ms ();
  bare_p50 = percentile (bare, 0.5);
  raw_p50 = percentile (raw, 0.5);

  g_print ("\nvoltbay-reception with %u customers (+ demo data) in the offline cache, %u warm starts\n\n",
           n_customers, runs);
  g_print ("| what | p50 ms | max ms | vs baseline |\n|---|---:|---:|---:|\n");
  print_row ("bare AdwApplicationWindow: run → first frame (baseline)", bare, bare_p50);
  print_row ("reception: run → first frame", samples.first_frame, bare_p50);
  print_row ("reception: run → desk usable (Today from the cache)", samples.usable, bare_p50);
  print_row ("reception: run → Up to date (server reached, nothing to pull)", samples.synced, bare_p50);
  print_row ("reception: open Customers → every customer listed", samples.listed, bare_p50);
  print_row ("raw SQLite FTS5 prefix query on the cache (baseline)", raw, raw_p50);
  print_row ("search: keystroke → results painted", samples.keystrokes, raw_p50);
  g_print ("\n%u keystrokes; the search field normally waits %u ms after the last keystroke"
           " (GtkSearchEntry's delay), not counted above.\n",
           samples.keystrokes->len, typing_delay_ms);

  vb_test_server_stop (server);
  g_free (cache_path);
  return 0;
}
