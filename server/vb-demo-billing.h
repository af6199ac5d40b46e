/* vb-demo-billing.h — the money of `voltbay-ctl demo-data`: quotes with
 * per-line decisions (deferred work for what was declined), invoices
 * numbered by the real counters and payments through the ledger, each
 * written through the rules of 0009-billing.sql and 0010-payments.sql.
 * Deterministic; idempotent. */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

typedef enum
{
  VB_DEMO_QUOTE_SENT,       /* sent, waiting for the customer */
  VB_DEMO_QUOTE_APPROVED,   /* every line approved, except the extra work (declined) */
  VB_DEMO_QUOTE_DECLINED,   /* every line declined; the deferred work dismissed */
} VbDemoQuoteOutcome;

typedef struct
{
  const char          *work_order_id;
  const char          *recorded_by;    /* user id of the receptionist */
  char * const        *task_ids;
  const int           *task_tenths;    /* the labor each task will take, in 0.1 h */
  guint                n_tasks;
  gboolean             with_parts;     /* a part line for tasks that need one (compatible parts) */
  gboolean             with_extra;     /* also recommends work the customer declines */
  VbDemoQuoteOutcome   outcome;
  const char          *channel;        /* phone, email or in_person */
  const char          *signature_id;   /* in_person: the signature attachment */
  int                  sent_ago;       /* minutes before now */
  int                  decided_ago;
} VbDemoQuote;

/* Within the work-order story (its transaction, its actor): a quote
 * version for the order — the diagnosis clocked so far (not on a quote
 * declined outright), a labor line per task and the parts and extra work
 * asked for — sent, then decided as told.  A decision with an approved
 * line moves the order to in_progress (0009).  Adds the rows it writes to
 * *n_created. */
gboolean vb_demo_billing_quote (VbDbConn           *conn,
                                const VbDemoQuote  *quote,
                                guint              *n_created,
                                GError            **error);

/* Runs after the work orders: issues the invoices of collected demo work
 * orders (oldest first, per shop) and of the HCM-D1 ready one, and pays
 * them as POST /api/v1/payments would, with fixed Idempotency-Keys.
 * Adds the number of records created to *n_created. */
gboolean vb_demo_billing_fill  (VbDbConn           *conn,
                                const VbDbAudit    *audit,
                                guint              *n_created,
                                GError            **error);

G_END_DECLS
