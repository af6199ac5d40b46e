/* vb-db-pool.h — a bounded pool of libpq connections for worker threads. */
#pragma once

#include <glib-object.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct _VbDbConn VbDbConn;

#define VB_TYPE_DB_POOL (vb_db_pool_get_type ())
G_DECLARE_FINAL_TYPE (VbDbPool, vb_db_pool, VB, DB_POOL, GObject)

VbDbPool *vb_db_pool_new          (const char  *conninfo,
                                   guint        max_size);
const char *vb_db_pool_get_conninfo (VbDbPool *self);
/* Blocks (never call on the main loop) until a connection is free or the
 * timeout passes; reconnects a broken connection transparently. */
VbDbConn *vb_db_pool_acquire      (VbDbPool    *self,
                                   GError     **error);
void      vb_db_pool_release      (VbDbPool    *self,
                                   VbDbConn    *conn);
void      vb_db_pool_get_stats    (VbDbPool    *self,
                                   guint       *in_use,
                                   guint       *idle,
                                   guint       *max_size,
                                   guint64     *waits);

/* A single connection, used directly by voltbay-ctl and tests. */
VbDbConn *vb_db_conn_connect      (const char  *conninfo,
                                   GError     **error);
void      vb_db_conn_free         (VbDbConn    *conn);
PGconn   *vb_db_conn_get_pg       (VbDbConn    *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDbConn, vb_db_conn_free)

G_END_DECLS
