/* vb-handler-util.c — shared handler helpers (ids, lists, cursors, rows, errors, guards). */
#include "vb-handler-util.h"
#include "vb-error.h"
#include "vb-db.h"
#include "vb-json.h"

#include <string.h>

const char *
vb_handler_uuid_param (VbRequest  *req,
                       const char *name,
                       GError    **error)
{
  const char *value = vb_request_get_param (req, name);

  if (value == NULL || !g_uuid_string_is_valid (value))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No such record");
      return NULL;
    }
  return value;
}

void
vb_handler_reply_list (VbRequest  *req,
                       JsonNode   *items,
                       const char *next_cursor)
{
  JsonObject *root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (root, "items", items);
  if (next_cursor != NULL)
    json_object_set_string_member (root, "next_cursor", next_cursor);
  else
    json_object_set_null_member (root, "next_cursor");
  json_node_take_object (node, root);
  vb_request_reply_json (req, 200, node);
}

char *
vb_handler_cursor_encode (const char *key)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) key, strlen (key));

  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  return g_strdup (b64);
}

char *
vb_handler_cursor_decode (const char  *cursor,
                          GError     **error)
{
  g_autofree char *b64 = g_strdup (cursor);
  g_autofree guchar *raw = NULL;
  gsize len = 0;

  g_strdelimit (b64, "-", '+');
  g_strdelimit (b64, "_", '/');
  raw = g_base64_decode (b64, &len);
  if (raw == NULL || len == 0 || len > 512 || !g_utf8_validate ((char *) raw, len, NULL))
    {
      vb_set_validation_error (error, "cursor", "cursor is not one this server issued");
      return NULL;
    }
  return g_strndup ((char *) raw, len);
}

GError *
vb_handler_version_conflict (JsonNode *current)
{
  g_autoptr(JsonObject) details = json_object_new ();
  GError *error = g_error_new_literal (VB_ERROR, VB_ERROR_VERSION_CONFLICT,
                                       "The record was changed by someone else; "
                                       "details.current holds its present state");

  json_object_set_member (details, "current", current);
  vb_error_set_details (error, details);
  return error;
}

gboolean
vb_handler_body_version (JsonObject  *body,
                         gint64      *version,
                         GError     **error)
{
  *version = 0;
  if (!vb_json_optional_int (body, "version", version, error))
    return FALSE;
  if (*version < 1)
    {
      vb_set_validation_error (error, "version",
                               "version (the version your change is based on) is required");
      return FALSE;
    }
  return TRUE;
}

JsonNode *
vb_handler_row_to_json (PGresult *res,
                        int       row)
{
  JsonNode *node = vb_db_row_to_json (res, row);
  JsonObject *object = json_node_get_object (node);

  for (int col = 0; col < PQnfields (res); col++)
    if (PQfname (res, col)[0] == '_')
      json_object_remove_member (object, PQfname (res, col));
  return node;
}

void
vb_handler_reply_page (VbRequest  *req,
                       PGresult   *res,
                       guint       limit,
                       const char *key_column)
{
  guint n = PQntuples (res);
  JsonArray *items = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *next = NULL;

  for (guint i = 0; i < MIN (n, limit); i++)
    json_array_add_element (items, vb_handler_row_to_json (res, i));
  if (n > limit)
    next = vb_handler_cursor_encode (vb_db_get (res, limit - 1, PQfnumber (res, key_column)));
  json_node_take_array (node, items);
  vb_handler_reply_list (req, node, next);
}

gboolean
vb_handler_bool_query (VbRequest   *req,
                       const char  *name,
                       const char **out,
                       GError     **error)
{
  const char *text = vb_request_get_query (req, name);

  *out = NULL;
  if (text == NULL)
    return TRUE;
  if (!g_str_equal (text, "true") && !g_str_equal (text, "false"))
    {
      vb_set_validation_error (error, name, "%s must be true or false", name);
      return FALSE;
    }
  *out = text;
  return TRUE;
}

gboolean
vb_handler_optional_bool_param (JsonObject  *body,
                                const char  *member,
                                const char **out,
                                GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  gboolean value = FALSE;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!vb_json_optional_bool (body, member, &value, error))
    return FALSE;
  *out = value ? "true" : "false";
  return TRUE;
}

GError *
vb_handler_field_error (VbErrorCode  code,
                        const char  *field,
                        const char  *message)
{
  GError *error = g_error_new_literal (VB_ERROR, code, message);

  vb_error_set_field (error, field);
  return error;
}

gboolean
vb_handler_not_found (GError     **error,
                      const char  *what)
{
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No such %s", what);
  return FALSE;
}

/* Shared by users and roles: one key for "who can still manage users". */
#define ADMIN_GUARD_LOCK "7411003"

gboolean
vb_handler_check_admin_remains (VbDbConn    *conn,
                                const char  *field,
                                GError     **error)
{
  g_autoptr(PGresult) lock = NULL;
  g_autoptr(PGresult) res = NULL;

  /* Two admins demoting each other at once must not both pass: the lock
   * serializes the checks, and under READ COMMITTED the check that waited
   * sees what the other committed. */
  lock = vb_db_exec (conn, "SELECT pg_advisory_xact_lock(" ADMIN_GUARD_LOCK ")", 0, NULL, error);
  if (lock == NULL)
    return FALSE;
  res = vb_db_exec (conn,
    "SELECT EXISTS (SELECT 1 FROM users u"
    "                WHERE u.active AND vb_has_global_permission(u.id, 'users.manage'))",
    0, NULL, error);

  if (res == NULL)
    return FALSE;
  if (!vb_db_get_bool (res, 0, 0))
    {
      g_propagate_error (error, vb_handler_field_error (VB_ERROR_CONFLICT, field,
                                                        "This would leave no active account "
                                                        "able to manage users in every location"));
      return FALSE;
    }
  return TRUE;
}
