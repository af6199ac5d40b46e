/* test-sync.c — the sync engine against a real voltbay-server and
 * PostgreSQL: offline changes from two desks converge, conflicts and
 * refusals are shown, nothing is applied twice whoever is killed, a first
 * sync reports progress and resumes, erased data leaves the cache, a
 * photo taken offline is uploaded once.
 *
 * Most cases drive voltbay-sync as a subprocess, so a kill -9 is a real
 * one; the progress case runs the library in-process to watch properties.
 */
#include "vb-test.h"

#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-sync-engine.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define VIN_OK "LRWYGCEK0PC000001"

static char *tmp_dir;

/* ------------------------------------------------------------ helpers --- */

typedef struct
{
  int   exit_status;   /* -1 when killed by a signal */
  int   term_sig;
  char *out;
  char *err;
} Cli;

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->out, g_free);
  g_clear_pointer (&cli->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cli, cli_clear)

static char *
new_cache_path (const char *name)
{
  static guint n;

  return g_strdup_printf ("%s/%s-%u.sqlite", tmp_dir, name, ++n);
}

static GSubprocess *
cli_spawn (VbTestServer       *server,
           const char         *token,
           const char         *cache,
           const char         *env,
           const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, g_build_filename (vb_test_build_dir (), "client-gtk", "sync-cli",
                                           "voltbay-sync", NULL));
  g_ptr_array_add (argv, g_strdup ("--server"));
  g_ptr_array_add (argv, g_strdup (server->base_url));
  g_ptr_array_add (argv, g_strdup ("--token"));
  g_ptr_array_add (argv, g_strdup (token));
  g_ptr_array_add (argv, g_strdup ("--cache"));
  g_ptr_array_add (argv, g_strdup (cache));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", tmp_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", tmp_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "voltbay-client", TRUE);
  if (env != NULL)
    {
      g_auto(GStrv) pair = g_strsplit (env, "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static void
cli_wait (GSubprocess *process,
          Cli         *out)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out->out, &out->err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (process))
    {
      out->exit_status = -1;
      out->term_sig = g_subprocess_get_term_sig (process);
    }
  else
    out->exit_status = g_subprocess_get_exit_status (process);
}

/* voltbay-sync ARGS...; expect: the exit status it must have (-2: any). */
static void
cli_run (VbTestServer       *server,
         const char         *token,
         const char         *cache,
         const char         *env,
         const char * const *args,
         int                 expect,
         Cli                *out)
{
  g_autoptr(GSubprocess) process = cli_spawn (server, token, cache, env, args);

  cli_wait (process, out);
  if (expect != -2 && out->exit_status != expect)
    g_error ("voltbay-sync %s: exit %d (expected %d)\nstdout: %s\nstderr: %s",
             args[0], out->exit_status, expect, out->out, out->err);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Runs a command that must succeed and returns its JSON output. */
#define CLI(server, token, cache, ...) \
  cli_json ((server), (token), (cache), (const char * const []) { __VA_ARGS__, NULL })

static JsonNode *
cli_json (VbTestServer       *server,
          const char         *token,
          const char         *cache,
          const char * const *args)
{
  g_auto(Cli) cli = { 0 };

  cli_run (server, token, cache, NULL, args, 0, &cli);
  return parse (cli.out);
}

static JsonObject *
sync_round (VbTestServer *server,
            const char   *token,
            const char   *cache)
{
  g_autoptr(JsonNode) node = CLI (server, token, cache, "sync");

  return json_object_ref (json_node_get_object (node));
}

static char *
enqueue (VbTestServer *server,
         const char   *token,
         const char   *cache,
         const char   *command,
         const char   *a,
         const char   *b,
         const char   *c,
         const char   *d)
{
  g_autoptr(JsonNode) node = NULL;

  if (d != NULL)
    node = CLI (server, token, cache, command, a, b, c, d);
  else
    node = CLI (server, token, cache, command, a, b, c);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "seq"), >, 0);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "id"));
}

static char *
customer_json (const char *loc,
               const char *given,
               const char *family)
{
  return g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                          " \"given_name\": \"%s\", \"family_name\": \"%s\"}", loc, given, family);
}

static char *
create_customer_on_server (VbTestServer *server,
                           const char   *token,
                           const char   *loc,
                           const char   *family,
                           const char   *phone)
{
  g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                                           " \"given_name\": \"Lan\", \"family_name\": \"%s\","
                                           " \"phones\": [\"%s\"]}", loc, family, phone);
  g_autoptr(JsonNode) reply = vb_test_call (server, "POST", "/api/v1/customers", token, body, 201);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static gint64
db_count (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param ? 1 : 0, params, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

static char *
cache_checksum (VbTestServer *server,
                const char   *token,
                const char   *cache)
{
  g_auto(Cli) cli = { 0 };

  cli_run (server, token, cache, NULL,
           (const char * const []) { "checksum", "customers", "vehicles", NULL }, 0, &cli);
  return g_strdup (g_strstrip (cli.out));
}

static JsonObject *
cli_get (VbTestServer *server,
         const char   *token,
         const char   *cache,
         const char   *entity,
         const char   *id)
{
  g_autoptr(JsonNode) node = CLI (server, token, cache, "get", entity, id);

  return json_object_ref (json_node_get_object (node));
}

static const char *
phone0 (JsonObject *record)
{
  JsonArray *phones = json_object_get_array_member (record, "phones");

  return json_array_get_length (phones) > 0 ? json_array_get_string_element (phones, 0) : NULL;
}

/* -------------------------------------------------------------- cases --- */

/* Two desks change things offline, each in its own cache; both converge
 * on what PostgreSQL has, and edits of different fields of one customer
 * are both kept. */
static void
test_two_clients_converge (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk_a = vb_test_user_token (server, "desk-a@example.com", "reception", "HCM-1");
  g_autofree char *desk_b = vb_test_user_token (server, "desk-b@example.com", "reception", "HCM-1");
  g_autofree char *cache_a = new_cache_path ("desk-a");
  g_autofree char *cache_b = new_cache_path ("desk-b");
  g_autofree char *shared_id = create_customer_on_server (server, admin, loc, "Shared", "0901111111");
  g_autofree char *json_a = customer_json (loc, "Anh", "Offline-A");
  g_autofree char *json_b = customer_json (loc, "Binh", "Offline-B");
  g_autofree char *json_c = customer_json (loc, "Chi", "With-Vehicle");
  g_autofree char *id_a = NULL, *id_b = NULL, *id_c = NULL, *vehicle = NULL, *vehicle_json = NULL;
  g_autofree char *readings_path = NULL, *reading = NULL;
  g_autofree char *items_path = g_strdup_printf ("/api/v1/customers/%s", shared_id);
  g_autofree char *db_sum = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_autoptr(JsonObject) on_server = NULL;
  g_autoptr(JsonNode) reply = NULL;

  /* Both desks know the shared customer before going offline. */
  json_object_unref (sync_round (server, desk_a, cache_a));
  json_object_unref (sync_round (server, desk_b, cache_b));

  /* Offline: no request reaches the server while these are made. */
  id_a = enqueue (server, desk_a, cache_a, "create", "customers", "/api/v1/customers", json_a, NULL);
  g_free (enqueue (server, desk_a, cache_a, "update", "customers", shared_id, items_path,
                   "{\"given_name\": \"Lan-Anh\"}"));
  id_c = enqueue (server, desk_a, cache_a, "create", "customers", "/api/v1/customers", json_c, NULL);
  vehicle_json = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"51A-111.11\","
                                  " \"vin\": \"" VIN_OK "\", \"make\": \"VinFast\", \"model\": \"VF 8\"}",
                                  id_c);
  vehicle = enqueue (server, desk_a, cache_a, "create", "vehicles", "/api/v1/vehicles", vehicle_json, NULL);
  readings_path = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle);
  reading = enqueue (server, desk_a, cache_a, "append", "odometer_readings", readings_path,
                     "{\"odometer_km\": 12000, \"source\": \"reception\"}", NULL);
  id_b = enqueue (server, desk_b, cache_b, "create", "customers", "/api/v1/customers", json_b, NULL);
  g_free (enqueue (server, desk_b, cache_b, "update", "customers", shared_id, items_path,
                   "{\"phones\": [\"0902222222\"]}"));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers", NULL), ==, 1);

  /* The offline views already show the changes. */
  merged = cli_get (server, desk_a, cache_a, "customers", shared_id);
  g_assert_cmpstr (json_object_get_string_member (merged, "given_name"), ==, "Lan-Anh");
  g_clear_pointer (&merged, json_object_unref);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(JsonObject) a = sync_round (server, desk_a, cache_a);
      g_autoptr(JsonObject) b = sync_round (server, desk_b, cache_b);

      g_assert_cmpint (json_object_get_int_member (a, "refused"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (a, "conflicts"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (b, "refused"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (b, "conflicts"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (a, "pending"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (b, "pending"), ==, 0);
      if (round == 0)
        {
          g_assert_cmpint (json_object_get_int_member (a, "applied"), ==, 5);
          /* B's update was made on version 1; A's made it 2: rebased. */
          g_assert_cmpint (json_object_get_int_member (b, "applied"), ==, 2);
        }
    }

  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers", NULL), ==, 4);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles WHERE customer_id = $1::uuid", id_c), ==, 1);
  reply = vb_test_call (server, "GET", items_path, admin, NULL, 200);
  on_server = json_object_ref (vb_test_object (reply));
  g_assert_cmpstr (json_object_get_string_member (on_server, "given_name"), ==, "Lan-Anh");
  g_assert_cmpstr (phone0 (on_server), ==, "+84902222222");

  db_sum = vb_test_db_checksum (server, loc);
  {
    g_autofree char *sum_a = cache_checksum (server, desk_a, cache_a);
    g_autofree char *sum_b = cache_checksum (server, desk_b, cache_b);

    g_assert_cmpstr (sum_a, ==, db_sum);
    g_assert_cmpstr (sum_b, ==, db_sum);
  }
  for (guint i = 0; i < 2; i++)
    {
      merged = cli_get (server, desk_a, i == 0 ? cache_a : cache_b, "customers", shared_id);
      g_assert_cmpstr (json_object_get_string_member (merged, "given_name"), ==, "Lan-Anh");
      g_assert_cmpstr (phone0 (merged), ==, "+84902222222");
      g_assert_cmpint (json_object_get_int_member (merged, "version"), ==,
                       json_object_get_int_member (on_server, "version"));
      g_clear_pointer (&merged, json_object_unref);
    }
  merged = cli_get (server, desk_b, cache_b, "vehicles", vehicle);
  g_assert_cmpstr (json_object_get_string_member (merged, "customer_id"), ==, id_c);
  g_clear_pointer (&merged, json_object_unref);
  merged = cli_get (server, desk_b, cache_b, "customers", id_a);
  g_assert_cmpstr (json_object_get_string_member (merged, "family_name"), ==, "Offline-A");
  g_clear_pointer (&merged, json_object_unref);
  merged = cli_get (server, desk_a, cache_a, "customers", id_b);
  g_assert_cmpstr (json_object_get_string_member (merged, "family_name"), ==, "Offline-B");
  g_clear_pointer (&merged, json_object_unref);
  /* The append-only reading exists once, under the client's id, and came
   * back to the other desk through the feed. */
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM odometer_readings WHERE id = $1::uuid", reading), ==, 1);
  merged = cli_get (server, desk_b, cache_b, "odometer_readings", reading);
  g_assert_cmpint (json_object_get_int_member (merged, "odometer_km"), ==, 12000);
  g_assert_cmpstr (json_object_get_string_member (merged, "vehicle_id"), ==, vehicle);
}

/* The same field changed on both sides: the second desk gets a conflict it
 * can see, and its view is the server's.  A refused change is visible and
 * rolled back. */
static void
test_conflict_and_refusal (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk_a = vb_test_user_token (server, "desk-a@example.com", "reception", "HCM-1");
  g_autofree char *desk_b = vb_test_user_token (server, "desk-b@example.com", "reception", "HCM-1");
  g_autofree char *cache_a = new_cache_path ("desk-a");
  g_autofree char *cache_b = new_cache_path ("desk-b");
  g_autofree char *id = create_customer_on_server (server, admin, loc, "Original", "0903333333");
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", id);
  g_autofree char *bad_vehicle = g_strdup_printf ("{\"customer_id\": \"%s\", \"vin\": \"NOT-A-VIN\"}", id);
  g_autofree char *vehicle = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  g_autoptr(JsonObject) view = NULL;
  g_autoptr(JsonNode) problems = NULL;
  g_auto(Cli) missing = { 0 };
  JsonObject *problem;
  JsonObject *reply;

  json_object_unref (sync_round (server, desk_a, cache_a));
  json_object_unref (sync_round (server, desk_b, cache_b));

  g_free (enqueue (server, desk_a, cache_a, "update", "customers", id, path, "{\"family_name\": \"Alpha\"}"));
  g_free (enqueue (server, desk_b, cache_b, "update", "customers", id, path, "{\"family_name\": \"Beta\"}"));
  vehicle = enqueue (server, desk_b, cache_b, "create", "vehicles", "/api/v1/vehicles", bad_vehicle, NULL);
  view = cli_get (server, desk_b, cache_b, "vehicles", vehicle);
  g_clear_pointer (&view, json_object_unref);

  a = sync_round (server, desk_a, cache_a);
  g_assert_cmpint (json_object_get_int_member (a, "applied"), ==, 1);
  b = sync_round (server, desk_b, cache_b);
  g_assert_cmpint (json_object_get_int_member (b, "conflicts"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (b, "refused"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (b, "pending"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (b, "problems"), ==, 2);

  /* B sees the server's value, not its own lost edit. */
  view = cli_get (server, desk_b, cache_b, "customers", id);
  g_assert_cmpstr (json_object_get_string_member (view, "family_name"), ==, "Alpha");

  problems = CLI (server, desk_b, cache_b, "problems");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (problems)), ==, 2);
  problem = json_array_get_object_element (json_node_get_array (problems), 0);
  g_assert_cmpstr (json_object_get_string_member (problem, "state"), ==, "conflict");
  g_assert_cmpstr (json_object_get_string_member (problem, "record_id"), ==, id);
  reply = json_object_get_object_member (problem, "reply");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (reply, "conflicting_fields"), 0),
                   ==, "family_name");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (reply, "error"), "code"),
                   ==, "version_conflict");

  problem = json_array_get_object_element (json_node_get_array (problems), 1);
  g_assert_cmpstr (json_object_get_string_member (problem, "state"), ==, "refused");
  g_assert_cmpint (json_object_get_int_member (problem, "status"), ==, 422);
  reply = json_object_get_object_member (problem, "reply");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (reply, "error"), "field"),
                   ==, "vin");
  /* The refused create is gone from the local view. */
  cli_run (server, desk_b, cache_b, NULL, (const char * const []) { "get", "vehicles", vehicle, NULL },
           1, &missing);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles", NULL), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (view, "family_name"), ==, "Alpha");
}

/* The client is killed after the server applied its change and before it
 * recorded the answer: the retry is a replay, and the row exists once. */
static void
test_client_killed (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache = new_cache_path ("desk");
  g_autofree char *json = customer_json (loc, "Dung", "Crash");
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_auto(Cli) crashed = { 0 };
  g_auto(Cli) second = { 0 };

  id = enqueue (server, desk, cache, "create", "customers", "/api/v1/customers", json, NULL);
  cli_run (server, desk, cache, "VOLTBAY_SYNC_CRASH_AFTER_REPLY=1",
           (const char * const []) { "sync", NULL }, -1, &crashed);
  g_assert_cmpint (crashed.term_sig, ==, SIGKILL);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE id = $1::uuid", id), ==, 1);

  /* The outbox still has it: the answer was never recorded. */
  status = CLI (server, desk, cache, "status");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "pending"), ==, 1);

  cli_run (server, desk, cache, NULL, (const char * const []) { "sync", NULL }, 0, &second);
  g_assert_nonnull (strstr (second.err, "replayed"));
  summary = parse (second.out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "applied"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "pending"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "problems"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers", NULL), ==, 1);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sync_mutations", NULL), ==, 1);
  {
    g_autofree char *sum = cache_checksum (server, desk, cache);
    g_autofree char *expected = vb_test_db_checksum (server, loc);

    g_assert_cmpstr (sum, ==, expected);
  }
}

/* Offline creates, in-process, without a server request. */
static void
enqueue_many (VbTestServer *server,
              const char   *cache_path,
              const char   *loc,
              guint         n)
{
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(VbApiClient) api = vb_api_client_new (pins);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbCache) cache = vb_cache_open (cache_path, &error);
  g_autoptr(VbSyncEngine) engine = NULL;

  g_assert_no_error (error);
  engine = vb_sync_engine_new (api, cache, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) record = json_object_new ();
      g_autofree char *family = g_strdup_printf ("Bulk %03u", i);

      json_object_set_string_member (record, "preferred_location_id", loc);
      json_object_set_string_member (record, "kind", "person");
      json_object_set_string_member (record, "family_name", family);
      g_assert_cmpint (vb_sync_engine_create (engine, "customers", "/api/v1/customers", record, &error), >, 0);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (vb_sync_engine_get_pending (engine), ==, n);
}

/* The server is killed with SIGKILL in the middle of a push of 200
 * changes; after its restart the outbox drains and every change exists
 * exactly once. */
static void
test_server_killed (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache = new_cache_path ("desk");
  g_autoptr(GSubprocess) process = NULL;
  g_auto(Cli) first = { 0 };
  gint64 at_crash = 0;
  guint rounds = 0;
  gboolean drained = FALSE;

  enqueue_many (server, cache, loc, 200);
  process = cli_spawn (server, desk, cache, NULL, (const char * const []) { "sync", NULL });
  /* Crash once a few have gone through, while the rest is still queued. */
  for (guint i = 0; i < 3000 && at_crash < 20; i++)
    {
      g_usleep (2000);
      at_crash = db_count (server, "SELECT count(*) FROM customers", NULL);
    }
  vb_test_server_crash (server);
  cli_wait (process, &first);
  g_test_message ("server killed after %" G_GINT64_FORMAT " creates; first sync exit %d",
                  at_crash, first.exit_status);
  g_assert_cmpint (at_crash, >=, 20);
  if (first.exit_status == 0)
    g_test_message ("the first sync finished before the kill took effect");
  else
    g_assert_cmpint (first.exit_status, ==, 2);

  vb_test_server_restart (server, FALSE);
  while (!drained && rounds++ < 5)
    {
      g_autoptr(JsonObject) summary = sync_round (server, desk, cache);

      g_assert_cmpint (json_object_get_int_member (summary, "refused"), ==, 0);
      drained = json_object_get_int_member (summary, "pending") == 0;
    }
  g_assert_true (drained);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers", NULL), ==, 200);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT family_name) FROM customers", NULL), ==, 200);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sync_mutations WHERE outcome = 'applied'", NULL), ==, 200);
  {
    g_autofree char *sum = cache_checksum (server, desk, cache);
    g_autofree char *expected = vb_test_db_checksum (server, loc);

    g_assert_cmpstr (sum, ==, expected);
  }
}

typedef struct
{
  VbSyncEngine *engine;
  GCancellable *cancel;
  guint         cancel_after;
  guint         notifies;
  guint64       first_total;
  gboolean      done;
  gboolean      ok;
  VbSyncStats   stats;
  GError       *error;
} Progress;

static void
progress_cb (VbSyncEngine *engine,
             GParamSpec   *pspec,
             Progress     *p)
{
  if (p->notifies++ == 0)
    p->first_total = vb_sync_engine_get_progress_total (engine);
  /* progress-total is known with the first page and does not move. */
  g_assert_cmpuint (vb_sync_engine_get_progress_total (engine), ==, p->first_total);
  g_assert_cmpuint (vb_sync_engine_get_progress_done (engine), <=, p->first_total);
  if (p->cancel_after > 0 && p->notifies == p->cancel_after)
    g_cancellable_cancel (p->cancel);
}

static void
progress_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Progress *p = user_data;

  p->ok = vb_sync_engine_sync_finish (VB_SYNC_ENGINE (object), result, &p->stats, &p->error);
  p->done = TRUE;
}

static void
run_progress (VbApiClient *api,
              VbCache     *cache,
              guint        cancel_after,
              Progress    *p)
{
  g_autoptr(VbSyncEngine) engine = vb_sync_engine_new (api, cache, NULL);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  gulong id;

  memset (p, 0, sizeof *p);
  p->engine = engine;
  p->cancel = cancel;
  p->cancel_after = cancel_after;
  id = g_signal_connect (engine, "notify::progress-done", G_CALLBACK (progress_cb), p);
  vb_sync_engine_sync_async (engine, cancel, progress_done_cb, p);
  while (!p->done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (engine, id);
}

/* A first sync of ~2,000 changes: pages of 500 with progress known from
 * the first one; interrupted after two pages, it resumes from the cursor. */
static void
test_initial_sync_progress (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache_path = new_cache_path ("desk");
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(VbApiClient) api = vb_api_client_new (pins);
  g_autoptr(VbCache) cache = NULL;
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *expected = NULL;
  Progress first, second;
  guint64 total;

  res = vb_db_execv (db, &error,
    "INSERT INTO customers (preferred_location_id, kind, given_name, family_name)"
    " SELECT $1::uuid, 'person', 'Bulk', 'Customer ' || g FROM generate_series(1, 2000) g", loc);
  g_assert_no_error (error);

  vb_api_client_set_server (api, server->base_url, &error);
  g_assert_no_error (error);
  vb_api_client_set_token (api, desk);
  cache = vb_cache_open (cache_path, &error);
  g_assert_no_error (error);

  run_progress (api, cache, 2, &first);
  g_assert_false (first.ok);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&first.error);
  g_assert_cmpuint (first.stats.pages, ==, 2);
  g_assert_cmpuint (first.stats.pulled, ==, 1000);
  g_assert_cmpuint (first.notifies, ==, 2);
  total = first.first_total;
  g_assert_cmpuint (total, >=, 2000);
  g_assert_cmpuint (total, <, 2100);
  /* The feed's other rows (the location) came first. */
  g_assert_cmpuint (vb_cache_count (cache, "customers"), <=, 1000);
  g_assert_cmpuint (vb_cache_count (cache, "customers"), >=, 1000 - (total - 2000));

  /* Resumed: only what the first run did not get. */
  run_progress (api, cache, 0, &second);
  g_assert_no_error (second.error);
  g_assert_true (second.ok);
  g_assert_cmpuint (second.first_total, ==, total - 1000);
  g_assert_cmpuint (second.stats.pulled, ==, total - 1000);
  g_assert_cmpuint (second.stats.pages, ==, (total - 1000 + 499) / 500);
  g_assert_cmpuint (second.notifies, ==, second.stats.pages);
  g_assert_cmpuint (vb_cache_count (cache, "customers"), ==, 2000);

  sum = vb_cache_checksum (cache, (const char * const []) { "customers", "vehicles", NULL });
  expected = vb_test_db_checksum (server, loc);
  g_assert_cmpstr (sum, ==, expected);
}

/* GDPR erasure on the server reaches the cache: the personal data is gone
 * from the server's row and the local view, and search does not find it. */
static void
test_erasure_leaves_cache (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache_path = new_cache_path ("desk");
  g_autofree char *id = create_customer_on_server (server, admin, loc, "Quachthi", "0904444444");
  g_autofree char *erase = g_strdup_printf ("/api/v1/customers/%s/erase", id);
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonNode) gone = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(VbCache) cache = NULL;
  g_autoptr(GError) error = NULL;

  json_object_unref (sync_round (server, desk, cache_path));
  found = CLI (server, desk, cache_path, "search", "Quachthi");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);

  reply = vb_test_call (server, "POST", erase, admin, "{}", 200);
  json_object_unref (sync_round (server, desk, cache_path));

  gone = CLI (server, desk, cache_path, "search", "Quachthi");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (gone)), ==, 0);

  cache = vb_cache_open (cache_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonObject) row = i == 0 ? vb_cache_get_server_row (cache, "customers", id)
                                         : vb_cache_get (cache, "customers", id);
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;

      g_assert_nonnull (row);
      node = json_node_init_object (json_node_alloc (), row);
      text = json_to_string (node, FALSE);
      g_assert_null (strstr (text, "Quachthi"));
      g_assert_null (strstr (text, "904444444"));
      g_assert_cmpstr (json_object_get_string_member (row, "family_name"), ==, "");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (row, "phones")), ==, 0);
      g_assert_false (json_node_is_null (json_object_get_member (row, "erased_at")));
    }
}

/* with_remaining on the feed counts what follows the page. */
static void
test_feed_remaining (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) plain = NULL;
  guint n;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *family = g_strdup_printf ("Feed %u", i);
      g_autofree char *cid = create_customer_on_server (server, admin, loc, family, "0905555555");
    }
  all = vb_test_call (server, "GET", "/api/v1/changes?limit=500", desk, NULL, 200);
  n = json_array_get_length (json_object_get_array_member (vb_test_object (all), "items"));
  g_assert_cmpuint (n, >=, 6);
  page = vb_test_call (server, "GET", "/api/v1/changes?limit=2&with_remaining=true", desk, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (page), "remaining"), ==, n - 2);
  plain = vb_test_call (server, "GET", "/api/v1/changes?limit=2", desk, NULL, 200);
  g_assert_false (json_object_has_member (vb_test_object (plain), "remaining"));
  vb_test_call_error (server, "GET", "/api/v1/changes?with_remaining=maybe", desk, NULL, 422,
                      "validation_failed", "with_remaining");
}

/* ------------------------------------------------ background mode --- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until cond holds (asserting it does in time). */
static void
wait_until (Condition   cond,
            gpointer    data,
            guint       seconds,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

typedef struct
{
  VbTestServer *server;
  VbSyncEngine *engine;
  VbCache      *cache;
  const char   *id;
} Background;

static gboolean
is_online (gpointer data)
{
  Background *bg = data;

  return vb_sync_engine_get_state (bg->engine) == VB_SYNC_STATE_ONLINE;
}

static gboolean
is_offline (gpointer data)
{
  Background *bg = data;

  return vb_sync_engine_get_state (bg->engine) == VB_SYNC_STATE_OFFLINE;
}

static gboolean
has_record (gpointer data)
{
  Background *bg = data;
  g_autoptr(JsonObject) row = vb_cache_get_server_row (bg->cache, "customers", bg->id);

  return row != NULL;
}

static gboolean
nothing_pending (gpointer data)
{
  Background *bg = data;

  return vb_sync_engine_get_pending (bg->engine) == 0
         && vb_sync_engine_get_state (bg->engine) == VB_SYNC_STATE_ONLINE;
}

/* A started engine follows the live push, sends a change at once, goes
 * offline when the server dies and drains the outbox by itself (back-off,
 * or the live connection's return) when it is back. */
static void
test_background (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache_path = new_cache_path ("desk");
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(VbApiClient) api = vb_api_client_new (pins);
  g_autoptr(VbLiveConnection) live = NULL;
  g_autoptr(VbSyncEngine) engine = NULL;
  g_autoptr(VbCache) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = json_object_new ();
  g_autoptr(JsonObject) offline = json_object_new ();
  g_autofree char *pushed_id = NULL;
  g_autofree char *offline_id = NULL;
  g_autofree char *from_elsewhere = NULL;
  Background bg = { server, NULL, NULL, NULL };

  vb_api_client_set_server (api, server->base_url, &error);
  g_assert_no_error (error);
  vb_api_client_set_token (api, desk);
  cache = vb_cache_open (cache_path, &error);
  g_assert_no_error (error);
  live = vb_live_connection_new (api);
  engine = vb_sync_engine_new (api, cache, live);
  bg.engine = engine;
  bg.cache = cache;

  vb_live_connection_start (live);
  vb_sync_engine_start (engine);
  wait_until (is_online, &bg, 10, "the first sync");

  /* Someone else's change arrives through the live push alone. */
  from_elsewhere = create_customer_on_server (server, admin, loc, "Elsewhere", "0906666666");
  bg.id = from_elsewhere;
  wait_until (has_record, &bg, 10, "the live wake-up's pull");

  /* A change made here is pushed at once, and its server row pulled. */
  json_object_set_string_member (record, "preferred_location_id", loc);
  json_object_set_string_member (record, "family_name", "Pushed");
  g_assert_cmpint (vb_sync_engine_create (engine, "customers", "/api/v1/customers", record, &error), >, 0);
  g_assert_no_error (error);
  pushed_id = g_strdup (json_object_get_string_member (record, "id"));
  bg.id = pushed_id;
  wait_until (has_record, &bg, 10, "the push and its pull");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE id = $1::uuid", pushed_id), ==, 1);

  /* The server dies: the change waits, the engine says offline. */
  vb_test_server_crash (server);
  json_object_set_string_member (offline, "preferred_location_id", loc);
  json_object_set_string_member (offline, "family_name", "Offline");
  g_assert_cmpint (vb_sync_engine_create (engine, "customers", "/api/v1/customers", offline, &error), >, 0);
  g_assert_no_error (error);
  offline_id = g_strdup (json_object_get_string_member (offline, "id"));
  wait_until (is_offline, &bg, 10, "the engine to notice the server is gone");
  g_assert_cmpuint (vb_sync_engine_get_pending (engine), ==, 1);

  /* Back: the outbox drains without anyone asking. */
  vb_test_server_restart (server, FALSE);
  wait_until (nothing_pending, &bg, 40, "the outbox to drain after the restart");
  bg.id = offline_id;
  wait_until (has_record, &bg, 10, "the offline change's server row");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE id = $1::uuid", offline_id), ==, 1);

  vb_sync_engine_stop (engine);
  vb_live_connection_stop (live);
  g_assert_false (vb_sync_engine_is_running (engine));
}

/* ------------------------------------------------------------ uploads --- */

static GBytes *
tiny_png (void)
{
  static const guchar png[] = {
    0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
    0x00, 0x00, 0x00, 0x0D, 'I', 'H', 'D', 'R', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89,
    0x00, 0x00, 0x00, 0x00, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82,
  };
  return g_bytes_new (png, sizeof png);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* GET path as raw bytes (attachment content), in-process. */
static GBytes *
download (VbTestServer *server,
          const char   *token,
          const char   *path)
{
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(VbApiClient) api = vb_api_client_new (pins);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;
  guint status = 0;

  vb_api_client_set_server (api, server->base_url, &error);
  g_assert_no_error (error);
  vb_api_client_set_token (api, token);
  vb_api_client_request_bytes_async (api, "GET", path, NULL, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  bytes = vb_api_client_request_bytes_finish (api, result, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  return bytes;
}

/* The bytes the cache still holds for an upload (NULL once dropped). */
static GBytes *
cached_upload_bytes (const char *cache_path,
                     const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbCache) cache = vb_cache_open (cache_path, &error);

  g_assert_no_error (error);
  return vb_cache_dup_upload_bytes (cache, id);
}

/* Checks the attachment exists once on the server with the file's hash
 * and content, and that the desk's cache shows the server's row. */
static void
assert_uploaded (VbTestServer *server,
                 const char   *token,
                 const char   *cache,
                 const char   *id,
                 GBytes       *png)
{
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, png);
  g_autofree char *content_path = g_strdup_printf ("/api/v1/attachments/%s/content", id);
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GBytes) left = NULL;
  g_autoptr(JsonObject) view = NULL;

  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(PGresult) row = NULL;
  const char *params[] = { id };

  g_assert_cmpint (db_count (server, "SELECT count(*) FROM attachments WHERE id = $1::uuid", id), ==, 1);
  row = vb_db_exec (db, "SELECT sha256, content_type, size_bytes FROM attachments WHERE id = $1::uuid",
                    1, params, NULL);
  g_assert_nonnull (row);
  g_assert_cmpstr (vb_db_get (row, 0, 0), ==, sha);
  g_assert_cmpstr (vb_db_get (row, 0, 1), ==, "image/png");
  g_assert_cmpint (vb_db_get_int (row, 0, 2), ==, (gint64) g_bytes_get_size (png));
  content = download (server, token, content_path);
  g_assert_true (g_bytes_equal (content, png));
  view = cli_get (server, token, cache, "attachments", id);
  g_assert_cmpstr (json_object_get_string_member (view, "sha256"), ==, sha);
  g_assert_cmpstr (json_object_get_string_member (view, "file_name"), ==, "front.png");
  g_assert_cmpint (json_object_get_int_member (view, "version"), ==, 1);
  /* Applied and pulled back: the outbox no longer carries the file. */
  left = cached_upload_bytes (cache, id);
  g_assert_null (left);
}

/* A photo taken offline waits in the outbox with its bytes; the sync
 * uploads it under the client's id, once, even when the desk is killed
 * right after the server's answer. */
static void
test_offline_upload (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *cache = new_cache_path ("desk");
  g_autofree char *file = g_build_filename (tmp_dir, "front.png", NULL);
  g_autoptr(GBytes) png = tiny_png ();
  g_autoptr(GBytes) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) view = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_auto(Cli) crashed = { 0 };
  g_auto(Cli) again = { 0 };

  g_file_set_contents (file, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), &error);
  g_assert_no_error (error);

  /* Offline: only the outbox and the local view change. */
  node = CLI (server, desk, cache, "upload", loc, "photo", file);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "seq"), >, 0);
  first = g_strdup (json_object_get_string_member (json_node_get_object (node), "id"));
  g_assert_true (g_uuid_string_is_valid (first));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM attachments", NULL), ==, 0);
  view = cli_get (server, desk, cache, "attachments", first);
  g_assert_cmpstr (json_object_get_string_member (view, "purpose"), ==, "photo");
  g_assert_cmpstr (json_object_get_string_member (view, "content_type"), ==, "image/png");
  g_assert_cmpint (json_object_get_int_member (view, "size_bytes"), ==, (gint64) g_bytes_get_size (png));
  g_clear_pointer (&view, json_object_unref);
  local = cached_upload_bytes (cache, first);
  g_assert_nonnull (local);
  g_assert_true (g_bytes_equal (local, png));

  summary = sync_round (server, desk, cache);
  g_assert_cmpint (json_object_get_int_member (summary, "applied"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "pending"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "problems"), ==, 0);
  assert_uploaded (server, desk, cache, first, png);

  /* The same file again, and the desk dies when the answer arrives: the
   * retry is a replay, not a second row. */
  g_clear_pointer (&node, json_node_unref);
  node = CLI (server, desk, cache, "upload", loc, "photo", file);
  second = g_strdup (json_object_get_string_member (json_node_get_object (node), "id"));
  cli_run (server, desk, cache, "VOLTBAY_SYNC_CRASH_AFTER_REPLY=1",
           (const char * const []) { "sync", NULL }, -1, &crashed);
  g_assert_cmpint (crashed.term_sig, ==, SIGKILL);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM attachments WHERE id = $1::uuid", second), ==, 1);
  cli_run (server, desk, cache, NULL, (const char * const []) { "sync", NULL }, 0, &again);
  g_assert_nonnull (strstr (again.err, "replayed"));
  g_clear_pointer (&summary, json_object_unref);
  g_clear_pointer (&node, json_node_unref);
  node = parse (again.out);
  summary = json_object_ref (json_node_get_object (node));
  g_assert_cmpint (json_object_get_int_member (summary, "applied"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (summary, "pending"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (summary, "problems"), ==, 0);
  assert_uploaded (server, desk, cache, second, png);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM attachments", NULL), ==, 2);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sync_mutations", NULL), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  vb_test_init (&argc, &argv);
  tmp_dir = g_dir_make_tmp ("vb-sync-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sync/feed-remaining", test_feed_remaining);
  g_test_add_func ("/sync/two-clients-converge", test_two_clients_converge);
  g_test_add_func ("/sync/conflict-and-refusal", test_conflict_and_refusal);
  g_test_add_func ("/sync/client-killed", test_client_killed);
  g_test_add_func ("/sync/server-killed", test_server_killed);
  g_test_add_func ("/sync/initial-sync-progress", test_initial_sync_progress);
  g_test_add_func ("/sync/erasure-leaves-cache", test_erasure_leaves_cache);
  g_test_add_func ("/sync/background", test_background);
  g_test_add_func ("/sync/offline-upload", test_offline_upload);
  status = g_test_run ();

  {
    const char *rm[] = { "rm", "-rf", tmp_dir, NULL };

    if (!g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
      g_printerr ("# could not remove %s\n", tmp_dir);
  }
  g_free (tmp_dir);
  return status;
}
