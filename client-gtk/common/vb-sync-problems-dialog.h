/* vb-sync-problems-dialog.h — the changes the server refused: what was
 * tried, why it failed, and ways to fix it. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_SYNC_PROBLEMS_DIALOG (vb_sync_problems_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbSyncProblemsDialog, vb_sync_problems_dialog, VB, SYNC_PROBLEMS_DIALOG, AdwWindow)

/* The parent window's action that edits a refused change (parameter: the
 * outbox seq, "x"); an app whose window has it gets Edit buttons. */
#define VB_SYNC_PROBLEMS_EDIT_ACTION "win.edit-sync-problem"

/* A modal window over parent listing cache's refused and conflicting
 * changes; it follows the cache and closes when the last one is dismissed.
 *
 * ::edit-problem (gint64 seq) → gboolean: the user pressed Edit on a
 * refused change of a customer, vehicle or booking.  The default handler
 * activates VB_SYNC_PROBLEMS_EDIT_ACTION on the parent; Edit is offered
 * only when a handler is connected or the parent has that action.  The
 * editor dismisses the problem once the fixed change is saved. */
GtkWidget *vb_sync_problems_dialog_new       (GtkWindow            *parent,
                                              VbCache              *cache);
/* The rows shown now (for tests). */
guint      vb_sync_problems_dialog_get_n_rows (VbSyncProblemsDialog *self);
/* The row of outbox change seq (for tests), or NULL. */
GtkWidget *vb_sync_problems_dialog_get_row    (VbSyncProblemsDialog *self,
                                               gint64                seq);

G_END_DECLS
