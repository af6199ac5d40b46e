/* vb-handler-reminders.c — maintenance reminders (being written). */
#include "vb-handlers.h"

void
vb_handler_reminders_register (VbRouter *router)
{
  (void) router;
}
