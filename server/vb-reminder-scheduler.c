/* vb-reminder-scheduler.c — finds due maintenance and queues reminders (being written). */
#include <glib.h>
