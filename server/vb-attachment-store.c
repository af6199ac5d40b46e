/* vb-attachment-store.c — content-addressed files under DATA_DIR/attachments. */
#include "vb-attachment-store.h"
#include "vb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define TMP_DIR "tmp"

const char *
vb_attachment_sniff (GBytes *content)
{
  gsize len = 0;
  const guchar *p = content ? g_bytes_get_data (content, &len) : NULL;

  if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return "image/jpeg";
  if (len >= 8 && memcmp (p, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 12 && memcmp (p, "RIFF", 4) == 0 && memcmp (p + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (len >= 5 && memcmp (p, "%PDF-", 5) == 0)
    return "application/pdf";
  return NULL;
}

const char *
vb_attachment_extension (const char *content_type)
{
  if (g_strcmp0 (content_type, "image/jpeg") == 0)
    return ".jpg";
  if (g_strcmp0 (content_type, "image/png") == 0)
    return ".png";
  if (g_strcmp0 (content_type, "image/webp") == 0)
    return ".webp";
  if (g_strcmp0 (content_type, "application/pdf") == 0)
    return ".pdf";
  return "";
}

static gboolean
is_sha256 (const char *hex)
{
  return hex != NULL && strlen (hex) == 64 && strspn (hex, "0123456789abcdef") == 64;
}

char *
vb_attachment_store_path (const char *data_dir,
                          const char *sha256)
{
  g_autofree char *ab = g_strndup (sha256, 2);
  g_autofree char *cd = g_strndup (sha256 + 2, 2);

  g_return_val_if_fail (is_sha256 (sha256), NULL);
  return g_build_filename (data_dir, "attachments", ab, cd, sha256, NULL);
}

static gboolean
io_error (GError    **error,
          const char *what,
          const char *path,
          int         saved_errno)
{
  /* The path stays in the log; the client only learns that storing failed. */
  g_warning ("attachment store: %s %s: %s", what, path, g_strerror (saved_errno));
  g_set_error_literal (error, VB_ERROR, VB_ERROR_INTERNAL, "The file could not be stored");
  return FALSE;
}

static gboolean
write_all (int           fd,
           const guchar *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* fsync a directory so that a rename into it survives a crash. */
static void
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* content → a temp file in tmp_dir, fsynced; returns its path. */
static char *
write_temp (const char  *tmp_dir,
            GBytes      *content,
            GError     **error)
{
  g_autofree char *tmp = g_build_filename (tmp_dir, "upload-XXXXXX", NULL);
  gsize len = 0;
  const guchar *data = g_bytes_get_data (content, &len);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0640);
  gboolean ok;
  int saved;

  if (fd < 0)
    return io_error (error, "creating", tmp, errno), NULL;
  ok = write_all (fd, data, len) && fsync (fd) == 0;
  saved = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  if (ok)
    return g_steal_pointer (&tmp);
  g_unlink (tmp);
  return io_error (error, "writing", tmp, saved), NULL;
}

char *
vb_attachment_store_put (const char  *data_dir,
                         GBytes      *content,
                         GError     **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  g_autofree char *path = vb_attachment_store_path (data_dir, sha256);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp_dir = g_build_filename (data_dir, "attachments", TMP_DIR, NULL);
  g_autofree char *tmp = NULL;

  /* Same name, same bytes: already stored. */
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&sha256);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    return io_error (error, "creating", dir, errno), NULL;
  if (g_mkdir_with_parents (tmp_dir, 0750) != 0)
    return io_error (error, "creating", tmp_dir, errno), NULL;
  if ((tmp = write_temp (tmp_dir, content, error)) == NULL)
    return NULL;
  /* Atomic within one file system; a concurrent upload of the same bytes
   * renames an identical file over it, which is harmless. */
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      return io_error (error, "renaming to", path, saved), NULL;
    }
  sync_dir (dir);
  return g_steal_pointer (&sha256);
}

GBytes *
vb_attachment_store_get (const char  *data_dir,
                         const char  *sha256,
                         GError     **error)
{
  g_autofree char *path = vb_attachment_store_path (data_dir, sha256);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) file = NULL;

  if (path == NULL)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INTERNAL, "Not a content address");
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_warning ("attachment store: reading %s: %s", path, local_error->message);
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INTERNAL, "The stored file is missing");
      return NULL;
    }
  return g_mapped_file_get_bytes (file);
}
