/* vb-error.c — the VbError domain, its wire names and its HTTP statuses.
 *
 * The table below is the contract with the clients: names never change once
 * shipped; new codes are appended.  Unknown names from a newer server map to
 * VB_ERROR_INTERNAL (5xx) or VB_ERROR_BAD_REQUEST (4xx) so old clients still
 * degrade sensibly.
 */
#include "vb-error.h"

typedef struct
{
  char       *field;
  JsonObject *details;
} VbErrorPrivate;

static void
vb_error_private_init (VbErrorPrivate *priv)
{
  priv->field = NULL;
  priv->details = NULL;
}

static void
vb_error_private_copy (const VbErrorPrivate *src,
                       VbErrorPrivate       *dest)
{
  dest->field = g_strdup (src->field);
  dest->details = src->details ? json_object_ref (src->details) : NULL;
}

static void
vb_error_private_clear (VbErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
  g_clear_pointer (&priv->details, json_object_unref);
}

G_DEFINE_EXTENDED_ERROR (VbError, vb_error)

static const struct
{
  VbErrorCode code;
  const char *name;
  guint       status;
} error_table[] = {
  { VB_ERROR_INTERNAL,                 "internal_error",            500 },
  { VB_ERROR_BAD_REQUEST,              "bad_request",               400 },
  { VB_ERROR_MALFORMED_JSON,           "malformed_json",            400 },
  { VB_ERROR_UNAUTHENTICATED,          "unauthenticated",           401 },
  { VB_ERROR_INVALID_CREDENTIALS,      "invalid_credentials",       401 },
  { VB_ERROR_MFA_REQUIRED,             "mfa_required",              401 },
  { VB_ERROR_INVALID_MFA_CODE,         "invalid_mfa_code",          401 },
  { VB_ERROR_FORBIDDEN,                "forbidden",                 403 },
  { VB_ERROR_MFA_ENROLMENT_REQUIRED,   "mfa_enrolment_required",    403 },
  { VB_ERROR_PASSWORD_CHANGE_REQUIRED, "password_change_required",  403 },
  { VB_ERROR_NOT_FOUND,                "not_found",                 404 },
  { VB_ERROR_METHOD_NOT_ALLOWED,       "method_not_allowed",        405 },
  { VB_ERROR_CONFLICT,                 "conflict",                  409 },
  { VB_ERROR_VERSION_CONFLICT,         "version_conflict",          409 },
  { VB_ERROR_PAYLOAD_TOO_LARGE,        "payload_too_large",         413 },
  { VB_ERROR_UNSUPPORTED_MEDIA_TYPE,   "unsupported_media_type",    415 },
  { VB_ERROR_VALIDATION,               "validation_failed",         422 },
  { VB_ERROR_RATE_LIMITED,             "rate_limited",              429 },
  { VB_ERROR_RETRY,                    "retry",                     503 },
  { VB_ERROR_UNAVAILABLE,              "service_unavailable",       503 },
  { VB_ERROR_NOT_SUPPORTED,            "not_supported",             501 },
};

const char *
vb_error_code_to_string (VbErrorCode code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].name;
  return "internal_error";
}

VbErrorCode
vb_error_code_from_string (const char *str)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (error_table); i++)
    if (g_str_equal (error_table[i].name, str))
      return error_table[i].code;
  return VB_ERROR_INTERNAL;
}

guint
vb_error_code_http_status (VbErrorCode code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].status;
  return 500;
}

const char *
vb_error_get_field (const GError *error)
{
  VbErrorPrivate *priv = vb_error_get_private (error);
  return priv ? priv->field : NULL;
}

void
vb_error_set_field (GError     *error,
                    const char *field)
{
  VbErrorPrivate *priv = vb_error_get_private (error);
  g_return_if_fail (priv != NULL);
  g_free (priv->field);
  priv->field = g_strdup (field);
}

JsonObject *
vb_error_get_details (const GError *error)
{
  VbErrorPrivate *priv = vb_error_get_private (error);
  return priv ? priv->details : NULL;
}

void
vb_error_set_details (GError     *error,
                      JsonObject *details)
{
  VbErrorPrivate *priv = vb_error_get_private (error);
  g_return_if_fail (priv != NULL);
  g_clear_pointer (&priv->details, json_object_unref);
  priv->details = details ? json_object_ref (details) : NULL;
}

void
vb_set_validation_error (GError     **error,
                         const char  *field,
                         const char  *format,
                         ...)
{
  va_list args;
  GError *e;

  if (error == NULL)
    return;
  va_start (args, format);
  e = g_error_new_valist (VB_ERROR, VB_ERROR_VALIDATION, format, args);
  va_end (args);
  vb_error_set_field (e, field);
  g_propagate_error (error, e);
}

JsonNode *
vb_error_to_json (const GError *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  VbErrorCode code = error->domain == VB_ERROR ? (VbErrorCode) error->code : VB_ERROR_INTERNAL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, vb_error_code_to_string (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  if (error->domain == VB_ERROR && vb_error_get_field (error) != NULL)
    {
      json_builder_set_member_name (b, "field");
      json_builder_add_string_value (b, vb_error_get_field (error));
    }
  if (error->domain == VB_ERROR && vb_error_get_details (error) != NULL)
    {
      JsonNode *details = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (details, vb_error_get_details (error));
      json_builder_set_member_name (b, "details");
      json_builder_add_value (b, details);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GError *
vb_error_from_json (JsonNode *node,
                    guint     http_status)
{
  JsonObject *root, *err;
  const char *code_str = NULL, *message = NULL, *field = NULL;
  VbErrorCode code;
  GError *error;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
      && (root = json_node_get_object (node)) != NULL
      && json_object_has_member (root, "error")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "error")))
    {
      err = json_object_get_object_member (root, "error");
      code_str = json_object_get_string_member_with_default (err, "code", NULL);
      message = json_object_get_string_member_with_default (err, "message", NULL);
      field = json_object_get_string_member_with_default (err, "field", NULL);
      code = vb_error_code_from_string (code_str);
      if (code == VB_ERROR_INTERNAL && http_status < 500 && g_strcmp0 (code_str, "internal_error") != 0)
        code = VB_ERROR_BAD_REQUEST;
      error = g_error_new_literal (VB_ERROR, code, message ? message : "Unknown error");
      if (field != NULL)
        vb_error_set_field (error, field);
      if (json_object_has_member (err, "details")
          && JSON_NODE_HOLDS_OBJECT (json_object_get_member (err, "details")))
        vb_error_set_details (error, json_object_get_object_member (err, "details"));
      return error;
    }

  return g_error_new (VB_ERROR,
                      http_status >= 500 ? VB_ERROR_INTERNAL : VB_ERROR_BAD_REQUEST,
                      "HTTP %u without an error body", http_status);
}
