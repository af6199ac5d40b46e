/* vb-gui-test.c — helpers of the GUI tests (see vb-gui-test.h). */
#include "vb-gui-test.h"

#include <signal.h>

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
vb_gui_wait_for (VbGuiCondition condition,
                 gpointer       data,
                 guint          timeout_ms)
{
  /* Sanitizer builds run several times slower (build-aux/test.sh). */
  const char *scale_text = g_getenv ("VOLTBAY_TEST_WAIT_SCALE");
  gint64 scale = scale_text != NULL ? CLAMP (g_ascii_strtoll (scale_text, NULL, 10), 1, 10) : 1;
  gint64 end = g_get_monotonic_time () + scale * (gint64) timeout_ms * 1000;
  guint tick = g_timeout_add (20, wake_cb, NULL);
  gboolean ok;

  while (!(ok = condition (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return ok;
}

static gboolean
settle_done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
vb_gui_settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, settle_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gpointer
vb_gui_child (gpointer    widget,
              GType       type,
              const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

GtkWindow *
vb_gui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not owned */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WINDOW (w);
    }
  return NULL;
}

gboolean
vb_gui_toplevel_shown (gpointer type)
{
  return vb_gui_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

gboolean
vb_gui_toplevel_gone (gpointer type)
{
  return vb_gui_find_toplevel (GPOINTER_TO_SIZE (type)) == NULL;
}

gboolean
vb_gui_widget_visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

gboolean
vb_gui_widget_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

void
vb_gui_collect (GtkWidget  *widget,
                GString    *text,
                const char *button_label,
                GPtrArray  *buttons)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
  if (GTK_IS_BUTTON (widget) && buttons != NULL &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), button_label) == 0)
    g_ptr_array_add (buttons, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    vb_gui_collect (c, text, button_label, buttons);
}

static gboolean
allocated (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0;
}

/* A widget has no render node between a queue_draw and its next frame
 * (the sync engine's retries may redraw the header bar at any time): try
 * again after a frame or two. */
static GskRenderNode *
snapshot_node (GtkWidget *widget,
               int        width,
               int        height)
{
  GskRenderNode *node = NULL;

  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        vb_gui_settle (50);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  return node;
}

void
vb_gui_save_screenshot (GtkWidget  *widget,
                        const char *name)
{
  g_autofree char *dir = g_build_filename (vb_test_build_dir (), "tests", "ui-artifacts", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width, height;

  vb_gui_settle (400);   /* let crossfades and revealers finish */
  /* A dialog presented just now may not be allocated yet when the main
   * loop is slow (sanitizers, a page of the change feed being applied). */
  g_assert_true (vb_gui_wait_for (allocated, widget, VB_GUI_WAIT_MS));
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  node = snapshot_node (widget, width, height);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static gboolean
server_exited (gpointer server)
{
  return g_subprocess_get_identifier (((VbTestServer *) server)->process) == NULL;
}

void
vb_gui_stop_server (VbTestServer *server)
{
  g_subprocess_send_signal (server->process, SIGTERM);
  g_assert_true (vb_gui_wait_for (server_exited, server, VB_GUI_WAIT_MS));
}
