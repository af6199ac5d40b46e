#pragma once

#include "vb-db-pool.h"

G_BEGIN_DECLS

/* Applies the numbered SQL files compiled into the server's GResource, each in
 * its own transaction, recording them in schema_migrations.  Safe to run from
 * several processes at once (an advisory lock serializes them). */
gboolean vb_migrations_apply (VbDbConn  *conn,
                              guint     *n_applied,
                              GError   **error);

G_END_DECLS
