/* vb-handler-users.c — /api/v1/users and /api/v1/sessions: staff accounts,
 * their role assignments, MFA resets and session revocation.
 *
 * Reading follows the caller's scope in SQL: users.read in every location
 * shows everyone, users.read in some locations shows the people assigned
 * there.  Changing accounts needs users.manage in every location, because an
 * account and its roles are not bound to one shop.  Secrets (password_hash,
 * totp_secret, token hashes) are never selected, so they cannot leak into a
 * reply by accident.
 *
 * Role lists travel to SQL as one canonical JSON parameter built here from
 * validated input, and a replacement is applied as a difference (delete what
 * is gone, insert what is new) so the audit trail shows exactly what changed
 * rather than a delete-and-reinsert of everything.  Every change that could
 * take away the last account able to manage users is refused, so an admin
 * cannot lock everyone out through the API.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-password.h"

#include <string.h>

#define USER_COLUMNS \
  "u.id, u.email, u.display_name, u.locale, u.active, u.must_change_password," \
  " u.totp_enabled AS mfa_enabled, st.last_login_at, st.locked_until," \
  " coalesce((SELECT jsonb_agg(jsonb_build_object(" \
  "                  'id', ra.id, 'role', r.name, 'role_id', r.id," \
  "                  'location_id', ra.location_id, 'location_code', l.code)" \
  "                  ORDER BY r.name, l.code NULLS FIRST)" \
  "             FROM role_assignments ra JOIN roles r ON r.id = ra.role_id" \
  "             LEFT JOIN locations l ON l.id = ra.location_id" \
  "            WHERE ra.user_id = u.id), '[]'::jsonb) AS roles," \
  " u.version, u.created_at, u.updated_at"

#define USER_FROM \
  " FROM users u LEFT JOIN user_auth_state st ON st.user_id = u.id"

/* May the caller ($1) see user u?  Everyone with users.read everywhere;
 * otherwise people assigned to a location where the caller has users.read. */
#define USER_VISIBLE \
  "(vb_has_global_permission($1::uuid, 'users.read') OR EXISTS (" \
  "   SELECT 1 FROM role_assignments va" \
  "    WHERE va.user_id = u.id AND va.location_id IS NOT NULL" \
  "      AND vb_has_permission($1::uuid, 'users.read', va.location_id)))"

#define SESSION_COLUMNS \
  "s.id, s.user_id, s.pending, s.address, s.user_agent, s.created_at, s.expires_at," \
  " s.revoked_at, (s.revoked_at IS NULL AND s.expires_at > now()) AS active"

typedef struct
{
  VbPrincipal *caller;
  const char  *remote_address;
  const char  *id;
  const char  *email;
  const char  *display_name;
  const char  *locale;
  const char  *active;                 /* "true"/"false"/NULL */
  const char  *must_change_password;   /* "true"/"false"/NULL */
  char        *password_hash;
  char        *roles_json;             /* canonical [{role, location_id}], or NULL */
  gint64       version;
  JsonNode    *result;
} UserWrite;

static void
user_write_clear (UserWrite *w)
{
  g_clear_pointer (&w->password_hash, g_free);
  g_clear_pointer (&w->roles_json, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UserWrite, user_write_clear)

/* ------------------------------------------------------------- helpers --- */

static gboolean
validate_locale (const char  *locale,
                 GError     **error)
{
  if (!g_str_equal (locale, "en") && !g_str_equal (locale, "vi"))
    {
      vb_set_validation_error (error, "locale", "locale must be \"en\" or \"vi\"");
      return FALSE;
    }
  return TRUE;
}

/* roles: [{"role": name, "location_id": uuid|null}] → canonical JSON text
 * holding only those two members, so SQL never sees anything unvalidated. */
static gboolean
read_roles (JsonObject  *body,
            gboolean     required,
            char       **json_out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (body, "roles");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  *json_out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        vb_set_validation_error (error, "roles", "roles is required");
      return !required;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      vb_set_validation_error (error, "roles",
                               "roles must be an array of {\"role\", \"location_id\"}");
      return FALSE;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) > 200)
    {
      vb_set_validation_error (error, "roles", "roles may hold at most 200 assignments");
      return FALSE;
    }

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *object;
      const char *role = NULL;
      const char *location_id = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          vb_set_validation_error (error, "roles",
                                   "roles[%u] must be an object {\"role\", \"location_id\"}", i);
          return FALSE;
        }
      object = json_node_get_object (element);
      if ((role = vb_json_require_string (object, "role", &local_error)) == NULL
          || !vb_json_optional_string (object, "location_id", &location_id, &local_error)
          || (location_id != NULL && !vb_validate_uuid (location_id, "location_id", &local_error)))
        {
          vb_set_validation_error (error, "roles", "roles[%u]: %s", i, local_error->message);
          return FALSE;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, role);
      json_builder_set_member_name (builder, "location_id");
      if (location_id != NULL)
        json_builder_add_string_value (builder, location_id);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  *json_out = vb_json_to_string (root, NULL);
  return TRUE;
}

/* Every role named exists and every location given exists: 422 "roles". */
static gboolean
check_roles (VbDbConn    *conn,
             const char  *roles_json,
             GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT e->>'role', e->>'location_id', r.id IS NULL"
    "  FROM jsonb_array_elements($1::jsonb) e"
    "  LEFT JOIN roles r ON r.name = e->>'role'"
    "  LEFT JOIN locations l ON l.id = (e->>'location_id')::uuid"
    " WHERE r.id IS NULL OR (e->>'location_id' IS NOT NULL AND l.id IS NULL)"
    " LIMIT 1",
    roles_json);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;
  if (vb_db_get_bool (res, 0, 2))
    vb_set_validation_error (error, "roles", "There is no role named \"%s\"",
                             vb_db_get (res, 0, 0));
  else
    vb_set_validation_error (error, "roles", "There is no location %s",
                             vb_db_get (res, 0, 1));
  return FALSE;
}

/* Make the user's assignments exactly roles_json, touching only the
 * differences. */
static gboolean
apply_roles (VbDbConn    *conn,
             const char  *user_id,
             const char  *roles_json,
             GError     **error)
{
  g_autoptr(PGresult) removed = NULL;
  g_autoptr(PGresult) added = NULL;

  removed = vb_db_execv (conn, error,
    "DELETE FROM role_assignments ra"
    " WHERE ra.user_id = $1::uuid"
    "   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb) e"
    "                     JOIN roles r ON r.name = e->>'role'"
    "                    WHERE r.id = ra.role_id"
    "                      AND (e->>'location_id')::uuid IS NOT DISTINCT FROM ra.location_id)",
    user_id, roles_json);
  if (removed == NULL)
    return FALSE;
  added = vb_db_execv (conn, error,
    "INSERT INTO role_assignments (user_id, role_id, location_id)"
    " SELECT DISTINCT $1::uuid, r.id, (e->>'location_id')::uuid"
    "   FROM jsonb_array_elements($2::jsonb) e JOIN roles r ON r.name = e->>'role'"
    " ON CONFLICT DO NOTHING",
    user_id, roles_json);
  return added != NULL;
}

static gboolean
select_user (VbDbConn    *conn,
             const char  *id,
             JsonNode   **out,
             GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT " USER_COLUMNS USER_FROM " WHERE u.id = $1::uuid", id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "user");
  g_clear_pointer (out, json_node_unref);
  *out = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
lock_user (VbDbConn    *conn,
           const char  *id,
           GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", id);

  if (res == NULL)
    return FALSE;
  return PQntuples (res) == 1 || vb_handler_not_found (error, "user");
}

static gboolean
add_security_event (VbDbConn    *conn,
                    const char  *kind,
                    const char  *user_id,
                    const char  *address,
                    const char  *detail_key,
                    const char  *detail_value,
                    const char  *actor_id,
                    GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "INSERT INTO security_events (kind, email, user_id, address, detail)"
    " SELECT $1, u.email, u.id, coalesce($3, ''),"
    "        jsonb_strip_nulls(jsonb_build_object($4::text, $5::text, 'by', $6::text))"
    "   FROM users u WHERE u.id = $2::uuid",
    kind, user_id, address, detail_key ? detail_key : "detail", detail_value, actor_id);

  return res != NULL;
}

/* ------------------------------------------------------------- reading --- */

static gboolean
list_users (VbRequest  *req,
            GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *q = vb_request_get_query (req, "q");
  const char *active = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || !vb_handler_bool_query (req, "active", &active, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if (q != NULL && !vb_validate_length (q, "q", 0, 200, error))
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " USER_COLUMNS ", lower(u.email) AS _cursor" USER_FROM
    " WHERE " USER_VISIBLE
    "   AND ($2::text IS NULL OR lower(u.email) > $2)"
    "   AND ($3::boolean IS NULL OR u.active = $3)"
    "   AND ($4::text IS NULL OR strpos(lower(u.email), lower($4)) > 0"
    "        OR strpos(lower(u.display_name), lower($4)) > 0)"
    " ORDER BY lower(u.email)"
    " LIMIT $5::int",
    principal->user_id, after, active, q, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_cursor");
  return TRUE;
}

static gboolean
get_user (VbRequest  *req,
          GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " USER_COLUMNS ", " USER_VISIBLE " AS _allowed" USER_FROM
    " WHERE u.id = $2::uuid",
    principal->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "user");
  if (!vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                           "This user works outside the locations you may see");
      return FALSE;
    }
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* ------------------------------------------------------------ creating --- */

static gboolean
insert_user_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  UserWrite *w = user_data;
  g_autoptr(PGresult) taken = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *id;

  taken = vb_db_execv (conn, error,
    "SELECT lower(email) = lower($1) FROM users"
    " WHERE lower(email) = lower($1) OR id = $2::uuid",
    w->email, w->id);
  if (taken == NULL)
    return FALSE;
  if (PQntuples (taken) > 0)
    {
      gboolean email = vb_db_get_bool (taken, 0, 0);
      g_propagate_error (error,
                         vb_handler_field_error (VB_ERROR_CONFLICT, email ? "email" : "id",
                                                 email ? "Another account uses this e-mail address"
                                                       : "An account with this id already exists"));
      return FALSE;
    }
  if (w->roles_json != NULL && !check_roles (conn, w->roles_json, error))
    return FALSE;

  res = vb_db_execv (conn, &local_error,
    "INSERT INTO users (id, email, display_name, locale, password_hash, must_change_password)"
    " VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, coalesce($4, 'en'), $5,"
    "         coalesce($6::boolean, true))"
    " RETURNING id",
    w->id, w->email, w->display_name, w->locale, w->password_hash, w->must_change_password);
  if (res == NULL)
    {
      /* A concurrent insert of the same address got there first. */
      if (g_error_matches (local_error, VB_ERROR, VB_ERROR_CONFLICT))
        vb_error_set_field (local_error, "email");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  id = vb_db_get (res, 0, 0);
  if (w->roles_json != NULL && !apply_roles (conn, id, w->roles_json, error))
    return FALSE;
  return select_user (conn, id, &w->result, error);
}

static gboolean
create_user (VbRequest  *req,
             GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(UserWrite) w = { 0 };
  g_autofree char *location = NULL;
  const char *password;

  if ((body = vb_request_parse_body (req, error)) == NULL)
    return FALSE;
  if (!vb_json_optional_string (body, "id", &w.id, error)
      || (w.id != NULL && !vb_validate_uuid (w.id, "id", error))
      || (w.email = vb_json_require_string (body, "email", error)) == NULL
      || !vb_validate_email (w.email, "email", error)
      || (w.display_name = vb_json_require_string (body, "display_name", error)) == NULL
      || !vb_validate_length (w.display_name, "display_name", 1, 200, error)
      || !vb_json_optional_string (body, "locale", &w.locale, error)
      || (w.locale != NULL && !validate_locale (w.locale, error))
      || (password = vb_json_require_string (body, "password", error)) == NULL
      || !vb_password_check_policy (password, w.email, "password", error)
      || !vb_handler_optional_bool_param (body, "must_change_password",
                                          &w.must_change_password, error)
      || !read_roles (body, FALSE, &w.roles_json, error))
    return FALSE;

  /* Hash outside the transaction: it is the slow part and must not be
   * repeated when a serialization failure retries the transaction. */
  if ((w.password_hash = vb_password_hash (password, error)) == NULL)
    return FALSE;
  if (!vb_request_transaction (req, insert_user_txn, &w, error))
    return FALSE;

  location = g_strdup_printf ("/api/v1/users/%s",
                              json_object_get_string_member (json_node_get_object (w.result), "id"));
  vb_request_add_reply_header (req, "Location", location);
  vb_request_reply_json (req, 201, g_steal_pointer (&w.result));
  return TRUE;
}

/* ------------------------------------------------------------ changing --- */

static gboolean
update_user_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  UserWrite *w = user_data;
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, w->version);
  g_autoptr(PGresult) res = NULL;

  res = vb_db_execv (conn, error,
    "UPDATE users u SET"
    "       display_name = coalesce($3, u.display_name),"
    "       locale = coalesce($4, u.locale),"
    "       active = coalesce($5::boolean, u.active),"
    "       must_change_password = coalesce($6::boolean, u.must_change_password)"
    " WHERE u.id = $1::uuid AND u.version = $2::int"
    " RETURNING u.id",
    w->id, version, w->display_name, w->locale, w->active, w->must_change_password);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_autoptr(JsonNode) current = NULL;

      if (!select_user (conn, w->id, &current, error))
        return FALSE;
      g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&current)));
      return FALSE;
    }

  if (g_strcmp0 (w->active, "false") == 0)
    {
      g_autoptr(PGresult) revoked = vb_db_execv (conn, error,
        "UPDATE sessions SET revoked_at = now()"
        " WHERE user_id = $1::uuid AND revoked_at IS NULL"
        " RETURNING id",
        w->id);
      g_autofree char *count = NULL;

      if (revoked == NULL || !vb_handler_check_admin_remains (conn, "active", error))
        return FALSE;
      count = g_strdup_printf ("%d", PQntuples (revoked));
      if (PQntuples (revoked) > 0
          && !add_security_event (conn, "sessions_revoked", w->id, w->remote_address,
                                  "sessions", count, w->caller->user_id, error))
        return FALSE;
    }
  return select_user (conn, w->id, &w->result, error);
}

static gboolean
update_user (VbRequest  *req,
             GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(UserWrite) w = { 0 };

  w.caller = vb_request_get_principal (req);
  w.remote_address = vb_request_get_remote_address (req);
  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (body, &w.version, error)
      || !vb_json_optional_string (body, "display_name", &w.display_name, error)
      || (w.display_name != NULL
          && !vb_validate_length (w.display_name, "display_name", 1, 200, error))
      || !vb_json_optional_string (body, "locale", &w.locale, error)
      || (w.locale != NULL && !validate_locale (w.locale, error))
      || !vb_handler_optional_bool_param (body, "active", &w.active, error)
      || !vb_handler_optional_bool_param (body, "must_change_password",
                                          &w.must_change_password, error))
    return FALSE;
  if (g_strcmp0 (w.active, "false") == 0 && g_str_equal (w.id, w.caller->user_id))
    {
      vb_set_validation_error (error, "active", "You cannot deactivate your own account");
      return FALSE;
    }
  if (!vb_request_transaction (req, update_user_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

static gboolean
replace_roles_txn (VbDbConn  *conn,
                   gpointer   user_data,
                   GError   **error)
{
  UserWrite *w = user_data;

  /* The row lock serializes two replacements of the same user's roles. */
  return lock_user (conn, w->id, error)
         && check_roles (conn, w->roles_json, error)
         && apply_roles (conn, w->id, w->roles_json, error)
         && vb_handler_check_admin_remains (conn, "roles", error)
         && select_user (conn, w->id, &w->result, error);
}

static gboolean
replace_roles (VbRequest  *req,
               GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(UserWrite) w = { 0 };

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !read_roles (body, TRUE, &w.roles_json, error)
      || !vb_request_transaction (req, replace_roles_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

static gboolean
reset_mfa_txn (VbDbConn  *conn,
               gpointer   user_data,
               GError   **error)
{
  UserWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) codes = NULL;
  g_autoptr(PGresult) state = NULL;

  res = vb_db_execv (conn, error,
    "UPDATE users SET totp_secret = NULL, totp_enabled = false"
    " WHERE id = $1::uuid RETURNING id",
    w->id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "user");
  codes = vb_db_execv (conn, error, "DELETE FROM recovery_codes WHERE user_id = $1::uuid", w->id);
  if (codes == NULL)
    return FALSE;
  /* The replay guard belongs to the old secret; a new one starts afresh. */
  state = vb_db_execv (conn, error,
    "UPDATE user_auth_state SET totp_last_step = 0 WHERE user_id = $1::uuid", w->id);
  if (state == NULL)
    return FALSE;
  return add_security_event (conn, "mfa_reset", w->id, w->remote_address, NULL, NULL,
                             w->caller->user_id, error)
         && select_user (conn, w->id, &w->result, error);
}

static gboolean
reset_mfa (VbRequest  *req,
           GError    **error)
{
  g_auto(UserWrite) w = { 0 };

  w.caller = vb_request_get_principal (req);
  w.remote_address = vb_request_get_remote_address (req);
  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !vb_request_transaction (req, reset_mfa_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

/* ------------------------------------------------------------ sessions --- */

static gboolean
list_sessions (VbRequest  *req,
               GError    **error)
{
  const char *id = NULL;
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *active = NULL;
  g_autofree char *after = NULL;
  g_autofree char *after_at = NULL;
  const char *after_id = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) user = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if ((id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !vb_request_get_limit (req, &limit, error)
      || !vb_handler_bool_query (req, "active", &active, error))
    return FALSE;
  if (cursor_text != NULL)
    {
      char *bar;
      g_autoptr(GDateTime) at = NULL;

      if ((after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
        return FALSE;
      bar = strchr (after, '|');
      if (bar != NULL)
        {
          after_at = g_strndup (after, bar - after);
          after_id = bar + 1;
          at = g_date_time_new_from_iso8601 (after_at, NULL);
        }
      if (at == NULL || !g_uuid_string_is_valid (after_id))
        {
          vb_set_validation_error (error, "cursor", "cursor is not one this server issued");
          return FALSE;
        }
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  user = vb_db_execv (conn, error, "SELECT 1 FROM users WHERE id = $1::uuid", id);
  if (user == NULL)
    return FALSE;
  if (PQntuples (user) == 0)
    return vb_handler_not_found (error, "user");

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " SESSION_COLUMNS ", s.id = $6::uuid AS current,"
    "       to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    "         || '|' || s.id AS _cursor"
    "  FROM sessions s"
    " WHERE s.user_id = $1::uuid"
    "   AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2::timestamptz, $3::uuid))"
    "   AND ($4::boolean IS NULL"
    "        OR (s.revoked_at IS NULL AND s.expires_at > now()) = $4::boolean)"
    " ORDER BY s.created_at DESC, s.id DESC"
    " LIMIT $5::int",
    id, after_at, after_id, active, limit_text,
    vb_request_get_principal (req)->session_id);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_cursor");
  return TRUE;
}

typedef struct
{
  const char *id;
  const char *actor_id;
  const char *remote_address;
} SessionRevoke;

static gboolean
revoke_session_txn (VbDbConn  *conn,
                    gpointer   user_data,
                    GError   **error)
{
  SessionRevoke *r = user_data;
  g_autoptr(PGresult) res = NULL;

  res = vb_db_execv (conn, error,
    "SELECT user_id, revoked_at IS NOT NULL FROM sessions WHERE id = $1::uuid FOR UPDATE",
    r->id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "session");
  if (!vb_db_get_bool (res, 0, 1))   /* revoking twice is not an error */
    {
      g_autoptr(PGresult) revoked = vb_db_execv (conn, error,
        "UPDATE sessions SET revoked_at = now() WHERE id = $1::uuid", r->id);

      if (revoked == NULL
          || !add_security_event (conn, "session_revoked", vb_db_get (res, 0, 0),
                                  r->remote_address, "session_id", r->id, r->actor_id, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
revoke_session (VbRequest  *req,
                GError    **error)
{
  SessionRevoke r = {
    NULL,
    vb_request_get_principal (req)->user_id,
    vb_request_get_remote_address (req),
  };

  if ((r.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !vb_request_transaction (req, revoke_session_txn, &r, error))
    return FALSE;
  vb_request_reply_text (req, 204, NULL, NULL);
  return TRUE;
}

static const VbRoute user_routes[] = {
  { "GET", "/api/v1/users", list_users, "users.read", 0,
    "List staff accounts the caller may see (?q, ?active, ?limit, ?cursor)" },
  { "POST", "/api/v1/users", create_user, "users.manage", VB_ROUTE_GLOBAL,
    "Create a staff account, optionally with role assignments" },
  { "GET", "/api/v1/users/{id}", get_user, "users.read", 0,
    "One staff account with its role assignments" },
  { "PATCH", "/api/v1/users/{id}", update_user, "users.manage", VB_ROUTE_GLOBAL,
    "Change a staff account (version required); deactivating revokes its sessions" },
  { "PUT", "/api/v1/users/{id}/roles", replace_roles, "users.manage", VB_ROUTE_GLOBAL,
    "Replace a staff account's role assignments" },
  { "POST", "/api/v1/users/{id}/reset-mfa", reset_mfa, "users.manage", VB_ROUTE_GLOBAL,
    "Clear a staff account's TOTP secret and recovery codes" },
  { "GET", "/api/v1/users/{id}/sessions", list_sessions, "sessions.manage", VB_ROUTE_GLOBAL,
    "A staff account's sessions, newest first (?active, ?limit, ?cursor)" },
  { "DELETE", "/api/v1/sessions/{id}", revoke_session, "sessions.manage", VB_ROUTE_GLOBAL,
    "Revoke a session" },
};

void
vb_handler_users_register (VbRouter *router)
{
  vb_router_add_routes (router, user_routes, G_N_ELEMENTS (user_routes));
}
