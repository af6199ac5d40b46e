/* vb-live-connection.c — one WebSocket to /api/v1/live, kept up.
 *
 * The push is only a wake-up (docs/sync.md): every message is acknowledged
 * and re-emitted as "changes" for the sync engine, which then reads the
 * change feed.  The connection is ONLINE once the server's hello arrives (the
 * token is checked then), not when the handshake completes.
 *
 * Failure handling is a small state machine: a dropped connection is retried
 * at once (RECONNECTING, after initial-delay with jitter); when that fails the
 * state is OFFLINE and attempts continue with exponential back-off up to
 * max-delay, without touching the state again until one succeeds, so the
 * header bar does not flicker.  Two failures end the attempts instead: close
 * code 4401 or a 401 handshake (the session is gone: "session-invalid"), and a
 * certificate that is not the pinned one (retrying cannot fix it; the user
 * must be told).  Rejected: GNetworkMonitor-driven retries — on a LAN the
 * server going away is far more common than the network going away, and the
 * back-off cap bounds the wait either way.
 */
#include "vb-live-connection.h"
#include "vb-api-client.h"
#include "vb-client-error.h"

#include "vb-error.h"
#include "vb-json.h"

#include <libsoup/soup.h>

#define DEFAULT_INITIAL_DELAY_MS 500
#define DEFAULT_MAX_DELAY_MS     30000
#define HELLO_TIMEOUT_SECONDS    10
#define KEEPALIVE_SECONDS        15

struct _VbLiveConnection
{
  GObject                  parent_instance;
  VbApiClient             *client;
  GCancellable            *cancellable;
  SoupWebsocketConnection *connection;
  GError                  *error;
  VbConnectionState        state;
  gboolean                 running;
  guint                    failures;
  guint                    retry_source;
  gint64                   retry_at;
  guint                    hello_source;
  guint                    initial_delay_ms;
  guint                    max_delay_ms;
};

G_DEFINE_FINAL_TYPE (VbLiveConnection, vb_live_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_INITIAL_DELAY,
  PROP_MAX_DELAY,
  N_PROPS
};

enum {
  CHANGES,
  SESSION_INVALID,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (VbLiveConnection *self);

guint
vb_live_backoff_delay (guint  attempt,
                       guint  initial_ms,
                       guint  max_ms,
                       double random01)
{
  guint64 delay = initial_ms;

  for (guint i = 0; i < attempt && delay < max_ms; i++)
    delay *= 2;
  delay = MIN (delay, (guint64) max_ms);
  return (guint) (delay / 2 + (guint64) (random01 * (double) (delay - delay / 2)));
}

static void
set_state (VbLiveConnection  *self,
           VbConnectionState  state)
{
  if (self->state == state)
    return;
  g_debug ("Live connection: %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (VbLiveConnection *self,
           const GError     *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
drop_connection (VbLiveConnection *self)
{
  g_clear_handle_id (&self->hello_source, g_source_remove);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->connection);
}

static gboolean
retry_cb (gpointer user_data)
{
  VbLiveConnection *self = user_data;

  self->retry_source = 0;
  self->retry_at = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (VbLiveConnection *self)
{
  guint delay = vb_live_backoff_delay (self->failures, self->initial_delay_ms,
                                       self->max_delay_ms, g_random_double ());

  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->failures++;
  self->retry_at = g_get_monotonic_time () + (gint64) delay * 1000;
  self->retry_source = g_timeout_add (delay, retry_cb, self);
  g_debug ("Live connection: next attempt in %u ms", delay);
}

/* Ends the attempts: the user has to act (sign in again, check the server). */
static void
give_up (VbLiveConnection *self)
{
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_at = 0;
  drop_connection (self);
  set_state (self, VB_CONNECTION_STATE_OFFLINE);
}

static void
fail (VbLiveConnection *self,
      const GError     *error)
{
  g_debug ("Live connection failed: %s", error->message);
  drop_connection (self);
  set_error (self, error);

  if (g_error_matches (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED))
    {
      give_up (self);
      g_signal_emit (self, signals[SESSION_INVALID], 0);
      return;
    }
  if (g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_CHANGED) ||
      g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED))
    {
      give_up (self);
      return;
    }
  set_state (self, VB_CONNECTION_STATE_OFFLINE);
  schedule_retry (self);
}

static void
send_ack (VbLiveConnection *self,
          gint64            seq)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}", seq);

  if (self->connection != NULL &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (self->connection, text);
}

static void
message_cb (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  VbLiveConnection *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_auto(GStrv) entities = NULL;
  const char *kind = NULL;
  gint64 seq = -1;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      (object = vb_json_parse_object (data, length, &error)) == NULL ||
      !vb_json_optional_string (object, "type", &kind, &error) ||
      !vb_json_optional_int (object, "seq", &seq, &error) ||
      !vb_json_optional_strv (object, "entities", &entities, &error))
    {
      g_warning ("Ignoring a malformed live message: %s",
                 error != NULL ? error->message : "not text");
      return;
    }

  if (g_strcmp0 (kind, "hello") == 0)
    {
      g_clear_handle_id (&self->hello_source, g_source_remove);
      self->failures = 0;
      set_error (self, NULL);
      set_state (self, VB_CONNECTION_STATE_ONLINE);
    }
  else if (g_strcmp0 (kind, "changes") == 0)
    g_signal_emit (self, signals[CHANGES], 0, seq, entities);
  else if (g_strcmp0 (kind, "pull") == 0)
    /* The server may have missed notifications: read everything. */
    g_signal_emit (self, signals[CHANGES], 0, seq, NULL);
  else
    g_debug ("Ignoring a live message of type %s", kind);

  if (seq >= 0)
    send_ack (self, seq);
}

static void
closed_cb (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  VbLiveConnection *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);
  g_autoptr(GError) error = NULL;

  g_debug ("Live connection closed with code %u", code);
  if (code == VB_LIVE_CLOSE_UNAUTHENTICATED)
    {
      error = g_error_new_literal (VB_ERROR, VB_ERROR_UNAUTHENTICATED,
                                   soup_websocket_connection_get_close_data (connection) ?: "");
      fail (self, error);
      return;
    }
  if (self->state == VB_CONNECTION_STATE_ONLINE)
    {
      /* It was working a moment ago: one quick attempt before "offline". */
      drop_connection (self);
      self->failures = 0;
      set_state (self, VB_CONNECTION_STATE_RECONNECTING);
      schedule_retry (self);
      return;
    }
  error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       "The server closed the live connection (code %u)", code);
  fail (self, error);
}

static void
error_cb (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  /* "closed" follows; that is where the state changes. */
  g_debug ("Live connection error: %s", error->message);
}

static gboolean
hello_timeout_cb (gpointer user_data)
{
  VbLiveConnection *self = user_data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                "The server did not greet the live connection");

  self->hello_source = 0;
  fail (self, error);
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbLiveConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) connection = NULL;

  connection = vb_api_client_websocket_connect_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->running)
    return;
  if (connection == NULL)
    {
      fail (self, error);
      return;
    }

  self->connection = g_steal_pointer (&connection);
  soup_websocket_connection_set_keepalive_interval (self->connection, KEEPALIVE_SECONDS);
  g_signal_connect (self->connection, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (self->connection, "closed", G_CALLBACK (closed_cb), self);
  g_signal_connect (self->connection, "error", G_CALLBACK (error_cb), self);
  self->hello_source = g_timeout_add_seconds (HELLO_TIMEOUT_SECONDS, hello_timeout_cb, self);
}

static void
connect_now (VbLiveConnection *self)
{
  drop_connection (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  vb_api_client_websocket_connect_async (self->client, VB_LIVE_PATH, self->cancellable,
                                         connect_cb, g_object_ref (self));
}

static void
vb_live_connection_dispose (GObject *object)
{
  VbLiveConnection *self = VB_LIVE_CONNECTION (object);

  vb_live_connection_stop (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (vb_live_connection_parent_class)->dispose (object);
}

static void
vb_live_connection_finalize (GObject *object)
{
  VbLiveConnection *self = VB_LIVE_CONNECTION (object);

  g_clear_error (&self->error);
  G_OBJECT_CLASS (vb_live_connection_parent_class)->finalize (object);
}

static void
vb_live_connection_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  VbLiveConnection *self = VB_LIVE_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_INITIAL_DELAY:
      g_value_set_uint (value, self->initial_delay_ms);
      break;
    case PROP_MAX_DELAY:
      g_value_set_uint (value, self->max_delay_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_live_connection_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  VbLiveConnection *self = VB_LIVE_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY:
      self->initial_delay_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_DELAY:
      self->max_delay_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_live_connection_class_init (VbLiveConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_live_connection_dispose;
  object_class->finalize = vb_live_connection_finalize;
  object_class->get_property = vb_live_connection_get_property;
  object_class->set_property = vb_live_connection_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, VB_TYPE_CONNECTION_STATE, VB_CONNECTION_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INITIAL_DELAY] =
    g_param_spec_uint ("initial-delay", NULL, NULL, 10, G_MAXINT, DEFAULT_INITIAL_DELAY_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_DELAY] =
    g_param_spec_uint ("max-delay", NULL, NULL, 10, G_MAXINT, DEFAULT_MAX_DELAY_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* changes (seq, entities): entities NULL means "read the whole feed". */
  signals[CHANGES] =
    g_signal_new ("changes", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRV);
  signals[SESSION_INVALID] =
    g_signal_new ("session-invalid", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
vb_live_connection_init (VbLiveConnection *self)
{
  self->initial_delay_ms = DEFAULT_INITIAL_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
}

VbLiveConnection *
vb_live_connection_new (VbApiClient *client)
{
  VbLiveConnection *self;

  g_return_val_if_fail (VB_IS_API_CLIENT (client), NULL);

  self = g_object_new (VB_TYPE_LIVE_CONNECTION, NULL);
  self->client = g_object_ref (client);
  return self;
}

void
vb_live_connection_start (VbLiveConnection *self)
{
  g_return_if_fail (VB_IS_LIVE_CONNECTION (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->failures = 0;
  set_error (self, NULL);
  set_state (self, VB_CONNECTION_STATE_CONNECTING);
  connect_now (self);
}

void
vb_live_connection_stop (VbLiveConnection *self)
{
  g_return_if_fail (VB_IS_LIVE_CONNECTION (self));

  give_up (self);
}

gboolean
vb_live_connection_is_running (VbLiveConnection *self)
{
  g_return_val_if_fail (VB_IS_LIVE_CONNECTION (self), FALSE);
  return self->running;
}

VbConnectionState
vb_live_connection_get_state (VbLiveConnection *self)
{
  g_return_val_if_fail (VB_IS_LIVE_CONNECTION (self), VB_CONNECTION_STATE_OFFLINE);
  return self->state;
}

const GError *
vb_live_connection_get_error (VbLiveConnection *self)
{
  g_return_val_if_fail (VB_IS_LIVE_CONNECTION (self), NULL);
  return self->error;
}

guint
vb_live_connection_get_retry_delay (VbLiveConnection *self)
{
  gint64 left;

  g_return_val_if_fail (VB_IS_LIVE_CONNECTION (self), 0);
  if (self->retry_at == 0)
    return 0;
  left = (self->retry_at - g_get_monotonic_time ()) / 1000;
  return left > 0 ? (guint) left : 0;
}
