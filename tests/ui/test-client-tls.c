/* test-client-tls.c — certificate pinning of VbApiClient against the real
 * server over HTTPS: the first certificate is not trusted until pinned, the
 * pinned one is accepted, a different one (the server re-keyed) is refused
 * with both fingerprints, and nothing at all is sent over a refused
 * connection.  Error bodies come back as the server's VbError. */
#include <glib/gstdio.h>

#include "vb-test.h"

#include "vb-api-client.h"
#include "vb-client-error.h"
#include "vb-pin-store.h"

#include "vb-error.h"

typedef struct
{
  JsonNode *reply;
  GError   *error;
  gboolean  done;
} Result;

static void
request_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *r = user_data;

  r->reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &r->error);
  r->done = TRUE;
}

static JsonNode *
request (VbApiClient  *client,
         const char   *method,
         const char   *path,
         JsonObject   *body,
         GError      **error)
{
  Result r = { 0 };

  vb_api_client_request_async (client, method, path, body, NULL, request_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.reply;
}

static void
pin_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_pin_store_pin_finish (VB_PIN_STORE (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static guint
login_requests (VbTestServer *server)
{
  g_autofree char *log = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (server->log_path, &log, NULL, NULL));
  for (const char *p = log; (p = strstr (p, "path=/api/v1/auth/login")) != NULL; p++)
    n++;
  return n;
}

static void
test_pinning (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start_tls ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vb-pins-XXXXXX", &error);
  g_autofree char *pin_path = g_build_filename (dir, "known-servers.ini", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pin_path);
  g_autoptr(VbApiClient) client = vb_api_client_new (pins);
  g_autofree char *first = vb_certificate_dup_fingerprint (server->pinned);
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) reply = NULL;
  gboolean pinned = FALSE;
  const char *key;

  g_assert_no_error (error);
  g_assert_true (vb_api_client_set_server (client, server->base_url, &error));
  key = vb_api_client_get_server_key (client);
  json_object_set_string_member (body, "email", "nobody@example.com");
  json_object_set_string_member (body, "password", "a password that is long");

  /* First contact: refused until the user trusts it; the password was not
   * sent (the handshake failed before any request). */
  reply = request (client, "POST", "/api/v1/auth/login", body, &error);
  g_assert_null (reply);
  g_assert_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_cmpstr (vb_client_error_get_fingerprint (error), ==, first);
  g_assert_cmpstr (vb_client_error_get_server (error), ==, key);
  g_assert_null (vb_client_error_get_pinned_fingerprint (error));
  g_assert_cmpuint (login_requests (server), ==, 0);
  g_clear_error (&error);

  /* Pinned: accepted; the server's error body is the same VbError. */
  vb_pin_store_pin_async (pins, key, first, NULL, pin_cb, &pinned);
  while (!pinned)
    g_main_context_iteration (NULL, TRUE);
  reply = request (client, "POST", "/api/v1/auth/login", body, &error);
  g_assert_null (reply);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CREDENTIALS);
  g_assert_cmpuint (login_requests (server), ==, 1);
  g_clear_error (&error);
  reply = request (client, "GET", "/healthz", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply));
  g_clear_pointer (&reply, json_node_unref);

  /* The server comes back with another certificate: refused, both named. */
  vb_test_server_restart (server, TRUE);
  second = vb_certificate_dup_fingerprint (server->pinned);
  g_assert_cmpstr (second, !=, first);
  reply = request (client, "POST", "/api/v1/auth/login", body, &error);
  g_assert_null (reply);
  g_assert_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_CHANGED);
  g_assert_cmpstr (vb_client_error_get_fingerprint (error), ==, second);
  g_assert_cmpstr (vb_client_error_get_pinned_fingerprint (error), ==, first);
  g_assert_nonnull (strstr (error->message, first));
  g_assert_nonnull (strstr (error->message, second));
  g_assert_cmpuint (login_requests (server), ==, 1);
  g_clear_error (&error);

  /* A fresh store read from disk refuses it the same way: the pin persisted. */
  {
    g_autoptr(VbPinStore) reread = vb_pin_store_new (pin_path);
    g_assert_cmpint (vb_pin_store_check (reread, key, first), ==, VB_PIN_STATUS_MATCH);
    g_assert_cmpint (vb_pin_store_check (reread, key, second), ==, VB_PIN_STATUS_MISMATCH);
  }

  g_unlink (pin_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/client/tls/pinning", test_pinning);
  return g_test_run ();
}
