/* vb-handler-util.h — small pieces every resource handler uses. */
#pragma once

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
/* 409 version_conflict carrying the current record in details.current. */
GError     *vb_handler_version_conflict (JsonNode *current);
/* The "version" member of an update body, required and positive. */
gboolean    vb_handler_body_version (JsonObject  *body,
                                     gint64      *version,
                                     GError     **error);

G_END_DECLS
