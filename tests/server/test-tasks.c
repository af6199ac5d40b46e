/* test-tasks.c — tasks of work orders, the work queue, checklist results
 * and quality checks against the real server: task CRUD with defaults from
 * the service type, an expired HV certification blocking assignment (422),
 * claiming, the queue's order (priority, promised time, waiting time),
 * checklist kinds and measurement limits, HV-safety steps in order and
 * first (409), done refused while steps are missing (409), roles (403) and
 * locations (404), quality checks only in quality_check (409) and by
 * someone who did not work on the order (403), and every mutation in the
 * change feed and audit_log.  Work orders are made in SQL (the triggers
 * accept that), the rest through the API.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* Both technicians of HCM-1, one of HN-1 and the customer's vehicle. */
#define FLOOR (VB_TEST_FLOOR_TECH2 | VB_TEST_FLOOR_TECH_B | VB_TEST_FLOOR_CUSTOMER)

/* ----------------------------------------------------------------- CRUD --- */

static void
test_task_crud_and_claim (void)
{
  VbTestFloor fx;
  g_autofree char *order = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *task = NULL;
  g_autofree char *hv_task = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) patched = NULL;
  JsonArray *items;

  vb_test_floor_setup (&fx, FLOOR);
  order = vb_test_floor_order (&fx, "diagnosing");
  path = g_strdup_printf ("/api/v1/work-orders/%s/tasks", order);

  /* title is required unless a service type names the task. */
  vb_test_call_error (fx.server, "POST", path, fx.desk, "{\"estimated_tenths\": 5}", 422, "validation_failed", "title");
  vb_test_call_error (fx.server, "POST", path, fx.desk, "{\"title\": \"x\", \"priority\": \"asap\"}",
                      422, "validation_failed", "priority");
  body = g_strdup_printf ("{\"service_type_id\": \"%s\"}", order);
  vb_test_call_error (fx.server, "POST", path, fx.desk, body, 422, "validation_failed", "service_type_id");
  g_free (body);

  /* Defaults from the service type; position after the last task. */
  body = g_strdup_printf ("{\"service_type_id\": \"%s\"}", fx.tire);
  task = vb_test_floor_add_task (&fx, order, fx.desk, body);
  {
    g_autofree char *task_path = g_strdup_printf ("/api/v1/tasks/%s", task);
    got = vb_test_call (fx.server, "GET", task_path, fx.tech, NULL, 200);
  }
  g_assert_cmpstr (vb_test_str_of (got, "title"), ==, "Tire rotation");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "estimated_tenths"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "position"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "required_hv_level"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "checklist_steps"), ==, 4);
  g_assert_cmpstr (vb_test_str_of (got, "priority"), ==, "normal");
  g_assert_cmpstr (vb_test_str_of (got, "status"), ==, "pending");
  g_assert_true (json_object_get_null_member (vb_test_object (got), "technician_id"));
  g_assert_true (vb_test_feed_has (fx.server, fx.manager, "work_order_tasks", task, "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.server, "work_order_tasks", task, "insert"), ==, 1);

  /* An HV task: a technician whose level-1 certification expired cannot
   * be assigned (422 technician_id), also not by PATCH; a valid one can. */
  vb_test_floor_certify (&fx, fx.tech_id, 1, "2019-01-01", "2020-01-01");
  g_free (body);
  body = g_strdup_printf ("{\"service_type_id\": \"%s\", \"technician_id\": \"%s\"}", fx.battery, fx.tech_id);
  vb_test_call_error (fx.server, "POST", path, fx.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = g_strdup_printf ("{\"service_type_id\": \"%s\", \"title\": \"Battery report\", \"priority\": \"high\"}", fx.battery);
  hv_task = vb_test_floor_add_task (&fx, order, fx.desk, body);
  {
    g_autofree char *hv_path = g_strdup_printf ("/api/v1/tasks/%s", hv_task);
    g_autofree char *assign = g_strdup_printf ("{\"version\": 1, \"technician_id\": \"%s\"}", fx.tech_id);
    g_autofree char *claim = g_strdup_printf ("/api/v1/tasks/%s/claim", hv_task);
    g_autoptr(JsonNode) assigned = NULL;

    vb_test_call_error (fx.server, "PATCH", hv_path, fx.desk, assign, 422, "validation_failed", "technician_id");
    vb_test_call_error (fx.server, "POST", claim, fx.tech, NULL, 422, "validation_failed", "technician_id");
    vb_test_floor_certify (&fx, fx.tech_id, 1, "2024-01-01", NULL);
    assigned = vb_test_call (fx.server, "PATCH", hv_path, fx.desk, assign, 200);
    g_assert_cmpstr (vb_test_str_of (assigned, "technician_id"), ==, fx.tech_id);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (assigned), "position"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (assigned), "required_hv_level"), ==, 1);
    g_assert_cmpstr (vb_test_str_of (assigned, "title"), ==, "Battery report");
  }

  /* The work order's tasks, in order. */
  list = vb_test_call (fx.server, "GET", path, fx.desk, NULL, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, task);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "id"), ==, hv_task);

  /* PATCH: version required, stale version → 409 with the current record. */
  {
    g_autofree char *task_path = g_strdup_printf ("/api/v1/tasks/%s", task);

    vb_test_call_error (fx.server, "PATCH", task_path, fx.desk, "{\"title\": \"x\"}", 422, "validation_failed", "version");
    patched = vb_test_call (fx.server, "PATCH", task_path, fx.desk,
                            "{\"version\": 1, \"title\": \"Rotate tires\", \"priority\": \"urgent\","
                            " \"promised_at\": \"2030-01-01T10:00:00Z\"}", 200);
    g_assert_cmpstr (vb_test_str_of (patched, "title"), ==, "Rotate tires");
    g_assert_cmpint (json_object_get_int_member (vb_test_object (patched), "version"), ==, 2);
    vb_test_call_error (fx.server, "PATCH", task_path, fx.desk, "{\"version\": 1, \"title\": \"y\"}",
                        409, "version_conflict", NULL);
    vb_test_call_error (fx.server, "PATCH", task_path, fx.desk, "{\"version\": 2, \"status\": \"finished\"}",
                        422, "validation_failed", "status");
    g_assert_true (vb_test_feed_has (fx.server, fx.manager, "work_order_tasks", task, "upsert"));
    g_assert_cmpint (vb_test_audit_count (fx.server, "work_order_tasks", task, "update"), ==, 1);

    /* Other location: 404; reception may not claim (no work_orders.technical). */
    vb_test_call_error (fx.server, "GET", task_path, fx.tech_b, NULL, 404, "not_found", NULL);
    vb_test_call_error (fx.server, "PATCH", task_path, fx.tech_b, "{\"version\": 2, \"title\": \"z\"}",
                        404, "not_found", NULL);
  }

  /* Claim: only an unassigned task (or one already ours). */
  {
    g_autofree char *claim = g_strdup_printf ("/api/v1/tasks/%s/claim", task);
    g_autoptr(JsonNode) claimed = NULL;
    g_autoptr(JsonNode) again = NULL;

    vb_test_call_error (fx.server, "POST", claim, fx.desk, NULL, 403, "forbidden", NULL);
    vb_test_call_error (fx.server, "POST", claim, fx.tech_b, NULL, 404, "not_found", NULL);
    claimed = vb_test_call (fx.server, "POST", claim, fx.tech2, NULL, 200);
    g_assert_cmpstr (vb_test_str_of (claimed, "technician_id"), ==, fx.tech2_id);
    again = vb_test_call (fx.server, "POST", claim, fx.tech2, NULL, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (again), "version"), ==,
                     json_object_get_int_member (vb_test_object (claimed), "version"));
    vb_test_call_error (fx.server, "POST", claim, fx.tech, NULL, 409, "conflict", "technician_id");
  }

  /* No new tasks on a cancelled order. */
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'cancelled', status_reason = 'customer left' WHERE id = $1::uuid",
                       order, NULL));
  vb_test_call_error (fx.server, "POST", path, fx.desk, "{\"title\": \"late\"}", 409, "conflict", "status");
  vb_test_floor_clear (&fx);
}

/* ---------------------------------------------------------------- queue --- */

static char *
queue_task (VbTestFloor *fx,
            const char  *order,
            const char  *title,
            const char  *priority,
            const char  *promised_at,
            const char  *technician)
{
  g_autoptr(GString) body = g_string_new (NULL);

  g_string_printf (body, "{\"title\": \"%s\", \"priority\": \"%s\"", title, priority);
  if (promised_at != NULL)
    g_string_append_printf (body, ", \"promised_at\": \"%s\"", promised_at);
  if (technician != NULL)
    g_string_append_printf (body, ", \"technician_id\": \"%s\"", technician);
  g_string_append (body, "}");
  return vb_test_floor_add_task (fx, order, fx->desk, body->str);
}

static void
assert_titles (JsonNode   *reply,
               const char *expected)
{
  JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (items); i++)
    g_string_append_printf (titles, "%s%s", i ? "," : "",
                            json_object_get_string_member (json_array_get_object_element (items, i), "title"));
  g_assert_cmpstr (titles->str, ==, expected);
}

static void
test_work_queue (void)
{
  VbTestFloor fx;
  g_autofree char *old = NULL;
  g_autofree char *mid = NULL;
  g_autofree char *recent = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *done = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) unassigned = NULL;
  g_autoptr(JsonNode) page1 = NULL;
  g_autoptr(JsonNode) page2 = NULL;
  g_autoptr(JsonNode) other = NULL;
  JsonObject *first;
  JsonObject *summary;

  vb_test_floor_setup (&fx, FLOOR);
  old = vb_test_floor_order (&fx, "diagnosing");
  mid = vb_test_floor_order (&fx, "diagnosing");
  recent = vb_test_floor_order (&fx, "checked_in");
  closed = vb_test_floor_order (&fx, "diagnosing");
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET checked_in_at = now() - interval '3 hours' WHERE id = $1::uuid", old, NULL));
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET checked_in_at = now() - interval '2 hours',"
                       " promised_at = '2030-01-01T09:00:00Z' WHERE id = $1::uuid", mid, NULL));

  g_free (queue_task (&fx, recent, "recent-normal", "normal", NULL, NULL));
  g_free (queue_task (&fx, old, "old-normal", "normal", NULL, fx.tech_id));
  g_free (queue_task (&fx, mid, "mid-normal-order-promise", "normal", NULL, NULL));
  g_free (queue_task (&fx, old, "old-normal-promised", "normal", "2030-01-01T08:00:00Z", NULL));
  g_free (queue_task (&fx, recent, "recent-urgent", "urgent", NULL, fx.tech_id));
  g_free (queue_task (&fx, old, "old-low", "low", NULL, NULL));
  g_free (queue_task (&fx, mid, "mid-high", "high", NULL, NULL));
  done = queue_task (&fx, old, "old-cancelled", "urgent", NULL, NULL);
  {
    g_autofree char *done_path = g_strdup_printf ("/api/v1/tasks/%s", done);
    json_node_unref (vb_test_call (fx.server, "PATCH", done_path, fx.desk,
                                   "{\"version\": 1, \"status\": \"cancelled\"}", 200));
  }
  g_free (queue_task (&fx, closed, "closed-urgent", "urgent", NULL, NULL));
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'cancelled', status_reason = 'no' WHERE id = $1::uuid",
                       closed, NULL));

  /* Priority, then the promised time (task's, else the order's; none
   * last), then the oldest check-in. */
  path = g_strdup_printf ("/api/v1/tasks?location_id=%s", fx.a);
  all = vb_test_call (fx.server, "GET", path, fx.tech, NULL, 200);
  assert_titles (all, "recent-urgent,mid-high,old-normal-promised,mid-normal-order-promise,old-normal,"
                      "recent-normal,old-low");
  first = json_array_get_object_element (json_object_get_array_member (vb_test_object (all), "items"), 0);
  summary = json_object_get_object_member (first, "work_order");
  g_assert_cmpstr (json_object_get_string_member (summary, "id"), ==, recent);
  g_assert_cmpstr (json_object_get_string_member (summary, "status"), ==, "checked_in");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (summary, "vehicle"), "plate"),
                   ==, "51H-123.45");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (summary, "customer"), "display_name"),
                   ==, "Minh Nguyen");

  mine = vb_test_call (fx.server, "GET", "/api/v1/tasks?technician_id=me", fx.tech, NULL, 200);
  assert_titles (mine, "recent-urgent,old-normal");
  unassigned = vb_test_call (fx.server, "GET", "/api/v1/tasks?technician_id=none&status=pending", fx.tech, NULL, 200);
  assert_titles (unassigned, "mid-high,old-normal-promised,mid-normal-order-promise,recent-normal,old-low");
  vb_test_call_error (fx.server, "GET", "/api/v1/tasks?status=done", fx.tech, NULL, 422, "validation_failed", "status");
  vb_test_call_error (fx.server, "GET", "/api/v1/tasks?technician_id=x", fx.tech, NULL, 422, "validation_failed", "technician_id");

  /* Pages follow the same order. */
  page1 = vb_test_call (fx.server, "GET", "/api/v1/tasks?limit=4", fx.tech, NULL, 200);
  assert_titles (page1, "recent-urgent,mid-high,old-normal-promised,mid-normal-order-promise");
  {
    g_autofree char *next = g_strdup_printf ("/api/v1/tasks?limit=4&cursor=%s",
                                             json_object_get_string_member (vb_test_object (page1), "next_cursor"));
    page2 = vb_test_call (fx.server, "GET", next, fx.tech, NULL, 200);
    assert_titles (page2, "old-normal,recent-normal,old-low");
    g_assert_true (json_object_get_null_member (vb_test_object (page2), "next_cursor"));
  }

  /* Another location sees none of it. */
  other = vb_test_call (fx.server, "GET", "/api/v1/tasks", fx.tech_b, NULL, 200);
  assert_titles (other, "");
  vb_test_floor_clear (&fx);
}

/* ------------------------------------------------------------ checklist --- */

static void
test_checklist (void)
{
  VbTestFloor fx;
  g_autofree char *order = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *task = NULL;
  g_autofree char *photo_task = NULL;
  g_autofree char *mixed = NULL;
  g_autofree char *mixed_task = NULL;
  g_autofree char *tread = NULL;
  g_autofree char *body = NULL;
  g_autofree char *photo = NULL;
  g_autoptr(JsonNode) low = NULL;
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) checklist = NULL;
  JsonArray *steps;

  vb_test_floor_setup (&fx, FLOOR);
  order = vb_test_floor_order (&fx, "diagnosing");
  task = vb_test_floor_service_task (&fx, order, fx.tire, NULL);
  tread = vb_test_floor_step_at (&fx, task, 1);

  /* Measurement: a value is needed; passed iff within min/max. */
  body = g_strdup_printf ("{\"step_id\": \"%s\"}", tread);
  vb_test_floor_record_error (&fx, fx.tech, task, body, 422, "validation_failed", "value");
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": -0.5, \"passed\": true}", tread);
  low = vb_test_floor_record (&fx, fx.tech, task, body, 201);
  g_assert_false (json_object_get_boolean_member (vb_test_object (low), "passed"));
  g_assert_cmpstr (vb_test_str_of (low, "unit"), ==, "mm");
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 4.2, \"unit\": \"mm\", \"conditions\": \"dry\"}", tread);
  ok = vb_test_floor_record (&fx, fx.tech, task, body, 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (ok), "passed"));
  g_assert_cmpfloat (json_object_get_double_member (vb_test_object (ok), "value"), ==, 4.2);
  g_assert_true (vb_test_feed_has (fx.server, fx.manager, "checklist_results", vb_test_id_of (ok), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.server, "checklist_results", vb_test_id_of (ok), "insert"), ==, 1);
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 4, \"unit\": \"in\"}", tread);
  vb_test_floor_record_error (&fx, fx.tech, task, body, 422, "validation_failed", "unit");

  /* Check: passed is needed.  A step of another service: 422 step_id. */
  {
    g_autofree char *rotate = vb_test_floor_step_at (&fx, task, 2);
    g_autofree char *check = g_strdup_printf ("{\"step_id\": \"%s\"}", rotate);
    g_autofree char *foreign = vb_test_sql (fx.server, "SELECT id FROM service_type_steps WHERE service_type_id = $1::uuid"
                                            " AND position = 1", fx.cabin, NULL);
    g_autofree char *wrong = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", foreign);

    vb_test_floor_record_error (&fx, fx.tech, task, check, 422, "validation_failed", "passed");
    vb_test_floor_record_error (&fx, fx.tech, task, wrong, 422, "validation_failed", "step_id");
  }

  /* Roles and locations: reception 403, another location 404. */
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 5}", tread);
  vb_test_floor_record_error (&fx, fx.desk, task, body, 403, "forbidden", NULL);
  vb_test_floor_record_error (&fx, fx.tech_b, task, body, 404, "not_found", NULL);

  /* Done is refused while a step has no result. */
  {
    g_autofree char *task_path = g_strdup_printf ("/api/v1/tasks/%s", task);
    g_autoptr(JsonNode) done = NULL;

    vb_test_call_error (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 1, \"status\": \"done\"}",
                        409, "conflict", "status");
    for (int position = 2; position <= 4; position++)
      {
        g_autofree char *step = vb_test_floor_step_at (&fx, task, position);
        g_autofree char *check = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step);
        json_node_unref (vb_test_floor_record (&fx, fx.tech, task, check, 201));
      }
    checklist = vb_test_floor_task_call (&fx, "GET", fx.desk, task, "/checklist", NULL, 200);
    g_assert_true (json_object_get_boolean_member (vb_test_object (checklist), "complete"));
    steps = json_object_get_array_member (vb_test_object (checklist), "steps");
    g_assert_cmpuint (json_array_get_length (steps), ==, 4);
    /* The latest result of the tread step is the passed one. */
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       json_array_get_object_element (steps, 0), "result"), "id"), ==, vb_test_id_of (ok));
    done = vb_test_call (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 1, \"status\": \"done\"}", 200);
    g_assert_cmpstr (vb_test_str_of (done, "status"), ==, "done");
    vb_test_call_error (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 2, \"status\": \"pending\"}",
                        409, "conflict", "status");
    /* A done task takes no more results. */
    vb_test_floor_record_error (&fx, fx.tech, task, body, 409, "conflict", "task_id");
  }

  /* Photo steps need an attachment (of this location). */
  photo_task = vb_test_floor_service_task (&fx, order, fx.cabin, NULL);
  {
    g_autofree char *step = vb_test_floor_step_at (&fx, photo_task, 1);
    g_autofree char *none = g_strdup_printf ("{\"step_id\": \"%s\"}", step);
    g_autofree char *bogus = g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, order);
    g_autofree char *with = NULL;
    g_autoptr(JsonNode) shot = NULL;

    photo = vb_test_floor_attachment (&fx);
    with = g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, photo);
    vb_test_floor_record_error (&fx, fx.tech, photo_task, none, 422, "validation_failed", "attachment_id");
    vb_test_floor_record_error (&fx, fx.tech, photo_task, bogus, 422, "validation_failed", "attachment_id");
    shot = vb_test_floor_record (&fx, fx.tech, photo_task, with, 201);
    g_assert_cmpstr (vb_test_str_of (shot, "attachment_id"), ==, photo);
    g_assert_true (json_object_get_boolean_member (vb_test_object (shot), "passed"));
  }

  /* HV-safety steps in their order and before the others (a service
   * type made for this: two HV-safety checks, then a plain one). */
  {
    g_autoptr(JsonNode) st = vb_test_call (fx.server, "POST", "/api/v1/service-types", fx.admin,
      "{\"code\": \"MIXED-TEST\", \"name\": \"Mixed\", \"price\": {\"amount\": 0, \"currency\": \"VND\"},"
      " \"steps\": [{\"instruction\": \"Safety one\", \"kind\": \"check\", \"hv_safety\": true},"
      "            {\"instruction\": \"Safety two\", \"kind\": \"check\", \"hv_safety\": true},"
      "            {\"instruction\": \"Work\", \"kind\": \"check\"}]}", 201);
    g_autofree char *s1 = NULL;
    g_autofree char *s2 = NULL;
    g_autofree char *s3 = NULL;
    g_autofree char *b1 = NULL;
    g_autofree char *b2 = NULL;
    g_autofree char *b3 = NULL;
    g_autofree char *b1_failed = NULL;
    g_autofree char *check_path = NULL;
    g_autoptr(JsonNode) before = NULL;
    JsonArray *items;

    mixed = g_strdup (vb_test_id_of (st));
    mixed_task = vb_test_floor_service_task (&fx, order, mixed, NULL);
    s1 = vb_test_floor_step_at (&fx, mixed_task, 1);
    s2 = vb_test_floor_step_at (&fx, mixed_task, 2);
    s3 = vb_test_floor_step_at (&fx, mixed_task, 3);
    b1 = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", s1);
    b1_failed = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": false}", s1);
    b2 = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", s2);
    b3 = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", s3);

    check_path = g_strdup_printf ("/api/v1/tasks/%s/checklist", mixed_task);
    before = vb_test_call (fx.server, "GET", check_path, fx.tech, NULL, 200);
    items = json_object_get_array_member (vb_test_object (before), "steps");
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, 0), "allowed"));
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "blocked_by"),
                     ==, "hv_safety_order");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 2), "blocked_by"),
                     ==, "hv_safety_first");

    vb_test_floor_record_error (&fx, fx.tech, mixed_task, b3, 409, "conflict", "step_id");
    vb_test_floor_record_error (&fx, fx.tech, mixed_task, b2, 409, "conflict", "step_id");
    json_node_unref (vb_test_floor_record (&fx, fx.tech, mixed_task, b1_failed, 201));
    vb_test_floor_record_error (&fx, fx.tech, mixed_task, b2, 409, "conflict", "step_id");   /* step 1 failed */
    json_node_unref (vb_test_floor_record (&fx, fx.tech, mixed_task, b1, 201));
    vb_test_floor_record_error (&fx, fx.tech, mixed_task, b3, 409, "conflict", "step_id");
    json_node_unref (vb_test_floor_record (&fx, fx.tech, mixed_task, b2, 201));
    json_node_unref (vb_test_floor_record (&fx, fx.tech, mixed_task, b3, 201));
  }

  /* Results are recorded while the car is worked on. */
  waiting = vb_test_floor_order (&fx, NULL);
  {
    g_autofree char *t = vb_test_floor_service_task (&fx, waiting, fx.tire, NULL);
    g_autofree char *s = vb_test_floor_step_at (&fx, t, 1);
    g_autofree char *b = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 5}", s);

    vb_test_floor_record_error (&fx, fx.tech, t, b, 409, "conflict", "status");
  }

  list = vb_test_floor_task_call (&fx, "GET", fx.tech_b, task, "/checklist", NULL, 404);
  vb_test_floor_clear (&fx);
}

/* ------------------------------------------------------- quality checks --- */

static void
test_quality_checks (void)
{
  VbTestFloor fx;
  g_autofree char *order = NULL;
  g_autofree char *task = NULL;
  g_autofree char *path = NULL;
  g_autofree char *state = NULL;
  g_autoptr(JsonNode) failed = NULL;
  g_autoptr(JsonNode) passed = NULL;
  g_autoptr(JsonNode) list = NULL;
  const char *ok_body = "{\"items\": [{\"name\": \"Torque wheel nuts\", \"value\": 175, \"unit\": \"N·m\", \"passed\": true},"
                        " {\"name\": \"Road test\", \"passed\": true}], \"passed\": true, \"notes\": \"fine\"}";
  const char *bad_body = "{\"items\": [{\"name\": \"Torque wheel nuts\", \"value\": 120, \"unit\": \"N·m\", \"passed\": false}],"
                         " \"passed\": false, \"notes\": \"loose nut\"}";

  vb_test_floor_setup (&fx, FLOOR);
  order = vb_test_floor_order (&fx, "diagnosing");
  path = g_strdup_printf ("/api/v1/work-orders/%s/quality-checks", order);
  task = vb_test_floor_service_task (&fx, order, fx.tire, fx.tech_id);

  /* Not in quality_check yet: 409 naming status. */
  vb_test_call_error (fx.server, "POST", path, fx.tech2, ok_body, 409, "conflict", "status");

  /* The technician does the work, the order moves to quality_check. */
  for (int position = 1; position <= 4; position++)
    {
      g_autofree char *step = vb_test_floor_step_at (&fx, task, position);
      g_autofree char *b = position == 1 ? g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 6}", step)
                                         : g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step);
      json_node_unref (vb_test_floor_record (&fx, fx.tech, task, b, 201));
    }
  json_node_unref (vb_test_floor_task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 1, \"status\": \"done\"}", 200));
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'in_progress' WHERE id = $1::uuid", order, NULL));
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'quality_check' WHERE id = $1::uuid", order, NULL));

  /* Validation, roles, who. */
  vb_test_call_error (fx.server, "POST", path, fx.tech2, "{\"items\": [], \"passed\": false}",
                      422, "validation_failed", "items");
  vb_test_call_error (fx.server, "POST", path, fx.tech2,
                      "{\"items\": [{\"name\": \"x\", \"passed\": false}], \"passed\": true}",
                      422, "validation_failed", "passed");
  vb_test_call_error (fx.server, "POST", path, fx.tech2, "{\"items\": [{\"name\": \"x\"}], \"passed\": false}",
                      422, "validation_failed", "items[0].passed");
  vb_test_call_error (fx.server, "POST", path, fx.desk, ok_body, 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", path, fx.tech_b, ok_body, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "POST", path, fx.tech, ok_body, 403, "forbidden", NULL);

  /* A failed check, then a passed one; ready needs the newest passed. */
  failed = vb_test_call (fx.server, "POST", path, fx.tech2, bad_body, 201);
  g_assert_false (json_object_get_boolean_member (vb_test_object (failed), "passed"));
  g_assert_cmpstr (vb_test_str_of (failed, "checked_by"), ==, fx.tech2_id);
  g_assert_true (vb_test_feed_has (fx.server, fx.manager, "quality_checks", vb_test_id_of (failed), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.server, "quality_checks", vb_test_id_of (failed), "insert"), ==, 1);
  passed = vb_test_call (fx.server, "POST", path, fx.manager, ok_body, 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (passed), "passed"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (passed), "items")), ==, 2);
  list = vb_test_call (fx.server, "GET", path, fx.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);
  vb_test_call_error (fx.server, "GET", path, fx.tech_b, NULL, 404, "not_found", NULL);
  g_free (vb_test_sql (fx.server, "UPDATE work_orders SET status = 'ready' WHERE id = $1::uuid", order, NULL));
  state = vb_test_sql (fx.server, "SELECT status FROM work_orders WHERE id = $1::uuid", order, NULL);
  g_assert_cmpstr (state, ==, "ready");
  vb_test_floor_clear (&fx);
}

int
main (int argc, char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/tasks/crud-and-claim", test_task_crud_and_claim);
  g_test_add_func ("/tasks/work-queue", test_work_queue);
  g_test_add_func ("/tasks/checklist", test_checklist);
  g_test_add_func ("/tasks/quality-checks", test_quality_checks);
  return g_test_run ();
}
