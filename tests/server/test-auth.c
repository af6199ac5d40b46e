/* test-auth.c — login, lockout, TOTP, pending sessions, logout, against a
 * real voltbay-server and PostgreSQL. */
#include "vb-test.h"
#include "vb-random.h"
#include "vb-totp.h"

#include <stdlib.h>
#include <string.h>

#define PW "correct horse battery staple"

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  return json_node_get_object (node);
}

static char *
login_body (const char *email, const char *password, const char *totp)
{
  if (totp != NULL)
    return g_strdup_printf ("{\"email\":\"%s\",\"password\":\"%s\",\"totp\":\"%s\"}", email, password, totp);
  return g_strdup_printf ("{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
}

static void
test_login_ok_and_bad (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *id = vb_test_create_user (s, "desk@example.com", NULL, "reception", NULL);
  g_autoptr(JsonNode) me = NULL, bad = NULL, unknown = NULL, missing = NULL;
  g_autofree char *token = NULL, *b1 = NULL, *b2 = NULL;
  guint status = 0;

  token = vb_test_login (s, "DESK@example.com", PW, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (strlen (token), >=, 43);   /* 256 bits, base64url */
  me = vb_test_request (s, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (me), "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (obj (me), "email"), ==, "desk@example.com");

  b1 = login_body ("desk@example.com", "wrong password here", NULL);
  bad = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, b1, &status);
  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (bad, "invalid_credentials", NULL);
  b2 = login_body ("nobody@example.com", PW, NULL);
  unknown = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, b2, &status);
  g_assert_cmpuint (status, ==, 401);
  /* Same answer for unknown accounts: no enumeration. */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj (bad), "error"), "message"), ==,
                   json_object_get_string_member (json_object_get_object_member (obj (unknown), "error"), "message"));
  missing = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, "{\"email\":\"desk@example.com\"}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (missing, "validation_failed", "password");
}

static void
test_token_stored_hashed (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *token = vb_test_user_token (s, "tech@example.com", "technician", NULL);
  g_autofree char *hash = vb_sha256_hex (token, -1);
  g_autoptr(VbDbConn) db = vb_test_server_db (s);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) pw = NULL;

  res = vb_db_execv (db, &error, "SELECT count(*) FILTER (WHERE token_hash = $1),"
                     " count(*) FILTER (WHERE token_hash = $2 OR user_agent LIKE '%' || $2 || '%')"
                     " FROM sessions", hash, token);
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (res, 0, 0), ==, 1);
  g_assert_cmpint (vb_db_get_int (res, 0, 1), ==, 0);
  pw = vb_db_execv (db, &error, "SELECT password_hash FROM users WHERE email = $1", "tech@example.com");
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (vb_db_get (pw, 0, 0), "$argon2id$"));
}

static void
test_logout_revokes (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *token = vb_test_user_token (s, "desk@example.com", "reception", NULL);
  g_autoptr(JsonNode) out = NULL, after = NULL;
  guint status = 0;

  out = vb_test_request (s, "POST", "/api/v1/auth/logout", token, NULL, &status);
  g_assert_cmpuint (status, ==, 204);
  after = vb_test_request (s, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (after, "unauthenticated", NULL);
}

static void
test_account_lockout (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *id = vb_test_create_user (s, "desk@example.com", NULL, "reception", NULL);
  g_autofree char *wrong = login_body ("desk@example.com", "not the password!", NULL);
  g_autofree char *right = login_body ("desk@example.com", PW, NULL);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) locked = NULL;
  g_autoptr(GBytes) body = g_bytes_new (right, strlen (right));
  g_autoptr(VbDbConn) db = vb_test_server_db (s);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) events = NULL;
  guint status = 0;

  for (int i = 0; i < 5; i++)
    {
      g_autoptr(JsonNode) r = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, wrong, &status);
      g_assert_cmpuint (status, ==, 401);
    }
  /* Locked now: even the right password is refused with 429 + Retry-After. */
  locked = vb_test_request_full (s, "POST", "/api/v1/auth/login", NULL, "application/json", body,
                                 NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 429);
  vb_test_assert_error (locked, "rate_limited", NULL);
  g_assert_cmpint (atoi (soup_message_headers_get_one (headers, "Retry-After")), >=, 1);
  events = vb_db_execv (db, &error,
                        "SELECT count(*) FILTER (WHERE kind = 'login_failed'),"
                        "       count(*) FILTER (WHERE kind = 'login_locked')"
                        "  FROM security_events WHERE user_id = $1::uuid", id);
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (events, 0, 0), ==, 5);
  g_assert_cmpint (vb_db_get_int (events, 0, 1), ==, 1);
}

static void
test_address_throttle (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *id = vb_test_create_user (s, "desk@example.com", NULL, "reception", NULL);
  g_autoptr(JsonNode) blocked = NULL;
  g_autofree char *right = login_body ("desk@example.com", PW, NULL);
  guint status = 0;

  /* Many accounts probed from one address: the address is blocked. */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *email = g_strdup_printf ("probe%d@example.com", i);
      g_autofree char *b = login_body (email, "whatever password", NULL);
      g_autoptr(JsonNode) r = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, b, &status);
      g_assert_cmpuint (status, ==, 401);
    }
  blocked = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, right, &status);
  g_assert_cmpuint (status, ==, 429);
  vb_test_assert_error (blocked, "rate_limited", NULL);
}

static char *
current_code (const char *secret)
{
  return vb_totp_code_for_step (secret, vb_totp_step_for_time (g_get_real_time () / G_USEC_PER_SEC));
}

static void
test_totp_enrol_verify_replay (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *secret = NULL;
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", &secret);
  g_autofree char *code = NULL, *with_code = NULL, *no_code = NULL;
  g_autoptr(JsonNode) need = NULL, ok = NULL, replay = NULL;
  guint status = 0;

  no_code = login_body ("boss@example.com", PW, NULL);
  need = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, no_code, &status);
  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (need, "mfa_required", "totp");

  /* The enrolment consumed the current step; wait for a fresh one. */
  code = current_code (secret);
  while (TRUE)
    {
      g_autofree char *now = current_code (secret);
      if (!g_str_equal (now, code))
        {
          g_free (code);
          code = g_steal_pointer (&now);
          break;
        }
      g_usleep (250 * 1000);
    }
  with_code = login_body ("boss@example.com", PW, code);
  ok = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, with_code, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_object_get_null_member (obj (ok), "pending"));
  replay = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, with_code, &status);
  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (replay, "invalid_mfa_code", "totp");
}

static void
test_recovery_code_once (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *token = vb_test_user_token (s, "tech@example.com", "technician", NULL);
  g_autoptr(JsonNode) enrol = NULL, verified = NULL, first = NULL, second = NULL;
  g_autofree char *code = NULL, *body = NULL, *login = NULL;
  const char *secret, *recovery;
  guint status = 0;

  /* Technicians may enrol voluntarily. */
  enrol = vb_test_request (s, "POST", "/api/v1/auth/totp/enrol", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  secret = json_object_get_string_member (obj (enrol), "secret");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (obj (enrol), "otpauth_uri"), "otpauth://totp/"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (enrol), "recovery_codes")), ==, 10);
  recovery = json_array_get_string_element (json_object_get_array_member (obj (enrol), "recovery_codes"), 3);
  code = current_code (secret);
  body = g_strdup_printf ("{\"code\":\"%s\"}", code);
  verified = vb_test_request (s, "POST", "/api/v1/auth/totp/verify", token, body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_object_get_boolean_member (obj (verified), "mfa_enabled"));

  login = g_strdup_printf ("{\"email\":\"tech@example.com\",\"password\":\"%s\",\"recovery_code\":\"%s\"}",
                           PW, recovery);
  first = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, login, &status);
  g_assert_cmpuint (status, ==, 200);
  second = vb_test_request (s, "POST", "/api/v1/auth/login", NULL, login, &status);
  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (second, "invalid_mfa_code", "recovery_code");
}

static void
test_admin_must_enrol (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *token = vb_test_user_token (s, "boss@example.com", "admin", NULL);
  g_autoptr(JsonNode) me = NULL, users = NULL;
  guint status = 0;

  me = vb_test_request (s, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (me), "pending"), ==, "mfa_enrolment");
  users = vb_test_request (s, "GET", "/api/v1/users", token, NULL, &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (users, "mfa_enrolment_required", NULL);
}

static void
test_one_time_password_flow (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  const char *args[] = { "bootstrap-admin", "--email=first@example.com", NULL };
  int exit_status = -1;
  g_autofree char *out = vb_test_ctl (s, args, NULL, &exit_status);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *otp = g_strstrip (g_strdup (lines[2]));
  g_autofree char *again = NULL, *token = NULL, *change = NULL;
  g_autoptr(JsonNode) blocked = NULL, changed = NULL, weak = NULL;
  guint status = 0;

  g_assert_cmpint (exit_status, ==, 0);
  g_assert_cmpuint (strlen (otp), >=, 16);
  again = vb_test_ctl (s, args, NULL, &exit_status);
  g_assert_cmpint (exit_status, ==, 0);
  g_assert_nonnull (strstr (again, "already exists"));

  token = vb_test_login (s, "first@example.com", otp, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  blocked = vb_test_request (s, "GET", "/api/v1/audit", token, NULL, &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (blocked, "password_change_required", NULL);

  change = g_strdup_printf ("{\"current_password\":\"%s\",\"new_password\":\"short\"}", otp);
  weak = vb_test_request (s, "POST", "/api/v1/auth/password", token, change, &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (weak, "validation_failed", "new_password");
  g_free (change);
  change = g_strdup_printf ("{\"current_password\":\"%s\",\"new_password\":\"a much better passphrase\"}", otp);
  changed = vb_test_request (s, "POST", "/api/v1/auth/password", token, change, &status);
  g_assert_cmpuint (status, ==, 200);
  /* Next step for an admin: two-factor enrolment. */
  g_assert_cmpstr (json_object_get_string_member (obj (changed), "pending"), ==, "mfa_enrolment");
  g_assert_false (json_object_get_boolean_member (obj (changed), "must_change_password"));
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/auth/login-ok-and-bad", test_login_ok_and_bad);
  g_test_add_func ("/auth/token-stored-hashed", test_token_stored_hashed);
  g_test_add_func ("/auth/logout-revokes", test_logout_revokes);
  g_test_add_func ("/auth/account-lockout", test_account_lockout);
  g_test_add_func ("/auth/address-throttle", test_address_throttle);
  g_test_add_func ("/auth/totp-enrol-verify-replay", test_totp_enrol_verify_replay);
  g_test_add_func ("/auth/recovery-code-once", test_recovery_code_once);
  g_test_add_func ("/auth/admin-must-enrol", test_admin_must_enrol);
  g_test_add_func ("/auth/one-time-password", test_one_time_password_flow);
  return g_test_run ();
}
