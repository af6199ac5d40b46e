/* test-demo-data.c — `voltbay-ctl demo-data`: a believable chain with work
 * orders in every status and their money (quotes, invoices, payments),
 * created once (a second run changes nothing), consistent with every
 * constraint and the audit chain, and usable: the demo reception user sees
 * its shop only, and a ready order can be invoiced. */
#include "vb-test.h"
#include "vb-vin.h"

#include <string.h>

static char *
db_text (VbTestServer *server,
         const char   *sql,
         const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param ? 1 : 0, params, &error);

  g_assert_no_error (error);
  return g_strdup (vb_db_get (res, 0, 0));
}

static gint64
db_count (VbTestServer *server,
          const char   *sql)
{
  g_autofree char *text = db_text (server, sql, NULL);

  return g_ascii_strtoll (text, NULL, 10);
}

#define COUNTS_SQL \
  "SELECT concat_ws (',', (SELECT count(*) FROM locations), (SELECT count(*) FROM users)," \
  " (SELECT count(*) FROM customers), (SELECT count(*) FROM vehicles)," \
  " (SELECT count(*) FROM odometer_readings), (SELECT count(*) FROM soh_readings)," \
  " (SELECT count(*) FROM bays), (SELECT count(*) FROM opening_hours)," \
  " (SELECT count(*) FROM location_rates), (SELECT count(*) FROM shifts)," \
  " (SELECT count(*) FROM certifications), (SELECT count(*) FROM appointments)," \
  " (SELECT count(*) FROM work_orders), (SELECT count(*) FROM work_order_tasks)," \
  " (SELECT count(*) FROM checklist_results), (SELECT count(*) FROM hv_record_steps)," \
  " (SELECT count(*) FROM time_entries), (SELECT count(*) FROM quality_checks)," \
  " (SELECT count(*) FROM work_order_notes), (SELECT count(*) FROM attachments)," \
  " (SELECT count(*) FROM quotes), (SELECT count(*) FROM quote_versions)," \
  " (SELECT count(*) FROM quote_lines), (SELECT count(*) FROM quote_line_decisions)," \
  " (SELECT count(*) FROM deferred_work), (SELECT count(*) FROM invoices)," \
  " (SELECT count(*) FROM invoice_lines), (SELECT coalesce(sum(last_seq), 0) FROM invoice_counters)," \
  " (SELECT count(*) FROM payments), (SELECT count(*) FROM payment_ledger)," \
  " (SELECT count(*) FROM payment_idempotency_keys), (SELECT count(*) FROM audit_log))"

/* Runs demo-data (must exit 0); returns its standard output. */
static char *
run_demo (VbTestServer *server)
{
  const char *args[] = { "demo-data", NULL };
  int status = -1;
  char *out = vb_test_ctl (server, args, NULL, &status);

  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "Demo data: "));
  return out;
}

static char *
parse_password (const char *out)
{
  const char *p = strstr (out, "password:");
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (p);
  lines = g_strsplit (p + strlen ("password:"), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      return g_strdup (lines[i]);
  g_assert_not_reached ();
}

static void
assert_counts (VbTestServer *server)
{
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM locations"), ==, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(DISTINCT u.id) FROM users u JOIN role_assignments ra ON ra.user_id = u.id"
    " WHERE ra.location_id IS NOT NULL"), >=, 12);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers"), ==, 60);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT preferred_location_id) FROM customers"), ==, 3);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles"), ==, 90);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM bays"), ==, 9);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM bays WHERE capabilities @> '{lift,hv_certified}'"), ==, 3);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM opening_hours WHERE closed"), ==, 3);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM location_rates WHERE kind = 'labor'"), ==, 3);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM appointments WHERE status = 'booked'"), >=, 30);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM certifications WHERE hv_level = 3 AND expires_on > current_date"), ==, 3);
  /* 3–6 odometer readings per vehicle, increasing with time; 1–3 SoH. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT count(*) n FROM vehicles v LEFT JOIN odometer_readings o"
    " ON o.vehicle_id = v.id GROUP BY v.id) x WHERE n NOT BETWEEN 3 AND 6"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT count(*) n FROM vehicles v LEFT JOIN soh_readings s"
    " ON s.vehicle_id = v.id GROUP BY v.id) x WHERE n NOT BETWEEN 1 AND 3"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT odometer_km, lag (odometer_km) OVER w AS prev_km,"
    "        read_at, lag (read_at) OVER w AS prev_at FROM odometer_readings"
    "   WINDOW w AS (PARTITION BY vehicle_id ORDER BY read_at)) x"
    " WHERE prev_km IS NOT NULL AND (odometer_km <= prev_km OR read_at <= prev_at)"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles WHERE vin IS NULL"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT vin) FROM vehicles"), ==, 90);
}

/* Every status in every shop, reached through the rules of 0006. */
static void
assert_work_orders (VbTestServer *server)
{
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT location_id FROM work_orders GROUP BY location_id"
    "                      HAVING count(DISTINCT status) = 10) x"), ==, 3);
  g_assert_cmpint (db_count (server,
    "SELECT min(n) FROM (SELECT count(*) n FROM work_orders WHERE status = 'collected'"
    "                     GROUP BY location_id) x"), >=, 3);
  /* History spread over past weeks. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders WHERE status = 'collected'"
    "   AND collected_at < now() - interval '7 days' AND collected_at > checked_in_at"), >=, 9);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders WHERE status IN ('on_hold', 'cancelled') AND btrim(status_reason) = ''"),
    ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders WHERE status = 'quarantined' AND parking_place <> ''"
    "   AND triage_passed = false"), ==, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders WHERE status = 'on_hold' AND resume_status = 'in_progress'"), ==, 3);
  /* Signed HV records, in order, signed off by a second person. */
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM hv_records WHERE state = 'signed_off'"), >=, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM hv_records h JOIN hv_record_steps r ON r.hv_record_id = h.id AND r.step = 'sign_off'"
    "  JOIN hv_record_steps e ON e.hv_record_id = h.id AND e.step = 're_energize'"
    " WHERE h.state = 'signed_off' AND r.performed_by <> e.performed_by"), >=, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_order_tasks t JOIN service_types st ON st.id = t.service_type_id"
    " WHERE st.code = 'HV-DEENERGIZE' AND t.status = 'done'"), ==, 3);
  /* Concerns in the customer's language; odometer not behind the readings. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w JOIN customers c ON c.id = w.customer_id"
    " WHERE (c.preferred_language = 'vi') <> (w.concerns ~ '[^[:ascii:]]')"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w WHERE w.odometer_km < (SELECT max(r.odometer_km)"
    "  FROM odometer_readings r WHERE r.vehicle_id = w.vehicle_id AND r.read_at <= w.checked_in_at)"), ==, 0);
  /* Quality checks by someone who worked on none of it; one clock a time. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM quality_checks q JOIN time_entries t"
    "  ON t.work_order_id = q.work_order_id AND t.technician_id = q.checked_by"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM time_entries WHERE ended_at IS NULL"), ==, 3);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM work_order_notes"), >=, 39);
}

/* Quotes decided through the rules, invoices numbered without gaps and
 * paid through the ledger. */
static void
assert_billing (VbTestServer *server)
{
  /* Awaiting approval: a sent version with labor for the tasks, undecided. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w JOIN quote_versions v ON v.work_order_id = w.id AND v.status = 'sent'"
    " WHERE w.status = 'awaiting_approval'"
    "   AND EXISTS (SELECT 1 FROM quote_lines l WHERE l.quote_version_id = v.id AND l.kind = 'labor'"
    "                                             AND l.task_id IS NOT NULL)"
    "   AND NOT EXISTS (SELECT 1 FROM quote_line_decisions d WHERE d.quote_version_id = v.id)"), ==, 3);
  /* Past the approval: a decided version, with an approved line. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w"
    " WHERE w.status IN ('in_progress', 'on_hold', 'quality_check', 'ready', 'collected')"
    "   AND NOT EXISTS (SELECT 1 FROM quote_versions v JOIN quote_line_decisions d ON d.quote_version_id = v.id"
    "                    WHERE v.work_order_id = w.id AND v.status = 'decided' AND d.decision = 'approved')"),
    ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders WHERE status IN ('in_progress', 'on_hold', 'quality_check', 'ready',"
    "                                                  'collected')"), ==, 24);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT channel) FROM quote_line_decisions"), ==, 3);
  /* One order per shop with declined work, kept as open deferred work. */
  g_assert_cmpint (db_count (server,
    "SELECT count(DISTINCT d.location_id) FROM deferred_work d JOIN work_orders w ON w.id = d.work_order_id"
    " WHERE d.resolved_at IS NULL AND w.status <> 'cancelled'"), ==, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(DISTINCT work_order_id) FROM deferred_work WHERE resolved_at IS NULL"), ==, 3);
  /* Every collected order: exactly one invoice, paid. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w WHERE w.status = 'collected'"
    "   AND (SELECT count(*) FROM invoices i WHERE i.work_order_id = w.id AND i.kind = 'invoice') <> 1"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM invoices i JOIN work_orders w ON w.id = i.work_order_id"
    " WHERE w.status = 'collected' AND i.kind = 'invoice' AND i.status = 'paid'"
    "   AND i.paid_amount = i.total_amount AND i.total_amount > 0"), ==, 12);
  /* The ready orders: one invoiced and paid in part, the others can be now. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM invoices i JOIN work_orders w ON w.id = i.work_order_id"
    " WHERE w.status = 'ready' AND i.status = 'partially_paid' AND i.paid_amount BETWEEN 1 AND i.total_amount - 1"),
    ==, 1);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w CROSS JOIN LATERAL (SELECT vb_invoice_preview_json (w.id) AS p) x"
    " WHERE w.status = 'ready'"
    "   AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.work_order_id = w.id AND i.status <> 'void')"
    "   AND NOT ((x.p ->> 'within_approval')::boolean AND NOT (x.p ->> 'clock_running')::boolean"
    "            AND jsonb_array_length (x.p -> 'lines') > 0)"), ==, 0);
  /* Numbered by the counters: 1, 2, … per shop and year. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT location_id, year, count(*) n, min(seq) lo, max(seq) hi FROM invoices"
    "                       WHERE kind = 'invoice' GROUP BY 1, 2) x WHERE lo <> 1 OR hi <> n"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM invoice_counters c WHERE c.last_seq <> (SELECT max(i.seq) FROM invoices i"
    "  WHERE i.location_id = c.location_id AND i.kind = c.kind AND i.year = c.year)"), ==, 0);
  /* Paid through the ledger: cash with change, confirmed transfers, no card;
   * each payment made once under its Idempotency-Key. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM invoices i"
    " WHERE i.paid_amount <> (SELECT coalesce(sum(l.amount), 0) FROM payment_ledger l WHERE l.invoice_id = i.id)"),
    ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM payments WHERE method IN ('card', 'e_wallet')"), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM payments WHERE status <> 'succeeded'"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM payments WHERE method = 'cash' AND tendered_amount > amount"), >=, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM payments WHERE method = 'bank_transfer' AND confirmed_by IS NOT NULL"
    "   AND confirmed_by <> created_by"), >=, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM payment_idempotency_keys k"
    "  WHERE k.payment_id = p.id AND k.status = 201)"), ==, 0);
}

/* A ready order not invoiced yet is invoiced through the API: within what
 * was approved, numbered after the shop's collected orders. */
static void
assert_ready_invoiceable (VbTestServer *server,
                          const char   *password)
{
  g_autofree char *order = db_text (server,
    "SELECT w.id FROM work_orders w JOIN locations l ON l.id = w.location_id"
    " WHERE l.code = $1 AND w.status = 'ready'"
    "   AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.work_order_id = w.id) LIMIT 1", "HN-CG");
  g_autofree char *next = db_text (server,
    "SELECT count(*) + 1 FROM invoices i JOIN locations l ON l.id = i.location_id WHERE l.code = $1", "HN-CG");
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", order);
  g_autofree char *suffix = g_strdup_printf ("-%06d", (int) g_ascii_strtoll (next, NULL, 10));
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  token = vb_test_login (server, "reception.hn@voltbay.local", password, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  reply = vb_test_call (server, "POST", path, token, NULL, 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (reply), "status"), ==, "issued");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (vb_test_object (reply), "number"), "HN-CG-"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (vb_test_object (reply), "number"), suffix));
}

static void
assert_vins_valid (VbTestServer *server)
{
  g_autofree char *vins = db_text (server, "SELECT string_agg (vin, ',') FROM vehicles", NULL);
  g_auto(GStrv) list = g_strsplit (vins, ",", -1);

  g_assert_cmpuint (g_strv_length (list), ==, 90);
  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean warning = TRUE;
      g_autofree char *vin = vb_vin_validate (list[i], "vin", &warning, &error);

      g_assert_no_error (error);
      g_assert_false (warning);
      g_assert_cmpstr (vin, ==, list[i]);
    }
}

static void
assert_reception_scope (VbTestServer *server,
                        const char   *password)
{
  g_autofree char *hcm = db_text (server, "SELECT id FROM locations WHERE code = $1", "HCM-D1");
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *items;
  guint status = 0;

  token = vb_test_login (server, "reception@voltbay.local", password, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (token);
  reply = vb_test_request (server, "GET", "/api/v1/customers?limit=100", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 20);
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    "preferred_location_id"), ==, hcm);
}

static void
assert_all_vins_valid (VbTestServer *server)
{
  g_autofree char *vins = db_text (server, "SELECT string_agg (vin, ',') FROM vehicles", NULL);
  g_auto(GStrv) list = g_strsplit (vins, ",", -1);

  for (guint i = 0; list[i] != NULL; i++)
    g_assert_cmpint (vb_vin_compute_check_digit (list[i]), ==, list[i][8]);
}

/* Runs demo-data --scale N --work-orders-per-customer 5; returns stdout. */
static char *
run_scale (VbTestServer *server,
           const char   *n)
{
  const char *args[] = { "demo-data", "--scale", n, "--work-orders-per-customer", "5", NULL };
  int status = -1;
  char *out = vb_test_ctl (server, args, NULL, &status);

  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "Scale data: "));
  return out;
}

/* Bulk data: valid, consistent with the readings, ~3 % open in every open
 * status, one summary audit row per table, and extendable. */
static void
test_demo_scale (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  const char *verify[] = { "audit-verify", NULL };
  g_autofree char *first = run_scale (server, "400");
  g_autofree char *counts = db_text (server, COUNTS_SQL, NULL);
  g_autofree char *second = run_scale (server, "400");
  g_autofree char *counts_again = db_text (server, COUNTS_SQL, NULL);
  g_autofree char *third = NULL;
  gint64 open;
  int status = -1;

  g_assert_nonnull (strstr (second, "Scale data: 0 record(s)"));
  g_assert_cmpstr (counts_again, ==, counts);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE notes = 'Scale data'"), ==, 400);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles"), ==, 90 + 480);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT vin) FROM vehicles"), ==, 90 + 480);
  assert_all_vins_valid (server);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w JOIN customers c ON c.id = w.customer_id"
    " WHERE c.notes = 'Scale data'"), ==, 2000);
  open = db_count (server,
    "SELECT count(*) FROM work_orders w JOIN customers c ON c.id = w.customer_id"
    " WHERE c.notes = 'Scale data' AND w.status NOT IN ('collected', 'cancelled')");
  g_assert_cmpint (open, >=, 30);
  g_assert_cmpint (open, <=, 100);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_orders w WHERE w.odometer_km < (SELECT max(r.odometer_km)"
    "  FROM odometer_readings r WHERE r.vehicle_id = w.vehicle_id AND r.read_at <= w.checked_in_at)"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT location_id, number FROM work_orders GROUP BY 1, 2"
    "                      HAVING count(*) > 1) x"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM work_order_counters c"
    " WHERE c.last_number <> (SELECT max(number) FROM work_orders w WHERE w.location_id = c.location_id)"), ==, 0);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE action = 'bulk_insert'"), ==, 5);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity = 'work_orders' AND action = 'insert'"), ==, 39);
  g_free (vb_test_ctl (server, verify, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  /* A larger N adds the difference. */
  third = run_scale (server, "500");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers WHERE notes = 'Scale data'"), ==, 500);
  g_assert_cmpint (db_count (server, "SELECT count(DISTINCT vin) FROM vehicles"), ==, 90 + 600);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM audit_log WHERE action = 'bulk_insert'"), ==, 10);
  /* The bulk load left every trigger switched on again. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'"), ==, 0);
}

/* GET /vehicles/{id}/history as the HCM-D1 desk: its shop's visits of a
 * car with collected work, the catalog price of the services done, and
 * another shop's car is not there at all. */
static void
assert_vehicle_history (VbTestServer *server,
                        const char   *password)
{
  g_autofree char *vehicle = db_text (server,
    "SELECT w.vehicle_id FROM work_orders w JOIN locations l ON l.id = w.location_id"
    " WHERE l.code = $1 AND w.status = 'collected'"
    "   AND EXISTS (SELECT 1 FROM work_order_tasks t WHERE t.work_order_id = w.id AND t.status = 'done')"
    " ORDER BY w.number LIMIT 1", "HCM-D1");
  g_autofree char *visits = db_text (server,
    "SELECT count(*) FROM work_orders w JOIN locations l ON l.id = w.location_id"
    " WHERE w.vehicle_id = $1 AND l.code = 'HCM-D1' AND w.status <> 'cancelled'", vehicle);
  g_autofree char *amount = db_text (server,
    "SELECT sum(st.price_amount) FROM work_orders w JOIN locations l ON l.id = w.location_id"
    "  JOIN work_order_tasks t ON t.work_order_id = w.id AND t.status = 'done'"
    "  JOIN service_types st ON st.id = t.service_type_id"
    " WHERE w.vehicle_id = $1 AND l.code = 'HCM-D1' AND w.status <> 'cancelled'", vehicle);
  g_autofree char *elsewhere = db_text (server,
    "SELECT v.id FROM vehicles v JOIN locations l ON l.id = v.location_id WHERE l.code <> 'HCM-D1' LIMIT 1", NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/history", vehicle);
  g_autofree char *other_path = g_strdup_printf ("/api/v1/vehicles/%s/history", elsewhere);
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *totals;
  JsonArray *items;
  JsonArray *prices;
  guint status = 0;

  token = vb_test_login (server, "reception@voltbay.local", password, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  reply = vb_test_call (server, "GET", path, token, NULL, 200);
  items = json_object_get_array_member (vb_test_object (reply), "items");
  totals = json_object_get_object_member (vb_test_object (reply), "totals");
  g_assert_cmpint (json_array_get_length (items), ==, g_ascii_strtoll (visits, NULL, 10));
  g_assert_cmpint (json_object_get_int_member (totals, "visits"), ==, g_ascii_strtoll (visits, NULL, 10));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (items, 0),
                                                                         "tasks")), >, 0);
  prices = json_object_get_array_member (totals, "services_list_price");
  g_assert_cmpuint (json_array_get_length (prices), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (prices, 0), "amount"), ==,
                   g_ascii_strtoll (amount, NULL, 10));
  vb_test_call_error (server, "GET", other_path, token, NULL, 404, "not_found", NULL);
}

static void
test_demo_data (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  const char *verify[] = { "audit-verify", NULL };
  g_autofree char *first = run_demo (server);
  g_autofree char *password = parse_password (first);
  g_autofree char *counts = db_text (server, COUNTS_SQL, NULL);
  g_autofree char *second = NULL;
  g_autofree char *counts_again = NULL;
  int status = -1;

  assert_counts (server);
  assert_vins_valid (server);
  assert_work_orders (server);
  assert_billing (server);
  second = run_demo (server);
  g_assert_nonnull (strstr (second, "Demo data: 0 record(s) created."));
  g_assert_null (strstr (second, "password:"));
  counts_again = db_text (server, COUNTS_SQL, NULL);
  g_assert_cmpstr (counts_again, ==, counts);
  g_free (vb_test_ctl (server, verify, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  assert_reception_scope (server, password);
  assert_vehicle_history (server, password);
  assert_ready_invoiceable (server, password);
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/demo-data/create-twice", test_demo_data);
  g_test_add_func ("/demo-data/scale", test_demo_scale);
  return g_test_run ();
}
