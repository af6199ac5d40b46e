/* test-customers.c — /api/v1/customers against the real server: create,
 * read with embedded vehicles, update with version conflicts, validation
 * naming the field, role permissions and location scoping, ranked
 * typo-tolerant search, GDPR export and erasure, change feed and audit.
 */
#include "vb-test.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* POST body (must succeed with 201); returns the reply. */
static JsonNode *
post_ok (VbTestServer *server,
         const char   *token,
         const char   *path,
         const char   *body)
{
  guint status = 0;
  JsonNode *reply = vb_test_request (server, "POST", path, token, body, &status);

  if (status != 201)
    g_test_message ("POST %s: %u", path, status);
  g_assert_cmpuint (status, ==, 201);
  return reply;
}

static char *
create_customer (VbTestServer *server,
                 const char   *token,
                 const char   *location_id,
                 const char   *given,
                 const char   *family,
                 const char   *phone)
{
  g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"given_name\": \"%s\","
                                           " \"family_name\": \"%s\", \"phones\": [\"%s\"]}",
                                           location_id, given, family, phone);
  g_autoptr(JsonNode) reply = post_ok (server, token, "/api/v1/customers", body);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}

static char *
create_vehicle (VbTestServer *server,
                const char   *token,
                const char   *customer_id,
                const char   *plate,
                const char   *vin)
{
  g_autofree char *body = g_strdup_printf ("{\"customer_id\": \"%s\", \"plate\": \"%s\", \"vin\": \"%s\","
                                           " \"make\": \"VinFast\", \"model\": \"VF 8\", \"year\": 2024}",
                                           customer_id, plate, vin);
  g_autoptr(JsonNode) reply = post_ok (server, token, "/api/v1/vehicles", body);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
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

/* The ids of GET path's items, comma-separated, in order. */
static char *
list_ids (VbTestServer *server,
          const char   *token,
          const char   *path)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, token, NULL, &status);
  g_autoptr(GString) ids = g_string_new (NULL);
  JsonArray *items;

  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (reply), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_string_append_printf (ids, "%s%s", i ? "," : "",
                            json_object_get_string_member (json_array_get_object_element (items, i), "id"));
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static gint64
db_count (VbTestServer *server,
          const char   *sql,
          const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param ? 1 : 0, params, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

static void
test_create_update (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *vehicle_id = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) stale = NULL;
  JsonObject *o, *consent, *current;
  JsonArray *phones, *vehicles;
  guint status = 0;

  body = g_strdup_printf ("{\"id\": \"2f1c7e0a-5b7d-4c1e-9a77-0e6b2d3c4f51\", \"preferred_location_id\": \"%s\","
                          " \"given_name\": \"Minh\", \"family_name\": \"Nguyen\","
                          " \"phones\": [\"+84 90 123 4567\", \"0912-345-678\"],"
                          " \"emails\": [\"minh@example.com\"], \"address\": \"1 Le Loi\","
                          " \"preferred_language\": \"vi\","
                          " \"consent\": {\"sms\": {\"given\": true, \"at\": \"2026-11-20T10:00:00+07:00\","
                          "                         \"channel\": \"in_person\"}},"
                          " \"notes\": \"Prefers mornings\"}", loc);
  created = post_ok (server, admin, "/api/v1/customers", body);
  o = vb_test_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "2f1c7e0a-5b7d-4c1e-9a77-0e6b2d3c4f51");
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "person");
  g_assert_cmpstr (json_object_get_string_member (o, "display_name"), ==, "Minh Nguyen");
  phones = json_object_get_array_member (o, "phones");
  g_assert_cmpuint (json_array_get_length (phones), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (phones, 0), ==, "+84901234567");
  g_assert_cmpstr (json_array_get_string_element (phones, 1), ==, "+84912345678");
  consent = json_object_get_object_member (json_object_get_object_member (o, "consent"), "sms");
  g_assert_true (json_object_get_boolean_member (consent, "given"));
  g_assert_cmpstr (json_object_get_string_member (consent, "at"), ==, "2026-11-20T03:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (consent, "channel"), ==, "in_person");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);

  path = g_strdup_printf ("/api/v1/customers/%s", json_object_get_string_member (o, "id"));
  vehicle_id = create_vehicle (server, admin, json_object_get_string_member (o, "id"),
                               "51A-123.45", "11111111111111111");

  /* GET embeds the vehicles. */
  fetched = vb_test_request (server, "GET", path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  vehicles = json_object_get_array_member (vb_test_object (fetched), "vehicles");
  g_assert_cmpuint (json_array_get_length (vehicles), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vehicles, 0), "id"),
                   ==, vehicle_id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vehicles, 0), "plate"),
                   ==, "51A-123.45");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (vehicles, 0), "year"),
                   ==, 2024);

  /* A company; the same id again is a conflict. */
  {
    g_autofree char *company = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"company\","
                                                " \"company_name\": \"Saigon Taxi\"}", loc);
    g_autoptr(JsonNode) reply = post_ok (server, admin, "/api/v1/customers", company);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (reply), "display_name"), ==, "Saigon Taxi");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/customers", admin, body, &status);
    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (reply, "conflict", "id");
  }

  updated = vb_test_request (server, "PATCH", path, admin,
                             "{\"version\": 1, \"family_name\": \"Tran\","
                             " \"consent\": {\"email\": {\"given\": true, \"channel\": \"web\"}}}",
                             &status);
  g_assert_cmpuint (status, ==, 200);
  o = vb_test_object (updated);
  g_assert_cmpstr (json_object_get_string_member (o, "display_name"), ==, "Minh Tran");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  /* Consent is merged per purpose. */
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "consent"), "sms"));
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "consent"), "email"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "phones")), ==, 2);

  stale = vb_test_request (server, "PATCH", path, admin, "{\"version\": 1, \"notes\": \"x\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  current = json_object_get_object_member (
    json_object_get_object_member (json_object_get_object_member (vb_test_object (stale), "error"), "details"),
    "current");
  g_assert_cmpint (json_object_get_int_member (current, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (current, "family_name"), ==, "Tran");

  g_assert_cmpuint (status_of (server, "PATCH", "/api/v1/customers/7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11",
                               admin, "{\"version\": 1, \"notes\": \"x\"}"), ==, 404);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/customers/nope", admin, NULL), ==, 404);
}

typedef struct
{
  const char *body;   /* %s: the location id */
  const char *field;
} Invalid;

static void
test_validation (void)
{
  static const Invalid cases[] = {
    { "{\"given_name\": \"A\"}", "preferred_location_id" },
    { "{\"preferred_location_id\": \"x\", \"given_name\": \"A\"}", "preferred_location_id" },
    { "{\"preferred_location_id\": \"7d0f3c52-8a0e-4f38-9b1e-3f6a8a3c0b11\", \"given_name\": \"A\"}",
      "preferred_location_id" },
    { "{\"preferred_location_id\": \"%s\"}", "family_name" },
    { "{\"preferred_location_id\": \"%s\", \"kind\": \"company\", \"given_name\": \"A\"}", "company_name" },
    { "{\"preferred_location_id\": \"%s\", \"kind\": \"robot\", \"given_name\": \"A\"}", "kind" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"phones\": [\"12ab\"]}", "phones" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"phones\": [\"+84 12\"]}", "phones" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"phones\": [\"+1234567890123456\"]}", "phones" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"phones\": \"0901234567\"}", "phones" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"emails\": [\"not-an-email\"]}", "emails" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"preferred_language\": \"fr\"}",
      "preferred_language" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"consent\": {\"fax\": {\"given\": true}}}",
      "consent" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"consent\": {\"sms\": {\"at\": \"2026-01-01T00:00:00Z\"}}}",
      "consent" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"consent\": {\"sms\": {\"given\": true, \"at\": \"yesterday\"}}}",
      "consent" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": \"A\", \"id\": \"nope\"}", "id" },
    { "{\"preferred_location_id\": \"%s\", \"given_name\": 5}", "given_name" },
  };
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *id = create_customer (server, admin, loc, "Lan", "Pham", "0901234567");
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", id);
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) text = g_string_new (cases[i].body);
      g_autofree char *body = NULL;

      g_string_replace (text, "%s", loc, 0);
      body = g_strdup (text->str);
      g_autoptr(JsonNode) reply = vb_test_request (server, "POST", "/api/v1/customers", admin,
                                                   body, &status);
      g_test_message ("case %u: %s", i, body);
      g_assert_cmpuint (status, ==, 422);
      vb_test_assert_error (reply, "validation_failed", cases[i].field);
    }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "PATCH", path, admin, "{\"notes\": \"x\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "version");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "PATCH", path, admin,
                                                 "{\"version\": 1, \"emails\": [\"a@\"]}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "emails");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "PATCH", path, admin,
                                                 "{\"version\": 1, \"kind\": \"company\"}", &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "company_name");
  }
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "PATCH", path, admin,
                                                 "{\"version\": 1, \"given_name\": \"\", \"family_name\": \"\"}",
                                                 &status);
    g_assert_cmpuint (status, ==, 422);
    vb_test_assert_error (reply, "validation_failed", "family_name");
  }
  g_assert_cmpint (db_count (server, "SELECT count(*) FROM customers", NULL), ==, 1);
}

static void
test_permissions_and_scope (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *desk_a = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autofree char *tech_a = vb_test_user_token (server, "tech@example.com", "technician", "HCM-1");
  g_autofree char *manager_a = vb_test_user_token (server, "boss@example.com", "manager", "HCM-1");
  g_autofree char *ca = create_customer (server, desk_a, a, "An", "Le", "0901111111");
  g_autofree char *cb = create_customer (server, admin, b, "Binh", "Vo", "0902222222");
  g_autofree char *pa = g_strdup_printf ("/api/v1/customers/%s", ca);
  g_autofree char *pb = g_strdup_printf ("/api/v1/customers/%s", cb);
  g_autofree char *body_b = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"given_name\": \"X\"}", b);
  g_autofree char *body_a = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"given_name\": \"X\"}", a);
  g_autofree char *ids = NULL;
  g_autofree char *both = g_strdup_printf ("%s,%s", ca, cb);
  g_autofree char *export_a = g_strdup_printf ("/api/v1/customers/%s/export", ca);
  g_autofree char *erase_a = g_strdup_printf ("/api/v1/customers/%s/erase", ca);
  g_autofree char *move = g_strdup_printf ("{\"version\": 1, \"preferred_location_id\": \"%s\"}", b);
  g_autoptr(JsonNode) reply = NULL;
  guint status = 0;

  /* Reception at A sees A's customer only: B's is absent from the list and 403. */
  ids = list_ids (server, desk_a, "/api/v1/customers");
  g_assert_cmpstr (ids, ==, ca);
  g_assert_cmpuint (status_of (server, "GET", pa, desk_a, NULL), ==, 200);
  reply = vb_test_request (server, "GET", pb, desk_a, NULL, &status);
  g_assert_cmpuint (status, ==, 403);
  vb_test_assert_error (reply, "forbidden", NULL);
  g_clear_pointer (&ids, g_free);
  ids = list_ids (server, desk_a, "/api/v1/customers?q=Binh");
  g_assert_cmpstr (ids, ==, "");
  g_clear_pointer (&ids, g_free);
  ids = list_ids (server, admin, "/api/v1/customers");
  g_assert_cmpstr (ids, ==, both);   /* "an le" < "binh vo" */

  /* Reception cannot create in B nor change B's customer, nor move A's to B. */
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/customers", desk_a, body_b), ==, 403);
  g_assert_cmpuint (status_of (server, "PATCH", pb, desk_a, "{\"version\": 1, \"notes\": \"x\"}"), ==, 403);
  g_assert_cmpuint (status_of (server, "PATCH", pa, desk_a, move), ==, 403);

  /* A technician reads but never writes customers. */
  g_assert_cmpuint (status_of (server, "GET", pa, tech_a, NULL), ==, 200);
  g_assert_cmpuint (status_of (server, "POST", "/api/v1/customers", tech_a, body_a), ==, 403);
  g_assert_cmpuint (status_of (server, "PATCH", pa, tech_a, "{\"version\": 1, \"notes\": \"x\"}"), ==, 403);

  /* GDPR: export for managers and admins, erase for admins only. */
  g_assert_cmpuint (status_of (server, "GET", export_a, desk_a, NULL), ==, 403);
  g_assert_cmpuint (status_of (server, "GET", export_a, manager_a, NULL), ==, 200);
  g_assert_cmpuint (status_of (server, "POST", erase_a, manager_a, "{}"), ==, 403);
  g_assert_cmpuint (status_of (server, "POST", erase_a, desk_a, "{}"), ==, 403);
  g_assert_cmpuint (status_of (server, "GET", "/api/v1/customers", NULL, NULL), ==, 401);
}

/* The first item's id of a search. */
static char *
first_hit (VbTestServer *server,
           const char   *token,
           const char   *q)
{
  g_autofree char *escaped = g_uri_escape_string (q, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/customers?q=%s", escaped);
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, token, NULL, &status);
  JsonArray *items;

  g_assert_cmpuint (status, ==, 200);
  items = json_object_get_array_member (vb_test_object (reply), "items");
  g_test_message ("q=%s: %u hits", q, json_array_get_length (items));
  if (json_array_get_length (items) == 0)
    return NULL;
  return g_strdup (json_object_get_string_member (json_array_get_object_element (items, 0), "id"));
}

static void
test_search (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *nguyen = create_customer (server, admin, loc, "Thanh", "Nguyen", "0901234567");
  g_autofree char *tran = create_customer (server, admin, loc, "Huong", "Tran", "+84 98 765 4321");
  g_autofree char *pham = create_customer (server, admin, loc, "Duc", "Pham", "0933000111");
  g_autofree char *v1 = create_vehicle (server, admin, tran, "51H-678.90", "11111111111111111");
  g_autofree char *v2 = create_vehicle (server, admin, pham, "30A-111.22", "1HGCM82633A004352");
  g_autofree char *hit = NULL;

#define EXPECT(q, id) G_STMT_START { \
    g_clear_pointer (&hit, g_free); \
    hit = first_hit (server, admin, (q)); \
    g_assert_cmpstr (hit, ==, (id)); \
  } G_STMT_END

  EXPECT ("Nguyen", nguyen);
  EXPECT ("Nguyn", nguyen);          /* a typo */
  EXPECT ("nguyen thanh", nguyen);
  EXPECT ("Huonng", tran);
  EXPECT ("0987654321", tran);       /* national form of +84987654321 */
  EXPECT ("765 4321", tran);         /* digits only */
  EXPECT ("51H67890", tran);         /* plate without punctuation */
  EXPECT ("51h-678", tran);          /* plate fragment */
  EXPECT ("A004352", pham);          /* VIN fragment */
  EXPECT ("zzzzqqqq", NULL);
#undef EXPECT

  /* Paging through a ranked search: every phone holds +84. */
  {
    guint status = 0;
    g_autoptr(JsonNode) page1 = vb_test_request (server, "GET", "/api/v1/customers?q=%2B84&limit=2",
                                                 admin, NULL, &status);
    g_autoptr(JsonNode) page2 = NULL;
    g_autofree char *path = NULL;

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (page1), "items")),
                      ==, 2);
    path = g_strdup_printf ("/api/v1/customers?q=%%2B84&limit=2&cursor=%s",
                            json_object_get_string_member (vb_test_object (page1), "next_cursor"));
    page2 = vb_test_request (server, "GET", path, admin, NULL, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (page2), "items")),
                      ==, 1);
    g_assert_true (json_object_get_null_member (vb_test_object (page2), "next_cursor"));
  }
  {
    guint status = 0;
    g_autofree char *page = NULL;
    g_autoptr(GString) seen = g_string_new (NULL);
    g_autofree char *cursor = NULL;
    guint pages = 0;

    do
      {
        g_autofree char *path = cursor ? g_strdup_printf ("/api/v1/customers?limit=2&cursor=%s", cursor)
                                       : g_strdup ("/api/v1/customers?limit=2");
        g_autoptr(JsonNode) reply = vb_test_request (server, "GET", path, admin, NULL, &status);
        JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");

        g_assert_cmpuint (status, ==, 200);
        for (guint i = 0; i < json_array_get_length (items); i++)
          g_string_append_printf (seen, "%s;", json_object_get_string_member (
                                    json_array_get_object_element (items, i), "display_name"));
        g_clear_pointer (&cursor, g_free);
        if (!json_object_get_null_member (vb_test_object (reply), "next_cursor"))
          cursor = g_strdup (json_object_get_string_member (vb_test_object (reply), "next_cursor"));
        pages++;
      }
    while (cursor != NULL);
    g_assert_cmpstr (seen->str, ==, "Duc Pham;Huong Tran;Thanh Nguyen;");
    g_assert_cmpuint (pages, ==, 2);
  }
}

/* Every JSON text of change_log rows about these ids, concatenated. */
static char *
change_log_text (VbTestServer *server,
                 const char   *customer_id)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { customer_id };
  g_autoptr(PGresult) res = vb_db_exec (db,
    "SELECT coalesce(string_agg(row::text, ' '), '') FROM change_log"
    " WHERE (entity = 'customers' AND entity_id = $1)"
    "    OR (entity = 'vehicles' AND entity_id IN (SELECT id::text FROM vehicles WHERE customer_id = $1::uuid))",
    1, params, &error);

  g_assert_no_error (error);
  return g_strdup (vb_db_get (res, 0, 0));
}

static void
test_gdpr (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *id = create_customer (server, admin, loc, "Quynh", "Hoang", "0977123456");
  g_autofree char *vehicle = create_vehicle (server, admin, id, "59X-999.99", "11111111111111111");
  g_autofree char *odo_path = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle);
  g_autofree char *soh_path = g_strdup_printf ("/api/v1/vehicles/%s/soh-readings", vehicle);
  g_autofree char *export_path = g_strdup_printf ("/api/v1/customers/%s/export", id);
  g_autofree char *erase_path = g_strdup_printf ("/api/v1/customers/%s/erase", id);
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", id);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonNode) exported = NULL;
  g_autoptr(JsonNode) erased = NULL;
  g_autoptr(JsonNode) odo = NULL;
  g_autoptr(JsonNode) soh = NULL;
  JsonObject *o, *v;
  JsonArray *vehicles, *audit;
  guint status = 0;

  g_assert_cmpuint (status_of (server, "PATCH", path, admin,
                               "{\"version\": 1, \"emails\": [\"quynh@example.com\"], \"notes\": \"VIP\"}"),
                    ==, 200);
  odo = post_ok (server, admin, odo_path, "{\"odometer_km\": 12345}");
  soh = post_ok (server, admin, soh_path, "{\"soh_percent\": 97.5, \"usable_kwh\": 72.4}");

  exported = vb_test_request (server, "GET", export_path, admin, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  o = vb_test_object (exported);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "customer"), "family_name"),
                   ==, "Hoang");
  vehicles = json_object_get_array_member (o, "vehicles");
  g_assert_cmpuint (json_array_get_length (vehicles), ==, 1);
  v = json_array_get_object_element (vehicles, 0);
  g_assert_cmpstr (json_object_get_string_member (v, "vin"), ==, "11111111111111111");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                     json_object_get_array_member (v, "odometer_readings"), 0), "odometer_km"), ==, 12345);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (v, "soh_readings")), ==, 1);
  audit = json_object_get_array_member (o, "audit");
  /* insert + update of the customer, the vehicle, two readings. */
  g_assert_cmpuint (json_array_get_length (audit), >=, 5);

  before = change_log_text (server, id);
  g_assert_nonnull (strstr (before, "Hoang"));
  g_assert_nonnull (strstr (before, "59X-999.99"));

  erased = vb_test_request (server, "POST", erase_path, admin, "{}", &status);
  g_assert_cmpuint (status, ==, 200);
  o = vb_test_object (erased);
  g_assert_cmpstr (json_object_get_string_member (o, "display_name"), ==, "Erased customer");
  g_assert_false (json_object_get_null_member (o, "erased_at"));
  g_assert_false (json_object_get_boolean_member (
                    json_object_get_object_member (json_object_get_object_member (o, "consent"), "sms"),
                    "given"));

  /* No personal data left in the rows. */
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM customers WHERE id = $1::uuid AND given_name = '' AND family_name = ''"
    " AND phones = '{}' AND emails = '{}' AND address = '' AND notes = '' AND erased_at IS NOT NULL"
    " AND search_text !~ '[a-z0-9]'", id), ==, 1);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM vehicles WHERE customer_id = $1::uuid AND plate = '' AND plate_norm = ''"
    " AND vin IS NULL AND length(vin_hash) = 64", id), ==, 1);

  /* Nor in the change feed's JSON; the newest customer entry is the erased upsert. */
  after = change_log_text (server, id);
  g_assert_null (strstr (after, "Hoang"));
  g_assert_null (strstr (after, "Quynh"));
  g_assert_null (strstr (after, "0977123456"));
  g_assert_null (strstr (after, "quynh@example.com"));
  g_assert_null (strstr (after, "59X-999.99"));
  g_assert_null (strstr (after, "11111111111111111"));
  g_assert_nonnull (strstr (after, "Erased customer"));
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM (SELECT * FROM change_log WHERE entity = 'customers' AND entity_id = $1"
    "                       ORDER BY xid DESC, seq DESC LIMIT 1) l"
    " WHERE l.op = 'upsert' AND l.row ->> 'erased_at' IS NOT NULL", id), ==, 1);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity = 'customers' AND entity_id = $1 AND action = 'erase'",
    id), ==, 1);

  /* An erased customer can no longer be changed; erasing again is harmless. */
  g_assert_cmpuint (status_of (server, "PATCH", path, admin, "{\"version\": 3, \"notes\": \"x\"}"), ==, 409);
  g_assert_cmpuint (status_of (server, "POST", erase_path, admin, "{}"), ==, 200);
  g_assert_cmpuint (status_of (server, "POST", odo_path, admin, "{\"odometer_km\": 20000}"), ==, 409);
}

/* Every customer mutation is in the change feed and in the audit trail. */
static void
test_feed_and_audit (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *a = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *b = vb_test_create_location (server, admin, "HN-1");
  g_autofree char *desk_b = vb_test_user_token (server, "deskb@example.com", "reception", "HN-1");
  g_autofree char *id = create_customer (server, admin, a, "Tuan", "Dang", "0909090909");
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", id);
  g_autofree char *move = g_strdup_printf ("{\"version\": 2, \"preferred_location_id\": \"%s\"}", b);
  g_autoptr(GString) ops = g_string_new (NULL);
  g_autoptr(GString) ops_b = g_string_new (NULL);
  guint status = 0;

  g_assert_cmpuint (status_of (server, "PATCH", path, admin, "{\"version\": 1, \"notes\": \"n\"}"), ==, 200);
  g_assert_cmpuint (status_of (server, "PATCH", path, admin, move), ==, 200);

  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/changes?limit=500", admin, NULL, &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");

    g_assert_cmpuint (status, ==, 200);
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *item = json_array_get_object_element (items, i);
        if (g_str_equal (json_object_get_string_member (item, "entity"), "customers"))
          g_string_append_printf (ops, "%s%" G_GINT64_FORMAT ";",
                                  json_object_get_string_member (item, "op"),
                                  json_object_get_int_member (item, "version"));
      }
  }
  /* insert, update, then the move: delete for A and upsert for B. */
  g_assert_cmpstr (ops->str, ==, "upsert1;upsert2;delete2;upsert3;");

  /* The desk of B sees only the arrival. */
  {
    g_autoptr(JsonNode) reply = vb_test_request (server, "GET", "/api/v1/changes?limit=500", desk_b, NULL, &status);
    JsonArray *items = json_object_get_array_member (vb_test_object (reply), "items");

    g_assert_cmpuint (status, ==, 200);
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *item = json_array_get_object_element (items, i);
        if (g_str_equal (json_object_get_string_member (item, "entity"), "customers"))
          {
            g_string_append_printf (ops_b, "%s%" G_GINT64_FORMAT ";",
                                    json_object_get_string_member (item, "op"),
                                    json_object_get_int_member (item, "version"));
            g_assert_false (json_object_has_member (json_object_get_object_member (item, "row"),
                                                    "search_text"));
          }
      }
  }
  g_assert_cmpstr (ops_b->str, ==, "upsert3;");

  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity = 'customers' AND entity_id = $1", id), ==, 3);
  g_assert_cmpint (db_count (server,
    "SELECT count(*) FROM audit_log WHERE entity = 'customers' AND entity_id = $1"
    " AND actor_label = 'admin@example.com' AND request_id <> ''", id), ==, 3);
}

int
main (int    argc,
      char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/customers/create-update", test_create_update);
  g_test_add_func ("/customers/validation", test_validation);
  g_test_add_func ("/customers/permissions-and-scope", test_permissions_and_scope);
  g_test_add_func ("/customers/search", test_search);
  g_test_add_func ("/customers/gdpr", test_gdpr);
  g_test_add_func ("/customers/feed-and-audit", test_feed_and_audit);
  return g_test_run ();
}
