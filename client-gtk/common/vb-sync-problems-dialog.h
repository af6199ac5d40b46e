/* vb-sync-problems-dialog.h — the changes the server refused, to read and dismiss. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_SYNC_PROBLEMS_DIALOG (vb_sync_problems_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbSyncProblemsDialog, vb_sync_problems_dialog, VB, SYNC_PROBLEMS_DIALOG, AdwWindow)

/* A modal window over parent listing cache's refused and conflicting
 * changes; it follows the cache and closes when the last one is dismissed. */
GtkWidget *vb_sync_problems_dialog_new       (GtkWindow            *parent,
                                              VbCache              *cache);
/* The rows shown now (for tests). */
guint      vb_sync_problems_dialog_get_n_rows (VbSyncProblemsDialog *self);

G_END_DECLS
