/* vb-notify-listener.h — LISTEN on a dedicated PostgreSQL connection. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define VB_TYPE_NOTIFY_LISTENER (vb_notify_listener_get_type ())
G_DECLARE_FINAL_TYPE (VbNotifyListener, vb_notify_listener, VB, NOTIFY_LISTENER, GObject)

/* Signals, emitted on the main context the listener was created in:
 *   "notified"  (const char *payload)
 *   "connected" (gboolean after_loss) — LISTEN is in place; after_loss is
 *               TRUE when notifications may have been missed since the last
 *               connection, so every client must pull. */
VbNotifyListener *vb_notify_listener_new   (const char       *conninfo,
                                            const char       *channel);
void              vb_notify_listener_start (VbNotifyListener *self);
/* Stops the thread and waits for it. */
void              vb_notify_listener_stop  (VbNotifyListener *self);
gboolean          vb_notify_listener_get_connected (VbNotifyListener *self);

G_END_DECLS
