/* vb-test-floor.c — the shared service floor of the workshop tests. */
#include "vb-test-floor.h"

#include <string.h>

const char *
vb_test_id_of (JsonNode *node)
{
  return json_object_get_string_member (vb_test_object (node), "id");
}

const char *
vb_test_str_of (JsonNode   *node,
                const char *member)
{
  return json_object_get_string_member (vb_test_object (node), member);
}

char *
vb_test_me_id (VbTestServer *server,
               const char   *token)
{
  g_autoptr(JsonNode) me = vb_test_call (server, "GET", "/api/v1/me", token, NULL, 200);
  return g_strdup (vb_test_id_of (me));
}

char *
vb_test_sql (VbTestServer *server,
             const char   *query,
             ...)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  g_autoptr(PGresult) res = NULL;
  const char *param;
  va_list args;

  va_start (args, query);
  while ((param = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (params, (gpointer) param);
  va_end (args);

  res = vb_db_exec (db, query, params->len, (const char * const *) params->pdata, &error);
  g_assert_no_error (error);
  return PQntuples (res) > 0 && PQnfields (res) > 0 ? g_strdup (vb_db_get (res, 0, 0)) : NULL;
}

static gboolean
feed_item_matches (JsonObject *item,
                   const char *entity,
                   const char *id,
                   const char *op,
                   gboolean    want_row)
{
  const char *item_op = json_object_get_string_member (item, "op");

  return g_str_equal (json_object_get_string_member (item, "entity"), entity)
         && g_str_equal (json_object_get_string_member (item, "id"), id)
         && (op == NULL || g_str_equal (item_op, op))
         && (!want_row || g_str_equal (item_op, "delete") || !json_object_get_null_member (item, "row"));
}

static gboolean
feed_walk (VbTestServer *server,
           const char   *token,
           const char   *entity,
           const char   *id,
           const char   *op,
           gboolean      want_row)
{
  g_autofree char *cursor = NULL;
  gboolean found = FALSE;

  /* Earlier mutations may sit pages back by now: walk the whole feed. */
  for (;;)
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/changes?limit=500&since=%s", cursor)
                                     : g_strdup ("/api/v1/changes?limit=500");
      g_autoptr(JsonNode) reply = vb_test_call (server, "GET", path, token, NULL, 200);
      JsonObject *o = vb_test_object (reply);
      JsonArray *items = json_object_get_array_member (o, "items");

      for (guint i = 0; i < json_array_get_length (items); i++)
        if (feed_item_matches (json_array_get_object_element (items, i), entity, id, op, want_row))
          found = TRUE;
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (o, "next_cursor"));
      if (!json_object_get_boolean_member (o, "has_more"))
        break;
    }
  return found;
}

gboolean
vb_test_feed_has (VbTestServer *server,
                  const char   *token,
                  const char   *entity,
                  const char   *id,
                  const char   *op)
{
  return feed_walk (server, token, entity, id, op, FALSE);
}

gboolean
vb_test_feed_has_row (VbTestServer *server,
                      const char   *token,
                      const char   *entity,
                      const char   *id,
                      const char   *op)
{
  return feed_walk (server, token, entity, id, op, TRUE);
}

gint64
vb_test_audit_count (VbTestServer *server,
                     const char   *entity,
                     const char   *id,
                     const char   *action)
{
  g_autofree char *n = vb_test_sql (server,
    "SELECT count(*) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3"
    "   AND actor_id IS NOT NULL AND request_id <> ''",
    entity, id, action, NULL);

  return g_ascii_strtoll (n, NULL, 10);
}

/* -------------------------------------------------------------- races --- */

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
  char       *field;     /* of a 409 reply */
} RaceJob;

/* The error field of a reply body, or "" when it names none. */
static char *
reply_field (GBytes *reply)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (
                     json_object_get_object_member (json_node_get_object (node), "error"), "field", ""));
}

static gpointer
race_thread (gpointer data)
{
  RaceJob *job = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", job->url);
  g_autoptr(GBytes) body = g_bytes_new_static (job->body, strlen (job->body));
  g_autofree char *auth = g_strdup_printf ("Bearer %s", job->token);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Connect first, one thread at a time (the listen backlog is small), so
   * that the POSTs then race on open keep-alive connections. */
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
  if (job->status == 409)
    job->field = reply_field (reply);
  return NULL;
}

void
vb_test_post_race (VbTestServer *server,
                   const char   *path,
                   const char   *token,
                   const char   *body,
                   guint         n,
                   const char   *conflict_field,
                   guint        *created,
                   guint        *conflicts)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autofree char *warm_url = g_strconcat (server->base_url, "/healthz", NULL);
  g_autofree RaceJob *jobs = g_new0 (RaceJob, n);
  g_autofree GThread **threads = g_new0 (GThread *, n);
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < n; i++)
    {
      jobs[i] = (RaceJob) { url, warm_url, token, body, &lock, &cond, &go, 0, NULL };
      threads[i] = g_thread_new ("race", race_thread, &jobs[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  *created = *conflicts = 0;
  for (guint i = 0; i < n; i++)
    {
      g_thread_join (threads[i]);
      if (jobs[i].status == 201)
        (*created)++;
      else if (jobs[i].status == 409 && (conflict_field == NULL || g_strcmp0 (jobs[i].field, conflict_field) == 0))
        (*conflicts)++;
      else
        g_test_message ("POST %s: unexpected status %u (%s)", path, jobs[i].status, jobs[i].field);
      g_free (jobs[i].field);
    }
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

/* ------------------------------------------------------------- floor --- */

char *
vb_test_floor_service (VbTestFloor *floor,
                       const char  *code)
{
  char *id = vb_test_sql (floor->server, "SELECT id FROM service_types WHERE code = $1", code, NULL);

  g_assert_nonnull (id);
  return id;
}

void
vb_test_floor_certify (VbTestFloor *floor,
                       const char  *user_id,
                       int          level,
                       const char  *issued_on,
                       const char  *expires_on)
{
  g_autofree char *expires = expires_on ? g_strdup_printf ("\"%s\"", expires_on) : g_strdup ("null");
  g_autofree char *body = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"IMI TechSafe\", \"hv_level\": %d,"
                                           " \"issued_on\": \"%s\", \"expires_on\": %s}",
                                           user_id, level, issued_on, expires);

  json_node_unref (vb_test_call (floor->server, "POST", "/api/v1/staff/certifications", floor->manager, body, 201));
}

void
vb_test_floor_add_customer (VbTestFloor  *floor,
                            const char   *token,
                            const char   *location,
                            const char   *given,
                            const char   *vehicle_members,
                            char        **customer,
                            char        **vehicle)
{
  g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                                           " \"given_name\": \"%s\", \"family_name\": \"Nguyen\","
                                           " \"phones\": [\"0901234567\"]}", location, given);
  g_autoptr(JsonNode) c = vb_test_call (floor->server, "POST", "/api/v1/customers", token, body, 201);

  *customer = g_strdup (vb_test_id_of (c));
  if (vehicle_members != NULL)
    {
      g_autofree char *v_body = g_strdup_printf ("{\"customer_id\": \"%s\", %s}", *customer, vehicle_members);
      g_autoptr(JsonNode) v = vb_test_call (floor->server, "POST", "/api/v1/vehicles", token, v_body, 201);

      if (vehicle != NULL)
        *vehicle = g_strdup (vb_test_id_of (v));
    }
}

char *
vb_test_floor_add_bay (VbTestFloor *floor,
                       const char  *name,
                       const char  *capabilities)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s/bays", floor->a);
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\", \"capabilities\": %s}", name, capabilities);
  g_autoptr(JsonNode) bay = vb_test_call (floor->server, "POST", path, floor->admin, body, 201);

  return g_strdup (vb_test_id_of (bay));
}

/* A user of role at location, logged in; *id (if not NULL) gets the user id. */
static char *
floor_user (VbTestFloor  *floor,
            const char   *email,
            const char   *role,
            const char   *location,
            char        **id)
{
  char *token = vb_test_user_token (floor->server, email, role, location);

  if (id != NULL)
    *id = vb_test_me_id (floor->server, token);
  return token;
}

void
vb_test_floor_setup (VbTestFloor      *floor,
                     VbTestFloorFlags  flags)
{
  memset (floor, 0, sizeof *floor);
  floor->server = vb_test_server_start (NULL);
  floor->admin = vb_test_admin_token (floor->server, "admin@example.com", NULL);
  floor->admin_id = vb_test_me_id (floor->server, floor->admin);
  floor->a = vb_test_create_location (floor->server, floor->admin, "HCM-1");
  floor->b = vb_test_create_location (floor->server, floor->admin, "HN-1");
  floor->manager = floor_user (floor, "manager@example.com", "manager", "HCM-1", NULL);
  floor->desk = floor_user (floor, "desk@example.com", "reception", "HCM-1", NULL);
  floor->tech = floor_user (floor, "tech@example.com", "technician", "HCM-1", &floor->tech_id);
  if (flags & VB_TEST_FLOOR_TECH2)
    floor->tech2 = floor_user (floor, "tech2@example.com", "technician", "HCM-1", &floor->tech2_id);
  if (flags & VB_TEST_FLOOR_TECH_B)
    floor->tech_b = floor_user (floor, "tech-b@example.com", "technician", "HN-1", NULL);
  if (flags & VB_TEST_FLOOR_CUSTOMER)
    vb_test_floor_add_customer (floor, floor->desk, floor->a, "Minh",
                                "\"plate\": \"51H-123.45\", \"make\": \"VinFast\", \"model\": \"VF 8\"",
                                &floor->customer, &floor->vehicle);
  floor->tire = vb_test_floor_service (floor, "TIRE-ROTATION");
  floor->cabin = vb_test_floor_service (floor, "CABIN-FILTER");
  floor->battery = vb_test_floor_service (floor, "HV-BATTERY-HEALTH");
}

void
vb_test_floor_clear (VbTestFloor *floor)
{
  g_clear_pointer (&floor->server, vb_test_server_stop);
  g_clear_pointer (&floor->admin, g_free);
  g_clear_pointer (&floor->admin_id, g_free);
  g_clear_pointer (&floor->a, g_free);
  g_clear_pointer (&floor->b, g_free);
  g_clear_pointer (&floor->manager, g_free);
  g_clear_pointer (&floor->desk, g_free);
  g_clear_pointer (&floor->tech, g_free);
  g_clear_pointer (&floor->tech_id, g_free);
  g_clear_pointer (&floor->tech2, g_free);
  g_clear_pointer (&floor->tech2_id, g_free);
  g_clear_pointer (&floor->tech_b, g_free);
  g_clear_pointer (&floor->customer, g_free);
  g_clear_pointer (&floor->vehicle, g_free);
  g_clear_pointer (&floor->tire, g_free);
  g_clear_pointer (&floor->cabin, g_free);
  g_clear_pointer (&floor->battery, g_free);
}

/* ------------------------------------------------ work orders and tasks --- */

char *
vb_test_floor_order_at (VbTestFloor *floor,
                        const char  *location,
                        const char  *customer,
                        const char  *vehicle)
{
  return vb_test_sql (floor->server, "INSERT INTO work_orders (location_id, customer_id, vehicle_id)"
                                     " VALUES ($1::uuid, $2::uuid, $3::uuid) RETURNING id",
                      location, customer, vehicle, NULL);
}

char *
vb_test_floor_order (VbTestFloor *floor,
                     const char  *status)
{
  char *id = vb_test_floor_order_at (floor, floor->a, floor->customer, floor->vehicle);

  if (status != NULL)
    g_free (vb_test_sql (floor->server, "UPDATE work_orders SET triage_passed = true, status = $2 WHERE id = $1::uuid",
                         id, status, NULL));
  return id;
}

char *
vb_test_floor_add_task (VbTestFloor *floor,
                        const char  *order,
                        const char  *token,
                        const char  *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/tasks", order);
  g_autoptr(JsonNode) task = vb_test_call (floor->server, "POST", path, token, body, 201);

  return g_strdup (vb_test_id_of (task));
}

char *
vb_test_floor_service_task (VbTestFloor *floor,
                            const char  *order,
                            const char  *service,
                            const char  *technician)
{
  g_autofree char *body = technician
    ? g_strdup_printf ("{\"service_type_id\": \"%s\", \"technician_id\": \"%s\"}", service, technician)
    : g_strdup_printf ("{\"service_type_id\": \"%s\"}", service);

  return vb_test_floor_add_task (floor, order, floor->desk, body);
}

JsonNode *
vb_test_floor_task_call (VbTestFloor *floor,
                         const char  *method,
                         const char  *token,
                         const char  *task,
                         const char  *suffix,
                         const char  *body,
                         guint        expect)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s%s", task, suffix);

  return vb_test_call (floor->server, method, path, token, body, expect);
}

char *
vb_test_floor_step_at (VbTestFloor *floor,
                       const char  *task,
                       int          position)
{
  g_autofree char *pos = g_strdup_printf ("%d", position);

  return vb_test_sql (floor->server,
                      "SELECT s.id FROM work_order_tasks t JOIN service_type_steps s ON s.service_type_id = t.service_type_id"
                      " WHERE t.id = $1::uuid AND s.position = $2::int", task, pos, NULL);
}

JsonNode *
vb_test_floor_record (VbTestFloor *floor,
                      const char  *token,
                      const char  *task,
                      const char  *body,
                      guint        expect)
{
  return vb_test_floor_task_call (floor, "POST", token, task, "/checklist-results", body, expect);
}

void
vb_test_floor_record_error (VbTestFloor *floor,
                            const char  *token,
                            const char  *task,
                            const char  *body,
                            guint        expect,
                            const char  *code,
                            const char  *field)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/tasks/%s/checklist-results", task);

  vb_test_call_error (floor->server, "POST", path, token, body, expect, code, field);
}

char *
vb_test_floor_attachment (VbTestFloor *floor)
{
  return vb_test_sql (floor->server, "INSERT INTO attachments (location_id, purpose, sha256, content_type, size_bytes)"
                                     " VALUES ($1::uuid, 'photo', repeat('a', 64), 'image/jpeg', 1000) RETURNING id",
                      floor->a, NULL);
}
