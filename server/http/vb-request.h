/* vb-request.h — everything a handler sees of one HTTP request.
 *
 * A VbRequest is a copy of the SoupServerMessage's inputs made on the main
 * thread, so the handler can run on a worker thread without touching libsoup
 * objects; it collects the reply, which the main thread then writes.  All
 * memory of a request hangs off it and is freed with the reply.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vb-db.h"
#include "vb-principal.h"

G_BEGIN_DECLS

typedef struct _VbRequest VbRequest;
typedef struct _VbServer  VbServer;
typedef struct _VbRoute   VbRoute;
typedef struct _VbMutation VbMutation;

VbRequest   *vb_request_new              (VbServer    *server,
                                          const char  *method,
                                          const char  *path,
                                          GHashTable  *query,
                                          GHashTable  *headers,
                                          GBytes      *body,
                                          const char  *remote_address);
void         vb_request_free             (VbRequest   *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbRequest, vb_request_free)

VbServer    *vb_request_get_server       (VbRequest   *req);
const char  *vb_request_get_id           (VbRequest   *req);
const char  *vb_request_get_method       (VbRequest   *req);
const char  *vb_request_get_path         (VbRequest   *req);
const char  *vb_request_get_remote_address (VbRequest *req);
/* A request header, by name in any case. */
const char  *vb_request_get_header       (VbRequest   *req,
                                          const char  *name);
const char  *vb_request_get_query        (VbRequest   *req,
                                          const char  *name);
const char  *vb_request_get_param        (VbRequest   *req,
                                          const char  *name);
void         vb_request_set_route        (VbRequest   *req,
                                          const VbRoute *route,
                                          GHashTable  *params);
const VbRoute *vb_request_get_route      (VbRequest   *req);
const char  *vb_request_get_bearer_token (VbRequest   *req);

/* The raw body (NULL when there is none). */
GBytes      *vb_request_get_body         (VbRequest   *req);
/* The body as a JSON object (400 malformed_json / 415 otherwise). */
JsonObject  *vb_request_parse_body       (VbRequest   *req,
                                          GError     **error);
/* ?limit= with the API's default 50 and maximum 500. */
gboolean     vb_request_get_limit        (VbRequest   *req,
                                          guint       *limit,
                                          GError     **error);

VbPrincipal *vb_request_get_principal    (VbRequest   *req);
void         vb_request_set_principal    (VbRequest   *req,
                                          VbPrincipal *principal);
/* Worker threads only: a pooled connection, held until the reply. */
VbDbConn    *vb_request_get_db           (VbRequest   *req,
                                          GError     **error);
void         vb_request_release_db       (VbRequest   *req);
/* A transaction on the request's connection with the audit context
 * (actor, request id) set. */
gboolean     vb_request_transaction      (VbRequest   *req,
                                          VbDbTxnFunc  func,
                                          gpointer     user_data,
                                          GError     **error);

/* The request's Voltbay-Mutation (vb-mutation.h): its number is recorded
 * inside the first vb_request_transaction. */
void         vb_request_set_mutation     (VbRequest   *req,
                                          VbMutation  *mutation);
/* Replies. */
void         vb_request_reply_json       (VbRequest   *req,
                                          guint        status,
                                          JsonNode    *node);
void         vb_request_reply_text       (VbRequest   *req,
                                          guint        status,
                                          const char  *content_type,
                                          char        *body);
/* A binary reply (copied); content_type must be a static string. */
void         vb_request_reply_bytes      (VbRequest   *req,
                                          guint        status,
                                          const char  *content_type,
                                          GBytes      *bytes);
void         vb_request_reply_error      (VbRequest   *req,
                                          const GError *error);
void         vb_request_add_reply_header (VbRequest   *req,
                                          const char  *name,
                                          const char  *value);
guint        vb_request_get_status       (VbRequest   *req);
const char  *vb_request_get_error_code   (VbRequest   *req);
const char  *vb_request_peek_reply       (VbRequest   *req,
                                          gsize       *length,
                                          const char **content_type);
GPtrArray   *vb_request_get_reply_headers (VbRequest  *req);
gint64       vb_request_get_start_time   (VbRequest   *req);

G_END_DECLS
