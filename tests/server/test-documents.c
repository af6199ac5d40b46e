/* test-documents.c — the PDF endpoints against the real server: an invoice
 * issued through the billing API from the work done, its quote, the
 * vehicle's maintenance history and battery certificate, read back with
 * pdftotext and compared with the database (VIN, plate, customer, lines,
 * totals), in the customer's language by default and in the one asked for;
 * other locations get 404, a language we do not write 422.
 */
#include "vb-test-floor.h"
#include "vb-document-format.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define VIN "RLLV8EMA5PH000123"

typedef struct
{
  VbTestFloor floor;   /* HCM-1 with a customer; tech_b at HN-1 */
  char *config_dir;
  char *order;
  char *task;
  char *part;
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
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_CUSTOMER | VB_TEST_FLOOR_TECH_B);
  /* A bank account for the transfer QR on invoices. */
  fx->config_dir = g_dir_make_tmp ("voltbay-documents-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fx->config_dir, "voltbay.conf", NULL);
  g_file_set_contents (path, "[payments]\nqr-bank-bin=970436\nqr-account=1023456789\n"
                             "qr-merchant-name=Voltbay\nqr-merchant-city=Ho Chi Minh\n", -1, &error);
  g_assert_no_error (error);
  g_strfreev (fx->floor.server->extra_args);
  fx->floor.server->extra_args = g_strdupv ((char *[]) { (char *) "--config", path, NULL });
  vb_test_server_restart (fx->floor.server, FALSE);

  add_rate (fx, "{\"kind\": \"labor\", \"name\": \"Standard\", \"amount_per_hour\": {\"amount\": 450000, \"currency\": \"VND\"}}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT\", \"percent_bp\": 1000}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT8\", \"percent_bp\": 800}");
  g_free (vb_test_sql (fx->floor.server, "UPDATE vehicles SET vin = $2 WHERE id = $1::uuid RETURNING id",
                       fx->floor.vehicle, VIN, NULL));
  fx->part = vb_test_sql (fx->floor.server,
                          "INSERT INTO parts (sku, name, unit_cost_amount, sale_price_amount, currency, tax_class)"
                          " VALUES ('CF-VF8', 'Cabin filter VF 8', 100000, 250000, 'VND', 'VAT8') RETURNING id", NULL);
  fx->order = vb_test_floor_order (&fx->floor, "diagnosing");
  fx->task = vb_test_sql (fx->floor.server,
                          "INSERT INTO work_order_tasks (work_order_id, location_id, title, estimated_tenths)"
                          " SELECT $1::uuid, location_id, 'Replace cabin filter', 10 FROM work_orders"
                          "  WHERE id = $1::uuid RETURNING id", fx->order, NULL);
}

static void
fx_teardown (Fx            *fx,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fx->config_dir, "voltbay.conf", NULL);

  vb_test_floor_clear (&fx->floor);
  g_unlink (path);
  g_rmdir (fx->config_dir);
  g_free (fx->config_dir); g_free (fx->order); g_free (fx->task); g_free (fx->part);
}

/* Clocked time on the task, two filters used, the quote approved by phone;
 * returns the quote version. */
static JsonNode *
work_and_quote (Fx *fx)
{
  g_autofree char *tech = vb_test_me_id (fx->floor.server, fx->floor.tech);
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", fx->order);
  g_autofree char *body = g_strdup_printf (
    "{\"lines\": [{\"kind\": \"labor\", \"description\": \"Replace cabin filter\", \"quantity\": 1.2},"
    " {\"kind\": \"part\", \"part_id\": \"%s\", \"quantity\": 2},"
    " {\"kind\": \"fee\", \"description\": \"Disposal\", \"unit_price\": {\"amount\": 30000, \"currency\": \"VND\"}}]}",
    fx->part);
  JsonNode *version;
  JsonArray *lines;
  g_autoptr(GString) decisions = g_string_new ("{\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\", \"decisions\": [");
  g_autofree char *decide = NULL;

  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO time_entries (technician_id, task_id, started_at, ended_at)"
                       " VALUES ($1::uuid, $2::uuid, date_trunc('hour', now()) - interval '2 days',"
                       "         date_trunc('hour', now()) - interval '2 days' + interval '50 minutes')",
                       tech, fx->task, NULL));
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO stock_movements (location_id, part_id, kind, quantity, unit_cost_amount, currency)"
                       " VALUES ($1::uuid, $2::uuid, 'receipt', 10, 100000, 'VND')", fx->floor.a, fx->part, NULL));
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO stock_movements (location_id, part_id, kind, quantity, work_order_id)"
                       " VALUES ($1::uuid, $2::uuid, 'consumption', -2, $3::uuid)", fx->floor.a, fx->part,
                       fx->order, NULL));

  version = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 201);
  lines = json_object_get_array_member (vb_test_object (version), "lines");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    g_string_append_printf (decisions, "%s{\"quote_line_id\": \"%s\", \"decision\": \"%s\"}", i ? ", " : "",
                            json_object_get_string_member (json_array_get_object_element (lines, i), "id"),
                            i == 2 ? "declined" : "approved");
  g_string_append (decisions, "]}");
  decide = g_strdup_printf ("/api/v1/quote-versions/%s/decisions", vb_test_id_of (version));
  json_node_unref (vb_test_call (fx->floor.server, "POST", decide, fx->floor.desk, decisions->str, 200));
  return version;
}

/* GET path as token: the PDF (asserted to be one) with its status and headers. */
static GBytes *
get_pdf (Fx                  *fx,
         const char          *path,
         const char          *token,
         guint               *status,
         SoupMessageHeaders **headers)
{
  g_autofree char *url = g_strconcat (fx->floor.server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  reply = soup_session_send_and_read (fx->floor.server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (headers != NULL)
    *headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

/* The text of a 200 PDF reply (pdftotext -layout). */
static char *
pdf_text_of (Fx         *fx,
             const char *path,
             const char *token,
             char      **disposition)
{
  guint status = 0;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) pdf = get_pdf (fx, path, token, &status, &headers);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  char *out = NULL;
  int fd, wait_status;
  char *argv[] = { "pdftotext", "-enc", "UTF-8", "-layout", NULL, "-", NULL };
  gsize size;
  const char *data = g_bytes_get_data (pdf, &size);

  if (status != 200)
    g_error ("GET %s: %u %.*s", path, status, (int) size, data);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/pdf");
  g_assert_true (size > 5 && memcmp (data, "%PDF-", 5) == 0);
  if (disposition != NULL)
    *disposition = g_strdup (soup_message_headers_get_one (headers, "Content-Disposition"));
  fd = g_file_open_tmp ("vb-doc-XXXXXX.pdf", &file, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (file, data, (gssize) size, &error);
  g_assert_no_error (error);
  argv[4] = file;
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  g_unlink (file);
  return out;
}

#define assert_has(text, needle) \
  G_STMT_START { \
    const char *_n = (needle); \
    if (strstr ((text), _n) == NULL) \
      g_error ("“%s” not in the document:\n%s", _n, (text)); \
  } G_STMT_END

static void
assert_money (const char *text,
              JsonObject *o,
              const char *member,
              const char *language)
{
  JsonObject *m = json_object_get_object_member (o, member);
  g_autofree char *s = vb_format_money (json_object_get_int_member (m, "amount"),
                                        json_object_get_string_member (m, "currency"), language);

  assert_has (text, s);
}

static void
expect_status (Fx         *fx,
               const char *path,
               const char *token,
               guint       expect)
{
  guint status = 0;
  g_autoptr(GBytes) reply = get_pdf (fx, path, token, &status, NULL);

  g_assert_cmpuint (status, ==, expect);
}

/* ------------------------------------------------------------- invoice --- */

static void
test_invoice (Fx            *fx,
              gconstpointer  data)
{
  g_autoptr(JsonNode) version = work_and_quote (fx);
  g_autofree char *issue = g_strdup_printf ("/api/v1/work-orders/%s/invoices", fx->order);
  g_autoptr(JsonNode) invoice = vb_test_call (fx->floor.server, "POST", issue, fx->floor.desk, NULL, 201);
  JsonObject *inv = vb_test_object (invoice);
  const char *number = json_object_get_string_member (inv, "number");
  JsonArray *lines = json_object_get_array_member (inv, "lines");
  g_autofree char *path = g_strdup_printf ("/api/v1/invoices/%s/pdf", vb_test_id_of (invoice));
  g_autofree char *path_en = g_strdup_printf ("%s?language=en", path);
  g_autofree char *path_fr = g_strdup_printf ("%s?language=fr", path);
  g_autofree char *disposition = NULL;
  g_autofree char *vi = NULL;
  g_autofree char *en = NULL;
  g_autofree char *want = NULL;
  gint64 start;

  g_assert_cmpuint (json_array_get_length (lines), >=, 2);
  /* The customer prefers Vietnamese (the default). */
  vi = pdf_text_of (fx, path, fx->floor.desk, &disposition);
  {
    gint64 best = G_MAXINT64;

    for (guint i = 0; i < 5; i++)
      {
        guint status = 0;
        g_autoptr(GBytes) pdf = NULL;

        start = g_get_monotonic_time ();
        pdf = get_pdf (fx, path, fx->floor.desk, &status, NULL);
        best = MIN (best, g_get_monotonic_time () - start);
        g_assert_cmpuint (status, ==, 200);
      }
    g_test_message ("GET /invoices/{id}/pdf (1 page): best of 5 %.1f ms", best / 1000.0);
  }
  want = g_strdup_printf ("filename=\"invoice-%s.pdf\"", number);
  g_assert_nonnull (strstr (disposition, want));
  assert_has (vi, "Hóa đơn");
  assert_has (vi, number);
  assert_has (vi, "Minh Nguyen");
  assert_has (vi, "51H-123.45");
  assert_has (vi, VIN);
  assert_has (vi, "VinFast VF 8");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      g_autofree char *head = g_strndup (json_object_get_string_member (l, "description"), 20);

      assert_has (vi, head);
      assert_money (vi, l, "net", "vi");
    }
  assert_money (vi, inv, "subtotal", "vi");
  assert_money (vi, inv, "tax", "vi");
  assert_money (vi, inv, "total", "vi");
  assert_has (vi, "Tổng cộng");
  assert_has (vi, "Số tiền còn phải trả");
  assert_has (vi, "Quét mã để thanh toán");   /* the bank-transfer QR: an amount is due */
  assert_has (vi, "Trang 1 / 1");

  en = pdf_text_of (fx, path_en, fx->floor.tech, NULL);
  assert_has (en, "Invoice");
  assert_has (en, "Amount due");
  assert_money (en, inv, "total", "en");
  assert_has (en, "Page 1 of 1");
  g_assert_null (strstr (en, "Hóa đơn"));

  /* Not at HN-1; no such language; not without a token. */
  expect_status (fx, path, fx->floor.tech_b, 404);
  expect_status (fx, path_fr, fx->floor.desk, 422);
  {
    g_autofree char *bad = g_strdup ("/api/v1/invoices/00000000-0000-4000-8000-000000000000/pdf");
    expect_status (fx, bad, fx->floor.desk, 404);
  }

  /* A cash payment through the payments API: listed, and the amount due drops. */
  {
    g_autofree char *body = g_strdup_printf ("{\"invoice_id\": \"%s\", \"method\": \"cash\","
                                             " \"amount\": {\"amount\": 100000, \"currency\": \"VND\"}}",
                                             vb_test_id_of (invoice));
    g_autofree char *key = g_uuid_string_random ();
    const char *headers[] = { "Idempotency-Key", key, NULL };
    g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
    guint status = 0;
    g_autoptr(JsonNode) paid = vb_test_request_full (fx->floor.server, "POST", "/api/v1/payments", fx->floor.desk,
                                                     "application/json", bytes, headers, &status, NULL);
    JsonObject *total = json_object_get_object_member (inv, "total");
    g_autofree char *due = vb_format_money (json_object_get_int_member (total, "amount") - 100000, "VND", "en");
    g_autofree char *after = NULL;

    g_assert_cmpuint (status, ==, 201);
    after = pdf_text_of (fx, path_en, fx->floor.desk, NULL);
    assert_has (after, "Payments");
    assert_has (after, "Cash");
    assert_has (after, "VND 100,000");
    assert_has (after, due);
    assert_has (after, "Scan to pay");
  }

  /* A credit note for part of the labor. */
  {
    const char *labor_line = NULL;
    g_autofree char *credit_path = g_strdup_printf ("/api/v1/invoices/%s/credit-notes", vb_test_id_of (invoice));
    g_autofree char *body = NULL;
    g_autoptr(JsonNode) credit = NULL;
    g_autofree char *credit_pdf = NULL;
    g_autofree char *text = NULL;

    for (guint i = 0; i < json_array_get_length (lines); i++)
      if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (lines, i), "kind"), "labor") == 0)
        labor_line = json_object_get_string_member (json_array_get_object_element (lines, i), "id");
    g_assert_nonnull (labor_line);
    body = g_strdup_printf ("{\"reason\": \"Labor over-clocked\", \"lines\": [{\"invoice_line_id\": \"%s\", \"quantity\": 0.5}]}",
                            labor_line);
    credit = vb_test_call (fx->floor.server, "POST", credit_path, fx->floor.manager, body, 201);
    credit_pdf = g_strdup_printf ("/api/v1/invoices/%s/pdf?language=en", vb_test_id_of (credit));
    text = pdf_text_of (fx, credit_pdf, fx->floor.manager, NULL);
    assert_has (text, "Credit note");
    assert_has (text, json_object_get_string_member (vb_test_object (credit), "number"));
    assert_has (text, number);                  /* the invoice it credits */
    assert_money (text, vb_test_object (credit), "total", "en");
    assert_has (text, VIN);
    g_assert_null (strstr (text, "Scan to pay"));
  }
}

/* --------------------------------------------------------------- quote --- */

static void
test_quote (Fx            *fx,
            gconstpointer  data)
{
  g_autoptr(JsonNode) version = work_and_quote (fx);
  g_autofree char *quote_id = vb_test_sql (fx->floor.server, "SELECT quote_id FROM quote_versions WHERE id = $1::uuid",
                                           vb_test_id_of (version), NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/quotes/%s/pdf?language=en", quote_id);
  g_autofree char *text = pdf_text_of (fx, path, fx->floor.desk, NULL);
  g_autofree char *total = vb_test_sql (fx->floor.server,
                                        "SELECT sum(gross_amount)::text FROM quote_lines WHERE quote_version_id = $1::uuid",
                                        vb_test_id_of (version), NULL);
  g_autofree char *total_text = vb_format_money (g_ascii_strtoll (total, NULL, 10), "VND", "en");

  assert_has (text, "Quote");
  assert_has (text, "Minh Nguyen");
  assert_has (text, "51H-123.45");
  assert_has (text, "Replace cabin filter (approved)");
  assert_has (text, "Disposal (declined)");
  assert_has (text, total_text);
  g_assert_null (strstr (text, "Amount due"));
  expect_status (fx, path, fx->floor.tech_b, 404);
}

/* An HV record on a battery task of the order with a passed insulation test
 * of 550 kΩ at 500 V (each step through the API, in order). */
static void
insulation_reading (Fx *fx)
{
  g_autofree char *task = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) record = NULL;
  static const struct { const char *step; int minutes_ago; const char *extra; } steps[] = {
    { "de_energize", 20, "\"ignition_off\": true, \"low_voltage_disconnected\": true,"
                         " \"service_disconnect_removed\": true" },
    { "lockout", 15, "\"lock_id\": \"L-07\", \"lock_holder\": \"Tuan\"" },
    { "capacitor_wait", 3, NULL },
    { "verify_absence", 2, "\"known_source_before\": true, \"known_source_after\": true,"
                           " \"readings\": [{\"point\": \"HV+ to HV-\", \"volts\": 0.2}]" },
    { "insulation_test", 1, "\"resistance_ohms\": 550000, \"test_voltage\": 500" },
  };

  vb_test_floor_certify (&fx->floor, fx->floor.tech_id, 3, "2024-01-01", NULL);
  task = vb_test_floor_service_task (&fx->floor, fx->order, fx->floor.battery, fx->floor.tech_id);
  path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);
  record = vb_test_call (fx->floor.server, "POST", path, fx->floor.tech, "{}", 201);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) at = g_date_time_add_minutes (now, -steps[i].minutes_ago);
      g_autofree char *when = g_date_time_format_iso8601 (at);
      g_autofree char *step_path = g_strdup_printf ("/api/v1/hv-records/%s/steps", vb_test_id_of (record));
      g_autofree char *body = g_strdup_printf ("{\"step\": \"%s\", \"performed_at\": \"%s\"%s%s}",
                                               steps[i].step, when, steps[i].extra ? ", " : "",
                                               steps[i].extra ? steps[i].extra : "");

      json_node_unref (vb_test_call (fx->floor.server, "POST", step_path, fx->floor.tech, body, 201));
    }
}

/* ------------------------------------------------ history and battery --- */

static void
test_vehicle (Fx            *fx,
              gconstpointer  data)
{
  g_autofree char *history = g_strdup_printf ("/api/v1/vehicles/%s/history/pdf?language=en", fx->floor.vehicle);
  g_autofree char *history_vi = g_strdup_printf ("/api/v1/vehicles/%s/history/pdf", fx->floor.vehicle);
  g_autofree char *battery = g_strdup_printf ("/api/v1/vehicles/%s/battery-certificate/pdf?language=en",
                                              fx->floor.vehicle);
  g_autofree char *battery_vi = g_strdup_printf ("/api/v1/vehicles/%s/battery-certificate/pdf", fx->floor.vehicle);
  g_autofree char *number = vb_test_sql (fx->floor.server,
                                         "SELECT l.code || ' #' || w.number FROM work_orders w"
                                         "  JOIN locations l ON l.id = w.location_id WHERE w.id = $1::uuid",
                                         fx->order, NULL);
  g_autofree char *disposition = NULL;
  g_autofree char *text = NULL;
  g_autofree char *vi = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *cert_vi = NULL;
  g_autofree char *second = NULL;

  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO odometer_readings (vehicle_id, location_id, odometer_km, read_at)"
                       " VALUES ($1::uuid, $2::uuid, 1200, now() - interval '400 days'),"
                       "        ($1::uuid, $2::uuid, 11800, now() - interval '200 days'),"
                       "        ($1::uuid, $2::uuid, 23456, now() - interval '1 day')",
                       fx->floor.vehicle, fx->floor.a, NULL));
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO soh_readings (vehicle_id, location_id, soh_percent, usable_kwh, measured_at, method)"
                       " VALUES ($1::uuid, $2::uuid, 99.5, 82.0, now() - interval '400 days', 'bms_readout'),"
                       "        ($1::uuid, $2::uuid, 96.2, 80.1, now() - interval '200 days', 'bms_readout'),"
                       "        ($1::uuid, $2::uuid, 91.4, 78.3, now() - interval '1 day', 'capacity_test')",
                       fx->floor.vehicle, fx->floor.a, NULL));
  /* A second visit, checked in today, triaged with fault codes. */
  second = vb_test_floor_order_at (&fx->floor, fx->floor.a, fx->floor.customer, fx->floor.vehicle);
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO work_order_triages (work_order_id, location_id, smoke_or_smell, burn_marks,"
                       "                                underbody_damage, critical_fault, fault_codes)"
                       " VALUES ($1::uuid, $2::uuid, false, false, false, false, '{P0AA6,P1E00}')",
                       second, fx->floor.a, NULL));

  insulation_reading (fx);

  text = pdf_text_of (fx, history, fx->floor.desk, &disposition);
  g_assert_nonnull (strstr (disposition, "filename=\"vehicle-history-51H-123.45.pdf\""));
  assert_has (text, "Vehicle maintenance history");
  assert_has (text, VIN);
  assert_has (text, "Minh Nguyen");
  assert_has (text, number);
  assert_has (text, "Replace cabin filter");
  assert_has (text, "23,456 km");
  vi = pdf_text_of (fx, history_vi, fx->floor.tech, NULL);
  assert_has (vi, "Lịch sử bảo dưỡng xe");
  assert_has (vi, "23.456 km");

  cert = pdf_text_of (fx, battery, fx->floor.desk, NULL);
  assert_has (cert, "Battery health certificate");
  assert_has (cert, VIN);
  assert_has (cert, "91.4%");
  assert_has (cert, "78.3 kWh");
  assert_has (cert, "99.5%");
  assert_has (cert, "96.2%");
  assert_has (cert, "P0AA6, P1E00");
  assert_has (cert, "550 kΩ @ 500 V — Pass");
  assert_has (cert, "Capacity test");
  assert_has (cert, "11,800 km");
  cert_vi = pdf_text_of (fx, battery_vi, fx->floor.desk, NULL);
  assert_has (cert_vi, "Giấy chứng nhận tình trạng pin");
  assert_has (cert_vi, "91,4%");
  assert_has (cert_vi, "Kiểm tra dung lượng");
  assert_has (cert_vi, "550 kΩ @ 500 V — Đạt");

  expect_status (fx, history, fx->floor.tech_b, 404);
  expect_status (fx, battery, fx->floor.tech_b, 404);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  {
    /* The server reads the vi catalog meson built from po/vi.po. */
    g_autofree char *po = g_build_filename (vb_test_build_dir (), "po", NULL);
    g_setenv ("VB_LOCALEDIR", po, TRUE);
  }
  g_test_add ("/documents/invoice", Fx, NULL, fx_setup, test_invoice, fx_teardown);
  g_test_add ("/documents/quote", Fx, NULL, fx_setup, test_quote, fx_teardown);
  g_test_add ("/documents/vehicle", Fx, NULL, fx_setup, test_vehicle, fx_teardown);
  return g_test_run ();
}
