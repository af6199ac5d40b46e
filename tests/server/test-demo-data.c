/* test-demo-data.c — `voltbay-ctl demo-data`: a believable chain, created
 * once (a second run changes nothing), consistent with every constraint and
 * the audit chain, and usable: the demo reception user sees its shop only. */
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
  " (SELECT count(*) FROM audit_log))"

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
  second = run_demo (server);
  g_assert_nonnull (strstr (second, "Demo data: 0 record(s) created."));
  g_assert_null (strstr (second, "password:"));
  counts_again = db_text (server, COUNTS_SQL, NULL);
  g_assert_cmpstr (counts_again, ==, counts);
  g_free (vb_test_ctl (server, verify, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  assert_reception_scope (server, password);
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/demo-data/create-twice", test_demo_data);
  return g_test_run ();
}
