/* vb-attachment-store.h — uploaded files on disk, addressed by content.
 *
 * A file lives at DATA_DIR/attachments/ab/cd/<sha256> (ab, cd: the first
 * two byte pairs of its hex SHA-256), so identical content is stored once
 * and a name never changes meaning.  Writes go to DATA_DIR/attachments/tmp,
 * are fsynced and renamed into place: a crash leaves a whole file or none.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The MIME type recognised from the first bytes (JPEG, PNG, WebP, PDF) as a
 * static string, or NULL: what a client claims is never trusted. */
const char *vb_attachment_sniff      (GBytes      *content);
/* The file name (".jpg", ...) extension for a sniffed type. */
const char *vb_attachment_extension  (const char  *content_type);
/* DATA_DIR/attachments/ab/cd/<sha256>. */
char       *vb_attachment_store_path (const char  *data_dir,
                                      const char  *sha256);
/* Stores content (if not there yet); returns its hex SHA-256. */
char       *vb_attachment_store_put  (const char  *data_dir,
                                      GBytes      *content,
                                      GError     **error);
GBytes     *vb_attachment_store_get  (const char  *data_dir,
                                      const char  *sha256,
                                      GError     **error);

G_END_DECLS
