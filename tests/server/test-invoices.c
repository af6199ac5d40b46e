/* test-invoices.c — invoices and credit notes against the real server: an
 * invoice from the work order's actual labor (clocked per task, 0.1 h
 * rounded up) and parts used, plus approved fees; work beyond the approved
 * total refused (409 naming approval) until a new version is approved;
 * numbering per location and year without gaps (a refused issue gives its
 * number back; 20 concurrent issues get 1..20); issued invoices immutable
 * even in SQL; partial credit notes, void with a credit note for the rest,
 * a paid invoice not voided; permissions and location scoping; change feed
 * and audit rows.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <libsoup/soup.h>
#include <string.h>

#define assert_sql(fx, expected, ...) \
  G_STMT_START { \
    g_autofree char *_value = vb_test_sql ((fx)->floor.server, __VA_ARGS__, NULL); \
    g_assert_cmpstr (_value, ==, (expected)); \
  } G_STMT_END

typedef struct
{
  VbTestFloor floor;   /* HCM-1 with a customer; tech_b at HN-1 */
  char *order;         /* diagnosing */
  char *task;
  char *part;          /* 250,000 VND, VAT8 */
  char *year;          /* this year at HCM-1 */
} Fx;

static void
add_rate (Fx         *fx,
          const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s/rates", fx->floor.a);

  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.admin, body, 201));
}

static void
fx_setup (Fx            *fx,
          gconstpointer  data)
{
  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_CUSTOMER | VB_TEST_FLOOR_TECH_B);
  add_rate (fx, "{\"kind\": \"labor\", \"name\": \"Standard\", \"amount_per_hour\": {\"amount\": 450000, \"currency\": \"VND\"}}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT\", \"percent_bp\": 1000}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT8\", \"percent_bp\": 800}");
  fx->part = vb_test_sql (fx->floor.server,
                          "INSERT INTO parts (sku, name, unit_cost_amount, sale_price_amount, currency, tax_class)"
                          " VALUES ('CF-VF8', 'Cabin filter VF 8', 100000, 250000, 'VND', 'VAT8') RETURNING id", NULL);
  fx->order = vb_test_floor_order (&fx->floor, "diagnosing");
  fx->task = vb_test_sql (fx->floor.server,
                          "INSERT INTO work_order_tasks (work_order_id, location_id, title, estimated_tenths)"
                          " SELECT $1::uuid, location_id, 'Replace cabin filter', 10 FROM work_orders"
                          "  WHERE id = $1::uuid RETURNING id", fx->order, NULL);
  fx->year = vb_test_sql (fx->floor.server,
                          "SELECT extract(year FROM now() AT TIME ZONE time_zone)::int::text FROM locations"
                          " WHERE id = $1::uuid", fx->floor.a, NULL);
}

static void
fx_teardown (Fx            *fx,
             gconstpointer  data)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->order); g_free (fx->task); g_free (fx->part); g_free (fx->year);
}

static gint64
money (JsonObject *o,
       const char *member)
{
  JsonObject *m = json_object_get_object_member (o, member);

  g_assert_cmpstr (json_object_get_string_member (m, "currency"), ==, "VND");
  return json_object_get_int_member (m, "amount");
}

static JsonObject *
line_at (JsonNode *node,
         guint     i)
{
  return json_array_get_object_element (json_object_get_array_member (vb_test_object (node), "lines"), i);
}

/* A quote version for order with lines_json, every line approved by phone. */
static void
approve_quote (Fx         *fx,
               const char *order,
               const char *lines_json)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", order);
  g_autofree char *body = g_strdup_printf ("{\"lines\": %s}", lines_json);
  g_autoptr(JsonNode) version = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 201);
  JsonArray *lines = json_object_get_array_member (vb_test_object (version), "lines");
  g_autoptr(GString) decisions = g_string_new ("{\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\", \"decisions\": [");
  g_autofree char *decide = g_strdup_printf ("/api/v1/quote-versions/%s/decisions", vb_test_id_of (version));
  g_autoptr(JsonNode) decided = NULL;

  for (guint i = 0; i < json_array_get_length (lines); i++)
    g_string_append_printf (decisions, "%s{\"quote_line_id\": \"%s\", \"decision\": \"approved\"}", i ? ", " : "",
                            json_object_get_string_member (json_array_get_object_element (lines, i), "id"));
  g_string_append (decisions, "]}");
  decided = vb_test_call (fx->floor.server, "POST", decide, fx->floor.desk, decisions->str, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (decided), "status"), ==, "decided");
}

/* Clocked time on the task (minutes from two days ago) and two filters used. */
static void
do_the_work (Fx *fx)
{
  g_autofree char *tech = vb_test_me_id (fx->floor.server, fx->floor.tech);

  /* 50 min → 9 tenths, 7 min → 2 tenths: 1.1 h. */
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO time_entries (technician_id, task_id, started_at, ended_at)"
                       " VALUES ($1::uuid, $2::uuid, date_trunc('hour', now()) - interval '2 days',"
                       "         date_trunc('hour', now()) - interval '2 days' + interval '50 minutes'),"
                       "        ($1::uuid, $2::uuid, date_trunc('hour', now()) - interval '2 days' + interval '1 hour',"
                       "         date_trunc('hour', now()) - interval '2 days' + interval '67 minutes')",
                       tech, fx->task, NULL));
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO stock_movements (location_id, part_id, kind, quantity, unit_cost_amount, currency)"
                       " VALUES ($1::uuid, $2::uuid, 'receipt', 10, 100000, 'VND')", fx->floor.a, fx->part, NULL));
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO stock_movements (location_id, part_id, kind, quantity, work_order_id)"
                       " VALUES ($1::uuid, $2::uuid, 'consumption', -3, $3::uuid),"
                       "        ($1::uuid, $2::uuid, 'return', 1, $3::uuid)", fx->floor.a, fx->part, fx->order, NULL));
}

static char *
labor_json (const char *hours,
            const char *part)
{
  return g_strdup_printf ("[{\"kind\": \"labor\", \"description\": \"Replace cabin filter\", \"quantity\": %s},"
                          " {\"kind\": \"part\", \"part_id\": \"%s\", \"quantity\": 2},"
                          " {\"kind\": \"fee\", \"description\": \"Disposal\", \"unit_price\": {\"amount\": 30000, \"currency\": \"VND\"}}]",
                          hours, part);
}

/* The order invoiced as in test_from_actuals; returns the invoice. */
static JsonNode *
issue_for_actuals (Fx *fx)
{
  g_autofree char *lines = labor_json ("1.2", fx->part);
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", fx->order);

  do_the_work (fx);
  approve_quote (fx, fx->order, lines);
  return vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, NULL, 201);
}

/* ------------------------------------------------------------ actuals --- */

static void
test_from_actuals (Fx            *fx,
                   gconstpointer  data)
{
  g_autofree char *v1_lines = labor_json ("1.0", fx->part);
  g_autofree char *v2_lines = labor_json ("1.2", fx->part);
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", fx->order);
  g_autofree char *preview_path = g_strdup_printf ("/api/v1/work-orders/%s/invoice-preview", fx->order);
  g_autofree char *number = NULL;
  g_autofree char *get_path = NULL;
  g_autofree char *list_path = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(JsonNode) invoice = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *o, *l;

  /* Nothing done and nothing approved: nothing to invoice. */
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, NULL, 409, "conflict", "lines");
  do_the_work (fx);
  /* Approved 1.0 h: 495,000 + 540,000 + 33,000 = 1,068,000; done 1.1 h: 544,500 + 540,000 + 33,000. */
  approve_quote (fx, fx->order, v1_lines);
  preview = vb_test_call (fx->floor.server, "GET", preview_path, fx->floor.tech, NULL, 200);
  g_assert_cmpint (money (vb_test_object (preview), "total"), ==, 1117500);
  g_assert_cmpint (money (vb_test_object (preview), "approved_total"), ==, 1068000);
  g_assert_false (json_object_get_boolean_member (vb_test_object (preview), "within_approval"));
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, NULL, 409, "conflict", "approval");

  /* A technician cannot issue; another location's staff do not see the order. */
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.tech_b, NULL, 403, "forbidden", NULL);

  /* A clock running on the order blocks the invoice. */
  {
    g_autofree char *tech = vb_test_me_id (fx->floor.server, fx->floor.tech);
    g_autofree char *running = vb_test_sql (fx->floor.server,
                                            "INSERT INTO time_entries (technician_id, task_id, started_at)"
                                            " VALUES ($1::uuid, $2::uuid, now()) RETURNING id", tech, fx->task, NULL);
    vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, NULL, 409, "conflict", "time_entries");
    g_free (vb_test_sql (fx->floor.server, "DELETE FROM time_entries WHERE id = $1::uuid", running, NULL));
  }

  /* A new version for 1.2 h approved: now within the approval. */
  approve_quote (fx, fx->order, v2_lines);
  invoice = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, NULL, 201);
  o = vb_test_object (invoice);
  /* The refused issues gave their numbers back: this is the first. */
  number = g_strdup_printf ("HCM-1-%s-000001", fx->year);
  g_assert_cmpstr (json_object_get_string_member (o, "number"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "invoice");
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "issued");
  g_assert_cmpstr (json_object_get_string_member (o, "customer_id"), ==, fx->floor.customer);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "lines")), ==, 3);
  /* Labor as clocked: 1.1 h × 450,000. */
  l = line_at (invoice, 0);
  g_assert_cmpstr (json_object_get_string_member (l, "kind"), ==, "labor");
  g_assert_cmpstr (json_object_get_string_member (l, "task_id"), ==, fx->task);
  g_assert_cmpfloat (json_object_get_double_member (l, "quantity"), ==, 1.1);
  g_assert_cmpint (money (l, "net"), ==, 495000);
  g_assert_cmpint (money (l, "tax"), ==, 49500);
  /* Parts as used: 3 consumed, 1 returned. */
  l = line_at (invoice, 1);
  g_assert_cmpstr (json_object_get_string_member (l, "part_id"), ==, fx->part);
  g_assert_cmpfloat (json_object_get_double_member (l, "quantity"), ==, 2);
  g_assert_cmpint (money (l, "net"), ==, 500000);
  g_assert_cmpint (money (l, "tax"), ==, 40000);
  /* The approved fee. */
  l = line_at (invoice, 2);
  g_assert_cmpstr (json_object_get_string_member (l, "kind"), ==, "fee");
  g_assert_cmpint (money (l, "gross"), ==, 33000);
  g_assert_cmpint (money (o, "subtotal"), ==, 1025000);
  g_assert_cmpint (money (o, "tax"), ==, 92500);
  g_assert_cmpint (money (o, "total"), ==, 1117500);
  g_assert_cmpint (money (o, "paid"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "taxes")), ==, 2);

  /* One live invoice per order. */
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, NULL, 409, "conflict", "work_order_id");

  /* Reads: by id, by work order, customer, status; scoped to the location. */
  get_path = g_strdup_printf ("/api/v1/invoices/%s", vb_test_id_of (invoice));
  fetched = vb_test_call (fx->floor.server, "GET", get_path, fx->floor.tech, NULL, 200);
  g_assert_cmpint (money (vb_test_object (fetched), "total"), ==, 1117500);
  vb_test_call_error (fx->floor.server, "GET", get_path, fx->floor.tech_b, NULL, 404, "not_found", NULL);
  list_path = g_strdup_printf ("/api/v1/invoices?customer_id=%s&status=issued&kind=invoice&work_order_id=%s",
                               fx->floor.customer, fx->order);
  list = vb_test_call (fx->floor.server, "GET", list_path, fx->floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  json_node_unref (list);
  list = vb_test_call (fx->floor.server, "GET", "/api/v1/invoices", fx->floor.tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 0);
  json_node_unref (list);
  list = vb_test_call (fx->floor.server, "GET", "/api/v1/invoices?status=paid", fx->floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 0);
  vb_test_call_error (fx->floor.server, "GET", "/api/v1/invoices?status=open", fx->floor.desk, NULL, 422,
                      "validation_failed", "status");

  /* Change feed (location-scoped) and audit. */
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.desk, "invoices", vb_test_id_of (invoice), "upsert"));
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.desk, "invoice_lines",
                                       json_object_get_string_member (line_at (invoice, 0), "id"), "upsert"));
  g_assert_false (vb_test_feed_has (fx->floor.server, fx->floor.tech_b, "invoices", vb_test_id_of (invoice), NULL));
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "invoices", vb_test_id_of (invoice), "insert"), ==, 1);
}

/* ---------------------------------------------------------- immutable --- */

static void
refused (VbDbConn   *db,
         const char *sql,
         const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error, sql, id);

  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
}

static void
test_immutable (Fx            *fx,
                gconstpointer  data)
{
  g_autoptr(JsonNode) invoice = issue_for_actuals (fx);
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->floor.server);
  const char *id = vb_test_id_of (invoice);

  refused (db, "UPDATE invoices SET total_amount = total_amount - 1, subtotal_amount = subtotal_amount - 1"
               " WHERE id = $1::uuid", id);
  refused (db, "UPDATE invoices SET number = 'HCM-1-X' WHERE id = $1::uuid", id);
  refused (db, "UPDATE invoices SET customer_id = customer_id, issued_at = issued_at - interval '1 day'"
               " WHERE id = $1::uuid", id);
  refused (db, "DELETE FROM invoices WHERE id = $1::uuid", id);
  refused (db, "UPDATE invoice_lines SET unit_price_amount = 1 WHERE invoice_id = $1::uuid", id);
  refused (db, "DELETE FROM invoice_lines WHERE invoice_id = $1::uuid", id);
  refused (db, "INSERT INTO invoice_lines (invoice_id, location_id, position, kind, description, quantity,"
               "  unit_price_amount, currency, net_amount, tax_amount, gross_amount)"
               " SELECT id, location_id, 9, 'fee', 'Extra', 1, 1000, 'VND', 0, 0, 0 FROM invoices WHERE id = $1::uuid", id);
  /* Nothing changed. */
  assert_sql (fx, "1117500", "SELECT total_amount::text FROM invoices WHERE id = $1::uuid", id);
  assert_sql (fx, "3", "SELECT count(*) FROM invoice_lines WHERE invoice_id = $1::uuid", id);
  /* What the payment ledger (0010) owns may change. */
  assert_sql (fx, "partially_paid",
              "UPDATE invoices SET paid_amount = 1000, status = 'partially_paid' WHERE id = $1::uuid RETURNING status", id);
}

/* ------------------------------------------------------ void and credit --- */

static void
test_void_and_credit (Fx            *fx,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) invoice = issue_for_actuals (fx);
  const char *id = vb_test_id_of (invoice);
  const char *labor_line = json_object_get_string_member (line_at (invoice, 0), "id");
  g_autofree char *credit_path = g_strdup_printf ("/api/v1/invoices/%s/credit-notes", id);
  g_autofree char *void_path = g_strdup_printf ("/api/v1/invoices/%s/void", id);
  g_autofree char *partial = g_strdup_printf ("{\"reason\": \"Labor over-clocked\", \"lines\": ["
                                              "{\"invoice_line_id\": \"%s\", \"quantity\": 0.5}]}", labor_line);
  g_autofree char *too_much = g_strdup_printf ("{\"reason\": \"Again\", \"lines\": ["
                                               "{\"invoice_line_id\": \"%s\", \"quantity\": 0.7}]}", labor_line);
  g_autofree char *cn_number = g_strdup_printf ("HCM-1-CN-%s-000001", fx->year);
  g_autofree char *cn2_number = g_strdup_printf ("HCM-1-CN-%s-000002", fx->year);
  g_autofree char *second = g_strdup_printf ("HCM-1-%s-000002", fx->year);
  g_autofree char *issue_path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", fx->order);
  g_autoptr(JsonNode) cn = NULL;
  g_autoptr(JsonNode) voided = NULL;
  g_autoptr(JsonNode) cn2 = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *cn2_path = NULL;
  JsonArray *notes;

  /* A technician cannot credit; the reason is required. */
  vb_test_call_error (fx->floor.server, "POST", credit_path, fx->floor.tech, partial, 403, "forbidden", NULL);
  vb_test_call_error (fx->floor.server, "POST", credit_path, fx->floor.desk, "{}", 422, "validation_failed", "reason");

  /* Half an hour of labor credited: 225,000 + 22,500, in its own sequence. */
  cn = vb_test_call (fx->floor.server, "POST", credit_path, fx->floor.desk, partial, 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (cn), "kind"), ==, "credit_note");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (cn), "number"), ==, cn_number);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (cn), "credit_for_invoice_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (cn), "notes"), ==, "Labor over-clocked");
  g_assert_cmpstr (json_object_get_string_member (line_at (cn, 0), "credit_for_line_id"), ==, labor_line);
  g_assert_cmpint (money (vb_test_object (cn), "total"), ==, 247500);
  /* Only 0.6 h is left to credit on that line. */
  vb_test_call_error (fx->floor.server, "POST", credit_path, fx->floor.desk, too_much, 409, "conflict", "lines[0].quantity");

  /* A paid invoice is not voided (refund first). */
  g_free (vb_test_sql (fx->floor.server, "UPDATE invoices SET paid_amount = 1000, status = 'partially_paid'"
                                         " WHERE id = $1::uuid", id, NULL));
  vb_test_call_error (fx->floor.server, "POST", void_path, fx->floor.desk, "{\"reason\": \"Wrong customer\"}", 409,
                      "conflict", "paid_amount");
  g_free (vb_test_sql (fx->floor.server, "UPDATE invoices SET paid_amount = 0, status = 'issued' WHERE id = $1::uuid",
                       id, NULL));

  /* Void: the rest is credited (0.6 h + parts + fee = 297,000 + 540,000 + 33,000). */
  vb_test_call_error (fx->floor.server, "POST", void_path, fx->floor.desk, "{}", 422, "validation_failed", "reason");
  voided = vb_test_call (fx->floor.server, "POST", void_path, fx->floor.desk, "{\"reason\": \"Wrong customer\"}", 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (voided), "status"), ==, "void");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (voided), "void_reason"), ==, "Wrong customer");
  g_assert_nonnull (json_object_get_string_member (vb_test_object (voided), "voided_at"));
  notes = json_object_get_array_member (vb_test_object (voided), "credit_notes");
  g_assert_cmpuint (json_array_get_length (notes), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (notes, 1), "number"), ==, cn2_number);
  cn2_path = g_strdup_printf ("/api/v1/invoices/%s",
                              json_object_get_string_member (json_array_get_object_element (notes, 1), "id"));
  cn2 = vb_test_call (fx->floor.server, "GET", cn2_path, fx->floor.desk, NULL, 200);
  g_assert_cmpint (money (vb_test_object (cn2), "total"), ==, 297000 + 540000 + 33000);
  /* Together the credit notes undo the invoice exactly. */
  g_assert_cmpint (money (vb_test_object (voided), "credited"), ==, 1117500);
  vb_test_call_error (fx->floor.server, "POST", void_path, fx->floor.desk, "{\"reason\": \"Twice\"}", 409, "conflict", "status");
  vb_test_call_error (fx->floor.server, "POST", credit_path, fx->floor.desk, "{\"reason\": \"More\"}", 409, "conflict", "lines");
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "invoices", id, "update"), ==, 1);

  /* The order can be invoiced again, with the next number. */
  again = vb_test_call (fx->floor.server, "POST", issue_path, fx->floor.desk, NULL, 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (again), "number"), ==, second);
}

/* ------------------------------------------------------------- history --- */

/* The vehicle's and the customer's history carry each visit's invoiced
 * (invoices minus credit notes) and paid amounts, and totals. */
static void
test_history_costs (Fx            *fx,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) invoice = issue_for_actuals (fx);
  g_autofree char *credit_path = g_strdup_printf ("/api/v1/invoices/%s/credit-notes", vb_test_id_of (invoice));
  g_autofree char *credit = g_strdup_printf ("{\"reason\": \"Goodwill\", \"lines\": [{\"invoice_line_id\": \"%s\","
                                             " \"quantity\": 0.5}]}",
                                             json_object_get_string_member (line_at (invoice, 0), "id"));
  g_autofree char *vehicle_path = g_strdup_printf ("/api/v1/vehicles/%s/history", fx->floor.vehicle);
  g_autofree char *customer_path = g_strdup_printf ("/api/v1/customers/%s/history", fx->floor.customer);
  g_autofree char *empty_order = vb_test_floor_order (&fx->floor, "diagnosing");
  g_autoptr(JsonNode) vehicle = NULL;
  g_autoptr(JsonNode) customer = NULL;
  JsonObject *visit, *billing, *totals;
  JsonArray *items;

  json_node_unref (vb_test_call (fx->floor.server, "POST", credit_path, fx->floor.desk, credit, 201));
  for (guint round = 0; round < 2; round++)
    {
      JsonNode *reply = round == 0
        ? (vehicle = vb_test_call (fx->floor.server, "GET", vehicle_path, fx->floor.desk, NULL, 200))
        : (customer = vb_test_call (fx->floor.server, "GET", customer_path, fx->floor.desk, NULL, 200));

      items = json_object_get_array_member (vb_test_object (reply), "items");
      g_assert_cmpuint (json_array_get_length (items), ==, 2);
      /* Newest first: the order without an invoice has no costs. */
      for (guint i = 0; i < 2; i++)
        {
          visit = json_array_get_object_element (items, i);
          if (g_str_equal (json_object_get_string_member (visit, "id"), empty_order))
            {
              g_assert_true (json_object_get_null_member (visit, "billing"));
              continue;
            }
          g_assert_cmpstr (json_object_get_string_member (visit, "id"), ==, fx->order);
          billing = json_object_get_object_member (visit, "billing");
          /* 1,117,500 invoiced, 247,500 credited. */
          g_assert_cmpint (money (billing, "invoiced"), ==, 870000);
          g_assert_cmpint (money (billing, "paid"), ==, 0);
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (billing, "documents")), ==, 2);
          g_assert_cmpint (json_object_get_int_member (visit, "clocked_tenths"), ==, 11);
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (visit, "vehicle"), "plate"),
                           ==, "51H-123.45");
        }
      totals = json_object_get_object_member (vb_test_object (reply), "totals");
      g_assert_cmpint (json_object_get_int_member (totals, "visits"), ==, 2);
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                         json_object_get_array_member (totals, "invoiced"), 0), "amount"), ==, 870000);
    }
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (customer), "customer_id"), ==, fx->floor.customer);
  /* Another location's staff do not see the customer's history. */
  {
    guint status = 0;
    g_autoptr(JsonNode) other = vb_test_request (fx->floor.server, "GET", customer_path, fx->floor.tech_b, NULL, &status);

    g_assert_true (status == 403 || status == 404);
  }
}

/* ----------------------------------------------------- gapless numbers --- */

typedef struct
{
  char       *url;
  const char *warm_url;
  const char *token;
  GMutex     *lock;
  GCond      *cond;
  gboolean   *go;
  guint       status;
} IssueJob;

static gpointer
issue_thread (gpointer data)
{
  IssueJob *job = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", job->url);
  g_autoptr(SoupMessage) warm = soup_message_new ("GET", job->warm_url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", job->token);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) warm_reply = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  /* Connected first, one at a time; then all POST at once on open connections. */
  g_mutex_lock (job->lock);
  warm_reply = soup_session_send_and_read (session, warm, NULL, &error);
  g_assert_no_error (error);
  while (!*job->go)
    g_cond_wait (job->cond, job->lock);
  g_mutex_unlock (job->lock);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  job->status = soup_message_get_status (msg);
  return NULL;
}

static void
test_gapless_concurrent (Fx            *fx,
                         gconstpointer  data)
{
  enum { N = 20 };
  IssueJob jobs[N];
  GThread *threads[N];
  g_autofree char *warm_url = g_strconcat (fx->floor.server->base_url, "/healthz", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GString) seqs = g_string_new (NULL);
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0;
  gint64 started;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *order = vb_test_floor_order (&fx->floor, "diagnosing");

      approve_quote (fx, order, "[{\"kind\": \"fee\", \"description\": \"Diagnosis\","
                                " \"unit_price\": {\"amount\": 100000, \"currency\": \"VND\"}}]");
      jobs[i] = (IssueJob) { g_strdup_printf ("%s/api/v1/work-orders/%s/invoices", fx->floor.server->base_url, order),
                             warm_url, fx->floor.desk, &lock, &cond, &go, 0 };
      g_string_append_printf (seqs, "%s%u", i ? "," : "", i + 1);
    }
  for (guint i = 0; i < N; i++)
    threads[i] = g_thread_new ("issue", issue_thread, &jobs[i]);
  g_mutex_lock (&lock);
  started = g_get_monotonic_time ();
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < N; i++)
    {
      g_thread_join (threads[i]);
      created += jobs[i].status == 201;
      g_free (jobs[i].url);
    }
  g_test_message ("%d concurrent invoice issues answered in %.0f ms", N,
                  (g_get_monotonic_time () - started) / 1000.0);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  g_assert_cmpuint (created, ==, N);
  /* 1..20: no gaps, no duplicates, each number its seq. */
  assert_sql (fx, seqs->str,
              "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM invoices WHERE location_id = $1::uuid AND kind = 'invoice'",
              fx->floor.a);
  expected = g_strdup_printf ("%d", N);
  assert_sql (fx, expected, "SELECT count(DISTINCT number) FROM invoices WHERE location_id = $1::uuid"
                            " AND number = format('HCM-1-%s-%s', year, lpad(seq::text, 6, '0'))", fx->floor.a);
  assert_sql (fx, expected, "SELECT last_seq::text FROM invoice_counters WHERE location_id = $1::uuid AND kind = 'invoice'",
              fx->floor.a);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add ("/invoices/from-actuals", Fx, NULL, fx_setup, test_from_actuals, fx_teardown);
  g_test_add ("/invoices/immutable", Fx, NULL, fx_setup, test_immutable, fx_teardown);
  g_test_add ("/invoices/void-and-credit", Fx, NULL, fx_setup, test_void_and_credit, fx_teardown);
  g_test_add ("/invoices/history-costs", Fx, NULL, fx_setup, test_history_costs, fx_teardown);
  g_test_add ("/invoices/gapless-concurrent", Fx, NULL, fx_setup, test_gapless_concurrent, fx_teardown);
  return g_test_run ();
}
