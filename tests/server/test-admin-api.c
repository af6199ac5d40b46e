/* test-admin-api.c — users, roles, sessions and the audit/security reads
 * against the real server.
 *
 * The permission test is a table: every admin endpoint × every non-admin
 * built-in role must be 403 forbidden (and 401 without a token).  The rest
 * walks each resource through create, read, update, stale update, invalid
 * input and the guard rails (the admin role keeps its permissions, nobody
 * can remove the last account able to manage users).
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define PASSWORD "correct horse battery staple"
#define NO_SUCH_ID "7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11"

static const char *
string_of (JsonNode   *node,
           const char *member)
{
  return json_object_get_string_member (vb_test_object (node), member);
}

static JsonObject *
error_details (JsonNode *reply)
{
  JsonObject *err = json_object_get_object_member (vb_test_object (reply), "error");
  return json_object_get_object_member (err, "details");
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

static char *
create_location (VbTestServer *server,
                 const char   *token,
                 const char   *code)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"name\": \"Shop %s\","
                                           " \"time_zone\": \"UTC\", \"currency\": \"VND\"}",
                                           code, code);
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/locations", token,
                                               body, &status);

  g_assert_cmpuint (status, ==, 201);
  return g_strdup (string_of (reply, "id"));
}

static char *
user_id_for (VbTestServer *server,
             const char   *email)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (db, &error, "SELECT id FROM users WHERE email = $1", email);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return g_strdup (vb_db_get (res, 0, 0));
}

static gint64
db_count (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = param ? vb_db_execv (db, &error, sql, param)
                                 : vb_db_exec (db, sql, 0, NULL, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

static void
assert_no_secrets (JsonObject *user)
{
  g_assert_false (json_object_has_member (user, "password_hash"));
  g_assert_false (json_object_has_member (user, "totp_secret"));
  g_assert_false (json_object_has_member (user, "password"));
}

/* ------------------------------------------------------- permissions --- */

typedef struct
{
  const char *method;
  const char *path;       /* {id} → an id */
  const char *body;
} Endpoint;

static const Endpoint admin_endpoints[] = {
  { "POST",   "/api/v1/locations", "{\"code\": \"ZZ\", \"name\": \"Z\", \"time_zone\": \"UTC\", \"currency\": \"VND\"}" },
  { "PATCH",  "/api/v1/locations/{id}", "{\"version\": 1, \"name\": \"Z\"}" },
  { "POST",   "/api/v1/users", "{\"email\": \"x@example.com\", \"display_name\": \"X\", \"password\": \"" PASSWORD "\"}" },
  { "PATCH",  "/api/v1/users/{id}", "{\"version\": 1, \"display_name\": \"Z\"}" },
  { "PUT",    "/api/v1/users/{id}/roles", "{\"roles\": []}" },
  { "POST",   "/api/v1/users/{id}/reset-mfa", NULL },
  { "GET",    "/api/v1/users/{id}/sessions", NULL },
  { "DELETE", "/api/v1/sessions/{id}", NULL },
  { "GET",    "/api/v1/permissions", NULL },
  { "GET",    "/api/v1/roles", NULL },
  { "POST",   "/api/v1/roles", "{\"name\": \"evil\", \"permissions\": [\"users.manage\"]}" },
  { "GET",    "/api/v1/roles/{id}", NULL },
  { "PATCH",  "/api/v1/roles/{id}", "{\"version\": 1, \"permissions\": []}" },
  { "DELETE", "/api/v1/roles/{id}", NULL },
  { "GET",    "/api/v1/audit", NULL },
  { "GET",    "/api/v1/security-events", NULL },
};

static void
test_denied_to_non_admins (void)
{
  static const char *roles[] = { "manager", "reception", "technician" };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = create_location (server, admin, "HCM-1");
  g_autofree char *admin_id = user_id_for (server, "admin@example.com");
  g_autofree char *audit_before = NULL;

  audit_before = g_strdup_printf ("%" G_GINT64_FORMAT,
                                  db_count (server, "SELECT max(pos) FROM audit_log", NULL));

  for (guint r = 0; r < G_N_ELEMENTS (roles); r++)
    {
      g_autofree char *email = g_strdup_printf ("%s@example.com", roles[r]);
      g_autofree char *token = vb_test_user_token (server, email, roles[r], "HCM-1");
      /* Real ids, so that only the permission can be the reason. */
      g_autofree char *session_id = NULL;
      g_autofree char *role_id = NULL;
      g_autoptr(VbDbConn) db = vb_test_server_db (server);
      g_autoptr(GError) error = NULL;
      g_autoptr(PGresult) res = vb_db_execv (db, &error,
        "SELECT (SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id"
        "         WHERE u.email = $1 LIMIT 1),"
        "       (SELECT id FROM roles WHERE name = 'technician')", email);

      g_assert_no_error (error);
      session_id = g_strdup (vb_db_get (res, 0, 0));
      role_id = g_strdup (vb_db_get (res, 0, 1));

      for (guint e = 0; e < G_N_ELEMENTS (admin_endpoints); e++)
        {
          const Endpoint *ep = &admin_endpoints[e];
          const char *id = strstr (ep->path, "/locations/") ? loc
                           : strstr (ep->path, "/users/") ? admin_id
                           : strstr (ep->path, "/sessions/") ? session_id
                           : role_id;
          g_auto(GStrv) parts = g_strsplit (ep->path, "{id}", 2);
          g_autofree char *path = g_strjoinv (id, parts);
          guint status = 0;
          g_autoptr(JsonNode) reply = vb_test_request (server, ep->method, path, token, ep->body,
                                                       &status);

          g_test_message ("%s %s %s -> %u", roles[r], ep->method, path, status);
          g_assert_cmpuint (status, ==, 403);
          vb_test_assert_error (reply, "forbidden", NULL);

          g_clear_pointer (&reply, json_node_unref);
          reply = vb_test_request (server, ep->method, path, NULL, ep->body, &status);
          g_assert_cmpuint (status, ==, 401);
          vb_test_assert_error (reply, "unauthenticated", NULL);

          g_clear_pointer (&reply, json_node_unref);
          reply = vb_test_request (server, ep->method, path, "not-a-token", ep->body, &status);
          g_assert_cmpuint (status, ==, 401);
        }
    }

  /* Nothing that was refused changed anything (the user-add of the test
   * users themselves aside, which came through voltbay-ctl). */
  g_assert_cmpint (db_count (server,
                             "SELECT count(*) FROM audit_log WHERE pos > $1::bigint"
                             "   AND actor_id IS NOT NULL",
                             audit_before), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL",
                             NULL), ==, 0);
}

/* users.manage held in one location only does not open the user admin. */
static void
test_user_admin_needs_global (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = create_location (server, admin, "HCM-1");
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  g_assert_cmpuint (status_of (server, "POST", "/api/v1/roles", admin,
                               "{\"name\": \"site_admin\", \"permissions\": [\"users.read\","
                               " \"users.manage\", \"roles.manage\", \"audit.read\"]}"), ==, 201);
  token = vb_test_user_token (server, "site@example.com", "site_admin", "HCM-1");
  reply = vb_test_request (server, "POST", "/api/v1/users", token,
                           "{\"email\": \"new@example.com\", \"display_name\": \"New\","
                           " \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (reply, "forbidden", NULL);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/roles", token, NULL), ==, 403);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/audit", token, NULL), ==, 403);
  /* ... but reading the people of its location is allowed. */
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/users", token, NULL), ==, 200);
}

/* ------------------------------------------------------------- users --- */

static void
test_users_crud (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a_id = create_location (server, admin, "HCM-1");
  g_autofree char *b_id = create_location (server, admin, "HN-1");
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) stale = NULL;
  g_autoptr(JsonNode) replaced = NULL;
  JsonObject *user, *current;
  JsonArray *roles;
  guint status = 0;

  body = g_strdup_printf ("{\"email\": \"Lan.Tran@example.com\", \"display_name\": \"Tran Thi Lan\","
                          " \"locale\": \"vi\", \"password\": \"" PASSWORD "\","
                          " \"must_change_password\": false,"
                          " \"roles\": [{\"role\": \"reception\", \"location_id\": \"%s\"},"
                          "             {\"role\": \"technician\", \"location_id\": null}]}", a_id);
  created = vb_test_request (server, "POST", "/api/v1/users", admin, body, &status);
  g_assert_cmpuint (status, ==, 201);
  user = vb_test_object (created);
  assert_no_secrets (user);
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, "Lan.Tran@example.com");
  g_assert_cmpstr (json_object_get_string_member (user, "locale"), ==, "vi");
  g_assert_true (json_object_get_boolean_member (user, "active"));
  g_assert_false (json_object_get_boolean_member (user, "mfa_enabled"));
  g_assert_false (json_object_get_boolean_member (user, "must_change_password"));
  g_assert_cmpint (json_object_get_int_member (user, "version"), ==, 1);
  roles = json_object_get_array_member (user, "roles");
  g_assert_cmpuint (json_array_get_length (roles), ==, 2);
  {
    JsonObject *r0 = json_array_get_object_element (roles, 0);
    JsonObject *r1 = json_array_get_object_element (roles, 1);
    g_assert_cmpstr (json_object_get_string_member (r0, "role"), ==, "reception");
    g_assert_cmpstr (json_object_get_string_member (r0, "location_id"), ==, a_id);
    g_assert_cmpstr (json_object_get_string_member (r0, "location_code"), ==, "HCM-1");
    g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (r0, "id")));
    g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (r0, "role_id")));
    g_assert_cmpstr (json_object_get_string_member (r1, "role"), ==, "technician");
    g_assert_true (json_object_get_null_member (r1, "location_id"));
    g_assert_true (json_object_get_null_member (r1, "location_code"));
  }

  /* The password works (the e-mail matches case-insensitively). */
  token = vb_test_login (server, "lan.tran@example.com", PASSWORD, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (token);

  path = g_strdup_printf ("/api/v1/users/%s", json_object_get_string_member (user, "id"));
  fetched = vb_test_request (server, "GET", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  assert_no_secrets (vb_test_object (fetched));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (fetched), "roles")),
                    ==, 2);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/users/" NO_SUCH_ID, admin, NULL), ==, 404);

  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 1, \"display_name\": \"Lan Tran\", \"locale\": \"en\"}",
                             &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (string_of (updated, "display_name"), ==, "Lan Tran");
  g_assert_cmpstr (string_of (updated, "locale"), ==, "en");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (updated), "version"), ==, 2);

  stale = vb_test_request (server, "PATCH", path, admin,
                           "{\"version\": 1, \"display_name\": \"Someone else\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  current = json_object_get_object_member (error_details (stale), "current");
  g_assert_cmpint (json_object_get_int_member (current, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (current, "display_name"), ==, "Lan Tran");
  assert_no_secrets (current);

  /* Replace the roles: reception at B only. */
  g_free (body);
  body = g_strdup_printf ("{\"roles\": [{\"role\": \"reception\", \"location_id\": \"%s\"}]}", b_id);
  {
    g_autofree char *roles_path = g_strdup_printf ("%s/roles", path);
    replaced = vb_test_request (server, "PUT", roles_path, admin, body, &status);
  }
  g_assert_cmpuint (status, ==, 200);
  roles = json_object_get_array_member (vb_test_object (replaced), "roles");
  g_assert_cmpuint (json_array_get_length (roles), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (roles, 0),
                                                  "location_code"), ==, "HN-1");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM role_assignments WHERE user_id = $1::uuid",
                             json_object_get_string_member (user, "id")), ==, 1);
  /* The new scope applies to the live session at once. */
  {
    g_autoptr(JsonNode) list = vb_test_request (server, "GET", "/api/v1/locations", token, NULL,
                                                &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (list), "items");
    g_assert_cmpuint (json_array_get_length (items), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "code"),
                     ==, "HN-1");
  }
  /* The replacement only touched the differences: two deletes, one insert. */
  g_assert_cmpint (db_count (server,
                             "SELECT count(*) FROM audit_log WHERE entity = 'role_assignments'"
                             "   AND (after->>'user_id' = $1 OR before->>'user_id' = $1)",
                             json_object_get_string_member (user, "id")), ==, 2 + 2 + 1);
}

static void
test_users_list (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a_id = create_location (server, admin, "HCM-1");
  g_autofree char *b_id = create_location (server, admin, "HN-1");
  g_autofree char *manager = vb_test_user_token (server, "boss-a@example.com", "manager", "HCM-1");
  g_autofree char *tech_b = vb_test_create_user (server, "tech-b@example.com", NULL, "technician", "HN-1");
  g_autofree char *tech_a = vb_test_create_user (server, "tech-a@example.com", NULL, "technician", "HCM-1");
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *cursor = NULL;
  guint status = 0;

  /* Paging through everyone, 2 at a time, sorted by e-mail. */
  do
    {
      g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/users?limit=2&cursor=%s", cursor)
                                     : g_strdup ("/api/v1/users?limit=2");
      g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, admin, NULL, &status);
      JsonArray *items;

      g_assert_cmpuint (status, ==, 200);
      items = json_object_get_array_member (vb_test_object (reply), "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *u = json_array_get_object_element (items, i);
          assert_no_secrets (u);
          g_string_append_printf (seen, "%s ", json_object_get_string_member (u, "email"));
        }
      g_clear_pointer (&cursor, g_free);
      if (!json_object_get_null_member (vb_test_object (reply), "next_cursor"))
        cursor = g_strdup (json_object_get_string_member (vb_test_object (reply), "next_cursor"));
    }
  while (cursor != NULL);
  g_assert_cmpstr (seen->str, ==,
                   "admin@example.com boss-a@example.com tech-a@example.com tech-b@example.com ");

  /* ?q= searches e-mail and name, case-insensitively. */
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/users?q=TECH-", admin,
                                                 NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (reply), "items")),
                      ==, 2);
  }

  /* A manager of A sees the people of A, not those of B nor the admin. */
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/users", manager, NULL,
                                                 &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "email"),
                     ==, "boss-a@example.com");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "email"),
                     ==, "tech-a@example.com");
  }
  {
    g_autofree char *path_a = g_strdup_printf ("/api/v1/users/%s", tech_a);
    g_autofree char *path_b = g_strdup_printf ("/api/v1/users/%s", tech_b);
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpuint (status_of (server, "GET", path_a, manager, NULL), ==, 200);
    reply = vb_test_request (server, "GET", path_b, manager, NULL, &status);
    g_assert_cmpuint (status, ==, 403);
    vb_test_assert_error (reply, "forbidden", NULL);
  }

  /* ?active= filters. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/users/%s", tech_b);
    g_autoptr(JsonNode) inactive = NULL;

    g_assert_cmpuint (status_of (server, "PATCH", path, admin, "{\"version\": 1, \"active\": false}"),
                      ==, 200);
    inactive = vb_test_request (server, "GET", "/api/v1/users?active=false", admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (inactive), "items")),
                      ==, 1);
    g_assert_cmpuint (status_of (server, "GET", "/api/v1/users?active=nope", admin, NULL), ==, 422);
  }
  (void) a_id;
  (void) b_id;
}

typedef struct
{
  const char *body;
  const char *field;
} Invalid;

static void
test_users_validation (void)
{
  static const Invalid cases[] = {
    { "{\"display_name\": \"A\", \"password\": \"" PASSWORD "\"}", "email" },
    { "{\"email\": \"not-an-email\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\"}", "email" },
    { "{\"email\": \"a@b\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\"}", "email" },
    { "{\"email\": \"a@example.com\", \"password\": \"" PASSWORD "\"}", "display_name" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"\", \"password\": \"" PASSWORD "\"}", "display_name" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\"}", "password" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"short\"}", "password" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"aaaaaaaaaaaaaaaa\"}", "password" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"a@example.com\"}", "password" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"locale\": \"fr\"}", "locale" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"roles\": {}}", "roles" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"roles\": [{\"role\": \"wizard\"}]}", "roles" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"roles\": [{\"role\": \"reception\", \"location_id\": \"" NO_SUCH_ID "\"}]}", "roles" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"roles\": [{\"role\": \"reception\", \"location_id\": \"x\"}]}", "roles" },
    { "{\"email\": \"a@example.com\", \"display_name\": \"A\", \"password\": \"" PASSWORD "\", \"must_change_password\": 1}", "must_change_password" },
  };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *admin_id = user_id_for (server, "admin@example.com");
  g_autofree char *admin_path = g_strdup_printf ("/api/v1/users/%s", admin_id);
  g_autoptr(JsonNode) dup = NULL;
  g_autoptr(JsonNode) self = NULL;
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/users", admin,
                                                   cases[i].body, &status);
      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
    }
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM users", NULL), ==, 1);

  /* Duplicate e-mail (case-insensitively): 409 naming the field. */
  dup = vb_test_request (server, "POST", "/api/v1/users", admin,
                         "{\"email\": \"ADMIN@example.com\", \"display_name\": \"Again\","
                         " \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (dup, "conflict", "email");

  /* Updates validate too; nobody deactivates themselves. */
  g_assert_cmpuint (status_of (server, "PATCH", admin_path, admin, "{\"display_name\": \"No version\"}"),
                    ==, 422);
  g_assert_cmpuint (status_of (server, "PATCH", admin_path, admin, "{\"version\": 1, \"locale\": \"de\"}"),
                    ==, 422);
  self = vb_test_request (server, "PATCH", admin_path, admin, "{\"version\": 1, \"active\": false}",
                          &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (self, "validation_failed", "active");
  {
    g_autofree char *roles_path = g_strdup_printf ("%s/roles", admin_path);
    g_autoptr(JsonNode) reply = vb_test_request (server, "PUT", roles_path, admin, "{}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "roles");
  }
}

/* Nobody can take away the last account able to manage users. */
static void
test_last_admin_guard (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *admin_id = user_id_for (server, "admin@example.com");
  g_autofree char *roles_path = g_strdup_printf ("/api/v1/users/%s/roles", admin_id);
  g_autofree char *other = NULL;
  g_autofree char *other_path = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  reply = vb_test_request (server, "PUT", roles_path, admin, "{\"roles\": [{\"role\": \"manager\"}]}",
                           &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (reply, "conflict", "roles");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM role_assignments WHERE user_id = $1::uuid",
                             admin_id), ==, 1);

  /* With a second admin around, stepping down is fine. */
  other = vb_test_create_user (server, "admin2@example.com", NULL, "admin", NULL);
  other_path = g_strdup_printf ("/api/v1/users/%s", other);
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "PUT", roles_path, admin,
                           "{\"roles\": [{\"role\": \"manager\", \"location_id\": null}]}", &status);
  g_assert_cmpuint (status, ==, 200);
  /* The caller just lost users.manage. */
  g_assert_cmpuint (status_of (server, "PATCH", other_path, admin, "{\"version\": 1, \"active\": false}"),
                    ==, 403);
}

static void
test_deactivate_revokes_sessions (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = create_location (server, admin, "HCM-1");
  g_autofree char *id = vb_test_create_user (server, "desk@example.com", NULL, "reception", "HCM-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s", id);
  g_autofree char *token1 = NULL;
  g_autofree char *token2 = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  token1 = vb_test_login (server, "desk@example.com", NULL, NULL, &status);
  token2 = vb_test_login (server, "desk@example.com", NULL, NULL, &status);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", token1, NULL), ==, 200);

  reply = vb_test_request (server, "PATCH", path, admin, "{\"version\": 1, \"active\": false}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (json_object_get_boolean_member (vb_test_object (reply), "active"));
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", token1, NULL), ==, 401);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", token2, NULL), ==, 401);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM sessions WHERE user_id = $1::uuid"
                                     " AND revoked_at IS NULL", id), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM security_events WHERE user_id = $1::uuid"
                                     " AND kind = 'sessions_revoked'", id), ==, 1);
  (void) loc;
}

static void
test_sessions (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = create_location (server, admin, "HCM-1");
  g_autofree char *id = vb_test_create_user (server, "tech@example.com", NULL, "technician", "HCM-1");
  g_autofree char *list_path = g_strdup_printf ("/api/v1/users/%s/sessions", id);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *revoke_path = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) events = NULL;
  JsonArray *items;
  JsonObject *newest;
  guint status = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_ptr_array_add (tokens, vb_test_login (server, "tech@example.com", NULL, NULL, &status));
      g_assert_cmpuint (status, ==, 200);
    }

  list = vb_test_request (server, "GET", list_path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  newest = json_array_get_object_element (items, 0);
  g_assert_true (json_object_get_boolean_member (newest, "active"));
  g_assert_false (json_object_get_boolean_member (newest, "current"));
  g_assert_false (json_object_has_member (newest, "token_hash"));
  g_assert_true (json_object_has_member (newest, "expires_at"));

  /* Pages of one, newest first, cover all three. */
  {
    g_autofree char *cursor = NULL;
    guint seen = 0;

    do
      {
        g_autofree char *path = cursor ? g_strdup_printf ("%s?limit=1&cursor=%s", list_path, cursor)
                                       : g_strdup_printf ("%s?limit=1", list_path);
        g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, admin, NULL, &status);
        JsonArray *one;

        g_assert_cmpuint (status, ==, 200);
        one = json_object_get_array_member (vb_test_object (reply), "items");
        g_assert_cmpuint (json_array_get_length (one), ==, 1);
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (one, 0), "id"), ==,
                         json_object_get_string_member (json_array_get_object_element (items, seen), "id"));
        seen++;
        g_clear_pointer (&cursor, g_free);
        if (!json_object_get_null_member (vb_test_object (reply), "next_cursor"))
          cursor = g_strdup (json_object_get_string_member (vb_test_object (reply), "next_cursor"));
      }
    while (cursor != NULL);
    g_assert_cmpuint (seen, ==, 3);
  }

  /* Revoke the newest session (the third token); the others still work. */
  revoke_path = g_strdup_printf ("/api/v1/sessions/%s", json_object_get_string_member (newest, "id"));
  g_assert_cmpuint (status_of (server, "DELETE", revoke_path, admin, NULL), ==, 204);
  g_assert_cmpuint (status_of (server, "DELETE", revoke_path, admin, NULL), ==, 204);   /* idempotent */
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", tokens->pdata[2], NULL), ==, 401);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/locations", tokens->pdata[0], NULL), ==, 200);
  g_assert_cmpuint (status_of (server, "DELETE", "/api/v1/sessions/" NO_SUCH_ID, admin, NULL), ==, 404);

  {
    g_autofree char *path = g_strdup_printf ("%s?active=true", list_path);
    page = vb_test_request (server, "GET", path, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (page), "items")),
                      ==, 2);
  }
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/users/" NO_SUCH_ID "/sessions", admin, NULL),
                    ==, 404);

  events = vb_test_request (server, "GET", "/api/v1/security-events?kind=session_revoked", admin, NULL,
                            &status);
  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (events), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "user_id"),
                   ==, id);
  (void) loc;
}

static void
test_reset_mfa (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *other = vb_test_admin_token (server, "admin2@example.com", NULL);
  g_autofree char *other_id = user_id_for (server, "admin2@example.com");
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s/reset-mfa", other_id);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  {
    g_autoptr(VbDbConn) db = vb_test_server_db (server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1::uuid, 'h1'), ($1::uuid, 'h2')",
      other_id);
    g_assert_no_error (error);
  }
  {
    g_autofree char *user_path = g_strdup_printf ("/api/v1/users/%s", other_id);
    before = vb_test_request (server, "GET", user_path, admin, NULL, &status);
    g_assert_true (json_object_get_boolean_member (vb_test_object (before), "mfa_enabled"));
  }

  reply = vb_test_request (server, "POST", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (json_object_get_boolean_member (vb_test_object (reply), "mfa_enabled"));
  assert_no_secrets (vb_test_object (reply));
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM users WHERE id = $1::uuid"
                                     " AND totp_secret IS NULL AND NOT totp_enabled", other_id), ==, 1);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid",
                             other_id), ==, 0);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM security_events WHERE user_id = $1::uuid"
                                     " AND kind = 'mfa_reset'", other_id), ==, 1);
  /* The audit trail notes that a secret changed without showing it. */
  g_assert_cmpint (db_count (server,
                             "SELECT count(*) FROM audit_log WHERE pos = (SELECT max(pos) FROM audit_log"
                             "                                           WHERE entity = 'users'"
                             "                                             AND entity_id = $1)"
                             "   AND after->'secrets_changed' ? 'totp_secret'"
                             "   AND after->>'totp_enabled' = 'false'"
                             "   AND NOT after ? 'totp_secret'", other_id), ==, 1);

  /* The admin role requires MFA, so the next login must enrol again. */
  {
    g_autoptr(JsonNode) login = vb_test_request (server, "POST", "/api/v1/auth/login", NULL,
                                                 "{\"email\": \"admin2@example.com\","
                                                 " \"password\": \"" PASSWORD "\"}", &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (string_of (login, "pending"), ==, "mfa_enrolment");
  }
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/users/" NO_SUCH_ID "/reset-mfa", admin, NULL),
                    ==, 404);
  (void) other;
}

/* ------------------------------------------------------------- roles --- */

static void
test_roles (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *user_id = vb_test_create_user (server, "aud@example.com", NULL, "technician", NULL);
  g_autofree char *path = NULL;
  g_autofree char *admin_role_path = NULL;
  g_autofree char *admin_body = NULL;
  g_autofree char *roles_path = g_strdup_printf ("/api/v1/users/%s/roles", user_id);
  g_autoptr(JsonNode) perms = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) stale = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *items;
  JsonArray *p;
  guint status = 0;

  perms = vb_test_request (server, "GET", "/api/v1/permissions", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (perms), "items");
  g_assert_cmpuint (json_array_get_length (items), >=, 8);
  /* Sorted by name, each described; the foundation's own are there. */
  {
    gboolean audit_read = FALSE;

    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *perm = json_array_get_object_element (items, i);
        const char *name = json_object_get_string_member (perm, "name");

        if (i > 0)
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, i - 1), "name"),
                           <, name);
        g_assert_cmpstr (json_object_get_string_member (perm, "description"), !=, "");
        audit_read = audit_read || g_str_equal (name, "audit.read");
      }
    g_assert_true (audit_read);
  }

  list = vb_test_request (server, "GET", "/api/v1/roles", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 4);
  {
    JsonObject *admin_role = json_array_get_object_element (items, 0);
    g_assert_cmpstr (json_object_get_string_member (admin_role, "name"), ==, "admin");
    g_assert_true (json_object_get_boolean_member (admin_role, "builtin"));
    g_assert_true (json_object_get_boolean_member (admin_role, "requires_mfa"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (admin_role, "permissions")),
                      ==, json_array_get_length (json_object_get_array_member (vb_test_object (perms), "items")));
    admin_role_path = g_strdup_printf ("/api/v1/roles/%s", json_object_get_string_member (admin_role, "id"));
  }

  /* Create, read, change, stale change. */
  created = vb_test_request (server, "POST", "/api/v1/roles", admin,
                             "{\"name\": \"auditor\", \"description\": \"Reads the trail\","
                             " \"permissions\": [\"audit.read\", \"audit.read\"]}", &status);
  g_assert_cmpuint (status, ==, 201);
  p = json_object_get_array_member (vb_test_object (created), "permissions");
  g_assert_cmpuint (json_array_get_length (p), ==, 1);
  g_assert_false (json_object_get_boolean_member (vb_test_object (created), "builtin"));
  g_assert_false (json_object_get_boolean_member (vb_test_object (created), "requires_mfa"));
  g_assert_cmpint (json_object_get_int_member (vb_test_object (created), "version"), ==, 1);
  path = g_strdup_printf ("/api/v1/roles/%s", string_of (created, "id"));
  g_assert_cmpuint (status_of (server, "GET", path, admin, NULL), ==, 200);

  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 1, \"permissions\": [\"security.read\", \"audit.read\"],"
                             " \"requires_mfa\": true}", &status);
  g_assert_cmpuint (status, ==, 200);
  p = json_object_get_array_member (vb_test_object (updated), "permissions");
  g_assert_cmpuint (json_array_get_length (p), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (p, 0), ==, "audit.read");
  g_assert_cmpstr (json_array_get_string_element (p, 1), ==, "security.read");
  g_assert_true (json_object_get_boolean_member (vb_test_object (updated), "requires_mfa"));
  g_assert_cmpint (json_object_get_int_member (vb_test_object (updated), "version"), ==, 2);

  /* A change of permissions alone also moves the version. */
  g_clear_pointer (&updated, json_node_unref);
  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 2, \"permissions\": [\"audit.read\"],"
                             " \"requires_mfa\": false}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (updated), "version"), ==, 3);

  stale = vb_test_request (server, "PATCH", path, admin, "{\"version\": 2, \"description\": \"x\"}",
                           &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (error_details (stale),
                                                                              "current"), "version"),
                   ==, 3);

  /* Validation and duplicates. */
  reply = vb_test_request (server, "POST", "/api/v1/roles", admin,
                           "{\"name\": \"auditor\", \"permissions\": []}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (reply, "conflict", "name");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "POST", "/api/v1/roles", admin,
                           "{\"name\": \"Bad Name\", \"permissions\": []}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "name");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "POST", "/api/v1/roles", admin,
                           "{\"name\": \"wizard\", \"permissions\": [\"magic.cast\"]}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "permissions");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "POST", "/api/v1/roles", admin, "{\"name\": \"wizard\"}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "permissions");

  /* The built-in admin role keeps every permission and its MFA rule. */
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "PATCH", admin_role_path, admin,
                           "{\"version\": 1, \"permissions\": [\"users.manage\"]}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "permissions");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "PATCH", admin_role_path, admin,
                           "{\"version\": 1, \"requires_mfa\": false}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "requires_mfa");
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "PATCH", admin_role_path, admin,
                           "{\"version\": 1, \"name\": \"boss\"}", &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", "name");
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM role_permissions rp JOIN roles r"
                                     " ON r.id = rp.role_id WHERE r.name = $1", "admin"),
                   ==, db_count (server, "SELECT count(*) FROM permissions", NULL));
  /* Its description may change. */
  g_assert_cmpuint (status_of (server, "PATCH", admin_role_path, admin,
                               "{\"version\": 1, \"description\": \"The owners\"}"), ==, 200);

  /* Deleting: built-in 422, assigned 409, otherwise 204. */
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "DELETE", admin_role_path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 422);
  vb_test_assert_error (reply, "validation_failed", NULL);

  g_assert_cmpuint (status_of (server, "PUT", roles_path, admin,
                               "{\"roles\": [{\"role\": \"auditor\", \"location_id\": null}]}"), ==, 200);
  g_clear_pointer (&reply, json_node_unref);
  reply = vb_test_request (server, "DELETE", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (reply, "conflict", NULL);
  g_assert_cmpint (json_object_get_int_member (error_details (reply), "assignment_count"), ==, 1);

  /* The auditor can now read the trail. */
  {
    g_autofree char *token = vb_test_login (server, "aud@example.com", NULL, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (status_of (server, "GET", "/api/v1/audit", token, NULL), ==, 200);
    g_assert_cmpuint (status_of (server, "GET", "/api/v1/security-events", token, NULL), ==, 403);
  }

  g_assert_cmpuint (status_of (server, "PUT", roles_path, admin, "{\"roles\": []}"), ==, 200);
  g_assert_cmpuint (status_of (server, "DELETE", path, admin, NULL), ==, 204);
  g_assert_cmpuint (status_of (server, "GET", path, admin, NULL), ==, 404);
  g_assert_cmpuint (status_of (server, "DELETE", path, admin, NULL), ==, 404);
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM roles WHERE name = $1", "auditor"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/admin-api/denied-to-non-admins", test_denied_to_non_admins);
  g_test_add_func ("/admin-api/user-admin-needs-global", test_user_admin_needs_global);
  g_test_add_func ("/admin-api/users/crud", test_users_crud);
  g_test_add_func ("/admin-api/users/list", test_users_list);
  g_test_add_func ("/admin-api/users/validation", test_users_validation);
  g_test_add_func ("/admin-api/users/last-admin-guard", test_last_admin_guard);
  g_test_add_func ("/admin-api/users/deactivate-revokes-sessions", test_deactivate_revokes_sessions);
  g_test_add_func ("/admin-api/users/sessions", test_sessions);
  g_test_add_func ("/admin-api/users/reset-mfa", test_reset_mfa);
  g_test_add_func ("/admin-api/roles", test_roles);
  return g_test_run ();
}
