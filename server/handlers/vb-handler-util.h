/* vb-handler-util.h — small pieces every resource handler uses. */
#pragma once

#include "vb-db.h"
#include "vb-error.h"
#include "vb-request.h"

G_BEGIN_DECLS

/* The {name} path parameter, validated as a UUID (404 if not one, so
 * probing ids tells nothing). */
const char *vb_handler_uuid_param   (VbRequest   *req,
                                     const char  *name,
                                     GError     **error);
/* {"items": [...], "next_cursor": cursor|null} from a result; takes array. */
void        vb_handler_reply_list   (VbRequest   *req,
                                     JsonNode    *items,
                                     const char  *next_cursor);
/* Opaque cursors: base64url of the sort key text. */
char       *vb_handler_cursor_encode (const char *key);
char       *vb_handler_cursor_decode (const char  *cursor,
                                      GError     **error);
/* A page from res (fetched limit + 1): limit rows, next_cursor from key_column if more. */
void        vb_handler_reply_page   (VbRequest   *req,
                                     PGresult    *res,
                                     guint        limit,
                                     const char  *key_column);
/* A row as a JSON object without the columns named "_..." (handler-only). */
JsonNode   *vb_handler_row_to_json  (PGresult    *res,
                                     int          row);
/* ?name=true|false as "true"/"false", or NULL when absent (422 otherwise). */
gboolean    vb_handler_bool_query   (VbRequest   *req,
                                     const char  *name,
                                     const char **out,
                                     GError     **error);
/* An optional boolean body member as "true"/"false", or NULL if absent/null. */
gboolean    vb_handler_optional_bool_param (JsonObject  *body,
                                            const char  *member,
                                            const char **out,
                                            GError     **error);
/* A new error of code that names field. */
GError     *vb_handler_field_error  (VbErrorCode  code,
                                     const char  *field,
                                     const char  *message);
/* 404 "No such what"; always returns FALSE. */
gboolean    vb_handler_not_found    (GError     **error,
                                     const char  *what);
/* 409 naming field unless an active account can still manage users everywhere. */
gboolean    vb_handler_check_admin_remains (VbDbConn    *conn,
                                            const char  *field,
                                            GError     **error);
/* 409 version_conflict carrying the current record in details.current. */
GError     *vb_handler_version_conflict (JsonNode *current);
/* The "version" member of an update body, required and positive. */
gboolean    vb_handler_body_version (JsonObject  *body,
                                     gint64      *version,
                                     GError     **error);

G_END_DECLS
