#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* Seals what can be sealed, then walks the whole audit log and recomputes the hash chain in C, apart from
 * the SQL that wrote it.  Fails on the first altered, inserted or removed
 * row, naming its sequence number. */
gboolean vb_audit_verify (VbDbConn  *conn,
                          guint64   *n_rows,
                          guint64   *n_pending,
                          GError   **error);

G_END_DECLS
