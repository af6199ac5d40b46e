/* vb-api-client.h — the server's JSON API over one SoupSession, with pinning. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_API_CLIENT (vb_api_client_get_type ())
G_DECLARE_FINAL_TYPE (VbApiClient, vb_api_client, VB, API_CLIENT, GObject)

VbApiClient  *vb_api_client_new                      (VbPinStore           *pins);
VbPinStore   *vb_api_client_get_pin_store            (VbApiClient          *self);

/* Sets the server from what a user typed (see vb_server_address_normalize). */
gboolean      vb_api_client_set_server               (VbApiClient          *self,
                                                      const char           *address,
                                                      GError              **error);
/* "https://host:port" or NULL. */
const char   *vb_api_client_get_server_url           (VbApiClient          *self);
/* "host:port", the key of the pin store. */
const char   *vb_api_client_get_server_key           (VbApiClient          *self);
/* The bearer token sent with every request, or NULL. */
void          vb_api_client_set_token                (VbApiClient          *self,
                                                      const char           *token);
const char   *vb_api_client_get_token                (VbApiClient          *self);

/* One request.  body may be NULL.  The reply is the parsed JSON body (a null
 * node for an empty one).  A JSON error body becomes its VbError; a
 * certificate that is not pinned, or not the pinned one, becomes a
 * VB_CLIENT_ERROR_CERTIFICATE_* error before a byte of the request is sent. */
void          vb_api_client_request_async            (VbApiClient          *self,
                                                      const char           *method,
                                                      const char           *path,
                                                      JsonObject           *body,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
JsonNode     *vb_api_client_request_finish           (VbApiClient          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* One request for the outbox.  body_json is sent byte for byte (a retried
 * mutation must be the same request); extra_headers are NULL-terminated
 * name/value pairs, or NULL.  Every HTTP answer, refusals included, is a
 * result: the parsed body (a null node for an empty one), its status and
 * headers (unref them).  Only what never reached an answer is an error: no
 * connection, a certificate that is not the pinned one, cancellation. */
void          vb_api_client_request_full_async       (VbApiClient          *self,
                                                      const char           *method,
                                                      const char           *path,
                                                      const char           *body_json,
                                                      const char * const   *extra_headers,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
/* The same with a binary body (an upload from the outbox), sent as is
 * with that Content-Type; finish with vb_api_client_request_full_finish(). */
void          vb_api_client_request_full_bytes_async (VbApiClient          *self,
                                                      const char           *method,
                                                      const char           *path,
                                                      const char           *content_type,
                                                      GBytes               *body,
                                                      const char * const   *extra_headers,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
JsonNode     *vb_api_client_request_full_finish      (VbApiClient          *self,
                                                      GAsyncResult         *result,
                                                      guint                *status,
                                                      SoupMessageHeaders  **response_headers,
                                                      GError              **error);

/* A request whose answer is raw bytes (attachment content), without a
 * body; extra_headers as above (If-None-Match).  A 2xx or 304 answer is a
 * result: its body (empty for 304), status and headers (unref them); any
 * other status is its VbError, as for vb_api_client_request_async(). */
void          vb_api_client_request_bytes_async      (VbApiClient          *self,
                                                      const char           *method,
                                                      const char           *path,
                                                      const char * const   *extra_headers,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GBytes       *vb_api_client_request_bytes_finish     (VbApiClient          *self,
                                                      GAsyncResult         *result,
                                                      guint                *status,
                                                      SoupMessageHeaders  **response_headers,
                                                      GError              **error);

/* A WebSocket to path (ws/wss), the token on the handshake, same pinning. */
void          vb_api_client_websocket_connect_async  (VbApiClient          *self,
                                                      const char           *path,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
SoupWebsocketConnection *
              vb_api_client_websocket_connect_finish (VbApiClient          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* "localhost" → "https://localhost:8443"; "https://h" → "https://h:443";
 * "http://h:8080/" → "http://h:8080".  Without a scheme the server's own
 * default (https, port 8443) is assumed.  Returns NULL and sets
 * VB_CLIENT_ERROR_INVALID_ADDRESS for anything else. */
char         *vb_server_address_normalize            (const char           *address,
                                                      GError              **error);
/* The VbError for a non-2xx reply whose body is not a JSON error. */
GError       *vb_error_for_http_status               (guint                 status,
                                                      const char           *reason);

G_END_DECLS
