/* vb-db-pool.c — a bounded pool of libpq connections.
 *
 * Handlers run on worker threads and use blocking libpq there; the pool only
 * hands connections out and takes them back.  A connection is opened lazily
 * up to max_size, checked on release (a broken one is closed rather than
 * reused) and again when taken from the idle list (PostgreSQL may have
 * closed it meanwhile, e.g. on a restart), and carries its own cache of
 * prepared statements, so a statement is parsed and planned once per
 * connection.  Rejected: libpq's async API on the main loop — it would make
 * every handler a callback chain for little gain at our request rates.
 */
#include "vb-db-pool.h"
#include "vb-db-private.h"
#include "vb-error.h"

#include <poll.h>

#define ACQUIRE_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)

struct _VbDbPool
{
  GObject  parent_instance;
  char    *conninfo;
  guint    max_size;
  GMutex   mutex;
  GCond    cond;
  GQueue   idle;
  guint    in_use;
  guint    opening;
  guint64  waits;
};

G_DEFINE_FINAL_TYPE (VbDbPool, vb_db_pool, G_TYPE_OBJECT)

/* Server NOTICEs ("already exists, skipping") are for developers: debug log,
 * not libpq's default of printing to stderr. */
static void
notice_cb (void       *arg,
           const char *message)
{
  g_debug ("PostgreSQL: %s", message);
}

VbDbConn *
vb_db_conn_connect (const char  *conninfo,
                    GError     **error)
{
  /* UTC and ISO dates on every connection: timestamps leave as RFC 3339. */
  const char *keys[] = { "dbname", "options", "application_name", NULL };
  const char *values[] = { conninfo, "-c TimeZone=UTC -c DateStyle=ISO", "voltbay", NULL };
  PGconn *pg = PQconnectdbParams (keys, values, TRUE);
  VbDbConn *conn;

  if (PQstatus (pg) != CONNECTION_OK)
    {
      g_autofree char *msg = g_strstrip (g_strdup (PQerrorMessage (pg)));
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                   "Cannot connect to PostgreSQL: %s", msg);
      PQfinish (pg);
      return NULL;
    }
  PQsetNoticeProcessor (pg, notice_cb, NULL);
  conn = g_new0 (VbDbConn, 1);
  conn->pg = pg;
  conn->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return conn;
}

void
vb_db_conn_free (VbDbConn *conn)
{
  if (conn == NULL)
    return;
  g_clear_pointer (&conn->pg, PQfinish);
  g_clear_pointer (&conn->prepared, g_hash_table_unref);
  g_free (conn);
}

PGconn *
vb_db_conn_get_pg (VbDbConn *conn)
{
  return conn->pg;
}

static void
vb_db_pool_finalize (GObject *object)
{
  VbDbPool *self = VB_DB_POOL (object);

  g_queue_clear_full (&self->idle, (GDestroyNotify) vb_db_conn_free);
  g_clear_pointer (&self->conninfo, g_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (vb_db_pool_parent_class)->finalize (object);
}

static void
vb_db_pool_class_init (VbDbPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_db_pool_finalize;
}

static void
vb_db_pool_init (VbDbPool *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_queue_init (&self->idle);
}

VbDbPool *
vb_db_pool_new (const char *conninfo,
                guint       max_size)
{
  VbDbPool *self = g_object_new (VB_TYPE_DB_POOL, NULL);

  self->conninfo = g_strdup (conninfo);
  self->max_size = MAX (max_size, 1);
  return self;
}

const char *
vb_db_pool_get_conninfo (VbDbPool *self)
{
  return self->conninfo;
}

static VbDbConn *
open_unlocked (VbDbPool  *self,
               GError   **error)
{
  VbDbConn *conn;

  /* Connect without holding the lock: it can take a while. */
  self->opening++;
  g_mutex_unlock (&self->mutex);
  conn = vb_db_conn_connect (self->conninfo, error);
  g_mutex_lock (&self->mutex);
  self->opening--;
  if (conn != NULL)
    self->in_use++;
  else
    g_cond_signal (&self->cond);
  return conn;
}

/* An idle connection has nothing to say: pool connections do not LISTEN
 * and no query is running.  If its socket is readable, PostgreSQL has sent
 * a FATAL and closed it (a restart, pg_terminate_backend) — or, rarely, an
 * asynchronous parameter report; either way a fresh connection is the
 * safe choice.  Without this check every connection idle across a
 * PostgreSQL restart failed one request with a 503. */
static gboolean
idle_conn_usable (VbDbConn *conn)
{
  struct pollfd fd = { PQsocket (conn->pg), POLLIN, 0 };

  return PQstatus (conn->pg) == CONNECTION_OK && fd.fd >= 0 && poll (&fd, 1, 0) == 0;
}

VbDbConn *
vb_db_pool_acquire (VbDbPool  *self,
                    GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + ACQUIRE_TIMEOUT_US;
  VbDbConn *conn = NULL;

  g_mutex_lock (&self->mutex);
  while (conn == NULL)
    {
      if (!g_queue_is_empty (&self->idle))
        {
          conn = g_queue_pop_head (&self->idle);
          if (!idle_conn_usable (conn))
            {
              g_debug ("Dropping a pooled PostgreSQL connection closed while idle");
              g_clear_pointer (&conn, vb_db_conn_free);
              continue;
            }
          self->in_use++;
        }
      else if (self->in_use + self->opening < self->max_size)
        {
          conn = open_unlocked (self, error);
          if (conn == NULL)
            break;
        }
      else
        {
          self->waits++;
          if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
            {
              g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                                   "All database connections are busy");
              break;
            }
        }
    }
  g_mutex_unlock (&self->mutex);
  return conn;
}

void
vb_db_pool_release (VbDbPool *self,
                    VbDbConn *conn)
{
  gboolean healthy;

  if (conn == NULL)
    return;
  /* A connection left inside a transaction or broken is not reused. */
  healthy = PQstatus (conn->pg) == CONNECTION_OK
            && PQtransactionStatus (conn->pg) == PQTRANS_IDLE;
  g_mutex_lock (&self->mutex);
  self->in_use--;
  if (healthy)
    g_queue_push_head (&self->idle, conn);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  if (!healthy)
    vb_db_conn_free (conn);
}

void
vb_db_pool_get_stats (VbDbPool *self,
                      guint    *in_use,
                      guint    *idle,
                      guint    *max_size,
                      guint64  *waits)
{
  g_mutex_lock (&self->mutex);
  *in_use = self->in_use;
  *idle = g_queue_get_length (&self->idle);
  *max_size = self->max_size;
  *waits = self->waits;
  g_mutex_unlock (&self->mutex);
}
