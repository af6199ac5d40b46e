/* test-live.c — /api/v1/live: hello, wake-ups after commits, filtering by
 * location, delivery across two server instances through LISTEN/NOTIFY,
 * recovery after the LISTEN connection is killed, and bounded queues. */
#include "vb-test.h"

#include <string.h>

typedef struct
{
  SoupWebsocketConnection *ws;
  GQueue                   messages;   /* JsonNode* */
  gboolean                 closed;
  gushort                  close_code;
  gboolean                 auto_ack;
} LiveClient;

static void
message_cb (SoupWebsocketConnection *ws,
            gint                     type,
            GBytes                  *bytes,
            LiveClient              *c)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  JsonNode *node = json_from_string (text, NULL);
  JsonObject *object;

  g_assert_nonnull (node);
  object = json_node_get_object (node);
  if (c->auto_ack && json_object_has_member (object, "seq"))
    {
      g_autofree char *ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}",
                                              json_object_get_int_member (object, "seq"));
      soup_websocket_connection_send_text (ws, ack);
    }
  g_queue_push_tail (&c->messages, node);
}

static void
closed_cb (SoupWebsocketConnection *ws,
           LiveClient              *c)
{
  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LiveClient *c = user_data;
  g_autoptr(GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
spin_until (gboolean *flag, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static LiveClient *
live_connect (VbTestServer *s,
              const char   *token,
              gboolean      auto_ack)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/api/v1/live", s->port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  LiveClient *c = g_new0 (LiveClient, 1);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

  c->auto_ack = auto_ack;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_session_websocket_connect_async (s->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connected_cb, c);
  while (c->ws == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (c->ws, "message", G_CALLBACK (message_cb), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (closed_cb), c);
  return c;
}

static void
live_free (LiveClient *c)
{
  if (!c->closed && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      spin_until (&c->closed, 2000);
    }
  g_signal_handlers_disconnect_by_data (c->ws, c);
  g_clear_object (&c->ws);
  g_queue_clear_full (&c->messages, (GDestroyNotify) json_node_unref);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiveClient, live_free)

/* The next message, or NULL after timeout_ms. */
static JsonNode *
live_next (LiveClient *c,
           guint       timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_queue_is_empty (&c->messages) && !c->closed && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return g_queue_pop_head (&c->messages);
}

static const char *
type_of (JsonNode *node)
{
  return json_object_get_string_member (json_node_get_object (node), "type");
}

static void
expect_type (LiveClient *c,
             const char *type,
             guint       timeout_ms)
{
  g_autoptr(JsonNode) node = live_next (c, timeout_ms);

  g_assert_nonnull (node);
  g_assert_cmpstr (type_of (node), ==, type);
  if (g_str_equal (type, "changes"))
    {
      JsonArray *entities = json_object_get_array_member (json_node_get_object (node), "entities");
      g_assert_cmpstr (json_array_get_string_element (entities, 0), ==, "locations");
    }
}

static void
rename_location (VbDbConn *db, const char *id, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error, "UPDATE locations SET name = $2 WHERE id = $1::uuid", id, name);

  g_assert_no_error (error);
}

static void
test_hello_and_wake (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", NULL);
  g_autoptr(LiveClient) c = live_connect (s, admin, TRUE);
  g_autofree char *id = NULL;

  expect_type (c, "hello", 5000);
  id = vb_test_create_location (s, admin, "HCM-1");
  expect_type (c, "changes", 5000);
}

static void
test_bad_token_closed (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(LiveClient) c = live_connect (s, "not-a-token", TRUE);
  g_autoptr(JsonNode) none = live_next (c, 5000);

  g_assert_null (none);
  spin_until (&c->closed, 5000);
  g_assert_true (c->closed);
  g_assert_cmpuint (c->close_code, ==, 4401);
}

static void
test_location_filter (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", NULL);
  g_autofree char *a = vb_test_create_location (s, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (s, admin, "HN-1");
  g_autofree char *desk = vb_test_user_token (s, "desk@example.com", "reception", "HCM-1");
  g_autoptr(LiveClient) c = live_connect (s, desk, TRUE);
  g_autoptr(VbDbConn) db = vb_test_server_db (s);
  g_autoptr(JsonNode) quiet = NULL;

  expect_type (c, "hello", 5000);
  rename_location (db, b, "Hanoi, renamed");
  quiet = live_next (c, 700);
  g_assert_null (quiet);          /* not its location: no wake-up */
  rename_location (db, a, "Saigon, renamed");
  expect_type (c, "changes", 5000);
}

static void
test_across_instances_and_listen_loss (void)
{
  g_autoptr(VbTestServer) a = vb_test_server_start (NULL);
  g_autoptr(VbTestServer) b = vb_test_server_start_peer (a);
  g_autofree char *admin = vb_test_admin_token (a, "boss@example.com", NULL);
  g_autoptr(LiveClient) c = live_connect (b, admin, TRUE);
  g_autoptr(VbDbConn) db = vb_test_server_db (a);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) killed = NULL;
  g_autofree char *id1 = NULL, *id2 = NULL;

  expect_type (c, "hello", 5000);
  id1 = vb_test_create_location (a, admin, "HCM-1");       /* committed through A */
  expect_type (c, "changes", 5000);                /* pushed by B */

  /* Kill both instances' LISTEN connections. */
  killed = vb_db_execv (db, &error,
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = $1 AND datname = current_database()",
                        "voltbay-listener");
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (killed, 0, 0), ==, 2);
  /* Reconnected: every client is told to pull. */
  expect_type (c, "pull", 10000);
  id2 = vb_test_create_location (a, admin, "HCM-2");
  expect_type (c, "changes", 5000);
}

static void
test_slow_client_dropped (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", NULL);
  g_autofree char *id = vb_test_create_location (s, admin, "HCM-1");
  g_autoptr(LiveClient) slow = live_connect (s, admin, FALSE);
  g_autoptr(LiveClient) good = live_connect (s, admin, TRUE);
  g_autoptr(VbDbConn) db = vb_test_server_db (s);
  guint good_changes = 0;

  expect_type (slow, "hello", 5000);
  expect_type (good, "hello", 5000);
  /* Separate commits, each waited for, so each is its own wake-up. */
  for (guint i = 0; i < 110 && !slow->closed; i++)
    {
      g_autofree char *name = g_strdup_printf ("Name %u", i);
      rename_location (db, id, name);
      expect_type (good, "changes", 5000);
      good_changes++;
    }
  spin_until (&slow->closed, 5000);
  g_assert_true (slow->closed);
  g_assert_cmpuint (slow->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (g_queue_get_length (&slow->messages), ==, 100);
  g_assert_cmpuint (good_changes, >=, 100);
  g_assert_false (good->closed);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/live/hello-and-wake", test_hello_and_wake);
  g_test_add_func ("/live/bad-token-closed", test_bad_token_closed);
  g_test_add_func ("/live/location-filter", test_location_filter);
  g_test_add_func ("/live/across-instances-and-listen-loss", test_across_instances_and_listen_loss);
  g_test_add_func ("/live/slow-client-dropped", test_slow_client_dropped);
  return g_test_run ();
}
