/* vb-handler-openapi.c — GET /api/v1/openapi.json: the OpenAPI 3.0
 * description of every route.
 *
 * The human part (summaries, parameters, schemas) is the hand-written
 * server/api/openapi.json compiled into the GResource.  At request time it
 * is merged with the facts of the route table, so those can never drift:
 *   - every described operation that is a route gets x-voltbay-permission
 *     (the route's permission or null), x-voltbay-flags (public, global,
 *     allow-pending) and, for public routes, "security": [];
 *   - the document gets x-voltbay-routes: every route the server serves
 *     (method + pattern), which tests/server/test-openapi.c compares with
 *     the described operations both ways.
 * Routes are never invented here: an undescribed route stays undescribed,
 * so the test names it.
 */
#include "vb-handlers.h"
#include "vb-server.h"
#include "vb-error.h"

#define OPENAPI_RESOURCE "/io/github/voltbay/Server/api/openapi.json"

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
