/* vb-demo-billing.c — quotes, invoices and payments for `voltbay-ctl
 * demo-data`.
 *
 * Everything goes through the rules of 0009-billing.sql and
 * 0010-payments.sql with the statements the handlers run:
 *
 *   - quotes (vb_demo_billing_quote) are made inside the work-order story,
 *     while the order is still open (0009 refuses quotes on collected
 *     orders), when the diagnosis is done: a labor line for the diagnosis
 *     clocked so far and one per task for the time the story will clock on
 *     it, so the invoice stays within what was approved; the parts a task
 *     needs (when the vehicle is compatible) on quotes of orders that are
 *     not invoiced; on one order per shop extra work (caliper service, a
 *     12 V battery) that the customer declines, which becomes deferred
 *     work.  The version is sent, then decided line by line by phone (the
 *     number called), e-mail (the reply) or in person (a signature); the
 *     decision trigger moves the order to in_progress.  Times are the
 *     story's (sent_at, decided_at backdated like collected_at there).
 *
 *   - invoices and payments (vb_demo_billing_fill) run after the work
 *     orders: per shop, the collected orders oldest first, then the HCM-D1
 *     ready order, get vb_invoice_issue (numbered gaplessly by the real
 *     counters, dated today: the numbering trigger stamps issued_at) and a
 *     payment as POST /api/v1/payments makes it — an Idempotency-Key row
 *     with a fixed key per work order, the payment (id derived from the
 *     key), its stored reply — cash with the notes handed over, or a bank
 *     transfer confirmed by the manager as POST /payments/{id}/confirm
 *     does.  The ready order is paid in part.  No card payments: they need
 *     the gateway.
 *
 * Idempotent: quotes come with new work orders only; an order with a live
 * invoice is not invoiced again, and a payment whose key exists is not
 * made again.  Orders loaded before the quotes existed stay without money
 * (a collected order cannot get a quote any more).
 */
#include "vb-demo-billing.h"

#include <stdlib.h>

#define DEMO_NOTE    "Demo data"
#define PARTIAL_SITE "HCM-D1"   /* its ready order is invoiced and paid in part */
#define KEY_PREFIX   "voltbay-demo-data-payment-"

static const struct
{
  const char *code, *suffix;
} sites[] = {
  { "HCM-D1", "" }, { "HN-CG", ".hn" }, { "DN-HC", ".dn" },
};

static gboolean
count (guint    *n,
       PGresult *res)
{
  if (res == NULL)
    return FALSE;
  *n += (guint) atoi (PQcmdTuples (res));
  PQclear (res);
  return TRUE;
}

#define billing_exec(n, conn, error, sql, ...) \
  count ((n), vb_db_execv ((conn), (error), (sql), __VA_ARGS__))

/* A statement that changes rows but creates no record. */
static gboolean
done (PGresult *res)
{
  if (res == NULL)
    return FALSE;
  PQclear (res);
  return TRUE;
}

#define billing_run(conn, error, sql, ...) \
  done (vb_db_execv ((conn), (error), (sql), __VA_ARGS__))

static char *
minutes (int m)
{
  return g_strdup_printf ("%d", MAX (m, 0));
}

/* The person doing the next step, as vb-demo-work-orders.c does it. */
static gboolean
act_as (VbDbConn    *conn,
        const char  *user_id,
        GError     **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "SELECT set_config ('voltbay.actor_id', $1, true),"
                 "       set_config ('voltbay.actor_label',"
                 "                   'voltbay-ctl demo-data as ' || (SELECT email FROM users WHERE id = $1::uuid),"
                 "                   true)",
                 user_id);

  return res != NULL;
}

/* ------------------------------------------------------------- quotes --- */

/* The diagnosis clocked so far (unless $5: a quote for the price only), a
 * labor line per task (the time it will take), and the parts the tasks
 * need where the vehicle takes them. */
#define BASE_LINES_SQL \
  "INSERT INTO quote_lines (quote_version_id, position, kind, description, service_type_id, task_id, part_id," \
  "                         quantity)" \
  " SELECT $1::uuid, row_number () OVER (ORDER BY x.o1 > 0, x.o2, x.o1, x.o3), x.kind, x.description," \
  "        x.service_type_id, x.task_id, x.part_id, x.quantity" \
  "   FROM (SELECT 0 AS o1, 0 AS o2, '' AS o3, 'labor' AS kind, 'Diagnosis' AS description," \
  "                NULL::uuid AS service_type_id, NULL::uuid AS task_id, NULL::uuid AS part_id," \
  "                (sum (e.tenths) / 10.0)::numeric(12, 2) AS quantity" \
  "           FROM time_entries e JOIN quote_versions v ON v.work_order_id = e.work_order_id" \
  "          WHERE v.id = $1::uuid AND e.kind = 'productive' AND e.ended_at IS NOT NULL AND NOT $5::boolean" \
  "         HAVING sum (e.tenths) > 0" \
  "         UNION ALL" \
  "         SELECT 1, t.position, '', 'labor', coalesce (st.name, t.title), t.service_type_id, t.id, NULL," \
  "                (p.tenths / 10.0)::numeric(12, 2)" \
  "           FROM unnest ($2::uuid[], $3::int[]) AS p (task_id, tenths)" \
  "           JOIN work_order_tasks t ON t.id = p.task_id" \
  "           LEFT JOIN service_types st ON st.id = t.service_type_id" \
  "          WHERE p.tenths > 0" \
  "         UNION ALL" \
  "         SELECT 2, t.position, pa.sku, 'part', pa.name, NULL, t.id, pa.id, n.quantity::numeric(12, 2)" \
  "           FROM unnest ($2::uuid[]) AS p (task_id)" \
  "           JOIN work_order_tasks t ON t.id = p.task_id" \
  "           JOIN service_types st ON st.id = t.service_type_id" \
  "           JOIN (VALUES ('CABIN-FILTER', 'VF-CABIN-PM25', 1), ('BATTERY-COOLANT', 'COOL-G48-1L', 4)," \
  "                        ('AC-DESICCANT', 'AC-DESICCANT', 1), ('CALIPER-CLEAN-LUBE', 'GREASE-CALIPER', 1))" \
  "                AS n (service, sku, quantity) ON n.service = st.code" \
  "           JOIN parts pa ON pa.sku = n.sku" \
  "           JOIN work_orders w ON w.id = t.work_order_id JOIN vehicles v ON v.id = w.vehicle_id" \
  "          WHERE $4::boolean AND (pa.compatible_models = '{}' OR v.model = ANY (pa.compatible_models))) x" \
  " RETURNING id"

/* Work the technician recommends on top: the caliper service (little
 * friction braking lets the slide pins seize) and, where the car takes it,
 * a new 12 V battery. */
#define EXTRA_LINES_SQL \
  "INSERT INTO quote_lines (quote_version_id, position, kind, description, service_type_id, part_id, quantity)" \
  " SELECT $1::uuid, $2::int + row_number () OVER (ORDER BY x.o), x.kind, x.description, x.service_type_id," \
  "        x.part_id, x.quantity" \
  "   FROM (SELECT 1 AS o, 'labor' AS kind, st.name || ' (recommended: slide pins stiff)' AS description," \
  "                st.id AS service_type_id, NULL::uuid AS part_id," \
  "                (st.standard_labor_tenths / 10.0)::numeric(12, 2) AS quantity" \
  "           FROM service_types st WHERE st.code = 'CALIPER-CLEAN-LUBE'" \
  "         UNION ALL" \
  "         SELECT 2, 'part', pa.name || ' (recommended: weak in the load test)', NULL, pa.id, 1" \
  "           FROM quote_versions qv JOIN work_orders w ON w.id = qv.work_order_id" \
  "           JOIN vehicles v ON v.id = w.vehicle_id" \
  "           JOIN parts pa ON pa.sku = '12V-AGM-60'" \
  "          WHERE qv.id = $1::uuid" \
  "            AND (pa.compatible_models = '{}' OR v.model = ANY (pa.compatible_models))) x" \
  " RETURNING id"

/* As POST /quote-versions/{id}/decisions records one line. */
#define DECISION_SQL \
  "INSERT INTO quote_line_decisions (quote_line_id, decision, channel, signature_attachment_id, phone_number," \
  "                                  email_reply, email_message_id, notes, recorded_by, decided_at)" \
  " SELECT l.id, $2::text, $3::text, $4::uuid, CASE WHEN $3::text = 'phone' THEN c.phones[1] END," \
  "        CASE WHEN $3::text = 'email' THEN CASE c.preferred_language WHEN 'vi' THEN $5::text ELSE $6::text END END," \
  "        NULL, $7::text, $8::uuid, now () - make_interval (mins => $9::int)" \
  "   FROM quote_lines l JOIN work_orders w ON w.id = l.work_order_id JOIN customers c ON c.id = w.customer_id" \
  "  WHERE l.id = $1::uuid"

static const char email_reply_vi[] = "Vâng, anh/chị cứ làm theo báo giá giúp em. Cảm ơn!";
static const char email_reply_en[] = "Yes, please go ahead with the quoted work. Thank you!";

static gboolean
decide_lines (VbDbConn           *conn,
              const VbDemoQuote  *q,
              const char         *version,
              int                 n_base,
              guint              *n,
              GError            **error)
{
  g_autoptr(PGresult) lines =
    vb_db_execv (conn, error,
                 "SELECT id, position FROM quote_lines WHERE quote_version_id = $1::uuid ORDER BY position",
                 version);
  g_autofree char *ago = minutes (q->decided_ago);

  if (lines == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (lines); i++)
    {
      gboolean declined = q->outcome == VB_DEMO_QUOTE_DECLINED || vb_db_get_int (lines, i, 1) > n_base;
      const char *notes = q->outcome == VB_DEMO_QUOTE_DECLINED ? "Customer is selling the car"
                          : declined ? "Not now: maybe at the next service" : "";

      if (!billing_exec (n, conn, error, DECISION_SQL,
                         vb_db_get (lines, i, 0), declined ? "declined" : "approved", q->channel,
                         g_str_equal (q->channel, "in_person") ? q->signature_id : NULL,
                         email_reply_vi, email_reply_en, notes, q->recorded_by, ago))
        return FALSE;
    }
  /* The trigger stamps the load time; the story's time is set afterwards
   * (a change the version check allows). */
  return billing_run (conn, error,
                       "UPDATE quote_versions SET decided_at = now () - make_interval (mins => $2::int)"
                       " WHERE id = $1::uuid AND status = 'decided'",
                       version, ago)
    && (q->outcome != VB_DEMO_QUOTE_DECLINED
        /* As POST /deferred-work/{id}/resolve: the car is sold. */
        || billing_run (conn, error,
                         "UPDATE deferred_work d SET resolved_at = now () - make_interval (mins => $3::int),"
                         "       resolved_by = $2::uuid, resolution = 'dismissed'"
                         " WHERE d.work_order_id = $1::uuid AND d.resolved_at IS NULL",
                         q->work_order_id, q->recorded_by, ago));
}

gboolean
vb_demo_billing_quote (VbDbConn           *conn,
                       const VbDemoQuote  *q,
                       guint              *n_created,
                       GError            **error)
{
  g_autofree char *sent_ago = minutes (q->sent_ago);
  g_autoptr(GString) tasks = g_string_new ("{");
  g_autoptr(GString) tenths = g_string_new ("{");
  g_autoptr(PGresult) quote = NULL;
  g_autoptr(PGresult) version = NULL;
  g_autoptr(PGresult) base = NULL;
  g_autoptr(PGresult) extra = NULL;
  g_autofree char *n_base = NULL;
  const char *version_id;

  for (guint i = 0; i < q->n_tasks; i++)
    {
      g_string_append_printf (tasks, "%s%s", i > 0 ? "," : "", q->task_ids[i]);
      g_string_append_printf (tenths, "%s%d", i > 0 ? "," : "", q->task_tenths[i]);
    }
  g_string_append_c (tasks, '}');
  g_string_append_c (tenths, '}');
  /* As POST /work-orders/{id}/quote/versions. */
  quote = vb_db_execv (conn, error,
    "WITH ins AS (INSERT INTO quotes (work_order_id, location_id, customer_id, currency, created_by, created_at)"
    "             SELECT w.id, w.location_id, w.customer_id, l.currency, $2::uuid,"
    "                    now () - make_interval (mins => $3::int)"
    "               FROM work_orders w JOIN locations l ON l.id = w.location_id WHERE w.id = $1::uuid"
    "             ON CONFLICT (work_order_id) DO NOTHING RETURNING id)"
    " SELECT id FROM ins UNION ALL SELECT id FROM quotes WHERE work_order_id = $1::uuid",
    q->work_order_id, q->recorded_by, sent_ago);
  if (quote == NULL)
    return FALSE;
  version = vb_db_execv (conn, error,
    "INSERT INTO quote_versions (quote_id, notes, created_by, created_at)"
    " VALUES ($1::uuid, $2, $3::uuid, now () - make_interval (mins => $4::int)) RETURNING id",
    vb_db_get (quote, 0, 0),
    q->outcome == VB_DEMO_QUOTE_SENT ? "Sent by SMS with a link; the customer will call back" : "",
    q->recorded_by, sent_ago);
  if (version == NULL)
    return FALSE;
  version_id = vb_db_get (version, 0, 0);
  base = vb_db_execv (conn, error, BASE_LINES_SQL, version_id, tasks->str, tenths->str,
                      q->with_parts ? "true" : "false", q->outcome == VB_DEMO_QUOTE_DECLINED ? "true" : "false");
  if (base == NULL)
    return FALSE;
  n_base = g_strdup_printf ("%d", PQntuples (base));
  if (q->with_extra && (extra = vb_db_execv (conn, error, EXTRA_LINES_SQL, version_id, n_base)) == NULL)
    return FALSE;
  *n_created += 2 + (guint) PQntuples (base) + (extra ? (guint) PQntuples (extra) : 0);
  /* As POST /quote-versions/{id}/send, at the story's time. */
  if (!billing_run (conn, error,
                     "UPDATE quote_versions SET status = 'sent', sent_at = now () - make_interval (mins => $2::int)"
                     " WHERE id = $1::uuid AND status = 'draft'",
                     version_id, sent_ago))
    return FALSE;
  return q->outcome == VB_DEMO_QUOTE_SENT
    || decide_lines (conn, q, version_id, PQntuples (base), n_created, error);
}

/* ----------------------------------------------- invoices and payments --- */

static char *
shop_user (VbDbConn    *conn,
           const char  *prefix,
           const char  *code,
           GError     **error)
{
  g_autofree char *email = NULL;
  g_autoptr(PGresult) res = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sites); i++)
    if (g_str_equal (sites[i].code, code))
      email = g_strdup_printf ("%s%s@voltbay.local", prefix, sites[i].suffix);
  if (email == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "demo data: no demo shop %s", code);
      return NULL;
    }
  res = vb_db_execv (conn, error, "SELECT id FROM users WHERE lower(email) = lower($1)", email);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "demo data: no user %s", email);
      return NULL;
    }
  return g_strdup (vb_db_get (res, 0, 0));
}

/* The request body POST /api/v1/payments would get: the open amount (half
 * of the total, in whole 100 000 when partial); for cash, the notes handed
 * over (the amount rounded up to 100 000). */
#define BODY_SQL \
  "SELECT jsonb_strip_nulls (jsonb_build_object (" \
  "         'id', md5 ($2)::uuid, 'invoice_id', i.id, 'method', $3::text," \
  "         'amount', jsonb_build_object ('amount', a.amount, 'currency', i.currency)," \
  "         'tendered', CASE WHEN $3::text = 'cash' THEN jsonb_build_object (" \
  "                       'amount', ceil (a.amount / 100000.0)::bigint * 100000, 'currency', i.currency) END," \
  "         'note', $4::text))::text" \
  "  FROM invoices i" \
  " CROSS JOIN LATERAL (SELECT CASE WHEN $5::boolean" \
  "                                 THEN greatest (floor (i.total_amount / 200000.0)::bigint * 100000, 1)" \
  "                                 ELSE i.total_amount - i.paid_amount END AS amount) a" \
  " WHERE i.id = $1::uuid"

/* The statement of create_txn in vb-handler-payments.c. */
#define PAYMENT_SQL \
  "INSERT INTO payments (id, invoice_id, work_order_id, method, status, amount, currency, tendered_amount," \
  "                      gateway, wallet, note, location_id, customer_id)" \
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'invoice_id')::uuid," \
  "        (b ->> 'work_order_id')::uuid, b ->> 'method'," \
  "        CASE WHEN b ->> 'method' = 'cash' THEN 'succeeded' ELSE 'pending' END," \
  "        (b -> 'amount' ->> 'amount')::bigint, b -> 'amount' ->> 'currency'," \
  "        (b -> 'tendered' ->> 'amount')::bigint, NULL, NULL, coalesce(b ->> 'note', ''), NULL, NULL" \
  "   FROM (SELECT $1::jsonb AS b) x" \
  " RETURNING id"

typedef struct
{
  const char *invoice_id;
  const char *order_id;
  const char *method;      /* cash or bank_transfer */
  gboolean    partial;
  const char *note;
  const char *taken_by;    /* reception */
  const char *confirmed_by;   /* manager, for a transfer */
} Payment;

static gboolean
pay (VbDbConn       *conn,
     const Payment  *p,
     guint          *n,
     GError        **error)
{
  g_autofree char *key = g_strconcat (KEY_PREFIX, p->order_id, NULL);
  g_autoptr(PGresult) known = vb_db_execv (conn, error,
                                           "SELECT 1 FROM payment_idempotency_keys WHERE key = $1", key);
  g_autoptr(PGresult) body = NULL;
  g_autoptr(PGresult) payment = NULL;
  g_autoptr(PGresult) confirmed = NULL;
  const char *id;

  if (known == NULL)
    return FALSE;
  if (PQntuples (known) > 0)
    return TRUE;
  if (!act_as (conn, p->taken_by, error)
      || (body = vb_db_execv (conn, error, BODY_SQL, p->invoice_id, key, p->method, p->note,
                              p->partial ? "true" : "false")) == NULL)
    return FALSE;
  /* The key first (as idem_begin), then the payment, then the reply kept. */
  if (!billing_run (conn, error,
                     "INSERT INTO payment_idempotency_keys (key, user_id, method, path, body_sha256)"
                     " VALUES ($1, $2::uuid, 'POST', '/api/v1/payments',"
                     "         encode (sha256 (convert_to ('POST' || chr (10) || '/api/v1/payments' || chr (10) || $3,"
                     "                                     'UTF8')), 'hex'))",
                     key, p->taken_by, vb_db_get (body, 0, 0))
      || (payment = vb_db_execv (conn, error, PAYMENT_SQL, vb_db_get (body, 0, 0))) == NULL)
    return FALSE;
  id = vb_db_get (payment, 0, 0);
  (*n)++;
  if (!billing_run (conn, error,
                    "UPDATE payment_idempotency_keys k"
                    "   SET payment_id = $2::uuid, status = 201, completed_at = now (),"
                    "       response = (SELECT to_jsonb (p)::text FROM payments p WHERE p.id = $2::uuid)"
                    " WHERE k.key = $1 AND k.status IS NULL",
                    key, id))
    return FALSE;
  if (!g_str_equal (p->method, "bank_transfer"))
    return TRUE;
  /* POST /payments/{id}/confirm: the manager saw the money arrive. */
  if (!act_as (conn, p->confirmed_by, error))
    return FALSE;
  confirmed = vb_db_execv (conn, error,
                           "UPDATE payments SET status = 'succeeded', confirmed_by = $2::uuid"
                           " WHERE id = $1::uuid AND status = ANY ('{pending,requires_action}'::text[]) RETURNING id",
                           id, p->confirmed_by);
  if (confirmed == NULL)
    return FALSE;
  if (PQntuples (confirmed) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "demo data: the transfer %s was not confirmed", id);
      return FALSE;
    }
  return TRUE;
}

/* Demo orders to invoice: collected ones per shop, oldest first, then the
 * ready one of PARTIAL_SITE; only what the customer approved (the rule of
 * vb_invoice_issue) and not invoiced yet.  The newest collected order of a
 * shop was paid by bank transfer. */
#define TO_INVOICE_SQL \
  "SELECT w.id, l.code, w.status," \
  "       w.status = 'collected' AND row_number () OVER (PARTITION BY w.location_id, w.status" \
  "                                                     ORDER BY w.collected_at DESC, w.number DESC) = 1" \
  "  FROM work_orders w JOIN customers c ON c.id = w.customer_id JOIN locations l ON l.id = w.location_id" \
  " WHERE c.notes = $1 AND (w.status = 'collected' OR (w.status = 'ready' AND l.code = $2))" \
  "   AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.work_order_id = w.id AND i.kind = 'invoice'" \
  "                                              AND i.status <> 'void')" \
  "   AND vb_quote_approved_total (w.id) > 0" \
  "   AND (vb_invoice_preview_json (w.id) ->> 'within_approval')::boolean" \
  " ORDER BY l.code, w.status = 'ready', w.collected_at, w.number"

static gboolean
invoice_and_pay (VbDbConn    *conn,
                 PGresult    *orders,
                 int          row,
                 guint       *n,
                 GError     **error)
{
  const char *order = vb_db_get (orders, row, 0);
  const char *code = vb_db_get (orders, row, 1);
  gboolean ready = g_str_equal (vb_db_get (orders, row, 2), "ready");
  gboolean transfer = ready || vb_db_get_bool (orders, row, 3);
  g_autofree char *reception = shop_user (conn, "reception", code, error);
  g_autofree char *manager = reception ? shop_user (conn, "manager", code, error) : NULL;
  g_autoptr(PGresult) invoice = NULL;
  Payment p = { NULL, order, transfer ? "bank_transfer" : "cash", ready,
                ready ? "Paid in part by bank transfer in advance; the rest at pickup"
                : transfer ? "Bank transfer (QR on the invoice), seen on the shop's statement"
                : "Cash at pickup",
                reception, manager };

  if (manager == NULL || !act_as (conn, reception, error))
    return FALSE;
  /* As POST /work-orders/{id}/invoices. */
  if ((invoice = vb_db_execv (conn, error, "SELECT vb_invoice_issue($1::uuid)", order)) == NULL)
    return FALSE;
  (*n)++;
  p.invoice_id = vb_db_get (invoice, 0, 0);
  return pay (conn, &p, n, error);
}

static gboolean
insert_billing (VbDbConn  *conn,
                gpointer   data,
                GError   **error)
{
  guint *n = data;
  g_autoptr(PGresult) orders = vb_db_execv (conn, error, TO_INVOICE_SQL, DEMO_NOTE, PARTIAL_SITE);

  *n = 0;   /* a retried transaction starts over */
  if (orders == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (orders); i++)
    if (!invoice_and_pay (conn, orders, i, n, error))
      return FALSE;
  return TRUE;
}

gboolean
vb_demo_billing_fill (VbDbConn        *conn,
                      const VbDbAudit *audit,
                      guint           *n_created,
                      GError         **error)
{
  guint n = 0;

  if (!vb_db_transaction (conn, audit, insert_billing, &n, error))
    return FALSE;
  *n_created += n;
  return TRUE;
}
