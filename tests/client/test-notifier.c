/* test-notifier.c — VbNotifier against a real session bus and
 * python3-dbusmock's notification daemon (run-dbus-test.sh starts both):
 * the Notify calls the daemon received are read back with the mock's
 * GetCalls.  Changes reach a real VbCache file as change-feed pages
 * (vb_cache_apply_changes) or as the user's own edits (vb_cache_enqueue).
 *
 * What must notify: a new booking at my location arriving after start, a
 * task assigned to me by someone else.  What must not: what the cache
 * held at start, what the first catch-up brought, bookings elsewhere or
 * not booked, edits of known bookings, tasks of others, and everything the
 * user did here (also when the server's copy of it comes back). */
#include <glib/gstdio.h>

#include "vb-cache.h"
#include "vb-notifier.h"

#define APP_ID "io.github.voltbay.Reception"
#define ME "00000000-0000-4000-8000-0000000000e1"
#define OTHER "00000000-0000-4000-8000-0000000000e2"
#define L1 "00000000-0000-4000-8000-0000000000a1"
#define L2 "00000000-0000-4000-8000-0000000000a2"

typedef struct
{
  char            *dir;
  VbCache         *cache;
  GDBusConnection *bus;
  guint            notified;
  char            *last_rule;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* Forget the calls of earlier cases. */
  g_dbus_connection_call_sync (f->bus, "org.freedesktop.Notifications",
                               "/org/freedesktop/Notifications", "org.freedesktop.DBus.Mock",
                               "ClearCalls", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                               &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("vb-notifier-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "cache.sqlite", NULL);
  f->cache = vb_cache_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_finalize_object (f->cache);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->last_rule);
  g_clear_object (&f->bus);
}

static void
notified_cb (VbNotifier *notifier,
             const char *rule,
             const char *entity,
             const char *id,
             const char *summary,
             const char *body,
             Fixture    *f)
{
  f->notified++;
  g_test_message ("notified: %s %s %s", rule, entity, id);
  g_free (f->last_rule);
  f->last_rule = g_strdup (rule);
}

/* One page of the change feed, written with ' for " to stay readable. */
static void
apply (Fixture    *f,
       const char *items)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup (items);

  g_strdelimit (json, "'", '"');
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (vb_cache_apply_changes (f->cache, json_node_get_array (json_parser_get_root (parser)),
                                         "cursor", &error));
  g_assert_no_error (error);
}

static void
apply_booking (Fixture    *f,
               const char *id,
               gint64      version,
               const char *location,
               const char *status)
{
  g_autofree char *page =
    g_strdup_printf ("[{'entity':'appointments','id':'%s','version':%" G_GINT64_FORMAT ","
                     "'op':'upsert','location_id':'%s','row':{'id':'%s','location_id':'%s',"
                     "'customer_id':'c1','starts_at':'2026-12-01T01:00:00Z','status':'%s',"
                     "'version':%" G_GINT64_FORMAT "}}]",
                     id, version, location, id, location, status, version);

  apply (f, page);
}

static void
apply_task (Fixture    *f,
            const char *id,
            gint64      version,
            const char *technician,
            const char *status)
{
  g_autofree char *page =
    g_strdup_printf ("[{'entity':'work_order_tasks','id':'%s','version':%" G_GINT64_FORMAT ","
                     "'op':'upsert','location_id':'" L1 "','row':{'id':'%s','location_id':'" L1 "',"
                     "'work_order_id':'w1','title':'Tire rotation','technician_id':%s%s%s,"
                     "'status':'%s','version':%" G_GINT64_FORMAT "}}]",
                     id, version, id, technician != NULL ? "'" : "",
                     technician != NULL ? technician : "null", technician != NULL ? "'" : "",
                     status, version);

  apply (f, page);
}

/* The Notify calls the mock daemon has received. */
static GVariant *
notify_calls (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) calls = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *args;
  const char *method;

  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.Notifications",
                                       "/org/freedesktop/Notifications",
                                       "org.freedesktop.DBus.Mock", "GetCalls", NULL,
                                       G_VARIANT_TYPE ("(a(tsav))"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aav"));
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_loop (&iter, "(t&s@av)", NULL, &method, &args))
    if (g_str_equal (method, "Notify"))
      g_variant_builder_add_value (&builder, args);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits until the daemon has n Notify calls (they are sent from a worker
 * thread), then a little longer to catch any extra one. */
static GVariant *
wait_for_calls (Fixture *f,
                gsize    n)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  GVariant *calls = NULL;

  while (!timed_out)
    {
      g_clear_pointer (&calls, g_variant_unref);
      calls = notify_calls (f);
      if (g_variant_n_children (calls) >= n)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  if (!timed_out)
    g_source_remove (timeout);
  /* Let any queued show finish: none may be left over. */
  for (guint i = 0; i < 20; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_clear_pointer (&calls, g_variant_unref);
  calls = notify_calls (f);
  g_assert_cmpuint (g_variant_n_children (calls), ==, n);
  return calls;
}

/* Call i's summary and body, and its desktop-entry hint. */
static void
assert_call (GVariant   *calls,
             gsize       i,
             const char *expected_summary,
             const char *expected_body)
{
  g_autoptr(GVariant) args = g_variant_get_child_value (calls, i);
  g_autoptr(GVariant) summary_v = NULL;
  g_autoptr(GVariant) body_v = NULL;
  g_autoptr(GVariant) hints_v = NULL;
  g_autoptr(GVariant) summary = NULL;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) hints = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GVariant) category = NULL;

  g_assert_cmpuint (g_variant_n_children (args), ==, 8);
  summary_v = g_variant_get_child_value (args, 3);
  body_v = g_variant_get_child_value (args, 4);
  hints_v = g_variant_get_child_value (args, 6);
  summary = g_variant_get_variant (summary_v);
  body = g_variant_get_variant (body_v);
  hints = g_variant_get_variant (hints_v);
  g_assert_cmpstr (g_variant_get_string (summary, NULL), ==, expected_summary);
  g_assert_cmpstr (g_variant_get_string (body, NULL), ==, expected_body);
  entry = g_variant_lookup_value (hints, "desktop-entry", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (entry);
  g_assert_cmpstr (g_variant_get_string (entry, NULL), ==, APP_ID);
  category = g_variant_lookup_value (hints, "category", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (category);
  g_assert_true (g_str_has_prefix (g_variant_get_string (category, NULL), "x-voltbay."));
}

static void
test_bookings (Fixture       *f,
               gconstpointer  data)
{
  const char *mine[] = { L1, NULL };
  g_autoptr(VbNotifier) notifier = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GError) error = NULL;

  /* In the cache before start, then the first catch-up: nothing. */
  apply (f, "[{'entity':'customers','id':'c1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'c1','display_name':'Minh Nguyen','version':1}}]");
  apply_booking (f, "b1", 1, L1, "booked");
  notifier = vb_notifier_new (f->cache, APP_ID, ME, mine);
  g_signal_connect (notifier, "notified", G_CALLBACK (notified_cb), f);
  g_assert_false (vb_notifier_get_armed (notifier));
  apply_booking (f, "b2", 1, L1, "booked");
  apply_booking (f, "b3", 1, L1, "booked");
  vb_notifier_arm (notifier);
  g_assert_true (vb_notifier_get_armed (notifier));
  g_assert_cmpuint (f->notified, ==, 0);

  /* A new booking at my location, from the server: one. */
  apply_booking (f, "b4", 1, L1, "booked");
  g_assert_cmpuint (f->notified, ==, 1);
  g_assert_cmpstr (f->last_rule, ==, "new-booking");

  /* Elsewhere, not booked, an edit of a known one, a delete: none. */
  apply_booking (f, "b5", 1, L2, "booked");
  apply_booking (f, "b6", 1, L1, "cancelled");
  apply_booking (f, "b2", 2, L1, "booked");
  apply (f, "[{'entity':'appointments','id':'b3','version':2,'op':'delete','location_id':'" L1 "'}]");
  g_assert_cmpuint (f->notified, ==, 1);

  /* Booked here by the user: neither the local create nor its pull. */
  {
    g_autoptr(JsonObject) fields = json_object_new ();

    json_object_set_string_member (fields, "id", "b7");
    json_object_set_string_member (fields, "location_id", L1);
    json_object_set_string_member (fields, "status", "booked");
    json_object_set_string_member (fields, "starts_at", "2026-12-01T02:00:00Z");
    g_assert_cmpint (vb_cache_enqueue (f->cache, VB_CHANGE_ACTION, "appointments", "b7", "POST",
                                       "/api/v1/appointments", fields, fields, &error), >, 0);
    g_assert_no_error (error);
    apply_booking (f, "b7", 1, L1, "booked");
  }
  g_assert_cmpuint (f->notified, ==, 1);

  /* Turned off (the desk's preference): nothing, and turned on again the
   * bookings that came meanwhile stay unannounced. */
  vb_notifier_set_rule_enabled (notifier, "new-booking", FALSE);
  g_assert_false (vb_notifier_get_rule_enabled (notifier, "new-booking"));
  g_assert_true (vb_notifier_get_rule_enabled (notifier, "vehicle-ready"));
  apply_booking (f, "b8", 1, L1, "booked");
  g_assert_cmpuint (f->notified, ==, 1);
  vb_notifier_set_rule_enabled (notifier, "new-booking", TRUE);
  apply_booking (f, "b8", 2, L1, "booked");
  g_assert_cmpuint (f->notified, ==, 1);
  apply_booking (f, "b9", 1, L1, "booked");
  g_assert_cmpuint (f->notified, ==, 2);

  calls = wait_for_calls (f, 2);
  g_assert_cmpuint (g_variant_n_children (calls), ==, 2);
  assert_call (calls, 0, "New booking", "Minh Nguyen, Tue 1 Dec 08:00");
}

static void
test_tasks (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(VbNotifier) notifier = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GError) error = NULL;

  apply (f, "[{'entity':'work_orders','id':'w1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w1','location_id':'" L1 "','number':42,'version':1}}]");
  apply_task (f, "t1", 1, ME, "pending");
  notifier = vb_notifier_new (f->cache, APP_ID, ME, NULL);
  g_signal_connect (notifier, "notified", G_CALLBACK (notified_cb), f);
  vb_notifier_arm (notifier);

  /* Already mine at start, then edited: nothing new. */
  apply_task (f, "t1", 2, ME, "in_progress");
  /* Someone else's, unassigned: nothing. */
  apply_task (f, "t2", 1, OTHER, "pending");
  apply_task (f, "t3", 1, NULL, "pending");
  g_assert_cmpuint (f->notified, ==, 0);

  /* Assigned to me by the office: one. */
  apply_task (f, "t3", 2, ME, "pending");
  g_assert_cmpuint (f->notified, ==, 1);
  g_assert_cmpstr (f->last_rule, ==, "task-assigned");
  /* Edited again while mine: nothing; reassigned away and back: one more. */
  apply_task (f, "t3", 3, ME, "in_progress");
  g_assert_cmpuint (f->notified, ==, 1);
  apply_task (f, "t3", 4, OTHER, "in_progress");
  apply_task (f, "t3", 5, ME, "in_progress");
  g_assert_cmpuint (f->notified, ==, 2);

  /* I take t2 myself: neither my edit nor the pull that confirms it. */
  {
    g_autoptr(JsonObject) fields = json_object_new ();

    json_object_set_string_member (fields, "technician_id", ME);
    g_assert_cmpint (vb_cache_enqueue (f->cache, VB_CHANGE_UPDATE, "work_order_tasks", "t2", "PATCH",
                                       "/api/v1/work-order-tasks/t2", fields, fields, &error), >, 0);
    g_assert_no_error (error);
    apply_task (f, "t2", 2, ME, "pending");
  }
  g_assert_cmpuint (f->notified, ==, 2);

  calls = wait_for_calls (f, 2);
  assert_call (calls, 0, "Job assigned to you", "Tire rotation · #42");
  assert_call (calls, 1, "Job assigned to you", "Tire rotation · #42");
}

/* A customer's reply and a car that becomes ready: once each, from the
 * server; not for unknown senders, other locations, or one's own moves. */
static void
test_replies_and_ready (Fixture       *f,
                        gconstpointer  data)
{
  const char *mine[] = { L1, NULL };
  g_autoptr(VbNotifier) notifier = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GError) error = NULL;

  apply (f, "[{'entity':'customers','id':'c1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'c1','display_name':'Minh Nguyen','version':1}},"
            " {'entity':'vehicles','id':'v1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'v1','customer_id':'c1','plate':'51K-123.45','version':1}},"
            " {'entity':'inbound_messages','id':'i0','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'i0','customer_id':'c1','location_id':'" L1 "','channel':'sms','body':'Old','version':1}},"
            " {'entity':'work_orders','id':'w2','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w2','location_id':'" L1 "','number':43,'vehicle_id':'v1','status':'in_progress','version':1}},"
            " {'entity':'work_orders','id':'w3','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w3','location_id':'" L1 "','number':44,'status':'ready','version':1}}]");
  notifier = vb_notifier_new (f->cache, APP_ID, ME, mine);
  g_signal_connect (notifier, "notified", G_CALLBACK (notified_cb), f);
  vb_notifier_arm (notifier);
  g_assert_cmpuint (f->notified, ==, 0);

  /* A reply from a known customer at my location: one. */
  apply (f, "[{'entity':'inbound_messages','id':'i1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'i1','customer_id':'c1','location_id':'" L1 "','channel':'sms',"
            " 'body':'Xe xong chưa?','version':1}}]");
  g_assert_cmpuint (f->notified, ==, 1);
  g_assert_cmpstr (f->last_rule, ==, "customer-replied");
  /* An unknown sender, another location's customer, an edit: none. */
  apply (f, "[{'entity':'inbound_messages','id':'i2','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'i2','customer_id':null,'location_id':'" L1 "','channel':'sms','body':'Hi','version':1}},"
            " {'entity':'inbound_messages','id':'i3','version':1,'op':'upsert','location_id':'" L2 "',"
            " 'row':{'id':'i3','customer_id':'c9','location_id':'" L2 "','channel':'sms','body':'Hi','version':1}},"
            " {'entity':'inbound_messages','id':'i1','version':2,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'i1','customer_id':'c1','location_id':'" L1 "','channel':'sms',"
            " 'body':'Xe xong chưa?','version':2}}]");
  g_assert_cmpuint (f->notified, ==, 1);

  /* The bay finishes w2: one; ready again after an edit: none. */
  apply (f, "[{'entity':'work_orders','id':'w2','version':2,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w2','location_id':'" L1 "','number':43,'vehicle_id':'v1','status':'ready','version':2}}]");
  g_assert_cmpuint (f->notified, ==, 2);
  g_assert_cmpstr (f->last_rule, ==, "vehicle-ready");
  apply (f, "[{'entity':'work_orders','id':'w2','version':3,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w2','location_id':'" L1 "','number':43,'vehicle_id':'v1','status':'ready','version':3}}]");
  g_assert_cmpuint (f->notified, ==, 2);

  /* w3 (ready at start) collected, and moved back to ready here: mine, none. */
  apply (f, "[{'entity':'work_orders','id':'w3','version':2,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'w3','location_id':'" L1 "','number':44,'status':'quality_check','version':2}}]");
  {
    g_autoptr(JsonObject) fields = json_object_new ();

    json_object_set_string_member (fields, "status", "ready");
    g_assert_cmpint (vb_cache_enqueue (f->cache, VB_CHANGE_ACTION, "work_orders", "w3", "POST",
                                       "/api/v1/work-orders/w3/status", fields, fields, &error), >, 0);
    g_assert_no_error (error);
    apply (f, "[{'entity':'work_orders','id':'w3','version':3,'op':'upsert','location_id':'" L1 "',"
              " 'row':{'id':'w3','location_id':'" L1 "','number':44,'status':'ready','version':3}}]");
  }
  g_assert_cmpuint (f->notified, ==, 2);

  calls = wait_for_calls (f, 2);
  assert_call (calls, 0, "Customer replied", "Minh Nguyen: Xe xong chưa?");
  assert_call (calls, 1, "Vehicle ready", "51K-123.45 · #43");
}

static void
open_record_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GVariant **opened = user_data;

  g_clear_pointer (opened, g_variant_unref);
  *opened = g_variant_ref (parameter);
}

/* A click on a reply's notification runs the application's
 * app.open-record ("conversations", customer id). */
static void
test_click_opens (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GApplication) application = g_application_new ("io.github.voltbay.NotifierTest",
                                                            G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSimpleAction) action = g_simple_action_new ("open-record", G_VARIANT_TYPE ("(ss)"));
  g_autoptr(VbNotifier) notifier = NULL;
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) actions_v = NULL;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GError) error = NULL;
  const char *entity = NULL;
  const char *id = NULL;
  gboolean timed_out = FALSE;
  guint timeout;

  g_signal_connect (action, "activate", G_CALLBACK (open_record_cb), &opened);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (action));
  g_assert_true (g_application_register (application, NULL, &error));
  g_assert_no_error (error);
  g_application_set_default (application);

  notifier = vb_notifier_new (f->cache, APP_ID, ME, NULL);
  vb_notifier_arm (notifier);
  apply (f, "[{'entity':'inbound_messages','id':'i1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'i1','customer_id':'c1','location_id':'" L1 "','channel':'sms',"
            " 'body':'Hello','version':1}}]");
  calls = wait_for_calls (f, 1);
  args = g_variant_get_child_value (calls, 0);
  actions_v = g_variant_get_child_value (args, 5);
  actions = g_variant_get_variant (actions_v);
  g_assert_cmpuint (g_variant_n_children (actions), ==, 2);
  {
    g_autoptr(GVariant) key = g_variant_get_child_value (actions, 0);

    g_assert_cmpstr (g_variant_get_string (key, NULL), ==, "default");
  }

  /* The daemon reports the click.  The mock does not say which id it gave,
   * so every id handed out so far is clicked; only ours is alive. */
  for (guint32 n = 1; n <= 64; n++)
    {
      g_dbus_connection_call_sync (f->bus, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                   "org.freedesktop.DBus.Mock", "EmitSignal",
                                   g_variant_new ("(sss@av)", "org.freedesktop.Notifications", "ActionInvoked", "us",
                                                  g_variant_new_parsed ("[<%u>, <'default'>]", n)),
                                   NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
      g_assert_no_error (error);
    }
  timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (opened == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_nonnull (opened);
  g_variant_get (opened, "(&s&s)", &entity, &id);
  g_assert_cmpstr (entity, ==, "conversations");
  g_assert_cmpstr (id, ==, "c1");
  g_application_set_default (NULL);
}

/* Before vb_notifier_arm() nothing notifies, even changes after start. */
static void
test_quiet_until_armed (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(VbNotifier) notifier = vb_notifier_new (f->cache, APP_ID, ME, NULL);
  g_autoptr(GVariant) calls = NULL;
  const char * const *rules = vb_notifier_list_rules ();

  g_assert_true (g_strv_contains (rules, "new-booking"));
  g_assert_true (g_strv_contains (rules, "task-assigned"));
  g_assert_true (g_strv_contains (rules, "customer-replied"));
  g_assert_true (g_strv_contains (rules, "vehicle-ready"));
  g_signal_connect (notifier, "notified", G_CALLBACK (notified_cb), f);
  apply_booking (f, "b1", 1, L1, "booked");
  apply_task (f, "t1", 1, ME, "pending");
  g_assert_cmpuint (f->notified, ==, 0);
  calls = wait_for_calls (f, 0);

  g_object_add_weak_pointer (G_OBJECT (notifier), (gpointer *) &notifier);
  g_object_unref (notifier);
  g_assert_null (notifier);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Asia/Ho_Chi_Minh", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("Run through tests/client/run-dbus-test.sh: no session bus");

  g_test_add ("/notifier/bookings", Fixture, NULL, fixture_set_up, test_bookings, fixture_tear_down);
  g_test_add ("/notifier/tasks", Fixture, NULL, fixture_set_up, test_tasks, fixture_tear_down);
  g_test_add ("/notifier/replies-and-ready", Fixture, NULL, fixture_set_up, test_replies_and_ready,
              fixture_tear_down);
  g_test_add ("/notifier/click-opens", Fixture, NULL, fixture_set_up, test_click_opens, fixture_tear_down);
  g_test_add ("/notifier/quiet-until-armed", Fixture, NULL, fixture_set_up, test_quiet_until_armed,
              fixture_tear_down);
  return g_test_run ();
}
