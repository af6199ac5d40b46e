/* test-time-entries.c — the time clock and internal notes against the real
 * server: clock on/off, tenths rounded up (7 minutes = 0.2 h), one running
 * clock per technician (409, also for 50 concurrent clock-ons), overlapping
 * complete entries (409), clocking someone else (403 without staff.manage),
 * corrections, the labor summary, validation naming the field, scoping per
 * location (404), change feed and audit rows; notes append-only, their
 * author, and permissions per role.
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

static char *
me_id (VbTestServer *server,
       const char   *token)
{
  g_autoptr(JsonNode) me = vb_test_call (server, "GET", "/api/v1/me", token, NULL, 200);
  return g_strdup (id_of (me));
}

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

static gboolean
feed_has (VbTestServer *server,
          const char   *token,
          const char   *entity,
          const char   *id)
{
  g_autoptr(JsonNode) reply = vb_test_call (server, "GET", "/api/v1/changes?limit=500", token, NULL, 200);
  JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      if (g_str_equal (json_object_get_string_member (item, "entity"), entity)
          && g_str_equal (json_object_get_string_member (item, "id"), id))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  VbTestServer *server;
  char *admin;
  char *a;             /* HCM-1 */
  char *b;             /* HN-1 */
  char *manager;       /* HCM-1 */
  char *desk;          /* reception at HCM-1 */
  char *tech;          /* technician at HCM-1 */
  char *tech_id;
  char *tech2;         /* another technician at HCM-1 */
  char *tech2_id;
  char *tech_b;        /* technician at HN-1 */
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

static char *
insert_work_order (Fx         *fx,
                   const char *location,
                   const char *customer,
                   const char *vehicle)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error,
    "INSERT INTO work_orders (location_id, customer_id, vehicle_id) VALUES ($1::uuid, $2::uuid, $3::uuid)"
    " RETURNING id", location, customer, vehicle);

  g_assert_no_error (error);
  return g_strdup (vb_db_get (res, 0, 0));
}

static char *
insert_task (Fx         *fx,
             const char *work_order,
             const char *title,
             const char *estimated)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error,
    "INSERT INTO work_order_tasks (work_order_id, location_id, title, estimated_tenths)"
    " SELECT $1::uuid, location_id, $2, $3::int FROM work_orders WHERE id = $1::uuid RETURNING id",
    work_order, title, estimated);

  g_assert_no_error (error);
  return g_strdup (vb_db_get (res, 0, 0));
}

static void
customer_and_vehicle (Fx          *fx,
                      const char  *location,
                      const char  *plate,
                      char       **customer,
                      char       **vehicle)
{
  g_autofree char *c_body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                                             " \"given_name\": \"Minh\", \"family_name\": \"Nguyen\","
                                             " \"phones\": [\"0901234567\"]}", location);
  g_autoptr(JsonNode) c = vb_test_call (fx->server, "POST", "/api/v1/customers", fx->admin, c_body, 201);
  g_autofree char *v_body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"%s\"}", id_of (c), plate);
  g_autoptr(JsonNode) v = vb_test_call (fx->server, "POST", "/api/v1/vehicles", fx->admin, v_body, 201);

  *customer = g_strdup (id_of (c));
  *vehicle = g_strdup (id_of (v));
}

static void
fx_setup (Fx *fx)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) earlier = g_date_time_add_days (now, -2);
  g_autofree char *cust = NULL, *veh = NULL, *cust_b = NULL, *veh_b = NULL;

  memset (fx, 0, sizeof *fx);
  fx->base = g_date_time_new_utc (g_date_time_get_year (earlier), g_date_time_get_month (earlier),
                                  g_date_time_get_day_of_month (earlier), g_date_time_get_hour (earlier), 0, 0);
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
  fx->tech_b = vb_test_user_token (fx->server, "tech-b@example.com", "technician", "HN-1");
  customer_and_vehicle (fx, fx->a, "51A-12345", &cust, &veh);
  customer_and_vehicle (fx, fx->b, "29A-54321", &cust_b, &veh_b);
  fx->work_order = insert_work_order (fx, fx->a, cust, veh);
  fx->task1 = insert_task (fx, fx->work_order, "Replace cabin filter", "10");
  fx->task2 = insert_task (fx, fx->work_order, "Rotate tires", "5");
  fx->order_b = insert_work_order (fx, fx->b, cust_b, veh_b);
  fx->task_b = insert_task (fx, fx->order_b, "Brake fluid", "3");
}

static void
fx_clear (Fx *fx)
{
  vb_test_server_stop (fx->server);
  g_free (fx->admin); g_free (fx->a); g_free (fx->b); g_free (fx->manager); g_free (fx->desk);
  g_free (fx->tech); g_free (fx->tech_id); g_free (fx->tech2); g_free (fx->tech2_id); g_free (fx->tech_b);
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
  on = vb_test_call (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, 201);
  o = vb_test_object (on);
  g_assert_true (json_object_get_boolean_member (o, "running"));
  g_assert_true (json_object_get_null_member (o, "ended_at"));
  g_assert_true (json_object_get_null_member (o, "tenths"));
  g_assert_cmpstr (json_object_get_string_member (o, "technician_id"), ==, fx.tech_id);
  g_assert_cmpstr (json_object_get_string_member (o, "work_order_id"), ==, fx.work_order);
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, fx.a);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "productive");
  path = g_strdup_printf ("/api/v1/time-entries/%s", id_of (on));
  off = g_strconcat (path, "/clock-off", NULL);

  /* A second clock, even on another task: 409 naming technician_id, with the running one. */
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task2);
  again = vb_test_request (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (again, "conflict", "technician_id");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (vb_test_object (again), "error"),
                                                           "message"), "already running"));
  details = json_object_get_object_member (json_object_get_object_member (vb_test_object (again), "error"), "details");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (details, "running"), "id"), ==, id_of (on));

  running_list = vb_test_call (fx.server, "GET", "/api/v1/time-entries?technician_id=me&running=true", fx.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (running_list), "items")), ==, 1);

  /* Clock off: ended, tenths counted (at least one started tenth). */
  stopped = vb_test_call (fx.server, "POST", off, fx.tech, NULL, 200);
  o = vb_test_object (stopped);
  g_assert_false (json_object_get_boolean_member (o, "running"));
  g_assert_cmpint (json_object_get_int_member (o, "tenths"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "hours"), ==, "0.1");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  vb_test_call_error (fx.server, "POST", off, fx.tech, NULL, 409, "conflict", "ended_at");

  /* 7 minutes = 0.2 h (a started tenth counts). */
  g_free (body);
  body = complete_body (&fx, fx.task2, NULL, 0, 7);
  seven = vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 201);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (seven), "tenths"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (seven), "hours"), ==, "0.2");
  /* Overlapping it: 409 naming started_at; back to back is fine. */
  g_free (body);
  body = complete_body (&fx, fx.task1, NULL, 5, 20);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 409, "conflict", "started_at");
  g_free (body);
  body = complete_body (&fx, fx.task1, NULL, 7, 70);
  {
    g_autoptr(JsonNode) hour = vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 201);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (hour), "tenths"), ==, 11);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (hour), "hours"), ==, "1.1");
  }

  /* Corrections: 7 → 12 minutes (0.2 h); a stale version is 409 with the record. */
  {
    g_autofree char *seven_path = g_strdup_printf ("/api/v1/time-entries/%s", id_of (seven));
    g_autofree char *end = at (&fx, -30);
    g_autofree char *start = at (&fx, -48);
    g_autofree char *patch = g_strdup_printf ("{\"version\": 1, \"started_at\": \"%s\", \"ended_at\": \"%s\","
                                              " \"notes\": \"forgot to clock\"}", start, end);
    fixed = vb_test_call (fx.server, "PATCH", seven_path, fx.tech, patch, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (fixed), "tenths"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (fixed), "notes"), ==, "forgot to clock");
    stale = vb_test_request (fx.server, "PATCH", seven_path, fx.tech, patch, &status);
    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (stale, "version_conflict", NULL);
    g_free (patch);
    /* Overlapping the hour-long entry. */
    g_free (end);
    end = at (&fx, 10);
    patch = g_strdup_printf ("{\"version\": 2, \"ended_at\": \"%s\"}", end);
    vb_test_call_error (fx.server, "PATCH", seven_path, fx.tech, patch, 409, "conflict", "started_at");
  }

  /* Non-productive time outside a work order needs a location. */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"training\", \"location_id\": \"%s\"}", fx.a);
  charging = vb_test_call (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, 201);
  g_assert_true (json_object_get_null_member (vb_test_object (charging), "work_order_id"));
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (charging), "location_id"), ==, fx.a);
  {
    g_autofree char *charging_off = g_strdup_printf ("/api/v1/time-entries/%s/clock-off", id_of (charging));
    g_autoptr(JsonNode) done = vb_test_call (fx.server, "POST", charging_off, fx.tech,
                                             "{\"notes\": \"HV course\", \"version\": 1}", 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (done), "notes"), ==, "HV course");
  }

  mine = vb_test_call (fx.server, "GET", "/api/v1/time-entries?me=true", fx.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 4);

  /* Change feed and audit rows, with actor and request id. */
  g_assert_true (feed_has (fx.server, fx.manager, "time_entries", id_of (on)));
  g_assert_cmpint (audit_count (fx.server, "time_entries", id_of (on), "insert"), ==, 1);
  g_assert_cmpint (audit_count (fx.server, "time_entries", id_of (on), "update"), ==, 1);
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

      g_string_replace (b, "%L", fx.a, 0);
      g_string_replace (b, "%T", fx.task1, 0);
      g_string_replace (b, "%F", future, 0);
      g_test_message ("case %u: %s", i, b->str);
      vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, b->str, 422,
                          "validation_failed", cases[i].field);
    }
  /* Only someone who may clock others learns that a technician does not exist. */
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"technician_id\": \"00000000-0000-4000-8000-000000000000\"}",
                          fx.task1);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.manager, body, 422,
                      "validation_failed", "technician_id");
  g_free (body);
  /* Complete entries need both ends, the end after the start. */
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"started_at\": \"%s\"}", fx.task1, start);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 422, "validation_failed", "ended_at");
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"started_at\": \"%s\", \"ended_at\": \"%s\"}", fx.task1, start, start);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 422, "validation_failed", "ended_at");
  vb_test_call_error (fx.server, "GET", "/api/v1/time-entries?running=maybe", fx.tech, NULL, 422,
                      "validation_failed", "running");
  vb_test_call_error (fx.server, "GET", "/api/v1/time-entries?from=soon", fx.tech, NULL, 422,
                      "validation_failed", "from");
  /* A closed work order takes no new clock. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "UPDATE work_orders SET status = 'cancelled', status_reason = 'customer left' WHERE id = $1::uuid", fx.work_order);
    g_assert_no_error (error);
  }
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, 409, "conflict", "work_order_id");
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
  body = g_strdup_printf ("{\"task_id\": \"%s\", \"technician_id\": \"%s\"}", fx.task1, fx.tech2_id);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech, body, 403, "forbidden", NULL);
  by_manager = vb_test_call (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.manager, body, 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (by_manager), "technician_id"), ==, fx.tech2_id);
  path = g_strdup_printf ("/api/v1/time-entries/%s", id_of (by_manager));

  /* Reception has no time.write. */
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.desk, body, 403, "forbidden", NULL);

  /* Another technician may not correct or stop it; the owner and the manager may. */
  vb_test_call_error (fx.server, "PATCH", path, fx.tech, "{\"version\": 1, \"notes\": \"x\"}", 403, "forbidden", NULL);
  {
    g_autofree char *off = g_strconcat (path, "/clock-off", NULL);
    vb_test_call_error (fx.server, "POST", off, fx.tech, NULL, 403, "forbidden", NULL);
  }
  fixed = vb_test_call (fx.server, "PATCH", path, fx.manager, "{\"version\": 1, \"kind\": \"waiting_parts\"}", 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (fixed), "kind"), ==, "waiting_parts");
  json_node_unref (vb_test_call (fx.server, "PATCH", path, fx.tech2, "{\"version\": 2, \"notes\": \"mine\"}", 200));

  /* HN-1 sees nothing of HCM-1: 404 on the entry, empty lists, no such task. */
  vb_test_call_error (fx.server, "GET", path, fx.tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "PATCH", path, fx.tech_b, "{\"version\": 3, \"notes\": \"y\"}", 404, "not_found", NULL);
  list_a = g_strdup_printf ("/api/v1/time-entries?location_id=%s", fx.a);
  listed = vb_test_call (fx.server, "GET", list_a, fx.tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (listed), "items")), ==, 0);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech_b, body, 422,
                      "validation_failed", "task_id");
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"cleaning\", \"location_id\": \"%s\"}", fx.a);
  vb_test_call_error (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech_b, body, 403, "forbidden", NULL);
  {
    g_autofree char *labor = g_strdup_printf ("/api/v1/work-orders/%s/labor", fx.work_order);
    vb_test_call_error (fx.server, "GET", labor, fx.tech_b, NULL, 404, "not_found", NULL);
  }
  json_node_unref (vb_test_call (fx.server, "GET", "/api/v1/time-entries", NULL, NULL, 401));
  fx_clear (&fx);
}

/* ---------------------------------------------------------- concurrency --- */

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
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Connected first, one at a time, so that the clock-ons race on open connections. */
  g_mutex_lock (job->lock);
  {
    g_autoptr(SoupMessage) warm = soup_message_new ("GET", job->warm_url);
    g_autoptr(GBytes) warm_reply = soup_session_send_and_read (session, warm, NULL, &error);

    g_assert_no_error (error);
  }
  while (!*job->go)
    g_cond_wait (job->cond, job->lock);
  g_mutex_unlock (job->lock);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  job->status = soup_message_get_status (msg);
  return NULL;
}

static void
test_concurrent_clock_on (void)
{
  Fx fx;
  enum { N = 50 };
  Job jobs[N];
  GThread *threads[N];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, conflicts = 0;
  g_autofree char *url = NULL;
  g_autofree char *warm_url = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) running = NULL;

  fx_setup (&fx);
  url = g_strdup_printf ("%s/api/v1/time-entries/clock-on", fx.server->base_url);
  warm_url = g_strdup_printf ("%s/healthz", fx.server->base_url);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task1);
  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N; i++)
    {
      jobs[i] = (Job) { url, warm_url, fx.tech, body, &lock, &cond, &go, 0 };
      threads[i] = g_thread_new ("clock-on", post_thread, &jobs[i]);
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
      else if (jobs[i].status == 409)
        conflicts++;
      else
        g_test_message ("unexpected status %u", jobs[i].status);
    }
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, N - 1);
  running = vb_test_call (fx.server, "GET", "/api/v1/time-entries?technician_id=me&running=true", fx.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (running), "items")), ==, 1);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
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
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 201));
  g_free (body); body = complete_body (&fx, fx.task1, NULL, 0, 21);
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech2, body, 201));
  g_free (body); body = complete_body (&fx, fx.task2, NULL, 30, 42);
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 201));
  /* 6 minutes charging on the order (1 tenth), and tech2 still clocked on task2. */
  start = at (&fx, 60);
  end = at (&fx, 66);
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"charging\", \"work_order_id\": \"%s\", \"started_at\": \"%s\","
                          " \"ended_at\": \"%s\"}", fx.work_order, start, end);
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/time-entries", fx.tech, body, 201));
  g_free (body);
  body = g_strdup_printf ("{\"task_id\": \"%s\"}", fx.task2);
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/time-entries/clock-on", fx.tech2, body, 201));

  path = g_strdup_printf ("/api/v1/work-orders/%s/labor", fx.work_order);
  labor = vb_test_call (fx.server, "GET", path, fx.desk, NULL, 200);
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
      gboolean first = g_str_equal (json_object_get_string_member (share, "technician_id"), fx.tech_id);
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
    g_autoptr(JsonNode) empty = vb_test_call (fx.server, "GET", path_b, fx.tech_b, NULL, 200);
    g_assert_cmpint (json_object_get_int_member (vb_test_object (empty), "clocked_tenths"), ==, 0);
    g_assert_true (json_object_get_null_member (vb_test_object (empty), "efficiency"));
    vb_test_call_error (fx.server, "GET", path_b, fx.tech, NULL, 404, "not_found", NULL);
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
  desk_id = me_id (fx.server, fx.desk);

  first = vb_test_call (fx.server, "POST", path, fx.desk, "{\"body\": \"Customer waits in the lounge\"}", 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (first), "author_id"), ==, desk_id);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (first), "location_id"), ==, fx.a);
  /* The author is always the caller, whatever the body says. */
  second = vb_test_call (fx.server, "POST", path, fx.tech,
                         "{\"body\": \"Cabin filter was soaked\", \"author_id\": \"00000000-0000-4000-8000-000000000000\"}", 201);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (second), "author_id"), ==, fx.tech_id);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (second), "author_name"), !=, NULL);

  list = vb_test_call (fx.server, "GET", path, fx.manager, NULL, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, id_of (first));
  {
    g_autofree char *limited = g_strconcat (path, "?limit=1", NULL);
    page = vb_test_call (fx.server, "GET", limited, fx.manager, NULL, 200);
    g_assert_nonnull (json_object_get_string_member (vb_test_object (page), "next_cursor"));
  }

  /* Validation. */
  long_body = g_strnfill (4001, 'x');
  {
    g_autofree char *too_long = g_strdup_printf ("{\"body\": \"%s\"}", long_body);
    vb_test_call_error (fx.server, "POST", path, fx.tech, too_long, 422, "validation_failed", "body");
  }
  vb_test_call_error (fx.server, "POST", path, fx.tech, "{\"body\": \"\"}", 422, "validation_failed", "body");
  vb_test_call_error (fx.server, "POST", path, fx.tech, "{}", 422, "validation_failed", "body");

  /* Append-only, even for the database's own users. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "UPDATE work_order_notes SET body = 'rewritten' WHERE id = $1::uuid", id_of (first));
    g_assert_null (res);
    g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  }
  vb_test_call_error (fx.server, "PATCH", path, fx.tech, "{\"body\": \"x\"}", 405, "method_not_allowed", NULL);

  /* Scope: another location's order is 404; read-only roles may not write. */
  vb_test_call_error (fx.server, "GET", path, fx.tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "POST", path, fx.tech_b, "{\"body\": \"hi\"}", 404, "not_found", NULL);
  json_node_unref (vb_test_call (fx.server, "POST", path_b, fx.tech_b, "{\"body\": \"ours\"}", 201));
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/roles", fx.admin,
                                 "{\"name\": \"viewer\", \"permissions\": [\"work_orders.read\"]}", 201));
  viewer = vb_test_user_token (fx.server, "viewer@example.com", "viewer", "HCM-1");
  json_node_unref (vb_test_call (fx.server, "GET", path, viewer, NULL, 200));
  vb_test_call_error (fx.server, "POST", path, viewer, "{\"body\": \"hi\"}", 403, "forbidden", NULL);
  json_node_unref (vb_test_call (fx.server, "GET", path, NULL, NULL, 401));

  g_assert_true (feed_has (fx.server, fx.manager, "work_order_notes", id_of (first)));
  g_assert_cmpint (audit_count (fx.server, "work_order_notes", id_of (second), "insert"), ==, 1);
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
