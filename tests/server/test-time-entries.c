/* test-time-entries.c — the time clock and internal notes against the real
 * server: clock on/off, tenths rounded up (7 minutes = 0.2 h), one running
 * clock per technician (409, also for 50 concurrent clock-ons), overlapping
 * complete entries (409), clocking someone else (403 without staff.manage),
 * corrections, the labor summary, validation naming the field, scoping per
 * location (404), change feed and audit rows; notes append-only, their
 * author, and permissions per role.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* The floor and the orders and tasks the clock runs on. */
typedef struct
{
  VbTestFloor floor;   /* two technicians at HCM-1, one at HN-1 */
  char *work_order;    /* at HCM-1 */
  char *task1;         /* estimated 10 tenths */
  char *task2;         /* estimated 5 tenths */
  char *order_b;       /* at HN-1 */
  char *task_b;
  GDateTime *base;     /* two days ago, on the hour */
} Fx;

/* An RFC 3339 time minutes after fx->base. */
static char *
at (Fx  *fx,
    int  minutes)
{
  g_autoptr(GDateTime) t = g_date_time_add_minutes (fx->base, minutes);
  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
}

/* A task of work_order at its location, without a service type. */
static char *
insert_task (Fx         *fx,
             const char *work_order,
             const char *title,
             const char *estimated)
{
  return vb_test_sql (fx->floor.server,
                      "INSERT INTO work_order_tasks (work_order_id, location_id, title, estimated_tenths)"
                      " SELECT $1::uuid, location_id, $2, $3::int FROM work_orders WHERE id = $1::uuid RETURNING id",
                      work_order, title, estimated, NULL);
}

/* A customer of location with a vehicle plated plate; its work order. */
static char *
order_at (Fx         *fx,
          const char *location,
          const char *plate)
{
  g_autofree char *members = g_strdup_printf ("\"plate\": \"%s\"", plate);
  g_autofree char *customer = NULL;
  g_autofree char *vehicle = NULL;

  vb_test_floor_add_customer (&fx->floor, fx->floor.admin, location, "Minh", members, &customer, &vehicle);
  return vb_test_floor_order_at (&fx->floor, location, customer, vehicle);
}

static void
fx_setup (Fx *fx)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) earlier = g_date_time_add_days (now, -2);

  memset (fx, 0, sizeof *fx);
  fx->base = g_date_time_new_utc (g_date_time_get_year (earlier), g_date_time_get_month (earlier),
                                  g_date_time_get_day_of_month (earlier), g_date_time_get_hour (earlier), 0, 0);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_TECH2 | VB_TEST_FLOOR_TECH_B);
  fx->work_order = order_at (fx, fx->floor.a, "51A-12345");
  fx->task1 = insert_task (fx, fx->work_order, "Replace cabin filter", "10");
  fx->task2 = insert_task (fx, fx->work_order, "Rotate tires", "5");
  fx->order_b = order_at (fx, fx->floor.b, "29A-54321");
  fx->task_b = insert_task (fx, fx->order_b, "Brake fluid", "3");
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->work_order); g_free (fx->task1); g_free (fx->task2); g_free (fx->order_b); g_free (fx->task_b);
  g_date_time_unref (fx->base);
}

/* A complete entry body on task from minute a to minute b after fx->base. */
static char *
complete_body (Fx         *fx,
               const char *task,
               const char *technician,
               int         from,
               int         to)
{
  g_autofree char *s = at (fx, from);
  g_autofree char *e = at (fx, to);
  g_autofree char *tech = technician ? g_strdup_printf (", \"technician_id\": \"%s\"", technician) : g_strdup ("");

  return g_strdup_printf ("{\"task_id\": \"%s\", \"started_at\": \"%s\", \"ended_at\": \"%s\"%s}",
                          task, s, e, tech);
}

/* ------------------------------------------------------------ clock --- */

static void
test_clock_on_off (void)
{
  Fx fx;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *off = NULL;
  g_autoptr(JsonNode) on = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) stopped = NULL;
  g_autoptr(JsonNode) seven = NULL;
  g_autoptr(JsonNode) running_list = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) fixed = NULL;
  g_autoptr(JsonNode) charging = NULL;
  g_autoptr(JsonNode) stale = NULL;
  JsonObject *o, *details;
  guint status = 0;

  fx_setup (&fx);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  on = vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, 201);
  o = vb_test_object (on);
  g_assert_true (json_object_get_boolean_member (o, "running"));
  g_assert_true (json_object_get_null_member (o, "ended_at"));
  g_assert_true (json_object_get_null_member (o, "tenths"));
  g_assert_cmpstr (json_object_get_string_member (o, "technician_id"), ==, fx.floor.tech_id);
  g_assert_cmpstr (json_object_get_string_member (o, "work_order_id"), ==, fx.work_order);
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, fx.floor.a);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "productive");
  path = g_strdup_printf ("/api/v1/time-entries/%s", vb_test_id_of (on));
  off = g_strconcat (path, "/clock-off", NULL);

  /* A second clock, even on another task: 409 naming technician_id, with the running one. */
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task2);
  again = vb_test_request (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (again, "conflict", "technician_id");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (vb_test_object (again), "error"),
                                                           "message"), "already running"));
  details = json_object_get_object_member (json_object_get_object_member (vb_test_object (again), "error"), "details");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (details, "running"), "id"), ==, vb_test_id_of (on));

  running_list = vb_test_call (fx.floor.server, "GET", "/api/v1/time-entries?technician_id=me&running=true", fx.floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (running_list), "items")), ==, 1);

  /* Clock off: ended, tenths counted (at least one started tenth). */
  stopped = vb_test_call (fx.floor.server, "POST", off, fx.floor.tech, NULL, 200);
  o = vb_test_object (stopped);
  g_assert_false (json_object_get_boolean_member (o, "running"));
  g_assert_cmpint (json_object_get_int_member (o, "tenths"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "hours"), ==, "0.1");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  vb_test_call_error (fx.floor.server, "POST", off, fx.floor.tech, NULL, 409, "conflict", "ended_at");

  /* 7 minutes = 0.2 h (a started tenth counts). */
  g_free (body);
  body = complete_body (&fx, fx.task2, NULL, 0, 7);
  seven = vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 201);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (seven), "tenths"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (seven), "hours"), ==, "0.2");
  /* Overlapping it: 409 naming started_at; back to back is fine. */
  g_free (body);
  body = complete_body (&fx, fx.task1, NULL, 5, 20);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 409, "conflict", "started_at");
  g_free (body);
  body = complete_body (&fx, fx.task1, NULL, 7, 70);
  {
    g_autoptr(JsonNode) hour = vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 201);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (hour), "tenths"), ==, 11);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (hour), "hours"), ==, "1.1");
  }

  /* Corrections: 7 → 12 minutes (0.2 h); a stale version is 409 with the record. */
  {
    g_autofree char *seven_path = g_strdup_printf ("/api/v1/time-entries/%s", vb_test_id_of (seven));
    g_autofree char *end = at (&fx, -30);
    g_autofree char *start = at (&fx, -48);
    g_autofree char *patch = g_strdup_printf ("{\"version\": 1, \"started_at\": \"%s\", \"ended_at\": \"%s\","
                                              " \"notes\": \"forgot to clock\"}", start, end);
    fixed = vb_test_call (fx.floor.server, "PATCH", seven_path, fx.floor.tech, patch, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (fixed), "tenths"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (fixed), "notes"), ==, "forgot to clock");
    stale = vb_test_request (fx.floor.server, "PATCH", seven_path, fx.floor.tech, patch, &status);
    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (stale, "version_conflict", NULL);
    g_free (patch);
    /* Overlapping the hour-long entry. */
    g_free (end);
    end = at (&fx, 10);
    patch = g_strdup_printf ("{\"version\": 2, \"ended_at\": \"%s\"}", end);
    vb_test_call_error (fx.floor.server, "PATCH", seven_path, fx.floor.tech, patch, 409, "conflict", "started_at");
  }

  /* Non-productive time outside a work order needs a location. */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"training\", \"location_id\": \"%s\"}", fx.floor.a);
  charging = vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, 201);
  g_assert_true (json_object_get_null_member (vb_test_object (charging), "work_order_id"));
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (charging), "location_id"), ==, fx.floor.a);
  {
    g_autofree char *charging_off = g_strdup_printf ("/api/v1/time-entries/%s/clock-off", vb_test_id_of (charging));
    g_autoptr(JsonNode) done = vb_test_call (fx.floor.server, "POST", charging_off, fx.floor.tech,
                                             "{\"notes\": \"HV course\", \"version\": 1}", 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (done), "notes"), ==, "HV course");
  }

  mine = vb_test_call (fx.floor.server, "GET", "/api/v1/time-entries?me=true", fx.floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 4);

  /* Change feed and audit rows, with actor and request id. */
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.manager, "time_entries", vb_test_id_of (on), NULL));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "time_entries", vb_test_id_of (on), "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "time_entries", vb_test_id_of (on), "update"), ==, 1);
  fx_clear (&fx);
}

static void
test_validation (void)
{
  Fx fx;
  g_autofree char *body = NULL;
  g_autofree char *start = NULL;
  g_autofree char *future = NULL;
  struct { const char *body; const char *field; } cases[] = {
    { "{}", "task_id" },
    { "{\"kind\": \"napping\", \"location_id\": \"%L\"}", "kind" },
    { "{\"kind\": \"other\"}", "location_id" },
    { "{\"task_id\": \"not-a-uuid\"}", "task_id" },
    { "{\"task_id\": \"%T\", \"started_at\": \"yesterday\"}", "started_at" },
    { "{\"task_id\": \"%T\", \"ended_at\": \"2026-01-01T00:00:00Z\"}", "ended_at" },
    { "{\"task_id\": \"%T\", \"notes\": 5}", "notes" },
    { "{\"task_id\": \"00000000-0000-4000-8000-000000000000\"}", "task_id" },
    { "{\"kind\": \"charging\", \"work_order_id\": \"00000000-0000-4000-8000-000000000000\"}", "work_order_id" },
    { "{\"kind\": \"cleaning\", \"location_id\": \"00000000-0000-4000-8000-000000000000\"}", "location_id" },
    { "{\"task_id\": \"%T\", \"started_at\": \"%F\"}", "started_at" },
  };

  fx_setup (&fx);
  start = at (&fx, 0);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) later = g_date_time_add_hours (now, 1);
    future = g_date_time_format (later, "%Y-%m-%dT%H:%M:%SZ");
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) b = g_string_new (cases[i].body);

      g_string_replace (b, "%L", fx.floor.a, 0);
      g_string_replace (b, "%T", fx.task1, 0);
      g_string_replace (b, "%F", future, 0);
      g_test_message ("case %u: %s", i, b->str);
      vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, b->str, 422,
                          "validation_failed", cases[i].field);
    }
  /* Only someone who may clock others learns that a technician does not exist. */
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"technician_id\": \"00000000-0000-4000-8000-000000000000\"}",
                          fx.task1);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.manager, body, 422,
                      "validation_failed", "technician_id");
  g_free (body);
  /* Complete entries need both ends, the end after the start. */
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"started_at\": \"%s\"}", fx.task1, start);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 422, "validation_failed", "ended_at");
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"started_at\": \"%s\", \"ended_at\": \"%s\"}", fx.task1, start, start);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 422, "validation_failed", "ended_at");
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/time-entries?running=maybe", fx.floor.tech, NULL, 422,
                      "validation_failed", "running");
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/time-entries?from=soon", fx.floor.tech, NULL, 422,
                      "validation_failed", "from");
  /* A closed work order takes no new clock. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.floor.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "UPDATE work_orders SET status = 'cancelled', status_reason = 'customer left' WHERE id = $1::uuid", fx.work_order);
    g_assert_no_error (error);
  }
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, 409, "conflict", "work_order_id");
  fx_clear (&fx);
}

/* ------------------------------------------------------- who and where --- */

static void
test_scope_and_roles (void)
{
  Fx fx;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_a = NULL;
  g_autoptr(JsonNode) by_manager = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autoptr(JsonNode) fixed = NULL;

  fx_setup (&fx);
  /* A technician may not clock someone else on; a manager (staff.manage) may. */
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"technician_id\": \"%s\"}", fx.task1, fx.floor.tech2_id);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech, body, 403, "forbidden", NULL);
  by_manager = vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.manager, body, 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (by_manager), "technician_id"), ==, fx.floor.tech2_id);
  path = g_strdup_printf ("/api/v1/time-entries/%s", vb_test_id_of (by_manager));

  /* Reception has no time.write. */
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.desk, body, 403, "forbidden", NULL);

  /* Another technician may not correct or stop it; the owner and the manager may. */
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.tech, "{\"version\": 1, \"notes\": \"x\"}", 403, "forbidden", NULL);
  {
    g_autofree char *off = g_strconcat (path, "/clock-off", NULL);
    vb_test_call_error (fx.floor.server, "POST", off, fx.floor.tech, NULL, 403, "forbidden", NULL);
  }
  fixed = vb_test_call (fx.floor.server, "PATCH", path, fx.floor.manager, "{\"version\": 1, \"kind\": \"waiting_parts\"}", 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (fixed), "kind"), ==, "waiting_parts");
  json_node_unref (vb_test_call (fx.floor.server, "PATCH", path, fx.floor.tech2, "{\"version\": 2, \"notes\": \"mine\"}", 200));

  /* HN-1 sees nothing of HCM-1: 404 on the entry, empty lists, no such task. */
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.tech_b, "{\"version\": 3, \"notes\": \"y\"}", 404, "not_found", NULL);
  list_a = g_strdup_printf ("/api/v1/time-entries?location_id=%s", fx.floor.a);
  listed = vb_test_call (fx.floor.server, "GET", list_a, fx.floor.tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (listed), "items")), ==, 0);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech_b, body, 422,
                      "validation_failed", "task_id");
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"cleaning\", \"location_id\": \"%s\"}", fx.floor.a);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech_b, body, 403, "forbidden", NULL);
  {
    g_autofree char *labor = g_strdup_printf ("/api/v1/work-orders/%s/labor", fx.work_order);
    vb_test_call_error (fx.floor.server, "GET", labor, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  }
  json_node_unref (vb_test_call (fx.floor.server, "GET", "/api/v1/time-entries", NULL, NULL, 401));
  fx_clear (&fx);
}

/* ---------------------------------------------------------- concurrency --- */

static void
test_concurrent_clock_on (void)
{
  Fx fx;
  enum { N = 50 };
  guint created = 0, conflicts = 0;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) running = NULL;

  fx_setup (&fx);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  vb_test_post_race (fx.floor.server, "/api/v1/time-entries/clock-on", fx.floor.tech, body, N, NULL,
                     &created, &conflicts);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, N - 1);
  running = vb_test_call (fx.floor.server, "GET", "/api/v1/time-entries?technician_id=me&running=true", fx.floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (running), "items")), ==, 1);
  fx_clear (&fx);
}

/* ---------------------------------------------------------------- labor --- */

static JsonObject *
task_row (JsonArray  *tasks,
          const char *id)
{
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonObject *t = json_array_get_object_element (tasks, i);
      if (g_str_equal (json_object_get_string_member (t, "task_id"), id))
        return t;
    }
  g_assert_not_reached ();
}

static void
test_labor (void)
{
  Fx fx;
  g_autofree char *path = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) labor = NULL;
  JsonObject *o, *t1, *t2, *np;
  JsonArray *techs;

  fx_setup (&fx);
  /* task1 (est. 10): tech 30 min = 5, tech2 21 min = 4 (3.5 up); task2 (est. 5): tech 12 min = 2. */
  g_free (body); body = complete_body (&fx, fx.task1, NULL, 0, 30);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 201));
  g_free (body); body = complete_body (&fx, fx.task1, NULL, 0, 21);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech2, body, 201));
  g_free (body); body = complete_body (&fx, fx.task2, NULL, 30, 42);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 201));
  /* 6 minutes charging on the order (1 tenth), and tech2 still clocked on task2. */
  start = at (&fx, 60);
  end = at (&fx, 66);
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"charging\", \"work_order_id\": \"%s\", \"started_at\": \"%s\","
                          " \"ended_at\": \"%s\"}", fx.work_order, start, end);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries", fx.floor.tech, body, 201));
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task2);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/time-entries/clock-on", fx.floor.tech2, body, 201));

  path = g_strdup_printf ("/api/v1/work-orders/%s/labor", fx.work_order);
  labor = vb_test_call (fx.floor.server, "GET", path, fx.floor.desk, NULL, 200);
  o = vb_test_object (labor);
  g_assert_cmpstr (json_object_get_string_member (o, "work_order_id"), ==, fx.work_order);
  g_assert_cmpint (json_object_get_int_member (o, "estimated_tenths"), ==, 15);
  g_assert_cmpint (json_object_get_int_member (o, "clocked_tenths"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (o, "non_productive_tenths"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "efficiency"), ==, "1.36");
  t1 = task_row (json_object_get_array_member (o, "tasks"), fx.task1);
  g_assert_cmpint (json_object_get_int_member (t1, "estimated_tenths"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (t1, "clocked_tenths"), ==, 9);
  g_assert_cmpstr (json_object_get_string_member (t1, "efficiency"), ==, "1.11");
  techs = json_object_get_array_member (t1, "technicians");
  g_assert_cmpuint (json_array_get_length (techs), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *share = json_array_get_object_element (techs, i);
      gboolean first = g_str_equal (json_object_get_string_member (share, "technician_id"), fx.floor.tech_id);
      g_assert_cmpint (json_object_get_int_member (share, "clocked_tenths"), ==, first ? 5 : 4);
      g_assert_false (json_object_get_boolean_member (share, "running"));
    }
  t2 = task_row (json_object_get_array_member (o, "tasks"), fx.task2);
  g_assert_cmpint (json_object_get_int_member (t2, "clocked_tenths"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (t2, "efficiency"), ==, "2.50");
  techs = json_object_get_array_member (t2, "technicians");
  g_assert_cmpuint (json_array_get_length (techs), ==, 2);
  np = json_array_get_object_element (json_object_get_array_member (o, "non_productive"), 0);
  g_assert_cmpstr (json_object_get_string_member (np, "kind"), ==, "charging");
  g_assert_cmpint (json_object_get_int_member (np, "tenths"), ==, 1);

  /* An order without time: zeros and no efficiency. */
  {
    g_autofree char *path_b = g_strdup_printf ("/api/v1/work-orders/%s/labor", fx.order_b);
    g_autoptr(JsonNode) empty = vb_test_call (fx.floor.server, "GET", path_b, fx.floor.tech_b, NULL, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (empty), "clocked_tenths"), ==, 0);
    g_assert_true (json_object_get_null_member (vb_test_object (empty), "efficiency"));
    vb_test_call_error (fx.floor.server, "GET", path_b, fx.floor.tech, NULL, 404, "not_found", NULL);
  }
  fx_clear (&fx);
}

/* ---------------------------------------------------------------- notes --- */

static void
test_notes (void)
{
  Fx fx;
  g_autofree char *path = NULL;
  g_autofree char *path_b = NULL;
  g_autofree char *viewer = NULL;
  g_autofree char *long_body = NULL;
  g_autofree char *desk_id = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) page = NULL;
  JsonArray *items;

  fx_setup (&fx);
  path = g_strdup_printf ("/api/v1/work-orders/%s/notes", fx.work_order);
  path_b = g_strdup_printf ("/api/v1/work-orders/%s/notes", fx.order_b);
  desk_id = vb_test_me_id (fx.floor.server, fx.floor.desk);

  first = vb_test_call (fx.floor.server, "POST", path, fx.floor.desk, "{\"body\": \"Customer waits in the lounge\"}", 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (first), "author_id"), ==, desk_id);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (first), "location_id"), ==, fx.floor.a);
  /* The author is always the caller, whatever the body says. */
  second = vb_test_call (fx.floor.server, "POST", path, fx.floor.tech,
                         "{\"body\": \"Cabin filter was soaked\", \"author_id\": \"00000000-0000-4000-8000-000000000000\"}", 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (second), "author_id"), ==, fx.floor.tech_id);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (second), "author_name"), !=, NULL);

  list = vb_test_call (fx.floor.server, "GET", path, fx.floor.manager, NULL, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, vb_test_id_of (first));
  {
    g_autofree char *limited = g_strconcat (path, "?limit=1", NULL);
    page = vb_test_call (fx.floor.server, "GET", limited, fx.floor.manager, NULL, 200);
    g_assert_nonnull (json_object_get_string_member (vb_test_object (page), "next_cursor"));
  }

  /* Validation. */
  long_body = g_strnfill (4001, 'x');
  {
    g_autofree char *too_long = g_strdup_printf ("{\"body\": \"%s\"}", long_body);
    vb_test_call_error (fx.floor.server, "POST", path, fx.floor.tech, too_long, 422, "validation_failed", "body");
  }
  vb_test_call_error (fx.floor.server, "POST", path, fx.floor.tech, "{\"body\": \"\"}", 422, "validation_failed", "body");
  vb_test_call_error (fx.floor.server, "POST", path, fx.floor.tech, "{}", 422, "validation_failed", "body");

  /* Append-only, even for the database's own users. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.floor.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "UPDATE work_order_notes SET body = 'rewritten' WHERE id = $1::uuid", vb_test_id_of (first));
    g_assert_null (res);
    g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  }
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.tech, "{\"body\": \"x\"}", 405, "method_not_allowed", NULL);

  /* Scope: another location's order is 404; read-only roles may not write. */
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "POST", path, fx.floor.tech_b, "{\"body\": \"hi\"}", 404, "not_found", NULL);
  json_node_unref (vb_test_call (fx.floor.server, "POST", path_b, fx.floor.tech_b, "{\"body\": \"ours\"}", 201));
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/roles", fx.floor.admin,
                                 "{\"name\": \"viewer\", \"permissions\": [\"work_orders.read\"]}", 201));
  viewer = vb_test_user_token (fx.floor.server, "viewer@example.com", "viewer", "HCM-1");
  json_node_unref (vb_test_call (fx.floor.server, "GET", path, viewer, NULL, 200));
  vb_test_call_error (fx.floor.server, "POST", path, viewer, "{\"body\": \"hi\"}", 403, "forbidden", NULL);
  json_node_unref (vb_test_call (fx.floor.server, "GET", path, NULL, NULL, 401));

  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.manager, "work_order_notes", vb_test_id_of (first), NULL));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "work_order_notes", vb_test_id_of (second), "insert"), ==, 1);
  fx_clear (&fx);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/time-entries/clock-on-off", test_clock_on_off);
  g_test_add_func ("/time-entries/validation", test_validation);
  g_test_add_func ("/time-entries/scope-and-roles", test_scope_and_roles);
  g_test_add_func ("/time-entries/concurrent-clock-on", test_concurrent_clock_on);
  g_test_add_func ("/time-entries/labor", test_labor);
  g_test_add_func ("/notes/append-only-and-roles", test_notes);
  return g_test_run ();
}
