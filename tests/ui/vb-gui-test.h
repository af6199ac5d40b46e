/* vb-gui-test.h — what the GUI tests share: running the main loop until a
 * condition holds, template children, toplevels, label text and
 * screenshots into <build>/tests/ui-artifacts/. */
#pragma once

#include <gtk/gtk.h>

#include "vb-test.h"

G_BEGIN_DECLS

#define VB_GUI_WAIT_MS 30000

typedef gboolean (*VbGuiCondition) (gpointer data);

/* Iterates the main loop until condition (data) or timeout_ms; its last answer. */
gboolean   vb_gui_wait_for        (VbGuiCondition  condition,
                                   gpointer        data,
                                   guint           timeout_ms);
/* Lets layout, transitions and pending I/O run for ms. */
void       vb_gui_settle          (guint           ms);
/* The template child name of widget (a type instance); asserts it exists. */
gpointer   vb_gui_child           (gpointer        widget,
                                   GType           type,
                                   const char     *name);
/* The first visible toplevel of type, or NULL. */
GtkWindow *vb_gui_find_toplevel   (GType           type);
/* Conditions: a visible toplevel of type GSIZE_TO_POINTER (type) exists / does not. */
gboolean   vb_gui_toplevel_shown  (gpointer        type);
gboolean   vb_gui_toplevel_gone   (gpointer        type);
/* Conditions on a widget. */
gboolean   vb_gui_widget_visible  (gpointer        widget);
gboolean   vb_gui_widget_hidden   (gpointer        widget);
/* Appends every label's text under widget (one per line) to text, and the
 * buttons labelled button_label (may be NULL) to buttons (may be NULL). */
void       vb_gui_collect         (GtkWidget      *widget,
                                   GString        *text,
                                   const char     *button_label,
                                   GPtrArray      *buttons);
/* Renders widget to <build>/tests/ui-artifacts/<name>.png. */
void       vb_gui_save_screenshot (GtkWidget      *widget,
                                   const char     *name);
/* SIGTERM to server with the main loop running until it has exited (it
 * waits for the apps' answers to its 1001 close); vb_test_server_kill()
 * or _restart then checks the clean exit. */
void       vb_gui_stop_server     (VbTestServer   *server);

G_END_DECLS
