/* vb-live-hub.h — the WebSocket clients of /api/v1/live. */
#pragma once

#include <libsoup/soup.h>

#include "vb-db-pool.h"

G_BEGIN_DECLS

#define VB_TYPE_LIVE_HUB (vb_live_hub_get_type ())
G_DECLARE_FINAL_TYPE (VbLiveHub, vb_live_hub, VB, LIVE_HUB, GObject)

VbLiveHub *vb_live_hub_new          (VbDbPool                *pool);
/* Takes a freshly upgraded connection; authenticates the token off the
 * main loop, then says hello (or closes with 4401). */
void       vb_live_hub_add          (VbLiveHub               *self,
                                     SoupWebsocketConnection *connection,
                                     const char              *token);
/* A payload of the voltbay_changes channel: {"e": entity, "l": location|null,
 * "p": permission}.  Clients that may see it are woken (coalesced per loop
 * iteration). */
void       vb_live_hub_notify       (VbLiveHub               *self,
                                     const char              *payload);
/* Tell every client to read the feed (notifications may have been lost). */
void       vb_live_hub_pull_all     (VbLiveHub               *self);
void       vb_live_hub_close_all    (VbLiveHub               *self);
guint      vb_live_hub_get_n_clients (VbLiveHub              *self);

G_END_DECLS
