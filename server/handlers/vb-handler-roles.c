/* vb-handler-roles.c — /api/v1/permissions and /api/v1/roles: named
 * permissions grouped into roles that admins can edit.
 *
 * Roles are global objects, so every route needs roles.manage in every
 * location.  A role's permission set travels as one JSON array parameter and
 * is replaced as a difference inside the same transaction as the role row,
 * so the audit trail shows exactly which permissions came and went, and the
 * role's version moves whenever its permissions do.
 *
 * Guard rails: the built-in admin role never loses a permission nor its MFA
 * requirement (the spec makes MFA mandatory for admins), built-in roles keep
 * their names and cannot be deleted, a role still assigned cannot be deleted,
 * and no change may leave nobody able to manage users.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define ROLE_COLUMNS \
  "r.id, r.name, r.description, r.builtin, r.requires_mfa," \
  " coalesce((SELECT jsonb_agg(rp.permission ORDER BY rp.permission)" \
  "             FROM role_permissions rp WHERE rp.role_id = r.id), '[]'::jsonb) AS permissions," \
  " (SELECT count(*) FROM role_assignments ra WHERE ra.role_id = r.id) AS assignment_count," \
  " r.version, r.created_at, r.updated_at"

typedef struct
{
  const char *id;
  const char *name;
  const char *description;
  const char *requires_mfa;    /* "true"/"false"/NULL */
  char       *permissions;     /* JSON array of names, or NULL */
  gint64      version;
  JsonNode   *result;
} RoleWrite;

static void
role_write_clear (RoleWrite *w)
{
  g_clear_pointer (&w->permissions, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RoleWrite, role_write_clear)

/* ------------------------------------------------------------- helpers --- */

static gboolean
validate_name (const char  *name,
               GError     **error)
{
  if (!g_regex_match_simple ("^[a-z][a-z0-9_]{1,31}$", name, 0, 0))
    {
      vb_set_validation_error (error, "name",
                               "name must be 2 to 32 lower-case letters, digits or "
                               "underscores, starting with a letter");
      return FALSE;
    }
  return TRUE;
}

/* permissions: an array of names → its JSON text (NULL when absent). */
static gboolean
read_permissions (JsonObject  *body,
                  gboolean     required,
                  char       **json_out,
                  GError     **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  *json_out = NULL;
  if (!vb_json_optional_strv (body, "permissions", &names, error))
    return FALSE;
  if (names == NULL)
    {
      if (required)
        vb_set_validation_error (error, "permissions", "permissions is required");
      return !required;
    }
  array = json_array_new ();
  for (guint i = 0; names[i] != NULL; i++)
    json_array_add_string_element (array, names[i]);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  *json_out = vb_json_to_string (node, NULL);
  return TRUE;
}

static gboolean
check_permissions (VbDbConn    *conn,
                   const char  *permissions,
                   GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT p FROM jsonb_array_elements_text($1::jsonb) p"
    " WHERE p NOT IN (SELECT name FROM permissions) LIMIT 1",
    permissions);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      vb_set_validation_error (error, "permissions", "There is no permission named \"%s\"",
                               vb_db_get (res, 0, 0));
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_permissions (VbDbConn    *conn,
                   const char  *role_id,
                   const char  *permissions,
                   GError     **error)
{
  g_autoptr(PGresult) removed = NULL;
  g_autoptr(PGresult) added = NULL;

  removed = vb_db_execv (conn, error,
    "DELETE FROM role_permissions"
    " WHERE role_id = $1::uuid"
    "   AND permission NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
    role_id, permissions);
  if (removed == NULL)
    return FALSE;
  added = vb_db_execv (conn, error,
    "INSERT INTO role_permissions (role_id, permission)"
    " SELECT DISTINCT $1::uuid, p FROM jsonb_array_elements_text($2::jsonb) p"
    " ON CONFLICT DO NOTHING",
    role_id, permissions);
  return added != NULL;
}

static gboolean
select_role (VbDbConn    *conn,
             const char  *id,
             JsonNode   **out,
             GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT " ROLE_COLUMNS " FROM roles r WHERE r.id = $1::uuid", id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "role");
  g_clear_pointer (out, json_node_unref);
  *out = vb_handler_row_to_json (res, 0);
  return TRUE;
}

/* Run sql, an INSERT or UPDATE of the role row taking $1 id, $2 name,
 * $3 description and $4 requires_mfa; a name taken meanwhile (the unique
 * constraint) is reported against "name". */
static PGresult *
write_role_row (VbDbConn    *conn,
                const char  *sql,
                RoleWrite   *w,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  PGresult *res = vb_db_execv (conn, &local_error, sql,
                               w->id, w->name, w->description, w->requires_mfa);

  if (res == NULL)
    {
      if (g_error_matches (local_error, VB_ERROR, VB_ERROR_CONFLICT))
        vb_error_set_field (local_error, "name");
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return res;
}

/* ------------------------------------------------------------- reading --- */

static gboolean
list_permissions (VbRequest  *req,
                  GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  /* A short fixed catalogue: always one page. */
  res = vb_db_exec (conn, "SELECT name, description FROM permissions ORDER BY name",
                    0, NULL, error);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_list (req, vb_db_rows_to_json_array (res), NULL);
  return TRUE;
}

static gboolean
list_roles (VbRequest  *req,
            GError    **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " ROLE_COLUMNS " FROM roles r"
    " WHERE ($1::text IS NULL OR r.name > $1)"
    " ORDER BY r.name LIMIT $2::int",
    after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "name");
  return TRUE;
}

static gboolean
get_role (VbRequest  *req,
          GError    **error)
{
  g_autoptr(JsonNode) role = NULL;
  const char *id;
  VbDbConn *conn;

  if ((id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (conn = vb_request_get_db (req, error)) == NULL
      || !select_role (conn, id, &role, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&role));
  return TRUE;
}

/* ------------------------------------------------------------ creating --- */

static gboolean
insert_role_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  RoleWrite *w = user_data;
  g_autoptr(PGresult) taken = NULL;
  g_autoptr(PGresult) res = NULL;

  taken = vb_db_execv (conn, error,
    "SELECT name = $1 FROM roles WHERE name = $1 OR id = $2::uuid", w->name, w->id);
  if (taken == NULL)
    return FALSE;
  if (PQntuples (taken) > 0)
    {
      gboolean name = vb_db_get_bool (taken, 0, 0);
      g_propagate_error (error,
                         vb_handler_field_error (VB_ERROR_CONFLICT, name ? "name" : "id",
                                                 name ? "Another role has this name"
                                                      : "A role with this id already exists"));
      return FALSE;
    }
  if (!check_permissions (conn, w->permissions, error))
    return FALSE;
  res = write_role_row (conn,
    "INSERT INTO roles (id, name, description, requires_mfa)"
    " VALUES (coalesce($1::uuid, gen_random_uuid()), $2, coalesce($3, ''),"
    "         coalesce($4::boolean, false))"
    " RETURNING id",
    w, error);
  if (res == NULL)
    return FALSE;
  return apply_permissions (conn, vb_db_get (res, 0, 0), w->permissions, error)
         && select_role (conn, vb_db_get (res, 0, 0), &w->result, error);
}

static gboolean
create_role (VbRequest  *req,
             GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(RoleWrite) w = { 0 };
  g_autofree char *location = NULL;

  if ((body = vb_request_parse_body (req, error)) == NULL
      || !vb_json_optional_string (body, "id", &w.id, error)
      || (w.id != NULL && !vb_validate_uuid (w.id, "id", error))
      || (w.name = vb_json_require_string (body, "name", error)) == NULL
      || !validate_name (w.name, error)
      || !vb_json_optional_string (body, "description", &w.description, error)
      || (w.description != NULL
          && !vb_validate_length (w.description, "description", 0, 500, error))
      || !read_permissions (body, TRUE, &w.permissions, error)
      || !vb_handler_optional_bool_param (body, "requires_mfa", &w.requires_mfa, error)
      || !vb_request_transaction (req, insert_role_txn, &w, error))
    return FALSE;

  location = g_strdup_printf ("/api/v1/roles/%s",
                              json_object_get_string_member (json_node_get_object (w.result), "id"));
  vb_request_add_reply_header (req, "Location", location);
  vb_request_reply_json (req, 201, g_steal_pointer (&w.result));
  return TRUE;
}

/* ------------------------------------------------------------ changing --- */

static gboolean
update_role_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  RoleWrite *w = user_data;
  g_autoptr(PGresult) role = NULL;
  g_autoptr(PGresult) res = NULL;
  gboolean builtin, is_admin;

  role = vb_db_execv (conn, error,
    "SELECT name, builtin, version FROM roles WHERE id = $1::uuid FOR UPDATE", w->id);
  if (role == NULL)
    return FALSE;
  if (PQntuples (role) == 0)
    return vb_handler_not_found (error, "role");
  if (vb_db_get_int (role, 0, 2) != w->version)
    {
      g_autoptr(JsonNode) current = NULL;

      if (!select_role (conn, w->id, &current, error))
        return FALSE;
      g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&current)));
      return FALSE;
    }

  builtin = vb_db_get_bool (role, 0, 1);
  is_admin = builtin && g_str_equal (vb_db_get (role, 0, 0), "admin");
  if (builtin && w->name != NULL && !g_str_equal (w->name, vb_db_get (role, 0, 0)))
    {
      vb_set_validation_error (error, "name", "Built-in roles keep their names");
      return FALSE;
    }
  if (is_admin && g_strcmp0 (w->requires_mfa, "false") == 0)
    {
      vb_set_validation_error (error, "requires_mfa",
                               "The admin role always requires two-factor authentication");
      return FALSE;
    }

  if (w->permissions != NULL)
    {
      if (!check_permissions (conn, w->permissions, error))
        return FALSE;
      if (is_admin)
        {
          g_autoptr(PGresult) lost = vb_db_execv (conn, error,
            "SELECT permission FROM role_permissions"
            " WHERE role_id = $1::uuid"
            "   AND permission NOT IN (SELECT jsonb_array_elements_text($2::jsonb))"
            " ORDER BY permission LIMIT 1",
            w->id, w->permissions);

          if (lost == NULL)
            return FALSE;
          if (PQntuples (lost) > 0)
            {
              vb_set_validation_error (error, "permissions",
                                       "The admin role cannot lose a permission (%s)",
                                       vb_db_get (lost, 0, 0));
              return FALSE;
            }
        }
      if (!apply_permissions (conn, w->id, w->permissions, error))
        return FALSE;
    }

  /* Always touch the row: its version counts permission changes too. */
  res = write_role_row (conn,
    "UPDATE roles SET"
    "       name = coalesce($2, name),"
    "       description = coalesce($3, description),"
    "       requires_mfa = coalesce($4::boolean, requires_mfa)"
    " WHERE id = $1::uuid",
    w, error);
  if (res == NULL)
    return FALSE;
  if (w->permissions != NULL && !vb_handler_check_admin_remains (conn, "permissions", error))
    return FALSE;
  return select_role (conn, w->id, &w->result, error);
}

static gboolean
update_role (VbRequest  *req,
             GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(RoleWrite) w = { 0 };

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (body, &w.version, error)
      || !vb_json_optional_string (body, "name", &w.name, error)
      || (w.name != NULL && !validate_name (w.name, error))
      || !vb_json_optional_string (body, "description", &w.description, error)
      || (w.description != NULL
          && !vb_validate_length (w.description, "description", 0, 500, error))
      || !read_permissions (body, FALSE, &w.permissions, error)
      || !vb_handler_optional_bool_param (body, "requires_mfa", &w.requires_mfa, error)
      || !vb_request_transaction (req, update_role_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

static gboolean
delete_role_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  const char *id = user_data;
  g_autoptr(PGresult) role = NULL;
  g_autoptr(PGresult) count = NULL;
  g_autoptr(PGresult) deleted = NULL;
  gint64 assigned;

  /* FOR UPDATE also holds off a concurrent assignment of this role (its
   * foreign key check takes a share lock on the row); the count runs as its
   * own statement after the lock, so it sees assignments committed while we
   * waited. */
  role = vb_db_execv (conn, error, "SELECT builtin FROM roles WHERE id = $1::uuid FOR UPDATE", id);
  if (role == NULL)
    return FALSE;
  if (PQntuples (role) == 0)
    return vb_handler_not_found (error, "role");
  if (vb_db_get_bool (role, 0, 0))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_VALIDATION,
                           "Built-in roles cannot be deleted");
      return FALSE;
    }
  count = vb_db_execv (conn, error,
    "SELECT count(*) FROM role_assignments WHERE role_id = $1::uuid", id);
  if (count == NULL)
    return FALSE;
  assigned = vb_db_get_int (count, 0, 0);
  if (assigned > 0)
    {
      g_autoptr(JsonObject) details = json_object_new ();
      GError *e = g_error_new (VB_ERROR, VB_ERROR_CONFLICT,
                               "The role is still assigned %" G_GINT64_FORMAT " time(s); "
                               "remove the assignments first", assigned);

      json_object_set_int_member (details, "assignment_count", assigned);
      vb_error_set_details (e, details);
      g_propagate_error (error, e);
      return FALSE;
    }
  deleted = vb_db_execv (conn, error, "DELETE FROM roles WHERE id = $1::uuid", id);
  return deleted != NULL;
}

static gboolean
delete_role (VbRequest  *req,
             GError    **error)
{
  const char *id;

  if ((id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !vb_request_transaction (req, delete_role_txn, (gpointer) id, error))
    return FALSE;
  vb_request_reply_text (req, 204, NULL, NULL);
  return TRUE;
}

static const VbRoute role_routes[] = {
  { "GET", "/api/v1/permissions", list_permissions, "roles.manage", VB_ROUTE_GLOBAL,
    "Every named permission with its description" },
  { "GET", "/api/v1/roles", list_roles, "roles.manage", VB_ROUTE_GLOBAL,
    "List roles with their permissions (?limit, ?cursor)" },
  { "POST", "/api/v1/roles", create_role, "roles.manage", VB_ROUTE_GLOBAL,
    "Create a role with a set of permissions" },
  { "GET", "/api/v1/roles/{id}", get_role, "roles.manage", VB_ROUTE_GLOBAL,
    "One role with its permissions" },
  { "PATCH", "/api/v1/roles/{id}", update_role, "roles.manage", VB_ROUTE_GLOBAL,
    "Change a role; permissions, if given, replace the set (version required)" },
  { "DELETE", "/api/v1/roles/{id}", delete_role, "roles.manage", VB_ROUTE_GLOBAL,
    "Delete a role that is not built in and not assigned" },
};

void
vb_handler_roles_register (VbRouter *router)
{
  vb_router_add_routes (router, role_routes, G_N_ELEMENTS (role_routes));
}
