/* vb-client-error.h — failures that happen on the client's side of the wire.
 *
 * Everything the server says is a VbError (shared/vb-error.h).  What only the
 * client can know — the certificate is not trusted yet, or differs from the
 * pinned one — is a VbClientError.  It is an extended GError: a certificate
 * error carries the server and both fingerprints, so the UI can show them
 * without parsing a message.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_CLIENT_ERROR (vb_client_error_quark ())

typedef enum
{
  /* First contact: the certificate is not pinned; ask the user. */
  VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED,
  /* The server presents another certificate than the pinned one: refuse. */
  VB_CLIENT_ERROR_CERTIFICATE_CHANGED,
  /* The server address cannot be used. */
  VB_CLIENT_ERROR_INVALID_ADDRESS,
  /* The reply is not what the API documents. */
  VB_CLIENT_ERROR_PROTOCOL,
} VbClientErrorCode;

GQuark      vb_client_error_quark                  (void);

GError     *vb_client_error_new_certificate        (VbClientErrorCode  code,
                                                    const char        *server,
                                                    const char        *fingerprint,
                                                    const char        *pinned_fingerprint);
/* Certificate errors only; NULL otherwise. */
const char *vb_client_error_get_server             (const GError      *error);
const char *vb_client_error_get_fingerprint        (const GError      *error);
const char *vb_client_error_get_pinned_fingerprint (const GError      *error);

G_END_DECLS
