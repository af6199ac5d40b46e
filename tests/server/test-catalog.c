/* test-catalog.c — the service catalog (service types with checklist
 * steps, maintenance rules) and location setup (bays, opening hours,
 * closures, rates) against the real server: seeds, create/update, steps
 * replaced in one transaction, version conflicts, validation naming the
 * field, permissions per role, other locations' setup invisible, and every
 * mutation in the change feed and the audit trail.
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

static const char *
id_of (JsonNode *node)
{
  return json_object_get_string_member (vb_test_object (node), "id");
}

/* Does the change feed (read as token) hold an op of entity/id? */
static gboolean
feed_has (VbTestServer *server,
          const char   *token,
          const char   *entity,
          const char   *id,
          const char   *op)
{
  g_autofree char *cursor = NULL;
  gboolean found = FALSE;

  for (;;)
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/changes?limit=500&since=%s", cursor)
                                     : g_strdup ("/api/v1/changes?limit=500");
      g_autoptr(JsonNode) reply = vb_test_call (server, "GET", path, token, NULL, 200);
      JsonObject *o = vb_test_object (reply);
      JsonArray *items = json_object_get_array_member (o, "items");

      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          if (g_str_equal (json_object_get_string_member (item, "entity"), entity)
              && g_str_equal (json_object_get_string_member (item, "id"), id)
              && g_str_equal (json_object_get_string_member (item, "op"), op)
              && (g_str_equal (op, "delete") || !json_object_get_null_member (item, "row")))
            found = TRUE;
        }
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (o, "next_cursor"));
      if (!json_object_get_boolean_member (o, "has_more"))
        break;
    }
  return found;
}

/* audit_log rows of action on entity/id. */
static gint64
audit_count (VbTestServer *server,
             const char   *entity,
             const char   *id,
             const char   *action)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error,
    "SELECT count(*) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3"
    "   AND actor_id IS NOT NULL AND request_id <> ''",
    entity, id, action);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

/* Every mutation is in the feed and in the audit trail. */
static void
assert_recorded (VbTestServer *server,
                 const char   *token,
                 const char   *entity,
                 const char   *id,
                 const char   *action)
{
  g_assert_true (feed_has (server, token, entity, id,
                           g_str_equal (action, "delete") ? "delete" : "upsert"));
  g_assert_cmpint (audit_count (server, entity, id, action), >=, 1);
}

/* ------------------------------------------------------------ catalog --- */

static JsonObject *
find_by_code (JsonArray  *items,
              const char *code)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      if (g_str_equal (json_object_get_string_member (item, "code"), code))
        return item;
    }
  return NULL;
}

static void
test_seeds (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *tech = vb_test_user_token (server, "tech@example.com", "technician", "HCM-1");
  g_autoptr(JsonNode) list = vb_test_call (server, "GET", "/api/v1/service-types?limit=500", tech, NULL, 200);
  g_autoptr(JsonNode) hv = NULL;
  g_autoptr(JsonNode) rules = NULL;
  g_autofree char *path = NULL;
  JsonArray *items = json_object_get_array_member (vb_test_object (list), "items");
  JsonObject *deenergize;
  JsonArray *steps;
  const char *expected[] = { "Ignition off", "12 V battery negative", "service disconnect",
                             "lock-out/tag-out", "capacitor discharge", "live-dead-live",
                             "Insulation test", "signs" };
  const char *codes[] = { "HV-BATTERY-HEALTH", "HV-ISOLATION-TEST", "HV-DEENERGIZE", "TIRE-ROTATION",
                          "CABIN-FILTER", "BRAKE-FLUID-TEST", "CALIPER-CLEAN-LUBE", "AC-DESICCANT",
                          "BATTERY-COOLANT", "12V-BATTERY-TEST", "CHARGE-PORT-INSPECTION",
                          "SOFTWARE-UPDATE" };
  gboolean tesla = FALSE, leaf = FALSE, kona = FALSE, verify = FALSE;

  /* At least twelve service types, each with steps. */
  g_assert_cmpuint (json_array_get_length (items), >=, 12);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      JsonObject *item = find_by_code (items, codes[i]);
      g_assert_nonnull (item);
      g_assert_cmpint (json_object_get_int_member (item, "step_count"), >=, 2);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (item, "price")));
    }

  /* The HV de-energize procedure: steps in order, each hv_safety. */
  deenergize = find_by_code (items, "HV-DEENERGIZE");
  g_assert_cmpint (json_object_get_int_member (deenergize, "required_hv_level"), ==, 3);
  path = g_strdup_printf ("/api/v1/service-types/%s",
                          json_object_get_string_member (deenergize, "id"));
  hv = vb_test_call (server, "GET", path, tech, NULL, 200);
  steps = json_object_get_array_member (vb_test_object (hv), "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      g_assert_cmpint (json_object_get_int_member (step, "position"), ==, i + 1);
      g_assert_true (json_object_get_boolean_member (step, "hv_safety"));
      g_assert_nonnull (strstr (json_object_get_string_member (step, "instruction"), expected[i]));
    }
  /* capacitor wait at least 10 min; insulation at least 100 Ω/V */
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (steps, 4), "min"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 6), "unit"), ==, "Ω/V");
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (steps, 6), "min"), ==, 100);

  /* Schedule rules for the four families, "verify" ones marked. */
  rules = vb_test_call (server, "GET", "/api/v1/maintenance-rules?limit=500", tech, NULL, 200);
  items = json_object_get_array_member (vb_test_object (rules), "items");
  g_assert_cmpuint (json_array_get_length (items), >=, 20);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *r = json_array_get_object_element (items, i);
      const char *model = json_object_get_string_member (r, "model");
      const char *st = json_object_get_string_member (r, "service_type_code");

      if (g_str_equal (model, "Model 3") && g_str_equal (st, "TIRE-ROTATION"))
        tesla = json_object_get_int_member (r, "every_km") == 10000;
      if (g_str_equal (model, "Leaf") && g_str_equal (st, "BRAKE-FLUID-TEST"))
        leaf = json_object_get_int_member (r, "every_km") == 24000;
      if (g_str_equal (model, "Ioniq 5") && g_str_equal (st, "CABIN-FILTER"))
        {
          kona = json_object_get_int_member (r, "every_months") == 12;
          verify = json_object_get_boolean_member (r, "verify");
        }
    }
  /* keyset pages of 7 add up to the whole list, without repeats */
  {
    g_autofree char *cursor = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    guint pages = 0;

    do
      {
        g_autofree char *page_path = cursor ? g_strdup_printf ("/api/v1/maintenance-rules?limit=7&cursor=%s", cursor)
                                            : g_strdup ("/api/v1/maintenance-rules?limit=7");
        g_autoptr(JsonNode) page = vb_test_call (server, "GET", page_path, tech, NULL, 200);
        JsonArray *page_items = json_object_get_array_member (vb_test_object (page), "items");

        for (guint i = 0; i < json_array_get_length (page_items); i++)
          g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (
                             json_array_get_object_element (page_items, i), "id"))));
        g_free (cursor);
        cursor = g_strdup (json_object_get_string_member (vb_test_object (page), "next_cursor"));
        pages++;
      }
    while (cursor != NULL);
    g_assert_cmpuint (g_hash_table_size (seen), ==, json_array_get_length (items));
    g_assert_cmpuint (pages, >=, 3);
  }
  g_assert_true (tesla);
  g_assert_true (leaf);
  g_assert_true (kona);
  g_assert_true (verify);
  (void) loc;
}

#define NEW_TYPE \
  "{\"code\": \"HV-PACK-R\", \"name\": \"HV pack removal\", \"description\": \"Drop the pack\"," \
  " \"standard_labor_tenths\": 45, \"price\": {\"amount\": 4500000, \"currency\": \"VND\"}," \
  " \"required_hv_level\": 3, \"steps\": [" \
  "  {\"instruction\": \"De-energize\", \"kind\": \"check\", \"hv_safety\": true}," \
  "  {\"instruction\": \"Insulation\", \"kind\": \"measurement\", \"unit\": \"Ω/V\", \"min\": 100," \
  "   \"hv_safety\": true}," \
  "  {\"instruction\": \"Photo of the pack\", \"kind\": \"photo\"}]}"

static void
test_service_types (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autoptr(JsonNode) created = vb_test_call (server, "POST", "/api/v1/service-types", admin, NEW_TYPE, 201);
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) stale = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/service-types/%s", id_of (created));
  g_autofree char *old_step = NULL;
  g_autofree char *new_step = NULL;
  JsonObject *o = vb_test_object (created);
  JsonArray *steps;
  JsonObject *details;

  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "HV-PACK-R");
  g_assert_cmpint (json_object_get_int_member (o, "standard_labor_tenths"), ==, 45);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "price"), "amount"),
                   ==, 4500000);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "price"), "currency"),
                   ==, "VND");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  steps = json_object_get_array_member (o, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 1), "unit"), ==, "Ω/V");
  old_step = g_strdup (json_object_get_string_member (json_array_get_object_element (steps, 0), "id"));

  /* q search; reception reads the catalog */
  found = vb_test_call (server, "GET", "/api/v1/service-types?q=pack%20removal", desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (found), "items")), ==, 1);

  /* PATCH replaces the steps in the same transaction and bumps the version. */
  updated = vb_test_call (server, "PATCH", path, admin,
                  "{\"version\": 1, \"name\": \"HV pack removal and refit\","
                  " \"steps\": [{\"instruction\": \"Sign off\", \"kind\": \"signature\"}]}", 200);
  o = vb_test_object (updated);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "HV pack removal and refit");
  steps = json_object_get_array_member (o, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 1);
  new_step = g_strdup (json_object_get_string_member (json_array_get_object_element (steps, 0), "id"));
  fetched = vb_test_call (server, "GET", path, manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (fetched), "steps")), ==, 1);

  /* stale version: 409 with the current record */
  stale = vb_test_call (server, "PATCH", path, admin, "{\"version\": 1, \"name\": \"Old\"}", 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  details = json_object_get_object_member (json_object_get_object_member (vb_test_object (stale), "error"),
                                           "details");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (details, "current"),
                                               "version"), ==, 2);

  /* validation names the field */
  vb_test_call_error (server, "POST", "/api/v1/service-types", admin,
              "{\"code\": \"X1\", \"name\": \"X\", \"price\": {\"amount\": 1, \"currency\": \"VND\"}}",
              422, "validation_failed", "steps");
  vb_test_call_error (server, "POST", "/api/v1/service-types", admin,
              "{\"code\": \"X1\", \"name\": \"X\", \"price\": {\"amount\": -1, \"currency\": \"VND\"},"
              " \"steps\": []}", 422, "validation_failed", "price");
  vb_test_call_error (server, "POST", "/api/v1/service-types", admin,
              "{\"code\": \"x 1\", \"name\": \"X\", \"price\": {\"amount\": 1, \"currency\": \"VND\"},"
              " \"steps\": []}", 422, "validation_failed", "code");
  vb_test_call_error (server, "POST", "/api/v1/service-types", admin,
              "{\"code\": \"X1\", \"name\": \"X\", \"price\": {\"amount\": 1, \"currency\": \"VND\"},"
              " \"required_hv_level\": 4, \"steps\": []}", 422, "validation_failed", "required_hv_level");
  vb_test_call_error (server, "PATCH", path, admin,
              "{\"version\": 2, \"steps\": [{\"instruction\": \"A\", \"kind\": \"check\"},"
              " {\"instruction\": \"B\", \"kind\": \"smell\"}]}", 422, "validation_failed", "steps[1].kind");
  vb_test_call_error (server, "PATCH", path, admin,
              "{\"version\": 2, \"steps\": [{\"instruction\": \"A\", \"kind\": \"check\", \"unit\": \"V\"}]}",
              422, "validation_failed", "steps[0].unit");
  vb_test_call_error (server, "PATCH", path, admin,
              "{\"version\": 2, \"steps\": [{\"instruction\": \"A\", \"kind\": \"measurement\","
              " \"min\": 5, \"max\": 1}]}", 422, "validation_failed", "steps[0].max");
  vb_test_call_error (server, "POST", "/api/v1/service-types", admin, NEW_TYPE, 409, "conflict", "code");

  /* permissions: only a global catalog.manage writes */
  vb_test_call_error (server, "POST", "/api/v1/service-types", manager, NEW_TYPE, 403, "forbidden", NULL);
  vb_test_call_error (server, "PATCH", path, desk, "{\"version\": 2, \"name\": \"Y\"}", 403, "forbidden", NULL);
  vb_test_call_error (server, "GET", path, NULL, NULL, 401, "unauthenticated", NULL);
  vb_test_call_error (server, "GET", "/api/v1/service-types/7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11", desk, NULL,
              404, "not_found", NULL);

  /* feed and audit: the type, its old steps deleted, the new one inserted */
  assert_recorded (server, admin, "service_types", id_of (created), "insert");
  assert_recorded (server, admin, "service_types", id_of (created), "update");
  assert_recorded (server, admin, "service_type_steps", old_step, "insert");
  assert_recorded (server, admin, "service_type_steps", old_step, "delete");
  assert_recorded (server, admin, "service_type_steps", new_step, "insert");
  (void) loc;
}

static void
test_maintenance_rules (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autoptr(JsonNode) types = vb_test_call (server, "GET", "/api/v1/service-types?q=TIRE-ROTATION", admin, NULL, 200);
  const char *tire = json_object_get_string_member (
      json_array_get_object_element (json_object_get_array_member (vb_test_object (types), "items"), 0), "id");
  g_autofree char *body = g_strdup_printf ("{\"make\": \"VinFast\", \"model\": \"VF 8\", \"year_from\": 2022,"
                                           " \"service_type_id\": \"%s\", \"every_km\": 10000,"
                                           " \"notes\": \"verify against the manual\", \"verify\": true}", tire);
  g_autoptr(JsonNode) created = vb_test_call (server, "POST", "/api/v1/maintenance-rules", admin, body, 201);
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/maintenance-rules/%s", id_of (created));
  g_autofree char *no_interval = g_strdup_printf ("{\"make\": \"VinFast\", \"model\": \"VF 9\","
                                                  " \"service_type_id\": \"%s\"}", tire);
  g_autofree char *bad_years = g_strdup_printf ("{\"make\": \"VinFast\", \"model\": \"VF 9\","
                                                " \"service_type_id\": \"%s\", \"every_months\": 12,"
                                                " \"year_from\": 2024, \"year_to\": 2020}", tire);
  JsonObject *o = vb_test_object (created);

  g_assert_cmpstr (json_object_get_string_member (o, "service_type_code"), ==, "TIRE-ROTATION");
  g_assert_true (json_object_get_null_member (o, "every_months"));
  g_assert_true (json_object_get_boolean_member (o, "verify"));

  updated = vb_test_call (server, "PATCH", path, admin, "{\"version\": 1, \"every_months\": 12}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (updated), "every_months"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (updated), "version"), ==, 2);
  vb_test_call_error (server, "PATCH", path, admin, "{\"version\": 1, \"every_km\": 5000}", 409,
              "version_conflict", NULL);
  /* clearing both intervals is refused, naming a field */
  vb_test_call_error (server, "PATCH", path, admin, "{\"version\": 2, \"every_months\": null, \"every_km\": null}",
              422, "validation_failed", "every_months");

  listed = vb_test_call (server, "GET", "/api/v1/maintenance-rules?make=vinfast", manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (listed), "items")), ==, 1);

  vb_test_call_error (server, "POST", "/api/v1/maintenance-rules", admin, no_interval, 422,
              "validation_failed", "every_months");
  vb_test_call_error (server, "POST", "/api/v1/maintenance-rules", admin, bad_years, 422,
              "validation_failed", "year_to");
  vb_test_call_error (server, "POST", "/api/v1/maintenance-rules", admin,
              "{\"make\": \"VinFast\", \"model\": \"VF 9\", \"every_km\": 1000,"
              " \"service_type_id\": \"7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11\"}", 422,
              "validation_failed", "service_type_id");
  vb_test_call_error (server, "POST", "/api/v1/maintenance-rules", manager, body, 403, "forbidden", NULL);

  assert_recorded (server, admin, "maintenance_rules", id_of (created), "insert");
  assert_recorded (server, admin, "maintenance_rules", id_of (created), "update");
  (void) loc;
}

/* ----------------------------------------------------- location setup --- */

static void
test_location_setup (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech = vb_test_user_token (server, "tech@example.com", "technician", "HCM-1");
  g_autofree char *a_bays = g_strdup_printf ("/api/v1/locations/%s/bays", a);
  g_autofree char *b_bays = g_strdup_printf ("/api/v1/locations/%s/bays", b);
  g_autofree char *a_hours = g_strdup_printf ("/api/v1/locations/%s/opening-hours", a);
  g_autofree char *b_hours = g_strdup_printf ("/api/v1/locations/%s/opening-hours", b);
  g_autofree char *a_closures = g_strdup_printf ("/api/v1/locations/%s/closures", a);
  g_autofree char *a_rates = g_strdup_printf ("/api/v1/locations/%s/rates", a);
  g_autofree char *b_rates = g_strdup_printf ("/api/v1/locations/%s/rates", b);
  g_autoptr(JsonNode) bay = NULL;
  g_autoptr(JsonNode) bay2 = NULL;
  g_autoptr(JsonNode) b_bay = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) week = NULL;
  g_autoptr(JsonNode) week2 = NULL;
  g_autoptr(JsonNode) closure = NULL;
  g_autoptr(JsonNode) labor = NULL;
  g_autoptr(JsonNode) tax = NULL;
  g_autoptr(JsonNode) tax2 = NULL;
  g_autofree char *bay_path = NULL;
  g_autofree char *b_bay_path = NULL;
  g_autofree char *tax_path = NULL;
  g_autofree char *closure_path = NULL;
  g_autofree char *sunday_id = NULL;
  JsonArray *items;
  JsonArray *caps;

  /* bays: the manager of A sets up A */
  bay = vb_test_call (server, "POST", a_bays, manager,
              "{\"name\": \"Bay 1\", \"capabilities\": [\"lift\", \"hv_certified\"]}", 201);
  caps = json_object_get_array_member (vb_test_object (bay), "capabilities");
  g_assert_cmpuint (json_array_get_length (caps), ==, 2);
  bay_path = g_strdup_printf ("%s/%s", a_bays, id_of (bay));
  bay2 = vb_test_call (server, "PATCH", bay_path, manager,
               "{\"version\": 1, \"capabilities\": [\"lift\", \"hv_certified\", \"dc_charger\"]}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (bay2), "version"), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (bay2), "capabilities")),
                    ==, 3);
  vb_test_call_error (server, "PATCH", bay_path, manager, "{\"version\": 1, \"name\": \"Bay 9\"}", 409,
              "version_conflict", NULL);
  vb_test_call_error (server, "POST", a_bays, manager, "{\"name\": \"Bay 2\", \"capabilities\": [\"teleport\"]}",
              422, "validation_failed", "capabilities");
  vb_test_call_error (server, "POST", a_bays, manager, "{\"capabilities\": []}", 422, "validation_failed", "name");
  vb_test_call_error (server, "POST", a_bays, manager, "{\"name\": \"Bay 1\"}", 409, "conflict", "name");
  vb_test_call_error (server, "POST", a_bays, desk, "{\"name\": \"Bay 3\"}", 403, "forbidden", NULL);
  vb_test_call_error (server, "POST", a_bays, tech, "{\"name\": \"Bay 3\"}", 403, "forbidden", NULL);
  list = vb_test_call (server, "GET", a_bays, desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);

  /* other location: invisible and unchangeable for A's manager */
  b_bay = vb_test_call (server, "POST", b_bays, admin, "{\"name\": \"Bay B\"}", 201);
  b_bay_path = g_strdup_printf ("%s/%s", b_bays, id_of (b_bay));
  vb_test_call_error (server, "GET", b_bays, manager, NULL, 403, "forbidden", NULL);
  vb_test_call_error (server, "GET", b_hours, manager, NULL, 403, "forbidden", NULL);
  vb_test_call_error (server, "GET", b_rates, desk, NULL, 403, "forbidden", NULL);
  vb_test_call_error (server, "POST", b_bays, manager, "{\"name\": \"Mine\"}", 403, "forbidden", NULL);
  vb_test_call_error (server, "PATCH", b_bay_path, manager, "{\"version\": 1, \"name\": \"Mine\"}", 403,
              "forbidden", NULL);
  /* B's bay addressed through A is not found */
  {
    g_autofree char *cross = g_strdup_printf ("%s/%s", a_bays, id_of (b_bay));
    vb_test_call_error (server, "PATCH", cross, manager, "{\"version\": 1, \"name\": \"Mine\"}", 404,
                "not_found", NULL);
  }
  vb_test_call_error (server, "GET", "/api/v1/locations/7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11/bays", admin, NULL,
              404, "not_found", NULL);

  /* opening hours: PUT replaces the week */
  week = vb_test_call (server, "PUT", a_hours, manager,
               "{\"days\": [{\"weekday\": 0, \"closed\": true},"
               " {\"weekday\": 1, \"opens_at\": \"08:00\", \"closes_at\": \"17:30\"},"
               " {\"weekday\": 2, \"opens_at\": \"08:00\", \"closes_at\": \"17:30\"}]}", 200);
  items = json_object_get_array_member (vb_test_object (week), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "opens_at"),
                   ==, "08:00");
  sunday_id = g_strdup (json_object_get_string_member (json_array_get_object_element (items, 0), "id"));
  week2 = vb_test_call (server, "PUT", a_hours, manager,
                "{\"days\": [{\"weekday\": 1, \"opens_at\": \"07:30\", \"closes_at\": \"18:00\"},"
                " {\"weekday\": 2, \"opens_at\": \"08:00\", \"closes_at\": \"17:30\"}]}", 200);
  items = json_object_get_array_member (vb_test_object (week2), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 0), "version"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 1), "version"), ==, 1);
  vb_test_call_error (server, "PUT", a_hours, manager,
              "{\"days\": [{\"weekday\": 1, \"opens_at\": \"18:00\", \"closes_at\": \"08:00\"}]}",
              422, "validation_failed", "days[0].closes_at");
  vb_test_call_error (server, "PUT", a_hours, manager, "{\"days\": [{\"weekday\": 7, \"closed\": true}]}",
              422, "validation_failed", "days[0].weekday");
  vb_test_call_error (server, "PUT", a_hours, manager,
              "{\"days\": [{\"weekday\": 1, \"closed\": true}, {\"weekday\": 1, \"closed\": true}]}",
              422, "validation_failed", "days[1].weekday");
  vb_test_call_error (server, "PUT", b_hours, manager, "{\"days\": []}", 403, "forbidden", NULL);
  vb_test_call_error (server, "PUT", a_hours, desk, "{\"days\": []}", 403, "forbidden", NULL);

  /* closures */
  closure = vb_test_call (server, "POST", a_closures, manager,
                  "{\"date\": \"2027-02-17\", \"reason\": \"Tet\"}", 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (closure), "closed"));
  closure_path = g_strdup_printf ("%s/%s", a_closures, id_of (closure));
  {
    g_autoptr(JsonNode) special = vb_test_call (server, "PATCH", closure_path, manager,
                                        "{\"version\": 1, \"closed\": false, \"opens_at\": \"09:00\","
                                        " \"closes_at\": \"12:00\"}", 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (special), "closes_at"), ==, "12:00");
  }
  vb_test_call_error (server, "POST", a_closures, manager, "{\"date\": \"2027-02-30\"}", 422,
              "validation_failed", "date");
  vb_test_call_error (server, "POST", a_closures, manager, "{\"date\": \"2027-03-01\", \"closed\": false}", 422,
              "validation_failed", "opens_at");
  vb_test_call_error (server, "POST", a_closures, manager, "{\"date\": \"2027-02-17\"}", 409, "conflict", "date");

  /* rates: one labor rate, tax rates in basis points */
  labor = vb_test_call (server, "POST", a_rates, manager,
                "{\"kind\": \"labor\", \"name\": \"Standard\","
                " \"amount_per_hour\": {\"amount\": 450000, \"currency\": \"VND\"}}", 201);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (vb_test_object (labor),
                                                                              "amount_per_hour"), "amount"),
                   ==, 450000);
  tax = vb_test_call (server, "POST", a_rates, manager, "{\"kind\": \"tax\", \"name\": \"VAT\", \"percent_bp\": 1000}",
              201);
  tax_path = g_strdup_printf ("%s/%s", a_rates, id_of (tax));
  tax2 = vb_test_call (server, "PATCH", tax_path, manager, "{\"version\": 1, \"percent_bp\": 800}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (tax2), "percent_bp"), ==, 800);
  vb_test_call_error (server, "POST", a_rates, manager,
              "{\"kind\": \"labor\", \"name\": \"Second\","
              " \"amount_per_hour\": {\"amount\": 1, \"currency\": \"VND\"}}", 409, "conflict", "kind");
  vb_test_call_error (server, "POST", a_rates, manager, "{\"kind\": \"tax\", \"name\": \"X\"}", 422,
              "validation_failed", "percent_bp");
  vb_test_call_error (server, "POST", a_rates, manager, "{\"kind\": \"tax\", \"name\": \"X\", \"percent_bp\": 10001}",
              422, "validation_failed", "percent_bp");
  vb_test_call_error (server, "POST", a_rates, manager,
              "{\"kind\": \"labor\", \"name\": \"X\", \"amount_per_hour\": {\"amount\": 1.5, \"currency\": \"VND\"}}",
              422, "validation_failed", "amount_per_hour");
  vb_test_call_error (server, "PATCH", tax_path, manager, "{\"version\": 1, \"percent_bp\": 700}", 409,
              "version_conflict", NULL);
  list = (json_node_unref (list), vb_test_call (server, "GET", a_rates, desk, NULL, 200));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);

  /* feed (read by A's manager: location-scoped) and audit */
  assert_recorded (server, manager, "bays", id_of (bay), "insert");
  assert_recorded (server, manager, "bays", id_of (bay), "update");
  assert_recorded (server, manager, "opening_hours", sunday_id, "insert");
  assert_recorded (server, manager, "opening_hours", sunday_id, "delete");
  assert_recorded (server, manager, "location_closures", id_of (closure), "update");
  assert_recorded (server, manager, "location_rates", id_of (labor), "insert");
  assert_recorded (server, manager, "location_rates", id_of (tax), "update");
  /* B's bay is not in A's manager's feed */
  g_assert_false (feed_has (server, manager, "bays", id_of (b_bay), "upsert"));
  g_assert_true (feed_has (server, admin, "bays", id_of (b_bay), "upsert"));
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/catalog/seeds", test_seeds);
  g_test_add_func ("/catalog/service-types", test_service_types);
  g_test_add_func ("/catalog/maintenance-rules", test_maintenance_rules);
  g_test_add_func ("/location-setup/bays-hours-closures-rates", test_location_setup);
  return g_test_run ();
}
