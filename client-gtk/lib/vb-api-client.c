/* vb-api-client.c — async JSON REST and WebSocket handshakes for the apps.
 *
 * One SoupSession per client, so connections are reused.  The session has no
 * TLS database: every server certificate, even one a public CA signed, goes
 * through accept-certificate and is compared with the pin store (trust on
 * first use).  A certificate that is not accepted fails the TLS handshake, so
 * nothing — not a password, not a token — is written to that connection; the
 * handler remembers what it saw and the GTask's error becomes a
 * VB_CLIENT_ERROR_CERTIFICATE_* naming the fingerprints.
 *
 * Error bodies become the server's VbError through vb_error_from_json(), so
 * the UI switches on the same codes the server raised.
 */
#include "vb-api-client.h"
#include "vb-client-error.h"
#include "vb-pin-store.h"

#include "vb-error.h"
#include "vb-json.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define DEFAULT_PORT 8443
#define REQUEST_TIMEOUT_SECONDS 30

struct _VbApiClient
{
  GObject      parent_instance;
  SoupSession *session;
  VbPinStore  *pins;
  GUri        *server;
  char        *server_url;
  char        *server_key;
  char        *token;
};

G_DEFINE_FINAL_TYPE (VbApiClient, vb_api_client, G_TYPE_OBJECT)

/* What one request's certificate check saw; lives as long as its task. */
typedef struct
{
  SoupMessage *msg;
  char        *server_key;
  char        *fingerprint;     /* set when the certificate was refused */
  char        *pinned;
  VbPinStatus  status;
  gboolean     full;            /* request_full: every HTTP answer is a result */
} RequestData;

static void
request_data_free (RequestData *data)
{
  g_clear_object (&data->msg);
  g_free (data->server_key);
  g_free (data->fingerprint);
  g_free (data->pinned);
  g_free (data);
}

static void
vb_api_client_dispose (GObject *object)
{
  VbApiClient *self = VB_API_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->pins);
  G_OBJECT_CLASS (vb_api_client_parent_class)->dispose (object);
}

static void
vb_api_client_finalize (GObject *object)
{
  VbApiClient *self = VB_API_CLIENT (object);

  g_clear_pointer (&self->server, g_uri_unref);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->server_key, g_free);
  g_clear_pointer (&self->token, g_free);
  G_OBJECT_CLASS (vb_api_client_parent_class)->finalize (object);
}

static void
vb_api_client_class_init (VbApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_api_client_dispose;
  object_class->finalize = vb_api_client_finalize;
}

static void
vb_api_client_init (VbApiClient *self)
{
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_SECONDS,
                                                 "user-agent", "Voltbay/" PACKAGE_VERSION " ",
                                                 NULL);
  /* No CA store: every certificate is checked against the pins. */
  soup_session_set_tls_database (self->session, NULL);
}

VbApiClient *
vb_api_client_new (VbPinStore *pins)
{
  VbApiClient *self;

  g_return_val_if_fail (VB_IS_PIN_STORE (pins), NULL);

  self = g_object_new (VB_TYPE_API_CLIENT, NULL);
  self->pins = g_object_ref (pins);
  return self;
}

VbPinStore *
vb_api_client_get_pin_store (VbApiClient *self)
{
  g_return_val_if_fail (VB_IS_API_CLIENT (self), NULL);
  return self->pins;
}

char *
vb_server_address_normalize (const char  *address,
                             GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (address != NULL ? address : ""));
  g_autofree char *with_scheme = NULL;
  g_autofree char *path = NULL;
  g_autofree char *lower_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  gboolean typed_scheme;
  int port;

  if (*text == '\0')
    {
      g_set_error_literal (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                           _("Enter the address of the Voltbay server"));
      return NULL;
    }

  typed_scheme = strstr (text, "://") != NULL;
  with_scheme = typed_scheme ? g_strdup (text) : g_strconcat ("https://", text, NULL);
  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a server address; use a form like https://server.example:8443"),
                   text);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                   _("The server address must start with https:// (or http://), not %s://"),
                   scheme);
      return NULL;
    }

  port = g_uri_get_port (uri);
  if (port <= 0)
    port = !typed_scheme ? DEFAULT_PORT : g_ascii_strcasecmp (scheme, "https") == 0 ? 443 : 80;

  /* A path prefix is allowed (a server behind a proxy), without the final slash. */
  path = g_strdup (g_uri_get_path (uri));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  lower_scheme = g_ascii_strdown (scheme, -1);
  return g_uri_join (G_URI_FLAGS_NONE, lower_scheme, NULL, g_uri_get_host (uri), port, path,
                     NULL, NULL);
}

gboolean
vb_api_client_set_server (VbApiClient  *self,
                          const char   *address,
                          GError      **error)
{
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (VB_IS_API_CLIENT (self), FALSE);

  url = vb_server_address_normalize (address, error);
  if (url == NULL)
    return FALSE;
  if (g_strcmp0 (url, self->server_url) == 0)
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, error);
  if (uri == NULL)
    return FALSE;

  g_clear_pointer (&self->server, g_uri_unref);
  g_free (self->server_url);
  g_free (self->server_key);
  self->server = g_steal_pointer (&uri);
  self->server_url = g_steal_pointer (&url);
  self->server_key = vb_server_key_for_uri (self->server);
  /* Connections to the previous server must not carry this server's token. */
  soup_session_abort (self->session);
  return TRUE;
}

const char *
vb_api_client_get_server_url (VbApiClient *self)
{
  g_return_val_if_fail (VB_IS_API_CLIENT (self), NULL);
  return self->server_url;
}

const char *
vb_api_client_get_server_key (VbApiClient *self)
{
  g_return_val_if_fail (VB_IS_API_CLIENT (self), NULL);
  return self->server_key;
}

void
vb_api_client_set_token (VbApiClient *self,
                         const char  *token)
{
  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
vb_api_client_get_token (VbApiClient *self)
{
  g_return_val_if_fail (VB_IS_API_CLIENT (self), NULL);
  return self->token;
}

GError *
vb_error_for_http_status (guint       status,
                          const char *reason)
{
  VbErrorCode code;

  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:           code = VB_ERROR_BAD_REQUEST; break;
    case SOUP_STATUS_UNAUTHORIZED:          code = VB_ERROR_UNAUTHENTICATED; break;
    case SOUP_STATUS_FORBIDDEN:             code = VB_ERROR_FORBIDDEN; break;
    case SOUP_STATUS_NOT_FOUND:             code = VB_ERROR_NOT_FOUND; break;
    case SOUP_STATUS_METHOD_NOT_ALLOWED:    code = VB_ERROR_METHOD_NOT_ALLOWED; break;
    case SOUP_STATUS_CONFLICT:              code = VB_ERROR_CONFLICT; break;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE: code = VB_ERROR_PAYLOAD_TOO_LARGE; break;
    case SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE: code = VB_ERROR_UNSUPPORTED_MEDIA_TYPE; break;
    case SOUP_STATUS_UNPROCESSABLE_ENTITY:  code = VB_ERROR_VALIDATION; break;
    case 429:                               code = VB_ERROR_RATE_LIMITED; break;
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case SOUP_STATUS_GATEWAY_TIMEOUT:       code = VB_ERROR_UNAVAILABLE; break;
    default:                                code = status >= 500 ? VB_ERROR_INTERNAL : VB_ERROR_BAD_REQUEST;
    }
  return g_error_new (VB_ERROR, code, _("The server answered %u %s"),
                      status, reason != NULL ? reason : soup_status_get_phrase (status));
}

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  GTask *task = user_data;
  VbApiClient *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  g_autofree char *fingerprint = vb_certificate_dup_fingerprint (certificate);

  data->status = vb_pin_store_check (self->pins, data->server_key, fingerprint);
  if (data->status == VB_PIN_STATUS_MATCH)
    return TRUE;

  g_free (data->fingerprint);
  data->fingerprint = g_steal_pointer (&fingerprint);
  g_free (data->pinned);
  data->pinned = vb_pin_store_dup_fingerprint (self->pins, data->server_key);
  return FALSE;
}

/* The refused certificate, if that is why the request failed. */
static GError *
certificate_error (RequestData *data)
{
  if (data->fingerprint == NULL)
    return NULL;
  return vb_client_error_new_certificate (data->status == VB_PIN_STATUS_MISMATCH
                                          ? VB_CLIENT_ERROR_CERTIFICATE_CHANGED
                                          : VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED,
                                          data->server_key, data->fingerprint, data->pinned);
}

static SoupMessage *
new_message (VbApiClient *self,
             const char  *method,
             const char  *path,
             gboolean     websocket,
             GTask       *task)
{
  g_autofree char *url = NULL;
  SoupMessage *msg;
  RequestData *data;

  if (websocket)
    url = g_strconcat (g_str_has_prefix (self->server_url, "https:") ? "wss" : "ws",
                       strchr (self->server_url, ':'), path, NULL);
  else
    url = g_strconcat (self->server_url, path, NULL);
  msg = soup_message_new (method, url);
  if (msg == NULL)
    return NULL;
  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", authorization);
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Accept", "application/json");

  data = g_new0 (RequestData, 1);
  data->msg = g_object_ref (msg);
  data->server_key = g_strdup (self->server_key);
  g_task_set_task_data (task, data, (GDestroyNotify) request_data_free);
  /* The task outlives the message's signal emissions: it holds the message. */
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), task);
  return msg;
}

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  SoupMessageHeaders *headers;
  const char *content_type;
  const char *body;
  gsize length = 0;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_signal_handlers_disconnect_by_data (data->msg, task);
  if (bytes == NULL)
    {
      GError *refused = certificate_error (data);

      if (refused != NULL)
        g_task_return_error (task, refused);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (data->msg);
  headers = soup_message_get_response_headers (data->msg);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  body = g_bytes_get_data (bytes, &length);

  if (length > 0 && g_strcmp0 (content_type, "application/json") == 0)
    {
      if (!json_parser_load_from_data (parser, body, length, &error))
        {
          g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                                   _("The server sent malformed JSON: %s"), error->message);
          return;
        }
    }

  /* The outbox needs the status and headers of refusals too (request_full). */
  if (data->full)
    {
      JsonNode *root = json_parser_get_root (parser);

      g_task_return_pointer (task, root != NULL ? json_node_copy (root) : json_node_new (JSON_NODE_NULL),
                             (GDestroyNotify) json_node_unref);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      JsonNode *root = json_parser_get_root (parser);

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
          json_object_has_member (json_node_get_object (root), "error"))
        g_task_return_error (task, vb_error_from_json (root, status));
      else
        g_task_return_error (task, vb_error_for_http_status (status,
                                                             soup_message_get_reason_phrase (data->msg)));
      return;
    }

  if (json_parser_get_root (parser) != NULL)
    g_task_return_pointer (task, json_node_copy (json_parser_get_root (parser)),
                           (GDestroyNotify) json_node_unref);
  else
    g_task_return_pointer (task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
}

void
vb_api_client_request_async (VbApiClient         *self,
                             const char          *method,
                             const char          *path,
                             JsonObject          *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_api_client_request_async);

  if (self->server_url == NULL)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                               _("No server address is set"));
      return;
    }
  msg = new_message (self, method, path, FALSE, task);
  if (msg == NULL)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                               _("Cannot make a request to %s%s"), self->server_url, path);
      return;
    }
  if (body != NULL)
    {
      gsize length = 0;
      char *text = vb_json_object_to_string (body, &length);

      soup_message_set_request_body_from_bytes (msg, "application/json",
                                                g_bytes_new_take (text, length));
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    send_and_read_cb, g_steal_pointer (&task));
}

JsonNode *
vb_api_client_request_finish (VbApiClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_api_client_request_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Both outbox requests: every HTTP answer is a result (request_full). */
static void
request_full (VbApiClient         *self,
              const char          *method,
              const char          *path,
              const char          *content_type,
              GBytes              *body,
              const char * const  *extra_headers,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  RequestData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  /* One finish function for both: the same source tag. */
  g_task_set_source_tag (task, vb_api_client_request_full_async);

  if (self->server_url == NULL || (msg = new_message (self, method, path, FALSE, task)) == NULL)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                               _("Cannot make a request to %s%s"),
                               self->server_url != NULL ? self->server_url : "", path);
      return;
    }
  data = g_task_get_task_data (task);
  data->full = TRUE;
  for (guint i = 0; extra_headers != NULL && extra_headers[i] != NULL && extra_headers[i + 1] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  extra_headers[i], extra_headers[i + 1]);
  /* Sent byte for byte: a retried mutation must be the same request. */
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    send_and_read_cb, g_steal_pointer (&task));
}

void
vb_api_client_request_full_async (VbApiClient         *self,
                                  const char          *method,
                                  const char          *path,
                                  const char          *body_json,
                                  const char * const  *extra_headers,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GBytes) body = NULL;

  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');

  if (body_json != NULL)
    body = g_bytes_new (body_json, strlen (body_json));
  request_full (self, method, path, "application/json", body, extra_headers,
                cancellable, callback, user_data);
}

void
vb_api_client_request_full_bytes_async (VbApiClient         *self,
                                        const char          *method,
                                        const char          *path,
                                        const char          *content_type,
                                        GBytes              *body,
                                        const char * const  *extra_headers,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (content_type != NULL && body != NULL);

  request_full (self, method, path, content_type, body, extra_headers,
                cancellable, callback, user_data);
}

JsonNode *
vb_api_client_request_full_finish (VbApiClient         *self,
                                   GAsyncResult        *result,
                                   guint               *status,
                                   SoupMessageHeaders **response_headers,
                                   GError             **error)
{
  RequestData *data;
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_api_client_request_full_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  node = g_task_propagate_pointer (G_TASK (result), error);
  if (status != NULL)
    *status = node != NULL && data != NULL ? soup_message_get_status (data->msg) : 0;
  if (response_headers != NULL)
    *response_headers = node != NULL && data != NULL
                        ? soup_message_headers_ref (soup_message_get_response_headers (data->msg))
                        : NULL;
  return node;
}

/* Raw bytes (attachments): 2xx and 304 are results, other statuses errors. */
static void
send_and_read_bytes_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_signal_handlers_disconnect_by_data (data->msg, task);
  if (bytes == NULL)
    {
      GError *refused = certificate_error (data);

      g_task_return_error (task, refused != NULL ? refused : g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (data->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) && status != SOUP_STATUS_NOT_MODIFIED)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root = NULL;
      gsize length = 0;
      const char *body = g_bytes_get_data (bytes, &length);

      if (length > 0 &&
          g_strcmp0 (soup_message_headers_get_content_type (headers, NULL), "application/json") == 0 &&
          json_parser_load_from_data (parser, body, length, NULL))
        root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
          json_object_has_member (json_node_get_object (root), "error"))
        g_task_return_error (task, vb_error_from_json (root, status));
      else
        g_task_return_error (task, vb_error_for_http_status (status,
                                                             soup_message_get_reason_phrase (data->msg)));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

void
vb_api_client_request_bytes_async (VbApiClient         *self,
                                   const char          *method,
                                   const char          *path,
                                   const char * const  *extra_headers,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *headers;

  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_api_client_request_bytes_async);

  if (self->server_url == NULL || (msg = new_message (self, method, path, FALSE, task)) == NULL)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                               _("Cannot make a request to %s%s"),
                               self->server_url != NULL ? self->server_url : "", path);
      return;
    }
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "*/*");
  for (guint i = 0; extra_headers != NULL && extra_headers[i] != NULL && extra_headers[i + 1] != NULL; i += 2)
    soup_message_headers_replace (headers, extra_headers[i], extra_headers[i + 1]);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    send_and_read_bytes_cb, g_steal_pointer (&task));
}

GBytes *
vb_api_client_request_bytes_finish (VbApiClient         *self,
                                    GAsyncResult        *result,
                                    guint               *status,
                                    SoupMessageHeaders **response_headers,
                                    GError             **error)
{
  RequestData *data;
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_api_client_request_bytes_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (status != NULL)
    *status = bytes != NULL && data != NULL ? soup_message_get_status (data->msg) : 0;
  if (response_headers != NULL)
    *response_headers = bytes != NULL && data != NULL
                        ? soup_message_headers_ref (soup_message_get_response_headers (data->msg))
                        : NULL;
  return bytes;
}

static void
websocket_connect_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;
  GError *refused;
  guint status;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  g_signal_handlers_disconnect_by_data (data->msg, task);
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }
  if ((refused = certificate_error (data)) != NULL)
    {
      g_task_return_error (task, refused);
      return;
    }
  /* A refused handshake: the reply is a plain HTTP status (401 above all). */
  status = soup_message_get_status (data->msg);
  if (status >= 400)
    g_task_return_error (task, vb_error_for_http_status (status,
                                                         soup_message_get_reason_phrase (data->msg)));
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
vb_api_client_websocket_connect_async (VbApiClient         *self,
                                       const char          *path,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_return_if_fail (VB_IS_API_CLIENT (self));
  g_return_if_fail (path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_api_client_websocket_connect_async);

  if (self->server_url == NULL || (msg = new_message (self, "GET", path, TRUE, task)) == NULL)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_INVALID_ADDRESS,
                               _("No server address is set"));
      return;
    }
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, websocket_connect_cb,
                                        g_steal_pointer (&task));
}

SoupWebsocketConnection *
vb_api_client_websocket_connect_finish (VbApiClient   *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        vb_api_client_websocket_connect_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
