/* vb-demo-scale.h — `voltbay-ctl demo-data --scale N`: N more customers with
 * vehicles, odometer readings and a history of work orders, generated set
 * by set, for benchmarks.  Idempotent per N; deterministic. */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* Vehicle serial numbers (VIN positions 12–17) stay unique up to here. */
#define VB_DEMO_SCALE_MAX_CUSTOMERS 800000

typedef struct
{
  guint customers;                  /* scale customers to have in all */
  guint work_orders_per_customer;   /* for the customers added now */
} VbDemoScale;

gboolean vb_demo_scale_fill (VbDbConn          *conn,
                             const VbDbAudit   *audit,
                             const VbDemoScale *scale,
                             guint64           *n_created,
                             GError           **error);

G_END_DECLS
