/* vb-handler-auth.c — login, logout, /me, TOTP enrolment, password change.
 *
 * Login answers the same "invalid e-mail or password" whether the account
 * exists or not, and burns the same argon2id time either way.  Failures
 * count per account (lockout with growing back-off) and per client address
 * (a window), both kept in PostgreSQL so every server instance sees them.
 * A session may start "pending": an admin without MFA must enrol first, a
 * one-time password must be changed first; such a session reaches only the
 * routes flagged ALLOW_PENDING.
 */
#include "vb-handlers.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-password.h"
#include "vb-random.h"
#include "vb-server.h"
#include "vb-totp.h"

#define ACCOUNT_FREE_FAILURES  5
#define ACCOUNT_BASE_LOCK_SECS 30
#define ACCOUNT_MAX_LOCK_SECS  900
#define ADDRESS_MAX_FAILURES   20
#define ADDRESS_WINDOW         "15 minutes"
#define N_RECOVERY_CODES       10

typedef struct
{
  char    *id;
  char    *email;
  char    *password_hash;
  char    *totp_secret;
  gboolean active;
  gboolean totp_enabled;
  gboolean must_change_password;
  gboolean requires_mfa;
  gint64   totp_last_step;
  gint64   locked_for;        /* seconds left of a lockout, 0 if none */
} Account;

static void
account_free (Account *a)
{
  g_free (a->id);
  g_free (a->email);
  g_free (a->password_hash);
  g_free (a->totp_secret);
  g_free (a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Account, account_free)

static GError *
rate_limited (gint64      seconds,
              const char *message)
{
  g_autoptr(JsonObject) details = json_object_new ();
  GError *error = g_error_new_literal (VB_ERROR, VB_ERROR_RATE_LIMITED, message);

  json_object_set_int_member (details, "retry_after", MAX (seconds, 1));
  vb_error_set_details (error, details);
  return error;
}

static void
record_event (VbDbConn   *conn,
              const char *kind,
              const char *email,
              const char *user_id,
              const char *address,
              const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res =
    vb_db_execv (conn, &error,
                 "INSERT INTO security_events (kind, email, user_id, address, detail)"
                 " VALUES ($1, $2, $3::uuid, $4, jsonb_build_object('reason', $5::text))",
                 kind, email, user_id, address, reason ? reason : "");
  if (res == NULL)
    g_warning ("Could not record security event %s: %s", kind, error->message);
}

static gboolean
check_address (VbDbConn    *conn,
               const char  *address,
               GError     **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "SELECT ceil(extract(epoch FROM blocked_until - now()))::bigint"
                 "  FROM login_throttle WHERE address = $1 AND blocked_until > now()",
                 address);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      g_propagate_error (error, rate_limited (vb_db_get_int (res, 0, 0),
                                              "Too many failed logins from this address; try again later"));
      return FALSE;
    }
  return TRUE;
}

static void
count_address_failure (VbDbConn   *conn,
                       const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *max = g_strdup_printf ("%d", ADDRESS_MAX_FAILURES);
  g_autoptr(PGresult) res =
    vb_db_execv (conn, &error,
      "INSERT INTO login_throttle AS t (address, failures, window_start) VALUES ($1, 1, now())"
      " ON CONFLICT (address) DO UPDATE SET"
      "   failures = CASE WHEN t.window_start < now() - $3::interval THEN 1 ELSE t.failures + 1 END,"
      "   window_start = CASE WHEN t.window_start < now() - $3::interval THEN now() ELSE t.window_start END,"
      "   blocked_until = CASE WHEN t.window_start >= now() - $3::interval AND t.failures + 1 >= $2::int"
      "                        THEN now() + $3::interval ELSE t.blocked_until END",
      address, max, ADDRESS_WINDOW);
  if (res == NULL)
    g_warning ("Could not count a failed login: %s", error->message);
}

static Account *
load_account (VbDbConn    *conn,
              const char  *email,
              GError     **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
      "SELECT u.id, u.email, u.password_hash, u.totp_secret, u.active, u.totp_enabled,"
      "       u.must_change_password,"
      "       EXISTS (SELECT 1 FROM role_assignments ra JOIN roles r ON r.id = ra.role_id"
      "                WHERE ra.user_id = u.id AND r.requires_mfa),"
      "       coalesce(s.totp_last_step, -1),"
      "       coalesce(ceil(extract(epoch FROM s.locked_until - now())), 0)::bigint"
      "  FROM users u LEFT JOIN user_auth_state s ON s.user_id = u.id"
      " WHERE lower(u.email) = lower($1)",
      email);
  Account *a;

  if (res == NULL || PQntuples (res) == 0)
    return NULL;
  a = g_new0 (Account, 1);
  a->id = g_strdup (vb_db_get (res, 0, 0));
  a->email = g_strdup (vb_db_get (res, 0, 1));
  a->password_hash = g_strdup (vb_db_get (res, 0, 2));
  a->totp_secret = g_strdup (vb_db_get (res, 0, 3));
  a->active = vb_db_get_bool (res, 0, 4);
  a->totp_enabled = vb_db_get_bool (res, 0, 5);
  a->must_change_password = vb_db_get_bool (res, 0, 6);
  a->requires_mfa = vb_db_get_bool (res, 0, 7);
  a->totp_last_step = vb_db_get_int (res, 0, 8);
  a->locked_for = MAX (vb_db_get_int (res, 0, 9), 0);
  return a;
}

/* Counts a failure against the account; locks it with a doubling back-off
 * once the free attempts are used up. */
static void
count_account_failure (VbDbConn   *conn,
                       const char *user_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *free_n = g_strdup_printf ("%d", ACCOUNT_FREE_FAILURES);
  g_autofree char *base = g_strdup_printf ("%d", ACCOUNT_BASE_LOCK_SECS);
  g_autofree char *max = g_strdup_printf ("%d", ACCOUNT_MAX_LOCK_SECS);
  g_autoptr(PGresult) res =
    vb_db_execv (conn, &error,
      "INSERT INTO user_auth_state AS s (user_id, failed_logins) VALUES ($1::uuid, 1)"
      " ON CONFLICT (user_id) DO UPDATE SET failed_logins = s.failed_logins + 1,"
      "   locked_until = CASE WHEN s.failed_logins + 1 >= $2::int"
      "     THEN now() + make_interval(secs => least($4::int, $3::int * power(2, s.failed_logins + 1 - $2::int)))"
      "     ELSE s.locked_until END",
      user_id, free_n, base, max);
  if (res == NULL)
    g_warning ("Could not count a failed login: %s", error->message);
}

static gboolean
use_recovery_code (VbDbConn    *conn,
                   Account     *a,
                   const char  *input,
                   GError     **error)
{
  g_autofree char *normal = vb_recovery_code_normalize (input);
  g_autofree char *hash = normal ? vb_sha256_hex (normal, -1) : NULL;
  g_autoptr(PGresult) res = NULL;

  if (hash != NULL)
    res = vb_db_execv (conn, error,
                       "UPDATE recovery_codes SET used_at = now()"
                       " WHERE user_id = $1::uuid AND code_hash = $2 AND used_at IS NULL",
                       a->id, hash);
  if (hash != NULL && res == NULL)
    return FALSE;
  if (res == NULL || g_strcmp0 (PQcmdTuples (res), "1") != 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE,
                           "Invalid or already used recovery code");
      vb_error_set_field (*error, "recovery_code");
      return FALSE;
    }
  return TRUE;
}

/* The step is stored with a compare-and-set so two logins racing with the
 * same code cannot both win. */
static gboolean
use_totp (VbDbConn    *conn,
          Account     *a,
          const char  *code,
          GError     **error)
{
  g_autofree char *step_text = NULL;
  g_autoptr(PGresult) res = NULL;
  gint64 step = 0;

  if (!vb_totp_verify (a->totp_secret, code, g_get_real_time () / G_USEC_PER_SEC,
                       a->totp_last_step, &step, error))
    {
      if (*error != NULL)
        vb_error_set_field (*error, "totp");
      return FALSE;
    }
  step_text = g_strdup_printf ("%" G_GINT64_FORMAT, step);
  res = vb_db_execv (conn, error,
    "INSERT INTO user_auth_state AS s (user_id, totp_last_step) VALUES ($1::uuid, $2::bigint)"
    " ON CONFLICT (user_id) DO UPDATE SET totp_last_step = $2::bigint"
    "  WHERE s.totp_last_step < $2::bigint",
    a->id, step_text);
  if (res == NULL)
    return FALSE;
  if (g_strcmp0 (PQcmdTuples (res), "1") != 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE, "This code was already used");
      vb_error_set_field (*error, "totp");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_second_factor (VbDbConn    *conn,
                     Account     *a,
                     JsonObject  *body,
                     GError     **error)
{
  const char *totp = NULL, *recovery = NULL;

  if (!a->totp_enabled)
    return TRUE;
  if (!vb_json_optional_string (body, "totp", &totp, error)
      || !vb_json_optional_string (body, "recovery_code", &recovery, error))
    return FALSE;
  if (totp != NULL)
    return use_totp (conn, a, totp, error);
  if (recovery != NULL)
    return use_recovery_code (conn, a, recovery, error);
  g_set_error_literal (error, VB_ERROR, VB_ERROR_MFA_REQUIRED,
                       "Enter the code from your authenticator app");
  vb_error_set_field (*error, "totp");
  return FALSE;
}

static JsonNode *
load_me (VbDbConn    *conn,
         const char  *user_id,
         const char  *session_id,
         GError     **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
      "SELECT u.id, u.email, u.display_name, u.locale, u.totp_enabled AS mfa_enabled,"
      "  u.must_change_password,"
      "  coalesce((SELECT jsonb_agg(jsonb_build_object('role', r.name, 'location_id', ra.location_id,"
      "                                                'location_code', l.code) ORDER BY r.name, l.code)"
      "             FROM role_assignments ra JOIN roles r ON r.id = ra.role_id"
      "             LEFT JOIN locations l ON l.id = ra.location_id WHERE ra.user_id = u.id), '[]') AS roles,"
      "  coalesce((SELECT jsonb_agg(DISTINCT rp.permission) FROM role_assignments ra"
      "             JOIN role_permissions rp ON rp.role_id = ra.role_id WHERE ra.user_id = u.id), '[]') AS permissions,"
      "  (SELECT pending FROM sessions WHERE id = $2::uuid) AS pending,"
      "  u.version, u.created_at, u.updated_at"
      "  FROM users u WHERE u.id = $1::uuid",
      user_id, session_id);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "The account is gone");
      return NULL;
    }
  return vb_db_row_to_json (res, 0);
}

static const char *
pending_for (Account *a)
{
  if (a->must_change_password)
    return "password_change";
  if (a->requires_mfa && !a->totp_enabled)
    return "mfa_enrolment";
  return NULL;
}

static JsonNode *
open_session (VbRequest   *req,
              VbDbConn    *conn,
              Account     *a,
              GError     **error)
{
  g_autofree char *token = vb_random_token (32);
  g_autofree char *hash = vb_sha256_hex (token, -1);
  g_autofree char *hours = g_strdup_printf ("%" G_GINT64_FORMAT " seconds",
                                            vb_server_get_options (vb_request_get_server (req))->session_lifetime);
  const char *agent = vb_request_get_header (req, "user-agent");
  const char *pending = pending_for (a);
  g_autoptr(PGresult) session = NULL;
  g_autoptr(PGresult) state = NULL;
  g_autoptr(JsonNode) row = NULL;
  JsonNode *me;
  JsonObject *root;
  JsonNode *node;

  session = vb_db_execv (conn, error,
    "INSERT INTO sessions (user_id, token_hash, pending, address, user_agent, expires_at)"
    " VALUES ($1::uuid, $2, $3, $4, $5, now() + $6::interval) RETURNING id, expires_at",
    a->id, hash, pending, vb_request_get_remote_address (req), agent ? agent : "", hours);
  if (session == NULL)
    return NULL;
  state = vb_db_execv (conn, error,
    "INSERT INTO user_auth_state AS s (user_id, last_login_at) VALUES ($1::uuid, now())"
    " ON CONFLICT (user_id) DO UPDATE SET failed_logins = 0, locked_until = NULL, last_login_at = now()",
    a->id);
  if (state == NULL || (me = load_me (conn, a->id, vb_db_get (session, 0, 0), error)) == NULL)
    return NULL;
  row = vb_db_row_to_json (session, 0);
  root = json_object_new ();
  json_object_set_string_member (root, "token", token);
  json_object_set_member (root, "expires_at",
                          json_object_dup_member (json_node_get_object (row), "expires_at"));
  if (pending != NULL)
    json_object_set_string_member (root, "pending", pending);
  else
    json_object_set_null_member (root, "pending");
  json_object_set_member (root, "user", me);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

static GError *
bad_credentials (void)
{
  return g_error_new_literal (VB_ERROR, VB_ERROR_INVALID_CREDENTIALS,
                              "Invalid e-mail or password");
}

static gboolean
authenticate (VbRequest    *req,
              VbDbConn     *conn,
              JsonObject   *body,
              Account     **out,
              GError      **error)
{
  const char *address = vb_request_get_remote_address (req);
  const char *email, *password;
  g_autoptr(Account) a = NULL;
  g_autoptr(GError) local_error = NULL;

  if ((email = vb_json_require_string (body, "email", error)) == NULL
      || (password = vb_json_require_string (body, "password", error)) == NULL
      || !check_address (conn, address, error))
    return FALSE;
  a = load_account (conn, email, &local_error);
  if (local_error != NULL)
    return g_propagate_error (error, g_steal_pointer (&local_error)), FALSE;
  if (a != NULL && a->locked_for > 0)
    {
      record_event (conn, "login_locked", email, a->id, address, "account locked");
      g_propagate_error (error, rate_limited (a->locked_for,
                                              "Too many failed logins for this account; try again later"));
      return FALSE;
    }
  if (a == NULL)
    vb_password_verify_dummy (password);
  if (a == NULL || !vb_password_verify (a->password_hash, password) || !a->active)
    {
      if (a != NULL)
        count_account_failure (conn, a->id);
      count_address_failure (conn, address);
      record_event (conn, "login_failed", email, a ? a->id : NULL, address,
                    a == NULL ? "unknown e-mail" : a->active ? "wrong password" : "inactive account");
      g_propagate_error (error, bad_credentials ());
      return FALSE;
    }
  if (!check_second_factor (conn, a, body, error))
    {
      if (!g_error_matches (*error, VB_ERROR, VB_ERROR_MFA_REQUIRED))
        {
          count_account_failure (conn, a->id);
          count_address_failure (conn, address);
          record_event (conn, "login_failed", email, a->id, address, "wrong second factor");
        }
      return FALSE;
    }
  *out = g_steal_pointer (&a);
  return TRUE;
}

static void
maybe_rehash (VbDbConn   *conn,
              Account    *a,
              const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(PGresult) res = NULL;

  if (!vb_password_needs_rehash (a->password_hash))
    return;
  hash = vb_password_hash (password, &error);
  if (hash != NULL)
    res = vb_db_execv (conn, &error, "UPDATE users SET password_hash = $2 WHERE id = $1::uuid",
                       a->id, hash);
  if (error != NULL)
    g_warning ("Could not upgrade a password hash: %s", error->message);
}

static gboolean
login (VbRequest  *req,
       GError    **error)
{
  g_autoptr(JsonObject) body = vb_request_parse_body (req, error);
  VbDbConn *conn = body ? vb_request_get_db (req, error) : NULL;
  g_autoptr(Account) a = NULL;
  JsonNode *reply;

  if (conn == NULL || !authenticate (req, conn, body, &a, error))
    return FALSE;
  maybe_rehash (conn, a, json_object_get_string_member (body, "password"));
  reply = open_session (req, conn, a, error);
  if (reply == NULL)
    return FALSE;
  record_event (conn, "login_succeeded", a->email, a->id, vb_request_get_remote_address (req), NULL);
  vb_request_reply_json (req, 200, reply);
  return TRUE;
}

static gboolean
logout (VbRequest  *req,
        GError    **error)
{
  VbPrincipal *p = vb_request_get_principal (req);
  VbDbConn *conn = vb_request_get_db (req, error);
  g_autoptr(PGresult) res = NULL;

  if (conn == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, "UPDATE sessions SET revoked_at = now() WHERE id = $1::uuid",
                     p->session_id);
  if (res == NULL)
    return FALSE;
  record_event (conn, "logout", p->email, p->user_id, vb_request_get_remote_address (req), NULL);
  vb_request_reply_text (req, 204, NULL, NULL);
  return TRUE;
}

static gboolean
me (VbRequest  *req,
    GError    **error)
{
  VbPrincipal *p = vb_request_get_principal (req);
  VbDbConn *conn = vb_request_get_db (req, error);
  JsonNode *node = conn ? load_me (conn, p->user_id, p->session_id, error) : NULL;

  if (node == NULL)
    return FALSE;
  vb_request_reply_json (req, 200, node);
  return TRUE;
}

/* ------------------------------------------------------------ TOTP --- */

typedef struct
{
  VbPrincipal *principal;
  char        *secret;
  GPtrArray   *codes;
  const char  *code;
  gboolean     enabled_now;
} Enrolment;

static gboolean
store_enrolment (VbDbConn  *conn,
                 gpointer   data,
                 GError   **error)
{
  Enrolment *e = data;
  g_autoptr(PGresult) user = NULL;
  g_autoptr(PGresult) cleared = NULL;

  user = vb_db_execv (conn, error,
                      "UPDATE users SET totp_secret = $2 WHERE id = $1::uuid AND NOT totp_enabled",
                      e->principal->user_id, e->secret);
  if (user == NULL)
    return FALSE;
  if (g_strcmp0 (PQcmdTuples (user), "1") != 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_CONFLICT,
                           "Two-factor authentication is already set up; an administrator can reset it");
      return FALSE;
    }
  cleared = vb_db_execv (conn, error, "DELETE FROM recovery_codes WHERE user_id = $1::uuid",
                         e->principal->user_id);
  if (cleared == NULL)
    return FALSE;
  for (guint i = 0; i < e->codes->len; i++)
    {
      g_autofree char *normal = vb_recovery_code_normalize (e->codes->pdata[i]);
      g_autofree char *hash = vb_sha256_hex (normal, -1);
      g_autoptr(PGresult) res = vb_db_execv (conn, error,
        "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1::uuid, $2)",
        e->principal->user_id, hash);
      if (res == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
totp_enrol (VbRequest  *req,
            GError    **error)
{
  Enrolment e = { vb_request_get_principal (req), vb_totp_generate_secret (),
                  g_ptr_array_new_with_free_func (g_free), NULL, FALSE };
  g_autofree char *secret = e.secret;
  g_autoptr(GPtrArray) codes = e.codes;
  g_autofree char *uri = NULL;
  JsonObject *root;
  JsonArray *list;
  JsonNode *node;

  for (guint i = 0; i < N_RECOVERY_CODES; i++)
    g_ptr_array_add (codes, vb_recovery_code_new ());
  if (!vb_request_transaction (req, store_enrolment, &e, error))
    return FALSE;
  uri = vb_totp_provisioning_uri (secret, e.principal->email, "Voltbay");
  root = json_object_new ();
  json_object_set_string_member (root, "secret", secret);
  json_object_set_string_member (root, "otpauth_uri", uri);
  list = json_array_new ();
  for (guint i = 0; i < codes->len; i++)
    json_array_add_string_element (list, codes->pdata[i]);
  json_object_set_array_member (root, "recovery_codes", list);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  vb_request_reply_json (req, 200, node);
  return TRUE;
}

static gboolean
confirm_enrolment (VbDbConn  *conn,
                   gpointer   data,
                   GError   **error)
{
  Enrolment *e = data;
  g_autoptr(PGresult) user = NULL;
  g_autoptr(PGresult) session = NULL;
  g_autofree char *step_text = NULL;
  g_autoptr(PGresult) state = NULL;
  gint64 step = 0;

  user = vb_db_execv (conn, error,
                      "SELECT totp_secret, totp_enabled FROM users WHERE id = $1::uuid FOR UPDATE",
                      e->principal->user_id);
  if (user == NULL)
    return FALSE;
  if (vb_db_get (user, 0, 0) == NULL || vb_db_get_bool (user, 0, 1))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_CONFLICT,
                           vb_db_get_bool (user, 0, 1) ? "Two-factor authentication is already active"
                                                       : "Start the enrolment first");
      return FALSE;
    }
  if (!vb_totp_verify (vb_db_get (user, 0, 0), e->code, g_get_real_time () / G_USEC_PER_SEC,
                       -1, &step, error))
    {
      vb_error_set_field (*error, "code");
      return FALSE;
    }
  step_text = g_strdup_printf ("%" G_GINT64_FORMAT, step);
  state = vb_db_execv (conn, error,
    "INSERT INTO user_auth_state AS s (user_id, totp_last_step) VALUES ($1::uuid, $2::bigint)"
    " ON CONFLICT (user_id) DO UPDATE SET totp_last_step = greatest(s.totp_last_step, $2::bigint)",
    e->principal->user_id, step_text);
  if (state == NULL)
    return FALSE;
  g_clear_pointer (&user, PQclear);
  user = vb_db_execv (conn, error, "UPDATE users SET totp_enabled = true WHERE id = $1::uuid",
                      e->principal->user_id);
  session = user ? vb_db_execv (conn, error,
                                "UPDATE sessions SET pending = NULL WHERE id = $1::uuid AND pending = 'mfa_enrolment'",
                                e->principal->session_id) : NULL;
  return session != NULL;
}

static gboolean
totp_verify (VbRequest  *req,
             GError    **error)
{
  g_autoptr(JsonObject) body = vb_request_parse_body (req, error);
  Enrolment e = { vb_request_get_principal (req), NULL, NULL, NULL, FALSE };
  VbDbConn *conn;

  if (body == NULL || (e.code = vb_json_require_string (body, "code", error)) == NULL)
    return FALSE;
  if (!vb_request_transaction (req, confirm_enrolment, &e, error))
    return FALSE;
  conn = vb_request_get_db (req, error);
  record_event (conn, "mfa_enrolled", e.principal->email, e.principal->user_id,
                vb_request_get_remote_address (req), NULL);
  return me (req, error);
}

/* -------------------------------------------------------- password --- */

typedef struct
{
  VbPrincipal *principal;
  const char  *hash;
} PasswordChange;

static gboolean
store_password (VbDbConn  *conn,
                gpointer   data,
                GError   **error)
{
  PasswordChange *c = data;
  g_autoptr(PGresult) user = NULL;
  g_autoptr(PGresult) others = NULL;
  g_autoptr(PGresult) session = NULL;

  user = vb_db_execv (conn, error,
                      "UPDATE users SET password_hash = $2, must_change_password = false WHERE id = $1::uuid",
                      c->principal->user_id, c->hash);
  /* Other sessions end: whoever knew the old password is out. */
  others = user ? vb_db_execv (conn, error,
                               "UPDATE sessions SET revoked_at = now()"
                               " WHERE user_id = $1::uuid AND id <> $2::uuid AND revoked_at IS NULL",
                               c->principal->user_id, c->principal->session_id) : NULL;
  /* Next step for this session: MFA enrolment if a role requires it. */
  session = others ? vb_db_execv (conn, error,
    "UPDATE sessions s SET pending = CASE WHEN NOT u.totp_enabled AND EXISTS ("
    "    SELECT 1 FROM role_assignments ra JOIN roles r ON r.id = ra.role_id"
    "     WHERE ra.user_id = u.id AND r.requires_mfa) THEN 'mfa_enrolment' END"
    "  FROM users u WHERE s.id = $1::uuid AND u.id = s.user_id",
    c->principal->session_id) : NULL;
  return session != NULL;
}

static gboolean
change_password (VbRequest  *req,
                 GError    **error)
{
  g_autoptr(JsonObject) body = vb_request_parse_body (req, error);
  VbPrincipal *p = vb_request_get_principal (req);
  const char *current, *new_password;
  g_autoptr(PGresult) res = NULL;
  g_autofree char *hash = NULL;
  PasswordChange c = { p, NULL };
  VbDbConn *conn;

  if (body == NULL
      || (current = vb_json_require_string (body, "current_password", error)) == NULL
      || (new_password = vb_json_require_string (body, "new_password", error)) == NULL
      || !vb_password_check_policy (new_password, p->email, "new_password", error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, "SELECT password_hash FROM users WHERE id = $1::uuid", p->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 || !vb_password_verify (vb_db_get (res, 0, 0), current))
    {
      vb_set_validation_error (error, "current_password", "The current password is not right");
      return FALSE;
    }
  if (g_str_equal (current, new_password))
    {
      vb_set_validation_error (error, "new_password", "Choose a password different from the current one");
      return FALSE;
    }
  if ((hash = vb_password_hash (new_password, error)) == NULL)
    return FALSE;
  c.hash = hash;
  if (!vb_request_transaction (req, store_password, &c, error))
    return FALSE;
  record_event (conn, "password_changed", p->email, p->user_id, vb_request_get_remote_address (req), NULL);
  return me (req, error);
}

static const VbRoute routes[] = {
  { "POST", "/api/v1/auth/login", login, NULL, VB_ROUTE_PUBLIC,
    "Log in with e-mail, password and (when enrolled) a TOTP or recovery code" },
  { "POST", "/api/v1/auth/logout", logout, NULL, VB_ROUTE_ALLOW_PENDING, "End this session" },
  { "GET", "/api/v1/me", me, NULL, VB_ROUTE_ALLOW_PENDING, "The caller, roles and permissions" },
  { "POST", "/api/v1/auth/totp/enrol", totp_enrol, NULL, VB_ROUTE_ALLOW_PENDING,
    "Start TOTP enrolment: secret, otpauth URI, recovery codes" },
  { "POST", "/api/v1/auth/totp/verify", totp_verify, NULL, VB_ROUTE_ALLOW_PENDING,
    "Confirm TOTP enrolment with a first code" },
  { "POST", "/api/v1/auth/password", change_password, NULL, VB_ROUTE_ALLOW_PENDING,
    "Change one's own password" },
};

void
vb_handler_auth_register (VbRouter *router)
{
  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
