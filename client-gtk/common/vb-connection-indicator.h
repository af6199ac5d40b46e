/* vb-connection-indicator.h — icon + label for the live connection and sync state. */
#pragma once

#include <gtk/gtk.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_CONNECTION_INDICATOR (vb_connection_indicator_get_type ())
G_DECLARE_FINAL_TYPE (VbConnectionIndicator, vb_connection_indicator, VB, CONNECTION_INDICATOR, GtkWidget)

GtkWidget         *vb_connection_indicator_new        (void);
VbConnectionState  vb_connection_indicator_get_state  (VbConnectionIndicator *self);
void               vb_connection_indicator_set_state  (VbConnectionIndicator *self,
                                                       VbConnectionState      state);
VbSyncEngine      *vb_connection_indicator_get_sync_engine (VbConnectionIndicator *self);
void               vb_connection_indicator_set_sync_engine (VbConnectionIndicator *self,
                                                            VbSyncEngine          *engine);
/* The label shown now (for tests and accessibility checks). */
const char        *vb_connection_indicator_get_label  (VbConnectionIndicator *self);

G_END_DECLS
