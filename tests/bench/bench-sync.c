/* bench-sync — the offline cache's two costs that users notice.
 *
 *   build/tests/bench/bench-sync [N_ROWS [N_CHANGES]]   (default 100000, 1000)
 *
 * 1. Initial sync: N customers inserted on the server through the normal
 *    triggers (so the change feed holds them), then VbSyncEngine's first
 *    round into an empty cache, timed.  Baseline in the same run: the same
 *    rows' JSON text (read back from that cache) inserted into a plain
 *    SQLite table of a fresh file, same pragmas, in one transaction — what
 *    storing the data costs without HTTP, JSON parsing or the cache's
 *    bookkeeping (local views, search index).  Also timed: the same feed
 *    pages fetched and parsed without storing them (the server's and
 *    HTTP's share of the sync).
 * 2. Commit-to-arrival: desk A (engine started, no live connection) makes
 *    N_CHANGES new customers one at a time; desk B (engine started, woken
 *    by its live connection) is watched until the record is in its cache
 *    (::changed).  Reported from A's enqueue and from the server's answer
 *    to A's push (::push-answered) to B's ::changed, with A's push round
 *    trip as the baseline.
 *
 * Prints numbers and ratios; asserts nothing about speed.
 */
#include "vb-test.h"

#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-sync-engine.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>

static char *tmp_dir;

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static int
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* In milliseconds. */
static double
percentile (GArray *samples,
            double  p)
{
  guint i;

  g_array_sort (samples, compare_i64);
  i = MIN (samples->len - 1, (guint) (p * (samples->len - 1) + 0.5));
  return g_array_index (samples, gint64, i) / 1000.0;
}

static VbApiClient *
new_api (VbTestServer *server,
         const char   *token)
{
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(GError) error = NULL;
  VbApiClient *api = vb_api_client_new (pins);

  vb_api_client_set_server (api, server->base_url, &error);
  g_assert_no_error (error);
  vb_api_client_set_token (api, token);
  return api;
}

static VbCache *
new_cache (const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.sqlite", tmp_dir, name);
  g_autoptr(GError) error = NULL;
  VbCache *cache = vb_cache_open (path, &error);

  g_assert_no_error (error);
  return cache;
}

/* ---------------------------------------------------- initial sync --- */

static void
load_customers (VbTestServer *server,
                const char   *location_id,
                guint         n)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autoptr(PGresult) res = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Row by row through the triggers (change feed, audit, search text):
   * demo-data --scale switches the feed off for its bulk rows. */
  res = vb_db_execv (db, &error,
    "INSERT INTO customers (preferred_location_id, kind, given_name, family_name, phones, emails, notes)"
    " SELECT $1::uuid, 'person', 'Bench', 'Customer ' || g, ARRAY['+8490' || lpad(g::text, 7, '0')],"
    "        ARRAY['customer' || g || '@example.com'], 'Loaded by bench-sync'"
    " FROM generate_series(1, $2::int) g", location_id, count);
  g_assert_no_error (error);
  g_printerr ("loaded %u customers through the feed triggers in %.1f s\n", n, seconds_since (start));
}

typedef struct
{
  gboolean    done;
  gboolean    ok;
  VbSyncStats stats;
  GError     *error;
} Round;

static void
round_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Round *round = user_data;

  round->ok = vb_sync_engine_sync_finish (VB_SYNC_ENGINE (object), result, &round->stats,
                                          &round->error);
  round->done = TRUE;
}

static VbSyncStats
sync_once (VbSyncEngine *engine)
{
  Round round = { 0 };

  vb_sync_engine_sync_async (engine, NULL, round_cb, &round);
  while (!round.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (round.error);
  return round.stats;
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* The rows as the feed delivered them (the cache's server_row text). */
static GPtrArray *
read_rows (const char *cache_path)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (cache_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT server_row FROM records WHERE server_row IS NOT NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (rows, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows;
}

/* Baseline: the same JSON texts into one table, one transaction, with the
 * cache's durability settings (WAL, synchronous=FULL).  Returns seconds. */
static double
raw_sqlite_insert (GPtrArray *rows)
{
  g_autofree char *path = g_build_filename (tmp_dir, "raw.sqlite", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 start;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                " CREATE TABLE rows (rid INTEGER PRIMARY KEY, row TEXT NOT NULL)");
  start = g_get_monotonic_time ();
  exec_sql (db, "BEGIN IMMEDIATE");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO rows (row) VALUES (?)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  for (guint i = 0; i < rows->len; i++)
    {
      sqlite3_bind_text (stmt, 1, rows->pdata[i], -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  exec_sql (db, "COMMIT");
  sqlite3_close (db);
  return seconds_since (start);
}

/* The server's and HTTP's share: the same pages fetched and parsed, not
 * stored.  Returns seconds. */
static double
feed_read_only (VbTestServer *server,
                const char   *token)
{
  g_autofree char *cursor = NULL;
  gboolean more = TRUE;
  gint64 start = g_get_monotonic_time ();

  while (more)
    {
      g_autofree char *escaped = cursor ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
      g_autofree char *path = g_strdup_printf ("/api/v1/changes?limit=500%s%s",
                                               escaped ? "&since=" : "", escaped ? escaped : "");
      g_autoptr(JsonNode) page = vb_test_call (server, "GET", path, token, NULL, 200);
      JsonObject *o = vb_test_object (page);

      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (o, "next_cursor"));
      more = json_object_get_boolean_member (o, "has_more");
    }
  return seconds_since (start);
}

static void
bench_initial_sync (guint n_rows)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "BENCH");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "BENCH");
  g_autoptr(VbApiClient) api = new_api (server, desk);
  g_autoptr(VbCache) cache = new_cache ("initial");
  g_autoptr(VbSyncEngine) engine = vb_sync_engine_new (api, cache, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  VbSyncStats stats;
  double sync_s, raw_s, http_s;
  gint64 start;

  load_customers (server, loc, n_rows);
  g_printerr ("initial sync of %u customers into an empty cache...\n", n_rows);
  start = g_get_monotonic_time ();
  stats = sync_once (engine);
  sync_s = seconds_since (start);
  g_assert_cmpuint (vb_cache_count (cache, "customers"), ==, n_rows);

  rows = read_rows (vb_cache_get_path (cache));
  raw_s = raw_sqlite_insert (rows);
  http_s = feed_read_only (server, desk);

  g_print ("Initial sync, %u customers (%" G_GUINT64_FORMAT " feed items, %u pages of 500)\n",
           n_rows, stats.pulled, stats.pages);
  g_print ("%-52s %9s %11s %8s\n", "measure", "seconds", "rows/s", "ratio");
  g_print ("%-52s %9.2f %11.0f %8s\n", "baseline: same JSON into one SQLite table, 1 txn",
           raw_s, rows->len / raw_s, "1.0");
  g_print ("%-52s %9.2f %11.0f %8.1f\n", "the feed's pages over HTTP, parsed, not stored",
           http_s, stats.pulled / http_s, http_s / raw_s);
  g_print ("%-52s %9.2f %11.0f %8.1f\n", "VbSyncEngine first round into an empty cache",
           sync_s, stats.pulled / sync_s, sync_s / raw_s);
}

/* -------------------------------------------- commit to arrival --- */

typedef struct
{
  VbTestServer *server;
  const char   *b_token;
  VbCache      *b_cache;
  const char   *id;          /* the record being waited for */
  gint64        answered_at; /* A's push answered */
  gint64        arrived_at;  /* in B's cache */
} Watch;

static void
push_answered_cb (VbSyncEngine *engine,
                  gint64        seq,
                  guint         status,
                  Watch        *watch)
{
  if (watch->answered_at == 0)
    watch->answered_at = g_get_monotonic_time ();
}

static void
b_changed_cb (VbCache            *cache,
              const char * const *entities,
              Watch              *watch)
{
  g_autoptr(JsonObject) row = NULL;

  if (watch->id == NULL || watch->arrived_at != 0)
    return;
  row = vb_cache_get_server_row (cache, "customers", watch->id);
  if (row != NULL)
    watch->arrived_at = g_get_monotonic_time ();
}

static void
wait_online (VbSyncEngine *engine)
{
  while (vb_sync_engine_get_state (engine) != VB_SYNC_STATE_ONLINE
         || vb_sync_engine_get_pending (engine) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
round_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  vb_sync_engine_sync_finish (VB_SYNC_ENGINE (object), result, NULL, NULL);
}

/* How many feed items B's cursor would get now, without waiting. */
static guint
feed_items_now (Watch *watch)
{
  g_autofree char *cursor = vb_cache_dup_cursor (watch->b_cache);
  g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/changes?limit=500&since=%s", escaped);
  g_autoptr(JsonNode) page = vb_test_call (watch->server, "GET", path, watch->b_token, NULL, 200);

  return json_array_get_length (json_object_get_array_member (vb_test_object (page), "items"));
}

/* Waits for A's answer and B's arrival.  FALSE if B has not got the record
 * STALL_MS after A's answer: the wake-up's pull came back without it and
 * nothing woke B again.  B is then sent one round by hand so the run can
 * go on; the sample is counted as a stall, not as a latency. */
#define STALL_MS 2000

static gboolean
wait_arrival (Watch            *watch,
              VbSyncEngine     *engine_b,
              VbLiveConnection *live_b)
{
  guint tick = g_timeout_add (20, tick_cb, NULL);
  gboolean kicked = FALSE;

  while (watch->arrived_at == 0 || watch->answered_at == 0)
    {
      g_main_context_iteration (NULL, TRUE);
      if (watch->answered_at != 0 && g_get_monotonic_time () - watch->answered_at > 30 * G_USEC_PER_SEC)
        g_error ("%s never reached B's cache", watch->id);
      if (!kicked && watch->answered_at != 0 && watch->arrived_at == 0
          && g_get_monotonic_time () - watch->answered_at > STALL_MS * 1000)
        {
          g_printerr ("stall: %s not in B's cache %d ms after A's answer (live %s, B %s);"
                      " the feed now has %u item(s) after B's cursor; pulling by hand\n",
                      watch->id, STALL_MS,
                      vb_live_connection_get_state (live_b) == VB_CONNECTION_STATE_ONLINE ? "online" : "not online",
                      vb_sync_engine_get_state (engine_b) == VB_SYNC_STATE_ONLINE ? "idle" : "busy/offline",
                      feed_items_now (watch));
          vb_sync_engine_sync_async (engine_b, NULL, round_done_cb, NULL);
          kicked = TRUE;
        }
    }
  g_source_remove (tick);
  return !kicked;
}

static void
bench_arrival (guint n_changes)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "BENCH");
  g_autofree char *desk_a = vb_test_user_token (server, "desk-a@example.com", "reception", "BENCH");
  g_autofree char *desk_b = vb_test_user_token (server, "desk-b@example.com", "reception", "BENCH");
  g_autoptr(VbApiClient) api_a = new_api (server, desk_a);
  g_autoptr(VbApiClient) api_b = new_api (server, desk_b);
  g_autoptr(VbCache) cache_a = new_cache ("desk-a");
  g_autoptr(VbCache) cache_b = new_cache ("desk-b");
  g_autoptr(VbLiveConnection) live_b = vb_live_connection_new (api_b);
  g_autoptr(VbSyncEngine) engine_a = vb_sync_engine_new (api_a, cache_a, NULL);
  g_autoptr(VbSyncEngine) engine_b = vb_sync_engine_new (api_b, cache_b, live_b);
  g_autoptr(GArray) push = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) from_answer = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) from_enqueue = g_array_new (FALSE, FALSE, sizeof (gint64));
  Watch watch = { server, desk_b, cache_b, NULL, 0, 0 };
  guint stalls = 0;

  g_signal_connect (engine_a, "push-answered", G_CALLBACK (push_answered_cb), &watch);
  g_signal_connect (cache_b, "changed", G_CALLBACK (b_changed_cb), &watch);
  vb_live_connection_start (live_b);
  vb_sync_engine_start (engine_b);
  vb_sync_engine_start (engine_a);
  wait_online (engine_a);
  wait_online (engine_b);
  /* The live connection is up once B has been woken by something. */
  while (vb_live_connection_get_state (live_b) != VB_CONNECTION_STATE_ONLINE)
    g_main_context_iteration (NULL, TRUE);

  g_printerr ("%u changes from desk A, one at a time...\n", n_changes);
  for (guint i = 0; i < n_changes; i++)
    {
      g_autoptr(JsonObject) record = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *family = g_strdup_printf ("Arrival %u", i);
      gint64 t0, dt;

      json_object_set_string_member (record, "preferred_location_id", loc);
      json_object_set_string_member (record, "kind", "person");
      json_object_set_string_member (record, "family_name", family);
      watch.answered_at = watch.arrived_at = 0;
      t0 = g_get_monotonic_time ();
      g_assert_cmpint (vb_sync_engine_create (engine_a, "customers", "/api/v1/customers", record, &error), >, 0);
      g_assert_no_error (error);
      watch.id = json_object_get_string_member (record, "id");
      if (!wait_arrival (&watch, engine_b, live_b))
        {
          stalls++;
          watch.id = NULL;
          wait_online (engine_a);
          wait_online (engine_b);
          continue;
        }
      dt = watch.answered_at - t0;
      g_array_append_val (push, dt);
      dt = watch.arrived_at - watch.answered_at;
      g_array_append_val (from_answer, dt);
      dt = watch.arrived_at - t0;
      g_array_append_val (from_enqueue, dt);
      watch.id = NULL;
      /* Both desks idle again, so each change starts from the same state. */
      wait_online (engine_a);
      wait_online (engine_b);
    }
  vb_sync_engine_stop (engine_a);
  vb_sync_engine_stop (engine_b);
  vb_live_connection_stop (live_b);

  g_print ("\nCommit to arrival, %u new customers from desk A to desk B's cache (ms);"
           " %u stalled (> %d ms, left out)\n", n_changes, stalls, STALL_MS);
  g_print ("%-52s %9s %9s %9s\n", "measure", "p50", "p99", "p50/base");
  g_print ("%-52s %9.2f %9.2f %9s\n", "baseline: A's push (enqueue -> server's answer)",
           percentile (push, 0.5), percentile (push, 0.99), "1.0");
  g_print ("%-52s %9.2f %9.2f %9.1f\n", "server's answer to A -> in B's cache (::changed)",
           percentile (from_answer, 0.5), percentile (from_answer, 0.99),
           percentile (from_answer, 0.5) / percentile (push, 0.5));
  g_print ("%-52s %9.2f %9.2f %9.1f\n", "A's enqueue -> in B's cache",
           percentile (from_enqueue, 0.5), percentile (from_enqueue, 0.99),
           percentile (from_enqueue, 0.5) / percentile (push, 0.5));
}

int
main (int   argc,
      char *argv[])
{
  guint n_rows = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint n_changes = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  int targc = 1;
  char *targv_storage[] = { argv[0], NULL };
  char **targv = targv_storage;
  g_autoptr(GError) error = NULL;

  vb_test_init (&targc, &targv);
  tmp_dir = g_dir_make_tmp ("vb-bench-sync-XXXXXX", &error);
  g_assert_no_error (error);

  if (n_rows > 0)
    bench_initial_sync (n_rows);
  if (n_changes > 0)
    bench_arrival (n_changes);

  {
    const char *rm[] = { "rm", "-rf", tmp_dir, NULL };

    if (!g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
      g_printerr ("could not remove %s\n", tmp_dir);
  }
  g_free (tmp_dir);
  return 0;
}
