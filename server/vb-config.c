/* vb-config.c — command line over config file over defaults.
 *
 * The command line is parsed twice: first only to learn --config, then
 * again after the file has filled the struct, so an option given on the
 * command line always wins over the file.
 */
#include "vb-config.h"
#include "vb-error.h"

#include <glib/gi18n.h>
#include <unistd.h>

void
vb_config_free (VbConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->config_file);
  g_free (c->data_dir);
  g_free (c->listen);
  g_free (c->database);
  g_free (c->tls_cert);
  g_free (c->tls_key);
  g_free (c->port_file);
  g_free (c->pg_bindir);
  g_clear_pointer (&c->settings, g_key_file_unref);
  g_free (c);
}

char *
vb_config_default_data_dir (void)
{
  if (geteuid () == 0)
    return g_strdup ("/var/lib/voltbay");
  return g_build_filename (g_get_user_data_dir (), "voltbay", NULL);
}

static GOptionEntry *
option_entries (VbConfig *c)
{
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config_file, N_("Read settings from FILE ([server] group)"), N_("FILE") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &c->data_dir, N_("Keep data (embedded database, TLS keys) in DIR"), N_("DIR") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &c->listen, N_("Listen on ADDR:PORT (default 127.0.0.1:8443)"), N_("ADDR:PORT") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &c->database, N_("Use this PostgreSQL instead of the embedded one"), N_("CONNINFO") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &c->tls_cert, N_("TLS certificate (PEM)"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &c->tls_key, N_("TLS private key (PEM)"), N_("FILE") },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &c->no_tls, N_("Serve plain HTTP (tests, behind a TLS proxy)"), NULL },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &c->port_file, N_("Write the bound port to FILE once listening"), N_("FILE") },
    { "pg-bindir", 0, 0, G_OPTION_ARG_FILENAME, &c->pg_bindir, N_("Directory with initdb and pg_ctl"), N_("DIR") },
    { "workers", 0, 0, G_OPTION_ARG_INT, &c->workers, N_("Request handler threads (default: 4 per core, at least 8)"), N_("N") },
    { "db-pool-size", 0, 0, G_OPTION_ARG_INT, &c->db_pool_size, N_("Database connections (default: workers)"), N_("N") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &c->verbose, N_("Log debug messages"), NULL },
    { NULL }
  };
  return g_memdup2 (entries, sizeof entries);
}

static gboolean
parse_args (VbConfig   *c,
            int        *argc,
            char     ***argv,
            gboolean    ignore_unknown,
            GError    **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autofree GOptionEntry *entries = option_entries (c);

  g_option_context_set_summary (context, _("Voltbay server: the JSON API for the service-center apps."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_ignore_unknown_options (context, ignore_unknown);
  g_option_context_set_help_enabled (context, !ignore_unknown);
  return g_option_context_parse (context, argc, argv, error);
}

static void
take_string (GKeyFile *kf, const char *key, char **field)
{
  g_autofree char *value = g_key_file_get_string (kf, "server", key, NULL);

  if (value != NULL)
    {
      g_free (*field);
      *field = g_steal_pointer (&value);
    }
}

static void
take_int (GKeyFile *kf, const char *key, gint *field)
{
  g_autoptr(GError) error = NULL;
  gint value = g_key_file_get_integer (kf, "server", key, &error);

  if (error == NULL)
    *field = value;
}

static gboolean
load_file (VbConfig   *c,
           GError    **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, c->config_file, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "Cannot read %s: ", c->config_file);
      return FALSE;
    }
  take_string (kf, "data-dir", &c->data_dir);
  take_string (kf, "listen", &c->listen);
  take_string (kf, "database", &c->database);
  take_string (kf, "tls-cert", &c->tls_cert);
  take_string (kf, "tls-key", &c->tls_key);
  take_string (kf, "pg-bindir", &c->pg_bindir);
  take_int (kf, "workers", &c->workers);
  take_int (kf, "db-pool-size", &c->db_pool_size);
  take_int (kf, "max-body-kib", &c->max_body_kib);
  take_int (kf, "session-hours", &c->session_hours);
  c->no_tls = g_key_file_get_boolean (kf, "server", "no-tls", NULL) || c->no_tls;
  g_clear_pointer (&c->settings, g_key_file_unref);
  c->settings = g_key_file_ref (kf);
  return TRUE;
}

static gboolean
check (VbConfig  *c,
       GError   **error)
{
  if (c->workers < 1 || c->workers > 256)
    return vb_set_validation_error (error, "workers", "workers must be 1 to 256"), FALSE;
  if (c->db_pool_size < 1 || c->db_pool_size > 256)
    return vb_set_validation_error (error, "db-pool-size", "db-pool-size must be 1 to 256"), FALSE;
  if (c->max_body_kib < 1)
    return vb_set_validation_error (error, "max-body-kib", "max-body-kib must be positive"), FALSE;
  if ((c->tls_cert == NULL) != (c->tls_key == NULL))
    return vb_set_validation_error (error, "tls-cert", "--tls-cert and --tls-key go together"), FALSE;
  return TRUE;
}

static void
merge_string (char **field, char *value)
{
  if (value != NULL)
    {
      g_free (*field);
      *field = value;
    }
}

static void
merge (VbConfig *c,
       VbConfig *cli)
{
  merge_string (&c->data_dir, g_steal_pointer (&cli->data_dir));
  merge_string (&c->listen, g_steal_pointer (&cli->listen));
  merge_string (&c->database, g_steal_pointer (&cli->database));
  merge_string (&c->tls_cert, g_steal_pointer (&cli->tls_cert));
  merge_string (&c->tls_key, g_steal_pointer (&cli->tls_key));
  merge_string (&c->port_file, g_steal_pointer (&cli->port_file));
  merge_string (&c->pg_bindir, g_steal_pointer (&cli->pg_bindir));
  c->no_tls = c->no_tls || cli->no_tls;
  c->verbose = cli->verbose;
  if (cli->workers != 0)
    c->workers = cli->workers;
  if (cli->db_pool_size != 0)
    c->db_pool_size = cli->db_pool_size;
}

VbConfig *
vb_config_parse (int     *argc,
                 char  ***argv,
                 GError **error)
{
  g_autoptr(VbConfig) c = g_new0 (VbConfig, 1);
  g_autoptr(VbConfig) cli = g_new0 (VbConfig, 1);

  /* Parse the command line into its own struct (GOption would leak values
   * it overwrites), read the file it names, then let the command line win. */
  if (!parse_args (cli, argc, argv, FALSE, error))
    return NULL;
  c->workers = MAX (8, 4 * (gint) g_get_num_processors ());
  c->max_body_kib = 1024;
  c->session_hours = 12;
  c->config_file = g_steal_pointer (&cli->config_file);
  if (c->config_file != NULL && !load_file (c, error))
    return NULL;
  merge (c, cli);
  if (c->settings == NULL)
    c->settings = g_key_file_new ();
  if (c->listen == NULL)
    c->listen = g_strdup ("127.0.0.1:8443");
  if (c->data_dir == NULL)
    c->data_dir = vb_config_default_data_dir ();
  if (c->db_pool_size == 0)
    c->db_pool_size = c->workers;
  if (!check (c, error))
    return NULL;
  return g_steal_pointer (&c);
}
