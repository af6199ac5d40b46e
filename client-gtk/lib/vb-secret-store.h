/* vb-secret-store.h — the session token in the desktop keyring (libsecret). */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

/* Schema io.github.voltbay.Session; attributes application, server, email
 * and user-id (when known). */
const SecretSchema *vb_secret_store_get_schema  (void);

/* Replaces any session stored for application_id with this one. */
void        vb_secret_store_save_async   (const char           *application_id,
                                          VbSession            *session,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean    vb_secret_store_save_finish  (GAsyncResult         *result,
                                          GError              **error);

/* The stored session (no user yet), or NULL without an error if none. */
void        vb_secret_store_load_async   (const char           *application_id,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
VbSession  *vb_secret_store_load_finish  (GAsyncResult         *result,
                                          GError              **error);

void        vb_secret_store_clear_async  (const char           *application_id,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean    vb_secret_store_clear_finish (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
