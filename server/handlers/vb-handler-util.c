/* vb-handler-util.c — shared handler helpers (ids, lists, cursors, rows, errors, guards,
 * body checks, versioned writes, scoped reads and the replies after a write). */
#include "vb-handler-util.h"
#include "vb-error.h"
#include "vb-db.h"
#include "vb-json.h"

#include <stdio.h>
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

static gboolean
check_value (JsonNode             *node,
             const VbHandlerField *f,
             const char           *field_name,
             GError              **error)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  const char *text = type == G_TYPE_STRING ? json_node_get_string (node) : NULL;

  switch (f->kind)
    {
    case VB_HANDLER_FIELD_TEXT:
      if (text == NULL)
        break;
      return vb_validate_length (text, field_name, f->min, f->max, error);
    case VB_HANDLER_FIELD_INT:
      if (type != G_TYPE_INT64)
        break;
      if (json_node_get_int (node) < f->min || json_node_get_int (node) > f->max)
        {
          vb_set_validation_error (error, field_name, "%s must be between %" G_GINT64_FORMAT
                                   " and %" G_GINT64_FORMAT, field_name, f->min, f->max);
          return FALSE;
        }
      return TRUE;
    case VB_HANDLER_FIELD_BOOL:
      if (type != G_TYPE_BOOLEAN)
        break;
      return TRUE;
    case VB_HANDLER_FIELD_NUMBER:
      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        break;
      return TRUE;
    case VB_HANDLER_FIELD_DATE:
      if (vb_handler_is_date (text))
        return TRUE;
      vb_set_validation_error (error, field_name, "%s must be a date YYYY-MM-DD", field_name);
      return FALSE;
    case VB_HANDLER_FIELD_TIME:
      if (text != NULL && g_regex_match_simple ("^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?$", text, 0, 0))
        return TRUE;
      vb_set_validation_error (error, field_name, "%s must be a time HH:MM", field_name);
      return FALSE;
    case VB_HANDLER_FIELD_TIMESTAMP:
      if (vb_handler_is_timestamp (text))
        return TRUE;
      vb_set_validation_error (error, field_name, "%s must be an RFC 3339 timestamp", field_name);
      return FALSE;
    case VB_HANDLER_FIELD_UUID:
      if (text == NULL)
        break;
      return vb_validate_uuid (text, field_name, error);
    case VB_HANDLER_FIELD_MONEY:
      {
        JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
        JsonNode *amount = o ? json_object_get_member (o, "amount") : NULL;
        JsonNode *currency = o ? json_object_get_member (o, "currency") : NULL;

        if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount)
            || json_node_get_value_type (amount) != G_TYPE_INT64 || json_node_get_int (amount) < 0
            || json_node_get_int (amount) > G_GINT64_CONSTANT (1000000000000000))
          {
            vb_set_validation_error (error, field_name,
                                     "%s.amount must be a non-negative integer in minor units",
                                     field_name);
            return FALSE;
          }
        if (currency == NULL || !JSON_NODE_HOLDS_VALUE (currency)
            || json_node_get_value_type (currency) != G_TYPE_STRING
            || !g_regex_match_simple ("^[A-Z]{3}$", json_node_get_string (currency), 0, 0))
          {
            vb_set_validation_error (error, field_name,
                                     "%s.currency must be an ISO 4217 code of three capital letters",
                                     field_name);
            return FALSE;
          }
        return TRUE;
      }
    case VB_HANDLER_FIELD_CHOICE:
      if (text != NULL && g_strv_contains (f->choices, text))
        return TRUE;
      {
        g_autofree char *list = g_strjoinv (", ", (GStrv) f->choices);
        vb_set_validation_error (error, field_name, "%s must be one of %s", field_name, list);
        return FALSE;
      }
    }
  vb_set_validation_error (error, field_name, "%s has the wrong type", field_name);
  return FALSE;
}

gboolean
vb_handler_check_fields (JsonObject           *body,
                         const VbHandlerField *fields,
                         guint                 n_fields,
                         gboolean              create,
                         const char           *prefix,
                         GError              **error)
{
  for (guint i = 0; i < n_fields; i++)
    {
      const VbHandlerField *f = &fields[i];
      JsonNode *node = json_object_get_member (body, f->name);
      g_autofree char *field_name = g_strconcat (prefix ? prefix : "", f->name, NULL);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        {
          if ((create && f->required) || (node != NULL && !f->nullable))
            {
              vb_set_validation_error (error, field_name, "%s is required", field_name);
              return FALSE;
            }
          continue;
        }
      if (!check_value (node, f, field_name, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
vb_handler_has_member (JsonObject *body,
                       const char *member)
{
  JsonNode *node = json_object_get_member (body, member);
  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

void
vb_handler_conflict_field (GError     *error,
                           const char *field)
{
  if (error != NULL && g_error_matches (error, VB_ERROR, VB_ERROR_CONFLICT)
      && vb_error_get_field (error) == NULL)
    vb_error_set_field (error, field);
}

gboolean
vb_handler_finish_update (VbDbConn    *conn,
                          PGresult    *res,
                          const char  *current_sql,
                          const char  *id,
                          const char  *what,
                          JsonNode   **result,
                          GError     **error)
{
  g_autoptr(PGresult) current = NULL;

  if (PQntuples (res) == 1)
    {
      *result = vb_handler_row_to_json (res, 0);
      return TRUE;
    }
  current = vb_db_execv (conn, error, current_sql, id);
  if (current == NULL)
    return FALSE;
  if (PQntuples (current) == 0)
    return vb_handler_not_found (error, what);
  g_propagate_error (error, vb_handler_version_conflict (vb_handler_row_to_json (current, 0)));
  return FALSE;
}

gboolean
vb_handler_forbidden (GError    **error,
                      const char *message)
{
  g_set_error_literal (error, VB_ERROR, VB_ERROR_FORBIDDEN, message);
  return FALSE;
}

void
vb_handler_write_clear (VbHandlerWrite *w)
{
  g_clear_pointer (&w->body, g_free);
  g_clear_pointer (&w->version, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}

JsonObject *
vb_handler_read_body (VbRequest       *req,
                      gboolean         update,
                      VbHandlerWrite  *w,
                      GError         **error)
{
  g_autoptr(JsonObject) body = vb_request_parse_body (req, error);
  gint64 version = 0;

  if (body == NULL)
    return NULL;
  if (update)
    {
      if (!vb_handler_body_version (body, &version, error))
        return NULL;
      w->version = g_strdup_printf ("%" G_GINT64_FORMAT, version);
    }
  w->user_id = vb_request_get_principal (req)->user_id;
  w->body = vb_json_object_to_string (body, NULL);
  return g_steal_pointer (&body);
}

void
vb_handler_reply_created (VbRequest   *req,
                          const char  *collection_path,
                          JsonNode   **result)
{
  g_autofree char *location = g_strdup_printf ("%s/%s", collection_path,
                                               json_object_get_string_member (json_node_get_object (*result), "id"));
  vb_request_add_reply_header (req, "Location", location);
  vb_request_reply_json (req, 201, g_steal_pointer (result));
}

const char *
vb_handler_string_member (JsonObject *body,
                          const char *member)
{
  JsonNode *node = json_object_get_member (body, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
vb_handler_is_date (const char *text)
{
  int y, m, d;
  char tail;

  /* The regex fixes the shape; sscanf and g_date_valid_dmy reject 2025-02-30. */
  return text != NULL && g_regex_match_simple ("^\\d{4}-\\d{2}-\\d{2}$", text, 0, 0)
         && sscanf (text, "%d-%d-%d%c", &y, &m, &d, &tail) == 3 && g_date_valid_dmy (d, m, y);
}

gboolean
vb_handler_is_timestamp (const char *text)
{
  g_autoptr(GDateTime) dt = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return dt != NULL;
}

gboolean
vb_handler_check_uuid_array (JsonObject  *body,
                             const char  *member,
                             guint        max,
                             const char  *prefix,
                             GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  g_autofree char *field = g_strconcat (prefix ? prefix : "", member, NULL);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) > max)
    {
      vb_set_validation_error (error, field, "%s must be an array of at most %u ids", field, max);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING
          || !g_uuid_string_is_valid (json_node_get_string (e)))
        {
          vb_set_validation_error (error, field, "%s must hold UUIDs", field);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
vb_handler_has_body (VbRequest *req)
{
  GBytes *raw = vb_request_get_body (req);

  return raw != NULL && g_bytes_get_size (raw) > 0;
}

gboolean
vb_handler_optional_version (JsonObject  *body,
                             char       **version,
                             GError     **error)
{
  gint64 value = 0;

  if (!json_object_has_member (body, "version"))
    return TRUE;
  /* Present but null is "required" too: a guard that guards nothing is a client bug. */
  if (!vb_handler_body_version (body, &value, error))
    return FALSE;
  g_free (*version);
  *version = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return TRUE;
}

gboolean
vb_handler_conflict (GError     **error,
                     const char  *field,
                     const char  *format,
                     ...)
{
  va_list args;
  GError *e;

  va_start (args, format);
  e = g_error_new_valist (VB_ERROR, VB_ERROR_CONFLICT, format, args);
  va_end (args);
  vb_error_set_field (e, field);
  g_propagate_error (error, e);
  return FALSE;
}

void
vb_handler_name_conflict (GError     *error,
                          const char *constraint,
                          const char *field,
                          const char *message)
{
  if (error == NULL || !g_error_matches (error, VB_ERROR, VB_ERROR_CONFLICT)
      || vb_error_get_field (error) != NULL || strstr (error->message, constraint) == NULL)
    return;
  if (message != NULL)
    {
      g_free (error->message);
      error->message = g_strdup (message);
    }
  vb_error_set_field (error, field);
}

void
vb_handler_missing_reference (GError     *error,
                              const char *constraint,
                              const char *field,
                              const char *message)
{
  if (error == NULL || !g_error_matches (error, VB_ERROR, VB_ERROR_CONFLICT)
      || strstr (error->message, constraint) == NULL)
    return;
  /* A foreign key the body named is the client's mistake (422), not a clash. */
  error->code = VB_ERROR_VALIDATION;
  g_free (error->message);
  error->message = g_strdup (message);
  vb_error_set_field (error, field);
}

gboolean
vb_handler_check_access (PGresult    *res,
                         const char  *what,
                         const char  *refusal,
                         GError     **error)
{
  if (PQntuples (res) == 0 || !vb_db_get_bool (res, 0, PQfnumber (res, "_read")))
    return vb_handler_not_found (error, what);
  if (!vb_db_get_bool (res, 0, PQfnumber (res, "_may")))
    return vb_handler_forbidden (error, refusal);
  return TRUE;
}

PGresult *
vb_handler_scope (VbDbConn    *conn,
                  const char  *scope_sql,
                  const char  *id,
                  const char  *user_id,
                  const char  *what,
                  const char  *refusal,
                  GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error, scope_sql, id, user_id);

  if (res == NULL || !vb_handler_check_access (res, what, refusal, error))
    return NULL;
  return g_steal_pointer (&res);
}

gboolean
vb_handler_check_version (PGresult    *res,
                          const char  *version,
                          GError     **error)
{
  if (version == NULL
      || vb_db_get_int (res, 0, PQfnumber (res, "version")) == g_ascii_strtoll (version, NULL, 10))
    return TRUE;
  g_propagate_error (error, vb_handler_version_conflict (vb_handler_row_to_json (res, 0)));
  return FALSE;
}

gboolean
vb_handler_fetch_json (VbDbConn    *conn,
                       const char  *sql,
                       const char  *id,
                       const char  *what,
                       JsonNode   **result,
                       GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error, sql, id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 || vb_db_get (res, 0, 0) == NULL)
    return vb_handler_not_found (error, what);
  g_clear_pointer (result, json_node_unref);
  *result = json_from_string (vb_db_get (res, 0, 0), error);
  return *result != NULL;
}

gboolean
vb_handler_fetch_row (VbDbConn    *conn,
                      const char  *sql,
                      const char  *id,
                      const char  *what,
                      JsonNode   **result,
                      GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error, sql, id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, what);
  g_clear_pointer (result, json_node_unref);
  *result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

gboolean
vb_handler_reply_row (VbRequest   *req,
                      const char  *sql,
                      const char  *what,
                      GError     **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, sql, id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, what);
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

JsonNode *
vb_handler_rows_to_json (PGresult *res)
{
  JsonArray *items = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (int i = 0; i < PQntuples (res); i++)
    json_array_add_element (items, vb_handler_row_to_json (res, i));
  json_node_take_array (node, items);
  return node;
}

void
vb_handler_reply_rows (VbRequest *req,
                       PGresult  *res)
{
  vb_handler_reply_list (req, vb_handler_rows_to_json (res), NULL);
}

gboolean
vb_handler_transact_reply (VbRequest   *req,
                           VbDbTxnFunc  txn,
                           gpointer     user_data,
                           guint        status,
                           JsonNode   **result,
                           GError     **error)
{
  if (!vb_request_transaction (req, txn, user_data, error))
    return FALSE;
  vb_request_reply_json (req, status, g_steal_pointer (result));
  return TRUE;
}
