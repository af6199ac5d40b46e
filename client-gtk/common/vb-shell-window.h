/* vb-shell-window.h — what the three apps' main windows have in common. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TYPE_SHELL_WINDOW (vb_shell_window_get_type ())
G_DECLARE_DERIVABLE_TYPE (VbShellWindow, vb_shell_window, VB, SHELL_WINDOW, AdwApplicationWindow)

struct _VbShellWindowClass
{
  AdwApplicationWindowClass parent_class;

  gpointer padding[4];
};

void vb_shell_window_class_bind_shell_children (GtkWidgetClass *widget_class);

G_END_DECLS
