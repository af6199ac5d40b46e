/* test-quotes.c — quotes against the real server: line pricing (labor ×
 * the location's rate, parts at their sale price and tax class, fees,
 * discounts, tax per line, half-up rounding, totals) with exact numbers;
 * default labor lines from the tasks' service types; versions (a sent one
 * is frozen, a change is a new version, stale versions 409); per-line
 * approval with each channel and the evidence it needs (missing → 422
 * naming the field); the work order moving on; declined lines becoming
 * deferred work; permissions and location scoping; change feed and audit.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

typedef struct
{
  VbTestFloor floor;   /* HCM-1 with a customer; tech_b at HN-1 */
  char *order;         /* the customer's work order, diagnosing */
  char *part;          /* Cabin filter: 250,000 VND, tax class VAT8 (8 %) */
  char *signature;     /* a signature attachment at HCM-1 */
  char *desk_id;
} Fx;

/* The first value of a query (text parameters, then NULL) is expected. */
#define assert_sql(fx, expected, ...) \
  G_STMT_START { \
    g_autofree char *_value = vb_test_sql ((fx)->floor.server, __VA_ARGS__, NULL); \
    g_assert_cmpstr (_value, ==, (expected)); \
  } G_STMT_END

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
  /* 450,000 VND an hour; VAT 10 %, VAT8 8 %. */
  add_rate (fx, "{\"kind\": \"labor\", \"name\": \"Standard\", \"amount_per_hour\": {\"amount\": 450000, \"currency\": \"VND\"}}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT\", \"percent_bp\": 1000}");
  add_rate (fx, "{\"kind\": \"tax\", \"name\": \"VAT8\", \"percent_bp\": 800}");
  fx->part = vb_test_sql (fx->floor.server,
                          "INSERT INTO parts (sku, name, unit_cost_amount, sale_price_amount, currency, tax_class)"
                          " VALUES ('CF-VF8', 'Cabin filter VF 8', 100000, 250000, 'VND', 'VAT8') RETURNING id", NULL);
  fx->signature = vb_test_sql (fx->floor.server,
                               "INSERT INTO attachments (location_id, purpose, sha256, content_type, size_bytes)"
                               " VALUES ($1::uuid, 'signature', repeat('a', 64), 'image/png', 100) RETURNING id",
                               fx->floor.a, NULL);
  fx->order = vb_test_floor_order (&fx->floor, "diagnosing");
  fx->desk_id = vb_test_me_id (fx->floor.server, fx->floor.desk);
}

static void
fx_teardown (Fx            *fx,
             gconstpointer  data)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->order); g_free (fx->part); g_free (fx->signature); g_free (fx->desk_id);
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
line_at (JsonNode *version,
         guint     i)
{
  return json_array_get_object_element (json_object_get_array_member (vb_test_object (version), "lines"), i);
}

/* The four-line quote: 1.5 h labor, 2 filters, a 30,000 fee, a 50,001 discount. */
static JsonNode *
four_lines (Fx   *fx,
            guint expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", fx->order);
  g_autofree char *body = g_strdup_printf (
    "{\"notes\": \"After diagnosis\", \"lines\": ["
    " {\"kind\": \"labor\", \"description\": \"Replace cabin filter\", \"quantity\": 1.5},"
    " {\"kind\": \"part\", \"part_id\": \"%s\", \"quantity\": 2},"
    " {\"kind\": \"fee\", \"description\": \"Disposal\", \"unit_price\": {\"amount\": 30000, \"currency\": \"VND\"}},"
    " {\"kind\": \"discount\", \"description\": \"Loyalty\", \"unit_price\": {\"amount\": -50001, \"currency\": \"VND\"}}]}",
    fx->part);

  return vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, expect);
}

static char *
decide_path (JsonNode *version)
{
  return g_strdup_printf ("/api/v1/quote-versions/%s/decisions", vb_test_id_of (version));
}

/* ---------------------------------------------------------------- math --- */

static void
test_quote_math (Fx            *fx,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = four_lines (fx, 201);
  JsonObject *o = vb_test_object (v1);
  JsonObject *l;

  g_assert_cmpint (json_object_get_int_member (o, "number"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "draft");
  /* Labor: 1.5 h × 450,000 = 675,000 + 10 % = 67,500. */
  l = line_at (v1, 0);
  g_assert_cmpstr (json_object_get_string_member (l, "kind"), ==, "labor");
  g_assert_cmpfloat (json_object_get_double_member (l, "quantity"), ==, 1.5);
  g_assert_cmpint (money (l, "unit_price"), ==, 450000);
  g_assert_cmpint (money (l, "net"), ==, 675000);
  g_assert_cmpstr (json_object_get_string_member (l, "tax_name"), ==, "VAT");
  g_assert_cmpint (money (l, "tax"), ==, 67500);
  g_assert_cmpint (money (l, "gross"), ==, 742500);
  /* Part: 2 × 250,000 at its tax class VAT8 (8 %): 500,000 + 40,000; named after the part. */
  l = line_at (v1, 1);
  g_assert_cmpstr (json_object_get_string_member (l, "description"), ==, "Cabin filter VF 8");
  g_assert_cmpstr (json_object_get_string_member (l, "tax_name"), ==, "VAT8");
  g_assert_cmpint (money (l, "net"), ==, 500000);
  g_assert_cmpint (money (l, "tax"), ==, 40000);
  /* Fee 30,000 + 3,000. */
  l = line_at (v1, 2);
  g_assert_cmpint (money (l, "gross"), ==, 33000);
  /* Discount -50,001: tax -5,000.1 rounds half away from zero per line to -5,000. */
  l = line_at (v1, 3);
  g_assert_cmpint (money (l, "net"), ==, -50001);
  g_assert_cmpint (money (l, "tax"), ==, -5000);
  g_assert_cmpint (money (l, "gross"), ==, -55001);
  /* Totals are the sums of the rounded lines. */
  g_assert_cmpint (money (o, "subtotal"), ==, 675000 + 500000 + 30000 - 50001);
  g_assert_cmpint (money (o, "tax"), ==, 67500 + 40000 + 3000 - 5000);
  g_assert_cmpint (money (o, "total"), ==, 1260499);
  g_assert_cmpint (money (o, "approved_total"), ==, 0);

  /* Rounding half-up on a positive line: 0.3 h × 450,005 = 135,001.5 → 135,002; tax 13,500.2 → 13,500. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/quote-versions/%s", vb_test_id_of (v1));
    g_autofree char *body = g_strdup_printf (
      "{\"version\": %" G_GINT64_FORMAT ", \"lines\": [{\"kind\": \"labor\", \"description\": \"x\", \"quantity\": 0.3,"
      " \"unit_price\": {\"amount\": 450005, \"currency\": \"VND\"}}]}",
      json_object_get_int_member (o, "version"));
    g_autoptr(JsonNode) edited = vb_test_call (fx->floor.server, "PUT", path, fx->floor.desk, body, 200);

    g_assert_cmpint (money (line_at (edited, 0), "net"), ==, 135002);
    g_assert_cmpint (money (line_at (edited, 0), "tax"), ==, 13500);
    g_assert_cmpint (money (vb_test_object (edited), "total"), ==, 148502);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (edited), "version"), ==,
                     json_object_get_int_member (o, "version") + 1);
  }
}

static void
test_default_lines_and_validation (Fx            *fx,
                                   gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", fx->order);
  g_autofree char *no_part = g_strdup ("{\"lines\": [{\"kind\": \"labor\", \"quantity\": 1}, {\"kind\": \"part\", \"quantity\": 1}]}");
  g_autofree char *bad_tax = g_strdup ("{\"lines\": [{\"kind\": \"labor\", \"quantity\": 1, \"tax_name\": \"GST\"}]}");
  g_autofree char *bad_currency = g_strdup (
    "{\"lines\": [{\"kind\": \"fee\", \"description\": \"x\", \"unit_price\": {\"amount\": 5, \"currency\": \"EUR\"}}]}");
  g_autofree char *tenths = g_strdup ("{\"lines\": [{\"kind\": \"labor\", \"quantity\": 1.25}]}");
  g_autofree char *positive_discount = g_strdup (
    "{\"lines\": [{\"kind\": \"labor\", \"quantity\": 1}, {\"kind\": \"discount\", \"description\": \"x\","
    " \"unit_price\": {\"amount\": 5, \"currency\": \"VND\"}}]}");
  g_autofree char *tire_task = NULL;
  g_autofree char *cabin_task = NULL;
  g_autoptr(JsonNode) v1 = NULL;
  g_autoptr(JsonNode) quote = NULL;
  g_autofree char *quote_path = g_strdup_printf ("/api/v1/work-orders/%s/quote", fx->order);

  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, no_part, 422, "validation_failed", "lines[1].part_id");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, bad_tax, 422, "validation_failed", "lines[0].tax_name");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, bad_currency, 422, "validation_failed",
                      "lines[0].unit_price");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, tenths, 422, "validation_failed", "lines[0].quantity");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, positive_discount, 422, "validation_failed",
                      "lines[1].unit_price");
  /* A refused request leaves nothing behind. */
  assert_sql (fx, "0", "SELECT count(*) FROM quote_versions");

  /* No lines given: a labor line per task at its service type's standard time. */
  tire_task = vb_test_floor_service_task (&fx->floor, fx->order, fx->floor.tire, NULL);     /* 5 tenths */
  cabin_task = vb_test_floor_service_task (&fx->floor, fx->order, fx->floor.cabin, NULL);   /* 3 tenths */
  v1 = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, NULL, 201);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (v1), "lines")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (line_at (v1, 0), "task_id"), ==, tire_task);
  g_assert_cmpstr (json_object_get_string_member (line_at (v1, 0), "description"), ==, "Tire rotation");
  g_assert_cmpfloat (json_object_get_double_member (line_at (v1, 0), "quantity"), ==, 0.5);
  g_assert_cmpint (money (line_at (v1, 0), "net"), ==, 225000);
  g_assert_cmpfloat (json_object_get_double_member (line_at (v1, 1), "quantity"), ==, 0.3);
  g_assert_cmpint (money (line_at (v1, 1), "net"), ==, 135000);
  g_assert_cmpint (money (vb_test_object (v1), "total"), ==, (225000 + 135000) * 11 / 10);

  /* Read: billing.read (technicians have it); HN-1 staff see nothing; writing needs billing.manage. */
  quote = vb_test_call (fx->floor.server, "GET", quote_path, fx->floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (quote), "versions")), ==, 1);
  vb_test_call_error (fx->floor.server, "GET", quote_path, fx->floor.tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.tech, "{}", 403, "forbidden", NULL);
  {
    g_autofree char *vpath = g_strdup_printf ("/api/v1/quote-versions/%s", vb_test_id_of (v1));
    g_autofree char *list = g_strdup_printf ("/api/v1/quotes?location_id=%s", fx->floor.a);
    g_autoptr(JsonNode) items = NULL;

    vb_test_call_error (fx->floor.server, "GET", vpath, fx->floor.tech_b, NULL, 404, "not_found", NULL);
    items = vb_test_call (fx->floor.server, "GET", list, fx->floor.manager, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (items), "items")), ==, 1);
    json_node_unref (items);
    items = vb_test_call (fx->floor.server, "GET", "/api/v1/quotes", fx->floor.tech_b, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (items), "items")), ==, 0);
  }
}

/* ------------------------------------------------------------ versions --- */

static void
test_versions (Fx            *fx,
               gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = four_lines (fx, 201);
  g_autofree char *v1_path = g_strdup_printf ("/api/v1/quote-versions/%s", vb_test_id_of (v1));
  g_autofree char *send_path = g_strdup_printf ("%s/send", v1_path);
  g_autofree char *stale = g_strdup ("{\"version\": 99, \"lines\": [{\"kind\": \"labor\", \"quantity\": 1}]}");
  g_autofree char *edit = NULL;
  g_autoptr(JsonNode) conflict = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) v2 = NULL;
  g_autoptr(JsonNode) v1_now = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) db = NULL;
  g_autoptr(PGresult) res = NULL;
  guint status = 0;

  /* A draft blocks a second version; a stale edit carries the current one. */
  json_node_unref (four_lines (fx, 409));
  conflict = vb_test_request (fx->floor.server, "PUT", v1_path, fx->floor.desk, stale, &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (conflict, "version_conflict", NULL);

  sent = vb_test_call (fx->floor.server, "POST", send_path, fx->floor.desk, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (sent), "status"), ==, "sent");
  g_assert_nonnull (json_object_get_string_member (vb_test_object (sent), "sent_at"));
  /* Frozen: neither the API nor SQL changes a sent version's lines. */
  edit = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"lines\": [{\"kind\": \"labor\", \"quantity\": 1}]}",
                          json_object_get_int_member (vb_test_object (sent), "version"));
  vb_test_call_error (fx->floor.server, "PUT", v1_path, fx->floor.desk, edit, 409, "conflict", "status");
  vb_test_call_error (fx->floor.server, "POST", send_path, fx->floor.desk, NULL, 409, "conflict", "status");
  db = vb_test_server_db (fx->floor.server);
  res = vb_db_execv (db, &error, "DELETE FROM quote_lines WHERE quote_version_id = $1::uuid", vb_test_id_of (v1));
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_clear_error (&error);
  res = vb_db_execv (db, &error, "UPDATE quote_lines SET unit_price_amount = 1 WHERE quote_version_id = $1::uuid",
                     vb_test_id_of (v1));
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_clear_error (&error);

  /* A change is a new version; the sent one waiting for decisions is superseded. */
  v2 = four_lines (fx, 201);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (v2), "number"), ==, 2);
  g_assert_true (json_object_get_boolean_member (vb_test_object (v2), "current"));
  v1_now = vb_test_call (fx->floor.server, "GET", v1_path, fx->floor.desk, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (v1_now), "status"), ==, "superseded");
  g_assert_false (json_object_get_boolean_member (vb_test_object (v1_now), "current"));
  /* Decisions go on the newest version only. */
  {
    g_autofree char *path = decide_path (v1);
    g_autofree char *body = g_strdup_printf (
      "{\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\", \"decisions\": [{\"quote_line_id\": \"%s\", \"decision\": \"approved\"}]}",
      json_object_get_string_member (line_at (v1, 0), "id"));
    vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 409, "conflict", "status");
  }
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.manager, "quote_versions", vb_test_id_of (v2), "upsert"));
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.manager, "quote_lines",
                                       json_object_get_string_member (line_at (v2, 0), "id"), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "quote_versions", vb_test_id_of (v2), "insert"), ==, 1);
}

/* ----------------------------------------------------------- approvals --- */

static char *
one_decision (JsonNode   *version,
              guint       line,
              const char *decision,
              const char *evidence)
{
  return g_strdup_printf ("{%s, \"decisions\": [{\"quote_line_id\": \"%s\", \"decision\": \"%s\"}]}",
                          evidence, json_object_get_string_member (line_at (version, line), "id"), decision);
}

static void
test_approval_channels (Fx            *fx,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = four_lines (fx, 201);
  g_autofree char *path = decide_path (v1);
  g_autofree char *photo = vb_test_floor_attachment (&fx->floor);
  g_autofree char *in_person = g_strdup_printf ("\"channel\": \"in_person\", \"signature_attachment_id\": \"%s\"", fx->signature);
  g_autofree char *with_photo = g_strdup_printf ("\"channel\": \"in_person\", \"signature_attachment_id\": \"%s\"", photo);
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) deferred = NULL;
  g_autofree char *deferred_path = NULL;
  g_autofree char *expected_remind = NULL;
  g_autofree char *decision_id = NULL;
  g_autofree char *deferred_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) db = NULL;
  g_autoptr(PGresult) res = NULL;
  JsonObject *d;

  /* Each channel's evidence is required; nothing is recorded when it is missing. */
  body = one_decision (v1, 0, "approved", "\"channel\": \"in_person\"");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 422, "validation_failed", "signature_attachment_id");
  g_free (body);
  body = one_decision (v1, 0, "approved", with_photo);
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 422, "validation_failed", "signature_attachment_id");
  g_free (body);
  body = one_decision (v1, 0, "approved", "\"channel\": \"phone\"");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 422, "validation_failed", "phone_number");
  g_free (body);
  body = one_decision (v1, 0, "approved", "\"channel\": \"email\"");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 422, "validation_failed", "email_reply");
  g_free (body);
  body = one_decision (v1, 0, "maybe", "\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\"");
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 422, "validation_failed", "decisions[0].decision");
  g_free (body);
  /* A technician reads quotes but does not record approvals. */
  body = one_decision (v1, 0, "approved", in_person);
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.tech, body, 403, "forbidden", NULL);
  assert_sql (fx, "0", "SELECT count(*) FROM quote_line_decisions");

  /* In person with the signature: recorded with who and when; the version is frozen (sent). */
  after = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200);
  d = json_object_get_object_member (line_at (after, 0), "decision");
  g_assert_cmpstr (json_object_get_string_member (d, "decision"), ==, "approved");
  g_assert_cmpstr (json_object_get_string_member (d, "channel"), ==, "in_person");
  g_assert_cmpstr (json_object_get_string_member (d, "signature_attachment_id"), ==, fx->signature);
  g_assert_cmpstr (json_object_get_string_member (d, "recorded_by"), ==, fx->desk_id);
  g_assert_nonnull (json_object_get_string_member (d, "decided_at"));
  decision_id = g_strdup (json_object_get_string_member (d, "id"));
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "status"), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "work_order_status"), ==, "diagnosing");
  /* Once per line. */
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, 409, "conflict", "decisions[0].quote_line_id");
  g_free (body);

  /* The part declined by phone, the fee by e-mail (message id), the discount by e-mail (reply). */
  body = g_strdup_printf ("{\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\", \"decisions\": ["
                          "{\"quote_line_id\": \"%s\", \"decision\": \"declined\"}]}",
                          json_object_get_string_member (line_at (v1, 1), "id"));
  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200));
  g_free (body);
  body = one_decision (v1, 2, "approved", "\"channel\": \"email\", \"email_message_id\": \"<abc@mail.example>\"");
  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200));
  g_free (body);
  assert_sql (fx, "diagnosing", "SELECT status FROM work_orders WHERE id = $1::uuid", fx->order);
  body = one_decision (v1, 3, "approved", "\"channel\": \"email\", \"email_reply\": \"Yes, go ahead with the discount\"");
  g_clear_pointer (&after, json_node_unref);
  after = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200);

  /* Every line decided: the version is decided and the work order moves on. */
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "status"), ==, "decided");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "work_order_status"), ==, "in_progress");
  assert_sql (fx, "in_progress", "SELECT status FROM work_orders WHERE id = $1::uuid", fx->order);
  assert_sql (fx, "Quote version 1 approved",
                                "SELECT reason FROM work_order_status_history WHERE work_order_id = $1::uuid"
                                " ORDER BY changed_at DESC LIMIT 1", fx->order);
  /* Approved: 742,500 + 33,000 - 55,001; declined: the filters. */
  g_assert_cmpint (money (vb_test_object (after), "approved_total"), ==, 742500 + 33000 - 55001);
  g_assert_cmpint (money (vb_test_object (after), "declined_total"), ==, 540000);

  /* The declined part is deferred work, to be reminded of after 30 days. */
  deferred_path = g_strdup_printf ("/api/v1/deferred-work?customer_id=%s&open=true", fx->floor.customer);
  deferred = vb_test_call (fx->floor.server, "GET", deferred_path, fx->floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (deferred), "items")), ==, 1);
  d = json_array_get_object_element (json_object_get_array_member (vb_test_object (deferred), "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (d, "description"), ==, "Cabin filter VF 8");
  g_assert_cmpstr (json_object_get_string_member (d, "part_id"), ==, fx->part);
  g_assert_cmpstr (json_object_get_string_member (d, "vehicle_id"), ==, fx->floor.vehicle);
  g_assert_cmpint (money (d, "amount"), ==, 540000);
  expected_remind = vb_test_sql (fx->floor.server,
                                 "SELECT ((now() AT TIME ZONE l.time_zone)::date + 30)::text FROM locations l"
                                 " WHERE l.id = $1::uuid", fx->floor.a, NULL);
  g_assert_cmpstr (json_object_get_string_member (d, "remind_after"), ==, expected_remind);
  deferred_id = g_strdup (json_object_get_string_member (d, "id"));
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.desk, "deferred_work", deferred_id, "upsert"));
  g_assert_true (vb_test_feed_has_row (fx->floor.server, fx->floor.desk, "quote_line_decisions", decision_id, "upsert"));
  g_assert_false (vb_test_feed_has (fx->floor.server, fx->floor.tech_b, "quote_line_decisions", decision_id, NULL));
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "quote_line_decisions", decision_id, "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx->floor.server, "deferred_work", deferred_id, "insert"), ==, 1);

  /* Decisions are append-only, also in SQL. */
  db = vb_test_server_db (fx->floor.server);
  res = vb_db_execv (db, &error, "UPDATE quote_line_decisions SET decision = 'approved' WHERE id = $1::uuid", decision_id);
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);

  /* Resolving deferred work. */
  {
    g_autofree char *rpath = g_strdup_printf ("/api/v1/deferred-work/%s/resolve", deferred_id);
    g_autoptr(JsonNode) resolved = vb_test_call (fx->floor.server, "POST", rpath, fx->floor.desk,
                                                 "{\"resolution\": \"dismissed\"}", 200);

    g_assert_cmpstr (json_object_get_string_member (vb_test_object (resolved), "resolution"), ==, "dismissed");
    vb_test_call_error (fx->floor.server, "POST", rpath, fx->floor.desk, "{\"resolution\": \"accepted\"}", 409,
                        "conflict", "resolution");
  }
}

/* Declining everything leaves the work order where it is. */
static void
test_all_declined (Fx            *fx,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *qpath = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", fx->order);

  g_free (vb_test_sql (fx->floor.server, "UPDATE work_orders SET status = 'awaiting_approval' WHERE id = $1::uuid",
                       fx->order, NULL));
  v1 = vb_test_call (fx->floor.server, "POST", qpath, fx->floor.desk,
                     "{\"lines\": [{\"kind\": \"labor\", \"quantity\": 2}, {\"kind\": \"labor\", \"quantity\": 1}]}", 201);
  path = decide_path (v1);
  body = g_strdup_printf ("{\"channel\": \"phone\", \"phone_number\": \"0901112222\", \"decisions\": ["
                          "{\"quote_line_id\": \"%s\", \"decision\": \"declined\"},"
                          " {\"quote_line_id\": \"%s\", \"decision\": \"declined\"}]}",
                          json_object_get_string_member (line_at (v1, 0), "id"),
                          json_object_get_string_member (line_at (v1, 1), "id"));
  after = vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "status"), ==, "decided");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (after), "work_order_status"), ==, "awaiting_approval");
  assert_sql (fx, "2", "SELECT count(*) FROM deferred_work WHERE work_order_id = $1::uuid",
                                fx->order);
}

/* Erasing the customer scrubs what they said in their approvals. */
static void
test_gdpr_erase (Fx            *fx,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = four_lines (fx, 201);
  g_autofree char *path = decide_path (v1);
  g_autofree char *phone = one_decision (v1, 0, "approved", "\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\"");
  g_autofree char *mail = one_decision (v1, 1, "declined", "\"channel\": \"email\", \"email_reply\": \"No filters, thanks. Minh\"");
  g_autofree char *erase = g_strdup_printf ("/api/v1/customers/%s/erase", fx->floor.customer);

  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, phone, 200));
  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, mail, 200));
  json_node_unref (vb_test_call (fx->floor.server, "POST", erase, fx->floor.admin, NULL, 200));
  assert_sql (fx, "0", "SELECT count(*) FROM quote_line_decisions WHERE phone_number LIKE '%2222' OR email_reply LIKE '%Minh%'");
  assert_sql (fx, "2", "SELECT count(*) FROM quote_line_decisions WHERE coalesce(phone_number, email_reply) = '[erased]'");
  assert_sql (fx, "0", "SELECT count(*) FROM change_log WHERE entity = 'quote_line_decisions'"
                       " AND (row ->> 'phone_number' LIKE '%2222' OR row ->> 'email_reply' LIKE '%Minh%')");
  /* The decisions themselves stay: a legal record. */
  assert_sql (fx, "declined", "SELECT decision FROM quote_line_decisions WHERE email_reply = '[erased]'");
}

/* Declined work approved later (same part, a new version) is resolved. */
static void
test_deferred_accepted_later (Fx            *fx,
                              gconstpointer  data)
{
  g_autoptr(JsonNode) v1 = four_lines (fx, 201);
  g_autofree char *path = decide_path (v1);
  g_autofree char *body = g_strdup_printf (
    "{\"channel\": \"phone\", \"phone_number\": \"0901112222\", \"decisions\": ["
    "{\"quote_line_id\": \"%s\", \"decision\": \"approved\"}, {\"quote_line_id\": \"%s\", \"decision\": \"declined\"},"
    " {\"quote_line_id\": \"%s\", \"decision\": \"approved\"}, {\"quote_line_id\": \"%s\", \"decision\": \"approved\"}]}",
    json_object_get_string_member (line_at (v1, 0), "id"), json_object_get_string_member (line_at (v1, 1), "id"),
    json_object_get_string_member (line_at (v1, 2), "id"), json_object_get_string_member (line_at (v1, 3), "id"));
  g_autoptr(JsonNode) v2 = NULL;
  g_autofree char *path2 = NULL;
  g_autofree char *body2 = NULL;

  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.desk, body, 200));
  assert_sql (fx, "open", "SELECT coalesce(resolution, 'open') FROM deferred_work WHERE part_id = $1::uuid", fx->part);
  /* The customer changes their mind: v2 has the filters, approved. */
  v2 = four_lines (fx, 201);
  path2 = decide_path (v2);
  body2 = one_decision (v2, 1, "approved", "\"channel\": \"email\", \"email_reply\": \"OK, do the filters\"");
  json_node_unref (vb_test_call (fx->floor.server, "POST", path2, fx->floor.desk, body2, 200));
  assert_sql (fx, "accepted", "SELECT coalesce(resolution, 'open') FROM deferred_work WHERE part_id = $1::uuid", fx->part);
  assert_sql (fx, "t", "SELECT (resolved_at IS NOT NULL AND resolved_by IS NOT NULL)::text::char FROM deferred_work"
                       " WHERE part_id = $1::uuid", fx->part);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add ("/quotes/math", Fx, NULL, fx_setup, test_quote_math, fx_teardown);
  g_test_add ("/quotes/defaults-validation-scope", Fx, NULL, fx_setup, test_default_lines_and_validation, fx_teardown);
  g_test_add ("/quotes/versions", Fx, NULL, fx_setup, test_versions, fx_teardown);
  g_test_add ("/quotes/approval-channels", Fx, NULL, fx_setup, test_approval_channels, fx_teardown);
  g_test_add ("/quotes/gdpr-erase", Fx, NULL, fx_setup, test_gdpr_erase, fx_teardown);
  g_test_add ("/quotes/deferred-accepted-later", Fx, NULL, fx_setup, test_deferred_accepted_later, fx_teardown);
  g_test_add ("/quotes/all-declined", Fx, NULL, fx_setup, test_all_declined, fx_teardown);
  return g_test_run ();
}
