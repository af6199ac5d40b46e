/* test-router.c — route matching, parameters, 404 and 405 with Allow. */
#include "vb-router.h"
#include "vb-error.h"

static gboolean dummy (VbRequest *req, GError **error) { return TRUE; }

static const VbRoute routes[] = {
  { "GET", "/api/v1/users", dummy, "users.read", 0, "list" },
  { "POST", "/api/v1/users", dummy, "users.manage", 0, "create" },
  { "GET", "/api/v1/users/{id}", dummy, "users.read", 0, "get" },
  { "PATCH", "/api/v1/users/{id}", dummy, "users.manage", 0, "update" },
  { "PUT", "/api/v1/users/{id}/roles", dummy, "users.manage", 0, "roles" },
  { "GET", "/healthz", dummy, NULL, VB_ROUTE_PUBLIC, "health" },
};

static void
test_match (void)
{
  g_autoptr(VbRouter) router = vb_router_new ();
  const struct { const char *method, *path; int route; const char *id; VbErrorCode error; } cases[] = {
    { "GET", "/api/v1/users", 0, NULL, 0 },
    { "POST", "/api/v1/users", 1, NULL, 0 },
    { "GET", "/api/v1/users/abc", 2, "abc", 0 },
    { "GET", "/api/v1/users/a%20b", 2, "a b", 0 },
    { "PATCH", "/api/v1/users/42", 3, "42", 0 },
    { "PUT", "/api/v1/users/42/roles", 4, "42", 0 },
    { "GET", "/healthz", 5, NULL, 0 },
    { "GET", "/api/v1/users/42/roles", -1, NULL, VB_ERROR_METHOD_NOT_ALLOWED },
    { "DELETE", "/api/v1/users", -1, NULL, VB_ERROR_METHOD_NOT_ALLOWED },
    { "GET", "/api/v1/users/", -1, NULL, VB_ERROR_NOT_FOUND },
    { "GET", "/api/v1/users/42/roles/x", -1, NULL, VB_ERROR_NOT_FOUND },
    { "GET", "/api/v1", -1, NULL, VB_ERROR_NOT_FOUND },
    { "GET", "", -1, NULL, VB_ERROR_NOT_FOUND },
  };

  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GHashTable) params = NULL;
      g_autoptr(GError) error = NULL;
      const VbRoute *r = vb_router_match (router, cases[i].method, cases[i].path, &params, &error);

      if (cases[i].route < 0)
        {
          g_assert_null (r);
          g_assert_error (error, VB_ERROR, (gint) cases[i].error);
          continue;
        }
      g_assert_no_error (error);
      g_assert_true (r == &routes[cases[i].route]);
      g_assert_cmpstr (params ? g_hash_table_lookup (params, "id") : NULL, ==, cases[i].id);
    }
}

static void
test_allow_details (void)
{
  g_autoptr(VbRouter) router = vb_router_new ();
  g_autoptr(GError) error = NULL;

  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
  g_assert_null (vb_router_match (router, "DELETE", "/api/v1/users/7", NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (json_object_get_string_member (vb_error_get_details (error), "allow"), ==, "GET, PATCH");
  g_assert_cmpuint (vb_router_get_routes (router)->len, ==, G_N_ELEMENTS (routes));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/router/match", test_match);
  g_test_add_func ("/router/allow-details", test_allow_details);
  return g_test_run ();
}
