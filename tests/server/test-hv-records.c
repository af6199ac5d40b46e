/* test-hv-records.c — the gated, signed HV record against the real server:
 * the full record in order with backdated performed_at (lockout, then the
 * capacitor wait really elapsed), steps out of order (409), a wait too
 * short (409), voltage still present (stored with passed false, repeated),
 * the insulation minimum of 100 Ω/V (30 kΩ fails and 45 kΩ passes at
 * 400 V; 800 V needs 80 kΩ), the task's other checklist steps refused
 * until de-energized, sign-off by who re-energized (403) and by a second
 * person, the task done only then, and certifications expired or too low
 * (403); every mutation in the change feed and audit_log.
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

typedef struct
{
  VbTestServer *server;
  char *admin;
  char *a;              /* HCM-1 */
  char *b;              /* HN-1 */
  char *manager;        /* manager at HCM-1 */
  char *desk;           /* reception at HCM-1 */
  char *tech;           /* technician at HCM-1 */
  char *tech_id;
  char *tech2;          /* another technician at HCM-1 */
  char *tech2_id;
  char *tech_b;         /* technician at HN-1 */
  char *customer;
  char *vehicle;
  char *tire;           /* TIRE-ROTATION: tread (mm, min 0), 3 checks; HV 0 */
  char *cabin;          /* CABIN-FILTER: photo, check */
  char *battery;        /* HV-BATTERY-HEALTH: HV level 1 */
} Fx;

static const char *
id_of (JsonNode *node)
{
  return json_object_get_string_member (vb_test_object (node), "id");
}

static const char *
str_of (JsonNode   *node,
        const char *member)
{
  return json_object_get_string_member (vb_test_object (node), member);
}

static char *
me_id (VbTestServer *server,
       const char   *token)
{
  g_autoptr(JsonNode) me = vb_test_call (server, "GET", "/api/v1/me", token, NULL, 200);
  return g_strdup (id_of (me));
}

/* One SQL statement on the test database; the first value of the first row. */
static char *
sql (Fx         *fx,
     const char *query,
     const char *p1,
     const char *p2,
     const char *p3)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { p1, p2, p3 };
  int n = p3 ? 3 : p2 ? 2 : p1 ? 1 : 0;
  g_autoptr(PGresult) res = vb_db_exec (db, query, n, params, &error);

  g_assert_no_error (error);
  return PQntuples (res) > 0 && PQnfields (res) > 0 ? g_strdup (vb_db_get (res, 0, 0)) : NULL;
}

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
              && g_str_equal (json_object_get_string_member (item, "op"), op))
            found = TRUE;
        }
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (o, "next_cursor"));
      if (!json_object_get_boolean_member (o, "has_more"))
        break;
    }
  return found;
}

static gint64
audit_count (Fx         *fx,
             const char *entity,
             const char *id,
             const char *action)
{
  g_autofree char *n = sql (fx,
    "SELECT count(*) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3"
    "   AND actor_id IS NOT NULL AND request_id <> ''",
    entity, id, action);
  return g_ascii_strtoll (n, NULL, 10);
}

static char *
service_id (Fx         *fx,
            const char *code)
{
  return sql (fx, "SELECT id FROM service_types WHERE code = $1", code, NULL, NULL);
}

static void
certify (Fx         *fx,
         const char *user_id,
         int         level,
         const char *issued_on,
         const char *expires_on)
{
  g_autofree char *body = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"IMI TechSafe\", \"hv_level\": %d,"
                                           " \"issued_on\": \"%s\", \"expires_on\": %s%s%s}",
                                           user_id, level, issued_on, expires_on ? "\"" : "",
                                           expires_on ? expires_on : "null", expires_on ? "\"" : "");
  json_node_unref (vb_test_call (fx->server, "POST", "/api/v1/staff/certifications", fx->manager, body, 201));
}

static void
fx_setup (Fx *fx)
{
  g_autofree char *body = NULL;

  memset (fx, 0, sizeof *fx);
  fx->server = vb_test_server_start (NULL);
  fx->admin = vb_test_admin_token (fx->server, "admin@example.com", NULL);
  fx->a = vb_test_create_location (fx->server, fx->admin, "HCM-1");
  fx->b = vb_test_create_location (fx->server, fx->admin, "HN-1");
  fx->manager = vb_test_user_token (fx->server, "manager@example.com", "manager", "HCM-1");
  fx->desk = vb_test_user_token (fx->server, "desk@example.com", "reception", "HCM-1");
  fx->tech = vb_test_user_token (fx->server, "tech@example.com", "technician", "HCM-1");
  fx->tech_id = me_id (fx->server, fx->tech);
  fx->tech2 = vb_test_user_token (fx->server, "tech2@example.com", "technician", "HCM-1");
  fx->tech2_id = me_id (fx->server, fx->tech2);
  fx->tech_b = vb_test_user_token (fx->server, "techb@example.com", "technician", "HN-1");
  body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                          " \"given_name\": \"Minh\", \"family_name\": \"Nguyen\","
                          " \"phones\": [\"0901234567\"]}", fx->a);
  {
    g_autoptr(JsonNode) c = vb_test_call (fx->server, "POST", "/api/v1/customers", fx->desk, body, 201);
    fx->customer = g_strdup (id_of (c));
  }
  g_free (body);
  body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"51H-123.45\", \"make\": \"VinFast\","
                          " \"model\": \"VF 8\"}", fx->customer);
  {
    g_autoptr(JsonNode) v = vb_test_call (fx->server, "POST", "/api/v1/vehicles", fx->desk, body, 201);
    fx->vehicle = g_strdup (id_of (v));
  }
  fx->tire = service_id (fx, "TIRE-ROTATION");
  fx->cabin = service_id (fx, "CABIN-FILTER");
  fx->battery = service_id (fx, "HV-BATTERY-HEALTH");
}

static void
fx_clear (Fx *fx)
{
  vb_test_server_stop (fx->server);
  g_free (fx->admin); g_free (fx->a); g_free (fx->b); g_free (fx->manager); g_free (fx->desk);
  g_free (fx->tech); g_free (fx->tech_id); g_free (fx->tech2); g_free (fx->tech2_id); g_free (fx->tech_b);
  g_free (fx->customer); g_free (fx->vehicle); g_free (fx->tire); g_free (fx->cabin); g_free (fx->battery);
}

/* A work order at HCM-1, triaged and diagnosing (status NULL keeps checked_in). */
static char *
work_order (Fx         *fx,
            const char *status)
{
  char *id = sql (fx, "INSERT INTO work_orders (location_id, customer_id, vehicle_id)"
                      " VALUES ($1::uuid, $2::uuid, $3::uuid) RETURNING id",
                  fx->a, fx->customer, fx->vehicle);
  if (status != NULL)
    g_free (sql (fx, "UPDATE work_orders SET triage_passed = true, status = $2 WHERE id = $1::uuid",
                 id, status, NULL));
  return id;
}

static JsonNode *
task_call (Fx         *fx,
           const char *method,
           const char *token,
           const char *task,
           const char *suffix,
           const char *body,
           guint       expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s%s", task, suffix);
  return vb_test_call (fx->server, method, path, token, body, expect);
}

static char *
add_task (Fx         *fx,
          const char *order,
          const char *token,
          const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/tasks", order);
  g_autoptr(JsonNode) task = vb_test_call (fx->server, "POST", path, token, body, 201);
  return g_strdup (id_of (task));
}

/* A task of service (technician may be NULL), added by reception. */
static char *
service_task (Fx         *fx,
              const char *order,
              const char *service,
              const char *technician)
{
  g_autofree char *body = technician
    ? g_strdup_printf ("{\"service_type_id\": \"%s\", \"technician_id\": \"%s\"}", service, technician)
    : g_strdup_printf ("{\"service_type_id\": \"%s\"}", service);
  return add_task (fx, order, fx->desk, body);
}

/* The id of the checklist step at position (1-based). */
static char *
step_at (Fx         *fx,
         const char *task,
         int         position)
{
  g_autofree char *pos = g_strdup_printf ("%d", position);
  return sql (fx, "SELECT s.id FROM work_order_tasks t JOIN service_type_steps s ON s.service_type_id = t.service_type_id"
                  " WHERE t.id = $1::uuid AND s.position = $2::int", task, pos, NULL);
}

static JsonNode *
record (Fx         *fx,
        const char *token,
        const char *task,
        const char *body,
        guint       expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s/checklist-results", task);
  return vb_test_call (fx->server, "POST", path, token, body, expect);
}

static void
record_error (Fx         *fx,
              const char *token,
              const char *task,
              const char *body,
              guint       expect,
              const char *code,
              const char *field)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s/checklist-results", task);
  vb_test_call_error (fx->server, "POST", path, token, body, expect, code, field);
}

static char *
attachment (Fx *fx)
{
  return sql (fx, "INSERT INTO attachments (location_id, purpose, sha256, content_type, size_bytes)"
                  " VALUES ($1::uuid, 'photo', repeat('a', 64), 'image/jpeg', 1000) RETURNING id",
              fx->a, NULL, NULL);
}


static char *
ago (int minutes)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_minutes (now, -minutes);

  return g_date_time_format_iso8601 (then);
}

/* POST /hv-records/{record}/steps {"step": step, "performed_at": minutes ago (< 0: now), extra...}. */
static JsonNode *
hv_step (Fx         *fx,
         const char *token,
         const char *record_id,
         const char *step,
         int         minutes_ago,
         const char *extra,
         guint       expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/hv-records/%s/steps", record_id);
  g_autofree char *at = minutes_ago >= 0 ? ago (minutes_ago) : NULL;
  g_autofree char *body = g_strdup_printf ("{\"step\": \"%s\"%s%s%s%s%s}", step,
                                           at ? ", \"performed_at\": \"" : "", at ? at : "", at ? "\"" : "",
                                           extra ? ", " : "", extra ? extra : "");
  return vb_test_call (fx->server, "POST", path, token, body, expect);
}

static void
hv_step_error (Fx         *fx,
               const char *token,
               const char *record_id,
               const char *step,
               int         minutes_ago,
               const char *extra,
               guint       expect,
               const char *code,
               const char *field)
{
  g_autoptr(JsonNode) reply = hv_step (fx, token, record_id, step, minutes_ago, extra, expect);
  vb_test_assert_error (reply, code, field);
}

static gboolean
step_passed (JsonNode *step)
{
  return json_object_get_boolean_member (vb_test_object (step), "passed");
}

static const char *
record_state (JsonNode *step)
{
  return json_object_get_string_member (json_object_get_object_member (vb_test_object (step), "record"), "state");
}

#define DE_ENERGIZE "\"ignition_off\": true, \"low_voltage_disconnected\": true, \"service_disconnect_removed\": true"
#define LOCKOUT     "\"lock_id\": \"L-07\", \"lock_holder\": \"Tuan\""
#define DEAD        "\"known_source_before\": true, \"known_source_after\": true," \
                    " \"readings\": [{\"point\": \"HV+ to HV-\", \"volts\": 0.2}, {\"point\": \"HV+ to chassis\", \"volts\": 0.1}]"
#define LIVE        "\"known_source_before\": true, \"known_source_after\": true," \
                    " \"readings\": [{\"point\": \"HV+ to HV-\", \"volts\": 388}]"

/* body may be NULL: the defaults. */
static char *
open_record (Fx         *fx,
             const char *token,
             const char *task,
             const char *body,
             JsonNode  **reply)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);
  *reply = vb_test_call (fx->server, "POST", path, token, body, 201);
  return g_strdup (id_of (*reply));
}

/* ------------------------------------------------------------ full record --- */

static void
test_full_record (void)
{
  Fx fx;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *hv_path = NULL;
  g_autofree char *soh = NULL;
  g_autofree char *soh_body = NULL;
  g_autofree char *expired_id = NULL;
  g_autofree char *expired = NULL;
  g_autoptr(JsonNode) opened = NULL;
  g_autoptr(JsonNode) got = NULL;
  JsonArray *steps;

  fx_setup (&fx);
  certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  certify (&fx, fx.tech2_id, 3, "2024-01-01", "2099-12-31");
  expired = vb_test_user_token (fx.server, "old@example.com", "technician", "HCM-1");
  expired_id = me_id (fx.server, expired);
  certify (&fx, expired_id, 3, "2018-01-01", "2021-01-01");
  order = work_order (&fx, "diagnosing");
  task = service_task (&fx, order, fx.battery, fx.tech_id);
  hv_path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);

  /* No record yet; reception and expired certifications may not open one. */
  vb_test_call_error (fx.server, "GET", hv_path, fx.tech, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, fx.desk, "{}", 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, expired, "{}", 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, fx.tech_b, "{}", 404, "not_found", NULL);

  record_id = open_record (&fx, fx.tech, task, "{}", &opened);
  g_assert_cmpstr (str_of (opened, "state"), ==, "open");
  g_assert_cmpstr (str_of (opened, "next_step"), ==, "de_energize");
  g_assert_cmpstr (str_of (opened, "technician_id"), ==, fx.tech_id);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "system_voltage"), ==, 400);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "min_insulation_ohms"), ==, 40000);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "technician_hv_level"), ==, 3);
  vb_test_call_error (fx.server, "POST", hv_path, fx.tech, "{}", 409, "conflict", "task_id");
  g_assert_true (feed_has (fx.server, fx.manager, "hv_records", record_id, "upsert"));
  g_assert_cmpint (audit_count (&fx, "hv_records", record_id, "insert"), ==, 1);

  /* The task's other checklist steps wait for the de-energized state. */
  soh = step_at (&fx, task, 2);
  soh_body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 93}", soh);
  record_error (&fx, fx.tech, task, soh_body, 409, "conflict", "step_id");

  /* In order, with the evidence each step needs. */
  hv_step_error (&fx, fx.tech, record_id, "lockout", 20, LOCKOUT, 409, "conflict", "step");
  hv_step_error (&fx, fx.tech, record_id, "de_energize", 20, "\"ignition_off\": true", 422, "validation_failed",
                 "service_disconnect_removed");
  hv_step_error (&fx, expired, record_id, "de_energize", 20, DE_ENERGIZE, 403, "forbidden", NULL);
  hv_step_error (&fx, fx.desk, record_id, "de_energize", 20, DE_ENERGIZE, 403, "forbidden", NULL);
  hv_step_error (&fx, fx.tech, record_id, "unplug", 20, DE_ENERGIZE, 422, "validation_failed", "step");
  {
    g_autoptr(JsonNode) de = hv_step (&fx, fx.tech, record_id, "de_energize", 20, DE_ENERGIZE, 201);
    g_autoptr(JsonNode) lock = NULL;
    g_autoptr(JsonNode) wait = NULL;

    g_assert_true (step_passed (de));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (vb_test_object (de), "record"),
                                                    "next_step"), ==, "lockout");
    g_assert_true (feed_has (fx.server, fx.manager, "hv_record_steps", id_of (de), "upsert"));
    g_assert_cmpint (audit_count (&fx, "hv_record_steps", id_of (de), "insert"), ==, 1);
    hv_step_error (&fx, fx.tech, record_id, "de_energize", 19, DE_ENERGIZE, 409, "conflict", "step");
    hv_step_error (&fx, fx.tech, record_id, "lockout", 15, "\"lock_id\": \"L-07\"", 422, "validation_failed",
                   "lock_holder");
    hv_step_error (&fx, fx.tech, record_id, "lockout", 25, LOCKOUT, 422, "validation_failed", "performed_at");
    lock = hv_step (&fx, fx.tech, record_id, "lockout", 15, LOCKOUT, 201);
    g_assert_true (step_passed (lock));
    /* 5 minutes after the lock-out is too soon (10 by default, or the OEM's). */
    hv_step_error (&fx, fx.tech, record_id, "capacitor_wait", 10, NULL, 409, "conflict", "performed_at");
    hv_step_error (&fx, fx.tech, record_id, "capacitor_wait", 3, "\"oem_wait_minutes\": 15", 409, "conflict",
                   "performed_at");
    hv_step_error (&fx, fx.tech, record_id, "verify_absence", 3, DEAD, 409, "conflict", "step");
    hv_step_error (&fx, fx.tech, record_id, "capacitor_wait", -1, "\"performed_at\": \"2099-01-01T00:00:00Z\"",
                   422, "validation_failed", "performed_at");
    wait = hv_step (&fx, fx.tech, record_id, "capacitor_wait", 3, NULL, 201);
    g_assert_true (step_passed (wait));
  }

  /* Voltage still present: stored, not passed, and repeated. */
  {
    g_autoptr(JsonNode) live = hv_step (&fx, fx.tech, record_id, "verify_absence", 2, LIVE, 201);
    g_autoptr(JsonNode) dead = NULL;

    g_assert_false (step_passed (live));
    g_assert_cmpstr (record_state (live), ==, "open");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (vb_test_object (live), "record"),
                                                    "next_step"), ==, "verify_absence");
    hv_step_error (&fx, fx.tech, record_id, "insulation_test", 1,
                   "\"resistance_ohms\": 45000, \"test_voltage\": 500", 409, "conflict", "step");
    hv_step_error (&fx, fx.tech, record_id, "verify_absence", 2, "\"known_source_before\": true,"
                   " \"readings\": [{\"point\": \"HV+ to HV-\", \"volts\": 0}]", 422, "validation_failed",
                   "known_source_after");
    hv_step_error (&fx, fx.tech, record_id, "verify_absence", 2, "\"known_source_before\": true,"
                   " \"known_source_after\": true, \"readings\": [{\"point\": \"HV+\"}]", 422, "validation_failed",
                   "readings[0].volts");
    dead = hv_step (&fx, fx.tech, record_id, "verify_absence", 2, DEAD, 201);
    g_assert_true (step_passed (dead));
  }

  /* Insulation: at least 100 Ω/V × 400 V = 40 kΩ. */
  {
    g_autoptr(JsonNode) weak = hv_step (&fx, fx.tech, record_id, "insulation_test", 1,
                                        "\"resistance_ohms\": 30000, \"test_voltage\": 500", 201);
    g_autoptr(JsonNode) good = NULL;

    g_assert_false (step_passed (weak));
    g_assert_cmpstr (record_state (weak), ==, "open");
    record_error (&fx, fx.tech, task, soh_body, 409, "conflict", "step_id");
    hv_step_error (&fx, fx.tech, record_id, "insulation_test", 1, "\"resistance_ohms\": 45000", 422,
                   "validation_failed", "test_voltage");
    good = hv_step (&fx, fx.tech, record_id, "insulation_test", 1,
                    "\"resistance_ohms\": 45000, \"test_voltage\": 500", 201);
    g_assert_true (step_passed (good));
    g_assert_cmpstr (record_state (good), ==, "de_energized");
    g_assert_cmpfloat (json_object_get_double_member (vb_test_object (good), "resistance_ohms"), ==, 45000);
  }

  /* Now the checklist opens up; done still waits for the sign-off. */
  {
    g_autoptr(JsonNode) checklist = task_call (&fx, "GET", fx.tech, task, "/checklist", NULL, 200);
    JsonArray *items = json_object_get_array_member (vb_test_object (checklist), "steps");
    g_autofree char *photo = attachment (&fx);
    g_autoptr(JsonNode) refused = NULL;

    g_assert_cmpstr (json_object_get_string_member (vb_test_object (checklist), "hv_record_state"), ==, "de_energized");
    for (guint i = 0; i < json_array_get_length (items); i++)
      g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, i), "allowed"));
    json_node_unref (record (&fx, fx.tech, task, soh_body, 201));
    for (int position = 1; position <= 5; position++)
      {
        g_autofree char *step = step_at (&fx, task, position);
        g_autofree char *b = position == 1 ? g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step)
                             : position == 5 ? g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, photo)
                             : g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 20}", step);
        if (position != 2)
          json_node_unref (record (&fx, fx.tech, task, b, 201));
      }
    /* A technician whose certification expired records no HV task results. */
    record_error (&fx, expired, task, soh_body, 403, "forbidden", NULL);
    json_node_unref (task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 1, \"status\": \"in_progress\"}", 200));
    refused = task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 2, \"status\": \"done\"}", 409);
    vb_test_assert_error (refused, "conflict", "status");
  }

  /* Re-energize, then the sign-off by a second person. */
  {
    g_autoptr(JsonNode) re = hv_step (&fx, fx.tech, record_id, "re_energize", 0,
                                      "\"resistance_ohms\": 50000, \"test_voltage\": 500, \"notes\": \"codes cleared\"", 201);
    g_autoptr(JsonNode) signed_off = NULL;

    g_assert_true (step_passed (re));
    g_assert_cmpstr (record_state (re), ==, "re_energized");
    hv_step_error (&fx, fx.tech, record_id, "sign_off", -1, NULL, 403, "forbidden", NULL);
    signed_off = hv_step (&fx, fx.tech2, record_id, "sign_off", -1, NULL, 201);
    g_assert_cmpstr (record_state (signed_off), ==, "signed_off");
    g_assert_true (json_object_get_null_member (json_object_get_object_member (vb_test_object (signed_off), "record"),
                                                "next_step"));
    g_assert_cmpstr (str_of (signed_off, "performed_by"), ==, fx.tech2_id);
    hv_step_error (&fx, fx.tech2, record_id, "sign_off", -1, NULL, 409, "conflict", "step");
  }
  g_assert_cmpint (audit_count (&fx, "hv_records", record_id, "update"), ==, 3);
  {
    g_autoptr(JsonNode) done = task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 2, \"status\": \"done\"}", 200);
    g_assert_cmpstr (str_of (done, "status"), ==, "done");
    g_assert_cmpstr (str_of (done, "hv_record_state"), ==, "signed_off");
  }

  /* Every attempt, in order. */
  got = vb_test_call (fx.server, "GET", hv_path, fx.desk, NULL, 200);
  steps = json_object_get_array_member (vb_test_object (got), "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 9);
  {
    const char *expected[] = { "de_energize", "lockout", "capacitor_wait", "verify_absence", "verify_absence",
                               "insulation_test", "insulation_test", "re_energize", "sign_off" };
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, i), "step"), ==, expected[i]);
  }
  g_assert_cmpstr (str_of (got, "state"), ==, "signed_off");
  {
    g_autofree char *by_id = g_strdup_printf ("/api/v1/hv-records/%s", record_id);
    g_autoptr(JsonNode) same = vb_test_call (fx.server, "GET", by_id, fx.tech2, NULL, 200);

    g_assert_cmpstr (str_of (same, "task_id"), ==, task);
    vb_test_call_error (fx.server, "GET", by_id, fx.tech_b, NULL, 404, "not_found", NULL);
    vb_test_call_error (fx.server, "GET", hv_path, fx.tech_b, NULL, 404, "not_found", NULL);
  }
  fx_clear (&fx);
}

/* ------------------------------------------- 800 V, levels, non-HV tasks --- */

static void
test_voltage_and_levels (void)
{
  Fx fx;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *low = NULL;
  g_autofree char *low_id = NULL;
  g_autofree char *hv_path = NULL;
  g_autofree char *plain_path = NULL;
  g_autoptr(JsonNode) opened = NULL;

  fx_setup (&fx);
  certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  low = vb_test_user_token (fx.server, "low@example.com", "technician", "HCM-1");
  low_id = me_id (fx.server, low);
  certify (&fx, low_id, 1, "2024-01-01", NULL);
  g_free (sql (&fx, "UPDATE vehicles SET hv_class = 800 WHERE id = $1::uuid", fx.vehicle, NULL, NULL));
  order = work_order (&fx, "diagnosing");
  g_free (sql (&fx, "UPDATE work_orders SET status = 'in_progress' WHERE id = $1::uuid", order, NULL, NULL));
  {
    g_autofree char *deenergize = service_id (&fx, "HV-DEENERGIZE");
    task = service_task (&fx, order, deenergize, NULL);
  }
  plain = service_task (&fx, order, fx.tire, NULL);
  hv_path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);
  plain_path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", plain);

  /* A task that is not HV work has no record; level 1 is too low for level 3. */
  vb_test_call_error (fx.server, "POST", plain_path, fx.tech, "{}", 422, "validation_failed", "task_id");
  vb_test_call_error (fx.server, "POST", hv_path, low, "{}", 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, fx.tech, "{\"system_voltage\": 20}", 422, "validation_failed",
                      "system_voltage");

  /* The vehicle's 800 V class: the insulation minimum is 80 kΩ. */
  record_id = open_record (&fx, fx.tech, task, NULL, &opened);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "system_voltage"), ==, 800);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "min_insulation_ohms"), ==, 80000);
  json_node_unref (hv_step (&fx, fx.tech, record_id, "de_energize", 40, DE_ENERGIZE, 201));
  /* Steps by someone below the task's level: 403. */
  hv_step_error (&fx, low, record_id, "lockout", 35, LOCKOUT, 403, "forbidden", NULL);
  json_node_unref (hv_step (&fx, fx.tech, record_id, "lockout", 35, LOCKOUT, 201));
  json_node_unref (hv_step (&fx, fx.tech, record_id, "capacitor_wait", 5, "\"oem_wait_minutes\": 30", 201));
  json_node_unref (hv_step (&fx, fx.tech, record_id, "verify_absence", 4, DEAD, 201));
  {
    g_autoptr(JsonNode) weak = hv_step (&fx, fx.tech, record_id, "insulation_test", 3,
                                        "\"resistance_ohms\": 45000, \"test_voltage\": 1000", 201);
    g_autoptr(JsonNode) good = NULL;

    g_assert_false (step_passed (weak));
    good = hv_step (&fx, fx.tech, record_id, "insulation_test", 2,
                    "\"resistance_ohms\": 80000, \"test_voltage\": 1000", 201);
    g_assert_true (step_passed (good));
    g_assert_cmpstr (record_state (good), ==, "de_energized");
  }
  /* A post-repair isolation check below the minimum fails the re-energize. */
  {
    g_autoptr(JsonNode) re = hv_step (&fx, fx.tech, record_id, "re_energize", 1, "\"resistance_ohms\": 50000", 201);
    g_assert_false (step_passed (re));
    g_assert_cmpstr (record_state (re), ==, "de_energized");
  }
  fx_clear (&fx);
}

/* ------------------------------------------------------- concurrency --- */

typedef struct
{
  const char *url;
  const char *warm_url;
  const char *token;
  const char *body;
  GMutex     *lock;
  GCond      *cond;
  gboolean   *go;
  guint       status;
  char       *field;
} Job;

static gpointer
post_thread (gpointer data)
{
  Job *job = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", job->url);
  g_autoptr(GBytes) body = g_bytes_new_static (job->body, strlen (job->body));
  g_autofree char *auth = g_strdup_printf ("Bearer %s", job->token);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Connect first, one at a time, so the steps then race on open connections. */
  g_mutex_lock (job->lock);
  {
    g_autoptr(SoupMessage) warm = soup_message_new ("GET", job->warm_url);
    g_autoptr(GBytes) warm_reply = soup_session_send_and_read (session, warm, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (warm), ==, 200);
  }
  while (!*job->go)
    g_cond_wait (job->cond, job->lock);
  g_mutex_unlock (job->lock);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  job->status = soup_message_get_status (msg);
  node = json_from_string (g_bytes_get_data (reply, NULL), NULL);
  if (job->status == 409 && node != NULL)
    job->field = g_strdup (json_object_get_string_member_with_default (
                             json_object_get_object_member (json_node_get_object (node), "error"), "field", ""));
  return NULL;
}

/* Two devices sending the same step at once: one is recorded, the other
 * is told it is already there (the record row is locked per step, and a
 * unique index keeps one passed step of a kind). */
static void
test_concurrent_steps (void)
{
  Fx fx;
  enum { N = 8 };
  Job jobs[N];
  GThread *threads[N];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, conflicts = 0;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *warm_url = NULL;
  g_autofree char *count = NULL;
  g_autoptr(JsonNode) opened = NULL;
  const char *body = "{\"step\": \"de_energize\", " DE_ENERGIZE "}";

  fx_setup (&fx);
  certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  order = work_order (&fx, "diagnosing");
  task = service_task (&fx, order, fx.battery, fx.tech_id);
  record_id = open_record (&fx, fx.tech, task, "{}", &opened);
  url = g_strdup_printf ("%s/api/v1/hv-records/%s/steps", fx.server->base_url, record_id);
  warm_url = g_strdup_printf ("%s/healthz", fx.server->base_url);
  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N; i++)
    {
      jobs[i] = (Job) { url, warm_url, fx.tech, body, &lock, &cond, &go, 0, NULL };
      threads[i] = g_thread_new ("step", post_thread, &jobs[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < N; i++)
    {
      g_thread_join (threads[i]);
      if (jobs[i].status == 201)
        created++;
      else if (jobs[i].status == 409 && g_strcmp0 (jobs[i].field, "step") == 0)
        conflicts++;
      else
        g_test_message ("unexpected status %u (%s)", jobs[i].status, jobs[i].field);
      g_free (jobs[i].field);
    }
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, N - 1);
  count = sql (&fx, "SELECT count(*) FROM hv_record_steps WHERE hv_record_id = $1::uuid", record_id, NULL, NULL);
  g_assert_cmpstr (count, ==, "1");
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/hv-records/full-record", test_full_record);
  g_test_add_func ("/hv-records/voltage-and-levels", test_voltage_and_levels);
  g_test_add_func ("/hv-records/concurrent-steps", test_concurrent_steps);
  return g_test_run ();
}
