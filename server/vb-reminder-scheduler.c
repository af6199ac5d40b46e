/* vb-reminder-scheduler.c — runs vb_reminders_run() every interval on its
 * own thread.
 *
 * What is due, consent, templates and "never twice" all live in SQL
 * (0012-reminders.sql), so a run from voltbay-ctl and a run from any server
 * instance behave the same.  Every instance runs a scheduler; the
 * transaction-scoped advisory try-lock inside vb_reminders_run() lets one
 * work and the others skip, and the unique reminders_sent row keeps a
 * reminder from being queued twice even if two runs did overlap.  The first
 * run comes one interval after start, so a server restarted in a loop does
 * not hammer the database, and tests that start servers see no surprise runs.
 */
#include "vb-reminder-scheduler.h"

#include <gio/gio.h>
#include <poll.h>

static const VbDbAudit scheduler_actor = { NULL, "reminder-scheduler", NULL };

struct _VbReminderScheduler
{
  GObject       parent_instance;
  VbDbPool     *pool;
  gboolean      enabled;
  guint         interval_s;
  guint         lead_days;
  GCancellable *cancellable;
  GThread      *thread;
};

G_DEFINE_FINAL_TYPE (VbReminderScheduler, vb_reminder_scheduler, G_TYPE_OBJECT)

static gint64
setting_int (GKeyFile   *settings,
             const char *key,
             gint64      fallback,
             gint64      min,
             gint64      max)
{
  g_autoptr(GError) error = NULL;
  gint64 value;

  if (settings == NULL || !g_key_file_has_key (settings, "reminders", key, NULL))
    return fallback;
  value = g_key_file_get_int64 (settings, "reminders", key, &error);
  if (error != NULL || value < min || value > max)
    {
      g_warning ("[reminders] %s must be a number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                 "; using %" G_GINT64_FORMAT, key, min, max, fallback);
      return fallback;
    }
  return value;
}

guint
vb_reminder_settings_lead_days (GKeyFile *settings)
{
  return (guint) setting_int (settings, "lead-days", VB_REMINDERS_DEFAULT_LEAD_DAYS, 0, 365);
}

typedef struct
{
  const char         *today;
  const char         *lead_days;
  VbReminderRunStats *stats;
} Run;

static guint
stat_at (PGresult *res,
         int       col)
{
  return (guint) vb_db_get_int (res, 0, col);
}

static gboolean
run_txn (VbDbConn  *conn,
         gpointer   user_data,
         GError   **error)
{
  Run *run = user_data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT ran, due, queued, already_sent, no_consent, no_address"
    "  FROM vb_reminders_run($1::date, $2::int)",
    run->today, run->lead_days);

  if (res == NULL)
    return FALSE;
  *run->stats = (VbReminderRunStats) { vb_db_get_bool (res, 0, 0), stat_at (res, 1), stat_at (res, 2),
                                       stat_at (res, 3), stat_at (res, 4), stat_at (res, 5) };
  return TRUE;
}

gboolean
vb_reminder_run_once (VbDbConn            *conn,
                      const char          *today,
                      guint                lead_days,
                      VbReminderRunStats  *stats,
                      GError             **error)
{
  g_autofree char *lead = g_strdup_printf ("%u", lead_days);
  VbReminderRunStats local = { 0 };
  Run run = { today, lead, stats != NULL ? stats : &local };

  if (!vb_db_transaction (conn, &scheduler_actor, run_txn, &run, error))
    {
      g_prefix_error (error, "Reminder run: ");
      return FALSE;
    }
  return TRUE;
}

static void
run_scheduled (VbReminderScheduler *self)
{
  g_autoptr(GError) error = NULL;
  VbReminderRunStats stats = { 0 };
  VbDbConn *conn = vb_db_pool_acquire (self->pool, &error);

  if (conn != NULL)
    vb_reminder_run_once (conn, NULL, self->lead_days, &stats, &error);
  vb_db_pool_release (self->pool, conn);
  if (error != NULL)
    g_warning ("%s", error->message);
  else if (!stats.ran)
    g_debug ("Reminder run skipped: another instance is running it");
  else if (stats.queued > 0)
    g_message ("Reminders: %u due, %u queued, %u sent earlier, %u without consent, %u without an address",
               stats.due, stats.queued, stats.already_sent, stats.no_consent, stats.no_address);
}

static gpointer
scheduler_thread (gpointer data)
{
  VbReminderScheduler *self = data;
  struct pollfd fd = { g_cancellable_get_fd (self->cancellable), POLLIN, 0 };
  gint64 interval_ms = (gint64) self->interval_s * 1000;

  for (;;)
    {
      gint64 until = g_get_monotonic_time () / 1000 + interval_ms;
      gint64 left;

      /* poll() may return early (signals): wait out the whole interval. */
      while (!g_cancellable_is_cancelled (self->cancellable)
             && (left = until - g_get_monotonic_time () / 1000) > 0)
        poll (&fd, 1, (int) MIN (left, G_MAXINT));
      if (g_cancellable_is_cancelled (self->cancellable))
        break;
      run_scheduled (self);
    }
  return NULL;
}

static void
vb_reminder_scheduler_finalize (GObject *object)
{
  VbReminderScheduler *self = VB_REMINDER_SCHEDULER (object);

  vb_reminder_scheduler_stop (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (vb_reminder_scheduler_parent_class)->finalize (object);
}

static void
vb_reminder_scheduler_class_init (VbReminderSchedulerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_reminder_scheduler_finalize;
}

static void
vb_reminder_scheduler_init (VbReminderScheduler *self)
{
  self->cancellable = g_cancellable_new ();
}

VbReminderScheduler *
vb_reminder_scheduler_new (VbDbPool *pool,
                           GKeyFile *settings)
{
  VbReminderScheduler *self = g_object_new (VB_TYPE_REMINDER_SCHEDULER, NULL);
  g_autoptr(GError) error = NULL;

  self->pool = g_object_ref (pool);
  self->enabled = TRUE;
  if (settings != NULL && g_key_file_has_key (settings, "reminders", "enabled", NULL))
    {
      self->enabled = g_key_file_get_boolean (settings, "reminders", "enabled", &error);
      if (error != NULL)
        {
          g_warning ("[reminders] enabled must be true or false; the scheduler stays on");
          self->enabled = TRUE;
        }
    }
  self->interval_s = (guint) setting_int (settings, "interval-seconds", VB_REMINDERS_DEFAULT_INTERVAL,
                                          1, 7 * 24 * 3600);
  self->lead_days = vb_reminder_settings_lead_days (settings);
  return self;
}

void
vb_reminder_scheduler_start (VbReminderScheduler *self)
{
  g_return_if_fail (self->thread == NULL);
  if (!self->enabled)
    {
      g_message ("Reminder scheduler disabled ([reminders] enabled = false)");
      return;
    }
  self->thread = g_thread_new ("vb-reminders", scheduler_thread, self);
}

void
vb_reminder_scheduler_stop (VbReminderScheduler *self)
{
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (g_steal_pointer (&self->thread));
  g_cancellable_release_fd (self->cancellable);
}
