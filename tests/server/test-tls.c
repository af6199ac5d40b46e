/* test-tls.c — the self-signed certificate, its reuse and its fingerprint.
 *
 * The openssl CLI is the reference: the fingerprint clients pin must be the
 * one an administrator sees with `openssl x509 -fingerprint -sha256`.  The
 * cases share one generated certificate, in order, since generating is the
 * slow part and "the second start reuses it" is itself a case.
 */
#include "vb-tls.h"
#include "vb-error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

static char *data_dir;
static char *first_fingerprint;

static char *
tls_path (const char *name)
{
  return g_build_filename (data_dir, "tls", name, NULL);
}

/* Up to three options; unused ones are NULL and end the argument list. */
static char *
run_openssl_x509 (const char *cert_path,
                  const char *option1,
                  const char *option2,
                  const char *option3)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *output = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "openssl", "x509",
                              "-in", cert_path, "-noout", option1, option2, option3, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  return g_strchomp (output);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  struct stat st;

  g_assert_no_errno (g_stat (path, &st));
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
test_generate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *tls_dir = g_build_filename (data_dir, "tls", NULL);
  g_autofree char *key_path = tls_path ("server.key");
  g_autofree char *cert_path = tls_path ("server.crt");
  gboolean created = FALSE;

  g_test_timer_start ();
  certificate = vb_tls_load_or_create (NULL, NULL, data_dir, &created, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  g_assert_true (created);
  g_test_message ("generated in %.2f s", g_test_timer_elapsed ());

  assert_mode (tls_dir, 0700);
  assert_mode (key_path, 0600);
  assert_mode (cert_path, 0644);

  first_fingerprint = vb_tls_certificate_fingerprint (certificate);
  g_assert_cmpuint (strlen (first_fingerprint), ==, 32 * 3 - 1);
  g_test_message ("fingerprint %s", first_fingerprint);
}

static void
test_matches_openssl (void)
{
  g_autofree char *cert_path = tls_path ("server.crt");
  g_autofree char *output = run_openssl_x509 (cert_path, "-fingerprint", "-sha256", NULL);
  const char *equals = strchr (output, '=');

  /* "sha256 Fingerprint=AB:…" (OpenSSL 3) or "SHA256 Fingerprint=…" (1.1). */
  g_assert_nonnull (equals);
  g_assert_cmpstr (equals + 1, ==, first_fingerprint);
}

static void
test_subject_alt_name (void)
{
  g_autofree char *cert_path = tls_path ("server.crt");
  g_autofree char *san = run_openssl_x509 (cert_path, "-ext", "subjectAltName", NULL);
  g_autofree char *subject = run_openssl_x509 (cert_path, "-subject", "-nameopt", "RFC2253");
  const char *host = g_get_host_name ();

  g_test_message ("%s", san);
  g_assert_nonnull (strstr (san, "DNS:localhost"));
  g_assert_nonnull (strstr (san, "IP Address:127.0.0.1"));
  g_assert_nonnull (strstr (san, "IP Address:0:0:0:0:0:0:0:1"));
  if (strchr (host, ',') == NULL && g_ascii_strcasecmp (host, "localhost") != 0)
    {
      g_autofree char *dns_host = g_strconcat ("DNS:", host, NULL);
      g_assert_nonnull (strstr (san, dns_host));
    }
  g_assert_cmpstr (subject, ==, "subject=CN=voltbay");
}

static void
test_reuse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  gboolean created = TRUE;

  certificate = vb_tls_load_or_create (NULL, NULL, data_dir, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  fingerprint = vb_tls_certificate_fingerprint (certificate);
  g_assert_cmpstr (fingerprint, ==, first_fingerprint);
}

static void
test_explicit_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *cert_path = tls_path ("server.crt");
  g_autofree char *key_path = tls_path ("server.key");
  g_autofree char *fingerprint = NULL;
  gboolean created = TRUE;

  certificate = vb_tls_load_or_create (cert_path, key_path, NULL, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  fingerprint = vb_tls_certificate_fingerprint (certificate);
  g_assert_cmpstr (fingerprint, ==, first_fingerprint);

  g_clear_object (&certificate);
  certificate = vb_tls_load_or_create ("/nonexistent.crt", key_path, NULL, &created, &error);
  g_assert_null (certificate);
  g_assert_error (error, VB_ERROR, VB_ERROR_BAD_REQUEST);
}

static void
test_only_one_given (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = tls_path ("server.crt");
  g_autofree char *key_path = tls_path ("server.key");

  g_assert_null (vb_tls_load_or_create (cert_path, NULL, data_dir, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "without its private key"));
  g_clear_error (&error);

  g_assert_null (vb_tls_load_or_create (NULL, key_path, data_dir, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "without its certificate"));
}

/* Runs last: it removes the key. */
static void
test_half_pair_is_not_replaced (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = tls_path ("server.crt");
  g_autofree char *key_path = tls_path ("server.key");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gboolean created = TRUE;

  g_assert_true (g_file_get_contents (cert_path, &before, NULL, NULL));
  g_assert_no_errno (g_unlink (key_path));
  g_assert_null (vb_tls_load_or_create (NULL, NULL, data_dir, &created, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE);
  g_assert_false (created);
  g_test_message ("%s", error->message);

  g_assert_true (g_file_get_contents (cert_path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  if (g_remove (path) != 0)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  data_dir = g_dir_make_tmp ("voltbay-tls-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/tls/generate", test_generate);
  g_test_add_func ("/tls/matches-openssl", test_matches_openssl);
  g_test_add_func ("/tls/subject-alt-name", test_subject_alt_name);
  g_test_add_func ("/tls/reuse", test_reuse);
  g_test_add_func ("/tls/explicit-files", test_explicit_files);
  g_test_add_func ("/tls/only-one-given", test_only_one_given);
  g_test_add_func ("/tls/half-pair-is-not-replaced", test_half_pair_is_not_replaced);

  status = g_test_run ();
  remove_tree (data_dir);
  g_free (data_dir);
  g_free (first_fingerprint);
  return status;
}
