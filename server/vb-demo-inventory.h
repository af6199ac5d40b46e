/* vb-demo-inventory.h — the parts catalog and stock of `voltbay-ctl
 * demo-data`: EV-workshop parts, stock received into every demo shop with
 * reorder settings (a few parts low, so reorder alerts are open), through the
 * ledger like the API.  Idempotent; deterministic. */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* Runs after the demo shops exist; adds the number of records created to *n_created. */
gboolean vb_demo_inventory_fill (VbDbConn        *conn,
                                 const VbDbAudit *audit,
                                 guint           *n_created,
                                 GError         **error);

G_END_DECLS
