/* vb-demo-data.h — the believable part of `voltbay-ctl demo-data`: location
 * setup, shifts and certifications, customers with vehicles and readings,
 * and two weeks of appointments.  Idempotent; deterministic (fixed seed). */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* Runs after the demo locations and staff exist; adds the number of records
 * created to *n_created. */
gboolean vb_demo_data_fill (VbDbConn        *conn,
                            const VbDbAudit *audit,
                            guint           *n_created,
                            GError         **error);

G_END_DECLS
