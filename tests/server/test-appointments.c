/* test-appointments.c — availability and booking against the real server:
 * slots from opening hours, bays, shifts and HV levels; a booked slot
 * disappears; 50 concurrent bookings of one bay slot give exactly one 201
 * (exclusion constraint → 409); reschedule, cancel (frees the slot),
 * no-show, illegal transitions, technician rules (422), scoping per
 * location and role, and every mutation in the change feed and audit_log.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* The floor and the shop hours, bays and shift the bookings need. */
typedef struct
{
  VbTestFloor floor;   /* customer: no vehicle */
  char *bay_hv;        /* Bay 1: lift + hv_certified */
  char *bay_plain;     /* Bay 2: lift */
  char *day;           /* YYYY-MM-DD, a week ahead */
  char *next_day;
} Fx;

/* HCM-1 opens 08:00–10:00 local (UTC+7) = 01:00–03:00Z every day. */
static void
set_opening_hours (Fx *fx)
{
  g_autoptr(GString) days = g_string_new ("{\"days\": [");
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s/opening-hours", fx->floor.a);

  for (int wd = 0; wd < 7; wd++)
    g_string_append_printf (days, "%s{\"weekday\": %d, \"opens_at\": \"08:00\", \"closes_at\": \"10:00\"}",
                            wd ? ", " : "", wd);
  g_string_append (days, "]}");
  json_node_unref (vb_test_call (fx->floor.server, "PUT", path, fx->floor.admin, days->str, 200));
}

static void
fx_setup (Fx *fx)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, 7);
  g_autoptr(GDateTime) after = g_date_time_add_days (now, 8);
  g_autofree char *shift = NULL;

  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_DEFAULT);
  fx->day = g_date_time_format (then, "%Y-%m-%d");
  fx->next_day = g_date_time_format (after, "%Y-%m-%d");
  fx->bay_hv = vb_test_floor_add_bay (&fx->floor, "Bay 1", "[\"lift\", \"hv_certified\"]");
  fx->bay_plain = vb_test_floor_add_bay (&fx->floor, "Bay 2", "[\"lift\"]");
  set_opening_hours (fx);
  /* The technician works the whole day of fx->day only. */
  shift = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                           " \"starts_at\": \"%sT00:00:00Z\", \"ends_at\": \"%sT04:00:00Z\"}",
                           fx->floor.tech_id, fx->floor.a, fx->day, fx->day);
  json_node_unref (vb_test_call (fx->floor.server, "POST", "/api/v1/staff/shifts", fx->floor.manager, shift, 201));
  vb_test_floor_add_customer (&fx->floor, fx->floor.desk, fx->floor.a, "Minh", NULL, &fx->floor.customer, NULL);
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->bay_hv); g_free (fx->bay_plain); g_free (fx->day); g_free (fx->next_day);
}

static JsonArray *
availability (Fx         *fx,
              const char *token,
              const char *services,
              JsonNode  **keep)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                                           fx->floor.a, services, fx->day, fx->day);
  *keep = vb_test_call (fx->floor.server, "GET", path, token, NULL, 200);
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
                          fx->floor.a, fx->floor.customer, services, bay, tech_json, day, hhmm);
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
  tire_arr = g_strdup_printf ("[\"%s\"]", fx.floor.tire);
  hv_arr = g_strdup_printf ("[\"%s\"]", fx.floor.battery);

  /* 30 min on a 15-minute grid in 01:00–03:00Z: starts 01:00 … 02:30, both bays. */
  slots = availability (&fx, fx.floor.desk, fx.floor.tire, &k1);
  g_assert_cmpuint (json_array_get_length (slots), ==, 14);
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_true (has_slot (&fx, slots, "02:30", fx.bay_plain));
  g_assert_false (has_slot (&fx, slots, "02:45", NULL));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (slots, 0), "technician_id"),
                   ==, fx.floor.tech_id);
  /* HV service: the technician has no HV level yet → no slots. */
  slots = availability (&fx, fx.floor.desk, fx.floor.battery, &k2);
  g_assert_cmpuint (json_array_get_length (slots), ==, 0);
  {
    g_autofree char *bad = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=2099-01-01",
                                            fx.floor.a, fx.floor.tire, fx.day);
    vb_test_call_error (fx.floor.server, "GET", bad, fx.floor.desk, NULL, 422, "validation_failed", "to");
  }

  /* Technician rules → 422 technician_id; HV on a plain bay → 422 bay_id. */
  body = booking (&fx, hv_arr, fx.bay_hv, fx.floor.tech_id, fx.day, "01:00");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = booking (&fx, tire_arr, fx.bay_hv, fx.floor.tech_id, fx.next_day, "01:00");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, body, 422, "validation_failed", "technician_id");
  g_free (body);
  body = booking (&fx, hv_arr, fx.bay_plain, NULL, fx.day, "01:00");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, body, 422, "validation_failed", "bay_id");
  cert = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"HV level 1\", \"hv_level\": 1,"
                          " \"issued_on\": \"2020-01-01\"}", fx.floor.tech_id);
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/staff/certifications", fx.floor.manager, cert, 201));
  slots = availability (&fx, fx.floor.desk, fx.floor.battery, &k3);
  g_assert_cmpuint (json_array_get_length (slots), ==, 7);   /* only the hv_certified bay */
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_false (has_slot (&fx, slots, "01:00", fx.bay_plain));

  /* Book 01:00Z with the technician: 01:00 and 01:15 vanish everywhere. */
  g_free (body);
  body = booking (&fx, tire_arr, fx.bay_hv, fx.floor.tech_id, fx.day, "01:00");
  booked = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, body, 201);
  id = vb_test_id_of (booked);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (booked), "status"), ==, "booked");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (booked), "version"), ==, 1);
  slots = availability (&fx, fx.floor.desk, fx.floor.tire, &k4);
  g_assert_false (has_slot (&fx, slots, "01:00", NULL));
  g_assert_false (has_slot (&fx, slots, "01:15", NULL));
  g_assert_true (has_slot (&fx, slots, "01:30", fx.bay_hv));
  g_assert_cmpuint (json_array_get_length (slots), ==, 10);
  /* The same slot again: 409 naming starts_at. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.manager, body, 409, "conflict", "starts_at");

  /* Reschedule to 02:00Z in the other bay (version required). */
  path = g_strdup_printf ("/api/v1/appointments/%s", id);
  g_free (body);
  body = g_strdup_printf ("{\"version\": 1, \"starts_at\": \"%sT02:00:00Z\", \"bay_id\": \"%s\"}",
                          fx.day, fx.bay_plain);
  moved = vb_test_call (fx.floor.server, "PATCH", path, fx.floor.desk, body, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (moved), "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (moved), "bay_id"), ==, fx.bay_plain);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, body, 409, "version_conflict", NULL);
  {
    g_autofree char *no_shift = g_strdup_printf ("{\"version\": 2, \"starts_at\": \"%sT01:00:00Z\"}", fx.next_day);
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, no_shift, 422, "validation_failed", "technician_id");
  }
  slots = availability (&fx, fx.floor.desk, fx.floor.tire, &k5);
  g_assert_true (has_slot (&fx, slots, "01:00", fx.bay_hv));
  g_assert_false (has_slot (&fx, slots, "02:00", NULL));

  /* Another booking into the same technician's time → 409. */
  {
    g_autofree char *clash = booking (&fx, tire_arr, fx.bay_hv, fx.floor.tech_id, fx.day, "02:15");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, clash, 409, "conflict", "starts_at");
  }

  /* Cancel frees the slot; cancelling again / no-show / reschedule → 409. */
  {
    g_autofree char *cancel = g_strconcat (path, "/cancel", NULL);
    g_autofree char *noshow = g_strconcat (path, "/no-show", NULL);
    g_autofree char *again = booking (&fx, tire_arr, fx.bay_plain, fx.floor.tech_id, fx.day, "02:00");
    g_autoptr(JsonNode) rebooked = NULL;
    g_autoptr(JsonNode) ns = NULL;
    g_autofree char *ns_path = NULL;

    /* A version makes the cancel conditional: a stale one changes nothing. */
    vb_test_call_error (fx.floor.server, "POST", cancel, fx.floor.desk, "{\"version\": 99}", 409, "version_conflict", NULL);
    json_node_unref (vb_test_call (fx.floor.server, "POST", cancel, fx.floor.desk, NULL, 200));
    vb_test_call_error (fx.floor.server, "POST", cancel, fx.floor.desk, NULL, 409, "conflict", "status");
    vb_test_call_error (fx.floor.server, "POST", noshow, fx.floor.desk, NULL, 409, "conflict", "status");
    vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.desk, "{\"version\": 3, \"starts_at\": \"2099-01-01T01:00:00Z\"}",
                409, "conflict", "status");
    rebooked = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, again, 201);
    ns_path = g_strdup_printf ("/api/v1/appointments/%s/no-show", vb_test_id_of (rebooked));
    ns = vb_test_call (fx.floor.server, "POST", ns_path, fx.floor.manager, "{\"version\": 1}", 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (ns), "status"), ==, "no_show");
    vb_test_call_error (fx.floor.server, "POST", ns_path, fx.floor.manager, NULL, 409, "conflict", "status");
    g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.desk, "appointments", vb_test_id_of (rebooked), "upsert"));
    g_assert_cmpint (vb_test_audit_count (fx.floor.server, "appointments", vb_test_id_of (rebooked), "update"), >=, 1);
  }

  /* Every mutation in the feed and the audit trail. */
  got = vb_test_call (fx.floor.server, "GET", path, fx.floor.tech, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (got), "status"), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "version"), ==, 3);
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.desk, "appointments", id, "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "appointments", id, "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "appointments", id, "update"), ==, 2);

  /* Client-chosen id; a duplicate one is 409 naming id. */
  {
    g_autofree char *plain = booking (&fx, tire_arr, fx.bay_hv, NULL, fx.day, "02:30");
    g_autofree char *own = g_strdup_printf ("{\"id\": \"0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11\", %s", plain + 1);
    other = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, own, 201);
    g_assert_cmpstr (vb_test_id_of (other), ==, "0b7c1a52-8a0e-4f38-9b1e-3f6a8a3c0b11");
    vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.desk, own, 409, "conflict", NULL);
  }
  fx_clear (&fx);
}

/* ------------------------------------------------------- concurrency --- */

static void
test_concurrent_booking (void)
{
  Fx fx;
  enum { N = 50 };
  guint created = 0, conflicts = 0;
  g_autofree char *services = NULL;
  g_autofree char *body = NULL;
  g_autofree char *list_path = NULL;
  g_autoptr(JsonNode) list = NULL;

  fx_setup (&fx);
  services = g_strdup_printf ("[\"%s\"]", fx.floor.tire);
  body = booking (&fx, services, fx.bay_plain, NULL, fx.day, "01:30");
  vb_test_post_race (fx.floor.server, "/api/v1/appointments", fx.floor.desk, body, N, NULL, &created, &conflicts);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, N - 1);
  list_path = g_strdup_printf ("/api/v1/appointments?location_id=%s&from=%s&to=%s&bay_id=%s",
                               fx.floor.a, fx.day, fx.day, fx.bay_plain);
  list = vb_test_call (fx.floor.server, "GET", list_path, fx.floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
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
  desk_b = vb_test_user_token (fx.floor.server, "desk-b@example.com", "reception", "HN-1");
  services = g_strdup_printf ("[\"%s\"]", fx.floor.tire);
  body = booking (&fx, services, fx.bay_hv, fx.floor.tech_id, fx.day, "01:00");

  /* Technicians read but do not book; another location's desk cannot book here. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.tech, body, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/appointments", desk_b, body, 403, "forbidden", NULL);
  booked = vb_test_call (fx.floor.server, "POST", "/api/v1/appointments", fx.floor.manager, body, 201);
  path = g_strdup_printf ("/api/v1/appointments/%s", vb_test_id_of (booked));
  cancel = g_strconcat (path, "/cancel", NULL);

  /* Invisible from HN-1: 404 on the record, absent from lists, 403 on availability. */
  vb_test_call_error (fx.floor.server, "GET", path, desk_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "POST", cancel, desk_b, NULL, 404, "not_found", NULL);
  list_a = g_strdup_printf ("/api/v1/appointments?location_id=%s", fx.floor.a);
  list = vb_test_call (fx.floor.server, "GET", list_a, desk_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 0);
  avail = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                           fx.floor.a, fx.floor.tire, fx.day, fx.day);
  vb_test_call_error (fx.floor.server, "GET", avail, desk_b, NULL, 403, "forbidden", NULL);

  /* Visible to every role at HCM-1; the technician may not cancel. */
  mine = vb_test_call (fx.floor.server, "GET", list_a, fx.floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (mine), "items")), ==, 1);
  theirs = vb_test_call (fx.floor.server, "GET", path, fx.floor.desk, NULL, 200);
  g_assert_cmpstr (vb_test_id_of (theirs), ==, vb_test_id_of (booked));
  json_node_unref (vb_test_call (fx.floor.server, "GET", avail, fx.floor.tech, NULL, 200));
  vb_test_call_error (fx.floor.server, "POST", cancel, fx.floor.tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.tech, "{\"version\": 1, \"notes\": \"x\"}", 403, "forbidden", NULL);
  json_node_unref (vb_test_call (fx.floor.server, "GET", "/api/v1/appointments", NULL, NULL, 401));
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
