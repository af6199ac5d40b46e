/* vb-live-hub.c — wake WebSocket clients after commits that concern them.
 *
 * Messages are doorbells ({"type":"changes"} / {"type":"pull"}); clients
 * then read the feed.  Notifications that arrive together are coalesced
 * into one message per client per main-loop turn.  Every message must be
 * acknowledged; a client more than MAX_UNACKED behind is closed (1008), so
 * a slow or stuck reader costs a bounded amount of memory and never holds
 * up anyone else.  libsoup sends WebSocket pings; a client from which
 * nothing has arrived for IDLE_LIMIT is closed as dead.
 */
#include "vb-live-hub.h"
#include "vb-db.h"
#include "vb-principal.h"

#define MAX_UNACKED        100
#define PING_INTERVAL_S    15
#define IDLE_LIMIT_US      (45 * G_TIME_SPAN_SECOND)
#define SWEEP_INTERVAL_S   5
#define MAX_INCOMING_BYTES 4096

typedef struct
{
  char *permission;
  char *location_id;   /* NULL: every location */
} Grant;

typedef struct
{
  int                      ref_count;  /* the hub's list + a pending login */
  VbLiveHub               *hub;        /* unowned */
  SoupWebsocketConnection *connection;
  char                    *user_id;
  GArray                  *grants;     /* Grant; NULL until authenticated */
  guint64                  sent_seq;
  guint64                  acked_seq;
  gint64                   last_seen;
} Client;

typedef struct
{
  char *entity;
  char *location_id;
  char *permission;
} Change;

struct _VbLiveHub
{
  GObject     parent_instance;
  VbDbPool   *pool;
  GPtrArray  *clients;     /* Client*, owned */
  GPtrArray  *pending;     /* Change*, to be sent on the next flush */
  guint       flush_id;
  guint       sweep_id;
};

G_DEFINE_FINAL_TYPE (VbLiveHub, vb_live_hub, G_TYPE_OBJECT)

static void
grant_clear (gpointer data)
{
  Grant *g = data;
  g_free (g->permission);
  g_free (g->location_id);
}

static void
change_free (gpointer data)
{
  Change *c = data;
  g_free (c->entity);
  g_free (c->location_id);
  g_free (c->permission);
  g_free (c);
}

static Client *
client_ref (Client *c)
{
  c->ref_count++;
  return c;
}

static void
client_unref (gpointer data)
{
  Client *c = data;

  if (--c->ref_count > 0)
    return;
  g_signal_handlers_disconnect_by_data (c->connection, c);
  g_clear_object (&c->connection);
  g_free (c->user_id);
  g_clear_pointer (&c->grants, g_array_unref);
  g_free (c);
}

static gpointer
client_ref_copy (gconstpointer src,
                 gpointer      user_data)
{
  return client_ref ((Client *) src);
}

/* A referenced copy of the list: sending may close, and so remove, a client
 * while we iterate. */
static GPtrArray *
snapshot_clients (VbLiveHub *self)
{
  return g_ptr_array_copy (self->clients, client_ref_copy, NULL);
}

static gboolean
client_may_see (Client *c,
                Change *change)
{
  for (guint i = 0; c->grants != NULL && i < c->grants->len; i++)
    {
      Grant *g = &g_array_index (c->grants, Grant, i);

      if (g_str_equal (g->permission, change->permission)
          && (change->location_id == NULL || g->location_id == NULL
              || g_strcmp0 (g->location_id, change->location_id) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
client_close (Client              *c,
              gushort              code,
              const char          *reason)
{
  if (soup_websocket_connection_get_state (c->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->connection, code, reason);
}

static void
client_send (Client     *c,
             const char *type,
             GPtrArray  *entities)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  /* Closing (the peer left, or the server is stopping): libsoup refuses
   * to send on anything but an open connection. */
  if (soup_websocket_connection_get_state (c->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (c->sent_seq - c->acked_seq >= MAX_UNACKED)
    {
      client_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too slow");
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, ++c->sent_seq);
  if (entities != NULL)
    {
      json_builder_set_member_name (b, "entities");
      json_builder_begin_array (b);
      for (guint i = 0; i < entities->len; i++)
        json_builder_add_string_value (b, entities->pdata[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (c->connection, text);
}

static void
client_message_cb (SoupWebsocketConnection *connection,
                   gint                     type,
                   GBytes                  *message,
                   Client                  *c)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);
  g_autofree char *text = g_strndup (data, len);
  gint64 seq;

  c->last_seen = g_get_monotonic_time ();
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  object = json_node_get_object (node);
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), "ack") != 0)
    return;
  seq = json_object_get_int_member_with_default (object, "seq", 0);
  if (seq > (gint64) c->acked_seq && seq <= (gint64) c->sent_seq)
    c->acked_seq = seq;
}

static void
client_pong_cb (SoupWebsocketConnection *connection,
                GBytes                  *message,
                Client                  *c)
{
  c->last_seen = g_get_monotonic_time ();
}

static gboolean
release_client_cb (gpointer data)
{
  client_unref (data);
  return G_SOURCE_REMOVE;
}

/* Released from an idle: not inside the connection's own signal. */
static void
client_closed_cb (SoupWebsocketConnection *connection,
                  Client                  *c)
{
  client_ref (c);   /* for the idle */
  if (c->hub != NULL)
    g_ptr_array_remove_fast (c->hub->clients, c);   /* drops the list's ref */
  c->hub = NULL;
  g_idle_add (release_client_cb, c);
}

static void
add_entity (GPtrArray  *entities,
            const char *entity)
{
  for (guint i = 0; i < entities->len; i++)
    if (g_str_equal (entities->pdata[i], entity))
      return;
  g_ptr_array_add (entities, (gpointer) entity);
}

static gboolean
flush_cb (gpointer data)
{
  VbLiveHub *self = data;
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func (change_free);
  self->flush_id = 0;
  {
    g_autoptr(GPtrArray) clients = snapshot_clients (self);

    for (guint i = 0; i < clients->len; i++)
      {
        Client *c = clients->pdata[i];
        g_autoptr(GPtrArray) entities = g_ptr_array_new ();

        if (c->grants == NULL)
          continue;
        for (guint j = 0; j < pending->len; j++)
          if (client_may_see (c, pending->pdata[j]))
            add_entity (entities, ((Change *) pending->pdata[j])->entity);
        if (entities->len > 0)
          client_send (c, "changes", entities);
      }
  }
  return G_SOURCE_REMOVE;
}

void
vb_live_hub_notify (VbLiveHub  *self,
                    const char *payload)
{
  g_autoptr(JsonNode) node = json_from_string (payload, NULL);
  JsonObject *object;
  Change *change;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_warning ("Ignoring a malformed change notification: %s", payload);
      return;
    }
  object = json_node_get_object (node);
  change = g_new0 (Change, 1);
  change->entity = g_strdup (json_object_get_string_member_with_default (object, "e", ""));
  change->location_id = g_strdup (json_object_get_string_member_with_default (object, "l", NULL));
  change->permission = g_strdup (json_object_get_string_member_with_default (object, "p", ""));
  g_ptr_array_add (self->pending, change);
  if (self->flush_id == 0)
    self->flush_id = g_idle_add (flush_cb, self);
}

void
vb_live_hub_pull_all (VbLiveHub *self)
{
  g_autoptr(GPtrArray) clients = snapshot_clients (self);

  for (guint i = 0; i < clients->len; i++)
    if (((Client *) clients->pdata[i])->grants != NULL)
      client_send (clients->pdata[i], "pull", NULL);
}

void
vb_live_hub_close_all (VbLiveHub *self)
{
  g_autoptr(GPtrArray) clients = snapshot_clients (self);

  for (guint i = 0; i < clients->len; i++)
    client_close (clients->pdata[i], SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
}

guint
vb_live_hub_get_n_clients (VbLiveHub *self)
{
  return self->clients->len;
}

static gboolean
sweep_cb (gpointer data)
{
  VbLiveHub *self = data;
  g_autoptr(GPtrArray) clients = snapshot_clients (self);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < clients->len; i++)
    {
      Client *c = clients->pdata[i];

      if (now - c->last_seen > IDLE_LIMIT_US)
        client_close (c, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "no sign of life");
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------ authentication --- */

typedef struct
{
  char       *token;
  char       *user_id;
  GArray     *grants;
} AuthData;

static void
auth_data_free (AuthData *d)
{
  g_free (d->token);
  g_free (d->user_id);
  g_clear_pointer (&d->grants, g_array_unref);
  g_free (d);
}

static gboolean
load_grants (VbDbConn  *conn,
             AuthData  *d,
             GError   **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "SELECT DISTINCT rp.permission, ra.location_id FROM role_assignments ra"
                 "  JOIN role_permissions rp ON rp.role_id = ra.role_id WHERE ra.user_id = $1::uuid",
                 d->user_id);

  if (res == NULL)
    return FALSE;
  d->grants = g_array_new (FALSE, TRUE, sizeof (Grant));
  g_array_set_clear_func (d->grants, grant_clear);
  for (int row = 0; row < PQntuples (res); row++)
    {
      Grant g = { g_strdup (vb_db_get (res, row, 0)), g_strdup (vb_db_get (res, row, 1)) };
      g_array_append_val (d->grants, g);
    }
  return TRUE;
}

static void
authenticate_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  VbLiveHub *self = source;
  AuthData *d = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbPrincipal) principal = NULL;
  VbDbConn *conn = vb_db_pool_acquire (self->pool, &error);
  gboolean ok = FALSE;

  if (conn != NULL && (principal = vb_principal_load (conn, d->token, &error)) != NULL)
    {
      d->user_id = g_strdup (principal->user_id);
      ok = principal->pending == NULL && load_grants (conn, d, &error);
    }
  vb_db_pool_release (self->pool, conn);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, ok);
}

static void
authenticated_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Client *c = user_data;
  AuthData *d = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) hello = NULL;
  g_autofree char *text = NULL;

  /* The client may have gone while we looked the token up. */
  if (c->hub == NULL)
    {
      client_unref (c);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      client_close (c, 4401, "unauthenticated");
      client_unref (c);
      return;
    }
  c->user_id = g_steal_pointer (&d->user_id);
  c->grants = g_steal_pointer (&d->grants);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "hello");
  json_builder_set_member_name (b, "user_id");
  json_builder_add_string_value (b, c->user_id);
  json_builder_end_object (b);
  hello = json_builder_get_root (b);
  text = json_to_string (hello, FALSE);
  if (soup_websocket_connection_get_state (c->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->connection, text);
  client_unref (c);
}

void
vb_live_hub_add (VbLiveHub               *self,
                 SoupWebsocketConnection *connection,
                 const char              *token)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr(GTask) task = NULL;
  AuthData *d = g_new0 (AuthData, 1);

  c->ref_count = 1;
  task = g_task_new (self, NULL, authenticated_cb, client_ref (c));
  c->hub = self;
  c->connection = g_object_ref (connection);
  c->last_seen = g_get_monotonic_time ();
  g_object_set (connection, "max-incoming-payload-size", (guint64) MAX_INCOMING_BYTES, NULL);
  soup_websocket_connection_set_keepalive_interval (connection, PING_INTERVAL_S);
  g_signal_connect (connection, "message", G_CALLBACK (client_message_cb), c);
  g_signal_connect (connection, "pong", G_CALLBACK (client_pong_cb), c);
  g_signal_connect (connection, "closed", G_CALLBACK (client_closed_cb), c);
  g_ptr_array_add (self->clients, c);
  d->token = g_strdup (token);
  g_task_set_source_tag (task, vb_live_hub_add);
  g_task_set_task_data (task, d, (GDestroyNotify) auth_data_free);
  g_task_run_in_thread (task, authenticate_thread);
}

/* -------------------------------------------------------------- object --- */

static void
vb_live_hub_dispose (GObject *object)
{
  VbLiveHub *self = VB_LIVE_HUB (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  for (guint i = 0; self->clients != NULL && i < self->clients->len; i++)
    ((Client *) self->clients->pdata[i])->hub = NULL;
  g_clear_pointer (&self->clients, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (vb_live_hub_parent_class)->dispose (object);
}

static void
vb_live_hub_class_init (VbLiveHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_live_hub_dispose;
}

static void
vb_live_hub_init (VbLiveHub *self)
{
  self->clients = g_ptr_array_new_with_free_func (client_unref);
  self->pending = g_ptr_array_new_with_free_func (change_free);
  self->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_S, sweep_cb, self);
}

VbLiveHub *
vb_live_hub_new (VbDbPool *pool)
{
  VbLiveHub *self = g_object_new (VB_TYPE_LIVE_HUB, NULL);

  self->pool = g_object_ref (pool);
  return self;
}
