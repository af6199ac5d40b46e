/* vb-reminder-scheduler.h — finds due maintenance and queues reminders (being written). */
#pragma once

#include <glib.h>
