/* voltbay-server — configuration, database, TLS, then serve until a signal. */
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>

#include "vb-audit-sealer.h"
#include "vb-config.h"
#include "vb-embedded-pg.h"
#include "vb-handlers.h"
#include "vb-log.h"
#include "vb-message-worker.h"
#include "vb-migrations.h"
#include "vb-notify-listener.h"
#include "vb-reminder-scheduler.h"
#include "vb-server.h"
#include "vb-tls.h"

static gboolean
quit_cb (gpointer data)
{
  g_message ("Stopping on signal");
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
migrate (const char  *conninfo,
         GError     **error)
{
  g_autoptr(VbDbConn) conn = vb_db_conn_connect (conninfo, error);
  guint applied = 0;

  if (conn == NULL || !vb_migrations_apply (conn, &applied, error))
    return FALSE;
  g_message ("Database schema is current (%u migration(s) applied now)", applied);
  return TRUE;
}

static GTlsCertificate *
load_tls (VbConfig  *config,
          GError   **error)
{
  gboolean created = FALSE;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autofree char *fingerprint = NULL;

  cert = vb_tls_load_or_create (config->tls_cert, config->tls_key, config->data_dir, &created, error);
  if (cert == NULL)
    return NULL;
  fingerprint = vb_tls_certificate_fingerprint (cert);
  g_message ("%s TLS certificate, SHA-256 fingerprint %s",
             created ? "Generated a self-signed" : "Using the", fingerprint);
  return g_steal_pointer (&cert);
}

static gboolean
write_port_file (const char  *path,
                 guint        port,
                 GError     **error)
{
  g_autofree char *text = g_strdup_printf ("%u\n", port);
  return path == NULL || g_file_set_contents (path, text, -1, error);
}

static VbEmbeddedPg *
start_embedded (VbConfig  *config,
                GError   **error)
{
  g_autoptr(VbEmbeddedPg) pg = NULL;

  if (g_mkdir_with_parents (config->data_dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create %s: %s", config->data_dir, g_strerror (errno));
      return NULL;
    }
  pg = vb_embedded_pg_new (config->data_dir);
  if (config->pg_bindir != NULL)
    vb_embedded_pg_set_bindir (pg, config->pg_bindir);
  if (!vb_embedded_pg_start (pg, error))
    return NULL;
  g_message ("Embedded PostgreSQL ready in %s/pg", config->data_dir);
  return g_steal_pointer (&pg);
}

static void
notified_cb (VbNotifyListener *listener,
             const char       *payload,
             VbLiveHub        *hub)
{
  vb_live_hub_notify (hub, payload);
}

static void
listener_connected_cb (VbNotifyListener *listener,
                       gboolean          after_loss,
                       VbLiveHub        *hub)
{
  if (after_loss)
    vb_live_hub_pull_all (hub);
}

/* Let close frames and queued events go out before the loop is gone. */
static void
drain_loop (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static gboolean
serve (VbConfig     *config,
       const char   *conninfo,
       GError      **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(VbDbPool) pool = NULL;
  g_autoptr(VbServer) server = NULL;
  g_autoptr(VbNotifyListener) listener = NULL;
  g_autoptr(VbAuditSealer) sealer = NULL;
  VbServerOptions options = { config->workers, (gsize) config->max_body_kib * 1024,
                              (gint64) config->session_hours * 3600, config->data_dir,
                              config->settings };
  guint port = 0;

  if (!config->no_tls && (cert = load_tls (config, error)) == NULL)
    return FALSE;
  pool = vb_db_pool_new (conninfo, config->db_pool_size);
  server = vb_server_new (pool, &options);
  vb_handlers_register_all (vb_server_get_router (server));
  if (!vb_server_listen (server, config->listen, cert, &port, error)
      || !write_port_file (config->port_file, port, error))
    return FALSE;
  listener = vb_notify_listener_new (conninfo, "voltbay_changes");
  g_signal_connect (listener, "notified", G_CALLBACK (notified_cb), vb_server_get_live_hub (server));
  g_signal_connect (listener, "connected", G_CALLBACK (listener_connected_cb), vb_server_get_live_hub (server));
  vb_notify_listener_start (listener);
  sealer = vb_audit_sealer_new (pool, 1000);
  vb_audit_sealer_start (sealer);
  /* background jobs: the message worker */
  g_autoptr(VbMessageWorker) message_worker = vb_message_worker_new (conninfo, config->settings, config->data_dir);
  vb_message_worker_start (message_worker);
  /* background jobs: the reminder scheduler */
  g_autoptr(VbReminderScheduler) reminders = vb_reminder_scheduler_new (pool, config->settings);
  vb_reminder_scheduler_start (reminders);
  g_message ("Listening on %s://%s (port %u)", cert ? "https" : "http", config->listen, port);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  vb_live_hub_close_all (vb_server_get_live_hub (server));
  vb_notify_listener_stop (listener);
  vb_audit_sealer_stop (sealer);
  vb_message_worker_stop (message_worker);
  vb_reminder_scheduler_stop (reminders);
  drain_loop (200);
  vb_server_disconnect (server);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbConfig) config = NULL;
  g_autoptr(VbEmbeddedPg) pg = NULL;
  g_autoptr(GError) stop_error = NULL;
  const char *conninfo;
  gboolean ok;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  config = vb_config_parse (&argc, &argv, &error);
  if (config == NULL)
    {
      g_printerr ("voltbay-server: %s\n", error->message);
      return 2;
    }
  vb_log_init (config->verbose);
  if (config->database == NULL && (pg = start_embedded (config, &error)) == NULL)
    {
      g_critical ("%s", error->message);
      return 1;
    }
  conninfo = pg ? vb_embedded_pg_get_conninfo (pg) : config->database;
  ok = migrate (conninfo, &error) && serve (config, conninfo, &error);
  if (!ok)
    g_critical ("%s", error->message);
  if (pg != NULL && !vb_embedded_pg_stop (pg, &stop_error))
    g_warning ("Stopping PostgreSQL: %s", stop_error->message);
  return ok ? 0 : 1;
}
