/* vb-admin-window.h — the management console's main window. */
#pragma once

#include "vb-admin-application.h"
#include "vb-shell-window.h"

G_BEGIN_DECLS

#define VB_TYPE_ADMIN_WINDOW (vb_admin_window_get_type ())
G_DECLARE_FINAL_TYPE (VbAdminWindow, vb_admin_window, VB, ADMIN_WINDOW, VbShellWindow)

VbAdminWindow *vb_admin_window_new (VbAdminApplication *application);

G_END_DECLS
