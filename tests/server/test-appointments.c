/* test-appointments.c — availability and booking against the real server:
 * slots from opening hours, bays, shifts and HV levels; a booked slot
 * disappears; 50 concurrent bookings of one bay slot give exactly one 201
 * (exclusion constraint → 409); reschedule, cancel (frees the slot),
 * no-show, illegal transitions, technician rules (422), scoping per
 * location and role, and every mutation in the change feed and audit_log.
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

/* The setup every test shares, all through the API. */
typedef struct
{
  VbTestServer *server;
  char *admin;
  char *a;             /* HCM-1 */
  char *b;             /* HN-1 */
  char *manager;       /* manager at HCM-1 */
  char *desk;          /* reception at HCM-1 */
  char *tech;          /* technician at HCM-1 (token) */
  char *tech_id;
  char *bay_hv;        /* Bay 1: lift + hv_certified */
  char *bay_plain;     /* Bay 2: lift */
  char *customer;
  char *tire;          /* TIRE-ROTATION: 5 tenths → 30 min, HV 0 */
  char *hv;            /* HV-BATTERY-HEALTH: 5 tenths, HV 1 */
  char *day;           /* YYYY-MM-DD, a week ahead */
  char *next_day;
} Fx;

static char *
service_id (Fx         *fx,
            const char *code)
{
  g_autoptr(JsonNode) list = vb_test_call (fx->server, "GET", "/api/v1/service-types?limit=500", fx->admin, NULL, 200);
  JsonArray *items = json_object_get_array_member (vb_test_object (list), "items");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      if (g_str_equal (json_object_get_string_member (o, "code"), code))
        return g_strdup (json_object_get_string_member (o, "id"));
    }
  g_assert_not_reached ();
}

static char *
create_bay (Fx         *fx,
            const char *name,
            const char *caps)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s/bays", fx->a);
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\", \"capabilities\": %s}", name, caps);
  g_autoptr(JsonNode) reply = vb_test_call (fx->server, "POST", path, fx->admin, body, 201);
  return g_strdup (id_of (reply));
}

static void
fx_setup (Fx *fx)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, 7);
  g_autoptr(GDateTime) after = g_date_time_add_days (now, 8);
  g_autoptr(GString) days = g_string_new ("{\"days\": [");
  g_autofree char *hours_path = NULL;
  g_autofree char *shift = NULL;
  g_autofree char *customer = NULL;

  memset (fx, 0, sizeof *fx);
  fx->server = vb_test_server_start (NULL);
  fx->admin = vb_test_admin_token (fx->server, "admin@example.com", NULL);
  fx->a = vb_test_create_location (fx->server, fx->admin, "HCM-1");
  fx->b = vb_test_create_location (fx->server, fx->admin, "HN-1");
  fx->manager = vb_test_user_token (fx->server, "manager@example.com", "manager", "HCM-1");
  fx->desk = vb_test_user_token (fx->server, "desk@example.com", "reception", "HCM-1");
  fx->tech = vb_test_user_token (fx->server, "tech@example.com", "technician", "HCM-1");
  fx->tech_id = me_id (fx->server, fx->tech);
  fx->day = g_date_time_format (then, "%Y-%m-%d");
  fx->next_day = g_date_time_format (after, "%Y-%m-%d");
  fx->bay_hv = create_bay (fx, "Bay 1", "[\"lift\", \"hv_certified\"]");
  fx->bay_plain = create_bay (fx, "Bay 2", "[\"lift\"]");
  /* 08:00–10:00 local (UTC+7) = 01:00–03:00Z every day. */
  for (int wd = 0; wd < 7; wd++)
    g_string_append_printf (days, "%s{\"weekday\": %d, \"opens_at\": \"08:00\", \"closes_at\": \"10:00\"}",
                            wd ? ", " : "", wd);
  g_string_append (days, "]}");
  hours_path = g_strdup_printf ("/api/v1/locations/%s/opening-hours", fx->a);
  g_clear_pointer (&customer, g_free);
  json_node_unref (vb_test_call (fx->server, "PUT", hours_path, fx->admin, days->str, 200));
  /* The technician works the whole day of fx->day only. */
  shift = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                           " \"starts_at\": \"%sT00:00:00Z\", \"ends_at\": \"%sT04:00:00Z\"}",
                           fx->tech_id, fx->a, fx->day, fx->day);
  json_node_unref (vb_test_call (fx->server, "POST", "/api/v1/staff/shifts", fx->manager, shift, 201));
  customer = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                              " \"given_name\": \"Minh\", \"family_name\": \"Nguyen\","
                              " \"phones\": [\"0901234567\"]}", fx->a);
  {
    g_autoptr(JsonNode) c = vb_test_call (fx->server, "POST", "/api/v1/customers", fx->desk, customer, 201);
    fx->customer = g_strdup (id_of (c));
  }
  fx->tire = service_id (fx, "TIRE-ROTATION");
  fx->hv = service_id (fx, "HV-BATTERY-HEALTH");
}

static void
fx_clear (Fx *fx)
{
  vb_test_server_stop (fx->server);
  g_free (fx->admin); g_free (fx->a); g_free (fx->b); g_free (fx->manager); g_free (fx->desk);
  g_free (fx->tech); g_free (fx->tech_id); g_free (fx->bay_hv); g_free (fx->bay_plain);
  g_free (fx->customer); g_free (fx->tire); g_free (fx->hv); g_free (fx->day); g_free (fx->next_day);
}

static JsonArray *
availability (Fx         *fx,
              const char *token,
              const char *services,
              JsonNode  **keep)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                                           fx->a, services, fx->day, fx->day);
  *keep = vb_test_call (fx->server, "GET", path, token, NULL, 200);
  return json_object_get_array_member (vb_test_object (*keep), "items");
}

/* Is there a slot starting at HH:MM Z on fx->day in bay (NULL = any)? */
static gboolean
has_slot (Fx         *fx,
          JsonArray  *items,
          const char *hhmm,
          const char *bay)
{
  g_autofree char *iso = g_strdup_printf ("%sT%s:00Z", fx->day, hhmm);
  g_autoptr(GDateTime) want = g_date_time_new_from_iso8601 (iso, NULL);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (json_object_get_string_member (o, "starts_at"), NULL);

      g_assert_nonnull (at);
      if (g_date_time_equal (at, want)
          && (bay == NULL || g_str_equal (json_object_get_string_member (o, "bay_id"), bay)))
        return TRUE;
    }
  return FALSE;
}

static char *
booking (Fx         *fx,
         const char *services,   /* JSON array text */
         const char *bay,
         const char *tech,       /* NULL: none */
         const char *day,
         const char *hhmm)
{
  g_autofree char *tech_json = tech ? g_strdup_printf ("\"%s\"", tech) : g_strdup ("null");
  return g_strdup_printf ("{\"location_id\": \"%s\", \"customer_id\": \"%s\", \"service_type_ids\": %s,"
                          " \"bay_id\": \"%s\", \"technician_id\": %s, \"starts_at\": \"%sT%s:00Z\","
                          " \"source\": \"phone\", \"notes\": \"rattle\"}",
                          fx->a, fx->customer, services, bay, tech_json, day, hhmm);
}

static void
test_availability_and_lifecycle (void)
{
  Fx fx;
  g_autoptr(JsonNode) k1 = NULL;
  g_autoptr(JsonNode) k2 = NULL;
  g_autoptr(JsonNode) k3 = NULL;
  g_autoptr(JsonNode) k4 = NULL;
  g_autoptr(JsonNode) k5 = NULL;
  g_autoptr(JsonNode) booked = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonNode) got = NULL;
  JsonArray *slots;
  g_autofree char *tire_arr = NULL;
  g_autofree char *hv_arr = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cert = NULL;
  const char *id;

  fx_setup (&fx);
  tire_arr = g_strdup_printf ("[\"%s\"]", fx.tire);
  hv_arr = g_strdup_printf ("[\"%s\"]", fx.hv);

  /* 30 min on a 15-minute grid in 01:00–03:00Z: starts 01:00 … 02:30, both bays. */
  slots = availability (&fx, fx.desk, fx.tire, &k1);
  g_assert_cmpuint (json_array_get_length (slots), ==, 14);
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_true (has_slot (&fx, slots, "02:30", fx.bay_plain));
  g_assert_false (has_slot (&fx, slots, "02:45", NULL));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (slots, 0), "technician_id"),
                   ==, fx.tech_id);
  /* HV service: the technician has no HV level yet → no slots. */
  slots = availability (&fx, fx.desk, fx.hv, &k2);
  g_assert_cmpuint (json_array_get_length (slots), ==, 0);
  {
    g_autofree char *bad = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=2099-01-01",
                                            fx.a, fx.tire, fx.day);
    vb_test_call_error (fx.server, "GET", bad, fx.desk, NULL, 422, "validation_failed", "to");
  }

  /* Technician rules → 422 technician_id; HV on a plain bay → 422 bay_id. */
  body = booking (&fx, hv_arr, fx.bay_hv, fx.tech_id, fx.day, "01:00");
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = booking (&fx, tire_arr, fx.bay_hv, fx.tech_id, fx.next_day, "01:00");
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = booking (&fx, hv_arr, fx.bay_plain, NULL, fx.day, "01:00");
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.desk, body, 422, "validation_failed", "bay_id");
  cert = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"HV level 1\", \"hv_level\": 1,"
                          " \"issued_on\": \"2020-01-01\"}", fx.tech_id);
  json_node_unref (vb_test_call (fx.server, "POST", "/api/v1/staff/certifications", fx.manager, cert, 201));
  slots = availability (&fx, fx.desk, fx.hv, &k3);
  g_assert_cmpuint (json_array_get_length (slots), ==, 7);   /* only the hv_certified bay */
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_false (has_slot (&fx, slots, "01:00", fx.bay_plain));

  /* Book 01:00Z with the technician: 01:00 and 01:15 vanish everywhere. */
  g_free (body);
  body = booking (&fx, tire_arr, fx.bay_hv, fx.tech_id, fx.day, "01:00");
  booked = vb_test_call (fx.server, "POST", "/api/v1/appointments", fx.desk, body, 201);
  id = id_of (booked);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (booked), "status"), ==, "booked");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (booked), "version"), ==, 1);
  slots = availability (&fx, fx.desk, fx.tire, &k4);
  g_assert_false (has_slot (&fx, slots, "01:00", NULL));
  g_assert_false (has_slot (&fx, slots, "01:15", NULL));
  g_assert_true (has_slot (&fx, slots, "01:30", fx.bay_hv));
  g_assert_cmpuint (json_array_get_length (slots), ==, 10);
  /* The same slot again: 409 naming starts_at. */
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.manager, body, 409, "conflict", "starts_at");

  /* Reschedule to 02:00Z in the other bay (version required). */
  path = g_strdup_printf ("/api/v1/appointments/%s", id);
  g_free (body);
  body = g_strdup_printf ("{\"version\": 1, \"starts_at\": \"%sT02:00:00Z\", \"bay_id\": \"%s\"}",
                          fx.day, fx.bay_plain);
  moved = vb_test_call (fx.server, "PATCH", path, fx.desk, body, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (moved), "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (moved), "bay_id"), ==, fx.bay_plain);
  vb_test_call_error (fx.server, "PATCH", path, fx.desk, body, 409, "version_conflict", NULL);
  {
    g_autofree char *no_shift = g_strdup_printf ("{\"version\": 2, \"starts_at\": \"%sT01:00:00Z\"}", fx.next_day);
    vb_test_call_error (fx.server, "PATCH", path, fx.desk, no_shift, 422, "validation_failed", "technician_id");
  }
  slots = availability (&fx, fx.desk, fx.tire, &k5);
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_false (has_slot (&fx, slots, "02:00", NULL));

  /* Another booking into the same technician's time → 409. */
  {
    g_autofree char *clash = booking (&fx, tire_arr, fx.bay_hv, fx.tech_id, fx.day, "02:15");
    vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.desk, clash, 409, "conflict", "starts_at");
  }

  /* Cancel frees the slot; cancelling again / no-show / reschedule → 409. */
  {
    g_autofree char *cancel = g_strconcat (path, "/cancel", NULL);
    g_autofree char *noshow = g_strconcat (path, "/no-show", NULL);
    g_autofree char *again = booking (&fx, tire_arr, fx.bay_plain, fx.tech_id, fx.day, "02:00");
    g_autoptr(JsonNode) rebooked = NULL;
    g_autoptr(JsonNode) ns = NULL;
    g_autofree char *ns_path = NULL;

    /* A version makes the cancel conditional: a stale one changes nothing. */
    vb_test_call_error (fx.server, "POST", cancel, fx.desk, "{\"version\": 99}", 409, "version_conflict", NULL);
    json_node_unref (vb_test_call (fx.server, "POST", cancel, fx.desk, NULL, 200));
    vb_test_call_error (fx.server, "POST", cancel, fx.desk, NULL, 409, "conflict", "status");
    vb_test_call_error (fx.server, "POST", noshow, fx.desk, NULL, 409, "conflict", "status");
    vb_test_call_error (fx.server, "PATCH", path, fx.desk, "{\"version\": 3, \"starts_at\": \"2099-01-01T01:00:00Z\"}",
                409, "conflict", "status");
    rebooked = vb_test_call (fx.server, "POST", "/api/v1/appointments", fx.desk, again, 201);
    ns_path = g_strdup_printf ("/api/v1/appointments/%s/no-show", id_of (rebooked));
    ns = vb_test_call (fx.server, "POST", ns_path, fx.manager, "{\"version\": 1}", 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (ns), "status"), ==, "no_show");
    vb_test_call_error (fx.server, "POST", ns_path, fx.manager, NULL, 409, "conflict", "status");
    g_assert_true (feed_has (fx.server, fx.desk, "appointments", id_of (rebooked), "upsert"));
    g_assert_cmpint (audit_count (fx.server, "appointments", id_of (rebooked), "update"), >=, 1);
  }

  /* Every mutation in the feed and the audit trail. */
  got = vb_test_call (fx.server, "GET", path, fx.tech, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (got), "status"), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "version"), ==, 3);
  g_assert_true (feed_has (fx.server, fx.desk, "appointments", id, "upsert"));
  g_assert_cmpint (audit_count (fx.server, "appointments", id, "insert"), ==, 1);
  g_assert_cmpint (audit_count (fx.server, "appointments", id, "update"), ==, 2);

  /* Client-chosen id; a duplicate one is 409 naming id. */
  {
    g_autofree char *plain = booking (&fx, tire_arr, fx.bay_hv, NULL, fx.day, "02:30");
    g_autofree char *own = g_strdup_printf ("{\"id\": \"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\", %s", plain + 1);
    other = vb_test_call (fx.server, "POST", "/api/v1/appointments", fx.desk, own, 201);
    g_assert_cmpstr (id_of (other), ==, "0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11");
    vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.desk, own, 409, "conflict", NULL);
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
  /* Connect first, one thread at a time (the listen backlog is small), so
   * that the 50 bookings then race on open keep-alive connections. */
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
  return NULL;
}

static void
test_concurrent_booking (void)
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
  g_autofree char *services = NULL;
  g_autofree char *body = NULL;
  g_autofree char *list_path = NULL;
  g_autoptr(JsonNode) list = NULL;

  fx_setup (&fx);
  url = g_strdup_printf ("%s/api/v1/appointments", fx.server->base_url);
  warm_url = g_strdup_printf ("%s/healthz", fx.server->base_url);
  services = g_strdup_printf ("[\"%s\"]", fx.tire);
  body = booking (&fx, services, fx.bay_plain, NULL, fx.day, "01:30");
  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N; i++)
    {
      jobs[i] = (Job) { url, warm_url, fx.desk, body, &lock, &cond, &go, 0 };
      threads[i] = g_thread_new ("booker", post_thread, &jobs[i]);
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
  list_path = g_strdup_printf ("/api/v1/appointments?location_id=%s&from=%s&to=%s&bay_id=%s",
                               fx.a, fx.day, fx.day, fx.bay_plain);
  list = vb_test_call (fx.server, "GET", list_path, fx.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  fx_clear (&fx);
}

/* -------------------------------------------------- scope and roles --- */

static void
test_scope_and_roles (void)
{
  Fx fx;
  g_autofree char *desk_b = NULL;
  g_autofree char *services = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_a = NULL;
  g_autofree char *avail = NULL;
  g_autofree char *cancel = NULL;
  g_autoptr(JsonNode) booked = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) theirs = NULL;

  fx_setup (&fx);
  desk_b = vb_test_user_token (fx.server, "desk-b@example.com", "reception", "HN-1");
  services = g_strdup_printf ("[\"%s\"]", fx.tire);
  body = booking (&fx, services, fx.bay_hv, fx.tech_id, fx.day, "01:00");

  /* Technicians read but do not book; another location's desk cannot book here. */
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", fx.tech, body, 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "POST", "/api/v1/appointments", desk_b, body, 403, "forbidden", NULL);
  booked = vb_test_call (fx.server, "POST", "/api/v1/appointments", fx.manager, body, 201);
  path = g_strdup_printf ("/api/v1/appointments/%s", id_of (booked));
  cancel = g_strconcat (path, "/cancel", NULL);

  /* Invisible from HN-1: 404 on the record, absent from lists, 403 on availability. */
  vb_test_call_error (fx.server, "GET", path, desk_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.server, "POST", cancel, desk_b, NULL, 404, "not_found", NULL);
  list_a = g_strdup_printf ("/api/v1/appointments?location_id=%s", fx.a);
  list = vb_test_call (fx.server, "GET", list_a, desk_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 0);
  avail = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                           fx.a, fx.tire, fx.day, fx.day);
  vb_test_call_error (fx.server, "GET", avail, desk_b, NULL, 403, "forbidden", NULL);

  /* Visible to every role at HCM-1; the technician may not cancel. */
  mine = vb_test_call (fx.server, "GET", list_a, fx.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 1);
  theirs = vb_test_call (fx.server, "GET", path, fx.desk, NULL, 200);
  g_assert_cmpstr (id_of (theirs), ==, id_of (booked));
  json_node_unref (vb_test_call (fx.server, "GET", avail, fx.tech, NULL, 200));
  vb_test_call_error (fx.server, "POST", cancel, fx.tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx.server, "PATCH", path, fx.tech, "{\"version\": 1, \"notes\": \"x\"}", 403, "forbidden", NULL);
  json_node_unref (vb_test_call (fx.server, "GET", "/api/v1/appointments", NULL, NULL, 401));
  fx_clear (&fx);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/appointments/availability-and-lifecycle", test_availability_and_lifecycle);
  g_test_add_func ("/appointments/concurrent-booking", test_concurrent_booking);
  g_test_add_func ("/appointments/scope-and-roles", test_scope_and_roles);
  return g_test_run ();
}
