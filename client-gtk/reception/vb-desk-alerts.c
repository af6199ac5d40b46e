/* vb-desk-alerts.c — the desk's in-app announcements: a customer's reply
 * arrived ("Reply from Minh Nguyen"), a car is ready ("Vehicle ready:
 * 51K-123.45").  The desktop notifications for the same events come from
 * the client library's VbNotifier; this mirrors them inside the window,
 * where a toast can open the thread or the work order.
 *
 * Decided like VbNotifier does: from the cache's ::changed, only once the
 * sync engine has caught up (so the initial sync and what the cache held
 * at start announce nothing), and a work order turning ready only when
 * the server's row says so and this desk has no change of it waiting in
 * the outbox (one's own changes are not news).  An inbound message is
 * never one's own.
 */
#include "vb-desk-alerts.h"
#include "vb-cache.h"
#include "vb-record.h"
#include "vb-sync-engine.h"

#include <glib/gi18n.h>

struct _VbDeskAlerts
{
  GObject       parent_instance;

  VbClient     *client;
  VbCache      *cache;
  VbSyncEngine *engine;
  GHashTable   *seen_inbound;   /* ids of inbound messages seen */
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

static void
scan_inbound (VbDeskAlerts *self,
              gboolean      fire)
{
  g_autoptr(GPtrArray) rows = vb_cache_list (self->cache, "inbound_messages", NULL, "received_at", FALSE, 0);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *customer_id = str (row, "customer_id");
      g_autoptr(JsonObject) customer = NULL;
      g_autofree char *name = NULL;
      g_autofree char *title = NULL;

      if (str (row, "id") == NULL || !g_hash_table_add (self->seen_inbound, g_strdup (str (row, "id"))))
        continue;
      if (!fire || customer_id == NULL)
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
scan_work_orders (VbDeskAlerts *self,
                  gboolean      fire)
{
  g_autoptr(GPtrArray) rows = vb_cache_list (self->cache, "work_orders", NULL, NULL, FALSE, 0);
  g_autoptr(GHashTable) ready = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = str (row, "id");
      g_autoptr(JsonObject) server_row = NULL;
      g_autoptr(JsonObject) vehicle = NULL;
      g_autofree char *what = NULL;
      g_autofree char *title = NULL;

      if (id == NULL || !is_ready (row))
        continue;
      g_hash_table_add (ready, g_strdup (id));
      if (!fire || g_hash_table_contains (self->ready, id))
        continue;
      server_row = vb_cache_get_server_row (self->cache, "work_orders", id);
      if (!is_ready (server_row) || vb_cache_has_outbox_entry (self->cache, "work_orders", id))
        continue;
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
  g_hash_table_unref (self->ready);
  self->ready = g_steal_pointer (&ready);
}

static void
cache_changed_cb (VbDeskAlerts       *self,
                  const char * const *entities)
{
  gboolean fire = armed (self);

  if (entities == NULL || g_strv_contains (entities, "inbound_messages"))
    scan_inbound (self, fire);
  if (entities == NULL || g_strv_contains (entities, "work_orders"))
    scan_work_orders (self, fire);
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
  g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
  /* What the cache holds now is not news. */
  scan_inbound (self, FALSE);
  scan_work_orders (self, FALSE);
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
  set_cache (self);
}

static void
vb_desk_alerts_dispose (GObject *object)
{
  VbDeskAlerts *self = VB_DESK_ALERTS (object);

  vb_desk_alerts_set_client (self, NULL);
  g_clear_object (&self->engine);
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
  self->seen_inbound = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ready = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

VbDeskAlerts *
vb_desk_alerts_new (void)
{
  return g_object_new (VB_TYPE_DESK_ALERTS, NULL);
}
