/* vb-reminder-scheduler.h — finds due maintenance and queues reminders. */
#pragma once

#include <glib-object.h>

#include "vb-db.h"

G_BEGIN_DECLS

/* What one run did (vb_reminders_run in 0012-reminders.sql). */
typedef struct
{
  gboolean ran;           /* FALSE: another run held the lock, nothing done */
  guint    due;           /* items due (maintenance and deferred) */
  guint    queued;        /* reminders queued now (one per item and channel) */
  guint    already_sent;  /* item/channel pairs sent by an earlier run */
  guint    no_consent;    /* item/channel pairs without the customer's consent */
  guint    no_address;    /* consent but no e-mail address / phone number */
} VbReminderRunStats;

/* [reminders] settings of the config file, with their defaults. */
#define VB_REMINDERS_DEFAULT_INTERVAL  600
#define VB_REMINDERS_DEFAULT_LEAD_DAYS 14
guint     vb_reminder_settings_lead_days (GKeyFile *settings);

/* One run in its own transaction: today "YYYY-MM-DD", or NULL for today in
 * each vehicle's location; lead_days is the window before a due date. */
gboolean  vb_reminder_run_once (VbDbConn            *conn,
                                const char          *today,
                                guint                lead_days,
                                VbReminderRunStats  *stats,
                                GError             **error);

#define VB_TYPE_REMINDER_SCHEDULER (vb_reminder_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (VbReminderScheduler, vb_reminder_scheduler, VB, REMINDER_SCHEDULER, GObject)

/* settings: the config file's groups (may be NULL: defaults). */
VbReminderScheduler *vb_reminder_scheduler_new   (VbDbPool            *pool,
                                                  GKeyFile            *settings);
/* Runs every interval-seconds on its own thread (the first run one interval
 * after start); does nothing when [reminders] enabled = false. */
void                 vb_reminder_scheduler_start (VbReminderScheduler *self);
void                 vb_reminder_scheduler_stop  (VbReminderScheduler *self);

G_END_DECLS
