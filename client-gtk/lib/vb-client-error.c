/* vb-client-error.c — the VB_CLIENT_ERROR extended domain (see the header). */
#include "vb-client-error.h"

#include <glib/gi18n-lib.h>

typedef struct
{
  char *server;
  char *fingerprint;
  char *pinned_fingerprint;
} VbClientErrorPrivate;

static void
vb_client_error_private_init (VbClientErrorPrivate *priv)
{
  priv->server = NULL;
  priv->fingerprint = NULL;
  priv->pinned_fingerprint = NULL;
}

static void
vb_client_error_private_copy (const VbClientErrorPrivate *src,
                              VbClientErrorPrivate       *dest)
{
  dest->server = g_strdup (src->server);
  dest->fingerprint = g_strdup (src->fingerprint);
  dest->pinned_fingerprint = g_strdup (src->pinned_fingerprint);
}

static void
vb_client_error_private_clear (VbClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->server, g_free);
  g_clear_pointer (&priv->fingerprint, g_free);
  g_clear_pointer (&priv->pinned_fingerprint, g_free);
}

G_DEFINE_EXTENDED_ERROR (VbClientError, vb_client_error)

GError *
vb_client_error_new_certificate (VbClientErrorCode  code,
                                 const char        *server,
                                 const char        *fingerprint,
                                 const char        *pinned_fingerprint)
{
  VbClientErrorPrivate *priv;
  GError *error;

  g_return_val_if_fail (code == VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED ||
                        code == VB_CLIENT_ERROR_CERTIFICATE_CHANGED, NULL);

  if (code == VB_CLIENT_ERROR_CERTIFICATE_CHANGED)
    error = g_error_new (VB_CLIENT_ERROR, code,
                         _("The server %s presented a certificate with SHA-256 fingerprint %s, "
                           "but the certificate trusted for it has fingerprint %s"),
                         server, fingerprint, pinned_fingerprint);
  else
    error = g_error_new (VB_CLIENT_ERROR, code,
                         _("The certificate of %s (SHA-256 fingerprint %s) is not trusted yet"),
                         server, fingerprint);
  priv = vb_client_error_get_private (error);
  priv->server = g_strdup (server);
  priv->fingerprint = g_strdup (fingerprint);
  priv->pinned_fingerprint = g_strdup (pinned_fingerprint);
  return error;
}

const char *
vb_client_error_get_server (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);
  return error->domain == VB_CLIENT_ERROR ? vb_client_error_get_private (error)->server : NULL;
}

const char *
vb_client_error_get_fingerprint (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);
  return error->domain == VB_CLIENT_ERROR ? vb_client_error_get_private (error)->fingerprint : NULL;
}

const char *
vb_client_error_get_pinned_fingerprint (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);
  return error->domain == VB_CLIENT_ERROR
         ? vb_client_error_get_private (error)->pinned_fingerprint : NULL;
}
