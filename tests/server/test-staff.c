/* test-staff.c — shifts, leave and certifications against the real server:
 * no overlapping shifts per user (exclusion constraint → 409), version
 * conflicts, validation naming the field, permissions per role and
 * location, the expiring-certifications listing, vb_user_hv_level(), and
 * every mutation in the change feed and the audit trail.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* Every mutation is in the feed and in the audit trail. */
static void
assert_recorded (VbTestServer *server,
                 const char   *token,
                 const char   *entity,
                 const char   *id,
                 const char   *action)
{
  g_assert_true (vb_test_feed_has_row (server, token, entity, id,
                                       g_str_equal (action, "delete") ? "delete" : "upsert"));
  g_assert_cmpint (vb_test_audit_count (server, entity, id, action), >=, 1);
}

static guint
count_items (VbTestServer *server,
             const char   *path,
             const char   *token)
{
  g_autoptr(JsonNode) reply = vb_test_call (server, "GET", path, token, NULL, 200);
  return json_array_get_length (json_object_get_array_member (vb_test_object (reply), "items"));
}

static char *
date_in_days (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);
  return g_date_time_format (then, "%Y-%m-%d");
}

static void
test_shifts (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech = vb_test_user_token (server, "tech@example.com", "technician", "HCM-1");
  g_autofree char *tech_id = vb_test_me_id (server, tech);
  g_autofree char *body = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                           " \"starts_at\": \"2026-12-01T01:00:00Z\","
                                           " \"ends_at\": \"2026-12-01T09:00:00Z\", \"notes\": \"early\"}",
                                           tech_id, a);
  g_autofree char *overlap = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                              " \"starts_at\": \"2026-12-01T08:00:00Z\","
                                              " \"ends_at\": \"2026-12-01T12:00:00Z\"}", tech_id, a);
  g_autofree char *adjacent = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                               " \"starts_at\": \"2026-12-01T09:00:00Z\","
                                               " \"ends_at\": \"2026-12-01T12:00:00Z\"}", tech_id, a);
  g_autofree char *at_b = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                           " \"starts_at\": \"2026-12-02T01:00:00Z\","
                                           " \"ends_at\": \"2026-12-02T09:00:00Z\"}", tech_id, b);
  g_autofree char *backwards = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                                " \"starts_at\": \"2026-12-03T09:00:00Z\","
                                                " \"ends_at\": \"2026-12-03T01:00:00Z\"}", tech_id, a);
  g_autofree char *bad_time = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                               " \"starts_at\": \"tomorrow\","
                                               " \"ends_at\": \"2026-12-03T01:00:00Z\"}", tech_id, a);
  g_autofree char *no_user = g_strdup_printf ("{\"user_id\": \"7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11\","
                                              " \"location_id\": \"%s\","
                                              " \"starts_at\": \"2026-12-04T01:00:00Z\","
                                              " \"ends_at\": \"2026-12-04T09:00:00Z\"}", a);
  g_autoptr(JsonNode) shift = vb_test_call (server, "POST", "/api/v1/staff/shifts", manager, body, 201);
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) b_shift = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/staff/shifts/%s", vb_test_id_of (shift));
  g_autofree char *b_path = NULL;
  JsonObject *o = vb_test_object (shift);

  g_assert_cmpstr (json_object_get_string_member (o, "starts_at"), ==, "2026-12-01T01:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (o, "ends_at"), ==, "2026-12-01T09:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (o, "user_id"), ==, tech_id);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);

  /* overlapping shifts of one user: 409; touching ends are fine */
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, overlap, 409, "conflict", "starts_at");
  second = vb_test_call (server, "POST", "/api/v1/staff/shifts", manager, adjacent, 201);
  /* moving the first into the second: 409 too */
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 1, \"ends_at\": \"2026-12-01T10:00:00Z\"}",
              409, "conflict", "starts_at");
  moved = vb_test_call (server, "PATCH", path, manager, "{\"version\": 1, \"starts_at\": \"2026-12-01T02:00:00Z\"}",
                200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (moved), "version"), ==, 2);
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 1, \"notes\": \"late\"}", 409,
              "version_conflict", NULL);

  /* validation */
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, backwards, 422, "validation_failed", "ends_at");
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, bad_time, 422, "validation_failed", "starts_at");
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, no_user, 422, "validation_failed", "user_id");
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, "{\"notes\": \"x\"}", 422,
              "validation_failed", "user_id");

  /* permissions: reception reads, cannot plan; technicians see no staff
   * schedule; A's manager cannot plan at B */
  g_assert_cmpuint (count_items (server, "/api/v1/staff/shifts", desk), ==, 2);
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", desk, at_b, 403, "forbidden", NULL);
  vb_test_call_error (server, "GET", "/api/v1/staff/shifts", tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (server, "POST", "/api/v1/staff/shifts", manager, at_b, 403, "forbidden", NULL);
  b_shift = vb_test_call (server, "POST", "/api/v1/staff/shifts", admin, at_b, 201);
  b_path = g_strdup_printf ("/api/v1/staff/shifts/%s", vb_test_id_of (b_shift));
  vb_test_call_error (server, "PATCH", b_path, manager, "{\"version\": 1, \"notes\": \"mine\"}", 403, "forbidden", NULL);
  {
    g_autofree char *move = g_strdup_printf ("{\"version\": 2, \"location_id\": \"%s\"}", b);
    vb_test_call_error (server, "PATCH", path, manager, move, 403, "forbidden", NULL);
  }
  /* B's shift is invisible to A's staff, visible to the admin */
  g_assert_cmpuint (count_items (server, "/api/v1/staff/shifts", manager), ==, 2);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/shifts", admin), ==, 3);
  {
    g_autofree char *filtered = g_strdup_printf ("/api/v1/staff/shifts?location_id=%s"
                                                 "&from=2026-12-01T09:30:00Z", a);
    g_assert_cmpuint (count_items (server, filtered, admin), ==, 1);
  }

  assert_recorded (server, manager, "shifts", vb_test_id_of (shift), "insert");
  assert_recorded (server, manager, "shifts", vb_test_id_of (shift), "update");
  assert_recorded (server, manager, "shifts", vb_test_id_of (second), "insert");
  g_assert_false (vb_test_feed_has_row (server, manager, "shifts", vb_test_id_of (b_shift), "upsert"));
}

static void
test_leave (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech_id = vb_test_create_user (server, "tech@example.com", NULL, "technician", "HCM-1");
  g_autofree char *body = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                           " \"from\": \"2026-12-24\", \"to\": \"2026-12-28\","
                                           " \"kind\": \"annual\"}", tech_id, a);
  g_autofree char *bad_kind = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                               " \"from\": \"2026-12-24\", \"to\": \"2026-12-28\","
                                               " \"kind\": \"holiday\"}", tech_id, a);
  g_autofree char *backwards = g_strdup_printf ("{\"user_id\": \"%s\", \"location_id\": \"%s\","
                                                " \"from\": \"2026-12-24\", \"to\": \"2026-12-20\","
                                                " \"kind\": \"sick\"}", tech_id, a);
  g_autoptr(JsonNode) leave = vb_test_call (server, "POST", "/api/v1/staff/leave", manager, body, 201);
  g_autoptr(JsonNode) changed = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/staff/leave/%s", vb_test_id_of (leave));

  g_assert_cmpstr (json_object_get_string_member (vb_test_object (leave), "from"), ==, "2026-12-24");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (leave), "to"), ==, "2026-12-28");
  changed = vb_test_call (server, "PATCH", path, manager, "{\"version\": 1, \"to\": \"2026-12-29\", \"kind\": \"training\"}",
                  200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (changed), "to"), ==, "2026-12-29");
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (changed), "kind"), ==, "training");
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 1, \"kind\": \"sick\"}", 409, "version_conflict", NULL);
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 2, \"to\": \"2026-12-01\"}", 422,
              "validation_failed", "to");
  vb_test_call_error (server, "POST", "/api/v1/staff/leave", manager, bad_kind, 422, "validation_failed", "kind");
  vb_test_call_error (server, "POST", "/api/v1/staff/leave", manager, backwards, 422, "validation_failed", "to");
  vb_test_call_error (server, "POST", "/api/v1/staff/leave", desk, body, 403, "forbidden", NULL);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/leave?from=2026-12-25&to=2026-12-26", desk), ==, 1);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/leave?from=2027-01-01", desk), ==, 0);

  assert_recorded (server, manager, "staff_leave", vb_test_id_of (leave), "insert");
  assert_recorded (server, manager, "staff_leave", vb_test_id_of (leave), "update");
}

/* A real certification scan, uploaded as the admin; returns its id. */
static char *
upload_scan (VbTestServer *server,
             const char   *token)
{
  static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  g_autoptr(GBytes) body = g_bytes_new_static (pdf, sizeof pdf - 1);
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request_full (server, "POST",
                                                    "/api/v1/attachments?purpose=certification&file_name=l4.pdf",
                                                    token, "application/pdf", body, NULL, &status, NULL);

  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static void
test_certifications (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *manager_b = vb_test_user_token (server, "manager-b@example.com", "manager", "HN-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech_id = vb_test_create_user (server, "tech@example.com", NULL, "technician", "HCM-1");
  g_autofree char *soon = date_in_days (30);
  g_autofree char *later = date_in_days (200);
  g_autofree char *past = date_in_days (-1);
  g_autofree char *issued = date_in_days (-700);
  g_autofree char *scan = upload_scan (server, admin);
  g_autofree char *body_soon = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"ASE L3\", \"hv_level\": 3,"
                                                " \"issued_on\": \"%s\", \"expires_on\": \"%s\"}",
                                                tech_id, issued, soon);
  g_autofree char *body_later = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"IMI TechSafe\","
                                                 " \"hv_level\": 2, \"issued_on\": \"%s\","
                                                 " \"expires_on\": \"%s\"}", tech_id, issued, later);
  g_autofree char *body_past = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"IMI TechSafe L4\","
                                                " \"hv_level\": 4, \"issued_on\": \"%s\","
                                                " \"expires_on\": \"%s\","
                                                " \"document_attachment_id\": \"%s\"}",
                                                tech_id, issued, past, scan);
  g_autoptr(JsonNode) c_soon = vb_test_call (server, "POST", "/api/v1/staff/certifications", manager, body_soon, 201);
  g_autoptr(JsonNode) c_later = vb_test_call (server, "POST", "/api/v1/staff/certifications", manager, body_later, 201);
  g_autoptr(JsonNode) c_past = vb_test_call (server, "POST", "/api/v1/staff/certifications", admin, body_past, 201);
  g_autofree char *body_bogus = g_strdup_printf ("{\"user_id\": \"%s\", \"kind\": \"ASE L3\", \"hv_level\": 3,"
                                                 " \"issued_on\": \"%s\","
                                                 " \"document_attachment_id\": \"0b9f6f3e-1c1e-4a8e-9d51-2b5d3c6c7a10\"}",
                                                 tech_id, issued);
  g_autoptr(JsonNode) expiring = NULL;
  g_autoptr(JsonNode) changed = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/staff/certifications/%s", vb_test_id_of (c_later));
  JsonArray *items;

  g_assert_true (json_object_get_boolean_member (vb_test_object (c_past), "expired"));
  /* A scan that does not exist is bad input naming the field. */
  vb_test_call_error (server, "POST", "/api/v1/staff/certifications", admin, body_bogus, 422,
                      "validation_failed", "document_attachment_id");
  g_assert_false (json_object_get_boolean_member (vb_test_object (c_soon), "expired"));

  /* expiring within 60 days (default): the soon one and the expired one, soonest first */
  expiring = vb_test_call (server, "GET", "/api/v1/staff/certifications/expiring", manager, NULL, 200);
  items = json_object_get_array_member (vb_test_object (expiring), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==,
                   vb_test_id_of (c_past));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items, 0), "days_left"), ==, -1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "id"), ==,
                   vb_test_id_of (c_soon));
  g_assert_cmpuint (count_items (server, "/api/v1/staff/certifications/expiring?days=365", desk), ==, 3);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/certifications/expiring?days=0", admin), ==, 1);
  vb_test_call_error (server, "GET", "/api/v1/staff/certifications/expiring?days=soon", manager, NULL, 422,
              "validation_failed", "days");
  /* B's manager does not see A's technician */
  g_assert_cmpuint (count_items (server, "/api/v1/staff/certifications/expiring?days=365", manager_b), ==, 0);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/certifications", manager_b), ==, 0);
  g_assert_cmpuint (count_items (server, "/api/v1/staff/certifications", manager), ==, 3);
  vb_test_call_error (server, "POST", "/api/v1/staff/certifications", manager_b, body_soon, 403, "forbidden", NULL);
  vb_test_call_error (server, "PATCH", path, manager_b, "{\"version\": 1, \"hv_level\": 1}", 403, "forbidden", NULL);
  vb_test_call_error (server, "POST", "/api/v1/staff/certifications", desk, body_soon, 403, "forbidden", NULL);

  /* update, conflict, validation */
  changed = vb_test_call (server, "PATCH", path, manager, "{\"version\": 1, \"hv_level\": 3}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (changed), "hv_level"), ==, 3);
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 1, \"hv_level\": 1}", 409, "version_conflict", NULL);
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 2, \"hv_level\": 5}", 422, "validation_failed",
              "hv_level");
  vb_test_call_error (server, "PATCH", path, manager, "{\"version\": 2, \"expires_on\": \"2001-01-01\"}", 422,
              "validation_failed", "expires_on");
  vb_test_call_error (server, "POST", "/api/v1/staff/certifications", manager,
              "{\"kind\": \"ASE L3\", \"hv_level\": 3, \"issued_on\": \"2026-01-01\"}", 422,
              "validation_failed", "user_id");

  /* vb_user_hv_level: the expired level 4 does not count */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "SELECT vb_user_hv_level($1::uuid, current_date),"
      "       vb_user_hv_level($1::uuid, current_date - 2),"
      "       vb_user_hv_level($1::uuid, current_date + 100),"
      "       vb_user_hv_level($1::uuid, current_date + 1000),"
      "       vb_user_hv_level($1::uuid, current_date - 1000),"
      "       vb_user_hv_level(gen_random_uuid(), current_date)", tech_id);

    g_assert_no_error (error);
    g_assert_cmpint (vb_db_get_int (res, 0, 0), ==, 3);   /* ASE L3 / IMI 3 valid, L4 expired */
    g_assert_cmpint (vb_db_get_int (res, 0, 1), ==, 4);   /* before the L4 expired */
    g_assert_cmpint (vb_db_get_int (res, 0, 2), ==, 3);   /* ASE gone, IMI (now 3) still valid */
    g_assert_cmpint (vb_db_get_int (res, 0, 3), ==, 0);   /* all expired */
    g_assert_cmpint (vb_db_get_int (res, 0, 4), ==, 0);   /* not yet issued */
    g_assert_cmpint (vb_db_get_int (res, 0, 5), ==, 0);   /* no certifications */
  }

  /* certifications are per person: location NULL in the feed (global readers) */
  assert_recorded (server, admin, "certifications", vb_test_id_of (c_soon), "insert");
  assert_recorded (server, admin, "certifications", vb_test_id_of (c_later), "update");
  (void) a;
  (void) b;
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/staff/shifts", test_shifts);
  g_test_add_func ("/staff/leave", test_leave);
  g_test_add_func ("/staff/certifications", test_certifications);
  return g_test_run ();
}
