/* vb-json.h — small helpers over json-glib for request bodies and replies.
 *
 * Getters validate as they read: a missing or mistyped member becomes a
 * VB_ERROR_VALIDATION naming the field, so handlers read a body in a few
 * lines and every client sees the same kind of error.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *vb_json_parse_object    (const char  *data,
                                     gssize       length,
                                     GError     **error);
char       *vb_json_to_string       (JsonNode    *node,
                                     gsize       *length);
char       *vb_json_object_to_string (JsonObject *object,
                                     gsize       *length);

/* Required members: absent/null/wrong type → 422 naming the member. */
const char *vb_json_require_string  (JsonObject  *object,
                                     const char  *member,
                                     GError     **error);
/* Optional members: absent or null → default; wrong type → 422. */
gboolean    vb_json_optional_string (JsonObject  *object,
                                     const char  *member,
                                     const char **out,
                                     GError     **error);
gboolean    vb_json_optional_bool   (JsonObject  *object,
                                     const char  *member,
                                     gboolean    *out,
                                     GError     **error);
gboolean    vb_json_optional_int    (JsonObject  *object,
                                     const char  *member,
                                     gint64      *out,
                                     GError     **error);
/* A JSON array of strings; absent → *out untouched (NULL), else a new strv. */
gboolean    vb_json_optional_strv   (JsonObject  *object,
                                     const char  *member,
                                     GStrv       *out,
                                     GError     **error);

gboolean    vb_validate_email       (const char  *email,
                                     const char  *field,
                                     GError     **error);
gboolean    vb_validate_uuid        (const char  *uuid,
                                     const char  *field,
                                     GError     **error);
gboolean    vb_validate_length      (const char  *value,
                                     const char  *field,
                                     guint        min_chars,
                                     guint        max_chars,
                                     GError     **error);

G_END_DECLS
