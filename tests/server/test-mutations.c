/* test-mutations.c — the Voltbay-Mutation header: a numbered client change
 * is applied exactly once, whatever is retried, raced or lost. */
#include "vb-test.h"

#include <string.h>

#define CLIENT_A "2f1c7a52-8a43-4c55-9c1e-6f0b8e3d9a01"
#define CLIENT_B "7d3e1b0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

typedef struct
{
  guint  status;
  char  *body;
  char  *replayed;
} Reply;

static void
reply_clear (Reply *r)
{
  g_clear_pointer (&r->body, g_free);
  g_clear_pointer (&r->replayed, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

/* One request with the mutation header, on its own session (safe from
 * several threads at once). */
static void
send_mutation (VbTestServer *server,
               const char   *method,
               const char   *path,
               const char   *token,
               const char   *mutation,
               const char   *body,
               Reply        *out)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_append (headers, "Authorization", auth);
  if (mutation != NULL)
    soup_message_headers_append (headers, "Voltbay-Mutation", mutation);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  out->status = soup_message_get_status (msg);
  out->body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  out->replayed = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                          "Voltbay-Mutation-Replayed"));
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
customer_body (const char *loc,
               const char *family)
{
  return g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                          " \"given_name\": \"Lan\", \"family_name\": \"%s\"}", loc, family);
}

static void
test_replay (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = customer_body (loc, "Nguyen");
  g_autofree char *other = customer_body (loc, "Tran");
  g_auto(Reply) first = { 0 };
  g_auto(Reply) again = { 0 };
  g_auto(Reply) changed = { 0 };
  g_auto(Reply) plain = { 0 };

  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", body, &first);
  g_assert_cmpuint (first.status, ==, 201);
  g_assert_null (first.replayed);

  /* The reply was lost; the client sends the same mutation again. */
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", body, &again);
  g_assert_cmpuint (again.status, ==, 201);
  g_assert_cmpstr (again.replayed, ==, "true");
  g_assert_cmpstr (again.body, ==, first.body);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Nguyen"), ==, 1);

  /* The same number for a different request is a client bug, not a retry. */
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", other, &changed);
  g_assert_cmpuint (changed.status, ==, 422);
  g_assert_nonnull (strstr (changed.body, "\"Voltbay-Mutation\""));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Tran"), ==, 0);

  /* Without the header nothing is remembered: two requests, two customers. */
  send_mutation (server, "POST", "/api/v1/customers", admin, NULL, other, &plain);
  g_assert_cmpuint (plain.status, ==, 201);
  reply_clear (&plain);
  send_mutation (server, "POST", "/api/v1/customers", admin, NULL, other, &plain);
  g_assert_cmpuint (plain.status, ==, 201);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Tran"), ==, 2);
  g_assert_cmpint (db_count (server, "SELECT last_mutation FROM sync_clients WHERE client_id = $1", CLIENT_A), ==, 1);
}

static void
test_refusals_and_order (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = customer_body (loc, "Pham");
  g_auto(Reply) bad = { 0 };
  g_auto(Reply) bad_again = { 0 };
  g_auto(Reply) ok = { 0 };
  g_auto(Reply) old = { 0 };
  g_auto(Reply) stolen = { 0 };
  g_auto(Reply) malformed = { 0 };

  /* A refusal is an answer too: recorded and repeated, so the outbox can
   * show it and move on. */
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", "{\"kind\": \"alien\"}", &bad);
  g_assert_cmpuint (bad.status, ==, 422);
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", "{\"kind\": \"alien\"}", &bad_again);
  g_assert_cmpuint (bad_again.status, ==, 422);
  g_assert_cmpstr (bad_again.replayed, ==, "true");
  g_assert_cmpstr (bad_again.body, ==, bad.body);

  /* Numbers may skip (a change discarded before it was sent) … */
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":5", body, &ok);
  g_assert_cmpuint (ok.status, ==, 201);
  /* … but never go back to one that was not recorded. */
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":3", body, &old);
  g_assert_cmpuint (old.status, ==, 409);
  g_assert_nonnull (strstr (old.body, "\"Voltbay-Mutation\""));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Pham"), ==, 1);

  /* A client id is one user's. */
  send_mutation (server, "POST", "/api/v1/customers", desk, CLIENT_A ":6", body, &stolen);
  g_assert_cmpuint (stolen.status, ==, 403);

  send_mutation (server, "POST", "/api/v1/customers", admin, "not-a-client:1", body, &malformed);
  g_assert_cmpuint (malformed.status, ==, 422);
  g_assert_nonnull (strstr (malformed.body, "\"Voltbay-Mutation\""));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Pham"), ==, 1);
}

/* A version conflict rolls the change back and is recorded as refused:
 * the effect and the record are one transaction. */
static void
test_conflict_recorded (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = customer_body (loc, "Le");
  g_autoptr(JsonNode) created = vb_test_call (server, "POST", "/api/v1/customers", admin, body, 201);
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s",
                                           json_object_get_string_member (vb_test_object (created), "id"));
  g_auto(Reply) edit = { 0 };
  g_auto(Reply) stale = { 0 };

  send_mutation (server, "PATCH", path, admin, CLIENT_B ":1", "{\"version\": 1, \"notes\": \"first\"}", &edit);
  g_assert_cmpuint (edit.status, ==, 200);
  send_mutation (server, "PATCH", path, admin, CLIENT_B ":2", "{\"version\": 1, \"notes\": \"second\"}", &stale);
  g_assert_cmpuint (stale.status, ==, 409);
  g_assert_nonnull (strstr (stale.body, "version_conflict"));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sync_mutations WHERE client_id = $1 AND outcome = 'refused'",
                             CLIENT_B), ==, 1);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE notes = $1", "second"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE notes = $1", "first"), ==, 1);
}

/* The server committed but died before storing its reply: the retry is
 * told the change was applied (and not applied again). */
static void
test_reply_lost (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = customer_body (loc, "Vo");
  g_autoptr(VbDbConn) db = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Reply) first = { 0 };
  g_auto(Reply) retry = { 0 };

  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", body, &first);
  g_assert_cmpuint (first.status, ==, 201);
  /* What a kill -9 between COMMIT and storing the reply leaves behind. */
  db = vb_test_server_db (server);
  res = vb_db_execv (db, &error, "UPDATE sync_mutations SET status = NULL, response = NULL WHERE client_id = $1",
                     CLIENT_A);
  g_assert_no_error (error);
  vb_test_server_kill (server);
  vb_test_server_restart (server, FALSE);
  send_mutation (server, "POST", "/api/v1/customers", admin, CLIENT_A ":1", body, &retry);
  g_assert_cmpuint (retry.status, ==, 200);
  g_assert_cmpstr (retry.replayed, ==, "true");
  g_assert_nonnull (strstr (retry.body, "\"reply_lost\":true"));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Vo"), ==, 1);
}

typedef struct
{
  VbTestServer *server;
  const char   *token;
  const char   *body;
  Reply         reply;
} Job;

static gpointer
job_thread (gpointer data)
{
  Job *job = data;

  send_mutation (job->server, "POST", "/api/v1/customers", job->token, CLIENT_B ":1", job->body, &job->reply);
  return NULL;
}

/* 20 copies of one mutation at once (a client retrying over flaky links):
 * one customer, and every copy gets the same answer. */
static void
test_concurrent_retries (void)
{
  enum { N = 20 };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = customer_body (loc, "Dang");
  Job jobs[N];
  GThread *threads[N];
  guint replays = 0;

  for (guint i = 0; i < N; i++)
    {
      jobs[i] = (Job) { server, admin, body, { 0 } };
      threads[i] = g_thread_new ("retry", job_thread, &jobs[i]);
    }
  for (guint i = 0; i < N; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpuint (jobs[i].reply.status, ==, 201);
      g_assert_cmpstr (jobs[i].reply.body, ==, jobs[0].reply.body);
      replays += jobs[i].reply.replayed != NULL;
    }
  for (guint i = 0; i < N; i++)
    reply_clear (&jobs[i].reply);
  g_assert_cmpuint (replays, ==, N - 1);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE family_name = $1", "Dang"), ==, 1);
}

int
main (int argc, char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/mutations/replay", test_replay);
  g_test_add_func ("/mutations/refusals-and-order", test_refusals_and_order);
  g_test_add_func ("/mutations/conflict-recorded", test_conflict_recorded);
  g_test_add_func ("/mutations/reply-lost", test_reply_lost);
  g_test_add_func ("/mutations/concurrent-retries", test_concurrent_retries);
  return g_test_run ();
}
