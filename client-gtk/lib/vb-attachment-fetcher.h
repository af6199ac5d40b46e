/* vb-attachment-fetcher.h — attachment content in an on-disk cache. */
#pragma once

#include <gio/gio.h>

#include "vb-api-client.h"

G_BEGIN_DECLS

#define VB_TYPE_ATTACHMENT_FETCHER (vb_attachment_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (VbAttachmentFetcher, vb_attachment_fetcher, VB, ATTACHMENT_FETCHER, GObject)

/* directory: where files go; NULL for $XDG_CACHE_HOME/voltbay/attachments. */
VbAttachmentFetcher *vb_attachment_fetcher_new           (VbApiClient          *client,
                                                          const char           *directory);
const char          *vb_attachment_fetcher_get_directory (VbAttachmentFetcher  *self);

/* The content of attachment id as a local file (DIRECTORY/<sha256>),
 * fetched from GET /api/v1/attachments/{id}/content the first time and
 * from disk without the network afterwards.  Errors: the server's VbError
 * (not_found…), a network error, VB_CLIENT_ERROR_PROTOCOL for content that
 * does not match its ETag, G_IO_ERROR for the disk. */
void                 vb_attachment_fetcher_fetch_async   (VbAttachmentFetcher  *self,
                                                          const char           *id,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GFile               *vb_attachment_fetcher_fetch_finish  (VbAttachmentFetcher  *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
