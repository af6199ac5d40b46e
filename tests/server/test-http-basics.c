/* test-http-basics.c — the HTTP contract every resource relies on: health,
 * readiness, metrics, error bodies, size limits, request ids, HTTPS. */
#include "vb-test.h"

#include <string.h>

static char *
get_text (VbTestServer *s,
          const char   *path,
          guint        *status)
{
  g_autofree char *url = g_strconcat (s->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (s->session, msg, NULL, &error);

  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
test_health_ready_metrics (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) health = NULL, ready = NULL, unauth = NULL;
  g_autofree char *metrics = NULL;
  guint status = 0;

  health = vb_test_request (s, "GET", "/healthz", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  ready = vb_test_request (s, "GET", "/readyz", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (ready), "status"), ==, "ready");
  unauth = vb_test_request (s, "GET", "/api/v1/me", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 401);

  metrics = get_text (s, "/metrics", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (metrics, "voltbay_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"} 1"));
  g_assert_nonnull (strstr (metrics, "voltbay_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"401\"} 1"));
  g_assert_nonnull (strstr (metrics, "voltbay_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",le=\"+Inf\"} 1"));
  g_assert_nonnull (strstr (metrics, "voltbay_db_pool_connections{state=\"in_use\"}"));
  g_assert_nonnull (strstr (metrics, "voltbay_db_pool_max_connections 4"));
}

static void
test_errors (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) malformed = NULL, not_object = NULL, missing = NULL, wrong_method = NULL;
  g_autoptr(JsonNode) media = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) xml = g_bytes_new_static ("<a/>", 4);
  guint status = 0;

  malformed = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, "{\"email\": ", &status);
  g_assert_cmpuint (status, ==, 400);
  vb_test_assert_error (malformed, "malformed_json", NULL);
  not_object = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, "[1,2]", &status);
  g_assert_cmpuint (status, ==, 400);
  vb_test_assert_error (not_object, "malformed_json", NULL);
  missing = vb_test_request (s, "GET", "/api/v1/no-such-thing", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  vb_test_assert_error (missing, "not_found", NULL);
  wrong_method = vb_test_request_full (s, "DELETE", "/api/v1/me", NULL, NULL, NULL, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 405);
  vb_test_assert_error (wrong_method, "method_not_allowed", NULL);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Allow"), ==, "GET");
  g_assert_nonnull (soup_message_headers_get_one (headers, "X-Request-Id"));
  media = vb_test_request_full (s, "POST", "/api/v1/auth/login", NULL, "application/xml", xml,
                                NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 415);
  vb_test_assert_error (media, "unsupported_media_type", NULL);
}

static void
test_body_limit (void)
{
  const char *args[] = { NULL };
  g_autoptr(VbTestServer) s = vb_test_server_start (args);
  gsize size = 1024 * 1024 + 1;
  g_autofree char *big = g_malloc (size);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) reply = NULL, after = NULL;
  guint status = 0;

  memset (big, ' ', size);
  big[0] = '{';
  big[size - 1] = '}';
  body = g_bytes_new_take (g_steal_pointer (&big), size);
  reply = vb_test_request_full (s, "POST", "/api/v1/auth/login", NULL, "application/json", body,
                                NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 413);
  vb_test_assert_error (reply, "payload_too_large", NULL);
  /* The server is still fine afterwards. */
  after = vb_test_request (s, "GET", "/healthz", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
test_request_id_in_log (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *log = NULL;
  g_autofree char *needle = NULL;
  guint status = 0;

  reply = vb_test_request_full (s, "GET", "/readyz", NULL, NULL, NULL, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 200);
  needle = g_strdup_printf ("request_id=%s ", soup_message_headers_get_one (headers, "X-Request-Id"));
  /* The access line is written when the reply is; give the log a moment. */
  for (int i = 0; i < 100; i++)
    {
      g_clear_pointer (&log, g_free);
      g_assert_true (g_file_get_contents (s->log_path, &log, NULL, NULL));
      if (strstr (log, needle) != NULL)
        break;
      g_usleep (20 * 1000);
    }
  g_assert_nonnull (strstr (log, needle));
  g_assert_nonnull (strstr (log, "path=/readyz status=200"));
}

static void
test_https_generated_certificate (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start_tls ();
  g_autoptr(JsonNode) health = NULL;
  g_autoptr(SoupSession) strict = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autofree char *url = g_strconcat (s->base_url, "/healthz", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  guint status = 0;

  g_assert_true (g_str_has_prefix (s->base_url, "https://"));
  /* Pinned: the generated certificate is accepted. */
  health = vb_test_request (s, "GET", "/healthz", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  /* Not pinned: an ordinary client refuses the self-signed certificate. */
  body = soup_session_send_and_read (strict, msg, NULL, &error);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  /* The fingerprint a client pins is logged at start. */
  g_assert_true (g_file_get_contents (s->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "SHA-256 fingerprint"));
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/http/health-ready-metrics", test_health_ready_metrics);
  g_test_add_func ("/http/errors", test_errors);
  g_test_add_func ("/http/body-limit", test_body_limit);
  g_test_add_func ("/http/request-id-in-log", test_request_id_in_log);
  g_test_add_func ("/http/https-generated-certificate", test_https_generated_certificate);
  return g_test_run ();
}
