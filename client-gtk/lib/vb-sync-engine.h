/* vb-sync-engine.h — moves changes between a VbCache and the server
 * (docs/sync.md, "The sync engine" and "Conflicts").
 *
 * Pull: reads GET /api/v1/changes from the cache's cursor, one page (one
 * SQLite transaction) at a time, until has_more is false.
 * Push: sends the outbox strictly in order, one change at a time, each with
 * "Voltbay-Mutation: CLIENT:N" so a retry is answered, never applied twice.
 *
 * The engine lives on the thread (main context) that created it.
 *
 * Signal ::push-answered (gint64 seq, guint status): the server's answer to
 * an outbox change has arrived and is about to be recorded in the cache
 * (voltbay-sync's crash test hook kills the process here).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-live-connection.h"

G_BEGIN_DECLS

typedef enum
{
  VB_SYNC_STATE_OFFLINE,  /* not started, or the server did not answer */
  VB_SYNC_STATE_ONLINE,   /* the last exchange worked; nothing to do */
  VB_SYNC_STATE_SYNCING,  /* pulling or pushing */
} VbSyncState;

GType vb_sync_state_get_type (void) G_GNUC_CONST;
#define VB_TYPE_SYNC_STATE (vb_sync_state_get_type ())

/* What one round (vb_sync_engine_sync_async) did. */
typedef struct
{
  guint64 pulled;     /* feed items applied to the cache */
  guint   pages;      /* feed pages read */
  guint   pushed;     /* outbox changes the server answered */
  guint   applied;
  guint   refused;
  guint   conflicts;
} VbSyncStats;

#define VB_TYPE_SYNC_ENGINE (vb_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (VbSyncEngine, vb_sync_engine, VB, SYNC_ENGINE, GObject)

/* api must have a server and a token.  live may be NULL; if set, its
 * "changes" wake-ups (and its coming online) make a started engine pull. */
VbSyncEngine *vb_sync_engine_new               (VbApiClient      *api,
                                                VbCache          *cache,
                                                VbLiveConnection *live);
VbCache      *vb_sync_engine_get_cache         (VbSyncEngine     *self);
VbSyncState   vb_sync_engine_get_state         (VbSyncEngine     *self);
guint64       vb_sync_engine_get_progress_done (VbSyncEngine     *self);
guint64       vb_sync_engine_get_progress_total (VbSyncEngine    *self);
guint         vb_sync_engine_get_pending       (VbSyncEngine     *self);
guint         vb_sync_engine_get_problems      (VbSyncEngine     *self);
/* Property "caught-up": TRUE from the end of the first pull that read the
 * feed to has_more: false (the initial catch-up), for the engine's life. */
gboolean      vb_sync_engine_get_caught_up     (VbSyncEngine     *self);

/* Background mode (the apps): pull, then push; pull again on every live
 * wake-up and after every push batch; after a failure retry with
 * exponential back-off and jitter until stopped. */
void          vb_sync_engine_start             (VbSyncEngine     *self);
void          vb_sync_engine_stop              (VbSyncEngine     *self);
gboolean      vb_sync_engine_is_running        (VbSyncEngine     *self);

/* One full round (the CLI, tests): pull until has_more is false, push every
 * pending change in order, pull again.  Fails (the outbox kept) when the
 * server cannot be reached or answers a transient error; refusals and
 * conflicts do not fail it, they are counted.  One round at a time.
 * Cancelling stops between requests; a page already received is kept and
 * the next pull resumes from the cursor. */
void          vb_sync_engine_sync_async        (VbSyncEngine     *self,
                                                GCancellable     *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer          user_data);
gboolean      vb_sync_engine_sync_finish       (VbSyncEngine     *self,
                                                GAsyncResult     *result,
                                                VbSyncStats      *stats,
                                                GError          **error);

/* Whether an error of a pull or push means "try again later" (no
 * connection, server down, rate limit, session not accepted) rather than
 * a local failure. */
gboolean      vb_sync_error_is_transient       (const GError     *error);

/* ----------------------------------------------- making changes --- */
/* Each writes the local view and the outbox entry durably (vb_cache_enqueue)
 * and returns its outbox seq (0 with error), then kicks the pusher if the
 * engine is running.  They work offline. */

/* POST collection_path with record; record gets a random "id" if it has
 * none (the server accepts client ids for offline creation). */
gint64        vb_sync_engine_create            (VbSyncEngine     *self,
                                                const char       *entity,
                                                const char       *collection_path,
                                                JsonObject       *record,
                                                GError          **error);
/* PATCH item_path with changed_fields and "version": the version of the
 * server row the change is made on (1 for a record not pulled yet). */
gint64        vb_sync_engine_update            (VbSyncEngine     *self,
                                                const char       *entity,
                                                const char       *id,
                                                const char       *item_path,
                                                JsonObject       *changed_fields,
                                                GError          **error);
/* An append-only record (notes, readings, results): like create, but it
 * never conflicts. */
gint64        vb_sync_engine_append            (VbSyncEngine     *self,
                                                const char       *entity,
                                                const char       *collection_path,
                                                JsonObject       *record,
                                                GError          **error);
/* A state-machine move or a booking: the server decides.  body may be NULL. */
gint64        vb_sync_engine_action            (VbSyncEngine     *self,
                                                const char       *entity,
                                                const char       *id,
                                                const char       *method,
                                                const char       *path,
                                                JsonObject       *body,
                                                GError          **error);
/* A file (a photo taken offline): POST /api/v1/attachments with the bytes
 * as the raw body, queued with vb_cache_enqueue_upload().  The attachment
 * gets a client UUID (?id=, returned in out_id, free it); location_id may
 * be NULL (certifications), file_name too.  The server checks the type
 * (JPEG, PNG, WebP, PDF) and size when the upload is sent. */
gint64        vb_sync_engine_upload            (VbSyncEngine     *self,
                                                const char       *location_id,
                                                const char       *purpose,
                                                const char       *file_name,
                                                const char       *content_type,
                                                GBytes           *bytes,
                                                char            **out_id,
                                                GError          **error);

G_END_DECLS
