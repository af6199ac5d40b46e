/* vb-handler-health.c — /healthz (process alive), /readyz (database
 * reachable), /metrics (Prometheus).  healthz and metrics run on the main
 * loop so they answer even when every worker is busy. */
#include "vb-handlers.h"
#include "vb-server.h"
#include "vb-error.h"

static gboolean
healthz (VbRequest  *req,
         GError    **error)
{
  vb_request_reply_text (req, 200, "application/json", g_strdup ("{\"status\":\"ok\"}"));
  return TRUE;
}

static gboolean
readyz (VbRequest  *req,
        GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  VbDbConn *conn = vb_request_get_db (req, &local_error);
  g_autoptr(PGresult) res = conn ? vb_db_exec (conn, "SELECT 1", 0, NULL, &local_error) : NULL;

  if (res == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Database unreachable: %s",
                   local_error->message);
      return FALSE;
    }
  vb_request_reply_text (req, 200, "application/json", g_strdup ("{\"status\":\"ready\"}"));
  return TRUE;
}

static gboolean
metrics (VbRequest  *req,
         GError    **error)
{
  VbMetrics *m = vb_server_get_metrics (vb_request_get_server (req));

  vb_request_reply_text (req, 200, "text/plain; version=0.0.4", vb_metrics_render (m));
  return TRUE;
}

static const VbRoute routes[] = {
  { "GET", "/healthz", healthz, NULL, VB_ROUTE_PUBLIC | VB_ROUTE_INLINE, "Liveness" },
  { "GET", "/readyz", readyz, NULL, VB_ROUTE_PUBLIC, "Readiness: the database answers" },
  { "GET", "/metrics", metrics, NULL, VB_ROUTE_PUBLIC | VB_ROUTE_INLINE, "Prometheus metrics" },
};

void
vb_handler_health_register (VbRouter *router)
{
  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
