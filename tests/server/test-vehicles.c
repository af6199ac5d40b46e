/* test-vehicles.c — /api/v1/vehicles and their readings against the real
 * server: EV fields, VIN check digit (422 in North America, warning
 * elsewhere), validation naming the field, permissions and location scope,
 * version conflicts, the odometer's monotonic rule, SoH readings, the
 * change feed and the audit trail.
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

static JsonNode *
post_ok (VbTestServer *server,
         const char   *token,
         const char   *path,
         const char   *body)
{
  guint status = 0;
  JsonNode *reply = vb_test_request (server, "POST", path, token, body, &status);

  g_assert_cmpuint (status, ==, 201);
  return reply;
}

static char *
create_customer (VbTestServer *server,
                 const char   *token,
                 const char   *location_id,
                 const char   *family)
{
  g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"family_name\": \"%s\"}",
                                           location_id, family);
  g_autoptr(JsonNode) reply = post_ok (server, token, "/api/v1/customers", body);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static char *
create_vehicle (VbTestServer *server,
                const char   *token,
                const char   *customer_id,
                const char   *plate)
{
  g_autofree char *body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"%s\"}",
                                           customer_id, plate);
  g_autoptr(JsonNode) reply = post_ok (server, token, "/api/v1/vehicles", body);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static guint
status_of (VbTestServer *server,
           const char   *method,
           const char   *path,
           const char   *token,
           const char   *body)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, method, path, token, body, &status);
  return status;
}

static gint64
db_count (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param ? 1 : 0, params, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

static void
test_create_update (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *owner = create_customer (server, admin, loc, "Nguyen");
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) stale = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) warned = NULL;
  JsonObject *o;
  guint status = 0;

  body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"51K-246.80\", \"vin\": \"5yj3e1ea2kf317000\","
                          " \"make\": \"Tesla\", \"model\": \"Model 3\", \"year\": 2019,"
                          " \"battery_gross_kwh\": 79.5, \"battery_usable_kwh\": 75,"
                          " \"chemistry\": \"NCA\", \"hv_class\": 400, \"charge_port\": \"CCS2\","
                          " \"obc_kw\": 11, \"heat_pump\": false, \"software_version\": \"2024.44.6\","
                          " \"battery_warranty_until\": \"2027-06-30\", \"battery_warranty_km\": 192000}",
                          owner);
  created = post_ok (server, admin, "/api/v1/vehicles", body);
  o = vb_test_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "vin"), ==, "5YJ3E1EA2KF317000");
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, loc);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "battery_gross_kwh"), 79.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "battery_usable_kwh"), 75.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "obc_kw"), 11.0, 1e-9);
  g_assert_cmpint (json_object_get_int_member (o, "hv_class"), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (o, "charge_port"), ==, "CCS2");
  g_assert_cmpstr (json_object_get_string_member (o, "battery_warranty_until"), ==, "2027-06-30");
  g_assert_false (json_object_get_boolean_member (o, "heat_pump"));
  g_assert_false (json_object_has_member (o, "warnings"));
  g_assert_false (json_object_has_member (o, "plate_norm"));

  path = g_strdup_printf ("/api/v1/vehicles/%s", json_object_get_string_member (o, "id"));
  fetched = vb_test_request (server, "GET", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (vb_test_object (fetched), "customer"),
                                                  "display_name"), ==, "Nguyen");

  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 1, \"software_version\": \"2025.2.1\", \"charge_port\": \"NACS\"}",
                             &status);
  g_assert_cmpuint (status, ==, 200);
  o = vb_test_object (updated);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "software_version"), ==, "2025.2.1");
  g_assert_cmpstr (json_object_get_string_member (o, "make"), ==, "Tesla");

  stale = vb_test_request (server, "PATCH", path, admin, "{\"version\": 1, \"plate\": \"X\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  g_assert_cmpint (json_object_get_int_member (
    json_object_get_object_member (json_object_get_object_member (
      json_object_get_object_member (vb_test_object (stale), "error"), "details"), "current"), "version"), ==, 2);

  /* A European VIN with a "wrong" check digit: accepted, with a warning. */
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"customer_id\": \"%s\", \"vin\": \"WVWZZZ1KZ5W000001\"}", owner);
  warned = post_ok (server, admin, "/api/v1/vehicles", body);
  {
    JsonArray *warnings = json_object_get_array_member (vb_test_object (warned), "warnings");
    g_assert_cmpuint (json_array_get_length (warnings), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (warnings, 0), "field"),
                     ==, "vin");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (warnings, 0), "code"),
                     ==, "vin_check_digit");
  }

  /* The customer record lists both vehicles. */
  {
    g_autofree char *cpath = g_strdup_printf ("/api/v1/customers/%s", owner);
    g_autoptr(JsonNode) customer = vb_test_request (server, "GET", cpath, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (customer), "vehicles")),
                      ==, 2);
  }
  {
    g_autofree char *lpath = g_strdup_printf ("/api/v1/vehicles?customer_id=%s", owner);
    g_autoptr(JsonNode) list = vb_test_request (server, "GET", lpath, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);
  }
  {
    g_autoptr(JsonNode) list = vb_test_request (server, "GET", "/api/v1/vehicles?q=51k246", admin, NULL,
                                                &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  }
}

typedef struct
{
  const char *body;   /* %s: customer id */
  const char *field;
} Invalid;

static void
test_validation (void)
{
  static const Invalid cases[] = {
    { "{\"plate\": \"A\"}", "customer_id" },
    { "{\"customer_id\": \"7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11\"}", "customer_id" },
    { "{\"customer_id\": \"%s\", \"vin\": \"1HGCM82634A004352\"}", "vin" },      /* NA, wrong digit */
    { "{\"customer_id\": \"%s\", \"vin\": \"1HGCM82633A00435\"}", "vin" },       /* 16 characters */
    { "{\"customer_id\": \"%s\", \"vin\": \"WVWZZZ1OZ5W000001\"}", "vin" },      /* O */
    { "{\"customer_id\": \"%s\", \"year\": 1800}", "year" },
    { "{\"customer_id\": \"%s\", \"year\": \"2020\"}", "year" },
    { "{\"customer_id\": \"%s\", \"battery_gross_kwh\": \"75\"}", "battery_gross_kwh" },
    { "{\"customer_id\": \"%s\", \"battery_gross_kwh\": 75.123}", "battery_gross_kwh" },
    { "{\"customer_id\": \"%s\", \"battery_gross_kwh\": -1}", "battery_gross_kwh" },
    { "{\"customer_id\": \"%s\", \"battery_gross_kwh\": 60, \"battery_usable_kwh\": 70}", "battery_usable_kwh" },
    { "{\"customer_id\": \"%s\", \"chemistry\": \"lead\"}", "chemistry" },
    { "{\"customer_id\": \"%s\", \"hv_class\": 600}", "hv_class" },
    { "{\"customer_id\": \"%s\", \"charge_port\": \"Type 3\"}", "charge_port" },
    { "{\"customer_id\": \"%s\", \"heat_pump\": \"yes\"}", "heat_pump" },
    { "{\"customer_id\": \"%s\", \"battery_warranty_until\": \"2027-02-30\"}", "battery_warranty_until" },
    { "{\"customer_id\": \"%s\", \"battery_warranty_km\": -5}", "battery_warranty_km" },
    { "{\"customer_id\": \"%s\", \"plate\": \"123456789012345678901\"}", "plate" },
  };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *owner = create_customer (server, admin, loc, "Le");
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) body = g_string_new (cases[i].body);
      g_autoptr(JsonNode) reply = NULL;

      g_string_replace (body, "%s", owner, 0);
      reply = vb_test_request (server, "POST", "/api/v1/vehicles", admin, body->str, &status);
      g_test_message ("case %u: %s", i, body->str);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
    }
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM vehicles", NULL), ==, 0);
}

static void
test_permissions_and_scope (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *desk_a = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech_a = vb_test_user_token (server, "tech@example.com", "technician", "HCM-1");
  g_autofree char *owner_a = create_customer (server, admin, a, "Ly");
  g_autofree char *owner_b = create_customer (server, admin, b, "Mai");
  g_autofree char *va = create_vehicle (server, desk_a, owner_a, "51A-1");
  g_autofree char *vb = create_vehicle (server, admin, owner_b, "29B-2");
  g_autofree char *pa = g_strdup_printf ("/api/v1/vehicles/%s", va);
  g_autofree char *pb = g_strdup_printf ("/api/v1/vehicles/%s", vb);
  g_autofree char *odo_a = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", va);
  g_autofree char *odo_b = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vb);
  g_autofree char *for_b = g_strdup_printf ("{\"customer_id\": \"%s\"}", owner_b);
  g_autofree char *for_a = g_strdup_printf ("{\"customer_id\": \"%s\"}", owner_a);
  g_autofree char *move = g_strdup_printf ("{\"version\": 1, \"preferred_location_id\": \"%s\"}", b);
  g_autofree char *owner_a_path = g_strdup_printf ("/api/v1/customers/%s", owner_a);
  guint status = 0;

  {
    g_autoptr(JsonNode) list = vb_test_request (server, "GET", "/api/v1/vehicles", desk_a, NULL, &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (list), "items");
    g_assert_cmpuint (json_array_get_length (items), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, va);
  }
  g_assert_cmpuint (status_of (server, "GET", pb, desk_a, NULL), ==, 403);
  g_assert_cmpuint (status_of (server, "GET", odo_b, desk_a, NULL), ==, 403);
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/vehicles", desk_a, for_b), ==, 403);
  g_assert_cmpuint (status_of (server, "POST", odo_b, desk_a, "{\"odometer_km\": 5}"), ==, 403);

  /* Technicians read vehicles and readings but write neither. */
  g_assert_cmpuint (status_of (server, "GET", pa, tech_a, NULL), ==, 200);
  g_assert_cmpuint (status_of (server, "GET", odo_a, tech_a, NULL), ==, 200);
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/vehicles", tech_a, for_a), ==, 403);
  g_assert_cmpuint (status_of (server, "PATCH", pa, tech_a, "{\"version\": 1, \"plate\": \"X\"}"), ==, 403);
  g_assert_cmpuint (status_of (server, "POST", odo_a, tech_a, "{\"odometer_km\": 5}"), ==, 403);

  /* A reading follows the vehicle; moving the owner moves both. */
  g_assert_cmpuint (status_of (server, "POST", odo_a, desk_a, "{\"odometer_km\": 5}"), ==, 201);
  g_assert_cmpuint (status_of (server, "PATCH", owner_a_path, admin, move), ==, 200);
  g_assert_cmpuint (status_of (server, "GET", pa, desk_a, NULL), ==, 403);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM odometer_readings o JOIN vehicles v ON v.id = o.vehicle_id"
    " JOIN customers c ON c.id = v.customer_id"
    " WHERE o.location_id = c.preferred_location_id AND v.location_id = c.preferred_location_id"
    "   AND c.id = $1::uuid", owner_a), ==, 1);
}

static void
test_odometer (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *owner = create_customer (server, admin, loc, "Vu");
  g_autofree char *vehicle = create_vehicle (server, admin, owner, "51F-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle);
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) lower = NULL;
  g_autoptr(JsonNode) list = NULL;
  guint status = 0;

  first = post_ok (server, admin, path,
                   "{\"odometer_km\": 20000, \"read_at\": \"2026-06-01T08:00:00+07:00\", \"source\": \"reception\"}");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (first), "odometer_km"), ==, 20000);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (first), "read_at"), ==, "2026-06-01T01:00:00Z");

  g_assert_cmpuint (status_of (server, "POST", path, admin,
                               "{\"odometer_km\": 25000, \"read_at\": \"2026-09-01T08:00:00Z\"}"), ==, 201);
  /* Lower than the latest earlier reading: refused, naming the field. */
  lower = vb_test_request (server, "POST", path, admin,
                           "{\"odometer_km\": 24000, \"read_at\": \"2026-10-01T08:00:00Z\"}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (lower, "validation_failed", "odometer_km");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
    json_object_get_object_member (vb_test_object (lower), "error"), "details"), "previous_km"), ==, 25000);
  /* A back-dated reading above a later one is refused too. */
  g_assert_cmpuint (status_of (server, "POST", path, admin,
                               "{\"odometer_km\": 30000, \"read_at\": \"2026-07-01T08:00:00Z\"}"), ==, 422);
  /* A correction needs a reason. */
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "POST", path, admin,
                                                 "{\"odometer_km\": 24000, \"correction\": true, \"reason\": \"  \"}",
                                                 &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "reason");
  }
  g_assert_cmpuint (status_of (server, "POST", path, admin,
                               "{\"odometer_km\": 24000, \"correction\": true,"
                               " \"reason\": \"Instrument cluster replaced\"}"), ==, 201);
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "POST", path, admin, "{\"source\": \"reception\"}",
                                                 &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "odometer_km");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "POST", path, admin,
                                                 "{\"odometer_km\": 30000, \"source\": \"psychic\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "source");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "POST", path, admin,
                                                 "{\"odometer_km\": 30000, \"read_at\": \"soon\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "read_at");
  }

  list = vb_test_request (server, "GET", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  {
    JsonArray *items = json_object_get_array_member (vb_test_object (list), "items");
    g_assert_cmpuint (json_array_get_length (items), ==, 3);
    /* newest first: the correction (now), then September, then June */
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, 0), "correction"));
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 2), "odometer_km"),
                     ==, 20000);
  }
  /* Append-only: no update or delete routes. */
  {
    g_autofree char *one = g_strdup_printf ("%s/%s", path,
                                            json_object_get_string_member (vb_test_object (first), "id"));
    g_assert_cmpuint (status_of (server, "DELETE", one, admin, NULL), ==, 404);
    g_assert_cmpuint (status_of (server, "PUT", path, admin, "{}"), ==, 405);
  }
}

static void
test_soh (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *owner = create_customer (server, admin, loc, "Do");
  g_autofree char *vehicle = create_vehicle (server, admin, owner, "51G-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/soh-readings", vehicle);
  g_autoptr(JsonNode) created = NULL;
  static const Invalid cases[] = {
    { "{}", "soh_percent" },
    { "{\"soh_percent\": 100.1}", "soh_percent" },
    { "{\"soh_percent\": -1}", "soh_percent" },
    { "{\"soh_percent\": 95.25}", "soh_percent" },
    { "{\"soh_percent\": \"95\"}", "soh_percent" },
    { "{\"soh_percent\": 95, \"usable_kwh\": 0}", "usable_kwh" },
    { "{\"soh_percent\": 95, \"method\": \"guess\"}", "method" },
    { "{\"soh_percent\": 95, \"measured_at\": \"2026-13-01T00:00:00Z\"}", "measured_at" },
  };
  guint status = 0;

  created = post_ok (server, admin, path,
                     "{\"soh_percent\": 91.5, \"usable_kwh\": 68.25, \"method\": \"capacity_test\","
                     " \"measured_at\": \"2026-11-01T09:00:00Z\"}");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (vb_test_object (created), "soh_percent"), 91.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (vb_test_object (created), "usable_kwh"), 68.25, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (created), "method"), ==, "capacity_test");
  g_assert_cmpuint (status_of (server, "POST", path, admin, "{\"soh_percent\": 100}"), ==, 201);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) reply = vb_test_request (server, "POST", path, admin, cases[i].body, &status);
      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
    }
  {
    g_autoptr(JsonNode) list = vb_test_request (server, "GET", path, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);
  }
}

/* Every vehicle and reading mutation is in the change feed and the audit trail. */
static void
test_feed_and_audit (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *owner = create_customer (server, admin, loc, "Bui");
  g_autofree char *vehicle = create_vehicle (server, desk, owner, "51H-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s", vehicle);
  g_autofree char *odo = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle);
  g_autofree char *soh = g_strdup_printf ("/api/v1/vehicles/%s/soh-readings", vehicle);
  g_autoptr(GString) seen = g_string_new (NULL);
  guint status = 0;

  g_assert_cmpuint (status_of (server, "PATCH", path, desk, "{\"version\": 1, \"model\": \"VF 9\"}"), ==, 200);
  g_assert_cmpuint (status_of (server, "POST", odo, desk, "{\"odometer_km\": 100}"), ==, 201);
  g_assert_cmpuint (status_of (server, "POST", soh, desk, "{\"soh_percent\": 99.0}"), ==, 201);

  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/changes?limit=500", desk, NULL, &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");

    g_assert_cmpuint (status, ==, 200);
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *item = json_array_get_object_element (items, i);
        const char *entity = json_object_get_string_member (item, "entity");

        /* Only this resource's tables (seed data of others may be in the feed). */
        if (!g_str_equal (entity, "vehicles") && !g_str_equal (entity, "odometer_readings")
            && !g_str_equal (entity, "soh_readings"))
          continue;
        g_string_append_printf (seen, "%s:%s%" G_GINT64_FORMAT ";", entity,
                                json_object_get_string_member (item, "op"),
                                json_object_get_int_member (item, "version"));
        if (g_str_equal (entity, "vehicles"))
          g_assert_false (json_object_has_member (json_object_get_object_member (item, "row"), "vin_hash"));
      }
  }
  g_assert_cmpstr (seen->str, ==,
                   "vehicles:upsert1;vehicles:upsert2;odometer_readings:upsert1;soh_readings:upsert1;");

  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity = 'vehicles' AND entity_id = $1"
    " AND actor_label = 'desk@example.com'", vehicle), ==, 2);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity IN ('odometer_readings', 'soh_readings')"
    " AND after ->> 'vehicle_id' = $1", vehicle), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/vehicles/create-update", test_create_update);
  g_test_add_func ("/vehicles/validation", test_validation);
  g_test_add_func ("/vehicles/permissions-and-scope", test_permissions_and_scope);
  g_test_add_func ("/vehicles/odometer", test_odometer);
  g_test_add_func ("/vehicles/soh", test_soh);
  g_test_add_func ("/vehicles/feed-and-audit", test_feed_and_audit);
  return g_test_run ();
}
