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

/* ----------------------------------------------------------------- CRUD --- */

static void
test_task_crud_and_claim (void)
{
  Fx fx;
  g_autofree char *order = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *task = NULL;
  g_autofree char *hv_task = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) patched = NULL;
  JsonArray *items;

  fx_setup (&fx);
  order = work_order (&fx, "diagnosing");
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
  task = add_task (&fx, order, fx.desk, body);
  {
    g_autofree char *task_path = g_strdup_printf ("/api/v1/tasks/%s", task);
    got = vb_test_call (fx.server, "GET", task_path, fx.tech, NULL, 200);
  }
  g_assert_cmpstr (str_of (got, "title"), ==, "Tire rotation");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "estimated_tenths"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "position"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "required_hv_level"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "checklist_steps"), ==, 4);
  g_assert_cmpstr (str_of (got, "priority"), ==, "normal");
  g_assert_cmpstr (str_of (got, "status"), ==, "pending");
  g_assert_true (json_object_get_null_member (vb_test_object (got), "technician_id"));
  g_assert_true (feed_has (fx.server, fx.manager, "work_order_tasks", task, "upsert"));
  g_assert_cmpint (audit_count (&fx, "work_order_tasks", task, "insert"), ==, 1);

  /* An HV task: a technician whose level-1 certification expired cannot
   * be assigned (422 technician_id), also not by PATCH; a valid one can. */
  certify (&fx, fx.tech_id, 1, "2019-01-01", "2020-01-01");
  g_free (body);
  body = g_strdup_printf ("{\"service_type_id\": \"%s\", \"technician_id\": \"%s\"}", fx.battery, fx.tech_id);
  vb_test_call_error (fx.server, "POST", path, fx.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = g_strdup_printf ("{\"service_type_id\": \"%s\", \"title\": \"Battery report\", \"priority\": \"high\"}", fx.battery);
  hv_task = add_task (&fx, order, fx.desk, body);
  {
    g_autofree char *hv_path = g_strdup_printf ("/api/v1/tasks/%s", hv_task);
    g_autofree char *assign = g_strdup_printf ("{\"version\": 1, \"technician_id\": \"%s\"}", fx.tech_id);
    g_autofree char *claim = g_strdup_printf ("/api/v1/tasks/%s/claim", hv_task);
    g_autoptr(JsonNode) assigned = NULL;

    vb_test_call_error (fx.server, "PATCH", hv_path, fx.desk, assign, 422, "validation_failed", "technician_id");
    vb_test_call_error (fx.server, "POST", claim, fx.tech, NULL, 422, "validation_failed", "technician_id");
    certify (&fx, fx.tech_id, 1, "2024-01-01", NULL);
    assigned = vb_test_call (fx.server, "PATCH", hv_path, fx.desk, assign, 200);
    g_assert_cmpstr (str_of (assigned, "technician_id"), ==, fx.tech_id);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (assigned), "position"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (assigned), "required_hv_level"), ==, 1);
    g_assert_cmpstr (str_of (assigned, "title"), ==, "Battery report");
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
    g_assert_cmpstr (str_of (patched, "title"), ==, "Rotate tires");
    g_assert_cmpint (json_object_get_int_member (vb_test_object (patched), "version"), ==, 2);
    vb_test_call_error (fx.server, "PATCH", task_path, fx.desk, "{\"version\": 1, \"title\": \"y\"}",
                        409, "version_conflict", NULL);
    vb_test_call_error (fx.server, "PATCH", task_path, fx.desk, "{\"version\": 2, \"status\": \"finished\"}",
                        422, "validation_failed", "status");
    g_assert_true (feed_has (fx.server, fx.manager, "work_order_tasks", task, "upsert"));
    g_assert_cmpint (audit_count (&fx, "work_order_tasks", task, "update"), ==, 1);

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
    g_assert_cmpstr (str_of (claimed, "technician_id"), ==, fx.tech2_id);
    again = vb_test_call (fx.server, "POST", claim, fx.tech2, NULL, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (again), "version"), ==,
                     json_object_get_int_member (vb_test_object (claimed), "version"));
    vb_test_call_error (fx.server, "POST", claim, fx.tech, NULL, 409, "conflict", "technician_id");
  }

  /* No new tasks on a cancelled order. */
  g_free (sql (&fx, "UPDATE work_orders SET status = 'cancelled', status_reason = 'customer left' WHERE id = $1::uuid",
               order, NULL, NULL));
  vb_test_call_error (fx.server, "POST", path, fx.desk, "{\"title\": \"late\"}", 409, "conflict", "status");
  fx_clear (&fx);
}

/* ---------------------------------------------------------------- queue --- */

static char *
queue_task (Fx         *fx,
            const char *order,
            const char *title,
            const char *priority,
            const char *promised_at,
            const char *technician)
{
  g_autoptr(GString) body = g_string_new (NULL);

  g_string_printf (body, "{\"title\": \"%s\", \"priority\": \"%s\"", title, priority);
  if (promised_at != NULL)
    g_string_append_printf (body, ", \"promised_at\": \"%s\"", promised_at);
  if (technician != NULL)
    g_string_append_printf (body, ", \"technician_id\": \"%s\"", technician);
  g_string_append (body, "}");
  return add_task (fx, order, fx->desk, body->str);
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
  Fx fx;
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

  fx_setup (&fx);
  old = work_order (&fx, "diagnosing");
  mid = work_order (&fx, "diagnosing");
  recent = work_order (&fx, "checked_in");
  closed = work_order (&fx, "diagnosing");
  g_free (sql (&fx, "UPDATE work_orders SET checked_in_at = now() - interval '3 hours' WHERE id = $1::uuid", old, NULL, NULL));
  g_free (sql (&fx, "UPDATE work_orders SET checked_in_at = now() - interval '2 hours',"
                    " promised_at = '2030-01-01T09:00:00Z' WHERE id = $1::uuid", mid, NULL, NULL));

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
  g_free (sql (&fx, "UPDATE work_orders SET status = 'cancelled', status_reason = 'no' WHERE id = $1::uuid",
               closed, NULL, NULL));

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
  fx_clear (&fx);
}

/* ------------------------------------------------------------ checklist --- */

static void
test_checklist (void)
{
  Fx fx;
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

  fx_setup (&fx);
  order = work_order (&fx, "diagnosing");
  task = service_task (&fx, order, fx.tire, NULL);
  tread = step_at (&fx, task, 1);

  /* Measurement: a value is needed; passed iff within min/max. */
  body = g_strdup_printf ("{\"step_id\": \"%s\"}", tread);
  record_error (&fx, fx.tech, task, body, 422, "validation_failed", "value");
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": -0.5, \"passed\": true}", tread);
  low = record (&fx, fx.tech, task, body, 201);
  g_assert_false (json_object_get_boolean_member (vb_test_object (low), "passed"));
  g_assert_cmpstr (str_of (low, "unit"), ==, "mm");
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 4.2, \"unit\": \"mm\", \"conditions\": \"dry\"}", tread);
  ok = record (&fx, fx.tech, task, body, 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (ok), "passed"));
  g_assert_cmpfloat (json_object_get_double_member (vb_test_object (ok), "value"), ==, 4.2);
  g_assert_true (feed_has (fx.server, fx.manager, "checklist_results", id_of (ok), "upsert"));
  g_assert_cmpint (audit_count (&fx, "checklist_results", id_of (ok), "insert"), ==, 1);
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 4, \"unit\": \"in\"}", tread);
  record_error (&fx, fx.tech, task, body, 422, "validation_failed", "unit");

  /* Check: passed is needed.  A step of another service: 422 step_id. */
  {
    g_autofree char *rotate = step_at (&fx, task, 2);
    g_autofree char *check = g_strdup_printf ("{\"step_id\": \"%s\"}", rotate);
    g_autofree char *foreign = sql (&fx, "SELECT id FROM service_type_steps WHERE service_type_id = $1::uuid"
                                         " AND position = 1", fx.cabin, NULL, NULL);
    g_autofree char *wrong = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", foreign);

    record_error (&fx, fx.tech, task, check, 422, "validation_failed", "passed");
    record_error (&fx, fx.tech, task, wrong, 422, "validation_failed", "step_id");
  }

  /* Roles and locations: reception 403, another location 404. */
  g_free (body);
  body = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 5}", tread);
  record_error (&fx, fx.desk, task, body, 403, "forbidden", NULL);
  record_error (&fx, fx.tech_b, task, body, 404, "not_found", NULL);

  /* Done is refused while a step has no result. */
  {
    g_autofree char *task_path = g_strdup_printf ("/api/v1/tasks/%s", task);
    g_autoptr(JsonNode) done = NULL;

    vb_test_call_error (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 1, \"status\": \"done\"}",
                        409, "conflict", "status");
    for (int position = 2; position <= 4; position++)
      {
        g_autofree char *step = step_at (&fx, task, position);
        g_autofree char *check = g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step);
        json_node_unref (record (&fx, fx.tech, task, check, 201));
      }
    checklist = task_call (&fx, "GET", fx.desk, task, "/checklist", NULL, 200);
    g_assert_true (json_object_get_boolean_member (vb_test_object (checklist), "complete"));
    steps = json_object_get_array_member (vb_test_object (checklist), "steps");
    g_assert_cmpuint (json_array_get_length (steps), ==, 4);
    /* The latest result of the tread step is the passed one. */
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       json_array_get_object_element (steps, 0), "result"), "id"), ==, id_of (ok));
    done = vb_test_call (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 1, \"status\": \"done\"}", 200);
    g_assert_cmpstr (str_of (done, "status"), ==, "done");
    vb_test_call_error (fx.server, "PATCH", task_path, fx.tech, "{\"version\": 2, \"status\": \"pending\"}",
                        409, "conflict", "status");
    /* A done task takes no more results. */
    record_error (&fx, fx.tech, task, body, 409, "conflict", "task_id");
  }

  /* Photo steps need an attachment (of this location). */
  photo_task = service_task (&fx, order, fx.cabin, NULL);
  {
    g_autofree char *step = step_at (&fx, photo_task, 1);
    g_autofree char *none = g_strdup_printf ("{\"step_id\": \"%s\"}", step);
    g_autofree char *bogus = g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, order);
    g_autofree char *with = NULL;
    g_autoptr(JsonNode) shot = NULL;

    photo = attachment (&fx);
    with = g_strdup_printf ("{\"step_id\": \"%s\", \"attachment_id\": \"%s\"}", step, photo);
    record_error (&fx, fx.tech, photo_task, none, 422, "validation_failed", "attachment_id");
    record_error (&fx, fx.tech, photo_task, bogus, 422, "validation_failed", "attachment_id");
    shot = record (&fx, fx.tech, photo_task, with, 201);
    g_assert_cmpstr (str_of (shot, "attachment_id"), ==, photo);
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

    mixed = g_strdup (id_of (st));
    mixed_task = service_task (&fx, order, mixed, NULL);
    s1 = step_at (&fx, mixed_task, 1);
    s2 = step_at (&fx, mixed_task, 2);
    s3 = step_at (&fx, mixed_task, 3);
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

    record_error (&fx, fx.tech, mixed_task, b3, 409, "conflict", "step_id");
    record_error (&fx, fx.tech, mixed_task, b2, 409, "conflict", "step_id");
    json_node_unref (record (&fx, fx.tech, mixed_task, b1_failed, 201));
    record_error (&fx, fx.tech, mixed_task, b2, 409, "conflict", "step_id");   /* step 1 failed */
    json_node_unref (record (&fx, fx.tech, mixed_task, b1, 201));
    record_error (&fx, fx.tech, mixed_task, b3, 409, "conflict", "step_id");
    json_node_unref (record (&fx, fx.tech, mixed_task, b2, 201));
    json_node_unref (record (&fx, fx.tech, mixed_task, b3, 201));
  }

  /* Results are recorded while the car is worked on. */
  waiting = work_order (&fx, NULL);
  {
    g_autofree char *t = service_task (&fx, waiting, fx.tire, NULL);
    g_autofree char *s = step_at (&fx, t, 1);
    g_autofree char *b = g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 5}", s);

    record_error (&fx, fx.tech, t, b, 409, "conflict", "status");
  }

  list = task_call (&fx, "GET", fx.tech_b, task, "/checklist", NULL, 404);
  fx_clear (&fx);
}

/* ------------------------------------------------------- quality checks --- */

static void
test_quality_checks (void)
{
  Fx fx;
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

  fx_setup (&fx);
  order = work_order (&fx, "diagnosing");
  path = g_strdup_printf ("/api/v1/work-orders/%s/quality-checks", order);
  task = service_task (&fx, order, fx.tire, fx.tech_id);

  /* Not in quality_check yet: 409 naming status. */
  vb_test_call_error (fx.server, "POST", path, fx.tech2, ok_body, 409, "conflict", "status");

  /* The technician does the work, the order moves to quality_check. */
  for (int position = 1; position <= 4; position++)
    {
      g_autofree char *step = step_at (&fx, task, position);
      g_autofree char *b = position == 1 ? g_strdup_printf ("{\"step_id\": \"%s\", \"value\": 6}", step)
                                         : g_strdup_printf ("{\"step_id\": \"%s\", \"passed\": true}", step);
      json_node_unref (record (&fx, fx.tech, task, b, 201));
    }
  json_node_unref (task_call (&fx, "PATCH", fx.tech, task, "", "{\"version\": 1, \"status\": \"done\"}", 200));
  g_free (sql (&fx, "UPDATE work_orders SET status = 'in_progress' WHERE id = $1::uuid", order, NULL, NULL));
  g_free (sql (&fx, "UPDATE work_orders SET status = 'quality_check' WHERE id = $1::uuid", order, NULL, NULL));

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
  g_assert_cmpstr (str_of (failed, "checked_by"), ==, fx.tech2_id);
  g_assert_true (feed_has (fx.server, fx.manager, "quality_checks", id_of (failed), "upsert"));
  g_assert_cmpint (audit_count (&fx, "quality_checks", id_of (failed), "insert"), ==, 1);
  passed = vb_test_call (fx.server, "POST", path, fx.manager, ok_body, 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (passed), "passed"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (passed), "items")), ==, 2);
  list = vb_test_call (fx.server, "GET", path, fx.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);
  vb_test_call_error (fx.server, "GET", path, fx.tech_b, NULL, 404, "not_found", NULL);
  g_free (sql (&fx, "UPDATE work_orders SET status = 'ready' WHERE id = $1::uuid", order, NULL, NULL));
  state = sql (&fx, "SELECT status FROM work_orders WHERE id = $1::uuid", order, NULL, NULL);
  g_assert_cmpstr (state, ==, "ready");
  fx_clear (&fx);
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
