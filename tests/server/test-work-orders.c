/* test-work-orders.c — check-in, reception form, triage/quarantine and the
 * status machine against the real server and PostgreSQL: walk-in and
 * appointment check-in (tasks from services, odometer reading, software
 * version), validation naming the field, the whole status path and its
 * illegal moves, quarantine and who may clear it, location and role
 * scoping, lists with embedded customer and vehicle, the change feed and
 * audit_log, and the GDPR export and erasure of a customer's work orders.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* One value from the test's database (a single-row, single-column query). */
static char *
db_value (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error, sql, param);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return g_strdup (vb_db_get (res, 0, 0));
}

static gint64
db_count (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autofree char *v = db_value (server, sql, param);
  return g_ascii_strtoll (v, NULL, 10);
}

/* The floor (technician HV level 1) and what the work-order tests add. */
typedef struct
{
  VbTestFloor floor;
  char *desk_b;        /* reception at HN-1 */
  char *tech3;         /* technician at HCM-1, HV level 3 */
  char *tech3_id;
  char *bay;           /* Bay 1 at HCM-1 */
  char *customer_b;    /* a customer of HN-1 with a vehicle */
  char *vehicle_b;
} Fx;

/* A customer of location with a VinFast whose plate ends like its VIN. */
static void
create_customer (Fx          *fx,
                 const char  *location,
                 const char  *given,
                 const char  *vin,
                 char       **customer,
                 char       **vehicle)
{
  g_autofree char *members = g_strdup_printf ("\"plate\": \"51K-%s\", \"vin\": \"%s\", \"make\": \"VinFast\","
                                              " \"model\": \"VF 8\", \"year\": 2024, \"hv_class\": 400",
                                              vin + 12, vin);

  vb_test_floor_add_customer (&fx->floor, fx->floor.admin, location, given, members, customer, vehicle);
}

static void
fx_setup (Fx *fx)
{
  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_TECH_B);
  fx->desk_b = vb_test_user_token (fx->floor.server, "desk-b@example.com", "reception", "HN-1");
  fx->tech3 = vb_test_user_token (fx->floor.server, "tech3@example.com", "technician", "HCM-1");
  fx->tech3_id = vb_test_me_id (fx->floor.server, fx->tech3);
  vb_test_floor_certify (&fx->floor, fx->floor.tech_id, 1, "2020-01-01", NULL);
  vb_test_floor_certify (&fx->floor, fx->tech3_id, 3, "2020-01-01", NULL);
  fx->bay = vb_test_floor_add_bay (&fx->floor, "Bay 1", "[\"lift\", \"hv_certified\"]");
  create_customer (fx, fx->floor.a, "Minh", "LVSHFFAL1PS000001", &fx->floor.customer, &fx->floor.vehicle);
  create_customer (fx, fx->floor.b, "Lan", "LVSHFFAL1PS000002", &fx->customer_b, &fx->vehicle_b);
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->desk_b); g_free (fx->tech3); g_free (fx->tech3_id); g_free (fx->bay);
  g_free (fx->customer_b); g_free (fx->vehicle_b);
}

/* A walk-in check-in body at fx->floor.a; extra: more members ("" or ", ..."). */
static char *
walk_in (Fx         *fx,
         const char *extra)
{
  return g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"vehicle_id\": \"%s\"%s}",
                          fx->floor.a, fx->floor.customer, fx->floor.vehicle, extra);
}

static JsonNode *
check_in (Fx         *fx,
          const char *token,
          const char *extra)
{
  g_autofree char *body = walk_in (fx, extra);
  return vb_test_call (fx->floor.server, "POST", "/api/v1/work-orders", token, body, 201);
}

static JsonNode *
move (Fx         *fx,
      const char *id,
      const char *token,
      const char *body,
      guint       expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/status", id);
  return vb_test_call (fx->floor.server, "POST", path, token, body, expect);
}

static void
move_to (Fx         *fx,
         const char *id,
         const char *status)
{
  g_autofree char *body = g_strdup_printf ("{\"status\": \"%s\"}", status);
  g_autoptr(JsonNode) reply = move (fx, id, fx->floor.desk, body, 200);

  g_assert_cmpstr (vb_test_str_of (reply, "status"), ==, status);
}

static void
move_refused (Fx         *fx,
              const char *id,
              const char *body,
              guint       expect,
              const char *code,
              const char *field)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/status", id);
  vb_test_call_error (fx->floor.server, "POST", path, fx->floor.desk, body, expect, code, field);
}

static JsonNode *
triage (Fx         *fx,
        const char *id,
        const char *token,
        const char *body,
        guint       expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/triage", id);
  return vb_test_call (fx->floor.server, "POST", path, token, body, expect);
}

#define TRIAGE_PASS \
  "{\"smoke_or_smell\": false, \"burn_marks\": false, \"underbody_damage\": false, \"critical_fault\": false," \
  " \"fault_codes\": [\"P0A80\"], \"notes\": \"all clear\"}"
#define TRIAGE_SMOKE \
  "{\"smoke_or_smell\": true, \"burn_marks\": false, \"underbody_damage\": false, \"critical_fault\": false," \
  " \"parking_place\": \"Quarantine lot Q1\", \"notes\": \"smell of burnt plastic\"}"

/* Does the list at path hold id?  Returns the item (owned by keep). */
static JsonObject *
list_find (Fx         *fx,
           const char *token,
           const char *path,
           const char *id,
           JsonNode  **keep)
{
  JsonArray *items;

  *keep = vb_test_call (fx->floor.server, "GET", path, token, NULL, 200);
  items = json_object_get_array_member (vb_test_object (*keep), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      if (g_str_equal (json_object_get_string_member (o, "id"), id))
        return o;
    }
  return NULL;
}

/* ------------------------------------------------------------ check-in --- */

static void
test_walk_in (void)
{
  Fx fx;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *path = NULL;
  JsonObject *o;
  JsonArray *tasks;
  JsonObject *item;
  const char *id;

  fx_setup (&fx);
  extra = g_strdup_printf (", \"service_type_ids\": [\"%s\", \"%s\"], \"odometer_km\": 12000,"
                           " \"soc_in_percent\": 40, \"soc_promised_percent\": 80, \"charge_cable_left\": true,"
                           " \"concerns\": \"Noise when braking\", \"items_left\": \"child seat\","
                           " \"software_version_in\": \"2.4.1\", \"priority\": \"high\","
                           " \"promised_at\": \"2030-01-01T10:00:00Z\", \"lead_technician_id\": \"%s\","
                           " \"damage_photo_ids\": [\"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\"]",
                           fx.floor.tire, fx.floor.battery, fx.floor.tech_id);
  {
    g_autofree char *body = walk_in (&fx, extra);
    g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
    SoupMessageHeaders *headers = NULL;
    guint status = 0;

    created = vb_test_request_full (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, "application/json",
                                    bytes, NULL, &status, &headers);
    g_assert_cmpuint (status, ==, 201);
    id = vb_test_id_of (created);
    path = g_strdup_printf ("/api/v1/work-orders/%s", id);
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Location"), ==, path);
    soup_message_headers_unref (headers);
  }
  o = vb_test_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "checked_in");
  g_assert_cmpint (json_object_get_int_member (o, "number"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "odometer_km"), ==, 12000);
  g_assert_cmpstr (json_object_get_string_member (o, "priority"), ==, "high");
  g_assert_true (json_object_get_boolean_member (o, "charge_cable_left"));
  g_assert_true (json_object_get_null_member (o, "triage_passed"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "damage_photo_ids")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "customer"), "display_name"),
                   ==, "Minh Nguyen");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "vehicle"), "plate"),
                   ==, "51K-00001");
  /* One task per service, in order, from the catalog. */
  tasks = json_object_get_array_member (o, "tasks");
  g_assert_cmpuint (json_array_get_length (tasks), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tasks, 0), "service_type_id"), ==, fx.floor.tire);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tasks, 0), "title"), ==, "Tire rotation");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tasks, 0), "position"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tasks, 0), "estimated_tenths"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tasks, 0), "required_hv_level"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tasks, 1), "service_type_id"), ==, fx.floor.battery);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tasks, 1), "position"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tasks, 1), "required_hv_level"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "status_history")), ==, 1);

  /* The odometer reading and the software version reached the vehicle. */
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM odometer_readings WHERE vehicle_id = $1::uuid"
                                              " AND odometer_km = 12000 AND source = 'reception'", fx.floor.vehicle), ==, 1);
  {
    g_autofree char *vpath = g_strdup_printf ("/api/v1/vehicles/%s", fx.floor.vehicle);
    vehicle = vb_test_call (fx.floor.server, "GET", vpath, fx.floor.desk, NULL, 200);
    g_assert_cmpstr (vb_test_str_of (vehicle, "software_version"), ==, "2.4.1");
  }

  /* GET is the same record. */
  got = vb_test_call (fx.floor.server, "GET", path, fx.floor.tech, NULL, 200);
  g_assert_cmpstr (vb_test_id_of (got), ==, id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (got), "tasks")), ==, 2);

  /* A lower odometer is refused naming odometer_km; nothing is created. */
  {
    g_autofree char *low = walk_in (&fx, ", \"odometer_km\": 11000");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, low, 422, "validation_failed", "odometer_km");
    g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_orders WHERE vehicle_id = $1::uuid", fx.floor.vehicle), ==, 1);
  }

  /* Validation names the field. */
  {
    g_autofree char *bad_uuid = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"nope\", \"vehicle_id\": \"%s\"}",
                                                 fx.floor.a, fx.floor.vehicle);
    g_autofree char *soc = walk_in (&fx, ", \"soc_in_percent\": 101");
    g_autofree char *prio = walk_in (&fx, ", \"priority\": \"whenever\"");
    g_autofree char *svc = walk_in (&fx, ", \"service_type_ids\": [\"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\"]");
    g_autofree char *tri = walk_in (&fx, ", \"triage\": {\"smoke_or_smell\": false}");
    g_autofree char *lead = walk_in (&fx, ", \"lead_technician_id\": \"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\"");
    g_autofree char *other_vehicle = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"vehicle_id\": \"%s\"}",
                                                      fx.floor.a, fx.floor.customer, fx.vehicle_b);
    g_autofree char *no_location = g_strdup_printf ("{\"customer_id\": \"%s\", \"vehicle_id\": \"%s\"}", fx.floor.customer, fx.floor.vehicle);

    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, bad_uuid, 422, "validation_failed", "customer_id");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, soc, 422, "validation_failed", "soc_in_percent");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, prio, 422, "validation_failed", "priority");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, svc, 422, "validation_failed", "service_type_ids");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, tri, 422, "validation_failed", "triage.burn_marks");
    {
      /* The trigger's refusal (a failed triage must say where the car is
       * parked) names the nested member, and nothing is checked in. */
      g_autofree char *unparked = walk_in (&fx, ", \"triage\": {\"smoke_or_smell\": true, \"burn_marks\": false,"
                                                 " \"underbody_damage\": false, \"critical_fault\": false}");
      vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, unparked, 422, "validation_failed",
                          "triage.parking_place");
      g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_orders WHERE vehicle_id = $1::uuid",
                                 fx.floor.vehicle), ==, 1);
    }
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, lead, 422, "validation_failed", "lead_technician_id");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, other_vehicle, 422, "validation_failed", "vehicle_id");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, no_location, 422, "validation_failed", "location_id");
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, "{\"version\": 1, \"soc_out_percent\": 101}",
                        422, "validation_failed", "soc_out_percent");
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, "{\"concerns\": \"x\"}", 422, "validation_failed", "version");
    vb_test_call_error (fx.floor.server, "GET", "/api/v1/work-orders?status=flying", fx.floor.desk, NULL, 422, "validation_failed", "status");
  }

  /* PATCH: the form, the state of charge out, the version it leaves with. */
  {
    g_autoptr(JsonNode) patched = vb_test_call (fx.floor.server, "PATCH", path, fx.floor.desk,
      "{\"version\": 1, \"soc_out_percent\": 80, \"software_version_out\": \"2.5.0\","
      " \"parking_place\": \"P7\", \"odometer_km\": 12010}", 200);
    g_autoptr(JsonNode) v2 = NULL;
    g_autofree char *vpath = g_strdup_printf ("/api/v1/vehicles/%s", fx.floor.vehicle);

    g_assert_cmpint (json_object_get_int_member (vb_test_object (patched), "version"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (patched), "soc_out_percent"), ==, 80);
    g_assert_cmpstr (vb_test_str_of (patched, "parking_place"), ==, "P7");
    g_assert_cmpstr (vb_test_str_of (patched, "concerns"), ==, "Noise when braking");
    v2 = vb_test_call (fx.floor.server, "GET", vpath, fx.floor.desk, NULL, 200);
    g_assert_cmpstr (vb_test_str_of (v2, "software_version"), ==, "2.5.0");
    g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM odometer_readings WHERE vehicle_id = $1::uuid",
                               fx.floor.vehicle), ==, 2);
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, "{\"version\": 1, \"concerns\": \"x\"}",
                        409, "version_conflict", NULL);
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, "{\"version\": 2, \"odometer_km\": 100}",
                        422, "validation_failed", "odometer_km");
  }

  /* The open list embeds the customer and the vehicle. */
  item = list_find (&fx, fx.floor.desk, "/api/v1/work-orders?status=open&limit=50", id, &listed);
  g_assert_nonnull (item);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "customer"), "id"), ==, fx.floor.customer);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "vehicle"), "vin"),
                   ==, "LVSHFFAL1PS000001");
  g_assert_false (json_object_has_member (item, "tasks"));

  /* In the change feed and the audit trail, with its tasks. */
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.desk, "work_orders", id, "upsert"));
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.tech, "work_order_tasks",
                                   json_object_get_string_member (json_array_get_object_element (tasks, 0), "id"), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "work_orders", id, "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "work_orders", id, "update"), ==, 1);
  fx_clear (&fx);
}

static void
test_from_appointment (void)
{
  Fx fx;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, 7);
  g_autofree char *day = g_date_time_format (then, "%Y-%m-%d");
  g_autofree char *booking = NULL;
  g_autofree char *body = NULL;
  g_autofree char *appt_path = NULL;
  g_autoptr(JsonNode) appt = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *o;

  fx_setup (&fx);
  booking = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"vehicle_id\": \"%s\","
                             " \"service_type_ids\": [\"%s\"], \"bay_id\": \"%s\", \"starts_at\": \"%sT02:00:00Z\"}",
                             fx.floor.a, fx.floor.customer, fx.floor.vehicle, fx.floor.tire, fx.bay, day);
  appt = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, booking, 201);
  appt_path = g_strdup_printf ("/api/v1/appointments/%s", vb_test_id_of (appt));

  /* A reception user of another location may not check it in. */
  body = g_strdup_printf ("{\"appointment_id\": \"%s\", \"odometer_km\": 5000, \"concerns\": \"service\"}", vb_test_id_of (appt));
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.desk_b, body, 403, "forbidden", NULL);

  created = vb_test_call (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, body, 201);
  o = vb_test_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "appointment_id"), ==, vb_test_id_of (appt));
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, fx.floor.a);
  g_assert_cmpstr (json_object_get_string_member (o, "customer_id"), ==, fx.floor.customer);
  g_assert_cmpstr (json_object_get_string_member (o, "vehicle_id"), ==, fx.floor.vehicle);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "tasks")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (o, "tasks"), 0),
                                                  "service_type_id"), ==, fx.floor.tire);
  after = vb_test_call (fx.floor.server, "GET", appt_path, fx.floor.desk, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (after, "status"), ==, "checked_in");
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.desk, "appointments", vb_test_id_of (appt), "upsert"));

  /* Twice: 409 naming appointment_id; a cancelled one too. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, body, 409, "conflict", "appointment_id");
  {
    g_autofree char *other = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"vehicle_id\": \"%s\","
                                              " \"service_type_ids\": [\"%s\"], \"bay_id\": \"%s\", \"starts_at\": \"%sT03:00:00Z\"}",
                                              fx.floor.a, fx.floor.customer, fx.floor.vehicle, fx.floor.tire, fx.bay, day);
    g_autoptr(JsonNode) second = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, other, 201);
    g_autofree char *cancel = g_strdup_printf ("/api/v1/appointments/%s/cancel", vb_test_id_of (second));
    g_autofree char *again = g_strdup_printf ("{\"appointment_id\": \"%s\"}", vb_test_id_of (second));

    json_node_unref (vb_test_call (fx.floor.server, "POST", cancel, fx.floor.desk, NULL, 200));
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk, again, 409, "conflict", "appointment_id");
  }
  /* An unknown appointment: 422. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.desk,
                      "{\"appointment_id\": \"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\"}", 422, "validation_failed", "appointment_id");
  fx_clear (&fx);
}

/* ------------------------------------------------------- status machine --- */

static void
test_status_machine (void)
{
  Fx fx;
  g_autoptr(JsonNode) wo = NULL;
  g_autoptr(JsonNode) held = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) passed = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bay_body = NULL;
  g_autofree char *qc = NULL;
  JsonArray *history;
  const char *id;

  fx_setup (&fx);
  wo = check_in (&fx, fx.floor.desk, "");
  id = vb_test_id_of (wo);
  path = g_strdup_printf ("/api/v1/work-orders/%s", id);

  /* Illegal moves and refusals before the triage. */
  move_refused (&fx, id, "{\"status\": \"ready\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"diagnosing\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"checked_in\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"quarantined\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"flying\"}", 422, "validation_failed", "status");
  move_refused (&fx, id, "{\"status\": \"cancelled\"}", 422, "validation_failed", "reason");
  bay_body = g_strdup_printf ("{\"version\": 1, \"bay_id\": \"%s\"}", fx.bay);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, bay_body, 409, "conflict", "bay_id");

  /* A passed triage opens the bay and diagnosing. */
  passed = triage (&fx, id, fx.floor.desk, TRIAGE_PASS, 200);
  g_assert_true (json_object_get_boolean_member (vb_test_object (passed), "triage_passed"));
  g_assert_cmpstr (vb_test_str_of (passed, "status"), ==, "checked_in");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (passed), "triages")), ==, 1);
  g_free (bay_body);
  bay_body = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"bay_id\": \"%s\"}",
                              json_object_get_int_member (vb_test_object (passed), "version"), fx.bay);
  json_node_unref (vb_test_call (fx.floor.server, "PATCH", path, fx.floor.desk, bay_body, 200));

  move_to (&fx, id, "diagnosing");
  move_to (&fx, id, "awaiting_approval");
  /* on_hold needs a reason and returns only where it came from. */
  move_refused (&fx, id, "{\"status\": \"on_hold\"}", 422, "validation_failed", "reason");
  held = move (&fx, id, fx.floor.desk, "{\"status\": \"on_hold\", \"reason\": \"waiting for the customer\"}", 200);
  g_assert_cmpstr (vb_test_str_of (held, "resume_status"), ==, "awaiting_approval");
  g_assert_cmpstr (vb_test_str_of (held, "status_reason"), ==, "waiting for the customer");
  move_refused (&fx, id, "{\"status\": \"in_progress\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"diagnosing\"}", 409, "conflict", "status");
  /* A stale version guard. */
  move_refused (&fx, id, "{\"status\": \"awaiting_approval\", \"version\": 1}", 409, "version_conflict", NULL);
  move_to (&fx, id, "awaiting_approval");
  move_to (&fx, id, "in_progress");
  move_to (&fx, id, "quality_check");
  /* ready needs a passed quality check by someone who did not work on it. */
  move_refused (&fx, id, "{\"status\": \"ready\"}", 409, "conflict", "status");
  qc = db_value (fx.floor.server,
                 "INSERT INTO quality_checks (work_order_id, items, passed, checked_by)"
                 " SELECT $1::uuid, '[]', true, id FROM users WHERE email = 'manager@example.com' RETURNING id",
                 id);
  move_to (&fx, id, "ready");
  move_to (&fx, id, "collected");
  done = vb_test_call (fx.floor.server, "GET", path, fx.floor.tech, NULL, 200);
  g_assert_false (json_object_get_null_member (vb_test_object (done), "collected_at"));
  history = json_object_get_array_member (vb_test_object (done), "status_history");
  g_assert_cmpuint (json_array_get_length (history), ==, 9);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 0), "to_status"), ==, "checked_in");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 3), "to_status"), ==, "on_hold");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 3), "reason"),
                   ==, "waiting for the customer");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 8), "to_status"), ==, "collected");
  /* A collected order is closed. */
  move_refused (&fx, id, "{\"status\": \"in_progress\"}", 409, "conflict", "status");
  move_refused (&fx, id, "{\"status\": \"cancelled\", \"reason\": \"x\"}", 409, "conflict", "status");
  {
    g_autofree char *late = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"concerns\": \"x\"}",
                                             json_object_get_int_member (vb_test_object (done), "version"));
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, late, 409, "conflict", "status");
  }
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.desk, "work_order_status_history",
                                   json_object_get_string_member (json_array_get_object_element (history, 8), "id"), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "work_orders", id, "update"), >=, 9);

  /* quality_check needs every task done or cancelled. */
  {
    g_autofree char *extra = g_strdup_printf (", \"service_type_ids\": [\"%s\"], \"triage\": " TRIAGE_PASS, fx.floor.tire);
    g_autoptr(JsonNode) second = check_in (&fx, fx.floor.desk, extra);
    const char *id2 = vb_test_id_of (second);

    g_assert_true (json_object_get_boolean_member (vb_test_object (second), "triage_passed"));
    move_to (&fx, id2, "diagnosing");
    move_to (&fx, id2, "in_progress");
    move_refused (&fx, id2, "{\"status\": \"quality_check\"}", 409, "conflict", "status");
    /* in_progress cannot be cancelled directly; on hold, with a reason, it can. */
    move_refused (&fx, id2, "{\"status\": \"cancelled\", \"reason\": \"x\"}", 409, "conflict", "status");
    json_node_unref (move (&fx, id2, fx.floor.desk, "{\"status\": \"on_hold\", \"reason\": \"parts\"}", 200));
    move_refused (&fx, id2, "{\"status\": \"cancelled\", \"reason\": \"  \"}", 422, "validation_failed", "reason");
    {
      g_autoptr(JsonNode) cancelled = move (&fx, id2, fx.floor.desk, "{\"status\": \"cancelled\", \"reason\": \"customer declined\"}", 200);
      g_assert_cmpstr (vb_test_str_of (cancelled, "status_reason"), ==, "customer declined");
    }
    move_refused (&fx, id2, "{\"status\": \"diagnosing\"}", 409, "conflict", "status");
  }
  fx_clear (&fx);
}

/* ------------------------------------------------------------ quarantine --- */

static void
test_quarantine (void)
{
  Fx fx;
  g_autoptr(JsonNode) wo = NULL;
  g_autoptr(JsonNode) cleared = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autofree char *path = NULL;
  g_autofree char *clear = NULL;
  g_autofree char *bay_body = NULL;
  JsonArray *history;
  const char *id;

  fx_setup (&fx);
  /* A failed triage at check-in quarantines the car where it is parked. */
  wo = check_in (&fx, fx.floor.desk, ", \"triage\": " TRIAGE_SMOKE);
  id = vb_test_id_of (wo);
  path = g_strdup_printf ("/api/v1/work-orders/%s", id);
  clear = g_strdup_printf ("/api/v1/work-orders/%s/clear-quarantine", id);
  g_assert_cmpstr (vb_test_str_of (wo, "status"), ==, "quarantined");
  g_assert_false (json_object_get_boolean_member (vb_test_object (wo), "triage_passed"));
  g_assert_cmpstr (vb_test_str_of (wo, "parking_place"), ==, "Quarantine lot Q1");
  history = json_object_get_array_member (vb_test_object (wo), "status_history");
  g_assert_cmpuint (json_array_get_length (history), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 1), "to_status"), ==, "quarantined");

  /* Without a parking place a failed triage is refused. */
  other = check_in (&fx, fx.floor.desk, "");
  {
    g_autofree char *tpath = g_strdup_printf ("/api/v1/work-orders/%s/triage", vb_test_id_of (other));
    vb_test_call_error (fx.floor.server, "POST", tpath, fx.floor.desk,
                        "{\"smoke_or_smell\": false, \"burn_marks\": true, \"underbody_damage\": false,"
                        " \"critical_fault\": false}", 422, "validation_failed", "parking_place");
  }
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_order_triages WHERE work_order_id = $1::uuid",
                             vb_test_id_of (other)), ==, 0);

  /* Quarantined: no diagnosing, no bay, a passing triage does not release it. */
  move_refused (&fx, id, "{\"status\": \"diagnosing\"}", 409, "conflict", "status");
  bay_body = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"bay_id\": \"%s\"}",
                              json_object_get_int_member (vb_test_object (wo), "version"), fx.bay);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, bay_body, 409, "conflict", "bay_id");
  json_node_unref (triage (&fx, id, fx.floor.desk, TRIAGE_PASS, 409));

  /* Who clears: not reception (no work_orders.technical), not HV level 1,
   * not a technician of another location; a valid HV level 3 technician does. */
  vb_test_call_error (fx.floor.server, "POST", clear, fx.floor.desk, "{\"notes\": \"looks fine\"}", 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", clear, fx.floor.tech, "{\"notes\": \"looks fine\"}", 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", clear, fx.floor.tech_b, "{\"notes\": \"looks fine\"}", 404, "not_found", NULL);
  cleared = vb_test_call (fx.floor.server, "POST", clear, fx.tech3, "{\"notes\": \"Insulation 550 MOhm, no thermal event\"}", 200);
  g_assert_cmpstr (vb_test_str_of (cleared, "status"), ==, "checked_in");
  g_assert_cmpstr (vb_test_str_of (cleared, "quarantine_cleared_by"), ==, fx.tech3_id);
  g_assert_false (json_object_get_null_member (vb_test_object (cleared), "quarantine_cleared_at"));
  vb_test_call_error (fx.floor.server, "POST", clear, fx.tech3, NULL, 409, "conflict", "status");
  /* Now the bay and diagnosing. */
  g_free (bay_body);
  bay_body = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"bay_id\": \"%s\"}",
                              json_object_get_int_member (vb_test_object (cleared), "version"), fx.bay);
  json_node_unref (vb_test_call (fx.floor.server, "PATCH", path, fx.floor.tech, bay_body, 200));
  move_to (&fx, id, "diagnosing");
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.tech, "work_orders", id, "upsert"));
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM audit_log WHERE entity = 'work_order_triages'"
                                              " AND after ->> 'work_order_id' = $1 AND action = 'insert'", id), ==, 1);
  fx_clear (&fx);
}

/* ---------------------------------------------------- scope and lists --- */

static void
test_scope_and_lists (void)
{
  Fx fx;
  g_autoptr(JsonNode) wo = NULL;
  g_autoptr(JsonNode) wo_b = NULL;
  g_autoptr(JsonNode) k1 = NULL;
  g_autoptr(JsonNode) k2 = NULL;
  g_autoptr(JsonNode) k3 = NULL;
  g_autoptr(JsonNode) k4 = NULL;
  g_autoptr(JsonNode) k5 = NULL;
  g_autoptr(JsonNode) k6 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body_b = NULL;
  g_autofree char *list_b = NULL;
  const char *id;

  fx_setup (&fx);
  wo = check_in (&fx, fx.floor.tech, "");   /* technicians check cars in too */
  id = vb_test_id_of (wo);
  path = g_strdup_printf ("/api/v1/work-orders/%s", id);
  body_b = g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"vehicle_id\": \"%s\"}",
                            fx.floor.b, fx.customer_b, fx.vehicle_b);
  wo_b = vb_test_call (fx.floor.server, "POST", "/api/v1/work-orders", fx.desk_b, body_b, 201);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (wo_b), "number"), ==, 1);   /* per location */

  /* Another location's staff: 404 reading, 403 writing there. */
  vb_test_call_error (fx.floor.server, "GET", path, fx.desk_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  {
    g_autofree char *status_path = g_strdup_printf ("%s/status", path);
    g_autofree char *triage_path = g_strdup_printf ("%s/triage", path);
    vb_test_call_error (fx.floor.server, "POST", status_path, fx.desk_b, "{\"status\": \"cancelled\", \"reason\": \"x\"}",
                        404, "not_found", NULL);
    vb_test_call_error (fx.floor.server, "POST", triage_path, fx.floor.tech_b, TRIAGE_PASS, 404, "not_found", NULL);
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.desk_b, "{\"version\": 1, \"concerns\": \"x\"}", 404, "not_found", NULL);
  }
  {
    g_autofree char *at_a = walk_in (&fx, "");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.desk_b, at_a, 403, "forbidden", NULL);
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/work-orders", fx.floor.tech_b, at_a, 403, "forbidden", NULL);
  }
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/work-orders/not-a-uuid", fx.floor.desk, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/work-orders", NULL, NULL, 401, "unauthenticated", NULL);

  /* Lists: each location sees its own; the admin sees both. */
  g_assert_nonnull (list_find (&fx, fx.floor.desk, "/api/v1/work-orders", id, &k1));
  g_assert_null (list_find (&fx, fx.floor.desk, "/api/v1/work-orders", vb_test_id_of (wo_b), &k2));
  g_assert_null (list_find (&fx, fx.desk_b, "/api/v1/work-orders?status=open", id, &k3));
  list_b = g_strdup_printf ("/api/v1/work-orders?location_id=%s", fx.floor.b);
  g_clear_pointer (&k3, json_node_unref);
  g_assert_null (list_find (&fx, fx.floor.desk, list_b, vb_test_id_of (wo_b), &k3));
  g_assert_nonnull (list_find (&fx, fx.floor.admin, list_b, vb_test_id_of (wo_b), &k4));
  g_assert_null (list_find (&fx, fx.floor.admin, list_b, id, &k5));
  g_assert_false (vb_test_feed_has (fx.floor.server, fx.desk_b, "work_orders", id, "upsert"));
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.desk_b, "work_orders", vb_test_id_of (wo_b), "upsert"));

  /* Paging newest first, filters, search. */
  {
    g_autoptr(JsonNode) second = check_in (&fx, fx.floor.desk, ", \"priority\": \"low\"");
    g_autoptr(JsonNode) third = check_in (&fx, fx.floor.desk, "");
    g_autoptr(JsonNode) page1 = vb_test_call (fx.floor.server, "GET", "/api/v1/work-orders?limit=2", fx.floor.desk, NULL, 200);
    JsonArray *items = json_object_get_array_member (vb_test_object (page1), "items");
    const char *cursor = json_object_get_string_member (vb_test_object (page1), "next_cursor");
    g_autofree char *next = NULL;
    g_autoptr(JsonNode) page2 = NULL;
    g_autofree char *by_customer = g_strdup_printf ("/api/v1/work-orders?customer_id=%s&status=open", fx.floor.customer);
    g_autofree char *by_vehicle_b = g_strdup_printf ("/api/v1/work-orders?vehicle_id=%s", fx.vehicle_b);
    g_autoptr(JsonNode) mine = NULL;
    g_autoptr(JsonNode) theirs = NULL;
    g_autoptr(JsonNode) found = NULL;
    g_autoptr(JsonNode) cancelled = NULL;

    g_assert_cmpuint (json_array_get_length (items), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, vb_test_id_of (third));
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "id"), ==, vb_test_id_of (second));
    g_assert_nonnull (cursor);
    next = g_strdup_printf ("/api/v1/work-orders?limit=2&cursor=%s", cursor);
    page2 = vb_test_call (fx.floor.server, "GET", next, fx.floor.desk, NULL, 200);
    items = json_object_get_array_member (vb_test_object (page2), "items");
    g_assert_cmpuint (json_array_get_length (items), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, id);
    g_assert_true (json_object_get_null_member (vb_test_object (page2), "next_cursor"));
    vb_test_call_error (fx.floor.server, "GET", "/api/v1/work-orders?cursor=bm9wZQ", fx.floor.desk, NULL, 422, "validation_failed", "cursor");

    mine = vb_test_call (fx.floor.server, "GET", by_customer, fx.floor.desk, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 3);
    theirs = vb_test_call (fx.floor.server, "GET", by_vehicle_b, fx.floor.desk, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (theirs), "items")), ==, 0);
    g_assert_nonnull (list_find (&fx, fx.floor.desk, "/api/v1/work-orders?q=51K-00001", id, &found));
    g_clear_pointer (&found, json_node_unref);
    g_assert_nonnull (list_find (&fx, fx.floor.desk, "/api/v1/work-orders?q=minh", id, &found));
    g_clear_pointer (&found, json_node_unref);
    g_assert_null (list_find (&fx, fx.floor.desk, "/api/v1/work-orders?q=nobody-at-all", id, &found));
    json_node_unref (move (&fx, vb_test_id_of (second), fx.floor.desk, "{\"status\": \"cancelled\", \"reason\": \"duplicate\"}", 200));
    g_assert_null (list_find (&fx, fx.floor.desk, "/api/v1/work-orders?status=open", vb_test_id_of (second), &k6));
    g_assert_nonnull (list_find (&fx, fx.floor.desk, "/api/v1/work-orders?status=cancelled", vb_test_id_of (second), &cancelled));
    {
      g_autofree char *by_tech = g_strdup_printf ("/api/v1/work-orders?technician_id=%s", fx.floor.tech_id);
      g_autoptr(JsonNode) none = vb_test_call (fx.floor.server, "GET", by_tech, fx.floor.desk, NULL, 200);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (none), "items")), ==, 0);
    }
  }
  fx_clear (&fx);
}

/* ------------------------------------------------------------------ GDPR --- */

static void
test_gdpr (void)
{
  Fx fx;
  g_autoptr(JsonNode) wo = NULL;
  g_autoptr(JsonNode) exported = NULL;
  g_autoptr(JsonNode) erased = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *export_path = NULL;
  g_autofree char *erase_path = NULL;
  g_autofree char *path = NULL;
  g_autofree char *note = NULL;
  JsonArray *orders;
  JsonObject *order;
  const char *id;

  fx_setup (&fx);
  wo = check_in (&fx, fx.floor.desk, ", \"concerns\": \"Secret-Concern\", \"damage_notes\": \"Secret-Damage\","
                                     " \"items_left\": \"Secret-Items\", \"parking_place\": \"Secret-Place\","
                                     " \"triage\": {\"smoke_or_smell\": true, \"burn_marks\": false,"
                                     " \"underbody_damage\": false, \"critical_fault\": false,"
                                     " \"parking_place\": \"Q2\", \"notes\": \"Secret-Triage\"}");
  id = vb_test_id_of (wo);
  path = g_strdup_printf ("/api/v1/work-orders/%s", id);
  note = db_value (fx.floor.server,
                   "INSERT INTO work_order_notes (work_order_id, body) VALUES ($1::uuid, 'Secret-Note') RETURNING id", id);

  /* The export holds the work orders with triages and notes. */
  export_path = g_strdup_printf ("/api/v1/customers/%s/export", fx.floor.customer);
  exported = vb_test_call (fx.floor.server, "GET", export_path, fx.floor.admin, NULL, 200);
  orders = json_object_get_array_member (vb_test_object (exported), "work_orders");
  g_assert_cmpuint (json_array_get_length (orders), ==, 1);
  order = json_array_get_object_element (orders, 0);
  g_assert_cmpstr (json_object_get_string_member (order, "concerns"), ==, "Secret-Concern");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (order, "triages"), 0),
                                                  "notes"), ==, "Secret-Triage");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (order, "notes"), 0),
                                                  "body"), ==, "Secret-Note");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (order, "status_history")), ==, 2);

  /* Erasure keeps the work order (and its state), scrubs the free text. */
  erase_path = g_strdup_printf ("/api/v1/customers/%s/erase", fx.floor.customer);
  erased = vb_test_call (fx.floor.server, "POST", erase_path, fx.floor.admin, "{}", 200);
  after = vb_test_call (fx.floor.server, "GET", path, fx.floor.admin, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (after, "status"), ==, "quarantined");
  g_assert_cmpstr (vb_test_str_of (after, "concerns"), ==, "");
  g_assert_cmpstr (vb_test_str_of (after, "damage_notes"), ==, "");
  g_assert_cmpstr (vb_test_str_of (after, "items_left"), ==, "");
  g_assert_cmpstr (vb_test_str_of (after, "parking_place"), ==, "");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (vb_test_object (after), "customer"), "erased"));
  {
    JsonArray *triages = json_object_get_array_member (vb_test_object (after), "triages");
    g_assert_cmpuint (json_array_get_length (triages), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (triages, 0), "notes"), ==, "");
    g_assert_false (json_object_get_boolean_member (json_array_get_object_element (triages, 0), "passed"));
  }
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_order_notes WHERE id = $1::uuid AND body = '[erased]'",
                             note), ==, 1);
  /* No copy of the text left in the change feed's JSON. */
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM change_log WHERE row::text LIKE '%' || $1 || '%'",
                             "Secret-"), ==, 0);
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_orders WHERE customer_id = $1::uuid", fx.floor.customer), ==, 1);
  /* Erasing again changes nothing. */
  json_node_unref (vb_test_call (fx.floor.server, "POST", erase_path, fx.floor.admin, "{}", 200));
  g_assert_cmpint (db_count (fx.floor.server, "SELECT count(*) FROM work_order_triages WHERE work_order_id = $1::uuid", id), ==, 1);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/work-orders/walk-in", test_walk_in);
  g_test_add_func ("/work-orders/from-appointment", test_from_appointment);
  g_test_add_func ("/work-orders/status-machine", test_status_machine);
  g_test_add_func ("/work-orders/quarantine", test_quarantine);
  g_test_add_func ("/work-orders/scope-and-lists", test_scope_and_lists);
  g_test_add_func ("/work-orders/gdpr", test_gdpr);
  return g_test_run ();
}
