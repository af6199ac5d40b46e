/* vb-log.c — a GLogWriterFunc for the server.
 *
 * Under systemd (stderr connected to the journal) fields go to journald as
 * they are, so `journalctl REQUEST_ID=...` finds a request.  Otherwise one
 * line per message with a UTC timestamp, the level and the domain; access
 * lines carry their fields as key=value so they grep just as well.  Info is
 * shown (access lines are info); debug only with --verbose.
 */
#include "vb-log.h"

#include <stdio.h>
#include <unistd.h>

static gboolean log_verbose;
static gboolean log_journald;

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "MESSAGE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

static const char *
field_value (const GLogField *fields,
             gsize            n_fields,
             const char      *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, key))
      return fields[i].length < 0 ? fields[i].value : NULL;
  return NULL;
}

static GLogWriterOutput
writer (GLogLevelFlags   level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         user_data)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  const char *domain, *message;

  if ((level & G_LOG_LEVEL_DEBUG) && !log_verbose)
    return G_LOG_WRITER_HANDLED;
  if (log_journald)
    return g_log_writer_journald (level, fields, n_fields, user_data);
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  domain = field_value (fields, n_fields, "GLIB_DOMAIN");
  message = field_value (fields, n_fields, "MESSAGE");
  fprintf (stderr, "%s %s %s: %s\n", stamp, level_name (level),
           domain ? domain : "voltbay", message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
vb_log_init (gboolean verbose)
{
  log_verbose = verbose;
  log_journald = g_log_writer_is_journald (fileno (stderr));
  g_log_set_writer_func (writer, NULL, NULL);
}

void
vb_log_access (VbRequest *req,
               gint64     duration_us)
{
  g_autofree char *status = g_strdup_printf ("%u", vb_request_get_status (req));
  g_autofree char *duration = g_strdup_printf ("%.3f", duration_us / 1000.0);
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *error_code = vb_request_get_error_code (req);
  g_autofree char *message =
    g_strdup_printf ("request_id=%s remote=%s method=%s path=%s status=%s ms=%s user=%s%s%s",
                     vb_request_get_id (req), vb_request_get_remote_address (req),
                     vb_request_get_method (req), vb_request_get_path (req), status, duration,
                     principal ? principal->user_id : "-",
                     error_code ? " error=" : "", error_code ? error_code : "");

  g_log_structured ("voltbay-access", G_LOG_LEVEL_INFO,
                    "REQUEST_ID", vb_request_get_id (req),
                    "HTTP_METHOD", vb_request_get_method (req),
                    "HTTP_PATH", vb_request_get_path (req),
                    "HTTP_STATUS", status,
                    "DURATION_MS", duration,
                    "MESSAGE", "%s", message);
}
