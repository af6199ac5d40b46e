/* vb-client.c — the context object an app hands to its widgets.
 *
 * As GNOME Calendar's GcalContext: one object owns the services (REST client,
 * pin store, live connection) and the current session, so widgets take one
 * pointer and follow its properties.  It also owns the session's lifecycle:
 * saved to the keyring when complete, restored from it on start, and ended —
 * keyring cleared, live connection stopped — when the server no longer
 * accepts the token, whichever path (REST 401 or WebSocket close 4401)
 * notices first.
 *
 * Once the session's user id is known (from /me, or remembered in the
 * keyring, so a desk started without the server still has its cache and
 * outbox) it also opens that user's offline cache and runs a VbSyncEngine
 * on it, and a VbNotifier once /me has told the user's locations; they go
 * with the session.  The engine itself treats a 401 as "try again later" (a token
 * may be refused for a moment while a server restarts), so it is this
 * object, which sees the session end, that stops it.  The cache file stays
 * on disk: its outbox is the user's work, reopened at the next sign-in of
 * the same user on the same server.
 */
#include "vb-client.h"
#include "vb-api-client.h"
#include "vb-client-error.h"
#include "vb-cache.h"
#include "vb-live-connection.h"
#include "vb-notifier.h"
#include "vb-pin-store.h"
#include "vb-secret-store.h"
#include "vb-session.h"
#include "vb-sync-engine.h"

#include "vb-error.h"

struct _VbClient
{
  GObject           parent_instance;
  char             *application_id;
  VbPinStore       *pins;
  VbApiClient      *api;
  VbLiveConnection *live;
  VbSession        *session;
  GCancellable     *cancellable;

  VbCache          *cache;
  VbSyncEngine     *engine;
  VbNotifier       *notifier;
  GHashTable       *disabled_rules; /* notification rules turned off */
  gboolean          can_reach_server;
};

G_DEFINE_FINAL_TYPE (VbClient, vb_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CACHE,
  PROP_SYNC_ENGINE,
  PROP_CAN_REACH_SERVER,
  N_PROPS
};

enum {
  SESSION_ENDED,
  CERTIFICATE_REFUSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void background_refresh_cb (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);

/* The server can be asked something right now: the live connection has
 * been greeted with this session's token. */
static void
update_can_reach_server (VbClient *self)
{
  gboolean can = self->session != NULL &&
                 vb_live_connection_get_state (self->live) == VB_CONNECTION_STATE_ONLINE;

  if (can == self->can_reach_server)
    return;
  self->can_reach_server = can;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REACH_SERVER]);
}

/* Drops the engine, notifier and cache; the file stays (see the top). */
static void
stop_sync (VbClient *self)
{
  if (self->cache == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  vb_sync_engine_stop (self->engine);
  g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->notifier);
  g_clear_object (&self->engine);
  g_clear_object (&self->cache);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ENGINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
engine_caught_up_cb (VbSyncEngine *engine,
                     GParamSpec   *pspec,
                     VbClient     *self)
{
  /* Only news after the first catch-up notifies, not the backlog. */
  if (vb_sync_engine_get_caught_up (engine) && self->notifier != NULL)
    vb_notifier_arm (self->notifier);
}

/* The user's locations from /me ("roles"[].location_id), or NULL when one
 * role is not tied to a location (the notifier then takes every one). */
static GStrv
dup_location_ids (JsonObject *user)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (user, "roles");
  JsonArray *roles;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  roles = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonNode *element = json_array_get_element (roles, i);
      const char *location_id;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      location_id = json_object_get_string_member_with_default (json_node_get_object (element),
                                                                "location_id", NULL);
      if (location_id == NULL)
        return NULL;
      g_strv_builder_add (builder, location_id);
    }
  return g_strv_builder_end (builder);
}

/* The notifier needs the user's locations, so it waits for /me; made
 * after the catch-up, it is armed at once (what the cache holds then
 * counts as seen). */
static void
ensure_notifier (VbClient *self)
{
  g_auto(GStrv) location_ids = NULL;
  JsonObject *user;

  if (self->notifier != NULL || self->cache == NULL ||
      (user = vb_session_get_user (self->session)) == NULL)
    return;
  location_ids = dup_location_ids (user);
  self->notifier = vb_notifier_new (self->cache, self->application_id,
                                    vb_session_get_user_id (self->session),
                                    (const char * const *) location_ids);
  {
    GHashTableIter iter;
    const char *rule;

    g_hash_table_iter_init (&iter, self->disabled_rules);
    while (g_hash_table_iter_next (&iter, (gpointer *) &rule, NULL))
      vb_notifier_set_rule_enabled (self->notifier, rule, FALSE);
  }
  if (vb_sync_engine_get_caught_up (self->engine))
    vb_notifier_arm (self->notifier);
}

/* Opens the signed-in user's cache and starts syncing it, once the user id
 * is known (the cache is per server and user). */
static void
start_sync (VbClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbCache) cache = NULL;
  g_autofree char *path = NULL;
  const char *user_id;

  if (self->session == NULL || (user_id = vb_session_get_user_id (self->session)) == NULL)
    return;
  path = vb_cache_default_path (vb_api_client_get_server_key (self->api), user_id);
  /* A /me refresh of the same user keeps what runs. */
  if (self->cache != NULL && g_strcmp0 (vb_cache_get_path (self->cache), path) == 0)
    {
      ensure_notifier (self);
      return;
    }
  stop_sync (self);

  /* Synchronous, on the main thread: VbCache is used on the thread that
   * opened it, and opening is one small file and its migrations. */
  cache = vb_cache_open (path, &error);
  if (cache == NULL)
    {
      /* Nothing to return the error to: the app works on, online only. */
      g_warning ("Could not open the offline cache %s: %s", path, error->message);
      return;
    }
  g_object_freeze_notify (G_OBJECT (self));
  self->cache = g_steal_pointer (&cache);
  self->engine = vb_sync_engine_new (self->api, self->cache, self->live);
  ensure_notifier (self);
  g_signal_connect (self->engine, "notify::caught-up", G_CALLBACK (engine_caught_up_cb), self);
  vb_sync_engine_start (self->engine);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ENGINE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
session_user_cb (VbSession  *session,
                 GParamSpec *pspec,
                 VbClient   *self)
{
  start_sync (self);
}

static void
set_session (VbClient  *self,
             VbSession *session)
{
  if (self->session == session)
    return;
  /* The engine must not send the old token, nor the new session's requests
   * go into the old user's cache. */
  stop_sync (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, session_user_cb, self);
  g_set_object (&self->session, session);
  vb_api_client_set_token (self->api, session != NULL ? vb_session_get_token (session) : NULL);
  if (session != NULL)
    g_signal_connect (session, "notify::user", G_CALLBACK (session_user_cb), self);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  update_can_reach_server (self);
  g_object_thaw_notify (G_OBJECT (self));
  start_sync (self);
}

static void
live_state_cb (VbLiveConnection *live,
               GParamSpec       *pspec,
               VbClient         *self)
{
  update_can_reach_server (self);
  /* Restored from the keyring while the server was away: /me (and with it
   * the cache) could not be had then; it can now. */
  if (self->session != NULL && vb_session_get_user (self->session) == NULL &&
      vb_live_connection_get_state (live) == VB_CONNECTION_STATE_ONLINE)
    vb_client_refresh_user_async (self, self->cancellable, background_refresh_cb, NULL);
}

static void
clear_keyring_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!vb_secret_store_clear_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not remove the session from the keyring: %s", error->message);
}

/* The server refused the token: the session is over. */
static void
end_session (VbClient     *self,
             const GError *reason)
{
  if (self->session == NULL)
    return;
  vb_live_connection_stop (self->live);
  vb_secret_store_clear_async (self->application_id, NULL, clear_keyring_cb, NULL);
  set_session (self, NULL);
  g_signal_emit (self, signals[SESSION_ENDED], 0, reason);
}

static void
live_session_invalid_cb (VbLiveConnection *live,
                         VbClient         *self)
{
  end_session (self, vb_live_connection_get_error (live));
}

static void
live_error_cb (VbLiveConnection *live,
               GParamSpec       *pspec,
               VbClient         *self)
{
  const GError *error = vb_live_connection_get_error (live);

  if (error != NULL && error->domain == VB_CLIENT_ERROR &&
      (error->code == VB_CLIENT_ERROR_CERTIFICATE_CHANGED ||
       error->code == VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED))
    {
      /* The live connection has stopped trying; the engine would go on
       * (it counts TLS failures as transient).  It keeps its cache, so the
       * indicator still counts what waits; a new sign-in starts afresh. */
      if (self->engine != NULL)
        vb_sync_engine_stop (self->engine);
      g_signal_emit (self, signals[CERTIFICATE_REFUSED], 0, error);
    }
}

static void
vb_client_dispose (GObject *object)
{
  VbClient *self = VB_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  stop_sync (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, session_user_cb, self);
  if (self->live != NULL)
    vb_live_connection_stop (self->live);
  g_clear_object (&self->live);
  g_clear_object (&self->session);
  g_clear_object (&self->api);
  g_clear_object (&self->pins);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (vb_client_parent_class)->dispose (object);
}

static void
vb_client_finalize (GObject *object)
{
  VbClient *self = VB_CLIENT (object);

  g_clear_pointer (&self->application_id, g_free);
  g_clear_pointer (&self->disabled_rules, g_hash_table_unref);
  G_OBJECT_CLASS (vb_client_parent_class)->finalize (object);
}

static void
vb_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  VbClient *self = VB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_SYNC_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_CAN_REACH_SERVER:
      g_value_set_boolean (value, self->can_reach_server);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_client_class_init (VbClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_client_dispose;
  object_class->finalize = vb_client_finalize;
  object_class->get_property = vb_client_get_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, VB_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The signed-in user's offline cache, or NULL (signed out, or the user
   * id not known yet). */
  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, VB_TYPE_CACHE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The running sync engine of that cache, or NULL with it. */
  properties[PROP_SYNC_ENGINE] =
    g_param_spec_object ("sync-engine", NULL, NULL, VB_TYPE_SYNC_ENGINE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Signed in and the live connection is online: what needs the server at
   * once (payments, invoice numbers, availability) binds its sensitivity
   * to this. */
  properties[PROP_CAN_REACH_SERVER] =
    g_param_spec_boolean ("can-reach-server", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* session-ended (reason): the server no longer accepts the token. */
  signals[SESSION_ENDED] =
    g_signal_new ("session-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* certificate-refused (error): the server's certificate is not the pinned
   * one; nothing more is sent to it until the user acts. */
  signals[CERTIFICATE_REFUSED] =
    g_signal_new ("certificate-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
vb_client_init (VbClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->disabled_rules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
vb_client_set_notification_enabled (VbClient   *self,
                                    const char *rule_id,
                                    gboolean    enabled)
{
  g_return_if_fail (VB_IS_CLIENT (self));
  g_return_if_fail (rule_id != NULL && g_strv_contains (vb_notifier_list_rules (), rule_id));

  if (enabled)
    g_hash_table_remove (self->disabled_rules, rule_id);
  else
    g_hash_table_add (self->disabled_rules, g_strdup (rule_id));
  if (self->notifier != NULL)
    vb_notifier_set_rule_enabled (self->notifier, rule_id, enabled);
}

VbClient *
vb_client_new (const char *application_id,
               VbPinStore *pins)
{
  VbClient *self;

  g_return_val_if_fail (application_id != NULL, NULL);
  g_return_val_if_fail (VB_IS_PIN_STORE (pins), NULL);

  self = g_object_new (VB_TYPE_CLIENT, NULL);
  self->application_id = g_strdup (application_id);
  self->pins = g_object_ref (pins);
  self->api = vb_api_client_new (pins);
  self->live = vb_live_connection_new (self->api);
  g_signal_connect_object (self->live, "session-invalid",
                           G_CALLBACK (live_session_invalid_cb), self, 0);
  g_signal_connect_object (self->live, "notify::error", G_CALLBACK (live_error_cb), self, 0);
  g_signal_connect_object (self->live, "notify::state", G_CALLBACK (live_state_cb), self, 0);
  return self;
}

const char *
vb_client_get_application_id (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->application_id;
}

VbApiClient *
vb_client_get_api (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->api;
}

VbPinStore *
vb_client_get_pin_store (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->pins;
}

VbLiveConnection *
vb_client_get_live (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->live;
}

VbSession *
vb_client_get_session (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->session;
}

VbCache *
vb_client_get_cache (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->cache;
}

VbSyncEngine *
vb_client_get_sync_engine (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), NULL);
  return self->engine;
}

gboolean
vb_client_get_can_reach_server (VbClient *self)
{
  g_return_val_if_fail (VB_IS_CLIENT (self), FALSE);
  return self->can_reach_server;
}

/* refresh_user */

static void
me_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VbClient *self = g_task_get_source_object (task);
  VbSession *session = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (reply != NULL && !JSON_NODE_HOLDS_OBJECT (reply))
    error = g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                                 "GET /me did not answer an object");
  if (error == NULL)
    vb_session_set_user (session, json_node_get_object (reply), &error);
  if (error != NULL)
    {
      /* Only if it is still the same session that the server refused. */
      if (session == self->session && g_error_matches (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED))
        end_session (self, error);
      else if (session == self->session && error->domain == VB_CLIENT_ERROR &&
               error->code != VB_CLIENT_ERROR_PROTOCOL)
        g_signal_emit (self, signals[CERTIFICATE_REFUSED], 0, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
vb_client_refresh_user_async (VbClient            *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VB_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_client_refresh_user_async);
  if (self->session == NULL)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "Not signed in");
      return;
    }
  g_task_set_task_data (task, g_object_ref (self->session), g_object_unref);
  vb_api_client_request_async (self->api, "GET", "/api/v1/me", NULL, cancellable,
                               me_cb, g_steal_pointer (&task));
}

gboolean
vb_client_refresh_user_finish (VbClient      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_client_refresh_user_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
background_refresh_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Failures are handled in me_cb; offline is not an error here. */
  if (!vb_client_refresh_user_finish (VB_CLIENT (object), result, &error))
    g_debug ("Could not refresh /me: %s", error->message);
}

static void
go_live (VbClient  *self,
         VbSession *session)
{
  g_autoptr(GError) error = NULL;

  if (!vb_api_client_set_server (self->api, vb_session_get_server_url (session), &error))
    {
      g_warning ("Ignoring a session for %s: %s", vb_session_get_server_url (session),
                 error->message);
      return;
    }
  vb_live_connection_stop (self->live);
  set_session (self, session);
  vb_live_connection_start (self->live);
  if (vb_session_get_user (session) == NULL)
    vb_client_refresh_user_async (self, self->cancellable, background_refresh_cb, NULL);
}

/* restore */

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VbClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbSession) session = NULL;

  session = vb_secret_store_load_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (session == NULL)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  go_live (self, session);
  g_task_return_boolean (task, self->session == session);
}

void
vb_client_restore_async (VbClient            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VB_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_client_restore_async);
  vb_secret_store_load_async (self->application_id, cancellable, load_cb, g_steal_pointer (&task));
}

gboolean
vb_client_restore_finish (VbClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_client_restore_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* begin */

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!vb_secret_store_save_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* The session works; only the next start will ask to sign in again. */
    g_warning ("Could not keep the session in the keyring: %s", error->message);
}

void
vb_client_begin_session (VbClient  *self,
                         VbSession *session)
{
  g_return_if_fail (VB_IS_CLIENT (self));
  g_return_if_fail (VB_IS_SESSION (session));
  g_return_if_fail (vb_session_get_pending (session) == VB_SESSION_PENDING_NONE);

  vb_secret_store_save_async (self->application_id, session, self->cancellable, save_cb, NULL);
  go_live (self, session);
}

/* log out */

static void
log_out_clear_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!vb_secret_store_clear_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
logout_request_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  VbClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (reply == NULL)
    g_debug ("Could not revoke the session on the server: %s", error->message);
  vb_secret_store_clear_async (self->application_id, cancellable,
                               log_out_clear_cb, g_steal_pointer (&task));
}

void
vb_client_log_out_async (VbClient            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VB_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_client_log_out_async);
  vb_live_connection_stop (self->live);
  if (self->session == NULL)
    {
      vb_secret_store_clear_async (self->application_id, cancellable, log_out_clear_cb,
                                   g_steal_pointer (&task));
      return;
    }
  /* The request carries the token; the session is dropped locally at once. */
  vb_api_client_request_async (self->api, "POST", "/api/v1/auth/logout", NULL, cancellable,
                               logout_request_cb, g_steal_pointer (&task));
  set_session (self, NULL);
}

gboolean
vb_client_log_out_finish (VbClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_client_log_out_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
