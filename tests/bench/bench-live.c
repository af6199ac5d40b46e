/* bench-live — latency from a commit through server instance A to the
 * WebSocket wake-up on clients of instance B (two voltbay-server processes
 * against one PostgreSQL), with many clients connected to B.
 *
 *   build/tests/bench/bench-live [N_CLIENTS [N_CHANGES]]   (default 500, 1000)
 *
 * Each round PATCHes a location through A's API and waits until every
 * client of B has been woken.  Reported: time from the request's start to
 * the first and to the last client's wake-up, and the PATCH round trip.
 * Baseline, measured in the same run on the same cluster: a bare libpq
 * NOTIFY committed on one connection until LISTEN on another receives it.
 */
#include "vb-test.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  SoupWebsocketConnection *ws;
  gint64                   woken_at;   /* of the current round, 0 = not yet */
} Client;

typedef struct
{
  GPtrArray *clients;
  guint      woken;
  guint      connected;
} Bench;

static Bench bench;

static int
compare_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *samples, double p)
{
  guint i;

  g_array_sort (samples, compare_i64);
  i = MIN (samples->len - 1, (guint) (p * (samples->len - 1) + 0.5));
  return g_array_index (samples, gint64, i) / 1000.0;
}

static void
message_cb (SoupWebsocketConnection *ws, gint type, GBytes *bytes, Client *c)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *o = json_node_get_object (node);

  if (json_object_has_member (o, "seq"))
    {
      g_autofree char *ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}",
                                              json_object_get_int_member (o, "seq"));
      soup_websocket_connection_send_text (ws, ack);
    }
  if (g_str_equal (json_object_get_string_member (o, "type"), "hello"))
    bench.connected++;
  else if (c->woken_at == 0)
    {
      c->woken_at = g_get_monotonic_time ();
      bench.woken++;
    }
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Client *c = data;
  g_autoptr(GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (c->ws == NULL)
    g_error ("WebSocket connect: %s", error->message);
  soup_websocket_connection_set_keepalive_interval (c->ws, 0);
  g_signal_connect (c->ws, "message", G_CALLBACK (message_cb), c);
}

static void
connect_clients (VbTestServer *b, SoupSession *session, const char *token, guint n)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/api/v1/live", b->port);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

  bench.clients = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      Client *c = g_new0 (Client, 1);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      g_ptr_array_add (bench.clients, c);
      soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                            connected_cb, c);
      /* In waves, as clients of a real shop would arrive: a burst of
       * hundreds of handshakes at once only measures the accept backlog. */
      if ((i + 1) % 25 == 0)
        while (bench.connected < i + 1)
          g_main_context_iteration (NULL, TRUE);
    }
  while (bench.connected < n)
    g_main_context_iteration (NULL, TRUE);
}

/* The writer runs in its own thread with its own session, so that the
 * round trip is not held up by the main thread serving 500 sockets. */
typedef struct
{
  VbTestServer *a;
  const char   *token;
  const char   *location_id;
  gint64        version;
  GAsyncQueue  *go;       /* main → writer: round number + 1, G_MAXUINT = stop */
  GAsyncQueue  *done;     /* writer → main: the round's start time */
  GArray       *rtt;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *url = g_strdup_printf ("%s/api/v1/locations/%s", w->a->base_url, w->location_id);
  g_autofree char *auth = g_strconcat ("Bearer ", w->token, NULL);
  guint round;

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("proxy-resolver", NULL, "timeout", 60, NULL);
  while ((round = GPOINTER_TO_UINT (g_async_queue_pop (w->go))) != G_MAXUINT)
    {
      g_autofree char *body = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"name\": \"Shop round %u\"}",
                                               w->version, round);
      g_autoptr(SoupMessage) msg = soup_message_new ("PATCH", url);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      gint64 *t0 = g_new (gint64, 1), dt;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      *t0 = g_get_monotonic_time ();
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      dt = g_get_monotonic_time () - *t0;
      if (reply == NULL || soup_message_get_status (msg) != 200)
        g_error ("PATCH failed: %s", error ? error->message : "status");
      {
        g_autofree char *text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
        node = json_from_string (text, NULL);
      }
      w->version = json_object_get_int_member (json_node_get_object (node), "version");
      g_array_append_val (w->rtt, dt);
      g_async_queue_push (w->done, t0);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* Baseline: bare NOTIFY → LISTEN through the same PostgreSQL. */
static GArray *
measure_pg_notify (VbTestServer *a, guint rounds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) listener = vb_test_server_db (a);
  g_autoptr(VbDbConn) writer = vb_test_server_db (a);
  PGconn *lpg = vb_db_conn_get_pg (listener);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  PGresult *res = PQexec (lpg, "LISTEN bench_baseline");

  PQclear (res);
  for (guint i = 0; i < rounds; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(PGresult) n = vb_db_execv (writer, &error, "SELECT pg_notify('bench_baseline', $1)", "x");
      PGnotify *note = NULL;

      g_assert_no_error (error);
      while (note == NULL)
        {
          struct pollfd fd = { PQsocket (lpg), POLLIN, 0 };
          poll (&fd, 1, 1000);
          PQconsumeInput (lpg);
          note = PQnotifies (lpg);
        }
      PQfreemem (note);
      {
        gint64 dt = g_get_monotonic_time () - t0;
        g_array_append_val (samples, dt);
      }
    }
  return samples;
}

int
main (int argc, char *argv[])
{
  guint n_clients = argc > 1 ? (guint) atoi (argv[1]) : 500;
  guint n_changes = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  int targc = 1;
  char *targv_storage[] = { argv[0], NULL };
  char **targv = targv_storage;
  g_autoptr(VbTestServer) a = NULL;
  g_autoptr(VbTestServer) b = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *admin = NULL;
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) last = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) rtt = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) baseline = NULL;
  g_autoptr(JsonNode) created = NULL;
  const char *location_id;
  gint64 version;
  guint status = 0;
  Writer writer = { 0 };
  GThread *thread;

  vb_test_init (&targc, &targv);
  a = vb_test_server_start (NULL);
  b = vb_test_server_start_peer (a);
  admin = vb_test_admin_token (a, "bench@example.com", NULL);
  created = vb_test_request (a, "POST", "/api/v1/locations", admin,
                             "{\"code\":\"BENCH\",\"name\":\"Bench shop\",\"time_zone\":\"Asia/Ho_Chi_Minh\",\"currency\":\"VND\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  location_id = json_object_get_string_member (json_node_get_object (created), "id");
  version = json_object_get_int_member (json_node_get_object (created), "version");
  session = soup_session_new_with_options ("max-conns", 2000, "max-conns-per-host", 2000,
                                           "proxy-resolver", NULL, "timeout", 60, NULL);
  g_printerr ("connecting %u clients to instance B...\n", n_clients);
  connect_clients (b, session, admin, n_clients);

  writer.a = a;
  writer.token = admin;
  writer.location_id = location_id;
  writer.version = version;
  writer.go = g_async_queue_new ();
  writer.done = g_async_queue_new_full (g_free);
  writer.rtt = rtt;
  thread = g_thread_new ("writer", writer_thread, &writer);
  for (guint round = 0; round < n_changes; round++)
    {
      gint64 *t0 = NULL, newest = 0, oldest = G_MAXINT64;

      for (guint i = 0; i < bench.clients->len; i++)
        ((Client *) bench.clients->pdata[i])->woken_at = 0;
      bench.woken = 0;
      g_async_queue_push (writer.go, GUINT_TO_POINTER (round + 1));
      while (bench.woken < n_clients || (t0 == NULL && (t0 = g_async_queue_try_pop (writer.done)) == NULL))
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (50);
      for (guint i = 0; i < bench.clients->len; i++)
        {
          gint64 w = ((Client *) bench.clients->pdata[i])->woken_at;
          newest = MAX (newest, w);
          oldest = MIN (oldest, w);
        }
      oldest -= *t0;
      newest -= *t0;
      g_array_append_val (first, oldest);
      g_array_append_val (last, newest);
      g_free (t0);
    }
  g_async_queue_push (writer.go, GUINT_TO_POINTER (G_MAXUINT));
  g_thread_join (thread);
  g_async_queue_unref (writer.go);
  g_async_queue_unref (writer.done);
  baseline = measure_pg_notify (a, n_changes);

  g_print ("Live push, %u clients on instance B, %u commits through instance A (ms)\n", n_clients, n_changes);
  g_print ("%-42s %9s %9s %9s\n", "measure", "p50", "p99", "p50/base");
  g_print ("%-42s %9.3f %9.3f %9s\n", "baseline: bare NOTIFY -> LISTEN (libpq)",
           percentile (baseline, 0.5), percentile (baseline, 0.99), "1.0");
  g_print ("%-42s %9.3f %9.3f %9.1f\n", "PATCH round trip through A",
           percentile (rtt, 0.5), percentile (rtt, 0.99), percentile (rtt, 0.5) / percentile (baseline, 0.5));
  g_print ("%-42s %9.3f %9.3f %9.1f\n", "request start -> first client of B woken",
           percentile (first, 0.5), percentile (first, 0.99), percentile (first, 0.5) / percentile (baseline, 0.5));
  g_print ("%-42s %9.3f %9.3f %9.1f\n", "request start -> all clients of B woken",
           percentile (last, 0.5), percentile (last, 0.99), percentile (last, 0.5) / percentile (baseline, 0.5));
  for (guint i = 0; i < bench.clients->len; i++)
    {
      Client *c = bench.clients->pdata[i];
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  for (int i = 0; i < 200; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < bench.clients->len; i++)
    g_clear_object (&((Client *) bench.clients->pdata[i])->ws);
  g_ptr_array_unref (bench.clients);
  return 0;
}
