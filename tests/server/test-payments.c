/* test-payments.c — payments against the real server and a stand-in for
 * Stripe (tests/standins/stripe-standin.py, speaking Stripe's HTTP API on
 * a free local port): a full card payment; a partial cash payment, then a
 * bank transfer with its QR confirmed by staff → paid; a deposit applied
 * when the invoice is issued; refunds through the gateway; 100 concurrent
 * retries of one Idempotency-Key → one PaymentIntent, one ledger row and
 * 100 identical replies; ten desks paying the whole balance at once → one
 * payment and nine 409s; a deposit larger than its invoice refunded;
 * webhooks (a bad signature → 401 and nothing changes; a good one confirms
 * a pending e-wallet payment, its replay changes nothing); a declined card;
 * 3-D Secure; card numbers refused and found nowhere; a gateway outage
 * (503) resumed by the retry of its key; Voltbay-Mutation as the key; no gateway configured → 503; permissions and location scoping.
 */
#include "vb-test-floor.h"
#include "vb-emv-qr.h"
#include "vb-error.h"
#include "vb-json.h"

#include <glib/gstdio.h>
#include <string.h>

#define SECRET_KEY "sk_test_voltbay_h3"
#define WEBHOOK_SECRET "whsec_voltbay_h3"

typedef struct
{
  VbTestFloor  floor;       /* with the customer Minh Nguyen and his vehicle at HCM-1 */
  GSubprocess *standin;
  char        *standin_url;
  char        *config_dir;
  SoupSession *session;     /* for the stand-in */
} Fx;

/* ------------------------------------------------------------ stand-in --- */

static char *
standin_path (void)
{
  g_autofree char *file = g_path_is_absolute (__FILE__) ? g_strdup (__FILE__)
                          : g_build_filename (vb_test_build_dir (), __FILE__, NULL);
  g_autofree char *dir = g_path_get_dirname (file);

  return g_build_filename (dir, "..", "standins", "stripe-standin.py", NULL);
}

/* port "0": a free one. */
static void
standin_start_on (Fx         *fx,
                  const char *port)
{
  g_autofree char *script = standin_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  fx->standin = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "python3", script,
                                  "--secret-key", SECRET_KEY, "--webhook-secret", WEBHOOK_SECRET,
                                  "--port", port, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fx->standin));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  g_free (fx->standin_url);
  fx->standin_url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
  if (fx->session == NULL)
    fx->session = soup_session_new_with_options ("timeout", 60, NULL);
}

static void
standin_start (Fx *fx)
{
  standin_start_on (fx, "0");
}

static void
standin_stop (Fx *fx)
{
  g_subprocess_force_exit (fx->standin);
  g_subprocess_wait (fx->standin, NULL, NULL);
  g_clear_object (&fx->standin);
}

/* A stand-in hook: method path (body JSON or NULL) → the reply object. */
static JsonNode *
standin_call (Fx         *fx,
              const char *method,
              const char *path,
              const char *body)
{
  g_autofree char *url = g_strconcat (fx->standin_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  reply = soup_session_send_and_read (fx->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  node = json_from_string (g_bytes_get_data (reply, NULL), &error);
  g_assert_no_error (error);
  return node;
}

static gint64
standin_count (Fx         *fx,
               const char *what)
{
  g_autoptr(JsonNode) node = standin_call (fx, "GET", "/_count", NULL);

  return json_object_get_int_member (json_node_get_object (node), what);
}

/* Has the stand-in send a signed event about intent to our webhook;
 * returns {"event_id", "status", "body"}. */
static JsonNode *
send_event (Fx         *fx,
            const char *type,
            const char *intent,
            const char *signature,
            const char *replay_of)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) spec = NULL;
  g_autofree char *url = g_strconcat (fx->floor.server->base_url, "/api/v1/webhooks/stripe", NULL);
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "payment_intent");
  json_builder_add_string_value (b, intent);
  json_builder_set_member_name (b, "signature");
  json_builder_add_string_value (b, signature);
  if (replay_of != NULL)
    {
      json_builder_set_member_name (b, "event_id");
      json_builder_add_string_value (b, replay_of);
    }
  json_builder_end_object (b);
  spec = json_builder_get_root (b);
  text = json_to_string (spec, FALSE);
  return standin_call (fx, "POST", "/_events", text);
}

/* ------------------------------------------------------------- fixture --- */

static void
write_config (Fx         *fx,
              const char *payments_group)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->config_dir, "voltbay.conf", NULL);

  g_file_set_contents (path, payments_group, -1, &error);
  g_assert_no_error (error);
  g_strfreev (fx->floor.server->extra_args);
  fx->floor.server->extra_args = g_strdupv ((char *[]) { (char *) "--config", path, NULL });
  vb_test_server_restart (fx->floor.server, FALSE);
}

static void
fx_setup (Fx            *fx,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_CUSTOMER | VB_TEST_FLOOR_TECH_B);
  fx->config_dir = g_dir_make_tmp ("voltbay-payments-XXXXXX", &error);
  g_assert_no_error (error);
  if (data != NULL)   /* no gateway */
    return;
  standin_start (fx);
  {
    g_autofree char *config = g_strdup_printf (
      "[payments]\n"
      "stripe-api-base=%s\n"
      "stripe-secret-key=" SECRET_KEY "\n"
      "stripe-webhook-secret=" WEBHOOK_SECRET "\n"
      "qr-bank-bin=970436\n"
      "qr-account=1023456789\n"
      "qr-merchant-name=Voltbay Sài Gòn\n"
      "qr-merchant-city=Hồ Chí Minh\n",
      fx->standin_url);
    write_config (fx, config);
  }
}

static void
fx_teardown (Fx            *fx,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fx->config_dir, "voltbay.conf", NULL);

  if (fx->standin != NULL)
    standin_stop (fx);
  g_clear_object (&fx->session);
  vb_test_floor_clear (&fx->floor);
  g_unlink (path);
  g_rmdir (fx->config_dir);
  g_free (fx->config_dir);
  g_free (fx->standin_url);
}

/* --------------------------------------------------------------- money --- */

typedef struct
{
  const char *order;
  const char *total;
  char       *invoice;
} IssueInvoice;

static gboolean
issue_txn (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  IssueInvoice *ii = user_data;
  g_autoptr(PGresult) inv = vb_db_execv (conn, error,
    "INSERT INTO invoices (location_id, work_order_id, customer_id, kind, number, year, seq, currency,"
    "                      subtotal_amount, tax_amount, total_amount)"
    " SELECT w.location_id, w.id, w.customer_id, 'invoice', '', 0, 1, 'VND', $2::bigint, 0, $2::bigint"
    "   FROM work_orders w WHERE w.id = $1::uuid RETURNING id",
    ii->order, ii->total);
  g_autoptr(PGresult) line = NULL;

  if (inv == NULL)
    return FALSE;
  ii->invoice = g_strdup (vb_db_get (inv, 0, 0));
  line = vb_db_execv (conn, error,
    "INSERT INTO invoice_lines (invoice_id, location_id, position, kind, description, quantity,"
    "                           unit_price_amount, currency, tax_name, tax_bp, net_amount, tax_amount, gross_amount)"
    " SELECT id, location_id, 1, 'fee', 'EV service', 1, $2::bigint, 'VND', NULL, 0, 0, 0, 0"
    "   FROM invoices WHERE id = $1::uuid",
    ii->invoice, ii->total);
  return line != NULL;
}

/* An invoice of total VND for order (issued in SQL, as billing would). */
static char *
issue_invoice (Fx         *fx,
               const char *order,
               const char *total)
{
  g_autoptr(VbDbConn) conn = vb_test_server_db (fx->floor.server);
  g_autoptr(GError) error = NULL;
  IssueInvoice ii = { order, total, NULL };
  VbDbAudit audit = { NULL, "test", "test" };

  vb_db_transaction (conn, &audit, issue_txn, &ii, &error);
  g_assert_no_error (error);
  return ii.invoice;
}

static char *
new_order (Fx *fx)
{
  return vb_test_floor_order_at (&fx->floor, fx->floor.a, fx->floor.customer, fx->floor.vehicle);
}

/* A new order with an invoice of total. */
static char *
new_invoice (Fx         *fx,
             const char *total)
{
  g_autofree char *order = new_order (fx);

  return issue_invoice (fx, order, total);
}

static char *
invoice_state (Fx         *fx,
               const char *invoice)
{
  return vb_test_sql (fx->floor.server, "SELECT status || ' ' || paid_amount FROM invoices WHERE id = $1::uuid",
                      invoice, NULL);
}

/* POST path as token with an Idempotency-Key (NULL: none); the reply and its status. */
static JsonNode *
pay (Fx         *fx,
     const char *path,
     const char *token,
     const char *key,
     const char *body,
     guint      *status)
{
  const char *headers[] = { "Idempotency-Key", key, NULL };
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  return vb_test_request_full (fx->floor.server, "POST", path, token, "application/json", bytes,
                               key ? headers : NULL, status, NULL);
}

static JsonNode *
pay_ok (Fx         *fx,
        const char *key,
        const char *body)
{
  guint status = 0;
  JsonNode *reply = pay (fx, "/api/v1/payments", fx->floor.desk, key, body, &status);

  if (status != 201)
    g_error ("POST /payments: %u %s", status, reply ? json_to_string (reply, FALSE) : "");
  return reply;
}

static char *
invoice_payment (const char *invoice,
                 const char *method,
                 const char *amount,
                 const char *extra)
{
  return g_strdup_printf ("{\"invoice_id\": \"%s\", \"method\": \"%s\","
                          " \"amount\": {\"amount\": %s, \"currency\": \"VND\"}%s}",
                          invoice, method, amount, extra ? extra : "");
}

static char *
new_key (void)
{
  return g_uuid_string_random ();
}

static const char *
member (JsonNode   *node,
        const char *name)
{
  return vb_test_str_of (node, name);
}

static gint64
money_of (JsonNode   *node,
          const char *name)
{
  return json_object_get_int_member (json_object_get_object_member (vb_test_object (node), name), "amount");
}

/* --------------------------------------------------------------- tests --- */

static void
test_card_payment (Fx            *fx,
                   gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "1000000");
  g_autofree char *body = invoice_payment (invoice, "card", "1000000", ", \"payment_method\": \"pm_card_visa\"");
  g_autofree char *key = new_key ();
  gint64 started = g_get_monotonic_time ();
  g_autoptr(JsonNode) reply = pay_ok (fx, key, body);
  gint64 took = g_get_monotonic_time () - started;
  g_autofree char *state = invoice_state (fx, invoice);
  g_autofree char *ledger = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/payments/%s", vb_test_id_of (reply));
  g_autoptr(JsonNode) one = NULL;

  g_test_message ("a card payment through the gateway stand-in answered in %.1f ms", took / 1000.0);
  g_assert_cmpstr (member (reply, "status"), ==, "succeeded");
  g_assert_cmpstr (member (reply, "method"), ==, "card");
  g_assert_cmpstr (member (reply, "card_brand"), ==, "visa");
  g_assert_cmpstr (member (reply, "card_last4"), ==, "4242");
  g_assert_true (g_str_has_prefix (member (reply, "gateway_intent_id"), "pi_"));
  g_assert_cmpint (money_of (reply, "amount"), ==, 1000000);
  g_assert_cmpstr (state, ==, "paid 1000000");
  ledger = vb_test_sql (fx->floor.server, "SELECT count(*) || ' ' || sum(amount) FROM payment_ledger WHERE invoice_id = $1::uuid",
                        invoice, NULL);
  g_assert_cmpstr (ledger, ==, "1 1000000");
  g_assert_cmpint (standin_count (fx, "payment_intents"), ==, 1);
  /* Readable, in the feed, audited. */
  one = vb_test_call (fx->floor.server, "GET", path, fx->floor.manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (one), "ledger")), ==, 1);
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.desk, "payments", vb_test_id_of (reply), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "payments", vb_test_id_of (reply), "insert"), ==, 1);
  /* The ledger is append-only. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx->floor.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error, "DELETE FROM payment_ledger WHERE invoice_id = $1::uuid", invoice);

    g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  }
}

static void
test_partial_then_rest (Fx            *fx,
                        gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "1000000");
  g_autofree char *cash = invoice_payment (invoice, "cash", "400000",
                                           ", \"tendered\": {\"amount\": 500000, \"currency\": \"VND\"}");
  g_autofree char *transfer = invoice_payment (invoice, "bank_transfer", "600000", NULL);
  g_autofree char *one_more = invoice_payment (invoice, "cash", "1", NULL);
  g_autofree char *k1 = new_key (), *k2 = new_key (), *k3 = new_key (), *k4 = new_key ();
  g_autoptr(JsonNode) first = pay_ok (fx, k1, cash);
  g_autofree char *state = invoice_state (fx, invoice);
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) confirmed = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autofree char *confirm = NULL;
  g_autofree char *expected_crc = NULL;
  const char *qr;
  guint status = 0;

  g_assert_cmpstr (member (first, "status"), ==, "succeeded");
  g_assert_cmpint (money_of (first, "change"), ==, 100000);
  g_assert_cmpstr (state, ==, "partially_paid 400000");

  second = pay_ok (fx, k2, transfer);
  g_assert_cmpstr (member (second, "status"), ==, "pending");
  qr = member (second, "qr_payload");
  g_assert_nonnull (qr);
  g_assert_true (g_str_has_prefix (qr, "00020101021238"));
  g_assert_nonnull (strstr (qr, "0006970436011010234567890208QRIBFTTA"));
  g_assert_nonnull (strstr (qr, "5406600000"));
  g_assert_nonnull (strstr (qr, member (second, "reference")));
  expected_crc = g_strdup_printf ("%04X", vb_emv_qr_crc16 (qr, strlen (qr) - 4));
  g_assert_true (g_str_has_suffix (qr, expected_crc));
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "partially_paid 400000");

  /* The pending transfer holds the rest: nothing more fits. */
  refused = pay (fx, "/api/v1/payments", fx->floor.desk, k3, one_more, &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (refused, "conflict", "amount");

  /* Staff saw the transfer arrive. */
  confirm = g_strdup_printf ("/api/v1/payments/%s/confirm", vb_test_id_of (second));
  confirmed = vb_test_call (fx->floor.server, "POST", confirm, fx->floor.desk, NULL, 200);
  g_assert_cmpstr (member (confirmed, "status"), ==, "succeeded");
  g_assert_false (json_object_has_member (vb_test_object (confirmed), "qr_payload"));
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 1000000");
  vb_test_call_error (fx->floor.server, "POST", confirm, fx->floor.desk, NULL, 409, "conflict", "status");
  {
    g_autoptr(JsonNode) more = pay (fx, "/api/v1/payments", fx->floor.desk, k4, one_more, &status);

    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (more, "conflict", "amount");
  }
}

static void
test_deposit_applied (Fx            *fx,
                      gconstpointer  data)
{
  g_autofree char *order = new_order (fx);
  g_autofree char *body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"method\": \"cash\","
                                           " \"amount\": {\"amount\": 300000, \"currency\": \"VND\"}}", order);
  g_autofree char *key = new_key ();
  g_autoptr(JsonNode) deposit = pay_ok (fx, key, body);
  g_autofree char *invoice = NULL;
  g_autofree char *state = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/payments/%s", vb_test_id_of (deposit));
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *key2 = new_key ();
  guint status = 0;

  g_assert_true (json_object_get_boolean_member (vb_test_object (deposit), "deposit"));
  g_assert_cmpint (money_of (deposit, "unapplied"), ==, 300000);

  invoice = issue_invoice (fx, order, "1000000");
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "partially_paid 300000");
  after = vb_test_call (fx->floor.server, "GET", path, fx->floor.desk, NULL, 200);
  g_assert_cmpint (money_of (after, "unapplied"), ==, 0);
  /* The work order is invoiced now: a payment goes to the invoice. */
  {
    g_autoptr(JsonNode) refused = pay (fx, "/api/v1/payments", fx->floor.desk, key2, body, &status);

    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (refused, "conflict", "invoice_id");
  }
}

static void
test_refunds (Fx            *fx,
              gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "1000000");
  g_autofree char *body = invoice_payment (invoice, "card", "1000000", ", \"payment_method\": \"pm_card_mastercard\"");
  g_autofree char *key = new_key (), *r1 = new_key (), *r2 = new_key (), *r3 = new_key ();
  g_autoptr(JsonNode) paid = pay_ok (fx, key, body);
  g_autofree char *path = g_strdup_printf ("/api/v1/payments/%s/refunds", vb_test_id_of (paid));
  g_autoptr(JsonNode) refund = NULL;
  g_autoptr(JsonNode) rest = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) denied = NULL;
  g_autoptr(JsonNode) nokey = NULL;
  g_autofree char *state = NULL;
  guint status = 0;

  g_assert_cmpstr (member (paid, "card_brand"), ==, "mastercard");
  /* Reception takes payments but does not refund. */
  denied = pay (fx, path, fx->floor.desk, r1, "{\"amount\": {\"amount\": 400000, \"currency\": \"VND\"}}", &status);
  g_assert_cmpuint (status, ==, 403);
  nokey = pay (fx, path, fx->floor.manager, NULL, "{}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (nokey, "validation_failed", "Idempotency-Key");

  refund = pay (fx, path, fx->floor.manager, r2,
                "{\"amount\": {\"amount\": 400000, \"currency\": \"VND\"}, \"reason\": \"Part not fitted\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (g_str_has_prefix (member (refund, "gateway_refund_id"), "re_"));
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "partially_paid 600000");
  g_assert_cmpint (standin_count (fx, "refunds"), ==, 1);

  /* The rest (no amount: everything left). */
  rest = pay (fx, path, fx->floor.manager, r3, "{}", &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpint (money_of (rest, "amount"), ==, 600000);
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "issued 0");
  g_assert_cmpint (standin_count (fx, "refunds"), ==, 2);
  {
    g_autofree char *r4 = new_key ();

    again = pay (fx, path, fx->floor.manager, r4, "{\"amount\": {\"amount\": 1, \"currency\": \"VND\"}}", &status);
    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (again, "conflict", "amount");
  }
  g_assert_cmpint (standin_count (fx, "refunds"), ==, 2);
}

typedef struct
{
  const char *url;
  const char *token;
  const char *key;
  const char *body;
  GMutex     *lock;
  GCond      *cond;
  gboolean   *go;
  guint       status;
  char       *reply;
} Retry;

static gpointer
retry_thread (gpointer data)
{
  Retry *r = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", r->url);
  g_autoptr(GBytes) body = g_bytes_new_static (r->body, strlen (r->body));
  g_autofree char *auth = g_strdup_printf ("Bearer %s", r->token);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Idempotency-Key", r->key);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  g_mutex_lock (r->lock);
  while (!*r->go)
    g_cond_wait (r->cond, r->lock);
  g_mutex_unlock (r->lock);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->reply = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  return NULL;
}

#define RETRIES 100

static void
test_concurrent_retries (Fx            *fx,
                         gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "2500000");
  g_autofree char *body = invoice_payment (invoice, "card", "2500000", ", \"payment_method\": \"pm_card_visa\"");
  g_autofree char *key = new_key ();
  g_autofree char *url = g_strconcat (fx->floor.server->base_url, "/api/v1/payments", NULL);
  Retry retries[RETRIES];
  GThread *threads[RETRIES];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  g_autofree char *count = NULL, *ledger = NULL, *state = NULL;
  gint64 started;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < RETRIES; i++)
    {
      retries[i] = (Retry) { url, fx->floor.desk, key, body, &lock, &cond, &go, 0, NULL };
      threads[i] = g_thread_new ("retry", retry_thread, &retries[i]);
    }
  started = g_get_monotonic_time ();
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < RETRIES; i++)
    g_thread_join (threads[i]);
  g_test_message ("%d concurrent retries of one Idempotency-Key answered in %.0f ms", RETRIES,
                  (g_get_monotonic_time () - started) / 1000.0);
  for (guint i = 0; i < RETRIES; i++)
    {
      g_assert_cmpuint (retries[i].status, ==, 201);
      g_assert_cmpstr (retries[i].reply, ==, retries[0].reply);
    }
  for (guint i = 0; i < RETRIES; i++)
    g_free (retries[i].reply);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);

  g_assert_cmpint (standin_count (fx, "payment_intents"), ==, 1);
  count = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid", invoice, NULL);
  g_assert_cmpstr (count, ==, "1");
  ledger = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payment_ledger WHERE invoice_id = $1::uuid", invoice, NULL);
  g_assert_cmpstr (ledger, ==, "1");
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 2500000");

  /* The same key for another request is refused; no key at all too. */
  {
    g_autofree char *other = invoice_payment (invoice, "cash", "1", NULL);
    guint status = 0;
    g_autoptr(JsonNode) refused = pay (fx, "/api/v1/payments", fx->floor.desk, key, other, &status);
    g_autoptr(JsonNode) nokey = pay (fx, "/api/v1/payments", fx->floor.desk, NULL, other, &status);

    vb_test_assert_error (refused, "validation_failed", "Idempotency-Key");
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (nokey, "validation_failed", "Idempotency-Key");
  }
}

/* Ten desks take the whole balance at once, each with its own key: one
 * payment, nine 409s naming amount, never more than the invoice. */
static void
test_concurrent_overpayment (Fx            *fx,
                             gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "800000");
  g_autofree char *body = invoice_payment (invoice, "cash", "800000", NULL);
  g_autofree char *url = g_strconcat (fx->floor.server->base_url, "/api/v1/payments", NULL);
  Retry jobs[10];
  GThread *threads[10];
  char *keys[10];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, refused = 0;
  g_autofree char *state = NULL;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < 10; i++)
    {
      keys[i] = new_key ();
      jobs[i] = (Retry) { url, fx->floor.desk, keys[i], body, &lock, &cond, &go, 0, NULL };
      threads[i] = g_thread_new ("pay", retry_thread, &jobs[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < 10; i++)
    {
      g_thread_join (threads[i]);
      if (jobs[i].status == 201)
        created++;
      else if (jobs[i].status == 409 && strstr (jobs[i].reply, "\"field\":\"amount\"") != NULL)
        refused++;
      else
        g_test_message ("unexpected %u %s", jobs[i].status, jobs[i].reply);
      g_free (jobs[i].reply);
      g_free (keys[i]);
    }
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (refused, ==, 9);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 800000");
}

/* A deposit larger than the invoice: the rest stays unapplied; refunds
 * take it first, then the invoice. */
static void
test_deposit_rest_refunded (Fx            *fx,
                            gconstpointer  data)
{
  g_autofree char *order = new_order (fx);
  g_autofree char *body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"method\": \"cash\","
                                           " \"amount\": {\"amount\": 300000, \"currency\": \"VND\"}}", order);
  g_autofree char *key = new_key (), *r1 = new_key (), *r2 = new_key ();
  g_autoptr(JsonNode) deposit = pay_ok (fx, key, body);
  g_autofree char *invoice = issue_invoice (fx, order, "200000");
  g_autofree char *state = invoice_state (fx, invoice);
  g_autofree char *path = g_strdup_printf ("/api/v1/payments/%s/refunds", vb_test_id_of (deposit));
  g_autoptr(JsonNode) first = NULL, second = NULL;
  guint status = 0;

  g_assert_cmpstr (state, ==, "paid 200000");
  first = pay (fx, path, fx->floor.manager, r1, "{\"amount\": {\"amount\": 100000, \"currency\": \"VND\"}}", &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpint (money_of (json_object_get_member (vb_test_object (first), "payment"), "unapplied"), ==, 0);
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 200000");
  second = pay (fx, path, fx->floor.manager, r2, "{\"amount\": {\"amount\": 50000, \"currency\": \"VND\"}}", &status);
  g_assert_cmpuint (status, ==, 201);
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "partially_paid 150000");
}

/* An e-wallet payment waiting for its payer: its reply. */
static JsonNode *
pending_wallet (Fx         *fx,
                const char *invoice)
{
  g_autofree char *body = invoice_payment (invoice, "e_wallet", "750000", NULL);
  g_autofree char *key = new_key ();
  JsonNode *reply = pay_ok (fx, key, body);

  g_assert_cmpstr (member (reply, "status"), ==, "pending");
  g_assert_true (g_str_has_prefix (member (reply, "gateway_intent_id"), "pi_"));
  g_assert_nonnull (member (reply, "qr_payload"));
  return reply;
}

static void
test_webhook_bad_signature (Fx            *fx,
                            gconstpointer  data)
{
  static const char * const signatures[] = { "bad", "none", "old" };
  g_autofree char *invoice = new_invoice (fx, "750000");
  g_autoptr(JsonNode) wallet = pending_wallet (fx, invoice);
  g_autofree char *audit_before = vb_test_sql (fx->floor.server, "SELECT count(*) FROM audit_log", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (signatures); i++)
    {
      g_autoptr(JsonNode) sent = send_event (fx, "payment_intent.succeeded", member (wallet, "gateway_intent_id"),
                                             signatures[i], NULL);
      g_autofree char *status = NULL, *events = NULL, *state = NULL, *audit_after = NULL;

      g_assert_cmpint (json_object_get_int_member (vb_test_object (sent), "status"), ==, 401);
      status = vb_test_sql (fx->floor.server, "SELECT status FROM payments WHERE id = $1::uuid",
                            vb_test_id_of (wallet), NULL);
      g_assert_cmpstr (status, ==, "pending");
      events = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payment_gateway_events", NULL);
      g_assert_cmpstr (events, ==, "0");
      state = invoice_state (fx, invoice);
      g_assert_cmpstr (state, ==, "issued 0");
      audit_after = vb_test_sql (fx->floor.server, "SELECT count(*) FROM audit_log", NULL);
      g_assert_cmpstr (audit_after, ==, audit_before);
    }
}

static void
test_webhook_confirms_wallet (Fx            *fx,
                              gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "750000");
  g_autoptr(JsonNode) wallet = pending_wallet (fx, invoice);
  g_autoptr(JsonNode) sent = send_event (fx, "payment_intent.succeeded", member (wallet, "gateway_intent_id"),
                                         "good", NULL);
  JsonObject *o = vb_test_object (sent);
  g_autoptr(JsonNode) reply = json_from_string (json_object_get_string_member (o, "body"), NULL);
  g_autoptr(JsonNode) replay = NULL;
  g_autoptr(JsonNode) replay_reply = NULL;
  g_autofree char *status = NULL, *state = NULL, *ledger = NULL, *ledger2 = NULL, *audit = NULL, *audit2 = NULL;

  g_assert_cmpint (json_object_get_int_member (o, "status"), ==, 200);
  g_assert_cmpstr (member (reply, "payment_id"), ==, vb_test_id_of (wallet));
  g_assert_false (json_object_get_boolean_member (vb_test_object (reply), "duplicate"));
  status = vb_test_sql (fx->floor.server, "SELECT status FROM payments WHERE id = $1::uuid", vb_test_id_of (wallet), NULL);
  g_assert_cmpstr (status, ==, "succeeded");
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 750000");
  ledger = vb_test_sql (fx->floor.server, "SELECT count(*) || ' ' || sum(amount) FROM payment_ledger WHERE invoice_id = $1::uuid",
                        invoice, NULL);
  g_assert_cmpstr (ledger, ==, "1 750000");
  audit = vb_test_sql (fx->floor.server, "SELECT count(*) FROM audit_log", NULL);

  /* The same event again (Stripe retries): acknowledged, nothing changes. */
  replay = send_event (fx, "payment_intent.succeeded", member (wallet, "gateway_intent_id"), "good",
                       json_object_get_string_member (o, "event_id"));
  g_assert_cmpint (json_object_get_int_member (vb_test_object (replay), "status"), ==, 200);
  replay_reply = json_from_string (json_object_get_string_member (vb_test_object (replay), "body"), NULL);
  g_assert_true (json_object_get_boolean_member (vb_test_object (replay_reply), "duplicate"));
  ledger2 = vb_test_sql (fx->floor.server, "SELECT count(*) || ' ' || sum(amount) FROM payment_ledger WHERE invoice_id = $1::uuid",
                         invoice, NULL);
  g_assert_cmpstr (ledger2, ==, ledger);
  audit2 = vb_test_sql (fx->floor.server, "SELECT count(*) FROM audit_log", NULL);
  g_assert_cmpstr (audit2, ==, audit);

  /* A refund made at the gateway's dashboard reaches us once. */
  {
    g_autoptr(JsonNode) refunded = send_event (fx, "charge.refunded", member (wallet, "gateway_intent_id"), "good", NULL);
    g_autoptr(JsonNode) again = send_event (fx, "charge.refunded", member (wallet, "gateway_intent_id"), "good",
                                            json_object_get_string_member (vb_test_object (refunded), "event_id"));
    g_autofree char *after = NULL;

    g_assert_cmpint (json_object_get_int_member (vb_test_object (refunded), "status"), ==, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (again), "status"), ==, 200);
    after = invoice_state (fx, invoice);
    g_assert_cmpstr (after, ==, "issued 0");
  }
}

static void
test_declined_and_3ds (Fx            *fx,
                       gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "500000");
  g_autofree char *declined = invoice_payment (invoice, "card", "500000", ", \"payment_method\": \"pm_card_chargeDeclined\"");
  g_autofree char *secure = invoice_payment (invoice, "card", "500000", ", \"payment_method\": \"pm_card_threeDSecure2Required\"");
  g_autofree char *key = new_key (), *key2 = new_key ();
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) pending = NULL;
  g_autoptr(JsonNode) still = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autofree char *confirm = NULL, *hook = NULL, *failed = NULL, *state = NULL;
  JsonObject *details;
  guint status = 0;

  refused = pay (fx, "/api/v1/payments", fx->floor.desk, key, declined, &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (refused, "validation_failed", "payment_method");
  details = json_object_get_object_member (json_object_get_object_member (vb_test_object (refused), "error"), "details");
  g_assert_cmpstr (json_object_get_string_member (details, "gateway_code"), ==, "card_declined");
  failed = vb_test_sql (fx->floor.server, "SELECT status || ' ' || failure_code FROM payments WHERE id = $1::uuid",
                        json_object_get_string_member (details, "payment_id"), NULL);
  g_assert_cmpstr (failed, ==, "failed card_declined");
  again = pay (fx, "/api/v1/payments", fx->floor.desk, key, declined, &status);
  g_assert_cmpuint (status, ==, 422);
  g_assert_cmpint (standin_count (fx, "payment_intents"), ==, 1);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "issued 0");

  pending = pay_ok (fx, key2, secure);
  g_assert_cmpstr (member (pending, "status"), ==, "requires_action");
  confirm = g_strdup_printf ("/api/v1/payments/%s/confirm", vb_test_id_of (pending));
  still = vb_test_call (fx->floor.server, "POST", confirm, fx->floor.desk, NULL, 200);
  g_assert_cmpstr (member (still, "status"), ==, "requires_action");
  hook = g_strdup_printf ("/_3ds/%s", member (pending, "gateway_intent_id"));
  json_node_unref (standin_call (fx, "POST", hook, "{}"));
  done = vb_test_call (fx->floor.server, "POST", confirm, fx->floor.desk, NULL, 200);
  g_assert_cmpstr (member (done, "status"), ==, "succeeded");
  g_free (state);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 500000");
}

static void
test_card_numbers_refused (Fx            *fx,
                           gconstpointer  data)
{
  static const struct { const char *extra; const char *field; } cases[] = {
    { ", \"card_number\": \"4242424242424242\"", "card_number" },
    { ", \"card\": {\"number\": \"4000056655665556\", \"cvc\": \"123\"}", "card" },
    { ", \"cvc\": \"123\"", "cvc" },
    { ", \"note\": \"card 4242 4242 4242 4242 exp 12/34\"", "note" },
    { ", \"note\": \"5555-5555-5555-4444\"", "note" },
    { ", \"payment_method\": \"4242424242424242\"", "payment_method" },
  };
  g_autofree char *invoice = new_invoice (fx, "500000");
  g_autofree char *keys_before = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payment_idempotency_keys", NULL);
  g_autofree char *found = NULL, *keys_after = NULL, *audit = NULL, *log = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = invoice_payment (invoice, "card", "500000", cases[i].extra);
      g_autofree char *key = new_key ();
      guint status = 0;
      g_autoptr(JsonNode) reply = pay (fx, "/api/v1/payments", fx->floor.desk, key, body, &status);
      g_autofree char *text = json_to_string (reply, FALSE);

      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
      g_assert_null (strstr (text, "4242"));
      g_assert_null (strstr (text, "5556"));
    }
  /* A reference that merely looks numeric is fine (not Luhn-valid). */
  {
    g_autofree char *body = invoice_payment (invoice, "cash", "1000", ", \"note\": \"receipt 1234567890123\"");
    g_autofree char *key = new_key ();
    g_autoptr(JsonNode) ok = pay_ok (fx, key, body);
  }
  found = vb_test_sql (fx->floor.server,
                       "SELECT count(*) FROM payments WHERE note ~ '4242|5556|4444' OR failure_message ~ '4242'", NULL);
  g_assert_cmpstr (found, ==, "0");
  keys_after = vb_test_sql (fx->floor.server, "SELECT count(*) - 1 FROM payment_idempotency_keys", NULL);
  g_assert_cmpstr (keys_after, ==, keys_before);
  audit = vb_test_sql (fx->floor.server,
                       "SELECT count(*) FROM audit_log WHERE coalesce(after::text, '') ~ '4242 4242|4242424242424242|4000056655665556'",
                       NULL);
  g_assert_cmpstr (audit, ==, "0");
  g_file_get_contents (fx->floor.server->log_path, &log, NULL, NULL);
  g_assert_null (strstr (log ? log : "", "4242424242424242"));
  g_assert_null (strstr (log ? log : "", "4242 4242"));
}

static void
test_permissions (Fx            *fx,
                  gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "500000");
  g_autofree char *body = invoice_payment (invoice, "cash", "100000", NULL);
  g_autofree char *key = new_key (), *key2 = new_key (), *key3 = new_key ();
  g_autoptr(JsonNode) paid = pay_ok (fx, key, body);
  g_autofree char *path = g_strdup_printf ("/api/v1/payments/%s", vb_test_id_of (paid));
  g_autofree char *other = vb_test_user_token (fx->floor.server, "desk-hn@voltbay.test", "reception", "HN-1");
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) tech = NULL;
  g_autoptr(JsonNode) elsewhere = NULL;
  guint status = 0;

  /* Technicians neither see nor take payments. */
  tech = pay (fx, "/api/v1/payments", fx->floor.tech_b, key2, body, &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_call_error (fx->floor.server, "GET", path, fx->floor.tech_b, NULL, 403, "forbidden", NULL);
  /* Reception of another shop: not found, and not in its list. */
  vb_test_call_error (fx->floor.server, "GET", path, other, NULL, 404, "not_found", NULL);
  list = vb_test_call (fx->floor.server, "GET", "/api/v1/payments", other, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 0);
  elsewhere = pay (fx, "/api/v1/payments", other, key3, body, &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (elsewhere, "validation_failed", "invoice_id");
  /* The shop's own desk lists it. */
  mine = vb_test_call (fx->floor.server, "GET", "/api/v1/payments?invoice_id=", fx->floor.desk, NULL, 422);
  g_clear_pointer (&mine, json_node_unref);
  {
    g_autofree char *q = g_strdup_printf ("/api/v1/payments?invoice_id=%s", invoice);

    mine = vb_test_call (fx->floor.server, "GET", q, fx->floor.desk, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 1);
  }
  /* Cancelling a succeeded payment is a state conflict. */
  {
    g_autofree char *cancel = g_strdup_printf ("%s/cancel", path);

    vb_test_call_error (fx->floor.server, "POST", cancel, fx->floor.desk, NULL, 409, "conflict", "status");
  }
}

static void
test_no_gateway (Fx            *fx,
                 gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "500000");
  g_autofree char *card = invoice_payment (invoice, "card", "500000", ", \"payment_method\": \"pm_card_visa\"");
  g_autofree char *wallet = invoice_payment (invoice, "e_wallet", "500000", NULL);
  g_autofree char *transfer = invoice_payment (invoice, "bank_transfer", "500000", NULL);
  g_autofree char *k1 = new_key (), *k2 = new_key (), *k3 = new_key ();
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(JsonNode) hook = NULL;
  guint status = 0;

  r1 = pay (fx, "/api/v1/payments", fx->floor.desk, k1, card, &status);
  g_assert_cmpuint (status, ==, 503);
  vb_test_assert_error (r1, "service_unavailable", NULL);
  r2 = pay (fx, "/api/v1/payments", fx->floor.desk, k2, wallet, &status);
  g_assert_cmpuint (status, ==, 503);
  /* A transfer works; without a configured account it has no QR. */
  r3 = pay_ok (fx, k3, transfer);
  g_assert_true (json_object_has_member (vb_test_object (r3), "qr_payload"));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (vb_test_object (r3), "qr_payload")));
  hook = vb_test_request (fx->floor.server, "POST", "/api/v1/webhooks/stripe", NULL, "{}", &status);
  g_assert_cmpuint (status, ==, 503);
}

/* The gateway down: 503, kept pending and not kept as the key's reply;
 * the retry with the same key, once the gateway is back, completes the
 * same payment (one payment, one PaymentIntent). */
static void
test_gateway_outage_resumed (Fx            *fx,
                             gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "600000");
  g_autofree char *body = invoice_payment (invoice, "card", "600000", ", \"payment_method\": \"pm_card_visa\"");
  g_autofree char *key = new_key ();
  g_autofree char *port = g_strdup (strrchr (fx->standin_url, ':') + 1);
  g_autofree char *pending = NULL, *count = NULL, *state = NULL;
  g_autoptr(JsonNode) down = NULL;
  g_autoptr(JsonNode) back = NULL;
  guint status = 0;

  standin_stop (fx);
  down = pay (fx, "/api/v1/payments", fx->floor.desk, key, body, &status);
  g_assert_cmpuint (status, ==, 503);
  vb_test_assert_error (down, "service_unavailable", NULL);
  pending = vb_test_sql (fx->floor.server, "SELECT status FROM payments WHERE invoice_id = $1::uuid", invoice, NULL);
  g_assert_cmpstr (pending, ==, "pending");

  standin_start_on (fx, port);
  back = pay_ok (fx, key, body);
  g_assert_cmpstr (member (back, "status"), ==, "succeeded");
  count = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid", invoice, NULL);
  g_assert_cmpstr (count, ==, "1");
  g_assert_cmpint (standin_count (fx, "payment_intents"), ==, 1);
  state = invoice_state (fx, invoice);
  g_assert_cmpstr (state, ==, "paid 600000");
}

/* An offline client's outbox change: Voltbay-Mutation serves as the key. */
static void
test_mutation_as_key (Fx            *fx,
                      gconstpointer  data)
{
  g_autofree char *invoice = new_invoice (fx, "500000");
  g_autofree char *body = invoice_payment (invoice, "cash", "200000", NULL);
  g_autofree char *client = g_uuid_string_random ();
  g_autofree char *mutation = g_strdup_printf ("%s:1", client);
  const char *headers[] = { "Voltbay-Mutation", mutation, NULL };
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  guint s1 = 0, s2 = 0;
  g_autoptr(JsonNode) first = vb_test_request_full (fx->floor.server, "POST", "/api/v1/payments", fx->floor.desk,
                                                    "application/json", bytes, headers, &s1, NULL);
  g_autoptr(JsonNode) again = vb_test_request_full (fx->floor.server, "POST", "/api/v1/payments", fx->floor.desk,
                                                    "application/json", bytes, headers, &s2, NULL);
  g_autofree char *t1 = json_to_string (first, FALSE), *t2 = json_to_string (again, FALSE);
  g_autofree char *count = vb_test_sql (fx->floor.server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid",
                                        invoice, NULL);
  g_autofree char *state = invoice_state (fx, invoice);

  g_assert_cmpuint (s1, ==, 201);
  g_assert_cmpuint (s2, ==, 201);
  g_assert_cmpstr (t2, ==, t1);
  g_assert_cmpstr (count, ==, "1");
  g_assert_cmpstr (state, ==, "partially_paid 200000");
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add ("/payments/card", Fx, NULL, fx_setup, test_card_payment, fx_teardown);
  g_test_add ("/payments/partial-then-rest", Fx, NULL, fx_setup, test_partial_then_rest, fx_teardown);
  g_test_add ("/payments/deposit-applied", Fx, NULL, fx_setup, test_deposit_applied, fx_teardown);
  g_test_add ("/payments/refunds", Fx, NULL, fx_setup, test_refunds, fx_teardown);
  g_test_add ("/payments/concurrent-retries", Fx, NULL, fx_setup, test_concurrent_retries, fx_teardown);
  g_test_add ("/payments/concurrent-overpayment", Fx, NULL, fx_setup, test_concurrent_overpayment, fx_teardown);
  g_test_add ("/payments/deposit-rest-refunded", Fx, NULL, fx_setup, test_deposit_rest_refunded, fx_teardown);
  g_test_add ("/payments/webhook-bad-signature", Fx, NULL, fx_setup, test_webhook_bad_signature, fx_teardown);
  g_test_add ("/payments/webhook-confirms-wallet", Fx, NULL, fx_setup, test_webhook_confirms_wallet, fx_teardown);
  g_test_add ("/payments/declined-and-3ds", Fx, NULL, fx_setup, test_declined_and_3ds, fx_teardown);
  g_test_add ("/payments/card-numbers-refused", Fx, NULL, fx_setup, test_card_numbers_refused, fx_teardown);
  g_test_add ("/payments/permissions", Fx, NULL, fx_setup, test_permissions, fx_teardown);
  g_test_add ("/payments/gateway-outage-resumed", Fx, NULL, fx_setup, test_gateway_outage_resumed, fx_teardown);
  g_test_add ("/payments/mutation-as-key", Fx, NULL, fx_setup, test_mutation_as_key, fx_teardown);
  g_test_add ("/payments/no-gateway", Fx, "no gateway", fx_setup, test_no_gateway, fx_teardown);
  return g_test_run ();
}
