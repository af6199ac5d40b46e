/* vb-live-connection.h — the live push WebSocket (docs/sync.md). */
#pragma once

#include <gio/gio.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_LIVE_CONNECTION (vb_live_connection_get_type ())
G_DECLARE_FINAL_TYPE (VbLiveConnection, vb_live_connection, VB, LIVE_CONNECTION, GObject)

#define VB_LIVE_PATH "/api/v1/live"
/* Close code the server uses for a token it does not accept. */
#define VB_LIVE_CLOSE_UNAUTHENTICATED 4401

VbLiveConnection  *vb_live_connection_new            (VbApiClient       *client);
/* Connects, and keeps reconnecting until stopped. */
void               vb_live_connection_start          (VbLiveConnection  *self);
void               vb_live_connection_stop           (VbLiveConnection  *self);
gboolean           vb_live_connection_is_running     (VbLiveConnection  *self);
VbConnectionState  vb_live_connection_get_state      (VbLiveConnection  *self);
/* Why the last attempt failed (NULL once online). */
const GError      *vb_live_connection_get_error      (VbLiveConnection  *self);
/* Milliseconds until the next attempt, 0 if none is scheduled. */
guint              vb_live_connection_get_retry_delay (VbLiveConnection *self);

/* The delay before attempt n (0-based) after a failure: initial · 2ⁿ capped
 * at max, then "equal jitter" (a random point in its upper half) so that
 * desks that lost the server together do not all come back in one instant.
 * random01 is a number in [0, 1). */
guint              vb_live_backoff_delay             (guint              attempt,
                                                      guint              initial_ms,
                                                      guint              max_ms,
                                                      double             random01);

G_END_DECLS
