/* vb-embedded-pg.h — a private PostgreSQL cluster inside the data directory.
 *
 * Voltbay needs no database administrator: the server initialises, starts
 * and talks to its own cluster over a Unix socket in DATA_DIR/pg/run.  The
 * calls block; they run at start-up before the main loop and in test
 * fixtures, where waiting is what the caller wants anyway.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define VB_TYPE_EMBEDDED_PG (vb_embedded_pg_get_type ())
G_DECLARE_FINAL_TYPE (VbEmbeddedPg, vb_embedded_pg, VB, EMBEDDED_PG, GObject)

VbEmbeddedPg *vb_embedded_pg_new              (const char    *data_dir);

/* Tests only: fsync, synchronous_commit and full_page_writes off. */
void          vb_embedded_pg_set_unsafe_fast  (VbEmbeddedPg  *self,
                                               gboolean       fast);
/* Where initdb and pg_ctl live; by default the highest
 * /usr/lib/postgresql/N/bin, else PATH. */
void          vb_embedded_pg_set_bindir       (VbEmbeddedPg  *self,
                                               const char    *bindir);

gboolean      vb_embedded_pg_start            (VbEmbeddedPg  *self,
                                               GError       **error);
gboolean      vb_embedded_pg_stop             (VbEmbeddedPg  *self,
                                               GError       **error);

const char   *vb_embedded_pg_get_conninfo     (VbEmbeddedPg  *self);
const char   *vb_embedded_pg_get_socket_dir   (VbEmbeddedPg  *self);
gboolean      vb_embedded_pg_get_started_here (VbEmbeddedPg  *self);

gboolean      vb_embedded_pg_create_database  (VbEmbeddedPg  *self,
                                               const char    *name,
                                               const char    *template_name,
                                               GError       **error);
char         *vb_embedded_pg_dup_conninfo_for (VbEmbeddedPg  *self,
                                               const char    *dbname);

G_END_DECLS
