/* vb-demo-work-orders.h — the work orders of `voltbay-ctl demo-data`: in
 * every shop, one or more in every status, each brought there through the
 * rules the schema enforces (triage, the status machine, HV records,
 * checklists, time, quality checks).  Idempotent; deterministic. */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* Runs after the demo customers and vehicles exist; adds the number of
 * records created to *n_created. */
gboolean vb_demo_work_orders_fill (VbDbConn        *conn,
                                   const VbDbAudit *audit,
                                   guint           *n_created,
                                   GError         **error);

G_END_DECLS
