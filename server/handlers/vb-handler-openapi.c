/* vb-handler-openapi.c — GET /api/v1/openapi.json: the OpenAPI 3.0
 * description of every route.
 *
 * The human part (summaries, parameters, schemas) is the hand-written
 * server/api/openapi.json compiled into the GResource, plus one part per
 * resource group in server/api/parts/GROUP.json ({"tags", "paths",
 * "components": {"schemas"}}), merged in so each group's description sits
 * next to nothing else and several people can describe routes at once.  At request time it
 * is merged with the facts of the route table, so those can never drift:
 *   - every described operation that is a route gets x-voltbay-permission
 *     (the route's permission or null), x-voltbay-flags (public, global,
 *     allow-pending, large-body) and, for public routes, "security": [];
 *   - the document gets x-voltbay-routes: every route the server serves
 *     (method + pattern), which tests/server/test-openapi.c compares with
 *     the described operations both ways.
 * Routes are never invented here: an undescribed route stays undescribed,
 * so the test names it.
 */
#include "vb-handlers.h"
#include "vb-server.h"
#include "vb-error.h"

#include <stdlib.h>

#define OPENAPI_RESOURCE "/io/github/voltbay/Server/api/openapi.json"
#define OPENAPI_PARTS    "/io/github/voltbay/Server/api/parts/"

/* Served by vb-server.c's WebSocket handler (LIVE_PATH), not the router. */
#define LIVE_PATTERN "/api/v1/live"

static JsonObject *
operation_for (JsonObject *paths,
               const char *pattern,
               const char *method)
{
  g_autofree char *lower = g_ascii_strdown (method, -1);
  JsonNode *item = json_object_get_member (paths, pattern);
  JsonNode *op;

  if (item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return NULL;
  op = json_object_get_member (json_node_get_object (item), lower);
  if (op == NULL || !JSON_NODE_HOLDS_OBJECT (op))
    return NULL;
  return json_node_get_object (op);
}

static void
annotate_route (JsonObject    *paths,
                JsonArray     *listed,
                const VbRoute *route)
{
  JsonObject *op = operation_for (paths, route->pattern, route->method);
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "method", route->method);
  json_object_set_string_member (entry, "pattern", route->pattern);
  json_array_add_object_element (listed, entry);

  if (op == NULL)
    return;
  if (route->permission != NULL)
    json_object_set_string_member (op, "x-voltbay-permission", route->permission);
  else
    json_object_set_null_member (op, "x-voltbay-permission");

  {
    JsonArray *flags = json_array_new ();

    if (route->flags & VB_ROUTE_PUBLIC)
      json_array_add_string_element (flags, "public");
    if (route->flags & VB_ROUTE_GLOBAL)
      json_array_add_string_element (flags, "global");
    if (route->flags & VB_ROUTE_ALLOW_PENDING)
      json_array_add_string_element (flags, "allow-pending");
    if (route->flags & VB_ROUTE_LARGE_BODY)
      json_array_add_string_element (flags, "large-body");
    json_object_set_array_member (op, "x-voltbay-flags", flags);
  }
  if (route->flags & VB_ROUTE_PUBLIC)
    json_object_set_array_member (op, "security", json_array_new ());
}

static void
annotate_live (JsonObject *paths,
               JsonArray  *listed)
{
  JsonObject *op = operation_for (paths, LIVE_PATTERN, "GET");
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "method", "GET");
  json_object_set_string_member (entry, "pattern", LIVE_PATTERN);
  json_object_set_boolean_member (entry, "websocket", TRUE);
  json_array_add_object_element (listed, entry);
  if (op != NULL)
    {
      JsonArray *flags = json_array_new ();

      json_array_add_string_element (flags, "websocket");
      json_object_set_null_member (op, "x-voltbay-permission");
      json_object_set_array_member (op, "x-voltbay-flags", flags);
    }
}

static JsonObject *
ensure_object (JsonObject *parent,
               const char *member)
{
  JsonNode *node = json_object_get_member (parent, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    json_object_set_object_member (parent, member, json_object_new ());
  return json_object_get_object_member (parent, member);
}

static void
merge_members (JsonObject *into,
               JsonObject *from)
{
  g_autoptr(GList) names = json_object_get_members (from);

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (into, l->data, json_node_copy (json_object_get_member (from, l->data)));
}

/* Folds one part (tags, paths, component schemas/parameters) into doc. */
static gboolean
merge_part (JsonObject  *doc,
            const char  *name,
            GError     **error)
{
  g_autofree char *path = g_strconcat (OPENAPI_PARTS, name, NULL);
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *part;

  if (bytes == NULL
      || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL, "%s is not an object", name);
      return FALSE;
    }
  part = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (part, "tags"))
    {
      JsonArray *tags = json_object_get_array_member (doc, "tags");
      JsonArray *more = json_object_get_array_member (part, "tags");

      for (guint i = 0; tags != NULL && more != NULL && i < json_array_get_length (more); i++)
        json_array_add_element (tags, json_node_copy (json_array_get_element (more, i)));
    }
  if (json_object_has_member (part, "paths"))
    merge_members (ensure_object (doc, "paths"), json_object_get_object_member (part, "paths"));
  if (json_object_has_member (part, "components"))
    {
      JsonObject *components = json_object_get_object_member (part, "components");
      g_autoptr(GList) kinds = json_object_get_members (components);

      for (GList *l = kinds; l != NULL; l = l->next)
        merge_members (ensure_object (ensure_object (doc, "components"), l->data),
                       json_object_get_object_member (components, l->data));
    }
  return TRUE;
}

static int
compare_names (const void *a,
               const void *b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static gboolean
merge_parts (JsonObject  *doc,
             GError     **error)
{
  g_auto(GStrv) names = g_resources_enumerate_children (OPENAPI_PARTS, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  if (names == NULL)
    return TRUE;
  /* Sorted, so the document is the same on every request and build. */
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  for (guint i = 0; names[i] != NULL; i++)
    if (!merge_part (doc, names[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
get_openapi (VbRequest  *req,
             GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *doc;
  JsonObject *paths;
  JsonArray *listed;
  GPtrArray *routes;

  bytes = g_resources_lookup_data (OPENAPI_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (bytes == NULL
      || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL, "OpenAPI document unavailable: %s",
                   local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INTERNAL, "OpenAPI document is not an object");
      return FALSE;
    }
  doc = json_node_get_object (root);
  if (!merge_parts (doc, &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL, "OpenAPI part unusable: %s", local_error->message);
      return FALSE;
    }
  if (!json_object_has_member (doc, "paths")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (doc, "paths")))
    json_object_set_object_member (doc, "paths", json_object_new ());
  paths = json_object_get_object_member (doc, "paths");

  listed = json_array_new ();
  routes = vb_router_get_routes (vb_server_get_router (vb_request_get_server (req)));
  for (guint i = 0; i < routes->len; i++)
    annotate_route (paths, listed, g_ptr_array_index (routes, i));
  annotate_live (paths, listed);
  json_object_set_array_member (doc, "x-voltbay-routes", listed);

  vb_request_reply_json (req, 200, json_node_ref (root));
  return TRUE;
}

static const VbRoute routes[] = {
  { "GET", "/api/v1/openapi.json", get_openapi, NULL, VB_ROUTE_PUBLIC | VB_ROUTE_INLINE,
    "This API's OpenAPI 3.0 description" },
};

void
vb_handler_openapi_register (VbRouter *router)
{
  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
