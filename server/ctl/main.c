/* voltbay-ctl — operator commands run against the database directly.
 *
 *   voltbay-ctl [--data-dir DIR | --database CONNINFO] COMMAND [OPTIONS]
 *
 * With --data-dir (or the default one) it uses the embedded cluster: if the
 * server is running it connects to its PostgreSQL, otherwise it starts the
 * cluster for the duration of the command.
 */
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "vb-audit-verify.h"
#include "vb-bootstrap.h"
#include "vb-config.h"
#include "vb-demo-scale.h"
#include "vb-embedded-pg.h"
#include "vb-migrations.h"
#include "vb-random.h"
#include "vb-reminder-scheduler.h"

static const VbDbAudit ctl_actor = { NULL, "voltbay-ctl", NULL };

typedef struct
{
  char         *data_dir;
  char         *database;
  VbEmbeddedPg *pg;
  VbDbConn     *conn;
} Ctl;

static VbDbConn *
ctl_connect (Ctl     *ctl,
             GError **error)
{
  const char *conninfo = ctl->database;

  if (conninfo == NULL)
    {
      if (ctl->data_dir == NULL)
        ctl->data_dir = vb_config_default_data_dir ();
      if (g_mkdir_with_parents (ctl->data_dir, 0755) != 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                       "Cannot create %s: %s", ctl->data_dir, g_strerror (errno));
          return NULL;
        }
      ctl->pg = vb_embedded_pg_new (ctl->data_dir);
      if (!vb_embedded_pg_start (ctl->pg, error))
        return NULL;
      conninfo = vb_embedded_pg_get_conninfo (ctl->pg);
    }
  ctl->conn = vb_db_conn_connect (conninfo, error);
  return ctl->conn;
}

static char *
read_password (GError **error)
{
  char buf[1024];
  gboolean tty = isatty (STDIN_FILENO);
  struct termios saved, quiet;
  char *line;

  if (tty)
    {
      fprintf (stderr, "%s", _("Password: "));
      tcgetattr (STDIN_FILENO, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  line = fgets (buf, sizeof buf, stdin);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      fprintf (stderr, "\n");
    }
  if (line == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("No password on standard input"));
      return NULL;
    }
  buf[strcspn (buf, "\r\n")] = '\0';
  return g_strdup (buf);
}

static gboolean
parse_command_options (int           *argc,
                       char        ***argv,
                       const char    *command,
                       GOptionEntry  *entries,
                       GError       **error)
{
  g_autofree char *usage = g_strdup_printf ("%s", command);
  g_autoptr(GOptionContext) context = g_option_context_new (usage);

  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return g_option_context_parse (context, argc, argv, error);
}

static int
cmd_migrate (Ctl *ctl, int argc, char **argv, GError **error)
{
  guint applied = 0;

  if (!parse_command_options (&argc, &argv, "migrate", NULL, error)
      || ctl_connect (ctl, error) == NULL
      || !vb_migrations_apply (ctl->conn, &applied, error))
    return 1;
  g_print (_("Schema is current; %u migration(s) applied now.\n"), applied);
  return 0;
}

static int
cmd_user_add (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *email = NULL, *name = NULL, *role = NULL, *location = NULL;
  g_autofree char *password = NULL, *id = NULL;
  gboolean must_change = FALSE;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("E-mail address (login)"), N_("EMAIL") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("admin, manager, reception or technician"), N_("ROLE") },
    { "location", 0, 0, G_OPTION_ARG_STRING, &location, N_("Location code, or all (default)"), N_("CODE") },
    { "must-change-password", 0, 0, G_OPTION_ARG_NONE, &must_change, N_("Require a new password at first login"), NULL },
    { NULL }
  };

  if (!parse_command_options (&argc, &argv, "user-add", entries, error))
    return 2;
  if (email == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("--email is required"));
      return 2;
    }
  if ((password = read_password (error)) == NULL || ctl_connect (ctl, error) == NULL
      || !vb_bootstrap_create_user (ctl->conn, &ctl_actor, email, name ? name : email, password,
                                    role, location, must_change, &id, error))
    return 1;
  g_print ("%s\n", id);
  return 0;
}

static int
cmd_bootstrap_admin (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *email = NULL, *password = NULL;
  gboolean exists = FALSE;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("E-mail of the first administrator"), N_("EMAIL") },
    { NULL }
  };

  if (!parse_command_options (&argc, &argv, "bootstrap-admin", entries, error)
      || ctl_connect (ctl, error) == NULL
      || !vb_bootstrap_admin_exists (ctl->conn, &exists, error))
    return 1;
  if (exists)
    {
      g_print (_("An administrator already exists; nothing to do.\n"));
      return 0;
    }
  password = vb_random_token (12);
  if (!vb_bootstrap_create_user (ctl->conn, &ctl_actor, email ? email : "admin@voltbay.local",
                                 _("Administrator"), password, "admin", "all", TRUE, NULL, error))
    return 1;
  g_print (_("Created administrator %s with the one-time password:\n\n    %s\n\n"
             "It must be changed at the first login, and two-factor authentication set up.\n"),
           email ? email : "admin@voltbay.local", password);
  return 0;
}

static int
cmd_audit_verify (Ctl *ctl, int argc, char **argv, GError **error)
{
  guint64 rows = 0, pending = 0;

  if (!parse_command_options (&argc, &argv, "audit-verify", NULL, error)
      || ctl_connect (ctl, error) == NULL)
    return 2;
  if (!vb_audit_verify (ctl->conn, &rows, &pending, error))
    return 1;
  g_print (_("Audit log intact: %" G_GUINT64_FORMAT " rows, hash chain verified.\n"), rows);
  if (pending > 0)
    g_print (_("%" G_GUINT64_FORMAT " row(s) of transactions still open are not chained yet.\n"), pending);
  return 0;
}

/* --scale: bulk data for benchmarks on top of the demo (see
 * docs/benchmarks.md); the demo itself is loaded (or kept) first. */
static gboolean
demo_scale (Ctl          *ctl,
            int           customers,
            int           per_customer,
            GError      **error)
{
  VbDemoScale scale = { (guint) customers, (guint) per_customer };
  guint64 created = 0;
  gint64 started = g_get_monotonic_time ();

  if (!vb_demo_scale_fill (ctl->conn, &ctl_actor, &scale, &created, error))
    return FALSE;
  g_print (_("Scale data: %" G_GUINT64_FORMAT " record(s) created in %.1f s.\n"), created,
           (g_get_monotonic_time () - started) / 1e6);
  return TRUE;
}

static int
cmd_demo_data (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *password = NULL;
  guint created = 0;
  int customers = 0, per_customer = 10;
  GOptionEntry entries[] = {
    { "scale", 0, 0, G_OPTION_ARG_INT, &customers,
      N_("Also have N bulk customers with vehicles and work-order history (benchmarks)"), N_("N") },
    { "work-orders-per-customer", 0, 0, G_OPTION_ARG_INT, &per_customer,
      N_("Work orders per bulk customer (default 10)"), N_("M") },
    { NULL }
  };

  if (!parse_command_options (&argc, &argv, "demo-data", entries, error))
    return 2;
  if (customers < 0 || customers > VB_DEMO_SCALE_MAX_CUSTOMERS || per_customer < 1 || per_customer > 100)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--scale must be 0 to %d and --work-orders-per-customer 1 to 100"),
                   VB_DEMO_SCALE_MAX_CUSTOMERS);
      return 2;
    }
  if (ctl_connect (ctl, error) == NULL
      || !vb_bootstrap_demo_data (ctl->conn, &ctl_actor, &created, &password, error))
    return 1;
  g_print (_("Demo data: %u record(s) created.\n"), created);
  if (password != NULL)
    g_print (_("Demo staff (manager@, reception@, technician@voltbay.local and the others) "
               "log in with the password:\n\n    %s\n\n"), password);
  if (customers > 0 && !demo_scale (ctl, customers, per_customer, error))
    return 1;
  return 0;
}

/* One reminder run now (what the server's scheduler does every interval). */
static int
cmd_reminders_run (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *today = NULL;
  int lead_days = VB_REMINDERS_DEFAULT_LEAD_DAYS;
  VbReminderRunStats stats = { 0 };
  GOptionEntry entries[] = {
    { "today", 0, 0, G_OPTION_ARG_STRING, &today,
      N_("Run as of this date (default: today in each location)"), N_("YYYY-MM-DD") },
    { "lead-days", 0, 0, G_OPTION_ARG_INT, &lead_days,
      N_("Remind this many days before a due date (default 14)"), N_("N") },
    { NULL }
  };

  if (!parse_command_options (&argc, &argv, "reminders-run", entries, error))
    return 2;
  if ((today != NULL && !g_regex_match_simple ("^\\d{4}-\\d{2}-\\d{2}$", today, 0, 0))
      || lead_days < 0 || lead_days > 365)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--today must be YYYY-MM-DD and --lead-days 0 to 365"));
      return 2;
    }
  if (ctl_connect (ctl, error) == NULL
      || !vb_reminder_run_once (ctl->conn, today, (guint) lead_days, &stats, error))
    return 1;
  if (!stats.ran)
    g_print (_("Another reminder run is in progress; nothing done.\n"));
  else
    g_print (_("Reminders: %u due, %u queued, %u sent earlier, %u without consent, %u without an address.\n"),
             stats.due, stats.queued, stats.already_sent, stats.no_consent, stats.no_address);
  return 0;
}

static const struct
{
  const char *name;
  int (*run) (Ctl *ctl, int argc, char **argv, GError **error);
  const char *help;
} commands[] = {
  { "migrate", cmd_migrate, N_("Apply database migrations") },
  { "user-add", cmd_user_add, N_("Create a user (password on standard input)") },
  { "bootstrap-admin", cmd_bootstrap_admin, N_("Create the first administrator if there is none") },
  { "audit-verify", cmd_audit_verify, N_("Verify the audit log's hash chain") },
  { "demo-data", cmd_demo_data, N_("Load demo shops, staff, customers, appointments and work orders (idempotent); --scale N for bulk") },
  { "reminders-run", cmd_reminders_run, N_("Queue the maintenance reminders due now (--today YYYY-MM-DD, --lead-days N)") },
};

static char *
describe_commands (void)
{
  GString *s = g_string_new (_("Commands:\n"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-18s %s\n", commands[i].name, _(commands[i].help));
  return g_string_free (s, FALSE);
}

static void
ctl_clear (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&ctl->conn, vb_db_conn_free);
  if (ctl->pg != NULL && !vb_embedded_pg_stop (ctl->pg, &error))
    g_printerr ("voltbay-ctl: stopping PostgreSQL: %s\n", error->message);
  g_clear_object (&ctl->pg);
  g_free (ctl->data_dir);
  g_free (ctl->database);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("COMMAND [OPTIONS]"));
  g_autofree char *description = describe_commands ();
  g_autoptr(GError) error = NULL;
  Ctl ctl = { 0 };
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &ctl.data_dir, N_("Data directory of the embedded database"), N_("DIR") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &ctl.database, N_("PostgreSQL connection string"), N_("CONNINFO") },
    { NULL }
  };
  int status = 2;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  textdomain (GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, description);
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("voltbay-ctl: %s\n", error->message);
      return 2;
    }
  for (guint i = 0; argc > 1 && i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      status = commands[i].run (&ctl, argc - 1, argv + 1, &error);
  if (argc <= 1 || (status == 2 && error == NULL))
    g_printerr ("voltbay-ctl: %s\n%s", argc > 1 ? _("unknown command") : _("a command is required"),
                description);
  else if (error != NULL)
    g_printerr ("voltbay-ctl: %s\n", error->message);
  ctl_clear (&ctl);
  return status;
}
