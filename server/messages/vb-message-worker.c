/* vb-message-worker.c — sends the outbound message queue (see the header and
 * 0011-messages.sql for the states and the never-twice rule). */
#include "vb-message-worker.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "vb-attachment-store.h"
#include "vb-db.h"
#include "vb-sms-gateway.h"
#include "vb-smtp.h"

struct _VbMessageWorker
{
  char          *conninfo;
  char          *data_dir;
  VbSmtpConfig  *smtp;
  VbSmsConfig   *sms;
  gboolean       enabled;
  gint           poll_ms;
  double         retry_base;
  char          *label;
  char          *channels;    /* a text[] literal of the configured channels */
  GCancellable  *cancellable;
  GThread       *thread;
};

static const VbDbAudit worker_audit = { NULL, "message-worker", NULL };

VbMessageWorker *
vb_message_worker_new (const char *conninfo,
                       GKeyFile   *settings,
                       const char *data_dir)
{
  VbMessageWorker *self = g_new0 (VbMessageWorker, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) channels = g_ptr_array_new ();
  g_autofree char *joined = NULL;
  double poll_s = 5, base = 30;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  self->conninfo = g_strdup (conninfo);
  self->data_dir = g_strdup (data_dir);
  self->smtp = vb_smtp_config_from_settings (settings);
  self->sms = vb_sms_config_from_settings (settings);
  self->enabled = TRUE;
  if (settings != NULL)
    {
      if (g_key_file_has_key (settings, "messages", "enabled", NULL))
        self->enabled = g_key_file_get_boolean (settings, "messages", "enabled", NULL);
      if (g_key_file_has_key (settings, "messages", "poll-seconds", NULL))
        {
          double v = g_key_file_get_double (settings, "messages", "poll-seconds", &error);
          if (error == NULL && v > 0)
            poll_s = v;
          g_clear_error (&error);
        }
      if (g_key_file_has_key (settings, "messages", "retry-base-seconds", NULL))
        {
          double v = g_key_file_get_double (settings, "messages", "retry-base-seconds", &error);
          if (error == NULL && v >= 0)
            base = v;
          g_clear_error (&error);
        }
    }
  self->poll_ms = (gint) (poll_s * 1000);
  self->retry_base = base;
  self->label = g_strdup_printf ("%s:%d", g_get_host_name (), (int) getpid ());
  if (self->smtp != NULL)
    g_ptr_array_add (channels, (gpointer) "email");
  if (self->sms != NULL)
    g_ptr_array_add (channels, (gpointer) "sms");
  g_ptr_array_add (channels, NULL);
  joined = g_strjoinv (",", (char **) channels->pdata);
  self->channels = g_strdup_printf ("{%s}", joined);
  self->cancellable = g_cancellable_new ();
  return self;
}

gboolean
vb_message_worker_enabled (VbMessageWorker *self)
{
  return self->enabled;
}

void
vb_message_worker_free (VbMessageWorker *self)
{
  if (self == NULL)
    return;
  vb_message_worker_stop (self);
  g_free (self->conninfo);
  g_free (self->data_dir);
  vb_smtp_config_free (self->smtp);
  vb_sms_config_free (self->sms);
  g_free (self->label);
  g_free (self->channels);
  g_clear_object (&self->cancellable);
  g_free (self);
  curl_global_cleanup ();
}

/* ------------------------------------------------------------ one send --- */

typedef struct
{
  VbMessageWorker *self;
  PGresult        *claimed;   /* out */
  const char      *id;
  const char      *outcome;
  const char      *error_text;
  const char      *provider_id;
  const char      *started;
  char            *final;     /* out */
} Step;

static gboolean
claim_txn (VbDbConn *conn, gpointer user_data, GError **error)
{
  Step *s = user_data;

  s->claimed = vb_db_execv (conn, error,
    "SELECT id, channel, to_address, subject, body, message_id_header, attempts,"
    "       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    "  FROM vb_message_claim(1, $1, $2::text[])",
    s->self->label, s->self->channels);
  return s->claimed != NULL;
}

static gboolean
finish_txn (VbDbConn *conn, gpointer user_data, GError **error)
{
  Step *s = user_data;
  g_autofree char *base = g_strdup_printf ("%.3f", s->self->retry_base);
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_message_finish($1::uuid, $2, $3, $4, $5::timestamptz, $6::float8)",
    s->id, s->outcome, s->error_text, s->provider_id, s->started, base);

  if (res == NULL)
    return FALSE;
  s->final = g_strdup (vb_db_get (res, 0, 0));
  return TRUE;
}

static gboolean
sweep_txn (VbDbConn *conn, gpointer user_data, GError **error)
{
  g_autoptr(PGresult) res = vb_db_exec (conn, "SELECT vb_message_sweep_orphans()", 0, NULL, error);

  if (res == NULL)
    return FALSE;
  *(gint64 *) user_data = vb_db_get_int (res, 0, 0);
  return TRUE;
}

static VbSendOutcome
send_email (VbMessageWorker *self,
            VbDbConn        *conn,
            PGresult        *m,
            char           **error_text,
            char           **provider_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (conn, &error,
    "SELECT a.sha256, a.content_type, ma.filename FROM outbound_message_attachments ma"
    "  JOIN attachments a ON a.id = ma.attachment_id"
    " WHERE ma.message_id = $1::uuid ORDER BY ma.created_at, ma.id",
    vb_db_get (m, 0, 0));
  g_autofree VbSmtpAttachment *parts = NULL;
  g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  int n;
  VbSendOutcome outcome;

  if (res == NULL)
    {
      *error_text = g_strdup_printf ("Reading the attachments: %s", error->message);
      return VB_SEND_RETRY;
    }
  n = PQntuples (res);
  parts = g_new0 (VbSmtpAttachment, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      GBytes *content = vb_attachment_store_get (self->data_dir, vb_db_get (res, i, 0), &error);

      if (content == NULL)
        {
          *error_text = g_strdup_printf ("Attachment %s is missing: %s", vb_db_get (res, i, 2), error->message);
          return VB_SEND_FAILED;
        }
      g_ptr_array_add (contents, content);
      parts[i].content = content;
      parts[i].content_type = vb_db_get (res, i, 1);
      parts[i].filename = vb_db_get (res, i, 2);
    }
  outcome = vb_smtp_send (self->smtp, vb_db_get (m, 0, 2), vb_db_get (m, 0, 3), vb_db_get (m, 0, 4),
                          vb_db_get (m, 0, 5), parts, n, error_text);
  if (outcome == VB_SEND_SENT)
    *provider_id = g_strdup (vb_db_get (m, 0, 5));
  return outcome;
}

static const char *
outcome_name (VbSendOutcome outcome)
{
  switch (outcome)
    {
    case VB_SEND_SENT:
      return "sent";
    case VB_SEND_FAILED:
      return "failed";
    case VB_SEND_RETRY:
    default:
      return "retry";
    }
}

/* Claims and sends one message: 1 if one was attempted, 0 if none was due. */
static gint
send_one (VbMessageWorker *self,
          VbDbConn        *conn,
          GError         **error)
{
  Step s = { self, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
  g_autofree char *error_text = NULL;
  g_autofree char *provider_id = NULL;
  VbSendOutcome outcome;
  gboolean ok;

  if (!vb_db_transaction (conn, &worker_audit, claim_txn, &s, error))
    return -1;
  if (PQntuples (s.claimed) == 0)
    {
      PQclear (s.claimed);
      return 0;
    }
  /* Committed as 'sending': from here a crash leaves it 'unknown'. */
  if (g_str_equal (vb_db_get (s.claimed, 0, 1), "email"))
    outcome = send_email (self, conn, s.claimed, &error_text, &provider_id);
  else
    outcome = vb_sms_send (self->sms, vb_db_get (s.claimed, 0, 2), vb_db_get (s.claimed, 0, 4),
                           vb_db_get (s.claimed, 0, 0), &provider_id, &error_text);
  s.id = vb_db_get (s.claimed, 0, 0);
  s.outcome = outcome_name (outcome);
  s.error_text = error_text;
  s.provider_id = provider_id;
  s.started = vb_db_get (s.claimed, 0, 7);
  ok = vb_db_transaction (conn, &worker_audit, finish_txn, &s, error);
  if (ok)
    {
      if (outcome == VB_SEND_SENT)
        g_debug ("Message %s (%s, attempt %s) sent", s.id, vb_db_get (s.claimed, 0, 1),
                 vb_db_get (s.claimed, 0, 6));
      else
        g_message ("Message %s (%s, attempt %s): %s → %s", s.id, vb_db_get (s.claimed, 0, 1),
                   vb_db_get (s.claimed, 0, 6), error_text ? error_text : "", s.final ? s.final : "?");
    }
  g_free (s.final);
  PQclear (s.claimed);
  return ok ? 1 : -1;
}

gint
vb_message_worker_run_once (VbMessageWorker *self,
                            VbDbConn        *conn,
                            GError         **error)
{
  gint64 orphans = 0;
  gint total = 0;

  if (!vb_db_transaction (conn, &worker_audit, sweep_txn, &orphans, error))
    return -1;
  if (orphans > 0)
    g_warning ("%" G_GINT64_FORMAT " message(s) were being sent by a server that stopped: "
               "their outcome is unknown, staff must resolve them", orphans);
  if (self->smtp == NULL && self->sms == NULL)
    return 0;
  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      gint n = send_one (self, conn, error);

      if (n < 0)
        return -1;
      if (n == 0)
        break;
      total += n;
    }
  return total;
}

/* ------------------------------------------------------------- thread --- */

/* Milliseconds until the next queued message is due (at most poll_ms). */
static gint
next_wait (VbMessageWorker *self,
           VbDbConn        *conn)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, NULL,
    "SELECT ceil(greatest(0, extract(epoch FROM min(next_attempt_at) - clock_timestamp())) * 1000)::bigint"
    "  FROM outbound_messages WHERE status = 'queued' AND channel = ANY ($1::text[])",
    self->channels);
  gint64 ms;

  if (res == NULL || vb_db_get (res, 0, 0) == NULL)
    return self->poll_ms;
  ms = vb_db_get_int (res, 0, 0);
  return (gint) CLAMP (ms, 10, self->poll_ms);
}

/* Waits for a notification, the timeout or cancellation; FALSE if the
 * connection broke. */
static gboolean
wait_for_work (VbMessageWorker *self,
               VbDbConn        *conn,
               gint             timeout_ms)
{
  PGconn *pg = vb_db_conn_get_pg (conn);
  PGnotify *note;
  struct pollfd fds[2];
  GPollFD cancel_fd;
  int nfds = 1;

  fds[0].fd = PQsocket (pg);
  fds[0].events = POLLIN;
  fds[0].revents = 0;
  if (g_cancellable_make_pollfd (self->cancellable, &cancel_fd))
    {
      fds[1].fd = cancel_fd.fd;
      fds[1].events = POLLIN;
      fds[1].revents = 0;
      nfds = 2;
    }
  if (fds[0].fd < 0)
    {
      if (nfds == 2)
        g_cancellable_release_fd (self->cancellable);
      return FALSE;
    }
  if (poll (fds, nfds, timeout_ms) < 0 && errno != EINTR)
    g_usleep (100000);
  if (nfds == 2)
    g_cancellable_release_fd (self->cancellable);
  if ((fds[0].revents & POLLIN) && !PQconsumeInput (pg))
    return FALSE;
  while ((note = PQnotifies (pg)) != NULL)
    PQfreemem (note);
  return PQstatus (pg) == CONNECTION_OK;
}

static VbDbConn *
connect_and_listen (VbMessageWorker *self)
{
  g_autoptr(GError) error = NULL;
  VbDbConn *conn = vb_db_conn_connect (self->conninfo, &error);
  PGresult *res;

  if (conn == NULL)
    {
      g_warning ("Message worker: cannot connect to the database: %s", error->message);
      return NULL;
    }
  res = PQexec (vb_db_conn_get_pg (conn), "LISTEN voltbay_messages");
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      g_warning ("Message worker: LISTEN failed: %s", PQerrorMessage (vb_db_conn_get_pg (conn)));
      PQclear (res);
      vb_db_conn_free (conn);
      return NULL;
    }
  PQclear (res);
  return conn;
}

static gpointer
worker_thread (gpointer data)
{
  VbMessageWorker *self = data;
  VbDbConn *conn = NULL;

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr(GError) error = NULL;

      if (conn == NULL && (conn = connect_and_listen (self)) == NULL)
        {
          g_usleep (0);   /* wait below, cancellably */
          if (g_cancellable_is_cancelled (self->cancellable))
            break;
          {
            GPollFD fd;
            if (g_cancellable_make_pollfd (self->cancellable, &fd))
              {
                g_poll (&fd, 1, 2000);
                g_cancellable_release_fd (self->cancellable);
              }
            else
              g_usleep (2 * G_USEC_PER_SEC);
          }
          continue;
        }
      if (vb_message_worker_run_once (self, conn, &error) < 0)
        {
          g_warning ("Message worker: %s", error->message);
          if (PQstatus (vb_db_conn_get_pg (conn)) != CONNECTION_OK)
            g_clear_pointer (&conn, vb_db_conn_free);
          else
            g_usleep (G_USEC_PER_SEC / 2);
          continue;
        }
      if (g_cancellable_is_cancelled (self->cancellable))
        break;
      if (!wait_for_work (self, conn, next_wait (self, conn)))
        g_clear_pointer (&conn, vb_db_conn_free);
    }
  g_clear_pointer (&conn, vb_db_conn_free);
  return NULL;
}

void
vb_message_worker_start (VbMessageWorker *self)
{
  if (!self->enabled || self->thread != NULL)
    return;
  if (self->smtp == NULL)
    g_message ("E-mail is not configured ([email] smtp-url): e-mail messages wait in the queue");
  if (self->sms == NULL)
    g_message ("SMS is not configured ([sms] url): SMS messages wait in the queue");
  self->thread = g_thread_new ("message-worker", worker_thread, self);
}

void
vb_message_worker_stop (VbMessageWorker *self)
{
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  self->thread = NULL;
}
