/* vb-client.h — the services one app shares: API, pins, session, live push,
 * offline cache and sync. */
#pragma once

#include <gio/gio.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_CLIENT (vb_client_get_type ())
G_DECLARE_FINAL_TYPE (VbClient, vb_client, VB, CLIENT, GObject)

VbClient         *vb_client_new                 (const char          *application_id,
                                                 VbPinStore          *pins);
const char       *vb_client_get_application_id  (VbClient            *self);
VbApiClient      *vb_client_get_api             (VbClient            *self);
VbPinStore       *vb_client_get_pin_store       (VbClient            *self);
VbLiveConnection *vb_client_get_live            (VbClient            *self);
/* The signed-in session, or NULL. */
VbSession        *vb_client_get_session         (VbClient            *self);
/* Properties "cache" and "sync-engine": the signed-in user's offline cache
 * and the engine syncing it, from the moment the session's user id is known
 * (login reply, keyring, or /me) until the session ends; NULL otherwise.
 * Borrowed. */
VbCache          *vb_client_get_cache           (VbClient            *self);
VbSyncEngine     *vb_client_get_sync_engine     (VbClient            *self);
/* Turns a desktop notification rule (vb_notifier_list_rules: "new-booking",
 * "customer-replied", "vehicle-ready", …) on or off for this client's
 * notifier, now and for any notifier a later sign-in makes. */
void              vb_client_set_notification_enabled (VbClient       *self,
                                                      const char     *rule_id,
                                                      gboolean        enabled);
/* Property "can-reach-server": signed in and the live connection online.
 * What cannot work offline (payments, invoice numbers, availability)
 * binds its sensitivity to it. */
gboolean          vb_client_get_can_reach_server (VbClient           *self);

/* Looks for a session in the keyring; TRUE when one was found and is now the
 * session (the live connection starts, /me is fetched in the background). */
void              vb_client_restore_async       (VbClient            *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          vb_client_restore_finish      (VbClient            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* A complete sign-in (no pending step): keep it in the keyring, go live. */
void              vb_client_begin_session       (VbClient            *self,
                                                 VbSession           *session);

/* GET /me into the session. */
void              vb_client_refresh_user_async  (VbClient            *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          vb_client_refresh_user_finish (VbClient            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Revokes the session on the server (best effort: an unreachable server
 * does not keep the user signed in), forgets it in the keyring, goes
 * offline.  Fails only when the keyring item could not be removed. */
void              vb_client_log_out_async       (VbClient            *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          vb_client_log_out_finish      (VbClient            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
