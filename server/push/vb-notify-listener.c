/* vb-notify-listener.c — the bridge from PostgreSQL NOTIFY to the main loop.
 *
 * A thread owns one libpq connection that does nothing but LISTEN: it polls
 * the socket (and a GCancellable's fd, to stop promptly), drains
 * notifications and hands each to the main context.  When the connection
 * drops — a restart, pg_terminate_backend — it reconnects with back-off and
 * reports "connected" with after_loss set: notifications sent meanwhile are
 * gone, so the hub tells every client to pull.  The feed is the truth; this
 * is only a doorbell.
 */
#include "vb-notify-listener.h"

#include <gio/gio.h>

#include <libpq-fe.h>
#include <poll.h>
#include <string.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct _VbNotifyListener
{
  GObject       parent_instance;
  char         *conninfo;
  char         *channel;
  GMainContext *context;
  GCancellable *cancellable;
  GThread      *thread;
  gint          connected;   /* atomic */
};

G_DEFINE_FINAL_TYPE (VbNotifyListener, vb_notify_listener, G_TYPE_OBJECT)

enum { NOTIFIED, CONNECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  VbNotifyListener *self;
  char             *payload;    /* NULL: a "connected" event */
  gboolean          after_loss;
} Event;

static gboolean
emit_on_loop (gpointer data)
{
  Event *e = data;

  if (e->payload != NULL)
    g_signal_emit (e->self, signals[NOTIFIED], 0, e->payload);
  else
    g_signal_emit (e->self, signals[CONNECTED], 0, e->after_loss);
  g_object_unref (e->self);
  g_free (e->payload);
  g_free (e);
  return G_SOURCE_REMOVE;
}

static void
post (VbNotifyListener *self,
      const char       *payload,
      gboolean          after_loss)
{
  Event *e = g_new0 (Event, 1);

  e->self = g_object_ref (self);
  e->payload = g_strdup (payload);
  e->after_loss = after_loss;
  g_main_context_invoke (self->context, emit_on_loop, e);
}

/* Sleeps, but returns at once when stopped. */
static gboolean
wait_or_stop (VbNotifyListener *self,
              int               pg_fd,
              int               timeout_ms)
{
  struct pollfd fds[2] = {
    { g_cancellable_get_fd (self->cancellable), POLLIN, 0 },
    { pg_fd, POLLIN, 0 },
  };

  poll (fds, pg_fd >= 0 ? 2 : 1, timeout_ms);
  return !g_cancellable_is_cancelled (self->cancellable);
}

static PGconn *
connect_and_listen (VbNotifyListener *self)
{
  const char *keys[] = { "dbname", "application_name", NULL };
  const char *values[] = { self->conninfo, "voltbay-listener", NULL };
  PGconn *pg = PQconnectdbParams (keys, values, TRUE);
  g_autofree char *channel = NULL;
  g_autofree char *sql = NULL;
  PGresult *res;
  gboolean ok;

  if (PQstatus (pg) != CONNECTION_OK)
    {
      g_debug ("LISTEN connection failed: %s", PQerrorMessage (pg));
      PQfinish (pg);
      return NULL;
    }
  /* LISTEN takes no parameters; the channel is a fixed identifier of ours,
   * quoted by libpq all the same. */
  channel = PQescapeIdentifier (pg, self->channel, strlen (self->channel));
  sql = g_strconcat ("LISTEN ", channel, NULL);
  res = PQexec (pg, sql);
  ok = PQresultStatus (res) == PGRES_COMMAND_OK;
  PQclear (res);
  if (!ok)
    {
      PQfinish (pg);
      return NULL;
    }
  return pg;
}

static gboolean
drain (VbNotifyListener *self,
       PGconn           *pg)
{
  PGnotify *n;

  if (!PQconsumeInput (pg))
    return FALSE;
  while ((n = PQnotifies (pg)) != NULL)
    {
      post (self, n->extra, FALSE);
      PQfreemem (n);
    }
  return PQstatus (pg) == CONNECTION_OK;
}

static gpointer
listen_thread (gpointer data)
{
  VbNotifyListener *self = data;
  gboolean ever = FALSE;
  int backoff = BACKOFF_MIN_MS;

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      PGconn *pg = connect_and_listen (self);

      if (pg == NULL)
        {
          wait_or_stop (self, -1, backoff);
          backoff = MIN (backoff * 2, BACKOFF_MAX_MS);
          continue;
        }
      backoff = BACKOFF_MIN_MS;
      g_atomic_int_set (&self->connected, TRUE);
      post (self, NULL, ever);
      if (ever)
        g_message ("LISTEN connection re-established; clients will pull");
      ever = TRUE;
      while (wait_or_stop (self, PQsocket (pg), 1000) && drain (self, pg))
        ;
      g_atomic_int_set (&self->connected, FALSE);
      if (!g_cancellable_is_cancelled (self->cancellable))
        g_warning ("LISTEN connection lost: %s", PQerrorMessage (pg));
      PQfinish (pg);
    }
  return NULL;
}

static void
vb_notify_listener_finalize (GObject *object)
{
  VbNotifyListener *self = VB_NOTIFY_LISTENER (object);

  g_assert (self->thread == NULL);
  g_free (self->conninfo);
  g_free (self->channel);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (vb_notify_listener_parent_class)->finalize (object);
}

static void
vb_notify_listener_class_init (VbNotifyListenerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_notify_listener_finalize;
  signals[NOTIFIED] = g_signal_new ("notified", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
vb_notify_listener_init (VbNotifyListener *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
}

VbNotifyListener *
vb_notify_listener_new (const char *conninfo,
                        const char *channel)
{
  VbNotifyListener *self = g_object_new (VB_TYPE_NOTIFY_LISTENER, NULL);

  self->conninfo = g_strdup (conninfo);
  self->channel = g_strdup (channel);
  return self;
}

void
vb_notify_listener_start (VbNotifyListener *self)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = g_thread_new ("vb-listen", listen_thread, self);
}

void
vb_notify_listener_stop (VbNotifyListener *self)
{
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (g_steal_pointer (&self->thread));
  g_cancellable_release_fd (self->cancellable);
}

gboolean
vb_notify_listener_get_connected (VbNotifyListener *self)
{
  return g_atomic_int_get (&self->connected);
}
