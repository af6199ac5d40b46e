/* test-openapi.c — GET /api/v1/openapi.json describes exactly the routes
 * the server serves: no route without a description, no description
 * without a route (x-voltbay-routes is the server's own route table). */
#include "vb-test.h"

#include <string.h>

static const char * const http_methods[] = {
  "get", "put", "post", "delete", "options", "head", "patch", "trace",
};

static JsonNode *
fetch_document (VbTestServer *s)
{
  guint status = 0;
  JsonNode *doc = vb_test_request (s, "GET", "/api/v1/openapi.json", NULL, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (doc);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (doc));
  return doc;
}

static gboolean
has_string (JsonArray  *array,
            const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* "GET /api/v1/users/{id}" -> its operation object, for every operation. */
static GHashTable *
described_operations (JsonObject *doc)
{
  GHashTable *ops = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *paths = json_object_get_object_member (doc, "paths");
  g_autoptr(GList) names = json_object_get_members (paths);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths, l->data);

      g_assert_nonnull (item);
      for (guint i = 0; i < G_N_ELEMENTS (http_methods); i++)
        {
          g_autofree char *upper = g_ascii_strup (http_methods[i], -1);

          if (json_object_has_member (item, http_methods[i]))
            g_hash_table_insert (ops, g_strdup_printf ("%s %s", upper, (char *) l->data),
                                 json_object_get_object_member (item, http_methods[i]));
        }
    }
  return ops;
}

static GHashTable *
served_routes (JsonObject *doc)
{
  GHashTable *routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *listed = json_object_get_array_member (doc, "x-voltbay-routes");

  g_assert_nonnull (listed);
  for (guint i = 0; i < json_array_get_length (listed); i++)
    {
      JsonObject *r = json_array_get_object_element (listed, i);

      g_hash_table_add (routes, g_strdup_printf ("%s %s",
                                                 json_object_get_string_member (r, "method"),
                                                 json_object_get_string_member (r, "pattern")));
    }
  return routes;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The keys of a not in b, sorted, comma-separated ("" if none). */
static char *
difference (GHashTable *a,
            GHashTable *b)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (b, key))
      g_ptr_array_add (missing, key);
  g_ptr_array_sort (missing, compare_strings);
  g_ptr_array_add (missing, NULL);
  return g_strjoinv (", ", (char **) missing->pdata);
}

static void
test_document_is_openapi (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) node = fetch_document (s);
  JsonObject *doc = json_node_get_object (node);
  JsonObject *schemes, *error_schema;

  g_assert_cmpstr (json_object_get_string_member_with_default (doc, "openapi", NULL), ==, "3.0.3");
  g_assert_true (json_object_has_member (doc, "info"));
  g_assert_nonnull (json_object_get_string_member_with_default (
                      json_object_get_object_member (doc, "info"), "title", NULL));
  g_assert_true (json_object_has_member (doc, "paths"));
  schemes = json_object_get_object_member (json_object_get_object_member (doc, "components"),
                                           "securitySchemes");
  g_assert_nonnull (schemes);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (schemes, "bearer"),
                                                  "scheme"), ==, "bearer");
  error_schema = json_object_get_object_member (json_object_get_object_member (
                   json_object_get_object_member (doc, "components"), "schemas"), "Error");
  g_assert_nonnull (error_schema);
}

static void
test_routes_match_descriptions (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) node = fetch_document (s);
  JsonObject *doc = json_node_get_object (node);
  g_autoptr(GHashTable) ops = described_operations (doc);
  g_autoptr(GHashTable) routes = served_routes (doc);
  g_autofree char *undescribed = difference (routes, ops);
  g_autofree char *unserved = difference (ops, routes);
  g_autofree char *report = NULL;

  g_assert_true (g_hash_table_contains (routes, "GET /api/v1/openapi.json"));
  g_assert_true (g_hash_table_contains (routes, "GET /api/v1/users/{id}"));
  /* Both directions in one message, so one run names everything to fix. */
  report = g_strdup_printf ("routes without a description in server/api/openapi.json: [%s]; "
                            "described operations the server does not serve: [%s]",
                            undescribed, unserved);
  g_assert_cmpstr (report, ==, "routes without a description in server/api/openapi.json: []; "
                               "described operations the server does not serve: []");
}

/* A parameter object, following one "#/components/parameters/NAME" $ref. */
static JsonObject *
resolve_parameter (JsonObject *doc,
                   JsonObject *param)
{
  const char *ref = json_object_get_string_member_with_default (param, "$ref", NULL);
  const char *prefix = "#/components/parameters/";

  if (ref == NULL)
    return param;
  g_assert_true (g_str_has_prefix (ref, prefix));
  param = json_object_get_object_member (json_object_get_object_member (
            json_object_get_object_member (doc, "components"), "parameters"), ref + strlen (prefix));
  g_assert_nonnull (param);
  return param;
}

static gboolean
declares_path_parameter (JsonObject *doc,
                         JsonObject *holder,
                         const char *name)
{
  JsonArray *params = json_object_has_member (holder, "parameters")
                      ? json_object_get_array_member (holder, "parameters") : NULL;

  for (guint i = 0; params != NULL && i < json_array_get_length (params); i++)
    {
      JsonObject *p = resolve_parameter (doc, json_array_get_object_element (params, i));

      if (g_strcmp0 (json_object_get_string_member_with_default (p, "in", NULL), "path") == 0
          && g_strcmp0 (json_object_get_string_member_with_default (p, "name", NULL), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Every {name} of every path is a declared path parameter (OpenAPI requires it). */
static void
test_path_parameters_declared (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) node = fetch_document (s);
  JsonObject *doc = json_node_get_object (node);
  JsonObject *paths = json_object_get_object_member (doc, "paths");
  g_autoptr(GList) names = json_object_get_members (paths);
  g_autoptr(GString) problems = g_string_new ("");

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths, l->data);
      g_auto(GStrv) segments = g_strsplit (l->data, "/", -1);

      for (guint i = 0; segments[i] != NULL; i++)
        {
          gsize len = strlen (segments[i]);
          g_autofree char *name = NULL;

          if (len < 3 || segments[i][0] != '{' || segments[i][len - 1] != '}')
            continue;
          name = g_strndup (segments[i] + 1, len - 2);
          if (declares_path_parameter (doc, item, name))
            continue;
          for (guint m = 0; m < G_N_ELEMENTS (http_methods); m++)
            if (json_object_has_member (item, http_methods[m])
                && !declares_path_parameter (doc, json_object_get_object_member (item, http_methods[m]), name))
              g_string_append_printf (problems, "%s %s: {%s} not declared; ",
                                      http_methods[m], (char *) l->data, name);
        }
    }
  g_assert_cmpstr (problems->str, ==, "");
}

static void
test_operations_complete (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) node = fetch_document (s);
  JsonObject *doc = json_node_get_object (node);
  g_autoptr(GHashTable) ops = described_operations (doc);
  g_autoptr(GString) problems = g_string_new ("");
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, ops);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *op = value;
      const char *summary = json_object_get_string_member_with_default (op, "summary", NULL);
      JsonObject *responses = json_object_has_member (op, "responses")
                              ? json_object_get_object_member (op, "responses") : NULL;
      JsonArray *flags = json_object_has_member (op, "x-voltbay-flags")
                         ? json_object_get_array_member (op, "x-voltbay-flags") : NULL;

      if (summary == NULL || *summary == '\0')
        g_string_append_printf (problems, "%s: no summary; ", (char *) key);
      if (responses == NULL || json_object_get_size (responses) == 0)
        {
          g_string_append_printf (problems, "%s: no responses; ", (char *) key);
          continue;
        }
      /* The live WebSocket refuses with a close code, not an HTTP status. */
      if (has_string (flags, "public") || has_string (flags, "websocket"))
        continue;
      if (!json_object_has_member (responses, "401"))
        g_string_append_printf (problems, "%s: no 401 response; ", (char *) key);
      if (!json_object_has_member (responses, "403"))
        g_string_append_printf (problems, "%s: no 403 response; ", (char *) key);
    }
  g_assert_cmpstr (problems->str, ==, "");
}

static void
test_route_facts_merged (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autoptr(JsonNode) node = fetch_document (s);
  JsonObject *paths = json_object_get_object_member (json_node_get_object (node), "paths");
  JsonObject *login, *create_user, *me, *spec;

  login = json_object_get_object_member (json_object_get_object_member (paths, "/api/v1/auth/login"), "post");
  g_assert_true (json_object_get_null_member (login, "x-voltbay-permission"));
  g_assert_true (has_string (json_object_get_array_member (login, "x-voltbay-flags"), "public"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (login, "security")), ==, 0);

  create_user = json_object_get_object_member (json_object_get_object_member (paths, "/api/v1/users"), "post");
  g_assert_cmpstr (json_object_get_string_member (create_user, "x-voltbay-permission"), ==, "users.manage");
  g_assert_true (has_string (json_object_get_array_member (create_user, "x-voltbay-flags"), "global"));
  g_assert_false (has_string (json_object_get_array_member (create_user, "x-voltbay-flags"), "public"));

  me = json_object_get_object_member (json_object_get_object_member (paths, "/api/v1/me"), "get");
  g_assert_true (has_string (json_object_get_array_member (me, "x-voltbay-flags"), "allow-pending"));

  spec = json_object_get_object_member (json_object_get_object_member (paths, "/api/v1/openapi.json"), "get");
  g_assert_true (has_string (json_object_get_array_member (spec, "x-voltbay-flags"), "public"));
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/openapi/document", test_document_is_openapi);
  g_test_add_func ("/openapi/routes-match-descriptions", test_routes_match_descriptions);
  g_test_add_func ("/openapi/operations-complete", test_operations_complete);
  g_test_add_func ("/openapi/route-facts-merged", test_route_facts_merged);
  g_test_add_func ("/openapi/path-parameters-declared", test_path_parameters_declared);
  return g_test_run ();
}
