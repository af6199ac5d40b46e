/* test-client.c — libvoltbay-client without a display or a server: the pin
 * store, address handling, back-off and what the UI says (presentation). */
#include <glib/gstdio.h>
#include <locale.h>

#include "vb-api-client.h"
#include "vb-client-error.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-presentation.h"
#include "vb-session.h"

#include "vb-error.h"
#include "vb-json.h"

#define FP_A "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
#define FP_B "11:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"

static void
pin_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;

  vb_pin_store_pin_finish (VB_PIN_STORE (object), result, error);
  g_main_context_wakeup (NULL);
  *(gboolean *) g_object_get_data (object, "done") = TRUE;
}

static void
pin_sync (VbPinStore *store,
          const char *server,
          const char *fingerprint)
{
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_object_set_data (G_OBJECT (store), "done", &done);
  vb_pin_store_pin_async (store, server, fingerprint, NULL, pin_done_cb, &error);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (error);
}

static void
test_pin_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vb-pins-XXXXXX", &error);
  /* A directory that does not exist yet: pinning creates it. */
  g_autofree char *path = g_build_filename (dir, "sub", "known-servers.ini", NULL);
  g_autoptr(VbPinStore) store = vb_pin_store_new (path);
  g_autoptr(VbPinStore) again = NULL;
  g_autofree char *fingerprint = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (vb_pin_store_check (store, "host:8443", FP_A), ==, VB_PIN_STATUS_UNKNOWN);
  pin_sync (store, "host:8443", FP_A);
  g_assert_cmpint (vb_pin_store_check (store, "host:8443", FP_A), ==, VB_PIN_STATUS_MATCH);
  g_assert_cmpint (vb_pin_store_check (store, "host:8443", FP_B), ==, VB_PIN_STATUS_MISMATCH);
  /* Pins are per host and port. */
  g_assert_cmpint (vb_pin_store_check (store, "host:8444", FP_A), ==, VB_PIN_STATUS_UNKNOWN);

  /* On disk, private, and read back by a new store. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  again = vb_pin_store_new (path);
  fingerprint = vb_pin_store_dup_fingerprint (again, "host:8443");
  g_assert_cmpstr (fingerprint, ==, FP_A);
  /* No temporary file left behind by the atomic write. */
  {
    g_autofree char *sub = g_path_get_dirname (path);
    g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (d), ==, "known-servers.ini");
    g_assert_null (g_dir_read_name (d));
  }

  g_unlink (path);
  {
    g_autofree char *sub = g_path_get_dirname (path);
    g_rmdir (sub);
  }
  g_rmdir (dir);
}

static void
test_pin_store_unreadable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vb-pins-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "known-servers.ini", NULL);
  g_autoptr(VbPinStore) store = NULL;

  /* A corrupt file means "nothing known", never "anything goes". */
  g_assert_true (g_file_set_contents (path, "not [a keyfile\n\x01", -1, NULL));
  g_test_expect_message ("voltbay-client", G_LOG_LEVEL_WARNING, "Ignoring the known servers*");
  store = vb_pin_store_new (path);
  g_test_assert_expected_messages ();
  g_assert_cmpint (vb_pin_store_check (store, "host:8443", FP_A), ==, VB_PIN_STATUS_UNKNOWN);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_server_key (void)
{
  struct { const char *uri; const char *key; } cases[] = {
    { "https://Server.Example:8443/api", "server.example:8443" },
    { "https://server.example", "server.example:443" },
    { "wss://server.example/api/v1/live", "server.example:443" },
    { "http://127.0.0.1", "127.0.0.1:80" },
    { "https://[::1]:8443", "[::1]:8443" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (cases[i].uri, G_URI_FLAGS_NONE, NULL);
      g_autofree char *key = vb_server_key_for_uri (uri);
      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

static void
test_address_normalize (void)
{
  struct { const char *typed; const char *url; } good[] = {
    { "localhost", "https://localhost:8443" },
    { "  voltbay.example  ", "https://voltbay.example:8443" },
    { "voltbay.example:9443", "https://voltbay.example:9443" },
    { "https://voltbay.example", "https://voltbay.example:443" },
    { "HTTPS://voltbay.example:8443/", "https://voltbay.example:8443" },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
    { "https://proxy.example/voltbay/", "https://proxy.example:443/voltbay" },
  };
  const char *bad[] = { "", "   ", "ftp://voltbay.example", "https://", "https://h?x=1",
                        "https://user@h", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = vb_server_address_normalize (good[i].typed, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].url);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = vb_server_address_normalize (bad[i], &error);
      g_assert_null (url);
      g_assert_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS);
    }
}

static void
test_backoff (void)
{
  /* Doubling from the initial delay, capped, jitter in the upper half. */
  g_assert_cmpuint (vb_live_backoff_delay (0, 500, 30000, 0.0), ==, 250);
  g_assert_cmpuint (vb_live_backoff_delay (0, 500, 30000, 0.999), ==, 499);
  g_assert_cmpuint (vb_live_backoff_delay (1, 500, 30000, 0.0), ==, 500);
  g_assert_cmpuint (vb_live_backoff_delay (3, 500, 30000, 0.0), ==, 2000);
  g_assert_cmpuint (vb_live_backoff_delay (10, 500, 30000, 0.0), ==, 15000);
  g_assert_cmpuint (vb_live_backoff_delay (1000, 500, 30000, 0.999), <, 30000);
  g_assert_cmpuint (vb_live_backoff_delay (1000, 500, 30000, 0.999), >=, 29000);
}

static void
test_state_labels (void)
{
  g_assert_cmpstr (vb_connection_state_get_label (VB_CONNECTION_STATE_ONLINE), ==, "Online");
  g_assert_cmpstr (vb_connection_state_get_label (VB_CONNECTION_STATE_OFFLINE), ==, "Offline");
  g_assert_cmpstr (vb_connection_state_get_label (VB_CONNECTION_STATE_RECONNECTING), ==, "Reconnecting…");
  g_assert_cmpstr (vb_connection_state_get_label (VB_CONNECTION_STATE_CONNECTING), ==, "Connecting…");
  for (int s = VB_CONNECTION_STATE_OFFLINE; s <= VB_CONNECTION_STATE_RECONNECTING; s++)
    g_assert_true (g_str_has_suffix (vb_connection_state_get_icon_name (s), "-symbolic"));
}

static void
test_format_count (void)
{
  static const struct { guint64 n; const char *text; } cases[] = {
    { 0, "0" }, { 7, "7" }, { 999, "999" }, { 1000, "1,000" }, { 1200, "1,200" },
    { 65536, "65,536" }, { 1234567, "1,234,567" },
    { G_MAXUINT64, "18,446,744,073,709,551,615" },
  };

  /* C has no thousands separator; the comma stands in. */
  setlocale (LC_NUMERIC, "C");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = vb_format_count (cases[i].n);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_sync_labels (void)
{
  static const struct {
    VbConnectionState connection;
    VbSyncState       sync;
    guint64           done, total;
    guint             pending;
    const char       *label;
  } cases[] = {
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_ONLINE, 0, 0, 0, "Up to date" },
    /* Progress stays after a pull: done == total is not "syncing N of N". */
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_ONLINE, 500, 500, 0, "Up to date" },
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_SYNCING, 1200, 5000, 0, "Syncing 1,200 of 5,000" },
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_SYNCING, 500, 500, 2, "Syncing…" },
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_SYNCING, 0, 0, 0, "Syncing…" },
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_ONLINE, 0, 0, 2, "2 changes waiting" },
    { VB_CONNECTION_STATE_OFFLINE, VB_SYNC_STATE_OFFLINE, 0, 0, 0, "Offline" },
    { VB_CONNECTION_STATE_OFFLINE, VB_SYNC_STATE_ONLINE, 0, 0, 1, "Offline — 1 change waiting" },
    { VB_CONNECTION_STATE_OFFLINE, VB_SYNC_STATE_SYNCING, 10, 20, 3, "Offline — 3 changes waiting" },
    /* The live connection is up but the engine's requests fail (5xx). */
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_OFFLINE, 0, 0, 0, "Offline" },
    { VB_CONNECTION_STATE_ONLINE, VB_SYNC_STATE_OFFLINE, 0, 0, 4, "Offline — 4 changes waiting" },
    { VB_CONNECTION_STATE_CONNECTING, VB_SYNC_STATE_SYNCING, 0, 0, 0, "Connecting…" },
    { VB_CONNECTION_STATE_RECONNECTING, VB_SYNC_STATE_ONLINE, 0, 0, 0, "Reconnecting…" },
    { VB_CONNECTION_STATE_RECONNECTING, VB_SYNC_STATE_ONLINE, 0, 0, 1, "Offline — 1 change waiting" },
  };
  g_autofree char *one = vb_sync_problems_dup_label (1);
  g_autofree char *two = vb_sync_problems_dup_label (2);

  setlocale (LC_NUMERIC, "C");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *label = vb_sync_status_dup_label (cases[i].connection, cases[i].sync,
                                                         cases[i].done, cases[i].total,
                                                         cases[i].pending);
      g_assert_cmpstr (label, ==, cases[i].label);
      g_assert_true (g_str_has_suffix (vb_sync_status_get_icon_name (cases[i].connection,
                                                                     cases[i].sync), "-symbolic"));
    }
  g_assert_cmpstr (one, ==, "1 change needs attention");
  g_assert_cmpstr (two, ==, "2 changes need attention");
}

static void
test_problem_texts (void)
{
  VbOutboxEntry refused = {
    .seq = 3, .kind = VB_CHANGE_CREATE, .state = VB_OUTBOX_REFUSED,
    .entity = (char *) "vehicles", .record_id = (char *) "v1",
    .method = (char *) "POST", .path = (char *) "/api/v1/vehicles",
    .fields = (char *) "{\"vin\": \"NOT-A-VIN\", \"id\": \"v1\", \"year\": 2024, \"customer_id\": \"c1\"}",
    .status = 422,
    .reply = (char *) "{\"error\": {\"code\": \"invalid\", \"message\": \"vin must be 17 characters\","
                      " \"field\": \"vin\"}}",
  };
  VbOutboxEntry conflict = {
    .seq = 4, .kind = VB_CHANGE_UPDATE, .state = VB_OUTBOX_CONFLICT,
    .entity = (char *) "customers", .record_id = (char *) "c1",
    .method = (char *) "PATCH", .path = (char *) "/api/v1/customers/c1",
    .fields = (char *) "{\"family_name\": \"Beta\"}",
    .status = 409,
    .reply = (char *) "{\"error\": {\"code\": \"version_conflict\", \"message\": \"changed\"},"
                      " \"conflicting_fields\": [\"family_name\", \"phones\"]}",
  };
  VbOutboxEntry bare = {
    .state = VB_OUTBOX_REFUSED, .method = (char *) "POST", .path = (char *) "/api/v1/x",
    .status = 403, .reply = (char *) "not json",
  };
  g_autofree char *attempt = vb_outbox_entry_dup_attempt (&refused);
  g_autofree char *fields = vb_outbox_entry_dup_fields (&refused);
  g_autofree char *reason = vb_outbox_entry_dup_reason (&refused);
  g_autofree char *conflict_reason = vb_outbox_entry_dup_reason (&conflict);
  g_autofree char *conflict_fields = vb_outbox_entry_dup_fields (&conflict);
  g_autofree char *bare_reason = vb_outbox_entry_dup_reason (&bare);
  g_autofree char *bare_fields = vb_outbox_entry_dup_fields (&bare);

  g_assert_cmpstr (attempt, ==, "New vehicle");
  {
    g_autofree char *conflict_attempt = vb_outbox_entry_dup_attempt (&conflict);
    g_autofree char *bare_attempt = vb_outbox_entry_dup_attempt (&bare);

    g_assert_cmpstr (conflict_attempt, ==, "Change to a customer");
    g_assert_cmpstr (bare_attempt, ==, "POST /api/v1/x");
  }
  /* Sorted by name, the record's own id left out, strings bare. */
  g_assert_cmpstr (fields, ==, "customer_id: c1, vin: NOT-A-VIN, year: 2024");
  g_assert_cmpstr (reason, ==, "Refused (422): vin must be 17 characters — vin");
  g_assert_cmpstr (conflict_reason, ==, "Changed on the server meanwhile: family_name, phones");
  g_assert_cmpstr (conflict_fields, ==, "family_name: Beta");
  g_assert_cmpstr (bare_reason, ==, "Refused (403): The server gave no reason");
  g_assert_cmpstr (bare_fields, ==, "");
}

static GError *
wire_error (const char *body,
            guint       status)
{
  g_autoptr(JsonNode) node = json_from_string (body, NULL);

  g_assert_nonnull (node);
  return vb_error_from_json (node, status);
}

static void
test_error_messages (void)
{
  struct { const char *body; guint status; const char *message; const char *field; } cases[] = {
    { "{\"error\":{\"code\":\"invalid_credentials\",\"message\":\"x\"}}", 401,
      "Wrong e-mail address or password", "password" },
    { "{\"error\":{\"code\":\"mfa_required\",\"message\":\"x\"}}", 401,
      "Enter the 6-digit code from your authenticator app", "code" },
    { "{\"error\":{\"code\":\"rate_limited\",\"message\":\"x\",\"details\":{\"retry_after\":30}}}", 429,
      "Too many attempts; try again in 30 seconds", NULL },
    { "{\"error\":{\"code\":\"rate_limited\",\"message\":\"x\",\"details\":{\"retry_after\":90}}}", 429,
      "Too many attempts; try again in 2 minutes", NULL },
    { "{\"error\":{\"code\":\"validation_failed\",\"message\":\"x\",\"field\":\"email\"}}", 422,
      "Enter a valid e-mail address", "email" },
    { "{\"error\":{\"code\":\"validation_failed\",\"message\":\"too short\",\"field\":\"new_password\"}}", 422,
      "Not accepted: too short", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = wire_error (cases[i].body, cases[i].status);
      g_autofree char *message = vb_error_dup_user_message (error);
      g_assert_cmpstr (message, ==, cases[i].message);
      g_assert_cmpstr (vb_error_get_form_field (error), ==, cases[i].field);
    }

  {
    g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "x");
    g_autofree char *message = vb_error_dup_user_message (error);
    g_assert_true (g_str_has_prefix (message, "Could not reach the server"));
    g_assert_cmpstr (vb_error_get_form_field (error), ==, "server");
  }
  {
    g_autoptr(GError) error = vb_client_error_new_certificate (VB_CLIENT_ERROR_CERTIFICATE_CHANGED,
                                                               "h:1", FP_B, FP_A);
    g_autoptr(GError) copy = g_error_copy (error);
    g_autofree char *message = vb_error_dup_user_message (copy);
    /* The extended data survives a copy (GTask and signals copy errors). */
    g_assert_cmpstr (vb_client_error_get_server (copy), ==, "h:1");
    g_assert_cmpstr (vb_client_error_get_fingerprint (copy), ==, FP_B);
    g_assert_cmpstr (vb_client_error_get_pinned_fingerprint (copy), ==, FP_A);
    g_assert_nonnull (strstr (copy->message, FP_A));
    g_assert_nonnull (strstr (copy->message, FP_B));
    g_assert_nonnull (strstr (message, "certificate has changed"));
  }
}

static void
test_roles_summary (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) me = vb_json_parse_object (
    "{\"roles\":["
    "{\"role\":\"reception\",\"location_id\":\"1\",\"location_code\":\"HCM-D1\"},"
    "{\"role\":\"technician\",\"location_id\":null,\"location_code\":null},"
    "{\"role\":\"reception\",\"location_id\":\"2\",\"location_code\":\"HCM-D7\"}]}", -1, &error);
  g_autofree char *summary = NULL;

  g_assert_no_error (error);
  summary = vb_user_dup_roles_summary (me);
  g_assert_cmpstr (summary, ==, "Reception — HCM-D1, HCM-D7\nTechnician — All locations");
}

static void
test_fingerprint_display (void)
{
  g_autofree char *display = vb_fingerprint_dup_for_display (FP_A);
  g_auto(GStrv) lines = g_strsplit (display, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpuint (strlen (lines[0]), ==, 47);
  g_assert_true (g_str_has_prefix (FP_A, lines[0]));
  g_assert_true (g_str_has_suffix (FP_A, lines[1]));
}

/* The user id names the cache file: /me's wins over the keyring's. */
static void
test_session_user_id (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbSession) session = vb_session_new ("https://h:8443", "a@b.c", "t0k");
  g_autoptr(JsonObject) me = vb_json_parse_object (
    "{\"id\":\"11111111-1111-1111-1111-111111111111\",\"email\":\"a@b.c\"}", -1, &error);

  g_assert_no_error (error);
  g_assert_null (vb_session_get_user_id (session));
  vb_session_set_user_id (session, "22222222-2222-2222-2222-222222222222");
  g_assert_cmpstr (vb_session_get_user_id (session), ==, "22222222-2222-2222-2222-222222222222");
  g_assert_true (vb_session_set_user (session, me, &error));
  g_assert_cmpstr (vb_session_get_user_id (session), ==, "11111111-1111-1111-1111-111111111111");
}

static void
test_session_from_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = vb_json_parse_object (
    "{\"token\":\"t0k\",\"pending\":\"mfa_enrolment\",\"user\":{\"email\":\"a@b.c\","
    "\"display_name\":\"Ada\",\"pending\":\"mfa_enrolment\"}}", -1, &error);
  g_autoptr(JsonObject) me = vb_json_parse_object (
    "{\"email\":\"a@b.c\",\"display_name\":\"Ada L.\",\"pending\":null}", -1, &error);
  g_autoptr(JsonObject) no_token = vb_json_parse_object ("{\"pending\":null}", -1, &error);
  g_autoptr(VbSession) session = NULL;
  g_autoptr(VbSession) broken = NULL;

  g_assert_no_error (error);
  session = vb_session_new_from_login ("https://h:8443", "a@b.c", reply, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vb_session_get_token (session), ==, "t0k");
  g_assert_cmpint (vb_session_get_pending (session), ==, VB_SESSION_PENDING_MFA_ENROLMENT);
  g_assert_cmpstr (vb_session_get_display_name (session), ==, "Ada");
  g_assert_true (vb_session_set_user (session, me, &error));
  g_assert_cmpint (vb_session_get_pending (session), ==, VB_SESSION_PENDING_NONE);
  g_assert_cmpstr (vb_session_get_display_name (session), ==, "Ada L.");

  broken = vb_session_new_from_login ("https://h:8443", "a@b.c", no_token, &error);
  g_assert_null (broken);
  g_assert_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/pin-store/roundtrip", test_pin_store);
  g_test_add_func ("/client/pin-store/unreadable", test_pin_store_unreadable);
  g_test_add_func ("/client/pin-store/server-key", test_server_key);
  g_test_add_func ("/client/address/normalize", test_address_normalize);
  g_test_add_func ("/client/live/backoff", test_backoff);
  g_test_add_func ("/client/presentation/state-labels", test_state_labels);
  g_test_add_func ("/client/presentation/error-messages", test_error_messages);
  g_test_add_func ("/client/presentation/roles-summary", test_roles_summary);
  g_test_add_func ("/client/presentation/fingerprint", test_fingerprint_display);
  g_test_add_func ("/client/presentation/format-count", test_format_count);
  g_test_add_func ("/client/presentation/sync-labels", test_sync_labels);
  g_test_add_func ("/client/presentation/problem-texts", test_problem_texts);
  g_test_add_func ("/client/session/from-login", test_session_from_login);
  g_test_add_func ("/client/session/user-id", test_session_user_id);
  return g_test_run ();
}
