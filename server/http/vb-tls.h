/* vb-tls.h — the server's TLS certificate, supplied or self-signed.
 *
 * HTTPS must work on a fresh install with no setup, so without configured
 * files the server makes its own long-lived certificate and clients pin its
 * fingerprint on first use.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Loads cert_file + key_file, or — when both are NULL — DATA_DIR/tls/
 * server.crt + server.key, generating a self-signed pair there first if
 * neither exists.  *out_created tells whether that happened. */
GTlsCertificate *vb_tls_load_or_create          (const char       *cert_file,
                                                 const char       *key_file,
                                                 const char       *data_dir,
                                                 gboolean         *out_created,
                                                 GError          **error);

/* SHA-256 of the DER certificate as "AB:CD:…", like
 * `openssl x509 -fingerprint -sha256`. */
char            *vb_tls_certificate_fingerprint (GTlsCertificate  *certificate);

G_END_DECLS
