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
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* Both technicians of HCM-1, one of HN-1 and the customer's vehicle. */
#define FLOOR (VB_TEST_FLOOR_TECH2 | VB_TEST_FLOOR_TECH_B | VB_TEST_FLOOR_CUSTOMER)

static char *
ago (int minutes)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_minutes (now, -minutes);

  return g_date_time_format_iso8601 (then);
}

/* POST /hv-records/{record}/steps {"step": step, "performed_at": minutes ago (< 0: now), extra...}. */
static JsonNode *
hv_step (VbTestFloor *fx,
         const char  *token,
         const char  *record_id,
         const char  *step,
         int          minutes_ago,
         const char  *extra,
         guint        expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/hv-records/%s/steps", record_id);
  g_autofree char *at = minutes_ago >= 0 ? ago (minutes_ago) : NULL;
  g_autofree char *body = g_strdup_printf ("{\"step\": \"%s\"%s%s%s%s%s}", step,
                                           at ? ", \"performed_at\": \"" : "", at ? at : "", at ? "\"" : "",
                                           extra ? ", " : "", extra ? extra : "");
  return vb_test_call (fx->server, "POST", path, token, body, expect);
}

static void
hv_step_error (VbTestFloor *fx,
               const char  *token,
               const char  *record_id,
               const char  *step,
               int          minutes_ago,
               const char  *extra,
               guint        expect,
               const char  *code,
               const char  *field)
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
open_record (VbTestFloor  *fx,
             const char   *token,
             const char   *task,
             const char   *body,
             JsonNode    **reply)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);
  *reply = vb_test_call (fx->server, "POST", path, token, body, 201);
  return g_strdup (vb_test_id_of (*reply));
}

/* ------------------------------------------------------------ full record --- */

static void
test_full_record (void)
{
  VbTestFloor fx;
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

  vb_test_floor_setup (&fx, FLOOR);
  vb_test_floor_certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  vb_test_floor_certify (&fx, fx.tech2_id, 3, "2024-01-01", "2099-12-31");
  expired = vb_test_user_token (fx.server, "old@example.com", "technician", "HCM-1");
  expired_id = vb_test_me_id (fx.server, expired);
  vb_test_floor_certify (&fx, expired_id, 3, "2018-01-01", "2021-01-01");
  order = vb_test_floor_order (&fx, "diagnosing");
  task = vb_test_floor_service_task (&fx, order, fx.battery, fx.tech_id);
  hv_path = g_strdup_printf ("/api/v1/tasks/%s/hv-record", task);

  /* No record yet; reception and expired certifications may not open one. */
  vb_test_call_error (fx.server, "GET", hv_path, fx.tech, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, fx.desk, "{}", 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, expired, "{}", 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", hv_path, fx.tech_b, "{}", 404, "not_found", NULL);

  record_id = open_record (&fx, fx.tech, task, "{}", &opened);
  g_assert_cmpstr (vb_test_str_of (opened, "state"), ==, "open");
  g_assert_cmpstr (vb_test_str_of (opened, "next_step"), ==, "de_energize");
  g_assert_cmpstr (vb_test_str_of (opened, "technician_id"), ==, fx.tech_id);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "system_voltage"), ==, 400);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "min_insulation_ohms"), ==, 40000);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (opened), "technician_hv_level"), ==, 3);
  vb_test_call_error (fx.server, "POST", hv_path, fx.tech, "{}", 409, "conflict", "task_id");
  g_assert_true (vb_test_feed_has (fx.server, fx.manager, "hv_records", record_id, "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.server, "hv_records", record_id, "insert"), ==, 1);

  /* The task's other checklist steps wait for the de-energized state. */
  soh = vb_test_floor_step_at (&fx, task, 2);
  soh_body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 93}", soh);
  vb_test_floor_record_error (&fx, fx.tech, task, soh_body, 409, "conflict", "step_id");

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
    g_assert_true (vb_test_feed_has (fx.server, fx.manager, "hv_record_steps", vb_test_id_of (de), "upsert"));
    g_assert_cmpint (vb_test_audit_count (fx.server, "hv_record_steps", vb_test_id_of (de), "insert"), ==, 1);
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
    vb_test_floor_record_error (&fx, fx.tech, task, soh_body, 409, "conflict", "step_id");
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
    g_autoptr(JsonNode) checklist = vb_test_floor_task_call (&fx, "GET", fx.tech, task, "/checklist", NULL, 200);
    JsonArray *items = json_object_get_array_member (vb_test_object (checklist), "steps");
    g_autofree char *photo = vb_test_floor_attachment (&fx);
    g_autoptr(JsonNode) refused = NULL;

    g_assert_cmpstr (json_object_get_string_member (vb_test_object (checklist), "hv_record_state"), ==, "de_energized");
    for (guint i = 0; i < json_array_get_length (items); i++)
      g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, i), "allowed"));
    json_node_unref (vb_test_floor_record (&fx, fx.tech, task, soh_body, 201));
    for (int position = 1; position <= 5; position++)
      {
        g_autofree char *step = vb_test_floor_step_at (&fx, task, position);
        g_autofree char *b = position == 1 ? g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step)
                             : position == 5 ? g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, photo)
                             : g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 20}", step);
        if (position != 2)
          json_node_unref (vb_test_floor_record (&fx, fx.tech, task, b, 201));
      }
    /* A technician whose certification expired records no HV task results. */
    vb_test_floor_record_error (&fx, expired, task, soh_body, 403, "forbidden", NULL);
    json_node_unref (vb_test_floor_task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 1, \"status\": \"in_progress\"}", 200));
    refused = vb_test_floor_task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 2, \"status\": \"done\"}", 409);
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
    g_assert_cmpstr (vb_test_str_of (signed_off, "performed_by"), ==, fx.tech2_id);
    hv_step_error (&fx, fx.tech2, record_id, "sign_off", -1, NULL, 409, "conflict", "step");
  }
  g_assert_cmpint (vb_test_audit_count (fx.server, "hv_records", record_id, "update"), ==, 3);
  {
    g_autoptr(JsonNode) done = vb_test_floor_task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 2, \"status\": \"done\"}", 200);
    g_assert_cmpstr (vb_test_str_of (done, "status"), ==, "done");
    g_assert_cmpstr (vb_test_str_of (done, "hv_record_state"), ==, "signed_off");
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
  g_assert_cmpstr (vb_test_str_of (got, "state"), ==, "signed_off");
  {
    g_autofree char *by_id = g_strdup_printf ("/api/v1/hv-records/%s", record_id);
    g_autoptr(JsonNode) same = vb_test_call (fx.server, "GET", by_id, fx.tech2, NULL, 200);

    g_assert_cmpstr (vb_test_str_of (same, "task_id"), ==, task);
    vb_test_call_error (fx.server, "GET", by_id, fx.tech_b, NULL, 404, "not_found", NULL);
    vb_test_call_error (fx.server, "GET", hv_path, fx.tech_b, NULL, 404, "not_found", NULL);
  }
  vb_test_floor_clear (&fx);
}

/* ------------------------------------------- 800 V, levels, non-HV tasks --- */

static void
test_voltage_and_levels (void)
{
  VbTestFloor fx;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *low = NULL;
  g_autofree char *low_id = NULL;
  g_autofree char *hv_path = NULL;
  g_autofree char *plain_path = NULL;
  g_autoptr(JsonNode) opened = NULL;

  vb_test_floor_setup (&fx, FLOOR);
  vb_test_floor_certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  low = vb_test_user_token (fx.server, "low@example.com", "technician", "HCM-1");
  low_id = vb_test_me_id (fx.server, low);
  vb_test_floor_certify (&fx, low_id, 1, "2024-01-01", NULL);
  g_free (vb_test_sql (fx.server, "UPDATE vehicles SET hv_class = 800 WHERE id = $1::uuid", fx.vehicle, NULL));
  order = vb_test_floor_order (&fx, "diagnosing");
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'in_progress' WHERE id = $1::uuid", order, NULL));
  {
    g_autofree char *deenergize = vb_test_floor_service (&fx, "HV-DEENERGIZE");
    task = vb_test_floor_service_task (&fx, order, deenergize, NULL);
  }
  plain = vb_test_floor_service_task (&fx, order, fx.tire, NULL);
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
  vb_test_floor_clear (&fx);
}

/* ------------------------------------------------------- concurrency --- */

/* Two devices sending the same step at once: one is recorded, the other
 * is told it is already there (the record row is locked per step, and a
 * unique index keeps one passed step of a kind). */
static void
test_concurrent_steps (void)
{
  VbTestFloor fx;
  enum { N = 8 };
  guint created = 0, conflicts = 0;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *count = NULL;
  g_autoptr(JsonNode) opened = NULL;
  const char *body = "{\"step\": \"de_energize\", " DE_ENERGIZE "}";

  vb_test_floor_setup (&fx, FLOOR);
  vb_test_floor_certify (&fx, fx.tech_id, 3, "2024-01-01", NULL);
  order = vb_test_floor_order (&fx, "diagnosing");
  task = vb_test_floor_service_task (&fx, order, fx.battery, fx.tech_id);
  record_id = open_record (&fx, fx.tech, task, "{}", &opened);
  path = g_strdup_printf ("/api/v1/hv-records/%s/steps", record_id);
  vb_test_post_race (fx.server, path, fx.tech, body, N, "step", &created, &conflicts);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, N - 1);
  count = vb_test_sql (fx.server, "SELECT count(*) FROM hv_record_steps WHERE hv_record_id = $1::uuid", record_id, NULL);
  g_assert_cmpstr (count, ==, "1");
  vb_test_floor_clear (&fx);
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
