/* vb-tls.c — the server's certificate: given files, or a self-signed one.
 *
 * A fresh install makes a ten-year self-signed certificate once, in
 * DATA_DIR/tls, and clients pin its fingerprint; renewing it would break
 * every pin, hence the long life.  The openssl CLI does the one-off
 * generation rather than linking a crypto library for it, and the result
 * is then loaded exactly like an administrator's own pair, so both paths
 * meet the same validation in GIO's TLS backend.
 */
#include "vb-tls.h"
#include "vb-error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

static GTlsCertificate *
load_pair (const char   *cert_file,
           const char   *key_file,
           VbErrorCode   code,
           GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &local_error);
  if (certificate == NULL)
    g_set_error (error, VB_ERROR, code, "Could not load the TLS certificate %s with key %s: %s",
                 cert_file, key_file, local_error->message);
  return certificate;
}

/* The SAN is pasted into an OpenSSL config value, so only plain DNS
 * characters may pass; anything odder is simply left out. */
static gboolean
is_plain_dns_name (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 253 || g_ascii_strcasecmp (name, "localhost") == 0)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static char *
build_subject_alt_name (void)
{
  const char *host = g_get_host_name ();
  GString *san = g_string_new ("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1");

  if (is_plain_dns_name (host))
    g_string_append_printf (san, ",DNS:%s", host);
  return g_string_free (san, FALSE);
}

static void
restrict_umask (gpointer user_data)
{
  /* The key must never exist readable by others, not even briefly. */
  umask (0077);
}

static gboolean
run_openssl (const char  *cert_path,
             const char  *key_path,
             GError     **error)
{
  g_autofree char *san = build_subject_alt_name ();
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *output = NULL;

  /* CA:FALSE overrides the config's v3_ca default: browsers reject a CA
   * certificate presented as a server's own. */
  g_subprocess_launcher_set_child_setup (launcher, restrict_umask, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &local_error, "openssl", "req", "-x509",
                                         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                         "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=voltbay",
                                         "-addext", san,
                                         "-addext", "basicConstraints=critical,CA:FALSE",
                                         "-addext", "extendedKeyUsage=serverAuth",
                                         "-keyout", key_path, "-out", cert_path, NULL);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                   "Could not run openssl to make a TLS certificate: %s", local_error->message);
      return FALSE;
    }
  if (g_subprocess_get_successful (process))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "openssl could not make a TLS certificate: %s", g_strchomp (output));
  return FALSE;
}

static gboolean
set_errno_error (GError     **error,
                 const char  *what,
                 const char  *path)
{
  int saved_errno = errno;

  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not %s %s: %s",
               what, path, g_strerror (saved_errno));
  return FALSE;
}

/* Generated under temporary names and renamed into place, key first, so a
 * crash mid-way never leaves a certificate without its key. */
static gboolean
generate_self_signed (const char  *tls_dir,
                      const char  *cert_path,
                      const char  *key_path,
                      GError     **error)
{
  g_autofree char *tmp_cert = g_strconcat (cert_path, ".new", NULL);
  g_autofree char *tmp_key = g_strconcat (key_path, ".new", NULL);
  gboolean ok;

  if (g_mkdir_with_parents (tls_dir, 0700) != 0 || g_chmod (tls_dir, 0700) != 0)
    return set_errno_error (error, "create", tls_dir);

  ok = run_openssl (tmp_cert, tmp_key, error) &&
       (g_chmod (tmp_key, 0600) == 0 || set_errno_error (error, "protect", tmp_key)) &&
       (g_chmod (tmp_cert, 0644) == 0 || set_errno_error (error, "publish", tmp_cert)) &&
       (g_rename (tmp_key, key_path) == 0 || set_errno_error (error, "install", key_path)) &&
       (g_rename (tmp_cert, cert_path) == 0 || set_errno_error (error, "install", cert_path));
  if (!ok)
    {
      g_unlink (tmp_cert);
      g_unlink (tmp_key);
    }
  return ok;
}

GTlsCertificate *
vb_tls_load_or_create (const char  *cert_file,
                       const char  *key_file,
                       const char  *data_dir,
                       gboolean    *out_created,
                       GError     **error)
{
  g_autofree char *tls_dir = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  GTlsCertificate *certificate;
  gboolean have_cert, have_key;

  if (out_created != NULL)
    *out_created = FALSE;

  if ((cert_file == NULL) != (key_file == NULL))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_BAD_REQUEST,
                   "A TLS %s file was given without its %s file; give both, or "
                   "neither to use a self-signed certificate",
                   cert_file != NULL ? "certificate" : "private key",
                   cert_file != NULL ? "private key" : "certificate");
      return NULL;
    }
  if (cert_file != NULL)
    return load_pair (cert_file, key_file, VB_ERROR_BAD_REQUEST, error);

  g_return_val_if_fail (data_dir != NULL, NULL);
  tls_dir = g_build_filename (data_dir, "tls", NULL);
  cert_path = g_build_filename (tls_dir, "server.crt", NULL);
  key_path = g_build_filename (tls_dir, "server.key", NULL);
  have_cert = g_file_test (cert_path, G_FILE_TEST_EXISTS);
  have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);

  /* Regenerating silently would change the fingerprint every client pinned. */
  if (have_cert != have_key)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                   "%s exists but %s does not; restore it, or remove both to make a "
                   "new self-signed certificate (clients will see a new fingerprint)",
                   have_cert ? cert_path : key_path, have_cert ? key_path : cert_path);
      return NULL;
    }
  if (!have_cert && !generate_self_signed (tls_dir, cert_path, key_path, error))
    return NULL;

  certificate = load_pair (cert_path, key_path, VB_ERROR_UNAVAILABLE, error);
  if (certificate != NULL && out_created != NULL)
    *out_created = !have_cert;
  return certificate;
}

char *
vb_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *hex;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  hex = g_string_sized_new (digest_len * 3);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (hex, "%s%02X", i > 0 ? ":" : "", digest[i]);
  return g_string_free (hex, FALSE);
}
