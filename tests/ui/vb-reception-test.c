/* vb-reception-test.c — helpers of the reception GUI tests (see
 * vb-reception-test.h). */
#include "vb-reception-test.h"

#include <adwaita.h>
#include <string.h>

#include "vb-connection-indicator.h"
#include "vb-desk-view.h"
#include "vb-login-page.h"
#include "vb-sign-in-view.h"

static VbReceptionApplication *app;

typedef struct
{
  VbReceptionTestBody body;
  int                 width;
  int                 height;
} Run;

static gboolean
run_body_cb (gpointer data)
{
  Run *run = data;
  g_autoptr(GList) windows = NULL;

  /* GTK 4.8's cursor blink timer warns ("GtkText - did not receive a
   * focus-out event") when a dialog takes focus on an X server without a
   * window manager; no blinking, no warning.  No animations either: the
   * screenshots show finished states. */
  g_object_set (gtk_settings_get_default (),
                "gtk-cursor-blink", FALSE,
                "gtk-enable-animations", FALSE,
                NULL);
  /* Quick retries: the tests wait for reconnections. */
  g_object_set (vb_client_get_live (vb_reception_test_client ()), "initial-delay", 200, "max-delay", 1000, NULL);
  gtk_window_set_default_size (GTK_WINDOW (vb_reception_test_window ()), run->width, run->height);

  run->body ();

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

void
vb_reception_test_run (VbReceptionTestBody body,
                       int                 width,
                       int                 height)
{
  char *argv[] = { (char *) "voltbay-reception", NULL };
  Run run = { body, width, height };

  g_assert_null (app);
  app = vb_reception_application_new ();
  /* Several instances in one process, one after the other. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_idle_add (run_body_cb, &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
  g_clear_object (&app);
}

VbReceptionApplication *
vb_reception_test_app (void)
{
  g_assert_nonnull (app);
  return app;
}

VbClient *
vb_reception_test_client (void)
{
  return vb_application_get_client (VB_APPLICATION (vb_reception_test_app ()));
}

VbReceptionWindow *
vb_reception_test_window (void)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (vb_reception_test_app ()));

  for (GList *l = windows; l != NULL; l = l->next)
    if (VB_IS_RECEPTION_WINDOW (l->data))
      return l->data;
  g_assert_not_reached ();
}

gpointer
vb_reception_test_win_child (const char *name)
{
  return vb_gui_child (vb_reception_test_window (), VB_TYPE_RECEPTION_WINDOW, name);
}

gpointer
vb_reception_test_desk_child (const char *name)
{
  return vb_gui_child (vb_reception_window_get_desk (vb_reception_test_window ()), VB_TYPE_DESK_VIEW, name);
}

gboolean
vb_reception_test_label_is (gpointer data)
{
  return g_strcmp0 (vb_connection_indicator_get_label (vb_reception_test_win_child ("indicator")), data) == 0;
}

gboolean
vb_reception_test_stack_is (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (vb_reception_test_win_child ("stack")), data) == 0;
}

gboolean
vb_reception_test_content_is (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (vb_reception_test_desk_child ("content_stack")), data) == 0;
}

gboolean
vb_reception_test_step_is (gpointer data)
{
  VbSignInView *view = vb_reception_test_win_child ("sign_in_view");

  return vb_reception_test_stack_is ("sign-in") && g_strcmp0 (vb_sign_in_view_get_step (view), data) == 0;
}

void
vb_reception_test_sign_in (VbTestServer *server,
                           const char   *email,
                           const char   *password)
{
  VbLoginPage *login;
  AdwMessageDialog *trust;

  g_assert_true (vb_gui_wait_for (vb_reception_test_step_is, "credentials", VB_GUI_WAIT_MS));
  login = vb_gui_child (vb_reception_test_win_child ("sign_in_view"), VB_TYPE_SIGN_IN_VIEW, "login_page");
  gtk_editable_set_text (vb_gui_child (login, VB_TYPE_LOGIN_PAGE, "server_row"), server->base_url);
  gtk_editable_set_text (vb_gui_child (login, VB_TYPE_LOGIN_PAGE, "email_row"), email);
  gtk_editable_set_text (vb_gui_child (login, VB_TYPE_LOGIN_PAGE, "password_row"), password);
  gtk_widget_activate (vb_gui_child (login, VB_TYPE_LOGIN_PAGE, "sign_in_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG),
                                  VB_GUI_WAIT_MS));
  trust = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (trust, "trust");
  gtk_window_destroy (GTK_WINDOW (trust));
  g_assert_true (vb_gui_wait_for (vb_reception_test_stack_is, "main", VB_GUI_WAIT_MS));
}

char *
vb_reception_test_db_value (VbTestServer *server,
                            const char   *sql,
                            const char   *param)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param != NULL ? 1 : 0, param != NULL ? params : NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return g_strdup (vb_db_get (res, 0, 0));
}

gint64
vb_reception_test_db_count (VbTestServer *server,
                            const char   *sql,
                            const char   *param)
{
  g_autofree char *value = vb_reception_test_db_value (server, sql, param);

  return g_ascii_strtoll (value, NULL, 10);
}

VbWorkOrderPage *
vb_reception_test_wo_page (void)
{
  return vb_reception_test_desk_child ("work_order_page");
}

gpointer
vb_reception_test_wo_child (const char *name)
{
  return vb_gui_child (vb_reception_test_wo_page (), VB_TYPE_WORK_ORDER_PAGE, name);
}

VbMoneySection *
vb_reception_test_money_section (void)
{
  return vb_work_order_page_get_money_section (vb_reception_test_wo_page ());
}

gpointer
vb_reception_test_money_child (const char *name)
{
  return vb_gui_child (vb_reception_test_money_section (), VB_TYPE_MONEY_SECTION, name);
}

gboolean
vb_reception_test_wo_status_is (gpointer data)
{
  return g_strcmp0 (gtk_label_get_label (vb_reception_test_wo_child ("status_label")), data) == 0;
}

char *
vb_reception_test_wo_text (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  vb_gui_collect (GTK_WIDGET (vb_reception_test_wo_page ()), text, NULL, NULL);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
vb_reception_test_wo_shows (gpointer data)
{
  g_autofree char *text = vb_reception_test_wo_text ();

  return strstr (text, data) != NULL;
}

gboolean
vb_reception_test_widget_sensitive (gpointer data)
{
  return gtk_widget_get_sensitive (data);
}
