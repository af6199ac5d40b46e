/* vb-server.c — receive on the main loop, handle on workers, reply on the loop.
 *
 * libsoup objects are not thread-safe, so the main loop copies each request
 * into a VbRequest, pauses the message and queues the request on a thread
 * pool; the worker authenticates, checks the permission and runs the handler
 * with blocking libpq; the reply travels back through the main context.
 * Handlers flagged INLINE (health, metrics) never leave the loop.  Oversized
 * bodies are refused from the headers, before they are read.
 */
#include "vb-server.h"
#include "vb-mutation.h"
#include "vb-error.h"
#include "vb-live-hub.h"
#include "vb-log.h"

#include <libsoup/soup.h>

struct _VbServer
{
  GObject          parent_instance;
  SoupServer      *soup;
  VbRouter        *router;
  VbDbPool        *pool;
  VbMetrics       *metrics;
  VbLiveHub       *hub;
  GThreadPool     *workers;
  GMainContext    *context;
  VbServerOptions  options;
};

G_DEFINE_FINAL_TYPE (VbServer, vb_server, G_TYPE_OBJECT)

#define LIVE_PATH "/api/v1/live"

typedef struct
{
  VbServer          *server;
  SoupServerMessage *msg;
  VbRequest         *req;
  gulong             disconnected_id;
  gboolean           gone;
} Pending;

static void
pending_free (Pending *p)
{
  if (p->disconnected_id != 0 && !p->gone)
    g_signal_handler_disconnect (p->msg, p->disconnected_id);
  g_clear_object (&p->msg);
  g_clear_pointer (&p->req, vb_request_free);
  g_clear_object (&p->server);
  g_free (p);
}

static void
write_reply (SoupServerMessage *msg,
             VbRequest         *req)
{
  GPtrArray *headers = vb_request_get_reply_headers (req);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *type = NULL;
  gsize len = 0;
  const char *body = vb_request_peek_reply (req, &len, &type);

  for (guint i = 0; i + 1 < headers->len; i += 2)
    soup_message_headers_append (out, headers->pdata[i], headers->pdata[i + 1]);
  soup_message_headers_replace (out, "X-Request-Id", vb_request_get_id (req));
  /* Only a handler that means it (file content) lets a reply be cached. */
  if (soup_message_headers_get_one (out, "Cache-Control") == NULL)
    soup_message_headers_replace (out, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, vb_request_get_status (req), NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body, len);
}

static void
complete (VbServer          *self,
          SoupServerMessage *msg,
          VbRequest         *req)
{
  const VbRoute *route = vb_request_get_route (req);
  gint64 duration = g_get_monotonic_time () - vb_request_get_start_time (req);

  if (msg != NULL)
    write_reply (msg, req);
  vb_metrics_observe (self->metrics, route ? route->pattern : "unmatched",
                      vb_request_get_method (req), vb_request_get_status (req), duration);
  vb_log_access (req, duration);
}

static gboolean
finish_on_loop (gpointer data)
{
  Pending *p = data;

  complete (p->server, p->gone ? NULL : p->msg, p->req);
  if (!p->gone)
    soup_server_message_unpause (p->msg);
  pending_free (p);
  return G_SOURCE_REMOVE;
}

static gboolean
authorize (VbRequest  *req,
           GError    **error)
{
  const VbRoute *route = vb_request_get_route (req);
  VbDbConn *conn;
  VbPrincipal *principal;

  if (route->flags & VB_ROUTE_PUBLIC)
    return TRUE;
  conn = vb_request_get_db (req, error);
  if (conn == NULL)
    return FALSE;
  principal = vb_principal_load (conn, vb_request_get_bearer_token (req), error);
  if (principal == NULL)
    return FALSE;
  vb_request_set_principal (req, principal);
  if (principal->pending != NULL && !(route->flags & VB_ROUTE_ALLOW_PENDING))
    {
      gboolean mfa = g_str_equal (principal->pending, "mfa_enrolment");
      g_set_error_literal (error, VB_ERROR,
                           mfa ? VB_ERROR_MFA_ENROLMENT_REQUIRED : VB_ERROR_PASSWORD_CHANGE_REQUIRED,
                           mfa ? "Set up two-factor authentication before continuing"
                               : "Change your one-time password before continuing");
      return FALSE;
    }
  if (route->permission != NULL && !vb_principal_has_permission (principal, route->permission))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                   "This needs the %s permission", route->permission);
      return FALSE;
    }
  if (route->permission != NULL && (route->flags & VB_ROUTE_GLOBAL)
      && !vb_principal_has_global_permission (principal, route->permission))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                   "This needs the %s permission in every location", route->permission);
      return FALSE;
    }
  return TRUE;
}

static void
run_handler (VbRequest *req)
{
  const VbRoute *route = vb_request_get_route (req);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbMutation) mutation = NULL;
  gboolean replayed = FALSE;

  if (!authorize (req, &error)
      || !vb_mutation_from_request (req, &mutation, &error)
      || (mutation != NULL && !vb_mutation_begin (mutation, req, &replayed, &error))
      || (!replayed && !route->handler (req, &error)))
    vb_request_reply_error (req, error);
  else if (vb_request_get_status (req) == 0)
    vb_request_reply_text (req, 204, NULL, NULL);
  if (mutation != NULL)
    {
      vb_mutation_finish (mutation, req);
      vb_request_set_mutation (req, NULL);
    }
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  Pending *p = data;

  run_handler (p->req);
  vb_request_release_db (p->req);
  g_main_context_invoke (p->server->context, finish_on_loop, p);
}

static void
message_disconnected_cb (SoupServerMessage *msg,
                         Pending           *p)
{
  p->gone = TRUE;
  g_signal_handler_disconnect (msg, p->disconnected_id);
  p->disconnected_id = 0;
}

static GHashTable *
copy_headers (SoupServerMessage *msg)
{
  GHashTable *headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_insert (headers, g_ascii_strdown (name, -1), g_strdup (value));
  return headers;
}

static GHashTable *
copy_query (GHashTable *query)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer k, v;

  if (query == NULL)
    return copy;
  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &k, &v))
    g_hash_table_insert (copy, g_strdup (k), g_strdup (v));
  return copy;
}

static VbRequest *
request_from_message (VbServer          *self,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query)
{
  g_autoptr(GHashTable) headers = copy_headers (msg);
  g_autoptr(GHashTable) query_copy = copy_query (query);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  gboolean dropped = g_object_get_data (G_OBJECT (msg), "vb-too-large") != NULL;
  g_autoptr(GBytes) bytes = body && !dropped ? soup_message_body_flatten (body) : NULL;

  return vb_request_new (self, soup_server_message_get_method (msg), path,
                         query_copy, headers, bytes,
                         soup_server_message_get_remote_host (msg));
}

/* The body limit of msg's route: uploads (LARGE_BODY) may exceed max-body-kib.
 * Only asked for bodies above max-body-kib (the route is matched once and
 * kept on the message), so ordinary requests pay nothing for it. */
static gsize
body_limit (VbServer          *self,
            SoupServerMessage *msg)
{
  gpointer known = g_object_get_data (G_OBJECT (msg), "vb-body-limit");
  const VbRoute *route;
  gsize limit = self->options.max_body_size;

  if (known != NULL)
    return GPOINTER_TO_SIZE (known);
  route = vb_router_match (self->router, soup_server_message_get_method (msg),
                           g_uri_get_path (soup_server_message_get_uri (msg)), NULL, NULL);
  if (route != NULL && (route->flags & VB_ROUTE_LARGE_BODY))
    limit = MAX (limit, VB_ROUTE_LARGE_BODY_MAX);
  g_object_set_data (G_OBJECT (msg), "vb-body-limit", GSIZE_TO_POINTER (limit));
  return limit;
}

static void
reply_too_large (VbServer          *self,
                 SoupServerMessage *msg,
                 VbRequest         *req)
{
  g_autoptr(GError) error = NULL;

  g_set_error (&error, VB_ERROR, VB_ERROR_PAYLOAD_TOO_LARGE,
               "The request body is larger than %" G_GSIZE_FORMAT " bytes",
               body_limit (self, msg));
  vb_request_reply_error (req, error);
  complete (self, msg, req);
}

static void
handle_cb (SoupServer        *soup,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  VbServer *self = user_data;
  g_autoptr(VbRequest) req = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  const VbRoute *route;
  Pending *p;

  /* Left without a status so that the WebSocket handler takes it. */
  if (g_str_equal (path, LIVE_PATH))
    return;
  req = request_from_message (self, msg, path, query);
  if (g_object_get_data (G_OBJECT (msg), "vb-too-large") != NULL)
    {
      reply_too_large (self, msg, req);
      return;
    }
  route = vb_router_match (self->router, vb_request_get_method (req), path, &params, &error);
  if (route == NULL)
    {
      vb_request_reply_error (req, error);
      complete (self, msg, req);
      return;
    }
  vb_request_set_route (req, route, params);
  if (route->flags & VB_ROUTE_INLINE)
    {
      run_handler (req);
      complete (self, msg, req);
      return;
    }
  p = g_new0 (Pending, 1);
  p->server = g_object_ref (self);
  p->msg = g_object_ref (msg);
  p->req = g_steal_pointer (&req);
  p->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (message_disconnected_cb), p);
  soup_server_message_pause (msg);
  g_thread_pool_push (self->workers, p, NULL);
}

static void
mark_too_large (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* Keep reading (so the client gets to read our answer) but store nothing. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  g_object_set_data (G_OBJECT (msg), "vb-too-large", GINT_TO_POINTER (TRUE));
}

/* A body announced too large is refused from its headers.  A client that
 * asked "Expect: 100-continue" gets the 413 at once and never sends it;
 * any other client is sending it anyway, so it is read and dropped (never
 * stored) and answered when it ends — answering mid-upload would leave the
 * client blocked writing, never reading our reply. */
static void
got_headers_cb (SoupServerMessage *msg,
                VbServer          *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);
  g_autoptr(VbRequest) req = NULL;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH
      || length <= (goffset) self->options.max_body_size
      || length <= (goffset) body_limit (self, msg))
    return;
  if (!(soup_message_headers_get_expectations (headers) & SOUP_EXPECTATION_CONTINUE))
    {
      mark_too_large (msg);
      return;
    }
  req = request_from_message (self, msg, g_uri_get_path (soup_server_message_get_uri (msg)), NULL);
  reply_too_large (self, msg, req);
}

/* A chunked body is counted as it arrives and dropped past the limit. */
static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              VbServer          *self)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body->length > (goffset) self->options.max_body_size
      && body->length > (goffset) body_limit (self, msg))
    mark_too_large (msg);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    VbServer          *self)
{
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (got_headers_cb), self, 0);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
}

static char *
live_token (SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) params = NULL;

  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    return g_strstrip (g_strdup (auth + 7));
  if (query == NULL)
    return NULL;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  return params ? g_strdup (g_hash_table_lookup (params, "access_token")) : NULL;
}

static void
websocket_cb (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  VbServer *self = user_data;
  g_autofree char *token = live_token (msg);

  g_info ("WebSocket from %s on %s", soup_server_message_get_remote_host (msg), path);
  vb_live_hub_add (self->hub, connection, token);
}

static void
vb_server_dispose (GObject *object)
{
  VbServer *self = VB_SERVER (object);

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  if (self->workers != NULL)
    g_thread_pool_free (g_steal_pointer (&self->workers), FALSE, TRUE);
  g_clear_object (&self->soup);
  g_clear_object (&self->router);
  g_clear_object (&self->pool);
  g_clear_object (&self->metrics);
  g_clear_object (&self->hub);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (vb_server_parent_class)->dispose (object);
}

static void
vb_server_class_init (VbServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_server_dispose;
}

static void
vb_server_init (VbServer *self)
{
  self->router = vb_router_new ();
  self->metrics = vb_metrics_new ();
  self->context = g_main_context_ref_thread_default ();
}

static gdouble
pool_gauge (gpointer data, guint which)
{
  guint in_use, idle, max;
  guint64 waits;

  vb_db_pool_get_stats (VB_DB_POOL (data), &in_use, &idle, &max, &waits);
  return which == 0 ? in_use : which == 1 ? idle : which == 2 ? max : (gdouble) waits;
}
static gdouble pool_in_use (gpointer d) { return pool_gauge (d, 0); }
static gdouble pool_idle (gpointer d) { return pool_gauge (d, 1); }
static gdouble pool_max (gpointer d) { return pool_gauge (d, 2); }
static gdouble pool_waits (gpointer d) { return pool_gauge (d, 3); }
static gdouble live_clients (gpointer d) { return vb_live_hub_get_n_clients (VB_LIVE_HUB (d)); }

VbServer *
vb_server_new (VbDbPool              *pool,
               const VbServerOptions *options)
{
  VbServer *self = g_object_new (VB_TYPE_SERVER, NULL);

  self->pool = g_object_ref (pool);
  self->hub = vb_live_hub_new (pool);
  self->options = *options;
  self->workers = g_thread_pool_new (worker_run, self, MAX (options->workers, 1), FALSE, NULL);
  vb_metrics_add_gauge (self->metrics, "voltbay_db_pool_connections", "state=\"in_use\"",
                        "Database connections by state.", pool_in_use, pool);
  vb_metrics_add_gauge (self->metrics, "voltbay_db_pool_connections", "state=\"idle\"",
                        "Database connections by state.", pool_idle, pool);
  vb_metrics_add_gauge (self->metrics, "voltbay_db_pool_max_connections", NULL,
                        "Size limit of the database pool.", pool_max, pool);
  vb_metrics_add_gauge (self->metrics, "voltbay_db_pool_waits", NULL,
                        "Times a request waited for a free connection.", pool_waits, pool);
  vb_metrics_add_gauge (self->metrics, "voltbay_websocket_clients", NULL,
                        "Connected /api/v1/live clients.", live_clients, self->hub);
  return self;
}

static GSocketAddress *
parse_address (const char  *address,
               GError     **error)
{
  g_autoptr(GSocketConnectable) parsed = g_network_address_parse (address, 8443, error);
  const char *host;
  GSocketAddress *sockaddr;

  if (parsed == NULL)
    return NULL;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed));
  if (g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  sockaddr = g_inet_socket_address_new_from_string (host, g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
  if (sockaddr == NULL)
    g_set_error (error, VB_ERROR, VB_ERROR_BAD_REQUEST,
                 "Listen address %s must be an IP address and port", address);
  return sockaddr;
}

/* libsoup's own listener keeps GLib's default backlog of 10: a shop's worth
 * of apps reconnecting at once after a network blip would see resets. */
#define LISTEN_BACKLOG 1024

static GSocket *
listening_socket (GSocketAddress  *address,
                  GError         **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address),
                                            G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

gboolean
vb_server_listen (VbServer         *self,
                  const char       *address,
                  GTlsCertificate  *certificate,
                  guint            *bound_port,
                  GError          **error)
{
  g_autoptr(GSocketAddress) sockaddr = parse_address (address, error);
  g_autoptr(GSocket) socket = NULL;
  GSList *uris;

  if (sockaddr == NULL)
    return FALSE;
  self->soup = soup_server_new ("server-header", "voltbay/" PACKAGE_VERSION,
                                "tls-certificate", certificate, NULL);
  soup_server_add_handler (self->soup, NULL, handle_cb, self, NULL);
  soup_server_add_websocket_handler (self->soup, LIVE_PATH, NULL, NULL, websocket_cb, self, NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (request_started_cb), self, 0);
  socket = listening_socket (sockaddr, error);
  if (socket == NULL
      || !soup_server_listen_socket (self->soup, socket,
                                     certificate ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (self->soup);
  if (bound_port != NULL && uris != NULL)
    *bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

void
vb_server_disconnect (VbServer *self)
{
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}

VbRouter *vb_server_get_router (VbServer *self) { return self->router; }
VbDbPool *vb_server_get_pool (VbServer *self) { return self->pool; }
VbMetrics *vb_server_get_metrics (VbServer *self) { return self->metrics; }
VbLiveHub *vb_server_get_live_hub (VbServer *self) { return self->hub; }
const VbServerOptions *vb_server_get_options (VbServer *self) { return &self->options; }
