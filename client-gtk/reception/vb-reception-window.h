/* vb-reception-window.h — the front desk's main window. */
#pragma once

#include "vb-reception-application.h"
#include "vb-desk-view.h"
#include "vb-shell-window.h"

G_BEGIN_DECLS

#define VB_TYPE_RECEPTION_WINDOW (vb_reception_window_get_type ())
G_DECLARE_FINAL_TYPE (VbReceptionWindow, vb_reception_window, VB, RECEPTION_WINDOW, VbShellWindow)

VbReceptionWindow *vb_reception_window_new      (VbReceptionApplication *application);
/* Registers the app's resources (templates, help overlay, style.css), once. */
void               vb_reception_window_ensure_resources (void);
/* The desk's pages (the "main" page of the shell's stack). */
VbDeskView        *vb_reception_window_get_desk (VbReceptionWindow      *self);

G_END_DECLS
