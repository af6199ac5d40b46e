/* vb-router.h — the route table: method, path pattern, handler, permission. */
#pragma once

#include <glib-object.h>

#include "vb-request.h"

G_BEGIN_DECLS

typedef gboolean (*VbHandlerFunc) (VbRequest  *req,
                                   GError    **error);

typedef enum
{
  VB_ROUTE_AUTHENTICATED = 0,       /* a full session; permission checked if set */
  VB_ROUTE_PUBLIC        = 1 << 0,  /* no token needed */
  VB_ROUTE_INLINE        = 1 << 1,  /* runs on the main loop: no database */
  VB_ROUTE_ALLOW_PENDING = 1 << 2,  /* also for sessions that must enrol MFA or change password */
  VB_ROUTE_GLOBAL        = 1 << 3,  /* the permission must be held for every location, not just one */
  VB_ROUTE_LARGE_BODY    = 1 << 4,  /* uploads: body up to VB_ROUTE_LARGE_BODY_MAX, not max-body-kib */
} VbRouteFlags;

/* Bytes a LARGE_BODY route accepts (when above the configured limit). */
#define VB_ROUTE_LARGE_BODY_MAX (10 * 1024 * 1024)

struct _VbRoute
{
  const char    *method;
  const char    *pattern;      /* "/api/v1/users/{id}" */
  VbHandlerFunc  handler;
  const char    *permission;   /* NULL: any authenticated caller */
  VbRouteFlags   flags;
  const char    *summary;      /* one line for the API description */
};

#define VB_TYPE_ROUTER (vb_router_get_type ())
G_DECLARE_FINAL_TYPE (VbRouter, vb_router, VB, ROUTER, GObject)

VbRouter      *vb_router_new         (void);
/* routes must outlive the router (static tables). */
void           vb_router_add_routes  (VbRouter       *self,
                                      const VbRoute  *routes,
                                      guint           n_routes);
/* Returns the route and its {params}, or NULL with 404/405 set. */
const VbRoute *vb_router_match       (VbRouter       *self,
                                      const char     *method,
                                      const char     *path,
                                      GHashTable    **params,
                                      GError        **error);
/* Every route, in registration order (for the API description). */
GPtrArray     *vb_router_get_routes  (VbRouter       *self);

G_END_DECLS
