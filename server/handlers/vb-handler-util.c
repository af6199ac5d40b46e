/* vb-handler-util.c — shared handler helpers (ids, lists, cursors, versions). */
#include "vb-handler-util.h"
#include "vb-error.h"
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
