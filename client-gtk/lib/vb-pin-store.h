/* vb-pin-store.h — the servers this user has trusted, by certificate. */
#pragma once

#include <gio/gio.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_PIN_STORE (vb_pin_store_get_type ())
G_DECLARE_FINAL_TYPE (VbPinStore, vb_pin_store, VB, PIN_STORE, GObject)

/* path NULL: $XDG_CONFIG_HOME/voltbay/known-servers.ini */
VbPinStore  *vb_pin_store_new                (const char           *path);
const char  *vb_pin_store_get_path           (VbPinStore           *self);
/* The pinned SHA-256 fingerprint of "host:port", or NULL. */
char        *vb_pin_store_dup_fingerprint    (VbPinStore           *self,
                                              const char           *server);
VbPinStatus  vb_pin_store_check              (VbPinStore           *self,
                                              const char           *server,
                                              const char           *fingerprint);
/* Pins at once in memory; the file is rewritten atomically (temporary file
 * and rename) in the background. */
void         vb_pin_store_pin_async          (VbPinStore           *self,
                                              const char           *server,
                                              const char           *fingerprint,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean     vb_pin_store_pin_finish         (VbPinStore           *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* "AA:BB:…" (uppercase, colon-separated) of the DER certificate, the form the
 * server logs and `openssl x509 -fingerprint -sha256` prints. */
char        *vb_certificate_dup_fingerprint  (GTlsCertificate      *certificate);
/* "host:port" with the scheme's default port filled in; NULL for a URI
 * without a host. */
char        *vb_server_key_for_uri           (GUri                 *uri);

G_END_DECLS
