/* test-reminders.c — maintenance reminders against the real server and
 * voltbay-ctl reminders-run: the mileage projection from a known odometer
 * history (50 km/day), no projection from too short a history, time-based
 * due dates rolling forward from the last service, nothing before the lead
 * window, a run repeated (and runs concurrent: voltbay-ctl processes and
 * threads) queues each reminder once, consent per channel, the customer's
 * language, deferred work after remind_after (not when resolved), the
 * vehicle's reminders and the due list (scoped, permission-checked), the
 * change feed and audit, templates, and the server's own scheduler on two
 * instances.
 *
 * Vehicles are a "Voltbay Test EV" with two rules made through the catalog
 * API (tire rotation every 10,000 km, cabin filter every 12 months), so the
 * seeded schedules do not interfere; readings go through the API; collected
 * work orders and deferred work straight into SQL (their state machines and
 * quotes are other tests' business).
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-reminder-scheduler.h"

#include <string.h>

typedef struct
{
  VbTestFloor floor;
  char *tire_rule;
  char *cabin_rule;
} Fx;

static void
fx_setup (Fx *fx)
{
  g_autofree char *tire = NULL;
  g_autofree char *cabin = NULL;
  g_autoptr(JsonNode) r1 = NULL;
  g_autoptr(JsonNode) r2 = NULL;

  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_DEFAULT);
  tire = g_strdup_printf ("{\"make\": \"Voltbay\", \"model\": \"Test EV\", \"service_type_id\": \"%s\","
                          " \"every_km\": 10000}", fx->floor.tire);
  cabin = g_strdup_printf ("{\"make\": \"Voltbay\", \"model\": \"Test EV\", \"service_type_id\": \"%s\","
                           " \"every_months\": 12}", fx->floor.cabin);
  r1 = vb_test_call (fx->floor.server, "POST", "/api/v1/maintenance-rules", fx->floor.admin, tire, 201);
  r2 = vb_test_call (fx->floor.server, "POST", "/api/v1/maintenance-rules", fx->floor.admin, cabin, 201);
  fx->tire_rule = g_strdup (vb_test_id_of (r1));
  fx->cabin_rule = g_strdup (vb_test_id_of (r2));
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->tire_rule);
  g_free (fx->cabin_rule);
}

/* A customer of HCM-1 (or location) with consent to the channels named in
 * consent ("email", "sms", "email,sms" or ""), in language; its id. */
static char *
customer_at (Fx         *fx,
             const char *location,
             const char *given,
             const char *language,
             const char *consent)
{
  g_autofree char *body = g_strdup_printf (
    "{\"preferred_location_id\": \"%s\", \"kind\": \"person\", \"given_name\": \"%s\","
    " \"family_name\": \"Nguyen\", \"phones\": [\"0901234567\"], \"emails\": [\"%s@example.com\"],"
    " \"preferred_language\": \"%s\", \"consent\": {"
    "\"email\": {\"given\": %s, \"channel\": \"in_person\"},"
    " \"sms\": {\"given\": %s, \"channel\": \"in_person\"}}}",
    location ? location : fx->floor.a, given, given, language,
    strstr (consent, "email") ? "true" : "false", strstr (consent, "sms") ? "true" : "false");
  g_autoptr(JsonNode) c = vb_test_call (fx->floor.server, "POST", "/api/v1/customers", fx->floor.admin, body, 201);

  return g_strdup (vb_test_id_of (c));
}

static char *
customer (Fx         *fx,
          const char *given,
          const char *language,
          const char *consent)
{
  return customer_at (fx, NULL, given, language, consent);
}

static char *
vehicle (Fx         *fx,
         const char *customer_id,
         const char *plate)
{
  g_autofree char *body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"%s\", \"make\": \"Voltbay\","
                                           " \"model\": \"Test EV\", \"year\": 2024}", customer_id, plate);
  g_autoptr(JsonNode) v = vb_test_call (fx->floor.server, "POST", "/api/v1/vehicles", fx->floor.admin, body, 201);

  return g_strdup (vb_test_id_of (v));
}

/* An odometer reading on date (10:00 in Ho Chi Minh City), through the API. */
static void
reading (Fx         *fx,
         const char *vehicle_id,
         int         km,
         const char *date)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle_id);
  g_autofree char *body = g_strdup_printf ("{\"odometer_km\": %d, \"read_at\": \"%sT03:00:00Z\"}", km, date);

  json_node_unref (vb_test_call (fx->floor.server, "POST", path, fx->floor.admin, body, 201));
}

/* A work order collected on date with a done task of service; its id.  The
 * collection is written with triggers off (the status machine and its QC
 * preconditions are test-work-orders' business). */
static char *
service_done (Fx         *fx,
              const char *customer_id,
              const char *vehicle_id,
              const char *service,
              const char *date,
              const char *km)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->floor.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autofree char *order = NULL;
  g_autofree char *at = g_strconcat (date, "T08:00:00Z", NULL);

  order = vb_test_sql (fx->floor.server,
                       "INSERT INTO work_orders (location_id, customer_id, vehicle_id, odometer_km, checked_in_at)"
                       " SELECT location_id, $1::uuid, $2::uuid, $3::int, $4::timestamptz - interval '6 hours'"
                       "   FROM vehicles WHERE id = $2::uuid RETURNING id",
                       customer_id, vehicle_id, km, at, NULL);
  g_free (vb_test_sql (fx->floor.server,
                       "INSERT INTO work_order_tasks (work_order_id, location_id, service_type_id, title, status)"
                       " SELECT id, location_id, $2::uuid, 'Service', 'done' FROM work_orders WHERE id = $1::uuid"
                       " RETURNING id", order, service, NULL));
  g_assert_true (vb_db_exec_script (db, "SET session_replication_role = replica", &error));
  g_assert_no_error (error);
  res = vb_db_execv (db, &error,
                     "UPDATE work_orders SET status = 'collected', triage_passed = true, collected_at = $2::timestamptz"
                     " WHERE id = $1::uuid", order, at);
  g_assert_no_error (error);
  return g_steal_pointer (&order);
}

/* voltbay-ctl reminders-run --today today; its output. */
static char *
run (Fx         *fx,
     const char *today)
{
  g_autofree char *arg = g_strconcat ("--today=", today, NULL);
  const char *args[] = { "reminders-run", arg, NULL };
  int status = -1;
  char *out = vb_test_ctl (fx->floor.server, args, NULL, &status);

  g_assert_cmpint (status, ==, 0);
  return out;
}

static void
run_quiet (Fx         *fx,
           const char *today)
{
  g_free (run (fx, today));
}

static gint64
sql_int (Fx         *fx,
         const char *query,
         const char *param)
{
  g_autofree char *n = vb_test_sql (fx->floor.server, query, param, NULL);

  return g_ascii_strtoll (n, NULL, 10);
}

/* Reminder messages queued for vehicle (any channel). */
static gint64
queued_for (Fx         *fx,
            const char *vehicle_id)
{
  return sql_int (fx, "SELECT count(*) FROM outbound_messages m JOIN reminders_sent r ON r.dedupe_key = m.dedupe_key"
                      " WHERE m.kind = 'reminder' AND r.vehicle_id = $1::uuid", vehicle_id);
}

static gint64
reminder_messages (Fx *fx)
{
  g_autofree char *n = vb_test_sql (fx->floor.server,
                                    "SELECT count(*) FROM outbound_messages WHERE kind = 'reminder'", NULL);

  return g_ascii_strtoll (n, NULL, 10);
}

/* The schedule item of the vehicle's reminders with service_code. */
static JsonObject *
schedule_item (JsonNode   *reply,
               const char *code)
{
  JsonArray *items = json_object_get_array_member (vb_test_object (reply), "schedule");

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (o, "service_code"), code) == 0)
        return o;
    }
  g_assert_not_reached ();
}

static JsonNode *
vehicle_reminders (Fx         *fx,
                   const char *vehicle_id,
                   const char *today,
                   const char *token)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/reminders?today=%s", vehicle_id, today);

  return vb_test_call (fx->floor.server, "GET", path, token ? token : fx->floor.desk, NULL, 200);
}

/* ------------------------------------------------------------ schedule --- */

/* 50 km/day over 40 days: from 12,000 km on 10 February the next 10,000 km
 * interval (basis: the first reading, 10,000 km) ends at 20,000 km, 160
 * days later: 20 July.  The cabin filter counts 12 months from its service. */
static void
test_projection (void)
{
  Fx fx;
  g_autofree char *c = NULL, *v = NULL, *short_v = NULL, *order = NULL;
  g_autoptr(JsonNode) r = NULL;
  g_autoptr(JsonNode) s = NULL;
  JsonObject *tire, *cabin;

  fx_setup (&fx);
  c = customer (&fx, "An", "en", "email,sms");
  v = vehicle (&fx, c, "51A-100.01");
  reading (&fx, v, 10000, "2026-01-01");
  reading (&fx, v, 11000, "2026-01-21");
  reading (&fx, v, 12000, "2026-02-10");
  order = service_done (&fx, c, v, fx.floor.cabin, "2026-01-05", "10200");

  r = vehicle_reminders (&fx, v, "2026-03-01", NULL);
  g_assert_cmpstr (vb_test_str_of (r, "today"), ==, "2026-03-01");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (r), "lead_days"), ==, 14);
  tire = schedule_item (r, "TIRE-ROTATION");
  g_assert_cmpstr (json_object_get_string_member (tire, "km_per_day"), ==, "50.000");
  g_assert_cmpint (json_object_get_int_member (tire, "latest_km"), ==, 12000);
  g_assert_cmpint (json_object_get_int_member (tire, "last_done_km"), ==, 10000);
  g_assert_cmpint (json_object_get_int_member (tire, "due_km"), ==, 20000);
  g_assert_cmpstr (json_object_get_string_member (tire, "due_by_mileage"), ==, "2026-07-20");
  g_assert_cmpstr (json_object_get_string_member (tire, "due_on"), ==, "2026-07-20");
  g_assert_cmpstr (json_object_get_string_member (tire, "due_reason"), ==, "mileage");
  g_assert_cmpstr (json_object_get_string_member (tire, "occurrence"), ==, "initial");
  g_assert_false (json_object_get_boolean_member (tire, "due"));
  cabin = schedule_item (r, "CABIN-FILTER");
  g_assert_cmpstr (json_object_get_string_member (cabin, "last_work_order_id"), ==, order);
  g_assert_cmpstr (json_object_get_string_member (cabin, "last_done_on"), ==, "2026-01-05");
  g_assert_cmpstr (json_object_get_string_member (cabin, "due_by_time"), ==, "2027-01-05");
  g_assert_cmpstr (json_object_get_string_member (cabin, "due_reason"), ==, "time");
  g_assert_true (json_object_get_null_member (cabin, "due_by_mileage"));

  /* Two readings only 10 days apart: no projection, no mileage due date. */
  short_v = vehicle (&fx, c, "51A-100.02");
  reading (&fx, short_v, 5000, "2026-02-01");
  reading (&fx, short_v, 6000, "2026-02-11");
  s = vehicle_reminders (&fx, short_v, "2026-03-01", NULL);
  tire = schedule_item (s, "TIRE-ROTATION");
  g_assert_true (json_object_get_null_member (tire, "km_per_day"));
  g_assert_true (json_object_get_null_member (tire, "due_by_mileage"));
  g_assert_true (json_object_get_null_member (tire, "due_on"));

  /* Only readings up to "today" count: as of 15 January one reading, no projection. */
  {
    g_autoptr(JsonNode) early = vehicle_reminders (&fx, v, "2026-01-15", NULL);
    tire = schedule_item (early, "TIRE-ROTATION");
    g_assert_true (json_object_get_null_member (tire, "km_per_day"));
    g_assert_cmpint (json_object_get_int_member (tire, "latest_km"), ==, 10000);
  }
  fx_clear (&fx);
}

/* ----------------------------------------------------------- the runs --- */

static void
test_run_once (void)
{
  Fx fx;
  g_autofree char *c = NULL, *v = NULL, *out = NULL, *order2 = NULL;
  g_autoptr(JsonNode) due_before = NULL;
  g_autoptr(JsonNode) due_now = NULL;
  g_autoptr(JsonNode) history = NULL;
  JsonArray *items, *sent;

  fx_setup (&fx);
  c = customer (&fx, "Binh", "en", "email,sms");
  v = vehicle (&fx, c, "51A-200.01");
  reading (&fx, v, 10000, "2026-01-01");
  reading (&fx, v, 11000, "2026-01-21");
  reading (&fx, v, 12000, "2026-02-10");
  g_free (service_done (&fx, c, v, fx.floor.cabin, "2026-01-05", "10200"));

  /* Not due yet (tire 20 July, lead 14 days): nothing. */
  out = run (&fx, "2026-07-05");
  g_assert_nonnull (strstr (out, "0 due, 0 queued"));
  g_assert_cmpint (reminder_messages (&fx), ==, 0);
  due_before = vb_test_call (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-07-05", fx.floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (due_before), "items")), ==, 0);

  /* Within the window: the tire rotation, by e-mail and SMS, once. */
  g_free (out);
  out = run (&fx, "2026-07-10");
  g_assert_nonnull (strstr (out, "1 due, 2 queued"));
  g_assert_cmpint (queued_for (&fx, v), ==, 2);
  g_free (out);
  out = run (&fx, "2026-07-10");
  g_assert_nonnull (strstr (out, "1 due, 0 queued, 2 sent earlier"));
  run_quiet (&fx, "2026-07-25");
  g_assert_cmpint (queued_for (&fx, v), ==, 2);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE vehicle_id = $1::uuid", v), ==, 2);
  g_assert_cmpint (sql_int (&fx, "SELECT count(DISTINCT channel) FROM outbound_messages"
                                 " WHERE kind = 'reminder' AND customer_id = $1::uuid", c), ==, 2);
  {
    g_autofree char *subject = vb_test_sql (fx.floor.server,
      "SELECT subject FROM outbound_messages WHERE kind = 'reminder' AND channel = 'email' AND customer_id = $1::uuid",
      c, NULL);
    g_autofree char *sms = vb_test_sql (fx.floor.server,
      "SELECT body FROM outbound_messages WHERE kind = 'reminder' AND channel = 'sms' AND customer_id = $1::uuid",
      c, NULL);
    g_assert_cmpstr (subject, ==, "Tire rotation is due for your Voltbay Test EV 2024 (51A-200.01)");
    g_assert_nonnull (strstr (sms, "on 2026-07-20"));
  }

  /* The due list says what was sent. */
  due_now = vb_test_call (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-07-10", fx.floor.desk, NULL, 200);
  items = json_object_get_array_member (vb_test_object (due_now), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "service_code"), ==,
                   "TIRE-ROTATION");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "plate"), ==,
                   "51A-200.01");
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (items, 0), "overdue"));
  sent = json_object_get_array_member (json_array_get_object_element (items, 0), "sent");
  g_assert_cmpuint (json_array_get_length (sent), ==, 2);

  /* Time-based: the cabin filter, 12 months after 5 January 2026. */
  run_quiet (&fx, "2026-12-20");
  g_assert_cmpint (queued_for (&fx, v), ==, 2);
  run_quiet (&fx, "2026-12-22");
  g_assert_cmpint (queued_for (&fx, v), ==, 4);
  run_quiet (&fx, "2027-02-01");
  g_assert_cmpint (queued_for (&fx, v), ==, 4);

  /* Done again on 3 January 2027: the next one counts from there (a new occurrence). */
  order2 = service_done (&fx, c, v, fx.floor.cabin, "2027-01-03", "30000");
  run_quiet (&fx, "2027-12-19");
  g_assert_cmpint (queued_for (&fx, v), ==, 4);
  run_quiet (&fx, "2027-12-20");
  g_assert_cmpint (queued_for (&fx, v), ==, 6);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE occurrence = $1", order2), ==, 2);

  /* The vehicle's reminders show what was sent, with channel and message status. */
  history = vehicle_reminders (&fx, v, "2027-12-20", NULL);
  sent = json_object_get_array_member (vb_test_object (history), "sent");
  g_assert_cmpuint (json_array_get_length (sent), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      JsonObject *o = json_array_get_object_element (sent, i);
      const char *channel = json_object_get_string_member (o, "channel");

      g_assert_true (g_str_equal (channel, "email") || g_str_equal (channel, "sms"));
      g_assert_nonnull (json_object_get_string_member (o, "message_id"));
      g_assert_nonnull (json_object_get_string_member (o, "message_status"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sent, 0), "service_code"), ==,
                   "CABIN-FILTER");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (schedule_item (history, "CABIN-FILTER"),
                                                                         "sent")), ==, 2);

  /* Append-only, and never twice even written by hand. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.floor.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error, "DELETE FROM reminders_sent WHERE vehicle_id = $1::uuid", v);

    g_assert_null (res);
    g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
    g_clear_error (&error);
    res = vb_db_execv (db, &error,
                       "INSERT INTO reminders_sent (location_id, vehicle_id, customer_id, kind, rule_id, item_key,"
                       "  occurrence, due_on, due_reason, channel, language, dedupe_key)"
                       " SELECT location_id, vehicle_id, customer_id, kind, rule_id, item_key, occurrence, due_on,"
                       "        due_reason, channel, language, dedupe_key || ':again'"
                       "   FROM reminders_sent WHERE vehicle_id = $1::uuid LIMIT 1", v);
    g_assert_null (res);
    g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  }
  fx_clear (&fx);
}

/* Two voltbay-ctl processes at once, then eight threads at once: once. */
typedef struct
{
  VbDbConn          *conn;
  GMutex            *lock;
  GCond             *cond;
  gboolean          *go;
  VbReminderRunStats stats;
} RaceRun;

static gpointer
race_run_thread (gpointer data)
{
  RaceRun *job = data;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (job->lock);
  while (!*job->go)
    g_cond_wait (job->cond, job->lock);
  g_mutex_unlock (job->lock);
  g_assert_true (vb_reminder_run_once (job->conn, "2026-12-20", 14, &job->stats, &error));
  g_assert_no_error (error);
  return NULL;
}
static void
test_concurrent_runs (void)
{
  Fx fx;
  g_autofree char *ctl = NULL;
  g_autoptr(GPtrArray) vehicles = g_ptr_array_new_with_free_func (g_free);
  const char *days[] = { "2026-07-10", "2026-07-11", "2026-07-12" };

  fx_setup (&fx);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("Cuong%u", i);
      g_autofree char *plate = g_strdup_printf ("51A-300.%02u", i);
      g_autofree char *c = customer (&fx, name, "en", "email,sms");
      char *v = vehicle (&fx, c, plate);

      reading (&fx, v, 10000, "2026-01-01");
      reading (&fx, v, 12000, "2026-02-10");
      g_ptr_array_add (vehicles, v);
    }
  ctl = g_build_filename (vb_test_build_dir (), "server", "voltbay-ctl", NULL);
  for (guint round = 0; round < G_N_ELEMENTS (days); round++)
    {
      g_autofree char *db_arg = g_strconcat ("--database=", fx.floor.server->conninfo, NULL);
      g_autofree char *today_arg = g_strconcat ("--today=", days[round], NULL);
      const char *argv[] = { ctl, db_arg, "reminders-run", today_arg, NULL };
      GSubprocess *procs[2];
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < 2; i++)
        {
          procs[i] = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
          g_assert_no_error (error);
        }
      for (guint i = 0; i < 2; i++)
        {
          g_assert_true (g_subprocess_wait_check (procs[i], NULL, &error));
          g_assert_no_error (error);
          g_object_unref (procs[i]);
        }
    }
  /* 5 vehicles × tire rotation × 2 channels. */
  g_assert_cmpint (reminder_messages (&fx), ==, 10);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE due_reason = $1", "mileage"), ==, 10);

  /* Threads on their own connections, each run in its own transaction: the
   * cabin filters (12 months from the first reading, 1 January) come due. */
  {
    RaceRun jobs[8];
    GThread *threads[8];
    GMutex lock;
    GCond cond;
    gboolean go = FALSE;
    guint ran = 0;

    g_mutex_init (&lock);
    g_cond_init (&cond);
    for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
      {
        jobs[i] = (RaceRun) { vb_test_server_db (fx.floor.server), &lock, &cond, &go, { 0 } };
        threads[i] = g_thread_new ("run", race_run_thread, &jobs[i]);
      }
    g_mutex_lock (&lock);
    go = TRUE;
    g_cond_broadcast (&cond);
    g_mutex_unlock (&lock);
    for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
      {
        g_thread_join (threads[i]);
        ran += jobs[i].stats.ran;
        vb_db_conn_free (jobs[i].conn);
      }
    g_mutex_clear (&lock);
    g_cond_clear (&cond);
    g_test_message ("%u of 8 concurrent runs held the lock", ran);
    g_assert_cmpuint (ran, >=, 1);
  }
  g_assert_cmpint (reminder_messages (&fx), ==, 20);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE due_reason = $1", "time"), ==, 10);
  fx_clear (&fx);
}

/* Two sends at once without the run lock (as if it had been bypassed): the
 * second waits on the first's uncommitted reminders_sent rows and then finds
 * them sent — the unique row, not the lock, is what makes it once. */
typedef struct
{
  VbDbConn *conn;
  gint      done;
  gint64    queued;
  gint64    already;
} SendJob;

static gpointer
send_thread (gpointer data)
{
  SendJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (job->conn, &error,
    "SELECT queued, already_sent FROM vb_reminders_send($1::date, 14)", "2026-07-15");

  g_assert_no_error (error);
  job->queued = vb_db_get_int (res, 0, 0);
  job->already = vb_db_get_int (res, 0, 1);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

static void
test_unique_without_lock (void)
{
  Fx fx;
  g_autofree char *c = NULL, *v = NULL;
  g_autoptr(VbDbConn) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  SendJob job = { 0 };
  GThread *thread;

  fx_setup (&fx);
  c = customer (&fx, "Phuong", "en", "email,sms");
  v = vehicle (&fx, c, "51A-900.01");
  reading (&fx, v, 10000, "2026-01-01");
  reading (&fx, v, 12000, "2026-02-10");
  first = vb_test_server_db (fx.floor.server);
  job.conn = vb_test_server_db (fx.floor.server);
  g_assert_true (vb_db_exec_script (first, "BEGIN", &error));
  res = vb_db_execv (first, &error, "SELECT queued FROM vb_reminders_send($1::date, 14)", "2026-07-15");
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (res, 0, 0), ==, 2);
  thread = g_thread_new ("send", send_thread, &job);
  g_usleep (500 * 1000);
  g_assert_cmpint (g_atomic_int_get (&job.done), ==, 0);   /* waiting on the unique index */
  g_assert_true (vb_db_exec_script (first, "COMMIT", &error));
  g_thread_join (thread);
  g_assert_cmpint (job.queued, ==, 0);
  g_assert_cmpint (job.already, ==, 2);
  vb_db_conn_free (job.conn);
  g_assert_cmpint (queued_for (&fx, v), ==, 2);
  fx_clear (&fx);
}

/* ------------------------------------------------- consent and language --- */

static void
test_consent_and_language (void)
{
  Fx fx;
  g_autofree char *none = NULL, *sms_only = NULL, *vi = NULL;
  g_autofree char *v_none = NULL, *v_sms = NULL, *v_vi = NULL;
  g_autofree char *subject = NULL, *language = NULL, *body = NULL;
  g_autoptr(JsonNode) due = NULL;

  fx_setup (&fx);
  none = customer (&fx, "Dung", "en", "");
  sms_only = customer (&fx, "Giang", "en", "sms");
  vi = customer (&fx, "Hoa", "vi", "email,sms");
  v_none = vehicle (&fx, none, "51A-400.01");
  v_sms = vehicle (&fx, sms_only, "51A-400.02");
  v_vi = vehicle (&fx, vi, "51A-400.03");
  reading (&fx, v_none, 10000, "2026-01-01");
  reading (&fx, v_none, 12000, "2026-02-10");
  reading (&fx, v_sms, 10000, "2026-01-01");
  reading (&fx, v_sms, 12000, "2026-02-10");
  reading (&fx, v_vi, 10000, "2026-01-01");
  reading (&fx, v_vi, 12000, "2026-02-10");
  run_quiet (&fx, "2026-07-15");

  /* No consent: nothing queued, nothing recorded — still listed as due. */
  g_assert_cmpint (queued_for (&fx, v_none), ==, 0);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE vehicle_id = $1::uuid", v_none), ==, 0);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid", none), ==, 0);
  due = vb_test_call (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-07-15", fx.floor.manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (due), "items")), ==, 3);

  /* SMS only. */
  g_assert_cmpint (queued_for (&fx, v_sms), ==, 1);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM outbound_messages WHERE kind = 'reminder' AND channel = 'sms'"
                                 " AND customer_id = $1::uuid", sms_only), ==, 1);

  /* Vietnamese. */
  subject = vb_test_sql (fx.floor.server, "SELECT subject FROM outbound_messages WHERE kind = 'reminder'"
                                          " AND channel = 'email' AND customer_id = $1::uuid", vi, NULL);
  language = vb_test_sql (fx.floor.server, "SELECT string_agg(DISTINCT language, ',') FROM outbound_messages"
                                           " WHERE kind = 'reminder' AND customer_id = $1::uuid", vi, NULL);
  body = vb_test_sql (fx.floor.server, "SELECT body FROM outbound_messages WHERE kind = 'reminder'"
                                       " AND channel = 'sms' AND customer_id = $1::uuid", vi, NULL);
  g_assert_cmpstr (subject, ==, "Đến hạn Tire rotation cho xe Voltbay Test EV 2024 (51A-400.03)");
  g_assert_cmpstr (language, ==, "vi");
  g_assert_nonnull (strstr (body, "20/07/2026"));

  /* Consent given later: the next run sends it (once). */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", none);
    g_autoptr(JsonNode) cur = vb_test_call (fx.floor.server, "GET", path, fx.floor.admin, NULL, 200);
    g_autofree char *patch = g_strdup_printf ("{\"version\": %" G_GINT64_FORMAT ", \"consent\": {\"email\": {\"given\": true,"
                                              " \"channel\": \"phone\"}}}",
                                              json_object_get_int_member (vb_test_object (cur), "version"));

    json_node_unref (vb_test_call (fx.floor.server, "PATCH", path, fx.floor.admin, patch, 200));
    run_quiet (&fx, "2026-07-16");
    run_quiet (&fx, "2026-07-17");
    g_assert_cmpint (queued_for (&fx, v_none), ==, 1);
  }
  fx_clear (&fx);
}

/* ------------------------------------------------------------- deferred --- */

/* A declined quote line (the quote itself is test-quotes' business: the
 * row goes in with foreign keys unchecked). */
static char *
deferred (Fx         *fx,
          const char *customer_id,
          const char *vehicle_id,
          const char *order,
          const char *remind_after)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (fx->floor.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;

  g_assert_true (vb_db_exec_script (db, "SET session_replication_role = replica", &error));
  res = vb_db_execv (db, &error,
                     "INSERT INTO deferred_work (location_id, customer_id, vehicle_id, work_order_id, quote_line_id,"
                     "  description, amount, currency, declined_at, remind_after)"
                     " SELECT location_id, $1::uuid, $2::uuid, $3::uuid, gen_random_uuid(), 'Replace wiper blades',"
                     "        300000, 'VND', now(), $4::date FROM vehicles WHERE id = $2::uuid RETURNING id",
                     customer_id, vehicle_id, order, remind_after);
  g_assert_no_error (error);
  return g_strdup (vb_db_get (res, 0, 0));
}

static void
test_deferred (void)
{
  Fx fx;
  g_autofree char *c = NULL, *v = NULL, *order = NULL, *item = NULL, *resolved = NULL, *body = NULL;
  g_autoptr(JsonNode) history = NULL;
  JsonArray *items;

  fx_setup (&fx);
  c = customer (&fx, "Khanh", "en", "email");
  v = vehicle (&fx, c, "51A-500.01");
  order = service_done (&fx, c, v, fx.floor.tire, "2026-03-01", "10000");
  item = deferred (&fx, c, v, order, "2026-05-01");
  resolved = deferred (&fx, c, v, order, "2026-04-01");
  g_free (vb_test_sql (fx.floor.server, "UPDATE deferred_work SET resolved_at = now(), resolution = 'dismissed'"
                                        " WHERE id = $1::uuid RETURNING id", resolved, NULL));

  run_quiet (&fx, "2026-04-30");
  g_assert_cmpint (queued_for (&fx, v), ==, 0);
  run_quiet (&fx, "2026-05-01");
  run_quiet (&fx, "2026-05-02");
  g_assert_cmpint (queued_for (&fx, v), ==, 1);
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM reminders_sent WHERE deferred_work_id = $1::uuid", item), ==, 1);
  body = vb_test_sql (fx.floor.server, "SELECT body FROM outbound_messages WHERE kind = 'reminder'"
                                       " AND customer_id = $1::uuid", c, NULL);
  g_assert_nonnull (strstr (body, "we recommended: Replace wiper blades"));

  history = vehicle_reminders (&fx, v, "2026-05-02", NULL);
  items = json_object_get_array_member (vb_test_object (history), "deferred");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "deferred_work_id"), ==, item);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (items, 0),
                                                                         "sent")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (vb_test_object (history), "sent"), 0), "kind"), ==, "deferred");
  fx_clear (&fx);
}

/* ------------------------------------------------- scope and permissions --- */

static void
test_scope (void)
{
  Fx fx;
  g_autofree char *c = NULL, *v = NULL, *cb = NULL, *vb = NULL, *path_b = NULL, *path = NULL, *sent_id = NULL;
  g_autofree char *loc_b = NULL;
  g_autoptr(JsonNode) due = NULL;
  g_autoptr(JsonNode) paged = NULL;
  g_autoptr(JsonNode) next = NULL;
  g_autofree char *manager_b = NULL;

  fx_setup (&fx);
  c = customer (&fx, "Lan", "en", "email");
  v = vehicle (&fx, c, "51A-600.01");
  cb = customer_at (&fx, fx.floor.b, "Mai", "en", "email");
  vb = vehicle (&fx, cb, "29A-600.02");
  reading (&fx, v, 10000, "2026-01-01");
  reading (&fx, v, 12000, "2026-02-10");
  reading (&fx, vb, 10000, "2026-01-01");
  reading (&fx, vb, 12000, "2026-02-10");
  run_quiet (&fx, "2026-07-15");
  g_assert_cmpint (reminder_messages (&fx), ==, 2);

  /* The desk of HCM-1 sees HCM-1 only; HN-1's vehicle is not found; a technician may not read reminders. */
  due = vb_test_call (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-07-15", fx.floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (due), "items")), ==, 1);
  path_b = g_strdup_printf ("/api/v1/vehicles/%s/reminders", vb);
  vb_test_call_error (fx.floor.server, "GET", path_b, fx.floor.desk, NULL, 404, "not_found", NULL);
  path = g_strdup_printf ("/api/v1/vehicles/%s/reminders", v);
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/reminders/due", fx.floor.tech, NULL, 403, "forbidden", NULL);
  loc_b = g_strdup_printf ("/api/v1/reminders/due?location_id=%s", fx.floor.b);
  vb_test_call_error (fx.floor.server, "GET", loc_b, fx.floor.desk, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-13-01", fx.floor.desk, NULL, 422,
                      "validation_failed", "today");
  vb_test_call_error (fx.floor.server, "GET", "/api/v1/reminders/due?location_id=x", fx.floor.desk, NULL, 422,
                      "validation_failed", "location_id");

  /* The admin sees both, a page at a time. */
  paged = vb_test_call (fx.floor.server, "GET", "/api/v1/reminders/due?today=2026-07-15&limit=1", fx.floor.admin, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (paged), "items")), ==, 1);
  {
    g_autofree char *next_path = g_strdup_printf ("/api/v1/reminders/due?today=2026-07-15&limit=1&cursor=%s",
                                                  vb_test_str_of (paged, "next_cursor"));
    next = vb_test_call (fx.floor.server, "GET", next_path, fx.floor.admin, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (next), "items")), ==, 1);
    g_assert_true (json_object_get_null_member (vb_test_object (next), "next_cursor"));
  }

  /* Feed and audit: HCM-1's manager gets HCM-1's reminder, not HN-1's. */
  sent_id = vb_test_sql (fx.floor.server, "SELECT id FROM reminders_sent WHERE vehicle_id = $1::uuid", v, NULL);
  g_assert_true (vb_test_feed_has_row (fx.floor.server, fx.floor.manager, "reminders_sent", sent_id, "upsert"));
  {
    g_autofree char *b_id = vb_test_sql (fx.floor.server, "SELECT id FROM reminders_sent WHERE vehicle_id = $1::uuid",
                                         vb, NULL);
    g_assert_false (vb_test_feed_has (fx.floor.server, fx.floor.manager, "reminders_sent", b_id, NULL));
  }
  g_assert_cmpint (sql_int (&fx, "SELECT count(*) FROM audit_log WHERE entity = 'reminders_sent' AND entity_id = $1"
                                 " AND action = 'insert' AND actor_label = 'reminder-scheduler'", sent_id), ==, 1);
  (void) manager_b;
  fx_clear (&fx);
}

/* ------------------------------------------------------------ templates --- */

static void
test_templates (void)
{
  Fx fx;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) changed = NULL;
  g_autofree char *path = NULL, *c = NULL, *v = NULL, *subject = NULL;
  JsonArray *items;
  JsonObject *en_email = NULL;

  fx_setup (&fx);
  list = vb_test_call (fx.floor.server, "GET", "/api/v1/reminder-templates", fx.floor.desk, NULL, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 8);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      if (g_str_equal (json_object_get_string_member (o, "kind"), "maintenance")
          && g_str_equal (json_object_get_string_member (o, "channel"), "email")
          && g_str_equal (json_object_get_string_member (o, "language"), "en"))
        en_email = o;
    }
  g_assert_nonnull (en_email);
  path = g_strdup_printf ("/api/v1/reminder-templates/%s", json_object_get_string_member (en_email, "id"));
  /* Templates are global: a manager of one shop may not change them. */
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.manager,
                      "{\"version\": 1, \"subject\": \"x\"}", 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.admin,
                      "{\"version\": 1, \"subject\": \"a\\nb\"}", 422, "validation_failed", "subject");
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.admin,
                      "{\"version\": 1, \"body\": \"\"}", 422, "validation_failed", "body");
  changed = vb_test_call (fx.floor.server, "PATCH", path, fx.floor.admin,
                          "{\"version\": 1, \"subject\": \"Time for {service}: {plate}\"}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (changed), "version"), ==, 2);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.admin,
                      "{\"version\": 1, \"subject\": \"stale\"}", 409, "version_conflict", NULL);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "reminder_templates", vb_test_id_of (changed), "update"), ==, 1);

  c = customer (&fx, "Nam", "en", "email");
  v = vehicle (&fx, c, "51A-700.01");
  reading (&fx, v, 10000, "2026-01-01");
  reading (&fx, v, 12000, "2026-02-10");
  run_quiet (&fx, "2026-07-15");
  subject = vb_test_sql (fx.floor.server, "SELECT subject FROM outbound_messages WHERE kind = 'reminder'"
                                          " AND customer_id = $1::uuid", c, NULL);
  g_assert_cmpstr (subject, ==, "Time for Tire rotation: 51A-700.01");
  fx_clear (&fx);
}

/* ------------------------------------------------ the server's scheduler --- */

/* Two instances, each with a scheduler every second: an overdue cabin filter
 * (serviced 13 months ago) is queued once, by itself. */
static void
test_server_scheduler (void)
{
  Fx fx;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_months (now, -13);
  g_autofree char *date = g_date_time_format (then, "%Y-%m-%d");
  g_autofree char *c = NULL, *v = NULL, *config = NULL, *config_arg = NULL;
  g_autoptr(VbTestServer) peer = NULL;
  const char *args[2] = { NULL, NULL };
  gint64 n = 0;

  fx_setup (&fx);
  c = customer (&fx, "Oanh", "en", "email,sms");
  v = vehicle (&fx, c, "51A-800.01");
  g_free (service_done (&fx, c, v, fx.floor.cabin, date, "5000"));
  g_assert_cmpint (reminder_messages (&fx), ==, 0);

  config = g_build_filename (fx.floor.server->data_dir, "reminders.conf", NULL);
  g_assert_true (g_file_set_contents (config, "[reminders]\ninterval-seconds = 1\nlead-days = 7\n", -1, NULL));
  config_arg = g_strconcat ("--config=", config, NULL);
  args[0] = config_arg;
  g_strfreev (fx.floor.server->extra_args);
  fx.floor.server->extra_args = g_strdupv ((char **) args);
  vb_test_server_restart (fx.floor.server, FALSE);
  peer = vb_test_server_start_peer (fx.floor.server);

  for (guint i = 0; i < 100 && (n = queued_for (&fx, v)) < 2; i++)
    g_usleep (100 * 1000);
  g_assert_cmpint (n, ==, 2);
  g_usleep (2500 * 1000);   /* a few more runs on both instances */
  g_assert_cmpint (queued_for (&fx, v), ==, 2);
  g_assert_cmpint (reminder_messages (&fx), ==, 2);
  fx_clear (&fx);
}

int
main (int   argc,
      char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/reminders/projection", test_projection);
  g_test_add_func ("/reminders/run-once", test_run_once);
  g_test_add_func ("/reminders/concurrent-runs", test_concurrent_runs);
  g_test_add_func ("/reminders/unique-without-lock", test_unique_without_lock);
  g_test_add_func ("/reminders/consent-and-language", test_consent_and_language);
  g_test_add_func ("/reminders/deferred", test_deferred);
  g_test_add_func ("/reminders/scope", test_scope);
  g_test_add_func ("/reminders/templates", test_templates);
  g_test_add_func ("/reminders/server-scheduler", test_server_scheduler);
  return g_test_run ();
}
