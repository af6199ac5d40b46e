/* vb-audit-sealer.c — call vb_audit_seal() every interval on its own thread.
 *
 * Writers never wait for the audit chain (that would serialize every
 * mutation in the system); this thread chains the rows of finished
 * transactions shortly after they commit.  With several server instances
 * each runs one; the advisory lock inside vb_audit_seal() lets one work
 * and the others skip.
 */
#include "vb-audit-sealer.h"
#include "vb-db.h"

#include <gio/gio.h>
#include <poll.h>

#define BATCH "10000"

struct _VbAuditSealer
{
  GObject       parent_instance;
  VbDbPool     *pool;
  guint         interval_ms;
  GCancellable *cancellable;
  GThread      *thread;
};

G_DEFINE_FINAL_TYPE (VbAuditSealer, vb_audit_sealer, G_TYPE_OBJECT)

static void
seal_once (VbAuditSealer *self)
{
  g_autoptr(GError) error = NULL;
  VbDbConn *conn = vb_db_pool_acquire (self->pool, &error);
  g_autoptr(PGresult) res = NULL;

  if (conn != NULL)
    res = vb_db_execv (conn, &error, "SELECT vb_audit_seal($1::int)", BATCH);
  vb_db_pool_release (self->pool, conn);
  if (error != NULL)
    g_debug ("Audit sealing postponed: %s", error->message);
}

static gpointer
seal_thread (gpointer data)
{
  VbAuditSealer *self = data;
  struct pollfd fd = { g_cancellable_get_fd (self->cancellable), POLLIN, 0 };

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      seal_once (self);
      poll (&fd, 1, self->interval_ms);
    }
  return NULL;
}

static void
vb_audit_sealer_finalize (GObject *object)
{
  VbAuditSealer *self = VB_AUDIT_SEALER (object);

  vb_audit_sealer_stop (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (vb_audit_sealer_parent_class)->finalize (object);
}

static void
vb_audit_sealer_class_init (VbAuditSealerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_audit_sealer_finalize;
}

static void
vb_audit_sealer_init (VbAuditSealer *self)
{
  self->cancellable = g_cancellable_new ();
}

VbAuditSealer *
vb_audit_sealer_new (VbDbPool *pool,
                     guint     interval_ms)
{
  VbAuditSealer *self = g_object_new (VB_TYPE_AUDIT_SEALER, NULL);

  self->pool = g_object_ref (pool);
  self->interval_ms = interval_ms;
  return self;
}

void
vb_audit_sealer_start (VbAuditSealer *self)
{
  g_return_if_fail (self->thread == NULL);
  self->thread = g_thread_new ("vb-audit-seal", seal_thread, self);
}

void
vb_audit_sealer_stop (VbAuditSealer *self)
{
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (g_steal_pointer (&self->thread));
  g_cancellable_release_fd (self->cancellable);
}
