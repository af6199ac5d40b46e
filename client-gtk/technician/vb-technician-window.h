/* vb-technician-window.h — the bay workstation's main window. */
#pragma once

#include "vb-technician-application.h"
#include "vb-shell-window.h"

G_BEGIN_DECLS

#define VB_TYPE_TECHNICIAN_WINDOW (vb_technician_window_get_type ())
G_DECLARE_FINAL_TYPE (VbTechnicianWindow, vb_technician_window, VB, TECHNICIAN_WINDOW, VbShellWindow)

VbTechnicianWindow *vb_technician_window_new (VbTechnicianApplication *application);

G_END_DECLS
