/* test-locations.c — /api/v1/locations against the real server: scoping of
 * reads per location (in SQL), global locations.manage for writes, create,
 * update, version conflicts, validation naming the field, duplicate codes.
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* POST /locations as token; returns the new id. */
static char *
create_location (VbTestServer *server,
                 const char   *token,
                 const char   *code,
                 const char   *name)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"name\": \"%s\","
                                           " \"time_zone\": \"Asia/Ho_Chi_Minh\","
                                           " \"currency\": \"VND\"}", code, name);
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/locations", token,
                                               body, &status);

  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

/* The codes of GET /locations, in order, comma-separated. */
static char *
list_codes (VbTestServer *server,
            const char   *token)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/locations", token,
                                               NULL, &status);
  JsonArray *items;
  g_autoptr(GString) codes = g_string_new (NULL);

  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (reply), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_string_append_printf (codes, "%s%s", i ? "," : "",
                              json_object_get_string_member (item, "code"));
    }
  g_assert_true (json_object_get_null_member (vb_test_object (reply), "next_cursor"));
  return g_string_free (g_steal_pointer (&codes), FALSE);
}

static guint
status_of (VbTestServer *server,
           const char   *method,
           const char   *path,
           const char   *token,
           const char   *body)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, method, path, token, body, &status);
  return status;
}

static void
test_scoping (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a_id = create_location (server, admin, "HCM-1", "Saigon One");
  g_autofree char *b_id = create_location (server, admin, "HN-1", "Hanoi One");
  g_autofree char *manager = vb_test_user_token (server, "manager@example.com", "manager", "HCM-1");
  g_autofree char *reception_id = vb_test_create_user (server, "desk@example.com", NULL,
                                                       "reception", "HCM-1");
  g_autofree char *reception = NULL;
  g_autofree char *a_path = g_strdup_printf ("/api/v1/locations/%s", a_id);
  g_autofree char *b_path = g_strdup_printf ("/api/v1/locations/%s", b_id);
  g_autofree char *roles_path = g_strdup_printf ("/api/v1/users/%s/roles", reception_id);
  g_autofree char *roles_body = NULL;
  g_autofree char *codes = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  /* The admin holds locations.read everywhere. */
  codes = list_codes (server, admin);
  g_assert_cmpstr (codes, ==, "HCM-1,HN-1");
  g_assert_cmpuint (status_of (server, "GET", b_path, admin, NULL), ==, 200);

  /* A manager of A sees A only; B exists but is outside: 403, not 404. */
  g_clear_pointer (&codes, g_free);
  codes = list_codes (server, manager);
  g_assert_cmpstr (codes, ==, "HCM-1");
  reply = vb_test_request (server, "GET", a_path, manager, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (reply), "code"), ==, "HCM-1");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "GET", b_path, manager, NULL, &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (reply, "forbidden", NULL);
  g_clear_pointer (&reply, json_node_unref);

  /* An absent location is 404 for everyone; a non-UUID id too. */
  reply = vb_test_request (server, "GET", "/api/v1/locations/7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11",
                           manager, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  vb_test_assert_error (reply, "not_found", NULL);
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations/nope", admin, NULL), ==, 404);

  /* A reception user assigned to A and B sees both. */
  roles_body = g_strdup_printf ("{\"roles\": [{\"role\": \"reception\", \"location_id\": \"%s\"},"
                                " {\"role\": \"reception\", \"location_id\": \"%s\"}]}", a_id, b_id);
  g_assert_cmpuint (status_of (server, "PUT", roles_path, admin, roles_body), ==, 200);
  reception = vb_test_login (server, "desk@example.com", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&codes, g_free);
  codes = list_codes (server, reception);
  g_assert_cmpstr (codes, ==, "HCM-1,HN-1");
  g_assert_cmpuint (status_of (server, "GET", b_path, reception, NULL), ==, 200);

  /* Nobody but a global locations.manage holder creates or changes one. */
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/locations", manager,
                               "{\"code\": \"DN-1\", \"name\": \"Da Nang\", \"time_zone\": \"UTC\","
                               " \"currency\": \"VND\"}"), ==, 403);
  g_assert_cmpuint (status_of (server, "PATCH", a_path, manager,
                               "{\"version\": 1, \"name\": \"Mine\"}"), ==, 403);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", NULL, NULL), ==, 401);
}

/* locations.manage held in one location only is not enough. */
static void
test_manage_needs_global (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a_id = create_location (server, admin, "HCM-1", "Saigon One");
  g_autofree char *a_path = g_strdup_printf ("/api/v1/locations/%s", a_id);
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  g_assert_cmpuint (status_of (server, "POST", "/api/v1/roles", admin,
                               "{\"name\": \"site_admin\","
                               " \"permissions\": [\"locations.read\", \"locations.manage\"]}"),
                    ==, 201);
  token = vb_test_user_token (server, "site@example.com", "site_admin", "HCM-1");
  reply = vb_test_request (server, "PATCH", a_path, token, "{\"version\": 1, \"name\": \"X\"}",
                           &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (reply, "forbidden", NULL);
}

static void
test_create_update (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) stale = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *path = NULL;
  const char *text;
  JsonObject *o, *details, *current;
  guint status = 0;

  text = "{\"id\": \"0b9f6f3e-1c1e-4a8e-9d51-2b5d3c6c7a10\", \"code\": \"HCM-1\","
         " \"name\": \"Saigon One\", \"time_zone\": \"Asia/Ho_Chi_Minh\", \"currency\": \"VND\","
         " \"address\": \"1 Le Loi, District 1\", \"phone\": \"+84 28 1234 5678\"}";
  body = g_bytes_new_static (text, strlen (text));
  created = vb_test_request_full (server, "POST", "/api/v1/locations", admin, "application/json",
                                  body, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 201);
  o = vb_test_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "0b9f6f3e-1c1e-4a8e-9d51-2b5d3c6c7a10");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "HCM-1");
  g_assert_cmpstr (json_object_get_string_member (o, "time_zone"), ==, "Asia/Ho_Chi_Minh");
  g_assert_cmpstr (json_object_get_string_member (o, "currency"), ==, "VND");
  g_assert_cmpstr (json_object_get_string_member (o, "address"), ==, "1 Le Loi, District 1");
  g_assert_true (json_object_get_boolean_member (o, "active"));
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "created_at"), "Z"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Location"), ==,
                   "/api/v1/locations/0b9f6f3e-1c1e-4a8e-9d51-2b5d3c6c7a10");

  path = g_strdup_printf ("/api/v1/locations/%s", json_object_get_string_member (o, "id"));
  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 1, \"name\": \"Saigon Central\", \"currency\": \"USD\"}",
                             &status);
  g_assert_cmpuint (status, ==, 200);
  o = vb_test_object (updated);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Saigon Central");
  g_assert_cmpstr (json_object_get_string_member (o, "currency"), ==, "USD");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "HCM-1");   /* untouched */
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);

  /* A change based on version 1 is stale: 409 with the current record. */
  stale = vb_test_request (server, "PATCH", path, admin, "{\"version\": 1, \"name\": \"Old\"}",
                           &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  details = json_object_get_object_member (json_object_get_object_member (vb_test_object (stale), "error"),
                                           "details");
  current = json_object_get_object_member (details, "current");
  g_assert_cmpint (json_object_get_int_member (current, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (current, "name"), ==, "Saigon Central");

  fetched = vb_test_request (server, "GET", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (fetched), "name"), ==, "Saigon Central");

  /* Deactivating is an update like any other. */
  g_clear_pointer (&updated, json_node_unref);
  updated = vb_test_request (server, "PATCH", path, admin, "{\"version\": 2, \"active\": false}",
                             &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (json_object_get_boolean_member (vb_test_object (updated), "active"));

  g_assert_cmpuint (status_of (server, "PATCH", "/api/v1/locations/7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11",
                               admin, "{\"version\": 1, \"name\": \"X\"}"), ==, 404);
}

typedef struct
{
  const char *body;
  const char *field;
} Invalid;

static void
test_validation (void)
{
  static const Invalid cases[] = {
    { "{\"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "code" },
    { "{\"code\": \"a b\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "code" },
    { "{\"code\": \"-AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "code" },
    { "{\"code\": \"AB\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "name" },
    { "{\"code\": \"AB\", \"name\": \"\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "name" },
    { "{\"code\": \"AB\", \"name\": 7, \"time_zone\": \"UTC\", \"currency\": \"VND\"}", "name" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"Mars/Olympus_Mons\", \"currency\": \"VND\"}", "time_zone" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"\", \"currency\": \"VND\"}", "time_zone" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"currency\": \"VND\"}", "time_zone" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"vnd\"}", "currency" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VNDX\"}", "currency" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"V1D\"}", "currency" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VND\", \"phone\": 5}", "phone" },
    { "{\"code\": \"AB\", \"name\": \"N\", \"time_zone\": \"UTC\", \"currency\": \"VND\", \"id\": \"x\"}", "id" },
  };
  static const Invalid patches[] = {
    { "{\"name\": \"No version\"}", "version" },
    { "{\"version\": 1, \"currency\": \"EURO\"}", "currency" },
    { "{\"version\": 1, \"time_zone\": \"Nowhere/Special\"}", "time_zone" },
    { "{\"version\": 1, \"active\": \"yes\"}", "active" },
  };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *id = create_location (server, admin, "HCM-1", "Saigon One");
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s", id);
  g_autoptr(JsonNode) dup = NULL;
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/locations", admin,
                                                   cases[i].body, &status);
      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
    }
  for (guint i = 0; i < G_N_ELEMENTS (patches); i++)
    {
      g_autoptr(JsonNode) reply = vb_test_request (server, "PATCH", path, admin,
                                                   patches[i].body, &status);
      g_test_message ("patch %u: %s", i, patches[i].body);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", patches[i].field);
    }

  /* Codes are unique: a second HCM-1 is a 409 naming the field. */
  dup = vb_test_request (server, "POST", "/api/v1/locations", admin,
                         "{\"code\": \"HCM-1\", \"name\": \"Again\", \"time_zone\": \"UTC\","
                         " \"currency\": \"VND\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (dup, "conflict", "code");

  /* Nothing invalid got in. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_exec (db, "SELECT count(*) FROM locations", 0, NULL,
                                             &error);
    g_assert_no_error (error);
    g_assert_cmpint (vb_db_get_int (res, 0, 0), ==, 1);
  }
}

static void
test_paging_and_filters (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  const char *codes[] = { "AA", "BB", "CC", "DD", "EE" };
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *cursor = NULL;
  guint status = 0;
  guint pages = 0;

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autofree char *name = g_strdup_printf ("Shop %s", codes[i]);
      g_autofree char *id = create_location (server, admin, codes[i], name);
    }

  do
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/locations?limit=2&cursor=%s", cursor)
                                     : g_strdup ("/api/v1/locations?limit=2");
      g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, admin, NULL, &status);
      JsonArray *items;

      g_assert_cmpuint (status, ==, 200);
      items = json_object_get_array_member (vb_test_object (reply), "items");
      g_assert_cmpuint (json_array_get_length (items), <=, 2);
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_string_append (seen, json_object_get_string_member (json_array_get_object_element (items, i),
                                                              "code"));
      g_clear_pointer (&cursor, g_free);
      if (!json_object_get_null_member (vb_test_object (reply), "next_cursor"))
        cursor = g_strdup (json_object_get_string_member (vb_test_object (reply), "next_cursor"));
      pages++;
    }
  while (cursor != NULL);
  g_assert_cmpstr (seen->str, ==, "AABBCCDDEE");
  g_assert_cmpuint (pages, ==, 3);

  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/locations?q=shop%20c",
                                                 admin, NULL, &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "code"),
                     ==, "CC");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/locations?limit=0",
                                                 admin, NULL, &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "limit");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/locations?active=maybe",
                                                 admin, NULL, &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "active");
  }
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/locations/scoping", test_scoping);
  g_test_add_func ("/locations/manage-needs-global", test_manage_needs_global);
  g_test_add_func ("/locations/create-update", test_create_update);
  g_test_add_func ("/locations/validation", test_validation);
  g_test_add_func ("/locations/paging-and-filters", test_paging_and_filters);
  return g_test_run ();
}
