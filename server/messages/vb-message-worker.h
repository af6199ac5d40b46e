/* vb-message-worker.h — sends the outbound message queue.
 *
 * A thread with its own PostgreSQL connection: it LISTENs on
 * voltbay_messages (new messages wake it), claims one due message at a time
 * (vb_message_claim: FOR UPDATE SKIP LOCKED, so any number of server
 * instances can run workers), commits it as 'sending', calls the provider,
 * and records the attempt (vb_message_finish: sent, retry with back-off, or
 * failed).  Messages whose sender died mid-send become 'unknown'
 * (vb_message_sweep_orphans), never sent again without a person deciding.
 *
 * Settings: [email] (vb-smtp.h), [sms] (vb-sms-gateway.h), and [messages]
 * enabled (default true), poll-seconds (default 5), retry-base-seconds
 * (default 30: the first retry after about that long, then doubling).
 */
#pragma once

#include <glib.h>

#include "vb-db-pool.h"

G_BEGIN_DECLS

typedef struct _VbMessageWorker VbMessageWorker;

/* settings: the config file's groups (may be NULL); data_dir: where the
 * attachment store lives. */
VbMessageWorker *vb_message_worker_new      (const char      *conninfo,
                                             GKeyFile        *settings,
                                             const char      *data_dir);
/* FALSE when [messages] enabled = false. */
gboolean         vb_message_worker_enabled  (VbMessageWorker *self);
/* Starts the thread (no-op when not enabled). */
void             vb_message_worker_start    (VbMessageWorker *self);
/* Cancels the wait, lets a send in progress finish, joins the thread. */
void             vb_message_worker_stop     (VbMessageWorker *self);
void             vb_message_worker_free     (VbMessageWorker *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbMessageWorker, vb_message_worker_free)

/* One pass on conn: mark orphans unknown, then send every due message of the
 * configured channels.  Returns how many were attempted, or -1 with error. */
gint             vb_message_worker_run_once (VbMessageWorker *self,
                                             VbDbConn        *conn,
                                             GError         **error);

G_END_DECLS
