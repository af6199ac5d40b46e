/* vb-json.c — validated JSON reading shared by server handlers and clients. */
#include "vb-json.h"
#include "vb-error.h"

#include <string.h>

JsonObject *
vb_json_parse_object (const char  *data,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_MALFORMED_JSON,
                           "The request body is empty; a JSON object was expected");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_MALFORMED_JSON,
                   "The request body is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_MALFORMED_JSON,
                           "The request body must be a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

char *
vb_json_to_string (JsonNode *node,
                   gsize    *length)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, length);
}

char *
vb_json_object_to_string (JsonObject *object,
                          gsize      *length)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return vb_json_to_string (node, length);
}

static JsonNode *
member_or_null (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
is_string_node (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

const char *
vb_json_require_string (JsonObject  *object,
                        const char  *member,
                        GError     **error)
{
  JsonNode *node = member_or_null (object, member);

  if (node == NULL)
    {
      vb_set_validation_error (error, member, "%s is required", member);
      return NULL;
    }
  if (!is_string_node (node))
    {
      vb_set_validation_error (error, member, "%s must be a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
vb_json_optional_string (JsonObject  *object,
                         const char  *member,
                         const char **out,
                         GError     **error)
{
  JsonNode *node = member_or_null (object, member);

  if (node == NULL)
    return TRUE;
  if (!is_string_node (node))
    {
      vb_set_validation_error (error, member, "%s must be a string", member);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
vb_json_optional_bool (JsonObject  *object,
                       const char  *member,
                       gboolean    *out,
                       GError     **error)
{
  JsonNode *node = member_or_null (object, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      vb_set_validation_error (error, member, "%s must be true or false", member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
vb_json_optional_int (JsonObject  *object,
                      const char  *member,
                      gint64      *out,
                      GError     **error)
{
  JsonNode *node = member_or_null (object, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      vb_set_validation_error (error, member, "%s must be an integer", member);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
vb_json_optional_strv (JsonObject  *object,
                       const char  *member,
                       GStrv       *out,
                       GError     **error)
{
  JsonNode *node = member_or_null (object, member);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      vb_set_validation_error (error, member, "%s must be an array of strings", member);
      return FALSE;
    }
  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!is_string_node (element))
        {
          vb_set_validation_error (error, member, "%s must be an array of strings", member);
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

gboolean
vb_validate_email (const char  *email,
                   const char  *field,
                   GError     **error)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
                                            G_REGEX_OPTIMIZE, 0, NULL));
  if (email == NULL || strlen (email) > 254 || !g_regex_match (regex, email, 0, NULL))
    {
      vb_set_validation_error (error, field, "%s is not a valid e-mail address", field);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_validate_uuid (const char  *uuid,
                  const char  *field,
                  GError     **error)
{
  if (uuid == NULL || !g_uuid_string_is_valid (uuid))
    {
      vb_set_validation_error (error, field, "%s must be a UUID", field);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_validate_length (const char  *value,
                    const char  *field,
                    guint        min_chars,
                    guint        max_chars,
                    GError     **error)
{
  glong len;

  if (value == NULL || !g_utf8_validate (value, -1, NULL))
    {
      vb_set_validation_error (error, field, "%s must be UTF-8 text", field);
      return FALSE;
    }
  len = g_utf8_strlen (value, -1);
  if (len < (glong) min_chars || len > (glong) max_chars)
    {
      vb_set_validation_error (error, field, "%s must be %u to %u characters long",
                               field, min_chars, max_chars);
      return FALSE;
    }
  return TRUE;
}
