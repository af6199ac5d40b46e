/* vb-attachment-fetcher.c — attachment content in an on-disk cache.
 *
 * Photos and scans are shown again and again (a work order's damage photos
 * on every screen of the shop), and the bytes under one id never change, so
 * each is fetched once and kept in the user's cache directory:
 *
 *   DIRECTORY/<sha256>      the content, named by its hash (the server's
 *                           ETag, checked against the bytes), so the same
 *                           photo attached twice is stored once;
 *   DIRECTORY/ids/<id>      the hash of attachment id, which is what lets a
 *                           second request skip the network entirely (no
 *                           conditional request either: offline it works).
 *
 * Files are written to a temporary name, synced and renamed
 * (G_FILE_SET_CONTENTS_CONSISTENT), so a crash leaves the whole file or
 * none, and the mapping is written after the content, so it never names a
 * missing file.  Disk work runs in worker threads; the request goes
 * through VbApiClient (its pinning and error mapping).  It is a cache: any
 * file may be deleted at any time and is fetched again.
 */
#include "vb-attachment-fetcher.h"
#include "vb-client-error.h"

#include "vb-json.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

struct _VbAttachmentFetcher
{
  GObject      parent_instance;
  VbApiClient *client;
  char        *directory;   /* immutable: read from worker threads */
};

G_DEFINE_FINAL_TYPE (VbAttachmentFetcher, vb_attachment_fetcher, G_TYPE_OBJECT)

/* One fetch; the task data of the outer GTask, borrowed by its steps. */
typedef struct
{
  char   *id;
  char   *etag;    /* the answer's ETag without quotes, or NULL */
  GBytes *bytes;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_free (data->id);
  g_free (data->etag);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static gboolean
is_sha256_hex (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* Blocking: the cached file of id, or NULL when it has to be fetched. */
static GFile *
lookup_file (const char *directory,
             const char *id)
{
  g_autofree char *map_path = g_build_filename (directory, "ids", id, NULL);
  g_autofree char *sha = NULL;
  g_autofree char *path = NULL;

  if (!g_file_get_contents (map_path, &sha, NULL, NULL))
    return NULL;
  g_strstrip (sha);
  if (!is_sha256_hex (sha))
    return NULL;
  path = g_build_filename (directory, sha, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_file_new_for_path (path);
}

/* Blocking: content first, then the mapping that names it. */
static GFile *
store_file (const char  *directory,
            const char  *id,
            GBytes      *bytes,
            const char  *etag,
            GError     **error)
{
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *ids_dir = g_build_filename (directory, "ids", NULL);
  g_autofree char *path = g_build_filename (directory, sha, NULL);
  g_autofree char *map_path = g_build_filename (ids_dir, id, NULL);
  gsize length = 0;
  const char *content = g_bytes_get_data (bytes, &length);

  /* The ETag is the server's hash of what it stored: a mismatch means the
   * bytes were cut or altered on the way, and must not be kept. */
  if (etag != NULL && g_ascii_strcasecmp (etag, sha) != 0)
    {
      g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                   _("The attachment’s content does not match its checksum"));
      return NULL;
    }
  if (g_mkdir_with_parents (ids_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create %s: %s"), ids_dir, g_strerror (saved_errno));
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
      !g_file_set_contents_full (path, content != NULL ? content : "", length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  if (!g_file_set_contents_full (map_path, sha, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_file_new_for_path (path);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  VbAttachmentFetcher *self = source_object;
  FetchData *data = task_data;

  g_task_return_pointer (task, lookup_file (self->directory, data->id), g_object_unref);
}

static void
store_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  VbAttachmentFetcher *self = source_object;
  FetchData *data = task_data;
  GError *error = NULL;
  GFile *file = store_file (self->directory, data->id, data->bytes, data->etag, &error);

  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_object_unref);
}

/* A worker step whose result completes or continues the outer task. */
static void
run_step (GTask               *outer,
          GTaskThreadFunc      func,
          GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) step = g_task_new (g_task_get_source_object (outer),
                                      g_task_get_cancellable (outer), callback, outer);

  g_task_set_task_data (step, g_task_get_task_data (outer), NULL);
  g_task_run_in_thread (step, func);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GFile *file = g_task_propagate_pointer (G_TASK (result), &error);

  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_object_unref);
}

/* "sha", W/"sha" or sha → sha. */
static char *
unquote_etag (const char *etag)
{
  g_autofree char *text = NULL;
  gsize length;

  if (etag == NULL)
    return NULL;
  if (g_str_has_prefix (etag, "W/"))
    etag += 2;
  text = g_strstrip (g_strdup (etag));
  length = strlen (text);
  if (length >= 2 && text[0] == '"' && text[length - 1] == '"')
    return g_strndup (text + 1, length - 2);
  return g_steal_pointer (&text);
}

static void
request_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = NULL;
  GError *error = NULL;
  guint status = 0;

  data->bytes = vb_api_client_request_bytes_finish (VB_API_CLIENT (object), result,
                                                    &status, &headers, &error);
  if (data->bytes == NULL)
    {
      g_prefix_error (&error, _("Cannot fetch the attachment: "));
      g_task_return_error (task, error);
      return;
    }
  /* No If-None-Match was sent, so anything but content is a broken server. */
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                               _("The server answered %u to an attachment request"), status);
      return;
    }
  data->etag = unquote_etag (soup_message_headers_get_one (headers, "ETag"));
  run_step (g_steal_pointer (&task), store_thread, store_cb);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  VbAttachmentFetcher *self = VB_ATTACHMENT_FETCHER (object);
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autofree char *path = NULL;
  GCancellable *cancellable;
  GFile *file;

  /* The lookup never fails: anything unreadable is fetched again. */
  file = g_task_propagate_pointer (G_TASK (result), NULL);
  if (file != NULL)
    {
      g_task_return_pointer (task, file, g_object_unref);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  path = g_strdup_printf ("/api/v1/attachments/%s/content", data->id);
  /* Read before the task is stolen: argument order is unspecified. */
  cancellable = g_task_get_cancellable (task);
  vb_api_client_request_bytes_async (self->client, "GET", path, NULL, cancellable,
                                     request_cb, g_steal_pointer (&task));
}

void
vb_attachment_fetcher_fetch_async (VbAttachmentFetcher *self,
                                   const char          *id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  FetchData *data;

  g_return_if_fail (VB_IS_ATTACHMENT_FETCHER (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_attachment_fetcher_fetch_async);
  /* The id becomes a file name: nothing but a UUID may get that far. */
  if (!vb_validate_uuid (id, "id", &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (FetchData, 1);
  data->id = g_ascii_strdown (id, -1);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);
  run_step (g_steal_pointer (&task), lookup_thread, lookup_cb);
}

GFile *
vb_attachment_fetcher_fetch_finish (VbAttachmentFetcher  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_attachment_fetcher_fetch_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
vb_attachment_fetcher_dispose (GObject *object)
{
  VbAttachmentFetcher *self = VB_ATTACHMENT_FETCHER (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (vb_attachment_fetcher_parent_class)->dispose (object);
}

static void
vb_attachment_fetcher_finalize (GObject *object)
{
  VbAttachmentFetcher *self = VB_ATTACHMENT_FETCHER (object);

  g_free (self->directory);
  G_OBJECT_CLASS (vb_attachment_fetcher_parent_class)->finalize (object);
}

static void
vb_attachment_fetcher_class_init (VbAttachmentFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_attachment_fetcher_dispose;
  object_class->finalize = vb_attachment_fetcher_finalize;
}

static void
vb_attachment_fetcher_init (VbAttachmentFetcher *self)
{
}

VbAttachmentFetcher *
vb_attachment_fetcher_new (VbApiClient *client,
                           const char  *directory)
{
  VbAttachmentFetcher *self;

  g_return_val_if_fail (VB_IS_API_CLIENT (client), NULL);

  self = g_object_new (VB_TYPE_ATTACHMENT_FETCHER, NULL);
  self->client = g_object_ref (client);
  self->directory = directory != NULL
                    ? g_strdup (directory)
                    : g_build_filename (g_get_user_cache_dir (), "voltbay", "attachments", NULL);
  return self;
}

const char *
vb_attachment_fetcher_get_directory (VbAttachmentFetcher *self)
{
  g_return_val_if_fail (VB_IS_ATTACHMENT_FETCHER (self), NULL);
  return self->directory;
}
