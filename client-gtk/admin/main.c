/* main.c — voltbay-admin: set up gettext, run the application. */
#include <glib/gi18n.h>
#include <locale.h>

#include "vb-admin-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(VbAdminApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Voltbay Admin"));

  app = vb_admin_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
