/* test-apps-gui.c — the technician and admin apps start, show their window
 * with the sign-in form (no session in the keyring), and quit cleanly.
 * They share the reception app's flow (tested in test-reception-gui.c);
 * this proves their own templates, resources and actions are wired. */
#include <adwaita.h>

#include "vb-gui-test.h"

#include "vb-admin-application.h"
#include "vb-admin-window.h"
#include "vb-sign-in-view.h"
#include "vb-technician-application.h"
#include "vb-technician-window.h"

static GApplication *app;
static GType         window_type;
static const char   *artifact;

static gboolean
form_shown (void)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  VbSignInView *view;

  if (window == NULL)
    return FALSE;
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (window, window_type));
  view = VB_SIGN_IN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (window), window_type,
                                                         "sign_in_view"));
  return g_strcmp0 (vb_sign_in_view_get_step (view), "credentials") == 0;
}

static gboolean
body_cb (gpointer data)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  GtkWindow *window;

  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE, NULL);
  while (!form_shown () && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (form_shown ());
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  /* The shared application actions exist. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  /* Let the window map and lay out before the screenshot. */
  end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  vb_gui_save_screenshot (GTK_WIDGET (window), artifact);
  gtk_window_destroy (window);
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
run (GApplication *application,
     GType         type,
     const char   *name)
{
  char *argv[] = { (char *) "voltbay-app", NULL };

  app = application;
  window_type = type;
  artifact = name;
  g_application_set_flags (app, G_APPLICATION_NON_UNIQUE);
  g_idle_add (body_cb, NULL);
  g_assert_cmpint (g_application_run (app, 1, argv), ==, 0);
  g_clear_object (&app);
}

static void
test_technician (void)
{
  run (G_APPLICATION (vb_technician_application_new ()), VB_TYPE_TECHNICIAN_WINDOW,
       "technician-sign-in");
}

static void
test_admin (void)
{
  run (G_APPLICATION (vb_admin_application_new ()), VB_TYPE_ADMIN_WINDOW, "admin-sign-in");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/apps/technician/starts", test_technician);
  g_test_add_func ("/apps/admin/starts", test_admin);
  return g_test_run ();
}
