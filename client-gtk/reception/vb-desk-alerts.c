/* vb-desk-alerts.c — the desk's in-app announcements: a customer's reply
 * arrived ("Reply from Minh Nguyen"), a car is ready ("Vehicle ready:
 * 51K-123.45").  The desktop notifications for the same events come from
 * the client library's VbNotifier; this mirrors them inside the window,
 * where a toast can open the thread or the work order.  Each kind can be
 * turned off in Preferences (the notify-* keys of io.github.voltbay.Reception).
 *
 * Decided like VbNotifier does, only once the sync engine has caught up
 * (so the initial sync and what the cache held at start announce
 * nothing), and only for what the server's row says and this desk has no
 * change of waiting in the outbox (one's own changes are not news).
 *
 * Cost: the cache may hold 100,000 work orders and messages, so nothing
 * here re-reads an entity.  The cache's ::records-changed names the
 * records a commit touched; only those are read (vb_cache_get_many).
 * What must be remembered between changes is small: the ids of the work
 * orders that are ready now (seeded at start from the cache, filtered in
 * SQL) and the messages already announced or seen before arming.  A
 * message is new when its server row is the first version (version 1):
 * one held at start, filed to a customer later or erased has a later
 * version — rejected: seeding a set of every message id at start, which
 * reads the whole entity.
 */
#include "vb-desk-alerts.h"
#include "vb-cache.h"
#include "vb-reception-application.h"
#include "vb-record.h"
#include "vb-sync-engine.h"

#include <glib/gi18n.h>

struct _VbDeskAlerts
{
  GObject       parent_instance;

  VbClient     *client;
  VbCache      *cache;
  VbSyncEngine *engine;
  GSettings    *settings;
  GHashTable   *seen_inbound;   /* ids of inbound messages announced or seen before arming */
  GHashTable   *ready;          /* ids of work orders that are ready */
};

G_DEFINE_FINAL_TYPE (VbDeskAlerts, vb_desk_alerts, G_TYPE_OBJECT)

enum
{
  ALERT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
armed (VbDeskAlerts *self)
{
  return self->engine != NULL && vb_sync_engine_get_caught_up (self->engine);
}

static const char *
str (JsonObject *row,
     const char *member)
{
  return json_object_get_string_member_with_default (row, member, NULL);
}

static gboolean
wanted (VbDeskAlerts *self,
        const char   *key)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, key);
}

/* A reply from a known customer, first seen now, not one's own filing. */
static gboolean
is_new_reply (VbDeskAlerts *self,
              const char   *id)
{
  g_autoptr(JsonObject) server_row = vb_cache_get_server_row (self->cache, "inbound_messages", id);

  return server_row != NULL && str (server_row, "customer_id") != NULL &&
         json_object_get_int_member_with_default (server_row, "version", 0) == 1 &&
         !vb_cache_has_outbox_entry (self->cache, "inbound_messages", id);
}

static void
inbound_changed (VbDeskAlerts       *self,
                 const char * const *ids,
                 gboolean            fire)
{
  g_autoptr(GPtrArray) rows = NULL;

  if (!fire)
    {
      for (guint i = 0; ids[i] != NULL; i++)
        g_hash_table_add (self->seen_inbound, g_strdup (ids[i]));
      return;
    }
  rows = vb_cache_get_many (self->cache, "inbound_messages", NULL, ids);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = str (row, "id");
      const char *customer_id = str (row, "customer_id");
      g_autoptr(JsonObject) customer = NULL;
      g_autofree char *name = NULL;
      g_autofree char *title = NULL;

      if (id == NULL || customer_id == NULL || g_hash_table_contains (self->seen_inbound, id))
        continue;
      if (!is_new_reply (self, id))
        continue;
      g_hash_table_add (self->seen_inbound, g_strdup (id));
      if (!wanted (self, "notify-customer-replies"))
        continue;
      customer = vb_cache_get (self->cache, "customers", customer_id);
      name = customer != NULL ? vb_record_title_for_row ("customers", customer) : NULL;
      /* Translators: a toast; %s is the customer's name */
      title = g_strdup_printf (_("Reply from %s"), name != NULL ? name : _("a customer"));
      g_signal_emit (self, signals[ALERT], 0, title, "conversations", customer_id);
    }
}

static gboolean
is_ready (JsonObject *row)
{
  return row != NULL && g_strcmp0 (str (row, "status"), "ready") == 0;
}

static void
announce_ready (VbDeskAlerts *self,
                JsonObject   *row)
{
  const char *id = str (row, "id");
  g_autoptr(JsonObject) server_row = vb_cache_get_server_row (self->cache, "work_orders", id);
  g_autoptr(JsonObject) vehicle = NULL;
  g_autofree char *what = NULL;
  g_autofree char *title = NULL;

  if (!is_ready (server_row) || vb_cache_has_outbox_entry (self->cache, "work_orders", id))
    return;
  if (!wanted (self, "notify-vehicles-ready"))
    return;
  vehicle = str (row, "vehicle_id") != NULL ? vb_cache_get (self->cache, "vehicles", str (row, "vehicle_id"))
                                            : NULL;
  if (vehicle != NULL && str (vehicle, "plate") != NULL && str (vehicle, "plate")[0] != '\0')
    what = g_strdup (str (vehicle, "plate"));
  else
    what = vb_record_title_for_row ("work_orders", row);
  /* Translators: a toast; %s is the car's plate (or the work order) */
  title = g_strdup_printf (_("Vehicle ready: %s"), what);
  g_signal_emit (self, signals[ALERT], 0, title, "work_orders", id);
}

static void
work_orders_changed (VbDeskAlerts       *self,
                     const char * const *ids,
                     gboolean            fire)
{
  g_autoptr(GPtrArray) rows = vb_cache_get_many (self->cache, "work_orders", NULL, ids);
  g_autoptr(GHashTable) now_ready = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = str (row, "id");

      if (id == NULL || !is_ready (row))
        continue;
      g_hash_table_add (now_ready, (gpointer) id);
      if (g_hash_table_contains (self->ready, id))
        continue;
      g_hash_table_add (self->ready, g_strdup (id));
      if (fire)
        announce_ready (self, row);
    }
  /* Changed and not ready (any more), or gone. */
  for (guint i = 0; ids[i] != NULL; i++)
    if (!g_hash_table_contains (now_ready, ids[i]))
      g_hash_table_remove (self->ready, ids[i]);
}

static void
records_changed_cb (VbDeskAlerts       *self,
                    const char         *entity,
                    const char * const *ids)
{
  if (ids == NULL || ids[0] == NULL)
    return;
  if (g_str_equal (entity, "inbound_messages"))
    inbound_changed (self, ids, armed (self));
  else if (g_str_equal (entity, "work_orders"))
    work_orders_changed (self, ids, armed (self));
}

/* What the cache holds now is not news: the ready work orders (few, and
 * found by the cache's SQL) are remembered; messages need nothing (see
 * the top). */
static void
seed (VbDeskAlerts *self)
{
  g_autoptr(GPtrArray) rows = vb_cache_list_where (self->cache, "work_orders", NULL, "status", "ready",
                                                   NULL, FALSE, 0);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const char *id = str (g_ptr_array_index (rows, i), "id");

      if (id != NULL)
        g_hash_table_add (self->ready, g_strdup (id));
    }
}

static void
set_cache (VbDeskAlerts *self)
{
  VbCache *cache = self->client != NULL ? vb_client_get_cache (self->client) : NULL;
  VbSyncEngine *engine = self->client != NULL ? vb_client_get_sync_engine (self->client) : NULL;

  g_set_object (&self->engine, engine);
  if (self->cache == cache)
    return;
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  g_hash_table_remove_all (self->seen_inbound);
  g_hash_table_remove_all (self->ready);
  if (cache == NULL)
    return;
  g_signal_connect_object (cache, "records-changed", G_CALLBACK (records_changed_cb), self, G_CONNECT_SWAPPED);
  seed (self);
}

/* The preferences' notify-* keys and the desktop notifier's rules. */
static const struct
{
  const char *key;
  const char *rule;
} notify_rules[] = {
  { "notify-customer-replies", "customer-replied" },
  { "notify-vehicles-ready", "vehicle-ready" },
  { "notify-bookings-by-others", "new-booking" },
};

/* The desktop notifications follow the same choices as the toasts. */
static void
apply_notify_settings (VbDeskAlerts *self)
{
  if (self->client == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (notify_rules); i++)
    vb_client_set_notification_enabled (self->client, notify_rules[i].rule,
                                        wanted (self, notify_rules[i].key));
}

void
vb_desk_alerts_set_client (VbDeskAlerts *self,
                           VbClient     *client)
{
  g_return_if_fail (VB_IS_DESK_ALERTS (self));

  if (self->client == client)
    return;
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (set_cache), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::sync-engine", G_CALLBACK (set_cache), self, G_CONNECT_SWAPPED);
    }
  apply_notify_settings (self);
  set_cache (self);
}

static void
vb_desk_alerts_dispose (GObject *object)
{
  VbDeskAlerts *self = VB_DESK_ALERTS (object);

  vb_desk_alerts_set_client (self, NULL);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (vb_desk_alerts_parent_class)->dispose (object);
}

static void
vb_desk_alerts_finalize (GObject *object)
{
  VbDeskAlerts *self = VB_DESK_ALERTS (object);

  g_hash_table_unref (self->seen_inbound);
  g_hash_table_unref (self->ready);
  G_OBJECT_CLASS (vb_desk_alerts_parent_class)->finalize (object);
}

static void
vb_desk_alerts_class_init (VbDeskAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_desk_alerts_dispose;
  object_class->finalize = vb_desk_alerts_finalize;

  signals[ALERT] = g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
vb_desk_alerts_init (VbDeskAlerts *self)
{
  self->settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (apply_notify_settings), self,
                           G_CONNECT_SWAPPED);
  self->seen_inbound = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ready = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

VbDeskAlerts *
vb_desk_alerts_new (void)
{
  return g_object_new (VB_TYPE_DESK_ALERTS, NULL);
}
