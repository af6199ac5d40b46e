/* vb-preferences-dialog.h — the front desk's Preferences window. */
#pragma once

#include <adwaita.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_PREFERENCES_DIALOG (vb_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbPreferencesDialog, vb_preferences_dialog, VB, PREFERENCES_DIALOG, AdwPreferencesWindow)

/* client: for the locations the desk can open on (its offline cache);
 * may be NULL (before sign-in: no locations to choose from yet). */
VbPreferencesDialog *vb_preferences_dialog_new (GtkWindow *parent,
                                                VbClient  *client);

G_END_DECLS
