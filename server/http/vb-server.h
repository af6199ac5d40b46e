/* vb-server.h — the HTTP(S) front: SoupServer, dispatch to worker threads. */
#pragma once

#include <gio/gio.h>

#include "vb-db-pool.h"
#include "vb-live-hub.h"
#include "vb-metrics.h"
#include "vb-router.h"

G_BEGIN_DECLS

typedef struct
{
  guint   workers;            /* handler threads */
  gsize   max_body_size;      /* bytes; larger bodies are a 413 */
  gint64  session_lifetime;   /* seconds */
  const char *data_dir;       /* attachments live under it; must outlive the server */
  GKeyFile   *settings;       /* the config file's groups; must outlive the server */
} VbServerOptions;

#define VB_TYPE_SERVER (vb_server_get_type ())
G_DECLARE_FINAL_TYPE (VbServer, vb_server, VB, SERVER, GObject)

VbServer  *vb_server_new          (VbDbPool              *pool,
                                   const VbServerOptions *options);
/* "ADDR:PORT" ("[::1]:8443" for IPv6); port 0 picks a free port. */
gboolean   vb_server_listen       (VbServer         *self,
                                   const char       *address,
                                   GTlsCertificate  *certificate,
                                   guint            *bound_port,
                                   GError          **error);
void       vb_server_disconnect   (VbServer         *self);
VbRouter  *vb_server_get_router   (VbServer         *self);
VbDbPool  *vb_server_get_pool     (VbServer         *self);
VbMetrics *vb_server_get_metrics  (VbServer         *self);
VbLiveHub *vb_server_get_live_hub (VbServer         *self);
const VbServerOptions *vb_server_get_options (VbServer *self);

G_END_DECLS
