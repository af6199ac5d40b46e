/* vb-pin-store.c — trust on first use, remembered per server.
 *
 * The server's default certificate is self-signed, so the system's CA store
 * cannot vouch for it.  The first time a server is contacted the user checks
 * its SHA-256 fingerprint (the server logs it) and pins it; from then on only
 * that certificate is accepted for that host:port.  The pins live in a small
 * keyfile, one group per server:
 *
 *   [127.0.0.1:8443]
 *   sha256=AA:BB:...
 *   pinned-at=2026-01-01T00:00:00Z
 *
 * The file is read once, synchronously, when the store is made (a few
 * hundred bytes of local config, read before any window shows), because the
 * TLS layer asks for a verdict synchronously.  Writes happen in a worker
 * thread with g_file_set_contents_full(), which writes a temporary file,
 * syncs it and renames it, so a crash never leaves a half-written pin file.  Rejected: storing pins
 * in the keyring (they are not secret, and the user should be able to read and
 * delete one with a text editor when a server is legitimately re-keyed).
 */
#include "vb-pin-store.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#define KEY_SHA256    "sha256"
#define KEY_PINNED_AT "pinned-at"

struct _VbPinStore
{
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (VbPinStore, vb_pin_store, G_TYPE_OBJECT)

static void
vb_pin_store_finalize (GObject *object)
{
  VbPinStore *self = VB_PIN_STORE (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  G_OBJECT_CLASS (vb_pin_store_parent_class)->finalize (object);
}

static void
vb_pin_store_class_init (VbPinStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_pin_store_finalize;
}

static void
vb_pin_store_init (VbPinStore *self)
{
  self->keyfile = g_key_file_new ();
}

VbPinStore *
vb_pin_store_new (const char *path)
{
  VbPinStore *self = g_object_new (VB_TYPE_PIN_STORE, NULL);
  g_autoptr(GError) error = NULL;

  if (path != NULL)
    self->path = g_strdup (path);
  else
    self->path = g_build_filename (g_get_user_config_dir (), "voltbay", "known-servers.ini", NULL);

  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    /* An unreadable pin file must not turn into "trust anything": the
     * servers it named are simply unknown again and need confirming. */
    g_warning ("Ignoring the known servers in %s: %s", self->path, error->message);
  return self;
}

const char *
vb_pin_store_get_path (VbPinStore *self)
{
  g_return_val_if_fail (VB_IS_PIN_STORE (self), NULL);
  return self->path;
}

char *
vb_pin_store_dup_fingerprint (VbPinStore *self,
                              const char *server)
{
  g_return_val_if_fail (VB_IS_PIN_STORE (self), NULL);
  g_return_val_if_fail (server != NULL, NULL);
  return g_key_file_get_string (self->keyfile, server, KEY_SHA256, NULL);
}

VbPinStatus
vb_pin_store_check (VbPinStore *self,
                    const char *server,
                    const char *fingerprint)
{
  g_autofree char *pinned = NULL;

  g_return_val_if_fail (VB_IS_PIN_STORE (self), VB_PIN_STATUS_MISMATCH);
  g_return_val_if_fail (fingerprint != NULL, VB_PIN_STATUS_MISMATCH);

  pinned = vb_pin_store_dup_fingerprint (self, server);
  if (pinned == NULL || *pinned == '\0')
    return VB_PIN_STATUS_UNKNOWN;
  return g_ascii_strcasecmp (g_strstrip (pinned), fingerprint) == 0
         ? VB_PIN_STATUS_MATCH : VB_PIN_STATUS_MISMATCH;
}

typedef struct
{
  char   *path;
  GBytes *contents;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_free (data->path);
  g_bytes_unref (data->contents);
  g_free (data);
}

/* In a worker thread: mkdir -p, then write-temporary-and-rename. */
static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteData *data = task_data;
  g_autofree char *dir = g_path_get_dirname (data->path);
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *contents = g_bytes_get_data (data->contents, &length);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Could not create %s: %s", dir, g_strerror (saved_errno));
      return;
    }
  if (!g_file_set_contents_full (data->path, contents, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_pin_store_pin_async (VbPinStore          *self,
                        const char          *server,
                        const char          *fingerprint,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_text = g_date_time_format_iso8601 (now);
  WriteData *data;
  char *text;
  gsize length;

  g_return_if_fail (VB_IS_PIN_STORE (self));
  g_return_if_fail (server != NULL && *server != '\0');
  g_return_if_fail (fingerprint != NULL && *fingerprint != '\0');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_pin_store_pin_async);

  g_key_file_set_string (self->keyfile, server, KEY_SHA256, fingerprint);
  g_key_file_set_string (self->keyfile, server, KEY_PINNED_AT, now_text);
  text = g_key_file_to_data (self->keyfile, &length, NULL);

  data = g_new0 (WriteData, 1);
  data->path = g_strdup (self->path);
  data->contents = g_bytes_new_take (text, length);
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
vb_pin_store_pin_finish (VbPinStore    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_pin_store_pin_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
vb_certificate_dup_fingerprint (GTlsCertificate *certificate)
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

char *
vb_server_key_for_uri (GUri *uri)
{
  g_autofree char *key = NULL;
  const char *host;
  const char *scheme;
  int port;

  g_return_val_if_fail (uri != NULL, NULL);

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return NULL;
  port = g_uri_get_port (uri);
  scheme = g_uri_get_scheme (uri);
  if (port <= 0)
    port = (g_strcmp0 (scheme, "https") == 0 || g_strcmp0 (scheme, "wss") == 0) ? 443 : 80;
  /* An IPv6 literal keeps its brackets, so the key stays unambiguous. */
  if (strchr (host, ':') != NULL)
    key = g_strdup_printf ("[%s]:%d", host, port);
  else
    key = g_strdup_printf ("%s:%d", host, port);
  return g_ascii_strdown (key, -1);
}
