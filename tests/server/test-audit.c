/* test-audit.c — the audit trail end to end: an API write leaves exactly the
 * audit rows it should (actor, request id, before/after, no secrets), GET
 * /audit and /security-events filter and page, and `voltbay-ctl
 * audit-verify` passes an untouched log and fails one altered behind the
 * server's back (an edited row, a re-hashed row, a deleted row).
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define PASSWORD "correct horse battery staple"

static JsonArray *
items_of (JsonNode *node)
{
  return json_object_get_array_member (vb_test_object (node), "items");
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

/* A request with a JSON body; returns the reply and its X-Request-Id. */
static JsonNode *
request_with_id (VbTestServer *server,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *body,
                 guint        *status,
                 char        **request_id)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(SoupMessageHeaders) headers = NULL;
  JsonNode *reply = vb_test_request_full (server, method, path, token, "application/json", bytes,
                                          NULL, status, &headers);

  *request_id = g_strdup (soup_message_headers_get_one (headers, "X-Request-Id"));
  g_assert_nonnull (*request_id);
  g_assert_cmpstr (*request_id, !=, "");
  return reply;
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

static int
audit_verify (VbTestServer *server)
{
  const char *args[] = { "audit-verify", NULL };
  int status = -1;
  g_autofree char *out = vb_test_ctl (server, args, NULL, &status);

  g_test_message ("audit-verify exit %d: %s", status, out ? out : "");
  return status;
}

static void
db_run (VbDbConn   *db,
        const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_exec (db, sql, 0, NULL, &error);

  g_assert_no_error (error);
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
  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static void
test_write_leaves_audit_rows (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *admin_id = user_id_for (server, "admin@example.com");
  g_autofree char *insert_rid = NULL;
  g_autofree char *update_rid = NULL;
  g_autofree char *noop_rid = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) noop = NULL;
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) rows = NULL;
  const char *id;
  guint status = 0;

  created = request_with_id (server, "POST", "/api/v1/locations", admin,
                             "{\"code\": \"HCM-1\", \"name\": \"Saigon One\","
                             " \"time_zone\": \"Asia/Ho_Chi_Minh\", \"currency\": \"VND\"}",
                             &status, &insert_rid);
  g_assert_cmpuint (status, ==, 201);
  id = json_object_get_string_member (vb_test_object (created), "id");

  rows = vb_db_execv (db, &error,
    "SELECT action, actor_id, actor_label, request_id, after->>'name', before IS NULL,"
    "       after->>'code', after ? 'version', after ? 'updated_at'"
    "  FROM audit_log WHERE entity = 'locations' AND entity_id = $1 ORDER BY xid, pos",
    id);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (rows), ==, 1);
  g_assert_cmpstr (vb_db_get (rows, 0, 0), ==, "insert");
  g_assert_cmpstr (vb_db_get (rows, 0, 1), ==, admin_id);
  g_assert_cmpstr (vb_db_get (rows, 0, 2), ==, "admin@example.com");
  g_assert_cmpstr (vb_db_get (rows, 0, 3), ==, insert_rid);
  g_assert_cmpstr (vb_db_get (rows, 0, 4), ==, "Saigon One");
  g_assert_true (vb_db_get_bool (rows, 0, 5));
  g_assert_cmpstr (vb_db_get (rows, 0, 6), ==, "HCM-1");
  g_assert_false (vb_db_get_bool (rows, 0, 7));   /* bookkeeping stays out */
  g_assert_false (vb_db_get_bool (rows, 0, 8));

  path = g_strdup_printf ("/api/v1/locations/%s", id);
  updated = request_with_id (server, "PATCH", path, admin,
                             "{\"version\": 1, \"name\": \"Saigon Central\"}", &status, &update_rid);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (update_rid, !=, insert_rid);

  g_clear_pointer (&rows, PQclear);
  rows = vb_db_execv (db, &error,
    "SELECT action, actor_id, request_id, before->>'name', after->>'name', after->>'code'"
    "  FROM audit_log WHERE entity = 'locations' AND entity_id = $1 ORDER BY xid, pos",
    id);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (rows), ==, 2);
  g_assert_cmpstr (vb_db_get (rows, 1, 0), ==, "update");
  g_assert_cmpstr (vb_db_get (rows, 1, 1), ==, admin_id);
  g_assert_cmpstr (vb_db_get (rows, 1, 2), ==, update_rid);
  g_assert_cmpstr (vb_db_get (rows, 1, 3), ==, "Saigon One");
  g_assert_cmpstr (vb_db_get (rows, 1, 4), ==, "Saigon Central");
  g_assert_cmpstr (vb_db_get (rows, 1, 5), ==, "HCM-1");

  /* A change that changes nothing moves the version but writes no row. */
  noop = request_with_id (server, "PATCH", path, admin,
                          "{\"version\": 2, \"name\": \"Saigon Central\"}", &status, &noop_rid);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&rows, PQclear);
  rows = vb_db_execv (db, &error, "SELECT count(*) FROM audit_log WHERE request_id = $1", noop_rid);
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (rows, 0, 0), ==, 0);

  /* A failed write leaves nothing either (the transaction rolled back). */
  {
    g_autofree char *rid = NULL;
    g_autoptr(JsonNode) stale = request_with_id (server, "PATCH", path, admin,
                                                 "{\"version\": 1, \"name\": \"Lost\"}", &status, &rid);
    g_assert_cmpuint (status, ==, 409);
    g_clear_pointer (&rows, PQclear);
    rows = vb_db_execv (db, &error, "SELECT count(*) FROM audit_log WHERE request_id = $1", rid);
    g_assert_no_error (error);
    g_assert_cmpint (vb_db_get_int (rows, 0, 0), ==, 0);
  }

  g_assert_cmpint (audit_verify (server), ==, 0);
}

/* A user's audit rows never carry the password hash or TOTP secret. */
static void
test_no_secrets_in_audit (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) rows = NULL;
  guint status = 0;

  created = vb_test_request (server, "POST", "/api/v1/users", admin,
                             "{\"email\": \"new@example.com\", \"display_name\": \"New\","
                             " \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  rows = vb_db_execv (db, &error,
    "SELECT count(*), count(*) FILTER (WHERE after::text LIKE '%argon2%'"
    "                                     OR after ? 'password_hash' OR after ? 'totp_secret')"
    "  FROM audit_log WHERE entity = 'users' AND entity_id = $1",
    json_object_get_string_member (vb_test_object (created), "id"));
  g_assert_no_error (error);
  g_assert_cmpint (vb_db_get_int (rows, 0, 0), ==, 1);
  g_assert_cmpint (vb_db_get_int (rows, 0, 1), ==, 0);
}

static void
test_audit_api (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *admin_id = user_id_for (server, "admin@example.com");
  g_autofree char *id = create_location (server, admin, "HCM-1");
  g_autofree char *other = create_location (server, admin, "HN-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/locations/%s", id);
  g_autofree char *query = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *items;
  JsonObject *newest, *oldest;
  guint status = 0;

  g_assert_cmpuint (status_of (server, "PATCH", path, admin, "{\"version\": 1, \"phone\": \"028 1234\"}"),
                    ==, 200);

  query = g_strdup_printf ("/api/v1/audit?entity=locations&entity_id=%s", id);
  list = vb_test_request (server, "GET", query, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = items_of (list);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  newest = json_array_get_object_element (items, 0);
  oldest = json_array_get_object_element (items, 1);
  g_assert_cmpstr (json_object_get_string_member (newest, "action"), ==, "update");
  g_assert_cmpstr (json_object_get_string_member (oldest, "action"), ==, "insert");
  g_assert_cmpint (json_object_get_int_member (newest, "seq"), >, json_object_get_int_member (oldest, "seq"));
  g_assert_cmpstr (json_object_get_string_member (newest, "actor_id"), ==, admin_id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (newest, "before"),
                                                  "phone"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (newest, "after"),
                                                  "phone"), ==, "028 1234");
  g_assert_true (json_object_get_null_member (oldest, "before"));
  g_assert_cmpuint (strlen (json_object_get_string_member (newest, "hash")), ==, 64);
  g_assert_cmpuint (strlen (json_object_get_string_member (newest, "prev_hash")), ==, 64);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (newest, "at"), "Z"));
  g_assert_nonnull (json_object_get_string_member (newest, "request_id"));
  g_assert_true (json_object_get_null_member (vb_test_object (list), "next_cursor"));

  /* Paging the whole log one row at a time walks the chain backwards. */
  {
    g_autofree char *cursor = NULL;
    g_autofree char *expected_hash = NULL;
    gint64 last_seq = G_MAXINT64;
    guint seen = 0;

    do
      {
        g_autofree char *page_path = cursor ? g_strdup_printf ("/api/v1/audit?limit=1&cursor=%s", cursor)
                                            : g_strdup ("/api/v1/audit?limit=1");
        g_autoptr(JsonNode) page = vb_test_request (server, "GET", page_path, admin, NULL, &status);
        JsonObject *row;

        g_assert_cmpuint (status, ==, 200);
        g_assert_cmpuint (json_array_get_length (items_of (page)), ==, 1);
        row = json_array_get_object_element (items_of (page), 0);
        g_assert_cmpint (json_object_get_int_member (row, "seq"), <, last_seq);
        if (expected_hash != NULL)
          g_assert_cmpstr (json_object_get_string_member (row, "hash"), ==, expected_hash);
        last_seq = json_object_get_int_member (row, "seq");
        g_free (expected_hash);
        expected_hash = g_strdup (json_object_get_string_member (row, "prev_hash"));
        seen++;
        g_clear_pointer (&cursor, g_free);
        if (!json_object_get_null_member (vb_test_object (page), "next_cursor"))
          cursor = g_strdup (json_object_get_string_member (vb_test_object (page), "next_cursor"));
      }
    while (cursor != NULL);
    g_assert_cmpint (last_seq, ==, 1);
    g_assert_cmpstr (expected_hash, ==, "0000000000000000000000000000000000000000000000000000000000000000");
    g_assert_cmpuint (seen, >=, 3);
  }

  /* Filters: actor, time window. */
  {
    g_autofree char *by_actor = g_strdup_printf ("/api/v1/audit?entity=locations&actor_id=%s", admin_id);
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", by_actor, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items_of (reply)), ==, 3);
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET",
                                                 "/api/v1/audit?since=2999-01-01T00:00:00Z", admin,
                                                 NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items_of (reply)), ==, 0);
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET",
                                                 "/api/v1/audit?until=2000-01-01T00:00:00Z", admin,
                                                 NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items_of (reply)), ==, 0);
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET",
                                                 "/api/v1/audit?entity=locations"
                                                 "&since=2000-01-01T07:00:00%2B07:00"
                                                 "&until=2999-01-01T00:00:00Z", admin,
                                                 NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items_of (reply)), ==, 3);
  }

  /* Bad filters name the parameter. */
  {
    static const struct { const char *path; const char *field; } bad[] = {
      { "/api/v1/audit?since=yesterday", "since" },
      { "/api/v1/audit?until=2026-13-01T00:00:00Z", "until" },
      { "/api/v1/audit?actor_id=bob", "actor_id" },
      { "/api/v1/audit?cursor=%21%21", "cursor" },
      { "/api/v1/audit?cursor=YWJj", "cursor" },
      { "/api/v1/audit?limit=501", "limit" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) reply = vb_test_request (server, "GET", bad[i].path, admin, NULL, &status);
        g_test_message ("%s", bad[i].path);
        g_assert_cmpuint (status, ==, 422);
        vb_test_assert_error (reply, "validation_failed", bad[i].field);
      }
  }
  (void) other;
}

static void
test_security_events (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *tech = vb_test_create_user (server, "tech@example.com", NULL, "technician", NULL);
  g_autoptr(JsonNode) failed = NULL;
  g_autoptr(JsonNode) all = NULL;
  JsonArray *items;
  JsonObject *event;
  guint status = 0;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *token = vb_test_login (server, "tech@example.com", "wrong password!!", NULL,
                                              &status);
      g_assert_cmpuint (status, ==, 401);
    }

  failed = vb_test_request (server, "GET",
                            "/api/v1/security-events?kind=login_failed&email=TECH@example.com",
                            admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  items = items_of (failed);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  event = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "login_failed");
  g_assert_cmpstr (json_object_get_string_member (event, "email"), ==, "tech@example.com");
  g_assert_cmpstr (json_object_get_string_member (event, "user_id"), ==, tech);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (event, "detail")));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (event, "at"), "Z"));
  g_assert_cmpint (json_object_get_int_member (event, "id"), >,
                   json_object_get_int_member (json_array_get_object_element (items, 1), "id"));

  /* Newest first across kinds, paged. */
  all = vb_test_request (server, "GET", "/api/v1/security-events?limit=1", admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (items_of (all)), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items_of (all), 0), "id"),
                   ==, json_object_get_int_member (event, "id"));
  {
    g_autofree char *next = g_strdup_printf ("/api/v1/security-events?limit=1&cursor=%s",
                                             json_object_get_string_member (vb_test_object (all), "next_cursor"));
    g_autoptr(JsonNode) page = vb_test_request (server, "GET", next, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (items_of (page), 0), "id"),
                     ==, json_object_get_int_member (json_array_get_object_element (items, 1), "id"));
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET",
                                                 "/api/v1/security-events?since=2999-01-01T00:00:00Z",
                                                 admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items_of (reply)), ==, 0);
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/security-events?since=soon",
                                                 admin, NULL, &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "since");
  }
}

/* An edited row fails verification, and so does the same row re-hashed
 * (the next row's prev_hash no longer matches). */
static void
test_verify_detects_edit (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = create_location (server, admin, "HCM-1");
  g_autofree char *b = create_location (server, admin, "HN-1");
  g_autofree char *c = create_location (server, admin, "DN-1");
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autofree char *seq = NULL;

  g_assert_cmpint (audit_verify (server), ==, 0);

  /* The log refuses changes through the normal path. */
  g_test_expect_message ("voltbay-server", G_LOG_LEVEL_WARNING, "SQL error 42501*append-only*");
  res = vb_db_exec (db, "UPDATE audit_log SET actor_label = 'x' WHERE seq = 1", 0, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_null (res);
  g_assert_nonnull (error);
  g_clear_error (&error);

  res = vb_db_execv (db, &error,
    "SELECT seq::text FROM audit_log WHERE entity = 'locations' AND entity_id = $1", b);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  seq = g_strdup (vb_db_get (res, 0, 0));
  g_clear_pointer (&res, PQclear);

  db_run (db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_immutable");
  res = vb_db_execv (db, &error,
    "UPDATE audit_log SET after = jsonb_set(after, '{name}', '\"Forged\"') WHERE seq = $1::bigint",
    seq);
  g_assert_no_error (error);
  g_assert_cmpstr (PQcmdTuples (res), ==, "1");
  g_clear_pointer (&res, PQclear);
  g_assert_cmpint (audit_verify (server), !=, 0);

  /* Recomputing the forged row's own hash does not help. */
  res = vb_db_execv (db, &error,
    "UPDATE audit_log a SET hash = encode(sha256(convert_to(vb_audit_canonical(a), 'UTF8')), 'hex')"
    " WHERE seq = $1::bigint",
    seq);
  g_assert_no_error (error);
  g_clear_pointer (&res, PQclear);
  g_assert_cmpint (audit_verify (server), !=, 0);
  (void) a;
  (void) c;
}

static void
test_verify_detects_deletion (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = create_location (server, admin, "HCM-1");
  g_autofree char *b = create_location (server, admin, "HN-1");
  g_autofree char *c = create_location (server, admin, "DN-1");
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;

  g_assert_cmpint (audit_verify (server), ==, 0);

  db_run (db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_immutable");
  res = vb_db_execv (db, &error,
    "DELETE FROM audit_log WHERE entity = 'locations' AND entity_id = $1"
    "   AND seq < (SELECT max(seq) FROM audit_log)",
    b);
  g_assert_no_error (error);
  g_assert_cmpstr (PQcmdTuples (res), ==, "1");
  g_assert_cmpint (audit_verify (server), !=, 0);
  (void) a;
  (void) c;
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/audit/write-leaves-audit-rows", test_write_leaves_audit_rows);
  g_test_add_func ("/audit/no-secrets", test_no_secrets_in_audit);
  g_test_add_func ("/audit/api", test_audit_api);
  g_test_add_func ("/audit/security-events", test_security_events);
  g_test_add_func ("/audit/verify-detects-edit", test_verify_detects_edit);
  g_test_add_func ("/audit/verify-detects-deletion", test_verify_detects_deletion);
  return g_test_run ();
}
