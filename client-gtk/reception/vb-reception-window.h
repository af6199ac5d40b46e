/* vb-reception-window.h — the front desk's main window. */
#pragma once

#include "vb-reception-application.h"
#include "vb-shell-window.h"

G_BEGIN_DECLS

#define VB_TYPE_RECEPTION_WINDOW (vb_reception_window_get_type ())
G_DECLARE_FINAL_TYPE (VbReceptionWindow, vb_reception_window, VB, RECEPTION_WINDOW, VbShellWindow)

VbReceptionWindow *vb_reception_window_new (VbReceptionApplication *application);

G_END_DECLS
