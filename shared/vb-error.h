/* vb-error.h — the one error domain shared by the server and the clients.
 *
 * Every failure that can cross the wire is a VbError code with a stable
 * snake_case name, so a JSON error body on the client becomes the very same
 * GError the server raised.  The domain is an extended GError: an error may
 * carry the name of the offending field and a JSON object of details
 * (e.g. retry_after) without inventing message formats to parse.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VB_ERROR (vb_error_quark ())

typedef enum
{
  VB_ERROR_INTERNAL,
  VB_ERROR_BAD_REQUEST,
  VB_ERROR_MALFORMED_JSON,
  VB_ERROR_UNAUTHENTICATED,
  VB_ERROR_INVALID_CREDENTIALS,
  VB_ERROR_MFA_REQUIRED,
  VB_ERROR_INVALID_MFA_CODE,
  VB_ERROR_FORBIDDEN,
  VB_ERROR_MFA_ENROLMENT_REQUIRED,
  VB_ERROR_PASSWORD_CHANGE_REQUIRED,
  VB_ERROR_NOT_FOUND,
  VB_ERROR_METHOD_NOT_ALLOWED,
  VB_ERROR_CONFLICT,
  VB_ERROR_VERSION_CONFLICT,
  VB_ERROR_PAYLOAD_TOO_LARGE,
  VB_ERROR_UNSUPPORTED_MEDIA_TYPE,
  VB_ERROR_VALIDATION,
  VB_ERROR_RATE_LIMITED,
  VB_ERROR_RETRY,
  VB_ERROR_UNAVAILABLE,
  VB_ERROR_NOT_SUPPORTED,
} VbErrorCode;

GQuark       vb_error_quark            (void);

const char  *vb_error_code_to_string   (VbErrorCode  code);
VbErrorCode  vb_error_code_from_string (const char  *str);
guint        vb_error_code_http_status (VbErrorCode  code);

/* Extended data attached to a VB_ERROR GError. */
const char  *vb_error_get_field        (const GError *error);
void         vb_error_set_field        (GError       *error,
                                        const char   *field);
JsonObject  *vb_error_get_details      (const GError *error);
void         vb_error_set_details      (GError       *error,
                                        JsonObject   *details);

/* Convenience: a 422 naming the field. */
void         vb_set_validation_error   (GError     **error,
                                        const char  *field,
                                        const char  *format,
                                        ...) G_GNUC_PRINTF (3, 4);

/* The wire form: {"error": {"code", "message", "field"?, "details"?}} */
JsonNode    *vb_error_to_json          (const GError *error);
GError      *vb_error_from_json        (JsonNode     *node,
                                        guint         http_status);

G_END_DECLS
